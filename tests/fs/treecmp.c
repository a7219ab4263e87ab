/* Canonical tree descriptions and their comparison (see treecmp.h). */
#include "treecmp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

unsigned long long tree_fnv1a(unsigned long long h, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Growable string; on allocation failure it stays marked failed so callers
 * check once at the end instead of after every append. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void sb_addn(struct sbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->failed = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_add(struct sbuf *b, const char *s) { sb_addn(b, s, strlen(s)); }

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_addn(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Escapes bytes that would break the line format ("=", "," included, since
 * they separate xattr values and link-group members). */
static void sb_add_escaped(struct sbuf *b, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c <= 0x20 || c >= 0x7f || c == '%' || c == '=' || c == ',') {
			char esc[4];
			snprintf(esc, sizeof esc, "%%%02X", c);
			sb_addn(b, esc, 3);
		} else {
			sb_addn(b, (const char *)&c, 1);
		}
	}
}

/* One path while walking: the attribute text is final except for the
 * hard-link group, which needs the whole tree. */
struct entry {
	char *key;   /* escaped relative path */
	char *attrs; /* everything after the path, without links= */
	dev_t dev;
	ino_t ino;
	bool linkable; /* non-directory, non-whiteout: may share an inode */
	char *links;   /* "links=..." or NULL */
};

struct walk {
	struct entry *e;
	size_t n, cap;
	int err; /* first fatal error (-errno), i.e. out of memory */
};

static const char *errname(int e)
{
	static __thread char buf[32];
	switch (e) {
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EIO: return "EIO";
	case ENOTDIR: return "ENOTDIR";
	case ENOTCONN: return "ENOTCONN";
	case ELOOP: return "ELOOP";
	case ESTALE: return "ESTALE";
	default: snprintf(buf, sizeof buf, "E%d", e); return buf;
	}
}

static void add_xattrs(struct sbuf *b, const char *abspath)
{
	ssize_t n = llistxattr(abspath, NULL, 0);
	if (n < 0) {
		if (errno != ENOTSUP)
			sb_printf(b, " xattr-list-error=%s", errname(errno));
		return;
	}
	if (n == 0)
		return;
	char *names = malloc((size_t)n + 1);
	if (!names) {
		b->failed = true;
		return;
	}
	n = llistxattr(abspath, names, (size_t)n);
	if (n < 0) {
		sb_printf(b, " xattr-list-error=%s", errname(errno));
		free(names);
		return;
	}
	/* Only user.* names that are not overlay-private take part; collect and
	 * sort them so the order from listxattr does not matter. */
	size_t count = 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1)
		count++;
	const char **sel = calloc(count ? count : 1, sizeof *sel);
	if (!sel) {
		free(names);
		b->failed = true;
		return;
	}
	size_t nsel = 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		const char *nm = names + i;
		if (strncmp(nm, "user.", 5) == 0 && strncmp(nm, "user.overlay.", 13) != 0)
			sel[nsel++] = nm;
	}
	for (size_t i = 1; i < nsel; i++)
		for (size_t j = i; j > 0 && strcmp(sel[j - 1], sel[j]) > 0; j--) {
			const char *t = sel[j];
			sel[j] = sel[j - 1];
			sel[j - 1] = t;
		}
	for (size_t i = 0; i < nsel; i++) {
		char val[65536];
		ssize_t vl = lgetxattr(abspath, sel[i], val, sizeof val);
		sb_add(b, " xattr:");
		sb_add_escaped(b, sel[i], strlen(sel[i]));
		if (vl < 0) {
			sb_printf(b, "=!%s", errname(errno));
		} else {
			sb_add(b, "=");
			sb_add_escaped(b, val, (size_t)vl);
		}
	}
	free(sel);
	free(names);
}

static void add_content(struct sbuf *b, int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		sb_printf(b, " open-error=%s", errname(errno));
		return;
	}
	unsigned long long h = TREE_FNV_INIT;
	static __thread char buf[1 << 16];
	unsigned long long total = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			sb_printf(b, " read-error=%s", errname(errno));
			break;
		}
		if (r == 0)
			break;
		h = tree_fnv1a(h, buf, (size_t)r);
		total += (unsigned long long)r;
	}
	close(fd);
	sb_printf(b, " fnv=%016llx", h);
	/* The size read can differ from st_size when an implementation
	 * reports one and serves another; show that instead of hiding it. */
	sb_printf(b, " read=%llu", total);
}

static int push_entry(struct walk *w, struct entry *e)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct entry *ne = realloc(w->e, cap * sizeof *ne);
		if (!ne)
			return -ENOMEM;
		w->e = ne;
		w->cap = cap;
	}
	w->e[w->n++] = *e;
	return 0;
}

/* Describes name (in directory fd parent, relative path rel, absolute path abspath) and
 * recurses into directories. */
static void walk_one(struct walk *w, int parent, const char *name, const char *rel, const char *abspath)
{
	struct sbuf key = {0}, at = {0};
	struct entry e = {0};
	struct stat st;

	sb_add_escaped(&key, rel, strlen(rel));
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		sb_printf(&at, " stat-error=%s", errname(errno));
		goto out;
	}
	bool whiteout = S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
	const char *type = S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir"
			 : S_ISLNK(st.st_mode) ? "symlink" : S_ISFIFO(st.st_mode) ? "fifo"
			 : S_ISSOCK(st.st_mode) ? "socket" : whiteout ? "whiteout"
			 : S_ISCHR(st.st_mode) ? "chardev" : S_ISBLK(st.st_mode) ? "blockdev" : "unknown";
	sb_printf(&at, " %s mode=%04o uid=%u gid=%u", type, (unsigned)(st.st_mode & 07777),
		  (unsigned)st.st_uid, (unsigned)st.st_gid);
	e.dev = st.st_dev;
	e.ino = st.st_ino;
	e.linkable = !S_ISDIR(st.st_mode) && !whiteout;
	if (S_ISREG(st.st_mode)) {
		sb_printf(&at, " size=%lld", (long long)st.st_size);
		add_content(&at, parent, name);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(parent, name, target, sizeof target - 1);
		if (n < 0) {
			sb_printf(&at, " readlink-error=%s", errname(errno));
		} else {
			sb_add(&at, " target=");
			sb_add_escaped(&at, target, (size_t)n);
		}
		sb_printf(&at, " size=%lld", (long long)st.st_size);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		sb_printf(&at, " rdev=%u:%u", major(st.st_rdev), minor(st.st_rdev));
	}
	add_xattrs(&at, abspath);

	if (S_ISDIR(st.st_mode)) {
		int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		if (!d) {
			sb_printf(&at, " opendir-error=%s", errname(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		/* Push this directory before its children; sorting comes later. */
		e.key = key.s;
		e.attrs = at.s;
		if (key.failed || at.failed || push_entry(w, &e) < 0) {
			w->err = -ENOMEM;
			free(key.s);
			free(at.s);
			closedir(d);
			return;
		}
		size_t self = w->n - 1;
		struct dirent *de;
		errno = 0;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			size_t rl = strlen(rel), nl = strlen(de->d_name), al = strlen(abspath);
			char *crel = malloc(rl + nl + 2), *cabs = malloc(al + nl + 2);
			if (!crel || !cabs) {
				free(crel);
				free(cabs);
				w->err = -ENOMEM;
				break;
			}
			if (!strcmp(rel, "."))
				memcpy(crel, de->d_name, nl + 1);
			else
				sprintf(crel, "%s/%s", rel, de->d_name);
			sprintf(cabs, "%s/%s", abspath, de->d_name);
			walk_one(w, dirfd(d), de->d_name, crel, cabs);
			free(crel);
			free(cabs);
			errno = 0;
		}
		if (errno && !w->err) {
			/* A failed readdir is a difference, not a fatal error:
			 * record it on the directory itself. */
			int rd_err = errno;
			struct sbuf more = {0};
			sb_add(&more, w->e[self].attrs);
			sb_printf(&more, " readdir-error=%s", errname(rd_err));
			if (more.failed) {
				w->err = -ENOMEM;
				free(more.s);
			} else {
				free(w->e[self].attrs);
				w->e[self].attrs = more.s;
			}
		}
		closedir(d);
		return;
	}
out:
	e.key = key.s;
	e.attrs = at.s;
	if (key.failed || at.failed || !e.key || !e.attrs || push_entry(w, &e) < 0) {
		w->err = -ENOMEM;
		free(key.s);
		free(at.s);
	}
}

static int cmp_entry_key(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

static const struct entry *g_sort_entries;
static int cmp_inode(const void *a, const void *b)
{
	const struct entry *x = &g_sort_entries[*(const size_t *)a];
	const struct entry *y = &g_sort_entries[*(const size_t *)b];
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	/* Keep path order inside a group (entries are already path-sorted). */
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Fills links= for every group of paths sharing an inode. */
static int add_link_groups(struct walk *w)
{
	size_t *idx = malloc((w->n ? w->n : 1) * sizeof *idx);
	if (!idx)
		return -ENOMEM;
	size_t m = 0;
	for (size_t i = 0; i < w->n; i++)
		if (w->e[i].linkable)
			idx[m++] = i;
	g_sort_entries = w->e;
	qsort(idx, m, sizeof *idx, cmp_inode);
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		while (j < m && w->e[idx[j]].dev == w->e[idx[i]].dev && w->e[idx[j]].ino == w->e[idx[i]].ino)
			j++;
		if (j - i > 1) {
			struct sbuf g = {0};
			sb_add(&g, " links=");
			for (size_t k = i; k < j; k++) {
				if (k > i)
					sb_add(&g, ",");
				sb_add(&g, w->e[idx[k]].key);
			}
			if (g.failed) {
				free(g.s);
				free(idx);
				return -ENOMEM;
			}
			for (size_t k = i; k < j; k++) {
				w->e[idx[k]].links = strdup(g.s);
				if (!w->e[idx[k]].links) {
					free(g.s);
					free(idx);
					return -ENOMEM;
				}
			}
			free(g.s);
		}
		i = j;
	}
	free(idx);
	return 0;
}

static int desc_push(struct tree_desc *d, char *line)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		char **nl = realloc(d->lines, cap * sizeof *nl);
		if (!nl)
			return -ENOMEM;
		d->lines = nl;
		d->cap = cap;
	}
	d->lines[d->n++] = line;
	return 0;
}

int tree_describe(const char *root, struct tree_desc *d)
{
	struct walk w = {0};
	*d = (struct tree_desc){0};
	struct stat st;
	if (lstat(root, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	walk_one(&w, AT_FDCWD, root, ".", root);
	int err = w.err;
	if (!err) {
		qsort(w.e, w.n, sizeof *w.e, cmp_entry_key);
		err = add_link_groups(&w);
	}
	for (size_t i = 0; i < w.n; i++) {
		struct entry *e = &w.e[i];
		if (!err) {
			size_t len = strlen(e->key) + strlen(e->attrs) + (e->links ? strlen(e->links) : 0) + 1;
			char *line = malloc(len);
			if (line) {
				snprintf(line, len, "%s%s%s", e->key, e->attrs, e->links ? e->links : "");
				if (desc_push(d, line) < 0) {
					free(line);
					err = -ENOMEM;
				}
			} else {
				err = -ENOMEM;
			}
		}
		free(e->key);
		free(e->attrs);
		free(e->links);
	}
	free(w.e);
	return err;
}

void tree_free(struct tree_desc *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	*d = (struct tree_desc){0};
}

void tree_write(const struct tree_desc *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(out, "%s\n", d->lines[i]);
}

static int cmp_line_key(const void *a, const void *b);

int tree_read(FILE *in, struct tree_desc *d)
{
	*d = (struct tree_desc){0};
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0)
			continue;
		char *copy = strdup(line);
		if (!copy || desc_push(d, copy) < 0) {
			free(copy);
			free(line);
			return -ENOMEM;
		}
	}
	free(line);
	if (ferror(in))
		return -EIO;
	/* Be tolerant of hand-edited dumps: sort by key like tree_describe. */
	qsort(d->lines, d->n, sizeof *d->lines, cmp_line_key);
	return 0;
}

/* Length of the path key at the start of a line. */
static size_t keylen(const char *line)
{
	const char *sp = strchr(line, ' ');
	return sp ? (size_t)(sp - line) : strlen(line);
}

static int keycmp(const char *a, const char *b)
{
	size_t la = keylen(a), lb = keylen(b);
	int c = memcmp(a, b, la < lb ? la : lb);
	if (c)
		return c;
	/* A shorter key that is a prefix sorts first, as strcmp does on the
	 * keys alone (tree_describe sorts by key). */
	return la < lb ? -1 : la > lb ? 1 : 0;
}

static int cmp_line_key(const void *a, const void *b)
{
	return keycmp(*(char *const *)a, *(char *const *)b);
}

size_t tree_compare(const struct tree_desc *a, const struct tree_desc *b,
		    const char *a_label, const char *b_label,
		    FILE *out, const char *prefix, size_t max_print)
{
	size_t i = 0, j = 0, diffs = 0;
	if (!prefix)
		prefix = "";
	while (i < a->n || j < b->n) {
		int c = i >= a->n ? 1 : j >= b->n ? -1 : keycmp(a->lines[i], b->lines[j]);
		if (c == 0 && !strcmp(a->lines[i], b->lines[j])) {
			i++;
			j++;
			continue;
		}
		diffs++;
		if (out && diffs <= max_print) {
			if (c < 0) {
				fprintf(out, "%sonly in %s: %s\n", prefix, a_label, a->lines[i]);
			} else if (c > 0) {
				fprintf(out, "%sonly in %s: %s\n", prefix, b_label, b->lines[j]);
			} else {
				fprintf(out, "%sdiffers: %.*s\n", prefix, (int)keylen(a->lines[i]), a->lines[i]);
				fprintf(out, "%s  %s: %s\n", prefix, a_label, a->lines[i]);
				fprintf(out, "%s  %s: %s\n", prefix, b_label, b->lines[j]);
			}
		}
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	if (out && diffs > max_print)
		fprintf(out, "%s... %zu more differing paths\n", prefix, diffs - max_print);
	return diffs;
}
