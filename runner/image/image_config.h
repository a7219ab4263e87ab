/* An image's run configuration (the "config" part of an OCI image config):
 * default command, entrypoint, environment, working dir, user. Stored as OCI
 * image config JSON in images.config; parsed and built with json-c. */
#ifndef CTRRUN_IMAGE_CONFIG_H
#define CTRRUN_IMAGE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "ctr/error.h"

struct json_object;

struct ctr_image_config {
	char **entrypoint; size_t n_entrypoint;
	char **cmd;        size_t n_cmd;
	char **env;        size_t n_env;     /* "NAME=value" */
	char *workdir;     /* NULL: / */
	char *user;        /* NULL: root */
};

/* JSON may be NULL (an image without config): an empty config. */
int ctr_image_config_parse(const char *json, struct ctr_image_config *out, struct ctr_error *err);
/* A complete OCI image config document ({"architecture":..,"os":"linux",
 * "config":{...},"rootfs":{"type":"layers","diff_ids":[...]}}), with docker's
 * "created" time (Unix ns; 0: none) and "comment"
 * (NULL: none), also as the one "history" step: import records both, which
 * makes every import's config, and so its image id, its own. */
char *ctr_image_config_to_json_at(const struct ctr_image_config *c, char *const *diff_ids, size_t n_diff_ids,
				  int64_t created_ns, const char *comment);
/* One `docker import --change` instruction: CMD, ENTRYPOINT (JSON array, or
 * a string run through /bin/sh -c), ENV K=V, WORKDIR /dir, USER u[:g].
 * Anything else is an error naming the instruction. */
int ctr_image_config_apply_change(struct ctr_image_config *c, const char *change, struct ctr_error *err);
void ctr_image_config_free(struct ctr_image_config *c);
/* A config variable (zeroed at first) that frees what it holds on the way
 * out, as the cleanups of ctr/cleanup.h do (free keeps errno). */
#define _cleanup_image_config_ __attribute__((cleanup(ctr_image_config_free)))

/* The N strings of V as a JSON array (json-c); NULL when out of memory. */
struct json_object *ctr_strv_json(char *const *v, size_t n);

#endif
