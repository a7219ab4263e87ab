/* Editing the base image's config document with json-c, so fields ctrrun
 * does not model survive a commit. */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "commit_config.h"
#include "rfc3339.h"

/* Sets KEY to VALUE, or removes it when VALUE is NULL. */
static void set_or_del(struct json_object *obj, const char *key, struct json_object *value)
{
	if (value)
		json_object_object_add(obj, key, value);
	else
		json_object_object_del(obj, key);
}

static struct json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

/* json-c constructors return NULL only when memory runs out; the document
 * is then checked once at the end by serialising it. */
char *ctr_commit_config_json(const struct ctr_commit_config_args *a, struct ctr_error *err)
{
	struct json_object *root = NULL;
	if (a->base_json) {
		enum json_tokener_error jerr;
		root = json_tokener_parse_verbose(a->base_json, &jerr);
		if (!root) {
			ctr_fail(err, 0, "the container's image config is not valid JSON: %s",
				 json_tokener_error_desc(jerr));
			return NULL;
		}
		if (!json_object_is_type(root, json_type_object)) {
			json_object_put(root);
			root = NULL;
		}
	}
	if (!root && !(root = json_object_new_object())) {
		ctr_fail(err, ENOMEM, "image config");
		return NULL;
	}

	char created[48];
	ctr_rfc3339_nano(a->created_ns, created, sizeof created);
	json_object_object_add(root, "created", json_object_new_string(created));
	json_object_object_add(root, "container", json_object_new_string(a->container_id));
	set_or_del(root, "comment", str_or_null(a->message));
	set_or_del(root, "author", str_or_null(a->author));
	struct json_object *os = NULL;
	if (!json_object_object_get_ex(root, "os", &os))
		json_object_object_add(root, "os", json_object_new_string("linux"));

	struct json_object *cfg = NULL;
	if (!json_object_object_get_ex(root, "config", &cfg) || !json_object_is_type(cfg, json_type_object)) {
		cfg = json_object_new_object();
		json_object_object_add(root, "config", cfg);
	}
	if (cfg) {
		const struct ctr_image_config *r = a->run;
		set_or_del(cfg, "Entrypoint", r->n_entrypoint ? ctr_strv_json(r->entrypoint, r->n_entrypoint) : NULL);
		set_or_del(cfg, "Cmd", r->n_cmd ? ctr_strv_json(r->cmd, r->n_cmd) : NULL);
		set_or_del(cfg, "Env", r->n_env ? ctr_strv_json(r->env, r->n_env) : NULL);
		set_or_del(cfg, "WorkingDir", str_or_null(r->workdir));
		set_or_del(cfg, "User", str_or_null(r->user));
	}

	struct json_object *rootfs = json_object_new_object();
	if (rootfs) {
		json_object_object_add(rootfs, "type", json_object_new_string("layers"));
		json_object_object_add(rootfs, "diff_ids", ctr_strv_json(a->diff_ids, a->n_diff_ids));
	}
	json_object_object_add(root, "rootfs", rootfs);

	struct json_object *history = NULL;
	if (!json_object_object_get_ex(root, "history", &history) || !json_object_is_type(history, json_type_array)) {
		history = json_object_new_array();
		json_object_object_add(root, "history", history);
	}
	struct json_object *step = json_object_new_object();
	if (step) {
		json_object_object_add(step, "created", json_object_new_string(created));
		if (a->created_by)
			json_object_object_add(step, "created_by", json_object_new_string(a->created_by));
		if (a->author && *a->author)
			json_object_object_add(step, "author", json_object_new_string(a->author));
		if (a->message && *a->message)
			json_object_object_add(step, "comment", json_object_new_string(a->message));
	}
	if (history)
		json_object_array_add(history, step);
	else
		json_object_put(step);

	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *s = text && (cfg && rootfs && history && step) ? strdup(text) : NULL;
	json_object_put(root);
	if (!s)
		ctr_fail(err, ENOMEM, "image config");
	return s;
}
