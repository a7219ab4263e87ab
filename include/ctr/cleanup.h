/* The one cleanup idiom of the project: variables that release what they hold
 * when they go out of scope (GCC's cleanup attribute, as systemd, crun and
 * bubblewrap use it), so a function with several exits needs no goto chain.
 *
 *	_cleanup_free_ char *path = NULL;
 *	_cleanup_close_ int fd = -1;
 *	_cleanup_fclose_ FILE *f = NULL;
 *	_cleanup_closedir_ DIR *d = NULL;
 *	_cleanup_stmt_ sqlite3_stmt *st = NULL;   (with <sqlite3.h> included first)
 *
 * To hand the resource to the caller, take it out with steal_pointer() or
 * steal_fd(), which leave NULL / -1 behind. The cleanups keep errno, so
 * `return ctr_fail(err, errno, ...)` after a failed call reports the right
 * error even when a descriptor is closed on the way out. */
#ifndef CTR_CLEANUP_H
#define CTR_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void ctr_cleanup_free(void *p)
{
	int saved = errno;
	free(*(void **)p);
	errno = saved;
}

static inline void ctr_cleanup_close(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void ctr_cleanup_fclose(FILE **f)
{
	if (*f) {
		int saved = errno;
		fclose(*f);
		errno = saved;
	}
}

static inline void ctr_cleanup_closedir(DIR **d)
{
	if (*d) {
		int saved = errno;
		closedir(*d);
		errno = saved;
	}
}

#define _cleanup_free_ __attribute__((cleanup(ctr_cleanup_free)))
#define _cleanup_close_ __attribute__((cleanup(ctr_cleanup_close)))
#define _cleanup_fclose_ __attribute__((cleanup(ctr_cleanup_fclose)))
#define _cleanup_closedir_ __attribute__((cleanup(ctr_cleanup_closedir)))

#ifdef SQLITE_VERSION
static inline void ctr_cleanup_stmt(sqlite3_stmt **st)
{
	int saved = errno;
	sqlite3_finalize(*st);
	errno = saved;
}
#define _cleanup_stmt_ __attribute__((cleanup(ctr_cleanup_stmt)))
#endif

/* Moves a pointer out of a _cleanup_ variable: returns it and leaves NULL. */
static inline void *ctr_steal_pointer(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) ((__typeof__(*(pp)))ctr_steal_pointer(pp))

/* Moves a descriptor out of a _cleanup_close_ variable: returns it, leaves -1. */
static inline int steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

#endif
