/* What the harnesses share: cutting an input into NUL-separated strings,
 * a scratch directory per harness, and a check that no input leaked a file
 * descriptor (ASan sees leaked memory, not leaked fds). */
#ifndef CTR_FUZZ_UTIL_H
#define CTR_FUZZ_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where a harness reports what it found: stderr as it was at start-up.
 * run-fuzzer.sh has libFuzzer close stderr (-close_fd_mask) to keep the
 * parsers' own warnings out of the log, which would also swallow these. */
static int fuzz_report_fd = 2;

__attribute__((constructor)) static void fuzz_keep_stderr(void)
{
	int fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (fd >= 0)
		fuzz_report_fd = fd;
}

/* Reports a finding and aborts, which libFuzzer turns into a crash with a
 * reproducer. */
__attribute__((format(printf, 1, 2), noreturn)) static inline void fuzz_fail(const char *fmt, ...)
{
	char msg[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dprintf(fuzz_report_fd, "fuzz: %s\n", msg);
	abort();
}

/* A copy of the input, NUL-terminated, and pointers to its NUL-separated
 * parts (at most MAX; text past the last part counted is ignored). Parts
 * point into *BUF, which the caller frees. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, char **buf, char **parts, size_t max)
{
	*buf = malloc(size + 1);
	if (!*buf)
		abort();
	memcpy(*buf, data, size);
	(*buf)[size] = '\0';
	size_t n = 0;
	for (char *p = *buf; n < max;) {
		parts[n++] = p;
		p += strlen(p);
		if (p == *buf + size)
			break;
		p++;
	}
	return n;
}

/* The lowest free descriptor number: the same after every input, or one
 * leaked. */
static inline int fuzz_lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		abort();
	close(fd);
	return fd;
}

static int fuzz_fd_baseline = -1;

/* Call first thing for every input. The baseline is taken anew each time:
 * between inputs libFuzzer itself may open descriptors (the symbolizer's
 * pipes, when it names a newly covered function). */
static inline void fuzz_fds_begin(void)
{
	fuzz_fd_baseline = fuzz_lowest_free_fd();
}

/* Call last thing for every input. */
static inline void fuzz_check_fds(void)
{
	int now = fuzz_lowest_free_fd();
	if (now != fuzz_fd_baseline)
		fuzz_fail("a file descriptor leaked (lowest free fd %d, was %d)", now, fuzz_fd_baseline);
}

static inline int fuzz_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

/* Empties and removes DIR (not following symlinks). */
static inline void fuzz_remove_tree(const char *dir)
{
	nftw(dir, fuzz_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char fuzz_scratch[4096];

static void fuzz_remove_scratch(void)
{
	fuzz_remove_tree(fuzz_scratch);
}

/* A fresh directory for this process below $CTR_FUZZ_SCRATCH (made by
 * run-fuzzer.sh on tmpfs, removed by it afterwards, also after a crash),
 * else below $TMPDIR or /tmp, removed at exit (a replay by hand). */
static inline const char *fuzz_scratch_dir(const char *name)
{
	const char *base = getenv("CTR_FUZZ_SCRATCH");
	bool ours = !base || !*base;
	if (ours)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(fuzz_scratch, sizeof fuzz_scratch, "%s/%s-XXXXXX", base, name);
	if (!mkdtemp(fuzz_scratch))
		fuzz_fail("mkdtemp %s: %s", fuzz_scratch, strerror(errno));
	if (ours)
		atexit(fuzz_remove_scratch);
	return fuzz_scratch;
}

#endif
