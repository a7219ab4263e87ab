/* Resource limits (runner/cgroups/resource_limits.c) and container cgroups
 * (runner/cgroups/cgroups*.c).
 *
 * Without arguments: docker's flag values, and the cgroup code over fake
 * cgroupfs trees in a temporary directory (a hybrid v1 host like the CI
 * machine, a cgroup v1 host with cpu and cpuacct sharing a hierarchy, a
 * pure v2 host with a delegated cgroup, and one without delegation). A fake
 * "kernel" (the mkdir/rmdir seam of cgroups.h) fills new cgroup directories
 * with control files as the kernel would.
 *
 * With --host (suite runner-cgroups): this machine's real cgroups, as root:
 * a cgroup below the test's own, a `sleep` in it, the limit files, and
 * whether the memory, pids and CPU limits hold. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cgroups.h"
#include "resource_limits.h"
#include "tap.h"

static char tmp_root[256];
static const char *fake_root;         /* the fake cgroupfs the fake kernel serves */
static const char *fault_omit_file;   /* a control file the fake kernel "forgets" */

/* ---- small file helpers ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	chmod(path, 0755);
	return remove(path);
}

static void remove_tmp_root(void)
{
	if (tmp_root[0])
		nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmp_root/NAME (static buffer per call slot). */
static const char *tmp_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *tmp_path(const char *fmt, ...)
{
	static char bufs[16][1300];
	static int next;
	char *b = bufs[next++ % 16], rel[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof rel, fmt, ap);
	va_end(ap);
	snprintf(b, sizeof bufs[0], "%s/%s", tmp_root, rel);
	return b;
}

static void mkdirs(const char *path)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

/* Writes CONTENT to PATH, making its parents. */
static void put(const char *path, const char *content)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		printf("# cannot write %s: %s\n", path, strerror(errno));
		return;
	}
	fputs(content, f);
	fclose(f);
}

/* The file's content without a trailing newline (static buffer per call
 * slot), or NULL when it cannot be read. */
static const char *slurp(const char *path)
{
	static char bufs[8][8192];
	static int next;
	char *b = bufs[next++ % 8];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, b, sizeof bufs[0] - 1);
	close(fd);
	if (n < 0)
		return NULL;
	b[n] = '\0';
	if (n > 0 && b[n - 1] == '\n')
		b[n - 1] = '\0';
	return b;
}

static const char *file_in(const char *dir, const char *name)
{
	static char bufs[8][1200];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof bufs[0], "%s/%s", dir ? dir : "(null)", name);
	return slurp(b);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static bool str_has(const char *s, const char *part)
{
	return s && strstr(s, part);
}

/* True when PID runs (not a zombie). */
static bool pid_alive(long pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	const char *stat = slurp(path);
	const char *paren = stat ? strrchr(stat, ')') : NULL;
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

/* ---- the fake kernel ---- */

/* Default content of a v1 control file in a new cgroup. */
static const char *v1_default(const char *name)
{
	static const char *const table[][2] = {
		{"memory.limit_in_bytes", "9223372036854771712\n"},
		{"memory.memsw.limit_in_bytes", "9223372036854771712\n"},
		{"memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"},
		{"cpu.cfs_quota_us", "-1\n"},
		{"cpu.cfs_period_us", "100000\n"},
		{"cpuset.cpus", ""},
		{"cpuset.mems", ""},
		{"cpuset.effective_cpus", ""},
		{"pids.max", "max\n"},
		{"cgroup.procs", ""},
		{"tasks", ""},
	};
	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		if (strcmp(table[i][0], name) == 0)
			return table[i][1];
	return "0\n";
}

static void put_in(const char *dir, const char *name, const char *content)
{
	if (fault_omit_file && strcmp(name, fault_omit_file) == 0)
		return;
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	put(path, content);
}

/* A new v2 cgroup: the core files, and those of every controller the
 * parent enabled for its children ("+memory" as a test's plain file keeps
 * what was written: the sign is dropped). */
static void fake_v2_dir(const char *parent, const char *dir)
{
	put_in(dir, "cgroup.procs", "");
	put_in(dir, "cgroup.subtree_control", "");
	put_in(dir, "cgroup.events", "populated 0\nfrozen 0\n");
	put_in(dir, "cgroup.kill", "");
	char enabled[1024] = "";
	const char *sub = file_in(parent, "cgroup.subtree_control");
	for (const char *p = sub ? sub : ""; *p;) {
		p += strspn(p, " \n");
		size_t n = strcspn(p, " \n");
		if (n == 0)
			break;
		const char *word = *p == '+' ? p + 1 : p;
		size_t wn = *p == '+' ? n - 1 : n;
		if (*p != '-') {
			char name[64];
			snprintf(name, sizeof name, "%.*s", (int)wn, word);
			snprintf(enabled + strlen(enabled), sizeof enabled - strlen(enabled), "%s%s",
				 enabled[0] ? " " : "", name);
			if (strcmp(name, "memory") == 0) {
				put_in(dir, "memory.max", "max\n");
				put_in(dir, "memory.swap.max", "max\n");
				put_in(dir, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
			} else if (strcmp(name, "cpu") == 0) {
				put_in(dir, "cpu.max", "max 100000\n");
			} else if (strcmp(name, "cpuset") == 0) {
				put_in(dir, "cpuset.cpus", "");
				put_in(dir, "cpuset.cpus.effective", "0-1\n");
			} else if (strcmp(name, "pids") == 0) {
				put_in(dir, "pids.max", "max\n");
			}
		}
		p += n;
	}
	strcat(enabled, "\n");
	put_in(dir, "cgroup.controllers", enabled);
}

/* A new v1 cgroup: the parent's files (but the root-only ones), with
 * their defaults; pids.max exists below the root only. */
static void fake_v1_dir(const char *parent, const char *dir)
{
	DIR *d = opendir(parent);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char path[1400];
		snprintf(path, sizeof path, "%s/%s", parent, de->d_name);
		struct stat st;
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || strcmp(de->d_name, "release_agent") == 0 ||
		    strcmp(de->d_name, "cgroup.sane_behavior") == 0)
			continue;
		put_in(dir, de->d_name, v1_default(de->d_name));
	}
	if (d)
		closedir(d);
	if (strstr(dir, "/pids/"))
		put_in(dir, "pids.max", "max\n");
}

static int fake_mkdir(const char *path)
{
	if (strncmp(path, fake_root, strlen(fake_root)) != 0) {
		printf("# fake kernel: mkdir outside the fake root: %s\n", path);
		errno = EPERM;
		return -1;
	}
	if (mkdir(path, 0755) < 0)
		return -1;
	char parent[1024];
	snprintf(parent, sizeof parent, "%s", path);
	*strrchr(parent, '/') = '\0';
	if (file_in(parent, "cgroup.controllers"))
		fake_v2_dir(parent, path);
	else
		fake_v1_dir(parent, path);
	return 0;
}

/* As the kernel: busy while it has child cgroups or live processes. The
 * fake cannot follow a process from one cgroup.procs to another, so the
 * test process itself (which create may move) never counts. */
static int fake_rmdir(const char *path)
{
	if (strncmp(path, fake_root, strlen(fake_root)) != 0) {
		printf("# fake kernel: rmdir outside the fake root: %s\n", path);
		errno = EPERM;
		return -1;
	}
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *de;
	bool busy = false;
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			busy = true;
	const char *procs = file_in(path, "cgroup.procs");
	for (char *p = (char *)(procs ? procs : ""), *end; *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		busy |= pid != getpid() && pid_alive(pid);
	}
	if (busy) {
		closedir(d);
		errno = EBUSY;
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)))
		if (de->d_type == DT_REG)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	return rmdir(path);
}

static const struct ctr_cgroupfs_ops fake_ops = {fake_mkdir, fake_rmdir};

/* ---- fake trees ---- */

struct fake {
	char root[512];
	char self[512];
	struct ctr_cgroup_env env;
};

static void fake_init(struct fake *f, const char *name, const char *self_text)
{
	snprintf(f->root, sizeof f->root, "%s", tmp_path("%s/cgroup", name));
	snprintf(f->self, sizeof f->self, "%s", tmp_path("%s/self-cgroup", name));
	mkdirs(f->root);
	put(f->self, self_text);
	f->env = (struct ctr_cgroup_env){f->root, f->self};
	fake_root = f->root;
}

static const char *at(const struct fake *f, const char *rel)
{
	static char bufs[8][1024];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof bufs[0], "%s/%s", f->root, rel);
	return b;
}

/* A v1 hierarchy root (and the caller's cgroup CGPATH in it) with files. */
static void v1_hierarchy(const struct fake *f, const char *mount, const char *cgpath, const char *const *files)
{
	char dir[1024];
	for (int level = 0; level < 2; level++) {
		snprintf(dir, sizeof dir, "%s/%s%s", f->root, mount, level ? cgpath : "");
		mkdirs(dir);
		for (size_t i = 0; files[i]; i++) {
			char path[1200];
			snprintf(path, sizeof path, "%s/%s", dir, files[i]);
			if (strcmp(files[i], "cpuset.cpus") == 0 || strcmp(files[i], "cpuset.effective_cpus") == 0)
				put(path, "0-1\n");
			else if (strcmp(files[i], "cpuset.mems") == 0)
				put(path, "0\n");
			else
				put(path, v1_default(files[i]));
		}
		if (!level) {  /* root-only: a new cgroup must not get it */
			char p[1200];
			snprintf(p, sizeof p, "%s/release_agent", dir);
			put(p, "");
		}
	}
}

static const char *const memory_files[] = {"cgroup.procs", "tasks", "memory.limit_in_bytes",
					   "memory.memsw.limit_in_bytes", "memory.oom_control",
					   "memory.usage_in_bytes", NULL};
static const char *const memory_files_noswap[] = {"cgroup.procs", "tasks", "memory.limit_in_bytes",
						  "memory.oom_control", NULL};
static const char *const cpu_files[] = {"cgroup.procs", "tasks", "cpu.cfs_quota_us", "cpu.cfs_period_us",
					"cpu.shares", NULL};
static const char *const cpuacct_files[] = {"cgroup.procs", "tasks", "cpuacct.usage", NULL};
static const char *const cpu_cpuacct_files[] = {"cgroup.procs", "tasks", "cpu.cfs_quota_us", "cpu.cfs_period_us",
						"cpuacct.usage", NULL};
static const char *const cpuset_files[] = {"cgroup.procs", "tasks", "cpuset.cpus", "cpuset.mems",
					   "cpuset.effective_cpus", NULL};
static const char *const pids_files[] = {"cgroup.procs", "tasks", "pids.current", NULL};
static const char *const plain_files[] = {"cgroup.procs", "tasks", NULL};

/* This CI machine's layout: v1 controllers each in its own hierarchy, the
 * caller's memory cgroup below the root, a v2 hierarchy with hugetlb only. */
static void build_hybrid(struct fake *f, const char *name, bool swap_accounting, bool with_pids)
{
	fake_init(f, name,
		  "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
		  "4:memory:/process_api/0e79be29\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n");
	v1_hierarchy(f, "memory", "/process_api/0e79be29", swap_accounting ? memory_files : memory_files_noswap);
	v1_hierarchy(f, "cpu", "", cpu_files);
	v1_hierarchy(f, "cpuacct", "", cpuacct_files);
	v1_hierarchy(f, "cpuset", "", cpuset_files);
	if (with_pids)
		v1_hierarchy(f, "pids", "", pids_files);
	v1_hierarchy(f, "blkio", "", plain_files);
	v1_hierarchy(f, "freezer", "", plain_files);
	v1_hierarchy(f, "systemd", "", plain_files);
	put(at(f, "unified/cgroup.controllers"), "hugetlb\n");
	put(at(f, "unified/cgroup.subtree_control"), "");
	put(at(f, "unified/cgroup.procs"), "");
}

#define V2_SCOPE "user.slice/user-1001.slice/user@1001.service/app.slice/ctr.scope"

/* A pure v2 host. The caller's cgroup P (CGPATH) offers CONTROLLERS;
 * PROCS is its cgroup.procs. */
static void build_v2(struct fake *f, const char *name, const char *cgpath, const char *controllers, const char *procs)
{
	char self[1024];
	snprintf(self, sizeof self, "0::/%s\n", cgpath);
	fake_init(f, name, self);
	put(at(f, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
	put(at(f, "cgroup.subtree_control"), "cpuset cpu io memory pids\n");
	put(at(f, "cgroup.procs"), "1\n");
	put(at(f, "cpuset.cpus.effective"), "0-1\n");
	if (!*cgpath)
		return;
	char rel[1024];
	snprintf(rel, sizeof rel, "%s/cgroup.controllers", cgpath);
	put(at(f, rel), controllers);
	snprintf(rel, sizeof rel, "%s/cgroup.subtree_control", cgpath);
	put(at(f, rel), "");
	snprintf(rel, sizeof rel, "%s/cgroup.procs", cgpath);
	put(at(f, rel), procs);
	snprintf(rel, sizeof rel, "%s/memory.swap.max", cgpath);
	put(at(f, rel), "max\n");
	snprintf(rel, sizeof rel, "%s/cpuset.cpus.effective", cgpath);
	put(at(f, rel), "0-1\n");
}

/* ---- processes the tests start ---- */

#define MAX_CHILDREN 16
static pid_t children[MAX_CHILDREN];

static pid_t start_sleep(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sleep", "sleep", "60", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < MAX_CHILDREN; i++)
		if (!children[i]) {
			children[i] = pid;
			break;
		}
	return pid;
}

/* Reaps PID; its wait status, or -1. */
static int reap(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == pid)
			children[i] = 0;
	return status;
}

static void kill_children(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
			children[i] = 0;
		}
}

/* ---- limits: docker's flag values ---- */

static void test_parse_memory(void)
{
	struct ctr_error err = {0};
	static const struct {
		const char *text;
		int64_t bytes;
	} good[] = {
		{"256m", 268435456},  {"256M", 268435456},   {"256mb", 268435456}, {"256MiB", 268435456},
		{"256 m", 268435456}, {"1g", 1073741824},    {"1.5g", 1610612736}, {"6m", 6291456},
		{"6291456", 6291456}, {"6291456b", 6291456}, {"6144k", 6291456},   {"2t", 2199023255552},
		{"0", 0},
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		int64_t v = -7;
		int rc = ctr_limits_parse_memory("--memory", good[i].text, &v, &err);
		TAP_CHECK(rc == 0 && v == good[i].bytes, "--memory %s is %lld bytes (got %lld): %s", good[i].text,
			  (long long)good[i].bytes, (long long)v, rc ? err.msg : "ok");
	}
	static const char *const bad[] = {"abc", "", "-1", "1x", "m", "1.g", "1.5.5g", "64 mb b", " 64m", "64m "};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int64_t v = -7;
		int rc = ctr_limits_parse_memory("-m", bad[i], &v, &err);
		char quoted[64];
		snprintf(quoted, sizeof quoted, "'%s'", bad[i]);
		TAP_CHECK(rc < 0 && v == -7 && str_has(err.msg, "-m") && str_has(err.msg, quoted) &&
				  str_has(err.msg, "256m"),
			  "-m %s refused, naming the flag and value: %s", quoted, err.msg);
	}
	int64_t v = -7;
	int rc = ctr_limits_parse_memory("--memory", "5m", &v, &err);
	TAP_CHECK(rc < 0 && v == -7 && str_has(err.msg, "--memory") && str_has(err.msg, "6m"),
		  "below docker's minimum of 6m refused: %s", err.msg);
	rc = ctr_limits_parse_memory("--memory", "6291455", &v, &err);
	TAP_CHECK(rc < 0, "one byte below 6m refused");
	rc = ctr_limits_parse_memory("--memory", "99999999999p", &v, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "too large"), "a size beyond 2^63 refused: %s", err.msg);
	rc = ctr_limits_parse_memory("--memory", "99999999999999999999999", &v, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "too large"), "a number beyond 2^63 refused: %s", err.msg);

	rc = ctr_limits_parse_memory_swap("--memory-swap", "-1", &v, &err);
	TAP_CHECK(rc == 0 && v == -1, "--memory-swap -1 is unlimited swap");
	rc = ctr_limits_parse_memory_swap("--memory-swap", "1g", &v, &err);
	TAP_CHECK(rc == 0 && v == 1073741824, "--memory-swap 1g");
	rc = ctr_limits_parse_memory_swap("--memory-swap", "-2", &v, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "--memory-swap") && str_has(err.msg, "'-2'") && str_has(err.msg, "-1"),
		  "--memory-swap -2 refused: %s", err.msg);
}

static void test_parse_cpus(void)
{
	struct ctr_error err = {0};
	static const struct {
		const char *text;
		int64_t quota;
	} good[] = {{"0.5", 50000}, {"2", 200000}, {"0.01", 1000}, {"1.25", 125000}, {".5", 50000}, {"1.000000000", 100000}};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		int64_t quota = -7, period = -7;
		int rc = ctr_limits_parse_cpus("--cpus", good[i].text, 2, &quota, &period, &err);
		TAP_CHECK(rc == 0 && quota == good[i].quota && period == 100000, "--cpus %s on 2 CPUs: quota %lld/100000: %s",
			  good[i].text, (long long)good[i].quota, rc ? err.msg : "ok");
	}
	int64_t quota = -7, period = -7;
	int rc = ctr_limits_parse_cpus("--cpus", "0", 2, &quota, &period, &err);
	TAP_CHECK(rc == 0 && quota == 0 && period == 0, "--cpus 0 is not set");
	rc = ctr_limits_parse_cpus("--cpus", "3", 2, &quota, &period, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "--cpus") && str_has(err.msg, "'3'") && str_has(err.msg, "2 CPUs"),
		  "more CPUs than online refused: %s", err.msg);
	rc = ctr_limits_parse_cpus("--cpus", "0.001", 2, &quota, &period, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "0.01"), "below 0.01 refused: %s", err.msg);
	rc = ctr_limits_parse_cpus("--cpus", "0.0000000001", 2, &quota, &period, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "precise"), "more than 9 decimals refused: %s", err.msg);
	static const char *const bad[] = {"abc", "", "-1", ".", "1e3", "0.5x", "1,5"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		quota = -7;
		rc = ctr_limits_parse_cpus("--cpus", bad[i], 2, &quota, &period, &err);
		TAP_CHECK(rc < 0 && quota == -7 && str_has(err.msg, "--cpus") && str_has(err.msg, "0.5"),
			  "--cpus '%s' refused: %s", bad[i], err.msg);
	}
	struct ctr_limits l = {.cpu_quota_us = 50000, .cpu_period_us = 100000};
	TAP_CHECK(ctr_limits_nano_cpus(&l) == 500000000, "quota 50000/100000 is 500000000 nano CPUs");
	l = (struct ctr_limits){0};
	TAP_CHECK(ctr_limits_nano_cpus(&l) == 0, "no quota: 0 nano CPUs");
}

static void test_parse_cpuset(void)
{
	struct ctr_error err = {0};
	struct ctr_cpuset set;
	int rc = ctr_cpuset_parse("0-2,4\n", false, &set);
	TAP_CHECK(rc == 0 && ctr_cpuset_has(&set, 0) && ctr_cpuset_has(&set, 2) && !ctr_cpuset_has(&set, 3) &&
			  ctr_cpuset_has(&set, 4) && ctr_cpuset_count(&set) == 4,
		  "CPU list 0-2,4 is CPUs 0, 1, 2 and 4");
	TAP_CHECK(ctr_cpuset_parse("", true, &set) == 0 && ctr_cpuset_count(&set) == 0, "an empty list when allowed");
	struct ctr_cpuset a, b;
	ctr_cpuset_parse("1,3", false, &a);
	ctr_cpuset_parse("0-2", false, &b);
	TAP_CHECK(ctr_cpuset_first_missing(&a, &b) == 3 && ctr_cpuset_first_missing(&b, &b) == -1,
		  "first CPU missing from another set");

	char *out = NULL;
	rc = ctr_limits_parse_cpuset("--cpuset-cpus", "0-2,4", "0-7", &out, &err);
	TAP_CHECK(rc == 0 && out && strcmp(out, "0-2,4") == 0, "--cpuset-cpus 0-2,4 on a host with 0-7: %s",
		  rc ? err.msg : "ok");
	free(out);
	out = NULL;
	rc = ctr_limits_parse_cpuset("--cpuset-cpus", "1-2", "0-1", &out, &err);
	TAP_CHECK(rc < 0 && !out && str_has(err.msg, "--cpuset-cpus") && str_has(err.msg, "CPU 2 is not online") &&
			  str_has(err.msg, "0-1"),
		  "a CPU that is not online refused, listing the online ones: %s", err.msg);
	static const char *const bad[] = {"1-0", "a", "0,,1", "", "0-", "-1", "0 1", "9999", "0,", "0\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rc = ctr_limits_parse_cpuset("--cpuset-cpus", bad[i], "0-8191", &out, &err);
		TAP_CHECK(rc < 0 && !out && str_has(err.msg, "--cpuset-cpus") && str_has(err.msg, "0-2,4") &&
				  !strchr(err.msg, '\n'),
			  "a bad CPU list refused, in one line: %s", err.msg);
	}
}

static void test_parse_pids(void)
{
	struct ctr_error err = {0};
	int64_t v = -7;
	TAP_CHECK(ctr_limits_parse_pids("--pids-limit", "20", &v, &err) == 0 && v == 20, "--pids-limit 20");
	TAP_CHECK(ctr_limits_parse_pids("--pids-limit", "-1", &v, &err) == 0 && v == 0, "--pids-limit -1 is unlimited");
	v = -7;
	TAP_CHECK(ctr_limits_parse_pids("--pids-limit", "0", &v, &err) == 0 && v == 0, "--pids-limit 0 is unlimited");
	static const char *const bad[] = {"-2", "abc", "", "1.5", "4194305", " 5", "+5"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		v = -7;
		int rc = ctr_limits_parse_pids("--pids-limit", bad[i], &v, &err);
		TAP_CHECK(rc < 0 && v == -7 && str_has(err.msg, "--pids-limit"), "--pids-limit '%s' refused: %s", bad[i],
			  err.msg);
	}
}

static void test_limits_flags(void)
{
	struct ctr_error err = {0};
	struct ctr_limits l = {0};
	TAP_CHECK(!ctr_limits_any(&l), "no limits: none");
	int rc = ctr_limits_set_flag(&l, "-m", "64m", &err);
	rc = rc ? rc : ctr_limits_set_flag(&l, "--pids-limit", "20", &err);
	rc = rc ? rc : ctr_limits_set_flag(&l, "--cpus", "0.5", &err);
	rc = rc ? rc : ctr_limits_set_flag(&l, "--cpuset-cpus", "0", &err);
	rc = rc ? rc : ctr_limits_set_flag(&l, "--cpuset-cpus", "0-0", &err);  /* the last one counts */
	TAP_CHECK(rc == 0 && l.memory == 64 << 20 && l.pids_limit == 20 && l.cpu_quota_us == 50000 &&
			  l.cpu_period_us == 100000 && l.cpuset_cpus && strcmp(l.cpuset_cpus, "0-0") == 0,
		  "set_flag fills every limit (this host's online CPUs): %s", rc ? err.msg : "ok");
	TAP_CHECK(ctr_limits_any(&l) && ctr_limits_finish(&l, &err) == 0, "and they pass the cross-checks");
	TAP_CHECK(ctr_limits_set_flag(&l, "--name", "x", &err) == 1, "another flag is not a limit flag");
	rc = ctr_limits_set_flag(&l, "--memory", "lots", &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "--memory") && str_has(err.msg, "'lots'") && l.memory == 64 << 20,
		  "a bad value is an error and keeps the earlier one: %s", err.msg);
	ctr_limits_free(&l);
	TAP_CHECK(!l.cpuset_cpus && !ctr_limits_any(&l), "free clears every limit");

	struct ctr_limits swap_only = {.memory_swap = 32 << 20};
	rc = ctr_limits_finish(&swap_only, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "--memory-swap needs --memory"), "swap without memory refused: %s", err.msg);
	struct ctr_limits below = {.memory = 64 << 20, .memory_swap = 32 << 20};
	rc = ctr_limits_finish(&below, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "--memory-swap 32m is below --memory 64m"),
		  "swap below memory refused, in the user's units: %s", err.msg);
	struct ctr_limits unlimited = {.memory_swap = -1};
	TAP_CHECK(ctr_limits_finish(&unlimited, &err) == 0 && !ctr_limits_any(&unlimited),
		  "--memory-swap -1 alone is allowed and needs no cgroup");
	struct ctr_limits equal = {.memory = 64 << 20, .memory_swap = 64 << 20};
	TAP_CHECK(ctr_limits_finish(&equal, &err) == 0, "swap equal to memory (no swap) allowed");
}

/* ---- cgroups over fake trees ---- */

/* The JSON record parsed back: the number of keys, and KEY's directory. */
static int json_keys(const char *json)
{
	json_object *o = json ? json_tokener_parse(json) : NULL;
	int n = o && json_object_is_type(o, json_type_object) ? json_object_object_length(o) : -1;
	json_object_put(o);
	return n;
}

static const char *json_dir(const char *json, const char *key)
{
	static char buf[1024];
	json_object *o = json ? json_tokener_parse(json) : NULL, *v = NULL;
	buf[0] = '\0';
	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(buf, sizeof buf, "%s", json_object_get_string(v));
	json_object_put(o);
	return buf[0] ? buf : NULL;
}

/* Any "ctrrun-*" directory anywhere under DIR. */
static bool any_container_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool found = false;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char sub[1200];
		snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
		found = strncmp(de->d_name, "ctrrun-", 7) == 0 || any_container_dir(sub);
	}
	closedir(d);
	return found;
}

static const struct ctr_limits all_limits = {.memory = 64 << 20, .cpu_quota_us = 50000, .cpu_period_us = 100000,
					     .cpuset_cpus = "0", .pids_limit = 20};

static void test_v1_hybrid(void)
{
	struct fake f;
	struct ctr_error err = {0};
	build_hybrid(&f, "hybrid", true, true);
	int rc = ctr_cgroup_check(&f.env, &all_limits, &err);
	TAP_CHECK(rc == 0, "v1 hybrid: every limit can be applied: %s", rc ? err.msg : "ok");

	struct ctr_cgroup *cg = NULL;
	const char *name = "ctrrun-0123456789ab";
	rc = ctr_cgroup_create(&f.env, name, &all_limits, &cg, &err);
	TAP_CHECK(rc == 0 && cg, "v1 hybrid: create: %s", rc ? err.msg : "ok");
	if (!cg)
		return;
	const char *mem = at(&f, "memory/process_api/0e79be29/ctrrun-0123456789ab");
	TAP_STR_EQ(ctr_cgroup_dir(cg, "memory"), mem, "memory cgroup nests below the caller's own memory cgroup");
	TAP_STR_EQ(file_in(mem, "memory.limit_in_bytes"), "67108864", "memory.limit_in_bytes is 64 MiB");
	TAP_STR_EQ(file_in(mem, "memory.memsw.limit_in_bytes"), "134217728",
		   "no --memory-swap: docker's default, memory+swap twice the memory");
	TAP_STR_EQ(file_in(at(&f, "memory/process_api/0e79be29"), "memory.limit_in_bytes"), "9223372036854771712",
		   "the caller's own memory cgroup keeps its limit");
	const char *cpu = at(&f, "cpu/ctrrun-0123456789ab");
	TAP_STR_EQ(ctr_cgroup_dir(cg, "cpu"), cpu, "cpu cgroup below the caller's (root) cpu cgroup");
	TAP_STR_EQ(file_in(cpu, "cpu.cfs_period_us"), "100000", "cpu.cfs_period_us 100000");
	TAP_STR_EQ(file_in(cpu, "cpu.cfs_quota_us"), "50000", "cpu.cfs_quota_us 50000 (--cpus 0.5)");
	TAP_STR_EQ(ctr_cgroup_dir(cg, "cpuacct"), at(&f, "cpuacct/ctrrun-0123456789ab"),
		   "a cpuacct cgroup of its own, for its CPU time");
	const char *cpuset = at(&f, "cpuset/ctrrun-0123456789ab");
	TAP_STR_EQ(file_in(cpuset, "cpuset.cpus"), "0", "cpuset.cpus 0");
	TAP_STR_EQ(file_in(cpuset, "cpuset.mems"), "0", "cpuset.mems copied from the parent");
	const char *pids = at(&f, "pids/ctrrun-0123456789ab");
	TAP_STR_EQ(file_in(pids, "pids.max"), "20", "pids.max 20");
	TAP_CHECK(!exists(at(&f, "unified/ctrrun-0123456789ab")) && !exists(at(&f, "blkio/ctrrun-0123456789ab")),
		  "no cgroup where no limit needs one (v2 hugetlb, blkio)");

	char *json = ctr_cgroup_to_json(cg);
	TAP_CHECK(json_keys(json) == 5 && str_has(json_dir(json, "memory"), mem) && json_dir(json, "pids") &&
			  strcmp(json_dir(json, "pids"), pids) == 0 && json_dir(json, "cpuset") &&
			  strcmp(json_dir(json, "cpuset"), cpuset) == 0,
		  "JSON record: controller -> directory, 5 of them: %s", json ? json : "(null)");

	pid_t sleeper = start_sleep();
	char pidtext[32];
	snprintf(pidtext, sizeof pidtext, "%d", (int)sleeper);
	rc = ctr_cgroup_add_pid(cg, sleeper, &err);
	TAP_CHECK(rc == 0 && strcmp(file_in(mem, "cgroup.procs"), pidtext) == 0 &&
			  strcmp(file_in(pids, "cgroup.procs"), pidtext) == 0 &&
			  strcmp(file_in(cpuset, "cgroup.procs"), pidtext) == 0 &&
			  strcmp(file_in(cpu, "cgroup.procs"), pidtext) == 0,
		  "add_pid writes the pid to each cgroup.procs: %s", rc ? err.msg : "ok");

	TAP_CHECK(!ctr_cgroup_oom_killed(cg), "no OOM kill yet (memory.oom_control oom_kill 0)");
	put(tmp_path("hybrid/cgroup/memory/process_api/0e79be29/%s/memory.oom_control", name),
	    "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
	TAP_CHECK(ctr_cgroup_oom_killed(cg), "oom_kill 1 in memory.oom_control: OOM killed");

	struct ctr_cgroup *back = NULL;
	rc = json ? ctr_cgroup_from_json(json, &back, &err) : -1;
	char *again = back ? ctr_cgroup_to_json(back) : NULL;
	TAP_CHECK(rc == 0 && again && strcmp(again, json) == 0 && ctr_cgroup_dir(back, "cpu") &&
			  strcmp(ctr_cgroup_dir(back, "cpu"), cpu) == 0 && ctr_cgroup_oom_killed(back),
		  "from_json(to_json) gives the same cgroups: %s", rc ? err.msg : "ok");
	free(again);

	/* Remove without killing: the sleep keeps the cgroups busy. */
	rc = ctr_cgroup_remove(cg, false, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "ctrrun-0123456789ab") && str_has(err.msg, "holds processes") &&
			  exists(mem) && pid_alive(sleeper),
		  "remove without kill: a cgroup with a process is an error naming it: %s", err.msg);
	rc = back ? ctr_cgroup_remove(back, true, &err) : -1;
	int status = reap(sleeper);
	TAP_CHECK(rc == 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		  "remove with kill_leftovers SIGKILLs the process left in it: %s", rc ? err.msg : "ok");
	TAP_CHECK(!any_container_dir(f.root), "and every cgroup directory is gone");
	TAP_CHECK(ctr_cgroup_remove(cg, false, &err) == 0, "removing again is fine (crash cleanup)");
	ctr_cgroup_free(back);
	ctr_cgroup_free(cg);
	free(json);

	/* An explicit swap limit, and unlimited swap. */
	struct ctr_limits swap = {.memory = 64 << 20, .memory_swap = 96 << 20};
	rc = ctr_cgroup_create(&f.env, "ctrrun-swap", &swap, &cg, &err);
	TAP_CHECK(rc == 0 && strcmp(file_in(ctr_cgroup_dir(cg, "memory"), "memory.memsw.limit_in_bytes"), "100663296") == 0,
		  "--memory-swap 96m: memsw 100663296: %s", rc ? err.msg : "ok");
	TAP_CHECK(cg && ctr_cgroup_dir(cg, "memory") && !ctr_cgroup_dir(cg, "cpu") && !ctr_cgroup_dir(cg, "pids") &&
			  !ctr_cgroup_dir(cg, "cpuacct"),
		  "a memory limit alone makes a memory cgroup only");
	if (cg)
		ctr_cgroup_remove(cg, false, &err);
	ctr_cgroup_free(cg);
	cg = NULL;
	struct ctr_limits unlimited = {.memory = 64 << 20, .memory_swap = -1};
	rc = ctr_cgroup_create(&f.env, "ctrrun-unl", &unlimited, &cg, &err);
	TAP_CHECK(rc == 0 &&
			  strcmp(file_in(ctr_cgroup_dir(cg, "memory"), "memory.memsw.limit_in_bytes"),
				 "9223372036854771712") == 0,
		  "--memory-swap -1: memsw stays unlimited: %s", rc ? err.msg : "ok");
	if (cg)
		ctr_cgroup_remove(cg, false, &err);
	ctr_cgroup_free(cg);

	/* A cpuset outside the parent's: refused before anything is made. */
	struct ctr_limits wide = {.cpuset_cpus = "3", .pids_limit = 5};
	rc = ctr_cgroup_check(&f.env, &wide, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "--cpuset-cpus 3") && str_has(err.msg, "CPU 3") && str_has(err.msg, "0-1"),
		  "check: CPUs outside the parent cgroup's cpuset: %s", err.msg);
	cg = NULL;
	rc = ctr_cgroup_create(&f.env, "ctrrun-wide", &wide, &cg, &err);
	TAP_CHECK(rc < 0 && !cg && !any_container_dir(f.root), "create refuses it too, nothing made: %s", err.msg);

	/* A write that fails half way: nothing left behind. */
	fault_omit_file = "pids.max";
	rc = ctr_cgroup_create(&f.env, "ctrrun-fault", &all_limits, &cg, &err);
	fault_omit_file = NULL;
	TAP_CHECK(rc < 0 && !cg && str_has(err.msg, "pids.max") && !any_container_dir(f.root),
		  "a failing limit write removes the cgroups made so far: %s", err.msg);

	/* The name taken already by a cgroup in use (a live process in it, so
	 * rmdir is refused): an error, and that directory is not ours to
	 * remove. */
	mkdir(at(&f, "cpu/ctrrun-taken"), 0755);
	put(at(&f, "cpu/ctrrun-taken/cgroup.procs"), "1\n");
	rc = ctr_cgroup_create(&f.env, "ctrrun-taken", &all_limits, &cg, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "ctrrun-taken") && str_has(err.msg, "exists") &&
			  exists(at(&f, "cpu/ctrrun-taken/cgroup.procs")) &&
			  !exists(at(&f, "memory/process_api/0e79be29/ctrrun-taken")),
		  "an existing cgroup of that name in use: refused, left alone, the rest undone: %s", err.msg);
	put(at(&f, "cpu/ctrrun-taken/cgroup.procs"), "");
	/* Empty: what a ctrrun killed between making a container's cgroups and
	 * recording them left; made afresh. */
	cg = NULL;
	rc = ctr_cgroup_create(&f.env, "ctrrun-taken", &all_limits, &cg, &err);
	TAP_CHECK(rc == 0 && cg && exists(at(&f, "cpu/ctrrun-taken")),
		  "an empty leftover cgroup of that name is made afresh: %s", rc ? err.msg : "ok");
	if (cg)
		ctr_cgroup_remove(cg, false, &err);
	ctr_cgroup_free(cg);

	static const char *const bad_names[] = {"", "..", "a/b", "ctrrun.leaf", "x y"};
	for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
		rc = ctr_cgroup_create(&f.env, bad_names[i], &all_limits, &cg, &err);
		TAP_CHECK(rc < 0 && !cg && !any_container_dir(f.root), "cgroup name '%s' refused: %s", bad_names[i], err.msg);
	}

	/* No limits: nothing to check, an empty set of cgroups. */
	struct ctr_limits none = {0};
	rc = ctr_cgroup_check(&f.env, &none, &err);
	int rc2 = ctr_cgroup_create(&f.env, "ctrrun-none", &none, &cg, &err);
	char *empty = cg ? ctr_cgroup_to_json(cg) : NULL;
	TAP_CHECK(rc == 0 && rc2 == 0 && empty && strcmp(empty, "{}") == 0 && !any_container_dir(f.root) &&
			  ctr_cgroup_add_pid(cg, getpid(), &err) == 0 && !ctr_cgroup_oom_killed(cg) &&
			  ctr_cgroup_remove(cg, true, &err) == 0,
		  "no limits: no cgroups, and every call on the empty set succeeds");
	free(empty);
	ctr_cgroup_free(cg);
}

static void test_v1_variants(void)
{
	struct fake f;
	struct ctr_error err = {0};

	/* Swap not accounted (swapaccount=0). */
	build_hybrid(&f, "noswap", false, true);
	struct ctr_limits swap = {.memory = 64 << 20, .memory_swap = 128 << 20};
	int rc = ctr_cgroup_check(&f.env, &swap, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "--memory-swap") && str_has(err.msg, "swapaccount"),
		  "no swap accounting: --memory-swap refused, saying why: %s", err.msg);
	struct ctr_cgroup *cg = NULL;
	struct ctr_limits mem = {.memory = 64 << 20};
	rc = ctr_cgroup_create(&f.env, "ctrrun-noswap", &mem, &cg, &err);
	TAP_CHECK(rc == 0 && strcmp(file_in(ctr_cgroup_dir(cg, "memory"), "memory.limit_in_bytes"), "67108864") == 0 &&
			  !file_in(ctr_cgroup_dir(cg, "memory"), "memory.memsw.limit_in_bytes"),
		  "no swap accounting: -m alone works (docker's default swap cannot apply): %s", rc ? err.msg : "ok");
	if (cg)
		ctr_cgroup_remove(cg, false, &err);
	ctr_cgroup_free(cg);

	/* No pids controller at all. */
	build_hybrid(&f, "nopids", true, false);
	struct ctr_limits pids = {.pids_limit = 20};
	rc = ctr_cgroup_check(&f.env, &pids, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "--pids-limit") && str_has(err.msg, "pids controller"),
		  "a host without the pids controller: --pids-limit refused: %s", err.msg);

	/* cpu and cpuacct sharing one hierarchy (most v1 distributions). */
	fake_init(&f, "comount", "3:cpu,cpuacct:/\n2:pids:/\n0::/\n");
	v1_hierarchy(&f, "cpu,cpuacct", "", cpu_cpuacct_files);
	v1_hierarchy(&f, "pids", "", pids_files);
	symlink("cpu,cpuacct", at(&f, "cpu"));
	symlink("cpu,cpuacct", at(&f, "cpuacct"));
	struct ctr_limits cpus = {.cpu_quota_us = 100000, .cpu_period_us = 100000};
	rc = ctr_cgroup_create(&f.env, "ctrrun-comount", &cpus, &cg, &err);
	const char *cpu_dir = cg ? ctr_cgroup_dir(cg, "cpu") : NULL, *acct_dir = cg ? ctr_cgroup_dir(cg, "cpuacct") : NULL;
	TAP_CHECK(rc == 0 && cpu_dir && acct_dir && strcmp(cpu_dir, acct_dir) == 0 &&
			  strcmp(file_in(cpu_dir, "cpu.cfs_quota_us"), "100000") == 0,
		  "cpu,cpuacct in one hierarchy: one cgroup for both: %s", rc ? err.msg : "ok");
	rc = cg ? ctr_cgroup_remove(cg, false, &err) : -1;
	TAP_CHECK(rc == 0 && !any_container_dir(f.root), "and it is removed once, without error: %s",
		  rc ? err.msg : "ok");
	ctr_cgroup_free(cg);
}

/* Runs FN as a user without the tree's ownership: uid 65534 when we are
 * root (in a child), else as ourselves with DIR made read-only. Returns
 * FN's result; *MSG gets its error message. */
static int as_other_user(int (*fn)(const struct fake *, struct ctr_error *), const struct fake *f, const char *dir,
			 char *msg, size_t len)
{
	struct ctr_error err = {0};
	if (geteuid() != 0) {
		chmod(dir, 0555);
		int rc = fn(f, &err);
		chmod(dir, 0755);
		snprintf(msg, len, "%s", err.msg);
		return rc;
	}
	int pipefd[2];
	if (pipe(pipefd) < 0)
		return 99;
	pid_t pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(98);
		int rc = fn(f, &err);
		if (write(pipefd[1], err.msg, strlen(err.msg)) < 0)
			_exit(97);
		_exit(rc < 0 ? 1 : 0);
	}
	close(pipefd[1]);
	ssize_t n = read(pipefd[0], msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? (WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status) == 1 ? -1 : 90 + WEXITSTATUS(status))
				 : 99;
}

static int check_memory(const struct fake *f, struct ctr_error *err)
{
	struct ctr_limits l = {.memory = 64 << 20};
	return ctr_cgroup_check(&f->env, &l, err);
}

static void test_v1_not_root(void)
{
	struct fake f;
	build_hybrid(&f, "v1user", true, true);
	char msg[1024];
	int rc = as_other_user(check_memory, &f, at(&f, "memory/process_api/0e79be29"), msg, sizeof msg);
	TAP_CHECK(rc == -1 && str_has(msg, "--memory") && str_has(msg, "cgroup v1") && str_has(msg, "root") &&
			  str_has(msg, "Delegate=yes"),
		  "v1 as a plain user: --memory refused, needs root or a delegated v2 cgroup: %s", msg);
}

static void test_v2_delegated(void)
{
	struct fake f;
	struct ctr_error err = {0};
	char procs[32];
	snprintf(procs, sizeof procs, "%d\n", (int)getpid());
	build_v2(&f, "v2", V2_SCOPE, "cpu memory pids\n", procs);
	const char *scope = at(&f, V2_SCOPE);
	struct ctr_limits l = {.memory = 64 << 20, .cpu_quota_us = 50000, .cpu_period_us = 100000, .pids_limit = 20};
	int rc = ctr_cgroup_check(&f.env, &l, &err);
	TAP_CHECK(rc == 0, "v2 delegated: memory, cpu and pids limits can be applied: %s", rc ? err.msg : "ok");
	rc = ctr_cgroup_check(&f.env, &all_limits, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "--cpuset-cpus") && str_has(err.msg, "not delegated") &&
			  str_has(err.msg, "cpu memory pids") && str_has(err.msg, "Delegate=yes"),
		  "v2 delegated without cpuset: --cpuset-cpus refused, with the way to get it: %s", err.msg);

	struct ctr_cgroup *cg = NULL;
	rc = ctr_cgroup_create(&f.env, "ctrrun-v2", &l, &cg, &err);
	TAP_CHECK(rc == 0 && cg, "v2 delegated: create: %s", rc ? err.msg : "ok");
	if (!cg)
		return;
	char dir[1024], leaf[1024], self[32];
	snprintf(dir, sizeof dir, "%s/ctrrun-v2", scope);
	snprintf(leaf, sizeof leaf, "%s/ctrrun.leaf", scope);
	snprintf(self, sizeof self, "%d", (int)getpid());
	TAP_CHECK(ctr_cgroup_dir(cg, "memory") && strcmp(ctr_cgroup_dir(cg, "memory"), dir) == 0 &&
			  strcmp(ctr_cgroup_dir(cg, "cpu"), dir) == 0 && strcmp(ctr_cgroup_dir(cg, "pids"), dir) == 0 &&
			  !ctr_cgroup_dir(cg, "cpuacct"),
		  "one v2 cgroup below the caller's for all controllers (no cpuacct in v2)");
	TAP_STR_EQ(file_in(leaf, "cgroup.procs"), self,
		   "the caller, the only process of its cgroup, moved itself into ctrrun.leaf");
	TAP_STR_EQ(file_in(scope, "cgroup.subtree_control"), "+memory +cpu +pids",
		   "the controllers were enabled for the children");
	TAP_STR_EQ(file_in(dir, "memory.max"), "67108864", "memory.max 64 MiB");
	TAP_STR_EQ(file_in(dir, "memory.swap.max"), "67108864", "no --memory-swap: docker's default, swap as much as memory");
	TAP_STR_EQ(file_in(dir, "cpu.max"), "50000 100000", "cpu.max '50000 100000'");
	TAP_STR_EQ(file_in(dir, "pids.max"), "20", "pids.max 20");
	char *json = ctr_cgroup_to_json(cg);
	TAP_CHECK(json_keys(json) == 3 && json_dir(json, "cpu") && strcmp(json_dir(json, "cpu"), dir) == 0,
		  "JSON record names each controller: %s", json ? json : "(null)");
	free(json);
	TAP_CHECK(!ctr_cgroup_oom_killed(cg), "v2: no OOM kill yet");
	put(tmp_path("v2/cgroup/" V2_SCOPE "/ctrrun-v2/memory.events"),
	    "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n");
	TAP_CHECK(ctr_cgroup_oom_killed(cg), "v2: oom_kill 2 in memory.events: OOM killed");

	pid_t sleeper = start_sleep();
	rc = ctr_cgroup_add_pid(cg, sleeper, &err);
	rc = rc ? rc : ctr_cgroup_remove(cg, true, &err);
	int status = reap(sleeper);
	TAP_CHECK(rc == 0 && WIFSIGNALED(status) && !exists(dir) && exists(leaf),
		  "v2 remove with kill_leftovers: process killed, cgroup gone (the caller's leaf stays): %s",
		  rc ? err.msg : "ok");
	ctr_cgroup_free(cg);

	/* The controllers enabled already: no need to move. */
	struct ctr_limits swap = {.memory = 64 << 20, .memory_swap = 96 << 20};
	fake_rmdir(leaf);
	put(at(&f, V2_SCOPE "/cgroup.subtree_control"), "memory\n");
	rc = ctr_cgroup_create(&f.env, "ctrrun-v2swap", &swap, &cg, &err);
	TAP_CHECK(rc == 0 && strcmp(file_in(ctr_cgroup_dir(cg, "memory"), "memory.swap.max"), "33554432") == 0,
		  "v2 --memory-swap 96m with -m 64m: memory.swap.max 32 MiB (v2 limits swap alone): %s",
		  rc ? err.msg : "ok");
	TAP_CHECK(!exists(leaf) && strcmp(file_in(scope, "cgroup.subtree_control"), "memory") == 0,
		  "memory enabled already: the caller stays, subtree_control untouched");
	if (cg)
		ctr_cgroup_remove(cg, false, &err);
	ctr_cgroup_free(cg);
	cg = NULL;

	/* Half way failure: everything undone, the caller back in its cgroup. */
	put(at(&f, V2_SCOPE "/cgroup.subtree_control"), "");
	put(at(&f, V2_SCOPE "/cgroup.procs"), procs);
	fault_omit_file = "pids.max";
	rc = ctr_cgroup_create(&f.env, "ctrrun-v2fault", &l, &cg, &err);
	fault_omit_file = NULL;
	TAP_CHECK(rc < 0 && !cg && str_has(err.msg, "pids.max") && !exists(at(&f, V2_SCOPE "/ctrrun-v2fault")) &&
			  !exists(leaf),
		  "v2: a failing limit write removes the cgroup and the leaf: %s", err.msg);
	TAP_STR_EQ(file_in(scope, "cgroup.subtree_control"), "-memory -cpu -pids",
		   "and disables the controllers it enabled");
	TAP_STR_EQ(file_in(scope, "cgroup.procs"), self, "and moves the caller back");

	/* Someone else in the caller's cgroup: enabling controllers would fail. */
	char crowded[64];
	snprintf(crowded, sizeof crowded, "%d\n4242\n", (int)getpid());
	put(at(&f, V2_SCOPE "/cgroup.procs"), crowded);
	put(at(&f, V2_SCOPE "/cgroup.subtree_control"), "");
	rc = ctr_cgroup_check(&f.env, &l, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "4242") && str_has(err.msg, "holds processes") &&
			  str_has(err.msg, "systemd-run --user --scope -p Delegate=yes"),
		  "v2: another process in the caller's cgroup: refused, naming it and the fix: %s", err.msg);
	rc = ctr_cgroup_create(&f.env, "ctrrun-crowded", &l, &cg, &err);
	crowded[strlen(crowded) - 1] = '\0';
	TAP_CHECK(rc < 0 && !cg && !exists(leaf) && !any_container_dir(f.root) &&
			  strcmp(file_in(scope, "cgroup.procs"), crowded) == 0,
		  "and create changes nothing: %s", err.msg);
	TAP_STR_EQ(file_in(scope, "cgroup.subtree_control"), "", "subtree_control untouched");

	/* The caller at the root of its (namespaced) hierarchy. */
	build_v2(&f, "v2root", "", "", "");
	rc = ctr_cgroup_create(&f.env, "ctrrun-atroot", &l, &cg, &err);
	TAP_CHECK(rc == 0 && strcmp(file_in(at(&f, "ctrrun-atroot"), "pids.max"), "20") == 0 &&
			  !exists(at(&f, "ctrrun.leaf")),
		  "v2 at the root cgroup: a child of the root, nobody moved: %s", rc ? err.msg : "ok");
	if (cg)
		ctr_cgroup_remove(cg, false, &err);
	ctr_cgroup_free(cg);
}

static void test_v2_not_delegated(void)
{
	struct fake f;
	struct ctr_error err = {0};
	/* A login session's scope: systemd enables controllers there, but the
	 * directory is root's. */
	build_v2(&f, "v2session", "user.slice/user-1001.slice/session-3.scope", "cpu memory pids\n", "");
	char msg[1024];
	int rc = as_other_user(check_memory, &f, at(&f, "user.slice/user-1001.slice/session-3.scope"), msg, sizeof msg);
	TAP_CHECK(rc == -1 && str_has(msg, "--memory") && str_has(msg, "session-3.scope") && str_has(msg, "not delegated") &&
			  str_has(msg, "systemd-run --user --scope -p Delegate=yes") && str_has(msg, "root"),
		  "v2 without delegation: --memory refused, saying how to get delegation: %s", msg);

	/* Delegated, but without the memory controller. */
	build_v2(&f, "v2nomem", V2_SCOPE, "pids\n", "");
	rc = check_memory(&f, &err);
	TAP_CHECK(rc < 0 && str_has(err.msg, "memory controller is not delegated") && str_has(err.msg, "(it has: pids)"),
		  "v2 delegated without memory: --memory refused, listing what it has: %s", err.msg);
	struct ctr_cgroup *cg = NULL;
	struct ctr_limits l = {.memory = 64 << 20, .pids_limit = 3};
	rc = ctr_cgroup_create(&f.env, "ctrrun-nomem", &l, &cg, &err);
	TAP_CHECK(rc < 0 && !cg && !any_container_dir(f.root) && !exists(at(&f, V2_SCOPE "/ctrrun.leaf")),
		  "and create makes nothing: %s", err.msg);
}

static void test_json_errors(void)
{
	struct ctr_error err = {0};
	struct ctr_cgroup *cg = (struct ctr_cgroup *)1;
	static const char *const bad[] = {"", "[]", "{\"memory\":1}", "{\"memory\":\"relative/dir\"}",
					  "{\"Memory\":\"/x\"}", "{\"memory\":\"/a/../b\"}", "{", "null"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cg = (struct ctr_cgroup *)1;
		int rc = ctr_cgroup_from_json(bad[i], &cg, &err);
		TAP_CHECK(rc < 0 && cg == NULL && str_has(err.msg, "cgroup record"), "from_json '%s' refused: %s", bad[i],
			  err.msg);
	}
	int rc = ctr_cgroup_from_json("{\"memory\":\"/m/c\",\"io\":\"/io/c\"}", &cg, &err);
	TAP_CHECK(rc == 0 && cg && strcmp(ctr_cgroup_dir(cg, "io"), "/io/c") == 0,
		  "from_json keeps controllers this ctrrun does not make (a newer one's record): %s", rc ? err.msg : "ok");
	ctr_cgroup_free(cg);
}

/* ---- this machine's cgroups, as root ---- */

static struct ctr_cgroup *host_cgs[2];

static void host_cleanup(void)
{
	kill_children();
	struct ctr_error err;
	for (int i = 0; i < 2; i++)
		if (host_cgs[i]) {
			ctr_cgroup_remove(host_cgs[i], true, &err);
			ctr_cgroup_free(host_cgs[i]);
			host_cgs[i] = NULL;
		}
}

/* Forks a child that waits until its parent has put it into CG, then runs
 * FN; returns its pid (the child exits with FN's result). */
static pid_t child_in(struct ctr_cgroup *cg, int (*fn)(void))
{
	int go[2];
	if (pipe(go) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(go[1]);
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(120);
		_exit(fn());
	}
	close(go[0]);
	struct ctr_error err = {0};
	if (pid > 0 && ctr_cgroup_add_pid(cg, pid, &err) < 0)
		printf("# add_pid: %s\n", err.msg);
	for (int i = 0; pid > 0 && i < MAX_CHILDREN; i++)
		if (!children[i]) {
			children[i] = pid;
			break;
		}
	if (write(go[1], "x", 1) != 1)
		printf("# cannot start the child\n");
	close(go[1]);
	return pid;
}

/* Touches 200 MiB: more than -m 64m allows (memory+swap 128m). */
static int hog_memory(void)
{
	size_t size = 200u << 20;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < size; i += 4096)
		p[i] = 1;
	return 0;
}

/* Forks until refused; exits with the number of forks that succeeded
 * (their children are killed), or 200 + errno when fork failed otherwise. */
static int fork_many(void)
{
	pid_t kids[64];
	int n = 0, failure = 0;
	for (; n < 40; n++) {
		kids[n] = fork();
		if (kids[n] == 0) {
			pause();
			_exit(0);
		}
		if (kids[n] < 0) {
			failure = errno;
			break;
		}
	}
	for (int i = 0; i < n; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	return failure == EAGAIN ? n : 200 + (failure > 50 ? 50 : failure);
}

/* Spins on the CPU for one second of wall time. */
static int spin(void)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	volatile unsigned long x = 0;
	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 1000000000L);
	return 0;
}

/* The v1 path of CONTROLLER in /proc/PID/cgroup. */
static const char *proc_cgroup_path(pid_t pid, const char *controller)
{
	static char out[1024];
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	const char *text = slurp(path);
	out[0] = '\0';
	for (const char *line = text ? text : ""; *line;) {
		const char *end = line + strcspn(line, "\n");
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2 && (size_t)(c2 - c1 - 1) == strlen(controller) && memcmp(c1 + 1, controller, strlen(controller)) == 0)
			snprintf(out, sizeof out, "%.*s", (int)(end - c2 - 1), c2 + 1);
		line = *end ? end + 1 : end;
	}
	return out;
}

static int host_tests(void)
{
	if (geteuid() != 0) {
		TAP_CHECK(1, "host cgroups # SKIP needs root (cgroup v1 limits are root's)");
		return tap_done();
	}
	if (!exists("/sys/fs/cgroup/memory/memory.limit_in_bytes") || !exists("/sys/fs/cgroup/pids/cgroup.procs") ||
	    !exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") || !exists("/sys/fs/cgroup/cpuset/cpuset.cpus")) {
		TAP_CHECK(1, "host cgroups # SKIP this host has no cgroup v1 memory, pids, cpu and cpuset hierarchies");
		return tap_done();
	}
	atexit(host_cleanup);
	struct ctr_error err = {0};
	char self_before[8192];
	snprintf(self_before, sizeof self_before, "%s", slurp("/proc/self/cgroup"));
	char own_memory[1024];
	snprintf(own_memory, sizeof own_memory, "%s", proc_cgroup_path(getpid(), "memory"));

	struct ctr_limits l = {.memory = 64 << 20, .pids_limit = 20, .cpu_quota_us = 50000, .cpu_period_us = 100000,
			       .cpuset_cpus = "0"};
	int rc = ctr_cgroup_check(NULL, &l, &err);
	TAP_CHECK(rc == 0, "host: -m 64m --pids-limit 20 --cpus 0.5 --cpuset-cpus 0 can be applied: %s",
		  rc ? err.msg : "ok");
	char name[64];
	snprintf(name, sizeof name, "ctrrun-test-%x", (unsigned)getpid());
	rc = ctr_cgroup_create(NULL, name, &l, &host_cgs[0], &err);
	TAP_CHECK(rc == 0 && host_cgs[0], "host: created %s: %s", name, rc ? err.msg : "ok");
	struct ctr_cgroup *cg = host_cgs[0];
	if (!cg)
		return tap_done();
	char want_mem[1200], want_pids[1200];
	snprintf(want_mem, sizeof want_mem, "/sys/fs/cgroup/memory%s/%s", strcmp(own_memory, "/") ? own_memory : "", name);
	snprintf(want_pids, sizeof want_pids, "/sys/fs/cgroup/pids%s/%s",
		 strcmp(proc_cgroup_path(getpid(), "pids"), "/") ? proc_cgroup_path(getpid(), "pids") : "", name);
	TAP_STR_EQ(ctr_cgroup_dir(cg, "memory"), want_mem, "host: the memory cgroup nests below the test's own (%s)",
		   own_memory);
	TAP_STR_EQ(ctr_cgroup_dir(cg, "pids"), want_pids, "host: so does the pids cgroup");
	TAP_STR_EQ(file_in(ctr_cgroup_dir(cg, "memory"), "memory.limit_in_bytes"), "67108864",
		   "host: memory.limit_in_bytes is 64 MiB");
	TAP_STR_EQ(file_in(ctr_cgroup_dir(cg, "pids"), "pids.max"), "20", "host: pids.max is 20");
	TAP_STR_EQ(file_in(ctr_cgroup_dir(cg, "cpu"), "cpu.cfs_quota_us"), "50000", "host: cpu.cfs_quota_us is 50000");
	TAP_STR_EQ(file_in(ctr_cgroup_dir(cg, "cpuset"), "cpuset.cpus"), "0", "host: cpuset.cpus is 0");

	pid_t sleeper = start_sleep();
	rc = ctr_cgroup_add_pid(cg, sleeper, &err);
	char want_path[1200];
	snprintf(want_path, sizeof want_path, "%s/%s", strcmp(own_memory, "/") ? own_memory : "", name);
	TAP_CHECK(rc == 0 && strcmp(proc_cgroup_path(sleeper, "memory"), want_path) == 0 &&
			  strstr(proc_cgroup_path(sleeper, "pids"), name),
		  "host: the sleep is in the container's cgroups (/proc/PID/cgroup memory: %s): %s",
		  proc_cgroup_path(sleeper, "memory"), rc ? err.msg : "ok");
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	TAP_CHECK(sched_getaffinity(sleeper, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) == 1 && CPU_ISSET(0, &cpus),
		  "host: the cpuset confines it to CPU 0 (%d CPUs in its affinity)", CPU_COUNT(&cpus));
	TAP_STR_EQ(slurp("/proc/self/cgroup"), self_before, "host: the test process itself was not moved");

	/* The limits hold. */
	pid_t hog = child_in(cg, hog_memory);
	int status = reap(hog);
	TAP_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "host: touching 200 MiB under -m 64m: SIGKILL (%s %d)",
		  WIFSIGNALED(status) ? "signal" : "exit", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	TAP_CHECK(ctr_cgroup_oom_killed(cg), "host: and the cgroup reports an OOM kill");
	pid_t forker = child_in(cg, fork_many);
	status = reap(forker);
	/* 20 allowed: the sleep and the forker itself take two. */
	TAP_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 18,
		  "host: --pids-limit 20 stops forking at 20 processes (%d forks succeeded, then EAGAIN)",
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	struct rusage ru;
	pid_t spinner = child_in(cg, spin);
	int st;
	pid_t got = wait4(spinner, &st, 0, &ru);
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == spinner)
			children[i] = 0;
	double used = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		      ru.ru_stime.tv_usec / 1e6;
	TAP_CHECK(got == spinner && used > 0.2 && used < 0.65,
		  "host: --cpus 0.5 gives a 1 s busy loop about half a CPU (%.2f s of CPU)", used);

	/* Remove: the sleep first, as a caller that reaps its init would. */
	kill(sleeper, SIGKILL);
	reap(sleeper);
	rc = ctr_cgroup_remove(cg, false, &err);
	TAP_CHECK(rc == 0 && !exists(want_mem) && !exists(want_pids),
		  "host: removed after its process exited: %s", rc ? err.msg : "ok");
	ctr_cgroup_free(cg);
	host_cgs[0] = NULL;

	/* kill_leftovers: a sleep still inside is killed, then the cgroup goes. */
	struct ctr_limits small = {.pids_limit = 5, .memory = 32 << 20};
	snprintf(name, sizeof name, "ctrrun-test-%x-b", (unsigned)getpid());
	rc = ctr_cgroup_create(NULL, name, &small, &host_cgs[1], &err);
	TAP_CHECK(rc == 0, "host: a second cgroup: %s", rc ? err.msg : "ok");
	if (rc == 0) {
		char *json = ctr_cgroup_to_json(host_cgs[1]);
		struct ctr_cgroup *again = NULL;
		rc = json ? ctr_cgroup_from_json(json, &again, &err) : -1;
		free(json);
		sleeper = start_sleep();
		rc = rc ? rc : ctr_cgroup_add_pid(again, sleeper, &err);
		const char *mem_dir = ctr_cgroup_dir(host_cgs[1], "memory");
		char mem_copy[1200];
		snprintf(mem_copy, sizeof mem_copy, "%s", mem_dir ? mem_dir : "");
		rc = rc ? rc : ctr_cgroup_remove(again, true, &err);
		status = reap(sleeper);
		TAP_CHECK(rc == 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && !exists(mem_copy),
			  "host: remove with kill_leftovers (record read back from JSON) kills the sleep and removes "
			  "the cgroups: %s", rc ? err.msg : "ok");
		ctr_cgroup_free(again);
		ctr_cgroup_free(host_cgs[1]);
		host_cgs[1] = NULL;
	}
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--host") == 0)
		return host_tests();
	const char *tmpdir = getenv("TMPDIR");
	snprintf(tmp_root, sizeof tmp_root, "%s/ctr-test-cgroups.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(tmp_root)) {
		printf("1..0 # SKIP cannot create a temp dir: %s\n", strerror(errno));
		return 1;
	}
	chmod(tmp_root, 0755);  /* the "other user" checks must reach the tree */
	atexit(remove_tmp_root);
	atexit(kill_children);
	ctr_cgroupfs_set_ops(&fake_ops);

	test_parse_memory();
	test_parse_cpus();
	test_parse_cpuset();
	test_parse_pids();
	test_limits_flags();
	test_v1_hybrid();
	test_v1_variants();
	test_v1_not_root();
	test_v2_delegated();
	test_v2_not_delegated();
	test_json_errors();
	return tap_done();
}
