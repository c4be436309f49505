/*
 * The self-test's Windows side (lib/core/selftest.h): the host's scratch
 * directory, TCP and UDP listeners and an inheritable handle, and the probe
 * that runs inside the sandbox (the operations of tests/winreal/probe.c).
 * Every Win32 call goes through the os.h seam. UNIX sockets, the process
 * limit and the detached-process canary have no probe here yet: they are
 * reported unproven on Windows.
 */
/* Winsock 2 (WSA_FLAG_NO_HANDLE_INHERIT) before <windows.h>. */
#include <winsock2.h>
#include "win32.h"
#include "../core/selftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- host side ------------------------------------------------------------ */

/* Outside the temp directory (a writable root of every sandbox by default):
 * %LOCALAPPDATA%, else %USERPROFILE%. */
int wsb__st_make_dir(char **out, const char *parent)
{
	char *base = NULL, name[64];
	int rc, i, is_dir = 0;

	*out = NULL;
	if (parent) {
		base = wsb__strdup(parent);
		if (base == NULL)
			return wsb__error_nomem();
	} else {
		rc = wsb__w32_getenv(&base, "LOCALAPPDATA");
		if (rc == WSB_OK && base == NULL)
			rc = wsb__w32_getenv(&base, "USERPROFILE");
		if (rc < 0)
			return rc;
		if (base == NULL)
			return wsb__error(WSB_ENOENT, "no directory for the canaries' files: neither "
				"LOCALAPPDATA nor USERPROFILE is set (give a work directory)");
	}
	rc = wsb__w32_stat(&is_dir, base);
	if (rc == 0 || (rc > 0 && !is_dir))
		rc = wsb__error(WSB_ENOENT, "the self-test's work directory %s is not a directory", base);
	for (i = 0; rc > 0 && i < 100; i++) {
		wchar_t *w = NULL;
		sprintf(name, "wsb-self-test-%lx-%d", (unsigned long)WSB_OS(GetTickCount64)(), i);
		rc = wsb__path_join(out, base, name, WSB__PATH_HOST);
		if (rc == WSB_OK)
			rc = wsb__w32_wide(&w, *out);
		if (rc == WSB_OK && WSB_OS(CreateDirectoryW)(w, NULL)) {
			wsb__free(w);
			break;
		}
		if (rc == WSB_OK) {
			DWORD e = GetLastError();
			if (e != ERROR_ALREADY_EXISTS)
				rc = wsb__w32_fail("CreateDirectoryW", e, "the self-test's directory %s", *out);
			else
				rc = 1;
		}
		wsb__free(w);
		if (rc != WSB_OK) {
			wsb__free(*out);
			*out = NULL;
		}
	}
	wsb__free(base);
	if (rc > 0)
		rc = wsb__error(WSB_EEXIST, "no free name for the self-test's directory");
	return rc < 0 ? rc : WSB_OK;
}

static void remove_tree(const wchar_t *dir, int depth)
{
	WIN32_FIND_DATAW fd;
	wchar_t pattern[MAX_PATH * 2], child[MAX_PATH * 2];
	HANDLE h;

	if (depth > 8 || wcslen(dir) + 3 >= MAX_PATH * 2)
		return;
	swprintf(pattern, MAX_PATH * 2, L"%ls\\*", dir);
	h = WSB_OS(FindFirstFileW)(pattern, &fd);
	if (h != INVALID_HANDLE_VALUE) {
		do {
			if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
				continue;
			swprintf(child, MAX_PATH * 2, L"%ls\\%ls", dir, fd.cFileName);
			if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
				remove_tree(child, depth + 1);
			else
				WSB_OS(DeleteFileW)(child);
		} while (WSB_OS(FindNextFileW)(h, &fd));
		WSB_OS(FindClose)(h);
	}
	WSB_OS(RemoveDirectoryW)(dir);
}

void wsb__st_remove_tree(const char *path)
{
	wchar_t *w = NULL;

	if (wsb__w32_wide(&w, path) == WSB_OK)
		remove_tree(w, 0);
	wsb__free(w);
}

int wsb__st_make_subdir(const char *path)
{
	return wsb__w32_mkdirs(path);
}

int wsb__st_write_file(const char *path, const char *data)
{
	wchar_t *w = NULL;
	HANDLE h;
	DWORD n = 0, len = (DWORD)strlen(data);
	int rc = wsb__w32_wide(&w, path);

	if (rc < 0)
		return rc;
	h = WSB_OS(CreateFileW)(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	wsb__free(w);
	if (h == INVALID_HANDLE_VALUE)
		return wsb__w32_fail("CreateFileW", GetLastError(), "%s", path);
	if (!WSB_OS(WriteFile)(h, data, len, &n, NULL) || n != len)
		rc = wsb__w32_fail("WriteFile", GetLastError(), "%s", path);
	WSB_OS(CloseHandle)(h);
	return rc;
}

int wsb__st_exists(const char *path)
{
	int is_dir = 0;

	return wsb__w32_stat(&is_dir, path) > 0;
}

long long wsb__st_file_size(const char *path)
{
	wchar_t *w = NULL;
	LARGE_INTEGER size;
	HANDLE h;
	long long out = -1;

	if (wsb__w32_wide(&w, path) < 0)
		return -1;
	h = WSB_OS(CreateFileW)(w, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE
		| FILE_SHARE_DELETE, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	wsb__free(w);
	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (WSB_OS(GetFileSizeEx)(h, &size))
		out = (long long)size.QuadPart;
	WSB_OS(CloseHandle)(h);
	return out;
}

void wsb__st_sleep_ms(unsigned long ms)
{
	WSB_OS(Sleep)((DWORD)ms);
}

struct wsb__st_listener {
	SOCKET s;
	int stream;
	int wsa;
};

int wsb__st_listen(wsb__st_listener **out, char **out_address, const char *kind,
	const char *dir, const char *token)
{
	wsb__st_listener *l;
	struct sockaddr_in a;
	int len = (int)sizeof(a), err, stream = strcmp(kind, "tcp") == 0;
	WSADATA wsa;
	char port[16];

	(void)dir;
	(void)token;
	*out = NULL;
	*out_address = NULL;
	if (!stream && strcmp(kind, "udp") != 0)
		return wsb__error(WSB_ENOTSUP, "no '%s' canary on Windows yet", kind);
	l = wsb__calloc(1, sizeof(*l));
	if (l == NULL)
		return wsb__error_nomem();
	l->s = INVALID_SOCKET;
	if ((err = WSB_OS(WSAStartup)(MAKEWORD(2, 2), &wsa)) != 0) {
		wsb__free(l);
		return wsb__w32_fail("WSAStartup", (DWORD)err, "Winsock for the self-test");
	}
	l->wsa = 1;
	l->stream = stream;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l->s = WSB_OS(WSASocketW)(AF_INET, stream ? SOCK_STREAM : SOCK_DGRAM,
		stream ? IPPROTO_TCP : IPPROTO_UDP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
	if (l->s == INVALID_SOCKET
		|| WSB_OS(bind)(l->s, (struct sockaddr *)&a, len) != 0
		|| (stream && WSB_OS(listen)(l->s, 16) != 0)
		|| WSB_OS(getsockname)(l->s, (struct sockaddr *)&a, &len) != 0) {
		err = WSAGetLastError();
		wsb__st_listener_close(l);
		return wsb__w32_fail("socket", (DWORD)err, "the self-test's %s listener", kind);
	}
	sprintf(port, "%u", (unsigned int)ntohs(a.sin_port));
	*out_address = wsb__strdup(port);
	if (*out_address == NULL) {
		wsb__st_listener_close(l);
		return wsb__error_nomem();
	}
	*out = l;
	return WSB_OK;
}

int wsb__st_listener_reached(wsb__st_listener *l, unsigned long wait_ms)
{
	fd_set rd;
	struct timeval tv;
	char buf[256];
	SOCKET c;

	FD_ZERO(&rd);
	FD_SET(l->s, &rd);
	tv.tv_sec = (long)(wait_ms / 1000);
	tv.tv_usec = (long)(wait_ms % 1000) * 1000;
	if (WSB_OS(select)(0, &rd, NULL, NULL, &tv) <= 0)
		return 0;
	if (!l->stream)
		return WSB_OS(recv)(l->s, buf, (int)sizeof(buf), 0) >= 0;
	c = WSB_OS(accept)(l->s, NULL, NULL);
	if (c == INVALID_SOCKET)
		return 0;
	WSB_OS(closesocket)(c);
	return 1;
}

void wsb__st_listener_close(wsb__st_listener *l)
{
	if (l == NULL)
		return;
	if (l->s != INVALID_SOCKET)
		WSB_OS(closesocket)(l->s);
	if (l->wsa)
		WSB_OS(WSACleanup)();
	wsb__free(l);
}

/* The library starts commands with an explicit handle list, so no other
 * inheritable handle should reach them: this one tries. */
int wsb__st_inheritable_open(long *out_handle, char **out_number, const char *path)
{
	SECURITY_ATTRIBUTES sa;
	wchar_t *w = NULL;
	char num[32];
	HANDLE h;
	int rc;

	*out_handle = -1;
	*out_number = NULL;
	rc = wsb__w32_wide(&w, path);
	if (rc < 0)
		return rc;
	memset(&sa, 0, sizeof(sa));
	sa.nLength = sizeof(sa);
	sa.bInheritHandle = TRUE;
	h = WSB_OS(CreateFileW)(w, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
		OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	wsb__free(w);
	if (h == INVALID_HANDLE_VALUE)
		return wsb__w32_fail("CreateFileW", GetLastError(), "%s", path);
	sprintf(num, "%lu", (unsigned long)(ULONG_PTR)h);
	*out_number = wsb__strdup(num);
	if (*out_number == NULL) {
		WSB_OS(CloseHandle)(h);
		return wsb__error_nomem();
	}
	*out_handle = (long)(ULONG_PTR)h;
	return WSB_OK;
}

void wsb__st_inheritable_close(long handle)
{
	if (handle != -1)
		WSB_OS(CloseHandle)((HANDLE)(ULONG_PTR)handle);
}

/* ---- the probe (inside the sandbox) ---------------------------------------- */

static int said(const char *op, const char *arg, BOOL ok, DWORD err)
{
	if (ok)
		printf("probe: %s %s: ok\n", op, arg);
	else
		printf("probe: %s %s: error %lu\n", op, arg, (unsigned long)err);
	fflush(stdout);
	return ok ? 0 : 1;
}

static int probe_write(const char *path, const char *data, int append)
{
	wchar_t *w = NULL;
	HANDLE h;
	DWORD n = 0, err;
	BOOL ok;

	if (wsb__w32_wide(&w, path) < 0)
		return said("write", path, FALSE, ERROR_INVALID_PARAMETER);
	h = WSB_OS(CreateFileW)(w, append ? FILE_APPEND_DATA : GENERIC_WRITE, FILE_SHARE_READ, NULL,
		OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	err = GetLastError();
	wsb__free(w);
	if (h == INVALID_HANDLE_VALUE)
		return said("write", path, FALSE, err);
	ok = WSB_OS(WriteFile)(h, data, (DWORD)strlen(data), &n, NULL);
	err = GetLastError();
	WSB_OS(CloseHandle)(h);
	return said("write", path, ok, err);
}

static int probe_path_op(const char *op, const char *a, const char *b)
{
	wchar_t *wa = NULL, *wb = NULL;
	BOOL ok = FALSE;
	DWORD err = ERROR_INVALID_PARAMETER;

	if (wsb__w32_wide(&wa, a) == WSB_OK && (b == NULL || wsb__w32_wide(&wb, b) == WSB_OK)) {
		ok = b ? WSB_OS(MoveFileExW)(wa, wb, 0) : WSB_OS(DeleteFileW)(wa);
		err = GetLastError();
	}
	wsb__free(wa);
	wsb__free(wb);
	return said(op, a, ok, err);
}

static int probe_read(const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int rc = wsb__w32_read_prefix(&data, &len, path, 255);

	if (rc < 0 || data == NULL)
		return said("read", path, FALSE, rc == WSB_ENOENT ? ERROR_FILE_NOT_FOUND
			: (DWORD)wsb_error_os(NULL));
	printf("probe: read %s: ok: %.*s\n", path, (int)len, data);
	fflush(stdout);
	wsb__free(data);
	return 0;
}

static int probe_socket(const char *kind, const char *port, const char *token)
{
	int stream = strcmp(kind, "tcp") == 0;
	struct sockaddr_in a;
	WSADATA wsa;
	SOCKET s;
	BOOL ok;
	DWORD err;

	if (WSB_OS(WSAStartup)(MAKEWORD(2, 2), &wsa) != 0)
		return said(kind, port, FALSE, (DWORD)WSAGetLastError());
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((unsigned short)atoi(port));
	s = WSB_OS(WSASocketW)(AF_INET, stream ? SOCK_STREAM : SOCK_DGRAM,
		stream ? IPPROTO_TCP : IPPROTO_UDP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
	/* connect() on a UDP socket only sets its destination: send() sends. */
	ok = s != INVALID_SOCKET && WSB_OS(connect)(s, (struct sockaddr *)&a, (int)sizeof(a)) == 0;
	if (ok && !stream)
		ok = WSB_OS(send)(s, token, (int)strlen(token), 0) >= 0;
	err = (DWORD)WSAGetLastError();
	/* Connected is escaped: the token is a courtesy the listener may
	 * close on before it arrives. */
	if (ok && stream)
		(void)WSB_OS(send)(s, token, (int)strlen(token), 0);
	if (s != INVALID_SOCKET)
		WSB_OS(closesocket)(s);
	WSB_OS(WSACleanup)();
	return said(kind, port, ok, err);
}

int wsb__backend_probe(int argc, const char *const *argv)
{
	const char *op = argc > 0 ? argv[0] : "";

	if (strcmp(op, "write") == 0 && argc == 3)
		return probe_write(argv[1], argv[2], 1);
	if (strcmp(op, "fd") == 0 && argc == 3) {
		HANDLE h = (HANDLE)(ULONG_PTR)strtoul(argv[1], NULL, 10);
		DWORD n = 0;
		BOOL ok = WSB_OS(WriteFile)(h, argv[2], (DWORD)strlen(argv[2]), &n, NULL);
		return said("fd", argv[1], ok, GetLastError());
	}
	if (strcmp(op, "rename") == 0 && argc == 3)
		return probe_path_op("rename", argv[1], argv[2]);
	if (strcmp(op, "unlink") == 0 && argc == 2)
		return probe_path_op("unlink", argv[1], NULL);
	if (strcmp(op, "read") == 0 && argc == 2)
		return probe_read(argv[1]);
	if ((strcmp(op, "tcp") == 0 || strcmp(op, "udp") == 0) && argc == 3)
		return probe_socket(op, argv[1], argv[2]);
	printf("probe: no '%s' operation on Windows (or wrong arguments)\n", op);
	fflush(stdout);
	return 2;
}
