/*
 * The world-writable audit. The sandbox token is WRITE_RESTRICTED: a write
 * is granted only if the DACL grants it twice, once to the token's normal
 * SIDs and once to its restricting SIDs alone (the capability SIDs, the
 * logon SID, Everyone). Outside the roots no ACE names our capability SIDs,
 * so a folder is a hole only if it grants write to Everyone or to the
 * caller's logon SID (or has no DACL). Users, Authenticated Users and
 * INTERACTIVE are in the token but are not restricting SIDs: what they may
 * write fails the restricted pass (tests/winmodel/test_props_audit.c shows
 * both on the model), so such folders are reported as not exploitable and
 * never denied or refused. Candidates are the usual suspects, within an
 * entry and time budget. Reads only.
 */
#include "win32.h"
#include "core/policy.h"
#include "core/path.h"

#include <string.h>

#define DEFAULT_MAX_ENTRIES 10000
#define DEFAULT_MAX_MS 2000

/* Restricting SIDs of every sandbox token (the logon SID is added at run
 * time): a write they are granted is a write the sandbox may make. */
static const char *const hole_sids[] = { "S-1-1-0" };
/* Groups of the caller's token that are not restricting SIDs. */
static const char *const group_sids[] = { "S-1-5-32-545", "S-1-5-11", "S-1-5-4" };
static const char *const group_names[] = { "Users", "Authenticated Users", "INTERACTIVE" };

#define NHOLE (WSB__ARRAY_SIZE(hole_sids) + 1)
#define NGROUP WSB__ARRAY_SIZE(group_sids)

struct walk {
	wsb__audit *out;
	const struct wsb_policy *policy;
	PSID hole[NHOLE];       /* Everyone, the logon SID */
	PSID group[NGROUP];
	unsigned long examined, max_entries;
	wsb_u64 deadline;
};

static int in_set(PSID const *set, size_t n, PSID sid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] && EqualSid(set[i], sid))
			return 1;
	return 0;
}

/* Does a DACL let a token holding exactly these SIDs create in the folder?
 * ACEs in order, a deny seen first takes the bits away, as the access check
 * walks them; inherit-only ACEs do not apply to the folder itself. */
static int dacl_grants_write(const ACL *dacl, PSID const *set, size_t n)
{
	const DWORD write_bits = FILE_WRITE_DATA | FILE_APPEND_DATA;
	DWORD denied = 0, allowed = 0, i;

	if (!dacl)
		return 1; /* no DACL: everyone may do everything */
	for (i = 0; i < dacl->AceCount; i++) {
		void *p;
		ACE_HEADER *h;
		DWORD mask;
		if (!GetAce((PACL)dacl, i, &p))
			break;
		h = p;
		if (h->AceFlags & INHERIT_ONLY_ACE)
			continue;
		if (h->AceType != ACCESS_ALLOWED_ACE_TYPE && h->AceType != ACCESS_DENIED_ACE_TYPE)
			continue;
		if (!in_set(set, n, (PSID)&((ACCESS_ALLOWED_ACE *)p)->SidStart))
			continue;
		mask = ((ACCESS_ALLOWED_ACE *)p)->Mask;
		if (mask & (GENERIC_WRITE | GENERIC_ALL))
			mask |= write_bits;
		if (h->AceType == ACCESS_DENIED_ACE_TYPE)
			denied |= mask & ~allowed;
		else
			allowed |= mask & ~denied;
	}
	return (allowed & write_bits) != 0;
}

/* Record what a folder's DACL lets the sandbox or the caller's other groups
 * write. Takes path. */
static int classify(struct walk *a, char *path, const ACL *dacl)
{
	PSID set[NHOLE + 1];
	wsb__buf by = WSB__BUF_INIT;
	size_t i;
	int rc;

	if (dacl_grants_write(dacl, a->hole, NHOLE))
		return wsb__strvec_push_owned(&a->out->holes, path);
	/* Each group with the restricting SIDs, as the caller's normal pass
	 * sees them (a deny of Everyone first still takes the bits away). */
	memcpy(set, a->hole, sizeof(a->hole));
	for (i = 0; i < NGROUP; i++) {
		set[NHOLE] = a->group[i];
		if (dacl_grants_write(dacl, set, NHOLE + 1))
			wsb__buf_printf(&by, "%s%s", by.size ? ", " : "", group_names[i]);
	}
	if (by.oom) {
		wsb__free(path);
		return wsb__error_nomem();
	}
	if (!by.size) {
		wsb__free(path);
		return WSB_OK;
	}
	if ((rc = wsb__strvec_push_owned(&a->out->groups_only, path)) != WSB_OK) {
		wsb__buf_dispose(&by);
		return rc;
	}
	return wsb__strvec_push_owned(&a->out->groups_by, wsb__buf_detach(&by));
}

static int budget_left(struct walk *a)
{
	if (a->examined >= a->max_entries || wsb__now_ms() >= a->deadline) {
		a->out->exhausted = 1;
		return 0;
	}
	return 1;
}

static int listed(const wsb__strvec *v, const char *path)
{
	size_t i;

	for (i = 0; i < v->count; i++)
		if (wsb__path_cmp(v->items[i], path, WSB__PATH_WIN) == 0)
			return 1;
	return 0;
}

static int examine(struct walk *a, const char *raw)
{
	char *path = NULL;
	wchar_t *w = NULL;
	PACL dacl = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	size_t i;
	DWORD err;
	int rc;

	if (!raw || !*raw || !budget_left(a))
		return WSB_OK;
	if (wsb__path_normalize(&path, raw, WSB__PATH_WIN, 0) != WSB_OK) {
		wsb_error_clear(); /* not a usable absolute path: nothing to audit */
		return WSB_OK;
	}
	if (listed(&a->out->holes, path) || listed(&a->out->groups_only, path))
		goto done;
	for (i = 0; i < a->policy->write_roots.count; i++)
		if (wsb__path_within(path, a->policy->write_roots.items[i], WSB__PATH_WIN))
			goto done;
	a->examined++;
	if ((rc = wsb__w32_wide(&w, path)) != WSB_OK) {
		wsb__free(path);
		return rc;
	}
	err = WSB_OS(GetNamedSecurityInfoW)(w, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION,
		NULL, NULL, &dacl, NULL, &sd);
	if (err == ERROR_SUCCESS) {
		rc = classify(a, path, dacl);
		path = NULL;
		WSB_OS(LocalFree)(sd);
		if (rc != WSB_OK) {
			wsb__free(w);
			return rc;
		}
	}
	/* Unreadable or missing candidates are skipped: the audit reports what
	 * it can see. */
done:
	wsb__free(w);
	wsb__free(path);
	return WSB_OK;
}

static int examine_env(struct walk *a, const char *name)
{
	char *v = NULL;
	int rc = wsb__w32_getenv(&v, name);

	if (rc == WSB_OK)
		rc = examine(a, v);
	wsb__free(v);
	return rc;
}

static int examine_children(struct walk *a, const char *dir)
{
	wsb__buf pat = WSB__BUF_INIT;
	wchar_t *w = NULL;
	WIN32_FIND_DATAW fd;
	HANDLE h;
	int rc = WSB_OK;

	if (wsb__buf_printf(&pat, "%s\\*", dir) != WSB_OK)
		return wsb__error_nomem();
	rc = wsb__w32_wide(&w, pat.ptr);
	wsb__buf_dispose(&pat);
	if (rc != WSB_OK)
		return rc;
	h = WSB_OS(FindFirstFileW)(w, &fd);
	wsb__free(w);
	if (h == INVALID_HANDLE_VALUE)
		return WSB_OK;
	do {
		char *name = NULL, *child = NULL;
		if (!(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
				(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ||
				wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
			continue;
		if (wsb__w32_narrow(&name, fd.cFileName) == WSB_OK &&
				wsb__path_join(&child, dir, name, WSB__PATH_WIN) == WSB_OK)
			rc = examine(a, child);
		wsb_error_clear();
		wsb__free(name);
		wsb__free(child);
	} while (rc == WSB_OK && budget_left(a) && WSB_OS(FindNextFileW)(h, &fd));
	WSB_OS(FindClose)(h);
	return rc;
}

/* A SID from its string form, through the seam. */
static int sid_of(PSID *out, const char *s)
{
	wchar_t *w = NULL;
	int rc;

	*out = NULL;
	if ((rc = wsb__w32_wide(&w, s)) != WSB_OK)
		return rc;
	if (!WSB_OS(ConvertStringSidToSidW)(w, out)) {
		DWORD err = GetLastError();
		*out = NULL;
		rc = wsb__w32_fail("ConvertStringSidToSidW", err, "%s", s);
	}
	wsb__free(w);
	return rc;
}

void wsb__audit_dispose(wsb__audit *a)
{
	wsb__strvec_dispose(&a->holes);
	wsb__strvec_dispose(&a->groups_only);
	wsb__strvec_dispose(&a->groups_by);
	a->exhausted = 0;
}

int wsb__audit_find(wsb__audit *out, const struct wsb_policy *policy,
	const char *cwd, unsigned long max_entries, unsigned long max_ms)
{
	struct walk a;
	char *here = NULL, *path = NULL, *drive = NULL, *logon = NULL;
	wchar_t wbuf[MAX_PATH + 1];
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	a.out = out;
	a.policy = policy;
	a.max_entries = max_entries ? max_entries : DEFAULT_MAX_ENTRIES;
	a.deadline = wsb__now_ms() + (max_ms ? max_ms : DEFAULT_MAX_MS);
	rc = wsb__token_logon_sid(&logon);
	if (rc == WSB_OK)
		rc = sid_of(&a.hole[0], logon);
	for (i = 0; i < WSB__ARRAY_SIZE(hole_sids) && rc == WSB_OK; i++)
		rc = sid_of(&a.hole[1 + i], hole_sids[i]);
	for (i = 0; i < NGROUP && rc == WSB_OK; i++)
		rc = sid_of(&a.group[i], group_sids[i]);
	if (rc != WSB_OK)
		goto done;
	if (cwd) {
		here = wsb__strdup(cwd);
		if (!here)
			rc = wsb__error_nomem();
	} else {
		DWORD n = WSB_OS(GetCurrentDirectoryW)(WSB__ARRAY_SIZE(wbuf), wbuf);
		if (n > 0 && n < WSB__ARRAY_SIZE(wbuf))
			rc = wsb__w32_narrow(&here, wbuf);
	}
	if (rc == WSB_OK && here) {
		rc = examine(&a, here);
		if (rc == WSB_OK)
			rc = examine_children(&a, here);
	}
	if (rc == WSB_OK)
		rc = examine_env(&a, "TEMP");
	if (rc == WSB_OK)
		rc = examine_env(&a, "TMP");
	if (rc == WSB_OK)
		rc = examine_env(&a, "USERPROFILE");
	if (rc == WSB_OK)
		rc = examine_env(&a, "PUBLIC");
	if (rc == WSB_OK && (rc = wsb__w32_getenv(&path, "PATH")) == WSB_OK && path) {
		char *p = path;
		while (p && rc == WSB_OK) {
			char *semi = strchr(p, ';');
			if (semi)
				*semi = '\0';
			rc = examine(&a, p);
			p = semi ? semi + 1 : NULL;
		}
	}
	if (rc == WSB_OK && (rc = wsb__w32_getenv(&drive, "SystemDrive")) == WSB_OK && drive) {
		wsb__buf b = WSB__BUF_INIT;
		if (wsb__buf_printf(&b, "%s\\", drive) == WSB_OK)
			rc = examine(&a, b.ptr);
		wsb__buf_dispose(&b);
	}
	if (rc == WSB_OK) {
		UINT n = WSB_OS(GetWindowsDirectoryW)(wbuf, WSB__ARRAY_SIZE(wbuf));
		if (n > 0 && n < WSB__ARRAY_SIZE(wbuf)) {
			char *windir = NULL;
			if ((rc = wsb__w32_narrow(&windir, wbuf)) == WSB_OK)
				rc = examine(&a, windir);
			wsb__free(windir);
		}
	}
done:
	for (i = 0; i < NHOLE; i++)
		if (a.hole[i])
			WSB_OS(LocalFree)(a.hole[i]);
	for (i = 0; i < NGROUP; i++)
		if (a.group[i])
			WSB_OS(LocalFree)(a.group[i]);
	if (rc != WSB_OK)
		wsb__audit_dispose(out);
	wsb__free(logon);
	wsb__free(here);
	wsb__free(path);
	wsb__free(drive);
	return rc;
}

