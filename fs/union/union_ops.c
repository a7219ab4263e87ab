/* The FUSE low-level operations of the union mount: each one finds its
 * nodes, takes the tree lock (shared to read the layers, exclusive to change
 * them), and leaves layer logic to lookup.c, copyup.c, rename.c and
 * merged_dir.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "caller_umask.h"
#include "copyup.h"
#include "dir_prefetch.h"
#include "dirfd_cache.h"
#include "lookup.h"
#include "merged_dir.h"
#include "rename.h"
#include "request_stats.h"
#include "union_ops.h"
#include "whiteout.h"
#include "workdir.h"
#include "writeback_error.h"
#include "xattr_names.h"

/* Every change to the layers passes through the kernel, which updates or
 * drops what it cached; ctrfs's own changes behind its back (copy-up, tree
 * copies) keep names, inode numbers and attributes. So the kernel may keep
 * entries and attributes as long as it likes. */
#define ENTRY_TIMEOUT 86400.0
#define ATTR_TIMEOUT 86400.0
#define WRITE_BEHIND_MIN ((ssize_t)256 << 10)

struct open_file {
	struct open_file *next_open;   /* node->open_files list, under table_lock */
	int fd;
	int layer;             /* where fd points; a copy-up since open means reopen */
	int flags;
	struct node *node;
	pthread_mutex_t lock;
};

struct open_dir {
	struct open_dir *prev, *next;   /* fs->open_dirs, under table_lock */
	struct node *node;
	struct merged_dir listing;
	bool loaded;
	struct entry_attrs *attrs;   /* prepared by the walk prefetcher, or NULL */
	uint64_t attrs_changes;      /* fs->changes the attrs are valid for */
};

static struct union_fs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void read_lock(struct union_fs *fs)
{
	pthread_rwlock_rdlock(&fs->tree_lock);
}

static void write_lock(struct union_fs *fs)
{
	pthread_rwlock_wrlock(&fs->tree_lock);
	atomic_fetch_add(&fs->changes, 1);
}

static void unlock(struct union_fs *fs)
{
	pthread_rwlock_unlock(&fs->tree_lock);
}

/* Turns a backing stat into what the mount reports. */
static void present_stat(struct union_fs *fs, const struct node *n, struct stat *st)
{
	st->st_ino = n->ino;
	st->st_uid = idmap_to_shown(&fs->cfg.uids, st->st_uid);
	st->st_gid = idmap_to_shown(&fs->cfg.gids, st->st_gid);
	/* The lower file still has its name in its layer, but not in the mount.
	 * (Multiply-linked lower files are copied up before a name goes.) */
	if (n->removed && !layer_is_upper(fs, n->layer))
		st->st_nlink = 0;
}

static int node_attr(struct union_fs *fs, struct node *n, struct stat *st)
{
	int r;
	if (n->removed && n != fs->root) {
		/* fstat(2) of an open file whose last name is gone comes without a
		 * file handle: answer from any open file of the node. */
		pthread_mutex_lock(&fs->table_lock);
		r = n->open_files ? (fstat(n->open_files->fd, st) < 0 ? -errno : 0) : -ENOENT;
		pthread_mutex_unlock(&fs->table_lock);
		if (r == 0)
			present_stat(fs, n, st);
		return r;
	}
	r = node_stat(fs, n, st);
	if (r == 0)
		present_stat(fs, n, st);
	return r;
}

static void reply_entry(fuse_req_t req, struct union_fs *fs, struct node *parent, const char *name,
			const struct node_info *info, struct stat *st)
{
	struct fuse_entry_param e = {.attr_timeout = ATTR_TIMEOUT, .entry_timeout = ENTRY_TIMEOUT};
	struct node *n = node_remember(fs, parent, name, info);
	if (!n) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	e.ino = n->nodeid;
	e.attr = *st;
	present_stat(fs, n, &e.attr);
	if (fuse_reply_entry(req, &e) != 0)
		node_forget(fs, n, 1);
}

static struct node *req_node(fuse_req_t req, fuse_ino_t ino)
{
	struct node *n = node_by_id(fs_of(req), ino);
	if (!n)
		fuse_reply_err(req, ESTALE);
	return n;
}

/* --- lookup and attributes --- */

static void op_lookup(fuse_req_t req, fuse_ino_t parent_ino, const char *name)
{
	request_count(REQ_LOOKUP);
	struct union_fs *fs = fs_of(req);
	struct node *parent = req_node(req, parent_ino);
	if (!parent)
		return;
	struct node_info info;
	struct stat st;
	read_lock(fs);
	int r = node_refresh(fs, parent);
	if (r == 0)
		r = strlen(name) > NAME_MAX ? -ENAMETOOLONG : union_lookup(fs, parent, name, &info, &st);
	if (r == -ENOENT) {
		/* A negative entry the kernel may cache: every change comes through it. */
		struct fuse_entry_param e = {.ino = 0, .entry_timeout = ENTRY_TIMEOUT};
		fuse_reply_entry(req, &e);
	} else if (r < 0) {
		fuse_reply_err(req, -r);
	} else {
		reply_entry(req, fs, parent, name, &info, &st);
	}
	unlock(fs);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	request_count(REQ_FORGET);
	struct union_fs *fs = fs_of(req);
	struct node *n = node_by_id(fs, ino);
	if (n)
		node_forget(fs, n, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	request_count(REQ_FORGET_MULTI);
	struct union_fs *fs = fs_of(req);
	for (size_t i = 0; i < count; i++) {
		struct node *n = node_by_id(fs, forgets[i].ino);
		if (n)
			node_forget(fs, n, forgets[i].nlookup);
	}
	fuse_reply_none(req);
}

/* With the writeback cache the kernel owns file positions and may read to
 * fill a page of a file opened write-only: open read-write, never O_APPEND
 * (the kernel sends appends at their offsets; pages may be flushed in any
 * order). */
static int backing_flags(struct union_fs *fs, int flags)
{
	flags = (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC)) | O_CLOEXEC | O_NOFOLLOW;
	if (fs->writeback) {
		flags &= ~O_APPEND;
		if ((flags & O_ACCMODE) == O_WRONLY)
			flags = (flags & ~O_ACCMODE) | O_RDWR;
	}
	return flags;
}

static int open_backing(struct union_fs *fs, int dirfd, const char *name, int flags)
{
	flags = (flags & ~(O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC | O_NOFOLLOW;
	if (fs->writeback) {
		flags &= ~O_APPEND;
		if ((flags & O_ACCMODE) == O_WRONLY) {
			int fd = openat(dirfd, name, (flags & ~O_ACCMODE) | O_RDWR);
			if (fd >= 0 || errno != EACCES)
				return fd;
		}
	}
	return openat(dirfd, name, flags);
}

/* The open file's fd, reopened if the object was copied up since open. */
static int file_fd(struct union_fs *fs, struct open_file *of)
{
	if (of->layer == of->node->layer || of->node->removed)
		return of->fd;
	pthread_mutex_lock(&of->lock);
	if (of->layer != of->node->layer) {
		int pfd = node_dirfd(fs, of->node->parent, of->node->layer);
		if (pfd >= 0) {
			int fd = open_backing(fs, pfd, of->node->name, of->flags & ~O_TRUNC);
			if (fd >= 0) {
				/* Keep the old number valid for readers in flight: dup over it. */
				dup3(fd, of->fd, O_CLOEXEC);
				close(fd);
				of->layer = of->node->layer;
			}
			close(pfd);
		}
	}
	pthread_mutex_unlock(&of->lock);
	return of->fd;
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	request_count(REQ_GETATTR);
	struct union_fs *fs = fs_of(req);
	struct node *n = req_node(req, ino);
	if (!n)
		return;
	struct stat st;
	int r;
	read_lock(fs);
	if (fi && n->type != S_IFDIR) {
		struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;
		/* With a writable handle this is, mostly, a write(2) asking for
		 * the size first: the one place where a refused writeback can
		 * fail a write (writeback_error.h). */
		r = (of->flags & O_ACCMODE) != O_RDONLY ? -writeback_error_take(n) : 0;
		if (r == 0)
			r = fstat(file_fd(fs, of), &st) < 0 ? -errno : 0;
		if (r == 0)
			present_stat(fs, n, &st);
	} else {
		r = node_attr(fs, n, &st);
	}
	unlock(fs);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, ATTR_TIMEOUT);
}

static int owner_to_disk(struct union_fs *fs, struct fuse_file_info *fi, int to_set, const struct stat *attr,
			 uid_t *uid, gid_t *gid)
{
	(void)fi;
	unsigned u, g;
	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (to_set & FUSE_SET_ATTR_UID) {
		if (!idmap_to_disk(&fs->cfg.uids, attr->st_uid, &u))
			return -EINVAL;
		*uid = u;
	}
	if (to_set & FUSE_SET_ATTR_GID) {
		if (!idmap_to_disk(&fs->cfg.gids, attr->st_gid, &g))
			return -EINVAL;
		*gid = g;
	}
	return 0;
}

/* Applies a setattr to an open fd (fd >= 0) or to dirfd/name. */
static int apply_setattr(struct union_fs *fs, int fd, int dirfd, const char *name, struct stat *attr, int to_set,
			 struct fuse_file_info *fi)
{
	int r = 0;
	if (to_set & FUSE_SET_ATTR_MODE) {
		mode_t mode = attr->st_mode & 07777;
		if (fd >= 0)
			r = fchmod(fd, mode) < 0 ? -errno : 0;
		else
			r = fchmodat(dirfd, *name ? name : ".", mode, 0) < 0 ? -errno : 0;
	}
	if (r == 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
		uid_t uid;
		gid_t gid;
		r = owner_to_disk(fs, fi, to_set, attr, &uid, &gid);
		if (r == 0 && fd >= 0)
			r = fchown(fd, uid, gid) < 0 ? -errno : 0;
		else if (r == 0)
			r = fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0 ? -errno : 0;
	}
	if (r == 0 && (to_set & FUSE_SET_ATTR_SIZE)) {
		if (fd >= 0) {
			r = ftruncate(fd, attr->st_size) < 0 ? -errno : 0;
		} else {
			int wfd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
			r = wfd < 0 ? -errno : (ftruncate(wfd, attr->st_size) < 0 ? -errno : 0);
			if (wfd >= 0)
				close(wfd);
		}
	}
	if (r == 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
		struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};
		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			ts[0].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_ATIME)
			ts[0] = attr->st_atim;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			ts[1].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_MTIME)
			ts[1] = attr->st_mtim;
		if (fd >= 0)
			r = futimens(fd, ts) < 0 ? -errno : 0;
		else
			r = utimensat(dirfd, *name ? name : ".", ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	}
	return r;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
	request_count(REQ_SETATTR);
	struct union_fs *fs = fs_of(req);
	struct node *n = req_node(req, ino);
	if (!n)
		return;
	/* ctime belongs to the backing filesystem; the writeback cache sends it
	 * after writes and unlinks, and it must not cause a copy-up. */
	to_set &= ~FUSE_SET_ATTR_CTIME;
	write_lock(fs);
	struct stat st;
	int r = 0, fd = -1, pfd = -1;
	if (fi && n->type != S_IFDIR)
		fd = file_fd(fs, (struct open_file *)(uintptr_t)fi->fh);
	if (n->removed && n != fs->root) {
		/* No name left: only an open file reaches the object, and a lower
		 * one is not ours to change. */
		pthread_mutex_lock(&fs->table_lock);
		if (fd < 0 && n->open_files)
			fd = n->open_files->fd;
		pthread_mutex_unlock(&fs->table_lock);
		/* The writeback cache flushes the times of an object whose last
		 * name just went (unlink, rename over it); nobody can see them any
		 * more, and a refusal would come back from the next syncfs(2) as
		 * the mount's writeback error. */
		bool times_only = !(to_set & ~(FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_ATIME |
					       FUSE_SET_ATTR_ATIME_NOW));
		if (times_only && fd < 0) {
			unlock(fs);
			st = (struct stat){.st_ino = n->ino, .st_mode = n->type};
			fuse_reply_attr(req, &st, 0);
			return;
		}
		if (fd < 0)
			r = -ENOENT;
		else if (to_set && layer_is_upper(fs, n->layer))
			r = apply_setattr(fs, fd, -1, "", attr, to_set, fi);
		else if (to_set && !times_only)
			r = -EROFS;
	} else if (to_set) {
		bool truncating = (to_set & FUSE_SET_ATTR_SIZE) && attr->st_size == 0;
		r = n == fs->root ? (fs->has_upper ? 0 : -EROFS) : copyup_node(fs, n, !truncating);
		if (r == 0 && fd >= 0)
			fd = file_fd(fs, (struct open_file *)(uintptr_t)fi->fh);   /* reopened after the copy-up */
		if (r == 0) {
			pfd = n == fs->root ? fcntl(fs->layers[0].fd, F_DUPFD_CLOEXEC, 0) : node_dirfd(fs, n->parent, 0);
			if (pfd < 0)
				r = pfd;
		}
		if (r == 0)
			r = apply_setattr(fs, fd, pfd, n == fs->root ? "" : n->name, attr, to_set, fi);
		if (pfd >= 0)
			close(pfd);
	}
	if (r == 0) {
		if (fd >= 0) {
			r = fstat(fd, &st) < 0 ? -errno : 0;
			if (r == 0)
				present_stat(fs, n, &st);
		} else {
			r = node_attr(fs, n, &st);
		}
	}
	unlock(fs);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, ATTR_TIMEOUT);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	request_count(REQ_READLINK);
	struct union_fs *fs = fs_of(req);
	struct node *n = req_node(req, ino);
	if (!n)
		return;
	char buf[PATH_MAX + 1];
	read_lock(fs);
	int r = node_refresh(fs, n);
	int pfd = r < 0 ? r : node_dirfd(fs, n->parent, n->layer);
	ssize_t len = -1;
	if (pfd >= 0) {
		len = readlinkat(pfd, n->name, buf, PATH_MAX);
		r = len < 0 ? -errno : 0;
		close(pfd);
	} else {
		r = pfd;
	}
	unlock(fs);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	buf[len] = '\0';
	fuse_reply_readlink(req, buf);
}

/* --- creating entries --- */

/* Gives a new entry the caller's owner (setgid directories pass their group
 * on). Giving a file away clears its setuid and setgid bits, root's chown
 * too; a file made with some of them (`special`) gets its mode back. */
static int set_new_owner(struct union_fs *fs, fuse_req_t req, int dirfd, const char *name, int parent_fd,
			 mode_t special)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	unsigned uid, gid;
	struct stat pst, st;
	if (!idmap_to_disk(&fs->cfg.uids, ctx->uid, &uid) || !idmap_to_disk(&fs->cfg.gids, ctx->gid, &gid))
		return -EINVAL;
	/* Created with the daemon's ids, the entry already has the right group
	 * (the backing filesystem applied a setgid parent's) when they match. */
	if (uid == geteuid() && gid == getegid())
		return 0;
	if (fstat(parent_fd, &pst) == 0 && (pst.st_mode & S_ISGID))
		gid = pst.st_gid;
	if (special && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
		if (!(errno == EPERM && geteuid() != 0))
			return -errno;
		return 0;
	}
	if (special && fchmodat(dirfd, name, st.st_mode & 07777, 0) < 0)
		return -errno;
	return 0;
}

enum new_kind { NEW_FILE, NEW_NODE, NEW_DIR, NEW_SYMLINK, NEW_LINK };

struct new_entry {
	enum new_kind kind;
	int open_flags;           /* NEW_FILE: the flags of create(2) */
	int fd;                   /* NEW_FILE: the open file, out */
	mode_t mode;              /* as the caller asked, unmasked (FUSE_CAP_DONT_MASK) */
	mode_t umask;             /* the caller's, for NEW_FILE, NEW_NODE and NEW_DIR */
	dev_t rdev;
	const char *link_target;  /* NEW_SYMLINK */
	struct node *link_source; /* NEW_LINK */
};

/* Files, dirs and nodes are made under the caller's umask (see
 * caller_umask.h); symlinks and links have no mode to mask. */
static int make_object(struct union_fs *fs, struct new_entry *ne, int dirfd, const char *name)
{
	mode_t mode = ne->mode;
	int r;
	switch (ne->kind) {
	case NEW_FILE:
		caller_umask_enter(ne->umask, &mode);
		ne->fd = openat(dirfd, name, backing_flags(fs, ne->open_flags) | O_CREAT | O_EXCL, mode & 07777);
		r = ne->fd < 0 ? -errno : 0;
		caller_umask_leave();
		return r;
	case NEW_DIR:
		caller_umask_enter(ne->umask, &mode);
		r = mkdirat(dirfd, name, mode) < 0 ? -errno : 0;
		caller_umask_leave();
		return r;
	case NEW_SYMLINK:
		return symlinkat(ne->link_target, dirfd, name) < 0 ? -errno : 0;
	case NEW_LINK: {
		int sfd = node_dirfd(fs, ne->link_source->parent, 0);
		if (sfd < 0)
			return sfd;
		int r = linkat(sfd, ne->link_source->name, dirfd, name, 0) < 0 ? -errno : 0;
		close(sfd);
		return r;
	}
	default:
		caller_umask_enter(ne->umask, &mode);
		r = mknodat(dirfd, name, mode, ne->rdev) < 0 ? -errno : 0;
		caller_umask_leave();
		return r;
	}
}

/* The setuid and setgid bits a new file is made with (chown would clear them). */
static mode_t special_bits(const struct new_entry *ne)
{
	bool file = ne->kind == NEW_FILE || (ne->kind == NEW_NODE && S_ISREG(ne->mode));
	return file ? ne->mode & (S_ISUID | S_ISGID) : 0;
}

/* Creates parent/name in the upper dir. Over a whiteout it is built in the
 * work dir (a directory marked opaque) and swapped in atomically. The kernel
 * looked the name up (negative) under the directory's lock, so existence is
 * not checked again; an upper entry that is not a whiteout fails with
 * EEXIST. On success *info and *st describe the new entry. */
static int create_entry(struct union_fs *fs, fuse_req_t req, struct node *parent, const char *name,
			struct new_entry *ne, struct node_info *info, struct stat *st)
{
	if (!fs->has_upper)
		return -EROFS;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	int r = copyup_dir_chain(fs, parent);
	if (r < 0)
		return r;
	int pfd = node_dirfd(fs, parent, 0);
	if (pfd < 0)
		return pfd;
	bool over_whiteout = fstatat(pfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 && is_whiteout(st);
	ne->fd = -1;
	if (!over_whiteout) {
		r = make_object(fs, ne, pfd, name);
		if (r == 0 && ne->kind != NEW_LINK && (r = set_new_owner(fs, req, pfd, name, pfd, special_bits(ne))) < 0)
			unlinkat(pfd, name, ne->kind == NEW_DIR ? AT_REMOVEDIR : 0);
	} else {
		/* Built as work-dir entry tmp, or as tmp/new when the parent's
		 * default ACL has to apply to it (workdir_acl_nest). */
		char tmp[64];
		workdir_tmpname(fs, tmp, sizeof tmp);
		int wfd = -1;
		if (ne->kind != NEW_LINK && ne->kind != NEW_SYMLINK)
			r = workdir_acl_nest(fs, pfd, tmp, &wfd);
		const char *wname = wfd >= 0 ? "new" : tmp;
		if (wfd < 0)
			wfd = fs->work_fd;
		if (r == 0)
			r = make_object(fs, ne, wfd, wname);
		if (r == 0 && ne->kind != NEW_LINK)
			r = set_new_owner(fs, req, wfd, wname, pfd, special_bits(ne));
		if (r == 0 && ne->kind == NEW_DIR)
			r = opaque_set(fs, wfd, wname);
		if (r == 0)
			r = install_from_work_at(wfd, wname, pfd, name);
		if (r < 0 || wfd != fs->work_fd)
			remove_tree_at(fs->work_fd, tmp);
		if (wfd != fs->work_fd)
			close(wfd);
	}
	if (r == 0 && fstatat(pfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	if (r == 0) {
		/* New in the upper dir: nothing below merges into it (a directory
		 * made over a whiteout is opaque). */
		*info = (struct node_info){.ino = union_ino_for(fs, 0, st->st_ino, pfd, name),
					   .type = st->st_mode & S_IFMT, .layer = 0, .last_layer = 0,
					   .backing_ino = st->st_ino, .redirect_layer = -1};
	}
	if (r < 0 && ne->fd >= 0) {
		close(ne->fd);
		ne->fd = -1;
	}
	close(pfd);
	return r;
}

static void reply_new(fuse_req_t req, fuse_ino_t parent_ino, const char *name, struct new_entry *ne)
{
	struct union_fs *fs = fs_of(req);
	struct node *parent = req_node(req, parent_ino);
	if (!parent)
		return;
	struct node_info info;
	struct stat st;
	write_lock(fs);
	int r = node_refresh(fs, parent);
	if (r == 0)
		r = create_entry(fs, req, parent, name, ne, &info, &st);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		reply_entry(req, fs, parent, name, &info, &st);
	unlock(fs);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	request_count(REQ_MKNOD);
	struct new_entry ne = {.kind = NEW_NODE, .mode = mode, .umask = fuse_req_ctx(req)->umask, .rdev = rdev};
	reply_new(req, parent, name, &ne);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	request_count(REQ_MKDIR);
	struct new_entry ne = {.kind = NEW_DIR, .mode = mode, .umask = fuse_req_ctx(req)->umask};
	reply_new(req, parent, name, &ne);
}

static void op_symlink(fuse_req_t req, const char *target, fuse_ino_t parent, const char *name)
{
	request_count(REQ_SYMLINK);
	struct new_entry ne = {.kind = NEW_SYMLINK, .link_target = target};
	reply_new(req, parent, name, &ne);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t new_parent, const char *new_name)
{
	request_count(REQ_LINK);
	struct union_fs *fs = fs_of(req);
	struct node *n = req_node(req, ino);
	if (!n)
		return;
	write_lock(fs);
	int r = copyup_node(fs, n, true);
	unlock(fs);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	struct new_entry ne = {.kind = NEW_LINK, .link_source = n};
	reply_new(req, new_parent, new_name, &ne);
}

/* --- removing entries --- */

static int remove_entry(struct union_fs *fs, struct node *parent, const char *name, bool dir)
{
	if (!fs->has_upper)
		return -EROFS;
	struct node_info info;
	int r = union_lookup(fs, parent, name, &info, NULL);
	if (r < 0)
		return r;
	if (dir && info.type != S_IFDIR)
		return -ENOTDIR;
	if (!dir && info.type == S_IFDIR)
		return -EISDIR;
	struct node *n = node_by_ino(fs, info.ino);
	bool temporary = n == NULL;
	if (!n && !(n = node_remember(fs, parent, name, &info)))
		return -ENOMEM;
	if (dir && (r = merged_dir_is_empty(fs, n)) <= 0) {
		r = r < 0 ? r : -ENOTEMPTY;
		goto out;
	}
	bool need_whiteout = lower_has_name(fs, parent, name, fs->first_lower);
	if ((r = copyup_dir_chain(fs, parent)) < 0)
		goto out;
	if (!dir && (r = copyup_if_linked(fs, n)) < 0)
		goto out;
	if (!dir)
		info.layer = n->layer;
	int pfd = node_dirfd(fs, parent, 0);
	if (pfd < 0) {
		r = pfd;
		goto out;
	}
	char tmp[64];
	workdir_tmpname(fs, tmp, sizeof tmp);
	if (!layer_is_upper(fs, info.layer)) {
		r = whiteout_make(pfd, name);
	} else if (!need_whiteout && !dir) {
		r = unlinkat(pfd, name, 0) < 0 ? -errno : 0;
	} else if (!need_whiteout) {
		/* The directory may still hold whiteouts: move it aside, then empty it. */
		r = renameat(pfd, name, fs->work_fd, tmp) < 0 ? -errno : 0;
		if (r == 0)
			remove_tree_at(fs->work_fd, tmp);
	} else if ((r = whiteout_make(fs->work_fd, tmp)) == 0) {
		/* Swap the whiteout in, so the lower object never shows through. */
		if (renameat2(fs->work_fd, tmp, pfd, name, RENAME_EXCHANGE) < 0)
			r = -errno;
		remove_tree_at(fs->work_fd, tmp);
	}
	close(pfd);
	if (r == 0)
		node_drop_name(fs, n, parent, name);
out:
	if (temporary)
		node_forget(fs, n, 1);
	return r;
}

static void reply_remove(fuse_req_t req, fuse_ino_t parent_ino, const char *name, bool dir)
{
	struct union_fs *fs = fs_of(req);
	struct node *parent = req_node(req, parent_ino);
	if (!parent)
		return;
	write_lock(fs);
	int r = node_refresh(fs, parent);
	if (r == 0)
		r = remove_entry(fs, parent, name, dir);
	unlock(fs);
	fuse_reply_err(req, r < 0 ? -r : 0);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	request_count(REQ_UNLINK);
	reply_remove(req, parent, name, false);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	request_count(REQ_RMDIR);
	reply_remove(req, parent, name, true);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent_ino, const char *name, fuse_ino_t new_parent_ino,
		      const char *new_name, unsigned int flags)
{
	request_count(REQ_RENAME);
	struct union_fs *fs = fs_of(req);
	struct node *parent = req_node(req, parent_ino);
	if (!parent)
		return;
	struct node *new_parent = req_node(req, new_parent_ino);
	if (!new_parent)
		return;
	if (strlen(new_name) > NAME_MAX) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	write_lock(fs);
	int r = union_rename(fs, parent, name, new_parent, new_name, flags);
	unlock(fs);
	fuse_reply_err(req, r < 0 ? -r : 0);
}

/* --- files --- */

static int new_open_file(struct union_fs *fs, struct node *n, int fd, int flags, struct open_file **out);

static int open_node(struct union_fs *fs, struct node *n, int flags, struct open_file **out)
{
	bool writing = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
	int r = node_refresh(fs, n);
	if (r == 0 && writing)
		r = copyup_node(fs, n, !(flags & O_TRUNC));
	if (r < 0)
		return r;
	int pfd = node_dirfd(fs, n->parent, n->layer);
	if (pfd < 0)
		return pfd;
	int fd = open_backing(fs, pfd, n->name, flags);
	r = fd < 0 ? -errno : 0;
	close(pfd);
	if (r < 0)
		return r;
	r = new_open_file(fs, n, fd, flags, out);
	if (r < 0)
		close(fd);
	return r;
}

/* Wraps an open backing fd of node n as a FUSE file handle. */
static int new_open_file(struct union_fs *fs, struct node *n, int fd, int flags, struct open_file **out)
{
	struct open_file *of = calloc(1, sizeof *of);
	if (!of)
		return -ENOMEM;
	of->fd = fd;
	of->layer = n->layer;
	of->flags = flags;
	of->node = n;
	pthread_mutex_init(&of->lock, NULL);
	node_hold(fs, n);
	pthread_mutex_lock(&fs->table_lock);
	of->next_open = n->open_files;
	n->open_files = of;
	pthread_mutex_unlock(&fs->table_lock);
	*out = of;
	return 0;
}

static void close_file(struct union_fs *fs, struct open_file *of)
{
	pthread_mutex_lock(&fs->table_lock);
	for (struct open_file **p = &of->node->open_files; *p; p = &(*p)->next_open) {
		if (*p == of) {
			*p = of->next_open;
			break;
		}
	}
	pthread_mutex_unlock(&fs->table_lock);
	close(of->fd);
	pthread_mutex_destroy(&of->lock);
	node_release(fs, of->node);
	free(of);
}

static void set_file_info(struct union_fs *fs, struct fuse_file_info *fi, struct open_file *of)
{
	fi->fh = (uintptr_t)of;
	/* Only ctrfs changes these files, and every change passes the kernel. */
	fi->keep_cache = 1;
	/* Short of space, a write-only file leaves the writeback cache: its
	 * write(2) calls then get the disk's answer, not a later one
	 * (low_space.h). Read-write files may be mmapped shared: they stay.
	 * So do setuid and setgid files: on a cached write the kernel decides
	 * (CAP_FSETID) whether the bits go and sends the SETATTR; on a direct
	 * one it only flags the WRITE, and libfuse 3.14 does not pass that
	 * flag on (direct_write_kill_suid approximates it). */
	struct stat st;
	if (fs->writeback && (fi->flags & O_ACCMODE) == O_WRONLY && low_space_now(&fs->low_space, fs->layers[0].fd) &&
	    fstat(of->fd, &st) == 0 && !(st.st_mode & (S_ISUID | S_ISGID)))
		fi->direct_io = 1;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	request_count(REQ_OPEN);
	struct union_fs *fs = fs_of(req);
	struct node *n = req_node(req, ino);
	if (!n)
		return;
	readahead_apply_once(&fs->readahead);
	bool writing = (fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC);
	if (writing)
		write_lock(fs);
	else
		read_lock(fs);
	struct open_file *of = NULL;
	int r = writing && !fs->has_upper ? -EROFS : open_node(fs, n, fi->flags, &of);
	unlock(fs);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	set_file_info(fs, fi, of);
	if (fuse_reply_open(req, fi) != 0)
		close_file(fs, of);
}

static void op_create(fuse_req_t req, fuse_ino_t parent_ino, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	request_count(REQ_CREATE);
	struct union_fs *fs = fs_of(req);
	struct node *parent = req_node(req, parent_ino);
	if (!parent)
		return;
	struct new_entry ne = {.kind = NEW_FILE, .mode = mode, .umask = fuse_req_ctx(req)->umask,
			       .open_flags = fi->flags};
	struct node_info info;
	struct stat st;
	struct node *n = NULL;
	struct open_file *of = NULL;
	write_lock(fs);
	int r = node_refresh(fs, parent);
	if (r == 0)
		r = create_entry(fs, req, parent, name, &ne, &info, &st);
	if (r == 0 && !(n = node_remember(fs, parent, name, &info)))
		r = -ENOMEM;
	if (r == 0 && (r = new_open_file(fs, n, ne.fd, fi->flags, &of)) < 0) {
		node_forget(fs, n, 1);
		n = NULL;
	}
	if (r < 0 && ne.fd >= 0)
		close(ne.fd);
	unlock(fs);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	struct fuse_entry_param e = {.ino = n->nodeid, .attr = st, .attr_timeout = ATTR_TIMEOUT,
				     .entry_timeout = ENTRY_TIMEOUT};
	present_stat(fs, n, &e.attr);
	set_file_info(fs, fi, of);
	if (fuse_reply_create(req, &e, fi) != 0) {
		close_file(fs, of);
		node_forget(fs, n, 1);
	}
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	request_count(REQ_READ);
	(void)ino;
	struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = file_fd(fs_of(req), of);
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

/* Big writes are streaming writes (the kernel's writeback sends dirty
 * ranges in chunks of up to 1 MiB): hand them to the disk at once, as the
 * kernel would do a little later, so that an fsync that follows finds little
 * left to write and the data is not kept dirty twice (in the mount's page
 * cache and the upper file's). Small writes are left to the kernel. */
static void write_behind(struct union_fs *fs, int fd, off_t off, ssize_t n)
{
	if (n >= WRITE_BEHIND_MIN && fs->write_behind)
		sync_file_range(fd, off, n, SYNC_FILE_RANGE_WRITE);
}

/* A WRITE that is not writeback comes from write(2) on a direct-I/O file
 * (low space, or O_DIRECT), for which the kernel drops no setuid or setgid
 * bit itself: it flags the WRITE (FUSE_WRITE_KILL_SUIDGID) when the writer
 * lacks CAP_FSETID, a flag libfuse 3.14 does not pass on. Drop them as a
 * cached write would for anyone but root (the bits the kernel's FUSE client
 * drops: setuid, and setgid with group execute). */
static void direct_write_kill_suid(fuse_req_t req, fuse_ino_t ino, int fd)
{
	struct stat st;
	if (fuse_req_ctx(req)->uid == 0 || fstat(fd, &st) < 0)
		return;
	mode_t kill = (st.st_mode & S_ISUID) | ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) ? S_ISGID : 0);
	/* Done behind the kernel's back: its cached mode must go too
	 * (attributes only, which never waits for pages). As the kernel's
	 * own attempt, a failure does not stop the write. */
	if (kill && fchmod(fd, st.st_mode & 07777 & ~kill) == 0)
		fuse_lowlevel_notify_inval_inode(fs_of(req)->se, ino, -1, 0);
}

static void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in, off_t off,
			 struct fuse_file_info *fi)
{
	request_count(REQ_WRITE_BUF);
	struct union_fs *fs = fs_of(req);
	struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;
	size_t size = fuse_buf_size(in);
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(size);
	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = of->fd;
	out.buf[0].pos = off;
	/* A short write is an answer for write(2) (direct I/O: the caller
	 * goes on and meets the error itself), but the kernel's writeback
	 * takes any reply but an error as "all stored": there, go on until
	 * everything is written or the disk says why not. */
	size_t done = 0;
	int err = 0;
	if (!fi->writepage)
		direct_write_kill_suid(req, ino, of->fd);
	writeback_size_hold(fs);
	while (done < size) {
		ssize_t n = fuse_buf_copy(&out, in, 0);
		if (n <= 0) {
			err = n < 0 ? (int)-n : EIO;
			break;
		}
		done += (size_t)n;
		if (!fi->writepage)
			break;
	}
	writeback_size_release(fs);
	/* After the write, so that stats the walk prefetcher took before it
	 * count as stale (see dir_prefetch.h). */
	atomic_fetch_add(&fs->changes, 1);
	if (err && fi->writepage) {
		off_t end = off + (off_t)size;
		writeback_refused(fs, of->node, ino, of->fd, end, err);
		atomic_fetch_add(&fs->changes, 1);   /* it may have changed the size */
		fuse_reply_err(req, err);
		writeback_drop_pages(fs, ino, off + (off_t)done, end);
		return;
	}
	if (err && done == 0) {
		fuse_reply_err(req, err);
		return;
	}
	/* Before the reply: once answered, a RELEASE may free `of` and close
	 * its fd in another thread. */
	write_behind(fs, of->fd, off, (ssize_t)done);
	fuse_reply_write(req, done);
}

/* No flush operation: ctrfs has nothing to do at close(2) before release,
 * and without one the kernel stops sending FLUSH after the first ENOSYS. */
static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	request_count(REQ_RELEASE);
	(void)ino;
	struct union_fs *fs = fs_of(req);
	close_file(fs, (struct open_file *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	request_count(REQ_FSYNC);
	(void)ino;
	struct union_fs *fs = fs_of(req);
	struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;
	int r = 0;
	if (!fs->cfg.ignore_fsync)
		r = (datasync ? fdatasync(of->fd) : fsync(of->fd)) < 0 ? errno : 0;
	fuse_reply_err(req, r);
}

static void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
			 struct fuse_file_info *fi)
{
	request_count(REQ_FALLOCATE);
	(void)ino;
	struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;
	writeback_size_hold(fs_of(req));
	int r = fallocate(of->fd, mode, off, len) < 0 ? errno : 0;
	writeback_size_release(fs_of(req));
	atomic_fetch_add(&fs_of(req)->changes, 1);   /* after the change: see dir_prefetch.h */
	fuse_reply_err(req, r);
}

static void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi)
{
	request_count(REQ_LSEEK);
	(void)ino;
	struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;
	off_t r = lseek(file_fd(fs_of(req), of), off, whence);
	if (r < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, r);
}

/* --- directories --- */

static void drop_listing(struct open_dir *od)
{
	if (od->attrs) {
		for (size_t i = 0; i < od->listing.count; i++)
			free(od->attrs[i].redirect);
		free(od->attrs);
		od->attrs = NULL;
	}
	if (od->loaded)
		merged_dir_free(&od->listing);
	od->loaded = false;
}

static void close_dir(struct union_fs *fs, struct open_dir *od)
{
	pthread_mutex_lock(&fs->table_lock);
	if (od->prev)
		od->prev->next = od->next;
	else
		fs->open_dirs = od->next;
	if (od->next)
		od->next->prev = od->prev;
	pthread_mutex_unlock(&fs->table_lock);
	drop_listing(od);
	node_release(fs, od->node);
	free(od);
}

void union_close_handles(struct union_fs *fs)
{
	while (fs->open_dirs)
		close_dir(fs, fs->open_dirs);
	/* Collect first: closing may free nodes, and with them table chains. */
	size_t count = 0, cap = 0;
	struct open_file **files = NULL;
	for (size_t i = 0; i < fs->nbuckets; i++) {
		for (struct node *n = fs->by_id[i]; n; n = n->id_next) {
			for (struct open_file *of = n->open_files; of; of = of->next_open) {
				if (count == cap) {
					cap = cap ? cap * 2 : 64;
					struct open_file **grown = realloc(files, cap * sizeof *grown);
					if (!grown)
						goto out;
					files = grown;
				}
				files[count++] = of;
			}
		}
	}
out:
	for (size_t i = 0; i < count; i++)
		close_file(fs, files[i]);
	free(files);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	request_count(REQ_OPENDIR);
	struct union_fs *fs = fs_of(req);
	struct node *n = req_node(req, ino);
	if (!n)
		return;
	struct open_dir *od = calloc(1, sizeof *od);
	if (!od) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	od->node = n;
	node_hold(fs, n);
	pthread_mutex_lock(&fs->table_lock);
	od->next = fs->open_dirs;
	if (od->next)
		od->next->prev = od;
	fs->open_dirs = od;
	pthread_mutex_unlock(&fs->table_lock);
	fi->fh = (uintptr_t)od;
	if (fuse_reply_open(req, fi) != 0)
		close_dir(fs, od);
}

/* The entry readdirplus hands the kernel: a counted lookup with its
 * attributes, from a prepared walk result when there is a valid one. */
static int plus_entry(struct union_fs *fs, struct open_dir *od, size_t i, int *layer_fds,
		      struct node **node, struct fuse_entry_param *ep)
{
	struct node_info info;
	struct stat st;
	int r;
	if (od->attrs && od->attrs_changes == atomic_load(&fs->changes)) {
		const struct entry_attrs *a = &od->attrs[i];
		if ((r = a->status) < 0)
			return r;
		entry_attrs_info(a, &info);
		st = a->st;
	} else if ((r = merged_entry_attrs(fs, od->node, &od->listing.entries[i], layer_fds, &info, &st)) < 0) {
		return r;
	}
	struct node *n = node_remember(fs, od->node, od->listing.entries[i].name, &info);
	if (!n)
		return -ENOMEM;
	*ep = (struct fuse_entry_param){.ino = n->nodeid, .attr = st, .attr_timeout = ATTR_TIMEOUT,
					.entry_timeout = ENTRY_TIMEOUT};
	present_stat(fs, n, &ep->attr);
	*node = n;
	return 0;
}

static void reply_dir(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi, bool plus)
{
	struct union_fs *fs = fs_of(req);
	struct open_dir *od = (struct open_dir *)(uintptr_t)fi->fh;
	read_lock(fs);
	if (off == 0 || !od->loaded) {
		/* Offset 0 is opendir or rewinddir: take a fresh snapshot. */
		drop_listing(od);
		int r = 0;
		if (!plus || !dir_prefetch_take(fs, od->node, &od->listing, &od->attrs, &od->attrs_changes))
			r = merged_dir_load(fs, od->node, &od->listing);
		if (r < 0) {
			unlock(fs);
			fuse_reply_err(req, -r);
			return;
		}
		od->loaded = true;
	}
	char *buf = malloc(size);
	int layer_fds[fs->nlayers];
	for (int i = 0; i < fs->nlayers; i++)
		layer_fds[i] = -1;
	if (!buf) {
		unlock(fs);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	size_t used = 0;
	int err = 0;
	struct node *subdirs[256];   /* for the walk prefetcher */
	size_t nsubdirs = 0;
	/* Offsets: 1 is ".", 2 is "..", 3+i is entry i. */
	for (size_t pos = (size_t)off; pos < od->listing.count + 2; pos++) {
		struct fuse_entry_param ep = {0};
		const char *name;
		if (pos < 2) {
			name = pos == 0 ? "." : "..";
			ep.attr.st_ino = pos == 0 || !od->node->parent ? od->node->ino : od->node->parent->ino;
			ep.attr.st_mode = S_IFDIR;
		} else {
			const struct merged_entry *e = &od->listing.entries[pos - 2];
			name = e->name;
			ep.attr.st_ino = e->ino;
			ep.attr.st_mode = DTTOIF(e->type);
		}
		size_t need;
		if (!plus) {
			need = fuse_add_direntry(req, buf + used, size - used, name, &ep.attr, (off_t)pos + 1);
		} else {
			/* Count a lookup only for an entry that fits in this reply. */
			if (fuse_add_direntry_plus(req, NULL, 0, name, NULL, 0) > size - used)
				break;
			if (pos >= 2) {
				struct node *child;
				int r = plus_entry(fs, od, pos - 2, layer_fds, &child, &ep);
				if (r == -ENOENT)
					continue;   /* removed since the snapshot */
				if (r < 0) {
					err = -r;
					break;
				}
				if (child->type == S_IFDIR && nsubdirs < sizeof subdirs / sizeof *subdirs)
					subdirs[nsubdirs++] = child;
			}
			need = fuse_add_direntry_plus(req, buf + used, size - used, name, &ep, (off_t)pos + 1);
		}
		if (need > size - used)
			break;
		used += need;
	}
	for (int i = 0; i < fs->nlayers; i++)
		if (layer_fds[i] >= 0)
			close(layer_fds[i]);
	if (plus)
		dir_prefetch_walked(fs, od->node, off == 0, subdirs, nsubdirs);
	unlock(fs);
	if (err && used == 0)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, used);
	free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	request_count(REQ_READDIR);
	(void)ino;
	reply_dir(req, size, off, fi, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	request_count(REQ_READDIRPLUS);
	(void)ino;
	reply_dir(req, size, off, fi, true);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	request_count(REQ_RELEASEDIR);
	(void)ino;
	struct union_fs *fs = fs_of(req);
	close_dir(fs, (struct open_dir *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	request_count(REQ_FSYNCDIR);
	(void)fi;
	(void)datasync;
	struct union_fs *fs = fs_of(req);
	struct node *n = req_node(req, ino);
	if (!n)
		return;
	int r = 0;
	if (!fs->cfg.ignore_fsync && fs->has_upper) {
		read_lock(fs);
		int pfd = layer_is_upper(fs, n->layer) ? node_dirfd(fs, n, 0) : -ENOENT;
		unlock(fs);
		if (pfd >= 0) {
			int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd >= 0) {
				r = fsync(fd) < 0 ? errno : 0;
				close(fd);
			}
			close(pfd);
		}
	}
	fuse_reply_err(req, r);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	request_count(REQ_STATFS);
	(void)ino;
	struct union_fs *fs = fs_of(req);
	struct statvfs sv;
	if (fstatvfs(fs->layers[0].fd, &sv) < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_statfs(req, &sv);
}

/* --- extended attributes --- */

/* "/proc/self/fd/N/name" of the node in its current layer, and that dir fd. */
static int node_xattr_path(struct union_fs *fs, struct node *n, char *path, size_t size, int *dirfd)
{
	int r = node_refresh(fs, n);
	if (r < 0)
		return r;
	if (n == fs->root) {
		*dirfd = fcntl(fs->layers[n->layer].fd, F_DUPFD_CLOEXEC, 0);
		if (*dirfd < 0)
			return -errno;
		fd_path(path, size, *dirfd, NULL);
		return 0;
	}
	*dirfd = node_dirfd(fs, n->parent, n->layer);
	if (*dirfd < 0)
		return *dirfd;
	fd_path(path, size, *dirfd, n->name);
	return 0;
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size,
			int flags)
{
	request_count(REQ_SETXATTR);
	struct union_fs *fs = fs_of(req);
	struct node *n = req_node(req, ino);
	if (!n)
		return;
	char nbuf[XATTR_NAME_MAX + 32], path[PATH_MAX + 64];
	const char *stored = xattr_name_to_disk(fs->xattr_prefix, name, nbuf, sizeof nbuf);
	if (!stored) {
		fuse_reply_err(req, ERANGE);
		return;
	}
	write_lock(fs);
	int dirfd = -1;
	int r = n == fs->root ? (fs->has_upper ? 0 : -EROFS) : copyup_node(fs, n, true);
	if (r == 0)
		r = node_xattr_path(fs, n, path, sizeof path, &dirfd);
	if (r == 0 && lsetxattr(path, stored, value, size, flags) < 0)
		r = -errno;
	if (dirfd >= 0)
		close(dirfd);
	unlock(fs);
	fuse_reply_err(req, -r);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	request_count(REQ_GETXATTR);
	struct union_fs *fs = fs_of(req);
	struct node *n = req_node(req, ino);
	if (!n)
		return;
	char nbuf[XATTR_NAME_MAX + 32], path[PATH_MAX + 64];
	const char *stored = xattr_name_to_disk(fs->xattr_prefix, name, nbuf, sizeof nbuf);
	if (!stored) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	char *value = size ? malloc(size) : NULL;
	if (size && !value) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	read_lock(fs);
	int dirfd = -1;
	ssize_t len = 0;
	int r = node_xattr_path(fs, n, path, sizeof path, &dirfd);
	if (r == 0 && (len = lgetxattr(path, stored, value, size)) < 0)
		r = -errno;
	if (dirfd >= 0)
		close(dirfd);
	unlock(fs);
	if (r < 0)
		fuse_reply_err(req, -r);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)len);
	else
		fuse_reply_buf(req, value, (size_t)len);
	free(value);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	request_count(REQ_LISTXATTR);
	struct union_fs *fs = fs_of(req);
	struct node *n = req_node(req, ino);
	if (!n)
		return;
	char path[PATH_MAX + 64];
	read_lock(fs);
	int dirfd = -1;
	ssize_t len = 0;
	char *list = NULL;
	int r = node_xattr_path(fs, n, path, sizeof path, &dirfd);
	/* The full list is needed to filter it, whatever size the caller gave. */
	if (r == 0 && (len = llistxattr(path, NULL, 0)) < 0)
		r = -errno;
	if (r == 0 && len > 0) {
		list = malloc((size_t)len);
		if (!list)
			r = -ENOMEM;
		else if ((len = llistxattr(path, list, (size_t)len)) < 0)
			r = -errno;
	}
	if (dirfd >= 0)
		close(dirfd);
	unlock(fs);
	if (r == 0 && len > 0)
		len = (ssize_t)xattr_list_filter(fs->xattr_prefix, list, (size_t)len);
	if (r < 0)
		fuse_reply_err(req, -r);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)len);
	else if ((size_t)len > size)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, list, (size_t)len);
	free(list);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	request_count(REQ_REMOVEXATTR);
	struct union_fs *fs = fs_of(req);
	struct node *n = req_node(req, ino);
	if (!n)
		return;
	char nbuf[XATTR_NAME_MAX + 32], path[PATH_MAX + 64];
	const char *stored = xattr_name_to_disk(fs->xattr_prefix, name, nbuf, sizeof nbuf);
	if (!stored) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	write_lock(fs);
	int dirfd = -1;
	int r = n == fs->root ? (fs->has_upper ? 0 : -EROFS) : copyup_node(fs, n, true);
	if (r == 0)
		r = node_xattr_path(fs, n, path, sizeof path, &dirfd);
	if (r == 0 && lremovexattr(path, stored) < 0)
		r = -errno;
	if (dirfd >= 0)
		close(dirfd);
	unlock(fs);
	fuse_reply_err(req, -r);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct union_fs *fs = userdata;
	/* Writes are gathered in the kernel's page cache and sent in big chunks. */
	if ((conn->capable & FUSE_CAP_WRITEBACK_CACHE) && !getenv("CTRFS_NO_WRITEBACK")) {
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
		fs->writeback = true;
	}
	/* readdirplus stays adaptive (the kernel's default): a plain listing of a
	 * big directory must not pay one stat per entry. */
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE;
	if (conn->capable & FUSE_CAP_SPLICE_READ)
		conn->want |= FUSE_CAP_SPLICE_READ;
	/* Modes of new entries come unmasked, with the caller's umask, which
	 * the backing filesystem applies as it would for the caller (not under
	 * a default ACL); see caller_umask.h. */
	if (conn->capable & FUSE_CAP_DONT_MASK)
		conn->want |= FUSE_CAP_DONT_MASK;
	/* The kernel checks permissions (default_permissions), so it must not
	 * drop setuid bits behind our back either; it sends setattr for that. */
	conn->want &= ~FUSE_CAP_HANDLE_KILLPRIV;
	fs->write_behind = !getenv("CTRFS_NO_WRITE_BEHIND");
}

const struct fuse_lowlevel_ops union_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.symlink = op_symlink,
	.link = op_link,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.rename = op_rename,
	.open = op_open,
	.create = op_create,
	.read = op_read,
	.write_buf = op_write_buf,
	.release = op_release,
	.fsync = op_fsync,
	.fallocate = op_fallocate,
	.lseek = op_lseek,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.releasedir = op_releasedir,
	.fsyncdir = op_fsyncdir,
	.statfs = op_statfs,
	.setxattr = op_setxattr,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.removexattr = op_removexattr,
};
