#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mount_options.h"

const char union_usage[] =
	"usage: ctrfs mount LOWER[:LOWER...] UPPER MNT [-o OPTIONS] [-f] [-d]\n"
	"       ctrfs [-f] [-d] -o lowerdir=L1[:L2...][,upperdir=U,workdir=W][,OPTIONS] MNT\n"
	"       ctrfs SOURCE MNT -o lowerdir=...[,OPTIONS]     (as run by mount.fuse3)\n"
	"\n"
	"Merges read-only lower layers (top first) with a writable upper directory,\n"
	"kernel-overlayfs compatible on disk. Without an upper directory the mount is\n"
	"read-only. See ctrfs(1) for every option.\n"
	"\n"
	"  -f               stay in the foreground\n"
	"  -d               debug: log every request (implies -f)\n"
	"  -o ro            lowers only, read-only\n"
	"  -o userxattr     overlay xattrs in user.overlay.* (default unless real root)\n"
	"  -o volatile      skip the syncs that make copy-up crash-safe\n"
	"  -o fsync=0       do not pass applications' fsync on\n"
	"  -o uidmapping=DISK:SHOWN:LEN[:...], gidmapping=...   translate owners\n"
	"  -o squash_to_uid=N, squash_to_gid=N, squash_to_root  report one owner\n"
	"  --help, --version\n";

/* Generic mount options: handled by the kernel (libfuse passes them on) or
 * meaningful only to mount(8) itself, so accepted without effect here. */
static const char *const kernel_flags[] = {
	"rw", "dev", "nodev", "suid", "nosuid", "exec", "noexec", "atime", "noatime",
	"diratime", "nodiratime", "relatime", "norelatime", "strictatime", "nostrictatime",
	"lazytime", "nolazytime", "sync", "async", "dirsync", NULL,
};
static const char *const mount8_only[] = {
	"defaults", "auto", "noauto", "user", "nouser", "users", "nofail", "_netdev",
	"default_permissions", "allow_other", "allow_root", NULL,
};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static int append_flag(struct union_config *cfg, const char *flag)
{
	size_t old = cfg->fuse_flags ? strlen(cfg->fuse_flags) : 0;
	char *n = realloc(cfg->fuse_flags, old + strlen(flag) + 2);
	if (!n)
		return -1;
	if (old)
		n[old++] = ',';
	strcpy(n + old, flag);
	cfg->fuse_flags = n;
	return 0;
}

static int set_string(char **dst, const char *value, const char *name, struct ctr_error *err)
{
	if (!*value)
		return ctr_fail(err, 0, "option %s= needs a value", name);
	free(*dst);
	*dst = strdup(value);
	return *dst ? 0 : ctr_fail(err, ENOMEM, "option %s", name);
}

static int split_lowers(struct union_config *cfg, const char *list, struct ctr_error *err)
{
	for (int i = 0; i < cfg->nlowers; i++)
		free(cfg->lowers[i]);
	free(cfg->lowers);
	cfg->lowers = NULL;
	cfg->nlowers = 0;

	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return ctr_fail(err, ENOMEM, "lowerdir");
	for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		char **n = realloc(cfg->lowers, (cfg->nlowers + 1) * sizeof *n);
		if (!n || !(n[cfg->nlowers] = strdup(tok))) {
			free(n ? n : cfg->lowers);
			cfg->lowers = NULL;
			free(copy);
			return ctr_fail(err, ENOMEM, "lowerdir");
		}
		cfg->lowers = n;
		cfg->nlowers++;
	}
	free(copy);
	if (cfg->nlowers == 0)
		return ctr_fail(err, 0, "option lowerdir= names no directory");
	return 0;
}

static int parse_id(const char *value, const char *name, long *out, struct ctr_error *err)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(value, &end, 10);
	if (!*value || *end || errno || v > 0xfffffffeUL)
		return ctr_fail(err, 0, "option %s=%s: not a numeric id", name, value);
	*out = (long)v;
	return 0;
}

/* One option of a -o list. */
static int parse_one(struct union_config *cfg, char *opt, struct ctr_error *err)
{
	if (!*opt)
		return 0;    /* podman sends ",," */
	char *eq = strchr(opt, '=');
	const char *value = eq ? eq + 1 : NULL;
	if (eq)
		*eq = '\0';
	const char *name = opt;

#define IS(s) (strcmp(name, s) == 0)
	if (value) {
		if (IS("lowerdir"))
			return split_lowers(cfg, value, err);
		if (IS("upperdir"))
			return set_string(&cfg->upper, value, name, err);
		if (IS("workdir"))
			return set_string(&cfg->work, value, name, err);
		if (IS("uidmapping"))
			return idmap_parse(&cfg->uids, value, name, err);
		if (IS("gidmapping"))
			return idmap_parse(&cfg->gids, value, name, err);
		if (IS("squash_to_uid"))
			return parse_id(value, name, &cfg->uids.squash_to, err);
		if (IS("squash_to_gid"))
			return parse_id(value, name, &cfg->gids.squash_to, err);
		if (IS("fsync")) {
			if (strcmp(value, "0") && strcmp(value, "1"))
				return ctr_fail(err, 0, "option fsync=%s: expected 0 or 1", value);
			cfg->ignore_fsync = value[0] == '0';
			return 0;
		}
		if (IS("redirect_dir")) {
			/* Directory renames always work without redirects (ctrfs copies the
			 * merged directory up), so every value gives the same result. */
			if (strcmp(value, "on") && strcmp(value, "off") && strcmp(value, "follow") &&
			    strcmp(value, "nofollow"))
				return ctr_fail(err, 0, "option redirect_dir=%s: expected on, off, follow or nofollow", value);
			return 0;
		}
		if (IS("metacopy")) {
			if (strcmp(value, "off") == 0)
				return 0;
			return ctr_fail(err, 0, "option metacopy=%s is not supported: ctrfs always copies data up (use metacopy=off)", value);
		}
		if (IS("context") || IS("fscontext") || IS("defcontext") || IS("rootcontext"))
			return ctr_fail(err, 0, "option %s= is not supported: ctrfs does not apply SELinux labels", name);
		if (IS("xattr_permissions")) {
			if (strcmp(value, "0") == 0)
				return 0;
			return ctr_fail(err, 0, "option xattr_permissions=%s is not supported yet: ownership is stored with chown (use subordinate ids)", value);
		}
		if (IS("fsname") || IS("subtype")) {
			char buf[512];
			snprintf(buf, sizeof buf, "%s=%s", name, value);
			return append_flag(cfg, buf) ? ctr_fail(err, ENOMEM, "options") : 0;
		}
		return ctr_fail(err, 0, "unknown option %s=%s", name, value);
	}

	if (IS("ro")) {
		cfg->readonly = true;
		return 0;
	}
	if (IS("userxattr")) {
		cfg->xattr_ns = XATTR_NS_USER;
		return 0;
	}
	if (IS("volatile")) {
		cfg->volatile_mode = true;
		return 0;
	}
	if (IS("squash_to_root")) {
		cfg->uids.squash_to = cfg->uids.squash_to >= 0 ? cfg->uids.squash_to : 0;
		cfg->gids.squash_to = cfg->gids.squash_to >= 0 ? cfg->gids.squash_to : 0;
		return 0;
	}
	if (IS("debug")) {
		cfg->debug = cfg->foreground = true;
		return 0;
	}
	if (in_list(kernel_flags, name))
		return append_flag(cfg, name) ? ctr_fail(err, ENOMEM, "options") : 0;
	if (in_list(mount8_only, name) || strncmp(name, "x-", 2) == 0)
		return 0;
#undef IS
	return ctr_fail(err, 0, "unknown option %s", name);
}

/* Splits a -o list at commas outside double quotes (context="a,b"). */
static int parse_list(struct union_config *cfg, const char *list, struct ctr_error *err)
{
	char *copy = strdup(list);
	if (!copy)
		return ctr_fail(err, ENOMEM, "options");
	char *start = copy;
	bool quoted = false;
	for (char *p = copy;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if ((*p == ',' && !quoted) || *p == '\0') {
			bool last = *p == '\0';
			*p = '\0';
			if (parse_one(cfg, start, err) < 0) {
				free(copy);
				return -1;
			}
			if (last)
				break;
			start = p + 1;
		}
	}
	free(copy);
	return 0;
}

int union_config_parse(struct union_config *cfg, int argc, char **argv, bool mount_form,
		       struct ctr_error *err)
{
	char *positional[4];
	int npos = 0;

	memset(cfg, 0, sizeof *cfg);
	cfg->uids.squash_to = cfg->gids.squash_to = -1;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cfg->show_help = true;
			return 0;
		}
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			cfg->show_version = true;
			return 0;
		}
		if (strcmp(a, "-f") == 0) {
			cfg->foreground = true;
		} else if (strcmp(a, "-d") == 0 || strcmp(a, "--debug") == 0) {
			cfg->debug = cfg->foreground = true;
		} else if (strcmp(a, "-o") == 0) {
			if (++i == argc)
				return ctr_fail(err, 0, "option -o needs a value");
			if (parse_list(cfg, argv[i], err) < 0)
				return -1;
		} else if (strncmp(a, "-o", 2) == 0) {
			if (parse_list(cfg, a + 2, err) < 0)
				return -1;
		} else if (a[0] == '-' && a[1]) {
			return ctr_fail(err, 0, "unknown option %s", a);
		} else {
			if (npos == 3)
				return ctr_fail(err, 0, "too many arguments (at %s)", a);
			positional[npos++] = argv[i];
		}
	}

	if (mount_form) {
		if (npos != 3)
			return ctr_fail(err, 0, "ctrfs mount needs LOWER UPPER MNT (got %d argument%s)", npos, npos == 1 ? "" : "s");
		if (split_lowers(cfg, positional[0], err) < 0 ||
		    set_string(&cfg->upper, positional[1], "upper", err) < 0)
			return -1;
		cfg->mountpoint = strdup(positional[2]);
	} else {
		if (npos == 0)
			return ctr_fail(err, 0, "no mount point given");
		if (npos > 2)
			return ctr_fail(err, 0, "too many arguments (at %s)", positional[2]);
		cfg->mountpoint = strdup(positional[npos - 1]);   /* with two, the first is mount.fuse3's SOURCE */
		if (cfg->nlowers == 0)
			return ctr_fail(err, 0, "option lowerdir= is required");
	}
	if (!cfg->mountpoint)
		return ctr_fail(err, ENOMEM, "mount point");
	if (cfg->readonly && cfg->upper) {
		/* "ro" from mount(8) with an upper dir: make the mount read-only too. */
		return ctr_fail(err, 0, "option ro conflicts with upperdir=%s (a read-only mount has no upper dir)", cfg->upper);
	}
	if (!cfg->upper) {
		if (cfg->work)
			return ctr_fail(err, 0, "option workdir=%s needs upperdir=", cfg->work);
		cfg->readonly = true;
	} else if (!cfg->work) {
		size_t n = strlen(cfg->upper);
		while (n > 1 && cfg->upper[n - 1] == '/')
			n--;
		if (asprintf(&cfg->work, "%.*s.work", (int)n, cfg->upper) < 0)
			return ctr_fail(err, ENOMEM, "workdir");
		cfg->work_defaulted = true;
	}
	return 0;
}

void union_config_free(struct union_config *cfg)
{
	for (int i = 0; i < cfg->nlowers; i++)
		free(cfg->lowers[i]);
	free(cfg->lowers);
	free(cfg->upper);
	free(cfg->work);
	free(cfg->mountpoint);
	free(cfg->fuse_flags);
	memset(cfg, 0, sizeof *cfg);
}
