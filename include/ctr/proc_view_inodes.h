/* The inode numbers of `ctrfs proc`'s files, which ctrrun needs too: when a
 * view daemon dies, the monitor drops the kernel's cached copies of its
 * files (a notification on the /dev/fuse connection it kept), so that a
 * process holding one open reads an error, not the last content as if it
 * were current. */
#ifndef CTR_PROC_VIEW_INODES_H
#define CTR_PROC_VIEW_INODES_H

/* The root directory is FUSE_ROOT_ID (1); files are numbered from here,
 * in the order of fs/procview/proc_content.h's enum. */
#define CTR_VIEW_FIRST_FILE_INO 2
#define CTR_VIEW_FILE_COUNT 7

#endif
