/* ctrrun import: a rootfs tarball becomes an image, as `docker import`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_options.h"
#include "ctrrun.h"
#include "image_config.h"
#include "image_import.h"

static const char import_usage[] =
	"usage: ctrrun import [OPTIONS] FILE|- NAME[:TAG]\n"
	"\n"
	"Create an image from a rootfs tarball (any compression: gzip, xz, zstd, bzip2, ...);\n"
	"- reads it from standard input. Prints the new image's id.\n"
	"\n"
	"  -c, --change INSTR   apply a Dockerfile instruction to the image config:\n"
	"                       CMD, ENTRYPOINT, ENV, WORKDIR or USER (repeatable),\n"
	"                       e.g. --change 'CMD [\"sh\"]'\n"
	"  -m, --message MSG    commit message, recorded as the config's comment\n"
	"  -h, --help           this help\n";

int cmd_import(struct ctrrun *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{"change", required_argument, NULL, 'c'},
		{"message", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	_cleanup_image_config_ struct ctr_image_config config = {0};
	struct ctr_error err = {0};
	const char *message = NULL;
	int opt;

	struct cli_options p;
	cli_options_start(&p, "import", "c:m:h", options, argc, argv);
	while ((opt = cli_options_next(&p, &err)) != -1) {
		switch (opt) {
		case 'c':
			if (ctr_image_config_apply_change(&config, optarg, &err) < 0) {
				ctr_print_error(&err);
				return CTRRUN_EXIT_ERROR;
			}
			break;
		case 'm':
			message = optarg;
			break;
		case 'h':
			fputs(import_usage, stdout);
			return 0;
		default:
			ctr_print_error(&err);
			return CTRRUN_EXIT_ERROR;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "ctrrun: import needs FILE|- and NAME[:TAG], got %d argument%s\n", argc - optind,
			argc - optind == 1 ? "" : "s");
		fputs(import_usage, stderr);
		return CTRRUN_EXIT_ERROR;
	}
	char id[CTR_DB_ID_LEN + 1];
	if (ctr_image_import_msg(rt, argv[optind], argv[optind + 1], &config, message, id, &err) < 0) {
		ctr_print_error(&err);
		return CTRRUN_EXIT_ERROR;
	}
	printf("sha256:%s\n", id);
	return 0;
}
