#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caller_umask.h"
#include "ctr/cleanup.h"
#include "dir_prefetch.h"
#include "dirfd_cache.h"
#include "fuse_daemon.h"
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

/* fuse_daemon steps (session/fuse_daemon.h). */
static void union_mounted(void *userdata, struct fuse_session *se)
{
	struct union_fs *fs = userdata;
	fs->se = se;
	readahead_prepare(&fs->readahead, fs->cfg.mountpoint);
}

static int union_serving(void *userdata)
{
	dir_prefetch_start(userdata);   /* after daemonizing: threads do not survive fork */
	return 0;
}

static void union_served(void *userdata)
{
	struct union_fs *fs = userdata;
	dir_prefetch_stop(fs);
	union_close_handles(fs);
	request_stats_report();
	if (fs->has_upper)
		workdir_clean(fs);
}

int union_mount_run(struct union_config *cfg)
{
	struct union_fs fs = {.cfg = *cfg};
	struct ctr_error err = {0};

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

	_cleanup_free_ char *opts = fuse_option_string(cfg);
	const struct fuse_daemon daemon_cfg = {
		.name = "ctrfs",
		.options = opts,
		.debug = cfg->debug,
		.foreground = cfg->foreground,
		.mountpoint = cfg->mountpoint,
		.ops = &union_ops,
		.ops_size = sizeof union_ops,
		.userdata = &fs,
		.max_threads = 16,
		.clone_fd = true,
		.mounted = union_mounted,
		.serving = union_serving,
		.served = union_served,
	};
	int rc = fuse_daemon_run(&daemon_cfg) == 0 ? UNION_EXIT_OK : UNION_EXIT_MOUNT;
	union_fs_free(&fs, rc != UNION_EXIT_OK);
	return rc;
}
