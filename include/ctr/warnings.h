/* What is not an error but the user should hear (a note, a warning), said by
 * code that must not print: the library fills a list, the command prints it
 * once, at the top (runner: ctr_print_warnings). The list is one flat
 * buffer without pointers, so a forked helper can fill one in shared memory
 * or send it through a pipe. */
#ifndef CTR_WARNINGS_H
#define CTR_WARNINGS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctr/error.h"

struct ctr_warnings {
	unsigned n;        /* lines held */
	unsigned dropped;  /* lines that did not fit */
	size_t len;        /* bytes of text used */
	char text[4096];   /* the lines, each ending in '\n' */
};

/* Adds one line ("warning: ...", "note: ..."; without the program name or a
 * newline), formatted and escaped as ctr_fail's message. W may be NULL: the
 * line is dropped. A line that does not fit is counted, not kept. */
static inline __attribute__((format(printf, 2, 3)))
void ctr_warn(struct ctr_warnings *w, const char *fmt, ...)
{
	if (!w)
		return;
	char line[sizeof ((struct ctr_error *)0)->msg];
	va_list ap;
	va_start(ap, fmt);
	size_t n = ctr_error_vformat(line, sizeof line, fmt, ap);
	va_end(ap);
	if (w->len + n + 2 > sizeof w->text) {
		w->dropped++;
		return;
	}
	memcpy(w->text + w->len, line, n);
	w->len += n;
	w->text[w->len++] = '\n';
	w->text[w->len] = '\0';
	w->n++;
}

/* Adds FROM's lines to W's (what a helper process sent back). */
static inline void ctr_warnings_merge(struct ctr_warnings *w, const struct ctr_warnings *from)
{
	size_t len = from->len < sizeof from->text ? from->len : sizeof from->text - 1;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(from->text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - from->text) : len;
		ctr_warn(w, "%.*s", (int)(end - i), from->text + i);
		i = end + 1;
	}
	if (w)
		w->dropped += from->dropped;
}

/* Writes every line as "PROG: LINE" to OUT, then empties W. Only the top
 * (the command) calls this. */
static inline void ctr_warnings_print(struct ctr_warnings *w, const char *prog, FILE *out)
{
	size_t len = w->len < sizeof w->text ? w->len : sizeof w->text - 1;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(w->text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - w->text) : len;
		fprintf(out, "%s: %.*s\n", prog, (int)(end - i), w->text + i);
		i = end + 1;
	}
	if (w->dropped)
		fprintf(out, "%s: warning: %u more warning%s not shown\n", prog, w->dropped, w->dropped == 1 ? "" : "s");
	w->n = w->dropped = 0;
	w->len = 0;
	w->text[0] = '\0';
}

#endif
