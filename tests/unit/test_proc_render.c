/* The /proc view's generators and cgroup readers, over fixture host files
 * and fake cgroupfs trees (v1 hybrid and v2). Expected texts are written by
 * hand from the kernel's formats: meminfo's show_val_kb() ("%-16s%8lu kB"),
 * stat's "cpu  " / "cpuN" lines, diskstats_show(), swap_show(), loadavg's
 * fixed-point printing. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc_cgroup.h"
#include "ctr/cpuset.h"
#include "proc_cpus.h"
#include "proc_loadavg.h"
#include "proc_render.h"
#include "tap.h"

#define MiB (1024ULL * 1024)

/* ---- fixtures: host files ---- */

static const char host_meminfo[] =
	"MemTotal:        8000000 kB\n"
	"MemFree:         4000000 kB\n"
	"MemAvailable:    6000000 kB\n"
	"Buffers:          100000 kB\n"
	"Cached:          1500000 kB\n"
	"SwapCached:            0 kB\n"
	"Active:          2000000 kB\n"
	"Inactive:        1000000 kB\n"
	"Active(anon):     800000 kB\n"
	"Inactive(anon):   100000 kB\n"
	"Active(file):    1200000 kB\n"
	"Inactive(file):   900000 kB\n"
	"Unevictable:       12000 kB\n"
	"Mlocked:           11000 kB\n"
	"SwapTotal:       2097148 kB\n"
	"SwapFree:        2000000 kB\n"
	"Dirty:              1500 kB\n"
	"Writeback:             0 kB\n"
	"AnonPages:        850000 kB\n"
	"Mapped:           300000 kB\n"
	"Shmem:             50000 kB\n"
	"KReclaimable:      90000 kB\n"
	"Slab:             150000 kB\n"
	"SReclaimable:      90000 kB\n"
	"SUnreclaim:        60000 kB\n"
	"KernelStack:        9000 kB\n"
	"PageTables:        20000 kB\n"
	"CommitLimit:     6097148 kB\n"
	"Committed_AS:    3000000 kB\n"
	"VmallocTotal:   34359738367 kB\n"
	"AnonHugePages:     10240 kB\n"
	"HugePages_Total:       0\n"
	"Hugepagesize:       2048 kB\n";

/* 256 MiB limit, 100 MiB used, memsw 320 MiB (so 64 MiB of swap), 1 MiB
 * swapped; v1 reports no slab, kernel stack or page tables. */
static const char want_meminfo_v1[] =
	"MemTotal:         262144 kB\n"
	"MemFree:          159744 kB\n"
	"MemAvailable:     200704 kB\n"
	"Buffers:               0 kB\n"
	"Cached:            40960 kB\n"
	"SwapCached:            0 kB\n"
	"Active:            81920 kB\n"
	"Inactive:          20480 kB\n"
	"Active(anon):      51200 kB\n"
	"Inactive(anon):    10240 kB\n"
	"Active(file):      30720 kB\n"
	"Inactive(file):    10240 kB\n"
	"Unevictable:           0 kB\n"
	"Mlocked:               0 kB\n"
	"SwapTotal:         65536 kB\n"
	"SwapFree:          64512 kB\n"
	"Dirty:              1024 kB\n"
	"Writeback:             0 kB\n"
	"AnonPages:         61440 kB\n"
	"Mapped:             8192 kB\n"
	"Shmem:              4096 kB\n"
	"KReclaimable:          0 kB\n"
	"Slab:                  0 kB\n"
	"SReclaimable:          0 kB\n"
	"SUnreclaim:            0 kB\n"
	"KernelStack:           0 kB\n"
	"PageTables:            0 kB\n"
	"CommitLimit:     6097148 kB\n"
	"Committed_AS:    3000000 kB\n"
	"VmallocTotal:   34359738367 kB\n"
	"AnonHugePages:      2048 kB\n"
	"HugePages_Total:       0\n"
	"Hugepagesize:       2048 kB\n";

static const char v1_memory_stat[] =
	"cache 1\nrss 1\n"   /* the cgroup's own; the totals below count */
	"hierarchical_memory_limit 268435456\n"
	"hierarchical_memsw_limit 335544320\n"
	"total_cache 41943040\n"
	"total_rss 62914560\n"
	"total_rss_huge 2097152\n"
	"total_shmem 4194304\n"
	"total_mapped_file 8388608\n"
	"total_dirty 1048576\n"
	"total_writeback 0\n"
	"total_swap 1048576\n"
	"total_swapcached 0\n"
	"total_inactive_anon 10485760\n"
	"total_active_anon 52428800\n"
	"total_inactive_file 10485760\n"
	"total_active_file 31457280\n"
	"total_unevictable 0\n";

static const char host_cpuinfo[] =
	"processor\t: 0\nvendor_id\t: TestVendor\ncore id\t\t: 0\n\n"
	"processor\t: 1\nvendor_id\t: TestVendor\ncore id\t\t: 1\n\n"
	"processor\t: 2\nvendor_id\t: TestVendor\ncore id\t\t: 2\n\n"
	"processor\t: 3\nvendor_id\t: TestVendor\ncore id\t\t: 3\n\n";

static const char host_stat[] =
	"cpu  1000 10 500 8000 100 0 20 0 0 0\n"
	"cpu0 400 5 200 4100 50 0 10 0 0 0\n"
	"cpu1 600 5 300 3900 50 0 10 0 0 0\n"
	"intr 12345 0 0 1\n"
	"ctxt 999\n"
	"btime 1700000000\n"
	"processes 4321\n"
	"procs_running 5\n"
	"procs_blocked 2\n"
	"softirq 100 0 1 2\n";

static const char host_diskstats[] =
	"   7       0 loop0 10 0 80 5 0 0 0 0 0 4 5 0 0 0 0 0 0\n"
	" 254       0 vda 327742 280755 133430444 362753 9112730 7669523 679065376 8498743 0 690172 "
	"9281422 4072587 105 511616688 369337 967917 50588\n"
	" 254       1 vda1 1000 0 8000 10 20 0 160 5 0 10 15 0 0 0 0 0 0\n";

static const char host_swaps[] =
	"Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
	"/dev/vdb                                partition\t2097148\t\t0\t\t-2\n";

/* ---- fake cgroupfs trees ---- */

static char tmp_root[256];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void remove_tmp_root(void)
{
	if (tmp_root[0])
		nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *path_of(const char *rel)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof bufs[0], "%s/%s", tmp_root, rel);
	return b;
}

static void mkdirs(const char *rel)
{
	char p[512];
	snprintf(p, sizeof p, "%s", path_of(rel));
	for (char *s = p + strlen(tmp_root) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

/* Writes text to rel, making its directories. */
static void put(const char *rel, const char *text)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s", rel);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		mkdirs(dir);
	}
	FILE *f = fopen(path_of(rel), "w");
	if (!f) {
		printf("# cannot write fixture %s: %s\n", path_of(rel), strerror(errno));
		return;
	}
	fputs(text, f);
	fclose(f);
}

static const char *str(const struct proc_buf *b)
{
	return proc_buf_str(b);
}

/* ---- tests ---- */

static void test_cpulist(void)
{
	struct ctr_cpuset s;
	TAP_CHECK(ctr_cpuset_parse("0-3,8,10-11\n", true, &s) == 0 && ctr_cpuset_count(&s) == 7 && ctr_cpuset_has(&s, 8) &&
			  !ctr_cpuset_has(&s, 9) && ctr_cpuset_has(&s, 11),
		  "cpulist: 0-3,8,10-11 is 7 CPUs");
	TAP_CHECK(ctr_cpuset_parse("\n", true, &s) == 0 && ctr_cpuset_count(&s) == 0, "cpulist: empty list is no CPU");
	TAP_CHECK(ctr_cpuset_parse("5-3", true, &s) < 0, "cpulist: a descending range is refused");
	TAP_CHECK(ctr_cpuset_parse("0-x", true, &s) < 0 && ctr_cpuset_parse("a", true, &s) < 0, "cpulist: garbage is refused");
	TAP_CHECK(ctr_cpuset_parse("99999", true, &s) < 0, "cpulist: a CPU beyond the maximum is refused");
}

static struct proc_mem v1_mem(void)
{
	struct proc_mem m = {.limit = 256 * MiB, .usage = 100 * MiB, .swap_limit = 64 * MiB, .swap_usage = 1 * MiB};
	for (int i = 0; i < PROC_MS_COUNT; i++)
		m.stat[i] = PROC_NONE;
	m.stat[PROC_MS_ANON] = 60 * MiB;
	m.stat[PROC_MS_FILE] = 40 * MiB;
	m.stat[PROC_MS_SHMEM] = 4 * MiB;
	m.stat[PROC_MS_MAPPED] = 8 * MiB;
	m.stat[PROC_MS_DIRTY] = 1 * MiB;
	m.stat[PROC_MS_WRITEBACK] = 0;
	m.stat[PROC_MS_SWAPCACHED] = 0;
	m.stat[PROC_MS_ANON_THP] = 2 * MiB;
	m.stat[PROC_MS_ACTIVE_ANON] = 50 * MiB;
	m.stat[PROC_MS_INACTIVE_ANON] = 10 * MiB;
	m.stat[PROC_MS_ACTIVE_FILE] = 30 * MiB;
	m.stat[PROC_MS_INACTIVE_FILE] = 10 * MiB;
	m.stat[PROC_MS_UNEVICTABLE] = 0;
	return m;
}

static void test_meminfo(void)
{
	struct proc_buf out = {0};
	proc_render_meminfo(&out, host_meminfo, NULL);
	TAP_STR_EQ(str(&out), host_meminfo, "meminfo: no cgroup values: the host's text");

	struct proc_mem m = v1_mem();
	proc_buf_reset(&out);
	proc_render_meminfo(&out, host_meminfo, &m);
	TAP_STR_EQ(str(&out), want_meminfo_v1, "meminfo: 256 MiB limit, 64 MiB swap (v1 values)");

	m.limit = 16000000ULL * 1024;   /* twice the host's RAM */
	m.swap_limit = PROC_NONE;
	proc_buf_reset(&out);
	proc_render_meminfo(&out, host_meminfo, &m);
	TAP_STR_EQ(str(&out), host_meminfo, "meminfo: a limit above the host's RAM: the host's text");

	m.limit = PROC_NONE;
	m.swap_limit = 0;   /* docker's --memory-swap equal to --memory */
	proc_buf_reset(&out);
	proc_render_meminfo(&out, host_meminfo, &m);
	TAP_CHECK(strstr(str(&out), "\nMemTotal:        8000000 kB\n") == NULL &&
			  strstr(str(&out), "MemTotal:        8000000 kB\n") == str(&out) &&
			  strstr(str(&out), "\nSwapTotal:             0 kB\nSwapFree:              0 kB\n"),
		  "meminfo: swap limit alone: host memory lines, SwapTotal 0");
	proc_buf_free(&out);
}

static void test_cpuinfo(void)
{
	struct proc_buf out = {0};
	proc_render_cpuinfo(&out, host_cpuinfo, NULL, 0);
	TAP_STR_EQ(str(&out), host_cpuinfo, "cpuinfo: no CPU limit: the host's text");
	unsigned ids[] = {1, 3};
	proc_buf_reset(&out);
	proc_render_cpuinfo(&out, host_cpuinfo, ids, 2);
	TAP_STR_EQ(str(&out),
		   "processor\t: 0\nvendor_id\t: TestVendor\ncore id\t\t: 1\n\n"
		   "processor\t: 1\nvendor_id\t: TestVendor\ncore id\t\t: 3\n\n",
		   "cpuinfo: host CPUs 1 and 3 shown as processors 0 and 1");
	proc_buf_free(&out);
}

static void test_stat(void)
{
	struct proc_buf out = {0};
	struct proc_stat_view none = {.clk_tck = 100, .running = -1, .blocked = -1};
	proc_render_stat(&out, host_stat, &none);
	TAP_STR_EQ(str(&out), host_stat, "stat: no limits: the host's text");

	unsigned ids[] = {1};
	uint64_t user[] = {2500000000ULL}, sys[] = {1000000000ULL};
	struct proc_stat_view v = {.ncpus = 1, .host_cpu = ids, .user_ns = user, .system_ns = sys,
				   .clk_tck = 100, .running = 1, .blocked = 0, .btime_shift = 1000};
	proc_buf_reset(&out);
	proc_render_stat(&out, host_stat, &v);
	/* idle = host cpu1's elapsed 600+5+300+3900+50+0+10+0 = 4865, minus 250 + 100 */
	TAP_STR_EQ(str(&out),
		   "cpu  250 0 100 4515 0 0 0 0 0 0\n"
		   "cpu0 250 0 100 4515 0 0 0 0 0 0\n"
		   "intr 12345 0 0 1\n"
		   "ctxt 999\n"
		   "btime 1700001000\n"
		   "processes 4321\n"
		   "procs_running 1\n"
		   "procs_blocked 0\n"
		   "softirq 100 0 1 2\n",
		   "stat: one CPU with the container's time, its tasks, shifted btime");

	struct proc_stat_view hostlines = {.ncpus = 1, .host_cpu = ids, .clk_tck = 100, .running = -1, .blocked = -1};
	proc_buf_reset(&out);
	proc_render_stat(&out, host_stat, &hostlines);
	TAP_STR_EQ(str(&out),
		   "cpu  600 5 300 3900 50 0 10 0 0 0\n"
		   "cpu0 600 5 300 3900 50 0 10 0 0 0\n"
		   "intr 12345 0 0 1\n"
		   "ctxt 999\n"
		   "btime 1700000000\n"
		   "processes 4321\n"
		   "procs_running 5\n"
		   "procs_blocked 2\n"
		   "softirq 100 0 1 2\n",
		   "stat: CPU time accounted at the root: host CPU 1's line as cpu0");
	proc_buf_free(&out);
}

static void test_loadavg(void)
{
	struct proc_buf out = {0};
	unsigned long avg[3] = {2048, 1024, 0};
	proc_render_loadavg(&out, avg, 1, 5, 42);
	TAP_STR_EQ(str(&out), "1.00 0.50 0.00 1/5 42\n", "loadavg: fixed point 1.0, 0.5, 0 printed as the kernel does");

	/* One 5 s sample with one runnable task: 1 - exp(-5/60) = 0.08 */
	unsigned long a[3] = {0};
	proc_loadavg_step(a, 1);
	proc_buf_reset(&out);
	proc_render_loadavg(&out, a, 1, 1, 1);
	TAP_STR_EQ(str(&out), "0.08 0.02 0.01 1/1 1\n", "loadavg: one sample of one task (the kernel rounds up while rising)");
	/* 10 minutes of two busy tasks: the 1-minute average is at 2 */
	for (int i = 0; i < 120; i++)
		proc_loadavg_step(a, 2);
	TAP_CHECK(a[0] >= 2 * 2048 - 20 && a[0] <= 2 * 2048 && a[1] < a[0] && a[2] < a[1],
		  "loadavg: 10 minutes of 2 tasks: 1-min near 2.00 (%lu/2048), 5 and 15-min lower", a[0]);
	for (int i = 0; i < 120; i++)
		proc_loadavg_step(a, 0);
	TAP_CHECK(a[0] < 20 && a[2] > a[0], "loadavg: 10 idle minutes bring the 1-min average near 0, the 15-min lags");
	proc_buf_free(&out);
}

static void test_swaps(void)
{
	struct proc_buf out = {0};
	proc_render_swaps(&out, host_swaps, NULL);
	TAP_STR_EQ(str(&out), host_swaps, "swaps: no cgroup: the host's text");
	struct proc_mem m = v1_mem();
	proc_buf_reset(&out);
	proc_render_swaps(&out, host_swaps, &m);
	TAP_STR_EQ(str(&out),
		   "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
		   "none                                    partition\t65536\t\t1024\t\t-2\n",
		   "swaps: 64 MiB swap limit, 1 MiB used: one entry in swap_show()'s layout");
	m.swap_limit = 0;
	proc_buf_reset(&out);
	proc_render_swaps(&out, host_swaps, &m);
	TAP_STR_EQ(str(&out), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n",
		   "swaps: no swap allowed: the header only");
	m.swap_limit = PROC_NONE;
	proc_buf_reset(&out);
	proc_render_swaps(&out, host_swaps, &m);
	TAP_STR_EQ(str(&out), host_swaps, "swaps: no swap limit: the host's text");
	proc_buf_free(&out);
}

static void test_diskstats(void)
{
	struct proc_buf out = {0};
	proc_render_diskstats(&out, host_diskstats, NULL);
	TAP_STR_EQ(str(&out), host_diskstats, "diskstats: no io cgroup: the host's text");
	struct proc_io_dev devs[] = {
		{.major = 7, .minor = 0},
		{.major = 254, .minor = 0, .rbytes = 40960, .wbytes = 8192, .rios = 10, .wios = 5},
	};
	struct proc_io io = {.n = 2, .devs = devs};
	proc_buf_reset(&out);
	proc_render_diskstats(&out, host_diskstats, &io);
	TAP_STR_EQ(str(&out), " 254       0 vda 10 0 80 0 5 0 16 0 0 0 0 0 0 0 0 0 0\n",
		   "diskstats: only the device the cgroup did I/O on, with its counts");
	proc_buf_free(&out);
}

static void test_cpu_online(void)
{
	struct proc_buf out = {0};
	proc_render_cpu_online(&out, "0-7\n", 0);
	TAP_STR_EQ(str(&out), "0-7\n", "cpu-online: no limit: the host's");
	proc_buf_reset(&out);
	proc_render_cpu_online(&out, "0-7\n", 1);
	TAP_STR_EQ(str(&out), "0\n", "cpu-online: one CPU is \"0\"");
	proc_buf_reset(&out);
	proc_render_cpu_online(&out, "0-7\n", 3);
	TAP_STR_EQ(str(&out), "0-2\n", "cpu-online: three CPUs are \"0-2\"");
	proc_buf_free(&out);
}

static void test_cpus(void)
{
	struct ctr_cpuset online;
	ctr_cpuset_parse("0-3", true, &online);
	unsigned ids[CTR_CPUSET_MAX];
	struct proc_cpu c = {0};
	TAP_CHECK(proc_cpus_visible(&online, &c, ids) == 0, "cpus: no cpuset, no quota: the host's CPUs");
	c.has_cpuset = true;
	ctr_cpuset_parse("2-3", true, &c.cpuset);
	TAP_CHECK(proc_cpus_visible(&online, &c, ids) == 2 && ids[0] == 2 && ids[1] == 3, "cpus: cpuset 2-3");
	c.quota_cpus = 1;
	TAP_CHECK(proc_cpus_visible(&online, &c, ids) == 1 && ids[0] == 2, "cpus: cpuset 2-3 with a 1-CPU quota: CPU 2");
	c.has_cpuset = false;
	c.quota_cpus = 8;
	TAP_CHECK(proc_cpus_visible(&online, &c, ids) == 0, "cpus: a quota above the CPU count: the host's CPUs");
	c.quota_cpus = 3;
	TAP_CHECK(proc_cpus_visible(&online, &c, ids) == 3 && ids[2] == 2, "cpus: quota of 2.5 CPUs shows 3");

	uint64_t pu[4] = {10, 20, 30, 40}, ps[4] = {1, 2, 3, 4};
	struct proc_cpu acct = {.has_cpuset = true, .npercpu = 4, .percpu_user = pu, .percpu_system = ps,
				.has_total = true, .user = 100, .system = 10};
	ctr_cpuset_parse("1,3", true, &acct.cpuset);
	unsigned shown[] = {1, 3};
	uint64_t u[2], s[2];
	proc_cpus_usage(&online, &acct, shown, 2, u, s);
	TAP_CHECK(u[0] == 20 && u[1] == 40 && s[0] == 2 && s[1] == 4, "cpus: per-CPU time of each shown CPU");
	proc_cpus_usage(&online, &acct, shown, 1, u, s);
	TAP_CHECK(u[0] == 100 && s[0] == 10, "cpus: quota narrower than the cpuset: the total on the shown CPU");
}

static void make_v1_tree(void)
{
	/* hybrid: v1 hierarchies, cpu and cpuacct co-mounted, v2 holds hugetlb only */
	put("v1/unified/cgroup.controllers", "hugetlb\n");
	put("v1/memory/cgroup.procs", "");
	put("v1/memory/ctr/memory.limit_in_bytes", "268435456\n");
	put("v1/memory/ctr/memory.usage_in_bytes", "104857600\n");
	put("v1/memory/ctr/memory.memsw.limit_in_bytes", "335544320\n");
	put("v1/memory/ctr/memory.memsw.usage_in_bytes", "105906176\n");
	put("v1/memory/ctr/memory.stat", v1_memory_stat);
	put("v1/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
	put("v1/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
	put("v1/cpu,cpuacct/ctr/cpu.cfs_quota_us", "150000\n");
	put("v1/cpu,cpuacct/ctr/cpu.cfs_period_us", "100000\n");
	put("v1/cpu,cpuacct/ctr/cpuacct.usage_all",
	    "cpu user system\n0 5000000000 1000000000\n1 3000000000 2000000000\n2 0 0\n3 0 0\n");
	put("v1/cpuset/ctr/cpuset.effective_cpus", "0-1\n");
	put("v1/pids/ctr/pids.max", "20\n");
	put("v1/pids/ctr/tasks", "101\n102\n");
	put("v1/pids/ctr/sub/tasks", "103\n");
	put("v1/blkio/ctr/blkio.throttle.io_service_bytes_recursive",
	    "254:0 Read 40960\n254:0 Write 8192\n254:0 Sync 0\n254:0 Async 49152\n254:0 Discard 0\n"
	    "254:0 Total 49152\nTotal 49152\n");
	put("v1/blkio/ctr/blkio.throttle.io_serviced_recursive",
	    "254:0 Read 10\n254:0 Write 5\n254:0 Sync 0\n254:0 Async 15\n254:0 Discard 0\n254:0 Total 15\nTotal 15\n");
	put("v1/blkio/ctr/blkio.throttle.read_bps_device", "");
	put("v1/blkio/ctr/blkio.throttle.write_bps_device", "");
}

static void count_task(pid_t tid, void *arg)
{
	int *sum = arg;
	*sum += (int)tid;
}

static void test_cgroup_v1(void)
{
	make_v1_tree();
	struct proc_cgroup cg;
	struct ctr_error err = {0};
	const char *pid_cgroup = "9:name=systemd:/\n8:pids:/ctr\n7:blkio:/ctr\n4:memory:/ctr\n3:cpuset:/ctr\n"
				 "2:cpu,cpuacct:/ctr\n0::/\n";
	int r = proc_cgroup_from_pid_text(&cg, path_of("v1"), pid_cgroup, &err);
	TAP_CHECK(r == 0, "v1: the cgroups of a /proc/PID/cgroup text are found");
	TAP_STR_EQ(cg.dir[PROC_CG_MEMORY], path_of("v1/memory/ctr"), "v1: memory cgroup");
	TAP_STR_EQ(cg.dir[PROC_CG_CPU], path_of("v1/cpu,cpuacct/ctr"), "v1: cpu in the co-mounted cpu,cpuacct");
	TAP_STR_EQ(cg.dir[PROC_CG_CPUACCT], path_of("v1/cpu,cpuacct/ctr"), "v1: cpuacct in the co-mounted cpu,cpuacct");
	TAP_CHECK(!cg.v2[PROC_CG_MEMORY] && !proc_cgroup_at_top(&cg, PROC_CG_MEMORY), "v1: memory is v1, not the root");

	struct proc_mem m;
	TAP_CHECK(proc_cgroup_read_memory(&cg, &m) == 0, "v1: memory values read");
	TAP_CHECK(m.limit == 256 * MiB && m.usage == 100 * MiB, "v1: limit 256 MiB, usage 100 MiB");
	TAP_CHECK(m.swap_limit == 64 * MiB && m.swap_usage == 1 * MiB, "v1: swap = memsw - memory: 64 MiB, 1 MiB used");
	TAP_CHECK(m.stat[PROC_MS_ANON] == 60 * MiB && m.stat[PROC_MS_FILE] == 40 * MiB &&
			  m.stat[PROC_MS_ACTIVE_FILE] == 30 * MiB && m.stat[PROC_MS_SLAB] == PROC_NONE,
		  "v1: memory.stat's total_* values, no slab in v1");
	struct proc_buf out = {0};
	proc_render_meminfo(&out, host_meminfo, &m);
	TAP_STR_EQ(str(&out), want_meminfo_v1, "v1: meminfo from the fake tree");

	struct proc_cpu c;
	TAP_CHECK(proc_cgroup_read_cpu(&cg, &c) == 0, "v1: cpu values read");
	TAP_CHECK(c.has_cpuset && ctr_cpuset_count(&c.cpuset) == 2, "v1: cpuset 0-1");
	TAP_CHECK(c.quota_cpus == 2, "v1: quota 150000/100000 is 2 CPUs");
	TAP_CHECK(c.npercpu == 4 && c.percpu_user[0] == 5000000000ULL && c.percpu_system[1] == 2000000000ULL &&
			  c.user == 8000000000ULL && c.system == 3000000000ULL,
		  "v1: per-CPU time from cpuacct.usage_all, and its sums");
	proc_cpu_free(&c);

	struct proc_io io;
	TAP_CHECK(proc_cgroup_read_io(&cg, &io) == 0 && io.n == 1 && io.devs[0].rbytes == 40960 &&
			  io.devs[0].wbytes == 8192 && io.devs[0].rios == 10 && io.devs[0].wios == 5,
		  "v1: blkio throttle counters per device");
	proc_io_free(&io);
	TAP_CHECK(proc_cgroup_has_pids_or_io_limit(&cg), "v1: pids.max 20 is a limit");

	bool v2;
	const char *td = proc_cgroup_task_dir(&cg, &v2);
	TAP_STR_EQ(td, path_of("v1/pids/ctr"), "v1: tasks are listed in the pids cgroup");
	int sum = 0;
	TAP_CHECK(td && proc_cgroup_for_each_task(td, v2, count_task, &sum) == 0 && sum == 101 + 102 + 103,
		  "v1: tasks of the cgroup and of its child");

	/* The cgroup goes away: host values, not errors. */
	remove(path_of("v1/memory/ctr/memory.usage_in_bytes"));
	TAP_CHECK(proc_cgroup_read_memory(&cg, &m) < 0, "v1: a vanished memory cgroup reads as none (host values)");
	proc_cgroup_free(&cg);

	r = proc_cgroup_from_path(&cg, path_of("v1"), path_of("v1/memory/ctr"), &err);
	TAP_CHECK(r == 0 && cg.dir[PROC_CG_PIDS] && strcmp(cg.dir[PROC_CG_PIDS], path_of("v1/pids/ctr")) == 0 &&
			  cg.dir[PROC_CG_CPUSET] && strcmp(cg.dir[PROC_CG_CPUSET], path_of("v1/cpuset/ctr")) == 0,
		  "v1 --cgroup: the same path below every controller (%s)", r ? err.msg : "ok");
	proc_cgroup_free(&cg);

	r = proc_cgroup_from_path(&cg, path_of("v1"), "/tmp", &err);
	TAP_CHECK(r < 0 && strstr(err.msg, "/tmp") && strstr(err.msg, "not under"),
		  "v1 --cgroup outside the cgroupfs is refused: %s", err.msg);
	r = proc_cgroup_from_path(&cg, path_of("v1"), path_of("v1/memory/nope"), &err);
	TAP_CHECK(r < 0 && strstr(err.msg, "nope"), "v1 --cgroup that does not exist is refused: %s", err.msg);
	proc_buf_free(&out);
}

static void test_cgroup_v2(void)
{
	put("v2/cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
	put("v2/parent/memory.max", "134217728\n");
	put("v2/parent/cpu.max", "max 100000\n");
	put("v2/parent/ctr/memory.max", "268435456\n");
	put("v2/parent/ctr/memory.current", "52428800\n");
	put("v2/parent/ctr/memory.swap.max", "max\n");
	put("v2/parent/ctr/memory.swap.current", "0\n");
	put("v2/parent/ctr/memory.stat",
	    "anon 20971520\nfile 31457280\nkernel 1048576\nkernel_stack 262144\npagetables 524288\n"
	    "shmem 1048576\nfile_mapped 2097152\nfile_dirty 4096\nfile_writeback 0\nswapcached 0\n"
	    "anon_thp 0\nfile_thp 0\nshmem_thp 0\ninactive_anon 10485760\nactive_anon 11534336\n"
	    "inactive_file 20971520\nactive_file 10485760\nunevictable 0\nslab_reclaimable 524288\n"
	    "slab_unreclaimable 262144\nslab 786432\n");
	put("v2/parent/ctr/cpu.max", "50000 100000\n");
	put("v2/parent/ctr/cpu.stat", "usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\n");
	put("v2/parent/ctr/cpuset.cpus.effective", "0-3\n");
	put("v2/parent/ctr/io.stat", "254:0 rbytes=4096 wbytes=1024 rios=2 wios=1 dbytes=0 dios=0\n"
				     "7:0 rbytes=0 wbytes=0 rios=0 wios=0 dbytes=0 dios=0\n");
	put("v2/parent/ctr/io.max", "");
	put("v2/parent/ctr/pids.max", "max\n");
	put("v2/parent/ctr/cgroup.threads", "201\n202\n");
	put("v2/parent/ctr/inner/cgroup.threads", "203\n");

	struct proc_cgroup cg;
	struct ctr_error err = {0};
	int r = proc_cgroup_from_pid_text(&cg, path_of("v2"), "0::/parent/ctr\n", &err);
	TAP_CHECK(r == 0 && cg.dir[PROC_CG_MEMORY] && cg.v2[PROC_CG_MEMORY] &&
			  strcmp(cg.dir[PROC_CG_MEMORY], path_of("v2/parent/ctr")) == 0,
		  "v2: the unified cgroup holds every controller");
	struct proc_mem m;
	TAP_CHECK(proc_cgroup_read_memory(&cg, &m) == 0, "v2: memory values read");
	TAP_CHECK(m.limit == 128 * MiB, "v2: the parent's lower memory.max wins (128 MiB)");
	TAP_CHECK(m.usage == 50 * MiB && m.swap_limit == PROC_NONE && m.swap_usage == 0, "v2: usage, no swap limit");
	TAP_CHECK(m.stat[PROC_MS_SLAB] == 786432 && m.stat[PROC_MS_KERNEL_STACK] == 262144 &&
			  m.stat[PROC_MS_FILE] == 31457280,
		  "v2: memory.stat's keys, slab and kernel stack included");

	struct proc_buf out = {0};
	proc_render_meminfo(&out, host_meminfo, &m);
	/* free = 128 MiB - 50 MiB = 79872 kB; available adds active+inactive file
	 * (30720 kB) and reclaimable slab (512 kB) */
	TAP_CHECK(strstr(str(&out), "MemTotal:         131072 kB\nMemFree:           79872 kB\n"
				    "MemAvailable:     111104 kB\n") != NULL &&
			  strstr(str(&out), "\nSlab:                768 kB\nSReclaimable:        512 kB\n"
					    "SUnreclaim:          256 kB\nKernelStack:         256 kB\n"
					    "PageTables:          512 kB\n") != NULL &&
			  strstr(str(&out), "\nSwapTotal:       2097148 kB\n") != NULL,
		  "v2: meminfo with slab, kernel stack and page tables from memory.stat, host swap");

	struct proc_cpu c;
	TAP_CHECK(proc_cgroup_read_cpu(&cg, &c) == 0 && c.quota_cpus == 1 && c.has_total && c.npercpu == 0 &&
			  c.user == 2000000000ULL && c.system == 1000000000ULL && ctr_cpuset_count(&c.cpuset) == 4,
		  "v2: cpu.max 0.5 CPU is 1 CPU, totals from cpu.stat, cpuset 0-3");
	proc_cpu_free(&c);

	struct proc_io io;
	TAP_CHECK(proc_cgroup_read_io(&cg, &io) == 0 && io.n == 2 && io.devs[0].major == 254 &&
			  io.devs[0].rbytes == 4096 && io.devs[0].wios == 1,
		  "v2: io.stat per device");
	proc_buf_reset(&out);
	proc_render_diskstats(&out, host_diskstats, &io);
	TAP_STR_EQ(str(&out), " 254       0 vda 2 0 8 0 1 0 2 0 0 0 0 0 0 0 0 0 0\n",
		   "v2: diskstats from io.stat, idle devices left out");
	proc_io_free(&io);
	TAP_CHECK(!proc_cgroup_has_pids_or_io_limit(&cg), "v2: pids.max max and an empty io.max are no limits");

	bool v2;
	const char *td = proc_cgroup_task_dir(&cg, &v2);
	int sum = 0;
	TAP_CHECK(td && v2 && proc_cgroup_for_each_task(td, v2, count_task, &sum) == 0 && sum == 201 + 202 + 203,
		  "v2: threads from cgroup.threads, nested cgroups included");
	proc_cgroup_free(&cg);

	r = proc_cgroup_from_path(&cg, path_of("v2"), path_of("v2/parent/ctr"), &err);
	TAP_CHECK(r == 0 && cg.dir[PROC_CG_CPU] && strcmp(cg.dir[PROC_CG_CPU], path_of("v2/parent/ctr")) == 0,
		  "v2 --cgroup: a v2 directory (%s)", r ? err.msg : "ok");
	proc_cgroup_free(&cg);
	proc_buf_free(&out);
}

int main(void)
{
	snprintf(tmp_root, sizeof tmp_root, "%s/ctr-test-proc.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp_root)) {
		printf("Bail out! cannot make a temp dir: %s\n", strerror(errno));
		return 1;
	}
	atexit(remove_tmp_root);

	test_cpulist();
	test_meminfo();
	test_cpuinfo();
	test_stat();
	test_loadavg();
	test_swaps();
	test_diskstats();
	test_cpu_online();
	test_cpus();
	test_cgroup_v1();
	test_cgroup_v2();
	return tap_done();
}
