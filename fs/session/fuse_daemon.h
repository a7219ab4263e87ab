/* One FUSE daemon's life, shared by `ctrfs mount` (fs/union/) and `ctrfs
 * proc` (fs/procview/): create the libfuse low-level session, install
 * libfuse's signal handlers (SIGINT, SIGTERM and SIGHUP end the loop), mount,
 * fork into the background unless in the foreground (the caller of ctrfs
 * returns once the mount is there: libfuse's fuse_daemonize), serve with
 * libfuse's multi-threaded loop, then unmount and tear down. What differs
 * between the two daemons is said in struct fuse_daemon: the options, the
 * loop's threads, and steps called at fixed points of that life. */
#ifndef CTR_FS_FUSE_DAEMON_H
#define CTR_FS_FUSE_DAEMON_H

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stddef.h>

struct fuse_daemon {
	const char *name;           /* prefix of every message: "ctrfs", "ctrfs proc" */
	const char *options;        /* libfuse's -o list; NULL: none could be made (fails) */
	bool debug;                 /* -d: libfuse prints every request */
	bool foreground;            /* -f (-d implies it): no fork into the background */
	const char *mountpoint;     /* a directory, or "/dev/fd/N": a /dev/fuse fd the caller mounted */
	const struct fuse_lowlevel_ops *ops;
	size_t ops_size;
	void *userdata;             /* the requests' fuse_req_userdata and the steps' argument */
	unsigned max_threads;       /* of the loop */
	bool clone_fd;              /* each loop thread reads its own /dev/fuse fd */

	/* Steps, each optional, called with userdata: */
	/* Mounted, still in the caller's process (before the fork). */
	void (*mounted)(void *userdata, struct fuse_session *se);
	/* In the process that serves, before the loop: where threads start (a
	 * fork keeps only the thread that calls it). < 0: it failed and printed
	 * why; the mount is undone and served is not called. */
	int (*serving)(void *userdata);
	/* The loop has ended; still mounted. */
	void (*served)(void *userdata);
	/* Last, whatever happened before (also when no session could be made),
	 * before the session is destroyed: nothing may use it afterwards. */
	void (*release)(void *userdata);
};

/* Runs the daemon's whole life. Errors are printed once, here or by the
 * steps. Returns 0 when the loop ended cleanly (unmounted), -1 when a step
 * failed or the loop ended on an error or a signal. */
int fuse_daemon_run(const struct fuse_daemon *d);

#endif
