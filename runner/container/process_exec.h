/* The last step of starting a process in a container: exec with the
 * container's PATH and HOME, reporting failure the way docker exits. */
#ifndef CTRRUN_PROCESS_EXEC_H
#define CTRRUN_PROCESS_EXEC_H

#include <stddef.h>

/* Execs ARGV with ENV (plus HOME=HOME_DIR when ENV has none). On failure
 * writes errno to EXEC_ERR (close-on-exec, so a success closes it) and exits
 * 127 (not found) or 126 (not executable). Never returns. */
/* Closes every fd of the calling process but the N in KEEP (not merely
 * marks them close-on-exec): a process joining a container must hold
 * nothing of the host by the time anything in the container can look at it. */
void ctr_close_fds_except(const int *keep, size_t n);

__attribute__((noreturn)) void exec_in_container(char **argv, char **env, const char *home_dir, int exec_err);

#endif
