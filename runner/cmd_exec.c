/* ctrrun exec: a new process in a running container. It joins all the
 * init's namespaces through its pidfd (so a reused pid can never be joined
 * by mistake), becomes the container's user with the same privileges as the
 * init got, and execs. Process tree: ctrrun (relays the terminal, forwards
 * signals) -> joiner (setns; a setns'd PID namespace applies to children
 * only) -> the command, PID n inside the container. */
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>
#include <linux/close_range.h>

#include "cgroups.h"
#include "ctrrun.h"
#include "monitor.h"
#include "image_config.h"
#include "process_creds.h"
#include "process_exec.h"
#include "proc_stat.h"
#include "stale.h"
#include "sync_channel.h"
#include "terminal.h"

static const char exec_usage[] =
	"usage: ctrrun exec [-i] [-t] [-e NAME=VALUE]... [-w DIR] [-u USER[:GROUP]] CONTAINER COMMAND [ARG...]\n\n"
	"Run a command in a running container, in all its namespaces.\n"
	"  -i, --interactive   forward stdin\n"
	"  -t, --tty           a pseudo-terminal from the container's devpts\n"
	"  -e, --env N=V       an environment variable (the container's are inherited)\n"
	"  -w, --workdir DIR   working directory (default: the container's)\n"
	"  -u, --user U[:G]    user (default: the container's)\n"
	"Exit status: the command's; 125 ctrrun failed (e.g. the container is not\n"
	"running); 126 not executable; 127 not found.\n";

struct exec_opts {
	bool interactive, tty;
	char **env;          /* the container's, then -e; NULL-terminated */
	size_t n_env;
	const char *workdir, *user;
	char **argv;
};

static int env_set(struct exec_opts *o, const char *entry)
{
	size_t key = strcspn(entry, "=");
	for (size_t i = 0; i < o->n_env; i++)
		if (strncmp(o->env[i], entry, key) == 0 && o->env[i][key] == '=') {
			o->env[i] = (char *)entry;
			return 0;
		}
	char **grown = realloc(o->env, (o->n_env + 2) * sizeof *grown);
	if (!grown)
		return -1;
	o->env = grown;
	o->env[o->n_env++] = (char *)entry;
	o->env[o->n_env] = NULL;
	return 0;
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
			sync_send(sync, SYNC_ERROR, &err, -1);
			_exit(CTRRUN_EXIT_ERROR);
		}
		close(master);
		for (int fd = 0; fd < 3; fd++)
			dup2(slave, fd);
		if (slave > 2)
			close(slave);
	} else if (!o->interactive) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, 0);
	}
	if (creds_resolve(o->user, &creds, &err) < 0)
		goto fail;
	if (master >= 0 && creds.uid != 0 && fchown(0, creds.uid, (gid_t)-1) < 0) {
		/* the user could not reopen its terminal; it still has the fds */
	}
	if (creds_apply(&creds, can_setgroups, &err) < 0)
		goto fail;
	prctl(PR_SET_PDEATHSIG, SIGKILL);  /* again: a credential change clears it */
	if (chdir(o->workdir ? o->workdir : "/") < 0) {
		ctr_fail(&err, errno, "cannot change to the working directory %s", o->workdir);
		goto fail;
	}
	sync_send(sync, SYNC_READY, NULL, -1);
	close(sync);
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	exec_in_container(o->argv, o->env, creds.home, exec_err);
fail:
	sync_send(sync, SYNC_ERROR, &err, -1);
	_exit(CTRRUN_EXIT_ERROR);
}

/* The joiner: enters the namespaces, forks the command (which lands in the
 * container's PID namespace), passes on its pid, its pty and its fate. */
static __attribute__((noreturn)) void join_and_run(int pidfd, const struct exec_opts *o, int sync, int exec_err,
						   bool can_setgroups, struct ctr_cgroup *cg)
{
	struct ctr_error err = {0};
	prctl(PR_SET_PDEATHSIG, SIGKILL);
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
	sync_send_value(sync, SYNC_PID, pid);
	if (master >= 0) {
		sync_send(sync, SYNC_PTY_FD, NULL, master);
		close(master);
	}
	close(sync);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WIFEXITED(status) ? WEXITSTATUS(status) : 125);
fail:
	sync_send(sync, SYNC_ERROR, &err, -1);
	_exit(CTRRUN_EXIT_ERROR);
}

static int parse(struct exec_opts *o, int argc, char **argv, const char **ref, char ***extra_env, size_t *n_extra)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[1] == '-') {
			const char *v = i + 1 < argc ? argv[i + 1] : NULL;
			if (strcmp(a, "--interactive") == 0) {
				o->interactive = true;
			} else if (strcmp(a, "--tty") == 0) {
				o->tty = true;
			} else if (v && (strcmp(a, "--env") == 0 || strcmp(a, "--workdir") == 0 || strcmp(a, "--user") == 0)) {
				if (a[2] == 'e')
					(*extra_env)[(*n_extra)++] = (char *)v;
				else if (a[2] == 'w')
					o->workdir = v;
				else
					o->user = v;
				i++;
			} else {
				fprintf(stderr, "ctrrun: exec: unknown option %s (see ctrrun exec --help)\n", a);
				return -1;
			}
			continue;
		}
		for (const char *c = a + 1; *c; c++) {
			if (*c == 'i') {
				o->interactive = true;
			} else if (*c == 't') {
				o->tty = true;
			} else if (strchr("ewu", *c)) {
				const char *v = c[1] ? c + 1 : i + 1 < argc ? argv[++i] : NULL;
				if (!v) {
					fprintf(stderr, "ctrrun: exec: -%c needs a value\n", *c);
					return -1;
				}
				if (*c == 'e')
					(*extra_env)[(*n_extra)++] = (char *)v;
				else if (*c == 'w')
					o->workdir = v;
				else
					o->user = v;
				break;
			} else {
				fprintf(stderr, "ctrrun: exec: unknown option -%c (see ctrrun exec --help)\n", *c);
				return -1;
			}
		}
	}
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

/* Copies the terminal both ways and forwards signals until the joiner ends. */
static int relay(pid_t joiner, pid_t command, int master, bool interactive, int sigfd)
{
	char buf[16384];
	int status = 0;
	bool stdin_open = master >= 0 && interactive;
	for (;;) {
		struct pollfd fds[3] = {{.fd = sigfd, .events = POLLIN},
					{.fd = master, .events = POLLIN},
					{.fd = stdin_open ? 0 : -1, .events = POLLIN}};
		if (poll(fds, 3, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents) {
			ssize_t n = read(master, buf, sizeof buf);
			if (n > 0) {
				if (write(1, buf, (size_t)n) < 0) {
				}
			} else if (n == 0 || errno != EINTR) {
				master = -1;
			}
		}
		if (fds[2].revents) {
			ssize_t n = read(0, buf, sizeof buf);
			if (n > 0) {
				if (write(fds[1].fd, buf, (size_t)n) < 0) {
				}
			} else {
				stdin_open = false;
				if (write(fds[1].fd, "\x04", 1) < 0) {
				}
			}
		}
		if (fds[0].revents) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof si) != sizeof si)
				continue;
			if (si.ssi_signo == SIGWINCH && fds[1].fd >= 0)
				term_copy_size(0, fds[1].fd);
			else if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH && command > 0)
				kill(command, (int)si.ssi_signo);
			if (waitpid(joiner, &status, WNOHANG) == joiner) {
				/* Output the command wrote before it ended is still in the pty. */
				if (master >= 0) {
					fcntl(master, F_SETFL, O_NONBLOCK);
					ssize_t n;
					while ((n = read(master, buf, sizeof buf)) > 0)
						if (write(1, buf, (size_t)n) < 0)
							break;
				}
				return status;
			}
		}
	}
	while (waitpid(joiner, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

int cmd_exec(struct ctrrun *rt, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fputs(exec_usage, stdout);
		return 0;
	}
	struct exec_opts o = {0};
	const char *ref = NULL;
	char **extra = calloc((size_t)argc + 1, sizeof *extra);
	size_t n_extra = 0;
	struct ctr_error err = {0};
	struct ctr_db_container c = {0};
	struct ctr_db_image image = {0};
	struct ctr_image_config config = {0};
	int code = CTRRUN_EXIT_ERROR, pidfd = -1, sigfd = -1, master = -1;
	int sv[2] = {-1, -1}, ep[2] = {-1, -1};
	struct term_state term = {0};
	struct ctr_cgroup *cg = NULL;
	sigset_t mask;
	sigemptyset(&mask);

	if (!extra || parse(&o, argc, argv, &ref, &extra, &n_extra) < 0)
		goto out;
	if (ctrrun_open_state(rt) < 0)
		goto out;
	if (ctr_db_find_container(rt->db, ref, &c, &err) != CTR_DB_OK)
		goto fail;
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

	monitor_block_signals(&mask);
	if ((sigfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		ctr_fail(&err, errno, "exec setup");
		goto fail;
	}
	fflush(NULL);
	pid_t joiner = fork();
	if (joiner < 0) {
		ctr_fail(&err, errno, "fork");
		goto fail;
	}
	if (joiner == 0) {
		close(sv[0]);
		close(ep[0]);
		join_and_run(pidfd, &o, sv[1], ep[1], !rt->idmap.single, cg);
	}
	close(sv[1]);
	close(ep[1]);
	sv[1] = ep[1] = -1;
	pid_t command = 0;
	for (;;) {
		struct sync_msg msg;
		int fd;
		if (sync_recv(sv[0], &msg, &fd) < 0) {
			ctr_fail(&err, 0, "the process joining container %s died", c.name);
			break;
		}
		if (msg.tag == SYNC_PID)
			command = msg.value;
		else if (msg.tag == SYNC_PTY_FD)
			master = fd;
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
		term_copy_size(0, master);
		if (o.interactive)
			term_make_raw(0, &term);
	}
	int status = relay(joiner, command, master, o.interactive, sigfd);
	term_restore(0, &term);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 125;
	goto out;
oom:
	ctr_fail(&err, ENOMEM, "exec");
fail:
	ctrrun_print_error(&err);
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
	if (sigfd >= 0)
		close(sigfd);
	if (pidfd >= 0)
		close(pidfd);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	free(o.env);
	free(extra);
	if (cg)
		ctr_cgroup_free(cg);
	ctr_image_config_free(&config);
	ctr_db_image_free(&image);
	ctr_db_container_free(&c);
	return code;
}
