/* Small file-system questions asked the same way everywhere. */
#ifndef CTR_FSUTIL_H
#define CTR_FSUTIL_H

#include <stdbool.h>

/* True when PATH names a directory, following symlinks (stat(2)); false for
 * NULL, for anything else and when it cannot be looked at. */
bool ctr_is_dir(const char *path);

#endif
