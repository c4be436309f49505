/*
 * A fake file system behind the OS-call seam, for tests and the benchmark:
 * Wine's SetNamedSecurityInfoW on files is a stub, so DACLs of files live
 * here. Registered paths answer GetNamedSecurityInfoW, SetNamedSecurityInfoW,
 * GetFileAttributesW and FindFirstFileW/FindNextFileW (a registered
 * directory lists its registered children, then its n synthetic files);
 * other paths go to Wine.
 */
#ifndef WSB_TESTS_FAKEFS_H
#define WSB_TESTS_FAKEFS_H

#include "win32/os.h"

/* The DACL new entries get unless told otherwise. */
#define FAKEFS_DEFAULT_DACL "D:(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;S-1-5-21-0-0-0-1000)"

void fakefs_install(void);     /* swap the seam entries in */
void fakefs_clear(void);       /* forget every entry, zero the counters */
/* Register a path (UTF-8). dacl_sddl NULL gives FAKEFS_DEFAULT_DACL;
 * files: synthetic children of a directory (0 for none). */
void fakefs_add(const char *path, int is_dir, const char *dacl_sddl, unsigned long files);
/* The path's DACL as SDDL (static buffer), or NULL if unknown. */
const char *fakefs_dacl(const char *path);
/* Number of ACEs in the path's DACL; -1 if unknown. */
int fakefs_ace_count(const char *path);
/* Calls seen since fakefs_clear. */
extern unsigned long fakefs_reads, fakefs_writes, fakefs_owner_writes, fakefs_enumerated;

/* A fresh empty directory under Wine's TEMP (UTF-8 path, static buffer). */
const char *fakefs_temp_dir(const char *tag);
/* A fault hook (wsb__os_set_hook with a fakefs_fault as ctx) that fails the
 * target-th faultable call made by one thread (1-based; seen counts them).
 * Threads the code under test starts run on their own schedule and are
 * never failed. */
typedef struct fakefs_fault {
	DWORD thread;
	unsigned long target, seen;
} fakefs_fault;
int fakefs_fail_on_thread(const char *name, unsigned long index, void *ctx);

/* Open handles of this process, from the system handle table (Wine's
 * GetProcessHandleCount answers 0). */
unsigned long fakefs_handles(void);

/* Counters of Winsock and threads through the seam, zeroed and swapped in
 * by fakefs_count_sockets: sockets made (WSASocketW, accept) less those
 * closed, WSAStartup less WSACleanup calls, and with FAKEFS_COUNT_THREADS
 * threads made (CreateThread), which with FAKEFS_COUNT_CLOSES every
 * CloseHandle takes back (only where the code under test closes nothing
 * but its threads' handles through the seam). */
#define FAKEFS_COUNT_THREADS 1
#define FAKEFS_COUNT_CLOSES 2
extern volatile LONG fakefs_sockets, fakefs_wsa, fakefs_threads;
void fakefs_count_sockets(int flags);

#endif
