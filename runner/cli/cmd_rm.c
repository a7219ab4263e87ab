/* ctrrun rm: remove containers (and their upper dirs). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_options.h"
#include "container_args.h"
#include "container_remove.h"
#include "ctrrun.h"
#include "stale.h"

static const char rm_usage[] = "usage: ctrrun rm [OPTIONS] CONTAINER...\n\n"
			       "Remove containers: their upper dir, their record and log. A running\n"
			       "container is refused unless -f, which kills it first.\n"
			       "  -f, --force   kill a running container first\n"
			       "  -h, --help    this help\n";

static int remove_one(struct ctrrun *rt, struct ctr_db_container *c, const char *name, void *arg,
		      struct ctr_error *err)
{
	struct ctr_errors met = {0};
	int rc = ctr_container_remove(rt, c, *(bool *)arg, err, &met);
	cli_print_errors(&met);
	if (rc < 0)
		return -1;
	printf("%s\n", name);
	return 0;
}

int cmd_rm(struct ctrrun *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool force = false;
	struct ctr_error err = {0};
	struct cli_options p;
	int opt;
	cli_options_start(&p, "rm", "fh", options, argc, argv);
	while ((opt = cli_options_next(&p, &err)) != -1) {
		switch (opt) {
		case 'f':
			force = true;
			break;
		case 'h':
			return cli_print_help(rm_usage);
		default:
			return cli_usage_error(&err);
		}
	}
	int first = optind;
	return cli_for_each_container(rt, "rm", rm_usage, argc, argv, first, remove_one, &force);
}

static const char container_usage[] = "usage: ctrrun container prune\n\n"
				      "Remove every container that is not running.\n"
				      "  -h, --help    this help\n";

/* `ctrrun container prune`: docker's spelling for removing all stopped ones. */
int cmd_container(struct ctrrun *rt, int argc, char **argv)
{
	/* `container [OPTIONS] prune [OPTIONS]`: --help in either place. */
	int first, sub, code;
	if ((code = cli_options_help_only("container", container_usage, argc, argv, &first)) >= 0)
		return code;
	if (first >= argc || strcmp(argv[first], "prune") != 0) {
		if (first < argc)
			fprintf(stderr, "ctrrun: container: unknown command '%s' (only prune)\n", argv[first]);
		fputs(container_usage, stderr);
		return CTRRUN_EXIT_ERROR;
	}
	if ((code = cli_options_help_only("container prune", container_usage, argc - first, argv + first, &sub)) >= 0)
		return code;
	if (sub < argc - first) {
		fprintf(stderr, "ctrrun: container prune takes no arguments, got '%s'\n", argv[first + sub]);
		return CTRRUN_EXIT_ERROR;
	}
	struct ctr_error err = {0};
	if (cli_open_state(rt, false) < 0)
		return CTRRUN_EXIT_ERROR;
	struct ctr_db_ps_row *rows = NULL;
	size_t n = 0;
	if (ctr_db_list_ps(rt->db, true, &rows, &n, &err) != CTR_DB_OK) {
		ctr_print_error(&err);
		return CTRRUN_EXIT_ERROR;
	}
	int rc = 0;
	printf("Deleted Containers:\n");
	for (size_t i = 0; i < n; i++) {
		/* Not created ones: one may be starting right now. */
		if (rows[i].state != CTR_DB_EXITED && rows[i].state != CTR_DB_DEAD)
			continue;
		struct ctr_db_container c = {0};
		struct ctr_errors met = {0};
		bool failed = ctr_db_get_container(rt->db, rows[i].id, &c, &err) != CTR_DB_OK ||
			      ctr_container_remove(rt, &c, false, &err, &met) < 0;
		cli_print_errors(&met);
		if (failed) {
			ctr_print_error(&err);
			rc = 1;
		} else {
			printf("%s\n", rows[i].id);
		}
		ctr_db_container_free(&c);
	}
	ctr_db_ps_free(rows, n);
	return rc;
}
