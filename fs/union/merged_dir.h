/* The merged listing of a directory: every layer's entries, topmost first,
 * without duplicates, whiteouts or what they hide. Built once per opendir
 * (and again on rewind), so offsets are indexes that stay valid across calls. */
#ifndef CTR_FS_MERGED_DIR_H
#define CTR_FS_MERGED_DIR_H

#include <stddef.h>
#include <stdint.h>

#include "nodes.h"

struct merged_entry {
	const char *name;
	uint64_t ino;
	unsigned char type;   /* DT_* */
	int layer;
};

struct merged_dir {
	struct merged_entry *entries;
	size_t count, cap;
	char **chunks;        /* name storage */
	size_t nchunks, chunk_used;
	uint32_t *index;      /* open-addressing set of names seen (entries and whiteouts) */
	size_t index_cap;
	const char **hidden;  /* names hidden by whiteouts, kept in the set only */
	size_t nhidden, hidden_cap;
};

int merged_dir_load(struct union_fs *fs, struct node *dir, struct merged_dir *out);
void merged_dir_free(struct merged_dir *d);
/* True when the merged directory has no entries (rmdir/rename target check). */
int merged_dir_is_empty(struct union_fs *fs, struct node *dir);

#endif
