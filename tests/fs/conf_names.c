/* Name and path limits: 255-byte names and paths up to PATH_MAX behave as
 * on the backing fs (no bytes reserved for whiteout prefixes), 256-byte
 * names and longer paths fail with ENAMETOOLONG. */
#include "conf_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A name of len bytes made of c; static ring of two. */
static const char *name_of(size_t len, char c)
{
	static char ring[2][300];
	static unsigned next;
	char *buf = ring[next++ % 2];

	memset(buf, c, len);
	buf[len] = '\0';
	return buf;
}

static int name_255_bytes_create_and_read(struct testfs *t)
{
	const char *n = name_of(255, 'a');

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M(n), "long"));
	CHECK_CONTENT(M(n), "long");
	CHECK_CONTENT(U(n), "long");
	char expected[600];
	snprintf(expected, sizeof(expected), "%s,other", n);
	CHECK_STR(conf_names(t->mnt), expected);
	return CONF_PASS;
}

static int name_255_bytes_in_lower_visible(struct testfs *t)
{
	const char *n = name_of(255, 'b');

	CHECK_OK(conf_put(L1(n), "lower"));
	MOUNT();
	CHECK_CONTENT(M(n), "lower");
	CHECK_STR(conf_names(t->mnt), n);
	return CONF_PASS;
}

static int name_255_bytes_unlink_leaves_whiteout(struct testfs *t)
{
	const char *n = name_of(255, 'c');

	CHECK_OK(conf_put(L0(n), "lower"));
	MOUNT();
	CHECK_OK(unlink(M(n)));
	CHECK(!conf_exists(M(n)));
	CHECK(conf_is_whiteout(U(n)));
	REMOUNT();
	CHECK(!conf_exists(M(n)));
	return CONF_PASS;
}

static int name_255_bytes_rename_lower_file(struct testfs *t)
{
	char from[256], to[256];

	snprintf(from, sizeof(from), "%s", name_of(255, 'd'));
	snprintf(to, sizeof(to), "%s", name_of(255, 'e'));
	CHECK_OK(conf_put(L0(from), "moved"));
	MOUNT();
	CHECK_OK(rename(M(from), M(to)));
	CHECK_CONTENT(M(to), "moved");
	CHECK(!conf_exists(M(from)));
	CHECK(conf_is_whiteout(U(from)));
	return CONF_PASS;
}

static int name_255_bytes_mkdir_over_whiteout(struct testfs *t)
{
	char d[256], inner[600];

	snprintf(d, sizeof(d), "%s", name_of(255, 'f'));
	snprintf(inner, sizeof(inner), "%s/%s", d, name_of(255, 'g'));
	CHECK_OK(conf_mkdirs(L0(d), 0755));
	CHECK_OK(conf_put(L0(inner), "x"));
	MOUNT();
	CHECK_OK(unlink(M(inner)));
	CHECK_OK(rmdir(M(d)));
	CHECK_OK(mkdir(M(d), 0755));
	CHECK_STR(conf_names(M(d)), "");
	CHECK(conf_is_opaque(t, U(d)));
	return CONF_PASS;
}

static int name_255_bytes_copyup_inside_255_byte_dir(struct testfs *t)
{
	char d[256], f[600];

	snprintf(d, sizeof(d), "%s", name_of(255, 'h'));
	snprintf(f, sizeof(f), "%s/%s", d, name_of(255, 'i'));
	CHECK_OK(conf_mkdirs(L0(d), 0755));
	CHECK_OK(conf_put(L0(f), "lower"));
	MOUNT();
	CHECK_OK(truncate(M(f), 2));
	CHECK_CONTENT(M(f), "lo");
	CHECK_CONTENT(U(f), "lo");
	return CONF_PASS;
}

static int name_256_bytes_create_enametoolong(struct testfs *t)
{
	const char *n = name_of(256, 'j');

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_ERR(open(M(n), O_WRONLY | O_CREAT, 0644), ENAMETOOLONG);
	CHECK_ERR(mkdir(M(n), 0755), ENAMETOOLONG);
	CHECK_ERR(symlink("x", M(n)), ENAMETOOLONG);
	CHECK_STR(conf_names(t->upper), "");
	return CONF_PASS;
}

static int name_256_bytes_lookup_enametoolong(struct testfs *t)
{
	const char *n = name_of(256, 'k');
	struct stat st;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_ERR(lstat(M(n), &st), ENAMETOOLONG);
	CHECK_ERR(rename(M("other"), M(n)), ENAMETOOLONG);
	return CONF_PASS;
}

static int name_with_unusual_bytes(struct testfs *t)
{
	static const char *const names[] = { "a b", "tab\there", "new\nline", "\xc3\xbc\xc3\x9f", "-dash", "..dots" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK_OK(conf_put(L0(names[i]), names[i]));
	MOUNT();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK_CONTENT(M(names[i]), names[i]);
	CHECK_OK(unlink(M("new\nline")));
	CHECK(conf_is_whiteout(U("new\nline")));
	CHECK_OK(rename(M("a b"), M("c d")));
	CHECK_CONTENT(M("c d"), "a b");
	return CONF_PASS;
}

/* ".wh." names created through the mount are ordinary names: OCI markers
 * are only read from lower layers. */
static int wh_prefixed_name_created_through_mount_is_ordinary(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(conf_put(M(".wh.f"), "just a file"));
	CHECK_CONTENT(M(".wh.f"), "just a file");
	CHECK_CONTENT(M("f"), "F");
	CHECK_STR(conf_names(t->mnt), ".wh.f,f");
	REMOUNT();
	CHECK_CONTENT(M("f"), "F");
	CHECK_STR(conf_names(t->mnt), ".wh.f,f");
	return CONF_PASS;
}

/* --- deep paths --- */

struct deep {
	char rel[PATH_MAX];   /* dirs/.../file relative to the mount */
	char dirs[PATH_MAX];  /* the directory part */
	int ndirs;
};

/* A relative path that makes "<mnt>/<rel>" exactly PATH_MAX-1 bytes long:
 * 250-byte directory names and a final file name for the rest. */
static void deep_plan(const struct testfs *t, struct deep *d)
{
	size_t room = PATH_MAX - 1 - strlen(t->mnt) - 1, pos = 0;
	int k = (int)(room / 251);
	size_t flen = room - (size_t)k * 251;

	if (flen == 0) {
		k--;
		flen = 251;
	}
	d->ndirs = k;
	for (int i = 0; i < k; i++) {
		memset(d->rel + pos, 'a' + i % 26, 250);
		pos += 250;
		d->rel[pos++] = '/';
	}
	memcpy(d->dirs, d->rel, pos ? pos - 1 : 0);
	d->dirs[pos ? pos - 1 : 0] = '\0';
	memset(d->rel + pos, 'z', flen);
	d->rel[pos + flen] = '\0';
}

/* Creates the dirs and the file of d under root with *at calls (the
 * absolute path may exceed PATH_MAX in the layer dirs). */
static int deep_create_at(const char *root, const struct deep *d, const char *content)
{
	char comp[256];
	const char *p = d->rel;
	int fd = open(root, O_RDONLY | O_DIRECTORY);

	while (fd >= 0) {
		const char *slash = strchr(p, '/');
		if (!slash)
			break;
		snprintf(comp, sizeof(comp), "%.*s", (int)(slash - p), p);
		if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
			close(fd);
			return -1;
		}
		int next = openat(fd, comp, O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = next;
		p = slash + 1;
	}
	if (fd < 0)
		return -1;
	int f = openat(fd, p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	close(fd);
	if (f < 0)
		return -1;
	ssize_t n = write(f, content, strlen(content));
	close(f);
	return n == (ssize_t)strlen(content) ? 0 : -1;
}

/* Reads the file of d under root through *at calls into a static buffer. */
static const char *deep_read_at(const char *root, const struct deep *d)
{
	static char buf[256];
	char comp[256];
	const char *p = d->rel;
	int fd = open(root, O_RDONLY | O_DIRECTORY);

	while (fd >= 0) {
		const char *slash = strchr(p, '/');
		if (!slash)
			break;
		snprintf(comp, sizeof(comp), "%.*s", (int)(slash - p), p);
		int next = openat(fd, comp, O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = next;
		p = slash + 1;
	}
	if (fd < 0)
		return NULL;
	int f = openat(fd, p, O_RDONLY);
	close(fd);
	if (f < 0)
		return NULL;
	ssize_t n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static char full[PATH_MAX + 16];

static const char *deep_full(const struct testfs *t, const char *rel)
{
	if (snprintf(full, sizeof(full), "%s/%s", t->mnt, rel) >= (int)sizeof(full))
		full[0] = '\0';
	return full;
}

static int path_of_path_max_created_through_mount(struct testfs *t)
{
	static struct deep d;
	char partial[PATH_MAX];
	int fd;

	deep_plan(t, &d);
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	for (char *p = d.dirs;; p++) {
		if (*p == '/' || *p == '\0') {
			if (snprintf(partial, sizeof(partial), "%s/%.*s", t->mnt, (int)(p - d.dirs), d.dirs) >=
			    (int)sizeof(partial))
				CONF_FAILED("path too long");
			CHECK_OK(mkdir(partial, 0755));
		}
		if (!*p)
			break;
	}
	CHECK_EQ(strlen(deep_full(t, d.rel)), PATH_MAX - 1);
	CHECK_OK(fd = open(deep_full(t, d.rel), O_WRONLY | O_CREAT | O_EXCL, 0644));
	CHECK_EQ(write(fd, "deep", 4), 4);
	close(fd);
	CHECK_CONTENT(deep_full(t, d.rel), "deep");
	REMOUNT();
	CHECK_CONTENT(deep_full(t, d.rel), "deep");
	CHECK_STR(deep_read_at(t->upper, &d), "deep");
	return CONF_PASS;
}

static int path_of_path_max_in_lower_readable(struct testfs *t)
{
	static struct deep d;

	deep_plan(t, &d);
	CHECK_OK(deep_create_at(t->lower[1], &d, "from lower"));
	MOUNT();
	CHECK_EQ(strlen(deep_full(t, d.rel)), PATH_MAX - 1);
	CHECK_CONTENT(deep_full(t, d.rel), "from lower");
	return CONF_PASS;
}

static int path_of_path_max_copyup(struct testfs *t)
{
	static struct deep d;

	deep_plan(t, &d);
	CHECK_OK(deep_create_at(t->lower[0], &d, "from lower"));
	MOUNT();
	CHECK_OK(truncate(deep_full(t, d.rel), 4));
	CHECK_CONTENT(deep_full(t, d.rel), "from");
	CHECK_STR(deep_read_at(t->upper, &d), "from");
	return CONF_PASS;
}

static int path_of_path_max_unlink_leaves_whiteout(struct testfs *t)
{
	static struct deep d;
	struct stat st;

	deep_plan(t, &d);
	CHECK_OK(deep_create_at(t->lower[0], &d, "x"));
	MOUNT();
	CHECK_OK(unlink(deep_full(t, d.rel)));
	CHECK_ERR(lstat(deep_full(t, d.rel), &st), ENOENT);
	CHECK(deep_read_at(t->upper, &d) == NULL);
	REMOUNT();
	CHECK_ERR(lstat(deep_full(t, d.rel), &st), ENOENT);
	return CONF_PASS;
}

static int path_longer_than_path_max_enametoolong(struct testfs *t)
{
	static char big[PATH_MAX + 64];
	size_t n;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	n = (size_t)snprintf(big, sizeof(big), "%s/", t->mnt);
	while (n < PATH_MAX + 10) {
		memcpy(big + n, "x/", 2);
		n += 2;
	}
	big[n] = '\0';
	CHECK_ERR(open(big, O_RDONLY), ENAMETOOLONG);
	CHECK_ERR(mkdir(big, 0755), ENAMETOOLONG);
	return CONF_PASS;
}

static int deep_relative_path_via_chdir(struct testfs *t)
{
	static struct deep d;
	char buf[PATH_MAX];

	deep_plan(t, &d);
	CHECK_OK(deep_create_at(t->lower[0], &d, "rel"));
	MOUNT();
	CHECK_OK(chdir(t->mnt));
	CHECK_OK(chdir(d.dirs));
	const char *file = strrchr(d.rel, '/') + 1;
	CHECK_CONTENT(file, "rel");
	CHECK(getcwd(buf, sizeof(buf)) != NULL);
	CHECK_EQ(strlen(buf), strlen(t->mnt) + 1 + strlen(d.dirs));
	CHECK_OK(conf_put("created-here", "c"));
	CHECK_OK(chdir("/"));
	return CONF_PASS;
}

/* pjdfstest open/02 and open/03 (run under umask 0): a 255-byte name and
 * a PATH_MAX-1 path made by open(O_CREAT) get exactly the mode asked for,
 * one byte more fails. The mount is started under 022, which a daemon that
 * masks with its own umask would apply. */
static int open_creat_255_byte_name_mode_0620_umask_0(struct testfs *t)
{
	const char *n = name_of(255, 'o');
	int fd;

	CHECK_OK(conf_put(L0("other"), "o"));
	umask(022);
	MOUNT();
	umask(0);
	CHECK_OK(fd = open(M(n), O_RDONLY | O_CREAT, 0620));
	close(fd);
	struct stat st = conf_lstat(M(n));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0620);
	CHECK_OK(unlink(M(n)));
	CHECK_ERR(open(M(name_of(256, 'o')), O_RDONLY | O_CREAT, 0620), ENAMETOOLONG);
	return CONF_PASS;
}

static int open_creat_path_max_mode_0642_umask_0(struct testfs *t)
{
	static struct deep d;
	static char longer[PATH_MAX + 16];
	char partial[PATH_MAX];
	int fd;

	deep_plan(t, &d);
	CHECK_OK(conf_put(L0("other"), "o"));
	umask(022);
	MOUNT();
	umask(0);
	for (char *p = d.dirs;; p++) {
		if (*p == '/' || *p == '\0') {
			if (snprintf(partial, sizeof(partial), "%s/%.*s", t->mnt, (int)(p - d.dirs), d.dirs) >=
			    (int)sizeof(partial))
				CONF_FAILED("path too long");
			CHECK_OK(mkdir(partial, 0755));
		}
		if (!*p)
			break;
	}
	CHECK_EQ(strlen(deep_full(t, d.rel)), PATH_MAX - 1);
	CHECK_OK(fd = open(deep_full(t, d.rel), O_RDONLY | O_CREAT, 0642));
	close(fd);
	struct stat st = conf_lstat(deep_full(t, d.rel));
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0642);
	CHECK_OK(unlink(deep_full(t, d.rel)));
	snprintf(longer, sizeof(longer), "%sx", deep_full(t, d.rel));
	CHECK_ERR(open(longer, O_RDONLY | O_CREAT, 0642), ENAMETOOLONG);
	return CONF_PASS;
}

const struct conf_case conf_cases_names[] = {
	CONF_CASE(name_255_bytes_create_and_read, 1, 0),
	CONF_CASE(name_255_bytes_in_lower_visible, 2, 0),
	CONF_CASE(name_255_bytes_unlink_leaves_whiteout, 1, 0),
	CONF_CASE(name_255_bytes_rename_lower_file, 1, 0),
	CONF_CASE(name_255_bytes_mkdir_over_whiteout, 1, 0),
	CONF_CASE(name_255_bytes_copyup_inside_255_byte_dir, 1, 0),
	CONF_CASE(name_256_bytes_create_enametoolong, 1, 0),
	CONF_CASE(name_256_bytes_lookup_enametoolong, 1, 0),
	CONF_CASE(name_with_unusual_bytes, 1, 0),
	CONF_CASE(wh_prefixed_name_created_through_mount_is_ordinary, 1, 0),
	CONF_CASE(path_of_path_max_created_through_mount, 1, 0),
	CONF_CASE(path_of_path_max_in_lower_readable, 2, 0),
	CONF_CASE(path_of_path_max_copyup, 1, 0),
	CONF_CASE(path_of_path_max_unlink_leaves_whiteout, 1, 0),
	CONF_CASE(path_longer_than_path_max_enametoolong, 1, 0),
	CONF_CASE(deep_relative_path_via_chdir, 1, 0),
	CONF_CASE(open_creat_255_byte_name_mode_0620_umask_0, 1, 0),
	CONF_CASE(open_creat_path_max_mode_0642_umask_0, 1, 0),
};
const size_t conf_ncases_names = sizeof(conf_cases_names) / sizeof(conf_cases_names[0]);
