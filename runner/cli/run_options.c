/* Parsing `ctrrun run` flags with docker's meanings. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_options.h"
#include "run_options.h"

const char run_usage[] =
	"usage: ctrrun run [OPTIONS] IMAGE [COMMAND [ARG...]]\n\n"
	"Run a command in a new container (rootless; its root is a ctrfs union of\n"
	"the image and a fresh upper dir).\n\n"
	"  -d, --detach             run in the background and print the container id\n"
	"  -i, --interactive        keep stdin open and forward it\n"
	"  -t, --tty                give the container a pseudo-terminal\n"
	"      --rm                 remove the container when it exits\n"
	"      --name NAME          name the container (default: generated)\n"
	"  -v, --volume HOST:CTR[:ro|rw]  bind a host directory or file\n"
	"  -e, --env NAME=VALUE     set an environment variable\n"
	"      --env-file FILE      read NAME=VALUE lines (NAME alone: the host's value)\n"
	"  -w, --workdir DIR        working directory inside the container\n"
	"  -u, --user UID[:GID]     user (a number or a name from the image's /etc/passwd)\n"
	"  -h, --hostname NAME      the container's hostname (default: its short id)\n"
	"      --network none|host  loopback only (default), or the host's network\n"
	"  -m, --memory SIZE        memory limit (b, k, m, g; at least 6m)\n"
	"      --memory-swap SIZE   memory plus swap limit (-1: unlimited swap)\n"
	"      --cpus N.N           CPU time limit, in CPUs\n"
	"      --cpuset-cpus LIST   CPUs the container may run on (0-2,4)\n"
	"      --pids-limit N       most processes and threads at once\n"
	"      --proc-view on|off   the container's own meminfo, cpuinfo, stat, ... (default on)\n"
	"      --log-max-size SIZE  keep at most SIZE of output in the log (default 100m;\n"
	"                           k, m, g suffixes; the oldest output goes first)\n"
	"      --log-opt KEY=VALUE  docker's log options: mode=blocking (default: while the\n"
	"                           log cannot be written, the container's writes wait) or\n"
	"                           mode=non-blocking (output that does not fit in\n"
	"                           max-buffer-size, default 1m, is dropped and marked);\n"
	"                           max-size=SIZE (as --log-max-size)\n"
	"      --userns auto|host   root's containers: a range of subordinate ids of their own\n"
	"                           (auto, the default), or the host's ids (host: container\n"
	"                           root is host root)\n"
	"      --privileged         every capability, no seccomp filter, no masked paths\n"
	"                           (root: with --userns=host only)\n"
	"      --cap-add CAP        add a capability (CAP_NET_ADMIN or NET_ADMIN; ALL)\n"
	"      --cap-drop CAP       drop a capability (ALL drops every one)\n"
	"      --security-opt OPT   seccomp=unconfined, seccomp=FILE (docker's JSON profile),\n"
	"                           no-new-privileges\n"
	"      --read-only          mount the root file system read-only\n"
	"      --tmpfs PATH[:OPTS]  a fresh tmpfs at PATH (OPTS as mount(8): size=64m,mode=1777)\n\n"
	"Exit status: the command's; 125 when ctrrun fails, 126 when the command\n"
	"cannot be executed, 127 when it is not found, 128+N after signal N.\n";

static bool valid_env_name(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0' || isspace((unsigned char)s[i]))
			return false;
	return true;
}

static int add_env(struct run_options *o, const char *entry, const char *where, struct ctr_error *err)
{
	const char *eq = strchr(entry, '=');
	if (!eq)
		return ctr_fail(err, 0, "%s '%s': expected NAME=VALUE", where, entry);
	if (!valid_env_name(entry, (size_t)(eq - entry)))
		return ctr_fail(err, 0, "%s '%s': the variable name is empty or has spaces", where, entry);
	char **grown = realloc(o->env, (o->n_env + 1) * sizeof *grown);
	if (!grown)
		return ctr_fail(err, ENOMEM, "environment");
	o->env = grown;
	o->env[o->n_env] = strdup(entry);
	if (!o->env[o->n_env])
		return ctr_fail(err, ENOMEM, "environment");
	o->n_env++;
	return 0;
}

static int read_env_file(struct run_options *o, const char *file, struct ctr_error *err)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return ctr_fail(err, errno, "--env-file %s", file);
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		char where[4200];
		snprintf(where, sizeof where, "--env-file %s line %d", file, lineno);
		if (!strchr(s, '=')) {
			/* docker: a bare name takes the host's value, if it has one */
			const char *v = getenv(s);
			if (!valid_env_name(s, strlen(s))) {
				rc = ctr_fail(err, 0, "%s: '%s' is not a variable name", where, s);
				break;
			}
			if (!v)
				continue;
			char *entry = NULL;
			if (asprintf(&entry, "%s=%s", s, v) < 0) {
				rc = ctr_fail(err, ENOMEM, "environment");
				break;
			}
			rc = add_env(o, entry, where, err);
			free(entry);
		} else {
			rc = add_env(o, s, where, err);
		}
	}
	if (rc == 0 && ferror(f))
		rc = ctr_fail(err, errno, "--env-file %s", file);
	free(line);
	fclose(f);
	return rc;
}

/* An absolute path without "." or ".." parts and without a trailing slash. */
static bool clean_absolute(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *s = p; *s;) {
		while (*s == '/')
			s++;
		size_t len = strcspn(s, "/");
		if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		s += len;
	}
	return true;
}

static int add_volume(struct run_options *o, const char *spec, struct ctr_error *err)
{
	char *copy = strdup(spec);
	if (!copy)
		return ctr_fail(err, ENOMEM, "volume");
	char *parts[4] = {0};
	int n = 0;
	for (char *p = copy, *colon; n < 4; n++) {
		parts[n] = p;
		colon = strchr(p, ':');
		if (!colon) {
			n++;
			break;
		}
		*colon = '\0';
		p = colon + 1;
	}
	int rc = 0;
	bool ro = false;
	if (n < 2 || n > 3)
		rc = ctr_fail(err, 0, "-v %s: expected HOST:CONTAINER[:ro|rw]", spec);
	else if (!*parts[0] || !*parts[1])
		rc = ctr_fail(err, 0, "-v %s: the %s path is empty", spec, !*parts[0] ? "host" : "container");
	else if (parts[0][0] != '/')
		rc = ctr_fail(err, 0, "-v %s: the host path '%s' must be absolute", spec, parts[0]);
	else if (!clean_absolute(parts[1]))
		rc = ctr_fail(err, 0, "-v %s: the container path '%s' must be absolute, without '.' or '..'", spec,
			      parts[1]);
	else if (strspn(parts[1], "/") == strlen(parts[1]))
		rc = ctr_fail(err, 0, "-v %s: the container path cannot be /", spec);
	else if (n == 3 && strcmp(parts[2], "ro") != 0 && strcmp(parts[2], "rw") != 0)
		rc = ctr_fail(err, 0, "-v %s: unknown mode '%s' (ro or rw)", spec, parts[2]);
	if (rc == 0) {
		ro = n == 3 && strcmp(parts[2], "ro") == 0;
		for (size_t i = 0; i < o->n_volumes; i++)
			if (strcmp(o->volumes[i].container_path, parts[1]) == 0)
				rc = ctr_fail(err, 0, "-v %s: %s is already a volume", spec, parts[1]);
	}
	if (rc == 0) {
		struct ctr_volume *grown = realloc(o->volumes, (o->n_volumes + 1) * sizeof *grown);
		if (!grown) {
			rc = ctr_fail(err, ENOMEM, "volume");
		} else {
			o->volumes = grown;
			o->volumes[o->n_volumes] = (struct ctr_volume){strdup(parts[0]), strdup(parts[1]), ro, -1};
			o->n_volumes++;
		}
	}
	free(copy);
	return rc;
}

/* Appends VALUE to a NULL-terminated list of flag values. */
static int add_value(char ***list, size_t *n, const char *value, struct ctr_error *err)
{
	char **grown = realloc(*list, (*n + 2) * sizeof *grown);
	if (!grown)
		return ctr_fail(err, ENOMEM, "options");
	*list = grown;
	grown[*n] = (char *)value;
	grown[++*n] = NULL;
	return 0;
}

/* --security-opt: docker's seccomp= and no-new-privileges (also with ':'),
 * and a clear refusal of what this host has not (AppArmor, SELinux). */
static int security_opt(struct run_options *o, const char *v, struct ctr_error *err)
{
	if (strncmp(v, "seccomp=", 8) == 0 || strncmp(v, "seccomp:", 8) == 0) {
		if (!v[8])
			return ctr_fail(err, 0, "--security-opt '%s': seccomp=unconfined or seccomp=FILE", v);
		o->seccomp = v + 8;
		return 0;
	}
	if (strcmp(v, "no-new-privileges") == 0 || strcmp(v, "no-new-privileges=true") == 0 ||
	    strcmp(v, "no-new-privileges:true") == 0) {
		o->no_new_privileges = true;
		return 0;
	}
	if (strcmp(v, "no-new-privileges=false") == 0 || strcmp(v, "no-new-privileges:false") == 0)
		return ctr_fail(err, 0, "--security-opt '%s': ctrrun always sets no_new_privs (setuid binaries "
					"cannot gain privileges in a container)", v);
	if (strncmp(v, "apparmor", 8) == 0 || strncmp(v, "label", 5) == 0)
		return ctr_fail(err, 0, "--security-opt '%s': ctrrun does not use AppArmor or SELinux", v);
	return ctr_fail(err, 0, "--security-opt '%s': unknown option (seccomp=unconfined, seccomp=FILE, "
				"no-new-privileges)", v);
}

/* --tmpfs PATH[:OPTIONS]: an absolute, clean path. */
static int add_tmpfs(struct run_options *o, const char *v, struct ctr_error *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%.*s", (int)strcspn(v, ":"), v);
	if (!clean_absolute(path) || strspn(path, "/") == strlen(path))
		return ctr_fail(err, 0, "--tmpfs '%s': the path must be absolute, not /, without '.' or '..'", v);
	return add_value(&o->tmpfs, &o->n_tmpfs, v, err);
}

static bool valid_name(const char *s)
{
	if (!isalnum((unsigned char)s[0]) || strlen(s) > 128)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
			return false;
	return true;
}

static bool valid_hostname(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > 64 || s[0] == '-' || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.')
			return false;
	return true;
}

/* The vals of run's options that have no short form. */
enum {
	OPT_RM = CLI_HELP + 1, OPT_NAME, OPT_ENV_FILE, OPT_NETWORK, OPT_MEMORY_SWAP, OPT_CPUS, OPT_CPUSET_CPUS,
	OPT_PIDS_LIMIT, OPT_PROC_VIEW, OPT_LOG_MAX_SIZE, OPT_LOG_OPT, OPT_USERNS, OPT_PRIVILEGED, OPT_CAP_ADD,
	OPT_CAP_DROP, OPT_SECURITY_OPT, OPT_READ_ONLY, OPT_TMPFS,
};

static const struct option run_long_options[] = {
	{"detach", no_argument, NULL, 'd'},
	{"interactive", no_argument, NULL, 'i'},
	{"tty", no_argument, NULL, 't'},
	{"rm", no_argument, NULL, OPT_RM},
	{"name", required_argument, NULL, OPT_NAME},
	{"volume", required_argument, NULL, 'v'},
	{"env", required_argument, NULL, 'e'},
	{"env-file", required_argument, NULL, OPT_ENV_FILE},
	{"workdir", required_argument, NULL, 'w'},
	{"user", required_argument, NULL, 'u'},
	{"hostname", required_argument, NULL, 'h'},
	{"network", required_argument, NULL, OPT_NETWORK},
	{"net", required_argument, NULL, OPT_NETWORK},
	{"memory", required_argument, NULL, 'm'},
	{"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
	{"cpus", required_argument, NULL, OPT_CPUS},
	{"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
	{"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
	{"proc-view", required_argument, NULL, OPT_PROC_VIEW},
	{"log-max-size", required_argument, NULL, OPT_LOG_MAX_SIZE},
	{"log-opt", required_argument, NULL, OPT_LOG_OPT},
	{"userns", required_argument, NULL, OPT_USERNS},
	{"privileged", no_argument, NULL, OPT_PRIVILEGED},
	{"cap-add", required_argument, NULL, OPT_CAP_ADD},
	{"cap-drop", required_argument, NULL, OPT_CAP_DROP},
	{"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
	{"read-only", no_argument, NULL, OPT_READ_ONLY},
	{"tmpfs", required_argument, NULL, OPT_TMPFS},
	{"help", no_argument, NULL, CLI_HELP},
	{NULL, 0, NULL, 0},
};

/* One option and its value V; 0, or -1 with *ERR naming the flag. */
static int run_option(struct run_options *o, int opt, const char *flag, const char *v, struct ctr_error *err)
{
	switch (opt) {
	case 'd': o->detach = true; return 0;
	case 'i': o->interactive = true; return 0;
	case 't': o->tty = true; return 0;
	case OPT_RM: o->auto_remove = true; return 0;
	case OPT_PRIVILEGED: o->privileged = true; return 0;
	case OPT_READ_ONLY: o->read_only = true; return 0;
	case 'w': o->workdir = v; return 0;
	case 'u': o->user = v; return 0;
	case 'h': o->hostname = v; return 0;
	case 'v': return add_volume(o, v, err);
	case 'e': return add_env(o, v, "-e", err);
	case OPT_ENV_FILE: return read_env_file(o, v, err);
	case 'm':
	case OPT_MEMORY_SWAP:
	case OPT_CPUS:
	case OPT_CPUSET_CPUS:
	case OPT_PIDS_LIMIT:
		return ctr_limits_set_flag(&o->limits, flag, v, err) < 0 ? -1 : 0;
	case OPT_PROC_VIEW:
		if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
			return ctr_fail(err, 0, "--proc-view '%s': on or off", v);
		o->no_proc_view = strcmp(v, "off") == 0;
		return 0;
	case OPT_LOG_MAX_SIZE: return cli_log_options_set_max_size(&o->log, v, err);
	case OPT_LOG_OPT: return cli_log_options_add(&o->log, v, err);
	case OPT_NAME:
		if (!valid_name(v))
			return ctr_fail(err, 0, "--name '%s': names start with a letter or digit and "
						"hold only [a-zA-Z0-9_.-]", v);
		o->name = v;
		return 0;
	case OPT_USERNS:
		if (strcmp(v, "host") != 0 && strcmp(v, "auto") != 0 && *v)
			return ctr_fail(err, 0, "--userns '%s': auto or host", v);
		o->userns = *v ? v : NULL;
		return 0;
	case OPT_CAP_ADD: return add_value(&o->cap_add, &o->n_cap_add, v, err);
	case OPT_CAP_DROP: return add_value(&o->cap_drop, &o->n_cap_drop, v, err);
	case OPT_SECURITY_OPT: return security_opt(o, v, err);
	case OPT_TMPFS: return add_tmpfs(o, v, err);
	case OPT_NETWORK:
		if (strcmp(v, "host") != 0 && strcmp(v, "none") != 0)
			return ctr_fail(err, 0, "--network '%s': only none and host are supported", v);
		o->host_network = strcmp(v, "host") == 0;
		return 0;
	}
	return ctr_fail(err, 0, "run: %s is not handled", flag);  /* a table entry without a case */
}

int cli_run_options_parse(struct run_options *o, int argc, char **argv, struct ctr_error *err)
{
	memset(o, 0, sizeof *o);
	cli_log_options_init(&o->log);
	struct cli_options p;
	int opt;
	cli_options_start(&p, "run", "+ditv:e:w:u:h:m:", run_long_options, argc, argv);
	while ((opt = cli_options_next(&p, err)) != -1) {
		if (opt == '?')
			return -1;
		if (opt == CLI_HELP) {
			o->help = true;
			return 0;
		}
		if (run_option(o, opt, p.flag, optarg, err) < 0)
			return -1;
	}
	int i = optind;
	if (i >= argc)
		return ctr_fail(err, 0, "run needs an IMAGE (see ctrrun run --help)");
	o->image = argv[i++];
	o->command = argv + i;
	o->n_command = argc - i;
	if (ctr_limits_finish(&o->limits, err) < 0)
		return -1;
	if (o->workdir && !clean_absolute(o->workdir))
		return ctr_fail(err, 0, "-w '%s': the working directory must be an absolute path", o->workdir);
	if (o->hostname && !valid_hostname(o->hostname))
		return ctr_fail(err, 0, "--hostname '%s': at most 64 letters, digits, '-' and '.'", o->hostname);
	if (o->user && (!*o->user || strchr(o->user, '/') || o->user[0] == ':'))
		return ctr_fail(err, 0, "-u '%s': expected UID[:GID] or NAME[:GROUP]", o->user);
	return 0;
}

void cli_run_options_free(struct run_options *o)
{
	for (size_t i = 0; i < o->n_env; i++)
		free(o->env[i]);
	free(o->env);
	for (size_t i = 0; i < o->n_volumes; i++) {
		free(o->volumes[i].host_path);
		free(o->volumes[i].container_path);
	}
	free(o->volumes);
	ctr_limits_free(&o->limits);
	cli_log_options_free(&o->log);
	free(o->cap_add);
	free(o->cap_drop);
	free(o->tmpfs);
	memset(o, 0, sizeof *o);
}
