/* /proc/PID/stat (include/ctr/proc_pid.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctr/proc_pid.h"

#define START_FIELD 22

int ctr_proc_stat_parse(const char *text, struct ctr_proc_stat *st)
{
	*st = (struct ctr_proc_stat){0};
	const char *p = strrchr(text, ')');
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	st->state = *p;
	/* p is at field 3; each space passed is one field further. */
	for (int field = 3; field < START_FIELD; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);
	if (errno == 0 && end != p) {
		st->has_start = true;
		st->start_ticks = v;
	}
	return 0;
}

int ctr_proc_stat_read(const char *path, struct ctr_proc_stat *st)
{
	/* The line is a few hundred bytes; COMM is at most 64. */
	char buf[1024];
	*st = (struct ctr_proc_stat){0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	int saved = errno;
	close(fd);
	errno = saved;
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return ctr_proc_stat_parse(buf, st);
}
