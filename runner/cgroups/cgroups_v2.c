/* cgroup v2: one hierarchy. A plain user may use the part of it delegated
 * to them (the directory and its cgroup.procs / cgroup.subtree_control are
 * theirs, as systemd's Delegate=yes makes them); a controller is usable in
 * a child cgroup once the parent lists it in cgroup.subtree_control, which
 * the kernel allows only for a parent without processes. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups_internal.h"
#include "ctr/cleanup.h"

/* The first process in PARENT's cgroup.procs other than the caller: 0 when
 * none, -1 when the file cannot be read. *SELF tells whether the caller is
 * in it. */
static pid_t other_member(const char *parent, bool *self)
{
	char path[4096], buf[65536];
	snprintf(path, sizeof path, "%s/cgroup.procs", parent);
	*self = false;
	if (cg_read_file(path, buf, sizeof buf) < 0)
		return -1;
	for (char *p = buf, *end;; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			return 0;
		if (pid == getpid())
			*self = true;
		else
			return (pid_t)pid;
	}
}

static bool is_root(const char *cgpath)
{
	return strcmp(cgpath, "/") == 0;
}

/* Whether controllers can be enabled below PARENT: the kernel refuses it
 * while the cgroup holds processes (except at the root). */
static int check_no_internal_process(const char *flag, const struct cg_place *pl, struct ctr_error *err)
{
	if (is_root(pl->cgpath))
		return 0;
	bool self;
	pid_t other = other_member(pl->parent, &self);
	if (other < 0)
		return ctr_fail(err, errno, "cannot apply %s: cannot read %s/cgroup.procs", flag, pl->parent);
	if (other > 0)
		return ctr_fail(err, 0,
				"cannot apply %s: cgroup %s holds processes besides this ctrrun (pid %d), and cgroup v2 "
				"enables controllers for child cgroups only where the parent holds none; run ctrrun in a "
				"cgroup of its own: `systemd-run --user --scope -p Delegate=yes ctrrun ...`",
				flag, pl->parent, (int)other);
	/* The caller will move itself into a leaf below it. */
	if (self && !cg_writable(pl->parent, "cgroup.procs"))
		return ctr_fail(err, 0, "cannot apply %s: %s/cgroup.procs is not writable by uid %d; %s", flag,
				pl->parent, (int)geteuid(), CG_DELEGATION_HINT);
	return 0;
}

int cg_v2_check(enum cg_controller c, const struct cg_place *pl, const struct cg_need *need,
		const struct ctr_limits *l, struct ctr_error *err)
{
	const char *name = cg_controller_names[c];
	char path[4096];
	snprintf(path, sizeof path, "%s/cgroup.controllers", pl->parent);
	if (!cg_has_word(path, name)) {
		char have[1024] = "";
		cg_read_file(path, have, sizeof have);
		have[strcspn(have, "\n")] = '\0';
		return ctr_fail(err, 0,
				"cannot apply %s: the %s controller is not delegated to cgroup %s (it has: %s); %s",
				need->flag, name, pl->parent, have[0] ? have : "none", CG_DELEGATION_HINT);
	}
	if (!cg_writable(pl->parent, NULL))
		return ctr_fail(err, 0, "cannot apply %s: cgroup %s is not delegated to uid %d (not writable); %s",
				need->flag, pl->parent, (int)geteuid(), CG_DELEGATION_HINT);
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", pl->parent);
	if (!cg_has_word(path, name)) {
		if (!cg_writable(pl->parent, "cgroup.subtree_control"))
			return ctr_fail(err, 0,
					"cannot apply %s: cannot enable the %s controller below cgroup %s: its "
					"cgroup.subtree_control is not writable by uid %d; %s",
					need->flag, name, pl->parent, (int)geteuid(), CG_DELEGATION_HINT);
		if (check_no_internal_process(need->flag, pl, err) < 0)
			return -1;
	}
	/* The root has no memory.swap.max to look at; create finds out there. */
	if (c == CG_MEMORY && l->memory_swap > 0 && !is_root(pl->cgpath) && !cg_exists(pl->parent, "memory.swap.max"))
		return ctr_fail(err, 0,
				"cannot apply --memory-swap: this kernel does not limit swap in cgroup v2 "
				"(no %s/memory.swap.max)", pl->parent);
	if (c == CG_CPUSET)
		return cg_check_cpuset_fits(need->flag, pl->parent, "cpuset.cpus.effective", l, err);
	return 0;
}

int cg_v2_prepare(const char *parent, const char *cgpath, const char *const *want, struct cg_v2_undo *undo,
		  struct ctr_error *err)
{
	memset(undo, 0, sizeof *undo);
	undo->parent = strdup(parent);
	if (!undo->parent)
		return ctr_fail(err, ENOMEM, "cgroup %s", parent);
	char subtree[4096], enable[128] = "", disable[128] = "";
	snprintf(subtree, sizeof subtree, "%s/cgroup.subtree_control", parent);
	for (size_t i = 0; want[i]; i++)
		if (!cg_has_word(subtree, want[i])) {
			size_t n = strlen(enable);
			snprintf(enable + n, sizeof enable - n, "%s+%s", n ? " " : "", want[i]);
			n = strlen(disable);
			snprintf(disable + n, sizeof disable - n, "%s-%s", n ? " " : "", want[i]);
		}
	if (!enable[0])
		return 0;

	bool self = false;
	pid_t other = is_root(cgpath) ? 0 : other_member(parent, &self);
	if (other != 0)
		return ctr_fail(err, other < 0 ? errno : 0, "cannot enable %s in %s: cgroup %s holds other processes",
				enable, subtree, parent);
	if (self) {
		/* The only process in the way is the caller: it steps aside into
		 * a leaf of its own, and stays outside the container's cgroup. */
		_cleanup_free_ char *leaf = cg_join(parent, CG_V2_LEAF);
		char pid[32];
		if (!leaf)
			return ctr_fail(err, ENOMEM, "cgroup %s", parent);
		if (cg_mkdir(leaf) == 0)
			undo->made_leaf = true;
		else if (errno != EEXIST)
			return ctr_fail(err, errno, "cannot create cgroup %s", leaf);
		snprintf(pid, sizeof pid, "%d", (int)getpid());
		if (cg_write(leaf, "cgroup.procs", pid, err) < 0)
			return -1;
		undo->moved_self = true;
	}
	if (cg_write(parent, "cgroup.subtree_control", enable, err) < 0)
		return -1;
	snprintf(undo->enabled, sizeof undo->enabled, "%s", disable);
	return 0;
}

void cg_v2_undo(struct cg_v2_undo *undo)
{
	if (!undo->parent)
		return;
	struct ctr_error ignored;
	if (undo->enabled[0])
		cg_write(undo->parent, "cgroup.subtree_control", undo->enabled, &ignored);
	if (undo->moved_self) {
		char pid[32];
		snprintf(pid, sizeof pid, "%d", (int)getpid());
		cg_write(undo->parent, "cgroup.procs", pid, &ignored);
	}
	if (undo->made_leaf) {
		char *leaf = cg_join(undo->parent, CG_V2_LEAF);
		if (leaf)
			cg_rmdir(leaf);
		free(leaf);
	}
	free(undo->parent);
	memset(undo, 0, sizeof *undo);
}

static int write_memory(const char *dir, const struct ctr_limits *l, struct ctr_error *err)
{
	if (l->memory > 0 && cg_write_int(dir, "memory.max", l->memory, err) < 0)
		return -1;
	/* docker's --memory-swap counts memory plus swap; v2 limits swap alone. */
	if (l->memory_swap > 0)
		return cg_write_int(dir, "memory.swap.max", l->memory_swap - l->memory, err);
	/* docker's default: as much swap as memory, where swap is accounted. */
	if (l->memory_swap == 0 && l->memory > 0 && cg_exists(dir, "memory.swap.max"))
		return cg_write_int(dir, "memory.swap.max", l->memory, err);
	return 0;
}

int cg_v2_write_limits(enum cg_controller c, const char *dir, const struct ctr_limits *l, struct ctr_error *err)
{
	char value[64];
	switch (c) {
	case CG_MEMORY:
		return write_memory(dir, l, err);
	case CG_CPU:
		snprintf(value, sizeof value, "%" PRId64 " %" PRId64, l->cpu_quota_us, l->cpu_period_us);
		return cg_write(dir, "cpu.max", value, err);
	case CG_CPUSET:
		return cg_write(dir, "cpuset.cpus", l->cpuset_cpus, err);
	case CG_PIDS:
		return cg_write_int(dir, "pids.max", l->pids_limit, err);
	case CG_CPUACCT:
	case CG_COUNT:
		break;
	}
	return 0;
}
