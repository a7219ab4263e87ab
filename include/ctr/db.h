/* ctrrun's state database (state.db): typed access for the runner. Nothing
 * else in the project writes SQL; the schema is db/schema.sql and
 * docs/state-db.md explains it.
 *
 * Every function returns 0 (CTR_DB_OK) on success or one of the negative
 * enum ctr_db_result values, and then fills *err with a one-line message that
 * names the database file. Every write is one BEGIN IMMEDIATE transaction, so
 * concurrent ctrrun processes queue on the busy timeout instead of failing.
 *
 * A struct ctr_db is one connection: use it from one thread at a time, and
 * never across fork() (open a new one in the child).
 *
 * Strings returned inside structs are heap copies owned by the struct; free
 * them with the matching *_free function. Strings passed in are only read. */
#ifndef CTR_DB_H
#define CTR_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctr/error.h"

#define CTR_DB_FILE "state.db"  /* name of the database inside a state dir */
#define CTR_DB_ID_LEN 64        /* hex digits of a full id */
#define CTR_DB_SHORT_ID_LEN 12  /* hex digits of the short form */

enum ctr_db_result {
	CTR_DB_OK = 0,
	CTR_DB_ERROR = -1,      /* anything not listed below: I/O, corruption, bad input */
	CTR_DB_EXISTS = -2,     /* a name, tag or id that must be unique is taken */
	CTR_DB_NOT_FOUND = -3,  /* nothing matches the id, prefix, name or reference */
	CTR_DB_AMBIGUOUS = -4,  /* an id prefix matches several; the message lists them */
	CTR_DB_BAD_STATE = -5,  /* the container is not in a state that allows the change */
	CTR_DB_IN_USE = -6,     /* an image still used by containers; the message lists them */
	/* Only where a function says so: */
	CTR_DB_BUSY = -7,       /* another process holds the write lock: ctr_db_open when a migration
				 * is due (after the busy timeout), ctr_db_write_lock_free (at once),
				 * ctr_db_append_logs (after the busy timeout) */
	CTR_DB_FULL = -8,       /* the file system (or the user's quota) is full: ctr_db_append_logs */
};

struct ctr_db;

/* Opens (creating if missing) the database at PATH, or STATE_DIR/state.db,
 * and brings its schema up to date. The directory must exist. Refused with
 * a clear error, and the file left untouched: a file that is not SQLite or
 * is corrupt, a database of another program, one from a newer ctrrun
 * (higher schema version), a file or directory that is not writable, an
 * empty (0-byte) file beside anything but empty directories (a truncated
 * store; alone, an empty file becomes a new database).
 *
 * An up-to-date file is opened without the write lock, so opening and
 * reading never wait for another process's write transaction (WAL: reads
 * see the last commit). Only a due migration takes the lock; when another
 * process holds it past the busy timeout, CTR_DB_BUSY with a message that
 * says so. */
int ctr_db_open(struct ctr_db **dbp, const char *path, struct ctr_error *err);
int ctr_db_open_dir(struct ctr_db **dbp, const char *state_dir, struct ctr_error *err);
void ctr_db_close(struct ctr_db *db);
const char *ctr_db_path(const struct ctr_db *db);

/* Schema version this build creates: the number of migrations it knows. */
int ctr_db_schema_version(void);

/* Full consistency check (PRAGMA quick_check); reads the whole file, so it is
 * for `ctrrun system check`-style commands, not for every open. */
int ctr_db_check(struct ctr_db *db, struct ctr_error *err);

/* CTR_DB_OK when no other process holds the write lock at this instant
 * (checked by taking it without waiting, and letting it go), CTR_DB_BUSY at
 * once when one does. For work a read-only command may do in passing but
 * must not wait for. */
int ctr_db_write_lock_free(struct ctr_db *db, struct ctr_error *err);

/* The first error on this connection that said the file is damaged
 * (SQLite's "database disk image is malformed", "file is not a database"),
 * as its message; NULL when none was met. Sticky: a caller that went on
 * past such an error, or never printed it, can still tell. */
const char *ctr_db_damage(const struct ctr_db *db);

/* ---- the disk reserve ---- */

/* A file beside state.db (state.db.reserve) holding CTR_DB_RESERVE_BYTES of
 * disk blocks for what must succeed on a full file system: opening the
 * database (the first connection rebuilds the -shm file), recording a
 * container's exit, processes, limits and OOM kill, and every step of
 * removing a container. When one of those fails because the file system is
 * full (or the user's quota is), the reserve is deleted, which frees its
 * blocks, and it is tried once more. Other writes (logs, new containers,
 * images) never release it. */
#define CTR_DB_RESERVE_SUFFIX ".reserve"
#define CTR_DB_RESERVE_BYTES (8 << 20)
/* Makes the reserve when it is missing and the file system has room for it
 * and as much again. True when it is there afterwards; false is no error (a
 * full file system, or one without O_TMPFILE and fallocate). ctrrun calls
 * it after every open. */
bool ctr_db_reserve_refill(struct ctr_db *db);
/* True while the reserve is there. False once a state change has used it,
 * until the file system has room again: a writer of bulk data (the log
 * writer) should then hold back, so that it does not take the blocks the
 * reserve gave back from the exit and removal records they were freed for. */
bool ctr_db_reserve_held(const struct ctr_db *db);

/* ---- layers and images ---- */

struct ctr_db_layer {
	char id[CTR_DB_ID_LEN + 1];  /* sha256 of the uncompressed tar, hex */
	int64_t size_bytes;          /* bytes its extracted tree takes */
	int64_t created_ns;
};

/* CTR_DB_EXISTS when a layer with this id is recorded already (layers are
 * content-addressed, so the caller can reuse it). */
int ctr_db_add_layer(struct ctr_db *db, const struct ctr_db_layer *layer, struct ctr_error *err);
int ctr_db_get_layer(struct ctr_db *db, const char *id, struct ctr_db_layer *out, struct ctr_error *err);
/* Deletes the layers no image uses and returns their ids (*ids: n_ids
 * strings, free with ctr_db_strv_free), so the caller can remove their
 * directories afterwards. */
int ctr_db_delete_unused_layers(struct ctr_db *db, char ***ids, size_t *n_ids, struct ctr_error *err);
/* The ids of all layers, or (UNUSED_ONLY) of those no image uses, in id
 * order. Free *ids with ctr_db_strv_free. */
int ctr_db_list_layers(struct ctr_db *db, bool unused_only, char ***ids, size_t *n, struct ctr_error *err);

struct ctr_db_image {
	char id[CTR_DB_ID_LEN + 1];
	char *repository;
	char *tag;
	int64_t created_ns;
	char *config;        /* OCI image config JSON, or NULL */
	char **layers;       /* layer ids, bottom (base) layer first */
	size_t n_layers;
	int64_t size_bytes;  /* filled by get/list: total size of its distinct layers */
};

/* Records an image and its layer order in one transaction. CTR_DB_EXISTS when
 * the id or repository:tag is taken, CTR_DB_NOT_FOUND when a layer is not
 * recorded. */
int ctr_db_add_image(struct ctr_db *db, const struct ctr_db_image *image, struct ctr_error *err);
/* REF is "repository[:tag]" (tag defaults to latest), a full image id or a
 * unique prefix of one, with or without "sha256:". */
int ctr_db_find_image(struct ctr_db *db, const char *ref, struct ctr_db_image *out, struct ctr_error *err);
/* All images, newest first. */
int ctr_db_list_images(struct ctr_db *db, struct ctr_db_image **images, size_t *n, struct ctr_error *err);
/* CTR_DB_IN_USE while a container uses the image. Its layers stay: see
 * ctr_db_delete_unused_layers. */
int ctr_db_delete_image(struct ctr_db *db, const char *id, struct ctr_error *err);
void ctr_db_image_free(struct ctr_db_image *image);
void ctr_db_image_list_free(struct ctr_db_image *images, size_t n);

/* ---- containers ---- */

enum ctr_db_state {
	CTR_DB_CREATED,
	CTR_DB_RUNNING,
	CTR_DB_PAUSED,
	CTR_DB_EXITED,
	CTR_DB_REMOVING,  /* a delete is under way (or crashed half way) */
	CTR_DB_DEAD,
};
/* "created", "running", ... as stored in containers.state. */
const char *ctr_db_state_name(enum ctr_db_state state);

struct ctr_db_mount {
	char *host_path;       /* absolute */
	char *container_path;  /* absolute */
	bool read_only;
};

struct ctr_db_security;
struct ctr_db_processes;

struct ctr_db_container {
	/* Set by the caller of ctr_db_add_container. */
	char id[CTR_DB_ID_LEN + 1];
	char *name;
	char image_id[CTR_DB_ID_LEN + 1];
	char **argv;                   /* the command, argc strings */
	size_t argc;
	char **env;                    /* "NAME=value" strings, in order */
	size_t n_env;
	struct ctr_db_mount *mounts;   /* volumes, in command-line order */
	size_t n_mounts;
	char *workdir;                 /* NULL: the image's */
	char *user;                    /* NULL: the image's */
	char *hostname;                /* NULL: the short id */
	bool host_network;             /* --network host; else none */
	bool tty, interactive, auto_remove;
	int64_t created_ns;
	/* add: how it is confined, recorded in the same transaction (an 'auto'
	 * user namespace gets its block of ids there); NULL: a 'legacy' row.
	 * get/find leave it NULL: see ctr_db_get_security. */
	const struct ctr_db_security *security;
	/* add: its helper processes (ctr_db_set_processes), recorded in the
	 * same transaction, so that a container whose ctrrun is killed right
	 * after adding it has a monitor to be judged by; NULL: none. get/find
	 * leave it NULL: see ctr_db_get_processes. */
	const struct ctr_db_processes *processes;

	/* Where it is in its life; filled by get/find, ignored by add. */
	enum ctr_db_state state;
	pid_t pid;                     /* 0 when not running */
	uint64_t pid_start_ticks;      /* /proc/PID/stat starttime of pid */
	int64_t started_ns;            /* 0 when never started */
	int64_t finished_ns;           /* 0 when not exited */
	int exit_code;                 /* -1 when there is none */
	char *error;                   /* why its monitor stopped it (docker's State.Error), or NULL */
};

/* Records a new container (state created) with its env and mounts, in one
 * transaction. When the name is taken: CTR_DB_EXISTS and nothing written; of
 * two processes adding the same name at once, exactly one succeeds.
 * CTR_DB_NOT_FOUND when the image is not recorded. */
int ctr_db_add_container(struct ctr_db *db, const struct ctr_db_container *c, struct ctr_error *err);
/* Append volumes / environment entries to a recorded container. */
int ctr_db_add_mounts(struct ctr_db *db, const char *id, const struct ctr_db_mount *mounts, size_t n,
		      struct ctr_error *err);
int ctr_db_add_env(struct ctr_db *db, const char *id, char *const *env, size_t n, struct ctr_error *err);

/* Why the monitor stopped container ID (NULL: no reason); a start clears
 * it. CTR_DB_NOT_FOUND when no such container. */
int ctr_db_set_error(struct ctr_db *db, const char *id, const char *error, struct ctr_error *err);
/* created or exited -> running. CTR_DB_BAD_STATE from any other state. */
int ctr_db_set_running(struct ctr_db *db, const char *id, pid_t pid, uint64_t pid_start_ticks,
		       int64_t started_ns, struct ctr_error *err);
/* created, running or paused -> exited (exit_code 0-255). Forgets the
 * container's helper processes (ctr_db_set_processes) in the same
 * transaction: they describe a running container. */
int ctr_db_set_exited(struct ctr_db *db, const char *id, int exit_code, int64_t finished_ns,
		      struct ctr_error *err);

/* By full id only. */
int ctr_db_get_container(struct ctr_db *db, const char *id, struct ctr_db_container *out,
			 struct ctr_error *err);
/* As the CLI takes it: a full id, else a name, else a unique id prefix.
 * CTR_DB_AMBIGUOUS (the message lists the candidates) when a prefix matches
 * several containers. */
int ctr_db_find_container(struct ctr_db *db, const char *ref, struct ctr_db_container *out,
			  struct ctr_error *err);
/* created, exited or dead -> removing, in one transaction with REMOVER's
 * monitor_pid and monitor_start_ticks (the process that removes it)
 * recorded as the container's monitor in container_processes, so that a
 * removal cut short (kill -9) can be told from one under way: before the
 * first of its files goes. From removing too when the process recorded is
 * PREVIOUS (compared by pid and start ticks; all zero: none recorded), which
 * the caller has seen is gone: it takes the removal over.
 * CTR_DB_BAD_STATE otherwise (running, paused, or being removed by a live
 * process; the message names it). */
int ctr_db_mark_removing(struct ctr_db *db, const char *id, const struct ctr_db_processes *remover,
			 const struct ctr_db_processes *previous, struct ctr_error *err);
/* Deletes a container and everything that belongs to it. Its log goes in
 * chunks, each its own short transaction, so other writers (monitors
 * appending logs) are never held up for long. Meanwhile the container shows
 * as removing; a delete that dies half way is finished by the next one. */
int ctr_db_delete_container(struct ctr_db *db, const char *id, struct ctr_error *err);
void ctr_db_container_free(struct ctr_db_container *c);

/* The helper processes a running container depends on, besides its init
 * (table container_processes). Each pid with its start time in clock ticks
 * since boot (/proc/PID/stat field 22), so that a pid reused by an unrelated
 * process is not taken for the helper. 0 = none. */
struct ctr_db_processes {
	pid_t monitor_pid;             /* reaps the init: foreground `ctrrun run` or detached monitor */
	uint64_t monitor_start_ticks;
	pid_t fs_pid;                  /* the ctrfs daemon serving the container's root */
	uint64_t fs_start_ticks;
};
/* Records (insert or replace) the helper processes of a container, in any
 * state. A pid of 0 records "none" (its ticks are then ignored).
 * CTR_DB_NOT_FOUND when no such container. ctr_db_set_exited forgets them;
 * ctr_db_delete_container deletes them with the container. */
int ctr_db_set_processes(struct ctr_db *db, const char *id, const struct ctr_db_processes *p,
			 struct ctr_error *err);
/* All zero when none recorded. CTR_DB_NOT_FOUND when no such container. */
int ctr_db_get_processes(struct ctr_db *db, const char *id, struct ctr_db_processes *out,
			 struct ctr_error *err);
/* Full ids of the containers in state running or paused, oldest first (for
 * `ctrrun ps` and crash cleanup to check their processes). Free *ids with
 * ctr_db_strv_free. */
int ctr_db_list_running(struct ctr_db *db, char ***ids, size_t *n, struct ctr_error *err);

/* ---- resource limits ---- */

/* A container's resource limits as its command line gave them, the cgroups
 * made for them, and the OOM verdict (table container_resources). 0 / NULL:
 * not set. */
struct ctr_db_resources {
	int64_t memory_bytes;       /* -m/--memory */
	int64_t memory_swap_bytes;  /* --memory-swap: memory plus swap; -1 = unlimited swap */
	int64_t nano_cpus;          /* --cpus in billionths of a CPU (docker's NanoCpus) */
	char *cpuset_cpus;          /* --cpuset-cpus, e.g. "0-2,4" */
	int64_t pids_limit;         /* --pids-limit */
	char *cgroup;               /* JSON object controller -> absolute cgroup directory */
	bool oom_killed;            /* filled by get; written by ctr_db_set_oom_killed only */
};
/* Records (replaces) the limits and cgroup directories of a container in any
 * state; oom_killed is kept. Everything unset (and no OOM kill recorded)
 * leaves no row. Refused: negative values (but -1 swap), a swap limit below
 * the memory limit or without one, an empty cpuset, a cgroup that is not a
 * JSON object. CTR_DB_NOT_FOUND when no such container. */
int ctr_db_set_resources(struct ctr_db *db, const char *id, const struct ctr_db_resources *r,
			 struct ctr_error *err);
/* All zero / NULL when none recorded. CTR_DB_NOT_FOUND when no such
 * container. Free the strings with ctr_db_resources_free. */
int ctr_db_get_resources(struct ctr_db *db, const char *id, struct ctr_db_resources *out,
			 struct ctr_error *err);
/* Records whether the OOM killer killed a process of the container in its
 * last run (docker's State.OOMKilled; a start clears it). The limits stay.
 * CTR_DB_NOT_FOUND when no such container. */
int ctr_db_set_oom_killed(struct ctr_db *db, const char *id, bool oom_killed, struct ctr_error *err);
void ctr_db_resources_free(struct ctr_db_resources *r);

/* ---- confinement ---- */

/* The user namespace of a container (column container_security.userns). */
enum ctr_db_userns {
	CTR_DB_USERNS_LEGACY,  /* made before schema version 4: root's identity mapping, or the user's */
	CTR_DB_USERNS_AUTO,    /* root's default: a block of 65536 of root's subordinate ids of its own */
	CTR_DB_USERNS_HOST,    /* --userns=host: the identity mapping, container root is host root */
	CTR_DB_USERNS_USER,    /* a plain user's container: the user, then the user's subordinate ids */
};

/* How a container is confined (table container_security). */
struct ctr_db_security {
	enum ctr_db_userns userns;
	/* "inside outside count" lines as /proc/PID/uid_map shows them; NULL
	 * only for legacy. For add with AUTO they are made from the pool below. */
	char *uid_map, *gid_map;
	int idmap_slot;           /* AUTO: its block of the pool; -1 otherwise */
	bool privileged, read_only;
	char *cap_add, *cap_drop; /* JSON arrays of names as given, or NULL */
	char *seccomp;            /* NULL: the default profile; "unconfined"; else a profile's JSON */
	char *seccomp_source;     /* the file the profile came from, or NULL */
	char *tmpfs;              /* JSON array of "PATH[:OPTIONS]", or NULL */
	/* add with AUTO only: root's subordinate ids. Block k maps container
	 * ids 0-65535 to pool_uid_first + 65536 * (k + 1) onwards (and the same
	 * for gids); the first block stays free (see docs/ctrrun.1). */
	uint32_t pool_uid_first, pool_gid_first;
	uint32_t pool_blocks;     /* how many blocks fit after the first */
};
/* CTR_DB_NOT_FOUND when no such container; a container without a row (it
 * cannot have one, but a hand-edited file might) is CTR_DB_ERROR, named.
 * Free with ctr_db_security_free. */
int ctr_db_get_security(struct ctr_db *db, const char *id, struct ctr_db_security *out, struct ctr_error *err);
void ctr_db_security_free(struct ctr_db_security *s);
const char *ctr_db_userns_name(enum ctr_db_userns u);

/* One row of the ps view. */
struct ctr_db_ps_row {
	char id[CTR_DB_ID_LEN + 1];
	char short_id[CTR_DB_SHORT_ID_LEN + 1];
	char *name;
	char *image;     /* repository:tag */
	char *command;   /* argv joined by spaces */
	int64_t created_ns;
	enum ctr_db_state state;
	int exit_code;   /* -1 when there is none */
	char *error;     /* why its monitor stopped it, or NULL */
	pid_t pid;       /* 0 when not running */
	int64_t started_ns, finished_ns;  /* 0 when not yet */
};
/* Containers newest first; all of them, or (ALL false) as `ps` without -a:
 * only running and paused ones. */
int ctr_db_list_ps(struct ctr_db *db, bool all, struct ctr_db_ps_row **rows, size_t *n,
		   struct ctr_error *err);
void ctr_db_ps_free(struct ctr_db_ps_row *rows, size_t n);

/* ---- logs ---- */

enum ctr_db_stream { CTR_DB_STDOUT = 1, CTR_DB_STDERR = 2 };

struct ctr_db_log_chunk {
	int64_t seq;                /* filled by read: order of arrival (logs.id) */
	enum ctr_db_stream stream;
	int64_t time_ns;            /* when it was read from the container */
	void *data;                 /* bytes as read(): not split into lines */
	size_t len;                 /* > 0 */
	/* 0: a chunk of the container's output. > 0: a marker: that many bytes
	 * of STREAM were lost at this place (time_ns: when the loss began), and
	 * DATA is ctrrun's note, one whole line. */
	int64_t lost_bytes;
};

/* Appends N chunks (and markers) in one transaction (the monitor batches
 * its reads). CTR_DB_NOT_FOUND when the container is gone; CTR_DB_BUSY when
 * another process held the write lock past the busy timeout, CTR_DB_FULL
 * when the disk is full (nothing written either way: the caller may try
 * again). */
int ctr_db_append_logs(struct ctr_db *db, const char *id, const struct ctr_db_log_chunk *chunks, size_t n,
		       struct ctr_error *err);
/* Up to MAX chunks with seq > AFTER_SEQ, in order of arrival: pass 0 first,
 * then the last seq seen to follow the log. */
int ctr_db_read_logs(struct ctr_db *db, const char *id, int64_t after_seq, size_t max,
		     struct ctr_db_log_chunk **chunks, size_t *n, struct ctr_error *err);
void ctr_db_log_chunks_free(struct ctr_db_log_chunk *chunks, size_t n);
/* Total bytes of a container's log. */
int ctr_db_log_bytes(struct ctr_db *db, const char *id, int64_t *bytes, struct ctr_error *err);
/* Log retention: drops the oldest AT_LEAST bytes, and then in each stream
 * the rest of a line cut in two, so that the log starts with whole lines
 * (the one unfinished line of a stream with no newline left stays); all of
 * it if the log is smaller. In one short transaction; *DROPPED says how many
 * bytes went. The file gives big amounts of freed space back (incremental
 * vacuum). */
int ctr_db_trim_logs(struct ctr_db *db, const char *id, int64_t at_least, int64_t *dropped, struct ctr_error *err);

/* ---- how a container logs ---- */

#define CTR_DB_LOG_DEFAULT_MAX_SIZE (100LL << 20)   /* --log-max-size default: 100m */
#define CTR_DB_LOG_DEFAULT_MAX_BUFFER (1LL << 20)   /* docker's max-buffer-size default: 1m */

enum ctr_db_log_mode {
	CTR_DB_LOG_BLOCKING,      /* docker's default: the container's writes wait while the log cannot be written */
	CTR_DB_LOG_NON_BLOCKING,  /* output that does not fit in max_buffer_bytes is dropped, with a marker */
};

/* Table container_logging: docker's log options of a container. */
struct ctr_db_log_config {
	enum ctr_db_log_mode mode;
	int64_t max_buffer_bytes;  /* non-blocking: max-buffer-size (> 0); 0 in blocking mode */
	int64_t max_size_bytes;    /* retention: the oldest output goes past it (> 0) */
	char *options;             /* JSON object: the --log-opt strings as given; NULL: "{}" */
};
/* Records (replaces) a container's log options. CTR_DB_NOT_FOUND when no
 * such container. */
int ctr_db_set_log_config(struct ctr_db *db, const char *id, const struct ctr_db_log_config *c,
			  struct ctr_error *err);
/* A container without a row (made before schema version 6) gets the
 * defaults: blocking, 100m, options "{}". CTR_DB_NOT_FOUND when no such
 * container. Free with ctr_db_log_config_free. */
int ctr_db_get_log_config(struct ctr_db *db, const char *id, struct ctr_db_log_config *out,
			  struct ctr_error *err);
void ctr_db_log_config_free(struct ctr_db_log_config *c);

/* ---- events ---- */

struct ctr_db_event {
	int64_t time_ns;
	char *type;        /* "container", "image" or "layer" */
	char *action;      /* "create", "start", "die", "destroy", "import", ... */
	char *actor_id;
	char *actor_name;  /* name or repository:tag, or NULL */
	char *attributes;  /* JSON object, or NULL */
};
int ctr_db_add_event(struct ctr_db *db, const struct ctr_db_event *event, struct ctr_error *err);

/* Frees N strings and the array. */
void ctr_db_strv_free(char **v, size_t n);

#endif
