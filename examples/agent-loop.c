/*
 * agent-loop: the shape of an agent runtime. Reads commands from stdin, one
 * per line, runs each in the same sandbox policy, and prints its exit status,
 * duration and captured output. Stops cleanly on end of input or Ctrl-C,
 * killing the running command's whole process tree first. With --pty, one
 * shell on a terminal inside the sandbox runs every line, so state (the
 * working directory, variables) carries from one command to the next.
 * Built on the public API only.
 */
#include "common/tool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const prog = "agent-loop";

/* Output kept per stream for display when --output-limit is not given. */
#define DEFAULT_KEEP ((size_t)1 << 20)

static void help(void)
{
	fputs("usage: agent-loop [--pty] [POLICY OPTIONS] < commands.txt\n"
		"\nRead commands from stdin, one per line, and run each in the same sandbox.\n"
		"A line is split at whitespace; '...' quotes literally, \"...\" allows \\\" and \\\\.\n"
		"Empty lines and lines starting with # are skipped. For each command it prints\n"
		"the command, its output, then its exit status and duration. End of input or\n"
		"Ctrl-C stops the loop; a running command is killed with its whole tree.\n"
		"\n  --pty   keep one sandboxed shell (sh on a terminal) for every line: each\n"
		"          line is shell input, and cd, variables and functions carry over;\n"
		"          --timeout then bounds the whole session\n"
		"\nPolicy options (as wsb-run):\n", stdout);
	fputs(tool_policy_help, stdout);
	fputs("\nExit status: 0 at end of input; 130 after Ctrl-C; 125 for bad options.\n",
		stdout);
}

/* Split a line into words. Returns the word count, or -1 for an unterminated
 * quote. words[] points into the rewritten line. */
static int split_line(char *line, char ***out_words)
{
	char **words = tool_xmalloc((strlen(line) / 2 + 2) * sizeof(char *));
	char *r = line, *w = line;
	int n = 0;

	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
			r++;
		if (!*r)
			break;
		words[n++] = w;
		while (*r && *r != ' ' && *r != '\t' && *r != '\r' && *r != '\n') {
			char q = *r;
			if (q != '\'' && q != '"') {
				*w++ = *r++;
				continue;
			}
			r++;
			while (*r && *r != q) {
				if (q == '"' && *r == '\\' && (r[1] == '"' || r[1] == '\\'))
					r++;
				*w++ = *r++;
			}
			if (!*r) {
				free(words);
				return -1;
			}
			r++;
		}
		/* r may equal w here; step r first so the terminator does not eat it. */
		if (*r)
			r++;
		*w++ = '\0';
	}
	words[n] = NULL;
	*out_words = words;
	return n;
}

/* Read one line of any length; NULL at end of input or on interruption. */
static char *read_line(FILE *f)
{
	tool_buf b = { NULL, 0, 0 };
	char chunk[1024];

	while (fgets(chunk, sizeof(chunk), f)) {
		tool_buf_puts(&b, chunk);
		if (b.len && b.data[b.len - 1] == '\n')
			break;
	}
	if (tool_interrupted() || (b.len == 0)) {
		tool_buf_free(&b);
		return NULL;
	}
	return b.data;
}

typedef struct capture {
	tool_buf buf;
	size_t keep;
	int truncated;
	int open;
} capture;

/* Read whatever one stream has within a short wait. */
static void pump(wsb_process *p, int stream, capture *c)
{
	char chunk[4096];
	size_t got = 0;
	int rc;

	if (!c->open)
		return;
	rc = wsb_process_read(&got, p, stream, chunk, sizeof(chunk), 20);
	if (rc == WSB_ERUNNING)
		return;
	if (rc != WSB_OK || got == 0) {
		c->open = 0;
		return;
	}
	if (c->buf.len < c->keep) {
		size_t room = c->keep - c->buf.len;
		tool_buf_add(&c->buf, chunk, got < room ? got : room);
		if (got > room)
			c->truncated = 1;
	} else {
		c->truncated = 1;
	}
}

static void print_stderr_lines(const tool_buf *b)
{
	size_t i, start = 0;

	for (i = 0; i <= b->len; i++) {
		if (i == b->len || b->data[i] == '\n') {
			if (i > start || i < b->len)
				printf("stderr: %.*s\n", (int)(i - start), b->data + start);
			start = i + 1;
		}
	}
}

/* The text of "key":"value" in one event, or "" (the library writes the
 * event; its strings never hold a quote unescaped). */
static void event_field(char *out, size_t cap, const char *json, const char *key)
{
	char pat[32];
	const char *s, *e;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	out[0] = '\0';
	if ((s = strstr(json, pat)) == NULL)
		return;
	s += strlen(pat);
	if (*s == '"')
		s++;
	for (e = s; *e && *e != '"' && *e != ',' && *e != '}'; e++)
		;
	snprintf(out, cap, "%.*s", (int)(e - s), s);
}

/* The network allow-list's denials, as they happen (from the library's
 * proxy threads: one fprintf per line keeps lines whole). */
static void print_denial(const char *event_json, void *ctx)
{
	char host[300], port[8], reason[200];

	(void)ctx;
	if (strstr(event_json, "\"allowed\":false") == NULL)
		return;
	event_field(host, sizeof(host), event_json, "host");
	event_field(port, sizeof(port), event_json, "port");
	event_field(reason, sizeof(reason), event_json, "reason");
	fprintf(stderr, "network: denied %s:%s (%s)\n", host, port, reason);
}

/* Run one command; returns 0, or the interrupting signal. */
static int run_one(char **words, const wsb_policy *policy, const wsb_identity *identity,
	const tool_policy_opts *o, const char *cwd)
{
	wsb_spawn_options so = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;
	capture out, err;
	int rc, kind, sig = 0;

	so.argv = (const char *const *)words;
	so.cwd = cwd;
	so.stdin_mode = WSB_STDIO_NULL;
	rc = wsb_spawn(&p, policy, identity, &so);
	if (rc != WSB_OK) {
		printf("-> not run: %s (status %d)\n", wsb_error_message(NULL),
			rc == WSB_ENOENT ? TOOL_EXIT_NOTFOUND
			: rc == WSB_ENOEXEC ? TOOL_EXIT_NOEXEC : TOOL_EXIT_SETUP);
		return 0;
	}
	memset(&out, 0, sizeof(out));
	memset(&err, 0, sizeof(err));
	out.keep = err.keep = o->output_limit_set ? (size_t)o->output_limit : DEFAULT_KEEP;
	out.open = err.open = 1;
	while ((out.open || err.open) && !(sig = tool_interrupted())) {
		pump(p, WSB_STREAM_STDOUT, &out);
		pump(p, WSB_STREAM_STDERR, &err);
	}
	while (!sig) {
		rc = wsb_process_wait(p, 100);
		if (rc != WSB_ERUNNING)
			break;
		sig = tool_interrupted();
	}
	if (sig) {
		/* Nothing may outlive the loop: kill the tree and reap it. */
		wsb_process_kill(p);
		wsb_process_wait(p, -1);
	}
	fwrite(out.buf.data ? out.buf.data : "", 1, out.buf.len, stdout);
	if (out.buf.len && out.buf.data[out.buf.len - 1] != '\n')
		printf("\n");
	if (out.truncated)
		printf("[stdout truncated to %lu bytes]\n", (unsigned long)out.keep);
	print_stderr_lines(&err.buf);
	if (err.truncated)
		printf("[stderr truncated to %lu bytes]\n", (unsigned long)err.keep);
	kind = wsb_process_exit_kind(p);
	printf("-> ");
	switch (kind) {
	case WSB_EXIT_NORMAL:
		printf("exit %ld", wsb_process_exit_code(p));
		break;
	case WSB_EXIT_SIGNAL:
		printf("killed by signal %ld (status %ld)", wsb_process_exit_code(p),
			TOOL_EXIT_SIGNAL_BASE + wsb_process_exit_code(p));
		break;
	case WSB_EXIT_TIMEOUT:
		printf("timed out and killed (status %d)", TOOL_EXIT_TIMEOUT);
		break;
	case WSB_EXIT_LIMIT:
		printf("killed by the %s limit (status %d)", tool_limit_name(wsb_process_limit(p)),
			TOOL_EXIT_LIMIT);
		break;
	default:
		printf("killed (%s)", sig ? "interrupted" : tool_exit_kind_name(kind));
	}
	printf(", %lu ms\n", (unsigned long)wsb_process_duration_ms(p));
	fflush(stdout);
	tool_buf_free(&out.buf);
	tool_buf_free(&err.buf);
	wsb_process_free(p);
	return sig;
}

/* ---- --pty: one shell on a terminal for every line ---- */

/* The first marker in the len bytes at data, or NULL (the text is not
 * terminated there: memmem is not in POSIX 2008). */
static char *find(char *data, size_t len, const char *marker)
{
	size_t m = strlen(marker), i;

	for (i = 0; data && m <= len && i <= len - m; i++)
		if (memcmp(data + i, marker, m) == 0)
			return data + i;
	return NULL;
}

/* Read the terminal until marker; what came before it goes to out (CRLF
 * shown as LF). 0 when seen, else the interrupting signal or -1 when the
 * shell ended. */
static int read_until(wsb_process *p, tool_buf *pending, const char *marker, tool_buf *out)
{
	for (;;) {
		char chunk[4096], *hit;
		size_t got = 0, i;
		int rc, sig;

		tool_buf_str(pending);
		/* Only within what is pending: past it are bytes already taken. */
		hit = find(pending->data, pending->len, marker);
		if (hit) {
			size_t before = (size_t)(hit - pending->data), after = before + strlen(marker);
			for (i = 0; i < before; i++)
				if (!(pending->data[i] == '\r' && i + 1 < before && pending->data[i + 1] == '\n'))
					tool_buf_add(out, pending->data + i, 1);
			memmove(pending->data, pending->data + after, pending->len - after);
			pending->len -= after;
			pending->data[pending->len] = '\0';
			return 0;
		}
		if ((sig = tool_interrupted()) != 0)
			return sig;
		rc = wsb_process_read(&got, p, WSB_STREAM_STDOUT, chunk, sizeof(chunk), 100);
		if (rc == WSB_ERUNNING)
			continue;
		if (rc != WSB_OK || got == 0)
			return -1;
		tool_buf_add(pending, chunk, got);
	}
}

static int type_line(wsb_process *p, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		size_t n = 0;
		if (wsb_process_write(&n, p, text + off, len - off) != WSB_OK)
			return -1;
		off += n;
	}
	return 0;
}

static int pty_loop(const wsb_policy *policy, const wsb_identity *identity, const char *cwd,
	unsigned long *count)
{
	static const char *const argv[] = { "sh", NULL };
	wsb_spawn_options so = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;
	tool_buf pending = { NULL, 0, 0 }, out = { NULL, 0, 0 };
	char *line;
	int sig = 0, rc;

	so.argv = argv;
	so.cwd = cwd;
	so.terminal = 1;
	rc = wsb_spawn(&p, policy, identity, &so);
	if (rc != WSB_OK) {
		printf("-> shell not started: %s\n", wsb_error_message(NULL));
		return 0;
	}
	/* No echo and no prompts: only the commands' own output comes back,
	 * ended by a marker line that carries the exit status. */
	/* The terminal echoes what arrives before stty runs: the quotes keep
	 * that echo from matching the marker. */
	if (type_line(p, "stty -echo; PS1=''; PS2=''; echo __wsb_''ready\n") < 0 ||
	    read_until(p, &pending, "__wsb_ready\r\n", &out) != 0) {
		printf("-> the shell did not start\n");
		wsb_process_free(p);
		return 0;
	}
	while (!sig && (line = read_line(stdin)) != NULL) {
		char marker[64];
		size_t len = strlen(line);
		int r;

		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#') {
			free(line);
			continue;
		}
		++*count;
		printf("$ %s\n", line);
		fflush(stdout);
		snprintf(marker, sizeof(marker), "__wsb_done_%lu", *count);
		out.len = 0;
		/* The status comes as "\r\n__wsb_done_N STATUS\r\n". */
		if (type_line(p, line) < 0 || type_line(p, "\nprintf '\\n__wsb_done_%s %d\\n' ") < 0 ||
		    type_line(p, marker + strlen("__wsb_done_")) < 0 || type_line(p, " $?\n") < 0) {
			free(line);
			break;
		}
		free(line);
		r = read_until(p, &pending, marker, &out);
		if (r == 0) {
			tool_buf status = { NULL, 0, 0 };
			r = read_until(p, &pending, "\r\n", &status);
			/* Drop the newline the marker line put before itself. */
			if (out.len && out.data[out.len - 1] == '\n')
				out.len--;
			fwrite(out.data ? out.data : "", 1, out.len, stdout);
			if (out.len && out.data[out.len - 1] != '\n')
				printf("\n");
			printf("-> exit%s\n", tool_buf_str(&status));
			tool_buf_free(&status);
		}
		if (r > 0)
			sig = r;
		if (r < 0) {
			fwrite(out.data ? out.data : "", 1, out.len, stdout);
			printf("-> the shell ended (%s)\n", tool_exit_kind_name(
				wsb_process_wait(p, -1) == WSB_OK ? wsb_process_exit_kind(p) : WSB_EXIT_RUNNING));
			break;
		}
		fflush(stdout);
	}
	tool_buf_free(&pending);
	tool_buf_free(&out);
	wsb_process_free(p);  /* kills the shell and everything it started */
	return sig;
}

int main(int argc, char **argv)
{
	tool_policy_opts o;
	wsb_policy *policy = NULL;
	wsb_identity *identity = NULL;
	char *line, *cwd = NULL;
	unsigned long count = 0;
	int i, sig = 0, status = 0, pty = 0;

	tool_init(&argc, &argv);
	tool_policy_opts_init(&o);
	for (i = 1; i < argc; i++) {
		int r;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help();
			return 0;
		}
		if (strcmp(argv[i], "--pty") == 0) {
			pty = 1;
			continue;
		}
		r = tool_policy_option(&o, prog, argc, argv, &i);
		if (r <= 0) {
			if (r == 0)
				fprintf(stderr, "%s: unknown argument '%s'\n", prog, argv[i]);
			fprintf(stderr, "Try '%s --help' for more information.\n", prog);
			tool_policy_opts_free(&o);
			return TOOL_EXIT_SETUP;
		}
	}
	if (tool_policy_build(&policy, &identity, &o, prog) != WSB_OK) {
		tool_policy_opts_free(&o);
		return TOOL_EXIT_SETUP;
	}
	wsb_policy_set_network_callback(policy, print_denial, NULL);
	if (o.cwd)
		cwd = tool_abspath(o.cwd);
	tool_catch_interrupts();
	if (pty)
		sig = pty_loop(policy, identity, cwd, &count);
	while (!pty && !sig && (line = read_line(stdin)) != NULL) {
		char **words, *shown = tool_xstrdup(line);
		size_t len = strlen(shown);
		int n;

		while (len && (shown[len - 1] == '\n' || shown[len - 1] == '\r'))
			shown[--len] = '\0';
		n = split_line(line, &words);
		if (n < 0) {
			printf("$ %s\n-> not run: unterminated quote\n", shown);
		} else if (n > 0 && words[0][0] != '#') {
			count++;
			printf("$ %s\n", shown);
			fflush(stdout);
			sig = run_one(words, policy, identity, &o, cwd);
		}
		if (n >= 0)
			free(words);
		free(shown);
		free(line);
	}
	if (!sig)
		sig = tool_interrupted();
	if (sig) {
		printf("interrupted: stopped after %lu command(s); nothing is left running\n", count);
		status = TOOL_EXIT_SIGNAL_BASE + sig;
	} else {
		printf("end of input: ran %lu command(s)\n", count);
	}
	free(cwd);
	wsb_identity_free(identity);
	wsb_policy_free(policy);
	tool_policy_opts_free(&o);
	return status;
}
