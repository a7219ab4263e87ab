/* A bigger read-ahead window for the mount's backing device info.
 *
 * The kernel caps a FUSE mount's read-ahead at 128 KiB (the INIT reply can
 * only lower it), so a sequential read costs one round trip per 128 KiB.
 * Root can raise it through /sys/class/bdi/MAJOR:MINOR/read_ahead_kb; that
 * only sticks after the kernel has processed our INIT reply, so it is done
 * on the first OPEN. Anyone else keeps the kernel's window. */
#ifndef CTR_FS_READAHEAD_H
#define CTR_FS_READAHEAD_H

#include <stdatomic.h>

struct readahead_tuning {
	char bdi[32];           /* "MAJOR:MINOR" of the mount, "" when unknown */
	unsigned kib;           /* wanted window, 0 = leave the kernel's */
	atomic_bool done;
};

/* Finds the mount's device right after mount(2); reads CTRFS_READAHEAD_KB
 * (default 512, 0 = off). */
void readahead_prepare(struct readahead_tuning *t, const char *mountpoint);

/* Sets the window once; cheap on every later call. Failures are silent:
 * read-ahead is only an optimisation. */
void readahead_apply_once(struct readahead_tuning *t);

#endif
