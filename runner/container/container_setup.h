/* ctrrun's side of making a container: clone the init into its namespaces,
 * write its id maps, start the ctrfs daemon that serves its root, and hold
 * the init at its last step until the caller has recorded it. */
#ifndef CTRRUN_CONTAINER_SETUP_H
#define CTRRUN_CONTAINER_SETUP_H

#include <stdint.h>
#include <sys/types.h>

#include "cgroups.h"
#include "container_spec.h"
#include "ctr/error.h"

struct ctr_container_proc {
	pid_t init_pid;          /* host pid of the container's PID 1 (our child) */
	uint64_t init_ticks;
	pid_t fs_pid;            /* the ctrfs daemon (our child) */
	uint64_t fs_ticks;
	pid_t proc_pid;          /* the /proc view's daemon (our child), or 0 */
	struct ctr_cgroup *cgroup; /* the container's cgroups, or NULL without limits */
	int pty_master;          /* -1 without a terminal */
	int userns_fd;           /* the container's user namespace, kept for housekeeping; -1 */
	int seccomp_listener;    /* the init's sysinfo filter's notifications (the view's daemon has a copy) */
	int view_control;        /* the view daemon's control socket (ctrfs proc --control-fd); -1 */
	int view_fuse;           /* a copy of the view's /dev/fuse fd, to drop its cached files if it dies; -1 */
	pid_t mover_pid;         /* the child moving the init into its cgroups, while it runs */
	int mover_pidfd, mover_result;
	int sync;                /* handshake socket, until started */
	int exec_err;            /* carries errno if the command cannot be executed */
	const char *fs_log;      /* the daemon's stderr */
	struct ctr_warnings *warnings; /* the spec's: notes for the caller */
	struct ctr_errors *met;        /* the spec's: clean-up errors for the caller */
};

/* Everything up to the exec. On failure nothing is left running and the
 * error says which step failed. */
int ctr_container_create(const struct ctr_spec *spec, struct ctr_container_proc *p, struct ctr_error *err);

/* Lets the init exec the command. Returns 0 when the exec happened; else -1
 * with *EXEC_ERRNO set (ENOENT: not found, else not executable) and the init
 * gone (reap it with waitpid). */
int ctr_container_start(struct ctr_container_proc *p, int *exec_errno, struct ctr_error *err);

/* The /proc view's daemon died: the kernel's cached copies of its files are
 * dropped (a process holding one open then reads an error, not old content
 * as current), and the connection ends. */
void ctr_container_forget_view(struct ctr_container_proc *p);

/* The /proc view's daemon died while the container runs: a new one, its
 * files bound over the old ones in the container (by a helper in the
 * container's user and mount namespaces). The new daemon's control socket
 * is P->view_control; it gets no listener on its command line (the caller
 * resends the ones it keeps). The dead daemon must have been reaped. */
int ctr_container_restart_view(const struct ctr_spec *spec, struct ctr_container_proc *p, struct ctr_error *err);

/* After a failed create/start: SIGKILL the init, reap it, wait for the daemon. */
void ctr_container_abort(struct ctr_container_proc *p);

/* The init is gone: removes its cgroups (killing what is left in them). */
void ctr_container_remove_cgroups(struct ctr_container_proc *p);

/* The init is gone: the mount namespace goes with it, and so the daemon
 * ends by itself; wait for that (SIGKILL after TIMEOUT_MS). */
void ctr_container_wait_daemon(struct ctr_container_proc *p, int timeout_ms);

#endif
