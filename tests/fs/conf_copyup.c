/* Copy-up: the first modification of a lower object copies it (and its
 * parents) to upper with content, sparseness, mode, owner, ns times and
 * xattrs intact, and leaves the lower alone. */
#include "conf_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/xattr.h>
#include <unistd.h>

#define T_ASEC 1300000000
#define T_ANSEC 123456789L
#define T_MSEC 1200000000
#define T_MNSEC 987654321L

/* Opens path for writing and writes len bytes of data at off. */
static int pwrite_at(const char *path, const void *data, size_t len, off_t off)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = pwrite(fd, data, len, off);
	int err = errno;
	close(fd);
	errno = err;
	return n == (ssize_t)len ? 0 : -1;
}

static int copyup_write_keeps_rest_of_content(struct testfs *t)
{
	char expected[PATH_MAX];

	CHECK_OK(conf_put_pattern(L0("f"), 1 << 20, 7));
	CHECK_OK(conf_put_pattern(testfs_path(expected, t->base, "expected"), 1 << 20, 7));
	CHECK_OK(pwrite_at(expected, "XYZ", 3, 500000));
	MOUNT();
	CHECK_OK(pwrite_at(M("f"), "XYZ", 3, 500000));
	CHECK_EQ(conf_lstat(M("f")).st_size, 1 << 20);
	CHECK_EQ(conf_hash(M("f")), conf_hash(expected));
	REMOUNT();
	CHECK_EQ(conf_hash(M("f")), conf_hash(expected));
	return CONF_PASS;
}

static int copyup_leaves_lower_untouched(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "lower"));
	struct stat before = conf_lstat(L0("f"));
	MOUNT();
	CHECK_OK(pwrite_at(M("f"), "UP", 2, 0));
	CHECK_CONTENT(M("f"), "UPwer");
	CHECK_CONTENT(L0("f"), "lower");
	struct stat after = conf_lstat(L0("f"));
	CHECK_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	CHECK_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	return CONF_PASS;
}

static int copyup_file_lands_in_upper(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "lower"));
	MOUNT();
	CHECK(!conf_exists(U("f")));
	CHECK_OK(pwrite_at(M("f"), "UP", 2, 0));
	CHECK(S_ISREG(conf_lstat(U("f")).st_mode));
	CHECK_CONTENT(U("f"), "UPwer");
	return CONF_PASS;
}

static int copyup_preserves_mode(struct testfs *t)
{
	CHECK_OK(conf_put_mode(L0("f"), "x", 0751));
	MOUNT();
	CHECK_OK(pwrite_at(M("f"), "y", 1, 1));
	CHECK_EQ(conf_lstat(M("f")).st_mode & 07777, 0751);
	CHECK_EQ(conf_lstat(U("f")).st_mode & 07777, 0751);
	return CONF_PASS;
}

static int copyup_preserves_owner(struct testfs *t)
{
	CHECK_OK(conf_put_mode(L0("f"), "x", 0664));
	CHECK_OK(lchown(L0("f"), 1234, 5678));
	MOUNT();
	CHECK_OK(pwrite_at(M("f"), "y", 1, 1));
	struct stat st = conf_lstat(U("f"));
	CHECK_EQ(st.st_uid, 1234);
	CHECK_EQ(st.st_gid, 5678);
	CHECK_EQ(conf_lstat(M("f")).st_uid, 1234);
	CHECK_EQ(conf_lstat(M("f")).st_gid, 5678);
	return CONF_PASS;
}

static int copyup_preserves_mtime_ns(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "content"));
	CHECK_OK(conf_set_times(L0("f"), T_ASEC, T_ANSEC, T_MSEC, T_MNSEC));
	MOUNT();
	/* chmod copies up without touching data or mtime. */
	CHECK_OK(chmod(M("f"), 0600));
	CHECK(conf_exists(U("f")));
	struct stat st = conf_lstat(M("f"));
	CHECK_EQ(st.st_mtim.tv_sec, T_MSEC);
	CHECK_EQ(st.st_mtim.tv_nsec, T_MNSEC);
	st = conf_lstat(U("f"));
	CHECK_EQ(st.st_mtim.tv_sec, T_MSEC);
	CHECK_EQ(st.st_mtim.tv_nsec, T_MNSEC);
	REMOUNT();
	CHECK_EQ(conf_lstat(M("f")).st_mtim.tv_nsec, T_MNSEC);
	return CONF_PASS;
}

static int copyup_preserves_atime_ns(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "content"));
	CHECK_OK(conf_set_times(L0("f"), T_ASEC, T_ANSEC, T_MSEC, T_MNSEC));
	MOUNT();
	CHECK_OK(chmod(M("f"), 0600));
	struct stat st = conf_lstat(U("f"));
	CHECK_EQ(st.st_atim.tv_sec, T_ASEC);
	CHECK_EQ(st.st_atim.tv_nsec, T_ANSEC);
	st = conf_lstat(M("f"));
	CHECK_EQ(st.st_atim.tv_sec, T_ASEC);
	CHECK_EQ(st.st_atim.tv_nsec, T_ANSEC);
	return CONF_PASS;
}

static int copyup_preserves_user_xattrs(struct testfs *t)
{
	char v[64];

	CHECK_OK(conf_put(L0("f"), "x"));
	CHECK_OK(lsetxattr(L0("f"), "user.one", "1", 1, 0));
	CHECK_OK(lsetxattr(L0("f"), "user.two", "second value", 12, 0));
	MOUNT();
	CHECK_OK(chmod(M("f"), 0600));
	CHECK_EQ(lgetxattr(U("f"), "user.one", v, sizeof(v)), 1);
	CHECK(v[0] == '1');
	CHECK_EQ(lgetxattr(U("f"), "user.two", v, sizeof(v)), 12);
	CHECK(!memcmp(v, "second value", 12));
	CHECK_EQ(lgetxattr(M("f"), "user.two", v, sizeof(v)), 12);
	return CONF_PASS;
}

/* A 64 MiB file with 1 MiB of data at 0 and at 32 MiB. Extents are
 * MiB-aligned: kernel overlayfs skips holes only at its 1 MiB copy-chunk
 * granularity, and the test should hold for any hole-aware copy. */
#define SPARSE_EXTENT (1 << 20)
static int make_sparse(const char *path)
{
	static char block[SPARSE_EXTENT];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	memset(block, 'D', sizeof(block));
	if (pwrite(fd, block, sizeof(block), 0) != (ssize_t)sizeof(block) ||
	    pwrite(fd, block, sizeof(block), 32 << 20) != (ssize_t)sizeof(block) ||
	    ftruncate(fd, 64 << 20) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

static int copyup_sparse_file_stays_sparse(struct testfs *t)
{
	CHECK_OK(make_sparse(L0("f")));
	blkcnt_t lower_blocks = conf_lstat(L0("f")).st_blocks;
	CHECK(lower_blocks < 2 * SPARSE_EXTENT / 512 + 64); /* the backing fs keeps holes */
	MOUNT();
	CHECK_OK(pwrite_at(M("f"), "w", 1, 16 << 20));
	struct stat st = conf_lstat(U("f"));
	CHECK_EQ(st.st_size, 64 << 20);
	/* One more extent at most for the byte written, some slack for metadata;
	 * a dense copy would take 64 MiB. */
	CHECK(st.st_blocks <= lower_blocks + SPARSE_EXTENT / 512 + 64);
	CHECK(conf_lstat(M("f")).st_blocks <= lower_blocks + SPARSE_EXTENT / 512 + 64);
	return CONF_PASS;
}

static int copyup_sparse_keeps_data_and_holes(struct testfs *t)
{
	int fd;

	CHECK_OK(make_sparse(L0("f")));
	MOUNT();
	CHECK_OK(chmod(M("f"), 0600));
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_EQ(lseek(fd, 0, SEEK_HOLE), SPARSE_EXTENT);
	CHECK_EQ(lseek(fd, SPARSE_EXTENT, SEEK_DATA), 32 << 20);
	CHECK_EQ(lseek(fd, 32 << 20, SEEK_HOLE), (32 << 20) + SPARSE_EXTENT);
	char c;
	CHECK_EQ(pread(fd, &c, 1, (32 << 20) + 100), 1);
	CHECK_EQ(c, 'D');
	CHECK_EQ(pread(fd, &c, 1, 10 << 20), 1);
	CHECK_EQ(c, 0);
	close(fd);
	return CONF_PASS;
}

static int copyup_creates_parents_first(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("a/b/c"), 0755));
	CHECK_OK(chmod(L0("a"), 0751));
	CHECK_OK(chmod(L0("a/b"), 0711));
	CHECK_OK(conf_put(L0("a/b/c/f"), "deep"));
	CHECK_OK(conf_put(L0("a/other"), "other"));
	MOUNT();
	CHECK_OK(pwrite_at(M("a/b/c/f"), "D", 1, 0));
	CHECK(S_ISDIR(conf_lstat(U("a")).st_mode));
	CHECK(S_ISDIR(conf_lstat(U("a/b")).st_mode));
	CHECK(S_ISDIR(conf_lstat(U("a/b/c")).st_mode));
	CHECK_EQ(conf_lstat(U("a")).st_mode & 07777, 0751);
	CHECK_EQ(conf_lstat(U("a/b")).st_mode & 07777, 0711);
	CHECK_CONTENT(U("a/b/c/f"), "Deep");
	/* Only the path to the file is copied, not its siblings. */
	CHECK(!conf_exists(U("a/other")));
	CHECK_CONTENT(M("a/other"), "other");
	return CONF_PASS;
}

static int copyup_parent_dirs_keep_mtime_ns(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("a/b"), 0755));
	CHECK_OK(conf_put(L0("a/b/f"), "x"));
	CHECK_OK(conf_set_times(L0("a/b"), T_ASEC, T_ANSEC, T_MSEC, T_MNSEC));
	CHECK_OK(conf_set_times(L0("a"), T_ASEC, T_ANSEC, T_MSEC + 1, T_MNSEC - 1));
	MOUNT();
	CHECK_OK(pwrite_at(M("a/b/f"), "y", 1, 0));
	CHECK_EQ(conf_lstat(M("a/b")).st_mtim.tv_sec, T_MSEC);
	CHECK_EQ(conf_lstat(M("a/b")).st_mtim.tv_nsec, T_MNSEC);
	CHECK_EQ(conf_lstat(M("a")).st_mtim.tv_nsec, T_MNSEC - 1);
	CHECK_EQ(conf_lstat(U("a/b")).st_mtim.tv_nsec, T_MNSEC);
	CHECK_EQ(conf_lstat(U("a")).st_mtim.tv_nsec, T_MNSEC - 1);
	REMOUNT();
	CHECK_EQ(conf_lstat(M("a/b")).st_mtim.tv_nsec, T_MNSEC);
	return CONF_PASS;
}

static int copyup_parent_dirs_keep_owner(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("a/b"), 0777));
	CHECK_OK(lchown(L0("a"), 2001, 2002));
	CHECK_OK(lchown(L0("a/b"), 3001, 3002));
	CHECK_OK(conf_put(L0("a/b/f"), "x"));
	MOUNT();
	CHECK_OK(pwrite_at(M("a/b/f"), "y", 1, 0));
	CHECK_EQ(conf_lstat(U("a")).st_uid, 2001);
	CHECK_EQ(conf_lstat(U("a")).st_gid, 2002);
	CHECK_EQ(conf_lstat(U("a/b")).st_uid, 3001);
	CHECK_EQ(conf_lstat(U("a/b")).st_gid, 3002);
	return CONF_PASS;
}

static int copyup_by_open_for_write_without_writing(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "unchanged"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_WRONLY));
	CHECK_OK(close(fd));
	CHECK_CONTENT(U("f"), "unchanged");
	CHECK_CONTENT(M("f"), "unchanged");
	return CONF_PASS;
}

static int copyup_by_truncate(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "0123456789"));
	MOUNT();
	CHECK_OK(truncate(M("f"), 4));
	CHECK_CONTENT(M("f"), "0123");
	CHECK_CONTENT(U("f"), "0123");
	CHECK_CONTENT(L0("f"), "0123456789");
	return CONF_PASS;
}

static int copyup_by_setxattr(struct testfs *t)
{
	char v[8];

	CHECK_OK(conf_put(L0("f"), "data"));
	MOUNT();
	CHECK_OK(lsetxattr(M("f"), "user.k", "v", 1, 0));
	CHECK_CONTENT(U("f"), "data");
	CHECK_EQ(lgetxattr(U("f"), "user.k", v, sizeof(v)), 1);
	CHECK_ERR(lgetxattr(L0("f"), "user.k", v, sizeof(v)), ENODATA);
	return CONF_PASS;
}

static int copyup_by_chown(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "data"));
	MOUNT();
	CHECK_OK(lchown(M("f"), 4321, 8765));
	CHECK_CONTENT(U("f"), "data");
	CHECK_EQ(conf_lstat(U("f")).st_uid, 4321);
	CHECK_EQ(conf_lstat(U("f")).st_gid, 8765);
	CHECK_EQ(conf_lstat(L0("f")).st_uid, 0);
	return CONF_PASS;
}

static int copyup_by_utimensat(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "data"));
	MOUNT();
	CHECK_OK(conf_set_times(M("f"), 1000, 1, 2000, 2));
	CHECK_CONTENT(U("f"), "data");
	CHECK_EQ(conf_lstat(U("f")).st_mtim.tv_sec, 2000);
	CHECK_EQ(conf_lstat(U("f")).st_mtim.tv_nsec, 2);
	return CONF_PASS;
}

static int copyup_not_done_by_reading(struct testfs *t)
{
	char buf[16], v[8];
	int fd;
	struct stat st;

	CHECK_OK(conf_put(L0("f"), "data"));
	CHECK_OK(lsetxattr(L0("f"), "user.k", "v", 1, 0));
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(symlink("f", L0("s")));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_EQ(read(fd, buf, sizeof(buf)), 4);
	CHECK_OK(fstat(fd, &st));
	close(fd);
	CHECK_OK(lstat(M("s"), &st));
	CHECK_OK(readlink(M("s"), buf, sizeof(buf)));
	CHECK_OK(lgetxattr(M("f"), "user.k", v, sizeof(v)));
	CHECK_OK(llistxattr(M("f"), buf, sizeof(buf)));
	CHECK_OK(access(M("f"), R_OK));
	CHECK(conf_names(M("d")) != NULL);
	CHECK_STR(conf_names(t->upper), "");
	return CONF_PASS;
}

static int copyup_large_file_content(struct testfs *t)
{
	char expected[PATH_MAX];
	int fd;

	CHECK_OK(conf_put_pattern(L0("f"), 16 << 20, 3));
	CHECK_OK(conf_put_pattern(testfs_path(expected, t->base, "expected"), 16 << 20, 3));
	CHECK_OK(fd = open(expected, O_WRONLY | O_APPEND));
	CHECK_EQ(write(fd, "tail", 4), 4);
	close(fd);
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_WRONLY | O_APPEND));
	CHECK_EQ(write(fd, "tail", 4), 4);
	CHECK_OK(close(fd));
	CHECK_EQ(conf_hash(M("f")), conf_hash(expected));
	CHECK_EQ(conf_hash(U("f")), conf_hash(expected));
	CHECK_EQ(conf_hash(L0("f")), conf_pattern_hash(16 << 20, 3));
	return CONF_PASS;
}

static int copyup_empty_file(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), ""));
	MOUNT();
	CHECK_OK(pwrite_at(M("f"), "a", 1, 0));
	CHECK_CONTENT(M("f"), "a");
	CHECK_CONTENT(L0("f"), "");
	return CONF_PASS;
}

static int copyup_symlink_keeps_target(struct testfs *t)
{
	char buf[64];

	CHECK_OK(symlink("some/target", L0("s")));
	MOUNT();
	CHECK_OK(lchown(M("s"), 1111, 2222));
	CHECK(S_ISLNK(conf_lstat(U("s")).st_mode));
	ssize_t n = readlink(U("s"), buf, sizeof(buf));
	CHECK_EQ(n, 11);
	CHECK(!memcmp(buf, "some/target", 11));
	CHECK_EQ(conf_lstat(M("s")).st_uid, 1111);
	return CONF_PASS;
}

static int copyup_dir_by_chmod_keeps_lower_entries(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	MOUNT();
	CHECK_OK(chmod(M("d"), 0700));
	CHECK(S_ISDIR(conf_lstat(U("d")).st_mode));
	CHECK_EQ(conf_lstat(U("d")).st_mode & 07777, 0700);
	CHECK_EQ(conf_lstat(M("d")).st_mode & 07777, 0700);
	CHECK_STR(conf_names(M("d")), "a");
	CHECK(!conf_is_opaque(t, U("d")));
	return CONF_PASS;
}

static int copyup_dir_by_creating_entry(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	MOUNT();
	CHECK_OK(conf_put(M("d/b"), "b"));
	CHECK_STR(conf_names(M("d")), "a,b");
	CHECK_STR(conf_names(U("d")), "b");
	CHECK(!conf_is_opaque(t, U("d")));
	return CONF_PASS;
}

static int copyup_fifo_by_chmod(struct testfs *t)
{
	CHECK_OK(mkfifo(L0("p"), 0644));
	MOUNT();
	CHECK_OK(chmod(M("p"), 0600));
	CHECK(S_ISFIFO(conf_lstat(U("p")).st_mode));
	CHECK_EQ(conf_lstat(U("p")).st_mode & 07777, 0600);
	CHECK(S_ISFIFO(conf_lstat(M("p")).st_mode));
	return CONF_PASS;
}

static int copyup_readonly_fd_sees_later_write(struct testfs *t)
{
	char buf[16] = { 0 };
	int ro, rw;

	CHECK_OK(conf_put(L0("f"), "old data"));
	MOUNT();
	CHECK_OK(ro = open(M("f"), O_RDONLY));
	CHECK_EQ(pread(ro, buf, 3, 0), 3);
	CHECK_OK(rw = open(M("f"), O_RDWR));
	CHECK_EQ(pwrite(rw, "NEW", 3, 0), 3);
	CHECK_OK(close(rw));
	CHECK_EQ(pread(ro, buf, 8, 0), 8);
	CHECK(!memcmp(buf, "NEW data", 8));
	close(ro);
	return CONF_PASS;
}

static int copyup_from_bottom_of_three_layers(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L2("d"), 0750));
	CHECK_OK(conf_put_mode(L2("d/f"), "bottom", 0640));
	MOUNT();
	CHECK_OK(pwrite_at(M("d/f"), "B", 1, 0));
	CHECK_CONTENT(M("d/f"), "Bottom");
	CHECK_CONTENT(U("d/f"), "Bottom");
	CHECK_EQ(conf_lstat(U("d")).st_mode & 07777, 0750);
	CHECK_EQ(conf_lstat(U("d/f")).st_mode & 07777, 0640);
	return CONF_PASS;
}

static int copyup_mode_000_file_as_root(struct testfs *t)
{
	CHECK_OK(conf_put_mode(L0("f"), "secret", 0000));
	MOUNT();
	CHECK_OK(pwrite_at(M("f"), "S", 1, 0));
	CHECK_EQ(conf_lstat(U("f")).st_mode & 07777, 0);
	CHECK_CONTENT(M("f"), "Secret");
	return CONF_PASS;
}

static int copyup_keeps_size_of_sparse_tail(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put_pattern(L0("f"), SPARSE_EXTENT, 8));
	CHECK_OK(truncate(L0("f"), 10 << 20));
	MOUNT();
	CHECK_OK(chmod(M("f"), 0600));
	CHECK_EQ(conf_lstat(U("f")).st_size, 10 << 20);
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_ERR(lseek(fd, SPARSE_EXTENT, SEEK_DATA), ENXIO);
	close(fd);
	CHECK(conf_lstat(U("f")).st_blocks <= SPARSE_EXTENT / 512 + 64);
	return CONF_PASS;
}

static int copyup_preserves_setgid_dir_mode(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 02775));
	CHECK_OK(conf_put(L0("d/f"), "x"));
	MOUNT();
	CHECK_OK(pwrite_at(M("d/f"), "y", 1, 0));
	CHECK_EQ(conf_lstat(U("d")).st_mode & 07777, 02775);
	return CONF_PASS;
}

const struct conf_case conf_cases_copyup[] = {
	CONF_CASE(copyup_write_keeps_rest_of_content, 1, 0),
	CONF_CASE(copyup_leaves_lower_untouched, 1, 0),
	CONF_CASE(copyup_file_lands_in_upper, 1, 0),
	CONF_CASE(copyup_preserves_mode, 1, 0),
	CONF_CASE(copyup_preserves_owner, 1, CONF_ROOT),
	CONF_CASE(copyup_preserves_mtime_ns, 1, 0),
	CONF_CASE(copyup_preserves_atime_ns, 1, 0),
	CONF_CASE(copyup_preserves_user_xattrs, 1, 0),
	CONF_CASE(copyup_sparse_file_stays_sparse, 1, 0),
	CONF_CASE(copyup_sparse_keeps_data_and_holes, 1, 0),
	CONF_CASE(copyup_creates_parents_first, 1, 0),
	CONF_CASE(copyup_parent_dirs_keep_mtime_ns, 1, 0),
	CONF_CASE(copyup_parent_dirs_keep_owner, 1, CONF_ROOT),
	CONF_CASE(copyup_by_open_for_write_without_writing, 1, 0),
	CONF_CASE(copyup_by_truncate, 1, 0),
	CONF_CASE(copyup_by_setxattr, 1, 0),
	CONF_CASE(copyup_by_chown, 1, CONF_ROOT),
	CONF_CASE(copyup_by_utimensat, 1, 0),
	CONF_CASE(copyup_not_done_by_reading, 1, 0),
	CONF_CASE(copyup_large_file_content, 1, 0),
	CONF_CASE(copyup_empty_file, 1, 0),
	CONF_CASE(copyup_symlink_keeps_target, 1, CONF_ROOT),
	CONF_CASE(copyup_dir_by_chmod_keeps_lower_entries, 1, 0),
	CONF_CASE(copyup_dir_by_creating_entry, 1, 0),
	CONF_CASE(copyup_fifo_by_chmod, 1, 0),
	CONF_CASE(copyup_readonly_fd_sees_later_write, 1, 0),
	CONF_CASE(copyup_from_bottom_of_three_layers, 3, 0),
	CONF_CASE(copyup_mode_000_file_as_root, 1, CONF_ROOT),
	CONF_CASE(copyup_keeps_size_of_sparse_tail, 1, 0),
	CONF_CASE(copyup_preserves_setgid_dir_mode, 1, 0),
};
const size_t conf_ncases_copyup = sizeof(conf_cases_copyup) / sizeof(conf_cases_copyup[0]);
