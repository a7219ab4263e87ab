#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proc_cpulist.h"

#define WORD_BITS (8 * sizeof(unsigned long))

void cpulist_add(struct cpulist *set, unsigned cpu)
{
	if (cpu < PROC_MAX_CPUS)
		set->bits[cpu / WORD_BITS] |= 1UL << (cpu % WORD_BITS);
}

bool cpulist_has(const struct cpulist *set, unsigned cpu)
{
	return cpu < PROC_MAX_CPUS && (set->bits[cpu / WORD_BITS] >> (cpu % WORD_BITS)) & 1;
}

unsigned cpulist_count(const struct cpulist *set)
{
	unsigned n = 0;
	for (size_t i = 0; i < sizeof set->bits / sizeof set->bits[0]; i++)
		n += __builtin_popcountl(set->bits[i]);
	return n;
}

bool cpulist_equal(const struct cpulist *a, const struct cpulist *b)
{
	return memcmp(a->bits, b->bits, sizeof a->bits) == 0;
}

size_t cpulist_first(const struct cpulist *set, unsigned *ids, size_t max)
{
	size_t n = 0;
	for (unsigned cpu = 0; cpu < PROC_MAX_CPUS && n < max; cpu++)
		if (cpulist_has(set, cpu))
			ids[n++] = cpu;
	return n;
}

static int parse_cpu(const char **p, unsigned *out)
{
	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	char *end;
	unsigned long v = strtoul(*p, &end, 10);
	if (errno || v >= PROC_MAX_CPUS)
		return -1;
	*p = end;
	*out = v;
	return 0;
}

int cpulist_parse(struct cpulist *set, const char *text)
{
	memset(set, 0, sizeof *set);
	const char *p = text;
	while (isspace((unsigned char)*p))
		p++;
	while (*p && !isspace((unsigned char)*p)) {
		unsigned lo, hi;
		if (parse_cpu(&p, &lo) < 0)
			return -1;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_cpu(&p, &hi) < 0 || hi < lo)
				return -1;
		}
		for (unsigned c = lo; c <= hi; c++)
			cpulist_add(set, c);
		if (*p == ',')
			p++;
		else if (*p && !isspace((unsigned char)*p))
			return -1;
	}
	while (isspace((unsigned char)*p))
		p++;
	return *p ? -1 : 0;
}
