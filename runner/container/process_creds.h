/* Who the container's command runs as, and with which privileges. */
#ifndef CTRRUN_PROCESS_CREDS_H
#define CTRRUN_PROCESS_CREDS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctr/error.h"

struct creds {
	uid_t uid;
	gid_t gid;
	char *home;  /* from the image's /etc/passwd, or NULL */
	gid_t groups[64];  /* supplementary: the user's groups in the image's /etc/group */
	int n_groups;
};

/* USER is "uid[:gid]" or "name[:group]" (NULL: root), looked up in the
 * current root's /etc/passwd and /etc/group (so call it after pivot_root). */
int ctr_creds_resolve(const char *user, struct creds *out, struct ctr_error *err);

/* Cuts the capability bounding set to CAPS (the container's set,
 * capabilities.h), switches to the user and groups, leaves root with
 * exactly CAPS (other users with none), and sets no_new_privs. */
int ctr_creds_apply(const struct creds *c, bool can_setgroups, uint64_t caps, struct ctr_error *err);

#endif
