/* ctrrun stop and ctrrun kill. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_options.h"
#include "container_args.h"
#include "container_signal.h"

static const char stop_usage[] =
	"usage: ctrrun stop [OPTIONS] CONTAINER...\n\n"
	"Send SIGTERM to each container's init, then SIGKILL after SECONDS (default 10)\n"
	"if it is still running; waits until it has exited.\n"
	"  -t, --time SECONDS   how long to wait before SIGKILL\n"
	"  -h, --help           this help\n";
static const char kill_usage[] = "usage: ctrrun kill [OPTIONS] CONTAINER...\n\n"
				 "Send SIGNAL (default KILL; a name like TERM or a number) to each container.\n"
				 "  -s, --signal SIGNAL  the signal to send\n"
				 "  -h, --help           this help\n";

static int stop_one(struct ctrrun *rt, struct ctr_db_container *c, const char *name, void *arg,
		    struct ctr_error *err)
{
	long timeout = *(long *)arg;
	/* Stopping a stopped container is no error, as with docker. */
	if (c->state == CTR_DB_RUNNING || c->state == CTR_DB_PAUSED) {
		int code;
		struct ctr_errors met = {0};
		if (ctr_container_kill(rt, c, SIGTERM, err) == 0 &&
		    !ctr_container_wait_exit(rt, c->id, (int)timeout * 1000, &code, &met)) {
			ctr_container_kill(rt, c, SIGKILL, err);
			ctr_container_wait_exit(rt, c->id, -1, &code, &met);
		}
		cli_print_errors(&met);
	}
	printf("%s\n", name);
	return 0;
}

static int kill_one(struct ctrrun *rt, struct ctr_db_container *c, const char *name, void *arg,
		    struct ctr_error *err)
{
	if (ctr_container_kill(rt, c, *(int *)arg, err) < 0)
		return -1;
	printf("%s\n", name);
	return 0;
}

/* The one option of stop (-t, --time SECONDS) or kill (-s, --signal
 * SIGNAL), as the short letter SHORT and the long NAME, into *VALUE.
 * Returns the index of the first container, 0 after --help (printed), or
 * -1 after an error (printed). */
static int parse_option(const char *cmd, const char *usage, int short_flag, const char *name, int argc,
			char **argv, const char **value)
{
	const struct option options[] = {
		{name, required_argument, NULL, short_flag},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char shortopts[] = {(char)short_flag, ':', 'h', '\0'};
	struct ctr_error err = {0};
	struct cli_options p;
	int opt;
	cli_options_start(&p, cmd, shortopts, options, argc, argv);
	while ((opt = cli_options_next(&p, &err)) != -1) {
		if (opt == 'h')
			return cli_print_help(usage);
		if (opt == '?') {
			cli_usage_error(&err);
			return -1;
		}
		*value = optarg;
	}
	return optind;
}

int cmd_stop(struct ctrrun *rt, int argc, char **argv)
{
	const char *value = NULL;
	int first = parse_option("stop", stop_usage, 't', "time", argc, argv, &value);
	if (first <= 0)
		return first < 0 ? CTRRUN_EXIT_ERROR : 0;
	long timeout = 10;
	if (value) {
		char *end;
		timeout = strtol(value, &end, 10);
		if (!*value || *end || timeout < 0) {
			fprintf(stderr, "ctrrun: stop: -t '%s': expected seconds\n", value);
			return CTRRUN_EXIT_ERROR;
		}
	}
	return cli_for_each_container(rt, "stop", stop_usage, argc, argv, first, stop_one, &timeout);
}

int cmd_kill(struct ctrrun *rt, int argc, char **argv)
{
	const char *value = NULL;
	int first = parse_option("kill", kill_usage, 's', "signal", argc, argv, &value);
	if (first <= 0)
		return first < 0 ? CTRRUN_EXIT_ERROR : 0;
	int sig = value ? ctr_signal_number(value) : SIGKILL;
	if (sig < 0) {
		fprintf(stderr, "ctrrun: kill: unknown signal '%s'\n", value);
		return CTRRUN_EXIT_ERROR;
	}
	return cli_for_each_container(rt, "kill", kill_usage, argc, argv, first, kill_one, &sig);
}
