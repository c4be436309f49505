/*
 * Every public function with NULL and invalid arguments: each row names the
 * function and the bad argument, makes one call, and expects the documented
 * code, a wsb_error_last() message with that code that names the function,
 * and a policy that is exactly as before. A last test reads the public header and fails
 * if a function in it has no row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/policy.h"
#include "core/plan.h"

#ifdef _WIN32
#  define ABS(p) "C:\\" p
#else
#  define ABS(p) "/" p
#endif

#define BAD_UTF8 "\xc3\x28"
#define RELATIVE "relative/dir"

static wsb_policy *P;          /* the policy every row must leave unchanged */
static wsb_policy *CONFLICT;   /* a root inside a deny-read path */
static wsb_plan *PLAN;
static char *LONG_PATH;        /* absolute, longer than any flavor allows */
static const char **MANY_ARGS; /* WSB_MAX_ARGS + 1 arguments */
/* Never dereferenced: argument checks fail before any backend call. */
static int dummy_process;
#define PROC ((wsb_process *)&dummy_process)

static const char *const ARGV_OK[] = { "prog", NULL };
static const char *const ARGV_EMPTY[] = { NULL };
static const char *const ARGV_EMPTY_PROG[] = { "", NULL };
static const char *const ARGV_BAD_UTF8[] = { "prog", BAD_UTF8, NULL };
static const unsigned short PORTS_DUP[] = { 8080, 9090, 8080 };
static const unsigned short PORTS_ZERO[] = { 8080, 0 };

static wsb_spawn_options spawn_opts(void)
{
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;

	o.argv = ARGV_OK;
	return o;
}

static wsb_setup_options setup_opts(void)
{
	wsb_setup_options o = WSB_SETUP_OPTIONS_INIT;

	return o;
}

/* ---- rows: one bad call each, returning the code it got ---- */

#define ROW(name, expr) static int name(void) { return (expr); }

/* errors and memory */
ROW(set_allocator_after_use, wsb_set_allocator(NULL))

/* policy */
ROW(create_null_out, wsb_policy_create(NULL, WSB_MODE_READ_ONLY))
static int create_bad_mode(void) { wsb_policy *p = NULL; int rc = wsb_policy_create(&p, 3); assert_null(p); return rc; }
static int create_negative_mode(void) { wsb_policy *p = NULL; return wsb_policy_create(&p, -1); }
ROW(set_mode_null, wsb_policy_set_mode(NULL, WSB_MODE_READ_ONLY))
ROW(set_mode_bad, wsb_policy_set_mode(P, 3))
ROW(mode_null, wsb_policy_mode(NULL))
ROW(allow_write_null_policy, wsb_policy_allow_write(NULL, ABS("x")))
ROW(allow_write_null_path, wsb_policy_allow_write(P, NULL))
ROW(allow_write_relative, wsb_policy_allow_write(P, RELATIVE))
ROW(allow_write_empty, wsb_policy_allow_write(P, ""))
ROW(allow_write_bad_utf8, wsb_policy_allow_write(P, ABS(BAD_UTF8)))
ROW(allow_write_too_long, wsb_policy_allow_write(P, LONG_PATH))
ROW(allow_write_duplicate, wsb_policy_allow_write(P, ABS("w")))
ROW(protect_path_null_policy, wsb_policy_protect_path(NULL, ABS("x")))
ROW(protect_path_null_path, wsb_policy_protect_path(P, NULL))
ROW(protect_path_relative, wsb_policy_protect_path(P, RELATIVE))
ROW(protect_path_bad_utf8, wsb_policy_protect_path(P, ABS(BAD_UTF8)))
ROW(protect_path_too_long, wsb_policy_protect_path(P, LONG_PATH))
ROW(protect_path_duplicate, wsb_policy_protect_path(P, ABS("w/vendor")))
ROW(protect_name_null_policy, wsb_policy_protect_name(NULL, ".hg"))
ROW(protect_name_null, wsb_policy_protect_name(P, NULL))
ROW(protect_name_empty, wsb_policy_protect_name(P, ""))
ROW(protect_name_dot, wsb_policy_protect_name(P, "."))
ROW(protect_name_dotdot, wsb_policy_protect_name(P, ".."))
ROW(protect_name_separator, wsb_policy_protect_name(P, "a/b"))
ROW(protect_name_bad_utf8, wsb_policy_protect_name(P, BAD_UTF8))
ROW(protect_name_too_long, wsb_policy_protect_name(P, LONG_PATH))
ROW(protect_name_duplicate, wsb_policy_protect_name(P, ".hg"))
ROW(deny_read_null_policy, wsb_policy_deny_read(NULL, ABS("x")))
ROW(deny_read_null_path, wsb_policy_deny_read(P, NULL))
ROW(deny_read_relative, wsb_policy_deny_read(P, RELATIVE))
ROW(deny_read_bad_utf8, wsb_policy_deny_read(P, ABS(BAD_UTF8)))
ROW(deny_read_too_long, wsb_policy_deny_read(P, LONG_PATH))
ROW(deny_read_duplicate, wsb_policy_deny_read(P, ABS("w/secret")))
ROW(set_network_null, wsb_policy_set_network(NULL, WSB_NETWORK_ON))
ROW(set_network_bad, wsb_policy_set_network(P, 3))
ROW(set_limit_null, wsb_policy_set_limit(NULL, WSB_LIMIT_TIMEOUT, 1))
ROW(set_limit_none, wsb_policy_set_limit(P, WSB_LIMIT_NONE, 1))
ROW(set_limit_unknown, wsb_policy_set_limit(P, 99, 1))
ROW(set_limit_memory_too_small, wsb_policy_set_limit(P, WSB_LIMIT_MEMORY, 1))
ROW(set_limit_huge, wsb_policy_set_limit(P, WSB_LIMIT_TIMEOUT, ~(wsb_u64)0))
ROW(set_limit_processes_huge, wsb_policy_set_limit(P, WSB_LIMIT_PROCESSES, (wsb_u64)1 << 40))
static int limit_null_out(void) { return wsb_policy_limit(NULL, P, WSB_LIMIT_TIMEOUT); }
static int limit_null_policy(void) { wsb_u64 v; return wsb_policy_limit(&v, NULL, WSB_LIMIT_TIMEOUT); }
static int limit_unknown(void) { wsb_u64 v; return wsb_policy_limit(&v, P, 6); }
ROW(env_mode_null, wsb_policy_env_mode(NULL, WSB_ENV_CLEAR))
ROW(env_mode_bad, wsb_policy_env_mode(P, 2))
ROW(env_set_null_policy, wsb_policy_env_set(NULL, "A", "b"))
ROW(env_set_null_name, wsb_policy_env_set(P, NULL, "b"))
ROW(env_set_empty_name, wsb_policy_env_set(P, "", "b"))
ROW(env_set_name_with_equals, wsb_policy_env_set(P, "A=B", "b"))
ROW(env_set_bad_utf8_name, wsb_policy_env_set(P, BAD_UTF8, "b"))
ROW(env_set_null_value, wsb_policy_env_set(P, "A", NULL))
ROW(env_set_bad_utf8_value, wsb_policy_env_set(P, "A", BAD_UTF8))
ROW(env_set_too_long, wsb_policy_env_set(P, "A", LONG_PATH))
ROW(env_unset_null_policy, wsb_policy_env_unset(NULL, "A"))
ROW(env_unset_null_name, wsb_policy_env_unset(P, NULL))
ROW(env_unset_bad_name, wsb_policy_env_unset(P, "A=B"))
ROW(set_flags_null, wsb_policy_set_flags(NULL, 0))
ROW(set_flags_unknown, wsb_policy_set_flags(P, 1u << 31))
ROW(set_flags_both_world_writable, wsb_policy_set_flags(P,
	WSB_POLICY_DENY_WORLD_WRITABLE | WSB_POLICY_REFUSE_WORLD_WRITABLE))
ROW(allow_missing_null, wsb_policy_allow_missing(NULL, 0))
ROW(allow_missing_unknown, wsb_policy_allow_missing(P, 1u << 12))
ROW(relay_null, wsb_policy_set_loopback_relay(NULL, 18080, 7890))
ROW(relay_target_zero, wsb_policy_set_loopback_relay(P, 18080, 0))
ROW(relay_same_port, wsb_policy_set_loopback_relay(P, 7890, 7890))
ROW(allow_host_null_policy, wsb_policy_allow_host(NULL, "pypi.org"))
ROW(allow_host_null, wsb_policy_allow_host(P, NULL))
ROW(allow_host_bare_star, wsb_policy_allow_host(P, "*"))
ROW(allow_host_empty_label, wsb_policy_allow_host(P, "a..org"))
ROW(allow_host_address, wsb_policy_allow_host(P, "169.254.169.254"))
ROW(allow_host_bad_port, wsb_policy_allow_host(P, "pypi.org:0"))
ROW(allow_host_bad_utf8, wsb_policy_allow_host(P, BAD_UTF8 ".org"))
ROW(allow_host_too_long, wsb_policy_allow_host(P, LONG_PATH))
ROW(allow_host_duplicate, wsb_policy_allow_host(P, "PyPI.org."))
ROW(deny_host_null_policy, wsb_policy_deny_host(NULL, "evil.test"))
ROW(deny_host_null, wsb_policy_deny_host(P, NULL))
ROW(deny_host_wildcard_inside, wsb_policy_deny_host(P, "a.*.test"))
ROW(deny_host_duplicate, wsb_policy_deny_host(P, "evil.test"))
ROW(network_callback_null_policy, wsb_policy_set_network_callback(NULL, NULL, NULL))
ROW(allow_address_null_policy, wsb_policy_allow_address(NULL, "10.0.0.1"))
ROW(allow_address_null, wsb_policy_allow_address(P, NULL))
ROW(allow_address_name, wsb_policy_allow_address(P, "pypi.org"))
ROW(allow_address_prefix, wsb_policy_allow_address(P, "10.0.0.0/33"))
ROW(allow_address_duplicate, wsb_policy_allow_address(P, "10.9.9.9/8"))
ROW(validate_null, wsb_policy_validate(NULL))
ROW(validate_conflict, wsb_policy_validate(CONFLICT))
static int check_null_out(void) { return wsb_policy_check_path(NULL, NULL, NULL, P, ABS("w"), WSB_ACCESS_READ); }
static int check_null_policy(void) { int a; return wsb_policy_check_path(&a, NULL, NULL, NULL, ABS("w"), WSB_ACCESS_READ); }
static int check_null_path(void) { int a; return wsb_policy_check_path(&a, NULL, NULL, P, NULL, WSB_ACCESS_READ); }
static int check_bad_access(void) { int a; return wsb_policy_check_path(&a, NULL, NULL, P, ABS("w"), 3); }
static int check_relative(void) { int a; return wsb_policy_check_path(&a, NULL, NULL, P, RELATIVE, WSB_ACCESS_READ); }
static int check_bad_utf8(void) { int a; return wsb_policy_check_path(&a, NULL, NULL, P, ABS(BAD_UTF8), WSB_ACCESS_READ); }
static int check_too_long(void) { int a; return wsb_policy_check_path(&a, NULL, NULL, P, LONG_PATH, WSB_ACCESS_READ); }

/* identity */
ROW(identity_init_null, wsb_identity_options_init(NULL, WSB_IDENTITY_OPTIONS_VERSION))
static int identity_init_version_0(void) { wsb_identity_options o; return wsb_identity_options_init(&o, 0); }
static int identity_init_version_future(void) { wsb_identity_options o; return wsb_identity_options_init(&o, WSB_IDENTITY_OPTIONS_VERSION + 1); }
ROW(identity_create_null_out, wsb_identity_create(NULL, NULL))
static int identity_create_opts(int version, int kind, const char *state_dir)
{
	wsb_identity_options o = WSB_IDENTITY_OPTIONS_INIT;
	wsb_identity *id = (wsb_identity *)&dummy_process;
	int rc;

	o.version = (unsigned int)version;
	o.kind = kind;
	o.state_dir = state_dir;
	rc = wsb_identity_create(&id, &o);
	assert_null(id);
	return rc;
}
ROW(identity_create_version_0, identity_create_opts(0, 0, ABS("s")))
ROW(identity_create_version_future, identity_create_opts(WSB_IDENTITY_OPTIONS_VERSION + 1, 0, ABS("s")))
ROW(identity_create_bad_kind, identity_create_opts(1, 7, ABS("s")))
ROW(identity_create_relative_state_dir, identity_create_opts(1, 0, RELATIVE))
ROW(identity_create_bad_utf8_state_dir, identity_create_opts(1, 0, ABS(BAD_UTF8)))
ROW(identity_create_long_state_dir, identity_create_opts(1, 0, LONG_PATH))
static int identity_state_dir_null(void) { assert_null(wsb_identity_state_dir(NULL)); return wsb_error_code(NULL); }
ROW(identity_revert_null, wsb_identity_revert(NULL))

/* plan */
ROW(plan_create_null_out, wsb_plan_create(NULL, P, NULL))
static int plan_create_null_policy(void) { wsb_plan *p; return wsb_plan_create(&p, NULL, NULL); }
static int plan_create_conflict(void) { wsb_plan *p = PLAN; int rc = wsb_plan_create(&p, CONFLICT, NULL); assert_null(p); return rc; }
ROW(plan_to_json_null_out, wsb_plan_to_json(NULL, PLAN))
static int plan_to_json_null_plan(void) { char *s; return wsb_plan_to_json(&s, NULL); }
static int plan_protections_null(void) { assert_int_equal(wsb_plan_protections(NULL), 0); return wsb_error_code(NULL); }
static int plan_step_count_null(void) { assert_int_equal(wsb_plan_step_count(NULL), 0); return wsb_error_code(NULL); }

/* spawn and run */
ROW(spawn_init_null, wsb_spawn_options_init(NULL, WSB_SPAWN_OPTIONS_VERSION))
static int spawn_init_version_0(void) { wsb_spawn_options o; return wsb_spawn_options_init(&o, 0); }
static int spawn_init_version_future(void) { wsb_spawn_options o; return wsb_spawn_options_init(&o, WSB_SPAWN_OPTIONS_VERSION + 1); }
static int spawn_with(const wsb_policy *policy, const wsb_spawn_options *o)
{
	wsb_process *p = PROC;
	int rc = wsb_spawn(&p, policy, NULL, o);

	assert_null(p);
	return rc;
}
static int run_with(const wsb_policy *policy, const wsb_spawn_options *o)
{
	wsb_process *p = PROC;
	int rc = wsb_run(&p, policy, NULL, o, NULL, 0);

	assert_null(p);
	return rc;
}
static int spawn_null_out(void) { wsb_spawn_options o = spawn_opts(); return wsb_spawn(NULL, P, NULL, &o); }
static int spawn_null_policy(void) { wsb_spawn_options o = spawn_opts(); return spawn_with(NULL, &o); }
ROW(spawn_null_opts, spawn_with(P, NULL))
static int spawn_version_0(void) { wsb_spawn_options o = spawn_opts(); o.version = 0; return spawn_with(P, &o); }
static int spawn_version_future(void) { wsb_spawn_options o = spawn_opts(); o.version = 99; return spawn_with(P, &o); }
static int spawn_null_argv(void) { wsb_spawn_options o = spawn_opts(); o.argv = NULL; return spawn_with(P, &o); }
static int spawn_empty_argv(void) { wsb_spawn_options o = spawn_opts(); o.argv = ARGV_EMPTY; return spawn_with(P, &o); }
static int spawn_empty_program(void) { wsb_spawn_options o = spawn_opts(); o.argv = ARGV_EMPTY_PROG; return spawn_with(P, &o); }
static int spawn_bad_utf8_arg(void) { wsb_spawn_options o = spawn_opts(); o.argv = ARGV_BAD_UTF8; return spawn_with(P, &o); }
static int spawn_too_many_args(void) { wsb_spawn_options o = spawn_opts(); o.argv = MANY_ARGS; return spawn_with(P, &o); }
static int spawn_bad_stdin(void) { wsb_spawn_options o = spawn_opts(); o.stdin_mode = 3; return spawn_with(P, &o); }
static int spawn_bad_stdout(void) { wsb_spawn_options o = spawn_opts(); o.stdout_mode = -1; return spawn_with(P, &o); }
static int spawn_bad_stderr(void) { wsb_spawn_options o = spawn_opts(); o.stderr_mode = 9; return spawn_with(P, &o); }
static int spawn_bad_terminal(void) { wsb_spawn_options o = spawn_opts(); o.terminal = 2; return spawn_with(P, &o); }
static int spawn_terminal_too_wide(void) { wsb_spawn_options o = spawn_opts(); o.terminal = 1; o.terminal_cols = WSB_MAX_TERMINAL_SIZE + 1; return spawn_with(P, &o); }
static int spawn_terminal_too_tall(void) { wsb_spawn_options o = spawn_opts(); o.terminal = 1; o.terminal_rows = 100000; return spawn_with(P, &o); }
static int spawn_relative_cwd(void) { wsb_spawn_options o = spawn_opts(); o.cwd = RELATIVE; return spawn_with(P, &o); }
static int spawn_bad_utf8_cwd(void) { wsb_spawn_options o = spawn_opts(); o.cwd = ABS(BAD_UTF8); return spawn_with(P, &o); }
static int spawn_conflicting_policy(void) { wsb_spawn_options o = spawn_opts(); return spawn_with(CONFLICT, &o); }
static int run_null_out(void) { wsb_spawn_options o = spawn_opts(); return wsb_run(NULL, P, NULL, &o, NULL, 0); }
static int run_null_policy(void) { wsb_spawn_options o = spawn_opts(); return run_with(NULL, &o); }
ROW(run_null_opts, run_with(P, NULL))
static int run_version_0(void) { wsb_spawn_options o = spawn_opts(); o.version = 0; return run_with(P, &o); }
static int run_empty_argv(void) { wsb_spawn_options o = spawn_opts(); o.argv = ARGV_EMPTY; return run_with(P, &o); }
static int run_too_many_args(void) { wsb_spawn_options o = spawn_opts(); o.argv = MANY_ARGS; return run_with(P, &o); }
static int run_relative_cwd(void) { wsb_spawn_options o = spawn_opts(); o.cwd = RELATIVE; return run_with(P, &o); }
static int run_null_stdin_with_length(void)
{
	wsb_spawn_options o = spawn_opts();
	wsb_process *p = PROC;
	int rc = wsb_run(&p, P, NULL, &o, NULL, 5);

	assert_null(p);
	return rc;
}

/* process */
ROW(process_wait_null, wsb_process_wait(NULL, 0))
ROW(process_kill_null, wsb_process_kill(NULL))
static int process_write_null(void) { size_t n = 7; int rc = wsb_process_write(&n, NULL, "x", 1); assert_int_equal(n, 0); return rc; }
ROW(process_write_null_data, wsb_process_write(NULL, PROC, NULL, 3))
ROW(process_close_stdin_null, wsb_process_close_stdin(NULL))
static char readbuf[16];
ROW(process_resize_null, wsb_process_resize(NULL, 80, 24))
ROW(process_resize_zero_cols, wsb_process_resize(PROC, 0, 24))
ROW(process_resize_zero_rows, wsb_process_resize(PROC, 80, 0))
ROW(process_resize_too_wide, wsb_process_resize(PROC, WSB_MAX_TERMINAL_SIZE + 1, 24))
ROW(process_waitable_null_out, wsb_process_waitable(NULL, PROC))
static int process_waitable_null(void) { wsb_os_handle h; return wsb_process_waitable(&h, NULL); }
ROW(process_stream_handle_null_out, wsb_process_stream_handle(NULL, PROC, WSB_STREAM_STDOUT))
static int process_stream_handle_null(void) { wsb_os_handle h; return wsb_process_stream_handle(&h, NULL, WSB_STREAM_STDOUT); }
static int process_stream_handle_bad_stream(void) { wsb_os_handle h; return wsb_process_stream_handle(&h, PROC, 3); }
ROW(process_read_null_out, wsb_process_read(NULL, PROC, WSB_STREAM_STDOUT, readbuf, sizeof(readbuf), 0))
static int process_read_null(void) { size_t n; return wsb_process_read(&n, NULL, WSB_STREAM_STDOUT, readbuf, sizeof(readbuf), 0); }
static int process_read_bad_stream(void) { size_t n; return wsb_process_read(&n, PROC, 0, readbuf, sizeof(readbuf), 0); }
static int process_read_null_buf(void) { size_t n; return wsb_process_read(&n, PROC, WSB_STREAM_STDERR, NULL, 4, 0); }
static int process_read_zero_len(void) { size_t n; return wsb_process_read(&n, PROC, WSB_STREAM_STDERR, readbuf, 0, 0); }
ROW(process_exit_kind_null, wsb_process_exit_kind(NULL))
static int process_exit_code_null(void) { assert_int_equal(wsb_process_exit_code(NULL), -1); return wsb_error_code(NULL); }
ROW(process_limit_null, wsb_process_limit(NULL))
static int process_protections_null(void) { assert_int_equal(wsb_process_protections(NULL), 0); return wsb_error_code(NULL); }
static int process_pid_null(void) { assert_int_equal(wsb_process_pid(NULL), -1); return wsb_error_code(NULL); }
static int process_duration_null(void) { assert_true(wsb_process_duration_ms(NULL) == 0); return wsb_error_code(NULL); }
static int process_output_null(void)
{
	size_t len = 5;
	int trunc = 5;

	assert_null(wsb_process_output(&len, &trunc, NULL, WSB_STREAM_STDOUT));
	assert_int_equal(len, 0);
	assert_int_equal(trunc, 0);
	return wsb_error_code(NULL);
}
static int process_output_bad_stream(void) { assert_null(wsb_process_output(NULL, NULL, PROC, 3)); return wsb_error_code(NULL); }
ROW(process_to_json_null_out, wsb_process_to_json(NULL, PROC))
static int process_to_json_null(void) { char *s; return wsb_process_to_json(&s, NULL); }

/* audit */
ROW(audit_init_null, wsb_audit_options_init(NULL, WSB_AUDIT_OPTIONS_VERSION))
static int audit_init_version_0(void) { wsb_audit_options o; return wsb_audit_options_init(&o, 0); }
static int audit_init_version_future(void) { wsb_audit_options o; return wsb_audit_options_init(&o, 2); }
ROW(audit_null_out, wsb_audit_world_writable(NULL, P, NULL))
static int audit_null_policy(void) { char *s; return wsb_audit_world_writable(&s, NULL, NULL); }
static int audit_version_0(void) { char *s; wsb_audit_options o = WSB_AUDIT_OPTIONS_INIT; o.version = 0; return wsb_audit_world_writable(&s, P, &o); }
static int audit_relative_cwd(void) { char *s; wsb_audit_options o = WSB_AUDIT_OPTIONS_INIT; o.cwd = RELATIVE; return wsb_audit_world_writable(&s, P, &o); }
static int audit_bad_utf8_cwd(void) { char *s; wsb_audit_options o = WSB_AUDIT_OPTIONS_INIT; o.cwd = ABS(BAD_UTF8); return wsb_audit_world_writable(&s, P, &o); }

/* self-test */
static const char *const PROBE_OK[] = { "probe", NULL };
static const char *const PROBE_BAD_UTF8[] = { "probe", BAD_UTF8, NULL };
static wsb_self_test_options self_test_opts(void)
{
	wsb_self_test_options o = WSB_SELF_TEST_OPTIONS_INIT;

	o.probe_argv = PROBE_OK;
	return o;
}
static int self_test_with(const wsb_policy *p, const wsb_self_test_options *o) { char *s = (char *)1; unsigned int f = 7; int rc = wsb_self_test(&s, &f, p, NULL, o); assert_null(s); assert_int_equal(f, 0); return rc; }
ROW(self_test_init_null, wsb_self_test_options_init(NULL, WSB_SELF_TEST_OPTIONS_VERSION))
static int self_test_init_version_0(void) { wsb_self_test_options o; return wsb_self_test_options_init(&o, 0); }
static int self_test_init_version_future(void) { wsb_self_test_options o; return wsb_self_test_options_init(&o, 2); }
static int self_test_null_out(void) { wsb_self_test_options o = self_test_opts(); return wsb_self_test(NULL, NULL, P, NULL, &o); }
static int self_test_null_policy(void) { wsb_self_test_options o = self_test_opts(); return self_test_with(NULL, &o); }
static int self_test_null_opts(void) { return self_test_with(P, NULL); }
static int self_test_conflict(void) { wsb_self_test_options o = self_test_opts(); return self_test_with(CONFLICT, &o); }
static int self_test_version_0(void) { wsb_self_test_options o = self_test_opts(); o.version = 0; return self_test_with(P, &o); }
static int self_test_version_future(void) { wsb_self_test_options o = self_test_opts(); o.version = 2; return self_test_with(P, &o); }
static int self_test_no_probe(void) { wsb_self_test_options o = self_test_opts(); o.probe_argv = NULL; return self_test_with(P, &o); }
static int self_test_empty_probe(void) { wsb_self_test_options o = self_test_opts(); o.probe_argv = ARGV_EMPTY; return self_test_with(P, &o); }
static int self_test_probe_bad_utf8(void) { wsb_self_test_options o = self_test_opts(); o.probe_argv = PROBE_BAD_UTF8; return self_test_with(P, &o); }
static int self_test_probe_too_many(void) { wsb_self_test_options o = self_test_opts(); o.probe_argv = MANY_ARGS; return self_test_with(P, &o); }
static int self_test_relative_work_dir(void) { wsb_self_test_options o = self_test_opts(); o.work_dir = RELATIVE; return self_test_with(P, &o); }
static int self_test_bad_utf8_work_dir(void) { wsb_self_test_options o = self_test_opts(); o.work_dir = ABS(BAD_UTF8); return self_test_with(P, &o); }
static int self_test_long_work_dir(void) { wsb_self_test_options o = self_test_opts(); o.work_dir = LONG_PATH; return self_test_with(P, &o); }
static int self_test_probe_negative_argc(void) { assert_int_equal(wsb_self_test_probe(-1, ARGV_OK), 2); return wsb_error_code(NULL); }
static int self_test_probe_null_argv(void) { assert_int_equal(wsb_self_test_probe(1, NULL), 2); return wsb_error_code(NULL); }

/* setup */
ROW(setup_init_null, wsb_setup_options_init(NULL, WSB_SETUP_OPTIONS_VERSION))
static int setup_init_version_0(void) { wsb_setup_options o; return wsb_setup_options_init(&o, 0); }
static int setup_init_version_future(void) { wsb_setup_options o; return wsb_setup_options_init(&o, 2); }
ROW(setup_plan_null_out, wsb_setup_plan(NULL, NULL))
static int setup_plan_with(const wsb_setup_options *o) { wsb_plan *p = PLAN; int rc = wsb_setup_plan(&p, o); assert_null(p); return rc; }
static int setup_plan_version_0(void) { wsb_setup_options o = setup_opts(); o.version = 0; return setup_plan_with(&o); }
static int setup_plan_bad_user(void) { wsb_setup_options o = setup_opts(); o.offline_user = "a/b"; return setup_plan_with(&o); }
static int setup_plan_empty_user(void) { wsb_setup_options o = setup_opts(); o.online_user = ""; return setup_plan_with(&o); }
static int setup_plan_dots_user(void) { wsb_setup_options o = setup_opts(); o.online_user = ". ."; return setup_plan_with(&o); }
static int setup_plan_same_users(void) { wsb_setup_options o = setup_opts(); o.offline_user = "sb"; o.online_user = "SB"; return setup_plan_with(&o); }
static int setup_plan_long_user(void) { wsb_setup_options o = setup_opts(); o.offline_user = "abcdefghijklmnopqrstu"; return setup_plan_with(&o); }
static int setup_plan_bad_utf8_group(void) { wsb_setup_options o = setup_opts(); o.group = BAD_UTF8; return setup_plan_with(&o); }
static int setup_plan_long_group(void) { wsb_setup_options o = setup_opts(); o.group = LONG_PATH + 3; return setup_plan_with(&o); }
static int setup_plan_null_ports(void) { wsb_setup_options o = setup_opts(); o.loopback_port_count = 2; return setup_plan_with(&o); }
static int setup_plan_too_many_ports(void) { wsb_setup_options o = setup_opts(); o.loopback_ports = PORTS_DUP; o.loopback_port_count = 65536; return setup_plan_with(&o); }
static int setup_plan_port_zero(void) { wsb_setup_options o = setup_opts(); o.loopback_ports = PORTS_ZERO; o.loopback_port_count = 2; return setup_plan_with(&o); }
static int setup_plan_duplicate_port(void) { wsb_setup_options o = setup_opts(); o.loopback_ports = PORTS_DUP; o.loopback_port_count = 3; return setup_plan_with(&o); }
static int setup_plan_relative_state_dir(void) { wsb_setup_options o = setup_opts(); o.state_dir = RELATIVE; return setup_plan_with(&o); }
static int setup_install_version_future(void) { wsb_setup_options o = setup_opts(); o.version = 2; return wsb_setup_install(&o); }
static int setup_install_bad_group(void) { wsb_setup_options o = setup_opts(); o.group = "a*b"; return wsb_setup_install(&o); }
ROW(setup_status_null_out, wsb_setup_status(NULL, NULL))
static int setup_status_version_0(void) { char *s = (char *)1; wsb_setup_options o = setup_opts(); int rc; o.version = 0; rc = wsb_setup_status(&s, &o); assert_null(s); return rc; }
static int setup_uninstall_version_0(void) { wsb_setup_options o = setup_opts(); o.version = 0; return wsb_setup_uninstall(&o); }
static int setup_uninstall_bad_user(void) { wsb_setup_options o = setup_opts(); o.offline_user = "x:y"; return wsb_setup_uninstall(&o); }

typedef struct row {
	const char *function; /* the public function the row calls */
	const char *bad;      /* what is wrong with the call */
	int (*call)(void);
	int expect;
} row;

#define R(fn, bad, call, code) { #fn, bad, call, code }

static const row rows[] = {
	R(wsb_set_allocator, "called after the library allocated", set_allocator_after_use, WSB_ESTATE),

	R(wsb_policy_create, "out NULL", create_null_out, WSB_EINVAL),
	R(wsb_policy_create, "unknown mode", create_bad_mode, WSB_EINVAL),
	R(wsb_policy_create, "negative mode", create_negative_mode, WSB_EINVAL),
	R(wsb_policy_set_mode, "policy NULL", set_mode_null, WSB_EINVAL),
	R(wsb_policy_set_mode, "unknown mode", set_mode_bad, WSB_EINVAL),
	R(wsb_policy_mode, "policy NULL", mode_null, WSB_EINVAL),
	R(wsb_policy_allow_write, "policy NULL", allow_write_null_policy, WSB_EINVAL),
	R(wsb_policy_allow_write, "path NULL", allow_write_null_path, WSB_EINVAL),
	R(wsb_policy_allow_write, "relative path", allow_write_relative, WSB_EPATH),
	R(wsb_policy_allow_write, "empty path", allow_write_empty, WSB_EPATH),
	R(wsb_policy_allow_write, "invalid UTF-8", allow_write_bad_utf8, WSB_EUTF8),
	R(wsb_policy_allow_write, "over-long path", allow_write_too_long, WSB_ETOOLONG),
	R(wsb_policy_allow_write, "duplicate root", allow_write_duplicate, WSB_EEXIST),
	R(wsb_policy_protect_path, "policy NULL", protect_path_null_policy, WSB_EINVAL),
	R(wsb_policy_protect_path, "path NULL", protect_path_null_path, WSB_EINVAL),
	R(wsb_policy_protect_path, "relative path", protect_path_relative, WSB_EPATH),
	R(wsb_policy_protect_path, "invalid UTF-8", protect_path_bad_utf8, WSB_EUTF8),
	R(wsb_policy_protect_path, "over-long path", protect_path_too_long, WSB_ETOOLONG),
	R(wsb_policy_protect_path, "duplicate", protect_path_duplicate, WSB_EEXIST),
	R(wsb_policy_protect_name, "policy NULL", protect_name_null_policy, WSB_EINVAL),
	R(wsb_policy_protect_name, "name NULL", protect_name_null, WSB_EINVAL),
	R(wsb_policy_protect_name, "empty name", protect_name_empty, WSB_EINVAL),
	R(wsb_policy_protect_name, "\".\"", protect_name_dot, WSB_EINVAL),
	R(wsb_policy_protect_name, "\"..\"", protect_name_dotdot, WSB_EINVAL),
	R(wsb_policy_protect_name, "name with a separator", protect_name_separator, WSB_EINVAL),
	R(wsb_policy_protect_name, "invalid UTF-8", protect_name_bad_utf8, WSB_EUTF8),
	R(wsb_policy_protect_name, "over-long name", protect_name_too_long, WSB_ETOOLONG),
	R(wsb_policy_protect_name, "duplicate", protect_name_duplicate, WSB_EEXIST),
	R(wsb_policy_deny_read, "policy NULL", deny_read_null_policy, WSB_EINVAL),
	R(wsb_policy_deny_read, "path NULL", deny_read_null_path, WSB_EINVAL),
	R(wsb_policy_deny_read, "relative path", deny_read_relative, WSB_EPATH),
	R(wsb_policy_deny_read, "invalid UTF-8", deny_read_bad_utf8, WSB_EUTF8),
	R(wsb_policy_deny_read, "over-long path", deny_read_too_long, WSB_ETOOLONG),
	R(wsb_policy_deny_read, "duplicate", deny_read_duplicate, WSB_EEXIST),
	R(wsb_policy_set_network, "policy NULL", set_network_null, WSB_EINVAL),
	R(wsb_policy_set_network, "unknown setting", set_network_bad, WSB_EINVAL),
	R(wsb_policy_allow_host, "policy NULL", allow_host_null_policy, WSB_EINVAL),
	R(wsb_policy_allow_host, "pattern NULL", allow_host_null, WSB_EINVAL),
	R(wsb_policy_allow_host, "bare '*'", allow_host_bare_star, WSB_EINVAL),
	R(wsb_policy_allow_host, "empty label", allow_host_empty_label, WSB_EINVAL),
	R(wsb_policy_allow_host, "address literal", allow_host_address, WSB_EINVAL),
	R(wsb_policy_allow_host, "port 0", allow_host_bad_port, WSB_EINVAL),
	R(wsb_policy_allow_host, "invalid UTF-8", allow_host_bad_utf8, WSB_EUTF8),
	R(wsb_policy_allow_host, "over-long pattern", allow_host_too_long, WSB_ETOOLONG),
	R(wsb_policy_allow_host, "duplicate in another spelling", allow_host_duplicate, WSB_EEXIST),
	R(wsb_policy_deny_host, "policy NULL", deny_host_null_policy, WSB_EINVAL),
	R(wsb_policy_deny_host, "pattern NULL", deny_host_null, WSB_EINVAL),
	R(wsb_policy_deny_host, "'*' inside", deny_host_wildcard_inside, WSB_EINVAL),
	R(wsb_policy_deny_host, "duplicate", deny_host_duplicate, WSB_EEXIST),
	R(wsb_policy_set_network_callback, "policy NULL", network_callback_null_policy, WSB_EINVAL),
	R(wsb_policy_allow_address, "policy NULL", allow_address_null_policy, WSB_EINVAL),
	R(wsb_policy_allow_address, "pattern NULL", allow_address_null, WSB_EINVAL),
	R(wsb_policy_allow_address, "a name", allow_address_name, WSB_EINVAL),
	R(wsb_policy_allow_address, "prefix over 32", allow_address_prefix, WSB_EINVAL),
	R(wsb_policy_allow_address, "same range", allow_address_duplicate, WSB_EEXIST),
	R(wsb_policy_set_limit, "policy NULL", set_limit_null, WSB_EINVAL),
	R(wsb_policy_set_limit, "WSB_LIMIT_NONE", set_limit_none, WSB_EINVAL),
	R(wsb_policy_set_limit, "unknown limit", set_limit_unknown, WSB_EINVAL),
	R(wsb_policy_set_limit, "memory below 1 MiB", set_limit_memory_too_small, WSB_ERANGE),
	R(wsb_policy_set_limit, "huge timeout", set_limit_huge, WSB_ERANGE),
	R(wsb_policy_set_limit, "huge process count", set_limit_processes_huge, WSB_ERANGE),
	R(wsb_policy_limit, "out NULL", limit_null_out, WSB_EINVAL),
	R(wsb_policy_limit, "policy NULL", limit_null_policy, WSB_EINVAL),
	R(wsb_policy_limit, "unknown limit", limit_unknown, WSB_EINVAL),
	R(wsb_policy_env_mode, "policy NULL", env_mode_null, WSB_EINVAL),
	R(wsb_policy_env_mode, "unknown mode", env_mode_bad, WSB_EINVAL),
	R(wsb_policy_env_set, "policy NULL", env_set_null_policy, WSB_EINVAL),
	R(wsb_policy_env_set, "name NULL", env_set_null_name, WSB_EINVAL),
	R(wsb_policy_env_set, "empty name", env_set_empty_name, WSB_EINVAL),
	R(wsb_policy_env_set, "name with '='", env_set_name_with_equals, WSB_EINVAL),
	R(wsb_policy_env_set, "invalid UTF-8 name", env_set_bad_utf8_name, WSB_EUTF8),
	R(wsb_policy_env_set, "value NULL", env_set_null_value, WSB_EINVAL),
	R(wsb_policy_env_set, "invalid UTF-8 value", env_set_bad_utf8_value, WSB_EUTF8),
	R(wsb_policy_env_set, "over-long value", env_set_too_long, WSB_ETOOLONG),
	R(wsb_policy_env_unset, "policy NULL", env_unset_null_policy, WSB_EINVAL),
	R(wsb_policy_env_unset, "name NULL", env_unset_null_name, WSB_EINVAL),
	R(wsb_policy_env_unset, "name with '='", env_unset_bad_name, WSB_EINVAL),
	R(wsb_policy_set_flags, "policy NULL", set_flags_null, WSB_EINVAL),
	R(wsb_policy_set_flags, "unknown bit", set_flags_unknown, WSB_EINVAL),
	R(wsb_policy_set_flags, "both world-writable flags", set_flags_both_world_writable, WSB_EINVAL),
	R(wsb_policy_allow_missing, "policy NULL", allow_missing_null, WSB_EINVAL),
	R(wsb_policy_allow_missing, "unknown bit", allow_missing_unknown, WSB_EINVAL),
	R(wsb_policy_set_loopback_relay, "policy NULL", relay_null, WSB_EINVAL),
	R(wsb_policy_set_loopback_relay, "target_port 0", relay_target_zero, WSB_ERANGE),
	R(wsb_policy_set_loopback_relay, "listen_port == target_port", relay_same_port, WSB_EINVAL),
	R(wsb_policy_validate, "policy NULL", validate_null, WSB_EINVAL),
	R(wsb_policy_validate, "root inside a deny-read path", validate_conflict, WSB_ECONFLICT),
	R(wsb_policy_check_path, "out_allowed NULL", check_null_out, WSB_EINVAL),
	R(wsb_policy_check_path, "policy NULL", check_null_policy, WSB_EINVAL),
	R(wsb_policy_check_path, "path NULL", check_null_path, WSB_EINVAL),
	R(wsb_policy_check_path, "unknown access", check_bad_access, WSB_EINVAL),
	R(wsb_policy_check_path, "relative path", check_relative, WSB_EPATH),
	R(wsb_policy_check_path, "invalid UTF-8", check_bad_utf8, WSB_EUTF8),
	R(wsb_policy_check_path, "over-long path", check_too_long, WSB_ETOOLONG),

	R(wsb_identity_options_init, "opts NULL", identity_init_null, WSB_EINVAL),
	R(wsb_identity_options_init, "version 0", identity_init_version_0, WSB_EVERSION),
	R(wsb_identity_options_init, "future version", identity_init_version_future, WSB_EVERSION),
	R(wsb_identity_create, "out NULL", identity_create_null_out, WSB_EINVAL),
	R(wsb_identity_create, "version 0", identity_create_version_0, WSB_EVERSION),
	R(wsb_identity_create, "future version", identity_create_version_future, WSB_EVERSION),
	R(wsb_identity_create, "unknown kind", identity_create_bad_kind, WSB_EINVAL),
	R(wsb_identity_create, "relative state_dir", identity_create_relative_state_dir, WSB_EPATH),
	R(wsb_identity_create, "invalid UTF-8 state_dir", identity_create_bad_utf8_state_dir, WSB_EUTF8),
	R(wsb_identity_create, "over-long state_dir", identity_create_long_state_dir, WSB_ETOOLONG),
	R(wsb_identity_state_dir, "identity NULL", identity_state_dir_null, WSB_EINVAL),
	R(wsb_identity_revert, "identity NULL", identity_revert_null, WSB_EINVAL),

	R(wsb_plan_create, "out NULL", plan_create_null_out, WSB_EINVAL),
	R(wsb_plan_create, "policy NULL", plan_create_null_policy, WSB_EINVAL),
	R(wsb_plan_create, "conflicting policy", plan_create_conflict, WSB_ECONFLICT),
	R(wsb_plan_to_json, "out NULL", plan_to_json_null_out, WSB_EINVAL),
	R(wsb_plan_to_json, "plan NULL", plan_to_json_null_plan, WSB_EINVAL),
	R(wsb_plan_protections, "plan NULL", plan_protections_null, WSB_EINVAL),
	R(wsb_plan_step_count, "plan NULL", plan_step_count_null, WSB_EINVAL),

	R(wsb_spawn_options_init, "opts NULL", spawn_init_null, WSB_EINVAL),
	R(wsb_spawn_options_init, "version 0", spawn_init_version_0, WSB_EVERSION),
	R(wsb_spawn_options_init, "future version", spawn_init_version_future, WSB_EVERSION),
	R(wsb_spawn, "out NULL", spawn_null_out, WSB_EINVAL),
	R(wsb_spawn, "policy NULL", spawn_null_policy, WSB_EINVAL),
	R(wsb_spawn, "opts NULL", spawn_null_opts, WSB_EINVAL),
	R(wsb_spawn, "version 0", spawn_version_0, WSB_EVERSION),
	R(wsb_spawn, "future version", spawn_version_future, WSB_EVERSION),
	R(wsb_spawn, "argv NULL", spawn_null_argv, WSB_EINVAL),
	R(wsb_spawn, "argv empty", spawn_empty_argv, WSB_EINVAL),
	R(wsb_spawn, "empty program", spawn_empty_program, WSB_EINVAL),
	R(wsb_spawn, "invalid UTF-8 argument", spawn_bad_utf8_arg, WSB_EUTF8),
	R(wsb_spawn, "more than WSB_MAX_ARGS", spawn_too_many_args, WSB_ERANGE),
	R(wsb_spawn, "unknown stdin mode", spawn_bad_stdin, WSB_EINVAL),
	R(wsb_spawn, "unknown stdout mode", spawn_bad_stdout, WSB_EINVAL),
	R(wsb_spawn, "unknown stderr mode", spawn_bad_stderr, WSB_EINVAL),
	R(wsb_spawn, "terminal neither 0 nor 1", spawn_bad_terminal, WSB_EINVAL),
	R(wsb_spawn, "terminal wider than the maximum", spawn_terminal_too_wide, WSB_EINVAL),
	R(wsb_spawn, "terminal taller than the maximum", spawn_terminal_too_tall, WSB_EINVAL),
	R(wsb_spawn, "relative cwd", spawn_relative_cwd, WSB_EPATH),
	R(wsb_spawn, "invalid UTF-8 cwd", spawn_bad_utf8_cwd, WSB_EUTF8),
	R(wsb_spawn, "conflicting policy", spawn_conflicting_policy, WSB_ECONFLICT),
	R(wsb_run, "out NULL", run_null_out, WSB_EINVAL),
	R(wsb_run, "policy NULL", run_null_policy, WSB_EINVAL),
	R(wsb_run, "opts NULL", run_null_opts, WSB_EINVAL),
	R(wsb_run, "version 0", run_version_0, WSB_EVERSION),
	R(wsb_run, "argv empty", run_empty_argv, WSB_EINVAL),
	R(wsb_run, "more than WSB_MAX_ARGS", run_too_many_args, WSB_ERANGE),
	R(wsb_run, "relative cwd", run_relative_cwd, WSB_EPATH),
	R(wsb_run, "stdin_data NULL with a length", run_null_stdin_with_length, WSB_EINVAL),

	R(wsb_process_wait, "process NULL", process_wait_null, WSB_EINVAL),
	R(wsb_process_kill, "process NULL", process_kill_null, WSB_EINVAL),
	R(wsb_process_write, "process NULL", process_write_null, WSB_EINVAL),
	R(wsb_process_write, "data NULL with a length", process_write_null_data, WSB_EINVAL),
	R(wsb_process_close_stdin, "process NULL", process_close_stdin_null, WSB_EINVAL),
	R(wsb_process_read, "out_read NULL", process_read_null_out, WSB_EINVAL),
	R(wsb_process_read, "process NULL", process_read_null, WSB_EINVAL),
	R(wsb_process_read, "unknown stream", process_read_bad_stream, WSB_EINVAL),
	R(wsb_process_read, "buf NULL", process_read_null_buf, WSB_EINVAL),
	R(wsb_process_read, "len 0", process_read_zero_len, WSB_EINVAL),
	R(wsb_process_resize, "process NULL", process_resize_null, WSB_EINVAL),
	R(wsb_process_resize, "cols 0", process_resize_zero_cols, WSB_EINVAL),
	R(wsb_process_resize, "rows 0", process_resize_zero_rows, WSB_EINVAL),
	R(wsb_process_resize, "cols above the maximum", process_resize_too_wide, WSB_EINVAL),
	R(wsb_process_waitable, "out NULL", process_waitable_null_out, WSB_EINVAL),
	R(wsb_process_waitable, "process NULL", process_waitable_null, WSB_EINVAL),
	R(wsb_process_stream_handle, "out NULL", process_stream_handle_null_out, WSB_EINVAL),
	R(wsb_process_stream_handle, "process NULL", process_stream_handle_null, WSB_EINVAL),
	R(wsb_process_stream_handle, "unknown stream", process_stream_handle_bad_stream, WSB_EINVAL),
	R(wsb_process_exit_kind, "process NULL", process_exit_kind_null, WSB_EINVAL),
	R(wsb_process_exit_code, "process NULL", process_exit_code_null, WSB_EINVAL),
	R(wsb_process_limit, "process NULL", process_limit_null, WSB_EINVAL),
	R(wsb_process_protections, "process NULL", process_protections_null, WSB_EINVAL),
	R(wsb_process_pid, "process NULL", process_pid_null, WSB_EINVAL),
	R(wsb_process_duration_ms, "process NULL", process_duration_null, WSB_EINVAL),
	R(wsb_process_output, "process NULL", process_output_null, WSB_EINVAL),
	R(wsb_process_output, "unknown stream", process_output_bad_stream, WSB_EINVAL),
	R(wsb_process_to_json, "out NULL", process_to_json_null_out, WSB_EINVAL),
	R(wsb_process_to_json, "process NULL", process_to_json_null, WSB_EINVAL),

	R(wsb_audit_options_init, "opts NULL", audit_init_null, WSB_EINVAL),
	R(wsb_audit_options_init, "version 0", audit_init_version_0, WSB_EVERSION),
	R(wsb_audit_options_init, "future version", audit_init_version_future, WSB_EVERSION),
	R(wsb_audit_world_writable, "out_json NULL", audit_null_out, WSB_EINVAL),
	R(wsb_audit_world_writable, "policy NULL", audit_null_policy, WSB_EINVAL),
	R(wsb_audit_world_writable, "version 0", audit_version_0, WSB_EVERSION),
	R(wsb_audit_world_writable, "relative cwd", audit_relative_cwd, WSB_EPATH),
	R(wsb_audit_world_writable, "invalid UTF-8 cwd", audit_bad_utf8_cwd, WSB_EUTF8),

	R(wsb_self_test_options_init, "opts NULL", self_test_init_null, WSB_EINVAL),
	R(wsb_self_test_options_init, "version 0", self_test_init_version_0, WSB_EVERSION),
	R(wsb_self_test_options_init, "future version", self_test_init_version_future, WSB_EVERSION),
	R(wsb_self_test, "out_json NULL", self_test_null_out, WSB_EINVAL),
	R(wsb_self_test, "policy NULL", self_test_null_policy, WSB_EINVAL),
	R(wsb_self_test, "opts NULL", self_test_null_opts, WSB_EINVAL),
	R(wsb_self_test, "conflicting policy", self_test_conflict, WSB_ECONFLICT),
	R(wsb_self_test, "version 0", self_test_version_0, WSB_EVERSION),
	R(wsb_self_test, "future version", self_test_version_future, WSB_EVERSION),
	R(wsb_self_test, "probe_argv NULL", self_test_no_probe, WSB_EINVAL),
	R(wsb_self_test, "probe_argv empty", self_test_empty_probe, WSB_EINVAL),
	R(wsb_self_test, "probe argument not UTF-8", self_test_probe_bad_utf8, WSB_EUTF8),
	R(wsb_self_test, "more than 64 probe arguments", self_test_probe_too_many, WSB_ERANGE),
	R(wsb_self_test, "relative work_dir", self_test_relative_work_dir, WSB_EPATH),
	R(wsb_self_test, "invalid UTF-8 work_dir", self_test_bad_utf8_work_dir, WSB_EUTF8),
	R(wsb_self_test, "over-long work_dir", self_test_long_work_dir, WSB_ETOOLONG),
	R(wsb_self_test_probe, "negative argc", self_test_probe_negative_argc, WSB_EINVAL),
	R(wsb_self_test_probe, "argv NULL", self_test_probe_null_argv, WSB_EINVAL),

	R(wsb_setup_options_init, "opts NULL", setup_init_null, WSB_EINVAL),
	R(wsb_setup_options_init, "version 0", setup_init_version_0, WSB_EVERSION),
	R(wsb_setup_options_init, "future version", setup_init_version_future, WSB_EVERSION),
	R(wsb_setup_plan, "out NULL", setup_plan_null_out, WSB_EINVAL),
	R(wsb_setup_plan, "version 0", setup_plan_version_0, WSB_EVERSION),
	R(wsb_setup_plan, "user name with '/'", setup_plan_bad_user, WSB_EINVAL),
	R(wsb_setup_plan, "empty user name", setup_plan_empty_user, WSB_EINVAL),
	R(wsb_setup_plan, "user name of dots and spaces", setup_plan_dots_user, WSB_EINVAL),
	R(wsb_setup_plan, "same offline and online user", setup_plan_same_users, WSB_EINVAL),
	R(wsb_setup_plan, "user name over 20 characters", setup_plan_long_user, WSB_ETOOLONG),
	R(wsb_setup_plan, "invalid UTF-8 group", setup_plan_bad_utf8_group, WSB_EUTF8),
	R(wsb_setup_plan, "over-long group", setup_plan_long_group, WSB_ETOOLONG),
	R(wsb_setup_plan, "ports NULL with a count", setup_plan_null_ports, WSB_EINVAL),
	R(wsb_setup_plan, "more than 65535 ports", setup_plan_too_many_ports, WSB_ERANGE),
	R(wsb_setup_plan, "port 0", setup_plan_port_zero, WSB_ERANGE),
	R(wsb_setup_plan, "duplicate port", setup_plan_duplicate_port, WSB_EEXIST),
	R(wsb_setup_plan, "relative state_dir", setup_plan_relative_state_dir, WSB_EPATH),
	R(wsb_setup_install, "future version", setup_install_version_future, WSB_EVERSION),
	R(wsb_setup_install, "group name with '*'", setup_install_bad_group, WSB_EINVAL),
	R(wsb_setup_status, "out_json NULL", setup_status_null_out, WSB_EINVAL),
	R(wsb_setup_status, "version 0", setup_status_version_0, WSB_EVERSION),
	R(wsb_setup_uninstall, "version 0", setup_uninstall_version_0, WSB_EVERSION),
	R(wsb_setup_uninstall, "user name with ':'", setup_uninstall_bad_user, WSB_EINVAL),
};

/* Functions that cannot fail: called with NULL (or any value) they must
 * not crash. Listed so the header coverage check knows them. */
static const char *const total_functions[] = {
	"wsb_version", "wsb_version_number", "wsb_error_last", "wsb_error_message",
	"wsb_error_code", "wsb_error_os", "wsb_error_clear", "wsb_strerror", "wsb_free",
	"wsb_policy_free", "wsb_identity_free", "wsb_plan_free", "wsb_process_free",
	"wsb_reuse_release",
};

static void total_functions_accept_null(void **state)
{
	(void)state;
	assert_non_null(wsb_version());
	assert_true(wsb_version_number() > 0 || WSB_VERSION_NUMBER == 0);
	assert_non_null(wsb_error_last());
	assert_non_null(wsb_error_message(NULL));
	(void)wsb_error_code(NULL);
	(void)wsb_error_os(NULL);
	wsb_error_clear();
	assert_non_null(wsb_strerror(-12345));
	wsb_free(NULL);
	wsb_policy_free(NULL);
	wsb_identity_free(NULL);
	wsb_plan_free(NULL);
	wsb_process_free(NULL);
	assert_int_equal(wsb_reuse_release(), WSB_OK);
}

/* The policy's JSON and its environment values. */
static char *snapshot(const wsb_policy *p)
{
	wsb__buf b = WSB__BUF_INIT;
	char *s = NULL;
	size_t i;

	assert_int_equal(wsb__policy_json_string(&s, p), WSB_OK);
	assert_int_equal(wsb__buf_puts(&b, s), WSB_OK);
	wsb__free(s);
	for (i = 0; i < p->env_op_count; i++)
		assert_int_equal(wsb__buf_printf(&b, "|%s", p->env_ops[i].value ?
			p->env_ops[i].value : "(unset)"), WSB_OK);
	s = wsb__buf_detach(&b);
	assert_non_null(s);
	return s;
}

static void every_bad_call_fails_cleanly(void **state)
{
	size_t i, failures = 0;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const row *r = &rows[i];
		char *before = snapshot(P), *after;
		const char *msg;
		int rc;

		wsb_error_clear();
		rc = r->call();
		msg = wsb_error_message(NULL);
		after = snapshot(P);
		if (rc != r->expect || wsb_error_code(NULL) != r->expect || !*msg ||
		    !strcmp(msg, "no error") || !strstr(msg, r->function) ||
		    strcmp(before, after) != 0) {
			print_error("%s (%s): returned %d (%s), error %d \"%s\", want %d%s\n",
				r->function, r->bad, rc, wsb_strerror(rc), wsb_error_code(NULL), msg,
				r->expect, strcmp(before, after) ? "; the policy changed" : "");
			failures++;
		}
		wsb__free(before);
		wsb__free(after);
	}
	assert_int_equal(failures, 0);
}

static int covered(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!strcmp(rows[i].function, name))
			return 1;
	for (i = 0; i < sizeof(total_functions) / sizeof(total_functions[0]); i++)
		if (!strcmp(total_functions[i], name))
			return 1;
	return 0;
}

/* Read the public header next to this source and find every WSB_API
 * function; each must have a row (or be one that cannot fail). */
static void every_public_function_has_a_row(void **state)
{
	char path[1024], line[1024];
	const char *src = __FILE__;
	const char *cut = strstr(src, "tests/core/test_invalid_args.c");
	size_t found = 0, missing = 0;
	FILE *f;

	(void)state;
	if (cut == NULL)
		cut = strstr(src, "tests\\core\\test_invalid_args.c");
	assert_non_null(cut);
	snprintf(path, sizeof(path), "%.*sinclude/wsandbox/wsandbox.h", (int)(cut - src), src);
	f = fopen(path, "r");
#ifdef _WIN32
	if (f == NULL) {
		print_message("skipped: %s is not reachable from this Windows process\n", path);
		skip();
	}
#endif
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *api = strstr(line, "WSB_API ");
		char *paren, *start;

		if (api == NULL || strstr(line, "#") || (paren = strchr(api, '(')) == NULL)
			continue;
		start = paren;
		while (start > api && (start[-1] == '_' || (start[-1] >= 'a' && start[-1] <= 'z') ||
		       (start[-1] >= '0' && start[-1] <= '9')))
			start--;
		*paren = '\0';
		found++;
		if (!covered(start)) {
			print_error("no invalid-argument row for %s\n", start);
			missing++;
		}
	}
	fclose(f);
	assert_true(found >= 60);
	assert_int_equal(missing, 0);
}

static int setup(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(wsb_policy_create(&P, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(P, ABS("w")), WSB_OK);
	assert_int_equal(wsb_policy_protect_path(P, ABS("w/vendor")), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(P, ABS("w/secret")), WSB_OK);
	assert_int_equal(wsb_policy_protect_name(P, ".hg"), WSB_OK);
	assert_int_equal(wsb_policy_env_set(P, "KEEP", "me"), WSB_OK);
	assert_int_equal(wsb_policy_set_limit(P, WSB_LIMIT_TIMEOUT, 1000), WSB_OK);
	assert_int_equal(wsb_policy_set_loopback_relay(P, 18080, 7891), WSB_OK);
	assert_int_equal(wsb_policy_allow_host(P, "pypi.org"), WSB_OK);
	assert_int_equal(wsb_policy_deny_host(P, "evil.test"), WSB_OK);
	assert_int_equal(wsb_policy_allow_address(P, "10.0.0.0/8"), WSB_OK);
	assert_int_equal(wsb_policy_create(&CONFLICT, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(CONFLICT, ABS("d/w")), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(CONFLICT, ABS("d")), WSB_OK);
	assert_int_equal(wsb__plan_new(&PLAN, "test", P), WSB_OK);
	LONG_PATH = wsb__malloc(WSB__PATH_MAX_WIN + 100);
	assert_non_null(LONG_PATH);
	memset(LONG_PATH, 'a', WSB__PATH_MAX_WIN + 99);
	memcpy(LONG_PATH, ABS(""), strlen(ABS("")));
	LONG_PATH[WSB__PATH_MAX_WIN + 99] = '\0';
	MANY_ARGS = wsb__calloc(WSB_MAX_ARGS + 2, sizeof(*MANY_ARGS));
	assert_non_null(MANY_ARGS);
	for (i = 0; i < WSB_MAX_ARGS + 1; i++)
		MANY_ARGS[i] = "a";
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	wsb_plan_free(PLAN);
	wsb_policy_free(CONFLICT);
	wsb_policy_free(P);
	wsb__free(LONG_PATH);
	wsb__free((void *)MANY_ARGS);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_bad_call_fails_cleanly),
		cmocka_unit_test(total_functions_accept_null),
		cmocka_unit_test(every_public_function_has_a_row),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
