#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "lookup.h"
#include "lower_links.h"

struct link_name {
	ino_t ino;
	char *path;
};

struct layer_links {
	bool scanned;
	struct link_name *names;
	size_t count, cap;
	const char **scratch;     /* result buffer handed to callers */
};

struct lower_links {
	pthread_mutex_t lock;
	struct layer_links *layers;
};

static int add_name(struct layer_links *ll, ino_t ino, const char *path)
{
	if (ll->count == ll->cap) {
		size_t ncap = ll->cap ? ll->cap * 2 : 64;
		struct link_name *n = realloc(ll->names, ncap * sizeof *n);
		if (!n)
			return -ENOMEM;
		ll->names = n;
		ll->cap = ncap;
	}
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	ll->names[ll->count++] = (struct link_name){.ino = ino, .path = copy};
	return 0;
}

static int scan_dir(struct layer_links *ll, int dirfd, const char *rel)
{
	_cleanup_close_ int fd = openat(dirfd, rel[0] ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;   /* unreadable parts cannot be merged either */
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d)
		return -errno;
	steal_fd(&fd);  /* d owns it */
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) < 0)
			return -ENOMEM;
		if (de->d_type == DT_DIR) {
			r = scan_dir(ll, dirfd, path);
		} else if (de->d_type == DT_REG || de->d_type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0) {
				if (S_ISDIR(st.st_mode))
					r = scan_dir(ll, dirfd, path);
				else if (S_ISREG(st.st_mode) && st.st_nlink > 1)
					r = add_name(ll, st.st_ino, path);
			}
		}
	}
	return r;
}

static int by_ino(const void *a, const void *b)
{
	const struct link_name *x = a, *y = b;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

int lower_links_find(struct union_fs *fs, int layer, ino_t ino, const char ***paths, size_t *count)
{
	*count = 0;
	if (!fs->links) {
		struct lower_links *l = calloc(1, sizeof *l);
		if (!l || !(l->layers = calloc(fs->nlayers, sizeof *l->layers))) {
			free(l);
			return -ENOMEM;
		}
		pthread_mutex_init(&l->lock, NULL);
		fs->links = l;   /* callers hold the tree lock for writing */
	}
	struct lower_links *l = fs->links;
	pthread_mutex_lock(&l->lock);
	struct layer_links *ll = &l->layers[layer];
	int r = 0;
	if (!ll->scanned) {
		r = scan_dir(ll, fs->layers[layer].fd, "");
		qsort(ll->names, ll->count, sizeof *ll->names, by_ino);
		ll->scanned = r == 0;
	}
	size_t lo = 0, hi = ll->count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ll->names[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t n = 0;
	while (lo + n < ll->count && ll->names[lo + n].ino == ino)
		n++;
	free(ll->scratch);
	ll->scratch = calloc(n ? n : 1, sizeof *ll->scratch);
	if (!ll->scratch)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++)
		ll->scratch[i] = ll->names[lo + i].path;
	*paths = ll->scratch;
	*count = r == 0 ? n : 0;
	pthread_mutex_unlock(&l->lock);
	return r;
}

int lower_links_resolve(struct union_fs *fs, const char *path, struct node **parent, const char **base)
{
	struct node *cur = fs->root;
	const char *p = path;
	for (;;) {
		const char *slash = strchr(p, '/');
		if (!slash)
			break;
		char comp[NAME_MAX + 1];
		size_t len = (size_t)(slash - p);
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, p, len);
		comp[len] = '\0';
		struct node_info info;
		int r = union_lookup(fs, cur, comp, &info, NULL);
		if (r == 0 && info.type != S_IFDIR)
			r = -ENOTDIR;
		struct node *next = r == 0 ? node_remember(fs, cur, comp, &info) : NULL;
		if (cur != fs->root)
			node_forget(fs, cur, 1);
		if (!next)
			return r < 0 ? r : -ENOMEM;
		cur = next;
		p = slash + 1;
	}
	*parent = cur;
	*base = p;
	return 0;
}

void lower_links_free(struct union_fs *fs)
{
	struct lower_links *l = fs->links;
	if (!l)
		return;
	for (int i = 0; i < fs->nlayers; i++) {
		for (size_t j = 0; j < l->layers[i].count; j++)
			free(l->layers[i].names[j].path);
		free(l->layers[i].names);
		free(l->layers[i].scratch);
	}
	free(l->layers);
	free(l);
	fs->links = NULL;
}
