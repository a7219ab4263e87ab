#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caller_umask.h"
#include "dir_prefetch.h"
#include "dirfd_cache.h"
#include "layers.h"
#include "lower_links.h"
#include "nodes.h"
#include "union_mount.h"
#include "request_stats.h"
#include "union_ops.h"
#include "workdir.h"
#include "writeback_error.h"

/* Real root (uid 0 in the initial user namespace) can use trusted.* xattrs;
 * everyone else, root in a user namespace included, cannot. */
static bool in_initial_userns_as_root(void)
{
	if (geteuid() != 0)
		return false;
	FILE *f = fopen("/proc/self/uid_map", "r");
	if (!f)
		return true;
	unsigned long inside, outside, count;
	bool initial = fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 &&
		       outside == 0 && count == 4294967295UL;
	fclose(f);
	return initial;
}

static const char *choose_xattr_prefix(const struct union_config *cfg)
{
	switch (cfg->xattr_ns) {
	case XATTR_NS_TRUSTED:
		return "trusted.overlay.";
	case XATTR_NS_USER:
		return "user.overlay.";
	default:
		return in_initial_userns_as_root() ? "trusted.overlay." : "user.overlay.";
	}
}

/* -o string for libfuse: permissions are always the kernel's to check, and a
 * root daemon serves other uids (container processes) too. */
static char *fuse_option_string(const struct union_config *cfg)
{
	char *s;
	int n = asprintf(&s, "default_permissions,fsname=ctrfs,subtype=ctrfs%s%s%s%s",
			 geteuid() == 0 ? ",allow_other" : "", cfg->readonly ? ",ro" : "",
			 cfg->fuse_flags ? "," : "", cfg->fuse_flags ? cfg->fuse_flags : "");
	return n < 0 ? NULL : s;
}

static void union_fs_free(struct union_fs *fs, bool remove_made_work)
{
	if (fs->dirfds)
		dirfd_cache_free(fs->dirfds);
	lower_links_free(fs);
	nodes_destroy(fs);
	if (remove_made_work)
		workdir_undo(fs);
	layers_close(fs);
}

int union_mount_run(struct union_config *cfg)
{
	struct union_fs fs = {.cfg = *cfg};
	struct ctr_error err = {0};
	int rc = UNION_EXIT_MOUNT;

	fs.xattr_prefix = choose_xattr_prefix(cfg);
	/* Entries made for a caller get the caller's umask (caller_umask.h),
	 * never the one of the shell that started us. */
	caller_umask_init();
	if (low_space_init(&fs.low_space, &err) < 0) {
		fprintf(stderr, "ctrfs: %s\n", err.msg);
		return UNION_EXIT_USAGE;
	}
	if (layers_open(&fs, &err) < 0) {
		fprintf(stderr, "ctrfs: %s\n", err.msg);
		layers_close(&fs);
		return UNION_EXIT_USAGE;
	}
	fs.dirfds = dirfd_cache_new(DIRFD_CACHE_SIZE);
	if (!fs.dirfds || nodes_init(&fs) < 0 || writeback_error_init(&fs) < 0) {
		fprintf(stderr, "ctrfs: out of memory\n");
		union_fs_free(&fs, false);
		return UNION_EXIT_MOUNT;
	}

	char *opts = fuse_option_string(cfg);
	char *argv[] = {"ctrfs", "-o", opts, cfg->debug ? "-d" : NULL, NULL};
	struct fuse_args args = FUSE_ARGS_INIT(cfg->debug ? 4 : 3, argv);
	struct fuse_session *se = opts ? fuse_session_new(&args, &union_ops, sizeof union_ops, &fs) : NULL;
	fs.se = se;
	if (!se) {
		fprintf(stderr, "ctrfs: cannot start a FUSE session (options %s)\n", opts ? opts : "?");
		goto out;
	}
	if (fuse_set_signal_handlers(se) != 0) {
		fprintf(stderr, "ctrfs: cannot install signal handlers\n");
		goto out_session;
	}
	if (fuse_session_mount(se, cfg->mountpoint) != 0) {
		fprintf(stderr, "ctrfs: cannot mount on %s (see the message above)\n", cfg->mountpoint);
		goto out_signals;
	}
	readahead_prepare(&fs.readahead, cfg->mountpoint);
	if (fuse_daemonize(cfg->foreground) != 0) {
		fprintf(stderr, "ctrfs: cannot run in the background\n");
		goto out_unmount;
	}
	struct fuse_loop_config *loop = fuse_loop_cfg_create();
	if (!loop) {
		fprintf(stderr, "ctrfs: out of memory\n");
		goto out_unmount;
	}
	fuse_loop_cfg_set_clone_fd(loop, 1);
	fuse_loop_cfg_set_max_threads(loop, 16);
	dir_prefetch_start(&fs);   /* after daemonizing: threads do not survive fork */
	rc = fuse_session_loop_mt(se, loop) == 0 ? UNION_EXIT_OK : UNION_EXIT_MOUNT;
	dir_prefetch_stop(&fs);
	fuse_loop_cfg_destroy(loop);
	union_close_handles(&fs);
	request_stats_report();
	if (fs.has_upper)
		workdir_clean(&fs);
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out:
	fuse_opt_free_args(&args);
	free(opts);
	union_fs_free(&fs, rc != UNION_EXIT_OK);
	return rc;
}
