/* Merged readdir: every layer once, no whiteouts, stable offsets. */
#include "conf_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int readdir_merges_all_layers(struct testfs *t)
{
	CHECK_OK(conf_put(L0("a"), "a"));
	CHECK_OK(conf_put(L1("b"), "b"));
	CHECK_OK(conf_put(L2("c"), "c"));
	CHECK_OK(conf_put(U("u"), "u"));
	MOUNT();
	CHECK_STR(conf_names(t->mnt), "a,b,c,u");
	return CONF_PASS;
}

static int readdir_lists_name_in_several_layers_once(struct testfs *t)
{
	CHECK_OK(conf_put(L0("f"), "0"));
	CHECK_OK(conf_put(L1("f"), "1"));
	CHECK_OK(conf_put(L2("f"), "2"));
	CHECK_OK(conf_put(U("f"), "u"));
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_mkdirs(L2("d"), 0755));
	MOUNT();
	CHECK_STR(conf_names(t->mnt), "d,f");
	return CONF_PASS;
}

static int readdir_omits_whiteouts_and_hidden_names(struct testfs *t)
{
	CHECK_OK(conf_whiteout(L0("f")));
	CHECK_OK(conf_put(L1("f"), "f"));
	CHECK_OK(conf_put(L1("g"), "g"));
	CHECK_OK(conf_whiteout(U("g2")));
	MOUNT();
	CHECK_STR(conf_names(t->mnt), "g");
	return CONF_PASS;
}

static int readdir_omits_name_unlinked_through_mount(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_put(L0("d/b"), "b"));
	MOUNT();
	CHECK_OK(unlink(M("d/a")));
	CHECK_STR(conf_names(M("d")), "b");
	return CONF_PASS;
}

static int readdir_dot_and_dotdot_once(struct testfs *t)
{
	int dots = 0, dotdots = 0;
	DIR *d;
	struct dirent *de;

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	CHECK_OK(conf_mkdirs(L1("d"), 0755));
	CHECK_OK(conf_put(L0("d/a"), "a"));
	CHECK_OK(conf_put(L1("d/b"), "b"));
	MOUNT();
	CHECK((d = opendir(M("d"))) != NULL);
	while ((de = readdir(d))) {
		dots += !strcmp(de->d_name, ".");
		dotdots += !strcmp(de->d_name, "..");
	}
	closedir(d);
	CHECK_EQ(dots, 1);
	CHECK_EQ(dotdots, 1);
	return CONF_PASS;
}

static int readdir_d_type_matches_lstat(struct testfs *t)
{
	DIR *d;
	struct dirent *de;
	int seen = 0;

	CHECK_OK(conf_put(L0("file"), "f"));
	CHECK_OK(conf_mkdirs(L1("dir"), 0755));
	CHECK_OK(symlink("file", L1("link")));
	CHECK_OK(mkfifo(L0("fifo"), 0644));
	CHECK_OK(conf_put(U("upperfile"), "u"));
	MOUNT();
	CHECK((d = opendir(t->mnt)) != NULL);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		struct stat st = conf_lstat(M(de->d_name));
		unsigned want = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR
			      : S_ISLNK(st.st_mode) ? DT_LNK : S_ISFIFO(st.st_mode) ? DT_FIFO : DT_UNKNOWN;
		if (de->d_type != want) {
			conf_diag("%s: d_type %u, lstat says %u", de->d_name, de->d_type, want);
			closedir(d);
			return CONF_FAIL;
		}
		seen++;
	}
	closedir(d);
	CHECK_EQ(seen, 5);
	return CONF_PASS;
}

static int readdir_sees_new_entry_after_rewind(struct testfs *t)
{
	DIR *d;
	struct dirent *de;
	int found = 0;

	CHECK_OK(conf_put(L0("old"), "o"));
	MOUNT();
	CHECK((d = opendir(t->mnt)) != NULL);
	while (readdir(d))
		;
	CHECK_OK(conf_put(M("new"), "n"));
	rewinddir(d);
	while ((de = readdir(d)))
		found += !strcmp(de->d_name, "new") || !strcmp(de->d_name, "old");
	closedir(d);
	CHECK_EQ(found, 2);
	return CONF_PASS;
}

static int readdir_nested_merged_dirs(struct testfs *t)
{
	CHECK_OK(conf_mkdirs(L0("a/b"), 0755));
	CHECK_OK(conf_mkdirs(L1("a/b"), 0755));
	CHECK_OK(conf_put(L0("a/b/x"), "x"));
	CHECK_OK(conf_put(L1("a/b/y"), "y"));
	CHECK_OK(conf_put(L1("a/z"), "z"));
	MOUNT();
	CHECK_STR(conf_names(M("a")), "b,z");
	CHECK_STR(conf_names(M("a/b")), "x,y");
	return CONF_PASS;
}

static int readdir_empty_after_unlinking_all_lower_entries(struct testfs *t)
{
	char name[32];

	CHECK_OK(conf_mkdirs(L0("d"), 0755));
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "d/f%02d", i);
		CHECK_OK(conf_put(L0(name), "x"));
	}
	MOUNT();
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "d/f%02d", i);
		CHECK_OK(unlink(M(name)));
	}
	CHECK_STR(conf_names(M("d")), "");
	REMOUNT();
	CHECK_STR(conf_names(M("d")), "");
	return CONF_PASS;
}

/* Fills lower/upper dirs "d" with many names across layers, some hidden. */
static int prepare_spread_dir(struct testfs *t, int per_layer)
{
	char name[64];

	if (conf_mkdirs(L0("d"), 0755) || conf_mkdirs(L1("d"), 0755) || conf_mkdirs(U("d"), 0755))
		return -1;
	for (int i = 0; i < per_layer; i++) {
		snprintf(name, sizeof(name), "d/a%04d", i);
		if (conf_put(L0(name), "") < 0)
			return -1;
		snprintf(name, sizeof(name), "d/b%04d", i);
		if (conf_put(L1(name), "") < 0)
			return -1;
		if (i % 3 == 0) { /* duplicate of a top-layer name */
			snprintf(name, sizeof(name), "d/a%04d", i);
			if (conf_put(L1(name), "") < 0)
				return -1;
		}
		snprintf(name, sizeof(name), "d/%c%04d", i % 5 == 0 ? 'b' : 'c', i);
		if ((i % 5 == 0 ? conf_whiteout(U(name)) : conf_put(U(name), "")) < 0)
			return -1;
	}
	return 0;
}

struct listing {
	long *pos;
	char (*name)[16];
	size_t n;
};

static void listing_free(struct listing *l)
{
	free(l->pos);
	free(l->name);
}

static int listing_read(DIR *d, struct listing *l, size_t max)
{
	struct dirent *de;

	l->pos = calloc(max, sizeof(*l->pos));
	l->name = calloc(max, sizeof(*l->name));
	l->n = 0;
	if (!l->pos || !l->name)
		return -1;
	for (;;) {
		long pos = telldir(d);
		errno = 0;
		if (!(de = readdir(d)))
			return errno ? -1 : 0;
		if (l->n == max)
			return -1;
		l->pos[l->n] = pos;
		snprintf(l->name[l->n], sizeof(l->name[0]), "%.15s", de->d_name);
		l->n++;
	}
}

static int cmp_name16(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Seeks back to every step-th recorded position (in reverse order) and
 * checks the next entries are the ones recorded there. */
static int check_seeks(DIR *d, const struct listing *l, size_t step)
{
	for (size_t k = l->n; k-- > 0;) {
		if (k % step)
			continue;
		seekdir(d, l->pos[k]);
		for (size_t j = k; j < l->n && j < k + 3; j++) {
			struct dirent *de = readdir(d);
			if (!de || strcmp(de->d_name, l->name[j]) != 0) {
				conf_diag("after seekdir to entry %zu: got %s, want %s", k,
					  de ? de->d_name : "(end)", l->name[j]);
				return CONF_FAIL;
			}
		}
	}
	return CONF_PASS;
}

static int no_duplicates(const struct listing *l)
{
	char (*sorted)[16] = malloc(l->n * sizeof(*sorted));

	if (!sorted)
		return CONF_FAIL;
	memcpy(sorted, l->name, l->n * sizeof(*sorted));
	qsort(sorted, l->n, sizeof(*sorted), cmp_name16);
	for (size_t i = 1; i < l->n; i++)
		if (!strcmp(sorted[i], sorted[i - 1])) {
			conf_diag("name %s listed twice", sorted[i]);
			free(sorted);
			return CONF_FAIL;
		}
	free(sorted);
	return CONF_PASS;
}

static int readdir_telldir_seekdir_resume_same_entry(struct testfs *t)
{
	struct listing l = { 0 };
	DIR *d;
	int r;

	CHECK_OK(prepare_spread_dir(t, 300));
	MOUNT();
	CHECK((d = opendir(M("d"))) != NULL);
	if (listing_read(d, &l, 4000) < 0) {
		closedir(d);
		listing_free(&l);
		CONF_FAILED("reading the merged dir");
	}
	/* 300 a + 300 b - 60 whited-out b + 240 c, plus . and .. */
	r = l.n == 782 ? CONF_PASS : conf_failf(__FILE__, __LINE__, 0, "%zu entries, want 782", l.n);
	if (r == CONF_PASS)
		r = no_duplicates(&l);
	if (r == CONF_PASS)
		r = check_seeks(d, &l, 7);
	closedir(d);
	listing_free(&l);
	return r;
}

static int readdir_seekdir_to_start_repeats_listing(struct testfs *t)
{
	struct listing a = { 0 }, b = { 0 };
	DIR *d;
	int r = CONF_PASS;

	CHECK_OK(prepare_spread_dir(t, 50));
	MOUNT();
	CHECK((d = opendir(M("d"))) != NULL);
	long start = telldir(d);
	if (listing_read(d, &a, 1000) < 0)
		r = conf_failf(__FILE__, __LINE__, errno, "first pass");
	seekdir(d, start);
	if (r == CONF_PASS && listing_read(d, &b, 1000) < 0)
		r = conf_failf(__FILE__, __LINE__, errno, "second pass");
	if (r == CONF_PASS && a.n != b.n)
		r = conf_failf(__FILE__, __LINE__, 0, "%zu vs %zu entries", a.n, b.n);
	for (size_t i = 0; r == CONF_PASS && i < a.n; i++)
		if (strcmp(a.name[i], b.name[i]))
			r = conf_failf(__FILE__, __LINE__, 0, "entry %zu: %s vs %s", i, a.name[i], b.name[i]);
	closedir(d);
	listing_free(&a);
	listing_free(&b);
	return r;
}

static int readdir_getdents_small_buffer_no_loss_no_dup(struct testfs *t)
{
	/* Room for only a few entries per call (a dirent64 is at most 280 bytes). */
	char buf[512];
	int fd, count = 0;
	long n;

	CHECK_OK(prepare_spread_dir(t, 100));
	MOUNT();
	CHECK_OK(fd = open(M("d"), O_RDONLY | O_DIRECTORY));
	static char seen[3][100];
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			off += de->d_reclen;
			if (de->d_name[0] == '.')
				continue;
			int layer = de->d_name[0] - 'a', idx = atoi(de->d_name + 1);
			if (layer < 0 || layer > 2 || idx < 0 || idx >= 100 || seen[layer][idx]++) {
				conf_diag("unexpected or repeated entry %s", de->d_name);
				close(fd);
				return CONF_FAIL;
			}
			count++;
		}
	}
	CHECK_OK(n);
	close(fd);
	/* 100 a + 80 b + 80 c */
	CHECK_EQ(count, 260);
	return CONF_PASS;
}

static int readdir_lseek_to_zero_restarts(struct testfs *t)
{
	char buf[4096];
	int fd;
	long first, again;

	CHECK_OK(conf_put(L0("a"), ""));
	CHECK_OK(conf_put(L1("b"), ""));
	MOUNT();
	CHECK_OK(fd = open(t->mnt, O_RDONLY | O_DIRECTORY));
	CHECK_OK(first = syscall(SYS_getdents64, fd, buf, sizeof(buf)));
	CHECK_EQ(syscall(SYS_getdents64, fd, buf, sizeof(buf)), 0);
	CHECK_OK(lseek(fd, 0, SEEK_SET));
	CHECK_OK(again = syscall(SYS_getdents64, fd, buf, sizeof(buf)));
	CHECK_EQ(again, first);
	close(fd);
	return CONF_PASS;
}

static int readdir_100k_entries_seekdir_stable(struct testfs *t)
{
	enum { NLOWER = 100000, NUPPER = 100, NWHITE = 100 };
	struct listing l = { 0 };
	char name[32];
	int dfd, r;
	DIR *d;

	CHECK_OK(conf_mkdirs(L0("big"), 0755));
	CHECK_OK(conf_mkdirs(U("big"), 0755));
	CHECK_OK(dfd = open(L0("big"), O_RDONLY | O_DIRECTORY));
	for (int i = 0; i < NLOWER; i++) {
		snprintf(name, sizeof(name), "f%06d", i);
		int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		CHECK_OK(fd);
		close(fd);
	}
	close(dfd);
	for (int i = 0; i < NUPPER; i++) {
		snprintf(name, sizeof(name), "big/u%06d", i);
		CHECK_OK(conf_put(U(name), ""));
	}
	for (int i = 0; i < NWHITE; i++) {
		snprintf(name, sizeof(name), "big/f%06d", i * 997);
		CHECK_OK(conf_whiteout(U(name)));
	}
	MOUNT();
	CHECK((d = opendir(M("big"))) != NULL);
	if (listing_read(d, &l, NLOWER + NUPPER + 10) < 0) {
		closedir(d);
		listing_free(&l);
		CONF_FAILED("reading the merged dir");
	}
	r = l.n == NLOWER + NUPPER - NWHITE + 2
		    ? CONF_PASS
		    : conf_failf(__FILE__, __LINE__, 0, "%zu entries, want %d", l.n, NLOWER + NUPPER - NWHITE + 2);
	if (r == CONF_PASS)
		r = no_duplicates(&l);
	if (r == CONF_PASS)
		r = check_seeks(d, &l, 997);
	closedir(d);
	listing_free(&l);
	return r;
}

const struct conf_case conf_cases_readdir[] = {
	CONF_CASE(readdir_merges_all_layers, 3, 0),
	CONF_CASE(readdir_lists_name_in_several_layers_once, 3, 0),
	CONF_CASE(readdir_omits_whiteouts_and_hidden_names, 2, 0),
	CONF_CASE(readdir_omits_name_unlinked_through_mount, 1, 0),
	CONF_CASE(readdir_dot_and_dotdot_once, 2, 0),
	CONF_CASE(readdir_d_type_matches_lstat, 2, 0),
	CONF_CASE(readdir_sees_new_entry_after_rewind, 1, 0),
	CONF_CASE(readdir_nested_merged_dirs, 2, 0),
	CONF_CASE(readdir_empty_after_unlinking_all_lower_entries, 1, 0),
	CONF_CASE(readdir_telldir_seekdir_resume_same_entry, 2, 0),
	CONF_CASE(readdir_seekdir_to_start_repeats_listing, 2, 0),
	CONF_CASE(readdir_getdents_small_buffer_no_loss_no_dup, 2, 0),
	CONF_CASE(readdir_lseek_to_zero_restarts, 2, 0),
	CONF_CASE(readdir_100k_entries_seekdir_stable, 1, CONF_SLOW),
};
const size_t conf_ncases_readdir = sizeof(conf_cases_readdir) / sizeof(conf_cases_readdir[0]);
