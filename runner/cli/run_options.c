/* Parsing `ctrrun run` flags with docker's meanings. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Value of a flag: "--flag=value", or the next argument. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag, struct ctr_error *err)
{
	const char *eq = strchr(argv[*i], '=');
	if (argv[*i][1] == '-' && eq)
		return eq + 1;
	if (*i + 1 >= argc) {
		ctr_fail(err, 0, "%s needs a value", flag);
		return NULL;
	}
	return argv[++*i];
}

static bool is_long(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int run_options_parse(struct run_options *o, int argc, char **argv, struct ctr_error *err)
{
	memset(o, 0, sizeof *o);
	log_options_init(&o->log);
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i], *v;
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[1] == '-') {
			if (strcmp(a, "--help") == 0) {
				o->help = true;
				return 0;
			} else if (strcmp(a, "--interactive") == 0) {
				o->interactive = true;
			} else if (strcmp(a, "--tty") == 0) {
				o->tty = true;
			} else if (is_long(a, "--memory") || is_long(a, "--memory-swap") || is_long(a, "--cpus") ||
				   is_long(a, "--cpuset-cpus") || is_long(a, "--pids-limit")) {
				char flag[32];
				snprintf(flag, sizeof flag, "%.*s", (int)strcspn(a, "="), a);
				if (!(v = flag_value(argc, argv, &i, flag, err)) ||
				    ctr_limits_set_flag(&o->limits, flag, v, err) < 0)
					return -1;
			} else if (is_long(a, "--proc-view")) {
				if (!(v = flag_value(argc, argv, &i, "--proc-view", err)))
					return -1;
				if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
					return ctr_fail(err, 0, "--proc-view '%s': on or off", v);
				o->no_proc_view = strcmp(v, "off") == 0;
			} else if (strcmp(a, "--detach") == 0) {
				o->detach = true;
			} else if (is_long(a, "--log-max-size")) {
				if (!(v = flag_value(argc, argv, &i, "--log-max-size", err)) ||
				    log_options_set_max_size(&o->log, v, err) < 0)
					return -1;
			} else if (is_long(a, "--log-opt")) {
				if (!(v = flag_value(argc, argv, &i, "--log-opt", err)) || log_options_add(&o->log, v, err) < 0)
					return -1;
			} else if (strcmp(a, "--rm") == 0) {
				o->auto_remove = true;
			} else if (is_long(a, "--name")) {
				if (!(v = flag_value(argc, argv, &i, "--name", err)))
					return -1;
				if (!valid_name(v))
					return ctr_fail(err, 0, "--name '%s': names start with a letter or digit and "
								"hold only [a-zA-Z0-9_.-]", v);
				o->name = v;
			} else if (is_long(a, "--volume")) {
				if (!(v = flag_value(argc, argv, &i, "--volume", err)) || add_volume(o, v, err) < 0)
					return -1;
			} else if (is_long(a, "--env")) {
				if (!(v = flag_value(argc, argv, &i, "--env", err)) || add_env(o, v, "-e", err) < 0)
					return -1;
			} else if (is_long(a, "--env-file")) {
				if (!(v = flag_value(argc, argv, &i, "--env-file", err)) || read_env_file(o, v, err) < 0)
					return -1;
			} else if (is_long(a, "--workdir")) {
				if (!(v = flag_value(argc, argv, &i, "--workdir", err)))
					return -1;
				o->workdir = v;
			} else if (is_long(a, "--user")) {
				if (!(v = flag_value(argc, argv, &i, "--user", err)))
					return -1;
				o->user = v;
			} else if (is_long(a, "--hostname")) {
				if (!(v = flag_value(argc, argv, &i, "--hostname", err)))
					return -1;
				o->hostname = v;
			} else if (is_long(a, "--userns")) {
				if (!(v = flag_value(argc, argv, &i, "--userns", err)))
					return -1;
				if (strcmp(v, "host") != 0 && strcmp(v, "auto") != 0 && *v)
					return ctr_fail(err, 0, "--userns '%s': auto or host", v);
				o->userns = *v ? v : NULL;
			} else if (strcmp(a, "--privileged") == 0) {
				o->privileged = true;
			} else if (strcmp(a, "--read-only") == 0) {
				o->read_only = true;
			} else if (is_long(a, "--cap-add") || is_long(a, "--cap-drop")) {
				bool add = is_long(a, "--cap-add");
				if (!(v = flag_value(argc, argv, &i, add ? "--cap-add" : "--cap-drop", err)) ||
				    add_value(add ? &o->cap_add : &o->cap_drop, add ? &o->n_cap_add : &o->n_cap_drop, v,
					      err) < 0)
					return -1;
			} else if (is_long(a, "--security-opt")) {
				if (!(v = flag_value(argc, argv, &i, "--security-opt", err)) || security_opt(o, v, err) < 0)
					return -1;
			} else if (is_long(a, "--tmpfs")) {
				if (!(v = flag_value(argc, argv, &i, "--tmpfs", err)) || add_tmpfs(o, v, err) < 0)
					return -1;
			} else if (is_long(a, "--network") || is_long(a, "--net")) {
				if (!(v = flag_value(argc, argv, &i, "--network", err)))
					return -1;
				if (strcmp(v, "host") != 0 && strcmp(v, "none") != 0)
					return ctr_fail(err, 0, "--network '%s': only none and host are supported", v);
				o->host_network = strcmp(v, "host") == 0;
			} else {
				return ctr_fail(err, 0, "unknown option %s (see ctrrun run --help)", a);
			}
			continue;
		}
		/* Short flags, bundled as in -it. */
		for (const char *c = a + 1; *c; c++) {
			const char *value = NULL;
			if (strchr("vewuhm", *c)) {
				if (c[1]) {
					value = c + 1;
				} else if (i + 1 < argc) {
					value = argv[++i];
				} else {
					return ctr_fail(err, 0, "-%c needs a value", *c);
				}
			}
			switch (*c) {
			case 'd': o->detach = true; break;
			case 'i': o->interactive = true; break;
			case 't': o->tty = true; break;
			case 'v': if (add_volume(o, value, err) < 0) return -1; break;
			case 'e': if (add_env(o, value, "-e", err) < 0) return -1; break;
			case 'w': o->workdir = value; break;
			case 'u': o->user = value; break;
			case 'h': o->hostname = value; break;
			case 'm': if (ctr_limits_set_flag(&o->limits, "-m", value, err) < 0) return -1; break;
			default: return ctr_fail(err, 0, "unknown option -%c (see ctrrun run --help)", *c);
			}
			if (value)
				break;
		}
	}
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

void run_options_free(struct run_options *o)
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
	log_options_free(&o->log);
	free(o->cap_add);
	free(o->cap_drop);
	free(o->tmpfs);
	memset(o, 0, sizeof *o);
}
