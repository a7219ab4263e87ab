/* Lookup through the layers: shadowing, whiteouts and opaque directories
 * in overlayfs format and in OCI format. */
#include "conf_util.h"

#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static int lookup_lower_file_visible(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "lower"));
	MOUNT();
	CHECK_CONTENT(M("f"), "lower");
	CHECK(S_ISREG(conf_lstat(M("f")).st_mode));
	/* Reading is no modification: nothing may be copied up. */
	CHECK_STR(conf_names(t->upper), "");
	return CONF_PASS;
}

static int lookup_upper_file_shadows_lower(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "lower"));
	CHECK_OK(conf_put(U("f"), "upper"));
	MOUNT();
	CHECK_CONTENT(M("f"), "upper");
	return CONF_PASS;
}

static int lookup_top_lower_shadows_bottom_lowers(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "top"));
	CHECK_OK(conf_put(L1("f"), "middle"));
	CHECK_OK(conf_put(L2("f"), "bottom"));
	CHECK_OK(conf_put(L1("g"), "middle"));
	CHECK_OK(conf_put(L2("g"), "bottom"));
	MOUNT();
	CHECK_CONTENT(M("f"), "top");
	CHECK_CONTENT(M("g"), "middle");
	return CONF_PASS;
}

static int lookup_bottom_layer_file_through_empty_layers(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L2("a/b"), 0755));
	CHECK_OK(conf_put(L2("a/b/f"), "bottom"));
	MOUNT();
	CHECK_CONTENT(M("a/b/f"), "bottom");
	return CONF_PASS;
}

static int lookup_missing_name_enoent(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_put(L0("f"), "x"));
	MOUNT();
	CHECK_ERR(lstat(M("nothing"), &st), ENOENT);
	CHECK_ERR(lstat(M("nothing/below"), &st), ENOENT);
	CHECK_ERR(open(M("nothing"), O_RDONLY), ENOENT);
	return CONF_PASS;
}

static int lookup_merged_dir_reaches_every_layer(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_mkdirs(L2("d"), 0755));
	CHECK_OK(conf_mkdirs(U("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "0"));
	CHECK_OK(conf_put(L1("d/b"), "1"));
	CHECK_OK(conf_put(L2("d/c"), "2"));
	CHECK_OK(conf_put(U("d/u"), "u"));
	MOUNT();
	CHECK_CONTENT(M("d/a"), "0");
	CHECK_CONTENT(M("d/b"), "1");
	CHECK_CONTENT(M("d/c"), "2");
	CHECK_CONTENT(M("d/u"), "u");
	return CONF_PASS;
}

static int lookup_upper_file_hides_lower_dir(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/x"), "x"));
	CHECK_OK(conf_put(U("d"), "file"));
	MOUNT();
	CHECK(S_ISREG(conf_lstat(M("d")).st_mode));
	CHECK_CONTENT(M("d"), "file");
	CHECK_ERR(lstat(M("d/x"), &st), ENOTDIR);
	return CONF_PASS;
}

static int lookup_upper_dir_hides_lower_file(struct testfs *t)
{
	CHECK_OK(conf_put(L0("d"), "file"));
	CHECK_OK(conf_mkdirs(U("d"), 0755));
	CHECK_OK(conf_put(U("d/y"), "y"));
	MOUNT();
	CHECK(S_ISDIR(conf_lstat(M("d")).st_mode));
	CHECK_STR(conf_names(M("d")), "y");
	return CONF_PASS;
}

static int lookup_lower_file_stops_merge_with_dir_below(struct testfs *t)
{
	CHECK_OK(conf_put(L0("d"), "file"));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L1("d/x"), "x"));
	MOUNT();
	CHECK(S_ISREG(conf_lstat(M("d")).st_mode));
	CHECK_CONTENT(M("d"), "file");
	return CONF_PASS;
}

static int lookup_lower_dir_hides_file_below(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_put(L1("d"), "file"));
	MOUNT();
	CHECK(S_ISDIR(conf_lstat(M("d")).st_mode));
	CHECK_STR(conf_names(M("d")), "a");
	return CONF_PASS;
}

static int lookup_through_regular_file_enotdir(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_put(L0("f"), "x"));
	MOUNT();
	CHECK_ERR(lstat(M("f/x"), &st), ENOTDIR);
	CHECK_ERR(open(M("f/x"), O_RDONLY), ENOTDIR);
	return CONF_PASS;
}

static int lookup_merged_dir_attrs_from_topmost_layer(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0750));
	CHECK_OK(conf_mkdirs(L1("d"), 0700));
	CHECK_OK(conf_put(L1("d/b"), "b"));
	CHECK_OK(conf_set_times(L0("d"), 1500000000, 111, 1500000000, 222222222));
	MOUNT();
	CHECK_EQ(conf_lstat(M("d")).st_mode & 07777, 0750);
	CHECK_EQ(conf_lstat(M("d")).st_mtim.tv_nsec, 222222222);
	CHECK_CONTENT(M("d/b"), "b");
	return CONF_PASS;
}

static int lookup_dotdot_of_merged_dir_is_parent(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("a/b"), 0755));
	CHECK_OK(conf_mkdirs(L1("a/b"), 0755));
	CHECK_OK(conf_put(L1("a/top"), "t"));
	MOUNT();
	CHECK_CONTENT(M("a/b/../top"), "t");
	CHECK_EQ(conf_lstat(M("a/b/..")).st_ino, conf_lstat(M("a")).st_ino);
	return CONF_PASS;
}

/* --- overlayfs-format whiteouts (char 0/0) --- */

static int whiteout_in_upper_hides_lower_file(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_put(L0("f"), "lower"));
	CHECK_OK(conf_whiteout(U("f")));
	MOUNT();
	CHECK_ERR(lstat(M("f"), &st), ENOENT);
	CHECK_ERR(open(M("f"), O_RDONLY), ENOENT);
	return CONF_PASS;
}

static int whiteout_in_top_lower_hides_bottom_file(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_whiteout(L0("f")));
	CHECK_OK(conf_put(L1("f"), "bottom"));
	CHECK_OK(conf_put(L1("g"), "g"));
	MOUNT();
	CHECK_ERR(lstat(M("f"), &st), ENOENT);
	CHECK_CONTENT(M("g"), "g");
	return CONF_PASS;
}

static int whiteout_does_not_hide_file_above_it(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "top"));
	CHECK_OK(conf_whiteout(L1("f")));
	CHECK_OK(conf_put(L2("f"), "bottom"));
	MOUNT();
	CHECK_CONTENT(M("f"), "top");
	return CONF_PASS;
}

static int whiteout_hides_lower_dir_and_its_entries(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/x"), "x"));
	CHECK_OK(conf_whiteout(U("d")));
	MOUNT();
	CHECK_ERR(lstat(M("d"), &st), ENOENT);
	CHECK_ERR(lstat(M("d/x"), &st), ENOENT);
	return CONF_PASS;
}

static int whiteout_hides_lower_symlink(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_put(L0("target"), "t"));
	CHECK_OK(symlink("target", L0("s")));
	CHECK_OK(conf_whiteout(U("s")));
	MOUNT();
	CHECK_ERR(lstat(M("s"), &st), ENOENT);
	CHECK_CONTENT(M("target"), "t");
	return CONF_PASS;
}

static int whiteout_in_upper_without_lower_name_is_harmless(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_put(L0("other"), "o"));
	CHECK_OK(conf_whiteout(U("ghost")));
	MOUNT();
	CHECK_ERR(lstat(M("ghost"), &st), ENOENT);
	CHECK_STR(conf_names(t->mnt), "other");
	CHECK_OK(conf_put(M("ghost"), "now"));
	CHECK_CONTENT(M("ghost"), "now");
	return CONF_PASS;
}

static int create_over_whiteout_has_only_new_content(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "old lower content"));
	CHECK_OK(conf_whiteout(U("f")));
	MOUNT();
	int fd = open(M("f"), O_WRONLY | O_CREAT | O_EXCL, 0640);
	CHECK_OK(fd);
	CHECK_EQ(write(fd, "new", 3), 3);
	CHECK_OK(close(fd));
	CHECK_CONTENT(M("f"), "new");
	CHECK_EQ(conf_lstat(M("f")).st_mode & 07777, 0640);
	CHECK(S_ISREG(conf_lstat(U("f")).st_mode));
	CHECK_CONTENT(U("f"), "new");
	return CONF_PASS;
}

static int char_device_other_than_0_0_is_not_whiteout(struct testfs *t)
{
	CHECK_OK(mknod(L0("null"), S_IFCHR | 0644, makedev(1, 3)));
	CHECK_OK(conf_put(L1("null"), "hidden by the device"));
	MOUNT();
	struct stat st = conf_lstat(M("null"));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_rdev, makedev(1, 3));
	CHECK_STR(conf_names(t->mnt), "null");
	return CONF_PASS;
}

/* --- opaque directories (xattr) --- */

static int opaque_upper_dir_hides_lower_entries(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_mkdirs(U("d"), 0755));
	CHECK_OK(conf_put(U("d/b"), "b"));
	CHECK_OK(conf_set_opaque(t, U("d")));
	MOUNT();
	CHECK_STR(conf_names(M("d")), "b");
	CHECK_ERR(lstat(M("d/a"), &st), ENOENT);
	return CONF_PASS;
}

static int opaque_top_lower_dir_hides_bottom_entries(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_set_opaque(t, L0("d")));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L1("d/b"), "b"));
	MOUNT();
	CHECK_STR(conf_names(M("d")), "a");
	return CONF_PASS;
}

static int opaque_middle_lower_stops_merge_below_only(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L1("d/b"), "b"));
	CHECK_OK(conf_set_opaque(t, L1("d")));
	CHECK_OK(conf_mkdirs(L2("d"), 0755));
	CHECK_OK(conf_put(L2("d/c"), "c"));
	MOUNT();
	CHECK_STR(conf_names(M("d")), "a,b");
	return CONF_PASS;
}

static int opaque_dir_hides_lower_subdir_tree(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_mkdirs(L0("d/sub/deeper"), 0755));
	CHECK_OK(conf_put(L0("d/sub/deeper/f"), "f"));
	CHECK_OK(conf_mkdirs(U("d"), 0755));
	CHECK_OK(conf_set_opaque(t, U("d")));
	MOUNT();
	CHECK_ERR(lstat(M("d/sub"), &st), ENOENT);
	CHECK_ERR(lstat(M("d/sub/deeper/f"), &st), ENOENT);
	CHECK_STR(conf_names(M("d")), "");
	return CONF_PASS;
}

/* Only the namespace the mount uses marks opaque dirs; as real root that is
 * trusted.overlay, so a user.overlay.opaque xattr is just a user xattr. */
static int opaque_marker_in_other_namespace_is_ignored(struct testfs *t)
{
	char v[8];

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(lsetxattr(L0("d"), "user.overlay.opaque", "y", 1, 0));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L1("d/b"), "b"));
	MOUNT();
	CHECK_STR(conf_names(M("d")), "a,b");
	CHECK_EQ(lgetxattr(M("d"), "user.overlay.opaque", v, sizeof(v)), 1);
	return CONF_PASS;
}

/* --- OCI whiteouts in lowers (ctrfs reads image layers as unpacked) --- */

static int oci_whiteout_hides_lower_file(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_put(L0(".wh.f"), ""));
	CHECK_OK(conf_put(L1("f"), "bottom"));
	CHECK_OK(conf_put(L1("g"), "g"));
	MOUNT();
	CHECK_ERR(lstat(M("f"), &st), ENOENT);
	CHECK_CONTENT(M("g"), "g");
	return CONF_PASS;
}

static int oci_whiteout_marker_not_listed(struct testfs *t)
{
	CHECK_OK(conf_put(L0(".wh.f"), ""));
	CHECK_OK(conf_put(L0("a"), "a"));
	CHECK_OK(conf_put(L1("f"), "bottom"));
	CHECK_OK(conf_put(L1("g"), "g"));
	MOUNT();
	CHECK_STR(conf_names(t->mnt), "a,g");
	return CONF_PASS;
}

static int oci_whiteout_marker_name_not_found(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_put(L0(".wh.f"), ""));
	CHECK_OK(conf_put(L1("f"), "bottom"));
	MOUNT();
	CHECK_ERR(lstat(M(".wh.f"), &st), ENOENT);
	return CONF_PASS;
}

static int oci_whiteout_hides_lower_dir(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_put(L0(".wh.d"), ""));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L1("d/x"), "x"));
	MOUNT();
	CHECK_ERR(lstat(M("d"), &st), ENOENT);
	CHECK_ERR(lstat(M("d/x"), &st), ENOENT);
	return CONF_PASS;
}

static int oci_whiteout_in_subdir_hides_only_that_name(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/.wh.x"), ""));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L1("d/x"), "x"));
	CHECK_OK(conf_put(L1("d/y"), "y"));
	MOUNT();
	CHECK_STR(conf_names(M("d")), "y");
	return CONF_PASS;
}

static int oci_opaque_marker_hides_lower_entries(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/.wh..wh..opq"), ""));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L1("d/b"), "b"));
	MOUNT();
	CHECK_STR(conf_names(M("d")), "a");
	return CONF_PASS;
}

static int oci_opaque_marker_not_found_by_name(struct testfs *t)
{
	struct stat st;

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/.wh..wh..opq"), ""));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L1("d/b"), "b"));
	MOUNT();
	CHECK_ERR(lstat(M("d/.wh..wh..opq"), &st), ENOENT);
	CHECK_ERR(lstat(M("d/b"), &st), ENOENT);
	return CONF_PASS;
}

static int oci_whiteout_below_file_does_not_hide_it(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "top"));
	CHECK_OK(conf_put(L1(".wh.f"), ""));
	CHECK_OK(conf_put(L2("f"), "bottom"));
	MOUNT();
	CHECK_CONTENT(M("f"), "top");
	CHECK_STR(conf_names(t->mnt), "f");
	return CONF_PASS;
}

static int oci_create_over_oci_whiteout(struct testfs *t)
{
	CHECK_OK(conf_put(L0(".wh.f"), ""));
	CHECK_OK(conf_put(L1("f"), "old bottom content"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "new"));
	CHECK_CONTENT(M("f"), "new");
	CHECK_STR(conf_names(t->mnt), "f");
	CHECK_CONTENT(U("f"), "new");
	REMOUNT();
	CHECK_CONTENT(M("f"), "new");
	return CONF_PASS;
}

/* The OCI whiteout in the top lower keeps hiding the dir below, so an
 * opaque marker on the new upper dir is optional here. */
static int oci_mkdir_over_oci_whiteout_hides_dir_below(struct testfs *t)
{
	CHECK_OK(conf_put(L0(".wh.d"), ""));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L1("d/x"), "x"));
	MOUNT();
	CHECK_OK(mkdir(M("d"), 0755));
	CHECK_STR(conf_names(M("d")), "");
	CHECK(!conf_exists(M("d/x")));
	REMOUNT();
	CHECK_STR(conf_names(M("d")), "");
	CHECK(!conf_exists(M("d/x")));
	return CONF_PASS;
}

static int oci_unlink_of_hidden_name_enoent(struct testfs *t)
{
	CHECK_OK(conf_put(L0(".wh.f"), ""));
	CHECK_OK(conf_put(L1("f"), "bottom"));
	MOUNT();
	CHECK_ERR(unlink(M("f")), ENOENT);
	CHECK_ERR(unlink(M(".wh.f")), ENOENT);
	return CONF_PASS;
}

static int oci_and_overlay_whiteouts_in_one_layer_stack(struct testfs *t)
{
	CHECK_OK(conf_put(L0(".wh.a"), ""));
	CHECK_OK(conf_whiteout(L0("b")));
	CHECK_OK(conf_put(L1("a"), "a"));
	CHECK_OK(conf_put(L1("b"), "b"));
	CHECK_OK(conf_put(L1("c"), "c"));
	MOUNT();
	CHECK_STR(conf_names(t->mnt), "c");
	return CONF_PASS;
}

const struct conf_case conf_cases_lookup[] = {
	CONF_CASE(lookup_lower_file_visible, 1, 0),
	CONF_CASE(lookup_upper_file_shadows_lower, 1, 0),
	CONF_CASE(lookup_top_lower_shadows_bottom_lowers, 3, 0),
	CONF_CASE(lookup_bottom_layer_file_through_empty_layers, 3, 0),
	CONF_CASE(lookup_missing_name_enoent, 2, 0),
	CONF_CASE(lookup_merged_dir_reaches_every_layer, 3, 0),
	CONF_CASE(lookup_upper_file_hides_lower_dir, 1, 0),
	CONF_CASE(lookup_upper_dir_hides_lower_file, 1, 0),
	CONF_CASE(lookup_lower_file_stops_merge_with_dir_below, 2, 0),
	CONF_CASE(lookup_lower_dir_hides_file_below, 2, 0),
	CONF_CASE(lookup_through_regular_file_enotdir, 1, 0),
	CONF_CASE(lookup_merged_dir_attrs_from_topmost_layer, 2, 0),
	CONF_CASE(lookup_dotdot_of_merged_dir_is_parent, 2, 0),
	CONF_CASE(whiteout_in_upper_hides_lower_file, 1, 0),
	CONF_CASE(whiteout_in_top_lower_hides_bottom_file, 2, 0),
	CONF_CASE(whiteout_does_not_hide_file_above_it, 3, 0),
	CONF_CASE(whiteout_hides_lower_dir_and_its_entries, 1, 0),
	CONF_CASE(whiteout_hides_lower_symlink, 1, 0),
	CONF_CASE(whiteout_in_upper_without_lower_name_is_harmless, 1, 0),
	CONF_CASE(create_over_whiteout_has_only_new_content, 1, 0),
	CONF_CASE(char_device_other_than_0_0_is_not_whiteout, 2, CONF_ROOT),
	CONF_CASE(opaque_upper_dir_hides_lower_entries, 1, 0),
	CONF_CASE(opaque_top_lower_dir_hides_bottom_entries, 2, 0),
	CONF_CASE(opaque_middle_lower_stops_merge_below_only, 3, 0),
	CONF_CASE(opaque_dir_hides_lower_subdir_tree, 1, 0),
	CONF_CASE(opaque_marker_in_other_namespace_is_ignored, 2, CONF_ROOT),
	CONF_CASE(oci_whiteout_hides_lower_file, 2, CONF_CTRFS_ONLY),
	CONF_CASE(oci_whiteout_marker_not_listed, 2, CONF_CTRFS_ONLY),
	CONF_CASE(oci_whiteout_marker_name_not_found, 2, CONF_CTRFS_ONLY),
	CONF_CASE(oci_whiteout_hides_lower_dir, 2, CONF_CTRFS_ONLY),
	CONF_CASE(oci_whiteout_in_subdir_hides_only_that_name, 2, CONF_CTRFS_ONLY),
	CONF_CASE(oci_opaque_marker_hides_lower_entries, 2, CONF_CTRFS_ONLY),
	CONF_CASE(oci_opaque_marker_not_found_by_name, 2, CONF_CTRFS_ONLY),
	CONF_CASE(oci_whiteout_below_file_does_not_hide_it, 3, CONF_CTRFS_ONLY),
	CONF_CASE(oci_create_over_oci_whiteout, 2, CONF_CTRFS_ONLY),
	CONF_CASE(oci_mkdir_over_oci_whiteout_hides_dir_below, 2, CONF_CTRFS_ONLY),
	CONF_CASE(oci_unlink_of_hidden_name_enoent, 2, CONF_CTRFS_ONLY),
	CONF_CASE(oci_and_overlay_whiteouts_in_one_layer_stack, 2, CONF_CTRFS_ONLY),
};
const size_t conf_ncases_lookup = sizeof(conf_cases_lookup) / sizeof(conf_cases_lookup[0]);
