/* Fuzzes the /proc view's inputs and generators: the host's file texts
 * (/proc/meminfo, stat, cpuinfo, diskstats, swaps, the online CPU list),
 * /proc/PID/cgroup, and the container's cgroup files (memory.stat, limits
 * and usage, cpu.max or cfs_*, cpuset, cpuacct, io.stat or blkio), read by
 * fs/procview/proc_cgroup.c from a fake cgroupfs and turned into the container's
 * files by fs/procview/proc_render_memory.c and proc_render_cpu_io.c, wired as proc_content.c wires them.
 *
 * The input is NUL-separated texts in the order of enum section below; a
 * missing or empty cgroup text is a missing file. The first is a line of
 * numbers: "V2 BTIME_SHIFT CLK_TCK RUNNING BLOCKED LOAD1 LOAD5 LOAD15
 * NRUN NTOTAL LASTPID" (cgroup v2 tree when V2 is 1, else v1 hybrid).
 * Besides crashes, leaks and UB it checks that no generator gives up on its
 * buffer (which only running out of memory may do). */
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "proc_cgroup.h"
#include "proc_cpus.h"
#include "proc_render.h"
#include "fuzz_util.h"

enum section {
	S_PARAMS, S_MEMINFO, S_STAT, S_CPUINFO, S_DISKSTATS, S_SWAPS, S_ONLINE, S_PID_CGROUP,
	S_MEM_STAT, S_MEM_LIMIT, S_MEM_USAGE, S_SWAP_LIMIT, S_SWAP_USAGE,
	S_CPU_QUOTA, S_CPU_PERIOD, S_CPUSET, S_CPU_USAGE, S_PERCPU_USER, S_PERCPU_SYS,
	S_IO_BYTES, S_IO_COUNT, S_COUNT
};

/* Where each cgroup text goes: "controller dir/file" in the v1 tree, and
 * the file in the v2 cgroup (NULL: v2 has no such file). */
static const struct { const char *v1, *v2; } files[S_COUNT] = {
	[S_MEM_STAT] = {"memory/ctr/c1/memory.stat", "memory.stat"},
	[S_MEM_LIMIT] = {"memory/ctr/c1/memory.limit_in_bytes", "memory.max"},
	[S_MEM_USAGE] = {"memory/ctr/c1/memory.usage_in_bytes", "memory.current"},
	[S_SWAP_LIMIT] = {"memory/ctr/c1/memory.memsw.limit_in_bytes", "memory.swap.max"},
	[S_SWAP_USAGE] = {"memory/ctr/c1/memory.memsw.usage_in_bytes", "memory.swap.current"},
	[S_CPU_QUOTA] = {"cpu/ctr/c1/cpu.cfs_quota_us", "cpu.max"},
	[S_CPU_PERIOD] = {"cpu/ctr/c1/cpu.cfs_period_us", NULL},
	[S_CPUSET] = {"cpuset/ctr/c1/cpuset.effective_cpus", "cpuset.cpus.effective"},
	[S_CPU_USAGE] = {"cpuacct/ctr/c1/cpuacct.usage_all", "cpu.stat"},
	[S_PERCPU_USER] = {"cpuacct/ctr/c1/cpuacct.usage_percpu_user", NULL},
	[S_PERCPU_SYS] = {"cpuacct/ctr/c1/cpuacct.usage_percpu_sys", NULL},
	[S_IO_BYTES] = {"blkio/ctr/c1/blkio.throttle.io_service_bytes_recursive", "io.stat"},
	[S_IO_COUNT] = {"blkio/ctr/c1/blkio.throttle.io_serviced_recursive", NULL},
};

static char v1_root[4200], v2_root[4200];

static void die(const char *what)
{
	fuzz_fail("%s: %s", what, strerror(errno));
}

static void make_dirs(const char *root, const char *rel)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (char *s = path + strlen(root) + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				die(path);
			if (!(*s = c))
				break;
		}
	}
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	if (!text) {
		if (unlink(path) < 0 && errno != ENOENT)
			die(path);
		return;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) < 0 || close(fd) < 0)
		die(path);
}

/* A hybrid v1 tree as on this project's machines (each controller mounted
 * alone, an empty unified hierarchy) and a pure v2 tree, each with the
 * container's cgroup at ctr/c1. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	const char *scratch = fuzz_scratch_dir("proc");
	snprintf(v1_root, sizeof v1_root, "%s/v1", scratch);
	snprintf(v2_root, sizeof v2_root, "%s/v2", scratch);
	if (mkdir(v1_root, 0755) < 0 || mkdir(v2_root, 0755) < 0)
		die("making the fake cgroupfs");
	static const char *const v1_ctrls[] = {"memory", "cpu", "cpuacct", "cpuset", "pids", "blkio"};
	for (size_t i = 0; i < sizeof v1_ctrls / sizeof v1_ctrls[0]; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "%s/ctr/c1", v1_ctrls[i]);
		make_dirs(v1_root, rel);
	}
	make_dirs(v1_root, "unified");
	put(v1_root, "unified/cgroup.controllers", "");
	make_dirs(v2_root, "ctr/c1");
	put(v2_root, "cgroup.controllers", "cpuset cpu io memory pids\n");
	put(v2_root, "ctr/cgroup.controllers", "cpuset cpu io memory pids\n");
	return 0;
}

/* The container's cgroups: from the /proc/PID/cgroup text when it names
 * the fake cgroup, else from the cgroup's path. Paths with ".." would read
 * the machine's files, which is not what this harness is about. */
static void find_cgroup(struct proc_cgroup *cg, const char *root, bool v2, const char *pid_text)
{
	struct ctr_error err;
	bool found = false;
	if (pid_text && proc_cgroup_from_pid_text(cg, root, pid_text, &err) == 0) {
		for (int c = 0; c < PROC_CG_COUNT; c++) {
			if (cg->dir[c] && (strstr(cg->dir[c], "/..") || strncmp(cg->dir[c], root, strlen(root)) != 0)) {
				found = false;
				break;
			}
			found |= cg->dir[c] != NULL;
		}
		if (!found)
			proc_cgroup_free(cg);
	}
	if (!found) {
		char path[4400];
		snprintf(path, sizeof path, "%s/%s", root, v2 ? "ctr/c1" : "memory/ctr/c1");
		if (proc_cgroup_from_path(cg, root, path, &err) < 0)
			die(err.msg);
	}
}

static void check(struct proc_buf *out, const char *what)
{
	if (out->failed)
		fuzz_fail("%s gave up on its buffer", what);
	proc_buf_reset(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_fds_begin();
	char *buf, *s[S_COUNT] = {0};
	size_t n = fuzz_split(data, size, &buf, s, S_COUNT);
	for (size_t i = n; i < S_COUNT; i++)
		s[i] = NULL;
	const char *text[S_COUNT];
	for (int i = 0; i < S_COUNT; i++)
		text[i] = s[i] ? s[i] : "";

	int v2 = 0;
	long long btime_shift = 0;
	long clk_tck = 100, running = -1, blocked = -1;
	unsigned long avg[3] = {0};
	unsigned nrun = 0, ntotal = 0;
	int last_pid = 0;
	sscanf(text[S_PARAMS], "%d %lld %ld %ld %ld %lu %lu %lu %u %u %d", &v2, &btime_shift, &clk_tck, &running,
	       &blocked, &avg[0], &avg[1], &avg[2], &nrun, &ntotal, &last_pid);
	v2 = v2 == 1;

	/* The cgroup files; an empty text is a missing file. */
	const char *root = v2 ? v2_root : v1_root;
	for (int i = S_MEM_STAT; i < S_COUNT; i++) {
		const char *rel = v2 ? files[i].v2 : files[i].v1;
		if (!rel)
			continue;
		char path[256];
		snprintf(path, sizeof path, "%s%s", v2 ? "ctr/c1/" : "", rel);
		put(root, path, s[i] && s[i][0] ? s[i] : NULL);
	}
	struct proc_cgroup cg;
	find_cgroup(&cg, root, v2, s[S_PID_CGROUP]);

	struct proc_buf out = {0};
	struct proc_mem mem;
	bool have_mem = proc_cgroup_read_memory(&cg, &mem) == 0;
	proc_render_meminfo(&out, text[S_MEMINFO], have_mem ? &mem : NULL);
	check(&out, "meminfo");
	proc_render_swaps(&out, text[S_SWAPS], have_mem ? &mem : NULL);
	check(&out, "swaps");

	/* The CPUs the container sees, as proc_content.c's cpu_view_read. */
	static unsigned ids[CTR_CPUSET_MAX];
	struct ctr_cpuset online;
	struct proc_cpu cpu;
	size_t ncpus = 0;
	bool have_cpu = proc_cgroup_read_cpu(&cg, &cpu) == 0;
	if (have_cpu && ctr_cpuset_parse(text[S_ONLINE], true, &online) == 0)
		ncpus = proc_cpus_visible(&online, &cpu, ids);
	proc_render_cpuinfo(&out, text[S_CPUINFO], ncpus ? ids : NULL, ncpus);
	check(&out, "cpuinfo");
	proc_render_cpu_online(&out, text[S_ONLINE], ncpus);
	check(&out, "cpu online");

	struct proc_stat_view sv = {.clk_tck = clk_tck, .running = running, .blocked = blocked,
				    .btime_shift = btime_shift};
	uint64_t *user = NULL, *system = NULL;
	if (ncpus) {
		user = calloc(ncpus, sizeof *user);
		system = calloc(ncpus, sizeof *system);
		if (!user || !system)
			abort();
		sv.ncpus = ncpus;
		sv.host_cpu = ids;
		if (cpu.has_total) {
			proc_cpus_usage(&online, &cpu, ids, ncpus, user, system);
			sv.user_ns = user;
			sv.system_ns = system;
		}
	}
	proc_render_stat(&out, text[S_STAT], &sv);
	check(&out, "stat");
	free(user);
	free(system);
	proc_cpu_free(&cpu);   /* zeroed by the reader even when it fails */

	proc_render_loadavg(&out, avg, nrun, ntotal, last_pid);
	check(&out, "loadavg");

	struct proc_io io;
	bool have_io = proc_cgroup_read_io(&cg, &io) == 0;
	proc_cgroup_has_pids_or_io_limit(&cg);
	proc_render_diskstats(&out, text[S_DISKSTATS], have_io ? &io : NULL);
	check(&out, "diskstats");
	if (have_io)
		proc_io_free(&io);

	proc_buf_free(&out);
	proc_cgroup_free(&cg);
	free(buf);
	fuzz_check_fds();
	return 0;
}
