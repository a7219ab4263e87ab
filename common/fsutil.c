/* Small file-system questions (include/ctr/fsutil.h). */
#include <sys/stat.h>

#include "ctr/fsutil.h"

bool ctr_is_dir(const char *path)
{
	struct stat st;
	return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
