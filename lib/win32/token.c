/*
 * The restricted token a sandboxed command runs with. WRITE_RESTRICTED makes
 * Windows check every *write* a second time against the restricting SIDs
 * only (capability SIDs, logon SID, Everyone); reads are not restricted.
 * The token stays bounded: at most WSB__CAP_PER_ROOT_MAX capability SIDs
 * whatever the number of roots (sid.c).
 */
#include "win32.h"

#include <string.h>

#define SID_EVERYONE "S-1-1-0"

static int sid_of(PSID *out, const char *s)
{
	wchar_t *w;
	int rc;

	*out = NULL;
	if ((rc = wsb__w32_wide(&w, s)) != WSB_OK)
		return rc;
	if (!WSB_OS(ConvertStringSidToSidW)(w, out)) {
		DWORD err = GetLastError();
		wsb__free(w);
		*out = NULL;
		return wsb__w32_fail("ConvertStringSidToSidW", err, "%s", s);
	}
	wsb__free(w);
	return WSB_OK;
}

/* The logon SID of the token (the group with SE_GROUP_LOGON_ID). */
static int logon_sid(char **out, HANDLE token)
{
	TOKEN_GROUPS *groups = NULL;
	DWORD need = 0, i;
	int rc = WSB_OK;

	*out = NULL;
	if (!WSB_OS(GetTokenInformation)(token, TokenGroups, NULL, 0, &need)) {
		DWORD err = GetLastError();
		if (err != ERROR_INSUFFICIENT_BUFFER)
			return wsb__w32_fail("GetTokenInformation", err, "TokenGroups size");
	}
	groups = wsb__malloc(need ? need : 1);
	if (!groups)
		return wsb__error_nomem();
	if (!WSB_OS(GetTokenInformation)(token, TokenGroups, groups, need, &need)) {
		DWORD err = GetLastError();
		wsb__free(groups);
		return wsb__w32_fail("GetTokenInformation", err, "TokenGroups");
	}
	for (i = 0; i < groups->GroupCount; i++) {
		if ((groups->Groups[i].Attributes & SE_GROUP_LOGON_ID) == SE_GROUP_LOGON_ID) {
			wchar_t *w = NULL;
			if (!WSB_OS(ConvertSidToStringSidW)(groups->Groups[i].Sid, &w)) {
				DWORD err = GetLastError();
				rc = wsb__w32_fail("ConvertSidToStringSidW", err, "logon SID");
			} else {
				rc = wsb__w32_narrow(out, w);
				WSB_OS(LocalFree)(w);
			}
			break;
		}
	}
	wsb__free(groups);
	if (rc == WSB_OK && !*out)
		rc = wsb__error(WSB_EUNAVAIL, "the caller's token has no logon SID; "
			"a restricted token needs one for its default DACL");
	return rc;
}

int wsb__token_logon_sid(char **out)
{
	HANDLE token = NULL;
	int rc;

	*out = NULL;
	if (!WSB_OS(OpenProcessToken)(GetCurrentProcess(), TOKEN_QUERY, &token)) {
		DWORD err = GetLastError();
		return wsb__w32_fail("OpenProcessToken", err, "the caller's token");
	}
	rc = logon_sid(out, token);
	WSB_OS(CloseHandle)(token);
	return rc;
}

int wsb__token_create(HANDLE *out, char **out_logon_sid, const wsb__strvec *cap_sids,
	int write_restricted)
{
	HANDLE base = NULL, token = NULL;
	char *logon = NULL;
	SID_AND_ATTRIBUTES *restrict_sids = NULL;
	size_t n = 0, i;
	PACL dacl = NULL;
	DWORD dacl_size;
	TOKEN_DEFAULT_DACL tdd;
	DWORD flags = DISABLE_MAX_PRIVILEGE | LUA_TOKEN;
	int rc;

	*out = NULL;
	if (out_logon_sid)
		*out_logon_sid = NULL;
	if (!WSB_OS(OpenProcessToken)(GetCurrentProcess(),
			TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_ASSIGN_PRIMARY | TOKEN_ADJUST_DEFAULT, &base)) {
		DWORD err = GetLastError();
		return wsb__w32_fail("OpenProcessToken", err, "the caller's token");
	}
	if ((rc = logon_sid(&logon, base)) != WSB_OK)
		goto done;
	restrict_sids = wsb__calloc(cap_sids->count + 2, sizeof(*restrict_sids));
	if (!restrict_sids) {
		rc = wsb__error_nomem();
		goto done;
	}
	for (i = 0; i < cap_sids->count; i++)
		if ((rc = sid_of(&restrict_sids[n++].Sid, cap_sids->items[i])) != WSB_OK)
			goto done;
	if ((rc = sid_of(&restrict_sids[n++].Sid, logon)) != WSB_OK)
		goto done;
	if ((rc = sid_of(&restrict_sids[n++].Sid, SID_EVERYONE)) != WSB_OK)
		goto done;
	if (write_restricted)
		flags |= WRITE_RESTRICTED;
	if (!WSB_OS(CreateRestrictedToken)(base, flags, 0, NULL, 0, NULL,
			write_restricted ? (DWORD)n : 0, write_restricted ? restrict_sids : NULL, &token)) {
		DWORD err = GetLastError();
		token = NULL;
		rc = wsb__w32_fail("CreateRestrictedToken", err, "%lu restricting SIDs", (unsigned long)n);
		goto done;
	}
	/* Default DACL: objects the command creates (pipes, PowerShell's
	 * sections) must be writable through a restricting SID. */
	dacl_size = sizeof(ACL);
	for (i = 0; i < n; i++)
		dacl_size += sizeof(ACCESS_ALLOWED_ACE) + GetLengthSid(restrict_sids[i].Sid) - sizeof(DWORD);
	dacl = wsb__malloc(dacl_size);
	if (!dacl) {
		rc = wsb__error_nomem();
		goto done;
	}
	if (!WSB_OS(InitializeAcl)(dacl, dacl_size, ACL_REVISION)) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("InitializeAcl", err, "default DACL of %lu bytes", (unsigned long)dacl_size);
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (!WSB_OS(AddAccessAllowedAceEx)(dacl, ACL_REVISION, 0, GENERIC_ALL, restrict_sids[i].Sid)) {
			DWORD err = GetLastError();
			rc = wsb__w32_fail("AddAccessAllowedAceEx", err, "default DACL entry %lu", (unsigned long)i);
			goto done;
		}
	}
	tdd.DefaultDacl = dacl;
	if (!WSB_OS(SetTokenInformation)(token, TokenDefaultDacl, &tdd, sizeof(tdd))) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("SetTokenInformation", err, "TokenDefaultDacl (%lu bytes)", (unsigned long)dacl_size);
		goto done;
	}
	*out = token;
	token = NULL;
	if (out_logon_sid) {
		*out_logon_sid = logon;
		logon = NULL;
	}
done:
	if (token)
		WSB_OS(CloseHandle)(token);
	if (base)
		WSB_OS(CloseHandle)(base);
	if (restrict_sids) {
		for (i = 0; i < n; i++)
			if (restrict_sids[i].Sid)
				WSB_OS(LocalFree)(restrict_sids[i].Sid);
		wsb__free(restrict_sids);
	}
	wsb__free(dacl);
	wsb__free(logon);
	return rc;
}
