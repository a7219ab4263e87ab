/* An attacker inside a container, for tests/runner/security.sh: it watches
 * the container's /proc for new processes (those `ctrrun exec` starts),
 * races to PTRACE_SEIZE each one and stop it, and tries to reach what a
 * process joining from the host may still hold before its execve: open
 * files and directories of the host (state.db and its -wal and -shm, the
 * user's stdio), sockets and anonymous inodes of ctrrun (pidfd, signalfd,
 * its sync socket), and the host's ctrrun binary through /proc/PID/exe.
 *
 * usage: ptrace_race STOPFILE REPORT EXE_DEV:EXE_INO
 * Runs until STOPFILE exists, then writes REPORT: one line per thing
 * reached ("fd PID N TYPE -> TARGET" or "exe PID -> TARGET") and a last line
 * "pids P seized S fd_dirs D reached R". Pipes, /dev/null and ptys are not
 * counted: they are what a process in the container is given on purpose.
 *
 * Built static by the test (the image is busybox). Everything here is
 * plain syscalls; nothing allocates in the loop. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PID 4194304

static unsigned char seen[MAX_PID / 8 + 1];
static FILE *report;
static unsigned long n_pids, n_seized, n_fd_dirs, n_reached;
static dev_t exe_dev;
static ino_t exe_ino;

static int is_seen(long pid) { return seen[pid / 8] & (1 << (pid % 8)); }
static void mark_seen(long pid) { seen[pid / 8] |= (unsigned char)(1 << (pid % 8)); }

static const char *type_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFSOCK: return "socket";
	case S_IFLNK: return "symlink";
	case S_IFBLK: return "blockdev";
	case S_IFCHR: return "chardev";
	case S_IFIFO: return "pipe";
	default: return "anon-inode";
	}
}

/* Pipes are the container's own stdio; char devices are /dev/null and the
 * container's pts. Everything else held by a joining process is the host's. */
static int given_on_purpose(const struct stat *st)
{
	return S_ISFIFO(st->st_mode) || S_ISCHR(st->st_mode);
}

static void probe_fds(long pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/fd", pid);
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	n_fd_dirs++;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		/* Reopening through the magic link is the attack itself. */
		int fd = openat(dfd, e->d_name, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct stat st;
		if (fstat(fd, &st) == 0 && !given_on_purpose(&st)) {
			char target[512] = "?";
			ssize_t n = readlinkat(dfd, e->d_name, target, sizeof target - 1);
			if (n > 0)
				target[n] = '\0';
			fprintf(report, "fd %ld %s %s -> %s\n", pid, e->d_name, type_of(st.st_mode), target);
			n_reached++;
		}
		close(fd);
	}
	closedir(d);
}

static void probe_exe(long pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/exe", pid);
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) == 0 && st.st_dev == exe_dev && st.st_ino == exe_ino) {
		char target[512] = "?";
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n > 0)
			target[n] = '\0';
		fprintf(report, "exe %ld -> %s\n", pid, target);
		n_reached++;
	}
	close(fd);
}

static void read_comm(long pid, char *out, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	out[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, out, len - 1);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
}

/* Spins on PID until it can be seized (a joining process becomes
 * traceable once its capabilities are no more than ours), then stops it
 * and looks. Gives up when it is gone, or once it has exec'd and been
 * looked at. */
static void attack(long pid)
{
	char first[32], now[32];
	read_comm(pid, first, sizeof first);
	for (int tries = 0; tries < 200000; tries++) {
		if (ptrace(PTRACE_SEIZE, (pid_t)pid, 0, 0) == 0) {
			n_seized++;
			ptrace(PTRACE_INTERRUPT, (pid_t)pid, 0, 0);
			waitpid((pid_t)pid, NULL, __WALL);
			probe_exe(pid);
			probe_fds(pid);
			ptrace(PTRACE_DETACH, (pid_t)pid, 0, 0);
			return;
		}
		if (errno == ESRCH)
			return;
		read_comm(pid, now, sizeof now);
		if (!now[0])
			return;
		if (strcmp(now, first) != 0) {
			/* exec'd: what it holds now is what the container gave it */
			probe_fds(pid);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s STOPFILE REPORT EXE_DEV:EXE_INO\n", argv[0]);
		return 2;
	}
	unsigned long long dev, ino;
	if (sscanf(argv[3], "%llu:%llu", &dev, &ino) != 2) {
		fprintf(stderr, "bad EXE_DEV:EXE_INO %s\n", argv[3]);
		return 2;
	}
	exe_dev = (dev_t)dev;
	exe_ino = (ino_t)ino;
	report = fopen(argv[2], "we");
	if (!report) {
		perror(argv[2]);
		return 2;
	}
	setvbuf(report, NULL, _IOLBF, 0);
	mark_seen(getpid());
	mark_seen(1);
	/* Written once we look, so the test starts its execs only then. */
	fprintf(report, "ready\n");
	for (long round = 0;; round++) {
		if ((round & 255) == 0 && access(argv[1], F_OK) == 0)
			break;
		DIR *proc = opendir("/proc");
		if (!proc)
			return 2;
		struct dirent *e;
		while ((e = readdir(proc))) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);
			if (*end || pid <= 0 || pid >= MAX_PID || is_seen(pid))
				continue;
			mark_seen(pid);
			n_pids++;
			attack(pid);
		}
		closedir(proc);
	}
	fprintf(report, "pids %lu seized %lu fd_dirs %lu reached %lu\n", n_pids, n_seized, n_fd_dirs, n_reached);
	fclose(report);
	return 0;
}
