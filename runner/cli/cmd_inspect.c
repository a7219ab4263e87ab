/* ctrrun inspect: containers and images as JSON, with docker's keys. The
 * document is built with json-c, never by hand. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container_args.h"
#include "container_config.h"
#include "cli_options.h"
#include "ctrrun.h"
#include "image_config.h"
#include "rfc3339.h"
#include "spec_build.h"
#include "stale.h"

static const char inspect_usage[] =
	"usage: ctrrun inspect [OPTIONS] CONTAINER|IMAGE [CONTAINER|IMAGE...]\n"
	"\n"
	"Print a JSON array with one object per container or image, with docker's\n"
	"keys. Each name is looked up as a container (id, name or unique id prefix)\n"
	"first, then as an image (NAME[:TAG], id or unique id prefix). Exits with 1\n"
	"when one of them is not found (\"Error: No such object: NAME\").\n"
	"\n"
	"  --type container|image   look up only that kind of object\n"
	"  -h, --help               this help\n";

enum lookup { LOOK_ANY, LOOK_CONTAINER, LOOK_IMAGE };

static struct json_object *str(const char *s)
{
	return json_object_new_string(s ? s : "");
}

/* docker prints null, not [], for a missing list. */
static struct json_object *strv_or_null(char *const *v, size_t n)
{
	return n ? ctr_strv_json(v, n) : NULL;
}

static struct json_object *time_json(int64_t ns)
{
	char buf[48];
	ctr_rfc3339_nano(ns, buf, sizeof buf);
	return json_object_new_string(buf);
}

static struct json_object *sha256_json(const char *id)
{
	char buf[7 + CTR_DB_ID_LEN + 1];
	snprintf(buf, sizeof buf, "sha256:%s", id);
	return json_object_new_string(buf);
}

/* The image's layer dirs, top first, as overlay's lowerdir lists them
 * (spec_build.c's list, the one ctrfs mounts); "" for an image without
 * layers, NULL when the list cannot be made. */
static char *lower_dirs(struct ctrrun *rt, const struct ctr_db_image *image)
{
	char *s = NULL;
	if (image->n_layers == 0)
		return strdup("");
	return ctr_spec_lowerdirs(rt, image, &s, &(struct ctr_error){0}) == 0 ? s : NULL;
}

static struct json_object *state_json(const struct ctr_db_container *c, const struct ctr_db_resources *res)
{
	struct json_object *s = json_object_new_object();
	if (!s)
		return NULL;
	bool running = c->state == CTR_DB_RUNNING || c->state == CTR_DB_PAUSED;
	json_object_object_add(s, "Status", str(ctr_db_state_name(c->state)));
	json_object_object_add(s, "Running", json_object_new_boolean(running));
	json_object_object_add(s, "Paused", json_object_new_boolean(c->state == CTR_DB_PAUSED));
	json_object_object_add(s, "Restarting", json_object_new_boolean(false));
	json_object_object_add(s, "OOMKilled", json_object_new_boolean(res->oom_killed));
	json_object_object_add(s, "Dead", json_object_new_boolean(c->state == CTR_DB_DEAD));
	json_object_object_add(s, "Pid", json_object_new_int64(running ? c->pid : 0));
	json_object_object_add(s, "ExitCode", json_object_new_int(c->exit_code >= 0 ? c->exit_code : 0));
	json_object_object_add(s, "Error", str(c->error ? c->error : ""));
	json_object_object_add(s, "StartedAt", time_json(c->started_ns));
	json_object_object_add(s, "FinishedAt", time_json(c->finished_ns));
	return s;
}

static struct json_object *config_json(const struct ctr_db_container *c, const struct ctr_db_image *image,
				       const struct ctr_image_config *run)
{
	struct json_object *cfg = json_object_new_object();
	if (!cfg)
		return NULL;
	char short_id[CTR_DB_SHORT_ID_LEN + 1], ref[600];
	snprintf(short_id, sizeof short_id, "%.*s", CTR_DB_SHORT_ID_LEN, c->id);
	snprintf(ref, sizeof ref, "%s:%s", image->repository, image->tag);
	json_object_object_add(cfg, "Hostname", str(c->hostname ? c->hostname : short_id));
	json_object_object_add(cfg, "Domainname", str(""));
	json_object_object_add(cfg, "User", str(run->user));
	json_object_object_add(cfg, "AttachStdin", json_object_new_boolean(c->interactive));
	json_object_object_add(cfg, "AttachStdout", json_object_new_boolean(true));
	json_object_object_add(cfg, "AttachStderr", json_object_new_boolean(true));
	json_object_object_add(cfg, "Tty", json_object_new_boolean(c->tty));
	json_object_object_add(cfg, "OpenStdin", json_object_new_boolean(c->interactive));
	json_object_object_add(cfg, "StdinOnce", json_object_new_boolean(c->interactive));
	json_object_object_add(cfg, "Env", strv_or_null(run->env, run->n_env));
	json_object_object_add(cfg, "Cmd", strv_or_null(run->cmd, run->n_cmd));
	json_object_object_add(cfg, "Image", str(ref));
	json_object_object_add(cfg, "WorkingDir", str(run->workdir));
	json_object_object_add(cfg, "Entrypoint", strv_or_null(run->entrypoint, run->n_entrypoint));
	return cfg;
}

static struct json_object *mounts_json(const struct ctr_db_container *c)
{
	struct json_object *arr = json_object_new_array_ext((int)c->n_mounts);
	for (size_t i = 0; arr && i < c->n_mounts; i++) {
		const struct ctr_db_mount *m = &c->mounts[i];
		struct json_object *o = json_object_new_object();
		if (!o)
			continue;
		json_object_object_add(o, "Type", str("bind"));
		json_object_object_add(o, "Source", str(m->host_path));
		json_object_object_add(o, "Destination", str(m->container_path));
		json_object_object_add(o, "Mode", str(m->read_only ? "ro" : ""));
		json_object_object_add(o, "RW", json_object_new_boolean(!m->read_only));
		json_object_object_add(o, "Propagation", str("rprivate"));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* docker's LogConfig: the driver (the logs table of state.db) and the
 * --log-opt strings as given. */
static struct json_object *log_config_json(const struct ctr_db_log_config *log)
{
	struct json_object *l = json_object_new_object();
	struct json_object *cfg = json_tokener_parse(log->options ? log->options : "{}");
	if (!l || !cfg) {
		json_object_put(l);
		json_object_put(cfg);
		return NULL;
	}
	json_object_object_add(l, "Type", str("db"));
	json_object_object_add(l, "Config", cfg);
	return l;
}

static struct json_object *host_config_json(const struct ctr_db_container *c, const struct ctr_db_resources *res,
					    const struct ctr_db_log_config *log)
{
	struct json_object *h = json_object_new_object();
	if (!h)
		return NULL;
	struct json_object *binds = c->n_mounts ? json_object_new_array_ext((int)c->n_mounts) : NULL;
	for (size_t i = 0; binds && i < c->n_mounts; i++) {
		char *b = NULL;
		if (asprintf(&b, "%s:%s%s", c->mounts[i].host_path, c->mounts[i].container_path,
			     c->mounts[i].read_only ? ":ro" : "") >= 0) {
			json_object_array_add(binds, json_object_new_string(b));
			free(b);
		}
	}
	json_object_object_add(h, "Binds", binds);
	json_object_object_add(h, "NetworkMode", str(c->host_network ? "host" : "none"));
	json_object_object_add(h, "AutoRemove", json_object_new_boolean(c->auto_remove));
	/* docker's resource keys; 0 / "" = not set. */
	json_object_object_add(h, "Memory", json_object_new_int64(res->memory_bytes));
	json_object_object_add(h, "MemorySwap", json_object_new_int64(res->memory_swap_bytes));
	json_object_object_add(h, "NanoCpus", json_object_new_int64(res->nano_cpus));
	json_object_object_add(h, "CpusetCpus", str(res->cpuset_cpus ? res->cpuset_cpus : ""));
	json_object_object_add(h, "PidsLimit", json_object_new_int64(res->pids_limit));
	json_object_object_add(h, "LogConfig", log_config_json(log));
	return h;
}

static struct json_object *graph_driver_json(struct ctrrun *rt, const struct ctr_db_container *c,
					     const struct ctr_db_image *image)
{
	struct json_object *g = json_object_new_object(), *data = json_object_new_object();
	char *dir = ctr_store_container_dir(rt, c->id), *lower = lower_dirs(rt, image);
	char *paths[3] = {NULL, NULL, NULL};
	static const char *const subs[3] = {"upper", "work", "merged"};
	for (int i = 0; dir && i < 3; i++)
		if (asprintf(&paths[i], "%s/%s", dir, subs[i]) < 0)
			paths[i] = NULL;
	if (g && data && lower && paths[0] && paths[1] && paths[2]) {
		json_object_object_add(data, "LowerDir", str(lower));
		json_object_object_add(data, "UpperDir", str(paths[0]));
		json_object_object_add(data, "WorkDir", str(paths[1]));
		json_object_object_add(data, "MergedDir", str(paths[2]));
		json_object_object_add(g, "Data", data);
		json_object_object_add(g, "Name", str("ctrfs"));
	} else {
		json_object_put(g);
		json_object_put(data);
		g = NULL;
	}
	for (int i = 0; i < 3; i++)
		free(paths[i]);
	free(dir);
	free(lower);
	return g;
}

static struct json_object *container_json(struct ctrrun *rt, const struct ctr_db_container *c,
					  struct ctr_error *err)
{
	struct ctr_db_image image;
	if (ctr_db_find_image(rt->db, c->image_id, &image, err) != CTR_DB_OK)
		return NULL;
	struct ctr_image_config image_cfg, run;
	if (ctr_image_config_parse(image.config, &image_cfg, err) < 0) {
		ctr_db_image_free(&image);
		return NULL;
	}
	int rc = ctr_container_config(c, &image_cfg, &run, err);
	ctr_image_config_free(&image_cfg);
	if (rc < 0) {
		ctr_db_image_free(&image);
		return NULL;
	}
	struct ctr_db_resources res = {0};
	if (ctr_db_get_resources(rt->db, c->id, &res, err) != CTR_DB_OK) {
		ctr_db_image_free(&image);
		return NULL;
	}
	struct ctr_db_log_config log;
	if (ctr_db_get_log_config(rt->db, c->id, &log, err) != CTR_DB_OK) {
		ctr_db_resources_free(&res);
		ctr_db_image_free(&image);
		return NULL;
	}
	struct json_object *o = json_object_new_object();
	char name[300];
	/* docker's names carry a leading slash (the container's path in its
	 * old link tree). */
	snprintf(name, sizeof name, "/%s", c->name);
	if (o) {
		json_object_object_add(o, "Id", str(c->id));
		json_object_object_add(o, "Created", time_json(c->created_ns));
		json_object_object_add(o, "Path", str(c->argc ? c->argv[0] : ""));
		json_object_object_add(o, "Args",
				       ctr_strv_json(c->argc ? c->argv + 1 : NULL, c->argc ? c->argc - 1 : 0));
		json_object_object_add(o, "State", state_json(c, &res));
		json_object_object_add(o, "Image", sha256_json(c->image_id));
		json_object_object_add(o, "Name", str(name));
		json_object_object_add(o, "RestartCount", json_object_new_int(0));
		json_object_object_add(o, "Driver", str("ctrfs"));
		json_object_object_add(o, "Platform", str("linux"));
		json_object_object_add(o, "HostConfig", host_config_json(c, &res, &log));
		json_object_object_add(o, "GraphDriver", graph_driver_json(rt, c, &image));
		json_object_object_add(o, "Mounts", mounts_json(c));
		json_object_object_add(o, "Config", config_json(c, &image, &run));
	} else {
		ctr_fail(err, ENOMEM, "inspect");
	}
	ctr_image_config_free(&run);
	ctr_db_image_free(&image);
	ctr_db_resources_free(&res);
	ctr_db_log_config_free(&log);
	return o;
}

/* A string member of the stored config document, or "". */
static const char *doc_string(struct json_object *doc, const char *key)
{
	struct json_object *v;
	if (doc && json_object_object_get_ex(doc, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return "";
}

static struct json_object *image_json(struct ctrrun *rt, const struct ctr_db_image *img, struct ctr_error *err)
{
	struct json_object *doc = NULL;
	if (img->config) {
		enum json_tokener_error jerr;
		doc = json_tokener_parse_verbose(img->config, &jerr);
		if (!doc) {
			ctr_fail(err, 0, "image %.12s: its config is not valid JSON: %s", img->id,
				 json_tokener_error_desc(jerr));
			return NULL;
		}
	}
	struct json_object *o = json_object_new_object();
	if (!o) {
		json_object_put(doc);
		ctr_fail(err, ENOMEM, "inspect");
		return NULL;
	}
	char ref[600];
	snprintf(ref, sizeof ref, "%s:%s", img->repository, img->tag);
	char *tags[] = {ref};
	json_object_object_add(o, "Id", sha256_json(img->id));
	json_object_object_add(o, "RepoTags", ctr_strv_json(tags, 1));
	json_object_object_add(o, "RepoDigests", json_object_new_array());
	json_object_object_add(o, "Parent", str(""));
	json_object_object_add(o, "Comment", str(doc_string(doc, "comment")));
	const char *created = doc_string(doc, "created");
	json_object_object_add(o, "Created", *created ? str(created) : time_json(img->created_ns));
	json_object_object_add(o, "Container", str(doc_string(doc, "container")));
	json_object_object_add(o, "Author", str(doc_string(doc, "author")));
	/* The stored "config" object as it is: fields ctrrun does not model
	 * show too. json_object_get keeps it alive after doc is released. */
	struct json_object *cfg = NULL;
	if (doc && json_object_object_get_ex(doc, "config", &cfg))
		json_object_get(cfg);
	json_object_object_add(o, "Config", cfg);
	json_object_object_add(o, "Architecture", str(doc_string(doc, "architecture")));
	json_object_object_add(o, "Os", str(*doc_string(doc, "os") ? doc_string(doc, "os") : "linux"));
	json_object_object_add(o, "Size", json_object_new_int64(img->size_bytes));
	struct json_object *data = json_object_new_object(), *gd = json_object_new_object();
	char *lower = lower_dirs(rt, img);
	if (data && gd && lower) {
		json_object_object_add(data, "LowerDir", str(lower));
		json_object_object_add(gd, "Data", data);
		json_object_object_add(gd, "Name", str("ctrfs"));
		json_object_object_add(o, "GraphDriver", gd);
	} else {
		json_object_put(data);
		json_object_put(gd);
	}
	free(lower);
	struct json_object *rootfs = json_object_new_object(), *layers = json_object_new_array();
	for (size_t i = 0; layers && i < img->n_layers; i++)
		json_object_array_add(layers, sha256_json(img->layers[i]));
	if (rootfs) {
		json_object_object_add(rootfs, "Type", str("layers"));
		json_object_object_add(rootfs, "Layers", layers);
	} else {
		json_object_put(layers);
	}
	json_object_object_add(o, "RootFS", rootfs);
	json_object_put(doc);
	return o;
}

/* One name: its object appended to OUT; else a message on stderr and -1. */
static int inspect_one(struct ctrrun *rt, const char *ref, enum lookup look, struct json_object *out)
{
	struct ctr_error err = {0};
	struct json_object *o = NULL;
	if (look != LOOK_IMAGE) {
		struct ctr_db_container c;
		int rc = ctr_db_find_container(rt->db, ref, &c, &err);
		if (rc == CTR_DB_OK) {
			o = container_json(rt, &c, &err);
			ctr_db_container_free(&c);
			if (!o)
				goto fail;
			json_object_array_add(out, o);
			return 0;
		}
		if (rc != CTR_DB_NOT_FOUND)
			goto fail;  /* an ambiguous prefix, a database error */
	}
	if (look != LOOK_CONTAINER) {
		struct ctr_db_image img;
		int rc = ctr_db_find_image(rt->db, ref, &img, &err);
		if (rc == CTR_DB_OK) {
			o = image_json(rt, &img, &err);
			ctr_db_image_free(&img);
			if (!o)
				goto fail;
			json_object_array_add(out, o);
			return 0;
		}
		if (rc != CTR_DB_NOT_FOUND)
			goto fail;
	}
	/* docker's wording, which scripts match on. */
	fprintf(stderr, "Error: No such %s: %s\n",
		look == LOOK_CONTAINER ? "container" : look == LOOK_IMAGE ? "image" : "object", ref);
	return -1;
fail:
	ctr_print_error(&err);
	return -1;
}

int cmd_inspect(struct ctrrun *rt, int argc, char **argv)
{
	static const struct option options[] = {
		{"type", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum lookup look = LOOK_ANY;
	int opt;
	struct ctr_error err = {0};
	struct cli_options p;
	cli_options_start(&p, "inspect", "h", options, argc, argv);
	while ((opt = cli_options_next(&p, &err)) != -1) {
		switch (opt) {
		case 't':
			if (strcmp(optarg, "container") == 0) {
				look = LOOK_CONTAINER;
			} else if (strcmp(optarg, "image") == 0) {
				look = LOOK_IMAGE;
			} else {
				fprintf(stderr, "ctrrun: inspect: --type \"%s\" is not container or image\n", optarg);
				return CTRRUN_EXIT_ERROR;
			}
			break;
		case 'h':
			return cli_print_help(inspect_usage);
		default:
			return cli_usage_error(&err);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ctrrun: inspect needs at least one CONTAINER or IMAGE\n");
		fputs(inspect_usage, stderr);
		return CTRRUN_EXIT_ERROR;
	}
	if (ctr_store_open_db(rt, &err) < 0) {
		ctr_print_error(&err);
		return CTRRUN_EXIT_ERROR;
	}
	/* A container whose monitor died must not show as running (unless
	 * another process holds the write lock: reading never waits for it). */
	if (look != LOOK_IMAGE)
		cli_reap_stale_if_unlocked(rt);
	struct json_object *out = json_object_new_array();
	if (!out) {
		fprintf(stderr, "ctrrun: out of memory\n");
		return CTRRUN_EXIT_ERROR;
	}
	/* As docker: every name is tried, the ones found are printed (an empty
	 * array when none is), and one failure makes the status 1. */
	int rc = 0;
	for (int i = optind; i < argc; i++)
		if (inspect_one(rt, argv[i], look, out) < 0)
			rc = 1;
	/* json-c prints an empty array over two lines; docker prints []. */
	const char *text = json_object_array_length(out) == 0
				   ? "[]"
				   : json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
										 JSON_C_TO_STRING_SPACED |
										 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text) {
		fprintf(stderr, "ctrrun: out of memory\n");
		rc = CTRRUN_EXIT_ERROR;
	} else {
		printf("%s\n", text);
	}
	json_object_put(out);
	return rc;
}
