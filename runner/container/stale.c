/* Crash cleanup. The foreground ctrrun (later the monitor) normally records
 * the exit and cleans up; if it was killed, the container's init died by
 * PDEATHSIG and the daemon with the mount namespace, but the database still
 * says running. Any ctrrun command that reads state fixes that first. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cgroups.h"
#include "container_remove.h"
#include "exit_code.h"
#include "met_errors.h"
#include "proc_stat.h"
#include "stale.h"

/* Polls until PID (started at TICKS) is gone, up to TIMEOUT_MS. */
static bool wait_gone(pid_t pid, uint64_t ticks, int timeout_ms)
{
	for (int waited = 0; ctr_proc_alive(pid, ticks); waited += 10) {
		if (waited >= timeout_ms)
			return false;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	return true;
}

void ctr_container_remove_recorded_cgroups(struct ctrrun *rt, const char *id, struct ctr_errors *met)
{
	struct ctr_error err = {0};
	struct ctr_db_resources r = {0};
	if (ctr_db_get_resources(rt->db, id, &r, &err) != CTR_DB_OK || !r.cgroup) {
		ctr_db_resources_free(&r);
		return;
	}
	struct ctr_cgroup *cg = NULL;
	if (ctr_cgroup_from_json(r.cgroup, &cg, &err) == 0) {
		if (ctr_cgroup_oom_killed(cg) && ctr_db_set_oom_killed(rt->db, id, true, &err) != CTR_DB_OK)
			ctr_errors_add(met, &err);
		if (ctr_cgroup_remove(cg, true, &err) < 0) {
			ctr_errors_add(met, &err);
		} else {
			free(r.cgroup);
			r.cgroup = NULL;
			if (ctr_db_set_resources(rt->db, id, &r, &err) != CTR_DB_OK)
				ctr_errors_add(met, &err);
		}
		ctr_cgroup_free(cg);
	} else {
		ctr_errors_add(met, &err);
	}
	ctr_db_resources_free(&r);
}

int ctr_container_kill_and_wait(struct ctrrun *rt, const char *id, int *exit_code, struct ctr_error *err,
				struct ctr_errors *met)
{
	struct ctr_db_container c;
	if (ctr_db_get_container(rt->db, id, &c, err) != CTR_DB_OK)
		return -1;
	struct ctr_db_processes procs = {0};
	if (ctr_db_get_processes(rt->db, id, &procs, err) != CTR_DB_OK) {
		ctr_db_container_free(&c);
		return -1;
	}
	*exit_code = 137;
	if (c.pid > 0 && ctr_proc_alive(c.pid, c.pid_start_ticks)) {
		kill(c.pid, SIGKILL);
		if (!wait_gone(c.pid, c.pid_start_ticks, 10000)) {
			ctr_db_container_free(&c);
			return ctr_fail(err, 0, "container %.12s: its init (pid %d) does not die", id, (int)c.pid);
		}
	}
	ctr_db_container_free(&c);
	/* The daemon ends with the container's mount namespace; its files must
	 * not be removed while it may still write them. */
	if (procs.fs_pid > 0 && !wait_gone(procs.fs_pid, procs.fs_start_ticks, 10000)) {
		kill(procs.fs_pid, SIGKILL);
		if (!wait_gone(procs.fs_pid, procs.fs_start_ticks, 5000))
			return ctr_fail(err, 0, "container %.12s: its ctrfs daemon (pid %d) does not exit", id,
					(int)procs.fs_pid);
	}
	ctr_container_remove_recorded_cgroups(rt, id, met);
	return 0;
}

/* A container recorded by a ctrrun that died before it ran: its half-made
 * directories and row go. One whose monitor never registered (pid 0) is
 * left alone: it may belong to a newer ctrrun that creates without running.
 * COUNT_ONLY: nothing is done, only counted. Returns how many were found. */
static size_t remove_orphaned_created(struct ctrrun *rt, bool count_only, struct ctr_errors *met)
{
	struct ctr_error err = {0};
	struct ctr_db_ps_row *rows = NULL;
	size_t n = 0, found = 0;
	if (ctr_db_list_ps(rt->db, true, &rows, &n, &err) != CTR_DB_OK) {
		ctr_errors_add(met, &err);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (rows[i].state != CTR_DB_CREATED)
			continue;
		struct ctr_db_processes procs = {0};
		if (ctr_db_get_processes(rt->db, rows[i].id, &procs, &err) != CTR_DB_OK || procs.monitor_pid <= 0 ||
		    ctr_proc_alive(procs.monitor_pid, procs.monitor_start_ticks))
			continue;
		found++;
		if (count_only)
			continue;
		struct ctr_db_container c;
		if (ctr_db_get_container(rt->db, rows[i].id, &c, &err) != CTR_DB_OK)
			continue;
		/* The listing may be old news: only a container still never
		 * started goes (its ctrrun may have run and ended it meanwhile). */
		if (c.state == CTR_DB_CREATED && ctr_container_remove(rt, &c, false, &err, met) < 0)
			ctr_errors_add(met, &err);
		ctr_db_container_free(&c);
	}
	ctr_db_ps_free(rows, n);
	return found;
}

/* Settles what dead monitors left (above, and running containers); with
 * COUNT_ONLY only reads, and says how many there are. */
static size_t settle(struct ctrrun *rt, bool count_only, struct ctr_errors *met)
{
	size_t found = remove_orphaned_created(rt, count_only, met);

	struct ctr_error err = {0};
	char **ids = NULL;
	size_t n = 0;
	if (ctr_db_list_running(rt->db, &ids, &n, &err) != CTR_DB_OK) {
		ctr_errors_add(met, &err);
		return found;
	}
	for (size_t i = 0; i < n; i++) {
		struct ctr_db_processes procs = {0};
		if (ctr_db_get_processes(rt->db, ids[i], &procs, &err) != CTR_DB_OK)
			continue;
		if (procs.monitor_pid > 0 && ctr_proc_alive(procs.monitor_pid, procs.monitor_start_ticks))
			continue;  /* someone is looking after it */
		if (procs.monitor_pid == 0)
			continue;  /* no monitor ever recorded: nothing to judge by */
		found++;
		if (count_only)
			continue;
		int code;
		if (ctr_container_kill_and_wait(rt, ids[i], &code, &err, met) < 0) {
			ctr_errors_add(met, &err);
			continue;
		}
		int rc = ctr_db_set_exited(rt->db, ids[i], code, ctr_now_ns(), &err);
		if (rc == CTR_DB_BAD_STATE)
			continue;  /* its monitor recorded the exit just before it ended */
		if (rc != CTR_DB_OK) {
			ctr_errors_add(met, &err);
			continue;
		}
		struct ctr_db_container c;
		if (ctr_db_get_container(rt->db, ids[i], &c, &err) != CTR_DB_OK)
			continue;
		char attrs[96];
		snprintf(attrs, sizeof attrs, "{\"exitCode\":%d,\"reason\":\"monitor gone\"}", code);
		ctr_container_event(rt, c.id, c.name, "die", attrs);
		if (c.auto_remove && ctr_container_remove(rt, &c, false, &err, met) < 0)
			ctr_errors_add(met, &err);
		ctr_db_container_free(&c);
	}
	ctr_db_strv_free(ids, n);
	return found;
}

void ctr_reap_stale(struct ctrrun *rt, struct ctr_errors *met)
{
	settle(rt, false, met);
}

void ctr_reap_stale_if_unlocked(struct ctrrun *rt, struct ctr_errors *met)
{
	/* Usually there is nothing to settle: then nothing is written and the
	 * write lock is not even looked at. */
	if (settle(rt, true, met) == 0)
		return;
	struct ctr_error err = {0};
	int rc = ctr_db_write_lock_free(rt->db, &err);
	if (rc == CTR_DB_BUSY)
		return;  /* the next command that gets the lock settles it */
	if (rc != CTR_DB_OK) {
		ctr_errors_add(met, &err);
		return;
	}
	/* The lock was free a moment ago; a writer that takes it in between is
	 * waited for, as by any command that writes. */
	settle(rt, false, met);
}

int ctr_open_state(struct ctrrun *rt, struct ctr_error *err, struct ctr_errors *met)
{
	if (ctr_store_open_db(rt, err) < 0)
		return -1;
	ctr_reap_stale(rt, met);
	return 0;
}

int ctr_open_state_to_read(struct ctrrun *rt, struct ctr_error *err, struct ctr_errors *met)
{
	if (ctr_store_open_db(rt, err) < 0)
		return -1;
	ctr_reap_stale_if_unlocked(rt, met);
	return 0;
}
