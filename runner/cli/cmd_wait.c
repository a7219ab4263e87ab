/* ctrrun wait: block until containers exit, print their exit codes. */
#include <getopt.h>
#include <stdio.h>

#include "cli_options.h"
#include "container_args.h"
#include "container_signal.h"

static const char wait_usage[] = "usage: ctrrun wait [OPTIONS] CONTAINER...\n\n"
				 "Wait until each container has exited and print its exit code.\n"
				 "  -h, --help   this help\n";

static int wait_one(struct ctrrun *rt, struct ctr_db_container *c, const char *name, void *arg,
		    struct ctr_error *err)
{
	(void)arg;
	int code = -1;
	struct ctr_errors met = {0};
	ctr_container_wait_exit(rt, c->id, -1, &code, &met);
	cli_print_errors(&met);
	if (code < 0)  /* removed meanwhile (--rm): its exit code went with it */
		return ctr_fail(err, 0, "container %s was removed before its exit code could be read", name);
	printf("%d\n", code);
	return 0;
}

int cmd_wait(struct ctrrun *rt, int argc, char **argv)
{
	int first;
	int code = cli_options_help_only("wait", wait_usage, argc, argv, &first);
	if (code >= 0)
		return code;
	return cli_for_each_container(rt, "wait", wait_usage, argc, argv, first, wait_one, NULL);
}
