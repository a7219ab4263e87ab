/* String vectors: heap arrays of heap strings, NULL-terminated (there is room
 * for the NULL after the last), with their count kept beside them. */
#ifndef CTR_STRV_H
#define CTR_STRV_H

#include <stddef.h>

/* Frees every string up to the terminating NULL, then the array. NULL: nothing. */
void ctr_strv_free(char **v);
/* Frees the first N strings (NULL ones are skipped), then the array: for a
 * vector filled only partly when its building failed. */
void ctr_strv_free_n(char **v, size_t n);
/* A NULL-terminated copy of the N strings of V; NULL when out of memory. */
char **ctr_strv_copy(char *const *v, size_t n);

/* Sets ENTRY ("NAME=VALUE", or "NAME": its NAME is all of it) in the
 * environment *ENV of *N strings, NULL-terminated: it replaces the entry of
 * the same NAME, else it is appended. ENTRY itself is stored, not a copy;
 * the entry it replaced is put in *REPLACED (NULL when appended) for a
 * caller that owns its strings to free. -1 when out of memory, with
 * nothing changed. */
int ctr_env_set(char ***env, size_t *n, char *entry, char **replaced);

#endif
