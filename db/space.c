/* Giving disk space back. SQLite keeps the pages of deleted rows in the
 * file for reuse; a big log removed (or trimmed) would leave state.db at
 * its biggest for good. With auto_vacuum = INCREMENTAL (every database from
 * schema version 6 on) the free pages can be cut off the end of the file
 * in steps, each a short write transaction. Invariant: nothing here fails
 * a caller; space not given back now stays free for reuse and is given
 * back the next time. */
#include <errno.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "db_internal.h"

/* Pages per incremental_vacuum transaction: 8 MiB of 4 KiB pages, a few
 * tens of milliseconds of write lock. */
#define VACUUM_STEP_PAGES 2048
#define STRINGIFY(x) #x
#define STRING_OF(x) STRINGIFY(x)
/* Free space worth giving back: more than this (a truncating checkpoint
 * costs an fsync or two; below it, the pages are kept for the next logs,
 * which reuse them). After a trim also more than a quarter of the file: the
 * trimmed log goes on growing into the pages the trim freed, and cutting
 * them off would only make the file grow again. */
#define GIVE_BACK_MIN_BYTES (16LL << 20)
/* How long the optional steps here wait for another process's lock. */
#define SPACE_BUSY_TIMEOUT_MS 1000

/* A VACUUM copies the live pages twice (a temporary file, then the WAL) and
 * holds the write lock meanwhile: about 2 s per 100 MiB here, against the
 * 10 s busy timeout of other ctrrun commands. So the switch waits for a
 * file with at most this much live data (after a big log is removed, say);
 * tests make it small. */
int64_t db_vacuum_switch_max_live = 64LL << 20;

static int64_t pragma_int(struct ctr_db *db, const char *sql)
{
	struct ctr_error ignored;
	int64_t v = -1;
	if (db_query_int(db, sql, &v, sql, &ignored))
		return -1;
	return v;
}

static int run(struct ctr_db *db, const char *sql)
{
	struct ctr_error ignored;
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db, sql, sql, &ignored);
	return stmt ? db_step_done(db, stmt, sql, &ignored) : CTR_DB_ERROR;
}

/* The WAL holds a copy of every page written since the last checkpoint and
 * never shrinks by itself: checkpoint it and cut it to nothing, waiting a
 * little for readers. Not essential: the next writer reuses it, and
 * journal_size_limit trims it then. */
static void truncate_wal(struct ctr_db *db)
{
	sqlite3_busy_timeout(db->conn, SPACE_BUSY_TIMEOUT_MS);
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "PRAGMA wal_checkpoint(TRUNCATE)", "checkpointing", &(struct ctr_error){0});
	if (stmt)
		while (sqlite3_step(stmt) == SQLITE_ROW)
			;
	sqlite3_busy_timeout(db->conn, db_busy_timeout_ms);
}

void db_give_back_space(struct ctr_db *db, bool after_trim)
{
	if (!sqlite3_get_autocommit(db->conn))
		return;
	if (pragma_int(db, "PRAGMA auto_vacuum") == 0 && !after_trim) {
		/* Not switched yet: now that much is free, the VACUUM of the switch
		 * is cheap, and gives the space back too. */
		db_switch_to_incremental_vacuum(db);
		return;
	}
	if (pragma_int(db, "PRAGMA auto_vacuum") != 2)
		return;
	int64_t page = pragma_int(db, "PRAGMA page_size"), pages = pragma_int(db, "PRAGMA page_count");
	int64_t free_pages = pragma_int(db, "PRAGMA freelist_count");
	if (page <= 0 || free_pages * page <= GIVE_BACK_MIN_BYTES || (after_trim && free_pages * 4 <= pages))
		return;
	int64_t before = free_pages;
	/* Each step its own transaction, so that monitors appending logs wait
	 * tens of milliseconds at most. */
	while (free_pages > 0) {
		struct ctr_error ignored;
		if (db_begin_write(db, "giving free space back", &ignored))
			break;
		/* A literal: pragmas take no bound parameters. */
		int rc = run(db, "PRAGMA incremental_vacuum(" STRING_OF(VACUUM_STEP_PAGES) ")");
		if (db_end(db, rc, "giving free space back", &ignored))
			break;
		int64_t left = pragma_int(db, "PRAGMA freelist_count");
		if (left < 0 || left >= free_pages)
			break;  /* another process uses the pages; done */
		free_pages = left;
	}
	if (before - free_pages >= VACUUM_STEP_PAGES / 4)
		truncate_wal(db);
}

/* Free bytes on the file system of the database. */
static int64_t free_bytes(const struct ctr_db *db)
{
	struct statvfs vfs;
	if (statvfs(db->path, &vfs) < 0)
		return -1;
	return (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
}

static int64_t file_bytes(const char *path, const char *suffix)
{
	char name[4200];
	struct stat st;
	snprintf(name, sizeof name, "%s%s", path, suffix);
	return stat(name, &st) == 0 ? (int64_t)st.st_size : 0;
}

void db_switch_to_incremental_vacuum(struct ctr_db *db)
{
	if (pragma_int(db, "PRAGMA auto_vacuum") != 0)
		return;
	int64_t page = pragma_int(db, "PRAGMA page_size"), pages = pragma_int(db, "PRAGMA page_count");
	int64_t free_pages = pragma_int(db, "PRAGMA freelist_count");
	int64_t live = (pages - free_pages) * page;
	if (page <= 0 || pages < 0 || free_pages < 0 || live > db_vacuum_switch_max_live)
		return;
	/* VACUUM writes a copy of the live pages (a temporary file) and then
	 * all of them again into the WAL: room for twice that, and some. */
	if (free_bytes(db) < 2 * live + file_bytes(db->path, "-wal") + (16LL << 20))
		return;
	sqlite3_busy_timeout(db->conn, SPACE_BUSY_TIMEOUT_MS);
	int rc = run(db, "PRAGMA auto_vacuum = INCREMENTAL");
	if (rc == CTR_DB_OK)
		rc = run(db, "VACUUM");
	sqlite3_busy_timeout(db->conn, db_busy_timeout_ms);
	if (rc == CTR_DB_OK)
		truncate_wal(db);
}
