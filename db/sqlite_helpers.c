/* Error reporting, transactions and statement helpers shared by db/. */
#include <errno.h>
#include <stdlib.h>

#include "db_internal.h"

/* A hint for the SQLite failures a user can act on. */
static const char *hint(int code)
{
	switch (code & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return " (the file is not a SQLite database or is corrupt; move it aside to start afresh)";
	case SQLITE_READONLY:
		return " (the file or its directory is not writable)";
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return " (another process held the database for too long)";
	case SQLITE_FULL:
		return " (the file system is full)";
	default:
		return "";
	}
}

/* Remembers the first error that says the file is damaged: callers that
 * go on past an error (crash cleanup, history) must not let a command that
 * met one end as if all were well. */
static void note_damage(struct ctr_db *db, int code, const struct ctr_error *err)
{
	if (db->damage || ((code & 0xff) != SQLITE_CORRUPT && (code & 0xff) != SQLITE_NOTADB))
		return;
	db->damage = strdup(err->msg);
}

int db_fail_sqlite(struct ctr_db *db, struct ctr_error *err, const char *what)
{
	int code = sqlite3_extended_errcode(db->conn);
	int errnum = 0;
	if ((code & 0xff) == SQLITE_IOERR || (code & 0xff) == SQLITE_CANTOPEN)
		errnum = sqlite3_system_errno(db->conn);
	db->last_code = code;
	db->last_errno = (code & 0xff) == SQLITE_FULL ? ENOSPC : errnum;
	ctr_fail(err, errnum, "state db %s: %s: %s%s", db->path, what, sqlite3_errmsg(db->conn), hint(code));
	note_damage(db, code, err);
	return CTR_DB_ERROR;
}

const char *ctr_db_damage(const struct ctr_db *db)
{
	return db ? db->damage : NULL;
}

int db_failure_result(const struct ctr_db *db)
{
	switch (db->last_code & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return CTR_DB_BUSY;
	case SQLITE_FULL:
		return CTR_DB_FULL;
	case SQLITE_IOERR:
		return db->last_errno == ENOSPC || db->last_errno == EDQUOT ? CTR_DB_FULL : CTR_DB_ERROR;
	default:
		return CTR_DB_ERROR;
	}
}

int db_fail(struct ctr_db *db, struct ctr_error *err, int result, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ctr_error_vformat(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	err->errnum = 0;
	db->last_code = db->last_errno = 0;
	ctr_error_prefix(err, "state db %s", db->path);
	return result;
}

static int exec_simple(struct ctr_db *db, const char *sql, const char *what, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db, sql, what, err);
	if (!stmt)
		return CTR_DB_ERROR;
	return db_step_done(db, stmt, what, err);
}

int db_begin_write(struct ctr_db *db, const char *what, struct ctr_error *err)
{
	db->last_code = db->last_errno = 0;
	/* IMMEDIATE: a deferred transaction that reads first and writes later
	 * fails at once with SQLITE_BUSY when another writer got in between,
	 * whatever the busy timeout; taking the write lock up front waits. */
	int rc = exec_simple(db, "BEGIN IMMEDIATE", what, err);
	if (rc != CTR_DB_OK && (sqlite3_extended_errcode(db->conn) & 0xff) == SQLITE_BUSY)
		return CTR_DB_BUSY;
	return rc;
}

int ctr_db_write_lock_free(struct ctr_db *db, struct ctr_error *err)
{
	sqlite3_busy_timeout(db->conn, 0);
	int rc = db_begin_write(db, "checking the write lock", err);
	sqlite3_busy_timeout(db->conn, db_busy_timeout_ms);
	if (rc == CTR_DB_BUSY)
		return db_fail(db, err, CTR_DB_BUSY, "another process holds the write lock");
	if (rc != CTR_DB_OK)
		return rc;
	/* Nothing was written: the rollback only lets the lock go. */
	return exec_simple(db, "ROLLBACK", "checking the write lock", err);
}

int db_begin_read(struct ctr_db *db, const char *what, struct ctr_error *err)
{
	return exec_simple(db, "BEGIN DEFERRED", what, err);
}

int db_end(struct ctr_db *db, int result, const char *what, struct ctr_error *err)
{
	if (result == CTR_DB_OK) {
		result = exec_simple(db, "COMMIT", what, err);
		if (result == CTR_DB_OK)
			return CTR_DB_OK;
	}
	/* Some errors end the transaction by themselves; a failed COMMIT may
	 * leave it open, and the next BEGIN would then fail. */
	if (!sqlite3_get_autocommit(db->conn)) {
		/* The failure to report is the one before, not the rollback's. */
		int code = db->last_code, errnum = db->last_errno;
		struct ctr_error ignored;
		exec_simple(db, "ROLLBACK", what, &ignored);
		db->last_code = code;
		db->last_errno = errnum;
	}
	return result;
}

sqlite3_stmt *db_prepare(struct ctr_db *db, const char *sql, const char *what, struct ctr_error *err)
{
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v2(db->conn, sql, -1, &stmt, NULL) != SQLITE_OK) {
		db_fail_sqlite(db, err, what);
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

int db_step_done(struct ctr_db *db, sqlite3_stmt *stmt, const char *what, struct ctr_error *err)
{
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, what);
	return CTR_DB_OK;
}

int db_step_container_row(struct ctr_db *db, sqlite3_stmt *stmt, const char *id, const char *what,
			 struct ctr_error *err)
{
	db_bind_text(stmt, 1, id);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		return db_fail(db, err, CTR_DB_NOT_FOUND, "no container %s", id);
	return rc == SQLITE_ROW ? CTR_DB_OK : db_fail_sqlite(db, err, what);
}

int db_query_int(struct ctr_db *db, const char *sql, int64_t *value, const char *what, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db, sql, what, err);
	if (!stmt)
		return CTR_DB_ERROR;
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? db_fail(db, err, CTR_DB_ERROR, "%s: no result", what)
					 : db_fail_sqlite(db, err, what);
	*value = sqlite3_column_int64(stmt, 0);
	return CTR_DB_OK;
}

int db_bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
	if (!text)
		return sqlite3_bind_null(stmt, index);
	/* STATIC: the caller's string outlives the statement's execution. */
	return sqlite3_bind_text(stmt, index, text, -1, SQLITE_STATIC);
}

int db_column_strdup(struct ctr_db *db, sqlite3_stmt *stmt, int col, char **out, struct ctr_error *err)
{
	*out = NULL;
	const unsigned char *text = sqlite3_column_text(stmt, col);
	if (!text) {
		if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
			return CTR_DB_OK;
		return db_fail(db, err, CTR_DB_ERROR, "reading a column: out of memory");
	}
	int len = sqlite3_column_bytes(stmt, col);
	char *copy = malloc((size_t)len + 1);
	if (!copy) {
		ctr_fail(err, ENOMEM, "state db %s: reading a column", db->path);
		return CTR_DB_ERROR;
	}
	memcpy(copy, text, (size_t)len + 1);
	*out = copy;
	return CTR_DB_OK;
}

void db_column_id(sqlite3_stmt *stmt, int col, char out[CTR_DB_ID_LEN + 1])
{
	const unsigned char *text = sqlite3_column_text(stmt, col);
	snprintf(out, CTR_DB_ID_LEN + 1, "%s", text ? (const char *)text : "");
}

int db_grow(struct ctr_db *db, void **v, size_t *cap, size_t n, size_t size, struct ctr_error *err)
{
	if (n <= *cap)
		return CTR_DB_OK;
	size_t want = *cap ? *cap * 2 : 8;
	if (want < n)
		want = n;
	void *bigger = reallocarray(*v, want, size);
	if (!bigger) {
		ctr_fail(err, ENOMEM, "state db %s: growing a result list", db->path);
		return CTR_DB_ERROR;
	}
	*v = bigger;
	*cap = want;
	return CTR_DB_OK;
}

bool db_is_hex_id(const char *s, bool full)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return full ? n == CTR_DB_ID_LEN : n >= 1 && n <= CTR_DB_ID_LEN;
}

const char *db_stream_name(enum ctr_db_stream stream)
{
	return stream == CTR_DB_STDERR ? "stderr" : "stdout";
}

void ctr_db_strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void db_append(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

int db_prefix_pattern(struct ctr_db *db, const char *prefix, char out[CTR_DB_ID_LEN + 2], struct ctr_error *err)
{
	if (!db_is_hex_id(prefix, false))
		return db_fail(db, err, CTR_DB_NOT_FOUND, "\"%s\" is not an id prefix (1 to 64 hex digits)", prefix);
	snprintf(out, CTR_DB_ID_LEN + 2, "%s*", prefix);
	return CTR_DB_OK;
}
