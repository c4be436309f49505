/*
 * The caller's terminal (term.h). POSIX: termios raw mode, SIGWINCH, one
 * poll loop over stdin and the process's stream and waitable handles.
 * Windows: no session yet (the library has no ConPTY terminal yet either).
 */
#include "term.h"

#ifdef _WIN32

int tool_pty_supported(void)
{
	return 0;
}

void tool_term_size(unsigned int *cols, unsigned int *rows)
{
	*cols = 80;
	*rows = 24;
}

int tool_pty_session(wsb_process *p, int out_fd, tool_buf *transcript, size_t cap,
	int *truncated)
{
	(void)p;
	(void)out_fd;
	(void)transcript;
	(void)cap;
	*truncated = 0;
	return -1;
}

#else

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int tool_pty_supported(void)
{
	return 1;
}

static struct termios saved;
static volatile sig_atomic_t raw_on;
static volatile sig_atomic_t winch;
static volatile sig_atomic_t ended_by;

void tool_term_size(unsigned int *cols, unsigned int *rows)
{
	struct winsize ws;

	*cols = 80;
	*rows = 24;
	if ((ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) &&
	    ws.ws_col > 0 && ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

/* Async-signal-safe: tcsetattr is on POSIX's list. */
static void restore(void)
{
	if (raw_on) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		raw_on = 0;
	}
}

static void make_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0)
		return;
	t = saved;
	/* What cfmakeraw does: every key, Ctrl-C included, goes to the
	 * sandbox's terminal, whose own line discipline interprets it. */
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	/* TCSADRAIN, not TCSAFLUSH: keys typed ahead go to the command. */
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0) {
		raw_on = 1;
		atexit(restore);
	}
}

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

/* A signal that ends the session: restore the terminal right away (the
 * loop then kills the tree), so that even a second, fatal signal leaves
 * the terminal usable. */
static void on_end(int sig)
{
	int saved_errno = errno;

	restore();
	ended_by = sig;
	errno = saved_errno;
}

static void catch_signals(void)
{
	static const int ends[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	size_t k;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_winch;
	sa.sa_flags = 0; /* no SA_RESTART: poll returns EINTR */
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on_end;
	for (k = 0; k < sizeof(ends) / sizeof(ends[0]); k++)
		sigaction(ends[k], &sa, NULL);
}

static void write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

/* Copy what the terminal has now; 1 at its end. */
static int pump_output(wsb_process *p, int out_fd, tool_buf *transcript, size_t cap,
	int *truncated)
{
	char buf[8192];
	size_t n = 0;

	if (wsb_process_read(&n, p, WSB_STREAM_STDOUT, buf, sizeof(buf), 0) != WSB_OK)
		return 0;
	if (n == 0)
		return 1;
	write_all(out_fd, buf, n);
	if (transcript) {
		size_t room = transcript->len < cap ? cap - transcript->len : 0;
		tool_buf_add(transcript, buf, n < room ? n : room);
		if (n > room)
			*truncated = 1;
	}
	return 0;
}

int tool_pty_session(wsb_process *p, int out_fd, tool_buf *transcript, size_t cap,
	int *truncated)
{
	wsb_os_handle tty_fd, wait_fd;
	int stdin_open = 1, out_open = 1, tree_ended = 0;

	*truncated = 0;
	if (wsb_process_stream_handle(&tty_fd, p, WSB_STREAM_STDOUT) != WSB_OK ||
	    wsb_process_waitable(&wait_fd, p) != WSB_OK)
		return -1;
	catch_signals();
	make_raw();
	while (!ended_by && (out_open || !tree_ended)) {
		struct pollfd pf[3];
		int n = 0, i_out = -1, i_wait = -1, i_in = -1;

		if (winch) {
			unsigned int cols, rows;
			winch = 0;
			tool_term_size(&cols, &rows);
			wsb_process_resize(p, cols, rows);
		}
		if (out_open) {
			pf[n].fd = tty_fd;
			pf[n].events = POLLIN;
			i_out = n++;
		}
		if (!tree_ended) {
			pf[n].fd = wait_fd;
			pf[n].events = POLLIN;
			i_wait = n++;
		}
		if (stdin_open && !tree_ended) {
			pf[n].fd = STDIN_FILENO;
			pf[n].events = POLLIN;
			i_in = n++;
		}
		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (i_out >= 0 && pf[i_out].revents)
			out_open = !pump_output(p, out_fd, transcript, cap, truncated);
		if (i_in >= 0 && pf[i_in].revents) {
			char keys[4096];
			ssize_t k = read(STDIN_FILENO, keys, sizeof(keys));
			if (k > 0)
				wsb_process_write(NULL, p, keys, (size_t)k);
			else if (k == 0 || errno != EINTR)
				stdin_open = 0;  /* our stdin ended: the session goes on without keys */
		}
		if (i_wait >= 0 && pf[i_wait].revents)
			tree_ended = 1;  /* the rest of the output is still read above */
	}
	restore();
	if (ended_by) {
		wsb_process_kill(p);
		wsb_process_wait(p, -1);
		return (int)ended_by;
	}
	wsb_process_wait(p, -1);
	return 0;
}

#endif
