/* Overlay-private xattrs are hidden; a user's names in the private namespace
 * are escaped as kernel overlayfs (6.7+) does. */
#include "xattr_names.h"
#include "tap.h"

int main(void)
{
	char buf[256];
	const char *t = "trusted.overlay.", *u = "user.overlay.";

	TAP_STR_EQ(xattr_name_to_disk(t, "user.foo", buf, sizeof buf), "user.foo", "ordinary names are stored as they are");
	TAP_STR_EQ(xattr_name_to_disk(u, "user.overlay.foo", buf, sizeof buf), "user.overlay.overlay.foo",
		   "user.overlay.foo is escaped under userxattr");
	TAP_STR_EQ(xattr_name_to_disk(t, "user.overlay.foo", buf, sizeof buf), "user.overlay.foo",
		   "user.overlay.foo is ordinary when the private namespace is trusted");
	TAP_STR_EQ(xattr_name_from_disk(u, "user.overlay.opaque", buf, sizeof buf), NULL, "opaque marker hidden");
	TAP_STR_EQ(xattr_name_from_disk(u, "user.overlay.overlay.foo", buf, sizeof buf), "user.overlay.foo",
		   "escaped name shown unescaped");
	TAP_STR_EQ(xattr_name_from_disk(t, "trusted.overlay.origin", buf, sizeof buf), NULL, "trusted private hidden");
	TAP_STR_EQ(xattr_name_from_disk(t, "security.capability", buf, sizeof buf), "security.capability",
		   "other namespaces shown");

	char list[] = "user.a\0user.overlay.opaque\0user.overlay.overlay.x\0trusted.b";
	size_t n = xattr_list_filter(u, list, sizeof list);
	const char want[] = "user.a\0user.overlay.x\0trusted.b";
	TAP_CHECK(n == sizeof want && memcmp(list, want, n) == 0, "list filtered and unescaped (len %zu)", n);
	return tap_done();
}
