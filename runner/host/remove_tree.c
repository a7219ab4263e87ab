/* Removing a directory tree with *at() calls relative to directory fds, so a
 * symlink swapped in during the walk is removed, never followed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "remove_tree.h"
#include "userns.h"

/* Empties the directory DFD (consumed). Depth is bounded by the tree, and each
 * level holds one fd: trees deeper than the fd limit fail with EMFILE. */
static int empty_dir(int dfd, const char *path, struct ctr_error *err)
{
	_cleanup_close_ int fd = dfd;
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d)
		return ctr_fail(err, errno, "cannot read %s", path);
	fd = -1;  /* the stream's now */
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR && errno != EPERM)
			return ctr_fail(err, errno, "cannot remove %s/%s", path, name);
		_cleanup_close_ int sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 && errno == EACCES && fchmodat(dirfd(d), name, 0700, 0) == 0)
			sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 && errno == ENOENT)
			continue;  /* removed meanwhile (by a killed remover's helper on its way out) */
		if (sub < 0)
			return ctr_fail(err, errno, "cannot remove %s/%s", path, name);
		struct stat st;
		if (fstat(sub, &st) == 0 && (st.st_mode & 0300) != 0300)
			fchmod(sub, st.st_mode | 0700);
		_cleanup_free_ char *subpath = NULL;
		if (asprintf(&subpath, "%s/%s", path, name) < 0)
			return ctr_fail(err, ENOMEM, "path");
		if (empty_dir(steal_fd(&sub), subpath, err) < 0)
			return -1;
		if (unlinkat(dirfd(d), name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return ctr_fail(err, errno, "cannot remove %s", subpath);
		/* Entries may have moved: the directory stream is fine with that. */
	}
	if (errno != 0)
		return ctr_fail(err, errno, "cannot read %s", path);
	return 0;
}

int ctr_remove_tree(const char *path, struct ctr_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : ctr_fail(err, errno, "cannot remove %s", path);
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 && errno != ENOENT ? ctr_fail(err, errno, "cannot remove %s", path) : 0;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && chmod(path, 0700) == 0)
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail(err, errno, "cannot remove %s", path);
	if ((st.st_mode & 0300) != 0300)
		fchmod(fd, st.st_mode | 0700);
	if (empty_dir(fd, path, err) < 0)
		return -1;
	if (rmdir(path) < 0 && errno != ENOENT)
		return ctr_fail(err, errno, "cannot remove %s", path);
	return 0;
}

static int remove_in_userns(void *arg, struct ctr_error *err)
{
	return ctr_remove_tree(arg, err);
}

int ctr_remove_tree_as(const struct ctr_idmap *map, const char *path, struct ctr_error *err)
{
	return ctr_userns_run(map, remove_in_userns, (void *)path, err);
}
