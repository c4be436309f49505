/* Strict UTF-8, UTF-8 <-> UTF-16, and the Windows name ordering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/common.h"
#include "core/utf.h"

#define VALID(s) wsb__utf8_valid((s), sizeof(s) - 1)

static void ascii_and_multibyte_text_is_valid(void **state)
{
	(void)state;
	assert_true(VALID(""));
	assert_true(VALID("plain ascii ~"));
	assert_true(VALID("\xC3\xA9t\xC3\xA9"));            /* été */
	assert_true(VALID("\xE2\x82\xAC"));                 /* U+20AC */
	assert_true(VALID("\xF0\x9F\x98\x80"));             /* U+1F600 */
	assert_true(VALID("\xC2\x80"));                     /* U+0080, smallest 2-byte */
	assert_true(VALID("\xE0\xA0\x80"));                 /* U+0800, smallest 3-byte */
	assert_true(VALID("\xF0\x90\x80\x80"));             /* U+10000, smallest 4-byte */
	assert_true(VALID("\xED\x9F\xBF"));                 /* U+D7FF, below surrogates */
	assert_true(VALID("\xEE\x80\x80"));                 /* U+E000, above surrogates */
	assert_true(VALID("\xF4\x8F\xBF\xBF"));             /* U+10FFFF, the last */
}

static void overlong_forms_are_invalid(void **state)
{
	(void)state;
	assert_false(VALID("\xC0\xAF"));                    /* '/' in 2 bytes */
	assert_false(VALID("\xC1\xBF"));
	assert_false(VALID("\xE0\x80\xAF"));                /* '/' in 3 bytes */
	assert_false(VALID("\xE0\x9F\xBF"));                /* U+07FF in 3 bytes */
	assert_false(VALID("\xF0\x80\x80\xAF"));            /* '/' in 4 bytes */
	assert_false(VALID("\xF0\x8F\xBF\xBF"));            /* U+FFFF in 4 bytes */
	assert_false(VALID("\xC0\x80"));                    /* "modified UTF-8" NUL */
}

static void surrogates_are_invalid(void **state)
{
	(void)state;
	assert_false(VALID("\xED\xA0\x80"));                /* U+D800 */
	assert_false(VALID("\xED\xAF\xBF"));                /* U+DBFF */
	assert_false(VALID("\xED\xB0\x80"));                /* U+DC00 */
	assert_false(VALID("\xED\xBF\xBF"));                /* U+DFFF */
	assert_false(VALID("\xED\xA0\xBD\xED\xB8\x80"));    /* CESU-8 pair */
}

static void code_points_above_10ffff_are_invalid(void **state)
{
	(void)state;
	assert_false(VALID("\xF4\x90\x80\x80"));            /* U+110000 */
	assert_false(VALID("\xF5\x80\x80\x80"));
	assert_false(VALID("\xF8\x88\x80\x80\x80"));        /* old 5-byte form */
	assert_false(VALID("\xFF"));
	assert_false(VALID("\xFE"));
}

static void truncated_and_stray_bytes_are_invalid(void **state)
{
	(void)state;
	assert_false(VALID("\xC3"));
	assert_false(VALID("\xE2\x82"));
	assert_false(VALID("\xF0\x9F\x98"));
	assert_false(VALID("a\xE2\x82z"));                  /* continuation missing */
	assert_false(VALID("\x80"));                        /* lone continuation */
	assert_false(VALID("\xC3\xA9\xA9"));                /* one too many */
	/* The length bounds the check: a valid prefix of a longer string. */
	assert_true(wsb__utf8_valid("\xC3\xA9\xFF", 2));
	assert_false(wsb__utf8_valid("\xC3\xA9\xFF", 1));
}

static void embedded_nul_is_invalid(void **state)
{
	(void)state;
	assert_false(VALID("a\0b"));
	assert_false(VALID("\0"));
}

static void check_arg_reports_each_failure(void **state)
{
	(void)state;
	assert_int_equal(wsb__utf8_check_arg("ok", 10, "name"), WSB_OK);
	assert_int_equal(wsb__utf8_check_arg(NULL, 10, "name"), WSB_EINVAL);
	assert_non_null(strstr(wsb_error_message(NULL), "name"));
	assert_int_equal(wsb__utf8_check_arg("abcdef", 5, "label"), WSB_ETOOLONG);
	assert_non_null(strstr(wsb_error_message(NULL), "label"));
	assert_int_equal(wsb__utf8_check_arg("abcde", 5, "label"), WSB_OK);
	assert_int_equal(wsb__utf8_check_arg("ab\xC0\xAF", 10, "path"), WSB_EUTF8);
	assert_non_null(strstr(wsb_error_message(NULL), "byte 2"));
}

static void utf8_to_utf16_encodes_bmp_and_pairs(void **state)
{
	const char *s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
	const uint16_t expect[] = { 'a', 0x00E9, 0x20AC, 0xD83D, 0xDE00, 0 };
	uint16_t *w = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(wsb__utf8_to_utf16(&w, &n, s, strlen(s)), WSB_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(w, expect, sizeof(expect));
	assert_int_equal(wsb__utf16_len(w), 5);
	wsb__free(w);
}

static void utf8_to_utf16_of_empty_is_a_lone_nul(void **state)
{
	uint16_t *w = NULL;
	size_t n = 7;

	(void)state;
	assert_int_equal(wsb__utf8_to_utf16(&w, &n, "", 0), WSB_OK);
	assert_int_equal(n, 0);
	assert_int_equal(w[0], 0);
	wsb__free(w);
}

static void utf8_to_utf16_rejects_bad_input_without_output(void **state)
{
	uint16_t *w = (uint16_t *)1;

	(void)state;
	assert_int_equal(wsb__utf8_to_utf16(&w, NULL, "a\xED\xA0\x80", 4), WSB_EUTF8);
	assert_null(w);
	assert_int_equal(wsb__utf8_to_utf16(&w, NULL, "a\0b", 3), WSB_EUTF8);
}

static void utf16_to_utf8_decodes_pairs(void **state)
{
	const uint16_t w[] = { 'x', 0x00E9, 0x20AC, 0xDBFF, 0xDFFF };
	char *s = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(wsb__utf16_to_utf8(&s, &n, w, 5), WSB_OK);
	assert_int_equal(n, 1 + 2 + 3 + 4);
	assert_string_equal(s, "x\xC3\xA9\xE2\x82\xAC\xF4\x8F\xBF\xBF");
	wsb__free(s);
}

static void utf16_unpaired_surrogates_are_rejected(void **state)
{
	const uint16_t lone_high[] = { 'a', 0xD800 };
	const uint16_t lone_low[] = { 0xDC00, 'a' };
	const uint16_t high_then_char[] = { 0xD800, 'a' };
	const uint16_t two_highs[] = { 0xD800, 0xD800, 0xDC00 };
	char *s = (char *)1;

	(void)state;
	assert_int_equal(wsb__utf16_to_utf8(&s, NULL, lone_high, 2), WSB_EUTF8);
	assert_null(s);
	assert_int_equal(wsb__utf16_to_utf8(&s, NULL, lone_low, 2), WSB_EUTF8);
	assert_int_equal(wsb__utf16_to_utf8(&s, NULL, high_then_char, 2), WSB_EUTF8);
	assert_int_equal(wsb__utf16_to_utf8(&s, NULL, two_highs, 3), WSB_EUTF8);
}

static void every_scalar_value_round_trips(void **state)
{
	uint32_t cp;

	(void)state;
	for (cp = 1; cp <= 0x10FFFF; cp++) {
		char u8[5], *back = NULL;
		uint16_t *w = NULL;
		size_t n, wn;
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		if (cp < 0x80) {
			u8[0] = (char)cp; n = 1;
		} else if (cp < 0x800) {
			u8[0] = (char)(0xC0 | (cp >> 6)); u8[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
		} else if (cp < 0x10000) {
			u8[0] = (char)(0xE0 | (cp >> 12)); u8[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
			u8[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
		} else {
			u8[0] = (char)(0xF0 | (cp >> 18)); u8[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
			u8[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u8[3] = (char)(0x80 | (cp & 0x3F));
			n = 4;
		}
		assert_true(wsb__utf8_valid(u8, n));
		assert_int_equal(wsb__utf8_to_utf16(&w, &wn, u8, n), WSB_OK);
		assert_int_equal(wn, cp >= 0x10000 ? 2 : 1);
		assert_int_equal(wsb__utf16_to_utf8(&back, NULL, w, wn), WSB_OK);
		assert_memory_equal(back, u8, n);
		wsb__free(w);
		wsb__free(back);
	}
}

static void casecmp_folds_ascii(void **state)
{
	(void)state;
	assert_int_equal(wsb__utf8_casecmp("Path", "PATH"), 0);
	assert_int_equal(wsb__utf8_casecmp(".GIT", ".git"), 0);
	assert_true(wsb__utf8_casecmp("a", "B") < 0);
	assert_true(wsb__utf8_casecmp("b", "A") > 0);
	assert_true(wsb__utf8_casecmp("ab", "AB_") < 0);
	/* Upper-casing, not lower-casing: '_' (0x5F) sorts after 'Z' (0x5A). */
	assert_true(wsb__utf8_casecmp("z", "_") < 0);
}

static void casecmp_folds_latin1_and_extended_a(void **state)
{
	(void)state;
	assert_int_equal(wsb__utf8_casecmp("\xC3\xA9t\xC3\xA9", "\xC3\x89T\xC3\x89"), 0);  /* été ÉTÉ */
	assert_int_equal(wsb__utf8_casecmp("\xC3\xBF", "\xC5\xB8"), 0);   /* ÿ Ÿ */
	assert_int_equal(wsb__utf8_casecmp("\xC4\x81", "\xC4\x80"), 0);   /* ā Ā */
	assert_int_equal(wsb__utf8_casecmp("\xC5\x82", "\xC5\x81"), 0);   /* ł Ł (odd pairs) */
	assert_int_equal(wsb__utf8_casecmp("\xC5\xBE", "\xC5\xBD"), 0);   /* ž Ž */
	/* Division and multiplication signs are not a case pair. */
	assert_true(wsb__utf8_casecmp("\xC3\xB7", "\xC3\x97") != 0);
}

static void casecmp_never_maps_non_ascii_to_ascii(void **state)
{
	(void)state;
	/* Dotless i and long s stay themselves, as in the Windows table: a
	 * look-alike of ".git" is not ".git". */
	assert_true(wsb__utf8_casecmp(".g\xC4\xB1t", ".GIT") != 0);
	assert_true(wsb__utf8_casecmp("\xC5\xBF", "S") != 0);
	assert_true(wsb__utf8_casecmp("\xC4\xB0", "i") != 0);  /* İ */
	assert_true(wsb__utf8_casecmp("\xC3\x9F", "SS") != 0); /* ß */
}

static void casecmp_folds_greek_and_cyrillic(void **state)
{
	(void)state;
	assert_int_equal(wsb__utf8_casecmp("\xCE\xB1\xCE\xB2\xCE\xB3", "\xCE\x91\xCE\x92\xCE\x93"), 0);
	assert_int_equal(wsb__utf8_casecmp("\xCF\x82", "\xCE\xA3"), 0);   /* final sigma */
	assert_int_equal(wsb__utf8_casecmp("\xCF\x83", "\xCE\xA3"), 0);   /* sigma */
	assert_int_equal(wsb__utf8_casecmp("\xCE\xAC", "\xCE\x86"), 0);   /* ά Ά */
	assert_int_equal(wsb__utf8_casecmp("\xCF\x8E", "\xCE\x8F"), 0);   /* ώ Ώ */
	assert_int_equal(wsb__utf8_casecmp("\xD0\xBF\xD1\x83\xD1\x82\xD1\x8C",
		"\xD0\x9F\xD0\xA3\xD0\xA2\xD0\xAC"), 0);                    /* путь ПУТЬ */
	assert_int_equal(wsb__utf8_casecmp("\xD1\x91", "\xD0\x81"), 0);   /* ё Ё */
	assert_int_equal(wsb__utf8_casecmp("\xD1\xA1", "\xD1\xA0"), 0);   /* ѡ Ѡ */
	assert_int_equal(wsb__utf8_casecmp("\xD3\x82", "\xD3\x81"), 0);   /* ӂ Ӂ */
	assert_int_equal(wsb__utf8_casecmp("\xEF\xBD\x81", "\xEF\xBC\xA1"), 0); /* fullwidth a A */
}

static void ncasecmp_respects_lengths(void **state)
{
	(void)state;
	assert_int_equal(wsb__utf8_ncasecmp("PATH=x", 4, "path", 4), 0);
	assert_true(wsb__utf8_ncasecmp("PATH", 3, "path", 4) < 0);
	assert_true(wsb__utf8_ncasecmp("PATH", 4, "pa", 2) > 0);
	assert_int_equal(wsb__utf8_ncasecmp("", 0, "", 0), 0);
}

static void casecmp_survives_invalid_bytes(void **state)
{
	(void)state;
	assert_true(wsb__utf8_casecmp("a\xFF", "a\xFE") > 0);
	assert_int_equal(wsb__utf8_casecmp("\xC3", "\xC3"), 0);
	assert_true(wsb__utf8_casecmp("\xE2\x82", "\xE2\x82\xAC") != 0);
}

static void utf16_casecmp_orders_by_upper_cased_units(void **state)
{
	const uint16_t path[] = { 'p', 'a', 't', 'h' };
	const uint16_t PATH[] = { 'P', 'A', 'T', 'H' };
	const uint16_t under[] = { '_' };
	const uint16_t z[] = { 'z' };
	const uint16_t pua[] = { 0xE000 };
	const uint16_t emoji[] = { 0xD83D, 0xDE00 };

	(void)state;
	assert_int_equal(wsb__utf16_casecmp(path, 4, PATH, 4), 0);
	assert_true(wsb__utf16_casecmp(path, 3, PATH, 4) < 0);
	assert_true(wsb__utf16_casecmp(z, 1, under, 1) < 0);
	/* By units: a supplementary character (lead D83D) sorts before U+E000. */
	assert_true(wsb__utf16_casecmp(emoji, 2, pua, 1) < 0);
}

static void utf8_and_utf16_orders_agree(void **state)
{
	static const char *const words[] = {
		"", "a", "A", "_", "z", "path", "PATHEXT", "\xC3\xA9", "\xC3\x89",
		"\xEE\x80\x80", "\xF0\x9F\x98\x80", "\xEF\xBC\xA1", "\xEF\xBD\x81",
		"\xCF\x82", "\xCE\xA3", "=C:", "0", "\xD0\xB0\xD0\xB1",
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(words); i++) {
		for (j = 0; j < WSB__ARRAY_SIZE(words); j++) {
			uint16_t *a = NULL, *b = NULL;
			size_t an, bn;
			int c8, c16;
			assert_int_equal(wsb__utf8_to_utf16(&a, &an, words[i], strlen(words[i])), WSB_OK);
			assert_int_equal(wsb__utf8_to_utf16(&b, &bn, words[j], strlen(words[j])), WSB_OK);
			c8 = wsb__utf8_casecmp(words[i], words[j]);
			c16 = wsb__utf16_casecmp(a, an, b, bn);
			assert_int_equal((c8 > 0) - (c8 < 0), (c16 > 0) - (c16 < 0));
			wsb__free(a);
			wsb__free(b);
		}
	}
}

static void conversions_fail_cleanly_out_of_memory(void **state)
{
	const uint16_t w[] = { 'a' };
	uint16_t *o16 = (uint16_t *)1;
	char *o8 = (char *)1;
	long live = wsb__alloc_live();

	(void)state;
	wsb__alloc_fail_after(1);
	assert_int_equal(wsb__utf8_to_utf16(&o16, NULL, "a", 1), WSB_ENOMEM);
	wsb__alloc_fail_after(1);
	assert_int_equal(wsb__utf16_to_utf8(&o8, NULL, w, 1), WSB_ENOMEM);
	wsb__alloc_fail_after(0);
	assert_null(o16);
	assert_null(o8);
	assert_int_equal(wsb__alloc_live(), live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ascii_and_multibyte_text_is_valid),
		cmocka_unit_test(overlong_forms_are_invalid),
		cmocka_unit_test(surrogates_are_invalid),
		cmocka_unit_test(code_points_above_10ffff_are_invalid),
		cmocka_unit_test(truncated_and_stray_bytes_are_invalid),
		cmocka_unit_test(embedded_nul_is_invalid),
		cmocka_unit_test(check_arg_reports_each_failure),
		cmocka_unit_test(utf8_to_utf16_encodes_bmp_and_pairs),
		cmocka_unit_test(utf8_to_utf16_of_empty_is_a_lone_nul),
		cmocka_unit_test(utf8_to_utf16_rejects_bad_input_without_output),
		cmocka_unit_test(utf16_to_utf8_decodes_pairs),
		cmocka_unit_test(utf16_unpaired_surrogates_are_rejected),
		cmocka_unit_test(every_scalar_value_round_trips),
		cmocka_unit_test(casecmp_folds_ascii),
		cmocka_unit_test(casecmp_folds_latin1_and_extended_a),
		cmocka_unit_test(casecmp_never_maps_non_ascii_to_ascii),
		cmocka_unit_test(casecmp_folds_greek_and_cyrillic),
		cmocka_unit_test(ncasecmp_respects_lengths),
		cmocka_unit_test(casecmp_survives_invalid_bytes),
		cmocka_unit_test(utf16_casecmp_orders_by_upper_cased_units),
		cmocka_unit_test(utf8_and_utf16_orders_agree),
		cmocka_unit_test(conversions_fail_cleanly_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
