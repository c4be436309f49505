/*
 * The sandbox's temp folder, over the simulated Windows model: the REAL
 * backend decides and applies its ACEs and builds its token; a process with
 * that token must not be able to write the user's real %TEMP% (a folder
 * unsandboxed programs share: a DLL or script planted there runs outside the
 * sandbox), must be able to write its own temp folder under it, which TEMP
 * and TMP name, and revert must take that grant away again. Random roots
 * from a seed (props.h).
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
#define TEMPDIR LOCAL "\\Temp"
#define FS wms_fs()

static void world(void)
{
	wms_options o;

	memset(&o, 0, sizeof(o));
	o.gen_short_names = 1;
	o.temp = TEMPDIR;
	o.localappdata = LOCAL;
	assert_int_equal(wms_install(&o), 0);
	assert_int_equal(wm_fs_create_dir(FS, wms_caller(), PROFILE "\\AppData", NULL), WM_OK);
	assert_int_equal(wm_fs_create_dir(FS, wms_caller(), LOCAL, NULL), WM_OK);
	assert_int_equal(wm_fs_create_dir(FS, wms_caller(), TEMPDIR, NULL), WM_OK);
	assert_int_equal(wm_fs_create_file(FS, wms_caller(), TEMPDIR "\\tool.dll", NULL), WM_OK);
	assert_int_equal(wm_fs_create_dir(FS, wms_caller(), PROFILE "\\src", NULL), WM_OK);
}

/* The value the decision gives the child for name, or NULL. */
static const char *env_of(const wsb__w32_decision *d, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < d->env_extra.count; i++)
		if (_strnicmp(d->env_extra.items[i], name, n) == 0 && d->env_extra.items[i][n] == '=')
			return d->env_extra.items[i] + n + 1;
	return NULL;
}

static int sd_bin(const char *path, uint8_t **bin, size_t *len)
{
	const wm_sd *sd = wm_fs_peek_sd(FS, path, WM_OPEN_REPARSE_POINT);

	return sd ? wm_sd_to_bin(bin, len, sd) : WM_E_NOT_FOUND;
}

/* A random policy: workspace-write with 1-12 roots (more than
 * WSB__CAP_PER_ROOT_MAX share one capability SID) or read-only. */
static wsb_policy *random_policy(prop_rng *r, unsigned flags)
{
	wsb_policy *policy = NULL;
	char p[128];
	unsigned i, n = prop_below(r, 13);

	assert_int_equal(wsb_policy_create(&policy, n ? WSB_MODE_WORKSPACE_WRITE : WSB_MODE_READ_ONLY), WSB_OK);
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), PROFILE "\\src\\r%u", i);
		if (!wm_fs_exists(FS, p))
			assert_int_equal(wm_fs_create_dir(FS, wms_caller(), p, NULL), WM_OK);
		assert_int_equal(wsb_policy_allow_write(policy, p), WSB_OK);
	}
	if (flags)
		assert_int_equal(wsb_policy_set_flags(policy, flags), WSB_OK);
	return policy;
}

static void temp_case(prop_rng *r)
{
	struct wsb_identity id = { WSB_IDENTITY_CURRENT_USER, STATE };
	wsb__w32_decision *d = NULL, *again = NULL;
	wsb_policy *policy;
	const char *tmp, *tmp2;
	const wm_token *tok;
	HANDLE h = NULL;
	uint8_t *before = NULL, *after = NULL;
	size_t blen = 0, alen = 0, i;
	char p[400];
	int rc;

	world();
	policy = random_policy(r, 0);
	assert_int_equal(sd_bin(TEMPDIR, &before, &blen), WM_OK);
	rc = wsb__w32_decide(&d, policy, &id, 0, NULL);
	PROP(rc == WSB_OK, "decide: %s", wsb_error_message(NULL));
	tmp = env_of(d, "TEMP");
	PROP(tmp == NULL || !wm_fs_exists(FS, tmp), "decide created %s", tmp);
	rc = wsb__w32_apply(d, STATE);
	PROP(rc == WSB_OK, "apply: %s", wsb_error_message(NULL));
	rc = wsb__token_create(&h, NULL, &d->caps.sids, d->write_restricted);
	PROP(rc == WSB_OK, "token: %s", wsb_error_message(NULL));
	tok = wms_token_of(h);
	assert_non_null(tok);

	/* The user's %TEMP%: no new file, no overwrite, no new folder, and its
	 * descriptor as it was. */
	PROP(wm_fs_create_file(FS, tok, TEMPDIR "\\evil.dll", NULL) == WM_E_ACCESS, "create in %%TEMP%%");
	PROP(wm_fs_write(FS, tok, TEMPDIR "\\tool.dll", "evil") == WM_E_ACCESS, "overwrite in %%TEMP%%");
	PROP(wm_fs_create_dir(FS, tok, TEMPDIR "\\evil", NULL) == WM_E_ACCESS, "mkdir in %%TEMP%%");
	assert_int_equal(sd_bin(TEMPDIR, &after, &alen), WM_OK);
	PROP(alen == blen && memcmp(after, before, blen) == 0, "%%TEMP%%'s descriptor changed");
	free(after);

	/* TEMP and TMP name the sandbox's own folder, which apply made. */
	tmp2 = env_of(d, "TMP");
	PROP(tmp != NULL && tmp2 != NULL, "TEMP/TMP not set for the child");
	PROP(strcmp(tmp, tmp2) == 0, "TEMP %s and TMP %s differ", tmp, tmp2);
	PROP(_strnicmp(tmp, TEMPDIR "\\wsb-", strlen(TEMPDIR "\\wsb-")) == 0, "temp folder %s", tmp);
	PROP(wm_fs_kind(FS, tmp, WM_OPEN_REPARSE_POINT) == WM_KIND_DIR, "%s not made", tmp);

	/* Its own: create, write, mkdir, delete. */
	snprintf(p, sizeof(p), "%s\\t%u.tmp", tmp, prop_below(r, 1000));
	PROP(wm_fs_create_file(FS, tok, p, NULL) == WM_OK, "create %s", p);
	PROP(wm_fs_write(FS, tok, p, "x") == WM_OK, "write %s", p);
	PROP(wm_fs_delete(FS, tok, p) == WM_OK, "delete %s", p);
	snprintf(p, sizeof(p), "%s\\d%u", tmp, prop_below(r, 1000));
	PROP(wm_fs_create_dir(FS, tok, p, NULL) == WM_OK, "mkdir %s", p);

	/* The same policy again: the same folder, nothing left to write. */
	rc = wsb__w32_decide(&again, policy, &id, 0, NULL);
	PROP(rc == WSB_OK, "decide again: %s", wsb_error_message(NULL));
	PROP(env_of(again, "TEMP") && strcmp(env_of(again, "TEMP"), tmp) == 0, "another temp folder");
	for (i = 0; i < again->ace_count; i++)
		PROP(again->aces[i].present, "ACE on %s missing again", again->aces[i].path);
	wsb__w32_decision_free(again);

	/* Revert takes the grant away: the same token may no longer write. */
	PROP(wsb__journal_revert(STATE) == WSB_OK, "revert: %s", wsb_error_message(NULL));
	snprintf(p, sizeof(p), "%s\\after.tmp", tmp);
	PROP(wm_fs_create_file(FS, tok, p, NULL) == WM_E_ACCESS, "create %s after revert", p);

	WSB_OS(CloseHandle)(h);
	free(before);
	wsb__w32_decision_free(d);
	wsb_policy_free(policy);
	wms_uninstall();
}

/* WSB_POLICY_NO_TEMP_WRITE: no temp folder, no TEMP for the child, and
 * %TEMP% stays closed. */
static void no_temp_case(prop_rng *r)
{
	struct wsb_identity id = { WSB_IDENTITY_CURRENT_USER, STATE };
	wsb__w32_decision *d = NULL;
	wsb_policy *policy;
	const wm_token *tok;
	HANDLE h = NULL;
	size_t i;
	int rc;

	world();
	policy = random_policy(r, WSB_POLICY_NO_TEMP_WRITE);
	rc = wsb__w32_decide(&d, policy, &id, 0, NULL);
	PROP(rc == WSB_OK, "decide: %s", wsb_error_message(NULL));
	PROP(env_of(d, "TEMP") == NULL && env_of(d, "TMP") == NULL, "TEMP set without temp write");
	for (i = 0; i < d->ace_count; i++)
		PROP(_strnicmp(d->aces[i].path, TEMPDIR, strlen(TEMPDIR)) != 0, "ACE on %s", d->aces[i].path);
	PROP(wsb__w32_apply(d, STATE) == WSB_OK, "apply: %s", wsb_error_message(NULL));
	rc = wsb__token_create(&h, NULL, &d->caps.sids, d->write_restricted);
	PROP(rc == WSB_OK, "token: %s", wsb_error_message(NULL));
	tok = wms_token_of(h);
	PROP(wm_fs_create_file(FS, tok, TEMPDIR "\\evil.dll", NULL) == WM_E_ACCESS, "create in %%TEMP%%");
	WSB_OS(CloseHandle)(h);
	wsb__w32_decision_free(d);
	wsb_policy_free(policy);
	wms_uninstall();
}

static void run(void (*fn)(prop_rng *), unsigned dflt)
{
	uint64_t base = prop_base_seed();
	unsigned i, n = prop_cases(dflt);

	for (i = 0; i < n; i++) {
		prop_rng r;
		prop_case_seed = base + i;
		r.s = prop_case_seed;
		fn(&r);
	}
}

static void props_real_temp_closed_private_temp_open_revert_closes_it(void **state)
{
	(void)state;
	run(temp_case, 40);
}

static void props_no_temp_write_means_no_temp_grant(void **state)
{
	(void)state;
	run(no_temp_case, 20);
}

/* A junction planted where the temp folder goes would carry the grant
 * elsewhere: decide refuses it and nothing is written. */
static void a_junction_at_the_temp_folder_is_refused(void **state)
{
	struct wsb_identity id = { WSB_IDENTITY_CURRENT_USER, STATE };
	wsb__w32_decision *d = NULL;
	wsb_policy *policy = NULL;
	char tmp[400];

	(void)state;
	world();
	assert_int_equal(wm_fs_create_dir(FS, wms_caller(), PROFILE "\\startup", NULL), WM_OK);
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_READ_ONLY), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, &id, 0, NULL), WSB_OK);
	assert_non_null(env_of(d, "TEMP"));
	snprintf(tmp, sizeof(tmp), "%s", env_of(d, "TEMP"));
	wsb__w32_decision_free(d);
	assert_int_equal(wm_fs_create_link(FS, wms_caller(), tmp, WM_REPARSE_JUNCTION, PROFILE "\\startup"),
		WM_OK);
	d = NULL;
	assert_int_equal(wsb__w32_decide(&d, policy, &id, 0, NULL), WSB_EACCES);
	assert_null(d);
	assert_non_null(strstr(wsb_error_message(NULL), "not a plain folder"));
	assert_false(wm_fs_exists(FS, STATE "\\journal"));
	wsb_policy_free(policy);
	wms_uninstall();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(props_real_temp_closed_private_temp_open_revert_closes_it),
		cmocka_unit_test(props_no_temp_write_means_no_temp_grant),
		cmocka_unit_test(a_junction_at_the_temp_folder_is_refused),
	};

	print_message("property seed base: %llu (set WSB_PROPS_SEED to replay)\n",
		(unsigned long long)prop_base_seed());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
