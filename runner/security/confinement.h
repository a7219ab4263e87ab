/* What confines a container besides its namespaces, from its record in
 * state.db (container_security): its capability set, its seccomp filter
 * (built here, before anything of the container exists, loaded by the init
 * and by every exec'd process right before exec), --privileged, --read-only
 * and --tmpfs. `run` checks the flags with the same code before it records
 * anything, so a bad name is an error and never a dead container. */
#ifndef CTRRUN_CONFINEMENT_H
#define CTRRUN_CONFINEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctr/db.h"
#include "ctr/error.h"
#include "seccomp_filter.h"

/* One --tmpfs: PATH[:OPTIONS] with docker's defaults (noexec, nosuid,
 * nodev) and mount(8)'s option names. */
struct ctr_tmpfs {
	char *path;           /* absolute, inside the container */
	unsigned long flags;  /* MS_* */
	char *data;           /* size=, mode=, uid=, gid=, nr_inodes=, ...; or NULL */
};

struct ctr_confinement {
	uint64_t caps;              /* the capability set (bounding set; root's effective) */
	bool privileged, read_only;
	struct ctr_seccomp *seccomp;  /* NULL: no filter (unconfined, privileged) */
	struct ctr_tmpfs *tmpfs;
	size_t n_tmpfs;
};

/* Parses "PATH[:OPTIONS]"; an unknown option is an error naming it. */
int ctr_tmpfs_parse(const char *spec, struct ctr_tmpfs *out, struct ctr_error *err);
void ctr_tmpfs_free(struct ctr_tmpfs *t);

/* From a container's record. CACHE_DIR keeps built seccomp filters (see
 * seccomp_filter.h; NULL: build every time). The seccomp filter itself does
 * not hand sysinfo to the /proc view: that is the separate filter of
 * sysinfo_filter.h, installed earlier. */
int ctr_confinement_from_record(const struct ctr_db_security *sec, const char *cache_dir,
				struct ctr_confinement *out, struct ctr_error *err);
void ctr_confinement_free(struct ctr_confinement *c);

/* A JSON array of strings (as state.db keeps flag lists) as a NULL-terminated
 * vector of heap strings; NULL text gives an empty one. */
int ctr_json_strings(const char *json, char ***out, size_t *n, struct ctr_error *err);
void ctr_strings_free(char **v);

#endif
