#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "whiteout.h"

void fd_path(char *buf, size_t size, int dirfd, const char *name)
{
	if (name && *name)
		snprintf(buf, size, "/proc/self/fd/%d/%s", dirfd, name);
	else
		snprintf(buf, size, "/proc/self/fd/%d", dirfd);
}

bool is_oci_name(const char *name)
{
	return strncmp(name, OCI_WHITEOUT_PREFIX, strlen(OCI_WHITEOUT_PREFIX)) == 0;
}

bool oci_whiteout_exists(int dirfd, const char *name)
{
	char wh[NAME_MAX + 8];
	struct stat st;
	if ((size_t)snprintf(wh, sizeof wh, OCI_WHITEOUT_PREFIX "%s", name) >= sizeof wh ||
	    strlen(wh) > NAME_MAX)
		return false;
	return fstatat(dirfd, wh, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

bool dir_is_opaque(struct union_fs *fs, int layer, int dirfd, const char *name)
{
	char path[PATH_MAX + 64], attr[64], val[4];
	fd_path(path, sizeof path, dirfd, name);
	snprintf(attr, sizeof attr, "%sopaque", fs->xattr_prefix);
	ssize_t n = lgetxattr(path, attr, val, sizeof val);
	if (n == 1 && val[0] == 'y')
		return true;
	if (layer_is_upper(fs, layer))
		return false;
	char opq[NAME_MAX * 2 + 16];
	struct stat st;
	snprintf(opq, sizeof opq, "%s/" OCI_OPAQUE_NAME, name);
	return fstatat(dirfd, opq, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int whiteout_make(int dirfd, const char *name)
{
	return mknodat(dirfd, name, S_IFCHR | 0000, makedev(0, 0)) < 0 ? -errno : 0;
}

int opaque_set(struct union_fs *fs, int dirfd, const char *name)
{
	char path[PATH_MAX + 64], attr[64];
	fd_path(path, sizeof path, dirfd, name);
	snprintf(attr, sizeof attr, "%sopaque", fs->xattr_prefix);
	return lsetxattr(path, attr, "y", 1, 0) < 0 ? -errno : 0;
}
