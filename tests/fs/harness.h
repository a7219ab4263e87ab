/* Test harness: make layer directories, mount ctrfs or kernel overlayfs over
 * them, and always unmount again (also when a test fails or is killed). */
#ifndef CTR_TESTS_FS_HARNESS_H
#define CTR_TESTS_FS_HARNESS_H

#include <limits.h>
#include <stdbool.h>

enum fsimpl { IMPL_CTRFS, IMPL_OVERLAY };

#define TESTFS_MAX_LOWER 4

struct testfs {
	enum fsimpl impl;
	char base[PATH_MAX];                      /* temp dir holding all of the below */
	char lower[TESTFS_MAX_LOWER][PATH_MAX];   /* lower[0] is the top lower */
	int nlower;
	char upper[PATH_MAX], work[PATH_MAX], mnt[PATH_MAX];
	char opts[512];   /* extra -o options, appended to lowerdir/upperdir/workdir */
	bool readonly;    /* mount the lowers only, without upper */
	bool mounted;
};

/* Creates base (under $CTR_TEST_TMP, default /var/tmp) with lower0..N-1,
 * upper, work and mnt directories. Returns 0 or -errno. */
int testfs_init(struct testfs *t, enum fsimpl impl, int nlower);
/* Mounts. ctrfs: runs "$CTRFS -o lowerdir=..,upperdir=..,workdir=..[,opts] mnt"
 * and waits for it to return (it daemonizes once the mount is up). overlay:
 * mount(2) with the same options (root, or root in a user namespace with
 * userxattr). Returns 0 or -errno, printing the reason to stderr. */
int testfs_mount(struct testfs *t);
/* Unmounts (fusermount3 -u for an unprivileged ctrfs, umount2 otherwise) and,
 * for ctrfs, waits until the daemon has gone. */
int testfs_umount(struct testfs *t);
/* Unmounts if mounted and removes base recursively. */
void testfs_cleanup(struct testfs *t);
/* Path helpers: writes "<dir>/<rel>" into a static-per-call-site buffer owned by the caller. */
const char *testfs_path(char *buf, const char *dir, const char *rel);

/* Extensions (conformance helper). */
/* True if t->mnt is a mount point right now (per /proc/self/mountinfo). */
bool testfs_is_mounted(const struct testfs *t);
/* Unmounts and mounts again with the same layers; 0 or -errno. */
int testfs_remount(struct testfs *t);
/* True when running as root inside a user namespace (uid_map is not the identity map). */
bool testfs_in_userns(void);
/* True when the process is root in the initial user namespace. */
bool testfs_real_root(void);
/* Unmounts every testfs still registered and removes their base dirs; only
 * async-signal-safe calls, for a test's own fatal-signal handler (the
 * harness installs one for SIGINT/SIGTERM/SIGHUP/SIGABRT unless the test
 * has its own handler there already). */
void testfs_emergency_cleanup(void);
/* Prefix of the overlay-private xattrs the mount uses: "trusted.overlay."
 * (real root without -o userxattr) or "user.overlay." (rootless or userxattr). */
const char *testfs_ovl_xattr_prefix(const struct testfs *t);

#endif
