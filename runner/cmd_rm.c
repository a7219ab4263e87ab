/* ctrrun rm: remove containers (and their upper dirs). */
#include <stdio.h>
#include <string.h>

#include "container_remove.h"
#include "ctrrun.h"
#include "stale.h"

static const char rm_usage[] = "usage: ctrrun rm [-f|--force] CONTAINER...\n\n"
			       "Remove containers: their upper dir, their record and log. A running\n"
			       "container is refused unless -f, which kills it first.\n";

int cmd_rm(struct ctrrun *rt, int argc, char **argv)
{
	bool force = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0) {
			force = true;
		} else if (strcmp(argv[i], "--help") == 0) {
			fputs(rm_usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "ctrrun: rm: unknown option %s\n%s", argv[i], rm_usage);
			return CTRRUN_EXIT_ERROR;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "ctrrun: rm needs at least one container\n%s", rm_usage);
		return CTRRUN_EXIT_ERROR;
	}
	struct ctr_error err = {0};
	if (ctrrun_open_db(rt, &err) < 0) {
		ctrrun_print_error(&err);
		return CTRRUN_EXIT_ERROR;
	}
	ctr_reap_stale(rt);
	int rc = 0;
	for (; i < argc; i++) {
		struct ctr_db_container c;
		if (ctr_db_find_container(rt->db, argv[i], &c, &err) != CTR_DB_OK) {
			ctrrun_print_error(&err);
			rc = 1;
			continue;
		}
		if (ctr_container_remove(rt, &c, force, &err) < 0) {
			ctrrun_print_error(&err);
			rc = 1;
		} else {
			printf("%s\n", argv[i]);
		}
		ctr_db_container_free(&c);
	}
	return rc;
}
