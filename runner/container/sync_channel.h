/* Messages between ctrrun and the container's setup process over a
 * SOCK_SEQPACKET pair: a tag, an optional error, an optional fd. */
#ifndef CTRRUN_SYNC_CHANNEL_H
#define CTRRUN_SYNC_CHANNEL_H

#include "ctr/error.h"

enum sync_tag {
	SYNC_MAPPED = 'm',   /* parent -> child: id maps written */
	SYNC_CGROUPS = 'c',  /* parent -> child: it is in its cgroups (or has none) */
	SYNC_FUSE_FD = 'f',  /* child -> parent: /dev/fuse fd, mounted at the rootfs */
	SYNC_PROC_FD = 'v',  /* child -> parent: /dev/fuse fd of the /proc view, mounted at the staging dir */
	SYNC_PTY_FD = 't',   /* child -> parent: the pty master from the container's devpts */
	SYNC_SECCOMP_FD = 's',  /* child -> parent: listener of the sysinfo filter */
	SYNC_READY = 'r',    /* child -> parent: about to exec, PDEATHSIG armed */
	SYNC_GO = 'g',       /* parent -> child: recorded as running, exec now */
	SYNC_ERROR = 'e',    /* child -> parent: setup failed, err says why */
	SYNC_PID = 'p',      /* exec's joiner -> ctrrun: host pid of the command (value) */
};

struct sync_msg {
	char tag;
	int value;
	struct ctr_error err;
};

/* FD_TO_SEND < 0: none. */
int ctr_sync_send(int sock, char tag, const struct ctr_error *err, int fd_to_send);
int ctr_sync_send_value(int sock, char tag, int value);
/* Returns 0, or -1 with errno (0 at end of stream). *FD_RECEIVED is -1 when
 * no fd came. */
int ctr_sync_recv(int sock, struct sync_msg *msg, int *fd_received);

#endif
