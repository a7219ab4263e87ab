/* What commands killed at any instant (kill -9, a power cut of the process)
 * leave in the store, and its removal by the next command. */
#ifndef CTRRUN_LEFTOVERS_H
#define CTRRUN_LEFTOVERS_H

#include "storage.h"

/* Settles the store after commands that were killed half way, as ctrrun
 * does at the end of every command that opened state.db:
 *  - a container marked removing whose remover is gone: its removal is
 *    finished (directory, cgroups, rows, a destroy event);
 *  - containers/<id> without a container row: removed;
 *  - under the layers lock, if free at once (else the next command does
 *    it): layers/.tmp-* whose owner is gone (or, named by a ctrrun before
 *    owners were recorded, older than an hour), layers/<id> without a layer
 *    row, and layer rows that no image uses with their directories.
 * What needs a write to state.db (finishing a removal, deleting layer rows)
 * is done only when no other process holds the write lock at that moment,
 * so that commands that only read never wait. Rootless, directories are
 * removed in a user namespace with the caller's mapping. Nothing is printed unless something cannot be removed (a
 * warning); the command's outcome is not affected. */
void ctr_sweep_leftovers(struct ctrrun *rt);

#endif
