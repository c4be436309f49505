/*
 * Setup, status and uninstall against the fake machine of setup_fake.h
 * (accounts, registry, token elevation and firewall through the seam;
 * files and DPAPI real under Wine): what is created, idempotence, adoption,
 * port changes, preflight, bad input, fault injection on every call, crash
 * recovery. These prove the library's logic, not Windows' enforcement.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "setup_fake.h"

typedef struct t_env {
	wchar_t dir[MAX_PATH];
	char dir8[MAX_PATH];
	wsb_setup_options opts;
	unsigned short ports[4];
} t_env;

static t_env E;

static void env_init(const char *tag)
{
	static const wsb_setup_options init = WSB_SETUP_OPTIONS_INIT;

	fake_state_dir(E.dir, tag);
	snprintf(E.dir8, sizeof(E.dir8), "%ls", E.dir);
	fake_install(E.dir);
	fake_profile(tag);
	E.opts = init;
	E.opts.state_dir = E.dir8;
	E.ports[0] = 8080;
	E.opts.loopback_ports = E.ports;
	E.opts.loopback_port_count = 1;
	wsb__setup_crash_after(0);
}

static int setup_each(void **state)
{
	(void)state;
	wsb__setup_crash_after(0);
	return 0;
}

static int teardown_each(void **state)
{
	(void)state;
	wsb__os_set_hook(NULL, NULL);
	wsb__setup_crash_after(0);
	W.elevated = 1;
	W.fw_stores_nothing = 0;
	W.fw_no_rule3 = 0;
	wsb__setup_uninstall(&E.opts);
	RemoveDirectoryW(E.dir);
	wsb__os_reset();
	return 0;
}

static int has(const char *snap, const char *line)
{
	return strstr(snap, line) != NULL;
}

static unsigned long mutating_calls(void)
{
	static const char *const names[] = {
		"NetLocalGroupAdd", "NetLocalGroupDel", "NetLocalGroupAddMembers", "NetLocalGroupDelMembers",
		"NetUserAdd", "NetUserDel", "NetUserSetInfo", "RegCreateKeyExW", "RegSetValueExW",
		"RegDeleteValueW", "RegDeleteKeyExW", "CreateDirectoryW", "WriteFile", "MoveFileExW",
		"DeleteFileW", "RemoveDirectoryW", "SetNamedSecurityInfoW", "SetSecurityInfo",
	};
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < WSB__ARRAY_SIZE(names); i++)
		n += wsb__os_calls(names[i]);
	return n + W.fw_adds;
}

/* ---- what setup creates ---- */

static void install_creates_group_users_memberships_hiding_and_rules(void **state)
{
	char *s;

	(void)state;
	env_init("create");
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	s = fake_snapshot();
	assert_true(has(s, "user wsb-offline"));
	assert_true(has(s, "user wsb-online"));
	assert_true(has(s, "group Users: wsb-offline wsb-online\n"));
	assert_true(has(s, "group wsb-sandbox: wsb-offline wsb-online\n"));
	assert_true(has(s, "key SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\SpecialAccounts\\UserList\n"));
	assert_true(has(s, "SpecialAccounts\\UserList|wsb-offline = 0\n"));
	assert_true(has(s, "SpecialAccounts\\UserList|wsb-online = 0\n"));
	assert_true(has(s, "file 0 setup\n"));
	assert_true(has(s, "file 1 offline.pw\n"));
	assert_true(has(s, "file 1 online.pw\n"));
	assert_true(has(s, "file 1 record\n"));
	assert_true(has(s, "file 1 journal\n"));
	assert_int_equal(W.nrules, 3);
	free(s);
}

static void profile_folders_get_read_grants_except_secrets_and_appdata(void **state)
{
	char ace[128];
	int i;

	(void)state;
	env_init("grants");
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	snprintf(ace, sizeof(ace), "(A;OICI;0x1200a9;;;S-1-5-21-9-9-9-%d)", rid_of(L"wsb-sandbox"));
	for (i = 0; i < W.ngranted; i++) {
		const char *d = fakefs_dacl(W.granted[i]);
		int want = strstr(W.granted[i], "Documents") || strstr(W.granted[i], "src");
		if (want != (strstr(d, ace) != NULL))
			fail_msg("%s: %s", W.granted[i], d);
		/* The ACEs that were there stay, in order, first. */
		assert_true(strncmp(d, FAKEFS_DEFAULT_DACL, strlen(FAKEFS_DEFAULT_DACL)) == 0);
	}
	assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_OK);
	for (i = 0; i < W.ngranted; i++)
		assert_string_equal(fakefs_dacl(W.granted[i]), FAKEFS_DEFAULT_DACL);
}

static wsb__os_SetNamedSecurityInfoW_fn fakefs_set;

/* "src" refuses DACL changes, as MSIX folders do (error 5). */
static DWORD WINAPI deny_src(LPWSTR n, SE_OBJECT_TYPE t, SECURITY_INFORMATION i, PSID o, PSID g,
	PACL d, PACL sa)
{
	if (wcsstr(n, L"\\src"))
		return ERROR_ACCESS_DENIED;
	return fakefs_set(n, t, i, o, g, d, sa);
}

static void on_refused(const char *step, unsigned long done, unsigned long total, void *ctx)
{
	(void)done;
	if (total == 0 && strstr(step, "refused") && strstr(step, "\\src"))
		(*(int *)ctx)++;
}

static void a_folder_that_refuses_its_grant_is_skipped_and_reported(void **state)
{
	char *json = NULL;
	int refused = 0;

	(void)state;
	env_init("refuse");
	fakefs_set = (wsb__os_SetNamedSecurityInfoW_fn)wsb__os_get("SetNamedSecurityInfoW");
	wsb__os_set("SetNamedSecurityInfoW", (wsb__os_fn)deny_src);
	E.opts.progress = on_refused;
	E.opts.progress_ctx = &refused;
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	E.opts.progress = NULL;
	assert_int_equal(refused, 1);
	assert_non_null(strstr(fakefs_dacl(W.granted[0]), "0x1200a9"));   /* Documents */
	assert_null(strstr(fakefs_dacl(W.granted[1]), "0x1200a9"));      /* src */
	assert_int_equal(wsb__setup_status(&json, &E.opts), WSB_OK);
	assert_non_null(strstr(json, "\"read_grants\":{\"roots\":2,\"granted\":1}"));
	wsb__free(json);
	wsb__os_set("SetNamedSecurityInfoW", (wsb__os_fn)fakefs_set);
}

static void stored_passwords_decrypt_to_the_accounts_passwords(void **state)
{
	wchar_t path[MAX_PATH], *pw = NULL;

	(void)state;
	env_init("pw");
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	swprintf(path, MAX_PATH, L"%ls\\setup\\offline.pw", E.dir);
	assert_int_equal(wsb__secret_load(&pw, path), WSB_OK);
	assert_true(wcscmp(pw, fake_password(L"wsb-offline")) == 0);
	assert_int_equal((int)wcslen(pw), WSB__PASSWORD_LEN);
	wsb__secret_free(pw);
	swprintf(path, MAX_PATH, L"%ls\\setup\\online.pw", E.dir);
	assert_int_equal(wsb__secret_load(&pw, path), WSB_OK);
	assert_true(wcscmp(pw, fake_password(L"wsb-online")) == 0);
	assert_true(wcscmp(fake_password(L"wsb-online"), fake_password(L"wsb-offline")) != 0);
	wsb__secret_free(pw);
}

static void firewall_rules_name_the_offline_user_and_except_allowed_ports(void **state)
{
	wchar_t sddl[128];
	int rid, i, seen = 0;

	(void)state;
	env_init("rules");
	E.ports[1] = 3128;
	E.opts.loopback_port_count = 2;
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	rid = rid_of(L"wsb-offline");
	swprintf(sddl, 128, L"O:LSD:(A;;CC;;;S-1-5-21-9-9-9-%d)", rid);
	for (i = 0; i < W.nrules; i++) {
		fake_rule *r = &W.rules[i];
		assert_true(wcscmp(r->users, sddl) == 0);
		assert_int_equal(r->dir, NET_FW_RULE_DIR_OUT);
		assert_int_equal(r->action, NET_FW_ACTION_BLOCK);
		assert_int_equal(r->enabled, VARIANT_TRUE);
		assert_int_equal(r->profiles, NET_FW_PROFILE2_ALL);
		if (wcscmp(r->name, L"wsandbox wsb-offline remote") == 0) {
			assert_int_equal(r->protocol, 256);
			assert_null(wcsstr(r->addrs, L"127."));
			assert_non_null(wcsstr(r->addrs, L"128.0.0.0-255.255.255.255"));
			seen |= 1;
		} else if (wcscmp(r->name, L"wsandbox wsb-offline loopback tcp") == 0 ||
				wcscmp(r->name, L"wsandbox wsb-offline loopback udp") == 0) {
			assert_int_equal(r->protocol, r->name[wcslen(r->name) - 3] == L't' ? 6 : 17);
			assert_true(wcscmp(r->addrs, L"127.0.0.0-127.255.255.255,::1") == 0);
			assert_true(wcscmp(r->ports, L"1-3127,3129-8079,8081-65535") == 0);
			seen |= r->protocol == 6 ? 2 : 4;
		}
	}
	assert_int_equal(seen, 7);
}

static void second_install_changes_nothing(void **state)
{
	char *before, *after;

	(void)state;
	env_init("idem");
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	before = fake_snapshot();
	wsb__os_reset_counts();
	W.fw_adds = 0;
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	assert_int_equal(mutating_calls(), 0);
	after = fake_snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void existing_user_is_adopted_with_a_new_password_not_duplicated(void **state)
{
	USER_INFO_1 u;
	DWORD bad = 0;
	wchar_t path[MAX_PATH], *pw = NULL;

	(void)state;
	env_init("adopt");
	memset(&u, 0, sizeof(u));
	u.usri1_name = L"wsb-offline";
	u.usri1_password = L"Old-Password-1";
	u.usri1_priv = USER_PRIV_USER;
	u.usri1_flags = UF_SCRIPT | UF_DONT_EXPIRE_PASSWD;
	assert_int_equal(f_NetUserAdd(NULL, 1, (LPBYTE)&u, &bad), NERR_Success);
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	assert_int_equal(W.nusers, 2);
	assert_int_equal(wsb__os_calls("NetUserSetInfo"), 1);
	assert_int_equal(wsb__os_calls("NetUserAdd"), 1);   /* only the online user */
	assert_true(wcscmp(fake_password(L"wsb-offline"), L"Old-Password-1") != 0);
	swprintf(path, MAX_PATH, L"%ls\\setup\\offline.pw", E.dir);
	assert_int_equal(wsb__secret_load(&pw, path), WSB_OK);
	assert_true(wcscmp(pw, fake_password(L"wsb-offline")) == 0);
	wsb__secret_free(pw);
	/* Uninstall keeps an account it did not create, minus what setup added. */
	assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_OK);
	assert_int_equal(W.nusers, 1);
	assert_non_null(fake_password(L"wsb-offline"));
	assert_int_equal(find_group(L"wsb-sandbox"), -1);
	assert_int_equal(W.nmembers[find_group(L"Users")], 0);
}

static void changing_ports_rewrites_only_the_loopback_rules(void **state)
{
	char *s;

	(void)state;
	env_init("ports");
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	W.fw_adds = 0;
	E.ports[0] = 9000;
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	assert_int_equal(W.fw_adds, 2);
	assert_int_equal(W.nrules, 3);
	s = fake_snapshot();
	assert_true(has(s, "1-8999,9001-65535"));
	assert_false(has(s, "8081-65535"));
	free(s);
}

/* ---- preflight and bad input: nothing changes ---- */

static void not_elevated_fails_before_any_change(void **state)
{
	char *before, *after;

	(void)state;
	env_init("noadmin");
	W.elevated = 0;
	before = fake_snapshot();
	wsb__os_reset_counts();
	assert_int_equal(wsb__setup_install(&E.opts), WSB_ENOTELEVATED);
	assert_non_null(strstr(wsb_error_message(NULL), "administrator"));
	assert_int_equal(mutating_calls(), 0);
	after = fake_snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void group_policy_override_fails_before_any_change(void **state)
{
	char *before, *after;

	(void)state;
	env_init("gpo");
	W.modify_state = NET_FW_MODIFY_STATE_GP_OVERRIDE;
	before = fake_snapshot();
	wsb__os_reset_counts();
	assert_int_equal(wsb__setup_install(&E.opts), WSB_EGROUPPOLICY);
	assert_non_null(strstr(wsb_error_message(NULL), "group policy"));
	assert_int_equal(mutating_calls(), 0);
	after = fake_snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static unsigned long all_calls(void)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < wsb__os_count(); i++)
		n += wsb__os_calls(wsb__os_name(i));
	return n;
}

static void bad_names_and_ports_are_rejected_before_any_call(void **state)
{
	static const char *const bad[] = {
		"", "a-name-longer-than-20c", "Administrator", "guest", "a\\b", "a/b", "a[b", "a]b",
		"a:b", "a;b", "a|b", "a=b", "a,b", "a+b", "a*b", "a?b", "a<b", "a>b", "a\"b", "...",
		"trailing.", "tab\tname",
	};
	unsigned short dup[2] = { 8080, 8080 }, zero[1] = { 0 };
	size_t i;

	(void)state;
	env_init("bad");
	for (i = 0; i < WSB__ARRAY_SIZE(bad); i++) {
		wsb_setup_options o = E.opts;
		o.offline_user = bad[i];
		wsb__os_reset_counts();
		assert_int_not_equal(wsb__setup_install(&o), WSB_OK);
		assert_int_equal(all_calls(), 0);
		o = E.opts;
		o.group = bad[i][0] ? bad[i] : "";
		if (strlen(bad[i]) <= 20) {
			assert_int_not_equal(wsb__setup_install(&o), WSB_OK);
			assert_int_equal(all_calls(), 0);
		}
	}
	{
		wsb_setup_options o = E.opts;
		o.online_user = "WSB-OFFLINE";
		assert_int_equal(wsb__setup_install(&o), WSB_ECONFLICT);
		o = E.opts;
		o.loopback_ports = dup;
		o.loopback_port_count = 2;
		assert_int_equal(wsb__setup_install(&o), WSB_EEXIST);
		o.loopback_ports = zero;
		o.loopback_port_count = 1;
		assert_int_equal(wsb__setup_install(&o), WSB_ERANGE);
		o.loopback_ports = NULL;
		o.loopback_port_count = 3;
		assert_int_equal(wsb__setup_install(&o), WSB_EINVAL);
		o.loopback_port_count = WSB__FW_PORTS_MAX + 1;
		o.loopback_ports = dup;
		assert_int_equal(wsb__setup_install(&o), WSB_ERANGE);
		o = E.opts;
		o.version = 99;
		assert_int_equal(wsb__setup_install(&o), WSB_EVERSION);
	}
	assert_int_equal(all_calls(), 0);
	assert_int_equal(W.nusers, 0);
}

/* ---- firewall that does not keep rules: fail closed ---- */

static void firewall_that_stores_nothing_fails_closed_and_rolls_back(void **state)
{
	char *before, *after;

	(void)state;
	env_init("fwstub");
	W.fw_stores_nothing = 1;
	before = fake_snapshot();
	assert_int_equal(wsb__setup_install(&E.opts), WSB_EUNAVAIL);
	assert_non_null(strstr(wsb_error_message(NULL), "does not read back"));
	assert_non_null(strstr(wsb_error_message(NULL), "rolled back"));
	after = fake_snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void firewall_without_rule3_fails_closed(void **state)
{
	char *before, *after;

	(void)state;
	env_init("norule3");
	W.fw_no_rule3 = 1;
	before = fake_snapshot();
	assert_int_equal(wsb__setup_install(&E.opts), WSB_EUNAVAIL);
	assert_non_null(strstr(wsb_error_message(NULL), "INetFwRule3"));
	after = fake_snapshot();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* ---- fault injection ---- */

typedef struct fault_at {
	unsigned long n;
} fault_at;

static int fail_nth(const char *name, unsigned long index, void *ctx)
{
	(void)name;
	return index == ((fault_at *)ctx)->n;
}

static void every_failing_call_leaves_the_machine_as_before(void **state)
{
	fault_at f;
	char *clean, *installed, *s;
	unsigned long faults = 0;

	(void)state;
	env_init("faults");
	clean = fake_snapshot();
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	installed = fake_snapshot();
	assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_OK);
	s = fake_snapshot();
	assert_string_equal(s, clean);
	free(s);
	for (f.n = 1; ; f.n++) {
		int rc;
		const char *call;
		wsb__os_set_hook(fail_nth, &f);
		rc = wsb__setup_install(&E.opts);
		call = wsb__os_last_fault();
		if (!call) {
			wsb__os_set_hook(NULL, NULL);
			assert_int_equal(rc, WSB_OK);
			assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_OK);
			break;
		}
		wsb__os_set_hook(NULL, NULL);
		s = fake_snapshot();
		if (rc == WSB_OK) {
			/* The failed call was one setup can do without (a probe). */
			assert_string_equal(s, installed);
		} else {
			faults++;
			if (!strstr(wsb_error_message(NULL), "setup step") &&
					!strstr(wsb_error_message(NULL), "administrator"))
				fail_msg("fault %lu in %s: message names no step: %s", f.n, call,
					wsb_error_message(NULL));
			if (strcmp(s, clean) != 0)
				fail_msg("fault %lu in %s left changes:\n%s\n--- expected ---\n%s", f.n,
					call, s, clean);
		}
		free(s);
		/* A second setup then succeeds, and uninstall restores the machine. */
		assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
		s = fake_snapshot();
		assert_string_equal(s, installed);
		free(s);
		assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_OK);
		s = fake_snapshot();
		assert_string_equal(s, clean);
		free(s);
	}
	assert_true(faults > 50);
	free(clean);
	free(installed);
}

static void every_failing_firewall_call_rolls_back(void **state)
{
	char *clean, *s;
	unsigned long n;

	(void)state;
	env_init("fwfaults");
	clean = fake_snapshot();
	for (n = 1; n < 40; n++) {
		int rc;
		W.fw_calls = 0;
		W.fw_fail_at = n;
		rc = wsb__setup_install(&E.opts);
		W.fw_fail_at = 0;
		if (rc == WSB_OK && W.fw_calls < n)
			break;
		assert_int_not_equal(rc, WSB_OK);
		assert_non_null(strstr(wsb_error_message(NULL), "firewall"));
		s = fake_snapshot();
		assert_string_equal(s, clean);
		free(s);
	}
	assert_true(n > 3);
	free(clean);
}

static void failing_port_change_keeps_the_old_rules(void **state)
{
	fault_at f;
	char *old, *s;

	(void)state;
	env_init("portfault");
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	old = fake_snapshot();
	E.ports[0] = 9000;
	for (f.n = 1; ; f.n++) {
		int rc;
		const char *call;
		wsb__os_set_hook(fail_nth, &f);
		rc = wsb__setup_install(&E.opts);
		call = wsb__os_last_fault();
		wsb__os_set_hook(NULL, NULL);
		if (rc == WSB_OK)
			break;
		s = fake_snapshot();
		if (strcmp(s, old) != 0)
			fail_msg("fault %lu in %s changed the installed state:\n%s", f.n, call, s);
		free(s);
	}
	s = fake_snapshot();
	assert_true(has(s, "1-8999,9001-65535"));
	free(s);
	free(old);
}

/* ---- crash recovery ---- */

static void crash_after_each_change_then_setup_or_uninstall_converges(void **state)
{
	char *clean, *installed, *s;
	unsigned long n;
	int uninstall_first;

	(void)state;
	env_init("crash");
	clean = fake_snapshot();
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	installed = fake_snapshot();
	assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_OK);
	for (uninstall_first = 0; uninstall_first < 2; uninstall_first++) {
		for (n = 1; ; n++) {
			int rc;
			wsb__setup_crash_after(n);
			rc = wsb__setup_install(&E.opts);
			wsb__setup_crash_after(0);
			if (rc == WSB_OK)
				break;
			assert_non_null(strstr(wsb_error_message(NULL), "simulated crash"));
			if (uninstall_first) {
				assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_OK);
				s = fake_snapshot();
				assert_string_equal(s, clean);
				free(s);
			}
			assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
			s = fake_snapshot();
			assert_string_equal(s, installed);
			free(s);
			assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_OK);
			s = fake_snapshot();
			assert_string_equal(s, clean);
			free(s);
		}
		assert_true(n > 10);
		assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_OK);
	}
	free(clean);
	free(installed);
}

/* ---- status and uninstall ---- */

static void status_reports_intact_then_what_broke(void **state)
{
	char *json = NULL;

	(void)state;
	env_init("status");
	assert_int_equal(wsb__setup_status(&json, &E.opts), WSB_OK);
	assert_non_null(strstr(json, "\"installed\":false"));
	assert_non_null(strstr(json, "\"intact\":false"));
	wsb__free(json);
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	assert_int_equal(wsb__setup_status(&json, &E.opts), WSB_OK);
	assert_non_null(strstr(json, "\"installed\":true"));
	assert_non_null(strstr(json, "\"version\":1"));
	assert_non_null(strstr(json, "\"password_decrypts\":true"));
	assert_null(strstr(json, "\"verified\":false"));
	assert_non_null(strstr(json, "\"intact\":true"));
	wsb__free(json);
	/* Someone deletes a rule: status says so, and setup repairs it. */
	assert_int_equal(rs_Remove(&fake_rules, L"wsandbox wsb-offline loopback udp"), S_OK);
	assert_int_equal(wsb__setup_status(&json, &E.opts), WSB_OK);
	assert_non_null(strstr(json, "\"name\":\"wsandbox wsb-offline loopback udp\",\"present\":false"));
	assert_non_null(strstr(json, "\"intact\":false"));
	wsb__free(json);
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	assert_int_equal(wsb__setup_status(&json, &E.opts), WSB_OK);
	assert_non_null(strstr(json, "\"intact\":true"));
	wsb__free(json);
}

static void uninstall_restores_the_clean_machine_and_is_idempotent(void **state)
{
	char *clean, *s;

	(void)state;
	env_init("uninst");
	clean = fake_snapshot();
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_OK);
	s = fake_snapshot();
	assert_string_equal(s, clean);
	free(s);
	assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_OK);
	s = fake_snapshot();
	assert_string_equal(s, clean);
	free(s);
	W.elevated = 0;
	assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_ENOTELEVATED);
	free(clean);
}

static void installed_names_cannot_change_without_uninstall(void **state)
{
	wsb_setup_options o;

	(void)state;
	env_init("rename");
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	o = E.opts;
	o.offline_user = "other-offline";
	assert_int_equal(wsb__setup_install(&o), WSB_ECONFLICT);
	assert_non_null(strstr(wsb_error_message(NULL), "uninstall"));
	assert_int_equal(find_name(W.users, W.nusers, L"other-offline"), -1);
}

/* ---- plan (dry run) and the public entry points ---- */

static void plan_lists_every_change_and_changes_nothing(void **state)
{
	wsb_plan *plan = NULL;
	char *json = NULL, *before, *after;

	(void)state;
	env_init("plan");
	before = fake_snapshot();
	wsb__os_reset_counts();
	assert_int_equal(wsb_setup_plan(&plan, &E.opts), WSB_OK);
	assert_int_equal(mutating_calls(), 0);
	after = fake_snapshot();
	assert_string_equal(before, after);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "\"kind\":\"local_group\",\"action\":\"add\",\"target\":\"wsb-sandbox\""));
	assert_non_null(strstr(json, "\"kind\":\"local_user\",\"action\":\"add\",\"target\":\"wsb-offline\""));
	assert_non_null(strstr(json, "Users\\\\wsb-online"));
	assert_non_null(strstr(json, "SpecialAccounts\\\\UserList\\\\wsb-offline"));
	assert_non_null(strstr(json, "\"remote_ports\":\"1-8079,8081-65535\""));
	assert_non_null(strstr(json, "D:P(A;OICI;FA;;;"));
	assert_null(strstr(json, "\"action\":\"keep\""));
	wsb__free(json);
	wsb_plan_free(plan);
	/* After install everything is kept. */
	assert_int_equal(wsb_setup_install(&E.opts), WSB_OK);
	assert_int_equal(wsb_setup_plan(&plan, &E.opts), WSB_OK);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_null(strstr(json, "\"action\":\"add\""));
	assert_null(strstr(json, "\"action\":\"set\""));
	assert_non_null(strstr(json, "D:P(D;;FA;;;S-1-5-21-9-9-9-"));
	wsb__free(json);
	wsb_plan_free(plan);
	free(before);
	free(after);
}

static void public_api_installs_reports_and_uninstalls(void **state)
{
	char *json = NULL, *clean, *s;

	(void)state;
	env_init("api");
	clean = fake_snapshot();
	assert_int_equal(wsb_setup_install(&E.opts), WSB_OK);
	assert_int_equal(wsb_setup_status(&json, &E.opts), WSB_OK);
	assert_non_null(strstr(json, "\"intact\":true"));
	wsb_free(json);
	assert_int_equal(wsb_setup_uninstall(&E.opts), WSB_OK);
	s = fake_snapshot();
	assert_string_equal(s, clean);
	free(s);
	free(clean);
}

static void on_progress(const char *step, unsigned long done, unsigned long total, void *ctx)
{
	int *n = ctx;

	assert_non_null(step);
	assert_true(done >= 1 && done <= total);
	(*n)++;
}

static void progress_reports_each_step(void **state)
{
	int n = 0;

	(void)state;
	env_init("progress");
	E.opts.progress = on_progress;
	E.opts.progress_ctx = &n;
	assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
	assert_int_equal(n, 10 + 2);   /* ten steps, two grant roots */
	E.opts.progress = NULL;
}

static void failing_uninstall_can_be_run_again_to_finish(void **state)
{
	fault_at f;
	char *clean, *s;
	unsigned long failures = 0;

	(void)state;
	env_init("uninstfault");
	clean = fake_snapshot();
	for (f.n = 1; ; f.n++) {
		int rc;
		const char *call;
		assert_int_equal(wsb__setup_install(&E.opts), WSB_OK);
		wsb__os_set_hook(fail_nth, &f);
		rc = wsb__setup_uninstall(&E.opts);
		call = wsb__os_last_fault();
		wsb__os_set_hook(NULL, NULL);
		if (!call) {
			assert_int_equal(rc, WSB_OK);
			break;
		}
		if (rc != WSB_OK) {
			failures++;
			assert_int_equal(wsb__setup_uninstall(&E.opts), WSB_OK);
		}
		s = fake_snapshot();
		if (strcmp(s, clean) != 0)
			fail_msg("fault %lu in %s: uninstall did not converge:\n%s", f.n, call, s);
		free(s);
	}
	assert_true(failures > 10);
	free(clean);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(install_creates_group_users_memberships_hiding_and_rules, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(stored_passwords_decrypt_to_the_accounts_passwords, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(profile_folders_get_read_grants_except_secrets_and_appdata, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(a_folder_that_refuses_its_grant_is_skipped_and_reported, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(firewall_rules_name_the_offline_user_and_except_allowed_ports, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(second_install_changes_nothing, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(existing_user_is_adopted_with_a_new_password_not_duplicated, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(changing_ports_rewrites_only_the_loopback_rules, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(not_elevated_fails_before_any_change, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(group_policy_override_fails_before_any_change, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(bad_names_and_ports_are_rejected_before_any_call, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(firewall_that_stores_nothing_fails_closed_and_rolls_back, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(firewall_without_rule3_fails_closed, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(every_failing_call_leaves_the_machine_as_before, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(every_failing_firewall_call_rolls_back, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(failing_port_change_keeps_the_old_rules, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(crash_after_each_change_then_setup_or_uninstall_converges, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(status_reports_intact_then_what_broke, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(uninstall_restores_the_clean_machine_and_is_idempotent, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(installed_names_cannot_change_without_uninstall, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(plan_lists_every_change_and_changes_nothing, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(public_api_installs_reports_and_uninstalls, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(progress_reports_each_step, setup_each, teardown_each),
		cmocka_unit_test_setup_teardown(failing_uninstall_can_be_run_again_to_finish, setup_each, teardown_each),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
