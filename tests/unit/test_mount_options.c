/* The three command-line forms of ctrfs mount, and every option's fate:
 * implemented, passed on as a generic mount flag, or refused by name. */
#include <stdlib.h>

#include "mount_options.h"
#include "tap.h"

static int parse(struct union_config *cfg, struct ctr_error *err, bool mount_form, int argc, char **argv)
{
	err->msg[0] = '\0';
	return union_config_parse(cfg, argc, argv, mount_form, err);
}

#define PARSE(cfg, err, form, ...) parse(cfg, err, form, sizeof((char *[]){__VA_ARGS__}) / sizeof(char *), (char *[]){__VA_ARGS__})

static void test_mount_form(void)
{
	struct union_config c;
	struct ctr_error e;
	int r = PARSE(&c, &e, true, "/l1:/l2", "/up", "/mnt", "-f");
	TAP_CHECK(r == 0, "mount form parses");
	TAP_CHECK(c.nlowers == 2, "mount form: two lowers from a colon list");
	TAP_STR_EQ(c.lowers[0], "/l1", "mount form: top lower first");
	TAP_STR_EQ(c.upper, "/up", "mount form: upper");
	TAP_STR_EQ(c.work, "/up.work", "mount form: default work dir next to upper");
	TAP_CHECK(c.work_defaulted, "mount form: work dir marked as defaulted");
	TAP_STR_EQ(c.mountpoint, "/mnt", "mount form: mount point");
	TAP_CHECK(c.foreground && !c.readonly, "mount form: -f sets foreground, mount is writable");
	union_config_free(&c);

	r = PARSE(&c, &e, true, "/l1", "/up");
	TAP_CHECK(r < 0 && strstr(e.msg, "LOWER UPPER MNT"), "mount form with two arguments is refused: %s", e.msg);
	union_config_free(&c);
}

static void test_overlay_form(void)
{
	struct union_config c;
	struct ctr_error e;
	int r = PARSE(&c, &e, false, "-o", "lowerdir=/a:/b,upperdir=/u,workdir=/w,,volatile", "/m");
	TAP_CHECK(r == 0, "podman's option string with an empty option parses: %s", e.msg);
	TAP_CHECK(c.volatile_mode, "volatile is recognised");
	TAP_STR_EQ(c.work, "/w", "workdir= taken");
	TAP_CHECK(!c.work_defaulted, "explicit work dir is not defaulted");
	union_config_free(&c);

	r = PARSE(&c, &e, false, "ctrfs", "/m", "-o", "rw,noatime,nodev,dev,suid,lowerdir=/a,upperdir=/u,workdir=/w");
	TAP_CHECK(r == 0, "mount.fuse3 form (SOURCE MNT -o ...) parses: %s", e.msg);
	TAP_STR_EQ(c.mountpoint, "/m", "mount.fuse3 form: second argument is the mount point");
	TAP_STR_EQ(c.fuse_flags, "rw,noatime,nodev,dev,suid", "generic flags are passed to the kernel in order");
	union_config_free(&c);

	r = PARSE(&c, &e, false, "-o", "lowerdir=/a:/b", "/m");
	TAP_CHECK(r == 0 && c.readonly && !c.upper, "lowerdir only gives a read-only mount");
	union_config_free(&c);

	r = PARSE(&c, &e, false, "-o", "lowerdir=/a,upperdir=/u,workdir=/w,context=\"system_u:object_r:container_file_t:s0:c1,c2\"", "/m");
	TAP_CHECK(r < 0 && strstr(e.msg, "context"), "context= (quoted, with a comma) is refused by name: %s", e.msg);
	union_config_free(&c);
}

static void test_refusals(void)
{
	struct union_config c;
	struct ctr_error e;
	const char *bad[][2] = {
		{"lowerdir=/a,upperdir=/u,workdir=/w,bogus=1", "bogus"},
		{"lowerdir=/a,upperdir=/u,workdir=/w,frobnicate", "frobnicate"},
		{"lowerdir=/a,upperdir=/u,workdir=/w,metacopy=on", "metacopy"},
		{"lowerdir=/a,upperdir=/u,workdir=/w,xattr_permissions=2", "xattr_permissions"},
		{"lowerdir=/a,upperdir=/u,workdir=/w,uidmapping=0:1", "uidmapping"},
		{"lowerdir=/a,upperdir=/u,workdir=/w,squash_to_uid=abc", "squash_to_uid"},
		{"lowerdir=/a,upperdir=/u,workdir=/w,fsync=2", "fsync"},
		{"lowerdir=/a,workdir=/w", "workdir"},
		{"upperdir=/u,workdir=/w", "lowerdir"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = PARSE(&c, &e, false, "-o", (char *)bad[i][0], "/m");
		TAP_CHECK(r < 0 && strstr(e.msg, bad[i][1]), "refused, naming %s: %s", bad[i][1], e.msg);
		union_config_free(&c);
	}
}

static void test_accepted(void)
{
	struct union_config c;
	struct ctr_error e;
	int r = PARSE(&c, &e, false, "-o",
		      "lowerdir=/a,upperdir=/u,workdir=/w,redirect_dir=on,metacopy=off,fsync=0,userxattr,"
		      "squash_to_root,defaults,x-systemd.automount,nofail,_netdev",
		      "/m");
	TAP_CHECK(r == 0, "implemented and mount(8)-only options are accepted: %s", e.msg);
	TAP_CHECK(c.ignore_fsync, "fsync=0 sets ignore_fsync");
	TAP_CHECK(c.xattr_ns == XATTR_NS_USER, "userxattr selects user.overlay.*");
	TAP_CHECK(c.uids.squash_to == 0 && c.gids.squash_to == 0, "squash_to_root squashes both ids to 0");
	TAP_CHECK(c.fuse_flags == NULL, "nothing of that goes to the kernel as a flag");
	union_config_free(&c);

	r = PARSE(&c, &e, false, "-o", "lowerdir=/a,upperdir=/u,workdir=/w,squash_to_uid=7,squash_to_root", "/m");
	TAP_CHECK(r == 0 && c.uids.squash_to == 7 && c.gids.squash_to == 0,
		  "squash_to_uid takes precedence over squash_to_root");
	union_config_free(&c);

	r = PARSE(&c, &e, false, "--help");
	TAP_CHECK(r == 0 && c.show_help, "--help recognised");
	union_config_free(&c);
	r = PARSE(&c, &e, false, "--version");
	TAP_CHECK(r == 0 && c.show_version, "--version recognised");
	union_config_free(&c);
}

int main(void)
{
	test_mount_form();
	test_overlay_form();
	test_refusals();
	test_accepted();
	return tap_done();
}
