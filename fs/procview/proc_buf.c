#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "proc_buf.h"

static bool reserve(struct proc_buf *b, size_t extra)
{
	if (b->failed)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (!d) {
		b->failed = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

void proc_buf_append(struct proc_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void proc_buf_puts(struct proc_buf *b, const char *s)
{
	proc_buf_append(b, s, strlen(s));
}

void proc_buf_printf(struct proc_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n < sizeof small) {
		proc_buf_append(b, small, n);
		return;
	}
	if (!reserve(b, n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

void proc_buf_reset(struct proc_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

void proc_buf_free(struct proc_buf *b)
{
	free(b->data);
	*b = (struct proc_buf){0};
}

const char *proc_buf_str(const struct proc_buf *b)
{
	return b->len ? b->data : "";
}

int proc_buf_read_file(struct proc_buf *b, const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		if (!reserve(b, 8192)) {
			errno = ENOMEM;
			return -1;
		}
		ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			b->data[b->len] = '\0';
			return -1;
		}
		if (n == 0)
			break;
		b->len += n;
	}
	b->data[b->len] = '\0';
	return 0;
}
