/* ctrrun run: parse and check the flags, record the container (its volumes,
 * limits and log config), then hand it to container_launch.c, which makes it
 * and runs its monitor (monitor.c: relays the terminal, output and signals,
 * records how it ended, removes it with --rm) in this process, or detached
 * with -d; -d prints the id. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container_args.h"
#include "ctr/strv.h"
#include "container_remove.h"
#include "ctr/cleanup.h"
#include "cgroups.h"
#include "container_launch.h"
#include "ctrrun.h"
#include "monitor.h"
#include "image_config.h"
#include "proc_stat.h"
#include "remove_tree.h"
#include "run_options.h"
#include "stale.h"
#include "capabilities.h"
#include "confinement.h"
#include "seccomp_profile.h"

#include <json-c/json.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Everything made for one run, released by run_state_free. */
struct run_state {
	struct run_options opt;
	struct ctr_db_image image;
	struct ctr_image_config config;
	struct ctr_db_container rec;       /* what is recorded in the database */
	bool recorded;                     /* the row exists */
	char *dir;                         /* containers/<id> */
	bool dir_made;
	char **made_host_dirs;             /* volume dirs this run created */
	size_t n_made_host_dirs;
	char **argv, **env;                /* NULL-terminated: the command, the merged environment */
	size_t n_env;
	char hostname[CTR_DB_SHORT_ID_LEN + 1];
	char name[160];                    /* given or generated */
	struct ctr_db_security security;   /* how it is confined, recorded with it */
	uint32_t pool_uid, pool_gid;       /* root's subordinate ids (auto): volume dirs made get these */
};

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
	char *copy = strdup(entry), *replaced;
	if (!copy || ctr_env_set(&s->env, &s->n_env, copy, &replaced) < 0) {
		free(copy);
		return ctr_fail(err, ENOMEM, "environment");
	}
	free(replaced);
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

/* A list of flag values as a JSON array for state.db; NULL for none. */
static int json_list(char *const *v, size_t n, char **out, struct ctr_error *err)
{
	*out = NULL;
	if (n == 0)
		return 0;
	json_object *arr = json_object_new_array();
	for (size_t i = 0; arr && i < n; i++)
		if (json_object_array_add(arr, json_object_new_string(v[i])) < 0) {
			json_object_put(arr);
			arr = NULL;
		}
	const char *text = arr ? json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN) : NULL;
	*out = text ? strdup(text) : NULL;
	json_object_put(arr);
	return *out ? 0 : ctr_fail(err, ENOMEM, "options");
}

/* The user namespace and security options, as they will be recorded. */
static int build_security(struct ctrrun *rt, struct run_state *s, struct ctr_error *err)
{
	struct ctr_db_security *sec = &s->security;
	const struct run_options *o = &s->opt;
	sec->idmap_slot = -1;
	bool host = o->userns && strcmp(o->userns, "host") == 0;
	if (rt->rootless) {
		/* A plain user's container is always the user's own namespace
		 * (podman's --userns=host means the same for it). */
		sec->userns = CTR_DB_USERNS_USER;
		sec->uid_map = ctr_idmap_format(&rt->idmap, false);
		sec->gid_map = ctr_idmap_format(&rt->idmap, true);
	} else if (host) {
		sec->userns = CTR_DB_USERNS_HOST;
		sec->uid_map = strdup("0 0 4294967295");
		sec->gid_map = strdup("0 0 4294967295");
	} else {
		if (o->privileged)
			return ctr_fail(err, 0, "--privileged needs --userns=host: a privileged container has every "
						"capability, which only means something as the host's root (docker's "
						"rule)");
		sec->userns = CTR_DB_USERNS_AUTO;
		if (ctr_idmap_root_pool(&s->pool_uid, &s->pool_gid, &sec->pool_blocks, err) < 0)
			return -1;
		sec->pool_uid_first = s->pool_uid;
		sec->pool_gid_first = s->pool_gid;
	}
	if (sec->userns != CTR_DB_USERNS_AUTO && (!sec->uid_map || !sec->gid_map))
		return ctr_fail(err, ENOMEM, "id mapping");
	sec->privileged = o->privileged;
	sec->read_only = o->read_only;
	if (json_list(o->cap_add, o->n_cap_add, &sec->cap_add, err) < 0 ||
	    json_list(o->cap_drop, o->n_cap_drop, &sec->cap_drop, err) < 0 ||
	    json_list(o->tmpfs, o->n_tmpfs, &sec->tmpfs, err) < 0)
		return -1;
	/* Checked now, with the code that applies them at start: a bad name
	 * or profile is an error before anything exists. */
	uint64_t caps;
	if (ctr_caps_compute((const char *const *)o->cap_add, o->n_cap_add, (const char *const *)o->cap_drop,
			     o->n_cap_drop, o->privileged, ctr_cap_last(), &caps, err) < 0)
		return -1;
	for (size_t i = 0; i < o->n_tmpfs; i++) {
		struct ctr_tmpfs t;
		if (ctr_tmpfs_parse(o->tmpfs[i], &t, err) < 0)
			return -1;
		ctr_tmpfs_free(&t);
	}
	if (o->seccomp && strcmp(o->seccomp, "unconfined") == 0) {
		if (!(sec->seccomp = strdup("unconfined")))
			return ctr_fail(err, ENOMEM, "options");
	} else if (o->seccomp) {
		/* Kept as it is now: a file changed later does not change the container. */
		if (ctr_seccomp_profile_read_file(o->seccomp, &sec->seccomp, err) < 0 ||
		    !(sec->seccomp_source = strdup(o->seccomp)))
			return -1;
	}
	return 0;
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
		_cleanup_free_ char *copy = strdup(path);
		if (!copy)
			return ctr_fail(err, ENOMEM, "volume");
		for (char *p = copy + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char saved = *p;
			*p = '\0';
			if (mkdir(copy, 0755) == 0) {
				/* Root's containers own what they asked to be made: their
				 * root writes volumes as root's first subordinate id. */
				if (s->security.userns == CTR_DB_USERNS_AUTO && chown(copy, s->pool_uid, s->pool_gid) < 0) {
					int e = errno;
					rmdir(copy);
					return ctr_fail(err, e, "cannot hand volume directory %s to the container's root", path);
				}
				char **grown = realloc(s->made_host_dirs, (s->n_made_host_dirs + 1) * sizeof *grown);
				if (grown) {
					s->made_host_dirs = grown;
					s->made_host_dirs[s->n_made_host_dirs++] = strdup(copy);
				}
			} else if (errno != EEXIST) {
				return ctr_fail(err, errno, "cannot create volume directory %s", path);
			}
			*p = saved;
			if (!saved)
				break;
		}
	}
	return 0;
}

static int make_dirs(struct ctrrun *rt, struct run_state *s, struct ctr_error *err)
{
	s->dir = ctr_store_container_dir(rt, s->rec.id);
	if (!s->dir)
		return ctr_fail(err, ENOMEM, "path");
	/* 0711: a remapped container's init starts in this dir and must pass
	 * it (the store's root stays 0700, so no other user gets here). */
	if (mkdir(s->dir, 0711) < 0 || chmod(s->dir, 0711) < 0)
		return ctr_fail(err, errno, "cannot create %s", s->dir);
	s->dir_made = true;
	static const char *const subs[] = {"upper", "work", "merged", "proc"};
	for (int i = 0; i < 4; i++) {
		_cleanup_free_ char *sub = NULL;
		if (asprintf(&sub, "%s/%s", s->dir, subs[i]) < 0)
			return ctr_fail(err, ENOMEM, "path");
		if (mkdir(sub, 0755) < 0)
			return ctr_fail(err, errno, "cannot create %s/%s", s->dir, subs[i]);
	}
	return 0;
}

/* Records the container; with a generated name, retries on a collision. */
static int record(struct ctrrun *rt, struct run_state *s, struct ctr_error *err)
{
	char name[64];
	struct ctr_db_container *c = &s->rec;
	/* Recorded as its monitor from the start, in the same transaction: if
	 * this ctrrun dies before the container runs, the next command sees a
	 * dead monitor and removes the half-made container. */
	struct ctr_db_processes procs = {.monitor_pid = getpid()};
	if (ctr_proc_self_start_ticks(&procs.monitor_start_ticks) < 0)
		return ctr_fail(err, errno, "cannot read this process's start time in /proc/self/stat");
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
	c->created_ns = ctr_now_ns();
	c->security = &s->security;
	c->processes = &procs;
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
	/* The image was found above, and the record is refused without it: an
	 * rmi got in between. */
	if (rc == CTR_DB_NOT_FOUND)
		ctr_fail(err, 0, "image %s (%.12s) was removed while the container was being created", s->opt.image,
			 s->image.id);
	if (rc == CTR_DB_OK)
		snprintf(s->name, sizeof s->name, "%s", c->name);
	c->name = NULL;
	c->argv = NULL;
	c->argc = 0;
	c->env = NULL;
	c->n_env = 0;
	c->mounts = NULL;
	c->workdir = c->user = c->hostname = NULL;
	c->security = NULL;
	c->processes = NULL;
	free(mounts);
	if (rc != CTR_DB_OK)
		return -1;
	s->recorded = true;
	ctr_container_event(rt, c->id, s->name, "create", NULL);
	return 0;
}

static bool container_exists(struct ctrrun *rt, const char *id)
{
	struct ctr_error err;
	struct ctr_db_container c;
	if (ctr_db_get_container(rt->db, id, &c, &err) != CTR_DB_OK)
		return false;
	ctr_db_container_free(&c);
	return true;
}

/* Undoes what a failed run made: its row, its dirs, volume dirs it created. */
static void undo(struct ctrrun *rt, struct run_state *s)
{
	struct ctr_error err = {0};
	if (s->dir_made && ctr_remove_tree_as(&rt->idmap, s->dir, &err) < 0)
		ctr_print_error(&err);
	if (s->recorded) {
		if (ctr_db_delete_container(rt->db, s->rec.id, &err) != CTR_DB_OK)
			ctr_print_error(&err);
		else
			ctr_container_event(rt, s->rec.id, s->name, "destroy", NULL);
	}
	for (size_t i = s->n_made_host_dirs; i-- > 0;)
		rmdir(s->made_host_dirs[i]);
}

static void run_state_free(struct run_state *s)
{
	cli_run_options_free(&s->opt);
	ctr_db_image_free(&s->image);
	ctr_image_config_free(&s->config);
	free(s->dir);
	for (size_t i = 0; i < s->n_made_host_dirs; i++)
		free(s->made_host_dirs[i]);
	free(s->made_host_dirs);
	ctr_strv_free(s->argv);
	ctr_strv_free(s->env);
	ctr_db_security_free(&s->security);
}

/* Image, command, environment, the record and the directories. On failure
 * the caller undoes what was made. */
static int prepare(struct ctrrun *rt, struct run_state *s, struct ctr_error *err)
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
	if (build_env(s, err) < 0 || build_security(rt, s, err) < 0)
		return -1;
	if (record(rt, s, err) < 0 || make_volume_dirs(s, err) < 0 || make_dirs(rt, s, err) < 0)
		return -1;
	const struct ctr_limits *l = &s->opt.limits;
	struct ctr_db_resources res = {.memory_bytes = l->memory, .memory_swap_bytes = l->memory_swap,
				       .nano_cpus = ctr_limits_nano_cpus(l), .cpuset_cpus = l->cpuset_cpus,
				       .pids_limit = l->pids_limit};
	if (ctr_limits_any(l) && ctr_db_set_resources(rt->db, s->rec.id, &res, err) != CTR_DB_OK)
		return -1;
	struct ctr_db_log_config log;
	if (cli_log_options_to_db(&s->opt.log, &log, err) < 0)
		return -1;
	rc = ctr_db_set_log_config(rt->db, s->rec.id, &log, err);
	ctr_db_log_config_free(&log);
	return rc == CTR_DB_OK ? 0 : -1;
}

/* The launch's word once the container runs, before its output: the
 * notes and errors met while setting it up. */
static void say_what_was_met(struct ctrrun *rt, struct ctr_errors *met)
{
	cli_print_errors(met);
	ctr_print_warnings(rt);
}

int cmd_run(struct ctrrun *rt, int argc, char **argv)
{
	struct run_state s = {0};
	struct ctr_error err = {0};
	int code = CTRRUN_EXIT_ERROR;

	/* Blocked from the start, so that a Ctrl-C while the container is being
	 * made cannot leave half of it behind; the launch forwards them. */
	sigset_t mask;
	ctr_monitor_block_signals(&mask);

	if (cli_run_options_parse(&s.opt, argc, argv, &err) < 0) {
		ctr_print_error(&err);
		goto out;
	}
	if (s.opt.help) {
		fputs(run_usage, stdout);
		code = 0;
		goto out;
	}
	if (rt->idmap.note)
		fprintf(stderr, "ctrrun: note: %s\n", rt->idmap.note);
	if (cli_open_state(rt, false) < 0)
		goto out;
	/* A limit that cannot be applied fails the run before anything exists. */
	if (ctr_limits_any(&s.opt.limits) && ctr_cgroup_check(NULL, &s.opt.limits, &err) < 0) {
		ctr_print_error(&err);
		goto out;
	}
	if (prepare(rt, &s, &err) < 0) {
		ctr_print_error(&err);
		undo(rt, &s);
		goto out;
	}
	struct ctr_db_container rec;
	if (ctr_db_get_container(rt->db, s.rec.id, &rec, &err) != CTR_DB_OK) {
		ctr_print_error(&err);
		undo(rt, &s);
		goto out;
	}
	struct launch_opts lo = {.detach = s.opt.detach, .stdin_from_us = s.opt.interactive && !s.opt.detach,
				 .remove_if_never_ran = true, .no_proc_view = s.opt.no_proc_view,
				 .running = say_what_was_met};
	/* From here the launch owns the container: it removes it if it never
	 * runs. Only the volume dirs made above are ours to undo. */
	struct ctr_errors met = {0};
	code = ctr_container_launch(rt, &rec, &lo, &met);
	cli_print_errors(&met);
	ctr_db_container_free(&rec);
	bool started = s.opt.detach ? code == 0 : true;
	if (s.opt.detach && started)
		printf("%s\n", s.rec.id);
	if (!started || (!s.opt.detach && code >= CTRRUN_EXIT_ERROR && code <= CTRRUN_EXIT_NOT_FOUND &&
			 !container_exists(rt, s.rec.id)))
		for (size_t i = s.n_made_host_dirs; i-- > 0;)
			rmdir(s.made_host_dirs[i]);
out:
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	run_state_free(&s);
	return code;
}
