/* ctrrun exec: a new process in a running container. It joins all the
 * init's namespaces through its pidfd (so a reused pid can never be joined
 * by mistake), becomes the container's user with the same privileges as the
 * init got, and execs. Process tree: ctrrun (relays the terminal or the
 * stdio pipes, forwards signals) -> joiner (setns; a setns'd PID namespace
 * applies to children only) -> the command, PID n inside the container.
 *
 * Nothing of the host may be reachable from the container at any instant:
 * the database is closed before the fork, the joiner is non-dumpable before
 * its first setns (so /proc/PID/fd and /proc/PID/exe of it and of the
 * command stay closed to the container until the execve) and holds only the
 * fds it needs, and the command's stdio are pipes or a pty of the
 * container's, never ctrrun's own files. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>

#include "container_args.h"
#include "ctr/strv.h"
#include "cgroups.h"
#include "confinement.h"
#include "spec_build.h"
#include "cli_options.h"
#include "ctrrun.h"
#include "monitor.h"
#include "image_config.h"
#include "process_creds.h"
#include "process_exec.h"
#include "proc_stat.h"
#include "stale.h"
#include "sync_channel.h"
#include "sysinfo_filter.h"
#include "terminal.h"
#include "view_channel.h"

static const char exec_usage[] =
	"usage: ctrrun exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
	"Run a command in a running container, in all its namespaces.\n"
	"  -i, --interactive   forward stdin\n"
	"  -t, --tty           a pseudo-terminal from the container's devpts\n"
	"  -e, --env N=V       an environment variable (the container's are inherited)\n"
	"  -w, --workdir DIR   working directory (default: the container's)\n"
	"  -u, --user U[:G]    user (default: the container's)\n"
	"  -h, --help          this help\n"
	"Exit status: the command's; 125 ctrrun failed (e.g. the container is not\n"
	"running); 126 not executable; 127 not found.\n";

struct exec_opts {
	bool interactive, tty;
	const struct ctr_confinement *conf;  /* the container's capabilities and seccomp filter */
	bool sysinfo_view;   /* the container has a /proc view: sysinfo goes to it */
	char **env;          /* the container's, then -e; NULL-terminated */
	size_t n_env;
	const char *workdir, *user;
	char **argv;
};

/* o->env borrows its strings: one replaced is not freed. */
static int env_set(struct exec_opts *o, const char *entry)
{
	char *replaced;
	return ctr_env_set(&o->env, &o->n_env, (char *)entry, &replaced);
}

/* The command's side, in the container's PID namespace. MASTER (with -t)
 * is the pty the joiner opened from the container's devpts. */
static __attribute__((noreturn)) void run_command(const struct exec_opts *o, int master, int sync, int exec_err,
						  bool can_setgroups)
{
	struct ctr_error err = {0};
	struct creds creds;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (master >= 0) {
		int n;
		char name[32];
		int slave = -1;
		if (ioctl(master, TIOCGPTN, &n) == 0) {
			snprintf(name, sizeof name, "/dev/pts/%d", n);
			slave = open(name, O_RDWR | O_CLOEXEC);
		}
		if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) {
			ctr_fail(&err, errno, "cannot open a terminal in the container");
			ctr_sync_send(sync, SYNC_ERROR, &err, -1);
			_exit(CTRRUN_EXIT_ERROR);
		}
		close(master);
		for (int fd = 0; fd < 3; fd++)
			dup2(slave, fd);
		if (slave > 2)
			close(slave);
	}
	if (ctr_creds_resolve(o->user, &creds, &err) < 0)
		goto fail;
	if (master >= 0 && creds.uid != 0 && fchown(0, creds.uid, (gid_t)-1) < 0) {
		/* the user could not reopen its terminal; it still has the fds */
	}
	{
		int keep[] = {0, 1, 2, sync, exec_err};
		ctr_close_fds_except(keep, sizeof keep / sizeof keep[0]);
	}
	if (ctr_creds_apply(&creds, can_setgroups, o->conf->caps, &err) < 0)
		goto fail;
	prctl(PR_SET_PDEATHSIG, SIGKILL);  /* again: a credential change clears it */
	if (chdir(o->workdir ? o->workdir : "/") < 0) {
		ctr_fail(&err, errno, "cannot change to the working directory %s", o->workdir);
		goto fail;
	}
	/* sysinfo to the /proc view's daemon, as the init's processes have it:
	 * a filter of our own, whose listener ctrrun hands to the monitor. */
	if (o->sysinfo_view) {
		int listener = ctr_sysinfo_filter_install(&err);
		if (listener < 0)
			goto fail;
		int rc = ctr_sync_send(sync, SYNC_SECCOMP_FD, NULL, listener);
		close(listener);
		if (rc < 0) {
			ctr_fail(&err, errno, "cannot pass the sysinfo listener to ctrrun");
			goto fail;
		}
	}
	/* The container's own filter, as its init has it; last but the report
	 * and the exec. */
	int unused_listener;
	if (ctr_seccomp_load(o->conf->seccomp, &unused_listener, &err) < 0)
		goto fail;
	ctr_sync_send(sync, SYNC_READY, NULL, -1);
	close(sync);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	umask(022);  /* as the init's, not ctrrun's caller's */
	exec_in_container(o->argv, o->env, creds.home, exec_err);
fail:
	ctr_sync_send(sync, SYNC_ERROR, &err, -1);
	_exit(CTRRUN_EXIT_ERROR);
}

/* The joiner: enters the namespaces, forks the command (which lands in the
 * container's PID namespace), passes on its pid, its pty and its fate.
 * STDIO become its 0, 1 and 2 (and the command's): the ends of ctrrun's
 * pipes, or /dev/null with a terminal. */
static __attribute__((noreturn)) void join_and_run(int pidfd, const struct exec_opts *o, int sync, int exec_err,
						   bool can_setgroups, struct ctr_cgroup *cg, const int stdio[3])
{
	struct ctr_error err = {0};
	/* Before anything of the container exists for us: from here until the
	 * command's execve, its processes may not ptrace us nor open our
	 * /proc/PID/fd, /proc/PID/exe or memory. The command inherits it. */
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int fds[3];
	/* Out of the way of 0-2 first, so that no dup2 clobbers another. */
	for (int i = 0; i < 3; i++)
		if ((fds[i] = stdio[i] < 3 ? fcntl(stdio[i], F_DUPFD_CLOEXEC, 3) : stdio[i]) < 0)
			_exit(CTRRUN_EXIT_ERROR);
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			_exit(CTRRUN_EXIT_ERROR);
	{
		int keep[] = {0, 1, 2, pidfd, sync, exec_err};
		ctr_close_fds_except(keep, sizeof keep / sizeof keep[0]);
	}
	/* Into the container's cgroups first, while still the host's root (its
	 * limits then hold for the command too, which inherits them). */
	if (cg && ctr_cgroup_add_pid(cg, getpid(), &err) < 0)
		goto fail;
	int types = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
		    CLONE_NEWCGROUP | CLONE_NEWTIME;
	/* With --network host the network namespace is the host's, which a
	 * user namespace's root may not join: then everything but it. */
	if (setns(pidfd, types) < 0 && setns(pidfd, types & ~CLONE_NEWNET) < 0) {
		ctr_fail(&err, errno, "cannot join the container's namespaces");
		goto fail;
	}
	close(pidfd);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		ctr_fail(&err, errno, "cannot become root in the container's user namespace");
		goto fail;
	}
	if (can_setgroups)
		setgroups(0, NULL);
	int master = -1;
	if (o->tty) {
		int unlock = 0;
		master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0) {
			ctr_fail(&err, errno, "cannot open /dev/pts/ptmx in the container");
			goto fail;
		}
	}
	pid_t pid = fork();
	if (pid < 0) {
		ctr_fail(&err, errno, "fork");
		goto fail;
	}
	if (pid == 0)
		run_command(o, master, sync, exec_err, can_setgroups);
	close(exec_err);
	ctr_sync_send_value(sync, SYNC_PID, pid);
	if (master >= 0) {
		ctr_sync_send(sync, SYNC_PTY_FD, NULL, master);
		close(master);
	}
	close(sync);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WIFEXITED(status) ? WEXITSTATUS(status) : 125);
fail:
	ctr_sync_send(sync, SYNC_ERROR, &err, -1);
	_exit(CTRRUN_EXIT_ERROR);
}

/* 0, 1 after --help (printed), -1 after an error (printed). */
static int parse(struct exec_opts *o, int argc, char **argv, const char **ref, char ***extra_env, size_t *n_extra)
{
	static const struct option options[] = {
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"env", required_argument, NULL, 'e'},
		{"workdir", required_argument, NULL, 'w'},
		{"user", required_argument, NULL, 'u'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctr_error err = {0};
	struct cli_options p;
	int opt;
	cli_options_start(&p, "exec", "+ite:w:u:h", options, argc, argv);
	while ((opt = cli_options_next(&p, &err)) != -1) {
		switch (opt) {
		case 'i':
			o->interactive = true;
			break;
		case 't':
			o->tty = true;
			break;
		case 'e':
			(*extra_env)[(*n_extra)++] = optarg;
			break;
		case 'w':
			o->workdir = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'h':
			fputs(exec_usage, stdout);
			return 1;
		default:
			cli_usage_error(&err);
			return -1;
		}
	}
	int i = optind;
	if (i + 1 >= argc) {
		fprintf(stderr, "ctrrun: exec needs a container and a command\n%s", exec_usage);
		return -1;
	}
	for (size_t k = 0; k < *n_extra; k++)
		if (!strchr((*extra_env)[k], '=') || (*extra_env)[k][0] == '=') {
			fprintf(stderr, "ctrrun: exec: -e '%s': expected NAME=VALUE\n", (*extra_env)[k]);
			return -1;
		}
	if (o->workdir && o->workdir[0] != '/') {
		fprintf(stderr, "ctrrun: exec: -w '%s': the working directory must be absolute\n", o->workdir);
		return -1;
	}
	*ref = argv[i];
	o->argv = argv + i + 1;
	return 0;
}

/* What ctrrun relays: the pty master (-t), or the command's stdio pipes. */
struct relay_io {
	int master;        /* -t: the terminal, both ways */
	int out, err;      /* without -t: read ends of the command's stdout and stderr */
	int in;            /* without -t, with -i: write end of the command's stdin */
	bool forward_stdin;
};

/* After the joiner is gone, output still in the pipes is read for at most
 * this long (only a process left behind in the background could keep a
 * pipe open that long). */
#define EXEC_DRAIN_MS 2000

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		len -= (size_t)w;
	}
}

/* Reads once from *FD into TO; at end of input closes it and sets it to -1. */
static void pump(int *fd, int to, char *buf, size_t len)
{
	ssize_t n = read(*fd, buf, len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {  /* end of input; EIO from a pty whose every slave closed */
		close(*fd);
		*fd = -1;
		return;
	}
	write_all(to, buf, (size_t)n);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Copies the terminal or the pipes, forwards signals until the joiner ends,
 * then drains what the command wrote. Stdin goes to the command's pipe
 * through a buffer, so a command that does not read it never stops its
 * output from being relayed. */
static int relay(pid_t joiner, pid_t command, struct relay_io *io, int sigfd)
{
	char buf[16384], inbuf[16384];
	size_t in_len = 0, in_off = 0;
	int status = 0;
	bool stdin_open = io->forward_stdin, reaped = false;
	int64_t deadline = 0;
	int *outs[2] = {io->master >= 0 ? &io->master : &io->out, &io->err};
	for (;;) {
		if (reaped && *outs[0] < 0 && *outs[1] < 0)
			break;
		int timeout = -1;
		if (reaped && (timeout = (int)(deadline - monotonic_ms())) <= 0)
			break;
		bool to_pipe = io->master < 0;
		struct pollfd fds[5] = {
			{.fd = reaped ? -1 : sigfd, .events = POLLIN},
			{.fd = *outs[0], .events = POLLIN},
			{.fd = *outs[1], .events = POLLIN},
			{.fd = stdin_open && in_len == 0 ? 0 : -1, .events = POLLIN},
			{.fd = to_pipe && in_len > 0 ? io->in : -1, .events = POLLOUT},
		};
		if (poll(fds, 5, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents)
			pump(outs[0], 1, buf, sizeof buf);
		if (fds[2].revents)
			pump(outs[1], 2, buf, sizeof buf);
		if (fds[3].revents) {
			ssize_t n = read(0, to_pipe ? inbuf : buf, sizeof buf);
			if (n > 0 && to_pipe) {
				in_len = (size_t)n;
				in_off = 0;
			} else if (n > 0) {
				write_all(io->master, buf, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				stdin_open = false;
				if (to_pipe)
					close_fd(&io->in);  /* end of input for the command */
				else if (write(io->master, "\x04", 1) < 0) {
				}
			}
		}
		if (fds[4].revents) {
			ssize_t w = write(io->in, inbuf + in_off, in_len - in_off);
			if (w > 0 && (in_off += (size_t)w) == in_len)
				in_len = in_off = 0;
			if (w < 0 && errno != EINTR && errno != EAGAIN) {
				/* the command closed its stdin: drop the rest */
				stdin_open = false;
				in_len = in_off = 0;
				close_fd(&io->in);
			}
		}
		if (fds[0].revents) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof si) != sizeof si)
				continue;
			if (si.ssi_signo == SIGWINCH && io->master >= 0)
				ctr_term_copy_size(0, io->master);
			else if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH && command > 0)
				kill(command, (int)si.ssi_signo);
			if (waitpid(joiner, &status, WNOHANG) == joiner) {
				reaped = true;
				deadline = monotonic_ms() + EXEC_DRAIN_MS;
				stdin_open = false;
				close_fd(&io->in);
				/* Output the command wrote before it ended is still in the
				 * pty; once read, a pty has nothing more to give. */
				if (io->master >= 0) {
					fcntl(io->master, F_SETFL, O_NONBLOCK);
					ssize_t n;
					while ((n = read(io->master, buf, sizeof buf)) > 0)
						write_all(1, buf, (size_t)n);
					close_fd(&io->master);
				}
			}
		}
	}
	if (!reaped)
		while (waitpid(joiner, &status, 0) < 0 && errno == EINTR)
			;
	return status;
}

/* The command's stdio: with -t, /dev/null until it opens the pty's slave;
 * else pipes whose other ends ctrrun relays, and stdin from a pipe with -i
 * or /dev/null. Never ctrrun's own fds: a file the user redirected ctrrun's
 * output to must not be reopenable from the container. */
static int make_stdio(const struct exec_opts *o, int child[3], struct relay_io *io)
{
	int p[2];
	if (o->tty) {
		for (int i = 0; i < 3; i++)
			if ((child[i] = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
				return -1;
		return 0;
	}
	if (o->interactive) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		child[0] = p[0];
		io->in = p[1];
	} else if ((child[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	io->out = p[0];
	child[1] = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	io->err = p[0];
	child[2] = p[1];
	return 0;
}

int cmd_exec(struct ctrrun *rt, int argc, char **argv)
{
	struct exec_opts o = {0};
	const char *ref = NULL;
	char **extra = calloc((size_t)argc + 1, sizeof *extra);
	size_t n_extra = 0;
	struct ctr_error err = {0};
	struct ctr_db_container c = {0};
	struct ctr_db_image image = {0};
	struct ctr_image_config config = {0};
	struct ctr_confinement conf = {0};
	int code = CTRRUN_EXIT_ERROR, pidfd = -1, sigfd = -1, master = -1, view_conn = -1;
	int sv[2] = {-1, -1}, ep[2] = {-1, -1};
	/* The joiner's (and command's) stdio, and ctrrun's ends of them. */
	int child_stdio[3] = {-1, -1, -1};
	struct relay_io io = {.master = -1, .out = -1, .err = -1, .in = -1};
	struct term_state term = {0};
	struct ctr_cgroup *cg = NULL;
	sigset_t mask;
	sigemptyset(&mask);

	int parsed = extra ? parse(&o, argc, argv, &ref, &extra, &n_extra) : -1;
	if (parsed != 0) {
		code = parsed > 0 ? 0 : CTRRUN_EXIT_ERROR;
		goto out;
	}
	if (cli_open_state(rt, false) < 0)
		goto out;
	if (ctr_db_find_container(rt->db, ref, &c, &err) != CTR_DB_OK)
		goto fail;
	if (c.state == CTR_DB_REMOVING) {
		ctr_fail(&err, 0, "container %s is being removed (or its removal was cut short): only ctrrun rm acts on it",
			 c.name);
		goto fail;
	}
	if ((c.state != CTR_DB_RUNNING && c.state != CTR_DB_PAUSED) || !ctr_proc_alive(c.pid, c.pid_start_ticks)) {
		ctr_fail(&err, 0, "container %s is not running (ctrrun start %s runs it again)", c.name, c.name);
		goto fail;
	}
	pidfd = (int)syscall(SYS_pidfd_open, c.pid, 0);
	/* Checked after opening: the pidfd now pins exactly this process. */
	if (pidfd < 0 || !ctr_proc_alive(c.pid, c.pid_start_ticks)) {
		ctr_fail(&err, pidfd < 0 ? errno : ESRCH, "container %s has just exited", c.name);
		goto fail;
	}
	if (ctr_db_find_image(rt->db, c.image_id, &image, &err) != CTR_DB_OK ||
	    ctr_image_config_parse(image.config, &config, &err) < 0)
		goto fail;
	struct ctr_db_resources res = {0};
	if (ctr_db_get_resources(rt->db, c.id, &res, &err) != CTR_DB_OK)
		goto fail;
	{
		struct ctr_db_security sec;
		if (ctr_db_get_security(rt->db, c.id, &sec, &err) != CTR_DB_OK)
			goto fail;
		char *cache = ctr_spec_seccomp_cache(rt);
		int rc = ctr_confinement_from_record(&sec, cache, &conf, &err);
		free(cache);
		ctr_db_security_free(&sec);
		if (rc < 0)
			goto fail;
		o.conf = &conf;
	}
	int cg_rc = res.cgroup ? ctr_cgroup_from_json(res.cgroup, &cg, &err) : 0;
	ctr_db_resources_free(&res);
	if (cg_rc < 0)
		goto fail;
	for (size_t i = 0; i < c.n_env; i++)
		if (env_set(&o, c.env[i]) < 0)
			goto oom;
	for (size_t i = 0; i < n_extra; i++)
		if (env_set(&o, extra[i]) < 0)
			goto oom;
	if (!o.env && !(o.env = calloc(1, sizeof *o.env)))
		goto oom;
	if (!o.workdir)
		o.workdir = c.workdir ? c.workdir : config.workdir;
	if (!o.user)
		o.user = c.user ? c.user : config.user;

	ctr_monitor_block_signals(&mask);
	if ((sigfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(ep, O_CLOEXEC) < 0 ||
	    make_stdio(&o, child_stdio, &io) < 0) {
		ctr_fail(&err, errno, "exec setup");
		goto fail;
	}
	/* The monitor, which takes the command's sysinfo listener for the view. */
	{
		char *dir = ctr_store_container_dir(rt, c.id);
		view_conn = dir ? ctr_view_channel_connect(dir, &o.sysinfo_view) : -1;
		free(dir);
	}
	/* No SQLite connection, nor any other file of the host, crosses into
	 * the joiner: everything needed from the database is read by now. */
	ctr_db_close(rt->db);
	rt->db = NULL;
	fflush(NULL);
	pid_t joiner = fork();
	if (joiner < 0) {
		ctr_fail(&err, errno, "fork");
		goto fail;
	}
	if (joiner == 0)
		join_and_run(pidfd, &o, sv[1], ep[1], !rt->idmap.single, cg, child_stdio);
	close(sv[1]);
	close(ep[1]);
	sv[1] = ep[1] = -1;
	for (int i = 0; i < 3; i++)
		close_fd(&child_stdio[i]);
	/* A command that closes its stdin early must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	pid_t command = 0;
	for (;;) {
		struct sync_msg msg;
		int fd;
		if (ctr_sync_recv(sv[0], &msg, &fd) < 0) {
			ctr_fail(&err, 0, "the process joining container %s died", c.name);
			break;
		}
		if (msg.tag == SYNC_PID) {
			command = msg.value;
		} else if (msg.tag == SYNC_PTY_FD) {
			master = fd;
		} else if (msg.tag == SYNC_SECCOMP_FD && fd >= 0) {
			int rc = view_conn >= 0 ? ctr_view_channel_send(view_conn, fd, &err) : 0;
			close(fd);
			if (rc < 0) {
				/* Its sysinfo calls would hang unanswered: end it (its
				 * PDEATHSIG follows the joiner). */
				kill(joiner, SIGKILL);
				break;
			}
		}
		else if (msg.tag == SYNC_ERROR)
			err = msg.err;
		if (msg.tag == SYNC_READY || msg.tag == SYNC_ERROR)
			break;
	}
	if (err.msg[0]) {
		int status;
		while (waitpid(joiner, &status, 0) < 0 && errno == EINTR)
			;
		goto fail;
	}
	int exec_errno = 0;
	ssize_t n;
	while ((n = read(ep[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof exec_errno) {
		int status;
		while (waitpid(joiner, &status, 0) < 0 && errno == EINTR)
			;
		fprintf(stderr, "ctrrun: cannot run \"%s\" in container %s: %s\n", o.argv[0], c.name,
			exec_errno == ENOENT && !strchr(o.argv[0], '/') ? "executable file not found in $PATH"
									: strerror(exec_errno));
		code = exec_errno == ENOENT || exec_errno == ENOTDIR ? CTRRUN_EXIT_NOT_FOUND : CTRRUN_EXIT_NOT_EXECUTABLE;
		goto out;
	}
	if (master >= 0) {
		ctr_term_copy_size(0, master);
		if (o.interactive)
			ctr_term_make_raw(0, &term);
		io.master = master;
		master = -1;
	}
	io.forward_stdin = o.interactive;
	int status = relay(joiner, command, &io, sigfd);
	ctr_term_restore(0, &term);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 125;
	goto out;
oom:
	ctr_fail(&err, ENOMEM, "exec");
fail:
	ctr_print_error(&err);
	code = CTRRUN_EXIT_ERROR;
out:
	for (int i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	if (master >= 0)
		close(master);
	for (int i = 0; i < 3; i++)
		close_fd(&child_stdio[i]);
	close_fd(&io.master);
	close_fd(&io.out);
	close_fd(&io.err);
	close_fd(&io.in);
	if (sigfd >= 0)
		close(sigfd);
	if (pidfd >= 0)
		close(pidfd);
	close_fd(&view_conn);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	free(o.env);
	free(extra);
	if (cg)
		ctr_cgroup_free(cg);
	ctr_image_config_free(&config);
	ctr_db_image_free(&image);
	ctr_db_container_free(&c);
	ctr_confinement_free(&conf);
	return code;
}
