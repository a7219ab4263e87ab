/* One idiom for every ctrrun command's options: see cli_options.h. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli_options.h"
#include "ctrrun.h"

void cli_options_start(struct cli_options *p, const char *cmd, const char *shortopts,
		       const struct option *longopts, int argc, char **argv)
{
	*p = (struct cli_options){.cmd = cmd, .longopts = longopts, .argc = argc, .argv = argv};
	/* A leading '+' (run, exec, the global options): the first operand
	 * ends the options. Without it, options may also follow operands
	 * (docker's rule for commands that run no COMMAND), and getopt moves
	 * the operands to the end of ARGV. ':': getopt prints nothing and
	 * tells a missing value (':') from an unknown option ('?'). */
	bool posix = shortopts[0] == '+';
	snprintf(p->optstring, sizeof p->optstring, "%s:%s", posix ? "+" : "", shortopts + posix);
	optind = 0;
	opterr = 0;
}

/* "--name=value" -> "--name" */
static int flag_len(const char *arg)
{
	return (int)strcspn(arg, "=");
}

/* Whether ARG ("--name" or "--name=value") spells out the long option NAME. */
static bool spells(const char *arg, const char *name)
{
	return (size_t)flag_len(arg) == strlen(name) + 2 && strncmp(arg + 2, name, strlen(name)) == 0;
}

enum refusal { UNKNOWN, NEEDS_VALUE, TAKES_NO_VALUE };

/* The message naming the command and FLAG; returns '?'. */
static int refuse(const struct cli_options *p, struct ctr_error *err, enum refusal why, const char *flag)
{
	char text[200];
	switch (why) {
	case UNKNOWN: snprintf(text, sizeof text, "unknown %soption %s", p->cmd ? "" : "global ", flag); break;
	case NEEDS_VALUE: snprintf(text, sizeof text, "%s needs a value", flag); break;
	case TAKES_NO_VALUE: snprintf(text, sizeof text, "%s takes no value", flag); break;
	}
	if (p->cmd)
		ctr_fail(err, 0, "%s: %s (see ctrrun %s --help)", p->cmd, text, p->cmd);
	else
		ctr_fail(err, 0, "%s (see ctrrun --help)", text);
	return '?';
}

int cli_options_next(struct cli_options *p, struct ctr_error *err)
{
	/* The argument being read: the first one from optind (0 before the
	 * first call) that is an option, also in the middle of a bundle of
	 * short flags; getopt skips the operands before it. */
	int at = optind ? optind : 1;
	int index = -1;
	int opt = getopt_long(p->argc, p->argv, p->optstring, p->longopts, &index);
	if (opt == -1)
		return -1;
	while (at < p->argc && (p->argv[at][0] != '-' || p->argv[at][1] == '\0'))
		at++;
	const char *arg = at < p->argc ? p->argv[at] : "";
	char *flag = p->flag;
	if (strncmp(arg, "--", 2) == 0)
		snprintf(flag, sizeof p->flag, "%.*s", flag_len(arg), arg);
	else
		snprintf(flag, sizeof p->flag, "-%c", opt == '?' || opt == ':' ? optopt : opt);
	if (opt == ':')
		return refuse(p, err, NEEDS_VALUE, flag);
	if (opt == '?') {
		/* glibc's '?' for a long option: unknown, ambiguous, or given a
		 * value it does not take. */
		if (flag[1] == '-' && arg[strlen(flag)] == '=')
			for (const struct option *o = p->longopts; o->name; o++)
				if (o->has_arg == no_argument && spells(arg, o->name))
					return refuse(p, err, TAKES_NO_VALUE, flag);
		return refuse(p, err, UNKNOWN, flag);
	}
	/* glibc takes a unique prefix (--det for --detach); docker does not. */
	if (index >= 0 && !spells(arg, p->longopts[index].name))
		return refuse(p, err, UNKNOWN, flag);
	return opt;
}

int cli_usage_error(const struct ctr_error *err)
{
	ctr_print_error(err);
	return CTRRUN_EXIT_ERROR;
}

int cli_print_help(const char *usage)
{
	fputs(usage, stdout);
	return 0;
}

int cli_options_help_only(const char *cmd, const char *usage, int argc, char **argv, int *first)
{
	static const struct option options[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctr_error err = {0};
	struct cli_options p;
	cli_options_start(&p, cmd, "h", options, argc, argv);
	int opt = cli_options_next(&p, &err);
	if (opt != -1)
		return opt == 'h' ? cli_print_help(usage) : cli_usage_error(&err);
	*first = optind;
	return -1;
}
