/* Finding the container's cgroup per controller, and reading its limits and
 * accounting. Every reader treats a missing file as "not limited" or "not
 * reported", and a missing cgroup as "show the host": a container whose
 * cgroup is removed while the view is mounted sees host values, not errors. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctr/cgroup_mounts.h"
#include "ctr/cleanup.h"
#include "ctr/fsutil.h"
#include "ctr/proc_pid.h"
#include "proc_buf.h"
#include "proc_cgroup.h"

static const char *const v1_names[PROC_CG_COUNT] = {
	[PROC_CG_MEMORY] = "memory", [PROC_CG_CPU] = "cpu", [PROC_CG_CPUACCT] = "cpuacct",
	[PROC_CG_CPUSET] = "cpuset", [PROC_CG_PIDS] = "pids", [PROC_CG_IO] = "blkio",
};
/* v2 controller that must be enabled for the files read; NULL: core files
 * every v2 cgroup has (cpu.stat, cgroup.threads). */
static const char *const v2_names[PROC_CG_COUNT] = {
	[PROC_CG_MEMORY] = "memory", [PROC_CG_CPU] = "cpu", [PROC_CG_CPUACCT] = NULL,
	[PROC_CG_CPUSET] = "cpuset", [PROC_CG_PIDS] = NULL, [PROC_CG_IO] = "io",
};

static char *join(const char *a, const char *b)
{
	char *s;
	/* "/" below a hierarchy root is the root itself, without a trailing slash. */
	if (strcmp(b, "/") == 0 || *b == '\0')
		return strdup(a);
	if (asprintf(&s, "%s%s%s", a, *b == '/' ? "" : "/", b) < 0)
		return NULL;
	return s;
}

static bool exists_in(const char *dir, const char *name)
{
	char *p = join(dir, name);
	bool r = p && access(p, F_OK) == 0;
	free(p);
	return r;
}

/* A v1 hierarchy is a directory without v2's cgroup.controllers. */
static bool is_v1_hierarchy(const char *dir)
{
	return ctr_is_dir(dir) && !exists_in(dir, "cgroup.controllers");
}

static bool word_in_list(const char *list, const char *word, char sep)
{
	size_t n = strlen(word);
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, sep);
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static bool v2_has_controller(const char *v2top, enum proc_ctrl c)
{
	if (!v2_names[c])
		return true;
	char *p = join(v2top, "cgroup.controllers");
	struct proc_buf b = {0};
	bool r = p && proc_buf_read_file(&b, p) == 0 && word_in_list(proc_buf_str(&b), v2_names[c], ' ');
	proc_buf_free(&b);
	free(p);
	return r;
}

/* Takes dir; out of memory, the controller stays unknown (host values). */
static void set_ctrl(struct proc_cgroup *cg, enum proc_ctrl c, char *dir, const char *top, bool v2)
{
	char *t = strdup(top);
	if (!t) {
		free(dir);
		return;
	}
	cg->dir[c] = dir;
	cg->top[c] = t;
	cg->v2[c] = v2;
}

/* Controllers that no v1 hierarchy holds go to the v2 cgroup at rel. */
static void fill_from_v2(struct proc_cgroup *cg, const bool in_v1[PROC_CG_COUNT], const char *v2top,
			 const char *rel)
{
	for (int c = 0; c < PROC_CG_COUNT; c++) {
		if (in_v1[c] || cg->dir[c] || !v2top || !rel || !v2_has_controller(v2top, c))
			continue;
		char *d = join(v2top, rel);
		if (ctr_is_dir(d))
			set_ctrl(cg, c, d, v2top, true);
		else
			free(d);
	}
}

int proc_cgroup_from_pid_text(struct proc_cgroup *cg, const char *cgroupfs, const char *text,
			      struct ctr_error *err)
{
	*cg = (struct proc_cgroup){0};
	bool pure;
	_cleanup_free_ char *v2top = ctr_cgroup_v2_mount(cgroupfs, &pure);
	_cleanup_free_ char *copy = strdup(text);
	char *rest = copy;
	const char *v2rel = NULL;
	bool in_v1[PROC_CG_COUNT] = {0};
	if (!copy)
		return ctr_fail(err, ENOMEM, "cannot read the cgroup list");
	struct ctr_cgroup_line line;
	while (ctr_cgroup_next_line(&rest, &line)) {
		const char *ctrls = line.controllers, *path = line.path;
		if (*ctrls == '\0') {
			if (strcmp(line.id, "0") == 0)
				v2rel = path;
			continue;
		}
		if (pure)
			continue;
		for (int c = 0; c < PROC_CG_COUNT; c++) {
			if (cg->dir[c] || !word_in_list(ctrls, v1_names[c], ','))
				continue;
			in_v1[c] = true;
			/* "cpu,cpuacct" is mounted under that name, usually with
			 * "cpu" and "cpuacct" symlinks; this machine kind mounts
			 * each alone. */
			const char *names[] = {v1_names[c], ctrls};
			for (int i = 0; i < 2 && !cg->dir[c]; i++) {
				char *top = join(cgroupfs, names[i]);
				char *d = top && is_v1_hierarchy(top) ? join(top, path) : NULL;
				if (ctr_is_dir(d))
					set_ctrl(cg, c, d, top, false);
				else
					free(d);
				free(top);
			}
		}
	}
	fill_from_v2(cg, in_v1, v2top, v2rel);
	return 0;
}

int proc_cgroup_from_path(struct proc_cgroup *cg, const char *cgroupfs, const char *path,
			  struct ctr_error *err)
{
	*cg = (struct proc_cgroup){0};
	_cleanup_free_ char *root = realpath(cgroupfs, NULL);
	if (!root)
		return ctr_fail(err, errno, "cgroup file system %s", cgroupfs);
	_cleanup_free_ char *real = realpath(path, NULL);
	if (!real)
		return ctr_fail(err, errno, "cgroup %s", path);
	size_t n = strlen(root);
	if (strncmp(real, root, n) != 0 || (real[n] != '/' && real[n] != '\0'))
		return ctr_fail(err, 0, "cgroup %s is not under %s", path, cgroupfs);
	if (!ctr_is_dir(real))
		return ctr_fail(err, ENOTDIR, "cgroup %s", path);
	bool pure;
	_cleanup_free_ char *v2top = ctr_cgroup_v2_mount(root, &pure);
	if (pure) {
		bool none_in_v1[PROC_CG_COUNT] = {0};
		fill_from_v2(cg, none_in_v1, v2top, real + n);
	} else if (real[n] == '/') {
		/* ROOT/HIERARCHY/REL: REL is looked up under every controller.
		 * A controller with a v1 hierarchy stays there even when REL is
		 * missing in it: the v2 hierarchy does not hold that controller. */
		const char *rel = strchr(real + n + 1, '/');
		rel = rel ? rel : "";
		bool in_v1[PROC_CG_COUNT] = {0};
		for (int c = 0; c < PROC_CG_COUNT; c++) {
			char *top = join(root, v1_names[c]);
			in_v1[c] = top && is_v1_hierarchy(top);
			char *d = in_v1[c] ? join(top, rel) : NULL;
			if (ctr_is_dir(d))
				set_ctrl(cg, c, d, top, false);
			else
				free(d);
			free(top);
		}
		fill_from_v2(cg, in_v1, v2top, rel);
	}
	bool any = false;
	for (int c = 0; c < PROC_CG_COUNT; c++)
		any |= cg->dir[c] != NULL;
	if (!any) {
		proc_cgroup_free(cg);
		return ctr_fail(err, 0, "cgroup %s: no memory, cpu, cpuset, pids or io controller has it", path);
	}
	return 0;
}

void proc_cgroup_free(struct proc_cgroup *cg)
{
	for (int c = 0; c < PROC_CG_COUNT; c++) {
		free(cg->dir[c]);
		free(cg->top[c]);
	}
	*cg = (struct proc_cgroup){0};
}

bool proc_cgroup_at_top(const struct proc_cgroup *cg, enum proc_ctrl c)
{
	return cg->dir[c] && strcmp(cg->dir[c], cg->top[c]) == 0;
}

/* Reads DIR/NAME into b (emptied first). */
static int read_in(struct proc_buf *b, const char *dir, const char *name)
{
	proc_buf_reset(b);
	char *p = join(dir, name);
	int r = p ? proc_buf_read_file(b, p) : -1;
	free(p);
	return r;
}

/* A number, or "max" / "-1" / a v1 "unlimited" value near 2^63: PROC_NONE. */
static uint64_t parse_value(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	if (strncmp(s, "max", 3) == 0 || *s == '-')
		return PROC_NONE;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return PROC_NONE;
	return v >= (1ULL << 62) ? PROC_NONE : v;
}

static uint64_t read_value(const char *dir, const char *name)
{
	struct proc_buf b = {0};
	uint64_t v = read_in(&b, dir, name) == 0 ? parse_value(proc_buf_str(&b)) : PROC_NONE;
	proc_buf_free(&b);
	return v;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The lowest value of NAME in dir and its ancestors below top (a v2 root
 * has no limit files). */
static uint64_t lowest_up_to_top(const char *dir, const char *top, const char *name)
{
	uint64_t v = PROC_NONE;
	char *d = strdup(dir);
	size_t toplen = strlen(top);
	while (d && strlen(d) > toplen) {
		v = min_u64(v, read_value(d, name));
		*strrchr(d, '/') = '\0';
	}
	free(d);
	return v;
}

/* Value of "KEY VALUE" in a flat keyed file (memory.stat, cpu.stat). */
static uint64_t keyed(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0 && p[n] == ' ')
			return parse_value(p + n + 1);
	return PROC_NONE;
}

static const char *const v1_stat_keys[PROC_MS_COUNT] = {
	[PROC_MS_ANON] = "total_rss", [PROC_MS_FILE] = "total_cache",
	[PROC_MS_SHMEM] = "total_shmem", [PROC_MS_MAPPED] = "total_mapped_file",
	[PROC_MS_DIRTY] = "total_dirty", [PROC_MS_WRITEBACK] = "total_writeback",
	[PROC_MS_SWAPCACHED] = "total_swapcached", [PROC_MS_ANON_THP] = "total_rss_huge",
	[PROC_MS_ACTIVE_ANON] = "total_active_anon", [PROC_MS_INACTIVE_ANON] = "total_inactive_anon",
	[PROC_MS_ACTIVE_FILE] = "total_active_file", [PROC_MS_INACTIVE_FILE] = "total_inactive_file",
	[PROC_MS_UNEVICTABLE] = "total_unevictable",
};
static const char *const v2_stat_keys[PROC_MS_COUNT] = {
	[PROC_MS_ANON] = "anon", [PROC_MS_FILE] = "file", [PROC_MS_SHMEM] = "shmem",
	[PROC_MS_MAPPED] = "file_mapped", [PROC_MS_DIRTY] = "file_dirty",
	[PROC_MS_WRITEBACK] = "file_writeback", [PROC_MS_SWAPCACHED] = "swapcached",
	[PROC_MS_ANON_THP] = "anon_thp", [PROC_MS_SHMEM_THP] = "shmem_thp",
	[PROC_MS_FILE_THP] = "file_thp", [PROC_MS_ACTIVE_ANON] = "active_anon",
	[PROC_MS_INACTIVE_ANON] = "inactive_anon", [PROC_MS_ACTIVE_FILE] = "active_file",
	[PROC_MS_INACTIVE_FILE] = "inactive_file", [PROC_MS_UNEVICTABLE] = "unevictable",
	[PROC_MS_SLAB] = "slab", [PROC_MS_SLAB_RECLAIMABLE] = "slab_reclaimable",
	[PROC_MS_SLAB_UNRECLAIMABLE] = "slab_unreclaimable", [PROC_MS_KERNEL_STACK] = "kernel_stack",
	[PROC_MS_PAGETABLES] = "pagetables", [PROC_MS_SEC_PAGETABLES] = "sec_pagetables",
	[PROC_MS_PERCPU] = "percpu", [PROC_MS_ZSWAP] = "zswap", [PROC_MS_ZSWAPPED] = "zswapped",
};

int proc_cgroup_read_memory(const struct proc_cgroup *cg, struct proc_mem *m)
{
	const char *d = cg->dir[PROC_CG_MEMORY];
	if (!d || proc_cgroup_at_top(cg, PROC_CG_MEMORY))
		return -1;
	struct proc_buf st = {0};
	bool v2 = cg->v2[PROC_CG_MEMORY];
	m->usage = read_value(d, v2 ? "memory.current" : "memory.usage_in_bytes");
	if (m->usage == PROC_NONE || read_in(&st, d, "memory.stat") < 0) {
		proc_buf_free(&st);
		return -1;
	}
	const char *stat = proc_buf_str(&st);
	for (int i = 0; i < PROC_MS_COUNT; i++) {
		const char *key = (v2 ? v2_stat_keys : v1_stat_keys)[i];
		m->stat[i] = key ? keyed(stat, key) : PROC_NONE;
	}
	if (v2) {
		const char *top = cg->top[PROC_CG_MEMORY];
		m->limit = lowest_up_to_top(d, top, "memory.max");
		m->swap_limit = lowest_up_to_top(d, top, "memory.swap.max");
		m->swap_usage = read_value(d, "memory.swap.current");
	} else {
		/* hierarchical_* hold the lowest limit of the cgroup and its ancestors */
		m->limit = min_u64(read_value(d, "memory.limit_in_bytes"), keyed(stat, "hierarchical_memory_limit"));
		uint64_t memsw = min_u64(read_value(d, "memory.memsw.limit_in_bytes"),
					 keyed(stat, "hierarchical_memsw_limit"));
		uint64_t memsw_usage = read_value(d, "memory.memsw.usage_in_bytes");
		if (memsw == PROC_NONE)
			m->swap_limit = PROC_NONE;
		else if (m->limit == PROC_NONE)
			m->swap_limit = memsw;
		else
			m->swap_limit = memsw > m->limit ? memsw - m->limit : 0;
		m->swap_usage = memsw_usage == PROC_NONE ? PROC_NONE
				: memsw_usage > m->usage ? memsw_usage - m->usage : 0;
	}
	proc_buf_free(&st);
	return 0;
}

static unsigned ceil_div(uint64_t a, uint64_t b)
{
	uint64_t q = (a + b - 1) / b;
	return q > CTR_CPUSET_MAX ? CTR_CPUSET_MAX : q ? (unsigned)q : 1;
}

/* ceil(quota/period), lowest on the way from dir up to top; 0: no quota. */
static unsigned quota_cpus(const char *dir, const char *top, bool v2)
{
	unsigned best = 0;
	char *d = strdup(dir);
	size_t toplen = strlen(top);
	struct proc_buf b = {0};
	while (d && strlen(d) >= toplen) {
		uint64_t quota = PROC_NONE, period = PROC_NONE;
		if (v2) {
			if (read_in(&b, d, "cpu.max") == 0) {
				const char *s = proc_buf_str(&b);
				quota = parse_value(s);
				const char *sp = strchr(s, ' ');
				period = sp ? parse_value(sp + 1) : PROC_NONE;
			}
		} else {
			quota = read_value(d, "cpu.cfs_quota_us");
			period = read_value(d, "cpu.cfs_period_us");
		}
		if (quota != PROC_NONE && period != PROC_NONE && period > 0) {
			unsigned n = ceil_div(quota, period);
			best = best == 0 || n < best ? n : best;
		}
		if (strlen(d) == toplen)
			break;
		*strrchr(d, '/') = '\0';
	}
	proc_buf_free(&b);
	free(d);
	return best;
}

static int grow_percpu(struct proc_cpu *c, size_t n)
{
	if (n <= c->npercpu)
		return 0;
	uint64_t *u = realloc(c->percpu_user, n * sizeof *u);
	if (!u)
		return -1;
	c->percpu_user = u;
	uint64_t *s = realloc(c->percpu_system, n * sizeof *s);
	if (!s)
		return -1;
	c->percpu_system = s;
	for (size_t i = c->npercpu; i < n; i++)
		u[i] = s[i] = 0;
	c->npercpu = n;
	return 0;
}

/* cpuacct.usage_all: a "cpu user system" header, then "CPU USER_NS SYS_NS". */
static int parse_usage_all(struct proc_cpu *c, const char *text)
{
	const char *p = strchr(text, '\n');
	while (p && *++p) {
		unsigned long cpu;
		unsigned long long u, s;
		if (sscanf(p, "%lu %llu %llu", &cpu, &u, &s) == 3 && cpu < CTR_CPUSET_MAX) {
			if (grow_percpu(c, cpu + 1) < 0)
				return -1;
			c->percpu_user[cpu] = u;
			c->percpu_system[cpu] = s;
		}
		p = strchr(p, '\n');
	}
	return c->npercpu ? 0 : -1;
}

/* cpuacct.usage_percpu_{user,sys}: one line of ns values, CPU 0 first. */
static int parse_percpu_line(struct proc_cpu *c, const char *text, bool system)
{
	size_t cpu = 0;
	for (const char *p = text; *p;) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p)
			break;
		if (grow_percpu(c, cpu + 1) < 0)
			return -1;
		(system ? c->percpu_system : c->percpu_user)[cpu++] = v;
		p = end;
	}
	return cpu ? 0 : -1;
}

static void read_cpu_usage(const struct proc_cgroup *cg, struct proc_cpu *c)
{
	const char *d = cg->dir[PROC_CG_CPUACCT];
	if (!d)
		return;
	struct proc_buf b = {0};
	if (cg->v2[PROC_CG_CPUACCT]) {
		if (read_in(&b, d, "cpu.stat") == 0) {
			uint64_t u = keyed(proc_buf_str(&b), "user_usec");
			uint64_t s = keyed(proc_buf_str(&b), "system_usec");
			if (u != PROC_NONE && s != PROC_NONE) {
				c->has_total = true;
				c->user = u * 1000;
				c->system = s * 1000;
			}
		}
	} else if (read_in(&b, d, "cpuacct.usage_all") == 0 && parse_usage_all(c, proc_buf_str(&b)) == 0) {
		/* per CPU: done below */
	} else if (read_in(&b, d, "cpuacct.usage_percpu_user") == 0 &&
		   parse_percpu_line(c, proc_buf_str(&b), false) == 0 &&
		   read_in(&b, d, "cpuacct.usage_percpu_sys") == 0 &&
		   parse_percpu_line(c, proc_buf_str(&b), true) == 0) {
		/* per CPU: done below */
	} else if (read_in(&b, d, "cpuacct.stat") == 0) {
		uint64_t u = keyed(proc_buf_str(&b), "user"), s = keyed(proc_buf_str(&b), "system");
		long hz = sysconf(_SC_CLK_TCK);
		if (u != PROC_NONE && s != PROC_NONE && hz > 0) {
			c->has_total = true;
			c->user = u * (1000000000ULL / hz);
			c->system = s * (1000000000ULL / hz);
		}
	}
	if (c->npercpu) {
		c->has_total = true;
		c->user = c->system = 0;
		for (size_t i = 0; i < c->npercpu; i++) {
			c->user += c->percpu_user[i];
			c->system += c->percpu_system[i];
		}
	}
	proc_buf_free(&b);
}

int proc_cgroup_read_cpu(const struct proc_cgroup *cg, struct proc_cpu *c)
{
	*c = (struct proc_cpu){0};
	const char *set = cg->dir[PROC_CG_CPUSET];
	struct proc_buf b = {0};
	if (set) {
		bool v2 = cg->v2[PROC_CG_CPUSET];
		if ((read_in(&b, set, v2 ? "cpuset.cpus.effective" : "cpuset.effective_cpus") == 0 ||
		     read_in(&b, set, "cpuset.cpus") == 0) &&
		    ctr_cpuset_parse(proc_buf_str(&b), true, &c->cpuset) == 0 && ctr_cpuset_count(&c->cpuset) > 0)
			c->has_cpuset = true;
	}
	proc_buf_free(&b);
	if (cg->dir[PROC_CG_CPU])
		c->quota_cpus = quota_cpus(cg->dir[PROC_CG_CPU], cg->top[PROC_CG_CPU], cg->v2[PROC_CG_CPU]);
	read_cpu_usage(cg, c);
	return c->has_cpuset || c->quota_cpus || c->has_total ? 0 : -1;
}

void proc_cpu_free(struct proc_cpu *c)
{
	free(c->percpu_user);
	free(c->percpu_system);
	*c = (struct proc_cpu){0};
}

static struct proc_io_dev *io_dev(struct proc_io *io, unsigned major, unsigned minor)
{
	for (size_t i = 0; i < io->n; i++)
		if (io->devs[i].major == major && io->devs[i].minor == minor)
			return &io->devs[i];
	struct proc_io_dev *d = realloc(io->devs, (io->n + 1) * sizeof *d);
	if (!d)
		return NULL;
	io->devs = d;
	d = &io->devs[io->n++];
	*d = (struct proc_io_dev){.major = major, .minor = minor};
	return d;
}

/* v1 blkio: "MAJ:MIN Read N", "MAJ:MIN Write N", "MAJ:MIN Discard N", ... */
static int parse_blkio(struct proc_io *io, const char *text, bool counts)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned major, minor;
		char op[16];
		unsigned long long v;
		if (sscanf(p, "%u:%u %15s %llu", &major, &minor, op, &v) != 4)
			continue;
		uint64_t *field = NULL;
		struct proc_io_dev *d = io_dev(io, major, minor);
		if (!d)
			return -1;
		if (strcmp(op, "Read") == 0)
			field = counts ? &d->rios : &d->rbytes;
		else if (strcmp(op, "Write") == 0)
			field = counts ? &d->wios : &d->wbytes;
		else if (strcmp(op, "Discard") == 0)
			field = counts ? &d->dios : &d->dbytes;
		if (field)
			*field = v;
	}
	return 0;
}

/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". */
static int parse_io_stat(struct proc_io *io, const char *text)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned major, minor;
		int used;
		if (sscanf(p, "%u:%u%n", &major, &minor, &used) != 2)
			continue;
		struct proc_io_dev *d = io_dev(io, major, minor);
		if (!d)
			return -1;
		const char *q = p + used;
		while (*q == ' ') {
			char key[16];
			unsigned long long v;
			int len;
			if (sscanf(q, " %15[a-z_]=%llu%n", key, &v, &len) != 2)
				break;
			q += len;
			if (strcmp(key, "rbytes") == 0)
				d->rbytes = v;
			else if (strcmp(key, "wbytes") == 0)
				d->wbytes = v;
			else if (strcmp(key, "rios") == 0)
				d->rios = v;
			else if (strcmp(key, "wios") == 0)
				d->wios = v;
			else if (strcmp(key, "dbytes") == 0)
				d->dbytes = v;
			else if (strcmp(key, "dios") == 0)
				d->dios = v;
		}
	}
	return 0;
}

int proc_cgroup_read_io(const struct proc_cgroup *cg, struct proc_io *io)
{
	*io = (struct proc_io){0};
	const char *d = cg->dir[PROC_CG_IO];
	if (!d || proc_cgroup_at_top(cg, PROC_CG_IO))
		return -1;
	struct proc_buf b = {0};
	int rc = -1;
	if (cg->v2[PROC_CG_IO]) {
		rc = read_in(&b, d, "io.stat") == 0 ? parse_io_stat(io, proc_buf_str(&b)) : -1;
	} else {
		static const char *const bytes[] = {"blkio.throttle.io_service_bytes_recursive",
						    "blkio.throttle.io_service_bytes"};
		static const char *const ios[] = {"blkio.throttle.io_serviced_recursive",
						  "blkio.throttle.io_serviced"};
		for (int i = 0; i < 2 && rc < 0; i++)
			if (read_in(&b, d, bytes[i]) == 0 && parse_blkio(io, proc_buf_str(&b), false) == 0 &&
			    read_in(&b, d, ios[i]) == 0 && parse_blkio(io, proc_buf_str(&b), true) == 0)
				rc = 0;
	}
	proc_buf_free(&b);
	if (rc < 0)
		proc_io_free(io);
	return rc;
}

void proc_io_free(struct proc_io *io)
{
	free(io->devs);
	*io = (struct proc_io){0};
}

static bool has_content(const char *dir, const char *name)
{
	struct proc_buf b = {0};
	bool r = false;
	if (read_in(&b, dir, name) == 0)
		for (const char *p = proc_buf_str(&b); *p && !r; p++)
			r = !isspace((unsigned char)*p);
	proc_buf_free(&b);
	return r;
}

bool proc_cgroup_has_pids_or_io_limit(const struct proc_cgroup *cg)
{
	const char *p = cg->dir[PROC_CG_PIDS];
	if (p && !proc_cgroup_at_top(cg, PROC_CG_PIDS) && read_value(p, "pids.max") != PROC_NONE)
		return true;
	const char *io = cg->dir[PROC_CG_IO];
	if (!io || proc_cgroup_at_top(cg, PROC_CG_IO))
		return false;
	if (cg->v2[PROC_CG_IO])
		return has_content(io, "io.max");
	static const char *const throttles[] = {
		"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
		"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
	};
	for (size_t i = 0; i < sizeof throttles / sizeof throttles[0]; i++)
		if (has_content(io, throttles[i]))
			return true;
	return false;
}

const char *proc_cgroup_task_dir(const struct proc_cgroup *cg, bool *v2)
{
	static const enum proc_ctrl order[] = {PROC_CG_PIDS, PROC_CG_CPU, PROC_CG_CPUACCT,
					       PROC_CG_CPUSET, PROC_CG_MEMORY, PROC_CG_IO};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		enum proc_ctrl c = order[i];
		if (cg->dir[c] && !proc_cgroup_at_top(cg, c)) {
			*v2 = cg->v2[c];
			return cg->dir[c];
		}
	}
	return NULL;
}

int proc_cgroup_for_each_task(const char *dir, bool v2, void (*fn)(pid_t tid, void *arg), void *arg)
{
	struct proc_buf b = {0};
	if (read_in(&b, dir, v2 ? "cgroup.threads" : "tasks") < 0 &&
	    (!v2 || read_in(&b, dir, "cgroup.procs") < 0)) {
		proc_buf_free(&b);
		return -1;
	}
	for (const char *p = proc_buf_str(&b); *p;) {
		char *end;
		long tid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (tid > 0)
			fn((pid_t)tid, arg);
		p = end;
	}
	proc_buf_free(&b);
	/* Tasks of nested cgroups are the container's too. */
	DIR *dh = opendir(dir);
	if (!dh)
		return 0;
	struct dirent *de;
	while ((de = readdir(dh))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *sub = join(dir, de->d_name);
		if (sub)
			proc_cgroup_for_each_task(sub, v2, fn, arg);
		free(sub);
	}
	closedir(dh);
	return 0;
}
