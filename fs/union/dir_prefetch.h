/* Read-ahead for directory walks (find, du, tar, cp -r).
 *
 * A walker lists a directory, then opens its subdirectories one after the
 * other, depth first. Each READDIRPLUS makes the daemon stat every entry
 * while the walker waits. The prefetcher does that work for the next
 * directories the walk will open, on its own thread, while the walker is
 * busy with the current one: when the walker gets there, the listing and the
 * stats are ready. Only a couple of directories are prepared ahead, so a
 * walk that stops early wastes little.
 *
 * Prepared results are used only if nothing in the mount changed since they
 * were made: fs->changes is bumped when a request takes the tree lock for
 * writing (the prefetcher holds it for reading while it works) and after
 * every write or fallocate of file data (those do not take the lock). */
#ifndef CTR_FS_DIR_PREFETCH_H
#define CTR_FS_DIR_PREFETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "lookup.h"
#include "merged_dir.h"

/* What readdirplus needs of one entry (a node_info without its big
 * redirect buffer), or status -errno (-ENOENT: gone since the listing). */
struct entry_attrs {
	struct stat st;
	uint64_t ino;
	ino_t backing_ino;
	char *redirect;       /* NULL: none */
	mode_t type;
	int layer, last_layer, redirect_layer;
	int status;
};

/* The lookup information and backing stat of listing entry e of dir.
 * layer_fds (fs->nlayers, -1 at first) caches the dir's fds per layer; the
 * caller closes them. Returns 0 or -errno. */
int merged_entry_attrs(struct union_fs *fs, struct node *dir, const struct merged_entry *e,
		       int *layer_fds, struct node_info *info, struct stat *st);
void entry_attrs_info(const struct entry_attrs *a, struct node_info *info);

/* Starts the prefetch thread (CTRFS_PREFETCH=0 leaves it off). */
int dir_prefetch_start(struct union_fs *fs);
void dir_prefetch_stop(struct union_fs *fs);

/* READDIRPLUS of dir at offset `first` returned these subdirectories: the
 * walk will visit them next (before what was queued earlier). */
void dir_prefetch_walked(struct union_fs *fs, struct node *dir, bool first, struct node **subdirs,
			 size_t count);

/* Hands over the prepared listing and attributes of dir (entry i of the
 * listing at attrs[i]), if they are ready and still valid, with the value of
 * fs->changes they are valid for. The caller holds the tree lock for
 * reading, frees both. */
bool dir_prefetch_take(struct union_fs *fs, struct node *dir, struct merged_dir *listing,
		       struct entry_attrs **attrs, uint64_t *changes);

#endif
