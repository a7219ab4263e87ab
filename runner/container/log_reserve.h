/* Disk space kept aside for the log's marker rows: on a full disk the
 * monitor still records where output was lost. A file of LOG_RESERVE_BYTES
 * (fallocate'd, so its blocks are really taken) in the container's
 * directory, made when the monitor starts; deleted to make room for the
 * markers when the disk is full, made again once writes succeed. Everything
 * here is best effort: without a reserve, markers are written when space
 * comes back, or lost with the rest (and the monitor says so). */
#ifndef CTRRUN_LOG_RESERVE_H
#define CTRRUN_LOG_RESERVE_H

#include <stdbool.h>

/* A marker transaction writes a few pages (the logs table's and its two
 * indexes' leaves, a pointer-map page, the header) into the WAL and, at the
 * checkpoint, at most as many into state.db: 4 KiB each plus frame headers.
 * Room for a few times that, and for the file system's own blocks. */
#define LOG_RESERVE_BYTES (256 * 1024)

struct log_reserve {
	char *path;  /* STATE_DIR/containers/ID/log-reserve; NULL: none possible */
	bool held;   /* the file exists with its blocks */
};

/* Makes the reserve file (or finds it made). */
void ctr_log_reserve_open(struct log_reserve *r, const char *state_dir, const char *id);
/* Gives its space back to the file system (the reserve is then not held).
 * True if there was a reserve to give. */
bool ctr_log_reserve_release(struct log_reserve *r);
/* Takes the space again if it was given back and the disk has it. */
void ctr_log_reserve_rearm(struct log_reserve *r);
/* Deletes the file and frees R's memory. */
void ctr_log_reserve_close(struct log_reserve *r);

#endif
