/* Capability names and docker's capability flags. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <linux/capability.h>

#include "capabilities.h"

#define NAME(c) [CAP_##c] = "CAP_" #c
static const char *const cap_names[] = {
	NAME(CHOWN),           NAME(DAC_OVERRIDE),  NAME(DAC_READ_SEARCH),   NAME(FOWNER),
	NAME(FSETID),          NAME(KILL),          NAME(SETGID),            NAME(SETUID),
	NAME(SETPCAP),         NAME(LINUX_IMMUTABLE), NAME(NET_BIND_SERVICE), NAME(NET_BROADCAST),
	NAME(NET_ADMIN),       NAME(NET_RAW),       NAME(IPC_LOCK),          NAME(IPC_OWNER),
	NAME(SYS_MODULE),      NAME(SYS_RAWIO),     NAME(SYS_CHROOT),        NAME(SYS_PTRACE),
	NAME(SYS_PACCT),       NAME(SYS_ADMIN),     NAME(SYS_BOOT),          NAME(SYS_NICE),
	NAME(SYS_RESOURCE),    NAME(SYS_TIME),      NAME(SYS_TTY_CONFIG),    NAME(MKNOD),
	NAME(LEASE),           NAME(AUDIT_WRITE),   NAME(AUDIT_CONTROL),     NAME(SETFCAP),
	NAME(MAC_OVERRIDE),    NAME(MAC_ADMIN),     NAME(SYSLOG),            NAME(WAKE_ALARM),
	NAME(BLOCK_SUSPEND),   NAME(AUDIT_READ),    NAME(PERFMON),           NAME(BPF),
	NAME(CHECKPOINT_RESTORE),
};
#undef NAME

#define N_NAMES ((int)(sizeof cap_names / sizeof cap_names[0]))
_Static_assert(sizeof cap_names / sizeof cap_names[0] <= 64, "a capability set is 64 bits");

int ctr_cap_max_known(void)
{
	return N_NAMES - 1;
}

const char *ctr_cap_name(int cap)
{
	return cap >= 0 && cap < N_NAMES ? cap_names[cap] : NULL;
}

int ctr_cap_from_name(const char *name)
{
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	for (int i = 0; i < N_NAMES; i++)
		if (cap_names[i] && strcasecmp(name, cap_names[i] + 4) == 0)
			return i;
	return -1;
}

int ctr_cap_last(void)
{
	int last = -1;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = -1;
		fclose(f);
	}
	if (last < 0 || last > ctr_cap_max_known())
		last = ctr_cap_max_known();
	return last;
}

uint64_t ctr_caps_all(int last)
{
	if (last > ctr_cap_max_known())
		last = ctr_cap_max_known();
	return last < 0 ? 0 : (last >= 63 ? UINT64_MAX : CTR_CAP_BIT(last + 1) - 1);
}

uint64_t ctr_caps_docker_default(void)
{
	static const int caps[] = {
		CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER,  CAP_FSETID,           CAP_KILL,
		CAP_SETGID, CAP_SETUID,      CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_RAW,
		CAP_SYS_CHROOT, CAP_MKNOD,   CAP_AUDIT_WRITE, CAP_SETFCAP,
	};
	uint64_t set = 0;
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
		set |= CTR_CAP_BIT(caps[i]);
	return set;
}

/* docker's normalisation of one flag's list: upper case, CAP_ prefixed,
 * "ALL" kept aside. Every name must be a capability the kernel has. */
static int normalize(const char *flag, const char *const *names, size_t n, int last, uint64_t *set, bool *all,
		     struct ctr_error *err)
{
	*set = 0;
	*all = false;
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(names[i], "ALL") == 0) {
			*all = true;
			continue;
		}
		/* The name as docker prints it in its errors: upper case, with CAP_;
		 * control characters shown as '?' so the message stays one line. */
		char shown[128];
		snprintf(shown, sizeof shown, "%s%s", strncasecmp(names[i], "CAP_", 4) == 0 ? "" : "CAP_", names[i]);
		for (char *p = shown; *p; p++)
			*p = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : (char)toupper((unsigned char)*p);
		int cap = ctr_cap_from_name(names[i]);
		if (cap < 0)
			return ctr_fail(err, 0, "%s: unknown capability: \"%s\"", flag, shown);
		if (cap > last)
			return ctr_fail(err, 0, "%s: capability not supported by this kernel: \"%s\"", flag, shown);
		*set |= CTR_CAP_BIT(cap);
	}
	return 0;
}

int ctr_caps_compute(const char *const *add, size_t n_add, const char *const *drop, size_t n_drop,
		     bool privileged, int last, uint64_t *out, struct ctr_error *err)
{
	if (privileged) {
		*out = ctr_caps_all(last);
		return 0;
	}
	uint64_t add_set, drop_set;
	bool add_all, drop_all;
	/* docker checks the drops first, so with two bad names that one is named. */
	if (normalize("--cap-drop", drop, n_drop, last, &drop_set, &drop_all, err) < 0 ||
	    normalize("--cap-add", add, n_add, last, &add_set, &add_all, err) < 0)
		return -1;
	if (add_all)
		*out = ctr_caps_all(last) & ~drop_set;  /* ALL in --cap-drop removes nothing here */
	else if (drop_all)
		*out = add_set;
	else  /* The default set holds CAP_SETFCAP (31): masked for a kernel
	       * whose last capability is lower, as a faked LAST can be
	       * (tests/fuzz/fuzz_run_options; no kernel since 2.6.25). */
		*out = ((ctr_caps_docker_default() & ctr_caps_all(last)) & ~drop_set) | add_set;
	return 0;
}
