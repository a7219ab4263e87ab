/* The /proc view's FUSE file system: one read-only directory of files whose
 * text is made on demand (proc_content.c) and served from the kernel's page
 * cache.
 *
 * Freshness: text handed to the kernel is at most STALE_NS old. A file the
 * kernel holds is "armed": STALE_NS after its text was made, the background
 * thread either remakes it (when the kernel asked for it in the meantime,
 * so somebody reads) and invalidates the kernel's copy if it changed, or,
 * when nobody asked, just invalidates it and stops watching. So an idle
 * container costs nothing, and a busy reader pays for one remake every
 * STALE_NS while every other open+read+close is served by the kernel alone:
 * where the kernel allows it, opens are not even sent here (no_open, which
 * implies keep_cache). Sizes are the text's length, so tail(1) and lseek
 * work as on a regular file; mtime is when the text last changed, so the
 * kernel also drops stale pages whenever it refetches attributes. */
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuse_daemon.h"
#include "proc_content.h"
#include "proc_options.h"
#include "proc_sysinfo.h"
#include "ctr/proc_view_inodes.h"
#include "proc_view.h"

#define STALE_NS (100 * 1000000ULL)   /* the documented maximum staleness */
#define TIMEOUT 86400.0               /* names never change; attributes are invalidated explicitly */
#define FIRST_FILE_INO CTR_VIEW_FIRST_FILE_INO
_Static_assert(PROC_F_COUNT == CTR_VIEW_FILE_COUNT, "include/ctr/proc_view_inodes.h lists the view's files");

/* CTRFS_PROC_CACHE=keep|direct: benchmarks only (tools/bench-proc). */
enum cache_mode { CACHE_NO_OPEN, CACHE_KEEP, CACHE_DIRECT };

struct view_file {
	pthread_mutex_t lock;
	struct proc_buf text;
	uint64_t made;                /* CLOCK_MONOTONIC ns of the last make; 0: never */
	struct timespec changed;      /* wall time the text last changed: its mtime */
	uint64_t due;                 /* next background pass, while armed */
	bool armed;                   /* the background thread watches it */
	bool demanded;                /* the kernel asked for it since the last pass */
	bool cached;                  /* the kernel may hold its text */
};

struct proc_view {
	struct fuse_session *se;
	struct proc_source src;
	struct view_file files[PROC_F_COUNT];
	enum cache_mode mode;
	bool no_open, no_opendir;     /* the kernel opens without asking */
	struct timespec mounted;
	uid_t uid;
	gid_t gid;

	pthread_mutex_t bg_lock;      /* taken after a file's lock, never before */
	pthread_cond_t bg_wake;
	unsigned armed_count;
	unsigned long arm_gen;        /* bumped on every arm, so no wake-up is lost */
	bool bg_stop, bg_started;
	pthread_t bg;

	int sysinfo_fd, control_fd;   /* --sysinfo-fd, --control-fd; -1: none */
	struct proc_sysinfo *sysinfo; /* answers their sysinfo calls while serving */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int file_index(fuse_ino_t ino)
{
	return ino >= FIRST_FILE_INO && ino < FIRST_FILE_INO + PROC_F_COUNT ? (int)(ino - FIRST_FILE_INO) : -1;
}

/* Remakes file i's text (its lock held). Returns 1 if the text changed,
 * 0 if not, -1 if it could not be made (the old text stays). */
static int remake(struct proc_view *v, int i, uint64_t now)
{
	struct view_file *f = &v->files[i];
	struct proc_buf next = {0};
	if (proc_content_make(&v->src, i, &next) < 0) {
		proc_buf_free(&next);
		return -1;
	}
	bool changed = !f->made || next.len != f->text.len ||
		       (next.len && memcmp(next.data, f->text.data, next.len) != 0);
	if (changed) {
		proc_buf_free(&f->text);
		f->text = next;
		clock_gettime(CLOCK_REALTIME, &f->changed);
	} else {
		proc_buf_free(&next);
	}
	f->made = now;
	return changed;
}

/* Starts the background watch of file i (its lock held). */
static void arm(struct proc_view *v, struct view_file *f)
{
	if (f->armed || v->mode == CACHE_DIRECT)
		return;
	f->armed = true;
	f->due = f->made + STALE_NS;
	pthread_mutex_lock(&v->bg_lock);
	v->armed_count++;
	v->arm_gen++;
	pthread_cond_signal(&v->bg_wake);
	pthread_mutex_unlock(&v->bg_lock);
}

static void disarm(struct proc_view *v, struct view_file *f)
{
	f->armed = false;
	pthread_mutex_lock(&v->bg_lock);
	v->armed_count--;
	pthread_mutex_unlock(&v->bg_lock);
}

/* The background pass over file i at time now. Returns when it is due
 * next (UINT64_MAX: not watched). */
static uint64_t background_pass(struct proc_view *v, int i, uint64_t now)
{
	struct view_file *f = &v->files[i];
	bool invalidate = false;
	uint64_t next = UINT64_MAX;
	pthread_mutex_lock(&f->lock);
	if (!f->armed) {
		/* not watched */
	} else if (now < f->due) {
		next = f->due;
	} else if (now < f->made + STALE_NS) {
		/* remade on demand since it was armed */
		next = f->due = f->made + STALE_NS;
	} else if (f->demanded) {
		int changed = remake(v, i, now);
		f->demanded = false;
		if (changed > 0 && f->cached) {
			invalidate = true;
			f->cached = false;
		}
		next = f->due = changed < 0 ? now + STALE_NS : f->made + STALE_NS;
	} else {
		/* Nobody asked: the kernel's copy may be read for a while yet, but
		 * no longer than STALE_NS; the next reader brings us back. */
		invalidate = f->cached;
		f->cached = false;
		disarm(v, f);
	}
	pthread_mutex_unlock(&f->lock);
	/* Without the lock: the kernel waits for pages being read, and the
	 * read handler takes the lock. */
	if (invalidate)
		fuse_lowlevel_notify_inval_inode(v->se, FIRST_FILE_INO + i, 0, 0);
	return next;
}

static void *background(void *arg)
{
	struct proc_view *v = arg;
	pthread_mutex_lock(&v->bg_lock);
	while (!v->bg_stop) {
		if (v->armed_count == 0) {
			pthread_cond_wait(&v->bg_wake, &v->bg_lock);
			continue;
		}
		unsigned long gen = v->arm_gen;
		pthread_mutex_unlock(&v->bg_lock);
		uint64_t now = now_ns(), due = UINT64_MAX;
		for (int i = 0; i < PROC_F_COUNT; i++) {
			uint64_t d = background_pass(v, i, now);
			due = d < due ? d : due;
		}
		pthread_mutex_lock(&v->bg_lock);
		if (v->bg_stop || gen != v->arm_gen || due == UINT64_MAX)
			continue;
		struct timespec until = {.tv_sec = due / 1000000000ULL, .tv_nsec = due % 1000000000ULL};
		pthread_cond_timedwait(&v->bg_wake, &v->bg_lock, &until);
	}
	pthread_mutex_unlock(&v->bg_lock);
	return NULL;
}

static void fill_attr(struct proc_view *v, int i, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_uid = v->uid;
	st->st_gid = v->gid;
	st->st_blksize = 4096;
	if (i < 0) {
		st->st_ino = FUSE_ROOT_ID;
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		st->st_mtim = st->st_ctim = st->st_atim = v->mounted;
		return;
	}
	const struct view_file *f = &v->files[i];
	st->st_ino = FIRST_FILE_INO + i;
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_size = f->text.len;
	st->st_blocks = (f->text.len + 511) / 512;
	st->st_mtim = st->st_ctim = st->st_atim = f->changed;
}

/* File i's attributes for the kernel, remade first when stale. Returns 0
 * or an errno value. */
static int file_attr(struct proc_view *v, int i, struct stat *st)
{
	struct view_file *f = &v->files[i];
	pthread_mutex_lock(&f->lock);
	uint64_t now = now_ns();
	if (!f->made || now - f->made >= STALE_NS)
		remake(v, i, now);
	int r = f->made ? 0 : EIO;
	if (!r) {
		f->demanded = f->cached = true;
		arm(v, f);
		fill_attr(v, i, st);
	}
	pthread_mutex_unlock(&f->lock);
	return r;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct proc_view *v = userdata;
	v->no_open = v->mode == CACHE_NO_OPEN && (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT);
	v->no_opendir = conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct proc_view *v = fuse_req_userdata(req);
	struct fuse_entry_param e = {.entry_timeout = TIMEOUT, .attr_timeout = TIMEOUT};
	if (parent != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	for (int i = 0; i < PROC_F_COUNT; i++)
		if (strcmp(name, proc_file_names[i]) == 0) {
			int r = file_attr(v, i, &e.attr);
			if (r) {
				fuse_reply_err(req, r);
			} else {
				e.ino = FIRST_FILE_INO + i;
				fuse_reply_entry(req, &e);
			}
			return;
		}
	/* a negative entry: the names never change */
	e.ino = 0;
	fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	struct proc_view *v = fuse_req_userdata(req);
	struct stat st;
	int i = file_index(ino);
	if (ino == FUSE_ROOT_ID) {
		fill_attr(v, -1, &st);
	} else if (i < 0) {
		fuse_reply_err(req, ENOENT);
		return;
	} else {
		int r = file_attr(v, i, &st);
		if (r) {
			fuse_reply_err(req, r);
			return;
		}
	}
	fuse_reply_attr(req, &st, TIMEOUT);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct proc_view *v = fuse_req_userdata(req);
	if (v->no_open) {
		fuse_reply_err(req, ENOSYS);   /* "opens need no answer", and keep_cache */
		return;
	}
	if (file_index(ino) < 0) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (v->mode == CACHE_DIRECT)
		fi->direct_io = 1;
	else
		fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	struct proc_view *v = fuse_req_userdata(req);
	int i = file_index(ino);
	if (i < 0) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	struct view_file *f = &v->files[i];
	pthread_mutex_lock(&f->lock);
	uint64_t now = now_ns();
	/* With direct_io every read comes here: a reader starting at 0 gets
	 * fresh text, one that goes on reads the same text on. */
	if (!f->made || (v->mode == CACHE_DIRECT && off == 0 && now - f->made >= STALE_NS))
		remake(v, i, now);
	if (!f->made) {
		pthread_mutex_unlock(&f->lock);
		fuse_reply_err(req, EIO);
		return;
	}
	size_t len = (size_t)off < f->text.len ? f->text.len - off : 0;
	len = len < size ? len : size;
	char *copy = len ? malloc(len) : NULL;
	if (copy)
		memcpy(copy, f->text.data + off, len);
	f->demanded = f->cached = true;
	arm(v, f);
	pthread_mutex_unlock(&f->lock);
	if (len && !copy)
		fuse_reply_err(req, ENOMEM);
	else
		fuse_reply_buf(req, copy, len);
	free(copy);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct proc_view *v = fuse_req_userdata(req);
	if (v->no_opendir)
		fuse_reply_err(req, ENOSYS);
	else if (ino != FUSE_ROOT_ID)
		fuse_reply_err(req, ENOTDIR);
	else
		fuse_reply_open(req, fi);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	if (ino != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	char *buf = calloc(1, size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	size_t used = 0;
	/* offsets: 0 ".", 1 "..", 2.. the files; an entry's off is the next one's */
	for (off_t i = off; i < 2 + PROC_F_COUNT; i++) {
		struct stat st = {.st_mode = i < 2 ? S_IFDIR : S_IFREG};
		st.st_ino = i < 2 ? FUSE_ROOT_ID : (ino_t)(FIRST_FILE_INO + i - 2);
		const char *name = i == 0 ? "." : i == 1 ? ".." : proc_file_names[i - 2];
		size_t n = fuse_add_direntry(req, buf + used, size - used, name, &st, i + 1);
		if (n > size - used)
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static const struct fuse_lowlevel_ops proc_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.getattr = op_getattr,
	.open = op_open,
	.read = op_read,
	.opendir = op_opendir,
	.readdir = op_readdir,
};

static int find_cgroups(struct proc_source *src, const struct proc_options *o, struct ctr_error *err)
{
	if (o->cgroup)
		return proc_cgroup_from_path(&src->cg, PROC_CGROUPFS, o->cgroup, err);
	pid_t pid = o->pid ? o->pid : getpid();
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	struct proc_buf text = {0};
	if (proc_buf_read_file(&text, path) < 0) {
		int e = errno;
		proc_buf_free(&text);
		if (e == ENOENT)
			return ctr_fail(err, 0, "--pid %d: no such process", (int)pid);
		return ctr_fail(err, e, "--pid %d: cannot read %s", (int)pid, path);
	}
	int r = proc_cgroup_from_pid_text(&src->cg, PROC_CGROUPFS, proc_buf_str(&text), err);
	proc_buf_free(&text);
	if (r == 0 && o->pid)
		src->ns_pid = o->pid;
	return r;
}

/* "/dev/fd/N": a /dev/fuse fd mounted by the caller (libfuse's form). */
static bool is_fuse_fd(const char *mnt)
{
	unsigned fd;
	int end = 0;
	return sscanf(mnt, "/dev/fd/%u%n", &fd, &end) == 1 && end > 8 && mnt[end] == '\0';
}

/* Checked before mounting: once mounted, stat of the mount point would wait
 * for this very daemon. */
static int check_mountpoint(const char *mnt, struct ctr_error *err)
{
	if (is_fuse_fd(mnt))
		return 0;
	struct statx stx;
	if (statx(AT_FDCWD, mnt, 0, STATX_BASIC_STATS, &stx) < 0)
		return ctr_fail(err, errno, "mount point %s", mnt);
	if (!S_ISDIR(stx.stx_mode))
		return ctr_fail(err, ENOTDIR, "mount point %s", mnt);
	if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) &&
	    strcmp(mnt, "/") != 0)
		return ctr_fail(err, EBUSY, "mount point %s (something is already mounted there)", mnt);
	return 0;
}

static enum cache_mode cache_mode_from_env(void)
{
	const char *m = getenv("CTRFS_PROC_CACHE");
	if (m && strcmp(m, "keep") == 0)
		return CACHE_KEEP;
	if (m && strcmp(m, "direct") == 0)
		return CACHE_DIRECT;
	return CACHE_NO_OPEN;
}

static void view_init(struct proc_view *v)
{
	memset(v, 0, sizeof *v);
	for (int i = 0; i < PROC_F_COUNT; i++)
		pthread_mutex_init(&v->files[i].lock, NULL);
	pthread_mutex_init(&v->bg_lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&v->bg_wake, &ca);
	pthread_condattr_destroy(&ca);
	v->mode = cache_mode_from_env();
	v->uid = geteuid();
	v->gid = getegid();
	v->src.clk_tck = sysconf(_SC_CLK_TCK);
	clock_gettime(CLOCK_REALTIME, &v->mounted);
}

/* Threads start after fuse_daemonize (a fork keeps only the caller). */
static int view_start_threads(struct proc_view *v)
{
	bool v2;
	const char *dir = proc_cgroup_task_dir(&v->src.cg, &v2);
	/* With --pid, the pid namespace is exactly the container's tasks; its
	 * cgroup may be shared (no limits, or rootless without delegation). */
	if (dir || v->src.ns_pid > 0) {
		if (proc_loadavg_start(&v->src.load, dir, v2, v->src.ns_pid) < 0) {
			fprintf(stderr, "ctrfs: cannot start the load average sampler: %s\n", strerror(errno));
			return -1;
		}
		v->src.task_dir = dir;
		v->src.task_v2 = v2;
	}
	int e = pthread_create(&v->bg, NULL, background, v);
	if (e) {
		fprintf(stderr, "ctrfs: cannot start the refresh thread: %s\n", strerror(e));
		return -1;
	}
	v->bg_started = true;
	return 0;
}

static void view_free(struct proc_view *v)
{
	if (v->bg_started) {
		pthread_mutex_lock(&v->bg_lock);
		v->bg_stop = true;
		pthread_cond_signal(&v->bg_wake);
		pthread_mutex_unlock(&v->bg_lock);
		pthread_join(v->bg, NULL);
	}
	if (v->src.task_dir || v->src.ns_pid > 0)
		proc_loadavg_stop(&v->src.load);
	for (int i = 0; i < PROC_F_COUNT; i++) {
		proc_buf_free(&v->files[i].text);
		pthread_mutex_destroy(&v->files[i].lock);
	}
	pthread_cond_destroy(&v->bg_wake);
	pthread_mutex_destroy(&v->bg_lock);
	proc_cgroup_free(&v->src.cg);
}

/* fuse_daemon steps (session/fuse_daemon.h). */
static void view_mounted(void *userdata, struct fuse_session *se)
{
	struct proc_view *v = userdata;
	v->se = se;
}

static int view_serving(void *userdata)
{
	struct proc_view *v = userdata;
	if (view_start_threads(v) < 0)
		return -1;
	if ((v->sysinfo_fd >= 0 || v->control_fd >= 0) &&
	    !(v->sysinfo = proc_sysinfo_start(v->sysinfo_fd, v->control_fd, &v->src)))
		fprintf(stderr, "ctrfs proc: cannot answer sysinfo calls; the container sees the host's\n");
	return 0;
}

static void view_served(void *userdata)
{
	struct proc_view *v = userdata;
	proc_sysinfo_stop(v->sysinfo);
	v->sysinfo = NULL;
}

/* Before the session goes: the refresh thread may be sending a
 * notification on it. */
static void view_release(void *userdata)
{
	view_free(userdata);
}

int proc_view_main(int argc, char **argv)
{
	struct proc_options o;
	struct ctr_error err = {0};
	if (proc_options_parse(&o, argc, argv, &err) < 0) {
		fprintf(stderr, "ctrfs proc: %s (see ctrfs proc --help)\n", err.msg);
		return PROC_EXIT_USAGE;
	}
	if (o.show_help) {
		fputs(proc_usage, stdout);
		return PROC_EXIT_OK;
	}

	static struct proc_view v;   /* static: the kernel's requests reach it until the loop ends */
	view_init(&v);
	if (find_cgroups(&v.src, &o, &err) < 0 || check_mountpoint(o.mountpoint, &err) < 0) {
		fprintf(stderr, "ctrfs proc: %s\n", err.msg);
		view_free(&v);
		return PROC_EXIT_USAGE;
	}
	v.sysinfo_fd = o.sysinfo_fd;
	v.control_fd = o.control_fd;

	char opts[128];
	snprintf(opts, sizeof opts, "ro,default_permissions,fsname=ctrfs-proc,subtype=ctrfs-proc%s",
		 geteuid() == 0 ? ",allow_other" : "");
	const struct fuse_daemon daemon_cfg = {
		.name = "ctrfs proc",
		.options = opts,
		.debug = o.debug,
		.foreground = o.foreground,
		.mountpoint = o.mountpoint,
		.ops = &proc_ops,
		.ops_size = sizeof proc_ops,
		.userdata = &v,
		.max_threads = 4,
		.clone_fd = false,
		.mounted = view_mounted,
		.serving = view_serving,
		.served = view_served,
		.release = view_release,
	};
	return fuse_daemon_run(&daemon_cfg) == 0 ? PROC_EXIT_OK : PROC_EXIT_MOUNT;
}
