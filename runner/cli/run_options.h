/* `ctrrun run`'s command line, parsed and checked before anything is made. */
#ifndef CTRRUN_RUN_OPTIONS_H
#define CTRRUN_RUN_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "container_spec.h"
#include "log_options.h"
#include "resource_limits.h"
#include "ctr/error.h"

struct run_options {
	bool interactive, tty, auto_remove, host_network, help, detach, no_proc_view;
	struct log_options log;  /* --log-opt, --log-max-size */
	struct ctr_limits limits;/* -m, --memory-swap, --cpus, --cpuset-cpus, --pids-limit */
	const char *name, *workdir, *user, *hostname;
	char **env;              /* -e and --env-file entries, in order, "K=V" */
	size_t n_env;
	struct ctr_volume *volumes;
	size_t n_volumes;
	/* Confinement (docker's flags). */
	const char *userns;      /* --userns: NULL (the default), "auto" or "host" */
	bool privileged;         /* --privileged */
	bool read_only;          /* --read-only */
	bool no_new_privileges;  /* --security-opt no-new-privileges (always in force; accepted) */
	const char *seccomp;     /* --security-opt seccomp=: NULL (default profile), "unconfined", or a file */
	char **cap_add, **cap_drop, **tmpfs;  /* --cap-add, --cap-drop, --tmpfs, in order */
	size_t n_cap_add, n_cap_drop, n_tmpfs;
	const char *image;
	char **command;          /* after IMAGE; n_command may be 0 */
	int n_command;
};

extern const char run_usage[];

/* Every check that needs no image and no file system (except reading
 * --env-file): a malformed flag is an error naming it. */
int cli_run_options_parse(struct run_options *o, int argc, char **argv, struct ctr_error *err);
void cli_run_options_free(struct run_options *o);

#endif
