/* The sysinfo filter alone: ctr_seccomp's unconfined filter with sysinfo
 * sent to a listener, for every ABI of this machine (x86_64, i386, x32).
 * Kept until the init and exec load their whole filter through
 * seccomp_filter.h, which has the same filter (CTR_SECCOMP_UNCONFINED with
 * notify_sysinfo) and the profiles. */
#include "seccomp_filter.h"
#include "sysinfo_filter.h"

int ctr_sysinfo_filter_install(struct ctr_error *err)
{
	struct ctr_seccomp_config cfg = {.mode = CTR_SECCOMP_UNCONFINED, .notify_sysinfo = true};
	struct ctr_seccomp *s;
	int listener = -1;
	if (ctr_seccomp_prepare(&cfg, &s, err) < 0)
		return -1;
	int rc = ctr_seccomp_load(s, &listener, err);
	ctr_seccomp_free(s);
	return rc < 0 ? -1 : listener;
}
