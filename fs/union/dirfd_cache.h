/* A bounded cache of O_PATH fds of backing directories, keyed by (node inode
 * number, layer). The open-file limit is fixed (20,000 here), so fds are not
 * held per node: a miss reopens the directory by walking the name chain. */
#ifndef CTR_FS_DIRFD_CACHE_H
#define CTR_FS_DIRFD_CACHE_H

#include <stdint.h>

#define DIRFD_CACHE_SIZE 4096

struct dirfd_cache;

struct dirfd_cache *dirfd_cache_new(unsigned capacity);
void dirfd_cache_free(struct dirfd_cache *c);
/* A dup of the cached fd, or -1 on a miss. The caller closes it. */
int dirfd_cache_get(struct dirfd_cache *c, uint64_t ino, int layer);
/* Takes ownership of fd (closing an evicted one). */
void dirfd_cache_put(struct dirfd_cache *c, uint64_t ino, int layer, int fd);
/* Forgets every layer's fd of one node. */
void dirfd_cache_drop(struct dirfd_cache *c, uint64_t ino, int nlayers);
void dirfd_cache_clear(struct dirfd_cache *c);

#endif
