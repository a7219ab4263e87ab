/* Building a container's filter with libseccomp from a parsed profile, and
 * loading it. libseccomp's own seccomp_load would generate the program in
 * the child; here the program is exported in the parent (seccomp_export_bpf)
 * and the child makes a single seccomp(2) call with it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <seccomp.h>

#include "capabilities.h"
#include "ctr/cleanup.h"
#include "seccomp_cache.h"
#include "seccomp_filter.h"
#include "seccomp_profile.h"

/* Bump when the way a profile becomes a program changes, so cached
 * programs built the old way are not used. */
#define BUILD_VERSION "1"

struct ctr_seccomp {
	uint32_t flags;  /* seccomp(2) SECCOMP_FILTER_FLAG_* */
	uint32_t len;    /* instructions; 0: nothing to load */
	struct sock_filter insns[];
};

/* ---- which rules apply ---- */

struct build_facts {
	uint64_t caps;
	const char *arch;      /* docker's name of this machine's architecture */
	unsigned kernel[3];
	bool kernel_known;
	const char *source;
	struct ctr_error *err;
};

static bool kernel_at_least(const struct build_facts *f, const unsigned min[3])
{
	for (int i = 0; i < 3; i++)
		if (f->kernel[i] != min[i])
			return f->kernel[i] > min[i];
	return true;
}

static bool names_arch(const struct ctr_seccomp_cond *c, const char *arch)
{
	for (size_t i = 0; i < c->n_arches; i++)
		if (strcmp(c->arches[i], arch) == 0)
			return true;
	return false;
}

/* docker's rule (moby's setupSeccomp): an entry is skipped when an excluded
 * architecture is this one, an excluded capability is held, or the kernel
 * is at least the excluded minKernel; and unless every included condition
 * holds: this architecture listed, all included capabilities held, the
 * kernel at least minKernel. 1 applies, 0 skipped, -1 error. */
static int rule_applies(struct build_facts *f, const struct ctr_seccomp_rule *r, size_t idx)
{
	const struct ctr_seccomp_cond *in = &r->includes, *ex = &r->excludes;
	if ((in->has_min_kernel || ex->has_min_kernel) && !f->kernel_known) {
		struct utsname u;
		if (uname(&u) < 0 || !ctr_seccomp_parse_kernel_version(u.release, f->kernel))
			return ctr_fail(f->err, 0, "seccomp profile %s: syscalls[%zu]: minKernel: cannot tell this kernel's version",
					f->source, idx);
		f->kernel_known = true;
	}
	if (ex->n_arches && names_arch(ex, f->arch))
		return 0;
	if (ex->caps & f->caps)
		return 0;
	if (ex->has_min_kernel && kernel_at_least(f, ex->min_kernel))
		return 0;
	if (in->n_arches && !names_arch(in, f->arch))
		return 0;
	if (in->unknown_cap || (in->caps & f->caps) != in->caps)
		return 0;
	if (in->has_min_kernel && !kernel_at_least(f, in->min_kernel))
		return 0;
	return 1;
}

static bool lets_run(uint32_t action)
{
	return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG;
}

/* Whether ACTION keeps the call from running (TRACE does not, with a tracer). */
static bool refuses(uint32_t action)
{
	return (action & 0xffff0000u) == SCMP_ACT_ERRNO(0) || action == SCMP_ACT_KILL_PROCESS ||
	       action == SCMP_ACT_KILL_THREAD || action == SCMP_ACT_TRAP;
}

/* ---- building ---- */

static int seccomp_fail(struct build_facts *f, int rc, const char *what)
{
	return ctr_fail(f->err, rc < 0 ? -rc : EINVAL, "seccomp profile %s: %s", f->source, what);
}

/* One entry's rule for system call NR. Several comparisons on one argument
 * cannot be one libseccomp rule; runc then adds each comparison as a rule
 * of its own (any of them matching takes the action), and so do we. */
static int add_rule(struct build_facts *f, scmp_filter_ctx ctx, const struct ctr_seccomp_rule *r, size_t idx,
		    const char *name, int nr)
{
	struct scmp_arg_cmp cmp[6];
	bool seen[6] = {false}, repeated = false;
	size_t n = r->n_args;
	for (size_t i = 0; i < n; i++) {
		repeated |= seen[r->args[i].index];
		seen[r->args[i].index] = true;
	}
	/* Without repeats there is at most one comparison per argument: n <= 6. */
	for (size_t i = 0; !repeated && i < n; i++)
		cmp[i] = (struct scmp_arg_cmp){.arg = r->args[i].index, .op = r->args[i].op,
					       .datum_a = r->args[i].value, .datum_b = r->args[i].value_two};
	int rc = 0;
	if (n == 0) {
		rc = seccomp_rule_add_array(ctx, r->action, nr, 0, NULL);
	} else if (!repeated) {
		rc = seccomp_rule_add_array(ctx, r->action, nr, (unsigned)n, cmp);
	} else {
		for (size_t i = 0; i < n && rc == 0; i++) {
			const struct ctr_seccomp_arg *a = &r->args[i];
			struct scmp_arg_cmp one = {.arg = a->index, .op = a->op, .datum_a = a->value,
						   .datum_b = a->value_two};
			rc = seccomp_rule_add_array(ctx, r->action, nr, 1, &one);
		}
	}
	if (rc < 0) {
		char what[256];
		/* EEXIST: an earlier entry that applies gave this call another
		 * action under overlapping conditions, on some architecture (on
		 * i386 socket() rules become socketcall rules, so a conditional
		 * entry and a later unconditional one collide there only). Found
		 * by fuzz_seccomp_profile; "File exists" alone said nothing. */
		snprintf(what, sizeof what, "syscalls[%zu]: libseccomp refused the rule for %.64s%s", idx, name,
			 rc == -EEXIST ? " (it conflicts with an earlier entry that applies, on one of the architectures)"
				       : "");
		return seccomp_fail(f, rc, what);
	}
	return 0;
}

/* The filter of profile P for the container's capabilities. */
static int build_profile(const struct ctr_seccomp_profile *p, struct build_facts *f, bool notify_sysinfo,
			 scmp_filter_ctx *out, bool *has_notify)
{
	*has_notify = false;
	/* Whether P lets sysinfo run: its first unconditional entry that
	 * applies, else the default action. An argument rule leaves it to P. */
	uint32_t sysinfo_action = p->default_action;
	bool sysinfo_decided = false, sysinfo_conditional = false;
	for (size_t i = 0; i < p->n_rules; i++) {
		int applies = rule_applies(f, &p->rules[i], i);
		if (applies < 0)
			return -1;
		for (size_t k = 0; applies && k < p->rules[i].n_names; k++) {
			if (strcmp(p->rules[i].names[k], "sysinfo") != 0)
				continue;
			if (p->rules[i].n_args)
				sysinfo_conditional = true;
			else if (!sysinfo_decided)
				sysinfo_action = p->rules[i].action, sysinfo_decided = true;
		}
	}
	bool notify = notify_sysinfo && !sysinfo_conditional && lets_run(sysinfo_action);

	/* NULL is also libseccomp's answer to an action it or the kernel does
	 * not take (LOG, KILL_PROCESS on old kernels), not only to ENOMEM: that
	 * was reported as "Cannot allocate memory" (fuzz_seccomp_profile). */
	scmp_filter_ctx ctx = seccomp_init(p->default_action);
	if (!ctx)
		return ctr_fail(f->err, 0, "seccomp profile %s: defaultAction: libseccomp cannot start a filter with it "
				"(not supported here, or out of memory)", f->source);
	int rc;
	for (size_t i = 0; i < p->n_arches; i++)
		if ((rc = seccomp_arch_add(ctx, p->arches[i])) < 0 && rc != -EEXIST) {
			seccomp_fail(f, rc, "cannot add an architecture to the filter");
			goto fail;
		}
	/* An ABI the profile does not list gets the default action, or EPERM
	 * where that would let the call run (libseccomp would kill). */
	uint32_t bad_arch = refuses(p->default_action) ? p->default_action : SCMP_ACT_ERRNO(EPERM);
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, bad_arch)) < 0) {
		seccomp_fail(f, rc, "cannot set the action for other ABIs");
		goto fail;
	}
	/* A binary tree of system call numbers instead of a list: the kernel
	 * runs the program once per system call number when it loads it (to
	 * find the calls always allowed), so a list of ~370 comparisons made
	 * the load itself cost ~0.6 ms. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0) {
		seccomp_fail(f, rc, "cannot ask for a binary tree");
		goto fail;
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct ctr_seccomp_rule *r = &p->rules[i];
		/* libseccomp refuses a rule that repeats the default action; it changes nothing. */
		if (r->action == p->default_action || rule_applies(f, r, i) != 1)
			continue;
		for (size_t k = 0; k < r->n_names; k++) {
			if (notify && strcmp(r->names[k], "sysinfo") == 0)
				continue;
			int nr = seccomp_syscall_resolve_name(r->names[k]);
			if (nr == __NR_SCMP_ERROR)
				continue;  /* unknown to this libseccomp: skipped, as docker does */
			if (add_rule(f, ctx, r, i, r->names[k], nr) < 0)
				goto fail;
		}
	}
	if (notify) {
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sysinfo), 0)) < 0) {
			seccomp_fail(f, rc, "cannot send sysinfo to a listener");
			goto fail;
		}
		*has_notify = true;
	}
	*out = ctx;
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}

/* seccomp=unconfined with the /proc view: everything runs, sysinfo of
 * every ABI this machine has (x32's too) goes to the listener. */
static int build_sysinfo_only(struct build_facts *f, scmp_filter_ctx *out)
{
	static const uint32_t compat_x86_64[] = {SCMP_ARCH_X86, SCMP_ARCH_X32};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return ctr_fail(f->err, ENOMEM, "cannot start the sysinfo filter");
	int rc = 0;
	if (seccomp_arch_native() == SCMP_ARCH_X86_64)
		for (size_t i = 0; i < sizeof compat_x86_64 / sizeof compat_x86_64[0] && rc == 0; i++)
			rc = seccomp_arch_add(ctx, compat_x86_64[i]);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sysinfo), 0);
	if (rc < 0) {
		seccomp_release(ctx);
		return ctr_fail(f->err, -rc, "cannot build the sysinfo filter");
	}
	*out = ctx;
	return 0;
}

/* The program libseccomp generates for CTX, with the flags to load it. */
static int export_program(struct build_facts *f, scmp_filter_ctx ctx, uint32_t flags, struct ctr_seccomp **out)
{
	_cleanup_close_ int fd = memfd_create("ctr-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return ctr_fail(f->err, errno, "seccomp profile %s: cannot make a memory file for the program", f->source);
	int rc = seccomp_export_bpf(ctx, fd);
	struct stat st;
	if (rc < 0)
		return seccomp_fail(f, rc, "libseccomp cannot generate the program");
	if (fstat(fd, &st) < 0)
		return ctr_fail(f->err, errno, "seccomp profile %s: cannot read the program", f->source);
	size_t len = (size_t)st.st_size / sizeof(struct sock_filter);
	if (len == 0 || len * sizeof(struct sock_filter) != (size_t)st.st_size)
		return ctr_fail(f->err, 0, "seccomp profile %s: libseccomp made a program of %lld bytes", f->source,
				(long long)st.st_size);
	if (len > BPF_MAXINSNS)
		return ctr_fail(f->err, 0, "seccomp profile %s: the filter has %zu instructions; the kernel takes %d",
				f->source, len, BPF_MAXINSNS);
	_cleanup_free_ struct ctr_seccomp *s = malloc(sizeof *s + len * sizeof s->insns[0]);
	if (!s)
		return ctr_fail(f->err, ENOMEM, "seccomp profile %s", f->source);
	s->flags = flags;
	s->len = (uint32_t)len;
	ssize_t got = pread(fd, s->insns, len * sizeof s->insns[0], 0);
	if (got != (ssize_t)(len * sizeof s->insns[0]))
		return ctr_fail(f->err, got < 0 ? errno : EIO, "seccomp profile %s: cannot read the program", f->source);
	*out = steal_pointer(&s);
	return 0;
}

/* Everything the program depends on, as bytes: the cache key. */
static char *cache_key(const struct ctr_seccomp_config *cfg, const char *text, size_t *len)
{
	struct utsname u;
	if (uname(&u) < 0)
		return NULL;
	const struct scmp_version *v = seccomp_version();
	char *key = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&key, &size);
	if (!m)
		return NULL;
	fprintf(m, "ctr seccomp %s/%s libseccomp %u.%u.%u arch %" PRIx32 " kernel %s mode %d caps %" PRIx64
		   " sysinfo %d\n",
		CTR_VERSION, BUILD_VERSION, v->major, v->minor, v->micro, seccomp_arch_native(), u.release,
		(int)cfg->mode, cfg->caps, (int)cfg->notify_sysinfo);
	if (text)
		fputs(text, m);
	if (fclose(m) != 0) {
		free(key);
		return NULL;
	}
	*len = size;
	return key;
}

int ctr_seccomp_prepare(const struct ctr_seccomp_config *cfg, struct ctr_seccomp **out, struct ctr_error *err)
{
	*out = NULL;
	struct build_facts f = {.caps = cfg->caps, .arch = ctr_seccomp_native_arch_name(), .err = err,
				.source = cfg->mode == CTR_SECCOMP_DEFAULT ? "default" : cfg->source ? cfg->source : "(unnamed)"};
	const char *text = NULL;
	switch (cfg->mode) {
	case CTR_SECCOMP_DEFAULT:
		text = ctr_seccomp_default_json;
		break;
	case CTR_SECCOMP_PROFILE:
		if (!cfg->profile)
			return ctr_fail(err, EINVAL, "seccomp profile %s: no text given", f.source);
		text = cfg->profile;
		break;
	case CTR_SECCOMP_UNCONFINED:
		if (!cfg->notify_sysinfo) {
			/* Nothing to load; an empty filter keeps the callers' path the same. */
			*out = calloc(1, sizeof **out);
			return *out ? 0 : ctr_fail(err, ENOMEM, "seccomp");
		}
		break;
	default:
		return ctr_fail(err, EINVAL, "seccomp: unknown mode %d", (int)cfg->mode);
	}

	size_t key_len = 0;
	_cleanup_free_ char *key = cfg->cache_dir ? cache_key(cfg, text, &key_len) : NULL;
	if (key) {
		void *value;
		size_t value_len;
		if (ctr_seccomp_cache_get(cfg->cache_dir, key, key_len, &value, &value_len)) {
			struct ctr_seccomp *s = value;
			if (value_len >= sizeof *s && value_len == sizeof *s + (size_t)s->len * sizeof s->insns[0] &&
			    s->len > 0 && s->len <= BPF_MAXINSNS) {
				*out = s;
				return 0;
			}
			free(value);
		}
	}

	scmp_filter_ctx ctx = NULL;
	bool has_notify = cfg->mode == CTR_SECCOMP_UNCONFINED;
	uint32_t flags = 0;
	int rc;
	if (cfg->mode == CTR_SECCOMP_UNCONFINED) {
		rc = build_sysinfo_only(&f, &ctx);
	} else {
		struct ctr_seccomp_profile *p;
		rc = ctr_seccomp_profile_parse(text, f.source, &p, err);
		if (rc == 0) {
			rc = build_profile(p, &f, cfg->notify_sysinfo, &ctx, &has_notify);
			flags = p->filter_flags;
			ctr_seccomp_profile_free(p);
		}
	}
	if (rc < 0)
		return -1;
	if (has_notify)
		flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	struct ctr_seccomp *s = NULL;
	rc = export_program(&f, ctx, flags, &s);
	seccomp_release(ctx);
	if (rc < 0)
		return -1;
	if (key)
		ctr_seccomp_cache_put(cfg->cache_dir, key, key_len, s, sizeof *s + s->len * sizeof s->insns[0]);
	*out = s;
	return 0;
}

int ctr_seccomp_load(const struct ctr_seccomp *s, int *listener_fd, struct ctr_error *err)
{
	*listener_fd = -1;
	if (!s || s->len == 0)
		return 0;
	struct sock_fprog prog = {.len = (unsigned short)s->len, .filter = (struct sock_filter *)s->insns};
	unsigned long flags = s->flags;
	/* With a listener, TSYNC must report a thread it could not sync as ESRCH. */
	if ((flags & SECCOMP_FILTER_FLAG_TSYNC) && (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (rc < 0) {
		if (errno == EACCES)
			return ctr_fail(err, errno, "cannot load the seccomp filter (it needs no_new_privs or CAP_SYS_ADMIN)");
		return ctr_fail(err, errno, "cannot load the seccomp filter");
	}
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		*listener_fd = (int)rc;
	} else if (rc > 0) {
		/* TSYNC without a listener: the id of a thread that could not be synced. */
		return ctr_fail(err, 0, "cannot load the seccomp filter: thread %ld could not take it", rc);
	}
	return 0;
}

bool ctr_seccomp_has_listener(const struct ctr_seccomp *s)
{
	return s && s->len && (s->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

size_t ctr_seccomp_length(const struct ctr_seccomp *s)
{
	return s ? s->len : 0;
}

void ctr_seccomp_free(struct ctr_seccomp *s)
{
	free(s);
}
