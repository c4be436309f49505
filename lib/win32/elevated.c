/*
 * Helpers shared by the elevated setup modules (elevated.h): errors,
 * UTF-8/16, SIDs, small files.
 */
#include "elevated.h"
#include "core/utf.h"

#include <stdio.h>
#include <string.h>

int wsb__el_fail(int fallback, const char *call, DWORD err, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	int code = fallback;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err == ERROR_ACCESS_DENIED)
		code = WSB_EACCES;
	else if (err == ERROR_NOT_ENOUGH_MEMORY || err == ERROR_OUTOFMEMORY)
		code = WSB_ENOMEM;
	return wsb__error_os(code, (long)err, "%s failed (%lu): %s", call, (unsigned long)err, what);
}

int wsb__el_wide(wchar_t **out, const char *s)
{
	uint16_t *w = NULL;
	int rc = wsb__utf8_to_utf16(&w, NULL, s, strlen(s));

	*out = (wchar_t *)w;
	return rc;
}

int wsb__el_narrow(char **out, const wchar_t *w)
{
	const uint16_t *u = (const uint16_t *)w;

	return wsb__utf16_to_utf8(out, NULL, u, wsb__utf16_len(u));
}

static int token_info(void **out, TOKEN_INFORMATION_CLASS cls)
{
	HANDLE token = NULL;
	DWORD need = 0, err;
	void *buf = NULL;
	int rc = WSB_OK;

	*out = NULL;
	if (!WSB_OS(OpenProcessToken)(GetCurrentProcess(), TOKEN_QUERY, &token))
		return wsb__el_fail(WSB_EOS, "OpenProcessToken", GetLastError(), "the process token");
	WSB_OS(GetTokenInformation)(token, cls, NULL, 0, &need);
	if (need == 0) {
		err = GetLastError();
		rc = wsb__el_fail(WSB_EOS, "GetTokenInformation", err, "size of token information %d", (int)cls);
	} else if (!(buf = wsb__malloc(need))) {
		rc = wsb__error_nomem();
	} else if (!WSB_OS(GetTokenInformation)(token, cls, buf, need, &need)) {
		err = GetLastError();
		rc = wsb__el_fail(WSB_EOS, "GetTokenInformation", err, "token information %d", (int)cls);
	}
	WSB_OS(CloseHandle)(token);
	if (rc != WSB_OK)
		wsb__free(buf);
	else
		*out = buf;
	return rc;
}

static int sid_copy(PSID *out, PSID sid)
{
	DWORD n = GetLengthSid(sid);

	if (!(*out = wsb__malloc(n)))
		return wsb__error_nomem();
	memcpy(*out, sid, n);
	return WSB_OK;
}

int wsb__el_current_user_sid(PSID *out)
{
	TOKEN_USER *tu = NULL;
	int rc;

	*out = NULL;
	if ((rc = token_info((void **)&tu, TokenUser)) != WSB_OK)
		return rc;
	rc = sid_copy(out, tu->User.Sid);
	wsb__free(tu);
	return rc;
}

int wsb__el_is_elevated(int *out)
{
	TOKEN_ELEVATION *te = NULL;
	int rc;

	*out = 0;
	if ((rc = token_info((void **)&te, TokenElevation)) != WSB_OK)
		return rc;
	*out = te->TokenIsElevated != 0;
	wsb__free(te);
	return WSB_OK;
}

int wsb__el_account_sid(PSID *out, const wchar_t *name)
{
	DWORD sid_len = 0, dom_len = 0, err;
	SID_NAME_USE use;
	PSID sid = NULL;
	wchar_t *dom = NULL;
	char *n8 = NULL;
	int rc = WSB_OK;

	*out = NULL;
	if (!WSB_OS(LookupAccountNameW)(NULL, name, NULL, &sid_len, NULL, &dom_len, &use)) {
		err = GetLastError();
		if (err != ERROR_INSUFFICIENT_BUFFER) {
			wsb__el_narrow(&n8, name);
			rc = wsb__el_fail(err == ERROR_NONE_MAPPED ? WSB_ENOENT : WSB_EOS,
				"LookupAccountNameW", err, "account %s", n8 ? n8 : "?");
			wsb__free(n8);
			return rc;
		}
	}
	sid = wsb__malloc(sid_len ? sid_len : 1);
	dom = wsb__calloc(dom_len + 1, sizeof(wchar_t));
	if (!sid || !dom) {
		rc = wsb__error_nomem();
	} else if (!WSB_OS(LookupAccountNameW)(NULL, name, sid, &sid_len, dom, &dom_len, &use)) {
		err = GetLastError();
		wsb__el_narrow(&n8, name);
		rc = wsb__el_fail(err == ERROR_NONE_MAPPED ? WSB_ENOENT : WSB_EOS,
			"LookupAccountNameW", err, "account %s", n8 ? n8 : "?");
		wsb__free(n8);
	} else if (!IsValidSid(sid)) {
		rc = wsb__error(WSB_EOS, "LookupAccountNameW returned an invalid SID");
	}
	wsb__free(dom);
	if (rc != WSB_OK)
		wsb__free(sid);
	else
		*out = sid;
	return rc;
}

int wsb__el_sid_string(char **out, PSID sid)
{
	LPWSTR w = NULL;
	int rc;

	*out = NULL;
	if (!WSB_OS(ConvertSidToStringSidW)(sid, &w))
		return wsb__el_fail(WSB_EOS, "ConvertSidToStringSidW", GetLastError(), "a SID");
	rc = wsb__el_narrow(out, w);
	WSB_OS(LocalFree)(w);
	return rc;
}

int wsb__el_read_file(char **out, size_t *out_len, const wchar_t *path, size_t max)
{
	HANDLE h;
	LARGE_INTEGER size;
	DWORD got = 0, err;
	char *buf = NULL;
	int rc = WSB_OK;

	*out = NULL;
	if (out_len)
		*out_len = 0;
	h = WSB_OS(CreateFileW)(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
		FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		err = GetLastError();
		if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
			return WSB_ENOENT;
		return wsb__el_fail(WSB_EOS, "CreateFileW", err, "opening a setup file to read");
	}
	if (!WSB_OS(GetFileSizeEx)(h, &size)) {
		rc = wsb__el_fail(WSB_EOS, "GetFileSizeEx", GetLastError(), "a setup file");
	} else if ((unsigned long long)size.QuadPart > max) {
		rc = wsb__error(WSB_EJOURNAL, "a setup file is larger than %lu bytes", (unsigned long)max);
	} else if (!(buf = wsb__malloc((size_t)size.QuadPart + 1))) {
		rc = wsb__error_nomem();
	} else if (!WSB_OS(ReadFile)(h, buf, (DWORD)size.QuadPart, &got, NULL)) {
		rc = wsb__el_fail(WSB_EOS, "ReadFile", GetLastError(), "a setup file");
	} else {
		buf[got] = '\0';
		*out = buf;
		buf = NULL;
		if (out_len)
			*out_len = got;
	}
	wsb__free(buf);
	WSB_OS(CloseHandle)(h);
	return rc;
}

int wsb__el_write_file(const wchar_t *path, const void *data, size_t len, PSECURITY_DESCRIPTOR sd)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), sd, FALSE };
	wchar_t *tmp = NULL;
	size_t n = wcslen(path);
	HANDLE h;
	DWORD put = 0, err;
	int rc = WSB_OK;

	if (len > 0x10000000u)
		return wsb__error(WSB_ERANGE, "setup file too large");
	if (!(tmp = wsb__calloc(n + 5, sizeof(wchar_t))))
		return wsb__error_nomem();
	memcpy(tmp, path, n * sizeof(wchar_t));
	memcpy(tmp + n, L".tmp", 4 * sizeof(wchar_t));
	/* A fresh file, never a leftover one: only a new file gets sd. */
	WSB_OS(DeleteFileW)(tmp);
	h = WSB_OS(CreateFileW)(tmp, GENERIC_WRITE, 0, sd ? &sa : NULL, CREATE_NEW,
		FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		rc = wsb__el_fail(WSB_EOS, "CreateFileW", GetLastError(), "creating a setup file");
		goto done;
	}
	if (!WSB_OS(WriteFile)(h, data, (DWORD)len, &put, NULL) || put != len) {
		err = GetLastError();
		rc = wsb__el_fail(WSB_EOS, "WriteFile", err, "writing a setup file");
	} else if (!WSB_OS(FlushFileBuffers)(h)) {
		rc = wsb__el_fail(WSB_EOS, "FlushFileBuffers", GetLastError(), "a setup file");
	}
	WSB_OS(CloseHandle)(h);
	if (rc == WSB_OK && !WSB_OS(MoveFileExW)(tmp, path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
		rc = wsb__el_fail(WSB_EOS, "MoveFileExW", GetLastError(), "replacing a setup file");
	if (rc != WSB_OK)
		WSB_OS(DeleteFileW)(tmp);
done:
	wsb__free(tmp);
	return rc;
}

int wsb__el_delete_file(const wchar_t *path)
{
	DWORD err;

	if (WSB_OS(DeleteFileW)(path))
		return WSB_OK;
	err = GetLastError();
	if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
		return WSB_OK;
	return wsb__el_fail(WSB_EOS, "DeleteFileW", err, "removing a setup file");
}

int wsb__el_join(wchar_t **out, const wchar_t *dir, const wchar_t *name)
{
	size_t a = wcslen(dir), b = wcslen(name);
	int sep = a > 0 && dir[a - 1] != L'\\' && dir[a - 1] != L'/';

	if (!(*out = wsb__calloc(a + b + 2, sizeof(wchar_t))))
		return wsb__error_nomem();
	memcpy(*out, dir, a * sizeof(wchar_t));
	if (sep)
		(*out)[a++] = L'\\';
	memcpy(*out + a, name, b * sizeof(wchar_t));
	return WSB_OK;
}
