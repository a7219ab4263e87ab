/* /proc/cpuinfo showing only the container's CPUs. The host's text is a
 * series of blocks, each starting with a "processor : N" line; the shown
 * blocks keep their text and get the numbers 0..n-1. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "proc_render.h"

/* When line starts a block ("processor" + blanks + ":"), its number;
 * else -1. *num_at gets where the number starts. */
static long processor_number(const char *line, const char **num_at)
{
	if (strncmp(line, "processor", 9) != 0)
		return -1;
	const char *p = line + 9;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != ':')
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	*num_at = p;
	return strtol(p, NULL, 10);
}

/* The block of host CPU cpu: [*start, *end); false when it is missing. */
static bool find_block(const char *host, unsigned cpu, const char **start, const char **end)
{
	const char *num;
	*start = NULL;
	for (const char *p = host; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		long n = processor_number(p, &num);
		if (n < 0)
			continue;
		if (*start) {
			*end = p;
			return true;
		}
		if (n == (long)cpu)
			*start = p;
	}
	if (*start)
		*end = *start + strlen(*start);
	return *start != NULL;
}

void proc_render_cpuinfo(struct proc_buf *out, const char *host, const unsigned *cpus, size_t n)
{
	if (!cpus) {
		proc_buf_puts(out, host);
		return;
	}
	/* Text before the first block (some architectures print a header). */
	const char *num;
	const char *p = host;
	while (*p && processor_number(p, &num) < 0) {
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	proc_buf_append(out, host, p - host);
	for (size_t i = 0; i < n; i++) {
		const char *start, *end;
		if (!find_block(host, cpus[i], &start, &end))
			continue;
		processor_number(start, &num);
		const char *after = num;
		while (isdigit((unsigned char)*after))
			after++;
		proc_buf_append(out, start, num - start);
		proc_buf_printf(out, "%zu", i);
		proc_buf_append(out, after, end - after);
	}
}
