/* The events table: a history of what happened to containers and images,
 * kept after they are gone. */
#include "db_internal.h"

static int add_event(struct ctr_db *db, const struct ctr_db_event *ev, struct ctr_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *ins =
		db_prepare(db, "INSERT INTO events (time_ns, type, action, actor_id, actor_name, attributes) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "recording an event", err);
	if (!ins)
		return CTR_DB_ERROR;
	sqlite3_bind_int64(ins, 1, ev->time_ns);
	db_bind_text(ins, 2, ev->type);
	db_bind_text(ins, 3, ev->action);
	db_bind_text(ins, 4, ev->actor_id);
	db_bind_text(ins, 5, ev->actor_name);
	db_bind_text(ins, 6, ev->attributes);
	return db_step_done(db, ins, "recording an event", err);
}

int ctr_db_add_event(struct ctr_db *db, const struct ctr_db_event *ev, struct ctr_error *err)
{
	if (!ev->type || !ev->action || !ev->actor_id)
		return db_fail(db, err, CTR_DB_ERROR, "recording an event: type, action and actor id are required");
	if (db_begin_write(db, "recording an event", err))
		return CTR_DB_ERROR;
	return db_end(db, add_event(db, ev, err), "recording an event", err);
}
