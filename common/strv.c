/* String vectors (include/ctr/strv.h). */
#include <stdlib.h>
#include <string.h>

#include "ctr/strv.h"

void ctr_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void ctr_strv_free_n(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

char **ctr_strv_copy(char *const *v, size_t n)
{
	char **out = calloc(n + 1, sizeof *out);
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = strdup(v[i]))) {
			ctr_strv_free_n(out, i);
			return NULL;
		}
	return out;
}

int ctr_env_set(char ***env, size_t *n, char *entry, char **replaced)
{
	size_t key = strcspn(entry, "=");
	*replaced = NULL;
	for (size_t i = 0; i < *n; i++)
		if (strncmp((*env)[i], entry, key) == 0 && (*env)[i][key] == '=') {
			*replaced = (*env)[i];
			(*env)[i] = entry;
			return 0;
		}
	char **grown = realloc(*env, (*n + 2) * sizeof *grown);
	if (!grown)
		return -1;
	*env = grown;
	grown[(*n)++] = entry;
	grown[*n] = NULL;
	return 0;
}
