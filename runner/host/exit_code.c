/* How a ctrrun process reports failure: every error printed once and
 * counted, so that the command's exit code says it. */
#include <stdio.h>

#include "exit_code.h"
#include "storage.h"

/* Errors this process printed, for ctr_exit_code. */
static unsigned errors_printed;

/* The warnings of this process's ctrrun (ctr_store_init's), for
 * ctr_print_error, which has no ctrrun to find them in. */
static struct ctr_warnings *pending;

void ctr_set_pending_warnings(struct ctr_warnings *w)
{
	pending = w;
}

void ctr_print_warnings(struct ctrrun *rt)
{
	ctr_warnings_print(&rt->warnings, "ctrrun", stderr);
}

void ctr_print_error(const struct ctr_error *err)
{
	if (pending)
		ctr_warnings_print(pending, "ctrrun", stderr);
	fprintf(stderr, "ctrrun: %s\n", err->msg[0] ? err->msg : "unknown error");
	errors_printed++;
}

int ctr_exit_code(struct ctrrun *rt, int code)
{
	ctr_print_warnings(rt);
	if (code != 0)
		return code;
	/* Met (maybe where an error is only reported, or not at all: crash
	 * cleanup, history) and not printed as an error: said here, once. */
	const char *damage = ctr_db_damage(rt->db);
	if (damage && !errors_printed)
		fprintf(stderr, "ctrrun: %s\n", damage);
	return errors_printed || damage ? CTRRUN_EXIT_ERROR : 0;
}
