/* unlink, rmdir and mkdir: whiteouts where a lower name must stay hidden,
 * opaque dirs where a new dir replaces a deleted one. */
#include "conf_util.h"

#include <stdio.h>
#include <unistd.h>

static int unlink_lower_file_leaves_whiteout_in_upper(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_put(L0("f"), "lower"));
	MOUNT();
	CHECK_OK(unlink(M("f")));
	CHECK_ERR(lstat(M("f"), &st), ENOENT);
	CHECK(conf_is_whiteout(U("f")));
	CHECK_CONTENT(L0("f"), "lower");
	return CONF_PASS;
}

static int unlink_upper_only_file_leaves_nothing(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "new"));
	CHECK(conf_exists(U("f")));
	CHECK_OK(unlink(M("f")));
	CHECK(!conf_exists(U("f")));
	return CONF_PASS;
}

static int unlink_upper_file_over_lower_leaves_whiteout(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "lower"));
	CHECK_OK(conf_put(U("f"), "upper"));
	MOUNT();
	CHECK_OK(unlink(M("f")));
	CHECK(!conf_exists(M("f")));
	CHECK(conf_is_whiteout(U("f")));
	return CONF_PASS;
}

static int unlink_lower_file_persists_after_remount(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "lower"));
	CHECK_OK(conf_put(L0("g"), "g"));
	MOUNT();
	CHECK_OK(unlink(M("f")));
	REMOUNT();
	CHECK(!conf_exists(M("f")));
	CHECK_STR(conf_names(t->mnt), "g");
	return CONF_PASS;
}

static int unlink_then_create_has_only_new_content(struct testfs *t)
{
	int fd;

	CHECK_OK(conf_put(L0("f"), "old lower content"));
	MOUNT();
	CHECK_OK(unlink(M("f")));
	CHECK_OK(fd = open(M("f"), O_WRONLY | O_CREAT | O_EXCL, 0600));
	CHECK_EQ(write(fd, "new", 3), 3);
	CHECK_OK(close(fd));
	CHECK_CONTENT(M("f"), "new");
	CHECK(S_ISREG(conf_lstat(U("f")).st_mode));
	REMOUNT();
	CHECK_CONTENT(M("f"), "new");
	return CONF_PASS;
}

static int unlink_in_lower_subdir_copies_parent_up(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0750));
	CHECK_OK(conf_put(L0("d/f"), "f"));
	CHECK_OK(conf_put(L0("d/g"), "g"));
	MOUNT();
	CHECK_OK(unlink(M("d/f")));
	CHECK(S_ISDIR(conf_lstat(U("d")).st_mode));
	CHECK_EQ(conf_lstat(U("d")).st_mode & 07777, 0750);
	CHECK(conf_is_whiteout(U("d/f")));
	CHECK_STR(conf_names(M("d")), "g");
	return CONF_PASS;
}

static int unlink_file_from_bottom_of_three_layers(struct testfs *t)
{
	CHECK_OK(conf_put(L2("f"), "bottom"));
	CHECK_OK(conf_put(L0("g"), "g"));
	MOUNT();
	CHECK_OK(unlink(M("f")));
	CHECK(!conf_exists(M("f")));
	CHECK(conf_is_whiteout(U("f")));
	return CONF_PASS;
}

static int unlink_directory_fails(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	/* Linux returns EISDIR for unlink(2) of a directory. */
	CHECK_ERR(unlink(M("d")), EISDIR);
	CHECK(S_ISDIR(conf_lstat(M("d")).st_mode));
	return CONF_PASS;
}

static int unlink_missing_name_enoent(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "x"));
	MOUNT();
	CHECK_ERR(unlink(M("nothing")), ENOENT);
	CHECK_STR(conf_names(t->upper), "");
	return CONF_PASS;
}

static int rmdir_lower_empty_dir_leaves_whiteout(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	CHECK_OK(rmdir(M("d")));
	CHECK(!conf_exists(M("d")));
	CHECK(conf_is_whiteout(U("d")));
	REMOUNT();
	CHECK(!conf_exists(M("d")));
	return CONF_PASS;
}

static int rmdir_merged_dir_with_lower_entries_enotempty(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/f"), "f"));
	MOUNT();
	CHECK_ERR(rmdir(M("d")), ENOTEMPTY);
	CHECK_CONTENT(M("d/f"), "f");
	return CONF_PASS;
}

static int rmdir_after_unlinking_lower_entries(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_put(L0("d/b"), "b"));
	MOUNT();
	CHECK_OK(unlink(M("d/a")));
	CHECK_OK(unlink(M("d/b")));
	CHECK_OK(rmdir(M("d")));
	CHECK(!conf_exists(M("d")));
	CHECK(conf_is_whiteout(U("d")));
	REMOUNT();
	CHECK(!conf_exists(M("d")));
	return CONF_PASS;
}

static int rmdir_upper_only_dir_leaves_nothing(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(mkdir(M("d"), 0755));
	CHECK_OK(rmdir(M("d")));
	CHECK(!conf_exists(U("d")));
	return CONF_PASS;
}

static int rmdir_of_file_enotdir(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "x"));
	MOUNT();
	CHECK_ERR(rmdir(M("f")), ENOTDIR);
	return CONF_PASS;
}

static int rmdir_nonempty_upper_dir_enotempty(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(mkdir(M("d"), 0755));
	CHECK_OK(conf_put(M("d/f"), "f"));
	CHECK_ERR(rmdir(M("d")), ENOTEMPTY);
	return CONF_PASS;
}

static int rmdir_with_entries_only_in_bottom_layer_enotempty(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_mkdirs(L2("d"), 0755));
	CHECK_OK(conf_put(L2("d/deep"), "x"));
	MOUNT();
	CHECK_ERR(rmdir(M("d")), ENOTEMPTY);
	return CONF_PASS;
}

static int rmdir_opaque_dir_hiding_lower_entries(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/x"), "x"));
	CHECK_OK(conf_mkdirs(U("d"), 0755));
	CHECK_OK(conf_set_opaque(t, U("d")));
	MOUNT();
	CHECK_OK(rmdir(M("d")));
	CHECK(!conf_exists(M("d")));
	CHECK(conf_is_whiteout(U("d")));
	return CONF_PASS;
}

static int rmdir_dir_holding_only_whiteouts(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	MOUNT();
	CHECK_OK(conf_put(M("d/b"), "b"));
	CHECK_OK(unlink(M("d/a")));
	CHECK_OK(unlink(M("d/b")));
	CHECK_OK(rmdir(M("d")));
	CHECK(!conf_exists(M("d")));
	CHECK(conf_is_whiteout(U("d")));
	return CONF_PASS;
}

static int mkdir_over_whiteout_is_opaque(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/x"), "x"));
	MOUNT();
	CHECK_OK(unlink(M("d/x")));
	CHECK_OK(rmdir(M("d")));
	CHECK_OK(mkdir(M("d"), 0700));
	CHECK(S_ISDIR(conf_lstat(U("d")).st_mode));
	CHECK(conf_is_opaque(t, U("d")));
	CHECK_EQ(conf_lstat(M("d")).st_mode & 07777, 0700);
	return CONF_PASS;
}

static int mkdir_over_whiteout_lists_empty(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/x"), "x"));
	CHECK_OK(conf_whiteout(U("d")));
	MOUNT();
	CHECK_OK(mkdir(M("d"), 0755));
	CHECK_STR(conf_names(M("d")), "");
	CHECK_ERR(lstat(M("d/x"), &st), ENOENT);
	CHECK_OK(conf_put(M("d/new"), "n"));
	CHECK_STR(conf_names(M("d")), "new");
	return CONF_PASS;
}

static int mkdir_over_whiteout_persists_after_remount(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/x"), "x"));
	CHECK_OK(conf_whiteout(U("d")));
	MOUNT();
	CHECK_OK(mkdir(M("d"), 0755));
	REMOUNT();
	CHECK_STR(conf_names(M("d")), "");
	CHECK(!conf_exists(M("d/x")));
	return CONF_PASS;
}

/* The whiteout in the top lower keeps hiding the dir below it, so an
 * opaque marker on the new upper dir is optional (the kernel sets none
 * under userxattr). */
static int mkdir_over_lower_whiteout_hides_dir_below(struct testfs *t)
{
	CHECK_OK(conf_whiteout(L0("d")));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L1("d/x"), "x"));
	MOUNT();
	CHECK_OK(mkdir(M("d"), 0755));
	CHECK_STR(conf_names(M("d")), "");
	CHECK(!conf_exists(M("d/x")));
	REMOUNT();
	CHECK_STR(conf_names(M("d")), "");
	return CONF_PASS;
}

/* (Whether the new upper dir is marked opaque is an implementation choice:
 * the kernel marks it as a lookup optimisation.) */
static int mkdir_new_name_in_lower_dir_lands_in_upper(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("p"), 0755));
	CHECK_OK(conf_put(L0("p/x"), "x"));
	MOUNT();
	CHECK_OK(mkdir(M("p/d"), 0755));
	CHECK(S_ISDIR(conf_lstat(U("p/d")).st_mode));
	CHECK_STR(conf_names(M("p")), "d,x");
	CHECK_STR(conf_names(M("p/d")), "");
	REMOUNT();
	CHECK_STR(conf_names(M("p")), "d,x");
	return CONF_PASS;
}

static int mkdir_over_lower_dir_eexist(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("f"), "f"));
	MOUNT();
	CHECK_ERR(mkdir(M("d"), 0755), EEXIST);
	CHECK_ERR(mkdir(M("f"), 0755), EEXIST);
	return CONF_PASS;
}

static int mkdir_mode_and_owner_follow_creator(struct testfs *t)
{
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(mkdir(M("d"), 0751));
	struct stat st = conf_lstat(M("d"));
	CHECK_EQ(st.st_mode & 07777, 0751);
	CHECK_EQ(st.st_uid, geteuid());
	CHECK_EQ(st.st_gid, getegid());
	return CONF_PASS;
}

static int rmdir_then_mkdir_nested_opaque_levels(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("a/b"), 0755));
	CHECK_OK(conf_put(L0("a/b/x"), "x"));
	CHECK_OK(conf_put(L0("a/y"), "y"));
	MOUNT();
	CHECK_OK(unlink(M("a/b/x")));
	CHECK_OK(rmdir(M("a/b")));
	CHECK_OK(unlink(M("a/y")));
	CHECK_OK(rmdir(M("a")));
	CHECK_OK(mkdir(M("a"), 0755));
	CHECK_OK(mkdir(M("a/b"), 0755));
	CHECK_STR(conf_names(M("a")), "b");
	CHECK_STR(conf_names(M("a/b")), "");
	REMOUNT();
	CHECK_STR(conf_names(M("a")), "b");
	CHECK_STR(conf_names(M("a/b")), "");
	return CONF_PASS;
}

const struct conf_case conf_cases_remove[] = {
	CONF_CASE(unlink_lower_file_leaves_whiteout_in_upper, 1, 0),
	CONF_CASE(unlink_upper_only_file_leaves_nothing, 1, 0),
	CONF_CASE(unlink_upper_file_over_lower_leaves_whiteout, 1, 0),
	CONF_CASE(unlink_lower_file_persists_after_remount, 1, 0),
	CONF_CASE(unlink_then_create_has_only_new_content, 1, 0),
	CONF_CASE(unlink_in_lower_subdir_copies_parent_up, 1, 0),
	CONF_CASE(unlink_file_from_bottom_of_three_layers, 3, 0),
	CONF_CASE(unlink_directory_fails, 1, 0),
	CONF_CASE(unlink_missing_name_enoent, 1, 0),
	CONF_CASE(rmdir_lower_empty_dir_leaves_whiteout, 1, 0),
	CONF_CASE(rmdir_merged_dir_with_lower_entries_enotempty, 1, 0),
	CONF_CASE(rmdir_after_unlinking_lower_entries, 1, 0),
	CONF_CASE(rmdir_upper_only_dir_leaves_nothing, 1, 0),
	CONF_CASE(rmdir_of_file_enotdir, 1, 0),
	CONF_CASE(rmdir_nonempty_upper_dir_enotempty, 1, 0),
	CONF_CASE(rmdir_with_entries_only_in_bottom_layer_enotempty, 3, 0),
	CONF_CASE(rmdir_opaque_dir_hiding_lower_entries, 1, 0),
	CONF_CASE(rmdir_dir_holding_only_whiteouts, 1, 0),
	CONF_CASE(mkdir_over_whiteout_is_opaque, 1, 0),
	CONF_CASE(mkdir_over_whiteout_lists_empty, 1, 0),
	CONF_CASE(mkdir_over_whiteout_persists_after_remount, 1, 0),
	CONF_CASE(mkdir_over_lower_whiteout_hides_dir_below, 2, 0),
	CONF_CASE(mkdir_new_name_in_lower_dir_lands_in_upper, 1, 0),
	CONF_CASE(mkdir_over_lower_dir_eexist, 1, 0),
	CONF_CASE(mkdir_mode_and_owner_follow_creator, 1, 0),
	CONF_CASE(rmdir_then_mkdir_nested_opaque_levels, 1, 0),
};
const size_t conf_ncases_remove = sizeof(conf_cases_remove) / sizeof(conf_cases_remove[0]);
