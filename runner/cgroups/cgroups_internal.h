/* What runner/cgroups/cgroups*.c share: where each controller lives for the
 * caller, and small cgroupfs file helpers. Not for use outside them. */
#ifndef CTRRUN_CGROUPS_INTERNAL_H
#define CTRRUN_CGROUPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups.h"

/* The controllers ctrrun's limits use. cpuacct is no limit: on v1 it goes
 * along with a CPU limit so the container's CPU time is its own. */
enum cg_controller { CG_MEMORY, CG_CPU, CG_CPUACCT, CG_CPUSET, CG_PIDS, CG_COUNT };
extern const char *const cg_controller_names[CG_COUNT];

/* Where one controller is, seen from the caller. */
struct cg_place {
	bool found;
	bool v2;
	int hierarchy;   /* v1: the hierarchy id of /proc/self/cgroup; v2: 0 */
	char *cgpath;    /* the caller's cgroup in that hierarchy, "/..." */
	char *parent;    /* its directory: the hierarchy's mount + cgpath */
};

/* The caller's view of cgroupfs: every controller's place. */
struct cg_layout {
	const char *root;
	char *unified;   /* mount of the v2 hierarchy, or NULL */
	struct cg_place place[CG_COUNT];
};

/* Whether the container gets a cgroup of a controller, and why. */
struct cg_need {
	bool wanted;
	bool required;     /* a limit needs it; else it is only for accounting (cpuacct) */
	const char *flag;  /* the flag of that limit, for errors: "--memory", ... */
};

/* Reads cgroupfs files. cg_read_file: the content, NUL-terminated, or -1
 * with errno. cg_has_word: whether the file's whitespace-separated words
 * include WORD (false when unreadable). */
ssize_t cg_read_file(const char *path, char *buf, size_t len);
bool cg_has_word(const char *path, const char *word);
/* Writes VALUE to DIR/FILE as one write(), as cgroupfs wants it. */
int cg_write(const char *dir, const char *file, const char *value, struct ctr_error *err);
int cg_write_int(const char *dir, const char *file, int64_t value, struct ctr_error *err);
bool cg_exists(const char *dir, const char *file);
/* Whether the effective ids may create cgroups in DIR (or write FILE in it). */
bool cg_writable(const char *dir, const char *file);
/* mkdir/rmdir through the test seam. */
int cg_mkdir(const char *path);
int cg_rmdir(const char *path);
/* Heap "A/B"; NULL (errno ENOMEM) when out of memory. */
char *cg_join(const char *a, const char *b);
/* The requested CPUs must lie in the parent's cpuset, read from
 * PARENT/FILE (a parent that has no such file limits nothing). */
int cg_check_cpuset_fits(const char *flag, const char *parent, const char *file, const struct ctr_limits *l,
			 struct ctr_error *err);

/* The hint every "cannot use cgroups" error ends with. */
#define CG_DELEGATION_HINT                                                                     \
	"get a delegated cgroup v2 subtree: run ctrrun under `systemd-run --user --scope -p Delegate=yes`, " \
	"or in a `systemctl --user` service with Delegate=yes, or run it as root"

/* cgroup v1: can the caller make a cgroup for controller C in PL's
 * hierarchy, and does the kernel have the files L needs? */
int cg_v1_check(enum cg_controller c, const struct cg_place *pl, const struct cg_need *need,
		const struct ctr_limits *l, struct ctr_error *err);
/* Writes L's limits for controller C into the new cgroup DIR (v1). */
int cg_v1_write_limits(enum cg_controller c, const char *parent, const char *dir, const struct ctr_limits *l,
		       struct ctr_error *err);

/* cgroup v2: is C delegated to the caller, and can it be enabled for a
 * child of the caller's cgroup? */
int cg_v2_check(enum cg_controller c, const struct cg_place *pl, const struct cg_need *need,
		const struct ctr_limits *l, struct ctr_error *err);
/* What cg_v2_prepare changed in the caller's cgroup, to undo it. */
struct cg_v2_undo {
	char *parent;
	char enabled[128];  /* "-memory -pids" to disable what was enabled; "" if nothing */
	bool moved_self;    /* the caller moved into PARENT/ctrrun.leaf */
	bool made_leaf;     /* ... which it created */
};
/* Makes the controllers WANT (NULL-terminated names) usable by a child of
 * PARENT (path CGPATH in the hierarchy): moves the caller into a leaf when
 * it is the only process of PARENT, and enables them in cgroup.subtree_control. */
int cg_v2_prepare(const char *parent, const char *cgpath, const char *const *want, struct cg_v2_undo *undo,
		  struct ctr_error *err);
void cg_v2_undo(struct cg_v2_undo *undo);
int cg_v2_write_limits(enum cg_controller c, const char *dir, const struct ctr_limits *l, struct ctr_error *err);

/* The leaf the caller moves into on v2 (see ctr_cgroup_create). */
#define CG_V2_LEAF "ctrrun.leaf"

#endif
