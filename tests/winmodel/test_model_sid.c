/* SID string/binary forms and self-relative SD round trips (MS-DTYP 2.4). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"

static void sid_string_round_trips(void **state)
{
	wm_sid s;
	char buf[128];
	uint8_t bin[68];
	wm_sid back;

	(void)state;
	assert_int_equal(wm_sid_parse(&s, "S-1-5-21-3623811015-3361044348-30300820-1013"), WM_OK);
	assert_int_equal(wm_sid_format(&s, buf, sizeof(buf)), WM_OK);
	assert_string_equal(buf, "S-1-5-21-3623811015-3361044348-30300820-1013");
	wm_sid_to_bin(&s, bin);
	assert_int_equal(bin[0], 1);
	assert_int_equal(bin[1], 5);
	assert_int_equal(bin[7], 5);
	assert_int_equal(wm_sid_from_bin(&back, bin, wm_sid_size(&s), NULL), WM_OK);
	assert_true(wm_sid_equal(&s, &back));
	assert_int_equal(wm_sid_parse(&s, "BA"), WM_OK);
	assert_int_equal(wm_sid_format(&s, buf, sizeof(buf)), WM_OK);
	assert_string_equal(buf, "S-1-5-32-544");
}

static void bad_sids_are_refused(void **state)
{
	wm_sid s;

	(void)state;
	assert_int_equal(wm_sid_parse(&s, "S-2-5"), WM_E_INVALID);
	assert_int_equal(wm_sid_parse(&s, "S-1-5-"), WM_E_INVALID);
	assert_int_equal(wm_sid_parse(&s, "S-1-5-4294967296"), WM_E_INVALID);
	assert_int_equal(wm_sid_parse(&s, "S-1-1-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16"), WM_E_INVALID);
}

static void sd_binary_round_trip_keeps_every_ace(void **state)
{
	wm_sd sd, back;
	uint8_t *bin, *bin2;
	size_t len, len2;

	(void)state;
	assert_int_equal(wm_sd_from_sddl(&sd, "O:BAG:SYD:PAI(D;OICI;0x110156;;;S-1-5-21-9-9-9-42)"
		"(A;OICIID;FA;;;SY)(A;;FR;;;WD)S:(ML;;NW;;;LW)"), WM_OK);
	assert_int_equal(wm_sd_to_bin(&bin, &len, &sd), WM_OK);
	assert_int_equal(wm_sd_from_bin(&back, bin, len), WM_OK);
	assert_int_equal(back.dacl.count, 3);
	assert_int_equal(back.dacl.aces[0].type, WM_ACE_DENIED);
	assert_int_equal(back.dacl.aces[0].flags, WM_OI | WM_CI);
	assert_int_equal(back.dacl.aces[1].flags, WM_OI | WM_CI | WM_ID);
	assert_true(back.control & WM_SE_DACL_PROTECTED);
	assert_int_equal(wm_sd_integrity(&back, NULL), WM_IL_LOW);
	assert_int_equal(wm_sd_to_bin(&bin2, &len2, &back), WM_OK);
	assert_int_equal(len, len2);
	assert_memory_equal(bin, bin2, len);
	free(bin);
	free(bin2);
	wm_sd_dispose(&sd);
	wm_sd_dispose(&back);
}

static void truncated_sd_is_refused(void **state)
{
	wm_sd sd, back;
	uint8_t *bin;
	size_t len, cut;

	(void)state;
	assert_int_equal(wm_sd_from_sddl(&sd, "O:BAD:(A;;FA;;;WD)"), WM_OK);
	assert_int_equal(wm_sd_to_bin(&bin, &len, &sd), WM_OK);
	for (cut = 0; cut < len; cut++) {
		if (wm_sd_from_bin(&back, bin, cut) == WM_OK) wm_sd_dispose(&back);
	}
	assert_int_equal(wm_sd_from_bin(&back, bin, len - 1), WM_E_INVALID);
	free(bin);
	wm_sd_dispose(&sd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sid_string_round_trips),
		cmocka_unit_test(bad_sids_are_refused),
		cmocka_unit_test(sd_binary_round_trip_keeps_every_ace),
		cmocka_unit_test(truncated_sd_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
