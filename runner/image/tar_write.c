/* Tar entries from the file system with libarchive: stat, contents,
 * symlink targets, hard links and extended attributes, never following a
 * symlink. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "tar_write.h"

#define USER_OVERLAY "user.overlay."
#define TRUSTED_OVERLAY "trusted.overlay."
/* How the kernel (6.7+) and ctrfs store a user's own user.overlay.X. */
#define USER_OVERLAY_ESCAPED "user.overlay.overlay."

struct ctr_tar_writer {
	struct archive *a;
	struct archive_entry_linkresolver *links;
	const char *what;
	long sockets;
	char first_socket[PATH_MAX];
};

struct ctr_tar_writer *ctr_tar_writer_new(int fd, const char *what, struct ctr_error *err)
{
	struct ctr_tar_writer *w = calloc(1, sizeof *w);
	if (!w || !(w->a = archive_write_new()) || !(w->links = archive_entry_linkresolver_new())) {
		ctr_tar_writer_free(w);
		ctr_fail(err, ENOMEM, "writing %s", what);
		return NULL;
	}
	w->what = what;
	/* Attributes only as SCHILY.xattr records, which GNU tar, Go (docker)
	 * and libarchive all read (libarchive's own extra records make GNU tar
	 * warn about every entry). No padding to a 10 KiB record: the stream
	 * ends with tar's two zero blocks, as Go's writer ends it, so an empty
	 * layer has docker's empty-layer id. */
	if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_set_format_option(w->a, "pax", "xattrheader", "SCHILY") != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, fd) != ARCHIVE_OK) {
		ctr_fail(err, 0, "cannot write %s: %s", what, archive_error_string(w->a));
		ctr_tar_writer_free(w);
		return NULL;
	}
	archive_entry_linkresolver_set_strategy(w->links, archive_format(w->a));
	return w;
}

void ctr_tar_writer_free(struct ctr_tar_writer *w)
{
	if (!w)
		return;
	if (w->links)
		archive_entry_linkresolver_free(w->links);
	if (w->a)
		archive_write_free(w->a);
	free(w);
}

/* The name to store for attribute NAME, or NULL to leave it out. */
static const char *tar_xattr_name(const char *name, char *buf, size_t len)
{
	if (strncmp(name, USER_OVERLAY_ESCAPED, strlen(USER_OVERLAY_ESCAPED)) == 0) {
		snprintf(buf, len, USER_OVERLAY "%s", name + strlen(USER_OVERLAY_ESCAPED));
		return buf;
	}
	if (strncmp(name, USER_OVERLAY, strlen(USER_OVERLAY)) == 0 ||
	    strncmp(name, TRUSTED_OVERLAY, strlen(TRUSTED_OVERLAY)) == 0)
		return NULL;
	return name;
}

/* Copies the extended attributes of NAME in DFD into E. A file system
 * without them (ENOTSUP) or a file gone meanwhile has none. */
static int add_xattrs(struct ctr_tar_writer *w, struct archive_entry *e, int dfd, const char *name,
		      const char *path, struct ctr_error *err)
{
	/* The l*xattr calls take a path; through /proc/self/fd the directory
	 * is the one held open, and the last component is not followed. */
	char where[64 + NAME_MAX];
	snprintf(where, sizeof where, "/proc/self/fd/%d/%s", dfd, name);
	_cleanup_free_ char *list = NULL, *value = NULL;
	ssize_t len;
	for (;;) {
		len = llistxattr(where, NULL, 0);
		if (len <= 0)
			break;
		char *grown = realloc(list, (size_t)len);
		if (!grown)
			return ctr_fail(err, ENOMEM, "writing %s", w->what);
		list = grown;
		ssize_t got = llistxattr(where, list, (size_t)len);
		if (got >= 0) {
			len = got;
			break;
		}
		if (errno != ERANGE)  /* ERANGE: it grew meanwhile */
			break;
	}
	if (len < 0) {
		if (errno == ENOTSUP || errno == ENOENT)
			return 0;
		return ctr_fail(err, errno, "writing %s: cannot list the extended attributes of %s", w->what, path);
	}
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(list + i) + 1) {
		char buf[XATTR_NAME_MAX + 32];
		const char *stored = tar_xattr_name(list + i, buf, sizeof buf);
		if (!stored)
			continue;
		ssize_t vlen = lgetxattr(where, list + i, NULL, 0);
		if (vlen < 0 && (errno == ENODATA || errno == ENOENT))
			continue;  /* removed meanwhile */
		if (vlen >= 0) {
			char *grown = realloc(value, vlen ? (size_t)vlen : 1);
			if (!grown)
				return ctr_fail(err, ENOMEM, "writing %s", w->what);
			value = grown;
			vlen = lgetxattr(where, list + i, value, (size_t)vlen);
		}
		if (vlen < 0) {
			if (errno == ENODATA || errno == ENOENT)
				continue;
			return ctr_fail(err, errno, "writing %s: cannot read extended attribute %s of %s", w->what,
					list + i, path);
		}
		archive_entry_xattr_add_entry(e, stored, value, (size_t)vlen);
	}
	return 0;
}

static int write_contents(struct ctr_tar_writer *w, int dfd, const char *name, const char *path,
			  const struct stat *st, struct ctr_error *err)
{
	/* O_NONBLOCK: should the name be a fifo by now, the open must not wait. */
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;  /* removed meanwhile: zeros, as for a file that shrank */
		return ctr_fail(err, errno, "writing %s: cannot open %s", w->what, path);
	}
	struct stat now;
	if (fstat(fd, &now) < 0 || !S_ISREG(now.st_mode) || now.st_ino != st->st_ino)
		return 0;  /* replaced meanwhile: the entry is padded */
	static char buf[128 * 1024];  /* one writer at a time per process */
	int64_t left = st->st_size;
	while (left > 0) {
		ssize_t n = read(fd, buf, left < (int64_t)sizeof buf ? (size_t)left : sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ctr_fail(err, errno, "writing %s: cannot read %s", w->what, path);
		if (n == 0)
			break;
		if (archive_write_data(w->a, buf, (size_t)n) < 0)
			return ctr_fail(err, archive_errno(w->a), "cannot write %s: %s", w->what,
					archive_error_string(w->a));
		left -= n;
	}
	return 0;
}

static int write_entry(struct ctr_tar_writer *w, struct archive_entry *e, const char *path, struct ctr_error *err)
{
	int r = archive_write_header(w->a, e);
	if (r < ARCHIVE_WARN)
		return ctr_fail(err, archive_errno(w->a) > 0 ? archive_errno(w->a) : 0, "cannot write %s at %s: %s",
				w->what, path, archive_error_string(w->a));
	return 0;
}

static int finish_entry(struct ctr_tar_writer *w, const char *path, struct ctr_error *err)
{
	if (archive_write_finish_entry(w->a) < ARCHIVE_WARN)
		return ctr_fail(err, archive_errno(w->a) > 0 ? archive_errno(w->a) : 0, "cannot write %s at %s: %s",
				w->what, path, archive_error_string(w->a));
	return 0;
}

int ctr_tar_writer_add(struct ctr_tar_writer *w, int dfd, const char *name, const char *path,
		       const struct stat *st, struct ctr_error *err)
{
	if (S_ISSOCK(st->st_mode)) {
		if (w->sockets++ == 0)
			snprintf(w->first_socket, sizeof w->first_socket, "%s", path);
		return 0;
	}
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return ctr_fail(err, ENOMEM, "writing %s", w->what);
	int rc = -1;
	archive_entry_copy_stat(e, st);
	archive_entry_copy_pathname(e, path);
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);
		if (n < 0) {
			ctr_fail(err, errno, "writing %s: cannot read the symlink %s", w->what, path);
			goto out;
		}
		target[n] = '\0';
		archive_entry_copy_symlink(e, target);
	}
	if (add_xattrs(w, e, dfd, name, path, err) < 0)
		goto out;
	/* Later names of a multiply-linked inode become hard links to the
	 * first (directories cannot be hard-linked; their nlink counts
	 * subdirectories). */
	struct archive_entry *spare = NULL;
	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1)
		archive_entry_linkify(w->links, &e, &spare);
	if (spare)
		archive_entry_free(spare);
	if (!e) {
		rc = 0;  /* held back by the resolver (not done for tar formats) */
		goto out;
	}
	bool data = S_ISREG(st->st_mode) && !archive_entry_hardlink(e) && archive_entry_size(e) > 0;
	if (write_entry(w, e, path, err) < 0 || (data && write_contents(w, dfd, name, path, st, err) < 0) ||
	    finish_entry(w, path, err) < 0)
		goto out;
	rc = 0;
out:
	archive_entry_free(e);
	return rc;
}

int ctr_tar_writer_add_marker(struct ctr_tar_writer *w, const char *path, const struct stat *st,
			      struct ctr_error *err)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return ctr_fail(err, ENOMEM, "writing %s", w->what);
	archive_entry_copy_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	int rc = write_entry(w, e, path, err) < 0 || finish_entry(w, path, err) < 0 ? -1 : 0;
	archive_entry_free(e);
	return rc;
}

int ctr_tar_writer_close(struct ctr_tar_writer *w, struct ctr_warnings *warnings, struct ctr_error *err)
{
	if (archive_write_close(w->a) != ARCHIVE_OK)
		return ctr_fail(err, archive_errno(w->a) > 0 ? archive_errno(w->a) : 0, "cannot write %s: %s",
				w->what, archive_error_string(w->a));
	if (w->sockets)
		ctr_warn(warnings, "note: %s: left out %ld socket%s (first: %s), which tar cannot hold", w->what,
			 w->sockets, w->sockets == 1 ? "" : "s", w->first_socket);
	return 0;
}
