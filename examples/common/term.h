/*
 * The caller's terminal for `wsb-run --pty` and `agent-loop --pty`: raw
 * mode restored on every way out, the window size, and the session loop
 * that carries keys into the sandbox's terminal and its output back.
 * Tool-only code on the public API.
 */
#ifndef WSB_TOOL_TERM_H
#define WSB_TOOL_TERM_H

#include "tool.h"

/* 1 if this platform has the session loop below (POSIX); 0 on Windows. */
int tool_pty_supported(void);

/* The size of the caller's terminal (stdin, else stdout); 80x24 when
 * neither is a terminal. */
void tool_term_size(unsigned int *cols, unsigned int *rows);

/* Run an interactive session with p (spawned with a terminal) until its
 * tree ends: stdin goes to the terminal (raw mode while stdin is a
 * terminal, restored before returning, also when a signal ends the
 * session), the terminal's output to out_fd and, when transcript is not
 * NULL, into it (at most cap bytes; *truncated says whether more came).
 * Window size changes are forwarded. Returns 0, or the number of the
 * signal (SIGINT, SIGTERM, SIGHUP) that ended the session, after which the
 * tree has been killed; -1 if the platform has no terminal session. */
int tool_pty_session(wsb_process *p, int out_fd, tool_buf *transcript, size_t cap,
	int *truncated);

#endif
