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
	"       wsb-run [OPTIONS] --check-path PATH\n"
	"       wsb-run [OPTIONS] --self-test\n";

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
		"  --self-test           run canary escapes under the policy and say, for each\n"
		"                        protection, whether it is proved here, missing or\n"
		"                        FAILED (docs/self-test.md); exit 1 if any FAILED\n"
		"  --self-test-dir DIR   where the self-test makes its scratch directory\n"
		"                        (outside the --write roots; default /var/tmp)\n"
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
		"  0/1    with --check-path: allowed/denied\n"
		"  0/1    with --self-test: nothing FAILED/something FAILED\n", stdout);
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
	int self_test;
	const char *self_test_dir;
	char **command; /* NULL-terminated, or NULL */
} run_args;

/* An option whose value is a path: 1 with *out set, 0 when argv[*i] is
 * another option, -1 (message printed) when the value is missing or empty. */
static int path_option(const char **out, const char *name, int argc, char **argv, int *i)
{
	int r = tool_opt_value(out, name, prog, argc, argv, i);

	if (r > 0 && !**out) {
		fprintf(stderr, "%s: %s needs a non-empty path\n", prog, name);
		return -1;
	}
	return r;
}

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
		if (strcmp(s, "--self-test") == 0) {
			a->self_test = 1;
			continue;
		}
		if ((r = path_option(&a->self_test_dir, "--self-test-dir", argc, argv, &i)) != 0) {
			if (r < 0)
				return usage_error();
			continue;
		}
		if (strcmp(s, "--pty") == 0) {
			a->pty = 1;
			continue;
		}
		if ((r = path_option(&a->check_path, "--check-path", argc, argv, &i)) != 0) {
			if (r < 0)
				return usage_error();
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
	if (a->self_test_dir && !a->self_test) {
		fprintf(stderr, "%s: --self-test-dir goes with --self-test\n", prog);
		return usage_error();
	}
	if (a->self_test && (a->command || a->dry_run || a->check_path)) {
		fprintf(stderr, "%s: --self-test runs its own canaries: give it no command, no "
			"--dry-run and no --check-path\n", prog);
		return usage_error();
	}
	if (a->self_test && a->pty) {
		fprintf(stderr, "%s: --self-test runs no terminal session: drop --pty\n", prog);
		return usage_error();
	}
	if (!a->check_path && !a->dry_run && !a->command && !a->self_test) {
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

/* With --json, a failure before anything ran is still one JSON object. */
static void setup_error_json(int rc)
{
	tool_buf b = { NULL, 0, 0 };

	tool_buf_printf(&b, "{\"exit_status\":%d,\"error\":", TOOL_EXIT_SETUP);
	tool_json_error(&b, rc);
	tool_buf_puts(&b, "}\n");
	fputs(tool_buf_str(&b), stdout);
	tool_buf_free(&b);
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
		if (a->json)
			setup_error_json(rc);
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

/*
 * On Linux the temp directory is private to the sandbox: a command that works
 * there (outside its writable roots) succeeds, and its files vanish when it
 * ends. Say so when the working directory is there, the usual surprise (a
 * checkout under /tmp). Returns a malloc'd sentence, or NULL.
 */
static char *temp_note(const wsb_policy *policy, const char *cwd)
{
#ifdef _WIN32
	(void)policy;
	(void)cwd;
	return NULL;
#else
	int allowed = 0, rule = 0;
	char *abs = tool_abspath(cwd ? cwd : "."), *note = NULL;
	size_t len = strlen(abs);
	tool_buf b = { NULL, 0, 0 };

	/* "/x/." (the current directory made absolute) reads as "/x". */
	if (len > 2 && strcmp(abs + len - 2, "/.") == 0)
		abs[len - 2] = '\0';

	if (wsb_policy_check_path(&allowed, &rule, NULL, policy, abs, WSB_ACCESS_WRITE) == WSB_OK
		&& allowed && rule == WSB_RULE_TEMP) {
		tool_buf_printf(&b, "the working directory %s is in the sandbox's private temp "
			"directory: what the command writes there (outside the --write roots) is "
			"discarded when it ends", abs);
		note = tool_xstrdup(tool_buf_str(&b));
	}
	tool_buf_free(&b);
	free(abs);
	return note;
#endif
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
	const wsb_identity *identity, const wsb_spawn_options *so, const char *note)
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
	tool_buf_puts(&b, ",\"notes\":[");
	if (note)
		tool_json_string(&b, note, strlen(note));
	tool_buf_puts(&b, "],\"result\":");
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

/* ---- --self-test ------------------------------------------------------------ */

/* The string value of "key" at or after *pos in the report, unescaped into
 * out (the library writes no spaces, and a quote inside a value is always
 * escaped, so the first "key":" is the member). Advances *pos past it. */
static int report_field(const char **pos, const char *key, tool_buf *out)
{
	char pat[40];
	const char *p;

	out->len = 0;
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(*pos, pat);
	if (p == NULL)
		return -1;
	p += strlen(pat);
	if (*p != '"') {
		while (*p && *p != ',' && *p != '}')
			tool_buf_add(out, p++, 1);
		*pos = p;
		return 0;
	}
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			if (*p == 'n')
				tool_buf_puts(out, " ");
			else if (*p == 'u' && p[1] && p[2] && p[3] && p[4])
				p += 4, tool_buf_puts(out, "?");
			else if (*p != 'r' && *p != 't')
				tool_buf_add(out, p, 1);
			continue;
		}
		tool_buf_add(out, p, 1);
	}
	*pos = *p ? p + 1 : p;
	return 0;
}

/* The report as text: one block per canary, the OBSERVED: answers (the
 * winreal tests' form, for real Windows), then the counts. */
static void self_test_text(const char *json, unsigned int failed)
{
	static const char *const keys[] = { "name", "protection", "attempt", "in_force",
		"observed", "status", "evidence" };
	tool_buf f[7], observed = { NULL, 0, 0 };
	const char *pos = strstr(json, "\"canaries\":[");
	unsigned int n[4] = { 0, 0, 0, 0 };
	size_t k;

	memset(f, 0, sizeof(f));
	printf("Self-test of libwsandbox %s under this policy: each canary tries an escape, the "
		"host checks what happened.\n\n", wsb_version());
	while (pos) {
		for (k = 0; k < 7; k++)
			if (report_field(&pos, keys[k], &f[k]) < 0)
				break;
		if (k < 7)
			break;
		printf("%-9s %-18s %s: %s\n          %s\n", tool_buf_str(&f[5]), tool_buf_str(&f[1]),
			tool_buf_str(&f[0]), tool_buf_str(&f[2]), tool_buf_str(&f[6]));
		tool_buf_printf(&observed, "OBSERVED: %s: %s\n", tool_buf_str(&f[0]),
			strcmp(tool_buf_str(&f[4]), "escaped") == 0 ? "allowed"
			: strcmp(tool_buf_str(&f[4]), "refused") == 0 ? "denied" : "unknown");
		n[strcmp(tool_buf_str(&f[5]), "proved") == 0 ? 0
			: strcmp(tool_buf_str(&f[5]), "missing") == 0 ? 1
			: strcmp(tool_buf_str(&f[5]), "FAILED") == 0 ? 2 : 3]++;
	}
	printf("\n%s", tool_buf_str(&observed));
	printf("\nSummary: %u proved, %u missing, %u FAILED, %u unproven\n", n[0], n[1], n[2], n[3]);
	if (failed)
		printf("FAILED: the library reported a protection in force that this machine did "
			"not enforce. Please report it with this output.\n");
	for (k = 0; k < 7; k++)
		tool_buf_free(&f[k]);
	tool_buf_free(&observed);
}

static int self_test(const run_args *a, const wsb_policy *policy, const wsb_identity *identity,
	const char *argv0)
{
	wsb_self_test_options o = WSB_SELF_TEST_OPTIONS_INIT;
	const char *probe[3];
	char *self = tool_self_path(argv0), *json = NULL;
	char *dir = a->self_test_dir ? tool_abspath(a->self_test_dir) : NULL;
	unsigned int failed = 0;
	int rc;

	if (self == NULL) {
		fprintf(stderr, "%s: --self-test: cannot find wsb-run's own path for the probe\n", prog);
		free(dir);
		return TOOL_EXIT_SETUP;
	}
	probe[0] = self;
	probe[1] = "--self-test-probe";
	probe[2] = NULL;
	o.probe_argv = probe;
	o.work_dir = dir;
	rc = wsb_self_test(&json, &failed, policy, identity, &o);
	free(self);
	free(dir);
	if (rc != WSB_OK) {
		fprintf(stderr, "%s: --self-test: %s\n", prog, wsb_error_message(NULL));
		if (a->json)
			setup_error_json(rc);
		return TOOL_EXIT_SETUP;
	}
	if (a->json)
		printf("%s\n", json);
	else
		self_test_text(json, failed);
	wsb_free(json);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	run_args a;
	wsb_policy *policy = NULL;
	wsb_identity *identity = NULL;
	wsb_spawn_options so = WSB_SPAWN_OPTIONS_INIT;
	char *cwd = NULL, *note = NULL;
	int status;

	tool_init(&argc, &argv);
	/* The self-test's probe: wsb-run runs itself inside the sandbox. */
	if (argc >= 2 && strcmp(argv[1], "--self-test-probe") == 0)
		return wsb_self_test_probe(argc - 2, (const char *const *)argv + 2);
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
	if (a.self_test) {
		status = self_test(&a, policy, identity, argv[0]);
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
		note = temp_note(policy, so.cwd);
		status = run_json(&a, policy, identity, &so, note);
	} else {
		note = temp_note(policy, so.cwd);
		if (note)
			fprintf(stderr, "%s: note: %s\n", prog, note);
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
	free(note);
	free(cwd);
	wsb_identity_free(identity);
	wsb_policy_free(policy);
	tool_policy_opts_free(&a.policy);
	return status;
}
