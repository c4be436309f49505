/*
 * Passwords of the sandbox users: generated from BCryptGenRandom, kept only
 * DPAPI-protected in files whose DACL shuts the sandbox group out.
 *
 * DPAPI scope: user, not machine. With machine scope any process on the
 * machine (the sandbox users included) can decrypt a blob it can read, so
 * the file DACL would be the only barrier. With user scope only the user
 * who ran setup (elevated or not: elevation does not change the DPAPI
 * master key) can decrypt, which is the user who later starts sandboxed
 * commands. The cost: setup must run in that user's own account (UAC
 * elevation of the same user), and status reports "passwords decrypt:
 * false" to another account.
 */
#include "elevated.h"

#include <stdio.h>
#include <string.h>

/* Ties the blobs to this use, so another DPAPI consumer of the same user
 * cannot be tricked into decrypting them and we never decrypt theirs. */
static const char entropy_text[] = "libwsandbox sandbox-user password v1";

static const char upper[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
static const char lower[] = "abcdefghijkmnopqrstuvwxyz";
static const char digits[] = "23456789";
static const char symbols[] = "!#$%()*+-.:=?@[]^_{}~";

static int char_class(wchar_t c)
{
	if (c < 128 && strchr(upper, (int)c))
		return 0;
	if (c < 128 && strchr(lower, (int)c))
		return 1;
	if (c < 128 && strchr(digits, (int)c))
		return 2;
	return 3;
}

int wsb__secret_password(wchar_t out[WSB__PASSWORD_LEN + 1])
{
	char alphabet[128];
	unsigned char bytes[WSB__PASSWORD_LEN * 2];
	size_t n, i, got;
	unsigned limit;
	NTSTATUS st;
	int attempt;

	n = (size_t)snprintf(alphabet, sizeof(alphabet), "%s%s%s%s", upper, lower, digits, symbols);
	/* Rejection sampling keeps every character equally likely. */
	limit = 256u - 256u % (unsigned)n;
	for (attempt = 0; attempt < 64; attempt++) {
		int seen[4] = { 0, 0, 0, 0 };

		got = 0;
		while (got < WSB__PASSWORD_LEN) {
			st = WSB_OS(BCryptGenRandom)(NULL, bytes, sizeof(bytes), BCRYPT_USE_SYSTEM_PREFERRED_RNG);
			if (st != 0) {
				SecureZeroMemory(bytes, sizeof(bytes));
				SecureZeroMemory(out, (WSB__PASSWORD_LEN + 1) * sizeof(wchar_t));
				return wsb__error_os(WSB_EOS, (long)st,
					"BCryptGenRandom failed (0x%08lx): generating a password", (unsigned long)st);
			}
			for (i = 0; i < sizeof(bytes) && got < WSB__PASSWORD_LEN; i++)
				if (bytes[i] < limit)
					out[got++] = (wchar_t)alphabet[bytes[i] % n];
		}
		out[WSB__PASSWORD_LEN] = L'\0';
		SecureZeroMemory(bytes, sizeof(bytes));
		for (i = 0; i < WSB__PASSWORD_LEN; i++)
			seen[char_class(out[i])] = 1;
		if (seen[0] && seen[1] && seen[2] && seen[3])
			return WSB_OK;
	}
	SecureZeroMemory(out, (WSB__PASSWORD_LEN + 1) * sizeof(wchar_t));
	return wsb__error(WSB_EOS, "BCryptGenRandom: no password with every character class in 64 tries");
}

void wsb__secret_free(wchar_t *password)
{
	if (!password)
		return;
	SecureZeroMemory(password, wcslen(password) * sizeof(wchar_t));
	wsb__free(password);
}

int wsb__secret_protect(BYTE **out, DWORD *out_len, const wchar_t *password)
{
	DATA_BLOB in, ent, blob = { 0, NULL };
	int rc = WSB_OK;

	*out = NULL;
	*out_len = 0;
	in.pbData = (BYTE *)password;
	in.cbData = (DWORD)(wcslen(password) * sizeof(wchar_t));
	ent.pbData = (BYTE *)entropy_text;
	ent.cbData = (DWORD)(sizeof(entropy_text) - 1);
	if (!WSB_OS(CryptProtectData)(&in, L"libwsandbox", &ent, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &blob))
		return wsb__el_fail(WSB_EOS, "CryptProtectData", GetLastError(), "protecting a password");
	if (!(*out = wsb__malloc(blob.cbData ? blob.cbData : 1))) {
		rc = wsb__error_nomem();
	} else {
		memcpy(*out, blob.pbData, blob.cbData);
		*out_len = blob.cbData;
	}
	WSB_OS(LocalFree)(blob.pbData);
	return rc;
}

int wsb__secret_unprotect(wchar_t **out, const BYTE *data, DWORD len)
{
	DATA_BLOB in, ent, plain = { 0, NULL };
	size_t n;
	int rc = WSB_OK;

	*out = NULL;
	in.pbData = (BYTE *)data;
	in.cbData = len;
	ent.pbData = (BYTE *)entropy_text;
	ent.cbData = (DWORD)(sizeof(entropy_text) - 1);
	if (!WSB_OS(CryptUnprotectData)(&in, NULL, &ent, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &plain))
		return wsb__el_fail(WSB_EOS, "CryptUnprotectData", GetLastError(),
			"a stored password does not decrypt for this user");
	n = plain.cbData / sizeof(wchar_t);
	if (plain.cbData % sizeof(wchar_t) || n == 0 || n > 256) {
		rc = wsb__error(WSB_EJOURNAL, "a stored password has an invalid length");
	} else if (!(*out = wsb__calloc(n + 1, sizeof(wchar_t)))) {
		rc = wsb__error_nomem();
	} else {
		memcpy(*out, plain.pbData, n * sizeof(wchar_t));
		if (wcslen(*out) != n) {
			wsb__secret_free(*out);
			*out = NULL;
			rc = wsb__error(WSB_EJOURNAL, "a stored password contains a NUL");
		}
	}
	SecureZeroMemory(plain.pbData, plain.cbData);
	WSB_OS(LocalFree)(plain.pbData);
	return rc;
}

static int well_known(PSID *out, WELL_KNOWN_SID_TYPE type, BYTE *buf, DWORD size)
{
	DWORD n = size;

	if (!CreateWellKnownSid(type, NULL, buf, &n))
		return wsb__el_fail(WSB_EOS, "CreateWellKnownSid", GetLastError(), "SID type %d", (int)type);
	*out = buf;
	return WSB_OK;
}

int wsb__secret_sd(PSECURITY_DESCRIPTOR *out, PSID deny, PSID user, int inherit)
{
	BYTE sy_buf[SECURITY_MAX_SID_SIZE], ba_buf[SECURITY_MAX_SID_SIZE];
	PSID sy, ba;
	DWORD acl_size, flags = inherit ? (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE) : 0;
	size_t sd_size;
	BYTE *mem;
	PSECURITY_DESCRIPTOR sd;
	PACL acl;
	int rc;

	*out = NULL;
	if ((rc = well_known(&sy, WinLocalSystemSid, sy_buf, sizeof(sy_buf))) != WSB_OK ||
			(rc = well_known(&ba, WinBuiltinAdministratorsSid, ba_buf, sizeof(ba_buf))) != WSB_OK)
		return rc;
	acl_size = sizeof(ACL) + 4 * (sizeof(ACCESS_ALLOWED_ACE) - sizeof(DWORD)) +
		GetLengthSid(user) + GetLengthSid(sy) + GetLengthSid(ba) + (deny ? GetLengthSid(deny) : 0);
	acl_size = (acl_size + 3) & ~3u;
	/* The SD and its ACL in one block: the caller frees one pointer. */
	sd_size = (sizeof(SECURITY_DESCRIPTOR) + 7) & ~(size_t)7;
	if (!(mem = wsb__calloc(1, sd_size + acl_size)))
		return wsb__error_nomem();
	sd = (PSECURITY_DESCRIPTOR)mem;
	acl = (PACL)(mem + sd_size);
	if (!WSB_OS(InitializeAcl)(acl, acl_size, ACL_REVISION)) {
		rc = wsb__el_fail(WSB_EOS, "InitializeAcl", GetLastError(), "the secrets DACL");
	} else if (deny && !WSB_OS(AddAccessDeniedAceEx)(acl, ACL_REVISION, flags, FILE_ALL_ACCESS, deny)) {
		rc = wsb__el_fail(WSB_EOS, "AddAccessDeniedAceEx", GetLastError(), "the sandbox group's deny ACE");
	} else if (!WSB_OS(AddAccessAllowedAceEx)(acl, ACL_REVISION, flags, FILE_ALL_ACCESS, user) ||
			!WSB_OS(AddAccessAllowedAceEx)(acl, ACL_REVISION, flags, FILE_ALL_ACCESS, sy) ||
			!WSB_OS(AddAccessAllowedAceEx)(acl, ACL_REVISION, flags, FILE_ALL_ACCESS, ba)) {
		rc = wsb__el_fail(WSB_EOS, "AddAccessAllowedAceEx", GetLastError(), "the secrets DACL");
	} else if (!WSB_OS(InitializeSecurityDescriptor)(sd, SECURITY_DESCRIPTOR_REVISION)) {
		rc = wsb__el_fail(WSB_EOS, "InitializeSecurityDescriptor", GetLastError(), "the secrets SD");
	} else if (!WSB_OS(SetSecurityDescriptorDacl)(sd, TRUE, acl, FALSE)) {
		rc = wsb__el_fail(WSB_EOS, "SetSecurityDescriptorDacl", GetLastError(), "the secrets SD");
	} else if (!SetSecurityDescriptorControl(sd, SE_DACL_PROTECTED, SE_DACL_PROTECTED)) {
		/* Protected: nothing inherited from the state folder's parent
		 * can let the sandbox in. */
		rc = wsb__el_fail(WSB_EOS, "SetSecurityDescriptorControl", GetLastError(), "the secrets SD");
	}
	if (rc != WSB_OK)
		wsb__free(mem);
	else
		*out = sd;
	return rc;
}

int wsb__el_sd_sddl(char **out, PSECURITY_DESCRIPTOR sd)
{
	LPWSTR w = NULL;
	int rc;

	*out = NULL;
	if (!WSB_OS(ConvertSecurityDescriptorToStringSecurityDescriptorW)(sd, SDDL_REVISION_1,
			DACL_SECURITY_INFORMATION, &w, NULL))
		return wsb__el_fail(WSB_EOS, "ConvertSecurityDescriptorToStringSecurityDescriptorW",
			GetLastError(), "the secrets SD");
	rc = wsb__el_narrow(out, w);
	WSB_OS(LocalFree)(w);
	return rc;
}

int wsb__secret_store(const wchar_t *path, const wchar_t *password, PSECURITY_DESCRIPTOR sd)
{
	BYTE *blob = NULL;
	DWORD len = 0;
	int rc;

	if ((rc = wsb__secret_protect(&blob, &len, password)) != WSB_OK)
		return rc;
	rc = wsb__el_write_file(path, blob, len, sd);
	wsb__free(blob);
	return rc;
}

int wsb__secret_load(wchar_t **out, const wchar_t *path)
{
	char *blob = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = wsb__el_read_file(&blob, &len, path, 64 * 1024)) != WSB_OK)
		return rc == WSB_ENOENT ? wsb__error(WSB_ENOENT, "no stored password") : rc;
	rc = wsb__secret_unprotect(out, (const BYTE *)blob, (DWORD)len);
	wsb__free(blob);
	return rc;
}
