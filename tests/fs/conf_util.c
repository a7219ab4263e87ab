/* Helpers for the conformance cases: diagnostics, layer preparation and
 * merged-view inspection. Cases run in a forked child each, so static
 * buffers are private to one case. */
#include "conf_util.h"

#include <dirent.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

enum fsimpl conf_impl = IMPL_CTRFS;
int conf_skip_fd = -1;

void conf_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

int conf_failf(const char *file, int line, int err, const char *fmt, ...)
{
	char msg[1024];
	const char *name = err ? strerrorname_np(err) : "0";
	va_list ap;

	va_start(ap, fmt);
	/* (The result check also keeps gcc's -fsanitize=undefined build from a
	 * bogus format-truncation warning.) */
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	conf_diag("%s:%d: %s (errno %s)", file, line, msg, name ? name : "?");
	return CONF_FAIL;
}

int conf_skip(const char *reason)
{
	if (conf_skip_fd >= 0) {
		if (write(conf_skip_fd, reason, strlen(reason)) < 0)
			perror("conf_skip");
	} else {
		conf_diag("skip: %s", reason);
	}
	return CONF_SKIP;
}

const char *conf_at(const char *dir, const char *rel)
{
	static char ring[16][PATH_MAX];
	static unsigned next;
	char *buf = ring[next++ % 16];

	return testfs_path(buf, dir, rel);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int conf_put_mode(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int err;

	if (fd < 0)
		return -1;
	if (write_all(fd, content, strlen(content)) < 0 || fchmod(fd, mode) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

int conf_put(const char *path, const char *content)
{
	return conf_put_mode(path, content, 0644);
}

/* xorshift stream: cheap, deterministic, and not compressible into holes. */
static uint32_t pattern_next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void pattern_fill(unsigned char *buf, size_t len, uint32_t *state)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)pattern_next(state);
}

int conf_put_pattern(const char *path, size_t len, unsigned seed)
{
	static unsigned char buf[65536];
	uint32_t state = seed * 2654435761u + 1;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	while (len > 0) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);
		pattern_fill(buf, n, &state);
		if (write_all(fd, buf, n) < 0) {
			int err = errno;
			close(fd);
			errno = err;
			return -1;
		}
		len -= n;
	}
	return close(fd);
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

uint64_t conf_pattern_hash(size_t len, unsigned seed)
{
	static unsigned char buf[65536];
	uint32_t state = seed * 2654435761u + 1;
	uint64_t h = 14695981039346656037ull;

	while (len > 0) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);
		pattern_fill(buf, n, &state);
		h = fnv1a(h, buf, n);
		len -= n;
	}
	return h;
}

uint64_t conf_hash(const char *path)
{
	static unsigned char buf[65536];
	uint64_t h = 14695981039346656037ull;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		conf_diag("hash: open %s: %s", path, strerror(errno));
		return 0;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		h = fnv1a(h, buf, (size_t)n);
	if (n < 0) {
		conf_diag("hash: read %s: %s", path, strerror(errno));
		h = 0;
	}
	close(fd);
	return h;
}

ssize_t conf_read(const char *path, void *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -1;
	while (got < size) {
		ssize_t n = read(fd, (char *)buf + got, size - got);
		if (n < 0) {
			int err = errno;
			close(fd);
			errno = err;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

const char *conf_read_str(const char *path)
{
	static char ring[4][65536];
	static unsigned next;
	char *buf = ring[next++ % 4];
	ssize_t n = conf_read(path, buf, sizeof(ring[0]) - 1);

	if (n < 0) {
		conf_diag("read %s: %s", path, strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int conf_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return chmod(buf, mode);
}

int conf_whiteout(const char *path)
{
	return mknod(path, S_IFCHR | 0000, makedev(0, 0));
}

bool conf_is_whiteout(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

static const char *opaque_name(const struct testfs *t)
{
	static char name[64];

	snprintf(name, sizeof(name), "%sopaque", testfs_ovl_xattr_prefix(t));
	return name;
}

int conf_set_opaque(const struct testfs *t, const char *dir)
{
	return lsetxattr(dir, opaque_name(t), "y", 1, 0);
}

bool conf_is_opaque(const struct testfs *t, const char *dir)
{
	char v[8];
	ssize_t n = lgetxattr(dir, opaque_name(t), v, sizeof(v));

	return n == 1 && v[0] == 'y';
}

bool conf_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

const char *conf_names(const char *path)
{
	static char out[65536];
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, len = 0;

	if (!d) {
		conf_diag("opendir %s: %s", path, strerror(errno));
		return NULL;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **grown = realloc(names, cap * sizeof(*names));
			if (!grown)
				abort();
			names = grown;
		}
		names[n] = strdup(de->d_name);
		if (!names[n++])
			abort();
	}
	if (errno)
		conf_diag("readdir %s: %s", path, strerror(errno));
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int r = snprintf(out + len, sizeof(out) - len, "%s%s", i ? "," : "", names[i]);
		if (r > 0 && (size_t)r < sizeof(out) - len)
			len += (size_t)r;
		free(names[i]);
	}
	free(names);
	return out;
}

int conf_set_times(const char *path, time_t asec, long ansec, time_t msec, long mnsec)
{
	struct timespec ts[2] = { { asec, ansec }, { msec, mnsec } };

	return utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
}

struct stat conf_lstat(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		memset(&st, 0, sizeof(st));
	return st;
}

bool conf_root(void)
{
	return testfs_real_root();
}

int conf_as_user(int (*fn)(void *arg), void *arg)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return conf_failf(__FILE__, __LINE__, errno, "fork");
	if (pid == 0) {
		if (geteuid() == 0) {
			if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
			    setresuid(65534, 65534, 65534) < 0) {
				conf_failf(__FILE__, __LINE__, errno, "dropping to uid 65534");
				fflush(NULL);
				_exit(CONF_FAIL);
			}
		}
		int r = fn(arg);
		fflush(NULL);
		_exit(r);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return conf_failf(__FILE__, __LINE__, errno, "waitpid");
	if (!WIFEXITED(status))
		return conf_failf(__FILE__, __LINE__, 0, "unprivileged child died: status 0x%x", status);
	return WEXITSTATUS(status);
}
