/* Telling a process from another that reused its pid: its start time in
 * clock ticks since boot (/proc/PID/stat field 22). */
#ifndef CTRRUN_PROC_STAT_H
#define CTRRUN_PROC_STAT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* 0 on success; -1 when the process does not exist (or is unreadable). */
int ctr_proc_start_ticks(pid_t pid, uint64_t *ticks);
/* The caller's own, through /proc/self (right also in a new PID namespace
 * whose /proc is still the host's). */
int ctr_proc_self_start_ticks(uint64_t *ticks);
/* True when PID runs and started at TICKS (not a zombie). */
bool ctr_proc_alive(pid_t pid, uint64_t ticks);

#endif
