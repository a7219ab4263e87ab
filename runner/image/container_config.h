/* A container's docker-style Config (Entrypoint, Cmd, Env, WorkingDir,
 * User) rebuilt from its record and its image's config: what `inspect`
 * shows and what `commit` makes the new image's defaults. */
#ifndef CTRRUN_CONTAINER_CONFIG_H
#define CTRRUN_CONTAINER_CONFIG_H

#include "ctr/db.h"
#include "image_config.h"

/* Fills OUT (free with ctr_image_config_free) from container C made from an
 * image with config IMAGE:
 * - Entrypoint and Cmd: the recorded command is the image's entrypoint
 *   followed by the command; when it starts with that entrypoint, it is split
 *   back into both, else it is all Cmd and there is no Entrypoint.
 * - Env: the recorded environment without what `run` adds for this one
 *   container at start (HOSTNAME=<its host name>, and TERM=xterm with -t),
 *   unless the image's own environment has the same entry; as docker keeps
 *   them out of a container's Config.Env.
 * - WorkingDir and User: -w and -u when given, else the image's. */
int ctr_container_config(const struct ctr_db_container *c, const struct ctr_image_config *image,
			 struct ctr_image_config *out, struct ctr_error *err);

#endif
