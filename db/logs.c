/* Container output: stored one row per chunk as read from the container
 * (lines are split only when read, by the log_lines view or the reader),
 * appended in batches, read in order of arrival, deleted in chunks;
 * marker rows where output was lost; trims that keep lines whole. */
#include <errno.h>
#include <stdlib.h>

#include "db_internal.h"

static int append_logs(struct ctr_db *db, const char *id, const struct ctr_db_log_chunk *chunks, size_t n,
		       struct ctr_error *err)
{
	int rc = db_container_exists(db, id, err);
	if (rc)
		return rc;
	_cleanup_stmt_ sqlite3_stmt *ins =
		db_prepare(db, "INSERT INTO logs (container_id, stream, time_ns, data, lost_bytes) "
			       "VALUES (?1, ?2, ?3, ?4, ?5)",
			   "appending to a container's log", err);
	if (!ins)
		return CTR_DB_ERROR;
	for (size_t i = 0; i < n; i++) {
		db_bind_text(ins, 1, id);
		db_bind_text(ins, 2, db_stream_name(chunks[i].stream));
		sqlite3_bind_int64(ins, 3, chunks[i].time_ns);
		sqlite3_bind_blob64(ins, 4, chunks[i].data, chunks[i].len, SQLITE_STATIC);
		if (chunks[i].lost_bytes > 0)
			sqlite3_bind_int64(ins, 5, chunks[i].lost_bytes);
		else
			sqlite3_bind_null(ins, 5);
		if (db_step_done(db, ins, "appending to a container's log", err))
			return CTR_DB_ERROR;
		sqlite3_reset(ins);
	}
	return CTR_DB_OK;
}

int ctr_db_append_logs(struct ctr_db *db, const char *id, const struct ctr_db_log_chunk *chunks, size_t n,
		       struct ctr_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (chunks[i].stream != CTR_DB_STDOUT && chunks[i].stream != CTR_DB_STDERR)
			return db_fail(db, err, CTR_DB_ERROR, "log chunk %zu: stream %d is neither stdout nor stderr",
				       i, (int)chunks[i].stream);
		if (chunks[i].len == 0 || !chunks[i].data)
			return db_fail(db, err, CTR_DB_ERROR, "log chunk %zu is empty", i);
		if (chunks[i].lost_bytes < 0)
			return db_fail(db, err, CTR_DB_ERROR, "log chunk %zu: %lld bytes lost", i,
				       (long long)chunks[i].lost_bytes);
	}
	if (n == 0)
		return CTR_DB_OK;
	int rc = db_begin_write(db, "appending to a container's log", err);
	if (rc == CTR_DB_OK)
		rc = db_end(db, append_logs(db, id, chunks, n, err), "appending to a container's log", err);
	/* The monitor waits on a lock and keeps its output on a full disk. */
	return rc == CTR_DB_ERROR ? db_failure_result(db) : rc;
}

static int read_logs(struct ctr_db *db, const char *id, int64_t after_seq, size_t max,
		     struct ctr_db_log_chunk **chunks, size_t *n, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "SELECT id, stream, time_ns, data, coalesce(lost_bytes, 0) FROM logs "
			       "WHERE container_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
			   "reading a container's log", err);
	if (!stmt)
		return CTR_DB_ERROR;
	db_bind_text(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, after_seq);
	sqlite3_bind_int64(stmt, 3, max == 0 || max > INT64_MAX ? -1 : (int64_t)max);  /* -1: no limit */
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (db_grow(db, (void **)chunks, &cap, *n + 1, sizeof **chunks, err))
			return CTR_DB_ERROR;
		struct ctr_db_log_chunk *c = &(*chunks)[(*n)++];
		memset(c, 0, sizeof *c);
		c->seq = sqlite3_column_int64(stmt, 0);
		const char *stream = (const char *)sqlite3_column_text(stmt, 1);
		c->stream = stream && strcmp(stream, "stderr") == 0 ? CTR_DB_STDERR : CTR_DB_STDOUT;
		c->time_ns = sqlite3_column_int64(stmt, 2);
		const void *data = sqlite3_column_blob(stmt, 3);
		c->len = (size_t)sqlite3_column_bytes(stmt, 3);
		if (!(c->data = malloc(c->len ? c->len : 1)))
			return ctr_fail(err, ENOMEM, "state db %s: reading a container's log", db->path);
		if (c->len)
			memcpy(c->data, data, c->len);
		c->lost_bytes = sqlite3_column_int64(stmt, 4);
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "reading a container's log");
	return CTR_DB_OK;
}

int ctr_db_read_logs(struct ctr_db *db, const char *id, int64_t after_seq, size_t max,
		     struct ctr_db_log_chunk **chunks, size_t *n, struct ctr_error *err)
{
	*chunks = NULL;
	*n = 0;
	int rc = read_logs(db, id, after_seq, max, chunks, n, err);
	if (rc) {
		ctr_db_log_chunks_free(*chunks, *n);
		*chunks = NULL;
		*n = 0;
	}
	return rc;
}

void ctr_db_log_chunks_free(struct ctr_db_log_chunk *chunks, size_t n)
{
	for (size_t i = 0; chunks && i < n; i++)
		free(chunks[i].data);
	free(chunks);
}

/* One chunk of the delete; *deleted says how many rows went. */
static int delete_some(struct ctr_db *db, const char *id, int64_t *deleted, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *del =
		db_prepare(db, "DELETE FROM logs WHERE id IN "
			       "(SELECT id FROM logs WHERE container_id = ?1 ORDER BY id LIMIT ?2)",
			   "deleting a container's log", err);
	if (!del)
		return CTR_DB_ERROR;
	db_bind_text(del, 1, id);
	sqlite3_bind_int(del, 2, db->delete_chunk_rows);
	if (db_step_done(db, del, "deleting a container's log", err))
		return CTR_DB_ERROR;
	*deleted = sqlite3_changes64(db->conn);
	return CTR_DB_OK;
}

int db_delete_logs_chunked(struct ctr_db *db, const char *id, struct ctr_error *err)
{
	/* Each chunk commits on its own, so the write lock is free between
	 * chunks for monitors appending to other logs. */
	int64_t deleted = 0;
	do {
		int rc;
		do {
			rc = db_begin_write(db, "deleting a container's log", err);
			if (rc == CTR_DB_OK)
				rc = db_end(db, delete_some(db, id, &deleted, err), "deleting a container's log", err);
		} while (db_retry_with_reserve(db, rc));
		if (rc)
			return CTR_DB_ERROR;
	} while (deleted >= db->delete_chunk_rows);
	db_give_back_space(db, false);
	return CTR_DB_OK;
}

int ctr_db_log_bytes(struct ctr_db *db, const char *id, int64_t *bytes, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *q =
		db_prepare(db, "SELECT coalesce(sum(length(data)), 0) FROM logs WHERE container_id = ?1",
			   "measuring a container's log", err);
	if (!q)
		return CTR_DB_ERROR;
	db_bind_text(q, 1, id);
	if (sqlite3_step(q) != SQLITE_ROW)
		return db_fail_sqlite(db, err, "measuring a container's log");
	*bytes = sqlite3_column_int64(q, 0);
	return CTR_DB_OK;
}

/* Steps STMT to its end, adding up its one column (RETURNING length(...)). */
static int sum_rows(struct ctr_db *db, sqlite3_stmt *stmt, int64_t *total, const char *what, struct ctr_error *err)
{
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		*total += sqlite3_column_int64(stmt, 0);
	return rc == SQLITE_DONE ? CTR_DB_OK : db_fail_sqlite(db, err, what);
}

static const char trimming[] = "trimming a container's log";

/* The stream's first line was cut in two: its rest goes too, up to and
 * including the stream's first newline. A stream without any newline left
 * is one unfinished line, and stays. */
static int cut_to_line_start(struct ctr_db *db, const char *id, enum ctr_db_stream stream, int64_t *dropped,
			     struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *q =
		db_prepare(db, "SELECT id, instr(data, x'0a'), length(data) FROM logs "
			       "WHERE container_id = ?1 AND stream = ?2 AND instr(data, x'0a') > 0 "
			       "ORDER BY id LIMIT 1", trimming, err);
	if (!q)
		return CTR_DB_ERROR;
	db_bind_text(q, 1, id);
	db_bind_text(q, 2, db_stream_name(stream));
	int rc = sqlite3_step(q);
	if (rc == SQLITE_DONE)
		return CTR_DB_OK;
	if (rc != SQLITE_ROW)
		return db_fail_sqlite(db, err, trimming);
	int64_t nl_id = sqlite3_column_int64(q, 0), nl_at = sqlite3_column_int64(q, 1), len = sqlite3_column_int64(q, 2);
	_cleanup_stmt_ sqlite3_stmt *del =
		db_prepare(db, "DELETE FROM logs WHERE container_id = ?1 AND stream = ?2 AND id < ?3 "
			       "RETURNING length(data)", trimming, err);
	if (!del)
		return CTR_DB_ERROR;
	db_bind_text(del, 1, id);
	db_bind_text(del, 2, db_stream_name(stream));
	sqlite3_bind_int64(del, 3, nl_id);
	if (sum_rows(db, del, dropped, trimming, err))
		return CTR_DB_ERROR;
	/* The chunk with the newline loses what comes before it and the
	 * newline itself; a chunk that ends there goes whole. */
	_cleanup_stmt_ sqlite3_stmt *cut =
		db_prepare(db, nl_at == len ? "DELETE FROM logs WHERE id = ?1"
					   : "UPDATE logs SET data = substr(data, ?2 + 1) WHERE id = ?1",
			   trimming, err);
	if (!cut)
		return CTR_DB_ERROR;
	sqlite3_bind_int64(cut, 1, nl_id);
	if (nl_at != len)
		sqlite3_bind_int64(cut, 2, nl_at);
	if (db_step_done(db, cut, trimming, err))
		return CTR_DB_ERROR;
	*dropped += nl_at;
	return CTR_DB_OK;
}

/* Whether the part of STREAM kept after a trim that keeps chunk KEEP_ID on
 * (from its byte CUT on, for the chunk itself) starts in the middle of a
 * line: the byte before it is not a newline. */
static int starts_mid_line(struct ctr_db *db, const char *id, enum ctr_db_stream stream, int64_t keep_id,
			   enum ctr_db_stream keep_stream, int64_t cut, bool *mid, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *q =
		stream == keep_stream && cut > 0
			? db_prepare(db, "SELECT substr(data, ?3, 1) = x'0a' FROM logs WHERE id = ?1", trimming, err)
			: db_prepare(db, "SELECT substr(data, -1) = x'0a' FROM logs WHERE container_id = ?2 "
					 "AND stream = ?4 AND id < ?1 ORDER BY id DESC LIMIT 1", trimming, err);
	if (!q)
		return CTR_DB_ERROR;
	sqlite3_bind_int64(q, 1, keep_id);
	if (stream == keep_stream && cut > 0) {
		sqlite3_bind_int64(q, 3, cut);
	} else {
		db_bind_text(q, 2, id);
		db_bind_text(q, 4, db_stream_name(stream));
	}
	int rc = sqlite3_step(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, trimming);
	*mid = rc == SQLITE_ROW && sqlite3_column_int(q, 0) == 0;
	return CTR_DB_OK;
}

static int trim_logs(struct ctr_db *db, const char *id, int64_t at_least, int64_t *dropped, struct ctr_error *err)
{
	*dropped = 0;
	/* The chunk holding byte AT_LEAST of the log (counted from 0), and where
	 * it starts. */
	_cleanup_stmt_ sqlite3_stmt *find = db_prepare(db,
		"SELECT id, stream, total - length(data), lost_bytes IS NOT NULL FROM "
		"(SELECT id, stream, data, lost_bytes, sum(length(data)) OVER (ORDER BY id) AS total "
		" FROM logs WHERE container_id = ?1) "
		"WHERE total > ?2 ORDER BY id LIMIT 1", trimming, err);
	if (!find)
		return CTR_DB_ERROR;
	db_bind_text(find, 1, id);
	sqlite3_bind_int64(find, 2, at_least);
	int rc = sqlite3_step(find);
	if (rc == SQLITE_DONE) {  /* the whole log is smaller */
		_cleanup_stmt_ sqlite3_stmt *all =
			db_prepare(db, "DELETE FROM logs WHERE container_id = ?1 RETURNING length(data)",
				   trimming, err);
		if (!all)
			return CTR_DB_ERROR;
		db_bind_text(all, 1, id);
		return sum_rows(db, all, dropped, trimming, err);
	}
	if (rc != SQLITE_ROW)
		return db_fail_sqlite(db, err, trimming);
	int64_t keep_id = sqlite3_column_int64(find, 0);
	enum ctr_db_stream keep_stream = strcmp((const char *)sqlite3_column_text(find, 1), "stderr") == 0
						 ? CTR_DB_STDERR
						 : CTR_DB_STDOUT;
	/* A marker is kept whole: its note says what is missing there. */
	int64_t cut = sqlite3_column_int(find, 3) ? 0 : at_least - sqlite3_column_int64(find, 2);
	bool mid[3] = {false, false, false};
	for (int s = CTR_DB_STDOUT; s <= CTR_DB_STDERR; s++)
		if (starts_mid_line(db, id, (enum ctr_db_stream)s, keep_id, keep_stream, cut, &mid[s], err))
			return CTR_DB_ERROR;
	_cleanup_stmt_ sqlite3_stmt *del =
		db_prepare(db, "DELETE FROM logs WHERE container_id = ?1 AND id < ?2 RETURNING length(data)",
			   trimming, err);
	if (!del)
		return CTR_DB_ERROR;
	db_bind_text(del, 1, id);
	sqlite3_bind_int64(del, 2, keep_id);
	if (sum_rows(db, del, dropped, trimming, err))
		return CTR_DB_ERROR;
	if (cut > 0) {
		_cleanup_stmt_ sqlite3_stmt *head =
			db_prepare(db, "UPDATE logs SET data = substr(data, ?2 + 1) WHERE id = ?1", trimming, err);
		if (!head)
			return CTR_DB_ERROR;
		sqlite3_bind_int64(head, 1, keep_id);
		sqlite3_bind_int64(head, 2, cut);
		if (db_step_done(db, head, trimming, err))
			return CTR_DB_ERROR;
		*dropped += cut;
	}
	for (int s = CTR_DB_STDOUT; s <= CTR_DB_STDERR; s++)
		if (mid[s] && cut_to_line_start(db, id, (enum ctr_db_stream)s, dropped, err))
			return CTR_DB_ERROR;
	return CTR_DB_OK;
}

int ctr_db_trim_logs(struct ctr_db *db, const char *id, int64_t at_least, int64_t *dropped, struct ctr_error *err)
{
	*dropped = 0;
	if (at_least <= 0)
		return CTR_DB_OK;
	if (db_begin_write(db, trimming, err))
		return CTR_DB_ERROR;
	int rc = db_end(db, trim_logs(db, id, at_least, dropped, err), trimming, err);
	if (rc == CTR_DB_OK)
		db_give_back_space(db, true);
	else
		*dropped = 0;
	return rc;
}
