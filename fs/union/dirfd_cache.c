#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "dirfd_cache.h"

/* Open addressing would make deletion awkward; a chained table plus a clock
 * over a fixed slot array keeps both lookups and eviction O(1). */
struct slot {
	uint64_t ino;
	int layer;
	int fd;          /* -1: free slot */
	bool referenced; /* clock bit */
	int next;        /* hash chain, slot index or -1 */
};

struct dirfd_cache {
	pthread_mutex_t lock;
	struct slot *slots;
	int *heads;
	unsigned capacity, nheads, hand;
};

static unsigned bucket(const struct dirfd_cache *c, uint64_t ino, int layer)
{
	uint64_t k = ino * 0x9e3779b97f4a7c15ULL + (uint64_t)layer;
	return (unsigned)(k >> 32) & (c->nheads - 1);
}

struct dirfd_cache *dirfd_cache_new(unsigned capacity)
{
	struct dirfd_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->capacity = capacity;
	c->nheads = 1;
	while (c->nheads < capacity * 2)
		c->nheads <<= 1;
	c->slots = calloc(capacity, sizeof *c->slots);
	c->heads = malloc(c->nheads * sizeof *c->heads);
	if (!c->slots || !c->heads) {
		free(c->slots);
		free(c->heads);
		free(c);
		return NULL;
	}
	for (unsigned i = 0; i < capacity; i++)
		c->slots[i].fd = -1;
	for (unsigned i = 0; i < c->nheads; i++)
		c->heads[i] = -1;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void unlink_slot(struct dirfd_cache *c, int idx)
{
	struct slot *s = &c->slots[idx];
	int *p = &c->heads[bucket(c, s->ino, s->layer)];
	while (*p != -1 && *p != idx)
		p = &c->slots[*p].next;
	if (*p == idx)
		*p = s->next;
	close(s->fd);
	s->fd = -1;
}

int dirfd_cache_get(struct dirfd_cache *c, uint64_t ino, int layer)
{
	int fd = -1;
	pthread_mutex_lock(&c->lock);
	for (int i = c->heads[bucket(c, ino, layer)]; i != -1; i = c->slots[i].next) {
		struct slot *s = &c->slots[i];
		if (s->ino == ino && s->layer == layer) {
			s->referenced = true;
			fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return fd;
}

void dirfd_cache_put(struct dirfd_cache *c, uint64_t ino, int layer, int fd)
{
	pthread_mutex_lock(&c->lock);
	for (int i = c->heads[bucket(c, ino, layer)]; i != -1; i = c->slots[i].next) {
		if (c->slots[i].ino == ino && c->slots[i].layer == layer) {
			pthread_mutex_unlock(&c->lock);
			close(fd);   /* another thread cached it first */
			return;
		}
	}
	/* Clock: skip recently used slots once, take the first cold or free one. */
	int idx;
	for (;;) {
		idx = (int)c->hand;
		c->hand = (c->hand + 1) % c->capacity;
		struct slot *s = &c->slots[idx];
		if (s->fd == -1)
			break;
		if (!s->referenced) {
			unlink_slot(c, idx);
			break;
		}
		s->referenced = false;
	}
	struct slot *s = &c->slots[idx];
	s->ino = ino;
	s->layer = layer;
	s->fd = fd;
	s->referenced = true;
	unsigned b = bucket(c, ino, layer);
	s->next = c->heads[b];
	c->heads[b] = idx;
	pthread_mutex_unlock(&c->lock);
}

void dirfd_cache_drop(struct dirfd_cache *c, uint64_t ino, int nlayers)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	for (int layer = 0; layer < nlayers; layer++) {
		for (int i = c->heads[bucket(c, ino, layer)]; i != -1;) {
			int next = c->slots[i].next;
			if (c->slots[i].ino == ino && c->slots[i].layer == layer)
				unlink_slot(c, i);
			i = next;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

void dirfd_cache_clear(struct dirfd_cache *c)
{
	pthread_mutex_lock(&c->lock);
	for (unsigned i = 0; i < c->capacity; i++)
		if (c->slots[i].fd != -1)
			unlink_slot(c, (int)i);
	pthread_mutex_unlock(&c->lock);
}

void dirfd_cache_free(struct dirfd_cache *c)
{
	if (!c)
		return;
	dirfd_cache_clear(c);
	free(c->slots);
	free(c->heads);
	free(c);
}
