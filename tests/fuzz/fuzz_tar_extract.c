/* Fuzzes layer import: the input is a layer tarball as an image brings it,
 * extracted by ctr_tar_extract (runner/image/tar_extract.c) into an empty layer
 * directory. That covers libarchive's reading (any compression it knows),
 * every entry check ("..", absolute paths, writes through symlinks, hard
 * links out of the layer, replacing the layer root), OCI and overlay
 * whiteouts, overlay xattrs, and owners outside the mapping.
 *
 * Beyond crashes, leaks and UB it checks what those entry checks are for:
 * whatever the tarball says, nothing beside the layer changes. The layer
 * sits next to a trap directory holding one file; after each input the
 * scratch directory must hold exactly the two, the trap exactly its file,
 * unchanged and with no second name (a hard link out of the layer would
 * add one).
 *
 * Safety: extracting random tarballs as host root could write anywhere if
 * those checks failed, so the harness first becomes root of a user
 * namespace whose root is host "nobody" (or the calling user): root there,
 * as for a rootless import, but unable to touch the host's files. What
 * nobody may still write is world-writable directories: the seeds' absolute
 * symlink escapes aim at ESCAPE_PATH in /tmp, which must never appear. */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fuzz_util.h"
#include "idmap_config.h"
#include "tar_extract.h"

#define TRAP_TEXT "secret\n"
/* Where corpus/fuzz_tar_extract/seed-symlink-abs.tar tries to write. */
#define ESCAPE_PATH "/tmp/ctr-fuzz-escape"

static char scratch[4096], layer[4200], trap_dir[4200], trap_file[4300];
static struct stat trap_st;
static struct ctr_idmap map;  /* ns root only: other owners go to root */

static void die(const char *what)
{
	fuzz_fail("%s: %s", what, strerror(errno));
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

/* Becomes root (uid and gid 0) of a new user namespace in which 0 is host
 * id HOST_UID/HOST_GID. Host root cannot map its own namespace to another
 * id after unshare, so a child still in the host namespace writes the maps. */
static void enter_userns(uid_t host_uid, gid_t host_gid)
{
	bool root = geteuid() == 0;
	int go[2];
	if (pipe(go) < 0)
		die("pipe");
	pid_t parent = getpid(), child = root ? fork() : 0;
	if (child < 0)
		die("fork");
	if (root && child == 0) {
		char c, path[64], line[64];
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		snprintf(line, sizeof line, "0 %u 1\n", (unsigned)host_uid);
		snprintf(path, sizeof path, "/proc/%d/uid_map", (int)parent);
		write_file(path, line);
		snprintf(line, sizeof line, "0 %u 1\n", (unsigned)host_gid);
		snprintf(path, sizeof path, "/proc/%d/gid_map", (int)parent);
		write_file(path, line);
		_exit(0);
	}
	if (unshare(CLONE_NEWUSER) < 0)
		die("unshare(CLONE_NEWUSER)");
	if (root) {
		int status;
		if (write(go[1], "g", 1) != 1 || waitpid(child, &status, 0) != child || status != 0)
			die("writing the id maps");
	} else {
		/* A plain user maps its own ids, after giving up setgroups. */
		char line[64];
		write_file("/proc/self/setgroups", "deny");
		snprintf(line, sizeof line, "0 %u 1\n", (unsigned)host_uid);
		write_file("/proc/self/uid_map", line);
		snprintf(line, sizeof line, "0 %u 1\n", (unsigned)host_gid);
		write_file("/proc/self/gid_map", line);
	}
	close(go[0]);
	close(go[1]);
	/* Until now the file system ids were still host root's. */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		die("becoming root of the user namespace");
	if (geteuid() != 0)
		abort();
}

/* libFuzzer writes new inputs to its first corpus directory and crashes to
 * -artifact_prefix: they must stay writable after the switch. */
static void hand_over(const char *path, uid_t uid, gid_t gid)
{
	if (chown(path, uid, gid) < 0 && errno != ENOENT)
		die(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uid_t host_uid = geteuid() == 0 ? 65534 : geteuid();
	gid_t host_gid = geteuid() == 0 ? 65534 : getegid();
	snprintf(scratch, sizeof scratch, "%s", fuzz_scratch_dir("tar"));
	hand_over(scratch, host_uid, host_gid);
	bool corpus_seen = false;
	for (int i = 1; i < *argc; i++) {
		const char *a = (*argv)[i];
		if (strncmp(a, "-artifact_prefix=", 17) == 0) {
			char dir[4096];
			snprintf(dir, sizeof dir, "%s", a + 17);
			char *slash = strrchr(dir, '/');
			if (slash) {
				*slash = '\0';
				hand_over(dir, host_uid, host_gid);
			}
		} else if (a[0] != '-' && !corpus_seen) {
			corpus_seen = true;
			hand_over(a, host_uid, host_gid);
		}
	}
	if (unlink(ESCAPE_PATH) == 0)
		fprintf(stderr, "fuzz_tar_extract: removed %s, left by an earlier run\n", ESCAPE_PATH);
	enter_userns(host_uid, host_gid);

	snprintf(layer, sizeof layer, "%s/layer", scratch);
	snprintf(trap_dir, sizeof trap_dir, "%s/trap", scratch);
	snprintf(trap_file, sizeof trap_file, "%s/secret", trap_dir);
	if (mkdir(trap_dir, 0755) < 0)
		die(trap_dir);
	int fd = open(trap_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, TRAP_TEXT, strlen(TRAP_TEXT)) != (ssize_t)strlen(TRAP_TEXT) || close(fd) < 0)
		die(trap_file);
	if (lstat(trap_file, &trap_st) < 0)
		die(trap_file);

	map.uid[0] = map.gid[0] = (struct ctr_idmap_range){.inside = 0, .outside = host_uid, .count = 1};
	map.gid[0].outside = host_gid;
	map.n_uid = map.n_gid = 1;
	map.single = true;
	map.userns_fd = -1;
	return 0;
}

/* DIR holds exactly the names in WANT (NULL-terminated). */
static void expect_names(const char *dir, const char *const *want)
{
	DIR *d = opendir(dir);
	if (!d)
		die(dir);
	size_t n = 0, nwant = 0;
	while (want[nwant])
		nwant++;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		bool known = false;
		for (size_t i = 0; i < nwant; i++)
			known |= strcmp(de->d_name, want[i]) == 0;
		if (!known)
			fuzz_fail("the tarball wrote \"%s\" outside the layer, in %s",
				de->d_name, dir);
		n++;
	}
	closedir(d);
	if (n != nwant)
		fuzz_fail("something outside the layer is gone from %s", dir);
}

static void check_outside_untouched(void)
{
	if (access(ESCAPE_PATH, F_OK) == 0)
		fuzz_fail("the tarball wrote " ESCAPE_PATH " through an absolute symlink");
	expect_names(scratch, (const char *const[]){"layer", "trap", NULL});
	expect_names(trap_dir, (const char *const[]){"secret", NULL});
	struct stat st;
	if (lstat(trap_file, &st) < 0)
		die(trap_file);
	if (st.st_ino != trap_st.st_ino || st.st_nlink != 1 || st.st_size != trap_st.st_size ||
	    st.st_mode != trap_st.st_mode || st.st_mtim.tv_sec != trap_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != trap_st.st_mtim.tv_nsec)
		fuzz_fail("the file outside the layer changed (nlink %lu, size %lld, mode %o)",
			(unsigned long)st.st_nlink, (long long)st.st_size, st.st_mode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_fds_begin();
	int fd = memfd_create("layer.tar", MFD_CLOEXEC);
	if (fd < 0)
		die("memfd_create");
	if (size && write(fd, data, size) != (ssize_t)size)
		die("writing the tarball");
	lseek(fd, 0, SEEK_SET);
	if (mkdir(layer, 0755) < 0)
		die(layer);
	struct stat cwd_before, cwd_after;
	if (stat(".", &cwd_before) < 0)
		die("stat .");

	struct ctr_error err = {0};
	struct ctr_warnings warnings = {0};
	int64_t bytes = ctr_tar_extract(fd, layer, &map, "fuzz.tar", &warnings, &err);
	if (bytes < 0 && !err.msg[0])
		fuzz_fail("refused without a message");
	/* Notes are whole lines: as many newlines as lines held. */
	unsigned lines = 0;
	for (size_t i = 0; i < warnings.len && i < sizeof warnings.text; i++)
		lines += warnings.text[i] == '\n';
	if (warnings.len > sizeof warnings.text || lines != warnings.n)
		fuzz_fail("the warning list is not whole lines");
	close(fd);

	if (stat(".", &cwd_after) < 0 || cwd_after.st_ino != cwd_before.st_ino ||
	    cwd_after.st_dev != cwd_before.st_dev)
		fuzz_fail("the working directory was not restored");
	check_outside_untouched();
	/* An extraction may leave a directory without write or search
	 * permission; as root of the namespace removing it still works. */
	fuzz_remove_tree(layer);
	if (access(layer, F_OK) == 0)
		fuzz_fail("cannot remove %s between inputs", layer);
	fuzz_check_fds();
	return 0;
}
