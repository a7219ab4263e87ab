/* Seccomp profiles in docker's JSON format (moby's profiles/seccomp/default.json,
 * podman's /usr/share/containers/seccomp.json, `docker run --security-opt
 * seccomp=FILE`), read into a checked form that
 * runner/security/seccomp_filter.c turns into a filter for one container's
 * capabilities.
 *
 * Read: defaultAction, defaultErrnoRet, architectures or archMap (the entry
 * of this machine's architecture with its subArchitectures), flags, and
 * syscalls[] entries: names or name, action, errnoRet, args (index, value,
 * valueTwo, op), includes and excludes (caps, arches, minKernel). Other
 * fields (comment, podman's errno names) are ignored, as docker's decoder
 * ignores them. Anything malformed is an error naming the profile, the field
 * and its index: `seccomp profile FILE: syscalls[3].args[0].op: unknown
 * operator "X"`.
 *
 * Refused though docker's format has them: SCMP_ACT_NOTIFY and listenerPath
 * (ctrrun has no seccomp agent to answer the notifications; the sysinfo one
 * is its own, see seccomp_filter.h), and a profile with neither
 * defaultAction nor syscalls (docker runs that unconfined; ctrrun wants
 * seccomp=unconfined said). */
#ifndef CTRRUN_SECCOMP_PROFILE_H
#define CTRRUN_SECCOMP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seccomp.h>

#include "ctr/error.h"

/* ctr's default profile (runner/security/seccomp/default.json, embedded at build time). */
extern const char ctr_seccomp_default_json[];

/* includes / excludes of a syscalls[] entry. */
struct ctr_seccomp_cond {
	uint64_t caps;          /* the capabilities it names (CTR_CAP_BIT) */
	bool unknown_cap;       /* it names one this build does not know: never held */
	const char **arches;    /* docker's architecture names ("amd64", "x86", ...) */
	size_t n_arches;
	bool has_min_kernel;
	unsigned min_kernel[3]; /* major, minor, patch */
};

struct ctr_seccomp_arg {
	unsigned index;         /* 0..5 */
	enum scmp_compare op;
	uint64_t value, value_two;  /* SCMP_CMP_MASKED_EQ: mask, then the value */
};

struct ctr_seccomp_rule {
	const char **names;     /* point into the profile's JSON tree */
	size_t n_names;
	uint32_t action;        /* a libseccomp action (SCMP_ACT_*), errno or trace number included */
	struct ctr_seccomp_arg *args;
	size_t n_args;
	struct ctr_seccomp_cond includes, excludes;
};

struct ctr_seccomp_profile {
	uint32_t default_action;
	uint32_t *arches;       /* libseccomp tokens for this machine (the native one included) */
	size_t n_arches;
	unsigned filter_flags;  /* SECCOMP_FILTER_FLAG_* from "flags" */
	struct ctr_seccomp_rule *rules;
	size_t n_rules;
	void *json;             /* the parsed document, which owns the strings */
};

/* Parses and checks TEXT, a profile named SOURCE in errors (a file name, or
 * "default"). Nothing here depends on the container's capabilities, so a
 * profile that parses builds for any set. Free *OUT with
 * ctr_seccomp_profile_free. */
int ctr_seccomp_profile_parse(const char *text, const char *source, struct ctr_seccomp_profile **out,
			      struct ctr_error *err);
void ctr_seccomp_profile_free(struct ctr_seccomp_profile *p);

/* For `--security-opt seccomp=PATH`: reads the file (1 MiB at most) and
 * checks it as above, before anything is created. *TEXT (malloc'd) is what
 * to keep with the container and hand to ctr_seccomp_prepare later, so a
 * file changed or removed after `run` does not change the container. */
int ctr_seccomp_profile_read_file(const char *path, char **text, struct ctr_error *err);

/* "4.8", "5.10.0", "6.18.44-fc-v1300": the numbers of a kernel release as
 * docker reads minKernel and uname's release; false when it is none. */
bool ctr_seccomp_parse_kernel_version(const char *text, unsigned version[3]);

/* docker's name for this machine's architecture ("amd64" on x86_64), which
 * includes.arches and excludes.arches are compared with. */
const char *ctr_seccomp_native_arch_name(void);

#endif
