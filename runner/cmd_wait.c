/* ctrrun wait: block until containers exit, print their exit codes. */
#include <stdio.h>
#include <string.h>

#include "container_signal.h"
#include "ctrrun.h"
#include "stale.h"

static const char wait_usage[] = "usage: ctrrun wait CONTAINER...\n\n"
				 "Wait until each container has exited and print its exit code.\n";

int cmd_wait(struct ctrrun *rt, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fputs(wait_usage, stdout);
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "ctrrun: wait needs at least one container\n%s", wait_usage);
		return CTRRUN_EXIT_ERROR;
	}
	struct ctr_error err = {0};
	if (ctrrun_open_state(rt) < 0)
		return CTRRUN_EXIT_ERROR;
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		struct ctr_db_container c = {0};
		if (ctr_db_find_container(rt->db, argv[i], &c, &err) != CTR_DB_OK) {
			ctrrun_print_error(&err);
			rc = 1;
			continue;
		}
		int code = -1;
		ctr_container_wait_exit(rt, c.id, -1, &code);
		if (code < 0) {
			/* removed meanwhile (--rm): its exit code went with it */
			fprintf(stderr, "ctrrun: container %s was removed before its exit code could be read\n",
				argv[i]);
			rc = 1;
		} else {
			printf("%d\n", code);
		}
		ctr_db_container_free(&c);
	}
	fflush(stdout);
	return rc;
}
