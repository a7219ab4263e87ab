/* User lookup inside the image, and dropping privileges before exec. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capabilities.h"
#include "process_creds.h"

static bool parse_id(const char *s, uint32_t *out)
{
	char *end;
	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > 4294967294UL)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Finds NAME (or the numeric ID, for the home dir) in a colon-separated file:
 * FIELDS[0] = name, [2] = id, [3] = gid, [5] = home. */
static bool lookup(const char *file, const char *name, const uint32_t *id, uint32_t *out_id, uint32_t *out_gid,
		   char **home, char *out_name, size_t name_len)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return false;
	char line[1024];
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char *fields[7] = {0};
		char *p = line;
		for (int i = 0; i < 7 && p; i++) {
			fields[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		uint32_t fid, fgid = 0;
		if (!fields[0] || !fields[2] || !parse_id(fields[2], &fid))
			continue;
		if (name ? strcmp(fields[0], name) != 0 : fid != *id)
			continue;
		if (fields[3])
			parse_id(fields[3], &fgid);
		*out_id = fid;
		if (out_gid)
			*out_gid = fgid;
		if (home && fields[5] && *fields[5])
			*home = strdup(fields[5]);
		if (out_name)
			snprintf(out_name, name_len, "%s", fields[0]);
		found = true;
	}
	fclose(f);
	return found;
}

/* docker gives a named user the groups that list it as a member. */
static void add_member_groups(const char *user, struct creds *out)
{
	FILE *f = fopen("/etc/group", "re");
	if (!f)
		return;
	char line[4096];
	while (out->n_groups < (int)(sizeof out->groups / sizeof out->groups[0]) && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		/* strsep, not strtok: empty fields ("wheel::10:a,b") count. */
		char *rest = line, *save = NULL;
		strsep(&rest, ":");  /* name */
		strsep(&rest, ":");  /* password */
		char *gidstr = strsep(&rest, ":"), *members = strsep(&rest, ":");
		uint32_t g;
		if (!gidstr || !members || !parse_id(gidstr, &g))
			continue;
		for (char *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save))
			if (strcmp(m, user) == 0)
				out->groups[out->n_groups++] = g;
	}
	fclose(f);
}

int ctr_creds_resolve(const char *user, struct creds *out, struct ctr_error *err)
{
	memset(out, 0, sizeof *out);
	char buf[512];
	snprintf(buf, sizeof buf, "%s", user && *user ? user : "0");
	char *group = strchr(buf, ':');
	if (group)
		*group++ = '\0';
	uint32_t uid, gid = 0;
	bool gid_known = false;
	char name[256] = "";
	if (parse_id(buf, &uid)) {
		gid_known = lookup("/etc/passwd", NULL, &uid, &uid, &gid, &out->home, name, sizeof name);
	} else if (lookup("/etc/passwd", buf, NULL, &uid, &gid, &out->home, name, sizeof name)) {
		gid_known = true;
	} else {
		return ctr_fail(err, 0, "unable to find user %s: no matching entries in the image's /etc/passwd", buf);
	}
	if (group) {
		if (!parse_id(group, &gid) && !lookup("/etc/group", group, NULL, &gid, NULL, NULL, NULL, 0))
			return ctr_fail(err, 0, "unable to find group %s: no matching entries in the image's /etc/group",
					group);
	} else if (!gid_known) {
		gid = 0;  /* a uid not in /etc/passwd runs with group root, as docker */
	}
	out->uid = uid;
	out->gid = gid;
	if (name[0] && !group)
		add_member_groups(name, out);
	return 0;
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int v = CAP_LAST_CAP;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = CAP_LAST_CAP;
		fclose(f);
	}
	return v;
}

int ctr_creds_apply(const struct creds *c, bool can_setgroups, uint64_t keep, struct ctr_error *err)
{
	int last = last_cap();
	for (int cap = 0; cap <= last; cap++)
		if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return ctr_fail(err, errno, "cannot drop capability %d from the bounding set", cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return ctr_fail(err, errno, "cannot clear ambient capabilities");
	if (can_setgroups && setgroups((size_t)c->n_groups, c->groups) < 0)
		return ctr_fail(err, errno, "cannot set supplementary groups");
	if (setresgid(c->gid, c->gid, c->gid) < 0)
		return ctr_fail(err, errno, "cannot switch to gid %u (is it mapped in the user namespace?)",
				(unsigned)c->gid);
	if (setresuid(c->uid, c->uid, c->uid) < 0)
		return ctr_fail(err, errno, "cannot switch to uid %u (is it mapped in the user namespace?)",
				(unsigned)c->uid);
	if (c->uid == 0) {
		/* Root keeps exactly the container's set; other users got none by setuid. */
		struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct data[2] = {{0}};
		for (int i = 0; i < 2; i++) {
			data[i].effective = data[i].permitted = (uint32_t)(keep >> (32 * i));
			data[i].inheritable = 0;
		}
		if (syscall(SYS_capset, &hdr, data) < 0)
			return ctr_fail(err, errno, "cannot set capabilities");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return ctr_fail(err, errno, "cannot set no_new_privs");
	return 0;
}
