/* The log writer thread. Invariants: every pushed byte is in the queue,
 * written, or counted in a gap (dropped, to be recorded by a marker at its
 * place); a gap is closed by marker items queued ahead of the next accepted
 * chunk, or at the end. The queue's cost (chunks being written included)
 * stays under the bound, but for the one chunk (at most one read) that
 * crosses it. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log_reserve.h"
#include "log_writer.h"
#include "rfc3339.h"

/* Blocking mode: what may wait in memory for SQLite, headers included (a
 * chatty container writing tiny chunks costs more in headers than in data).
 * With a full pipe (1 MiB) in front of it, this is what a container gets
 * written before its writes wait. */
#define LOG_WRITER_QUEUE_MAX (2u * 1024 * 1024)
#define CHUNK_COST(len) ((len) + sizeof(struct item) + 16)
/* Retries of a write that failed for another reason than a held lock:
 * 100 ms, doubling up to 1 s. */
#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 1000

/* A queued chunk of output, or a marker (lost > 0; data is its note). */
struct item {
	struct item *next;
	enum ctr_db_stream stream;
	int64_t time_ns;
	int64_t lost;
	size_t len;
	unsigned char data[];
};

/* Output dropped since the last accepted chunk, per stream (index 1, 2). */
struct gap {
	int64_t bytes[3];
	int64_t first_ns[3], last_ns[3];
	char why[112];  /* the reason, for its markers' note */
};

struct log_writer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t has_data;   /* the queue got items, or stopping */
	int wake_fd;               /* eventfd: the monitor may read again */
	bool monitor_waits;        /* the monitor saw accepts() false and polls wake_fd */
	struct item *head, *tail;
	size_t cost;               /* of the queue */
	size_t inflight;           /* of the batch being written: memory too */
	size_t bound;
	bool non_blocking;
	bool write_failing;        /* the last write failed (not for a lock): the monitor reads on and drops */
	bool gone;                 /* the container's row is gone (rm -f): nothing can be written */
	bool stopping;
	bool ends_line[3];         /* the last accepted byte of the stream was a newline (or none yet) */
	struct gap gap;
	char failing_why[112];     /* while write_failing: why, for markers */
	/* The writer thread's own. */
	bool stored_ends_line[3];  /* the same for the last byte written */
	int64_t rearm_ms;          /* when the reserve was last tried again */
	struct ctr_db *db;
	char id[CTR_DB_ID_LEN + 1];
	int64_t max_bytes, log_bytes;
	struct log_reserve reserve;
	int64_t lost_unmarked;     /* bytes lost with no marker written for them */
	int64_t lost_marked;
	bool failed;
	struct ctr_error err;
};

static const char *stream_name(int s)
{
	return s == CTR_DB_STDERR ? "stderr" : "stdout";
}

static void wake_monitor(struct log_writer *w)
{
	if (!w->monitor_waits)
		return;
	w->monitor_waits = false;
	uint64_t one = 1;
	if (write(w->wake_fd, &one, sizeof one) < 0) {
		/* EAGAIN: it is readable already */
	}
}

static void append(struct log_writer *w, struct item *it)
{
	it->next = NULL;
	if (w->tail)
		w->tail->next = it;
	else
		w->head = it;
	w->tail = it;
	w->cost += CHUNK_COST(it->len);
}

/* The marker items of the open gap, appended to the list *HEAD..*TAIL
 * (the queue, under the lock); the gap is then closed. A marker's note is
 * one whole line: it starts with a newline when its stream's last byte
 * before it (ENDS_LINE) was not one. Returns the items' cost. */
static size_t close_gap(struct log_writer *w, struct item **head, struct item **tail, bool ends_line[3])
{
	size_t cost = 0;
	for (int s = CTR_DB_STDOUT; s <= CTR_DB_STDERR; s++) {
		if (w->gap.bytes[s] == 0)
			continue;
		char from[48], to[48], note[512];
		ctr_rfc3339_nano(w->gap.first_ns[s], from, sizeof from);
		ctr_rfc3339_nano(w->gap.last_ns[s], to, sizeof to);
		int n = snprintf(note, sizeof note, "%sctrrun: %lld bytes of %s lost here (read from %s to %s): %s\n",
				 ends_line[s] ? "" : "\n", (long long)w->gap.bytes[s], stream_name(s), from, to,
				 w->gap.why);
		size_t len = n < 0 ? 0 : (size_t)n >= sizeof note ? sizeof note - 1 : (size_t)n;
		struct item *it = malloc(sizeof *it + len);
		if (!it) {
			w->lost_unmarked += w->gap.bytes[s];
			continue;
		}
		*it = (struct item){.stream = (enum ctr_db_stream)s, .time_ns = w->gap.first_ns[s],
				    .lost = w->gap.bytes[s], .len = len};
		memcpy(it->data, note, len);
		if (*tail)
			(*tail)->next = it;
		else
			*head = it;
		*tail = it;
		cost += CHUNK_COST(len);
		ends_line[s] = true;
	}
	memset(&w->gap, 0, sizeof w->gap);
	return cost;
}

static void queue_gap(struct log_writer *w)
{
	w->cost += close_gap(w, &w->head, &w->tail, w->ends_line);
}

static bool gap_open(const struct log_writer *w)
{
	return w->gap.bytes[CTR_DB_STDOUT] || w->gap.bytes[CTR_DB_STDERR];
}

static void drop(struct log_writer *w, int s, int64_t bytes, int64_t time_ns, const char *why)
{
	if (w->gap.bytes[s] == 0)
		w->gap.first_ns[s] = time_ns;
	w->gap.bytes[s] += bytes;
	w->gap.last_ns[s] = time_ns;
	if (!w->gap.why[0])
		snprintf(w->gap.why, sizeof w->gap.why, "%s", why);
}

static void free_items(struct item *it)
{
	while (it) {
		struct item *next = it->next;
		free(it);
		it = next;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes a list of items in one transaction (without the lock). */
static int write_items(struct log_writer *w, struct item *list, struct ctr_error *err)
{
	size_t n = 0;
	for (struct item *c = list; c; c = c->next)
		n++;
	struct ctr_db_log_chunk *chunks = calloc(n, sizeof *chunks);
	if (!chunks)
		return ctr_fail(err, ENOMEM, "log of container %.12s", w->id), CTR_DB_ERROR;
	size_t i = 0;
	for (struct item *c = list; c; c = c->next, i++)
		chunks[i] = (struct ctr_db_log_chunk){.stream = c->stream, .time_ns = c->time_ns, .data = c->data,
						      .len = c->len, .lost_bytes = c->lost};
	int rc = ctr_db_append_logs(w->db, w->id, chunks, n, err);
	free(chunks);
	return rc;
}

static int64_t data_bytes(const struct item *list)
{
	int64_t bytes = 0;
	for (const struct item *c = list; c; c = c->next)
		bytes += (int64_t)c->len;
	return bytes;
}

/* Retention: back under the limit with a tenth to spare, so that a chatty
 * container does not trim on every batch. */
static void trim(struct log_writer *w)
{
	if (w->max_bytes <= 0 || w->log_bytes <= w->max_bytes)
		return;
	struct ctr_error err;
	int64_t dropped = 0;
	if (ctr_db_trim_logs(w->db, w->id, w->log_bytes - w->max_bytes + w->max_bytes / 10, &dropped, &err) ==
	    CTR_DB_OK)
		w->log_bytes -= dropped;
}

/* Markers even when the disk is full: if there is no room, the reserve's
 * space is given back to the file system and the write tried again. The one
 * way the log's markers use the disk reserve. */
static int write_markers_even_if_full(struct log_writer *w, struct item *markers, struct ctr_error *err)
{
	int rc = write_items(w, markers, err);
	if (rc == CTR_DB_FULL && ctr_log_reserve_release(&w->reserve))
		rc = write_items(w, markers, err);
	return rc;
}

/* At the end, with writes still failing: what is queued (LIST) joins the
 * gap, and the gap's markers are written from the reserve. Called with the
 * lock held; drops it around the write. */
static void give_up(struct log_writer *w, struct item *list)
{
	for (struct item *c = list; c; c = c->next)  /* earlier markers, unwritten, count as lost */
		drop(w, c->stream, c->lost ? c->lost : (int64_t)c->len, c->time_ns, w->failing_why);
	free_items(list);
	int64_t lost = w->gap.bytes[CTR_DB_STDOUT] + w->gap.bytes[CTR_DB_STDERR];
	struct item *markers = NULL, *tail = NULL;
	bool ends_line[3];
	memcpy(ends_line, w->stored_ends_line, sizeof ends_line);
	close_gap(w, &markers, &tail, ends_line);
	pthread_mutex_unlock(&w->lock);
	struct ctr_error err = {0};
	int rc = markers ? write_markers_even_if_full(w, markers, &err) : CTR_DB_OK;
	free_items(markers);
	pthread_mutex_lock(&w->lock);
	if (rc == CTR_DB_OK)
		w->lost_marked += lost;
	else
		w->lost_unmarked += lost;
}

static void remember_failure(struct log_writer *w, const struct ctr_error *err)
{
	if (!w->failed)
		w->err = *err;
	w->failed = true;
}

/* After a batch was written: what its streams' last bytes were. */
static void note_stored(struct log_writer *w, const struct item *batch)
{
	for (const struct item *c = batch; c; c = c->next)
		w->stored_ends_line[c->stream] = c->lost || c->data[c->len - 1] == '\n';
}

static void *writer_main(void *arg)
{
	struct log_writer *w = arg;
	int retry_ms = RETRY_FIRST_MS;
	int64_t give_up_at = -1;  /* while stopping and failing */
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->has_data, &w->lock);
		if (!w->head && w->stopping)
			break;
		/* The batch: all that is queued. Its cost stays counted (inflight)
		 * until it is written, so memory stays bounded while a write waits. */
		struct item *batch = w->head;
		w->inflight = w->cost;
		w->head = w->tail = NULL;
		w->cost = 0;
		pthread_mutex_unlock(&w->lock);
		struct ctr_error err = {0};
		int rc = w->gone ? CTR_DB_NOT_FOUND : write_items(w, batch, &err);
		if (rc == CTR_DB_OK) {
			w->log_bytes += data_bytes(batch);
			note_stored(w, batch);
			trim(w);
			if (!w->reserve.held && now_ms() - w->rearm_ms >= 1000) {
				w->rearm_ms = now_ms();
				ctr_log_reserve_rearm(&w->reserve);
			}
		}
		pthread_mutex_lock(&w->lock);
		if (rc == CTR_DB_OK || rc == CTR_DB_NOT_FOUND) {
			/* Written, or the container is gone (rm -f): nothing more
			 * can be written, and nobody would read it. */
			if (rc == CTR_DB_NOT_FOUND)
				w->gone = true;
			for (struct item *c = batch; c && rc == CTR_DB_OK; c = c->next)
				w->lost_marked += c->lost;
			free_items(batch);
			w->inflight = 0;
			w->write_failing = false;
			retry_ms = RETRY_FIRST_MS;
			give_up_at = -1;
			wake_monitor(w);
			continue;
		}
		/* Not written: the batch goes back in front of what came since. */
		struct item *last = batch;
		while (last->next)
			last = last->next;
		last->next = w->head;
		w->head = batch;
		if (!w->tail)
			w->tail = last;
		w->cost += w->inflight;
		w->inflight = 0;
		if (rc == CTR_DB_BUSY)
			continue;  /* another process holds the lock: the busy timeout waited; again */
		/* A full disk, or worse: keep the queue, let the monitor read on
		 * (it drops what does not fit), retry after a while. */
		remember_failure(w, &err);
		if (!w->write_failing) {
			w->write_failing = true;
			snprintf(w->failing_why, sizeof w->failing_why, "%s",
				 rc == CTR_DB_FULL ? "the disk was full" : "the state database could not be written");
		}
		wake_monitor(w);
		if (w->stopping) {
			if (give_up_at < 0)
				give_up_at = now_ms() + LOG_WRITER_FINISH_RETRY_MS;
			if (now_ms() >= give_up_at) {
				struct item *all = w->head;
				w->head = w->tail = NULL;
				w->cost = 0;
				give_up(w, all);
				break;
			}
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += retry_ms / 1000;
		until.tv_nsec += (long)(retry_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&w->has_data, &w->lock, &until);
		retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry_ms * 2;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void writer_free(struct log_writer *w)
{
	if (w->db)
		ctr_db_close(w->db);
	ctr_log_reserve_close(&w->reserve);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	free(w);
}

int ctr_log_writer_start(struct log_writer **out, const char *state_dir, const char *id, struct ctr_error *err)
{
	struct log_writer *w = calloc(1, sizeof *w);
	if (!w)
		return ctr_fail(err, ENOMEM, "log writer");
	w->wake_fd = -1;
	snprintf(w->id, sizeof w->id, "%s", id);
	w->ends_line[CTR_DB_STDOUT] = w->ends_line[CTR_DB_STDERR] = true;
	w->stored_ends_line[CTR_DB_STDOUT] = w->stored_ends_line[CTR_DB_STDERR] = true;
	struct ctr_db_log_config cfg = {0};
	if (ctr_db_open_dir(&w->db, state_dir, err) != CTR_DB_OK ||
	    ctr_db_get_log_config(w->db, id, &cfg, err) != CTR_DB_OK ||
	    ctr_db_log_bytes(w->db, id, &w->log_bytes, err) != CTR_DB_OK) {
		writer_free(w);
		return -1;
	}
	w->non_blocking = cfg.mode == CTR_DB_LOG_NON_BLOCKING;
	w->bound = w->non_blocking ? (size_t)cfg.max_buffer_bytes : LOG_WRITER_QUEUE_MAX;
	w->max_bytes = cfg.max_size_bytes;
	ctr_db_log_config_free(&cfg);
	if ((w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		ctr_fail(err, errno, "log writer: eventfd");
		writer_free(w);
		return -1;
	}
	ctr_log_reserve_open(&w->reserve, state_dir, id);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->has_data, NULL);
	int rc = pthread_create(&w->thread, NULL, writer_main, w);
	if (rc != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->has_data);
		writer_free(w);
		return ctr_fail(err, rc, "cannot start the log writer thread");
	}
	*out = w;
	return 0;
}

bool ctr_log_writer_accepts(struct log_writer *w)
{
	pthread_mutex_lock(&w->lock);
	bool yes = w->non_blocking || w->write_failing || w->gone || w->cost + w->inflight < w->bound;
	if (!yes)
		w->monitor_waits = true;
	pthread_mutex_unlock(&w->lock);
	return yes;
}

int ctr_log_writer_wake_fd(struct log_writer *w)
{
	return w->wake_fd;
}

void ctr_log_writer_woken(struct log_writer *w)
{
	uint64_t v;
	if (read(w->wake_fd, &v, sizeof v) < 0) {
		/* EAGAIN: nothing pending */
	}
}

void ctr_log_writer_push(struct log_writer *w, enum ctr_db_stream stream, const void *data, size_t len, int64_t time_ns)
{
	if (len == 0)
		return;
	int s = stream == CTR_DB_STDERR ? CTR_DB_STDERR : CTR_DB_STDOUT;
	pthread_mutex_lock(&w->lock);
	/* Full: dropped (the first chunk into an empty queue always fits).
	 * Blocking mode while writes work: taken, the monitor stops reading
	 * (ctr_log_writer_accepts), so the queue grows by one read at most. */
	size_t held = w->cost + w->inflight;
	bool full = held > 0 && held + CHUNK_COST(len) > w->bound;
	if (w->gone || (full && (w->non_blocking || w->write_failing))) {
		char why[112];
		if (w->write_failing)
			snprintf(why, sizeof why, "%s", w->failing_why);
		else
			snprintf(why, sizeof why, "the log buffer was full (mode=non-blocking, max-buffer-size %zu bytes)",
				 w->bound);
		if (!w->gone)
			drop(w, s, (int64_t)len, time_ns, why);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	struct item *c = malloc(sizeof *c + len);
	if (!c) {
		drop(w, s, (int64_t)len, time_ns, "out of memory");
		pthread_mutex_unlock(&w->lock);
		return;
	}
	if (gap_open(w))
		queue_gap(w);
	*c = (struct item){.stream = stream, .time_ns = time_ns, .len = len};
	memcpy(c->data, data, len);
	append(w, c);
	w->ends_line[s] = c->data[len - 1] == '\n';
	pthread_cond_signal(&w->has_data);
	pthread_mutex_unlock(&w->lock);
}

int ctr_log_writer_finish(struct log_writer *w, struct ctr_error *err)
{
	pthread_mutex_lock(&w->lock);
	if (gap_open(w))
		queue_gap(w);  /* written with the rest, or from the reserve */
	w->stopping = true;
	pthread_cond_signal(&w->has_data);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	int rc = 0;
	if (w->lost_unmarked > 0 || (w->failed && w->lost_marked > 0)) {
		/* What was lost for a failed write (a full buffer in non-blocking
		 * mode is the user's choice, and its markers say enough). */
		ctr_fail(err, 0, "log of container %.12s: %lld bytes of output lost (%s), %s: %s", w->id,
			 (long long)(w->lost_unmarked + w->lost_marked), w->failing_why,
			 w->lost_unmarked ? "not all of them marked in the log" : "marked in the log", w->err.msg);
		rc = -1;
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->has_data);
	writer_free(w);
	return rc;
}
