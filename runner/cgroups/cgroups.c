/* A container's cgroups: finding each controller's hierarchy and the
 * caller's place in it, creating the container's cgroups below that place
 * (cgroups_v1.c and cgroups_v2.c write the limits), carrying them through
 * state.db as JSON, and removing them. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctr/cgroup_mounts.h"
#include "ctr/fsutil.h"
#include "ctr/proc_pid.h"
#include "cgroups_internal.h"
#include "ctr/cleanup.h"
#include "proc_stat.h"

/* Controllers a from_json record may name (more than create makes, so a
 * newer ctrrun's record still loads). */
#define CG_MAX_ENTRIES 16
/* How long remove waits for killed processes to leave a cgroup. */
#define KILL_WAIT_MS 2000
/* Nesting below a container's cgroup that remove follows. */
#define MAX_DEPTH 32
/* cgroup.procs of a container under a fork bomb can be long. */
#define PROCS_BUF (1 << 20)

const char *const cg_controller_names[CG_COUNT] = {"memory", "cpu", "cpuacct", "cpuset", "pids"};

struct cg_entry {
	char *controller;
	char *dir;  /* absolute; several controllers of one hierarchy share it */
};

struct ctr_cgroup {
	size_t n;
	struct cg_entry e[CG_MAX_ENTRIES];
};

/* ---- cgroupfs files ---- */

static int real_mkdir(const char *path)
{
	return mkdir(path, 0755);
}

static int real_rmdir(const char *path)
{
	return rmdir(path);
}

static const struct ctr_cgroupfs_ops real_ops = {real_mkdir, real_rmdir};
static const struct ctr_cgroupfs_ops *fs_ops = &real_ops;

void ctr_cgroupfs_set_ops(const struct ctr_cgroupfs_ops *ops)
{
	fs_ops = ops ? ops : &real_ops;
}

int cg_mkdir(const char *path)
{
	return fs_ops->mkdir(path);
}

int cg_rmdir(const char *path)
{
	return fs_ops->rmdir(path);
}

char *cg_join(const char *a, const char *b)
{
	char *out;
	return asprintf(&out, "%s/%s", a, b) < 0 ? NULL : out;
}

ssize_t cg_read_file(const char *path, char *buf, size_t len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

bool cg_has_word(const char *path, const char *word)
{
	char buf[4096];
	if (cg_read_file(path, buf, sizeof buf) < 0)
		return false;
	size_t len = strlen(word);
	for (char *p = buf; *p;) {
		p += strspn(p, " \t\n");
		size_t n = strcspn(p, " \t\n");
		if (n == len && memcmp(p, word, len) == 0)
			return true;
		p += n;
	}
	return false;
}

int cg_write(const char *dir, const char *file, const char *value, struct ctr_error *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	/* No O_CREAT: a control file the kernel does not provide is an error,
	 * not a new file. O_TRUNC only matters for a test's plain files. */
	_cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail(err, errno, "cannot open %s", path);
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	if (n < 0)
		return ctr_fail(err, errno, "cannot write '%s' to %s", value, path);
	if ((size_t)n != len)
		return ctr_fail(err, 0, "cannot write '%s' to %s: short write", value, path);
	return 0;
}

int cg_write_int(const char *dir, const char *file, int64_t value, struct ctr_error *err)
{
	char text[32];
	snprintf(text, sizeof text, "%" PRId64, value);
	return cg_write(dir, file, text, err);
}

bool cg_exists(const char *dir, const char *file)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

bool cg_writable(const char *dir, const char *file)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file ? file : ".");
	return faccessat(AT_FDCWD, path, file ? W_OK : W_OK | X_OK, AT_EACCESS) == 0;
}

int cg_check_cpuset_fits(const char *flag, const char *parent, const char *file, const struct ctr_limits *l,
			 struct ctr_error *err)
{
	char path[4096], buf[4096];
	snprintf(path, sizeof path, "%s/%s", parent, file);
	if (cg_read_file(path, buf, sizeof buf) < 0)
		return 0;
	struct ctr_cpuset want, have;
	if (ctr_cpuset_parse(l->cpuset_cpus, false, &want) < 0)
		return ctr_fail(err, 0, "invalid value '%s' for %s: expected a CPU list such as 0-2,4", l->cpuset_cpus,
				flag);
	if (ctr_cpuset_parse(buf, true, &have) < 0)
		return ctr_fail(err, 0, "cannot apply %s: %s is not a CPU list", flag, path);
	int missing = ctr_cpuset_first_missing(&want, &have);
	buf[strcspn(buf, "\n")] = '\0';
	if (missing >= 0)
		return ctr_fail(err, 0, "cannot apply %s %s: CPU %d is not in the cpuset of cgroup %s (%s)", flag,
				l->cpuset_cpus, missing, parent, buf);
	return 0;
}

/* ---- where the controllers are ---- */

static int controller_index(const char *name, size_t len)
{
	for (int c = 0; c < CG_COUNT; c++)
		if (strlen(cg_controller_names[c]) == len && memcmp(cg_controller_names[c], name, len) == 0)
			return c;
	return -1;
}

/* The caller's cgroup in a hierarchy mounted at MOUNT. */
static char *place_dir(const char *mount, const char *cgpath)
{
	char *out;
	return asprintf(&out, "%s%s", mount, strcmp(cgpath, "/") == 0 ? "" : cgpath) < 0 ? NULL : out;
}

static void layout_free(struct cg_layout *lay)
{
	free(lay->unified);
	for (int c = 0; c < CG_COUNT; c++) {
		free(lay->place[c].cgpath);
		free(lay->place[c].parent);
	}
	memset(lay, 0, sizeof *lay);
}

static int set_place(struct cg_place *pl, bool v2, int hierarchy, const char *mount, const char *cgpath)
{
	free(pl->cgpath);
	free(pl->parent);
	pl->cgpath = strdup(cgpath);
	pl->parent = place_dir(mount, cgpath);
	pl->found = pl->cgpath && pl->parent;
	pl->v2 = v2;
	pl->hierarchy = hierarchy;
	return pl->found ? 0 : -1;
}

/* One v1 line of /proc/self/cgroup: "ID:ctrl1,ctrl2:PATH". Its mount is
 * ROOT/<controller> (a symlink where controllers share a hierarchy, as
 * cpu -> cpu,cpuacct) or ROOT/<the list as written>. */
static int load_v1_line(struct cg_layout *lay, int id, char *ctrls, const char *cgpath)
{
	char *joined_mount = cg_join(lay->root, ctrls);
	if (!joined_mount)
		return -1;
	int rc = 0;
	for (char *p = ctrls; *p && rc == 0;) {
		size_t n = strcspn(p, ",");
		int c = controller_index(p, n);
		if (c >= 0 && !lay->place[c].found) {
			char mount[4096];
			snprintf(mount, sizeof mount, "%s/%.*s", lay->root, (int)n, p);
			if (ctr_is_dir(mount))
				rc = set_place(&lay->place[c], false, id, mount, cgpath);
			else if (ctr_is_dir(joined_mount))
				rc = set_place(&lay->place[c], false, id, joined_mount, cgpath);
		}
		p += n + (p[n] == ',');
	}
	free(joined_mount);
	return rc;
}

static int layout_load(const struct ctr_cgroup_env *env, struct cg_layout *lay, struct ctr_error *err)
{
	memset(lay, 0, sizeof *lay);
	lay->root = env->root;
	char text[16384];
	if (cg_read_file(env->self_cgroup_file, text, sizeof text) < 0)
		return ctr_fail(err, errno, "cannot read %s", env->self_cgroup_file);

	/* The v2 hierarchy: mounted at the root (a pure v2 host), or at
	 * ROOT/unified beside the v1 ones (a hybrid host). */
	bool pure;
	lay->unified = ctr_cgroup_v2_mount(env->root, &pure);

	char *v2_path = NULL, *rest = text;
	struct ctr_cgroup_line line;
	while (ctr_cgroup_next_line(&rest, &line)) {
		if (line.path[0] != '/')
			continue;
		if (line.controllers[0] == '\0') {
			v2_path = line.path;
			continue;
		}
		if (load_v1_line(lay, atoi(line.id), line.controllers, line.path) < 0) {
			layout_free(lay);
			return ctr_fail(err, ENOMEM, "reading %s", env->self_cgroup_file);
		}
	}
	/* A controller the v2 hierarchy has is used there, wherever else a
	 * stale v1 entry might claim it. */
	if (lay->unified && v2_path) {
		char *controllers = cg_join(lay->unified, "cgroup.controllers");
		for (int c = 0; controllers && c < CG_COUNT; c++)
			if (c != CG_CPUACCT && cg_has_word(controllers, cg_controller_names[c]) &&
			    set_place(&lay->place[c], true, 0, lay->unified, v2_path) < 0) {
				free(controllers);
				layout_free(lay);
				return ctr_fail(err, ENOMEM, "reading %s", env->self_cgroup_file);
			}
		free(controllers);
	}
	return 0;
}

/* ---- checks ---- */

static void compute_needs(const struct ctr_limits *l, struct cg_need need[CG_COUNT])
{
	memset(need, 0, sizeof *need * CG_COUNT);
	if (l->memory > 0 || l->memory_swap > 0)
		need[CG_MEMORY] = (struct cg_need){true, true, l->memory > 0 ? "--memory" : "--memory-swap"};
	if (l->cpu_quota_us > 0)
		need[CG_CPU] = (struct cg_need){true, true, "--cpus"};
	if (l->cpuset_cpus)
		need[CG_CPUSET] = (struct cg_need){true, true, "--cpuset-cpus"};
	if (l->pids_limit > 0)
		need[CG_PIDS] = (struct cg_need){true, true, "--pids-limit"};
	if (l->cpu_quota_us > 0 || l->cpuset_cpus)
		need[CG_CPUACCT] = (struct cg_need){true, false, NULL};
}

/* Every required controller usable; accounting-only ones are dropped
 * where they are not (they limit nothing). */
static int check_layout(const struct cg_layout *lay, const struct ctr_limits *l, struct cg_need need[CG_COUNT],
			struct ctr_error *err)
{
	for (int c = 0; c < CG_COUNT; c++) {
		const struct cg_place *pl = &lay->place[c];
		if (!need[c].wanted)
			continue;
		if (!need[c].required) {
			need[c].wanted = pl->found && !pl->v2 && cg_writable(pl->parent, NULL);
			continue;
		}
		if (!pl->found)
			return ctr_fail(err, 0, "cannot apply %s: no cgroup hierarchy under %s has the %s controller",
					need[c].flag, lay->root, cg_controller_names[c]);
		int rc = pl->v2 ? cg_v2_check((enum cg_controller)c, pl, &need[c], l, err)
				: cg_v1_check((enum cg_controller)c, pl, &need[c], l, err);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int ctr_cgroup_check(const struct ctr_cgroup_env *env, const struct ctr_limits *l, struct ctr_error *err)
{
	if (!ctr_limits_any(l))
		return 0;
	const struct ctr_cgroup_env host = CTR_CGROUP_ENV_HOST;
	struct cg_layout lay;
	if (layout_load(env ? env : &host, &lay, err) < 0)
		return -1;
	struct cg_need need[CG_COUNT];
	compute_needs(l, need);
	int rc = check_layout(&lay, l, need, err);
	layout_free(&lay);
	return rc;
}

/* ---- creating ---- */

static bool valid_name(const char *name)
{
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strlen(name) > 200)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return strcmp(name, CG_V2_LEAF) != 0;
}

static int add_entry(struct ctr_cgroup *cg, const char *controller, const char *dir)
{
	if (cg->n == CG_MAX_ENTRIES)
		return -1;
	struct cg_entry *e = &cg->e[cg->n];
	e->controller = strdup(controller);
	e->dir = strdup(dir);
	if (!e->controller || !e->dir) {
		free(e->controller);
		free(e->dir);
		return -1;
	}
	cg->n++;
	return 0;
}

/* The container's directories, one per hierarchy, and what was changed
 * on the way, so that a failure leaves nothing behind. */
struct create_state {
	char *made[CG_COUNT];
	size_t n_made;
	char *dir_of[CG_COUNT];  /* points into made[] */
	struct cg_v2_undo v2;
};

/* mkdir of a container's cgroup. The name is the container's own, so one
 * that exists already was left by a ctrrun killed between making it and
 * recording it in state.db (or the container runs elsewhere): without a
 * process or a child in it rmdir takes it, and it is made afresh; with
 * some, rmdir refuses (EBUSY) and EEXIST stays the answer. */
static int mkdir_fresh(const char *dir)
{
	if (cg_mkdir(dir) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (cg_rmdir(dir) < 0) {
		errno = EEXIST;
		return -1;
	}
	return cg_mkdir(dir);
}

static int make_dir(struct create_state *st, const char *parent, const char *name, struct ctr_error *err)
{
	_cleanup_free_ char *dir = cg_join(parent, name);
	if (!dir)
		return ctr_fail(err, ENOMEM, "cgroup %s", name);
	if (mkdir_fresh(dir) < 0) {
		if (errno == EEXIST)
			return ctr_fail(err, 0, "cannot create cgroup %s/%s: it exists already", parent, name);
		return ctr_fail(err, errno, "cannot create cgroup %s/%s", parent, name);
	}
	st->made[st->n_made++] = steal_pointer(&dir);
	return 0;
}

static void undo_create(struct create_state *st)
{
	while (st->n_made > 0) {
		char *dir = st->made[--st->n_made];
		cg_rmdir(dir);
		free(dir);
	}
	cg_v2_undo(&st->v2);
}

static int create_dirs(const struct cg_layout *lay, const char *name, const struct cg_need need[CG_COUNT],
		       struct create_state *st, struct ctr_error *err)
{
	const char *v2_want[CG_COUNT + 1];
	size_t n_v2 = 0;
	int v2_first = -1;
	for (int c = 0; c < CG_COUNT; c++)
		if (need[c].wanted && lay->place[c].v2) {
			v2_want[n_v2++] = cg_controller_names[c];
			if (v2_first < 0)
				v2_first = c;
		}
	v2_want[n_v2] = NULL;
	if (n_v2 > 0) {
		const struct cg_place *pl = &lay->place[v2_first];
		if (cg_v2_prepare(pl->parent, pl->cgpath, v2_want, &st->v2, err) < 0 ||
		    make_dir(st, pl->parent, name, err) < 0)
			return -1;
		for (int c = 0; c < CG_COUNT; c++)
			if (need[c].wanted && lay->place[c].v2)
				st->dir_of[c] = st->made[st->n_made - 1];
	}
	/* v1: one directory per hierarchy, shared by its controllers. */
	for (int c = 0; c < CG_COUNT; c++) {
		if (!need[c].wanted || lay->place[c].v2)
			continue;
		for (int d = 0; d < c && !st->dir_of[c]; d++)
			if (need[d].wanted && !lay->place[d].v2 && lay->place[d].hierarchy == lay->place[c].hierarchy)
				st->dir_of[c] = st->dir_of[d];
		if (!st->dir_of[c]) {
			if (make_dir(st, lay->place[c].parent, name, err) < 0)
				return -1;
			st->dir_of[c] = st->made[st->n_made - 1];
		}
	}
	return 0;
}

int ctr_cgroup_create(const struct ctr_cgroup_env *env, const char *name, const struct ctr_limits *l,
		      struct ctr_cgroup **out, struct ctr_error *err)
{
	*out = NULL;
	if (!valid_name(name))
		return ctr_fail(err, 0, "invalid cgroup name '%s'", name);
	struct ctr_cgroup *cg = calloc(1, sizeof *cg);
	if (!cg)
		return ctr_fail(err, ENOMEM, "cgroup %s", name);
	if (!ctr_limits_any(l)) {
		*out = cg;
		return 0;
	}
	const struct ctr_cgroup_env host = CTR_CGROUP_ENV_HOST;
	struct cg_layout lay;
	if (layout_load(env ? env : &host, &lay, err) < 0) {
		free(cg);
		return -1;
	}
	struct cg_need need[CG_COUNT];
	compute_needs(l, need);
	struct create_state st = {0};
	int rc = check_layout(&lay, l, need, err);
	if (rc == 0)
		rc = create_dirs(&lay, name, need, &st, err);
	for (int c = 0; c < CG_COUNT && rc == 0; c++) {
		if (!need[c].wanted)
			continue;
		if (add_entry(cg, cg_controller_names[c], st.dir_of[c]) < 0)
			rc = ctr_fail(err, ENOMEM, "cgroup %s", name);
		else if (lay.place[c].v2)
			rc = cg_v2_write_limits((enum cg_controller)c, st.dir_of[c], l, err);
		else
			rc = cg_v1_write_limits((enum cg_controller)c, lay.place[c].parent, st.dir_of[c], l, err);
	}
	if (rc < 0) {
		undo_create(&st);
		ctr_cgroup_free(cg);
	} else {
		for (size_t i = 0; i < st.n_made; i++)
			free(st.made[i]);
		free(st.v2.parent);
		*out = cg;
	}
	layout_free(&lay);
	return rc;
}

/* ---- a cgroup in every hierarchy ---- */

/* Where a v1 hierarchy of /proc/self/cgroup ("cpu,cpuacct", "name=systemd")
 * is mounted: ROOT/<list>, ROOT/<first controller> or ROOT/<name>. */
static char *v1_mount(const char *root, const char *ctrls)
{
	char first[256];
	snprintf(first, sizeof first, "%.*s", (int)strcspn(ctrls, ","), ctrls);
	const char *named = strncmp(first, "name=", 5) == 0 ? first + 5 : NULL;
	const char *candidates[] = {ctrls, named ? named : first};
	for (size_t i = 0; i < 2; i++) {
		char *m = cg_join(root, candidates[i]);
		if (m && ctr_is_dir(m))
			return m;
		free(m);
	}
	return NULL;
}

static bool has_dir(const struct ctr_cgroup *cg, const char *dir)
{
	for (size_t i = 0; i < cg->n; i++)
		if (strcmp(cg->e[i].dir, dir) == 0)
			return true;
	return false;
}

/* One more directory NAME below PARENT, recorded under KEY. A v1 cpuset
 * starts empty and takes no process until it has CPUs and memory nodes:
 * the parent's, when no limit says otherwise. */
static int add_hierarchy_dir(struct ctr_cgroup *cg, const char *key, const char *parent, const char *name,
			     bool v1_cpuset, struct ctr_error *err)
{
	_cleanup_free_ char *dir = cg_join(parent, name);
	if (!dir)
		return ctr_fail(err, ENOMEM, "cgroup %s", name);
	if (has_dir(cg, dir))
		return 0;
	if (mkdir_fresh(dir) < 0)
		return ctr_fail(err, errno, "cannot create cgroup %s (root's containers get a cgroup of their own in "
					    "every hierarchy, so that their cgroup namespace is rooted there)", dir);
	if (add_entry(cg, key, dir) < 0) {
		cg_rmdir(dir);
		return ctr_fail(err, ENOMEM, "cgroup %s", dir);
	}
	for (int i = 0; v1_cpuset && i < 2; i++) {
		const char *file = i ? "cpuset.mems" : "cpuset.cpus";
		char path[4096], value[4096];
		snprintf(path, sizeof path, "%s/%s", parent, file);
		if (cg_read_file(path, value, sizeof value) < 0)
			return ctr_fail(err, errno, "cannot read %s", path);
		value[strcspn(value, "\n")] = '\0';
		if (cg_write(dir, file, value, err) < 0)
			return -1;
	}
	return 0;
}

int ctr_cgroup_add_hierarchies(const struct ctr_cgroup_env *env, struct ctr_cgroup *cg, const char *name,
			       struct ctr_error *err)
{
	if (!valid_name(name))
		return ctr_fail(err, 0, "invalid cgroup name '%s'", name);
	const struct ctr_cgroup_env host = CTR_CGROUP_ENV_HOST;
	if (!env)
		env = &host;
	char text[16384];
	if (cg_read_file(env->self_cgroup_file, text, sizeof text) < 0)
		return ctr_fail(err, errno, "cannot read %s", env->self_cgroup_file);
	bool pure;
	char *unified = ctr_cgroup_v2_mount(env->root, &pure);
	int rc = 0;
	char *rest = text;
	struct ctr_cgroup_line line;
	while (rc == 0 && ctr_cgroup_next_line(&rest, &line)) {
		if (line.path[0] != '/')
			continue;
		const char *ctrls = line.controllers, *cgpath = line.path;
		char *mount = *ctrls ? v1_mount(env->root, ctrls) : unified ? strdup(unified) : NULL;
		char *parent = mount ? place_dir(mount, cgpath) : NULL;
		if (parent) {
			bool cpuset = false;
			for (const char *p = ctrls; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ','))
				cpuset |= strncmp(p, "cpuset", 6) == 0 && (p[6] == ',' || p[6] == '\0');
			rc = add_hierarchy_dir(cg, *ctrls ? ctrls : "unified", parent, name, cpuset, err);
		}
		free(parent);
		free(mount);
	}
	free(unified);
	return rc;
}

/* ---- using ---- */

/* True when entry I's directory already came up among the earlier ones. */
static bool seen_before(const struct ctr_cgroup *cg, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(cg->e[j].dir, cg->e[i].dir) == 0)
			return true;
	return false;
}

int ctr_cgroup_add_pid(struct ctr_cgroup *cg, pid_t pid, struct ctr_error *err)
{
	char value[32];
	snprintf(value, sizeof value, "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++)
		if (!seen_before(cg, i) && cg_write(cg->e[i].dir, "cgroup.procs", value, err) < 0)
			return -1;
	return 0;
}

const char *ctr_cgroup_dir(const struct ctr_cgroup *cg, const char *controller)
{
	for (size_t i = 0; i < cg->n; i++)
		if (strcmp(cg->e[i].controller, controller) == 0)
			return cg->e[i].dir;
	return NULL;
}

/* The value of KEY in a "key value" lines file, or -1. */
static int64_t keyed_value(const char *dir, const char *file, const char *key)
{
	char path[4096], buf[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (cg_read_file(path, buf, sizeof buf) < 0)
		return -1;
	size_t len = strlen(key);
	for (char *line = buf; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] == '\n')) {
		if (strncmp(line, key, len) == 0 && line[len] == ' ')
			return strtoll(line + len + 1, NULL, 10);
	}
	return -1;
}

bool ctr_cgroup_oom_killed(struct ctr_cgroup *cg)
{
	const char *dir = ctr_cgroup_dir(cg, "memory");
	if (!dir)
		return false;
	int64_t kills = keyed_value(dir, "memory.events", "oom_kill");  /* v2 */
	if (kills < 0)
		kills = keyed_value(dir, "memory.oom_control", "oom_kill");  /* v1, kernel 4.13+ */
	return kills > 0;
}

/* ---- the state.db record ---- */

char *ctr_cgroup_to_json(const struct ctr_cgroup *cg)
{
	json_object *obj = json_object_new_object();
	if (!obj)
		return NULL;
	for (size_t i = 0; i < cg->n; i++) {
		json_object *dir = json_object_new_string(cg->e[i].dir);
		if (!dir || json_object_object_add(obj, cg->e[i].controller, dir) < 0) {
			json_object_put(dir);
			json_object_put(obj);
			return NULL;
		}
	}
	const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = text ? strdup(text) : NULL;
	json_object_put(obj);
	return out;
}

/* A controller, or a hierarchy as /proc/self/cgroup names it
 * ("cpu,cpuacct", "name=systemd", "unified"). */
static bool valid_controller_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && !strchr("_=,.-", *s))
			return false;
	return true;
}

int ctr_cgroup_from_json(const char *json, struct ctr_cgroup **out, struct ctr_error *err)
{
	*out = NULL;
	enum json_tokener_error jerr;
	json_object *obj = json_tokener_parse_verbose(json, &jerr);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return ctr_fail(err, 0, "cgroup record is not a JSON object: %.200s", json);
	}
	struct ctr_cgroup *cg = calloc(1, sizeof *cg);
	int rc = cg ? 0 : ctr_fail(err, ENOMEM, "cgroup record");
	json_object_object_foreach(obj, key, val) {
		if (rc < 0)
			break;
		const char *dir = json_object_is_type(val, json_type_string) ? json_object_get_string(val) : NULL;
		if (!valid_controller_name(key) || !dir || dir[0] != '/' || strstr(dir, "/../"))
			rc = ctr_fail(err, 0, "cgroup record: '%s' is not a controller with an absolute directory: %.200s",
				      key, json);
		else if (add_entry(cg, key, dir) < 0)
			rc = ctr_fail(err, 0, "cgroup record: more than %d controllers: %.200s", CG_MAX_ENTRIES, json);
	}
	json_object_put(obj);
	if (rc < 0) {
		ctr_cgroup_free(cg);
		return -1;
	}
	*out = cg;
	return 0;
}

/* ---- removing ---- */

/* SIGKILLs what is in DIR until nothing lives there (zombies count as
 * gone: they hold no resources and leave with their parent's wait). */
static void kill_members(const char *dir)
{
	if (cg_exists(dir, "cgroup.kill"))  /* v2, kernel 5.14+: the whole subtree at once */
		cg_write(dir, "cgroup.kill", "1", &(struct ctr_error){0});
	char path[4096];
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	char *buf = malloc(PROCS_BUF);
	for (int waited = 0; buf; waited += 20) {
		if (cg_read_file(path, buf, PROCS_BUF) < 0)
			break;
		int alive = 0;
		for (char *p = buf, *end; *p; p = end) {
			long pid = strtol(p, &end, 10);
			if (end == p)
				break;
			uint64_t ticks;
			/* A cgroup file names only its members; never ourselves or init. */
			if (pid <= 1 || pid == getpid() || ctr_proc_start_ticks((pid_t)pid, &ticks) < 0 ||
			    !ctr_proc_alive((pid_t)pid, ticks))
				continue;
			alive++;
			kill((pid_t)pid, SIGKILL);
		}
		if (alive == 0 || waited >= KILL_WAIT_MS)
			break;
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	free(buf);
}

/* Removes DIR after the cgroups below it (a container may make its own). */
static int remove_dir(const char *dir, bool kill_leftovers, int depth, struct ctr_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : ctr_fail(err, errno, "cannot open cgroup %s", dir);
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *sub = cg_join(dir, de->d_name);
		if (!sub)
			rc = ctr_fail(err, ENOMEM, "cgroup %s", dir);
		else if (ctr_is_dir(sub))
			rc = depth < MAX_DEPTH ? remove_dir(sub, kill_leftovers, depth + 1, err)
					       : ctr_fail(err, 0, "cannot remove cgroup %s: nested too deep", sub);
		free(sub);
	}
	closedir(d);
	if (rc < 0)
		return -1;
	if (kill_leftovers)
		kill_members(dir);
	/* A member killed just now stays a zombie, and keeps the cgroup busy,
	 * until its parent reaps it: when that parent was a ctrrun killed in
	 * turn, the reaper is init, a moment later. */
	for (int waited = 0;; waited += 20) {
		if (cg_rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || !kill_leftovers || waited >= KILL_WAIT_MS)
			break;
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	if (errno == EBUSY)
		return ctr_fail(err, EBUSY, "cannot remove cgroup %s, which still holds processes", dir);
	return ctr_fail(err, errno, "cannot remove cgroup %s", dir);
}

int ctr_cgroup_remove(struct ctr_cgroup *cg, bool kill_leftovers, struct ctr_error *err)
{
	int rc = 0;
	struct ctr_error first = {0};
	/* Every directory is tried; the first failure is reported. */
	for (size_t i = 0; i < cg->n; i++) {
		if (seen_before(cg, i))
			continue;
		struct ctr_error e = {0};
		if (remove_dir(cg->e[i].dir, kill_leftovers, 0, &e) < 0 && rc == 0) {
			rc = -1;
			first = e;
		}
	}
	if (rc < 0)
		*err = first;
	return rc;
}

void ctr_cgroup_free(struct ctr_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->e[i].controller);
		free(cg->e[i].dir);
	}
	free(cg);
}
