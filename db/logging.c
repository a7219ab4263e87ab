/* How a container's output is logged (table container_logging): docker's
 * log mode and buffer, the retention limit, and the --log-opt strings as
 * given, so that `start` logs as `run` did and `inspect` can show them. */
#include <stdlib.h>

#include "db_internal.h"

static const char recording[] = "recording a container's log options";
static const char reading[] = "reading a container's log options";

static int set_log_config(struct ctr_db *db, const char *id, const struct ctr_db_log_config *c,
			  struct ctr_error *err)
{
	int rc = db_container_exists(db, id, err);
	if (rc)
		return rc;
	_cleanup_stmt_ sqlite3_stmt *upsert = db_prepare(db,
		"INSERT INTO container_logging (container_id, mode, max_buffer_bytes, max_size_bytes, options) "
		"VALUES (?1, ?2, ?3, ?4, ?5) "
		"ON CONFLICT (container_id) DO UPDATE SET mode = excluded.mode, "
		"max_buffer_bytes = excluded.max_buffer_bytes, max_size_bytes = excluded.max_size_bytes, "
		"options = excluded.options", recording, err);
	if (!upsert)
		return CTR_DB_ERROR;
	db_bind_text(upsert, 1, id);
	db_bind_text(upsert, 2, c->mode == CTR_DB_LOG_NON_BLOCKING ? "non-blocking" : "blocking");
	if (c->mode == CTR_DB_LOG_NON_BLOCKING)
		sqlite3_bind_int64(upsert, 3, c->max_buffer_bytes);
	else
		sqlite3_bind_null(upsert, 3);
	sqlite3_bind_int64(upsert, 4, c->max_size_bytes);
	db_bind_text(upsert, 5, c->options ? c->options : "{}");
	return db_step_done(db, upsert, recording, err);
}

int ctr_db_set_log_config(struct ctr_db *db, const char *id, const struct ctr_db_log_config *c,
			  struct ctr_error *err)
{
	if (c->max_size_bytes <= 0)
		return db_fail(db, err, CTR_DB_ERROR, "container %.12s: a log size limit of %lld bytes", id,
			       (long long)c->max_size_bytes);
	if (c->mode == CTR_DB_LOG_NON_BLOCKING && c->max_buffer_bytes <= 0)
		return db_fail(db, err, CTR_DB_ERROR, "container %.12s: a log buffer of %lld bytes", id,
			       (long long)c->max_buffer_bytes);
	if (db_begin_write(db, recording, err))
		return CTR_DB_ERROR;
	return db_end(db, set_log_config(db, id, c, err), recording, err);
}

static int get_log_config(struct ctr_db *db, const char *id, struct ctr_db_log_config *out, struct ctr_error *err)
{
	/* LEFT JOIN: a container without a row (made before schema version 6)
	 * still gives one, of NULLs: the defaults. */
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db,
		"SELECT l.mode, l.max_buffer_bytes, l.max_size_bytes, l.options FROM containers AS c "
		"LEFT JOIN container_logging AS l ON l.container_id = c.id WHERE c.id = ?1", reading, err);
	if (!stmt)
		return CTR_DB_ERROR;
	int rc = db_step_container_row(db, stmt, id, reading, err);
	if (rc)
		return rc;
	const char *mode = (const char *)sqlite3_column_text(stmt, 0);
	out->mode = mode && strcmp(mode, "non-blocking") == 0 ? CTR_DB_LOG_NON_BLOCKING : CTR_DB_LOG_BLOCKING;
	out->max_buffer_bytes = out->mode == CTR_DB_LOG_NON_BLOCKING ? sqlite3_column_int64(stmt, 1) : 0;
	out->max_size_bytes = mode ? sqlite3_column_int64(stmt, 2) : CTR_DB_LOG_DEFAULT_MAX_SIZE;
	if (db_column_strdup(db, stmt, 3, &out->options, err))
		return CTR_DB_ERROR;
	if (!out->options && !(out->options = strdup("{}")))
		return db_fail(db, err, CTR_DB_ERROR, "%s: out of memory", reading);
	return CTR_DB_OK;
}

int ctr_db_get_log_config(struct ctr_db *db, const char *id, struct ctr_db_log_config *out,
			  struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	int rc = get_log_config(db, id, out, err);
	if (rc)
		ctr_db_log_config_free(out);
	return rc;
}

void ctr_db_log_config_free(struct ctr_db_log_config *c)
{
	free(c->options);
	c->options = NULL;
}
