/*
 * Identity provisioning: the sandbox group and the sandbox users (NetApi),
 * their memberships, and hiding them from the sign-in screen (registry).
 * Each function does one change or one read, so setup.c can journal every
 * change before making it.
 */
#include "elevated.h"

#include <string.h>

static const wchar_t userlist_path[] =
	L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\SpecialAccounts\\UserList";
static const wchar_t special_path[] =
	L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\SpecialAccounts";
static const wchar_t winlogon_path[] =
	L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon";

/* Names Windows keeps for itself or that would be confused with them. */
static const char *const reserved[] = {
	"Administrator", "Administrators", "Guest", "Guests", "Users", "Everyone",
	"SYSTEM", "LocalSystem", "LocalService", "NetworkService", "DefaultAccount",
	"WDAGUtilityAccount", "krbtgt", "Authenticated Users", "INTERACTIVE",
	"NETWORK", "SERVICE", "BATCH", "ANONYMOUS LOGON", "CREATOR OWNER",
	"TrustedInstaller", "Power Users", "Remote Desktop Users", "NONE",
};

static int ascii_casecmp(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int x = (*a >= 'A' && *a <= 'Z') ? *a + 32 : *a;
		int y = (*b >= 'A' && *b <= 'Z') ? *b + 32 : *b;
		if (x != y)
			return x - y;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int wsb__account_name_check(const char *name, size_t max, const char *what)
{
	wchar_t *w = NULL;
	size_t i, len;
	int only_dots = 1, rc;

	if (!name || !*name)
		return wsb__error(WSB_EINVAL, "%s: the name is empty", what);
	if ((rc = wsb__el_wide(&w, name)) != WSB_OK)
		return wsb__error(WSB_EINVAL, "%s: the name is not valid UTF-8", what);
	len = wcslen(w);
	wsb__free(w);
	if (len > max)
		return wsb__error(WSB_ETOOLONG, "%s: \"%s\" is longer than %lu characters", what, name,
			(unsigned long)max);
	for (i = 0; name[i]; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 32 || c == 127)
			return wsb__error(WSB_EINVAL, "%s: the name contains a control character", what);
		if (strchr("\\/[]:;|=,+*?<>\"", c))
			return wsb__error(WSB_EINVAL, "%s: \"%s\" contains the character '%c', which Windows "
				"does not allow in account names", what, name, c);
		if (c != '.' && c != ' ')
			only_dots = 0;
	}
	if (only_dots)
		return wsb__error(WSB_EINVAL, "%s: a name of only dots and spaces is not allowed", what);
	if (name[i - 1] == '.' || name[i - 1] == ' ' || name[0] == ' ')
		return wsb__error(WSB_EINVAL, "%s: \"%s\" starts with a space or ends with a dot or space",
			what, name);
	for (i = 0; i < WSB__ARRAY_SIZE(reserved); i++)
		if (ascii_casecmp(name, reserved[i]) == 0)
			return wsb__error(WSB_EINVAL, "%s: \"%s\" is a name Windows reserves", what, name);
	return WSB_OK;
}

static int net_fail(int fallback, const char *call, NET_API_STATUS st, const char *what,
	const wchar_t *name)
{
	char *n = NULL;
	int rc;

	wsb__el_narrow(&n, name);
	rc = wsb__el_fail(fallback, call, st, "%s %s", what, n ? n : "?");
	wsb__free(n);
	return rc;
}

int wsb__group_exists(int *out, const wchar_t *group)
{
	LPBYTE buf = NULL;
	NET_API_STATUS st = WSB_OS(NetLocalGroupGetInfo)(NULL, group, 0, &buf);

	*out = 0;
	if (buf)
		WSB_OS(NetApiBufferFree)(buf);
	if (st == NERR_Success) {
		*out = 1;
		return WSB_OK;
	}
	if (st == NERR_GroupNotFound || st == ERROR_NO_SUCH_ALIAS)
		return WSB_OK;
	return net_fail(WSB_EOS, "NetLocalGroupGetInfo", st, "looking up group", group);
}

int wsb__group_create(const wchar_t *group)
{
	LOCALGROUP_INFO_1 info;
	DWORD bad = 0;
	NET_API_STATUS st;

	info.lgrpi1_name = (LPWSTR)group;
	info.lgrpi1_comment = (LPWSTR)L"libwsandbox: sandbox users (denied access to the setup state)";
	st = WSB_OS(NetLocalGroupAdd)(NULL, 1, (LPBYTE)&info, &bad);
	if (st != NERR_Success)
		return net_fail(WSB_EOS, "NetLocalGroupAdd", st, "creating group", group);
	return WSB_OK;
}

int wsb__group_delete(const wchar_t *group)
{
	NET_API_STATUS st = WSB_OS(NetLocalGroupDel)(NULL, group);

	if (st == NERR_Success || st == NERR_GroupNotFound || st == ERROR_NO_SUCH_ALIAS)
		return WSB_OK;
	return net_fail(WSB_EOS, "NetLocalGroupDel", st, "deleting group", group);
}

int wsb__user_exists(int *out, const wchar_t *user)
{
	LPBYTE buf = NULL;
	NET_API_STATUS st = WSB_OS(NetUserGetInfo)(NULL, user, 0, &buf);

	*out = 0;
	if (buf)
		WSB_OS(NetApiBufferFree)(buf);
	if (st == NERR_Success) {
		*out = 1;
		return WSB_OK;
	}
	if (st == NERR_UserNotFound)
		return WSB_OK;
	return net_fail(WSB_EOS, "NetUserGetInfo", st, "looking up user", user);
}

int wsb__user_create(const wchar_t *user, const wchar_t *password)
{
	USER_INFO_1 info;
	DWORD bad = 0;
	NET_API_STATUS st;

	memset(&info, 0, sizeof(info));
	info.usri1_name = (LPWSTR)user;
	info.usri1_password = (LPWSTR)password;
	info.usri1_priv = USER_PRIV_USER;
	info.usri1_comment = (LPWSTR)L"libwsandbox sandbox user";
	info.usri1_flags = UF_SCRIPT | UF_DONT_EXPIRE_PASSWD;
	st = WSB_OS(NetUserAdd)(NULL, 1, (LPBYTE)&info, &bad);
	if (st != NERR_Success)
		return net_fail(WSB_EOS, "NetUserAdd", st, "creating user", user);
	return WSB_OK;
}

int wsb__user_set_password(const wchar_t *user, const wchar_t *password)
{
	USER_INFO_1003 info;
	DWORD bad = 0;
	NET_API_STATUS st;

	info.usri1003_password = (LPWSTR)password;
	st = WSB_OS(NetUserSetInfo)(NULL, user, 1003, (LPBYTE)&info, &bad);
	if (st != NERR_Success)
		return net_fail(WSB_EOS, "NetUserSetInfo", st, "setting the password of user", user);
	return WSB_OK;
}

int wsb__user_delete(const wchar_t *user)
{
	NET_API_STATUS st = WSB_OS(NetUserDel)(NULL, user);

	if (st == NERR_Success || st == NERR_UserNotFound)
		return WSB_OK;
	return net_fail(WSB_EOS, "NetUserDel", st, "deleting user", user);
}

int wsb__user_in_group(int *out, const wchar_t *user, const wchar_t *group)
{
	LPBYTE buf = NULL;
	DWORD read = 0, total = 0, i;
	NET_API_STATUS st;

	*out = 0;
	st = WSB_OS(NetUserGetLocalGroups)(NULL, user, 0, 0, &buf, MAX_PREFERRED_LENGTH, &read, &total);
	if (st == NERR_UserNotFound) {
		if (buf)
			WSB_OS(NetApiBufferFree)(buf);
		return WSB_OK;
	}
	if (st != NERR_Success) {
		if (buf)
			WSB_OS(NetApiBufferFree)(buf);
		return net_fail(WSB_EOS, "NetUserGetLocalGroups", st, "groups of user", user);
	}
	for (i = 0; i < read; i++)
		if (_wcsicmp(((LOCALGROUP_USERS_INFO_0 *)buf)[i].lgrui0_name, group) == 0)
			*out = 1;
	if (buf)
		WSB_OS(NetApiBufferFree)(buf);
	return WSB_OK;
}

int wsb__group_add_member(const wchar_t *group, const wchar_t *user)
{
	LOCALGROUP_MEMBERS_INFO_3 m;
	NET_API_STATUS st;

	m.lgrmi3_domainandname = (LPWSTR)user;
	st = WSB_OS(NetLocalGroupAddMembers)(NULL, group, 3, (LPBYTE)&m, 1);
	if (st == NERR_Success || st == ERROR_MEMBER_IN_ALIAS)
		return WSB_OK;
	return net_fail(WSB_EOS, "NetLocalGroupAddMembers", st, "adding a member to group", group);
}

int wsb__group_del_member(const wchar_t *group, const wchar_t *user)
{
	LOCALGROUP_MEMBERS_INFO_3 m;
	NET_API_STATUS st;

	m.lgrmi3_domainandname = (LPWSTR)user;
	st = WSB_OS(NetLocalGroupDelMembers)(NULL, group, 3, (LPBYTE)&m, 1);
	if (st == NERR_Success || st == ERROR_MEMBER_NOT_IN_ALIAS || st == ERROR_NO_SUCH_MEMBER ||
			st == NERR_GroupNotFound || st == ERROR_NO_SUCH_ALIAS)
		return WSB_OK;
	return net_fail(WSB_EOS, "NetLocalGroupDelMembers", st, "removing a member from group", group);
}

int wsb__users_group_name(wchar_t **out)
{
	BYTE sid[SECURITY_MAX_SID_SIZE];
	DWORD sid_len = sizeof(sid), name_len = 0, dom_len = 0;
	wchar_t *name = NULL, *dom = NULL;
	SID_NAME_USE use;
	int rc = WSB_OK;

	*out = NULL;
	if (!CreateWellKnownSid(WinBuiltinUsersSid, NULL, sid, &sid_len))
		return wsb__el_fail(WSB_EOS, "CreateWellKnownSid", GetLastError(), "the Users group");
	WSB_OS(LookupAccountSidW)(NULL, sid, NULL, &name_len, NULL, &dom_len, &use);
	if (name_len == 0)
		return wsb__el_fail(WSB_EOS, "LookupAccountSidW", GetLastError(), "name of the Users group");
	name = wsb__calloc(name_len + 1, sizeof(wchar_t));
	dom = wsb__calloc(dom_len + 1, sizeof(wchar_t));
	if (!name || !dom)
		rc = wsb__error_nomem();
	else if (!WSB_OS(LookupAccountSidW)(NULL, sid, name, &name_len, dom, &dom_len, &use))
		rc = wsb__el_fail(WSB_EOS, "LookupAccountSidW", GetLastError(), "name of the Users group");
	wsb__free(dom);
	if (rc != WSB_OK)
		wsb__free(name);
	else
		*out = name;
	return rc;
}

/* ---- hiding from the sign-in screen ---- */

#define REG_VIEW KEY_WOW64_64KEY

static int key_exists(int *out, const wchar_t *path)
{
	HKEY key = NULL;
	LSTATUS st = WSB_OS(RegOpenKeyExW)(HKEY_LOCAL_MACHINE, path, 0, KEY_QUERY_VALUE | REG_VIEW, &key);

	*out = 0;
	if (st == ERROR_SUCCESS) {
		WSB_OS(RegCloseKey)(key);
		*out = 1;
		return WSB_OK;
	}
	if (st == ERROR_FILE_NOT_FOUND)
		return WSB_OK;
	return wsb__el_fail(WSB_EOS, "RegOpenKeyExW", (DWORD)st, "HKLM\\%ls", path);
}

int wsb__hide_state(int *out_missing_keys, int *out_hidden, const wchar_t *user)
{
	HKEY key = NULL;
	DWORD type = 0, value = 1, size = sizeof(value);
	LSTATUS st;
	int have = 0, rc;

	*out_missing_keys = 2;
	*out_hidden = 0;
	if ((rc = key_exists(&have, special_path)) != WSB_OK)
		return rc;
	if (!have)
		return WSB_OK;
	*out_missing_keys = 1;
	st = WSB_OS(RegOpenKeyExW)(HKEY_LOCAL_MACHINE, userlist_path, 0, KEY_QUERY_VALUE | REG_VIEW, &key);
	if (st == ERROR_FILE_NOT_FOUND)
		return WSB_OK;
	if (st != ERROR_SUCCESS)
		return wsb__el_fail(WSB_EOS, "RegOpenKeyExW", (DWORD)st, "the sign-in screen's UserList key");
	*out_missing_keys = 0;
	st = WSB_OS(RegQueryValueExW)(key, user, NULL, &type, (LPBYTE)&value, &size);
	WSB_OS(RegCloseKey)(key);
	if (st == ERROR_SUCCESS) {
		*out_hidden = type == REG_DWORD && size == sizeof(DWORD) && value == 0;
		return WSB_OK;
	}
	if (st == ERROR_FILE_NOT_FOUND || st == ERROR_MORE_DATA)
		return WSB_OK;
	return wsb__el_fail(WSB_EOS, "RegQueryValueExW", (DWORD)st, "the sign-in screen's UserList value");
}

int wsb__hide_user(const wchar_t *user)
{
	HKEY key = NULL;
	DWORD zero = 0, disp = 0;
	LSTATUS st;

	st = WSB_OS(RegCreateKeyExW)(HKEY_LOCAL_MACHINE, userlist_path, 0, NULL, 0,
		KEY_SET_VALUE | REG_VIEW, NULL, &key, &disp);
	if (st != ERROR_SUCCESS)
		return wsb__el_fail(WSB_EOS, "RegCreateKeyExW", (DWORD)st, "the sign-in screen's UserList key");
	st = WSB_OS(RegSetValueExW)(key, user, 0, REG_DWORD, (const BYTE *)&zero, sizeof(zero));
	WSB_OS(RegCloseKey)(key);
	if (st != ERROR_SUCCESS)
		return wsb__el_fail(WSB_EOS, "RegSetValueExW", (DWORD)st, "hiding a user from the sign-in screen");
	return WSB_OK;
}

int wsb__unhide_user(const wchar_t *user)
{
	HKEY key = NULL;
	LSTATUS st;

	st = WSB_OS(RegOpenKeyExW)(HKEY_LOCAL_MACHINE, userlist_path, 0, KEY_SET_VALUE | REG_VIEW, &key);
	if (st == ERROR_FILE_NOT_FOUND)
		return WSB_OK;
	if (st != ERROR_SUCCESS)
		return wsb__el_fail(WSB_EOS, "RegOpenKeyExW", (DWORD)st, "the sign-in screen's UserList key");
	st = WSB_OS(RegDeleteValueW)(key, user);
	WSB_OS(RegCloseKey)(key);
	if (st != ERROR_SUCCESS && st != ERROR_FILE_NOT_FOUND)
		return wsb__el_fail(WSB_EOS, "RegDeleteValueW", (DWORD)st, "un-hiding a user");
	return WSB_OK;
}

/* Delete parent\child if it has no values and no subkeys. */
static int delete_if_empty(const wchar_t *parent, const wchar_t *child, const wchar_t *full)
{
	HKEY key = NULL;
	DWORD subkeys = 0, values = 0;
	LSTATUS st;

	st = WSB_OS(RegOpenKeyExW)(HKEY_LOCAL_MACHINE, full, 0, KEY_QUERY_VALUE | REG_VIEW, &key);
	if (st == ERROR_FILE_NOT_FOUND)
		return WSB_OK;
	if (st != ERROR_SUCCESS)
		return wsb__el_fail(WSB_EOS, "RegOpenKeyExW", (DWORD)st, "HKLM\\%ls", full);
	st = WSB_OS(RegQueryInfoKeyW)(key, NULL, NULL, NULL, &subkeys, NULL, NULL, &values,
		NULL, NULL, NULL, NULL);
	WSB_OS(RegCloseKey)(key);
	if (st != ERROR_SUCCESS)
		return wsb__el_fail(WSB_EOS, "RegQueryInfoKeyW", (DWORD)st, "HKLM\\%ls", full);
	if (subkeys || values)
		return WSB_OK;
	st = WSB_OS(RegOpenKeyExW)(HKEY_LOCAL_MACHINE, parent, 0, KEY_ALL_ACCESS | REG_VIEW, &key);
	if (st == ERROR_FILE_NOT_FOUND)
		return WSB_OK;
	if (st != ERROR_SUCCESS)
		return wsb__el_fail(WSB_EOS, "RegOpenKeyExW", (DWORD)st, "HKLM\\%ls", parent);
	st = WSB_OS(RegDeleteKeyExW)(key, child, REG_VIEW, 0);
	WSB_OS(RegCloseKey)(key);
	if (st != ERROR_SUCCESS && st != ERROR_FILE_NOT_FOUND)
		return wsb__el_fail(WSB_EOS, "RegDeleteKeyExW", (DWORD)st, "HKLM\\%ls", full);
	return WSB_OK;
}

int wsb__hide_keys_remove(int levels)
{
	int rc = WSB_OK;

	if (levels >= 1)
		rc = delete_if_empty(special_path, L"UserList", userlist_path);
	if (rc == WSB_OK && levels >= 2)
		rc = delete_if_empty(winlogon_path, L"SpecialAccounts", special_path);
	return rc;
}
