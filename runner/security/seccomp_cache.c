/* The built-filter cache: one file per key, named by a hash of the key,
 * holding the key itself, the value and a checksum of both. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "seccomp_cache.h"

#define MAGIC "ctrsbpf1"
/* Far above any filter (the kernel takes 4096 instructions) plus a 1 MiB profile. */
#define MAX_ENTRY (4u << 20)

struct entry_header {
	char magic[8];
	uint32_t key_len;
	uint32_t value_len;
	uint64_t sum;  /* over key and value: a torn or damaged file is not used */
};

/* FNV-1a, 64 bits: names files and catches damage. Not a defence against
 * anyone: the key is compared in full and the files must be the caller's. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_START 0xcbf29ce484222325ULL

static void entry_path(char *buf, size_t len, const char *dir, const void *key, size_t key_len)
{
	snprintf(buf, len, "%s/%016" PRIx64 ".bpf", dir, fnv1a(FNV_START, key, key_len));
}

int ctr_seccomp_cache_get(const char *dir, const void *key, size_t key_len, void **value, size_t *value_len)
{
	char path[4096];
	*value = NULL;
	*value_len = 0;
	entry_path(path, sizeof path, dir, key, key_len);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return 0;
	struct stat st;
	/* Only our own file, which nobody else could have written. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) ||
	    st.st_size < (off_t)sizeof(struct entry_header) || st.st_size > MAX_ENTRY)
		return 0;
	_cleanup_free_ char *buf = malloc((size_t)st.st_size);
	if (!buf || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
		return 0;
	struct entry_header h;
	memcpy(&h, buf, sizeof h);
	if (memcmp(h.magic, MAGIC, sizeof h.magic) != 0 || h.key_len != key_len ||
	    (uint64_t)sizeof h + h.key_len + h.value_len != (uint64_t)st.st_size ||
	    memcmp(buf + sizeof h, key, key_len) != 0 || fnv1a(FNV_START, buf + sizeof h, key_len + h.value_len) != h.sum)
		return 0;
	/* The value moves to the front of the buffer, which the caller keeps. */
	memmove(buf, buf + sizeof h + key_len, h.value_len);
	*value = steal_pointer(&buf);
	*value_len = h.value_len;
	return 1;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void ctr_seccomp_cache_put(const char *dir, const void *key, size_t key_len, const void *value, size_t value_len)
{
	if ((uint64_t)sizeof(struct entry_header) + key_len + value_len > MAX_ENTRY)
		return;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	char tmp[4096], path[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", dir) >= sizeof tmp)
		return;
	int fd = mkostemp(tmp, O_CLOEXEC);  /* 0600 */
	if (fd < 0)
		return;
	struct entry_header h = {.key_len = (uint32_t)key_len, .value_len = (uint32_t)value_len};
	memcpy(h.magic, MAGIC, sizeof h.magic);
	h.sum = fnv1a(fnv1a(FNV_START, key, key_len), value, value_len);
	entry_path(path, sizeof path, dir, key, key_len);
	int ok = write_all(fd, &h, sizeof h) == 0 && write_all(fd, key, key_len) == 0 &&
		 write_all(fd, value, value_len) == 0;
	if (close(fd) < 0)
		ok = 0;
	/* No fsync: a file torn by a crash fails its checksum and is rebuilt. */
	if (!ok || rename(tmp, path) < 0)
		unlink(tmp);
}
