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
	static const struct option options[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctr_error err = {0};
	struct cli_options p;
	int opt;
	cli_options_start(&p, "wait", "h", options, argc, argv);
	if ((opt = cli_options_next(&p, &err)) != -1)
		return opt == 'h' ? cli_print_help(wait_usage) : cli_usage_error(&err);
	int first = optind;
	int rc = cli_container_args_check("wait", wait_usage, argc, first);
	return rc >= 0 ? rc : cli_for_each_container(rt, argv + first, argc - first, wait_one, NULL);
}
