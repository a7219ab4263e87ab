/* One error type for the whole project: raised where something fails, with
 * the path or name involved and strerror, carried up, printed once at the top. */
#ifndef CTR_ERROR_H
#define CTR_ERROR_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct ctr_error {
	int errnum;        /* errno value, 0 when the error is not a system call's */
	char msg[1024];    /* complete one-line message, without the program name */
};

/* Formats the message, appends ": strerror(errnum)" when errnum != 0, and
 * returns -1 so callers can write `return ctr_fail(err, errno, "...")`. */
static inline __attribute__((format(printf, 3, 4)))
int ctr_fail(struct ctr_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (errnum && (size_t)n < sizeof err->msg)
		snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errnum));
	err->errnum = errnum;
	return -1;
}

#endif
