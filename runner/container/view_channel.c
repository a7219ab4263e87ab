/* The monitor's socket for exec'd processes' sysinfo listeners, and exec's
 * side of it: see view_channel.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "view_channel.h"

#define SOCKET_NAME "monitor.sock"
/* Connections served at once; more wait in the listen backlog. */
#define MAX_CONNS (VIEW_CHANNEL_MAX_FDS - 1)
/* Copies of listeners kept; past this, those no process uses go first. */
#define MAX_KEPT 256

struct view_channel {
	int dirfd;           /* the container's dir, for the socket's name */
	int sock;            /* listening */
	int daemon;          /* the view daemon's control socket, or -1 */
	int conns[MAX_CONNS];
	int kept[MAX_KEPT];
	int n_kept;
};

/* "/proc/self/fd/N/monitor.sock": a container dir's path can be longer than
 * a socket address may be. */
static int socket_address(int dirfd, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof *addr);
	addr->sun_family = AF_UNIX;
	int n = snprintf(addr->sun_path, sizeof addr->sun_path, "/proc/self/fd/%d/%s", dirfd, SOCKET_NAME);
	return n > 0 && n < (int)sizeof addr->sun_path ? 0 : -1;
}

static int send_byte(int sock, char c, int fd)
{
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof u.buf;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	}
	ssize_t n;
	while ((n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0 && errno == EINTR)
		;
	return n == 1 ? 0 : -1;
}

/* One byte, and the fd that came with it (or -1). Returns the byte, or -1. */
static int recv_byte(int sock, int *fd)
{
	char c;
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	*fd = -1;
	ssize_t n;
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n != 1)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof *fd);
	return (unsigned char)c;
}

int ctr_view_channel_open(const char *container_dir, int daemon_control, struct view_channel **out,
		      struct ctr_error *err)
{
	*out = NULL;
	struct view_channel *vc = calloc(1, sizeof *vc);
	if (!vc) {
		if (daemon_control >= 0)
			close(daemon_control);
		return ctr_fail(err, ENOMEM, "monitor socket");
	}
	vc->daemon = daemon_control;
	vc->sock = -1;
	for (int i = 0; i < MAX_CONNS; i++)
		vc->conns[i] = -1;
	struct sockaddr_un addr;
	vc->dirfd = open(container_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (vc->dirfd < 0 || socket_address(vc->dirfd, &addr) < 0) {
		ctr_fail(err, errno, "monitor socket in %s", container_dir);
		goto fail;
	}
	/* A socket left by a monitor that was killed is in the way. */
	unlinkat(vc->dirfd, SOCKET_NAME, 0);
	vc->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	mode_t old = umask(0077);  /* 0600: only the container's owner may hand listeners over */
	int rc = vc->sock < 0 ? -1 : bind(vc->sock, (struct sockaddr *)&addr, sizeof addr);
	umask(old);
	if (rc < 0 || listen(vc->sock, 16) < 0) {
		ctr_fail(err, errno, "cannot listen on %s/%s", container_dir, SOCKET_NAME);
		goto fail;
	}
	*out = vc;
	return 0;
fail:
	ctr_view_channel_close(vc);
	return -1;
}

/* Drops kept listeners that no process uses any more. */
static void prune(struct view_channel *vc)
{
	for (int i = vc->n_kept; i-- > 0;) {
		struct pollfd p = {.fd = vc->kept[i], .events = POLLIN};
		if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL))) {
			close(vc->kept[i]);
			vc->kept[i] = vc->kept[--vc->n_kept];
		}
	}
}

void ctr_view_channel_keep(struct view_channel *vc, int listener)
{
	if (vc->n_kept == MAX_KEPT)
		prune(vc);
	int copy = vc->n_kept < MAX_KEPT ? fcntl(listener, F_DUPFD_CLOEXEC, 3) : -1;
	if (copy >= 0)
		vc->kept[vc->n_kept++] = copy;
}

void ctr_view_channel_set_daemon(struct view_channel *vc, int daemon_control)
{
	if (vc->daemon >= 0)
		close(vc->daemon);
	vc->daemon = daemon_control;
	prune(vc);
	/* The calls the dead daemon had not answered wait in the listeners:
	 * the new one answers them (those it had received stay blocked until a
	 * signal interrupts them). */
	for (int i = 0; i < vc->n_kept && vc->daemon >= 0; i++)
		send_byte(vc->daemon, 'l', vc->kept[i]);
}

int ctr_view_channel_fds(struct view_channel *vc, struct pollfd *fds)
{
	int n = 0;
	fds[n++] = (struct pollfd){.fd = vc->sock, .events = POLLIN};
	for (int i = 0; i < MAX_CONNS; i++)
		if (vc->conns[i] >= 0)
			fds[n++] = (struct pollfd){.fd = vc->conns[i], .events = POLLIN};
	return n;
}

static void serve_conn(struct view_channel *vc, int *conn)
{
	int listener;
	int c = recv_byte(*conn, &listener);
	if (c == 'l' && listener >= 0 && vc->daemon >= 0 && send_byte(vc->daemon, 'l', listener) == 0) {
		ctr_view_channel_keep(vc, listener);
		send_byte(*conn, 'k', -1);
	}
	if (listener >= 0)
		close(listener);
	close(*conn);  /* one listener a connection */
	*conn = -1;
}

void ctr_view_channel_serve(struct view_channel *vc, const struct pollfd *fds, int n)
{
	for (int k = 0; k < n; k++) {
		if (!fds[k].revents)
			continue;
		if (fds[k].fd == vc->sock) {
			int slot = 0;
			while (slot < MAX_CONNS && vc->conns[slot] >= 0)
				slot++;
			if (slot == MAX_CONNS)
				continue;  /* the backlog holds the rest */
			int conn = accept4(vc->sock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (conn < 0)
				continue;
			if (send_byte(conn, vc->daemon >= 0 ? 'v' : 'n', -1) < 0) {
				close(conn);
				continue;
			}
			vc->conns[slot] = conn;
			continue;
		}
		for (int i = 0; i < MAX_CONNS; i++)
			if (vc->conns[i] == fds[k].fd)
				serve_conn(vc, &vc->conns[i]);
	}
}

void ctr_view_channel_close(struct view_channel *vc)
{
	if (!vc)
		return;
	if (vc->sock >= 0) {
		close(vc->sock);
		unlinkat(vc->dirfd, SOCKET_NAME, 0);
	}
	if (vc->dirfd >= 0)
		close(vc->dirfd);
	if (vc->daemon >= 0)
		close(vc->daemon);
	for (int i = 0; i < MAX_CONNS; i++)
		if (vc->conns[i] >= 0)
			close(vc->conns[i]);
	for (int i = 0; i < vc->n_kept; i++)
		close(vc->kept[i]);
	free(vc);
}

int ctr_view_channel_connect(const char *container_dir, bool *has_view)
{
	*has_view = false;
	int dirfd = open(container_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct sockaddr_un addr;
	int sock = dirfd >= 0 && socket_address(dirfd, &addr) == 0 ? socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)
								     : -1;
	if (sock >= 0 && connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0) {
		close(sock);
		sock = -1;
	}
	if (dirfd >= 0)
		close(dirfd);
	int fd = -1;
	int c = sock >= 0 ? recv_byte(sock, &fd) : -1;
	if (fd >= 0)
		close(fd);
	if (c != 'v' && c != 'n') {
		if (sock >= 0)
			close(sock);
		return -1;
	}
	*has_view = c == 'v';
	return sock;
}

int ctr_view_channel_send(int conn, int listener, struct ctr_error *err)
{
	int fd;
	if (send_byte(conn, 'l', listener) < 0)
		return ctr_fail(err, errno, "cannot hand the sysinfo listener to the container's monitor");
	int c = recv_byte(conn, &fd);
	if (fd >= 0)
		close(fd);
	if (c != 'k')
		return ctr_fail(err, 0, "the container's monitor did not take the sysinfo listener");
	return 0;
}
