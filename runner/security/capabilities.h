/* Linux capabilities by name, docker's default set, and the set a container
 * gets from docker's flags (--cap-add, --cap-drop, --privileged), computed
 * with docker's rules. A set is a 64-bit mask: bit N is capability N. */
#ifndef CTRRUN_CAPABILITIES_H
#define CTRRUN_CAPABILITIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/capability.h>  /* CAP_* numbers, as the sets use them */

#include "ctr/error.h"

#define CTR_CAP_BIT(cap) (UINT64_C(1) << (cap))

/* The highest capability this file can name (CAP_CHECKPOINT_RESTORE, 40). */
int ctr_cap_max_known(void);

/* "CAP_CHOWN" for 0; NULL for a number without a name. */
const char *ctr_cap_name(int cap);

/* The number of "CAP_CHOWN", "chown", "Cap_Chown" (any case, with or without
 * the CAP_ prefix); -1 for anything else (also "ALL"). */
int ctr_cap_from_name(const char *name);

/* The kernel's highest capability (/proc/sys/kernel/cap_last_cap), capped to
 * ctr_cap_max_known(); ctr_cap_max_known() when the file cannot be read. */
int ctr_cap_last(void);

/* Every capability up to LAST (a ctr_cap_last() value). */
uint64_t ctr_caps_all(int last);

/* docker's default set: CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID,
 * SETUID, SETPCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE,
 * SETFCAP. */
uint64_t ctr_caps_docker_default(void);

/* A container's capability set from docker's flags, by docker's rules
 * (moby's TweakCapabilities):
 *   PRIVILEGED        every capability up to LAST; ADD and DROP are ignored
 *   no ADD, no DROP   the default set
 *   ALL in ADD        every capability up to LAST except those in DROP
 *   ALL in DROP       exactly ADD
 *   otherwise         the default set minus DROP, plus ADD
 * Names are as ctr_cap_from_name takes them, or "ALL" in any case. A name
 * that is no capability, or one above LAST (the kernel lacks it), is an
 * error naming it and its flag ("--cap-add: unknown capability: \"CAP_X\"").
 * LAST is a ctr_cap_last() value (a parameter so tests can fake a kernel). */
int ctr_caps_compute(const char *const *add, size_t n_add, const char *const *drop, size_t n_drop,
		     bool privileged, int last, uint64_t *out, struct ctr_error *err);

#endif
