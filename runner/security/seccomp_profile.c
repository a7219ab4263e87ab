/* docker's seccomp profile format, read with json-c and checked field by
 * field, so a bad profile is refused with its field's name before anything
 * of the container exists. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include <json-c/json.h>

#include "capabilities.h"
#include "ctr/cleanup.h"
#include "seccomp_profile.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define MAX_PROFILE_BYTES (1 << 20)
/* The kernel clamps larger errno values (MAX_ERRNO, 4095), and libseccomp
 * refuses 4095 itself (its check is errno < MAX_ERRNO): taking 4095 here
 * let such a profile pass `run` and fail to build at start, as ENOMEM for
 * a defaultErrnoRet (tests/fuzz/fuzz_seccomp_profile). */
#define MAX_ERRNO_RET 4094

/* Where we are in the document, for errors: "syscalls[3].args[0].op". */
struct where {
	const char *source;
	struct ctr_error *err;
};

/* A value from the profile shown in an error: at most 64 bytes, control
 * characters as '?', so the message stays one readable line. */
static const char *shown(const char *s, char buf[static 80])
{
	size_t n = 0;
	for (; s[n] && n < 64; n++)
		buf[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
	if (s[n]) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static __attribute__((format(printf, 3, 4))) int fail_at(const struct where *w, const char *field, const char *fmt,
							  ...)
{
	char what[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (field && *field)
		return ctr_fail(w->err, 0, "seccomp profile %s: %s: %s", w->source, field, what);
	return ctr_fail(w->err, 0, "seccomp profile %s: %s", w->source, what);
}

static const char *type_name(json_object *o)
{
	return o ? json_type_to_name(json_object_get_type(o)) : "null";
}

/* KEY of OBJ; NULL when absent or null (Go's decoder treats both alike). */
static json_object *field(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

static int want_type(const struct where *w, const char *path, json_object *v, json_type t, const char *what)
{
	if (!json_object_is_type(v, t))
		return fail_at(w, path, "must be %s, not %s", what, type_name(v));
	return 0;
}

/* A non-negative integer up to MAX. */
static int get_uint(const struct where *w, const char *path, json_object *v, uint64_t max, uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return fail_at(w, path, "must be a non-negative integer, not %s", type_name(v));
	if (json_object_get_int64(v) < 0)
		return fail_at(w, path, "must be a non-negative integer, not %lld", (long long)json_object_get_int64(v));
	uint64_t u = json_object_get_uint64(v);
	if (u > max)
		return fail_at(w, path, "%s is out of range (at most %llu)", json_object_get_string(v),
			       (unsigned long long)max);
	*out = u;
	return 0;
}

/* ---- actions ---- */

static const struct {
	const char *name;
	uint32_t action;  /* for ERRNO and TRACE: without the number */
} actions[] = {
	{"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD},  /* docker's and libseccomp's SCMP_ACT_KILL */
	{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
	{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
	{"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
	{"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
	{"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
	{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
	{"SCMP_ACT_LOG", SCMP_ACT_LOG},
	{"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
};

/* ACTION_FIELD names the action; ERRNO_V is its errnoRet (or defaultErrnoRet),
 * EPERM when absent, as docker and runc take it. */
static int get_action(const struct where *w, const char *path, json_object *action_v, const char *errno_path,
		      json_object *errno_v, uint32_t *out)
{
	char buf[80];
	if (!action_v)
		return fail_at(w, path, "missing");
	if (want_type(w, path, action_v, json_type_string, "a string such as \"SCMP_ACT_ALLOW\"") < 0)
		return -1;
	const char *name = json_object_get_string(action_v);
	size_t i = 0;
	while (i < sizeof actions / sizeof actions[0] && strcmp(actions[i].name, name) != 0)
		i++;
	if (i == sizeof actions / sizeof actions[0])
		return fail_at(w, path, "unknown action \"%s\"", shown(name, buf));
	uint32_t a = actions[i].action;
	if (a == SCMP_ACT_NOTIFY)
		return fail_at(w, path, "SCMP_ACT_NOTIFY is not supported (ctrrun has no seccomp agent to answer it)");
	/* errnoRet is checked with any action, though only ERRNO and TRACE use it. */
	uint64_t num = EPERM;
	bool takes_number = a == SCMP_ACT_ERRNO(0) || a == SCMP_ACT_TRACE(0);
	if (errno_v && get_uint(w, errno_path, errno_v, a == SCMP_ACT_ERRNO(0) ? MAX_ERRNO_RET : 0xffff, &num) < 0)
		return -1;
	*out = takes_number ? a | (uint32_t)num : a;
	return 0;
}

/* ---- architectures ---- */

/* Architectures a process on this machine can make system calls with; an
 * entry for any other can never match, so it is left out of the filter
 * (that only makes the filter smaller and quicker to build). */
static bool arch_runs_here(uint32_t arch)
{
	uint32_t native = seccomp_arch_native();
	if (arch == native)
		return true;
	switch (native) {
	case SCMP_ARCH_X86_64:
		return arch == SCMP_ARCH_X86 || arch == SCMP_ARCH_X32;
	case SCMP_ARCH_AARCH64:
		return arch == SCMP_ARCH_ARM;
	case SCMP_ARCH_S390X:
		return arch == SCMP_ARCH_S390;
	case SCMP_ARCH_PPC64:
		return arch == SCMP_ARCH_PPC;
	case SCMP_ARCH_MIPS64:
	case SCMP_ARCH_MIPS64N32:
		return arch == SCMP_ARCH_MIPS || arch == SCMP_ARCH_MIPS64 || arch == SCMP_ARCH_MIPS64N32;
	case SCMP_ARCH_MIPSEL64:
	case SCMP_ARCH_MIPSEL64N32:
		return arch == SCMP_ARCH_MIPSEL || arch == SCMP_ARCH_MIPSEL64 || arch == SCMP_ARCH_MIPSEL64N32;
	case SCMP_ARCH_X86:
	case SCMP_ARCH_X32:
	case SCMP_ARCH_ARM:
	case SCMP_ARCH_PPC:
	case SCMP_ARCH_PPC64LE:
	case SCMP_ARCH_S390:
	case SCMP_ARCH_MIPS:
	case SCMP_ARCH_MIPSEL:
	case SCMP_ARCH_RISCV64:
		return false;  /* no second ABI */
	default:
		return true;  /* a machine this table does not know: keep what the profile lists */
	}
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token; 0 for a well-formed name this
 * libseccomp does not know (so it cannot be this machine's). */
static int get_arch(const struct where *w, const char *path, json_object *v, uint32_t *token)
{
	char buf[80];
	if (want_type(w, path, v, json_type_string, "a string such as \"SCMP_ARCH_X86_64\"") < 0)
		return -1;
	const char *s = json_object_get_string(v);
	if (strncmp(s, "SCMP_ARCH_", 10) != 0 || !s[10] || strlen(s) > 40)
		return fail_at(w, path, "\"%s\" is not an architecture (SCMP_ARCH_X86_64, SCMP_ARCH_X86, ...)",
			       shown(s, buf));
	char lower[32];
	size_t i = 0;
	for (const char *p = s + 10; *p && i < sizeof lower - 1; p++)
		lower[i++] = (char)tolower((unsigned char)*p);
	lower[i] = '\0';
	*token = seccomp_arch_resolve_name(lower);
	return 0;
}

static int add_arch(struct ctr_seccomp_profile *p, uint32_t token)
{
	if (!token || !arch_runs_here(token))
		return 0;
	for (size_t i = 0; i < p->n_arches; i++)
		if (p->arches[i] == token)
			return 0;
	p->arches[p->n_arches++] = token;
	return 0;
}

const char *ctr_seccomp_native_arch_name(void)
{
	/* docker's names (moby's nativeToSeccomp, keyed by Go's GOARCH). */
	switch (seccomp_arch_native()) {
	case SCMP_ARCH_X86_64: return "amd64";
	case SCMP_ARCH_X86: return "x86";
	case SCMP_ARCH_X32: return "x32";
	case SCMP_ARCH_AARCH64: return "arm64";
	case SCMP_ARCH_ARM: return "arm";
	case SCMP_ARCH_MIPS: return "mips";
	case SCMP_ARCH_MIPSEL: return "mipsle";
	case SCMP_ARCH_MIPS64: return "mips64";
	case SCMP_ARCH_MIPS64N32: return "mips64n32";
	case SCMP_ARCH_MIPSEL64: return "mipsel64";
	case SCMP_ARCH_MIPSEL64N32: return "mips3l64n32";  /* sic, as docker spells it */
	case SCMP_ARCH_PPC: return "ppc";
	case SCMP_ARCH_PPC64: return "ppc64";
	case SCMP_ARCH_PPC64LE: return "ppc64le";
	case SCMP_ARCH_S390: return "s390";
	case SCMP_ARCH_S390X: return "s390x";
	case SCMP_ARCH_RISCV64: return "riscv64";
	default: return "unknown";
	}
}

/* "architectures" (used as listed) or "archMap" (the entry whose
 * architecture is this machine's, with its subArchitectures). */
static int parse_arches(const struct where *w, json_object *root, struct ctr_seccomp_profile *p)
{
	json_object *list = field(root, "architectures"), *map = field(root, "archMap");
	if (list && want_type(w, "architectures", list, json_type_array, "an array") < 0)
		return -1;
	if (map && want_type(w, "archMap", map, json_type_array, "an array") < 0)
		return -1;
	size_t n_list = list ? json_object_array_length(list) : 0, n_map = map ? json_object_array_length(map) : 0;
	if (n_list && n_map)
		return fail_at(w, NULL, "both \"architectures\" and \"archMap\" are given; use one");
	size_t room = 1 + n_list;
	for (size_t i = 0; i < n_map; i++) {
		json_object *subs = field(json_object_array_get_idx(map, i), "subArchitectures");
		room += 1 + (json_object_is_type(subs, json_type_array) ? json_object_array_length(subs) : 0);
	}
	p->arches = calloc(room, sizeof *p->arches);
	if (!p->arches)
		return ctr_fail(w->err, ENOMEM, "seccomp profile %s", w->source);
	add_arch(p, seccomp_arch_native());
	char path[96];
	for (size_t i = 0; i < n_list; i++) {
		uint32_t t;
		snprintf(path, sizeof path, "architectures[%zu]", i);
		if (get_arch(w, path, json_object_array_get_idx(list, i), &t) < 0)
			return -1;
		add_arch(p, t);
	}
	for (size_t i = 0; i < n_map; i++) {
		json_object *e = json_object_array_get_idx(map, i), *subs;
		uint32_t t;
		snprintf(path, sizeof path, "archMap[%zu]", i);
		if (want_type(w, path, e, json_type_object, "an object") < 0)
			return -1;
		snprintf(path, sizeof path, "archMap[%zu].architecture", i);
		if (!field(e, "architecture"))
			return fail_at(w, path, "missing");
		if (get_arch(w, path, field(e, "architecture"), &t) < 0)
			return -1;
		bool ours = t && t == seccomp_arch_native();
		snprintf(path, sizeof path, "archMap[%zu].subArchitectures", i);
		subs = field(e, "subArchitectures");
		if (subs && want_type(w, path, subs, json_type_array, "an array") < 0)
			return -1;
		for (size_t j = 0; subs && j < json_object_array_length(subs); j++) {
			uint32_t s;
			snprintf(path, sizeof path, "archMap[%zu].subArchitectures[%zu]", i, j);
			if (get_arch(w, path, json_object_array_get_idx(subs, j), &s) < 0)
				return -1;
			if (ours)
				add_arch(p, s);
		}
	}
	return 0;
}

/* ---- flags ---- */

static int parse_flags(const struct where *w, json_object *root, unsigned *flags)
{
	static const struct {
		const char *name;
		unsigned flag;
	} known[] = {
		{"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
		{"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
		{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
		{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
	};
	json_object *v = field(root, "flags");
	char path[64], buf[80];
	*flags = 0;
	if (!v)
		return 0;
	if (want_type(w, "flags", v, json_type_array, "an array") < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *f = json_object_array_get_idx(v, i);
		snprintf(path, sizeof path, "flags[%zu]", i);
		if (want_type(w, path, f, json_type_string, "a string") < 0)
			return -1;
		size_t k = 0;
		while (k < sizeof known / sizeof known[0] && strcmp(known[k].name, json_object_get_string(f)) != 0)
			k++;
		if (k == sizeof known / sizeof known[0])
			return fail_at(w, path, "unknown flag \"%s\"", shown(json_object_get_string(f), buf));
		*flags |= known[k].flag;
	}
	return 0;
}

/* ---- syscalls[] ---- */

static int get_string_list(const struct where *w, const char *path, json_object *v, const char ***out, size_t *n)
{
	char sub[160];
	*out = NULL;
	*n = 0;
	if (!v)
		return 0;
	if (want_type(w, path, v, json_type_array, "an array of strings") < 0)
		return -1;
	size_t len = json_object_array_length(v);
	if (!len)
		return 0;
	*out = calloc(len, sizeof **out);
	if (!*out)
		return ctr_fail(w->err, ENOMEM, "seccomp profile %s", w->source);
	for (size_t i = 0; i < len; i++) {
		json_object *s = json_object_array_get_idx(v, i);
		snprintf(sub, sizeof sub, "%s[%zu]", path, i);
		if (want_type(w, sub, s, json_type_string, "a string") < 0 ||
		    (!json_object_get_string_len(s) && fail_at(w, sub, "must not be empty") < 0)) {
			free(*out);
			*out = NULL;
			*n = 0;
			return -1;
		}
		(*out)[(*n)++] = json_object_get_string(s);
	}
	return 0;
}

bool ctr_seccomp_parse_kernel_version(const char *s, unsigned v[3])
{
	v[0] = v[1] = v[2] = 0;
	for (int part = 0; part < 3; part++) {
		if (!isdigit((unsigned char)*s))
			return false;
		char *end;
		unsigned long n = strtoul(s, &end, 10);
		if (n > 0xffff)
			return false;
		v[part] = (unsigned)n;
		s = end;
		if (part < 2 && *s == '.' && (part == 0 || isdigit((unsigned char)s[1]))) {
			s++;
			continue;
		}
		if (part == 0)
			return false;  /* a major number alone is not a version */
		break;
	}
	return *s == '\0' || *s == '-' || *s == '+' || *s == '_';
}

static int parse_cond(const struct where *w, const char *path, json_object *v, struct ctr_seccomp_cond *c)
{
	char sub[160], buf[80];
	memset(c, 0, sizeof *c);
	if (!v)
		return 0;
	if (want_type(w, path, v, json_type_object, "an object") < 0)
		return -1;
	const char **caps;
	size_t n_caps;
	snprintf(sub, sizeof sub, "%s.caps", path);
	if (get_string_list(w, sub, field(v, "caps"), &caps, &n_caps) < 0)
		return -1;
	for (size_t i = 0; i < n_caps; i++) {
		/* docker compares the exact name with the container's set ("CAP_SYS_ADMIN"). */
		int cap = ctr_cap_from_name(caps[i]);
		if (cap >= 0 && strcmp(ctr_cap_name(cap), caps[i]) == 0)
			c->caps |= CTR_CAP_BIT(cap);
		else
			c->unknown_cap = true;
	}
	free(caps);
	snprintf(sub, sizeof sub, "%s.arches", path);
	if (get_string_list(w, sub, field(v, "arches"), &c->arches, &c->n_arches) < 0)
		return -1;
	json_object *k = field(v, "minKernel");
	snprintf(sub, sizeof sub, "%s.minKernel", path);
	if (k) {
		if (want_type(w, sub, k, json_type_string, "a string such as \"4.8\"") < 0)
			return -1;
		if (json_object_get_string_len(k)) {
			if (!ctr_seccomp_parse_kernel_version(json_object_get_string(k), c->min_kernel))
				return fail_at(w, sub, "invalid kernel version \"%s\"",
					       shown(json_object_get_string(k), buf));
			c->has_min_kernel = true;
		}
	}
	return 0;
}

static int parse_arg(const struct where *w, const char *path, json_object *v, struct ctr_seccomp_arg *a)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
		{"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
		{"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
		{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
	};
	char sub[192], buf[80];
	uint64_t index;
	if (want_type(w, path, v, json_type_object, "an object") < 0)
		return -1;
	snprintf(sub, sizeof sub, "%s.index", path);
	if (!field(v, "index"))
		return fail_at(w, sub, "missing");
	if (get_uint(w, sub, field(v, "index"), 5, &index) < 0)
		return -1;
	a->index = (unsigned)index;
	a->value = a->value_two = 0;
	snprintf(sub, sizeof sub, "%s.value", path);
	if (field(v, "value") && get_uint(w, sub, field(v, "value"), UINT64_MAX, &a->value) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%s.valueTwo", path);
	if (field(v, "valueTwo") && get_uint(w, sub, field(v, "valueTwo"), UINT64_MAX, &a->value_two) < 0)
		return -1;
	json_object *op = field(v, "op");
	snprintf(sub, sizeof sub, "%s.op", path);
	if (!op)
		return fail_at(w, sub, "missing");
	if (want_type(w, sub, op, json_type_string, "a string such as \"SCMP_CMP_EQ\"") < 0)
		return -1;
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(ops[i].name, json_object_get_string(op)) == 0) {
			a->op = ops[i].op;
			return 0;
		}
	return fail_at(w, sub, "unknown operator \"%s\"", shown(json_object_get_string(op), buf));
}

static int parse_rule(const struct where *w, size_t idx, json_object *v, struct ctr_seccomp_rule *r)
{
	char path[64], sub[128];
	snprintf(path, sizeof path, "syscalls[%zu]", idx);
	if (want_type(w, path, v, json_type_object, "an object") < 0)
		return -1;

	json_object *names = field(v, "names"), *name = field(v, "name");
	snprintf(sub, sizeof sub, "%s.names", path);
	if (get_string_list(w, sub, names, &r->names, &r->n_names) < 0)
		return -1;
	if (name) {
		snprintf(sub, sizeof sub, "%s.name", path);
		if (want_type(w, sub, name, json_type_string, "a string") < 0)
			return -1;
		if (json_object_get_string_len(name)) {
			if (r->n_names)
				return fail_at(w, path, "both \"name\" and \"names\" are given; use one");
			free(r->names);
			r->names = calloc(1, sizeof *r->names);
			if (!r->names)
				return ctr_fail(w->err, ENOMEM, "seccomp profile %s", w->source);
			r->names[0] = json_object_get_string(name);
			r->n_names = 1;
		}
	} else if (!names) {
		return fail_at(w, path, "no \"names\"");
	}

	char errno_path[96];
	snprintf(sub, sizeof sub, "%s.action", path);
	snprintf(errno_path, sizeof errno_path, "%s.errnoRet", path);
	if (get_action(w, sub, field(v, "action"), errno_path, field(v, "errnoRet"), &r->action) < 0)
		return -1;

	json_object *args = field(v, "args");
	snprintf(sub, sizeof sub, "%s.args", path);
	if (args) {
		if (want_type(w, sub, args, json_type_array, "an array") < 0)
			return -1;
		size_t n = json_object_array_length(args);
		if (n) {
			r->args = calloc(n, sizeof *r->args);
			if (!r->args)
				return ctr_fail(w->err, ENOMEM, "seccomp profile %s", w->source);
		}
		for (size_t i = 0; i < n; i++) {
			snprintf(sub, sizeof sub, "%s.args[%zu]", path, i);
			if (parse_arg(w, sub, json_object_array_get_idx(args, i), &r->args[i]) < 0)
				return -1;
			r->n_args++;
		}
	}
	snprintf(sub, sizeof sub, "%s.includes", path);
	if (parse_cond(w, sub, field(v, "includes"), &r->includes) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%s.excludes", path);
	return parse_cond(w, sub, field(v, "excludes"), &r->excludes);
}

/* ---- the document ---- */

static json_object *parse_json(const struct where *w, const char *text)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	if (!tok) {
		ctr_fail(w->err, ENOMEM, "seccomp profile %s", w->source);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	size_t len = strlen(text);
	json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	if (e == json_tokener_success && end < len)
		e = json_tokener_error_parse_unexpected;  /* text after the document */
	if (e != json_tokener_success) {
		/* Line and column of where the tokenizer stopped. */
		size_t line = 1, col = 1;
		for (size_t i = 0; i < end && i < len; i++, col++)
			if (text[i] == '\n')
				line++, col = 0;
		fail_at(w, NULL, "not valid JSON at line %zu, column %zu: %s", line, col,
			e == json_tokener_continue ? "unexpected end of the text" : json_tokener_error_desc(e));
		json_object_put(root);
		root = NULL;
	} else if (!root) {
		/* The text "null" parses to NULL with success, and returning that
		 * unexplained refused the profile with an empty message
		 * (fuzz_seccomp_profile). */
		fail_at(w, NULL, "must be a JSON object, not null");
	}
	json_tokener_free(tok);
	return root;
}

int ctr_seccomp_profile_parse(const char *text, const char *source, struct ctr_seccomp_profile **out,
			      struct ctr_error *err)
{
	struct where w = {.source = source ? source : "(unnamed)", .err = err};
	*out = NULL;
	if (strlen(text) > MAX_PROFILE_BYTES)
		return fail_at(&w, NULL, "larger than %d bytes", MAX_PROFILE_BYTES);
	json_object *root = parse_json(&w, text);
	if (!root)
		return -1;
	struct ctr_seccomp_profile *p = calloc(1, sizeof *p);
	if (!p) {
		json_object_put(root);
		return ctr_fail(err, ENOMEM, "seccomp profile %s", w.source);
	}
	p->json = root;
	if (want_type(&w, NULL, root, json_type_object, "a JSON object") < 0)
		goto fail;

	json_object *syscalls = field(root, "syscalls");
	if (!field(root, "defaultAction") && !syscalls) {
		/* docker runs such a profile unconfined; an empty file should not do that silently. */
		fail_at(&w, NULL, "no \"defaultAction\" and no \"syscalls\" (for no filter, say seccomp=unconfined)");
		goto fail;
	}
	if (get_action(&w, "defaultAction", field(root, "defaultAction"), "defaultErrnoRet",
		       field(root, "defaultErrnoRet"), &p->default_action) < 0)
		goto fail;
	json_object *lp = field(root, "listenerPath");
	if (lp && (!json_object_is_type(lp, json_type_string) || json_object_get_string_len(lp))) {
		fail_at(&w, "listenerPath", "seccomp agents are not supported");
		goto fail;
	}
	if (parse_arches(&w, root, p) < 0 || parse_flags(&w, root, &p->filter_flags) < 0)
		goto fail;
	if (syscalls) {
		if (want_type(&w, "syscalls", syscalls, json_type_array, "an array") < 0)
			goto fail;
		size_t n = json_object_array_length(syscalls);
		p->rules = calloc(n ? n : 1, sizeof *p->rules);
		if (!p->rules) {
			ctr_fail(err, ENOMEM, "seccomp profile %s", w.source);
			goto fail;
		}
		for (size_t i = 0; i < n; i++) {
			/* Counted first, so a half-filled rule is freed too. */
			p->n_rules++;
			if (parse_rule(&w, i, json_object_array_get_idx(syscalls, i), &p->rules[i]) < 0)
				goto fail;
		}
	}
	*out = p;
	return 0;
fail:
	ctr_seccomp_profile_free(p);
	return -1;
}

void ctr_seccomp_profile_free(struct ctr_seccomp_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++) {
		free(p->rules[i].names);
		free(p->rules[i].args);
		free(p->rules[i].includes.arches);
		free(p->rules[i].excludes.arches);
	}
	free(p->rules);
	free(p->arches);
	json_object_put(p->json);
	free(p);
}

int ctr_seccomp_profile_read_file(const char *path, char **text, struct ctr_error *err)
{
	*text = NULL;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail(err, errno, "cannot open seccomp profile %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return ctr_fail(err, errno, "cannot read seccomp profile %s", path);
	if (!S_ISREG(st.st_mode))
		return ctr_fail(err, 0, "seccomp profile %s: not a regular file", path);
	if (st.st_size > MAX_PROFILE_BYTES)
		return ctr_fail(err, 0, "seccomp profile %s: larger than %d bytes", path, MAX_PROFILE_BYTES);
	_cleanup_free_ char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return ctr_fail(err, ENOMEM, "seccomp profile %s", path);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ctr_fail(err, errno, "cannot read seccomp profile %s", path);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(steal_fd(&fd));
	buf[got] = '\0';
	if (strlen(buf) != got)
		return ctr_fail(err, 0, "seccomp profile %s: holds a NUL byte; not a JSON text", path);
	struct ctr_seccomp_profile *p;
	if (ctr_seccomp_profile_parse(buf, path, &p, err) < 0)
		return -1;
	ctr_seccomp_profile_free(p);
	*text = steal_pointer(&buf);
	return 0;
}
