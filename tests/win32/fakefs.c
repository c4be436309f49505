#include <winsock2.h>

#include "fakefs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define MAX_ENTRIES 4096

struct fentry {
	wchar_t path[512];
	int is_dir;
	unsigned long files;
	PSECURITY_DESCRIPTOR sd; /* self-relative, LocalAlloc */
};

static struct fentry entries[MAX_ENTRIES];
static size_t count;
unsigned long fakefs_reads, fakefs_writes, fakefs_owner_writes, fakefs_enumerated;

static struct fentry *find(const wchar_t *path)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (_wcsicmp(entries[i].path, path) == 0)
			return &entries[i];
	return NULL;
}

/* Synthetic child "<dir>\fNNNNNN" of a directory with files. */
static struct fentry *parent_of_child(const wchar_t *path)
{
	const wchar_t *slash = wcsrchr(path, L'\\');
	wchar_t dir[512];
	struct fentry *e;

	if (!slash || slash[1] != L'f' || (size_t)(slash - path) >= 512)
		return NULL;
	wcsncpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = 0;
	e = find(dir);
	return e && e->files ? e : NULL;
}

static DWORD WINAPI fake_get(LPCWSTR n, SE_OBJECT_TYPE t, SECURITY_INFORMATION i, PSID *o, PSID *g,
	PACL *d, PACL *s, PSECURITY_DESCRIPTOR *sd)
{
	struct fentry *e = find(n);
	DWORD len;
	BOOL present, def;

	if (!e)
		return ((wsb__os_GetNamedSecurityInfoW_fn)wsb__os_default("GetNamedSecurityInfoW"))(n, t, i, o, g, d, s, sd);
	fakefs_reads++;
	len = GetSecurityDescriptorLength(e->sd);
	*sd = LocalAlloc(LMEM_FIXED, len);
	memcpy(*sd, e->sd, len);
	if (d)
		GetSecurityDescriptorDacl(*sd, &present, d, &def);
	if (o)
		GetSecurityDescriptorOwner(*sd, o, &def);
	return ERROR_SUCCESS;
}

static DWORD WINAPI fake_set(LPWSTR n, SE_OBJECT_TYPE t, SECURITY_INFORMATION i, PSID o, PSID g, PACL d, PACL s)
{
	struct fentry *e = find(n);
	SECURITY_DESCRIPTOR abs;
	PSID owner = NULL;
	BOOL def;
	DWORD len = 0;
	PSECURITY_DESCRIPTOR rel;

	if (!e)
		return ((wsb__os_SetNamedSecurityInfoW_fn)wsb__os_default("SetNamedSecurityInfoW"))(n, t, i, o, g, d, s);
	fakefs_writes++;
	if (i & OWNER_SECURITY_INFORMATION)
		fakefs_owner_writes++;
	GetSecurityDescriptorOwner(e->sd, &owner, &def);
	InitializeSecurityDescriptor(&abs, SECURITY_DESCRIPTOR_REVISION);
	SetSecurityDescriptorOwner(&abs, owner, FALSE);
	SetSecurityDescriptorDacl(&abs, TRUE, d, FALSE);
	MakeSelfRelativeSD(&abs, NULL, &len);
	rel = LocalAlloc(LMEM_FIXED, len);
	if (!MakeSelfRelativeSD(&abs, rel, &len)) {
		LocalFree(rel);
		return GetLastError();
	}
	LocalFree(e->sd);
	e->sd = rel;
	return ERROR_SUCCESS;
}

static DWORD WINAPI fake_attr(LPCWSTR n)
{
	struct fentry *e = find(n);

	if (e)
		return e->is_dir ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_NORMAL;
	if (parent_of_child(n))
		return FILE_ATTRIBUTE_NORMAL;
	return ((wsb__os_GetFileAttributesW_fn)wsb__os_default("GetFileAttributesW"))(n);
}

static struct fentry *enum_dir;
static size_t enum_reg;          /* next registered entry to consider */
static unsigned long enum_next;  /* next synthetic file */

/* A registered entry directly inside enum_dir: its name, or NULL. */
static const wchar_t *child_name(const struct fentry *e)
{
	size_t n = wcslen(enum_dir->path);

	if (e == enum_dir || _wcsnicmp(e->path, enum_dir->path, n) != 0 || e->path[n] != L'\\' ||
			wcschr(e->path + n + 1, L'\\'))
		return NULL;
	return e->path + n + 1;
}

/* The registered children of the directory first, then its synthetic files. */
static BOOL fill(LPWIN32_FIND_DATAW d)
{
	memset(d, 0, sizeof(*d));
	while (enum_reg < count) {
		const struct fentry *e = &entries[enum_reg++];
		const wchar_t *name = child_name(e);
		if (name) {
			d->dwFileAttributes = e->is_dir ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_NORMAL;
			wcsncpy(d->cFileName, name, MAX_PATH - 1);
			fakefs_enumerated++;
			return TRUE;
		}
	}
	if (enum_next >= enum_dir->files) {
		SetLastError(ERROR_NO_MORE_FILES);
		return FALSE;
	}
	d->dwFileAttributes = FILE_ATTRIBUTE_NORMAL;
	swprintf(d->cFileName, MAX_PATH, L"f%06lu", enum_next++);
	fakefs_enumerated++;
	return TRUE;
}

static HANDLE WINAPI fake_find_first(LPCWSTR n, LPWIN32_FIND_DATAW d)
{
	wchar_t dir[512];
	size_t len = wcslen(n);

	if (len > 2 && len < 512 && n[len - 1] == L'*' && n[len - 2] == L'\\') {
		wcsncpy(dir, n, len - 2);
		dir[len - 2] = 0;
		enum_dir = find(dir);
		if (enum_dir) {
			enum_reg = 0;
			enum_next = 0;
			if (!fill(d)) {
				enum_dir = NULL;
				return INVALID_HANDLE_VALUE;
			}
			return (HANDLE)enum_dir;
		}
	}
	return ((wsb__os_FindFirstFileW_fn)wsb__os_default("FindFirstFileW"))(n, d);
}

static BOOL WINAPI fake_find_next(HANDLE h, LPWIN32_FIND_DATAW d)
{
	if (h == (HANDLE)enum_dir && enum_dir)
		return fill(d);
	return ((wsb__os_FindNextFileW_fn)wsb__os_default("FindNextFileW"))(h, d);
}

static BOOL WINAPI fake_find_close(HANDLE h)
{
	if (h == (HANDLE)enum_dir && enum_dir) {
		enum_dir = NULL;
		return TRUE;
	}
	return ((wsb__os_FindClose_fn)wsb__os_default("FindClose"))(h);
}

void fakefs_install(void)
{
	wsb__os_set("GetNamedSecurityInfoW", (wsb__os_fn)fake_get);
	wsb__os_set("SetNamedSecurityInfoW", (wsb__os_fn)fake_set);
	wsb__os_set("GetFileAttributesW", (wsb__os_fn)fake_attr);
	wsb__os_set("FindFirstFileW", (wsb__os_fn)fake_find_first);
	wsb__os_set("FindNextFileW", (wsb__os_fn)fake_find_next);
	wsb__os_set("FindClose", (wsb__os_fn)fake_find_close);
}

void fakefs_clear(void)
{
	size_t i;

	for (i = 0; i < count; i++)
		LocalFree(entries[i].sd);
	count = 0;
	fakefs_reads = fakefs_writes = fakefs_owner_writes = fakefs_enumerated = 0;
}

void fakefs_add(const char *path, int is_dir, const char *dacl_sddl, unsigned long files)
{
	struct fentry *e = &entries[count++];
	wchar_t sddl[1024];
	char full[1024];

	MultiByteToWideChar(CP_UTF8, 0, path, -1, e->path, 512);
	e->is_dir = is_dir;
	e->files = files;
	snprintf(full, sizeof(full), "O:S-1-5-21-0-0-0-1000%s", dacl_sddl ? dacl_sddl : FAKEFS_DEFAULT_DACL);
	MultiByteToWideChar(CP_UTF8, 0, full, -1, sddl, 1024);
	if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &e->sd, NULL))
		e->sd = NULL;
}

const char *fakefs_dacl(const char *path)
{
	static char out[8192];
	wchar_t w[512], *s = NULL;
	struct fentry *e;

	MultiByteToWideChar(CP_UTF8, 0, path, -1, w, 512);
	e = find(w);
	if (!e || !ConvertSecurityDescriptorToStringSecurityDescriptorW(e->sd, SDDL_REVISION_1,
			DACL_SECURITY_INFORMATION, &s, NULL))
		return NULL;
	WideCharToMultiByte(CP_UTF8, 0, s, -1, out, sizeof(out), NULL, NULL);
	LocalFree(s);
	return out;
}

int fakefs_ace_count(const char *path)
{
	wchar_t w[512];
	struct fentry *e;
	BOOL present, def;
	PACL d = NULL;

	MultiByteToWideChar(CP_UTF8, 0, path, -1, w, 512);
	e = find(w);
	if (!e || !GetSecurityDescriptorDacl(e->sd, &present, &d, &def) || !d)
		return -1;
	return d->AceCount;
}

const char *fakefs_temp_dir(const char *tag)
{
	static char out[MAX_PATH * 2];
	static unsigned long n;
	wchar_t tmp[MAX_PATH], dir[MAX_PATH * 2];

	/* Wine reuses process ids and TEMP outlives runs: retry until the
	 * directory is really new. */
	GetTempPathW(MAX_PATH, tmp);
	do {
		swprintf(dir, MAX_PATH * 2, L"%lswsbtest-%hs-%lu-%lu-%lu", tmp, tag,
			(unsigned long)GetCurrentProcessId(), (unsigned long)GetTickCount(), ++n);
	} while (!CreateDirectoryW(dir, NULL) && GetLastError() == ERROR_ALREADY_EXISTS);
	WideCharToMultiByte(CP_UTF8, 0, dir, -1, out, sizeof(out), NULL, NULL);
	return out;
}

/* SystemExtendedHandleInformation's entries (the layout is Windows'). */
typedef struct handle_entry {
	PVOID object;
	ULONG_PTR pid, value;
	ULONG access;
	USHORT trace, type;
	ULONG attributes, reserved;
} handle_entry;
typedef struct handle_table {
	ULONG_PTR count, reserved;
	handle_entry h[1];
} handle_table;
typedef LONG (WINAPI *query_fn)(int, PVOID, ULONG, PULONG);

/* Wine's GetProcessHandleCount answers 0 whatever is open; the system's
 * handle table (class 64) lists them, so the count comes from it, and from
 * GetProcessHandleCount only where that table is not there. */
unsigned long fakefs_handles(void)
{
	query_fn query = (query_fn)(void (*)(void))GetProcAddress(GetModuleHandleW(L"ntdll.dll"),
		"NtQuerySystemInformation");
	ULONG len = 1u << 16, need = 0;
	unsigned long n = 0;
	handle_table *t = NULL;
	ULONG_PTR i;
	LONG st = -1;

	while (query) {
		if (!(t = malloc(len)))
			break;
		st = query(64, t, len, &need);
		if (st != (LONG)0xC0000004 /* STATUS_INFO_LENGTH_MISMATCH */)
			break;
		free(t);
		t = NULL;
		len = need > len ? need + 4096 : len * 2;
	}
	if (t && st == 0) {
		for (i = 0; i < t->count; i++)
			if (t->h[i].pid == GetCurrentProcessId())
				n++;
	} else {
		DWORD c = 0;
		GetProcessHandleCount(GetCurrentProcess(), &c);
		n = c;
	}
	free(t);
	return n;
}

int fakefs_fail_on_thread(const char *name, unsigned long index, void *ctx)
{
	fakefs_fault *f = ctx;

	(void)name;
	(void)index;
	if (GetCurrentThreadId() != f->thread)
		return 0;
	return ++f->seen == f->target;
}

/* ---- Winsock and thread counters ---- */

volatile LONG fakefs_sockets, fakefs_wsa, fakefs_threads;

static SOCKET WINAPI count_socket(int af, int type, int proto, void *info, unsigned int group, DWORD f)
{
	SOCKET s = ((wsb__os_WSASocketW_fn)wsb__os_default("WSASocketW"))(af, type, proto, info, group, f);

	if (s != INVALID_SOCKET)
		InterlockedIncrement(&fakefs_sockets);
	return s;
}

static SOCKET WINAPI count_accept(SOCKET l, struct sockaddr *a, int *n)
{
	SOCKET s = ((wsb__os_accept_fn)wsb__os_default("accept"))(l, a, n);

	if (s != INVALID_SOCKET)
		InterlockedIncrement(&fakefs_sockets);
	return s;
}

static int WINAPI count_close(SOCKET s)
{
	InterlockedDecrement(&fakefs_sockets);
	return ((wsb__os_closesocket_fn)wsb__os_default("closesocket"))(s);
}

static int WINAPI count_startup(WORD v, LPWSADATA d)
{
	int rc = ((wsb__os_WSAStartup_fn)wsb__os_default("WSAStartup"))(v, d);

	if (rc == 0)
		InterlockedIncrement(&fakefs_wsa);
	return rc;
}

static int WINAPI count_cleanup(void)
{
	InterlockedDecrement(&fakefs_wsa);
	return ((wsb__os_WSACleanup_fn)wsb__os_default("WSACleanup"))();
}

static HANDLE WINAPI count_thread(LPSECURITY_ATTRIBUTES sa, SIZE_T st, LPTHREAD_START_ROUTINE fn,
	LPVOID p, DWORD f, LPDWORD id)
{
	HANDLE h = ((wsb__os_CreateThread_fn)wsb__os_default("CreateThread"))(sa, st, fn, p, f, id);

	if (h)
		InterlockedIncrement(&fakefs_threads);
	return h;
}

static BOOL WINAPI count_close_handle(HANDLE h)
{
	InterlockedDecrement(&fakefs_threads);
	return ((wsb__os_CloseHandle_fn)wsb__os_default("CloseHandle"))(h);
}

void fakefs_count_sockets(int flags)
{
	fakefs_sockets = fakefs_wsa = fakefs_threads = 0;
	wsb__os_set("WSASocketW", (wsb__os_fn)count_socket);
	wsb__os_set("accept", (wsb__os_fn)count_accept);
	wsb__os_set("closesocket", (wsb__os_fn)count_close);
	wsb__os_set("WSAStartup", (wsb__os_fn)count_startup);
	wsb__os_set("WSACleanup", (wsb__os_fn)count_cleanup);
	if (flags & FAKEFS_COUNT_THREADS)
		wsb__os_set("CreateThread", (wsb__os_fn)count_thread);
	if (flags & FAKEFS_COUNT_CLOSES)
		wsb__os_set("CloseHandle", (wsb__os_fn)count_close_handle);
}
