/*
 * The OS-call seam (see os.h): the table, lookup by name, the fault hook and
 * the per-entry call counters.
 */
/* Winsock 2's declarations of the relay's and the proxy's entries; before
 * <windows.h>. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include "os.h"

#include <string.h>

/* ConPTY's default entries: looked up in kernel32 at the first call, so
 * that the library loads on Windows before 10 1809; where it is missing the
 * create and resize calls answer HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND). */
static FARPROC console_proc(const char *name)
{
	HMODULE k = GetModuleHandleW(L"kernel32.dll");

	return k ? GetProcAddress(k, name) : NULL;
}

static HRESULT WINAPI rt_CreatePseudoConsole(COORD s, HANDLE i, HANDLE o, DWORD f, void **pc)
{
	wsb__os_CreatePseudoConsole_fn fn =
		(wsb__os_CreatePseudoConsole_fn)(void (*)(void))console_proc("CreatePseudoConsole");

	return fn ? fn(s, i, o, f, pc) : HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND);
}

static HRESULT WINAPI rt_ResizePseudoConsole(void *pc, COORD s)
{
	wsb__os_ResizePseudoConsole_fn fn =
		(wsb__os_ResizePseudoConsole_fn)(void (*)(void))console_proc("ResizePseudoConsole");

	return fn ? fn(pc, s) : HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND);
}

static void WINAPI rt_ClosePseudoConsole(void *pc)
{
	wsb__os_ClosePseudoConsole_fn fn =
		(wsb__os_ClosePseudoConsole_fn)(void (*)(void))console_proc("ClosePseudoConsole");

	if (fn)
		fn(pc);
}

/* The table's default for these names is the run-time lookup above; the
 * stringized name stays the Win32 one. */
#define CreatePseudoConsole rt_CreatePseudoConsole
#define ResizePseudoConsole rt_ResizePseudoConsole
#define ClosePseudoConsole rt_ClosePseudoConsole

/* Failing stubs: what an injected fault makes each call return. */
#define WSB__OS_STUB(ret, name, params, faultable, failval) \
	static ret WINAPI fail_##name params \
	{ \
		SetLastError(WSB__OS_FAULT_ERROR); \
		return failval; \
	}
WSB__OS_CALLS(WSB__OS_STUB)
#undef WSB__OS_STUB

struct os_entry {
	const char *name;
	wsb__os_fn current;
	wsb__os_fn dflt;
	wsb__os_fn fail;
	int faultable;
};

#define WSB__OS_ENTRY(ret, name, params, faultable, failval) \
	{ #name, (wsb__os_fn)name, (wsb__os_fn)name, (wsb__os_fn)fail_##name, faultable },
static struct os_entry table[WSB__OS_I_COUNT] = {
	WSB__OS_CALLS(WSB__OS_ENTRY)
};
#undef WSB__OS_ENTRY

static volatile LONG counts[WSB__OS_I_COUNT];
static wsb__os_hook_fn hook;
static void *hook_ctx;
static volatile LONG hook_index;
static const char *last_fault;

static int find(const char *name)
{
	int i;

	if (!name)
		return -1;
	for (i = 0; i < WSB__OS_I_COUNT; i++)
		if (strcmp(table[i].name, name) == 0)
			return i;
	return -1;
}

wsb__os_fn wsb__os_enter(int index)
{
	struct os_entry *e = &table[index];

	InterlockedIncrement(&counts[index]);
	if (hook && e->faultable) {
		unsigned long n = (unsigned long)InterlockedIncrement(&hook_index);
		if (hook(e->name, n, hook_ctx)) {
			last_fault = e->name;
			return e->fail;
		}
	}
	return e->current;
}

int wsb__os_set(const char *name, wsb__os_fn fn)
{
	int i = find(name);

	if (i < 0)
		return -1;
	table[i].current = fn ? fn : table[i].dflt;
	return 0;
}

wsb__os_fn wsb__os_get(const char *name)
{
	int i = find(name);

	return i < 0 ? NULL : table[i].current;
}

wsb__os_fn wsb__os_default(const char *name)
{
	int i = find(name);

	return i < 0 ? NULL : table[i].dflt;
}

void wsb__os_reset(void)
{
	int i;

	for (i = 0; i < WSB__OS_I_COUNT; i++)
		table[i].current = table[i].dflt;
	wsb__os_set_hook(NULL, NULL);
	wsb__os_reset_counts();
}

size_t wsb__os_count(void)
{
	return WSB__OS_I_COUNT;
}

const char *wsb__os_name(size_t i)
{
	return i < WSB__OS_I_COUNT ? table[i].name : NULL;
}

int wsb__os_faultable(const char *name)
{
	int i = find(name);

	return i < 0 ? 0 : table[i].faultable;
}

void wsb__os_set_hook(wsb__os_hook_fn fn, void *ctx)
{
	hook = fn;
	hook_ctx = ctx;
	hook_index = 0;
	/* Removing the hook keeps the record, so a test can still ask which
	 * call failed. */
	if (fn)
		last_fault = NULL;
}

const char *wsb__os_last_fault(void)
{
	return last_fault;
}

unsigned long wsb__os_calls(const char *name)
{
	int i = find(name);

	return i < 0 ? 0 : (unsigned long)counts[i];
}

void wsb__os_reset_counts(void)
{
	int i;

	for (i = 0; i < WSB__OS_I_COUNT; i++)
		counts[i] = 0;
}
