/* ctrrun start: run an exited (or never started) container again, with the
 * same upper dir, detached. */
#include <getopt.h>
#include <stdio.h>

#include "cli_options.h"
#include "container_args.h"
#include "container_launch.h"

static const char start_usage[] = "usage: ctrrun start [OPTIONS] CONTAINER...\n\n"
				  "Start stopped containers again (detached), keeping their file changes.\n"
				  "  -h, --help   this help\n";

static int start_one(struct ctrrun *rt, struct ctr_db_container *c, const char *name, void *arg,
		     struct ctr_error *err)
{
	(void)arg;
	if (c->state == CTR_DB_EXITED || c->state == CTR_DB_CREATED) {
		/* Its log options are its container_logging row's. */
		struct launch_opts lo = {.detach = true};
		struct ctr_errors met = {0};
		int code = ctr_container_launch(rt, c, &lo, &met);
		cli_print_errors(&met);
		if (code != 0)
			return ctr_fail(err, 0, "container %s did not start (the reason is above)", name);
	} else if (c->state == CTR_DB_REMOVING) {
		return ctr_fail(err, 0, "container %s is being removed (or its removal was cut short): only ctrrun rm "
					"acts on it", name);
	} else if (c->state != CTR_DB_RUNNING && c->state != CTR_DB_PAUSED) {
		return ctr_fail(err, 0, "container %s is %s; it cannot be started", name, ctr_db_state_name(c->state));
	}
	/* A running one: nothing to do, as docker. */
	printf("%s\n", name);
	return 0;
}

int cmd_start(struct ctrrun *rt, int argc, char **argv)
{
	int first;
	int code = cli_options_help_only("start", start_usage, argc, argv, &first);
	if (code >= 0)
		return code;
	return cli_for_each_container(rt, "start", start_usage, argc, argv, first, start_one, NULL);
}
