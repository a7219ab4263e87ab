/* `ctrfs proc`: mounting and serving one container's /proc view. */
#ifndef CTR_FS_PROC_VIEW_H
#define CTR_FS_PROC_VIEW_H

/* Exit codes, as `ctrfs mount`'s: 0 unmounted cleanly, 1 bad input, 2 the
 * mount or the session failed. */
enum { PROC_EXIT_OK = 0, PROC_EXIT_USAGE = 1, PROC_EXIT_MOUNT = 2 };

/* argv[0] is "proc". Parses, checks, mounts, daemonizes unless -f, serves
 * until unmounted. Errors are printed once, here. Returns an exit code. */
int proc_view_main(int argc, char **argv);

#endif
