/* How a ctrrun process reports failure: every error printed once and
 * counted, so that the command's exit code says it. */
#include <stdio.h>

#include "exit_code.h"
#include "storage.h"

/* Errors this process printed, for ctrrun_exit_code. */
static unsigned errors_printed;

void ctrrun_print_error(const struct ctr_error *err)
{
	fprintf(stderr, "ctrrun: %s\n", err->msg[0] ? err->msg : "unknown error");
	errors_printed++;
}

int ctrrun_exit_code(const struct ctrrun *rt, int code)
{
	if (code != 0)
		return code;
	/* Met (maybe where an error is only reported, or not at all: crash
	 * cleanup, history) and not printed as an error: said here, once. */
	const char *damage = ctr_db_damage(rt->db);
	if (damage && !errors_printed)
		fprintf(stderr, "ctrrun: %s\n", damage);
	return errors_printed || damage ? CTRRUN_EXIT_ERROR : 0;
}
