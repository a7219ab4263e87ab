/* The log writer thread. Invariant: every pushed chunk is either in the
 * queue or written (or counted as lost in err after a failed write); the
 * queue never holds more than LOG_WRITER_QUEUE_MAX bytes. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_writer.h"

/* What may wait in memory for SQLite, headers included: a chatty container
 * writing tiny chunks costs more in headers than in data. */
#define LOG_WRITER_QUEUE_MAX (2u * 1024 * 1024)
#define CHUNK_COST(len) ((len) + sizeof(struct queued_chunk) + 16)

struct queued_chunk {
	struct queued_chunk *next;
	enum ctr_db_stream stream;
	int64_t time_ns;
	size_t len;
	unsigned char data[];
};

struct log_writer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t has_data, has_room;
	struct queued_chunk *head, *tail;
	size_t queued_bytes;
	bool stopping;
	struct ctr_db *db;
	char id[CTR_DB_ID_LEN + 1];
	int64_t max_bytes, log_bytes;
	bool failed;
	struct ctr_error err;
};

/* Writes one batch; called without the lock. */
static void write_batch(struct log_writer *w, struct queued_chunk *list)
{
	size_t n = 0;
	for (struct queued_chunk *c = list; c; c = c->next)
		n++;
	struct ctr_db_log_chunk *chunks = calloc(n, sizeof *chunks);
	if (!chunks) {
		if (!w->failed)
			ctr_fail(&w->err, ENOMEM, "log of container %.12s: out of memory", w->id);
		w->failed = true;
		return;
	}
	size_t i = 0;
	int64_t bytes = 0;
	for (struct queued_chunk *c = list; c; c = c->next, i++) {
		chunks[i] = (struct ctr_db_log_chunk){.stream = c->stream, .time_ns = c->time_ns, .data = c->data,
						      .len = c->len};
		bytes += (int64_t)c->len;
	}
	struct ctr_error err = {0};
	if (ctr_db_append_logs(w->db, w->id, chunks, n, &err) != CTR_DB_OK) {
		if (!w->failed)
			w->err = err;
		w->failed = true;
	} else {
		w->log_bytes += bytes;
	}
	free(chunks);
	/* Retention: back under the limit with a tenth to spare, so that a
	 * chatty container does not trim on every batch. */
	if (w->max_bytes > 0 && w->log_bytes > w->max_bytes) {
		int64_t dropped = 0;
		if (ctr_db_trim_logs(w->db, w->id, w->log_bytes - w->max_bytes + w->max_bytes / 10, &dropped, &err) ==
		    CTR_DB_OK)
			w->log_bytes -= dropped;
	}
}

static void *writer_main(void *arg)
{
	struct log_writer *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->has_data, &w->lock);
		if (!w->head && w->stopping)
			break;
		struct queued_chunk *batch = w->head;
		w->head = w->tail = NULL;
		w->queued_bytes = 0;
		pthread_cond_broadcast(&w->has_room);
		pthread_mutex_unlock(&w->lock);
		write_batch(w, batch);
		while (batch) {
			struct queued_chunk *next = batch->next;
			free(batch);
			batch = next;
		}
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int log_writer_start(struct log_writer **out, const char *state_dir, const char *id, int64_t max_bytes,
		     struct ctr_error *err)
{
	struct log_writer *w = calloc(1, sizeof *w);
	if (!w)
		return ctr_fail(err, ENOMEM, "log writer");
	snprintf(w->id, sizeof w->id, "%s", id);
	w->max_bytes = max_bytes;
	if (ctr_db_open_dir(&w->db, state_dir, err) != CTR_DB_OK ||
	    ctr_db_log_bytes(w->db, id, &w->log_bytes, err) != CTR_DB_OK) {
		if (w->db)
			ctr_db_close(w->db);
		free(w);
		return -1;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->has_data, NULL);
	pthread_cond_init(&w->has_room, NULL);
	int rc = pthread_create(&w->thread, NULL, writer_main, w);
	if (rc != 0) {
		ctr_db_close(w->db);
		free(w);
		return ctr_fail(err, rc, "cannot start the log writer thread");
	}
	*out = w;
	return 0;
}

void log_writer_push(struct log_writer *w, enum ctr_db_stream stream, const void *data, size_t len, int64_t time_ns)
{
	if (len == 0)
		return;
	struct queued_chunk *c = malloc(sizeof *c + len);
	if (!c) {
		pthread_mutex_lock(&w->lock);
		if (!w->failed)
			ctr_fail(&w->err, ENOMEM, "log of container %.12s: out of memory, output lost", w->id);
		w->failed = true;
		pthread_mutex_unlock(&w->lock);
		return;
	}
	*c = (struct queued_chunk){.stream = stream, .time_ns = time_ns, .len = len};
	memcpy(c->data, data, len);
	pthread_mutex_lock(&w->lock);
	while (w->queued_bytes > LOG_WRITER_QUEUE_MAX)
		pthread_cond_wait(&w->has_room, &w->lock);
	if (w->tail)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	w->queued_bytes += CHUNK_COST(len);
	pthread_cond_signal(&w->has_data);
	pthread_mutex_unlock(&w->lock);
}

int log_writer_finish(struct log_writer *w, struct ctr_error *err)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->has_data);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	int rc = 0;
	if (w->failed) {
		*err = w->err;
		rc = -1;
	}
	ctr_db_close(w->db);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->has_data);
	pthread_cond_destroy(&w->has_room);
	free(w);
	return rc;
}
