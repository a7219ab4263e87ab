/* What the db/ files share: the connection struct, error reporting that names
 * the database file, transactions, and statement helpers. Not for use
 * outside db/ (tests excepted). */
#ifndef CTR_DB_INTERNAL_H
#define CTR_DB_INTERNAL_H

#include <sqlite3.h>

#include "ctr/cleanup.h"
#include "ctr/db.h"
#include "embedded_sql.h"

/* How long a writer waits for another process's transaction to end. */
#define DB_BUSY_TIMEOUT_MS 10000
/* The busy timeout connections get: DB_BUSY_TIMEOUT_MS; tests shorten it. */
extern int db_busy_timeout_ms;
/* How long an empty state.db beside a store's files may take to get its
 * first page (another process creating it right now) before it is taken
 * for a truncated one: DB_EMPTY_FILE_GRACE_MS; tests shorten it. */
#define DB_EMPTY_FILE_GRACE_MS 1000
extern int db_empty_file_grace_ms;
/* Rows deleted per transaction when a container's log goes. */
#define DB_DELETE_CHUNK_ROWS 1000
/* PRAGMA application_id of a ctrrun state db: "ctrr" in ASCII. */
#define DB_APPLICATION_ID 0x63747272

struct ctr_db {
	sqlite3 *conn;
	char *path;
	int delete_chunk_rows;  /* DB_DELETE_CHUNK_ROWS; tests make it small */
	char *reserve_path;     /* PATH + CTR_DB_RESERVE_SUFFIX (reserve.c) */
	char *damage;           /* the first "malformed"/"not a database" error, for ctr_db_damage */
	/* The last failure db_fail_sqlite reported since db_begin_write:
	 * SQLite's extended code and the system's errno (for
	 * db_failure_result). */
	int last_code, last_errno;
};

/* Fails with "state db PATH: WHAT: <SQLite's message>", taking errno from
 * SQLite when the cause was a system call. Returns CTR_DB_ERROR. */
int db_fail_sqlite(struct ctr_db *db, struct ctr_error *err, const char *what);
/* What the last failure reported by db_fail_sqlite was, as a result:
 * CTR_DB_BUSY (the lock was held past the busy timeout), CTR_DB_FULL (no
 * space: SQLITE_FULL, or an I/O error of ENOSPC or EDQUOT), else
 * CTR_DB_ERROR. */
int db_failure_result(const struct ctr_db *db);
/* Fails with "state db PATH: <message>" and returns RESULT. */
int db_fail(struct ctr_db *db, struct ctr_error *err, int result, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Transactions. db_begin_write takes the write lock at once (BEGIN
 * IMMEDIATE), waiting on the busy timeout (CTR_DB_BUSY when another process
 * held it all that time); db_begin_read gives a consistent
 * view across several SELECTs. db_end commits when RESULT is CTR_DB_OK, else
 * rolls back, and returns RESULT, or the commit's failure. */
int db_begin_write(struct ctr_db *db, const char *what, struct ctr_error *err);
int db_begin_read(struct ctr_db *db, const char *what, struct ctr_error *err);
int db_end(struct ctr_db *db, int result, const char *what, struct ctr_error *err);

/* The disk reserve (reserve.c). db_reserve_init names it (at open);
 * db_reserve_release deletes it, giving its blocks back, and says whether
 * it was there.
 *
 * A write that must succeed on a full disk (a container's exit, the steps
 * of its removal) is written as
 *
 *	int rc;
 *	do {
 *		rc = db_begin_write(db, what, err);
 *		if (rc == CTR_DB_OK)
 *			rc = db_end(db, body(db, ..., err), what, err);
 *	} while (db_retry_with_reserve(db, rc));
 *
 * db_retry_with_reserve is true when RESULT is a failure because the file
 * system was full (db_failure_result says CTR_DB_FULL) and the
 * reserve was there and is now released: the transaction is then tried
 * once more, with the reserve's blocks free. A marker row that says logs
 * were dropped is such a write too. Ordinary writes (logs, new containers,
 * images) never release the reserve. */
int db_reserve_init(struct ctr_db *db, struct ctr_error *err);
bool db_reserve_release(struct ctr_db *db);
bool db_retry_with_reserve(struct ctr_db *db, int result);

/* Prepares SQL; NULL (with *err filled) on failure. */
sqlite3_stmt *db_prepare(struct ctr_db *db, const char *sql, const char *what, struct ctr_error *err);

/* Runs a statement that returns no rows to its end. */
int db_step_done(struct ctr_db *db, sqlite3_stmt *stmt, const char *what, struct ctr_error *err);
/* Binds container id ID to ?1 and steps to the first row: CTR_DB_OK on a
 * row, CTR_DB_NOT_FOUND ("no container ID") without one. */
int db_step_container_row(struct ctr_db *db, sqlite3_stmt *stmt, const char *id, const char *what,
			  struct ctr_error *err);
/* Runs a statement that returns one row of one integer (e.g. a PRAGMA). */
int db_query_int(struct ctr_db *db, const char *sql, int64_t *value, const char *what,
		 struct ctr_error *err);

/* Bind helpers: text may be NULL (binds NULL). */
int db_bind_text(sqlite3_stmt *stmt, int index, const char *text);

/* Heap copy of a text column; *out is NULL for SQL NULL. */
int db_column_strdup(struct ctr_db *db, sqlite3_stmt *stmt, int col, char **out, struct ctr_error *err);
/* Copies a text column of at most CTR_DB_ID_LEN chars into a fixed id buffer. */
void db_column_id(sqlite3_stmt *stmt, int col, char out[CTR_DB_ID_LEN + 1]);
/* Grows *v (of *cap elements of SIZE bytes) to hold at least N elements. */
int db_grow(struct ctr_db *db, void **v, size_t *cap, size_t n, size_t size, struct ctr_error *err);

/* True for 1..64 lowercase hex digits (a full id when FULL). */
bool db_is_hex_id(const char *s, bool full);

/* Inserts container ID's row of container_security (S NULL: a 'legacy'
 * one), allocating an 'auto' container's block of ids; inside the caller's
 * write transaction. */
int db_insert_security(struct ctr_db *db, const char *id, const struct ctr_db_security *s, struct ctr_error *err);

/* Applies migrations[version .. upto-1] to CONN, each in its own
 * transaction that also sets user_version; PATH only names the file in
 * errors. Used by ctr_db_open with all migrations, and by tests to build a
 * database of an older version. CTR_DB_BUSY when another process held the
 * write lock for the whole busy timeout. */
int db_migrate(sqlite3 *conn, const char *path, const struct db_migration *migrations, int upto,
	       struct ctr_error *err);

/* Appends formatted text to BUF (of SIZE bytes, NUL-terminated), cutting at
 * the end; for messages that list candidates. */
void db_append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reference to a container by id prefix: hex, 1 to 64 digits. The GLOB
 * pattern "<prefix>*" for it; prefix checked to be hex, so it holds no
 * GLOB special characters. */
int db_prefix_pattern(struct ctr_db *db, const char *prefix, char out[CTR_DB_ID_LEN + 2],
		      struct ctr_error *err);

/* Rows of a container other than its own (volumes_env.c, logs.c); called
 * inside the caller's transaction. */
int db_insert_mounts(struct ctr_db *db, const char *id, const struct ctr_db_mount *mounts, size_t n,
		     struct ctr_error *err);
int db_insert_env(struct ctr_db *db, const char *id, char *const *env, size_t n, struct ctr_error *err);
int db_load_mounts(struct ctr_db *db, const char *id, struct ctr_db_mount **mounts, size_t *n,
		   struct ctr_error *err);
int db_load_env(struct ctr_db *db, const char *id, char ***env, size_t *n, struct ctr_error *err);
void db_free_mounts(struct ctr_db_mount *mounts, size_t n);
/* Deletes a container's log chunk by chunk, each chunk its own transaction;
 * call outside a transaction. */
int db_delete_logs_chunked(struct ctr_db *db, const char *id, struct ctr_error *err);
/* Inside a transaction: CTR_DB_NOT_FOUND unless container ID is recorded. */
int db_container_exists(struct ctr_db *db, const char *id, struct ctr_error *err);

/* Gives freed pages back to the file system (incremental vacuum, a chunk
 * per transaction) when they are many: more than 16 MiB, and AFTER_TRIM
 * also more than a quarter of the file. Call outside a transaction, after
 * big deletes; failures are left for the next time (the pages stay free
 * for reuse). */
void db_give_back_space(struct ctr_db *db, bool after_trim);
/* At open, after the migrations, and after big deletes: a database still
 * in auto_vacuum = NONE (made before schema version 6) is switched to
 * INCREMENTAL by a VACUUM, when it holds at most db_vacuum_switch_max_live
 * bytes of live pages (64 MiB), the disk has room, and no other writer
 * holds the lock for more than a second; otherwise a later open or delete
 * tries again. */
void db_switch_to_incremental_vacuum(struct ctr_db *db);
extern int64_t db_vacuum_switch_max_live;

/* Inside a transaction: forgets a container's helper processes. */
int db_clear_processes(struct ctr_db *db, const char *id, struct ctr_error *err);
/* Refuses negative pids and start times beyond the column's range. */
int db_check_processes(struct ctr_db *db, const char *id, const struct ctr_db_processes *p, struct ctr_error *err);
/* Inside a transaction: records (replaces) a container's helper processes
 * (all zero: none, no row); CTR_DB_NOT_FOUND when no such container. */
int db_write_processes(struct ctr_db *db, const char *id, const struct ctr_db_processes *p, struct ctr_error *err);

/* containers.state text -> enum; -1 for an unknown name. */
int db_state_from_name(const char *name, enum ctr_db_state *state);

/* Stream names as stored. */
const char *db_stream_name(enum ctr_db_stream stream);

#endif
