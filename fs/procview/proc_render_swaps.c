/* /proc/swaps for a container with a swap limit below the host's swap:
 * the kernel's header and one entry, "none", sized to the limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc_render.h"

/* Sum of the Size column (kB) of the host's entries. */
static unsigned long long host_swap_kb(const char *host)
{
	unsigned long long total = 0;
	const char *p = strchr(host, '\n');   /* past the header */
	for (p = p ? p + 1 : NULL; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char name[4096], type[32];
		unsigned long long size;
		if (sscanf(p, "%4095s %31s %llu", name, type, &size) == 3)
			total += size;
	}
	return total;
}

void proc_render_swaps(struct proc_buf *out, const char *host, const struct proc_mem *mem)
{
	unsigned long long host_total = host_swap_kb(host);
	if (!mem || mem->swap_limit == PROC_NONE || mem->swap_limit / 1024 >= host_total) {
		proc_buf_puts(out, host);
		return;
	}
	const char *nl = strchr(host, '\n');
	proc_buf_append(out, host, nl ? (size_t)(nl - host + 1) : strlen(host));
	if (mem->swap_limit / 1024 == 0)
		return;   /* no swap for the container: an empty table, like a host without swap */
	unsigned long long size = mem->swap_limit / 1024;
	unsigned long long used = mem->swap_usage == PROC_NONE ? 0 : mem->swap_usage / 1024;
	used = used < size ? used : size;
	/* swap_show(): the name padded to 40 columns, then type, size, used, priority */
	const char *name = "none";
	proc_buf_printf(out, "%s%*s%s\t%llu\t%s%llu\t%s%d\n", name, (int)(40 - strlen(name)), " ",
			"partition", size, size < 10000000 ? "\t" : "", used, used < 10000000 ? "\t" : "", -2);
}
