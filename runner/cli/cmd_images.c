/* ctrrun images: the image list, in `docker images` columns and formats. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_options.h"
#include "ctrrun.h"
#include "human_format.h"

static const char images_usage[] =
	"usage: ctrrun images [OPTIONS] [REPOSITORY[:TAG]]\n"
	"\n"
	"List images, newest first: REPOSITORY, TAG, IMAGE ID, CREATED, SIZE.\n"
	"\n"
	"  -q, --quiet      only image ids\n"
	"      --no-trunc   full image ids (sha256:...)\n"
	"  -h, --help       this help\n";

#define N_COLUMNS 5

/* The docker CLI's tabwriter: each column as wide as its widest cell plus
 * 3 spaces, at least 10; the last one unpadded. */
static void print_table(char *(*cells)[N_COLUMNS], size_t n_rows)
{
	size_t width[N_COLUMNS] = {0};
	for (size_t r = 0; r < n_rows; r++)
		for (int c = 0; c < N_COLUMNS; c++)
			if (strlen(cells[r][c]) > width[c])
				width[c] = strlen(cells[r][c]);
	for (size_t r = 0; r < n_rows; r++) {
		for (int c = 0; c < N_COLUMNS - 1; c++) {
			size_t w = width[c] + 3 < 10 ? 10 : width[c] + 3;
			printf("%-*s", (int)w, cells[r][c]);
		}
		printf("%s\n", cells[r][N_COLUMNS - 1]);
	}
}

/* REPOSITORY[:TAG] as `docker images` filters: the repository exactly, the
 * tag when given. */
static bool matches(const struct ctr_db_image *img, const char *filter)
{
	if (!filter)
		return true;
	const char *slash = strrchr(filter, '/');
	const char *colon = strrchr(slash ? slash : filter, ':');
	size_t len = colon ? (size_t)(colon - filter) : strlen(filter);
	return strlen(img->repository) == len && strncmp(img->repository, filter, len) == 0 &&
	       (!colon || strcmp(img->tag, colon + 1) == 0);
}

int cmd_images(struct ctrrun *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"no-trunc", no_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool quiet = false, no_trunc = false;
	int opt;
	struct ctr_error err = {0};
	struct cli_options p;
	cli_options_start(&p, "images", "qh", options, argc, argv);
	while ((opt = cli_options_next(&p, &err)) != -1) {
		switch (opt) {
		case 'q':
			quiet = true;
			break;
		case 'T':
			no_trunc = true;
			break;
		case 'h':
			return cli_print_help(images_usage);
		default:
			return cli_usage_error(&err);
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "ctrrun: images takes at most one REPOSITORY[:TAG]\n");
		return CTRRUN_EXIT_ERROR;
	}
	const char *filter = optind < argc ? argv[optind] : NULL;

	struct ctr_db_image *images = NULL;
	size_t n = 0;
	if (ctr_store_open_db(rt, &err) < 0 || ctr_db_list_images(rt->db, &images, &n, &err) != CTR_DB_OK) {
		ctr_print_error(&err);
		return CTRRUN_EXIT_ERROR;
	}
	/* Row 0 is the header; each cell is a heap string freed below. */
	char *(*cells)[N_COLUMNS] = calloc(n + 1, sizeof *cells);
	if (!cells) {
		ctr_db_image_list_free(images, n);
		fprintf(stderr, "ctrrun: images: out of memory\n");
		return CTRRUN_EXIT_ERROR;
	}
	int64_t now = ctr_now_ns();
	size_t rows = 1;
	bool oom = false;
	for (size_t i = 0; i < n; i++) {
		const struct ctr_db_image *img = &images[i];
		if (!matches(img, filter))
			continue;
		char id[7 + CTR_DB_ID_LEN + 1];
		if (no_trunc)
			snprintf(id, sizeof id, "sha256:%s", img->id);
		else
			snprintf(id, sizeof id, "%.*s", CTR_DB_SHORT_ID_LEN, img->id);
		if (quiet) {
			printf("%s\n", id);
			continue;
		}
		char created[80], size[32];
		cli_format_ago(img->created_ns, now, created, sizeof created);
		cli_format_size(img->size_bytes, size, sizeof size);
		const char *row[N_COLUMNS] = {img->repository, img->tag, id, created, size};
		for (int c = 0; c < N_COLUMNS; c++)
			oom |= !(cells[rows][c] = strdup(row[c]));
		rows++;
	}
	if (!quiet && !oom) {
		static const char *const header[N_COLUMNS] = {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"};
		for (int c = 0; c < N_COLUMNS; c++)
			cells[0][c] = (char *)header[c];
		print_table(cells, rows);
	}
	for (size_t r = 1; r < rows; r++)
		for (int c = 0; c < N_COLUMNS; c++)
			free(cells[r][c]);
	free(cells);
	ctr_db_image_list_free(images, n);
	if (oom) {
		fprintf(stderr, "ctrrun: images: out of memory\n");
		return CTRRUN_EXIT_ERROR;
	}
	return fflush(stdout) == 0 ? 0 : CTRRUN_EXIT_ERROR;
}
