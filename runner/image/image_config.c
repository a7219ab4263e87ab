/* An image's run configuration as OCI image config JSON (json-c), and
 * docker's `import --change` instructions that build it. */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <time.h>

#include "ctr/cleanup.h"
#include "ctr/strv.h"
#include "image_config.h"

/* Reads an array of strings (or null: empty) into *OUT. */
static int parse_strv(struct json_object *arr, const char *field, char ***out, size_t *n, struct ctr_error *err)
{
	*out = NULL;
	*n = 0;
	if (!arr)
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return ctr_fail(err, 0, "image config: %s is not an array of strings", field);
	size_t len = json_object_array_length(arr);
	char **v = calloc(len + 1, sizeof *v);
	if (!v)
		return ctr_fail(err, ENOMEM, "image config");
	for (size_t i = 0; i < len; i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(s, json_type_string)) {
			ctr_strv_free_n(v, i);
			return ctr_fail(err, 0, "image config: %s[%zu] is not a string", field, i);
		}
		v[i] = strdup(json_object_get_string(s));
		if (!v[i]) {
			ctr_strv_free_n(v, i);
			return ctr_fail(err, ENOMEM, "image config");
		}
	}
	*out = v;
	*n = len;
	return 0;
}

/* A string field (or null / "": unset). */
static int parse_str(struct json_object *s, const char *field, char **out, struct ctr_error *err)
{
	*out = NULL;
	if (!s)
		return 0;
	if (!json_object_is_type(s, json_type_string))
		return ctr_fail(err, 0, "image config: %s is not a string", field);
	const char *v = json_object_get_string(s);
	if (!*v)
		return 0;
	*out = strdup(v);
	return *out ? 0 : ctr_fail(err, ENOMEM, "image config");
}

/* json_object_object_get_ex, with JSON null treated as missing. */
static struct json_object *field(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/* json-c's reference dropped on the way out, as the cleanups of ctr/cleanup.h do. */
static inline void json_put(struct json_object **o)
{
	int saved = errno;
	json_object_put(*o);
	errno = saved;
}
#define _cleanup_json_ __attribute__((cleanup(json_put)))

int ctr_image_config_parse(const char *json, struct ctr_image_config *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	if (!json)
		return 0;
	enum json_tokener_error jerr;
	_cleanup_json_ struct json_object *root = json_tokener_parse_verbose(json, &jerr);
	if (!root)
		return ctr_fail(err, 0, "image config is not valid JSON: %s", json_tokener_error_desc(jerr));
	if (!json_object_is_type(root, json_type_object))
		return ctr_fail(err, 0, "image config is not a JSON object");
	struct json_object *cfg = field(root, "config");
	if (!cfg)
		return 0;
	if (!json_object_is_type(cfg, json_type_object))
		return ctr_fail(err, 0, "image config: config is not an object");
	if (parse_strv(field(cfg, "Entrypoint"), "Entrypoint", &out->entrypoint, &out->n_entrypoint, err) ||
	    parse_strv(field(cfg, "Cmd"), "Cmd", &out->cmd, &out->n_cmd, err) ||
	    parse_strv(field(cfg, "Env"), "Env", &out->env, &out->n_env, err) ||
	    parse_str(field(cfg, "WorkingDir"), "WorkingDir", &out->workdir, err) ||
	    parse_str(field(cfg, "User"), "User", &out->user, err)) {
		ctr_image_config_free(out);
		return -1;
	}
	return 0;
}

/* json-c adds to objects and arrays without failing short of memory
 * exhaustion; a NULL from a constructor makes the whole document NULL below. */
struct json_object *ctr_strv_json(char *const *v, size_t n)
{
	struct json_object *arr = json_object_new_array_ext((int)n);
	for (size_t i = 0; arr && i < n; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	return arr;
}

/* The machine as Go's GOARCH names it, as OCI configs do. */
static const char *oci_architecture(void)
{
	static const struct { const char *uname, *oci; } names[] = {
		{"x86_64", "amd64"}, {"aarch64", "arm64"}, {"i686", "386"}, {"i386", "386"},
		{"armv7l", "arm"},   {"armv6l", "arm"},    {"ppc64le", "ppc64le"}, {"s390x", "s390x"},
		{"riscv64", "riscv64"},
	};
	static struct utsname u;
	if (uname(&u) < 0)
		return "unknown";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(u.machine, names[i].uname) == 0)
			return names[i].oci;
	return u.machine;
}

/* RFC 3339 in UTC with nanoseconds, as Go's time.Time marshals. */
static void rfc3339(int64_t ns, char *buf, size_t len)
{
	time_t secs = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char date[40];
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09lldZ", date, (long long)(ns % 1000000000));
}

char *ctr_image_config_to_json_at(const struct ctr_image_config *c, char *const *diff_ids, size_t n_diff_ids,
				  int64_t created_ns, const char *comment)
{
	struct json_object *root = json_object_new_object();
	if (!root)
		return NULL;
	char created[64] = "";
	if (created_ns > 0)
		rfc3339(created_ns, created, sizeof created);
	json_object_object_add(root, "architecture", json_object_new_string(oci_architecture()));
	if (comment)
		json_object_object_add(root, "comment", json_object_new_string(comment));
	if (created[0])
		json_object_object_add(root, "created", json_object_new_string(created));
	json_object_object_add(root, "os", json_object_new_string("linux"));

	struct json_object *cfg = json_object_new_object();
	if (cfg) {
		if (c && c->n_env)
			json_object_object_add(cfg, "Env", ctr_strv_json(c->env, c->n_env));
		if (c && c->n_entrypoint)
			json_object_object_add(cfg, "Entrypoint", ctr_strv_json(c->entrypoint, c->n_entrypoint));
		if (c && c->n_cmd)
			json_object_object_add(cfg, "Cmd", ctr_strv_json(c->cmd, c->n_cmd));
		if (c && c->workdir)
			json_object_object_add(cfg, "WorkingDir", json_object_new_string(c->workdir));
		if (c && c->user)
			json_object_object_add(cfg, "User", json_object_new_string(c->user));
	}
	json_object_object_add(root, "config", cfg);

	struct json_object *rootfs = json_object_new_object();
	if (rootfs) {
		json_object_object_add(rootfs, "type", json_object_new_string("layers"));
		json_object_object_add(rootfs, "diff_ids", ctr_strv_json(diff_ids, n_diff_ids));
	}
	json_object_object_add(root, "rootfs", rootfs);

	if (created[0] || comment) {
		struct json_object *history = json_object_new_array(), *step = json_object_new_object();
		if (step && created[0])
			json_object_object_add(step, "created", json_object_new_string(created));
		if (step && comment)
			json_object_object_add(step, "comment", json_object_new_string(comment));
		if (history)
			json_object_array_add(history, step);
		json_object_object_add(root, "history", history);
	}

	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	char *s = text ? strdup(text) : NULL;
	json_object_put(root);
	return s;
}

/* ---- --change instructions ---- */

static char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return (char *)s;
}

/* Splits S into words as docker's ENV does: whitespace separates, double
 * quotes group (with \" and \\ inside), single quotes group literally, and a
 * backslash outside quotes takes the next character as it is. */
static int split_words(const char *s, char ***words, size_t *n, struct ctr_error *err)
{
	*words = NULL;
	*n = 0;
	size_t len = strlen(s);
	char **v = calloc(len / 2 + 2, sizeof *v);  /* at most one word per two chars, plus one */
	char *buf = malloc(len + 1);
	if (!v || !buf) {
		free(v);
		free(buf);
		return ctr_fail(err, ENOMEM, "--change");
	}
	size_t count = 0;
	const char *p = skip_space(s);
	while (*p) {
		size_t k = 0;
		char quote = 0;
		for (; *p && (quote || !isspace((unsigned char)*p)); p++) {
			if (quote == '\'' && *p == '\'')
				quote = 0;
			else if (quote == '"' && *p == '"')
				quote = 0;
			else if (!quote && (*p == '"' || *p == '\''))
				quote = *p;
			else if (quote != '\'' && *p == '\\' && p[1] && (!quote || p[1] == '"' || p[1] == '\\'))
				buf[k++] = *++p;
			else
				buf[k++] = *p;
		}
		if (quote) {
			free(buf);
			ctr_strv_free_n(v, count);
			return ctr_fail(err, 0, "--change: unterminated %c quote in \"%s\"", quote, s);
		}
		buf[k] = '\0';
		if (!(v[count] = strdup(buf))) {
			free(buf);
			ctr_strv_free_n(v, count);
			return ctr_fail(err, ENOMEM, "--change");
		}
		count++;
		p = skip_space(p);
	}
	free(buf);
	*words = v;
	*n = count;
	return 0;
}

/* Sets NAME=VALUE in the environment, replacing an earlier NAME. */
static int set_env(struct ctr_image_config *c, const char *name, size_t name_len, const char *value,
		   struct ctr_error *err)
{
	_cleanup_free_ char *entry = NULL;
	if (asprintf(&entry, "%.*s=%s", (int)name_len, name, value) < 0)
		return ctr_fail(err, ENOMEM, "--change ENV");
	for (size_t i = 0; i < c->n_env; i++) {
		if (strncmp(c->env[i], name, name_len) == 0 && c->env[i][name_len] == '=') {
			free(c->env[i]);
			c->env[i] = steal_pointer(&entry);
			return 0;
		}
	}
	char **grown = realloc(c->env, (c->n_env + 2) * sizeof *grown);
	if (!grown)
		return ctr_fail(err, ENOMEM, "--change ENV");
	c->env = grown;
	c->env[c->n_env++] = steal_pointer(&entry);
	c->env[c->n_env] = NULL;
	return 0;
}

static int change_env(struct ctr_image_config *c, const char *args, struct ctr_error *err)
{
	char **words;
	size_t n;
	if (split_words(args, &words, &n, err))
		return -1;
	int rc = 0;
	if (n == 0) {
		rc = ctr_fail(err, 0, "--change ENV needs NAME=VALUE");
	} else if (!strchr(words[0], '=')) {
		/* The old form "ENV NAME VALUE...": the value is the rest of the line. */
		const char *rest = skip_space(args) + strcspn(skip_space(args), " \t\n\r\f\v");
		rest = skip_space(rest);
		if (!*rest)
			rc = ctr_fail(err, 0, "--change ENV %s: no value (use ENV NAME=VALUE)", words[0]);
		else
			rc = set_env(c, words[0], strlen(words[0]), rest, err);
	} else {
		for (size_t i = 0; i < n && rc == 0; i++) {
			const char *eq = strchr(words[i], '=');
			if (!eq || eq == words[i])
				rc = ctr_fail(err, 0, "--change ENV: \"%s\" is not NAME=VALUE", words[i]);
			else
				rc = set_env(c, words[i], (size_t)(eq - words[i]), eq + 1, err);
		}
	}
	ctr_strv_free_n(words, n);
	return rc;
}

/* CMD and ENTRYPOINT: a JSON array of strings is the argv itself; anything
 * else (also JSON that is not such an array, as docker does) is shell form,
 * run through /bin/sh -c. */
static int change_argv(const char *what, const char *args, char ***out, size_t *n_out, struct ctr_error *err)
{
	args = skip_space(args);
	if (!*args)
		return ctr_fail(err, 0, "--change %s needs a command", what);
	char **argv = NULL;
	size_t n = 0;
	if (*args == '[') {
		struct json_object *arr = json_tokener_parse(args);
		struct ctr_error ignored;
		if (arr && json_object_is_type(arr, json_type_array) &&
		    parse_strv(arr, what, &argv, &n, &ignored) == 0 && n == 0) {
			/* parse_strv allocated the (empty, NULL-terminated) vector
			 * all the same; found leaking by tests/fuzz/fuzz_image_config. */
			ctr_strv_free_n(argv, n);
			json_object_put(arr);
			return ctr_fail(err, 0, "--change %s []: empty command", what);
		}
		json_object_put(arr);
	}
	if (!argv) {
		size_t end = strlen(args);
		while (end > 0 && isspace((unsigned char)args[end - 1]))
			end--;
		argv = calloc(4, sizeof *argv);
		if (!argv || !(argv[0] = strdup("/bin/sh")) || !(argv[1] = strdup("-c")) ||
		    !(argv[2] = strndup(args, end))) {
			ctr_strv_free_n(argv, 3);
			return ctr_fail(err, ENOMEM, "--change %s", what);
		}
		n = 3;
	}
	ctr_strv_free_n(*out, *n_out);
	*out = argv;
	*n_out = n;
	return 0;
}

static int change_workdir(struct ctr_image_config *c, const char *args, struct ctr_error *err)
{
	char **words;
	size_t n;
	if (split_words(args, &words, &n, err))
		return -1;
	if (n != 1) {
		ctr_strv_free_n(words, n);
		return ctr_fail(err, 0, "--change WORKDIR needs one directory, got \"%s\"", skip_space(args));
	}
	char *dir = NULL;
	if (words[0][0] == '/') {
		dir = strdup(words[0]);
	} else {
		/* Relative to the previous WORKDIR, as in a Dockerfile. */
		const char *base = c->workdir ? c->workdir : "/";
		size_t bl = strlen(base);
		if (asprintf(&dir, "%s%s%s", base, bl && base[bl - 1] == '/' ? "" : "/", words[0]) < 0)
			dir = NULL;
	}
	ctr_strv_free_n(words, n);
	if (!dir)
		return ctr_fail(err, ENOMEM, "--change WORKDIR");
	free(c->workdir);
	c->workdir = dir;
	return 0;
}

static int change_user(struct ctr_image_config *c, const char *args, struct ctr_error *err)
{
	char **words;
	size_t n;
	if (split_words(args, &words, &n, err))
		return -1;
	if (n != 1 || !words[0][0] || words[0][0] == ':' || words[0][strlen(words[0]) - 1] == ':') {
		ctr_strv_free_n(words, n);
		return ctr_fail(err, 0, "--change USER needs one USER[:GROUP], got \"%s\"", skip_space(args));
	}
	free(c->user);
	c->user = words[0];
	free(words);
	return 0;
}

int ctr_image_config_apply_change(struct ctr_image_config *c, const char *change, struct ctr_error *err)
{
	const char *p = skip_space(change);
	size_t kw_len = strcspn(p, " \t\n\r\f\v");
	if (kw_len == 0)
		return ctr_fail(err, 0, "--change: empty instruction");
	const char *args = p + kw_len;
	char kw[16];
	snprintf(kw, sizeof kw, "%.*s", (int)(kw_len < sizeof kw ? kw_len : sizeof kw - 1), p);
	if (kw_len < sizeof kw) {
		if (strcasecmp(kw, "CMD") == 0)
			return change_argv("CMD", args, &c->cmd, &c->n_cmd, err);
		if (strcasecmp(kw, "ENTRYPOINT") == 0)
			return change_argv("ENTRYPOINT", args, &c->entrypoint, &c->n_entrypoint, err);
		if (strcasecmp(kw, "ENV") == 0)
			return change_env(c, args, err);
		if (strcasecmp(kw, "WORKDIR") == 0)
			return change_workdir(c, args, err);
		if (strcasecmp(kw, "USER") == 0)
			return change_user(c, args, err);
	}
	return ctr_fail(err, 0, "--change: unsupported instruction \"%.*s\" (supported: CMD, ENTRYPOINT, ENV, "
			"WORKDIR, USER)", (int)(kw_len > 40 ? 40 : kw_len), p);
}

void ctr_image_config_free(struct ctr_image_config *c)
{
	if (!c)
		return;
	ctr_strv_free_n(c->entrypoint, c->n_entrypoint);
	ctr_strv_free_n(c->cmd, c->n_cmd);
	ctr_strv_free_n(c->env, c->n_env);
	free(c->workdir);
	free(c->user);
	memset(c, 0, sizeof *c);
}
