/* The container's first process: it is cloned into new user, mount, PID, UTS,
 * IPC (and network) namespaces and becomes the command, as PID 1.
 * Steps, in order, each reported to ctrrun on failure:
 *   1. close every fd it was not given; wait for the id maps, become root of
 *      the user namespace (starting in the container's dir, so that merged/
 *      and proc/ are reached without passing the store's parents);
 *   2. mount the ctrfs root with fd=N and hand the fd to ctrrun, which starts
 *      the daemon outside this mount namespace; the same for the /proc view;
 *   3. proc, /dev, /sys, volumes, tmpfs, masked paths, hostname, loopback,
 *      the time namespace;
 *   4. once ctrrun has moved it into its cgroups, a cgroup namespace rooted
 *      there; the view's files bound over /proc;
 *   5. pivot_root, terminal, user, capabilities, no_new_privs, seccomp;
 *   6. PDEATHSIG, a last handshake, exec. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "container_init.h"
#include "proc_stat.h"
#include "process_creds.h"
#include "process_exec.h"
#include "rootfs_mounts.h"
#include "sync_channel.h"
#include "sysinfo_filter.h"

static __attribute__((noreturn)) void fail(int sync, const struct ctr_error *err)
{
	ctr_sync_send(sync, SYNC_ERROR, err, -1);
	_exit(125);
}

static int wait_for(int sync, char tag, struct ctr_error *err)
{
	struct sync_msg msg;
	int fd;
	if (ctr_sync_recv(sync, &msg, &fd) < 0)
		_exit(125);  /* ctrrun is gone: nobody to report to */
	if (fd >= 0)
		close(fd);
	if (msg.tag != tag)
		return ctr_fail(err, EPROTO, "unexpected message '%c' from ctrrun", msg.tag);
	return 0;
}

static bool gid_mapped(const struct ctr_idmap *map, uint32_t gid)
{
	return ctr_idmap_host_gid(map, gid) >= 0;
}

/* The ctrfs root: mounted here (the mount belongs to this namespace and dies
 * with it) from a /dev/fuse fd that the daemon, outside, then serves. */
static int mount_union_root(const struct ctr_spec *spec, int sync, struct ctr_error *err)
{
	int fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fuse < 0)
		return ctr_fail(err, errno, "cannot open /dev/fuse (tools/setup makes it usable by every user)");
	char opts[128];
	snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions",
		 fuse);
	/* Relative to the container's dir, where the init starts: the store's
	 * parents may be closed to a remapped root. */
	if (mount("ctrfs", "merged", "fuse.ctrfs", MS_NOSUID, opts) < 0) {
		int e = errno;
		close(fuse);
		return ctr_fail(err, e, "cannot mount the container's root on %s/merged", spec->dir);
	}
	int rc = ctr_sync_send(sync, SYNC_FUSE_FD, NULL, fuse);
	close(fuse);
	return rc < 0 ? ctr_fail(err, errno, "cannot pass the fuse fd to ctrrun") : 0;
}

static int bring_up_loopback(struct ctr_error *err)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return ctr_fail(err, errno, "socket");
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	int e = errno;
	close(s);
	return rc < 0 ? ctr_fail(err, e, "cannot bring up the loopback interface") : 0;
}

static int mount_volumes(const struct ctr_spec *spec, int rootfd, struct ctr_error *err)
{
	for (size_t i = 0; i < spec->n_volumes; i++) {
		const struct ctr_volume *v = &spec->volumes[i];
		struct stat st;
		int rc;
		if (v->tree_fd >= 0) {  /* made by the parent, idmapped: attach it */
			if (fstat(v->tree_fd, &st) < 0)
				return ctr_fail(err, errno, "volume %s", v->host_path);
			rc = ctr_rootfs_attach(rootfd, v->tree_fd, v->container_path, S_ISDIR(st.st_mode), err);
		} else {
			if (stat(v->host_path, &st) < 0)
				return ctr_fail(err, errno, "volume %s", v->host_path);
			rc = ctr_rootfs_bind_host(rootfd, v->host_path, v->container_path, S_ISDIR(st.st_mode),
					      v->read_only ? ROOTFS_BIND_RO | ROOTFS_BIND_NOSUID_NODEV
							   : ROOTFS_BIND_NOSUID_NODEV, err);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* --tmpfs mounts; and with --read-only, tmpfs on /tmp, /var/tmp and /run
 * where nothing else is mounted there (as podman's --read-only-tmpfs). */
static int mount_tmpfs(const struct ctr_spec *spec, int rootfd, struct ctr_error *err)
{
	const struct ctr_confinement *conf = spec->conf;
	for (size_t i = 0; i < conf->n_tmpfs; i++)
		if (ctr_rootfs_mount_tmpfs(rootfd, conf->tmpfs[i].path, conf->tmpfs[i].flags, conf->tmpfs[i].data, err) < 0)
			return -1;
	static const char *const scratch[][2] = {{"/tmp", "mode=1777"}, {"/var/tmp", "mode=1777"}, {"/run", "mode=755"}};
	for (size_t i = 0; conf->read_only && i < sizeof scratch / sizeof *scratch; i++) {
		bool taken = false;
		for (size_t k = 0; k < conf->n_tmpfs; k++)
			taken |= strcmp(conf->tmpfs[k].path, scratch[i][0]) == 0;
		for (size_t k = 0; k < spec->n_volumes; k++)
			taken |= strcmp(spec->volumes[k].container_path, scratch[i][0]) == 0;
		if (!taken && ctr_rootfs_mount_tmpfs(rootfd, scratch[i][0], MS_NOSUID | MS_NODEV, scratch[i][1], err) < 0)
			return -1;
	}
	return 0;
}

/* A time namespace whose boot time is now: /proc/uptime starts near 0 and
 * the kernel shifts every process start time (/proc/PID/stat) the same
 * way, so `ps` stays right. Faking uptime in a file would not. Offsets can
 * only be written before a process enters the namespace, so: unshare (for
 * children), write our offsets, then join it ourselves. */
static int enter_time_namespace(struct ctr_error *err)
{
	/* The namespace boots when this process started, to the clock tick:
	 * its own start time (and so every later one) is then >= 0, which `ps`
	 * needs, and uptime reads a few hundredths of a second at the exec. */
	uint64_t ticks;
	if (ctr_proc_self_start_ticks(&ticks) < 0)
		return ctr_fail(err, errno, "cannot read this process's start time");
	long hz = sysconf(_SC_CLK_TCK);
	long long sec = (long long)(ticks / (uint64_t)hz);
	long nsec = (long)(ticks % (uint64_t)hz) * (1000000000L / hz);
	if (unshare(CLONE_NEWTIME) < 0)
		return ctr_fail(err, errno, "cannot create a time namespace");
	char offsets[64];
	/* -(sec.nsec) as the kernel takes it: whole seconds down, nanoseconds up. */
	int len = nsec ? snprintf(offsets, sizeof offsets, "boottime %lld %ld\n", -sec - 1, 1000000000L - nsec)
		       : snprintf(offsets, sizeof offsets, "boottime %lld 0\n", -sec);
	int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, offsets, (size_t)len) != len) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return ctr_fail(err, e, "cannot set the time namespace's boot time");
	}
	close(fd);
	int ns = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWTIME) < 0) {
		int e = errno;
		if (ns >= 0)
			close(ns);
		return ctr_fail(err, e, "cannot enter the time namespace");
	}
	close(ns);
	return 0;
}

/* The /proc view, first half: mounted with fd=N on the staging dir right
 * after the root, so that ctrrun starts its daemon while this process goes
 * on with the other mounts. sysinfo calls will go to that daemon too: the
 * filter is installed now (allowed before no_new_privs, as root of our user
 * namespace) and inherited by everything the container starts; a kernel
 * without it leaves the host's sysinfo, nothing worse. */
static int mount_proc_view(const struct ctr_spec *spec, int sync, struct ctr_error *err)
{
	struct ctr_error ignored;
	int listener = ctr_sysinfo_filter_install(&ignored);
	if (listener >= 0) {
		ctr_sync_send(sync, SYNC_SECCOMP_FD, NULL, listener);
		close(listener);
	}
	int fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fuse < 0)
		return ctr_fail(err, errno, "cannot open /dev/fuse for the /proc view");
	char opts[128];
	snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions", fuse);
	if (mount("ctrfs-proc", "proc", "fuse.ctrfs-proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, opts) < 0) {
		int e = errno;
		close(fuse);
		return ctr_fail(err, e, "cannot mount the /proc view on %s/proc", spec->dir);
	}
	int rc = ctr_sync_send(sync, SYNC_PROC_FD, NULL, fuse);
	close(fuse);
	return rc < 0 ? ctr_fail(err, errno, "cannot pass the /proc view's fd to ctrrun") : 0;
}

/* Second half, once /proc is mounted: the view's files bound over their
 * places, the staging mount dropped. */
static int bind_proc_view(int rootfd, struct ctr_error *err)
{
	int view = open("proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (view < 0)
		return ctr_fail(err, errno, "cannot open the /proc view's mount");
	int rc = ctr_rootfs_bind_view(rootfd, view, false, err);
	close(view);
	umount2("proc", MNT_DETACH);
	return rc;
}

static int enter_root(int rootfd, struct ctr_error *err)
{
	if (fchdir(rootfd) < 0)
		return ctr_fail(err, errno, "cannot enter the container's root");
	/* pivot_root(".", "."): the old root ends up on top of the new one and
	 * is detached at once, so no directory in the image is needed for it. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return ctr_fail(err, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return ctr_fail(err, errno, "cannot detach the host's root");
	if (chdir("/") < 0)
		return ctr_fail(err, errno, "chdir /");
	return 0;
}

/* A pty from the container's own devpts; the master goes to ctrrun. */
static int setup_terminal(int sync, uid_t uid, struct ctr_error *err)
{
	int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return ctr_fail(err, errno, "cannot open /dev/pts/ptmx in the container");
	int unlock = 0, n;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) {
		int e = errno;
		close(master);
		return ctr_fail(err, e, "cannot set up a pty");
	}
	char name[32];
	snprintf(name, sizeof name, "/dev/pts/%d", n);
	int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		int e = errno;
		close(master);
		return ctr_fail(err, e, "cannot open %s", name);
	}
	if (uid != 0 && fchown(slave, uid, (gid_t)-1) < 0) {
		/* the user could not read its own terminal otherwise */
	}
	int rc = ctr_sync_send(sync, SYNC_PTY_FD, NULL, master);
	close(master);
	if (rc < 0) {
		close(slave);
		return ctr_fail(err, errno, "cannot pass the pty to ctrrun");
	}
	if (ioctl(slave, TIOCSCTTY, 0) < 0) {
		int e = errno;
		close(slave);
		return ctr_fail(err, e, "cannot make %s the controlling terminal", name);
	}
	for (int fd = 0; fd < 3; fd++)
		dup2(slave, fd);
	if (slave > 2)
		close(slave);
	return 0;
}

/* Without a terminal: the monitor's pipes, and stdin or /dev/null. */
static int redirect_stdio(const struct ctr_spec *spec, struct ctr_error *err)
{
	int in = spec->stdin_fd >= 0 ? spec->stdin_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return ctr_fail(err, errno, "/dev/null");
	int want[3] = {in, spec->stdout_fd, spec->stderr_fd};
	/* Move them out of the way of 0-2 first, so no dup2 clobbers another. */
	for (int i = 0; i < 3; i++)
		if (want[i] >= 0 && want[i] < 3 && (want[i] = fcntl(want[i], F_DUPFD_CLOEXEC, 3)) < 0)
			return ctr_fail(err, errno, "dup");
	for (int i = 0; i < 3; i++)
		if (want[i] >= 0 && dup2(want[i], i) < 0)
			return ctr_fail(err, errno, "dup2");
	return 0;
}

static int make_workdir(const char *cwd, struct ctr_error *err)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return ctr_fail(err, errno, "/");
	int fd = ctr_rootfs_open_create(root, cwd, true, err);
	close(root);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

void container_init(const struct ctr_spec *spec, int sync, int exec_err)
{
	struct ctr_error err = {0};
	/* Only what the container is meant to get: no fd of the monitor (the
	 * database, other containers' pipes) nor of whoever started ctrrun. */
	{
		int keep[8 + spec->n_volumes];
		size_t n = 0;
		for (int fd = 0; fd < 3; fd++)
			keep[n++] = fd;
		keep[n++] = sync;
		keep[n++] = exec_err;
		keep[n++] = spec->stdin_fd;
		keep[n++] = spec->stdout_fd;
		keep[n++] = spec->stderr_fd;
		for (size_t i = 0; i < spec->n_volumes; i++)
			keep[n++] = spec->volumes[i].tree_fd;
		ctr_close_fds_except(keep, n);
	}
	if (wait_for(sync, SYNC_MAPPED, &err) < 0)
		fail(sync, &err);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		ctr_fail(&err, errno, "cannot become root in the container's user namespace");
		fail(sync, &err);
	}
	/* Becoming another host uid (a remapped root) made us non-dumpable,
	 * which hands our /proc/self to host root: the time namespace's
	 * offsets could not be written, nor the /proc view read us. Nothing
	 * of the container runs yet that could look at us. */
	prctl(PR_SET_DUMPABLE, 1);
	bool can_setgroups = !spec->idmap->single;
	if (can_setgroups)
		setgroups(0, NULL);
	/* Nothing mounted here may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		ctr_fail(&err, errno, "cannot make the mount namespace private");
		fail(sync, &err);
	}
	if (mount_union_root(spec, sync, &err) < 0)
		fail(sync, &err);
	if (spec->proc_view && mount_proc_view(spec, sync, &err) < 0)
		fail(sync, &err);
	int rootfd = open("merged", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		ctr_fail(&err, errno, "cannot open the container's root %s/merged", spec->dir);
		fail(sync, &err);
	}
	const struct ctr_confinement *conf = spec->conf;
	if (ctr_rootfs_mount_proc(rootfd, &err) < 0 ||
	    ctr_rootfs_mount_dev(rootfd, gid_mapped(spec->idmap, 5), conf->privileged, &err) < 0 ||
	    ctr_rootfs_mount_sys(rootfd, !spec->host_network, conf->privileged, &err) < 0 ||
	    mount_volumes(spec, rootfd, &err) < 0 || mount_tmpfs(spec, rootfd, &err) < 0 ||
	    (!conf->privileged && ctr_rootfs_mask_paths(rootfd, &err) < 0))
		fail(sync, &err);
	if (sethostname(spec->hostname, strlen(spec->hostname)) < 0) {
		ctr_fail(&err, errno, "cannot set the hostname %s", spec->hostname);
		fail(sync, &err);
	}
	if (!spec->host_network && bring_up_loopback(&err) < 0)
		fail(sync, &err);
	if (enter_time_namespace(&err) < 0)
		fail(sync, &err);
	/* ctrrun has been moving us into our cgroups meanwhile; once it has,
	 * they become the root of our cgroup namespace. */
	if (wait_for(sync, SYNC_CGROUPS, &err) < 0)
		fail(sync, &err);
	if (unshare(CLONE_NEWCGROUP) < 0) {
		ctr_fail(&err, errno, "cannot create a cgroup namespace");
		fail(sync, &err);
	}
	if (spec->proc_view && bind_proc_view(rootfd, &err) < 0)
		fail(sync, &err);
	if (enter_root(rootfd, &err) < 0)
		fail(sync, &err);
	close(rootfd);

	struct creds creds;
	if (ctr_creds_resolve(spec->user, &creds, &err) < 0)
		fail(sync, &err);
	if (spec->cwd && make_workdir(spec->cwd, &err) < 0)
		fail(sync, &err);
	/* --read-only: the union's mount alone; /proc, /dev, /sys, volumes and
	 * tmpfs mounts stay as they are. */
	if (conf->read_only) {
		struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
		if (mount_setattr(AT_FDCWD, "/", 0, &ro, sizeof ro) < 0) {
			ctr_fail(&err, errno, "cannot make the container's root read-only");
			fail(sync, &err);
		}
	}
	setsid();
	if (spec->terminal) {
		if (setup_terminal(sync, creds.uid, &err) < 0)
			fail(sync, &err);
	} else if (redirect_stdio(spec, &err) < 0) {
		fail(sync, &err);
	}
	if (ctr_creds_apply(&creds, can_setgroups, conf->caps, &err) < 0)
		fail(sync, &err);
	if (chdir(spec->cwd ? spec->cwd : "/") < 0) {
		ctr_fail(&err, errno, "cannot change to the working directory %s", spec->cwd);
		fail(sync, &err);
	}
	/* After the last credential change, which clears it. If ctrrun died
	 * before this point, the handshake below sees end of stream. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The seccomp filter last of all but the handshake and the exec, which
	 * every profile built on docker's lets through; a failure still reaches
	 * ctrrun. no_new_privs is set (ctr_creds_apply). */
	int unused_listener;
	if (ctr_seccomp_load(conf->seccomp, &unused_listener, &err) < 0)
		fail(sync, &err);
	if (ctr_sync_send(sync, SYNC_READY, NULL, -1) < 0 || wait_for(sync, SYNC_GO, &err) < 0)
		_exit(125);
	close(sync);

	/* Whatever fds the caller of ctrrun left open stay outside. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* runc's default: the container's files do not depend on the umask
	 * of whoever ran ctrrun. */
	umask(022);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	exec_in_container(spec->argv, spec->env, creds.home, exec_err);
}
