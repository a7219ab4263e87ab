/* Committing a container: its upper dir, read as root of a user namespace
 * with the container's mapping, is written as an OCI layer tar into an
 * unnamed file under layers/; the tar's sha256 is the layer id; the image
 * code extracts it back into overlay format as layers/<id> and records the
 * layer and the image together, so a failure at any step leaves nothing.
 *
 * Upper dirs are written by ctrfs, which never sets redirect or metacopy
 * xattrs (directory renames are copied up whole and marked opaque), so
 * whiteouts and opaque directories are all the overlay metadata to convert. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
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

#include "commit_config.h"
#include "ctr/cleanup.h"
#include "container_config.h"
#include "dir_list.h"
#include "image_import.h"
#include "layer_commit.h"
#include "tar_write.h"
#include "userns.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER ".wh..wh..opq"

/* ---- the upper dir as a layer tar ---- */

struct upper_walk {
	struct ctr_tar_writer *w;
	const char *upper, *what;
	char path[PATH_MAX];   /* tar path of the directory being walked, "" or ending in "/" */
	long wh_names;         /* files named .wh.* left out */
	char first_wh[PATH_MAX];
};

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* ctrrun mounts with userxattr (user.overlay.opaque); a root-made upper dir
 * mounted by other tools may carry the trusted. form. */
static bool is_opaque(int dfd)
{
	static const char *const names[] = {"user.overlay.opaque", "trusted.overlay.opaque"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char v[2];
		if (fgetxattr(dfd, names[i], v, sizeof v) == 1 && v[0] == 'y')
			return true;
	}
	return false;
}

/* Appends NAME (and SUFFIX) to the directory path at PLEN. */
static int set_path(struct upper_walk *x, size_t plen, const char *name, const char *suffix,
		    struct ctr_error *err)
{
	if ((size_t)snprintf(x->path + plen, sizeof x->path - plen, "%s%s", name, suffix) >= sizeof x->path - plen)
		return ctr_fail(err, ENAMETOOLONG, "%s: %s/%.*s%s", x->what, x->upper, (int)plen, x->path, name);
	return 0;
}

static int walk_upper(struct upper_walk *x, int dfd, size_t plen, struct ctr_error *err);

static int upper_entry(struct upper_walk *x, int dfd, size_t plen, const char *name, struct ctr_error *err)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;  /* removed meanwhile by a running container */
		return ctr_fail(err, errno, "%s: cannot stat %s/%.*s%s", x->what, x->upper, (int)plen, x->path, name);
	}
	if (is_whiteout(&st)) {
		if (set_path(x, plen, WHITEOUT_PREFIX, name, err) < 0)
			return -1;
		return ctr_tar_writer_add_marker(x->w, x->path, &st, err);
	}
	if (set_path(x, plen, name, "", err) < 0)
		return -1;
	if (strncmp(name, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0) {
		if (x->wh_names++ == 0)
			snprintf(x->first_wh, sizeof x->first_wh, "/%s", x->path);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return ctr_tar_writer_add(x->w, dfd, name, x->path, &st, err);

	_cleanup_close_ int child = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (child < 0) {
		if (errno == ENOENT)
			return 0;
		return ctr_fail(err, errno, "%s: cannot open %s/%s", x->what, x->upper, x->path);
	}
	if (ctr_tar_writer_add(x->w, dfd, name, x->path, &st, err) < 0)
		return -1;
	size_t len = strlen(x->path);
	if (is_opaque(child) &&
	    (set_path(x, len, "/", OPAQUE_MARKER, err) < 0 || ctr_tar_writer_add_marker(x->w, x->path, &st, err) < 0))
		return -1;
	if (set_path(x, len, "/", "", err) < 0)
		return -1;
	return walk_upper(x, child, len + 1, err);
}

static int walk_upper(struct upper_walk *x, int dfd, size_t plen, struct ctr_error *err)
{
	char display[PATH_MAX + 64];
	snprintf(display, sizeof display, "%s/%.*s", x->upper, (int)plen, x->path);
	char **names;
	size_t n;
	if (ctr_dir_list(dfd, display, &names, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = upper_entry(x, dfd, plen, names[i], err);
	ctr_dir_list_free(names, n);
	x->path[plen] = '\0';
	return rc;
}

struct upper_job {
	const char *upper, *what;
	int fd;
	struct ctr_warnings *warnings;  /* shared with the caller: the child's notes */
};

static int upper_to_tar_here(void *arg, struct ctr_error *err)
{
	struct upper_job *job = arg;
	struct upper_walk x = {.upper = job->upper, .what = job->what};
	_cleanup_close_ int root = open(job->upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return ctr_fail(err, errno, "%s: cannot open the upper dir %s", job->what, job->upper);
	_cleanup_tar_writer_ struct ctr_tar_writer *w = ctr_tar_writer_new(job->fd, job->what, err);
	if (!w)
		return -1;
	x.w = w;
	/* The root itself has no entry (a layer's root is the image's); only
	 * its opacity is a change. */
	struct stat st;
	if (fstat(root, &st) < 0)
		return ctr_fail(err, errno, "%s: cannot stat %s", job->what, job->upper);
	if (is_opaque(root) && ctr_tar_writer_add_marker(x.w, OPAQUE_MARKER, &st, err) < 0)
		return -1;
	if (walk_upper(&x, root, 0, err) < 0 || ctr_tar_writer_close(x.w, job->warnings, err) < 0)
		return -1;
	if (x.wh_names)
		ctr_warn(job->warnings, "warning: %s: left out %ld file%s named .wh.* (first: %s): a layer would read "
					"%s as a whiteout",
			 job->what, x.wh_names, x.wh_names == 1 ? "" : "s", x.first_wh, x.wh_names == 1 ? "it" : "them");
	return 0;
}

int ctr_upper_to_tar(const struct ctr_idmap *map, const char *upper, int fd, const char *what,
		     struct ctr_warnings *warnings, struct ctr_error *err)
{
	if (lseek(fd, 0, SEEK_SET) != 0 || ftruncate(fd, 0) < 0)
		return ctr_fail(err, errno, "%s: cannot reset the temporary file", what);
	/* The child's notes come back through shared memory. */
	struct ctr_warnings *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return ctr_fail(err, errno, "%s: mmap", what);
	memset(shared, 0, sizeof *shared);
	struct upper_job job = {.upper = upper, .what = what, .fd = fd, .warnings = shared};
	int rc = ctr_userns_run(map, upper_to_tar_here, &job, err);
	ctr_warnings_merge(warnings, shared);
	munmap(shared, sizeof *shared);
	return rc;
}

/* ---- the image ---- */

static char *join_argv(char *const *argv, size_t argc)
{
	size_t len = 1;
	for (size_t i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = calloc(1, len);
	for (size_t i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* History only: the image exists whether or not this is recorded. */
static void record_event(struct ctrrun *rt, const struct ctr_db_container *c, const char *image_id,
			 const struct ctr_commit_request *req)
{
	struct json_object *attrs = json_object_new_object();
	if (!attrs)
		return;
	char id[7 + CTR_DB_ID_LEN + 1], ref[512];
	snprintf(id, sizeof id, "sha256:%s", image_id);
	snprintf(ref, sizeof ref, "%s:%s", req->repository, req->tag);
	json_object_object_add(attrs, "imageID", json_object_new_string(id));
	json_object_object_add(attrs, "imageRef", json_object_new_string(ref));
	if (req->message)
		json_object_object_add(attrs, "comment", json_object_new_string(req->message));
	ctr_container_event(rt, c->id, c->name, "commit",
			       json_object_to_json_string_ext(attrs, JSON_C_TO_STRING_PLAIN));
	json_object_put(attrs);
}

int ctr_container_commit(struct ctrrun *rt, const struct ctr_db_container *c, const struct ctr_commit_request *req,
			 char image_id[CTR_DB_ID_LEN + 1], struct ctr_error *err)
{
	struct ctr_db_image base = {0};
	struct ctr_image_config base_cfg = {0}, run = {0};
	char *dir = NULL, *upper = NULL, *what = NULL, *created_by = NULL, *json = NULL;
	char **layers = NULL, **diff_ids = NULL;
	size_t n_layers = 0;
	int fd = -1, rc = -1;
	memset(image_id, 0, CTR_DB_ID_LEN + 1);

	if (c->state == CTR_DB_REMOVING)
		return ctr_fail(err, 0, "container %s (%.12s) is being removed", c->name, c->id);
	if (ctr_db_find_image(rt->db, c->image_id, &base, err) != CTR_DB_OK)
		goto out;
	if (ctr_image_check_name_free(rt, req->repository, req->tag, err) < 0 ||
	    ctr_image_config_parse(base.config, &base_cfg, err) < 0 || ctr_container_config(c, &base_cfg, &run, err) < 0)
		goto out;
	for (size_t i = 0; i < req->n_changes; i++)
		if (ctr_image_config_apply_change(&run, req->changes[i], err) < 0)
			goto out;

	dir = ctr_store_container_dir(rt, c->id);
	if (!dir || asprintf(&upper, "%s/upper", dir) < 0 || asprintf(&what, "the new layer of container %s", c->name) < 0) {
		upper = what = NULL;
		ctr_fail(err, ENOMEM, "commit");
		goto out;
	}
	if ((fd = ctr_layers_tmpfile(rt, what, err)) < 0 || ctr_upper_to_tar(&rt->idmap, upper, fd, what, &rt->warnings, err) < 0)
		goto out;
	char layer_id[CTR_DB_ID_LEN + 1];
	if (ctr_layer_tar_id(fd, what, layer_id, err) < 0)
		goto out;

	n_layers = base.n_layers + 1;
	layers = calloc(n_layers, sizeof *layers);
	diff_ids = calloc(n_layers, sizeof *diff_ids);
	if (!layers || !diff_ids) {
		ctr_fail(err, ENOMEM, "commit");
		goto out;
	}
	for (size_t i = 0; i < n_layers; i++) {
		layers[i] = i < base.n_layers ? base.layers[i] : layer_id;
		if (asprintf(&diff_ids[i], "sha256:%s", layers[i]) < 0) {
			diff_ids[i] = NULL;
			ctr_fail(err, ENOMEM, "commit");
			goto out;
		}
	}
	if (!(created_by = join_argv(c->argv, c->argc))) {
		ctr_fail(err, ENOMEM, "commit");
		goto out;
	}
	struct ctr_db_image image = {
		.repository = (char *)req->repository,
		.tag = (char *)req->tag,
		.created_ns = ctr_now_ns(),
		.layers = layers,
		.n_layers = n_layers,
	};
	struct ctr_commit_config_args args = {
		.base_json = base.config,
		.run = &run,
		.diff_ids = diff_ids,
		.n_diff_ids = n_layers,
		.created_ns = image.created_ns,
		.container_id = c->id,
		.created_by = created_by,
		.message = req->message,
		.author = req->author,
	};
	if (!(json = ctr_commit_config_json(&args, err)))
		goto out;
	image.config = json;
	if (ctr_image_add_with_layer(rt, fd, what, &image, err) < 0)
		goto out;
	memcpy(image_id, image.id, CTR_DB_ID_LEN + 1);
	record_event(rt, c, image.id, req);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; diff_ids && i < n_layers; i++)
		free(diff_ids[i]);
	free(diff_ids);
	free(layers);
	free(json);
	free(created_by);
	free(what);
	free(upper);
	free(dir);
	ctr_image_config_free(&run);
	ctr_image_config_free(&base_cfg);
	ctr_db_image_free(&base);
	return rc;
}
