#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "proc_options.h"

const char proc_usage[] =
	"usage: ctrfs proc [--pid PID | --cgroup PATH] [--sysinfo-fd FD] [--control-fd FD] [-f] [-d] MNT\n"
	"\n"
	"Mounts a directory of /proc files that describe one container: meminfo,\n"
	"cpuinfo, stat, loadavg, swaps, diskstats and cpu-online (for\n"
	"/sys/devices/system/cpu/online), from its cgroup's limits and accounting.\n"
	"Content is at most 100 ms old. See ctrfs(1).\n"
	"\n"
	"  --pid PID        the container's cgroups are those of process PID\n"
	"  --cgroup PATH    a cgroup directory under /sys/fs/cgroup (on cgroup v1,\n"
	"                   the same path below every controller's hierarchy)\n"
	"                   without either: the cgroups of ctrfs itself\n"
	"  --sysinfo-fd FD  a seccomp listener (SECCOMP_RET_USER_NOTIF) for sysinfo(2)\n"
	"                   calls: answered with these files' memory, swap and load\n"
	"                   (ctrrun passes it; busybox free and uptime use sysinfo)\n"
	"  --control-fd FD  a unix socket that passes more such listeners, one fd a\n"
	"                   message (ctrrun sends those of exec'd processes)\n"
	"  -f               stay in the foreground\n"
	"  -d               debug: log every request (implies -f)\n"
	"  --help\n";

/* "--name VALUE" or "--name=VALUE"; advances *i past what it used. */
static const char *option_value(int argc, char **argv, int *i, const char *name, struct ctr_error *err)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		ctr_fail(err, 0, "option %s needs a value", name);
		return NULL;
	}
	return argv[++*i];
}

int proc_options_parse(struct proc_options *o, int argc, char **argv, struct ctr_error *err)
{
	*o = (struct proc_options){.sysinfo_fd = -1, .control_fd = -1};
	err->msg[0] = '\0';
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			o->show_help = true;
		} else if (strcmp(a, "-f") == 0) {
			o->foreground = true;
		} else if (strcmp(a, "-d") == 0) {
			o->debug = o->foreground = true;
		} else if ((v = option_value(argc, argv, &i, "--pid", err))) {
			char *end;
			errno = 0;
			long pid = strtol(v, &end, 10);
			if (errno || *end || end == v || pid <= 0 || pid > INT_MAX)
				return ctr_fail(err, 0, "--pid %s: not a process id", v);
			o->pid = (pid_t)pid;
		} else if ((v = option_value(argc, argv, &i, "--sysinfo-fd", err)) ||
			   (v = option_value(argc, argv, &i, "--control-fd", err))) {
			bool control = strncmp(a, "--control-fd", strlen("--control-fd")) == 0;
			const char *name = control ? "--control-fd" : "--sysinfo-fd";
			char *end;
			errno = 0;
			long fd = strtol(v, &end, 10);
			if (errno || *end || end == v || fd < 0 || fd > INT_MAX || fcntl((int)fd, F_GETFD) < 0)
				return ctr_fail(err, 0, "%s %s: not an open file descriptor", name, v);
			*(control ? &o->control_fd : &o->sysinfo_fd) = (int)fd;
		} else if ((v = option_value(argc, argv, &i, "--cgroup", err))) {
			if (!*v)
				return ctr_fail(err, 0, "--cgroup needs a path");
			o->cgroup = v;
		} else if (err->msg[0]) {
			return -1;
		} else if (a[0] == '-' && a[1] != '\0') {
			return ctr_fail(err, 0, "unknown option %s", a);
		} else if (o->mountpoint) {
			return ctr_fail(err, 0, "extra argument %s (one mount point only)", a);
		} else {
			o->mountpoint = a;
		}
	}
	if (o->show_help)
		return 0;
	if (o->pid && o->cgroup)
		return ctr_fail(err, 0, "--pid and --cgroup exclude each other");
	if (!o->mountpoint)
		return ctr_fail(err, 0, "missing mount point");
	return 0;
}
