/* Terminal handling for `run -t`. */
#include <sys/ioctl.h>
#include <unistd.h>

#include "terminal.h"

void ctr_term_make_raw(int fd, struct term_state *st)
{
	st->raw = false;
	if (!isatty(fd) || tcgetattr(fd, &st->saved) < 0)
		return;
	struct termios raw = st->saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSANOW, &raw) == 0)
		st->raw = true;
}

void ctr_term_restore(int fd, struct term_state *st)
{
	if (st->raw)
		tcsetattr(fd, TCSANOW, &st->saved);
	st->raw = false;
}

void ctr_term_copy_size(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		ioctl(to, TIOCSWINSZ, &ws);
}
