#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctr/proc_pid.h"
#include "proc_buf.h"
#include "proc_cgroup.h"
#include "proc_loadavg.h"

/* kernel/sched/loadavg.c: 1/exp(5s/1min) etc. in FSHIFT fixed point */
#define FSHIFT 11
#define FIXED_1 (1UL << FSHIFT)
static const unsigned long exp_factor[3] = {1884, 2014, 2037};

void proc_loadavg_step(unsigned long avenrun[3], unsigned active)
{
	unsigned long a = (unsigned long)active * FIXED_1;
	for (int i = 0; i < 3; i++) {
		unsigned long load = avenrun[i];
		unsigned long next = load * exp_factor[i] + a * (FIXED_1 - exp_factor[i]);
		if (a >= load)
			next += FIXED_1 - 1;   /* round up while rising, as calc_load() */
		avenrun[i] = next / FIXED_1;
	}
}

struct count_ctx {
	struct proc_tasks *t;
	bool want_last_pid;
	struct proc_buf buf;
};

/* State letter of a task from its stat file; 0 when it cannot be read. */
static char stat_state(const char *path)
{
	struct ctr_proc_stat st;
	return ctr_proc_stat_read(path, &st) == 0 ? st.state : 0;
}

static char task_state(pid_t tid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)tid);
	return stat_state(path);
}

static int innermost_pid_at(struct count_ctx *c, const char *proc_dir);

/* The last NSpid field: the task's pid in its own pid namespace. */
static int innermost_pid(struct count_ctx *c, pid_t tid)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d", (int)tid);
	return innermost_pid_at(c, dir);
}

static int innermost_pid_at(struct count_ctx *c, const char *proc_dir)
{
	char path[256];
	snprintf(path, sizeof path, "%s/status", proc_dir);
	proc_buf_reset(&c->buf);
	if (proc_buf_read_file(&c->buf, path) < 0)
		return 0;
	const char *line = strstr(proc_buf_str(&c->buf), "\nNSpid:");
	if (!line)
		return 0;
	const char *end = strchr(line + 1, '\n');
	const char *last = end ? end : line + strlen(line);
	while (last > line && (last[-1] == ' ' || last[-1] == '\t'))
		last--;
	while (last > line && last[-1] >= '0' && last[-1] <= '9')
		last--;
	return atoi(last);
}

static void count_one(pid_t tid, void *arg)
{
	struct count_ctx *c = arg;
	char state = task_state(tid);
	if (!state)
		return;   /* exited since the list was read */
	c->t->total++;
	if (state == 'R')
		c->t->running++;
	else if (state == 'D')
		c->t->blocked++;
	if (c->want_last_pid) {
		int pid = innermost_pid(c, tid);
		if (pid > c->t->last_pid)
			c->t->last_pid = pid;
	}
}

int proc_tasks_count(const char *dir, bool v2, bool want_last_pid, struct proc_tasks *t)
{
	*t = (struct proc_tasks){0};
	struct count_ctx c = {.t = t, .want_last_pid = want_last_pid};
	int r = proc_cgroup_for_each_task(dir, v2, count_one, &c);
	proc_buf_free(&c.buf);
	return r;
}

/* Every task of PID's pid namespace. The procfs at PID's /proc (through
 * /proc/PID/root) lists just them once the container has its own root and
 * procfs; before that (while its root is still the host's) the listing is
 * the host's, so each entry's pid namespace is checked either way. */
int proc_tasks_count_pidns(pid_t pid, bool want_last_pid, struct proc_tasks *t)
{
	*t = (struct proc_tasks){0};
	char dir[64], path[128], want[64], have[64];
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
	ssize_t n = readlink(path, want, sizeof want - 1);
	if (n <= 0)
		return -1;
	want[n] = '\0';
	snprintf(dir, sizeof dir, "/proc/%d/root/proc", (int)pid);
	DIR *proc = opendir(dir);
	if (!proc)
		return -1;
	struct count_ctx c = {.t = t};
	struct dirent *de;
	while ((de = readdir(proc))) {
		char *end;
		long p = strtol(de->d_name, &end, 10);
		if (*end || p <= 0)
			continue;
		snprintf(path, sizeof path, "%s/%ld/ns/pid", dir, p);
		n = readlink(path, have, sizeof have - 1);
		if (n <= 0)
			continue;
		have[n] = '\0';
		if (strcmp(have, want) != 0)
			continue;
		if (want_last_pid) {
			snprintf(path, sizeof path, "%s/%ld", dir, p);
			int inner = innermost_pid_at(&c, path);
			if (inner > t->last_pid)
				t->last_pid = inner;
		}
		snprintf(path, sizeof path, "%s/%ld/task", dir, p);
		DIR *tasks = opendir(path);
		if (!tasks)
			continue;  /* exited since the listing */
		struct dirent *te;
		while ((te = readdir(tasks))) {
			long tid = strtol(te->d_name, &end, 10);
			if (*end || tid <= 0)
				continue;
			snprintf(path, sizeof path, "%s/%ld/task/%ld/stat", dir, p, tid);
			char state = stat_state(path);
			if (!state)
				continue;
			t->total++;
			if (state == 'R')
				t->running++;
			else if (state == 'D')
				t->blocked++;
		}
		closedir(tasks);
	}
	closedir(proc);
	proc_buf_free(&c.buf);
	return 0;
}

static void *sampler(void *arg)
{
	struct proc_loadavg *l = arg;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&l->lock);
	while (!l->stop) {
		pthread_mutex_unlock(&l->lock);
		struct proc_tasks t;
		bool ok = (l->ns_pid > 0 ? proc_tasks_count_pidns(l->ns_pid, false, &t)
					  : proc_tasks_count(l->dir, l->v2, false, &t)) == 0;
		pthread_mutex_lock(&l->lock);
		if (ok)
			proc_loadavg_step(l->avenrun, t.running + t.blocked);
		next.tv_sec += PROC_LOADAVG_INTERVAL_S;
		while (!l->stop && pthread_cond_timedwait(&l->wake, &l->lock, &next) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

int proc_loadavg_start(struct proc_loadavg *l, const char *dir, bool v2, pid_t ns_pid)
{
	*l = (struct proc_loadavg){.v2 = v2, .ns_pid = ns_pid};
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&l->lock, NULL);
	l->dir = strdup(dir ? dir : "");
	if (!l->dir)
		return -1;
	int e = pthread_create(&l->thread, NULL, sampler, l);
	if (e) {
		errno = e;
		return -1;
	}
	l->started = true;
	return 0;
}

void proc_loadavg_get(struct proc_loadavg *l, unsigned long avenrun[3])
{
	pthread_mutex_lock(&l->lock);
	memcpy(avenrun, l->avenrun, sizeof l->avenrun);
	pthread_mutex_unlock(&l->lock);
}

void proc_loadavg_stop(struct proc_loadavg *l)
{
	if (l->started) {
		pthread_mutex_lock(&l->lock);
		l->stop = true;
		pthread_cond_signal(&l->wake);
		pthread_mutex_unlock(&l->lock);
		pthread_join(l->thread, NULL);
		l->started = false;
	}
	free(l->dir);
	l->dir = NULL;
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->lock);
}
