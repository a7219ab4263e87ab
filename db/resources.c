/* A container's resource limits, the cgroups made for them, and whether the
 * OOM killer struck (table container_resources): what `inspect` reports and
 * what exec and cleanup need to find the cgroups again. */
#include <stdlib.h>

#include "db_internal.h"

/* A limit as a column: 0 (not set) as NULL. */
static void bind_limit(sqlite3_stmt *stmt, int index, int64_t value)
{
	if (value == 0)
		sqlite3_bind_null(stmt, index);
	else
		sqlite3_bind_int64(stmt, index, value);
}

/* Without limits, cgroups or an OOM kill a row says nothing: none is kept,
 * so that "no row" is the one way to say "nothing recorded". */
static int drop_empty_row(struct ctr_db *db, const char *id, const char *what, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *del = db_prepare(db,
		"DELETE FROM container_resources WHERE container_id = ?1 AND oom_killed = 0 "
		"AND memory_bytes IS NULL AND memory_swap_bytes IS NULL AND nano_cpus IS NULL "
		"AND cpuset_cpus IS NULL AND pids_limit IS NULL AND cgroup IS NULL", what, err);
	if (!del)
		return CTR_DB_ERROR;
	db_bind_text(del, 1, id);
	return db_step_done(db, del, what, err);
}

static int set_resources(struct ctr_db *db, const char *id, const struct ctr_db_resources *r,
			 struct ctr_error *err)
{
	int rc = db_container_exists(db, id, err);
	if (rc)
		return rc;
	_cleanup_stmt_ sqlite3_stmt *upsert = db_prepare(db,
		"INSERT INTO container_resources (container_id, memory_bytes, memory_swap_bytes, nano_cpus, "
		"cpuset_cpus, pids_limit, cgroup) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
		"ON CONFLICT (container_id) DO UPDATE SET memory_bytes = excluded.memory_bytes, "
		"memory_swap_bytes = excluded.memory_swap_bytes, nano_cpus = excluded.nano_cpus, "
		"cpuset_cpus = excluded.cpuset_cpus, pids_limit = excluded.pids_limit, cgroup = excluded.cgroup",
		"recording a container's resources", err);
	if (!upsert)
		return CTR_DB_ERROR;
	db_bind_text(upsert, 1, id);
	bind_limit(upsert, 2, r->memory_bytes);
	bind_limit(upsert, 3, r->memory_swap_bytes);
	bind_limit(upsert, 4, r->nano_cpus);
	db_bind_text(upsert, 5, r->cpuset_cpus);
	bind_limit(upsert, 6, r->pids_limit);
	db_bind_text(upsert, 7, r->cgroup);
	rc = db_step_done(db, upsert, "recording a container's resources", err);
	return rc ? rc : drop_empty_row(db, id, "recording a container's resources", err);
}

int ctr_db_set_resources(struct ctr_db *db, const char *id, const struct ctr_db_resources *r,
			 struct ctr_error *err)
{
	if (r->memory_bytes < 0 || r->memory_swap_bytes < -1 || r->nano_cpus < 0 || r->pids_limit < 0)
		return db_fail(db, err, CTR_DB_ERROR, "container %.12s: a negative resource limit", id);
	/* docker's rule: the swap limit counts memory plus swap. */
	if (r->memory_swap_bytes > 0 && r->memory_bytes == 0)
		return db_fail(db, err, CTR_DB_ERROR, "container %.12s: a memory+swap limit without a memory limit", id);
	if (r->memory_swap_bytes > 0 && r->memory_swap_bytes < r->memory_bytes)
		return db_fail(db, err, CTR_DB_ERROR,
			       "container %.12s: memory+swap limit %lld is below the memory limit %lld", id,
			       (long long)r->memory_swap_bytes, (long long)r->memory_bytes);
	if (r->cpuset_cpus && !r->cpuset_cpus[0])
		return db_fail(db, err, CTR_DB_ERROR, "container %.12s: an empty cpuset", id);
	int rc;
	do {
		rc = db_begin_write(db, "recording a container's resources", err);
		if (rc == CTR_DB_OK)
			rc = db_end(db, set_resources(db, id, r, err), "recording a container's resources", err);
	} while (db_retry_with_reserve(db, rc));
	return rc;
}

static int get_resources(struct ctr_db *db, const char *id, struct ctr_db_resources *out, struct ctr_error *err)
{
	/* LEFT JOIN: a container without a row still gives one (of NULLs),
	 * which tells "none recorded" from "no such container". */
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db,
		"SELECT r.memory_bytes, r.memory_swap_bytes, r.nano_cpus, r.cpuset_cpus, r.pids_limit, r.cgroup, "
		"r.oom_killed FROM containers AS c LEFT JOIN container_resources AS r ON r.container_id = c.id "
		"WHERE c.id = ?1",
		"reading a container's resources", err);
	if (!stmt)
		return CTR_DB_ERROR;
	int rc = db_step_container_row(db, stmt, id, "reading a container's resources", err);
	if (rc != CTR_DB_OK)
		return rc;
	out->memory_bytes = sqlite3_column_int64(stmt, 0);
	out->memory_swap_bytes = sqlite3_column_int64(stmt, 1);
	out->nano_cpus = sqlite3_column_int64(stmt, 2);
	out->pids_limit = sqlite3_column_int64(stmt, 4);
	out->oom_killed = sqlite3_column_int64(stmt, 6) != 0;
	if (db_column_strdup(db, stmt, 3, &out->cpuset_cpus, err) || db_column_strdup(db, stmt, 5, &out->cgroup, err))
		return CTR_DB_ERROR;
	return CTR_DB_OK;
}

int ctr_db_get_resources(struct ctr_db *db, const char *id, struct ctr_db_resources *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	int rc = get_resources(db, id, out, err);
	if (rc)
		ctr_db_resources_free(out);
	return rc;
}

static int set_oom_killed(struct ctr_db *db, const char *id, bool oom_killed, struct ctr_error *err)
{
	int rc = db_container_exists(db, id, err);
	if (rc)
		return rc;
	_cleanup_stmt_ sqlite3_stmt *upsert = db_prepare(db,
		"INSERT INTO container_resources (container_id, oom_killed) VALUES (?1, ?2) "
		"ON CONFLICT (container_id) DO UPDATE SET oom_killed = excluded.oom_killed",
		"recording a container's OOM kill", err);
	if (!upsert)
		return CTR_DB_ERROR;
	db_bind_text(upsert, 1, id);
	sqlite3_bind_int(upsert, 2, oom_killed ? 1 : 0);
	rc = db_step_done(db, upsert, "recording a container's OOM kill", err);
	return rc ? rc : drop_empty_row(db, id, "recording a container's OOM kill", err);
}

int ctr_db_set_oom_killed(struct ctr_db *db, const char *id, bool oom_killed, struct ctr_error *err)
{
	int rc;
	do {
		rc = db_begin_write(db, "recording a container's OOM kill", err);
		if (rc == CTR_DB_OK)
			rc = db_end(db, set_oom_killed(db, id, oom_killed, err), "recording a container's OOM kill", err);
	} while (db_retry_with_reserve(db, rc));
	return rc;
}

void ctr_db_resources_free(struct ctr_db_resources *r)
{
	free(r->cpuset_cpus);
	free(r->cgroup);
	memset(r, 0, sizeof *r);
}
