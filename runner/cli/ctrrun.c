/* ctrrun: the command line. Global options, then a dispatch table from
 * command name to the cmd_*.c that implements it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_options.h"
#include "ctrrun.h"
#include "leftovers.h"

struct command {
	const char *name;
	int (*fn)(struct ctrrun *rt, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"run", cmd_run, "run a command in a new container"},
	{"import", cmd_import, "create an image from a rootfs tarball"},
	{"images", cmd_images, "list images"},
	{"rmi", cmd_rmi, "remove images"},
	{"ps", cmd_ps, "list containers"},
	{"rm", cmd_rm, "remove containers"},
	{"container", cmd_container, "`container prune`: remove all stopped containers"},
	{"logs", cmd_logs, "print a container's output"},
	{"exec", cmd_exec, "run a command in a running container"},
	{"stop", cmd_stop, "stop containers (SIGTERM, then SIGKILL)"},
	{"kill", cmd_kill, "send a signal to containers"},
	{"start", cmd_start, "start stopped containers again"},
	{"wait", cmd_wait, "wait for containers to exit, print exit codes"},
	{"commit", cmd_commit, "create an image from a container's changes"},
	{"export", cmd_export, "write a container's root file system as a tar"},
	{"inspect", cmd_inspect, "print containers and images as JSON"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: ctrrun [--root DIR] COMMAND [OPTIONS] [ARGS]\n\n"
		     "A daemonless, rootless container runner. Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nGlobal options:\n"
		     "  --root DIR   state directory (default /var/lib/ctrrun as root,\n"
		     "               ~/.local/share/ctrrun otherwise; also $CTRRUN_ROOT)\n"
		     "Run `ctrrun COMMAND --help` for a command's options. See ctrrun(1).\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"root", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *root = NULL;
	struct ctr_error err = {0};
	struct cli_options p;
	int opt;
	cli_options_start(&p, NULL, "+h", options, argc, argv);
	while ((opt = cli_options_next(&p, &err)) != -1) {
		switch (opt) {
		case 'r':
			root = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("ctrrun %s\n", CTR_VERSION);
			return 0;
		default:
			return cli_usage_error(&err);
		}
	}
	int i = optind;
	if (i >= argc) {
		usage(stderr);
		return CTRRUN_EXIT_ERROR;
	}
	const struct command *cmd = NULL;
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			cmd = &commands[k];
	if (!cmd) {
		fprintf(stderr, "ctrrun: unknown command '%s' (see ctrrun --help)\n", argv[i]);
		return CTRRUN_EXIT_ERROR;
	}
	struct ctrrun rt;
	/* A command's help needs no state directory; each command prints its
	 * usage before it touches one. */
	if (i + 1 < argc && strcmp(argv[i + 1], "--help") == 0) {
		memset(&rt, 0, sizeof rt);
		return cmd->fn(&rt, argc - i, argv + i);
	}
	if (ctr_store_init(&rt, root, &err) < 0) {
		ctr_print_error(&err);
		ctr_store_fini(&rt);
		return CTRRUN_EXIT_ERROR;
	}
	int rc = ctr_exit_code(&rt, cmd->fn(&rt, argc - i, argv + i));
	/* What killed commands left is removed after the command's own work
	 * (and its exit status), so that `rm` of a container whose removal was
	 * cut short finishes it itself, and `start` of one refuses it (it is
	 * removing). */
	fflush(NULL);
	ctr_sweep_leftovers(&rt);
	ctr_store_fini(&rt);
	return rc;
}
