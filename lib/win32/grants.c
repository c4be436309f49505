/*
 * Read grants for the sandbox group: the sandbox users are members of
 * Users, which already reads the system roots (C:\Windows, Program Files),
 * so the only roots that need a grant are the directories directly in the
 * real user's profile. Secret folders are skipped, and so is AppData (tokens,
 * browser profiles, credentials: the sandbox users have their own). Each
 * grant is one inherited allow ACE for read and execute, added and removed
 * through acl.c, which never touches another ACE or the owner.
 */
#include "elevated.h"
#include "win32.h"

#include <string.h>

/* Directory names in the profile that are never granted (compared without
 * case). */
static const char *const skipped[] = {
	".ssh", ".gnupg", ".aws", ".azure", ".kube", ".docker", ".password-store",
	".netrc", ".git-credentials", ".config", ".vault-token", ".terraform.d", ".npmrc",
	".pypirc", ".m2", ".gradle", ".cargo", "AppData", "Application Data", "Local Settings",
	"Cookies", "NetHood", "PrintHood", "Recent", "SendTo", "Start Menu", "Templates",
	"My Documents",
};

int wsb__grant_skipped(const char *name)
{
	size_t i;

	if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
		return 1;
	for (i = 0; i < WSB__ARRAY_SIZE(skipped); i++)
		if (_stricmp(name, skipped[i]) == 0)
			return 1;
	return 0;
}

int wsb__grant_sddl(char **out, const char *group_sid)
{
	return wsb__ace_sddl(out, 0, FILE_GENERIC_READ | FILE_GENERIC_EXECUTE, 1, group_sid);
}

int wsb__grant_roots(wsb__strvec *out, const wchar_t *profile)
{
	WIN32_FIND_DATAW fd;
	wchar_t *pattern = NULL;
	char *name = NULL, *dir8 = NULL;
	HANDLE h;
	DWORD err;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = wsb__el_join(&pattern, profile, L"*")) != WSB_OK)
		return rc;
	if ((rc = wsb__el_narrow(&dir8, profile)) != WSB_OK)
		goto done;
	h = WSB_OS(FindFirstFileW)(pattern, &fd);
	if (h == INVALID_HANDLE_VALUE) {
		err = GetLastError();
		rc = wsb__el_fail(WSB_EOS, "FindFirstFileW", err, "listing the profile %s", dir8);
		goto done;
	}
	do {
		/* Reparse points (junctions such as "My Documents") are skipped:
		 * their targets are reached by their real names. */
		if (!(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
				(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
			continue;
		if ((rc = wsb__el_narrow(&name, fd.cFileName)) != WSB_OK)
			break;
		if (!wsb__grant_skipped(name)) {
			wsb__buf b = WSB__BUF_INIT;
			wsb__buf_printf(&b, "%s\\%s", dir8, name);
			if (b.oom) {
				wsb__buf_dispose(&b);
				rc = wsb__error_nomem();
			} else {
				rc = wsb__strvec_push_owned(out, wsb__buf_detach(&b));
			}
		}
		wsb__free(name);
		name = NULL;
	} while (rc == WSB_OK && WSB_OS(FindNextFileW)(h, &fd));
	if (rc == WSB_OK && (err = GetLastError()) != ERROR_NO_MORE_FILES)
		rc = wsb__el_fail(WSB_EOS, "FindNextFileW", err, "listing the profile %s", dir8);
	WSB_OS(FindClose)(h);
done:
	if (rc != WSB_OK)
		wsb__strvec_dispose(out);
	wsb__free(pattern);
	wsb__free(dir8);
	return rc;
}
