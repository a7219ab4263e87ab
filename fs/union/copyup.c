#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "copyup.h"
#include "ctr/cleanup.h"
#include "dirfd_cache.h"
#include "lookup.h"
#include "lower_links.h"
#include "merged_dir.h"
#include "whiteout.h"
#include "workdir.h"

/* Data is copied in pieces of this size; with `start_writeback` each piece
 * is handed to the disk as soon as it is copied, so that the fsync that
 * follows a copy-up waits for the last piece, not for all of them. */
#define COPY_PIECE ((off_t)8 << 20)

/* Copies data regions only, so sparse files stay sparse; a clone when the
 * filesystem can share extents. */
static int copy_data(int src, int dst, off_t size, bool start_writeback)
{
	if (size == 0)
		return 0;
	if (ioctl(dst, FICLONE, src) == 0)
		return 0;
	off_t pos = 0;
	while (pos < size) {
		off_t data = lseek(src, pos, SEEK_DATA);
		if (data < 0) {
			if (errno == ENXIO)
				break;          /* only a hole remains */
			data = pos;         /* no SEEK_DATA: copy everything */
		}
		off_t hole = lseek(src, data, SEEK_HOLE);
		if (hole < 0)
			hole = size;
		off_t in = data, out = data;
		while (in < hole) {
			off_t piece = hole - in < COPY_PIECE ? hole - in : COPY_PIECE;
			off_t piece_start = out;
			ssize_t n = copy_file_range(src, &in, dst, &out, (size_t)piece, 0);
			if (n > 0 && start_writeback && in < hole)   /* the fsync starts the last one */
				sync_file_range(dst, piece_start, n, SYNC_FILE_RANGE_WRITE);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
				char buf[1 << 16];
				ssize_t r = pread(src, buf, sizeof buf < (size_t)(hole - in) ? sizeof buf : (size_t)(hole - in), in);
				if (r < 0)
					return -errno;
				if (r == 0)
					break;
				if (pwrite(dst, buf, (size_t)r, out) != r)
					return -errno;
				in += r;
				out += r;
				continue;
			}
			if (n < 0)
				return -errno;
			if (n == 0)
				break;
		}
		pos = hole;
	}
	return ftruncate(dst, size) < 0 ? -errno : 0;
}

static int copy_xattrs(struct union_fs *fs, const char *src, const char *dst)
{
	ssize_t len = llistxattr(src, NULL, 0);
	if (len <= 0)
		return 0;
	char *list = malloc((size_t)len);
	if (!list)
		return -ENOMEM;
	len = llistxattr(src, list, (size_t)len);
	int ret = 0;
	size_t plen = strlen(fs->xattr_prefix);
	for (ssize_t i = 0; i < len && ret == 0; i += (ssize_t)strlen(list + i) + 1) {
		const char *name = list + i;
		/* Overlay-private attributes describe the source layer, not the copy. */
		if (strncmp(name, fs->xattr_prefix, plen) == 0 && strncmp(name + plen, "overlay.", 8) != 0)
			continue;
		ssize_t vlen = lgetxattr(src, name, NULL, 0);
		if (vlen < 0)
			continue;
		char *val = malloc((size_t)vlen + 1);
		if (!val) {
			ret = -ENOMEM;
			break;
		}
		vlen = lgetxattr(src, name, val, (size_t)vlen);
		if (vlen >= 0 && lsetxattr(dst, name, val, (size_t)vlen, 0) < 0 &&
		    errno != EPERM && errno != ENOTSUP)
			ret = -errno;
		free(val);
	}
	free(list);
	return ret;
}

int copy_attributes(struct union_fs *fs, int src_dirfd, const char *src_name, const struct stat *st,
		    int dst_dirfd, const char *dst_name)
{
	char src[PATH_MAX + 64], dst[PATH_MAX + 64];
	fd_path(src, sizeof src, src_dirfd, src_name);
	fd_path(dst, sizeof dst, dst_dirfd, dst_name);
	int r = copy_xattrs(fs, src, dst);
	if (r < 0)
		return r;
	/* A plain user cannot give files away; the copy stays the user's then. */
	if (fchownat(dst_dirfd, dst_name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    !(errno == EPERM && geteuid() != 0))
		return -errno;
	if (!S_ISLNK(st->st_mode) && fchmodat(dst_dirfd, dst_name, st->st_mode & 07777, 0) < 0)
		return -errno;
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	if (utimensat(dst_dirfd, dst_name, times, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/* Makes a copy of src_dirfd/src_name (stat st) as work-dir entry `tmp`. */
static int copy_object(struct union_fs *fs, int src_dirfd, const char *src_name, const struct stat *st,
		       const char *tmp, bool with_data, bool sync_data)
{
	int r = 0;
	switch (st->st_mode & S_IFMT) {
	case S_IFREG: {
		_cleanup_close_ int src = openat(src_dirfd, src_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (src < 0)
			return -errno;
		_cleanup_close_ int dst = openat(fs->work_fd == -1 ? -1 : fs->work_fd, tmp,
						 O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (dst < 0)
			return -errno;
		bool syncing = sync_data && !fs->cfg.volatile_mode;
		if (with_data)
			r = copy_data(src, dst, st->st_size, syncing);
		if (r == 0 && syncing && fsync(dst) < 0)
			r = -errno;
		break;
	}
	case S_IFDIR:
		r = mkdirat(fs->work_fd, tmp, 0700) < 0 ? -errno : 0;
		break;
	case S_IFLNK: {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(src_dirfd, src_name, target, PATH_MAX);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		r = symlinkat(target, fs->work_fd, tmp) < 0 ? -errno : 0;
		break;
	}
	default:
		r = mknodat(fs->work_fd, tmp, st->st_mode, st->st_rdev) < 0 ? -errno : 0;
	}
	if (r == 0)
		r = copy_attributes(fs, src_dirfd, src_name, st, fs->work_fd, tmp);
	if (r < 0)
		remove_tree_at(fs->work_fd, tmp);
	return r;
}

int install_from_work_at(int work_dirfd, const char *tmp, int upper_dirfd, const char *name)
{
	/* Usually the name is free: try that first, it saves a lookup. */
	if (renameat2(work_dirfd, tmp, upper_dirfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	struct stat st;
	if (fstatat(upper_dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!is_whiteout(&st))
			return -EEXIST;
		/* Exchange, so the name is never missing: a crash leaves old or new. */
		if (renameat2(work_dirfd, tmp, upper_dirfd, name, RENAME_EXCHANGE) < 0)
			return -errno;
		unlinkat(work_dirfd, tmp, 0);
		return 0;
	}
	return renameat2(work_dirfd, tmp, upper_dirfd, name, RENAME_NOREPLACE) < 0 ? -errno : 0;
}

int install_from_work(struct union_fs *fs, const char *tmp, int upper_dirfd, const char *name)
{
	return install_from_work_at(fs->work_fd, tmp, upper_dirfd, name);
}

/* A copy-up is not a change of the parent directory: keep its times, as
 * kernel overlayfs does. */
static void keep_dir_times(int dirfd, const struct stat *before)
{
	char path[64];
	struct timespec times[2] = {before->st_atim, before->st_mtim};
	fd_path(path, sizeof path, dirfd, NULL);
	utimensat(AT_FDCWD, path, times, 0);
}

static void node_moved_up(struct union_fs *fs, struct node *n, int upper_dirfd, ino_t upper_ino)
{
	ino_remember_copyup(fs, upper_dirfd, n->name, n->ino);
	pthread_mutex_lock(&fs->table_lock);
	n->layer = 0;
	n->backing_ino = upper_ino;
	pthread_mutex_unlock(&fs->table_lock);
}

int copyup_dir_chain(struct union_fs *fs, struct node *dir)
{
	int r = node_refresh(fs, dir);
	if (r < 0)
		return r;
	if (layer_is_upper(fs, dir->layer))
		return 0;
	if ((r = copyup_dir_chain(fs, dir->parent)) < 0)
		return r;
	return copyup_node(fs, dir, true);
}

/* Links work-dir file `tmp` at every other merged name of the lower inode
 * (layer, ino), so hard links survive the copy-up. */
static int link_other_names(struct union_fs *fs, int layer, ino_t ino, const char *tmp, struct node *primary)
{
	const char **paths;
	size_t count;
	int r = lower_links_find(fs, layer, ino, &paths, &count);
	if (r < 0 || count < 2)
		return r;
	for (size_t i = 0; i < count; i++) {
		struct node *parent;
		const char *base;
		if (lower_links_resolve(fs, paths[i], &parent, &base) < 0)
			continue;
		if (parent == primary->parent && strcmp(base, primary->name) == 0) {
			node_forget(fs, parent, 1);
			continue;
		}
		struct node_info info;
		if (union_lookup(fs, parent, base, &info, NULL) == 0 && info.layer == layer &&
		    info.backing_ino == ino && copyup_dir_chain(fs, parent) == 0) {
			int pfd = node_dirfd(fs, parent, 0);
			struct stat pst;
			if (pfd >= 0 && fstat(pfd, &pst) == 0) {
				char ltmp[64];
				workdir_tmpname(fs, ltmp, sizeof ltmp);
				if (linkat(fs->work_fd, tmp, fs->work_fd, ltmp, 0) == 0 &&
				    install_from_work(fs, ltmp, pfd, base) < 0)
					unlinkat(fs->work_fd, ltmp, 0);
				keep_dir_times(pfd, &pst);
			}
			if (pfd >= 0)
				close(pfd);
		}
		if (parent != fs->root)
			node_forget(fs, parent, 1);
	}
	return 0;
}

int copyup_node(struct union_fs *fs, struct node *n, bool with_data)
{
	if (n->removed)
		return -ENOENT;   /* its name is a whiteout now: nothing to copy up to */
	int r = node_refresh(fs, n);
	if (r < 0)
		return r;
	if (layer_is_upper(fs, n->layer))
		return 0;
	if (!fs->has_upper)
		return -EROFS;
	if ((r = copyup_dir_chain(fs, n->parent)) < 0)
		return r;

	_cleanup_close_ int src_dirfd = node_dirfd(fs, n->parent, n->layer);
	if (src_dirfd < 0)
		return src_dirfd;
	_cleanup_close_ int upper_dirfd = node_dirfd(fs, n->parent, 0);
	if (upper_dirfd < 0)
		return upper_dirfd;
	struct stat st;
	char tmp[64];
	workdir_tmpname(fs, tmp, sizeof tmp);
	if (fstatat(src_dirfd, n->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if ((r = copy_object(fs, src_dirfd, n->name, &st, tmp, with_data, true)) < 0)
		return r;
	if (S_ISREG(st.st_mode) && st.st_nlink > 1)
		link_other_names(fs, n->layer, st.st_ino, tmp, n);
	struct stat up, parent_before;
	bool have_parent = fstat(upper_dirfd, &parent_before) == 0;
	if (fstatat(fs->work_fd, tmp, &up, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (r = install_from_work(fs, tmp, upper_dirfd, n->name)) < 0) {
		r = r < 0 ? r : -errno;
		remove_tree_at(fs->work_fd, tmp);
		return r;
	}
	if (have_parent)
		keep_dir_times(upper_dirfd, &parent_before);
	node_moved_up(fs, n, upper_dirfd, up.st_ino);
	return r;
}

int copyup_if_linked(struct union_fs *fs, struct node *n)
{
	if (n->type != S_IFREG || layer_is_upper(fs, n->layer))
		return 0;
	struct stat st;
	int r = node_stat(fs, n, &st);
	if (r < 0 || st.st_nlink < 2)
		return r;
	return copyup_node(fs, n, true);
}

/* --- whole merged directories (rename) --- */

static int copy_merged_dir(struct union_fs *fs, struct node *dir, const char *dst_rel);

/* Puts one merged entry into the tree being built at dst_rel (in the work
 * dir). Objects already in the upper dir are hard-linked, not copied: the
 * inode moves along, so its other names, its st_ino and its data stay one. */
static int copy_tree_entry(struct union_fs *fs, struct node *dir, const struct merged_entry *e,
			   const char *dst_rel)
{
	int layer = e->layer;
	_cleanup_close_ int src_dirfd = node_dirfd(fs, dir, layer);
	if (src_dirfd < 0)
		return src_dirfd;
	struct stat st;
	int r = 0;
	if (fstatat(src_dirfd, e->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISREG(st.st_mode) && st.st_nlink > 1 && !layer_is_upper(fs, layer)) {
		/* Copy the whole link group up first, then treat it as upper. */
		struct node_info info;
		struct node *child = NULL;
		if ((r = union_lookup(fs, dir, e->name, &info, NULL)) < 0)
			return r;
		if (!(child = node_remember(fs, dir, e->name, &info)))
			return -ENOMEM;
		r = copyup_node(fs, child, true);
		node_forget(fs, child, 1);
		close(steal_fd(&src_dirfd));
		if (r < 0)
			return r;
		layer = 0;
		if ((src_dirfd = node_dirfd(fs, dir, 0)) < 0)
			return src_dirfd;
	}
	if (!S_ISDIR(st.st_mode) && layer_is_upper(fs, layer))
		return linkat(src_dirfd, e->name, fs->work_fd, dst_rel, 0) < 0 ? -errno : 0;
	if ((r = copy_object(fs, src_dirfd, e->name, &st, dst_rel, true, false)) < 0)
		return r;
	ino_remember_copyup(fs, fs->work_fd, dst_rel, e->ino);
	if (S_ISDIR(st.st_mode)) {
		struct node_info info;
		if ((r = union_lookup(fs, dir, e->name, &info, NULL)) < 0)
			return r;
		struct node *child = node_remember(fs, dir, e->name, &info);
		if (!child)
			return -ENOMEM;
		r = copy_merged_dir(fs, child, dst_rel);
		/* Restore the directory's own times, which creating entries changed. */
		struct timespec times[2] = {st.st_atim, st.st_mtim};
		if (r == 0 && utimensat(fs->work_fd, dst_rel, times, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		node_forget(fs, child, 1);
	}
	return r;
}

static int copy_merged_dir(struct union_fs *fs, struct node *dir, const char *dst_rel)
{
	struct merged_dir d;
	int r = merged_dir_load(fs, dir, &d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < d.count && r == 0; i++) {
		char *child_rel;
		if (asprintf(&child_rel, "%s/%s", dst_rel, d.entries[i].name) < 0) {
			r = -ENOMEM;
			break;
		}
		r = copy_tree_entry(fs, dir, &d.entries[i], child_rel);
		free(child_rel);
	}
	merged_dir_free(&d);
	return r;
}

static int sync_upper(struct union_fs *fs)
{
	int fd = openat(fs->layers[0].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = syncfs(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int copyup_merged_tree(struct union_fs *fs, struct node *dir)
{
	int r = node_refresh(fs, dir);
	if (r < 0)
		return r;
	if (layer_is_upper(fs, dir->layer) && dir->last_layer == 0)
		return 0;   /* nothing below merges into it */
	if ((r = copyup_dir_chain(fs, dir->parent)) < 0)
		return r;

	_cleanup_close_ int src_dirfd = node_dirfd(fs, dir->parent, dir->layer);
	if (src_dirfd < 0)
		return src_dirfd;
	_cleanup_close_ int upper_dirfd = node_dirfd(fs, dir->parent, 0);
	if (upper_dirfd < 0)
		return upper_dirfd;
	char tmp[64];
	struct stat st;
	workdir_tmpname(fs, tmp, sizeof tmp);
	if (fstatat(src_dirfd, dir->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if ((r = copy_object(fs, src_dirfd, dir->name, &st, tmp, false, false)) < 0)
		return r;
	if ((r = copy_merged_dir(fs, dir, tmp)) < 0 || (r = opaque_set(fs, fs->work_fd, tmp)) < 0)
		goto fail;
	struct timespec times[2] = {st.st_atim, st.st_mtim};
	utimensat(fs->work_fd, tmp, times, AT_SYMLINK_NOFOLLOW);
	/* One sync for the whole tree before it becomes visible. */
	if (!fs->cfg.volatile_mode && (r = sync_upper(fs)) < 0)
		goto fail;
	struct stat cur;
	if (fstatat(upper_dirfd, dir->name, &cur, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(cur.st_mode)) {
		/* Swap the partial upper dir for the complete copy, then retire it. */
		if (renameat2(fs->work_fd, tmp, upper_dirfd, dir->name, RENAME_EXCHANGE) < 0) {
			r = -errno;
			goto fail;
		}
		retire_tree_at(fs->work_fd, tmp);
	} else if ((r = install_from_work(fs, tmp, upper_dirfd, dir->name)) < 0) {
		goto fail;
	}
	struct stat up;
	if (fstatat(upper_dirfd, dir->name, &up, AT_SYMLINK_NOFOLLOW) == 0)
		node_moved_up(fs, dir, upper_dirfd, up.st_ino);
	pthread_mutex_lock(&fs->table_lock);
	dir->last_layer = 0;
	fs->generation++;   /* descendants now live in the upper dir: re-resolve them */
	dir->generation = fs->generation;
	pthread_mutex_unlock(&fs->table_lock);
	dirfd_cache_clear(fs->dirfds);
	return r;
fail:
	/* The half-built copy in the work dir is undone here, not by a cleanup. */
	remove_tree_at(fs->work_fd, tmp);
	return r;
}
