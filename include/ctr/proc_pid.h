/* The per-process files of /proc that the runner and the /proc view both
 * read: /proc/PID/stat (proc(5)) and /proc/PID/cgroup (cgroups(7)). */
#ifndef CTR_PROC_PID_H
#define CTR_PROC_PID_H

#include <stdbool.h>
#include <stdint.h>

/* ---- /proc/PID/stat ----
 * One line: "PID (COMM) STATE PPID ...". COMM (field 2) may itself hold
 * spaces and parentheses, so the fields are counted from its last ')'. */
struct ctr_proc_stat {
	char state;            /* field 3: 'R', 'S', 'D', 'Z', 'X', ...; 0 when the line ends there */
	bool has_start;        /* field 22 was there and a number */
	uint64_t start_ticks;  /* field 22, starttime: clock ticks after boot */
};

/* Parses the text of a /proc/PID/stat. Returns 0, or -1 when the text has no
 * ") " (then *st is all zero). */
int ctr_proc_stat_parse(const char *text, struct ctr_proc_stat *st);
/* Reads and parses the file PATH ("/proc/PID/stat", "/proc/self/stat",
 * "/proc/PID/task/TID/stat"). -1 (errno set where a call failed) when it
 * cannot be read, is empty or does not parse. */
int ctr_proc_stat_read(const char *path, struct ctr_proc_stat *st);

/* ---- /proc/PID/cgroup ----
 * One line per hierarchy the process is in: "HIERARCHY-ID:CONTROLLERS:PATH",
 * e.g. "4:cpu,cpuacct:/user.slice", "1:name=systemd:/init.scope", and the
 * cgroup v2 line "0::/user.slice/x.scope" (ID 0, no controllers). PATH is
 * seen from the reader's cgroup namespace and may itself hold colons. */
struct ctr_cgroup_line {
	char *id;           /* "0" for v2 */
	char *controllers;  /* "" for v2; "cpu,cpuacct"; "name=systemd" */
	char *path;
};

/* Takes the next line from *TEXT, splitting it in place (its newline and
 * its first two colons become NULs) and advancing *TEXT past it. Lines
 * without two colons (empty ones, garbage) are skipped. False at the end. */
bool ctr_cgroup_next_line(char **text, struct ctr_cgroup_line *line);

#endif
