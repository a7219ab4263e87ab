/* A container's output into state.db without ever stopping the monitor: the
 * monitor's loop queues chunks in memory, a thread writes them in batched
 * BEGIN IMMEDIATE transactions over its own connection, and trims the
 * oldest when the log outgrows its limit. docker's log modes:
 *   blocking (the default): while the queue is full (the database is locked
 *     by another process, or slow) the monitor stops reading the container's
 *     output, so the container's writes wait; nothing is lost.
 *   non-blocking: the monitor always reads; what does not fit in the buffer
 *     (max-buffer-size) is dropped.
 * When writing fails (a full disk) the writer keeps the queue and retries,
 * and the monitor reads on, dropping what does not fit. Whatever is dropped
 * is recorded by marker rows at its place in the log (ctr_db_log_chunk's
 * lost_bytes): when the next output is queued, or at the end; there, on a
 * disk that is still full, written from a reserve of disk space
 * (log_reserve.h). */
#ifndef CTRRUN_LOG_WRITER_H
#define CTRRUN_LOG_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctr/db.h"
#include "ctr/error.h"

struct log_writer;

/* STATE_DIR holds state.db. The container's log options (mode, buffer,
 * retention) are read from its container_logging row. */
int ctr_log_writer_start(struct log_writer **out, const char *state_dir, const char *id, struct ctr_error *err);
/* Whether the monitor should read the container's output now. False only
 * in blocking mode while the queue is full; the monitor then polls
 * ctr_log_writer_wake_fd, which becomes readable when that may have changed
 * (call ctr_log_writer_accepts again after reading it). */
bool ctr_log_writer_accepts(struct log_writer *w);
int ctr_log_writer_wake_fd(struct log_writer *w);
/* Clears the wake fd's readiness. */
void ctr_log_writer_woken(struct log_writer *w);
/* Queues a copy of DATA, or drops it (counted for a marker) when the queue
 * is full. Never waits. */
void ctr_log_writer_push(struct log_writer *w, enum ctr_db_stream stream, const void *data, size_t len, int64_t time_ns);
/* Writes everything queued (and the markers of what was dropped), stops the
 * thread, frees W. It waits while another process holds the database (the
 * exit cannot be recorded meanwhile either); on a full disk it retries for
 * LOG_WRITER_FINISH_RETRY_MS, then writes markers for the rest from the
 * reserve. -1 with *err when output was lost because it could not be
 * written (the first failure; markers say where, if they could be
 * written). */
int ctr_log_writer_finish(struct log_writer *w, struct ctr_error *err);

#define LOG_WRITER_FINISH_RETRY_MS 3000

#endif
