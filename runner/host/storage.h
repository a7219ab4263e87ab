/* Where ctrrun keeps things and the context every part of it works in:
 * the storage root, the runtime dir, the open database, the id mapping
 * containers get. */
#ifndef CTRRUN_STORAGE_H
#define CTRRUN_STORAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctr/db.h"
#include "ctr/error.h"
#include "ctr/warnings.h"
#include "idmap_config.h"

struct ctrrun {
	char *root;          /* storage root: state.db, layers/, containers/ */
	char *runtime_dir;   /* cleared by reboot: the seccomp filter cache (spec_build.c) */
	bool rootless;       /* not real root: ids come from /etc/subuid */
	struct ctr_idmap idmap;
	struct ctr_db *db;   /* opened by ctr_store_open_db, closed at exit */
	const char *self_exe;/* /proc/self/exe as a path, to find ctrfs beside it */
	struct ctr_warnings warnings; /* notes and warnings the core met, printed at the top */
};

/* Picks the storage root (--root, $CTRRUN_ROOT, /var/lib/ctrrun as root, else
 * ${XDG_DATA_HOME:-~/.local/share}/ctrrun) and the runtime dir, creating
 * both. */
int ctr_store_init(struct ctrrun *rt, const char *root_override, struct ctr_error *err);
int ctr_store_open_db(struct ctrrun *rt, struct ctr_error *err);
void ctr_store_fini(struct ctrrun *rt);

/* Paths inside the root; the caller frees them. */
char *ctr_store_layer_dir(const struct ctrrun *rt, const char *layer_id);      /* layers/<id> */
char *ctr_store_container_dir(const struct ctrrun *rt, const char *container_id); /* containers/<id> */
/* The ctrfs binary: $CTRFS, else ../fs/ctrfs beside a build tree's ctrrun,
 * else ctrfs beside ctrrun, else "ctrfs" from PATH. */
const char *ctr_store_ctrfs_path(const struct ctrrun *rt);

/* Records a container event (create, start, die, destroy) in state.db;
 * ATTRIBUTES is a JSON object or NULL. A failure is reported, not fatal:
 * the history must not stop a container. */
void ctr_container_event(struct ctrrun *rt, const char *id, const char *name, const char *action,
			    const char *attributes);

/* Nanoseconds since the epoch. */
int64_t ctr_now_ns(void);

#endif
