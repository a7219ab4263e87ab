/* Containers whose ctrrun died: noticed and cleaned up by the next command. */
#ifndef CTRRUN_STALE_H
#define CTRRUN_STALE_H

#include "storage.h"

/* Stops the processes of container ID if they are still there (init by
 * SIGKILL, matched by pid and start time; then waits for its ctrfs daemon)
 * and sets *EXIT_CODE to the code to record: always 137 (128 + SIGKILL,
 * docker's), whether the init was still there and killed here or was gone
 * already: its real status died with its monitor. */
int ctr_container_kill_and_wait(struct ctrrun *rt, const char *id, int *exit_code, struct ctr_error *err);

/* Removes the cgroups recorded for container ID, if any are left (a monitor
 * that died could not): notes an OOM kill first, kills what is still in
 * them. Problems are reported, not fatal. */
void ctr_container_release_cgroups(struct ctrrun *rt, const char *id);

/* For every container recorded as running whose monitor (the foreground
 * ctrrun, or the detached monitor) is gone: kill a leftover init, wait for
 * the daemon, mark it exited, remove it when it was started with --rm.
 * Problems are reported on stderr and do not stop the caller. */
void ctr_reap_stale(struct ctrrun *rt);

/* The same for a command that only reads (ps, logs, inspect), which must
 * never wait for another process's write transaction: when there is
 * something to settle, it is done only if the write lock is free at this
 * instant; else the command reads what is recorded (a container whose
 * monitor died still shows as running) and a later command settles it. */
void ctr_reap_stale_if_unlocked(struct ctrrun *rt);

/* What every command that reads containers does first: opens state.db and
 * settles containers whose monitor died. On failure the error is printed
 * and -1 returned (the command exits 125). */
int ctrrun_open_state(struct ctrrun *rt);
/* The same for a command that only reads: opening takes no lock (unless a
 * migration is due), and the settling is ctr_reap_stale_if_unlocked's. */
int ctrrun_open_state_to_read(struct ctrrun *rt);

#endif
