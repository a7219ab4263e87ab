/* sysinfo(2) answered for a container: its processes' sysinfo calls come
 * here through a seccomp listener (ctrrun installs the filter), and get the
 * memory, swap and load this view's files show, and the uptime of the
 * container's time namespace. busybox's free and uptime use sysinfo, not
 * /proc/meminfo. */
#ifndef CTR_FS_PROC_SYSINFO_H
#define CTR_FS_PROC_SYSINFO_H

#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc_content.h"

struct proc_sysinfo;

/* Writes LEN bytes of BUF at ADDR in the process that made notification
 * REQ on LISTENER, and in no other: its /proc/PID/mem is opened first, the
 * notification checked to be still pending afterwards, and the write goes
 * through that handle, so a caller that died and whose pid was reused is
 * never written into. Returns the bytes written, or -1 with errno (ENOENT:
 * the notification is no longer pending; EIO: a bad address). */
ssize_t proc_sysinfo_write_caller(int listener, const struct seccomp_notif *req, uint64_t addr, const void *buf,
				  size_t len);

/* For tests: HOOK runs in proc_sysinfo_write_caller after the check and
 * before the write. */
void proc_sysinfo_set_race_hook(void (*hook)(void));

/* Serves LISTENER (consumed; -1: none yet) in a thread, and every further
 * listener that arrives on CONTROL (consumed; -1: none), a socket carrying
 * one fd per message (SCM_RIGHTS): ctrrun passes those of exec'd
 * processes. A listener whose filter no process uses any more is dropped.
 * NULL when it cannot start. */
struct proc_sysinfo *proc_sysinfo_start(int listener, int control, struct proc_source *src);
void proc_sysinfo_stop(struct proc_sysinfo *s);

#endif
