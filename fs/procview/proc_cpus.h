/* The CPUs a container sees, and its CPU time on each. */
#ifndef CTR_FS_PROC_CPUS_H
#define CTR_FS_PROC_CPUS_H

#include <stddef.h>
#include <stdint.h>

#include "proc_cgroup.h"
#include "ctr/cpuset.h"

/* Which host CPUs the container sees: its cpuset (the online CPUs without
 * one), the first ceil(quota/period) of them with a CPU quota. Writes their
 * numbers to ids (room for CTR_CPUSET_MAX) and returns how many, or 0 when
 * that is every online CPU: then the host's files apply. */
size_t proc_cpus_visible(const struct ctr_cpuset *online, const struct proc_cpu *cpu, unsigned *ids);
/* The container's CPU time per shown CPU: each CPU's own where the cgroup
 * accounts per CPU and every CPU it may run on is shown, else its total
 * split evenly over the shown CPUs. */
void proc_cpus_usage(const struct ctr_cpuset *online, const struct proc_cpu *cpu, const unsigned *ids,
		     size_t n, uint64_t *user_ns, uint64_t *system_ns);

#endif
