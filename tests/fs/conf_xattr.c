/* Extended attributes through the mount: user xattrs behave as on the
 * backing fs, overlay-private ones never show. */
#include "conf_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/xattr.h>
#include <unistd.h>

/* listxattr names, sorted and joined by ',' (static buffer), or NULL. */
static const char *xattr_names(const char *path)
{
	static char out[8192];
	char raw[8192], *names[256];
	ssize_t len = llistxattr(path, raw, sizeof(raw));
	size_t n = 0, pos = 0;

	if (len < 0) {
		conf_diag("listxattr %s: %s", path, strerror(errno));
		return NULL;
	}
	for (char *p = raw; p < raw + len && n < 256; p += strlen(p) + 1)
		names[n++] = p;
	for (size_t i = 1; i < n; i++) /* insertion sort: a few names */
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *tmp = names[j];
			names[j] = names[j - 1];
			names[j - 1] = tmp;
		}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		pos += (size_t)snprintf(out + pos, sizeof(out) - pos, "%s%s", i ? "," : "", names[i]);
	return out;
}

static int xattr_set_and_get_on_new_file(struct testfs *t)
{
	char v[32];

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "F"));
	CHECK_OK(lsetxattr(M("f"), "user.key", "value", 5, 0));
	CHECK_EQ(lgetxattr(M("f"), "user.key", v, sizeof(v)), 5);
	CHECK(!memcmp(v, "value", 5));
	CHECK_EQ(lgetxattr(U("f"), "user.key", v, sizeof(v)), 5);
	return CONF_PASS;
}

static int xattr_get_from_lower_file_without_copyup(struct testfs *t)
{
	char v[32];

	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(lsetxattr(L0("f"), "user.key", "lower", 5, 0));
	MOUNT();
	CHECK_EQ(lgetxattr(M("f"), "user.key", v, sizeof(v)), 5);
	CHECK(!memcmp(v, "lower", 5));
	CHECK(!conf_exists(U("f")));
	return CONF_PASS;
}

static int xattr_set_on_lower_file_copies_up(struct testfs *t)
{
	char v[32];

	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(lsetxattr(L0("f"), "user.old", "1", 1, 0));
	MOUNT();
	CHECK_OK(lsetxattr(M("f"), "user.new", "2", 1, 0));
	CHECK_STR(xattr_names(M("f")), "user.new,user.old");
	CHECK_EQ(lgetxattr(U("f"), "user.new", v, sizeof(v)), 1);
	CHECK_ERR(lgetxattr(L0("f"), "user.new", v, sizeof(v)), ENODATA);
	return CONF_PASS;
}

static int xattr_list_shows_exactly_user_names(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(lsetxattr(L0("f"), "user.b", "b", 1, 0));
	CHECK_OK(lsetxattr(L0("f"), "user.a", "a", 1, 0));
	MOUNT();
	CHECK_STR(xattr_names(M("f")), "user.a,user.b");
	return CONF_PASS;
}

static int xattr_list_hides_private_names_after_copyup(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(lsetxattr(L0("f"), "user.a", "a", 1, 0));
	CHECK_OK(conf_put(L0("g"), "G"));
	MOUNT();
	CHECK_OK(chmod(M("f"), 0600));
	CHECK_OK(chmod(M("g"), 0600));
	CHECK_STR(xattr_names(M("f")), "user.a");
	CHECK_STR(xattr_names(M("g")), "");
	return CONF_PASS;
}

static int xattr_list_hides_opaque_marker(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("lowerop"), 0755));
	CHECK_OK(conf_set_opaque(t, L0("lowerop")));
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/x"), "x"));
	MOUNT();
	CHECK_OK(unlink(M("d/x")));
	CHECK_OK(rmdir(M("d")));
	CHECK_OK(mkdir(M("d"), 0755));
	CHECK(conf_is_opaque(t, U("d")));
	CHECK_STR(xattr_names(M("d")), "");
	CHECK_STR(xattr_names(M("lowerop")), "");
	return CONF_PASS;
}

static int xattr_get_of_opaque_marker_refused(struct testfs *t)
{
	char name[64], v[8];

	snprintf(name, sizeof(name), "%sopaque", testfs_ovl_xattr_prefix(t));
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_set_opaque(t, L0("d")));
	MOUNT();
	errno = 0;
	ssize_t n = lgetxattr(M("d"), name, v, sizeof(v));
	int err = errno;
	CHECK_EQ(n, -1);
	if (err != ENODATA && err != EOPNOTSUPP)
		CONF_FAILED("getxattr %s: errno %s, want ENODATA or EOPNOTSUPP", name, strerrorname_np(err));
	return CONF_PASS;
}

static int xattr_remove_on_upper_file(struct testfs *t)
{
	char v[8];

	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "F"));
	CHECK_OK(lsetxattr(M("f"), "user.k", "v", 1, 0));
	CHECK_OK(lremovexattr(M("f"), "user.k"));
	CHECK_ERR(lgetxattr(M("f"), "user.k", v, sizeof(v)), ENODATA);
	CHECK_STR(xattr_names(M("f")), "");
	return CONF_PASS;
}

static int xattr_remove_on_lower_file_copies_up(struct testfs *t)
{
	char v[8];

	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(lsetxattr(L0("f"), "user.k", "v", 1, 0));
	CHECK_OK(lsetxattr(L0("f"), "user.keep", "w", 1, 0));
	MOUNT();
	CHECK_OK(lremovexattr(M("f"), "user.k"));
	CHECK_ERR(lgetxattr(M("f"), "user.k", v, sizeof(v)), ENODATA);
	CHECK_STR(xattr_names(M("f")), "user.keep");
	CHECK_ERR(lgetxattr(U("f"), "user.k", v, sizeof(v)), ENODATA);
	CHECK_EQ(lgetxattr(L0("f"), "user.k", v, sizeof(v)), 1);
	REMOUNT();
	CHECK_STR(xattr_names(M("f")), "user.keep");
	return CONF_PASS;
}

static int xattr_remove_missing_enodata(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(lremovexattr(M("f"), "user.none"), ENODATA);
	return CONF_PASS;
}

static int xattr_create_flag_on_existing_eexist(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(lsetxattr(L0("f"), "user.k", "v", 1, 0));
	MOUNT();
	CHECK_ERR(lsetxattr(M("f"), "user.k", "w", 1, XATTR_CREATE), EEXIST);
	return CONF_PASS;
}

static int xattr_replace_flag_on_missing_enodata(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(lsetxattr(M("f"), "user.k", "w", 1, XATTR_REPLACE), ENODATA);
	return CONF_PASS;
}

static int xattr_replace_flag_on_existing(struct testfs *t)
{
	char v[8];

	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(lsetxattr(L0("f"), "user.k", "old", 3, 0));
	MOUNT();
	CHECK_OK(lsetxattr(M("f"), "user.k", "new!", 4, XATTR_REPLACE));
	CHECK_EQ(lgetxattr(M("f"), "user.k", v, sizeof(v)), 4);
	CHECK(!memcmp(v, "new!", 4));
	return CONF_PASS;
}

static int xattr_get_missing_enodata(struct testfs *t)
{
	char v[8];

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(lgetxattr(M("f"), "user.none", v, sizeof(v)), ENODATA);
	return CONF_PASS;
}

static int xattr_size_query_returns_length(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(lsetxattr(L0("f"), "user.k", "0123456789", 10, 0));
	MOUNT();
	CHECK_EQ(lgetxattr(M("f"), "user.k", NULL, 0), 10);
	CHECK_EQ(llistxattr(M("f"), NULL, 0), 7);
	return CONF_PASS;
}

static int xattr_small_buffer_erange(struct testfs *t)
{
	char v[4];

	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(lsetxattr(L0("f"), "user.k", "0123456789", 10, 0));
	MOUNT();
	CHECK_ERR(lgetxattr(M("f"), "user.k", v, sizeof(v)), ERANGE);
	CHECK_ERR(llistxattr(M("f"), v, sizeof(v)), ERANGE);
	return CONF_PASS;
}

static int xattr_large_value(struct testfs *t)
{
	static char big[4000], back[4096];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	CHECK_OK(conf_put(L0("other"), "o"));
	MOUNT();
	CHECK_OK(conf_put(M("f"), "F"));
	CHECK_OK(lsetxattr(M("f"), "user.big", big, sizeof(big), 0));
	REMOUNT();
	CHECK_EQ(lgetxattr(M("f"), "user.big", back, sizeof(back)), (long)sizeof(big));
	CHECK(!memcmp(back, big, sizeof(big)));
	return CONF_PASS;
}

static int xattr_many_names_listed(struct testfs *t)
{
	char name[32], raw[8192];

	CHECK_OK(conf_put(L0("f"), "F"));
	for (int i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "user.lower%02d", i);
		CHECK_OK(lsetxattr(L0("f"), name, "v", 1, 0));
	}
	MOUNT();
	for (int i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "user.upper%02d", i);
		CHECK_OK(lsetxattr(M("f"), name, "v", 1, 0));
	}
	ssize_t len = llistxattr(M("f"), raw, sizeof(raw));
	CHECK_OK(len);
	int count = 0;
	for (char *p = raw; p < raw + len; p += strlen(p) + 1)
		count += !strncmp(p, "user.lower", 10) || !strncmp(p, "user.upper", 10);
	CHECK_EQ(count, 50);
	return CONF_PASS;
}

static int xattr_on_merged_dir(struct testfs *t)
{
	char v[8];

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_put(L1("d/b"), "b"));
	MOUNT();
	CHECK_OK(lsetxattr(M("d"), "user.dir", "v", 1, 0));
	CHECK_EQ(lgetxattr(M("d"), "user.dir", v, sizeof(v)), 1);
	CHECK_STR(conf_names(M("d")), "a,b");
	CHECK_STR(xattr_names(M("d")), "user.dir");
	return CONF_PASS;
}

static int xattr_user_on_symlink_eperm(struct testfs *t)
{
	CHECK_OK(symlink("target", L0("s")));
	MOUNT();
	CHECK_ERR(lsetxattr(M("s"), "user.k", "v", 1, 0), EPERM);
	return CONF_PASS;
}

static int xattr_empty_value(struct testfs *t)
{
	char v[8];

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(lsetxattr(M("f"), "user.empty", "", 0, 0));
	CHECK_EQ(lgetxattr(M("f"), "user.empty", v, sizeof(v)), 0);
	CHECK_STR(xattr_names(M("f")), "user.empty");
	return CONF_PASS;
}

static int xattr_trusted_namespace_as_root(struct testfs *t)
{
	char v[8];

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(lsetxattr(M("f"), "trusted.mine", "t", 1, 0));
	CHECK_EQ(lgetxattr(M("f"), "trusted.mine", v, sizeof(v)), 1);
	CHECK_EQ(lgetxattr(U("f"), "trusted.mine", v, sizeof(v)), 1);
	return CONF_PASS;
}

/* A name in the overlay namespace set through the mount is stored escaped
 * (as "<ns>.overlay.overlay.NAME", kernel 6.7+), so it reads back as set
 * and never acts as overlay metadata. */
static int xattr_overlay_namespace_name_is_escaped(struct testfs *t)
{
	const char *pre = testfs_ovl_xattr_prefix(t);
	char name[64], stored[64], v[8];

	snprintf(name, sizeof(name), "%sopaque", pre);
	snprintf(stored, sizeof(stored), "%soverlay.opaque", pre);
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/x"), "x"));
	MOUNT();
	CHECK_OK(conf_put(M("d/y"), "y"));
	CHECK_OK(lsetxattr(M("d"), name, "y", 1, 0));
	CHECK_EQ(lgetxattr(M("d"), name, v, sizeof(v)), 1);
	CHECK_EQ(lgetxattr(U("d"), stored, v, sizeof(v)), 1);
	CHECK(!conf_is_opaque(t, U("d")));
	REMOUNT();
	CHECK_STR(conf_names(M("d")), "x,y");
	return CONF_PASS;
}

static int xattr_persists_after_remount(struct testfs *t)
{
	char v[8];

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(lsetxattr(M("f"), "user.k", "kept", 4, 0));
	REMOUNT();
	CHECK_EQ(lgetxattr(M("f"), "user.k", v, sizeof(v)), 4);
	CHECK(!memcmp(v, "kept", 4));
	return CONF_PASS;
}

static int xattr_fsetxattr_on_open_fd(struct testfs *t)
{
	char v[8];
	int fd;

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_OK(fsetxattr(fd, "user.fd", "1", 1, 0));
	CHECK_EQ(fgetxattr(fd, "user.fd", v, sizeof(v)), 1);
	close(fd);
	CHECK_EQ(lgetxattr(M("f"), "user.fd", v, sizeof(v)), 1);
	return CONF_PASS;
}

const struct conf_case conf_cases_xattr[] = {
	CONF_CASE(xattr_set_and_get_on_new_file, 1, 0),
	CONF_CASE(xattr_get_from_lower_file_without_copyup, 1, 0),
	CONF_CASE(xattr_set_on_lower_file_copies_up, 1, 0),
	CONF_CASE(xattr_list_shows_exactly_user_names, 1, 0),
	CONF_CASE(xattr_list_hides_private_names_after_copyup, 1, 0),
	CONF_CASE(xattr_list_hides_opaque_marker, 1, 0),
	CONF_CASE(xattr_get_of_opaque_marker_refused, 1, 0),
	CONF_CASE(xattr_remove_on_upper_file, 1, 0),
	CONF_CASE(xattr_remove_on_lower_file_copies_up, 1, 0),
	CONF_CASE(xattr_remove_missing_enodata, 1, 0),
	CONF_CASE(xattr_create_flag_on_existing_eexist, 1, 0),
	CONF_CASE(xattr_replace_flag_on_missing_enodata, 1, 0),
	CONF_CASE(xattr_replace_flag_on_existing, 1, 0),
	CONF_CASE(xattr_get_missing_enodata, 1, 0),
	CONF_CASE(xattr_size_query_returns_length, 1, 0),
	CONF_CASE(xattr_small_buffer_erange, 1, 0),
	CONF_CASE(xattr_large_value, 1, 0),
	CONF_CASE(xattr_many_names_listed, 1, 0),
	CONF_CASE(xattr_on_merged_dir, 2, 0),
	CONF_CASE(xattr_user_on_symlink_eperm, 1, 0),
	CONF_CASE(xattr_empty_value, 1, 0),
	CONF_CASE(xattr_trusted_namespace_as_root, 1, CONF_ROOT),
	CONF_CASE(xattr_overlay_namespace_name_is_escaped, 1, 0),
	CONF_CASE(xattr_persists_after_remount, 1, 0),
	CONF_CASE(xattr_fsetxattr_on_open_fd, 1, 0),
};
const size_t conf_ncases_xattr = sizeof(conf_cases_xattr) / sizeof(conf_cases_xattr[0]);
