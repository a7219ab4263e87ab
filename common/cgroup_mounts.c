/* Where the cgroup hierarchies are mounted (include/ctr/cgroup_mounts.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctr/cgroup_mounts.h"

static bool has_controllers_file(const char *dir)
{
	char *p;
	if (asprintf(&p, "%s/cgroup.controllers", dir) < 0)
		return false;
	bool r = access(p, F_OK) == 0;
	free(p);
	return r;
}

char *ctr_cgroup_v2_mount(const char *root, bool *pure)
{
	*pure = has_controllers_file(root);
	if (*pure)
		return strdup(root);
	char *unified;
	if (asprintf(&unified, "%s/unified", root) < 0)
		return NULL;
	if (has_controllers_file(unified))
		return unified;
	free(unified);
	return NULL;
}
