/* Leaving the kernel's writeback cache when the upper filesystem runs low.
 *
 * With the writeback cache, write(2) only fills the kernel's page cache: the
 * data reaches the daemon later, in the kernel's writeback, and a write the
 * disk refuses then can only be reported late (writeback_error.h). So while
 * the upper filesystem has less than a threshold free, a file opened
 * write-only gets FOPEN_DIRECT_IO: each write(2) becomes a WRITE to the
 * daemon and gets the backing filesystem's own answer, ENOSPC at the write
 * that does not fit, as on that filesystem alone. Where space is plentiful
 * nothing changes but one fstatfs(2) per open for writing (0.2-0.3 us).
 *
 * Files opened read-write keep the cache: a shared mmap(2) of a direct-I/O
 * file needs FUSE_DIRECT_IO_ALLOW_MMAP, which libfuse 3.14 cannot ask for,
 * and would fail with ENODEV. Their failed writebacks are handled by
 * writeback_error.h. */
#ifndef CTR_FS_LOW_SPACE_H
#define CTR_FS_LOW_SPACE_H

#include <stdbool.h>
#include <stdint.h>

#include <ctr/error.h>

/* Well above what the kernel lets one FUSE mount keep dirty (the bdi's
 * max_bytes: 1% of the dirty limit, 48 MB on a 23 GiB machine), so that a
 * file opened just above it can still hand its backlog to the disk. */
#define LOW_SPACE_DEFAULT ((uint64_t)256 << 20)

struct low_space {
	uint64_t threshold;   /* bytes free below which writes go through; 0: never */
};

/* A size: decimal bytes with an optional K, M, G or T suffix (powers of
 * 1024, any case). 0 on success, -1 on anything else. */
int low_space_parse(const char *text, uint64_t *bytes);

/* The threshold from CTRFS_LOW_SPACE, LOW_SPACE_DEFAULT without it (or
 * when empty); -1 with err set when it is not a size. */
int low_space_init(struct low_space *ls, struct ctr_error *err);

/* Whether the filesystem of fd (the upper dir) has less than the threshold
 * available to unprivileged users (f_bavail). False when fstatfs fails. */
bool low_space_now(const struct low_space *ls, int fd);

#endif
