/* The uid/gid mapping of a container's user namespace, and writing it. */
#ifndef CTRRUN_IDMAP_CONFIG_H
#define CTRRUN_IDMAP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctr/error.h"

#define CTR_IDMAP_MAX 4

struct ctr_idmap_range {
	uint32_t inside, outside, count;
};

struct ctr_idmap {
	struct ctr_idmap_range uid[CTR_IDMAP_MAX], gid[CTR_IDMAP_MAX];
	int n_uid, n_gid;
	bool use_helpers;   /* newuidmap/newgidmap write it (plain user with subordinate ids) */
	bool single;        /* only container root is mapped: no subordinate ids */
	char *note;         /* why the mapping is a single one, said once on stderr; or NULL */
	int userns_fd;      /* a live user namespace with this mapping (a container's) that
			       housekeeping joins instead of making one; -1: none */
};

/* The mapping for the calling user. Real root: the identity for all ids
 * (files keep the owners the image gives them). A plain user: container
 * root = the user, 1..N = the user's first range in /etc/subuid and
 * /etc/subgid (by name or uid) when newuidmap/newgidmap exist; else only
 * root, with a note explaining what is missing. */
int ctr_idmap_for_caller(struct ctr_idmap *map, struct ctr_error *err);
void ctr_idmap_free(struct ctr_idmap *map);

/* Root's subordinate ids for its containers: root's first range (by name
 * or uid 0) in /etc/subuid and /etc/subgid, in blocks of 65536. The first
 * block belongs to no container (its first id is what a container's root
 * owns files in volumes as); *BLOCKS is how many follow it. An error that
 * says how to add a range when root has none or too small a one. */
int ctr_idmap_root_pool(uint32_t *uid_first, uint32_t *gid_first, uint32_t *blocks, struct ctr_error *err);

/* A mapping from the text of /proc/PID/uid_map and gid_map ("inside
 * outside count" lines), as state.db records it. */
int ctr_idmap_parse(const char *uid_map, const char *gid_map, struct ctr_idmap *out, struct ctr_error *err);
/* The text of MAP's uid or gid lines; the caller frees it. */
char *ctr_idmap_format(const struct ctr_idmap *map, bool gids);

/* Writes the mapping of process PID (which must be in a fresh user namespace
 * and waiting): newuidmap/newgidmap, or /proc/PID/{setgroups,uid_map,gid_map}
 * directly. */
int ctr_idmap_write(const struct ctr_idmap *map, pid_t pid, struct ctr_error *err);

/* An fd of a new user namespace with MAP and no process in it, for
 * idmapped mounts (mount_setattr MOUNT_ATTR_IDMAP). As root. */
int ctr_idmap_userns_fd(const struct ctr_idmap *map, struct ctr_error *err);

/* The host id that container id ID maps to, or -1. */
int64_t ctr_idmap_host_uid(const struct ctr_idmap *map, uint32_t id);
int64_t ctr_idmap_host_gid(const struct ctr_idmap *map, uint32_t id);

#endif
