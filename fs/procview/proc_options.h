/* The command line of `ctrfs proc`. */
#ifndef CTR_FS_PROC_OPTIONS_H
#define CTR_FS_PROC_OPTIONS_H

#include <stdbool.h>
#include <sys/types.h>

#include "ctr/error.h"

struct proc_options {
	pid_t pid;               /* --pid; 0 when not given */
	const char *cgroup;      /* --cgroup; NULL when not given */
	int sysinfo_fd;          /* --sysinfo-fd: a seccomp listener whose sysinfo calls to answer; -1 */
	int control_fd;          /* --control-fd: a socket passing more listeners (SCM_RIGHTS); -1 */
	const char *mountpoint;
	bool foreground, debug, show_help;
};

extern const char proc_usage[];

/* argv[0] is "proc". Returns 0, or -1 with a one-line message in err. */
int proc_options_parse(struct proc_options *o, int argc, char **argv, struct ctr_error *err);

#endif
