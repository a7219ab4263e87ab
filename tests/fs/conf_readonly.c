/* Read-only mounts (lowers only, no upper): the merged view reads as
 * usual and every modification fails with EROFS. */
#include "conf_util.h"

#include <stdio.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

static int ro_merges_lowers_with_whiteouts_and_opaque(struct testfs *t)
{
	CHECK_OK(conf_put(L0("a"), "a"));
	CHECK_OK(conf_whiteout(L0("gone")));
	CHECK_OK(conf_put(L1("gone"), "hidden"));
	CHECK_OK(conf_put(L1("b"), "b"));
	CHECK_OK(conf_mkdirs(L0("op"), 0755));
	CHECK_OK(conf_set_opaque(t, L0("op")));
	CHECK_OK(conf_put(L0("op/top"), "t"));
	CHECK_OK(conf_mkdirs(L1("op"), 0755));
	CHECK_OK(conf_put(L1("op/bottom"), "b"));
	MOUNT();
	CHECK_STR(conf_names(t->mnt), "a,b,op");
	CHECK_STR(conf_names(M("op")), "top");
	CHECK_CONTENT(M("b"), "b");
	return CONF_PASS;
}

static int ro_open_for_write_erofs(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(open(M("f"), O_WRONLY), EROFS);
	CHECK_ERR(open(M("f"), O_RDWR | O_TRUNC), EROFS);
	CHECK_ERR(access(M("f"), W_OK), EROFS);
	return CONF_PASS;
}

static int ro_create_and_mkdir_erofs(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(open(M("new"), O_WRONLY | O_CREAT, 0644), EROFS);
	CHECK_ERR(mkdir(M("newdir"), 0755), EROFS);
	CHECK_ERR(symlink("x", M("newlink")), EROFS);
	CHECK_ERR(mkfifo(M("newfifo"), 0644), EROFS);
	CHECK_ERR(link(M("f"), M("newhard")), EROFS);
	return CONF_PASS;
}

static int ro_unlink_rmdir_rename_erofs(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	CHECK_ERR(unlink(M("f")), EROFS);
	CHECK_ERR(rmdir(M("d")), EROFS);
	CHECK_ERR(rename(M("f"), M("g")), EROFS);
	CHECK_CONTENT(M("f"), "F");
	return CONF_PASS;
}

static int ro_attribute_changes_erofs(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(chmod(M("f"), 0600), EROFS);
	CHECK_ERR(conf_set_times(M("f"), 1, 1, 1, 1), EROFS);
	CHECK_ERR(truncate(M("f"), 0), EROFS);
	CHECK_ERR(lsetxattr(M("f"), "user.k", "v", 1, 0), EROFS);
	CHECK_ERR(lremovexattr(M("f"), "user.k"), EROFS);
	return CONF_PASS;
}

static int ro_chown_erofs(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_ERR(chown(M("f"), 1, 1), EROFS);
	return CONF_PASS;
}

static int ro_statfs_has_rdonly_flag(struct testfs *t)
{
	struct statvfs s;

	CHECK_OK(conf_put(L0("f"), "F"));
	MOUNT();
	CHECK_OK(statvfs(t->mnt, &s));
	CHECK(s.f_flag & ST_RDONLY);
	return CONF_PASS;
}

static int ro_reads_seeks_and_maps(struct testfs *t)
{
	char v[8];
	int fd;

	CHECK_OK(conf_put_pattern(L1("f"), 20000, 2));
	CHECK_OK(lsetxattr(L1("f"), "user.k", "v", 1, 0));
	MOUNT();
	CHECK_EQ(conf_hash(M("f")), conf_pattern_hash(20000, 2));
	CHECK_OK(fd = open(M("f"), O_RDONLY));
	CHECK_EQ(lseek(fd, 0, SEEK_HOLE), 20000);
	void *p = mmap(NULL, 20000, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	munmap(p, 20000);
	CHECK(mmap(NULL, 20000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
	close(fd);
	CHECK_EQ(lgetxattr(M("f"), "user.k", v, sizeof(v)), 1);
	return CONF_PASS;
}

static int ro_lower_layers_unchanged(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "F"));
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	MOUNT();
	CHECK_ERR(unlink(M("f")), EROFS);
	CHECK(conf_names(M("d")) != NULL);
	UMOUNT();
	CHECK_STR(conf_names(t->lower[0]), "d,f");
	CHECK_STR(conf_names(t->upper), "");
	CHECK_STR(conf_names(t->work), "");
	return CONF_PASS;
}

const struct conf_case conf_cases_readonly[] = {
	CONF_CASE(ro_merges_lowers_with_whiteouts_and_opaque, 2, CONF_READONLY),
	CONF_CASE(ro_open_for_write_erofs, 1, CONF_READONLY),
	CONF_CASE(ro_create_and_mkdir_erofs, 1, CONF_READONLY),
	CONF_CASE(ro_unlink_rmdir_rename_erofs, 1, CONF_READONLY),
	CONF_CASE(ro_attribute_changes_erofs, 1, CONF_READONLY),
	CONF_CASE(ro_chown_erofs, 1, CONF_READONLY | CONF_ROOT),
	CONF_CASE(ro_statfs_has_rdonly_flag, 1, CONF_READONLY),
	CONF_CASE(ro_reads_seeks_and_maps, 2, CONF_READONLY),
	CONF_CASE(ro_lower_layers_unchanged, 1, CONF_READONLY),
};
const size_t conf_ncases_readonly = sizeof(conf_cases_readonly) / sizeof(conf_cases_readonly[0]);
