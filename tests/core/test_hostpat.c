/* Host names, addresses and allow-list patterns (lib/core/hostpat.c,
 * lib/core/punycode.c): Punycode against RFC 3492's samples and IANA's IDN
 * test names, the compared form of names, the pattern syntax and its
 * rejections, matching, address classes, and the verdicts the proxy asks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/hostpat.h"
#include "core/punycode.h"

static void expect_puny(const uint32_t *cps, size_t n, const char *want)
{
	char out[128];
	size_t len = 0;

	assert_int_equal(wsb__punycode_encode(out, sizeof(out), &len, cps, n), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
}

static void punycode_rfc3492_samples(void **state)
{
	static const uint32_t arabic[] = { 0x644, 0x64a, 0x647, 0x645, 0x627, 0x628, 0x62a,
		0x643, 0x644, 0x645, 0x648, 0x634, 0x639, 0x631, 0x628, 0x64a, 0x61f };
	static const uint32_t chinese[] = { 0x4ed6, 0x4eec, 0x4e3a, 0x4ec0, 0x4e48, 0x4e0d,
		0x8bf4, 0x4e2d, 0x6587 };
	static const uint32_t mixed[] = { 0x33, 0x5e74, 0x42, 0x7d44, 0x91d1, 0x516b, 0x5148, 0x751f };

	(void)state;
	expect_puny(arabic, WSB__ARRAY_SIZE(arabic), "egbpdaj6bu4bxfgehfvwxn");
	expect_puny(chinese, WSB__ARRAY_SIZE(chinese), "ihqwcrb4cv8a8dqg056pqjye");
	expect_puny(mixed, WSB__ARRAY_SIZE(mixed), "3B-ww4c5e180e575a65lsy2b");
}

static void punycode_refuses_a_small_buffer(void **state)
{
	static const uint32_t chinese[] = { 0x4ed6, 0x4eec, 0x4e3a };
	char out[4];
	size_t len;

	(void)state;
	assert_int_equal(wsb__punycode_encode(out, sizeof(out), &len, chinese, 3), -1);
}

static void expect_ascii(const char *in, const char *want)
{
	char *out = NULL;

	assert_int_equal(wsb__host_to_ascii(&out, in, strlen(in)), WSB_OK);
	assert_string_equal(out, want);
	wsb__free(out);
}

static void expect_bad_host(const char *in, int code, const char *reason)
{
	char *out = (char *)1;

	assert_int_equal(wsb__host_to_ascii(&out, in, strlen(in)), code);
	assert_null(out);
	assert_non_null(strstr(wsb_error_message(NULL), reason));
}

static void unicode_names_compare_as_lower_case_a_labels(void **state)
{
	(void)state;
	expect_ascii("PyPI.Org", "pypi.org");
	expect_ascii("example.org.", "example.org");
	expect_ascii("B\xc3\x9c" "cher.example", "xn--bcher-kva.example");
	expect_ascii("xn--bcher-kva.example", "xn--bcher-kva.example");
	expect_ascii("\xcf\x80\xce\xb1\xcf\x81\xce\xac\xce\xb4\xce\xb5\xce\xb9\xce\xb3\xce\xbc\xce\xb1."
		"\xce\xb4\xce\xbf\xce\xba\xce\xb9\xce\xbc\xce\xae", "xn--hxajbheg2az3al.xn--jxalpdlp");
	/* Upper-case Cyrillic folds: ПРИМЕР -> пример. */
	expect_ascii("\xd0\x9f\xd0\xa0\xd0\x98\xd0\x9c\xd0\x95\xd0\xa0.test", "xn--e1afmkfd.test");
	/* Latin Extended-A folds: ŁÓDŹ -> łódź. */
	expect_ascii("\xc5\x81\xc3\x93" "D\xc5\xb9.test", "xn--d-uga0v4h.test");
	/* The ideographic full stop separates labels as '.' does. */
	expect_ascii("a\xe3\x80\x82" "b", "a.b");
	expect_ascii("_dmarc.example.org", "_dmarc.example.org");
}

static void bad_names_give_the_reason(void **state)
{
	char long_label[80];

	(void)state;
	expect_bad_host("", WSB_EINVAL, "empty");
	expect_bad_host("a..b", WSB_EINVAL, "empty label");
	expect_bad_host(".a", WSB_EINVAL, "empty label");
	expect_bad_host(".", WSB_EINVAL, "empty label");
	expect_bad_host("-a.b", WSB_EINVAL, "'-'");
	expect_bad_host("a b", WSB_EINVAL, "U+0020");
	expect_bad_host("a/b", WSB_EINVAL, "'/'");
	expect_bad_host("a@b", WSB_EINVAL, "'@'");
	expect_bad_host("a\xc2\xa0" "b", WSB_EINVAL, "U+00A0");
	expect_bad_host("\xef\xbd\x81.b", WSB_EINVAL, "U+FF41"); /* fullwidth a: not mapped */
	expect_bad_host("a\xc3\x28", WSB_EUTF8, "UTF-8");
	expect_bad_host("xn--a_b.c", WSB_EINVAL, "'_'");
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	expect_bad_host(long_label, WSB_ETOOLONG, "63");
}

static void numeric_last_labels_are_addresses_in_disguise(void **state)
{
	(void)state;
	assert_true(wsb__host_looks_numeric("2130706433"));
	assert_true(wsb__host_looks_numeric("127.1"));
	assert_true(wsb__host_looks_numeric("0x7f.0x1"));
	assert_true(wsb__host_looks_numeric("1.2.3.4"));
	assert_false(wsb__host_looks_numeric("1.2.3.example"));
	assert_false(wsb__host_looks_numeric("0xzz"));
	assert_false(wsb__host_looks_numeric("pypi.org"));
}

static void expect_addr(const char *s, int family, const char *formatted)
{
	unsigned char a[16];
	char buf[64];

	assert_int_equal(wsb__addr_parse(a, s, strlen(s)), family);
	if (family) {
		wsb__addr_format(buf, sizeof(buf), family, a);
		assert_string_equal(buf, formatted);
	}
}

static void address_literals_parse_strictly(void **state)
{
	(void)state;
	expect_addr("127.0.0.1", WSB__ADDR_V4, "127.0.0.1");
	expect_addr("255.255.255.255", WSB__ADDR_V4, "255.255.255.255");
	expect_addr("::1", WSB__ADDR_V6, "::1");
	expect_addr("::", WSB__ADDR_V6, "::");
	expect_addr("FE80:0:0:0:0:0:0:1", WSB__ADDR_V6, "fe80::1");
	expect_addr("2001:db8::1:0:0:1", WSB__ADDR_V6, "2001:db8::1:0:0:1");
	expect_addr("1:2:3:4:5:6:7:8", WSB__ADDR_V6, "1:2:3:4:5:6:7:8");
	expect_addr("::ffff:169.254.169.254", WSB__ADDR_V6, "::ffff:a9fe:a9fe");
	expect_addr("1::", WSB__ADDR_V6, "1::");
	expect_addr("127.1", 0, NULL);
	expect_addr("010.0.0.1", 0, NULL);
	expect_addr("256.0.0.1", 0, NULL);
	expect_addr("1.2.3.4.", 0, NULL);
	expect_addr(":::", 0, NULL);
	expect_addr("1::2::3", 0, NULL);
	expect_addr("1:2:3:4:5:6:7:8:9", 0, NULL);
	expect_addr("12345::", 0, NULL);
	expect_addr("fe80::1%eth0", 0, NULL);
	expect_addr("1:", 0, NULL);
	expect_addr(":1", 0, NULL);
	expect_addr("", 0, NULL);
}

static const char *restricted(const char *s)
{
	unsigned char a[16];
	int family = wsb__addr_parse(a, s, strlen(s));

	assert_true(family != 0);
	return wsb__addr_restricted(family, a);
}

static void restricted_ranges_include_metadata_and_mapped_forms(void **state)
{
	(void)state;
	assert_non_null(strstr(restricted("169.254.169.254"), "metadata"));
	assert_string_equal(restricted("127.0.0.1"), "loopback");
	assert_string_equal(restricted("10.1.2.3"), "private");
	assert_string_equal(restricted("172.31.255.255"), "private");
	assert_string_equal(restricted("192.168.0.1"), "private");
	assert_non_null(restricted("0.0.0.0"));
	assert_non_null(restricted("100.64.0.1"));
	assert_non_null(restricted("224.0.0.1"));
	assert_non_null(restricted("255.255.255.255"));
	assert_string_equal(restricted("::1"), "loopback");
	assert_non_null(restricted("::"));
	assert_non_null(strstr(restricted("fe80::1"), "link-local"));
	assert_non_null(strstr(restricted("fd12::1"), "unique-local"));
	assert_non_null(strstr(restricted("::ffff:127.0.0.1"), "loopback"));
	assert_non_null(strstr(restricted("64:ff9b::a9fe:a9fe"), "metadata"));
	assert_null(restricted("172.32.0.1"));
	assert_null(restricted("93.184.216.34"));
	assert_null(restricted("2001:db8::1"));
	assert_null(restricted("::ffff:93.184.216.34"));
}

static wsb__hostpat parse_ok(const char *pattern, int address, int deny, const char *text)
{
	wsb__hostpat p;

	assert_int_equal(wsb__hostpat_parse(&p, pattern, address, deny), WSB_OK);
	assert_string_equal(p.text, text);
	return p;
}

static void expect_bad_pattern(const char *pattern, int address, int code, const char *reason)
{
	wsb__hostpat p;

	assert_int_equal(wsb__hostpat_parse(&p, pattern, address, 0), code);
	assert_null(p.name);
	assert_null(p.text);
	assert_non_null(strstr(wsb_error_message(NULL), reason));
}

static void patterns_canonicalize_with_default_ports(void **state)
{
	wsb__hostpat p;

	(void)state;
	p = parse_ok("PyPI.org", 0, 0, "pypi.org:80,443");
	wsb__hostpat_dispose(&p);
	p = parse_ok("*.GitHub.test:443", 0, 0, "*.github.test:443");
	assert_true(p.wildcard);
	wsb__hostpat_dispose(&p);
	p = parse_ok("evil.test", 0, 1, "evil.test:*");
	wsb__hostpat_dispose(&p);
	p = parse_ok("b\xc3\xbc" "cher.test:8443,9443", 0, 0, "xn--bcher-kva.test:8443,9443");
	wsb__hostpat_dispose(&p);
	p = parse_ok("10.0.0.0/8:5432", 1, 0, "10.0.0.0/8:5432");
	wsb__hostpat_dispose(&p);
	p = parse_ok("10.1.2.3/8", 1, 0, "10.0.0.0/8:80,443");
	wsb__hostpat_dispose(&p);
	p = parse_ok("[fd00::1]/8:*", 1, 0, "[fd00::]/8:*");
	wsb__hostpat_dispose(&p);
	p = parse_ok("fe80::1", 1, 0, "[fe80::1]/128:80,443");
	wsb__hostpat_dispose(&p);
}

static void bad_patterns_give_the_reason(void **state)
{
	(void)state;
	expect_bad_pattern("*", 0, WSB_EINVAL, "bare '*'");
	expect_bad_pattern("*:443", 0, WSB_EINVAL, "bare '*'");
	expect_bad_pattern("a.*.org", 0, WSB_EINVAL, "whole first label");
	expect_bad_pattern("*a.org", 0, WSB_EINVAL, "whole first label");
	expect_bad_pattern("*.", 0, WSB_EINVAL, "empty");
	expect_bad_pattern("a..org", 0, WSB_EINVAL, "empty label");
	expect_bad_pattern("127.0.0.1", 0, WSB_EINVAL, "wsb_policy_allow_address");
	expect_bad_pattern("2130706433", 0, WSB_EINVAL, "wsb_policy_allow_address");
	expect_bad_pattern("[::1]:443", 0, WSB_EINVAL, "wsb_policy_allow_address");
	expect_bad_pattern("::1", 0, WSB_EINVAL, "wsb_policy_allow_address");
	expect_bad_pattern("a.org:0", 0, WSB_EINVAL, "port");
	expect_bad_pattern("a.org:65536", 0, WSB_EINVAL, "port");
	expect_bad_pattern("a.org:", 0, WSB_EINVAL, "port");
	expect_bad_pattern("a.org:80,", 0, WSB_EINVAL, "port");
	expect_bad_pattern("a.org:80;443", 0, WSB_EINVAL, "separated");
	expect_bad_pattern("a.org:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", 0, WSB_EINVAL, "16 ports");
	expect_bad_pattern("a\xc3\x28.org", 0, WSB_EUTF8, "UTF-8");
	expect_bad_pattern("pypi.org", 1, WSB_EINVAL, "not an IPv4 or IPv6 address");
	expect_bad_pattern("10.0.0.0/33", 1, WSB_EINVAL, "more than 32");
	expect_bad_pattern("10.0.0.0/x", 1, WSB_EINVAL, "not a number");
	expect_bad_pattern("[::1", 1, WSB_EINVAL, "']'");
	expect_bad_pattern("[::1]x", 1, WSB_EINVAL, "':ports'");
}

static void exact_and_wildcard_matching(void **state)
{
	wsb__hostpat exact = parse_ok("example.org", 0, 0, "example.org:80,443");
	wsb__hostpat wild = parse_ok("*.example.org:443", 0, 0, "*.example.org:443");

	(void)state;
	assert_true(wsb__hostpat_match_name(&exact, "example.org", 443));
	assert_true(wsb__hostpat_match_name(&exact, "example.org", 80));
	assert_false(wsb__hostpat_match_name(&exact, "example.org", 8080));
	assert_false(wsb__hostpat_match_name(&exact, "a.example.org", 443));
	assert_false(wsb__hostpat_match_name(&exact, "badexample.org", 443));
	assert_true(wsb__hostpat_match_name(&wild, "a.example.org", 443));
	assert_true(wsb__hostpat_match_name(&wild, "a.b.example.org", 443));
	assert_false(wsb__hostpat_match_name(&wild, "example.org", 443));
	assert_false(wsb__hostpat_match_name(&wild, "badexample.org", 443));
	assert_false(wsb__hostpat_match_name(&wild, ".example.org", 443));
	assert_false(wsb__hostpat_match_name(&wild, "a.example.org", 80));
	wsb__hostpat_dispose(&exact);
	wsb__hostpat_dispose(&wild);
}

static void address_ranges_match_by_prefix(void **state)
{
	wsb__hostpat v4 = parse_ok("10.20.0.0/14:*", 1, 0, "10.20.0.0/14:*");
	wsb__hostpat v6 = parse_ok("[fd00:1::]/33", 1, 0, "[fd00:1::]/33:80,443");
	unsigned char a[16];

	(void)state;
	wsb__addr_parse(a, "10.23.255.1", 11);
	assert_true(wsb__hostpat_match_addr(&v4, WSB__ADDR_V4, a, 1));
	wsb__addr_parse(a, "10.24.0.1", 9);
	assert_false(wsb__hostpat_match_addr(&v4, WSB__ADDR_V4, a, 1));
	assert_false(wsb__hostpat_match_addr(&v4, WSB__ADDR_V6, a, 1));
	wsb__addr_parse(a, "fd00:1:7fff::9", 14);
	assert_true(wsb__hostpat_match_addr(&v6, WSB__ADDR_V6, a, 443));
	assert_false(wsb__hostpat_match_addr(&v6, WSB__ADDR_V6, a, 22));
	wsb__addr_parse(a, "fd00:1:8000::9", 14);
	assert_false(wsb__hostpat_match_addr(&v6, WSB__ADDR_V6, a, 443));
	wsb__hostpat_dispose(&v4);
	wsb__hostpat_dispose(&v6);
}

static void verdicts_deny_wins_and_addresses_need_address_rules(void **state)
{
	wsb__hostpat rules[4];
	wsb__net_verdict v;
	unsigned char a[16];

	(void)state;
	rules[0] = parse_ok("*.github.test", 0, 0, "*.github.test:80,443");
	rules[1] = parse_ok("evil.github.test", 0, 1, "evil.github.test:*");
	rules[2] = parse_ok("pypi.test:443", 0, 0, "pypi.test:443");
	rules[3] = parse_ok("127.0.0.1/32:8443", 1, 0, "127.0.0.1/32:8443");

	wsb__net_decide_host(&v, rules, 4, "api.github.test", 443);
	assert_true(v.allowed);
	assert_ptr_equal(v.rule, &rules[0]);
	wsb__net_decide_host(&v, rules, 4, "evil.github.test", 443);
	assert_false(v.allowed);
	assert_ptr_equal(v.rule, &rules[1]);
	wsb__net_decide_host(&v, rules, 4, "pypi.test", 80);
	assert_false(v.allowed);
	assert_null(v.rule);
	wsb__net_decide_host(&v, rules, 4, "169.254.169.254", 80);
	assert_false(v.allowed);
	wsb__net_decide_host(&v, rules, 4, "2130706433", 80);
	assert_false(v.allowed);
	wsb__net_decide_host(&v, rules, 4, "127.0.0.1", 8443);
	assert_true(v.allowed);
	assert_ptr_equal(v.rule, &rules[3]);
	wsb__net_decide_host(&v, rules, 4, "127.0.0.1", 443);
	assert_false(v.allowed);

	/* After resolving: a public address passes, a restricted one needs a rule. */
	wsb__addr_parse(a, "93.184.216.34", 13);
	wsb__net_decide_addr(&v, rules, 4, WSB__ADDR_V4, a, 443);
	assert_true(v.allowed);
	assert_null(v.rule);
	wsb__addr_parse(a, "169.254.169.254", 15);
	wsb__net_decide_addr(&v, rules, 4, WSB__ADDR_V4, a, 443);
	assert_false(v.allowed);
	assert_non_null(strstr(v.reason, "metadata"));
	wsb__addr_parse(a, "127.0.0.1", 9);
	wsb__net_decide_addr(&v, rules, 4, WSB__ADDR_V4, a, 8443);
	assert_true(v.allowed);
	assert_ptr_equal(v.rule, &rules[3]);
	wsb__net_decide_addr(&v, rules, 4, WSB__ADDR_V4, a, 443);
	assert_false(v.allowed);
	assert_string_equal(v.reason, "loopback");
	for (size_t i = 0; i < 4; i++)
		wsb__hostpat_dispose(&rules[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(punycode_rfc3492_samples),
		cmocka_unit_test(punycode_refuses_a_small_buffer),
		cmocka_unit_test(unicode_names_compare_as_lower_case_a_labels),
		cmocka_unit_test(bad_names_give_the_reason),
		cmocka_unit_test(numeric_last_labels_are_addresses_in_disguise),
		cmocka_unit_test(address_literals_parse_strictly),
		cmocka_unit_test(restricted_ranges_include_metadata_and_mapped_forms),
		cmocka_unit_test(patterns_canonicalize_with_default_ports),
		cmocka_unit_test(bad_patterns_give_the_reason),
		cmocka_unit_test(exact_and_wildcard_matching),
		cmocka_unit_test(address_ranges_match_by_prefix),
		cmocka_unit_test(verdicts_deny_wins_and_addresses_need_address_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
