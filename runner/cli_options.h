/* One idiom for every ctrrun command's options (and ctrrun's global ones):
 * getopt_long in POSIX order, with docker's forms. Options come before the
 * operands: the first operand or "--" ends them, so that in
 * `ctrrun run busybox ls -l` the -l is ls's. Long options take their value
 * as --flag=value or --flag value, short ones as -fVALUE or -f VALUE, and
 * short flags bundle (-dit, -ft). A long option must be spelled out (docker
 * knows no abbreviations). Nothing here prints: an error is a ctr_error
 * that names the command and the flag. */
#ifndef CTRRUN_CLI_OPTIONS_H
#define CTRRUN_CLI_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>

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
	bool dashes;                   /* the options ended at "--" */
};

/* Starts a fresh scan of ARGV (glibc's full reset of getopt's state, so
 * it can run many times in one process). SHORTOPTS as getopt's, without
 * the leading '+' or ':'. */
void cli_options_start(struct cli_options *p, const char *cmd, const char *shortopts,
		       const struct option *longopts, int argc, char **argv);

/* The next option: its short letter or its long option's val, with its
 * value in optarg and its spelling in P->flag; -1 after the last one (optind is then the first
 * operand); '?' with *ERR set for an unknown option, a long option
 * abbreviated, a value missing, or a value given to a long option that
 * takes none. */
int cli_options_next(struct cli_options *p, struct ctr_error *err);

/* Options after an operand too, as docker's logs takes them (`logs NAME
 * -f`): after cli_options_next returned -1 with an operand at optind (and
 * not after "--"), starts a scan of the arguments that follow it. */
void cli_options_after_operand(struct cli_options *p);

/* For commands that print their own errors: "ctrrun: MSG" on stderr
 * (ctrrun_print_error) and CTRRUN_EXIT_ERROR. */
int cli_usage_error(const struct ctr_error *err);

/* USAGE on stdout, for --help; returns 0, the exit status. */
int cli_print_help(const char *usage);

#endif
