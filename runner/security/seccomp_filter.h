/* A container's seccomp filter: built in ctrrun before anything of the
 * container exists (so a bad profile is an error to the user, not a dead
 * init), loaded by the container's init and by every `ctrrun exec` process
 * right before exec.
 *
 *   struct ctr_seccomp *sc;
 *   struct ctr_seccomp_config cfg = {.mode = CTR_SECCOMP_DEFAULT, .caps = caps,
 *                                    .notify_sysinfo = proc_view, .cache_dir = dir};
 *   if (ctr_seccomp_prepare(&cfg, &sc, &err) < 0) ...     // parent: parse, build
 *   ... fork ...
 *   if (ctr_seccomp_load(sc, &listener, &err) < 0) ...    // child: one seccomp(2) call
 *   ctr_seccomp_free(sc);                                  // parent (and child, if it returns)
 *
 * The filter is libseccomp's, built from a profile in docker's format
 * (seccomp_profile.h): ctr's default (runner/security/seccomp/default.json,
 * docker's default with the x32 ABI refused) or the user's. Rules whose includes or
 * excludes name capabilities follow CAPS, the container's final set (its
 * bounding set), as docker's do; minKernel follows the running kernel.
 * System call names this libseccomp does not know are skipped, as docker
 * skips them. A system call of an ABI the profile does not list (x32 under
 * the default profile) gets the default action, or EPERM where the default
 * action would let it run.
 *
 * sysinfo: with notify_sysinfo, sysinfo calls that the profile lets run
 * (ALLOW or LOG, with no argument rule) go instead to a user-notification
 * listener, for every architecture in the filter (x86_64 and i386 under the
 * default profile; x32 too under unconfined); the /proc view's daemon
 * answers them (fs/proc_sysinfo.c). A profile that refuses sysinfo keeps
 * refusing it, and then there is no listener.
 *
 * Building with libseccomp costs milliseconds (5.5 to 6 ms for the default
 * profile on the test machine, 870 BPF instructions as a binary tree), so a
 * built filter can be kept in CACHE_DIR, keyed by everything it was built
 * from (the profile's text, the capabilities, the sysinfo choice, the kernel
 * release, the libseccomp and ctr versions) and compared byte for byte on
 * use; a hit costs 0.06 to 0.2 ms, the load in the child about 0.18 ms (the
 * kernel JITs the program and runs it once per system call number). Cache
 * files are 0600 and only used when owned by the caller; a cache that cannot
 * be written only costs time. `test_seccomp --timing` measures all three. */
#ifndef CTRRUN_SECCOMP_FILTER_H
#define CTRRUN_SECCOMP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctr/error.h"

enum ctr_seccomp_mode {
	CTR_SECCOMP_DEFAULT,     /* ctr's default profile */
	CTR_SECCOMP_PROFILE,     /* `--security-opt seccomp=FILE`: the text in .profile */
	CTR_SECCOMP_UNCONFINED,  /* `seccomp=unconfined`: no filter, but for sysinfo with notify_sysinfo */
};

struct ctr_seccomp_config {
	enum ctr_seccomp_mode mode;
	const char *profile;     /* CTR_SECCOMP_PROFILE: the profile's JSON text
				    (ctr_seccomp_profile_read_file gives it) */
	const char *source;      /* the profile's name in errors (its file); NULL: "default" */
	uint64_t caps;           /* the container's final capability set (capabilities.h) */
	bool notify_sysinfo;     /* sysinfo to a listener, for the /proc view */
	const char *cache_dir;   /* where built filters are kept (created 0700 if
				    missing, its parent must exist); NULL: no cache */
};

/* A built filter, ready to load: no pointers but its own memory, so it can
 * cross a fork as is. */
struct ctr_seccomp;

/* Parses the profile and builds the filter (or takes it from the cache).
 * Errors name the profile and the field (`seccomp profile FILE:
 * syscalls[3].args[0].op: unknown operator "X"`). */
int ctr_seccomp_prepare(const struct ctr_seccomp_config *cfg, struct ctr_seccomp **out, struct ctr_error *err);

/* Loads S on the calling thread: one seccomp(2) call, no allocation, so it
 * fits between fork and exec. The caller must have no_new_privs set or
 * CAP_SYS_ADMIN in its user namespace (the kernel's rule); from then on the
 * filter applies to the caller's own remaining system calls too. *LISTENER_FD
 * is the sysinfo listener (close-on-exec), or -1 when the filter has none.
 * S == NULL, or an unconfined config without notify_sysinfo, loads nothing. */
int ctr_seccomp_load(const struct ctr_seccomp *s, int *listener_fd, struct ctr_error *err);

/* Whether loading S gives a listener (the profile let sysinfo run). */
bool ctr_seccomp_has_listener(const struct ctr_seccomp *s);

/* The program's length in BPF instructions (0: nothing to load). */
size_t ctr_seccomp_length(const struct ctr_seccomp *s);

void ctr_seccomp_free(struct ctr_seccomp *s);

#endif
