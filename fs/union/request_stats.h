/* Per-opcode request counters: how many FUSE round trips each workload
 * costs. Counting is always on (one relaxed atomic add per request); the
 * table is printed to stderr at exit when CTRFS_STATS=1 is set. */
#ifndef CTR_FS_REQUEST_STATS_H
#define CTR_FS_REQUEST_STATS_H

#include <stdint.h>

enum request_kind {
	REQ_LOOKUP,
	REQ_FORGET,
	REQ_FORGET_MULTI,
	REQ_GETATTR,
	REQ_SETATTR,
	REQ_READLINK,
	REQ_MKNOD,
	REQ_MKDIR,
	REQ_SYMLINK,
	REQ_LINK,
	REQ_UNLINK,
	REQ_RMDIR,
	REQ_RENAME,
	REQ_OPEN,
	REQ_CREATE,
	REQ_READ,
	REQ_WRITE_BUF,
	REQ_RELEASE,
	REQ_FSYNC,
	REQ_FALLOCATE,
	REQ_LSEEK,
	REQ_OPENDIR,
	REQ_READDIR,
	REQ_READDIRPLUS,
	REQ_RELEASEDIR,
	REQ_FSYNCDIR,
	REQ_STATFS,
	REQ_SETXATTR,
	REQ_GETXATTR,
	REQ_LISTXATTR,
	REQ_REMOVEXATTR,
	REQ_KINDS
};

extern uint64_t request_counts[REQ_KINDS];

static inline void request_count(enum request_kind kind)
{
	__atomic_add_fetch(&request_counts[kind], 1, __ATOMIC_RELAXED);
}

/* Prints the non-zero counters if CTRFS_STATS=1. */
void request_stats_report(void);

#endif
