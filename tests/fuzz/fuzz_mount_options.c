/* Fuzzes ctrfs's mount command line (fs/union/mount_options.c) in its three
 * forms: `ctrfs mount LOWER UPPER MNT`, fuse-overlayfs's `-o lowerdir=...`
 * form, and mount.fuse3's `SOURCE MNT -o OPTS`, with the -o list parser,
 * the lowerdir list and uid/gid mapping specs (fs/union/idmap.c) below them.
 *
 * The input is NUL-separated arguments; a first byte 'M' picks the mount
 * form (arguments after "mount"), anything else the others. Besides crashes,
 * leaks and UB it checks what the mount code relies on after a successful
 * parse: at least one lower, a mount point, a work dir with every upper dir,
 * read-only exactly when there is no upper dir, and mappings that map. */
#include <stdbool.h>

#include "mount_options.h"
#include "fuzz_util.h"

#define MAX_ARGS 16

static void fail(const char *why)
{
	fuzz_fail("parsed, but %s", why);
}

static void check_map(const struct idmap *m)
{
	for (int i = 0; i < m->nranges; i++) {
		unsigned disk;
		if (m->ranges[i].count == 0)
			fail("a mapping range is empty");
		/* Every range's first shown id has a disk id (its own, or an
		 * earlier range's). */
		if (!idmap_to_disk(m, m->ranges[i].shown, &disk))
			fail("a mapped id does not map back");
		(void)idmap_to_shown(m, m->ranges[i].disk);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool mount_form = size > 0 && data[0] == 'M';
	if (size > 0) {
		data++;
		size--;
	}
	char *buf, *argv[MAX_ARGS + 1];
	int argc = (int)fuzz_split(data, size, &buf, argv, MAX_ARGS);
	argv[argc] = NULL;

	struct union_config cfg;
	struct ctr_error err = {0};
	int rc = union_config_parse(&cfg, argc, argv, mount_form, &err);
	if (rc < 0 && !err.msg[0])
		fuzz_fail("refused without a message");
	if (rc == 0 && !cfg.show_help && !cfg.show_version) {
		if (cfg.nlowers < 1 || !cfg.lowers)
			fail("there is no lower dir");
		for (int i = 0; i < cfg.nlowers; i++)
			if (!cfg.lowers[i] || !cfg.lowers[i][0] || strchr(cfg.lowers[i], ':'))
				fail("a lower dir is empty or holds ':'");
		if (!cfg.mountpoint)
			fail("there is no mount point");
		if (cfg.upper && (!cfg.work || cfg.readonly))
			fail("an upper dir comes without a work dir, or read-only");
		if (!cfg.upper && (cfg.work || !cfg.readonly))
			fail("a mount without upper dir is not read-only");
		check_map(&cfg.uids);
		check_map(&cfg.gids);
	}
	union_config_free(&cfg);
	free(buf);
	return 0;
}
