/*
 * Small helpers of the Windows backend: Win32 errors, UTF-8 <-> UTF-16 at
 * the boundary, environment variables, state files. All Win32 calls go
 * through the seam (os.h).
 */
#include "win32.h"
#include "core/utf.h"
#include "core/path.h"

#include <stdio.h>
#include <string.h>

int wsb__w32_fail(const char *call, DWORD err, const char *fmt, ...)
{
	char what[512];
	int code;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	switch (err) {
	case ERROR_ACCESS_DENIED:
	case ERROR_PRIVILEGE_NOT_HELD:
		code = WSB_EACCES;
		break;
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
		code = WSB_ENOENT;
		break;
	case ERROR_BAD_EXE_FORMAT:
		code = WSB_ENOEXEC;
		break;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		code = WSB_ENOMEM;
		break;
	default:
		code = WSB_EOS;
		break;
	}
	return wsb__error_os(code, (long)err, "%s failed (Win32 error %lu): %s",
		call, (unsigned long)err, what);
}

int wsb__w32_wide(wchar_t **out, const char *s)
{
	uint16_t *w;
	int rc;

	*out = NULL;
	rc = wsb__utf8_to_utf16(&w, NULL, s, strlen(s));
	if (rc == WSB_OK)
		*out = (wchar_t *)w;
	return rc;
}

int wsb__w32_narrow(char **out, const wchar_t *w)
{
	const uint16_t *u = (const uint16_t *)w;

	return wsb__utf16_to_utf8(out, NULL, u, wsb__utf16_len(u));
}

int wsb__w32_getenv(char **out, const char *name)
{
	wchar_t *wname = NULL, *val = NULL;
	DWORD n, got;
	int rc;

	*out = NULL;
	if ((rc = wsb__w32_wide(&wname, name)) != WSB_OK)
		return rc;
	n = WSB_OS(GetEnvironmentVariableW)(wname, NULL, 0);
	if (n == 0) {
		DWORD err = GetLastError();
		wsb__free(wname);
		if (err == ERROR_ENVVAR_NOT_FOUND)
			return WSB_OK;
		return wsb__w32_fail("GetEnvironmentVariableW", err, "%s", name);
	}
	val = wsb__calloc(n, sizeof(wchar_t));
	if (!val) {
		wsb__free(wname);
		return wsb__error_nomem();
	}
	got = WSB_OS(GetEnvironmentVariableW)(wname, val, n);
	if (got == 0 || got >= n) {
		DWORD err = GetLastError();
		wsb__free(wname);
		wsb__free(val);
		if (got == 0 && err == ERROR_ENVVAR_NOT_FOUND)
			return WSB_OK;
		return wsb__w32_fail("GetEnvironmentVariableW", got ? ERROR_MORE_DATA : err, "%s", name);
	}
	rc = wsb__w32_narrow(out, val);
	wsb__free(wname);
	wsb__free(val);
	return rc;
}

int wsb__w32_stat(int *out_dir, const char *path)
{
	wchar_t *w;
	DWORD attr;
	int rc;

	if (out_dir)
		*out_dir = 0;
	if ((rc = wsb__w32_wide(&w, path)) != WSB_OK)
		return rc;
	attr = WSB_OS(GetFileAttributesW)(w);
	wsb__free(w);
	if (attr == INVALID_FILE_ATTRIBUTES) {
		DWORD err = GetLastError();
		if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
			return 0;
		return wsb__w32_fail("GetFileAttributesW", err, "%s", path);
	}
	if (out_dir)
		*out_dir = (attr & FILE_ATTRIBUTE_DIRECTORY) != 0;
	return 1;
}

int wsb__w32_mkdirs(const char *path)
{
	char *copy;
	size_t i, len = strlen(path);
	int rc = WSB_OK;

	copy = wsb__strdup(path);
	if (!copy)
		return wsb__error_nomem();
	/* Create each prefix that ends at a separator, then the whole path;
	 * never the root ("C:\", "\\srv\share") itself. */
	for (i = wsb__path_root_len(path, WSB__PATH_WIN) + 1; i <= len && rc == WSB_OK; i++) {
		if (i < len && copy[i] != '\\')
			continue;
		copy[i] = '\0';
		{
			wchar_t *w;
			if ((rc = wsb__w32_wide(&w, copy)) == WSB_OK) {
				if (!WSB_OS(CreateDirectoryW)(w, NULL)) {
					DWORD err = GetLastError();
					if (err != ERROR_ALREADY_EXISTS)
						rc = wsb__w32_fail("CreateDirectoryW", err, "%s", copy);
				}
				wsb__free(w);
			}
		}
		if (i < len)
			copy[i] = '\\';
	}
	wsb__free(copy);
	return rc;
}

static int open_file(HANDLE *out, const char *path, DWORD access, DWORD disposition)
{
	wchar_t *w;
	int rc;

	if ((rc = wsb__w32_wide(&w, path)) != WSB_OK)
		return rc;
	*out = WSB_OS(CreateFileW)(w, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
		NULL, disposition, FILE_ATTRIBUTE_NORMAL, NULL);
	wsb__free(w);
	if (*out == INVALID_HANDLE_VALUE) {
		DWORD err = GetLastError();
		return wsb__w32_fail("CreateFileW", err, "%s", path);
	}
	return WSB_OK;
}

static int read_file(char **out, size_t *out_len, const char *path, size_t max, int truncate)
{
	HANDLE h;
	LARGE_INTEGER size;
	char *data;
	DWORD got = 0;
	int rc;

	*out = NULL;
	if (out_len)
		*out_len = 0;
	if ((rc = open_file(&h, path, GENERIC_READ, OPEN_EXISTING)) != WSB_OK)
		return rc;
	if (!WSB_OS(GetFileSizeEx)(h, &size)) {
		DWORD err = GetLastError();
		WSB_OS(CloseHandle)(h);
		return wsb__w32_fail("GetFileSizeEx", err, "%s", path);
	}
	if ((unsigned long long)size.QuadPart > max) {
		if (!truncate) {
			WSB_OS(CloseHandle)(h);
			return wsb__error(WSB_ETOOLONG, "%s is larger than %lu bytes", path, (unsigned long)max);
		}
		size.QuadPart = (LONGLONG)max;
	}
	data = wsb__malloc((size_t)size.QuadPart + 1);
	if (!data) {
		WSB_OS(CloseHandle)(h);
		return wsb__error_nomem();
	}
	if (size.QuadPart > 0 && !WSB_OS(ReadFile)(h, data, (DWORD)size.QuadPart, &got, NULL)) {
		DWORD err = GetLastError();
		WSB_OS(CloseHandle)(h);
		wsb__free(data);
		return wsb__w32_fail("ReadFile", err, "%s", path);
	}
	WSB_OS(CloseHandle)(h);
	data[got] = '\0';
	*out = data;
	if (out_len)
		*out_len = got;
	return WSB_OK;
}

int wsb__w32_read_file(char **out, size_t *out_len, const char *path, size_t max)
{
	return read_file(out, out_len, path, max, 0);
}

int wsb__w32_read_prefix(char **out, size_t *out_len, const char *path, size_t max)
{
	int dir = 0, rc = wsb__w32_stat(&dir, path);

	*out = NULL;
	*out_len = 0;
	if (rc < 0)
		return rc;
	if (rc == 0 || dir)
		return WSB_ENOENT; /* absent, or not a file to read as one */
	return read_file(out, out_len, path, max, 1);
}

static int write_all(HANDLE h, const char *data, size_t len, const char *path)
{
	while (len > 0) {
		DWORD chunk = len > 0x100000 ? 0x100000 : (DWORD)len, wrote = 0;
		if (!WSB_OS(WriteFile)(h, data, chunk, &wrote, NULL)) {
			DWORD err = GetLastError();
			return wsb__w32_fail("WriteFile", err, "%s", path);
		}
		data += wrote;
		len -= wrote;
	}
	if (!WSB_OS(FlushFileBuffers)(h)) {
		DWORD err = GetLastError();
		return wsb__w32_fail("FlushFileBuffers", err, "%s", path);
	}
	return WSB_OK;
}

int wsb__w32_append_file(const char *path, const char *data, size_t len)
{
	HANDLE h;
	int rc;

	if ((rc = open_file(&h, path, FILE_APPEND_DATA, OPEN_ALWAYS)) != WSB_OK)
		return rc;
	rc = write_all(h, data, len, path);
	WSB_OS(CloseHandle)(h);
	return rc;
}

int wsb__w32_write_file(const char *path, const char *data, size_t len)
{
	wsb__buf tmp = WSB__BUF_INIT;
	wchar_t *wtmp = NULL, *wpath = NULL;
	HANDLE h;
	int rc;

	if (wsb__buf_printf(&tmp, "%s.tmp", path) != WSB_OK)
		return wsb__error_nomem();
	if ((rc = open_file(&h, tmp.ptr, GENERIC_WRITE, CREATE_ALWAYS)) != WSB_OK)
		goto done;
	rc = write_all(h, data, len, tmp.ptr);
	WSB_OS(CloseHandle)(h);
	if (rc != WSB_OK)
		goto done;
	if ((rc = wsb__w32_wide(&wtmp, tmp.ptr)) != WSB_OK || (rc = wsb__w32_wide(&wpath, path)) != WSB_OK)
		goto done;
	if (!WSB_OS(MoveFileExW)(wtmp, wpath, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("MoveFileExW", err, "%s", path);
	}
done:
	wsb__free(wtmp);
	wsb__free(wpath);
	wsb__buf_dispose(&tmp);
	return rc;
}

wsb_u64 wsb__now_ms(void)
{
	return (wsb_u64)WSB_OS(GetTickCount64)();
}

int wsb__w32_sd_from_sddl(PSECURITY_DESCRIPTOR *out, const char *what, const char *fmt, ...)
{
	wsb__buf sddl = WSB__BUF_INIT;
	wchar_t *w = NULL;
	va_list ap;
	int rc;

	*out = NULL;
	va_start(ap, fmt);
	rc = wsb__buf_vprintf(&sddl, fmt, ap);
	va_end(ap);
	if (rc != WSB_OK) {
		wsb__buf_dispose(&sddl);
		return rc == WSB_ENOMEM ? wsb__error_nomem() : rc;
	}
	rc = wsb__w32_wide(&w, sddl.ptr);
	wsb__buf_dispose(&sddl);
	if (rc != WSB_OK)
		return rc;
	if (!WSB_OS(ConvertStringSecurityDescriptorToSecurityDescriptorW)(w, SDDL_REVISION_1, out, NULL)) {
		DWORD err = GetLastError();
		*out = NULL;
		rc = wsb__w32_fail("ConvertStringSecurityDescriptorToSecurityDescriptorW", err, "%s", what);
	}
	wsb__free(w);
	return rc;
}

int wsb__w32_desktop_create(HANDLE *out, wchar_t *name_out, size_t name_cap, const char *sid,
	const wchar_t *given)
{
	static volatile LONG counter;
	SECURITY_ATTRIBUTES sa;
	PSECURITY_DESCRIPTOR sd = NULL;
	wchar_t name[96];
	int rc;

	*out = NULL;
	/* Only the sandbox (its logon session, or the sandbox user) may use
	 * the desktop. */
	if ((rc = wsb__w32_sd_from_sddl(&sd, "desktop DACL", "D:P(A;;GA;;;%s)", sid)) != WSB_OK)
		return rc;
	if (given)
		_snwprintf(name, WSB__ARRAY_SIZE(name), L"%ls", given);
	else
		_snwprintf(name, WSB__ARRAY_SIZE(name), L"wsb-%lu-%ld", (unsigned long)GetCurrentProcessId(),
			(long)InterlockedIncrement(&counter));
	name[WSB__ARRAY_SIZE(name) - 1] = 0;
	sa.nLength = sizeof(sa);
	sa.lpSecurityDescriptor = sd;
	sa.bInheritHandle = FALSE;
	*out = (HANDLE)WSB_OS(CreateDesktopW)(name, NULL, NULL, 0, GENERIC_ALL, &sa);
	WSB_OS(LocalFree)(sd);
	if (!*out) {
		DWORD err = GetLastError();
		return wsb__w32_fail("CreateDesktopW", err, "private desktop");
	}
	_snwprintf(name_out, name_cap, L"WinSta0\\%ls", name);
	name_out[name_cap - 1] = 0;
	return WSB_OK;
}

void wsb__w32_join(HANDLE h)
{
	int tries;

	for (tries = 0; tries < 3; tries++)
		if (WSB_OS(WaitForSingleObject)(h, INFINITE) != WAIT_FAILED)
			break;
}
