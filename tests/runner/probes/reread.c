/* For tests/runner/daemons.sh: reads FILE, waits until GO exists, then
 * reads it again through the same open file (pread at 0), as top(1) does
 * with /proc/meminfo. Prints "first N" after the first read, and after the
 * second "same" (the bytes of the first read, served again), "changed", or
 * "error ERRNO-NAME".
 * usage: reread FILE GO */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	static char a[65536], b[65536];
	int fd = open(argv[1], O_RDONLY);
	ssize_t n = fd < 0 ? -1 : pread(fd, a, sizeof a, 0);
	if (n < 0) {
		printf("first error %s\n", strerrorname_np(errno));
		return 1;
	}
	printf("first %zd\n", n);
	fflush(stdout);
	while (access(argv[2], F_OK) != 0)
		usleep(20000);
	ssize_t m = pread(fd, b, sizeof b, 0);
	if (m < 0)
		printf("error %s\n", strerrorname_np(errno));
	else
		printf("%s\n", m == n && memcmp(a, b, (size_t)n) == 0 ? "same" : "changed");
	return 0;
}
