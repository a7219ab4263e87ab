/* The log's reserve file. Invariant: held is true only while the file
 * exists with LOG_RESERVE_BYTES of allocated blocks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log_reserve.h"

static bool allocate(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return false;
	int rc = posix_fallocate(fd, 0, LOG_RESERVE_BYTES);
	if (rc == EOPNOTSUPP || rc == EINVAL) {
		/* A file system without fallocate: zeros take the blocks. */
		static const char zeros[64 * 1024];
		rc = 0;
		for (off_t at = 0; rc == 0 && at < LOG_RESERVE_BYTES; at += (off_t)sizeof zeros)
			if (pwrite(fd, zeros, sizeof zeros, at) != (ssize_t)sizeof zeros)
				rc = errno ? errno : ENOSPC;
		if (rc == 0 && fdatasync(fd) < 0)
			rc = errno;
	}
	close(fd);
	if (rc != 0) {
		unlink(path);
		return false;
	}
	return true;
}

void ctr_log_reserve_open(struct log_reserve *r, const char *state_dir, const char *id)
{
	r->held = false;
	if (asprintf(&r->path, "%s/containers/%s/log-reserve", state_dir, id) < 0) {
		r->path = NULL;
		return;
	}
	r->held = allocate(r->path);
}

bool ctr_log_reserve_release(struct log_reserve *r)
{
	if (!r->path || !r->held)
		return false;
	r->held = false;
	return unlink(r->path) == 0;
}

void ctr_log_reserve_rearm(struct log_reserve *r)
{
	if (r->path && !r->held)
		r->held = allocate(r->path);
}

void ctr_log_reserve_close(struct log_reserve *r)
{
	if (r->path)
		unlink(r->path);
	free(r->path);
	r->path = NULL;
	r->held = false;
}
