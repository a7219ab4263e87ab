/* The OCI image config of a committed image. */
#ifndef CTRRUN_COMMIT_CONFIG_H
#define CTRRUN_COMMIT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "ctr/error.h"
#include "image_config.h"

struct ctr_commit_config_args {
	const char *base_json;     /* the container's image's config, or NULL */
	const struct ctr_image_config *run;  /* Entrypoint, Cmd, Env, WorkingDir, User to record */
	char *const *diff_ids;     /* "sha256:..." of every layer, bottom first */
	size_t n_diff_ids;
	int64_t created_ns;
	const char *container_id;
	const char *created_by;    /* the container's command, for the history step */
	const char *message;       /* -m, or NULL */
	const char *author;        /* -a, or NULL */
};

/* BASE_JSON with "config"'s Entrypoint, Cmd, Env, WorkingDir and User
 * replaced by RUN's (absent when RUN has none) and everything else in it
 * kept (labels, ports, ... that ctrrun does not know), "rootfs" the new
 * diff ids, "created" the commit's time, "container" its id, "comment" the
 * message and "author" the author (both removed when not given: they were
 * the base image's), and one "history" step appended, as docker commit
 * writes it. Returns the JSON text (the caller frees it), or NULL and
 * *ERR. */
char *ctr_commit_config_json(const struct ctr_commit_config_args *args, struct ctr_error *err);

#endif
