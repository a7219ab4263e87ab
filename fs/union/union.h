/* Internal state of one ctrfs union mount, shared by the fs/union/ files.
 *
 * Layers are numbered top down: with an upper dir, layer 0 is the upper and
 * 1..n the lowers; without one (read-only mount), 0..n-1 are the lowers and
 * first_lower is 0. Every merged object is a `struct node`, keyed by the
 * inode number ctrfs reports. A node knows its parent and name, so a backing
 * directory can always be reopened by walking the name chain from a layer's
 * root: no fd is held per node (RLIMIT_NOFILE is fixed here). */
#ifndef CTR_FS_UNION_H
#define CTR_FS_UNION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "idmap.h"
#include "low_space.h"
#include "mount_options.h"
#include "readahead.h"

struct layer {
	char *path;   /* resolved absolute path */
	int fd;       /* O_PATH directory fd of the layer root */
	dev_t dev;
};

/* Further names of a multiply-linked object that the kernel has looked up. */
struct node_alias {
	struct node *parent;
	char *name;
	struct node_alias *next;
};

struct node {   /* fields ordered by size: a million of these must stay small */
	uint64_t nodeid;        /* the kernel's handle: unique, never reused in a mount */
	uint64_t ino;           /* what ctrfs reports as st_ino and d_ino */
	uint64_t nlookup;       /* kernel references (lookup minus forget) */
	struct node *parent;    /* the name chain used to reach the backing object */
	char *name;
	struct node *id_next, *ino_next;  /* hash chains of the two indexes */
	ino_t backing_ino;      /* inode number in `layer` */
	struct node_alias *aliases;
	struct open_file *open_files; /* to stat an object whose names are all gone */
	char *redirect;         /* dirs: path of the lower parts below redirect_layer */
	uint32_t generation;    /* layout generation the layer fields were computed in */
	unsigned refs;          /* children whose name chain goes through this node, open handles */
	mode_t type;            /* S_IFMT bits */
	int16_t layer;          /* topmost layer holding the object */
	int16_t last_layer;     /* dirs: bottom layer that still merges (opaque stops it) */
	int16_t redirect_layer;
	bool ino_indexed;       /* false once a deleted object's number may be reused */
	bool removed;           /* no name left in the merged tree */
	_Atomic unsigned char wb_error; /* a refused writeback no writer was told of (writeback_error.h) */
};

struct union_fs {
	struct union_config cfg;
	struct layer *layers;
	int nlayers;
	int first_lower;        /* 1 with an upper dir, 0 without */
	bool has_upper;
	bool writeback;         /* the kernel's writeback cache is on */
	bool write_behind;      /* big writes go on to the disk at once */
	struct low_space low_space; /* when new write-only opens bypass the writeback cache */
	struct fuse_session *se;    /* for notifications to the kernel */
	int work_fd;            /* O_PATH fd of WORKDIR/work, -1 without upper */
	char *work_path;
	bool made_work_dir, made_work_sub;  /* to undo on a failed mount */
	const char *xattr_prefix;  /* "trusted.overlay." or "user.overlay." */

	pthread_rwlock_t tree_lock; /* writers: anything that changes the layers' trees */
	pthread_mutex_t table_lock; /* the node table and node refcounts */
	pthread_rwlock_t size_lock; /* backing file sizes: see writeback_error.h */
	struct node **by_id, **by_ino;
	size_t nbuckets, nnodes, nodes_peak;
	uint64_t next_nodeid;
	struct node *root;
	uint32_t generation;        /* bumped when directories move between layers */

	struct copyup_map *copied;  /* upper inode -> ctrfs inode of objects copied up */
	struct lower_links *links;  /* names of multiply-linked lower inodes, built lazily */
	struct dirfd_cache *dirfds;
	struct open_dir *open_dirs; /* handles the kernel has not released, under table_lock */
	uint64_t tmp_counter;
	struct readahead_tuning readahead;
	struct dir_prefetch *prefetch;  /* NULL: off */
	atomic_uint_fast64_t changes;   /* bumped by every request that changes the tree or a file */
};

/* Backing inode numbers are folded into the low 48 bits; the layer index + 1
 * sits above them, so objects of different layers never share a number. */
#define UNION_INO_LAYER_SHIFT 48

static inline bool layer_is_upper(const struct union_fs *fs, int layer)
{
	return fs->has_upper && layer == 0;
}

#endif
