/* Canonical description of a directory tree, for comparing what two union
 * filesystems show (or one of them before and after a remount).
 *
 * A description is one text line per path, sorted by path:
 *   PATH TYPE mode=MMMM uid=U gid=G [size=N fnv=H] [target=T] [rdev=MAJ:MIN]
 *        [xattr:NAME=VALUE ...] [links=P1,P2,...]
 * It deliberately leaves out what differs between correct implementations:
 * inode numbers, link counts, times, directory sizes, overlay-private xattrs
 * (user.overlay.*, trusted.*). Hard links show as the group of paths that share
 * an inode inside the tree. Bytes outside printable ASCII, spaces and '%' in
 * paths and values are written as %XX, so a line never breaks. */
#ifndef CTR_TESTS_FS_TREECMP_H
#define CTR_TESTS_FS_TREECMP_H

#include <stddef.h>
#include <stdio.h>

struct tree_desc {
	char **lines; /* sorted by path; each line starts with the escaped path */
	size_t n, cap;
};

/* Describes the tree under root (root itself shows as "."). Returns 0 or
 * -errno; on error *d holds what was read so far (free it with tree_free). */
int tree_describe(const char *root, struct tree_desc *d);
/* Reads a description written by tree_write. Returns 0 or -errno. */
int tree_read(FILE *in, struct tree_desc *d);
void tree_write(const struct tree_desc *d, FILE *out);
void tree_free(struct tree_desc *d);

/* Compares two descriptions; prints up to max_print differences to out (each
 * line prefixed with prefix, e.g. "# " for TAP) naming a_label/b_label.
 * Returns the number of differing paths (0 = equal). out may be NULL. */
size_t tree_compare(const struct tree_desc *a, const struct tree_desc *b,
		    const char *a_label, const char *b_label,
		    FILE *out, const char *prefix, size_t max_print);

/* 64-bit FNV-1a, exposed so tests can hash expected content the same way. */
#define TREE_FNV_INIT 0xcbf29ce484222325ULL
unsigned long long tree_fnv1a(unsigned long long h, const void *buf, size_t len);

#endif
