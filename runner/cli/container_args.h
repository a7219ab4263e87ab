/* The common shape of rm, stop, kill, start and wait: options, then one or
 * more containers named by id, unique prefix or name, each acted on in turn. */
#ifndef CTRRUN_CONTAINER_ARGS_H
#define CTRRUN_CONTAINER_ARGS_H

#include <stdbool.h>

#include "ctrrun.h"
#include "met_errors.h"

/* The action on one container: 0, or -1 with *err filled (printed by the
 * caller). NAME is the argument as the user typed it. */
typedef int (*container_action)(struct ctrrun *rt, struct ctr_db_container *c, const char *name, void *arg,
				struct ctr_error *err);

/* The rest of command CMD after its options: ARGV's operands from FIRST on
 * name the containers. None: "CMD needs at least one container" and USAGE,
 * exit code 125. Else opens the state and runs ACTION on each. Returns the
 * command's exit code: 0, 1 when a container was unknown or its action
 * failed (docker's rule: every name is tried), 125 when the state cannot be
 * opened. */
int cli_for_each_container(struct ctrrun *rt, const char *cmd, const char *usage, int argc, char **argv, int first,
			   container_action action, void *arg);

/* Prints each error the core met ("ctrrun: MSG", counted: the command does
 * not exit 0), after the warnings not printed yet, and empties MET. */
void cli_print_errors(struct ctr_errors *met);

/* ctr_open_state (TO_READ: ctr_open_state_to_read) with what it met
 * printed: -1 when state.db cannot be opened (the command exits 125). */
int cli_open_state(struct ctrrun *rt, bool to_read);

/* ctr_reap_stale_if_unlocked with what it met printed. */
void cli_reap_stale_if_unlocked(struct ctrrun *rt);

#endif
