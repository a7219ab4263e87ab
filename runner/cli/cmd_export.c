/* ctrrun export: a container's root file system as one tar, as `docker
 * export`. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_options.h"
#include "ctrrun.h"
#include "rootfs_export.h"

static const char export_usage[] =
	"usage: ctrrun export [OPTIONS] CONTAINER\n"
	"\n"
	"Write a container's root file system, flattened (its image's layers with its\n"
	"own changes applied), as a tar archive to standard output or a file.\n"
	"Volumes are not included. A running container is not paused.\n"
	"\n"
	"  -o, --output FILE   write to FILE (\"-\": standard output), which appears\n"
	"                      only once it is complete\n"
	"  -h, --help          this help\n";

/* Where the tar goes: a temporary file beside FILE, renamed over it when
 * complete, so a failed export never leaves a truncated FILE. Device files
 * and fifos are written directly. */
struct output {
	const char *file;   /* NULL: standard output */
	char *tmp;          /* the temporary file, until renamed */
	int fd;
};

static int open_output(struct output *o, struct ctr_error *err)
{
	o->fd = -1;
	if (!o->file) {
		o->fd = STDOUT_FILENO;
		return 0;
	}
	struct stat st;
	if (stat(o->file, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return ctr_fail(err, EISDIR, "cannot write %s", o->file);
		o->fd = open(o->file, O_WRONLY | O_CLOEXEC);
		return o->fd < 0 ? ctr_fail(err, errno, "cannot open %s", o->file) : 0;
	}
	if (asprintf(&o->tmp, "%s.ctrrun-tmp-XXXXXX", o->file) < 0) {
		o->tmp = NULL;
		return ctr_fail(err, ENOMEM, "output");
	}
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		ctr_fail(err, errno, "cannot create %s", o->file);
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	/* mkstemp makes 0600; a new file gets what open(2) would give it. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask) < 0)
		return ctr_fail(err, errno, "cannot set the mode of %s", o->tmp);
	return 0;
}

static int finish_output(struct output *o, struct ctr_error *err)
{
	if (!o->tmp)
		return 0;
	if (fsync(o->fd) < 0)
		return ctr_fail(err, errno, "cannot write %s", o->tmp);
	if (rename(o->tmp, o->file) < 0)
		return ctr_fail(err, errno, "cannot rename %s to %s", o->tmp, o->file);
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

static void close_output(struct output *o)
{
	if (o->tmp) {
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
	if (o->fd >= 0 && o->fd != STDOUT_FILENO)
		close(o->fd);
	o->fd = -1;
}

int cmd_export(struct ctrrun *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct output out = {.fd = -1};
	int opt;
	struct ctr_error err = {0};
	struct cli_options p;
	cli_options_start(&p, "export", "o:h", options, argc, argv);
	while ((opt = cli_options_next(&p, &err)) != -1) {
		switch (opt) {
		case 'o':
			out.file = strcmp(optarg, "-") == 0 ? NULL : optarg;
			if (out.file && !*out.file) {
				fprintf(stderr, "ctrrun: export: -o needs a file name\n");
				return CTRRUN_EXIT_ERROR;
			}
			break;
		case 'h':
			return cli_print_help(export_usage);
		default:
			return cli_usage_error(&err);
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "ctrrun: export needs exactly one CONTAINER, got %d argument%s\n", argc - optind,
			argc - optind == 1 ? "" : "s");
		fputs(export_usage, stderr);
		return CTRRUN_EXIT_ERROR;
	}
	if (!out.file && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "ctrrun: cowardly refusing to save to a terminal. Use the -o flag or redirect\n");
		return CTRRUN_EXIT_ERROR;
	}
	struct ctr_db_container c;
	if (ctr_store_open_db(rt, &err) < 0 || ctr_db_find_container(rt->db, argv[optind], &c, &err) != CTR_DB_OK) {
		ctr_print_error(&err);
		return CTRRUN_EXIT_ERROR;
	}
	int rc = CTRRUN_EXIT_ERROR;
	struct ctr_db_image image;
	if (ctr_db_find_image(rt->db, c.image_id, &image, &err) != CTR_DB_OK) {
		ctr_print_error(&err);
		ctr_db_container_free(&c);
		return rc;
	}
	if (c.state == CTR_DB_REMOVING)
		ctr_fail(&err, 0, "container %s (%.12s) is being removed", c.name, c.id);
	else if (open_output(&out, &err) == 0 && ctr_rootfs_export(rt, &c, &image, out.fd, &err) == 0 &&
		 finish_output(&out, &err) == 0)
		rc = 0;
	if (rc)
		ctr_print_error(&err);
	close_output(&out);
	ctr_db_image_free(&image);
	ctr_db_container_free(&c);
	return rc;
}
