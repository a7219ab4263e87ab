/* fs-conformance: POSIX and overlay-semantics cases for ctrfs, also run
 * against kernel overlayfs to prove the expected values.
 *
 *   fs-conformance [--impl ctrfs|overlay] [--filter SUBSTR] [--list]
 *
 * Prints TAP. Every case runs in its own child process on a fresh testfs
 * (the runner creates the layer dirs, the case fills the lowers, mounts and
 * checks), so a crash or hang in one case cannot take the others along and
 * the mount is always taken down by the runner. */
#include "conf_util.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_DEFAULT_S 120
#define TIMEOUT_SLOW_S 900

struct table {
	const struct conf_case *cases;
	const size_t *n;
};

#define TABLE(topic) { conf_cases_##topic, &conf_ncases_##topic }
static const struct table tables[] = {
	TABLE(lookup), TABLE(readdir), TABLE(copyup), TABLE(remove),
	TABLE(rename), TABLE(links), TABLE(special), TABLE(xattr),
	TABLE(io), TABLE(attr), TABLE(names), TABLE(readonly), TABLE(umask),
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Static reasons to not run a case here; NULL when it runs. */
static const char *skip_reason(const struct conf_case *c)
{
	if ((c->flags & CONF_CTRFS_ONLY) && conf_impl == IMPL_OVERLAY)
		return "ctrfs-only behaviour";
	if (conf_impl == IMPL_OVERLAY && geteuid() != 0)
		return "kernel overlay needs root";
	if ((c->flags & CONF_ROOT) && !testfs_real_root())
		return "needs root in the initial user namespace";
	/* Root in a user namespace can neither drop to an unmapped uid nor be
	 * denied access to files of its own mapped ids. */
	if ((c->flags & CONF_OTHER_UID) && testfs_in_userns())
		return "no second uid to check access with inside a user namespace";
	return NULL;
}

/* The case running now; a fatal signal kills it before the mounts go. */
static volatile pid_t running_case;

static void fatal_signal(int sig)
{
	pid_t pid = running_case;

	if (pid > 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	testfs_emergency_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_signal_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGABRT };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void close_fds_from(int lowest)
{
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = lowest; fd < max && fd < 65536; fd++)
		close((int)fd);
}

static int child_run(const struct conf_case *c, struct testfs *t, int skip_fd)
{
	int r;

	/* Own group, so a timeout kills helpers the case forked; and die with
	 * the runner. */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	conf_skip_fd = skip_fd;
	if (c->flags & CONF_READONLY)
		t->readonly = true;
	r = c->fn(t);
	/* Files the case left open, or a cwd inside it, would keep the mount busy. */
	close_fds_from(3);
	if (chdir("/") < 0)
		perror("chdir /");
	if (t->mounted || testfs_is_mounted(t)) {
		t->mounted = true;
		if (testfs_umount(t) != 0 && r == CONF_PASS) {
			conf_diag("unmount failed after the case");
			r = CONF_FAIL;
		}
	}
	fflush(NULL);
	return r;
}

/* Runs one case; returns CONF_* and fills reason for skips. */
static int run_case(const struct conf_case *c, char *reason, size_t rsize)
{
	int timeout_s = c->flags & CONF_SLOW ? TIMEOUT_SLOW_S : TIMEOUT_DEFAULT_S;
	struct testfs t;
	int pfd[2], status = 0, r, err;
	pid_t pid;
	ssize_t n;

	reason[0] = '\0';
	if ((err = testfs_init(&t, conf_impl, c->nlower)) != 0) {
		conf_diag("testfs_init: %s", strerror(-err));
		return CONF_FAIL;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		conf_diag("pipe: %s", strerror(errno));
		testfs_cleanup(&t);
		return CONF_FAIL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		conf_diag("fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		testfs_cleanup(&t);
		return CONF_FAIL;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		close(pfd[0]);
		/* Move the pipe out of the range child_run closes. */
		if (dup2(pfd[1], 1000) < 0)
			_exit(CONF_FAIL);
		close(pfd[1]);
		r = child_run(c, &t, 1000);
		close(1000);
		_exit(r);
	}
	running_case = pid;
	close(pfd[1]);
	for (int waited = 0;; waited += 10) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			conf_diag("waitpid: %s", strerror(errno));
			status = -1;
			break;
		}
		if (waited >= timeout_s * 1000) {
			conf_diag("timeout after %d s; killing the case", timeout_s);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			status = -1;
			break;
		}
		sleep_ms(10);
	}
	running_case = 0;
	n = read(pfd[0], reason, rsize - 1);
	reason[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	/* Whatever the child left behind (mounted or not) goes now. */
	t.mounted = testfs_is_mounted(&t);
	testfs_cleanup(&t);

	if (status == -1)
		return CONF_FAIL;
	if (WIFSIGNALED(status)) {
		conf_diag("case died from signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
		return CONF_FAIL;
	}
	r = WEXITSTATUS(status);
	if (r == CONF_SKIP && reason[0])
		return CONF_SKIP;
	if (r != CONF_PASS && r != CONF_FAIL)
		conf_diag("case exited with status %d", r);
	return r == CONF_PASS ? CONF_PASS : CONF_FAIL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: fs-conformance [--impl ctrfs|overlay] [--filter SUBSTR] [--list]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "impl", required_argument, NULL, 'i' },
		{ "filter", required_argument, NULL, 'f' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *filter = NULL;
	bool list = false;
	int opt, total = 0, failed = 0, passed = 0, skipped = 0, num = 0;

	while ((opt = getopt_long(argc, argv, "i:f:lh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (!strcmp(optarg, "ctrfs"))
				conf_impl = IMPL_CTRFS;
			else if (!strcmp(optarg, "overlay"))
				conf_impl = IMPL_OVERLAY;
			else {
				usage(stderr);
				return 2;
			}
			break;
		case 'f':
			filter = optarg;
			break;
		case 'l':
			list = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	install_signal_handlers();
	/* Layer contents must not depend on the caller's umask. */
	umask(022);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (size_t i = 0; i < NTABLES; i++)
		for (size_t j = 0; j < *tables[i].n; j++)
			if (!filter || strstr(tables[i].cases[j].name, filter))
				total++;
	if (list) {
		for (size_t i = 0; i < NTABLES; i++)
			for (size_t j = 0; j < *tables[i].n; j++)
				if (!filter || strstr(tables[i].cases[j].name, filter))
					printf("%s\n", tables[i].cases[j].name);
		return 0;
	}
	printf("1..%d\n", total);
	printf("# implementation: %s, %s\n", conf_impl == IMPL_CTRFS ? "ctrfs" : "kernel overlay",
	       testfs_real_root() ? "root" : testfs_in_userns() ? "root in a user namespace" : "unprivileged");
	for (size_t i = 0; i < NTABLES; i++) {
		for (size_t j = 0; j < *tables[i].n; j++) {
			const struct conf_case *c = &tables[i].cases[j];
			const char *why;
			char reason[256];
			int r;

			if (filter && !strstr(c->name, filter))
				continue;
			num++;
			if ((why = skip_reason(c))) {
				printf("ok %d - %s # SKIP %s\n", num, c->name, why);
				skipped++;
				continue;
			}
			r = run_case(c, reason, sizeof(reason));
			if (r == CONF_SKIP) {
				printf("ok %d - %s # SKIP %s\n", num, c->name, reason);
				skipped++;
			} else if (r == CONF_PASS) {
				printf("ok %d - %s\n", num, c->name);
				passed++;
			} else {
				printf("not ok %d - %s\n", num, c->name);
				failed++;
			}
		}
	}
	printf("# %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
