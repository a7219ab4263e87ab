/* The disk reserve: a file beside state.db (state.db.reserve) holding
 * CTR_DB_RESERVE_BYTES of allocated blocks, so that on a full file system
 * the state changes that must not fail (a container's exit, stop, kill, rm)
 * can still commit: when one of them fails because the file system is full,
 * the reserve is deleted, which gives its blocks back, and the change is
 * tried once more. The runner makes the reserve again once the file system
 * has room for it and as much again (ctr_db_reserve_refill).
 *
 * Invariant: the reserve exists under its name only whole. It is built as
 * an unnamed file (O_TMPFILE) and linked in when all its blocks are
 * allocated, so a process killed while making it leaves nothing; nobody
 * keeps it open, so deleting it frees its blocks at once. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "db_internal.h"

int db_reserve_init(struct ctr_db *db, struct ctr_error *err)
{
	if (asprintf(&db->reserve_path, "%s%s", db->path, CTR_DB_RESERVE_SUFFIX) < 0) {
		db->reserve_path = NULL;
		return ctr_fail(err, ENOMEM, "state db %s", db->path);
	}
	return CTR_DB_OK;
}

bool ctr_db_reserve_held(const struct ctr_db *db)
{
	struct stat st;
	return db->reserve_path && lstat(db->reserve_path, &st) == 0 && S_ISREG(st.st_mode) &&
	       st.st_blocks * 512 >= CTR_DB_RESERVE_BYTES;
}

bool db_reserve_release(struct ctr_db *db)
{
	struct stat st;
	if (!db->reserve_path || lstat(db->reserve_path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	/* Truncated first: should anyone hold it open, the blocks still go. */
	int fd = open(db->reserve_path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		if (ftruncate(fd, 0) < 0) {
			/* unlinked below all the same */
		}
		close(fd);
	}
	return unlink(db->reserve_path) == 0 || errno == ENOENT;
}

bool db_retry_with_reserve(struct ctr_db *db, int result)
{
	/* SQLITE_FULL for ENOSPC on SQLite's files, an I/O error with ENOSPC
	 * for -shm growth (SQLITE_IOERR_SHMSIZE), with EDQUOT for a quota. */
	if (result == CTR_DB_OK || db_failure_result(db) != CTR_DB_FULL)
		return false;
	db->last_code = db->last_errno = 0;
	return db_reserve_release(db);
}

/* Allocates LEN bytes to FD: fallocate, else zeros written (a file system
 * without fallocate). */
static int allocate(int fd, off_t len)
{
	if (fallocate(fd, 0, 0, len) == 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
	static const char zeros[65536];
	for (off_t done = 0; done < len;) {
		ssize_t n = pwrite(fd, zeros, sizeof zeros, done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return fdatasync(fd);
}

bool ctr_db_reserve_refill(struct ctr_db *db)
{
	if (!db->reserve_path)
		return false;
	if (ctr_db_reserve_held(db))
		return true;
	_cleanup_free_ char *copy = strdup(db->reserve_path);
	if (!copy)
		return false;
	const char *dir = dirname(copy);
	struct statvfs vfs;
	/* Only with room for the reserve and as much again: right after the
	 * reserve went, the file system has just its size free, and taking it
	 * back then would leave the next state change where the last one was. */
	if (statvfs(dir, &vfs) < 0 ||
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < 2 * (uint64_t)CTR_DB_RESERVE_BYTES)
		return false;
	/* A partial one (made without O_TMPFILE by a process that died) goes. */
	unlink(db->reserve_path);
	_cleanup_close_ int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	bool named = false;
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		fd = open(db->reserve_path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		named = true;
	}
	if (fd < 0)
		return false;
	if (allocate(fd, CTR_DB_RESERVE_BYTES) < 0) {
		if (named)
			unlink(db->reserve_path);
		return false;
	}
	if (named)
		return true;
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	/* EEXIST: another process made it meanwhile; this copy vanishes. */
	return linkat(AT_FDCWD, proc, AT_FDCWD, db->reserve_path, AT_SYMLINK_FOLLOW) == 0 || errno == EEXIST;
}
