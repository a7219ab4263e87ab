/* A growable text buffer for the /proc view's generated files. Appending
 * never fails loudly: an allocation failure sets `failed`, later appends do
 * nothing, and the one who finishes the text checks the flag once. */
#ifndef CTR_FS_PROC_BUF_H
#define CTR_FS_PROC_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct proc_buf {
	char *data;     /* NUL-terminated when len > 0 */
	size_t len, cap;
	bool failed;
};

void proc_buf_append(struct proc_buf *b, const char *s, size_t n);
void proc_buf_puts(struct proc_buf *b, const char *s);
__attribute__((format(printf, 2, 3))) void proc_buf_printf(struct proc_buf *b, const char *fmt, ...);
/* Empties the text, keeping the allocation. */
void proc_buf_reset(struct proc_buf *b);
void proc_buf_free(struct proc_buf *b);
/* The text, "" when empty. */
const char *proc_buf_str(const struct proc_buf *b);

/* Reads a whole file (procfs and cgroupfs files report size 0, so it reads
 * to EOF). Returns 0, or -1 with errno set. */
int proc_buf_read_file(struct proc_buf *b, const char *path);

#endif
