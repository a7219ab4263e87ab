/* A container's capabilities, seccomp filter and mount options from its
 * record: see confinement.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <json-c/json.h>

#include "capabilities.h"
#include "confinement.h"

void ctr_strings_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int ctr_json_strings(const char *json, char ***out, size_t *n, struct ctr_error *err)
{
	*out = NULL;
	*n = 0;
	json_object *arr = json ? json_tokener_parse(json) : NULL;
	if (json && (!arr || !json_object_is_type(arr, json_type_array))) {
		json_object_put(arr);
		return ctr_fail(err, 0, "recorded list '%.200s' is not a JSON array", json);
	}
	size_t len = arr ? json_object_array_length(arr) : 0;
	char **v = calloc(len + 1, sizeof *v);
	for (size_t i = 0; v && i < len; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
		if (!(v[i] = strdup(s ? s : ""))) {
			ctr_strings_free(v);
			v = NULL;
		}
	}
	json_object_put(arr);
	if (!v)
		return ctr_fail(err, ENOMEM, "list");
	*out = v;
	*n = len;
	return 0;
}

/* mount(8)'s flag options, as docker's --tmpfs takes them. */
static const struct {
	const char *name;
	unsigned long set, clear;
} tmpfs_flags[] = {
	{"ro", MS_RDONLY, 0},	    {"rw", 0, MS_RDONLY},		{"exec", 0, MS_NOEXEC},
	{"noexec", MS_NOEXEC, 0},   {"suid", 0, MS_NOSUID},		{"nosuid", MS_NOSUID, 0},
	{"dev", 0, MS_NODEV},	    {"nodev", MS_NODEV, 0},		{"sync", MS_SYNCHRONOUS, 0},
	{"async", 0, MS_SYNCHRONOUS}, {"atime", 0, MS_NOATIME},	{"noatime", MS_NOATIME, 0},
	{"diratime", 0, MS_NODIRATIME}, {"nodiratime", MS_NODIRATIME, 0}, {"relatime", MS_RELATIME, 0},
	{"strictatime", MS_STRICTATIME, 0},
};
/* tmpfs's own options, passed to the kernel as they are. */
static const char *const tmpfs_data[] = {"size=", "mode=", "uid=", "gid=", "nr_inodes=", "nr_blocks=", "huge=",
					 "mpol="};

/* PATH, LEN bytes: absolute, below the root, without "." or ".." parts.
 * "//", "/." or "/a/../.." would otherwise be a tmpfs over the container's
 * root: `run` refused them itself, but this also reads the recorded flags
 * at start (found by fuzz_run_options). */
static bool good_tmpfs_path(const char *path, size_t len)
{
	bool named = false;
	if (len == 0 || path[0] != '/')
		return false;
	for (size_t i = 0; i < len;) {
		while (i < len && path[i] == '/')
			i++;
		size_t n = 0;
		while (i + n < len && path[i + n] != '/')
			n++;
		if ((n == 1 && path[i] == '.') || (n == 2 && path[i] == '.' && path[i + 1] == '.'))
			return false;
		named |= n > 0;
		i += n;
	}
	return named;
}

int ctr_tmpfs_parse(const char *spec, struct ctr_tmpfs *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	out->flags = MS_NOEXEC | MS_NOSUID | MS_NODEV;  /* docker's defaults */
	size_t plen = strcspn(spec, ":");
	if (!good_tmpfs_path(spec, plen))
		return ctr_fail(err, 0, "--tmpfs '%s': the path must be absolute, not /, without '.' or '..'", spec);
	if (!(out->path = strndup(spec, plen)))
		return ctr_fail(err, ENOMEM, "--tmpfs");
	char data[1024] = "";
	for (const char *p = spec[plen] ? spec + plen + 1 : ""; *p;) {
		size_t n = strcspn(p, ",");
		char opt[256];
		if (n == 0 || n >= sizeof opt) {
			ctr_tmpfs_free(out);
			return ctr_fail(err, 0, "--tmpfs '%s': an empty or overlong option", spec);
		}
		memcpy(opt, p, n);
		opt[n] = '\0';
		bool known = false;
		for (size_t i = 0; !known && i < sizeof tmpfs_flags / sizeof *tmpfs_flags; i++)
			if (strcmp(opt, tmpfs_flags[i].name) == 0) {
				out->flags = (out->flags & ~tmpfs_flags[i].clear) | tmpfs_flags[i].set;
				known = true;
			}
		for (size_t i = 0; !known && i < sizeof tmpfs_data / sizeof *tmpfs_data; i++)
			if (strncmp(opt, tmpfs_data[i], strlen(tmpfs_data[i])) == 0 && opt[strlen(tmpfs_data[i])]) {
				/* Refused when it does not fit: cut short, "mode=1777"
				 * became "mode=17" without a word (seen reading the
				 * code; fuzz_run_options's check confirms it). */
				size_t used = strlen(data);
				if ((size_t)snprintf(data + used, sizeof data - used, "%s%s", used ? "," : "", opt) >=
				    sizeof data - used) {
					ctr_tmpfs_free(out);
					return ctr_fail(err, 0, "--tmpfs '%.200s...': the options are longer than %zu bytes",
							spec, sizeof data - 1);
				}
				known = true;
			}
		if (!known || strchr(opt, '=') != strrchr(opt, '=')) {
			ctr_tmpfs_free(out);
			return ctr_fail(err, 0, "--tmpfs '%s': unknown option '%s' (ro, rw, [no]exec, [no]suid, [no]dev, "
						"size=, mode=, uid=, gid=, nr_inodes=, ...)", spec, opt);
		}
		p += n + (p[n] == ',');
	}
	if (data[0] && !(out->data = strdup(data))) {
		ctr_tmpfs_free(out);
		return ctr_fail(err, ENOMEM, "--tmpfs");
	}
	return 0;
}

void ctr_tmpfs_free(struct ctr_tmpfs *t)
{
	free(t->path);
	free(t->data);
	memset(t, 0, sizeof *t);
}

static int caps_of(const struct ctr_db_security *sec, uint64_t *caps, struct ctr_error *err)
{
	char **add = NULL, **drop = NULL;
	size_t n_add = 0, n_drop = 0;
	int rc = ctr_json_strings(sec->cap_add, &add, &n_add, err);
	if (rc == 0)
		rc = ctr_json_strings(sec->cap_drop, &drop, &n_drop, err);
	if (rc == 0)
		rc = ctr_caps_compute((const char *const *)add, n_add, (const char *const *)drop, n_drop, sec->privileged,
				      ctr_cap_last(), caps, err);
	ctr_strings_free(add);
	ctr_strings_free(drop);
	return rc;
}

int ctr_confinement_from_record(const struct ctr_db_security *sec, const char *cache_dir,
				struct ctr_confinement *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	out->privileged = sec->privileged;
	out->read_only = sec->read_only;
	if (caps_of(sec, &out->caps, err) < 0)
		return -1;
	char **tmpfs = NULL;
	size_t n = 0;
	if (ctr_json_strings(sec->tmpfs, &tmpfs, &n, err) < 0)
		return -1;
	if (n && !(out->tmpfs = calloc(n, sizeof *out->tmpfs))) {
		ctr_strings_free(tmpfs);
		return ctr_fail(err, ENOMEM, "--tmpfs");
	}
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if ((rc = ctr_tmpfs_parse(tmpfs[i], &out->tmpfs[i], err)) == 0)
			out->n_tmpfs++;
	ctr_strings_free(tmpfs);
	/* --privileged: no filter, as docker (and no profile to read). */
	bool unconfined = sec->privileged || (sec->seccomp && strcmp(sec->seccomp, "unconfined") == 0);
	if (rc == 0 && !unconfined) {
		struct ctr_seccomp_config cfg = {.mode = sec->seccomp ? CTR_SECCOMP_PROFILE : CTR_SECCOMP_DEFAULT,
						 .profile = sec->seccomp, .source = sec->seccomp_source,
						 .caps = out->caps, .cache_dir = cache_dir};
		rc = ctr_seccomp_prepare(&cfg, &out->seccomp, err);
	}
	if (rc < 0)
		ctr_confinement_free(out);
	return rc;
}

void ctr_confinement_free(struct ctr_confinement *c)
{
	for (size_t i = 0; i < c->n_tmpfs; i++)
		ctr_tmpfs_free(&c->tmpfs[i]);
	free(c->tmpfs);
	ctr_seccomp_free(c->seccomp);
	memset(c, 0, sizeof *c);
}
