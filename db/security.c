/* How a container is confined (table container_security): its user
 * namespace's id mapping, including the allocation of root's subordinate
 * ids to 'auto' containers, and its security options. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "db_internal.h"

static const char *const userns_names[] = {
	[CTR_DB_USERNS_LEGACY] = "legacy", [CTR_DB_USERNS_AUTO] = "auto",
	[CTR_DB_USERNS_HOST] = "host",     [CTR_DB_USERNS_USER] = "user",
};

const char *ctr_db_userns_name(enum ctr_db_userns u)
{
	return (unsigned)u < sizeof userns_names / sizeof *userns_names ? userns_names[u] : "unknown";
}

/* The lowest block no container holds. The write lock is held, and the
 * UNIQUE constraint on idmap_slot backs it up. */
static int free_slot(struct ctr_db *db, uint32_t blocks, int *slot, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *stmt =
		db_prepare(db, "SELECT idmap_slot FROM container_security WHERE idmap_slot IS NOT NULL "
			       "ORDER BY idmap_slot", "allocating subordinate ids", err);
	if (!stmt)
		return CTR_DB_ERROR;
	int64_t want = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && sqlite3_column_int64(stmt, 0) == want)
		want++;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail_sqlite(db, err, "allocating subordinate ids");
	if (want >= blocks)
		return db_fail(db, err, CTR_DB_ERROR,
			       "all %u blocks of 65536 subordinate ids that root has for containers are in use; remove "
			       "containers, or give root a larger range in /etc/subuid and /etc/subgid",
			       (unsigned)blocks);
	*slot = (int)want;
	return CTR_DB_OK;
}

int db_insert_security(struct ctr_db *db, const char *id, const struct ctr_db_security *s, struct ctr_error *err)
{
	const char *what = "recording how a container is confined";
	struct ctr_db_security legacy = {.userns = CTR_DB_USERNS_LEGACY, .idmap_slot = -1};
	if (!s)
		s = &legacy;
	char uid_map[64], gid_map[64];
	const char *umap = s->uid_map, *gmap = s->gid_map;
	int slot = -1;
	if (s->userns == CTR_DB_USERNS_AUTO) {
		if (free_slot(db, s->pool_blocks, &slot, err))
			return CTR_DB_ERROR;
		uint64_t block = 65536ull * ((uint64_t)slot + 1);
		snprintf(uid_map, sizeof uid_map, "0 %llu 65536", (unsigned long long)(s->pool_uid_first + block));
		snprintf(gid_map, sizeof gid_map, "0 %llu 65536", (unsigned long long)(s->pool_gid_first + block));
		umap = uid_map;
		gmap = gid_map;
	}
	_cleanup_stmt_ sqlite3_stmt *ins = db_prepare(db,
		"INSERT INTO container_security (container_id, userns, uid_map, gid_map, idmap_slot, privileged, "
		"read_only, cap_add, cap_drop, seccomp, seccomp_source, tmpfs) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", what, err);
	if (!ins)
		return CTR_DB_ERROR;
	db_bind_text(ins, 1, id);
	db_bind_text(ins, 2, ctr_db_userns_name(s->userns));
	db_bind_text(ins, 3, umap);
	db_bind_text(ins, 4, gmap);
	if (slot >= 0)
		sqlite3_bind_int(ins, 5, slot);
	sqlite3_bind_int(ins, 6, s->privileged);
	sqlite3_bind_int(ins, 7, s->read_only);
	db_bind_text(ins, 8, s->cap_add);
	db_bind_text(ins, 9, s->cap_drop);
	db_bind_text(ins, 10, s->seccomp);
	db_bind_text(ins, 11, s->seccomp_source);
	db_bind_text(ins, 12, s->tmpfs);
	return db_step_done(db, ins, what, err);
}

static int get_security(struct ctr_db *db, const char *id, struct ctr_db_security *out, struct ctr_error *err)
{
	const char *what = "reading how a container is confined";
	/* LEFT JOIN: tells "no such container" from "no row". */
	_cleanup_stmt_ sqlite3_stmt *stmt = db_prepare(db,
		"SELECT s.container_id, s.userns, s.uid_map, s.gid_map, s.idmap_slot, s.privileged, s.read_only, "
		"s.cap_add, s.cap_drop, s.seccomp, s.seccomp_source, s.tmpfs "
		"FROM containers AS c LEFT JOIN container_security AS s ON s.container_id = c.id WHERE c.id = ?1",
		what, err);
	if (!stmt)
		return CTR_DB_ERROR;
	int rc = db_step_container_row(db, stmt, id, what, err);
	if (rc != CTR_DB_OK)
		return rc;
	if (sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		return db_fail(db, err, CTR_DB_ERROR,
			       "container %.12s has no row in container_security, so it is not known how to "
			       "confine it; remove it (ctrrun rm) and make it again", id);
	const char *userns = (const char *)sqlite3_column_text(stmt, 1);
	out->userns = CTR_DB_USERNS_LEGACY;
	for (size_t i = 0; userns && i < sizeof userns_names / sizeof *userns_names; i++)
		if (strcmp(userns, userns_names[i]) == 0)
			out->userns = (enum ctr_db_userns)i;
	out->idmap_slot = sqlite3_column_type(stmt, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(stmt, 4);
	out->privileged = sqlite3_column_int(stmt, 5) != 0;
	out->read_only = sqlite3_column_int(stmt, 6) != 0;
	if (db_column_strdup(db, stmt, 2, &out->uid_map, err) || db_column_strdup(db, stmt, 3, &out->gid_map, err) ||
	    db_column_strdup(db, stmt, 7, &out->cap_add, err) || db_column_strdup(db, stmt, 8, &out->cap_drop, err) ||
	    db_column_strdup(db, stmt, 9, &out->seccomp, err) ||
	    db_column_strdup(db, stmt, 10, &out->seccomp_source, err) ||
	    db_column_strdup(db, stmt, 11, &out->tmpfs, err))
		return CTR_DB_ERROR;
	return CTR_DB_OK;
}

int ctr_db_get_security(struct ctr_db *db, const char *id, struct ctr_db_security *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	out->idmap_slot = -1;
	if (db_begin_read(db, "reading how a container is confined", err))
		return CTR_DB_ERROR;
	int rc = db_end(db, get_security(db, id, out, err), "reading how a container is confined", err);
	if (rc != CTR_DB_OK)
		ctr_db_security_free(out);
	return rc;
}

void ctr_db_security_free(struct ctr_db_security *s)
{
	free(s->uid_map);
	free(s->gid_map);
	free(s->cap_add);
	free(s->cap_drop);
	free(s->seccomp);
	free(s->seccomp_source);
	free(s->tmpfs);
	memset(s, 0, sizeof *s);
	s->idmap_slot = -1;
}
