#ifndef CTR_FS_UNION_OPS_H
#define CTR_FS_UNION_OPS_H

#include <fuse_lowlevel.h>

extern const struct fuse_lowlevel_ops union_ops;

#endif
