/* Containers whose ctrrun died: noticed and cleaned up by the next command. */
#ifndef CTRRUN_STALE_H
#define CTRRUN_STALE_H

#include "met_errors.h"
#include "storage.h"

/* Stops the processes of container ID if they are still there (init by
 * SIGKILL, matched by pid and start time; then waits for its ctrfs daemon)
 * and sets *EXIT_CODE to the code to record: always 137 (128 + SIGKILL,
 * docker's), whether the init was still there and killed here or was gone
 * already: its real status died with its monitor. */
int ctr_container_kill_and_wait(struct ctrrun *rt, const char *id, int *exit_code, struct ctr_error *err,
				struct ctr_errors *met);

/* Removes the cgroups recorded for container ID, if any are left (a monitor
 * that died could not): notes an OOM kill first, kills what is still in
 * them. Problems go to MET (the caller reports them), not fatal. */
void ctr_container_remove_recorded_cgroups(struct ctrrun *rt, const char *id, struct ctr_errors *met);

/* For every container recorded as running whose monitor (the foreground
 * ctrrun, or the detached monitor) is gone: kill a leftover init, wait for
 * the daemon, mark it exited, remove it when it was started with --rm.
 * Problems go to MET, for the caller to report, and do not stop it. */
void ctr_reap_stale(struct ctrrun *rt, struct ctr_errors *met);

/* The same for a command that only reads (ps, logs, inspect), which must
 * never wait for another process's write transaction: when there is
 * something to settle, it is done only if the write lock is free at this
 * instant; else the command reads what is recorded (a container whose
 * monitor died still shows as running) and a later command settles it. */
void ctr_reap_stale_if_unlocked(struct ctrrun *rt, struct ctr_errors *met);

/* What every command that reads containers does first: opens state.db and
 * settles containers whose monitor died. -1 with *ERR when state.db cannot
 * be opened (the command exits 125); the settling's problems go to MET. */
int ctr_open_state(struct ctrrun *rt, struct ctr_error *err, struct ctr_errors *met);
/* The same for a command that only reads: opening takes no lock (unless a
 * migration is due), and the settling is ctr_reap_stale_if_unlocked's. */
int ctr_open_state_to_read(struct ctrrun *rt, struct ctr_error *err, struct ctr_errors *met);

#endif
