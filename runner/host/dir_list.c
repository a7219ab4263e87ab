/* Reading a directory's names into a sorted array. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "dir_list.h"

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void ctr_dir_list_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

int ctr_dir_list(int dfd, const char *path, char ***names, size_t *n, struct ctr_error *err)
{
	*names = NULL;
	*n = 0;
	/* A stream of its own: fdopendir takes the fd, closedir closes it. The
	 * offset is shared with DFD, hence the rewind. */
	_cleanup_close_ int copy = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	if (copy < 0)
		return ctr_fail(err, errno, "cannot read directory %s", path);
	_cleanup_closedir_ DIR *d = fdopendir(copy);
	if (!d)
		return ctr_fail(err, errno, "cannot read directory %s", path);
	copy = -1;  /* the stream's now */
	rewinddir(d);
	char **v = NULL;
	size_t count = 0, cap = 0;
	int rc = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				rc = ctr_fail(err, errno, "cannot read directory %s", path);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **grown = realloc(v, ncap * sizeof *grown);
			if (!grown) {
				rc = ctr_fail(err, ENOMEM, "reading directory %s", path);
				break;
			}
			v = grown;
			cap = ncap;
		}
		if (!(v[count] = strdup(de->d_name))) {
			rc = ctr_fail(err, ENOMEM, "reading directory %s", path);
			break;
		}
		count++;
	}
	if (rc < 0) {
		ctr_dir_list_free(v, count);
		return -1;
	}
	if (count > 1)
		qsort(v, count, sizeof *v, compare_names);
	*names = v;
	*n = count;
	return 0;
}
