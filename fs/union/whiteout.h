/* Whiteouts and opaque directories, in both on-disk formats:
 *  - overlayfs: a char device 0/0 hides a name; "<ns>.overlay.opaque=y" on a
 *    directory stops lookup below it (upper and lowers);
 *  - OCI: a file ".wh.NAME" hides NAME, ".wh..wh..opq" makes its directory
 *    opaque (lowers only; ctrfs writes the overlayfs format). */
#ifndef CTR_FS_WHITEOUT_H
#define CTR_FS_WHITEOUT_H

#include <stdbool.h>
#include <sys/stat.h>

#include "union.h"

#define OCI_WHITEOUT_PREFIX ".wh."
#define OCI_OPAQUE_NAME ".wh..wh..opq"

static inline bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

bool is_oci_name(const char *name);
bool oci_whiteout_exists(int dirfd, const char *name);
/* Is dirfd/name (a directory in `layer`) opaque? */
bool dir_is_opaque(struct union_fs *fs, int layer, int dirfd, const char *name);
int whiteout_make(int dirfd, const char *name);
int opaque_set(struct union_fs *fs, int dirfd, const char *name);
/* Builds "/proc/self/fd/N/name" for the l*xattr calls, which take paths. */
void fd_path(char *buf, size_t size, int dirfd, const char *name);

#endif
