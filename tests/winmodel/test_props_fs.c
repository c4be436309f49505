/*
 * File-system properties of the unelevated Windows sandbox, proved over the
 * simulated Windows model: the seam (seam.c) points the library's OS calls at
 * the model, the REAL backend code decides and applies its ACEs
 * (wsb__w32_decide / wsb__w32_apply) and builds its token
 * (wsb__token_create), then each case asserts what a process holding that
 * token can do on the model's volume, and that revert (wsb__journal_revert)
 * gives every descriptor back byte for byte.
 *
 * Trees are random from a seed (props.h: printed on failure, replayable).
 * WRITE_RESTRICTED's meaning of "write" is not fully documented
 * (docs/windows-model.md): properties that involve DELETE (delete, rename)
 * run under both readings; those named *_wide_only hold only under the wide
 * one, and *_narrow_reading tests record what the narrow one allows.
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

#define MAXN 512
#define PATHLEN 300
#define PROFILE "C:\\Users\\u"
#define LOCAL PROFILE "\\AppData\\Local"
#define STATE LOCAL "\\wsandbox"
#define TEMPDIR LOCAL "\\Temp"
#define OUTSIDE PROFILE "\\outside"

typedef char pathbuf[PATHLEN];

typedef struct tree {
	pathbuf roots[16];
	size_t nroots;
	pathbuf nodes[MAXN];        /* every object the harness made, for snapshots */
	size_t nnodes;
	pathbuf ordinary[MAXN];     /* files in a root, unprotected, no user deny */
	size_t nordinary;
	pathbuf prot_dirs[32];      /* .git folders (any case) and gitdirs in a root */
	size_t nprot_dirs;
	pathbuf prot_files[MAXN];   /* files inside them */
	size_t nprot_files;
	pathbuf denied[32];         /* files the user denied themself writing */
	size_t ndenied;
	pathbuf outside[MAXN];      /* files outside every root */
	size_t noutside;
	pathbuf junctions[16];      /* junctions in a root to a folder outside */
	size_t njunctions;
} tree;

typedef struct snap {
	uint8_t *bin[MAXN];
	size_t len[MAXN];
	uint32_t user_access[MAXN];
} snap;

static tree T;
static snap before;

static void add(pathbuf *v, size_t *n, size_t max, const char *p)
{
	assert_true(*n < max);
	snprintf(v[(*n)++], PATHLEN, "%s", p);
}

static void mk(const char *path, int dir)
{
	int rc = dir ? wm_fs_create_dir(wms_fs(), wms_caller(), path, NULL) :
		wm_fs_create_file(wms_fs(), wms_caller(), path, NULL);
	if (rc != WM_OK)
		print_error("cannot make %s: %d\n", path, rc);
	assert_int_equal(rc, WM_OK);
	add(T.nodes, &T.nnodes, MAXN, path);
	if (!dir)
		assert_int_equal(wm_fs_write(wms_fs(), wms_caller(), path, "data"), WM_OK);
}

/* An explicit ACE the user added long ago, to check it survives untouched. */
static void user_ace(const char *path, uint8_t type, uint8_t flags, uint32_t mask, const char *sid)
{
	wm_sd sd, cur;
	wm_sid s = wm_sid_of(sid);
	size_t i;

	wm_sd_init(&sd);
	assert_int_equal(wm_fs_get_sd(wms_fs(), wms_caller(), path, WM_DACL_SI, &cur), WM_OK);
	sd.control = WM_SE_DACL_PRESENT;
	sd.dacl.revision = 2;
	if (type == WM_ACE_DENIED)
		assert_int_equal(wm_acl_add(&sd.dacl, type, flags, mask, &s), WM_OK);
	for (i = 0; i < cur.dacl.count; i++)
		if (!(cur.dacl.aces[i].flags & WM_ID))
			assert_int_equal(wm_acl_add(&sd.dacl, cur.dacl.aces[i].type, cur.dacl.aces[i].flags,
				cur.dacl.aces[i].mask, &cur.dacl.aces[i].sid), WM_OK);
	if (type != WM_ACE_DENIED)
		assert_int_equal(wm_acl_add(&sd.dacl, type, flags, mask, &s), WM_OK);
	assert_int_equal(wm_fs_set_sd(wms_fs(), wms_caller(), path, WM_DACL_SI, &sd), WM_OK);
	wm_sd_dispose(&sd);
	wm_sd_dispose(&cur);
}

static const char *const git_names[] = { ".git", ".GIT", ".Git", ".gIt" };

/* A random tree: roots with files, folders, a .git folder or a .git file
 * pointing at a gitdir, user deny ACEs, foreign explicit ACEs, junctions out. */
static void gen_tree(prop_rng *r, int with_temp)
{
	char p[PATHLEN], q[PATHLEN];
	size_t i, j, k;

	memset(&T, 0, sizeof(T));
	mk(PROFILE "\\AppData", 1);
	mk(LOCAL, 1);
	mk(TEMPDIR, 1);
	mk(OUTSIDE, 1);
	mk(PROFILE "\\src", 1);
	for (i = 0; i < 2 + prop_below(r, 3); i++) {
		snprintf(p, sizeof(p), OUTSIDE "\\o%zu.txt", i);
		mk(p, 0);
		add(T.outside, &T.noutside, MAXN, p);
	}
	mk(OUTSIDE "\\d", 1);
	mk(OUTSIDE "\\d\\f.txt", 0);
	add(T.outside, &T.noutside, MAXN, OUTSIDE "\\d\\f.txt");
	T.nroots = 1 + prop_below(r, 4);
	for (i = 0; i < T.nroots; i++) {
		snprintf(T.roots[i], PATHLEN, PROFILE "\\src\\r%zu", i);
		mk(T.roots[i], 1);
		for (j = 0; j < 1 + prop_below(r, 4); j++) {
			snprintf(p, sizeof(p), "%s\\f%zu.c", T.roots[i], j);
			mk(p, 0);
			add(T.ordinary, &T.nordinary, MAXN, p);
		}
		snprintf(p, sizeof(p), "%s\\sub", T.roots[i]);
		mk(p, 1);
		for (j = 0; j < prop_below(r, 3); j++) {
			snprintf(q, sizeof(q), "%s\\g%zu.h", p, j);
			mk(q, 0);
			add(T.ordinary, &T.nordinary, MAXN, q);
		}
		switch (prop_below(r, 3)) {
		case 0: /* a repository: .git folder in some case */
		case 1: {
			const char *g = git_names[prop_below(r, 4)];
			snprintf(p, sizeof(p), "%s\\%s", T.roots[i], g);
			mk(p, 1);
			add(T.prot_dirs, &T.nprot_dirs, 32, p);
			if (prop_below(r, 4) == 0)
				user_ace(p, WM_ACE_ALLOWED, WM_OI | WM_CI, WM_FILE_GENERIC_READ, "S-1-5-21-77-77-77-500");
			for (k = 0; k < 1 + prop_below(r, 3); k++) {
				snprintf(q, sizeof(q), "%s\\%s", p, k == 0 ? "config" : k == 1 ? "HEAD" : "index");
				mk(q, 0);
				add(T.prot_files, &T.nprot_files, MAXN, q);
			}
			snprintf(q, sizeof(q), "%s\\objects", p);
			mk(q, 1);
			snprintf(q, sizeof(q), "%s\\objects\\ab", p);
			mk(q, 0);
			add(T.prot_files, &T.nprot_files, MAXN, q);
			break;
		}
		default: { /* a worktree: .git file -> gitdir inside the root */
			char gitdir[PATHLEN];
			snprintf(gitdir, sizeof(gitdir), "%s\\modules", T.roots[i]);
			mk(gitdir, 1);
			snprintf(gitdir, sizeof(gitdir), "%s\\modules\\wt", T.roots[i]);
			mk(gitdir, 1);
			add(T.prot_dirs, &T.nprot_dirs, 32, gitdir);
			snprintf(q, sizeof(q), "%s\\HEAD", gitdir);
			mk(q, 0);
			add(T.prot_files, &T.nprot_files, MAXN, q);
			snprintf(p, sizeof(p), "%s\\.git", T.roots[i]);
			mk(p, 0);
			snprintf(q, sizeof(q), "gitdir: %s\n", prop_below(r, 2) ? "modules/wt" : gitdir);
			assert_int_equal(wm_fs_write(wms_fs(), wms_caller(), p, q), WM_OK);
			add(T.prot_files, &T.nprot_files, MAXN, p);
			break;
		}
		}
		if (prop_below(r, 2)) {
			snprintf(p, sizeof(p), "%s\\locked.txt", T.roots[i]);
			mk(p, 0);
			user_ace(p, WM_ACE_DENIED, 0, WM_FILE_WRITE_DATA | WM_FILE_APPEND_DATA, WMS_USER_SID);
			add(T.denied, &T.ndenied, 32, p);
		}
		if (prop_below(r, 3) == 0) {
			snprintf(p, sizeof(p), "%s\\sub", T.roots[i]);
			user_ace(p, WM_ACE_ALLOWED, WM_OI | WM_CI, WM_FILE_GENERIC_READ | WM_FILE_GENERIC_WRITE,
				"S-1-5-21-88-88-88-1100");
		}
		if (prop_below(r, 2)) {
			snprintf(p, sizeof(p), "%s\\out", T.roots[i]);
			assert_int_equal(wm_fs_create_link(wms_fs(), wms_caller(), p, WM_REPARSE_JUNCTION,
				OUTSIDE "\\d"), WM_OK);
			add(T.junctions, &T.njunctions, 16, p);
		}
	}
	(void)with_temp;
}

static int sd_bin(const char *path, uint8_t **bin, size_t *len)
{
	const wm_sd *sd = wm_fs_peek_sd(wms_fs(), path, WM_OPEN_REPARSE_POINT);

	return sd ? wm_sd_to_bin(bin, len, sd) : WM_E_NOT_FOUND;
}

static uint32_t user_access(const char *path)
{
	const wm_sd *sd = wm_fs_peek_sd(wms_fs(), path, WM_OPEN_REPARSE_POINT);
	uint32_t g = 0;

	if (!sd || wm_access_check(&g, sd, wms_caller(), WM_MAXIMUM_ALLOWED, NULL) != WM_OK)
		return 0;
	return g;
}

static void take(snap *s)
{
	size_t i;

	for (i = 0; i < T.nnodes; i++) {
		assert_int_equal(sd_bin(T.nodes[i], &s->bin[i], &s->len[i]), WM_OK);
		s->user_access[i] = user_access(T.nodes[i]);
	}
}

static void drop(snap *s)
{
	size_t i;

	for (i = 0; i < T.nnodes; i++)
		free(s->bin[i]);
	memset(s, 0, sizeof(*s));
}

/* Every ACE of old is in new, byte for byte, in the same order. */
static int aces_kept(const wm_sd *old, const wm_sd *new)
{
	size_t i, j = 0;

	for (i = 0; i < old->dacl.count; i++) {
		const wm_ace *a = &old->dacl.aces[i];
		for (; j < new->dacl.count; j++) {
			const wm_ace *b = &new->dacl.aces[j];
			if (a->type == b->type && a->flags == b->flags && a->mask == b->mask &&
					wm_sid_equal(&a->sid, &b->sid))
				break;
		}
		if (j == new->dacl.count)
			return 0;
		j++;
	}
	return 1;
}

/* The case under test: backend-applied ACEs and the backend's token. */
typedef struct applied {
	wsb_policy *policy;
	struct wsb_identity id;
	wsb__w32_decision *d;
	HANDLE htoken;
	const wm_token *tok;
} applied;

static void setup_world(uint32_t wr_mask, int temp)
{
	wms_options o;

	memset(&o, 0, sizeof(o));
	o.gen_short_names = 1;
	o.write_restricted_mask = wr_mask;
	o.temp = temp ? TEMPDIR : NULL;
	o.localappdata = LOCAL;
	assert_int_equal(wms_install(&o), 0);
}

static void apply_backend(applied *a, prop_rng *r)
{
	char *logon = NULL;
	size_t i;
	int rc;

	memset(a, 0, sizeof(*a));
	assert_int_equal(wsb_policy_create(&a->policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	for (i = 0; i < T.nroots; i++)
		assert_int_equal(wsb_policy_allow_write(a->policy, T.roots[i]), WSB_OK);
	if (prop_below(r, 2))
		assert_int_equal(wsb_policy_set_flags(a->policy, WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	a->id.kind = WSB_IDENTITY_CURRENT_USER;
	a->id.state_dir = STATE;
	rc = wsb__w32_decide(&a->d, a->policy, &a->id, 0, NULL);
	if (rc != WSB_OK)
		print_error("decide: %s\n", wsb_error_message(NULL));
	assert_int_equal(rc, WSB_OK);
	rc = wsb__w32_apply(a->d, STATE);
	if (rc != WSB_OK)
		print_error("apply: %s\n", wsb_error_message(NULL));
	assert_int_equal(rc, WSB_OK);
	rc = wsb__token_create(&a->htoken, &logon, &a->d->caps.sids, a->d->write_restricted);
	if (rc != WSB_OK)
		print_error("token: %s\n", wsb_error_message(NULL));
	assert_int_equal(rc, WSB_OK);
	assert_string_equal(logon, WMS_LOGON_SID);
	wsb__free(logon);
	a->tok = wms_token_of(a->htoken);
	assert_non_null(a->tok);
	assert_true(a->tok->write_restricted);
}

static void release(applied *a)
{
	WSB_OS(CloseHandle)(a->htoken);
	wsb__w32_decision_free(a->d);
	wsb_policy_free(a->policy);
}

#define FS wms_fs()

/* Writes, creates, deletes and renames an ordinary file of a root. */
static void check_inside(const applied *a, prop_rng *r, int check_delete)
{
	char p[PATHLEN], q[PATHLEN];
	size_t i;

	for (i = 0; i < T.nroots; i++) {
		snprintf(p, sizeof(p), "%s\\new%u.txt", T.roots[i], prop_below(r, 1000));
		PROP(wm_fs_create_file(FS, a->tok, p, NULL) == WM_OK, "create %s", p);
		PROP(wm_fs_write(FS, a->tok, p, "x") == WM_OK, "write new %s", p);
		snprintf(q, sizeof(q), "%s\\sub\\moved%u.txt", T.roots[i], prop_below(r, 1000));
		PROP(wm_fs_rename(FS, a->tok, p, q, 0) == WM_OK, "rename %s -> %s", p, q);
		PROP(wm_fs_delete(FS, a->tok, q) == WM_OK, "delete %s", q);
		snprintf(p, sizeof(p), "%s\\newdir%u", T.roots[i], prop_below(r, 1000));
		PROP(wm_fs_create_dir(FS, a->tok, p, NULL) == WM_OK, "mkdir %s", p);
		if (check_delete)
			PROP(wm_fs_delete(FS, a->tok, p) == WM_OK, "rmdir %s", p);
	}
	for (i = 0; i < T.nordinary; i++)
		PROP(wm_fs_write(FS, a->tok, T.ordinary[i], "y") == WM_OK, "write %s", T.ordinary[i]);
	if (T.nordinary && check_delete) {
		const char *f = T.ordinary[prop_below(r, (unsigned)T.nordinary)];
		uint32_t g;
		PROP(wm_fs_open(FS, a->tok, f, WM_DELETE, 0, &g) == WM_OK, "open %s for DELETE", f);
	}
}

/* No write, create or rename into anything outside the roots. */
static void check_outside_writes(const applied *a)
{
	char p[PATHLEN];
	size_t i;

	for (i = 0; i < T.noutside; i++) {
		PROP(wm_fs_write(FS, a->tok, T.outside[i], "evil") == WM_E_ACCESS, "write outside %s", T.outside[i]);
		snprintf(p, sizeof(p), "%s:ads", T.outside[i]);
		PROP(wm_fs_write(FS, a->tok, p, "evil") == WM_E_ACCESS, "write outside stream %s", p);
	}
	PROP(wm_fs_create_file(FS, a->tok, OUTSIDE "\\new.txt", NULL) == WM_E_ACCESS, "create outside");
	PROP(wm_fs_create_dir(FS, a->tok, PROFILE "\\newdir", NULL) == WM_E_ACCESS, "mkdir in profile");
	PROP(wm_fs_write(FS, a->tok, STATE "\\journal", "evil") != WM_OK, "write the state journal");
	for (i = 0; i < T.nroots && T.nordinary; i++) {
		snprintf(p, sizeof(p), OUTSIDE "\\stolen%zu.c", i);
		PROP(wm_fs_rename(FS, a->tok, T.ordinary[0], p, 0) == WM_E_ACCESS, "move out to %s", p);
	}
	for (i = 0; i < T.njunctions; i++) {
		snprintf(p, sizeof(p), "%s\\f.txt", T.junctions[i]);
		PROP(wm_fs_write(FS, a->tok, p, "evil") == WM_E_ACCESS, "write through junction %s", p);
		snprintf(p, sizeof(p), "%s\\new.txt", T.junctions[i]);
		PROP(wm_fs_create_file(FS, a->tok, p, NULL) == WM_E_ACCESS, "create through junction %s", p);
	}
}

/* Deletes outside the roots (and moving a file out of its folder there). */
static int outside_deletes_denied(const applied *a, char *why, size_t whylen)
{
	char p[PATHLEN];
	size_t i;

	for (i = 0; i < T.noutside; i++) {
		uint32_t g;
		if (wm_fs_open(FS, a->tok, T.outside[i], WM_DELETE, 0, &g) != WM_E_ACCESS) {
			snprintf(why, whylen, "DELETE on %s granted", T.outside[i]);
			return 0;
		}
	}
	snprintf(p, sizeof(p), "%s\\pulled.txt", T.roots[0]);
	if (wm_fs_rename(FS, a->tok, T.outside[0], p, 0) != WM_E_ACCESS) {
		snprintf(why, whylen, "moved %s into a root", T.outside[0]);
		return 0;
	}
	for (i = 0; i < T.njunctions; i++) {
		snprintf(p, sizeof(p), "%s\\f.txt", T.junctions[i]);
		if (wm_fs_delete(FS, a->tok, p) != WM_E_ACCESS) {
			snprintf(why, whylen, "deleted %s through a junction", p);
			return 0;
		}
	}
	return 1;
}

/* Protected folders: no write or create inside, not through a stream, not
 * through the 8.3 name; user-locked files stay locked. */
static void check_protected_writes(const applied *a)
{
	char p[PATHLEN], q[PATHLEN];
	size_t i;

	for (i = 0; i < T.nprot_files; i++) {
		PROP(wm_fs_write(FS, a->tok, T.prot_files[i], "evil") == WM_E_ACCESS, "write %s", T.prot_files[i]);
		snprintf(p, sizeof(p), "%s:evil", T.prot_files[i]);
		PROP(wm_fs_write(FS, a->tok, p, "evil") == WM_E_ACCESS, "write stream %s", p);
		snprintf(p, sizeof(p), "%s::$DATA", T.prot_files[i]);
		PROP(wm_fs_write(FS, a->tok, p, "evil") == WM_E_ACCESS, "write %s", p);
	}
	for (i = 0; i < T.nprot_dirs; i++) {
		const char *sn, *slash;
		snprintf(p, sizeof(p), "%s\\hooks", T.prot_dirs[i]);
		PROP(wm_fs_create_dir(FS, a->tok, p, NULL) == WM_E_ACCESS, "mkdir %s", p);
		snprintf(p, sizeof(p), "%s\\new", T.prot_dirs[i]);
		PROP(wm_fs_create_file(FS, a->tok, p, NULL) == WM_E_ACCESS, "create %s", p);
		snprintf(p, sizeof(p), "%s:evil", T.prot_dirs[i]);
		PROP(wm_fs_write(FS, a->tok, p, "evil") != WM_OK, "write dir stream %s", p);
		sn = wm_fs_short_name(FS, T.prot_dirs[i]);
		slash = strrchr(T.prot_dirs[i], '\\');
		/* ".git" is not an 8.3 name, so it always has an alias (GIT~1). */
		PROP(slash[1] != '.' || sn != NULL, "no 8.3 alias for %s", T.prot_dirs[i]);
		if (sn) {
			snprintf(p, sizeof(p), "%.*s\\%s\\new", (int)(slash - T.prot_dirs[i]), T.prot_dirs[i], sn);
			PROP(wm_fs_create_file(FS, a->tok, p, NULL) == WM_E_ACCESS, "create via 8.3 %s", p);
			snprintf(q, sizeof(q), "%.*s\\%s\\HEAD", (int)(slash - T.prot_dirs[i]), T.prot_dirs[i], sn);
			if (wm_fs_exists(FS, q))
				PROP(wm_fs_write(FS, a->tok, q, "evil") == WM_E_ACCESS, "write via 8.3 %s", q);
		}
	}
	for (i = 0; i < T.ndenied; i++)
		PROP(wm_fs_write(FS, a->tok, T.denied[i], "x") == WM_E_ACCESS, "write user-denied %s", T.denied[i]);
}

/* Deletes and renames of protected things; returns 0 with why on the first
 * one that succeeds. Mutates nothing when all are denied. */
static int protected_deletes_denied(const applied *a, char *why, size_t whylen)
{
	char p[PATHLEN];
	size_t i;

	for (i = 0; i < T.nprot_files; i++) {
		uint32_t g;
		if (wm_fs_open(FS, a->tok, T.prot_files[i], WM_DELETE, 0, &g) != WM_E_ACCESS) {
			snprintf(why, whylen, "DELETE on %s granted", T.prot_files[i]);
			return 0;
		}
	}
	for (i = 0; i < T.nprot_dirs; i++) {
		uint32_t g;
		if (wm_fs_open(FS, a->tok, T.prot_dirs[i], WM_DELETE, 0, &g) != WM_E_ACCESS) {
			snprintf(why, whylen, "DELETE on folder %s granted", T.prot_dirs[i]);
			return 0;
		}
		snprintf(p, sizeof(p), "%s.old", T.prot_dirs[i]);
		if (wm_fs_rename(FS, a->tok, T.prot_dirs[i], p, 0) != WM_E_ACCESS) {
			snprintf(why, whylen, "renamed %s", T.prot_dirs[i]);
			return 0;
		}
	}
	for (i = 0; i < T.nprot_files; i++) {
		/* Replacing a protected file by a rename onto it. */
		if (T.nordinary && wm_fs_rename(FS, a->tok, T.ordinary[0], T.prot_files[i], 1) != WM_E_ACCESS) {
			snprintf(why, whylen, "replaced %s by a rename", T.prot_files[i]);
			return 0;
		}
	}
	return 1;
}

/* The user's own access, ACEs and owners after apply. */
static void check_user_unchanged(void)
{
	size_t i;

	for (i = 0; i < T.nnodes; i++) {
		wm_sd old;
		const wm_sd *now = wm_fs_peek_sd(FS, T.nodes[i], WM_OPEN_REPARSE_POINT);
		PROP(now != NULL, "%s vanished", T.nodes[i]);
		assert_int_equal(wm_sd_from_bin(&old, before.bin[i], before.len[i]), WM_OK);
		PROP(user_access(T.nodes[i]) == before.user_access[i], "user access to %s changed: %#x -> %#x",
			T.nodes[i], before.user_access[i], user_access(T.nodes[i]));
		PROP(old.has_owner == now->has_owner && (!old.has_owner || wm_sid_equal(&old.owner, &now->owner)),
			"owner of %s changed", T.nodes[i]);
		PROP(aces_kept(&old, now), "an ACE of %s was dropped or reordered", T.nodes[i]);
		wm_sd_dispose(&old);
	}
}

static void check_reverted(void)
{
	size_t i;

	for (i = 0; i < T.nnodes; i++) {
		uint8_t *bin;
		size_t len;
		assert_int_equal(sd_bin(T.nodes[i], &bin, &len), WM_OK);
		PROP(len == before.len[i] && memcmp(bin, before.bin[i], len) == 0,
			"descriptor of %s differs after revert", T.nodes[i]);
		free(bin);
	}
}

/* One random case: the tree, the backend's apply and token. */
static void case_begin(applied *a, prop_rng *r, uint32_t wr_mask)
{
	int temp = (int)prop_below(r, 2);

	setup_world(wr_mask, temp);
	gen_tree(r, temp);
	take(&before);
	apply_backend(a, r);
}

static void case_end(applied *a)
{
	release(a);
	drop(&before);
	wms_uninstall();
}

typedef void (*case_fn)(prop_rng *r, uint32_t wr_mask);

static void run(case_fn fn, unsigned dflt_cases, uint32_t wr_mask)
{
	uint64_t base = prop_base_seed();
	unsigned i, n = prop_cases(dflt_cases);

	for (i = 0; i < n; i++) {
		prop_rng r;
		prop_case_seed = base + i;
		r.s = prop_case_seed;
		fn(&r, wr_mask);
	}
}

/* ---- cases ---- */

static void case_confined(prop_rng *r, uint32_t wr_mask)
{
	applied a;

	case_begin(&a, r, wr_mask);
	check_outside_writes(&a);
	check_protected_writes(&a);
	check_inside(&a, r, 1);
	case_end(&a);
}

static void case_user_unchanged(prop_rng *r, uint32_t wr_mask)
{
	applied a;

	case_begin(&a, r, wr_mask);
	check_user_unchanged();
	PROP(wms_outstanding_sds() == 0, "%lu descriptors not freed", (unsigned long)wms_outstanding_sds());
	PROP(wsb__journal_revert(STATE) == WSB_OK, "revert: %s", wsb_error_message(NULL));
	check_reverted();
	/* Twice is the same as once. */
	PROP(wsb__journal_revert(STATE) == WSB_OK, "second revert: %s", wsb_error_message(NULL));
	check_reverted();
	case_end(&a);
}

static void case_protected_deletes(prop_rng *r, uint32_t wr_mask)
{
	applied a;
	char why[512];

	case_begin(&a, r, wr_mask);
	PROP(protected_deletes_denied(&a, why, sizeof(why)), "%s", why);
	case_end(&a);
}

static void case_outside_deletes(prop_rng *r, uint32_t wr_mask)
{
	applied a;
	char why[512];

	case_begin(&a, r, wr_mask);
	PROP(outside_deletes_denied(&a, why, sizeof(why)), "%s", why);
	case_end(&a);
}

/* Under the narrow reading: count the cases where the sandbox can delete or
 * rename something protected / outside. Recorded, and asserted to be every
 * case: the design gives the restricting SIDs no say over DELETE then. */
static unsigned narrow_prot_hits, narrow_out_hits, narrow_cases;

static void case_narrow_count(prop_rng *r, uint32_t wr_mask)
{
	applied a;
	char why[512];

	case_begin(&a, r, wr_mask);
	narrow_cases++;
	narrow_prot_hits += !protected_deletes_denied(&a, why, sizeof(why));
	case_end(&a);
	case_begin(&a, r, wr_mask);
	narrow_out_hits += !outside_deletes_denied(&a, why, sizeof(why));
	case_end(&a);
}

/* ---- tests ---- */

static void props_writes_confined_narrow(void **state)
{
	(void)state;
	run(case_confined, 150, 0);
}

static void props_writes_confined_wide(void **state)
{
	(void)state;
	run(case_confined, 150, WM_WRITE_RESTRICTED_WIDE);
}

static void props_user_access_aces_owners_unchanged_and_reverted(void **state)
{
	(void)state;
	run(case_user_unchanged, 150, 0);
}

/* Holds only under the wide reading of WRITE_RESTRICTED (docs/windows-model.md). */
static void props_git_no_delete_no_rename_wide_only(void **state)
{
	(void)state;
	run(case_protected_deletes, 150, WM_WRITE_RESTRICTED_WIDE);
}

/* Holds only under the wide reading of WRITE_RESTRICTED. */
static void props_outside_no_delete_wide_only(void **state)
{
	(void)state;
	run(case_outside_deletes, 150, WM_WRITE_RESTRICTED_WIDE);
}

/* The narrow reading: DELETE is not checked against the restricting SIDs, so
 * the user's own DELETE right decides. Records the gap: if this starts
 * failing, the backend closed it and docs/windows-model.md must say so. */
static void props_deletes_not_confined_under_narrow_reading(void **state)
{
	(void)state;
	narrow_prot_hits = narrow_out_hits = narrow_cases = 0;
	run(case_narrow_count, 40, 0);
	print_message("narrow reading: protected delete/rename possible in %u of %u cases, "
		"outside delete/move possible in %u of %u\n", narrow_prot_hits, narrow_cases,
		narrow_out_hits, narrow_cases);
	assert_int_equal(narrow_prot_hits, narrow_cases);
	assert_int_equal(narrow_out_hits, narrow_cases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(props_writes_confined_narrow),
		cmocka_unit_test(props_writes_confined_wide),
		cmocka_unit_test(props_user_access_aces_owners_unchanged_and_reverted),
		cmocka_unit_test(props_git_no_delete_no_rename_wide_only),
		cmocka_unit_test(props_outside_no_delete_wide_only),
		cmocka_unit_test(props_deletes_not_confined_under_narrow_reading),
	};

	print_message("property seed base: %llu (set WSB_PROPS_SEED to replay)\n",
		(unsigned long long)prop_base_seed());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
