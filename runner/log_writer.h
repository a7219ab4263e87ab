/* A container's output into state.db without making the container wait on
 * SQLite: the monitor's reading loop queues chunks in memory, a thread
 * writes them in batched BEGIN IMMEDIATE transactions over its own
 * connection, and trims the oldest when the log outgrows its limit. */
#ifndef CTRRUN_LOG_WRITER_H
#define CTRRUN_LOG_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "ctr/db.h"
#include "ctr/error.h"

#define LOG_WRITER_DEFAULT_MAX (100LL * 1024 * 1024)  /* --log-max-size default */

struct log_writer;

/* STATE_DIR holds state.db. MAX_BYTES: the log's retention limit (<= 0: none). */
int log_writer_start(struct log_writer **out, const char *state_dir, const char *id, int64_t max_bytes,
		     struct ctr_error *err);
/* Queues a copy of DATA. Waits only when SQLite has fallen behind by more
 * than the queue's bound (LOG_WRITER_QUEUE_MAX): memory stays bounded. */
void log_writer_push(struct log_writer *w, enum ctr_db_stream stream, const void *data, size_t len, int64_t time_ns);
/* Writes everything queued, stops the thread, frees W. -1 with *err when a
 * write failed on the way (the first failure). */
int log_writer_finish(struct log_writer *w, struct ctr_error *err);

#endif
