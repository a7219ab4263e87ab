/* /proc/PID/stat: the start time, for pid reuse checks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_stat.h"

/* Field 3 is the state and field 22 the start time; field 2 (comm) may hold
 * spaces and parentheses, so parsing starts after its last ')'. */
static int read_stat_file(const char *path, char *state, uint64_t *ticks);

static int read_stat(pid_t pid, char *state, uint64_t *ticks)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	return read_stat_file(path, state, ticks);
}

static int read_stat_file(const char *path, char *state, uint64_t *ticks)
{
	char buf[1024];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	*state = *p;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);
	if (errno || end == p)
		return -1;
	*ticks = v;
	return 0;
}

int ctr_proc_start_ticks(pid_t pid, uint64_t *ticks)
{
	char state;
	return pid > 0 ? read_stat(pid, &state, ticks) : -1;
}

bool ctr_proc_alive(pid_t pid, uint64_t ticks)
{
	char state;
	uint64_t now;
	if (pid <= 0 || read_stat(pid, &state, &now) < 0)
		return false;
	return now == ticks && state != 'Z' && state != 'X';
}

int ctr_proc_self_start_ticks(uint64_t *ticks)
{
	char state;
	return read_stat_file("/proc/self/stat", &state, ticks);
}
