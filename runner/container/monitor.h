/* Looking after a running container until its init exits: its output goes
 * into the log (and, attached, to our terminal), signals are forwarded, and
 * the init is reaped. Used by a foreground `ctrrun run` and by the detached
 * monitor process alike. */
#ifndef CTRRUN_MONITOR_H
#define CTRRUN_MONITOR_H

#include <signal.h>
#include <stdbool.h>

#include "container_setup.h"
#include "log_writer.h"
#include "view_channel.h"

struct monitor_io {
	int out, err;       /* read ends of the container's stdout/stderr pipes; -1 with a tty */
	int pty_master;     /* -1 without a tty */
	int in;             /* write end of the container's stdin pipe (run -i without -t); else -1 */
	bool attach;        /* copy output to our stdout/stderr */
	bool forward_stdin; /* our stdin goes to the pty (run -it) or the pipe IN (run -i) */
	int sigfd;          /* signalfd of forwarded signals and SIGCHLD */
	struct view_channel *view;  /* exec'd processes' sysinfo listeners come here; or NULL */
	/* On every SIGCHLD while the init runs: the launcher checks whether one
	 * of the container's daemons died (it may kill the init then). */
	void (*check_daemons)(void *arg);
	void *daemons_arg;
};

/* Blocks (and puts in MASK) the signals a monitor forwards to the
 * container, and SIGCHLD: they are read from a signalfd instead. */
void ctr_monitor_block_signals(sigset_t *mask);

/* Returns the init's wait status. Closes the fds in IO. */
int ctr_monitor_supervise(struct ctr_container_proc *p, struct monitor_io *io, struct log_writer *log);

#endif
