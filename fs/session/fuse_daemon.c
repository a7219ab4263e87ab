#include <stdio.h>

#include "fuse_daemon.h"

/* The loop: its threads as the daemon asks. Returns the loop's result. */
static int serve(const struct fuse_daemon *d, struct fuse_session *se)
{
	struct fuse_loop_config *loop = fuse_loop_cfg_create();
	if (!loop) {
		fprintf(stderr, "%s: out of memory\n", d->name);
		return -1;
	}
	fuse_loop_cfg_set_clone_fd(loop, d->clone_fd);
	fuse_loop_cfg_set_max_threads(loop, d->max_threads);
	int r = -1;
	if (!d->serving || d->serving(d->userdata) == 0) {
		r = fuse_session_loop_mt(se, loop) == 0 ? 0 : -1;
		if (d->served)
			d->served(d->userdata);
	}
	fuse_loop_cfg_destroy(loop);
	return r;
}

int fuse_daemon_run(const struct fuse_daemon *d)
{
	char *argv[] = {"ctrfs", "-o", (char *)d->options, d->debug ? "-d" : NULL, NULL};
	struct fuse_args args = FUSE_ARGS_INIT(d->debug ? 4 : 3, argv);
	struct fuse_session *se = d->options ? fuse_session_new(&args, d->ops, d->ops_size, d->userdata) : NULL;
	int r = -1;

	if (!se) {
		fprintf(stderr, "%s: cannot start a FUSE session (options %s)\n", d->name,
			d->options ? d->options : "?");
		goto out;
	}
	if (fuse_set_signal_handlers(se) != 0) {
		fprintf(stderr, "%s: cannot install signal handlers\n", d->name);
		goto out;
	}
	if (fuse_session_mount(se, d->mountpoint) != 0) {
		fprintf(stderr, "%s: cannot mount on %s (see the message above)\n", d->name, d->mountpoint);
		goto out_signals;
	}
	if (d->mounted)
		d->mounted(d->userdata, se);
	if (fuse_daemonize(d->foreground) != 0)
		fprintf(stderr, "%s: cannot run in the background\n", d->name);
	else
		r = serve(d, se);
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out:
	if (d->release)
		d->release(d->userdata);
	if (se)
		fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	return r;
}
