#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "layers.h"
#include "workdir.h"

/* "/dev/fd/N" or "/dev/fd/N/PATH": a directory the starter opened and
 * handed down, e.g. a detached idmapped mount (ctrrun does this for root's
 * remapped containers). Its path cannot be resolved to a name (a detached
 * mount has none): it is used as given, through the fd. */
static bool is_inherited_fd_path(const char *path)
{
	const char *p = path + strlen("/dev/fd/");
	size_t digits = strspn(p, "0123456789");
	return strncmp(path, "/dev/fd/", strlen("/dev/fd/")) == 0 && digits > 0 && (p[digits] == '\0' || p[digits] == '/');
}

/* realpath() that names the path in its error and insists on a directory. */
static char *resolve_dir(const char *path, const char *what, struct ctr_error *err)
{
	char *real = is_inherited_fd_path(path) ? strdup(path) : realpath(path, NULL);
	if (!real) {
		ctr_fail(err, errno, "%s %s", what, path);
		return NULL;
	}
	struct stat st;
	if (stat(real, &st) < 0) {
		ctr_fail(err, errno, "%s %s", what, path);
		free(real);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		ctr_fail(err, ENOTDIR, "%s %s", what, path);
		free(real);
		return NULL;
	}
	return real;
}

/* True when `inner` is `outer` or lies below it (both resolved). */
static bool path_within(const char *inner, const char *outer)
{
	size_t n = strlen(outer);
	if (strcmp(outer, "/") == 0)
		return true;
	return strncmp(inner, outer, n) == 0 && (inner[n] == '\0' || inner[n] == '/');
}

static bool is_mount_root(const char *path)
{
	struct statx stx;
	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) < 0)
		return false;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) && strcmp(path, "/") != 0;
}

/* "/dev/fd/N": libfuse serves an already mounted /dev/fuse fd (ctrrun mounts
 * the container's root itself, in the container's mount namespace); there
 * is no mount point here to check. */
static bool is_fuse_fd(const char *mountpoint)
{
	const char *p = mountpoint + strlen("/dev/fd/");
	return strncmp(mountpoint, "/dev/fd/", strlen("/dev/fd/")) == 0 && *p && strspn(p, "0123456789") == strlen(p);
}

static int check_layout(struct union_fs *fs, char *mnt, char *upper, char *work, struct ctr_error *err)
{
	for (int i = fs->first_lower; i < fs->nlayers; i++) {
		const char *lower = fs->layers[i].path;
		if (upper && (path_within(upper, lower) || path_within(lower, upper)))
			return ctr_fail(err, 0, "upper dir %s overlaps lower dir %s", upper, lower);
		if (work && (path_within(work, lower) || path_within(lower, work)))
			return ctr_fail(err, 0, "work dir %s overlaps lower dir %s", work, lower);
		if (mnt && path_within(mnt, lower))
			return ctr_fail(err, 0, "mount point %s is inside lower dir %s", mnt, lower);
	}
	if (upper) {
		if (mnt && path_within(mnt, upper))
			return ctr_fail(err, 0, "mount point %s is inside upper dir %s", mnt, upper);
		if (path_within(work, upper) || path_within(upper, work))
			return ctr_fail(err, 0, "work dir %s overlaps upper dir %s", work, upper);
		if (mnt && path_within(mnt, work))
			return ctr_fail(err, 0, "mount point %s is inside work dir %s", mnt, work);
	}
	if (mnt && is_mount_root(mnt))
		return ctr_fail(err, EBUSY, "mount point %s (something is already mounted there)", mnt);
	return 0;
}

static int open_layer(struct layer *l, char *real, const char *what, struct ctr_error *err)
{
	struct stat st;
	l->path = real;
	l->fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (l->fd < 0 || fstat(l->fd, &st) < 0)
		return ctr_fail(err, errno, "%s %s", what, real);
	l->dev = st.st_dev;
	return 0;
}

/* The default work dir ("UPPER.work") is made here, after every check passed. */
static char *resolve_work(struct union_fs *fs, struct ctr_error *err)
{
	const char *work = fs->cfg.work;
	if (fs->cfg.work_defaulted && access(work, F_OK) < 0 && errno == ENOENT)
		return strdup(work);   /* created by workdir_prepare, once everything else is known good */
	return resolve_dir(work, "work dir", err);
}

int layers_open(struct union_fs *fs, struct ctr_error *err)
{
	const struct union_config *cfg = &fs->cfg;
	_cleanup_free_ char *mnt = NULL;
	_cleanup_free_ char *upper = NULL;
	_cleanup_free_ char *work = NULL;

	fs->has_upper = !cfg->readonly;
	fs->first_lower = fs->has_upper ? 1 : 0;
	fs->nlayers = fs->first_lower + cfg->nlowers;
	fs->layers = calloc(fs->nlayers, sizeof *fs->layers);
	fs->work_fd = -1;
	if (!fs->layers)
		return ctr_fail(err, ENOMEM, "layers");
	for (int i = 0; i < fs->nlayers; i++)
		fs->layers[i].fd = -1;

	for (int i = 0; i < cfg->nlowers; i++) {
		char *real = resolve_dir(cfg->lowers[i], "lower dir", err);
		if (!real)
			return -1;
		if (open_layer(&fs->layers[fs->first_lower + i], real, "lower dir", err) < 0)
			return -1;
	}
	if (!is_fuse_fd(cfg->mountpoint) && !(mnt = resolve_dir(cfg->mountpoint, "mount point", err)))
		return -1;
	if (fs->has_upper) {
		if (!(upper = resolve_dir(cfg->upper, "upper dir", err)) ||
		    !(work = resolve_work(fs, err)))
			return -1;
	}
	if (check_layout(fs, mnt, upper, work, err) < 0)
		return -1;
	if (fs->has_upper) {
		if (access(upper, W_OK) < 0)
			return ctr_fail(err, errno, "upper dir %s", upper);
		/* The layer owns it from here, even when opening it fails. */
		if (open_layer(&fs->layers[0], steal_pointer(&upper), "upper dir", err) < 0)
			return -1;
		/* workdir_prepare takes it: fs->work_path, or freed. */
		if (workdir_prepare(fs, steal_pointer(&work), err) < 0)
			return -1;
	}
	return 0;
}

void layers_close(struct union_fs *fs)
{
	for (int i = 0; i < fs->nlayers; i++) {
		if (fs->layers[i].fd >= 0)
			close(fs->layers[i].fd);
		free(fs->layers[i].path);
	}
	free(fs->layers);
	fs->layers = NULL;
	if (fs->work_fd >= 0)
		close(fs->work_fd);
	fs->work_fd = -1;
	free(fs->work_path);
	fs->work_path = NULL;
}
