/* ctrrun run: a foreground container. Parse and check the flags, record the
 * container, make it (container_setup.c), relay its terminal and signals,
 * record how it ended, remove it with --rm. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container_remove.h"
#include "container_setup.h"
#include "ctrrun.h"
#include "image_config.h"
#include "proc_stat.h"
#include "remove_tree.h"
#include "run_options.h"
#include "stale.h"
#include "terminal.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Everything made for one run, released by run_state_free. */
struct run_state {
	struct run_options opt;
	struct ctr_db_image image;
	struct ctr_image_config config;
	struct ctr_db_container rec;       /* what is recorded in the database */
	bool recorded;                     /* the row exists */
	char *dir, *upper, *work, *merged; /* containers/<id>/... */
	char *fs_log;
	bool dir_made;
	char **made_host_dirs;             /* volume dirs this run created */
	size_t n_made_host_dirs;
	char **argv, **env;                /* NULL-terminated, for the spec */
	size_t n_env;
	char *lowerdirs;
	char hostname[CTR_DB_SHORT_ID_LEN + 1];
	char name[160];                    /* given or generated */
};

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static int random_id(char *out, struct ctr_error *err)
{
	unsigned char bytes[CTR_DB_ID_LEN / 2];
	if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes)
		return ctr_fail(err, errno, "getrandom");
	for (size_t i = 0; i < sizeof bytes; i++)
		sprintf(out + 2 * i, "%02x", bytes[i]);
	return 0;
}

/* docker-style names: adjective_scientist. */
static void random_name(char *out, size_t len)
{
	static const char *const adjectives[] = {"brave", "calm", "eager", "fancy", "gentle", "happy", "jolly",
						 "keen", "lucid", "merry", "nifty", "proud", "quirky", "sharp",
						 "tender", "vivid", "witty", "zealous"};
	static const char *const names[] = {"babbage", "curie", "dijkstra", "euler", "fermat", "gauss",
					    "hopper", "knuth", "lovelace", "noether", "pascal", "ritchie",
					    "shannon", "thompson", "turing", "wozniak"};
	unsigned r[2];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		r[0] = r[1] = (unsigned)getpid();
	snprintf(out, len, "%s_%s", adjectives[r[0] % (sizeof adjectives / sizeof adjectives[0])],
		 names[r[1] % (sizeof names / sizeof names[0])]);
}

/* The command as docker builds it: ENTRYPOINT + (CMD from the command line,
 * else the image's CMD). */
static int build_argv(struct run_state *s, struct ctr_error *err)
{
	size_t n_ep = s->config.n_entrypoint;
	size_t n_cmd = s->opt.n_command > 0 ? (size_t)s->opt.n_command : s->config.n_cmd;
	char *const *cmd = s->opt.n_command > 0 ? s->opt.command : s->config.cmd;
	if (n_ep + n_cmd == 0)
		return ctr_fail(err, 0, "no command given, and image %s has no default command", s->opt.image);
	s->argv = calloc(n_ep + n_cmd + 1, sizeof *s->argv);
	if (!s->argv)
		return ctr_fail(err, ENOMEM, "command");
	for (size_t i = 0; i < n_ep; i++)
		s->argv[i] = strdup(s->config.entrypoint[i]);
	for (size_t i = 0; i < n_cmd; i++)
		s->argv[n_ep + i] = strdup(cmd[i]);
	for (size_t i = 0; i < n_ep + n_cmd; i++)
		if (!s->argv[i])
			return ctr_fail(err, ENOMEM, "command");
	return 0;
}

/* Sets NAME=VALUE in the environment being built, replacing an earlier one. */
static int env_set(struct run_state *s, const char *entry, struct ctr_error *err)
{
	size_t key = strcspn(entry, "=");
	for (size_t i = 0; i < s->n_env; i++)
		if (strncmp(s->env[i], entry, key) == 0 && s->env[i][key] == '=') {
			char *copy = strdup(entry);
			if (!copy)
				return ctr_fail(err, ENOMEM, "environment");
			free(s->env[i]);
			s->env[i] = copy;
			return 0;
		}
	char **grown = realloc(s->env, (s->n_env + 2) * sizeof *grown);
	if (!grown)
		return ctr_fail(err, ENOMEM, "environment");
	s->env = grown;
	if (!(s->env[s->n_env] = strdup(entry)))
		return ctr_fail(err, ENOMEM, "environment");
	s->env[++s->n_env] = NULL;
	return 0;
}

/* docker's order: PATH default, HOSTNAME, TERM with -t, the image's ENV,
 * then -e/--env-file, later ones winning. */
static int build_env(struct run_state *s, struct ctr_error *err)
{
	char hostname[128];
	snprintf(hostname, sizeof hostname, "HOSTNAME=%s", s->opt.hostname ? s->opt.hostname : s->hostname);
	if (env_set(s, DEFAULT_PATH, err) < 0 || env_set(s, hostname, err) < 0 ||
	    (s->opt.tty && env_set(s, "TERM=xterm", err) < 0))
		return -1;
	for (size_t i = 0; i < s->config.n_env; i++)
		if (strchr(s->config.env[i], '=') && env_set(s, s->config.env[i], err) < 0)
			return -1;
	for (size_t i = 0; i < s->opt.n_env; i++)
		if (env_set(s, s->opt.env[i], err) < 0)
			return -1;
	return 0;
}

/* lowerdir= for ctrfs: the image's layers, top first. */
static int build_lowerdirs(struct ctrrun *rt, struct run_state *s, struct ctr_error *err)
{
	size_t cap = 1;
	char **dirs = calloc(s->image.n_layers, sizeof *dirs);
	if (!dirs)
		return ctr_fail(err, ENOMEM, "layers");
	int rc = 0;
	for (size_t i = 0; i < s->image.n_layers && rc == 0; i++) {
		char *layer = ctrrun_layer_dir(rt, s->image.layers[s->image.n_layers - 1 - i]);
		if (!layer || asprintf(&dirs[i], "%s/diff", layer) < 0)
			rc = ctr_fail(err, ENOMEM, "layers");
		free(layer);
		if (rc == 0 && strpbrk(dirs[i], ":,"))
			rc = ctr_fail(err, 0, "layer path %s has a ':' or ',', which ctrfs options cannot carry",
				      dirs[i]);
		if (rc == 0)
			cap += strlen(dirs[i]) + 1;
	}
	if (rc == 0 && s->image.n_layers == 0)
		rc = ctr_fail(err, 0, "image %s has no layers", s->opt.image);
	if (rc == 0 && !(s->lowerdirs = calloc(1, cap)))
		rc = ctr_fail(err, ENOMEM, "layers");
	for (size_t i = 0; rc == 0 && i < s->image.n_layers; i++) {
		if (i)
			strcat(s->lowerdirs, ":");
		strcat(s->lowerdirs, dirs[i]);
	}
	for (size_t i = 0; i < s->image.n_layers; i++)
		free(dirs[i]);
	free(dirs);
	return rc;
}

/* Host dirs of volumes are created when missing (docker does); those this run
 * made are removed again if it fails before the container starts. */
static int make_volume_dirs(struct run_state *s, struct ctr_error *err)
{
	for (size_t i = 0; i < s->opt.n_volumes; i++) {
		const char *path = s->opt.volumes[i].host_path;
		struct stat st;
		if (stat(path, &st) == 0)
			continue;
		if (errno != ENOENT)
			return ctr_fail(err, errno, "volume %s", path);
		/* mkdir -p, remembering each level created. */
		char *copy = strdup(path);
		if (!copy)
			return ctr_fail(err, ENOMEM, "volume");
		for (char *p = copy + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char saved = *p;
			*p = '\0';
			if (mkdir(copy, 0755) == 0) {
				char **grown = realloc(s->made_host_dirs, (s->n_made_host_dirs + 1) * sizeof *grown);
				if (grown) {
					s->made_host_dirs = grown;
					s->made_host_dirs[s->n_made_host_dirs++] = strdup(copy);
				}
			} else if (errno != EEXIST) {
				int e = errno;
				free(copy);
				return ctr_fail(err, e, "cannot create volume directory %s", path);
			}
			*p = saved;
			if (!saved)
				break;
		}
		free(copy);
	}
	return 0;
}

static int make_dirs(struct ctrrun *rt, struct run_state *s, struct ctr_error *err)
{
	s->dir = ctrrun_container_dir(rt, s->rec.id);
	if (!s->dir || asprintf(&s->upper, "%s/upper", s->dir) < 0 || asprintf(&s->work, "%s/work", s->dir) < 0 ||
	    asprintf(&s->merged, "%s/merged", s->dir) < 0 || asprintf(&s->fs_log, "%s/ctrfs.log", s->dir) < 0)
		return ctr_fail(err, ENOMEM, "path");
	if (mkdir(s->dir, 0700) < 0)
		return ctr_fail(err, errno, "cannot create %s", s->dir);
	s->dir_made = true;
	const char *subs[] = {s->upper, s->work, s->merged};
	for (int i = 0; i < 3; i++)
		if (mkdir(subs[i], 0755) < 0)
			return ctr_fail(err, errno, "cannot create %s", subs[i]);
	return 0;
}

/* Records the container; with a generated name, retries on a collision. */
static int record(struct ctrrun *rt, struct run_state *s, struct ctr_error *err)
{
	char name[64];
	struct ctr_db_container *c = &s->rec;
	memcpy(c->image_id, s->image.id, sizeof c->image_id);
	for (size_t n = 0; s->argv[n]; n++)
		c->argc = n + 1;
	c->argv = s->argv;
	c->env = s->env;  /* merged: image, defaults, -e and --env-file; one per name */
	c->n_env = s->n_env;
	struct ctr_db_mount *mounts = calloc(s->opt.n_volumes + 1, sizeof *mounts);
	if (!mounts)
		return ctr_fail(err, ENOMEM, "mounts");
	for (size_t i = 0; i < s->opt.n_volumes; i++)
		mounts[i] = (struct ctr_db_mount){s->opt.volumes[i].host_path, s->opt.volumes[i].container_path,
						  s->opt.volumes[i].read_only};
	c->mounts = mounts;
	c->n_mounts = s->opt.n_volumes;
	c->workdir = (char *)s->opt.workdir;
	c->user = (char *)s->opt.user;
	c->hostname = (char *)s->opt.hostname;
	c->host_network = s->opt.host_network;
	c->tty = s->opt.tty;
	c->interactive = s->opt.interactive;
	c->auto_remove = s->opt.auto_remove;
	c->created_ns = ctrrun_now_ns();
	int rc = CTR_DB_EXISTS;
	for (int attempt = 0; rc == CTR_DB_EXISTS && attempt < 20; attempt++) {
		if (s->opt.name) {
			c->name = (char *)s->opt.name;
		} else {
			random_name(name, sizeof name);
			c->name = name;
		}
		rc = ctr_db_add_container(rt->db, c, err);
		if (rc == CTR_DB_EXISTS && s->opt.name) {
			ctr_fail(err, 0, "the container name \"%s\" is already in use; remove that container or "
					 "choose another name", s->opt.name);
			break;
		}
	}
	if (rc == CTR_DB_OK)
		snprintf(s->name, sizeof s->name, "%s", c->name);
	c->name = NULL;
	c->argv = NULL;
	c->argc = 0;
	c->env = NULL;
	c->n_env = 0;
	c->mounts = NULL;
	c->workdir = c->user = c->hostname = NULL;
	free(mounts);
	if (rc != CTR_DB_OK)
		return -1;
	s->recorded = true;
	ctrrun_container_event(rt, c->id, s->name, "create", NULL);
	/* Recorded as its monitor from the start: if this ctrrun dies before
	 * the container runs, the next command sees a dead monitor and removes
	 * the half-made container. */
	struct ctr_db_processes procs = {.monitor_pid = getpid()};
	if (ctr_proc_start_ticks(getpid(), &procs.monitor_start_ticks) < 0 ||
	    ctr_db_set_processes(rt->db, c->id, &procs, err) != CTR_DB_OK)
		return -1;
	return 0;
}

/* Undoes what a failed run made: its row, its dirs, volume dirs it created. */
static void undo(struct ctrrun *rt, struct run_state *s)
{
	struct ctr_error err = {0};
	if (s->dir_made && ctr_remove_tree_as(&rt->idmap, s->dir, &err) < 0)
		ctrrun_print_error(&err);
	if (s->recorded) {
		if (ctr_db_delete_container(rt->db, s->rec.id, &err) != CTR_DB_OK)
			ctrrun_print_error(&err);
		else
			ctrrun_container_event(rt, s->rec.id, s->name, "destroy", NULL);
	}
	for (size_t i = s->n_made_host_dirs; i-- > 0;)
		rmdir(s->made_host_dirs[i]);
}

static void run_state_free(struct run_state *s)
{
	run_options_free(&s->opt);
	ctr_db_image_free(&s->image);
	ctr_image_config_free(&s->config);
	free(s->dir);
	free(s->upper);
	free(s->work);
	free(s->merged);
	free(s->fs_log);
	for (size_t i = 0; i < s->n_made_host_dirs; i++)
		free(s->made_host_dirs[i]);
	free(s->made_host_dirs);
	strv_free(s->argv);
	strv_free(s->env);
	free(s->lowerdirs);
}

/* Copies what is readable on FROM to TO; false at end of input. */
static bool pump(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return true;  /* the reader went away: keep draining */
		off += w;
	}
	return true;
}

/* Until the init exits: forward signals, relay the pty, follow the window
 * size. Returns the wait status. */
static int supervise(struct ctr_container_proc *p, bool interactive, int sigfd)
{
	int master = p->pty_master;
	bool stdin_open = master >= 0 && interactive;
	int status = 0;
	for (;;) {
		struct pollfd fds[3] = {{.fd = sigfd, .events = POLLIN},
					{.fd = master, .events = POLLIN},
					{.fd = stdin_open ? 0 : -1, .events = POLLIN}};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (!pump(master, 1))
				fds[1].fd = master = -1;  /* EIO: every slave closed */
		}
		if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (!pump(0, p->pty_master)) {
				stdin_open = false;
				/* End of input: an EOF character, as a terminal would send. */
				char eot = 4;
				if (write(p->pty_master, &eot, 1) < 0) {
				}
			}
		}
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof si) != sizeof si)
				continue;
			if (si.ssi_signo == SIGWINCH) {
				if (p->pty_master >= 0)
					term_copy_size(0, p->pty_master);
			} else if (si.ssi_signo != SIGCHLD) {
				kill(p->init_pid, (int)si.ssi_signo);
			}
			pid_t done = waitpid(p->init_pid, &status, WNOHANG);
			if (done == p->init_pid) {
				/* What the container wrote before it ended is still in the pty. */
				if (p->pty_master >= 0) {
					fcntl(p->pty_master, F_SETFL, fcntl(p->pty_master, F_GETFL) | O_NONBLOCK);
					while (pump(p->pty_master, 1)) {
						struct pollfd more = {.fd = p->pty_master, .events = POLLIN};
						if (poll(&more, 1, 0) <= 0)
							break;
					}
				}
				return status;
			}
		}
	}
	while (waitpid(p->init_pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return CTRRUN_EXIT_ERROR;
}

/* Steps up to a recorded, ready container. On failure everything is undone. */
static int prepare(struct ctrrun *rt, struct run_state *s, struct ctr_spec *spec, struct ctr_error *err)
{
	int rc = ctr_db_find_image(rt->db, s->opt.image, &s->image, err);
	if (rc == CTR_DB_NOT_FOUND)
		return ctr_fail(err, 0, "unable to find image '%s' locally (see ctrrun images; ctrrun import "
					"makes one)", s->opt.image);
	if (rc != CTR_DB_OK)
		return -1;
	if (ctr_image_config_parse(s->image.config, &s->config, err) < 0 || build_argv(s, err) < 0 ||
	    random_id(s->rec.id, err) < 0)
		return -1;
	memcpy(s->hostname, s->rec.id, CTR_DB_SHORT_ID_LEN);
	s->hostname[CTR_DB_SHORT_ID_LEN] = '\0';
	if (build_env(s, err) < 0 || build_lowerdirs(rt, s, err) < 0)
		return -1;
	if (record(rt, s, err) < 0 || make_volume_dirs(s, err) < 0 || make_dirs(rt, s, err) < 0)
		return -1;
	*spec = (struct ctr_spec){
		.argv = s->argv,
		.env = s->env,
		.cwd = s->opt.workdir ? s->opt.workdir : s->config.workdir,
		.user = s->opt.user ? s->opt.user : s->config.user,
		.terminal = s->opt.tty,
		.interactive = s->opt.interactive,
		.hostname = s->opt.hostname ? s->opt.hostname : s->hostname,
		.host_network = s->opt.host_network,
		.idmap = &rt->idmap,
		.ctrfs = ctrrun_ctrfs_path(rt),
		.lowerdirs = s->lowerdirs,
		.upper = s->upper,
		.work = s->work,
		.merged = s->merged,
		.fs_log = s->fs_log,
		.volumes = s->opt.volumes,
		.n_volumes = s->opt.n_volumes,
	};
	return 0;
}

static int finish(struct ctrrun *rt, struct run_state *s, int code)
{
	struct ctr_error err = {0};
	char attrs[64];
	snprintf(attrs, sizeof attrs, "{\"exitCode\":%d}", code);
	ctrrun_container_event(rt, s->rec.id, s->name, "die", attrs);
	if (ctr_db_set_exited(rt->db, s->rec.id, code, ctrrun_now_ns(), &err) != CTR_DB_OK)
		ctrrun_print_error(&err);
	if (s->opt.auto_remove) {
		struct ctr_db_container c;
		if (ctr_db_get_container(rt->db, s->rec.id, &c, &err) != CTR_DB_OK ||
		    ctr_container_remove(rt, &c, false, &err) < 0)
			ctrrun_print_error(&err);
		else
			ctr_db_container_free(&c);
	}
	return code;
}

int cmd_run(struct ctrrun *rt, int argc, char **argv)
{
	struct run_state s = {0};
	struct ctr_error err = {0};
	struct ctr_spec spec;
	struct ctr_container_proc proc = {.pty_master = -1, .sync = -1, .exec_err = -1};
	struct term_state term = {0};
	int code = CTRRUN_EXIT_ERROR;

	/* Signals come through a signalfd: forwarded to the container, or the
	 * child's exit. Blocked from the start, so that a Ctrl-C while the
	 * container is being made cannot leave half of it behind; unblocked in
	 * the child. */
	sigset_t mask;
	sigemptyset(&mask);
	int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(&mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);

	if (run_options_parse(&s.opt, argc, argv, &err) < 0) {
		ctrrun_print_error(&err);
		goto out_sig;
	}
	if (s.opt.help) {
		fputs(run_usage, stdout);
		code = 0;
		goto out_sig;
	}
	if (rt->idmap.note)
		fprintf(stderr, "ctrrun: note: %s\n", rt->idmap.note);
	if (ctrrun_open_db(rt, &err) < 0) {
		ctrrun_print_error(&err);
		goto out_sig;
	}
	ctr_reap_stale(rt);
	if (prepare(rt, &s, &spec, &err) < 0) {
		ctrrun_print_error(&err);
		undo(rt, &s);
		goto out_sig;
	}

	if (sigfd < 0 || ctr_container_create(&spec, &proc, &err) < 0) {
		if (sigfd < 0)
			ctr_fail(&err, errno, "signalfd");
		ctrrun_print_error(&err);
		undo(rt, &s);
		goto out_sig;
	}
	struct ctr_db_processes procs = {.monitor_pid = getpid(), .fs_pid = proc.fs_pid,
					 .fs_start_ticks = proc.fs_ticks};
	ctr_proc_start_ticks(getpid(), &procs.monitor_start_ticks);
	if (ctr_db_set_processes(rt->db, s.rec.id, &procs, &err) != CTR_DB_OK ||
	    ctr_db_set_running(rt->db, s.rec.id, proc.init_pid, proc.init_ticks, ctrrun_now_ns(), &err) !=
		    CTR_DB_OK) {
		ctrrun_print_error(&err);
		ctr_container_abort(&proc);
		undo(rt, &s);
		goto out_sig;
	}
	ctrrun_container_event(rt, s.rec.id, s.name, "start", NULL);
	if (proc.pty_master >= 0) {
		term_copy_size(0, proc.pty_master);
		/* As docker: raw only when keys go to the container (-i); with -t
		 * alone, Ctrl-C stays a signal to ctrrun, which forwards it. */
		if (s.opt.interactive)
			term_make_raw(0, &term);
	}
	int exec_errno;
	if (ctr_container_start(&proc, &exec_errno, &err) < 0) {
		term_restore(0, &term);
		if (exec_errno)
			fprintf(stderr, "ctrrun: cannot run \"%s\" in the container: %s\n", s.argv[0],
				exec_errno == ENOENT && !strchr(s.argv[0], '/')
					? "executable file not found in $PATH"
					: strerror(exec_errno));
		else
			ctrrun_print_error(&err);
		code = exec_errno == ENOENT || exec_errno == ENOTDIR ? CTRRUN_EXIT_NOT_FOUND
		       : exec_errno                                  ? CTRRUN_EXIT_NOT_EXECUTABLE
								     : CTRRUN_EXIT_ERROR;
		ctr_container_abort(&proc);
		/* The command never ran: like any other bad input, nothing stays. */
		undo(rt, &s);
		goto out_sig;
	}
	int status = supervise(&proc, s.opt.interactive, sigfd);
	term_restore(0, &term);
	if (proc.pty_master >= 0)
		close(proc.pty_master);
	proc.pty_master = -1;
	ctr_container_wait_daemon(&proc, 10000);
	code = finish(rt, &s, exit_code_of(status));
out_sig:
	if (sigfd >= 0)
		close(sigfd);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	run_state_free(&s);
	return code;
}
