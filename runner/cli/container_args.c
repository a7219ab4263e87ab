/* Acting on the containers a command names. */
#include <stdio.h>

#include "container_args.h"
#include "stale.h"

int for_each_container(struct ctrrun *rt, char **names, int n, container_action action, void *arg)
{
	if (ctrrun_open_state(rt) < 0)
		return CTRRUN_EXIT_ERROR;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		struct ctr_error err = {0};
		struct ctr_db_container c = {0};
		if (ctr_db_find_container(rt->db, names[i], &c, &err) != CTR_DB_OK ||
		    action(rt, &c, names[i], arg, &err) < 0) {
			ctrrun_print_error(&err);
			rc = 1;
		}
		ctr_db_container_free(&c);
	}
	fflush(stdout);
	return rc;
}

int container_args_check(const char *cmd, const char *usage, int argc, int first)
{
	if (first >= argc) {
		fprintf(stderr, "ctrrun: %s needs at least one container\n%s", cmd, usage);
		return CTRRUN_EXIT_ERROR;
	}
	return -1;
}
