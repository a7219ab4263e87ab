/* Container output: stored one row per chunk as read from the container
 * (lines are split only when read, by the log_lines view or the reader),
 * appended in batches, read in order of arrival, deleted in chunks. */
#include <errno.h>
#include <stdlib.h>

#include "db_internal.h"

static int append_logs(struct ctr_db *db, const char *id, const struct ctr_db_log_chunk *chunks, size_t n,
		       struct ctr_error *err)
{
	int rc = db_container_exists(db, id, err);
	if (rc)
		return rc;
	db_stmt ins = db_prepare(db, "INSERT INTO logs (container_id, stream, time_ns, data) VALUES (?1, ?2, ?3, ?4)",
				 "appending to a container's log", err);
	if (!ins)
		return CTR_DB_ERROR;
	for (size_t i = 0; i < n; i++) {
		db_bind_text(ins, 1, id);
		db_bind_text(ins, 2, db_stream_name(chunks[i].stream));
		sqlite3_bind_int64(ins, 3, chunks[i].time_ns);
		sqlite3_bind_blob64(ins, 4, chunks[i].data, chunks[i].len, SQLITE_STATIC);
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
	}
	if (n == 0)
		return CTR_DB_OK;
	if (db_begin_write(db, "appending to a container's log", err))
		return CTR_DB_ERROR;
	return db_end(db, append_logs(db, id, chunks, n, err), "appending to a container's log", err);
}

static int read_logs(struct ctr_db *db, const char *id, int64_t after_seq, size_t max,
		     struct ctr_db_log_chunk **chunks, size_t *n, struct ctr_error *err)
{
	db_stmt stmt = db_prepare(db, "SELECT id, stream, time_ns, data FROM logs "
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
	db_stmt del = db_prepare(db, "DELETE FROM logs WHERE id IN "
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
	return CTR_DB_OK;
}

int ctr_db_log_bytes(struct ctr_db *db, const char *id, int64_t *bytes, struct ctr_error *err)
{
	db_stmt q = db_prepare(db, "SELECT coalesce(sum(length(data)), 0) FROM logs WHERE container_id = ?1",
			       "measuring a container's log", err);
	if (!q)
		return CTR_DB_ERROR;
	db_bind_text(q, 1, id);
	if (sqlite3_step(q) != SQLITE_ROW)
		return db_fail_sqlite(db, err, "measuring a container's log");
	*bytes = sqlite3_column_int64(q, 0);
	return CTR_DB_OK;
}

static int trim_logs(struct ctr_db *db, const char *id, int64_t at_least, int64_t *dropped, struct ctr_error *err)
{
	/* The oldest chunks whose sizes add up to AT_LEAST: everything up to the
	 * first chunk where the running total reaches it (all, if none does). */
	db_stmt del = db_prepare(db,
		"DELETE FROM logs WHERE container_id = ?1 AND id <= coalesce("
		"(SELECT id FROM (SELECT id, sum(length(data)) OVER (ORDER BY id) AS total "
		"                 FROM logs WHERE container_id = ?1) "
		" WHERE total >= ?2 ORDER BY id LIMIT 1), 9223372036854775807) "
		"RETURNING length(data)",
		"trimming a container's log", err);
	if (!del)
		return CTR_DB_ERROR;
	db_bind_text(del, 1, id);
	sqlite3_bind_int64(del, 2, at_least);
	int rc;
	*dropped = 0;
	while ((rc = sqlite3_step(del)) == SQLITE_ROW)
		*dropped += sqlite3_column_int64(del, 0);
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "trimming a container's log");
	return CTR_DB_OK;
}

int ctr_db_trim_logs(struct ctr_db *db, const char *id, int64_t at_least, int64_t *dropped, struct ctr_error *err)
{
	*dropped = 0;
	if (at_least <= 0)
		return CTR_DB_OK;
	if (db_begin_write(db, "trimming a container's log", err))
		return CTR_DB_ERROR;
	return db_end(db, trim_logs(db, id, at_least, dropped, err), "trimming a container's log", err);
}
