/*
 * Many writable roots, over the simulated Windows model: the REAL backend
 * decides and applies its ACEs for up to 1,000 roots and builds its token;
 * the token must stay within Windows' token limits (the seam enforces the
 * SID-count and default-DACL bounds, seam.h) and every root must be
 * writable, every protected name under it not. Random from a seed (props.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "seam.h"
#include "props.h"

#include "win32/win32.h"
#include "core/policy.h"

#define PROFILE "C:\\Users\\u"
#define LOCAL PROFILE "\\AppData\\Local"
#define STATE LOCAL "\\wsandbox"

static void world(void)
{
	wms_options o;

	memset(&o, 0, sizeof(o));
	o.gen_short_names = 1;
	o.localappdata = LOCAL;
	assert_int_equal(wms_install(&o), 0);
	assert_int_equal(wm_fs_create_dir(wms_fs(), wms_caller(), PROFILE "\\AppData", NULL), WM_OK);
	assert_int_equal(wm_fs_create_dir(wms_fs(), wms_caller(), LOCAL, NULL), WM_OK);
	assert_int_equal(wm_fs_create_dir(wms_fs(), wms_caller(), PROFILE "\\src", NULL), WM_OK);
}

static size_t default_dacl_bytes(const wm_token *t)
{
	return t->has_default_dacl ? wm_acl_size(&t->default_dacl) : 0;
}

/* n roots, some with a .git folder; apply, token, then check each root. */
static void many_roots_case(prop_rng *r, size_t n)
{
	wsb_policy *policy = NULL;
	struct wsb_identity id = { WSB_IDENTITY_CURRENT_USER, STATE };
	wsb__w32_decision *d = NULL;
	HANDLE h = NULL;
	const wm_token *tok;
	char p[128];
	unsigned char *git = calloc(n, 1);
	size_t i;
	int rc;

	assert_non_null(git);
	world();
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_set_flags(policy, WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), PROFILE "\\src\\r%lu", (unsigned long)i);
		assert_int_equal(wm_fs_create_dir(wms_fs(), wms_caller(), p, NULL), WM_OK);
		assert_int_equal(wsb_policy_allow_write(policy, p), WSB_OK);
		if (prop_below(r, 4) == 0) {
			git[i] = 1;
			snprintf(p, sizeof(p), PROFILE "\\src\\r%lu\\.git", (unsigned long)i);
			assert_int_equal(wm_fs_create_dir(wms_fs(), wms_caller(), p, NULL), WM_OK);
		}
	}
	rc = wsb__w32_decide(&d, policy, &id, 0, NULL);
	PROP(rc == WSB_OK, "decide with %lu roots: %s", (unsigned long)n, wsb_error_message(NULL));
	rc = wsb__w32_apply(d, STATE);
	PROP(rc == WSB_OK, "apply with %lu roots: %s", (unsigned long)n, wsb_error_message(NULL));
	rc = wsb__token_create(&h, NULL, &d->caps.sids, d->write_restricted);
	PROP(rc == WSB_OK, "token for %lu roots: %s", (unsigned long)n, wsb_error_message(NULL));
	tok = wms_token_of(h);
	assert_non_null(tok);
	PROP(1 + tok->group_count + tok->restricted_count <= WMS_TOKEN_MAX_SIDS,
		"token holds %lu SIDs", (unsigned long)(1 + tok->group_count + tok->restricted_count));
	PROP(tok->restricted_count <= WSB__CAP_PER_ROOT_MAX + 2, "%lu restricting SIDs for %lu roots",
		(unsigned long)tok->restricted_count, (unsigned long)n);
	PROP(tok->has_default_dacl, "no default DACL");
	PROP(default_dacl_bytes(tok) + wm_sid_size(&tok->primary_group) <= WMS_TOKEN_DYNAMIC_BYTES,
		"default DACL of %lu bytes", (unsigned long)default_dacl_bytes(tok));
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), PROFILE "\\src\\r%lu\\new.txt", (unsigned long)i);
		PROP(wm_fs_create_file(wms_fs(), tok, p, NULL) == WM_OK, "create %s", p);
		PROP(wm_fs_write(wms_fs(), tok, p, "x") == WM_OK, "write %s", p);
		if (git[i]) {
			snprintf(p, sizeof(p), PROFILE "\\src\\r%lu\\.git\\HEAD", (unsigned long)i);
			PROP(wm_fs_create_file(wms_fs(), tok, p, NULL) == WM_E_ACCESS, "create %s", p);
		}
	}
	PROP(wm_fs_create_file(wms_fs(), tok, PROFILE "\\src\\outside.txt", NULL) == WM_E_ACCESS,
		"create next to the roots");
	WSB_OS(CloseHandle)(h);
	wsb__w32_decision_free(d);
	wsb_policy_free(policy);
	free(git);
	wms_uninstall();
}

static void run_roots(unsigned cases, size_t fixed)
{
	uint64_t base = prop_base_seed();
	unsigned i, n = prop_cases(cases);

	for (i = 0; i < n; i++) {
		prop_rng r;
		prop_case_seed = base + i;
		r.s = prop_case_seed;
		many_roots_case(&r, fixed ? fixed : 1 + prop_below(&r, 64));
	}
}

static void props_1000_roots_token_within_limits_every_root_writable(void **state)
{
	(void)state;
	run_roots(2, 1000);
}

static void props_random_root_counts_token_within_limits(void **state)
{
	(void)state;
	run_roots(60, 0);
}

/* The limits bite: a token with one capability SID per root for many roots
 * (what the backend avoids by sharing one SID above WSB__CAP_PER_ROOT_MAX)
 * cannot get its default DACL. Shows the seam enforces the bound. */
static void props_token_limit_enforced_for_unbounded_sids(void **state)
{
	wsb__strvec sids;
	HANDLE h = NULL;
	char s[64];
	int i, rc;

	(void)state;
	world();
	memset(&sids, 0, sizeof(sids));
	for (i = 0; i < 40; i++) {
		snprintf(s, sizeof(s), "S-1-5-21-%d-2000000000-3000000000-4000000000", 1000000000 + i);
		assert_int_equal(wsb__strvec_push(&sids, s), WSB_OK);
	}
	rc = wsb__token_create(&h, NULL, &sids, 1);
	assert_int_not_equal(rc, WSB_OK);
	assert_int_equal(wsb_error_os(NULL), ERROR_ALLOTTED_SPACE_EXCEEDED);
	assert_int_equal(wms_open_handles(), 0);
	wsb__strvec_dispose(&sids);
	wms_uninstall();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(props_1000_roots_token_within_limits_every_root_writable),
		cmocka_unit_test(props_random_root_counts_token_within_limits),
		cmocka_unit_test(props_token_limit_enforced_for_unbounded_sids),
	};

	print_message("property seed base: %llu (set WSB_PROPS_SEED to replay)\n",
		(unsigned long long)prop_base_seed());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
