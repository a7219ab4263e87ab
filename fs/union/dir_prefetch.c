#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dir_prefetch.h"
#include "lookup.h"
#include "union.h"

#define AHEAD 2             /* directories prepared ahead of the walker */
#define MAX_PENDING 8192    /* directories remembered as still to visit */
#define MAX_ENTRIES 4096    /* bigger directories are not prepared */

struct prefetch_slot {
	struct node *dir;          /* held; NULL: free */
	uint64_t changes;          /* fs->changes when it was made */
	struct merged_dir listing;
	struct entry_attrs *attrs;
	bool ready, failed;
};

struct dir_prefetch {
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	pthread_t thread;
	bool stop;
	struct node **pending;     /* held; the walk's next directories, in order */
	size_t npending;
	size_t insert_at;          /* where the current directory's subdirs go */
	struct node *current;      /* the directory whose subdirs were queued last */
	struct prefetch_slot slots[AHEAD];
};

int merged_entry_attrs(struct union_fs *fs, struct node *dir, const struct merged_entry *e,
		       int *layer_fds, struct node_info *info, struct stat *st)
{
	/* A non-directory lives in exactly the layer the listing found it in;
	 * only directories need the full lookup (opaque markers, lower parts). */
	if (e->type == DT_DIR || e->type == DT_UNKNOWN)
		return union_lookup(fs, dir, e->name, info, st);
	if (layer_fds[e->layer] < 0 && (layer_fds[e->layer] = node_dirfd(fs, dir, e->layer)) < 0)
		return layer_fds[e->layer];
	if (fstatat(layer_fds[e->layer], e->name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	info->ino = e->ino;
	info->type = st->st_mode & S_IFMT;
	info->layer = info->last_layer = e->layer;
	info->backing_ino = st->st_ino;
	info->redirect[0] = '\0';
	info->redirect_layer = -1;
	return 0;
}

void entry_attrs_info(const struct entry_attrs *a, struct node_info *info)
{
	info->ino = a->ino;
	info->type = a->type;
	info->layer = a->layer;
	info->last_layer = a->last_layer;
	info->backing_ino = a->backing_ino;
	info->redirect_layer = a->redirect_layer;
	snprintf(info->redirect, sizeof info->redirect, "%s", a->redirect ? a->redirect : "");
}

static void free_attrs(struct entry_attrs *attrs, size_t count)
{
	for (size_t i = 0; attrs && i < count; i++)
		free(attrs[i].redirect);
	free(attrs);
}

/* Under pf->lock. */
static void slot_clear(struct union_fs *fs, struct prefetch_slot *s)
{
	if (!s->dir)
		return;
	if (s->ready && !s->failed) {
		free_attrs(s->attrs, s->listing.count);
		merged_dir_free(&s->listing);
	}
	node_release(fs, s->dir);
	*s = (struct prefetch_slot){0};
}

static struct prefetch_slot *slot_of(struct dir_prefetch *pf, struct node *dir)
{
	for (int i = 0; i < AHEAD; i++)
		if (pf->slots[i].dir == dir)
			return &pf->slots[i];
	return NULL;
}

/* Lists dir and stats its entries, as readdirplus would. Runs without
 * pf->lock, with the tree lock held for reading. */
static bool prepare(struct union_fs *fs, struct node *dir, struct merged_dir *listing,
		    struct entry_attrs **out)
{
	if (node_refresh(fs, dir) < 0 || merged_dir_load(fs, dir, listing) < 0)
		return false;
	struct entry_attrs *attrs = listing->count > MAX_ENTRIES ? NULL : calloc(listing->count + 1, sizeof *attrs);
	if (!attrs) {
		merged_dir_free(listing);
		return false;
	}
	int layer_fds[fs->nlayers];
	for (int i = 0; i < fs->nlayers; i++)
		layer_fds[i] = -1;
	for (size_t i = 0; i < listing->count; i++) {
		struct node_info info;
		struct entry_attrs *a = &attrs[i];
		a->status = merged_entry_attrs(fs, dir, &listing->entries[i], layer_fds, &info, &a->st);
		if (a->status < 0)
			continue;
		*a = (struct entry_attrs){.st = a->st, .ino = info.ino, .backing_ino = info.backing_ino,
					  .type = info.type, .layer = info.layer, .last_layer = info.last_layer,
					  .redirect_layer = info.redirect_layer,
					  .redirect = info.redirect[0] ? strdup(info.redirect) : NULL};
	}
	for (int i = 0; i < fs->nlayers; i++)
		if (layer_fds[i] >= 0)
			close(layer_fds[i]);
	*out = attrs;
	return true;
}

/* Under pf->lock: is dir one of the next AHEAD directories of the walk? */
static bool among_next(const struct dir_prefetch *pf, const struct node *dir)
{
	for (size_t i = 0; i < pf->npending && i < AHEAD; i++)
		if (pf->pending[i] == dir)
			return true;
	return false;
}

static void *prefetch_thread(void *arg)
{
	struct union_fs *fs = arg;
	struct dir_prefetch *pf = fs->prefetch;
	pthread_mutex_lock(&pf->lock);
	while (!pf->stop) {
		/* Results the walk has passed by or put off are dropped. */
		for (int i = 0; i < AHEAD; i++)
			if (pf->slots[i].dir && pf->slots[i].ready && !among_next(pf, pf->slots[i].dir))
				slot_clear(fs, &pf->slots[i]);
		/* The first of the next AHEAD pending directories without a slot. */
		struct node *dir = NULL;
		struct prefetch_slot *slot = NULL;
		for (size_t i = 0; i < pf->npending && i < AHEAD && !dir; i++)
			if (!slot_of(pf, pf->pending[i]))
				dir = pf->pending[i];
		if (dir)
			slot = slot_of(pf, NULL);
		if (!dir || !slot) {
			pthread_cond_wait(&pf->wake, &pf->lock);
			continue;
		}
		node_hold(fs, dir);
		slot->dir = dir;
		pthread_mutex_unlock(&pf->lock);

		struct merged_dir listing = {0};
		struct entry_attrs *attrs = NULL;
		pthread_rwlock_rdlock(&fs->tree_lock);
		uint64_t changes = atomic_load(&fs->changes);
		bool ok = prepare(fs, dir, &listing, &attrs);
		pthread_rwlock_unlock(&fs->tree_lock);

		pthread_mutex_lock(&pf->lock);
		slot->changes = changes;
		slot->listing = listing;
		slot->attrs = attrs;
		slot->failed = !ok;
		slot->ready = true;
		pthread_cond_broadcast(&pf->done);
	}
	pthread_mutex_unlock(&pf->lock);
	return NULL;
}

int dir_prefetch_start(struct union_fs *fs)
{
	const char *env = getenv("CTRFS_PREFETCH");
	if (env && strcmp(env, "0") == 0)
		return 0;
	struct dir_prefetch *pf = calloc(1, sizeof *pf);
	if (!pf || !(pf->pending = calloc(MAX_PENDING, sizeof *pf->pending))) {
		free(pf);
		return -ENOMEM;
	}
	pthread_mutex_init(&pf->lock, NULL);
	pthread_cond_init(&pf->wake, NULL);
	pthread_cond_init(&pf->done, NULL);
	fs->prefetch = pf;
	if (pthread_create(&pf->thread, NULL, prefetch_thread, fs) != 0) {
		fs->prefetch = NULL;
		free(pf->pending);
		free(pf);
		return 0;   /* walks just get no help */
	}
	return 0;
}

void dir_prefetch_stop(struct union_fs *fs)
{
	struct dir_prefetch *pf = fs->prefetch;
	if (!pf)
		return;
	pthread_mutex_lock(&pf->lock);
	pf->stop = true;
	pthread_cond_broadcast(&pf->wake);
	pthread_mutex_unlock(&pf->lock);
	pthread_join(pf->thread, NULL);
	for (int i = 0; i < AHEAD; i++)
		slot_clear(fs, &pf->slots[i]);
	for (size_t i = 0; i < pf->npending; i++)
		node_release(fs, pf->pending[i]);
	free(pf->pending);
	fs->prefetch = NULL;
	free(pf);
}

/* Under pf->lock: forget pending[0..n) and their prepared results. */
static void drop_pending(struct union_fs *fs, struct dir_prefetch *pf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct prefetch_slot *s = slot_of(pf, pf->pending[i]);
		if (s && s->ready)
			slot_clear(fs, s);
		node_release(fs, pf->pending[i]);
	}
	memmove(pf->pending, pf->pending + n, (pf->npending - n) * sizeof *pf->pending);
	pf->npending -= n;
}

void dir_prefetch_walked(struct union_fs *fs, struct node *dir, bool first, struct node **subdirs,
			 size_t count)
{
	struct dir_prefetch *pf = fs->prefetch;
	if (!pf)
		return;
	pthread_mutex_lock(&pf->lock);
	if (first || pf->current != dir) {
		/* The walk got to dir: what was queued before it was skipped. */
		size_t at = 0;
		while (at < pf->npending && pf->pending[at] != dir)
			at++;
		drop_pending(fs, pf, at < pf->npending ? at + 1 : 0);
		pf->current = dir;
		pf->insert_at = 0;
	}
	if (count > MAX_PENDING - pf->npending)
		count = MAX_PENDING - pf->npending;
	memmove(pf->pending + pf->insert_at + count, pf->pending + pf->insert_at,
		(pf->npending - pf->insert_at) * sizeof *pf->pending);
	for (size_t i = 0; i < count; i++) {
		node_hold(fs, subdirs[i]);
		pf->pending[pf->insert_at + i] = subdirs[i];
	}
	pf->npending += count;
	pf->insert_at += count;
	if (count)
		pthread_cond_signal(&pf->wake);
	pthread_mutex_unlock(&pf->lock);
}

bool dir_prefetch_take(struct union_fs *fs, struct node *dir, struct merged_dir *listing,
		       struct entry_attrs **attrs, uint64_t *changes)
{
	struct dir_prefetch *pf = fs->prefetch;
	if (!pf)
		return false;
	pthread_mutex_lock(&pf->lock);
	struct prefetch_slot *s = slot_of(pf, dir);
	while (s && !s->ready) {   /* being made right now: cheaper to wait */
		pthread_cond_wait(&pf->done, &pf->lock);
		s = slot_of(pf, dir);
	}
	bool ok = s && !s->failed && s->changes == atomic_load(&fs->changes);
	if (ok) {
		*listing = s->listing;
		*attrs = s->attrs;
		*changes = s->changes;
		s->ready = false;    /* handed over: slot_clear must not free them */
		node_release(fs, s->dir);
		*s = (struct prefetch_slot){0};
	} else if (s) {
		slot_clear(fs, s);
	}
	pthread_cond_signal(&pf->wake);   /* a slot is free again */
	pthread_mutex_unlock(&pf->lock);
	return ok;
}
