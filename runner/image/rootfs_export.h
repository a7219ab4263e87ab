/* `ctrrun export`'s core: a container's root file system, flattened, as a
 * tar. */
#ifndef CTRRUN_ROOTFS_EXPORT_H
#define CTRRUN_ROOTFS_EXPORT_H

#include "storage.h"

/* Writes to FD the tree that container C's union mount shows: the upper
 * dir over IMAGE's layers (top first), merged with overlay's rules and
 * without mounting anything. The upper wins over lower layers; a whiteout
 * (char device 0/0, or an OCI ".wh.NAME" left in a layer) hides its name
 * below; an opaque directory (user.overlay.opaque=y, trusted.overlay.opaque=y,
 * or ".wh..wh..opq" in a layer) hides the directories below it; a
 * non-directory hides everything below. The tar holds no whiteouts and no
 * overlay attributes; owners are the container's ids. Rootless, the
 * directories are read as root of a user namespace with the container's
 * mapping. A running container is read as it is, not paused. */
int ctr_rootfs_export(struct ctrrun *rt, const struct ctr_db_container *c, const struct ctr_db_image *image, int fd,
		      struct ctr_error *err);

#endif
