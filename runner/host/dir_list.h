/* The names in a directory, read at once and sorted, so that walks over
 * layers (commit, export) are deterministic and never hold a DIR stream
 * across recursion. */
#ifndef CTRRUN_DIR_LIST_H
#define CTRRUN_DIR_LIST_H

#include <stddef.h>

#include "ctr/error.h"

/* The names in directory DFD except "." and "..", sorted bytewise: *NAMES
 * is N strings, freed with ctr_dir_list_free. PATH names DFD in messages.
 * DFD itself is left open and usable. */
int ctr_dir_list(int dfd, const char *path, char ***names, size_t *n, struct ctr_error *err);
void ctr_dir_list_free(char **names, size_t n);

#endif
