/* Flattening a container's layers: each directory is merged from the list
 * of layer directories that make it up (upper first), which the parent's
 * merge computed, so whiteouts and opaque directories take effect exactly
 * where the union mount applies them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "dir_list.h"
#include "rootfs_export.h"
#include "tar_write.h"
#include "userns.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define OPAQUE_MARKER ".wh..wh..opq"

/* One layer's part of a merged directory. */
struct source {
	int fd;
	size_t layer;   /* 0: the upper dir, then the image's layers top first */
};

struct export {
	struct ctr_tar_writer *w;
	int out_fd;
	const char *what;
	struct ctr_warnings *warnings;  /* shared with the caller: the child's notes */
	char **roots;      /* layer root paths, for messages */
	size_t n_roots;
	char path[PATH_MAX];  /* tar path of the directory being merged, "" or ending in "/" */
};

/* A name seen in one layer of a merged directory. */
struct item {
	const char *name;
	size_t source;       /* index into the directory's sources */
	bool whiteout_file;  /* an OCI ".wh.NAME" marker for NAME */
};

static int compare_items(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	/* A layer's own NAME shows even if it also has .wh.NAME (which hides
	 * NAME in the layers below). */
	return (int)x->whiteout_file - (int)y->whiteout_file;
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(int dfd, bool upper)
{
	static const char *const names[] = {"user.overlay.opaque", "trusted.overlay.opaque"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char v[2];
		if (fgetxattr(dfd, names[i], v, sizeof v) == 1 && v[0] == 'y')
			return true;
	}
	/* In a layer (never in the upper dir, where it is a user's file), the
	 * OCI marker means the same. */
	struct stat st;
	return !upper && fstatat(dfd, OPAQUE_MARKER, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int merge_dir(struct export *x, const struct source *src, size_t n_src, size_t plen, struct ctr_error *err);

static void close_sources(struct source *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(src[i].fd);
}

/* Opens NAME in SRC as the next source of a merged directory; returns 1 and
 * fills *OUT, 0 when the name stops the merge there (whiteout or not a
 * directory), -1 on error. *OPAQUE says whether it hides the layers below. */
static int open_part(struct export *x, const struct source *src, const char *name, struct source *out, bool *opaque,
		     struct ctr_error *err)
{
	struct stat st;
	if (fstatat(src->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : ctr_fail(err, errno, "%s: cannot stat %s/%s%s", x->what,
						      x->roots[src->layer], x->path, name);
	if (!S_ISDIR(st.st_mode))
		return 0;
	int fd = openat(src->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR
			       ? 0
			       : ctr_fail(err, errno, "%s: cannot open %s/%s%s", x->what, x->roots[src->layer], x->path, name);
	*out = (struct source){.fd = fd, .layer = src->layer};
	*opaque = is_opaque(fd, src->layer == 0);
	return 1;
}

/* The name ITEMS[0].name of the directory merged from SRC, seen in N_ITEMS
 * of its layers (top first). */
static int merge_name(struct export *x, const struct source *src, size_t plen, const struct item *items,
		      size_t n_items, struct ctr_error *err)
{
	const char *name = items[0].name;
	if (items[0].whiteout_file)
		return 0;
	const struct source *top = &src[items[0].source];
	struct stat st;
	if (fstatat(top->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;  /* removed meanwhile by a running container */
		return ctr_fail(err, errno, "%s: cannot stat %s/%s%s", x->what, x->roots[top->layer], x->path, name);
	}
	if (is_whiteout(&st))
		return 0;
	if ((size_t)snprintf(x->path + plen, sizeof x->path - plen, "%s", name) >= sizeof x->path - plen)
		return ctr_fail(err, ENAMETOOLONG, "%s: %.*s%s", x->what, (int)plen, x->path, name);
	if (!S_ISDIR(st.st_mode))
		return ctr_tar_writer_add(x->w, top->fd, name, x->path, &st, err);

	/* A directory: it and the directories of the same name below it, down
	 * to the first opaque one, whiteout or non-directory. */
	struct source *parts = calloc(n_items, sizeof *parts);
	if (!parts)
		return ctr_fail(err, ENOMEM, "%s", x->what);
	size_t n_parts = 0;
	int rc = 0;
	for (size_t i = 0; i < n_items && rc == 0; i++) {
		if (items[i].whiteout_file)
			break;
		bool opaque = false;
		rc = open_part(x, &src[items[i].source], name, &parts[n_parts], &opaque, err);
		if (rc <= 0)
			break;
		n_parts++;
		rc = 0;
		if (opaque)
			break;
	}
	if (rc == 0 && n_parts == 0) {
		free(parts);
		return 0;  /* replaced meanwhile */
	}
	size_t len = plen + strlen(name);
	if (rc == 0)
		rc = ctr_tar_writer_add(x->w, top->fd, name, x->path, &st, err);
	if (rc == 0 && len + 1 >= sizeof x->path)
		rc = ctr_fail(err, ENAMETOOLONG, "%s: %s", x->what, x->path);
	if (rc == 0) {
		x->path[len] = '/';
		x->path[len + 1] = '\0';
		rc = merge_dir(x, parts, n_parts, len + 1, err);
	}
	close_sources(parts, n_parts);
	free(parts);
	return rc;
}

static int merge_dir(struct export *x, const struct source *src, size_t n_src, size_t plen, struct ctr_error *err)
{
	char ***names = calloc(n_src, sizeof *names);
	size_t *counts = calloc(n_src, sizeof *counts);
	struct item *items = NULL;
	size_t n_items = 0;
	int rc = 0;
	if (!names || !counts) {
		rc = ctr_fail(err, ENOMEM, "%s", x->what);
		goto out;
	}
	size_t total = 0;
	for (size_t i = 0; i < n_src && rc == 0; i++) {
		char display[PATH_MAX + 64];
		snprintf(display, sizeof display, "%s/%.*s", x->roots[src[i].layer], (int)plen, x->path);
		rc = ctr_dir_list(src[i].fd, display, &names[i], &counts[i], err);
		total += counts[i];
	}
	if (rc < 0)
		goto out;
	if (total && !(items = calloc(total, sizeof *items))) {
		rc = ctr_fail(err, ENOMEM, "%s", x->what);
		goto out;
	}
	for (size_t i = 0; i < n_src; i++) {
		bool upper = src[i].layer == 0;
		for (size_t k = 0; k < counts[i]; k++) {
			const char *nm = names[i][k];
			struct item it = {.name = nm, .source = i};
			if (!upper && strncmp(nm, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0) {
				/* Layer metadata, not files: the opaque marker (read by
				 * is_opaque), aufs bookkeeping, whiteouts. */
				if (strncmp(nm, WHITEOUT_META_PREFIX, strlen(WHITEOUT_META_PREFIX)) == 0 ||
				    !nm[strlen(WHITEOUT_PREFIX)])
					continue;
				it.name = nm + strlen(WHITEOUT_PREFIX);
				it.whiteout_file = true;
			}
			items[n_items++] = it;
		}
	}
	if (n_items > 1)
		qsort(items, n_items, sizeof *items, compare_items);
	for (size_t i = 0; i < n_items && rc == 0;) {
		size_t j = i + 1;
		while (j < n_items && strcmp(items[j].name, items[i].name) == 0)
			j++;
		rc = merge_name(x, src, plen, items + i, j - i, err);
		x->path[plen] = '\0';
		i = j;
	}
out:
	for (size_t i = 0; names && i < n_src; i++)
		ctr_dir_list_free(names[i], counts[i]);
	free(names);
	free(counts);
	free(items);
	return rc;
}

static int export_here(void *arg, struct ctr_error *err)
{
	struct export *x = arg;
	struct source *roots = calloc(x->n_roots, sizeof *roots);
	if (!roots)
		return ctr_fail(err, ENOMEM, "%s", x->what);
	size_t n = 0;
	int rc = 0;
	/* The merged root: the upper dir, then the layers down to the first
	 * opaque root. */
	for (size_t i = 0; i < x->n_roots; i++) {
		int fd = open(x->roots[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			rc = ctr_fail(err, errno, "%s: cannot open %s", x->what, x->roots[i]);
			break;
		}
		roots[n++] = (struct source){.fd = fd, .layer = i};
		if (is_opaque(fd, i == 0))
			break;
	}
	if (rc == 0 && !(x->w = ctr_tar_writer_new(x->out_fd, x->what, err)))
		rc = -1;
	x->path[0] = '\0';
	if (rc == 0)
		rc = merge_dir(x, roots, n, 0, err);
	if (rc == 0)
		rc = ctr_tar_writer_close(x->w, x->warnings, err);
	ctr_tar_writer_free(x->w);
	x->w = NULL;
	close_sources(roots, n);
	free(roots);
	return rc;
}

int ctr_rootfs_export(struct ctrrun *rt, const struct ctr_db_container *c, const struct ctr_db_image *image, int fd,
		      struct ctr_error *err)
{
	struct export x = {.n_roots = image->n_layers + 1, .out_fd = fd};
	char *dir = ctr_store_container_dir(rt, c->id);
	char *what = NULL;
	int rc = -1;
	x.roots = calloc(x.n_roots, sizeof *x.roots);
	if (!dir || !x.roots || asprintf(&what, "the export of container %s", c->name) < 0) {
		what = NULL;
		ctr_fail(err, ENOMEM, "export");
		goto out;
	}
	x.what = what;
	if (asprintf(&x.roots[0], "%s/upper", dir) < 0) {
		x.roots[0] = NULL;
		ctr_fail(err, ENOMEM, "export");
		goto out;
	}
	for (size_t i = 0; i < image->n_layers; i++) {
		_cleanup_free_ char *layer = ctr_store_layer_dir(rt, image->layers[image->n_layers - 1 - i]);
		if (!layer || asprintf(&x.roots[i + 1], "%s/diff", layer) < 0) {
			x.roots[i + 1] = NULL;
			ctr_fail(err, ENOMEM, "export");
			goto out;
		}
	}
	/* The child's notes come back through shared memory. */
	x.warnings = mmap(NULL, sizeof *x.warnings, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (x.warnings == MAP_FAILED) {
		x.warnings = NULL;
		ctr_fail(err, errno, "%s: mmap", what);
		goto out;
	}
	memset(x.warnings, 0, sizeof *x.warnings);
	rc = ctr_userns_run(&rt->idmap, export_here, &x, err);
	ctr_warnings_merge(&rt->warnings, x.warnings);
	munmap(x.warnings, sizeof *x.warnings);
out:
	for (size_t i = 0; x.roots && i < x.n_roots; i++)
		free(x.roots[i]);
	free(x.roots);
	free(what);
	free(dir);
	return rc;
}
