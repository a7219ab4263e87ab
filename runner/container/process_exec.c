/* exec for container processes (the init and exec'd ones). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/close_range.h>

#include "process_exec.h"

static int compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

void ctr_close_fds_except(const int *keep, size_t n)
{
	/* Ascending order, then the gaps between them. */
	int sorted[n + 1];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (keep[i] >= 0)
			sorted[k++] = keep[i];
	qsort(sorted, k, sizeof *sorted, compare_ints);
	unsigned first = 0;
	for (size_t i = 0; i < k; i++) {
		if ((unsigned)sorted[i] > first)
			close_range(first, (unsigned)sorted[i] - 1, 0);
		first = (unsigned)sorted[i] + 1;
	}
	close_range(first, ~0U, 0);
}

/* docker sets HOME from the user's /etc/passwd entry unless -e gives it. */
static char **env_with_home(char **env, const char *home)
{
	size_t n = 0;
	for (; env[n]; n++)
		if (strncmp(env[n], "HOME=", 5) == 0)
			return env;
	char **out = calloc(n + 2, sizeof *out);
	if (!out)
		return env;
	memcpy(out, env, n * sizeof *out);
	if (asprintf(&out[n], "HOME=%s", home ? home : "/") < 0)
		out[n] = NULL;
	return out;
}

static void exec_command(char **argv, char **env, int exec_err)
{
	const char *path = NULL;
	for (char **e = env; *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int saved = ENOENT;
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, env);
		saved = errno;
	} else {
		/* execvp semantics, with the container's PATH rather than ours. */
		bool denied = false;
		const char *p = path;
		while (p) {
			const char *colon = strchr(p, ':');
			size_t len = colon ? (size_t)(colon - p) : strlen(p);
			char file[4096];
			snprintf(file, sizeof file, "%.*s%s%s", (int)len, p, len ? "/" : "", argv[0]);
			execve(file, argv, env);
			if (errno == EACCES)
				denied = true;
			else if (errno != ENOENT && errno != ENOTDIR) {
				saved = errno;
				break;
			}
			p = colon ? colon + 1 : NULL;
		}
		if (denied && saved == ENOENT)
			saved = EACCES;
	}
	if (write(exec_err, &saved, sizeof saved) < 0)
		_exit(127);
	_exit(saved == ENOENT || saved == ENOTDIR ? 127 : 126);
}

void exec_in_container(char **argv, char **env, const char *home_dir, int exec_err)
{
	exec_command(argv, env_with_home(env, home_dir), exec_err);
	_exit(127);
}
