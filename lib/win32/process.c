/*
 * A running sandboxed tree: waiting, killing, pipes, captured output, and
 * the monitor thread that enforces the wall-clock limit whether or not the
 * caller waits and reads the job's completion port to learn which limit
 * ended the tree.
 */
#include "win32.h"
#include "proxy.h"
#include "relay.h"

#include <string.h>

#define MONITOR_SLICE_MS 50
#define READ_CHUNK 65536
#define POLL_MS 10

static void kill_tree(struct wsb_process *p, UINT code)
{
	if (p->job.job)
		WSB_OS(TerminateJobObject)(p->job.job, code);
}

/* Drain the completion port; a limit message ends the tree. */
static void drain_port(struct wsb_process *p, DWORD wait_ms)
{
	DWORD msg;
	ULONG_PTR key;
	LPOVERLAPPED ov;

	while (WSB_OS(GetQueuedCompletionStatus)(p->job.port, &msg, &key, &ov, wait_ms)) {
		int limit = wsb__job_limit_of_message(msg);
		wait_ms = 0;
		if (limit != WSB_LIMIT_NONE && InterlockedCompareExchange(&p->limit, limit, 0) == 0)
			kill_tree(p, 1);
	}
}

static DWORD WINAPI monitor(LPVOID arg)
{
	struct wsb_process *p = arg;
	HANDLE h[2];

	h[0] = p->process;
	h[1] = p->stop;
	for (;;) {
		DWORD slice = MONITOR_SLICE_MS, r;
		if (p->timeout_ms) {
			wsb_u64 now = wsb__now_ms(), deadline = p->start_ms + p->timeout_ms;
			if (now >= deadline) {
				if (InterlockedCompareExchange(&p->timed_out, 1, 0) == 0)
					kill_tree(p, 1);
			} else if (deadline - now < slice) {
				slice = (DWORD)(deadline - now);
			}
		}
		r = WSB_OS(WaitForMultipleObjects)(2, h, FALSE, slice);
		drain_port(p, 0);
		if (r != WAIT_TIMEOUT)
			break;
	}
	return 0;
}

int wsb__proc_start_monitor(struct wsb_process *p)
{
	p->stop = WSB_OS(CreateEventW)(NULL, TRUE, FALSE, NULL);
	if (!p->stop) {
		DWORD err = GetLastError();
		return wsb__w32_fail("CreateEventW", err, "monitor stop event");
	}
	p->monitor = WSB_OS(CreateThread)(NULL, 0, monitor, p, 0, NULL);
	if (!p->monitor) {
		DWORD err = GetLastError();
		return wsb__w32_fail("CreateThread", err, "process monitor");
	}
	return WSB_OK;
}

static void close_handle(HANDLE *h)
{
	if (*h && *h != INVALID_HANDLE_VALUE)
		WSB_OS(CloseHandle)(*h);
	*h = NULL;
}

/* Once the tree has ended: the pseudoconsole closes its end of the output
 * pipe, so reads reach end of stream. A sandbox user's runner closed its
 * own before it exited; no more sizes go to it. */
static void close_terminal(struct wsb_process *p)
{
	if (p->pseudoconsole)
		WSB_OS(ClosePseudoConsole)(p->pseudoconsole);
	p->pseudoconsole = NULL;
	close_handle(&p->runner_ctl);
}

/* The top process has exited: end the rest of the tree, stop the monitor,
 * decide how it ended. Fails only if the exit code cannot be read (the
 * process then counts as ended with exit code -1). */
static int finish(struct wsb_process *p)
{
	DWORD code = 0;
	int rc = WSB_OK;

	if (p->ended)
		return WSB_OK;
	kill_tree(p, 1);
	if (p->monitor) {
		WSB_OS(SetEvent)(p->stop);
		wsb__w32_join(p->monitor);
		close_handle(&p->monitor);
	}
	if (p->job.port)
		drain_port(p, 0);
	close_terminal(p);
	p->end_ms = wsb__now_ms();
	p->ended = 1;
	p->exit_code = -1;
	if (!WSB_OS(GetExitCodeProcess)(p->process, &code)) {
		DWORD err = GetLastError();
		p->exit_kind = WSB_EXIT_NORMAL;
		rc = wsb__w32_fail("GetExitCodeProcess", err, "process %lu", (unsigned long)p->pid);
	} else if (p->killed)
		p->exit_kind = WSB_EXIT_KILLED;
	else if (p->timed_out)
		p->exit_kind = WSB_EXIT_TIMEOUT;
	else if (p->limit)
		p->exit_kind = WSB_EXIT_LIMIT;
	else if ((code & 0xC0000000u) == 0xC0000000u) {
		p->exit_kind = WSB_EXIT_SIGNAL;
		p->exit_code = (long)code;
	} else {
		p->exit_kind = WSB_EXIT_NORMAL;
		p->exit_code = (long)code;
	}
	return rc;
}

void wsb__proc_free(struct wsb_process *p)
{
	if (!p)
		return;
	if (p->process && !p->ended) {
		InterlockedExchange(&p->killed, 1);
		kill_tree(p, 1);
		wsb__w32_join(p->process);
		(void)finish(p); /* freeing reports nothing */
	}
	if (p->monitor) {
		WSB_OS(SetEvent)(p->stop);
		wsb__w32_join(p->monitor);
		close_handle(&p->monitor);
	}
	wsb__relay_release(p->relay);
	/* After the tree: its connections are closing, its threads joined. */
	wsb__w32_proxy_stop(p->proxy);
	close_handle(&p->stop);
	close_handle(&p->in_w);
	close_handle(&p->out_r[0]);
	close_handle(&p->out_r[1]);
	/* After our read end is closed: an older ClosePseudoConsole waits for
	 * output nobody reads otherwise. */
	close_terminal(p);
	close_handle(&p->process);
	wsb__job_close(&p->job);
	if (p->desktop)
		WSB_OS(CloseDesktop)((HDESK)p->desktop);
	wsb__buf_dispose(&p->out[0]);
	wsb__buf_dispose(&p->out[1]);
	wsb__free(p);
}

int wsb__proc_wait(struct wsb_process *p, long timeout_ms)
{
	DWORD r;

	if (p->ended)
		return WSB_OK;
	r = WSB_OS(WaitForSingleObject)(p->process, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
	if (r == WAIT_TIMEOUT)
		return wsb__error(WSB_ERUNNING, "the process is still running after %ld ms", timeout_ms);
	if (r != WAIT_OBJECT_0) {
		DWORD err = GetLastError();
		return wsb__w32_fail("WaitForSingleObject", err, "waiting for process %lu", (unsigned long)p->pid);
	}
	return finish(p);
}

int wsb__proc_kill(struct wsb_process *p)
{
	if (p->ended)
		return WSB_OK;
	InterlockedExchange(&p->killed, 1);
	if (!WSB_OS(TerminateJobObject)(p->job.job, 1)) {
		DWORD err = GetLastError();
		return wsb__w32_fail("TerminateJobObject", err, "killing process tree %lu", (unsigned long)p->pid);
	}
	return WSB_OK;
}

int wsb__proc_write(size_t *out_written, struct wsb_process *p, const void *data, size_t len)
{
	const char *d = data;
	size_t total = 0;

	if (out_written)
		*out_written = 0;
	if (!p->in_w)
		return wsb__error(WSB_ESTATE, "stdin is not a pipe or is already closed");
	while (total < len) {
		DWORD n = 0, chunk = len - total > READ_CHUNK ? READ_CHUNK : (DWORD)(len - total);
		if (!WSB_OS(WriteFile)(p->in_w, d + total, chunk, &n, NULL)) {
			DWORD err = GetLastError();
			if (out_written)
				*out_written = total;
			return wsb__w32_fail("WriteFile", err, "writing to the process's stdin");
		}
		total += n;
	}
	if (out_written)
		*out_written = total;
	return WSB_OK;
}

int wsb__proc_close_stdin(struct wsb_process *p)
{
	close_handle(&p->in_w);
	return WSB_OK;
}

int wsb__proc_read(size_t *out_read, struct wsb_process *p, int stream, void *buf, size_t len, long timeout_ms)
{
	HANDLE h;
	wsb_u64 start = wsb__now_ms();

	*out_read = 0;
	if (stream != WSB_STREAM_STDOUT && stream != WSB_STREAM_STDERR)
		return wsb__error(WSB_EINVAL, "unknown stream %d", stream);
	h = p->out_r[stream - 1];
	if (!h)
		return wsb__error(WSB_ESTATE, "that stream is not a pipe");
	if (len == 0)
		return WSB_OK;
	for (;;) {
		DWORD avail = 0, n = 0;
		if (!WSB_OS(PeekNamedPipe)(h, NULL, 0, NULL, &avail, NULL)) {
			DWORD err = GetLastError();
			if (err == ERROR_BROKEN_PIPE)
				return WSB_OK; /* end of stream */
			return wsb__w32_fail("PeekNamedPipe", err, "reading output");
		}
		if (avail > 0) {
			if (!WSB_OS(ReadFile)(h, buf, len < avail ? (DWORD)len : avail, &n, NULL)) {
				DWORD err = GetLastError();
				if (err == ERROR_BROKEN_PIPE)
					return WSB_OK;
				return wsb__w32_fail("ReadFile", err, "reading output");
			}
			*out_read = n;
			return WSB_OK;
		}
		if (timeout_ms >= 0 && wsb__now_ms() - start >= (wsb_u64)timeout_ms)
			return wsb__error(WSB_ERUNNING, "no output within %ld ms", timeout_ms);
		WSB_OS(Sleep)(POLL_MS);
	}
}

struct reader {
	struct wsb_process *p;
	int i;
};

/* Read one stream to its end, keeping at most cap bytes (the rest is read
 * and dropped so the child never blocks on a full pipe). */
static DWORD WINAPI reader_main(LPVOID arg)
{
	struct reader *r = arg;
	struct wsb_process *p = r->p;
	char *chunk = wsb__malloc(READ_CHUNK);

	if (!chunk) {
		p->out[r->i].oom = 1;
		return 1;
	}
	for (;;) {
		DWORD n = 0;
		if (!WSB_OS(ReadFile)(p->out_r[r->i], chunk, READ_CHUNK, &n, NULL) || n == 0)
			break;
		if (p->cap && p->out[r->i].size + n > p->cap) {
			size_t keep = (size_t)(p->cap - p->out[r->i].size);
			p->truncated[r->i] = 1;
			wsb__buf_put(&p->out[r->i], chunk, keep);
		} else {
			wsb__buf_put(&p->out[r->i], chunk, n);
		}
	}
	wsb__free(chunk);
	return 0;
}

int wsb__proc_communicate(struct wsb_process *p, const void *stdin_data, size_t stdin_len)
{
	struct reader r[2];
	HANDLE th[2] = { NULL, NULL };
	int i, rc = WSB_OK;

	for (i = 0; i < 2; i++) {
		if (!p->out_r[i])
			continue;
		r[i].p = p;
		r[i].i = i;
		th[i] = WSB_OS(CreateThread)(NULL, 0, reader_main, &r[i], 0, NULL);
		if (!th[i]) {
			DWORD err = GetLastError();
			rc = wsb__w32_fail("CreateThread", err, "output reader");
			wsb__proc_kill(p);
			break;
		}
	}
	if (rc == WSB_OK && p->in_w && stdin_data && stdin_len > 0) {
		size_t wrote = 0;
		/* A child that exits without reading all its input is not an
		 * error of the run. */
		if (wsb__proc_write(&wrote, p, stdin_data, stdin_len) != WSB_OK)
			wsb_error_clear();
	}
	wsb__proc_close_stdin(p);
	if (rc == WSB_OK)
		rc = wsb__proc_wait(p, -1);
	if (!p->ended) {
		/* Could not wait (or start the readers): end the tree so the
		 * readers see their pipes close. */
		InterlockedExchange(&p->killed, 1);
		kill_tree(p, 1);
		wsb__w32_join(p->process);
		if (finish(p) != WSB_OK && rc == WSB_OK)
			rc = wsb_error_code(NULL);
	}
	/* The tree is gone (finish terminated the job), so every writer of the
	 * pipes is closed and the readers reach end of stream. */
	for (i = 0; i < 2; i++) {
		if (!th[i])
			continue;
		wsb__w32_join(th[i]);
		WSB_OS(CloseHandle)(th[i]);
		if (p->out[i].oom && rc == WSB_OK)
			rc = wsb__error_nomem();
	}
	return rc;
}

int wsb__proc_exit_kind(const struct wsb_process *p) { return p->ended ? p->exit_kind : WSB_EXIT_RUNNING; }
long wsb__proc_exit_code(const struct wsb_process *p) { return p->ended ? p->exit_code : -1; }
int wsb__proc_limit(const struct wsb_process *p) { return p->ended && p->exit_kind == WSB_EXIT_LIMIT ? (int)p->limit : WSB_LIMIT_NONE; }
unsigned int wsb__proc_protections(const struct wsb_process *p) { return p->protections; }
int wsb__proc_network_json(char **out, const struct wsb_process *p)
{
	*out = NULL;
	/* A result rendered after the command ended waits a little for its
	 * last connections to close, as on Linux. */
	return p->proxy ? wsb__w32_proxy_events_json(out, p->proxy, p->ended ? 2000 : 0) : WSB_OK;
}
long wsb__proc_pid(const struct wsb_process *p) { return (long)p->pid; }

wsb_u64 wsb__proc_duration_ms(const struct wsb_process *p)
{
	return (p->ended ? p->end_ms : wsb__now_ms()) - p->start_ms;
}

const char *wsb__proc_output(size_t *out_len, int *out_truncated, const struct wsb_process *p, int stream)
{
	const wsb__buf *b;

	if (out_len)
		*out_len = 0;
	if (out_truncated)
		*out_truncated = 0;
	if (stream != WSB_STREAM_STDOUT && stream != WSB_STREAM_STDERR)
		return NULL;
	b = &p->out[stream - 1];
	if (out_len)
		*out_len = b->size;
	if (out_truncated)
		*out_truncated = p->truncated[stream - 1];
	return b->ptr ? b->ptr : (p->out_r[stream - 1] ? "" : NULL);
}

int wsb__proc_resize(struct wsb_process *p, unsigned int cols, unsigned int rows)
{
	COORD size;
	HRESULT hr;

	if (p->runner_ctl)
		return wsb__asuser_resize(p, cols, rows);
	if (!p->pseudoconsole)
		return wsb__error(WSB_ESTATE, p->ended ? "the process has ended" :
			"the process has no terminal (wsb_spawn_options.terminal)");
	size.X = (SHORT)cols;
	size.Y = (SHORT)rows;
	hr = WSB_OS(ResizePseudoConsole)(p->pseudoconsole, size);
	if (hr == E_NOTIMPL || hr == HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND))
		return wsb__error(WSB_ENOTSUP, "ResizePseudoConsole is not implemented here "
			"(HRESULT 0x%08lx)", (unsigned long)hr);
	if (FAILED(hr))
		return wsb__error_os(WSB_EOS, (long)hr, "ResizePseudoConsole failed (HRESULT 0x%08lx)",
			(unsigned long)hr);
	return WSB_OK;
}

/* The top process: when it exits the tree has ended (wsb_process_wait then
 * ends the rest of the job at once). */
int wsb__proc_waitable(wsb_os_handle *out, struct wsb_process *p)
{
	*out = p->process;
	return WSB_OK;
}

int wsb__proc_stream_handle(wsb_os_handle *out, struct wsb_process *p, int stream)
{
	HANDLE h = stream == WSB_STREAM_STDIN ? p->in_w : p->out_r[stream - 1];

	*out = NULL;
	if (!h)
		return wsb__error(WSB_ESTATE, stream == WSB_STREAM_STDIN ?
			"stdin is not a pipe or is closed" : "that stream is not a pipe");
	*out = h;
	return WSB_OK;
}
