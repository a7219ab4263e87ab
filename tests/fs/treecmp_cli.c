/* fs-treecmp: compare two directory trees (or saved descriptions of them).
 *   fs-treecmp [--max N] [--prefix STR] A B   exit 0 equal, 1 different, 2 error
 *   fs-treecmp --dump DIR                      print DIR's description
 * A and B are directories, or files written by --dump (so a tree can be
 * recorded while one filesystem is mounted and compared after another is). */
#include "treecmp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(void)
{
	fprintf(stderr, "usage: fs-treecmp [--max N] [--prefix STR] A B\n"
			"       fs-treecmp --dump DIR\n"
			"A, B: directories or files written by --dump\n");
}

static int load(const char *path, struct tree_desc *d)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return tree_describe(path, d);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	int r = tree_read(f, d);
	fclose(f);
	return r;
}

int main(int argc, char **argv)
{
	size_t max = 50;
	const char *prefix = "";
	int i = 1;
	if (argc == 3 && !strcmp(argv[1], "--dump")) {
		struct tree_desc d;
		int r = tree_describe(argv[2], &d);
		if (r < 0) {
			fprintf(stderr, "fs-treecmp: %s: %s\n", argv[2], strerror(-r));
			tree_free(&d);
			return 2;
		}
		tree_write(&d, stdout);
		tree_free(&d);
		return fflush(stdout) == 0 ? 0 : 2;
	}
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--max") && i + 1 < argc) {
			max = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--prefix") && i + 1 < argc) {
			prefix = argv[++i];
		} else {
			usage();
			return 2;
		}
	}
	if (argc - i != 2) {
		usage();
		return 2;
	}
	struct tree_desc a, b;
	int ra = load(argv[i], &a), rb = load(argv[i + 1], &b);
	if (ra < 0 || rb < 0) {
		fprintf(stderr, "fs-treecmp: %s: %s\n", argv[ra < 0 ? i : i + 1], strerror(-(ra < 0 ? ra : rb)));
		tree_free(&a);
		tree_free(&b);
		return 2;
	}
	size_t n = tree_compare(&a, &b, argv[i], argv[i + 1], stdout, prefix, max);
	tree_free(&a);
	tree_free(&b);
	return n ? 1 : 0;
}
