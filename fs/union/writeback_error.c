#include <errno.h>
#include <pthread.h>
#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <unistd.h>

#include "writeback_error.h"

int writeback_error_init(struct union_fs *fs)
{
	/* Writer first: WRITEs of other files keep coming while one waits. */
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	int r = pthread_rwlock_init(&fs->size_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	return -r;
}

void writeback_refused(struct union_fs *fs, struct node *n, uint64_t nodeid, int fd, off_t end, int err)
{
	struct stat st;
	pthread_rwlock_wrlock(&fs->size_lock);
	if (fstat(fd, &st) == 0 && st.st_size < end && ftruncate(fd, end) < 0) {
		/* Best effort: the file keeps its size, the pages still go. */
	}
	pthread_rwlock_unlock(&fs->size_lock);
	atomic_store(&n->wb_error, (unsigned char)(err > 0 && err < 256 ? err : EIO));
	/* Attributes only (offset < 0): no page is touched, so this cannot
	 * wait for the writeback this WRITE is part of. */
	fuse_lowlevel_notify_inval_inode(fs->se, nodeid, -1, 0);
}

void writeback_size_hold(struct union_fs *fs)
{
	pthread_rwlock_rdlock(&fs->size_lock);
}

void writeback_size_release(struct union_fs *fs)
{
	pthread_rwlock_unlock(&fs->size_lock);
}

void writeback_drop_pages(struct union_fs *fs, uint64_t nodeid, off_t off, off_t end)
{
	off_t page = sysconf(_SC_PAGESIZE);
	off_t from = off - off % page;   /* the page holding the first byte not stored */
	if (end > from)
		fuse_lowlevel_notify_inval_inode(fs->se, nodeid, from, end - from);
}

int writeback_error_take(struct node *n)
{
	if (!atomic_load_explicit(&n->wb_error, memory_order_relaxed))
		return 0;
	return atomic_exchange(&n->wb_error, 0);
}
