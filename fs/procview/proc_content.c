/* Which host file and which cgroup values each file of the view is made of,
 * and when the container counts as limited. A container without limits sees
 * the host's text (loadavg aside), so the view is transparent until a limit
 * is set; a cgroup that has gone away reads as "no limits". */
#include <stdlib.h>
#include <string.h>

#include "proc_content.h"
#include "proc_cpus.h"
#include "proc_render.h"

const char *const proc_file_names[PROC_F_COUNT] = {
	[PROC_F_MEMINFO] = "meminfo", [PROC_F_CPUINFO] = "cpuinfo", [PROC_F_STAT] = "stat",
	[PROC_F_LOADAVG] = "loadavg", [PROC_F_SWAPS] = "swaps", [PROC_F_DISKSTATS] = "diskstats",
	[PROC_F_CPU_ONLINE] = "cpu-online",
};

static const char *const host_paths[PROC_F_COUNT] = {
	[PROC_F_MEMINFO] = "/proc/meminfo", [PROC_F_CPUINFO] = "/proc/cpuinfo",
	[PROC_F_STAT] = "/proc/stat", [PROC_F_LOADAVG] = "/proc/loadavg",
	[PROC_F_SWAPS] = "/proc/swaps", [PROC_F_DISKSTATS] = "/proc/diskstats",
	[PROC_F_CPU_ONLINE] = "/sys/devices/system/cpu/online",
};

/* The CPUs the container sees (count 0: all of the host's). */
struct cpu_view {
	struct proc_cpu cpu;
	struct ctr_cpuset online;
	unsigned *ids;
	size_t n;
};

static void cpu_view_read(struct proc_source *src, struct cpu_view *v)
{
	*v = (struct cpu_view){0};
	struct proc_buf online = {0};
	v->ids = malloc(CTR_CPUSET_MAX * sizeof *v->ids);
	if (v->ids && proc_buf_read_file(&online, host_paths[PROC_F_CPU_ONLINE]) == 0 &&
	    ctr_cpuset_parse(proc_buf_str(&online), true, &v->online) == 0 &&
	    proc_cgroup_read_cpu(&src->cg, &v->cpu) == 0)
		v->n = proc_cpus_visible(&v->online, &v->cpu, v->ids);
	proc_buf_free(&online);
}

static void cpu_view_free(struct cpu_view *v)
{
	proc_cpu_free(&v->cpu);
	free(v->ids);
}

static bool memory_limited(const char *host_meminfo, const struct proc_mem *m)
{
	struct proc_buf probe = {0};
	proc_render_meminfo(&probe, host_meminfo, m);
	/* the generator changes nothing unless a limit is below the host's */
	bool r = probe.len != 0 && strcmp(proc_buf_str(&probe), host_meminfo) != 0;
	proc_buf_free(&probe);
	return r;
}

static bool any_limit(struct proc_source *src)
{
	if (proc_cgroup_has_pids_or_io_limit(&src->cg))
		return true;
	struct cpu_view cv;
	cpu_view_read(src, &cv);
	bool cpus = cv.n > 0;
	cpu_view_free(&cv);
	if (cpus)
		return true;
	struct proc_mem m;
	struct proc_buf host = {0};
	bool mem = proc_cgroup_read_memory(&src->cg, &m) == 0 &&
		   proc_buf_read_file(&host, host_paths[PROC_F_MEMINFO]) == 0 &&
		   memory_limited(proc_buf_str(&host), &m);
	proc_buf_free(&host);
	return mem;
}

static void make_stat(struct proc_source *src, const char *host, struct proc_buf *out)
{
	struct cpu_view cv;
	cpu_view_read(src, &cv);
	struct proc_stat_view sv = {.clk_tck = src->clk_tck, .running = -1, .blocked = -1,
				    .btime_shift = proc_source_btime_shift(src)};
	uint64_t *user = NULL, *system = NULL;
	if (cv.n) {
		user = calloc(cv.n, sizeof *user);
		system = calloc(cv.n, sizeof *system);
		if (user && system) {
			sv.ncpus = cv.n;
			sv.host_cpu = cv.ids;
			/* CPU time accounted at the hierarchy's root is the host's:
			 * its own lines say more (nice, iowait, irq, ...) */
			if (cv.cpu.has_total && !proc_cgroup_at_top(&src->cg, PROC_CG_CPUACCT)) {
				proc_cpus_usage(&cv.online, &cv.cpu, cv.ids, cv.n, user, system);
				sv.user_ns = user;
				sv.system_ns = system;
			}
			struct proc_tasks t;
			if (src->task_dir && proc_tasks_count(src->task_dir, src->task_v2, false, &t) == 0) {
				sv.running = t.running;
				sv.blocked = t.blocked;
			}
		}
	}
	proc_render_stat(out, host, &sv);
	free(user);
	free(system);
	cpu_view_free(&cv);
}

static void make_loadavg(struct proc_source *src, const char *host, struct proc_buf *out)
{
	struct proc_tasks t;
	int counted = src->ns_pid > 0 ? proc_tasks_count_pidns(src->ns_pid, true, &t)
		      : src->task_dir ? proc_tasks_count(src->task_dir, src->task_v2, true, &t)
				      : -1;
	if (counted < 0) {
		proc_buf_puts(out, host);
		return;
	}
	unsigned long avg[3];
	proc_loadavg_get(&src->load, avg);
	proc_render_loadavg(out, avg, t.running, t.total, t.last_pid);
}

long long proc_source_btime_shift(struct proc_source *src)
{
	if (src->btime_shift || src->ns_pid <= 0)
		return src->btime_shift;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/timens_offsets", (int)src->ns_pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	char name[32];
	long long sec, nsec;
	while (fscanf(f, "%31s %lld %lld", name, &sec, &nsec) == 3)
		if (strcmp(name, "boottime") == 0)
			src->btime_shift = -sec;  /* a later boot: a negative offset */
	fclose(f);
	return src->btime_shift;
}

int proc_content_make(struct proc_source *src, enum proc_file f, struct proc_buf *out)
{
	struct proc_buf host = {0};
	proc_buf_reset(out);
	if (proc_buf_read_file(&host, host_paths[f]) < 0) {
		proc_buf_free(&host);
		return -1;
	}
	const char *h = proc_buf_str(&host);
	switch (f) {
	case PROC_F_MEMINFO:
	case PROC_F_SWAPS: {
		struct proc_mem m;
		bool have = proc_cgroup_read_memory(&src->cg, &m) == 0;
		if (f == PROC_F_MEMINFO)
			proc_render_meminfo(out, h, have ? &m : NULL);
		else
			proc_render_swaps(out, h, have ? &m : NULL);
		break;
	}
	case PROC_F_CPUINFO:
	case PROC_F_CPU_ONLINE: {
		struct cpu_view cv;
		cpu_view_read(src, &cv);
		if (f == PROC_F_CPUINFO)
			proc_render_cpuinfo(out, h, cv.n ? cv.ids : NULL, cv.n);
		else
			proc_render_cpu_online(out, h, cv.n);
		cpu_view_free(&cv);
		break;
	}
	case PROC_F_STAT:
		make_stat(src, h, out);
		break;
	case PROC_F_LOADAVG:
		make_loadavg(src, h, out);
		break;
	case PROC_F_DISKSTATS: {
		struct proc_io io;
		bool own = any_limit(src) && proc_cgroup_read_io(&src->cg, &io) == 0;
		proc_render_diskstats(out, h, own ? &io : NULL);
		if (own)
			proc_io_free(&io);
		break;
	}
	default:
		break;
	}
	proc_buf_free(&host);
	return out->failed ? -1 : 0;
}
