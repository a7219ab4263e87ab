/* Copy-up: making a lower object (or a whole merged directory) an upper one.
 * Everything is built in the work dir and renamed into place, so a crash at
 * any instant leaves either the old or the new state visible; file data is
 * synced before that rename unless the mount is volatile. */
#ifndef CTR_FS_COPYUP_H
#define CTR_FS_COPYUP_H

#include <stdbool.h>

#include "nodes.h"

/* Ensures directory `dir` and its ancestors exist in the upper dir. */
int copyup_dir_chain(struct union_fs *fs, struct node *dir);
/* Ensures node `n` lives in the upper dir (all names of a multiply-linked
 * lower file come along as links of one inode). Without data, a regular
 * file is copied empty (the caller truncates it anyway). */
int copyup_node(struct union_fs *fs, struct node *n, bool with_data);
/* Copies up a lower file that has other names, so that removing one name
 * leaves the others as links of one upper inode with the right st_nlink
 * (what kernel overlayfs does with index=on). */
int copyup_if_linked(struct union_fs *fs, struct node *n);
/* Replaces directory `dir` in the upper dir by a complete, opaque copy of its
 * merged contents (for rename). Afterwards dir->layer == dir->last_layer == 0. */
int copyup_merged_tree(struct union_fs *fs, struct node *dir);
/* Copies attributes (owner, mode, xattrs, times) of src onto dst (work dir). */
int copy_attributes(struct union_fs *fs, int src_dirfd, const char *src_name, const struct stat *st,
		    int dst_dirfd, const char *dst_name);
/* Installs work-dir object `tmp` as upper_dirfd/name: atomically replaces a
 * whiteout there, or creates the name (never replacing anything else). */
int install_from_work(struct union_fs *fs, const char *tmp, int upper_dirfd, const char *name);
/* The same for work_dirfd/tmp, an object in a directory inside the work dir. */
int install_from_work_at(int work_dirfd, const char *tmp, int upper_dirfd, const char *name);

#endif
