/* Operations of the differential tester (see diffops.h). */
#include "diffops.h"
#include "treecmp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	r->s = (z ^ (z >> 31)) | 1;
}

uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

uint64_t rng_below(struct rng *r, uint64_t n) { return n ? rng_next(r) % n : 0; }
int rng_pct(struct rng *r, int pct) { return (int)rng_below(r, 100) < pct; }

void fill_bytes(void *buf, size_t len, uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	unsigned char *p = buf;
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rng_next(&r);
		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

const char *const op_names[OP__COUNT] = {
	"create", "write", "truncate", "unlink", "mkdir", "rmdir", "rename",
	"link", "symlink", "chmod", "setxattr", "removexattr", "mkfifo",
	"read", "stat", "listdir",
};

static const char *const flag_names[] = {
	"excl", "trunc", "append", "noreplace", "exchange", "xcreate", "xreplace", "nofollow",
};
#define NFLAGS (sizeof flag_names / sizeof flag_names[0])

void op_format(const struct op *o, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s %s", op_names[o->kind], o->a);
	switch (o->kind) {
	case OP_RENAME: case OP_LINK: case OP_SYMLINK:
		n += snprintf(buf + n, size - (size_t)n, " %s", o->b);
		break;
	default:
		break;
	}
	switch (o->kind) {
	case OP_CREATE: case OP_MKDIR: case OP_CHMOD: case OP_MKFIFO:
		n += snprintf(buf + n, size - (size_t)n, " mode=%04o", o->mode);
		break;
	default:
		break;
	}
	if (o->kind == OP_WRITE || o->kind == OP_READ)
		n += snprintf(buf + n, size - (size_t)n, " off=%lld", o->off);
	if (o->kind == OP_CREATE || o->kind == OP_WRITE || o->kind == OP_TRUNCATE || o->kind == OP_READ)
		n += snprintf(buf + n, size - (size_t)n, " len=%lld", o->len);
	if ((o->kind == OP_CREATE || o->kind == OP_WRITE) && o->len > 0)
		n += snprintf(buf + n, size - (size_t)n, " data=%llx", (unsigned long long)o->data);
	if (o->kind == OP_SETXATTR || o->kind == OP_REMOVEXATTR)
		n += snprintf(buf + n, size - (size_t)n, " name=%s", o->name);
	if (o->kind == OP_SETXATTR)
		n += snprintf(buf + n, size - (size_t)n, " value=%s", o->value);
	if (o->flags) {
		n += snprintf(buf + n, size - (size_t)n, " flags=");
		bool first = true;
		for (size_t i = 0; i < NFLAGS; i++)
			if (o->flags & (1u << i)) {
				n += snprintf(buf + n, size - (size_t)n, "%s%s", first ? "" : ",", flag_names[i]);
				first = false;
			}
	}
}

int op_parse(const char *line, struct op *o)
{
	char copy[512];
	snprintf(copy, sizeof copy, "%s", line);
	*o = (struct op){0};
	char *save = NULL, *tok = strtok_r(copy, " \t\n", &save);
	if (!tok)
		return -1;
	int k;
	for (k = 0; k < OP__COUNT && strcmp(op_names[k], tok); k++)
		;
	if (k == OP__COUNT)
		return -1;
	o->kind = (enum op_kind)k;
	int npos = 0;
	while ((tok = strtok_r(NULL, " \t\n", &save))) {
		char *eq = strchr(tok, '=');
		if (!eq) {
			if (npos == 0)
				snprintf(o->a, sizeof o->a, "%s", tok);
			else if (npos == 1)
				snprintf(o->b, sizeof o->b, "%s", tok);
			else
				return -1;
			npos++;
			continue;
		}
		*eq = '\0';
		const char *v = eq + 1;
		if (!strcmp(tok, "mode"))
			o->mode = (unsigned)strtoul(v, NULL, 8);
		else if (!strcmp(tok, "off"))
			o->off = strtoll(v, NULL, 10);
		else if (!strcmp(tok, "len"))
			o->len = strtoll(v, NULL, 10);
		else if (!strcmp(tok, "data"))
			o->data = strtoull(v, NULL, 16);
		else if (!strcmp(tok, "name"))
			snprintf(o->name, sizeof o->name, "%s", v);
		else if (!strcmp(tok, "value"))
			snprintf(o->value, sizeof o->value, "%s", v);
		else if (!strcmp(tok, "flags")) {
			char fl[128], *fs = NULL;
			snprintf(fl, sizeof fl, "%s", v);
			for (char *f = strtok_r(fl, ",", &fs); f; f = strtok_r(NULL, ",", &fs)) {
				size_t i;
				for (i = 0; i < NFLAGS && strcmp(flag_names[i], f); i++)
					;
				if (i == NFLAGS)
					return -1;
				o->flags |= 1u << i;
			}
		} else {
			return -1;
		}
	}
	return npos >= 1 ? 0 : -1;
}

const char *err_name(int e)
{
	if (!e)
		return "0";
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

void format_result(const struct op *o, const struct result *r, char *buf, size_t size)
{
	bool has_val = o->kind == OP_READ || o->kind == OP_STAT || o->kind == OP_LISTDIR;
	if (r->err || !has_val)
		snprintf(buf, size, "%s", err_name(r->err));
	else
		snprintf(buf, size, "0 (digest %016llx)", (unsigned long long)r->val);
}

static int write_all_at(int fd, const char *buf, size_t len, off_t off, bool append)
{
	while (len) {
		ssize_t w = append ? write(fd, buf, len) : pwrite(fd, buf, len, off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		buf += w;
		len -= (size_t)w;
		off += w;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Hash of a directory's sorted names and their types, so readdir is checked
 * between ops too, not only in the final tree. */
static struct result do_listdir(int rootfd, const char *path)
{
	struct result r = {0};
	int fd = openat(rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return (struct result){errno, 0};
	DIR *d = fdopendir(fd);
	if (!d) {
		r.err = errno;
		close(fd);
		return r;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn)
				abort();
			names = nn;
		}
		char tmp[300];
		snprintf(tmp, sizeof tmp, "%s/%u", de->d_name, (unsigned)de->d_type);
		names[n] = strdup(tmp);
		if (!names[n])
			abort();
		n++;
	}
	closedir(d);
	if (n > 1)   /* names is NULL for an empty directory */
		qsort(names, n, sizeof *names, cmp_str);
	uint64_t h = TREE_FNV_INIT;
	for (size_t i = 0; i < n; i++) {
		h = tree_fnv1a(h, names[i], strlen(names[i]) + 1);
		free(names[i]);
	}
	free(names);
	r.val = h;
	return r;
}

/* Every open is O_NONBLOCK: a FIFO without a reader then fails with ENXIO on
 * both sides instead of blocking the tester. */
struct result apply_op(int rootfd, const char *mnt, const struct op *o)
{
	struct result r = {0};
	char abs[PATH_MAX];
	static char buf[1 << 20];
	int fd;
	snprintf(abs, sizeof abs, "%s/%s", mnt, o->a);

	switch (o->kind) {
	case OP_CREATE:
		fd = openat(rootfd, o->a, O_CREAT | O_WRONLY | O_CLOEXEC | O_NONBLOCK | ((o->flags & F_EXCL) ? O_EXCL : 0) |
					 ((o->flags & F_TRUNC) ? O_TRUNC : 0), o->mode);
		if (fd < 0)
			return (struct result){errno, 0};
		if (o->len > 0) {
			size_t len = (size_t)o->len < sizeof buf ? (size_t)o->len : sizeof buf;
			fill_bytes(buf, len, o->data);
			r.err = write_all_at(fd, buf, len, 0, false);
		}
		if (close(fd) < 0 && !r.err)
			r.err = errno;
		return r;
	case OP_WRITE:
		fd = openat(rootfd, o->a, O_WRONLY | O_CLOEXEC | O_NONBLOCK | ((o->flags & F_APPEND) ? O_APPEND : 0) |
					 ((o->flags & F_TRUNC) ? O_TRUNC : 0));
		if (fd < 0)
			return (struct result){errno, 0};
		if (o->len > 0) {
			size_t len = (size_t)o->len < sizeof buf ? (size_t)o->len : sizeof buf;
			fill_bytes(buf, len, o->data);
			r.err = write_all_at(fd, buf, len, o->off, o->flags & F_APPEND);
		}
		if (close(fd) < 0 && !r.err)
			r.err = errno;
		return r;
	case OP_TRUNCATE:
		fd = openat(rootfd, o->a, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return (struct result){errno, 0};
		if (ftruncate(fd, o->len) < 0)
			r.err = errno;
		close(fd);
		return r;
	case OP_UNLINK:
		return (struct result){unlinkat(rootfd, o->a, 0) < 0 ? errno : 0, 0};
	case OP_MKDIR:
		return (struct result){mkdirat(rootfd, o->a, o->mode) < 0 ? errno : 0, 0};
	case OP_RMDIR:
		return (struct result){unlinkat(rootfd, o->a, AT_REMOVEDIR) < 0 ? errno : 0, 0};
	case OP_RENAME: {
		unsigned fl = ((o->flags & F_NOREPLACE) ? RENAME_NOREPLACE : 0) |
			      ((o->flags & F_EXCHANGE) ? RENAME_EXCHANGE : 0);
		return (struct result){renameat2(rootfd, o->a, rootfd, o->b, fl) < 0 ? errno : 0, 0};
	}
	case OP_LINK:
		return (struct result){linkat(rootfd, o->a, rootfd, o->b, 0) < 0 ? errno : 0, 0};
	case OP_SYMLINK:
		return (struct result){symlinkat(o->b, rootfd, o->a) < 0 ? errno : 0, 0};
	case OP_CHMOD:
		return (struct result){fchmodat(rootfd, o->a, o->mode, 0) < 0 ? errno : 0, 0};
	case OP_SETXATTR: {
		int fl = ((o->flags & F_XCREATE) ? XATTR_CREATE : 0) | ((o->flags & F_XREPLACE) ? XATTR_REPLACE : 0);
		int rc = (o->flags & F_NOFOLLOW) ? lsetxattr(abs, o->name, o->value, strlen(o->value), fl)
						 : setxattr(abs, o->name, o->value, strlen(o->value), fl);
		return (struct result){rc < 0 ? errno : 0, 0};
	}
	case OP_REMOVEXATTR: {
		int rc = (o->flags & F_NOFOLLOW) ? lremovexattr(abs, o->name) : removexattr(abs, o->name);
		return (struct result){rc < 0 ? errno : 0, 0};
	}
	case OP_MKFIFO:
		return (struct result){mknodat(rootfd, o->a, S_IFIFO | o->mode, 0) < 0 ? errno : 0, 0};
	case OP_READ: {
		fd = openat(rootfd, o->a, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return (struct result){errno, 0};
		size_t len = (size_t)o->len < sizeof buf ? (size_t)o->len : sizeof buf;
		ssize_t n = pread(fd, buf, len, o->off);
		if (n < 0)
			r.err = errno;
		else
			r.val = tree_fnv1a(TREE_FNV_INIT, buf, (size_t)n) ^ (uint64_t)n;
		close(fd);
		return r;
	}
	case OP_STAT: {
		struct stat st;
		if (fstatat(rootfd, o->a, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return (struct result){errno, 0};
		/* Only what both implementations must agree on: not st_ino,
		 * st_nlink (by design), times or directory sizes. */
		uint64_t v[3] = {st.st_mode, S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_size,
				 ((uint64_t)st.st_uid << 32) | st.st_gid};
		r.val = tree_fnv1a(TREE_FNV_INIT, v, sizeof v);
		return r;
	}
	case OP_LISTDIR:
		return do_listdir(rootfd, o->a);
	case OP__COUNT:
		break;
	}
	return (struct result){EINVAL, 0};
}
