/* Housekeeping in a user namespace: rootless, a container's files belong to
 * subordinate ids the plain user cannot chown or remove, so removing an upper
 * dir, extracting an image or reading an upper dir for commit runs as root of
 * a user namespace with the container's mapping. */
#ifndef CTRRUN_USERNS_H
#define CTRRUN_USERNS_H

#include "ctr/error.h"
#include "idmap_config.h"

/* Runs FN(ARG) in a child process that is root (uid 0, gid 0) of a new user
 * namespace with MAP (and, when MAP is the identity of real root, simply in a
 * child). FN returns 0 or fills *ERR and returns -1; its error comes back here
 * through a pipe. The child shares nothing else: FN's side effects on memory
 * are lost, only the file system sees them. */
int ctr_userns_run(const struct ctr_idmap *map, int (*fn)(void *arg, struct ctr_error *err), void *arg,
		   struct ctr_error *err);

#endif
