/* `ctrrun commit`'s core: a container's upper dir becomes a new layer on top
 * of its image's, and the two make a new image. */
#ifndef CTRRUN_LAYER_COMMIT_H
#define CTRRUN_LAYER_COMMIT_H

#include <stddef.h>

#include "storage.h"

struct ctr_commit_request {
	const char *repository, *tag;  /* checked with ctr_image_ref_parse */
	char **changes;                /* --change instructions, in order */
	size_t n_changes;
	const char *message;           /* -m, or NULL */
	const char *author;            /* -a, or NULL */
};

/* Writes the upper dir UPPER of a container as an OCI layer tar to FD:
 * overlay whiteouts (char devices 0/0) become ".wh.NAME" entries, opaque
 * directories (user.overlay.opaque=y, or trusted.overlay.opaque=y) get a
 * ".wh..wh..opq" entry, overlay's private attributes are left out, owners
 * are the container's ids. Runs as root of a user namespace with MAP (the
 * files belong to subordinate ids rootless). A file named ".wh.*" that the
 * container made cannot be told from a whiteout in a layer: it is left out,
 * with a warning. Notes and warnings go to WARNINGS (may be NULL). */
int ctr_upper_to_tar(const struct ctr_idmap *map, const char *upper, int fd, const char *what,
		     struct ctr_warnings *warnings, struct ctr_error *err);

/* Commits container C as image REQ->repository:REQ->tag and fills IMAGE_ID
 * (64 hex + NUL). The image's layers are C's image's plus the new one, its
 * config C's image's with C's command, environment, working dir and user
 * (ctr_container_config), then REQ's changes. A name already taken is
 * refused before anything is written; on any error nothing is left: no
 * layer directory, no row.
 *
 * A running container is not paused: its upper dir is read while it may
 * change, so a file written meanwhile can be caught half way (its size is
 * the one seen when its entry was written). Commit a stopped container for
 * an exact copy. */
int ctr_container_commit(struct ctrrun *rt, const struct ctr_db_container *c, const struct ctr_commit_request *req,
			 char image_id[CTR_DB_ID_LEN + 1], struct ctr_error *err);

#endif
