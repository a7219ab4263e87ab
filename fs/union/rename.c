#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "copyup.h"
#include "dirfd_cache.h"
#include "lookup.h"
#include "merged_dir.h"
#include "rename.h"
#include "whiteout.h"
#include "workdir.h"

/* The kernel has looked the object up, so its node normally exists; if it
 * does not, take a temporary one (released by the caller with node_forget). */
static struct node *node_for(struct union_fs *fs, struct node *parent, const char *name,
			     const struct node_info *info, bool *temporary)
{
	struct node *n = node_by_ino(fs, info->ino);
	*temporary = n == NULL;
	return n ? n : node_remember(fs, parent, name, info);
}

/* A renamed directory must not merge with whatever the lowers hold at its
 * new place; one that lives wholly in the upper dir just gets marked opaque. */
static int ensure_opaque_for(struct union_fs *fs, struct node *dir, int upper_dirfd,
			     struct node *dest_parent, const char *dest_name)
{
	if (!lower_has_name(fs, dest_parent, dest_name, fs->first_lower))
		return 0;
	if (dir_is_opaque(fs, 0, upper_dirfd, dir->name))
		return 0;
	return opaque_set(fs, upper_dirfd, dir->name);
}

/* Makes the object fully upper: files by copy-up, merged dirs by a complete copy. */
static int move_up(struct union_fs *fs, struct node *n)
{
	if (n->type == S_IFDIR)
		return copyup_merged_tree(fs, n);
	return copyup_node(fs, n, true);
}

/* An upper dir that is empty in the merged view may still hold whiteouts,
 * which rename(2) refuses to replace: swap in an empty opaque dir first. */
static int clear_upper_dir(struct union_fs *fs, int dirfd, const char *name)
{
	char tmp[64];
	workdir_tmpname(fs, tmp, sizeof tmp);
	if (mkdirat(fs->work_fd, tmp, 0700) < 0)
		return -errno;
	int r = opaque_set(fs, fs->work_fd, tmp);
	if (r == 0 && renameat2(fs->work_fd, tmp, dirfd, name, RENAME_EXCHANGE) < 0)
		r = -errno;
	remove_tree_at(fs->work_fd, tmp);
	return r;
}

static int rename_exchange(struct union_fs *fs, struct node *parent, const char *name, struct node *s,
			   struct node *new_parent, const char *new_name, struct node *d)
{
	int r;
	if ((r = move_up(fs, s)) < 0 || (r = move_up(fs, d)) < 0)
		return r;
	int ps = node_dirfd(fs, parent, 0);
	if (ps < 0)
		return ps;
	int pd = node_dirfd(fs, new_parent, 0);
	if (pd < 0) {
		close(ps);
		return pd;
	}
	if (s->type == S_IFDIR)
		r = ensure_opaque_for(fs, s, ps, new_parent, new_name);
	if (r == 0 && d->type == S_IFDIR)
		r = ensure_opaque_for(fs, d, pd, parent, name);
	if (r == 0 && renameat2(ps, name, pd, new_name, RENAME_EXCHANGE) < 0)
		r = -errno;
	close(ps);
	close(pd);
	if (r == 0) {
		node_rename(fs, s, parent, name, new_parent, new_name);
		node_rename(fs, d, new_parent, new_name, parent, name);
	}
	return r;
}

int union_rename(struct union_fs *fs, struct node *parent, const char *name,
		 struct node *new_parent, const char *new_name, unsigned int flags)
{
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if (!fs->has_upper)
		return -EROFS;
	int r = node_refresh(fs, parent);
	if (r == 0)
		r = node_refresh(fs, new_parent);
	if (r < 0)
		return r;

	struct node_info si, di;
	if ((r = union_lookup(fs, parent, name, &si, NULL)) < 0)
		return r;
	int dr = union_lookup(fs, new_parent, new_name, &di, NULL);
	if (dr < 0 && dr != -ENOENT)
		return dr;
	bool dest_exists = dr == 0;
	if ((flags & RENAME_NOREPLACE) && dest_exists)
		return -EEXIST;
	if ((flags & RENAME_EXCHANGE) && !dest_exists)
		return -ENOENT;
	if (dest_exists && di.ino == si.ino)
		return 0;   /* two names of one inode: rename(2) does nothing */

	bool s_tmp = false, d_tmp = false;
	struct node *s = node_for(fs, parent, name, &si, &s_tmp), *d = NULL;
	if (!s)
		return -ENOMEM;
	if (dest_exists && !(d = node_for(fs, new_parent, new_name, &di, &d_tmp))) {
		r = -ENOMEM;
		goto out;
	}

	if (flags & RENAME_EXCHANGE) {
		r = copyup_dir_chain(fs, parent);
		if (r == 0)
			r = copyup_dir_chain(fs, new_parent);
		if (r == 0)
			r = rename_exchange(fs, parent, name, s, new_parent, new_name, d);
		goto out;
	}

	if (d) {
		if (si.type == S_IFDIR && di.type != S_IFDIR) {
			r = -ENOTDIR;
			goto out;
		}
		if (si.type != S_IFDIR && di.type == S_IFDIR) {
			r = -EISDIR;
			goto out;
		}
		if (di.type == S_IFDIR && (r = merged_dir_is_empty(fs, d)) <= 0) {
			r = r < 0 ? r : -ENOTEMPTY;
			goto out;
		}
	}

	bool src_whiteout = lower_has_name(fs, parent, name, fs->first_lower);
	if ((r = move_up(fs, s)) < 0 || (r = copyup_dir_chain(fs, new_parent)) < 0)
		goto out;
	if (d && (r = copyup_if_linked(fs, d)) < 0)
		goto out;
	int ps = node_dirfd(fs, parent, 0);
	if (ps < 0) {
		r = ps;
		goto out;
	}
	int pd = node_dirfd(fs, new_parent, 0);
	if (pd < 0) {
		close(ps);
		r = pd;
		goto out;
	}
	if (si.type == S_IFDIR)
		r = ensure_opaque_for(fs, s, ps, new_parent, new_name);

	struct stat dst;
	bool dst_upper = r == 0 && fstatat(pd, new_name, &dst, AT_SYMLINK_NOFOLLOW) == 0;
	if (dst_upper && S_ISDIR(dst.st_mode))
		r = clear_upper_dir(fs, pd, new_name);
	if (r == 0 && dst_upper && is_whiteout(&dst) && si.type == S_IFDIR) {
		/* A directory cannot replace a whiteout by rename: swap them, and
		 * the whiteout lands where the directory was. */
		if (renameat2(ps, name, pd, new_name, RENAME_EXCHANGE) < 0)
			r = -errno;
		else if (!src_whiteout)
			unlinkat(ps, name, 0);
	} else if (r == 0) {
		unsigned rf = src_whiteout ? RENAME_WHITEOUT : 0;
		if (renameat2(ps, name, pd, new_name, rf) < 0) {
			r = -errno;
			if (src_whiteout && (r == -EINVAL || r == -EPERM)) {
				/* No RENAME_WHITEOUT here: move, then hide the lower name. */
				r = renameat(ps, name, pd, new_name) < 0 ? -errno : whiteout_make(ps, name);
			}
		}
	}
	close(ps);
	close(pd);
	if (r == 0) {
		if (d)
			node_drop_name(fs, d, new_parent, new_name);
		node_rename(fs, s, parent, name, new_parent, new_name);
	}
out:
	if (s_tmp)
		node_forget(fs, s, 1);
	if (d && d_tmp)
		node_forget(fs, d, 1);
	return r;
}
