/* How the sysinfo listeners of exec'd processes reach the /proc view's
 * daemon. A process that `ctrrun exec` starts in a container gets a sysinfo
 * filter of its own (the init's does not cover it: it joins from outside),
 * whose listener must go to the daemon, which was started long before. The
 * container's monitor holds the daemon's control socket (`ctrfs proc
 * --control-fd`), and listens on containers/<id>/monitor.sock (0600): exec
 * connects, learns whether the container has a view, and hands its
 * listener over; the monitor forwards it to the daemon and keeps a copy
 * while any process uses it (so that a view daemon started again could
 * still answer them).
 *
 * The exchange (SOCK_SEQPACKET): the monitor says "v" (a view) or "n" (none)
 * on accepting; exec sends "l" with the listener (SCM_RIGHTS); the monitor
 * says "k" once the daemon has it. */
#ifndef CTRRUN_VIEW_CHANNEL_H
#define CTRRUN_VIEW_CHANNEL_H

#include <poll.h>
#include <stdbool.h>

#include "ctr/error.h"

/* The monitor's end. */
struct view_channel;

/* Binds CONTAINER_DIR/monitor.sock. DAEMON_CONTROL (consumed) is the view
 * daemon's control socket, or -1 when the container has no view. */
int ctr_view_channel_open(const char *container_dir, int daemon_control, struct view_channel **out,
		      struct ctr_error *err);
/* A new view daemon's control socket (consumed), after the last one died:
 * every listener still in use is sent to it. */
void ctr_view_channel_set_daemon(struct view_channel *vc, int daemon_control);
/* Keeps a copy of a listener given to the daemon otherwise (the init's). */
void ctr_view_channel_keep(struct view_channel *vc, int listener);
/* The fds to poll (at most VIEW_CHANNEL_MAX_FDS): the listening socket and
 * connections in progress. Returns how many it wrote. */
#define VIEW_CHANNEL_MAX_FDS 9
int ctr_view_channel_fds(struct view_channel *vc, struct pollfd *fds);
/* Serves what poll found on those N fds; never blocks. */
void ctr_view_channel_serve(struct view_channel *vc, const struct pollfd *fds, int n);
/* Removes the socket, closes everything. */
void ctr_view_channel_close(struct view_channel *vc);

/* exec's end: connects to the monitor of the container in CONTAINER_DIR.
 * Returns the connection, or -1 when no monitor listens (one of an older
 * ctrrun): then exec'd processes see the host's sysinfo, as before. */
int ctr_view_channel_connect(const char *container_dir, bool *has_view);
/* Hands LISTENER over and waits for the monitor's "k". */
int ctr_view_channel_send(int conn, int listener, struct ctr_error *err);

#endif
