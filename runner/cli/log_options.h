/* docker's log options for `ctrrun run`: --log-opt KEY=VALUE with the keys
 * mode (blocking, non-blocking), max-buffer-size and max-size, and
 * ctrrun's --log-max-size (the same as --log-opt max-size). What they make
 * is a container_logging row (ctr/db.h); the strings as given are kept too,
 * as docker's HostConfig.LogConfig.Config. */
#ifndef CTRRUN_LOG_OPTIONS_H
#define CTRRUN_LOG_OPTIONS_H

#include <stdint.h>

#include "ctr/db.h"
#include "ctr/error.h"

struct log_options {
	enum ctr_db_log_mode mode;  /* default blocking */
	int64_t max_buffer_bytes;   /* default 1m; used in non-blocking mode only */
	int64_t max_size_bytes;     /* default 100m */
	struct json_object *given;  /* KEY -> VALUE as given; NULL: none */
};

void cli_log_options_init(struct log_options *l);
/* One --log-opt KEY=VALUE; a key given again replaces its value. Errors
 * name the option and say what is expected. */
int cli_log_options_add(struct log_options *l, const char *key_value, struct ctr_error *err);
/* --log-max-size SIZE. */
int cli_log_options_set_max_size(struct log_options *l, const char *size, struct ctr_error *err);
/* The container_logging row; OUT->options is a heap string (free it with
 * ctr_db_log_config_free). */
int cli_log_options_to_db(const struct log_options *l, struct ctr_db_log_config *out, struct ctr_error *err);
void cli_log_options_free(struct log_options *l);

/* "100m", "1g", "4096": bytes (> 0), with binary suffixes b, k, m, g as
 * docker reads them. -1 when S is not such a size. */
int cli_log_options_parse_size(const char *s, int64_t *out);

#endif
