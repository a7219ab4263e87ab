/* The user's terminal while a container has a pty: raw mode, size, relay. */
#ifndef CTRRUN_TERMINAL_H
#define CTRRUN_TERMINAL_H

#include <stdbool.h>
#include <termios.h>

struct term_state {
	bool raw;             /* STDIN was put in raw mode and must be restored */
	struct termios saved;
};

/* Raw mode on FD when it is a terminal (keys, Ctrl-C included, go to the
 * container's pty, whose line discipline turns them into signals). */
void ctr_term_make_raw(int fd, struct term_state *st);
void ctr_term_restore(int fd, struct term_state *st);
/* Copies the window size of FROM (the user's terminal) to the pty TO. */
void ctr_term_copy_size(int from, int to);

#endif
