/* Temporary directories named after the process that fills them (pid and
 * start time), so that the next command can tell one a killed process left
 * from one a live process is filling (leftovers.c removes the former). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "owned_tmp.h"
#include "proc_stat.h"

#define TMP_PREFIX ".tmp-"
/* mkdtemp's six random characters. */
#define TMP_RANDOM 6
/* A .tmp-XXXXXX from a ctrrun that did not record owners is left alone
 * this long: it may still be in use by such a ctrrun. */
#define LEGACY_TMP_AGE_S 3600

char *ctr_owned_tmp_template(const char *dir)
{
	uint64_t ticks;
	if (ctr_proc_self_start_ticks(&ticks) < 0) {
		errno = errno ? errno : ENOENT;
		return NULL;
	}
	char *s = NULL;
	if (asprintf(&s, "%s/" TMP_PREFIX "%d-%llu-XXXXXX", dir, (int)getpid(), (unsigned long long)ticks) < 0)
		return NULL;
	return s;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* For a name .tmp-PID-TICKS-XXXXXX: true with the owner. */
static bool parse_owner(const char *name, pid_t *pid, uint64_t *ticks)
{
	const char *p = name + strlen(TMP_PREFIX);
	const char *dash1 = strchr(p, '-');
	const char *dash2 = dash1 ? strchr(dash1 + 1, '-') : NULL;
	if (!dash2 || strlen(dash2 + 1) != TMP_RANDOM || !all_digits(p, (size_t)(dash1 - p)) ||
	    !all_digits(dash1 + 1, (size_t)(dash2 - dash1 - 1)) || dash1 - p > 9)
		return false;
	*pid = (pid_t)strtol(p, NULL, 10);
	*ticks = strtoull(dash1 + 1, NULL, 10);
	return *pid > 0;
}

/* Whether DIR_FD/NAME (a .tmp-* entry) was left by a process that is gone. */
bool ctr_owned_tmp_is_leftover(int dir_fd, const char *name)
{
	pid_t pid;
	uint64_t ticks;
	if (parse_owner(name, &pid, &ticks))
		return !ctr_proc_alive(pid, ticks);
	if (strlen(name) != strlen(TMP_PREFIX) + TMP_RANDOM)
		return false;  /* not a name ctrrun makes */
	struct stat st;
	return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	       time(NULL) - st.st_mtime > LEGACY_TMP_AGE_S;
}

bool ctr_owned_tmp_name(const char *name)
{
	return strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0;
}
