/* The setup handshake's transport: one datagram per message, fds passed with
 * SCM_RIGHTS. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "sync_channel.h"

static int send_msg(int sock, const struct sync_msg *msg_in, int fd_to_send);

int ctr_sync_send(int sock, char tag, const struct ctr_error *err, int fd_to_send)
{
	struct sync_msg msg = {.tag = tag};
	if (err)
		msg.err = *err;
	return send_msg(sock, &msg, fd_to_send);
}

int ctr_sync_send_value(int sock, char tag, int value)
{
	struct sync_msg msg = {.tag = tag, .value = value};
	return send_msg(sock, &msg, -1);
}

static int send_msg(int sock, const struct sync_msg *msg_in, int fd_to_send)
{
	struct sync_msg msg = *msg_in;
	struct iovec iov = {.iov_base = &msg, .iov_len = sizeof msg};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd_to_send >= 0) {
		memset(&control, 0, sizeof control);
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof control.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd_to_send, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof msg ? 0 : -1;
}

int ctr_sync_recv(int sock, struct sync_msg *msg, int *fd_received)
{
	*fd_received = -1;
	struct iovec iov = {.iov_base = msg, .iov_len = sizeof *msg};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			    .msg_controllen = sizeof control.buf};
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		if (n == 0)
			errno = 0;
		return -1;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd_received, CMSG_DATA(c), sizeof(int));
	if (n != (ssize_t)sizeof *msg) {
		errno = EPROTO;
		return -1;
	}
	msg->err.msg[sizeof msg->err.msg - 1] = '\0';
	return 0;
}
