/* Running a function as root of a user namespace with a container's mapping:
 * a child unshares its user namespace, the parent maps it, the child becomes
 * uid 0 there and runs the function; its error travels back in a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctr/cleanup.h"
#include "userns.h"

static bool is_identity(const struct ctr_idmap *map)
{
	return map->n_uid == 1 && map->uid[0].inside == 0 && map->uid[0].outside == 0 &&
	       map->uid[0].count == 4294967295u;
}

static void child_main(const struct ctr_idmap *map, pid_t parent, int sync_rd, int sync_wr, int err_wr,
		       int (*fn)(void *, struct ctr_error *), void *arg)
{
	struct ctr_error err = {0};
	char c = 0;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The parent killed before the line above: no signal will come, and
	 * nobody would wait for what this child does (a removal, an
	 * extraction into a directory the next command removes). */
	if (getppid() != parent)
		_exit(1);
	if (!is_identity(map) && map->userns_fd >= 0) {
		/* A container's namespace with the same mapping: no newuidmap. */
		if (setns(map->userns_fd, CLONE_NEWUSER) < 0) {
			ctr_fail(&err, errno, "cannot join the container's user namespace");
			goto fail;
		}
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			ctr_fail(&err, errno, "cannot become root in the user namespace");
			goto fail;
		}
		if (!map->single)
			setgroups(0, NULL);
	} else if (!is_identity(map)) {
		if (unshare(CLONE_NEWUSER) < 0) {
			ctr_fail(&err, errno, "cannot create a user namespace");
			goto fail;
		}
		if (write(sync_wr, "u", 1) != 1 || read(sync_rd, &c, 1) != 1 || c != 'm')
			_exit(1);  /* the parent failed and says why */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			ctr_fail(&err, errno, "cannot become root in the user namespace");
			goto fail;
		}
		if (!map->single)
			setgroups(0, NULL);
	}
	if (fn(arg, &err) == 0)
		_exit(0);
fail:
	if (write(err_wr, &err, sizeof err) < 0)
		_exit(2);
	_exit(1);
}

int ctr_userns_run(const struct ctr_idmap *map, int (*fn)(void *arg, struct ctr_error *err), void *arg,
		   struct ctr_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return ctr_fail(err, errno, "pipe");
	_cleanup_close_ int to_child_rd = p[0], to_child_wr = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return ctr_fail(err, errno, "pipe");
	_cleanup_close_ int from_child_rd = p[0], from_child_wr = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return ctr_fail(err, errno, "pipe");
	_cleanup_close_ int err_rd = p[0], err_wr = p[1];
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return ctr_fail(err, errno, "fork");
	if (pid == 0) {
		close(to_child_wr);
		close(from_child_rd);
		close(err_rd);
		child_main(map, parent, to_child_rd, from_child_wr, err_wr, fn, arg);
	}
	close(steal_fd(&to_child_rd));
	close(steal_fd(&from_child_wr));
	close(steal_fd(&err_wr));

	int rc = 0;
	if (!is_identity(map) && map->userns_fd < 0) {
		char c;
		if (read(from_child_rd, &c, 1) == 1) {
			if (ctr_idmap_write(map, pid, err) < 0)
				rc = -1;
			else if (write(to_child_wr, "m", 1) != 1)
				rc = ctr_fail(err, errno, "user namespace child");
		}
	}
	close(steal_fd(&to_child_wr));
	close(steal_fd(&from_child_rd));

	struct ctr_error child_err = {0};
	ssize_t got = read(err_rd, &child_err, sizeof child_err);
	close(steal_fd(&err_rd));
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc < 0)
		return -1;
	if (got == (ssize_t)sizeof child_err) {
		child_err.msg[sizeof child_err.msg - 1] = '\0';
		*err = child_err;
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return ctr_fail(err, 0, "helper process in the user namespace %s %d",
				WIFSIGNALED(status) ? "died of signal" : "failed with status",
				WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	return 0;
}
