#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "whiteout.h"
#include "workdir.h"

#define ACL_DEFAULT_XATTR "system.posix_acl_default"

/* Calls fn on every entry of directory dirfd/name (not . and ..); returns
 * the first error, having tried every entry. */
static int each_entry(int dirfd, const char *name, int (*fn)(int dirfd, const struct dirent *de))
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d)
		return -errno;
	int dfd = steal_fd(&fd);  /* d owns it */
	int ret = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int r = fn(dfd, de);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

static int remove_entry_tree(int dirfd, const struct dirent *de)
{
	return remove_tree_at(dirfd, de->d_name);
}

int remove_tree_at(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	int ret = each_entry(dirfd, name, remove_entry_tree);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

static int retire_entry(int dirfd, const struct dirent *de)
{
	if (de->d_type == DT_DIR)
		return retire_tree_at(dirfd, de->d_name);
	return unlinkat(dirfd, de->d_name, 0) < 0 ? -errno : 0;
}

int retire_tree_at(int dirfd, const char *name)
{
	return each_entry(dirfd, name, retire_entry);
}

static void undo(struct union_fs *fs, const char *work_path)
{
	if (fs->made_work_dir) {
		remove_tree_at(AT_FDCWD, work_path);
	} else if (fs->made_work_sub) {
		int wfd = open(work_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (wfd >= 0) {
			remove_tree_at(wfd, "work");
			close(wfd);
		}
	}
}

void workdir_undo(struct union_fs *fs)
{
	if (fs->work_path)
		undo(fs, fs->work_path);
}

/* Empties WORKDIR/work: anything there is a copy-up or rename that a crash
 * interrupted before its final rename, so it was never visible, or a
 * retired directory skeleton of a finished mount. */
int workdir_clean(struct union_fs *fs)
{
	return each_entry(fs->work_fd, ".", remove_entry_tree);
}

/* Kernel overlayfs with index=on copies up one name of a lower hard link and
 * finds it from the others through WORKDIR/index; ctrfs does not read that
 * index, so say so rather than show those names differently in silence. */
static void warn_if_indexed(int wfd, const char *work_path)
{
	_cleanup_close_ int fd = openat(wfd, "index", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d)
		return;
	steal_fd(&fd);  /* d owns it */
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			fprintf(stderr, "ctrfs: warning: %s/index is not empty: this upper dir was written by kernel "
				"overlayfs with index=on; lower hard links it copied up under one name show their "
				"old content under the other names\n", work_path);
			break;
		}
	}
}

int workdir_prepare(struct union_fs *fs, char *work_path, struct ctr_error *err)
{
	bool made_work = false;
	struct stat wst;

	if (fs->cfg.work_defaulted && access(work_path, F_OK) < 0) {
		if (mkdir(work_path, 0700) < 0) {
			ctr_fail(err, errno, "work dir %s", work_path);
			free(work_path);
			return -1;
		}
		made_work = true;
	}
	if (stat(work_path, &wst) < 0) {
		ctr_fail(err, errno, "work dir %s", work_path);
		goto fail;
	}
	if (wst.st_dev != fs->layers[0].dev) {
		ctr_fail(err, 0, "work dir %s is on another filesystem than upper dir %s", work_path,
			 fs->layers[0].path);
		goto fail;
	}
	int wfd = open(work_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (wfd < 0) {
		ctr_fail(err, errno, "work dir %s", work_path);
		goto fail;
	}
	if (mkdirat(wfd, "work", 0700) == 0) {
		fs->made_work_sub = true;
	} else if (errno != EEXIST) {
		ctr_fail(err, errno, "work dir %s/work", work_path);
		close(wfd);
		goto fail;
	}
	warn_if_indexed(wfd, work_path);
	fs->work_fd = openat(wfd, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(wfd);
	if (fs->work_fd < 0) {
		ctr_fail(err, errno, "work dir %s/work", work_path);
		goto fail;
	}
	int r = workdir_clean(fs);
	if (r < 0) {
		ctr_fail(err, -r, "work dir %s/work: removing leftovers", work_path);
		goto fail;
	}
	fs->work_path = work_path;
	fs->made_work_dir = made_work;
	return 0;
fail:
	fs->made_work_dir = made_work;
	undo(fs, work_path);
	free(work_path);
	return -1;
}

int workdir_acl_nest(struct union_fs *fs, int parent_fd, const char *nest, int *nest_fd)
{
	/* getxattr, not lgetxattr: the path is /proc's link to the directory. */
	char path[PATH_MAX + 64];
	*nest_fd = -1;
	fd_path(path, sizeof path, parent_fd, NULL);
	ssize_t len = getxattr(path, ACL_DEFAULT_XATTR, NULL, 0);
	if (len < 0)
		return errno == ENODATA || errno == EOPNOTSUPP ? 0 : -errno;
	if (len == 0)
		return 0;
	char *acl = malloc((size_t)len);
	if (!acl)
		return -ENOMEM;
	int r = 0, fd = -1;
	bool made = false;
	if ((len = getxattr(path, ACL_DEFAULT_XATTR, acl, (size_t)len)) < 0)
		r = -errno;
	if (r == 0 && !(made = mkdirat(fs->work_fd, nest, 0700) == 0))
		r = -errno;
	if (r == 0 && (fd = openat(fs->work_fd, nest, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		r = -errno;
	if (r == 0) {
		fd_path(path, sizeof path, fd, NULL);
		if (setxattr(path, ACL_DEFAULT_XATTR, acl, (size_t)len, 0) < 0)
			r = -errno;
	}
	free(acl);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		if (made)
			remove_tree_at(fs->work_fd, nest);
		return r;
	}
	*nest_fd = fd;
	return 0;
}

void workdir_tmpname(struct union_fs *fs, char *buf, size_t size)
{
	uint64_t n = __atomic_add_fetch(&fs->tmp_counter, 1, __ATOMIC_RELAXED);
	snprintf(buf, size, "#%x.%llu", (unsigned)getpid(), (unsigned long long)n);
}
