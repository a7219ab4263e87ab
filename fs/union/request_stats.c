#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request_stats.h"

uint64_t request_counts[REQ_KINDS];

static const char *const request_names[REQ_KINDS] = {
	"lookup",
	"forget",
	"forget_multi",
	"getattr",
	"setattr",
	"readlink",
	"mknod",
	"mkdir",
	"symlink",
	"link",
	"unlink",
	"rmdir",
	"rename",
	"open",
	"create",
	"read",
	"write_buf",
	"release",
	"fsync",
	"fallocate",
	"lseek",
	"opendir",
	"readdir",
	"readdirplus",
	"releasedir",
	"fsyncdir",
	"statfs",
	"setxattr",
	"getxattr",
	"listxattr",
	"removexattr",
};

void request_stats_report(void)
{
	const char *env = getenv("CTRFS_STATS");
	if (!env || strcmp(env, "1") != 0)
		return;
	uint64_t total = 0;
	for (int i = 0; i < REQ_KINDS; i++)
		total += request_counts[i];
	fprintf(stderr, "ctrfs: requests: %llu\n", (unsigned long long)total);
	for (int i = 0; i < REQ_KINDS; i++)
		if (request_counts[i])
			fprintf(stderr, "ctrfs:   %-12s %llu\n", request_names[i], (unsigned long long)request_counts[i]);
}
