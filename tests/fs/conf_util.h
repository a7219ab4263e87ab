/* Shared pieces of the conformance suite: the case table type, assertion
 * macros that print TAP diagnostics, and small file helpers used to
 * prepare layers and inspect the merged view. */
#ifndef CTR_TESTS_FS_CONF_UTIL_H
#define CTR_TESTS_FS_CONF_UTIL_H

#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

enum conf_result { CONF_PASS = 0, CONF_FAIL = 1, CONF_SKIP = 2 };

#define CONF_ROOT 1u        /* needs root in the initial user namespace */
#define CONF_CTRFS_ONLY 2u  /* kernel overlayfs differs here by design */
#define CONF_SLOW 4u        /* gets the long timeout */
#define CONF_READONLY 8u    /* mounted without upper */
#define CONF_OTHER_UID 16u  /* runs checks as a second, unprivileged uid (conf_as_user) */

struct conf_case {
	const char *name;
	int (*fn)(struct testfs *t);
	int nlower;
	unsigned flags;
};

#define CONF_CASE(fn, nlower, flags) { #fn, fn, nlower, flags }

/* One table per topic file. */
#define CONF_TABLE(topic)                                       \
	extern const struct conf_case conf_cases_##topic[];     \
	extern const size_t conf_ncases_##topic
CONF_TABLE(lookup);
CONF_TABLE(readdir);
CONF_TABLE(copyup);
CONF_TABLE(remove);
CONF_TABLE(rename);
CONF_TABLE(links);
CONF_TABLE(special);
CONF_TABLE(xattr);
CONF_TABLE(io);
CONF_TABLE(attr);
CONF_TABLE(names);
CONF_TABLE(readonly);
CONF_TABLE(umask);

/* Which implementation runs; some helpers depend on it. */
extern enum fsimpl conf_impl;

void conf_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records the reason and returns CONF_SKIP. */
int conf_skip(const char *reason);
/* Where conf_skip sends the reason (a pipe to the runner); -1 prints it. */
extern int conf_skip_fd;

/* Prints "file:line: message (errno NAME)" as a TAP diagnostic; returns CONF_FAIL. */
int conf_failf(const char *file, int line, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define CONF_FAILED(...) return conf_failf(__FILE__, __LINE__, errno, __VA_ARGS__)

#define CHECK(cond)                                                             \
	do {                                                                    \
		errno = 0;                                                      \
		if (!(cond))                                                    \
			CONF_FAILED("check failed: %s", #cond);                 \
	} while (0)

/* expr (an int/ssize_t/long result) must not be negative. */
#define CHECK_OK(expr)                                                          \
	do {                                                                    \
		errno = 0;                                                      \
		if ((long)(expr) < 0)                                           \
			CONF_FAILED("call failed: %s", #expr);                  \
	} while (0)

/* expr must fail with errno err. */
#define CHECK_ERR(expr, err)                                                    \
	do {                                                                    \
		errno = 0;                                                      \
		long r_ = (long)(expr);                                         \
		if (r_ != -1 || errno != (err))                                 \
			CONF_FAILED("%s: expected -1 %s, got %ld", #expr,      \
				    strerrorname_np(err), r_);                  \
	} while (0)

#define CHECK_EQ(a, b)                                                          \
	do {                                                                    \
		long long a_ = (long long)(a), b_ = (long long)(b);             \
		if (a_ != b_)                                                   \
			CONF_FAILED("%s == %s: %lld != %lld", #a, #b, a_, b_);  \
	} while (0)

#define CHECK_NE(a, b)                                                          \
	do {                                                                    \
		long long a_ = (long long)(a), b_ = (long long)(b);             \
		if (a_ == b_)                                                   \
			CONF_FAILED("%s != %s: both %lld", #a, #b, a_);         \
	} while (0)

#define CHECK_STR(a, b)                                                         \
	do {                                                                    \
		const char *a_ = (a), *b_ = (b);                                \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                          \
			CONF_FAILED("%s == %s: \"%s\" != \"%s\"", #a, #b,       \
				    a_ ? a_ : "(null)", b_ ? b_ : "(null)");    \
	} while (0)

/* A helper that returns CONF_* passed; otherwise its result is the case's. */
#define TRY(expr)                                                               \
	do {                                                                    \
		int r_ = (expr);                                                \
		if (r_ != CONF_PASS)                                            \
			return r_;                                              \
	} while (0)

/* Content of a file equals the string. */
#define CHECK_CONTENT(path, expected) CHECK_STR(conf_read_str(path), expected)

#define MOUNT() CHECK_EQ(testfs_mount(t), 0)
#define UMOUNT() CHECK_EQ(testfs_umount(t), 0)
#define REMOUNT() CHECK_EQ(testfs_remount(t), 0)

/* "<dir>/<rel>" in one of a ring of static buffers (enough for the few
 * paths one statement uses). */
const char *conf_at(const char *dir, const char *rel);
#define M(rel) conf_at(t->mnt, rel)
#define U(rel) conf_at(t->upper, rel)
#define L0(rel) conf_at(t->lower[0], rel)
#define L1(rel) conf_at(t->lower[1], rel)
#define L2(rel) conf_at(t->lower[2], rel)

/* Creates or truncates path (mode 0644) and writes content; 0 or -1. */
int conf_put(const char *path, const char *content);
int conf_put_mode(const char *path, const char *content, mode_t mode);
/* Writes len bytes of a deterministic pattern derived from seed. */
int conf_put_pattern(const char *path, size_t len, unsigned seed);
/* Whole content in a static buffer (NUL-terminated), or NULL. */
const char *conf_read_str(const char *path);
/* Reads up to size bytes; length or -1. */
ssize_t conf_read(const char *path, void *buf, size_t size);
/* FNV-1a over the whole content; 0 on error (and prints why). */
uint64_t conf_hash(const char *path);
/* Hash of the pattern conf_put_pattern writes. */
uint64_t conf_pattern_hash(size_t len, unsigned seed);
/* mkdir -p with mode; 0 or -1. */
int conf_mkdirs(const char *path, mode_t mode);
/* Overlay whiteout (char device 0/0). */
int conf_whiteout(const char *path);
bool conf_is_whiteout(const char *path);
/* Opaque marker in the xattr namespace the mount uses. */
int conf_set_opaque(const struct testfs *t, const char *dir);
bool conf_is_opaque(const struct testfs *t, const char *dir);
bool conf_exists(const char *path);
/* Names in dir (without . and ..), sorted and joined by ',' into a static
 * buffer; duplicates stay visible as repeated names. NULL on error. */
const char *conf_names(const char *dir);
/* Sets atime and mtime with ns precision (no symlink follow). */
int conf_set_times(const char *path, time_t asec, long ansec, time_t msec, long mnsec);
/* st_ino, st_mode... of path without following symlinks; the stat is
 * zeroed when lstat fails. */
struct stat conf_lstat(const char *path);
/* Runs fn in a child as an unprivileged user (uid/gid 65534 when we are
 * root; ourselves otherwise). Returns fn's result (CONF_*). */
int conf_as_user(int (*fn)(void *arg), void *arg);
/* Whether the process could create device nodes in a user namespace etc. */
bool conf_root(void);

#endif
