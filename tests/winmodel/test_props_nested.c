/*
 * Protected names below the top level of a root (monorepos, vendored
 * checkouts, submodules), over the simulated Windows model. Random trees
 * under 1-3 roots hold ".git" folders in any case at depths 1-4, a ".git"
 * file naming its gitdir by a relative path, a junction leading back to the
 * root (a cycle) and one leading out; the state directory is, in half the
 * cases, inside a root and not created yet. The REAL backend decides and
 * applies (wsb__w32_decide, wsb__w32_apply, through the seam) and builds its
 * token; then, as the model's access check says:
 *  - every protected folder whose name lies at most three levels below a
 *    root (root\.git, root\a\.git, root\a\b\.GIT) and every gitdir a nested
 *    ".git" file names: the sandbox can neither create in it nor write the
 *    files in it;
 *  - every other folder of the tree stays writable;
 *  - deeper ones get no ACE (the documented budget, so this test changes
 *    with it);
 *  - the state directory is created by apply and denied to the sandbox;
 *  - a second decide/apply on the unchanged policy writes no DACL and reads
 *    one per ACE it needs (no DACL read for the folders it only listed).
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
#define SRC PROFILE "\\src"
#define OUTSIDE PROFILE "\\outside"
#define MAXN 256
#define PATHLEN 260

typedef char pathbuf[PATHLEN];

typedef struct nested {
	pathbuf roots[3];
	size_t nroots;
	pathbuf prot[MAXN];       /* protected folders within the scan's depth, gitdirs */
	size_t nprot;
	pathbuf deep[MAXN];       /* protected folders below it */
	size_t ndeep;
	pathbuf plain[MAXN];      /* every other folder of the trees */
	size_t nplain;
	char state[PATHLEN];
	int state_in_root;
} nested;

static nested N;

static const char *const git_case[] = { ".git", ".GIT", ".Git", ".gIt" };
static const char *const dir_names[] = { "a", "b", "pkg", "vendor", "sub" };

static void add(pathbuf *list, size_t *n, const char *p)
{
	assert_true(*n < MAXN);
	snprintf(list[(*n)++], PATHLEN, "%s", p);
}

static void mkdir_user(const char *p)
{
	assert_int_equal(wm_fs_create_dir(wms_fs(), wms_caller(), p, NULL), WM_OK);
}

static void mkfile_user(const char *p, const char *data)
{
	assert_int_equal(wm_fs_create_file(wms_fs(), wms_caller(), p, NULL), WM_OK);
	assert_int_equal(wm_fs_write(wms_fs(), wms_caller(), p, data), WM_OK);
}

/* A protected folder with a file in it, name level levels below a root
 * (1: directly under it). */
static void git_dir(prop_rng *r, const char *parent, unsigned level)
{
	char p[PATHLEN], f[PATHLEN + 8];

	snprintf(p, sizeof(p), "%s\\%s", parent, git_case[prop_below(r, 4)]);
	mkdir_user(p);
	snprintf(f, sizeof(f), "%s\\HEAD", p);
	mkfile_user(f, "ref: refs/heads/main\n");
	if (level <= WSB__SCAN_MAX_DEPTH)
		add(N.prot, &N.nprot, p);
	else
		add(N.deep, &N.ndeep, p);
}

/* Folders below dir, level levels below the root. */
static void grow(prop_rng *r, const char *dir, unsigned level)
{
	char p[PATHLEN];
	unsigned i, kids;

	if (prop_below(r, 3) == 0)
		git_dir(r, dir, level);
	if (level > 4)
		return;
	kids = prop_below(r, level == 1 ? 4 : 3);
	for (i = 0; i < kids; i++) {
		snprintf(p, sizeof(p), "%s\\%s%u", dir, dir_names[prop_below(r, 5)], i);
		mkdir_user(p);
		add(N.plain, &N.nplain, p);
		grow(r, p, level + 1);
	}
}

static void build(prop_rng *r)
{
	wms_options o;
	char p[PATHLEN], q[PATHLEN + 16];
	size_t i;

	memset(&N, 0, sizeof(N));
	memset(&o, 0, sizeof(o));
	o.gen_short_names = (int)prop_below(r, 2);
	o.localappdata = LOCAL;
	assert_int_equal(wms_install(&o), 0);
	mkdir_user(PROFILE "\\AppData");
	mkdir_user(LOCAL);
	mkdir_user(SRC);
	mkdir_user(OUTSIDE);
	mkdir_user(OUTSIDE "\\.git");
	N.nroots = 1 + prop_below(r, 3);
	for (i = 0; i < N.nroots; i++) {
		snprintf(N.roots[i], PATHLEN, SRC "\\r%lu", (unsigned long)i);
		mkdir_user(N.roots[i]);
		grow(r, N.roots[i], 1);
	}
	/* The brief's case, always: root\a\.git and root\a\b\.GIT. */
	snprintf(p, sizeof(p), "%s\\a", N.roots[0]);
	mkdir_user(p);
	add(N.plain, &N.nplain, p);
	git_dir(r, p, 2);
	snprintf(p, sizeof(p), "%s\\a\\b", N.roots[0]);
	mkdir_user(p);
	add(N.plain, &N.nplain, p);
	snprintf(q, sizeof(q), "%s\\.GIT", p);
	mkdir_user(q);
	add(N.prot, &N.nprot, q);
	/* A worktree two levels down whose .git file names its gitdir. */
	if (prop_below(r, 2)) {
		snprintf(p, sizeof(p), "%s\\wt", N.roots[0]);
		mkdir_user(p);
		add(N.plain, &N.nplain, p);
		snprintf(p, sizeof(p), "%s\\wt\\w", N.roots[0]);
		mkdir_user(p);
		add(N.plain, &N.nplain, p);
		snprintf(q, sizeof(q), "%s\\.git", p);
		mkfile_user(q, "gitdir: ../../wtgit\n");
		snprintf(p, sizeof(p), "%s\\wtgit", N.roots[0]);
		mkdir_user(p);
		add(N.prot, &N.nprot, p);
	}
	/* Junctions: back to the root (the scan must not loop) and out of it
	 * (the scan must not follow). */
	snprintf(p, sizeof(p), "%s\\loop", N.roots[0]);
	assert_int_equal(wm_fs_create_link(wms_fs(), wms_caller(), p, WM_REPARSE_JUNCTION, N.roots[0]), WM_OK);
	snprintf(p, sizeof(p), "%s\\out", N.roots[N.nroots - 1]);
	assert_int_equal(wm_fs_create_link(wms_fs(), wms_caller(), p, WM_REPARSE_JUNCTION, OUTSIDE), WM_OK);
	N.state_in_root = (int)prop_below(r, 2);
	snprintf(N.state, sizeof(N.state), "%s", N.state_in_root ? SRC "\\r0\\.wsb\\state" : LOCAL "\\wsandbox");
}

static int has_ace_for(const wsb__w32_decision *d, const char *path)
{
	size_t i;

	for (i = 0; i < d->ace_count; i++)
		if (wsb__path_cmp(d->aces[i].path, path, WSB__PATH_WIN) == 0)
			return 1;
	return 0;
}

static int under_protected(const char *p)
{
	size_t i;

	for (i = 0; i < N.nprot; i++)
		if (wsb__path_within(p, N.prot[i], WSB__PATH_WIN))
			return 1;
	for (i = 0; i < N.ndeep; i++)
		if (wsb__path_within(p, N.deep[i], WSB__PATH_WIN))
			return 1;
	return 0;
}

static void nested_case(prop_rng *r)
{
	wsb_policy *policy = NULL;
	struct wsb_identity id = { WSB_IDENTITY_CURRENT_USER, NULL };
	wsb__w32_decision *d = NULL;
	HANDLE h = NULL;
	const wm_token *tok;
	char p[PATHLEN + 16];
	size_t i;
	int rc;

	build(r);
	id.state_dir = N.state;
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_set_flags(policy, WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	for (i = 0; i < N.nroots; i++)
		assert_int_equal(wsb_policy_allow_write(policy, N.roots[i]), WSB_OK);
	PROP(!wm_fs_exists(wms_fs(), N.state), "state directory exists before the first spawn");
	rc = wsb__w32_decide(&d, policy, &id, 0, NULL);
	PROP(rc == WSB_OK, "decide: %s", wsb_error_message(NULL));
	PROP(!wm_fs_exists(wms_fs(), N.state), "decide created the state directory");
	PROP(!d->scan_truncated, "a small tree truncated the scan (%lu folders, %lu names)", d->scan_dirs,
		d->scan_entries);
	for (i = 0; i < N.ndeep; i++)
		PROP(!has_ace_for(d, N.deep[i]), "%s below the scan's depth got an ACE", N.deep[i]);
	PROP(!has_ace_for(d, OUTSIDE "\\.git"), "the scan followed a junction out of the root");
	rc = wsb__w32_apply(d, N.state);
	PROP(rc == WSB_OK, "apply: %s", wsb_error_message(NULL));
	rc = wsb__token_create(&h, NULL, &d->caps.sids, d->write_restricted);
	PROP(rc == WSB_OK, "token: %s", wsb_error_message(NULL));
	tok = wms_token_of(h);
	assert_non_null(tok);
	for (i = 0; i < N.nprot; i++) {
		snprintf(p, sizeof(p), "%s\\new", N.prot[i]);
		PROP(wm_fs_create_file(wms_fs(), tok, p, NULL) != WM_OK, "created %s", p);
		PROP(wm_fs_create_dir(wms_fs(), tok, p, NULL) != WM_OK, "created folder %s", p);
		snprintf(p, sizeof(p), "%s\\HEAD", N.prot[i]);
		if (wm_fs_exists(wms_fs(), p))
			PROP(wm_fs_write(wms_fs(), tok, p, "evil") != WM_OK, "wrote %s", p);
	}
	for (i = 0; i < N.nplain; i++) {
		if (under_protected(N.plain[i]))
			continue;
		snprintf(p, sizeof(p), "%s\\new.txt", N.plain[i]);
		PROP(wm_fs_create_file(wms_fs(), tok, p, NULL) == WM_OK, "cannot create %s", p);
	}
	PROP(wm_fs_exists(wms_fs(), N.state), "apply did not create the state directory");
	if (N.state_in_root) {
		snprintf(p, sizeof(p), "%s\\evil", N.state);
		PROP(wm_fs_create_file(wms_fs(), tok, p, NULL) != WM_OK, "created %s", p);
	}
	WSB_OS(CloseHandle)(h);
	wsb__w32_decision_free(d);
	d = NULL;
	/* Unchanged policy: no write, one DACL read per ACE needed. */
	wsb__os_reset_counts();
	rc = wsb__w32_decide(&d, policy, &id, 0, NULL);
	PROP(rc == WSB_OK, "second decide: %s", wsb_error_message(NULL));
	PROP(wsb__w32_apply(d, N.state) == WSB_OK, "second apply: %s", wsb_error_message(NULL));
	PROP(wsb__os_calls("SetNamedSecurityInfoW") == 0, "%lu DACL writes on an unchanged policy",
		wsb__os_calls("SetNamedSecurityInfoW"));
	PROP(wsb__os_calls("GetNamedSecurityInfoW") == d->ace_count, "%lu DACL reads for %lu ACEs",
		wsb__os_calls("GetNamedSecurityInfoW"), (unsigned long)d->ace_count);
	for (i = 0; i < d->ace_count; i++)
		PROP(d->aces[i].present, "%s missing on the second decide", d->aces[i].path);
	wsb__w32_decision_free(d);
	wsb_policy_free(policy);
	wms_uninstall();
}

static void props_nested_protected_names_within_the_budget_are_protected(void **state)
{
	uint64_t base = prop_base_seed();
	unsigned i, n = prop_cases(150);

	(void)state;
	for (i = 0; i < n; i++) {
		prop_rng r;
		prop_case_seed = base + i;
		r.s = prop_case_seed;
		nested_case(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(props_nested_protected_names_within_the_budget_are_protected),
	};

	print_message("property seed base: %llu (set WSB_PROPS_SEED to replay)\n",
		(unsigned long long)prop_base_seed());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
