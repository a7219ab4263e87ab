#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "dirfd_cache.h"
#include "lookup.h"
#include "whiteout.h"

/* Opens a path below a layer root without following symlinks on the way:
 * redirect paths come from the layer's own xattrs. */
static int open_layer_path(struct union_fs *fs, int layer, const char *path)
{
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, fs->layers[layer].fd, path[0] ? path : ".", &how, sizeof how);
	if (fd < 0)
		return errno == ENOTDIR || errno == ELOOP || errno == EXDEV ? -ENOENT : -errno;
	return fd;
}

int node_dirfd(struct union_fs *fs, struct node *dir, int layer)
{
	if (!dir->parent) {   /* the root, or a restricted copy of it (lower_has_name) */
		int fd = fcntl(fs->layers[layer].fd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	int fd = dirfd_cache_get(fs->dirfds, dir->nodeid, layer);
	if (fd >= 0)
		return fd;
	if (dir->redirect && layer > dir->redirect_layer) {
		fd = open_layer_path(fs, layer, dir->redirect);
		if (fd < 0)
			return fd;
	} else {
		_cleanup_close_ int pfd = node_dirfd(fs, dir->parent, layer);
		if (pfd < 0)
			return pfd;
		fd = openat(pfd, dir->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOTDIR || errno == ELOOP ? -ENOENT : -errno;
	}
	int keep = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (keep >= 0)
		dirfd_cache_put(fs->dirfds, dir->nodeid, layer, keep);
	return fd;
}

/* Where a directory's lower parts are, as a path from the layer roots. */
static int lower_path(const struct node *dir, char *buf, size_t size)
{
	if (!dir->parent) {
		buf[0] = '\0';
		return 0;
	}
	if (dir->redirect) {
		if (strlen(dir->redirect) >= size)
			return -ENAMETOOLONG;
		strcpy(buf, dir->redirect);
		return 0;
	}
	int r = lower_path(dir->parent, buf, size);
	if (r < 0)
		return r;
	size_t len = strlen(buf);
	if ((size_t)snprintf(buf + len, size - len, "%s%s", len ? "/" : "", dir->name) >= size - len)
		return -ENAMETOOLONG;
	return 0;
}

/* Reads "<ns>.overlay.redirect" of a directory found in `layer`, turning a
 * relative one (a rename inside one directory) into a path from the roots. */
static bool read_redirect(struct union_fs *fs, struct node *parent, int dirfd, const char *name,
			  struct node_info *info, int layer)
{
	char path[PATH_MAX + 64], attr[64], value[PATH_MAX];
	fd_path(path, sizeof path, dirfd, name);
	snprintf(attr, sizeof attr, "%sredirect", fs->xattr_prefix);
	ssize_t n = lgetxattr(path, attr, value, sizeof value - 1);
	if (n <= 0)
		return false;
	value[n] = '\0';
	int len;
	if (value[0] == '/') {
		len = snprintf(info->redirect, sizeof info->redirect, "%s", value + 1);
	} else {
		char base[PATH_MAX];
		if (strchr(value, '/') || lower_path(parent, base, sizeof base) < 0)
			return false;
		len = snprintf(info->redirect, sizeof info->redirect, "%.*s%s%s", (int)(sizeof base / 2), base,
			       base[0] ? "/" : "", value);
	}
	if (len < 0 || (size_t)len >= sizeof info->redirect)
		return false;
	info->redirect_layer = layer;
	return true;
}

/* Splits "a/b/c" into an O_PATH fd of layer:a/b and the name "c". */
static int open_redirect_parent(struct union_fs *fs, int layer, const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	*base = slash ? slash + 1 : path;
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 0, path);
	return open_layer_path(fs, layer, dir);
}

int union_lookup(struct union_fs *fs, struct node *parent, const char *name,
		 struct node_info *info, struct stat *st_out)
{
	bool found = false;
	struct stat st;
	int last = parent->last_layer;

	info->redirect_layer = -1;
	for (int layer = parent->layer; layer <= last; layer++) {
		bool lower = !layer_is_upper(fs, layer);
		const char *here = name;
		_cleanup_close_ int pfd = -1;
		if (found && info->redirect_layer >= 0)
			pfd = open_redirect_parent(fs, layer, info->redirect, &here);
		else if (lower && is_oci_name(name))
			continue;   /* OCI whiteout files are markers, never entries */
		else
			pfd = node_dirfd(fs, parent, layer);
		if (pfd == -ENOENT)
			continue;
		if (pfd < 0)
			return pfd;
		if (fstatat(pfd, here, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			int e = errno;
			bool hidden = e == ENOENT && lower && oci_whiteout_exists(pfd, here);
			if (e != ENOENT && e != ENOTDIR && e != ENAMETOOLONG)
				return -e;
			if (e == ENAMETOOLONG && !found)
				return -e;
			if (hidden)
				break;
			continue;
		}
		if (is_whiteout(&st))
			break;
		if (!found) {
			found = true;
			info->type = st.st_mode & S_IFMT;
			info->layer = info->last_layer = layer;
			info->backing_ino = st.st_ino;
			info->ino = union_ino_for(fs, layer, st.st_ino, pfd, name);
			if (st_out)
				*st_out = st;
			if (!S_ISDIR(st.st_mode) || dir_is_opaque(fs, layer, pfd, name))
				break;
			/* A redirected directory merges with its old place, wherever
			 * the parent is, in every layer below. */
			if (layer < fs->nlayers - 1 && read_redirect(fs, parent, pfd, name, info, layer))
				last = fs->nlayers - 1;
		} else {
			/* Below a directory only directories merge; anything else is hidden. */
			if (!S_ISDIR(st.st_mode))
				break;
			info->last_layer = layer;
			if (dir_is_opaque(fs, layer, pfd, here))
				break;
		}
	}
	return found ? 0 : -ENOENT;
}

bool lower_has_name(struct union_fs *fs, struct node *parent, const char *name, int from_layer)
{
	if (from_layer > parent->last_layer)
		return false;
	/* A view of the parent restricted to the lower layers. */
	struct node restricted = *parent;
	if (restricted.layer < from_layer)
		restricted.layer = from_layer;
	struct node_info info;
	return union_lookup(fs, &restricted, name, &info, NULL) == 0;
}

int node_refresh(struct union_fs *fs, struct node *n)
{
	if (n == fs->root || n->generation == fs->generation)
		return 0;
	if (n->removed || !n->parent)
		return -ENOENT;
	int r = node_refresh(fs, n->parent);
	if (r < 0)
		return r;
	struct node_info info;
	r = union_lookup(fs, n->parent, n->name, &info, NULL);
	if (r < 0)
		return r;
	node_update(fs, n, &info);
	return 0;
}

int node_stat(struct union_fs *fs, struct node *n, struct stat *st)
{
	if (n == fs->root) {
		int fd = fs->layers[n->layer].fd;
		return fstat(fd, st) < 0 ? -errno : 0;
	}
	int r = node_refresh(fs, n);
	if (r < 0)
		return r;
	int pfd = node_dirfd(fs, n->parent, n->layer);
	if (pfd < 0)
		return pfd;
	r = fstatat(pfd, n->name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	close(pfd);
	return r;
}
