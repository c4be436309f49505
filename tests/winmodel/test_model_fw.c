/* Firewall verdicts: block wins, default outbound allow, user matching by
 * LocalUserAuthorizedList, loopback ports. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "model.h"

#define OFFLINE "S-1-5-21-1-2-3-1101"
#define ONLINE  "S-1-5-21-1-2-3-1102"
#define LUAL    "O:LSD:(A;;CC;;;" OFFLINE ")"

static int verdict(wm_fw *fw, const wm_token *t, int proto, const char *addr, unsigned port)
{
	wm_fw_conn c = { t, WM_FW_OUT, proto, "127.0.0.1", addr, 50000, port };

	if (addr[0] != '1' || addr[1] != '2' || addr[2] != '7') c.local_address = "10.0.0.5";
	if (addr[0] == ':') c.local_address = "::1";
	return wm_fw_verdict(fw, &c);
}

static void offline_user_only_reaches_allowed_loopback_ports(void **state)
{
	wm_fw *fw;
	wm_token off, on;
	wm_sid s1 = wm_sid_of(OFFLINE), s2 = wm_sid_of(ONLINE);
	wm_fw_rule nonloop = { "wsb-block-nonloopback", 1, WM_FW_OUT, WM_FW_BLOCK, WM_PROTO_ANY,
		NULL, "0.0.0.0-126.255.255.255,128.0.0.0-255.255.255.255,::-::0,::2-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		NULL, NULL, LUAL };
	wm_fw_rule looptcp = { "wsb-block-loopback-tcp", 1, WM_FW_OUT, WM_FW_BLOCK, WM_PROTO_TCP,
		NULL, "127.0.0.0/8,::1", NULL, "1-3127,3129-65535", LUAL };

	(void)state;
	wm_token_init(&off, &s1);
	wm_token_init(&on, &s2);
	assert_int_equal(wm_fw_create(&fw), WM_OK);
	assert_int_equal(wm_fw_add(fw, &nonloop), WM_OK);
	assert_int_equal(wm_fw_add(fw, &looptcp), WM_OK);
	assert_int_equal(verdict(fw, &off, WM_PROTO_TCP, "93.184.216.34", 443), WM_FW_BLOCK);
	assert_int_equal(verdict(fw, &off, WM_PROTO_TCP, "127.0.0.1", 8080), WM_FW_BLOCK);
	assert_int_equal(verdict(fw, &off, WM_PROTO_TCP, "127.0.0.1", 3128), WM_FW_ALLOW);
	assert_int_equal(verdict(fw, &off, WM_PROTO_TCP, "::1", 3128), WM_FW_ALLOW);
	assert_int_equal(verdict(fw, &off, WM_PROTO_TCP, "2001:db8::1", 443), WM_FW_BLOCK);
	assert_int_equal(verdict(fw, &on, WM_PROTO_TCP, "93.184.216.34", 443), WM_FW_ALLOW);
	assert_int_equal(verdict(fw, &on, WM_PROTO_TCP, "127.0.0.1", 8080), WM_FW_ALLOW);
	wm_fw_free(fw);
	wm_token_dispose(&off);
	wm_token_dispose(&on);
}

static void block_rule_wins_over_allow_rule(void **state)
{
	wm_fw *fw;
	wm_token u;
	wm_sid s = wm_sid_of(OFFLINE);
	wm_fw_rule allow = { "allow", 1, WM_FW_OUT, WM_FW_ALLOW, WM_PROTO_TCP, NULL, "*", NULL, "443", NULL };
	wm_fw_rule block = { "block", 1, WM_FW_OUT, WM_FW_BLOCK, WM_PROTO_ANY, NULL, "*", NULL, NULL, NULL };

	(void)state;
	wm_token_init(&u, &s);
	wm_fw_create(&fw);
	wm_fw_add(fw, &allow);
	assert_int_equal(verdict(fw, &u, WM_PROTO_TCP, "8.8.8.8", 443), WM_FW_ALLOW);
	wm_fw_add(fw, &block);
	assert_int_equal(verdict(fw, &u, WM_PROTO_TCP, "8.8.8.8", 443), WM_FW_BLOCK);
	block.enabled = 0;
	wm_fw_add(fw, &block);   /* same name replaces */
	assert_int_equal(wm_fw_count(fw), 2);
	assert_int_equal(verdict(fw, &u, WM_PROTO_TCP, "8.8.8.8", 443), WM_FW_ALLOW);
	wm_fw_free(fw);
	wm_token_dispose(&u);
}

static void bad_rule_is_refused(void **state)
{
	wm_fw *fw;
	wm_fw_rule r = { "bad", 1, WM_FW_OUT, WM_FW_BLOCK, WM_PROTO_TCP, NULL, "300.1.1.1", NULL, NULL, NULL };

	(void)state;
	wm_fw_create(&fw);
	assert_int_equal(wm_fw_add(fw, &r), WM_E_INVALID);
	r.remote_addresses = "*";
	r.remote_ports = "70000";
	assert_int_equal(wm_fw_add(fw, &r), WM_E_INVALID);
	r.remote_ports = NULL;
	r.local_user_authorized_list = "O:LSD:(X;;CC;;;WD)";
	assert_int_equal(wm_fw_add(fw, &r), WM_E_INVALID);
	assert_int_equal(wm_fw_count(fw), 0);
	wm_fw_free(fw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offline_user_only_reaches_allowed_loopback_ports),
		cmocka_unit_test(block_rule_wins_over_allow_rule),
		cmocka_unit_test(bad_rule_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
