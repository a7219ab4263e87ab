/* The state database (db/, include/ctr/db.h) against real SQLite files in a
 * temporary directory: migrations, the views, name uniqueness under a race,
 * id prefixes, chunked deletes, and refusal of files it must not touch. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db_internal.h"
#include "tap.h"

static char tmp_root[256];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	chmod(path, 0700);  /* read-only test dirs must be emptied too */
	return remove(path);
}

static void remove_tmp_root(void)
{
	if (tmp_root[0]) {
		chmod(tmp_root, 0700);
		nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
}

/* A fresh path under the test's temp dir (static buffer per call slot). */
static const char *tmp_path(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof bufs[0], "%s/%s", tmp_root, name);
	return b;
}

/* An id of 64 hex digits starting with PREFIX; N makes the rest unique. */
static void make_id(char out[CTR_DB_ID_LEN + 1], const char *prefix, unsigned n)
{
	size_t len = strlen(prefix);
	memcpy(out, prefix, len);
	for (size_t i = len; i < CTR_DB_ID_LEN; i++)
		out[i] = "0123456789abcdef"[(n >> ((i % 8) * 4)) & 15];
	out[CTR_DB_ID_LEN] = '\0';
}

/* ---- raw SQLite access, to look at what the API wrote ---- */

static int64_t q_int(sqlite3 *conn, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int64_t v = -999;
	if (sqlite3_prepare_v2(conn, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	else
		printf("# query failed: %s: %s\n", sql, sqlite3_errmsg(conn));
	sqlite3_finalize(stmt);
	return v;
}

/* First column of the first row as text into a static buffer ("" if none). */
static const char *q_text(sqlite3 *conn, const char *sql)
{
	static char buf[4096];
	sqlite3_stmt *stmt = NULL;
	buf[0] = '\0';
	if (sqlite3_prepare_v2(conn, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_text(stmt, 0))
		snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return buf;
}

static int64_t file_int(const char *path, const char *sql)
{
	sqlite3 *conn = NULL;
	int64_t v = -999;
	if (sqlite3_open_v2(path, &conn, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
		v = q_int(conn, sql);
	sqlite3_close(conn);
	return v;
}

static int raw_exec(const char *path, const char *sql)
{
	sqlite3 *conn = NULL;
	int rc = sqlite3_open(path, &conn);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(conn, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		printf("# raw_exec %s: %s\n", path, sqlite3_errmsg(conn));
	sqlite3_close(conn);
	return rc;
}

/* A database of schema version K: only the first K migrations of MIGS. */
static int build_version(const char *path, const struct db_migration *migs, int k, struct ctr_error *err)
{
	sqlite3 *conn = NULL;
	int rc = sqlite3_open(path, &conn) == SQLITE_OK ? db_migrate(conn, path, migs, k, err) : -1;
	sqlite3_close(conn);
	return rc;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 22);
	*len = buf ? fread(buf, 1, 1 << 22, f) : 0;
	fclose(f);
	return buf;
}

/* True when PATH has the bytes it had when SNAPSHOT was taken. */
static bool same_bytes(const char *path, const char *snapshot, size_t len)
{
	size_t now_len;
	char *now = read_file(path, &now_len);
	bool same = now && now_len == len && memcmp(now, snapshot, len) == 0;
	free(now);
	return same;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ---- fixtures ---- */

static char image_id[CTR_DB_ID_LEN + 1];

static int add_busybox(struct ctr_db *db, struct ctr_error *err)
{
	struct ctr_db_layer layer = {.size_bytes = 1000, .created_ns = 1};
	make_id(layer.id, "1a", 1);
	make_id(image_id, "b0", 1);
	char *layers[] = {layer.id};
	struct ctr_db_image img = {.repository = "busybox", .created_ns = 1, .layers = layers, .n_layers = 1};
	memcpy(img.id, image_id, sizeof img.id);
	int rc = ctr_db_add_layer(db, &layer, err);
	return rc ? rc : ctr_db_add_image(db, &img, err);
}

static int add_ct(struct ctr_db *db, const char *id, const char *name, int64_t created_ns, struct ctr_error *err)
{
	char *argv[] = {"sh", "-c", "echo hi"};
	struct ctr_db_container c = {.name = (char *)name, .argv = argv, .argc = 3, .created_ns = created_ns};
	memcpy(c.id, id, sizeof c.id);
	memcpy(c.image_id, image_id, sizeof c.image_id);
	return ctr_db_add_container(db, &c, err);
}

/* Opens a fresh database with the busybox image recorded. */
static struct ctr_db *fresh_db(const char *name)
{
	struct ctr_db *db = NULL;
	struct ctr_error err = {0};
	if (ctr_db_open(&db, tmp_path(name), &err) || add_busybox(db, &err)) {
		printf("# fixture %s: %s\n", name, err.msg);
		ctr_db_close(db);
		return NULL;
	}
	return db;
}

/* Objects of a schema as "type name tbl_name sql" lines, comments dropped and
 * whitespace collapsed, so schema.sql's wording may differ but not its SQL. */
static char *schema_dump(sqlite3 *conn)
{
	sqlite3_stmt *stmt = NULL;
	size_t cap = 1 << 16, len = 0;
	char *out = calloc(1, cap);
	if (sqlite3_prepare_v2(conn, "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema "
				     "ORDER BY type, name", -1, &stmt, NULL) != SQLITE_OK)
		return out;
	while (out && sqlite3_step(stmt) == SQLITE_ROW) {
		char line[16384];
		int n = snprintf(line, sizeof line, "%s %s %s ", sqlite3_column_text(stmt, 0),
				 sqlite3_column_text(stmt, 1), sqlite3_column_text(stmt, 2));
		const char *s = (const char *)sqlite3_column_text(stmt, 3);
		bool quoted = false, space = false;
		for (; *s && n < (int)sizeof line - 2; s++) {
			if (*s == '\'')
				quoted = !quoted;
			if (!quoted && s[0] == '-' && s[1] == '-') {
				while (*s && *s != '\n')
					s++;
				space = true;
				if (!*s)
					break;
				continue;
			}
			if (!quoted && (*s == ' ' || *s == '\n' || *s == '\t')) {
				space = true;
				continue;
			}
			if (space && line[n - 1] != ' ')
				line[n++] = ' ';
			space = false;
			line[n++] = *s;
		}
		line[n++] = '\n';
		line[n] = '\0';
		if (len + (size_t)n + 1 > cap && !(out = realloc(out, cap *= 2)))
			break;
		memcpy(out + len, line, (size_t)n + 1);
		len += (size_t)n;
	}
	sqlite3_finalize(stmt);
	return out;
}

/* ---- opening and migrating ---- */

static void test_fresh_open(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = NULL;
	const char *path = tmp_path("fresh.db");
	int rc = ctr_db_open(&db, path, &err);
	TAP_CHECK(rc == 0 && db, "a missing file becomes a new database: %s", rc ? err.msg : "ok");
	if (!db)
		return;
	TAP_CHECK(ctr_db_schema_version() >= 1, "the build knows at least one migration");
	TAP_CHECK(q_int(db->conn, "PRAGMA user_version") == ctr_db_schema_version(),
		  "user_version is the number of migrations");
	TAP_STR_EQ(q_text(db->conn, "PRAGMA journal_mode"), "wal", "WAL journal");
	TAP_CHECK(q_int(db->conn, "PRAGMA foreign_keys") == 1, "foreign keys enforced");
	TAP_CHECK(q_int(db->conn, "PRAGMA busy_timeout") == DB_BUSY_TIMEOUT_MS, "busy timeout set");
	TAP_CHECK(q_int(db->conn, "PRAGMA application_id") == DB_APPLICATION_ID, "application id marks it ctrrun's");
	const char *want[] = {"images", "layers", "image_layers", "containers", "container_processes",
			      "container_resources", "mounts", "env", "logs", "events", "ps", "log_lines"};
	int found = 0;
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_schema WHERE name = '%s'", want[i]);
		found += q_int(db->conn, sql) == 1;
	}
	TAP_CHECK(found == (int)(sizeof want / sizeof *want), "all tables and views exist (%d of %zu)", found,
		  sizeof want / sizeof *want);
	TAP_STR_EQ(ctr_db_path(db), path, "ctr_db_path gives the file");
	ctr_db_close(db);

	rc = ctr_db_open(&db, path, &err);
	TAP_CHECK(rc == 0, "reopening an up-to-date database: %s", rc ? err.msg : "ok");
	ctr_db_close(db);

	mkdir(tmp_path("statedir"), 0755);
	rc = ctr_db_open_dir(&db, tmp_path("statedir"), &err);
	TAP_CHECK(rc == 0 && exists(tmp_path("statedir/state.db")), "open_dir uses DIR/state.db");
	ctr_db_close(db);

	const char *nodir = tmp_path("no-such-dir");
	rc = ctr_db_open_dir(&db, nodir, &err);
	TAP_CHECK(rc == CTR_DB_ERROR && strstr(err.msg, nodir) && !exists(nodir),
		  "missing state dir: error naming it, nothing created: %s", err.msg);
}

/* Writes N bytes of X to PATH (N 0: an empty file). */
static void write_file(const char *path, size_t n, char x)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	for (size_t i = 0; fd >= 0 && i < n; i++)
		if (write(fd, &x, 1) != 1)
			break;
	if (fd >= 0)
		close(fd);
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A zero-length state.db is what a new store starts as, and what a
 * truncated one (a full disk, a crash of the file system, a stray `>`)
 * looks like. Only the first may become a new database: beside anything
 * else a store holds, it is damage, refused and left as it is. */
static void test_empty_file(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = NULL;

	mkdir(tmp_path("empty-alone"), 0700);
	const char *path = tmp_path("empty-alone/state.db");
	write_file(path, 0, 0);
	int rc = ctr_db_open(&db, path, &err);
	TAP_CHECK(rc == 0 && q_int(db->conn, "PRAGMA user_version") == ctr_db_schema_version(),
		  "an empty state.db alone in its directory becomes a new database: %s", rc ? err.msg : "ok");
	ctr_db_close(db);
	db = NULL;

	/* What ctrrun makes before it opens the database: empty layers/ and
	 * containers/ hold nothing to lose. */
	mkdir(tmp_path("empty-new-store"), 0700);
	mkdir(tmp_path("empty-new-store/layers"), 0700);
	mkdir(tmp_path("empty-new-store/containers"), 0700);
	path = tmp_path("empty-new-store/state.db");
	write_file(path, 0, 0);
	rc = ctr_db_open(&db, path, &err);
	TAP_CHECK(rc == 0 && q_int(db->conn, "PRAGMA user_version") == ctr_db_schema_version(),
		  "beside empty directories it becomes a new database too: %s", rc ? err.msg : "ok");
	ctr_db_close(db);
	db = NULL;

	/* Refusals wait for a concurrent creator first; test_name_race has
	 * one, with the real wait. */
	db_empty_file_grace_ms = 200;
	static const struct {
		const char *dir, *made, *what;
		bool is_dir;
	} beside[] = {
		{"empty-layers", "layers/1a2b", "a layer directory", true},
		{"empty-containers", "containers/c0ffee/upper", "a container directory", true},
		{"empty-file", "notes.txt", "another file", false},
		{"empty-wal", "state.db-wal", "a -wal file with content", false},
	};
	for (size_t i = 0; i < sizeof beside / sizeof *beside; i++) {
		char sub[256];
		mkdir(tmp_path(beside[i].dir), 0700);
		snprintf(sub, sizeof sub, "%s/layers", beside[i].dir);
		mkdir(tmp_path(sub), 0700);
		snprintf(sub, sizeof sub, "%s/containers", beside[i].dir);
		mkdir(tmp_path(sub), 0700);
		if (beside[i].is_dir) {
			snprintf(sub, sizeof sub, "%s/%s", beside[i].dir, beside[i].made);
			char *slash = strrchr(sub, '/');
			*slash = '\0';
			mkdir(tmp_path(sub), 0700);
			*slash = '/';
			mkdir(tmp_path(sub), 0700);
		} else {
			snprintf(sub, sizeof sub, "%s/%s", beside[i].dir, beside[i].made);
			write_file(tmp_path(sub), 100, 'w');
		}
		char db_name[256];
		snprintf(db_name, sizeof db_name, "%s/state.db", beside[i].dir);
		path = tmp_path(db_name);
		write_file(path, 0, 0);
		memset(&err, 0, sizeof err);
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = ctr_db_open(&db, path, &err);
		double took = seconds_since(&t0);
		TAP_CHECK(rc == CTR_DB_ERROR && !db && strstr(err.msg, path) && strstr(err.msg, "empty") &&
				  file_size(path) == 0 && took < 3,
			  "an empty state.db beside %s is refused as damaged, left empty (%.2fs): %s", beside[i].what,
			  took, err.msg);
		ctr_db_close(db);
		db = NULL;
	}
	db_empty_file_grace_ms = DB_EMPTY_FILE_GRACE_MS;
}

/* ---- beside another process's write transaction ---- */

struct lock_holder {
	pid_t pid;
	int release;  /* write a byte (or close) to end the transaction */
};

/* Forks a process that holds a write transaction on PATH (BEGIN IMMEDIATE
 * and an uncommitted INSERT, as a `sqlite3` session left open does) until
 * lock_release. False if it could not take the lock. */
static bool lock_hold(struct lock_holder *h, const char *path)
{
	int ready[2], release[2];
	if (pipe(ready) < 0 || pipe(release) < 0)
		return false;
	h->pid = fork();
	if (h->pid == 0) {
		close(ready[0]);
		close(release[1]);
		sqlite3 *conn = NULL;
		sqlite3_open(path, &conn);
		if (sqlite3_exec(conn, "BEGIN IMMEDIATE; INSERT INTO events (time_ns, type, action, actor_id) "
				       "VALUES (1, 'image', 'held', 'x')", NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		if (write(ready[1], "x", 1) < 0)
			_exit(2);
		char c;
		if (read(release[0], &c, 1) < 0)
			_exit(3);
		sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(conn);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	h->release = release[1];
	char c;
	bool locked = h->pid > 0 && read(ready[0], &c, 1) == 1;
	close(ready[0]);
	return locked;
}

static void lock_release(struct lock_holder *h)
{
	close(h->release);
	int status;
	if (h->pid > 0)
		waitpid(h->pid, &status, 0);
}

/* Reading needs no lock in WAL mode: opening an up-to-date database and
 * every read answer at once while another process holds the write lock. */
static void test_read_beside_write_lock(void)
{
	struct ctr_db *db = fresh_db("held.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	struct ctr_error err = {0};
	char cid[CTR_DB_ID_LEN + 1];
	make_id(cid, "ab", 1);
	struct ctr_db_log_chunk chunk = {.stream = CTR_DB_STDOUT, .time_ns = 1, .data = "hi\n", .len = 3};
	int rc = add_ct(db, cid, "reader", 1, &err);
	if (rc == 0)
		rc = ctr_db_append_logs(db, cid, &chunk, 1, &err);
	char path[512];
	snprintf(path, sizeof path, "%s", ctr_db_path(db));
	ctr_db_close(db);
	db = NULL;
	struct lock_holder h;
	bool locked = rc == 0 && lock_hold(&h, path);
	TAP_CHECK(locked, "another process holds the write lock: %s", rc ? err.msg : "ok");
	if (!locked)
		return;

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = ctr_db_open(&db, path, &err);
	double took = seconds_since(&t0);
	TAP_CHECK(rc == 0 && took < 1, "an up-to-date database opens at once beside it (%.2fs): %s", took,
		  rc ? err.msg : "ok");
	if (rc == 0) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		struct ctr_db_ps_row *rows = NULL;
		size_t n_rows = 0;
		struct ctr_db_image *images = NULL;
		size_t n_images = 0;
		struct ctr_db_container c = {0};
		struct ctr_db_log_chunk *chunks = NULL;
		size_t n_chunks = 0;
		char **running = NULL;
		size_t n_running = 0;
		int r1 = ctr_db_list_ps(db, true, &rows, &n_rows, &err);
		int r2 = r1 ? r1 : ctr_db_list_images(db, &images, &n_images, &err);
		int r3 = r2 ? r2 : ctr_db_find_container(db, "reader", &c, &err);
		int r4 = r3 ? r3 : ctr_db_read_logs(db, cid, 0, 100, &chunks, &n_chunks, &err);
		int r5 = r4 ? r4 : ctr_db_list_running(db, &running, &n_running, &err);
		took = seconds_since(&t0);
		TAP_CHECK(r5 == 0 && n_rows == 1 && n_images == 1 && n_chunks == 1 && took < 1,
			  "ps, images, a container, its log: read at once (%.2fs): %s", took, r5 ? err.msg : "ok");
		TAP_CHECK(q_int(db->conn, "SELECT count(*) FROM events WHERE action = 'held'") == 0,
			  "from the last commit: the holder's uncommitted row is not seen");
		ctr_db_ps_free(rows, n_rows);
		ctr_db_image_list_free(images, n_images);
		ctr_db_container_free(&c);
		ctr_db_log_chunks_free(chunks, n_chunks);
		ctr_db_strv_free(running, n_running);
		ctr_db_close(db);
	}
	lock_release(&h);
}

/* A migration is a write: when one is due and another process keeps the
 * write lock, the open waits the busy timeout, then says what it needs. */
static void test_migration_beside_write_lock(void)
{
	int n = ctr_db_schema_version();
	struct ctr_error err = {0};
	const char *path = tmp_path("held-old.db");
	int rc = build_version(path, ctr_db_migrations, n - 1, &err);
	if (rc == 0)
		rc = raw_exec(path, "PRAGMA journal_mode = WAL");  /* as every file ctrrun opened is */
	struct lock_holder h;
	bool locked = rc == 0 && lock_hold(&h, path);
	TAP_CHECK(locked, "a version %d database, another process holding its write lock: %s", n - 1,
		  rc ? err.msg : "ok");
	if (!locked)
		return;
	db_busy_timeout_ms = 300;
	struct ctr_db *db = NULL;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = ctr_db_open(&db, path, &err);
	double took = seconds_since(&t0);
	char want[64];
	snprintf(want, sizeof want, "schema version %d must be brought up to %d", n - 1, n);
	TAP_CHECK(rc == CTR_DB_BUSY && !db && strstr(err.msg, path) && strstr(err.msg, want) &&
			  strstr(err.msg, "write lock") && took >= 0.25 && took < 2,
		  "the open waits the busy timeout (%.2fs), then CTR_DB_BUSY saying a migration waits for the lock: %s",
		  took, err.msg);
	ctr_db_close(db);
	db = NULL;
	lock_release(&h);
	TAP_CHECK(file_int(path, "PRAGMA user_version") == n - 1, "the file is still at version %d", n - 1);
	rc = ctr_db_open(&db, path, &err);
	TAP_CHECK(rc == 0 && q_int(db->conn, "PRAGMA user_version") == n,
		  "once the lock is free, the open migrates it: %s", rc ? err.msg : "ok");
	ctr_db_close(db);
	db_busy_timeout_ms = DB_BUSY_TIMEOUT_MS;
}

/* ctr_db_write_lock_free: a look at the lock that never waits. */
static void test_write_lock_free(void)
{
	struct ctr_db *db = fresh_db("lock-free.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	struct ctr_error err = {0};
	int rc = ctr_db_write_lock_free(db, &err);
	TAP_CHECK(rc == 0 && sqlite3_get_autocommit(db->conn), "free: CTR_DB_OK, and no transaction left open: %s",
		  rc ? err.msg : "ok");
	struct lock_holder h;
	if (!lock_hold(&h, ctr_db_path(db))) {
		TAP_CHECK(0, "holding the lock");
		ctr_db_close(db);
		return;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = ctr_db_write_lock_free(db, &err);
	double took = seconds_since(&t0);
	TAP_CHECK(rc == CTR_DB_BUSY && took < 0.1 && strstr(err.msg, ctr_db_path(db)) && sqlite3_get_autocommit(db->conn),
		  "held by another process: CTR_DB_BUSY at once (%.3fs): %s", took, err.msg);
	TAP_CHECK(q_int(db->conn, "PRAGMA busy_timeout") == DB_BUSY_TIMEOUT_MS, "and writes still wait as long as before");
	lock_release(&h);
	struct ctr_db_event ev = {.time_ns = 2, .type = "image", .action = "after", .actor_id = "y"};
	rc = ctr_db_add_event(db, &ev, &err);
	TAP_CHECK(rc == 0, "released: the connection writes as before: %s", rc ? err.msg : "ok");
	ctr_db_close(db);
}

static void test_schema_file_matches_migrations(void)
{
	sqlite3 *mem = NULL;
	sqlite3_open(":memory:", &mem);
	int rc = sqlite3_exec(mem, ctr_db_schema_sql, NULL, NULL, NULL);
	TAP_CHECK(rc == SQLITE_OK, "schema.sql runs: %s", sqlite3_errmsg(mem));
	struct ctr_error err = {0};
	struct ctr_db *db = NULL;
	ctr_db_open(&db, tmp_path("fresh.db"), &err);
	char *from_file = schema_dump(mem), *migrated = db ? schema_dump(db->conn) : NULL;
	TAP_CHECK(from_file && migrated && strlen(migrated) > 1000 && strcmp(from_file, migrated) == 0,
		  "schema.sql defines exactly what the migrations built");
	if (from_file && migrated && strcmp(from_file, migrated) != 0)
		printf("# schema.sql:\n# %s\n# migrated:\n# %s\n", from_file, migrated);
	free(from_file);
	free(migrated);
	ctr_db_close(db);
	sqlite3_close(mem);
}

static void test_migrate_from_each_version(void)
{
	int n = ctr_db_schema_version();
	for (int k = 0; k < n; k++) {
		struct ctr_error err = {0};
		char name[64];
		snprintf(name, sizeof name, "version-%d.db", k);
		const char *path = tmp_path(name);
		int rc = build_version(path, ctr_db_migrations, k, &err);
		TAP_CHECK(rc == 0 && file_int(path, "PRAGMA user_version") == k, "built a version %d database: %s", k,
			  rc ? err.msg : "ok");
		char layer[CTR_DB_ID_LEN + 1], image[CTR_DB_ID_LEN + 1], cid[CTR_DB_ID_LEN + 1];
		make_id(layer, "77", (unsigned)k);
		make_id(image, "78", (unsigned)k);
		make_id(cid, "79", (unsigned)k);
		if (k >= 1) {  /* layers and containers exist from version 1 on: rows that must survive */
			char sql[1024];
			snprintf(sql, sizeof sql,
				 "INSERT INTO layers VALUES ('%s', 5, 6);"
				 "INSERT INTO images (id, repository, created_ns) VALUES ('%s', 'old', 1);"
				 "INSERT INTO containers (id, name, image_id, args, created_ns, state, pid, "
				 "  pid_start_ticks, started_ns) VALUES ('%s', 'old-%d', '%s', '[\"sleep\",\"9\"]', 7, "
				 "  'running', 321, 654, 8);",
				 layer, image, cid, k, image);
			raw_exec(path, sql);
		}
		if (k >= 2) {  /* container_processes exists from version 2 on */
			char sql[256];
			snprintf(sql, sizeof sql, "INSERT INTO container_processes VALUES ('%s', 11, 12, 13, 14)", cid);
			raw_exec(path, sql);
		}
		if (k >= 3) {  /* container_resources exists from version 3 on */
			char sql[256];
			snprintf(sql, sizeof sql, "INSERT INTO container_resources (container_id, memory_bytes, oom_killed) "
				 "VALUES ('%s', 67108864, 1)", cid);
			raw_exec(path, sql);
		}
		if (k >= 4) {  /* container_security exists from version 4 on: every container has a row */
			char sql[256];
			snprintf(sql, sizeof sql, "INSERT INTO container_security (container_id, userns) VALUES ('%s', 'legacy')",
				 cid);
			raw_exec(path, sql);
		}
		if (k >= 1) {  /* a log chunk, from version 1 on */
			char sql[256];
			snprintf(sql, sizeof sql, "INSERT INTO logs (container_id, stream, time_ns, data) "
				 "VALUES ('%s', 'stdout', 9, x'6f6c640a')", cid);
			raw_exec(path, sql);
		}
		TAP_CHECK(k == 0 || file_int(path, "PRAGMA auto_vacuum") == 0,
			  "a version %d database is built without auto-vacuum, as ctrrun made them then", k);
		struct ctr_db *db = NULL;
		rc = ctr_db_open(&db, path, &err);
		TAP_CHECK(rc == 0 && q_int(db->conn, "PRAGMA user_version") == n,
			  "version %d migrates to %d: %s", k, n, rc ? err.msg : "ok");
		if (rc)
			continue;
		struct ctr_db_layer got;
		if (k >= 1)
			TAP_CHECK(ctr_db_get_layer(db, layer, &got, &err) == 0 && got.size_bytes == 5,
				  "a row written at version %d survives the migration", k);
		if (k >= 1) {
			struct ctr_db_container c;
			rc = ctr_db_get_container(db, cid, &c, &err);
			TAP_CHECK(rc == 0 && c.state == CTR_DB_RUNNING && c.pid == 321 && c.pid_start_ticks == 654 &&
					  c.argc == 2 && strcmp(c.argv[1], "9") == 0,
				  "a running container written at version %d survives the migration: %s", k,
				  rc ? err.msg : "ok");
			ctr_db_container_free(&c);
			struct ctr_db_processes p;
			rc = ctr_db_get_processes(db, cid, &p, &err);
			if (k >= 2)
				TAP_CHECK(rc == 0 && p.monitor_pid == 11 && p.monitor_start_ticks == 12 && p.fs_pid == 13 &&
						  p.fs_start_ticks == 14,
					  "its processes written at version %d survive: %s", k, rc ? err.msg : "ok");
			else
				TAP_CHECK(rc == 0 && p.monitor_pid == 0 && p.fs_pid == 0 && p.monitor_start_ticks == 0,
					  "from version %d it has no processes recorded: %s", k, rc ? err.msg : "ok");
			struct ctr_db_resources r;
			rc = ctr_db_get_resources(db, cid, &r, &err);
			if (k >= 3)
				TAP_CHECK(rc == 0 && r.memory_bytes == 67108864 && r.oom_killed && r.pids_limit == 0,
					  "its resources written at version %d survive: %s", k, rc ? err.msg : "ok");
			else
				TAP_CHECK(rc == 0 && r.memory_bytes == 0 && !r.oom_killed && !r.cgroup,
					  "from version %d it has no resources recorded: %s", k, rc ? err.msg : "ok");
			ctr_db_resources_free(&r);
			struct ctr_db_security sec;
			rc = ctr_db_get_security(db, cid, &sec, &err);
			TAP_CHECK(rc == 0 && sec.userns == CTR_DB_USERNS_LEGACY && !sec.uid_map && sec.idmap_slot == -1,
				  "a container from version %d keeps its mapping ('legacy'): %s", k, rc ? err.msg : "ok");
			ctr_db_security_free(&sec);
			struct ctr_db_log_chunk *chunks = NULL;
			size_t n_chunks = 0;
			rc = ctr_db_read_logs(db, cid, 0, 0, &chunks, &n_chunks, &err);
			TAP_CHECK(rc == 0 && n_chunks == 1 && chunks[0].len == 4 && memcmp(chunks[0].data, "old\n", 4) == 0 &&
					  chunks[0].lost_bytes == 0,
				  "its log written at version %d survives, without markers: %s", k, rc ? err.msg : "ok");
			ctr_db_log_chunks_free(chunks, n_chunks);
			struct ctr_db_log_config lc;
			rc = ctr_db_get_log_config(db, cid, &lc, &err);
			TAP_CHECK(rc == 0 && lc.mode == CTR_DB_LOG_BLOCKING && lc.max_size_bytes == CTR_DB_LOG_DEFAULT_MAX_SIZE &&
					  strcmp(lc.options, "{}") == 0,
				  "a container from version %d logs with the defaults: %s", k, rc ? err.msg : "ok");
			ctr_db_log_config_free(&lc);
		}
		TAP_CHECK(q_int(db->conn, "PRAGMA auto_vacuum") == 2,
			  "version %d migrated uses incremental auto-vacuum (switched by a VACUUM)", k);
		sqlite3 *mem = NULL;
		sqlite3_open(":memory:", &mem);
		sqlite3_exec(mem, ctr_db_schema_sql, NULL, NULL, NULL);
		char *a = schema_dump(mem), *b = schema_dump(db->conn);
		TAP_CHECK(a && b && strcmp(a, b) == 0, "version %d migrated has the current schema", k);
		free(a);
		free(b);
		sqlite3_close(mem);
		ctr_db_close(db);
	}
}

/* A second migration of the kind future ones will be: rebuild a parent table
 * (containers) to add a column. Applied with enforcement on, the DROP TABLE
 * would cascade-delete every env, mounts and logs row. */
static const char test_migration_2[] =
	"CREATE TABLE containers_new (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
	"  image_id TEXT NOT NULL REFERENCES images(id), args TEXT NOT NULL, workdir TEXT, user TEXT, "
	"  hostname TEXT, network TEXT NOT NULL, tty INTEGER NOT NULL, interactive INTEGER NOT NULL, "
	"  auto_remove INTEGER NOT NULL, created_ns INTEGER NOT NULL, state TEXT NOT NULL, pid INTEGER, "
	"  pid_start_ticks INTEGER, started_ns INTEGER, finished_ns INTEGER, exit_code INTEGER, "
	"  note TEXT NOT NULL DEFAULT '') STRICT;\n"
	"INSERT INTO containers_new (id, name, image_id, args, workdir, user, hostname, network, tty, "
	"  interactive, auto_remove, created_ns, state, pid, pid_start_ticks, started_ns, finished_ns, exit_code) "
	"  SELECT id, name, image_id, args, workdir, user, hostname, network, tty, interactive, auto_remove, "
	"  created_ns, state, pid, pid_start_ticks, started_ns, finished_ns, exit_code FROM containers;\n"
	"DROP VIEW ps;\n"
	"DROP TABLE containers;\n"
	"ALTER TABLE containers_new RENAME TO containers;\n"
	"CREATE VIEW ps AS SELECT id, name, note FROM containers;\n";

static void test_migration_ladder(void)
{
	int n = ctr_db_schema_version();
	struct db_migration *migs = calloc((size_t)n + 1, sizeof *migs);
	memcpy(migs, ctr_db_migrations, (size_t)n * sizeof *migs);
	migs[n] = (struct db_migration){"9999_test_rebuild.sql", test_migration_2};
	for (int k = 0; k <= n; k++) {
		struct ctr_error err = {0};
		char name[64];
		snprintf(name, sizeof name, "ladder-%d.db", k);
		const char *path = tmp_path(name);
		int rc = build_version(path, migs, k, &err);
		bool with_rows = k >= 1;  /* version 1 has the container tables */
		bool with_processes = k >= 2;  /* version 2 adds container_processes */
		bool with_resources = k >= 3;  /* version 3 adds container_resources */
		if (rc == 0 && with_rows) {
			char sql[1024], cid[CTR_DB_ID_LEN + 1], iid[CTR_DB_ID_LEN + 1];
			make_id(cid, "c", 1);
			make_id(iid, "b", 1);
			snprintf(sql, sizeof sql,
				 "INSERT INTO images (id, repository, created_ns) VALUES ('%s', 'r', 1);"
				 "INSERT INTO containers (id, name, image_id, args, created_ns) VALUES ('%s', 'n', '%s', '[\"x\"]', 1);"
				 "INSERT INTO env VALUES ('%s', 0, 'A', '1');"
				 "INSERT INTO mounts VALUES ('%s', 0, '/h', '/c', 0);"
				 "INSERT INTO logs (container_id, stream, time_ns, data) VALUES ('%s', 'stdout', 1, x'41');",
				 iid, cid, iid, cid, cid, cid);
			rc = raw_exec(path, sql);
			if (rc == 0 && with_processes) {
				snprintf(sql, sizeof sql, "INSERT INTO container_processes VALUES ('%s', 2, 3, 4, 5)", cid);
				rc = raw_exec(path, sql);
			}
			if (rc == 0 && with_resources) {
				snprintf(sql, sizeof sql, "INSERT INTO container_resources (container_id, pids_limit) "
					 "VALUES ('%s', 20)", cid);
				rc = raw_exec(path, sql);
			}
		}
		sqlite3 *conn = NULL;
		sqlite3_open(path, &conn);
		sqlite3_exec(conn, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
		if (rc == 0)
			rc = db_migrate(conn, path, migs, n + 1, &err);
		TAP_CHECK(rc == 0 && q_int(conn, "PRAGMA user_version") == n + 1,
			  "from version %d through a table-rebuilding migration to %d: %s", k, n + 1,
			  rc ? err.msg : "ok");
		TAP_CHECK(q_int(conn, "SELECT count(*) FROM pragma_table_info('containers') WHERE name = 'note'") == 1,
			  "the rebuilt table has its new column (from version %d)", k);
		if (with_rows)
			TAP_CHECK(q_int(conn, "SELECT (SELECT count(*) FROM env) + (SELECT count(*) FROM mounts) + "
					      "(SELECT count(*) FROM logs) + (SELECT count(*) FROM containers)") == 4,
				  "rows of the rebuilt table's children survive (no cascade during migration)");
		if (with_processes)
			TAP_CHECK(q_int(conn, "SELECT fs_pid FROM container_processes") == 4,
				  "its container_processes row survives too (from version %d)", k);
		else if (with_rows)
			TAP_CHECK(q_int(conn, "SELECT count(*) FROM container_processes") == 0,
				  "migrating version %d adds an empty container_processes table", k);
		if (with_resources)
			TAP_CHECK(q_int(conn, "SELECT pids_limit FROM container_resources") == 20,
				  "its container_resources row survives too (from version %d)", k);
		else if (with_rows)
			TAP_CHECK(q_int(conn, "SELECT count(*) FROM container_resources") == 0,
				  "migrating version %d adds an empty container_resources table", k);
		TAP_CHECK(q_int(conn, "PRAGMA foreign_keys") == 1, "foreign keys are on again after migrating");
		sqlite3_close(conn);
	}

	/* A migration that fails half way changes nothing. */
	struct db_migration broken[2] = {{"0001_ok.sql", "CREATE TABLE t1 (x);"},
					  {"0002_broken.sql", "CREATE TABLE t2 (x); CREATE TABLE oops ("}};
	struct ctr_error err = {0};
	const char *path = tmp_path("broken.db");
	int rc = build_version(path, broken, 2, &err);
	TAP_CHECK(rc == CTR_DB_ERROR && strstr(err.msg, path) && strstr(err.msg, "0002_broken.sql"),
		  "a failing migration names the file and the migration: %s", err.msg);
	TAP_CHECK(file_int(path, "PRAGMA user_version") == 1 &&
			  file_int(path, "SELECT count(*) FROM sqlite_schema WHERE name = 't2'") == 0,
		  "a failed migration is rolled back entirely, version stays 1");
	free(migs);
}

/* ---- files it must refuse ---- */

static void test_newer_version(void)
{
	struct ctr_error err = {0};
	const char *path = tmp_path("newer.db");
	build_version(path, ctr_db_migrations, ctr_db_schema_version(), &err);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", ctr_db_schema_version() + 1);
	raw_exec(path, sql);
	size_t len;
	char *before = read_file(path, &len);
	struct ctr_db *db = NULL;
	int rc = ctr_db_open(&db, path, &err);
	TAP_CHECK(rc == CTR_DB_ERROR && !db && strstr(err.msg, path) && strstr(err.msg, "newer"),
		  "a database from a newer ctrrun is refused: %s", err.msg);
	TAP_CHECK(before && same_bytes(path, before, len) && !exists(tmp_path("newer.db-wal")),
		  "and left byte for byte as it was (not switched to WAL)");
	free(before);
}

static void test_foreign_database(void)
{
	struct ctr_error err = {0};
	const char *path = tmp_path("foreign.db");
	raw_exec(path, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
	size_t len;
	char *before = read_file(path, &len);
	struct ctr_db *db = NULL;
	int rc = ctr_db_open(&db, path, &err);
	TAP_CHECK(rc == CTR_DB_ERROR && strstr(err.msg, path) && strstr(err.msg, "not a ctrrun state database"),
		  "another program's SQLite file is refused: %s", err.msg);
	TAP_CHECK(before && same_bytes(path, before, len), "and left as it was");
	free(before);
}

static void test_corrupt(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = NULL;

	const char *garbage = tmp_path("garbage.db");
	FILE *f = fopen(garbage, "wb");
	srand(42);
	for (int i = 0; i < 16384; i++)
		fputc(rand() & 0xff, f);
	fclose(f);
	size_t len;
	char *before = read_file(garbage, &len);
	int rc = ctr_db_open(&db, garbage, &err);
	TAP_CHECK(rc == CTR_DB_ERROR && !db && strstr(err.msg, garbage) && strstr(err.msg, "not a database"),
		  "random bytes are refused with the path: %s", err.msg);
	TAP_CHECK(before && same_bytes(garbage, before, len), "and not rewritten");
	free(before);

	/* A valid SQLite header over garbage pages. */
	const char *header = tmp_path("header.db");
	f = fopen(header, "wb");
	fwrite("SQLite format 3", 1, 16, f);
	for (int i = 16; i < 16384; i++)
		fputc(i % 7 == 0 ? 0xff : rand() & 0xff, f);
	fclose(f);
	rc = ctr_db_open(&db, header, &err);
	TAP_CHECK(rc == CTR_DB_ERROR && !db && strstr(err.msg, header), "a SQLite header over garbage is refused: %s",
		  err.msg);

	/* A real database whose pages were damaged after it was written: found
	 * at open or by the check, and every call returns an error, no crash. */
	const char *damaged = tmp_path("damaged.db");
	db = fresh_db("damaged.db");
	char cid[CTR_DB_ID_LEN + 1];
	make_id(cid, "da", 1);
	add_ct(db, cid, "victim", 1, &err);
	char blob[1000];
	memset(blob, 'x', sizeof blob);
	struct ctr_db_log_chunk chunks[100];
	for (int i = 0; i < 100; i++)
		chunks[i] = (struct ctr_db_log_chunk){.stream = CTR_DB_STDOUT, .time_ns = i, .data = blob, .len = sizeof blob};
	ctr_db_append_logs(db, cid, chunks, 100, &err);
	sqlite3_exec(db->conn, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	ctr_db_close(db);
	db = NULL;
	struct stat st;
	stat(damaged, &st);
	int fd = open(damaged, O_WRONLY);
	char junk[4096];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i * 37 + 11);
	for (off_t off = 4096; off + 4096 <= st.st_size; off += 3 * 4096)
		pwrite(fd, junk, sizeof junk, off);
	close(fd);
	rc = ctr_db_open(&db, damaged, &err);
	bool reported = rc == CTR_DB_ERROR && strstr(err.msg, damaged);
	if (rc == 0) {
		rc = ctr_db_check(db, &err);
		reported = rc == CTR_DB_ERROR && strstr(err.msg, damaged);
		struct ctr_db_ps_row *rows = NULL;
		size_t n = 0;
		if (ctr_db_list_ps(db, true, &rows, &n, &err) == 0)
			ctr_db_ps_free(rows, n);
		struct ctr_db_log_chunk *got = NULL;
		if (ctr_db_read_logs(db, cid, 0, 0, &got, &n, &err) == 0)
			ctr_db_log_chunks_free(got, n);
		ctr_db_delete_container(db, cid, &err);
		const char *damage = ctr_db_damage(db);
		TAP_CHECK(damage && strstr(damage, damaged),
			  "the connection remembers that it met damage, with the path: %s", damage ? damage : "nothing");
		ctr_db_close(db);
	} else {
		TAP_CHECK(1, "(damage found at open: no connection to ask)");
	}
	TAP_CHECK(reported, "damaged pages are reported with the path: %s", err.msg);
	db = fresh_db("undamaged.db");
	TAP_CHECK(db && !ctr_db_damage(db), "an undamaged connection has met none");
	ctr_db_close(db);
}

/* Runs ctr_db_open on PATH in a child, as an unprivileged user when we are
 * root (root writes anyway), and returns its result with the message. */
static int open_as_user(const char *path, char *msg, size_t msg_size)
{
	int pipefd[2];
	if (pipe(pipefd) < 0)
		return -100;
	pid_t pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
			_exit(100);
		struct ctr_error err = {0};
		struct ctr_db *db = NULL;
		int rc = ctr_db_open(&db, path, &err);
		ctr_db_close(db);
		if (write(pipefd[1], err.msg, strlen(err.msg)) < 0)
			_exit(101);
		_exit(-rc);
	}
	close(pipefd[1]);
	ssize_t n = read(pipefd[0], msg, msg_size - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? -WEXITSTATUS(status) : -200;
}

static void test_read_only(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = NULL;
	char msg[1024];
	chmod(tmp_root, 0755);  /* the unprivileged child must reach the files */

	/* File not writable, directory writable. */
	mkdir(tmp_path("ro-file"), 0777);
	chmod(tmp_path("ro-file"), 0777);
	const char *path = tmp_path("ro-file/state.db");
	ctr_db_open(&db, path, &err);
	ctr_db_close(db);
	chmod(path, 0444);
	size_t len;
	char *before = read_file(path, &len);
	int rc = open_as_user(path, msg, sizeof msg);
	TAP_CHECK(rc == CTR_DB_ERROR && strstr(msg, path) && strstr(msg, "not writable"),
		  "a read-only file is refused with the path: %s", msg);
	TAP_CHECK(before && same_bytes(path, before, len), "and left as it was");
	free(before);

	/* File writable, directory not: SQLite could not create its -wal file. */
	mkdir(tmp_path("ro-dir"), 0755);
	path = tmp_path("ro-dir/state.db");
	ctr_db_open(&db, path, &err);
	ctr_db_close(db);
	chmod(path, 0666);
	chmod(tmp_path("ro-dir"), 0555);
	before = read_file(path, &len);
	rc = open_as_user(path, msg, sizeof msg);
	TAP_CHECK(rc == CTR_DB_ERROR && strstr(msg, path) && strstr(msg, "directory") && strstr(msg, "not writable"),
		  "a database in a read-only directory is refused: %s", msg);
	TAP_CHECK(before && same_bytes(path, before, len), "and left as it was");
	free(before);

	/* A new database in a read-only directory. */
	path = tmp_path("ro-dir/new.db");
	rc = open_as_user(path, msg, sizeof msg);
	TAP_CHECK(rc == CTR_DB_ERROR && strstr(msg, path) && !exists(path),
		  "no new database in a read-only directory: %s", msg);
	chmod(tmp_path("ro-dir"), 0755);
}

/* ---- images and layers ---- */

static void test_images(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = NULL;
	const char *path = tmp_path("images.db");
	if (ctr_db_open(&db, path, &err)) {
		TAP_CHECK(0, "open: %s", err.msg);
		return;
	}
	struct ctr_db_layer base = {.size_bytes = 3000, .created_ns = 10}, top = {.size_bytes = 500, .created_ns = 11};
	make_id(base.id, "aa", 1);
	make_id(top.id, "ab", 2);
	TAP_CHECK(ctr_db_add_layer(db, &base, &err) == 0 && ctr_db_add_layer(db, &top, &err) == 0, "layers added");
	TAP_CHECK(ctr_db_add_layer(db, &base, &err) == CTR_DB_EXISTS && strstr(err.msg, path),
		  "the same layer again: EXISTS: %s", err.msg);
	struct ctr_db_layer got;
	TAP_CHECK(ctr_db_get_layer(db, top.id, &got, &err) == 0 && got.size_bytes == 500 && got.created_ns == 11 &&
			  strcmp(got.id, top.id) == 0, "a layer reads back");

	char *layers[] = {base.id, top.id};
	struct ctr_db_image web = {.repository = "example.com:5000/web", .tag = "v1", .created_ns = 100,
				   .config = "{\"Cmd\":[\"httpd\"]}", .layers = layers, .n_layers = 2};
	make_id(web.id, "e1", 1);
	int rc = ctr_db_add_image(db, &web, &err);
	TAP_CHECK(rc == 0, "image with two layers added: %s", rc ? err.msg : "ok");
	struct ctr_db_image base_img = {.repository = "base", .created_ns = 50, .layers = layers, .n_layers = 1};
	make_id(base_img.id, "e2", 2);
	TAP_CHECK(ctr_db_add_image(db, &base_img, &err) == 0, "an image sharing the base layer added");

	struct ctr_db_image img;
	rc = ctr_db_find_image(db, "example.com:5000/web:v1", &img, &err);
	TAP_CHECK(rc == 0 && strcmp(img.id, web.id) == 0 && img.n_layers == 2 && strcmp(img.layers[0], base.id) == 0 &&
			  strcmp(img.layers[1], top.id) == 0,
		  "found by repository:tag (registry port kept), layers bottom first: %s", rc ? err.msg : "ok");
	TAP_CHECK(rc == 0 && img.size_bytes == 3500 && strcmp(img.tag, "v1") == 0 && img.config &&
			  strcmp(img.config, web.config) == 0, "its size is its layers' sum, config kept");
	ctr_db_image_free(&img);
	rc = ctr_db_find_image(db, "base", &img, &err);
	TAP_CHECK(rc == 0 && strcmp(img.id, base_img.id) == 0 && strcmp(img.tag, "latest") == 0,
		  "a repository without tag means :latest");
	ctr_db_image_free(&img);
	char ref[80];
	snprintf(ref, sizeof ref, "sha256:%s", web.id);
	TAP_CHECK(ctr_db_find_image(db, ref, &img, &err) == 0 && strcmp(img.id, web.id) == 0, "found by sha256:id");
	ctr_db_image_free(&img);
	TAP_CHECK(ctr_db_find_image(db, "e1", &img, &err) == 0 && strcmp(img.id, web.id) == 0,
		  "found by unique id prefix");
	ctr_db_image_free(&img);
	rc = ctr_db_find_image(db, "e", &img, &err);
	TAP_CHECK(rc == CTR_DB_AMBIGUOUS && strstr(err.msg, "e10") && strstr(err.msg, "e20"),
		  "an ambiguous image prefix lists both: %s", err.msg);
	rc = ctr_db_find_image(db, "nosuch:tag", &img, &err);
	TAP_CHECK(rc == CTR_DB_NOT_FOUND && strstr(err.msg, "nosuch:tag") && strstr(err.msg, path),
		  "an unknown image: NOT_FOUND naming it: %s", err.msg);

	struct ctr_db_image dup = web;
	make_id(dup.id, "e3", 3);
	TAP_CHECK(ctr_db_add_image(db, &dup, &err) == CTR_DB_EXISTS, "a taken repository:tag: EXISTS: %s", err.msg);
	char missing[CTR_DB_ID_LEN + 1];
	make_id(missing, "ff", 9);
	char *bad_layers[] = {base.id, missing};
	struct ctr_db_image bad = {.repository = "bad", .created_ns = 1, .layers = bad_layers, .n_layers = 2};
	make_id(bad.id, "e4", 4);
	rc = ctr_db_add_image(db, &bad, &err);
	TAP_CHECK(rc == CTR_DB_NOT_FOUND && strstr(err.msg, missing), "an unknown layer: NOT_FOUND: %s", err.msg);
	TAP_CHECK(q_int(db->conn, "SELECT count(*) FROM images WHERE repository = 'bad'") == 0 &&
			  q_int(db->conn, "SELECT count(*) FROM image_layers") == 3,
		  "and nothing of it was written");

	struct ctr_db_image *list = NULL;
	size_t n = 0;
	rc = ctr_db_list_images(db, &list, &n, &err);
	TAP_CHECK(rc == 0 && n == 2 && strcmp(list[0].id, web.id) == 0 && strcmp(list[1].id, base_img.id) == 0 &&
			  list[1].size_bytes == 3000 && list[1].n_layers == 1,
		  "images listed newest first with sizes");
	ctr_db_image_list_free(list, n);

	/* In use by a container: refused; once it is gone, deleted. */
	char cid[CTR_DB_ID_LEN + 1];
	memcpy(image_id, web.id, sizeof image_id);
	make_id(cid, "c", 7);
	add_ct(db, cid, "webserver", 1, &err);
	rc = ctr_db_delete_image(db, web.id, &err);
	TAP_CHECK(rc == CTR_DB_IN_USE && strstr(err.msg, "webserver"), "an image in use: IN_USE naming the container: %s",
		  err.msg);
	TAP_CHECK(ctr_db_delete_container(db, cid, &err) == 0 && ctr_db_delete_image(db, web.id, &err) == 0,
		  "deleted once its container is gone");
	TAP_CHECK(q_int(db->conn, "SELECT count(*) FROM image_layers") == 1, "its layer order rows went with it");
	char **ids = NULL;
	rc = ctr_db_delete_unused_layers(db, &ids, &n, &err);
	TAP_CHECK(rc == 0 && n == 1 && strcmp(ids[0], top.id) == 0 && ctr_db_get_layer(db, base.id, &got, &err) == 0,
		  "unused layers deleted and returned; the shared base stays");
	ctr_db_strv_free(ids, n);
	TAP_CHECK(ctr_db_delete_image(db, web.id, &err) == CTR_DB_NOT_FOUND, "deleting it again: NOT_FOUND");
	ctr_db_close(db);
}

/* ---- containers ---- */

static void test_containers(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("containers.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	const char *path = ctr_db_path(db);
	char *argv[] = {"sh", "-c", "echo \"it's\" \\ done\n", "ünïcode", ""};
	char *env[] = {"PATH=/usr/bin:/bin", "EMPTY=", "EQ=a=b"};
	struct ctr_db_mount mounts[] = {{"/srv/data", "/data", false}, {"/etc/hosts", "/etc/hosts", true}};
	struct ctr_db_container c = {.name = "web", .argv = argv, .argc = 5, .env = env, .n_env = 3, .mounts = mounts,
				     .n_mounts = 2, .workdir = "/srv", .hostname = "h1", .tty = true, .auto_remove = true,
				     .created_ns = 1000};
	make_id(c.id, "c1", 1);
	memcpy(c.image_id, image_id, sizeof c.image_id);
	int rc = ctr_db_add_container(db, &c, &err);
	TAP_CHECK(rc == 0, "container added: %s", rc ? err.msg : "ok");

	struct ctr_db_container got;
	rc = ctr_db_get_container(db, c.id, &got, &err);
	TAP_CHECK(rc == 0 && got.argc == 5, "read back by id: %s", rc ? err.msg : "ok");
	bool same_argv = rc == 0 && got.argc == 5;
	for (size_t i = 0; same_argv && i < 5; i++)
		same_argv = strcmp(got.argv[i], argv[i]) == 0;
	TAP_CHECK(same_argv, "argv comes back exactly (quotes, backslash, newline, UTF-8, empty)");
	TAP_CHECK(rc == 0 && got.n_env == 3 && strcmp(got.env[0], env[0]) == 0 && strcmp(got.env[1], env[1]) == 0 &&
			  strcmp(got.env[2], env[2]) == 0, "env in order, split at the first '='");
	TAP_CHECK(rc == 0 && got.n_mounts == 2 && strcmp(got.mounts[1].container_path, "/etc/hosts") == 0 &&
			  got.mounts[1].read_only && !got.mounts[0].read_only && strcmp(got.mounts[0].host_path, "/srv/data") == 0,
		  "volumes in order with their modes");
	TAP_CHECK(rc == 0 && got.state == CTR_DB_CREATED && got.exit_code == -1 && got.pid == 0 && got.tty &&
			  !got.interactive && got.auto_remove && !got.host_network && strcmp(got.workdir, "/srv") == 0 &&
			  !got.user && strcmp(got.hostname, "h1") == 0 && got.created_ns == 1000,
		  "a new container is created, with its options");
	ctr_db_container_free(&got);

	TAP_CHECK(ctr_db_set_exited(db, c.id, 1, 5, &err) == 0 && ctr_db_set_running(db, c.id, 4242, 777, 2000, &err) == 0,
		  "created -> exited -> running (a restart)");
	rc = ctr_db_get_container(db, c.id, &got, &err);
	TAP_CHECK(rc == 0 && got.state == CTR_DB_RUNNING && got.pid == 4242 && got.pid_start_ticks == 777 &&
			  got.started_ns == 2000 && got.exit_code == -1 && got.finished_ns == 0,
		  "running: pid, its start ticks and start time recorded, exit cleared");
	ctr_db_container_free(&got);
	rc = ctr_db_set_running(db, c.id, 4243, 1, 1, &err);
	TAP_CHECK(rc == CTR_DB_BAD_STATE && strstr(err.msg, "running") && strstr(err.msg, path),
		  "running twice: BAD_STATE: %s", err.msg);
	TAP_CHECK(ctr_db_set_exited(db, c.id, 137, 3000, &err) == 0, "running -> exited");
	rc = ctr_db_get_container(db, c.id, &got, &err);
	TAP_CHECK(rc == 0 && got.state == CTR_DB_EXITED && got.exit_code == 137 && got.finished_ns == 3000 &&
			  got.pid == 0 && got.started_ns == 2000, "exited: code and finish time, pid cleared");
	ctr_db_container_free(&got);
	TAP_CHECK(ctr_db_set_exited(db, c.id, 0, 1, &err) == CTR_DB_BAD_STATE, "exited twice: BAD_STATE");
	TAP_CHECK(ctr_db_set_exited(db, c.id, 256, 1, &err) == CTR_DB_ERROR, "exit code 256 refused");
	char nobody[CTR_DB_ID_LEN + 1];
	make_id(nobody, "dd", 3);
	TAP_CHECK(ctr_db_set_running(db, nobody, 1, 1, 1, &err) == CTR_DB_NOT_FOUND, "an unknown id: NOT_FOUND");

	/* Refusals leave nothing behind. */
	struct ctr_db_container dup = c;
	make_id(dup.id, "c2", 2);
	rc = ctr_db_add_container(db, &dup, &err);
	TAP_CHECK(rc == CTR_DB_EXISTS && strstr(err.msg, "\"web\"") && strstr(err.msg, "in use") && strstr(err.msg, path),
		  "a taken name: EXISTS: %s", err.msg);
	TAP_CHECK(q_int(db->conn, "SELECT count(*) FROM containers") == 1 &&
			  q_int(db->conn, "SELECT count(*) FROM env") == 3 && q_int(db->conn, "SELECT count(*) FROM mounts") == 2,
		  "the refused container wrote no rows");
	dup.name = "bad name";
	TAP_CHECK(ctr_db_add_container(db, &dup, &err) == CTR_DB_ERROR && strstr(err.msg, "invalid"),
		  "an invalid name: %s", err.msg);
	dup.name = "other";
	char *bad_env[] = {"NOEQUALS"};
	dup.env = bad_env;
	dup.n_env = 1;
	rc = ctr_db_add_container(db, &dup, &err);
	TAP_CHECK(rc == CTR_DB_ERROR && strstr(err.msg, "NOEQUALS") &&
			  q_int(db->conn, "SELECT count(*) FROM containers WHERE name = 'other'") == 0,
		  "an env entry without '=': error, container rolled back: %s", err.msg);
	dup.env = NULL;
	dup.n_env = 0;
	struct ctr_db_mount twice[] = {{"/a", "/x", false}, {"/b", "/x", false}};
	dup.mounts = twice;
	dup.n_mounts = 2;
	rc = ctr_db_add_container(db, &dup, &err);
	TAP_CHECK(rc == CTR_DB_EXISTS && strstr(err.msg, "/x") &&
			  q_int(db->conn, "SELECT count(*) FROM containers WHERE name = 'other'") == 0,
		  "two volumes at one path: refused, rolled back: %s", err.msg);
	dup.mounts = NULL;
	dup.n_mounts = 0;
	make_id(dup.image_id, "ee", 5);
	rc = ctr_db_add_container(db, &dup, &err);
	TAP_CHECK(rc == CTR_DB_NOT_FOUND && strstr(err.msg, dup.image_id), "an unknown image: NOT_FOUND: %s", err.msg);

	/* Adding volumes and env later. */
	struct ctr_db_mount more[] = {{"/srv/logs", "/logs", false}};
	char *more_env[] = {"MODE=prod"};
	TAP_CHECK(ctr_db_add_mounts(db, c.id, more, 1, &err) == 0 && ctr_db_add_env(db, c.id, more_env, 1, &err) == 0,
		  "volumes and env appended");
	rc = ctr_db_get_container(db, c.id, &got, &err);
	TAP_CHECK(rc == 0 && got.n_mounts == 3 && strcmp(got.mounts[2].container_path, "/logs") == 0 && got.n_env == 4 &&
			  strcmp(got.env[3], "MODE=prod") == 0, "appended rows come last");
	ctr_db_container_free(&got);
	char *again_env[] = {"MODE=dev"};
	TAP_CHECK(ctr_db_add_env(db, c.id, again_env, 1, &err) == CTR_DB_EXISTS, "a variable twice: EXISTS: %s", err.msg);
	TAP_CHECK(ctr_db_add_mounts(db, nobody, more, 1, &err) == CTR_DB_NOT_FOUND, "volumes of an unknown container");

	/* Events. */
	struct ctr_db_event ev = {.time_ns = 5, .type = "container", .action = "die", .actor_id = c.id,
				  .actor_name = "web", .attributes = "{\"exitCode\":137}"};
	TAP_CHECK(ctr_db_add_event(db, &ev, &err) == 0 &&
			  q_int(db->conn, "SELECT attributes ->> '$.exitCode' FROM events WHERE action = 'die'") == 137,
		  "an event recorded");
	ev.attributes = "{not json";
	TAP_CHECK(ctr_db_add_event(db, &ev, &err) == CTR_DB_ERROR && q_int(db->conn, "SELECT count(*) FROM events") == 1,
		  "an event with bad JSON refused: %s", err.msg);
	TAP_CHECK(ctr_db_delete_container(db, c.id, &err) == 0 &&
			  q_int(db->conn, "SELECT count(*) FROM events") == 1, "events outlive their container");
	ctr_db_close(db);
}

static void test_ps(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("ps.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	char a[CTR_DB_ID_LEN + 1], b[CTR_DB_ID_LEN + 1], c[CTR_DB_ID_LEN + 1];
	make_id(a, "a1", 1);
	make_id(b, "b2", 2);
	make_id(c, "c3", 3);
	const int64_t sec = 1000000000;
	int rc = add_ct(db, a, "made", 1700000000 * sec, &err);
	rc = rc ? rc : add_ct(db, b, "runs", 1700000060 * sec, &err);
	rc = rc ? rc : add_ct(db, c, "done", 1700000120 * sec, &err);
	rc = rc ? rc : ctr_db_set_running(db, b, 100, 5, 1700000061 * sec, &err);
	rc = rc ? rc : ctr_db_set_running(db, c, 101, 6, 1700000121 * sec, &err);
	rc = rc ? rc : ctr_db_set_exited(db, c, 3, 1700000130 * sec, &err);
	TAP_CHECK(rc == 0, "three containers in three states: %s", rc ? err.msg : "ok");

	struct ctr_db_ps_row *rows = NULL;
	size_t n = 0;
	rc = ctr_db_list_ps(db, true, &rows, &n, &err);
	TAP_CHECK(rc == 0 && n == 3 && strcmp(rows[0].id, c) == 0 && strcmp(rows[1].id, b) == 0 &&
			  strcmp(rows[2].id, a) == 0, "ps -a: all, newest first");
	if (rc == 0 && n == 3) {
		TAP_CHECK(strncmp(rows[0].short_id, c, 12) == 0 && strlen(rows[0].short_id) == 12, "short id: 12 digits");
		TAP_STR_EQ(rows[0].name, "done", "name");
		TAP_STR_EQ(rows[0].image, "busybox:latest", "image as repository:tag");
		TAP_STR_EQ(rows[0].command, "sh -c echo hi", "command: argv joined");
		TAP_CHECK(rows[0].state == CTR_DB_EXITED && rows[0].exit_code == 3 && rows[0].pid == 0 &&
				  rows[0].started_ns == 1700000121 * sec && rows[0].finished_ns == 1700000130 * sec &&
				  rows[0].created_ns == 1700000120 * sec, "exited row: code and times");
		TAP_CHECK(rows[1].state == CTR_DB_RUNNING && rows[1].pid == 100 && rows[1].exit_code == -1 &&
				  rows[1].finished_ns == 0, "running row: pid, no exit code");
		TAP_CHECK(rows[2].state == CTR_DB_CREATED && rows[2].started_ns == 0 && rows[2].exit_code == -1,
			  "created row: never started");
	}
	ctr_db_ps_free(rows, n);
	rc = ctr_db_list_ps(db, false, &rows, &n, &err);
	TAP_CHECK(rc == 0 && n == 1 && strcmp(rows[0].name, "runs") == 0, "ps without -a: running only");
	ctr_db_ps_free(rows, n);

	/* What a sqlite3 user sees. */
	TAP_STR_EQ(q_text(db->conn, "SELECT status FROM ps WHERE name = 'done'"), "Exited (3)", "view: status text");
	TAP_STR_EQ(q_text(db->conn, "SELECT created_utc FROM ps WHERE name = 'made'"), "2023-11-14 22:13:20",
		   "view: readable UTC creation time");
	TAP_STR_EQ(q_text(db->conn, "SELECT status FROM ps WHERE name = 'runs'"), "Up", "view: running status");
	TAP_CHECK(q_int(db->conn, "SELECT count(*) FROM ps WHERE exit_code IS NULL") == 2, "view: NULL exit codes");
	ctr_db_close(db);
}

static void test_prefixes(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("prefix.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	char x1[CTR_DB_ID_LEN + 1], x2[CTR_DB_ID_LEN + 1], y[CTR_DB_ID_LEN + 1], z[CTR_DB_ID_LEN + 1];
	make_id(x1, "abc1", 1);
	make_id(x2, "abc2", 2);
	make_id(y, "abd", 3);
	make_id(z, "f0", 4);
	int rc = add_ct(db, x1, "one", 1, &err);
	rc = rc ? rc : add_ct(db, x2, "two", 2, &err);
	rc = rc ? rc : add_ct(db, y, "three", 3, &err);
	rc = rc ? rc : add_ct(db, z, "abc", 4, &err);  /* a name that is also a prefix of two ids */
	TAP_CHECK(rc == 0, "four containers: %s", rc ? err.msg : "ok");
	struct ctr_db_container got;
	TAP_CHECK(ctr_db_find_container(db, x2, &got, &err) == 0 && strcmp(got.id, x2) == 0, "by full id");
	ctr_db_container_free(&got);
	TAP_CHECK(ctr_db_find_container(db, "three", &got, &err) == 0 && strcmp(got.id, y) == 0, "by name");
	ctr_db_container_free(&got);
	TAP_CHECK(ctr_db_find_container(db, "abc1", &got, &err) == 0 && strcmp(got.id, x1) == 0,
		  "by unique prefix");
	ctr_db_container_free(&got);
	TAP_CHECK(ctr_db_find_container(db, "abd", &got, &err) == 0 && strcmp(got.id, y) == 0, "by a short prefix");
	ctr_db_container_free(&got);
	TAP_CHECK(ctr_db_find_container(db, "abc", &got, &err) == 0 && strcmp(got.id, z) == 0,
		  "a name wins over an id prefix, as in docker");
	ctr_db_container_free(&got);
	rc = ctr_db_find_container(db, "ab", &got, &err);
	char s1[13], s2[13], s3[13];
	snprintf(s1, sizeof s1, "%.12s", x1);
	snprintf(s2, sizeof s2, "%.12s", x2);
	snprintf(s3, sizeof s3, "%.12s", y);
	TAP_CHECK(rc == CTR_DB_AMBIGUOUS && strstr(err.msg, s1) && strstr(err.msg, s2) && strstr(err.msg, s3) &&
			  strstr(err.msg, "one") && strstr(err.msg, "three") && strstr(err.msg, "3 containers") &&
			  strstr(err.msg, ctr_db_path(db)),
		  "an ambiguous prefix lists every candidate: %s", err.msg);
	TAP_CHECK(got.name == NULL && got.argv == NULL, "and fills nothing");
	rc = ctr_db_find_container(db, "abc9", &got, &err);
	TAP_CHECK(rc == CTR_DB_NOT_FOUND && strstr(err.msg, "abc9"), "no match: NOT_FOUND: %s", err.msg);
	TAP_CHECK(ctr_db_find_container(db, "nope*", &got, &err) == CTR_DB_NOT_FOUND,
		  "a GLOB character is just an unknown name");
	TAP_CHECK(ctr_db_find_container(db, "", &got, &err) == CTR_DB_NOT_FOUND, "an empty reference: NOT_FOUND");
	ctr_db_close(db);
}

/* ---- helper processes and running containers ---- */

static int64_t processes_commits;

static int count_processes_commit(void *arg)
{
	(void)arg;
	processes_commits++;
	return 0;
}

/* True when SQL fails on a constraint (the connection has extended codes on). */
static bool refused_by_constraint(struct ctr_db *db, const char *sql)
{
	return (sqlite3_exec(db->conn, sql, NULL, NULL, NULL) & 0xff) == SQLITE_CONSTRAINT;
}

static int64_t processes_rows(struct ctr_db *db, const char *id)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM container_processes WHERE container_id = '%s'", id);
	return q_int(db->conn, sql);
}

static void test_processes(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("processes.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	const char *path = ctr_db_path(db);
	char a[CTR_DB_ID_LEN + 1], b[CTR_DB_ID_LEN + 1], nobody[CTR_DB_ID_LEN + 1];
	make_id(a, "5a", 1);
	make_id(b, "5b", 2);
	make_id(nobody, "5f", 9);
	int rc = add_ct(db, a, "helped", 1, &err);
	rc = rc ? rc : add_ct(db, b, "other", 2, &err);
	rc = rc ? rc : ctr_db_set_running(db, a, 500, 5000, 10, &err);
	TAP_CHECK(rc == 0, "two containers, one running: %s", rc ? err.msg : "ok");

	struct ctr_db_processes got = {.monitor_pid = 99, .fs_pid = 99};
	rc = ctr_db_get_processes(db, a, &got, &err);
	TAP_CHECK(rc == 0 && got.monitor_pid == 0 && got.monitor_start_ticks == 0 && got.fs_pid == 0 &&
			  got.fs_start_ticks == 0, "none recorded: all zero: %s", rc ? err.msg : "ok");

	/* Ticks above 2^32 make sure they are not cut to 32 bits on the way. */
	struct ctr_db_processes set = {.monitor_pid = 601, .monitor_start_ticks = 6000000001ULL, .fs_pid = 602,
				       .fs_start_ticks = 6000000002ULL};
	rc = ctr_db_set_processes(db, a, &set, &err);
	rc = rc ? rc : ctr_db_get_processes(db, a, &got, &err);
	TAP_CHECK(rc == 0 && got.monitor_pid == 601 && got.monitor_start_ticks == 6000000001ULL && got.fs_pid == 602 &&
			  got.fs_start_ticks == 6000000002ULL, "set then get: both pids and their start ticks: %s",
		  rc ? err.msg : "ok");
	TAP_CHECK(q_int(db->conn, "SELECT monitor_start_ticks FROM container_processes") == 6000000001LL &&
			  q_int(db->conn, "SELECT fs_pid FROM container_processes") == 602,
		  "stored in the documented columns");
	rc = ctr_db_get_processes(db, b, &got, &err);
	TAP_CHECK(rc == 0 && got.monitor_pid == 0 && got.fs_pid == 0, "another container's processes stay none");

	/* Replace, with only the monitor: the daemon's columns become NULL. */
	struct ctr_db_processes monitor_only = {.monitor_pid = 701, .monitor_start_ticks = 7, .fs_start_ticks = 55};
	rc = ctr_db_set_processes(db, a, &monitor_only, &err);
	rc = rc ? rc : ctr_db_get_processes(db, a, &got, &err);
	TAP_CHECK(rc == 0 && got.monitor_pid == 701 && got.monitor_start_ticks == 7 && got.fs_pid == 0 &&
			  got.fs_start_ticks == 0 && processes_rows(db, a) == 1,
		  "set again replaces the one row; pid 0 is none, its ticks ignored: %s", rc ? err.msg : "ok");
	TAP_CHECK(q_int(db->conn, "SELECT fs_pid IS NULL AND fs_start_ticks IS NULL FROM container_processes") == 1,
		  "none is stored as NULL");
	struct ctr_db_processes zero = {0};
	rc = ctr_db_set_processes(db, a, &zero, &err);
	rc = rc ? rc : ctr_db_get_processes(db, a, &got, &err);
	TAP_CHECK(rc == 0 && got.monitor_pid == 0 && processes_rows(db, a) == 0, "setting none removes the row: %s",
		  rc ? err.msg : "ok");

	/* Refusals. */
	rc = ctr_db_set_processes(db, nobody, &set, &err);
	TAP_CHECK(rc == CTR_DB_NOT_FOUND && strstr(err.msg, nobody) && strstr(err.msg, path) &&
			  q_int(db->conn, "SELECT count(*) FROM container_processes") == 0,
		  "set for an unknown container: NOT_FOUND naming it, nothing written: %s", err.msg);
	got.monitor_pid = 99;
	rc = ctr_db_get_processes(db, nobody, &got, &err);
	TAP_CHECK(rc == CTR_DB_NOT_FOUND && strstr(err.msg, nobody) && got.monitor_pid == 0,
		  "get for an unknown container: NOT_FOUND, all zero: %s", err.msg);
	struct ctr_db_processes negative = {.monitor_pid = -5, .monitor_start_ticks = 1};
	rc = ctr_db_set_processes(db, a, &negative, &err);
	TAP_CHECK(rc == CTR_DB_ERROR && strstr(err.msg, "-5") && processes_rows(db, a) == 0,
		  "a negative pid refused: %s", err.msg);
	struct ctr_db_processes huge = {.fs_pid = 3, .fs_start_ticks = UINT64_MAX};
	rc = ctr_db_set_processes(db, a, &huge, &err);
	TAP_CHECK(rc == CTR_DB_ERROR && processes_rows(db, a) == 0, "start ticks beyond 2^63 refused: %s", err.msg);

	/* The table's own CHECKs, for whoever writes it with sqlite3. */
	char sql[512];
	snprintf(sql, sizeof sql, "INSERT INTO container_processes VALUES ('%s', 0, 1, NULL, NULL)", a);
	TAP_CHECK(refused_by_constraint(db, sql), "schema: pid 0 refused");
	snprintf(sql, sizeof sql, "INSERT INTO container_processes VALUES ('%s', NULL, NULL, 4, -1)", a);
	TAP_CHECK(refused_by_constraint(db, sql), "schema: negative ticks refused");
	snprintf(sql, sizeof sql, "INSERT INTO container_processes VALUES ('%s', 4, NULL, NULL, NULL)", a);
	TAP_CHECK(refused_by_constraint(db, sql),
		  "schema: a pid without its start ticks refused");
	snprintf(sql, sizeof sql, "INSERT INTO container_processes VALUES ('%s', 4, 1, NULL, NULL)", nobody);
	TAP_CHECK(refused_by_constraint(db, sql) &&
			  sqlite3_extended_errcode(db->conn) == SQLITE_CONSTRAINT_FOREIGNKEY,
		  "schema: a row for an unknown container refused (foreign keys are on)");
	TAP_CHECK(q_int(db->conn, "SELECT count(*) FROM container_processes") == 0, "none of those got in");

	/* Marked exited: the processes go in the same transaction. */
	rc = ctr_db_set_processes(db, a, &set, &err);
	TAP_CHECK(rc == 0 && processes_rows(db, a) == 1, "processes recorded again: %s", rc ? err.msg : "ok");
	processes_commits = 0;
	sqlite3_commit_hook(db->conn, count_processes_commit, NULL);
	rc = ctr_db_set_exited(db, a, 0, 20, &err);
	sqlite3_commit_hook(db->conn, NULL, NULL);
	rc = rc ? rc : ctr_db_get_processes(db, a, &got, &err);
	TAP_CHECK(rc == 0 && got.monitor_pid == 0 && got.fs_pid == 0 && processes_rows(db, a) == 0,
		  "set_exited forgets the processes: %s", rc ? err.msg : "ok");
	TAP_CHECK(processes_commits == 1, "state and processes change in one transaction (%lld commits)",
		  (long long)processes_commits);
	/* A refused set_exited rolls back and leaves them. */
	rc = ctr_db_set_processes(db, a, &set, &err);
	TAP_CHECK(rc == 0 && processes_rows(db, a) == 1, "processes can be recorded for an exited container (restart)");
	TAP_CHECK(ctr_db_set_exited(db, a, 0, 21, &err) == CTR_DB_BAD_STATE && processes_rows(db, a) == 1,
		  "a refused set_exited leaves them");

	/* Deleted with the container. */
	TAP_CHECK(q_int(db->conn, "PRAGMA foreign_keys") == 1, "foreign keys are on, so deletes cascade");
	rc = ctr_db_set_processes(db, b, &set, &err);
	rc = rc ? rc : ctr_db_delete_container(db, a, &err);
	TAP_CHECK(rc == 0 && processes_rows(db, a) == 0 && processes_rows(db, b) == 1,
		  "delete_container removes its processes row, not another's: %s", rc ? err.msg : "ok");
	ctr_db_close(db);
}

/* ---- resource limits ---- */

static int64_t resources_rows(struct ctr_db *db)
{
	return q_int(db->conn, "SELECT count(*) FROM container_resources");
}

static void test_resources(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("resources.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	const char *path = ctr_db_path(db);
	char a[CTR_DB_ID_LEN + 1], b[CTR_DB_ID_LEN + 1], nobody[CTR_DB_ID_LEN + 1];
	make_id(a, "6a", 1);
	make_id(b, "6b", 2);
	make_id(nobody, "6f", 9);
	int rc = add_ct(db, a, "limited", 1, &err);
	rc = rc ? rc : add_ct(db, b, "free", 2, &err);
	TAP_CHECK(rc == 0, "two containers: %s", rc ? err.msg : "ok");

	struct ctr_db_resources got = {.memory_bytes = 99, .oom_killed = true};
	rc = ctr_db_get_resources(db, a, &got, &err);
	TAP_CHECK(rc == 0 && got.memory_bytes == 0 && got.memory_swap_bytes == 0 && got.nano_cpus == 0 &&
			  !got.cpuset_cpus && got.pids_limit == 0 && !got.cgroup && !got.oom_killed,
		  "none recorded: all zero and NULL: %s", rc ? err.msg : "ok");

	/* 5 GiB does not fit 32 bits: values must travel as 64-bit integers. */
	const char *json = "{\"memory\":\"/sys/fs/cgroup/memory/ctrrun-6a\",\"pids\":\"/sys/fs/cgroup/pids/ctrrun-6a\"}";
	struct ctr_db_resources set = {.memory_bytes = 5LL << 30, .memory_swap_bytes = 6LL << 30,
				       .nano_cpus = 500000000, .cpuset_cpus = "0-1", .pids_limit = 20,
				       .cgroup = (char *)json};
	rc = ctr_db_set_resources(db, a, &set, &err);
	rc = rc ? rc : ctr_db_get_resources(db, a, &got, &err);
	TAP_CHECK(rc == 0 && got.memory_bytes == 5LL << 30 && got.memory_swap_bytes == 6LL << 30 &&
			  got.nano_cpus == 500000000 && got.cpuset_cpus && strcmp(got.cpuset_cpus, "0-1") == 0 &&
			  got.pids_limit == 20 && got.cgroup && strcmp(got.cgroup, json) == 0 && !got.oom_killed,
		  "set then get: every limit and the cgroup record: %s", rc ? err.msg : "ok");
	ctr_db_resources_free(&got);
	TAP_CHECK(got.cpuset_cpus == NULL && got.cgroup == NULL && got.memory_bytes == 0, "free clears the struct");
	TAP_CHECK(q_int(db->conn, "SELECT memory_bytes FROM container_resources") == 5LL << 30 &&
			  q_int(db->conn, "SELECT nano_cpus FROM container_resources") == 500000000 &&
			  strcmp(q_text(db->conn, "SELECT cgroup ->> '$.pids' FROM container_resources"),
				 "/sys/fs/cgroup/pids/ctrrun-6a") == 0,
		  "stored in the documented columns, the cgroup as JSON sqlite3 can read");
	rc = ctr_db_get_resources(db, b, &got, &err);
	TAP_CHECK(rc == 0 && got.memory_bytes == 0 && !got.cgroup, "another container's resources stay none");

	/* OOM verdict: kept by a later set_resources, and the limits by it. */
	rc = ctr_db_set_oom_killed(db, a, true, &err);
	rc = rc ? rc : ctr_db_get_resources(db, a, &got, &err);
	TAP_CHECK(rc == 0 && got.oom_killed && got.pids_limit == 20 && got.cgroup,
		  "set_oom_killed records the verdict and keeps the limits: %s", rc ? err.msg : "ok");
	ctr_db_resources_free(&got);
	struct ctr_db_resources fewer = {.memory_bytes = 64LL << 20, .memory_swap_bytes = -1};
	rc = ctr_db_set_resources(db, a, &fewer, &err);
	rc = rc ? rc : ctr_db_get_resources(db, a, &got, &err);
	TAP_CHECK(rc == 0 && got.memory_bytes == 64LL << 20 && got.memory_swap_bytes == -1 && got.nano_cpus == 0 &&
			  !got.cpuset_cpus && got.pids_limit == 0 && !got.cgroup && got.oom_killed &&
			  resources_rows(db) == 1,
		  "set again replaces the limits (unset ones become NULL), keeps the OOM verdict: %s",
		  rc ? err.msg : "ok");
	ctr_db_resources_free(&got);
	TAP_CHECK(q_int(db->conn, "SELECT nano_cpus IS NULL AND cgroup IS NULL FROM container_resources") == 1,
		  "not set is stored as NULL");

	/* A row that says nothing goes. */
	struct ctr_db_resources none = {0};
	rc = ctr_db_set_resources(db, a, &none, &err);
	TAP_CHECK(rc == 0 && resources_rows(db) == 1, "no limits but an OOM kill recorded: the row stays: %s",
		  rc ? err.msg : "ok");
	rc = ctr_db_set_oom_killed(db, a, false, &err);
	TAP_CHECK(rc == 0 && resources_rows(db) == 0, "and without the OOM kill it goes: %s", rc ? err.msg : "ok");
	rc = ctr_db_set_oom_killed(db, b, false, &err);
	TAP_CHECK(rc == 0 && resources_rows(db) == 0, "clearing an OOM kill never recorded writes no row");
	rc = ctr_db_set_oom_killed(db, b, true, &err);
	rc = rc ? rc : ctr_db_get_resources(db, b, &got, &err);
	TAP_CHECK(rc == 0 && got.oom_killed && got.memory_bytes == 0 && resources_rows(db) == 1,
		  "an OOM kill of a container without limits is recorded: %s", rc ? err.msg : "ok");
	ctr_db_set_oom_killed(db, b, false, &err);

	/* Refusals, nothing written. */
	rc = ctr_db_set_resources(db, nobody, &set, &err);
	TAP_CHECK(rc == CTR_DB_NOT_FOUND && strstr(err.msg, nobody) && strstr(err.msg, path) && resources_rows(db) == 0,
		  "set for an unknown container: NOT_FOUND naming it: %s", err.msg);
	got.memory_bytes = 7;
	rc = ctr_db_get_resources(db, nobody, &got, &err);
	TAP_CHECK(rc == CTR_DB_NOT_FOUND && strstr(err.msg, nobody) && got.memory_bytes == 0,
		  "get for an unknown container: NOT_FOUND, all zero: %s", err.msg);
	TAP_CHECK(ctr_db_set_oom_killed(db, nobody, true, &err) == CTR_DB_NOT_FOUND && resources_rows(db) == 0,
		  "set_oom_killed for an unknown container: NOT_FOUND");
	struct ctr_db_resources bad[] = {
		{.memory_bytes = -5},
		{.memory_bytes = 64LL << 20, .memory_swap_bytes = -2},
		{.nano_cpus = -1},
		{.pids_limit = -1},
		{.memory_bytes = 64LL << 20, .memory_swap_bytes = 32LL << 20},
		{.memory_swap_bytes = 32LL << 20},
		{.cpuset_cpus = ""},
		{.cgroup = "[\"/sys/fs/cgroup/memory/x\"]"},
		{.cgroup = "{\"memory\":"},
	};
	const char *why[] = {"negative memory", "swap -2", "negative CPUs", "pids -1 (the API takes 0 for unlimited)",
			     "swap below memory", "swap without memory", "empty cpuset", "cgroup not an object",
			     "cgroup not JSON"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rc = ctr_db_set_resources(db, a, &bad[i], &err);
		TAP_CHECK(rc == CTR_DB_ERROR && resources_rows(db) == 0, "refused: %s: %s", why[i], err.msg);
	}

	/* The table's own CHECKs, for whoever writes it with sqlite3. */
	char sql[512];
	const char *rows[] = {"memory_bytes) VALUES ('%s', 0)", "memory_swap_bytes) VALUES ('%s', 5)",
			      "pids_limit) VALUES ('%s', 0)", "oom_killed) VALUES ('%s', 2)",
			      "cgroup) VALUES ('%s', 'nope')", "nano_cpus) VALUES ('%s', 'one')"};
	const char *what[] = {"memory 0", "swap without memory", "pids 0", "oom_killed 2", "cgroup not JSON",
			      "text in an integer column (STRICT)"};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		char fmt[256];
		snprintf(fmt, sizeof fmt, "INSERT INTO container_resources (container_id, %s", rows[i]);
		snprintf(sql, sizeof sql, fmt, a);
		TAP_CHECK(refused_by_constraint(db, sql), "schema: %s refused", what[i]);
	}
	snprintf(sql, sizeof sql, "INSERT INTO container_resources (container_id, pids_limit) VALUES ('%s', 5)", nobody);
	TAP_CHECK(refused_by_constraint(db, sql) && sqlite3_extended_errcode(db->conn) == SQLITE_CONSTRAINT_FOREIGNKEY,
		  "schema: a row for an unknown container refused (foreign keys are on)");
	TAP_CHECK(resources_rows(db) == 0, "none of those got in");

	/* Exit keeps them (inspect reports limits and OOMKilled afterwards);
	 * delete takes them. */
	rc = ctr_db_set_resources(db, a, &set, &err);
	rc = rc ? rc : ctr_db_set_running(db, a, 700, 7000, 10, &err);
	rc = rc ? rc : ctr_db_set_oom_killed(db, a, true, &err);
	rc = rc ? rc : ctr_db_set_exited(db, a, 137, 20, &err);
	rc = rc ? rc : ctr_db_get_resources(db, a, &got, &err);
	TAP_CHECK(rc == 0 && got.oom_killed && got.pids_limit == 20, "an exited container keeps its resources: %s",
		  rc ? err.msg : "ok");
	ctr_db_resources_free(&got);
	rc = ctr_db_delete_container(db, a, &err);
	TAP_CHECK(rc == 0 && resources_rows(db) == 0, "deleting the container deletes its resources: %s",
		  rc ? err.msg : "ok");
	ctr_db_close(db);
}

/* Confinement rows: 'auto' containers get distinct blocks of root's ids,
 * the lowest free first; a full pool is refused with nothing written. */
static void test_security(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("security.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	char *argv[] = {"true"};
	struct ctr_db_security autosec = {.userns = CTR_DB_USERNS_AUTO, .pool_uid_first = 1000000,
					  .pool_gid_first = 2000000, .pool_blocks = 2, .cap_add = "[\"NET_ADMIN\"]",
					  .seccomp = "unconfined"};
	char ids[4][CTR_DB_ID_LEN + 1];
	int rcs[4];
	for (unsigned i = 0; i < 4; i++) {
		make_id(ids[i], "5e", i);
		char name[16];
		snprintf(name, sizeof name, "sec%u", i);
		struct ctr_db_container c = {.name = name, .argv = argv, .argc = 1, .created_ns = 1, .security = &autosec};
		memcpy(c.id, ids[i], sizeof c.id);
		memcpy(c.image_id, image_id, sizeof c.image_id);
		if (i == 3) {  /* a plain user's container: its map as given */
			autosec = (struct ctr_db_security){.userns = CTR_DB_USERNS_USER, .uid_map = "0 1000 1\n1 100000 65535",
							   .gid_map = "0 1000 1\n1 100000 65535"};
		}
		rcs[i] = ctr_db_add_container(db, &c, &err);
		if (i == 2)
			TAP_CHECK(rcs[i] == CTR_DB_ERROR && strstr(err.msg, "all 2 blocks") &&
					  q_int(db->conn, "SELECT count(*) FROM containers WHERE name = 'sec2'") == 0,
				  "a third auto container is refused when the pool has 2 blocks, with nothing written: %s",
				  err.msg);
	}
	struct ctr_db_security a, b, u;
	int rc = ctr_db_get_security(db, ids[0], &a, &err);
	rc = rc ? rc : ctr_db_get_security(db, ids[1], &b, &err);
	rc = rc ? rc : ctr_db_get_security(db, ids[3], &u, &err);
	TAP_CHECK(rc == 0 && rcs[0] == 0 && rcs[1] == 0 && rcs[3] == 0, "recorded: %s", rc ? err.msg : "ok");
	if (rc == 0) {
		TAP_CHECK(a.userns == CTR_DB_USERNS_AUTO && a.idmap_slot == 0 && strcmp(a.uid_map, "0 1065536 65536") == 0 &&
				  strcmp(a.gid_map, "0 2065536 65536") == 0,
			  "the first auto container holds block 0, past the pool's first block: %s %s", a.uid_map, a.gid_map);
		TAP_CHECK(b.idmap_slot == 1 && strcmp(b.uid_map, "0 1131072 65536") == 0, "the second holds block 1: %s",
			  b.uid_map);
		TAP_CHECK(a.cap_add && strcmp(a.cap_add, "[\"NET_ADMIN\"]") == 0 && a.seccomp &&
				  strcmp(a.seccomp, "unconfined") == 0 && !a.privileged,
			  "the options come back as recorded");
		TAP_CHECK(u.userns == CTR_DB_USERNS_USER && u.idmap_slot == -1 && strcmp(u.uid_map, "0 1000 1\n1 100000 65535") == 0,
			  "a plain user's mapping is kept as given");
		ctr_db_security_free(&a);
		ctr_db_security_free(&b);
		ctr_db_security_free(&u);
	}
	/* Removing the first frees its block for the next one. */
	rc = ctr_db_delete_container(db, ids[0], &err);
	struct ctr_db_container c = {.name = "again", .argv = argv, .argc = 1, .created_ns = 1};
	autosec = (struct ctr_db_security){.userns = CTR_DB_USERNS_AUTO, .pool_uid_first = 1000000,
					   .pool_gid_first = 2000000, .pool_blocks = 2};
	c.security = &autosec;
	make_id(c.id, "5e", 9);
	memcpy(c.image_id, image_id, sizeof c.image_id);
	rc = rc ? rc : ctr_db_add_container(db, &c, &err);
	rc = rc ? rc : ctr_db_get_security(db, c.id, &a, &err);
	TAP_CHECK(rc == 0 && a.idmap_slot == 0, "a removed container's block goes to the next one: %s",
		  rc ? err.msg : "ok");
	if (rc == 0)
		ctr_db_security_free(&a);
	/* A row removed by hand: refused by name, not taken for a legacy one. */
	sqlite3_exec(db->conn, "DELETE FROM container_security", NULL, NULL, NULL);
	rc = ctr_db_get_security(db, ids[1], &a, &err);
	TAP_CHECK(rc == CTR_DB_ERROR && strstr(err.msg, "no row in container_security"),
		  "a container without a row is an error that says so: %s", err.msg);
	ctr_db_close(db);
}

static void test_list_running(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("running.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	char **ids = NULL;
	size_t n = 99;
	int rc = ctr_db_list_running(db, &ids, &n, &err);
	TAP_CHECK(rc == 0 && n == 0 && ids == NULL, "no containers: an empty list: %s", rc ? err.msg : "ok");

	/* One container in each state, created in an order unlike their ids. */
	const char *names[] = {"created", "running", "paused", "exited", "removing", "dead", "running2"};
	enum { N = sizeof names / sizeof *names };
	char id[N][CTR_DB_ID_LEN + 1];
	rc = 0;
	for (int i = 0; rc == 0 && i < N; i++) {
		make_id(id[i], i % 2 ? "a" : "f", (unsigned)i);
		rc = add_ct(db, id[i], names[i], 100 - i, &err);
		if (rc == 0 && i > 0)
			rc = ctr_db_set_running(db, id[i], 1000 + i, 1, 1, &err);
	}
	rc = rc ? rc : ctr_db_set_exited(db, id[3], 0, 2, &err);
	char sql[512];
	snprintf(sql, sizeof sql,
		 "UPDATE containers SET state = 'paused' WHERE id = '%s';"
		 "UPDATE containers SET state = 'removing' WHERE id = '%s';"
		 "UPDATE containers SET state = 'dead' WHERE id = '%s';", id[2], id[4], id[5]);
	if (rc == 0 && sqlite3_exec(db->conn, sql, NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
	TAP_CHECK(rc == 0, "containers in every state: %s", rc ? err.msg : "ok");

	rc = ctr_db_list_running(db, &ids, &n, &err);
	TAP_CHECK(rc == 0 && n == 3 && strcmp(ids[0], id[6]) == 0 && strcmp(ids[1], id[2]) == 0 &&
			  strcmp(ids[2], id[1]) == 0,
		  "running and paused ones, full ids, oldest first (%zu): %s", n, rc ? err.msg : "ok");
	ctr_db_strv_free(ids, n);
	ctr_db_close(db);
}

/* ---- concurrency ---- */

/* Two processes add a container with the same name at the same instant;
 * exactly one may win. The first rounds also race the creation of the file
 * (both migrate it, switch it to WAL, add the image). */
static void test_name_race(void)
{
	const int rounds = 16, fresh_rounds = 8;
	int winners_ok = 0, losers_ok = 0;
	struct ctr_db *setup = fresh_db("race-setup.db");
	ctr_db_close(setup);
	for (int round = 0; round < rounds; round++) {
		bool fresh = round < fresh_rounds;
		char name[64];
		snprintf(name, sizeof name, "race-fresh-%d.db", round);
		const char *db_path = tmp_path(fresh ? name : "race-setup.db");
		int gate[2];
		if (pipe(gate) < 0)
			break;
		pid_t kids[2];
		for (int k = 0; k < 2; k++) {
			kids[k] = fork();
			if (kids[k] == 0) {
				close(gate[1]);
				char go;
				if (read(gate[0], &go, 1) < 0)  /* blocks until the parent closes the gate */
					_exit(10);
				struct ctr_error err = {0};
				struct ctr_db *db = NULL;
				if (ctr_db_open(&db, db_path, &err)) {
					fprintf(stderr, "child open: %s\n", err.msg);
					_exit(11);
				}
				int rc;
				if (fresh) {
					/* Both add the same layer first: a content-addressed
					 * add that EXISTS is fine. */
					struct ctr_db_layer l = {.size_bytes = 1, .created_ns = 1};
					make_id(l.id, "1a", 1);
					rc = ctr_db_add_layer(db, &l, &err);
					char *layers[] = {l.id};
					struct ctr_db_image img = {.repository = "busybox", .created_ns = 1, .layers = layers,
								   .n_layers = 1};
					make_id(img.id, "b0", 1);
					if (rc == 0 || rc == CTR_DB_EXISTS)
						rc = ctr_db_add_image(db, &img, &err);
					if (rc != 0 && rc != CTR_DB_EXISTS) {
						fprintf(stderr, "child image: %s\n", err.msg);
						_exit(12);
					}
					memcpy(image_id, img.id, sizeof image_id);
				}
				char id[CTR_DB_ID_LEN + 1], name[32];
				make_id(id, k ? "ee" : "dd", (unsigned)round);
				snprintf(name, sizeof name, "same-%d", round);
				rc = add_ct(db, id, name, 1, &err);
				ctr_db_close(db);
				if (rc && rc != CTR_DB_EXISTS)
					fprintf(stderr, "child add: %s\n", err.msg);
				_exit(rc == 0 ? 0 : rc == CTR_DB_EXISTS ? 2 : 13);
			}
		}
		close(gate[0]);
		close(gate[1]);  /* both children start now */
		int codes[2] = {-1, -1};
		for (int k = 0; k < 2; k++) {
			int status;
			if (kids[k] > 0 && waitpid(kids[k], &status, 0) == kids[k] && WIFEXITED(status))
				codes[k] = WEXITSTATUS(status);
		}
		bool one_wins = (codes[0] == 0 && codes[1] == 2) || (codes[0] == 2 && codes[1] == 0);
		if (one_wins)
			winners_ok++;
		else
			printf("# round %d: exit codes %d and %d\n", round, codes[0], codes[1]);
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM containers WHERE name = 'same-%d'", round);
		losers_ok += file_int(db_path, sql) == 1;
	}
	TAP_CHECK(winners_ok == rounds, "same name from two processes at once: exactly one wins, the other gets "
					"EXISTS (%d of %d rounds)", winners_ok, rounds);
	TAP_CHECK(losers_ok == rounds, "and exactly one container has the name (%d of %d rounds)", losers_ok, rounds);
}

/* A writer holding the lock delays our write; BEGIN IMMEDIATE with the busy
 * timeout waits for it instead of failing with "database is locked". */
static void test_busy_wait(void)
{
	struct ctr_db *db = fresh_db("busy.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	const char *path = ctr_db_path(db);
	int ready[2];
	if (pipe(ready) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		sqlite3 *conn = NULL;
		sqlite3_open(path, &conn);
		if (sqlite3_exec(conn, "BEGIN IMMEDIATE; INSERT INTO events (time_ns, type, action, actor_id) "
				       "VALUES (1, 'image', 'held', 'x')", NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		if (write(ready[1], "x", 1) < 0)
			_exit(2);
		usleep(400 * 1000);
		sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(conn);
		_exit(0);
	}
	close(ready[1]);
	char c;
	bool locked = read(ready[0], &c, 1) == 1;
	close(ready[0]);
	struct ctr_error err = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct ctr_db_event ev = {.time_ns = 2, .type = "image", .action = "waited", .actor_id = "y"};
	int rc = ctr_db_add_event(db, &ev, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	int status;
	waitpid(pid, &status, 0);
	TAP_CHECK(locked && rc == 0 && waited > 0.2, "a write waits for another process's transaction (%.2fs): %s",
		  waited, rc ? err.msg : "ok");
	TAP_CHECK(q_int(db->conn, "SELECT count(*) FROM events") == 2, "both writes are in");
	ctr_db_close(db);
}

/* ---- logs ---- */

static int64_t logs_deleted_in_txn, max_logs_deleted_in_txn, commits;

static void count_deletes(void *arg, int op, const char *dbname, const char *table, sqlite3_int64 rowid)
{
	(void)arg, (void)dbname, (void)rowid;
	if (op == SQLITE_DELETE && strcmp(table, "logs") == 0)
		logs_deleted_in_txn++;
}

static int count_commit(void *arg)
{
	(void)arg;
	if (logs_deleted_in_txn > max_logs_deleted_in_txn)
		max_logs_deleted_in_txn = logs_deleted_in_txn;
	logs_deleted_in_txn = 0;
	commits++;
	return 0;
}

static void test_chunked_delete(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("delete.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	char x[CTR_DB_ID_LEN + 1], keep[CTR_DB_ID_LEN + 1];
	make_id(x, "de1", 1);
	make_id(keep, "de2", 2);
	char *env[] = {"A=1"};
	struct ctr_db_mount m[] = {{"/h", "/c", false}};
	char *argv[] = {"true"};
	struct ctr_db_container c = {.name = "big", .argv = argv, .argc = 1, .env = env, .n_env = 1, .mounts = m,
				     .n_mounts = 1, .created_ns = 1};
	memcpy(c.id, x, sizeof c.id);
	memcpy(c.image_id, image_id, sizeof c.image_id);
	int rc = ctr_db_add_container(db, &c, &err);
	rc = rc ? rc : add_ct(db, keep, "small", 2, &err);
	enum { BATCH = 500, BATCHES = 5, CHUNK = 200 };
	struct ctr_db_log_chunk chunks[BATCH];
	char byte = 'z';
	for (int b = 0; rc == 0 && b < BATCHES; b++) {
		for (int i = 0; i < BATCH; i++)
			chunks[i] = (struct ctr_db_log_chunk){.stream = i % 3 ? CTR_DB_STDOUT : CTR_DB_STDERR,
							      .time_ns = b * BATCH + i, .data = &byte, .len = 1};
		rc = ctr_db_append_logs(db, x, chunks, BATCH, &err);
	}
	rc = rc ? rc : ctr_db_append_logs(db, keep, chunks, 10, &err);
	TAP_CHECK(rc == 0 && q_int(db->conn, "SELECT count(*) FROM logs") == BATCH * BATCHES + 10,
		  "%d log chunks appended in batches: %s", BATCH * BATCHES + 10, rc ? err.msg : "ok");

	db->delete_chunk_rows = CHUNK;
	sqlite3_update_hook(db->conn, count_deletes, NULL);
	sqlite3_commit_hook(db->conn, count_commit, NULL);
	rc = ctr_db_delete_container(db, x, &err);
	sqlite3_update_hook(db->conn, NULL, NULL);
	sqlite3_commit_hook(db->conn, NULL, NULL);
	TAP_CHECK(rc == 0, "container with a big log deleted: %s", rc ? err.msg : "ok");
	TAP_CHECK(max_logs_deleted_in_txn > 0 && max_logs_deleted_in_txn <= CHUNK,
		  "no transaction deleted more than %d log rows (most: %lld)", CHUNK, (long long)max_logs_deleted_in_txn);
	TAP_CHECK(commits >= (BATCH * BATCHES) / CHUNK, "the log went in %lld transactions", (long long)commits);
	char sql[512];
	snprintf(sql, sizeof sql,
		 "SELECT (SELECT count(*) FROM logs WHERE container_id = '%s') + (SELECT count(*) FROM env) + "
		 "(SELECT count(*) FROM mounts) + (SELECT count(*) FROM containers WHERE id = '%s')", x, x);
	TAP_CHECK(q_int(db->conn, sql) == 0, "its log, env, volumes and row are gone");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM logs WHERE container_id = '%s'", keep);
	TAP_CHECK(q_int(db->conn, sql) == 10, "another container's log is untouched");
	TAP_CHECK(ctr_db_delete_container(db, x, &err) == CTR_DB_NOT_FOUND, "deleting it again: NOT_FOUND");

	/* A delete that died half way left state 'removing': the next finishes. */
	snprintf(sql, sizeof sql, "UPDATE containers SET state = 'removing' WHERE id = '%s'", keep);
	sqlite3_exec(db->conn, sql, NULL, NULL, NULL);
	struct ctr_db_ps_row *rows = NULL;
	size_t n = 0;
	rc = ctr_db_list_ps(db, true, &rows, &n, &err);
	TAP_CHECK(rc == 0 && n == 1 && rows[0].state == CTR_DB_REMOVING, "a half-deleted container shows as removing");
	ctr_db_ps_free(rows, n);
	TAP_CHECK(ctr_db_delete_container(db, keep, &err) == 0 && q_int(db->conn, "SELECT count(*) FROM logs") == 0,
		  "and the next delete finishes it");
	ctr_db_close(db);
}

/* A (small) container's log in order of arrival, one stream or both
 * (STREAM 0), markers as "<M>". */
static char *log_text(struct ctr_db *db, const char *id, int stream)
{
	struct ctr_error err = {0};
	struct ctr_db_log_chunk *out = NULL;
	size_t n = 0;
	static char text[4096];
	text[0] = '\0';
	if (ctr_db_read_logs(db, id, 0, 0, &out, &n, &err) != CTR_DB_OK)
		return strcpy(text, "(error)");
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		if (stream && (int)out[i].stream != stream)
			continue;
		const char *p = out[i].lost_bytes ? "<M>" : out[i].data;
		size_t l = out[i].lost_bytes ? 3 : out[i].len;
		if (len + l < sizeof text) {
			memcpy(text + len, p, l);
			len += l;
		}
	}
	text[len] = '\0';
	ctr_db_log_chunks_free(out, n);
	return text;
}

/* Retention: the oldest bytes, at least those asked for, and then the rest
 * of a line cut in two, in each stream. */
static void test_log_trim(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("trim.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	char x[CTR_DB_ID_LEN + 1], y[CTR_DB_ID_LEN + 1];
	make_id(x, "30", 1);
	make_id(y, "31", 1);
	int rc = add_ct(db, x, "trimmed", 1, &err);
	rc = rc ? rc : add_ct(db, y, "other", 1, &err);
	/* stdout "one\ntwo\nthree\n", stderr "e1\ne2\ne3\n", cut across chunks. */
	struct ctr_db_log_chunk in[] = {
		{.stream = CTR_DB_STDOUT, .time_ns = 1, .data = "one\ntw", .len = 6},
		{.stream = CTR_DB_STDERR, .time_ns = 2, .data = "e1\ne2", .len = 5},
		{.stream = CTR_DB_STDOUT, .time_ns = 3, .data = "o\nthree\n", .len = 8},
		{.stream = CTR_DB_STDERR, .time_ns = 4, .data = "\ne3\n", .len = 4},
	};
	rc = rc ? rc : ctr_db_append_logs(db, x, in, 4, &err);
	rc = rc ? rc : ctr_db_append_logs(db, y, in, 4, &err);
	int64_t bytes = -1, dropped = -1;
	rc = rc ? rc : ctr_db_log_bytes(db, x, &bytes, &err);
	TAP_CHECK(rc == 0 && bytes == 23, "log size is the sum of its chunks (23): %lld", (long long)bytes);
	rc = rc ? rc : ctr_db_trim_logs(db, x, 4, &dropped, &err);
	TAP_CHECK(rc == 0 && dropped == 4, "trimming 4 bytes that end a line drops those 4: %lld", (long long)dropped);
	TAP_STR_EQ(log_text(db, x, CTR_DB_STDOUT), "two\nthree\n", "the chunk cut at a line's end keeps the rest");
	/* Byte 3 from here is inside "e1": its line and the one of stdout that
	 * began in the dropped chunk go whole. */
	rc = rc ? rc : ctr_db_trim_logs(db, x, 3, &dropped, &err);
	TAP_CHECK(rc == 0 && dropped == 7, "trimming 3 more bytes drops 7, to the next line starts: %lld: %s",
		  (long long)dropped, rc ? err.msg : "ok");
	TAP_STR_EQ(log_text(db, x, CTR_DB_STDOUT), "three\n", "stdout starts with a whole line");
	TAP_STR_EQ(log_text(db, x, CTR_DB_STDERR), "e2\ne3\n", "stderr starts with a whole line");
	rc = rc ? rc : ctr_db_log_bytes(db, y, &bytes, &err);
	TAP_CHECK(rc == 0 && bytes == 23, "another container's log is untouched");
	/* A stream that is one unfinished line keeps it. */
	struct ctr_db_log_chunk partial[] = {
		{.stream = CTR_DB_STDOUT, .time_ns = 5, .data = "abc", .len = 3},
		{.stream = CTR_DB_STDOUT, .time_ns = 6, .data = "def", .len = 3},
	};
	rc = rc ? rc : ctr_db_append_logs(db, y, partial, 2, &err);
	rc = rc ? rc : ctr_db_trim_logs(db, y, 24, &dropped, &err);
	TAP_STR_EQ(log_text(db, y, 0), "bcdef", "a line without a newline left is kept as it is");
	/* A marker where the cut falls is kept whole. */
	struct ctr_db_log_chunk marked[] = {
		{.stream = CTR_DB_STDOUT, .time_ns = 7, .data = "a\n", .len = 2},
		{.stream = CTR_DB_STDOUT, .time_ns = 8, .data = "note\n", .len = 5, .lost_bytes = 100},
		{.stream = CTR_DB_STDOUT, .time_ns = 9, .data = "b\n", .len = 2},
	};
	rc = rc ? rc : ctr_db_trim_logs(db, x, 1000, &dropped, &err);
	rc = rc ? rc : ctr_db_append_logs(db, x, marked, 3, &err);
	rc = rc ? rc : ctr_db_trim_logs(db, x, 3, &dropped, &err);
	TAP_CHECK(rc == 0 && dropped == 2 && strcmp(log_text(db, x, 0), "<M>b\n") == 0,
		  "a cut inside a marker keeps the marker: %s", log_text(db, x, 0));
	rc = rc ? rc : ctr_db_trim_logs(db, x, 1000, &dropped, &err);
	rc = rc ? rc : ctr_db_log_bytes(db, x, &bytes, &err);
	TAP_CHECK(rc == 0 && dropped == 7 && bytes == 0, "trimming more than there is empties the log");
	ctr_db_close(db);
}

/* Marker rows; the results that tell the monitor to wait (a held lock) or
 * to keep its output (a full disk). */
static void test_log_markers(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("markers.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	char x[CTR_DB_ID_LEN + 1];
	make_id(x, "32", 1);
	int rc = add_ct(db, x, "marked", 1, &err);
	struct ctr_db_log_chunk in[] = {
		{.stream = CTR_DB_STDOUT, .time_ns = 1, .data = "a\n", .len = 2},
		{.stream = CTR_DB_STDERR, .time_ns = 2, .data = "[lost]\n", .len = 7, .lost_bytes = 12345},
	};
	rc = rc ? rc : ctr_db_append_logs(db, x, in, 2, &err);
	struct ctr_db_log_chunk *out = NULL;
	size_t n = 0;
	rc = rc ? rc : ctr_db_read_logs(db, x, 0, 0, &out, &n, &err);
	TAP_CHECK(rc == 0 && n == 2 && out[0].lost_bytes == 0 && out[1].lost_bytes == 12345 &&
			  out[1].stream == CTR_DB_STDERR && out[1].len == 7,
		  "a marker row is stored and read back with its lost bytes: %s", rc ? err.msg : "ok");
	ctr_db_log_chunks_free(out, n);
	TAP_CHECK(q_int(db->conn, "SELECT count(*) FROM logs WHERE lost_bytes IS NULL") == 1,
		  "a chunk of output has lost_bytes NULL");
	struct ctr_db_log_chunk bad = {.stream = CTR_DB_STDOUT, .data = "x", .len = 1, .lost_bytes = -1};
	TAP_CHECK(ctr_db_append_logs(db, x, &bad, 1, &err) == CTR_DB_ERROR, "negative lost bytes refused");

	/* Another process holds the write lock: BUSY, nothing written. */
	const char *path = ctr_db_path(db);
	sqlite3 *other = NULL;
	sqlite3_open(path, &other);
	sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(db->conn, 100);
	rc = ctr_db_append_logs(db, x, in, 1, &err);
	TAP_CHECK(rc == CTR_DB_BUSY && strstr(err.msg, "locked"), "a lock held past the busy timeout: CTR_DB_BUSY: %s",
		  err.msg);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	sqlite3_busy_timeout(db->conn, DB_BUSY_TIMEOUT_MS);
	TAP_CHECK(q_int(db->conn, "SELECT count(*) FROM logs") == 2, "nothing was written");

	/* No room (a page limit stands in for a full disk): FULL. */
	int64_t pages = q_int(db->conn, "PRAGMA page_count");
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages);
	q_int(db->conn, sql);
	static char big[64 * 1024];
	memset(big, 'x', sizeof big);
	struct ctr_db_log_chunk huge = {.stream = CTR_DB_STDOUT, .time_ns = 3, .data = big, .len = sizeof big};
	rc = ctr_db_append_logs(db, x, &huge, 1, &err);
	TAP_CHECK(rc == CTR_DB_FULL, "no room for the chunk: CTR_DB_FULL: %d %s", rc, err.msg);
	TAP_CHECK(q_int(db->conn, "SELECT count(*) FROM logs") == 2, "nothing was written");
	rc = ctr_db_delete_container(db, "0000", &err);
	TAP_CHECK(rc == CTR_DB_NOT_FOUND, "other failures keep their results");
	ctr_db_close(db);
}

/* docker's log options per container. */
static void test_log_config(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("logcfg.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	char x[CTR_DB_ID_LEN + 1], none[CTR_DB_ID_LEN + 1];
	make_id(x, "33", 1);
	make_id(none, "34", 1);
	int rc = add_ct(db, x, "cfg", 1, &err);
	struct ctr_db_log_config c;
	rc = rc ? rc : ctr_db_get_log_config(db, x, &c, &err);
	TAP_CHECK(rc == 0 && c.mode == CTR_DB_LOG_BLOCKING && c.max_buffer_bytes == 0 &&
			  c.max_size_bytes == CTR_DB_LOG_DEFAULT_MAX_SIZE && strcmp(c.options, "{}") == 0,
		  "no row: docker's defaults: %s", rc ? err.msg : "ok");
	ctr_db_log_config_free(&c);
	struct ctr_db_log_config nb = {.mode = CTR_DB_LOG_NON_BLOCKING, .max_buffer_bytes = 65536, .max_size_bytes = 1 << 20,
				       .options = "{\"mode\":\"non-blocking\",\"max-buffer-size\":\"64k\"}"};
	rc = ctr_db_set_log_config(db, x, &nb, &err);
	rc = rc ? rc : ctr_db_get_log_config(db, x, &c, &err);
	TAP_CHECK(rc == 0 && c.mode == CTR_DB_LOG_NON_BLOCKING && c.max_buffer_bytes == 65536 &&
			  c.max_size_bytes == 1 << 20 && strcmp(c.options, nb.options) == 0,
		  "non-blocking with its buffer, read back: %s", rc ? err.msg : "ok");
	ctr_db_log_config_free(&c);
	struct ctr_db_log_config blk = {.mode = CTR_DB_LOG_BLOCKING, .max_buffer_bytes = 99, .max_size_bytes = 5};
	rc = ctr_db_set_log_config(db, x, &blk, &err);
	rc = rc ? rc : ctr_db_get_log_config(db, x, &c, &err);
	TAP_CHECK(rc == 0 && c.mode == CTR_DB_LOG_BLOCKING && c.max_buffer_bytes == 0 && c.max_size_bytes == 5 &&
			  strcmp(c.options, "{}") == 0,
		  "replaced by blocking (no buffer kept, options '{}'): %s", rc ? err.msg : "ok");
	ctr_db_log_config_free(&c);
	TAP_CHECK(q_int(db->conn, "SELECT count(*) FROM container_logging") == 1, "one row per container");
	struct ctr_db_log_config bad = {.mode = CTR_DB_LOG_NON_BLOCKING, .max_size_bytes = 5};
	TAP_CHECK(ctr_db_set_log_config(db, x, &bad, &err) == CTR_DB_ERROR, "non-blocking without a buffer refused");
	bad = (struct ctr_db_log_config){.mode = CTR_DB_LOG_BLOCKING};
	TAP_CHECK(ctr_db_set_log_config(db, x, &bad, &err) == CTR_DB_ERROR, "no size limit refused");
	bad = (struct ctr_db_log_config){.mode = CTR_DB_LOG_BLOCKING, .max_size_bytes = 5, .options = "[1]"};
	TAP_CHECK(ctr_db_set_log_config(db, x, &bad, &err) == CTR_DB_ERROR, "options that are not a JSON object refused");
	TAP_CHECK(ctr_db_set_log_config(db, none, &blk, &err) == CTR_DB_NOT_FOUND, "no such container: NOT_FOUND");
	TAP_CHECK(ctr_db_get_log_config(db, none, &c, &err) == CTR_DB_NOT_FOUND, "no such container: NOT_FOUND");
	TAP_CHECK(ctr_db_delete_container(db, x, &err) == 0 && q_int(db->conn, "SELECT count(*) FROM container_logging") == 0,
		  "the row goes with its container");
	ctr_db_close(db);
}

/* file size of PATH plus its -wal */
static int64_t db_file_bytes(const char *path)
{
	char wal[512];
	snprintf(wal, sizeof wal, "%s-wal", path);
	struct stat a, b;
	return (stat(path, &a) == 0 ? a.st_size : 0) + (stat(wal, &b) == 0 ? b.st_size : 0);
}

/* The space of a big log comes back when it goes; a database from before
 * version 6 is switched to incremental auto-vacuum when migrated, or after
 * a big delete when it was too big for that. */
static void test_give_back_space(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("space.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	TAP_CHECK(q_int(db->conn, "PRAGMA auto_vacuum") == 2, "a new database uses incremental auto-vacuum");
	char x[CTR_DB_ID_LEN + 1], y[CTR_DB_ID_LEN + 1];
	make_id(x, "35", 1);
	make_id(y, "36", 1);
	int rc = add_ct(db, x, "big", 1, &err);
	rc = rc ? rc : add_ct(db, y, "small", 1, &err);
	static char chunk[64 * 1024];
	memset(chunk, 'y', sizeof chunk);
	struct ctr_db_log_chunk c = {.stream = CTR_DB_STDOUT, .time_ns = 1, .data = chunk, .len = sizeof chunk};
	rc = rc ? rc : ctr_db_append_logs(db, y, &c, 1, &err);
	int64_t base = db_file_bytes(ctr_db_path(db));
	for (int i = 0; rc == 0 && i < 480; i++)  /* 30 MiB */
		rc = ctr_db_append_logs(db, x, &c, 1, &err);
	int64_t peak = db_file_bytes(ctr_db_path(db));
	rc = rc ? rc : ctr_db_delete_container(db, x, &err);
	int64_t after = db_file_bytes(ctr_db_path(db));
	TAP_CHECK(rc == 0 && peak > base + (30 << 20) && after < base + (2 << 20),
		  "a 30 MiB log removed: the file (and WAL) go from %lld to %lld bytes (%lld before it): %s",
		  (long long)peak, (long long)after, (long long)base, rc ? err.msg : "ok");
	int64_t other = 0;
	TAP_CHECK(ctr_db_log_bytes(db, y, &other, &err) == 0 && other == (int64_t)sizeof chunk,
		  "the other container's log is intact");
	/* A small log removed leaves its pages for the next logs. */
	char w[CTR_DB_ID_LEN + 1];
	make_id(w, "3a", 1);
	rc = rc ? rc : add_ct(db, w, "smalllog", 1, &err);
	for (int i = 0; rc == 0 && i < 16; i++)  /* 1 MiB */
		rc = ctr_db_append_logs(db, w, &c, 1, &err);
	int64_t pages_small = q_int(db->conn, "PRAGMA page_count");
	rc = rc ? rc : ctr_db_delete_container(db, w, &err);
	TAP_CHECK(rc == 0 && q_int(db->conn, "PRAGMA page_count") == pages_small &&
			  q_int(db->conn, "PRAGMA freelist_count") >= 256,
		  "a 1 MiB log removed leaves its pages free for reuse: %s", rc ? err.msg : "ok");
	/* Trims that free little keep their pages for the next appends. */
	char z[CTR_DB_ID_LEN + 1];
	make_id(z, "37", 1);
	rc = rc ? rc : add_ct(db, z, "big2", 1, &err);
	for (int i = 0; rc == 0 && i < 640; i++)  /* 40 MiB */
		rc = ctr_db_append_logs(db, z, &c, 1, &err);
	int64_t dropped = 0, pages_before = q_int(db->conn, "PRAGMA page_count");
	rc = rc ? rc : ctr_db_trim_logs(db, z, 2 * (int64_t)sizeof chunk, &dropped, &err);
	TAP_CHECK(rc == 0 && q_int(db->conn, "PRAGMA page_count") == pages_before &&
			  q_int(db->conn, "PRAGMA freelist_count") >= 32,
		  "a trim of 128 KiB of 40 MiB keeps the pages for reuse: %s", rc ? err.msg : "ok");
	/* A big trim gives the space back. */
	rc = rc ? rc : ctr_db_trim_logs(db, z, 600 * (int64_t)sizeof chunk, &dropped, &err);
	TAP_CHECK(rc == 0 && q_int(db->conn, "PRAGMA page_count") < pages_before / 4,
		  "a trim of most of the log gives the space back (%lld pages of %lld)",
		  (long long)q_int(db->conn, "PRAGMA page_count"), (long long)pages_before);
	ctr_db_close(db);

	/* A version 4 database with more live data than the switch takes: it
	 * waits, until a delete leaves little; then that VACUUM also shrinks it. */
	const char *path = tmp_path("v4-big.db");
	struct ctr_db *old = NULL;
	rc = build_version(path, ctr_db_migrations, 4, &err);
	char sql[2048];
	make_id(x, "38", 1);
	make_id(z, "39", 1);
	snprintf(sql, sizeof sql,
		 "INSERT INTO layers VALUES ('%s', 5, 6);"
		 "INSERT INTO images (id, repository, created_ns) VALUES ('%s', 'old', 1);"
		 "INSERT INTO containers (id, name, image_id, args, created_ns, state) VALUES "
		 "('%s', 'v4big', '%s', '[\"true\"]', 7, 'created'), ('%s', 'v4small', '%s', '[\"true\"]', 7, 'created');"
		 "INSERT INTO container_security (container_id, userns) VALUES ('%s', 'legacy'), ('%s', 'legacy');"
		 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 64) "
		 "INSERT INTO logs (container_id, stream, time_ns, data) SELECT '%s', 'stdout', i, zeroblob(65536) FROM n;",
		 x, x, x, x, z, x, x, z, x);
	rc = rc ? rc : raw_exec(path, sql);
	int64_t saved = db_vacuum_switch_max_live;
	db_vacuum_switch_max_live = 1 << 20;
	rc = rc ? rc : ctr_db_open(&old, path, &err);
	TAP_CHECK(rc == 0 && q_int(old->conn, "PRAGMA auto_vacuum") == 0 && q_int(old->conn, "PRAGMA user_version") == 6,
		  "a version 4 file with 4 MiB of logs, over a 1 MiB limit: migrated, not switched yet: %s",
		  rc ? err.msg : "ok");
	int64_t big = db_file_bytes(path);
	rc = rc ? rc : ctr_db_delete_container(old, x, &err);
	TAP_CHECK(rc == 0 && q_int(old->conn, "PRAGMA auto_vacuum") == 2 && db_file_bytes(path) < big / 4,
		  "deleting the big log switches it, and the file shrinks (%lld to %lld bytes): %s", (long long)big,
		  (long long)db_file_bytes(path), rc ? err.msg : "ok");
	db_vacuum_switch_max_live = saved;
	ctr_db_close(old);
}

static void test_logs(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("logs.db");
	if (!db) {
		TAP_CHECK(0, "fixture");
		return;
	}
	char x[CTR_DB_ID_LEN + 1];
	make_id(x, "10", 1);
	int rc = add_ct(db, x, "talker", 1, &err);
	/* Lines cut across reads, an empty line, interleaved streams, and an
	 * unfinished last line. */
	struct ctr_db_log_chunk in[] = {
		{.stream = CTR_DB_STDOUT, .time_ns = 101, .data = "ab", .len = 2},
		{.stream = CTR_DB_STDERR, .time_ns = 102, .data = "E1\nE2", .len = 5},
		{.stream = CTR_DB_STDOUT, .time_ns = 103, .data = "c\nd\n\ne", .len = 6},
		{.stream = CTR_DB_STDOUT, .time_ns = 104, .data = "f\n", .len = 2},
		{.stream = CTR_DB_STDERR, .time_ns = 105, .data = "x\n", .len = 2},
		{.stream = CTR_DB_STDOUT, .time_ns = 106, .data = "tail", .len = 4},
	};
	rc = rc ? rc : ctr_db_append_logs(db, x, in, 6, &err);
	TAP_CHECK(rc == 0, "six chunks appended in one batch: %s", rc ? err.msg : "ok");

	struct { const char *stream, *line; int64_t time_ns; int complete; } want[] = {
		{"stdout", "abc", 101, 1}, {"stdout", "d", 103, 1}, {"stdout", "", 103, 1},
		{"stdout", "ef", 103, 1}, {"stdout", "tail", 106, 0},
		{"stderr", "E1", 102, 1}, {"stderr", "E2x", 102, 1},
	};
	sqlite3_stmt *stmt = NULL;
	sqlite3_prepare_v2(db->conn, "SELECT stream, line, time_ns, complete, line_no FROM log_lines "
				     "WHERE container_id = ?1 ORDER BY stream DESC, line_no", -1, &stmt, NULL);
	sqlite3_bind_text(stmt, 1, x, -1, SQLITE_STATIC);
	size_t rows = 0, good = 0;
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *stream = (const char *)sqlite3_column_text(stmt, 0);
		const char *line = (const char *)sqlite3_column_text(stmt, 1);
		if (rows < sizeof want / sizeof *want) {
			bool ok = strcmp(stream, want[rows].stream) == 0 && strcmp(line, want[rows].line) == 0 &&
				  sqlite3_column_int64(stmt, 2) == want[rows].time_ns &&
				  sqlite3_column_int(stmt, 3) == want[rows].complete;
			good += ok;
			if (!ok)
				printf("# row %zu: %s '%s' at %lld complete %d\n", rows, stream, line,
				       (long long)sqlite3_column_int64(stmt, 2), sqlite3_column_int(stmt, 3));
		}
		rows++;
	}
	sqlite3_finalize(stmt);
	TAP_CHECK(rows == sizeof want / sizeof *want && good == rows,
		  "log_lines joins chunks per stream and cuts at newlines (%zu rows, %zu right)", rows, good);
	TAP_STR_EQ(q_text(db->conn, "SELECT group_concat(line, '|') FROM (SELECT line FROM log_lines "
				    "WHERE stream = 'stderr' ORDER BY line_no DESC LIMIT 20)"),
		   "E2x|E1", "the last stderr lines, newest first");

	struct ctr_db_log_chunk *out = NULL;
	size_t n = 0;
	rc = ctr_db_read_logs(db, x, 0, 4, &out, &n, &err);
	bool same = rc == 0 && n == 4;
	for (size_t i = 0; same && i < n; i++)
		same = out[i].stream == in[i].stream && out[i].time_ns == in[i].time_ns && out[i].len == in[i].len &&
		       memcmp(out[i].data, in[i].data, in[i].len) == 0 && (i == 0 || out[i].seq > out[i - 1].seq);
	TAP_CHECK(same, "read_logs: first 4 chunks, bytes and streams as written, in order");
	int64_t last = n ? out[n - 1].seq : 0;
	ctr_db_log_chunks_free(out, n);
	rc = ctr_db_read_logs(db, x, last, 0, &out, &n, &err);
	TAP_CHECK(rc == 0 && n == 2 && out[0].len == 2 && memcmp(out[1].data, "tail", 4) == 0,
		  "read_logs after the last seq seen: the rest");
	ctr_db_log_chunks_free(out, n);

	unsigned char bin[] = {0xff, 0x00, 0xfe, '\n', 0x80};
	struct ctr_db_log_chunk b = {.stream = CTR_DB_STDERR, .time_ns = 200, .data = bin, .len = sizeof bin};
	rc = ctr_db_append_logs(db, x, &b, 1, &err);
	rc = rc ? rc : ctr_db_read_logs(db, x, last + 2, 0, &out, &n, &err);
	TAP_CHECK(rc == 0 && n == 1 && out[0].len == sizeof bin && memcmp(out[0].data, bin, sizeof bin) == 0,
		  "binary output (NUL, invalid UTF-8) stored byte for byte");
	ctr_db_log_chunks_free(out, n);

	char gone[CTR_DB_ID_LEN + 1];
	make_id(gone, "99", 9);
	TAP_CHECK(ctr_db_append_logs(db, gone, in, 1, &err) == CTR_DB_NOT_FOUND, "appending for an unknown container");
	struct ctr_db_log_chunk empty = {.stream = CTR_DB_STDOUT, .data = "", .len = 0};
	TAP_CHECK(ctr_db_append_logs(db, x, &empty, 1, &err) == CTR_DB_ERROR, "an empty chunk refused");
	ctr_db_close(db);
}

/* A container recorded with its monitor in one transaction: a ctrrun killed
 * right after the insert leaves a container with a monitor to judge it by. */
static void test_add_with_monitor(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("add-monitor.db");
	if (!db) {
		TAP_CHECK(false, "add with monitor: fixture");
		return;
	}
	char id[CTR_DB_ID_LEN + 1], bad[CTR_DB_ID_LEN + 1];
	make_id(id, "6a", 1);
	make_id(bad, "6b", 2);
	char *argv[] = {"true"};
	struct ctr_db_processes mon = {.monitor_pid = 4242, .monitor_start_ticks = 77};
	struct ctr_db_container c = {.name = "monitored", .argv = argv, .argc = 1, .created_ns = 1, .processes = &mon};
	memcpy(c.id, id, sizeof c.id);
	memcpy(c.image_id, image_id, sizeof c.image_id);
	processes_commits = 0;
	sqlite3_commit_hook(db->conn, count_processes_commit, NULL);
	int rc = ctr_db_add_container(db, &c, &err);
	sqlite3_commit_hook(db->conn, NULL, NULL);
	struct ctr_db_processes got = {0};
	rc = rc ? rc : ctr_db_get_processes(db, id, &got, &err);
	TAP_CHECK(rc == 0 && got.monitor_pid == 4242 && got.monitor_start_ticks == 77 && got.fs_pid == 0 &&
			  processes_commits == 1,
		  "add with processes: the container and its monitor in one transaction (%lld commits): %s",
		  (long long)processes_commits, rc ? err.msg : "ok");
	struct ctr_db_processes negative = {.monitor_pid = -1, .monitor_start_ticks = 1};
	memcpy(c.id, bad, sizeof c.id);
	c.name = "refused";
	c.processes = &negative;
	rc = ctr_db_add_container(db, &c, &err);
	TAP_CHECK(rc == CTR_DB_ERROR && q_int(db->conn, "SELECT count(*) FROM containers WHERE name = 'refused'") == 0,
		  "add with a negative monitor pid: refused, nothing written: %s", err.msg);
	ctr_db_close(db);
}

/* created/exited/dead -> removing with the remover recorded; refused from
 * running and while another remover is recorded, unless taken over. */
static void test_mark_removing(void)
{
	struct ctr_error err = {0};
	struct ctr_db *db = fresh_db("removing.db");
	if (!db) {
		TAP_CHECK(false, "mark removing: fixture");
		return;
	}
	char a[CTR_DB_ID_LEN + 1], b[CTR_DB_ID_LEN + 1], nobody[CTR_DB_ID_LEN + 1];
	make_id(a, "7a", 1);
	make_id(b, "7b", 2);
	make_id(nobody, "7f", 3);
	int rc = add_ct(db, a, "gone", 1, &err);
	rc = rc ? rc : add_ct(db, b, "busy", 2, &err);
	rc = rc ? rc : ctr_db_set_running(db, a, 500, 5000, 10, &err);
	rc = rc ? rc : ctr_db_set_exited(db, a, 3, 20, &err);
	rc = rc ? rc : ctr_db_set_running(db, b, 501, 5001, 11, &err);
	TAP_CHECK(rc == 0, "one exited, one running: %s", rc ? err.msg : "ok");
	struct ctr_db_processes first = {.monitor_pid = 800, .monitor_start_ticks = 8},
				second = {.monitor_pid = 900, .monitor_start_ticks = 9}, got = {0};
	struct ctr_db_container c = {0};
	rc = ctr_db_mark_removing(db, a, &first, NULL, &err);
	rc = rc ? rc : ctr_db_get_container(db, a, &c, &err);
	rc = rc ? rc : ctr_db_get_processes(db, a, &got, &err);
	TAP_CHECK(rc == 0 && c.state == CTR_DB_REMOVING && c.exit_code == 3 && got.monitor_pid == 800 &&
			  got.monitor_start_ticks == 8 && got.fs_pid == 0,
		  "exited -> removing, the remover recorded, the exit code kept: %s", rc ? err.msg : "ok");
	ctr_db_container_free(&c);
	rc = ctr_db_mark_removing(db, a, &second, NULL, &err);
	TAP_CHECK(rc == CTR_DB_BAD_STATE && strstr(err.msg, "800"), "a second remover is refused, naming the first: %s",
		  err.msg);
	struct ctr_db_processes wrong = {.monitor_pid = 800, .monitor_start_ticks = 99};
	rc = ctr_db_mark_removing(db, a, &second, &wrong, &err);
	TAP_CHECK(rc == CTR_DB_BAD_STATE, "taking over from a remover that is not the one recorded is refused");
	rc = ctr_db_mark_removing(db, a, &second, &first, &err);
	rc = rc ? rc : ctr_db_get_processes(db, a, &got, &err);
	TAP_CHECK(rc == 0 && got.monitor_pid == 900, "taking over from the recorded (gone) remover: %s",
		  rc ? err.msg : "ok");
	rc = ctr_db_mark_removing(db, b, &first, NULL, &err);
	TAP_CHECK(rc == CTR_DB_BAD_STATE && strstr(err.msg, "running"), "a running container is refused: %s", err.msg);
	TAP_CHECK(ctr_db_mark_removing(db, nobody, &first, NULL, &err) == CTR_DB_NOT_FOUND, "an unknown one: NOT_FOUND");
	TAP_CHECK(ctr_db_set_running(db, a, 502, 5002, 12, &err) == CTR_DB_BAD_STATE,
		  "a removing container cannot be started");
	rc = ctr_db_delete_container(db, a, &err);
	TAP_CHECK(rc == 0 && processes_rows(db, a) == 0 &&
			  q_int(db->conn, "SELECT count(*) FROM containers WHERE name = 'gone'") == 0,
		  "then deleted with its rows: %s", rc ? err.msg : "ok");
	ctr_db_close(db);
}

/* The disk reserve: made beside the file only when asked (ctrrun asks
 * after every open), whole, private; given back only by a write that
 * failed on a full file system. */
static void test_reserve(void)
{
	struct ctr_db *db = fresh_db("reserve.db");
	if (!db) {
		TAP_CHECK(false, "reserve: fixture");
		return;
	}
	const char *path = tmp_path("reserve.db" CTR_DB_RESERVE_SUFFIX);
	struct stat st;
	TAP_CHECK(!exists(path) && !ctr_db_reserve_held(db), "opening makes no reserve by itself");
	TAP_CHECK(ctr_db_reserve_refill(db) && ctr_db_reserve_held(db), "refill makes the reserve");
	TAP_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_blocks * 512 >= CTR_DB_RESERVE_BYTES &&
			  st.st_size == CTR_DB_RESERVE_BYTES,
		  "the reserve is FILE" CTR_DB_RESERVE_SUFFIX ", mode 0600, %d bytes allocated", CTR_DB_RESERVE_BYTES);
	TAP_CHECK(ctr_db_reserve_refill(db) && stat(path, &st) == 0 && st.st_size == CTR_DB_RESERVE_BYTES,
		  "refill keeps a reserve that is there");
	db->last_code = SQLITE_CONSTRAINT;
	TAP_CHECK(!db_retry_with_reserve(db, CTR_DB_ERROR) && exists(path),
		  "a failure that is not a full disk keeps the reserve and is not retried");
	TAP_CHECK(!db_retry_with_reserve(db, CTR_DB_OK) && exists(path), "success keeps the reserve");
	db->last_code = SQLITE_FULL;
	TAP_CHECK(db_retry_with_reserve(db, CTR_DB_ERROR) && !exists(path) && !ctr_db_reserve_held(db),
		  "a write that failed on a full disk releases the reserve and is retried");
	db->last_code = SQLITE_IOERR_WRITE, db->last_errno = EDQUOT;
	TAP_CHECK(!db_retry_with_reserve(db, CTR_DB_ERROR), "without a reserve, it is not retried again");
	/* A partial file (a fallback made without O_TMPFILE, cut short) is replaced. */
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	TAP_CHECK(!ctr_db_reserve_held(db) && ctr_db_reserve_refill(db) && stat(path, &st) == 0 &&
			  st.st_size == CTR_DB_RESERVE_BYTES,
		  "an empty reserve file counts as none and is made whole");
	ctr_db_close(db);
}

int main(void)
{
	const char *tmpdir = getenv("TMPDIR");
	snprintf(tmp_root, sizeof tmp_root, "%s/ctr-test-db.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(tmp_root)) {
		printf("1..0 # SKIP cannot create a temp dir: %s\n", strerror(errno));
		return 1;
	}
	atexit(remove_tmp_root);
	signal(SIGPIPE, SIG_IGN);

	test_fresh_open();
	test_empty_file();
	test_schema_file_matches_migrations();
	test_migrate_from_each_version();
	test_migration_ladder();
	test_newer_version();
	test_foreign_database();
	test_corrupt();
	test_read_only();
	test_images();
	test_containers();
	test_ps();
	test_prefixes();
	test_processes();
	test_resources();
	test_security();
	test_list_running();
	test_name_race();
	test_busy_wait();
	test_read_beside_write_lock();
	test_migration_beside_write_lock();
	test_write_lock_free();
	test_chunked_delete();
	test_logs();
	test_log_trim();
	test_log_markers();
	test_log_config();
	test_give_back_space();
	test_reserve();
	test_add_with_monitor();
	test_mark_removing();
	return tap_done();
}
