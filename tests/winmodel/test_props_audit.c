/*
 * World-writable folders, over the simulated Windows model. The sandbox
 * token is WRITE_RESTRICTED: a write must pass the normal check AND a second
 * check against the restricting SIDs alone (capability SIDs, logon SID,
 * Everyone). So which folders the sandbox may write outside its roots is
 * not assumed here: each case asks the model. Folders the audit is
 * documented to examine (the current directory and its children, TEMP,
 * TMP, USERPROFILE, PUBLIC, PATH entries, the system drive's root, the
 * Windows folder) are randomly opened to Everyone, the logon SID, Users,
 * Authenticated Users, INTERACTIVE or ANONYMOUS LOGON, and C:\ is Windows'
 * default (Authenticated Users may create folders), closed, or open to
 * Everyone. The REAL backend then runs (wsb__audit_find, wsb__w32_decide with
 * the audit, wsb__w32_apply, wsb__token_create, through the seam) and:
 *  - the folders the sandbox may write without the deny option (the model's
 *    verdict with the token the backend built) are exactly the audit's
 *    findings: Everyone and the logon SID, never Users, Authenticated Users,
 *    INTERACTIVE or ANONYMOUS (those are listed as not exploitable);
 *  - with WSB_POLICY_DENY_WORLD_WRITABLE apply succeeds unless a real hole
 *    cannot be re-ACLed by the user, then it fails closed naming it with no
 *    descriptor changed; when it succeeds the sandbox writes none of them
 *    and every root; folders that are no hole are left untouched (so
 *    Windows' default C:\ no longer makes every spawn fail);
 *  - with WSB_POLICY_REFUSE_WORLD_WRITABLE decide refuses exactly when a
 *    real hole exists.
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

/* Principals the harness opens folders to; the first two are restricting
 * SIDs of every sandbox token. */
static const char *const world_sids[] = {
	"S-1-1-0", WMS_LOGON_SID, "S-1-5-32-545", "S-1-5-11", "S-1-5-4", "S-1-5-7"
};
#define NRESTRICTING 2

/* C:\ without Authenticated Users' create-folder ACE, and open to Everyone. */
#define ROOT_CLOSED "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)"
#define ROOT_EVERYONE ROOT_CLOSED "(A;;0x4;;;WD)"

static void mkdir_sys(const char *p)
{
	assert_int_equal(wm_fs_create_dir(wms_fs(), NULL, p, NULL), WM_OK);
}

static void mkdir_user(const char *p)
{
	assert_int_equal(wm_fs_create_dir(wms_fs(), wms_caller(), p, NULL), WM_OK);
}

/* Give one of world_sids write access to a folder (inheritable or not;
 * full control, read/write, or create-folders only as C:\ has it). */
static int open_to_world(prop_rng *r, const char *p)
{
	static const uint32_t masks[] = {
		WM_FILE_ALL_ACCESS, WM_FILE_GENERIC_READ | WM_FILE_GENERIC_WRITE, 0x4
	};
	wm_sd sd;
	unsigned which = prop_below(r, sizeof(world_sids) / sizeof(world_sids[0]));
	wm_sid s = wm_sid_of(world_sids[which]);
	uint32_t mask = masks[prop_below(r, 3)];

	wm_sd_init(&sd);
	sd.control = WM_SE_DACL_PRESENT;
	sd.dacl.revision = 2;
	assert_int_equal(wm_acl_add(&sd.dacl, WM_ACE_ALLOWED, prop_below(r, 3) ? WM_OI | WM_CI : 0, mask, &s), WM_OK);
	assert_int_equal(wm_fs_set_sd(wms_fs(), NULL, p, WM_DACL_SI, &sd), WM_OK);
	wm_sd_dispose(&sd);
	return which < NRESTRICTING;
}

/* The folders a case asserts about: the candidates and C:\. */
#define NDIRS (NCAND + 1)
static const char *dir_at(size_t i)
{
	return i < NCAND ? candidates[i] : "C:\\";
}

typedef struct world_case {
	int open[NDIRS];        /* opened to some principal */
	int restricting[NDIRS]; /* ... to a restricting SID */
	int default_root;       /* C:\ as Windows installs it */
	size_t nroots;
} world_case;

static void build(prop_rng *r, world_case *c)
{
	wms_options o;
	char p[128];
	size_t i;
	unsigned root = prop_below(r, 4);

	memset(&o, 0, sizeof(o));
	o.env = env;
	o.localappdata = LOCAL;
	o.temp = LOCAL "\\Temp";
	o.cwd = SRC;
	o.windir = "C:\\Windows";
	/* Half the cases keep Windows' default C:\ (Authenticated Users may
	 * create folders there), a quarter close it, a quarter open it to
	 * Everyone (a real hole the user cannot re-ACL). */
	c->default_root = root < 2;
	o.root_sddl = root == 2 ? ROOT_CLOSED : root == 3 ? ROOT_EVERYONE : NULL;
	memset(c->open, 0, sizeof(c->open));
	memset(c->restricting, 0, sizeof(c->restricting));
	c->open[NCAND] = root != 2;
	c->restricting[NCAND] = root == 3;
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
		if (c->open[i])
			c->restricting[i] = open_to_world(r, candidates[i]);
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

	const char *sep = dir[strlen(dir) - 1] == '\\' ? "" : "\\";

	snprintf(p, sizeof(p), "%s%sprobe%u.txt", dir, sep, n);
	if (wm_fs_create_file(wms_fs(), t, p, NULL) == WM_OK)
		return 1;
	snprintf(p, sizeof(p), "%s%sprobe%u.d", dir, sep, n);
	return wm_fs_create_dir(wms_fs(), t, p, NULL) == WM_OK;
}

static void sd_bin(const char *path, uint8_t **bin, size_t *len)
{
	const wm_sd *sd = wm_fs_peek_sd(wms_fs(), path, 0);

	assert_non_null(sd);
	assert_int_equal(wm_sd_to_bin(bin, len, sd), WM_OK);
}

static int listed(const wsb__strvec *v, const char *dir)
{
	size_t i;

	for (i = 0; i < v->count; i++)
		if (wsb__path_cmp(v->items[i], dir, WSB__PATH_WIN) == 0)
			return 1;
	return 0;
}

static unsigned cases, fail_closed, deny_default_root, deny_default_root_ok, groups_noted;
static unsigned k;   /* probe names */

/* The model's verdict: which of the folders the sandbox may write when the
 * backend applied its policy without the deny option. */
static void holes_by_the_model(int hole[NDIRS], const world_case *c)
{
	wsb_policy *policy = NULL;
	struct wsb_identity id = { WSB_IDENTITY_CURRENT_USER, STATE };
	wsb__w32_decision *d = NULL;
	HANDLE h = NULL;
	const wm_token *tok;
	size_t i;

	policy_for(&policy, c, 0);
	PROP(wsb__w32_decide(&d, policy, &id, 1, NULL) == WSB_OK, "decide: %s", wsb_error_message(NULL));
	PROP(wsb__w32_apply(d, STATE) == WSB_OK, "apply: %s", wsb_error_message(NULL));
	PROP(wsb__token_create(&h, NULL, &d->caps.sids, d->write_restricted) == WSB_OK, "token: %s",
		wsb_error_message(NULL));
	tok = wms_token_of(h);
	assert_non_null(tok);
	for (i = 0; i < NDIRS; i++) {
		hole[i] = writable(tok, dir_at(i), k++);
		/* The derivation the audit rests on: a grant is usable by the
		 * sandbox exactly when it names a restricting SID. */
		PROP(hole[i] == c->restricting[i], "%s: the model says %s, the folder was opened to %s",
			dir_at(i), hole[i] ? "writable" : "not writable",
			!c->open[i] ? "nobody" : c->restricting[i] ? "a restricting SID" : "a non-restricting group");
	}
	WSB_OS(CloseHandle)(h);
	wsb__w32_decision_free(d);
	wsb_policy_free(policy);
}

/* The audit's findings are the model's holes; everything else opened to a
 * group the caller holds is listed as not exploitable. */
static void audit_matches_the_model(const int hole[NDIRS], const world_case *c)
{
	wsb_policy *policy = NULL;
	wsb__audit a;
	size_t i;

	policy_for(&policy, c, 0);
	PROP(wsb__audit_find(&a, policy, NULL, 0, 0) == WSB_OK, "audit: %s", wsb_error_message(NULL));
	for (i = 0; i < NDIRS; i++) {
		PROP(listed(&a.holes, dir_at(i)) == hole[i], "audit %s %s, the model says %s", dir_at(i),
			listed(&a.holes, dir_at(i)) ? "flags" : "misses", hole[i] ? "writable" : "not writable");
		if (hole[i])
			PROP(!listed(&a.groups_only, dir_at(i)), "%s both a hole and not exploitable", dir_at(i));
	}
	if (c->default_root && !hole[NCAND])
		PROP(listed(&a.groups_only, "C:\\"), "Windows' default C:\\ not listed as not exploitable");
	groups_noted += (unsigned)a.groups_only.count;
	wsb__audit_dispose(&a);
	wsb_policy_free(policy);
}

static void deny_case(const int hole[NDIRS], const world_case *c)
{
	uint8_t *before[NDIRS];
	size_t before_len[NDIRS];
	wsb_policy *policy = NULL;
	struct wsb_identity id = { WSB_IDENTITY_CURRENT_USER, STATE };
	wsb__w32_decision *d = NULL;
	HANDLE h = NULL;
	const wm_token *tok;
	int stuck = 0, rc;
	size_t i;

	deny_default_root += c->default_root;
	policy_for(&policy, c, WSB_POLICY_DENY_WORLD_WRITABLE);
	rc = wsb__w32_decide(&d, policy, &id, 1, NULL);
	PROP(rc == WSB_OK, "decide: %s", wsb_error_message(NULL));
	for (i = 0; i < NDIRS; i++) {
		uint32_t g;
		PROP(found(d, dir_at(i)) == hole[i], "decide %s %s, the model says %s", dir_at(i),
			found(d, dir_at(i)) ? "denies" : "leaves", hole[i] ? "writable" : "not writable");
		sd_bin(dir_at(i), &before[i], &before_len[i]);
		if (hole[i] && wm_fs_open(wms_fs(), wms_caller(), dir_at(i), WM_WRITE_DAC, 0, &g) != WM_OK)
			stuck = 1;
	}
	rc = wsb__w32_apply(d, STATE);
	/* Apply fails exactly when a real hole cannot be re-ACLed by the user. */
	PROP((rc != WSB_OK) == stuck, "apply: %d (%s), a hole the user cannot re-ACL: %s", rc,
		rc ? wsb_error_message(NULL) : "ok", stuck ? "yes" : "no");
	if (rc != WSB_OK) {
		int named = 0;
		PROP(rc == WSB_EACCES, "apply: %s", wsb_error_message(NULL));
		for (i = 0; i < NDIRS; i++) {
			char of[300];
			snprintf(of, sizeof(of), "of %s", dir_at(i));
			if (hole[i] && strstr(wsb_error_message(NULL), of))
				named = 1;
		}
		PROP(named, "the failure names no hole: %s", wsb_error_message(NULL));
		fail_closed++;
	} else {
		PROP(wsb__token_create(&h, NULL, &d->caps.sids, d->write_restricted) == WSB_OK, "token: %s",
			wsb_error_message(NULL));
		tok = wms_token_of(h);
		assert_non_null(tok);
		deny_default_root_ok += c->default_root;
		for (i = 0; i < NDIRS; i++)
			PROP(!writable(tok, dir_at(i), k++), "%s writable with the deny option", dir_at(i));
		for (i = 0; i < c->nroots; i++) {
			char p[64];
			snprintf(p, sizeof(p), SRC "\\r%lu", (unsigned long)i);
			PROP(writable(tok, p, k++), "root %s not writable", p);
		}
		WSB_OS(CloseHandle)(h);
	}
	/* A folder that is no hole is never re-ACLed; after a failed apply no
	 * folder is. */
	for (i = 0; i < NDIRS; i++) {
		uint8_t *now;
		size_t len;
		if (hole[i] && rc == WSB_OK) {
			free(before[i]);
			continue;
		}
		sd_bin(dir_at(i), &now, &len);
		PROP(len == before_len[i] && memcmp(now, before[i], len) == 0, "%s re-ACLed (%s)", dir_at(i),
			rc == WSB_OK ? "no hole" : "failed apply");
		free(now);
		free(before[i]);
	}
	wsb__w32_decision_free(d);
	wsb_policy_free(policy);
}

static void refuse_case(const int hole[NDIRS], const world_case *c)
{
	wsb_policy *policy = NULL;
	struct wsb_identity id = { WSB_IDENTITY_CURRENT_USER, STATE };
	wsb__w32_decision *d = NULL;
	int any = 0, rc;
	size_t i;

	for (i = 0; i < NDIRS; i++)
		any |= hole[i];
	policy_for(&policy, c, WSB_POLICY_REFUSE_WORLD_WRITABLE);
	rc = wsb__w32_decide(&d, policy, &id, 1, NULL);
	if (any)
		PROP(rc == WSB_EWORLDWRITABLE, "decide gave %d with a hole", rc);
	else
		PROP(rc == WSB_OK, "decide refused without a hole: %s", wsb_error_message(NULL));
	wsb__w32_decision_free(d);
	wsb_policy_free(policy);
}

static void world_case_run(prop_rng *r)
{
	world_case c;
	int hole[NDIRS];
	unsigned mode;

	cases++;
	build(r, &c);
	mode = prop_below(r, 3);
	holes_by_the_model(hole, &c);
	audit_matches_the_model(hole, &c);
	if (mode == 1)
		deny_case(hole, &c);
	else if (mode == 2)
		refuse_case(hole, &c);
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

static void props_world_writable_is_what_the_model_lets_the_sandbox_write(void **state)
{
	(void)state;
	cases = fail_closed = deny_default_root = deny_default_root_ok = groups_noted = 0;
	run(world_case_run, 300);
	print_message("%u cases; %u deny cases on Windows' default C:\\, %u applied; %u failed closed "
		"(a hole the user cannot re-ACL); %u folders listed as not exploitable\n",
		cases, deny_default_root, deny_default_root_ok, fail_closed, groups_noted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(props_world_writable_is_what_the_model_lets_the_sandbox_write),
	};

	print_message("property seed base: %llu (set WSB_PROPS_SEED to replay)\n",
		(unsigned long long)prop_base_seed());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
