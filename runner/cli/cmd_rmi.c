/* ctrrun rmi: remove images (by name[:tag], id or unique id prefix) and the
 * layers no image uses any more, printing what went as `docker rmi` does. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container_args.h"
#include "container_remove.h"
#include "cli_options.h"
#include "ctrrun.h"
#include "image_import.h"
#include "remove_tree.h"

static const char rmi_usage[] =
	"usage: ctrrun rmi [OPTIONS] IMAGE [IMAGE...]\n"
	"\n"
	"Remove images, given as NAME[:TAG], id or unique id prefix, and the layers\n"
	"that no other image uses. An image that a container uses is kept.\n"
	"\n"
	"  -f, --force   remove the containers that use the image first (running ones too)\n"
	"  -h, --help    this help\n";

/* With -f: removes every container made from image ID. */
static int remove_users(struct ctrrun *rt, const char *id, struct ctr_error *err)
{
	struct ctr_db_ps_row *rows = NULL;
	size_t n = 0;
	if (ctr_db_list_ps(rt->db, true, &rows, &n, err) != CTR_DB_OK)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct ctr_db_container c;
		int got = ctr_db_get_container(rt->db, rows[i].id, &c, err);
		if (got == CTR_DB_NOT_FOUND)
			continue;  /* removed meanwhile */
		if (got != CTR_DB_OK) {
			rc = -1;
			break;
		}
		if (strcmp(c.image_id, id) == 0) {
			struct ctr_errors met = {0};
			rc = ctr_container_remove(rt, &c, true, err, &met);
			cli_print_errors(&met);
			if (rc == 0)
				fprintf(stderr, "ctrrun: removed container %s (%.12s), which used image %.12s\n", c.name,
					c.id, id);
		}
		ctr_db_container_free(&c);
	}
	ctr_db_ps_free(rows, n);
	return rc;
}

static void record(struct ctrrun *rt, char *action, char *id, char *name)
{
	struct ctr_error err = {0};
	struct ctr_db_event ev = {.time_ns = ctr_now_ns(), .type = "image", .action = action, .actor_id = id,
				  .actor_name = name};
	if (ctr_db_add_event(rt->db, &ev, &err) != CTR_DB_OK)
		fprintf(stderr, "ctrrun: warning: %s\n", err.msg);
}

/* Deletes the layer rows no image uses and then their directories, under
 * the layers lock so a concurrent import does not pick one up meanwhile. */
static int prune_layers(struct ctrrun *rt, struct ctr_error *err)
{
	int lock = ctr_layers_lock(rt, err);
	if (lock < 0)
		return -1;
	char **ids = NULL;
	size_t n = 0;
	int rc = ctr_db_delete_unused_layers(rt->db, &ids, &n, err) == CTR_DB_OK ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *dir = ctr_store_layer_dir(rt, ids[i]);
		struct ctr_error rm_err = {0};
		/* The row is gone: a directory left here is removed by the next
		 * import of the same layer, so a failure is only worth a warning. */
		if (!dir || ctr_remove_tree_as(&rt->idmap, dir, &rm_err) < 0)
			fprintf(stderr, "ctrrun: warning: layer %.12s: %s\n", ids[i], dir ? rm_err.msg : "out of memory");
		free(dir);
		printf("Deleted: sha256:%s\n", ids[i]);
	}
	ctr_db_strv_free(ids, n);
	close(lock);
	return rc;
}

static int remove_image(struct ctrrun *rt, const char *ref, bool force, struct ctr_error *err)
{
	struct ctr_db_image img;
	int found = ctr_db_find_image(rt->db, ref, &img, err);
	if (found == CTR_DB_NOT_FOUND)
		return ctr_fail(err, 0, "no such image: %s", ref);
	if (found != CTR_DB_OK)
		return -1;
	int rc = ctr_db_delete_image(rt->db, img.id, err);
	if (rc == CTR_DB_IN_USE && force && remove_users(rt, img.id, err) == 0)
		rc = ctr_db_delete_image(rt->db, img.id, err);
	if (rc == CTR_DB_IN_USE && !force)
		ctr_error_append(err, " (remove %s first, or use rmi -f)", strchr(err->msg, ',') ? "them" : "it");
	if (rc != CTR_DB_OK) {
		ctr_db_image_free(&img);
		return -1;
	}
	char *name = NULL;
	if (asprintf(&name, "%s:%s", img.repository, img.tag) < 0)
		name = NULL;
	printf("Untagged: %s\n", name ? name : img.repository);
	printf("Deleted: sha256:%s\n", img.id);
	record(rt, "untag", img.id, name);
	record(rt, "delete", img.id, name);
	free(name);
	ctr_db_image_free(&img);
	return prune_layers(rt, err);
}

int cmd_rmi(struct ctrrun *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool force = false;
	int opt;
	struct ctr_error err = {0};
	struct cli_options p;
	cli_options_start(&p, "rmi", "fh", options, argc, argv);
	while ((opt = cli_options_next(&p, &err)) != -1) {
		switch (opt) {
		case 'f':
			force = true;
			break;
		case 'h':
			return cli_print_help(rmi_usage);
		default:
			return cli_usage_error(&err);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ctrrun: rmi needs at least one IMAGE\n");
		fputs(rmi_usage, stderr);
		return CTRRUN_EXIT_ERROR;
	}
	if (ctr_store_open_db(rt, &err) < 0) {
		ctr_print_error(&err);
		return CTRRUN_EXIT_ERROR;
	}
	/* Like docker: every image is tried; one failure fails the command. */
	int rc = 0;
	for (int i = optind; i < argc; i++) {
		memset(&err, 0, sizeof err);
		if (remove_image(rt, argv[i], force, &err) < 0) {
			ctr_print_error(&err);
			rc = CTRRUN_EXIT_ERROR;
		}
		fflush(stdout);
	}
	return rc;
}
