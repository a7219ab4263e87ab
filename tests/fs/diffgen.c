/* Starting layers and random operations of the differential tester. */
#include "diffgen.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static int put_file(const char *dir, const char *rel, size_t len, uint64_t seed, unsigned mode)
{
	char p[PATH_MAX];
	static char buf[1 << 16];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof buf ? len - done : sizeof buf;
		fill_bytes(buf, n, seed + done);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -EIO;
		}
		done += n;
	}
	close(fd);
	return chmod(p, mode) < 0 ? -errno : 0;
}

static int put_dir(const char *dir, const char *rel, unsigned mode)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	if (mkdir(p, mode) < 0)
		return -errno;
	return chmod(p, mode) < 0 ? -errno : 0;
}

static int put_whiteout(const char *dir, const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return mknod(p, S_IFCHR | 0, makedev(0, 0)) < 0 ? -errno : 0;
}

static int put_xattr(const char *dir, const char *rel, const char *name, const char *value)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return lsetxattr(p, name, value, strlen(value), 0) < 0 ? -errno : 0;
}

static int put_link(const char *dir, const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];
	snprintf(a, sizeof a, "%s/%s", dir, from);
	snprintf(b, sizeof b, "%s/%s", dir, to);
	return link(a, b) < 0 ? -errno : 0;
}

static int put_symlink(const char *dir, const char *rel, const char *target)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return symlink(target, p) < 0 ? -errno : 0;
}

static int put_owner(const char *dir, const char *rel, uid_t uid, gid_t gid)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return lchown(p, uid, gid) < 0 ? -errno : 0;
}

/* Two lowers: bottom (lower[1]) holds the base tree; top (lower[0]) adds
 * files, merges directories, whites out a file and a directory, and makes
 * d3 opaque. The seed only varies file sizes and contents. */
int build_layers(struct testfs *t, uint64_t seed)
{
	const char *bot = t->lower[1], *top = t->lower[0];
	char opaque[64];
	snprintf(opaque, sizeof opaque, "%sopaque", testfs_ovl_xattr_prefix(t));
	struct rng r;
	rng_seed(&r, seed * 7919 + 1);
#define SZ(max) ((size_t)rng_below(&r, (max)) + 1)
	int e = 0;
	e = e ?: put_dir(bot, "d1", 0755);
	e = e ?: put_file(bot, "d1/f1", SZ(3000), seed + 1, 0644);
	e = e ?: put_file(bot, "d1/f2", SZ(9000), seed + 2, 0644);
	e = e ?: put_dir(bot, "d1/sub", 0755);
	e = e ?: put_file(bot, "d1/sub/g1", SZ(200), seed + 3, 0644);
	e = e ?: put_dir(bot, "d2", 0750);
	e = e ?: put_file(bot, "d2/h1", SZ(500), seed + 4, 0644);
	e = e ?: put_file(bot, "d2/h2", SZ(500), seed + 5, 0600);
	e = e ?: put_dir(bot, "d3", 0755);
	e = e ?: put_file(bot, "d3/x", SZ(100), seed + 6, 0644);
	e = e ?: put_dir(bot, "d4", 0755);
	e = e ?: put_dir(bot, "d4/deep", 0755);
	e = e ?: put_dir(bot, "d4/deep/er", 0700);
	e = e ?: put_file(bot, "d4/deep/er/file", SZ(4000), seed + 7, 0644);
	e = e ?: put_file(bot, "f_top", SZ(5000), seed + 8, 0644);
	e = e ?: put_xattr(bot, "f_top", "user.color", "red");
	e = e ?: put_file(bot, "hl_a", SZ(3000), seed + 9, 0644);
	e = e ?: put_link(bot, "hl_a", "hl_b");
	e = e ?: put_symlink(bot, "sym", "f_top");
	e = e ?: put_file(bot, "gone", 10, seed + 10, 0644);
	e = e ?: put_dir(bot, "dgone", 0755);
	e = e ?: put_file(bot, "dgone/inner", 10, seed + 11, 0644);
	e = e ?: put_dir(bot, "empty", 0755);
	e = e ?: put_file(bot, "exe", SZ(300), seed + 12, 0755);
	e = e ?: put_file(bot, "f_own", SZ(300), seed + 13, 0640);
	e = e ?: put_owner(bot, "f_own", 1234, 1234);
	e = e ?: put_file(bot, "big", 300 * 1024 + SZ(1000), seed + 14, 0644);

	e = e ?: put_dir(top, "d1", 0755);
	e = e ?: put_file(top, "d1/f3", SZ(2000), seed + 20, 0644);
	e = e ?: put_whiteout(top, "d1/f2");
	e = e ?: put_dir(top, "d1/sub", 0755);
	e = e ?: put_file(top, "d1/sub/g2", SZ(200), seed + 21, 0644);
	e = e ?: put_dir(top, "d2", 0750);
	e = e ?: put_file(top, "d2/h3", SZ(500), seed + 22, 0644);
	e = e ?: put_dir(top, "d3", 0755);
	e = e ?: put_xattr(top, "d3", opaque, "y");
	e = e ?: put_file(top, "d3/y", SZ(100), seed + 23, 0644);
	e = e ?: put_whiteout(top, "gone");
	e = e ?: put_whiteout(top, "dgone");
	e = e ?: put_dir(top, "dd", 0755);
	e = e ?: put_xattr(top, "dd", "user.top", "1");
	e = e ?: put_file(top, "dd/l1", SZ(1500), seed + 24, 0644);
	e = e ?: put_link(top, "dd/l1", "dd/l2");
	e = e ?: put_file(top, "f_top2", SZ(700), seed + 25, 0600);
	e = e ?: put_symlink(top, "symd", "d1");
#undef SZ
	return e;
}

struct entry_info {
	char path[PATHLEN];
	char type; /* 'd' dir, 'f' file, 'l' symlink, 'o' other */
	long long size;
};

struct listing {
	struct entry_info *e;
	size_t n, cap;
};

static void list_tree(int dirfd_, const char *rel, struct listing *L)
{
	int fd = openat(dirfd_, rel[0] ? rel : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) && L->n < 4000) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof p, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
		if (strlen(p) >= PATHLEN - 8)
			continue;
		struct stat st;
		if (fstatat(dirfd_, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (L->n == L->cap) {
			L->cap = L->cap ? L->cap * 2 : 128;
			L->e = realloc(L->e, L->cap * sizeof *L->e);
			if (!L->e)
				abort();
		}
		struct entry_info *e = &L->e[L->n++];
		memcpy(e->path, p, strlen(p) + 1); /* shorter than PATHLEN: checked above */
		e->type = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : S_ISLNK(st.st_mode) ? 'l' : 'o';
		e->size = st.st_size;
		if (S_ISDIR(st.st_mode))
			list_tree(dirfd_, p, L);
	}
	closedir(d);
}

static const char *const leaf_pool[] = {
	"a", "b", "c", "n", "f1", "f2", "f3", "x", "y", "sub", "d1", "d2", "hl_a", "hl_b", "l1", "gone", "new",
};
#define NLEAF (sizeof leaf_pool / sizeof leaf_pool[0])

static const char *const target_pool[] = {
	"f1", "f_top", "sub", "sub/g1", "a", "missing", "d1", "x", "/nonexistent-ctrfs-difftest/x",
};
#define NTARGET (sizeof target_pool / sizeof target_pool[0])

/* An existing entry of the wanted type ('?' any), or NULL. */
static const struct entry_info *pick_existing(struct rng *r, const struct listing *L, char type)
{
	if (!L->n)
		return NULL;
	for (int tries = 0; tries < 20; tries++) {
		const struct entry_info *e = &L->e[rng_below(r, L->n)];
		if (type == '?' || e->type == type)
			return e;
	}
	return NULL;
}

/* A path that often does not exist yet: an existing directory (or the root)
 * plus a name from a small pool, so names collide and get reused. */
static void pick_new(struct rng *r, const struct listing *L, char *out)
{
	const struct entry_info *d = rng_pct(r, 30) ? NULL : pick_existing(r, L, 'd');
	const char *leaf = leaf_pool[rng_below(r, NLEAF)];
	if (d)
		snprintf(out, PATHLEN, "%.*s/%s", PATHLEN - 24, d->path, leaf);
	else
		snprintf(out, PATHLEN, "%s", leaf);
}

/* Mostly an existing entry (of the wanted type most of the time), else a new path. */
static void pick_path(struct rng *r, const struct listing *L, char type, int existing_pct, char *out)
{
	if (rng_pct(r, existing_pct)) {
		const struct entry_info *e = pick_existing(r, L, rng_pct(r, 85) ? type : '?');
		if (e) {
			snprintf(out, PATHLEN, "%s", e->path);
			return;
		}
	}
	pick_new(r, L, out);
}

static long long size_of(const struct listing *L, const char *path)
{
	for (size_t i = 0; i < L->n; i++)
		if (!strcmp(L->e[i].path, path))
			return L->e[i].size;
	return 0;
}

static const unsigned mode_pool[] = {0644, 0600, 0755, 0700, 0444, 0640, 0000, 04755, 02755, 01777, 0777};
#define NMODE (sizeof mode_pool / sizeof mode_pool[0])

static void gen_op(struct rng *r, const struct listing *L, struct op *o)
{
	static const int weights[OP__COUNT] = {
		[OP_CREATE] = 12, [OP_WRITE] = 14, [OP_TRUNCATE] = 6, [OP_UNLINK] = 8,
		[OP_MKDIR] = 8, [OP_RMDIR] = 6, [OP_RENAME] = 14, [OP_LINK] = 6,
		[OP_SYMLINK] = 4, [OP_CHMOD] = 5, [OP_SETXATTR] = 6, [OP_REMOVEXATTR] = 2,
		[OP_MKFIFO] = 1, [OP_READ] = 4, [OP_STAT] = 2, [OP_LISTDIR] = 3,
	};
	int total = 0;
	for (int i = 0; i < OP__COUNT; i++)
		total += weights[i];
	int pick = (int)rng_below(r, (uint64_t)total), k = 0;
	while (pick >= weights[k])
		pick -= weights[k++];
	*o = (struct op){.kind = (enum op_kind)k};
	o->data = rng_next(r) & 0xffffffffULL;
	long long sz;

	switch (o->kind) {
	case OP_CREATE:
		pick_path(r, L, 'f', 25, o->a);
		o->mode = rng_pct(r, 80) ? 0644 : mode_pool[rng_below(r, NMODE)];
		o->len = rng_pct(r, 30) ? 0 : (long long)rng_below(r, 6000);
		o->flags = (rng_pct(r, 20) ? F_EXCL : 0) | (rng_pct(r, 20) ? F_TRUNC : 0);
		break;
	case OP_WRITE:
	case OP_READ:
		pick_path(r, L, 'f', 90, o->a);
		sz = size_of(L, o->a);
		{
			int w = (int)rng_below(r, 10);
			o->off = w < 4 ? 0 : w < 7 ? (long long)rng_below(r, (uint64_t)sz + 1) : w < 9 ? sz
			       : sz + (long long)rng_below(r, 200000);
		}
		o->len = rng_pct(r, 75) ? (long long)rng_below(r, 4096) + 1 : (long long)rng_below(r, 70000) + 1;
		if (o->kind == OP_WRITE)
			o->flags = (rng_pct(r, 10) ? F_APPEND : 0) | (rng_pct(r, 5) ? F_TRUNC : 0);
		break;
	case OP_TRUNCATE:
		pick_path(r, L, 'f', 90, o->a);
		sz = size_of(L, o->a);
		o->len = rng_pct(r, 30) ? 0 : rng_pct(r, 60) ? (long long)rng_below(r, (uint64_t)sz + 1)
						  : sz + (long long)rng_below(r, 100000);
		break;
	case OP_UNLINK:
		pick_path(r, L, 'f', 90, o->a);
		break;
	case OP_MKDIR:
		pick_path(r, L, 'd', 15, o->a);
		o->mode = rng_pct(r, 80) ? 0755 : mode_pool[rng_below(r, NMODE)];
		break;
	case OP_RMDIR:
		pick_path(r, L, 'd', 90, o->a);
		break;
	case OP_RENAME:
		pick_path(r, L, rng_pct(r, 50) ? 'd' : 'f', 90, o->a);
		pick_path(r, L, '?', 35, o->b);
		o->flags = rng_pct(r, 10) ? F_NOREPLACE : rng_pct(r, 10) ? F_EXCHANGE : 0;
		break;
	case OP_LINK:
		pick_path(r, L, 'f', 90, o->a);
		pick_path(r, L, '?', 15, o->b);
		break;
	case OP_SYMLINK:
		pick_path(r, L, '?', 15, o->a);
		snprintf(o->b, sizeof o->b, "%s", target_pool[rng_below(r, NTARGET)]);
		break;
	case OP_CHMOD:
		pick_path(r, L, '?', 90, o->a);
		o->mode = mode_pool[rng_below(r, NMODE)];
		break;
	case OP_SETXATTR:
	case OP_REMOVEXATTR:
		pick_path(r, L, '?', 90, o->a);
		snprintf(o->name, sizeof o->name, "user.t%u", (unsigned)rng_below(r, 4));
		snprintf(o->value, sizeof o->value, "v%llx", (unsigned long long)rng_below(r, 1u << 20));
		o->flags = (rng_pct(r, 20) ? F_NOFOLLOW : 0);
		if (o->kind == OP_SETXATTR)
			o->flags |= rng_pct(r, 10) ? F_XCREATE : rng_pct(r, 10) ? F_XREPLACE : 0;
		break;
	case OP_MKFIFO:
		pick_path(r, L, '?', 10, o->a);
		o->mode = 0644;
		break;
	case OP_STAT:
		pick_path(r, L, '?', 90, o->a);
		break;
	case OP_LISTDIR:
		if (rng_pct(r, 15))
			snprintf(o->a, sizeof o->a, ".");
		else
			pick_path(r, L, 'd', 90, o->a);
		break;
	case OP__COUNT:
		break;
	}
}

void gen_next_op(struct rng *r, int rootfd, struct op *o)
{
	struct listing L = {0};
	list_tree(rootfd, "", &L);
	gen_op(r, &L, o);
	free(L.e);
}
