/* A container's cgroups: one directory per hierarchy that holds a controller
 * its limits need, nested below the cgroup ctrrun itself runs in. Each
 * controller is used where the host has it: in the cgroup v2 (unified)
 * hierarchy if that has it, else in its cgroup v1 hierarchy; a hybrid host
 * mixes both (e.g. memory in v1, hugetlb in v2).
 *
 * Order of use: ctr_cgroup_check (before anything else is created), then
 * ctr_cgroup_create, ctr_cgroup_add_pid (the container's init, before it
 * execs), and at the end ctr_cgroup_oom_killed and ctr_cgroup_remove.
 * ctr_cgroup_to_json / _from_json carry the directories through state.db
 * to later commands (exec, stop, rm, crash cleanup). */
#ifndef CTRRUN_CGROUPS_H
#define CTRRUN_CGROUPS_H

#include <stdbool.h>
#include <sys/types.h>

#include "ctr/error.h"
#include "resource_limits.h"

/* Where cgroupfs is and where the caller runs; tests pass a fake tree. */
struct ctr_cgroup_env {
	const char *root;              /* "/sys/fs/cgroup" */
	const char *self_cgroup_file;  /* "/proc/self/cgroup": the caller's cgroup per hierarchy */
};
#define CTR_CGROUP_ENV_HOST ((struct ctr_cgroup_env){"/sys/fs/cgroup", "/proc/self/cgroup"})

struct ctr_cgroup;

/* Before anything is created: every limit L sets has a controller that the
 * caller can use (a v2 one delegated to it, or a v1 one it can write, i.e.
 * as root), and the limit fits what the parent cgroup allows (cpuset). The
 * error names the limit, says why, and how to get a delegated cgroup. A
 * limit is never dropped silently. ENV NULL: the host. */
int ctr_cgroup_check(const struct ctr_cgroup_env *env, const struct ctr_limits *l, struct ctr_error *err);

/* Creates NAME (e.g. "ctrrun-<12 hex>") below the caller's own cgroup in
 * every hierarchy a limit of L needs, and writes the limits:
 *   memory: v1 memory.limit_in_bytes, memory.memsw.limit_in_bytes;
 *           v2 memory.max, memory.swap.max (swap only: memory_swap - memory).
 *           --memory-swap unset with --memory: docker's default, as much
 *           swap as memory, where the kernel accounts swap.
 *   cpu:    v1 cpu.cfs_period_us, cpu.cfs_quota_us; v2 cpu.max.
 *   cpuset: v1 cpuset.mems (copied from the parent) and cpuset.cpus;
 *           v2 cpuset.cpus.
 *   pids:   pids.max.
 * On v1, a CPU limit also puts the container in its own cpuacct cgroup
 * (where cpuacct is a hierarchy of its own), so its CPU time is counted
 * apart from the host's (the /proc view reads it).
 * On v2 the controllers are enabled in the parent's cgroup.subtree_control.
 * The kernel allows that only for a cgroup without processes; when the
 * parent's only process is the caller itself (as under `systemd-run --scope`),
 * the caller first moves itself into the leaf PARENT/ctrrun.leaf; processes
 * the caller did not start are never moved. Nothing is left behind on
 * failure. ENV NULL: the host. */
int ctr_cgroup_create(const struct ctr_cgroup_env *env, const char *name, const struct ctr_limits *l,
		      struct ctr_cgroup **out, struct ctr_error *err);

/* Also gives the container a cgroup NAME in every other hierarchy the
 * caller is in (each v1 hierarchy, named ones too, and the v2 one), with
 * or without limits: its cgroup namespace is then rooted at cgroups of its
 * own everywhere, never at the caller's. Root's containers get this; a
 * failure is an error naming the directory (remove CG then). ENV NULL:
 * the host. */
int ctr_cgroup_add_hierarchies(const struct ctr_cgroup_env *env, struct ctr_cgroup *cg, const char *name,
			       struct ctr_error *err);

/* Moves PID into each of the container's cgroups (cgroup.procs). */
int ctr_cgroup_add_pid(struct ctr_cgroup *cg, pid_t pid, struct ctr_error *err);

/* True when the kernel's OOM killer killed a process of the container:
 * oom_kill > 0 in v1 memory.oom_control or v2 memory.events. */
bool ctr_cgroup_oom_killed(struct ctr_cgroup *cg);

/* The directories as a JSON object, controller -> absolute directory, e.g.
 * {"memory":"/sys/fs/cgroup/memory/ctrrun-0123456789ab",...}; for
 * container_resources.cgroup in state.db. NULL when out of memory. */
char *ctr_cgroup_to_json(const struct ctr_cgroup *cg);
int ctr_cgroup_from_json(const char *json, struct ctr_cgroup **out, struct ctr_error *err);

/* The directory of one controller ("memory", "cpu", ...), or NULL. */
const char *ctr_cgroup_dir(const struct ctr_cgroup *cg, const char *controller);

/* Removes the directories (and any cgroups the container made below them).
 * With KILL_LEFTOVERS, first SIGKILLs every process still in them and waits
 * up to two seconds for them to go; without it a cgroup still holding a
 * process is an error naming it. A directory that is gone already counts as
 * removed, so a crash cleanup can call this again. */
int ctr_cgroup_remove(struct ctr_cgroup *cg, bool kill_leftovers, struct ctr_error *err);
void ctr_cgroup_free(struct ctr_cgroup *cg);

/* For unit tests over a plain directory tree that imitates cgroupfs: the
 * kernel fills a new cgroup directory with its control files and removes
 * them with it; a test supplies functions that do the same. NULL restores
 * mkdir(path, 0755) and rmdir(path). Both return 0 or -1 with errno set. */
struct ctr_cgroupfs_ops {
	int (*mkdir)(const char *path);
	int (*rmdir)(const char *path);
};
void ctr_cgroupfs_set_ops(const struct ctr_cgroupfs_ops *ops);

#endif
