/* Container rows: creation (with the unique name), the state changes of a
 * container's life, lookup by id, name or prefix, and deletion. */
#include <errno.h>
#include <stdlib.h>

#include "db_internal.h"

static const char *const state_names[] = {
	[CTR_DB_CREATED] = "created",   [CTR_DB_RUNNING] = "running",   [CTR_DB_PAUSED] = "paused",
	[CTR_DB_EXITED] = "exited",     [CTR_DB_REMOVING] = "removing", [CTR_DB_DEAD] = "dead",
};

const char *ctr_db_state_name(enum ctr_db_state state)
{
	if ((unsigned)state < sizeof state_names / sizeof *state_names)
		return state_names[state];
	return "unknown";
}

int db_state_from_name(const char *name, enum ctr_db_state *state)
{
	for (size_t i = 0; name && i < sizeof state_names / sizeof *state_names; i++)
		if (strcmp(name, state_names[i]) == 0) {
			*state = (enum ctr_db_state)i;
			return 0;
		}
	return -1;
}

/* docker's rule, also a CHECK in the schema; checked here for a message a
 * user can act on. */
static bool valid_name(const char *name)
{
	if (!name || !((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') || (*name >= '0' && *name <= '9')))
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

int db_container_exists(struct ctr_db *db, const char *id, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "SELECT 1 FROM containers WHERE id = ?1", "finding a container", err);
	if (!stmt)
		return CTR_DB_ERROR;
	return db_step_container_row(db, stmt, id, "finding a container", err);
}

/* The argv as a JSON array, built by SQLite's JSON functions rather than by
 * hand-written escaping. *json is sqlite3_malloc'd. */
static int argv_to_json(struct ctr_db *db, char *const *argv, size_t argc, char **json, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "SELECT json_insert(?1, '$[#]', ?2)", "encoding the command", err);
	if (!stmt)
		return CTR_DB_ERROR;
	*json = sqlite3_mprintf("[]");
	for (size_t i = 0; *json && i < argc; i++) {
		db_bind_text(stmt, 1, *json);
		db_bind_text(stmt, 2, argv[i]);
		if (sqlite3_step(stmt) != SQLITE_ROW) {
			sqlite3_free(*json);
			*json = NULL;
			return db_fail_sqlite(db, err, "encoding the command");
		}
		char *next = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(stmt, 0));
		sqlite3_reset(stmt);
		sqlite3_free(*json);
		*json = next;
	}
	if (!*json)
		return ctr_fail(err, ENOMEM, "state db %s: encoding the command", db->path);
	return CTR_DB_OK;
}

static int insert_container(struct ctr_db *db, const struct ctr_db_container *c, struct ctr_error *err)
{
	/* The write lock is held: nobody can take the name between this check
	 * and the INSERT. The UNIQUE constraint backs it up all the same. */
	_cleanup_stmt_ sqlite3_stmt *taken =
		db_prepare(db, "SELECT id FROM containers WHERE name = ?1", "adding a container", err);
	if (!taken)
		return CTR_DB_ERROR;
	db_bind_text(taken, 1, c->name);
	int rc = sqlite3_step(taken);
	if (rc == SQLITE_ROW)
		return db_fail(db, err, CTR_DB_EXISTS, "container name \"%s\" is already in use by container %.12s",
			       c->name, (const char *)sqlite3_column_text(taken, 0));
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "adding a container");

	_cleanup_stmt_ sqlite3_stmt *image =
		db_prepare(db, "SELECT 1 FROM images WHERE id = ?1", "adding a container", err);
	if (!image)
		return CTR_DB_ERROR;
	db_bind_text(image, 1, c->image_id);
	rc = sqlite3_step(image);
	if (rc == SQLITE_DONE)
		return db_fail(db, err, CTR_DB_NOT_FOUND, "container %s: no image %s", c->name, c->image_id);
	if (rc != SQLITE_ROW)
		return db_fail_sqlite(db, err, "adding a container");

	char *args;
	if (argv_to_json(db, c->argv, c->argc, &args, err))
		return CTR_DB_ERROR;
	_cleanup_stmt_ sqlite3_stmt *ins = db_prepare(db,
		"INSERT INTO containers (id, name, image_id, args, workdir, user, hostname, network, "
		"tty, interactive, auto_remove, created_ns) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", "adding a container", err);
	if (!ins) {
		sqlite3_free(args);
		return CTR_DB_ERROR;
	}
	db_bind_text(ins, 1, c->id);
	db_bind_text(ins, 2, c->name);
	db_bind_text(ins, 3, c->image_id);
	db_bind_text(ins, 4, args);
	db_bind_text(ins, 5, c->workdir);
	db_bind_text(ins, 6, c->user);
	db_bind_text(ins, 7, c->hostname);
	db_bind_text(ins, 8, c->host_network ? "host" : "none");
	sqlite3_bind_int(ins, 9, c->tty);
	sqlite3_bind_int(ins, 10, c->interactive);
	sqlite3_bind_int(ins, 11, c->auto_remove);
	sqlite3_bind_int64(ins, 12, c->created_ns);
	rc = sqlite3_step(ins);
	sqlite3_free(args);
	if (rc != SQLITE_DONE) {
		int code = sqlite3_extended_errcode(db->conn);
		if (code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE)
			return db_fail(db, err, CTR_DB_EXISTS, "container %s or name \"%s\" is recorded already",
				       c->id, c->name);
		return db_fail_sqlite(db, err, "adding a container");
	}
	rc = db_insert_env(db, c->id, c->env, c->n_env, err);
	if (rc == CTR_DB_OK)
		rc = db_insert_mounts(db, c->id, c->mounts, c->n_mounts, err);
	if (rc == CTR_DB_OK)
		rc = db_insert_security(db, c->id, c->security, err);
	return rc || !c->processes ? rc : db_write_processes(db, c->id, c->processes, err);
}

int ctr_db_add_container(struct ctr_db *db, const struct ctr_db_container *c, struct ctr_error *err)
{
	if (!db_is_hex_id(c->id, true))
		return db_fail(db, err, CTR_DB_ERROR, "container id \"%s\" is not %d hex digits", c->id, CTR_DB_ID_LEN);
	if (!valid_name(c->name))
		return db_fail(db, err, CTR_DB_ERROR,
			       "container name \"%s\" is invalid: letters, digits, '_', '.' and '-', "
			       "starting with a letter or digit", c->name ? c->name : "");
	if (c->argc == 0)
		return db_fail(db, err, CTR_DB_ERROR, "container %s: no command", c->name);
	if (c->processes && db_check_processes(db, c->id, c->processes, err))
		return CTR_DB_ERROR;
	if (db_begin_write(db, "adding a container", err))
		return CTR_DB_ERROR;
	return db_end(db, insert_container(db, c, err), "adding a container", err);
}

/* Runs UPD, an UPDATE of container ID guarded by "AND state IN (...)"; when
 * it changed nothing, says why: no such container, or the wrong state. */
static int change_state(struct ctr_db *db, const char *id, sqlite3_stmt *upd, const char *to,
			struct ctr_error *err)
{
	char what[64];
	snprintf(what, sizeof what, "marking a container %s", to);
	if (db_step_done(db, upd, what, err))
		return CTR_DB_ERROR;
	if (sqlite3_changes(db->conn) == 1)
		return CTR_DB_OK;
	_cleanup_stmt_ sqlite3_stmt *get = db_prepare(db, "SELECT state FROM containers WHERE id = ?1", what, err);
	if (!get)
		return CTR_DB_ERROR;
	int rc = db_step_container_row(db, get, id, what, err);
	if (rc != CTR_DB_OK)
		return rc;
	return db_fail(db, err, CTR_DB_BAD_STATE, "container %.12s is %s; it cannot become %s", id,
		       (const char *)sqlite3_column_text(get, 0), to);
}

static int set_running(struct ctr_db *db, const char *id, pid_t pid, uint64_t ticks, int64_t started_ns,
		       struct ctr_error *err)
{
	/* From exited too: a stopped container can be started again. */
	_cleanup_stmt_ sqlite3_stmt *upd = db_prepare(db,
		"UPDATE containers SET state = 'running', pid = ?2, pid_start_ticks = ?3, started_ns = ?4, "
		"finished_ns = NULL, exit_code = NULL, error = NULL WHERE id = ?1 AND state IN ('created', 'exited')",
		"marking a container running", err);
	if (!upd)
		return CTR_DB_ERROR;
	db_bind_text(upd, 1, id);
	sqlite3_bind_int64(upd, 2, pid);
	sqlite3_bind_int64(upd, 3, (int64_t)ticks);
	sqlite3_bind_int64(upd, 4, started_ns);
	return change_state(db, id, upd, "running", err);
}

int ctr_db_set_running(struct ctr_db *db, const char *id, pid_t pid, uint64_t pid_start_ticks, int64_t started_ns,
		       struct ctr_error *err)
{
	if (pid <= 0)
		return db_fail(db, err, CTR_DB_ERROR, "container %.12s: pid %d is not a process", id, (int)pid);
	if (db_begin_write(db, "marking a container running", err))
		return CTR_DB_ERROR;
	return db_end(db, set_running(db, id, pid, pid_start_ticks, started_ns, err),
		      "marking a container running", err);
}

static int set_exited(struct ctr_db *db, const char *id, int exit_code, int64_t finished_ns, struct ctr_error *err)
{
	/* From created too: a container whose start failed has exited. */
	_cleanup_stmt_ sqlite3_stmt *upd = db_prepare(db,
		"UPDATE containers SET state = 'exited', exit_code = ?2, finished_ns = ?3, "
		"pid = NULL, pid_start_ticks = NULL WHERE id = ?1 AND state IN ('created', 'running', 'paused')",
		"marking a container exited", err);
	if (!upd)
		return CTR_DB_ERROR;
	db_bind_text(upd, 1, id);
	sqlite3_bind_int(upd, 2, exit_code);
	sqlite3_bind_int64(upd, 3, finished_ns);
	int rc = change_state(db, id, upd, "exited", err);
	/* Same transaction: no reader ever sees an exited container with a
	 * monitor or file system daemon that it should wait for. */
	return rc ? rc : db_clear_processes(db, id, err);
}

int ctr_db_set_exited(struct ctr_db *db, const char *id, int exit_code, int64_t finished_ns, struct ctr_error *err)
{
	if (exit_code < 0 || exit_code > 255)
		return db_fail(db, err, CTR_DB_ERROR, "container %.12s: exit code %d is not 0-255", id, exit_code);
	/* On a full disk too: the exit code would be lost for good. */
	int rc;
	do {
		rc = db_begin_write(db, "marking a container exited", err);
		if (rc == CTR_DB_OK)
			rc = db_end(db, set_exited(db, id, exit_code, finished_ns, err), "marking a container exited", err);
	} while (db_retry_with_reserve(db, rc));
	return rc;
}

static int set_error(struct ctr_db *db, const char *id, const char *error, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *upd =
		db_prepare(db, "UPDATE containers SET error = ?2 WHERE id = ?1", "recording why a container stopped",
			   err);
	if (!upd)
		return CTR_DB_ERROR;
	db_bind_text(upd, 1, id);
	db_bind_text(upd, 2, error);
	int rc = db_step_done(db, upd, "recording why a container stopped", err);
	if (rc == CTR_DB_OK && sqlite3_changes(db->conn) == 0)
		return db_fail(db, err, CTR_DB_NOT_FOUND, "no container %.12s", id);
	return rc;
}

int ctr_db_set_error(struct ctr_db *db, const char *id, const char *error, struct ctr_error *err)
{
	/* Part of a container's exit record: on a full disk too. */
	int rc;
	do {
		rc = db_begin_write(db, "recording why a container stopped", err);
		if (rc == CTR_DB_OK)
			rc = db_end(db, set_error(db, id, error, err), "recording why a container stopped", err);
	} while (db_retry_with_reserve(db, rc));
	return rc;
}

/* argv from the JSON array in containers.args, in array order. */
static int load_argv(struct ctr_db *db, const char *id, struct ctr_db_container *out, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "SELECT a.value FROM containers AS c, json_each(c.args) AS a "
			       "WHERE c.id = ?1 ORDER BY a.key", "reading a container's command", err);
	if (!stmt)
		return CTR_DB_ERROR;
	db_bind_text(stmt, 1, id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (db_grow(db, (void **)&out->argv, &cap, out->argc + 1, sizeof *out->argv, err) ||
		    db_column_strdup(db, stmt, 0, &out->argv[out->argc], err))
			return CTR_DB_ERROR;
		out->argc++;
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "reading a container's command");
	return CTR_DB_OK;
}

/* By full id, inside the caller's transaction. */
static int load_container(struct ctr_db *db, const char *id, struct ctr_db_container *out, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db,
		"SELECT id, name, image_id, workdir, user, hostname, network, tty, interactive, auto_remove, "
		"created_ns, state, pid, pid_start_ticks, started_ns, finished_ns, exit_code, error "
		"FROM containers WHERE id = ?1", "reading a container", err);
	if (!stmt)
		return CTR_DB_ERROR;
	int rc = db_step_container_row(db, stmt, id, "reading a container", err);
	if (rc != CTR_DB_OK)
		return rc;
	db_column_id(stmt, 0, out->id);
	db_column_id(stmt, 2, out->image_id);
	if (db_column_strdup(db, stmt, 1, &out->name, err) || db_column_strdup(db, stmt, 3, &out->workdir, err) ||
	    db_column_strdup(db, stmt, 4, &out->user, err) || db_column_strdup(db, stmt, 5, &out->hostname, err))
		return CTR_DB_ERROR;
	const char *network = (const char *)sqlite3_column_text(stmt, 6);
	out->host_network = network && strcmp(network, "host") == 0;
	out->tty = sqlite3_column_int(stmt, 7);
	out->interactive = sqlite3_column_int(stmt, 8);
	out->auto_remove = sqlite3_column_int(stmt, 9);
	out->created_ns = sqlite3_column_int64(stmt, 10);
	const char *state = (const char *)sqlite3_column_text(stmt, 11);
	if (db_state_from_name(state, &out->state))
		return db_fail(db, err, CTR_DB_ERROR, "container %s has unknown state \"%s\"", id, state ? state : "");
	out->pid = (pid_t)sqlite3_column_int64(stmt, 12);
	out->pid_start_ticks = (uint64_t)sqlite3_column_int64(stmt, 13);
	out->started_ns = sqlite3_column_int64(stmt, 14);
	out->finished_ns = sqlite3_column_int64(stmt, 15);
	out->exit_code = sqlite3_column_type(stmt, 16) == SQLITE_NULL ? -1 : sqlite3_column_int(stmt, 16);
	if (db_column_strdup(db, stmt, 17, &out->error, err))
		return CTR_DB_ERROR;
	if (load_argv(db, out->id, out, err) || db_load_env(db, out->id, &out->env, &out->n_env, err) ||
	    db_load_mounts(db, out->id, &out->mounts, &out->n_mounts, err))
		return CTR_DB_ERROR;
	return CTR_DB_OK;
}

int ctr_db_get_container(struct ctr_db *db, const char *id, struct ctr_db_container *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	if (db_begin_read(db, "reading a container", err))
		return CTR_DB_ERROR;
	int rc = db_end(db, load_container(db, id, out, err), "reading a container", err);
	if (rc)
		ctr_db_container_free(out);
	return rc;
}

/* REF as the CLI takes it -> full id: exact id, else name, else unique
 * prefix. Several prefix matches are listed in the error. */
static int resolve(struct ctr_db *db, const char *ref, char id[CTR_DB_ID_LEN + 1], struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *exact =
		db_prepare(db, "SELECT id FROM containers WHERE id = ?1 UNION ALL "
			       "SELECT id FROM containers WHERE name = ?1 LIMIT 1", "finding a container", err);
	if (!exact)
		return CTR_DB_ERROR;
	db_bind_text(exact, 1, ref);
	int rc = sqlite3_step(exact);
	if (rc == SQLITE_ROW) {
		db_column_id(exact, 0, id);
		return CTR_DB_OK;
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "finding a container");

	char pattern[CTR_DB_ID_LEN + 2];
	if (!db_is_hex_id(ref, false) || db_prefix_pattern(db, ref, pattern, err))
		return db_fail(db, err, CTR_DB_NOT_FOUND, "no container with id, name or id prefix \"%s\"", ref);
	_cleanup_stmt_ sqlite3_stmt *prefix =
		db_prepare(db, "SELECT id, name, count(*) OVER () FROM containers WHERE id GLOB ?1 "
			       "ORDER BY id LIMIT 10", "finding a container", err);
	if (!prefix)
		return CTR_DB_ERROR;
	db_bind_text(prefix, 1, pattern);
	char list[700] = "";
	int64_t total = 0;
	while ((rc = sqlite3_step(prefix)) == SQLITE_ROW) {
		total = sqlite3_column_int64(prefix, 2);
		db_column_id(prefix, 0, id);
		db_append(list, sizeof list, "%s%.12s (%s)", list[0] ? ", " : "", id,
			  (const char *)sqlite3_column_text(prefix, 1));
	}
	if (rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "finding a container");
	if (total == 0)
		return db_fail(db, err, CTR_DB_NOT_FOUND, "no container with id, name or id prefix \"%s\"", ref);
	if (total > 1)
		return db_fail(db, err, CTR_DB_AMBIGUOUS, "id prefix \"%s\" matches %lld containers: %s%s", ref,
			       (long long)total, list, total > 10 ? ", ..." : "");
	return CTR_DB_OK;
}

static int find_container(struct ctr_db *db, const char *ref, struct ctr_db_container *out, struct ctr_error *err)
{
	char id[CTR_DB_ID_LEN + 1];
	int rc = resolve(db, ref, id, err);
	return rc ? rc : load_container(db, id, out, err);
}

int ctr_db_find_container(struct ctr_db *db, const char *ref, struct ctr_db_container *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	if (!ref || !*ref)
		return db_fail(db, err, CTR_DB_NOT_FOUND, "no container given");
	if (db_begin_read(db, "finding a container", err))
		return CTR_DB_ERROR;
	int rc = db_end(db, find_container(db, ref, out, err), "finding a container", err);
	if (rc)
		ctr_db_container_free(out);
	return rc;
}

/* Inside the transaction of ctr_db_mark_removing. */
static int mark_removing_by(struct ctr_db *db, const char *id, const struct ctr_db_processes *remover,
			    const struct ctr_db_processes *previous, struct ctr_error *err)
{
	const char *what = "marking a container removing";
	_cleanup_stmt_ sqlite3_stmt *get = db_prepare(db,
		"SELECT c.state, p.monitor_pid, p.monitor_start_ticks FROM containers AS c "
		"LEFT JOIN container_processes AS p ON p.container_id = c.id WHERE c.id = ?1", what, err);
	if (!get)
		return CTR_DB_ERROR;
	int rc = db_step_container_row(db, get, id, what, err);
	if (rc != CTR_DB_OK)
		return rc;
	enum ctr_db_state state;
	if (db_state_from_name((const char *)sqlite3_column_text(get, 0), &state))
		return db_fail(db, err, CTR_DB_ERROR, "container %.12s has an unknown state", id);
	pid_t by = (pid_t)sqlite3_column_int64(get, 1);
	uint64_t by_ticks = (uint64_t)sqlite3_column_int64(get, 2);
	if (state == CTR_DB_REMOVING) {
		if (!previous || previous->monitor_pid != by || (by && previous->monitor_start_ticks != by_ticks))
			return db_fail(db, err, CTR_DB_BAD_STATE, "container %.12s is being removed by process %d", id,
				       (int)by);
	} else if (state != CTR_DB_CREATED && state != CTR_DB_EXITED && state != CTR_DB_DEAD) {
		return db_fail(db, err, CTR_DB_BAD_STATE, "container %.12s is %s; it cannot be removed", id,
			       ctr_db_state_name(state));
	}
	_cleanup_stmt_ sqlite3_stmt *upd =
		db_prepare(db, "UPDATE containers SET state = 'removing' WHERE id = ?1", what, err);
	if (!upd)
		return CTR_DB_ERROR;
	db_bind_text(upd, 1, id);
	if (db_step_done(db, upd, what, err))
		return CTR_DB_ERROR;
	struct ctr_db_processes p = {.monitor_pid = remover->monitor_pid,
				     .monitor_start_ticks = remover->monitor_start_ticks};
	return db_write_processes(db, id, &p, err);
}

int ctr_db_mark_removing(struct ctr_db *db, const char *id, const struct ctr_db_processes *remover,
			 const struct ctr_db_processes *previous, struct ctr_error *err)
{
	if (remover->monitor_pid <= 0)
		return db_fail(db, err, CTR_DB_ERROR, "container %.12s: no process given to remove it", id);
	int rc = db_check_processes(db, id, remover, err);
	if (rc)
		return rc;
	do {
		rc = db_begin_write(db, "marking a container removing", err);
		if (rc == CTR_DB_OK)
			rc = db_end(db, mark_removing_by(db, id, remover, previous, err), "marking a container removing",
				    err);
	} while (db_retry_with_reserve(db, rc));
	return rc;
}

static int mark_removing(struct ctr_db *db, const char *id, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db, "UPDATE containers SET state = 'removing' WHERE id = ?1",
						       "deleting a container", err);
	if (!stmt)
		return CTR_DB_ERROR;
	db_bind_text(stmt, 1, id);
	if (db_step_done(db, stmt, "deleting a container", err))
		return CTR_DB_ERROR;
	if (sqlite3_changes(db->conn) == 0)
		return db_fail(db, err, CTR_DB_NOT_FOUND, "no container %s", id);
	return CTR_DB_OK;
}

static int delete_row(struct ctr_db *db, const char *id, struct ctr_error *err)
{
	/* Cascades to env, mounts, container_processes and any log chunk
	 * appended since the chunked delete: few rows. */
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "DELETE FROM containers WHERE id = ?1", "deleting a container", err);
	if (!stmt)
		return CTR_DB_ERROR;
	db_bind_text(stmt, 1, id);
	return db_step_done(db, stmt, "deleting a container", err);
}

int ctr_db_delete_container(struct ctr_db *db, const char *id, struct ctr_error *err)
{
	/* Marked first, so that while the log goes chunk by chunk (each chunk
	 * committed on its own) readers see a container being removed, not one
	 * whose log is mysteriously short; a crash in between leaves the mark
	 * for the next delete to finish. */
	int rc;
	do {
		rc = db_begin_write(db, "deleting a container", err);
		if (rc == CTR_DB_OK)
			rc = db_end(db, mark_removing(db, id, err), "deleting a container", err);
	} while (db_retry_with_reserve(db, rc));
	if (rc)
		return rc;
	if (db_delete_logs_chunked(db, id, err))
		return CTR_DB_ERROR;
	do {
		rc = db_begin_write(db, "deleting a container", err);
		if (rc == CTR_DB_OK)
			rc = db_end(db, delete_row(db, id, err), "deleting a container", err);
	} while (db_retry_with_reserve(db, rc));
	return rc;
}

void ctr_db_container_free(struct ctr_db_container *c)
{
	if (!c)
		return;
	free(c->name);
	ctr_db_strv_free(c->argv, c->argc);
	ctr_db_strv_free(c->env, c->n_env);
	db_free_mounts(c->mounts, c->n_mounts);
	free(c->workdir);
	free(c->user);
	free(c->hostname);
	free(c->error);
	c->name = c->workdir = c->user = c->hostname = c->error = NULL;
	c->argv = c->env = NULL;
	c->mounts = NULL;
	c->argc = c->n_env = c->n_mounts = 0;
}
