/* The id mapping of containers: who the calling user is inside, and which
 * subordinate ids back the other container ids. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "idmap_config.h"

/* Container ids 1..65535: what images use. More would only waste the range. */
#define SUBID_WANTED 65536u

static const char *const helper_dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/usr/local/bin", NULL};

static bool find_helper(const char *name, char *out, size_t len)
{
	for (size_t i = 0; helper_dirs[i]; i++) {
		snprintf(out, len, "%s/%s", helper_dirs[i], name);
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/* The user's first range in FILE ("name:start:count" or "uid:start:count"),
 * its count cut to LIMIT. */
static bool read_subid_limit(const char *file, const char *name, uid_t id, uint32_t *start, uint32_t *count,
			     uint32_t limit)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return false;
	char line[512], idstr[32];
	snprintf(idstr, sizeof idstr, "%u", (unsigned)id);
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		char *save = NULL, *who = strtok_r(line, ":\n", &save), *s = strtok_r(NULL, ":\n", &save),
		     *c = strtok_r(NULL, ":\n", &save);
		if (!who || !s || !c || (strcmp(who, idstr) != 0 && (!name || strcmp(who, name) != 0)))
			continue;
		char *end1, *end2;
		unsigned long st = strtoul(s, &end1, 10), ct = strtoul(c, &end2, 10);
		if (*end1 || *end2 || ct == 0 || st == 0 || st + ct > 4294967295UL)
			continue;
		*start = (uint32_t)st;
		*count = ct > limit ? limit : (uint32_t)ct;
		found = true;
	}
	fclose(f);
	return found;
}

static bool read_subid(const char *file, const char *name, uid_t id, uint32_t *start, uint32_t *count)
{
	return read_subid_limit(file, name, id, start, count, SUBID_WANTED - 1);
}

int ctr_idmap_root_pool(uint32_t *uid_first, uint32_t *gid_first, uint32_t *blocks, struct ctr_error *err)
{
	uint32_t uc, gc;
	bool have_uid = read_subid_limit("/etc/subuid", "root", 0, uid_first, &uc, UINT32_MAX);
	bool have_gid = read_subid_limit("/etc/subgid", "root", 0, gid_first, &gc, UINT32_MAX);
	uint32_t n = (have_uid && have_gid) ? (uc < gc ? uc : gc) / SUBID_WANTED : 0;
	if (n < 2)
		return ctr_fail(err, 0,
				"root's containers run in a range of subordinate ids (container root is not host "
				"root), but root has %s in /etc/sub%s: give root 65536 ids for each container it "
				"will have, plus 65536, that no other user has (tools/setup adds "
				"root:%u:%u), e.g. `usermod --add-subuids 1000000-68108863 --add-subgids "
				"1000000-68108863 root`; or run this container with --userns=host, which makes its "
				"root the host's root",
				!have_uid || !have_gid ? "no range" : "fewer than 131072 ids",
				!have_uid ? "uid" : "gid", 1000000u, 67108864u);
	*blocks = n - 1;
	return 0;
}

int ctr_idmap_parse(const char *uid_map, const char *gid_map, struct ctr_idmap *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	out->userns_fd = -1;
	for (int g = 0; g < 2; g++) {
		const char *text = g ? gid_map : uid_map;
		struct ctr_idmap_range *r = g ? out->gid : out->uid;
		int *n = g ? &out->n_gid : &out->n_uid;
		for (const char *p = text; p && *p;) {
			unsigned long long in, outside, count;
			int used = 0;
			if (*n == CTR_IDMAP_MAX || sscanf(p, " %llu %llu %llu%n", &in, &outside, &count, &used) != 3 ||
			    count == 0 || in + count > 4294967296ull || outside + count > 4294967296ull)
				return ctr_fail(err, 0, "recorded %s map '%s' is not lines of 'inside outside count'",
						g ? "gid" : "uid", text);
			r[(*n)++] = (struct ctr_idmap_range){(uint32_t)in, (uint32_t)outside, (uint32_t)count};
			p += used;
			while (*p == '\n' || *p == ' ')
				p++;
		}
		if (*n == 0)
			return ctr_fail(err, 0, "no recorded %s map", g ? "gid" : "uid");
	}
	return 0;
}

char *ctr_idmap_format(const struct ctr_idmap *map, bool gids)
{
	const struct ctr_idmap_range *r = gids ? map->gid : map->uid;
	int n = gids ? map->n_gid : map->n_uid;
	char *out = calloc(1, 48 * (size_t)(n + 1));
	size_t off = 0;
	for (int i = 0; out && i < n; i++)
		off += (size_t)sprintf(out + off, "%s%u %u %u", i ? "\n" : "", r[i].inside, r[i].outside, r[i].count);
	return out;
}

int ctr_idmap_for_caller(struct ctr_idmap *map, struct ctr_error *err)
{
	memset(map, 0, sizeof *map);
	map->userns_fd = -1;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (uid == 0) {
		/* Real root: the namespace isolates, files keep the image's owners. */
		map->uid[0] = (struct ctr_idmap_range){0, 0, 4294967295u};
		map->gid[0] = (struct ctr_idmap_range){0, 0, 4294967295u};
		map->n_uid = map->n_gid = 1;
		return 0;
	}
	map->uid[0] = (struct ctr_idmap_range){0, uid, 1};
	map->gid[0] = (struct ctr_idmap_range){0, gid, 1};
	map->n_uid = map->n_gid = 1;

	struct passwd *pw = getpwuid(uid);
	const char *name = pw ? pw->pw_name : NULL;
	uint32_t us, uc, gs, gc;
	char path[256];
	bool have_uid = read_subid("/etc/subuid", name, uid, &us, &uc);
	bool have_gid = read_subid("/etc/subgid", name, uid, &gs, &gc);
	bool helpers = find_helper("newuidmap", path, sizeof path) && find_helper("newgidmap", path, sizeof path);
	const char *missing = !have_uid ? "no range for this user in /etc/subuid"
			      : !have_gid ? "no range for this user in /etc/subgid"
			      : !helpers  ? "newuidmap/newgidmap are not installed (Debian package uidmap)"
					  : NULL;
	if (missing) {
		map->single = true;
		if (asprintf(&map->note,
			     "%s: containers get a single id mapping (only root inside; files of other owners "
			     "show as nobody). As root, give this user 65536 ids that no other user has "
			     "in /etc/subuid and /etc/subgid: `usermod --add-subuids FIRST-LAST "
			     "--add-subgids FIRST-LAST %s`.",
			     missing, name ? name : "USER") < 0)
			return ctr_fail(err, ENOMEM, "id mapping");
		return 0;
	}
	map->uid[1] = (struct ctr_idmap_range){1, us, uc};
	map->gid[1] = (struct ctr_idmap_range){1, gs, gc};
	map->n_uid = map->n_gid = 2;
	map->use_helpers = true;
	return 0;
}

void ctr_idmap_free(struct ctr_idmap *map)
{
	free(map->note);
	map->note = NULL;
}

static int run_helper(const char *helper, pid_t pid, const struct ctr_idmap_range *r, int n, struct ctr_error *err)
{
	char path[256];
	if (!find_helper(helper, path, sizeof path))
		return ctr_fail(err, ENOENT, "%s", helper);
	char args[CTR_IDMAP_MAX * 3 + 3][16];
	char *argv[CTR_IDMAP_MAX * 3 + 3];
	int k = 0;
	argv[k++] = (char *)helper;
	snprintf(args[k], sizeof args[k], "%d", (int)pid);
	argv[k] = args[k];
	k++;
	for (int i = 0; i < n; i++) {
		uint32_t v[3] = {r[i].inside, r[i].outside, r[i].count};
		for (int j = 0; j < 3; j++, k++) {
			snprintf(args[k], sizeof args[k], "%u", v[j]);
			argv[k] = args[k];
		}
	}
	argv[k] = NULL;
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return ctr_fail(err, errno, "pipe");
	_cleanup_close_ int msg_rd = pipefd[0], msg_wr = pipefd[1];
	pid_t child = fork();
	if (child < 0)
		return ctr_fail(err, errno, "fork");
	if (child == 0) {
		dup2(msg_wr, 2);
		execv(path, argv);
		/* The child's one word: its stderr is the pipe the parent reads
		 * into its error (a process after fork has no error to return). */
		dprintf(2, "cannot run %s: %s", path, strerror(errno));
		_exit(127);
	}
	close(steal_fd(&msg_wr));
	char msg[512] = "";
	ssize_t got = 0, r2;
	while ((r2 = read(msg_rd, msg + got, sizeof msg - 1 - got)) > 0)
		got += r2;
	msg[got] = '\0';
	close(steal_fd(&msg_rd));
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		return ctr_fail(err, 0, "%s failed for the container's user namespace: %s", helper,
				msg[0] ? msg : "no message");
	}
	return 0;
}

static int write_file(pid_t pid, const char *name, const char *text, struct ctr_error *err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail(err, errno, "cannot open %s", path);
	ssize_t n = write(fd, text, strlen(text));
	if (n != (ssize_t)strlen(text))
		return ctr_fail(err, n < 0 ? errno : EIO, "cannot write %s", path);
	return 0;
}

static void format_map(char *buf, size_t len, const struct ctr_idmap_range *r, int n)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%u %u %u\n", r[i].inside, r[i].outside, r[i].count);
}

int ctr_idmap_write(const struct ctr_idmap *map, pid_t pid, struct ctr_error *err)
{
	if (map->use_helpers) {
		if (run_helper("newuidmap", pid, map->uid, map->n_uid, err) < 0 ||
		    run_helper("newgidmap", pid, map->gid, map->n_gid, err) < 0)
			return -1;
		return 0;
	}
	char buf[256];
	/* A plain user may map its own gid only after giving up setgroups. */
	if (geteuid() != 0 && write_file(pid, "setgroups", "deny", err) < 0)
		return -1;
	format_map(buf, sizeof buf, map->uid, map->n_uid);
	if (write_file(pid, "uid_map", buf, err) < 0)
		return -1;
	format_map(buf, sizeof buf, map->gid, map->n_gid);
	return write_file(pid, "gid_map", buf, err);
}

int ctr_idmap_userns_fd(const struct ctr_idmap *map, struct ctr_error *err)
{
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return ctr_fail(err, errno, "pipe");
	_cleanup_close_ int ready_rd = ready[0], ready_wr = ready[1];
	/* A child makes the namespace and waits to be mapped; its fd outlives
	 * it. Reading the pipe returns when the parent closes it. */
	pid_t pid = fork();
	if (pid < 0)
		return ctr_fail(err, errno, "fork");
	if (pid == 0) {
		close(ready_rd);
		char c = unshare(CLONE_NEWUSER) == 0 ? 'u' : 'x';
		if (write(ready_wr, &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(steal_fd(&ready_wr));
	char c = 0;
	int fd = -1;
	if (read(ready_rd, &c, 1) != 1 || c != 'u') {
		ctr_fail(err, 0, "cannot create a user namespace for an idmapped mount");
	} else if (ctr_idmap_write(map, pid, err) == 0) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			ctr_fail(err, errno, "cannot open %s", path);
	}
	close(steal_fd(&ready_rd));
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

static int64_t host_id(const struct ctr_idmap_range *r, int n, uint32_t id)
{
	for (int i = 0; i < n; i++)
		if (id >= r[i].inside && id - r[i].inside < r[i].count)
			return (int64_t)r[i].outside + (id - r[i].inside);
	return -1;
}

int64_t ctr_idmap_host_uid(const struct ctr_idmap *map, uint32_t id)
{
	return host_id(map->uid, map->n_uid, id);
}

int64_t ctr_idmap_host_gid(const struct ctr_idmap *map, uint32_t id)
{
	return host_id(map->gid, map->n_gid, id);
}
