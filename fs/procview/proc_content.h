/* What each file of the /proc view holds: the host's file read now, turned
 * into the container's by the generators (proc_render.h) with its cgroup's
 * values read now. */
#ifndef CTR_FS_PROC_CONTENT_H
#define CTR_FS_PROC_CONTENT_H

#include "proc_buf.h"
#include "proc_cgroup.h"
#include "proc_loadavg.h"

enum proc_file {
	PROC_F_MEMINFO,
	PROC_F_CPUINFO,
	PROC_F_STAT,
	PROC_F_LOADAVG,
	PROC_F_SWAPS,
	PROC_F_DISKSTATS,
	PROC_F_CPU_ONLINE,
	PROC_F_COUNT
};

/* File names in the mount, by enum proc_file. */
extern const char *const proc_file_names[PROC_F_COUNT];

struct proc_source {
	struct proc_cgroup cg;
	long long btime_shift;      /* seconds: the container's boot time minus the host's (see below) */
	const char *task_dir;       /* where its tasks are listed; NULL: the whole machine */
	bool task_v2;
	pid_t ns_pid;               /* --pid: its pid namespace holds the container's tasks */
	struct proc_loadavg load;   /* running when task_dir or ns_pid is set */
	long clk_tck;
};

/* btime_shift, read from ns_pid's time namespace offsets until it is known:
 * ctrrun starts the view before the container's init enters its time
 * namespace, so an early read finds none yet. */
long long proc_source_btime_shift(struct proc_source *src);

/* Fills out (emptied first) with the file's current text. Returns 0, or -1
 * when a host file cannot be read or memory runs out. */
int proc_content_make(struct proc_source *src, enum proc_file f, struct proc_buf *out);

#endif
