/* Tries system calls that docker's default seccomp profile refuses, for
 * tests/runner/security.sh, and prints one line per call: "NAME ok" or
 * "NAME ERRNO-NAME". Arguments are chosen so that, where the call is let
 * through, the kernel answers harmlessly (or with an error other than
 * EPERM): the test tells the filter's EPERM from the kernel's answer.
 * Each call runs in a child, so one that succeeds changes nothing here. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long call(const char *name)
{
	union bpf_attr battr;
	struct perf_event_attr pattr;
	memset(&battr, 0, sizeof battr);
	memset(&pattr, 0, sizeof pattr);
	pattr.size = sizeof pattr;
	pattr.type = PERF_TYPE_SOFTWARE;
	pattr.config = PERF_COUNT_SW_CPU_CLOCK;
	if (!strcmp(name, "unshare-user"))
		return unshare(CLONE_NEWUSER);
	if (!strcmp(name, "unshare-mount"))
		return unshare(CLONE_NEWNS);
	if (!strcmp(name, "mount"))
		return mount("none", "/nonexistent-ctr-test", "tmpfs", 0, NULL);
	if (!strcmp(name, "umount2"))
		return umount2("/nonexistent-ctr-test", 0);
	if (!strcmp(name, "keyctl"))
		return syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0);
	if (!strcmp(name, "add_key"))
		return syscall(SYS_add_key, "user", "ctr-test", "x", 1, -3);
	if (!strcmp(name, "request_key"))
		return syscall(SYS_request_key, "user", "ctr-test-none", NULL, 0);
	if (!strcmp(name, "bpf"))
		return syscall(SYS_bpf, BPF_MAP_CREATE, &battr, sizeof battr);
	if (!strcmp(name, "perf_event_open"))
		return syscall(SYS_perf_event_open, &pattr, 0, -1, -1, 0);
	if (!strcmp(name, "userfaultfd"))
		return syscall(SYS_userfaultfd, 0);
	if (!strcmp(name, "open_by_handle_at"))
		return syscall(SYS_open_by_handle_at, -1, NULL, 0);
	if (!strcmp(name, "init_module"))
		return syscall(SYS_init_module, NULL, 0, "");
	if (!strcmp(name, "kexec_load"))
		return syscall(SYS_kexec_load, 0, 0, NULL, 0);
	if (!strcmp(name, "syslog"))
		return syscall(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (!strcmp(name, "setns"))
		return syscall(SYS_setns, -1, 0);
	if (!strcmp(name, "personality-odd"))
		return personality(ADDR_NO_RANDOMIZE) < 0 ? -1 : 0;
	if (!strcmp(name, "getpid"))
		return getpid() > 0 ? 0 : -1;
	errno = EINVAL;
	return -2;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int pipefd[2];
		if (pipe(pipefd) < 0)
			return 1;
		pid_t pid = fork();
		if (pid == 0) {
			errno = 0;
			long rc = call(argv[i]);
			int e = rc < 0 ? errno : 0;
			if (write(pipefd[1], &e, sizeof e) < 0)
				_exit(1);
			_exit(0);
		}
		int e = -1;
		if (read(pipefd[0], &e, sizeof e) != sizeof e)
			e = -1;
		waitpid(pid, NULL, 0);
		close(pipefd[0]);
		close(pipefd[1]);
		if (e == 0)
			printf("%s ok\n", argv[i]);
		else if (e < 0)
			printf("%s died\n", argv[i]);
		else
			printf("%s %s\n", argv[i], strerrorname_np(e) ? strerrorname_np(e) : "?");
	}
	return 0;
}
