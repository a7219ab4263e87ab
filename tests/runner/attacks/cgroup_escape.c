/* An attacker inside a container, for tests/runner/security.sh: it makes a
 * user namespace of its own (root there), a mount and a cgroup namespace,
 * mounts cgroupfs (each v1 hierarchy the host has, and cgroup2), and tries
 * to open for writing the limit files of its own cgroup and of the cgroup
 * its namespace is rooted at. Files are opened, never written: the test
 * must not change a host limit even when the attack works.
 *
 * usage: cgroup_escape
 * Prints one line per step, "step NAME ok" or "step NAME failed: ERRNO",
 * then "writable PATH" for each limit file it could open for writing, and
 * finally "writable N". Exit 0 whatever happened. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int n_writable;

static int step(const char *name, int rc)
{
	if (rc < 0)
		printf("step %s failed: %s\n", name, strerror(errno));
	else
		printf("step %s ok\n", name);
	return rc;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0) {
		}
		close(fd);
	}
}

static const char *const limit_files[] = {
	"memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.max", "memory.swap.max", "pids.max",
	"cpu.cfs_quota_us", "cpu.max", "cpuset.cpus", "cgroup.max.descendants", "cgroup.procs",
	"devices.allow", "hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.max",
};

/* Opens every limit file in DIR for writing (not writing to it). */
static void probe(const char *dir)
{
	for (size_t i = 0; i < sizeof limit_files / sizeof limit_files[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", dir, limit_files[i]);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			printf("writable %s\n", path);
			n_writable++;
			close(fd);
		}
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (step("unshare-user", unshare(CLONE_NEWUSER)) == 0) {
		char map[64];
		snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
		write_file("/proc/self/setgroups", "deny");
		write_file("/proc/self/uid_map", map);
		snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
		write_file("/proc/self/gid_map", map);
	}
	if (step("unshare-mount-cgroup", unshare(CLONE_NEWNS | CLONE_NEWCGROUP)) == 0) {
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		static const char *const hierarchies[] = {"memory", "pids", "cpu,cpuacct", "cpuset", "devices",
							  "hugetlb", "freezer", "blkio"};
		char dir[256];
		mkdir("/cg-attack", 0755);
		for (size_t i = 0; i < sizeof hierarchies / sizeof hierarchies[0]; i++) {
			snprintf(dir, sizeof dir, "/cg-attack/%zu", i);
			mkdir(dir, 0755);
			char name[64];
			snprintf(name, sizeof name, "mount-cgroup-%s", hierarchies[i]);
			if (step(name, mount("cgroup", dir, "cgroup", 0, hierarchies[i])) == 0)
				probe(dir);
		}
		snprintf(dir, sizeof dir, "/cg-attack/unified");
		mkdir(dir, 0755);
		if (step("mount-cgroup2", mount("cgroup2", dir, "cgroup2", 0, NULL)) == 0)
			probe(dir);
	}
	printf("writable %d\n", n_writable);
	return 0;
}
