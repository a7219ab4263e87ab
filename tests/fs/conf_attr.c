/* Attributes: utimensat with ns, chmod, chown, and permission checks made
 * by an unprivileged user. */
#include "conf_util.h"

#include <stdio.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static int utimensat_sets_ns_times(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "F"));
	CHECK_OK(conf_set_times(M("f"), 1111111111, 1, 1222222222, 999999999));
	struct stat st = conf_lstat(M("f"));
	CHECK_EQ(st.st_atim.tv_sec, 1111111111);
	CHECK_EQ(st.st_atim.tv_nsec, 1);
	CHECK_EQ(st.st_mtim.tv_sec, 1222222222);
	CHECK_EQ(st.st_mtim.tv_nsec, 999999999);
	REMOUNT();
	CHECK_EQ(conf_lstat(M("f")).st_mtim.tv_nsec, 999999999);
	return CONF_PASS;
}

static int utimensat_on_lower_file_copies_up_with_ns(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "lower"));
	MOUNT();
	CHECK_OK(conf_set_times(M("f"), 1000000000, 500, 1000000001, 600));
	CHECK_EQ(conf_lstat(U("f")).st_mtim.tv_sec, 1000000001);
	CHECK_EQ(conf_lstat(U("f")).st_mtim.tv_nsec, 600);
	CHECK_EQ(conf_lstat(M("f")).st_atim.tv_nsec, 500);
	CHECK_CONTENT(M("f"), "lower");
	return CONF_PASS;
}

static int utimensat_now_sets_current_time(struct testfs *t)
{
	struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	time_t before = time(NULL);

	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_set_times(L0("f"), 1000, 0, 1000, 0));
	MOUNT();
	CHECK_OK(utimensat(AT_FDCWD, M("f"), now, 0));
	struct stat st = conf_lstat(M("f"));
	CHECK(st.st_mtim.tv_sec >= before - 1 && st.st_mtim.tv_sec <= time(NULL) + 1);
	CHECK(st.st_atim.tv_sec >= before - 1);
	return CONF_PASS;
}

static int utimensat_omit_keeps_mtime(struct testfs *t)
{
	struct timespec ts[2] = { { 1500000000, 42 }, { 0, UTIME_OMIT } };

	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_set_times(L0("f"), 1000, 1, 2000, 2));
	MOUNT();
	CHECK_OK(utimensat(AT_FDCWD, M("f"), ts, 0));
	struct stat st = conf_lstat(M("f"));
	CHECK_EQ(st.st_atim.tv_sec, 1500000000);
	CHECK_EQ(st.st_atim.tv_nsec, 42);
	CHECK_EQ(st.st_mtim.tv_sec, 2000);
	CHECK_EQ(st.st_mtim.tv_nsec, 2);
	return CONF_PASS;
}

static int utimensat_on_symlink_nofollow(struct testfs *t)
{
	CHECK_OK(conf_put(L0("target"), "T"));
	CHECK_OK(conf_set_times(L0("target"), 5000, 5, 5000, 5));
	CHECK_OK(symlink("target", L0("s")));
	MOUNT();
	CHECK_OK(conf_set_times(M("s"), 7000, 7, 7000, 7));
	CHECK_EQ(conf_lstat(M("s")).st_mtim.tv_sec, 7000);
	CHECK_EQ(conf_lstat(M("s")).st_mtim.tv_nsec, 7);
	CHECK_EQ(conf_lstat(M("target")).st_mtim.tv_sec, 5000);
	return CONF_PASS;
}

static int futimens_on_open_fd(struct testfs *t)
{
	struct timespec ts[2] = { { 3000, 3 }, { 4000, 4 } };
	int fd;

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR));
	CHECK_OK(futimens(fd, ts));
	close(fd);
	CHECK_EQ(conf_lstat(M("f")).st_mtim.tv_sec, 4000);
	CHECK_EQ(conf_lstat(M("f")).st_mtim.tv_nsec, 4);
	return CONF_PASS;
}

static int write_updates_mtime_and_ctime(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_set_times(L0("f"), 1000, 0, 1000, 0));
	MOUNT();
	time_t before = time(NULL);
	CHECK_OK(conf_put(M("f"), "new"));
	struct stat st = conf_lstat(M("f"));
	CHECK(st.st_mtim.tv_sec >= before - 1);
	CHECK(st.st_ctim.tv_sec >= before - 1);
	return CONF_PASS;
}

static int chmod_lower_file(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(chmod(M("f"), 0604));
	CHECK_EQ(conf_lstat(M("f")).st_mode & 07777, 0604);
	CHECK_EQ(conf_lstat(L0("f")).st_mode & 07777, 0644);
	REMOUNT();
	CHECK_EQ(conf_lstat(M("f")).st_mode & 07777, 0604);
	return CONF_PASS;
}

static int chmod_merged_dir(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L1("d/b"), "b"));
	MOUNT();
	CHECK_OK(chmod(M("d"), 0711));
	CHECK_EQ(conf_lstat(M("d")).st_mode & 07777, 0711);
	CHECK_CONTENT(M("d/b"), "b");
	return CONF_PASS;
}

static int fchmod_on_open_fd(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_OK(fchmod(fd, 0600));
	close(fd);
	CHECK_EQ(conf_lstat(M("f")).st_mode & 07777, 0600);
	return CONF_PASS;
}

static int chmod_changes_ctime_not_mtime(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_set_times(L0("f"), 1000, 10, 1000, 10));
	MOUNT();
	time_t before = time(NULL);
	CHECK_OK(chmod(M("f"), 0600));
	struct stat st = conf_lstat(M("f"));
	CHECK(st.st_ctim.tv_sec >= before - 1);
	CHECK_EQ(st.st_mtim.tv_sec, 1000);
	CHECK_EQ(st.st_mtim.tv_nsec, 10);
	return CONF_PASS;
}

static int chmod_setuid_setgid_sticky_bits(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	CHECK_OK(chmod(M("f"), 06755));
	CHECK_EQ(conf_lstat(M("f")).st_mode & 07777, 06755);
	CHECK_OK(chmod(M("d"), 01777));
	CHECK_EQ(conf_lstat(M("d")).st_mode & 07777, 01777);
	REMOUNT();
	CHECK_EQ(conf_lstat(M("f")).st_mode & 07777, 06755);
	return CONF_PASS;
}

static int chown_lower_file(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(chown(M("f"), 1000, 100));
	CHECK_EQ(conf_lstat(M("f")).st_uid, 1000);
	CHECK_EQ(conf_lstat(M("f")).st_gid, 100);
	CHECK_EQ(conf_lstat(L0("f")).st_uid, 0);
	REMOUNT();
	CHECK_EQ(conf_lstat(M("f")).st_uid, 1000);
	return CONF_PASS;
}

static int chown_upper_file_and_dir(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "F"));
	CHECK_OK(mkdir(M("d"), 0755));
	CHECK_OK(chown(M("f"), 12345, 54321));
	CHECK_OK(chown(M("d"), 23456, 65432));
	CHECK_EQ(conf_lstat(U("f")).st_uid, 12345);
	CHECK_EQ(conf_lstat(U("f")).st_gid, 54321);
	CHECK_EQ(conf_lstat(M("d")).st_uid, 23456);
	CHECK_CONTENT(M("f"), "F");
	return CONF_PASS;
}

static int chown_clears_setuid_bit(struct testfs *t)
{
	CHECK_OK(conf_put_mode(L0("f"), "F", 04755));
	MOUNT();
	CHECK_OK(chown(M("f"), 1000, 1000));
	CHECK_EQ(conf_lstat(M("f")).st_mode & 07777, 0755);
	return CONF_PASS;
}

static int write_as_other_user(void *arg)
{
	struct testfs *t = arg;
	int fd = open(M("f"), O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "x", 1), 1);
	CHECK_OK(close(fd));
	return CONF_PASS;
}

/* Kernel rule: a write by a user without CAP_FSETID drops setuid, and setgid
 * with group execute; the daemon writes as root, so ctrfs must not keep them. */
static int write_by_other_user_clears_setuid_setgid(struct testfs *t)
{
	CHECK_OK(conf_put_mode(L0("f"), "F", 06777));
	MOUNT();
	CHECK_OK(conf_as_user(write_as_other_user, t));
	CHECK_EQ(conf_lstat(M("f")).st_mode & 07777, 0777);
	CHECK_CONTENT(M("f"), "Fx");
	REMOUNT();
	CHECK_EQ(conf_lstat(M("f")).st_mode & 07777, 0777);
	return CONF_PASS;
}

/* --- setuid and setgid after a change by another user (pjdfstest chmod/12) --- */

static bool self_in_group(gid_t gid)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	if (getegid() == gid)
		return true;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* Whether conf_as_user's user is in group gid: uid/gid 65534 without
 * supplementary groups when we are root, else ourselves. */
static bool conf_user_in_group(gid_t gid)
{
	return geteuid() == 0 ? gid == 65534 : self_in_group(gid);
}

/* What a write, truncate or O_TRUNC open by a caller without CAP_FSETID
 * leaves of a regular file's mode, by the kernel's rule: setuid always
 * goes; setgid goes with group execute, and without it when the caller is
 * not in the file's group. */
static mode_t mode_after_unprivileged_change(mode_t mode, bool in_group)
{
	mode &= ~(mode_t)S_ISUID;
	if ((mode & S_ISGID) && ((mode & S_IXGRP) || !in_group))
		mode &= ~(mode_t)S_ISGID;
	return mode;
}

enum change { BY_WRITE, BY_OPEN_TRUNC, BY_TRUNCATE };

struct change_arg {
	struct testfs *t;
	const char *name;
	enum change how;
	int flags; /* open flags for BY_WRITE and BY_OPEN_TRUNC */
};

/* As the second user: change the file and check its mode, through the
 * open file (fstat, as pjdfstest does) where there is one. */
static int change_as_user(void *arg)
{
	struct change_arg *a = arg;
	struct testfs *t = a->t;
	struct stat before = conf_lstat(M(a->name)), st;
	mode_t want = mode_after_unprivileged_change(before.st_mode & 07777, self_in_group(before.st_gid));
	int fd;

	if (a->how == BY_TRUNCATE) {
		CHECK_OK(truncate(M(a->name), 0));
		CHECK_OK(lstat(M(a->name), &st));
	} else {
		CHECK_OK(fd = open(M(a->name), a->flags | (a->how == BY_OPEN_TRUNC ? O_TRUNC : 0)));
		if (a->how == BY_WRITE)
			CHECK_EQ(write(fd, "x", 1), 1);
		CHECK_OK(fstat(fd, &st));
		close(fd);
	}
	if ((st.st_mode & 07777) != want)
		CONF_FAILED("%s: mode 0%o after the change, want 0%o (was 0%o)", a->name, st.st_mode & 07777,
			    want, before.st_mode & 07777);
	return CONF_PASS;
}

/* Makes name with mode (under umask 0) through the mount, of group `group`
 * when not -1, has the second user change it, and checks the mode it is left
 * with. Rootless, that user is the owner, who has no CAP_FSETID either. */
static int change_by_other_user(struct testfs *t, const char *name, mode_t mode, gid_t group, enum change how,
				int flags)
{
	struct change_arg a = { t, name, how, flags };
	int fd;

	CHECK_OK(fd = open(M(name), O_WRONLY | O_CREAT | O_EXCL, mode));
	close(fd);
	if (group != (gid_t)-1) {
		CHECK_OK(chown(M(name), (uid_t)-1, group));
		CHECK_OK(chmod(M(name), mode));
	}
	struct stat st = conf_lstat(M(name));
	CHECK_EQ(st.st_mode & 07777, mode);
	mode_t want = mode_after_unprivileged_change(mode, conf_user_in_group(st.st_gid));
	int r = conf_as_user(change_as_user, &a);
	if (r != CONF_PASS)
		return r;
	CHECK_EQ(conf_lstat(M(name)).st_mode & 07777, want);
	CHECK_EQ(conf_lstat(U(name)).st_mode & 07777, want);
	return CONF_PASS;
}

/* The mount is started under 022, the files made under 0 (pjdfstest runs
 * under umask 0): a daemon that masks with its own umask makes them 0755
 * and the other user cannot open them for writing at all. */
static int mount_for_changes(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	umask(022);
	MOUNT();
	umask(0);
	CHECK_OK(mkdir(M("d"), 0755));
	return CONF_PASS;
}

static int write_by_other_user_clears_setuid_setgid_of_new_file(struct testfs *t)
{
	TRY(mount_for_changes(t));
	TRY(change_by_other_user(t, "d/suid", 04777, -1, BY_WRITE, O_WRONLY));
	TRY(change_by_other_user(t, "d/sgid", 02777, -1, BY_WRITE, O_RDWR));
	TRY(change_by_other_user(t, "d/both", 06777, -1, BY_WRITE, O_RDWR));
	REMOUNT();
	CHECK_EQ(conf_lstat(M("d/both")).st_mode & 07777, 0777);
	return CONF_PASS;
}

/* As the file's owner, without CAP_FSETID: setuid set through a descriptor
 * opened before, then a write through it; the bit must go. */
static int setuid_after_open_then_write(void *arg)
{
	struct testfs *t = arg;
	struct stat st;
	int fd;

	CHECK_OK(fd = open(M("d/later"), O_WRONLY));
	CHECK_OK(fchmod(fd, 04777));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, 04777);
	CHECK_EQ(write(fd, "x", 1), 1);
	CHECK_OK(fstat(fd, &st));
	close(fd);
	if ((st.st_mode & 07777) != 0777)
		CONF_FAILED("mode 0%o after the write, want 0777", st.st_mode & 07777);
	return CONF_PASS;
}

/* The kernel drops setuid at a write whenever it was set, also after the
 * file was opened (through a file ctrfs passes on without the page cache,
 * as it does when the disk is nearly full, the daemon has to). */
static int write_clears_setuid_set_after_open(struct testfs *t)
{
	int fd;

	TRY(mount_for_changes(t));
	CHECK_OK(fd = open(M("d/later"), O_WRONLY | O_CREAT | O_EXCL, 0777));
	close(fd);
	if (geteuid() == 0)
		CHECK_OK(chown(M("d/later"), 65534, 65534));   /* conf_as_user's user */
	int r = conf_as_user(setuid_after_open_then_write, t);
	if (r != CONF_PASS)
		return r;
	CHECK_EQ(conf_lstat(M("d/later")).st_mode & 07777, 0777);
	CHECK_EQ(conf_lstat(U("d/later")).st_mode & 07777, 0777);
	CHECK_CONTENT(M("d/later"), "x");
	return CONF_PASS;
}

/* The group of the second user (see conf_user_in_group). */
static gid_t conf_user_group(void)
{
	return geteuid() == 0 ? 65534 : getegid();
}

/* Setgid without group execute stays when a member of the file's group
 * writes (setuid goes). */
static int write_by_group_member_keeps_setgid_without_group_exec(struct testfs *t)
{
	TRY(mount_for_changes(t));
	TRY(change_by_other_user(t, "d/sgid", 02767, conf_user_group(), BY_WRITE, O_WRONLY));
	TRY(change_by_other_user(t, "d/both", 06767, conf_user_group(), BY_WRITE, O_RDWR | O_APPEND));
	CHECK_EQ(conf_lstat(M("d/sgid")).st_mode & 07777, 02767);
	return CONF_PASS;
}

/* Since Linux 6.x (setattr_should_drop_sgid) a write by someone outside
 * the file's group drops setgid also without group execute. The kernel's
 * FUSE client does not: without FUSE_HANDLE_KILLPRIV it sends the mode to
 * set only for setgid with group execute (fuse_setattr), and the
 * FUSE_HANDLE_KILLPRIV_V2 protocol states the same rule; a FUSE daemon is
 * never told who wrote, so ctrfs cannot match ext4 here. */
static int write_by_non_member_clears_setgid_without_group_exec(struct testfs *t)
{
	if (conf_impl == IMPL_CTRFS)
		return conf_skip("FUSE limit: the kernel's FUSE client keeps setgid without group execute "
				 "on a non-member's write (fuse_setattr), ext4 drops it");
	TRY(mount_for_changes(t));
	TRY(change_by_other_user(t, "d/sgid", 02767, -1, BY_WRITE, O_WRONLY));
	CHECK_EQ(conf_lstat(M("d/sgid")).st_mode & 07777, 0767);
	return CONF_PASS;
}

static int truncate_by_other_user_clears_setuid_setgid(struct testfs *t)
{
	TRY(mount_for_changes(t));
	TRY(change_by_other_user(t, "d/trunc", 06777, -1, BY_TRUNCATE, 0));
	return CONF_PASS;
}

/* open(O_TRUNC) without a write. The kernel's FUSE client leaves O_TRUNC to
 * the OPEN request (atomic_o_trunc, which saves copying up data that is
 * thrown away) and then drops the SETATTR that would clear the bits
 * (fuse_do_setattr); only FUSE_HANDLE_KILLPRIV_V2 passes the kernel's
 * decision on (FUSE_OPEN_KILL_SUIDGID), and libfuse 3.14 cannot negotiate
 * it. The first write clears them (write_by_other_user_clears_*). */
static int open_trunc_by_other_user_clears_setuid_setgid(struct testfs *t)
{
	if (conf_impl == IMPL_CTRFS)
		return conf_skip("FUSE limit: an O_TRUNC open without a write keeps setuid/setgid "
				 "(atomic_o_trunc, no FUSE_HANDLE_KILLPRIV_V2 in libfuse 3.14)");
	TRY(mount_for_changes(t));
	TRY(change_by_other_user(t, "d/otrunc", 06777, -1, BY_OPEN_TRUNC, O_WRONLY));
	return CONF_PASS;
}

/* Root (CAP_FSETID) keeps both bits when it writes. */
static int write_by_root_keeps_setuid_setgid(struct testfs *t)
{
	int fd;

	TRY(mount_for_changes(t));
	CHECK_OK(fd = open(M("d/f"), O_WRONLY | O_CREAT | O_EXCL, 06777));
	CHECK_EQ(write(fd, "x", 1), 1);
	close(fd);
	CHECK_OK(fd = open(M("d/f"), O_WRONLY | O_TRUNC));
	CHECK_EQ(write(fd, "y", 1), 1);
	close(fd);
	CHECK_EQ(conf_lstat(M("d/f")).st_mode & 07777, 06777);
	CHECK_CONTENT(M("d/f"), "y");
	return CONF_PASS;
}

/* --- access checks as an unprivileged user --- */

static int try_read_mode_000(void *arg)
{
	struct testfs *t = arg;

	CHECK_ERR(access(M("f"), R_OK), EACCES);
	CHECK_ERR(open(M("f"), O_RDONLY), EACCES);
	CHECK_ERR(open(M("f"), O_WRONLY), EACCES);
	return CONF_PASS;
}

static int access_mode_000_file_denied(struct testfs *t)
{
	CHECK_OK(conf_put_mode(L0("f"), "secret", 0000));
	if (geteuid() == 0)
		CHECK_OK(lchown(L0("f"), 65534, 65534));
	MOUNT();
	return conf_as_user(try_read_mode_000, t);
}

static int try_write_readonly(void *arg)
{
	struct testfs *t = arg;

	CHECK_OK(access(M("f"), R_OK));
	CHECK_ERR(access(M("f"), W_OK), EACCES);
	CHECK_ERR(open(M("f"), O_WRONLY), EACCES);
	CHECK_ERR(truncate(M("f"), 0), EACCES);
	return CONF_PASS;
}

static int access_readonly_file_write_denied_without_copyup(struct testfs *t)
{
	CHECK_OK(conf_put_mode(L0("f"), "ro", 0444));
	if (geteuid() == 0)
		CHECK_OK(lchown(L0("f"), 65534, 65534));
	MOUNT();
	int r = conf_as_user(try_write_readonly, t);
	if (r != CONF_PASS)
		return r;
	CHECK(!conf_exists(U("f")));
	CHECK_CONTENT(M("f"), "ro");
	return CONF_PASS;
}

static int try_dir_without_x(void *arg)
{
	struct testfs *t = arg;
	struct stat st;

	CHECK_ERR(stat(M("d/f"), &st), EACCES);
	CHECK_ERR(open(M("d/f"), O_RDONLY), EACCES);
	return CONF_PASS;
}

static int access_dir_without_search_denies_lookup(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/f"), "f"));
	CHECK_OK(chmod(L0("d"), 0644));
	if (geteuid() == 0)
		CHECK_OK(lchown(L0("d"), 65534, 65534));
	MOUNT();
	return conf_as_user(try_dir_without_x, t);
}

static int try_dir_without_w(void *arg)
{
	struct testfs *t = arg;

	CHECK_ERR(open(M("d/new"), O_WRONLY | O_CREAT, 0644), EACCES);
	CHECK_ERR(mkdir(M("d/sub"), 0755), EACCES);
	CHECK_ERR(unlink(M("d/f")), EACCES);
	CHECK_ERR(rename(M("d/f"), M("d/g")), EACCES);
	return CONF_PASS;
}

static int access_dir_without_write_denies_changes(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/f"), "f"));
	CHECK_OK(chmod(L0("d"), 0555));
	if (geteuid() == 0)
		CHECK_OK(lchown(L0("d"), 65534, 65534));
	MOUNT();
	int r = conf_as_user(try_dir_without_w, t);
	if (r != CONF_PASS)
		return r;
	CHECK_STR(conf_names(M("d")), "f");
	CHECK(!conf_exists(U("d")));
	return CONF_PASS;
}

static int try_exec_bits(void *arg)
{
	struct testfs *t = arg;

	CHECK_OK(access(M("x"), X_OK));
	CHECK_ERR(access(M("nx"), X_OK), EACCES);
	return CONF_PASS;
}

static int access_x_ok_follows_exec_bits(struct testfs *t)
{
	CHECK_OK(conf_put_mode(L0("x"), "#!/bin/sh\n", 0755));
	CHECK_OK(conf_put_mode(L0("nx"), "data", 0644));
	MOUNT();
	return conf_as_user(try_exec_bits, t);
}

static int try_owner_rw(void *arg)
{
	struct testfs *t = arg;

	CHECK_OK(access(M("f"), R_OK | W_OK));
	CHECK_OK(conf_put(M("f"), "mine"));
	CHECK_CONTENT(M("f"), "mine");
	return CONF_PASS;
}

static int access_owner_may_write_0600_lower_file(struct testfs *t)
{
	CHECK_OK(conf_put_mode(L0("f"), "F", 0600));
	if (geteuid() == 0)
		CHECK_OK(lchown(L0("f"), 65534, 65534));
	MOUNT();
	int r = conf_as_user(try_owner_rw, t);
	if (r != CONF_PASS)
		return r;
	CHECK_CONTENT(U("f"), "mine");
	return CONF_PASS;
}

static int try_chown_to_root(void *arg)
{
	struct testfs *t = arg;

	CHECK_ERR(chown(M("f"), 0, 0), EPERM);
	return CONF_PASS;
}

static int chown_by_unprivileged_user_eperm(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	if (geteuid() == 0)
		CHECK_OK(lchown(L0("f"), 65534, 65534));
	MOUNT();
	return conf_as_user(try_chown_to_root, t);
}

static int try_unlink_in_sticky(void *arg)
{
	struct testfs *t = arg;

	CHECK_ERR(unlink(M("tmp/rootfile")), EPERM);
	CHECK_ERR(rename(M("tmp/rootfile"), M("tmp/x")), EPERM);
	CHECK_OK(conf_put(M("tmp/mine"), "m"));
	CHECK_OK(unlink(M("tmp/mine")));
	return CONF_PASS;
}

static int access_sticky_dir_protects_other_users_files(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("tmp"), 01777));
	CHECK_OK(conf_put(L0("tmp/rootfile"), "r"));
	MOUNT();
	int r = conf_as_user(try_unlink_in_sticky, t);
	if (r != CONF_PASS)
		return r;
	CHECK_CONTENT(M("tmp/rootfile"), "r");
	return CONF_PASS;
}

static int try_group_read(void *arg)
{
	struct testfs *t = arg;

	CHECK_CONTENT(M("g"), "group");
	CHECK_ERR(open(M("g"), O_WRONLY), EACCES);
	return CONF_PASS;
}

static int access_group_bits_apply(struct testfs *t)
{
	CHECK_OK(conf_put_mode(L0("g"), "group", 0640));
	CHECK_OK(lchown(L0("g"), 0, 65534));
	MOUNT();
	return conf_as_user(try_group_read, t);
}

static int access_after_chmod_through_mount(struct testfs *t)
{
	CHECK_OK(conf_put_mode(L0("f"), "F", 0644));
	if (geteuid() == 0)
		CHECK_OK(lchown(L0("f"), 65534, 65534));
	MOUNT();
	CHECK_OK(chmod(M("f"), 0000));
	return conf_as_user(try_read_mode_000, t);
}

static int try_write_root_file(void *arg)
{
	struct testfs *t = arg;

	CHECK_ERR(open(M("f"), O_WRONLY | O_APPEND), EACCES);
	CHECK_ERR(lsetxattr(M("f"), "user.x", "1", 1, 0), EACCES);
	return CONF_PASS;
}

static int access_other_users_file_not_copied_up_on_denied_write(struct testfs *t)
{
	CHECK_OK(conf_put_mode(L0("f"), "root", 0644));
	MOUNT();
	int r = conf_as_user(try_write_root_file, t);
	if (r != CONF_PASS)
		return r;
	CHECK(!conf_exists(U("f")));
	return CONF_PASS;
}

const struct conf_case conf_cases_attr[] = {
	CONF_CASE(utimensat_sets_ns_times, 1, 0),
	CONF_CASE(utimensat_on_lower_file_copies_up_with_ns, 1, 0),
	CONF_CASE(utimensat_now_sets_current_time, 1, 0),
	CONF_CASE(utimensat_omit_keeps_mtime, 1, 0),
	CONF_CASE(utimensat_on_symlink_nofollow, 1, 0),
	CONF_CASE(futimens_on_open_fd, 1, 0),
	CONF_CASE(write_updates_mtime_and_ctime, 1, 0),
	CONF_CASE(chmod_lower_file, 1, 0),
	CONF_CASE(chmod_merged_dir, 2, 0),
	CONF_CASE(fchmod_on_open_fd, 1, 0),
	CONF_CASE(chmod_changes_ctime_not_mtime, 1, 0),
	CONF_CASE(chmod_setuid_setgid_sticky_bits, 1, 0),
	CONF_CASE(chown_lower_file, 1, CONF_ROOT),
	CONF_CASE(chown_upper_file_and_dir, 1, CONF_ROOT),
	CONF_CASE(chown_clears_setuid_bit, 1, CONF_ROOT),
	CONF_CASE(write_by_other_user_clears_setuid_setgid, 1, CONF_ROOT),
	CONF_CASE(write_by_other_user_clears_setuid_setgid_of_new_file, 1, CONF_OTHER_UID),
	CONF_CASE(write_clears_setuid_set_after_open, 1, CONF_OTHER_UID),
	CONF_CASE(write_by_group_member_keeps_setgid_without_group_exec, 1, CONF_OTHER_UID),
	CONF_CASE(write_by_non_member_clears_setgid_without_group_exec, 1, CONF_ROOT | CONF_OTHER_UID),
	CONF_CASE(truncate_by_other_user_clears_setuid_setgid, 1, CONF_OTHER_UID),
	CONF_CASE(open_trunc_by_other_user_clears_setuid_setgid, 1, CONF_OTHER_UID),
	CONF_CASE(write_by_root_keeps_setuid_setgid, 1, CONF_ROOT),
	CONF_CASE(chown_by_unprivileged_user_eperm, 1, CONF_OTHER_UID),
	CONF_CASE(access_mode_000_file_denied, 1, CONF_OTHER_UID),
	CONF_CASE(access_readonly_file_write_denied_without_copyup, 1, CONF_OTHER_UID),
	CONF_CASE(access_dir_without_search_denies_lookup, 1, CONF_OTHER_UID),
	CONF_CASE(access_dir_without_write_denies_changes, 1, CONF_OTHER_UID),
	CONF_CASE(access_x_ok_follows_exec_bits, 1, CONF_OTHER_UID),
	CONF_CASE(access_owner_may_write_0600_lower_file, 1, CONF_OTHER_UID),
	CONF_CASE(access_sticky_dir_protects_other_users_files, 1, CONF_ROOT | CONF_OTHER_UID),
	CONF_CASE(access_group_bits_apply, 1, CONF_ROOT | CONF_OTHER_UID),
	CONF_CASE(access_after_chmod_through_mount, 1, CONF_OTHER_UID),
	CONF_CASE(access_other_users_file_not_copied_up_on_denied_write, 1, CONF_ROOT | CONF_OTHER_UID),
};
const size_t conf_ncases_attr = sizeof(conf_cases_attr) / sizeof(conf_cases_attr[0]);
