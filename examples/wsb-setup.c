/*
 * wsb-setup: the elevated Windows sandbox's one-time provisioning
 * (docs/tools.md is its manual page). Built on the public API only.
 */
#include "common/tool.h"

#include <stdlib.h>
#include <string.h>

static const char *const prog = "wsb-setup";

static const char usage_text[] =
	"usage: wsb-setup install [--offline-user NAME] [--online-user NAME] [--group NAME]\n"
	"                         [--allow-loopback-port N]... [--state-dir DIR]\n"
	"       wsb-setup plan [--json] [same options as install]\n"
	"       wsb-setup status [--json] [--state-dir DIR]\n"
	"       wsb-setup uninstall [--state-dir DIR]\n"
	"       wsb-setup --help | --version\n";

#ifndef _WIN32
static const char linux_note[] =
	"No provisioning is needed on this system: the sandbox uses the kernel's own\n"
	"features (namespaces, Landlock, seccomp, resource limits) for each command,\n"
	"as the calling user, and changes nothing on the machine. wsb-setup is for the\n"
	"elevated sandbox on Windows (separate sandbox users, firewall rules).\n";
#endif

static void help(void)
{
	fputs(usage_text, stdout);
	fputs("\nProvision, inspect or remove the elevated sandbox (Windows): sandbox users\n"
		"and group, their encrypted secrets, firewall rules and read grants.\n"
		"install and uninstall need administrator rights; both are transactional and\n"
		"running them again changes nothing.\n"
		"\nCommands:\n"
		"  install      provision the elevated sandbox\n"
		"  plan         print what install would change, changing nothing\n"
		"  status       print what is installed and whether it is intact\n"
		"  uninstall    remove everything install added\n"
		"\nOptions:\n"
		"  --offline-user NAME       offline sandbox user (default: wsb-offline)\n"
		"  --online-user NAME        online sandbox user (default: wsb-online)\n"
		"  --group NAME              sandbox group (default: wsb-sandbox)\n"
		"  --allow-loopback-port N   loopback port the offline user may reach\n"
		"                            (1-65535, repeatable)\n"
		"  --state-dir DIR           state directory (default: per-user)\n"
		"  --json                    plan and status: print one JSON object\n"
		"  --help, --version\n"
		"\nProgress of long steps is shown on stderr: one line updated in place on a\n"
		"terminal, plain lines otherwise.\n"
		"\nOn Linux nothing needs provisioning: every command explains that and exits 0.\n"
		"\nExit status: 0 done; 1 the operation failed (the message says why);\n"
		"2 bad usage.\n", stdout);
}

static int usage_error(void)
{
	fputs(usage_text, stderr);
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return 2;
}

/* ---- progress ------------------------------------------------------------ */

typedef struct progress {
	int tty;
	int line_open;      /* a \r-updated line is on the terminal */
	char last_step[128];
} progress;

static void on_progress(const char *step, unsigned long done, unsigned long total, void *ctx)
{
	progress *pr = ctx;
	int new_step = strncmp(pr->last_step, step, sizeof(pr->last_step) - 1) != 0;

	if (pr->tty) {
		if (new_step && pr->line_open)
			fputc('\n', stderr);
		if (total)
			fprintf(stderr, "\r\033[K%s: %lu/%lu (%lu%%)", step, done, total,
				done * 100 / total);
		else
			fprintf(stderr, "\r\033[K%s: %lu", step, done);
		pr->line_open = 1;
	} else if (new_step || (total && done == total)) {
		/* Plain lines for logs: one when a step starts and one when it ends. */
		if (total)
			fprintf(stderr, "%s: %lu/%lu\n", step, done, total);
		else
			fprintf(stderr, "%s\n", step);
	}
	fflush(stderr);
	if (new_step) {
		strncpy(pr->last_step, step, sizeof(pr->last_step) - 1);
		pr->last_step[sizeof(pr->last_step) - 1] = '\0';
	}
}

static void progress_end(progress *pr)
{
	if (pr->line_open) {
		fputc('\n', stderr);
		pr->line_open = 0;
	}
}

/* ---- commands -------------------------------------------------------------- */

/* A failure; on a non-Windows build WSB_ENOTSUP means "nothing to set up". */
static int setup_failed(int rc, const char *what, int json)
{
#ifndef _WIN32
	if (rc == WSB_ENOTSUP) {
		if (json) {
			tool_buf b = { NULL, 0, 0 };
			tool_buf_puts(&b, "{\"needed\":false,\"installed\":false,\"message\":");
			tool_json_string(&b, linux_note, strlen(linux_note));
			tool_buf_puts(&b, "}\n");
			fputs(tool_buf_str(&b), stdout);
			tool_buf_free(&b);
		} else {
			fputs(linux_note, stdout);
		}
		return 0;
	}
#endif
	fprintf(stderr, "%s: %s failed: %s\n", prog, what, wsb_error_message(NULL));
	if (rc == WSB_ENOTELEVATED)
		fprintf(stderr, "%s: run it from an elevated (administrator) prompt\n", prog);
	return 1;
}

static int print_json_doc(const char *json, int as_json)
{
	if (as_json)
		printf("%s\n", json);
	else if (tool_json_print_text(stdout, json, 0) < 0)
		printf("%s\n", json);
	return 0;
}

static int cmd_plan(const wsb_setup_options *so, int json)
{
	wsb_plan *plan = NULL;
	char *text = NULL;
	int rc = wsb_setup_plan(&plan, so);

	if (rc == WSB_OK)
		rc = wsb_plan_to_json(&text, plan);
	if (rc != WSB_OK) {
		wsb_plan_free(plan);
		return setup_failed(rc, "plan", json);
	}
	if (!json)
		printf("install would make %lu change(s); nothing was changed.\n",
			(unsigned long)wsb_plan_step_count(plan));
	print_json_doc(text, json);
	wsb_free(text);
	wsb_plan_free(plan);
	return 0;
}

static int cmd_status(const wsb_setup_options *so, int json)
{
	char *text = NULL;
	int rc = wsb_setup_status(&text, so);

	if (rc != WSB_OK)
		return setup_failed(rc, "status", json);
	print_json_doc(text, json);
	wsb_free(text);
	return 0;
}

/* install and uninstall: a long step with a progress line. */
static int run_with_progress(int (*step)(const wsb_setup_options *), wsb_setup_options *so,
	const char *what, const char *done)
{
	progress pr;
	int rc;

	memset(&pr, 0, sizeof(pr));
	pr.tty = tool_isatty(stderr);
	so->progress = on_progress;
	so->progress_ctx = &pr;
	rc = step(so);
	progress_end(&pr);
	if (rc != WSB_OK)
		return setup_failed(rc, what, 0);
	printf("%s\n", done);
	return 0;
}

static int cmd_install(wsb_setup_options *so)
{
	return run_with_progress(wsb_setup_install, so, "install",
		"The elevated sandbox is installed.");
}

static int cmd_uninstall(wsb_setup_options *so)
{
	return run_with_progress(wsb_setup_uninstall, so, "uninstall",
		"The elevated sandbox is removed.");
}

/* "--name VALUE" / "--name=VALUE" at argv[*i]: 1 matched, 0 not, -1 no value. */
static int value_of(const char **out, const char *name, int argc, char **argv, int *i)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0 || (argv[*i][n] != '\0' && argv[*i][n] != '='))
		return 0;
	if (argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
	} else if (*i + 1 < argc) {
		*out = argv[++*i];
	} else {
		fprintf(stderr, "%s: option %s needs a value\n", prog, name);
		return -1;
	}
	if (!**out) {
		fprintf(stderr, "%s: option %s needs a non-empty value\n", prog, name);
		return -1;
	}
	return 1;
}

int main(int argc, char **argv)
{
	wsb_setup_options so = WSB_SETUP_OPTIONS_INIT;
	unsigned short *ports;
	size_t nports = 0;
	const char *cmd, *v;
	char *state_abs = NULL;
	int i, json = 0, status, r;

	tool_init(&argc, &argv);
	if (argc < 2)
		return usage_error();
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		help();
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("wsb-setup %d.%d.%d (libwsandbox %s)\n", WSB_VERSION_MAJOR,
			WSB_VERSION_MINOR, WSB_VERSION_PATCH, wsb_version());
		return 0;
	}
	if (strcmp(cmd, "install") != 0 && strcmp(cmd, "plan") != 0
		&& strcmp(cmd, "status") != 0 && strcmp(cmd, "uninstall") != 0) {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
		return usage_error();
	}
	ports = tool_xmalloc((size_t)argc * sizeof(*ports));
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		int takes_users = strcmp(cmd, "install") == 0 || strcmp(cmd, "plan") == 0;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			help();
			free(ports);
			return 0;
		}
		if (strcmp(a, "--json") == 0 && (strcmp(cmd, "status") == 0 || strcmp(cmd, "plan") == 0)) {
			json = 1;
			continue;
		}
		if ((r = value_of(&v, "--state-dir", argc, argv, &i)) != 0) {
			if (r < 0)
				goto bad;
			so.state_dir = v;
			continue;
		}
		if (takes_users && (r = value_of(&v, "--offline-user", argc, argv, &i)) != 0) {
			if (r < 0)
				goto bad;
			so.offline_user = v;
			continue;
		}
		if (takes_users && (r = value_of(&v, "--online-user", argc, argv, &i)) != 0) {
			if (r < 0)
				goto bad;
			so.online_user = v;
			continue;
		}
		if (takes_users && (r = value_of(&v, "--group", argc, argv, &i)) != 0) {
			if (r < 0)
				goto bad;
			so.group = v;
			continue;
		}
		if (takes_users && (r = value_of(&v, "--allow-loopback-port", argc, argv, &i)) != 0) {
			wsb_u64 port;
			if (r < 0)
				goto bad;
			if (tool_parse_u64(&port, v) < 0 || port < 1 || port > 65535) {
				fprintf(stderr, "%s: invalid port '%s': expected 1 to 65535\n", prog, v);
				goto bad;
			}
			ports[nports++] = (unsigned short)port;
			continue;
		}
		fprintf(stderr, "%s: unknown option '%s' for '%s'\n", prog, a, cmd);
		goto bad;
	}
	if (so.state_dir) {
		state_abs = tool_abspath(so.state_dir);
		so.state_dir = state_abs;
	}
	so.loopback_ports = nports ? ports : NULL;
	so.loopback_port_count = nports;
	if (strcmp(cmd, "install") == 0)
		status = cmd_install(&so);
	else if (strcmp(cmd, "plan") == 0)
		status = cmd_plan(&so, json);
	else if (strcmp(cmd, "status") == 0)
		status = cmd_status(&so, json);
	else
		status = cmd_uninstall(&so);
	free(state_abs);
	free(ports);
	return status;
bad:
	free(ports);
	return usage_error();
}
