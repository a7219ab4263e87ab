/* A WRITE of the kernel's writeback that the upper filesystem refused.
 *
 * With the writeback cache, write(2) said yes long before the data reached
 * the daemon. When the WRITE that carries it fails (ENOSPC, EDQUOT, EIO),
 * the kernel keeps the pages (clean, up to date) and its own idea of the
 * file's size, and reports the error at the next fsync(2) and close(2) of
 * the file. Left alone, the mount goes on showing data that is not on disk:
 * 200 MiB read back through it while the upper file held 56 MiB.
 * So, for a refused writeback:
 *
 * - before the reply, the upper file is extended to the end of the refused
 *   range (a hole: this needs no data blocks), so that its size is the size
 *   the kernel keeps; and the kernel's attributes of the file are dropped,
 *   so that the writer's next write(2) asks for them (a GETATTR with its
 *   file handle, writeback_error_take) and gets the error then, instead of
 *   filling the cache with more data that cannot be stored (an
 *   lseek(SEEK_END) through a writable descriptor asks the same way, and
 *   can be the one told; fsync and close report it in any case);
 * - after the reply, the kernel's pages of the refused range are dropped,
 *   so that reads come from the upper file (zeros where data was refused).
 *   Not before: until the reply those pages are under writeback, and
 *   dropping them waits for it (a deadlock, seen on 6.18).
 *
 * So once fsync or close has reported the error, size and content seen
 * through the mount are the upper file's. The kernel reports the error
 * before the pages are dropped, a few microseconds earlier: a reader racing
 * into that window can still be served the refused data from the cache.
 * low_space.h keeps most writers out of this path. */
#ifndef CTR_FS_WRITEBACK_ERROR_H
#define CTR_FS_WRITEBACK_ERROR_H

#include <stdint.h>
#include <sys/types.h>

#include "union.h"

/* fs->size_lock (below); 0 or -errno. */
int writeback_error_init(struct union_fs *fs);

/* Before replying err to a writeback WRITE of node n (FUSE node id
 * `nodeid`, backing fd `fd`) whose bytes up to `end` were not all stored. */
void writeback_refused(struct union_fs *fs, struct node *n, uint64_t nodeid, int fd, off_t end, int err);

/* Held shared by every WRITE and fallocate while it may change the size of
 * a backing file: the extension above (fstat, then ftruncate) takes it
 * exclusively, so that it never cuts a file another WRITE just made longer. */
void writeback_size_hold(struct union_fs *fs);
void writeback_size_release(struct union_fs *fs);

/* After that reply: drops the kernel's cached pages of [off, end). May
 * wait for the kernel to write dirty pages of the range (other workers
 * serve those WRITEs). */
void writeback_drop_pages(struct union_fs *fs, uint64_t nodeid, off_t off, off_t end);

/* The error of a refused writeback of n that no writer was told yet (0:
 * none), cleared: for a GETATTR that comes with a writable file handle. */
int writeback_error_take(struct node *n);

#endif
