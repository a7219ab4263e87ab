/* Opening state.db: refuse what cannot or must not be written, set the
 * connection up (WAL, foreign keys, busy timeout), bring the schema up to
 * date. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <strings.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_internal.h"

int db_busy_timeout_ms = DB_BUSY_TIMEOUT_MS;
int db_empty_file_grace_ms = DB_EMPTY_FILE_GRACE_MS;

/* Explicit checks before SQLite sees the file: SQLite would quietly open a
 * read-only file read-only, and an unwritable directory only shows up later
 * as a failure to create the -wal file. AT_EACCESS: the effective ids decide,
 * as they do for the open itself. */
static int check_writable(struct ctr_db *db, struct ctr_error *err)
{
	_cleanup_free_ char *copy = strdup(db->path);
	if (!copy)
		return ctr_fail(err, ENOMEM, "state db %s", db->path);
	const char *dir = dirname(copy);
	struct stat st;
	int rc = CTR_DB_OK;
	if (stat(dir, &st) < 0)
		rc = ctr_fail(err, errno, "state db %s: directory %s", db->path, dir);
	else if (!S_ISDIR(st.st_mode))
		rc = ctr_fail(err, ENOTDIR, "state db %s: %s", db->path, dir);
	else if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0)
		rc = ctr_fail(err, errno,
			      "state db %s: directory %s is not writable (SQLite keeps its -wal and -shm files there)",
			      db->path, dir);
	else if (stat(db->path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			rc = ctr_fail(err, 0, "state db %s: not a regular file", db->path);
		else if (faccessat(AT_FDCWD, db->path, R_OK | W_OK, AT_EACCESS) < 0)
			rc = ctr_fail(err, errno, "state db %s: the file is not writable", db->path);
	} else if (errno != ENOENT) {
		rc = ctr_fail(err, errno, "state db %s", db->path);
	}
	return rc;
}

/* True when directory DIR (at DIRFD) has nothing in it but "." and "..". */
static bool dir_is_empty(int dirfd, const char *name)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d)
		return false;
	steal_fd(&fd);  /* d owns it */
	bool empty = true;
	for (struct dirent *e; empty && (e = readdir(d));)
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	return empty;
}

/* What the directory of an empty database holds that a new store would
 * not: anything but the database's own files (an empty -wal, the -shm
 * index, a -journal, which of an empty file holds nothing) and empty
 * directories (ctrrun makes layers/ and containers/ before it opens the
 * database). 1 with the entry's name in FOUND, 0 when there is nothing. */
static int store_content(struct ctr_db *db, const char *dir, const char *base, char *found, size_t len,
			 struct ctr_error *err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return ctr_fail(err, errno, "state db %s: directory %s", db->path, dir);
	size_t base_len = strlen(base);
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		const char *name = e->d_name, *suffix = name + base_len;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		bool ours = strncmp(name, base, base_len) == 0;
		if (ours && (*suffix == '\0' || strcmp(suffix, "-shm") == 0 || strcmp(suffix, "-journal") == 0))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;  /* gone meanwhile */
		if (ours && strcmp(suffix, "-wal") == 0 && st.st_size == 0)
			continue;
		if (S_ISDIR(st.st_mode) && dir_is_empty(dirfd(d), name))
			continue;
		snprintf(found, len, "%s%s", name, S_ISDIR(st.st_mode) ? "/" : "");
		rc = 1;
	}
	return rc;
}

/* An empty (0-byte) database is what SQLite makes of a new file, and what a
 * truncated one looks like. It may become a new database only where there
 * is nothing a database could have described: beside a store's layers,
 * containers or -wal it is damage, and migrating it would silently forget
 * them. Another process may be creating the file right now: its first page
 * comes within milliseconds, so an empty file is given a moment to grow. */
static int check_not_truncated(struct ctr_db *db, struct ctr_error *err)
{
	_cleanup_free_ char *copy = strdup(db->path);
	_cleanup_free_ char *copy2 = strdup(db->path);
	if (!copy || !copy2)
		return ctr_fail(err, ENOMEM, "state db %s", db->path);
	const char *dir = dirname(copy), *base = basename(copy2);
	int rc = CTR_DB_OK;
	for (int waited_ms = 0;; waited_ms += 10) {
		struct stat st;
		if (stat(db->path, &st) < 0 || st.st_size > 0)
			break;  /* missing (made new below), or not empty */
		char found[512];
		int content = store_content(db, dir, base, found, sizeof found, err);
		if (content < 0) {
			rc = CTR_DB_ERROR;
			break;
		}
		if (content == 0)
			break;  /* a new store: the empty file becomes its database */
		if (waited_ms >= db_empty_file_grace_ms) {
			rc = db_fail(db, err, CTR_DB_ERROR,
				     "the file is empty (0 bytes) but %s holds %s: a database in use is never empty, "
				     "so this one was cut short (a full disk, a crash, a stray redirection); restore it "
				     "from a backup, or move the whole directory aside to start afresh",
				     dir, found);
			break;
		}
		usleep(10 * 1000);
	}
	return rc;
}

/* Before anything writes: the file must be a SQLite database, ours or empty,
 * and of a schema version this build knows. Reading the header and the
 * schema also turns a damaged file into an error here rather than later. */
static int read_header(struct ctr_db *db, int64_t *version, int64_t *app_id, int64_t *objects,
		       struct ctr_error *err)
{
	if (db_query_int(db, "PRAGMA user_version", version, "reading the schema version", err) ||
	    db_query_int(db, "PRAGMA application_id", app_id, "reading the application id", err) ||
	    db_query_int(db, "SELECT count(*) FROM sqlite_schema", objects, "reading the schema", err))
		return CTR_DB_ERROR;
	return CTR_DB_OK;
}

static int check_version(struct ctr_db *db, int64_t *version_out, struct ctr_error *err)
{
	int64_t version, app_id, objects;
	/* One read transaction: one snapshot. Separate reads could see version
	 * 0 before, and the tables after, another process's first migration. */
	if (db_begin_read(db, "reading the schema version", err) ||
	    db_end(db, read_header(db, &version, &app_id, &objects, err), "reading the schema version", err))
		return CTR_DB_ERROR;
	if (app_id != DB_APPLICATION_ID && (app_id != 0 || version != 0))
		return db_fail(db, err, CTR_DB_ERROR,
			       "not a ctrrun state database (application id %#llx, schema version %lld)",
			       (unsigned long long)app_id, (long long)version);
	if (version == 0 && objects > 0)  /* checked again under the lock by db_migrate */
		return db_fail(db, err, CTR_DB_ERROR,
			       "not a ctrrun state database (it has tables but no ctrrun schema version)");
	if (version > ctr_db_migration_count)
		return db_fail(db, err, CTR_DB_ERROR,
			       "schema version %lld is newer than this ctrrun knows (%d); use a newer ctrrun",
			       (long long)version, ctr_db_migration_count);
	*version_out = version;
	return CTR_DB_OK;
}

static int set_pragma(struct ctr_db *db, const char *sql, const char *want, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db, sql, sql, err);
	if (!stmt)
		return CTR_DB_ERROR;
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, sql);
	/* Pragmas that cannot take effect answer with the value in force. */
	if (want) {
		const char *got = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0) : NULL;
		if (!got || strcasecmp(got, want) != 0)
			return db_fail(db, err, CTR_DB_ERROR, "%s: got %s (the file system may not support it)",
				       sql, got ? got : "nothing");
	}
	return CTR_DB_OK;
}

/* WAL mode is persistent in the file, so this only writes on the first
 * open. The switch needs an exclusive lock for a moment, and SQLite does not
 * run the busy handler for it (waiting there could deadlock): two processes
 * opening a new file at once make one of them see SQLITE_BUSY at once. So it
 * is retried here, for as long as the busy timeout. */
static int set_wal(struct ctr_db *db, struct ctr_error *err)
{
	for (int waited_ms = 0;; waited_ms += 5) {
		_cleanup_stmt_ sqlite3_stmt *stmt =
			db_prepare(db, "PRAGMA journal_mode = WAL", "switching to WAL", err);
		if (!stmt)
			return CTR_DB_ERROR;
		int rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			const char *mode = (const char *)sqlite3_column_text(stmt, 0);
			if (mode && strcasecmp(mode, "wal") == 0)
				return CTR_DB_OK;
			return db_fail(db, err, CTR_DB_ERROR,
				       "switching to WAL: the journal mode stays %s (the file system may not support it)",
				       mode ? mode : "unknown");
		}
		if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= db_busy_timeout_ms)
			return db_fail_sqlite(db, err, "switching to WAL");
		usleep(5000);
	}
}

static int open_conn(struct ctr_db *db, struct ctr_error *err)
{
	if (check_writable(db, err) || check_not_truncated(db, err))
		return CTR_DB_ERROR;
	/* A new state.db is 0600 (and so are its -wal and -shm, which SQLite
	 * makes with the database's mode): it holds -e values and logs. */
	mode_t old_umask = umask(077);
	int rc = sqlite3_open_v2(db->path, &db->conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	umask(old_umask);
	if (!db->conn)
		return ctr_fail(err, ENOMEM, "state db %s", db->path);
	if (rc != SQLITE_OK)
		return db_fail_sqlite(db, err, "opening");
	sqlite3_extended_result_codes(db->conn, 1);
	if (sqlite3_db_readonly(db->conn, "main") == 1)
		return db_fail(db, err, CTR_DB_ERROR, "opened read-only: the file or its directory is not writable");
	sqlite3_busy_timeout(db->conn, db_busy_timeout_ms);
	/* Every ctrrun command opens and closes the database. SQLite's
	 * checkpoint on the last close, and the fresh WAL header the next writer
	 * then syncs, cost four fsyncs per command; the automatic checkpoint
	 * (every 1000 pages) does the same job once in a long while. */
	sqlite3_db_config(db->conn, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	int64_t version = 0;
	if (check_version(db, &version, err))
		return CTR_DB_ERROR;
	/* Incremental auto-vacuum, so that the space of a big log comes back
	 * when it goes (db_give_back_space). It must be set before the file
	 * has its first page, which switching to WAL writes. (On an existing
	 * file the pragma would wait for the write lock: older files are
	 * switched by db_switch_to_incremental_vacuum.) */
	if (version == 0 && set_pragma(db, "PRAGMA auto_vacuum = INCREMENTAL", NULL, err))
		return CTR_DB_ERROR;
	/* WAL: readers never block the writer nor the other way round, which
	 * monitors appending logs while `ctrrun ps` reads rely on. Persistent in
	 * the file. synchronous=NORMAL is safe with WAL (a power cut may lose
	 * the last commits, never corrupt) and spares an fsync per log batch. */
	if (set_wal(db, err) || set_pragma(db, "PRAGMA synchronous = NORMAL", NULL, err))
		return CTR_DB_ERROR;
	/* A WAL that grew for one big transaction is cut back to this when it
	 * is next reused, not kept at its biggest. */
	if (set_pragma(db, "PRAGMA journal_size_limit = 8388608", NULL, err))
		return CTR_DB_ERROR;
	/* Only a due migration takes the write lock. An up-to-date file is
	 * opened without it, so that reading never waits for a writer (a
	 * monitor's log batch, a chunked delete, a sqlite3 session left in a
	 * transaction). db_migrate checks the version again under the lock. */
	if (version < ctr_db_migration_count) {
		int rc = db_migrate(db->conn, db->path, ctr_db_migrations, ctr_db_migration_count, err);
		if (rc == CTR_DB_BUSY)
			return db_fail(db, err, CTR_DB_BUSY,
				       "schema version %lld must be brought up to %d before this ctrrun can use the "
				       "file, and another process held the write lock for the %g s this waited (a "
				       "ctrrun, or a sqlite3 session left in a transaction); try again once it ends",
				       (long long)version, ctr_db_migration_count, db_busy_timeout_ms / 1000.0);
		if (rc)
			return CTR_DB_ERROR;
		/* A file from before schema version 6 goes to incremental
		 * auto-vacuum now, if it is small enough (else after a big delete). */
		db_switch_to_incremental_vacuum(db);
	}
	/* Per connection, off by default in SQLite; our cascades rely on it. */
	if (set_pragma(db, "PRAGMA foreign_keys = ON", NULL, err) ||
	    set_pragma(db, "PRAGMA foreign_keys", "1", err))
		return CTR_DB_ERROR;
	return CTR_DB_OK;
}

int ctr_db_open(struct ctr_db **dbp, const char *path, struct ctr_error *err)
{
	*dbp = NULL;
	struct ctr_db *db = calloc(1, sizeof *db);
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return ctr_fail(err, ENOMEM, "state db %s", path);
	}
	db->delete_chunk_rows = DB_DELETE_CHUNK_ROWS;
	int rc = db_reserve_init(db, err);
	if (rc == CTR_DB_OK && (rc = open_conn(db, err)) != CTR_DB_OK && db_failure_result(db) == CTR_DB_FULL &&
	    db_reserve_release(db)) {
		/* The first connection to a WAL database rebuilds its -shm file,
		 * which needs blocks: on a full file system even a reader needs
		 * the reserve. */
		sqlite3_close_v2(db->conn);
		db->conn = NULL;
		db->last_code = db->last_errno = 0;
		rc = open_conn(db, err);
	}
	if (rc != CTR_DB_OK) {
		ctr_db_close(db);
		return rc == CTR_DB_BUSY ? CTR_DB_BUSY : CTR_DB_ERROR;
	}
	*dbp = db;
	return CTR_DB_OK;
}

int ctr_db_open_dir(struct ctr_db **dbp, const char *state_dir, struct ctr_error *err)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", state_dir, CTR_DB_FILE) >= sizeof path) {
		*dbp = NULL;
		return ctr_fail(err, ENAMETOOLONG, "state dir %s", state_dir);
	}
	return ctr_db_open(dbp, path, err);
}

void ctr_db_close(struct ctr_db *db)
{
	if (!db)
		return;
	/* Every statement is finalized by its scope; _v2 frees the connection
	 * even if one were not. */
	sqlite3_close_v2(db->conn);
	free(db->damage);
	free(db->path);
	free(db->reserve_path);
	free(db);
}

const char *ctr_db_path(const struct ctr_db *db)
{
	return db->path;
}

int ctr_db_check(struct ctr_db *db, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db, "PRAGMA quick_check", "checking", err);
	if (!stmt)
		return CTR_DB_ERROR;
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW)
		return db_fail_sqlite(db, err, "checking");
	const char *first = (const char *)sqlite3_column_text(stmt, 0);
	if (!first || strcmp(first, "ok") != 0) {
		db_fail(db, err, CTR_DB_ERROR, "corrupt: %s", first ? first : "(no detail)");
		if (!db->damage)
			db->damage = strdup(err->msg);
		return CTR_DB_ERROR;
	}
	return CTR_DB_OK;
}
