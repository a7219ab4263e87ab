/* The /proc view's sysinfo answer is written into the calling process and
 * into no other: a caller that dies after its
 * notification was checked, and whose pid goes to a new process, must not
 * get the new process written into. Root: the test makes a PID namespace
 * of its own so that it can hand the dead caller's pid to a new process
 * (ns_last_pid), and a procfs for it.
 *
 * In that namespace: A installs a sysinfo filter and calls sysinfo(TARGET);
 * the test receives the notification and calls proc_sysinfo_write_caller,
 * whose race hook (between the check and the write) kills A and forks B
 * with A's pid; B's copy of TARGET must be untouched afterwards. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc_sysinfo.h"
#include "tap.h"

/* The same address in every fork: A's buffer, and B's copy of it. */
static unsigned char target[sizeof(struct sysinfo)];
static pid_t a_pid, b_pid;
static int b_go[2], b_done[2];

static int send_fd(int sock, int fd)
{
	char c = 'l';
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int fd = -1;
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	return fd;
}

/* A: sysinfo goes to a listener, which the test gets; then the call. */
static void caller_a(int sock)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sysinfo, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (listener < 0 || send_fd(sock, listener) < 0)
		_exit(2);
	close(listener);
	syscall(SYS_sysinfo, target);
	_exit(0);
}

/* The race: A dies, and B is made with A's pid. */
static void kill_and_reuse(void)
{
	kill(a_pid, SIGKILL);
	waitpid(a_pid, NULL, 0);
	int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
	char last[32];
	int len = snprintf(last, sizeof last, "%d", (int)a_pid - 1);
	if (fd < 0 || write(fd, last, (size_t)len) != len)
		return;
	close(fd);
	b_pid = fork();
	if (b_pid == 0) {
		char c;
		memset(target, 0x55, sizeof target);
		if (write(b_go[1], "r", 1) != 1 || read(b_done[0], &c, 1) != 1)
			_exit(3);
		for (size_t i = 0; i < sizeof target; i++)
			if (target[i] != 0x55)
				_exit(1);  /* written into */
		_exit(0);
	}
	char c;
	if (read(b_go[0], &c, 1) != 1)
		b_pid = -1;
}

/* PID 1 of the test's namespace; its exit status is the number of failed
 * checks, its output the TAP lines. */
static int in_namespace(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || mount("proc", "/proc", "proc", 0, NULL) < 0) {
		printf("# cannot mount a procfs for the namespace: %s\n", strerror(errno));
		return 1;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0 || pipe(b_go) < 0 || pipe(b_done) < 0)
		return 1;
	a_pid = fork();
	if (a_pid == 0)
		caller_a(sv[1]);
	int listener = recv_fd(sv[0]);
	struct seccomp_notif req;
	memset(&req, 0, sizeof req);
	int rc = listener >= 0 ? ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) : -1;
	TAP_CHECK(rc == 0 && req.pid == (unsigned)a_pid && req.data.args[0] == (uint64_t)(uintptr_t)target,
		  "A's sysinfo reached the listener (pid %u, the buffer's address)", req.pid);

	unsigned char answer[sizeof target];
	memset(answer, 0xee, sizeof answer);
	proc_sysinfo_set_race_hook(kill_and_reuse);
	ssize_t n = proc_sysinfo_write_caller(listener, &req, (uint64_t)(uintptr_t)target, answer, sizeof answer);
	proc_sysinfo_set_race_hook(NULL);
	TAP_CHECK(b_pid == a_pid, "B got A's pid %d (got %d)", (int)a_pid, (int)b_pid);
	TAP_CHECK(n != (ssize_t)sizeof answer, "the answer was not written anywhere (returned %zd)", n);
	int status = -1;
	if (b_pid > 0) {
		if (write(b_done[1], "d", 1) != 1) {
		}
		waitpid(b_pid, &status, 0);
	}
	TAP_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "B, which took the dead caller's pid, was not written into (status %#x)", status);
	return tap_failed;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root: a PID namespace of its own to reuse a pid in\n");
		return 0;
	}
	fflush(stdout);
	/* clone as fork: PID 1 of a new PID namespace, with its own mounts. */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		printf("1..0 # SKIP cannot make a PID namespace: %s\n", strerror(errno));
		return 0;
	}
	if (pid == 0)
		_exit(in_namespace());
	int status;
	waitpid(pid, &status, 0);
	int failed = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	/* The checks ran in the child; its count is 4. */
	printf("1..4\n");
	if (!WIFEXITED(status))
		printf("# the namespace's init died: status %#x\n", status);
	return failed ? 1 : 0;
}
