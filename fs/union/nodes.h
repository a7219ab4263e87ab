/* The node table: every merged object the kernel knows, keyed by the inode
 * number ctrfs reports, with lookup counts the kernel's FORGET decrements.
 * A node holds a reference on its parent so its name chain stays walkable. */
#ifndef CTR_FS_NODES_H
#define CTR_FS_NODES_H

#include <limits.h>

#include "union.h"

struct node_info {           /* what a lookup found out about an object */
	uint64_t ino;
	mode_t type;
	int layer, last_layer;
	ino_t backing_ino;
	/* A directory renamed by kernel overlayfs with redirect_dir=on: below
	 * redirect_layer its parts live at this path (from the layer roots). */
	char redirect[PATH_MAX];
	int redirect_layer;      /* -1: none */
};

int nodes_init(struct union_fs *fs);
void nodes_destroy(struct union_fs *fs);
/* The node with this FUSE node id; NULL if the kernel sent an unknown one. */
struct node *node_by_id(struct union_fs *fs, uint64_t nodeid);
/* The node of a live object with this st_ino, if the kernel knows it. */
struct node *node_by_ino(struct union_fs *fs, uint64_t ino);
/* Finds or creates the node for `info` reached as parent/name, and counts one
 * kernel lookup on it. */
struct node *node_remember(struct union_fs *fs, struct node *parent, const char *name,
			   const struct node_info *info);
/* Takes a fresh lookup's findings (node_refresh). */
void node_update(struct union_fs *fs, struct node *n, const struct node_info *info);
void node_forget(struct union_fs *fs, struct node *n, uint64_t count);
/* Moves the name parent/name of a node to new_parent/new_name (rename). */
int node_rename(struct union_fs *fs, struct node *n, struct node *parent, const char *name,
		struct node *new_parent, const char *new_name);
/* parent/name no longer names the node (unlink, or replaced by a rename); the
 * node falls back on another known name, or is marked removed. */
void node_drop_name(struct union_fs *fs, struct node *n, struct node *parent, const char *name);
/* Extra references (open handles keep a node's name chain alive). */
void node_hold(struct union_fs *fs, struct node *n);
void node_release(struct union_fs *fs, struct node *n);

/* Inode numbers: layer index + 1 above the backing number; objects copied up
 * keep the number they had. dirfd/name is where the object is (checked only
 * for upper inode numbers that a copy-up recorded). */
uint64_t union_ino_for(struct union_fs *fs, int layer, ino_t backing_ino, int dirfd, const char *name);
void ino_remember_copyup(struct union_fs *fs, int dirfd, const char *name, uint64_t ino);

#endif
