/* The container's cgroups as the /proc view needs them: where they are, per
 * controller (cgroup v1 hierarchies, the v2 unified one, or a hybrid of
 * both), and what their limit and accounting files say. The cgroupfs root
 * (normally /sys/fs/cgroup) is a parameter so tests can use a fake tree. */
#ifndef CTR_FS_PROC_CGROUP_H
#define CTR_FS_PROC_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctr/error.h"
#include "ctr/cpuset.h"

#define PROC_CGROUPFS "/sys/fs/cgroup"
/* A limit that is not set, or a value the cgroup does not report. */
#define PROC_NONE UINT64_MAX

enum proc_ctrl {
	PROC_CG_MEMORY,
	PROC_CG_CPU,      /* quota (v1 cpu, v2 cpu) */
	PROC_CG_CPUACCT,  /* CPU time used (v1 cpuacct, v2 cpu.stat) */
	PROC_CG_CPUSET,
	PROC_CG_PIDS,     /* also where the task list is read */
	PROC_CG_IO,       /* v1 blkio, v2 io */
	PROC_CG_COUNT
};

struct proc_cgroup {
	/* The container's cgroup directory per controller, NULL when the
	 * controller is not found; top[] is the root of the hierarchy holding
	 * it (limits are inherited from every directory in between). */
	char *dir[PROC_CG_COUNT];
	char *top[PROC_CG_COUNT];
	bool v2[PROC_CG_COUNT];
};

/* From the text of /proc/PID/cgroup ("ID:CONTROLLERS:PATH" lines; paths as
 * seen from the caller's cgroup namespace). Fails only on unreadable text. */
int proc_cgroup_from_pid_text(struct proc_cgroup *cg, const char *cgroupfs, const char *text,
			      struct ctr_error *err);
/* From a cgroup directory under cgroupfs: a v2 directory, or a v1 one whose
 * path below its hierarchy is then looked up under every controller. Fails
 * when the path is not a directory under cgroupfs. */
int proc_cgroup_from_path(struct proc_cgroup *cg, const char *cgroupfs, const char *path,
			  struct ctr_error *err);
void proc_cgroup_free(struct proc_cgroup *cg);
/* True when the controller's cgroup is its hierarchy's root (the host's). */
bool proc_cgroup_at_top(const struct proc_cgroup *cg, enum proc_ctrl c);

/* memory.stat values, hierarchical, in bytes; PROC_NONE when not reported. */
enum proc_mem_stat {
	PROC_MS_ANON, PROC_MS_FILE, PROC_MS_SHMEM, PROC_MS_MAPPED, PROC_MS_DIRTY,
	PROC_MS_WRITEBACK, PROC_MS_SWAPCACHED, PROC_MS_ANON_THP, PROC_MS_SHMEM_THP,
	PROC_MS_FILE_THP, PROC_MS_ACTIVE_ANON, PROC_MS_INACTIVE_ANON, PROC_MS_ACTIVE_FILE,
	PROC_MS_INACTIVE_FILE, PROC_MS_UNEVICTABLE, PROC_MS_SLAB, PROC_MS_SLAB_RECLAIMABLE,
	PROC_MS_SLAB_UNRECLAIMABLE, PROC_MS_KERNEL_STACK, PROC_MS_PAGETABLES,
	PROC_MS_SEC_PAGETABLES, PROC_MS_PERCPU, PROC_MS_ZSWAP, PROC_MS_ZSWAPPED,
	PROC_MS_COUNT
};

struct proc_mem {
	uint64_t limit;        /* bytes, the lowest on the way to the top; PROC_NONE */
	uint64_t usage;        /* bytes charged, page cache included */
	uint64_t swap_limit;   /* swap alone (v1: memsw limit - memory limit); PROC_NONE */
	uint64_t swap_usage;   /* swap alone; PROC_NONE when not accounted */
	uint64_t stat[PROC_MS_COUNT];
};

struct proc_cpu {
	bool has_cpuset;
	struct ctr_cpuset cpuset;   /* effective CPUs */
	unsigned quota_cpus;     /* ceil(quota / period), lowest on the way up; 0: none */
	/* CPU time in ns: per host CPU where the cgroup reports it (v1
	 * cpuacct), else only the totals (v2 cpu.stat). */
	size_t npercpu;
	uint64_t *percpu_user, *percpu_system;
	bool has_total;
	uint64_t user, system;
};

struct proc_io_dev {
	unsigned major, minor;
	uint64_t rbytes, wbytes, rios, wios, dbytes, dios;
};

struct proc_io {
	size_t n;
	struct proc_io_dev *devs;
};

/* Each reader returns 0, or -1 when the controller is not there or its
 * files cannot be read (the cgroup was removed): the caller then shows the
 * host's values. */
int proc_cgroup_read_memory(const struct proc_cgroup *cg, struct proc_mem *m);
int proc_cgroup_read_cpu(const struct proc_cgroup *cg, struct proc_cpu *c);
void proc_cpu_free(struct proc_cpu *c);
int proc_cgroup_read_io(const struct proc_cgroup *cg, struct proc_io *io);
void proc_io_free(struct proc_io *io);
/* True when a pids limit or an I/O throttle is set on the cgroup. */
bool proc_cgroup_has_pids_or_io_limit(const struct proc_cgroup *cg);

/* Where the container's task list is read: the directory of the first
 * controller (pids, cpu, cpuacct, cpuset, memory, io) whose cgroup is not
 * its hierarchy's root; NULL when every one is the root (the container is
 * the whole machine) or none is known. */
const char *proc_cgroup_task_dir(const struct proc_cgroup *cg, bool *v2);
/* Calls fn for every thread id in dir and the cgroups below it.
 * Returns 0, or -1 when dir cannot be read. */
int proc_cgroup_for_each_task(const char *dir, bool v2, void (*fn)(pid_t tid, void *arg), void *arg);

#endif
