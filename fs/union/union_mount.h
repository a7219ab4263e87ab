/* Setting up, serving and tearing down one union mount. */
#ifndef CTR_FS_UNION_MOUNT_H
#define CTR_FS_UNION_MOUNT_H

#include "mount_options.h"

/* Exit codes of `ctrfs mount`. */
enum { UNION_EXIT_OK = 0, UNION_EXIT_USAGE = 1, UNION_EXIT_MOUNT = 2 };

/* Checks the layers, mounts, daemonizes unless cfg->foreground, serves until
 * unmounted. Errors are printed once, here. Returns an exit code. */
int union_mount_run(struct union_config *cfg);

#endif
