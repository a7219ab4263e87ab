/* How a ctrrun process reports failure: errors printed once each on stderr
 * and counted, docker's exit codes for the runner's own failures, and the
 * exit code a command ends with. */
#ifndef CTRRUN_EXIT_CODE_H
#define CTRRUN_EXIT_CODE_H

#include "ctr/error.h"
#include "ctr/warnings.h"

struct ctrrun;

/* docker's exit codes for the runner's own failures. */
enum {
	CTRRUN_EXIT_ERROR = 125,          /* ctrrun itself failed */
	CTRRUN_EXIT_NOT_EXECUTABLE = 126, /* the command exists but cannot run */
	CTRRUN_EXIT_NOT_FOUND = 127,      /* the command does not exist */
};

/* Prints "ctrrun: MSG" once, at the top (after the warnings not printed yet,
 * so that they come in order). */
void ctr_print_error(const struct ctr_error *err);
/* Prints RT's warnings ("ctrrun: warning: ...", "ctrrun: note: ...") and
 * empties the list: the core fills it, the top prints it. Also done at the
 * first ctr_store_open_db, before an error, and at the end (ctr_exit_code). */
void ctr_print_warnings(struct ctrrun *rt);
/* The list ctr_print_error prints first (ctr_store_init sets it). */
void ctr_set_pending_warnings(struct ctr_warnings *w);

/* The exit code of a command that returned CODE: a command that printed an
 * error (ctr_print_error; notes and warnings are not errors) or met a
 * damaged state.db never exits 0, whatever part of its work succeeded: 0
 * becomes 125. Any other code is the command's (a container's status, 1
 * for a missing name, ...). */
int ctr_exit_code(struct ctrrun *rt, int code);

#endif
