/* A directory of built seccomp filters, so the milliseconds libseccomp
 * takes are spent once per profile and capability set, not per container.
 * Each entry holds its whole key, compared byte for byte on use: a file
 * name that matches is never enough. The stored bytes are opaque here. */
#ifndef CTRRUN_SECCOMP_CACHE_H
#define CTRRUN_SECCOMP_CACHE_H

#include <stddef.h>

/* The value stored under KEY in DIR: 1 with *VALUE (malloc'd) and its
 * length, 0 when there is none usable (missing, another key, damaged, not
 * the caller's own or writable by others). Never an error: a cache that
 * cannot be read only costs time. */
int ctr_seccomp_cache_get(const char *dir, const void *key, size_t key_len, void **value, size_t *value_len);

/* Stores VALUE under KEY in DIR (made 0700 when missing), atomically: a
 * reader sees the old entry or the new one. Failures are ignored. */
void ctr_seccomp_cache_put(const char *dir, const void *key, size_t key_len, const void *value,
			   size_t value_len);

#endif
