#include <sched.h>
#include <sys/stat.h>

#include "caller_umask.h"

/* 1: this thread has its own fs_struct; -1: unshare was refused; 0: not tried. */
static _Thread_local int own_umask;

void caller_umask_init(void)
{
	umask(0);
}

void caller_umask_enter(mode_t mask, mode_t *mode)
{
	if (own_umask == 0)
		own_umask = unshare(CLONE_FS) == 0 ? 1 : -1;
	if (own_umask > 0)
		umask(mask & 0777);
	else
		*mode &= ~(mask & 0777);
}

void caller_umask_leave(void)
{
	if (own_umask > 0)
		umask(0);
}
