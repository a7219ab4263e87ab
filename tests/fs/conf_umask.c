/* Modes of new entries: the caller's umask is applied once, as the kernel
 * applies it, and never the umask of the shell that started the daemon. Each
 * case starts the mount under one umask (for ctrfs: the daemon's) and
 * creates under another (the caller's); a parent with a default ACL replaces
 * the umask; a second user's new files keep the setuid and setgid bits the
 * kernel leaves them. Expected values are the kernel's (ext4 below, kernel
 * overlayfs in the overlay run). */
#include "conf_util.h"

#include <endian.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

enum how { MKDIR, OPEN_CREAT, OPEN_EXCL, MKNOD, BIND, SYMLINK };

/* One entry made through the mount, and the mode asked for. */
struct new_obj {
	const char *name;
	enum how how;
	mode_t type;
	mode_t asked;
	bool root_only; /* device nodes */
};

static const struct new_obj objs[] = {
	{ "dir", MKDIR, S_IFDIR, 0777, false },
	{ "sticky", MKDIR, S_IFDIR, 01777, false },
	{ "file", OPEN_CREAT, S_IFREG, 0620, false }, /* pjdfstest open/02 */
	{ "exec", OPEN_EXCL, S_IFREG, 0777, false },
	{ "suid", OPEN_EXCL, S_IFREG, 06777, false },
	{ "node", MKNOD, S_IFREG, 0666, false },
	{ "fifo", MKNOD, S_IFIFO, 0666, false },
	{ "sock", BIND, S_IFSOCK, 0777, false }, /* bind(2) asks for 0777 */
	{ "chr", MKNOD, S_IFCHR, 0666, true },
	{ "link", SYMLINK, S_IFLNK, 0777, false },
};
#define NOBJS (sizeof(objs) / sizeof(objs[0]))

static int make_obj(const char *path, const struct new_obj *o)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	switch (o->how) {
	case MKDIR:
		return mkdir(path, o->asked);
	case OPEN_CREAT:
	case OPEN_EXCL:
		fd = open(path, O_WRONLY | O_CREAT | (o->how == OPEN_EXCL ? O_EXCL : 0), o->asked);
		return fd < 0 ? -1 : close(fd);
	case MKNOD:
		return mknod(path, o->type | o->asked, o->type == S_IFCHR ? makedev(1, 3) : 0);
	case BIND:
		if (strlen(path) >= sizeof(sa.sun_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(sa.sun_path, path, strlen(path) + 1);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return -1;
		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		close(fd);
		return r;
	case SYMLINK:
		return symlink("target", path);
	}
	errno = EINVAL;
	return -1;
}

/* The kernel's mode for o under umask `mask`, or under a default ACL of
 * base entries `acl` (0750 style; -1: none): a default ACL replaces the
 * umask, except that bind(2) masks with the umask itself; symlinks are
 * always 0777. */
static mode_t expected_mode(const struct new_obj *o, mode_t mask, int acl)
{
	mode_t m = o->asked;

	if (o->type == S_IFLNK)
		return 0777;
	if (acl < 0 || o->how == BIND)
		m &= ~mask;
	if (acl >= 0)
		m &= (mode_t)acl | ~(mode_t)0777;
	return m;
}

/* The entries of objs under the mount as dir/<prefix><name> carry the
 * expected type and mode, also in the upper dir. */
static int check_modes(struct testfs *t, const char *dir, const char *prefix, mode_t mask, int acl)
{
	char name[PATH_MAX];

	for (size_t i = 0; i < NOBJS; i++) {
		const struct new_obj *o = &objs[i];
		if (o->root_only && !conf_root())
			continue;
		snprintf(name, sizeof(name), "%s%s%s", dir, prefix, o->name);
		mode_t want = expected_mode(o, mask, acl);
		struct stat m = conf_lstat(M(name)), u = conf_lstat(U(name));
		if ((m.st_mode & S_IFMT) != o->type || (m.st_mode & 07777) != want)
			CONF_FAILED("%s: mode 0%o (type 0%o), want 0%o (umask 0%03o, default ACL %s0%o)", name,
				    m.st_mode & 07777, m.st_mode & S_IFMT, want, mask, acl < 0 ? "none " : "",
				    acl < 0 ? 0 : acl);
		if (u.st_mode != m.st_mode)
			CONF_FAILED("%s: upper mode 0%o, merged 0%o", name, u.st_mode, m.st_mode);
	}
	return CONF_PASS;
}

static int make_all(struct testfs *t, const char *dir, const char *prefix)
{
	char name[PATH_MAX];

	for (size_t i = 0; i < NOBJS; i++) {
		if (objs[i].root_only && !conf_root())
			continue;
		snprintf(name, sizeof(name), "%s%s%s", dir, prefix, objs[i].name);
		if (make_obj(M(name), &objs[i]) < 0)
			CONF_FAILED("making %s", name);
	}
	return CONF_PASS;
}

/* Lower files named dir/wh-<name>, for creation over whiteouts (ctrfs
 * builds those in the work dir). */
static int put_lower_names(struct testfs *t, const char *dir)
{
	char name[PATH_MAX];

	for (size_t i = 0; i < NOBJS; i++) {
		snprintf(name, sizeof(name), "%swh-%s", dir, objs[i].name);
		CHECK_OK(conf_put(L0(name), "lower"));
	}
	return CONF_PASS;
}

static int remove_lower_names(struct testfs *t, const char *dir)
{
	char name[PATH_MAX];

	for (size_t i = 0; i < NOBJS; i++) {
		snprintf(name, sizeof(name), "%swh-%s", dir, objs[i].name);
		CHECK_OK(unlink(M(name)));
	}
	return CONF_PASS;
}

/* Mounts with daemon_mask as the umask (ctrfs's daemon inherits it; kernel
 * overlayfs has none), then sets the caller's. */
static int mount_under(struct testfs *t, mode_t daemon_mask, mode_t caller_mask)
{
	umask(daemon_mask);
	int r = testfs_mount(t);
	umask(caller_mask);
	return r;
}

/* Every kind of entry, on a free name and over a whiteout, under the
 * caller's umask whatever the daemon's was; the same after a remount. */
static int new_entries_under(struct testfs *t, mode_t daemon_mask, mode_t caller_mask)
{
	TRY(put_lower_names(t, ""));
	CHECK_EQ(mount_under(t, daemon_mask, caller_mask), 0);
	TRY(remove_lower_names(t, ""));
	TRY(make_all(t, "", ""));
	TRY(make_all(t, "", "wh-"));
	TRY(check_modes(t, "", "", caller_mask, -1));
	TRY(check_modes(t, "", "wh-", caller_mask, -1));
	REMOUNT();
	TRY(check_modes(t, "", "", caller_mask, -1));
	return check_modes(t, "", "wh-", caller_mask, -1);
}

/* The common case: a daemon started from a shell with the usual 022. */
static int new_entries_caller_umask_000_daemon_022(struct testfs *t)
{
	return new_entries_under(t, 022, 0);
}

/* A daemon started under 077 must not strip group and other bits. */
static int new_entries_caller_umask_000_daemon_077(struct testfs *t)
{
	return new_entries_under(t, 077, 0);
}

static int new_entries_caller_umask_022_daemon_077(struct testfs *t)
{
	return new_entries_under(t, 077, 022);
}

static int new_entries_caller_umask_077_daemon_022(struct testfs *t)
{
	return new_entries_under(t, 022, 077);
}

/* The caller's umask still applies when the daemon has none. */
static int new_entries_caller_umask_077_daemon_000(struct testfs *t)
{
	return new_entries_under(t, 0, 077);
}

static int new_entries_caller_umask_027_daemon_070(struct testfs *t)
{
	return new_entries_under(t, 070, 027);
}

/* --- default ACLs --- */

/* system.posix_acl_default with the three base entries only, in the
 * kernel's xattr format (little-endian version 2 header, then tag, perm,
 * id per entry); perms as 0750. */
static int set_default_acl(const char *dir, int perms)
{
	struct {
		uint32_t version;
		struct {
			uint16_t tag, perm;
			uint32_t id;
		} e[3];
	} __attribute__((packed)) acl = {
		htole32(2),
		{
			{ htole16(0x01), htole16((perms >> 6) & 7), htole32(~0u) }, /* ACL_USER_OBJ */
			{ htole16(0x04), htole16((perms >> 3) & 7), htole32(~0u) }, /* ACL_GROUP_OBJ */
			{ htole16(0x20), htole16(perms & 7), htole32(~0u) },        /* ACL_OTHER */
		},
	};

	return lsetxattr(dir, "system.posix_acl_default", &acl, sizeof(acl), 0);
}

static bool has_default_acl(const char *path)
{
	return lgetxattr(path, "system.posix_acl_default", NULL, 0) > 0;
}

/* Entries made in a directory with a default ACL take their permissions
 * from the ACL, not from the umask (pjdfstest assumes neither). The ACL is
 * set in the lower dir (copied up with the dir) or through the mount. */
static int default_acl_under(struct testfs *t, bool through_mount, int acl, mode_t daemon_mask,
			     mode_t caller_mask)
{
	CHECK_OK(conf_mkdirs(L0("acl"), 0755));
	TRY(put_lower_names(t, "acl/"));
	if (!through_mount && set_default_acl(L0("acl"), acl) < 0) {
		if (errno == EOPNOTSUPP)
			return conf_skip("the test directory's filesystem has no POSIX ACLs");
		CONF_FAILED("setting a default ACL on the lower dir");
	}
	CHECK_EQ(mount_under(t, daemon_mask, caller_mask), 0);
	if (through_mount) {
		if (set_default_acl(M("acl"), acl) < 0 && errno == EOPNOTSUPP)
			return conf_skip("the test directory's filesystem has no POSIX ACLs");
		CHECK(has_default_acl(M("acl")));
	}
	TRY(remove_lower_names(t, "acl/"));
	TRY(make_all(t, "acl/", ""));
	TRY(make_all(t, "acl/", "wh-"));
	TRY(check_modes(t, "acl/", "", caller_mask, acl));
	TRY(check_modes(t, "acl/", "wh-", caller_mask, acl));
	/* New directories inherit the default ACL. */
	CHECK(has_default_acl(M("acl/dir")));
	CHECK(has_default_acl(M("acl/wh-dir")));
	REMOUNT();
	TRY(check_modes(t, "acl/", "", caller_mask, acl));
	return check_modes(t, "acl/", "wh-", caller_mask, acl);
}

static int default_acl_from_lower_dir_replaces_umask(struct testfs *t)
{
	return default_acl_under(t, false, 0777, 022, 077);
}

static int default_acl_from_lower_dir_masks_with_umask_000(struct testfs *t)
{
	return default_acl_under(t, false, 0750, 022, 0);
}

static int default_acl_set_through_mount_replaces_umask(struct testfs *t)
{
	return default_acl_under(t, true, 0775, 077, 077);
}

/* --- a second user's new entries --- */

static int create_as_other_user(void *arg)
{
	struct testfs *t = arg;
	int fd;

	umask(0);
	CHECK_OK(fd = open(M("pub/suid"), O_WRONLY | O_CREAT | O_EXCL, 06777));
	close(fd);
	CHECK_OK(mknod(M("pub/node"), S_IFREG | 04755, 0));
	CHECK_OK(mkdir(M("pub/dir"), 0777));
	CHECK_OK(fd = open(M("sgid/file"), O_WRONLY | O_CREAT | O_EXCL, 02777));
	close(fd);
	CHECK_OK(mkdir(M("sgid/dir"), 0777));
	return CONF_PASS;
}

/* A user's new file keeps the setuid and setgid bits asked for (giving it
 * to its owner must not clear them); in a setgid dir of a group the user is
 * not in, a new file loses setgid and a new dir inherits it. */
static int other_user_new_entries_keep_mode_and_owner(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	CHECK_EQ(mount_under(t, 022, 0), 0);
	CHECK_OK(mkdir(M("pub"), 0777));
	CHECK_OK(mkdir(M("sgid"), 0777));
	CHECK_OK(chmod(M("sgid"), 02777));
	TRY(conf_as_user(create_as_other_user, t));
	struct stat st = conf_lstat(M("pub/suid"));
	CHECK_EQ(st.st_mode & 07777, 06777);
	CHECK_EQ(st.st_uid, 65534);
	CHECK_EQ(st.st_gid, 65534);
	CHECK_EQ(conf_lstat(M("pub/node")).st_mode & 07777, 04755);
	CHECK_EQ(conf_lstat(M("pub/dir")).st_mode & 07777, 0777);
	st = conf_lstat(M("sgid/file"));
	CHECK_EQ(st.st_mode & 07777, 0777);
	CHECK_EQ(st.st_uid, 65534);
	CHECK_EQ(st.st_gid, 0);
	st = conf_lstat(M("sgid/dir"));
	CHECK_EQ(st.st_mode & 07777, 02777);
	CHECK_EQ(st.st_gid, 0);
	REMOUNT();
	CHECK_EQ(conf_lstat(M("pub/suid")).st_mode & 07777, 06777);
	CHECK_EQ(conf_lstat(U("pub/suid")).st_mode & 07777, 06777);
	return CONF_PASS;
}

const struct conf_case conf_cases_umask[] = {
	CONF_CASE(new_entries_caller_umask_000_daemon_022, 1, 0),
	CONF_CASE(new_entries_caller_umask_000_daemon_077, 1, 0),
	CONF_CASE(new_entries_caller_umask_022_daemon_077, 1, 0),
	CONF_CASE(new_entries_caller_umask_077_daemon_022, 1, 0),
	CONF_CASE(new_entries_caller_umask_077_daemon_000, 1, 0),
	CONF_CASE(new_entries_caller_umask_027_daemon_070, 1, 0),
	CONF_CASE(default_acl_from_lower_dir_replaces_umask, 1, 0),
	CONF_CASE(default_acl_from_lower_dir_masks_with_umask_000, 1, 0),
	CONF_CASE(default_acl_set_through_mount_replaces_umask, 1, 0),
	CONF_CASE(other_user_new_entries_keep_mode_and_owner, 1, CONF_ROOT | CONF_OTHER_UID),
};
const size_t conf_ncases_umask = sizeof(conf_cases_umask) / sizeof(conf_cases_umask[0]);
