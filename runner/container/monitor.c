/* The monitor's loop: one thread reads the container's pipes (or pty) and
 * the signalfd; the log writer thread does the SQLite work. While the log
 * cannot take more (blocking mode, its queue full), only the output is left
 * unread: signals, stdin, the view's channel and the init's exit are
 * handled as always. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"
#include "storage.h"
#include "terminal.h"

#define READ_CHUNK (64 * 1024)
/* After the init is gone, its last output is read for at most this long
 * (only an escaped process could keep a pipe open that long). */
#define DRAIN_MS 2000
/* The fixed slots of the poll set; the view channel's fds follow. */
enum { P_SIG, P_OUT, P_ERR, P_PTY, P_STDIN, P_IN, P_LOG, P_VIEW };

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;  /* our reader went away; the log still gets it */
		buf += w;
		len -= (size_t)w;
	}
}

/* Reads once from *FD; at end of input closes it and sets it to -1. */
static void pump(int *fd, enum ctr_db_stream stream, int copy_to, struct log_writer *log, char *buf)
{
	ssize_t n = read(*fd, buf, READ_CHUNK);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {  /* end of input; EIO from a pty whose every slave closed */
		close(*fd);
		*fd = -1;
		return;
	}
	ctr_log_writer_push(log, stream, buf, (size_t)n, ctr_now_ns());
	if (copy_to >= 0)
		write_all(copy_to, buf, (size_t)n);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ctr_monitor_block_signals(sigset_t *mask)
{
	static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};
	sigemptyset(mask);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, mask, NULL);
}

int ctr_monitor_supervise(struct ctr_container_proc *p, struct monitor_io *io, struct log_writer *log)
{
	char *buf = malloc(READ_CHUNK);
	/* Stdin for a pipe goes through a buffer, so that a container that does
	 * not read its stdin never holds up its output or its signals. */
	char *inbuf = io->in >= 0 ? malloc(READ_CHUNK) : NULL;
	size_t in_len = 0, in_off = 0;
	int status = 0;
	bool reaped = false, stdin_open = io->forward_stdin && (io->pty_master >= 0 || inbuf);
	int64_t deadline = 0;
	for (;;) {
		if (reaped && io->out < 0 && io->err < 0 && io->pty_master < 0)
			break;
		/* Blocking mode with the log's queue full: the output waits in its
		 * pipes (and then the container's writes), and the drain's time
		 * runs only while it can be read. */
		bool read_output = ctr_log_writer_accepts(log);
		int timeout = -1;
		if (reaped) {
			if (!read_output)
				deadline = now_ms() + DRAIN_MS;
			timeout = (int)(deadline - now_ms());
			if (timeout <= 0)
				break;
		}
		struct pollfd fds[P_VIEW + VIEW_CHANNEL_MAX_FDS] = {
			[P_SIG] = {.fd = reaped ? -1 : io->sigfd, .events = POLLIN},
			[P_OUT] = {.fd = read_output ? io->out : -1, .events = POLLIN},
			[P_ERR] = {.fd = read_output ? io->err : -1, .events = POLLIN},
			[P_PTY] = {.fd = read_output ? io->pty_master : -1, .events = POLLIN},
			[P_STDIN] = {.fd = stdin_open && in_len == 0 ? 0 : -1, .events = POLLIN},
			[P_IN] = {.fd = in_len > 0 ? io->in : -1, .events = POLLOUT},
			[P_LOG] = {.fd = read_output ? -1 : ctr_log_writer_wake_fd(log), .events = POLLIN},
		};
		int n_view = io->view && !reaped ? ctr_view_channel_fds(io->view, fds + P_VIEW) : 0;
		int rc = poll(fds, P_VIEW + (nfds_t)n_view, timeout);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			break;
		if (n_view)
			ctr_view_channel_serve(io->view, fds + P_VIEW, n_view);
		if (fds[P_LOG].revents)
			ctr_log_writer_woken(log);
		if (buf && fds[P_OUT].revents)
			pump(&io->out, CTR_DB_STDOUT, io->attach ? 1 : -1, log, buf);
		if (buf && fds[P_ERR].revents)
			pump(&io->err, CTR_DB_STDERR, io->attach ? 2 : -1, log, buf);
		if (buf && fds[P_PTY].revents)
			pump(&io->pty_master, CTR_DB_STDOUT, io->attach ? 1 : -1, log, buf);
		if (fds[P_STDIN].revents) {
			char *to = inbuf ? inbuf : buf;
			ssize_t n = to ? read(0, to, READ_CHUNK) : -1;
			if (n > 0 && inbuf) {
				in_len = (size_t)n;
				in_off = 0;
			} else if (n > 0 && io->pty_master >= 0) {
				write_all(io->pty_master, buf, (size_t)n);
			} else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				stdin_open = false;
				if (io->pty_master >= 0)
					write_all(io->pty_master, "\x04", 1);  /* end of input, as a terminal sends */
				if (io->in >= 0) {
					close(io->in);  /* end of input for the container */
					io->in = -1;
				}
			}
		}
		if (fds[P_IN].revents) {
			ssize_t w = write(io->in, inbuf + in_off, in_len - in_off);
			if (w > 0 && (in_off += (size_t)w) == in_len)
				in_len = in_off = 0;
			if (w < 0 && errno != EINTR && errno != EAGAIN) {
				/* the container closed its stdin: the rest has nowhere to go */
				stdin_open = false;
				in_len = in_off = 0;
				close(io->in);
				io->in = -1;
			}
		}
		if (fds[P_SIG].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(io->sigfd, &si, sizeof si) != sizeof si)
				continue;
			if (si.ssi_signo == SIGWINCH) {
				if (io->pty_master >= 0)
					ctr_term_copy_size(0, io->pty_master);
			} else if (si.ssi_signo != SIGCHLD) {
				kill(p->init_pid, (int)si.ssi_signo);
			}
			if (si.ssi_signo == SIGCHLD && io->check_daemons)
				io->check_daemons(io->daemons_arg);
			if (waitpid(p->init_pid, &status, WNOHANG) == p->init_pid) {
				reaped = true;
				deadline = now_ms() + DRAIN_MS;
				stdin_open = false;
				if (io->in >= 0) {
					close(io->in);
					io->in = -1;
				}
				/* The pty stays open on our side: read it without waiting. */
				if (io->pty_master >= 0)
					fcntl(io->pty_master, F_SETFL, fcntl(io->pty_master, F_GETFL) | O_NONBLOCK);
			}
		}
	}
	if (!reaped)
		while (waitpid(p->init_pid, &status, 0) < 0 && errno == EINTR)
			;
	int *fds[] = {&io->out, &io->err, &io->pty_master, &io->in};
	for (size_t i = 0; i < 4; i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	p->pty_master = -1;
	free(buf);
	free(inbuf);
	return status;
}
