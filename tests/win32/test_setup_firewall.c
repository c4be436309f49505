/*
 * Firewall rules: what is built for the offline user, how read-back
 * compares them (tolerant of Windows rewriting address and port text), the
 * journal text form, and, against Wine's real INetFwPolicy2 (a stub that
 * stores nothing), that adding and verifying FAILS CLOSED. Nothing here
 * claims a rule blocks anything: Wine has no firewall.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "win32/elevated.h"

static int reset(void **state)
{
	(void)state;
	wsb__os_reset();
	return 0;
}

static const char sid[] = "S-1-5-21-1-2-3-1001";

static void rules_for_no_ports_block_every_loopback_port(void **state)
{
	wsb__fw_ruleset set;

	(void)state;
	assert_int_equal(wsb__fw_rules_build(&set, "wsb-offline", sid, NULL, 0), WSB_OK);
	assert_int_equal(set.count, 3);
	assert_string_equal(set.rules[0].name, "wsandbox wsb-offline remote");
	assert_string_equal(set.rules[1].name, "wsandbox wsb-offline loopback tcp");
	assert_string_equal(set.rules[2].name, "wsandbox wsb-offline loopback udp");
	assert_string_equal(set.rules[1].remote_ports, "*");
	assert_string_equal(set.rules[0].user_list, "O:LSD:(A;;CC;;;S-1-5-21-1-2-3-1001)");
	wsb__fw_ruleset_dispose(&set);
}

static void allowed_ports_are_cut_out_of_the_loopback_rules(void **state)
{
	unsigned short p[] = { 65535, 1, 8080, 8081 };
	wsb__fw_ruleset set;

	(void)state;
	assert_int_equal(wsb__fw_rules_build(&set, "u", sid, p, 4), WSB_OK);
	assert_string_equal(set.rules[1].remote_ports, "2-8079,8082-65534");
	assert_string_equal(set.rules[2].remote_ports, "2-8079,8082-65534");
	wsb__fw_ruleset_dispose(&set);
}

static void bad_port_lists_are_rejected(void **state)
{
	unsigned short dup[] = { 80, 443, 80 }, zero[] = { 0 };
	wsb__fw_ruleset set;

	(void)state;
	assert_int_equal(wsb__fw_rules_build(&set, "u", sid, dup, 3), WSB_EEXIST);
	assert_int_equal(wsb__fw_rules_build(&set, "u", sid, zero, 1), WSB_ERANGE);
	assert_int_equal(wsb__fw_rules_build(&set, "u", sid, NULL, 2), WSB_EINVAL);
	assert_int_equal(wsb__fw_ports_check(dup, WSB__FW_PORTS_MAX + 1), WSB_ERANGE);
}

static wsb__fw_rule rule(char *addrs, char *ports)
{
	wsb__fw_rule r;

	memset(&r, 0, sizeof(r));
	r.name = "n";
	r.protocol = 6;
	r.active = 1;
	r.user_list = "O:LSD:(A;;CC;;;S-1-5-21-1-2-3-1001)";
	r.remote_addresses = addrs;
	r.remote_ports = ports;
	return r;
}

static void read_back_compares_ranges_not_text(void **state)
{
	wsb__fw_rule a = rule("127.0.0.0-127.255.255.255,::1", "1-79,81-65535");
	wsb__fw_rule b = rule("::1, 127.0.0.0/8", "81-65535,1-79");
	wsb__fw_rule c = rule("127.0.0.0/255.0.0.0,0:0:0:0:0:0:0:1", "1-40,41-79,81-100,101-65535");
	wsb__fw_rule d = rule("127.0.0.0/9,::1", "1-79,81-65535");
	wsb__fw_rule e = rule("127.0.0.0-127.255.255.255,::1", "1-80,81-65535");
	wsb__fw_rule f = rule("127.0.0.0-127.255.255.255,::1", "1-79,81-65535");

	(void)state;
	assert_true(wsb__fw_rule_equal(&a, &b));
	assert_true(wsb__fw_rule_equal(&a, &c));
	assert_false(wsb__fw_rule_equal(&a, &d));
	assert_false(wsb__fw_rule_equal(&a, &e));
	f.user_list = "O:LSD:(A;;CC;;;S-1-5-21-1-2-3-1002)";
	assert_false(wsb__fw_rule_equal(&a, &f));
	f = a;
	f.active = 0;   /* disabled, inbound, allow or not every profile */
	assert_false(wsb__fw_rule_equal(&a, &f));
	f = a;
	f.remote_addresses = "not an address";
	assert_false(wsb__fw_rule_equal(&a, &f));
}

static void remote_rule_covers_everything_but_loopback(void **state)
{
	wsb__fw_ruleset set;
	wsb__fw_rule x;

	(void)state;
	assert_int_equal(wsb__fw_rules_build(&set, "u", sid, NULL, 0), WSB_OK);
	x = set.rules[0];
	x.remote_addresses = "0.0.0.0/1,128.0.0.0/1,::/0";
	assert_false(wsb__fw_rule_equal(&set.rules[0], &x));   /* that one includes loopback */
	x.remote_addresses = "0.0.0.0-126.255.255.255,128.0.0.0/1,::2-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
	assert_true(wsb__fw_rule_equal(&set.rules[0], &x));
	x.remote_addresses = "0.0.0.0-126.255.255.255,128.0.0.0/1,::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
	assert_false(wsb__fw_rule_equal(&set.rules[0], &x));   /* ::1 is loopback */
	wsb__fw_ruleset_dispose(&set);
}

static void journal_text_round_trips(void **state)
{
	wsb__fw_ruleset set;
	wsb__fw_rule back;
	char *text = NULL;

	(void)state;
	assert_int_equal(wsb__fw_rules_build(&set, "wsb offline", sid, NULL, 0), WSB_OK);
	assert_int_equal(wsb__fw_rule_serialize(&text, &set.rules[1]), WSB_OK);
	assert_null(strchr(text, '\n'));
	assert_int_equal(wsb__fw_rule_parse(&back, text), WSB_OK);
	assert_true(wsb__fw_rule_equal(&back, &set.rules[1]));
	assert_string_equal(back.description, set.rules[1].description);
	wsb__fw_rule_dispose(&back);
	assert_int_equal(wsb__fw_rule_parse(&back, "6\t1\tname"), WSB_EJOURNAL);
	wsb__free(text);
	wsb__fw_ruleset_dispose(&set);
}

/* Wine's INetFwPolicy2 stores nothing: setup must not believe a rule
 * exists because Add said S_OK. */
static void wine_firewall_add_then_verify_fails_closed(void **state)
{
	wsb__fw *fw = NULL;
	wsb__fw_ruleset set;
	int rc;

	(void)state;
	rc = wsb__fw_open(&fw);
	if (rc != WSB_OK) {
		/* No firewall COM class at all: also fails closed. */
		assert_int_equal(rc, WSB_EUNAVAIL);
		return;
	}
	assert_int_equal(wsb__fw_rules_build(&set, "wsb-wine-test", sid, NULL, 0), WSB_OK);
	rc = wsb__fw_add(fw, &set.rules[0]);
	if (rc == WSB_OK)
		rc = wsb__fw_verify(fw, &set);
	assert_int_not_equal(rc, WSB_OK);
	assert_non_null(strstr(wsb_error_message(NULL), "firewall"));
	print_message("wine firewall: %s\n", wsb_error_message(NULL));
	wsb__fw_remove(fw, set.rules[0].name);
	wsb__fw_ruleset_dispose(&set);
	wsb__fw_close(fw);
}

static int fail_cocreate(const char *name, unsigned long index, void *ctx)
{
	(void)index;
	(void)ctx;
	return strcmp(name, "CoCreateInstance") == 0;
}

static void firewall_open_reports_a_missing_policy(void **state)
{
	wsb__fw *fw = NULL;

	(void)state;
	wsb__os_set_hook(fail_cocreate, NULL);
	assert_int_equal(wsb__fw_open(&fw), WSB_EUNAVAIL);
	assert_null(fw);
	assert_non_null(strstr(wsb_error_message(NULL), "NetFwPolicy2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(rules_for_no_ports_block_every_loopback_port, reset),
		cmocka_unit_test_setup(allowed_ports_are_cut_out_of_the_loopback_rules, reset),
		cmocka_unit_test_setup(bad_port_lists_are_rejected, reset),
		cmocka_unit_test_setup(read_back_compares_ranges_not_text, reset),
		cmocka_unit_test_setup(remote_rule_covers_everything_but_loopback, reset),
		cmocka_unit_test_setup(journal_text_round_trips, reset),
		cmocka_unit_test_setup(wine_firewall_add_then_verify_fails_closed, reset),
		cmocka_unit_test_setup_teardown(firewall_open_reports_a_missing_policy, reset, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
