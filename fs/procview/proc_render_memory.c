/* The /proc view's generators from the container's memory cgroup:
 * meminfo and swaps. Each section below is one file's generator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc_render.h"

/* /proc/meminfo for a memory-limited container. The host's text is the
 * template: every line keeps its place, and the lines with a per-cgroup
 * source get the container's value in the kernel's "%-16s%8lu kB" layout. */

#define UNKNOWN PROC_NONE

/* kB of the host's line "NAME:   N kB"; 0 when absent. */
static uint64_t host_kb(const char *host, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = host; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ':')
			return strtoull(p + n + 1, NULL, 10);
	return 0;
}

static uint64_t kb(uint64_t bytes)
{
	return bytes == UNKNOWN ? UNKNOWN : bytes / 1024;
}

static uint64_t sum_kb(uint64_t a, uint64_t b)
{
	return a == UNKNOWN || b == UNKNOWN ? UNKNOWN : a + b;
}

static uint64_t sub_floor(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

struct field {
	const char *name;
	uint64_t kb;   /* UNKNOWN: keep the host's line */
};

/* A container's share of memory the cgroup does not report (v1 has no
 * slab, kernel stack or page-table counts): 0, not the host's figure,
 * which can exceed the whole limit and would show up in free's buff/cache. */
static uint64_t or_zero(uint64_t v)
{
	return v == UNKNOWN ? 0 : v;
}

void proc_render_meminfo(struct proc_buf *out, const char *host, const struct proc_mem *mem)
{
	uint64_t host_total = host_kb(host, "MemTotal");
	uint64_t host_swap = host_kb(host, "SwapTotal");
	bool mem_limited = mem && mem->limit != PROC_NONE && kb(mem->limit) < host_total;
	bool swap_limited = mem && mem->swap_limit != PROC_NONE && kb(mem->swap_limit) < host_swap;
	if (!mem_limited && !swap_limited) {
		proc_buf_puts(out, host);
		return;
	}

	struct field f[40];   /* the memory fields below and the two swap ones */
	size_t nf = 0;
	if (mem_limited) {
		const uint64_t *st = mem->stat;
		uint64_t total = kb(mem->limit);
		uint64_t used = kb(mem->usage < mem->limit ? mem->usage : mem->limit);
		uint64_t free_kb = total - used;
		uint64_t swapcached = kb(st[PROC_MS_SWAPCACHED]);
		uint64_t file = kb(st[PROC_MS_FILE]);
		/* what reclaim could give back: the file LRUs and reclaimable slab */
		uint64_t reclaimable = 0;
		for (int i = PROC_MS_ACTIVE_FILE; i <= PROC_MS_INACTIVE_FILE; i++)
			reclaimable += kb(st[i]) == UNKNOWN ? 0 : kb(st[i]);
		if (kb(st[PROC_MS_SLAB_RECLAIMABLE]) != UNKNOWN)
			reclaimable += kb(st[PROC_MS_SLAB_RECLAIMABLE]);
		uint64_t avail = free_kb + reclaimable < total ? free_kb + reclaimable : total;
		struct field m[] = {
			{"MemTotal", total},
			{"MemFree", free_kb},
			{"MemAvailable", avail},
			/* block-device pages count as file pages in a cgroup */
			{"Buffers", 0},
			{"Cached", file == UNKNOWN ? UNKNOWN : sub_floor(file, swapcached == UNKNOWN ? 0 : swapcached)},
			{"SwapCached", swapcached == UNKNOWN ? 0 : swapcached},
			{"Active", sum_kb(kb(st[PROC_MS_ACTIVE_ANON]), kb(st[PROC_MS_ACTIVE_FILE]))},
			{"Inactive", sum_kb(kb(st[PROC_MS_INACTIVE_ANON]), kb(st[PROC_MS_INACTIVE_FILE]))},
			{"Active(anon)", kb(st[PROC_MS_ACTIVE_ANON])},
			{"Inactive(anon)", kb(st[PROC_MS_INACTIVE_ANON])},
			{"Active(file)", kb(st[PROC_MS_ACTIVE_FILE])},
			{"Inactive(file)", kb(st[PROC_MS_INACTIVE_FILE])},
			{"Unevictable", kb(st[PROC_MS_UNEVICTABLE])},
			{"Mlocked", 0},   /* no cgroup counts it */
			{"Zswap", or_zero(kb(st[PROC_MS_ZSWAP]))},
			{"Zswapped", or_zero(kb(st[PROC_MS_ZSWAPPED]))},
			{"Dirty", kb(st[PROC_MS_DIRTY])},
			{"Writeback", kb(st[PROC_MS_WRITEBACK])},
			{"AnonPages", kb(st[PROC_MS_ANON])},
			{"Mapped", kb(st[PROC_MS_MAPPED])},
			{"Shmem", kb(st[PROC_MS_SHMEM])},
			{"KReclaimable", or_zero(kb(st[PROC_MS_SLAB_RECLAIMABLE]))},
			{"Slab", or_zero(kb(st[PROC_MS_SLAB]))},
			{"SReclaimable", or_zero(kb(st[PROC_MS_SLAB_RECLAIMABLE]))},
			{"SUnreclaim", or_zero(kb(st[PROC_MS_SLAB_UNRECLAIMABLE]))},
			{"KernelStack", or_zero(kb(st[PROC_MS_KERNEL_STACK]))},
			{"PageTables", or_zero(kb(st[PROC_MS_PAGETABLES]))},
			{"SecPageTables", or_zero(kb(st[PROC_MS_SEC_PAGETABLES]))},
			{"Percpu", or_zero(kb(st[PROC_MS_PERCPU]))},
			{"AnonHugePages", kb(st[PROC_MS_ANON_THP])},
			{"ShmemHugePages", or_zero(kb(st[PROC_MS_SHMEM_THP]))},
			{"FileHugePages", or_zero(kb(st[PROC_MS_FILE_THP]))},
		};
		_Static_assert(sizeof m / sizeof m[0] + 2 <= sizeof f / sizeof f[0], "room for every field");
		memcpy(f, m, sizeof m);
		nf = sizeof m / sizeof m[0];
	}
	if (swap_limited) {
		uint64_t total = kb(mem->swap_limit);
		uint64_t used = mem->swap_usage == PROC_NONE ? 0 : kb(mem->swap_usage);
		uint64_t free_kb = sub_floor(total, used);
		uint64_t host_free = host_kb(host, "SwapFree");
		f[nf++] = (struct field){"SwapTotal", total};
		f[nf++] = (struct field){"SwapFree", free_kb < host_free ? free_kb : host_free};
	}

	for (const char *p = host; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p + 1) : strlen(p);
		const char *colon = memchr(p, ':', len);
		const struct field *hit = NULL;
		for (size_t i = 0; colon && i < nf && !hit; i++)
			if (strlen(f[i].name) == (size_t)(colon - p) && strncmp(p, f[i].name, colon - p) == 0 &&
			    f[i].kb != UNKNOWN)
				hit = &f[i];
		if (hit) {
			/* the kernel's show_val_kb(): a 16-wide label, an 8-wide value */
			proc_buf_printf(out, "%-16.*s%8llu kB\n", (int)(colon - p + 1), p,
					(unsigned long long)hit->kb);
		} else {
			proc_buf_append(out, p, len);
		}
		p += len;
	}
}

/* /proc/swaps for a container with a swap limit below the host's swap:
 * the kernel's header and one entry, "none", sized to the limit. */

/* Sum of the Size column (kB) of the host's entries. */
static unsigned long long host_swap_kb(const char *host)
{
	unsigned long long total = 0;
	const char *p = strchr(host, '\n');   /* past the header */
	for (p = p ? p + 1 : NULL; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char name[4096], type[32];
		unsigned long long size;
		if (sscanf(p, "%4095s %31s %llu", name, type, &size) == 3)
			total += size;
	}
	return total;
}

void proc_render_swaps(struct proc_buf *out, const char *host, const struct proc_mem *mem)
{
	unsigned long long host_total = host_swap_kb(host);
	if (!mem || mem->swap_limit == PROC_NONE || mem->swap_limit / 1024 >= host_total) {
		proc_buf_puts(out, host);
		return;
	}
	const char *nl = strchr(host, '\n');
	proc_buf_append(out, host, nl ? (size_t)(nl - host + 1) : strlen(host));
	if (mem->swap_limit / 1024 == 0)
		return;   /* no swap for the container: an empty table, like a host without swap */
	unsigned long long size = mem->swap_limit / 1024;
	unsigned long long used = mem->swap_usage == PROC_NONE ? 0 : mem->swap_usage / 1024;
	used = used < size ? used : size;
	/* swap_show(): the name padded to 40 columns, then type, size, used, priority */
	const char *name = "none";
	proc_buf_printf(out, "%s%*s%s\t%llu\t%s%llu\t%s%d\n", name, (int)(40 - strlen(name)), " ",
			"partition", size, size < 10000000 ? "\t" : "", used, used < 10000000 ? "\t" : "", -2);
}
