/* rename(2) inside one mount: files and directories, RENAME_NOREPLACE and
 * RENAME_EXCHANGE; never EXDEV. Caller holds the tree lock for writing. */
#ifndef CTR_FS_RENAME_H
#define CTR_FS_RENAME_H

#include "nodes.h"

int union_rename(struct union_fs *fs, struct node *parent, const char *name,
		 struct node *new_parent, const char *new_name, unsigned int flags);

#endif
