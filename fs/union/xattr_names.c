#include <stdio.h>
#include <string.h>

#include "xattr_names.h"

#define ESCAPE "overlay."

const char *xattr_name_to_disk(const char *prefix, const char *name, char *buf, size_t size)
{
	size_t plen = strlen(prefix);
	if (strncmp(name, prefix, plen) != 0)
		return name;
	if ((size_t)snprintf(buf, size, "%s" ESCAPE "%s", prefix, name + plen) >= size)
		return NULL;
	return buf;
}

const char *xattr_name_from_disk(const char *prefix, const char *stored, char *buf, size_t size)
{
	size_t plen = strlen(prefix);
	if (strncmp(stored, prefix, plen) != 0)
		return stored;
	if (strncmp(stored + plen, ESCAPE, strlen(ESCAPE)) != 0)
		return NULL;   /* overlay-private */
	if ((size_t)snprintf(buf, size, "%s%s", prefix, stored + plen + strlen(ESCAPE)) >= size)
		return NULL;
	return buf;
}

size_t xattr_list_filter(const char *prefix, char *list, size_t len)
{
	char out[len ? len : 1];
	size_t olen = 0;
	char buf[512];
	for (size_t i = 0; i < len;) {
		const char *stored = list + i;
		size_t n = strnlen(stored, len - i);
		const char *shown = xattr_name_from_disk(prefix, stored, buf, sizeof buf);
		if (shown) {
			size_t sl = strlen(shown) + 1;
			memcpy(out + olen, shown, sl);   /* shown is never longer than stored */
			olen += sl;
		}
		i += n + 1;
	}
	memcpy(list, out, olen);
	return olen;
}
