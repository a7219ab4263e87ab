/* One container to make, as the core sees it: an OCI runtime-spec subset.
 * spec_build.c builds it from the recorded container (run's flags) and the
 * image's config; the core
 * (container_setup.c and the child's container_init.c) knows nothing else. */
#ifndef CTRRUN_CONTAINER_SPEC_H
#define CTRRUN_CONTAINER_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "confinement.h"
#include "idmap_config.h"
#include "resource_limits.h"

struct ctr_cgroup;
struct ctr_errors;
struct ctr_warnings;

struct ctr_volume {
	char *host_path;       /* absolute, exists (created by cmd_run when missing) */
	char *container_path;  /* absolute, inside the rootfs */
	bool read_only;
	int tree_fd;           /* a detached mount of host_path the parent made (idmapped), or -1 */
};

struct ctr_spec {
	/* process */
	char **argv;           /* NULL-terminated */
	char **env;            /* NULL-terminated "NAME=value" */
	const char *cwd;       /* absolute; created when missing */
	const char *user;      /* "uid[:gid]" or "name[:group]", resolved in the rootfs; NULL = root */
	bool terminal;         /* a pty from the container's devpts */
	bool interactive;      /* stdin forwarded (else /dev/null) */
	int stdin_fd;          /* without a terminal: the container's stdin, or -1 for /dev/null */
	int stdout_fd, stderr_fd;  /* without a terminal: where its output goes */

	/* namespaces and ids */
	const char *hostname;
	bool host_network;     /* else a new network namespace with loopback only */
	const struct ctr_idmap *idmap;
	/* Root's container in a remapped user namespace (container root is not
	 * host root): the parent, still host root, makes what the init can no
	 * longer reach (idmapped volume mounts), and the union daemon reads the
	 * store through idmapped mounts of the layers and of DIR. */
	bool remapped;
	uint32_t volume_root_uid, volume_root_gid;  /* remapped: what container root writes volumes as */
	const char *dir;       /* containers/<id>: the init starts in it and finds merged/ and proc/ there */

	/* capabilities, seccomp, --privileged, --read-only, --tmpfs */
	const struct ctr_confinement *conf;

	/* root file system: a ctrfs union */
	const char *ctrfs;     /* path of the ctrfs binary */
	char *lowerdirs;       /* "L1:L2:..." top layer first */
	const char *upper, *work;
	const char *fs_log;    /* the daemon's stderr: its errors, read back if it fails */

	/* The /proc view: a `ctrfs proc` mount on DIR/proc (an empty host dir)
	 * whose files are bound over /proc/meminfo and friends. */
	bool proc_view;

	struct ctr_volume *volumes;
	size_t n_volumes;

	/* Resource limits; when any is set, cgroups named CGROUP_NAME are made
	 * below ctrrun's own and the init is put in them before it runs. */
	const struct ctr_limits *limits;
	const char *cgroup_name;
	struct ctr_cgroup *cgroup;  /* made by the launcher before any fork; the init goes in it */

	/* What the setup meets besides the error it returns, for the caller to
	 * report: notes (a volume that cannot be idmapped, a daemon that had to
	 * be killed) and errors of clean-ups that go on regardless. NULL: dropped. */
	struct ctr_warnings *warnings;
	struct ctr_errors *met;
};

#endif
