/*
 * Commands run as a dedicated sandbox user, over the simulated Windows
 * model: the REAL backend decides (wsb__w32_decide_as with the sandbox
 * group) and applies its ACEs as the real user; then the runner's token is
 * made the way the runner makes it: wsb__token_create on its OWN process
 * token, which is the sandbox user's (user, Users, the sandbox group,
 * Everyone, Authenticated Users, INTERACTIVE, Local, a logon SID). A write
 * must pass the normal check (those groups) and the restricted one
 * (capability SIDs, logon SID, Everyone); a read only the normal one.
 *
 * The machine: the real user's profile (only the user, SYSTEM and
 * Administrators), a workspace in it with .git and a deny-read folder, a
 * folder next to it, a folder outside where Users may write and one where
 * the sandbox user itself may. Every scenario runs under both readings of
 * WRITE_RESTRICTED (narrow and wide, docs/windows-model.md). Deliberate
 * breakage (an ACE kind left out of apply, or no group at all) must make
 * the corresponding property fail, so the properties can fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "seam.h"

#include "win32/win32.h"

#define PROFILE "C:\\Users\\u"
#define LOCAL PROFILE "\\AppData\\Local"
#define TEMP LOCAL "\\Temp"
#define STATE LOCAL "\\wsandbox"
#define WS PROFILE "\\src\\w"
#define SECRETS WS "\\secrets"
#define OTHER PROFILE "\\src\\other"
#define SHARED "C:\\shared"
#define SBXHOME "C:\\sbxhome"

#define SBX_USER "S-1-5-21-1111-2222-3333-1501"
#define SBX_GROUP "S-1-5-21-1111-2222-3333-1500"
#define SBX_LOGON "S-1-5-5-0-515151"

#define MAXN 32

static const wm_token *tok;     /* the command's token (the seam owns it) */
static HANDLE tok_handle;
static wsb__w32_decision *dec;
static wm_token sbx;            /* the sandbox user's own, unrestricted token */
static const char *extra_deny_read;  /* one more deny-read path for build */
static int apply_rc;             /* what apply returned (build stops on failure) */
static char nodes[MAXN][128];
static size_t nnodes;
static uint8_t *before[MAXN];
static size_t before_len[MAXN];

static void mk(const char *p, int dir, const char *sddl)
{
	wm_sd sd;

	assert_true(nnodes < MAXN);
	if (sddl)
		assert_int_equal(wm_sd_from_sddl(&sd, sddl), WM_OK);
	assert_int_equal(dir ? wm_fs_create_dir(wms_fs(), wms_caller(), p, sddl ? &sd : NULL) :
		wm_fs_create_file(wms_fs(), wms_caller(), p, sddl ? &sd : NULL), WM_OK);
	if (sddl)
		wm_sd_dispose(&sd);
	if (!dir)
		assert_int_equal(wm_fs_write(wms_fs(), wms_caller(), p, "data"), WM_OK);
	snprintf(nodes[nnodes++], sizeof(nodes[0]), "%s", p);
}

static void snap(uint8_t **bin, size_t *len, const char *p)
{
	const wm_sd *sd = wm_fs_peek_sd(wms_fs(), p, WM_OPEN_REPARSE_POINT);

	assert_non_null(sd);
	assert_int_equal(wm_sd_to_bin(bin, len, sd), WM_OK);
}

static void group(wm_token *t, const char *sid, uint32_t extra)
{
	wm_sid s = wm_sid_of(sid);

	assert_int_equal(wm_token_add_group(t, &s, WM_SE_GROUP_MANDATORY | WM_SE_GROUP_ENABLED_BY_DEFAULT |
		WM_SE_GROUP_ENABLED | extra), WM_OK);
}

/* The token CreateProcessWithLogonW gives the runner: an interactive logon
 * of the sandbox user. */
static void sandbox_user_token(wm_token *t)
{
	wm_sid u = wm_sid_of(SBX_USER), sy = wm_sid_of(WM_SID_SYSTEM);

	assert_int_equal(wm_token_init(t, &u), WM_OK);
	group(t, WM_SID_EVERYONE, 0);
	group(t, WM_SID_USERS, 0);
	group(t, SBX_GROUP, 0);
	group(t, "S-1-5-4", 0);   /* INTERACTIVE */
	group(t, "S-1-5-11", 0);  /* Authenticated Users */
	group(t, "S-1-2-0", 0);   /* Local */
	group(t, SBX_LOGON, WM_SE_GROUP_LOGON_ID);
	t->has_default_dacl = 1;
	t->default_dacl.revision = 2;
	assert_int_equal(wm_acl_add(&t->default_dacl, WM_ACE_ALLOWED, 0, WM_GENERIC_ALL, &u), WM_OK);
	assert_int_equal(wm_acl_add(&t->default_dacl, WM_ACE_ALLOWED, 0, WM_GENERIC_ALL, &sy), WM_OK);
}

static int restricted_has(const wm_token *t, const char *sid)
{
	wm_sid s = wm_sid_of(sid);
	size_t i;

	for (i = 0; i < t->restricted_count; i++)
		if (wm_sid_equal(&t->restricted[i], &s))
			return 1;
	return 0;
}

/* The machine, decide_as(group) + apply as the real user, and the runner's
 * token. skip_role: ACEs of that role are left out of apply (marked
 * present), the deliberate breakage. */
static void build(const char *group_sid, const char *skip_role, uint32_t mask)
{
	wms_options o;
	wsb_policy *policy = NULL;
	struct wsb_identity id = { WSB_IDENTITY_CURRENT_USER, STATE };
	char *logon = NULL;
	size_t i;
	int rc;

	memset(&o, 0, sizeof(o));
	o.localappdata = LOCAL;
	o.temp = TEMP;
	o.write_restricted_mask = mask;
	assert_int_equal(wms_install(&o), 0);
	nnodes = 0;
	mk(PROFILE "\\AppData", 1, NULL);
	mk(LOCAL, 1, NULL);
	mk(TEMP, 1, NULL);
	mk(PROFILE "\\.ssh", 1, NULL);
	mk(PROFILE "\\.ssh\\id_ed25519", 0, NULL);
	mk(PROFILE "\\src", 1, NULL);
	mk(WS, 1, NULL);
	mk(WS "\\main.c", 0, NULL);
	mk(WS "\\.git", 1, NULL);
	mk(WS "\\.git\\HEAD", 0, NULL);
	mk(SECRETS, 1, NULL);
	mk(SECRETS "\\token.txt", 0, NULL);
	mk(OTHER, 1, NULL);
	mk(SHARED, 1, "D:(A;OICI;0x1301bf;;;BU)");
	mk(SBXHOME, 1, "D:(A;OICI;FA;;;" SBX_USER ")");
	/* The system's: the real user may read it, not change its DACL. */
	assert_int_equal(wm_fs_create_dir(wms_fs(), NULL, "C:\\sysdata", NULL), WM_OK);
	{
		wm_sd sd;
		assert_int_equal(wm_sd_from_sddl(&sd, "O:SYD:P(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)"), WM_OK);
		assert_int_equal(wm_fs_set_sd(wms_fs(), NULL, "C:\\sysdata", WM_OWNER_SI | WM_DACL_SI |
			WM_PROTECTED_DACL_SI, &sd), WM_OK);
		wm_sd_dispose(&sd);
	}
	snprintf(nodes[nnodes++], sizeof(nodes[0]), "C:\\sysdata");
	for (i = 0; i < nnodes; i++)
		snap(&before[i], &before_len[i], nodes[i]);

	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(policy, WS), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(policy, SECRETS), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(policy, PROFILE "\\.aws"), WSB_OK);
	if (extra_deny_read)
		assert_int_equal(wsb_policy_deny_read(policy, extra_deny_read), WSB_OK);
	rc = wsb__w32_decide_as(&dec, policy, &id, 0, NULL, group_sid);
	assert_int_equal(rc, WSB_OK);
	wsb_policy_free(policy);
	for (i = 0; skip_role && i < dec->ace_count; i++)
		if (strcmp(dec->aces[i].role, skip_role) == 0)
			dec->aces[i].present = 1;
	apply_rc = wsb__w32_apply(dec, STATE);
	if (extra_deny_read)
		return;
	assert_int_equal(apply_rc, WSB_OK);

	sandbox_user_token(&sbx);
	assert_int_equal(wms_set_process_token(&sbx), 0);
	rc = wsb__token_create(&tok_handle, &logon, &dec->caps.sids, dec->write_restricted);
	assert_int_equal(wms_set_process_token(NULL), 0);
	assert_int_equal(rc, WSB_OK);
	assert_string_equal(logon, SBX_LOGON); /* the runner's own logon SID */
	wsb__free(logon);
	tok = wms_token_of(tok_handle);
	assert_non_null(tok);
}

static void unbuild(void)
{
	size_t i;

	if (tok_handle)
		WSB_OS(CloseHandle)(tok_handle);
	tok_handle = NULL;
	tok = NULL;
	wsb__w32_decision_free(dec);
	dec = NULL;
	wm_token_dispose(&sbx);
	for (i = 0; i < nnodes; i++)
		free(before[i]);
	wms_uninstall();
}

static int create_file(const char *p)
{
	return wm_fs_create_file(wms_fs(), tok, p, NULL);
}

static int read_file(const wm_token *t, const char *p)
{
	const char *data = NULL;

	return wm_fs_read(wms_fs(), t, p, &data);
}

static int open_for(const char *p, uint32_t desired)
{
	uint32_t granted = 0;

	return wm_fs_open(wms_fs(), tok, p, desired, 0, &granted);
}

static int list_dir(const wm_token *t, const char *p)
{
	char **names = NULL;
	size_t n = 0;
	int rc = wm_fs_list(wms_fs(), t, p, &names, &n);

	if (rc == WM_OK)
		wm_fs_list_free(names, n);
	return rc;
}

static const uint32_t masks[2] = { 0, WM_WRITE_RESTRICTED_WIDE };

static void the_token_restricts_to_capabilities_logon_and_everyone_not_the_user(void **s)
{
	size_t m, i;

	(void)s;
	for (m = 0; m < 2; m++) {
		build(SBX_GROUP, NULL, masks[m]);
		assert_true(tok->write_restricted);
		assert_int_equal(tok->restricted_count, dec->caps.sids.count + 2);
		for (i = 0; i < dec->caps.sids.count; i++)
			assert_true(restricted_has(tok, dec->caps.sids.items[i]));
		assert_true(restricted_has(tok, SBX_LOGON));
		assert_true(restricted_has(tok, WM_SID_EVERYONE));
		assert_false(restricted_has(tok, SBX_USER));
		assert_false(restricted_has(tok, SBX_GROUP));
		assert_true(dec->protections & WSB_PROT_FS_DENY_READ);
		assert_false(dec->missing & WSB_PROT_FS_DENY_READ);
		unbuild();
	}
}

static void the_workspace_is_readable_writable_and_deletable(void **s)
{
	size_t m;

	(void)s;
	for (m = 0; m < 2; m++) {
		build(SBX_GROUP, NULL, masks[m]);
		assert_int_equal(read_file(tok, WS "\\main.c"), WM_OK);
		assert_int_equal(list_dir(tok, WS), WM_OK);
		assert_int_equal(wm_fs_write(wms_fs(), tok, WS "\\main.c", "changed"), WM_OK);
		assert_int_equal(create_file(WS "\\new.c"), WM_OK);
		assert_int_equal(wm_fs_write(wms_fs(), tok, WS "\\new.c", "x"), WM_OK);
		assert_int_equal(wm_fs_create_dir(wms_fs(), tok, WS "\\build", NULL), WM_OK);
		assert_int_equal(create_file(WS "\\build\\out.o"), WM_OK);
		assert_int_equal(wm_fs_delete(wms_fs(), tok, WS "\\build\\out.o"), WM_OK);
		assert_int_equal(wm_fs_delete(wms_fs(), tok, WS "\\new.c"), WM_OK);
		assert_int_equal(wm_fs_rename(wms_fs(), tok, WS "\\main.c", WS "\\main2.c", 0), WM_OK);
		/* The private temp folder too. */
		assert_non_null(dec->temp_dir);
		{
			char p[256];
			snprintf(p, sizeof(p), "%s\\tmp1", dec->temp_dir);
			assert_int_equal(create_file(p), WM_OK);
		}
		unbuild();
	}
}

static void git_is_readable_but_not_writable(void **s)
{
	size_t m;

	(void)s;
	for (m = 0; m < 2; m++) {
		build(SBX_GROUP, NULL, masks[m]);
		assert_int_equal(read_file(tok, WS "\\.git\\HEAD"), WM_OK);
		assert_int_equal(create_file(WS "\\.git\\config"), WM_E_ACCESS);
		assert_int_equal(wm_fs_write(wms_fs(), tok, WS "\\.git\\HEAD", "evil"), WM_E_ACCESS);
		assert_int_equal(wm_fs_create_dir(wms_fs(), tok, WS "\\.git\\hooks", NULL), WM_E_ACCESS);
		if (masks[m]) /* DELETE is restricted only under the wide reading */
			assert_int_equal(wm_fs_delete(wms_fs(), tok, WS "\\.git\\HEAD"), WM_E_ACCESS);
		unbuild();
	}
}

/* Folders outside the roots, including ones the sandbox user or Users may
 * write: the normal check would pass there, the restricted one does not. */
static void nothing_outside_the_roots_is_writable(void **s)
{
	size_t m;
	char p[256];

	(void)s;
	for (m = 0; m < 2; m++) {
		build(SBX_GROUP, NULL, masks[m]);
		assert_int_equal(create_file(OTHER "\\x"), WM_E_ACCESS);
		assert_int_equal(create_file(PROFILE "\\x"), WM_E_ACCESS);
		assert_int_equal(create_file(SHARED "\\x"), WM_E_ACCESS);
		assert_int_equal(create_file(SBXHOME "\\x"), WM_E_ACCESS);
		assert_int_equal(create_file(TEMP "\\x"), WM_E_ACCESS);
		assert_int_equal(create_file("C:\\x"), WM_E_ACCESS);
		snprintf(p, sizeof(p), STATE "\\x");
		assert_int_equal(create_file(p), WM_E_ACCESS);
		/* The sandbox user's own unrestricted token may write the two
		 * outside folders: the denial is the restriction's doing. */
		assert_int_equal(wm_fs_create_file(wms_fs(), &sbx, SHARED "\\y", NULL), WM_OK);
		assert_int_equal(wm_fs_create_file(wms_fs(), &sbx, SBXHOME "\\y", NULL), WM_OK);
		unbuild();
	}
}

static void the_deny_read_folder_and_the_profile_are_unreadable(void **s)
{
	size_t m;

	(void)s;
	for (m = 0; m < 2; m++) {
		build(SBX_GROUP, NULL, masks[m]);
		assert_int_equal(read_file(tok, SECRETS "\\token.txt"), WM_E_ACCESS);
		assert_int_equal(list_dir(tok, SECRETS), WM_E_ACCESS);
		assert_int_equal(open_for(SECRETS "\\token.txt", WM_FILE_EXECUTE), WM_E_ACCESS);
		assert_int_equal(open_for(SECRETS "\\token.txt", WM_FILE_READ_EA), WM_E_ACCESS);
		/* Not denied by choice: attributes, the descriptor, SYNCHRONIZE. */
		assert_int_equal(open_for(SECRETS "\\token.txt", WM_FILE_READ_ATTRIBUTES | WM_READ_CONTROL |
			WM_SYNCHRONIZE), WM_OK);
		/* Nor can it lift the deny. */
		assert_int_equal(open_for(SECRETS, WM_WRITE_DAC), WM_E_ACCESS);
		/* A file made there later inherits the deny. */
		assert_int_equal(create_file(SECRETS "\\new.txt"), WM_OK);
		assert_int_equal(wm_fs_write(wms_fs(), wms_caller(), SECRETS "\\new.txt", "later"), WM_OK);
		assert_int_equal(read_file(tok, SECRETS "\\new.txt"), WM_E_ACCESS);
		/* The real user still reads it: the deny names only the group. */
		assert_int_equal(read_file(wms_caller(), SECRETS "\\token.txt"), WM_OK);
		/* The profile outside the workspace: the sandbox user is not in
		 * its DACL at all. */
		assert_int_equal(read_file(tok, PROFILE "\\.ssh\\id_ed25519"), WM_E_ACCESS);
		assert_int_equal(list_dir(tok, PROFILE), WM_E_ACCESS);
		assert_int_equal(list_dir(tok, OTHER), WM_E_ACCESS);
		assert_int_equal(read_file(&sbx, PROFILE "\\.ssh\\id_ed25519"), WM_E_ACCESS);
		/* The absent deny-read path is noted, not refused. */
		assert_int_equal(dec->deny_read_absent.count, 1);
		unbuild();
	}
}

static void revert_gives_every_descriptor_back(void **s)
{
	size_t i, len;
	uint8_t *now;

	(void)s;
	build(SBX_GROUP, NULL, 0);
	assert_int_equal(wsb__journal_revert(STATE), WSB_OK);
	for (i = 0; i < nnodes; i++) {
		snap(&now, &len, nodes[i]);
		if (len != before_len[i] || memcmp(now, before[i], len) != 0)
			fail_msg("%s changed by apply + revert", nodes[i]);
		free(now);
	}
	/* With its grants gone the sandbox user is back outside the workspace. */
	assert_int_equal(read_file(tok, WS "\\main.c"), WM_E_ACCESS);
	unbuild();
}

/* A deny-read path the real user may not re-ACL: apply fails closed
 * (access denied) and takes back what it had added, byte for byte. */
static void a_deny_read_path_the_user_cannot_change_fails_and_undoes(void **s)
{
	size_t i, len, n = 0;
	uint8_t *now;

	(void)s;
	extra_deny_read = "C:\\sysdata";
	build(SBX_GROUP, NULL, 0);
	extra_deny_read = NULL;
	assert_int_equal(apply_rc, WSB_EACCES);
	assert_non_null(strstr(wsb_error_message(NULL), "sysdata"));
	for (i = 0; i < nnodes; i++) {
		snap(&now, &len, nodes[i]);
		if (len != before_len[i] || memcmp(now, before[i], len) != 0)
			fail_msg("%s changed by a failed apply", nodes[i]);
		free(now);
	}
	assert_int_equal(wsb__journal_outstanding(&n, STATE), WSB_OK);
	assert_int_equal(n, 0);
	unbuild();
}

/* Without the group (wsb__w32_decide as for the caller's own user) the
 * sandbox user gets nothing of the workspace: the capability SID alone
 * passes only the restricted check. */
static void without_the_group_the_sandbox_user_cannot_use_the_workspace(void **s)
{
	size_t m;

	(void)s;
	for (m = 0; m < 2; m++) {
		build(NULL, NULL, masks[m]);
		assert_int_equal(create_file(WS "\\new.c"), WM_E_ACCESS);
		assert_int_equal(wm_fs_write(wms_fs(), tok, WS "\\main.c", "x"), WM_E_ACCESS);
		assert_int_equal(read_file(tok, WS "\\main.c"), WM_E_ACCESS);
		assert_true(dec->missing & WSB_PROT_FS_DENY_READ);
		unbuild();
	}
}

/* Deliberate breakage: each ACE kind is what makes its property hold. */
static void without_the_group_grant_the_workspace_is_not_writable(void **s)
{
	(void)s;
	build(SBX_GROUP, "sandbox_root", 0);
	assert_int_equal(create_file(WS "\\new.c"), WM_E_ACCESS);
	assert_int_equal(read_file(tok, WS "\\main.c"), WM_E_ACCESS);
	unbuild();
}

static void without_the_capability_grant_the_workspace_is_not_writable(void **s)
{
	(void)s;
	build(SBX_GROUP, "writable_root", 0);
	assert_int_equal(create_file(WS "\\new.c"), WM_E_ACCESS);
	/* Reads need only the normal check: the group's grant still gives them. */
	assert_int_equal(read_file(tok, WS "\\main.c"), WM_OK);
	unbuild();
}

static void without_the_deny_read_ace_the_secret_is_readable(void **s)
{
	(void)s;
	build(SBX_GROUP, "deny_read", 0);
	assert_int_equal(read_file(tok, SECRETS "\\token.txt"), WM_OK);
	unbuild();
}

static void without_the_protected_ace_git_is_writable(void **s)
{
	(void)s;
	build(SBX_GROUP, "protected", 0);
	assert_int_equal(create_file(WS "\\.git\\config"), WM_OK);
	unbuild();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_token_restricts_to_capabilities_logon_and_everyone_not_the_user),
		cmocka_unit_test(the_workspace_is_readable_writable_and_deletable),
		cmocka_unit_test(git_is_readable_but_not_writable),
		cmocka_unit_test(nothing_outside_the_roots_is_writable),
		cmocka_unit_test(the_deny_read_folder_and_the_profile_are_unreadable),
		cmocka_unit_test(revert_gives_every_descriptor_back),
		cmocka_unit_test(a_deny_read_path_the_user_cannot_change_fails_and_undoes),
		cmocka_unit_test(without_the_group_the_sandbox_user_cannot_use_the_workspace),
		cmocka_unit_test(without_the_group_grant_the_workspace_is_not_writable),
		cmocka_unit_test(without_the_capability_grant_the_workspace_is_not_writable),
		cmocka_unit_test(without_the_deny_read_ace_the_secret_is_readable),
		cmocka_unit_test(without_the_protected_ace_git_is_writable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
