/* uidmapping=/gidmapping= translation as podman sends it (leading colon). */
#include "idmap.h"
#include "tap.h"

int main(void)
{
	struct idmap m = {.squash_to = -1};
	struct ctr_error e;
	/* keep-id for uid 1001: disk 0..1000 shows as 1..1001, disk 1001 as 0 */
	int r = idmap_parse(&m, ":0:1:1001:1001:0:1:1002:1002:64534", "uidmapping", &e);
	TAP_CHECK(r == 0 && m.nranges == 3, "podman keep-id mapping with a leading colon parses");
	TAP_CHECK(idmap_to_shown(&m, 0) == 1, "disk 0 shows as 1");
	TAP_CHECK(idmap_to_shown(&m, 1000) == 1001, "disk 1000 shows as 1001");
	TAP_CHECK(idmap_to_shown(&m, 1001) == 0, "disk 1001 shows as 0");
	TAP_CHECK(idmap_to_shown(&m, 70000) == IDMAP_OVERFLOW_ID, "unmapped disk id shows as the overflow id");
	unsigned d;
	TAP_CHECK(idmap_to_disk(&m, 0, &d) && d == 1001, "shown 0 is stored as 1001");
	TAP_CHECK(idmap_to_disk(&m, 5, &d) && d == 4, "shown 5 is stored as 4");
	TAP_CHECK(!idmap_to_disk(&m, 70000, &d), "unmapped shown id has no disk id");

	struct idmap id = {.squash_to = -1};
	TAP_CHECK(idmap_to_shown(&id, 1234) == 1234 && idmap_to_disk(&id, 1234, &d) && d == 1234,
		  "no mapping is the identity");
	id.squash_to = 42;
	TAP_CHECK(idmap_to_shown(&id, 1234) == 42, "squash reports one owner");

	TAP_CHECK(idmap_parse(&m, "0:1", "uidmapping", &e) < 0 && strstr(e.msg, "uidmapping"),
		  "incomplete triple refused: %s", e.msg);
	TAP_CHECK(idmap_parse(&m, "0:1:0", "gidmapping", &e) < 0 && strstr(e.msg, "gidmapping"),
		  "zero-length range refused: %s", e.msg);
	TAP_CHECK(idmap_parse(&m, "a:b:c", "uidmapping", &e) < 0, "non-numbers refused");
	return tap_done();
}
