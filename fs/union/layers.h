/* Resolving, checking and opening the layer directories of a mount. */
#ifndef CTR_FS_LAYERS_H
#define CTR_FS_LAYERS_H

#include "union.h"

/* Resolves every path (symlinks included), checks the combination, opens the
 * layers and prepares WORK/work. On error nothing has been created. */
int layers_open(struct union_fs *fs, struct ctr_error *err);
void layers_close(struct union_fs *fs);

#endif
