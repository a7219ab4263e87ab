/* common/'s parsers (include/ctr/proc_pid.h, cgroup_mounts.h, strv.h,
 * fsutil.h) over text written by hand from the kernel's documented formats:
 * proc(5) for /proc/PID/stat, cgroups(7) for /proc/PID/cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr/cgroup_mounts.h"
#include "ctr/fsutil.h"
#include "ctr/proc_pid.h"
#include "ctr/strv.h"
#include "tap.h"

static char tmp[64];

static const char *path_of(const char *rel)
{
	static char buf[4][256];
	static int i;
	char *p = buf[i++ % 4];
	snprintf(p, 256, "%s/%s", tmp, rel);
	return p;
}

static void write_file(const char *rel, const char *text)
{
	FILE *f = fopen(path_of(rel), "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_stat_parse(void)
{
	struct ctr_proc_stat st;
	/* proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt
	 * cminflt majflt cmajflt utime stime cutime cstime priority nice
	 * num_threads itrealvalue starttime(22) vsize rss ... */
	const char *plain = "1234 (bash) S 1 1234 1234 34816 1234 4194560 1500 0 2 0 5 3 0 0 20 0 1 0 "
			    "98765 12345678 200 18446744073709551615 1 1 0 0 0 0 65536 3670020 1266777851 0 0 0 17 "
			    "1 0 0 0 0 0\n";
	TAP_CHECK(ctr_proc_stat_parse(plain, &st) == 0, "stat: a plain line parses");
	TAP_CHECK(st.state == 'S', "stat: field 3, the state, is S");
	TAP_CHECK(st.has_start && st.start_ticks == 98765, "stat: field 22, starttime, is 98765");

	/* A comm of "a) R 1 (b" (the kernel prints it as it is): the fields
	 * start after the last ')'. */
	const char *tricky = "77 (a) R 1 (b) Z 5 77 77 0 -1 4194316 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0 "
			     "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
	TAP_CHECK(ctr_proc_stat_parse(tricky, &st) == 0 && st.state == 'Z' && st.start_ticks == 4242,
		  "stat: a comm with spaces and parentheses: state Z and starttime 4242 after its last ')'");

	const char *spaces = "9 (my prog (v2)) D 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551615 0\n";
	TAP_CHECK(ctr_proc_stat_parse(spaces, &st) == 0 && st.state == 'D' && st.has_start &&
			  st.start_ticks == UINT64_MAX,
		  "stat: comm \"my prog (v2)\", state D, the largest starttime");

	TAP_CHECK(ctr_proc_stat_parse("5 (x) R 1 5 5 0", &st) == 0 && st.state == 'R' && !st.has_start,
		  "stat: a line cut before field 22 has the state, no starttime");
	TAP_CHECK(ctr_proc_stat_parse("5 (x) ", &st) == 0 && st.state == 0 && !st.has_start,
		  "stat: a line cut after the comm has neither");
	TAP_CHECK(ctr_proc_stat_parse("5 (x) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 abc 0", &st) == 0 &&
			  st.state == 'S' && !st.has_start,
		  "stat: a starttime that is no number is not taken");
	TAP_CHECK(ctr_proc_stat_parse("5 (x)S 1", &st) == -1, "stat: no space after ')' does not parse");
	TAP_CHECK(ctr_proc_stat_parse("5 x S 1", &st) == -1 && st.state == 0, "stat: no ')' does not parse");
	TAP_CHECK(ctr_proc_stat_parse("", &st) == -1, "stat: empty text does not parse");
}

static void test_stat_read(void)
{
	struct ctr_proc_stat st;
	TAP_CHECK(ctr_proc_stat_read("/proc/self/stat", &st) == 0 && st.state == 'R' && st.has_start,
		  "stat: /proc/self/stat is running and has a starttime");
	write_file("stat", "42 (t t) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0\n");
	TAP_CHECK(ctr_proc_stat_read(path_of("stat"), &st) == 0 && st.state == 'S' && st.start_ticks == 777,
		  "stat: a file written by hand reads as its text parses");
	write_file("empty", "");
	TAP_CHECK(ctr_proc_stat_read(path_of("empty"), &st) == -1, "stat: an empty file does not parse");
	errno = 0;
	TAP_CHECK(ctr_proc_stat_read(path_of("missing"), &st) == -1 && errno == ENOENT,
		  "stat: a missing file is -1 with ENOENT");
}

static void test_cgroup_lines(void)
{
	/* cgroups(7): "hierarchy-ID:controller-list:cgroup-path"; v2 is "0::PATH". */
	char text[] = "12:pids:/user.slice/user-1000.slice\n"
		      "11:cpu,cpuacct:/user.slice\n"
		      "\n"
		      "garbage without colons\n"
		      "1:name=systemd:/user.slice/user-1000.slice/session-2.scope\n"
		      "0::/user.slice/a:b.scope";
	char *rest = text;
	struct ctr_cgroup_line l;
	TAP_CHECK(ctr_cgroup_next_line(&rest, &l), "cgroup: first line");
	TAP_STR_EQ(l.id, "12", "cgroup: its hierarchy ID");
	TAP_STR_EQ(l.controllers, "pids", "cgroup: its controller list");
	TAP_STR_EQ(l.path, "/user.slice/user-1000.slice", "cgroup: its path");
	TAP_CHECK(ctr_cgroup_next_line(&rest, &l) && strcmp(l.id, "11") == 0 &&
			  strcmp(l.controllers, "cpu,cpuacct") == 0 && strcmp(l.path, "/user.slice") == 0,
		  "cgroup: 11:cpu,cpuacct:/user.slice (two controllers share a hierarchy)");
	TAP_CHECK(ctr_cgroup_next_line(&rest, &l) && strcmp(l.id, "1") == 0 &&
			  strcmp(l.controllers, "name=systemd") == 0 &&
			  strcmp(l.path, "/user.slice/user-1000.slice/session-2.scope") == 0,
		  "cgroup: an empty line and one without colons are skipped; a named hierarchy");
	TAP_CHECK(ctr_cgroup_next_line(&rest, &l) && strcmp(l.id, "0") == 0 && strcmp(l.controllers, "") == 0,
		  "cgroup: the v2 line, ID 0 and no controllers, without a final newline");
	TAP_STR_EQ(l.path, "/user.slice/a:b.scope", "cgroup: a colon in the path stays in the path");
	TAP_CHECK(!ctr_cgroup_next_line(&rest, &l), "cgroup: then the end");
	TAP_CHECK(!ctr_cgroup_next_line(&rest, &l), "cgroup: and the end again");

	char pure[] = "0::/\n";
	rest = pure;
	TAP_CHECK(ctr_cgroup_next_line(&rest, &l) && strcmp(l.path, "/") == 0 && *l.controllers == '\0' &&
			  !ctr_cgroup_next_line(&rest, &l),
		  "cgroup: a pure v2 host's one line 0::/");
	char none[] = "";
	rest = none;
	TAP_CHECK(!ctr_cgroup_next_line(&rest, &l), "cgroup: no text, no line");
}

static void test_v2_mount(void)
{
	bool pure = true;
	mkdir(path_of("v1"), 0755);
	mkdir(path_of("v1/memory"), 0755);
	TAP_CHECK(ctr_cgroup_v2_mount(path_of("v1"), &pure) == NULL && !pure, "mounts: pure v1 has no v2 hierarchy");

	mkdir(path_of("hybrid"), 0755);
	mkdir(path_of("hybrid/unified"), 0755);
	TAP_CHECK(ctr_cgroup_v2_mount(path_of("hybrid"), &pure) == NULL,
		  "mounts: ROOT/unified without cgroup.controllers is no v2 hierarchy");
	write_file("hybrid/unified/cgroup.controllers", "");
	char *m = ctr_cgroup_v2_mount(path_of("hybrid"), &pure);
	TAP_STR_EQ(m, path_of("hybrid/unified"), "mounts: hybrid: the v2 hierarchy at ROOT/unified");
	TAP_CHECK(!pure, "mounts: hybrid is not pure");
	free(m);

	mkdir(path_of("v2"), 0755);
	write_file("v2/cgroup.controllers", "cpuset cpu io memory pids\n");
	m = ctr_cgroup_v2_mount(path_of("v2"), &pure);
	TAP_STR_EQ(m, path_of("v2"), "mounts: pure v2: the root itself");
	TAP_CHECK(pure, "mounts: pure v2 is pure");
	free(m);
	TAP_CHECK(ctr_cgroup_v2_mount(path_of("nowhere"), &pure) == NULL && !pure, "mounts: a missing root has none");
}

static void test_strv(void)
{
	char *src[] = {"a", "bb", "ccc"};
	char **c = ctr_strv_copy(src, 3);
	TAP_CHECK(c && strcmp(c[0], "a") == 0 && strcmp(c[2], "ccc") == 0 && c[3] == NULL && c[1] != src[1],
		  "strv: a copy of three strings, NULL-terminated, not sharing them");
	ctr_strv_free(c);
	c = ctr_strv_copy(NULL, 0);
	TAP_CHECK(c && c[0] == NULL, "strv: a copy of none is an empty vector");
	ctr_strv_free(c);
	ctr_strv_free(NULL);
	char **holes = calloc(3, sizeof *holes);
	holes[0] = strdup("x");
	ctr_strv_free_n(holes, 3);  /* holes[1], holes[2]: NULL, skipped */
	TAP_CHECK(1, "strv: free_n skips NULL entries (ASan checks the rest)");

	char **env = NULL, *old;
	size_t n = 0;
	char e1[] = "PATH=/bin", e2[] = "HOME=/root", e3[] = "PATH=/usr/bin", e4[] = "HOME", e5[] = "PATHX=1";
	TAP_CHECK(ctr_env_set(&env, &n, e1, &old) == 0 && old == NULL && n == 1 && env[0] == e1 && env[1] == NULL,
		  "env: the first entry is appended, stored as given");
	ctr_env_set(&env, &n, e2, &old);
	TAP_CHECK(ctr_env_set(&env, &n, e3, &old) == 0 && old == e1 && n == 2 && env[0] == e3,
		  "env: PATH=... again replaces the first, in its place, and hands back the old one");
	TAP_CHECK(ctr_env_set(&env, &n, e5, &old) == 0 && old == NULL && n == 3 && env[2] == e5 && env[3] == NULL,
		  "env: PATHX is another name than PATH");
	TAP_CHECK(ctr_env_set(&env, &n, e4, &old) == 0 && old == e2 && env[1] == e4 && n == 3,
		  "env: a bare NAME replaces NAME=...");
	free(env);
}

static void test_is_dir(void)
{
	mkdir(path_of("d"), 0755);
	write_file("f", "x");
	symlink(path_of("d"), path_of("link"));
	TAP_CHECK(ctr_is_dir(path_of("d")), "is_dir: a directory");
	TAP_CHECK(ctr_is_dir(path_of("link")), "is_dir: a symlink to one (followed)");
	TAP_CHECK(!ctr_is_dir(path_of("f")), "is_dir: not a file");
	TAP_CHECK(!ctr_is_dir(path_of("missing")), "is_dir: not a missing name");
	TAP_CHECK(!ctr_is_dir(NULL), "is_dir: not NULL");
}

int main(void)
{
	snprintf(tmp, sizeof tmp, "/tmp/ctr-test-common-XXXXXX");
	if (!mkdtemp(tmp)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_stat_parse();
	test_stat_read();
	test_cgroup_lines();
	test_v2_mount();
	test_strv();
	test_is_dir();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmp);
	return tap_done();
}
