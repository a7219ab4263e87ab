/* Sets of CPU numbers, read from the kernel's list form ("0-3,8,10-11", as in
 * cpuset.cpus and /sys/devices/system/cpu/online). */
#ifndef CTR_FS_PROC_CPULIST_H
#define CTR_FS_PROC_CPULIST_H

#include <stdbool.h>
#include <stddef.h>

#define PROC_MAX_CPUS 8192

struct cpulist {
	unsigned long bits[PROC_MAX_CPUS / (8 * sizeof(unsigned long))];
};

/* Parses a list; surrounding white space is ignored, an empty list is an
 * empty set. Returns 0, or -1 when the text is not a list or names a CPU
 * at or above PROC_MAX_CPUS. */
int cpulist_parse(struct cpulist *set, const char *text);
void cpulist_add(struct cpulist *set, unsigned cpu);
bool cpulist_has(const struct cpulist *set, unsigned cpu);
unsigned cpulist_count(const struct cpulist *set);
bool cpulist_equal(const struct cpulist *a, const struct cpulist *b);
/* Writes the first `max` CPUs of the set, in ascending order, to ids.
 * Returns how many were written. */
size_t cpulist_first(const struct cpulist *set, unsigned *ids, size_t max);

#endif
