/* Names of multiply-linked files in a lower layer, so that a copy-up can take
 * every name of the inode along (overlayfs without an index breaks the links).
 * A layer is scanned once, the first time one of its hard links is copied up. */
#ifndef CTR_FS_LOWER_LINKS_H
#define CTR_FS_LOWER_LINKS_H

#include <stddef.h>

#include "nodes.h"

/* Paths (relative to the layer root) of every name of (layer, ino). */
int lower_links_find(struct union_fs *fs, int layer, ino_t ino, const char ***paths, size_t *count);
/* Walks a relative path through the merged tree: the node of its parent
 * directory (one lookup counted unless it is the root) and its last name. */
int lower_links_resolve(struct union_fs *fs, const char *path, struct node **parent, const char **base);
void lower_links_free(struct union_fs *fs);

#endif
