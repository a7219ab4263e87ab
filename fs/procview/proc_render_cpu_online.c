/* /sys/devices/system/cpu/online: the container's CPUs, renumbered from 0
 * like cpuinfo and stat, so glibc's get_nprocs() agrees with them. */
#include "proc_render.h"

void proc_render_cpu_online(struct proc_buf *out, const char *host, size_t n)
{
	if (n == 0)
		proc_buf_puts(out, host);
	else if (n == 1)
		proc_buf_puts(out, "0\n");
	else
		proc_buf_printf(out, "0-%zu\n", n - 1);
}
