/* The writer of tests/runner/fulldisk.sh: fills a file and records what
 * the kernel told it, so the test can compare that with what is on disk.
 *
 *   writer write PATH COUNT CHUNK [fsync]
 *       creates PATH, writes COUNT chunks of CHUNK bytes (a short write is
 *       continued where it stopped), stops at the first error, then fsyncs
 *       (with "fsync") and closes. It prints what each step returned, then
 *       what the file looks like through the same path afterwards:
 *         accepted=BYTES           the sum of what write() accepted
 *         write_error=ERRNO|none   the first write() error
 *         fsync=ok|ERRNO|skipped
 *         close=ok|ERRNO
 *         first_error=write|fsync|close|none
 *         view_size=, view_good=, view_sum=   as "check" prints them
 *   writer check PATH
 *       prints size=BYTES good=BYTES sum=HEX: the size, how many bytes from
 *       the start hold the pattern the writer writes, and an FNV-1a hash of
 *       the whole content.
 *
 * Byte o of the pattern is byte o%8 of (o/8 + 1) * 0x9E3779B97F4A7C15, so
 * zeros, and data written at the wrong offset, do not pass for it. Built
 * static by the test (the busybox image has no libc). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char pattern_at(uint64_t o)
{
	uint64_t w = (o / 8 + 1) * 0x9E3779B97F4A7C15ull;
	return (unsigned char)(w >> (8 * (o % 8)));
}

static const char *err_name(int e)
{
	switch (e) {
	case ENOSPC: return "ENOSPC";
	case EDQUOT: return "EDQUOT";
	case EIO: return "EIO";
	case EFBIG: return "EFBIG";
	default: {
		static char buf[32];
		snprintf(buf, sizeof buf, "errno%d", e);
		return buf;
	}
	}
}

/* Prints "PREFIXsize=.. PREFIXgood=.. PREFIXsum=..", one a line; 1 on a read error. */
static int check(const char *path, const char *prefix)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		printf("%serror=%s\n", prefix, err_name(errno));
		return 1;
	}
	static unsigned char buf[1 << 20];
	uint64_t off = 0, good = 0, sum = 0xcbf29ce484222325ull;
	int good_run = 1, r = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0) {
			printf("%sread_error=%s\n", prefix, err_name(errno));
			r = 1;
			break;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++, off++) {
			if (good_run && buf[i] == pattern_at(off))
				good++;
			else
				good_run = 0;
			sum = (sum ^ buf[i]) * 0x100000001b3ull;
		}
	}
	close(fd);
	printf("%ssize=%lld\n%sread=%llu\n%sgood=%llu\n%ssum=%016llx\n", prefix, (long long)st.st_size, prefix,
	       (unsigned long long)off, prefix, (unsigned long long)good, prefix, (unsigned long long)sum);
	return r;
}

static int fill(const char *path, long count, long chunk, int do_fsync)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		printf("open=%s\n", err_name(errno));
		return 1;
	}
	unsigned char *buf = malloc((size_t)chunk);
	if (!buf)
		return 1;
	uint64_t off = 0;
	int write_err = 0;
	for (long c = 0; c < count && !write_err; c++) {
		for (long i = 0; i < chunk; i++)
			buf[i] = pattern_at(off + (uint64_t)i);
		long done = 0;
		while (done < chunk) {
			ssize_t n = write(fd, buf + done, (size_t)(chunk - done));
			if (n < 0) {
				write_err = errno;
				break;
			}
			done += n;
		}
		off += (uint64_t)done;
	}
	int fsync_err = -1;
	if (do_fsync)
		fsync_err = fsync(fd) < 0 ? errno : 0;
	int close_err = close(fd) < 0 ? errno : 0;
	const char *first = write_err ? "write" : fsync_err > 0 ? "fsync" : close_err ? "close" : "none";
	printf("accepted=%llu\n", (unsigned long long)off);
	printf("write_error=%s\n", write_err ? err_name(write_err) : "none");
	printf("fsync=%s\n", fsync_err < 0 ? "skipped" : fsync_err ? err_name(fsync_err) : "ok");
	printf("close=%s\n", close_err ? err_name(close_err) : "ok");
	printf("first_error=%s\n", first);
	free(buf);
	return check(path, "view_");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && !strcmp(argv[1], "write"))
		return fill(argv[2], atol(argv[3]), atol(argv[4]), argc > 5 && !strcmp(argv[5], "fsync"));
	if (argc == 3 && !strcmp(argv[1], "check"))
		return check(argv[2], "");
	fprintf(stderr, "usage: writer write PATH COUNT CHUNK [fsync] | writer check PATH\n");
	return 2;
}
