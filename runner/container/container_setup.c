/* Making a container, the parent's half (the child's is container_init.c).
 *
 * The ctrfs daemon must be root in the container's user namespace (so chown
 * works) but outside its mount and PID namespaces: a daemon inside the
 * mount namespace would keep it alive forever. So the init mounts the union
 * with fd=N in its own namespace and passes the /dev/fuse fd here; we fork
 * the daemon, which joins only the user namespace. When the container's last
 * process exits, its mount namespace goes, the FUSE connection ends and the
 * daemon exits by itself. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/fuse.h>
#include <sys/mount.h>
#include <linux/mount.h>
#include <time.h>
#include <unistd.h>

#include "container_init.h"
#include "container_setup.h"
#include "exit_code.h"
#include "proc_stat.h"
#include "ctr/proc_view_inodes.h"
#include "rootfs_mounts.h"
#include "process_exec.h"
#include "idmap_config.h"
#include "met_errors.h"
#include "sync_channel.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int pidfd_open_compat(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Closes the volume mounts prepare_volumes made: the init has its copies. */
static void release_volumes(const struct ctr_spec *spec)
{
	for (size_t i = 0; i < spec->n_volumes; i++)
		close_fd(&spec->volumes[i].tree_fd);
}

/* Waits up to TIMEOUT_MS for child PID to exit; reaps it. */
static bool wait_child(pid_t pid, int timeout_ms)
{
	int pfd = pidfd_open_compat(pid);
	if (pfd >= 0) {
		struct pollfd p = {.fd = pfd, .events = POLLIN};
		int rc;
		while ((rc = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		close(pfd);
		if (rc == 0)
			return false;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return true;
}

enum daemon_kind { DAEMON_UNION, DAEMON_PROC };

/* A detached, idmapped mount of PATH (through user namespace USERNS), its
 * fd kept across exec; -1 with errno when this file system cannot be
 * idmapped. */
static int idmapped_tree(const char *path, int userns)
{
	int tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return -1;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0 || fcntl(tree, F_SETFD, 0) < 0) {
		int e = errno;
		close(tree);
		errno = e;
		return -1;
	}
	return tree;
}

/* The union daemon's ctrfs options for a remapped root's container: every
 * layer and the container's dir as idmapped mounts, named /dev/fd/N, so
 * that root of the container's user namespace reads the store's files
 * (owned by ids 0-65535 on disk) as its own. NULL with errno when the
 * store's file system cannot be idmapped. */
static char *idmapped_union_options(const struct ctr_spec *spec, int userns)
{
	char *lowers = strdup(spec->lowerdirs), *opts = NULL;
	size_t len = 0;
	FILE *out = lowers ? open_memstream(&opts, &len) : NULL;
	if (!out) {
		free(lowers);
		errno = ENOMEM;
		return NULL;
	}
	int e = 0;
	fputs("lowerdir=", out);
	char *save = NULL;
	for (char *dir = strtok_r(lowers, ":", &save); dir && !e; dir = strtok_r(NULL, ":", &save)) {
		int fd = idmapped_tree(dir, userns);
		if (fd < 0)
			e = errno;
		else
			fprintf(out, "%s/dev/fd/%d", dir == lowers ? "" : ":", fd);
	}
	int cfd = e ? -1 : idmapped_tree(spec->dir, userns);
	if (!e && cfd < 0)
		e = errno;
	/* upper and work on one mount: copy-ups are renamed from work to upper */
	fprintf(out, ",upperdir=/dev/fd/%d/upper,workdir=/dev/fd/%d/work,userxattr", cfd, cfd);
	fclose(out);
	free(lowers);
	if (e) {
		free(opts);
		errno = e;
		return NULL;
	}
	return opts;
}

/* The one place the daemon's child speaks, before it becomes ctrfs: a
 * process of its own after fork, with no caller to return an error to, whose
 * stderr is the container's ctrfs.log (spec->fs_log, where ctrfs writes too),
 * else ctrrun's stderr. */
static __attribute__((format(printf, 1, 2))) void daemon_child_say(const char *fmt, ...)
{
	struct ctr_error line;
	va_list ap;
	va_start(ap, fmt);
	ctr_error_vformat(line.msg, sizeof line.msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "ctrrun: %s\n", line.msg);
}

static __attribute__((noreturn)) void exec_daemon(const struct ctr_spec *spec, enum daemon_kind kind, pid_t init,
						  int userns, int fuse, int spec_listener, int control)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);  /* ctrrun blocks the ones it forwards */
	setsid();
	/* Not the user's terminal: libfuse reports the end of the connection
	 * there ("Software caused connection abort") when the container ends.
	 * Opened first: the container's dir may be closed to the daemon once
	 * it is root of the container's user namespace. */
	int log = spec->fs_log ? open(spec->fs_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
	if (log >= 0)
		dup2(log, 2);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	/* The daemon serves the container: it holds nothing else of ctrrun's
	 * (the database, the container's pipes, the caller's fds); what it gets
	 * is opened below: the idmapped mounts its options name. */
	{
		int keep[] = {0, 1, 2, fuse, spec_listener, control, userns};
		ctr_close_fds_except(keep, sizeof keep / sizeof keep[0]);
	}
	char *opts = NULL;
	bool join = true;
	if (kind == DAEMON_UNION && spec->remapped) {
		/* Still host root here: make the idmapped mounts, then join. Where
		 * the store cannot be idmapped, the daemon stays host root (the
		 * store is 0-based and FUSE maps the container's ids already). */
		const char *off = getenv("CTRRUN_NO_IDMAP");
		if (off && *off && strcmp(off, "0") != 0)
			errno = EPERM;
		else
			opts = idmapped_union_options(spec, userns);
		if (!opts) {
			daemon_child_say("the store's file system cannot be idmapped (%s%s); the ctrfs daemon "
					 "serving this container runs as host root",
					 strerror(errno), off && *off && strcmp(off, "0") != 0 ? ": CTRRUN_NO_IDMAP is set" : "");
			join = false;
		}
	}
	if (join && setns(userns, CLONE_NEWUSER) < 0) {
		daemon_child_say("ctrfs daemon: cannot join the container's user namespace: %s", strerror(errno));
		_exit(1);
	}
	if (join && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
		daemon_child_say("ctrfs daemon: cannot become root in the user namespace: %s", strerror(errno));
		_exit(1);
	}
	if (join && !spec->idmap->single)
		setgroups(0, NULL);
	close(userns);
	int flags = fcntl(fuse, F_GETFD);
	fcntl(fuse, F_SETFD, flags & ~FD_CLOEXEC);
	char mnt[32], pid[32];
	snprintf(mnt, sizeof mnt, "/dev/fd/%d", fuse);
	snprintf(pid, sizeof pid, "%d", (int)init);
	if (kind == DAEMON_PROC) {
		char sysinfo_fd[32], control_fd[32];
		int listener = spec_listener;
		snprintf(sysinfo_fd, sizeof sysinfo_fd, "%d", listener);
		snprintf(control_fd, sizeof control_fd, "%d", control);
		if (listener >= 0)
			fcntl(listener, F_SETFD, 0);
		if (control >= 0)
			fcntl(control, F_SETFD, 0);
		char *argv[11] = {"ctrfs", "proc", "-f", "--pid", pid};
		int n = 5;
		if (listener >= 0) {
			argv[n++] = "--sysinfo-fd";
			argv[n++] = sysinfo_fd;
		}
		if (control >= 0) {
			argv[n++] = "--control-fd";
			argv[n++] = control_fd;
		}
		argv[n++] = mnt;
		argv[n] = NULL;
		execvp(spec->ctrfs, argv);
	} else {
		if (!opts && asprintf(&opts, "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", spec->lowerdirs,
				      spec->upper, spec->work) < 0)
			_exit(1);
		char *argv[] = {"ctrfs", "-f", "-o", opts, mnt, NULL};
		execvp(spec->ctrfs, argv);  /* a bare name is looked up in PATH */
	}
	daemon_child_say("cannot run the ctrfs daemon %s: %s", spec->ctrfs, strerror(errno));
	_exit(127);
}

static int start_daemon(const struct ctr_spec *spec, enum daemon_kind kind, struct ctr_container_proc *p, int fuse,
			struct ctr_error *err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/user", (int)p->init_pid);
	if (p->userns_fd < 0 && (p->userns_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ctr_fail(err, errno, "cannot open %s", path);
	int userns = p->userns_fd;
	/* The view daemon's control socket: later listeners (of exec'd
	 * processes) reach it there, through the monitor. */
	int ctl[2] = {-1, -1};
	if (kind == DAEMON_PROC && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0)
		return ctr_fail(err, errno, "socketpair");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close_fd(&ctl[0]);
		close_fd(&ctl[1]);
		return ctr_fail(err, e, "fork");
	}
	if (pid == 0)
		exec_daemon(spec, kind, p->init_pid, userns, fuse, kind == DAEMON_PROC ? p->seccomp_listener : -1, ctl[1]);
	close_fd(&ctl[1]);
	if (kind == DAEMON_PROC) {
		close_fd(&p->view_control);
		p->view_control = ctl[0];
		close_fd(&p->view_fuse);
		p->view_fuse = fcntl(fuse, F_DUPFD_CLOEXEC, 3);
	}
	if (kind == DAEMON_PROC) {
		p->proc_pid = pid;
	} else {
		p->fs_pid = pid;
		ctr_proc_start_ticks(pid, &p->fs_ticks);
	}
	return 0;
}

void ctr_container_forget_view(struct ctr_container_proc *p)
{
	if (p->view_fuse < 0)
		return;
	/* FUSE_NOTIFY_INVAL_INODE for the root and every file, as the daemon
	 * itself sends them (libfuse's fuse_lowlevel_notify_inval_inode). */
	for (uint64_t ino = FUSE_ROOT_ID; ino < CTR_VIEW_FIRST_FILE_INO + CTR_VIEW_FILE_COUNT; ino++) {
		struct {
			struct fuse_out_header h;
			struct fuse_notify_inval_inode_out inval;
		} msg = {.h = {.len = sizeof msg, .error = FUSE_NOTIFY_INVAL_INODE},
			 .inval = {.ino = ino, .off = 0, .len = -1}};
		if (write(p->view_fuse, &msg, sizeof msg) < 0) {
			/* the connection is gone already: nothing cached to drop */
		}
	}
	close_fd(&p->view_fuse);  /* the last fd: the kernel ends the connection */
}

/* The view restart's helper: root of the container's user namespace, in
 * its mount namespace, it makes a fresh `ctrfs proc` mount (detached),
 * hands its /dev/fuse fd over for the new daemon, and once told binds the
 * view's files over the dead daemon's. Single-threaded, as setns wants. */
static __attribute__((noreturn)) void view_restart_helper(const struct ctr_spec *spec, int sync, int userns, int mntns)
{
	struct ctr_error err = {0};
	{
		int keep[] = {2, sync, userns, mntns};
		ctr_close_fds_except(keep, sizeof keep / sizeof keep[0]);
	}
	if (setns(userns, CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		ctr_fail(&err, errno, "cannot become root of the container's user namespace");
		goto fail;
	}
	if (!spec->idmap->single)
		setgroups(0, NULL);
	/* The host's /dev/fuse (the container's /dev has none), opened as root
	 * of the container's namespace: FUSE takes a connection only from a
	 * file opened in the mount's own user namespace. */
	int fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fuse < 0) {
		ctr_fail(&err, errno, "cannot open /dev/fuse");
		goto fail;
	}
	if (setns(mntns, CLONE_NEWNS) < 0) {
		ctr_fail(&err, errno, "cannot enter the container's mount namespace");
		goto fail;
	}
	char fd_text[16];
	snprintf(fd_text, sizeof fd_text, "%d", fuse);
	int fs = (int)syscall(SYS_fsopen, "fuse", FSOPEN_CLOEXEC);
	int mnt = -1;
	if (fs >= 0 && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "fd", fd_text, 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "rootmode", "40000", 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "user_id", "0", 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "group_id", "0", 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "allow_other", NULL, 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "default_permissions", NULL, 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "subtype", "ctrfs-proc", 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
				   MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0) {
		ctr_fail(&err, errno, "cannot mount a new /proc view");
		goto fail;
	}
	struct sync_msg msg;
	int ignored = -1;
	if (ctr_sync_send(sync, SYNC_PROC_FD, NULL, fuse) < 0 || ctr_sync_recv(sync, &msg, &ignored) < 0 || msg.tag != SYNC_GO)
		_exit(1);  /* the monitor is gone or gave up: nobody to tell */
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || ctr_rootfs_bind_view(root, mnt, true, &err) < 0) {
		if (root < 0)
			ctr_fail(&err, errno, "cannot open the container's root");
		goto fail;
	}
	ctr_sync_send(sync, SYNC_READY, NULL, -1);
	_exit(0);
fail:
	ctr_sync_send(sync, SYNC_ERROR, &err, -1);
	_exit(1);
}

int ctr_container_restart_view(const struct ctr_spec *spec, struct ctr_container_proc *p, struct ctr_error *err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)p->init_pid);
	int mntns = open(path, O_RDONLY | O_CLOEXEC), sv[2];
	if (mntns < 0)
		return ctr_fail(err, errno, "cannot open %s", path);
	if (p->userns_fd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		close(mntns);
		return ctr_fail(err, p->userns_fd < 0 ? EBADF : errno, "view restart");
	}
	fflush(NULL);
	pid_t helper = fork();
	if (helper == 0)
		view_restart_helper(spec, sv[1], p->userns_fd, mntns);
	close(sv[1]);
	close(mntns);
	if (helper < 0) {
		close(sv[0]);
		return ctr_fail(err, errno, "fork");
	}
	/* The listeners reach the new daemon through its control socket (the
	 * monitor resends its copies); none is given on its command line. */
	close_fd(&p->seccomp_listener);
	struct sync_msg msg;
	int fd = -1, rc = 0;
	if (ctr_sync_recv(sv[0], &msg, &fd) < 0)
		rc = ctr_fail(err, 0, "the /proc view's restart helper died");
	else if (msg.tag == SYNC_ERROR)
		*err = msg.err, rc = -1;
	else if (msg.tag != SYNC_PROC_FD || fd < 0)
		rc = ctr_fail(err, EPROTO, "view restart: unexpected message '%c'", msg.tag);
	if (rc == 0) {
		rc = start_daemon(spec, DAEMON_PROC, p, fd, err);
		close_fd(&fd);
	}
	if (rc == 0 && ctr_sync_send(sv[0], SYNC_GO, NULL, -1) < 0)
		rc = ctr_fail(err, errno, "the /proc view's restart helper died");
	if (rc == 0) {
		if (ctr_sync_recv(sv[0], &msg, &fd) < 0)
			rc = ctr_fail(err, 0, "the /proc view's restart helper died");
		else if (msg.tag == SYNC_ERROR)
			*err = msg.err, rc = -1;
		close_fd(&fd);
	}
	close(sv[0]);
	while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
		;
	return rc;
}

/* The last line of FILE (the daemon's log), or "". */
static void last_line(const char *file, char *out, size_t len)
{
	out[0] = '\0';
	FILE *f = file ? fopen(file, "re") : NULL;
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f))
		if (line[0] != '\n')
			snprintf(out, len, "%s", line);
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

/* Moving the init into its cgroups costs, on cgroup v1, a grace period of
 * the kernel's RCU (cgroup_threadgroup_rwsem), 5 to 15 ms here with the CPU
 * idle: a child of ours does it while the init builds its mounts. The init
 * waits for SYNC_CGROUPS before it takes its cgroup namespace, and the /proc
 * view's daemon, which reads the init's cgroups when it starts, is started
 * only then. Only the init goes in: the daemons and this monitor stay
 * outside, so they never count against its limits nor die by its OOM
 * killer. */
static int mover_start(struct ctr_container_proc *p, struct ctr_error *err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return ctr_fail(err, errno, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return ctr_fail(err, e, "fork");
	}
	if (pid == 0) {
		struct ctr_error e = {0};
		if (ctr_cgroup_add_pid(p->cgroup, p->init_pid, &e) < 0) {
			if (write(pipefd[1], &e, sizeof e) < 0) {
			}
			_exit(1);
		}
		_exit(0);
	}
	close(pipefd[1]);
	p->mover_pid = pid;
	p->mover_result = pipefd[0];
	p->mover_pidfd = pidfd_open_compat(pid);  /* -1: waited for at once below */
	return 0;
}

/* Reaps the mover; its error, if it failed. */
static int mover_finish(struct ctr_container_proc *p, struct ctr_error *err)
{
	struct ctr_error e;
	ssize_t n;
	while ((n = read(p->mover_result, &e, sizeof e)) < 0 && errno == EINTR)
		;
	int status = 0;
	while (waitpid(p->mover_pid, &status, 0) < 0 && errno == EINTR)
		;
	p->mover_pid = 0;
	close_fd(&p->mover_pidfd);
	close_fd(&p->mover_result);
	if (n == (ssize_t)sizeof e) {
		e.msg[sizeof e.msg - 1] = '\0';
		*err = e;
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return ctr_fail(err, 0, "the process moving the container into its cgroups died");
	return 0;
}

/* What the parent does while the init goes on: the cgroups, then the /proc
 * view's daemon if its fd came first. */
struct setup_wait {
	bool cgroups_set;
	int pending_view_fd;
};

/* The mover is done: tell the init, start a view daemon that waited. */
static int cgroups_set(const struct ctr_spec *spec, struct ctr_container_proc *p, struct setup_wait *w,
		       struct ctr_error *err);

/* Waits for the next message from the init, watching the daemon too: if it
 * dies first, the init would wait forever on its root. Returns 1 when
 * instead the mover finished (handled by cgroups_set). */
static int next_message(struct ctr_container_proc *p, struct sync_msg *msg, int *fd, struct ctr_error *err)
{
	int dpfd = p->fs_pid > 0 ? pidfd_open_compat(p->fs_pid) : -1;
	for (;;) {
		struct pollfd fds[3] = {{.fd = p->sync, .events = POLLIN},
					{.fd = p->mover_pidfd, .events = POLLIN},
					{.fd = dpfd, .events = POLLIN}};
		int rc = poll(fds, dpfd >= 0 ? 3 : 2, -1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			close_fd(&dpfd);
			return ctr_fail(err, errno, "poll");
		}
		if (fds[0].revents) {
			close_fd(&dpfd);
			if (ctr_sync_recv(p->sync, msg, fd) < 0)
				return ctr_fail(err, errno, "the container's setup process died%s",
						errno ? "" : " without saying why");
			if (msg->tag == SYNC_ERROR) {
				*err = msg->err;
				return -1;
			}
			return 0;
		}
		if (fds[1].revents) {
			close_fd(&dpfd);
			return 1;
		}
		if (dpfd >= 0 && fds[2].revents) {
			close_fd(&dpfd);
			char last[512];
			last_line(p->fs_log, last, sizeof last);
			return ctr_fail(err, 0, "the ctrfs daemon serving the container's root exited early: %s",
					last[0] ? last : "no message");
		}
	}
}

/* The mapping of a remapped root's volumes: ids 1-65535 as the container's
 * own, so files keep their host owners, except root: container root writes
 * volumes as root's first subordinate id, which it also owns there, and the
 * host's root files show as nobody. Mapping container root to host root
 * would let it plant setuid-root binaries for host users to run. */
static void volume_idmap(const struct ctr_spec *spec, struct ctr_idmap *m)
{
	memset(m, 0, sizeof *m);
	m->userns_fd = -1;
	const uint32_t nobody = 65534;
	for (int g = 0; g < 2; g++) {
		struct ctr_idmap_range *r = g ? m->gid : m->uid;
		int *n = g ? &m->n_gid : &m->n_uid;
		uint32_t base = g ? spec->idmap->gid[0].outside : spec->idmap->uid[0].outside;
		uint32_t root = g ? spec->volume_root_gid : spec->volume_root_uid;
		r[(*n)++] = (struct ctr_idmap_range){1, base + 1, 65535};
		r[(*n)++] = (struct ctr_idmap_range){root, base, 1};
		/* Host root's files as the host's nobody: not the container's, but
		 * still open to it by their mode bits. */
		if (nobody != root && (nobody < base || nobody - base >= 65536))
			r[(*n)++] = (struct ctr_idmap_range){0, nobody, 1};
	}
}

/* Remapped root's container: the volumes as detached, idmapped mounts made
 * here (as host root: the init could not reach many host paths, and only
 * the initial namespace may idmap), nosuid and nodev. Where a volume's file
 * system cannot be idmapped, a plain one, and a note saying what the
 * container will see. */
static int prepare_volumes(const struct ctr_spec *spec, struct ctr_error *err)
{
	if (!spec->remapped || spec->n_volumes == 0)
		return 0;
	struct ctr_idmap m;
	volume_idmap(spec, &m);
	int userns = ctr_idmap_userns_fd(&m, err);
	if (userns < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < spec->n_volumes; i++) {
		struct ctr_volume *v = &spec->volumes[i];
		v->tree_fd = open_tree(AT_FDCWD, v->host_path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (v->tree_fd < 0) {
			rc = ctr_fail(err, errno, "cannot bind volume %s", v->host_path);
			break;
		}
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						      (v->read_only ? MOUNT_ATTR_RDONLY : 0) | MOUNT_ATTR_IDMAP,
					  .userns_fd = (uint64_t)userns};
		if (mount_setattr(v->tree_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) == 0)
			continue;
		int e = errno;
		attr.attr_set &= ~(uint64_t)MOUNT_ATTR_IDMAP;
		if (mount_setattr(v->tree_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
			rc = ctr_fail(err, errno, "cannot make volume %s nosuid and nodev", v->host_path);
			break;
		}
		ctr_warn(spec->warnings, "note: volume %s cannot be idmapped (%s): in the container its files show "
					 "as owned by nobody, and what the container writes there belongs to host uid %u "
					 "and up", v->host_path, strerror(e), spec->idmap->uid[0].outside);
	}
	close(userns);
	if (rc < 0)
		release_volumes(spec);
	return rc;
}

int ctr_container_create(const struct ctr_spec *spec, struct ctr_container_proc *p, struct ctr_error *err)
{
	memset(p, 0, sizeof *p);
	p->pty_master = p->sync = p->exec_err = p->seccomp_listener = p->userns_fd = p->view_control = -1;
	p->mover_pidfd = p->mover_result = p->view_fuse = -1;
	p->fs_log = spec->fs_log;
	p->warnings = spec->warnings;
	p->met = spec->met;
	p->cgroup = spec->cgroup;  /* ours from here: abort removes it */
	int sv[2], ep[2];
	if (prepare_volumes(spec, err) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		release_volumes(spec);
		return ctr_fail(err, errno, "socketpair");
	}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		release_volumes(spec);
		return ctr_fail(err, e, "pipe");
	}
	/* The init starts in the container's dir, whatever the permissions of
	 * the store's parents (a remapped root cannot pass /var/lib/ctrrun):
	 * a new mount namespace takes the cloner's cwd along. */
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (chdir(spec->dir) < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		close(ep[0]);
		close(ep[1]);
		if (cwd >= 0)
			close(cwd);
		release_volumes(spec);
		return ctr_fail(err, e, "cannot enter %s", spec->dir);
	}
	/* No CLONE_NEWCGROUP here: the init unshares it once it is in its own
	 * cgroups, so that those are the root of its view. */
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
			      (spec->host_network ? 0 : CLONE_NEWNET);
	fflush(NULL);
	/* clone without CLONE_VM and without a stack behaves as fork: the child
	 * runs on a copy of this stack. */
	pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(sv[0]);
		close(ep[0]);
		container_init(spec, sv[1], ep[1]);
	}
	int clone_errno = errno;
	if (cwd < 0 || fchdir(cwd) < 0) {
		if (chdir("/") < 0) {
		}
	}
	if (cwd >= 0)
		close(cwd);
	release_volumes(spec);
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		close(ep[0]);
		close(ep[1]);
		return ctr_fail(err, clone_errno, "cannot create the container's namespaces");
	}
	close(sv[1]);
	close(ep[1]);
	p->init_pid = pid;
	p->sync = sv[0];
	p->exec_err = ep[0];
	ctr_proc_start_ticks(pid, &p->init_ticks);

	struct sync_msg msg;
	struct setup_wait w = {.pending_view_fd = -1};
	int fd = -1, rc;
	if (ctr_idmap_write(spec->idmap, pid, err) < 0 || (p->cgroup && mover_start(p, err) < 0))
		goto fail;
	if (ctr_sync_send(p->sync, SYNC_MAPPED, NULL, -1) < 0) {
		ctr_fail(err, errno, "the container's setup process died");
		goto fail;
	}
	if ((!p->cgroup || p->mover_pidfd < 0) && cgroups_set(spec, p, &w, err) < 0)
		goto fail;
	while ((rc = next_message(p, &msg, &fd, err)) == 1)
		if (cgroups_set(spec, p, &w, err) < 0)
			goto fail;
	if (rc < 0)
		goto fail;
	if (msg.tag != SYNC_FUSE_FD || fd < 0) {
		ctr_fail(err, EPROTO, "container setup: expected the fuse fd");
		goto fail;
	}
	rc = start_daemon(spec, DAEMON_UNION, p, fd, err);
	close_fd(&fd);
	if (rc < 0)
		goto fail;
	/* Then, in the order the init gets to them, until it is ready (which it
	 * is only in its cgroups). */
	for (;;) {
		if ((rc = next_message(p, &msg, &fd, err)) < 0)
			goto fail;
		if (rc == 1) {
			if (cgroups_set(spec, p, &w, err) < 0)
				goto fail;
			continue;
		}
		if (msg.tag == SYNC_READY)
			break;
		if (msg.tag == SYNC_PROC_FD && fd >= 0) {
			/* Its daemon reads the init's cgroups when it starts; the
			 * time namespace comes later and is read lazily. */
			w.pending_view_fd = fd;
			fd = -1;
			if (w.cgroups_set && cgroups_set(spec, p, &w, err) < 0)
				goto fail;
		} else if (msg.tag == SYNC_PTY_FD && fd >= 0) {
			p->pty_master = fd;
			fd = -1;
		} else if (msg.tag == SYNC_SECCOMP_FD && fd >= 0) {
			p->seccomp_listener = fd;
			fd = -1;
		} else {
			ctr_fail(err, EPROTO, "container setup: unexpected message '%c'", msg.tag);
			goto fail;
		}
	}
	close_fd(&fd);
	return 0;
fail:
	close_fd(&fd);
	close_fd(&w.pending_view_fd);
	ctr_container_abort(p);
	return -1;
}

static int cgroups_set(const struct ctr_spec *spec, struct ctr_container_proc *p, struct setup_wait *w,
		       struct ctr_error *err)
{
	if (!w->cgroups_set) {
		if (p->mover_pid > 0 && mover_finish(p, err) < 0)
			return -1;
		w->cgroups_set = true;
		if (ctr_sync_send(p->sync, SYNC_CGROUPS, NULL, -1) < 0)
			return ctr_fail(err, errno, "the container's setup process died");
	}
	if (w->pending_view_fd < 0)
		return 0;
	int rc = start_daemon(spec, DAEMON_PROC, p, w->pending_view_fd, err);
	close_fd(&w->pending_view_fd);
	return rc;
}

int ctr_container_start(struct ctr_container_proc *p, int *exec_errno, struct ctr_error *err)
{
	*exec_errno = 0;
	int rc = ctr_sync_send(p->sync, SYNC_GO, NULL, -1);
	close_fd(&p->sync);
	if (rc < 0)
		return ctr_fail(err, errno, "the container's init died before it could start");
	int e = 0;
	ssize_t n;
	while ((n = read(p->exec_err, &e, sizeof e)) < 0 && errno == EINTR)
		;
	close_fd(&p->exec_err);
	if (n == (ssize_t)sizeof e) {
		*exec_errno = e;
		return -1;
	}
	return 0;
}

void ctr_container_abort(struct ctr_container_proc *p)
{
	if (p->mover_pid > 0) {  /* before the cgroups go */
		struct ctr_error ignored;
		mover_finish(p, &ignored);
	}
	close_fd(&p->sync);
	close_fd(&p->exec_err);
	close_fd(&p->pty_master);
	close_fd(&p->seccomp_listener);
	close_fd(&p->view_control);
	close_fd(&p->view_fuse);
	close_fd(&p->userns_fd);
	if (p->init_pid > 0) {
		kill(p->init_pid, SIGKILL);
		while (waitpid(p->init_pid, NULL, 0) < 0 && errno == EINTR)
			;
		p->init_pid = 0;
	}
	ctr_container_wait_daemon(p, 10000);
	ctr_container_remove_cgroups(p);
}

void ctr_container_remove_cgroups(struct ctr_container_proc *p)
{
	if (!p->cgroup)
		return;
	struct ctr_error err = {0};
	if (ctr_cgroup_remove(p->cgroup, true, &err) < 0)
		ctr_errors_add(p->met, &err);  /* the caller's to report: its command does not exit 0 */
	ctr_cgroup_free(p->cgroup);
	p->cgroup = NULL;
}

void ctr_container_wait_daemon(struct ctr_container_proc *p, int timeout_ms)
{
	close_fd(&p->view_fuse);
	/* The /proc view's daemon ends with the namespace too. */
	if (p->proc_pid > 0 && !wait_child(p->proc_pid, timeout_ms)) {
		kill(p->proc_pid, SIGKILL);
		wait_child(p->proc_pid, -1);
	}
	p->proc_pid = 0;
	if (p->fs_pid <= 0)
		return;
	if (!wait_child(p->fs_pid, timeout_ms)) {
		ctr_warn(p->warnings, "the ctrfs daemon (pid %d) did not exit %d s after the container; killing it",
			 (int)p->fs_pid, timeout_ms / 1000);
		kill(p->fs_pid, SIGKILL);
		wait_child(p->fs_pid, -1);
	}
	p->fs_pid = 0;
}
