/*
 * World-writable folders, over the simulated Windows model. Everyone, Users
 * and Authenticated Users are matched by the sandbox token's restricting
 * SIDs (Everyone) or its normal groups, so a folder they may write is
 * writable by the sandbox unless the backend's audit finds it and denies it.
 * The REAL backend runs its audit (wsb__w32_decide with the audit, through
 * FindFirstFileW / GetNamedSecurityInfoW on the model), applies, and builds
 * its token; each random case then checks, for the folders the audit is
 * documented to examine (the current directory and its children, TEMP, TMP,
 * USERPROFILE, PUBLIC, PATH entries, the system drive's root, the Windows
 * folder):
 *  - with WSB_POLICY_DENY_WORLD_WRITABLE every such folder outside the roots
 *    is found and the sandbox can neither create nor write in it;
 *  - without it the sandbox can write where Everyone may (the hazard is
 *    real: the check can fail), not where only Users / Authenticated Users
 *    may (they are not restricting SIDs);
 *  - with WSB_POLICY_REFUSE_WORLD_WRITABLE decide refuses.
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
#include "core/path.h"

#define PROFILE "C:\\Users\\u"
#define LOCAL PROFILE "\\AppData\\Local"
#define STATE LOCAL "\\wsandbox"
#define SRC PROFILE "\\src"

static const char *const env[] = {
	"USERPROFILE=" PROFILE, "PUBLIC=C:\\Users\\Public", "PATH=C:\\tools;C:\\Windows\\System32",
	"SystemDrive=C:", "TMP=" LOCAL "\\Temp", NULL
};

/* Candidates the audit examines and that the harness may open to the world. */
static const char *const candidates[] = {
	"C:\\tools", "C:\\Users\\Public", SRC "\\shared", SRC "\\cache", LOCAL "\\Temp"
};
#define NCAND (sizeof(candidates) / sizeof(candidates[0]))

static const char *const world_sids[] = { "S-1-1-0", "S-1-5-32-545", "S-1-5-11" };

static void mkdir_sys(const char *p)
{
	assert_int_equal(wm_fs_create_dir(wms_fs(), NULL, p, NULL), WM_OK);
}

static void mkdir_user(const char *p)
{
	assert_int_equal(wm_fs_create_dir(wms_fs(), wms_caller(), p, NULL), WM_OK);
}

/* Give a world SID write access to a folder (inheritable or not). */
static int open_to_world(prop_rng *r, const char *p)
{
	wm_sd sd;
	unsigned which = prop_below(r, 3);
	wm_sid s = wm_sid_of(world_sids[which]);
	uint32_t mask = prop_below(r, 2) ? WM_FILE_ALL_ACCESS : (WM_FILE_GENERIC_READ | WM_FILE_GENERIC_WRITE);

	wm_sd_init(&sd);
	sd.control = WM_SE_DACL_PRESENT;
	sd.dacl.revision = 2;
	assert_int_equal(wm_acl_add(&sd.dacl, WM_ACE_ALLOWED, prop_below(r, 3) ? WM_OI | WM_CI : 0, mask, &s), WM_OK);
	assert_int_equal(wm_fs_set_sd(wms_fs(), NULL, p, WM_DACL_SI, &sd), WM_OK);
	wm_sd_dispose(&sd);
	return which == 0;
}

typedef struct world_case {
	int open[NCAND];
	int everyone[NCAND];   /* opened to Everyone (a restricting SID) */
	int default_root;      /* C:\ as Windows installs it */
	size_t nroots;
} world_case;

static void build(prop_rng *r, world_case *c)
{
	wms_options o;
	char p[128];
	size_t i;

	memset(&o, 0, sizeof(o));
	o.env = env;
	o.localappdata = LOCAL;
	o.temp = LOCAL "\\Temp";
	o.cwd = SRC;
	o.windir = "C:\\Windows";
	/* Half the cases keep Windows' default C:\ (Authenticated Users may
	 * create folders there), half a C:\ without that ACE. */
	c->default_root = (int)prop_below(r, 2);
	if (!c->default_root)
		o.root_sddl = "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)";
	assert_int_equal(wms_install(&o), 0);
	mkdir_sys("C:\\Windows");
	mkdir_sys("C:\\Windows\\System32");
	mkdir_sys("C:\\tools");
	mkdir_sys("C:\\Users\\Public");
	mkdir_user(PROFILE "\\AppData");
	mkdir_user(LOCAL);
	mkdir_user(LOCAL "\\Temp");
	mkdir_user(SRC);
	mkdir_user(SRC "\\shared");
	mkdir_user(SRC "\\cache");
	c->nroots = 1 + prop_below(r, 3);
	for (i = 0; i < c->nroots; i++) {
		snprintf(p, sizeof(p), SRC "\\r%lu", (unsigned long)i);
		mkdir_user(p);
	}
	for (i = 0; i < NCAND; i++) {
		c->open[i] = prop_below(r, 2);
		c->everyone[i] = 0;
		if (c->open[i])
			c->everyone[i] = open_to_world(r, candidates[i]);
	}
}

static void policy_for(wsb_policy **out, const world_case *c, unsigned flags)
{
	char p[128];
	size_t i;

	assert_int_equal(wsb_policy_create(out, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	/* TEMP stays a root only when the case leaves it closed: a writable
	 * root is writable by design, world or not. */
	assert_int_equal(wsb_policy_set_flags(*out, flags | WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	for (i = 0; i < c->nroots; i++) {
		snprintf(p, sizeof(p), SRC "\\r%lu", (unsigned long)i);
		assert_int_equal(wsb_policy_allow_write(*out, p), WSB_OK);
	}
}

static int found(const wsb__w32_decision *d, const char *dir)
{
	size_t i;

	for (i = 0; i < d->world_writable.count; i++)
		if (wsb__path_cmp(d->world_writable.items[i], dir, WSB__PATH_WIN) == 0)
			return 1;
	return 0;
}

/* Can the sandbox drop a file or folder in dir? (A file it creates is
 * opened with the access it asked for, so creating is writing.) */
static int writable(const wm_token *t, const char *dir, unsigned n)
{
	char p[160];

	snprintf(p, sizeof(p), "%s\\probe%u.txt", dir, n);
	if (wm_fs_create_file(wms_fs(), t, p, NULL) == WM_OK)
		return 1;
	snprintf(p, sizeof(p), "%s\\probe%u.d", dir, n);
	return wm_fs_create_dir(wms_fs(), t, p, NULL) == WM_OK;
}

static void sd_bin(const char *path, uint8_t **bin, size_t *len)
{
	const wm_sd *sd = wm_fs_peek_sd(wms_fs(), path, 0);

	assert_non_null(sd);
	assert_int_equal(wm_sd_to_bin(bin, len, sd), WM_OK);
}

static unsigned fail_closed, audit_cases, root_fail, deny_default_root, deny_default_root_ok;

static void audit_case(prop_rng *r)
{
	uint8_t *before[NCAND];
	size_t before_len[NCAND];
	world_case c;
	wsb_policy *policy = NULL;
	struct wsb_identity id = { WSB_IDENTITY_CURRENT_USER, STATE };
	wsb__w32_decision *d = NULL;
	HANDLE h = NULL;
	const wm_token *tok;
	int deny = (int)prop_below(r, 2), rc;
	unsigned k = 0;
	size_t i;

	audit_cases++;
	build(r, &c);
	deny_default_root += deny && c.default_root;
	policy_for(&policy, &c, deny ? WSB_POLICY_DENY_WORLD_WRITABLE : 0);
	rc = wsb__w32_decide(&d, policy, &id, 1, NULL);
	PROP(rc == WSB_OK, "decide: %s", wsb_error_message(NULL));
	for (i = 0; i < NCAND; i++)
		sd_bin(candidates[i], &before[i], &before_len[i]);
	rc = wsb__w32_apply(d, STATE);
	if (rc != WSB_OK) {
		/* A world-writable folder the user may not re-ACL (no WRITE_DAC):
		 * the deny cannot be placed, so apply must fail closed, naming
		 * the folder, with nothing left behind. */
		int why = 0;
		PROP(deny && rc == WSB_EACCES, "apply: %s", wsb_error_message(NULL));
		for (i = 0; i < d->world_writable.count; i++) {
			uint32_t g;
			char named[300];
			snprintf(named, sizeof(named), "of %s", d->world_writable.items[i]);
			if (wm_fs_open(wms_fs(), wms_caller(), d->world_writable.items[i], WM_WRITE_DAC, 0, &g) != WM_OK &&
					strstr(wsb_error_message(NULL), named))
				why = 1;
		}
		{
			const char *m = wsb_error_message(NULL);
			size_t ml = strlen(m);
			if (ml >= 6 && strcmp(m + ml - 6, "of C:\\") == 0)
				root_fail += c.default_root;
		}
		for (i = 0; i < NCAND; i++) {
			uint8_t *now;
			size_t len;
			sd_bin(candidates[i], &now, &len);
			PROP(len == before_len[i] && memcmp(now, before[i], len) == 0,
				"%s changed by a failed apply", candidates[i]);
			free(now);
		}
		PROP(why, "apply failed for another reason: %s", wsb_error_message(NULL));
		fail_closed++;
		goto done;
	}
	PROP(wsb__token_create(&h, NULL, &d->caps.sids, d->write_restricted) == WSB_OK, "token: %s",
		wsb_error_message(NULL));
	tok = wms_token_of(h);
	assert_non_null(tok);
	deny_default_root_ok += deny && c.default_root;
	for (i = 0; i < NCAND; i++) {
		if (!c.open[i]) {
			PROP(!writable(tok, candidates[i], k++), "closed %s writable", candidates[i]);
			continue;
		}
		if (deny) {
			PROP(found(d, candidates[i]), "audit missed world-writable %s", candidates[i]);
			PROP(!writable(tok, candidates[i], k++), "world-writable %s still writable", candidates[i]);
		} else if (c.everyone[i]) {
			PROP(writable(tok, candidates[i], k++), "Everyone-writable %s not writable without the deny "
				"option (the test would prove nothing)", candidates[i]);
		} else {
			/* Users / Authenticated Users are not restricting SIDs: the
			 * write-restricted pass never matches them. */
			PROP(!writable(tok, candidates[i], k++), "Users-writable %s writable", candidates[i]);
		}
	}
	for (i = 0; i < c.nroots; i++) {
		char p[64];
		snprintf(p, sizeof(p), SRC "\\r%lu", (unsigned long)i);
		PROP(writable(tok, p, k++), "root %s not writable", p);
	}
	WSB_OS(CloseHandle)(h);
done:
	for (i = 0; i < NCAND; i++)
		free(before[i]);
	wsb__w32_decision_free(d);
	wsb_policy_free(policy);
	wms_uninstall();
}

static void refuse_case(prop_rng *r)
{
	world_case c;
	wsb_policy *policy = NULL;
	struct wsb_identity id = { WSB_IDENTITY_CURRENT_USER, STATE };
	wsb__w32_decision *d = NULL;
	int any = 0, rc;
	size_t i;

	build(r, &c);
	for (i = 0; i < NCAND; i++)
		any |= c.open[i];
	/* Windows' default C:\ lets Authenticated Users create folders: the
	 * audit counts that as world-writable (docs/windows-model.md). */
	any |= c.default_root;
	policy_for(&policy, &c, WSB_POLICY_REFUSE_WORLD_WRITABLE);
	rc = wsb__w32_decide(&d, policy, &id, 1, NULL);
	if (any)
		PROP(rc == WSB_EWORLDWRITABLE, "decide gave %d with a world-writable folder", rc);
	else
		PROP(rc == WSB_OK, "decide: %s", wsb_error_message(NULL));
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

static void props_world_writable_found_and_denied(void **state)
{
	(void)state;
	fail_closed = audit_cases = root_fail = deny_default_root = deny_default_root_ok = 0;
	run(audit_case, 200);
	print_message("%u of %u cases failed closed (a world-writable folder the user cannot re-ACL); "
		"%u of the %u deny cases on Windows' default C:\\ failed on C:\\ itself, %u applied\n",
		fail_closed, audit_cases, root_fail, deny_default_root, deny_default_root_ok);
}

static void props_world_writable_refused(void **state)
{
	(void)state;
	run(refuse_case, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(props_world_writable_found_and_denied),
		cmocka_unit_test(props_world_writable_refused),
	};

	print_message("property seed base: %llu (set WSB_PROPS_SEED to replay)\n",
		(unsigned long long)prop_base_seed());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
