/* The model's access check against hand-worked examples from MS-DTYP 2.5.3.2
 * and the Win32 docs on tokens. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "model.h"

#define ALICE "S-1-5-21-1-2-3-1001"
#define BOB   "S-1-5-21-1-2-3-1002"
#define CAP   "S-1-5-21-9-9-9-42"
#define GRP   "S-1-5-21-1-2-3-2000"

static wm_sd sddl(const char *text)
{
	wm_sd sd;

	assert_int_equal(wm_sd_from_sddl(&sd, text), WM_OK);
	return sd;
}

static wm_token alice(void)
{
	wm_token t;
	wm_sid s = wm_sid_of(ALICE), g = wm_sid_of(GRP), e = wm_sid_of(WM_SID_EVERYONE);

	wm_token_init(&t, &s);
	wm_token_add_group(&t, &g, WM_SE_GROUP_ENABLED);
	wm_token_add_group(&t, &e, WM_SE_GROUP_ENABLED);
	return t;
}

static int check(const wm_sd *sd, const wm_token *t, uint32_t desired, uint32_t *granted)
{
	uint32_t g;
	int rc = wm_access_check(&g, sd, t, desired, NULL);

	if (granted) *granted = g;
	return rc;
}

static void deny_before_allow_denies(void **state)
{
	wm_sd sd = sddl("O:" BOB "D:(D;;FW;;;" ALICE ")(A;;FA;;;" ALICE ")");
	wm_token t = alice();
	uint32_t g;

	(void)state;
	assert_int_equal(check(&sd, &t, WM_FILE_WRITE_DATA, NULL), WM_E_ACCESS);
	assert_int_equal(check(&sd, &t, WM_FILE_READ_DATA, &g), WM_OK);
	assert_int_equal(g, WM_FILE_READ_DATA);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void allow_before_deny_grants(void **state)
{
	/* Non-canonical order: an earlier allow wins (MS-DTYP: first match). */
	wm_sd sd = sddl("O:" BOB "D:(A;;FA;;;" ALICE ")(D;;FW;;;" ALICE ")");
	wm_token t = alice();

	(void)state;
	assert_int_equal(check(&sd, &t, WM_FILE_WRITE_DATA, NULL), WM_OK);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void rights_add_up_across_aces(void **state)
{
	wm_sd sd = sddl("O:" BOB "D:(A;;0x1;;;" ALICE ")(A;;0x2;;;" GRP ")");
	wm_token t = alice();

	(void)state;
	assert_int_equal(check(&sd, &t, 0x3, NULL), WM_OK);
	assert_int_equal(check(&sd, &t, 0x7, NULL), WM_E_ACCESS);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void null_dacl_grants_everything_empty_dacl_nothing(void **state)
{
	wm_sd null_sd = sddl("O:" BOB "D:NO_ACCESS_CONTROL");
	wm_sd empty = sddl("O:" BOB "D:");
	wm_token t = alice();
	uint32_t g;

	(void)state;
	assert_int_equal(check(&null_sd, &t, WM_GENERIC_ALL, &g), WM_OK);
	assert_int_equal(g, WM_FILE_ALL_ACCESS);
	assert_int_equal(check(&empty, &t, WM_FILE_READ_DATA, NULL), WM_E_ACCESS);
	assert_int_equal(check(&empty, &t, WM_MAXIMUM_ALLOWED, NULL), WM_E_ACCESS);
	wm_sd_dispose(&null_sd);
	wm_sd_dispose(&empty);
	wm_token_dispose(&t);
}

static void owner_gets_read_control_and_write_dac(void **state)
{
	wm_sd sd = sddl("O:" ALICE "D:");
	wm_token t = alice();
	uint32_t g;

	(void)state;
	assert_int_equal(check(&sd, &t, WM_MAXIMUM_ALLOWED, &g), WM_OK);
	assert_int_equal(g, WM_READ_CONTROL | WM_WRITE_DAC);
	assert_int_equal(check(&sd, &t, WM_FILE_READ_DATA, NULL), WM_E_ACCESS);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void owner_rights_ace_replaces_implicit_rights(void **state)
{
	wm_sd sd = sddl("O:" ALICE "D:(A;;RC;;;OW)");
	wm_token t = alice();
	uint32_t g;

	(void)state;
	assert_int_equal(check(&sd, &t, WM_MAXIMUM_ALLOWED, &g), WM_OK);
	assert_int_equal(g, WM_READ_CONTROL);
	assert_int_equal(check(&sd, &t, WM_WRITE_DAC, NULL), WM_E_ACCESS);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void generic_request_is_mapped_for_files(void **state)
{
	wm_sd sd = sddl("O:" BOB "D:(A;;FR;;;" ALICE ")");
	wm_token t = alice();
	uint32_t g;

	(void)state;
	assert_int_equal(check(&sd, &t, WM_GENERIC_READ, &g), WM_OK);
	assert_int_equal(g, WM_FILE_GENERIC_READ);
	assert_int_equal(check(&sd, &t, WM_GENERIC_WRITE, NULL), WM_E_ACCESS);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void maximum_allowed_returns_grants_minus_earlier_denies(void **state)
{
	wm_sd sd = sddl("O:" BOB "D:(D;;0x6;;;" GRP ")(A;;0x7;;;" ALICE ")");
	wm_token t = alice();
	uint32_t g;

	(void)state;
	assert_int_equal(check(&sd, &t, WM_MAXIMUM_ALLOWED, &g), WM_OK);
	assert_int_equal(g, 0x1);
	assert_int_equal(check(&sd, &t, WM_MAXIMUM_ALLOWED | 0x2, NULL), WM_E_ACCESS);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void inherit_only_ace_is_skipped(void **state)
{
	wm_sd sd = sddl("O:" BOB "D:(A;OICIIO;FA;;;" ALICE ")");
	wm_token t = alice();

	(void)state;
	assert_int_equal(check(&sd, &t, WM_FILE_READ_DATA, NULL), WM_E_ACCESS);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void deny_only_group_matches_deny_not_allow(void **state)
{
	wm_sd allow = sddl("O:" BOB "D:(A;;FA;;;BA)");
	wm_sd deny = sddl("O:" BOB "D:(D;;FW;;;BA)(A;;FA;;;" ALICE ")");
	wm_token t = alice();
	wm_sid ba = wm_sid_of(WM_SID_ADMINISTRATORS);

	(void)state;
	wm_token_add_group(&t, &ba, WM_SE_GROUP_USE_FOR_DENY_ONLY);
	assert_int_equal(check(&allow, &t, WM_FILE_READ_DATA, NULL), WM_E_ACCESS);
	assert_int_equal(check(&deny, &t, WM_FILE_WRITE_DATA, NULL), WM_E_ACCESS);
	assert_int_equal(check(&deny, &t, WM_FILE_READ_DATA, NULL), WM_OK);
	wm_sd_dispose(&allow);
	wm_sd_dispose(&deny);
	wm_token_dispose(&t);
}

static void disabled_group_is_ignored(void **state)
{
	wm_sd sd = sddl("O:" BOB "D:(D;;FA;;;BA)(A;;FA;;;BA)");
	wm_token t = alice();
	wm_sid ba = wm_sid_of(WM_SID_ADMINISTRATORS);

	(void)state;
	wm_token_add_group(&t, &ba, 0);
	assert_int_equal(check(&sd, &t, WM_FILE_READ_DATA, NULL), WM_E_ACCESS);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void restricted_token_needs_both_passes(void **state)
{
	/* Alice may read and write; the restricting SID only read. */
	wm_sd sd = sddl("O:" BOB "D:(A;;FR;;;" CAP ")(A;;0x1201bf;;;" ALICE ")");
	wm_token t = alice();
	wm_sid cap = wm_sid_of(CAP);
	uint32_t g;

	(void)state;
	wm_token_add_restricted(&t, &cap);
	assert_int_equal(check(&sd, &t, WM_FILE_READ_DATA, NULL), WM_OK);
	assert_int_equal(check(&sd, &t, WM_FILE_WRITE_DATA, NULL), WM_E_ACCESS);
	assert_int_equal(check(&sd, &t, WM_MAXIMUM_ALLOWED, &g), WM_OK);
	assert_int_equal(g, WM_FILE_GENERIC_READ);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void restricted_sid_alone_grants_nothing(void **state)
{
	/* Only the restricting SID is allowed: the normal pass refuses. */
	wm_sd sd = sddl("O:" BOB "D:(A;;FA;;;" CAP ")");
	wm_token t = alice();
	wm_sid cap = wm_sid_of(CAP);

	(void)state;
	wm_token_add_restricted(&t, &cap);
	assert_int_equal(check(&sd, &t, WM_FILE_READ_DATA, NULL), WM_E_ACCESS);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void write_restricted_token_reads_freely(void **state)
{
	/* Nothing grants the restricting SID: reads still pass, writes do not. */
	wm_sd sd = sddl("O:" BOB "D:(A;;FA;;;" ALICE ")");
	wm_token t = alice();
	wm_sid cap = wm_sid_of(CAP);
	uint32_t g;

	(void)state;
	wm_token_add_restricted(&t, &cap);
	t.write_restricted = 1;
	assert_int_equal(check(&sd, &t, WM_FILE_GENERIC_READ | WM_FILE_EXECUTE, NULL), WM_OK);
	assert_int_equal(check(&sd, &t, WM_FILE_WRITE_DATA, NULL), WM_E_ACCESS);
	assert_int_equal(check(&sd, &t, WM_FILE_APPEND_DATA, NULL), WM_E_ACCESS);
	assert_int_equal(check(&sd, &t, WM_MAXIMUM_ALLOWED, &g), WM_OK);
	assert_int_equal(g & WM_FILE_WRITE_DATA, 0);
	assert_int_equal(g & WM_FILE_READ_DATA, WM_FILE_READ_DATA);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void write_restricted_token_writes_where_capability_allowed(void **state)
{
	wm_sd sd = sddl("O:" BOB "D:(A;;FA;;;" ALICE ")(A;;0x1301bf;;;" CAP ")");
	wm_token t = alice();
	wm_sid cap = wm_sid_of(CAP);

	(void)state;
	wm_token_add_restricted(&t, &cap);
	t.write_restricted = 1;
	assert_int_equal(check(&sd, &t, WM_FILE_WRITE_DATA | WM_DELETE, NULL), WM_OK);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void write_restricted_capability_deny_blocks_write(void **state)
{
	/* The capability deny only matters in the restricted pass. */
	wm_sd sd = sddl("O:" BOB "D:(D;;FW;;;" CAP ")(A;;FA;;;" ALICE ")(A;;FA;;;" CAP ")");
	wm_token t = alice();
	wm_sid cap = wm_sid_of(CAP);

	(void)state;
	wm_token_add_restricted(&t, &cap);
	t.write_restricted = 1;
	assert_int_equal(check(&sd, &t, WM_FILE_WRITE_DATA, NULL), WM_E_ACCESS);
	assert_int_equal(check(&sd, &t, WM_FILE_READ_DATA, NULL), WM_OK);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void write_restricted_mask_is_the_generic_write_mapping(void **state)
{
	/* DELETE is not in FILE_GENERIC_WRITE: by the narrow rule the
	 * restricted pass does not constrain it; the wide one does. */
	wm_sd sd = sddl("O:" BOB "D:(A;;FA;;;" ALICE ")");
	wm_token t = alice();
	wm_sid cap = wm_sid_of(CAP);
	wm_check strict = { NULL, 0, WM_WRITE_RESTRICTED_WIDE };
	uint32_t g;

	(void)state;
	wm_token_add_restricted(&t, &cap);
	t.write_restricted = 1;
	assert_int_equal(check(&sd, &t, WM_DELETE, NULL), WM_OK);
	assert_int_equal(wm_access_check(&g, &sd, &t, WM_DELETE, &strict), WM_E_ACCESS);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void backup_privilege_needs_intent_and_enablement(void **state)
{
	wm_sd sd = sddl("O:" BOB "D:");
	wm_token t = alice();
	wm_check intent = { NULL, 1, 0 };
	uint32_t g;

	(void)state;
	assert_int_equal(wm_access_check(&g, &sd, &t, WM_FILE_READ_DATA, &intent), WM_E_ACCESS);
	t.privileges |= WM_PRIV_BACKUP;
	assert_int_equal(check(&sd, &t, WM_FILE_READ_DATA, NULL), WM_E_ACCESS);
	assert_int_equal(wm_access_check(&g, &sd, &t, WM_FILE_READ_DATA, &intent), WM_OK);
	assert_int_equal(wm_access_check(&g, &sd, &t, WM_FILE_WRITE_DATA, &intent), WM_E_ACCESS);
	t.privileges |= WM_PRIV_RESTORE;
	assert_int_equal(wm_access_check(&g, &sd, &t, WM_FILE_WRITE_DATA, &intent), WM_OK);
	wm_sd_dispose(&sd);
	wm_token_dispose(&t);
}

static void low_integrity_cannot_write_up(void **state)
{
	wm_sd medium = sddl("O:" BOB "D:(A;;FA;;;WD)");
	wm_sd low = sddl("O:" BOB "D:(A;;FA;;;WD)S:(ML;;NW;;;LW)");
	wm_token t = alice();

	(void)state;
	t.integrity = WM_IL_LOW;
	assert_int_equal(check(&medium, &t, WM_FILE_READ_DATA | WM_READ_CONTROL, NULL), WM_OK);
	assert_int_equal(check(&medium, &t, WM_FILE_WRITE_DATA, NULL), WM_E_ACCESS);
	assert_int_equal(check(&medium, &t, WM_DELETE, NULL), WM_E_ACCESS);
	assert_int_equal(check(&low, &t, WM_FILE_WRITE_DATA, NULL), WM_OK);
	t.integrity = WM_IL_HIGH;
	assert_int_equal(check(&medium, &t, WM_FILE_WRITE_DATA, NULL), WM_OK);
	wm_sd_dispose(&medium);
	wm_sd_dispose(&low);
	wm_token_dispose(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deny_before_allow_denies),
		cmocka_unit_test(allow_before_deny_grants),
		cmocka_unit_test(rights_add_up_across_aces),
		cmocka_unit_test(null_dacl_grants_everything_empty_dacl_nothing),
		cmocka_unit_test(owner_gets_read_control_and_write_dac),
		cmocka_unit_test(owner_rights_ace_replaces_implicit_rights),
		cmocka_unit_test(generic_request_is_mapped_for_files),
		cmocka_unit_test(maximum_allowed_returns_grants_minus_earlier_denies),
		cmocka_unit_test(inherit_only_ace_is_skipped),
		cmocka_unit_test(deny_only_group_matches_deny_not_allow),
		cmocka_unit_test(disabled_group_is_ignored),
		cmocka_unit_test(restricted_token_needs_both_passes),
		cmocka_unit_test(restricted_sid_alone_grants_nothing),
		cmocka_unit_test(write_restricted_token_reads_freely),
		cmocka_unit_test(write_restricted_token_writes_where_capability_allowed),
		cmocka_unit_test(write_restricted_capability_deny_blocks_write),
		cmocka_unit_test(write_restricted_mask_is_the_generic_write_mapping),
		cmocka_unit_test(backup_privilege_needs_intent_and_enablement),
		cmocka_unit_test(low_integrity_cannot_write_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
