/* Fuzzes docker-format seccomp profiles: ctr_seccomp_profile_parse
 * (runner/security/seccomp_profile.c) and what ctr_seccomp_prepare does with
 * a profile it accepts (runner/security/seccomp_filter.c: which entries
 * apply for a capability set, architecture and kernel; the libseccomp
 * filter; the BPF program exported from it). No filter is ever loaded: this
 * process goes on fuzzing.
 *
 * The input is the profile's text, then optionally a NUL and up to 8 bytes,
 * a capability mask (little-endian) for the second build. An accepted
 * profile is built twice, without a cache: for docker's default capabilities
 * with sysinfo sent to a listener (the /proc view's way), and for the
 * input's capabilities (every one when it gives none) without. Under ASan
 * and coverage a small profile builds in under a millisecond, but the
 * default profile takes 17 ms and Debian's podman one 35 ms, and most
 * inputs mutated from those seeds are still as large; libseccomp's time
 * also grows with the square of the comparisons on one call (64 calls
 * with 150 comparisons each, 7 KB of JSON: 20 s). So the cost of a
 * profile is counted as the sum over its entries of names * (1 + args)^2
 * (default profile 455, podman's 504): up to SMALL_COST it is built, up
 * to BIG_COST for one input in BIG_ONE_IN, picked by a hash of its text
 * (a replay does the same), else only parsed. Small profiles reach the
 * same code of ctr's as large ones.
 *
 * Besides crashes, leaks and UB it checks: a refused profile has a message
 * that names the profile and stays on one line; an accepted one builds (a
 * program of 1 to BPF_MAXINSNS instructions), or fails only for what parsing
 * cannot know (entries in conflict for this capability set, a program too
 * long for the kernel), with a message as above; a sysinfo listener never
 * unasked, always when the profile plainly lets sysinfo run, never when
 * nothing in it does.
 *
 * libseccomp 2.5.4 (Debian 12's) leaks rule nodes of its own: on i386,
 * two conditional entries for socket and then an unconditional one, all
 * accepted, leave 4 nodes unfreed by seccomp_release (a plain C program
 * shows it; found in a 5 min run). LSan cannot tell those from a context
 * ctr forgot to release, so leaks inside libseccomp are not reported here
 * (__lsan_default_suppressions), and this harness checks instead that
 * every context made for an input is released by its end: it wraps
 * seccomp_init and seccomp_release. Such an input is not kept as a seed:
 * libFuzzer runs every input after which mallocs and frees differ again
 * under a leak check, and with the input's mutations a 10 s run made a
 * third of its executions (once the working corpus holds one, the same
 * goes for later runs in that build-fuzz/). */
#include <dlfcn.h>
#include <stdbool.h>
#include <linux/filter.h>

#include "capabilities.h"
#include "fuzz_util.h"
#include "seccomp_filter.h"
#include "seccomp_profile.h"

#define SOURCE "/fuzz/profile.json"
#define SMALL_COST 128
#define BIG_COST 2048
#define BIG_ONE_IN 32

static int last_cap;

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libseccomp.so\n";
}

/* libseccomp filter contexts made and not released, for the check above:
 * these definitions take the place of libseccomp's for ctr's code. */
static long live_contexts;

scmp_filter_ctx seccomp_init(uint32_t def_action)
{
	static scmp_filter_ctx (*real)(uint32_t);
	if (!real && !(real = (scmp_filter_ctx (*)(uint32_t))dlsym(RTLD_NEXT, "seccomp_init")))
		fuzz_fail("dlsym seccomp_init: %s", dlerror());
	scmp_filter_ctx ctx = real(def_action);
	live_contexts += ctx != NULL;
	return ctx;
}

void seccomp_release(scmp_filter_ctx ctx)
{
	static void (*real)(scmp_filter_ctx);
	if (!real && !(real = (void (*)(scmp_filter_ctx))dlsym(RTLD_NEXT, "seccomp_release")))
		fuzz_fail("dlsym seccomp_release: %s", dlerror());
	live_contexts -= ctx != NULL;
	real(ctx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	last_cap = ctr_cap_last();
	return 0;
}

static void check_message(const struct ctr_error *err, const char *what)
{
	if (!err->msg[0])
		fuzz_fail("%s without a message", what);
	if (!strstr(err->msg, SOURCE))
		fuzz_fail("%s with a message that does not name the profile: %s", what, err->msg);
	for (const char *p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fuzz_fail("%s with a control character in its message: %s", what, err->msg);
}

static bool lets_run(uint32_t action)
{
	return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG;
}

static bool names_sysinfo(const struct ctr_seccomp_rule *r)
{
	for (size_t k = 0; k < r->n_names; k++)
		if (strcmp(r->names[k], "sysinfo") == 0)
			return true;
	return false;
}

/* A listener is certain with notify_sysinfo when the default action lets
 * sysinfo run and no entry names it; impossible when neither the default
 * action nor any entry naming it lets it run. Between the two it depends
 * on the entries' conditions, which this does not recompute. */
static bool sure_listener(const struct ctr_seccomp_profile *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (names_sysinfo(&p->rules[i]))
			return false;
	return lets_run(p->default_action);
}

static bool no_listener(const struct ctr_seccomp_profile *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (names_sysinfo(&p->rules[i]) && lets_run(p->rules[i].action))
			return false;
	return !lets_run(p->default_action);
}

static void build(const char *text, const struct ctr_seccomp_profile *p, uint64_t caps, bool notify)
{
	struct ctr_seccomp_config cfg = {.mode = CTR_SECCOMP_PROFILE, .profile = text, .source = SOURCE,
					 .caps = caps, .notify_sysinfo = notify};
	struct ctr_seccomp *s = NULL;
	struct ctr_error err = {0};
	if (ctr_seccomp_prepare(&cfg, &s, &err) < 0) {
		if (s)
			fuzz_fail("a failed build returned a filter");
		check_message(&err, "a parsed profile did not build");
		/* What parsing cannot know: entries that give one call different
		 * actions under overlapping conditions, for this capability set
		 * (libseccomp's EEXIST), or a program longer than the kernel
		 * takes. Any other failure is a profile `run` accepts and a
		 * container then cannot start with. */
		if (err.errnum != EEXIST && !strstr(err.msg, "instructions; the kernel takes"))
			fuzz_fail("a parsed profile did not build: %s", err.msg);
		return;
	}
	size_t len = ctr_seccomp_length(s);
	if (len == 0 || len > BPF_MAXINSNS)
		fuzz_fail("a built filter has %zu instructions", len);
	bool listener = ctr_seccomp_has_listener(s);
	if (!notify && listener)
		fuzz_fail("a sysinfo listener nobody asked for");
	if (notify && !listener && sure_listener(p))
		fuzz_fail("no sysinfo listener, though the profile lets sysinfo run");
	if (notify && listener && no_listener(p))
		fuzz_fail("a sysinfo listener, though the profile never lets sysinfo run");
	ctr_seccomp_free(s);
}

/* FNV-1a, to pick the large profiles that are built. */
static uint32_t text_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_fds_begin();
	char *text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	size_t text_len = strlen(text);
	uint64_t caps = 0;
	size_t n_cap_bytes = text_len < size ? size - text_len - 1 : 0;
	for (size_t i = 0; i < n_cap_bytes && i < 8; i++)
		caps |= (uint64_t)data[text_len + 1 + i] << (8 * i);
	caps = n_cap_bytes ? caps & ctr_caps_all(last_cap) : ctr_caps_all(last_cap);

	struct ctr_seccomp_profile *p = NULL;
	struct ctr_error err = {0};
	if (ctr_seccomp_profile_parse(text, SOURCE, &p, &err) < 0) {
		if (p)
			fuzz_fail("a refused profile was returned");
		check_message(&err, "refused");
	} else {
		if (!p)
			fuzz_fail("accepted, but no profile");
		size_t cost = 0;
		for (size_t i = 0; i < p->n_rules; i++)
			cost += p->rules[i].n_names * (1 + p->rules[i].n_args) * (1 + p->rules[i].n_args);
		if (cost <= SMALL_COST || (cost <= BIG_COST && text_hash(text) % BIG_ONE_IN == 0)) {
			build(text, p, ctr_caps_docker_default(), true);
			build(text, p, caps, false);
		}
		ctr_seccomp_profile_free(p);
	}
	free(text);
	if (live_contexts)
		fuzz_fail("%ld libseccomp filter context(s) not released", live_contexts);
	fuzz_check_fds();
	return 0;
}
