/* rename(2) and renameat2(2) of files and directories, including merged
 * directories, RENAME_NOREPLACE and RENAME_EXCHANGE. */
#include "conf_util.h"

#include <stdio.h>
#include <unistd.h>

static int rename2(const char *from, const char *to, unsigned flags)
{
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, flags);
}

static int rename_upper_file(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "new"));
	CHECK_OK(rename(M("f"), M("g")));
	CHECK(!conf_exists(M("f")));
	CHECK_CONTENT(M("g"), "new");
	/* Nothing below had the name, so no whiteout is needed. */
	CHECK(!conf_exists(U("f")));
	CHECK_CONTENT(U("g"), "new");
	return CONF_PASS;
}

static int rename_lower_file_copies_up_and_whiteouts_source(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "lower"));
	MOUNT();
	CHECK_OK(rename(M("f"), M("g")));
	CHECK(!conf_exists(M("f")));
	CHECK_CONTENT(M("g"), "lower");
	CHECK(conf_is_whiteout(U("f")));
	CHECK_CONTENT(U("g"), "lower");
	CHECK_CONTENT(L0("f"), "lower");
	return CONF_PASS;
}

static int rename_lower_file_persists_after_remount(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "lower"));
	MOUNT();
	CHECK_OK(rename(M("f"), M("g")));
	REMOUNT();
	CHECK_STR(conf_names(t->mnt), "g");
	CHECK_CONTENT(M("g"), "lower");
	return CONF_PASS;
}

static int rename_file_over_existing_lower_file(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_put(L0("g"), "G"));
	MOUNT();
	CHECK_OK(rename(M("f"), M("g")));
	CHECK_CONTENT(M("g"), "F");
	CHECK(!conf_exists(M("f")));
	CHECK_STR(conf_names(t->mnt), "g");
	REMOUNT();
	CHECK_CONTENT(M("g"), "F");
	CHECK_STR(conf_names(t->mnt), "g");
	return CONF_PASS;
}

static int rename_file_over_existing_upper_file(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "F"));
	CHECK_OK(conf_put(M("g"), "G"));
	CHECK_OK(rename(M("f"), M("g")));
	CHECK_CONTENT(M("g"), "F");
	CHECK(!conf_exists(M("f")));
	CHECK(!conf_exists(U("f")));
	return CONF_PASS;
}

static int rename_file_to_whited_out_name(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_put(L0("g"), "G"));
	MOUNT();
	CHECK_OK(unlink(M("g")));
	CHECK_OK(rename(M("f"), M("g")));
	CHECK_CONTENT(M("g"), "F");
	CHECK_STR(conf_names(t->mnt), "g");
	REMOUNT();
	CHECK_CONTENT(M("g"), "F");
	return CONF_PASS;
}

static int rename_file_across_directories(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("a"), 0755));
	CHECK_OK(conf_mkdirs(L0("b"), 0755));
	CHECK_OK(conf_put(L0("a/f"), "F"));
	MOUNT();
	CHECK_OK(rename(M("a/f"), M("b/g")));
	CHECK_STR(conf_names(M("a")), "");
	CHECK_CONTENT(M("b/g"), "F");
	CHECK(conf_is_whiteout(U("a/f")));
	REMOUNT();
	CHECK_STR(conf_names(M("a")), "");
	CHECK_CONTENT(M("b/g"), "F");
	return CONF_PASS;
}

static int rename_dir_over_empty_upper_dir(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(mkdir(M("x"), 0755));
	CHECK_OK(mkdir(M("y"), 0755));
	CHECK_OK(conf_put(M("x/a"), "a"));
	CHECK_OK(rename(M("x"), M("y")));
	CHECK(!conf_exists(M("x")));
	CHECK_CONTENT(M("y/a"), "a");
	return CONF_PASS;
}

static int rename_dir_over_empty_lower_dir(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_mkdirs(L0("e"), 0755));
	MOUNT();
	CHECK_OK(rename(M("d"), M("e")));
	CHECK(!conf_exists(M("d")));
	CHECK_STR(conf_names(M("e")), "a");
	CHECK_CONTENT(M("e/a"), "a");
	REMOUNT();
	CHECK(!conf_exists(M("d")));
	CHECK_STR(conf_names(M("e")), "a");
	return CONF_PASS;
}

static int rename_dir_over_nonempty_merged_dir_enotempty(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_mkdirs(L0("e"), 0755));
	CHECK_OK(conf_put(L0("e/x"), "x"));
	MOUNT();
	CHECK_ERR(rename(M("d"), M("e")), ENOTEMPTY);
	CHECK(S_ISDIR(conf_lstat(M("d")).st_mode));
	CHECK_CONTENT(M("e/x"), "x");
	return CONF_PASS;
}

static int rename_dir_over_dir_whose_lower_entries_are_gone(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_mkdirs(L0("e"), 0755));
	CHECK_OK(conf_put(L0("e/x"), "x"));
	MOUNT();
	CHECK_OK(unlink(M("e/x")));
	CHECK_OK(rename(M("d"), M("e")));
	CHECK_STR(conf_names(M("e")), "a");
	CHECK(!conf_exists(M("e/x")));
	REMOUNT();
	CHECK_STR(conf_names(M("e")), "a");
	return CONF_PASS;
}

static int rename_file_over_dir_eisdir(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "f"));
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	CHECK_ERR(rename(M("f"), M("d")), EISDIR);
	CHECK_CONTENT(M("f"), "f");
	return CONF_PASS;
}

static int rename_dir_over_file_enotdir(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "f"));
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	CHECK_ERR(rename(M("d"), M("f")), ENOTDIR);
	CHECK(S_ISDIR(conf_lstat(M("d")).st_mode));
	return CONF_PASS;
}

static int rename_upper_dir(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(mkdir(M("d"), 0755));
	CHECK_OK(conf_put(M("d/f"), "f"));
	CHECK_OK(rename(M("d"), M("e")));
	CHECK_CONTENT(M("e/f"), "f");
	CHECK(!conf_exists(M("d")));
	CHECK(!conf_exists(U("d")));
	return CONF_PASS;
}

static int rename_lower_dir_content_at_new_place(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d/s"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_put(L0("d/s/b"), "b"));
	MOUNT();
	CHECK_OK(rename(M("d"), M("e")));
	CHECK(!conf_exists(M("d")));
	CHECK_CONTENT(M("e/a"), "a");
	CHECK_CONTENT(M("e/s/b"), "b");
	CHECK_STR(conf_names(M("e")), "a,s");
	return CONF_PASS;
}

/* d merged from two lowers and upper. */
static int prepare_merged_d(struct testfs *t)
{
	if (conf_mkdirs(L0("d"), 0755) || conf_mkdirs(L1("d"), 0755) || conf_mkdirs(U("d"), 0755) ||
	    conf_put(L0("d/a"), "a") || conf_put(L1("d/b"), "b") || conf_put(U("d/c"), "c") ||
	    conf_mkdirs(L1("d/sub"), 0755) || conf_put(L1("d/sub/deep"), "deep"))
		return -1;
	return 0;
}

static int rename_merged_dir_content_at_new_place(struct testfs *t)
{
	CHECK_OK(prepare_merged_d(t));
	MOUNT();
	CHECK_OK(rename(M("d"), M("e")));
	CHECK_STR(conf_names(M("e")), "a,b,c,sub");
	CHECK_CONTENT(M("e/a"), "a");
	CHECK_CONTENT(M("e/b"), "b");
	CHECK_CONTENT(M("e/c"), "c");
	CHECK_CONTENT(M("e/sub/deep"), "deep");
	return CONF_PASS;
}

static int rename_merged_dir_old_name_gone(struct testfs *t)
{
	struct stat st;

	CHECK_OK(prepare_merged_d(t));
	MOUNT();
	CHECK_OK(rename(M("d"), M("e")));
	CHECK_ERR(lstat(M("d"), &st), ENOENT);
	CHECK_ERR(lstat(M("d/a"), &st), ENOENT);
	CHECK_STR(conf_names(t->mnt), "e");
	CHECK(conf_is_whiteout(U("d")));
	return CONF_PASS;
}

static int rename_merged_dir_persists_after_remount(struct testfs *t)
{
	CHECK_OK(prepare_merged_d(t));
	MOUNT();
	CHECK_OK(rename(M("d"), M("e")));
	REMOUNT();
	CHECK_STR(conf_names(t->mnt), "e");
	CHECK_STR(conf_names(M("e")), "a,b,c,sub");
	CHECK_CONTENT(M("e/b"), "b");
	CHECK_CONTENT(M("e/sub/deep"), "deep");
	return CONF_PASS;
}

/* ctrfs builds a complete opaque copy, so the upper dir reads the same
 * under any overlay option set (no redirect xattrs needed). */
static int rename_merged_dir_upper_is_self_contained_opaque_copy(struct testfs *t)
{
	CHECK_OK(prepare_merged_d(t));
	MOUNT();
	CHECK_OK(rename(M("d"), M("e")));
	UMOUNT();
	CHECK(conf_is_opaque(t, U("e")));
	CHECK_STR(conf_names(U("e")), "a,b,c,sub");
	CHECK_CONTENT(U("e/a"), "a");
	CHECK_CONTENT(U("e/b"), "b");
	CHECK_CONTENT(U("e/sub/deep"), "deep");
	CHECK(conf_is_whiteout(U("d")));
	return CONF_PASS;
}

static int rename_merged_dir_keeps_deleted_names_hidden(struct testfs *t)
{
	CHECK_OK(prepare_merged_d(t));
	MOUNT();
	CHECK_OK(unlink(M("d/b")));
	CHECK_OK(rename(M("d"), M("e")));
	CHECK_STR(conf_names(M("e")), "a,c,sub");
	REMOUNT();
	CHECK_STR(conf_names(M("e")), "a,c,sub");
	CHECK(!conf_exists(M("e/b")));
	return CONF_PASS;
}

static int rename_merged_dir_then_modify_inside(struct testfs *t)
{
	CHECK_OK(prepare_merged_d(t));
	MOUNT();
	CHECK_OK(rename(M("d"), M("e")));
	CHECK_OK(conf_put(M("e/n"), "n"));
	CHECK_OK(unlink(M("e/a")));
	CHECK_OK(conf_put(M("e/b"), "B"));
	CHECK_STR(conf_names(M("e")), "b,c,n,sub");
	REMOUNT();
	CHECK_STR(conf_names(M("e")), "b,c,n,sub");
	CHECK_CONTENT(M("e/b"), "B");
	return CONF_PASS;
}

static int rename_merged_dir_open_fd_keeps_working(struct testfs *t)
{
	int dfd, fd;

	CHECK_OK(prepare_merged_d(t));
	MOUNT();
	CHECK_OK(dfd = open(M("d"), O_RDONLY | O_DIRECTORY));
	CHECK_OK(rename(M("d"), M("e")));
	CHECK_OK(fd = openat(dfd, "created", O_WRONLY | O_CREAT | O_EXCL, 0644));
	close(fd);
	char buf[4];
	CHECK_OK(fd = openat(dfd, "a", O_RDONLY));
	CHECK_EQ(read(fd, buf, sizeof(buf)), 1);
	close(fd);
	close(dfd);
	CHECK(conf_exists(M("e/created")));
	CHECK(!conf_exists(M("d")));
	return CONF_PASS;
}

static int rename_merged_dir_to_other_parent(struct testfs *t)
{
	CHECK_OK(prepare_merged_d(t));
	CHECK_OK(conf_mkdirs(L1("p/q"), 0755));
	MOUNT();
	CHECK_OK(rename(M("d"), M("p/q/d")));
	CHECK_STR(conf_names(M("p/q/d")), "a,b,c,sub");
	CHECK(!conf_exists(M("d")));
	REMOUNT();
	CHECK_STR(conf_names(M("p/q/d")), "a,b,c,sub");
	CHECK_CONTENT(M("p/q/d/sub/deep"), "deep");
	return CONF_PASS;
}

static int rename_dir_into_own_subdir_einval(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d/sub"), 0755));
	MOUNT();
	CHECK_ERR(rename(M("d"), M("d/sub/x")), EINVAL);
	CHECK(S_ISDIR(conf_lstat(M("d/sub")).st_mode));
	return CONF_PASS;
}

static int rename_to_same_name_is_noop(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(rename(M("f"), M("f")));
	CHECK_CONTENT(M("f"), "F");
	return CONF_PASS;
}

static int rename_between_links_of_one_inode_is_noop(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "F"));
	CHECK_OK(link(M("f"), M("g")));
	CHECK_OK(rename(M("f"), M("g")));
	/* POSIX: both names remain when they are the same file. */
	CHECK_CONTENT(M("f"), "F");
	CHECK_CONTENT(M("g"), "F");
	CHECK_EQ(conf_lstat(M("g")).st_nlink, 2);
	return CONF_PASS;
}

static int rename_noreplace_over_existing_lower_eexist(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_put(L0("g"), "G"));
	MOUNT();
	CHECK_ERR(rename2(M("f"), M("g"), RENAME_NOREPLACE), EEXIST);
	CHECK_CONTENT(M("f"), "F");
	CHECK_CONTENT(M("g"), "G");
	return CONF_PASS;
}

static int rename_noreplace_over_existing_dir_eexist(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_mkdirs(L0("e"), 0755));
	MOUNT();
	CHECK_ERR(rename2(M("d"), M("e"), RENAME_NOREPLACE), EEXIST);
	return CONF_PASS;
}

static int rename_noreplace_to_whited_out_name(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_put(L0("g"), "G"));
	MOUNT();
	CHECK_OK(unlink(M("g")));
	CHECK_OK(rename2(M("f"), M("g"), RENAME_NOREPLACE));
	CHECK_CONTENT(M("g"), "F");
	CHECK(!conf_exists(M("f")));
	return CONF_PASS;
}

static int rename_noreplace_to_new_name(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(rename2(M("f"), M("g"), RENAME_NOREPLACE));
	CHECK_CONTENT(M("g"), "F");
	CHECK(!conf_exists(M("f")));
	return CONF_PASS;
}

static int rename_exchange_upper_files(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "F"));
	CHECK_OK(conf_put(M("g"), "G"));
	CHECK_OK(rename2(M("f"), M("g"), RENAME_EXCHANGE));
	CHECK_CONTENT(M("f"), "G");
	CHECK_CONTENT(M("g"), "F");
	return CONF_PASS;
}

static int rename_exchange_lower_files_persists(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_put(L0("g"), "G"));
	MOUNT();
	CHECK_OK(rename2(M("f"), M("g"), RENAME_EXCHANGE));
	CHECK_CONTENT(M("f"), "G");
	CHECK_CONTENT(M("g"), "F");
	REMOUNT();
	CHECK_CONTENT(M("f"), "G");
	CHECK_CONTENT(M("g"), "F");
	CHECK_CONTENT(L0("f"), "F");
	return CONF_PASS;
}

static int rename_exchange_file_and_dir(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	MOUNT();
	CHECK_OK(rename2(M("f"), M("d"), RENAME_EXCHANGE));
	CHECK(S_ISDIR(conf_lstat(M("f")).st_mode));
	CHECK_CONTENT(M("f/a"), "a");
	CHECK_CONTENT(M("d"), "F");
	REMOUNT();
	CHECK_CONTENT(M("f/a"), "a");
	CHECK_CONTENT(M("d"), "F");
	return CONF_PASS;
}

static int rename_exchange_missing_target_enoent(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(rename2(M("f"), M("nothing"), RENAME_EXCHANGE), ENOENT);
	CHECK_CONTENT(M("f"), "F");
	return CONF_PASS;
}

static int rename_exchange_merged_dirs(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_mkdirs(L0("e"), 0755));
	CHECK_OK(conf_mkdirs(L1("e"), 0755));
	CHECK_OK(conf_put(L0("d/d0"), "d0"));
	CHECK_OK(conf_put(L1("d/d1"), "d1"));
	CHECK_OK(conf_put(L0("e/e0"), "e0"));
	CHECK_OK(conf_put(L1("e/e1"), "e1"));
	MOUNT();
	CHECK_OK(rename2(M("d"), M("e"), RENAME_EXCHANGE));
	CHECK_STR(conf_names(M("d")), "e0,e1");
	CHECK_STR(conf_names(M("e")), "d0,d1");
	REMOUNT();
	CHECK_STR(conf_names(M("d")), "e0,e1");
	CHECK_STR(conf_names(M("e")), "d0,d1");
	CHECK_CONTENT(M("e/d1"), "d1");
	return CONF_PASS;
}

static int rename_keeps_st_ino_of_lower_file(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	ino_t before = conf_lstat(M("f")).st_ino;
	CHECK_NE(before, 0);
	CHECK_OK(rename(M("f"), M("g")));
	CHECK_EQ(conf_lstat(M("g")).st_ino, before);
	return CONF_PASS;
}

static int rename_lower_symlink(struct testfs *t)
{
	char buf[32];

	CHECK_OK(symlink("the/target", L0("s")));
	MOUNT();
	CHECK_OK(rename(M("s"), M("s2")));
	CHECK_EQ(readlink(M("s2"), buf, sizeof(buf)), 10);
	CHECK(!memcmp(buf, "the/target", 10));
	CHECK(!conf_exists(M("s")));
	return CONF_PASS;
}

static int rename_file_into_lower_only_dir(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/x"), "x"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "F"));
	CHECK_OK(rename(M("f"), M("d/f")));
	CHECK_STR(conf_names(M("d")), "f,x");
	CHECK_CONTENT(U("d/f"), "F");
	return CONF_PASS;
}

static int rename_deep_lower_dir_tree(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d/x/y/z"), 0755));
	CHECK_OK(conf_put(L0("d/x/y/z/f"), "deep"));
	CHECK_OK(conf_put(L0("d/x/g"), "g"));
	MOUNT();
	CHECK_OK(rename(M("d"), M("e")));
	CHECK_CONTENT(M("e/x/y/z/f"), "deep");
	CHECK_CONTENT(M("e/x/g"), "g");
	REMOUNT();
	CHECK_CONTENT(M("e/x/y/z/f"), "deep");
	CHECK(!conf_exists(M("d")));
	return CONF_PASS;
}

static int rename_subdir_of_merged_dir(struct testfs *t)
{
	CHECK_OK(prepare_merged_d(t));
	CHECK_OK(conf_mkdirs(L0("d/sub"), 0755));
	CHECK_OK(conf_put(L0("d/sub/top"), "top"));
	MOUNT();
	CHECK_OK(rename(M("d/sub"), M("d/moved")));
	CHECK_STR(conf_names(M("d/moved")), "deep,top");
	CHECK_STR(conf_names(M("d")), "a,b,c,moved");
	REMOUNT();
	CHECK_STR(conf_names(M("d/moved")), "deep,top");
	CHECK_STR(conf_names(M("d")), "a,b,c,moved");
	return CONF_PASS;
}

/* --- renames by a second user in directories made under umask 0 --- */

/* The mount is started under 022 and the directories made under 0, as
 * pjdfstest makes them: a daemon that masks with its own umask makes them
 * 0755 and the second user cannot change them at all. */
static int mount_umask_0(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	umask(022);
	MOUNT();
	umask(0);
	return CONF_PASS;
}

static int rename_21_as_user(void *arg)
{
	struct testfs *t = arg;

	/* Linux asks for write access to a directory only when it moves to
	 * another parent (its ".." changes). */
	CHECK_OK(rename(M("n2/n0"), M("n2/n1")));
	CHECK_OK(rename(M("n2/n1"), M("n2/n0")));
	CHECK_ERR(rename(M("n2/n0"), M("n3/n1")), EACCES);
	/* Write access to both parents is enough to move a file. */
	CHECK_OK(rename(M("n2/f"), M("n3/f1")));
	return CONF_PASS;
}

/* pjdfstest rename/21: root makes two 0777 dirs, a 0700 dir and a file in
 * one of them; a second user renames inside and between them. */
static int rename_by_other_user_in_0777_dirs(struct testfs *t)
{
	int fd;

	TRY(mount_umask_0(t));
	CHECK_OK(mkdir(M("n2"), 0777));
	CHECK_OK(mkdir(M("n3"), 0777));
	CHECK_EQ(conf_lstat(M("n2")).st_mode & 07777, 0777);
	CHECK_OK(mkdir(M("n2/n0"), 0700));
	CHECK_OK(fd = open(M("n2/f"), O_WRONLY | O_CREAT | O_EXCL, 0644));
	close(fd);
	TRY(conf_as_user(rename_21_as_user, t));
	CHECK_STR(conf_names(M("n2")), "n0");
	CHECK_STR(conf_names(M("n3")), "f1");
	CHECK_OK(unlink(M("n3/f1")));
	CHECK_ERR(unlink(M("n2/f")), ENOENT);
	CHECK_OK(rmdir(M("n2/n0")));
	CHECK_OK(rmdir(M("n3")));
	CHECK_OK(rmdir(M("n2")));
	return CONF_PASS;
}

static int sticky_as_user(void *arg)
{
	struct testfs *t = arg;

	CHECK_OK(conf_put(M("tmp/mine"), "m"));
	CHECK_OK(rename(M("tmp/mine"), M("tmp/mine2")));
	CHECK_ERR(rename(M("tmp/rootfile"), M("tmp/x")), EPERM);
	CHECK_ERR(rename(M("tmp/mine2"), M("tmp/rootfile")), EPERM);
	CHECK_ERR(unlink(M("tmp/rootfile")), EPERM);
	CHECK_OK(rename(M("tmp/mine2"), M("pub/mine")));
	return CONF_PASS;
}

/* A sticky 01777 dir made through the mount: anyone may add and rename
 * their own entries, nobody another user's. */
static int rename_by_other_user_in_sticky_dir(struct testfs *t)
{
	TRY(mount_umask_0(t));
	CHECK_OK(mkdir(M("tmp"), 01777));
	CHECK_OK(mkdir(M("pub"), 0777));
	CHECK_EQ(conf_lstat(M("tmp")).st_mode & 07777, 01777);
	CHECK_OK(conf_put(M("tmp/rootfile"), "r"));
	TRY(conf_as_user(sticky_as_user, t));
	CHECK_STR(conf_names(M("tmp")), "rootfile");
	CHECK_CONTENT(M("tmp/rootfile"), "r");
	CHECK_EQ(conf_lstat(M("pub/mine")).st_uid, 65534);
	return CONF_PASS;
}

const struct conf_case conf_cases_rename[] = {
	CONF_CASE(rename_upper_file, 1, 0),
	CONF_CASE(rename_lower_file_copies_up_and_whiteouts_source, 1, 0),
	CONF_CASE(rename_lower_file_persists_after_remount, 1, 0),
	CONF_CASE(rename_file_over_existing_lower_file, 1, 0),
	CONF_CASE(rename_file_over_existing_upper_file, 1, 0),
	CONF_CASE(rename_file_to_whited_out_name, 1, 0),
	CONF_CASE(rename_file_across_directories, 1, 0),
	CONF_CASE(rename_dir_over_empty_upper_dir, 1, 0),
	CONF_CASE(rename_dir_over_empty_lower_dir, 1, 0),
	CONF_CASE(rename_dir_over_nonempty_merged_dir_enotempty, 1, 0),
	CONF_CASE(rename_dir_over_dir_whose_lower_entries_are_gone, 1, 0),
	CONF_CASE(rename_file_over_dir_eisdir, 1, 0),
	CONF_CASE(rename_dir_over_file_enotdir, 1, 0),
	CONF_CASE(rename_upper_dir, 1, 0),
	CONF_CASE(rename_lower_dir_content_at_new_place, 1, 0),
	CONF_CASE(rename_merged_dir_content_at_new_place, 2, 0),
	CONF_CASE(rename_merged_dir_old_name_gone, 2, 0),
	CONF_CASE(rename_merged_dir_persists_after_remount, 2, 0),
	CONF_CASE(rename_merged_dir_upper_is_self_contained_opaque_copy, 2, CONF_CTRFS_ONLY),
	CONF_CASE(rename_merged_dir_keeps_deleted_names_hidden, 2, 0),
	CONF_CASE(rename_merged_dir_then_modify_inside, 2, 0),
	CONF_CASE(rename_merged_dir_open_fd_keeps_working, 2, 0),
	CONF_CASE(rename_merged_dir_to_other_parent, 2, 0),
	CONF_CASE(rename_dir_into_own_subdir_einval, 1, 0),
	CONF_CASE(rename_to_same_name_is_noop, 1, 0),
	CONF_CASE(rename_between_links_of_one_inode_is_noop, 1, 0),
	CONF_CASE(rename_noreplace_over_existing_lower_eexist, 1, 0),
	CONF_CASE(rename_noreplace_over_existing_dir_eexist, 1, 0),
	CONF_CASE(rename_noreplace_to_whited_out_name, 1, 0),
	CONF_CASE(rename_noreplace_to_new_name, 1, 0),
	CONF_CASE(rename_exchange_upper_files, 1, 0),
	CONF_CASE(rename_exchange_lower_files_persists, 1, 0),
	CONF_CASE(rename_exchange_file_and_dir, 1, 0),
	CONF_CASE(rename_exchange_missing_target_enoent, 1, 0),
	CONF_CASE(rename_exchange_merged_dirs, 2, 0),
	CONF_CASE(rename_keeps_st_ino_of_lower_file, 1, 0),
	CONF_CASE(rename_lower_symlink, 1, 0),
	CONF_CASE(rename_file_into_lower_only_dir, 1, 0),
	CONF_CASE(rename_deep_lower_dir_tree, 1, 0),
	CONF_CASE(rename_subdir_of_merged_dir, 2, 0),
	CONF_CASE(rename_by_other_user_in_0777_dirs, 1, CONF_ROOT | CONF_OTHER_UID),
	CONF_CASE(rename_by_other_user_in_sticky_dir, 1, CONF_ROOT | CONF_OTHER_UID),
};
const size_t conf_ncases_rename = sizeof(conf_cases_rename) / sizeof(conf_cases_rename[0]);
