/* The mounts every container gets inside its root: proc, a minimal /dev,
 * /sys read-only, masked and read-only paths. Each step is one call, applied
 * in order by container_init.c. ROOTFD is an O_PATH fd of the new root;
 * paths are resolved inside it (RESOLVE_IN_ROOT), never through a symlink
 * out of it. */
#ifndef CTRRUN_ROOTFS_MOUNTS_H
#define CTRRUN_ROOTFS_MOUNTS_H

#include <stdbool.h>
#include <sys/types.h>

#include "ctr/error.h"

/* Opens PATH (absolute, inside the root) creating missing directories, and
 * the last component as a directory (DIR true) or an empty file. Returns an
 * O_PATH fd, or -1 with *err set. */
int ctr_rootfs_open_create(int rootfd, const char *path, bool dir, struct ctr_error *err);

/* Mounts a detached mount (from open_tree or fsmount) on PATH inside the root. */
int ctr_rootfs_attach(int rootfd, int mntfd, const char *path, bool dir, struct ctr_error *err);

/* Binds host file or dir SOURCE (recursively) on PATH inside the root;
 * FLAGS (for the whole tree): ROOTFS_BIND_RO read-only and nosuid,
 * ROOTFS_BIND_NOSUID_NODEV nosuid and nodev (volumes). */
enum { ROOTFS_BIND_RO = 1, ROOTFS_BIND_NOSUID_NODEV = 2 };
int ctr_rootfs_bind_host(int rootfd, const char *source, const char *path, bool dir, unsigned flags,
		     struct ctr_error *err);

/* A fresh tmpfs on PATH (created when missing) with mount flags and data. */
int ctr_rootfs_mount_tmpfs(int rootfd, const char *path, unsigned long flags, const char *data, struct ctr_error *err);

/* Binds file SOURCE (relative to SOURCE_DIR, or AT_FDCWD) over the existing
 * file PATH inside the root; a PATH this kernel does not have is skipped. */
int ctr_rootfs_bind_over(int rootfd, int source_dir, const char *source, const char *path, struct ctr_error *err);

/* The /proc view's files (meminfo, cpuinfo, stat, loadavg, swaps,
 * diskstats, cpu-online) from directory VIEW_DIR (a mount of `ctrfs proc`)
 * over their places in /proc and /sys. REPLACE: a dead daemon's files are
 * there already; they are detached first. */
int ctr_rootfs_bind_view(int rootfd, int view_dir, bool replace, struct ctr_error *err);

int ctr_rootfs_mount_proc(int rootfd, struct ctr_error *err);
/* ALL_DEVICES (--privileged): every device node of the host's /dev instead
 * of null, zero, full, random, urandom and tty. */
int ctr_rootfs_mount_dev(int rootfd, bool gid5_mapped, bool all_devices, struct ctr_error *err);
int ctr_rootfs_mount_sys(int rootfd, bool own_netns, bool read_write, struct ctr_error *err);
/* After proc and sys: mask runc's sensitive paths, make the others read-only. */
int ctr_rootfs_mask_paths(int rootfd, struct ctr_error *err);

#endif
