/* Splitting a container's record back into docker's Config fields. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctr/strv.h"
#include "container_config.h"

static bool strv_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

int ctr_container_config(const struct ctr_db_container *c, const struct ctr_image_config *image,
			 struct ctr_image_config *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	size_t n_ep = image->n_entrypoint;
	bool split = n_ep > 0 && c->argc >= n_ep;
	for (size_t i = 0; split && i < n_ep; i++)
		split = strcmp(c->argv[i], image->entrypoint[i]) == 0;
	size_t skip = split ? n_ep : 0;
	if (split && !(out->entrypoint = ctr_strv_copy(image->entrypoint, n_ep)))
		goto nomem;
	out->n_entrypoint = split ? n_ep : 0;
	if (!(out->cmd = ctr_strv_copy(c->argv + skip, c->argc - skip)))
		goto nomem;
	out->n_cmd = c->argc - skip;

	char hostname[160], short_id[CTR_DB_SHORT_ID_LEN + 1];
	snprintf(short_id, sizeof short_id, "%.*s", CTR_DB_SHORT_ID_LEN, c->id);
	snprintf(hostname, sizeof hostname, "HOSTNAME=%s", c->hostname ? c->hostname : short_id);
	if (!(out->env = calloc(c->n_env + 1, sizeof *out->env)))
		goto nomem;
	for (size_t i = 0; i < c->n_env; i++) {
		const char *e = c->env[i];
		bool per_run = strcmp(e, hostname) == 0 || (c->tty && strcmp(e, "TERM=xterm") == 0);
		if (per_run && !strv_has(image->env, image->n_env, e))
			continue;
		if (!(out->env[out->n_env] = strdup(e)))
			goto nomem;
		out->n_env++;
	}
	const char *workdir = c->workdir ? c->workdir : image->workdir;
	const char *user = c->user ? c->user : image->user;
	if ((workdir && !(out->workdir = strdup(workdir))) || (user && !(out->user = strdup(user))))
		goto nomem;
	return 0;
nomem:
	ctr_image_config_free(out);
	return ctr_fail(err, ENOMEM, "container %s: config", c->name);
}
