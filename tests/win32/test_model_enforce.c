/* Enforcement, proved against the simulated Windows security model
 * (tests/winmodel, MS-DTYP 2.5.3.2 with restricted tokens), not Wine:
 * the ACEs this backend writes (taken from the fake file system after a real
 * decide + apply) and the token it asks for (the restricting SIDs and flags
 * it passes to CreateRestrictedToken) let the command write under its root
 * and nowhere else that the user could, deny .git, leave reads alone, and
 * show the world-writable hole and its fix. The inherited ACEs that
 * SetNamedSecurityInfoW would propagate are composed here by hand (ID flag). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"
#include "fakefs.h"
#include "model.h"

#define USER "S-1-5-21-0-0-0-1000"
#define LOGON "S-1-5-5-0-77"

static wsb_policy *policy;
static wsb_identity *identity;
static char cap[96];          /* the capability SID our ACEs name */
static char root_dacl[2048];  /* C:\w after apply */
static char git_dacl[2048];   /* C:\w\.git after apply */

static void sid(wm_sid *s, const char *text)
{
	assert_int_equal(wm_sid_parse(s, text), WM_OK);
}

/* The token wsb__token_create asks for: the user's groups (Administrators
 * deny-only, as LUA_TOKEN leaves it), restricting SIDs = capability SIDs +
 * logon SID + Everyone, WRITE_RESTRICTED. */
static void sandbox_token(wm_token *t, const char *cap_sid)
{
	wm_sid s;

	sid(&s, USER);
	assert_int_equal(wm_token_init(t, &s), WM_OK);
	sid(&s, "WD");
	wm_token_add_group(t, &s, WM_SE_GROUP_ENABLED | WM_SE_GROUP_MANDATORY);
	sid(&s, "BU");
	wm_token_add_group(t, &s, WM_SE_GROUP_ENABLED | WM_SE_GROUP_MANDATORY);
	sid(&s, "AU");
	wm_token_add_group(t, &s, WM_SE_GROUP_ENABLED | WM_SE_GROUP_MANDATORY);
	sid(&s, "BA");
	wm_token_add_group(t, &s, WM_SE_GROUP_USE_FOR_DENY_ONLY);
	sid(&s, LOGON);
	wm_token_add_group(t, &s, WM_SE_GROUP_LOGON_ID | WM_SE_GROUP_ENABLED | WM_SE_GROUP_MANDATORY);
	if (cap_sid) {
		sid(&s, cap_sid);
		wm_token_add_restricted(t, &s);
	}
	sid(&s, LOGON);
	wm_token_add_restricted(t, &s);
	sid(&s, "WD");
	wm_token_add_restricted(t, &s);
	t->write_restricted = 1;
}

/* Which rights the restricted pass constrains: the model's narrow reading
 * (write-data bits only) unless a test asks for the wide one (also DELETE,
 * WRITE_DAC, WRITE_OWNER, FILE_DELETE_CHILD; docs/windows-model.md). */
static uint32_t restricted_mask = WM_WRITE_RESTRICTED_WIDE;

/* 1 if the token gets `desired` on an object with this SDDL. */
static int allowed(const wm_token *t, const char *sddl, uint32_t desired)
{
	wm_sd sd;
	wm_check opts;
	uint32_t granted = 0;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.write_restricted_mask = restricted_mask;
	wm_sd_init(&sd);
	if (wm_sd_from_sddl(&sd, sddl) != WM_OK)
		fail_msg("model cannot parse %s", sddl);
	rc = wm_access_check(&granted, &sd, t, desired, &opts);
	wm_sd_dispose(&sd);
	return rc == WM_OK;
}

static int setup(void **s)
{
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wsb__w32_decision *d = NULL;
	const char *semi;

	(void)s;
	fakefs_clear();
	fakefs_install();
	fakefs_add("\\\\.\\NUL", 0, "D:(A;;FA;;;WD)", 0);
	fakefs_add("C:\\w", 1, NULL, 0);
	fakefs_add("C:\\w\\.git", 1, NULL, 0);
	io.state_dir = fakefs_temp_dir("model");
	assert_int_equal(wsb_identity_create(&identity, &io), WSB_OK);
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_set_flags(policy, WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\w"), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, identity, 0, NULL), WSB_OK);
	assert_int_equal(wsb__w32_apply(d, wsb_identity_state_dir(identity)), WSB_OK);
	assert_int_equal(d->caps.sids.count, 1);
	strcpy(cap, d->caps.sids.items[0]);
	wsb__w32_decision_free(d);
	snprintf(root_dacl, sizeof(root_dacl), "O:" USER "%s", fakefs_dacl("C:\\w"));
	snprintf(git_dacl, sizeof(git_dacl), "O:" USER "%s", fakefs_dacl("C:\\w\\.git"));
	semi = strstr(root_dacl, cap);
	assert_non_null(semi);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	wsb_identity_revert(identity);
	wsb_policy_free(policy);
	wsb_identity_free(identity);
	wsb__os_reset();
	fakefs_clear();
	return 0;
}

/* What a child of C:\w inherits from its DACL (SetNamedSecurityInfoW's
 * propagation), as SDDL. */
static void inherited_from_root(char *out, size_t n, const char *extra_explicit)
{
	snprintf(out, n, "O:" USER "D:%s(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1301bf;;;" USER ")"
		"(A;OICIID;0x1301bf;;;%s)", extra_explicit ? extra_explicit : "", cap);
}

static void the_command_may_write_and_delete_files_under_its_root(void **s)
{
	wm_token t;
	char file[1024];

	(void)s;
	sandbox_token(&t, cap);
	inherited_from_root(file, sizeof(file), NULL);
	assert_true(allowed(&t, root_dacl, WM_FILE_ADD_FILE | WM_FILE_ADD_SUBDIRECTORY));
	assert_true(allowed(&t, file, WM_FILE_WRITE_DATA | WM_FILE_APPEND_DATA | WM_DELETE));
	wm_token_dispose(&t);
}

static void the_command_may_not_write_or_delete_in_git(void **s)
{
	wm_token t;
	char git[2048], inside[256];

	(void)s;
	sandbox_token(&t, cap);
	/* .git: its explicit deny first, then what it inherits from the root. */
	snprintf(git, sizeof(git), "%s(A;OICIID;0x1301bf;;;%s)", git_dacl, cap);
	restricted_mask = 0; /* narrow: holds whichever reading Windows has */
	assert_false(allowed(&t, git, WM_FILE_ADD_FILE));
	restricted_mask = WM_WRITE_RESTRICTED_WIDE; /* DELETE etc.: only under the wide reading */
	assert_false(allowed(&t, git, WM_DELETE));
	assert_false(allowed(&t, git, WM_WRITE_DAC));
	snprintf(inside, sizeof(inside), "(D;OICIID;0xd0156;;;%s)", cap);
	{
		char file[2048];
		/* a file inside .git inherits the deny before the allow */
		snprintf(file, sizeof(file), "O:" USER "D:%s(A;OICIID;FA;;;SY)(A;OICIID;0x1301bf;;;" USER ")"
			"(A;OICIID;0x1301bf;;;%s)", inside, cap);
		assert_false(allowed(&t, file, WM_FILE_WRITE_DATA));
		assert_true(allowed(&t, file, WM_FILE_READ_DATA));
	}
	wm_token_dispose(&t);
}

static void the_command_may_not_write_where_only_the_user_may(void **s)
{
	wm_token t, user;
	wm_sid u;
	const char *profile = "O:" USER "D:(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" USER ")";

	(void)s;
	sandbox_token(&t, cap);
	assert_false(allowed(&t, profile, WM_FILE_WRITE_DATA));
	assert_false(allowed(&t, profile, WM_DELETE));
	/* Reads are not restricted in this mode. */
	assert_true(allowed(&t, profile, WM_FILE_READ_DATA));
	/* The user's own, unrestricted token may write there: the denial is
	 * the restriction's doing. */
	sid(&u, USER);
	wm_token_init(&user, &u);
	assert_true(allowed(&user, profile, WM_FILE_WRITE_DATA));
	wm_token_dispose(&user);
	wm_token_dispose(&t);
}

static void a_sandbox_without_the_root_gets_none_of_its_grant(void **s)
{
	wm_token t;
	char *other = NULL;

	(void)s;
	assert_int_equal(wsb__sid_random(&other), WSB_OK);
	sandbox_token(&t, other);
	assert_false(allowed(&t, root_dacl, WM_FILE_ADD_FILE));
	wm_token_dispose(&t);
	wsb__free(other);
}

static void world_writable_directories_are_the_hole_and_the_deny_ace_closes_it(void **s)
{
	wm_token t;
	char denied[512];
	const char *world = "O:" USER "D:(A;OICI;FA;;;SY)(A;OICI;0x1301bf;;;WD)";

	(void)s;
	sandbox_token(&t, cap);
	assert_true(allowed(&t, world, WM_FILE_ADD_FILE));
	snprintf(denied, sizeof(denied), "O:" USER "D:(D;OICI;0xd0156;;;%s)(A;OICI;FA;;;SY)(A;OICI;0x1301bf;;;WD)", cap);
	assert_false(allowed(&t, denied, WM_FILE_ADD_FILE));
	wm_token_dispose(&t);
}

static void objects_made_with_the_default_dacl_stay_usable(void **s)
{
	wm_token t;
	char dacl[512];

	(void)s;
	sandbox_token(&t, cap);
	/* The default DACL grants GENERIC_ALL; Windows maps it through the
	 * object type's mapping when it creates the object (FA for files and
	 * pipes). */
	snprintf(dacl, sizeof(dacl), "O:" USER "D:(A;;FA;;;%s)(A;;FA;;;" LOGON ")(A;;FA;;;WD)", cap);
	assert_true(allowed(&t, dacl, WM_FILE_WRITE_DATA | WM_FILE_READ_DATA));
	wm_token_dispose(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_command_may_write_and_delete_files_under_its_root, setup, teardown),
		cmocka_unit_test_setup_teardown(the_command_may_not_write_or_delete_in_git, setup, teardown),
		cmocka_unit_test_setup_teardown(the_command_may_not_write_where_only_the_user_may, setup, teardown),
		cmocka_unit_test_setup_teardown(a_sandbox_without_the_root_gets_none_of_its_grant, setup, teardown),
		cmocka_unit_test_setup_teardown(world_writable_directories_are_the_hole_and_the_deny_ace_closes_it, setup, teardown),
		cmocka_unit_test_setup_teardown(objects_made_with_the_default_dacl_stay_usable, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
