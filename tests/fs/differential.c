/* fs-differential: applies the same operation sequences to ctrfs and to kernel
 * overlayfs over identical layers and compares every result errno and the
 * merged trees (before and after a remount). Random sequences come from a
 * seeded PRNG; a few fixed, named sequences cover the tricky cases. A
 * mismatch prints the seed and the shortest failing sequence found by delta
 * debugging, in a text form that --replay FILE runs again.
 *
 *   fs-differential [--seeds N] [--ops M] [--seed S] [--replay FILE]
 *                   [--no-scripted] [--shrink-secs T] [--verbose] [--both-overlay]
 * --seed S alone runs seed S only; with --seeds N it runs S..S+N-1.
 * --both-overlay (hidden, for validating this tester) puts kernel overlayfs
 * on both sides; --opts-a OPTS adds mount options to the first side only (so
 * e.g. "redirect_dir=off" there must produce mismatches).
 * The mounts are made under umask 077 (ctrfs's daemon inherits it) and the
 * ops run under 002, so a side that masks new entries with anything but the
 * caller's umask shows up as a mismatch.
 * Output is TAP; needs root (prints a SKIP otherwise).
 * Files: diffops.c (ops), diffgen.c (layers, random ops), this one (runs,
 * comparison, shrinking, reporting). */
#include "diffgen.h"
#include "diffops.h"
#include "harness.h"
#include "treecmp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- running one sequence on both sides ---- */

static bool g_both_overlay;
static bool g_verbose; /* log every op with both results to stderr */
static const char *g_opts_a = ""; /* extra -o options for side A (hidden; e.g. volatile) */

#define MOUNT_UMASK 077   /* while building layers and mounting */
#define OPS_UMASK 002     /* while the ops run */

enum outcome_kind { OUT_PASS, OUT_MISMATCH, OUT_SETUP };

struct outcome {
	enum outcome_kind kind;
	size_t fail_op;     /* index of the op whose result differed, or SIZE_MAX */
	char sig[160];      /* kind of mismatch, kept while shrinking */
	char *msg;          /* malloc'd description of the failure */
};

struct seq {
	struct op *ops;
	size_t n, cap;
};

static void seq_push(struct seq *s, const struct op *o)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->ops = realloc(s->ops, s->cap * sizeof *s->ops);
		if (!s->ops)
			abort();
	}
	s->ops[s->n++] = *o;
}

/* Side 0 is named after the FUSE program under test (CTRFS may point at
 * another overlay-compatible one, e.g. to validate this tester). */
static const char *side_label(int side)
{
	if (side)
		return "overlay";
	if (g_both_overlay)
		return "overlay#1";
	const char *bin = getenv("CTRFS");
	const char *slash = bin ? strrchr(bin, '/') : NULL;
	return bin && *bin ? (slash ? slash + 1 : bin) : "ctrfs";
}

/* Compares the two merged trees; on a difference appends it to out. */
static bool trees_equal(struct testfs *t, FILE *out, const char *when)
{
	struct tree_desc da, db;
	int ra = tree_describe(t[0].mnt, &da), rb = tree_describe(t[1].mnt, &db);
	bool eq;
	if (ra < 0 || rb < 0) {
		fprintf(out, "describing the merged trees %s failed: %s: %s, %s: %s\n", when,
			side_label(0), strerror(ra < 0 ? -ra : 0), side_label(1), strerror(rb < 0 ? -rb : 0));
		eq = false;
	} else {
		size_t nd = tree_compare(&da, &db, side_label(0), side_label(1), NULL, NULL, 0);
		eq = nd == 0;
		if (!eq) {
			fprintf(out, "merged trees differ %s (%zu paths):\n", when, nd);
			tree_compare(&da, &db, side_label(0), side_label(1), out, "  ", 12);
		}
	}
	tree_free(&da);
	tree_free(&db);
	return eq;
}

/* Runs ops on fresh layers (built from layer_seed) on both sides. With gen,
 * first generates ops until s holds gen_count of them, drawing each from the
 * reference side's tree. log (may be NULL) gets every op with both results. */
static struct outcome run_sequence(struct seq *s, struct rng *gen, size_t gen_count,
				   uint64_t layer_seed, FILE *log)
{
	struct outcome oc = {OUT_PASS, SIZE_MAX, "", NULL};
	size_t msglen = 0;
	FILE *msg = open_memstream(&oc.msg, &msglen);
	if (!msg)
		abort();
	struct testfs t[2];
	int rootfd[2] = {-1, -1};
	bool inited[2] = {false, false};
	int rc;

	/* Layer builders set their modes explicitly. */
	umask(MOUNT_UMASK);
	for (int i = 0; i < 2; i++) {
		enum fsimpl impl = (i == 0 && !g_both_overlay) ? IMPL_CTRFS : IMPL_OVERLAY;
		if ((rc = testfs_init(&t[i], impl, 2)) < 0) {
			fprintf(msg, "testfs_init(%s): %s\n", side_label(i), strerror(-rc));
			oc.kind = OUT_SETUP;
			goto out;
		}
		inited[i] = true;
		if (i == 0)
			snprintf(t[i].opts, sizeof t[i].opts, "%s", g_opts_a);
		if ((rc = build_layers(&t[i], layer_seed)) < 0) {
			fprintf(msg, "building layers for %s: %s\n", side_label(i), strerror(-rc));
			oc.kind = OUT_SETUP;
			goto out;
		}
		if ((rc = testfs_mount(&t[i])) < 0) {
			fprintf(msg, "mounting %s: %s\n", side_label(i), strerror(-rc));
			oc.kind = OUT_SETUP;
			goto out;
		}
		rootfd[i] = open(t[i].mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd[i] < 0) {
			fprintf(msg, "opening %s: %s\n", t[i].mnt, strerror(errno));
			oc.kind = OUT_SETUP;
			goto out;
		}
	}

	umask(OPS_UMASK);
	for (size_t i = 0; gen ? i < gen_count : i < s->n; i++) {
		if (gen) {
			struct op o;
			gen_next_op(gen, rootfd[1], &o);
			seq_push(s, &o);
		}
		struct op *o = &s->ops[i];
		struct result r0 = apply_op(rootfd[0], t[0].mnt, o);
		struct result r1 = apply_op(rootfd[1], t[1].mnt, o);
		o->ref_err = r1.err;
		char text[512], res0[64], res1[64];
		op_format(o, text, sizeof text);
		format_result(o, &r0, res0, sizeof res0);
		format_result(o, &r1, res1, sizeof res1);
		bool same = r0.err == r1.err && r0.val == r1.val;
		if (log)
			fprintf(log, "  %4zu: %-60s => %s: %s, %s: %s%s\n", i + 1, text, side_label(0), res0,
				side_label(1), res1, same ? "" : "   <-- differs");
		if (!same) {
			fprintf(msg, "op %zu (%s) returned %s on %s but %s on %s\n", i + 1, text, res0,
				side_label(0), res1, side_label(1));
			oc.kind = OUT_MISMATCH;
			oc.fail_op = i;
			snprintf(oc.sig, sizeof oc.sig, "%s returns %s on %s, %s on %s", op_names[o->kind],
				 err_name(r0.err), side_label(0), err_name(r1.err), side_label(1));
			if (gen)
				gen_count = i + 1; /* the sequence ends at the first difference */
			goto out;
		}
	}

	if (!trees_equal(t, msg, "after the sequence")) {
		oc.kind = OUT_MISMATCH;
		snprintf(oc.sig, sizeof oc.sig, "merged trees differ after the sequence");
		goto out;
	}
	/* Persistence: what the upper dir holds must read back the same. */
	umask(MOUNT_UMASK);
	for (int i = 0; i < 2; i++) {
		close(rootfd[i]);
		rootfd[i] = -1;
		if ((rc = testfs_remount(&t[i])) < 0) {
			fprintf(msg, "remounting %s: %s\n", side_label(i), strerror(-rc));
			oc.kind = i == 0 ? OUT_MISMATCH : OUT_SETUP;
			snprintf(oc.sig, sizeof oc.sig, "remount fails");
			goto out;
		}
	}
	if (!trees_equal(t, msg, "after unmount and remount")) {
		oc.kind = OUT_MISMATCH;
		snprintf(oc.sig, sizeof oc.sig, "merged trees differ after unmount and remount");
	}
out:
	for (int i = 0; i < 2; i++) {
		if (rootfd[i] >= 0)
			close(rootfd[i]);
		if (inited[i])
			testfs_cleanup(&t[i]);
	}
	fclose(msg);
	if (oc.kind == OUT_PASS) {
		free(oc.msg);
		oc.msg = NULL;
	}
	return oc;
}

/* ---- shrinking ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct shrink {
	uint64_t layer_seed;
	const char *sig; /* only candidates failing this way count */
	int tries;       /* replays per candidate: >1 for mismatches that need luck */
	double deadline;
	unsigned replays;
	bool out_of_time;
};

/* True if the candidate still shows the same kind of mismatch (a shorter
 * sequence may expose another bug; that one is reported by its own seed);
 * an op-level mismatch cuts the candidate right after the differing op.
 * Setup failures count as passing. */
static bool still_fails(struct shrink *sh, struct seq *cand)
{
	for (int t = 0; t < (sh->tries > 0 ? sh->tries : 1); t++) {
		if (now_s() > sh->deadline) {
			sh->out_of_time = true;
			return false;
		}
		sh->replays++;
		struct outcome oc = run_sequence(cand, NULL, 0, sh->layer_seed, NULL);
		free(oc.msg);
		if (oc.kind == OUT_MISMATCH && !strcmp(oc.sig, sh->sig)) {
			if (oc.fail_op != SIZE_MAX)
				cand->n = oc.fail_op + 1;
			return true;
		}
	}
	return false;
}

/* Delta debugging (ddmin over complements), after cutting to the shortest
 * failing prefix by bisection. Keeps s failing throughout. */
static void shrink_sequence(struct shrink *sh, struct seq *s)
{
	struct seq cand = {0};
	cand.cap = s->n ? s->n : 1;
	cand.ops = malloc(cand.cap * sizeof *cand.ops);
	if (!cand.ops)
		abort();

	/* Shortest failing prefix (failures usually start at one op and stay). */
	size_t lo = 0, hi = s->n; /* prefix of hi ops fails */
	while (lo + 1 < hi && !sh->out_of_time) {
		size_t mid = lo + (hi - lo) / 2;
		memcpy(cand.ops, s->ops, mid * sizeof *cand.ops);
		cand.n = mid;
		if (still_fails(sh, &cand))
			hi = cand.n < mid ? cand.n : mid;
		else
			lo = mid;
	}
	s->n = hi;

	/* Cheap first guesses before ddmin: drop every op that failed on the
	 * reference side (those mostly changed nothing), then every op that
	 * only looks (read, stat, listdir); the last op, the one that showed
	 * the mismatch, always stays. */
	for (int pass = 0; pass < 2 && s->n > 1 && !sh->out_of_time; pass++) {
		cand.n = 0;
		for (size_t i = 0; i < s->n; i++) {
			const struct op *o = &s->ops[i];
			bool drop = pass == 0 ? o->ref_err != 0
					      : (o->kind == OP_READ || o->kind == OP_STAT || o->kind == OP_LISTDIR);
			if (!drop || i + 1 == s->n)
				cand.ops[cand.n++] = *o;
		}
		if (cand.n < s->n && still_fails(sh, &cand)) {
			memcpy(s->ops, cand.ops, cand.n * sizeof *cand.ops);
			s->n = cand.n;
		}
	}

	size_t gran = 2;
	while (s->n >= 2 && !sh->out_of_time) {
		size_t chunk = (s->n + gran - 1) / gran;
		bool reduced = false;
		for (size_t start = 0; start < s->n && !sh->out_of_time; start += chunk) {
			size_t end = start + chunk < s->n ? start + chunk : s->n;
			cand.n = 0;
			for (size_t i = 0; i < s->n; i++)
				if (i < start || i >= end)
					cand.ops[cand.n++] = s->ops[i];
			if (still_fails(sh, &cand)) {
				memcpy(s->ops, cand.ops, cand.n * sizeof *cand.ops);
				s->n = cand.n;
				gran = gran > 2 ? gran - 1 : 2;
				reduced = true;
				break;
			}
		}
		if (!reduced) {
			if (gran >= s->n)
				break;
			gran = gran * 2 < s->n ? gran * 2 : s->n;
		}
	}
	free(cand.ops);
}

/* ---- scripted sequences ---- */

struct script {
	const char *name;
	const char *const *lines;
};

static const char *const script_rename_merged_dir[] = {
	"rename d1 d1r",
	"create d1r/new mode=0644 len=100 data=1",
	"write d1r/f1 off=10 len=50 data=2",
	"listdir d1r",
	"mkdir d1 mode=0755",
	"create d1/f1 mode=0600 len=7 data=3",
	"listdir d1",
	"rename d1r/sub d1/sub",
	"create d1/sub/z mode=0644 len=1 data=4",
	"listdir d1/sub",
	"stat d1r/sub",
	NULL,
};

static const char *const script_rename_over_whiteout[] = {
	"unlink f_top",
	"rename exe f_top",
	"rename d1/f1 gone",
	"rename d1/f3 d1/f2",
	"listdir d1",
	"mkdir dgone mode=0755",
	"listdir dgone",
	"rename d2 dgone flags=noreplace",
	"rmdir dgone",
	"rename d2 dgone",
	"listdir dgone",
	"read gone off=0 len=5000",
	NULL,
};

static const char *const script_rmdir_emptied_lower[] = {
	"rmdir d2",
	"unlink d2/h1",
	"unlink d2/h2",
	"rmdir d2",
	"unlink d2/h3",
	"rmdir d2",
	"listdir .",
	"mkdir d2 mode=0700",
	"listdir d2",
	"create d2/h1 mode=0644 len=3 data=5",
	"unlink d1/sub/g1",
	"unlink d1/sub/g2",
	"rmdir d1/sub",
	"mkdir d1/sub mode=0755",
	"listdir d1/sub",
	"unlink d3/y",
	"rmdir d3",
	"stat d3",
	NULL,
};

static const char *const script_hardlink_unlink_other[] = {
	"link f_top nl",
	"unlink f_top",
	"write nl off=10 len=20 data=6",
	"read nl off=0 len=100",
	"unlink hl_a",
	"write hl_b off=0 len=10 data=7",
	"link hl_b hl_c",
	"unlink hl_b",
	"read hl_c off=0 len=100",
	"write dd/l1 off=5 len=5 data=8",
	"read dd/l2 off=0 len=20",
	"unlink dd/l1",
	"stat dd/l2",
	NULL,
};

static const char *const script_lower_hardlink_copyup[] = {
	"write hl_a off=0 len=4 data=9",
	"read hl_b off=0 len=16",
	"chmod hl_b mode=0600",
	"stat hl_a",
	"rename hl_a d1/moved",
	"write d1/moved off=100 len=4 data=10",
	"read hl_b off=96 len=16",
	"setxattr dd/l2 name=user.k value=v1",
	"truncate dd/l1 len=3",
	"read dd/l2 off=0 len=16",
	NULL,
};

static const char *const script_exchange_and_dir_over_dir[] = {
	"rename d1 d2 flags=exchange",
	"listdir d1",
	"listdir d2",
	"rename f_top d3 flags=exchange",
	"stat d3",
	"rename d4 empty",
	"rename d1 empty",
	"rename d4 d4/deep/x",
	"listdir empty/deep",
	"rename empty/deep/er d1/sub/er",
	"create d1/sub/er/new mode=0644 len=9 data=11",
	NULL,
};

static const char *const script_copyup_metadata[] = {
	"chmod f_own mode=0600",
	"stat f_own",
	"write f_own off=0 len=1 data=12",
	"setxattr f_top name=user.new value=1",
	"removexattr f_top name=user.color",
	"truncate big len=100",
	"truncate f_top2 len=100000",
	"read f_top2 off=99990 len=10",
	"chmod d2 mode=0700",
	"setxattr dd name=user.top value=2 flags=xreplace",
	"setxattr sym name=user.x value=1 flags=nofollow",
	"setxattr sym name=user.x value=1",
	"stat sym",
	"create symd/viasym mode=0644 len=2 data=13",
	NULL,
};

static const struct script scripts[] = {
	{"rename of a merged dir, then create inside", script_rename_merged_dir},
	{"rename over a whiteout", script_rename_over_whiteout},
	{"rmdir of a dir whose lower content is all deleted", script_rmdir_emptied_lower},
	{"hard link, then unlink of the other name", script_hardlink_unlink_other},
	{"lower hard links across copy-up", script_lower_hardlink_copyup},
	{"RENAME_EXCHANGE and dir over dir", script_exchange_and_dir_over_dir},
	{"copy-up keeps metadata", script_copyup_metadata},
};
#define NSCRIPTS (sizeof scripts / sizeof scripts[0])

/* ---- reporting ---- */

static double g_shrink_budget = 300, g_shrink_per_case = 120;

/* Mismatch kinds already shrunk in this run: later seeds failing the same
 * way are most likely the same bug, so the shrink budget goes elsewhere. */
static char g_shrunk_sigs[32][160];
static int g_nshrunk;

static bool already_shrunk(const char *sig)
{
	for (int i = 0; i < g_nshrunk; i++)
		if (!strcmp(g_shrunk_sigs[i], sig))
			return true;
	return false;
}

static void mark_shrunk(const char *sig)
{
	if (g_nshrunk < 32)
		snprintf(g_shrunk_sigs[g_nshrunk++], sizeof g_shrunk_sigs[0], "%s", sig);
}

#define MAX_LOG_OPS 40
#define RETRIES 4

static void print_prefixed(char *text, const char *prefix, size_t skip_lines)
{
	size_t i = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (i++ >= skip_lines)
			printf("%s%s\n", prefix, line);
}

/* Reports one case as TAP; on a mismatch, shrinks and prints the result. */
static bool report_case(int num, const char *name, struct seq *s, struct outcome *oc, uint64_t layer_seed)
{
	if (oc->kind == OUT_PASS) {
		printf("ok %d - %s\n", num, name);
		fflush(stdout);
		return true;
	}
	printf("not ok %d - %s\n", num, name);
	print_prefixed(oc->msg, "# ", 0);
	if (oc->kind == OUT_SETUP) {
		fflush(stdout);
		return false;
	}
	printf("# mismatch: %s\n", oc->sig);
	if (oc->fail_op != SIZE_MAX)
		s->n = oc->fail_op + 1;
	size_t orig = s->n;
	double t0 = now_s();
	double budget = g_shrink_budget < g_shrink_per_case ? g_shrink_budget : g_shrink_per_case;
	const char *why_not = budget <= 0 ? "shrink budget used up" : NULL;
	if (!why_not && already_shrunk(oc->sig))
		why_not = "same kind of mismatch as an earlier case, see there";
	struct shrink sh = {.layer_seed = layer_seed, .sig = oc->sig, .deadline = t0 + budget};
	/* Some mismatches depend on luck (e.g. which inode numbers the backing
	 * fs hands out): replay up to RETRIES times to see whether it comes
	 * back at all, and if it needed more than one try, give each shrink
	 * candidate that many tries too. */
	if (!why_not) {
		struct seq again = {.ops = malloc(s->n * sizeof *s->ops), .n = s->n, .cap = s->n};
		if (!again.ops)
			abort();
		sh.tries = 1;
		unsigned before = sh.replays;
		bool back = false;
		for (int t = 0; t < RETRIES && !back; t++) {
			memcpy(again.ops, s->ops, s->n * sizeof *s->ops);
			again.n = s->n;
			back = still_fails(&sh, &again);
		}
		if (!back)
			why_not = "replays of the same ops did not fail the same way: not deterministic";
		else if (sh.replays - before > 1)
			sh.tries = RETRIES;
		free(again.ops);
	}
	if (!why_not) {
		mark_shrunk(oc->sig);
		shrink_sequence(&sh, s);
	}
	g_shrink_budget -= now_s() - t0;
	if (why_not)
		printf("# failing sequence, not shrunk (%s): %zu ops; layers from seed %llu:\n", why_not, s->n,
		       (unsigned long long)layer_seed);
	else
		printf("# shortest failing sequence: %zu of %zu ops (%u replays%s%s); layers from seed %llu:\n",
		       s->n, orig, sh.replays, sh.tries > 1 ? ", flaky: up to 4 tries per candidate" : "",
		       sh.out_of_time ? ", shrink budget used up: may not be minimal" : "",
		       (unsigned long long)layer_seed);
	fflush(stdout);
	/* Replay once more with the log on, so the printed sequence is what
	 * actually fails, with both sides' results. */
	char *log = NULL;
	size_t loglen = 0;
	struct outcome again = {0};
	for (int t = 0; t < RETRIES; t++) {
		free(log);
		free(again.msg);
		log = NULL;
		FILE *lf = open_memstream(&log, &loglen);
		again = run_sequence(s, NULL, 0, layer_seed, lf);
		fclose(lf);
		if (again.kind == OUT_MISMATCH && !strcmp(again.sig, oc->sig))
			break;
	}
	if (s->n > MAX_LOG_OPS)
		printf("# (first %zu ops not shown; rerun the seed alone with --verbose to see them)\n",
		       s->n - MAX_LOG_OPS);
	print_prefixed(log, "# ", s->n > MAX_LOG_OPS ? s->n - MAX_LOG_OPS : 0);
	if (again.kind == OUT_MISMATCH) {
		if (strcmp(again.sig, oc->sig))
			printf("# (this replay failed another way: %s)\n", again.sig);
		print_prefixed(again.msg, "#   ", 0);
	}
	else
		printf("# (the sequence did not fail again in %d replays: the mismatch is not deterministic)\n", RETRIES);
	if (s->n <= MAX_LOG_OPS)
		printf("# replay: save the op lines above (text after 'N: ' up to '=>') to a file and run "
		       "fs-differential --replay FILE --layer-seed %llu\n", (unsigned long long)layer_seed);
	free(log);
	free(again.msg);
	fflush(stdout);
	return false;
}

static int load_script(const char *const *lines, struct seq *s)
{
	for (size_t i = 0; lines[i]; i++) {
		struct op o;
		if (op_parse(lines[i], &o) < 0) {
			fprintf(stderr, "bad op line: %s\n", lines[i]);
			return -1;
		}
		seq_push(s, &o);
	}
	return 0;
}

static int load_replay_file(const char *path, struct seq *s)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	while (getline(&line, &cap, f) > 0) {
		char *p = line;
		while (*p == ' ' || *p == '\t' || *p == '#')
			p++;
		/* Accept the log form "  12: op ... => results" as well. */
		char *colon = strstr(p, ": ");
		if (colon && strspn(p, "0123456789") == (size_t)(colon - p))
			p = colon + 2;
		char *arrow = strstr(p, "=>");
		if (arrow)
			*arrow = '\0';
		if (strspn(p, " \t\n") == strlen(p))
			continue;
		struct op o;
		if (op_parse(p, &o) < 0) {
			fprintf(stderr, "%s: bad op line: %s", path, line);
			rc = -1;
			break;
		}
		seq_push(s, &o);
	}
	free(line);
	fclose(f);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: fs-differential [--seeds N] [--ops M] [--seed S] [--no-scripted]\n"
			"                       [--replay FILE [--layer-seed S]] [--shrink-secs T]\n");
}

int main(int argc, char **argv)
{
	unsigned long nseeds = 20, nops = 500;
	unsigned long long first_seed = 1, layer_seed_opt = 0;
	bool seed_given = false, seeds_given = false, scripted = true;
	const char *replay = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--seeds") && v) {
			nseeds = strtoul(v, NULL, 0), seeds_given = true, i++;
		} else if (!strcmp(a, "--ops") && v) {
			nops = strtoul(v, NULL, 0), i++;
		} else if (!strcmp(a, "--seed") && v) {
			first_seed = strtoull(v, NULL, 0), seed_given = true, i++;
		} else if (!strcmp(a, "--layer-seed") && v) {
			layer_seed_opt = strtoull(v, NULL, 0), i++;
		} else if (!strcmp(a, "--replay") && v) {
			replay = v, i++;
		} else if (!strcmp(a, "--shrink-secs") && v) {
			g_shrink_per_case = strtod(v, NULL), i++;
			g_shrink_budget = g_shrink_per_case * 4;
		} else if (!strcmp(a, "--no-scripted")) {
			scripted = false;
		} else if (!strcmp(a, "--opts-a") && v) {
			g_opts_a = v, i++;
		} else if (!strcmp(a, "--verbose")) {
			g_verbose = true;
		} else if (!strcmp(a, "--both-overlay")) {
			g_both_overlay = true;
		} else {
			usage();
			return 2;
		}
	}
	if (seed_given && !seeds_given)
		nseeds = 1, scripted = false;

	if (geteuid() != 0 || !testfs_real_root()) {
		printf("1..0 # SKIP needs root in the initial user namespace (kernel overlayfs with index=on is the reference)\n");
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(022);

	if (replay) {
		struct seq s = {0};
		if (load_replay_file(replay, &s) < 0)
			return 2;
		printf("1..1\n");
		struct outcome oc = run_sequence(&s, NULL, 0, layer_seed_opt, g_verbose ? stderr : NULL);
		char name[PATH_MAX + 16];
		snprintf(name, sizeof name, "replay %s", replay);
		bool ok = report_case(1, name, &s, &oc, layer_seed_opt);
		free(oc.msg);
		free(s.ops);
		return ok ? 0 : 1;
	}

	int total = (int)nseeds + (scripted ? (int)NSCRIPTS : 0), num = 0, failed = 0;
	printf("1..%d\n", total);
	printf("# sides: %s vs kernel overlayfs (index=on,redirect_dir=on,metacopy=off)\n", side_label(0));
	if (scripted) {
		for (size_t k = 0; k < NSCRIPTS; k++) {
			struct seq s = {0};
			char name[160];
			snprintf(name, sizeof name, "scripted: %s", scripts[k].name);
			if (load_script(scripts[k].lines, &s) < 0) {
				printf("not ok %d - %s # bad script\n", ++num, name);
				failed++;
				continue;
			}
			struct outcome oc = run_sequence(&s, NULL, 0, 0, g_verbose ? stderr : NULL);
			failed += !report_case(++num, name, &s, &oc, 0);
			free(oc.msg);
			free(s.ops);
		}
	}
	for (unsigned long k = 0; k < nseeds; k++) {
		uint64_t seed = first_seed + k;
		struct seq s = {0};
		struct rng r;
		rng_seed(&r, seed);
		double t0 = now_s();
		struct outcome oc = run_sequence(&s, &r, nops, seed, g_verbose ? stderr : NULL);
		char name[160];
		snprintf(name, sizeof name, "seed %llu (%lu ops, %.1fs)", (unsigned long long)seed,
			 nops, now_s() - t0);
		if (oc.kind != OUT_PASS)
			printf("# seed %llu failed; rerun alone with: fs-differential --seed %llu --ops %lu\n",
			       (unsigned long long)seed, (unsigned long long)seed, nops);
		failed += !report_case(++num, name, &s, &oc, seed);
		free(oc.msg);
		free(s.ops);
	}
	return failed ? 1 : 0;
}
