/*
 * The world-writable audit. Everyone is a restricting SID of the sandbox
 * token, so whatever Everyone (or Users, or Authenticated Users, which the
 * token also holds) may write, the sandbox may write. This finds such
 * directories among the usual suspects, within an entry and time budget.
 * Reads only.
 */
#include "win32.h"
#include "core/policy.h"
#include "core/path.h"

#include <string.h>

#define DEFAULT_MAX_ENTRIES 10000
#define DEFAULT_MAX_MS 2000

static const char *const world_sids[] = { "S-1-1-0", "S-1-5-32-545", "S-1-5-11" };

struct audit {
	wsb__strvec *found;
	const struct wsb_policy *policy;
	PSID sids[3];
	unsigned long examined, max_entries;
	wsb_u64 deadline;
	int exhausted;
};

static int is_world(struct audit *a, PSID sid)
{
	size_t i;

	for (i = 0; i < WSB__ARRAY_SIZE(world_sids); i++)
		if (a->sids[i] && EqualSid(a->sids[i], sid))
			return 1;
	return 0;
}

/* Write bits granted to the world SIDs by a DACL, in ACE order (a deny seen
 * first takes the bits away). */
static int dacl_world_writable(struct audit *a, const ACL *dacl)
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
		if (!is_world(a, (PSID)&((ACCESS_ALLOWED_ACE *)p)->SidStart))
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

static int budget_left(struct audit *a)
{
	if (a->examined >= a->max_entries || wsb__now_ms() >= a->deadline) {
		a->exhausted = 1;
		return 0;
	}
	return 1;
}

static int examine(struct audit *a, const char *raw)
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
	for (i = 0; i < a->found->count; i++)
		if (wsb__path_cmp(a->found->items[i], path, WSB__PATH_WIN) == 0)
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
		if (dacl_world_writable(a, dacl)) {
			rc = wsb__strvec_push_owned(a->found, path);
			path = NULL;
			if (rc != WSB_OK) {
				WSB_OS(LocalFree)(sd);
				wsb__free(w);
				return rc;
			}
		}
		WSB_OS(LocalFree)(sd);
	}
	/* Unreadable or missing candidates are skipped: the audit reports what
	 * it can see. */
done:
	wsb__free(w);
	wsb__free(path);
	return WSB_OK;
}

static int examine_env(struct audit *a, const char *name)
{
	char *v = NULL;
	int rc = wsb__w32_getenv(&v, name);

	if (rc == WSB_OK)
		rc = examine(a, v);
	wsb__free(v);
	return rc;
}

static int examine_children(struct audit *a, const char *dir)
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

int wsb__audit_find(wsb__strvec *out, int *out_exhausted, const struct wsb_policy *policy,
	const char *cwd, unsigned long max_entries, unsigned long max_ms)
{
	struct audit a;
	char *here = NULL, *path = NULL, *drive = NULL;
	wchar_t wbuf[MAX_PATH + 1];
	size_t i;
	int rc = WSB_OK;

	memset(&a, 0, sizeof(a));
	a.found = out;
	a.policy = policy;
	a.max_entries = max_entries ? max_entries : DEFAULT_MAX_ENTRIES;
	a.deadline = wsb__now_ms() + (max_ms ? max_ms : DEFAULT_MAX_MS);
	*out_exhausted = 0;
	for (i = 0; i < WSB__ARRAY_SIZE(world_sids) && rc == WSB_OK; i++) {
		wchar_t *w = NULL;
		if ((rc = wsb__w32_wide(&w, world_sids[i])) != WSB_OK)
			break;
		if (!WSB_OS(ConvertStringSidToSidW)(w, &a.sids[i])) {
			DWORD err = GetLastError();
			a.sids[i] = NULL;
			rc = wsb__w32_fail("ConvertStringSidToSidW", err, "%s", world_sids[i]);
		}
		wsb__free(w);
	}
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
	*out_exhausted = a.exhausted;
done:
	for (i = 0; i < WSB__ARRAY_SIZE(world_sids); i++)
		if (a.sids[i])
			WSB_OS(LocalFree)(a.sids[i]);
	wsb__free(here);
	wsb__free(path);
	wsb__free(drive);
	return rc;
}

