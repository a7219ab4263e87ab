/* Fuzzes the image config JSON (runner/image/image_config.c) and docker's
 * `import --change` instructions. The input is the config document, then
 * optionally NUL-separated --change instructions applied to what it parsed.
 *
 * Besides crashes, leaks and UB it checks a round trip: a config parsed (and
 * changed) and written back with ctr_image_config_to_json_at parses to the same
 * command, environment, working dir and user, which is what import and
 * commit rely on when they store a config and later run it. */
#include <stdbool.h>

#include "fuzz_util.h"
#include "image_config.h"

#define MAX_PARTS 9   /* the config and up to 8 instructions */

static bool same_strv(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool same_str(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

static void check_round_trip(const struct ctr_image_config *c)
{
	static char *const diff_ids[] = {"sha256:0000000000000000000000000000000000000000000000000000000000000000"};
	char *json = ctr_image_config_to_json_at(c, diff_ids, 1, 1700000000123456789LL, "fuzz");
	if (!json)
		fuzz_fail("a parsed config cannot be written back");
	struct ctr_image_config back;
	struct ctr_error err = {0};
	if (ctr_image_config_parse(json, &back, &err) < 0)
		fuzz_fail("a written config does not parse: %s\n%s", err.msg, json);
	/* "" is not stored: parse reads an empty WorkingDir or User as unset. */
	bool same = same_strv(c->entrypoint, c->n_entrypoint, back.entrypoint, back.n_entrypoint) &&
		    same_strv(c->cmd, c->n_cmd, back.cmd, back.n_cmd) && same_strv(c->env, c->n_env, back.env, back.n_env) &&
		    same_str(c->workdir && *c->workdir ? c->workdir : NULL, back.workdir) &&
		    same_str(c->user && *c->user ? c->user : NULL, back.user);
	if (!same)
		fuzz_fail("the config changed on its way through JSON:\n%s", json);
	ctr_image_config_free(&back);
	free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *parts[MAX_PARTS];
	size_t n = fuzz_split(data, size, &buf, parts, MAX_PARTS);
	struct ctr_image_config c;
	struct ctr_error err = {0};
	if (ctr_image_config_parse(parts[0], &c, &err) == 0) {
		check_round_trip(&c);
		for (size_t i = 1; i < n; i++) {
			err.msg[0] = '\0';
			if (ctr_image_config_apply_change(&c, parts[i], &err) < 0 && !err.msg[0])
				fuzz_fail("--change refused without a message");
		}
		if (n > 1)
			check_round_trip(&c);
		ctr_image_config_free(&c);
	} else if (!err.msg[0])
		fuzz_fail("refused without a message");
	free(buf);
	return 0;
}
