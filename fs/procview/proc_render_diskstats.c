/* /proc/diskstats from the container's io (v1 blkio) accounting: the host's
 * lines of the devices it did I/O on, in the kernel's diskstats_show()
 * layout, with the counts the cgroup keeps and zero where it keeps none. */
#include <stdio.h>
#include <string.h>

#include "proc_render.h"

static const struct proc_io_dev *find_dev(const struct proc_io *io, unsigned major, unsigned minor)
{
	for (size_t i = 0; i < io->n; i++)
		if (io->devs[i].major == major && io->devs[i].minor == minor)
			return &io->devs[i];
	return NULL;
}

void proc_render_diskstats(struct proc_buf *out, const char *host, const struct proc_io *io)
{
	if (!io) {
		proc_buf_puts(out, host);
		return;
	}
	for (const char *p = host; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned major, minor;
		char name[64];
		if (sscanf(p, "%u %u %63s", &major, &minor, name) != 3)
			continue;
		const struct proc_io_dev *d = find_dev(io, major, minor);
		if (!d || (d->rios | d->wios | d->dios | d->rbytes | d->wbytes | d->dbytes) == 0)
			continue;
		proc_buf_printf(out,
				"%4u %7u %s "
				"%llu 0 %llu 0 "
				"%llu 0 %llu 0 "
				"0 0 0 "
				"%llu 0 %llu 0 "
				"0 0\n",
				major, minor, name,
				(unsigned long long)d->rios, (unsigned long long)d->rbytes / 512,
				(unsigned long long)d->wios, (unsigned long long)d->wbytes / 512,
				(unsigned long long)d->dios, (unsigned long long)d->dbytes / 512);
	}
}
