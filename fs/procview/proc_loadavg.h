/* The container's own load average: a background thread counts its
 * runnable and uninterruptible tasks every 5 seconds and keeps the 1, 5 and
 * 15 minute exponential averages with the kernel's fixed-point arithmetic. */
#ifndef CTR_FS_PROC_LOADAVG_H
#define CTR_FS_PROC_LOADAVG_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#define PROC_LOADAVG_INTERVAL_S 5

/* The container's tasks right now. */
struct proc_tasks {
	unsigned running;   /* state R */
	unsigned blocked;   /* state D */
	unsigned total;     /* threads */
	int last_pid;       /* highest pid in the innermost pid namespace, 0: unknown */
};

/* Counts the tasks of the cgroup dir and those below it (last_pid only
 * when asked: it costs a read of each task's status). -1: dir is gone. */
int proc_tasks_count(const char *dir, bool v2, bool want_last_pid, struct proc_tasks *t);

/* Counts the tasks of PID's pid namespace (a container's, whose cgroup may
 * be shared with others when it has no limits). -1: PID is gone. */
int proc_tasks_count_pidns(pid_t pid, bool want_last_pid, struct proc_tasks *t);

/* One 5-second step of the averages, `active` tasks running or waiting. */
void proc_loadavg_step(unsigned long avenrun[3], unsigned active);

struct proc_loadavg {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	unsigned long avenrun[3];   /* fixed point, FSHIFT 11 */
	bool stop, started;
	char *dir;
	bool v2;
	pid_t ns_pid;               /* > 0: count PID's pid namespace, not dir */
	pthread_t thread;
};

/* Starts sampling the tasks of NS_PID's pid namespace (when > 0), else of
 * dir. Returns 0, or -1 with errno set. */
int proc_loadavg_start(struct proc_loadavg *l, const char *dir, bool v2, pid_t ns_pid);
void proc_loadavg_get(struct proc_loadavg *l, unsigned long avenrun[3]);
void proc_loadavg_stop(struct proc_loadavg *l);

#endif
