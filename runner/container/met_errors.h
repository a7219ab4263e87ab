/* Errors a core function met on its way that did not stop it (a clean-up
 * that failed, a record not written): kept in order for the top, which
 * prints each once and counts it (the command then does not exit 0). One
 * flat buffer, like the warning list, so that a monitor can send it through
 * a pipe. */
#ifndef CTRRUN_MET_ERRORS_H
#define CTRRUN_MET_ERRORS_H

#include "ctr/error.h"
#include "ctr/warnings.h"

struct ctr_errors {
	unsigned n;                /* errors met (kept or not) */
	struct ctr_warnings lines; /* their messages, one a line */
};

/* Adds ERR's message to L (L may be NULL: dropped). */
static inline void ctr_errors_add(struct ctr_errors *l, const struct ctr_error *err)
{
	if (!l)
		return;
	l->n++;
	ctr_warn(&l->lines, "%s", err->msg[0] ? err->msg : "unknown error");
}

#endif
