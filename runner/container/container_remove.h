/* Removing a container: its processes (when forced), directories and rows. */
#ifndef CTRRUN_CONTAINER_REMOVE_H
#define CTRRUN_CONTAINER_REMOVE_H

#include <stdbool.h>

#include "met_errors.h"
#include "storage.h"

/* Removes container C: refuses a running one unless FORCE (then kills it and
 * waits for its ctrfs daemon), marks it removing with this process as the
 * remover (refused while another live process is removing it; one that is
 * gone is taken over), removes containers/<id> (rootless: in a user
 * namespace with the container's mapping) and then its rows. Its cgroups'
 * removal failing does not stop it: that error goes to MET. */
int ctr_container_remove(struct ctrrun *rt, const struct ctr_db_container *c, bool force, struct ctr_error *err,
			 struct ctr_errors *met);

#endif
