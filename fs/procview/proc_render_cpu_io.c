/* The /proc view's generators from the container's CPUs, tasks and io
 * accounting: cpuinfo, cpu-online, stat, loadavg and diskstats. Each section
 * below is one file's generator. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc_render.h"

/* /proc/stat for a CPU-limited container: cpu lines for the CPUs it sees,
 * numbered from 0, with its own user and system time and the rest of each
 * host CPU's elapsed time as idle; procs_running and procs_blocked from its
 * tasks; btime shifted into its time namespace. Lines with no per-cgroup
 * source (intr, ctxt, processes, softirq) stay the host's. */

#define MAX_FIELDS 10   /* user nice system idle iowait irq softirq steal guest guest_nice */

/* A "cpu" or "cpuN" line: its values; returns how many, 0 if not one. */
static int cpu_line(const char *line, long *cpu, unsigned long long v[MAX_FIELDS])
{
	if (strncmp(line, "cpu", 3) != 0)
		return 0;
	char *p;
	if (line[3] == ' ') {
		*cpu = -1;
		p = (char *)line + 3;
	} else {
		*cpu = strtol(line + 3, &p, 10);
		if (p == line + 3 || *p != ' ')
			return 0;
	}
	int n = 0;
	while (n < MAX_FIELDS && *p == ' ') {
		char *end;
		v[n] = strtoull(p, &end, 10);
		if (end == p)
			break;
		n++;
		p = end;
	}
	return n;
}

/* The values of host CPU cpu's line; returns how many, 0 when missing. */
static int host_cpu_values(const char *host, unsigned cpu, unsigned long long v[MAX_FIELDS])
{
	long c;
	for (const char *p = host; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		int n = cpu_line(p, &c, v);
		if (n && c == (long)cpu)
			return n;
	}
	return 0;
}

static void put_cpu(struct proc_buf *out, const char *label, const unsigned long long v[MAX_FIELDS], int n)
{
	proc_buf_puts(out, label);
	for (int i = 0; i < n; i++)
		proc_buf_printf(out, " %llu", v[i]);
	proc_buf_puts(out, "\n");
}

static void put_cpu_lines(struct proc_buf *out, const char *host, const struct proc_stat_view *v)
{
	unsigned long long sum[MAX_FIELDS] = {0};
	int nfields = 4;
	unsigned long long (*rows)[MAX_FIELDS] = calloc(v->ncpus, sizeof *rows);
	if (!rows) {
		out->failed = true;
		return;
	}
	/* A tick rate above 1 GHz would make ns_per_tick 0 and the divisions
	 * below undefined (UBSan, tests/fuzz/fuzz_proc_render); USER_HZ is 100
	 * on every kernel, so anything out of range counts as that. */
	long hz = v->clk_tck > 0 && v->clk_tck <= 1000000000L ? v->clk_tck : 100;
	unsigned long long ns_per_tick = 1000000000ULL / (unsigned long long)hz;
	for (size_t i = 0; i < v->ncpus; i++) {
		unsigned long long host_v[MAX_FIELDS] = {0};
		int n = host_cpu_values(host, v->host_cpu[i], host_v);
		nfields = n > nfields ? n : nfields;
		if (!v->user_ns) {
			memcpy(rows[i], host_v, sizeof host_v);
		} else {
			/* elapsed: every field but guest and guest_nice (in user and nice) */
			unsigned long long elapsed = 0;
			for (int f = 0; f < n && f < 8; f++)
				elapsed += host_v[f];
			unsigned long long user = v->user_ns[i] / ns_per_tick, system = v->system_ns[i] / ns_per_tick;
			rows[i][0] = user;
			rows[i][2] = system;
			rows[i][3] = elapsed > user + system ? elapsed - user - system : 0;
		}
		for (int f = 0; f < MAX_FIELDS; f++)
			sum[f] += rows[i][f];
	}
	put_cpu(out, "cpu ", sum, nfields);
	for (size_t i = 0; i < v->ncpus; i++) {
		char label[32];
		snprintf(label, sizeof label, "cpu%zu", i);
		put_cpu(out, label, rows[i], nfields);
	}
	free(rows);
}

void proc_render_stat(struct proc_buf *out, const char *host, const struct proc_stat_view *v)
{
	bool cpus_done = false;
	for (const char *p = host; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p + 1) : strlen(p);
		unsigned long long vals[MAX_FIELDS];
		long cpu;
		if (v->ncpus && cpu_line(p, &cpu, vals)) {
			if (!cpus_done)
				put_cpu_lines(out, host, v);
			cpus_done = true;
		} else if (v->btime_shift && strncmp(p, "btime ", 6) == 0) {
			/* The text is parsed, not trusted: a btime near the type's
			 * limit must saturate, not overflow (UBSan, found by
			 * tests/fuzz/fuzz_proc_render). */
			long long btime = strtoll(p + 6, NULL, 10), shifted;
			if (__builtin_add_overflow(btime, v->btime_shift, &shifted))
				shifted = v->btime_shift > 0 ? LLONG_MAX : LLONG_MIN;
			proc_buf_printf(out, "btime %lld\n", shifted);
		} else if (v->running >= 0 && strncmp(p, "procs_running ", 14) == 0) {
			proc_buf_printf(out, "procs_running %ld\n", v->running);
		} else if (v->blocked >= 0 && strncmp(p, "procs_blocked ", 14) == 0) {
			proc_buf_printf(out, "procs_blocked %ld\n", v->blocked);
		} else {
			proc_buf_append(out, p, len);
		}
		p += len;
	}
}

/* /proc/cpuinfo showing only the container's CPUs. The host's text is a
 * series of blocks, each starting with a "processor : N" line; the shown
 * blocks keep their text and get the numbers 0..n-1. */

/* When line starts a block ("processor" + blanks + ":"), its number;
 * else -1. *num_at gets where the number starts. */
static long processor_number(const char *line, const char **num_at)
{
	if (strncmp(line, "processor", 9) != 0)
		return -1;
	const char *p = line + 9;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != ':')
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	*num_at = p;
	return strtol(p, NULL, 10);
}

/* The block of host CPU cpu: [*start, *end); false when it is missing. */
static bool find_block(const char *host, unsigned cpu, const char **start, const char **end)
{
	const char *num;
	*start = NULL;
	for (const char *p = host; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		long n = processor_number(p, &num);
		if (n < 0)
			continue;
		if (*start) {
			*end = p;
			return true;
		}
		if (n == (long)cpu)
			*start = p;
	}
	if (*start)
		*end = *start + strlen(*start);
	return *start != NULL;
}

void proc_render_cpuinfo(struct proc_buf *out, const char *host, const unsigned *cpus, size_t n)
{
	if (!cpus) {
		proc_buf_puts(out, host);
		return;
	}
	/* Text before the first block (some architectures print a header). */
	const char *num;
	const char *p = host;
	while (*p && processor_number(p, &num) < 0) {
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	proc_buf_append(out, host, p - host);
	for (size_t i = 0; i < n; i++) {
		const char *start, *end;
		if (!find_block(host, cpus[i], &start, &end))
			continue;
		processor_number(start, &num);
		const char *after = num;
		while (isdigit((unsigned char)*after))
			after++;
		proc_buf_append(out, start, num - start);
		proc_buf_printf(out, "%zu", i);
		proc_buf_append(out, after, end - after);
	}
}

/* /sys/devices/system/cpu/online: the container's CPUs, renumbered from 0
 * like cpuinfo and stat, so glibc's get_nprocs() agrees with them. */

void proc_render_cpu_online(struct proc_buf *out, const char *host, size_t n)
{
	if (n == 0)
		proc_buf_puts(out, host);
	else if (n == 1)
		proc_buf_puts(out, "0\n");
	else
		proc_buf_printf(out, "0-%zu\n", n - 1);
}

/* /proc/loadavg: "1.00 0.50 0.25 2/80 1234", from fixed-point averages the
 * way the kernel prints its own (rounded to hundredths). */

#define FSHIFT 11
#define FIXED_1 (1UL << FSHIFT)

void proc_render_loadavg(struct proc_buf *out, const unsigned long avenrun[3], unsigned running,
			 unsigned total, int last_pid)
{
	unsigned long ip[3], fp[3];
	for (int i = 0; i < 3; i++) {
		unsigned long a = avenrun[i] + FIXED_1 / 200;
		ip[i] = a >> FSHIFT;
		fp[i] = ((a & (FIXED_1 - 1)) * 100) >> FSHIFT;
	}
	proc_buf_printf(out, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%u %d\n", ip[0], fp[0], ip[1], fp[1], ip[2],
			fp[2], running, total, last_pid);
}

/* /proc/diskstats from the container's io (v1 blkio) accounting: the host's
 * lines of the devices it did I/O on, in the kernel's diskstats_show()
 * layout, with the counts the cgroup keeps and zero where it keeps none. */

static const struct proc_io_dev *find_dev(const struct proc_io *io, unsigned major, unsigned minor)
{
	for (size_t i = 0; i < io->n; i++)
		if (io->devs[i].major == major && io->devs[i].minor == minor)
			return &io->devs[i];
	return NULL;
}

void proc_render_diskstats(struct proc_buf *out, const char *host, const struct proc_io *io)
{
	if (!io) {
		proc_buf_puts(out, host);
		return;
	}
	for (const char *p = host; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned major, minor;
		char name[64];
		if (sscanf(p, "%u %u %63s", &major, &minor, name) != 3)
			continue;
		const struct proc_io_dev *d = find_dev(io, major, minor);
		if (!d || (d->rios | d->wios | d->dios | d->rbytes | d->wbytes | d->dbytes) == 0)
			continue;
		proc_buf_printf(out,
				"%4u %7u %s "
				"%llu 0 %llu 0 "
				"%llu 0 %llu 0 "
				"0 0 0 "
				"%llu 0 %llu 0 "
				"0 0\n",
				major, minor, name,
				(unsigned long long)d->rios, (unsigned long long)d->rbytes / 512,
				(unsigned long long)d->wios, (unsigned long long)d->wbytes / 512,
				(unsigned long long)d->dios, (unsigned long long)d->dbytes / 512);
	}
}
