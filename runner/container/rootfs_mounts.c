/* The standard mounts inside a container's root, as runc and docker make
 * them: fresh procfs, a small /dev of bound host device nodes (mknod is
 * refused in a user namespace), devpts, /sys read-only, masked paths. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rootfs_mounts.h"

static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {.flags = (unsigned)(flags | O_CLOEXEC),
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* Lexically cleans PATH into OUT (absolute, no "." or "..", no double
 * slashes); ".." stops at the root, as RESOLVE_IN_ROOT does. */
static int normalize(const char *path, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	for (const char *s = path; *s;) {
		while (*s == '/')
			s++;
		size_t n = strcspn(s, "/");
		if (n == 0)
			break;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			out[o] = '\0';
		} else if (!(n == 1 && s[0] == '.')) {
			if (o + 1 + n + 1 > len)
				return -1;
			out[o++] = '/';
			memcpy(out + o, s, n);
			o += n;
			out[o] = '\0';
		}
		s += n;
	}
	if (o == 0) {
		if (len < 2)
			return -1;
		strcpy(out, "/");
	}
	return 0;
}

/* The path of directory fd DIR inside the root ROOTFD, from the kernel's
 * view of both (so it holds no symlinks). */
static int path_in_root(int rootfd, int dir, char *out, size_t len)
{
	char proc[64], root[4096], here[4096];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", rootfd);
	ssize_t rn = readlink(proc, root, sizeof root - 1);
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", dir);
	ssize_t hn = readlink(proc, here, sizeof here - 1);
	if (rn <= 0 || hn <= 0)
		return -1;
	root[rn] = here[hn] = '\0';
	if (strcmp(root, "/") == 0)
		rn = 0;
	if (strncmp(here, root, (size_t)rn) != 0 || (here[rn] != '/' && here[rn] != '\0'))
		return -1;
	snprintf(out, len, "%s", here[rn] ? here + rn : "/");
	return 0;
}

/* One pass over PATH (normalized). Returns the fd, -1 on error, or -2 after
 * meeting a symlink whose target does not exist: PATH then holds the path
 * through the symlink's target, for the next pass. */
static int open_create_pass(int rootfd, char *path, size_t path_size, bool dir, struct ctr_error *err)
{
	char prefix[4096];
	size_t len = strlen(path);
	int parent = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
	if (parent < 0)
		return ctr_fail(err, errno, "cannot open the container's root");
	size_t i = 0;
	while (i < len) {
		while (i < len && path[i] == '/')
			i++;
		if (i >= len)
			break;
		size_t start = i;
		while (i < len && path[i] != '/')
			i++;
		bool last = path[i] == '\0';
		char name[256];
		if (i - start >= sizeof name) {
			close(parent);
			return ctr_fail(err, ENAMETOOLONG, "%s", path);
		}
		memcpy(name, path + start, i - start);
		name[i - start] = '\0';
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		int fd = open_in_root(rootfd, prefix, O_PATH);
		if (fd < 0 && errno == ENOENT) {
			int rc;
			if (!last || dir) {
				rc = mkdirat(parent, name, 0755);
			} else {
				rc = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
				if (rc >= 0)
					rc = close(rc);
			}
			if (rc < 0 && errno == EEXIST) {
				/* A symlink to nothing: go on through its target, which
				 * RESOLVE_IN_ROOT keeps inside the root; docker does the same. */
				char target[4096], base[4096], joined[8192];
				ssize_t n = readlinkat(parent, name, target, sizeof target - 1);
				if (n > 0) {
					target[n] = '\0';
					if (target[0] == '/' || path_in_root(rootfd, parent, base, sizeof base) == 0) {
						int jn = snprintf(joined, sizeof joined, "%s/%s/%s", target[0] == '/' ? "" : base,
								  target, path + i);
						close(parent);
						if (jn < 0 || jn >= (int)sizeof joined || normalize(joined, path, path_size) < 0)
							return ctr_fail(err, ENAMETOOLONG, "%s", joined);
						return -2;
					}
				}
			}
			if (rc < 0 && errno != EEXIST) {
				int e = errno;
				close(parent);
				return ctr_fail(err, e, "cannot create %s in the container", prefix);
			}
			fd = open_in_root(rootfd, prefix, O_PATH);
		}
		if (fd < 0) {
			int e = errno;
			close(parent);
			return ctr_fail(err, e, "cannot open %s in the container", prefix);
		}
		struct stat st;
		if (fstat(fd, &st) < 0 || (!last && !S_ISDIR(st.st_mode))) {
			close(fd);
			close(parent);
			return ctr_fail(err, ENOTDIR, "%s in the container", prefix);
		}
		if (last && dir != !!S_ISDIR(st.st_mode)) {
			close(fd);
			close(parent);
			return ctr_fail(err, dir ? ENOTDIR : EISDIR, "%s in the container", prefix);
		}
		close(parent);
		parent = fd;
	}
	return parent;
}

int ctr_rootfs_open_create(int rootfd, const char *path, bool dir, struct ctr_error *err)
{
	char cur[4096];
	if (normalize(path, cur, sizeof cur) < 0)
		return ctr_fail(err, ENAMETOOLONG, "%s", path);
	for (int hops = 0; hops < 40; hops++) {
		int fd = open_create_pass(rootfd, cur, sizeof cur, dir, err);
		if (fd != -2)
			return fd;
	}
	return ctr_fail(err, ELOOP, "%s in the container", path);
}

int ctr_rootfs_attach(int rootfd, int mntfd, const char *path, bool dir, struct ctr_error *err)
{
	int target = ctr_rootfs_open_create(rootfd, path, dir, err);
	if (target < 0)
		return -1;
	int rc = move_mount(mntfd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	int e = errno;
	close(target);
	return rc < 0 ? ctr_fail(err, e, "cannot mount on %s in the container", path) : 0;
}

/* A fresh file system of TYPE on PATH (created when missing). */
static int mount_fresh(int rootfd, const char *path, const char *type, unsigned long flags, const char *data,
		       struct ctr_error *err)
{
	int target = ctr_rootfs_open_create(rootfd, path, true, err);
	if (target < 0)
		return -1;
	char at[64];
	snprintf(at, sizeof at, "/proc/self/fd/%d", target);
	int rc = mount(type, at, type, flags, data);
	int e = errno;
	close(target);
	if (rc < 0)
		return ctr_fail(err, e, "cannot mount %s on %s in the container", type, path);
	return 0;
}

int ctr_rootfs_mount_tmpfs(int rootfd, const char *path, unsigned long flags, const char *data, struct ctr_error *err)
{
	return mount_fresh(rootfd, path, "tmpfs", flags, data, err);
}

int ctr_rootfs_bind_host(int rootfd, const char *source, const char *path, bool dir, unsigned flags,
		     struct ctr_error *err)
{
	int tree = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return ctr_fail(err, errno, "cannot bind %s", source);
	struct mount_attr attr = {0};
	if (flags & ROOTFS_BIND_RO)
		attr.attr_set |= MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
	if (flags & ROOTFS_BIND_NOSUID_NODEV)
		attr.attr_set |= MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	if (attr.attr_set && mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
		int e = errno;
		close(tree);
		return ctr_fail(err, e, "cannot make %s %s", source,
				flags & ROOTFS_BIND_RO ? "read-only" : "nosuid and nodev");
	}
	int rc = ctr_rootfs_attach(rootfd, tree, path, dir, err);
	close(tree);
	return rc;
}

int ctr_rootfs_bind_over(int rootfd, int source_dir, const char *source, const char *path, struct ctr_error *err)
{
	int target = open_in_root(rootfd, path, O_PATH | O_NOFOLLOW);
	if (target < 0)
		return errno == ENOENT ? 0 : ctr_fail(err, errno, "%s in the container", path);
	int tree = open_tree(source_dir, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	int rc = tree < 0 ? -1 : move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	int e = errno;
	if (tree >= 0)
		close(tree);
	close(target);
	return rc < 0 ? ctr_fail(err, e, "cannot bind %s over %s in the container", source, path) : 0;
}

/* The /proc view's files and where they go. */
static const char *const view_files[][2] = {
	{"meminfo", "/proc/meminfo"}, {"cpuinfo", "/proc/cpuinfo"}, {"stat", "/proc/stat"},
	{"loadavg", "/proc/loadavg"}, {"swaps", "/proc/swaps"},	    {"diskstats", "/proc/diskstats"},
	{"cpu-online", "/sys/devices/system/cpu/online"},
};

int ctr_rootfs_bind_view(int rootfd, int view_dir, bool replace, struct ctr_error *err)
{
	for (size_t i = 0; i < sizeof view_files / sizeof view_files[0]; i++) {
		const char *path = view_files[i][1];
		/* A dead daemon's file goes first; its mount holds nothing. */
		if (replace) {
			char at[4096];
			snprintf(at, sizeof at, "%s", path);
			int fd = open_in_root(rootfd, path, O_PATH | O_NOFOLLOW);
			if (fd >= 0) {
				snprintf(at, sizeof at, "/proc/self/fd/%d", fd);
				umount2(at, MNT_DETACH);
				close(fd);
			}
		}
		if (ctr_rootfs_bind_over(rootfd, view_dir, view_files[i][0], path, err) < 0) {
			if (err->errnum == EPERM || err->errnum == EACCES)
				ctr_fail(err, err->errnum, "cannot bind the /proc view over %s (a host whose /proc has "
							   "locked mounts refuses it; --proc-view=off runs without it)", path);
			return -1;
		}
	}
	return 0;
}

int ctr_rootfs_mount_proc(int rootfd, struct ctr_error *err)
{
	if (mount_fresh(rootfd, "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) == 0)
		return 0;
	/* The kernel's "mount too revealing" rule: a user namespace may mount a
	 * fresh procfs only where the host's /proc is fully visible. */
	if (err->errnum == EPERM)
		ctr_fail(err, EPERM, "cannot mount a fresh procfs in the container: the host's /proc has files or "
				     "directories mounted over (lxcfs, or another runtime's masks), and the kernel "
				     "refuses a user namespace a procfs that would uncover them; unmount those on "
				     "the host's /proc");
	return -1;
}

/* --privileged: every device node of the host's /dev and of its
 * subdirectories (dri/, net/, snd/, ...), bound in, as docker gives them. */
static int bind_all_devices(int rootfd, struct ctr_error *err)
{
	static const char *const skip[] = {"pts", "shm", "mqueue", "fd", "core", "ptmx", "stdin", "stdout", "stderr"};
	char *dirs[64] = {strdup("/dev")};
	int n_dirs = dirs[0] ? 1 : 0, rc = 0;
	for (int d = 0; d < n_dirs && rc == 0; d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *de;
		while (dir && rc == 0 && (de = readdir(dir))) {
			bool skipped = de->d_name[0] == '.';
			for (size_t i = 0; !skipped && d == 0 && i < sizeof skip / sizeof *skip; i++)
				skipped = strcmp(de->d_name, skip[i]) == 0;
			char path[4096];
			struct stat st;
			snprintf(path, sizeof path, "%s/%s", dirs[d], de->d_name);
			if (skipped || lstat(path, &st) < 0)
				continue;
			if (S_ISDIR(st.st_mode) && d == 0 && n_dirs < 64)
				dirs[n_dirs++] = strdup(path);
			else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
				rc = ctr_rootfs_bind_host(rootfd, path, path, false, 0, err);
		}
		if (dir)
			closedir(dir);
	}
	for (int d = 0; d < n_dirs; d++)
		free(dirs[d]);
	return rc;
}

int ctr_rootfs_mount_dev(int rootfd, bool gid5_mapped, bool all_devices, struct ctr_error *err)
{
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
	static const char *const links[][2] = {
		{"ptmx", "pts/ptmx"}, {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
		{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}, {"core", "/proc/kcore"},
	};
	if (mount_fresh(rootfd, "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", err) < 0)
		return -1;
	for (size_t i = 0; !all_devices && i < sizeof nodes / sizeof nodes[0]; i++) {
		char host[32], inside[32];
		snprintf(host, sizeof host, "/dev/%s", nodes[i]);
		snprintf(inside, sizeof inside, "/dev/%s", nodes[i]);
		if (ctr_rootfs_bind_host(rootfd, host, inside, false, 0, err) < 0)
			return -1;
	}
	if (all_devices && bind_all_devices(rootfd, err) < 0)
		return -1;
	/* gid=5 (tty) only when the namespace maps it: else devpts refuses. */
	if (mount_fresh(rootfd, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
			gid5_mapped ? "newinstance,ptmxmode=0666,mode=0620,gid=5" : "newinstance,ptmxmode=0666,mode=0620",
			err) < 0)
		return -1;
	if (mount_fresh(rootfd, "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k",
			err) < 0)
		return -1;
	if (mount_fresh(rootfd, "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0)
		return -1;
	int dev = open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY);
	if (dev < 0)
		return ctr_fail(err, errno, "cannot open /dev in the container");
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (symlinkat(links[i][1], dev, links[i][0]) < 0 && errno != EEXIST) {
			int e = errno;
			close(dev);
			return ctr_fail(err, e, "cannot create /dev/%s in the container", links[i][0]);
		}
	close(dev);
	return 0;
}

int ctr_rootfs_mount_sys(int rootfd, bool own_netns, bool read_write, struct ctr_error *err)
{
	/* sysfs shows the network devices of the mounter's network namespace:
	 * only a container with its own may mount a fresh one. */
	if (own_netns)
		return mount_fresh(rootfd, "/sys", "sysfs", (read_write ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				   NULL, err);
	return ctr_rootfs_bind_host(rootfd, "/sys", "/sys", true, read_write ? 0 : ROOTFS_BIND_RO, err);
}

/* runc's defaults: kernel interfaces a container has no business reading
 * (masked) or changing (read-only). */
static const char *const masked_paths[] = {
	"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
	"/sys/devices/virtual/powercap",
};
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

int ctr_rootfs_mask_paths(int rootfd, struct ctr_error *err)
{
	for (size_t i = 0; i < sizeof masked_paths / sizeof masked_paths[0]; i++) {
		int fd = open_in_root(rootfd, masked_paths[i], O_PATH | O_NOFOLLOW);
		if (fd < 0)
			continue;  /* not on this kernel */
		struct stat st;
		int rc = fstat(fd, &st);
		close(fd);
		if (rc < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = mount_fresh(rootfd, masked_paths[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
					 "size=0", err);
		else
			rc = ctr_rootfs_bind_host(rootfd, "/dev/null", masked_paths[i], false, 0, err);
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof readonly_paths / sizeof readonly_paths[0]; i++) {
		int fd = open_in_root(rootfd, readonly_paths[i], O_PATH | O_NOFOLLOW);
		if (fd < 0)
			continue;
		int tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						      MOUNT_ATTR_NOEXEC};
		int rc = tree < 0 ? -1 : mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr);
		if (rc == 0)
			rc = move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
		int e = errno;
		if (tree >= 0)
			close(tree);
		close(fd);
		if (rc < 0)
			return ctr_fail(err, e, "cannot make %s read-only in the container", readonly_paths[i]);
	}
	return 0;
}
