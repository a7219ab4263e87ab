/* /proc/PID/stat: the start time, for pid reuse checks. The parsing is
 * common/proc_pid_stat.c's. */
#include <stdio.h>

#include "ctr/proc_pid.h"
#include "proc_stat.h"

/* Field 3 is the state and field 22 the start time. */
static int read_stat_file(const char *path, char *state, uint64_t *ticks)
{
	struct ctr_proc_stat st;
	if (ctr_proc_stat_read(path, &st) < 0 || !st.has_start)
		return -1;
	*state = st.state;
	*ticks = st.start_ticks;
	return 0;
}

static int read_stat(pid_t pid, char *state, uint64_t *ticks)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	return read_stat_file(path, state, ticks);
}

int ctr_proc_start_ticks(pid_t pid, uint64_t *ticks)
{
	char state;
	return pid > 0 ? read_stat(pid, &state, ticks) : -1;
}

bool ctr_proc_alive(pid_t pid, uint64_t ticks)
{
	char state;
	uint64_t now;
	if (pid <= 0 || read_stat(pid, &state, &now) < 0)
		return false;
	return now == ticks && state != 'Z' && state != 'X';
}

int ctr_proc_self_start_ticks(uint64_t *ticks)
{
	char state;
	return read_stat_file("/proc/self/stat", &state, ticks);
}
