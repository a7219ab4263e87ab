#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "dirfd_cache.h"
#include "lookup.h"
#include "whiteout.h"

int node_dirfd(struct union_fs *fs, struct node *dir, int layer)
{
	if (!dir->parent) {   /* the root, or a restricted copy of it (lower_has_name) */
		int fd = fcntl(fs->layers[layer].fd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	int fd = dirfd_cache_get(fs->dirfds, dir->nodeid, layer);
	if (fd >= 0)
		return fd;
	int pfd = node_dirfd(fs, dir->parent, layer);
	if (pfd < 0)
		return pfd;
	fd = openat(pfd, dir->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int e = errno;
	close(pfd);
	if (fd < 0)
		return e == ENOTDIR || e == ELOOP ? -ENOENT : -e;
	int keep = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (keep >= 0)
		dirfd_cache_put(fs->dirfds, dir->nodeid, layer, keep);
	return fd;
}

int union_lookup(struct union_fs *fs, struct node *parent, const char *name,
		 struct node_info *info, struct stat *st_out)
{
	bool found = false;
	struct stat st;

	for (int layer = parent->layer; layer <= parent->last_layer; layer++) {
		bool lower = !layer_is_upper(fs, layer);
		if (lower && is_oci_name(name))
			continue;   /* OCI whiteout files are markers, never entries */
		int pfd = node_dirfd(fs, parent, layer);
		if (pfd == -ENOENT)
			continue;
		if (pfd < 0)
			return pfd;
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			int e = errno;
			bool hidden = e == ENOENT && lower && oci_whiteout_exists(pfd, name);
			close(pfd);
			if (e != ENOENT && e != ENOTDIR)
				return -e;
			if (hidden)
				break;
			continue;
		}
		if (is_whiteout(&st)) {
			close(pfd);
			break;
		}
		if (!found) {
			found = true;
			info->type = st.st_mode & S_IFMT;
			info->layer = info->last_layer = layer;
			info->backing_ino = st.st_ino;
			info->ino = union_ino_for(fs, layer, st.st_ino, pfd, name);
			if (st_out)
				*st_out = st;
			if (!S_ISDIR(st.st_mode) || dir_is_opaque(fs, layer, pfd, name)) {
				close(pfd);
				break;
			}
		} else {
			/* Below a directory only directories merge; anything else is hidden. */
			if (!S_ISDIR(st.st_mode)) {
				close(pfd);
				break;
			}
			info->last_layer = layer;
			if (dir_is_opaque(fs, layer, pfd, name)) {
				close(pfd);
				break;
			}
		}
		close(pfd);
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
	pthread_mutex_lock(&fs->table_lock);
	n->layer = info.layer;
	n->last_layer = info.last_layer;
	n->backing_ino = info.backing_ino;
	n->type = info.type;
	n->generation = fs->generation;
	pthread_mutex_unlock(&fs->table_lock);
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
