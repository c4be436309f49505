/*
 * wsb-run: run one command in a sandbox (docs/tools.md is its manual page).
 * Built on the public API only.
 */
#include "common/tool.h"
#include "common/term.h"

#include <stdlib.h>
#include <string.h>

static const char *const prog = "wsb-run";

static const char usage_line[] =
	"usage: wsb-run [OPTIONS] [--] COMMAND [ARG...]\n"
	"       wsb-run [OPTIONS] --dry-run [--] [COMMAND [ARG...]]\n"
	"       wsb-run [OPTIONS] --check-path PATH\n";

static void help(void)
{
	fputs(usage_line, stdout);
	fputs("\nRun COMMAND in a sandbox: writes only where the policy allows, no network\n"
		"unless asked, limits on time, memory, processes and CPU.\n\nPolicy options:\n",
		stdout);
	fputs(tool_policy_help, stdout);
	fputs("\nOther options:\n"
		"  --dry-run             print the plan (what would change) and run nothing\n"
		"  --json                print the result (or the plan, or the path check) as\n"
		"                        one JSON object on stdout; the command's output is\n"
		"                        then captured (capped by --output-limit) and included\n"
		"  --pty                 run COMMAND on a terminal inside the sandbox (an\n"
		"                        interactive shell, a REPL): this terminal in raw mode\n"
		"                        while it runs, window size changes forwarded; with\n"
		"                        --json the session shows on stderr and the result\n"
		"                        on stdout adds its transcript\n"
		"  --check-path PATH     say whether a write to PATH would be allowed and which\n"
		"                        rule decides; exit 0 if allowed, 1 if denied\n"
		"  --version             print the versions of wsb-run and the library\n"
		"  --help                print this help\n"
		"\nWithout --json the command's stdin, stdout and stderr are wsb-run's own.\n"
		"Options end at '--' or at the first argument that is not an option.\n"
		"Values can be given as '--opt VALUE' or '--opt=VALUE'.\n"
		"\nExit status:\n"
		"  N      the command's own exit status\n"
		"  124    the wall-clock limit (--timeout) killed the command\n"
		"  125    the sandbox could not be set up, or a bad option (nothing ran)\n"
		"  126    the command was found but is not executable\n"
		"  127    the command was not found\n"
		"  128+N  the command was killed by signal N (Linux)\n"
		"  137    a memory, process or CPU limit killed the command (also on stderr)\n"
		"  0/1    with --check-path: allowed/denied\n", stdout);
}

static int usage_error(void)
{
	fputs(usage_line, stderr);
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return TOOL_EXIT_SETUP;
}

typedef struct run_args {
	tool_policy_opts policy;
	int dry_run;
	int json;
	int pty;
	const char *check_path;
	char **command; /* NULL-terminated, or NULL */
} run_args;

/* Returns -1 to go on, or an exit status. */
static int parse_args(run_args *a, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *s = argv[i];
		int r;

		if (strcmp(s, "--") == 0) {
			i++;
			break;
		}
		if (s[0] != '-' || s[1] == '\0')
			break;
		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			help();
			return 0;
		}
		if (strcmp(s, "--version") == 0) {
			printf("wsb-run %d.%d.%d (libwsandbox %s)\n", WSB_VERSION_MAJOR,
				WSB_VERSION_MINOR, WSB_VERSION_PATCH, wsb_version());
			return 0;
		}
		if (strcmp(s, "--dry-run") == 0) {
			a->dry_run = 1;
			continue;
		}
		if (strcmp(s, "--json") == 0) {
			a->json = 1;
			continue;
		}
		if (strcmp(s, "--pty") == 0) {
			a->pty = 1;
			continue;
		}
		if (strncmp(s, "--check-path", 12) == 0 && (s[12] == '\0' || s[12] == '=')) {
			if (s[12] == '=') {
				a->check_path = s + 13;
			} else if (i + 1 < argc) {
				a->check_path = argv[++i];
			} else {
				fprintf(stderr, "%s: option --check-path needs a value\n", prog);
				return usage_error();
			}
			if (!*a->check_path) {
				fprintf(stderr, "%s: --check-path needs a non-empty path\n", prog);
				return usage_error();
			}
			continue;
		}
		r = tool_policy_option(&a->policy, prog, argc, argv, &i);
		if (r < 0)
			return usage_error();
		if (r == 0) {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, s);
			return usage_error();
		}
	}
	a->command = i < argc ? argv + i : NULL;
	if (a->check_path && (a->command || a->dry_run)) {
		fprintf(stderr, "%s: --check-path runs nothing: give it no command and no --dry-run\n", prog);
		return usage_error();
	}
	if (!a->check_path && !a->dry_run && !a->command) {
		fprintf(stderr, "%s: no command given\n", prog);
		return usage_error();
	}
	return -1;
}

static void json_command(tool_buf *b, char **command)
{
	size_t k;

	tool_buf_puts(b, "[");
	for (k = 0; command && command[k]; k++) {
		if (k)
			tool_buf_puts(b, ",");
		tool_json_string(b, command[k], strlen(command[k]));
	}
	tool_buf_puts(b, "]");
}

static int check_path(const run_args *a, const wsb_policy *policy)
{
	int allowed = 0, rule = 0, rc;
	char *reason = NULL, *abs = tool_abspath(a->check_path);

	rc = wsb_policy_check_path(&allowed, &rule, &reason, policy, abs, WSB_ACCESS_WRITE);
	if (rc != WSB_OK) {
		fprintf(stderr, "%s: --check-path '%s': %s\n", prog, a->check_path, wsb_error_message(NULL));
		if (a->json) {
			tool_buf b = { NULL, 0, 0 };
			tool_buf_puts(&b, "{\"path\":");
			tool_json_string(&b, abs, strlen(abs));
			tool_buf_puts(&b, ",\"error\":");
			tool_json_error(&b, rc);
			tool_buf_puts(&b, "}\n");
			fputs(tool_buf_str(&b), stdout);
			tool_buf_free(&b);
		}
		free(abs);
		return TOOL_EXIT_SETUP;
	}
	if (a->json) {
		tool_buf b = { NULL, 0, 0 };
		tool_buf_puts(&b, "{\"path\":");
		tool_json_string(&b, abs, strlen(abs));
		tool_buf_printf(&b, ",\"access\":\"write\",\"allowed\":%s,\"rule\":\"%s\",\"reason\":",
			allowed ? "true" : "false", tool_rule_name(rule));
		tool_json_string(&b, reason ? reason : "", reason ? strlen(reason) : 0);
		tool_buf_puts(&b, "}\n");
		fputs(tool_buf_str(&b), stdout);
		tool_buf_free(&b);
	} else {
		printf("%s: write to %s (rule: %s)\n  %s\n", allowed ? "ALLOWED" : "DENIED", abs,
			tool_rule_name(rule), reason ? reason : "");
	}
	wsb_free(reason);
	free(abs);
	return allowed ? 0 : 1;
}

static int dry_run(const run_args *a, const wsb_policy *policy, const wsb_identity *identity)
{
	wsb_plan *plan = NULL;
	char *json = NULL;
	int rc;

	rc = wsb_plan_create(&plan, policy, identity);
	if (rc == WSB_OK)
		rc = wsb_plan_to_json(&json, plan);
	if (rc != WSB_OK) {
		fprintf(stderr, "%s: cannot make the plan: %s\n", prog, wsb_error_message(NULL));
		if (a->json) {
			tool_buf b = { NULL, 0, 0 };
			tool_buf_printf(&b, "{\"exit_status\":%d,\"error\":", TOOL_EXIT_SETUP);
			tool_json_error(&b, rc);
			tool_buf_puts(&b, "}\n");
			fputs(tool_buf_str(&b), stdout);
			tool_buf_free(&b);
		}
		wsb_plan_free(plan);
		return TOOL_EXIT_SETUP;
	}
	if (a->json) {
		printf("%s\n", json);
	} else {
		tool_buf prot = { NULL, 0, 0 };
		size_t k;

		printf("Dry run: nothing was changed and nothing was run.\n");
		if (a->command) {
			printf("command:        ");
			for (k = 0; a->command[k]; k++)
				printf("%s%s", k ? " " : "", a->command[k]);
			printf("\n");
		}
		tool_protections_text(&prot, wsb_plan_protections(plan));
		printf("protections in force: %s\n", tool_buf_str(&prot));
		printf("changes: %lu\n", (unsigned long)wsb_plan_step_count(plan));
		printf("plan (the policy as the library sees it, and each change):\n");
		if (tool_json_print_text(stdout, json, 2) < 0)
			printf("  %s\n", json);
		tool_buf_free(&prot);
	}
	wsb_free(json);
	wsb_plan_free(plan);
	return 0;
}

/* Print the setup failure (and the JSON error object) and pick the status. */
static int spawn_failed(const run_args *a, int rc)
{
	int status = rc == WSB_ENOENT ? TOOL_EXIT_NOTFOUND
		: rc == WSB_ENOEXEC ? TOOL_EXIT_NOEXEC : TOOL_EXIT_SETUP;

	fprintf(stderr, "%s: cannot run '%s': %s\n", prog, a->command[0], wsb_error_message(NULL));
	if (a->json) {
		tool_buf b = { NULL, 0, 0 };
		tool_buf_printf(&b, "{\"exit_status\":%d,\"command\":", status);
		json_command(&b, a->command);
		tool_buf_puts(&b, ",\"error\":");
		tool_json_error(&b, rc);
		tool_buf_puts(&b, "}\n");
		fputs(tool_buf_str(&b), stdout);
		tool_buf_free(&b);
	}
	return status;
}

/* Map how the tree ended to wsb-run's exit status; say why on stderr when
 * the sandbox (not the command) ended it. */
static int exit_status(const wsb_process *p, const tool_policy_opts *o, int interrupted)
{
	int kind = wsb_process_exit_kind(p);
	long code = wsb_process_exit_code(p);

	switch (kind) {
	case WSB_EXIT_NORMAL:
		return (int)code;
	case WSB_EXIT_SIGNAL:
#ifdef _WIN32
		return (int)code; /* the exception code, as Windows reports it */
#else
		return TOOL_EXIT_SIGNAL_BASE + (int)code;
#endif
	case WSB_EXIT_TIMEOUT:
		fprintf(stderr, "%s: the command ran out of time (--timeout %lu.%03u s) and was killed\n",
			prog, (unsigned long)(o->timeout_ms / 1000), (unsigned)(o->timeout_ms % 1000));
		return TOOL_EXIT_TIMEOUT;
	case WSB_EXIT_LIMIT: {
		int limit = wsb_process_limit(p);
		if (limit == WSB_LIMIT_TIMEOUT)
			return TOOL_EXIT_TIMEOUT;
		fprintf(stderr, "%s: the command was killed: %s limit exceeded\n", prog,
			limit == WSB_LIMIT_MEMORY ? "memory"
			: limit == WSB_LIMIT_PROCESSES ? "process-count"
			: limit == WSB_LIMIT_CPU_TIME ? "CPU-time" : tool_limit_name(limit));
		return TOOL_EXIT_LIMIT;
	}
	default:
		if (interrupted)
			return TOOL_EXIT_SIGNAL_BASE + interrupted;
		fprintf(stderr, "%s: the command was killed\n", prog);
		return TOOL_EXIT_LIMIT;
	}
}

/* Copy what a piped stream has now to our own stream; 1 once it ended. */
static int forward(wsb_process *p, int stream, FILE *to, long wait_ms)
{
	char buf[4096];
	size_t n = 0;

	while (wsb_process_read(&n, p, stream, buf, sizeof(buf), wait_ms) == WSB_OK) {
		if (n == 0)
			return 1;
		fwrite(buf, 1, n, to);
		fflush(to);
	}
	return 0;
}

static int run_streaming(const run_args *a, const wsb_policy *policy,
	const wsb_identity *identity, const wsb_spawn_options *so)
{
	wsb_process *p = NULL;
	int rc, status, sig = 0, piped = so->stdout_mode == WSB_STDIO_PIPE;

	rc = wsb_spawn(&p, policy, identity, so);
	if (rc != WSB_OK)
		return spawn_failed(a, rc);
	for (;;) {
		if (piped) {
			forward(p, WSB_STREAM_STDOUT, stdout, 0);
			forward(p, WSB_STREAM_STDERR, stderr, 0);
		}
		rc = wsb_process_wait(p, piped ? 20 : 100);
		if (rc == WSB_OK)
			break;
		if (rc != WSB_ERUNNING) {
			fprintf(stderr, "%s: waiting for the command failed: %s\n", prog,
				wsb_error_message(NULL));
			wsb_process_free(p);
			return TOOL_EXIT_SETUP;
		}
		if ((sig = tool_interrupted()) != 0) {
			/* Kill the whole tree before leaving: nothing outlives wsb-run. */
			wsb_process_kill(p);
			wsb_process_wait(p, -1);
			break;
		}
	}
	/* What the tree wrote before it ended, up to the end of the pipes. */
	while (piped && !(forward(p, WSB_STREAM_STDOUT, stdout, 10) & forward(p, WSB_STREAM_STDERR, stderr, 10)))
		;
	status = exit_status(p, &a->policy, sig);
	if (sig && wsb_process_exit_kind(p) == WSB_EXIT_KILLED)
		status = TOOL_EXIT_SIGNAL_BASE + sig;
	wsb_process_free(p);
	return status;
}

/* A session on a terminal inside the sandbox; with --json, the result and
 * the transcript (what the terminal showed, the echo of typed keys
 * included) follow on stdout once the terminal is restored. */
static int run_pty(const run_args *a, const wsb_policy *policy,
	const wsb_identity *identity, const wsb_spawn_options *so)
{
	wsb_process *p = NULL;
	tool_buf transcript = { NULL, 0, 0 };
	char *result = NULL;
	int rc, sig, status, truncated = 0;
	size_t cap = a->policy.output_limit_set ? (size_t)a->policy.output_limit : (size_t)1 << 20;

	if (!tool_pty_supported()) {
		/* Before spawning: nothing may run when the session cannot. */
		fprintf(stderr, "%s: --pty is not available on this platform yet\n", prog);
		return TOOL_EXIT_SETUP;
	}
	rc = wsb_spawn(&p, policy, identity, so);
	if (rc != WSB_OK)
		return spawn_failed(a, rc);
	/* With --json, stdout is for the JSON alone: the session shows on stderr. */
	sig = tool_pty_session(p, a->json ? 2 : 1, a->json ? &transcript : NULL, cap, &truncated);
	if (sig < 0) {
		fprintf(stderr, "%s: the terminal session could not start: %s\n", prog,
			wsb_error_message(NULL));
		wsb_process_free(p);
		return TOOL_EXIT_SETUP;
	}
	status = exit_status(p, &a->policy, sig);
	if (sig && wsb_process_exit_kind(p) == WSB_EXIT_KILLED)
		status = TOOL_EXIT_SIGNAL_BASE + sig;
	if (a->json) {
		tool_buf b = { NULL, 0, 0 };
		if (wsb_process_to_json(&result, p) != WSB_OK) {
			fprintf(stderr, "%s: cannot render the result: %s\n", prog, wsb_error_message(NULL));
			status = TOOL_EXIT_SETUP;
		} else {
			tool_buf_printf(&b, "{\"exit_status\":%d,\"command\":", status);
			json_command(&b, a->command);
			tool_buf_puts(&b, ",\"result\":");
			tool_buf_puts(&b, result);
			tool_buf_puts(&b, ",\"transcript\":");
			tool_json_output(&b, transcript.data, transcript.len, truncated);
			tool_buf_puts(&b, "}\n");
			fwrite(b.data, 1, b.len, stdout);
		}
		tool_buf_free(&b);
	}
	tool_buf_free(&transcript);
	wsb_free(result);
	wsb_process_free(p);
	return status;
}

static int run_json(const run_args *a, const wsb_policy *policy,
	const wsb_identity *identity, const wsb_spawn_options *so)
{
	wsb_process *p = NULL;
	char *result = NULL;
	const char *out;
	size_t len;
	int rc, status, truncated;
	tool_buf b = { NULL, 0, 0 };

	rc = wsb_run(&p, policy, identity, so, NULL, 0);
	if (rc != WSB_OK)
		return spawn_failed(a, rc);
	status = exit_status(p, &a->policy, 0);
	if (wsb_process_to_json(&result, p) != WSB_OK) {
		fprintf(stderr, "%s: cannot render the result: %s\n", prog, wsb_error_message(NULL));
		wsb_process_free(p);
		return TOOL_EXIT_SETUP;
	}
	tool_buf_printf(&b, "{\"exit_status\":%d,\"command\":", status);
	json_command(&b, a->command);
	tool_buf_puts(&b, ",\"result\":");
	tool_buf_puts(&b, result);
	out = wsb_process_output(&len, &truncated, p, WSB_STREAM_STDOUT);
	tool_buf_puts(&b, ",\"stdout\":");
	tool_json_output(&b, out, out ? len : 0, out ? truncated : 0);
	out = wsb_process_output(&len, &truncated, p, WSB_STREAM_STDERR);
	tool_buf_puts(&b, ",\"stderr\":");
	tool_json_output(&b, out, out ? len : 0, out ? truncated : 0);
	tool_buf_puts(&b, "}\n");
	fwrite(b.data, 1, b.len, stdout);
	tool_buf_free(&b);
	wsb_free(result);
	wsb_process_free(p);
	return status;
}

int main(int argc, char **argv)
{
	run_args a;
	wsb_policy *policy = NULL;
	wsb_identity *identity = NULL;
	wsb_spawn_options so = WSB_SPAWN_OPTIONS_INIT;
	char *cwd = NULL;
	int status;

	tool_init(&argc, &argv);
	memset(&a, 0, sizeof(a));
	tool_policy_opts_init(&a.policy);
	status = parse_args(&a, argc, argv);
	if (status >= 0)
		goto done;
	if (tool_policy_build(&policy, &identity, &a.policy, prog) != WSB_OK) {
		status = TOOL_EXIT_SETUP;
		goto done;
	}
	if (a.check_path) {
		status = check_path(&a, policy);
		goto done;
	}
	if (a.dry_run) {
		status = dry_run(&a, policy, identity);
		goto done;
	}
	so.argv = (const char *const *)a.command;
	if (a.policy.cwd) {
		cwd = tool_abspath(a.policy.cwd);
		so.cwd = cwd;
	}
	if (a.pty) {
		so.terminal = 1;
		tool_term_size(&so.terminal_cols, &so.terminal_rows);
		status = run_pty(&a, policy, identity, &so);
	} else if (a.json) {
		/* wsb_run gives the command the null device as stdin. It blocks
		 * until the tree ends, so a caught signal could not stop it: the
		 * default action ends wsb-run, and the tree dies with its caller. */
		so.stdin_mode = WSB_STDIO_NULL;
		status = run_json(&a, policy, identity, &so);
	} else {
		tool_catch_interrupts();
		if (a.policy.identity == WSB_IDENTITY_SANDBOX_USER) {
			/* Another account's process cannot use our streams: its
			 * output comes through pipes, its stdin is empty. */
			so.stdin_mode = WSB_STDIO_NULL;
			so.stdout_mode = WSB_STDIO_PIPE;
			so.stderr_mode = WSB_STDIO_PIPE;
		} else {
			so.stdin_mode = WSB_STDIO_INHERIT;
			so.stdout_mode = WSB_STDIO_INHERIT;
			so.stderr_mode = WSB_STDIO_INHERIT;
		}
		status = run_streaming(&a, policy, identity, &so);
	}
done:
	fflush(stdout);
	free(cwd);
	wsb_identity_free(identity);
	wsb_policy_free(policy);
	tool_policy_opts_free(&a.policy);
	return status;
}
