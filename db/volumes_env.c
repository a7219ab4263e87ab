/* A container's volumes (table mounts) and environment (table env), kept in
 * the order they were given. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "db_internal.h"

/* Next free position among a container's rows, by SQL (one id parameter). */
static int next_position(struct ctr_db *db, const char *sql, const char *id, int64_t *pos, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db, sql, "numbering rows", err);
	if (!stmt)
		return CTR_DB_ERROR;
	db_bind_text(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_ROW)
		return db_fail_sqlite(db, err, "numbering rows");
	*pos = sqlite3_column_int64(stmt, 0);
	return CTR_DB_OK;
}

int db_insert_mounts(struct ctr_db *db, const char *id, const struct ctr_db_mount *mounts, size_t n,
		     struct ctr_error *err)
{
	if (n == 0)
		return CTR_DB_OK;
	int64_t pos;
	if (next_position(db, "SELECT coalesce(max(position) + 1, 0) FROM mounts WHERE container_id = ?1", id,
			  &pos, err))
		return CTR_DB_ERROR;
	_cleanup_stmt_ sqlite3_stmt *ins =
		db_prepare(db, "INSERT INTO mounts (container_id, position, host_path, container_path, read_only) "
			       "VALUES (?1, ?2, ?3, ?4, ?5)", "adding volumes", err);
	if (!ins)
		return CTR_DB_ERROR;
	for (size_t i = 0; i < n; i++) {
		const struct ctr_db_mount *m = &mounts[i];
		if (!m->host_path || m->host_path[0] != '/' || !m->container_path || m->container_path[0] != '/')
			return db_fail(db, err, CTR_DB_ERROR, "volume %s:%s: both paths must be absolute",
				       m->host_path ? m->host_path : "", m->container_path ? m->container_path : "");
		db_bind_text(ins, 1, id);
		sqlite3_bind_int64(ins, 2, pos + (int64_t)i);
		db_bind_text(ins, 3, m->host_path);
		db_bind_text(ins, 4, m->container_path);
		sqlite3_bind_int(ins, 5, m->read_only);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			if (sqlite3_extended_errcode(db->conn) == SQLITE_CONSTRAINT_UNIQUE)
				return db_fail(db, err, CTR_DB_EXISTS, "container %.12s: two volumes at %s", id,
					       m->container_path);
			return db_fail_sqlite(db, err, "adding volumes");
		}
		sqlite3_reset(ins);
	}
	return CTR_DB_OK;
}

int db_insert_env(struct ctr_db *db, const char *id, char *const *env, size_t n, struct ctr_error *err)
{
	if (n == 0)
		return CTR_DB_OK;
	int64_t pos;
	if (next_position(db, "SELECT coalesce(max(position) + 1, 0) FROM env WHERE container_id = ?1", id, &pos,
			  err))
		return CTR_DB_ERROR;
	_cleanup_stmt_ sqlite3_stmt *ins =
		db_prepare(db, "INSERT INTO env (container_id, position, name, value) VALUES (?1, ?2, ?3, ?4)",
			   "adding environment variables", err);
	if (!ins)
		return CTR_DB_ERROR;
	for (size_t i = 0; i < n; i++) {
		const char *eq = env[i] ? strchr(env[i], '=') : NULL;
		if (!eq || eq == env[i])
			return db_fail(db, err, CTR_DB_ERROR, "environment entry \"%s\" is not NAME=value",
				       env[i] ? env[i] : "");
		db_bind_text(ins, 1, id);
		sqlite3_bind_int64(ins, 2, pos + (int64_t)i);
		sqlite3_bind_text(ins, 3, env[i], (int)(eq - env[i]), SQLITE_STATIC);
		db_bind_text(ins, 4, eq + 1);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			if (sqlite3_extended_errcode(db->conn) == SQLITE_CONSTRAINT_UNIQUE)
				return db_fail(db, err, CTR_DB_EXISTS, "container %.12s: variable %.*s given twice", id,
					       (int)(eq - env[i]), env[i]);
			return db_fail_sqlite(db, err, "adding environment variables");
		}
		sqlite3_reset(ins);
	}
	return CTR_DB_OK;
}

static int add_mounts(struct ctr_db *db, const char *id, const struct ctr_db_mount *mounts, size_t n,
		      struct ctr_error *err)
{
	int rc = db_container_exists(db, id, err);
	return rc ? rc : db_insert_mounts(db, id, mounts, n, err);
}

int ctr_db_add_mounts(struct ctr_db *db, const char *id, const struct ctr_db_mount *mounts, size_t n,
		      struct ctr_error *err)
{
	if (db_begin_write(db, "adding volumes", err))
		return CTR_DB_ERROR;
	return db_end(db, add_mounts(db, id, mounts, n, err), "adding volumes", err);
}

static int add_env(struct ctr_db *db, const char *id, char *const *env, size_t n, struct ctr_error *err)
{
	int rc = db_container_exists(db, id, err);
	return rc ? rc : db_insert_env(db, id, env, n, err);
}

int ctr_db_add_env(struct ctr_db *db, const char *id, char *const *env, size_t n, struct ctr_error *err)
{
	if (db_begin_write(db, "adding environment variables", err))
		return CTR_DB_ERROR;
	return db_end(db, add_env(db, id, env, n, err), "adding environment variables", err);
}

int db_load_mounts(struct ctr_db *db, const char *id, struct ctr_db_mount **mounts, size_t *n,
		   struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "SELECT host_path, container_path, read_only FROM mounts "
			       "WHERE container_id = ?1 ORDER BY position", "reading volumes", err);
	if (!stmt)
		return CTR_DB_ERROR;
	db_bind_text(stmt, 1, id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (db_grow(db, (void **)mounts, &cap, *n + 1, sizeof **mounts, err))
			return CTR_DB_ERROR;
		struct ctr_db_mount *m = &(*mounts)[(*n)++];
		memset(m, 0, sizeof *m);
		m->read_only = sqlite3_column_int(stmt, 2);
		if (db_column_strdup(db, stmt, 0, &m->host_path, err) ||
		    db_column_strdup(db, stmt, 1, &m->container_path, err))
			return CTR_DB_ERROR;
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "reading volumes");
	return CTR_DB_OK;
}

int db_load_env(struct ctr_db *db, const char *id, char ***env, size_t *n, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "SELECT name || '=' || value FROM env WHERE container_id = ?1 ORDER BY position",
			   "reading environment variables", err);
	if (!stmt)
		return CTR_DB_ERROR;
	db_bind_text(stmt, 1, id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (db_grow(db, (void **)env, &cap, *n + 1, sizeof **env, err) ||
		    db_column_strdup(db, stmt, 0, &(*env)[*n], err))
			return CTR_DB_ERROR;
		++*n;
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "reading environment variables");
	return CTR_DB_OK;
}

void db_free_mounts(struct ctr_db_mount *mounts, size_t n)
{
	for (size_t i = 0; mounts && i < n; i++) {
		free(mounts[i].host_path);
		free(mounts[i].container_path);
	}
	free(mounts);
}
