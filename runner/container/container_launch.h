/* Running a recorded container: in the foreground (this process is its
 * monitor, attached to the terminal) or detached (a monitor process of its
 * own that outlives the command). Used by run and start. */
#ifndef CTRRUN_CONTAINER_LAUNCH_H
#define CTRRUN_CONTAINER_LAUNCH_H

#include <stdbool.h>
#include <stdint.h>

#include "met_errors.h"
#include "storage.h"

struct launch_opts {
	bool detach;
	bool stdin_from_us;      /* foreground -i: our stdin is the container's */
	bool remove_if_never_ran;/* a fresh `run`: a failure before the exec removes the container */
	bool no_proc_view;       /* --proc-view=off */
	/* Foreground: called once the container runs, before its output, for
	 * the top to say what was met so far (rt->warnings, MET). May be NULL. */
	void (*running)(struct ctrrun *rt, struct ctr_errors *met);
};

/* Foreground: returns the container's exit code (125/126/127 when it could
 * not start). Detached: returns 0 as soon as the command runs, else the
 * error's exit code. Nothing is printed: every error met (why it could not
 * start, and clean-ups or records that failed on the way) is added to MET in
 * order, notes to rt->warnings; the caller prints them. A detached monitor
 * sends what it met until the container runs back to this process; what it
 * meets later goes into the container's record (its error, as inspect
 * shows). */
int ctr_container_launch(struct ctrrun *rt, const struct ctr_db_container *rec, const struct launch_opts *o,
		     struct ctr_errors *met);

#endif
