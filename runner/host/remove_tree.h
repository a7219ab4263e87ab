/* rm -rf for container and layer directories, without following symlinks. */
#ifndef CTRRUN_REMOVE_TREE_H
#define CTRRUN_REMOVE_TREE_H

#include "ctr/error.h"
#include "idmap_config.h"

/* Removes PATH and everything below it; a missing PATH is fine. Directories
 * without write permission are made writable first (the owner may always). */
int ctr_remove_tree(const char *path, struct ctr_error *err);

/* The same, run as root of a user namespace with MAP, so that files owned by
 * subordinate ids go too. */
int ctr_remove_tree_as(const struct ctr_idmap *map, const char *path, struct ctr_error *err);

#endif
