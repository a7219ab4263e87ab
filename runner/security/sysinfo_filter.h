/* sysinfo(2) for containers. busybox's free and uptime (and others) ask the
 * kernel with sysinfo, which knows nothing of the container's memory limit
 * or load. The container's processes get a seccomp filter that hands their
 * sysinfo calls to the /proc view's daemon (SECCOMP_RET_USER_NOTIF), which
 * answers with the values its files show (fs/proc_sysinfo.c). */
#ifndef CTRRUN_SYSINFO_FILTER_H
#define CTRRUN_SYSINFO_FILTER_H

#include <sys/types.h>

#include "ctr/error.h"

/* Installs the filter on the calling process (root of its user namespace,
 * or after no_new_privs) and returns its listener fd, or -1 with *err.
 * A thin wrapper over seccomp_filter.h (CTR_SECCOMP_UNCONFINED with
 * notify_sysinfo), which also combines the sysinfo rule with a profile. */
int ctr_sysinfo_filter_install(struct ctr_error *err);

#endif
