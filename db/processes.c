/* The processes a running container depends on besides its init (table
 * container_processes), and the list of containers that claim to be
 * running: what `ctrrun ps` and crash cleanup check against /proc. */
#include <stdlib.h>

#include "db_internal.h"

int db_clear_processes(struct ctr_db *db, const char *id, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *del = db_prepare(db, "DELETE FROM container_processes WHERE container_id = ?1",
						      "forgetting a container's processes", err);
	if (!del)
		return CTR_DB_ERROR;
	db_bind_text(del, 1, id);
	return db_step_done(db, del, "forgetting a container's processes", err);
}

/* Binds a pid and its start ticks as two columns; a pid of 0 (none) as two
 * NULLs, so the table's CHECKs see a pid and its ticks always together. */
static void bind_process(sqlite3_stmt *stmt, int index, pid_t pid, uint64_t ticks)
{
	if (pid == 0) {
		sqlite3_bind_null(stmt, index);
		sqlite3_bind_null(stmt, index + 1);
		return;
	}
	sqlite3_bind_int64(stmt, index, pid);
	sqlite3_bind_int64(stmt, index + 1, (int64_t)ticks);
}

int db_write_processes(struct ctr_db *db, const char *id, const struct ctr_db_processes *p, struct ctr_error *err)
{
	int rc = db_container_exists(db, id, err);
	if (rc)
		return rc;
	/* No helper at all is no row, as for a container never started. */
	if (p->monitor_pid == 0 && p->fs_pid == 0)
		return db_clear_processes(db, id, err);
	_cleanup_stmt_ sqlite3_stmt *upsert = db_prepare(db,
		"INSERT INTO container_processes (container_id, monitor_pid, monitor_start_ticks, fs_pid, fs_start_ticks) "
		"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (container_id) DO UPDATE SET "
		"monitor_pid = excluded.monitor_pid, monitor_start_ticks = excluded.monitor_start_ticks, "
		"fs_pid = excluded.fs_pid, fs_start_ticks = excluded.fs_start_ticks",
		"recording a container's processes", err);
	if (!upsert)
		return CTR_DB_ERROR;
	db_bind_text(upsert, 1, id);
	bind_process(upsert, 2, p->monitor_pid, p->monitor_start_ticks);
	bind_process(upsert, 4, p->fs_pid, p->fs_start_ticks);
	return db_step_done(db, upsert, "recording a container's processes", err);
}

int db_check_processes(struct ctr_db *db, const char *id, const struct ctr_db_processes *p, struct ctr_error *err)
{
	if (p->monitor_pid < 0 || p->fs_pid < 0)
		return db_fail(db, err, CTR_DB_ERROR, "container %.12s: pid %d is not a process", id,
			       (int)(p->monitor_pid < 0 ? p->monitor_pid : p->fs_pid));
	/* The column is a signed 64-bit integer; real tick counts are far
	 * below this. */
	if ((p->monitor_pid && p->monitor_start_ticks > INT64_MAX) || (p->fs_pid && p->fs_start_ticks > INT64_MAX))
		return db_fail(db, err, CTR_DB_ERROR, "container %.12s: process start time out of range", id);
	return CTR_DB_OK;
}

int ctr_db_set_processes(struct ctr_db *db, const char *id, const struct ctr_db_processes *p,
			 struct ctr_error *err)
{
	int rc = db_check_processes(db, id, p, err);
	if (rc)
		return rc;
	do {
		rc = db_begin_write(db, "recording a container's processes", err);
		if (rc == CTR_DB_OK)
			rc = db_end(db, db_write_processes(db, id, p, err), "recording a container's processes", err);
	} while (db_retry_with_reserve(db, rc));
	return rc;
}

static int get_processes(struct ctr_db *db, const char *id, struct ctr_db_processes *out, struct ctr_error *err)
{
	/* LEFT JOIN: a container without a row still gives one (of NULLs),
	 * which tells "none recorded" from "no such container". */
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db,
		"SELECT p.monitor_pid, p.monitor_start_ticks, p.fs_pid, p.fs_start_ticks "
		"FROM containers AS c LEFT JOIN container_processes AS p ON p.container_id = c.id WHERE c.id = ?1",
		"reading a container's processes", err);
	if (!stmt)
		return CTR_DB_ERROR;
	int rc = db_step_container_row(db, stmt, id, "reading a container's processes", err);
	if (rc != CTR_DB_OK)
		return rc;
	out->monitor_pid = (pid_t)sqlite3_column_int64(stmt, 0);
	out->monitor_start_ticks = (uint64_t)sqlite3_column_int64(stmt, 1);
	out->fs_pid = (pid_t)sqlite3_column_int64(stmt, 2);
	out->fs_start_ticks = (uint64_t)sqlite3_column_int64(stmt, 3);
	return CTR_DB_OK;
}

int ctr_db_get_processes(struct ctr_db *db, const char *id, struct ctr_db_processes *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	int rc = get_processes(db, id, out, err);
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}

static int list_running(struct ctr_db *db, char ***ids, size_t *n, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "SELECT id FROM containers WHERE state IN ('running', 'paused') "
			       "ORDER BY created_ns, id", "listing running containers", err);
	if (!stmt)
		return CTR_DB_ERROR;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (db_grow(db, (void **)ids, &cap, *n + 1, sizeof **ids, err) ||
		    db_column_strdup(db, stmt, 0, &(*ids)[*n], err))
			return CTR_DB_ERROR;
		++*n;
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "listing running containers");
	return CTR_DB_OK;
}

int ctr_db_list_running(struct ctr_db *db, char ***ids, size_t *n, struct ctr_error *err)
{
	*ids = NULL;
	*n = 0;
	int rc = list_running(db, ids, n, err);
	if (rc) {
		ctr_db_strv_free(*ids, *n);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}
