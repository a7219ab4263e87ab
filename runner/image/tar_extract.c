/* Extracting a layer tarball with libarchive in secure mode. libarchive's
 * checks (no "..", no absolute paths, no writes through symlinks) are the
 * second line: every entry and hard link target is checked here first, so a
 * hostile tarball is refused with a message that names the entry. OCI
 * whiteouts are turned into overlay's format on the way. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <limits.h>
#include <search.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "tar_extract.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."  /* aufs bookkeeping, not files */
#define OPAQUE_MARKER ".wh..wh..opq"
/* ctrrun mounts layers with userxattr, so overlay metadata lives in user.* */
#define OPAQUE_XATTR "user.overlay.opaque"
#define USER_OVERLAY "user.overlay."
#define TRUSTED_OVERLAY "trusted.overlay."

/* Things the extraction had to change, each reported once at the end. */
struct tally {
	long count;
	char first[PATH_MAX + 256];
};

struct extract {
	struct archive *in, *out;
	int root_fd;   /* the layer directory */
	const char *what;
	const struct ctr_idmap *map;
	struct tally devices, owners, xattrs, warnings;
	/* libarchive leaves the times of the layer root itself alone. */
	bool root_times_set;
	struct timespec root_times[2];
};

static void note(struct tally *t, const char *path, const char *detail)
{
	if (t->count++ == 0)
		snprintf(t->first, sizeof t->first, "%s%s%s", path, detail ? ": " : "", detail ? detail : "");
}

/* Writes RAW to OUT as a clean relative path: no empty or "." components, no
 * trailing slash; "" is the layer's root. Returns NULL, or why RAW is
 * refused. */
static const char *clean_path(const char *raw, char *out, size_t len)
{
	if (!*raw)
		return "has an empty name";
	if (raw[0] == '/')
		return "has an absolute path";
	size_t o = 0;
	for (const char *p = raw; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return "leaves the layer through \"..\"";
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o + 1 + n + 1 > len)
				return "has a name that is too long";
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	out[o] = '\0';
	return NULL;
}

/* Opens directory REL (clean) below the layer root without following any
 * symlink; CREATE makes missing components (0755, as tar does for
 * directories it has no entry for). On failure returns -1 with errno, and
 * *STOP is the length of REL's prefix that could not be opened. */
static int open_beneath(int root_fd, const char *rel, bool create, size_t *stop)
{
	_cleanup_close_ int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
	*stop = 0;
	for (const char *p = rel; fd >= 0 && *p;) {
		size_t n = strcspn(p, "/");
		char comp[NAME_MAX + 1];
		*stop = (size_t)(p - rel) + n;
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (create && mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
			return -1;
		/* The parent closes at the end of the step, errno kept. */
		_cleanup_close_ int parent = steal_fd(&fd);
		fd = openat(parent, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		p += n;
		if (*p == '/')
			p++;
	}
	return steal_fd(&fd);
}

static bool is_symlink_at(int root_fd, const char *rel, size_t len)
{
	char prefix[PATH_MAX];
	struct stat st;
	snprintf(prefix, sizeof prefix, "%.*s", (int)len, rel);
	return fstatat(root_fd, prefix, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

/* Refuses PATH (clean) when a directory above it is a symlink: writing there
 * would land wherever the link points. ENTRY names the tar entry. */
static int check_parent(struct extract *x, const char *entry, const char *path, struct ctr_error *err)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return 0;
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%.*s", (int)(slash - path), path);
	size_t stop;
	int fd = open_beneath(x->root_fd, parent, false, &stop);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == ENOENT)
		return 0;  /* libarchive makes it: a new directory is no symlink */
	if ((errno == ELOOP || errno == ENOTDIR) && is_symlink_at(x->root_fd, parent, stop))
		return ctr_fail(err, 0, "hostile tarball %s: entry \"%s\" would be written through the symlink \"%.*s\"",
				x->what, entry, (int)stop, parent);
	if (errno == ENOTDIR)
		return 0;  /* below a file: libarchive replaces the file by a directory, as tar does */
	return ctr_fail(err, errno, "extracting %s: cannot open %s in the layer", x->what, parent);
}

/* The directory PARENT (clean), made if missing, for a whiteout entry. */
static int whiteout_dir(struct extract *x, const char *entry, const char *parent, struct ctr_error *err)
{
	size_t stop;
	int fd = open_beneath(x->root_fd, parent, true, &stop);
	if (fd >= 0)
		return fd;
	if ((errno == ELOOP || errno == ENOTDIR) && is_symlink_at(x->root_fd, parent, stop))
		return ctr_fail(err, 0, "hostile tarball %s: entry \"%s\" would be written through the symlink \"%.*s\"",
				x->what, entry, (int)stop, parent);
	return ctr_fail(err, errno, "extracting %s: cannot make directory \"%s\" for entry \"%s\"", x->what, parent,
			entry);
}

/* An overlay whiteout: a char device 0/0, which a user namespace's root may
 * make (kernel >= 5.8) although it may make no other device. */
static int make_whiteout(struct extract *x, const char *entry, const char *parent, const char *name,
			 struct ctr_error *err)
{
	_cleanup_close_ int dfd = whiteout_dir(x, entry, parent, err);
	if (dfd < 0)
		return -1;
	if (mknodat(dfd, name, S_IFCHR | 0, makedev(0, 0)) < 0) {
		struct stat st;
		if (errno != EEXIST || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return ctr_fail(err, errno, "extracting %s: cannot make the whiteout for entry \"%s\"", x->what,
					entry);
		if (S_ISDIR(st.st_mode))
			return ctr_fail(err, 0, "bad tarball %s: whiteout \"%s\" hides the directory \"%s\" of the same "
					"layer", x->what, entry, name);
		if (!(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) &&
		    (unlinkat(dfd, name, 0) < 0 || mknodat(dfd, name, S_IFCHR | 0, makedev(0, 0)) < 0))
			return ctr_fail(err, errno, "extracting %s: cannot make the whiteout for entry \"%s\"", x->what,
					entry);
	}
	return 0;
}

static int make_opaque(struct extract *x, const char *entry, const char *parent, struct ctr_error *err)
{
	_cleanup_close_ int dfd = whiteout_dir(x, entry, parent, err);
	if (dfd < 0)
		return -1;
	if (fsetxattr(dfd, OPAQUE_XATTR, "y", 1, 0) < 0)
		return ctr_fail(err, errno, "extracting %s: cannot mark \"%s\" opaque (%s) for entry \"%s\"", x->what,
				*parent ? parent : ".", OPAQUE_XATTR, entry);
	return 0;
}

/* Whiteout entries by name: ".wh..wh..opq" (opaque parent), other
 * ".wh..wh.*" (aufs bookkeeping, ignored), ".wh.NAME" (NAME deleted).
 * Returns 1 when PATH was one of them and is done, 0 when it is not. */
static int oci_whiteout(struct extract *x, const char *entry, const char *path, struct ctr_error *err)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) != 0)
		return 0;
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - path) : 0, path);
	if (strcmp(base, OPAQUE_MARKER) == 0)
		return make_opaque(x, entry, parent, err) < 0 ? -1 : 1;
	if (strncmp(base, WHITEOUT_META_PREFIX, strlen(WHITEOUT_META_PREFIX)) == 0)
		return 1;
	const char *name = base + strlen(WHITEOUT_PREFIX);
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return ctr_fail(err, 0, "bad tarball %s: whiteout \"%s\" names no file", x->what, entry);
	return make_whiteout(x, entry, parent, name, err) < 0 ? -1 : 1;
}

/* Owners that the namespace cannot represent go to root (chown would fail
 * with EINVAL and libarchive would keep root anyway, with a warning each). */
static void map_owner(struct extract *x, struct archive_entry *e, const char *path)
{
	if (!x->map)
		return;
	bool changed = false;
	int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
	if (uid < 0 || uid > UINT32_MAX || ctr_idmap_host_uid(x->map, (uint32_t)uid) < 0) {
		archive_entry_set_uid(e, 0);
		changed = true;
	}
	if (gid < 0 || gid > UINT32_MAX || ctr_idmap_host_gid(x->map, (uint32_t)gid) < 0) {
		archive_entry_set_gid(e, 0);
		changed = true;
	}
	if (changed) {
		char ids[64];
		snprintf(ids, sizeof ids, "owner %lld:%lld", (long long)uid, (long long)gid);
		note(&x->owners, path, ids);
	}
}

/* Overlay metadata must come from ctrrun, never from an image: a user's
 * user.overlay.X is stored escaped (user.overlay.overlay.X, as the kernel and
 * ctrfs do), a trusted.overlay.X is dropped. */
static int fix_overlay_xattrs(struct extract *x, struct archive_entry *e, const char *path, struct ctr_error *err)
{
	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	const char *name;
	const void *value;
	size_t size;
	bool touched = false;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
		if (strncmp(name, USER_OVERLAY, strlen(USER_OVERLAY)) == 0 ||
		    strncmp(name, TRUSTED_OVERLAY, strlen(TRUSTED_OVERLAY)) == 0)
			touched = true;
	if (!touched)
		return 0;

	struct kept { char *name; void *value; size_t size; };
	int n = archive_entry_xattr_reset(e), k = 0;
	struct kept *keep = calloc((size_t)n, sizeof *keep);
	if (!keep)
		return ctr_fail(err, ENOMEM, "extracting %s", x->what);
	int rc = 0;
	while (rc == 0 && archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (strncmp(name, TRUSTED_OVERLAY, strlen(TRUSTED_OVERLAY)) == 0) {
			note(&x->xattrs, path, name);
			continue;
		}
		char *copy = NULL;
		if (strncmp(name, USER_OVERLAY, strlen(USER_OVERLAY)) == 0) {
			if (asprintf(&copy, USER_OVERLAY "overlay.%s", name + strlen(USER_OVERLAY)) < 0)
				copy = NULL;
		} else {
			copy = strdup(name);
		}
		keep[k].name = copy;
		keep[k].value = malloc(size ? size : 1);
		keep[k].size = size;
		if (!keep[k].name || !keep[k].value)
			rc = ctr_fail(err, ENOMEM, "extracting %s", x->what);
		else
			memcpy(keep[k].value, value, size);
		k++;
	}
	if (rc == 0) {
		archive_entry_xattr_clear(e);
		for (int i = 0; i < k; i++)
			archive_entry_xattr_add_entry(e, keep[i].name, keep[i].value, keep[i].size);
	}
	for (int i = 0; i < k; i++) {
		free(keep[i].name);
		free(keep[i].value);
	}
	free(keep);
	return rc;
}

static int copy_data(struct extract *x, const char *entry, struct ctr_error *err)
{
	const void *buf;
	size_t size;
	la_int64_t offset;
	for (;;) {
		int r = archive_read_data_block(x->in, &buf, &size, &offset);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return ctr_fail(err, 0, "cannot read tarball %s at entry \"%s\": %s", x->what, entry,
					archive_error_string(x->in));
		if (archive_write_data_block(x->out, buf, size, offset) < ARCHIVE_WARN)
			return ctr_fail(err, archive_errno(x->out), "extracting %s: cannot write entry \"%s\"", x->what,
					entry);
	}
}

/* One tar entry: checked, converted, written. */
static int extract_entry(struct extract *x, struct archive_entry *e, struct ctr_error *err)
{
	const char *entry = archive_entry_pathname(e);
	if (!entry)
		return ctr_fail(err, 0, "bad tarball %s: an entry has no name", x->what);
	char path[PATH_MAX];
	const char *why = clean_path(entry, path, sizeof path);
	if (why)
		return ctr_fail(err, 0, "hostile tarball %s: entry \"%s\" %s", x->what, entry, why);

	int r = oci_whiteout(x, entry, path, err);
	if (r != 0)
		return r < 0 ? -1 : 0;

	const char *link = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);
	if (!path[0] && (link || type != AE_IFDIR))
		return ctr_fail(err, 0, "hostile tarball %s: entry \"%s\" would replace the layer's root directory",
				x->what, entry);
	if (!path[0]) {
		x->root_times_set = archive_entry_mtime_is_set(e);
		x->root_times[1] = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
		x->root_times[0] = archive_entry_atime_is_set(e)
					   ? (struct timespec){archive_entry_atime(e), archive_entry_atime_nsec(e)}
					   : x->root_times[1];
	}
	if (check_parent(x, entry, path, err))
		return -1;
	if (link) {
		char target[PATH_MAX];
		if ((why = clean_path(link, target, sizeof target)))
			return ctr_fail(err, 0, "hostile tarball %s: hard link \"%s\" points to \"%s\", which %s", x->what,
					entry, link, why);
		if (!target[0])
			return ctr_fail(err, 0, "hostile tarball %s: hard link \"%s\" points to the layer's root directory",
					x->what, entry);
		const char *slash = strrchr(target, '/');
		if (slash) {
			size_t stop;
			char parent[PATH_MAX];
			snprintf(parent, sizeof parent, "%.*s", (int)(slash - target), target);
			int fd = open_beneath(x->root_fd, parent, false, &stop);
			if (fd >= 0)
				close(fd);
			else if ((errno == ELOOP || errno == ENOTDIR) && is_symlink_at(x->root_fd, parent, stop))
				return ctr_fail(err, 0, "hostile tarball %s: hard link \"%s\" points to \"%s\" through the "
						"symlink \"%.*s\"", x->what, entry, link, (int)stop, parent);
		}
	} else if (type == AE_IFCHR && archive_entry_rdev(e) == makedev(0, 0)) {
		/* Already in overlay's format. */
		const char *slash = strrchr(path, '/');
		char parent[PATH_MAX];
		snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - path) : 0, path);
		return make_whiteout(x, entry, parent, slash ? slash + 1 : path, err);
	} else if (type == AE_IFCHR || type == AE_IFBLK) {
		note(&x->devices, entry, NULL);
		return 0;
	}

	map_owner(x, e, entry);
	if (fix_overlay_xattrs(x, e, entry, err))
		return -1;

	r = archive_write_header(x->out, e);
	if (r < ARCHIVE_WARN)
		return ctr_fail(err, 0, "extracting %s: entry \"%s\": %s", x->what, entry, archive_error_string(x->out));
	if (r == ARCHIVE_WARN)
		note(&x->warnings, entry, archive_error_string(x->out));
	if (archive_entry_size(e) > 0 && copy_data(x, entry, err))
		return -1;
	r = archive_write_finish_entry(x->out);
	if (r < ARCHIVE_WARN)
		return ctr_fail(err, 0, "extracting %s: entry \"%s\": %s", x->what, entry, archive_error_string(x->out));
	if (r == ARCHIVE_WARN)
		note(&x->warnings, entry, archive_error_string(x->out));
	return 0;
}

static int extract_all(struct extract *x, struct ctr_error *err)
{
	struct archive_entry *e;
	for (;;) {
		int r = archive_read_next_header(x->in, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return ctr_fail(err, 0, "cannot read tarball %s: %s", x->what, archive_error_string(x->in));
		if (r == ARCHIVE_WARN)
			note(&x->warnings, archive_entry_pathname(e) ? archive_entry_pathname(e) : "?",
			     archive_error_string(x->in));
		if (extract_entry(x, e, err))
			return -1;
	}
	/* Directory permissions and times are set last, by close. */
	int r = archive_write_close(x->out);
	if (r < ARCHIVE_WARN)
		return ctr_fail(err, 0, "extracting %s: %s", x->what, archive_error_string(x->out));
	if (r == ARCHIVE_WARN)
		note(&x->warnings, ".", archive_error_string(x->out));
	if (x->root_times_set && futimens(x->root_fd, x->root_times) < 0)
		note(&x->warnings, ".", strerror(errno));
	return 0;
}

static int compare_ino(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;
	return x < y ? -1 : x > y;
}

/* docker's size of a layer: all non-directories, a hard-linked file once. */
static int64_t tree_size(const char *what, struct ctr_error *err)
{
	char *const paths[] = {".", NULL};
	FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL);
	if (!fts)
		return ctr_fail(err, errno, "extracting %s: cannot walk the layer", what);
	void *seen = NULL;  /* inodes of multiply-linked files counted so far */
	int64_t size = 0;
	int rc = 0;
	FTSENT *f;
	while (rc == 0 && (f = fts_read(fts))) {
		if (f->fts_info == FTS_DNR || f->fts_info == FTS_ERR || f->fts_info == FTS_NS) {
			rc = ctr_fail(err, f->fts_errno, "extracting %s: cannot read %s in the layer", what, f->fts_path);
			continue;
		}
		if (f->fts_info == FTS_D || f->fts_info == FTS_DP || f->fts_info == FTS_DC)
			continue;
		const struct stat *st = f->fts_statp;
		if (st->st_nlink > 1) {
			ino_t *ino = malloc(sizeof *ino);
			void *found = ino ? (*ino = st->st_ino, tsearch(ino, &seen, compare_ino)) : NULL;
			if (!found) {
				free(ino);
				rc = ctr_fail(err, ENOMEM, "extracting %s", what);
				continue;
			}
			if (*(ino_t **)found != ino) {
				free(ino);  /* counted under another name */
				continue;
			}
		}
		size += st->st_size;
	}
	tdestroy(seen, free);
	fts_close(fts);
	return rc < 0 ? -1 : size;
}

static void report(const struct extract *x, struct ctr_warnings *w)
{
	if (x->devices.count)
		ctr_warn(w, "warning: %s: skipped %ld device node%s (first: %s): mknod is refused in a "
			    "user namespace; containers get /dev from the host",
			 x->what, x->devices.count, x->devices.count == 1 ? "" : "s", x->devices.first);
	if (x->owners.count)
		ctr_warn(w, "note: %s: root now owns %ld entr%s whose owner this user cannot map (first: %s)", x->what,
			 x->owners.count, x->owners.count == 1 ? "y" : "ies", x->owners.first);
	if (x->xattrs.count)
		ctr_warn(w, "warning: %s: dropped %ld trusted.overlay xattr%s, which only ctrrun may set (first: %s)",
			 x->what, x->xattrs.count, x->xattrs.count == 1 ? "" : "s", x->xattrs.first);
	if (x->warnings.count)
		ctr_warn(w, "warning: %s: %ld entr%s not restored exactly (first: %s)", x->what, x->warnings.count,
			 x->warnings.count == 1 ? "y was" : "ies were", x->warnings.first);
}

int64_t ctr_tar_extract(int fd, const char *dir, const struct ctr_idmap *map, const char *what,
			struct ctr_warnings *warnings, struct ctr_error *err)
{
	struct extract x = {.root_fd = -1, .what = what, .map = map};
	int saved_cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (saved_cwd < 0)
		return ctr_fail(err, errno, "extracting %s: cannot open the working directory", what);
	int64_t size = -1;
	/* libarchive writes relative to the working directory. */
	if (chdir(dir) < 0) {
		ctr_fail(err, errno, "extracting %s: cannot enter %s", what, dir);
		goto out;
	}
	x.root_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x.root_fd < 0) {
		ctr_fail(err, errno, "extracting %s: cannot open %s", what, dir);
		goto out;
	}
	x.in = archive_read_new();
	x.out = archive_write_disk_new();
	if (!x.in || !x.out) {
		ctr_fail(err, ENOMEM, "extracting %s", what);
		goto out;
	}
	archive_read_support_filter_all(x.in);
	archive_read_support_format_tar(x.in);
	/* No name lookup: numeric ids are what the image means, not this host's users. */
	archive_write_disk_set_options(x.out, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
						     ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						     ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						     ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	if (archive_read_open_fd(x.in, fd, 64 * 1024) != ARCHIVE_OK) {
		ctr_fail(err, 0, "cannot read tarball %s: %s", what, archive_error_string(x.in));
		goto out;
	}
	if (extract_all(&x, err) == 0)
		size = tree_size(what, err);
	if (size >= 0)
		report(&x, warnings);
out:
	if (x.in)
		archive_read_free(x.in);
	if (x.out)
		archive_write_free(x.out);
	if (x.root_fd >= 0)
		close(x.root_fd);
	if (fchdir(saved_cwd) < 0 && size >= 0)
		size = ctr_fail(err, errno, "extracting %s: cannot return to the working directory", what);
	close(saved_cwd);
	return size;
}
