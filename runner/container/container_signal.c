/* Signals and waiting for the end of a container. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "container_signal.h"
#include "proc_stat.h"
#include "stale.h"

int ctr_signal_number(const char *name)
{
	char *end;
	long n = strtol(name, &end, 10);
	if (*name && !*end)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && strcasecmp(abbrev, name) == 0)
			return sig;
	}
	return -1;
}

int ctr_container_kill(struct ctrrun *rt, const struct ctr_db_container *c, int sig, struct ctr_error *err)
{
	(void)rt;
	if ((c->state != CTR_DB_RUNNING && c->state != CTR_DB_PAUSED) || !ctr_proc_alive(c->pid, c->pid_start_ticks))
		return ctr_fail(err, 0, "container %s (%.12s) is not running", c->name, c->id);
	if (kill(c->pid, sig) < 0)
		return ctr_fail(err, errno, "cannot signal container %s (pid %d)", c->name, (int)c->pid);
	return 0;
}

bool ctr_container_wait_exit(struct ctrrun *rt, const char *id, int timeout_ms, int *exit_code,
			     struct ctr_errors *met)
{
	struct ctr_error err;
	for (int waited = 0;; waited += 20) {
		struct ctr_db_container c;
		int rc = ctr_db_get_container(rt->db, id, &c, &err);
		if (rc == CTR_DB_NOT_FOUND) {
			*exit_code = -1;
			return true;
		}
		if (rc == CTR_DB_OK) {
			bool done = c.state == CTR_DB_EXITED || c.state == CTR_DB_DEAD || c.state == CTR_DB_REMOVING;
			*exit_code = c.exit_code;
			ctr_db_container_free(&c);
			if (done)
				return true;
		}
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return false;
		/* A monitor that died cannot record the end: do it for it. */
		if (waited % 1000 == 0)
			ctr_reap_stale(rt, met);
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
}
