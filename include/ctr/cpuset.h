/* Sets of CPU numbers in the kernel's list form ("0-2,4"), as cpuset.cpus
 * and /sys/devices/system/cpu/online hold them and --cpuset-cpus takes them.
 * Shared by the /proc view (fs/) and the runner's limits (runner/): small
 * enough to live here as inline functions. */
#ifndef CTR_CPUSET_H
#define CTR_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* CPU numbers a list may name (the kernel's NR_CPUS upper bound). */
#define CTR_CPUSET_MAX 8192

struct ctr_cpuset {
	uint64_t bits[CTR_CPUSET_MAX / 64];
};

/* A CPU number at *P, advancing it; -1 when there is none or it is too large. */
static inline int ctr_cpuset_number(const char **p)
{
	if (**p < '0' || **p > '9')
		return -1;
	long v = 0;
	while (**p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		if (v >= CTR_CPUSET_MAX)
			return -1;
		(*p)++;
	}
	return (int)v;
}

/* Parses a CPU list: comma-separated N or N-M (N <= M), no spaces; a
 * trailing newline is allowed (as read from a file); an empty list is an
 * empty set when ALLOW_EMPTY. -1 on anything else. */
static inline int ctr_cpuset_parse(const char *text, bool allow_empty, struct ctr_cpuset *set)
{
	memset(set, 0, sizeof *set);
	const char *p = text;
	if (*p == '\0' || (p[0] == '\n' && p[1] == '\0'))
		return allow_empty ? 0 : -1;
	for (;;) {
		int first = ctr_cpuset_number(&p), last = first;
		if (first < 0)
			return -1;
		if (*p == '-') {
			p++;
			last = ctr_cpuset_number(&p);
			if (last < first)
				return -1;
		}
		for (int cpu = first; cpu <= last; cpu++)
			set->bits[cpu / 64] |= 1ULL << (cpu % 64);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\n')
			p++;
		return *p == '\0' ? 0 : -1;
	}
}

static inline bool ctr_cpuset_has(const struct ctr_cpuset *set, int cpu)
{
	return cpu >= 0 && cpu < CTR_CPUSET_MAX && (set->bits[cpu / 64] >> (cpu % 64) & 1);
}

static inline unsigned ctr_cpuset_count(const struct ctr_cpuset *set)
{
	unsigned n = 0;
	for (size_t i = 0; i < sizeof set->bits / sizeof set->bits[0]; i++)
		n += (unsigned)__builtin_popcountll(set->bits[i]);
	return n;
}

/* The first CPU of A that is not in B, or -1 when A is a subset of B. */
static inline int ctr_cpuset_first_missing(const struct ctr_cpuset *a, const struct ctr_cpuset *b)
{
	for (size_t i = 0; i < sizeof a->bits / sizeof a->bits[0]; i++) {
		uint64_t missing = a->bits[i] & ~b->bits[i];
		if (missing)
			return (int)(i * 64) + __builtin_ctzll(missing);
	}
	return -1;
}

/* Writes the lowest MAX CPUs of the set to IDS, ascending; returns how many. */
static inline size_t ctr_cpuset_first(const struct ctr_cpuset *set, unsigned *ids, size_t max)
{
	size_t n = 0;
	for (int cpu = 0; cpu < CTR_CPUSET_MAX && n < max; cpu++)
		if (ctr_cpuset_has(set, cpu))
			ids[n++] = (unsigned)cpu;
	return n;
}

#endif
