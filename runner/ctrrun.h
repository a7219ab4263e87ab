/* What every ctrrun command shares: where state lives, the open database, the
 * id mapping containers get, and the exit codes. Each command's entry point
 * is listed here and lives in a cmd_*.c file named after it (cmd_rm.c also
 * holds `container prune`, cmd_stop.c also kill). */
#ifndef CTRRUN_H
#define CTRRUN_H

#include <stdbool.h>
#include <sys/types.h>

#include "ctr/db.h"
#include "ctr/error.h"
#include "ctr/warnings.h"
#include "idmap_config.h"

/* docker's exit codes for the runner's own failures. */
enum {
	CTRRUN_EXIT_ERROR = 125,          /* ctrrun itself failed */
	CTRRUN_EXIT_NOT_EXECUTABLE = 126, /* the command exists but cannot run */
	CTRRUN_EXIT_NOT_FOUND = 127,      /* the command does not exist */
};

struct ctrrun {
	char *root;          /* storage root: state.db, layers/, containers/ */
	char *runtime_dir;   /* cleared by reboot: the seccomp filter cache (spec_build.c) */
	bool rootless;       /* not real root: ids come from /etc/subuid */
	struct ctr_idmap idmap;
	struct ctr_db *db;   /* opened by ctrrun_open_db, closed at exit */
	const char *self_exe;/* /proc/self/exe as a path, to find ctrfs beside it */
	struct ctr_warnings warnings; /* notes and warnings the core met, printed at the top */
};

/* Picks the storage root (--root, $CTRRUN_ROOT, /var/lib/ctrrun as root, else
 * ${XDG_DATA_HOME:-~/.local/share}/ctrrun) and the runtime dir, creating
 * both. */
int ctrrun_init(struct ctrrun *rt, const char *root_override, struct ctr_error *err);
int ctrrun_open_db(struct ctrrun *rt, struct ctr_error *err);
void ctrrun_fini(struct ctrrun *rt);

/* Paths inside the root; the caller frees them. */
char *ctrrun_layer_dir(const struct ctrrun *rt, const char *layer_id);      /* layers/<id> */
char *ctrrun_container_dir(const struct ctrrun *rt, const char *container_id); /* containers/<id> */
/* The ctrfs binary: $CTRFS, else ../fs/ctrfs beside a build tree's ctrrun,
 * else ctrfs beside ctrrun, else "ctrfs" from PATH. */
const char *ctrrun_ctrfs_path(const struct ctrrun *rt);

/* Records a container event (create, start, die, destroy) in state.db;
 * ATTRIBUTES is a JSON object or NULL. A failure is reported, not fatal:
 * the history must not stop a container. */
void ctrrun_container_event(struct ctrrun *rt, const char *id, const char *name, const char *action,
			    const char *attributes);

/* Prints "ctrrun: MSG" once, at the top (after the warnings not printed yet,
 * so that they come in order). */
void ctrrun_print_error(const struct ctr_error *err);
/* Prints RT's warnings ("ctrrun: warning: ...", "ctrrun: note: ...") and
 * empties the list: the core fills it, the top prints it. Also done at the
 * first ctrrun_open_db, before an error, and at the end (ctrrun_exit_code). */
void ctrrun_print_warnings(struct ctrrun *rt);

/* The exit code of a command that returned CODE: a command that printed an
 * error (ctrrun_print_error; notes and warnings are not errors) or met a
 * damaged state.db never exits 0, whatever part of its work succeeded: 0
 * becomes 125. Any other code is the command's (a container's status, 1
 * for a missing name, ...). */
int ctrrun_exit_code(struct ctrrun *rt, int code);

/* Nanoseconds since the epoch. */
int64_t ctrrun_now_ns(void);

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
