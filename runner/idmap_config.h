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

/* Writes the mapping of process PID (which must be in a fresh user namespace
 * and waiting): newuidmap/newgidmap, or /proc/PID/{setgroups,uid_map,gid_map}
 * directly. */
int ctr_idmap_write(const struct ctr_idmap *map, pid_t pid, struct ctr_error *err);

/* The host id that container id ID maps to, or -1. */
int64_t ctr_idmap_host_uid(const struct ctr_idmap *map, uint32_t id);
int64_t ctr_idmap_host_gid(const struct ctr_idmap *map, uint32_t id);

#endif
