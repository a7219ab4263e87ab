/* Acting on the containers a command names; printing what the container
 * core met (it prints nothing itself). */
#include <stdio.h>
#include <string.h>

#include "cli_options.h"
#include "container_args.h"
#include "stale.h"

void cli_print_errors(struct ctr_errors *met)
{
	size_t pos = 0;
	int len;
	for (const char *line; (line = ctr_lines_next(&met->lines, &pos, &len));) {
		struct ctr_error err = {0};
		snprintf(err.msg, sizeof err.msg, "%.*s", len, line);
		ctr_print_error(&err);
	}
	if (met->n > met->lines.n) {
		struct ctr_error err = {0};
		unsigned more = met->n - met->lines.n;
		ctr_fail(&err, 0, "%u more error%s not shown", more, more == 1 ? "" : "s");
		ctr_print_error(&err);
	}
	*met = (struct ctr_errors){0};
}

int cli_open_state(struct ctrrun *rt, bool to_read)
{
	struct ctr_error err = {0};
	struct ctr_errors met = {0};
	int rc = to_read ? ctr_open_state_to_read(rt, &err, &met) : ctr_open_state(rt, &err, &met);
	cli_print_errors(&met);
	if (rc < 0)
		ctr_print_error(&err);
	return rc;
}

void cli_reap_stale_if_unlocked(struct ctrrun *rt)
{
	struct ctr_errors met = {0};
	ctr_reap_stale_if_unlocked(rt, &met);
	cli_print_errors(&met);
}

int cli_for_each_container(struct ctrrun *rt, const char *cmd, const char *usage, int argc, char **argv, int first,
			   container_action action, void *arg)
{
	if (first >= argc) {
		struct ctr_error err;
		ctr_fail(&err, 0, "%s needs at least one container", cmd);
		int code = cli_usage_error(&err);
		fputs(usage, stderr);
		return code;
	}
	if (cli_open_state(rt, false) < 0)
		return CTRRUN_EXIT_ERROR;
	int rc = 0;
	for (int i = first; i < argc; i++) {
		struct ctr_error err = {0};
		struct ctr_db_container c = {0};
		if (ctr_db_find_container(rt->db, argv[i], &c, &err) != CTR_DB_OK ||
		    action(rt, &c, argv[i], arg, &err) < 0) {
			ctr_print_error(&err);
			rc = 1;
		}
		ctr_db_container_free(&c);
	}
	fflush(stdout);
	return rc;
}
