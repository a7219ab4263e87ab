/* ctrrun commit: a container's changes become a new image, as `docker
 * commit`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_options.h"
#include "ctrrun.h"
#include "image_config.h"
#include "image_import.h"
#include "layer_commit.h"

static const char commit_usage[] =
	"usage: ctrrun commit [OPTIONS] CONTAINER NAME[:TAG]\n"
	"\n"
	"Create an image from a container's changes: the container's image's layers\n"
	"plus one new layer holding what the container added, changed and deleted.\n"
	"The container's command, environment, working dir and user become the\n"
	"image's defaults. Prints the new image's id. A running container is not\n"
	"paused: files it writes meanwhile may be caught half way.\n"
	"\n"
	"  -a, --author AUTHOR  recorded as the image's author\n"
	"  -c, --change INSTR   apply a Dockerfile instruction to the image config:\n"
	"                       CMD, ENTRYPOINT, ENV, WORKDIR or USER (repeatable)\n"
	"  -m, --message MSG    commit message, recorded as the config's comment\n"
	"  -h, --help           this help\n";

int cmd_commit(struct ctrrun *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{"author", required_argument, NULL, 'a'},
		{"change", required_argument, NULL, 'c'},
		{"message", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctr_commit_request req = {0};
	struct ctr_image_config scratch = {0};
	struct ctr_db_container c = {0};
	struct ctr_error err = {0};
	char *repo = NULL, *tag = NULL;
	bool have_container = false;
	int opt, rc = CTRRUN_EXIT_ERROR;

	struct cli_options p;
	cli_options_start(&p, "commit", "a:c:m:h", options, argc, argv);
	while ((opt = cli_options_next(&p, &err)) != -1) {
		switch (opt) {
		case 'a':
			req.author = optarg;
			break;
		case 'c': {
			/* Checked now, so a bad one fails before anything is read;
			 * applied later over the container's config. */
			if (ctr_image_config_apply_change(&scratch, optarg, &err) < 0) {
				ctr_print_error(&err);
				goto out;
			}
			char **grown = realloc(req.changes, (req.n_changes + 1) * sizeof *grown);
			if (!grown) {
				fprintf(stderr, "ctrrun: out of memory\n");
				goto out;
			}
			req.changes = grown;
			req.changes[req.n_changes++] = optarg;
			break;
		}
		case 'm':
			req.message = optarg;
			break;
		case 'h':
			fputs(commit_usage, stdout);
			rc = 0;
			goto out;
		default:
			ctr_print_error(&err);
			goto out;
		}
	}
	if (argc - optind == 1) {
		/* docker would make an unnamed image; state.db has no such thing
		 * (every image has a repository and a tag). */
		fprintf(stderr, "ctrrun: commit needs a NAME[:TAG] for the new image: ctrrun keeps no unnamed "
				"(<none>) images\n");
		goto out;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "ctrrun: commit needs CONTAINER and NAME[:TAG], got %d argument%s\n", argc - optind,
			argc - optind == 1 ? "" : "s");
		fputs(commit_usage, stderr);
		goto out;
	}
	if (ctr_image_ref_parse(argv[optind + 1], &repo, &tag, &err) < 0 || ctr_store_open_db(rt, &err) < 0 ||
	    ctr_db_find_container(rt->db, argv[optind], &c, &err) != CTR_DB_OK) {
		ctr_print_error(&err);
		goto out;
	}
	have_container = true;
	req.repository = repo;
	req.tag = tag;
	char id[CTR_DB_ID_LEN + 1];
	if (ctr_container_commit(rt, &c, &req, id, &err) < 0) {
		ctr_print_error(&err);
		goto out;
	}
	printf("sha256:%s\n", id);
	rc = 0;
out:
	if (have_container)
		ctr_db_container_free(&c);
	ctr_image_config_free(&scratch);
	free(req.changes);
	free(repo);
	free(tag);
	return rc;
}
