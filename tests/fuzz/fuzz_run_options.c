/* Fuzzes `ctrrun run`'s command line (runner/cli/run_options.c), docker's
 * limit values (runner/cgroups/resource_limits.c, and the CPU lists of
 * include/ctr/cpuset.h they share with the /proc view), and the confinement
 * flags' values as cmd_run checks them: --tmpfs PATH[:OPTS] by
 * ctr_tmpfs_parse (runner/security/confinement.c), --cap-add, --cap-drop and
 * --privileged by ctr_caps_compute (runner/security/capabilities.c).
 *
 * The input is NUL-separated strings: the arguments after "run", up to an
 * empty string; what follows it is the content of the --env-file. Whatever
 * file the arguments name for --env-file, the harness hands over that
 * content instead, so the run never reads the machine's files (nor blocks on
 * a fifo or /dev/zero). Each argument also goes straight to every value
 * parser, so their ranges are checked on every input, not only behind the
 * right flag. The input's last byte picks the online CPU count and a faked
 * kernel's last capability. Besides crashes, leaks and UB it checks the
 * promised ranges (memory 0 or >= 6m, CPUs within the given online count,
 * pids 0..2^22, no capability above the kernel's last, every capability
 * with --privileged), that a parsed tmpfs has a path that is absolute, not
 * / and without . or .. and keeps every SIZE=-style option whole, that
 * refusals name their flag, and what cmd_run relies on after a successful
 * parse. */
#include <stdbool.h>

#include "capabilities.h"
#include "confinement.h"
#include "fuzz_util.h"
#include "resource_limits.h"
#include "run_options.h"

#define MAX_ARGS 24
#define ENV_FLAG "--env-file"

static char env_path[4200], env_arg[4300];
static int kernel_last_cap;  /* ctr_cap_last(), read once: it opens a /proc file */

static void fail(const char *why, const char *value)
{
	fuzz_fail("%s (value '%s')", why, value);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	snprintf(env_path, sizeof env_path, "%s/env", fuzz_scratch_dir("run-options"));
	snprintf(env_arg, sizeof env_arg, ENV_FLAG "=%s", env_path);
	kernel_last_cap = ctr_cap_last();
	return 0;
}

static void write_env_file(const char *text)
{
	FILE *f = fopen(env_path, "we");
	if (!f || fputs(text, f) == EOF || fclose(f) == EOF)
		fuzz_fail("%s: %s", env_path, strerror(errno));
}

/* Whether the comma-separated LIST (or NULL) has ITEM, N bytes. */
static bool has_item(const char *list, const char *item, size_t n)
{
	for (const char *d = list; d && *d;) {
		size_t m = strcspn(d, ",");
		if (m == n && memcmp(d, item, n) == 0)
			return true;
		d += m + (d[m] == ',');
	}
	return false;
}

/* A --tmpfs value as ctr_tmpfs_parse takes it: a parsed path is absolute,
 * not / (also not as // or /..), and without . or .. parts (it is
 * mounted on, inside the container's root); every option with a '=' is
 * passed on whole in the mount data. */
static void tmpfs_value(const char *v)
{
	struct ctr_tmpfs t;
	struct ctr_error err = {0};
	if (ctr_tmpfs_parse(v, &t, &err) < 0) {
		if (!strstr(err.msg, "--tmpfs"))
			fail("a --tmpfs refusal does not name the flag", err.msg);
		if (t.path || t.data)
			fail("a refused --tmpfs kept memory", v);
		return;
	}
	if (t.path[0] != '/')
		fail("a --tmpfs path is not absolute", t.path);
	bool only_root = true;
	for (const char *s = t.path; *s;) {
		s += strspn(s, "/");
		size_t n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			fail("a --tmpfs path has a . or .. part", t.path);
		only_root &= n == 0;
		s += n;
	}
	if (only_root)
		fail("a --tmpfs on / was taken", t.path);
	const char *opts = strchr(v, ':');
	for (const char *o = opts ? opts + 1 : ""; *o;) {
		size_t n = strcspn(o, ",");
		if (memchr(o, '=', n) && !has_item(t.data, o, n))
			fail("a --tmpfs option did not reach the mount data whole", v);
		o += n + (o[n] == ',');
	}
	ctr_tmpfs_free(&t);
}

/* --cap-add and --cap-drop lists (and --privileged) as cmd_run computes
 * them, for the kernel's last capability LAST: nothing above it. */
static void caps_value(const char *const *add, size_t n_add, const char *const *drop, size_t n_drop,
		       bool privileged, int last)
{
	uint64_t caps;
	struct ctr_error err = {0};
	if (ctr_caps_compute(add, n_add, drop, n_drop, privileged, last, &caps, &err) < 0) {
		if (!strstr(err.msg, "--cap-add") && !strstr(err.msg, "--cap-drop"))
			fail("a capability refusal does not name its flag", err.msg);
		if (privileged)
			fail("--privileged refused", err.msg);
		return;
	}
	if (caps & ~ctr_caps_all(last))
		fuzz_fail("capabilities above the last one (%d) were given: %#llx", last, (unsigned long long)caps);
	if (privileged && caps != ctr_caps_all(last))
		fuzz_fail("--privileged without every capability up to %d: %#llx", last, (unsigned long long)caps);
}

/* Every value parser on one string, with their documented ranges. */
static void value_parsers(const char *v, unsigned char online_cpus)
{
	struct ctr_error err = {0};
	int64_t bytes, quota, period, pids;
	if (ctr_limits_parse_memory("-m", v, &bytes, &err) == 0 && bytes != 0 && bytes < (6LL << 20))
		fail("a memory limit below 6m was taken", v);
	if (ctr_limits_parse_memory_swap("--memory-swap", v, &bytes, &err) == 0 && bytes < -1)
		fail("a swap limit below -1 was taken", v);
	int online = online_cpus % 64 + 1;
	if (ctr_limits_parse_cpus("--cpus", v, online, &quota, &period, &err) == 0 && quota != 0 &&
	    (period != 100000 || quota < 1000 || quota > (int64_t)online * period))
		fail("a CPU quota out of range was taken", v);
	if (ctr_limits_parse_pids("--pids-limit", v, &pids, &err) == 0 && (pids < 0 || pids > 4194304))
		fail("a pids limit out of range was taken", v);
	char *list = NULL;
	if (ctr_limits_parse_cpuset("--cpuset-cpus", v, "0-3,8", &list, &err) == 0) {
		struct ctr_cpuset set;
		if (ctr_cpuset_parse(list, false, &set) < 0 || ctr_cpuset_count(&set) == 0 ||
		    ctr_cpuset_first_missing(&set, &(struct ctr_cpuset){.bits = {0x10f}}) >= 0)
			fail("a CPU list outside the online CPUs was taken", v);
	}
	free(list);
	/* The value as the host's online list: the other side of that check. */
	list = NULL;
	ctr_limits_parse_cpuset("--cpuset-cpus", "0", v, &list, &err);
	free(list);
	tmpfs_value(v);
	int last = online_cpus % (ctr_cap_max_known() + 1);
	caps_value(&v, 1, &v, 1, false, last);  /* one call: the value as --cap-add and --cap-drop */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *parts[MAX_ARGS + 2];
	size_t n = fuzz_split(data, size, &buf, parts, MAX_ARGS + 2);
	/* argv: "run", then the parts up to an empty one. */
	char *argv[MAX_ARGS + 2] = {"run"};
	int argc = 1;
	size_t i = 0;
	for (; i < n && parts[i][0] && argc < MAX_ARGS + 1; i++)
		argv[argc++] = parts[i];
	write_env_file(i + 1 < n ? parts[i + 1] : "");
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], ENV_FLAG) == 0 && a + 1 < argc)
			argv[a + 1] = env_path;
		else if (strncmp(argv[a], ENV_FLAG "=", strlen(ENV_FLAG) + 1) == 0)
			argv[a] = env_arg;
	}
	argv[argc] = NULL;

	struct run_options o;
	struct ctr_error err = {0};
	if (cli_run_options_parse(&o, argc, argv, &err) == 0) {
		if (!o.help) {
			if (!o.image || o.n_command < 0 || (o.n_command > 0 && !o.command))
				fail("parsed without an image", o.image ? o.image : "");
			for (size_t e = 0; e < o.n_env; e++)
				if (!strchr(o.env[e], '=') || o.env[e][0] == '=')
					fail("an environment entry is not NAME=VALUE", o.env[e]);
			for (size_t v = 0; v < o.n_volumes; v++)
				if (o.volumes[v].host_path[0] != '/' || o.volumes[v].container_path[0] != '/')
					fail("a volume path is not absolute", o.volumes[v].container_path);
			if (o.log.max_size_bytes <= 0 || o.log.max_buffer_bytes <= 0)
				fail("a log size or buffer of 0 or less was taken", "");
			if (o.log.mode != CTR_DB_LOG_BLOCKING && o.log.mode != CTR_DB_LOG_NON_BLOCKING)
				fail("an unknown log mode was taken", "");
			struct ctr_db_log_config lc;
			if (cli_log_options_to_db(&o.log, &lc, &err) == 0) {
				if (!lc.options || lc.options[0] != '{')
					fail("the log options are not a JSON object", lc.options ? lc.options : "");
				ctr_db_log_config_free(&lc);
			}
			if (o.userns && strcmp(o.userns, "auto") != 0 && strcmp(o.userns, "host") != 0)
				fail("a --userns other than auto or host was taken", o.userns);
			if (o.seccomp && !o.seccomp[0])
				fail("an empty seccomp= was taken", "");
			if ((o.n_cap_add && o.cap_add[o.n_cap_add]) || (o.n_cap_drop && o.cap_drop[o.n_cap_drop]) ||
			    (o.n_tmpfs && o.tmpfs[o.n_tmpfs]))
				fail("a flag list is not NULL-terminated", "");
			/* What cmd_run then does with the confinement flags: the
			 * capability set for this kernel and a faked one, each tmpfs. */
			int last = (size ? data[size - 1] : 0) % (ctr_cap_max_known() + 1);
			for (int k = 0; k < 2; k++)
				caps_value((const char *const *)o.cap_add, o.n_cap_add, (const char *const *)o.cap_drop,
					   o.n_cap_drop, o.privileged, k ? last : kernel_last_cap);
			for (size_t t = 0; t < o.n_tmpfs; t++)
				tmpfs_value(o.tmpfs[t]);
		}
	} else if (!err.msg[0])
		fuzz_fail("refused without a message");
	cli_run_options_free(&o);

	for (int a = 1; a < argc; a++)
		value_parsers(argv[a], size ? data[size - 1] : 0);
	free(buf);
	return 0;
}
