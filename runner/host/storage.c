/* Where ctrrun keeps things: the storage root (state.db, layers/,
 * containers/), private to the user and kept across reboots, and the runtime
 * dir (/run/ctrrun as root; rootless $XDG_RUNTIME_DIR/ctrrun, else
 * /tmp/ctrrun-UID), private too and cleared by reboot, for what is only valid
 * until then (the compiled seccomp filters). Also the print-once helpers
 * every command ends with. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "exit_code.h"
#include "storage.h"

/* mkdir -p with MODE for the parts it creates. */
static int make_dirs(const char *path, mode_t mode, struct ctr_error *err)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return ctr_fail(err, ENAMETOOLONG, "%s", path);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return ctr_fail(err, errno, "cannot create %s", buf);
			*p = saved;
			if (!saved)
				break;
		}
	}
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return ctr_fail(err, S_ISDIR(st.st_mode) ? errno : ENOTDIR, "%s is not a usable directory", path);
	if (access(path, W_OK | X_OK) < 0)
		return ctr_fail(err, errno, "state directory %s is not writable", path);
	return 0;
}

/* A directory of ctrrun's state must be the caller's alone: one that
 * belongs to another user is refused (that user could change what ctrrun
 * runs), one that others may read or write is made 0700, and said so
 * (state.db holds -e values and logs). */
static int own_privately(const char *path, struct ctr_warnings *w, struct ctr_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return ctr_fail(err, errno, "state directory %s", path);
	if (!S_ISDIR(st.st_mode))
		return ctr_fail(err, ENOTDIR, "state directory %s", path);
	if (st.st_uid != geteuid())
		return ctr_fail(err, 0, "state directory %s belongs to uid %u, not to you (uid %u): its owner could "
					"change what ctrrun runs; use a directory of your own (--root)",
				path, (unsigned)st.st_uid, (unsigned)geteuid());
	if ((st.st_mode & 077) == 0)
		return 0;
	if (chmod(path, 0700) < 0)
		return ctr_fail(err, errno, "state directory %s is mode %04o and cannot be made 0700", path,
				(unsigned)(st.st_mode & 07777));
	ctr_warn(w, "note: state directory %s was mode %04o, open to other users; it is 0700 now", path,
		 (unsigned)(st.st_mode & 07777));
	return 0;
}

/* state.db and its -wal and -shm: 0600 (SQLite makes them 0644 otherwise,
 * and the WAL holds what state.db does). */
static int files_privately(const char *root, struct ctr_warnings *w, struct ctr_error *err)
{
	static const char *const names[] = {"state.db", "state.db-wal", "state.db-shm"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char path[PATH_MAX];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", root, names[i]);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) == 0)
			continue;
		if (chmod(path, 0600) < 0)
			return ctr_fail(err, errno, "%s is mode %04o and cannot be made 0600", path,
					(unsigned)(st.st_mode & 07777));
		ctr_warn(w, "note: %s was mode %04o, readable by other users; it is 0600 now", path,
			 (unsigned)(st.st_mode & 07777));
	}
	return 0;
}

static char *default_root(bool rootless)
{
	char *s = NULL;
	if (!rootless)
		return strdup("/var/lib/ctrrun");
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	if (xdg && *xdg == '/')
		return asprintf(&s, "%s/ctrrun", xdg) < 0 ? NULL : s;
	if (home && *home == '/')
		return asprintf(&s, "%s/.local/share/ctrrun", home) < 0 ? NULL : s;
	return NULL;
}

static char *default_runtime_dir(bool rootless)
{
	char *s = NULL;
	if (!rootless)
		return strdup("/run/ctrrun");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	if (xdg && *xdg == '/' && stat(xdg, &st) == 0 && st.st_uid == getuid())
		return asprintf(&s, "%s/ctrrun", xdg) < 0 ? NULL : s;
	/* su/sudo sessions often have no runtime dir: a private one in /tmp. */
	return asprintf(&s, "/tmp/ctrrun-%u", (unsigned)getuid()) < 0 ? NULL : s;
}

int ctr_store_init(struct ctrrun *rt, const char *root_override, struct ctr_error *err)
{
	memset(rt, 0, sizeof *rt);
	ctr_set_pending_warnings(&rt->warnings);
	rt->rootless = geteuid() != 0;
	if (!root_override || !*root_override)
		root_override = getenv("CTRRUN_ROOT");
	if (root_override && *root_override) {
		char *abs = realpath(root_override, NULL);
		/* A root that does not exist yet is created; make it absolute first. */
		if (!abs && errno == ENOENT && root_override[0] != '/') {
			char cwd[PATH_MAX];
			if (getcwd(cwd, sizeof cwd) && asprintf(&abs, "%s/%s", cwd, root_override) < 0)
				abs = NULL;
		} else if (!abs && errno == ENOENT) {
			abs = strdup(root_override);
		}
		if (!abs)
			return ctr_fail(err, errno, "state directory %s", root_override);
		rt->root = abs;
	} else {
		rt->root = default_root(rt->rootless);
		if (!rt->root)
			return ctr_fail(err, 0, "cannot tell where to keep state: set HOME, XDG_DATA_HOME or --root");
	}
	rt->runtime_dir = default_runtime_dir(rt->rootless);
	if (!rt->runtime_dir)
		return ctr_fail(err, ENOMEM, "runtime dir");
	/* Checked before anything is made inside. */
	if (make_dirs(rt->root, 0700, err) < 0 || own_privately(rt->root, &rt->warnings, err) < 0)
		return -1;
	for (const char *d = "layers"; d; d = strcmp(d, "layers") == 0 ? "containers" : NULL) {
		_cleanup_free_ char *sub = NULL;
		if (asprintf(&sub, "%s/%s", rt->root, d) < 0)
			return ctr_fail(err, ENOMEM, "path");
		if (make_dirs(sub, 0700, err) < 0 || own_privately(sub, &rt->warnings, err) < 0)
			return -1;
	}
	if (files_privately(rt->root, &rt->warnings, err) < 0 || make_dirs(rt->runtime_dir, 0700, err) < 0 ||
	    own_privately(rt->runtime_dir, &rt->warnings, err) < 0)
		return -1;
	return ctr_idmap_for_caller(&rt->idmap, err);
}

int ctr_store_open_db(struct ctrrun *rt, struct ctr_error *err)
{
	if (rt->db)
		return 0;
	ctr_print_warnings(rt);  /* ctr_store_init's, before the command's work */
	if (ctr_db_open_dir(&rt->db, rt->root, err) != CTR_DB_OK)
		return -1;
	/* Made again once there is room: a full disk used it up, or the store
	 * is older than the reserve. */
	ctr_db_reserve_refill(rt->db);
	return 0;
}

void ctr_store_fini(struct ctrrun *rt)
{
	if (rt->db)
		ctr_db_close(rt->db);
	ctr_idmap_free(&rt->idmap);
	free(rt->root);
	free(rt->runtime_dir);
	memset(rt, 0, sizeof *rt);
}

char *ctr_store_layer_dir(const struct ctrrun *rt, const char *layer_id)
{
	char *s;
	return asprintf(&s, "%s/layers/%s", rt->root, layer_id) < 0 ? NULL : s;
}

char *ctr_store_container_dir(const struct ctrrun *rt, const char *container_id)
{
	char *s;
	return asprintf(&s, "%s/containers/%s", rt->root, container_id) < 0 ? NULL : s;
}

const char *ctr_store_ctrfs_path(const struct ctrrun *rt)
{
	static char found[PATH_MAX];
	(void)rt;
	const char *env = getenv("CTRFS");
	if (env && *env)
		return env;
	if (found[0])
		return found;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			/* build/runner/ctrrun -> build/fs/ctrfs; installed: same dir. */
			const char *candidates[] = {"%s/../fs/ctrfs", "%s/ctrfs"};
			for (size_t i = 0; i < 2; i++) {
				int n = snprintf(found, sizeof found, candidates[i], self);
				if (n > 0 && n < (int)sizeof found && access(found, X_OK) == 0)
					return found;
			}
		}
	}
	snprintf(found, sizeof found, "ctrfs");
	return found;
}

void ctr_container_event(struct ctrrun *rt, const char *id, const char *name, const char *action,
			    const char *attributes)
{
	struct ctr_error err = {0};
	struct ctr_db_event ev = {.time_ns = ctr_now_ns(), .type = "container", .action = (char *)action,
				  .actor_id = (char *)id, .actor_name = (char *)name, .attributes = (char *)attributes};
	if (rt->db && ctr_db_add_event(rt->db, &ev, &err) != CTR_DB_OK)
		ctr_print_error(&err);
}

int64_t ctr_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
