/* ctrrun stop and ctrrun kill. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container_signal.h"
#include "ctrrun.h"
#include "stale.h"

static const char stop_usage[] =
	"usage: ctrrun stop [-t SECONDS] CONTAINER...\n\n"
	"Send SIGTERM to each container's init, then SIGKILL after SECONDS (default 10)\n"
	"if it is still running; waits until it has exited.\n";
static const char kill_usage[] = "usage: ctrrun kill [-s SIGNAL] CONTAINER...\n\n"
				 "Send SIGNAL (default KILL; a name like TERM or a number) to each container.\n";

int cmd_stop(struct ctrrun *rt, int argc, char **argv)
{
	long timeout = 10;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(stop_usage, stdout);
			return 0;
		} else if ((strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--time") == 0) && i + 1 < argc) {
			char *end;
			timeout = strtol(argv[++i], &end, 10);
			if (*end || timeout < 0) {
				fprintf(stderr, "ctrrun: stop: -t '%s': expected seconds\n", argv[i]);
				return CTRRUN_EXIT_ERROR;
			}
		} else {
			fprintf(stderr, "ctrrun: stop: unknown option %s\n%s", argv[i], stop_usage);
			return CTRRUN_EXIT_ERROR;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "ctrrun: stop needs at least one container\n%s", stop_usage);
		return CTRRUN_EXIT_ERROR;
	}
	if (ctrrun_open_state(rt) < 0)
		return CTRRUN_EXIT_ERROR;
	int rc = 0;
	for (; i < argc; i++) {
		struct ctr_error err = {0};
		struct ctr_db_container c;
		if (ctr_db_find_container(rt->db, argv[i], &c, &err) != CTR_DB_OK) {
			ctrrun_print_error(&err);
			rc = 1;
			continue;
		}
		/* Stopping a stopped container is no error, as with docker. */
		if (c.state == CTR_DB_RUNNING || c.state == CTR_DB_PAUSED) {
			int code;
			if (ctr_container_kill(rt, &c, SIGTERM, &err) == 0 &&
			    !ctr_container_wait_exit(rt, c.id, (int)timeout * 1000, &code)) {
				ctr_container_kill(rt, &c, SIGKILL, &err);
				ctr_container_wait_exit(rt, c.id, -1, &code);
			}
		}
		printf("%s\n", argv[i]);
		ctr_db_container_free(&c);
	}
	return rc;
}

int cmd_kill(struct ctrrun *rt, int argc, char **argv)
{
	int sig = SIGKILL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(kill_usage, stdout);
			return 0;
		} else if ((strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--signal") == 0) && i + 1 < argc) {
			sig = ctr_signal_number(argv[++i]);
			if (sig < 0) {
				fprintf(stderr, "ctrrun: kill: unknown signal '%s'\n", argv[i]);
				return CTRRUN_EXIT_ERROR;
			}
		} else {
			fprintf(stderr, "ctrrun: kill: unknown option %s\n%s", argv[i], kill_usage);
			return CTRRUN_EXIT_ERROR;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "ctrrun: kill needs at least one container\n%s", kill_usage);
		return CTRRUN_EXIT_ERROR;
	}
	if (ctrrun_open_state(rt) < 0)
		return CTRRUN_EXIT_ERROR;
	int rc = 0;
	for (; i < argc; i++) {
		struct ctr_error err = {0};
		struct ctr_db_container c = {0};
		if (ctr_db_find_container(rt->db, argv[i], &c, &err) != CTR_DB_OK ||
		    ctr_container_kill(rt, &c, sig, &err) < 0) {
			ctrrun_print_error(&err);
			rc = 1;
		} else {
			printf("%s\n", argv[i]);
		}
		ctr_db_container_free(&c);
	}
	return rc;
}
