/* Temporary directories named after their owner: DIR/.tmp-PID-TICKS-XXXXXX
 * (layers/.tmp-* of import and commit), and whether one is a leftover. */
#ifndef CTRRUN_OWNED_TMP_H
#define CTRRUN_OWNED_TMP_H

#include <stdbool.h>

/* "DIR/.tmp-PID-TICKS-XXXXXX", a template for mkdtemp(3) that names this
 * process (pid and start time in clock ticks since boot) as the owner of
 * the temporary directory, so that the next command can tell one a killed
 * process left from one a live process is filling. NULL with errno set on
 * failure. The caller frees it. */
char *ctr_owned_tmp_template(const char *dir);

/* Whether NAME is a temporary directory's name (".tmp-*"). */
bool ctr_owned_tmp_name(const char *name);

/* Whether DIR_FD/NAME, a temporary directory, was left by a process that is
 * gone: its owner (from the name) is dead, or, named by a ctrrun before
 * owners were recorded (".tmp-XXXXXX"), it is older than an hour. */
bool ctr_owned_tmp_is_leftover(int dir_fd, const char *name);

#endif
