/* docker's resource flags, parsed with docker's rules and units, so that a
 * command line that works with `docker run` means the same here. Every
 * refusal names the flag and the value (the user's bytes: ctr_fail escapes
 * its control characters). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "resource_limits.h"

/* docker refuses smaller memory limits (linuxMinMemory). */
#define MIN_MEMORY (6LL << 20)
/* The CFS period docker uses for --cpus. */
#define CPU_PERIOD_US 100000LL
#define NANO_PER_CPU 1000000000LL
/* docker's --cpus floor (0.01 CPU: a quota of 1 ms, the kernel's minimum). */
#define MIN_NANO_CPUS 10000000LL
/* The kernel's PID_MAX_LIMIT: pids.max takes nothing larger. */
#define MAX_PIDS 4194304LL

bool ctr_limits_any(const struct ctr_limits *l)
{
	return l->memory > 0 || l->memory_swap > 0 || l->cpu_quota_us > 0 || l->cpuset_cpus ||
	       l->pids_limit > 0;
}

void ctr_limits_free(struct ctr_limits *l)
{
	free(l->cpuset_cpus);
	*l = (struct ctr_limits){0};
}

int64_t ctr_limits_nano_cpus(const struct ctr_limits *l)
{
	if (l->cpu_quota_us <= 0 || l->cpu_period_us <= 0)
		return 0;
	return (int64_t)((__int128)l->cpu_quota_us * NANO_PER_CPU / l->cpu_period_us);
}

int ctr_limits_online_cpus(char *buf, size_t len, int *count, struct ctr_error *err)
{
	_cleanup_close_ int fd = open(CTR_CPU_ONLINE_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail(err, errno, "cannot open %s", CTR_CPU_ONLINE_FILE);
	ssize_t n = read(fd, buf, len - 1);
	if (n < 0)
		return ctr_fail(err, errno, "cannot read %s", CTR_CPU_ONLINE_FILE);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	struct ctr_cpuset set;
	if (ctr_cpuset_parse(buf, false, &set) < 0)
		return ctr_fail(err, 0, "%s: not a CPU list: '%s'", CTR_CPU_ONLINE_FILE, buf);
	*count = ctr_cpuset_count(&set);
	return 0;
}

/* ---- sizes ---- */

/* A size as docker's go-units RAMInBytes reads it: "<number>[ ][unit][i][b]"
 * with binary units. -1 when malformed, -2 when beyond int64. */
static int parse_size(const char *s, int64_t *out)
{
	const char *p = s;
	uint64_t whole = 0, frac = 0, frac_scale = 1;
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > (uint64_t)INT64_MAX / 10)
			return -2;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		/* Digits beyond the 18th cannot change a whole number of bytes below 2^63. */
		for (; isdigit((unsigned char)*p); p++)
			if (frac_scale < 1000000000000000000ULL) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_scale *= 10;
			}
	}
	if (*p == ' ')
		p++;
	uint64_t mult = 1;
	const char *unit = *p ? strchr("kmgtp", tolower((unsigned char)*p)) : NULL;
	if (unit) {
		for (const char *u = "kmgtp"; u <= unit; u++)
			mult *= 1024;
		p++;
		if (tolower((unsigned char)*p) == 'i')
			p++;
	}
	if (tolower((unsigned char)*p) == 'b')
		p++;
	if (*p != '\0')
		return -1;
	/* docker multiplies in floating point and truncates; exact integer
	 * arithmetic gives the same bytes without its rounding surprises. */
	unsigned __int128 bytes = (unsigned __int128)whole * mult + (unsigned __int128)frac * mult / frac_scale;
	if (bytes > INT64_MAX)
		return -2;
	*out = (int64_t)bytes;
	return 0;
}

/* Bytes the way a user would write them: "64m" when exact, else bytes. */
static void format_size(int64_t bytes, char *buf, size_t len)
{
	static const char units[] = "kmgtp";
	int i = -1;
	while (bytes > 0 && bytes % 1024 == 0 && i < 4) {
		bytes /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%" PRId64 "b", bytes);
	else
		snprintf(buf, len, "%" PRId64 "%c", bytes, units[i]);
}

static int size_error(const char *flag, const char *value, int rc, struct ctr_error *err)
{
	if (rc == -2)
		return ctr_fail(err, 0, "invalid value '%s' for %s: too large", value, flag);
	return ctr_fail(err, 0,
			"invalid value '%s' for %s: expected a size such as 256m "
			"(a number with an optional unit b, k, m, g, t or p)", value, flag);
}

int ctr_limits_parse_memory(const char *flag, const char *value, int64_t *bytes, struct ctr_error *err)
{
	int64_t v;
	int rc = parse_size(value, &v);
	if (rc < 0)
		return size_error(flag, value, rc, err);
	if (v != 0 && v < MIN_MEMORY)
		return ctr_fail(err, 0, "invalid value '%s' for %s: the minimum memory limit is 6m (as in docker)",
				value, flag);
	*bytes = v;
	return 0;
}

int ctr_limits_parse_memory_swap(const char *flag, const char *value, int64_t *bytes, struct ctr_error *err)
{
	if (strcmp(value, "-1") == 0) {
		*bytes = -1;
		return 0;
	}
	int64_t v;
	int rc = parse_size(value, &v);
	if (rc == -1)
		return ctr_fail(err, 0,
				"invalid value '%s' for %s: expected -1 (unlimited swap) or a size such as 512m "
				"(memory plus swap)", value, flag);
	if (rc < 0)
		return size_error(flag, value, rc, err);
	*bytes = v;
	return 0;
}

/* ---- CPUs and processes ---- */

int ctr_limits_parse_cpus(const char *flag, const char *value, int online_cpus, int64_t *quota_us,
			  int64_t *period_us, struct ctr_error *err)
{
	const char *p = value;
	int64_t nano = 0;
	bool digits = false;
	for (; isdigit((unsigned char)*p); p++, digits = true) {
		nano = nano * 10 + (*p - '0');
		if (nano > 1000000)  /* far above any CPU count; keeps the sum below in range */
			return ctr_fail(err, 0, "invalid value '%s' for %s: too large", value, flag);
	}
	nano *= NANO_PER_CPU;
	if (*p == '.') {
		p++;
		int64_t scale = NANO_PER_CPU / 10;
		for (; isdigit((unsigned char)*p); p++, digits = true) {
			/* docker refuses what NanoCpus cannot hold exactly. */
			if (scale == 0 && *p != '0')
				return ctr_fail(err, 0, "invalid value '%s' for %s: too precise (at most 9 decimals)",
						value, flag);
			nano += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (!digits || *p != '\0')
		return ctr_fail(err, 0, "invalid value '%s' for %s: expected a number of CPUs such as 0.5 or 2",
				value, flag);
	if (nano == 0) {
		*quota_us = *period_us = 0;
		return 0;
	}
	if (nano < MIN_NANO_CPUS || nano > (int64_t)online_cpus * NANO_PER_CPU)
		return ctr_fail(err, 0, "invalid value '%s' for %s: the range is 0.01 to %d.00, as this host has %d CPU%s online",
				value, flag, online_cpus, online_cpus, online_cpus == 1 ? "" : "s");
	*period_us = CPU_PERIOD_US;
	*quota_us = nano * CPU_PERIOD_US / NANO_PER_CPU;
	return 0;
}

int ctr_limits_parse_cpuset(const char *flag, const char *value, const char *online, char **out,
			    struct ctr_error *err)
{
	struct ctr_cpuset want, have;
	/* The list goes to the kernel as given, so a newline is not allowed here. */
	if (strchr(value, '\n') || ctr_cpuset_parse(value, false, &want) < 0)
		return ctr_fail(err, 0, "invalid value '%s' for %s: expected a CPU list such as 0-2,4", value, flag);
	if (ctr_cpuset_parse(online, false, &have) < 0)
		return ctr_fail(err, 0, "cannot check %s: the host's online CPU list '%s' is unreadable", flag, online);
	int missing = ctr_cpuset_first_missing(&want, &have);
	if (missing >= 0)
		return ctr_fail(err, 0, "invalid value '%s' for %s: CPU %d is not online (online CPUs: %s)", value,
				flag, missing, online);
	*out = strdup(value);
	if (!*out)
		return ctr_fail(err, errno, "%s", flag);
	return 0;
}

int ctr_limits_parse_pids(const char *flag, const char *value, int64_t *limit, struct ctr_error *err)
{
	char *end;
	errno = 0;
	long long v = strtoll(value, &end, 10);
	if (errno || end == value || *end != '\0' || !(isdigit((unsigned char)*value) || *value == '-'))
		return ctr_fail(err, 0, "invalid value '%s' for %s: expected a number of processes (-1: unlimited)",
				value, flag);
	if (v < -1)
		return ctr_fail(err, 0, "invalid value '%s' for %s: a limit is at least 1 (-1 or 0: unlimited)", value,
				flag);
	if (v > MAX_PIDS)
		return ctr_fail(err, 0, "invalid value '%s' for %s: the kernel allows at most %lld processes", value,
				flag, MAX_PIDS);
	*limit = v <= 0 ? 0 : v;
	return 0;
}

int ctr_limits_set_flag(struct ctr_limits *l, const char *flag, const char *value, struct ctr_error *err)
{
	if (strcmp(flag, "-m") == 0 || strcmp(flag, "--memory") == 0)
		return ctr_limits_parse_memory(flag, value, &l->memory, err);
	if (strcmp(flag, "--memory-swap") == 0)
		return ctr_limits_parse_memory_swap(flag, value, &l->memory_swap, err);
	if (strcmp(flag, "--pids-limit") == 0)
		return ctr_limits_parse_pids(flag, value, &l->pids_limit, err);
	bool cpus = strcmp(flag, "--cpus") == 0, cpuset = strcmp(flag, "--cpuset-cpus") == 0;
	if (!cpus && !cpuset)
		return 1;
	char online[4096];
	int n_online;
	if (ctr_limits_online_cpus(online, sizeof online, &n_online, err) < 0)
		return -1;
	if (cpus)
		return ctr_limits_parse_cpus(flag, value, n_online, &l->cpu_quota_us, &l->cpu_period_us, err);
	char *list;
	if (ctr_limits_parse_cpuset(flag, value, online, &list, err) < 0)
		return -1;
	free(l->cpuset_cpus);
	l->cpuset_cpus = list;
	return 0;
}

int ctr_limits_finish(const struct ctr_limits *l, struct ctr_error *err)
{
	if (l->memory_swap > 0 && l->memory == 0)
		return ctr_fail(err, 0, "--memory-swap needs --memory: it limits memory plus swap (as in docker)");
	if (l->memory_swap > 0 && l->memory_swap < l->memory) {
		char swap[32], mem[32];
		format_size(l->memory_swap, swap, sizeof swap);
		format_size(l->memory, mem, sizeof mem);
		return ctr_fail(err, 0,
				"--memory-swap %s is below --memory %s: it counts memory plus swap, so it must be "
				"at least the memory limit", swap, mem);
	}
	return 0;
}
