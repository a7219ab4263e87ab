#include <errno.h>
#include <fuse_lowlevel.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "ctr/cleanup.h"
#include "dirfd_cache.h"
#include "nodes.h"

/* A small open-addressing map from upper inode numbers to the ctrfs inode
 * numbers of the objects copied there, so copy-up never changes st_ino. An
 * upper inode number is reused once its file is deleted, so each entry also
 * keeps the birth time of the copy: a different birth time means a new file. */
struct copied_ino {
	uint64_t ino;
	int64_t btime_sec;
	uint32_t btime_nsec;
};

struct copyup_map {
	uint64_t *keys;          /* 0 = empty slot (no filesystem uses inode 0) */
	struct copied_ino *vals;
	size_t cap, used;
	pthread_mutex_t lock;
};

static size_t hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

static int copyup_map_put_locked(struct copyup_map *m, uint64_t key, struct copied_ino val)
{
	if ((m->used + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		uint64_t *nk = calloc(ncap, sizeof *nk);
		struct copied_ino *nv = calloc(ncap, sizeof *nv);
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return -ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			size_t j = hash64(m->keys[i]) & (ncap - 1);
			while (nk[j])
				j = (j + 1) & (ncap - 1);
			nk[j] = m->keys[i];
			nv[j] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = nk;
		m->vals = nv;
		m->cap = ncap;
	}
	size_t j = hash64(key) & (m->cap - 1);
	while (m->keys[j] && m->keys[j] != key)
		j = (j + 1) & (m->cap - 1);
	if (!m->keys[j])
		m->used++;
	m->keys[j] = key;
	m->vals[j] = val;
	return 0;
}

static bool copyup_map_get(struct copyup_map *m, uint64_t key, struct copied_ino *val)
{
	bool found = false;
	pthread_mutex_lock(&m->lock);
	if (m->cap) {
		size_t j = hash64(key) & (m->cap - 1);
		while (m->keys[j]) {
			if (m->keys[j] == key) {
				*val = m->vals[j];
				found = true;
				break;
			}
			j = (j + 1) & (m->cap - 1);
		}
	}
	pthread_mutex_unlock(&m->lock);
	return found;
}

static bool birth_time(int dirfd, const char *name, struct statx *stx)
{
	return statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_INO | STATX_BTIME, stx) == 0;
}

void ino_remember_copyup(struct union_fs *fs, int dirfd, const char *name, uint64_t ino)
{
	struct statx stx;
	if (!birth_time(dirfd, name, &stx))
		return;
	struct copied_ino val = {.ino = ino};
	if (stx.stx_mask & STATX_BTIME) {
		val.btime_sec = stx.stx_btime.tv_sec;
		val.btime_nsec = stx.stx_btime.tv_nsec;
	}
	pthread_mutex_lock(&fs->copied->lock);
	copyup_map_put_locked(fs->copied, stx.stx_ino, val);
	pthread_mutex_unlock(&fs->copied->lock);
}

uint64_t union_ino_for(struct union_fs *fs, int layer, ino_t backing_ino, int dirfd, const char *name)
{
	struct copied_ino kept;
	struct statx stx;
	if (layer_is_upper(fs, layer) && copyup_map_get(fs->copied, backing_ino, &kept) &&
	    birth_time(dirfd, name, &stx) && stx.stx_ino == backing_ino) {
		bool has_btime = stx.stx_mask & STATX_BTIME;
		if (!has_btime || (stx.stx_btime.tv_sec == kept.btime_sec && stx.stx_btime.tv_nsec == kept.btime_nsec))
			return kept.ino;
	}
	uint64_t low = (uint64_t)backing_ino;
	/* Fold numbers above 48 bits in; ext4, xfs and btrfs stay well below. */
	low = (low ^ (low >> UNION_INO_LAYER_SHIFT)) & ((1ULL << UNION_INO_LAYER_SHIFT) - 1);
	return ((uint64_t)(layer + 1) << UNION_INO_LAYER_SHIFT) | low;
}

int nodes_init(struct union_fs *fs)
{
	fs->nbuckets = 1024;
	fs->by_id = calloc(fs->nbuckets, sizeof *fs->by_id);
	fs->by_ino = calloc(fs->nbuckets, sizeof *fs->by_ino);
	fs->copied = calloc(1, sizeof *fs->copied);
	fs->root = calloc(1, sizeof *fs->root);
	if (!fs->by_id || !fs->by_ino || !fs->copied || !fs->root)
		return -ENOMEM;
	pthread_mutex_init(&fs->copied->lock, NULL);
	pthread_mutex_init(&fs->table_lock, NULL);
	pthread_rwlock_init(&fs->tree_lock, NULL);

	struct node *r = fs->root;
	r->nodeid = r->ino = FUSE_ROOT_ID;
	fs->next_nodeid = FUSE_ROOT_ID + 1;
	r->nlookup = 1;
	r->refs = 1;
	r->name = strdup("");
	r->type = S_IFDIR;
	r->layer = 0;
	r->last_layer = fs->nlayers - 1;
	r->redirect_layer = -1;
	struct stat st;
	if (fstat(fs->layers[0].fd, &st) == 0)
		r->backing_ino = st.st_ino;
	fs->by_id[hash64(r->nodeid) & (fs->nbuckets - 1)] = r;
	fs->nnodes = 1;
	return r->name ? 0 : -ENOMEM;
}

static void rehash_locked(struct union_fs *fs)
{
	size_t nb = fs->nbuckets * 2;
	struct node **id = calloc(nb, sizeof *id), **ino = calloc(nb, sizeof *ino);
	if (!id || !ino) {
		free(id);
		free(ino);
		return;   /* chains just get longer */
	}
	for (size_t i = 0; i < fs->nbuckets; i++) {
		for (struct node *c = fs->by_id[i], *next; c; c = next) {
			next = c->id_next;
			size_t j = hash64(c->nodeid) & (nb - 1);
			c->id_next = id[j];
			id[j] = c;
		}
		for (struct node *c = fs->by_ino[i], *next; c; c = next) {
			next = c->ino_next;
			size_t j = hash64(c->ino) & (nb - 1);
			c->ino_next = ino[j];
			ino[j] = c;
		}
	}
	free(fs->by_id);
	free(fs->by_ino);
	fs->by_id = id;
	fs->by_ino = ino;
	fs->nbuckets = nb;
}

static void table_insert_locked(struct union_fs *fs, struct node *n)
{
	if (fs->nnodes + 1 > fs->nbuckets)
		rehash_locked(fs);
	n->nodeid = fs->next_nodeid++;
	size_t j = hash64(n->nodeid) & (fs->nbuckets - 1);
	n->id_next = fs->by_id[j];
	fs->by_id[j] = n;
	j = hash64(n->ino) & (fs->nbuckets - 1);
	n->ino_next = fs->by_ino[j];
	fs->by_ino[j] = n;
	n->ino_indexed = true;
	fs->nnodes++;
}

static struct node *find_by_id_locked(struct union_fs *fs, uint64_t nodeid)
{
	struct node *n = fs->by_id[hash64(nodeid) & (fs->nbuckets - 1)];
	while (n && n->nodeid != nodeid)
		n = n->id_next;
	return n;
}

static struct node *find_by_ino_locked(struct union_fs *fs, uint64_t ino)
{
	struct node *n = fs->by_ino[hash64(ino) & (fs->nbuckets - 1)];
	while (n && n->ino != ino)
		n = n->ino_next;
	return n;
}

static void unindex_ino_locked(struct union_fs *fs, struct node *n)
{
	if (!n->ino_indexed)
		return;
	struct node **p = &fs->by_ino[hash64(n->ino) & (fs->nbuckets - 1)];
	while (*p && *p != n)
		p = &(*p)->ino_next;
	if (*p)
		*p = n->ino_next;
	n->ino_indexed = false;
}

static void table_remove_locked(struct union_fs *fs, struct node *n)
{
	unindex_ino_locked(fs, n);
	struct node **p = &fs->by_id[hash64(n->nodeid) & (fs->nbuckets - 1)];
	while (*p && *p != n)
		p = &(*p)->id_next;
	if (*p) {
		*p = n->id_next;
		fs->nnodes--;
	}
}

struct node *node_by_id(struct union_fs *fs, uint64_t nodeid)
{
	if (nodeid == FUSE_ROOT_ID)
		return fs->root;
	pthread_mutex_lock(&fs->table_lock);
	struct node *n = find_by_id_locked(fs, nodeid);
	pthread_mutex_unlock(&fs->table_lock);
	return n;
}

struct node *node_by_ino(struct union_fs *fs, uint64_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return fs->root;
	pthread_mutex_lock(&fs->table_lock);
	struct node *n = find_by_ino_locked(fs, ino);
	pthread_mutex_unlock(&fs->table_lock);
	return n;
}

/* Drops one reference; frees the node and walks up when none remain. */
static void unref_locked(struct union_fs *fs, struct node *n)
{
	while (n && n != fs->root) {
		if (--n->refs > 0 || n->nlookup > 0)
			return;
		struct node *parent = n->parent;
		table_remove_locked(fs, n);
		while (n->aliases) {
			struct node_alias *a = n->aliases;
			n->aliases = a->next;
			free(a->name);
			unref_locked(fs, a->parent);
			free(a);
		}
		if (n->type == S_IFDIR)
			dirfd_cache_drop(fs->dirfds, n->ino, fs->nlayers);
		free(n->name);
		free(n->redirect);
		free(n);
		n = parent;
	}
}

static void set_name_locked(struct union_fs *fs, struct node *n, struct node *parent, char *name)
{
	struct node *old_parent = n->parent;
	free(n->name);
	n->name = name;
	if (parent)
		parent->refs++;
	n->parent = parent;
	if (old_parent)
		unref_locked(fs, old_parent);
}

/* Copies a lookup's findings into a node (table lock held). */
static void take_info_locked(struct union_fs *fs, struct node *n, const struct node_info *info)
{
	n->type = info->type;
	n->layer = info->layer;
	n->last_layer = info->last_layer;
	n->backing_ino = info->backing_ino;
	n->generation = fs->generation;
	bool same = info->redirect_layer >= 0 && n->redirect && strcmp(n->redirect, info->redirect) == 0;
	if (!same) {
		free(n->redirect);
		n->redirect = info->redirect_layer >= 0 ? strdup(info->redirect) : NULL;
	}
	n->redirect_layer = n->redirect ? info->redirect_layer : -1;
}

void node_update(struct union_fs *fs, struct node *n, const struct node_info *info)
{
	pthread_mutex_lock(&fs->table_lock);
	take_info_locked(fs, n, info);
	pthread_mutex_unlock(&fs->table_lock);
}

static struct node_alias **find_alias(struct node *n, struct node *parent, const char *name)
{
	for (struct node_alias **a = &n->aliases; *a; a = &(*a)->next)
		if ((*a)->parent == parent && strcmp((*a)->name, name) == 0)
			return a;
	return NULL;
}

struct node *node_remember(struct union_fs *fs, struct node *parent, const char *name,
			   const struct node_info *info)
{
	_cleanup_free_ char *copy = strdup(name);
	if (!copy)
		return NULL;
	pthread_mutex_lock(&fs->table_lock);
	struct node *n = find_by_ino_locked(fs, info->ino);
	if (n && n->removed && layer_is_upper(fs, n->layer)) {
		/* A deleted upper object's inode number was reused by a new one: the
		 * kernel may still hold the old node (an open file), so the new
		 * object gets a node, and a node id, of its own. */
		unindex_ino_locked(fs, n);
		n = NULL;
	}
	if (n) {
		/* Another name of a known object (a hard link), or the same name again.
		 * Keep the chain that works; take the new one if the old one is gone. */
		if (n->removed) {
			set_name_locked(fs, n, parent, steal_pointer(&copy));
			n->removed = false;
		} else if ((n->parent != parent || strcmp(n->name, name) != 0) && !find_alias(n, parent, name)) {
			struct node_alias *a = malloc(sizeof *a);
			if (a) {
				*a = (struct node_alias){.parent = parent, .name = steal_pointer(&copy),
							 .next = n->aliases};
				parent->refs++;
				n->aliases = a;
			}
		}
		take_info_locked(fs, n, info);
		n->nlookup++;
		pthread_mutex_unlock(&fs->table_lock);
		return n;
	}
	n = calloc(1, sizeof *n);
	if (!n) {
		pthread_mutex_unlock(&fs->table_lock);
		return NULL;
	}
	n->ino = info->ino;
	take_info_locked(fs, n, info);
	n->nlookup = 1;
	n->name = steal_pointer(&copy);
	n->parent = parent;
	parent->refs++;
	table_insert_locked(fs, n);
	pthread_mutex_unlock(&fs->table_lock);
	return n;
}

/* After the kernel forgot most nodes (drop_caches, memory pressure), hand the
 * freed memory back: glibc keeps it in its arenas otherwise. */
static void give_memory_back_locked(struct union_fs *fs)
{
	if (fs->nnodes > fs->nodes_peak)
		fs->nodes_peak = fs->nnodes;
	if (fs->nodes_peak >= 20000 && fs->nnodes < fs->nodes_peak / 4) {
		malloc_trim(0);
		fs->nodes_peak = fs->nnodes;
	}
}

void node_forget(struct union_fs *fs, struct node *n, uint64_t count)
{
	if (n == fs->root)
		return;
	pthread_mutex_lock(&fs->table_lock);
	n->nlookup = count >= n->nlookup ? 0 : n->nlookup - count;
	if (n->nlookup == 0) {
		n->refs++;           /* unref_locked expects to drop a reference */
		unref_locked(fs, n);
		give_memory_back_locked(fs);
	}
	pthread_mutex_unlock(&fs->table_lock);
}

int node_rename(struct union_fs *fs, struct node *n, struct node *parent, const char *name,
		struct node *new_parent, const char *new_name)
{
	char *copy = strdup(new_name);
	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&fs->table_lock);
	struct node_alias **a = find_alias(n, parent, name);
	if (a) {
		free((*a)->name);
		(*a)->name = copy;
		new_parent->refs++;
		unref_locked(fs, (*a)->parent);
		(*a)->parent = new_parent;
	} else {
		set_name_locked(fs, n, new_parent, copy);
		n->removed = false;
	}
	pthread_mutex_unlock(&fs->table_lock);
	return 0;
}

void node_drop_name(struct union_fs *fs, struct node *n, struct node *parent, const char *name)
{
	pthread_mutex_lock(&fs->table_lock);
	struct node_alias **a = find_alias(n, parent, name);
	if (a) {
		struct node_alias *gone = *a;
		*a = gone->next;
		free(gone->name);
		unref_locked(fs, gone->parent);
		free(gone);
	} else if (n->parent == parent && strcmp(n->name, name) == 0) {
		if (n->aliases) {
			struct node_alias *next = n->aliases;
			n->aliases = next->next;
			set_name_locked(fs, n, next->parent, next->name);
			unref_locked(fs, next->parent);   /* the alias's reference moved to the primary */
			free(next);
		} else {
			n->removed = true;
		}
	}
	bool gone = n->removed;
	pthread_mutex_unlock(&fs->table_lock);
	if (gone && n->type == S_IFDIR)
		dirfd_cache_drop(fs->dirfds, n->nodeid, fs->nlayers);
}

void node_hold(struct union_fs *fs, struct node *n)
{
	pthread_mutex_lock(&fs->table_lock);
	n->refs++;
	pthread_mutex_unlock(&fs->table_lock);
}

void node_release(struct union_fs *fs, struct node *n)
{
	pthread_mutex_lock(&fs->table_lock);
	unref_locked(fs, n);
	pthread_mutex_unlock(&fs->table_lock);
}

void nodes_destroy(struct union_fs *fs)
{
	for (size_t i = 0; fs->by_id && i < fs->nbuckets; i++) {
		for (struct node *n = fs->by_id[i], *next; n; n = next) {
			next = n->id_next;
			while (n->aliases) {
				struct node_alias *a = n->aliases;
				n->aliases = a->next;
				free(a->name);
				free(a);
			}
			free(n->name);
			free(n->redirect);
			free(n);
		}
	}
	free(fs->by_id);
	free(fs->by_ino);
	fs->by_id = fs->by_ino = NULL;
	fs->root = NULL;
	if (fs->copied) {
		free(fs->copied->keys);
		free(fs->copied->vals);
		free(fs->copied);
		fs->copied = NULL;
	}
}
