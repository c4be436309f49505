/*
 * The OS-call seam of the Windows backend (lib/win32/os.c), after SQLite's
 * os_win.c: ONE table of every Win32 function the backend calls, each entry
 * {name, current, default}. Every other file of lib/win32 calls Win32 only as
 * WSB_OS(Name)(args...), so a test can swap any entry by name: to fail it
 * (fault injection) or to point it at the simulated Windows security model
 * (tests/winmodel/). This header is also the one place that includes
 * <windows.h> and friends for the backend.
 *
 * Not in the table, called directly: functions that only read memory the
 * caller passes and cannot fail for valid input (EqualSid, GetLengthSid,
 * IsValidSid, IsValidAcl, GetAce, GetSidSubAuthority*, lstrlenW,
 * GetCurrentProcess, GetCurrentProcessId, GetCurrentThreadId), and the
 * slim reader/writer lock calls (AcquireSRWLockExclusive,
 * ReleaseSRWLockExclusive), which cannot fail either; WSAGetLastError reads
 * the thread's last error like GetLastError.
 *
 * Thread safety: wsb__os_set/reset/set_hook are for tests and must not run
 * while another thread is inside the library.
 */
#ifndef WSB_WIN32_OS_H
#define WSB_WIN32_OS_H

#ifndef _WIN32_WINNT
#  define _WIN32_WINNT 0x0A00
#endif
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <bcrypt.h>
#include <lm.h>
/* lmcons.h's PATHLEN (a LAN Manager limit) is unused here and collides with
 * local names in files that include this header. */
#undef PATHLEN
#include <wincrypt.h>
#include <objbase.h>
#include <oleauto.h>

#include <stddef.h>

/* ProcThreadAttributeValue(22, FALSE, TRUE, FALSE); the SDK defines it only
 * for NTDDI_WIN10_RS5 and later, which this build does not require. */
#ifndef PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE
#  define PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE 0x00020016
#endif

/* The error code a failed-by-injection call leaves in GetLastError() (and
 * returns, for functions that return an error code). */
#define WSB__OS_FAULT_ERROR ERROR_GEN_FAILURE

/*
 * The table. X(ret, Name, (params), faultable, failure-value)
 *   faultable: 1 if fault injection may fail the call; 0 for release
 *   functions (CloseHandle, LocalFree, ...) that cleanup paths rely on.
 *   failure-value: what the injected failure returns (empty for void).
 * The order is part of nothing: look entries up by name.
 */
#define WSB__OS_CALLS(X) \
	/* handles, memory, time */ \
	X(BOOL, CloseHandle, (HANDLE h), 0, FALSE) \
	X(HLOCAL, LocalFree, (HLOCAL h), 0, NULL) \
	X(BOOL, DuplicateHandle, (HANDLE sp, HANDLE s, HANDLE tp, LPHANDLE t, DWORD a, BOOL i, DWORD o), 1, FALSE) \
	X(BOOL, SetHandleInformation, (HANDLE h, DWORD m, DWORD f), 1, FALSE) \
	X(BOOL, GetHandleInformation, (HANDLE h, LPDWORD f), 1, FALSE) \
	X(ULONGLONG, GetTickCount64, (void), 0, 0) \
	X(void, GetSystemTimeAsFileTime, (LPFILETIME t), 0, ) \
	X(NTSTATUS, BCryptGenRandom, (BCRYPT_ALG_HANDLE a, PUCHAR b, ULONG n, ULONG f), 1, (NTSTATUS)0xC0000001L) \
	/* environment and directories */ \
	X(DWORD, GetEnvironmentVariableW, (LPCWSTR n, LPWSTR b, DWORD s), 1, 0) \
	X(LPWCH, GetEnvironmentStringsW, (void), 1, NULL) \
	X(BOOL, FreeEnvironmentStringsW, (LPWCH e), 0, FALSE) \
	X(DWORD, GetCurrentDirectoryW, (DWORD s, LPWSTR b), 1, 0) \
	X(UINT, GetWindowsDirectoryW, (LPWSTR b, UINT s), 1, 0) \
	/* files */ \
	X(HANDLE, CreateFileW, (LPCWSTR n, DWORD a, DWORD s, LPSECURITY_ATTRIBUTES sa, DWORD c, DWORD f, HANDLE t), 1, INVALID_HANDLE_VALUE) \
	X(BOOL, ReadFile, (HANDLE h, LPVOID b, DWORD n, LPDWORD r, LPOVERLAPPED o), 1, FALSE) \
	X(BOOL, WriteFile, (HANDLE h, LPCVOID b, DWORD n, LPDWORD w, LPOVERLAPPED o), 1, FALSE) \
	X(BOOL, FlushFileBuffers, (HANDLE h), 1, FALSE) \
	X(BOOL, GetFileSizeEx, (HANDLE h, PLARGE_INTEGER s), 1, FALSE) \
	X(BOOL, SetFilePointerEx, (HANDLE h, LARGE_INTEGER d, PLARGE_INTEGER n, DWORD m), 1, FALSE) \
	X(BOOL, SetEndOfFile, (HANDLE h), 1, FALSE) \
	X(DWORD, GetFileAttributesW, (LPCWSTR n), 1, INVALID_FILE_ATTRIBUTES) \
	X(BOOL, CreateDirectoryW, (LPCWSTR n, LPSECURITY_ATTRIBUTES sa), 1, FALSE) \
	X(BOOL, DeleteFileW, (LPCWSTR n), 1, FALSE) \
	X(BOOL, MoveFileExW, (LPCWSTR a, LPCWSTR b, DWORD f), 1, FALSE) \
	X(HANDLE, FindFirstFileW, (LPCWSTR n, LPWIN32_FIND_DATAW d), 1, INVALID_HANDLE_VALUE) \
	X(BOOL, FindNextFileW, (HANDLE h, LPWIN32_FIND_DATAW d), 1, FALSE) \
	X(BOOL, FindClose, (HANDLE h), 0, FALSE) \
	X(BOOL, LockFileEx, (HANDLE h, DWORD f, DWORD r, DWORD lo, DWORD hi, LPOVERLAPPED o), 1, FALSE) \
	/* security descriptors, ACLs, SIDs */ \
	X(DWORD, GetNamedSecurityInfoW, (LPCWSTR n, SE_OBJECT_TYPE t, SECURITY_INFORMATION i, PSID *o, PSID *g, PACL *d, PACL *s, PSECURITY_DESCRIPTOR *sd), 1, WSB__OS_FAULT_ERROR) \
	X(DWORD, SetNamedSecurityInfoW, (LPWSTR n, SE_OBJECT_TYPE t, SECURITY_INFORMATION i, PSID o, PSID g, PACL d, PACL s), 1, WSB__OS_FAULT_ERROR) \
	X(DWORD, GetSecurityInfo, (HANDLE h, SE_OBJECT_TYPE t, SECURITY_INFORMATION i, PSID *o, PSID *g, PACL *d, PACL *s, PSECURITY_DESCRIPTOR *sd), 1, WSB__OS_FAULT_ERROR) \
	X(DWORD, SetSecurityInfo, (HANDLE h, SE_OBJECT_TYPE t, SECURITY_INFORMATION i, PSID o, PSID g, PACL d, PACL s), 1, WSB__OS_FAULT_ERROR) \
	X(BOOL, InitializeAcl, (PACL a, DWORD n, DWORD r), 1, FALSE) \
	X(BOOL, AddAce, (PACL a, DWORD r, DWORD i, LPVOID l, DWORD n), 1, FALSE) \
	X(BOOL, DeleteAce, (PACL a, DWORD i), 1, FALSE) \
	X(BOOL, AddAccessAllowedAceEx, (PACL a, DWORD r, DWORD f, DWORD m, PSID s), 1, FALSE) \
	X(BOOL, AddAccessDeniedAceEx, (PACL a, DWORD r, DWORD f, DWORD m, PSID s), 1, FALSE) \
	X(BOOL, ConvertStringSidToSidW, (LPCWSTR s, PSID *o), 1, FALSE) \
	X(BOOL, ConvertSidToStringSidW, (PSID s, LPWSTR *o), 1, FALSE) \
	X(BOOL, ConvertStringSecurityDescriptorToSecurityDescriptorW, (LPCWSTR s, DWORD r, PSECURITY_DESCRIPTOR *o, PULONG n), 1, FALSE) \
	X(BOOL, ConvertSecurityDescriptorToStringSecurityDescriptorW, (PSECURITY_DESCRIPTOR d, DWORD r, SECURITY_INFORMATION i, LPWSTR *o, PULONG n), 1, FALSE) \
	X(BOOL, InitializeSecurityDescriptor, (PSECURITY_DESCRIPTOR d, DWORD r), 1, FALSE) \
	X(BOOL, SetSecurityDescriptorDacl, (PSECURITY_DESCRIPTOR d, BOOL p, PACL a, BOOL f), 1, FALSE) \
	/* tokens */ \
	X(BOOL, OpenProcessToken, (HANDLE p, DWORD a, PHANDLE t), 1, FALSE) \
	X(BOOL, GetTokenInformation, (HANDLE t, TOKEN_INFORMATION_CLASS c, LPVOID b, DWORD n, PDWORD r), 1, FALSE) \
	X(BOOL, SetTokenInformation, (HANDLE t, TOKEN_INFORMATION_CLASS c, LPVOID b, DWORD n), 1, FALSE) \
	X(BOOL, DuplicateTokenEx, (HANDLE t, DWORD a, LPSECURITY_ATTRIBUTES sa, SECURITY_IMPERSONATION_LEVEL l, TOKEN_TYPE y, PHANDLE o), 1, FALSE) \
	X(BOOL, CreateRestrictedToken, (HANDLE t, DWORD f, DWORD nd, PSID_AND_ATTRIBUTES d, DWORD np, PLUID_AND_ATTRIBUTES p, DWORD nr, PSID_AND_ATTRIBUTES r, PHANDLE o), 1, FALSE) \
	/* job objects and completion ports */ \
	X(HANDLE, CreateJobObjectW, (LPSECURITY_ATTRIBUTES sa, LPCWSTR n), 1, NULL) \
	X(BOOL, SetInformationJobObject, (HANDLE j, JOBOBJECTINFOCLASS c, LPVOID b, DWORD n), 1, FALSE) \
	X(BOOL, QueryInformationJobObject, (HANDLE j, JOBOBJECTINFOCLASS c, LPVOID b, DWORD n, LPDWORD r), 1, FALSE) \
	X(BOOL, AssignProcessToJobObject, (HANDLE j, HANDLE p), 1, FALSE) \
	X(BOOL, TerminateJobObject, (HANDLE j, UINT c), 1, FALSE) \
	X(HANDLE, CreateIoCompletionPort, (HANDLE f, HANDLE p, ULONG_PTR k, DWORD n), 1, NULL) \
	X(BOOL, GetQueuedCompletionStatus, (HANDLE p, LPDWORD n, PULONG_PTR k, LPOVERLAPPED *o, DWORD ms), 1, FALSE) \
	/* processes, threads, pipes, desktops */ \
	X(BOOL, InitializeProcThreadAttributeList, (LPPROC_THREAD_ATTRIBUTE_LIST l, DWORD c, DWORD f, PSIZE_T n), 1, FALSE) \
	X(BOOL, UpdateProcThreadAttribute, (LPPROC_THREAD_ATTRIBUTE_LIST l, DWORD f, DWORD_PTR a, PVOID v, SIZE_T n, PVOID p, PSIZE_T r), 1, FALSE) \
	X(void, DeleteProcThreadAttributeList, (LPPROC_THREAD_ATTRIBUTE_LIST l), 0, ) \
	X(BOOL, CreateProcessAsUserW, (HANDLE t, LPCWSTR app, LPWSTR cmd, LPSECURITY_ATTRIBUTES pa, LPSECURITY_ATTRIBUTES ta, BOOL inh, DWORD f, LPVOID env, LPCWSTR cwd, LPSTARTUPINFOW si, LPPROCESS_INFORMATION pi), 1, FALSE) \
	X(DWORD, ResumeThread, (HANDLE t), 1, (DWORD)-1) \
	/* ConPTY (Windows 10 1809): resolved at run time by the default entries \
	 * (os.c), so that the DLL loads where it is missing; HPCON is void *. */ \
	X(HRESULT, CreatePseudoConsole, (COORD s, HANDLE i, HANDLE o, DWORD f, void **pc), 1, E_FAIL) \
	X(HRESULT, ResizePseudoConsole, (void *pc, COORD s), 1, E_FAIL) \
	X(void, ClosePseudoConsole, (void *pc), 0, ) \
	X(BOOL, TerminateProcess, (HANDLE p, UINT c), 1, FALSE) \
	X(BOOL, GetExitCodeProcess, (HANDLE p, LPDWORD c), 1, FALSE) \
	X(DWORD, GetProcessId, (HANDLE p), 1, 0) \
	X(DWORD, WaitForSingleObject, (HANDLE h, DWORD ms), 1, WAIT_FAILED) \
	X(DWORD, WaitForMultipleObjects, (DWORD n, const HANDLE *h, BOOL all, DWORD ms), 1, WAIT_FAILED) \
	X(HANDLE, CreateThread, (LPSECURITY_ATTRIBUTES sa, SIZE_T st, LPTHREAD_START_ROUTINE fn, LPVOID p, DWORD f, LPDWORD id), 1, NULL) \
	X(HANDLE, CreateEventW, (LPSECURITY_ATTRIBUTES sa, BOOL m, BOOL i, LPCWSTR n), 1, NULL) \
	X(BOOL, SetEvent, (HANDLE e), 1, FALSE) \
	X(BOOL, CreatePipe, (PHANDLE r, PHANDLE w, LPSECURITY_ATTRIBUTES sa, DWORD n), 1, FALSE) \
	X(HANDLE, GetStdHandle, (DWORD n), 1, INVALID_HANDLE_VALUE) \
	X(void, Sleep, (DWORD ms), 0, ) \
	X(HANDLE, CreateNamedPipeW, (LPCWSTR n, DWORD om, DWORD pm, DWORD mi, DWORD ob, DWORD ib, DWORD t, LPSECURITY_ATTRIBUTES sa), 1, INVALID_HANDLE_VALUE) \
	X(BOOL, PeekNamedPipe, (HANDLE h, LPVOID b, DWORD n, LPDWORD r, LPDWORD a, LPDWORD l), 1, FALSE) \
	X(BOOL, ConnectNamedPipe, (HANDLE h, LPOVERLAPPED o), 1, FALSE) \
	X(BOOL, SetNamedPipeHandleState, (HANDLE h, LPDWORD m, LPDWORD c, LPDWORD t), 1, FALSE) \
	X(BOOL, GetNamedPipeClientProcessId, (HANDLE h, PULONG pid), 1, FALSE) \
	X(BOOL, GetNamedPipeServerProcessId, (HANDLE h, PULONG pid), 1, FALSE) \
	X(BOOL, CreateProcessWithLogonW, (LPCWSTR u, LPCWSTR d, LPCWSTR pw, DWORD lf, LPCWSTR app, LPWSTR cmd, DWORD f, LPVOID env, LPCWSTR cwd, LPSTARTUPINFOW si, LPPROCESS_INFORMATION pi), 1, FALSE) \
	X(BOOL, GetModuleHandleExW, (DWORD f, LPCWSTR n, HMODULE *m), 1, FALSE) \
	X(DWORD, GetModuleFileNameW, (HMODULE m, LPWSTR b, DWORD n), 1, 0) \
	X(BOOL, CancelIoEx, (HANDLE h, LPOVERLAPPED o), 0, FALSE) \
	X(HDESK, CreateDesktopW, (LPCWSTR n, LPCWSTR d, DEVMODEW *m, DWORD f, ACCESS_MASK a, LPSECURITY_ATTRIBUTES sa), 1, NULL) \
	X(BOOL, CloseDesktop, (HDESK d), 0, FALSE) \
	/* elevated setup: accounts, secrets, firewall, registry */ \
	X(NET_API_STATUS, NetLocalGroupAdd, (LPCWSTR s, DWORD l, LPBYTE b, LPDWORD e), 1, WSB__OS_FAULT_ERROR) \
	X(NET_API_STATUS, NetLocalGroupDel, (LPCWSTR s, LPCWSTR g), 1, WSB__OS_FAULT_ERROR) \
	X(NET_API_STATUS, NetLocalGroupGetInfo, (LPCWSTR s, LPCWSTR g, DWORD l, LPBYTE *b), 1, WSB__OS_FAULT_ERROR) \
	X(NET_API_STATUS, NetLocalGroupAddMembers, (LPCWSTR s, LPCWSTR g, DWORD l, LPBYTE b, DWORD n), 1, WSB__OS_FAULT_ERROR) \
	X(NET_API_STATUS, NetLocalGroupDelMembers, (LPCWSTR s, LPCWSTR g, DWORD l, LPBYTE b, DWORD n), 1, WSB__OS_FAULT_ERROR) \
	X(NET_API_STATUS, NetUserAdd, (LPCWSTR s, DWORD l, LPBYTE b, LPDWORD e), 1, WSB__OS_FAULT_ERROR) \
	X(NET_API_STATUS, NetUserDel, (LPCWSTR s, LPCWSTR u), 1, WSB__OS_FAULT_ERROR) \
	X(NET_API_STATUS, NetUserGetInfo, (LPCWSTR s, LPCWSTR u, DWORD l, LPBYTE *b), 1, WSB__OS_FAULT_ERROR) \
	X(NET_API_STATUS, NetUserSetInfo, (LPCWSTR s, LPCWSTR u, DWORD l, LPBYTE b, LPDWORD e), 1, WSB__OS_FAULT_ERROR) \
	X(NET_API_STATUS, NetUserGetLocalGroups, (LPCWSTR s, LPCWSTR u, DWORD l, DWORD f, LPBYTE *b, DWORD m, LPDWORD r, LPDWORD t), 1, WSB__OS_FAULT_ERROR) \
	X(NET_API_STATUS, NetApiBufferFree, (LPVOID b), 0, WSB__OS_FAULT_ERROR) \
	X(BOOL, LookupAccountNameW, (LPCWSTR s, LPCWSTR n, PSID sid, LPDWORD cb, LPWSTR d, LPDWORD cd, PSID_NAME_USE u), 1, FALSE) \
	X(BOOL, LookupAccountSidW, (LPCWSTR s, PSID sid, LPWSTR n, LPDWORD cn, LPWSTR d, LPDWORD cd, PSID_NAME_USE u), 1, FALSE) \
	X(BOOL, CryptProtectData, (DATA_BLOB *in, LPCWSTR d, DATA_BLOB *e, PVOID r, CRYPTPROTECT_PROMPTSTRUCT *p, DWORD f, DATA_BLOB *out), 1, FALSE) \
	X(BOOL, CryptUnprotectData, (DATA_BLOB *in, LPWSTR *d, DATA_BLOB *e, PVOID r, CRYPTPROTECT_PROMPTSTRUCT *p, DWORD f, DATA_BLOB *out), 1, FALSE) \
	X(BOOL, RemoveDirectoryW, (LPCWSTR n), 1, FALSE) \
	X(LSTATUS, RegOpenKeyExW, (HKEY k, LPCWSTR s, DWORD o, REGSAM a, PHKEY r), 1, WSB__OS_FAULT_ERROR) \
	X(LSTATUS, RegCreateKeyExW, (HKEY k, LPCWSTR s, DWORD r, LPWSTR c, DWORD o, REGSAM a, LPSECURITY_ATTRIBUTES sa, PHKEY out, LPDWORD d), 1, WSB__OS_FAULT_ERROR) \
	X(LSTATUS, RegQueryValueExW, (HKEY k, LPCWSTR n, LPDWORD r, LPDWORD t, LPBYTE d, LPDWORD cb), 1, WSB__OS_FAULT_ERROR) \
	X(LSTATUS, RegSetValueExW, (HKEY k, LPCWSTR n, DWORD r, DWORD t, const BYTE *d, DWORD cb), 1, WSB__OS_FAULT_ERROR) \
	X(LSTATUS, RegDeleteValueW, (HKEY k, LPCWSTR n), 1, WSB__OS_FAULT_ERROR) \
	X(LSTATUS, RegDeleteKeyExW, (HKEY k, LPCWSTR s, REGSAM a, DWORD r), 1, WSB__OS_FAULT_ERROR) \
	X(LSTATUS, RegQueryInfoKeyW, (HKEY k, LPWSTR c, LPDWORD cc, LPDWORD r, LPDWORD sk, LPDWORD msk, LPDWORD mc, LPDWORD v, LPDWORD mvn, LPDWORD mvl, LPDWORD sd, PFILETIME t), 1, WSB__OS_FAULT_ERROR) \
	X(LSTATUS, RegCloseKey, (HKEY k), 0, WSB__OS_FAULT_ERROR) \
	X(HRESULT, CoInitializeEx, (LPVOID r, DWORD c), 1, HRESULT_FROM_WIN32(WSB__OS_FAULT_ERROR)) \
	X(void, CoUninitialize, (void), 0, ) \
	X(HRESULT, CoCreateInstance, (REFCLSID c, LPUNKNOWN o, DWORD x, REFIID i, LPVOID *p), 1, HRESULT_FROM_WIN32(WSB__OS_FAULT_ERROR)) \
	X(BSTR, SysAllocString, (const OLECHAR *s), 1, NULL) \
	X(void, SysFreeString, (BSTR s), 0, ) \
	/* Winsock, for the loopback relay (relay.c). The types are winsock.h's, \
	 * which <windows.h> includes, so this header need not come after \
	 * <winsock2.h> (which must precede <windows.h>); os.c and relay.c \
	 * include <winsock2.h> first. WSASocketW's protocol info and group \
	 * are only ever NULL and 0 here. */ \
	X(int, WSAStartup, (WORD v, LPWSADATA d), 1, WSB__OS_FAULT_ERROR) \
	X(int, WSACleanup, (void), 0, SOCKET_ERROR) \
	X(SOCKET, WSASocketW, (int af, int type, int proto, void *info, unsigned int group, DWORD f), 1, INVALID_SOCKET) \
	X(int, setsockopt, (SOCKET s, int level, int name, const char *v, int n), 1, SOCKET_ERROR) \
	X(int, ioctlsocket, (SOCKET s, long cmd, u_long *arg), 1, SOCKET_ERROR) \
	X(int, bind, (SOCKET s, const struct sockaddr *a, int n), 1, SOCKET_ERROR) \
	X(int, getsockname, (SOCKET s, struct sockaddr *a, int *n), 1, SOCKET_ERROR) \
	X(int, listen, (SOCKET s, int backlog), 1, SOCKET_ERROR) \
	X(SOCKET, accept, (SOCKET s, struct sockaddr *a, int *n), 1, INVALID_SOCKET) \
	X(int, connect, (SOCKET s, const struct sockaddr *a, int n), 1, SOCKET_ERROR) \
	X(int, select, (int n, fd_set *r, fd_set *w, fd_set *e, const struct timeval *t), 1, SOCKET_ERROR) \
	X(int, recv, (SOCKET s, char *b, int n, int f), 1, SOCKET_ERROR) \
	X(int, send, (SOCKET s, const char *b, int n, int f), 1, SOCKET_ERROR) \
	X(int, shutdown, (SOCKET s, int how), 1, SOCKET_ERROR) \
	X(int, closesocket, (SOCKET s), 0, SOCKET_ERROR) \
	/* The allow-list's proxy (proxy.c) resolves names itself. */ \
	X(int, getaddrinfo, (const char *n, const char *s, const struct addrinfo *h, struct addrinfo **r), 1, WSAHOST_NOT_FOUND) \
	X(void, freeaddrinfo, (struct addrinfo *a), 0, )

/* ws2tcpip.h's, declared there; only pointers to it pass the seam. */
struct addrinfo;

/* Function-pointer types: wsb__os_<Name>_fn. */
#define WSB__OS_TYPEDEF(ret, name, params, faultable, failval) \
	typedef ret (WINAPI *wsb__os_##name##_fn) params;
WSB__OS_CALLS(WSB__OS_TYPEDEF)
#undef WSB__OS_TYPEDEF

/* Indices: WSB__OS_I_<Name>. */
#define WSB__OS_INDEX(ret, name, params, faultable, failval) WSB__OS_I_##name,
enum wsb__os_index {
	WSB__OS_CALLS(WSB__OS_INDEX)
	WSB__OS_I_COUNT
};
#undef WSB__OS_INDEX

/* Generic pointer stored in the table (cast back through the typedef). */
typedef void (*wsb__os_fn)(void);

/* The function to call for entry i: the current entry, or its failing stub
 * when the fault hook says so. Counts the call. */
wsb__os_fn wsb__os_enter(int index);

/* Call a Win32 function through the seam: WSB_OS(CreateFileW)(...). */
#define WSB_OS(name) ((wsb__os_##name##_fn)wsb__os_enter(WSB__OS_I_##name))

/* ---- for tests and the simulated model ---- */

/* Replace the entry called name (e.g. "CreateFileW") by fn; fn == NULL
 * restores the default. Returns 0, or -1 for an unknown name. */
int wsb__os_set(const char *name, wsb__os_fn fn);
/* The current function of an entry (NULL for an unknown name). */
wsb__os_fn wsb__os_get(const char *name);
/* The real Win32 function of an entry (NULL for an unknown name). */
wsb__os_fn wsb__os_default(const char *name);
/* Restore every entry to its default, drop the hook, zero the counters. */
void wsb__os_reset(void);

/* Number of entries, and the name of entry i (NULL past the end). */
size_t wsb__os_count(void);
const char *wsb__os_name(size_t i);
/* 1 if fault injection may fail the entry. */
int wsb__os_faultable(const char *name);

/* Fault hook: called before every faultable call with the entry's name and a
 * running index (1 for the first faultable call after the hook was set).
 * Returning non-zero makes that call fail: it returns its failure value with
 * GetLastError() == WSB__OS_FAULT_ERROR, and the real function is not called.
 * NULL removes the hook. */
typedef int (*wsb__os_hook_fn)(const char *name, unsigned long index, void *ctx);
void wsb__os_set_hook(wsb__os_hook_fn hook, void *ctx);
/* Name of the last call the hook made fail (NULL if none since a hook was
 * last installed; removing the hook keeps it). */
const char *wsb__os_last_fault(void);

/* Calls made through an entry since the last reset (every call, faultable or
 * not; failed-by-injection ones too). */
unsigned long wsb__os_calls(const char *name);
void wsb__os_reset_counts(void);

#endif
