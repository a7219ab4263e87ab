/* Signalling a running container's init, safely: by pid and start time, so a
 * reused pid never gets the signal. */
#ifndef CTRRUN_CONTAINER_SIGNAL_H
#define CTRRUN_CONTAINER_SIGNAL_H

#include <stdbool.h>

#include "met_errors.h"
#include "storage.h"

/* Parses "TERM", "SIGTERM" or "15". -1 when unknown. */
int ctr_signal_number(const char *name);

/* Sends SIG to C's init. -1 with a clear error when C is not running. */
int ctr_container_kill(struct ctrrun *rt, const struct ctr_db_container *c, int sig, struct ctr_error *err);

/* Waits until C is recorded as exited (or removed), up to TIMEOUT_MS (< 0:
 * forever). Returns true when it is, with its exit code (-1 when removed).
 * Settling a container whose monitor died meanwhile: problems go to MET. */
bool ctr_container_wait_exit(struct ctrrun *rt, const char *id, int timeout_ms, int *exit_code,
			     struct ctr_errors *met);

#endif
