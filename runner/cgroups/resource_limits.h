/* A container's resource limits, and docker's flags that set them:
 * -m/--memory, --memory-swap, --cpus, --cpuset-cpus, --pids-limit. Parsed
 * and checked here before anything is created; runner/cgroups/cgroups.h applies
 * them. */
#ifndef CTRRUN_RESOURCE_LIMITS_H
#define CTRRUN_RESOURCE_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctr/cpuset.h"
#include "ctr/error.h"

struct ctr_limits {
	int64_t memory;         /* bytes; 0 = not set */
	int64_t memory_swap;    /* memory plus swap, bytes, as docker's --memory-swap;
				   0 = not set (docker's default: as much swap as memory),
				   -1 = unlimited swap */
	int64_t cpu_quota_us, cpu_period_us;  /* CFS bandwidth; 0 = not set */
	char *cpuset_cpus;      /* "0-2,4", checked against the online CPUs; NULL = not set */
	int64_t pids_limit;     /* 0 = not set (unlimited) */
};

/* True when any limit is set, i.e. the container needs cgroups. */
bool ctr_limits_any(const struct ctr_limits *l);
/* Frees cpuset_cpus; the struct is then all "not set". */
void ctr_limits_free(struct ctr_limits *l);
/* --cpus as docker's NanoCpus (1000000000 = one CPU); 0 when not set. */
int64_t ctr_limits_nano_cpus(const struct ctr_limits *l);

/* Where the host lists its online CPUs ("0-1"). */
#define CTR_CPU_ONLINE_FILE "/sys/devices/system/cpu/online"
/* One flag's value. FLAG is the flag as the user typed it ("-m",
 * "--memory", ...); errors name it and the value. */

/* docker's sizes: a number (a fraction is allowed), an optional unit b, k,
 * m, g, t or p (binary multiples, any case, "kb"/"KiB" spellings too).
 * 0 is "not set"; anything else must be at least 6m, as in docker. */
int ctr_limits_parse_memory(const char *flag, const char *value, int64_t *bytes, struct ctr_error *err);
/* -1 (unlimited swap) or a size as above; 0 is "not set". */
int ctr_limits_parse_memory_swap(const char *flag, const char *value, int64_t *bytes, struct ctr_error *err);
/* A decimal number of CPUs from 0.01 to ONLINE_CPUS, as docker; 0 is "not
 * set". Period 100000 us, quota period * CPUs. */
int ctr_limits_parse_cpus(const char *flag, const char *value, int online_cpus, int64_t *quota_us,
			  int64_t *period_us, struct ctr_error *err);
/* A CPU list whose CPUs are all in ONLINE (the host's list, e.g. "0-1").
 * *OUT is a heap copy of VALUE. */
int ctr_limits_parse_cpuset(const char *flag, const char *value, const char *online, char **out,
			    struct ctr_error *err);
/* A number of processes; -1 and 0 are unlimited (stored as "not set"). */
int ctr_limits_parse_pids(const char *flag, const char *value, int64_t *limit, struct ctr_error *err);

/* For the run command's option parser: parses the value of FLAG (any of
 * the flags above; host facts are read from CTR_CPU_ONLINE_FILE) into L,
 * replacing an earlier value. Returns 1 when FLAG is not a limit flag, 0
 * when parsed, -1 on a bad value. */
int ctr_limits_set_flag(struct ctr_limits *l, const char *flag, const char *value, struct ctr_error *err);
/* After all flags: what no single flag can check (docker's rules):
 * --memory-swap needs --memory and is at least as large. */
int ctr_limits_finish(const struct ctr_limits *l, struct ctr_error *err);

/* The host's online CPUs as a list ("0-1") into BUF, and their number. */
int ctr_limits_online_cpus(char *buf, size_t len, int *count, struct ctr_error *err);

#endif
