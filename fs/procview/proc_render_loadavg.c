/* /proc/loadavg: "1.00 0.50 0.25 2/80 1234", from fixed-point averages the
 * way the kernel prints its own (rounded to hundredths). */
#include "proc_render.h"

#define FSHIFT 11
#define FIXED_1 (1UL << FSHIFT)

void proc_render_loadavg(struct proc_buf *out, const unsigned long avenrun[3], unsigned running,
			 unsigned total, int last_pid)
{
	unsigned long ip[3], fp[3];
	for (int i = 0; i < 3; i++) {
		unsigned long a = avenrun[i] + FIXED_1 / 200;
		ip[i] = a >> FSHIFT;
		fp[i] = ((a & (FIXED_1 - 1)) * 100) >> FSHIFT;
	}
	proc_buf_printf(out, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%u %d\n", ip[0], fp[0], ip[1], fp[1], ip[2],
			fp[2], running, total, last_pid);
}
