#include <errno.h>
#include <fuse_lowlevel.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "dirfd_cache.h"
#include "nodes.h"

/* A small open-addressing map from upper inode numbers to the ctrfs inode
 * numbers of the objects copied there, so copy-up never changes st_ino. */
struct copyup_map {
	uint64_t *keys, *vals;   /* key 0 = empty slot (no filesystem uses inode 0) */
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

static int copyup_map_put_locked(struct copyup_map *m, uint64_t key, uint64_t val)
{
	if ((m->used + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		uint64_t *nk = calloc(ncap, sizeof *nk), *nv = calloc(ncap, sizeof *nv);
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

static uint64_t copyup_map_get(struct copyup_map *m, uint64_t key)
{
	uint64_t val = 0;
	pthread_mutex_lock(&m->lock);
	if (m->cap) {
		size_t j = hash64(key) & (m->cap - 1);
		while (m->keys[j]) {
			if (m->keys[j] == key) {
				val = m->vals[j];
				break;
			}
			j = (j + 1) & (m->cap - 1);
		}
	}
	pthread_mutex_unlock(&m->lock);
	return val;
}

void ino_remember_copyup(struct union_fs *fs, ino_t upper_ino, uint64_t ino)
{
	pthread_mutex_lock(&fs->copied->lock);
	copyup_map_put_locked(fs->copied, upper_ino, ino);
	pthread_mutex_unlock(&fs->copied->lock);
}

uint64_t union_ino_for(struct union_fs *fs, int layer, ino_t backing_ino)
{
	if (layer_is_upper(fs, layer)) {
		uint64_t kept = copyup_map_get(fs->copied, backing_ino);
		if (kept)
			return kept;
	}
	uint64_t low = (uint64_t)backing_ino;
	/* Fold numbers above 48 bits in; ext4, xfs and btrfs stay well below. */
	low = (low ^ (low >> UNION_INO_LAYER_SHIFT)) & ((1ULL << UNION_INO_LAYER_SHIFT) - 1);
	return ((uint64_t)(layer + 1) << UNION_INO_LAYER_SHIFT) | low;
}

int nodes_init(struct union_fs *fs)
{
	fs->nbuckets = 1024;
	fs->buckets = calloc(fs->nbuckets, sizeof *fs->buckets);
	fs->copied = calloc(1, sizeof *fs->copied);
	fs->root = calloc(1, sizeof *fs->root);
	if (!fs->buckets || !fs->copied || !fs->root)
		return -ENOMEM;
	pthread_mutex_init(&fs->copied->lock, NULL);
	pthread_mutex_init(&fs->table_lock, NULL);
	pthread_rwlock_init(&fs->tree_lock, NULL);

	struct node *r = fs->root;
	r->ino = FUSE_ROOT_ID;
	r->nlookup = 1;
	r->refs = 1;
	r->name = strdup("");
	r->type = S_IFDIR;
	r->layer = 0;
	r->last_layer = fs->nlayers - 1;
	struct stat st;
	if (fstat(fs->layers[0].fd, &st) == 0)
		r->backing_ino = st.st_ino;
	fs->buckets[hash64(r->ino) & (fs->nbuckets - 1)] = r;
	fs->nnodes = 1;
	return r->name ? 0 : -ENOMEM;
}

static void table_insert_locked(struct union_fs *fs, struct node *n)
{
	if (fs->nnodes + 1 > fs->nbuckets) {
		size_t nb = fs->nbuckets * 2;
		struct node **b = calloc(nb, sizeof *b);
		if (b) {
			for (size_t i = 0; i < fs->nbuckets; i++) {
				struct node *c = fs->buckets[i], *next;
				for (; c; c = next) {
					next = c->hash_next;
					size_t j = hash64(c->ino) & (nb - 1);
					c->hash_next = b[j];
					b[j] = c;
				}
			}
			free(fs->buckets);
			fs->buckets = b;
			fs->nbuckets = nb;
		}
	}
	size_t j = hash64(n->ino) & (fs->nbuckets - 1);
	n->hash_next = fs->buckets[j];
	fs->buckets[j] = n;
	fs->nnodes++;
}

static struct node *table_find_locked(struct union_fs *fs, uint64_t ino)
{
	struct node *n = fs->buckets[hash64(ino) & (fs->nbuckets - 1)];
	while (n && n->ino != ino)
		n = n->hash_next;
	return n;
}

static void table_remove_locked(struct union_fs *fs, struct node *n)
{
	struct node **p = &fs->buckets[hash64(n->ino) & (fs->nbuckets - 1)];
	while (*p && *p != n)
		p = &(*p)->hash_next;
	if (*p) {
		*p = n->hash_next;
		fs->nnodes--;
	}
}

struct node *node_by_id(struct union_fs *fs, uint64_t nodeid)
{
	if (nodeid == FUSE_ROOT_ID)
		return fs->root;
	pthread_mutex_lock(&fs->table_lock);
	struct node *n = table_find_locked(fs, nodeid);
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
	char *copy = strdup(name);
	if (!copy)
		return NULL;
	pthread_mutex_lock(&fs->table_lock);
	struct node *n = table_find_locked(fs, info->ino);
	if (n) {
		/* Another name of a known object (a hard link), or the same name again.
		 * Keep the chain that works; take the new one if the old one is gone. */
		if (n->removed) {
			set_name_locked(fs, n, parent, copy);
			n->removed = false;
			copy = NULL;
		} else if ((n->parent != parent || strcmp(n->name, name) != 0) && !find_alias(n, parent, name)) {
			struct node_alias *a = malloc(sizeof *a);
			if (a) {
				*a = (struct node_alias){.parent = parent, .name = copy, .next = n->aliases};
				parent->refs++;
				n->aliases = a;
				copy = NULL;
			}
		}
		n->type = info->type;
		n->layer = info->layer;
		n->last_layer = info->last_layer;
		n->backing_ino = info->backing_ino;
		n->generation = fs->generation;
		n->nlookup++;
		pthread_mutex_unlock(&fs->table_lock);
		free(copy);
		return n;
	}
	n = calloc(1, sizeof *n);
	if (!n) {
		pthread_mutex_unlock(&fs->table_lock);
		free(copy);
		return NULL;
	}
	n->ino = info->ino;
	n->type = info->type;
	n->layer = info->layer;
	n->last_layer = info->last_layer;
	n->backing_ino = info->backing_ino;
	n->generation = fs->generation;
	n->nlookup = 1;
	n->name = copy;
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
		dirfd_cache_drop(fs->dirfds, n->ino, fs->nlayers);
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
	for (size_t i = 0; fs->buckets && i < fs->nbuckets; i++) {
		struct node *n = fs->buckets[i], *next;
		for (; n; n = next) {
			next = n->hash_next;
			free(n->name);
			free(n);
		}
	}
	free(fs->buckets);
	fs->buckets = NULL;
	if (fs->copied) {
		free(fs->copied->keys);
		free(fs->copied->vals);
		free(fs->copied);
		fs->copied = NULL;
	}
}
