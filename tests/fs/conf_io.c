/* File I/O through the mount: read/write, open flags, truncate,
 * fallocate, fsync, statfs, SEEK_DATA/SEEK_HOLE and mmap. */
#include "conf_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* --- read / write --- */

static int read_lower_file_content(struct testfs *t)
{
	CHECK_OK(conf_put_pattern(L1("f"), 300000, 11));
	MOUNT();
	CHECK_EQ(conf_hash(M("f")), conf_pattern_hash(300000, 11));
	CHECK_EQ(conf_lstat(M("f")).st_size, 300000);
	return CONF_PASS;
}

static int write_large_file_roundtrip(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put_pattern(M("big"), 8 << 20, 5));
	CHECK_EQ(conf_hash(M("big")), conf_pattern_hash(8 << 20, 5));
	REMOUNT();
	CHECK_EQ(conf_hash(M("big")), conf_pattern_hash(8 << 20, 5));
	CHECK_EQ(conf_hash(U("big")), conf_pattern_hash(8 << 20, 5));
	return CONF_PASS;
}

static int pwrite_pread_at_offsets(struct testfs *t)
{
	char buf[8] = { 0 };
	int fd;

	CHECK_OK(conf_put(L0("f"), "0123456789"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR));
	CHECK_EQ(pwrite(fd, "ab", 2, 3), 2);
	CHECK_EQ(pwrite(fd, "Z", 1, 20), 1);
	CHECK_EQ(pread(fd, buf, 4, 2), 4);
	CHECK_STR(buf, "2ab5");
	CHECK_EQ(pread(fd, buf, 2, 15), 2);
	CHECK(buf[0] == 0 && buf[1] == 0);
	close(fd);
	CHECK_EQ(conf_lstat(M("f")).st_size, 21);
	return CONF_PASS;
}

static int two_fds_share_written_data(struct testfs *t)
{
	char buf[8] = { 0 };
	int a, b;

	CHECK_OK(conf_put(L0("f"), "aaaa"));
	MOUNT();
	CHECK_OK(a = open(M("f"), O_RDWR));
	CHECK_OK(b = open(M("f"), O_RDWR));
	CHECK_EQ(pwrite(a, "XY", 2, 1), 2);
	CHECK_EQ(pread(b, buf, 4, 0), 4);
	CHECK_STR(buf, "aXYa");
	close(a);
	close(b);
	return CONF_PASS;
}

static int lseek_end_reports_size(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "12345"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_EQ(lseek(fd, 0, SEEK_END), 5);
	close(fd);
	return CONF_PASS;
}

/* --- open flags --- */

static int open_append_writes_at_end(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "start"));
	CHECK_OK(fd = open(M("f"), O_WRONLY | O_APPEND));
	CHECK_OK(lseek(fd, 0, SEEK_SET));
	CHECK_EQ(write(fd, "+end", 4), 4);
	close(fd);
	CHECK_CONTENT(M("f"), "start+end");
	return CONF_PASS;
}

static int open_append_on_lower_file(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "lower"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_WRONLY | O_APPEND));
	CHECK_EQ(write(fd, "+1", 2), 2);
	CHECK_EQ(pwrite(fd, "+2", 2, 0), 2); /* O_APPEND wins over the offset on Linux */
	close(fd);
	CHECK_CONTENT(M("f"), "lower+1+2");
	CHECK_CONTENT(L0("f"), "lower");
	return CONF_PASS;
}

static int open_trunc_on_lower_file(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "lower content"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_WRONLY | O_TRUNC));
	close(fd);
	CHECK_EQ(conf_lstat(M("f")).st_size, 0);
	CHECK_EQ(conf_lstat(U("f")).st_size, 0);
	CHECK_CONTENT(L0("f"), "lower content");
	REMOUNT();
	CHECK_EQ(conf_lstat(M("f")).st_size, 0);
	return CONF_PASS;
}

static int open_trunc_on_upper_file(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "lower"));
	CHECK_OK(conf_put(U("f"), "upper content"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR | O_TRUNC));
	CHECK_EQ(write(fd, "x", 1), 1);
	close(fd);
	CHECK_CONTENT(M("f"), "x");
	return CONF_PASS;
}

static int open_excl_on_lower_file_eexist(struct testfs *t)
{
	CHECK_OK(conf_put(L1("f"), "lower"));
	MOUNT();
	CHECK_ERR(open(M("f"), O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	CHECK_CONTENT(M("f"), "lower");
	return CONF_PASS;
}

static int open_excl_over_whiteout_creates(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "lower"));
	CHECK_OK(conf_whiteout(U("f")));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_WRONLY | O_CREAT | O_EXCL, 0644));
	close(fd);
	CHECK_EQ(conf_lstat(M("f")).st_size, 0);
	return CONF_PASS;
}

static int open_excl_on_new_name_creates(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_WRONLY | O_CREAT | O_EXCL, 0600));
	close(fd);
	CHECK(S_ISREG(conf_lstat(M("f")).st_mode));
	CHECK_EQ(conf_lstat(M("f")).st_mode & 07777, 0600);
	CHECK_ERR(open(M("f"), O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
	return CONF_PASS;
}

static int open_excl_on_dangling_symlink_eexist(struct testfs *t)
{
	CHECK_OK(symlink("missing", L0("s")));
	MOUNT();
	CHECK_ERR(open(M("s"), O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	CHECK(!conf_exists(M("missing")));
	return CONF_PASS;
}

static int open_creat_on_lower_file_keeps_content(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "lower"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY | O_CREAT, 0600));
	close(fd);
	CHECK_CONTENT(M("f"), "lower");
	CHECK_EQ(conf_lstat(M("f")).st_mode & 07777, 0644);
	return CONF_PASS;
}

static int open_directory_flag_on_file_enotdir(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(open(M("f"), O_RDONLY | O_DIRECTORY), ENOTDIR);
	return CONF_PASS;
}

static int open_directory_for_write_eisdir(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	CHECK_ERR(open(M("d"), O_WRONLY), EISDIR);
	CHECK_ERR(open(M("d"), O_RDWR), EISDIR);
	return CONF_PASS;
}

static int open_creat_in_missing_dir_enoent(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(open(M("nodir/f"), O_WRONLY | O_CREAT, 0644), ENOENT);
	return CONF_PASS;
}

/* --- truncate --- */

static int truncate_lower_file_shrinks(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "0123456789"));
	MOUNT();
	CHECK_OK(truncate(M("f"), 3));
	CHECK_CONTENT(M("f"), "012");
	CHECK_CONTENT(L0("f"), "0123456789");
	REMOUNT();
	CHECK_CONTENT(M("f"), "012");
	return CONF_PASS;
}

static int truncate_extends_with_zeros(struct testfs *t)
{
	char buf[16];

	CHECK_OK(conf_put(L0("f"), "abc"));
	MOUNT();
	CHECK_OK(truncate(M("f"), 10));
	CHECK_EQ(conf_lstat(M("f")).st_size, 10);
	CHECK_EQ(conf_read(M("f"), buf, sizeof(buf)), 10);
	CHECK(!memcmp(buf, "abc\0\0\0\0\0\0\0", 10));
	return CONF_PASS;
}

static int ftruncate_on_open_upper_file(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR | O_CREAT, 0644));
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	CHECK_OK(ftruncate(fd, 4));
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 4);
	close(fd);
	CHECK_CONTENT(M("f"), "0123");
	return CONF_PASS;
}

static int ftruncate_on_fd_opened_before_copyup(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "0123456789"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR));
	CHECK_OK(ftruncate(fd, 2));
	close(fd);
	CHECK_CONTENT(M("f"), "01");
	CHECK_CONTENT(U("f"), "01");
	return CONF_PASS;
}

static int truncate_directory_eisdir(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	CHECK_ERR(truncate(M("d"), 0), EISDIR);
	return CONF_PASS;
}

/* --- fallocate --- */

static int fallocate_extends_size(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR | O_CREAT, 0644));
	CHECK_OK(fallocate(fd, 0, 0, 1 << 20));
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	close(fd);
	CHECK_EQ(st.st_size, 1 << 20);
	CHECK(conf_lstat(U("f")).st_blocks >= (1 << 20) / 512);
	return CONF_PASS;
}

static int fallocate_keep_size_allocates_blocks(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR | O_CREAT, 0644));
	CHECK_EQ(write(fd, "abc", 3), 3);
	CHECK_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1 << 20));
	close(fd);
	CHECK_EQ(conf_lstat(M("f")).st_size, 3);
	CHECK(conf_lstat(M("f")).st_blocks >= (1 << 20) / 512);
	return CONF_PASS;
}

static int fallocate_punch_hole_reads_zeros(struct testfs *t)
{
	char buf[8192];
	int fd;

	CHECK_OK(conf_put_pattern(L0("f"), 64 << 10, 9));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR));
	CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 8192, 8192));
	CHECK_EQ(pread(fd, buf, sizeof(buf), 8192), 8192);
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i])
			CONF_FAILED("byte %zu of the punched range is %d", 8192 + i, buf[i]);
	CHECK_EQ(lseek(fd, 8192, SEEK_HOLE), 8192);
	close(fd);
	CHECK_EQ(conf_lstat(M("f")).st_size, 64 << 10);
	CHECK_EQ(conf_hash(L0("f")), conf_pattern_hash(64 << 10, 9));
	return CONF_PASS;
}

static int fallocate_zero_range(struct testfs *t)
{
	char buf[16];
	int fd;

	CHECK_OK(conf_put(L0("f"), "0123456789abcdef"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR));
	CHECK_OK(fallocate(fd, FALLOC_FL_ZERO_RANGE, 4, 4));
	CHECK_EQ(pread(fd, buf, 16, 0), 16);
	close(fd);
	CHECK(!memcmp(buf, "0123\0\0\0\089abcdef", 16));
	return CONF_PASS;
}

/* --- fsync --- */

static int fsync_on_written_file(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "lower"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_WRONLY | O_APPEND));
	CHECK_EQ(write(fd, "!", 1), 1);
	CHECK_OK(fsync(fd));
	CHECK_OK(fdatasync(fd));
	close(fd);
	/* After fsync the data is in the upper file itself. */
	CHECK_CONTENT(U("f"), "lower!");
	return CONF_PASS;
}

static int fsync_on_directory(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	CHECK_OK(conf_put(M("d/f"), "f"));
	CHECK_OK(fd = open(M("d"), O_RDONLY | O_DIRECTORY));
	CHECK_OK(fsync(fd));
	close(fd);
	return CONF_PASS;
}

static int fsync_on_readonly_lower_fd(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "lower"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_OK(fsync(fd));
	close(fd);
	CHECK(!conf_exists(U("f")));
	return CONF_PASS;
}

static int syncfs_on_mount(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "synced"));
	CHECK_OK(fd = open(t->mnt, O_RDONLY | O_DIRECTORY));
	CHECK_OK(syncfs(fd));
	close(fd);
	CHECK_CONTENT(U("f"), "synced");
	return CONF_PASS;
}

/* sed -i's pattern: a new file renamed over a lower one the caller only
 * read. ext4 and kernel overlayfs: syncfs(2) then succeeds. (ctrfs refused
 * the writeback cache's time flush of the replaced file, whose name was
 * gone, and syncfs reported that as the mount's writeback error.) */
static int syncfs_after_rename_over_lower_file(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "old"));
	MOUNT();
	CHECK_CONTENT(M("f"), "old");
	CHECK_OK(conf_put(M("tmp"), "new"));
	CHECK_OK(rename(M("tmp"), M("f")));
	CHECK_OK(fd = open(t->mnt, O_RDONLY | O_DIRECTORY));
	CHECK_OK(syncfs(fd));
	close(fd);
	CHECK_CONTENT(M("f"), "new");
	return CONF_PASS;
}

/* A lower file removed while a reader holds it open: syncfs(2) succeeds. */
static int syncfs_after_unlink_of_open_lower_file(struct testfs *t)
{
	int fd, rd;

	CHECK_OK(conf_put(L0("f"), "old"));
	MOUNT();
	CHECK_OK(rd = open(M("f"), O_RDONLY));
	CHECK_OK(unlink(M("f")));
	CHECK_OK(fd = open(t->mnt, O_RDONLY | O_DIRECTORY));
	CHECK_OK(syncfs(fd));
	close(fd);
	close(rd);
	CHECK(!conf_exists(M("f")));
	return CONF_PASS;
}

/* --- statfs --- */

static int statfs_reports_upper_filesystem_size(struct testfs *t)
{
	struct statvfs m, u;

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(statvfs(t->mnt, &m));
	CHECK_OK(statvfs(t->upper, &u));
	CHECK_EQ((unsigned long long)m.f_blocks * m.f_frsize, (unsigned long long)u.f_blocks * u.f_frsize);
	CHECK(m.f_bavail > 0);
	CHECK_OK(statvfs(M("f"), &m));
	CHECK_EQ((unsigned long long)m.f_blocks * m.f_frsize, (unsigned long long)u.f_blocks * u.f_frsize);
	return CONF_PASS;
}

static int statfs_name_length_255(struct testfs *t)
{
	struct statfs s;

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(statfs(t->mnt, &s));
	CHECK_EQ(s.f_namelen, 255);
	return CONF_PASS;
}

static int statfs_rw_mount_not_readonly(struct testfs *t)
{
	struct statvfs s;
	int fd;

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_OK(fstatvfs(fd, &s));
	close(fd);
	CHECK_EQ(s.f_flag & ST_RDONLY, 0);
	return CONF_PASS;
}

/* --- SEEK_DATA / SEEK_HOLE --- */

/* 3 MiB: hole, 1 MiB of data at 1 MiB, hole. MiB-aligned because kernel
 * overlayfs copies up in 1 MiB chunks and skips holes only between them. */
static int make_sparse_3m(const char *path)
{
	static char block[1 << 20];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	memset(block, 'x', sizeof(block));
	int ok = pwrite(fd, block, sizeof(block), 1 << 20) == (ssize_t)sizeof(block) &&
		 ftruncate(fd, 3 << 20) == 0;
	close(fd);
	return ok ? 0 : -1;
}

static int check_sparse_3m_layout(const char *path)
{
	int fd = open(path, O_RDONLY);

	CHECK_OK(fd);
	CHECK_EQ(lseek(fd, 0, SEEK_DATA), 1 << 20);
	CHECK_EQ(lseek(fd, 0, SEEK_HOLE), 0);
	CHECK_EQ(lseek(fd, 1 << 20, SEEK_HOLE), 2 << 20);
	CHECK_ERR(lseek(fd, 2 << 20, SEEK_DATA), ENXIO);
	close(fd);
	return CONF_PASS;
}

static int seek_data_hole_on_lower_sparse_file(struct testfs *t)
{
	CHECK_OK(make_sparse_3m(L0("f")));
	MOUNT();
	if (check_sparse_3m_layout(M("f")) != CONF_PASS)
		return CONF_FAIL;
	CHECK(!conf_exists(U("f")));
	return CONF_PASS;
}

static int seek_data_hole_on_upper_sparse_file(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(make_sparse_3m(M("f")));
	return check_sparse_3m_layout(M("f"));
}

static int seek_data_hole_after_copyup(struct testfs *t)
{
	CHECK_OK(make_sparse_3m(L0("f")));
	MOUNT();
	CHECK_OK(chmod(M("f"), 0600));
	CHECK(conf_exists(U("f")));
	return check_sparse_3m_layout(M("f"));
}

static int seek_hole_of_dense_file_is_eof(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put_pattern(L0("f"), 100000, 1));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_EQ(lseek(fd, 0, SEEK_HOLE), 100000);
	CHECK_EQ(lseek(fd, 5000, SEEK_DATA), 5000);
	close(fd);
	return CONF_PASS;
}

static int seek_data_past_eof_enxio(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "0123"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_ERR(lseek(fd, 10, SEEK_DATA), ENXIO);
	CHECK_ERR(lseek(fd, 10, SEEK_HOLE), ENXIO);
	close(fd);
	return CONF_PASS;
}

/* --- mmap --- */

static int mmap_shared_write_visible_to_read(struct testfs *t)
{
	char buf[8] = { 0 };
	int fd;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "........"));
	CHECK_OK(fd = open(M("f"), O_RDWR));
	char *p = mmap(NULL, 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	memcpy(p + 2, "MMAP", 4);
	CHECK_OK(msync(p, 8, MS_SYNC));
	CHECK_EQ(pread(fd, buf, 8, 0), 8);
	CHECK(!memcmp(buf, "..MMAP..", 8));
	munmap(p, 8);
	close(fd);
	return CONF_PASS;
}

static int mmap_shared_write_persists_after_remount(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "0123456789"));
	CHECK_OK(fd = open(M("f"), O_RDWR));
	char *p = mmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	memcpy(p, "abc", 3);
	munmap(p, 10);
	close(fd);
	REMOUNT();
	CHECK_CONTENT(M("f"), "abc3456789");
	return CONF_PASS;
}

static int mmap_shared_write_on_lower_file_copies_up(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "lower file"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR));
	char *p = mmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	CHECK(!memcmp(p, "lower", 5));
	memcpy(p, "UPPER", 5);
	CHECK_OK(msync(p, 10, MS_SYNC));
	munmap(p, 10);
	close(fd);
	CHECK_CONTENT(M("f"), "UPPER file");
	CHECK_CONTENT(L0("f"), "lower file");
	UMOUNT();
	CHECK_CONTENT(U("f"), "UPPER file");
	return CONF_PASS;
}

static int mmap_private_write_not_written_back(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "lower file"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	char *p = mmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	memcpy(p, "XXXXX", 5);
	munmap(p, 10);
	close(fd);
	CHECK_CONTENT(M("f"), "lower file");
	return CONF_PASS;
}

static int mmap_read_of_lower_file(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put_pattern(L0("f"), 3 * 4096 + 100, 4));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	unsigned char *p = mmap(NULL, 3 * 4096 + 100, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	unsigned char buf[100];
	CHECK_EQ(pread(fd, buf, 100, 3 * 4096), 100);
	CHECK(!memcmp(p + 3 * 4096, buf, 100));
	munmap(p, 3 * 4096 + 100);
	close(fd);
	return CONF_PASS;
}

static int mmap_shared_write_after_ftruncate_grow(struct testfs *t)
{
	int fd;
	char buf[16] = { 0 };

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR | O_CREAT, 0644));
	CHECK_OK(ftruncate(fd, 8192));
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	memcpy(p + 4096, "second page", 11);
	CHECK_OK(msync(p, 8192, MS_SYNC));
	munmap(p, 8192);
	CHECK_EQ(pread(fd, buf, 11, 4096), 11);
	close(fd);
	CHECK_STR(buf, "second page");
	return CONF_PASS;
}

const struct conf_case conf_cases_io[] = {
	CONF_CASE(read_lower_file_content, 2, 0),
	CONF_CASE(write_large_file_roundtrip, 1, 0),
	CONF_CASE(pwrite_pread_at_offsets, 1, 0),
	CONF_CASE(two_fds_share_written_data, 1, 0),
	CONF_CASE(lseek_end_reports_size, 1, 0),
	CONF_CASE(open_append_writes_at_end, 1, 0),
	CONF_CASE(open_append_on_lower_file, 1, 0),
	CONF_CASE(open_trunc_on_lower_file, 1, 0),
	CONF_CASE(open_trunc_on_upper_file, 1, 0),
	CONF_CASE(open_excl_on_lower_file_eexist, 2, 0),
	CONF_CASE(open_excl_over_whiteout_creates, 1, 0),
	CONF_CASE(open_excl_on_new_name_creates, 1, 0),
	CONF_CASE(open_excl_on_dangling_symlink_eexist, 1, 0),
	CONF_CASE(open_creat_on_lower_file_keeps_content, 1, 0),
	CONF_CASE(open_directory_flag_on_file_enotdir, 1, 0),
	CONF_CASE(open_directory_for_write_eisdir, 1, 0),
	CONF_CASE(open_creat_in_missing_dir_enoent, 1, 0),
	CONF_CASE(truncate_lower_file_shrinks, 1, 0),
	CONF_CASE(truncate_extends_with_zeros, 1, 0),
	CONF_CASE(ftruncate_on_open_upper_file, 1, 0),
	CONF_CASE(ftruncate_on_fd_opened_before_copyup, 1, 0),
	CONF_CASE(truncate_directory_eisdir, 1, 0),
	CONF_CASE(fallocate_extends_size, 1, 0),
	CONF_CASE(fallocate_keep_size_allocates_blocks, 1, 0),
	CONF_CASE(fallocate_punch_hole_reads_zeros, 1, 0),
	CONF_CASE(fallocate_zero_range, 1, 0),
	CONF_CASE(fsync_on_written_file, 1, 0),
	CONF_CASE(fsync_on_directory, 1, 0),
	CONF_CASE(fsync_on_readonly_lower_fd, 1, 0),
	CONF_CASE(syncfs_on_mount, 1, 0),
	CONF_CASE(syncfs_after_rename_over_lower_file, 1, 0),
	CONF_CASE(syncfs_after_unlink_of_open_lower_file, 1, 0),
	CONF_CASE(statfs_reports_upper_filesystem_size, 1, 0),
	CONF_CASE(statfs_name_length_255, 1, 0),
	CONF_CASE(statfs_rw_mount_not_readonly, 1, 0),
	CONF_CASE(seek_data_hole_on_lower_sparse_file, 1, 0),
	CONF_CASE(seek_data_hole_on_upper_sparse_file, 1, 0),
	CONF_CASE(seek_data_hole_after_copyup, 1, 0),
	CONF_CASE(seek_hole_of_dense_file_is_eof, 1, 0),
	CONF_CASE(seek_data_past_eof_enxio, 1, 0),
	CONF_CASE(mmap_shared_write_visible_to_read, 1, 0),
	CONF_CASE(mmap_shared_write_persists_after_remount, 1, 0),
	CONF_CASE(mmap_shared_write_on_lower_file_copies_up, 1, 0),
	CONF_CASE(mmap_private_write_not_written_back, 1, 0),
	CONF_CASE(mmap_read_of_lower_file, 1, 0),
	CONF_CASE(mmap_shared_write_after_ftruncate_grow, 1, 0),
};
const size_t conf_ncases_io = sizeof(conf_cases_io) / sizeof(conf_cases_io[0]);
