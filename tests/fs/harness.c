/* Test harness: layer directories, mounting ctrfs or kernel overlayfs over
 * them, and unmounting everything again however the test ends. */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define CTR_HAVE_SANITIZER 1
#include <sanitizer/common_interface_defs.h>
#else
#define CTR_HAVE_SANITIZER 0
#endif

/* Every testfs between init and cleanup is registered here so that exit
 * and fatal signals can unmount it; plain arrays only, since the signal
 * handler must not allocate. */
#define REG_MAX 64

struct reg_entry {
	bool used;
	pid_t owner; /* forked children inherit the table but must not clean up */
	enum fsimpl impl;
	char base[PATH_MAX];
	char mnt[PATH_MAX];
};

static struct reg_entry reg[REG_MAX];
static bool hooks_installed;
static char fusermount_path[PATH_MAX] = "/usr/bin/fusermount3";

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

const char *testfs_path(char *buf, const char *dir, const char *rel)
{
	int n = !rel || !*rel ? snprintf(buf, PATH_MAX, "%s", dir)
			      : snprintf(buf, PATH_MAX, "%s/%s", dir, rel);
	/* A cut-off path could name something else; make it name nothing. */
	if (n < 0 || n >= PATH_MAX)
		snprintf(buf, PATH_MAX, "/nonexistent/path-too-long");
	return buf;
}

bool testfs_in_userns(void)
{
	/* The initial namespace maps all 2^32-1 ids from 0 onto 0. */
	FILE *f = fopen("/proc/self/uid_map", "re");
	unsigned long inner, outer, count;
	bool userns = false;

	if (!f)
		return false;
	if (fscanf(f, "%lu %lu %lu", &inner, &outer, &count) == 3)
		userns = !(inner == 0 && outer == 0 && count == 4294967295UL);
	fclose(f);
	return userns;
}

bool testfs_real_root(void)
{
	return geteuid() == 0 && !testfs_in_userns();
}

static bool opts_have(const char *opts, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = opts; (p = strstr(p, word)); p += n) {
		bool start = p == opts || p[-1] == ',';
		bool end = p[n] == '\0' || p[n] == ',' || p[n] == '=';
		if (start && end)
			return true;
	}
	return false;
}

const char *testfs_ovl_xattr_prefix(const struct testfs *t)
{
	if (opts_have(t->opts, "userxattr") || !testfs_real_root())
		return "user.overlay.";
	return "trusted.overlay.";
}

/* Mount point field (5th) of each mountinfo line compared with mnt. Our
 * paths contain no characters that mountinfo escapes. */
static bool mountinfo_has(const char *mnt)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		char *save = NULL, *field = strtok_r(line, " ", &save);
		for (int i = 1; field && i < 5; i++)
			field = strtok_r(NULL, " ", &save);
		found = field && strcmp(field, mnt) == 0;
	}
	free(line);
	fclose(f);
	return found;
}

bool testfs_is_mounted(const struct testfs *t)
{
	return mountinfo_has(t->mnt);
}

/* Runs argv (argv[0] an absolute path) and returns its exit status, or -1.
 * Only fork/execv/waitpid: also used from the signal handler. */
static int run_wait(char *const argv[], bool quiet)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);
			if (fd >= 0)
				dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Async-signal-safe unmount attempt (used by the handlers and atexit). */
static void unmount_quick(const struct reg_entry *e)
{
	if (geteuid() == 0) {
		if (umount2(e->mnt, 0) < 0 && errno == EBUSY)
			umount2(e->mnt, MNT_DETACH);
	} else if (e->impl == IMPL_CTRFS) {
		char *argv[] = { fusermount_path, "-u", "-z", (char *)e->mnt, NULL };
		run_wait(argv, true);
	}
}

void testfs_emergency_cleanup(void)
{
	for (int i = 0; i < REG_MAX; i++) {
		if (!reg[i].used || reg[i].owner != getpid())
			continue;
		unmount_quick(&reg[i]);
		/* --one-file-system: a mount that would not go stays untouched. */
		char *argv[] = { "/bin/rm", "-rf", "--one-file-system", reg[i].base, NULL };
		run_wait(argv, true);
		reg[i].used = false;
	}
}

static void fatal_signal(int sig)
{
	testfs_emergency_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int rm_tree_at(int dirfd, const char *name, dev_t dev);

static void at_exit_cleanup(void)
{
	for (int i = 0; i < REG_MAX; i++) {
		if (!reg[i].used || reg[i].owner != getpid())
			continue;
		if (mountinfo_has(reg[i].mnt))
			unmount_quick(&reg[i]);
		struct stat st;
		if (lstat(reg[i].base, &st) == 0)
			rm_tree_at(AT_FDCWD, reg[i].base, st.st_dev);
		reg[i].used = false;
	}
}

static void install_hooks(void)
{
	static const char *const candidates[] = { "/usr/bin/fusermount3", "/bin/fusermount3",
						   "/usr/local/bin/fusermount3" };
	struct sigaction sa;

	if (hooks_installed)
		return;
	hooks_installed = true;
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (access(candidates[i], X_OK) == 0) {
			snprintf(fusermount_path, sizeof(fusermount_path), "%s", candidates[i]);
			break;
		}
	atexit(at_exit_cleanup);
#if CTR_HAVE_SANITIZER
	/* An AddressSanitizer report ends the process with _exit: neither
	 * atexit nor a signal handler runs, so unmount here. (UBSan's
	 * halt_on_error does not call this hook in GCC 12.) */
	__sanitizer_set_death_callback(testfs_emergency_cleanup);
#endif
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_signal;
	sigemptyset(&sa.sa_mask);
	static const int sigs[] = { SIGINT, SIGTERM, SIGABRT, SIGHUP };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;
		/* A test with its own handler calls testfs_emergency_cleanup itself. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
			sigaction(sigs[i], &sa, NULL);
	}
}

static struct reg_entry *reg_find(const struct testfs *t)
{
	for (int i = 0; i < REG_MAX; i++)
		if (reg[i].used && strcmp(reg[i].base, t->base) == 0)
			return &reg[i];
	return NULL;
}

static void reg_add(const struct testfs *t)
{
	for (int i = 0; i < REG_MAX; i++)
		if (!reg[i].used) {
			reg[i].impl = t->impl;
			reg[i].owner = getpid();
			snprintf(reg[i].base, PATH_MAX, "%s", t->base);
			snprintf(reg[i].mnt, PATH_MAX, "%s", t->mnt);
			reg[i].used = true;
			return;
		}
	fprintf(stderr, "harness: more than %d live testfs; %s will not be cleaned at exit\n",
		REG_MAX, t->base);
}

static int mkdir_0755(const char *path)
{
	/* chmod too, so the umask cannot take search rights from other users
	 * (access tests run as a second uid). */
	if (mkdir(path, 0755) < 0 || chmod(path, 0755) < 0)
		return -errno;
	return 0;
}

int testfs_init(struct testfs *t, enum fsimpl impl, int nlower)
{
	const char *tmp = getenv("CTR_TEST_TMP");
	char tmpl[PATH_MAX];
	int err;

	if (nlower < 0 || nlower > TESTFS_MAX_LOWER)
		return -EINVAL;
	install_hooks();
	memset(t, 0, sizeof(*t));
	t->impl = impl;
	t->nlower = nlower;
	if (!tmp || !*tmp)
		tmp = "/var/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/ctrfs-test.XXXXXX", tmp);
	if (!mkdtemp(tmpl)) {
		err = -errno;
		fprintf(stderr, "harness: mkdtemp %s: %s\n", tmpl, strerror(errno));
		return err;
	}
	/* Resolved, so that the mount point matches /proc/self/mountinfo. */
	if (!realpath(tmpl, t->base)) {
		err = -errno;
		rmdir(tmpl);
		return err;
	}
	if (chmod(t->base, 0755) < 0)
		return -errno;
	for (int i = 0; i < nlower; i++) {
		char name[32];
		snprintf(name, sizeof(name), "lower%d", i);
		testfs_path(t->lower[i], t->base, name);
	}
	testfs_path(t->upper, t->base, "upper");
	testfs_path(t->work, t->base, "work");
	testfs_path(t->mnt, t->base, "mnt");
	reg_add(t);
	for (int i = 0; i < nlower; i++)
		if ((err = mkdir_0755(t->lower[i])))
			goto fail;
	if ((err = mkdir_0755(t->upper)) || (err = mkdir_0755(t->work)) ||
	    (err = mkdir_0755(t->mnt)))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "harness: creating layer dirs in %s: %s\n", t->base, strerror(-err));
	testfs_cleanup(t);
	return err;
}

static const char *ctrfs_binary(void)
{
	static char buf[PATH_MAX];
	const char *env = getenv("CTRFS");
	const char *build = getenv("CTR_BUILDDIR");

	if (env && *env)
		return env;
	if (build && *build) {
		snprintf(buf, sizeof(buf), "%s/fs/ctrfs", build);
		return buf;
	}
	return "build/fs/ctrfs";
}

/* "lowerdir=L0:L1[,upperdir=U,workdir=W]" into buf; -ENAMETOOLONG if it doesn't fit. */
static int layer_options(const struct testfs *t, char *buf, size_t size)
{
	size_t n = 0;
	int r = snprintf(buf, size, "lowerdir=");

	if (r < 0 || (size_t)r >= size)
		return -ENAMETOOLONG;
	n = (size_t)r;
	for (int i = 0; i < t->nlower; i++) {
		r = snprintf(buf + n, size - n, "%s%s", i ? ":" : "", t->lower[i]);
		if (r < 0 || (size_t)r >= size - n)
			return -ENAMETOOLONG;
		n += (size_t)r;
	}
	if (!t->readonly) {
		r = snprintf(buf + n, size - n, ",upperdir=%s,workdir=%s", t->upper, t->work);
		if (r < 0 || (size_t)r >= size - n)
			return -ENAMETOOLONG;
	}
	return 0;
}

static int append_opt(char *buf, size_t size, const char *opt)
{
	size_t n = strlen(buf);
	int r;

	if (!opt || !*opt)
		return 0;
	r = snprintf(buf + n, size - n, "%s%s", n ? "," : "", opt);
	return r < 0 || (size_t)r >= size - n ? -ENAMETOOLONG : 0;
}

static int wait_mounted(const struct testfs *t, bool want, int timeout_ms)
{
	for (int waited = 0; ; waited += 20) {
		if (mountinfo_has(t->mnt) == want)
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		sleep_ms(20);
	}
}

static int mount_ctrfs(struct testfs *t)
{
	char opts[8192];
	const char *bin = ctrfs_binary();
	int err, status;
	pid_t pid;

	if ((err = layer_options(t, opts, sizeof(opts))) || (err = append_opt(opts, sizeof(opts), t->opts)))
		return err;
	if (access(bin, X_OK) < 0) {
		err = -errno;
		fprintf(stderr, "harness: ctrfs binary %s: %s\n", bin, strerror(errno));
		return err;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execl(bin, bin, "-o", opts, t->mnt, (char *)NULL);
		fprintf(stderr, "harness: exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "harness: %s -o %s %s failed (status 0x%x)\n", bin, opts, t->mnt, status);
		return -EIO;
	}
	/* ctrfs returns once the mount is up; a short wait only covers slow
	 * propagation of the mount table, a missing mount is an error. */
	if (wait_mounted(t, true, 5000) < 0) {
		fprintf(stderr, "harness: ctrfs exited 0 but %s is not mounted\n", t->mnt);
		return -EIO;
	}
	return 0;
}

static int mount_overlay(struct testfs *t)
{
	char opts[8192];
	unsigned long flags = t->readonly ? MS_RDONLY : 0;
	int err;

	if (geteuid() != 0) {
		fprintf(stderr, "harness: kernel overlay needs root (or root in a user namespace)\n");
		return -EPERM;
	}
	if ((err = layer_options(t, opts, sizeof(opts))))
		return err;
	if (t->readonly && t->nlower == 1) {
		/* The kernel wants two lowers without an upper; an empty bottom
		 * layer changes nothing in the merged view. */
		char empty[PATH_MAX];
		size_t n = strlen(opts);
		testfs_path(empty, t->base, "empty-lower");
		if (mkdir(empty, 0755) < 0 && errno != EEXIST)
			return -errno;
		if ((size_t)snprintf(opts + n, sizeof(opts) - n, ":%s", empty) >= sizeof(opts) - n)
			return -ENAMETOOLONG;
	}
	if (!t->readonly) {
		/* Every option explicit: this machine's module defaults differ.
		 * index and redirect_dir are not allowed with userxattr. */
		if (opts_have(t->opts, "userxattr") || testfs_in_userns()) {
			if (!opts_have(t->opts, "userxattr") && (err = append_opt(opts, sizeof(opts), "userxattr")))
				return err;
		} else if ((err = append_opt(opts, sizeof(opts), "index=on,redirect_dir=on,metacopy=off"))) {
			return err;
		}
	} else if (testfs_in_userns() && !opts_have(t->opts, "userxattr") &&
		   (err = append_opt(opts, sizeof(opts), "userxattr"))) {
		return err;
	}
	if ((err = append_opt(opts, sizeof(opts), t->opts)))
		return err;
	if (mount("overlay", t->mnt, "overlay", flags, opts) < 0) {
		err = -errno;
		fprintf(stderr, "harness: mount overlay %s -o %s: %s\n", t->mnt, opts, strerror(errno));
		return err;
	}
	return 0;
}

int testfs_mount(struct testfs *t)
{
	int err;

	if (t->mounted)
		return -EBUSY;
	err = t->impl == IMPL_CTRFS ? mount_ctrfs(t) : mount_overlay(t);
	if (err == 0)
		t->mounted = true;
	return err;
}

/* Pids of processes whose argv has mnt as one argument: the ctrfs daemon
 * serving it (it was re-parented away from us when it daemonized). */
static int find_daemons(const char *mnt, pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while (n < max && (de = readdir(d))) {
		char path[64], cmd[8192];
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		ssize_t len;
		int fd;

		if (*end || pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (len <= 0)
			continue;
		cmd[len] = '\0';
		for (char *arg = cmd; arg < cmd + len; arg += strlen(arg) + 1)
			if (strcmp(arg, mnt) == 0) {
				pids[n++] = (pid_t)pid;
				break;
			}
	}
	closedir(d);
	return n;
}

static bool process_gone(pid_t pid)
{
	char path[64], buf[512];
	int fd;
	ssize_t len;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return true;
	buf[len] = '\0';
	/* A zombie has finished too (its reaper is not us). */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

/* Last resort for a hung daemon, root only: abort the FUSE connection. */
static void abort_fuse_connection(const char *mnt)
{
	struct stat st;
	char path[128];
	int fd;

	if (stat(mnt, &st) < 0 && errno != ENOTCONN)
		return;
	snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/abort", minor(st.st_dev));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			perror("harness: abort fuse connection");
		close(fd);
	}
}

int testfs_umount(struct testfs *t)
{
	pid_t daemons[8];
	int ndaemons = 0, err = 0;

	if (!t->mounted && !mountinfo_has(t->mnt))
		return 0;
	if (t->impl == IMPL_CTRFS)
		ndaemons = find_daemons(t->mnt, daemons, 8);
	if (geteuid() == 0) {
		int tries = 0;
		while (umount2(t->mnt, 0) < 0) {
			if (errno == EINVAL && !mountinfo_has(t->mnt))
				break;
			if (errno != EBUSY || ++tries > 100) {
				err = -errno;
				fprintf(stderr, "harness: umount %s: %s; detaching\n", t->mnt, strerror(errno));
				if (t->impl == IMPL_CTRFS)
					abort_fuse_connection(t->mnt);
				umount2(t->mnt, MNT_DETACH);
				break;
			}
			sleep_ms(50);
		}
	} else {
		char *argv[] = { fusermount_path, "-u", t->mnt, NULL };
		int rc = -1;
		for (int tries = 0; tries < 100 && (rc = run_wait(argv, tries > 0)) != 0; tries++)
			sleep_ms(50);
		if (rc != 0) {
			char *lazy[] = { fusermount_path, "-u", "-z", t->mnt, NULL };
			fprintf(stderr, "harness: fusermount3 -u %s failed; detaching\n", t->mnt);
			run_wait(lazy, false);
			err = -EBUSY;
		}
	}
	t->mounted = false;
	if (wait_mounted(t, false, 10000) < 0) {
		fprintf(stderr, "harness: %s still mounted after unmount\n", t->mnt);
		return -EBUSY;
	}
	/* The daemon may still be finishing writes to upper; later checks on
	 * the upper dir must see its final state. */
	for (int i = 0; i < ndaemons; i++) {
		int waited = 0;
		while (!process_gone(daemons[i]) && waited < 10000) {
			sleep_ms(10);
			waited += 10;
		}
		if (!process_gone(daemons[i])) {
			fprintf(stderr, "harness: ctrfs daemon %d did not exit after unmount\n", (int)daemons[i]);
			if (!err)
				err = -ETIMEDOUT;
		}
	}
	return err;
}

int testfs_remount(struct testfs *t)
{
	int err = testfs_umount(t);
	return err ? err : testfs_mount(t);
}

/* rm -rf of name relative to dirfd, staying on device dev (a mount still in
 * place is left alone rather than emptied through). */
static int rm_tree_at(int dirfd, const char *name, dev_t dev)
{
	struct stat st;
	int fd, err = 0;
	DIR *d;
	struct dirent *de;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (st.st_dev != dev)
		return -EBUSY;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
	/* Tests leave dirs with mode 000; only the owner or root gets here. */
	if ((st.st_mode & 0700) != 0700)
		fchmodat(dirfd, name, 0700, 0);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		int r = rm_tree_at(fd, de->d_name, dev);
		if (r && !err)
			err = r;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && !err)
		err = -errno;
	return err;
}

/* Root only: detaches every mount below base (tests may mount e.g. tmpfs
 * layers there), deepest first, so the removal below can go ahead. */
static void unmount_below(const char *base)
{
	size_t blen = strlen(base);

	for (int round = 0; round < 8; round++) {
		FILE *f = fopen("/proc/self/mountinfo", "re");
		char *line = NULL, found[PATH_MAX] = "";
		size_t cap = 0;

		if (!f)
			return;
		while (getline(&line, &cap, f) > 0) {
			char *save = NULL, *field = strtok_r(line, " ", &save);
			for (int i = 1; field && i < 5; i++)
				field = strtok_r(NULL, " ", &save);
			/* The last match in mountinfo order is mounted on top. */
			if (field && strncmp(field, base, blen) == 0 && field[blen] == '/')
				snprintf(found, sizeof(found), "%s", field);
		}
		free(line);
		fclose(f);
		if (!found[0])
			return;
		if (umount2(found, MNT_DETACH) < 0) {
			fprintf(stderr, "harness: umount %s: %s\n", found, strerror(errno));
			return;
		}
	}
}

void testfs_cleanup(struct testfs *t)
{
	struct reg_entry *e;
	struct stat st;

	if (!t->base[0])
		return;
	if (t->mounted || mountinfo_has(t->mnt))
		testfs_umount(t);
	if (geteuid() == 0)
		unmount_below(t->base);
	if (lstat(t->base, &st) == 0) {
		int err = rm_tree_at(AT_FDCWD, t->base, st.st_dev);
		if (err)
			fprintf(stderr, "harness: removing %s: %s\n", t->base, strerror(-err));
	}
	e = reg_find(t);
	if (e)
		e->used = false;
	t->base[0] = '\0';
}
