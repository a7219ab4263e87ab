#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workdir.h"

static int clean_leftovers(int work_fd_rd);

int remove_tree_at(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0)
		return 0;
	if (errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return -e;
	}
	int ret = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int r = remove_tree_at(fd, de->d_name);
		if (r < 0 && ret == 0)
			ret = r;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

int retire_tree_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR ? (unlinkat(dirfd, name, 0) < 0 ? -errno : 0) : -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return -e;
	}
	int ret = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int r = de->d_type == DT_DIR ? retire_tree_at(fd, de->d_name) : (unlinkat(fd, de->d_name, 0) < 0 ? -errno : 0);
		if (r < 0 && ret == 0)
			ret = r;
	}
	closedir(d);
	return ret;
}

int workdir_clean(struct union_fs *fs)
{
	int fd = openat(fs->work_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : clean_leftovers(fd);
}

/* Empties WORKDIR/work: anything there is a copy-up or rename that a crash
 * interrupted before its final rename, so it was never visible, or a
 * retired directory skeleton of a finished mount. */
static int clean_leftovers(int work_fd_rd)
{
	DIR *d = fdopendir(work_fd_rd);
	if (!d)
		return -errno;
	int ret = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int r = remove_tree_at(dirfd(d), de->d_name);
		if (r < 0 && ret == 0)
			ret = r;
	}
	closedir(d);
	return ret;
}

/* Kernel overlayfs with index=on copies up one name of a lower hard link and
 * finds it from the others through WORKDIR/index; ctrfs does not read that
 * index, so say so rather than show those names differently in silence. */
static void warn_if_indexed(int wfd, const char *work_path)
{
	int fd = openat(wfd, "index", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			fprintf(stderr, "ctrfs: warning: %s/index is not empty: this upper dir was written by kernel "
				"overlayfs with index=on; lower hard links it copied up under one name show their "
				"old content under the other names\n", work_path);
			break;
		}
	}
	closedir(d);
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
	if (mkdirat(wfd, "work", 0700) < 0 && errno != EEXIST) {
		ctr_fail(err, errno, "work dir %s/work", work_path);
		close(wfd);
		goto fail;
	}
	warn_if_indexed(wfd, work_path);
	int rd = openat(wfd, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rd < 0) {
		ctr_fail(err, errno, "work dir %s/work", work_path);
		close(wfd);
		goto fail;
	}
	fs->work_fd = openat(wfd, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(wfd);
	int r = clean_leftovers(rd);   /* closes rd */
	if (fs->work_fd < 0 || r < 0) {
		ctr_fail(err, fs->work_fd < 0 ? errno : -r, "work dir %s/work: removing leftovers", work_path);
		goto fail;
	}
	fs->work_path = work_path;
	return 0;
fail:
	if (made_work)
		remove_tree_at(AT_FDCWD, work_path);
	free(work_path);
	return -1;
}

void workdir_tmpname(struct union_fs *fs, char *buf, size_t size)
{
	uint64_t n = __atomic_add_fetch(&fs->tmp_counter, 1, __ATOMIC_RELAXED);
	snprintf(buf, size, "#%x.%llu", (unsigned)getpid(), (unsigned long long)n);
}
