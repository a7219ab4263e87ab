/* The sysinfo server: one thread serving every listener (the init's filter,
 * and one per exec'd process, passed later over the control socket).
 * Invariant: every notification gets an answer — the
 * container's values, or, when they cannot be made or written into the
 * caller, the real syscall (SECCOMP_USER_NOTIF_FLAG_CONTINUE), so no
 * process ever hangs in sysinfo. This daemon is root in the container's user
 * namespace, so it may write into any of the container's processes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "proc_buf.h"
#include "proc_sysinfo.h"

struct proc_sysinfo {
	pthread_t thread;
	int control;        /* passes more listeners (SCM_RIGHTS); -1 */
	int stop_pipe[2];
	int *listeners;     /* one per filter instance: the init's, each exec'd process's */
	size_t n_listeners, cap_listeners;
	struct proc_source *src;
	struct proc_buf text;
};

/* "Name:   123 kB" of meminfo text, in bytes; 0 when absent. */
static unsigned long meminfo_bytes(const char *text, const char *name)
{
	const char *p = strstr(text, name);
	return p ? strtoul(p + strlen(name), NULL, 10) * 1024UL : 0;
}

static int container_sysinfo(struct proc_sysinfo *s, struct sysinfo *si)
{
	if (sysinfo(si) < 0)
		return -1;
	if (proc_content_make(s->src, PROC_F_MEMINFO, &s->text) < 0)
		return -1;
	const char *m = proc_buf_str(&s->text);
	si->mem_unit = 1;
	si->totalram = meminfo_bytes(m, "MemTotal:");
	si->freeram = meminfo_bytes(m, "MemFree:");
	si->sharedram = meminfo_bytes(m, "Shmem:");
	si->bufferram = meminfo_bytes(m, "Buffers:");
	si->totalswap = meminfo_bytes(m, "SwapTotal:");
	si->freeswap = meminfo_bytes(m, "SwapFree:");
	si->totalhigh = si->freehigh = 0;
	double l[3];
	unsigned running, total;
	if (proc_content_make(s->src, PROC_F_LOADAVG, &s->text) == 0 &&
	    sscanf(proc_buf_str(&s->text), "%lf %lf %lf %u/%u", &l[0], &l[1], &l[2], &running, &total) == 5) {
		for (int i = 0; i < 3; i++)
			si->loads[i] = (unsigned long)(l[i] * 65536.0);
		si->procs = (unsigned short)total;
	}
	/* This daemon lives in the host's time namespace; the container booted
	 * btime_shift seconds later. */
	long long shift = proc_source_btime_shift(s->src);
	if (si->uptime - shift >= 0)
		si->uptime -= shift;
	return 0;
}

/* Runs between the check and the write, where a caller's death and the
 * reuse of its pid would bite; only tests/unit/test_sysinfo_caller.c sets it. */
static void (*race_hook)(void);

void proc_sysinfo_set_race_hook(void (*hook)(void))
{
	race_hook = hook;
}

ssize_t proc_sysinfo_write_caller(int listener, const struct seccomp_notif *req, uint64_t addr, const void *buf,
				  size_t len)
{
	/* The caller may die and its pid be reused at any moment. Its memory
	 * is opened first; if the notification is still pending afterwards,
	 * the pid was still the caller's when it was opened, and the write
	 * goes through that handle: to the caller's memory or nowhere. */
	char path[64];
	snprintf(path, sizeof path, "/proc/%u/mem", (unsigned)req->pid);
	_cleanup_close_ int mem = open(path, O_WRONLY | O_CLOEXEC);
	if (mem < 0)
		return -1;
	ssize_t n = -1;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) == 0) {
		if (race_hook)
			race_hook();
		n = pwrite(mem, buf, len, (off_t)addr);
	}
	return n;
}

static void answer(struct proc_sysinfo *s, int listener, const struct seccomp_notif *req)
{
	struct seccomp_notif_resp resp = {.id = req->id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
	struct sysinfo si;
	/* Only the 64-bit layout is built here; i386 callers get the kernel's. */
	if (req->data.arch == AUDIT_ARCH_X86_64 && container_sysinfo(s, &si) == 0) {
		ssize_t n = proc_sysinfo_write_caller(listener, req, req->data.args[0], &si, sizeof si);
		if (n == (ssize_t)sizeof si) {
			resp.flags = 0;  /* val 0, error 0: done */
		} else if (n < 0 && errno == EIO) {
			resp.flags = 0;
			resp.error = -EFAULT;  /* /proc/PID/mem's EIO: a bad pointer, as the kernel says it */
		}
	}
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static int add_listener(struct proc_sysinfo *s, int fd)
{
	if (s->n_listeners == s->cap_listeners) {
		size_t cap = s->cap_listeners ? 2 * s->cap_listeners : 8;
		int *grown = realloc(s->listeners, cap * sizeof *grown);
		if (!grown)
			return -1;
		s->listeners = grown;
		s->cap_listeners = cap;
	}
	s->listeners[s->n_listeners++] = fd;
	return 0;
}

/* One listener from the control socket; -1 when it has closed. */
static int receive_listener(struct proc_sysinfo *s)
{
	char c;
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	ssize_t n = recvmsg(s->control, &msg, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return n < 0 && errno == EINTR ? 0 : -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int fd = -1;
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	if (fd >= 0 && add_listener(s, fd) < 0)
		close(fd);
	return 0;
}

static void *serve(void *arg)
{
	struct proc_sysinfo *s = arg;
	struct pollfd *fds = NULL;
	for (;;) {
		size_t n = 2 + s->n_listeners;
		struct pollfd *grown = realloc(fds, n * sizeof *fds);
		if (!grown)
			break;
		fds = grown;
		fds[0] = (struct pollfd){.fd = s->stop_pipe[0], .events = POLLIN};
		fds[1] = (struct pollfd){.fd = s->control, .events = POLLIN};
		for (size_t i = 0; i < s->n_listeners; i++)
			fds[2 + i] = (struct pollfd){.fd = s->listeners[i], .events = POLLIN};
		if (poll(fds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents)
			break;  /* stopping */
		/* Those polled come first; a listener received below joins the
		 * array after them and is polled next time round. */
		size_t polled = n - 2;
		for (size_t i = polled; i-- > 0;) {
			short ev = fds[2 + i].revents;
			int listener = s->listeners[i];
			bool drop = (ev & (POLLHUP | POLLERR | POLLNVAL)) != 0;  /* no process uses that filter any more */
			if (!drop && (ev & POLLIN)) {
				struct seccomp_notif req;
				memset(&req, 0, sizeof req);
				if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0)
					answer(s, listener, &req);
				else if (errno != ENOENT && errno != EINTR)
					drop = true;  /* not a seccomp listener: nothing will ever come */
			}
			if (drop) {
				/* Backwards: the last one moves here, and it is either
				 * seen already or not polled yet. */
				close(listener);
				s->listeners[i] = s->listeners[--s->n_listeners];
			}
		}
		if (fds[1].revents && receive_listener(s) < 0) {
			close(s->control);  /* the monitor is gone: no more listeners come */
			s->control = -1;
		}
	}
	free(fds);
	return NULL;
}

struct proc_sysinfo *proc_sysinfo_start(int listener, int control, struct proc_source *src)
{
	struct proc_sysinfo *s = calloc(1, sizeof *s);
	if (!s || pipe2(s->stop_pipe, O_CLOEXEC) < 0 || (listener >= 0 && add_listener(s, listener) < 0)) {
		if (s)
			free(s->listeners);
		free(s);
		if (listener >= 0)
			close(listener);
		if (control >= 0)
			close(control);
		return NULL;
	}
	s->control = control;
	s->src = src;
	if (pthread_create(&s->thread, NULL, serve, s) != 0) {
		close(s->stop_pipe[0]);
		close(s->stop_pipe[1]);
		for (size_t i = 0; i < s->n_listeners; i++)
			close(s->listeners[i]);
		if (control >= 0)
			close(control);
		free(s->listeners);
		free(s);
		return NULL;
	}
	return s;
}

void proc_sysinfo_stop(struct proc_sysinfo *s)
{
	if (!s)
		return;
	if (write(s->stop_pipe[1], "x", 1) < 0) {
		/* the pipe cannot be full: one byte, once */
	}
	pthread_join(s->thread, NULL);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	for (size_t i = 0; i < s->n_listeners; i++)
		close(s->listeners[i]);
	if (s->control >= 0)
		close(s->control);
	free(s->listeners);
	proc_buf_free(&s->text);
	free(s);
}
