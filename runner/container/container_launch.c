/* Launching a recorded container and seeing it through to its end. The
 * foreground and the detached case differ only in who does this (ctrrun
 * itself, or a monitor forked off and detached with setsid) and in whether
 * output is also copied to the terminal. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroups.h"
#include "container_launch.h"
#include "container_remove.h"
#include "container_setup.h"
#include "ctr/cleanup.h"
#include "exit_code.h"
#include "log_writer.h"
#include "met_errors.h"
#include "monitor.h"
#include "proc_stat.h"
#include "process_exec.h"
#include "remove_tree.h"
#include "spec_build.h"
#include "terminal.h"
#include "view_channel.h"

/* How a detached monitor tells ctrrun that the container runs, or why not,
 * with what it met on the way (its stderr is /dev/null: ctrrun reports it). */
struct launch_report {
	int code;             /* 0: running; else the exit code for ctrrun */
	struct ctr_errors met;
	struct ctr_warnings warnings;
};

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return CTRRUN_EXIT_ERROR;
}

/* A container that never ran goes entirely (a fresh run), or stays as it
 * was (start of an existing one). */
static void never_ran(struct ctrrun *rt, const struct ctr_db_container *rec, const struct launch_opts *o,
		      const char *dir, struct ctr_errors *met)
{
	struct ctr_error err = {0};
	if (!o->remove_if_never_ran)
		return;
	if (ctr_remove_tree_as(&rt->idmap, dir, &err) < 0)
		ctr_errors_add(met, &err);
	if (ctr_db_delete_container(rt->db, rec->id, &err) != CTR_DB_OK)
		ctr_errors_add(met, &err);
	else
		ctr_container_event(rt, rec->id, rec->name, "destroy", NULL);
}

static void record_exit(struct ctrrun *rt, const struct ctr_db_container *rec, int code, struct ctr_errors *met)
{
	struct ctr_error err = {0};
	char attrs[64];
	snprintf(attrs, sizeof attrs, "{\"exitCode\":%d}", code);
	if (ctr_db_set_exited(rt->db, rec->id, code, ctr_now_ns(), &err) != CTR_DB_OK)
		ctr_errors_add(met, &err);
	ctr_container_event(rt, rec->id, rec->name, "die", attrs);
	if (rec->auto_remove) {
		struct ctr_db_container c;
		if (ctr_db_get_container(rt->db, rec->id, &c, &err) != CTR_DB_OK ||
		    ctr_container_remove(rt, &c, false, &err, met) < 0)
			ctr_errors_add(met, &err);
		else
			ctr_db_container_free(&c);
	}
}

/* The cgroup directories in state.db (exec joins them, rm and crash cleanup
 * remove them), with the limits as they were recorded; NULL: gone. */
static void record_cgroup(struct ctrrun *rt, const struct ctr_db_container *rec, struct ctr_cgroup *cg,
			  struct ctr_errors *met)
{
	struct ctr_error err = {0};
	struct ctr_db_resources r = {0};
	if (ctr_db_get_resources(rt->db, rec->id, &r, &err) != CTR_DB_OK) {
		ctr_errors_add(met, &err);
		return;
	}
	free(r.cgroup);
	r.cgroup = cg ? ctr_cgroup_to_json(cg) : NULL;
	if ((cg && !r.cgroup) || ctr_db_set_resources(rt->db, rec->id, &r, &err) != CTR_DB_OK)
		ctr_errors_add(met, &err);
	if (cg && ctr_db_set_oom_killed(rt->db, rec->id, false, &err) != CTR_DB_OK)
		ctr_errors_add(met, &err);
	ctr_db_resources_free(&r);
}

/* What the monitor watches besides the init: the container's two daemons. */
struct daemon_watch {
	struct ctrrun *rt;
	const struct ctr_db_container *rec;
	const struct ctr_spec *spec;
	struct ctr_container_proc *proc;
	struct view_channel *view;
	struct ctr_errors *met;
	char error[256];  /* why the monitor stopped the container, for the record */
	bool stopping;    /* it stops it: its daemons' ends are no news */
};

/* The init has not exited (it may be a zombie we have not reaped yet). */
static bool init_running(pid_t pid)
{
	siginfo_t si = {0};
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0;
}

/* Reaps daemon *PID if it exited; then *PID is 0 and STATUS says how. */
static bool daemon_exited(pid_t *pid, int *status)
{
	if (*pid <= 0 || waitpid(*pid, status, WNOHANG) != *pid)
		return false;
	*pid = 0;
	return true;
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
}

/* A daemon that dies while the container runs: the union daemon takes the
 * container's root with it, so the container is stopped (an idle one would
 * otherwise stay Up with a dead root) and the reason recorded; the /proc
 * view's daemon is started again, its files put back over the container's
 * /proc, and the sysinfo listeners handed to it. */
static void check_daemons(void *arg)
{
	struct daemon_watch *w = arg;
	struct ctr_container_proc *p = w->proc;
	int status;
	char how[64], attrs[160];
	/* A daemon whose mount went away exits 0: the container is ending (its
	 * mount namespace goes while the init exits, before it is a zombie).
	 * Killed, or failing, it died on its own. */
	if (!init_running(p->init_pid) || w->stopping)
		return;
	if (daemon_exited(&p->fs_pid, &status) && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		w->stopping = true;
		describe_status(status, how, sizeof how);
		snprintf(w->error, sizeof w->error, "its root file system's daemon died (%s)", how);
		snprintf(attrs, sizeof attrs, "{\"daemon\":\"ctrfs\",\"status\":\"%s\"}", how);
		ctr_container_event(w->rt, w->rec->id, w->rec->name, "daemon-died", attrs);
		kill(p->init_pid, SIGKILL);
		return;
	}
	if (daemon_exited(&p->proc_pid, &status) && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		describe_status(status, how, sizeof how);
		ctr_container_forget_view(p);
		struct ctr_error err = {0};
		bool ok = ctr_container_restart_view(w->spec, p, &err) == 0;
		if (ok) {
			ctr_view_channel_set_daemon(w->view, p->view_control);
			p->view_control = -1;
		}
		snprintf(attrs, sizeof attrs, "{\"daemon\":\"ctrfs proc\",\"status\":\"%s\",\"restarted\":%s}", how,
			 ok ? "true" : "false");
		ctr_container_event(w->rt, w->rec->id, w->rec->name, "daemon-died", attrs);
		if (!ok)
			ctr_errors_add(w->met, &err);
	}
}

/* The init can fault on its dead root (SIGBUS) before the union daemon's
 * death is seen: both SIGCHLDs then arrive together, and check_daemons finds
 * the init already gone. The daemon, killed first, is still unreaped then:
 * its death is recorded as the reason all the same. */
static void check_root_after_exit(struct daemon_watch *w, int status)
{
	int st;
	char how[64], attrs[160];
	if (w->stopping || !WIFSIGNALED(status) || WTERMSIG(status) != SIGBUS)
		return;
	if (!daemon_exited(&w->proc->fs_pid, &st) || (WIFEXITED(st) && WEXITSTATUS(st) == 0))
		return;
	describe_status(st, how, sizeof how);
	snprintf(w->error, sizeof w->error, "its root file system's daemon died (%s)", how);
	snprintf(attrs, sizeof attrs, "{\"daemon\":\"ctrfs\",\"status\":\"%s\"}", how);
	ctr_container_event(w->rt, w->rec->id, w->rec->name, "daemon-died", attrs);
}

/* write(2) to a pipe whose reader may be gone (killed): it then fails
 * with EPIPE, and the SIGPIPE it raises is blocked here and taken back, so
 * that it ends neither the monitor nor ctrrun. */
static ssize_t write_no_sigpipe(int fd, const void *buf, size_t len)
{
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	ssize_t n = write(fd, buf, len);
	if (n < 0 && errno == EPIPE)
		sigtimedwait(&pipe_set, NULL, &(struct timespec){0, 0});
	sigprocmask(SIG_SETMASK, &old, NULL);
	return n;
}

/* Sends CODE with what was met so far (then delivered: the lists are
 * emptied) to ctrrun through FD, and closes it. */
static void report(int fd, int code, struct ctr_errors *met, struct ctr_warnings *warnings)
{
	if (fd < 0)
		return;
	struct launch_report *r = calloc(1, sizeof *r);
	if (r) {
		r->code = code;
		r->met = *met;
		r->warnings = *warnings;
		/* ctrrun may be gone (killed): the container runs on regardless. */
		for (size_t done = 0; done < sizeof *r;) {
			ssize_t n = write_no_sigpipe(fd, (char *)r + done, sizeof *r - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			done += (size_t)n;
		}
		free(r);
		*met = (struct ctr_errors){0};
		*warnings = (struct ctr_warnings){0};
	}
	close(fd);
}

/* Everything from the clone to the recorded exit. REPORT_FD (detached) gets
 * the launch result as soon as it is known. Errors go to MET, notes to
 * rt->warnings; REASON (256 bytes) gets why the monitor stopped the
 * container, if it did. */
static int launch_and_monitor(struct ctrrun *rt, const struct ctr_db_container *rec, const struct launch_opts *o,
			      int report_fd, struct ctr_cgroup *cg, struct ctr_errors *met, char *reason)
{
	struct ctr_error err = {0};
	struct built_spec b;
	int code = CTRRUN_EXIT_ERROR;
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, inp[2] = {-1, -1};
	struct ctr_container_proc proc = {.pty_master = -1, .sync = -1, .exec_err = -1};
	struct term_state term = {0};
	bool ran = false;
	struct view_channel *view = NULL;  /* exec'd processes' sysinfo listeners */

	sigset_t mask;
	ctr_monitor_block_signals(&mask);
	int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);

	if (ctr_spec_build(rt, rec, &b, &err) < 0)
		goto fail;
	b.spec.proc_view = !o->no_proc_view;
	b.spec.cgroup = cg;
	b.spec.warnings = &rt->warnings;
	b.spec.met = met;
	/* The staging dir of the /proc view; containers made before it existed lack it. */
	if (b.spec.proc_view && mkdir(b.proc_staging, 0755) < 0 && errno != EEXIST) {
		ctr_fail(&err, errno, "cannot create %s", b.proc_staging);
		goto fail;
	}
	if (sigfd < 0) {
		ctr_fail(&err, errno, "signalfd");
		goto fail;
	}
	if (!rec->tty) {
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
			ctr_fail(&err, errno, "pipe");
			goto fail;
		}
		/* Bigger pipes: fewer wake-ups for a chatty container. */
		fcntl(out[0], F_SETPIPE_SZ, 1 << 20);
		fcntl(errp[0], F_SETPIPE_SZ, 1 << 20);
		b.spec.stdout_fd = out[1];
		b.spec.stderr_fd = errp[1];
		/* -i: a pipe that the monitor fills from our stdin, never our stdin
		 * itself (a file of the host, reopenable through /proc/1/fd/0). */
		if (o->stdin_from_us) {
			if (pipe2(inp, O_CLOEXEC) < 0) {
				ctr_fail(&err, errno, "pipe");
				goto fail;
			}
			b.spec.stdin_fd = inp[0];
		}
	}
	/* From here the setup owns the cgroups: its abort removes them. */
	cg = NULL;
	if (ctr_container_create(&b.spec, &proc, &err) < 0)
		goto fail;
	for (int *fd = &out[1]; fd; fd = fd == &out[1] ? &errp[1] : fd == &errp[1] ? &inp[0] : NULL)
		if (*fd >= 0) {
			close(*fd);
			*fd = -1;
		}
	/* Before it is marked running (exec needs that): the socket through
	 * which exec'd processes' sysinfo listeners reach the view's daemon. */
	if (ctr_view_channel_open(b.dir, proc.view_control, &view, &err) < 0) {
		proc.view_control = -1;
		ctr_container_abort(&proc);
		goto fail;
	}
	proc.view_control = -1;  /* the channel has it */
	if (proc.seccomp_listener >= 0)
		ctr_view_channel_keep(view, proc.seccomp_listener);
	struct ctr_db_processes procs = {.monitor_pid = getpid(), .fs_pid = proc.fs_pid, .fs_start_ticks = proc.fs_ticks};
	ctr_proc_start_ticks(getpid(), &procs.monitor_start_ticks);
	if (ctr_db_set_processes(rt->db, rec->id, &procs, &err) != CTR_DB_OK ||
	    ctr_db_set_running(rt->db, rec->id, proc.init_pid, proc.init_ticks, ctr_now_ns(), &err) != CTR_DB_OK) {
		ctr_container_abort(&proc);
		goto fail;
	}
	ctr_container_event(rt, rec->id, rec->name, "start", NULL);
	record_cgroup(rt, rec, proc.cgroup, met);
	/* Threads only now: every fork of the setup is done. */
	struct log_writer *log = NULL;
	if (ctr_log_writer_start(&log, rt->root, rec->id, &err) < 0) {
		ctr_container_abort(&proc);
		record_exit(rt, rec, CTRRUN_EXIT_ERROR, met);
		ctr_errors_add(met, &err);
		report(report_fd, CTRRUN_EXIT_ERROR, met, &rt->warnings);
		report_fd = -1;
		goto out;
	}
	if (proc.pty_master >= 0 && !o->detach) {
		ctr_term_copy_size(0, proc.pty_master);
		/* As docker: raw only when keys go to the container (-i); with -t
		 * alone, Ctrl-C stays a signal to ctrrun, which forwards it. */
		if (rec->interactive)
			ctr_term_make_raw(0, &term);
	}
	int exec_errno = 0;
	if (ctr_container_start(&proc, &exec_errno, &err) < 0) {
		ctr_term_restore(0, &term);
		if (exec_errno)
			ctr_fail(&err, 0, "cannot run \"%s\" in the container: %s", b.argv[0],
				 exec_errno == ENOENT && !strchr(b.argv[0], '/') ? "executable file not found in $PATH"
										 : strerror(exec_errno));
		code = exec_errno == ENOENT || exec_errno == ENOTDIR ? CTRRUN_EXIT_NOT_FOUND
		       : exec_errno                                  ? CTRRUN_EXIT_NOT_EXECUTABLE
								     : CTRRUN_EXIT_ERROR;
		ctr_container_abort(&proc);
		struct ctr_error ignored;
		ctr_log_writer_finish(log, &ignored);
		if (o->remove_if_never_ran) {
			never_ran(rt, rec, o, b.dir, met);
		} else {
			ctr_db_set_exited(rt->db, rec->id, code, ctr_now_ns(), &ignored);
		}
		ctr_errors_add(met, &err);
		report(report_fd, code, met, &rt->warnings);
		report_fd = -1;
		goto out;
	}
	ran = true;
	report(report_fd, 0, met, &rt->warnings);
	report_fd = -1;
	/* Foreground: the top says what was met so far before the container's
	 * output comes. */
	if (o->running)
		o->running(rt, met);

	struct daemon_watch watch = {.rt = rt, .rec = rec, .spec = &b.spec, .proc = &proc, .view = view, .met = met};
	struct monitor_io io = {.out = out[0], .err = errp[0], .pty_master = proc.pty_master, .in = inp[1],
				.attach = !o->detach, .forward_stdin = !o->detach && rec->interactive, .sigfd = sigfd,
				.view = view, .check_daemons = check_daemons, .daemons_arg = &watch};
	out[0] = errp[0] = inp[1] = -1;
	/* The container may close its stdin early: EPIPE then, not death. */
	if (io.in >= 0)
		signal(SIGPIPE, SIG_IGN);
	int status = ctr_monitor_supervise(&proc, &io, log);
	check_root_after_exit(&watch, status);
	ctr_term_restore(0, &term);
	ctr_container_wait_daemon(&proc, 10000);
	if (proc.cgroup) {
		/* Before the cgroups go: did the OOM killer end it? (docker: 137 + OOMKilled) */
		if (ctr_cgroup_oom_killed(proc.cgroup) &&
		    ctr_db_set_oom_killed(rt->db, rec->id, true, &err) != CTR_DB_OK)
			ctr_errors_add(met, &err);
		ctr_container_remove_cgroups(&proc);
		record_cgroup(rt, rec, NULL, met);
	}
	if (ctr_log_writer_finish(log, &err) < 0)
		ctr_errors_add(met, &err);
	code = exit_code_of(status);
	if (watch.error[0] && ctr_db_set_error(rt->db, rec->id, watch.error, &err) != CTR_DB_OK)
		ctr_errors_add(met, &err);
	if (reason)
		snprintf(reason, 256, "%s", watch.error);
	/* --rm removes files of subordinate ids as root of the container's own
	 * user namespace, still held by this fd: no new one to map. */
	rt->idmap.userns_fd = proc.userns_fd;
	record_exit(rt, rec, code, met);
	rt->idmap.userns_fd = -1;
	if (proc.userns_fd >= 0)
		close(proc.userns_fd);
	proc.userns_fd = -1;
	goto out;

fail:
	ctr_errors_add(met, &err);
	if (cg) {
		/* Failed before the setup took it over. */
		proc.cgroup = cg;
		proc.met = met;
		ctr_container_remove_cgroups(&proc);
	}
	if (!ran)
		never_ran(rt, rec, o, b.dir ? b.dir : "", met);
	report(report_fd, CTRRUN_EXIT_ERROR, met, &rt->warnings);
	report_fd = -1;
	code = CTRRUN_EXIT_ERROR;
out:
	ctr_view_channel_close(view);
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (inp[i] >= 0)
			close(inp[i]);
	}
	if (sigfd >= 0)
		close(sigfd);
	ctr_spec_free(&b);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	return code;
}

/* The detached monitor's one place that reports, after the report to ctrrun
 * (its stderr is /dev/null): what it met later goes into the container's
 * record, after why it stopped the container (REASON), as the error inspect
 * shows. A container removed meanwhile (--rm) has no record to take it. */
static void monitor_record_met(struct ctrrun *rt, const struct ctr_db_container *rec, const char *reason,
			       const struct ctr_errors *met)
{
	if (met->lines.len == 0 && rt->warnings.len == 0)
		return;
	char text[1024];
	size_t n = (size_t)snprintf(text, sizeof text, "%s", reason);
	const struct ctr_warnings *lists[] = {&met->lines, &rt->warnings};
	for (size_t l = 0; l < 2; l++) {
		size_t pos = 0;
		int len;
		for (const char *line; n < sizeof text && (line = ctr_lines_next(lists[l], &pos, &len));)
			n += (size_t)snprintf(text + n, sizeof text - n, "%s%.*s", n ? "; " : "", len, line);
	}
	struct ctr_error ignored;
	if (rt->db)
		ctr_db_set_error(rt->db, rec->id, text, &ignored);
}

/* Reads a whole launch report; false when the monitor ended first. */
static bool read_report(int fd, struct launch_report *r)
{
	size_t done = 0;
	while (done < sizeof *r) {
		ssize_t n = read(fd, (char *)r + done, sizeof *r - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

/* The monitor process: its own session, no terminal, nothing of ctrrun's
 * stdio; it reports to ctrrun once the container runs, then lives on. */
static int launch_detached(struct ctrrun *rt, const struct ctr_db_container *rec, const struct launch_opts *o,
			   struct ctr_cgroup *cg, struct ctr_errors *met)
{
	/* GO: the monitor waits until ctrrun has recorded it as the created
	 * container's monitor, so that no instant exists at which the only
	 * monitor recorded is a ctrrun that was killed while the real one is at
	 * work (crash cleanup would remove the container under it). If ctrrun
	 * dies before that, the monitor sees the end of the pipe and exits. */
	struct ctr_error err = {0};
	int pipefd[2], go[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		ctr_fail(&err, errno, "pipe");
		ctr_errors_add(met, &err);
		return CTRRUN_EXIT_ERROR;
	}
	/* No SQLite connection may cross a fork: the child's own connections
	 * would share the inherited one's lock bookkeeping and take no locks of
	 * their own, and other processes would then truncate the shared memory
	 * or delete the WAL under it. Closed here, reopened on both sides. */
	ctr_db_close(rt->db);
	rt->db = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid > 0) {
		close(go[0]);
		if (ctr_store_open_db(rt, &err) < 0)
			ctr_errors_add(met, &err);
		struct ctr_db_processes procs = {.monitor_pid = pid};
		if (rt->db && rec->state == CTR_DB_CREATED && ctr_proc_start_ticks(pid, &procs.monitor_start_ticks) == 0 &&
		    ctr_db_set_processes(rt->db, rec->id, &procs, &err) != CTR_DB_OK)
			ctr_errors_add(met, &err);
		/* A monitor gone already: its missing report says so below. */
		write_no_sigpipe(go[1], "g", 1);
		close(go[1]);
	}
	if (pid < 0) {
		ctr_fail(&err, errno, "cannot start the monitor");
		ctr_errors_add(met, &err);
		close(pipefd[0]);
		close(pipefd[1]);
		close(go[0]);
		close(go[1]);
		if (cg && ctr_cgroup_remove(cg, true, &err) < 0)
			ctr_errors_add(met, &err);
		if (cg)
			ctr_cgroup_free(cg);
		return CTRRUN_EXIT_ERROR;
	}
	if (pid == 0) {
		close(pipefd[0]);
		close(go[1]);
		char g;
		ssize_t n;
		while ((n = read(go[0], &g, 1)) < 0 && errno == EINTR)
			;
		close(go[0]);
		if (n != 1)
			_exit(CTRRUN_EXIT_ERROR);  /* ctrrun was killed: nothing was started */
		setsid();
		if (chdir("/") < 0) {
		}
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		/* Nothing of the caller's goes along into the monitor's long life. */
		{
			int keep[] = {0, 1, 2, pipefd[1]};
			ctr_close_fds_except(keep, sizeof keep / sizeof keep[0]);
		}
		/* The monitor's own lists: until the report they go to ctrrun,
		 * after it into the container's record. ctrrun's, copied by
		 * the fork, are ctrrun's to print. */
		struct ctr_errors mine = {0};
		rt->warnings = (struct ctr_warnings){0};
		if (ctr_store_open_db(rt, &err) < 0) {
			ctr_errors_add(&mine, &err);
			report(pipefd[1], CTRRUN_EXIT_ERROR, &mine, &rt->warnings);
			_exit(CTRRUN_EXIT_ERROR);
		}
		char reason[256] = "";
		int code = launch_and_monitor(rt, rec, o, pipefd[1], cg, &mine, reason);
		monitor_record_met(rt, rec, reason, &mine);
		ctr_store_fini(rt);
		_exit(code);
	}
	close(pipefd[1]);
	if (cg)
		ctr_cgroup_free(cg);  /* the monitor has it; this copy is only memory */
	struct launch_report *r = calloc(1, sizeof *r);
	bool got = r && read_report(pipefd[0], r);
	close(pipefd[0]);
	if (!got) {
		free(r);
		ctr_fail(&err, 0, "the monitor of container %.12s died while starting it", rec->id);
		ctr_errors_add(met, &err);
		return CTRRUN_EXIT_ERROR;
	}
	/* What the monitor met, said here (its stderr is /dev/null). */
	ctr_warnings_merge(&rt->warnings, &r->warnings);
	if (met) {
		ctr_warnings_merge(&met->lines, &r->met.lines);
		met->n += r->met.n;
	}
	int code = r->code;
	free(r);
	return code;
}

int ctr_container_launch(struct ctrrun *rt, const struct ctr_db_container *rec, const struct launch_opts *o,
		     struct ctr_errors *met)
{
	/* The cgroups are made here, before any fork: on cgroup v2 ctrrun may
	 * have to move itself to a leaf first, which the kernel allows only
	 * while it is the only process in its cgroup. */
	struct ctr_error err = {0};
	struct ctr_limits limits;
	struct ctr_cgroup *cg = NULL;
	int rc = ctr_spec_limits(rt, rec->id, &limits, &err);
	char name[32];
	snprintf(name, sizeof name, "ctrrun-%.12s", rec->id);
	if (rc == 0 && (ctr_limits_any(&limits) || !rt->rootless))
		rc = ctr_cgroup_create(NULL, name, &limits, &cg, &err);
	/* Root's containers have cgroups of their own everywhere, limits or
	 * not: their cgroup namespace is never rooted at a host cgroup. */
	if (rc == 0 && !rt->rootless && (rc = ctr_cgroup_add_hierarchies(NULL, cg, name, &err)) < 0) {
		struct ctr_error ignored;
		ctr_cgroup_remove(cg, true, &ignored);
		ctr_cgroup_free(cg);
		cg = NULL;
	}
	ctr_limits_free(&limits);
	if (rc < 0) {
		ctr_errors_add(met, &err);
		_cleanup_free_ char *dir = ctr_store_container_dir(rt, rec->id);
		never_ran(rt, rec, o, dir ? dir : "", met);
		return CTRRUN_EXIT_ERROR;
	}
	/* Recorded at once, not only once the container runs: a ctrrun killed
	 * while it sets the container up leaves cgroups that whoever removes
	 * the container then finds (crash cleanup, rm). */
	if (cg)
		record_cgroup(rt, rec, cg, met);
	return o->detach ? launch_detached(rt, rec, o, cg, met) : launch_and_monitor(rt, rec, o, -1, cg, met, NULL);
}
