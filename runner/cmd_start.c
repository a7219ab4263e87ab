/* ctrrun start: run an exited (or never started) container again, with the
 * same upper dir, detached. */
#include <stdio.h>
#include <string.h>

#include "container_launch.h"
#include "ctrrun.h"
#include "log_writer.h"
#include "stale.h"

static const char start_usage[] = "usage: ctrrun start CONTAINER...\n\n"
				  "Start stopped containers again (detached), keeping their file changes.\n";

int cmd_start(struct ctrrun *rt, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fputs(start_usage, stdout);
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "ctrrun: start needs at least one container\n%s", start_usage);
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
		if (c.state == CTR_DB_RUNNING || c.state == CTR_DB_PAUSED) {
			printf("%s\n", argv[i]);  /* already running: nothing to do, as docker */
		} else if (c.state != CTR_DB_EXITED && c.state != CTR_DB_CREATED) {
			fprintf(stderr, "ctrrun: container %s is %s; it cannot be started\n", argv[i],
				ctr_db_state_name(c.state));
			rc = 1;
		} else {
			struct launch_opts lo = {.detach = true, .log_max_bytes = LOG_WRITER_DEFAULT_MAX};
			if (container_launch(rt, &c, &lo) != 0)
				rc = 1;
			else
				printf("%s\n", argv[i]);
		}
		ctr_db_container_free(&c);
	}
	return rc;
}
