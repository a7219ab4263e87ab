/* ctrfs: the command line. `ctrfs mount ...` and the fuse-overlayfs and
 * mount.fuse3 forms all end in union_mount_run; `ctrfs proc ...` in
 * proc_view_main. */
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <string.h>

#include "mount_options.h"
#include "proc_view.h"
#include "union_mount.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "proc") == 0)
		return proc_view_main(argc - 1, argv + 1);
	bool mount_form = argc > 1 && strcmp(argv[1], "mount") == 0;
	int skip = mount_form ? 2 : 1;
	struct union_config cfg;
	struct ctr_error err = {0};

	if (union_config_parse(&cfg, argc - skip, argv + skip, mount_form, &err) < 0) {
		fprintf(stderr, "ctrfs: %s (see ctrfs --help)\n", err.msg);
		union_config_free(&cfg);
		return UNION_EXIT_USAGE;
	}
	if (cfg.show_help) {
		fputs(union_usage, stdout);
		union_config_free(&cfg);
		return 0;
	}
	if (cfg.show_version) {
		printf("ctrfs %s (libfuse %s)\n", CTR_VERSION, fuse_pkgversion());
		union_config_free(&cfg);
		return 0;
	}
	int rc = union_mount_run(&cfg);
	union_config_free(&cfg);
	return rc;
}
