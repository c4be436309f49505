/*
 * A fake machine for the setup tests, installed through the OS-call seam:
 * local accounts (NetApi + LookupAccount*), the HKLM keys setup touches,
 * the process token's elevation, and the Windows Firewall policy as a COM
 * object (INetFwPolicy2 / INetFwRules / INetFwRule3). Files and DPAPI stay
 * real (Wine implements them). fake_snapshot() prints the whole machine
 * state, the state folder included, so a test can compare before and after.
 */
#ifndef WSB_TESTS_SETUP_FAKE_H
#define WSB_TESTS_SETUP_FAKE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "win32/elevated.h"
#include "fakefs.h"
#include <initguid.h>
#include <netfw.h>

#define FAKE_MAX 32
/* Helpers a test file may not use. */
#define FAKE_HELPER static __attribute__((unused))

typedef struct fake_rule {
	wchar_t name[128], desc[256], group[64], addrs[512], ports[1024], users[128];
	LONG protocol, profiles;
	NET_FW_RULE_DIRECTION dir;
	NET_FW_ACTION action;
	VARIANT_BOOL enabled;
} fake_rule;

static struct fake_world {
	/* accounts */
	wchar_t users[FAKE_MAX][32];
	wchar_t passwords[FAKE_MAX][64];
	int user_rid[FAKE_MAX];
	int nusers;
	wchar_t groups[FAKE_MAX][64];
	int group_rid[FAKE_MAX];
	wchar_t members[FAKE_MAX][FAKE_MAX][32];
	int nmembers[FAKE_MAX];
	int ngroups;
	/* registry: keys by path below HKLM, values as key|name */
	wchar_t keys[FAKE_MAX][256];
	int nkeys;
	wchar_t values[FAKE_MAX][320];
	DWORD value_data[FAKE_MAX];
	int nvalues;
	/* token */
	int elevated;
	/* firewall */
	fake_rule rules[FAKE_MAX];
	int nrules;
	NET_FW_MODIFY_STATE modify_state;
	int fw_stores_nothing;         /* Wine's behaviour: Add succeeds, stores nothing */
	int fw_no_rule3;               /* no INetFwRule3 (older Windows, Wine) */
	unsigned long fw_calls;        /* Item/Add/Remove calls */
	unsigned long fw_fail_at;      /* fail that call (1-based), 0 = never */
	unsigned long fw_adds;
	/* the state folder, for snapshots */
	wchar_t state[MAX_PATH];
	/* the profile's folders, whose DACLs live in fakefs */
	char profile[MAX_PATH];
	char granted[8][MAX_PATH];
	int ngranted;
} W;

static const wchar_t special_key[] =
	L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\SpecialAccounts";
static const wchar_t userlist_key[] =
	L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\SpecialAccounts\\UserList";

static int find_name(wchar_t (*arr)[32], int n, const wchar_t *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (_wcsicmp(arr[i], name) == 0)
			return i;
	return -1;
}

/* A stable RID per name, so SIDs are the same in every run. */
static int rid_of(const wchar_t *name)
{
	unsigned h = 5381;

	for (; *name; name++)
		h = h * 33 + (unsigned)towlower(*name);
	return 1000 + (int)(h % 50000);
}

static int find_group(const wchar_t *name)
{
	int i;

	for (i = 0; i < W.ngroups; i++)
		if (_wcsicmp(W.groups[i], name) == 0)
			return i;
	return -1;
}

/* ---- NetApi ---- */

static NET_API_STATUS WINAPI f_NetLocalGroupAdd(LPCWSTR s, DWORD l, LPBYTE b, LPDWORD e)
{
	LOCALGROUP_INFO_1 *g = (LOCALGROUP_INFO_1 *)b;

	(void)s; (void)l; (void)e;
	if (find_group(g->lgrpi1_name) >= 0 || find_name(W.users, W.nusers, g->lgrpi1_name) >= 0)
		return ERROR_ALIAS_EXISTS;
	wcscpy(W.groups[W.ngroups], g->lgrpi1_name);
	W.group_rid[W.ngroups] = rid_of(g->lgrpi1_name);
	W.nmembers[W.ngroups] = 0;
	W.ngroups++;
	return NERR_Success;
}

static NET_API_STATUS WINAPI f_NetLocalGroupDel(LPCWSTR s, LPCWSTR g)
{
	int i = find_group(g);

	(void)s;
	if (i < 0)
		return NERR_GroupNotFound;
	for (; i < W.ngroups - 1; i++) {
		memcpy(W.groups[i], W.groups[i + 1], sizeof(W.groups[i]));
		memcpy(W.members[i], W.members[i + 1], sizeof(W.members[i]));
		W.nmembers[i] = W.nmembers[i + 1];
		W.group_rid[i] = W.group_rid[i + 1];
	}
	W.ngroups--;
	return NERR_Success;
}

static NET_API_STATUS WINAPI f_NetLocalGroupGetInfo(LPCWSTR s, LPCWSTR g, DWORD l, LPBYTE *b)
{
	(void)s; (void)l;
	*b = NULL;
	return find_group(g) >= 0 ? NERR_Success : NERR_GroupNotFound;
}

static NET_API_STATUS WINAPI f_NetLocalGroupAddMembers(LPCWSTR s, LPCWSTR g, DWORD l, LPBYTE b, DWORD n)
{
	int i = find_group(g);
	LOCALGROUP_MEMBERS_INFO_3 *m = (LOCALGROUP_MEMBERS_INFO_3 *)b;

	(void)s; (void)l; (void)n;
	if (i < 0)
		return NERR_GroupNotFound;
	if (find_name(W.users, W.nusers, m->lgrmi3_domainandname) < 0)
		return ERROR_NO_SUCH_MEMBER;
	if (find_name(W.members[i], W.nmembers[i], m->lgrmi3_domainandname) >= 0)
		return ERROR_MEMBER_IN_ALIAS;
	wcscpy(W.members[i][W.nmembers[i]++], m->lgrmi3_domainandname);
	return NERR_Success;
}

static void remove_member(int g, int k)
{
	for (; k < W.nmembers[g] - 1; k++)
		wcscpy(W.members[g][k], W.members[g][k + 1]);
	W.nmembers[g]--;
}

static NET_API_STATUS WINAPI f_NetLocalGroupDelMembers(LPCWSTR s, LPCWSTR g, DWORD l, LPBYTE b, DWORD n)
{
	int i = find_group(g), k;
	LOCALGROUP_MEMBERS_INFO_3 *m = (LOCALGROUP_MEMBERS_INFO_3 *)b;

	(void)s; (void)l; (void)n;
	if (i < 0)
		return NERR_GroupNotFound;
	if ((k = find_name(W.members[i], W.nmembers[i], m->lgrmi3_domainandname)) < 0)
		return ERROR_MEMBER_NOT_IN_ALIAS;
	remove_member(i, k);
	return NERR_Success;
}

static NET_API_STATUS WINAPI f_NetUserAdd(LPCWSTR s, DWORD l, LPBYTE b, LPDWORD e)
{
	USER_INFO_1 *u = (USER_INFO_1 *)b;

	(void)s; (void)e;
	if (l != 1 || u->usri1_priv != USER_PRIV_USER ||
			u->usri1_flags != (UF_SCRIPT | UF_DONT_EXPIRE_PASSWD))
		return ERROR_INVALID_PARAMETER;
	if (find_name(W.users, W.nusers, u->usri1_name) >= 0)
		return NERR_UserExists;
	if (find_group(u->usri1_name) >= 0)
		return NERR_GroupExists;
	wcscpy(W.users[W.nusers], u->usri1_name);
	wcscpy(W.passwords[W.nusers], u->usri1_password);
	W.user_rid[W.nusers] = rid_of(u->usri1_name);
	W.nusers++;
	return NERR_Success;
}

static NET_API_STATUS WINAPI f_NetUserDel(LPCWSTR s, LPCWSTR name)
{
	int i = find_name(W.users, W.nusers, name), g, k;

	(void)s;
	if (i < 0)
		return NERR_UserNotFound;
	/* Windows drops a deleted account from every group. */
	for (g = 0; g < W.ngroups; g++)
		if ((k = find_name(W.members[g], W.nmembers[g], name)) >= 0)
			remove_member(g, k);
	for (; i < W.nusers - 1; i++) {
		wcscpy(W.users[i], W.users[i + 1]);
		wcscpy(W.passwords[i], W.passwords[i + 1]);
		W.user_rid[i] = W.user_rid[i + 1];
	}
	W.nusers--;
	return NERR_Success;
}

static NET_API_STATUS WINAPI f_NetUserGetInfo(LPCWSTR s, LPCWSTR name, DWORD l, LPBYTE *b)
{
	(void)s; (void)l;
	*b = NULL;
	return find_name(W.users, W.nusers, name) >= 0 ? NERR_Success : NERR_UserNotFound;
}

static NET_API_STATUS WINAPI f_NetUserSetInfo(LPCWSTR s, LPCWSTR name, DWORD l, LPBYTE b, LPDWORD e)
{
	int i = find_name(W.users, W.nusers, name);

	(void)s; (void)e;
	if (i < 0)
		return NERR_UserNotFound;
	if (l != 1003)
		return ERROR_INVALID_PARAMETER;
	wcscpy(W.passwords[i], ((USER_INFO_1003 *)b)->usri1003_password);
	return NERR_Success;
}

static NET_API_STATUS WINAPI f_NetUserGetLocalGroups(LPCWSTR s, LPCWSTR name, DWORD l, DWORD f,
	LPBYTE *b, DWORD m, LPDWORD r, LPDWORD t)
{
	LOCALGROUP_USERS_INFO_0 *out;
	int g, n = 0;

	(void)s; (void)l; (void)f; (void)m;
	*b = NULL;
	*r = *t = 0;
	if (find_name(W.users, W.nusers, name) < 0)
		return NERR_UserNotFound;
	out = calloc(FAKE_MAX, sizeof(*out));
	for (g = 0; g < W.ngroups; g++)
		if (find_name(W.members[g], W.nmembers[g], name) >= 0)
			out[n++].lgrui0_name = W.groups[g];
	*b = (LPBYTE)out;
	*r = *t = (DWORD)n;
	return NERR_Success;
}

static NET_API_STATUS WINAPI f_NetApiBufferFree(LPVOID b)
{
	free(b);
	return NERR_Success;
}

static BOOL WINAPI f_LookupAccountNameW(LPCWSTR s, LPCWSTR n, PSID sid, LPDWORD cb, LPWSTR d,
	LPDWORD cd, PSID_NAME_USE u)
{
	SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
	int i = find_name(W.users, W.nusers, n), g = find_group(n), rid;
	DWORD need = GetSidLengthRequired(5);

	(void)s;
	if (i < 0 && g < 0) {
		SetLastError(ERROR_NONE_MAPPED);
		return FALSE;
	}
	rid = i >= 0 ? W.user_rid[i] : W.group_rid[g];
	if (*cb < need || *cd < 8) {
		*cb = need;
		*cd = 8;
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		return FALSE;
	}
	InitializeSid(sid, &nt, 5);
	*GetSidSubAuthority(sid, 0) = 21;
	*GetSidSubAuthority(sid, 1) = 9;
	*GetSidSubAuthority(sid, 2) = 9;
	*GetSidSubAuthority(sid, 3) = 9;
	*GetSidSubAuthority(sid, 4) = (DWORD)rid;
	wcscpy(d, L"HOST");
	*u = i >= 0 ? SidTypeUser : SidTypeAlias;
	return TRUE;
}

static BOOL WINAPI f_LookupAccountSidW(LPCWSTR s, PSID sid, LPWSTR n, LPDWORD cn, LPWSTR d,
	LPDWORD cd, PSID_NAME_USE u)
{
	(void)s; (void)sid;
	if (*cn < 6 || *cd < 8) {
		*cn = 6;
		*cd = 8;
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		return FALSE;
	}
	wcscpy(n, L"Users");
	wcscpy(d, L"BUILTIN");
	*u = SidTypeAlias;
	return TRUE;
}

/* The built-in Users group exists on every machine. */
static void fake_add_users_group(void)
{
	wcscpy(W.groups[W.ngroups], L"Users");
	W.group_rid[W.ngroups] = 545;
	W.ngroups++;
}

/* ---- registry ---- */

static int find_key(const wchar_t *path)
{
	int i;

	for (i = 0; i < W.nkeys; i++)
		if (_wcsicmp(W.keys[i], path) == 0)
			return i;
	return -1;
}

static void add_key(const wchar_t *path)
{
	if (find_key(path) < 0)
		wcscpy(W.keys[W.nkeys++], path);
}

static LSTATUS WINAPI f_RegOpenKeyExW(HKEY k, LPCWSTR sub, DWORD o, REGSAM a, PHKEY r)
{
	int i = find_key(sub);

	(void)k; (void)o; (void)a;
	if (i < 0)
		return ERROR_FILE_NOT_FOUND;
	*r = (HKEY)(INT_PTR)(i + 0x1000);
	return ERROR_SUCCESS;
}

static LSTATUS WINAPI f_RegCreateKeyExW(HKEY k, LPCWSTR sub, DWORD res, LPWSTR c, DWORD o, REGSAM a,
	LPSECURITY_ATTRIBUTES sa, PHKEY out, LPDWORD disp)
{
	(void)k; (void)res; (void)c; (void)o; (void)a; (void)sa;
	if (wcscmp(sub, userlist_key) == 0)
		add_key(special_key);
	if (disp)
		*disp = find_key(sub) < 0 ? REG_CREATED_NEW_KEY : REG_OPENED_EXISTING_KEY;
	add_key(sub);
	*out = (HKEY)(INT_PTR)(find_key(sub) + 0x1000);
	return ERROR_SUCCESS;
}

static const wchar_t *key_path(HKEY k)
{
	int i = (int)(INT_PTR)k - 0x1000;

	return i >= 0 && i < W.nkeys ? W.keys[i] : L"?";
}

static int find_value(HKEY k, const wchar_t *name)
{
	wchar_t full[320];
	int i;

	swprintf(full, 320, L"%ls|%ls", key_path(k), name);
	for (i = 0; i < W.nvalues; i++)
		if (_wcsicmp(W.values[i], full) == 0)
			return i;
	return -1;
}

static LSTATUS WINAPI f_RegQueryValueExW(HKEY k, LPCWSTR n, LPDWORD r, LPDWORD t, LPBYTE d, LPDWORD cb)
{
	int i = find_value(k, n);

	(void)r;
	if (i < 0)
		return ERROR_FILE_NOT_FOUND;
	*t = REG_DWORD;
	memcpy(d, &W.value_data[i], sizeof(DWORD));
	*cb = sizeof(DWORD);
	return ERROR_SUCCESS;
}

static LSTATUS WINAPI f_RegSetValueExW(HKEY k, LPCWSTR n, DWORD r, DWORD t, const BYTE *d, DWORD cb)
{
	int i = find_value(k, n);

	(void)r; (void)t; (void)cb;
	if (i < 0) {
		i = W.nvalues++;
		swprintf(W.values[i], 320, L"%ls|%ls", key_path(k), n);
	}
	memcpy(&W.value_data[i], d, sizeof(DWORD));
	return ERROR_SUCCESS;
}

static LSTATUS WINAPI f_RegDeleteValueW(HKEY k, LPCWSTR n)
{
	int i = find_value(k, n);

	if (i < 0)
		return ERROR_FILE_NOT_FOUND;
	for (; i < W.nvalues - 1; i++) {
		wcscpy(W.values[i], W.values[i + 1]);
		W.value_data[i] = W.value_data[i + 1];
	}
	W.nvalues--;
	return ERROR_SUCCESS;
}

static LSTATUS WINAPI f_RegDeleteKeyExW(HKEY k, LPCWSTR sub, REGSAM a, DWORD r)
{
	wchar_t full[256];
	int i;

	(void)a; (void)r;
	swprintf(full, 256, L"%ls\\%ls", key_path(k), sub);
	if ((i = find_key(full)) < 0)
		return ERROR_FILE_NOT_FOUND;
	for (; i < W.nkeys - 1; i++)
		wcscpy(W.keys[i], W.keys[i + 1]);
	W.nkeys--;
	return ERROR_SUCCESS;
}

static LSTATUS WINAPI f_RegQueryInfoKeyW(HKEY k, LPWSTR c, LPDWORD cc, LPDWORD r, LPDWORD sk,
	LPDWORD msk, LPDWORD mc, LPDWORD v, LPDWORD mvn, LPDWORD mvl, LPDWORD sd, PFILETIME t)
{
	const wchar_t *p = key_path(k);
	size_t n = wcslen(p);
	DWORD subkeys = 0, values = 0;
	int i;

	(void)c; (void)cc; (void)r; (void)msk; (void)mc; (void)mvn; (void)mvl; (void)sd; (void)t;
	for (i = 0; i < W.nkeys; i++)
		if (_wcsnicmp(W.keys[i], p, n) == 0 && W.keys[i][n] == L'\\')
			subkeys++;
	for (i = 0; i < W.nvalues; i++)
		if (_wcsnicmp(W.values[i], p, n) == 0 && W.values[i][n] == L'|')
			values++;
	if (sk)
		*sk = subkeys;
	if (v)
		*v = values;
	return ERROR_SUCCESS;
}

static LSTATUS WINAPI f_RegCloseKey(HKEY k)
{
	(void)k;
	return ERROR_SUCCESS;
}

/* ---- token ---- */

static BOOL WINAPI f_GetTokenInformation(HANDLE t, TOKEN_INFORMATION_CLASS c, LPVOID b, DWORD n, PDWORD r)
{
	if (c == TokenElevation) {
		*r = sizeof(TOKEN_ELEVATION);
		if (n < sizeof(TOKEN_ELEVATION)) {
			SetLastError(ERROR_INSUFFICIENT_BUFFER);
			return FALSE;
		}
		((TOKEN_ELEVATION *)b)->TokenIsElevated = (DWORD)W.elevated;
		return TRUE;
	}
	return ((wsb__os_GetTokenInformation_fn)wsb__os_default("GetTokenInformation"))(t, c, b, n, r);
}

/* ---- firewall (COM) ---- */

typedef struct fake_rule_obj {
	INetFwRule3 iface;
	LONG refs;
	fake_rule r;
} fake_rule_obj;

static int fw_fault(void)
{
	W.fw_calls++;
	return W.fw_fail_at && W.fw_calls == W.fw_fail_at;
}

#define SELF(This) ((fake_rule_obj *)(This))

static HRESULT STDMETHODCALLTYPE r_QueryInterface(INetFwRule3 *This, REFIID iid, void **out)
{
	if (W.fw_no_rule3 && IsEqualIID(iid, &IID_INetFwRule3)) {
		*out = NULL;
		return E_NOINTERFACE;
	}
	*out = This;
	SELF(This)->refs++;
	return S_OK;
}
static ULONG STDMETHODCALLTYPE r_AddRef(INetFwRule3 *This) { return (ULONG)++SELF(This)->refs; }
static ULONG STDMETHODCALLTYPE r_Release(INetFwRule3 *This)
{
	LONG n = --SELF(This)->refs;

	if (n == 0)
		free(This);
	return (ULONG)n;
}

static HRESULT get_s(const wchar_t *v, BSTR *out)
{
	*out = SysAllocString(v);
	return *out ? S_OK : E_OUTOFMEMORY;
}

#define STR_PROP(Name, field) \
	static HRESULT STDMETHODCALLTYPE r_get_##Name(INetFwRule3 *This, BSTR *out) \
	{ return get_s(SELF(This)->r.field, out); } \
	static HRESULT STDMETHODCALLTYPE r_put_##Name(INetFwRule3 *This, BSTR v) \
	{ wcsncpy(SELF(This)->r.field, v, WSB__ARRAY_SIZE(SELF(This)->r.field) - 1); return S_OK; }
STR_PROP(Name, name)
STR_PROP(Description, desc)
STR_PROP(Grouping, group)
STR_PROP(RemoteAddresses, addrs)
STR_PROP(RemotePorts, ports)
STR_PROP(LocalUserAuthorizedList, users)

#define VAL_PROP(Name, type, field) \
	static HRESULT STDMETHODCALLTYPE r_get_##Name(INetFwRule3 *This, type *out) \
	{ *out = SELF(This)->r.field; return S_OK; } \
	static HRESULT STDMETHODCALLTYPE r_put_##Name(INetFwRule3 *This, type v) \
	{ SELF(This)->r.field = v; return S_OK; }
VAL_PROP(Protocol, LONG, protocol)
VAL_PROP(Profiles, LONG, profiles)
VAL_PROP(Direction, NET_FW_RULE_DIRECTION, dir)
VAL_PROP(Action, NET_FW_ACTION, action)
VAL_PROP(Enabled, VARIANT_BOOL, enabled)

static INetFwRule3Vtbl rule_vtbl = {
	.QueryInterface = r_QueryInterface, .AddRef = r_AddRef, .Release = r_Release,
	.get_Name = r_get_Name, .put_Name = r_put_Name,
	.get_Description = r_get_Description, .put_Description = r_put_Description,
	.get_Grouping = r_get_Grouping, .put_Grouping = r_put_Grouping,
	.get_RemoteAddresses = r_get_RemoteAddresses, .put_RemoteAddresses = r_put_RemoteAddresses,
	.get_RemotePorts = r_get_RemotePorts, .put_RemotePorts = r_put_RemotePorts,
	.get_LocalUserAuthorizedList = r_get_LocalUserAuthorizedList,
	.put_LocalUserAuthorizedList = r_put_LocalUserAuthorizedList,
	.get_Protocol = r_get_Protocol, .put_Protocol = r_put_Protocol,
	.get_Profiles = r_get_Profiles, .put_Profiles = r_put_Profiles,
	.get_Direction = r_get_Direction, .put_Direction = r_put_Direction,
	.get_Action = r_get_Action, .put_Action = r_put_Action,
	.get_Enabled = r_get_Enabled, .put_Enabled = r_put_Enabled,
};

static fake_rule_obj *new_rule_obj(void)
{
	fake_rule_obj *o = calloc(1, sizeof(*o));

	o->iface.lpVtbl = &rule_vtbl;
	o->refs = 1;
	wcscpy(o->r.ports, L"*");
	wcscpy(o->r.addrs, L"*");
	return o;
}

static int find_rule(const wchar_t *name)
{
	int i;

	for (i = 0; i < W.nrules; i++)
		if (_wcsicmp(W.rules[i].name, name) == 0)
			return i;
	return -1;
}

static ULONG STDMETHODCALLTYPE rs_AddRef(INetFwRules *This) { (void)This; return 2; }
static ULONG STDMETHODCALLTYPE rs_Release(INetFwRules *This) { (void)This; return 1; }

static HRESULT STDMETHODCALLTYPE rs_Item(INetFwRules *This, BSTR name, INetFwRule **out)
{
	int i;
	fake_rule_obj *o;

	(void)This;
	*out = NULL;
	if (fw_fault())
		return E_FAIL;
	if ((i = find_rule(name)) < 0)
		return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
	o = new_rule_obj();
	o->r = W.rules[i];
	*out = (INetFwRule *)&o->iface;
	return S_OK;
}

static HRESULT STDMETHODCALLTYPE rs_Add(INetFwRules *This, INetFwRule *rule)
{
	fake_rule_obj *o = (fake_rule_obj *)rule;
	int i;

	(void)This;
	if (fw_fault())
		return E_FAIL;
	W.fw_adds++;
	if (W.fw_stores_nothing)
		return S_OK;
	/* Windows allows duplicate names; setup must never make one. */
	if ((i = find_rule(o->r.name)) >= 0)
		return E_UNEXPECTED;
	W.rules[W.nrules++] = o->r;
	return S_OK;
}

static HRESULT STDMETHODCALLTYPE rs_Remove(INetFwRules *This, BSTR name)
{
	int i;

	(void)This;
	if (fw_fault())
		return E_FAIL;
	if ((i = find_rule(name)) < 0)
		return S_OK;
	for (; i < W.nrules - 1; i++)
		W.rules[i] = W.rules[i + 1];
	W.nrules--;
	return S_OK;
}

static INetFwRulesVtbl rules_vtbl = {
	.AddRef = rs_AddRef, .Release = rs_Release, .Item = rs_Item, .Add = rs_Add, .Remove = rs_Remove,
};
static INetFwRules fake_rules = { &rules_vtbl };

static ULONG STDMETHODCALLTYPE p_AddRef(INetFwPolicy2 *This) { (void)This; return 2; }
static ULONG STDMETHODCALLTYPE p_Release(INetFwPolicy2 *This) { (void)This; return 1; }
static HRESULT STDMETHODCALLTYPE p_get_Rules(INetFwPolicy2 *This, INetFwRules **out)
{
	(void)This;
	*out = &fake_rules;
	return S_OK;
}
static HRESULT STDMETHODCALLTYPE p_get_LocalPolicyModifyState(INetFwPolicy2 *This, NET_FW_MODIFY_STATE *s)
{
	(void)This;
	*s = W.modify_state;
	return S_OK;
}

static INetFwPolicy2Vtbl policy_vtbl = {
	.AddRef = p_AddRef, .Release = p_Release, .get_Rules = p_get_Rules,
	.get_LocalPolicyModifyState = p_get_LocalPolicyModifyState,
};
static INetFwPolicy2 fake_policy = { &policy_vtbl };

static HRESULT WINAPI f_CoCreateInstance(REFCLSID c, LPUNKNOWN o, DWORD x, REFIID i, LPVOID *p)
{
	(void)o; (void)x;
	*p = NULL;
	if (IsEqualCLSID(c, &CLSID_NetFwPolicy2)) {
		*p = &fake_policy;
		return S_OK;
	}
	if (IsEqualCLSID(c, &CLSID_NetFwRule)) {
		if (W.fw_no_rule3 && IsEqualIID(i, &IID_INetFwRule3))
			return E_NOINTERFACE;
		*p = &new_rule_obj()->iface;
		return S_OK;
	}
	return REGDB_E_CLASSNOTREG;
}

/* COM is not started for real: the fake policy needs none, and Wine's
 * rpcss.exe, once started, would hold ctest's output pipe open. */
static HRESULT WINAPI f_CoInitializeEx(LPVOID r, DWORD c)
{
	(void)r; (void)c;
	return S_OK;
}

static void WINAPI f_CoUninitialize(void)
{
}

/* ---- install, reset, snapshot ---- */

#define FAKE_SET(name) wsb__os_set(#name, (wsb__os_fn)f_##name)

/* A clean machine: Users group only, elevated, firewall local policy OK. */
static void fake_install(const wchar_t *state_dir)
{
	memset(&W, 0, sizeof(W));
	W.elevated = 1;
	W.modify_state = NET_FW_MODIFY_STATE_OK;
	fake_add_users_group();
	add_key(L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon");
	wcscpy(W.state, state_dir);
	wsb__os_reset();
	FAKE_SET(NetLocalGroupAdd);
	FAKE_SET(NetLocalGroupDel);
	FAKE_SET(NetLocalGroupGetInfo);
	FAKE_SET(NetLocalGroupAddMembers);
	FAKE_SET(NetLocalGroupDelMembers);
	FAKE_SET(NetUserAdd);
	FAKE_SET(NetUserDel);
	FAKE_SET(NetUserGetInfo);
	FAKE_SET(NetUserSetInfo);
	FAKE_SET(NetUserGetLocalGroups);
	FAKE_SET(NetApiBufferFree);
	FAKE_SET(LookupAccountNameW);
	FAKE_SET(LookupAccountSidW);
	FAKE_SET(RegOpenKeyExW);
	FAKE_SET(RegCreateKeyExW);
	FAKE_SET(RegQueryValueExW);
	FAKE_SET(RegSetValueExW);
	FAKE_SET(RegDeleteValueW);
	FAKE_SET(RegDeleteKeyExW);
	FAKE_SET(RegQueryInfoKeyW);
	FAKE_SET(RegCloseKey);
	FAKE_SET(GetTokenInformation);
	FAKE_SET(CoCreateInstance);
	FAKE_SET(CoInitializeEx);
	FAKE_SET(CoUninitialize);
}

FAKE_HELPER void snap_dir(wsb__buf *b, const wchar_t *dir, int depth)
{
	WIN32_FIND_DATAW fd;
	wchar_t pat[MAX_PATH];
	HANDLE h;
	char name[MAX_PATH];

	swprintf(pat, MAX_PATH, L"%ls\\*", dir);
	if ((h = FindFirstFileW(pat, &fd)) == INVALID_HANDLE_VALUE)
		return;
	do {
		if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
			continue;
		snprintf(name, sizeof(name), "%ls", fd.cFileName);
		wsb__buf_printf(b, "file %d %s\n", depth, name);
		if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) && depth < 3) {
			wchar_t sub[MAX_PATH];
			swprintf(sub, MAX_PATH, L"%ls\\%ls", dir, fd.cFileName);
			snap_dir(b, sub, depth + 1);
		}
	} while (FindNextFileW(h, &fd));
	FindClose(h);
}

/* The machine as text (accounts, memberships, registry, rules, files);
 * passwords are left out (they change on every install). Free with free(). */
FAKE_HELPER char *fake_snapshot(void)
{
	wsb__buf b = WSB__BUF_INIT;
	int i, k;
	char *out;

	for (i = 0; i < W.nusers; i++)
		wsb__buf_printf(&b, "user %ls rid %d\n", W.users[i], W.user_rid[i]);
	for (i = 0; i < W.ngroups; i++) {
		wsb__buf_printf(&b, "group %ls:", W.groups[i]);
		for (k = 0; k < W.nmembers[i]; k++)
			wsb__buf_printf(&b, " %ls", W.members[i][k]);
		wsb__buf_putc(&b, '\n');
	}
	for (i = 0; i < W.nkeys; i++)
		wsb__buf_printf(&b, "key %ls\n", W.keys[i]);
	for (i = 0; i < W.nvalues; i++)
		wsb__buf_printf(&b, "value %ls = %lu\n", W.values[i], (unsigned long)W.value_data[i]);
	for (i = 0; i < W.nrules; i++) {
		fake_rule *r = &W.rules[i];
		wsb__buf_printf(&b, "rule %ls|%ld|%ls|%ls|%ls|%d|%d|%d|%ld\n", r->name, (long)r->protocol,
			r->addrs, r->ports, r->users, (int)r->dir, (int)r->action, (int)r->enabled,
			(long)r->profiles);
	}
	snap_dir(&b, W.state, 0);
	for (i = 0; i < W.ngranted; i++)
		wsb__buf_printf(&b, "dacl %s %s\n", W.granted[i], fakefs_dacl(W.granted[i]));
	out = strdup(b.ptr ? b.ptr : "");
	wsb__buf_dispose(&b);
	return out;
}

/* The password an account has in the fake (NULL if no such user). */
FAKE_HELPER const wchar_t *fake_password(const wchar_t *user)
{
	int i = find_name(W.users, W.nusers, user);

	return i < 0 ? NULL : W.passwords[i];
}

/* A profile (USERPROFILE) with folders that get read grants (their DACLs
 * in fakefs) and folders that must never get one. */
FAKE_HELPER void fake_profile(const char *tag)
{
	static const char *const grant[] = { "Documents", "src" };
	static const char *const never[] = { ".ssh", "AppData", ".aws" };
	char p[MAX_PATH];
	wchar_t w[MAX_PATH];
	size_t i;

	snprintf(W.profile, sizeof(W.profile), "%s", fakefs_temp_dir(tag));
	fakefs_install();
	fakefs_clear();
	W.ngranted = 0;
	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s\\%s", W.profile, grant[i]);
		swprintf(w, MAX_PATH, L"%hs", p);
		CreateDirectoryW(w, NULL);
		fakefs_add(p, 1, NULL, 0);
		snprintf(W.granted[W.ngranted++], MAX_PATH, "%s", p);
	}
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s\\%s", W.profile, never[i]);
		swprintf(w, MAX_PATH, L"%hs", p);
		CreateDirectoryW(w, NULL);
		fakefs_add(p, 1, NULL, 0);
		snprintf(W.granted[W.ngranted++], MAX_PATH, "%s", p);
	}
	swprintf(w, MAX_PATH, L"%hs", W.profile);
	SetEnvironmentVariableW(L"USERPROFILE", w);
}

/* A fresh, empty state folder for one test. */
FAKE_HELPER void fake_state_dir(wchar_t *out, const char *tag)
{
	wchar_t tmp[MAX_PATH];
	static unsigned n;

	GetTempPathW(MAX_PATH, tmp);
	swprintf(out, MAX_PATH, L"%lswsb-setup-%hs-%lu-%u", tmp, tag, (unsigned long)GetCurrentProcessId(), n++);
	CreateDirectoryW(out, NULL);
}

#endif
