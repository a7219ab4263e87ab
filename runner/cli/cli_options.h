/* One idiom for every ctrrun command's options (and ctrrun's global ones):
 * getopt_long with docker's forms and order. For run, exec and the global
 * options (a leading '+' in SHORTOPTS) options come before the operands:
 * the first operand ends them, so that in `ctrrun run busybox ls -l` the
 * -l is ls's; other commands take options after their operands too
 * (`logs NAME -f`, `export NAME -o FILE`), as docker's do. "--" ends the
 * options. Long options take their value
 * as --flag=value or --flag value, short ones as -fVALUE or -f VALUE, and
 * short flags bundle (-dit, -ft). A long option must be spelled out (docker
 * knows no abbreviations). Nothing here prints: an error is a ctr_error
 * that names the command and the flag. */
#ifndef CTRRUN_CLI_OPTIONS_H
#define CTRRUN_CLI_OPTIONS_H

#include <getopt.h>

#include "ctr/error.h"

/* The val of a --help without a short form (run's -h is --hostname). */
#define CLI_HELP 0x100

struct cli_options {
	const char *cmd;               /* "logs"; NULL: ctrrun's global options */
	const struct option *longopts; /* ends with a zeroed entry */
	int argc;
	char **argv;                   /* argv[0]: the command's name */
	char optstring[64];            /* "+:" and the short options */
	char flag[128];                /* the last option as given: "-m", "--memory" */
};

/* Starts a fresh scan of ARGV (glibc's full reset of getopt's state, so
 * it can run many times in one process). SHORTOPTS as getopt's, with a
 * leading '+' for POSIX order and without ':'. Without '+', the scan
 * moves ARGV's operands after its options (glibc's permutation). */
void cli_options_start(struct cli_options *p, const char *cmd, const char *shortopts,
		       const struct option *longopts, int argc, char **argv);

/* The next option: its short letter or its long option's val, with its
 * value in optarg and its spelling in P->flag; -1 after the last one (optind is then the first
 * operand); '?' with *ERR set for an unknown option, a long option
 * abbreviated, a value missing, or a value given to a long option that
 * takes none. */
int cli_options_next(struct cli_options *p, struct ctr_error *err);

/* For commands that print their own errors: "ctrrun: MSG" on stderr
 * (ctr_print_error) and CTRRUN_EXIT_ERROR. */
int cli_usage_error(const struct ctr_error *err);

/* USAGE on stdout, for --help; returns 0, the exit status. */
int cli_print_help(const char *usage);

/* The options of a command whose only option is --help: -1 with *FIRST
 * its first operand when it goes on, else its exit status (the help
 * printed: 0; a usage error printed: 125). */
int cli_options_help_only(const char *cmd, const char *usage, int argc, char **argv, int *first);

#endif
