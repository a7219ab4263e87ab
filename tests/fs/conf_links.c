/* Hard links (also lower hard-link groups across copy-up), st_ino rules
 * and st_nlink of merged names and unlinked open files. */
#include "conf_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

static int link_upper_file_counts_two(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "F"));
	CHECK_OK(link(M("f"), M("g")));
	CHECK_EQ(conf_lstat(M("f")).st_nlink, 2);
	CHECK_EQ(conf_lstat(M("g")).st_nlink, 2);
	CHECK_EQ(conf_lstat(M("f")).st_ino, conf_lstat(M("g")).st_ino);
	CHECK_OK(conf_put(M("g"), "via g"));
	CHECK_CONTENT(M("f"), "via g");
	return CONF_PASS;
}

static int link_lower_file_makes_one_inode(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	ino_t ino = conf_lstat(M("f")).st_ino;
	CHECK_OK(link(M("f"), M("g")));
	CHECK_EQ(conf_lstat(M("f")).st_nlink, 2);
	CHECK_EQ(conf_lstat(M("g")).st_ino, ino);
	CHECK_EQ(conf_lstat(M("f")).st_ino, ino);
	CHECK_EQ(conf_lstat(U("f")).st_ino, conf_lstat(U("g")).st_ino);
	CHECK_OK(conf_put(M("g"), "via g"));
	CHECK_CONTENT(M("f"), "via g");
	CHECK_CONTENT(L0("f"), "F");
	return CONF_PASS;
}

static int link_across_directories(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("a"), 0755));
	CHECK_OK(conf_mkdirs(L0("b"), 0755));
	CHECK_OK(conf_put(L0("a/f"), "F"));
	MOUNT();
	CHECK_OK(link(M("a/f"), M("b/g")));
	CHECK_EQ(conf_lstat(M("a/f")).st_ino, conf_lstat(M("b/g")).st_ino);
	CHECK_CONTENT(M("b/g"), "F");
	return CONF_PASS;
}

static int link_to_existing_name_eexist(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_put(L0("g"), "G"));
	MOUNT();
	CHECK_ERR(link(M("f"), M("g")), EEXIST);
	CHECK_CONTENT(M("g"), "G");
	return CONF_PASS;
}

static int link_of_directory_eperm(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	CHECK_ERR(link(M("d"), M("e")), EPERM);
	return CONF_PASS;
}

static int link_to_whited_out_name(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_put(L0("g"), "G"));
	MOUNT();
	CHECK_OK(unlink(M("g")));
	CHECK_OK(link(M("f"), M("g")));
	CHECK_CONTENT(M("g"), "F");
	REMOUNT();
	CHECK_CONTENT(M("g"), "F");
	return CONF_PASS;
}

static int link_persists_after_remount(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(link(M("f"), M("g")));
	REMOUNT();
	CHECK_EQ(conf_lstat(M("f")).st_ino, conf_lstat(M("g")).st_ino);
	CHECK_OK(conf_put(M("g"), "changed"));
	CHECK_CONTENT(M("f"), "changed");
	return CONF_PASS;
}

/* Lower layer with f and g as two names of one inode. */
static int prepare_lower_link_group(struct testfs *t, const char *a, const char *b)
{
	if (conf_put(L0(a), "shared") < 0 || link(L0(a), L0(b)) < 0)
		return -1;
	return 0;
}

static int hardlink_lower_group_write_shows_through_other_name(struct testfs *t)
{
	int fd;

	CHECK_OK(prepare_lower_link_group(t, "f", "g"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_WRONLY | O_TRUNC));
	CHECK_EQ(write(fd, "changed", 7), 7);
	CHECK_OK(close(fd));
	CHECK_CONTENT(M("g"), "changed");
	CHECK_CONTENT(L0("g"), "shared");
	return CONF_PASS;
}

static int hardlink_lower_group_same_st_ino(struct testfs *t)
{
	CHECK_OK(prepare_lower_link_group(t, "f", "g"));
	MOUNT();
	CHECK_EQ(conf_lstat(M("f")).st_ino, conf_lstat(M("g")).st_ino);
	CHECK_EQ(conf_lstat(M("f")).st_nlink, 2);
	return CONF_PASS;
}

static int hardlink_lower_group_same_st_ino_after_copyup(struct testfs *t)
{
	CHECK_OK(prepare_lower_link_group(t, "f", "g"));
	MOUNT();
	ino_t ino = conf_lstat(M("g")).st_ino;
	CHECK_OK(chmod(M("f"), 0600));
	CHECK_EQ(conf_lstat(M("f")).st_ino, ino);
	CHECK_EQ(conf_lstat(M("g")).st_ino, ino);
	CHECK_EQ(conf_lstat(M("g")).st_mode & 07777, 0600);
	CHECK_EQ(conf_lstat(M("f")).st_nlink, 2);
	return CONF_PASS;
}

static int hardlink_lower_group_upper_holds_one_inode(struct testfs *t)
{
	CHECK_OK(prepare_lower_link_group(t, "f", "g"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "changed"));
	UMOUNT();
	struct stat f = conf_lstat(U("f")), g = conf_lstat(U("g"));
	CHECK(S_ISREG(f.st_mode));
	CHECK_EQ(f.st_ino, g.st_ino);
	CHECK_EQ(f.st_nlink, 2);
	CHECK_CONTENT(U("g"), "changed");
	return CONF_PASS;
}

static int hardlink_lower_group_persists_after_remount(struct testfs *t)
{
	CHECK_OK(prepare_lower_link_group(t, "f", "g"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "changed"));
	REMOUNT();
	CHECK_CONTENT(M("g"), "changed");
	CHECK_CONTENT(M("f"), "changed");
	CHECK_OK(conf_put(M("g"), "again"));
	CHECK_CONTENT(M("f"), "again");
	return CONF_PASS;
}

static int hardlink_lower_group_unlink_one_name(struct testfs *t)
{
	CHECK_OK(prepare_lower_link_group(t, "f", "g"));
	MOUNT();
	CHECK_OK(unlink(M("f")));
	CHECK(!conf_exists(M("f")));
	CHECK_CONTENT(M("g"), "shared");
	CHECK_EQ(conf_lstat(M("g")).st_nlink, 1);
	REMOUNT();
	CHECK(!conf_exists(M("f")));
	CHECK_EQ(conf_lstat(M("g")).st_nlink, 1);
	return CONF_PASS;
}

static int hardlink_lower_group_in_different_dirs(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("a"), 0755));
	CHECK_OK(conf_mkdirs(L0("b"), 0755));
	CHECK_OK(prepare_lower_link_group(t, "a/f", "b/g"));
	MOUNT();
	CHECK_OK(conf_put(M("b/g"), "via b"));
	CHECK_CONTENT(M("a/f"), "via b");
	CHECK_EQ(conf_lstat(M("a/f")).st_ino, conf_lstat(M("b/g")).st_ino);
	return CONF_PASS;
}

static int hardlink_lower_group_link_adds_name(struct testfs *t)
{
	CHECK_OK(prepare_lower_link_group(t, "f", "g"));
	MOUNT();
	CHECK_OK(link(M("g"), M("h")));
	CHECK_EQ(conf_lstat(M("f")).st_nlink, 3);
	CHECK_EQ(conf_lstat(M("h")).st_ino, conf_lstat(M("f")).st_ino);
	CHECK_OK(conf_put(M("h"), "via h"));
	CHECK_CONTENT(M("f"), "via h");
	CHECK_CONTENT(M("g"), "via h");
	return CONF_PASS;
}

static int ino_stable_across_copyup_by_chmod(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	ino_t ino = conf_lstat(M("f")).st_ino;
	CHECK_OK(chmod(M("f"), 0600));
	CHECK(conf_exists(U("f")));
	CHECK_EQ(conf_lstat(M("f")).st_ino, ino);
	return CONF_PASS;
}

static int ino_stable_across_copyup_by_write(struct testfs *t)
{
	int fd;
	struct stat before, after;

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_OK(fstat(fd, &before));
	CHECK_OK(conf_put(M("f"), "written"));
	CHECK_OK(fstat(fd, &after));
	close(fd);
	CHECK_EQ(after.st_ino, before.st_ino);
	CHECK_EQ(conf_lstat(M("f")).st_ino, before.st_ino);
	return CONF_PASS;
}

static int ino_of_dir_stable_across_copyup(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	MOUNT();
	ino_t ino = conf_lstat(M("d")).st_ino;
	CHECK_OK(conf_put(M("d/b"), "b"));
	CHECK(conf_exists(U("d")));
	CHECK_EQ(conf_lstat(M("d")).st_ino, ino);
	return CONF_PASS;
}

/* Every entry of dir: d_ino equals st_ino; count of entries checked. */
static int check_d_ino(const char *dir, int *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];

	*count = 0;
	if (!d)
		return conf_failf(__FILE__, __LINE__, errno, "opendir %s", dir);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st = conf_lstat(testfs_path(path, dir, de->d_name));
		if (st.st_ino != de->d_ino) {
			closedir(d);
			return conf_failf(__FILE__, __LINE__, 0, "%s: d_ino %llu, st_ino %llu", de->d_name,
					  (unsigned long long)de->d_ino, (unsigned long long)st.st_ino);
		}
		(*count)++;
	}
	closedir(d);
	return CONF_PASS;
}

static int ino_equals_readdir_d_ino(struct testfs *t)
{
	int n;

	CHECK_OK(conf_put(L0("l0"), ""));
	CHECK_OK(conf_put(L1("l1"), ""));
	CHECK_OK(conf_put(L2("l2"), ""));
	CHECK_OK(conf_mkdirs(L0("dir"), 0755));
	CHECK_OK(conf_mkdirs(L2("dir"), 0755));
	CHECK_OK(conf_put(L2("dir/inner"), ""));
	CHECK_OK(conf_put(L1("shadowed"), "1"));
	CHECK_OK(conf_put(L2("shadowed"), "2"));
	CHECK_OK(conf_put(U("up"), ""));
	MOUNT();
	if (check_d_ino(t->mnt, &n) != CONF_PASS)
		return CONF_FAIL;
	CHECK_EQ(n, 6);
	if (check_d_ino(M("dir"), &n) != CONF_PASS)
		return CONF_FAIL;
	CHECK_EQ(n, 1);
	return CONF_PASS;
}

static int ino_equals_readdir_d_ino_after_copyup(struct testfs *t)
{
	int n;

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_put(L0("d/b"), "b"));
	MOUNT();
	CHECK_OK(chmod(M("d/a"), 0600));
	CHECK_OK(conf_put(M("d/c"), "c"));
	if (check_d_ino(M("d"), &n) != CONF_PASS)
		return CONF_FAIL;
	CHECK_EQ(n, 3);
	if (check_d_ino(t->mnt, &n) != CONF_PASS)
		return CONF_FAIL;
	CHECK_EQ(n, 1);
	return CONF_PASS;
}

static int cmp_ino(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;
	return x < y ? -1 : x > y;
}

static int ino_unique_across_layers(struct testfs *t)
{
	ino_t inos[200];
	int n = 0;
	char name[32];
	const char *dirs[4] = { t->upper, t->lower[0], t->lower[1], t->lower[2] };

	for (int l = 0; l < 4; l++)
		for (int i = 0; i < 40; i++) {
			snprintf(name, sizeof(name), "%c%02d", 'a' + l, i);
			CHECK_OK(conf_put(conf_at(dirs[l], name), name));
		}
	MOUNT();
	for (int l = 0; l < 4; l++)
		for (int i = 0; i < 40; i++) {
			snprintf(name, sizeof(name), "%c%02d", 'a' + l, i);
			struct stat st = conf_lstat(M(name));
			CHECK_NE(st.st_ino, 0);
			inos[n++] = st.st_ino;
		}
	inos[n++] = conf_lstat(t->mnt).st_ino;
	qsort(inos, (size_t)n, sizeof(inos[0]), cmp_ino);
	for (int i = 1; i < n; i++)
		if (inos[i] == inos[i - 1])
			CONF_FAILED("st_ino %llu reported for two files", (unsigned long long)inos[i]);
	return CONF_PASS;
}

/* Two fresh tmpfs instances hand out the same inode numbers for the same
 * creation order, so the backing st_ino of the two lowers collide; the
 * merged view must still give every file its own st_ino on one st_dev. */
static int ino_unique_across_layers_with_colliding_backing_inodes(struct testfs *t)
{
	ino_t inos[50];
	char name[32];
	int n = 0, count;

	CHECK_OK(mount("tmpfs", t->lower[0], "tmpfs", 0, "size=4m,mode=0755"));
	CHECK_OK(mount("tmpfs", t->lower[1], "tmpfs", 0, "size=4m,mode=0755"));
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "a%02d", i);
		CHECK_OK(conf_put(L0(name), name));
		snprintf(name, sizeof(name), "b%02d", i);
		CHECK_OK(conf_put(L1(name), name));
	}
	if (conf_lstat(L0("a05")).st_ino != conf_lstat(L1("b05")).st_ino)
		return conf_skip("tmpfs did not reuse inode numbers across instances");
	/* The kernel needs xino to give one st_dev with unique st_ino. */
	if (conf_impl == IMPL_OVERLAY)
		snprintf(t->opts, sizeof(t->opts), "xino=on");
	MOUNT();
	dev_t dev = conf_lstat(t->mnt).st_dev;
	for (int l = 0; l < 2; l++)
		for (int i = 0; i < 20; i++) {
			snprintf(name, sizeof(name), "%c%02d", 'a' + l, i);
			struct stat st = conf_lstat(M(name));
			CHECK_EQ(st.st_dev, dev);
			inos[n++] = st.st_ino;
		}
	inos[n++] = conf_lstat(t->mnt).st_ino;
	qsort(inos, (size_t)n, sizeof(inos[0]), cmp_ino);
	for (int i = 1; i < n; i++)
		if (inos[i] == inos[i - 1])
			CONF_FAILED("st_ino %llu reported for two files", (unsigned long long)inos[i]);
	if (check_d_ino(t->mnt, &count) != CONF_PASS)
		return CONF_FAIL;
	CHECK_EQ(count, 40);
	ino_t before = conf_lstat(M("b07")).st_ino;
	CHECK_OK(chmod(M("b07"), 0600));
	CHECK_EQ(conf_lstat(M("b07")).st_ino, before);
	CHECK_NE(conf_lstat(M("b07")).st_ino, conf_lstat(M("a07")).st_ino);
	return CONF_PASS;
}

static int ino_stable_after_dropping_caches(struct testfs *t)
{
	ino_t before[50];
	char name[32];
	int fd;

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "d/f%02d", i);
		CHECK_OK(conf_put(L0(name), ""));
	}
	MOUNT();
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "d/f%02d", i);
		before[i] = conf_lstat(M(name)).st_ino;
	}
	/* Make the kernel forget the inodes, so ctrfs must find the same
	 * numbers again for new lookups. */
	sync();
	CHECK_OK(fd = open("/proc/sys/vm/drop_caches", O_WRONLY));
	CHECK_EQ(write(fd, "2", 1), 1);
	close(fd);
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "d/f%02d", i);
		CHECK_EQ(conf_lstat(M(name)).st_ino, before[i]);
	}
	return CONF_PASS;
}

static int ino_of_fstat_matches_stat(struct testfs *t)
{
	struct stat st;
	int fd;

	CHECK_OK(conf_put(L1("f"), "F"));
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_OK(fstat(fd, &st));
	close(fd);
	CHECK_EQ(st.st_ino, conf_lstat(M("f")).st_ino);
	CHECK_OK(fd = open(M("d"), O_RDONLY | O_DIRECTORY));
	CHECK_OK(fstat(fd, &st));
	close(fd);
	CHECK_EQ(st.st_ino, conf_lstat(M("d")).st_ino);
	return CONF_PASS;
}

static int st_dev_same_for_all_layers(struct testfs *t)
{
	CHECK_OK(conf_put(L0("a"), ""));
	CHECK_OK(conf_put(L1("b"), ""));
	CHECK_OK(conf_put(U("c"), ""));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	MOUNT();
	dev_t dev = conf_lstat(t->mnt).st_dev;
	CHECK_EQ(conf_lstat(M("a")).st_dev, dev);
	CHECK_EQ(conf_lstat(M("b")).st_dev, dev);
	CHECK_EQ(conf_lstat(M("c")).st_dev, dev);
	CHECK_EQ(conf_lstat(M("d")).st_dev, dev);
	return CONF_PASS;
}

static int nlink_fstat_after_unlink_of_upper_file_is_zero(struct testfs *t)
{
	struct stat st;
	int fd;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR | O_CREAT, 0644));
	CHECK_OK(unlink(M("f")));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	close(fd);
	return CONF_PASS;
}

static int nlink_open_lower_file_after_unlink_is_zero_and_usable(struct testfs *t)
{
	struct stat st;
	char buf[32] = { 0 };
	int fd;

	CHECK_OK(conf_put(L0("f"), "lower data"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR));
	CHECK_OK(unlink(M("f")));
	CHECK(!conf_exists(M("f")));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 10);
	CHECK_STR(buf, "lower data");
	CHECK_EQ(pwrite(fd, "LOWER", 5, 0), 5);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 10);
	CHECK_STR(buf, "LOWER data");
	close(fd);
	CHECK_CONTENT(L0("f"), "lower data");
	return CONF_PASS;
}

/* The kernel reports the lower inode's count for a file opened read-only
 * before its name went; ctrfs counts merged names. */
static int nlink_open_readonly_lower_file_after_unlink_is_zero(struct testfs *t)
{
	struct stat st;
	char buf[16] = { 0 };
	int fd;

	CHECK_OK(conf_put(L0("f"), "lower"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_OK(unlink(M("f")));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 5);
	CHECK_STR(buf, "lower");
	close(fd);
	return CONF_PASS;
}

static int nlink_lower_link_group_open_file_keeps_other_name(struct testfs *t)
{
	struct stat st;
	int fd;

	CHECK_OK(prepare_lower_link_group(t, "f", "g"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR));
	CHECK_OK(unlink(M("f")));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 1);
	CHECK_EQ(pwrite(fd, "SH", 2, 0), 2);
	close(fd);
	CHECK_CONTENT(M("g"), "SHared");
	CHECK_EQ(conf_lstat(M("g")).st_nlink, 1);
	return CONF_PASS;
}

static int nlink_counts_names_added_and_removed(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_EQ(conf_lstat(M("f")).st_nlink, 1);
	CHECK_OK(link(M("f"), M("g")));
	CHECK_OK(link(M("f"), M("h")));
	CHECK_EQ(conf_lstat(M("f")).st_nlink, 3);
	CHECK_OK(unlink(M("g")));
	CHECK_EQ(conf_lstat(M("h")).st_nlink, 2);
	REMOUNT();
	CHECK_EQ(conf_lstat(M("f")).st_nlink, 2);
	return CONF_PASS;
}

static int nlink_of_unlinked_file_stays_zero_after_last_write(struct testfs *t)
{
	struct stat st;
	int fd;

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDWR | O_CREAT, 0644));
	CHECK_EQ(write(fd, "abc", 3), 3);
	CHECK_OK(unlink(M("f")));
	CHECK_EQ(write(fd, "def", 3), 3);
	CHECK_OK(fsync(fd));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(st.st_size, 6);
	close(fd);
	CHECK(!conf_exists(M("f")));
	return CONF_PASS;
}

const struct conf_case conf_cases_links[] = {
	CONF_CASE(link_upper_file_counts_two, 1, 0),
	CONF_CASE(link_lower_file_makes_one_inode, 1, 0),
	CONF_CASE(link_across_directories, 1, 0),
	CONF_CASE(link_to_existing_name_eexist, 1, 0),
	CONF_CASE(link_of_directory_eperm, 1, 0),
	CONF_CASE(link_to_whited_out_name, 1, 0),
	CONF_CASE(link_persists_after_remount, 1, 0),
	CONF_CASE(hardlink_lower_group_write_shows_through_other_name, 1, 0),
	CONF_CASE(hardlink_lower_group_same_st_ino, 1, 0),
	CONF_CASE(hardlink_lower_group_same_st_ino_after_copyup, 1, 0),
	CONF_CASE(hardlink_lower_group_upper_holds_one_inode, 1, CONF_CTRFS_ONLY),
	CONF_CASE(hardlink_lower_group_persists_after_remount, 1, 0),
	CONF_CASE(hardlink_lower_group_unlink_one_name, 1, 0),
	CONF_CASE(hardlink_lower_group_in_different_dirs, 1, 0),
	CONF_CASE(hardlink_lower_group_link_adds_name, 1, 0),
	CONF_CASE(ino_stable_across_copyup_by_chmod, 1, 0),
	CONF_CASE(ino_stable_across_copyup_by_write, 1, 0),
	CONF_CASE(ino_of_dir_stable_across_copyup, 1, 0),
	CONF_CASE(ino_equals_readdir_d_ino, 3, 0),
	CONF_CASE(ino_equals_readdir_d_ino_after_copyup, 1, 0),
	CONF_CASE(ino_unique_across_layers, 3, 0),
	CONF_CASE(ino_unique_across_layers_with_colliding_backing_inodes, 2, CONF_ROOT),
	CONF_CASE(ino_stable_after_dropping_caches, 1, CONF_ROOT),
	CONF_CASE(ino_of_fstat_matches_stat, 2, 0),
	CONF_CASE(st_dev_same_for_all_layers, 2, 0),
	CONF_CASE(nlink_fstat_after_unlink_of_upper_file_is_zero, 1, 0),
	CONF_CASE(nlink_open_lower_file_after_unlink_is_zero_and_usable, 1, 0),
	CONF_CASE(nlink_open_readonly_lower_file_after_unlink_is_zero, 1, CONF_CTRFS_ONLY),
	CONF_CASE(nlink_lower_link_group_open_file_keeps_other_name, 1, 0),
	CONF_CASE(nlink_counts_names_added_and_removed, 1, 0),
	CONF_CASE(nlink_of_unlinked_file_stays_zero_after_last_write, 1, 0),
};
const size_t conf_ncases_links = sizeof(conf_cases_links) / sizeof(conf_cases_links[0]);
