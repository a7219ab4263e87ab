/* The spec of a recorded container: what `run` recorded plus its image, for
 * run and for start (which makes the same container again). */
#ifndef CTRRUN_SPEC_BUILD_H
#define CTRRUN_SPEC_BUILD_H

#include "container_spec.h"
#include "storage.h"
#include "image_config.h"

struct built_spec {
	struct ctr_spec spec;
	/* What spec points into. */
	struct ctr_db_image image;
	struct ctr_image_config config;
	char **argv, **env;  /* NULL-terminated copies */
	char *lowerdirs, *dir, *upper, *work, *merged, *fs_log, *proc_staging;
	char hostname[CTR_DB_SHORT_ID_LEN + 1];
	struct ctr_volume *volumes;
	size_t n_volumes;
	struct ctr_limits limits;  /* from container_resources */
	char cgroup_name[32];
	struct ctr_db_security security;  /* from container_security */
	struct ctr_idmap idmap;    /* the container's own mapping */
	struct ctr_confinement conf;
};

/* Where built seccomp filters are kept for RT (the runtime dir); the
 * caller frees it. */
char *ctr_spec_seccomp_cache(const struct ctrrun *rt);

int ctr_spec_build(struct ctrrun *rt, const struct ctr_db_container *rec, struct built_spec *b, struct ctr_error *err);
void ctr_spec_free(struct built_spec *b);

/* The limits recorded for container ID (all "not set" when none). */
int ctr_spec_limits(struct ctrrun *rt, const char *id, struct ctr_limits *out, struct ctr_error *err);

/* "L1:L2:..." (top first) of an image's layer dirs, for ctrfs's lowerdir=. */
int ctr_spec_lowerdirs(struct ctrrun *rt, const struct ctr_db_image *image, char **out, struct ctr_error *err);

#endif
