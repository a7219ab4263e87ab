/* Errors a core function met on its way that did not stop it (a clean-up
 * that failed, a record not written): kept in order for the top, which
 * prints each once and counts it (the command then does not exit 0). One
 * flat buffer, like the warning list, so that a monitor can send it through
 * a pipe. */
#ifndef CTRRUN_MET_ERRORS_H
#define CTRRUN_MET_ERRORS_H

#include <string.h>

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

/* The next line of W from *POS (0 for the first): its text, *LEN bytes
 * long, without the newline; NULL after the last. */
static inline const char *ctr_lines_next(const struct ctr_warnings *w, size_t *pos, int *len)
{
	size_t all = w->len < sizeof w->text ? w->len : sizeof w->text - 1;
	if (*pos >= all)
		return NULL;
	const char *line = w->text + *pos, *nl = memchr(line, '\n', all - *pos);
	size_t n = nl ? (size_t)(nl - line) : all - *pos;
	*pos += n + 1;
	*len = (int)n;
	return line;
}

#endif
