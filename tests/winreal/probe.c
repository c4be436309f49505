/*
 * The operation a sandboxed command tries, for tests/winreal (real Windows
 * only). One operation per run, given on the command line; the exit code is
 * the verdict:
 *
 *   0  allowed (the operation succeeded)
 *   1  denied  (ERROR_ACCESS_DENIED, or a connection the firewall refused,
 *              or an allocation or process the job refused)
 *   2  any other error (bad usage, a missing file...): never a verdict
 *
 * Each run prints one line "probe: <op> <args>: ok|error <GetLastError()>"
 * on stdout, flushed, so a failing test shows what happened.
 *
 *   write PATH         open an existing file for writing and write to it
 *   create PATH        create a new file (CREATE_NEW) and write to it
 *   read PATH          open a file for reading and read it
 *   delete PATH        DeleteFileW
 *   mkdir PATH         CreateDirectoryW
 *   rename FROM TO     MoveFileExW without replacing
 *   tempwrite          create a file in %TEMP% as the probe sees it; prints
 *                      "TEMP=<path>" first
 *   alloc MB           commit and touch MB megabytes, 1 MB at a time
 *   spawn N            start N copies of itself sleeping 30 s (detached: no
 *                      console host of their own to count against a limit)
 *   tree MS            start one copy of itself sleeping 60 s, print
 *                      "CHILD=<pid>", then sleep MS
 *   sleep MS           sleep
 *   connect IP PORT    TCP connect (IPv4), 5 s at most
 *   proxy HOST PORT    HTTP CONNECT HOST:PORT through the proxy that
 *                      %HTTPS_PROXY% names (http://127.0.0.1:N): allowed
 *                      on "200", denied on "403"
 *
 * After a refused allocation or process the probe sleeps 30 s before it
 * exits, so that the job's limit message, not the probe's own exit, ends the
 * tree (the library reports WSB_EXIT_LIMIT either way; this makes it certain).
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#define ALLOWED 0
#define DENIED 1
#define OTHER 2

static int verdict(const char *what, const wchar_t *arg, BOOL ok, DWORD err)
{
	if (ok) {
		printf("probe: %s %ls: ok\n", what, arg ? arg : L"");
		fflush(stdout);
		return ALLOWED;
	}
	printf("probe: %s %ls: error %lu\n", what, arg ? arg : L"", (unsigned long)err);
	fflush(stdout);
	return err == ERROR_ACCESS_DENIED ? DENIED : OTHER;
}

static int write_file(const wchar_t *path, DWORD disposition, const char *what)
{
	static const char data[] = "winreal probe\r\n";
	HANDLE h;
	DWORD n = 0, err;
	BOOL ok;

	h = CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ, NULL, disposition, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return verdict(what, path, FALSE, GetLastError());
	ok = WriteFile(h, data, sizeof(data) - 1, &n, NULL) && n == sizeof(data) - 1;
	err = GetLastError();
	CloseHandle(h);
	return verdict(what, path, ok, err);
}

static int read_file(const wchar_t *path)
{
	char buf[64];
	HANDLE h;
	DWORD n = 0, err;
	BOOL ok;

	h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return verdict("read", path, FALSE, GetLastError());
	ok = ReadFile(h, buf, sizeof(buf), &n, NULL);
	err = GetLastError();
	CloseHandle(h);
	return verdict("read", path, ok, err);
}

static int temp_write(void)
{
	wchar_t temp[MAX_PATH], path[MAX_PATH + 64];
	DWORD n = GetEnvironmentVariableW(L"TEMP", temp, MAX_PATH);

	if (n == 0 || n >= MAX_PATH)
		return verdict("tempwrite", L"%TEMP%", FALSE, GetLastError());
	printf("TEMP=%ls\n", temp);
	fflush(stdout);
	swprintf(path, MAX_PATH + 64, L"%ls\\winreal-probe-%lu.txt", temp, (unsigned long)GetCurrentProcessId());
	return write_file(path, CREATE_NEW, "tempwrite");
}

static int alloc_mb(unsigned long mb)
{
	unsigned long i;

	for (i = 0; i < mb; i++) {
		char *p = VirtualAlloc(NULL, 1 << 20, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
		if (!p) {
			DWORD err = GetLastError();
			printf("probe: alloc: refused after %lu MB: error %lu\n", i, (unsigned long)err);
			fflush(stdout);
			Sleep(30000);
			return DENIED;
		}
		memset(p, 0xA5, 1 << 20);
	}
	printf("probe: alloc %lu MB: ok\n", mb);
	fflush(stdout);
	return ALLOWED;
}

/* Start a copy of this program that sleeps ms; its process id in *pid. */
static BOOL start_sleeper(unsigned long ms, DWORD *pid, DWORD *err)
{
	wchar_t self[MAX_PATH], cmd[MAX_PATH + 64];
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	DWORD n = GetModuleFileNameW(NULL, self, MAX_PATH);

	if (n == 0 || n >= MAX_PATH) {
		*err = GetLastError();
		return FALSE;
	}
	swprintf(cmd, MAX_PATH + 64, L"\"%ls\" sleep %lu", self, ms);
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	if (!CreateProcessW(self, cmd, NULL, NULL, FALSE, DETACHED_PROCESS, NULL, NULL, &si, &pi)) {
		*err = GetLastError();
		return FALSE;
	}
	*pid = pi.dwProcessId;
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	return TRUE;
}

static int spawn_n(unsigned long count)
{
	unsigned long i;
	DWORD pid, err = 0;

	for (i = 0; i < count; i++) {
		if (!start_sleeper(30000, &pid, &err)) {
			printf("probe: spawn: refused after %lu processes: error %lu\n", i, (unsigned long)err);
			fflush(stdout);
			Sleep(30000);
			return DENIED;
		}
	}
	printf("probe: spawn %lu: ok\n", count);
	fflush(stdout);
	return ALLOWED;
}

static int tree(unsigned long ms)
{
	DWORD pid = 0, err = 0;

	if (!start_sleeper(60000, &pid, &err))
		return verdict("tree", L"", FALSE, err);
	printf("CHILD=%lu\n", (unsigned long)pid);
	fflush(stdout);
	Sleep(ms);
	return ALLOWED;
}

static int tcp_connect(const wchar_t *ip, unsigned long port)
{
	WSADATA wsa;
	SOCKET s;
	struct sockaddr_in sa;
	u_long nonblocking = 1;
	fd_set wr, ex;
	struct timeval tv = { 5, 0 };
	int rc, err = 0, len = sizeof(err);

	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		return verdict("connect", ip, FALSE, (DWORD)WSAGetLastError());
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((u_short)port);
	if (InetPtonW(AF_INET, ip, &sa.sin_addr) != 1)
		return verdict("connect", ip, FALSE, ERROR_INVALID_PARAMETER);
	s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (s == INVALID_SOCKET)
		return verdict("connect", ip, FALSE, (DWORD)WSAGetLastError());
	ioctlsocket(s, FIONBIO, &nonblocking);
	rc = connect(s, (struct sockaddr *)&sa, sizeof(sa));
	if (rc == SOCKET_ERROR && (err = WSAGetLastError()) == WSAEWOULDBLOCK) {
		FD_ZERO(&wr);
		FD_ZERO(&ex);
		FD_SET(s, &wr);
		FD_SET(s, &ex);
		rc = select(0, NULL, &wr, &ex, &tv);
		if (rc == 0)
			err = WSAETIMEDOUT;
		else if (FD_ISSET(s, &ex))
			getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&err, &len);
		else
			err = 0;
	}
	closesocket(s);
	WSACleanup();
	printf("probe: connect %ls:%lu: %s %d\n", ip, port, err ? "error" : "ok", err);
	fflush(stdout);
	if (err == 0)
		return ALLOWED;
	/* The firewall refuses locally (WSAEACCES) or drops (a time-out). */
	return err == WSAEACCES || err == WSAETIMEDOUT ? DENIED : OTHER;
}

/* The proxy's answer to CONNECT host:port, read from its status line. */
static int proxy_connect(const wchar_t *host, unsigned long port)
{
	wchar_t env[128];
	char req[512], answer[64] = { 0 };
	unsigned int pport = 0;
	WSADATA wsa;
	SOCKET s;
	struct sockaddr_in sa;
	DWORD ms = 10000;
	int n, len = 0;

	if (!GetEnvironmentVariableW(L"HTTPS_PROXY", env, 128) ||
			swscanf(env, L"http://127.0.0.1:%u", &pport) != 1)
		return verdict("proxy", L"(no HTTPS_PROXY)", FALSE, ERROR_ENVVAR_NOT_FOUND);
	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		return verdict("proxy", host, FALSE, (DWORD)WSAGetLastError());
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((u_short)pport);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, sizeof(ms));
	snprintf(req, sizeof(req), "CONNECT %ls:%lu HTTP/1.1\r\n\r\n", host, port);
	if (s == INVALID_SOCKET || connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
			send(s, req, (int)strlen(req), 0) != (int)strlen(req))
		return verdict("proxy", host, FALSE, (DWORD)WSAGetLastError());
	while (len < 12 && (n = recv(s, answer + len, (int)sizeof(answer) - 1 - len, 0)) > 0)
		len += n;
	closesocket(s);
	WSACleanup();
	printf("probe: proxy %ls:%lu via port %u: %.12s\n", host, port, pport, answer);
	fflush(stdout);
	if (!strncmp(answer, "HTTP/1.1 200", 12))
		return ALLOWED;
	return !strncmp(answer, "HTTP/1.1 403", 12) ? DENIED : OTHER;
}

int wmain(int argc, wchar_t **argv)
{
	const wchar_t *op = argc > 1 ? argv[1] : L"";
	unsigned long n = argc > 2 ? wcstoul(argv[2], NULL, 10) : 0;

	if (argc == 3 && !wcscmp(op, L"write"))
		return write_file(argv[2], OPEN_EXISTING, "write");
	if (argc == 3 && !wcscmp(op, L"create"))
		return write_file(argv[2], CREATE_NEW, "create");
	if (argc == 3 && !wcscmp(op, L"read"))
		return read_file(argv[2]);
	if (argc == 3 && !wcscmp(op, L"delete"))
		return verdict("delete", argv[2], DeleteFileW(argv[2]), GetLastError());
	if (argc == 3 && !wcscmp(op, L"mkdir"))
		return verdict("mkdir", argv[2], CreateDirectoryW(argv[2], NULL), GetLastError());
	if (argc == 4 && !wcscmp(op, L"rename"))
		return verdict("rename", argv[2], MoveFileExW(argv[2], argv[3], 0), GetLastError());
	if (argc == 2 && !wcscmp(op, L"tempwrite"))
		return temp_write();
	if (argc == 3 && !wcscmp(op, L"alloc"))
		return alloc_mb(n);
	if (argc == 3 && !wcscmp(op, L"spawn"))
		return spawn_n(n);
	if (argc == 3 && !wcscmp(op, L"tree"))
		return tree(n);
	if (argc == 3 && !wcscmp(op, L"sleep")) {
		Sleep(n);
		return ALLOWED;
	}
	if (argc == 4 && !wcscmp(op, L"connect"))
		return tcp_connect(argv[2], wcstoul(argv[3], NULL, 10));
	if (argc == 4 && !wcscmp(op, L"proxy"))
		return proxy_connect(argv[2], wcstoul(argv[3], NULL, 10));
	fprintf(stderr, "usage: probe write|create|read|delete|mkdir PATH | rename FROM TO | tempwrite | "
		"alloc MB | spawn N | tree MS | sleep MS | connect IP PORT | proxy HOST PORT\n");
	return OTHER;
}
