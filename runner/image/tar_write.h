/* Writing file system entries into a tar stream, for commit (a layer from a
 * container's upper dir) and export (a container's flattened root). */
#ifndef CTRRUN_TAR_WRITE_H
#define CTRRUN_TAR_WRITE_H

#include <errno.h>
#include <sys/stat.h>

#include "ctr/error.h"
#include "ctr/warnings.h"

struct ctr_tar_writer;

/* A tar (POSIX ustar, with pax headers where ustar cannot say it: long
 * names, large ids, extended attributes) written to FD, which stays the
 * caller's. WHAT names the tar in messages. NULL and *ERR on failure. */
struct ctr_tar_writer *ctr_tar_writer_new(int fd, const char *what, struct ctr_error *err);

/* Adds the entry NAME of directory DFD, whose lstat is ST, as PATH (relative,
 * without "./"). Nothing is followed: a symlink goes in as a symlink, and a
 * regular file is opened with O_NOFOLLOW. Owners are numeric, as ST has them
 * (so a walk in a user namespace writes the container's ids). Further names
 * of an inode already written become tar hard links. Extended attributes go
 * in except overlay's private ones (user.overlay.*, trusted.overlay.*); the
 * kernel's escaped form of a user's own overlay-named attribute
 * (user.overlay.overlay.X) goes in as the user.overlay.X the container saw.
 * Sockets are skipped, as tar has no type for them (counted, reported by
 * ctr_tar_writer_close). A file that shrank since ST was taken (a running
 * container) is padded with zeros, one that grew is cut at ST's size. */
int ctr_tar_writer_add(struct ctr_tar_writer *w, int dfd, const char *name, const char *path,
		       const struct stat *st, struct ctr_error *err);

/* An empty regular file PATH (mode 0644) with ST's owner and times: the OCI
 * whiteout markers ".wh.NAME" and ".wh..wh..opq". */
int ctr_tar_writer_add_marker(struct ctr_tar_writer *w, const char *path, const struct stat *st,
			      struct ctr_error *err);

/* Writes the end of the archive and adds a note of what was skipped to
 * WARNINGS (one line per kind; WARNINGS may be NULL). The writer runs in a
 * user namespace's child: WARNINGS is then the caller's shared memory. */
int ctr_tar_writer_close(struct ctr_tar_writer *w, struct ctr_warnings *warnings, struct ctr_error *err);
void ctr_tar_writer_free(struct ctr_tar_writer *w);

/* A writer variable that frees itself on the way out, as the cleanups of
 * ctr/cleanup.h do (errno kept). */
static inline void ctr_tar_writer_freep(struct ctr_tar_writer **w)
{
	int saved = errno;
	ctr_tar_writer_free(*w);
	errno = saved;
}
#define _cleanup_tar_writer_ __attribute__((cleanup(ctr_tar_writer_freep)))

#endif
