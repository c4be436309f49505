/*
 * The pseudo-terminal of a command run with wsb_spawn_options.terminal.
 *
 * Both ends are opened here, on the caller's side, and the slave reaches
 * the command as its fds 0-2 (spawn.c makes it the controlling terminal
 * after setsid). The slave comes from TIOCGPTPEER, not from a path under
 * /dev/pts: nothing is looked up by name, so it works the same whether the
 * sandbox has a mount namespace or not, which devpts instance it sees, and
 * whatever Landlock later allows under /dev (an fd opened before the
 * ruleset keeps the ioctl rights a terminal needs for job control).
 */
#include "linux.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#  define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Move fd to a number >= 3 (close-on-exec): fds 0-2 are the command's. */
static int above_stdio(int fd)
{
	int h;

	if (fd < 0 || fd >= 3)
		return fd;
	h = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return h;
}

/* The slave by path, for kernels before 4.13 (no TIOCGPTPEER). */
static int open_slave_by_name(int master)
{
	char name[128];

	if (ptsname_r(master, name, sizeof(name)) != 0)
		return -1;
	return open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
}

int wsb__lx_pty_open(int *out_master, int *out_slave, unsigned int cols, unsigned int rows)
{
	struct winsize ws;
	int m, s = -1, err;
	const char *what = "posix_openpt";

	*out_master = -1;
	*out_slave = -1;
	m = above_stdio(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
	if (m < 0)
		goto fail;
	what = "unlockpt";
	if (grantpt(m) < 0 || unlockpt(m) < 0)
		goto fail;
	what = "opening the terminal's slave";
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0 && (errno == EINVAL || errno == ENOTTY))
		s = open_slave_by_name(m);
	if ((s = above_stdio(s)) < 0)
		goto fail;
	memset(&ws, 0, sizeof(ws));
	ws.ws_col = (unsigned short)cols;
	ws.ws_row = (unsigned short)rows;
	what = "TIOCSWINSZ";
	if (ioctl(m, TIOCSWINSZ, &ws) < 0)
		goto fail;
	*out_master = m;
	*out_slave = s;
	return WSB_OK;
fail:
	err = errno;
	if (s >= 0)
		close(s);
	if (m >= 0)
		close(m);
	return wsb__error_os(WSB_EOS, err, "cannot allocate a pseudo-terminal: %s failed: %s",
		what, strerror(err));
}

int wsb__lx_pty_resize(int master, unsigned int cols, unsigned int rows)
{
	struct winsize ws;

	memset(&ws, 0, sizeof(ws));
	ws.ws_col = (unsigned short)cols;
	ws.ws_row = (unsigned short)rows;
	/* The kernel sends SIGWINCH to the terminal's foreground process group. */
	if (ioctl(master, TIOCSWINSZ, &ws) < 0) {
		int err = errno;
		return wsb__error_os(WSB_EOS, err, "resizing the terminal failed: %s", strerror(err));
	}
	return WSB_OK;
}
