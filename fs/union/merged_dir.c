#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "lookup.h"
#include "merged_dir.h"
#include "whiteout.h"

#define CHUNK_SIZE (64 * 1024)

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static char *store_name(struct merged_dir *d, const char *name)
{
	size_t len = strlen(name) + 1;
	if (d->nchunks == 0 || d->chunk_used + len > CHUNK_SIZE) {
		char **n = realloc(d->chunks, (d->nchunks + 1) * sizeof *n);
		if (!n)
			return NULL;
		d->chunks = n;
		if (!(d->chunks[d->nchunks] = malloc(CHUNK_SIZE)))
			return NULL;
		d->nchunks++;
		d->chunk_used = 0;
	}
	char *p = d->chunks[d->nchunks - 1] + d->chunk_used;
	memcpy(p, name, len);
	d->chunk_used += len;
	return p;
}

/* The set holds entry indexes (value i+1) and hidden names (value with the top
 * bit set, index into d->hidden). */
static const char *set_name_at(const struct merged_dir *d, uint32_t v)
{
	return (v & 0x80000000u) ? d->hidden[v & 0x7fffffffu] : d->entries[v - 1].name;
}

static int set_grow(struct merged_dir *d)
{
	size_t ncap = d->index_cap ? d->index_cap * 2 : 256;
	uint32_t *n = calloc(ncap, sizeof *n);
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < d->index_cap; i++) {
		uint32_t v = d->index[i];
		if (!v)
			continue;
		size_t j = name_hash(set_name_at(d, v)) & (ncap - 1);
		while (n[j])
			j = (j + 1) & (ncap - 1);
		n[j] = v;
	}
	free(d->index);
	d->index = n;
	d->index_cap = ncap;
	return 0;
}

/* Returns a pointer to the slot for name: 0 there means not seen. */
static uint32_t *set_slot(struct merged_dir *d, const char *name)
{
	size_t j = name_hash(name) & (d->index_cap - 1);
	while (d->index[j] && strcmp(set_name_at(d, d->index[j]), name) != 0)
		j = (j + 1) & (d->index_cap - 1);
	return &d->index[j];
}

static int remember_hidden(struct merged_dir *d, uint32_t *slot, const char *name)
{
	if (d->nhidden == d->hidden_cap) {
		size_t ncap = d->hidden_cap ? d->hidden_cap * 2 : 16;
		const char **n = realloc(d->hidden, ncap * sizeof *n);
		if (!n)
			return -ENOMEM;
		d->hidden = n;
		d->hidden_cap = ncap;
	}
	const char *copy = store_name(d, name);
	if (!copy)
		return -ENOMEM;
	d->hidden[d->nhidden] = copy;
	*slot = 0x80000000u | (uint32_t)d->nhidden++;
	return 0;
}

static int add_entry(struct merged_dir *d, uint32_t *slot, const char *name, uint64_t ino,
		     unsigned char type, int layer)
{
	if (d->count == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 64;
		struct merged_entry *n = realloc(d->entries, ncap * sizeof *n);
		if (!n)
			return -ENOMEM;
		d->entries = n;
		d->cap = ncap;
	}
	const char *copy = store_name(d, name);
	if (!copy)
		return -ENOMEM;
	d->entries[d->count] = (struct merged_entry){.name = copy, .ino = ino, .type = type, .layer = layer};
	*slot = (uint32_t)++d->count;
	return 0;
}

/* Adds one layer's entries that no layer above has claimed. */
static int load_layer(struct union_fs *fs, struct merged_dir *d, int pathfd, int layer)
{
	bool lower = !layer_is_upper(fs, layer);
	int fd = openat(pathfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[32768] __attribute__((aligned(8)));
	int ret = 0;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n && ret == 0;) {
			struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);
			off += de->d_reclen;
			const char *name = de->d_name;
			if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
				continue;
			if ((d->count + d->nhidden + 1) * 2 > d->index_cap && (ret = set_grow(d)) < 0)
				break;
			if (lower && is_oci_name(name)) {
				if (strcmp(name, OCI_OPAQUE_NAME) != 0) {
					uint32_t *slot = set_slot(d, name + strlen(OCI_WHITEOUT_PREFIX));
					if (!*slot)
						ret = remember_hidden(d, slot, name + strlen(OCI_WHITEOUT_PREFIX));
				}
				continue;
			}
			uint32_t *slot = set_slot(d, name);
			if (*slot)
				continue;   /* a layer above has it, or hid it */
			unsigned char type = de->d_type;
			if (type == DT_CHR || type == DT_UNKNOWN) {
				struct stat st;
				if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
					continue;
				if (is_whiteout(&st)) {
					ret = remember_hidden(d, slot, name);
					continue;
				}
				type = IFTODT(st.st_mode);
			}
			ret = add_entry(d, slot, name, union_ino_for(fs, layer, de->d_ino, fd, name), type, layer);
		}
		if (ret < 0)
			break;
	}
	close(fd);
	return ret;
}

int merged_dir_load(struct union_fs *fs, struct node *dir, struct merged_dir *out)
{
	memset(out, 0, sizeof *out);
	int r = node_refresh(fs, dir);
	if (r < 0)
		return r;
	if ((r = set_grow(out)) < 0)
		return r;
	for (int layer = dir->layer; layer <= dir->last_layer; layer++) {
		_cleanup_close_ int pfd = node_dirfd(fs, dir, layer);
		if (pfd == -ENOENT)
			continue;
		if (pfd < 0) {
			merged_dir_free(out);
			return pfd;
		}
		r = load_layer(fs, out, pfd, layer);
		if (r < 0) {
			merged_dir_free(out);
			return r;
		}
	}
	return 0;
}

void merged_dir_free(struct merged_dir *d)
{
	for (size_t i = 0; i < d->nchunks; i++)
		free(d->chunks[i]);
	free(d->chunks);
	free(d->entries);
	free(d->index);
	free(d->hidden);
	memset(d, 0, sizeof *d);
}

int merged_dir_is_empty(struct union_fs *fs, struct node *dir)
{
	struct merged_dir d;
	int r = merged_dir_load(fs, dir, &d);
	if (r < 0)
		return r;
	bool empty = d.count == 0;
	merged_dir_free(&d);
	return empty ? 1 : 0;
}
