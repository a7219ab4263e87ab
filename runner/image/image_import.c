/* `ctrrun import`'s core: a rootfs tarball becomes a one-layer image.
 *
 * Two passes over the input: the first hashes the uncompressed tar (the
 * layer id), the second extracts it into layers/.tmp-XXXXXX/diff, rootless as
 * root of a user namespace with the caller's mapping so owners land in the
 * subordinate range. The finished tree is renamed to layers/<id> under the
 * layers lock, then the rows are written. Until the image row exists every
 * failure removes what this import made, so nothing is left behind. */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "image_import.h"
#include "owned_tmp.h"
#include "remove_tree.h"
#include "tar_extract.h"
#include "userns.h"

#define NAME_MAX_LEN 255   /* docker's limit on a repository name */
#define TAG_MAX_LEN 128

/* ---- names ---- */

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]+ joined by ".", "_", "__" or one or more "-". Sets *UPPER when
 * the only thing wrong is an uppercase letter. */
static bool valid_path_component(const char *s, size_t n, bool *upper)
{
	size_t i = 0;
	for (size_t k = 0; k < n; k++)
		if (s[k] >= 'A' && s[k] <= 'Z')
			*upper = true;
	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == n)
			break;
		size_t sep = i;
		while (i < n && !is_lower_alnum(s[i]))
			i++;
		size_t len = i - sep;
		bool dashes = strspn(s + sep, "-") >= len;
		if (!(dashes || (len == 1 && (s[sep] == '.' || s[sep] == '_')) ||
		      (len == 2 && s[sep] == '_' && s[sep + 1] == '_')))
			return false;
	}
	return true;
}

/* A host name component: letters, digits, inner "-"s; then ":port". */
static bool valid_domain(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t host = colon ? (size_t)(colon - s) : n;
	if (colon) {
		size_t plen = n - host - 1;
		if (plen == 0 || strspn(colon + 1, "0123456789") < plen)
			return false;
	}
	size_t start = 0;
	for (size_t i = 0; i <= host; i++) {
		if (i < host && s[i] != '.')
			continue;
		size_t len = i - start;
		if (len == 0 || !isalnum((unsigned char)s[start]) || !isalnum((unsigned char)s[i - 1]))
			return false;
		for (size_t k = start; k < i; k++)
			if (!isalnum((unsigned char)s[k]) && s[k] != '-')
				return false;
		start = i + 1;
	}
	return true;
}

int ctr_image_ref_parse(const char *ref, char **repo, char **tag, struct ctr_error *err)
{
	*repo = *tag = NULL;
	if (!*ref)
		return ctr_fail(err, 0, "invalid image name \"\": it is empty");
	if (strchr(ref, '@'))
		return ctr_fail(err, 0, "invalid image name \"%s\": digests (@...) cannot be given to an import", ref);
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');
	size_t name_len = colon ? (size_t)(colon - ref) : strlen(ref);
	if (colon) {
		const char *t = colon + 1;
		size_t tl = strlen(t);
		if (tl == 0 || tl > TAG_MAX_LEN || !(isalnum((unsigned char)t[0]) || t[0] == '_') ||
		    strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != tl)
			return ctr_fail(err, 0, "invalid image name \"%s\": tag \"%s\" is not 1 to 128 of letters, "
					"digits, \"_\", \".\" and \"-\" (not starting with \".\" or \"-\")", ref, t);
	}
	if (name_len == 0)
		return ctr_fail(err, 0, "invalid image name \"%s\": the repository name is empty", ref);
	if (name_len > NAME_MAX_LEN)
		return ctr_fail(err, 0, "invalid image name \"%s\": the repository name is longer than %d characters",
				ref, NAME_MAX_LEN);

	/* A first component with ".", ":", uppercase or "localhost" is a registry host. */
	const char *path = ref;
	const char *first_slash = memchr(ref, '/', name_len);
	if (first_slash) {
		size_t dl = (size_t)(first_slash - ref);
		bool upper = false;
		for (size_t k = 0; k < dl; k++)
			upper |= ref[k] >= 'A' && ref[k] <= 'Z';
		bool is_domain = memchr(ref, '.', dl) || memchr(ref, ':', dl) ||
				 (dl == 9 && strncmp(ref, "localhost", 9) == 0) || upper;
		if (is_domain) {
			if (!valid_domain(ref, dl))
				return ctr_fail(err, 0, "invalid image name \"%s\": \"%.*s\" is not a valid registry host",
						ref, (int)dl, ref);
			path = first_slash + 1;
		}
	}
	const char *end = ref + name_len;
	for (const char *p = path; p <= end;) {
		const char *next = memchr(p, '/', (size_t)(end - p));
		size_t n = next ? (size_t)(next - p) : (size_t)(end - p);
		bool upper = false;
		if (!valid_path_component(p, n, &upper))
			return ctr_fail(err, 0, "invalid image name \"%s\": %s", ref,
					upper ? "the repository name must be lowercase"
					      : "repository name components are lowercase letters and digits joined by "
						"\".\", \"_\", \"__\" or \"-\"");
		p += n + 1;
	}
	if (name_len == CTR_DB_ID_LEN && strspn(ref, "0123456789abcdef") >= CTR_DB_ID_LEN)
		return ctr_fail(err, 0, "invalid image name \"%s\": a 64-digit hex string would read as an image id",
				ref);
	_cleanup_free_ char *r = strndup(ref, name_len);
	_cleanup_free_ char *t = strdup(colon ? colon + 1 : "latest");
	if (!r || !t)
		return ctr_fail(err, ENOMEM, "image name");
	*repo = steal_pointer(&r);
	*tag = steal_pointer(&t);
	return 0;
}

/* ---- the layers lock ---- */

/* A POSIX record lock (fcntl), not flock(2): it belongs to this process
 * alone, not to the open file, so a helper forked while it is held (the
 * one that extracts or removes a layer in a user namespace) does not keep
 * it after this process is killed, and the next command can settle what the
 * killed one left at once. (A process must then not open and close the file
 * elsewhere while it holds the lock: closing any descriptor of it drops it.) */
static int layers_lock(const struct ctrrun *rt, bool wait, struct ctr_error *err)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/layers/.lock", rt->root) < 0)
		return ctr_fail(err, ENOMEM, "layers lock");
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return ctr_fail(err, errno, "cannot open %s", path);
	struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	while (fcntl(fd, wait ? F_SETLKW : F_SETLK, &whole) < 0) {
		if (errno != EINTR) {
			int e = errno == EACCES || errno == EAGAIN ? EWOULDBLOCK : errno;
			ctr_fail(err, e, "cannot lock %s", path);
			errno = e;
			return -1;
		}
	}
	return steal_fd(&fd);
}

int ctr_layers_lock(const struct ctrrun *rt, struct ctr_error *err)
{
	return layers_lock(rt, true, err);
}

int ctr_layers_trylock(const struct ctrrun *rt, struct ctr_error *err)
{
	return layers_lock(rt, false, err);
}

/* ---- input ---- */

/* An unnamed file under layers/ (O_TMPFILE: it vanishes with the process,
 * whatever happens). */
int ctr_layers_tmpfile(const struct ctrrun *rt, const char *what, struct ctr_error *err)
{
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/layers", rt->root) < 0)
		return ctr_fail(err, ENOMEM, "temporary file");
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
		_cleanup_free_ char *name = NULL;
		if (asprintf(&name, "%s/.spool-XXXXXX", dir) >= 0) {
			fd = mkostemp(name, O_CLOEXEC);
			if (fd >= 0)
				unlink(name);
		}
	}
	if (fd < 0)
		ctr_fail(err, errno, "cannot make a temporary file in %s for %s", dir, what);
	return fd;
}

/* Copies standard input to a temporary file, since hashing and extracting
 * need two passes over it. */
static int spool(const struct ctrrun *rt, int in, const char *what, struct ctr_error *err)
{
	_cleanup_close_ int fd = ctr_layers_tmpfile(rt, what, err);
	if (fd < 0)
		return -1;
	char buf[128 * 1024];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ctr_fail(err, errno, "cannot read %s", what);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return ctr_fail(err, errno, "cannot spool %s to %s/layers", what, rt->root);
			off += w;
		}
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		return ctr_fail(err, errno, "cannot rewind the copy of %s", what);
	return steal_fd(&fd);
}

/* The tarball as a seekable fd positioned at 0: FILE itself, or a spooled
 * copy of standard input or of a pipe. */
static int open_input(const struct ctrrun *rt, const char *file, const char *what, struct ctr_error *err)
{
	if (strcmp(file, "-") == 0)
		return spool(rt, STDIN_FILENO, what, err);
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail(err, errno, "cannot open tarball %s", file);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return ctr_fail(err, errno, "cannot open tarball %s", file);
	if (S_ISDIR(st.st_mode))
		return ctr_fail(err, EISDIR, "cannot import %s", file);
	if (lseek(fd, 0, SEEK_SET) == 0)
		return steal_fd(&fd);
	return spool(rt, fd, what, err);
}

static void hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* sha256 of the decompressed stream: libarchive's raw format hands the
 * decompressed bytes through as one entry. */
int ctr_layer_tar_id(int fd, const char *what, char out[CTR_DB_ID_LEN + 1], struct ctr_error *err)
{
	if (lseek(fd, 0, SEEK_SET) != 0)
		return ctr_fail(err, errno, "cannot rewind %s", what);
	struct archive *a = archive_read_new();
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = -1;
	if (!a || !md) {
		ctr_fail(err, ENOMEM, "hashing %s", what);
		goto out;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	if (archive_read_open_fd(a, fd, 128 * 1024) != ARCHIVE_OK || archive_read_next_header(a, &e) != ARCHIVE_OK) {
		ctr_fail(err, 0, "cannot read tarball %s: %s", what,
			 archive_error_string(a) ? archive_error_string(a) : "empty or unknown format");
		goto out;
	}
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		ctr_fail(err, 0, "hashing %s: OpenSSL has no sha256", what);
		goto out;
	}
	int64_t total = 0;
	const void *buf;
	size_t size;
	la_int64_t offset;
	int r;
	while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
		EVP_DigestUpdate(md, buf, size);
		total += (int64_t)size;
	}
	if (r != ARCHIVE_EOF) {
		ctr_fail(err, 0, "cannot read tarball %s: %s", what, archive_error_string(a));
		goto out;
	}
	if (total == 0) {
		ctr_fail(err, 0, "cannot import %s: it is empty", what);
		goto out;
	}
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	if (EVP_DigestFinal_ex(md, digest, &dlen) != 1 || dlen * 2 != CTR_DB_ID_LEN) {
		ctr_fail(err, 0, "hashing %s failed", what);
		goto out;
	}
	hex(digest, dlen, out);
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	if (a)
		archive_read_free(a);
	return rc;
}

static int sha256_hex(const char *data, char out[CTR_DB_ID_LEN + 1], struct ctr_error *err)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	if (EVP_Digest(data, strlen(data), digest, &dlen, EVP_sha256(), NULL) != 1 || dlen * 2 != CTR_DB_ID_LEN)
		return ctr_fail(err, 0, "cannot compute the image id: sha256 failed");
	hex(digest, dlen, out);
	return 0;
}

/* ---- extraction ---- */

/* What the extraction (in a child, rootless) hands back. */
struct extract_result {
	int64_t size;
	struct ctr_warnings warnings;
};

struct extract_job {
	int fd;
	const char *dir;
	const struct ctr_idmap *map;
	const char *what;
	struct extract_result *result; /* shared with the parent: the child's memory is its own */
};

static int extract_in_userns(void *arg, struct ctr_error *err)
{
	struct extract_job *job = arg;
	int64_t size = ctr_tar_extract(job->fd, job->dir, job->map, job->what, &job->result->warnings, err);
	if (size < 0)
		return -1;
	job->result->size = size;
	return 0;
}

/* Extracts the tarball into a new layers/.tmp-XXXXXX/diff; *TMP is that
 * .tmp dir, or NULL when none was made. */
static int extract_layer(struct ctrrun *rt, int fd, const char *what, char **tmp, int64_t *size,
			 struct ctr_error *err)
{
	*tmp = NULL;
	_cleanup_free_ char *layers = NULL;
	if (asprintf(&layers, "%s/layers", rt->root) < 0)
		return ctr_fail(err, ENOMEM, "layer");
	/* Named after this process, so that the next command can tell the
	 * leftover of a killed import from a live one (owned_tmp.c, leftovers.c). */
	_cleanup_free_ char *made = ctr_owned_tmp_template(layers);
	if (!made)
		return ctr_fail(err, errno, "layer");
	if (!mkdtemp(made))
		return ctr_fail(err, errno, "cannot make a temporary directory %s", made);
	*tmp = steal_pointer(&made);
	_cleanup_free_ char *diff = NULL;
	if (asprintf(&diff, "%s/diff", *tmp) < 0)
		return ctr_fail(err, ENOMEM, "layer");
	struct extract_result *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int rc = -1;
	if (shared == MAP_FAILED) {
		ctr_fail(err, errno, "extracting %s: mmap", what);
	} else if (mkdir(diff, 0755) < 0) {
		ctr_fail(err, errno, "cannot create %s", diff);
	} else if (lseek(fd, 0, SEEK_SET) != 0) {
		ctr_fail(err, errno, "cannot rewind %s", what);
	} else {
		memset(shared, 0, sizeof *shared);
		shared->size = -1;
		struct extract_job job = {.fd = fd, .dir = diff, .map = &rt->idmap, .what = what, .result = shared};
		rc = ctr_userns_run(&rt->idmap, extract_in_userns, &job, err);
		ctr_warnings_merge(&rt->warnings, &shared->warnings);
		if (rc == 0 && shared->size < 0)
			rc = ctr_fail(err, 0, "extracting %s: the helper process reported no size", what);
		*size = shared->size;
	}
	if (shared != MAP_FAILED)
		munmap(shared, sizeof *shared);
	return rc;
}

/* Removes a directory this import made; what is left if that fails is named. */
static void remove_made(struct ctrrun *rt, const char *dir)
{
	struct ctr_error e = {0};
	if (ctr_remove_tree_as(&rt->idmap, dir, &e) < 0)
		ctr_warn(&rt->warnings, "warning: could not clean up %s: %s", dir, e.msg);
}

static bool layer_dir_present(const struct ctrrun *rt, const char *id)
{
	char *dir = ctr_store_layer_dir(rt, id);
	char *diff = NULL;
	struct stat st;
	bool ok = dir && asprintf(&diff, "%s/diff", dir) >= 0 && lstat(diff, &st) == 0 && S_ISDIR(st.st_mode);
	free(dir);
	free(diff);
	return ok;
}

/* Deletes the layer rows no image uses (the one this import added, when its
 * image could not be recorded) and their directories. */
static void drop_unused_layers(struct ctrrun *rt)
{
	struct ctr_error e = {0};
	char **ids = NULL;
	size_t n = 0;
	if (ctr_db_delete_unused_layers(rt->db, &ids, &n, &e) != CTR_DB_OK) {
		ctr_warn(&rt->warnings, "warning: %s", e.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *dir = ctr_store_layer_dir(rt, ids[i]);
		if (dir)
			remove_made(rt, dir);
		free(dir);
	}
	ctr_db_strv_free(ids, n);
}

/* Under the layers lock: puts the extracted tree (*TMP, or NULL when the
 * layer was there already) in place as layers/<id> and records the layer and
 * the image. *TMP is freed and NULL once it is no longer this import's to
 * remove. */
static int commit(struct ctrrun *rt, char **tmp, const struct ctr_db_layer *layer, const struct ctr_db_image *image,
		  struct ctr_error *err)
{
	bool new_layer = false;
	if (*tmp) {
		struct ctr_db_layer existing;
		int rc = ctr_db_get_layer(rt->db, layer->id, &existing, err);
		if (rc != CTR_DB_OK && rc != CTR_DB_NOT_FOUND)
			return -1;
		if (rc == CTR_DB_OK && layer_dir_present(rt, layer->id)) {
			/* Another import made the same layer meanwhile: use that one. */
			remove_made(rt, *tmp);
		} else {
			_cleanup_free_ char *final = ctr_store_layer_dir(rt, layer->id);
			if (!final)
				return ctr_fail(err, ENOMEM, "layer");
			/* A directory without its tree or row is what a killed import
			 * left; no image refers to it. */
			if (ctr_remove_tree_as(&rt->idmap, final, err) < 0)
				return -1;
			if (rename(*tmp, final) < 0)
				return ctr_fail(err, errno, "cannot move %s into place as %s", *tmp, final);
			free(*tmp);
			*tmp = NULL;
			if (rc == CTR_DB_NOT_FOUND) {
				if (ctr_db_add_layer(rt->db, layer, err) != CTR_DB_OK) {
					remove_made(rt, final);
					return -1;
				}
				new_layer = true;
			}
		}
		free(*tmp);
		*tmp = NULL;
	}
	if (ctr_db_add_image(rt->db, image, err) != CTR_DB_OK) {
		if (new_layer)
			drop_unused_layers(rt);
		return -1;
	}
	return 0;
}

int ctr_image_check_name_free(struct ctrrun *rt, const char *repo, const char *tag, struct ctr_error *err)
{
	_cleanup_free_ char *ref = NULL;
	if (asprintf(&ref, "%s:%s", repo, tag) < 0)
		return ctr_fail(err, ENOMEM, "image name");
	struct ctr_db_image img;
	int rc = ctr_db_find_image(rt->db, ref, &img, err);
	if (rc == CTR_DB_OK) {
		bool taken = strcmp(img.repository, repo) == 0 && strcmp(img.tag, tag) == 0;
		if (taken)
			ctr_fail(err, 0, "image name %s is already used by image %.12s: remove that first with "
					 "`ctrrun rmi %s`, or choose another tag", ref, img.id, ref);
		ctr_db_image_free(&img);
		return taken ? -1 : 0;
	}
	return rc == CTR_DB_NOT_FOUND || rc == CTR_DB_AMBIGUOUS ? 0 : -1;
}

int ctr_image_add_with_layer(struct ctrrun *rt, int fd, const char *what, struct ctr_db_image *image,
			     struct ctr_error *err)
{
	/* The goto stays for the undo (the half-made layer directory removed
	 * under the lock, the image id cleared); the plain resources clean up
	 * themselves. */
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int lock = -1;
	int rc = -1;
	if (!image->config || image->n_layers == 0)
		return ctr_fail(err, EINVAL, "image %s:%s: no config or no layer", image->repository, image->tag);
	struct ctr_db_layer layer = {.created_ns = image->created_ns};
	snprintf(layer.id, sizeof layer.id, "%s", image->layers[image->n_layers - 1]);
	if (sha256_hex(image->config, image->id, err) < 0)
		return -1;

	struct ctr_db_layer existing;
	struct ctr_error ignored;
	bool have_layer = ctr_db_get_layer(rt->db, layer.id, &existing, &ignored) == CTR_DB_OK &&
			  layer_dir_present(rt, layer.id);
	if (!have_layer && extract_layer(rt, fd, what, &tmp, &layer.size_bytes, err) < 0)
		goto out;
	if ((lock = ctr_layers_lock(rt, err)) < 0 || commit(rt, &tmp, &layer, image, err) < 0)
		goto out;
	rc = 0;
out:
	if (tmp)
		remove_made(rt, tmp);
	if (rc < 0)
		memset(image->id, 0, sizeof image->id);
	return rc;
}

int ctr_image_import_msg(struct ctrrun *rt, const char *file, const char *ref, const struct ctr_image_config *config,
			 const char *message, char *image_id, struct ctr_error *err)
{
	_cleanup_free_ char *repo = NULL, *tag = NULL, *comment = NULL, *json = NULL, *full_ref = NULL;
	const char *what = strcmp(file, "-") == 0 ? "standard input" : file;
	memset(image_id, 0, CTR_DB_ID_LEN + 1);

	if (ctr_image_ref_parse(ref, &repo, &tag, err) < 0 || ctr_store_open_db(rt, err) < 0 ||
	    ctr_image_check_name_free(rt, repo, tag, err) < 0)
		return -1;
	_cleanup_close_ int fd = open_input(rt, file, what, err);
	if (fd < 0)
		return -1;

	char layer_id[CTR_DB_ID_LEN + 1];
	if (ctr_layer_tar_id(fd, what, layer_id, err) < 0)
		return -1;
	char diff_id[7 + CTR_DB_ID_LEN + 1];
	snprintf(diff_id, sizeof diff_id, "sha256:%s", layer_id);
	char *diff_ids[] = {diff_id};
	char *layers[] = {layer_id};
	if (!message && asprintf(&comment, "Imported from %s", file) < 0) {
		comment = NULL;
		return ctr_fail(err, ENOMEM, "image config");
	}
	struct ctr_db_image image = {
		.repository = repo,
		.tag = tag,
		.created_ns = ctr_now_ns(),
		.layers = layers,
		.n_layers = 1,
	};
	json = ctr_image_config_to_json_at(config, diff_ids, 1, image.created_ns, message ? message : comment);
	if (!json)
		return ctr_fail(err, ENOMEM, "image config");
	image.config = json;
	if (ctr_image_add_with_layer(rt, fd, what, &image, err) < 0)
		return -1;
	memcpy(image_id, image.id, CTR_DB_ID_LEN + 1);

	/* History only: the image exists whether or not this is recorded. */
	struct ctr_error ev_err = {0};
	if (asprintf(&full_ref, "%s:%s", repo, tag) >= 0) {
		struct ctr_db_event ev = {.time_ns = image.created_ns, .type = "image", .action = "import",
					  .actor_id = image.id, .actor_name = full_ref};
		if (ctr_db_add_event(rt->db, &ev, &ev_err) != CTR_DB_OK)
			ctr_warn(&rt->warnings, "warning: %s", ev_err.msg);
	} else {
		full_ref = NULL;
	}
	return 0;
}
