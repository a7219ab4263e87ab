/* The work dir (WORKDIR/work, as kernel overlayfs names it): where copy-ups,
 * whiteouts and directory renames are built before an atomic rename puts
 * them into the upper dir. Whatever a crash leaves there is removed at mount. */
#ifndef CTR_FS_WORKDIR_H
#define CTR_FS_WORKDIR_H

#include <stddef.h>

#include "union.h"

int workdir_prepare(struct union_fs *fs, char *work_path, struct ctr_error *err);
/* A fresh unique name for an object in the work dir. */
void workdir_tmpname(struct union_fs *fs, char *buf, size_t size);
/* For an entry made over a whiteout, which is built in the work dir: when
 * the upper dir parent_fd has a default ACL, makes work-dir directory `nest`
 * with a copy of it and opens it into *nest_fd (else *nest_fd is -1), so
 * that what is built in there gets the permissions and ACLs the parent
 * gives, as kernel overlayfs's do. 0 or -errno. */
int workdir_acl_nest(struct union_fs *fs, int parent_fd, const char *nest, int *nest_fd);
/* rm -rf of dirfd/name; returns 0 or -errno. */
int remove_tree_at(int dirfd, const char *name);
/* Removes everything but the directories of dirfd/name. A directory moved by
 * a merged rename keeps its st_ino in its new copy; keeping the old inode
 * allocated until unmount stops the upper filesystem from handing its number
 * to a new file, which would then report the same st_ino. */
int retire_tree_at(int dirfd, const char *name);
/* Removes what workdir_prepare created (the mount failed after it). */
void workdir_undo(struct union_fs *fs);
/* Empties the work dir (at mount, and at unmount: nothing in it is needed). */
int workdir_clean(struct union_fs *fs);

#endif
