/* One error type for the whole project: raised where something fails, with
 * the path or name involved and strerror, carried up, printed once at the top.
 * The library never prints: what is not an error goes up in a warning list
 * (ctr/warnings.h). */
#ifndef CTR_ERROR_H
#define CTR_ERROR_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct ctr_error {
	int errnum;        /* errno value, 0 when the error is not a system call's */
	char msg[1024];    /* complete one-line message, without the program name */
};

/* Copies SRC into DST (SIZE bytes, always terminated) with every control
 * character (below 0x20, and 0x7f) written out: \n, \t, \r, else \xNN. A
 * message names the user's files and values, which may hold any byte: this
 * keeps it one line that cannot drive the terminal. An escape that does not
 * fit whole is left out. Backslashes stay as they are, so escaping twice
 * changes nothing. Returns the length written. */
static inline size_t ctr_error_escape(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	if (size == 0)
		return 0;
	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;
		char esc[4];
		size_t len = 0;
		if (c >= 0x20 && c != 0x7f) {
			esc[len++] = (char)c;
		} else {
			esc[len++] = '\\';
			if (c == '\n') {
				esc[len++] = 'n';
			} else if (c == '\t') {
				esc[len++] = 't';
			} else if (c == '\r') {
				esc[len++] = 'r';
			} else {
				esc[len++] = 'x';
				esc[len++] = hex[c >> 4];
				esc[len++] = hex[c & 0xf];
			}
		}
		if (n + len >= size)
			break;
		memcpy(dst + n, esc, len);
		n += len;
	}
	dst[n] = '\0';
	return n;
}

/* The message FMT makes, escaped (ctr_error_escape), into DST. */
static inline __attribute__((format(printf, 3, 0)))
size_t ctr_error_vformat(char *dst, size_t size, const char *fmt, va_list ap)
{
	char raw[sizeof ((struct ctr_error *)0)->msg];
	if (vsnprintf(raw, sizeof raw, fmt, ap) < 0)
		raw[0] = '\0';
	return ctr_error_escape(dst, size, raw);
}

/* Formats the message, appends ": strerror(errnum)" when errnum != 0, and
 * returns -1 so callers can write `return ctr_fail(err, errno, "...")`.
 * Control characters in the message are escaped (ctr_error_escape). The
 * arguments may include err->msg itself. */
static inline __attribute__((format(printf, 3, 4)))
int ctr_fail(struct ctr_error *err, int errnum, const char *fmt, ...)
{
	char msg[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	size_t n = ctr_error_vformat(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (errnum && n < sizeof msg)
		snprintf(msg + n, sizeof msg - n, ": %s", strerror(errnum));
	memcpy(err->msg, msg, sizeof msg);
	err->errnum = errnum;
	return -1;
}

/* Adds context before an error a callee raised: "CONTEXT: MESSAGE", the
 * context formatted and escaped as ctr_fail's message, the end of the whole
 * cut when it does not fit. errnum stays. Returns -1, as ctr_fail. */
static inline __attribute__((format(printf, 2, 3)))
int ctr_error_prefix(struct ctr_error *err, const char *fmt, ...)
{
	char msg[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	size_t n = ctr_error_vformat(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* ": " and the message, as much as fits (the message is escaped already). */
	for (const char *p = ": "; *p && n + 1 < sizeof msg; p++)
		msg[n++] = *p;
	for (size_t i = 0; i < sizeof err->msg && err->msg[i] && n + 1 < sizeof msg; i++)
		msg[n++] = err->msg[i];
	msg[n] = '\0';
	memcpy(err->msg, msg, sizeof msg);
	return -1;
}

/* Adds to the end of an error's message (a hint: " (remove it first)"),
 * formatted and escaped as ctr_fail's, cut when it does not fit. errnum
 * stays. Returns -1, as ctr_fail. */
static inline __attribute__((format(printf, 2, 3)))
int ctr_error_append(struct ctr_error *err, const char *fmt, ...)
{
	size_t n = strnlen(err->msg, sizeof err->msg - 1);
	va_list ap;
	va_start(ap, fmt);
	ctr_error_vformat(err->msg + n, sizeof err->msg - n, fmt, ap);
	va_end(ap);
	return -1;
}

#endif
