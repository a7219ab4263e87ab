/* ctrrun rm: remove containers (and their upper dirs). */
#include <stdio.h>
#include <string.h>

#include "container_args.h"
#include "container_remove.h"
#include "ctrrun.h"
#include "stale.h"

static const char rm_usage[] = "usage: ctrrun rm [-f|--force] CONTAINER...\n\n"
			       "Remove containers: their upper dir, their record and log. A running\n"
			       "container is refused unless -f, which kills it first.\n";

static int remove_one(struct ctrrun *rt, struct ctr_db_container *c, const char *name, void *arg,
		      struct ctr_error *err)
{
	if (ctr_container_remove(rt, c, *(bool *)arg, err) < 0)
		return -1;
	printf("%s\n", name);
	return 0;
}

int cmd_rm(struct ctrrun *rt, int argc, char **argv)
{
	bool force = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--help") != 0; i++) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0) {
			force = true;
		} else {
			fprintf(stderr, "ctrrun: rm: unknown option %s\n%s", argv[i], rm_usage);
			return CTRRUN_EXIT_ERROR;
		}
	}
	int rc = container_args_check("rm", rm_usage, argc, argv, i);
	return rc >= 0 ? rc : for_each_container(rt, argv + i, argc - i, remove_one, &force);
}

static const char container_usage[] = "usage: ctrrun container prune\n\n"
				      "Remove every container that is not running.\n";

/* `ctrrun container prune`: docker's spelling for removing all stopped ones. */
int cmd_container(struct ctrrun *rt, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "prune") != 0) {
		fputs(container_usage, argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
		return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : CTRRUN_EXIT_ERROR;
	}
	struct ctr_error err = {0};
	if (ctrrun_open_state(rt) < 0)
		return CTRRUN_EXIT_ERROR;
	struct ctr_db_ps_row *rows = NULL;
	size_t n = 0;
	if (ctr_db_list_ps(rt->db, true, &rows, &n, &err) != CTR_DB_OK) {
		ctrrun_print_error(&err);
		return CTRRUN_EXIT_ERROR;
	}
	int rc = 0;
	printf("Deleted Containers:\n");
	for (size_t i = 0; i < n; i++) {
		/* Not created ones: one may be starting right now. */
		if (rows[i].state != CTR_DB_EXITED && rows[i].state != CTR_DB_DEAD)
			continue;
		struct ctr_db_container c = {0};
		if (ctr_db_get_container(rt->db, rows[i].id, &c, &err) != CTR_DB_OK ||
		    ctr_container_remove(rt, &c, false, &err) < 0) {
			ctrrun_print_error(&err);
			rc = 1;
		} else {
			printf("%s\n", rows[i].id);
		}
		ctr_db_container_free(&c);
	}
	ctr_db_ps_free(rows, n);
	return rc;
}
