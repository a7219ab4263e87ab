#include "proc_cpus.h"

/* The CPUs the container may run on: its cpuset within the online ones. */
static void allowed(const struct ctr_cpuset *online, const struct proc_cpu *cpu, struct ctr_cpuset *out)
{
	*out = *online;
	if (!cpu->has_cpuset)
		return;
	for (size_t i = 0; i < sizeof out->bits / sizeof out->bits[0]; i++)
		out->bits[i] &= cpu->cpuset.bits[i];
}

size_t proc_cpus_visible(const struct ctr_cpuset *online, const struct proc_cpu *cpu, unsigned *ids)
{
	struct ctr_cpuset set;
	allowed(online, cpu, &set);
	unsigned n = ctr_cpuset_count(&set);
	if (n == 0)   /* a cpuset of offline CPUs only: no truth to tell */
		return 0;
	if (cpu->quota_cpus && cpu->quota_cpus < n)
		n = cpu->quota_cpus;
	if (n == ctr_cpuset_count(online))
		return 0;
	return ctr_cpuset_first(&set, ids, n);
}

void proc_cpus_usage(const struct ctr_cpuset *online, const struct proc_cpu *cpu, const unsigned *ids,
		     size_t n, uint64_t *user_ns, uint64_t *system_ns)
{
	struct ctr_cpuset set;
	allowed(online, cpu, &set);
	bool per_cpu = cpu->npercpu > 0 && n == ctr_cpuset_count(&set);
	for (size_t i = 0; i < n; i++) {
		if (per_cpu) {
			user_ns[i] = ids[i] < cpu->npercpu ? cpu->percpu_user[ids[i]] : 0;
			system_ns[i] = ids[i] < cpu->npercpu ? cpu->percpu_system[ids[i]] : 0;
		} else {
			user_ns[i] = cpu->has_total ? cpu->user / n : 0;
			system_ns[i] = cpu->has_total ? cpu->system / n : 0;
		}
	}
}
