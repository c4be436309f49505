/*
 * Shared code of the command-line tools and examples (wsb-run, wsb-setup,
 * agent-loop, audit). Tool-only: it uses nothing but the public header, which
 * is the point of the examples.
 */
#ifndef WSB_TOOL_H
#define WSB_TOOL_H

#include <stddef.h>
#include <stdio.h>

#include <wsandbox/wsandbox.h>

/* Exit statuses shared by wsb-run and the examples (the `timeout`/`env`
 * conventions). */
#define TOOL_EXIT_TIMEOUT 124
#define TOOL_EXIT_SETUP 125
#define TOOL_EXIT_NOEXEC 126
#define TOOL_EXIT_NOTFOUND 127
#define TOOL_EXIT_SIGNAL_BASE 128
/* A limit kill (memory, processes, CPU) exits as if killed by SIGKILL. */
#define TOOL_EXIT_LIMIT (TOOL_EXIT_SIGNAL_BASE + 9)

/* ---- growable byte buffer (aborts the tool on out-of-memory) ---------- */
typedef struct tool_buf {
	char *data;
	size_t len;
	size_t cap;
} tool_buf;

void tool_buf_add(tool_buf *b, const void *data, size_t len);
void tool_buf_puts(tool_buf *b, const char *s);
void tool_buf_printf(tool_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* NUL-terminated view of the contents (never NULL). */
const char *tool_buf_str(tool_buf *b);
void tool_buf_free(tool_buf *b);

void *tool_xmalloc(size_t size);
char *tool_xstrdup(const char *s);

/* ---- strict number parsing: 0 on success, -1 on garbage/overflow ------- */
/* A decimal integer: digits only, no sign, no spaces. */
int tool_parse_u64(wsb_u64 *out, const char *s);
/* Bytes: an integer with an optional K, M or G suffix (powers of 1024,
 * either case). */
int tool_parse_bytes(wsb_u64 *out, const char *s);
/* Seconds with an optional fraction ("1.5", ".25") to milliseconds; a
 * non-zero value below a millisecond rounds up to 1 ms. */
int tool_parse_seconds_ms(wsb_u64 *out, const char *s);

/* ---- paths ------------------------------------------------------------- */
/* Make a path absolute against the current directory (the library wants
 * absolute paths; the tools accept relative ones for convenience). Returns a
 * malloc'd string. */
char *tool_abspath(const char *path);
/* 1 if the string contains a path separator. */
int tool_has_separator(const char *s);

/* ---- policy options shared by wsb-run, agent-loop and audit ------------ */
typedef struct tool_strlist {
	const char **items;
	size_t count;
	size_t cap;
} tool_strlist;

void tool_strlist_add(tool_strlist *l, const char *s);
void tool_strlist_free(tool_strlist *l);

typedef struct tool_policy_opts {
	int mode;                /* wsb_mode, or -1 for "decide from --write" */
	tool_strlist writes;
	tool_strlist protects;
	tool_strlist deny_reads;
	int no_default_protect;
	int network;             /* wsb_network */
	wsb_u64 timeout_ms;
	wsb_u64 memory;
	wsb_u64 max_processes;
	wsb_u64 cpu_ms;
	wsb_u64 output_limit;
	int output_limit_set;
	const char *cwd;
	tool_strlist env_ops;    /* "+NAME=VALUE" sets and "-NAME" unsets, in order (owned) */
	int clear_env;
	int identity;            /* wsb_identity_kind */
	unsigned int allow_missing; /* wsb_protection bits */
	unsigned short relay_listen, relay_target; /* --loopback-relay; 0: none */
	tool_strlist net_rules;  /* "+HOST" --allow-host, "-HOST" --deny-host, "@ADDR" --allow-address (owned) */
} tool_policy_opts;

void tool_policy_opts_init(tool_policy_opts *o);
void tool_policy_opts_free(tool_policy_opts *o);

/* Match "--name" or "--name=value" at argv[*i]; fetch the value. Returns 1 on
 * a match with *value set, 0 when not this option, -1 when the value is
 * missing (message printed). */
int tool_opt_value(const char **value, const char *name, const char *prog,
	int argc, char **argv, int *i);

/*
 * Try to consume the policy option at argv[*i] ("--opt VALUE" or
 * "--opt=VALUE"). Returns 1 if it was one (advancing *i past its value), 0 if
 * argv[*i] is not a policy option, -1 after printing "prog: why" on stderr
 * for a bad value or a missing one.
 */
int tool_policy_option(tool_policy_opts *o, const char *prog, int argc, char **argv, int *i);

/* The --help lines for the policy options. */
extern const char tool_policy_help[];

/*
 * Build the policy and identity the options describe. On failure prints
 * "prog: what: library message" on stderr and returns the library code;
 * *out_policy and *out_identity are then NULL. *out_identity is NULL for the
 * default identity (the current user, restricted).
 */
int tool_policy_build(wsb_policy **out_policy, wsb_identity **out_identity,
	const tool_policy_opts *o, const char *prog);

/* ---- names of enum values (stable, used in JSON and text) --------------- */
const char *tool_mode_name(int mode);
const char *tool_rule_name(int rule);
const char *tool_limit_name(int limit);
const char *tool_exit_kind_name(int kind);
/* "network,limit_memory" to wsb_protection bits; -1 for an unknown name. */
int tool_parse_protections(unsigned int *out, const char *s);
/* Protection bits as ", "-separated names into b ("none" for 0). */
void tool_protections_text(tool_buf *b, unsigned int bits);

/* ---- JSON output helpers ------------------------------------------------- */
int tool_utf8_valid(const char *s, size_t len);
/* Append s as a JSON string literal (s must be valid UTF-8). */
void tool_json_string(tool_buf *b, const char *s, size_t len);
void tool_base64(tool_buf *b, const unsigned char *data, size_t len);
/*
 * Append captured output as a JSON object:
 * {"encoding":"utf-8","data":"...","bytes":N,"truncated":false}; the
 * encoding is "base64" when the bytes are not valid UTF-8 or contain NUL.
 */
void tool_json_output(tool_buf *b, const char *data, size_t len, int truncated);
/* A library error as a JSON object {"code":N,"name":"...","message":"..."}. */
void tool_json_error(tool_buf *b, int code);
/* Render a JSON document readably ("key: value" lines, indented; arrays as
 * "- item") onto f. Returns 0, or -1 if the text is not JSON (then nothing
 * useful was printed). */
int tool_json_print_text(FILE *f, const char *json, int indent);

/* The symbolic name of a WSB_E* code ("WSB_ENOTSUP"). */
const char *tool_code_name(int code);

/* ---- platform ------------------------------------------------------------ */
/* Start-up: on Windows, replace argv with UTF-8 arguments from the wide
 * command line and put stdout/stderr in binary mode, so captured output is
 * passed through byte for byte (no "\r\n" doubling); elsewhere nothing. */
void tool_init(int *argc, char ***argv);
/* Catch Ctrl-C / SIGINT / SIGTERM (and Ctrl-Break / console close on Windows)
 * into a flag instead of dying, so the tools can kill the sandboxed tree
 * first. System calls are not restarted after the signal. */
void tool_catch_interrupts(void);
/* The signal that arrived (SIGINT = 2 also for Ctrl-C on Windows), or 0. */
int tool_interrupted(void);
/* 1 if the stream is a terminal. */
int tool_isatty(FILE *f);
/* The running program's own absolute path (malloc'd), or NULL when the
 * system cannot say (then argv0 made absolute, if it has a separator). */
char *tool_self_path(const char *argv0);

#endif
