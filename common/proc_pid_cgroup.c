/* /proc/PID/cgroup (include/ctr/proc_pid.h). */
#include <string.h>

#include "ctr/proc_pid.h"

bool ctr_cgroup_next_line(char **text, struct ctr_cgroup_line *line)
{
	while (**text) {
		char *start = *text, *end = start + strcspn(start, "\n");
		*text = *end ? end + 1 : end;
		*end = '\0';
		char *c1 = strchr(start, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		*line = (struct ctr_cgroup_line){.id = start, .controllers = c1 + 1, .path = c2 + 1};
		return true;
	}
	return false;
}
