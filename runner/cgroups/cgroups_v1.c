/* cgroup v1: one hierarchy per controller (or a few sharing one), each with
 * its own files. Only root can normally write them: v1 has no safe
 * delegation to plain users. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroups_internal.h"

int cg_v1_check(enum cg_controller c, const struct cg_place *pl, const struct cg_need *need,
		const struct ctr_limits *l, struct ctr_error *err)
{
	const char *name = cg_controller_names[c];
	if (!cg_writable(pl->parent, NULL))
		return ctr_fail(err, 0,
				"cannot apply %s: the %s controller is in cgroup v1 here, and cgroup %s is not "
				"writable by uid %d; cgroup v1 limits need root (a plain user needs a host with the "
				"controllers in cgroup v2 and a delegated cgroup there: `systemd-run --user --scope "
				"-p Delegate=yes`)",
				need->flag, name, pl->parent, (int)geteuid());
	switch (c) {
	case CG_MEMORY:
		if (!cg_exists(pl->parent, "memory.limit_in_bytes"))
			return ctr_fail(err, 0, "cannot apply %s: cgroup %s has no memory.limit_in_bytes", need->flag,
					pl->parent);
		if (l->memory_swap > 0 && !cg_exists(pl->parent, "memory.memsw.limit_in_bytes"))
			return ctr_fail(err, 0,
					"cannot apply --memory-swap: this kernel does not account swap in cgroup v1 "
					"(no %s/memory.memsw.limit_in_bytes; boot it with swapaccount=1)", pl->parent);
		return 0;
	case CG_CPU:
		if (!cg_exists(pl->parent, "cpu.cfs_quota_us"))
			return ctr_fail(err, 0,
					"cannot apply %s: this kernel has no CPU bandwidth control (no %s/cpu.cfs_quota_us)",
					need->flag, pl->parent);
		return 0;
	case CG_CPUSET:
		return cg_check_cpuset_fits(need->flag, pl->parent,
					    cg_exists(pl->parent, "cpuset.effective_cpus") ? "cpuset.effective_cpus"
											   : "cpuset.cpus",
					    l, err);
	case CG_CPUACCT:
	case CG_PIDS:
	case CG_COUNT:
		break;
	}
	return 0;
}

static int write_memory(const char *dir, const struct ctr_limits *l, struct ctr_error *err)
{
	/* Both files start unlimited; memsw must never be below the limit,
	 * so the limit goes first. */
	if (l->memory > 0 && cg_write_int(dir, "memory.limit_in_bytes", l->memory, err) < 0)
		return -1;
	if (l->memory_swap > 0)
		return cg_write_int(dir, "memory.memsw.limit_in_bytes", l->memory_swap, err);
	/* docker's default: as much swap as memory, where swap is accounted. */
	if (l->memory_swap == 0 && l->memory > 0 && l->memory <= INT64_MAX / 2 &&
	    cg_exists(dir, "memory.memsw.limit_in_bytes"))
		return cg_write_int(dir, "memory.memsw.limit_in_bytes", 2 * l->memory, err);
	return 0;
}

/* A new v1 cpuset is empty, and no process can join it until it has CPUs
 * and memory nodes: the nodes are the parent's, the CPUs the requested. */
static int write_cpuset(const char *parent, const char *dir, const struct ctr_limits *l, struct ctr_error *err)
{
	char path[4096], mems[4096];
	snprintf(path, sizeof path, "%s/cpuset.mems", parent);
	if (cg_read_file(path, mems, sizeof mems) < 0)
		return ctr_fail(err, errno, "cannot read %s", path);
	mems[strcspn(mems, "\n")] = '\0';
	if (cg_write(dir, "cpuset.mems", mems, err) < 0)
		return -1;
	return cg_write(dir, "cpuset.cpus", l->cpuset_cpus, err);
}

int cg_v1_write_limits(enum cg_controller c, const char *parent, const char *dir, const struct ctr_limits *l,
		       struct ctr_error *err)
{
	switch (c) {
	case CG_MEMORY:
		return write_memory(dir, l, err);
	case CG_CPU:
		/* The period first: the quota is checked against it. */
		if (cg_write_int(dir, "cpu.cfs_period_us", l->cpu_period_us, err) < 0)
			return -1;
		return cg_write_int(dir, "cpu.cfs_quota_us", l->cpu_quota_us, err);
	case CG_CPUSET:
		return write_cpuset(parent, dir, l, err);
	case CG_PIDS:
		return cg_write_int(dir, "pids.max", l->pids_limit, err);
	case CG_CPUACCT:
	case CG_COUNT:
		break;
	}
	return 0;
}
