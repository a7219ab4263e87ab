/* uid/gid translation between the ids stored on disk and the ids the mount
 * reports (fuse-overlayfs's uidmapping=/gidmapping=/squash_to_* options). */
#ifndef CTR_FS_IDMAP_H
#define CTR_FS_IDMAP_H

#include <stdbool.h>
#include <sys/types.h>

#include "ctr/error.h"

#define IDMAP_MAX_RANGES 64
#define IDMAP_OVERFLOW_ID 65534u

struct id_range {
	unsigned disk;    /* first id as stored in the layers */
	unsigned shown;   /* the id the mount reports for it */
	unsigned count;
};

struct idmap {
	struct id_range ranges[IDMAP_MAX_RANGES];
	int nranges;      /* 0: identity */
	long squash_to;   /* >= 0: every object is reported as owned by this id */
};

/* Parses "DISK:SHOWN:LEN[:DISK:SHOWN:LEN...]"; empty fields (podman sends a
 * leading colon) are skipped. `what` names the option in errors. */
int idmap_parse(struct idmap *map, const char *spec, const char *what, struct ctr_error *err);
/* Disk id -> reported id (overflow id when unmapped), after squashing. */
unsigned idmap_to_shown(const struct idmap *map, unsigned disk_id);
/* Reported id (from a request) -> id to store; false when it has no mapping. */
bool idmap_to_disk(const struct idmap *map, unsigned shown_id, unsigned *disk_id);

#endif
