#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/vfs.h>

#include "low_space.h"

int low_space_parse(const char *text, uint64_t *bytes)
{
	if (!text || !isdigit((unsigned char)*text))
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno)
		return -1;
	unsigned shift = 0;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'k': shift = 10; break;
	case 'm': shift = 20; break;
	case 'g': shift = 30; break;
	case 't': shift = 40; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*bytes = (uint64_t)v << shift;
	return 0;
}

int low_space_init(struct low_space *ls, struct ctr_error *err)
{
	const char *env = getenv("CTRFS_LOW_SPACE");
	ls->threshold = LOW_SPACE_DEFAULT;
	if (env && *env && low_space_parse(env, &ls->threshold) < 0)
		return ctr_fail(err, 0, "CTRFS_LOW_SPACE=%s: not a size (bytes, or a number with K, M, G or T)", env);
	return 0;
}

bool low_space_now(const struct low_space *ls, int fd)
{
	struct statfs st;   /* not statvfs: glibc may read /proc/mounts for its f_flag */
	if (ls->threshold == 0 || fstatfs(fd, &st) < 0)
		return false;
	return (uint64_t)st.f_bavail * (uint64_t)(st.f_frsize ? st.f_frsize : st.f_bsize) < ls->threshold;
}
