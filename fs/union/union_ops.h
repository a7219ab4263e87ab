#ifndef CTR_FS_UNION_OPS_H
#define CTR_FS_UNION_OPS_H

#include <fuse_lowlevel.h>

#include "union.h"

extern const struct fuse_lowlevel_ops union_ops;
/* Closes what the kernel left open when the session ended (aborted
 * connection, lazy unmount), so nothing leaks at exit. */
void union_close_handles(struct union_fs *fs);

#endif
