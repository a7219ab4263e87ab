/* Extracting one image layer (a tar stream) into a directory, securely and
 * in overlay's on-disk format. */
#ifndef CTRRUN_TAR_EXTRACT_H
#define CTRRUN_TAR_EXTRACT_H

#include "ctr/warnings.h"
#include <stdint.h>

#include "ctr/error.h"
#include "idmap_config.h"

/* Extracts the tar read from FD (from its current offset; any compression
 * libarchive reads) into the existing, empty directory DIR, with owners,
 * permissions, times and xattrs. WHAT names the tarball in messages.
 *
 * Refused with an error naming the entry, after which DIR holds a partial
 * tree the caller removes: a path that is absolute or has a ".." component,
 * a write through a symlink (an entry or hard link target below a symlink
 * made by an earlier entry), a hard link target outside the layer, a
 * non-directory replacing the layer's root, a malformed whiteout.
 *
 * OCI whiteouts become overlay ones: ".wh.NAME" a char device 0/0 named
 * NAME, ".wh..wh..opq" the xattr user.overlay.opaque=y on its directory.
 * Overlay xattrs carried by entries are dropped (an image must not forge
 * them), other device nodes are skipped (mknod is refused in a user
 * namespace; containers get /dev from the host), each with one line added to
 * WARNINGS (may be NULL).
 *
 * MAP, when not NULL, lists the container ids that may own files (the
 * extraction runs as root of a user namespace with it): files of other
 * owners go to root, with one note in WARNINGS. NULL keeps every owner.
 *
 * Returns the tree's size in bytes as docker counts it (the sizes of all
 * non-directories, each hard-linked file once), or -1 and *ERR. Changes the
 * working directory while it runs and restores it. */
int64_t ctr_tar_extract(int fd, const char *dir, const struct ctr_idmap *map, const char *what,
			struct ctr_warnings *warnings, struct ctr_error *err);

#endif
