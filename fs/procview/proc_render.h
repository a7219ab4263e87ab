/* The /proc view's generators: pure functions from the host's file text and
 * the container's cgroup values to the text the container reads. Each keeps
 * the kernel's layout (field names, order, widths, units). Given no limit
 * (a NULL or empty cgroup value), each returns the host's text unchanged. */
#ifndef CTR_FS_PROC_RENDER_H
#define CTR_FS_PROC_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "proc_buf.h"
#include "proc_cgroup.h"

/* meminfo: MemTotal is the memory limit when it is below the host's RAM,
 * the rest of the memory lines follow from the cgroup's usage and
 * memory.stat; SwapTotal/SwapFree from the swap limit when it is below the
 * host's swap. Lines with no per-cgroup source keep the host's values. */
void proc_render_meminfo(struct proc_buf *out, const char *host, const struct proc_mem *mem);

/* cpuinfo: the blocks of host CPUs cpus[0..n), renumbered 0..n-1.
 * cpus == NULL: the host's text. */
void proc_render_cpuinfo(struct proc_buf *out, const char *host, const unsigned *cpus, size_t n);

struct proc_stat_view {
	size_t ncpus;              /* 0: the host's cpu lines */
	const unsigned *host_cpu;  /* per shown CPU: the host CPU it stands for */
	const uint64_t *user_ns;   /* per shown CPU: the container's CPU time; */
	const uint64_t *system_ns; /* NULL: the host CPU's own line */
	long clk_tck;              /* USER_HZ, the unit of /proc/stat */
	long running, blocked;     /* procs_running, procs_blocked; -1: the host's */
	long long btime_shift;     /* seconds added to btime */
};
/* stat: cpu lines for the shown CPUs, numbered from 0 (with the container's
 * time: user and system its own, idle the host CPU's elapsed time minus
 * those, the rest 0); intr, ctxt, processes, softirq stay the host's. */
void proc_render_stat(struct proc_buf *out, const char *host, const struct proc_stat_view *v);

/* loadavg from the kernel's fixed-point averages (FSHIFT 11). */
void proc_render_loadavg(struct proc_buf *out, const unsigned long avenrun[3], unsigned running,
			 unsigned total, int last_pid);

/* swaps: with a swap limit below the host's swap, the header and one
 * entry "none" of the container's size and use. */
void proc_render_swaps(struct proc_buf *out, const char *host, const struct proc_mem *mem);

/* diskstats: with io == NULL the host's; else only the host's lines of
 * devices the cgroup did I/O on, with the cgroup's counts (reads, sectors
 * read, writes, sectors written, discards, sectors discarded) and zero in
 * the fields the cgroup does not account (merges, times, in flight). */
void proc_render_diskstats(struct proc_buf *out, const char *host, const struct proc_io *io);

/* /sys/devices/system/cpu/online: "0" or "0-N" for n CPUs; n == 0: host's. */
void proc_render_cpu_online(struct proc_buf *out, const char *host, size_t n);

#endif
