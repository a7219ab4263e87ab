/* The ctrfs mount command line, in its three forms:
 *   ctrfs mount LOWER[:LOWER...] UPPER MNT [-o OPTS] [-f] [-d]
 *   ctrfs [-f] [-d] -o lowerdir=L1:L2,upperdir=U,workdir=W MNT   (fuse-overlayfs)
 *   ctrfs SOURCE MNT -o OPTS                                     (mount.fuse3; SOURCE ignored)
 * Every option is either implemented, passed to the kernel as a generic mount
 * flag, or refused with an error naming it. */
#ifndef CTR_FS_MOUNT_OPTIONS_H
#define CTR_FS_MOUNT_OPTIONS_H

#include <stdbool.h>

#include "ctr/error.h"
#include "idmap.h"

enum xattr_ns { XATTR_NS_AUTO, XATTR_NS_TRUSTED, XATTR_NS_USER };

struct union_config {
	char **lowers;        /* as given, top first */
	int nlowers;
	char *upper, *work, *mountpoint;
	bool work_defaulted;  /* work dir not given: next to the upper dir */
	bool foreground, debug, readonly;
	enum xattr_ns xattr_ns;
	bool volatile_mode;   /* skip the syncs that make copy-up durable */
	bool ignore_fsync;    /* fsync=0: applications' fsync is not passed on */
	struct idmap uids, gids;
	char *fuse_flags;     /* generic mount flags for libfuse, comma separated */
	bool show_help, show_version;
};

enum options_result { OPTIONS_OK = 0, OPTIONS_ERROR = -1 };

/* argv excludes the program name; for the "mount" form it starts after "mount". */
int union_config_parse(struct union_config *cfg, int argc, char **argv, bool mount_form,
		       struct ctr_error *err);
void union_config_free(struct union_config *cfg);
/* Text for --help. */
extern const char union_usage[];

#endif
