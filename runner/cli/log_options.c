/* Parsing docker's log options. */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log_options.h"

int cli_log_options_parse_size(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	/* strtod also takes "nan", "inf" and 1e300, whose conversion to int64_t
	 * below is undefined (UBSan, tests/fuzz/fuzz_run_options): finite only,
	 * and the product is checked against 2^63 before the cast. */
	if (errno || end == s || !isfinite(v) || v <= 0)
		return -1;
	int64_t mult = 1;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'b': mult = 1; break;
	case 'k': mult = 1LL << 10; break;
	case 'm': mult = 1LL << 20; break;
	case 'g': mult = 1LL << 30; break;
	default: return -1;
	}
	if (*end && end[1] && !(tolower((unsigned char)end[1]) == 'b' && end[2] == '\0'))
		return -1;
	double bytes = v * (double)mult;
	if (bytes >= 9223372036854775808.0)
		return -1;
	*out = (int64_t)bytes;
	return *out > 0 ? 0 : -1;
}

void cli_log_options_init(struct log_options *l)
{
	*l = (struct log_options){.mode = CTR_DB_LOG_BLOCKING, .max_buffer_bytes = CTR_DB_LOG_DEFAULT_MAX_BUFFER,
				  .max_size_bytes = CTR_DB_LOG_DEFAULT_MAX_SIZE};
}

static int remember(struct log_options *l, const char *key, const char *value, struct ctr_error *err)
{
	if (!l->given && !(l->given = json_object_new_object()))
		return ctr_fail(err, ENOMEM, "--log-opt");
	struct json_object *v = json_object_new_string(value);
	if (!v || json_object_object_add(l->given, key, v) < 0) {
		json_object_put(v);
		return ctr_fail(err, ENOMEM, "--log-opt");
	}
	return 0;
}

int cli_log_options_add(struct log_options *l, const char *key_value, struct ctr_error *err)
{
	const char *eq = strchr(key_value, '=');
	if (!eq || eq == key_value)
		return ctr_fail(err, 0, "--log-opt '%s': expected KEY=VALUE (mode, max-buffer-size or max-size)",
				key_value);
	char key[32];
	size_t key_len = (size_t)(eq - key_value);
	const char *value = eq + 1;
	if (key_len >= sizeof key)
		key_len = sizeof key - 1;
	memcpy(key, key_value, key_len);
	key[key_len] = '\0';
	if (strcmp(key, "mode") == 0) {
		if (strcmp(value, "blocking") == 0)
			l->mode = CTR_DB_LOG_BLOCKING;
		else if (strcmp(value, "non-blocking") == 0)
			l->mode = CTR_DB_LOG_NON_BLOCKING;
		else
			return ctr_fail(err, 0, "--log-opt mode=%s: the log mode is blocking or non-blocking", value);
	} else if (strcmp(key, "max-buffer-size") == 0) {
		if (cli_log_options_parse_size(value, &l->max_buffer_bytes) < 0)
			return ctr_fail(err, 0, "--log-opt max-buffer-size=%s: expected a size like 64k or 1m", value);
	} else if (strcmp(key, "max-size") == 0) {
		if (cli_log_options_parse_size(value, &l->max_size_bytes) < 0)
			return ctr_fail(err, 0, "--log-opt max-size=%s: expected a size like 10m or 1g", value);
	} else {
		return ctr_fail(err, 0, "--log-opt %s: unknown log option '%.*s' (known: mode, max-buffer-size, max-size)",
				key_value, (int)(eq - key_value), key_value);
	}
	return remember(l, key, value, err);
}

int cli_log_options_set_max_size(struct log_options *l, const char *size, struct ctr_error *err)
{
	if (cli_log_options_parse_size(size, &l->max_size_bytes) < 0)
		return ctr_fail(err, 0, "--log-max-size '%s': expected a size like 10m or 1g", size);
	return remember(l, "max-size", size, err);
}

int cli_log_options_to_db(const struct log_options *l, struct ctr_db_log_config *out, struct ctr_error *err)
{
	*out = (struct ctr_db_log_config){.mode = l->mode, .max_size_bytes = l->max_size_bytes,
					  .max_buffer_bytes = l->mode == CTR_DB_LOG_NON_BLOCKING ? l->max_buffer_bytes : 0};
	const char *json = l->given ? json_object_to_json_string_ext(l->given, JSON_C_TO_STRING_PLAIN) : "{}";
	if (!json || !(out->options = strdup(json)))
		return ctr_fail(err, ENOMEM, "log options");
	return 0;
}

void cli_log_options_free(struct log_options *l)
{
	json_object_put(l->given);
	l->given = NULL;
}
