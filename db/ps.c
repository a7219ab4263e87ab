/* What `ctrrun ps` lists, read from the ps view (the same rows a user gets
 * from `sqlite3 state.db 'select * from ps'`). */
#include <stdlib.h>

#include "db_internal.h"

static int list_ps(struct ctr_db *db, bool all, struct ctr_db_ps_row **rows, size_t *n, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db,
		"SELECT id, name, image, command, created_ns, state, exit_code, pid, started_ns, finished_ns, error "
		"FROM ps WHERE ?1 OR state IN ('running', 'paused') ORDER BY created_ns DESC, id",
		"listing containers", err);
	if (!stmt)
		return CTR_DB_ERROR;
	sqlite3_bind_int(stmt, 1, all);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (db_grow(db, (void **)rows, &cap, *n + 1, sizeof **rows, err))
			return CTR_DB_ERROR;
		struct ctr_db_ps_row *r = &(*rows)[(*n)++];
		memset(r, 0, sizeof *r);
		db_column_id(stmt, 0, r->id);
		snprintf(r->short_id, sizeof r->short_id, "%.*s", CTR_DB_SHORT_ID_LEN, r->id);
		if (db_column_strdup(db, stmt, 1, &r->name, err) || db_column_strdup(db, stmt, 2, &r->image, err) ||
		    db_column_strdup(db, stmt, 3, &r->command, err))
			return CTR_DB_ERROR;
		r->created_ns = sqlite3_column_int64(stmt, 4);
		const char *state = (const char *)sqlite3_column_text(stmt, 5);
		if (db_state_from_name(state, &r->state))
			return db_fail(db, err, CTR_DB_ERROR, "container %s has unknown state \"%s\"", r->id,
				       state ? state : "");
		r->exit_code = sqlite3_column_type(stmt, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(stmt, 6);
		r->pid = (pid_t)sqlite3_column_int64(stmt, 7);
		r->started_ns = sqlite3_column_int64(stmt, 8);
		r->finished_ns = sqlite3_column_int64(stmt, 9);
		if (db_column_strdup(db, stmt, 10, &r->error, err))
			return CTR_DB_ERROR;
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "listing containers");
	return CTR_DB_OK;
}

int ctr_db_list_ps(struct ctr_db *db, bool all, struct ctr_db_ps_row **rows, size_t *n, struct ctr_error *err)
{
	*rows = NULL;
	*n = 0;
	int rc = list_ps(db, all, rows, n, err);
	if (rc) {
		ctr_db_ps_free(*rows, *n);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

void ctr_db_ps_free(struct ctr_db_ps_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].name);
		free(rows[i].image);
		free(rows[i].command);
		free(rows[i].error);
	}
	free(rows);
}
