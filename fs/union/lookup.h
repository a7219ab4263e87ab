/* Resolving names through the layers, and reopening backing directories. */
#ifndef CTR_FS_LOOKUP_H
#define CTR_FS_LOOKUP_H

#include "nodes.h"

/* A new O_PATH fd of directory `dir` in `layer` (caller closes), or -errno:
 * -ENOENT when the directory has no part in that layer. */
int node_dirfd(struct union_fs *fs, struct node *dir, int layer);
/* Looks `name` up in merged directory `parent` (layers parent->layer ..
 * parent->last_layer): 0 with *info (and *st, the backing stat of the topmost
 * object), or -ENOENT, or another -errno. */
int union_lookup(struct union_fs *fs, struct node *parent, const char *name,
		 struct node_info *info, struct stat *st);
/* Does any layer from `from_layer` down (within parent's range) show `name`?
 * Decides whether removing or renaming it from the upper needs a whiteout. */
bool lower_has_name(struct union_fs *fs, struct node *parent, const char *name, int from_layer);
/* Brings a node's layer fields up to date after directories moved between
 * layers (fs->generation changed). Returns 0 or -ENOENT. */
int node_refresh(struct union_fs *fs, struct node *n);
/* The backing stat of a node (through its parent's dir fd). */
int node_stat(struct union_fs *fs, struct node *n, struct stat *st);

#endif
