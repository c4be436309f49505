/*
 * audit: print the world-writable audit and the plan for a policy, as text or
 * one JSON object. Built on the public API only.
 */
#include "common/tool.h"

#include <stdlib.h>
#include <string.h>

static const char *const prog = "audit";

#ifndef _WIN32
static const char audit_note[] =
	"The world-writable audit is a Windows feature: it looks for directories that\n"
	"Everyone or Users may write, which a restricted token could still write to.\n"
	"There is nothing to audit on this system.";
#endif

static void help(void)
{
	fputs("usage: audit [POLICY OPTIONS] [--json]\n"
		"\nPrint the world-writable audit (Windows) and the plan for the policy the\n"
		"options describe: what running a command under it would change and which\n"
		"protections would be in force. Reads only; changes nothing. --cwd also\n"
		"chooses the directory whose children the audit examines.\n"
		"\nPolicy options (as wsb-run):\n", stdout);
	fputs(tool_policy_help, stdout);
	fputs("  --json                print one JSON object {\"audit\", \"plan\", ...}\n"
		"\nExit status: 0 done; 1 the audit or the plan failed; 125 bad options.\n",
		stdout);
}

int main(int argc, char **argv)
{
	tool_policy_opts o;
	wsb_policy *policy = NULL;
	wsb_identity *identity = NULL;
	wsb_audit_options ao = WSB_AUDIT_OPTIONS_INIT;
	wsb_plan *plan = NULL;
	char *audit_json = NULL, *plan_json = NULL, *cwd = NULL;
	int i, json = 0, audit_rc, plan_rc, status = 0, audit_failed = 0;
	tool_buf b = { NULL, 0, 0 };

	tool_init(&argc, &argv);
	tool_policy_opts_init(&o);
	for (i = 1; i < argc; i++) {
		int r;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help();
			return 0;
		}
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
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
	if (o.cwd)
		ao.cwd = cwd = tool_abspath(o.cwd);

	audit_rc = wsb_audit_world_writable(&audit_json, policy, &ao);
	if (audit_rc != WSB_OK) {
		tool_buf_printf(&b, "%s", wsb_error_message(NULL));
#ifndef _WIN32
		/* Not a failure: there is no such audit off Windows. */
		if (audit_rc == WSB_ENOTSUP) {
			tool_buf_free(&b);
			tool_buf_puts(&b, audit_note);
		} else
#endif
			audit_failed = status = 1;
	}
	plan_rc = wsb_plan_create(&plan, policy, identity);
	if (plan_rc == WSB_OK)
		plan_rc = wsb_plan_to_json(&plan_json, plan);
	if (plan_rc != WSB_OK)
		status = 1;

	if (json) {
		tool_buf j = { NULL, 0, 0 };
		tool_buf_puts(&j, "{\"audit\":");
		tool_buf_puts(&j, audit_json ? audit_json : "null");
		if (audit_rc != WSB_OK) {
			tool_buf_puts(&j, audit_failed ? ",\"audit_error\":" : ",\"audit_note\":");
			tool_json_string(&j, b.data, b.len);
		}
		tool_buf_puts(&j, ",\"plan\":");
		tool_buf_puts(&j, plan_json ? plan_json : "null");
		if (plan_rc != WSB_OK) {
			tool_buf_puts(&j, ",\"plan_error\":");
			tool_json_error(&j, plan_rc);
		}
		tool_buf_puts(&j, "}\n");
		fputs(tool_buf_str(&j), stdout);
		tool_buf_free(&j);
	} else {
		printf("World-writable audit:\n");
		if (audit_json) {
			if (tool_json_print_text(stdout, audit_json, 2) < 0)
				printf("  %s\n", audit_json);
		} else {
			const char *s = tool_buf_str(&b), *nl;
			/* Indent every line of the note or error. */
			while ((nl = strchr(s, '\n')) != NULL) {
				printf("  %.*s\n", (int)(nl - s), s);
				s = nl + 1;
			}
			printf("  %s%s\n", audit_failed ? "failed: " : "", s);
		}
		printf("\nPlan for this policy (%s):\n", tool_mode_name(wsb_policy_mode(policy)));
		if (plan_json) {
			tool_buf prot = { NULL, 0, 0 };
			tool_protections_text(&prot, wsb_plan_protections(plan));
			printf("  protections in force: %s\n  changes: %lu\n", tool_buf_str(&prot),
				(unsigned long)wsb_plan_step_count(plan));
			tool_buf_free(&prot);
			if (tool_json_print_text(stdout, plan_json, 2) < 0)
				printf("  %s\n", plan_json);
		} else {
			printf("  failed: %s\n", wsb_error_message(NULL));
		}
	}
	if (plan_rc != WSB_OK)
		fprintf(stderr, "%s: cannot make the plan: %s\n", prog, wsb_error_message(NULL));
	tool_buf_free(&b);
	wsb_free(audit_json);
	wsb_free(plan_json);
	wsb_plan_free(plan);
	free(cwd);
	wsb_identity_free(identity);
	wsb_policy_free(policy);
	tool_policy_opts_free(&o);
	return status;
}
