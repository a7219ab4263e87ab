/* sysinfo(2) answered for a container: its processes' sysinfo calls come
 * here through a seccomp listener (ctrrun installs the filter), and get the
 * memory, swap and load this view's files show, and the uptime of the
 * container's time namespace. busybox's free and uptime use sysinfo, not
 * /proc/meminfo. */
#ifndef CTR_FS_PROC_SYSINFO_H
#define CTR_FS_PROC_SYSINFO_H

#include "proc_content.h"

struct proc_sysinfo;

/* Serves LISTENER (consumed) in a thread. NULL when it cannot start. */
struct proc_sysinfo *proc_sysinfo_start(int listener, struct proc_source *src);
void proc_sysinfo_stop(struct proc_sysinfo *s);

#endif
