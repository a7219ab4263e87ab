/* Removing a container: processes, then the mark `removing` (with this
 * process recorded as the remover), then files, then rows. A removal cut
 * short at any instant leaves a row that says removing, which nothing but a
 * removal acts on, and which the next command finishes once the remover is
 * gone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "container_remove.h"
#include "proc_stat.h"
#include "remove_tree.h"
#include "stale.h"

/* created, exited or dead (or removing by a process that is gone) ->
 * removing by this process. */
static int mark_removing(struct ctrrun *rt, const struct ctr_db_container *c, struct ctr_error *err)
{
	struct ctr_db_processes me = {.monitor_pid = getpid()}, before = {0};
	if (ctr_proc_self_start_ticks(&me.monitor_start_ticks) < 0)
		return ctr_fail(err, errno, "cannot read this process's start time in /proc/self/stat");
	const struct ctr_db_processes *taking_over = NULL;
	if (c->state == CTR_DB_REMOVING) {
		if (ctr_db_get_processes(rt->db, c->id, &before, err) != CTR_DB_OK)
			return -1;
		if (before.monitor_pid > 0 && ctr_proc_alive(before.monitor_pid, before.monitor_start_ticks))
			return ctr_fail(err, 0, "removal of container %s (%.12s) is already in progress (process %d)",
					c->name, c->id, (int)before.monitor_pid);
		taking_over = &before;
	}
	/* Refused (the message says why) when it changed since C was read:
	 * started again, or another removal came first. */
	return ctr_db_mark_removing(rt->db, c->id, &me, taking_over, err) == CTR_DB_OK ? 0 : -1;
}

int ctr_container_remove(struct ctrrun *rt, const struct ctr_db_container *c, bool force, struct ctr_error *err,
			 struct ctr_errors *met)
{
	if (c->state == CTR_DB_RUNNING || c->state == CTR_DB_PAUSED) {
		if (!force)
			return ctr_fail(err, 0, "container %s (%.12s) is %s: stop it first, or use rm -f", c->name,
					c->id, ctr_db_state_name(c->state));
		int code;
		if (ctr_container_kill_and_wait(rt, c->id, &code, err, met) < 0)
			return -1;
		/* Its own ctrrun may have recorded the exit meanwhile: fine. */
		int rc = ctr_db_set_exited(rt->db, c->id, code, ctr_now_ns(), err);
		if (rc != CTR_DB_OK && rc != CTR_DB_BAD_STATE)
			return -1;
		if (rc == CTR_DB_OK) {
			char attrs[64];
			snprintf(attrs, sizeof attrs, "{\"exitCode\":%d}", code);
			ctr_container_event(rt, c->id, c->name, "die", attrs);
		}
	}
	/* Before the first file goes: from here the container can only be
	 * removed, and a kill -9 leaves it for the next command to finish. */
	if (mark_removing(rt, c, err) < 0)
		return -1;
	ctr_container_remove_recorded_cgroups(rt, c->id, met);
	char *dir = ctr_store_container_dir(rt, c->id);
	if (!dir)
		return ctr_fail(err, ENOMEM, "path");
	/* Rootless, the upper dir holds files of subordinate ids. */
	int rc = ctr_remove_tree_as(&rt->idmap, dir, err);
	free(dir);
	if (rc < 0)
		return -1;
	if (ctr_db_delete_container(rt->db, c->id, err) != CTR_DB_OK)
		return -1;
	ctr_container_event(rt, c->id, c->name, "destroy", NULL);
	return 0;
}
