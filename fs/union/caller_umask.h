/* The caller's umask for the syscall that creates an entry.
 *
 * With FUSE_CAP_DONT_MASK the kernel sends the mode of mkdir, mknod and
 * create unmasked, together with the caller's umask, and leaves the masking
 * to the daemon. ctrfs lets the backing filesystem do it, with the caller's
 * umask as the umask of the creating thread: the upper dir then gets exactly
 * what the caller would get there, the umask applied once, or not at all
 * under a parent with a default ACL (which replaces it). The daemon's own
 * umask is 0 everywhere else, so the one of the shell that started it never
 * counts. umask is per process (fs_struct), so each thread takes a copy of
 * its own (unshare(CLONE_FS)) the first time. */
#ifndef CTR_FS_CALLER_UMASK_H
#define CTR_FS_CALLER_UMASK_H

#include <sys/types.h>

/* For the process, before any thread starts: no umask of its own. */
void caller_umask_init(void);

/* Makes `mask` this thread's umask. Where the thread cannot have its own
 * (unshare refused), applies it to *mode instead: right but for default
 * ACLs. */
void caller_umask_enter(mode_t mask, mode_t *mode);

/* Back to no umask, after the creating syscall. */
void caller_umask_leave(void);

#endif
