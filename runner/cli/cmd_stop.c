/* ctrrun stop and ctrrun kill. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container_args.h"
#include "container_signal.h"

static const char stop_usage[] =
	"usage: ctrrun stop [-t SECONDS] CONTAINER...\n\n"
	"Send SIGTERM to each container's init, then SIGKILL after SECONDS (default 10)\n"
	"if it is still running; waits until it has exited.\n";
static const char kill_usage[] = "usage: ctrrun kill [-s SIGNAL] CONTAINER...\n\n"
				 "Send SIGNAL (default KILL; a name like TERM or a number) to each container.\n";

static int stop_one(struct ctrrun *rt, struct ctr_db_container *c, const char *name, void *arg,
		    struct ctr_error *err)
{
	long timeout = *(long *)arg;
	/* Stopping a stopped container is no error, as with docker. */
	if (c->state == CTR_DB_RUNNING || c->state == CTR_DB_PAUSED) {
		int code;
		if (ctr_container_kill(rt, c, SIGTERM, err) == 0 &&
		    !ctr_container_wait_exit(rt, c->id, (int)timeout * 1000, &code)) {
			ctr_container_kill(rt, c, SIGKILL, err);
			ctr_container_wait_exit(rt, c->id, -1, &code);
		}
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

/* The one option of stop (-t SECONDS) or kill (-s SIGNAL). Returns the
 * index of the first container, or -1 after printing the error. */
static int parse_option(const char *cmd, const char *usage, const char *s_flag, const char *l_flag, int argc,
			char **argv, const char **value)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--help") != 0; i++) {
		if ((strcmp(argv[i], s_flag) == 0 || strcmp(argv[i], l_flag) == 0) && i + 1 < argc) {
			*value = argv[++i];
		} else {
			fprintf(stderr, "ctrrun: %s: unknown option %s\n%s", cmd, argv[i], usage);
			return -1;
		}
	}
	return i;
}

int cmd_stop(struct ctrrun *rt, int argc, char **argv)
{
	const char *value = NULL;
	int first = parse_option("stop", stop_usage, "-t", "--time", argc, argv, &value);
	if (first < 0)
		return CTRRUN_EXIT_ERROR;
	long timeout = 10;
	if (value) {
		char *end;
		timeout = strtol(value, &end, 10);
		if (!*value || *end || timeout < 0) {
			fprintf(stderr, "ctrrun: stop: -t '%s': expected seconds\n", value);
			return CTRRUN_EXIT_ERROR;
		}
	}
	int rc = container_args_check("stop", stop_usage, argc, argv, first);
	return rc >= 0 ? rc : for_each_container(rt, argv + first, argc - first, stop_one, &timeout);
}

int cmd_kill(struct ctrrun *rt, int argc, char **argv)
{
	const char *value = NULL;
	int first = parse_option("kill", kill_usage, "-s", "--signal", argc, argv, &value);
	if (first < 0)
		return CTRRUN_EXIT_ERROR;
	int sig = value ? ctr_signal_number(value) : SIGKILL;
	if (sig < 0) {
		fprintf(stderr, "ctrrun: kill: unknown signal '%s'\n", value);
		return CTRRUN_EXIT_ERROR;
	}
	int rc = container_args_check("kill", kill_usage, argc, argv, first);
	return rc >= 0 ? rc : for_each_container(rt, argv + first, argc - first, kill_one, &sig);
}
