/* Fuzzes `ctrrun run`'s command line (runner/run_options.c) and docker's
 * limit values (runner/resource_limits.c, and the CPU lists of
 * include/ctr/cpuset.h they share with the /proc view).
 *
 * The input is NUL-separated strings: the arguments after "run", up to an
 * empty string; what follows it is the content of the --env-file. Whatever
 * file the arguments name for --env-file, the harness hands over that
 * content instead, so the run never reads the machine's files (nor blocks on
 * a fifo or /dev/zero). Each argument also goes straight to every value
 * parser, so their ranges are checked on every input, not only behind the
 * right flag. Besides crashes, leaks and UB it checks the promised ranges
 * (memory 0 or >= 6m, CPUs within the given online count, pids 0..2^22) and
 * what cmd_run relies on after a successful parse. */
#include <stdbool.h>

#include "fuzz_util.h"
#include "resource_limits.h"
#include "run_options.h"

#define MAX_ARGS 24
#define ENV_FLAG "--env-file"

static char env_path[4200], env_arg[4300];

static void fail(const char *why, const char *value)
{
	fuzz_fail("%s (value '%s')", why, value);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	snprintf(env_path, sizeof env_path, "%s/env", fuzz_scratch_dir("run-options"));
	snprintf(env_arg, sizeof env_arg, ENV_FLAG "=%s", env_path);
	return 0;
}

static void write_env_file(const char *text)
{
	FILE *f = fopen(env_path, "we");
	if (!f || fputs(text, f) == EOF || fclose(f) == EOF)
		fuzz_fail("%s: %s", env_path, strerror(errno));
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
	if (run_options_parse(&o, argc, argv, &err) == 0) {
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
			if (log_options_to_db(&o.log, &lc, &err) == 0) {
				if (!lc.options || lc.options[0] != '{')
					fail("the log options are not a JSON object", lc.options ? lc.options : "");
				ctr_db_log_config_free(&lc);
			}
		}
	} else if (!err.msg[0])
		fuzz_fail("refused without a message");
	run_options_free(&o);

	for (int a = 1; a < argc; a++)
		value_parsers(argv[a], size ? data[size - 1] : 0);
	free(buf);
	return 0;
}
