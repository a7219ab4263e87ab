/* The ctrrun commands: each command's entry point is listed here and lives
 * in a cmd_*.c file named after it (cmd_rm.c also holds `container prune`,
 * cmd_stop.c also kill), over the core (storage.h: where state lives, the open
 * database, the id mapping containers get; exit_code.h: the exit codes). */
#ifndef CTRRUN_H
#define CTRRUN_H

#include "exit_code.h"
#include "storage.h"

/* Commands: argv[0] is the command name; they return the process exit code. */
int cmd_run(struct ctrrun *rt, int argc, char **argv);
int cmd_import(struct ctrrun *rt, int argc, char **argv);
int cmd_images(struct ctrrun *rt, int argc, char **argv);
int cmd_rmi(struct ctrrun *rt, int argc, char **argv);
int cmd_ps(struct ctrrun *rt, int argc, char **argv);
int cmd_rm(struct ctrrun *rt, int argc, char **argv);
int cmd_container(struct ctrrun *rt, int argc, char **argv);
int cmd_logs(struct ctrrun *rt, int argc, char **argv);
int cmd_exec(struct ctrrun *rt, int argc, char **argv);
int cmd_stop(struct ctrrun *rt, int argc, char **argv);
int cmd_kill(struct ctrrun *rt, int argc, char **argv);
int cmd_start(struct ctrrun *rt, int argc, char **argv);
int cmd_wait(struct ctrrun *rt, int argc, char **argv);
int cmd_commit(struct ctrrun *rt, int argc, char **argv);
int cmd_export(struct ctrrun *rt, int argc, char **argv);
int cmd_inspect(struct ctrrun *rt, int argc, char **argv);

#endif
