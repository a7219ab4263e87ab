/* Removing a container: processes, then files, then rows, so that a failure
 * half way leaves a row that a later `rm` can finish. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "container_remove.h"
#include "remove_tree.h"
#include "stale.h"

int ctr_container_remove(struct ctrrun *rt, const struct ctr_db_container *c, bool force, struct ctr_error *err)
{
	if (c->state == CTR_DB_RUNNING || c->state == CTR_DB_PAUSED) {
		if (!force)
			return ctr_fail(err, 0, "container %s (%.12s) is %s: stop it first, or use rm -f", c->name,
					c->id, ctr_db_state_name(c->state));
		int code;
		if (ctr_container_kill_and_wait(rt, c->id, &code, err) < 0)
			return -1;
		/* Its own ctrrun may have recorded the exit meanwhile: fine. */
		int rc = ctr_db_set_exited(rt->db, c->id, code, ctrrun_now_ns(), err);
		if (rc != CTR_DB_OK && rc != CTR_DB_BAD_STATE)
			return -1;
		if (rc == CTR_DB_OK) {
			char attrs[64];
			snprintf(attrs, sizeof attrs, "{\"exitCode\":%d}", code);
			ctrrun_container_event(rt, c->id, c->name, "die", attrs);
		}
	}
	ctr_container_release_cgroups(rt, c->id);
	char *dir = ctrrun_container_dir(rt, c->id);
	if (!dir)
		return ctr_fail(err, ENOMEM, "path");
	/* Rootless, the upper dir holds files of subordinate ids. */
	int rc = ctr_remove_tree_as(&rt->idmap, dir, err);
	free(dir);
	if (rc < 0)
		return -1;
	if (ctr_db_delete_container(rt->db, c->id, err) != CTR_DB_OK)
		return -1;
	ctrrun_container_event(rt, c->id, c->name, "destroy", NULL);
	return 0;
}
