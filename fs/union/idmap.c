#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

int idmap_parse(struct idmap *map, const char *spec, const char *what, struct ctr_error *err)
{
	unsigned long fields[3];
	int nfields = 0;
	const char *p = spec;

	map->nranges = 0;
	while (*p) {
		if (*p == ':') {        /* empty field */
			p++;
			continue;
		}
		char *end;
		errno = 0;
		unsigned long v = strtoul(p, &end, 10);
		if (end == p || errno || v > 0xffffffffUL || (*end && *end != ':'))
			return ctr_fail(err, 0, "option %s=%s: expected DISK:SHOWN:LEN triples of numbers", what, spec);
		fields[nfields++] = v;
		p = end;
		if (nfields == 3) {
			if (map->nranges == IDMAP_MAX_RANGES)
				return ctr_fail(err, 0, "option %s: more than %d ranges", what, IDMAP_MAX_RANGES);
			if (fields[2] == 0)
				return ctr_fail(err, 0, "option %s=%s: a range of length 0", what, spec);
			map->ranges[map->nranges++] = (struct id_range){
				.disk = (unsigned)fields[0], .shown = (unsigned)fields[1], .count = (unsigned)fields[2]};
			nfields = 0;
		}
	}
	if (nfields != 0 || map->nranges == 0)
		return ctr_fail(err, 0, "option %s=%s: expected DISK:SHOWN:LEN triples of numbers", what, spec);
	return 0;
}

unsigned idmap_to_shown(const struct idmap *map, unsigned disk_id)
{
	if (map->squash_to >= 0)
		return (unsigned)map->squash_to;
	if (map->nranges == 0)
		return disk_id;
	for (int i = 0; i < map->nranges; i++) {
		const struct id_range *r = &map->ranges[i];
		if (disk_id >= r->disk && disk_id - r->disk < r->count)
			return r->shown + (disk_id - r->disk);
	}
	return IDMAP_OVERFLOW_ID;
}

bool idmap_to_disk(const struct idmap *map, unsigned shown_id, unsigned *disk_id)
{
	if (map->nranges == 0) {
		*disk_id = shown_id;
		return true;
	}
	for (int i = 0; i < map->nranges; i++) {
		const struct id_range *r = &map->ranges[i];
		if (shown_id >= r->shown && shown_id - r->shown < r->count) {
			*disk_id = r->disk + (shown_id - r->shown);
			return true;
		}
	}
	return false;
}
