/* Where the cgroup hierarchies are mounted below a cgroupfs root (normally
 * /sys/fs/cgroup; tests pass a fake tree), as the runner and the /proc view
 * both find them:
 *   pure v2: the root itself is the unified hierarchy (it has cgroup.controllers);
 *   hybrid:  v1 hierarchies ROOT/<controller> beside the unified one at ROOT/unified;
 *   pure v1: v1 hierarchies only.
 * A v1 hierarchy is mounted at ROOT/<its controller list as /proc/PID/cgroup
 * writes it> ("cpu,cpuacct"), often with symlinks named after each of its
 * controllers ("cpu", "cpuacct"); a named one ("name=systemd") at ROOT/<name>.
 * Which of those names a caller tries first is its own choice. */
#ifndef CTR_CGROUP_MOUNTS_H
#define CTR_CGROUP_MOUNTS_H

#include <stdbool.h>

/* The mount of the v2 hierarchy: ROOT (*PURE set true) or ROOT/unified
 * (*PURE false), as a heap string; NULL when there is none (or out of
 * memory; *PURE then false too). */
char *ctr_cgroup_v2_mount(const char *root, bool *pure);

#endif
