/* Overlay-private extended attributes: which names are hidden from users, and
 * the kernel's (6.7+) escaping of private-namespace names that users set:
 * a user's "<ns>.overlay.X" is stored as "<ns>.overlay.overlay.X". */
#ifndef CTR_FS_XATTR_NAMES_H
#define CTR_FS_XATTR_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* Name to store for a name a user asked for; writes into buf. */
const char *xattr_name_to_disk(const char *prefix, const char *name, char *buf, size_t size);
/* Name to show for a stored name, or NULL when it is private (hidden). */
const char *xattr_name_from_disk(const char *prefix, const char *stored, char *buf, size_t size);
/* Filters a listxattr buffer in place; returns the new length. */
size_t xattr_list_filter(const char *prefix, char *list, size_t len);

#endif
