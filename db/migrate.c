/* Schema migrations: PRAGMA user_version is the number of migrations applied;
 * migration K (db/migrations/000K_*.sql) turns version K-1 into version K. */
#include <stdlib.h>

#include "db_internal.h"

/* Runs every statement of a migration script. */
static int run_script(struct ctr_db *db, const struct db_migration *m, struct ctr_error *err)
{
	const char *sql = m->sql;
	while (*sql) {
		_cleanup_stmt_ sqlite3_stmt *stmt = NULL;
		const char *tail = NULL;
		if (sqlite3_prepare_v2(db->conn, sql, -1, &stmt, &tail) != SQLITE_OK) {
			char what[256];
			snprintf(what, sizeof what, "migration %s", m->name);
			return db_fail_sqlite(db, err, what);
		}
		if (stmt) {  /* NULL for trailing whitespace and comments */
			char what[256];
			snprintf(what, sizeof what, "migration %s", m->name);
			int rc = db_step_done(db, stmt, what, err);
			if (rc)
				return rc;
		}
		sql = tail;
	}
	return CTR_DB_OK;
}

/* After a migration that rebuilt tables with foreign key enforcement off, the
 * data must still satisfy every foreign key. */
static int check_foreign_keys(struct ctr_db *db, const struct db_migration *m, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db, "PRAGMA foreign_key_check", "checking foreign keys", err);
	if (!stmt)
		return CTR_DB_ERROR;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		return db_fail(db, err, CTR_DB_ERROR, "migration %s leaves a row of table %s without its %s row",
			       m->name, (const char *)sqlite3_column_text(stmt, 0),
			       (const char *)sqlite3_column_text(stmt, 2));
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "checking foreign keys");
	return CTR_DB_OK;
}

/* Inside the write transaction: refuse what is not ours to migrate. */
static int check_migratable(struct ctr_db *db, int64_t version, int upto, struct ctr_error *err)
{
	int64_t app_id, objects;
	if (db_query_int(db, "PRAGMA application_id", &app_id, "reading the application id", err))
		return CTR_DB_ERROR;
	if (app_id != 0 && app_id != DB_APPLICATION_ID)
		return db_fail(db, err, CTR_DB_ERROR,
			       "not a ctrrun state database (SQLite application id %#llx)", (unsigned long long)app_id);
	if (version < 0 || version > upto)
		return db_fail(db, err, CTR_DB_ERROR,
			       "schema version %lld is newer than this ctrrun knows (%d); use a newer ctrrun",
			       (long long)version, upto);
	if (version == 0) {
		/* Version 0 with tables is some other program's database: adding
		 * ours to it would be a silent rewrite of somebody's file. */
		if (db_query_int(db, "SELECT count(*) FROM sqlite_schema", &objects, "reading the schema", err))
			return CTR_DB_ERROR;
		if (objects > 0)
			return db_fail(db, err, CTR_DB_ERROR,
				       "not a ctrrun state database (it has tables but no ctrrun schema version)");
	}
	return CTR_DB_OK;
}

/* One step: version -> version + 1, all or nothing. Returns 1 when the
 * database was at UPTO already (maybe migrated by another process while we
 * waited for the lock), 0 after a step. */
static int migrate_step(struct ctr_db *db, const struct db_migration *migrations, int upto, struct ctr_error *err)
{
	int rc = db_begin_write(db, "starting a migration", err);
	if (rc != CTR_DB_OK)
		return rc;  /* CTR_DB_BUSY: another process held the lock all the busy timeout */
	int64_t version;
	rc = db_query_int(db, "PRAGMA user_version", &version, "reading the schema version", err);
	if (rc == CTR_DB_OK)
		rc = check_migratable(db, version, upto, err);
	if (rc == CTR_DB_OK && version == upto)
		return db_end(db, CTR_DB_OK, "ending a migration", err) ? CTR_DB_ERROR : 1;
	if (rc != CTR_DB_OK)
		return db_end(db, rc, "ending a migration", err);
	const struct db_migration *m = &migrations[version];
	rc = run_script(db, m, err);
	if (rc == CTR_DB_OK)
		rc = check_foreign_keys(db, m, err);
	if (rc == CTR_DB_OK) {
		/* PRAGMAs take no bound parameters; both values are our own integers. */
		char *sql = sqlite3_mprintf("PRAGMA user_version = %d; PRAGMA application_id = %d",
					    (int)version + 1, DB_APPLICATION_ID);
		if (!sql)
			rc = db_fail(db, err, CTR_DB_ERROR, "migration %s: out of memory", m->name);
		const struct db_migration set_version = {m->name, sql};
		if (rc == CTR_DB_OK)
			rc = run_script(db, &set_version, err);
		sqlite3_free(sql);
	}
	return db_end(db, rc, "committing a migration", err) ? CTR_DB_ERROR : 0;
}

int db_migrate(sqlite3 *conn, const char *path, const struct db_migration *migrations, int upto,
	       struct ctr_error *err)
{
	struct ctr_db db = {.conn = conn, .path = (char *)path};
	/* Foreign keys off while migrating: SQLite's way to change a table is to
	 * build a new one and drop the old, and dropping a parent table with
	 * enforcement on would cascade-delete its children's rows. The pragma is
	 * a no-op inside a transaction, so it is set around them;
	 * check_foreign_keys verifies each migration's result instead. */
	int64_t fk_was_on = 0;
	struct ctr_error ignored;
	int rc = CTR_DB_ERROR;
	if (db_query_int(&db, "PRAGMA foreign_keys", &fk_was_on, "reading foreign_keys", err) == CTR_DB_OK) {
		_cleanup_stmt_ sqlite3_stmt *off =
			db_prepare(&db, "PRAGMA foreign_keys = OFF", "disabling foreign keys", err);
		if (off && db_step_done(&db, off, "disabling foreign keys", err) == CTR_DB_OK)
			while ((rc = migrate_step(&db, migrations, upto, err)) == 0)
				;
	}
	if (fk_was_on) {
		_cleanup_stmt_ sqlite3_stmt *on =
			db_prepare(&db, "PRAGMA foreign_keys = ON", "enabling foreign keys", &ignored);
		if (on)
			db_step_done(&db, on, "enabling foreign keys", &ignored);
	}
	free(db.damage);  /* the caller's connection fails to open, with the message */
	return rc == 1 ? CTR_DB_OK : rc == CTR_DB_BUSY ? CTR_DB_BUSY : CTR_DB_ERROR;
}

int ctr_db_schema_version(void)
{
	return ctr_db_migration_count;
}
