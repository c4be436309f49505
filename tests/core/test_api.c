/* The public entry points' own behaviour beyond argument checks: options
 * defaults, identities and their state directory, and (with the stub
 * backend) honest refusals and the process JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backend.h"

static int is_stub(void)
{
	return strcmp(wsb__backend_name, "stub") == 0;
}

static void options_init_fills_the_defaults(void **state)
{
	wsb_spawn_options s;
	wsb_identity_options i;
	wsb_audit_options a;
	wsb_setup_options u;
	const wsb_spawn_options s0 = WSB_SPAWN_OPTIONS_INIT;

	(void)state;
	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(wsb_spawn_options_init(&s, WSB_SPAWN_OPTIONS_VERSION), WSB_OK);
	assert_int_equal(s.version, WSB_SPAWN_OPTIONS_VERSION);
	assert_null(s.argv);
	assert_null(s.cwd);
	assert_int_equal(s.stdin_mode, s0.stdin_mode);
	assert_int_equal(s.stdout_mode, WSB_STDIO_PIPE);
	memset(&i, 0x5a, sizeof(i));
	assert_int_equal(wsb_identity_options_init(&i, WSB_IDENTITY_OPTIONS_VERSION), WSB_OK);
	assert_int_equal(i.kind, WSB_IDENTITY_CURRENT_USER);
	assert_null(i.state_dir);
	memset(&a, 0x5a, sizeof(a));
	assert_int_equal(wsb_audit_options_init(&a, WSB_AUDIT_OPTIONS_VERSION), WSB_OK);
	assert_null(a.cwd);
	assert_int_equal(a.max_entries, 0);
	memset(&u, 0x5a, sizeof(u));
	assert_int_equal(wsb_setup_options_init(&u, WSB_SETUP_OPTIONS_VERSION), WSB_OK);
	assert_null(u.group);
	assert_null(u.progress);
	assert_int_equal(u.loopback_port_count, 0);
}

static void identity_keeps_a_normalized_state_dir(void **state)
{
	wsb_identity_options o = WSB_IDENTITY_OPTIONS_INIT;
	wsb_identity *id = NULL;

	(void)state;
	o.state_dir = WSB__PATH_HOST == WSB__PATH_WIN ? "c:/State/./x/" : "/state//x/./";
	assert_int_equal(wsb_identity_create(&id, &o), WSB_OK);
	assert_string_equal(wsb_identity_state_dir(id),
		WSB__PATH_HOST == WSB__PATH_WIN ? "C:\\State\\x" : "/state/x");
	wsb_identity_free(id);
}

#ifndef _WIN32
static void default_state_dir_follows_xdg_then_home(void **state)
{
	wsb_identity *id = NULL;
	char *old_xdg = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

	(void)state;
	setenv("XDG_STATE_HOME", "/xdg/state", 1);
	setenv("HOME", "/home/someone", 1);
	assert_int_equal(wsb_identity_create(&id, NULL), WSB_OK);
	assert_string_equal(wsb_identity_state_dir(id), "/xdg/state/wsandbox");
	wsb_identity_free(id);
	/* XDG ignores relative values */
	setenv("XDG_STATE_HOME", "relative", 1);
	assert_int_equal(wsb_identity_create(&id, NULL), WSB_OK);
	assert_string_equal(wsb_identity_state_dir(id), "/home/someone/.local/state/wsandbox");
	wsb_identity_free(id);
	if (old_xdg)
		setenv("XDG_STATE_HOME", old_xdg, 1);
	else
		unsetenv("XDG_STATE_HOME");
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_xdg);
	free(old_home);
}
#endif

static void stub_refuses_to_spawn_and_says_why(void **state)
{
	const char *argv[] = { "prog", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wsb_identity *id = NULL;
	wsb_policy *p = NULL;
	wsb_process *proc = NULL;

	(void)state;
	if (!is_stub())
		skip();
	io.state_dir = WSB__PATH_HOST == WSB__PATH_WIN ? "C:\\s" : "/s";
	assert_int_equal(wsb_identity_create(&id, &io), WSB_OK);
	assert_int_equal(wsb_policy_create(&p, WSB_MODE_READ_ONLY), WSB_OK);
	o.argv = argv;
	assert_int_equal(wsb_spawn(&proc, p, id, &o), WSB_ENOTSUP);
	assert_null(proc);
	assert_non_null(strstr(wsb_error_message(NULL), "stub"));
	assert_int_equal(wsb_run(&proc, p, id, &o, "in", 2), WSB_ENOTSUP);
	assert_int_equal(wsb_identity_revert(id), WSB_ENOTSUP);
	wsb_policy_free(p);
	wsb_identity_free(id);
}

static void stub_plan_lists_what_the_policy_asks_for_as_missing(void **state)
{
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wsb_identity *id = NULL;
	wsb_policy *p = NULL;
	wsb_plan *plan = NULL;

	(void)state;
	if (!is_stub())
		skip();
	io.state_dir = WSB__PATH_HOST == WSB__PATH_WIN ? "C:\\s" : "/s";
	assert_int_equal(wsb_identity_create(&id, &io), WSB_OK);
	assert_int_equal(wsb_policy_create(&p, WSB_MODE_READ_ONLY), WSB_OK);
	assert_int_equal(wsb_policy_set_limit(p, WSB_LIMIT_MEMORY, 64u << 20), WSB_OK);
	assert_int_equal(wsb_plan_create(&plan, p, id), WSB_OK);
	assert_int_equal(wsb_plan_protections(plan), 0);
	assert_int_equal(wsb_plan_step_count(plan), 0);
	assert_int_equal(plan->missing, WSB_PROT_FS_WRITE | WSB_PROT_NETWORK |
		WSB_PROT_PROCESS_TREE | WSB_PROT_LIMIT_MEMORY);
	assert_int_equal(plan->notes.count, 1);
	wsb_plan_free(plan);
	wsb_policy_free(p);
	wsb_identity_free(id);
}

static void process_json_is_built_from_the_getters(void **state)
{
	static int fake; /* the stub's getters never look inside */
	char *json = NULL;

	(void)state;
	if (!is_stub())
		skip();
	assert_int_equal(wsb_process_to_json(&json, (wsb_process *)&fake), WSB_OK);
	assert_string_equal(json, "{\"format\":1,\"backend\":\"stub\",\"pid\":-1,"
		"\"exit\":{\"kind\":\"running\",\"code\":null,\"limit\":\"none\"},\"duration_ms\":0,"
		"\"protections\":[],\"stdout\":{\"captured\":false,\"bytes\":0,\"truncated\":false},"
		"\"stderr\":{\"captured\":false,\"bytes\":0,\"truncated\":false}}");
	wsb_free(json);
}

static void setup_options_that_pass_reach_the_backend(void **state)
{
	static const unsigned short ports[] = { 8080, 1, 65535 };
	wsb_setup_options o = WSB_SETUP_OPTIONS_INIT;
	wsb_plan *plan = NULL;
	int rc;

	(void)state;
	o.offline_user = "wsb-offline-\xc3\xa9";
	o.group = "sandbox group";
	o.loopback_ports = ports;
	o.loopback_port_count = 3;
	rc = wsb_setup_plan(&plan, &o);
	/* Only the backend may refuse now: ENOTSUP where there is no setup. */
	if (is_stub())
		assert_int_equal(rc, WSB_ENOTSUP);
	assert_true(rc != WSB_EINVAL && rc != WSB_ERANGE && rc != WSB_EEXIST);
	wsb_plan_free(plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(options_init_fills_the_defaults),
		cmocka_unit_test(identity_keeps_a_normalized_state_dir),
#ifndef _WIN32
		cmocka_unit_test(default_state_dir_follows_xdg_then_home),
#endif
		cmocka_unit_test(stub_refuses_to_spawn_and_says_why),
		cmocka_unit_test(stub_plan_lists_what_the_policy_asks_for_as_missing),
		cmocka_unit_test(process_json_is_built_from_the_getters),
		cmocka_unit_test(setup_options_that_pass_reach_the_backend),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
