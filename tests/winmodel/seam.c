/*
 * The seam adapter (seam.h): Win32 signatures on top of the model. Each hook
 * converts arguments (UTF-16 paths to the model's "C:\a\b", binary SIDs and
 * ACLs to wm_sid / wm_acl), calls the model with the caller's token, and
 * maps the result to what the Win32 call returns and leaves in
 * GetLastError(). Behaviour follows the Win32 documentation of each call.
 */
#include "seam.h"

#include "win32/win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fake handles: a recognisable range no real handle uses here. */
#define H_BASE   0x5EA00000u
#define H_MAX    4096

enum { H_FREE = 0, H_FILE, H_TOKEN, H_JOB, H_PROCESS, H_THREAD, H_FIND };

typedef struct hslot {
	int kind;
	char *path;          /* H_FILE */
	char *data;          /* H_FILE: contents (text, as the model stores) */
	size_t len, pos;
	uint32_t granted;
	wm_token token;      /* H_TOKEN */
	int job;             /* H_JOB */
	long pid;            /* H_PROCESS, H_THREAD */
	char **names;        /* H_FIND */
	size_t nnames, next;
	char *dir;
} hslot;

static struct world {
	int installed;
	wm_fs *fs;
	wm_jobsys *js;
	wm_token caller;
	wm_token process_token;  /* OpenProcessToken's answer when set */
	int has_process_token;
	long caller_pid;
	wm_sd nul_sd;
	hslot h[H_MAX];
	void **sds;          /* SDs handed out, freed by the LocalFree hook */
	size_t nsds, capsds;
	char **env;          /* "NAME=value" */
	size_t nenv;
	char *cwd, *windir;
	unsigned long resumed_outside_job;
} W;

/* The library's monitor thread waits on model processes while the test's
 * thread changes the model: job and process state is touched only under
 * this lock (recursive, as critical sections are). */
static CRITICAL_SECTION lock;
static LONG lock_ready;

void wms_lock(void)
{
	if (InterlockedCompareExchange(&lock_ready, 1, 0) == 0)
		InitializeCriticalSection(&lock);
	EnterCriticalSection(&lock);
}

void wms_unlock(void)
{
	LeaveCriticalSection(&lock);
}

DWORD wms_error(int rc)
{
	switch (rc) {
	case WM_OK: return ERROR_SUCCESS;
	case WM_E_ACCESS: return ERROR_ACCESS_DENIED;
	case WM_E_NOT_FOUND: return ERROR_FILE_NOT_FOUND;
	case WM_E_EXISTS: return ERROR_ALREADY_EXISTS;
	case WM_E_NOT_EMPTY: return ERROR_DIR_NOT_EMPTY;
	case WM_E_NOMEM: return ERROR_NOT_ENOUGH_MEMORY;
	case WM_E_QUOTA: return ERROR_NOT_ENOUGH_QUOTA;
	case WM_E_LOOP: return ERROR_CANT_RESOLVE_FILENAME;
	case WM_E_STATE: return ERROR_INVALID_HANDLE;
	default: return ERROR_INVALID_PARAMETER;
	}
}

/* ---- handles ---- */

static HANDLE h_new(int kind, hslot **out)
{
	size_t i;

	for (i = 1; i < H_MAX; i++)
		if (W.h[i].kind == H_FREE) {
			memset(&W.h[i], 0, sizeof(W.h[i]));
			W.h[i].kind = kind;
			*out = &W.h[i];
			return (HANDLE)(uintptr_t)(H_BASE + i * 4);
		}
	*out = NULL;
	return NULL;
}

static hslot *h_get(HANDLE h, int kind)
{
	uintptr_t v = (uintptr_t)h;
	size_t i;

	if (!W.installed || v < H_BASE || v >= H_BASE + H_MAX * 4 || (v - H_BASE) % 4)
		return NULL;
	i = (v - H_BASE) / 4;
	if (W.h[i].kind == H_FREE || (kind && W.h[i].kind != kind))
		return NULL;
	return &W.h[i];
}

static void h_free(hslot *s)
{
	free(s->path);
	free(s->data);
	free(s->dir);
	wm_fs_list_free(s->names, s->nnames);
	if (s->kind == H_TOKEN || s->kind == H_PROCESS)
		wm_token_dispose(&s->token);
	memset(s, 0, sizeof(*s));
}

/* ---- conversions ---- */

#define REAL(name) ((wsb__os_##name##_fn)wsb__os_default(#name))

/* The model's form of a path on C:, in buf; 0 if the path is not the model's. */
static int model_path(const wchar_t *w, char *buf, size_t n)
{
	int len;

	if (!w)
		return 0;
	if (wcsncmp(w, L"\\\\?\\", 4) == 0)
		w += 4;
	if (!((w[0] == L'C' || w[0] == L'c') && w[1] == L':'))
		return 0;
	len = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)n, NULL, NULL);
	return len > 0;
}

static int is_nul(const wchar_t *w)
{
	return w && _wcsicmp(w, L"\\\\.\\NUL") == 0;
}

static int sid_in(wm_sid *out, PSID p)
{
	size_t used;

	return p && wm_sid_from_bin(out, (const uint8_t *)p, GetLengthSid(p), &used) == WM_OK;
}

static int fail(DWORD err)
{
	SetLastError(err);
	return 0;
}

/* ---- security descriptors ---- */

/* A LocalAlloc'd self-relative copy of sd, remembered for the LocalFree hook. */
static void *sd_out(const wm_sd *sd)
{
	uint8_t *bin;
	size_t len;
	void *p;

	if (wm_sd_to_bin(&bin, &len, sd) != WM_OK)
		return NULL;
	p = LocalAlloc(LMEM_FIXED, len);
	if (p)
		memcpy(p, bin, len);
	free(bin);
	if (p && W.nsds == W.capsds) {
		size_t cap = W.capsds ? W.capsds * 2 : 16;
		void **n = realloc(W.sds, cap * sizeof(*n));
		if (!n) {
			LocalFree(p);
			return NULL;
		}
		W.sds = n;
		W.capsds = cap;
	}
	if (p)
		W.sds[W.nsds++] = p;
	return p;
}

static DWORD give_sd(const wm_sd *sd, SECURITY_INFORMATION si, PSID *o, PSID *g, PACL *d, PACL *s,
	PSECURITY_DESCRIPTOR *out)
{
	PSECURITY_DESCRIPTOR p = sd_out(sd);
	BOOL present, dflt;

	if (!p)
		return ERROR_NOT_ENOUGH_MEMORY;
	/* Pointers into the returned descriptor, as the real call gives them. */
	if (o) { *o = NULL; if (si & OWNER_SECURITY_INFORMATION) GetSecurityDescriptorOwner(p, o, &dflt); }
	if (g) { *g = NULL; if (si & GROUP_SECURITY_INFORMATION) GetSecurityDescriptorGroup(p, g, &dflt); }
	if (d) { *d = NULL; if (si & DACL_SECURITY_INFORMATION) GetSecurityDescriptorDacl(p, &present, d, &dflt); }
	if (s) { *s = NULL; if (si & (SACL_SECURITY_INFORMATION | LABEL_SECURITY_INFORMATION)) GetSecurityDescriptorSacl(p, &present, s, &dflt); }
	/* Without ppSecurityDescriptor the pointers stay valid until the
	 * world is uninstalled (wms_uninstall frees it). */
	if (out)
		*out = p;
	return ERROR_SUCCESS;
}

static DWORD get_sd_path(const char *path, SECURITY_INFORMATION si, PSID *o, PSID *g, PACL *d, PACL *s,
	PSECURITY_DESCRIPTOR *out)
{
	wm_sd sd;
	int rc;
	DWORD err;

	wm_sd_init(&sd);
	rc = wm_fs_get_sd(W.fs, &W.caller, path, (uint32_t)si, &sd);
	if (rc != WM_OK)
		return wms_error(rc);
	err = give_sd(&sd, si, o, g, d, s, out);
	wm_sd_dispose(&sd);
	return err;
}

static DWORD WINAPI h_GetNamedSecurityInfoW(LPCWSTR n, SE_OBJECT_TYPE t, SECURITY_INFORMATION i,
	PSID *o, PSID *g, PACL *d, PACL *s, PSECURITY_DESCRIPTOR *sd)
{
	char path[1024];

	if (is_nul(n))
		return give_sd(&W.nul_sd, i, o, g, d, s, sd);
	if (t != SE_FILE_OBJECT || !model_path(n, path, sizeof(path)))
		return REAL(GetNamedSecurityInfoW)(n, t, i, o, g, d, s, sd);
	return get_sd_path(path, i, o, g, d, s, sd);
}

static DWORD WINAPI h_GetSecurityInfo(HANDLE h, SE_OBJECT_TYPE t, SECURITY_INFORMATION i,
	PSID *o, PSID *g, PACL *d, PACL *s, PSECURITY_DESCRIPTOR *sd)
{
	hslot *f = h_get(h, H_FILE);

	if (!f)
		return REAL(GetSecurityInfo)(h, t, i, o, g, d, s, sd);
	if (!(f->granted & READ_CONTROL))
		return ERROR_ACCESS_DENIED;
	return get_sd_path(f->path, i, o, g, d, s, sd);
}

/* The model descriptor SetNamedSecurityInfo is given: the parts named by si. */
static DWORD sd_in(wm_sd *sd, SECURITY_INFORMATION si, PSID o, PSID g, PACL d, PACL s)
{
	wm_sd_init(sd);
	if (si & OWNER_SECURITY_INFORMATION) {
		if (!sid_in(&sd->owner, o))
			return ERROR_INVALID_OWNER;
		sd->has_owner = 1;
	}
	if (si & GROUP_SECURITY_INFORMATION) {
		if (!sid_in(&sd->group, g))
			return ERROR_INVALID_PRIMARY_GROUP;
		sd->has_group = 1;
	}
	if (si & DACL_SECURITY_INFORMATION) {
		sd->control |= WM_SE_DACL_PRESENT;
		if (d && wm_acl_from_bin(&sd->dacl, (const uint8_t *)d, d->AclSize) != WM_OK) {
			wm_sd_dispose(sd);
			return ERROR_INVALID_ACL;
		}
	}
	if (si & (SACL_SECURITY_INFORMATION | LABEL_SECURITY_INFORMATION)) {
		sd->control |= WM_SE_SACL_PRESENT;
		if (s && wm_acl_from_bin(&sd->sacl, (const uint8_t *)s, s->AclSize) != WM_OK) {
			wm_sd_dispose(sd);
			return ERROR_INVALID_ACL;
		}
	}
	return ERROR_SUCCESS;
}

static DWORD set_sd_path(const char *path, SECURITY_INFORMATION i, PSID o, PSID g, PACL d, PACL s)
{
	wm_sd sd;
	DWORD err;
	int rc;

	if ((err = sd_in(&sd, i, o, g, d, s)) != ERROR_SUCCESS)
		return err;
	/* The model applies auto-inheritance: inherited ACEs given are dropped,
	 * the parent's inheritable ones added, the change propagated. */
	rc = wm_fs_set_sd(W.fs, &W.caller, path, (uint32_t)i, &sd);
	wm_sd_dispose(&sd);
	return wms_error(rc);
}

static DWORD WINAPI h_SetNamedSecurityInfoW(LPWSTR n, SE_OBJECT_TYPE t, SECURITY_INFORMATION i,
	PSID o, PSID g, PACL d, PACL s)
{
	char path[1024];

	if (is_nul(n)) {
		wm_sd sd;
		DWORD err;
		if (!(i & DACL_SECURITY_INFORMATION) || (i & ~(DACL_SECURITY_INFORMATION |
				PROTECTED_DACL_SECURITY_INFORMATION | UNPROTECTED_DACL_SECURITY_INFORMATION)))
			return ERROR_INVALID_PARAMETER;
		if ((err = sd_in(&sd, i, o, g, d, s)) != ERROR_SUCCESS)
			return err;
		wm_acl_dispose(&W.nul_sd.dacl);
		W.nul_sd.dacl = sd.dacl;
		sd.dacl.aces = NULL;
		sd.dacl.count = 0;
		wm_sd_dispose(&sd);
		return ERROR_SUCCESS;
	}
	if (t != SE_FILE_OBJECT || !model_path(n, path, sizeof(path)))
		return REAL(SetNamedSecurityInfoW)(n, t, i, o, g, d, s);
	return set_sd_path(path, i, o, g, d, s);
}

static DWORD WINAPI h_SetSecurityInfo(HANDLE h, SE_OBJECT_TYPE t, SECURITY_INFORMATION i,
	PSID o, PSID g, PACL d, PACL s)
{
	hslot *f = h_get(h, H_FILE);

	if (!f)
		return REAL(SetSecurityInfo)(h, t, i, o, g, d, s);
	return set_sd_path(f->path, i, o, g, d, s);
}

static HLOCAL WINAPI h_LocalFree(HLOCAL p)
{
	size_t i;

	for (i = 0; i < W.nsds; i++)
		if (W.sds[i] == p) {
			W.sds[i] = W.sds[--W.nsds];
			break;
		}
	return LocalFree(p);
}

/* ---- files ---- */

static DWORD WINAPI h_GetFileAttributesW(LPCWSTR n)
{
	char path[1024];
	uint32_t g;
	int rc, kind;

	if (!model_path(n, path, sizeof(path)))
		return REAL(GetFileAttributesW)(n);
	/* FILE_READ_ATTRIBUTES on the object (or list on its folder). */
	rc = wm_fs_open(W.fs, &W.caller, path, WM_FILE_READ_ATTRIBUTES, 0, &g);
	if (rc != WM_OK) {
		SetLastError(rc == WM_E_NOT_FOUND ? (wm_fs_kind(W.fs, path, WM_OPEN_REPARSE_POINT) == WM_E_NOT_FOUND
			? ERROR_FILE_NOT_FOUND : ERROR_PATH_NOT_FOUND) : wms_error(rc));
		return INVALID_FILE_ATTRIBUTES;
	}
	kind = wm_fs_kind(W.fs, path, 0);
	if (kind < 0) {
		SetLastError(wms_error(kind));
		return INVALID_FILE_ATTRIBUTES;
	}
	return (kind == WM_KIND_DIR ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_NORMAL) |
		(wm_fs_kind(W.fs, path, WM_OPEN_REPARSE_POINT) == WM_KIND_LINK ? FILE_ATTRIBUTE_REPARSE_POINT : 0);
}

static int given_sd(wm_sd *out, LPSECURITY_ATTRIBUTES sa)
{
	uint8_t *bin = NULL;
	DWORD len;

	wm_sd_init(out);
	if (!sa || !sa->lpSecurityDescriptor)
		return 0;
	/* MakeSelfRelativeSD gives the binary form the model parses. */
	len = 0;
	MakeSelfRelativeSD(sa->lpSecurityDescriptor, NULL, &len);
	if (!len || !(bin = malloc(len)))
		return -1;
	if (!MakeSelfRelativeSD(sa->lpSecurityDescriptor, bin, &len) ||
			wm_sd_from_bin(out, bin, len) != WM_OK) {
		free(bin);
		return -1;
	}
	free(bin);
	return 1;
}

static BOOL WINAPI h_CreateDirectoryW(LPCWSTR n, LPSECURITY_ATTRIBUTES sa)
{
	char path[1024];
	wm_sd sd;
	int has, rc;

	if (!model_path(n, path, sizeof(path)))
		return REAL(CreateDirectoryW)(n, sa);
	if ((has = given_sd(&sd, sa)) < 0)
		return fail(ERROR_INVALID_SECURITY_DESCR);
	rc = wm_fs_create_dir(W.fs, &W.caller, path, has ? &sd : NULL);
	wm_sd_dispose(&sd);
	if (rc == WM_E_NOT_FOUND)
		return fail(ERROR_PATH_NOT_FOUND);
	return rc == WM_OK ? TRUE : fail(wms_error(rc));
}

static HANDLE WINAPI h_CreateFileW(LPCWSTR n, DWORD a, DWORD share, LPSECURITY_ATTRIBUTES sa, DWORD c,
	DWORD f, HANDLE tmpl)
{
	char path[1024];
	const char *text = "";
	uint32_t g = 0;
	unsigned flags = 0;
	int exists, rc, created = 0;
	hslot *s;
	HANDLE h;

	if (!model_path(n, path, sizeof(path)))
		return REAL(CreateFileW)(n, a, share, sa, c, f, tmpl);
	if (f & FILE_FLAG_OPEN_REPARSE_POINT)
		flags |= WM_OPEN_REPARSE_POINT;
	if (f & FILE_FLAG_BACKUP_SEMANTICS)
		flags |= WM_OPEN_BACKUP;
	exists = wm_fs_kind(W.fs, path, flags & WM_OPEN_REPARSE_POINT) >= 0;
	if (exists && c == CREATE_NEW) {
		SetLastError(ERROR_FILE_EXISTS);
		return INVALID_HANDLE_VALUE;
	}
	if (!exists && (c == OPEN_EXISTING || c == TRUNCATE_EXISTING)) {
		SetLastError(ERROR_FILE_NOT_FOUND);
		return INVALID_HANDLE_VALUE;
	}
	if (exists) {
		if (wm_fs_kind(W.fs, path, 0) == WM_KIND_DIR && !(f & FILE_FLAG_BACKUP_SEMANTICS)) {
			SetLastError(ERROR_ACCESS_DENIED);
			return INVALID_HANDLE_VALUE;
		}
		rc = wm_fs_open(W.fs, &W.caller, path, a, flags, &g);
	} else {
		wm_sd sd;
		int has = given_sd(&sd, sa);
		if (has < 0) {
			SetLastError(ERROR_INVALID_SECURITY_DESCR);
			return INVALID_HANDLE_VALUE;
		}
		rc = wm_fs_create_file(W.fs, &W.caller, path, has ? &sd : NULL);
		wm_sd_dispose(&sd);
		/* The creator gets the access it asked for on the new file. */
		g = wm_map_generic(a, &wm_file_mapping);
		created = 1;
	}
	if (rc == WM_OK && wm_fs_kind(W.fs, path, 0) == WM_KIND_FILE)
		rc = wm_fs_read(W.fs, NULL, path, &text);
	if (rc != WM_OK) {
		SetLastError(rc == WM_E_NOT_FOUND && !exists ? ERROR_PATH_NOT_FOUND : wms_error(rc));
		return INVALID_HANDLE_VALUE;
	}
	h = h_new(H_FILE, &s);
	if (!h) {
		SetLastError(ERROR_TOO_MANY_OPEN_FILES);
		return INVALID_HANDLE_VALUE;
	}
	s->path = _strdup(path);
	s->granted = g;
	if (c == CREATE_ALWAYS || c == TRUNCATE_EXISTING)
		text = "";
	s->data = _strdup(text);
	s->len = strlen(text);
	if (!s->path || !s->data) {
		h_free(s);
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return INVALID_HANDLE_VALUE;
	}
	if ((c == CREATE_ALWAYS || c == TRUNCATE_EXISTING) && !created &&
			(rc = wm_fs_write(W.fs, NULL, path, "")) != WM_OK) {
		h_free(s);
		SetLastError(wms_error(rc));
		return INVALID_HANDLE_VALUE;
	}
	SetLastError(exists && (c == OPEN_ALWAYS || c == CREATE_ALWAYS) ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
	return h;
}

static BOOL WINAPI h_ReadFile(HANDLE h, LPVOID b, DWORD n, LPDWORD r, LPOVERLAPPED o)
{
	hslot *s = h_get(h, H_FILE);
	size_t k;

	if (!s)
		return REAL(ReadFile)(h, b, n, r, o);
	if (!(s->granted & FILE_READ_DATA))
		return fail(ERROR_ACCESS_DENIED);
	k = s->pos < s->len ? s->len - s->pos : 0;
	if (k > n)
		k = n;
	memcpy(b, s->data + s->pos, k);
	s->pos += k;
	if (r)
		*r = (DWORD)k;
	return TRUE;
}

static BOOL WINAPI h_WriteFile(HANDLE h, LPCVOID b, DWORD n, LPDWORD w, LPOVERLAPPED o)
{
	hslot *s = h_get(h, H_FILE);
	size_t end;
	char *d;
	int rc;

	if (!s)
		return REAL(WriteFile)(h, b, n, w, o);
	if (!(s->granted & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
		return fail(ERROR_ACCESS_DENIED);
	if (memchr(b, 0, n))
		return fail(ERROR_INVALID_PARAMETER); /* the model keeps text */
	/* A handle with FILE_APPEND_DATA but not FILE_WRITE_DATA writes at the end. */
	if (!(s->granted & FILE_WRITE_DATA))
		s->pos = s->len;
	end = s->pos + n;
	if (end > s->len) {
		if (!(d = realloc(s->data, end + 1)))
			return fail(ERROR_NOT_ENOUGH_MEMORY);
		s->data = d;
		s->len = end;
		s->data[end] = '\0';
	}
	memcpy(s->data + s->pos, b, n);
	s->pos = end;
	if ((rc = wm_fs_write(W.fs, NULL, s->path, s->data)) != WM_OK)
		return fail(wms_error(rc));
	if (w)
		*w = n;
	return TRUE;
}

static BOOL WINAPI h_FlushFileBuffers(HANDLE h)
{
	return h_get(h, H_FILE) ? TRUE : REAL(FlushFileBuffers)(h);
}

static BOOL WINAPI h_GetFileSizeEx(HANDLE h, PLARGE_INTEGER size)
{
	hslot *s = h_get(h, H_FILE);

	if (!s)
		return REAL(GetFileSizeEx)(h, size);
	size->QuadPart = (LONGLONG)s->len;
	return TRUE;
}

static BOOL WINAPI h_SetFilePointerEx(HANDLE h, LARGE_INTEGER d, PLARGE_INTEGER np, DWORD m)
{
	hslot *s = h_get(h, H_FILE);
	long long base;

	if (!s)
		return REAL(SetFilePointerEx)(h, d, np, m);
	base = m == FILE_BEGIN ? 0 : m == FILE_CURRENT ? (long long)s->pos : (long long)s->len;
	if (base + d.QuadPart < 0)
		return fail(ERROR_NEGATIVE_SEEK);
	s->pos = (size_t)(base + d.QuadPart);
	if (s->pos > s->len)
		s->pos = s->len; /* the text model has no holes */
	if (np)
		np->QuadPart = (LONGLONG)s->pos;
	return TRUE;
}

static BOOL WINAPI h_SetEndOfFile(HANDLE h)
{
	hslot *s = h_get(h, H_FILE);
	int rc;

	if (!s)
		return REAL(SetEndOfFile)(h);
	if (!(s->granted & FILE_WRITE_DATA))
		return fail(ERROR_ACCESS_DENIED);
	s->len = s->pos;
	s->data[s->len] = '\0';
	rc = wm_fs_write(W.fs, NULL, s->path, s->data);
	return rc == WM_OK ? TRUE : fail(wms_error(rc));
}

static BOOL WINAPI h_DeleteFileW(LPCWSTR n)
{
	char path[1024];
	int rc;

	if (!model_path(n, path, sizeof(path)))
		return REAL(DeleteFileW)(n);
	if (wm_fs_kind(W.fs, path, WM_OPEN_REPARSE_POINT) == WM_KIND_DIR)
		return fail(ERROR_ACCESS_DENIED);
	rc = wm_fs_delete(W.fs, &W.caller, path);
	return rc == WM_OK ? TRUE : fail(wms_error(rc));
}

static BOOL WINAPI h_MoveFileExW(LPCWSTR a, LPCWSTR b, DWORD f)
{
	char from[1024], to[1024];
	int rc;

	if (!model_path(a, from, sizeof(from)) || !model_path(b, to, sizeof(to)))
		return REAL(MoveFileExW)(a, b, f);
	rc = wm_fs_rename(W.fs, &W.caller, from, to, (f & MOVEFILE_REPLACE_EXISTING) != 0);
	return rc == WM_OK ? TRUE : fail(wms_error(rc));
}

static int find_fill(hslot *s, LPWIN32_FIND_DATAW d)
{
	char full[2048];
	int kind;

	if (s->next >= s->nnames)
		return 0;
	memset(d, 0, sizeof(*d));
	snprintf(full, sizeof(full), "%s\\%s", s->dir, s->names[s->next]);
	kind = wm_fs_kind(W.fs, full, WM_OPEN_REPARSE_POINT);
	d->dwFileAttributes = kind == WM_KIND_DIR ? FILE_ATTRIBUTE_DIRECTORY :
		kind == WM_KIND_LINK ? FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT :
		FILE_ATTRIBUTE_NORMAL;
	if (kind == WM_KIND_LINK)
		d->dwReserved0 = IO_REPARSE_TAG_MOUNT_POINT;
	MultiByteToWideChar(CP_UTF8, 0, s->names[s->next], -1, d->cFileName, MAX_PATH);
	s->next++;
	return 1;
}

static HANDLE WINAPI h_FindFirstFileW(LPCWSTR n, LPWIN32_FIND_DATAW d)
{
	char path[1024];
	size_t len;
	hslot *s;
	HANDLE h;
	int rc;

	if (!model_path(n, path, sizeof(path)))
		return REAL(FindFirstFileW)(n, d);
	/* Only "dir\*" patterns, what a directory walk uses. */
	len = strlen(path);
	if (len < 2 || strcmp(path + len - 2, "\\*") != 0) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return INVALID_HANDLE_VALUE;
	}
	path[len - 2] = '\0';
	if (!(h = h_new(H_FIND, &s))) {
		SetLastError(ERROR_TOO_MANY_OPEN_FILES);
		return INVALID_HANDLE_VALUE;
	}
	rc = wm_fs_list(W.fs, &W.caller, path, &s->names, &s->nnames);
	if (rc == WM_OK && !(s->dir = _strdup(path)))
		rc = WM_E_NOMEM;
	if (rc != WM_OK || !find_fill(s, d)) {
		h_free(s);
		SetLastError(rc == WM_OK ? ERROR_FILE_NOT_FOUND : wms_error(rc));
		return INVALID_HANDLE_VALUE;
	}
	return h;
}

static BOOL WINAPI h_FindNextFileW(HANDLE h, LPWIN32_FIND_DATAW d)
{
	hslot *s = h_get(h, H_FIND);

	if (!s)
		return REAL(FindNextFileW)(h, d);
	return find_fill(s, d) ? TRUE : fail(ERROR_NO_MORE_FILES);
}

static BOOL WINAPI h_FindClose(HANDLE h)
{
	hslot *s = h_get(h, H_FIND);

	if (!s)
		return REAL(FindClose)(h);
	h_free(s);
	return TRUE;
}

/* ---- environment ---- */

/* Variables that describe the model machine: never read from the real one. */
static const char *const model_vars[] = { "TEMP", "TMP", "LOCALAPPDATA", "USERPROFILE", "PUBLIC",
	"PATH", "SystemDrive" };

static int env_lookup(const char *name, const char **value)
{
	size_t i, n = strlen(name);

	for (i = 0; i < W.nenv; i++)
		if (_strnicmp(W.env[i], name, n) == 0 && W.env[i][n] == '=') {
			*value = W.env[i] + n + 1;
			return 1;
		}
	*value = NULL;
	for (i = 0; i < sizeof(model_vars) / sizeof(model_vars[0]); i++)
		if (_stricmp(model_vars[i], name) == 0)
			return 1;
	return 0;
}

/* Copy UTF-8 v into a wide buffer as the Get...W calls do: the length
 * without the terminator, or the size needed (with it) if it does not fit. */
static DWORD give_wide(const char *v, LPWSTR b, DWORD size)
{
	int need = MultiByteToWideChar(CP_UTF8, 0, v, -1, NULL, 0);

	if (!b || (DWORD)need > size)
		return (DWORD)need;
	MultiByteToWideChar(CP_UTF8, 0, v, -1, b, (int)size);
	return (DWORD)need - 1;
}

static DWORD WINAPI h_GetEnvironmentVariableW(LPCWSTR n, LPWSTR b, DWORD size)
{
	char name[256];
	const char *v;

	if (!WideCharToMultiByte(CP_UTF8, 0, n, -1, name, sizeof(name), NULL, NULL) || !env_lookup(name, &v))
		return REAL(GetEnvironmentVariableW)(n, b, size);
	if (!v)
		return fail(ERROR_ENVVAR_NOT_FOUND);
	return give_wide(v, b, size);
}

static DWORD WINAPI h_GetCurrentDirectoryW(DWORD size, LPWSTR b)
{
	return W.cwd ? give_wide(W.cwd, b, size) : REAL(GetCurrentDirectoryW)(size, b);
}

static UINT WINAPI h_GetWindowsDirectoryW(LPWSTR b, UINT size)
{
	return W.windir ? (UINT)give_wide(W.windir, b, size) : REAL(GetWindowsDirectoryW)(b, size);
}

/* ---- tokens ---- */

static size_t token_sids(const wm_token *t)
{
	return 1 + t->group_count + t->restricted_count;
}

/* What TokenStatistics tells of the process token: new with every world
 * and every wms_set_process_token, as Windows' ModifiedId is with every
 * change of a token. */
static DWORD token_generation;

static BOOL WINAPI h_DuplicateTokenEx(HANDLE t, DWORD a, LPSECURITY_ATTRIBUTES sa,
	SECURITY_IMPERSONATION_LEVEL l, TOKEN_TYPE y, PHANDLE out)
{
	hslot *b = h_get(t, H_TOKEN), *s;
	HANDLE h;

	if (!b)
		return REAL(DuplicateTokenEx)(t, a, sa, l, y, out);
	if (y != TokenPrimary)
		return fail(ERROR_INVALID_PARAMETER);
	if (!(h = h_new(H_TOKEN, &s)))
		return fail(ERROR_TOO_MANY_OPEN_FILES);
	if (wm_token_copy(&s->token, &b->token) != WM_OK) {
		h_free(s);
		return fail(ERROR_NOT_ENOUGH_MEMORY);
	}
	*out = h;
	return TRUE;
}

static BOOL WINAPI h_OpenProcessToken(HANDLE p, DWORD a, PHANDLE out)
{
	hslot *s;
	HANDLE h;

	if (p != GetCurrentProcess())
		return REAL(OpenProcessToken)(p, a, out);
	if (!(h = h_new(H_TOKEN, &s)))
		return fail(ERROR_TOO_MANY_OPEN_FILES);
	if (wm_token_copy(&s->token, W.has_process_token ? &W.process_token : &W.caller) != WM_OK) {
		h_free(s);
		return fail(ERROR_NOT_ENOUGH_MEMORY);
	}
	*out = h;
	return TRUE;
}

/* Lay out SID_AND_ATTRIBUTES[n] followed by the SIDs, at buf + off. */
static size_t groups_size(const wm_sid_attr *g, const wm_sid *r, size_t n)
{
	size_t i, sz = n * sizeof(SID_AND_ATTRIBUTES);

	for (i = 0; i < n; i++)
		sz += wm_sid_size(g ? &g[i].sid : &r[i]);
	return sz;
}

static void groups_put(BYTE *base, SID_AND_ATTRIBUTES *arr, const wm_sid_attr *g, const wm_sid *r, size_t n)
{
	BYTE *p = base;
	size_t i;

	for (i = 0; i < n; i++) {
		const wm_sid *sid = g ? &g[i].sid : &r[i];
		wm_sid_to_bin(sid, p);
		arr[i].Sid = p;
		arr[i].Attributes = g ? g[i].attrs : SE_GROUP_ENABLED | SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT;
		p += wm_sid_size(sid);
	}
}

static BOOL WINAPI h_GetTokenInformation(HANDLE h, TOKEN_INFORMATION_CLASS c, LPVOID b, DWORD n, PDWORD r)
{
	hslot *s = h_get(h, H_TOKEN);
	const wm_token *t;
	size_t need;

	if (!s)
		return REAL(GetTokenInformation)(h, c, b, n, r);
	t = &s->token;
	switch (c) {
	case TokenUser:
		need = sizeof(TOKEN_USER) + wm_sid_size(&t->user.sid);
		break;
	case TokenGroups:
		need = offsetof(TOKEN_GROUPS, Groups) + groups_size(t->groups, NULL, t->group_count);
		break;
	case TokenRestrictedSids:
		need = offsetof(TOKEN_GROUPS, Groups) + groups_size(NULL, t->restricted, t->restricted_count);
		break;
	case TokenOwner:
		need = sizeof(TOKEN_OWNER) + wm_sid_size(&t->owner);
		break;
	case TokenPrimaryGroup:
		need = sizeof(TOKEN_PRIMARY_GROUP) + wm_sid_size(&t->primary_group);
		break;
	case TokenDefaultDacl:
		need = sizeof(TOKEN_DEFAULT_DACL) + (t->has_default_dacl ? wm_acl_size(&t->default_dacl) : 0);
		break;
	case TokenStatistics:
		need = sizeof(TOKEN_STATISTICS);
		break;
	default:
		return fail(ERROR_INVALID_PARAMETER);
	}
	if (r)
		*r = (DWORD)need;
	if (!b || n < need)
		return fail(ERROR_INSUFFICIENT_BUFFER);
	switch (c) {
	case TokenUser: {
		TOKEN_USER *u = b;
		u->User.Sid = (BYTE *)b + sizeof(*u);
		u->User.Attributes = t->user.attrs;
		wm_sid_to_bin(&t->user.sid, u->User.Sid);
		break;
	}
	case TokenGroups:
	case TokenRestrictedSids: {
		TOKEN_GROUPS *g = b;
		size_t cnt = c == TokenGroups ? t->group_count : t->restricted_count;
		g->GroupCount = (DWORD)cnt;
		groups_put((BYTE *)b + offsetof(TOKEN_GROUPS, Groups) + cnt * sizeof(SID_AND_ATTRIBUTES),
			g->Groups, c == TokenGroups ? t->groups : NULL, t->restricted, cnt);
		break;
	}
	case TokenOwner: {
		TOKEN_OWNER *o = b;
		o->Owner = (BYTE *)b + sizeof(*o);
		wm_sid_to_bin(&t->owner, o->Owner);
		break;
	}
	case TokenPrimaryGroup: {
		TOKEN_PRIMARY_GROUP *o = b;
		o->PrimaryGroup = (BYTE *)b + sizeof(*o);
		wm_sid_to_bin(&t->primary_group, o->PrimaryGroup);
		break;
	}
	case TokenStatistics: {
		TOKEN_STATISTICS *st = b;
		memset(st, 0, sizeof(*st));
		st->TokenId.LowPart = token_generation;
		st->ModifiedId.LowPart = token_generation;
		st->TokenType = TokenPrimary;
		break;
	}
	default: {
		TOKEN_DEFAULT_DACL *d = b;
		d->DefaultDacl = t->has_default_dacl ? (PACL)((BYTE *)b + sizeof(*d)) : NULL;
		if (t->has_default_dacl)
			wm_acl_to_bin(&t->default_dacl, (uint8_t *)d->DefaultDacl);
		break;
	}
	}
	return TRUE;
}

static BOOL WINAPI h_SetTokenInformation(HANDLE h, TOKEN_INFORMATION_CLASS c, LPVOID b, DWORD n)
{
	hslot *s = h_get(h, H_TOKEN);
	TOKEN_DEFAULT_DACL *d = b;
	wm_acl acl;

	if (!s)
		return REAL(SetTokenInformation)(h, c, b, n);
	if (c != TokenDefaultDacl)
		return fail(ERROR_INVALID_PARAMETER);
	if (!b || n < sizeof(*d))
		return fail(ERROR_BAD_LENGTH);
	if (!d->DefaultDacl) {
		wm_acl_dispose(&s->token.default_dacl);
		s->token.has_default_dacl = 0;
		return TRUE;
	}
	if (!IsValidAcl(d->DefaultDacl))
		return fail(ERROR_INVALID_ACL);
	/* The default DACL and primary group share the token's dynamic part. */
	if ((size_t)d->DefaultDacl->AclSize + wm_sid_size(&s->token.primary_group) > WMS_TOKEN_DYNAMIC_BYTES)
		return fail(ERROR_ALLOTTED_SPACE_EXCEEDED);
	memset(&acl, 0, sizeof(acl));
	if (wm_acl_from_bin(&acl, (const uint8_t *)d->DefaultDacl, d->DefaultDacl->AclSize) != WM_OK)
		return fail(ERROR_INVALID_ACL);
	wm_acl_dispose(&s->token.default_dacl);
	s->token.default_dacl = acl;
	s->token.has_default_dacl = 1;
	return TRUE;
}

static BOOL WINAPI h_CreateRestrictedToken(HANDLE base, DWORD flags, DWORD nd, PSID_AND_ATTRIBUTES dis,
	DWORD np, PLUID_AND_ATTRIBUTES privs, DWORD nr, PSID_AND_ATTRIBUTES res, PHANDLE out)
{
	hslot *b = h_get(base, H_TOKEN), *s;
	wm_token t;
	size_t i, j;
	HANDLE h;

	if (!b)
		return REAL(CreateRestrictedToken)(base, flags, nd, dis, np, privs, nr, res, out);
	if (flags & ~(DISABLE_MAX_PRIVILEGE | SANDBOX_INERT | LUA_TOKEN | WRITE_RESTRICTED))
		return fail(ERROR_INVALID_PARAMETER);
	if ((nd && !dis) || (nr && !res))
		return fail(ERROR_INVALID_PARAMETER);
	if (wm_token_copy(&t, &b->token) != WM_OK)
		return fail(ERROR_NOT_ENOUGH_MEMORY);
	/* Disabled SIDs become deny-only. */
	for (i = 0; i < nd; i++) {
		wm_sid sid;
		if (!sid_in(&sid, dis[i].Sid))
			goto invalid;
		if (wm_sid_equal(&sid, &t.user.sid))
			t.user.attrs |= WM_SE_GROUP_USE_FOR_DENY_ONLY;
		for (j = 0; j < t.group_count; j++)
			if (wm_sid_equal(&sid, &t.groups[j].sid)) {
				t.groups[j].attrs |= WM_SE_GROUP_USE_FOR_DENY_ONLY;
				t.groups[j].attrs &= ~(WM_SE_GROUP_ENABLED | WM_SE_GROUP_ENABLED_BY_DEFAULT);
			}
	}
	if (flags & DISABLE_MAX_PRIVILEGE)
		t.privileges &= WM_PRIV_CHANGE_NOTIFY;
	else if (np)
		t.privileges = 0; /* the model's privileges are not named by LUID: drop all asked-for ones */
	if (flags & LUA_TOKEN) {
		/* The filtered (standard user) form: Administrators deny-only. */
		wm_sid adm = wm_sid_of(WM_SID_ADMINISTRATORS);
		for (j = 0; j < t.group_count; j++)
			if (wm_sid_equal(&adm, &t.groups[j].sid))
				t.groups[j].attrs = WM_SE_GROUP_USE_FOR_DENY_ONLY;
	}
	if (nr) {
		wm_sid *old = t.restricted;
		size_t oldn = t.restricted_count;
		t.restricted = NULL;
		t.restricted_count = 0;
		for (i = 0; i < nr; i++) {
			wm_sid sid;
			int keep = oldn == 0;
			if (!sid_in(&sid, res[i].Sid) || res[i].Attributes) {
				free(old);
				goto invalid;
			}
			/* A restricted token restricted again keeps only SIDs in both lists. */
			for (j = 0; j < oldn && !keep; j++)
				keep = wm_sid_equal(&sid, &old[j]);
			if (keep && wm_token_add_restricted(&t, &sid) != WM_OK) {
				free(old);
				wm_token_dispose(&t);
				return fail(ERROR_NOT_ENOUGH_MEMORY);
			}
		}
		free(old);
	}
	if (flags & WRITE_RESTRICTED)
		t.write_restricted = 1;
	if (token_sids(&t) > WMS_TOKEN_MAX_SIDS)
		goto invalid;
	if (!(h = h_new(H_TOKEN, &s))) {
		wm_token_dispose(&t);
		return fail(ERROR_TOO_MANY_OPEN_FILES);
	}
	s->token = t;
	*out = h;
	return TRUE;
invalid:
	wm_token_dispose(&t);
	return fail(ERROR_INVALID_PARAMETER);
}

/* ---- jobs and processes ---- */

static HANDLE WINAPI u_CreateJobObjectW(LPSECURITY_ATTRIBUTES sa, LPCWSTR n)
{
	hslot *s;
	HANDLE h;
	int job, rc;

	if (n)
		return REAL(CreateJobObjectW)(sa, n);
	if ((rc = wm_job_create(W.js, &job)) != WM_OK) {
		SetLastError(wms_error(rc));
		return NULL;
	}
	if (!(h = h_new(H_JOB, &s))) {
		wm_job_close_handle(W.js, job);
		SetLastError(ERROR_TOO_MANY_OPEN_FILES);
		return NULL;
	}
	s->job = job;
	return h;
}

static BOOL WINAPI u_SetInformationJobObject(HANDLE j, JOBOBJECTINFOCLASS c, LPVOID b, DWORD n)
{
	hslot *s = h_get(j, H_JOB);
	wm_job_limits lim;
	int rc;

	if (!s)
		return REAL(SetInformationJobObject)(j, c, b, n);
	switch (c) {
	case JobObjectExtendedLimitInformation: {
		const JOBOBJECT_EXTENDED_LIMIT_INFORMATION *e = b;
		DWORD f;
		if (n < sizeof(*e))
			return fail(ERROR_BAD_LENGTH);
		f = e->BasicLimitInformation.LimitFlags;
		memset(&lim, 0, sizeof(lim));
		lim.flags = f & (WM_JOB_LIMIT_ACTIVE_PROCESS | WM_JOB_LIMIT_PROCESS_MEMORY | WM_JOB_LIMIT_JOB_MEMORY |
			WM_JOB_LIMIT_DIE_ON_UNHANDLED_EXCEPTION | WM_JOB_LIMIT_BREAKAWAY_OK |
			WM_JOB_LIMIT_SILENT_BREAKAWAY_OK | WM_JOB_LIMIT_KILL_ON_JOB_CLOSE);
		lim.active_processes = e->BasicLimitInformation.ActiveProcessLimit;
		lim.process_memory = e->ProcessMemoryLimit;
		lim.job_memory = e->JobMemoryLimit;
		if ((f & JOB_OBJECT_LIMIT_ACTIVE_PROCESS) && lim.active_processes == 0)
			return fail(ERROR_INVALID_PARAMETER);
		rc = wm_job_set_limits(W.js, s->job, &lim);
		return rc == WM_OK ? TRUE : fail(wms_error(rc));
	}
	case JobObjectBasicUIRestrictions:
	case JobObjectAssociateCompletionPortInformation:
		/* Not modelled: accepted, as Windows accepts them. */
		return TRUE;
	default:
		return fail(ERROR_INVALID_PARAMETER);
	}
}

static BOOL WINAPI u_QueryInformationJobObject(HANDLE j, JOBOBJECTINFOCLASS c, LPVOID b, DWORD n, LPDWORD r)
{
	hslot *s = h_get(j, H_JOB);
	JOBOBJECT_BASIC_ACCOUNTING_INFORMATION *a = b;

	if (!s)
		return REAL(QueryInformationJobObject)(j, c, b, n, r);
	if (c != JobObjectBasicAccountingInformation || n < sizeof(*a))
		return fail(ERROR_INVALID_PARAMETER);
	memset(a, 0, sizeof(*a));
	a->ActiveProcesses = (DWORD)wm_job_active(W.js, s->job);
	if (r)
		*r = sizeof(*a);
	return TRUE;
}

static BOOL WINAPI u_AssignProcessToJobObject(HANDLE j, HANDLE p)
{
	hslot *s = h_get(j, H_JOB), *q = h_get(p, H_PROCESS);
	int rc;

	if (!s && !q)
		return REAL(AssignProcessToJobObject)(j, p);
	if (!s || !q)
		return fail(ERROR_INVALID_HANDLE);
	rc = wm_job_assign(W.js, s->job, q->pid);
	return rc == WM_OK ? TRUE : fail(wms_error(rc));
}

static BOOL WINAPI u_TerminateJobObject(HANDLE j, UINT code)
{
	hslot *s = h_get(j, H_JOB);
	int rc;

	if (!s)
		return REAL(TerminateJobObject)(j, code);
	rc = wm_job_terminate(W.js, s->job);
	return rc == WM_OK ? TRUE : fail(wms_error(rc));
}

static BOOL WINAPI u_CreateProcessAsUserW(HANDLE t, LPCWSTR app, LPWSTR cmd, LPSECURITY_ATTRIBUTES pa,
	LPSECURITY_ATTRIBUTES ta, BOOL inh, DWORD f, LPVOID env, LPCWSTR cwd, LPSTARTUPINFOW si,
	LPPROCESS_INFORMATION pi)
{
	hslot *tok = h_get(t, H_TOKEN), *ps, *ts;
	long pid;
	int rc;

	if (!tok)
		return REAL(CreateProcessAsUserW)(t, app, cmd, pa, ta, inh, f, env, cwd, si, pi);
	rc = wm_proc_create(W.js, W.caller_pid, f & (WM_CREATE_BREAKAWAY_FROM_JOB | WM_CREATE_SUSPENDED), &pid);
	if (rc != WM_OK)
		return fail(wms_error(rc));
	pi->hProcess = h_new(H_PROCESS, &ps);
	if (!pi->hProcess)
		return fail(ERROR_TOO_MANY_OPEN_FILES);
	ps->pid = pid;
	if (wm_token_copy(&ps->token, &tok->token) != WM_OK) {
		h_free(ps);
		return fail(ERROR_NOT_ENOUGH_MEMORY);
	}
	pi->hThread = h_new(H_THREAD, &ts);
	if (!pi->hThread) {
		wm_token_dispose(&ps->token);
		h_free(ps);
		return fail(ERROR_TOO_MANY_OPEN_FILES);
	}
	ts->pid = pid;
	pi->dwProcessId = (DWORD)pid;
	pi->dwThreadId = (DWORD)pid + 1;
	return TRUE;
}

static DWORD WINAPI u_ResumeThread(HANDLE t)
{
	hslot *s = h_get(t, H_THREAD);

	if (!s)
		return REAL(ResumeThread)(t);
	/* A process that runs before it is in a job could escape it. */
	if (!wm_proc_job(W.js, s->pid))
		W.resumed_outside_job++;
	return 1;
}

static BOOL WINAPI u_TerminateProcess(HANDLE p, UINT code)
{
	hslot *s = h_get(p, H_PROCESS);

	if (!s)
		return REAL(TerminateProcess)(p, code);
	wm_proc_exit(W.js, s->pid);
	return TRUE;
}

static BOOL WINAPI u_GetExitCodeProcess(HANDLE p, LPDWORD code)
{
	hslot *s = h_get(p, H_PROCESS);

	if (!s)
		return REAL(GetExitCodeProcess)(p, code);
	*code = wm_proc_alive(W.js, s->pid) ? STILL_ACTIVE : 1;
	return TRUE;
}

static DWORD WINAPI u_GetProcessId(HANDLE p)
{
	hslot *s = h_get(p, H_PROCESS);

	return s ? (DWORD)s->pid : REAL(GetProcessId)(p);
}

static int proc_alive(hslot *s)
{
	int alive;

	wms_lock();
	alive = wm_proc_alive(W.js, s->pid);
	wms_unlock();
	return alive;
}

/* A model process is signalled when it is dead; waiting polls the model,
 * since only another thread's call (TerminateJobObject, ...) can end it. */
static DWORD WINAPI h_WaitForSingleObject(HANDLE h, DWORD ms)
{
	hslot *s = h_get(h, H_PROCESS);
	ULONGLONG start = GetTickCount64();

	if (!s)
		return REAL(WaitForSingleObject)(h, ms);
	while (proc_alive(s)) {
		if (ms != INFINITE && GetTickCount64() - start >= ms)
			return WAIT_TIMEOUT;
		Sleep(2);
	}
	return WAIT_OBJECT_0;
}

/* Wait-any over model processes and real handles: a dead model process
 * answers at once; else the real handles are waited on in short slices
 * (a caller looping on WAIT_TIMEOUT, as the backend's monitor does, sees
 * the same thing, only sooner). Wait-all with model handles is refused. */
static DWORD WINAPI h_WaitForMultipleObjects(DWORD n, const HANDLE *h, BOOL all, DWORD ms)
{
	HANDLE real[MAXIMUM_WAIT_OBJECTS];
	DWORD map[MAXIMUM_WAIT_OBJECTS], k = 0, i, r, slice;
	int fake = 0;

	if (n == 0 || n > MAXIMUM_WAIT_OBJECTS)
		return REAL(WaitForMultipleObjects)(n, h, all, ms);
	for (i = 0; i < n; i++) {
		hslot *s = h_get(h[i], H_PROCESS);
		if (!s) {
			map[k] = i;
			real[k++] = h[i];
			continue;
		}
		fake = 1;
		if (!all && !proc_alive(s))
			return WAIT_OBJECT_0 + i;
	}
	if (!fake)
		return REAL(WaitForMultipleObjects)(n, h, all, ms);
	if (all) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return WAIT_FAILED;
	}
	slice = ms < 5 ? ms : 5;
	if (k == 0) {
		Sleep(slice);
		return WAIT_TIMEOUT;
	}
	r = REAL(WaitForMultipleObjects)(k, real, FALSE, slice);
	if (r < WAIT_OBJECT_0 + k)
		return WAIT_OBJECT_0 + map[r - WAIT_OBJECT_0];
	if (r >= WAIT_ABANDONED_0 && r < WAIT_ABANDONED_0 + k)
		return WAIT_ABANDONED_0 + map[r - WAIT_ABANDONED_0];
	return r;
}

static BOOL WINAPI u_CloseHandle(HANDLE h)
{
	hslot *s = h_get(h, 0);

	if (!s)
		return REAL(CloseHandle)(h);
	if (s->kind == H_JOB)
		wm_job_close_handle(W.js, s->job);
	h_free(s);
	return TRUE;
}

/* Locked entry points of the job and process hooks. */
static HANDLE WINAPI h_CreateJobObjectW(LPSECURITY_ATTRIBUTES sa, LPCWSTR n)
{
	HANDLE ret;

	wms_lock();
	ret = u_CreateJobObjectW(sa, n);
	wms_unlock();
	return ret;
}

static BOOL WINAPI h_SetInformationJobObject(HANDLE j, JOBOBJECTINFOCLASS c, LPVOID b, DWORD n)
{
	BOOL ret;

	wms_lock();
	ret = u_SetInformationJobObject(j, c, b, n);
	wms_unlock();
	return ret;
}

static BOOL WINAPI h_QueryInformationJobObject(HANDLE j, JOBOBJECTINFOCLASS c, LPVOID b, DWORD n, LPDWORD r)
{
	BOOL ret;

	wms_lock();
	ret = u_QueryInformationJobObject(j, c, b, n, r);
	wms_unlock();
	return ret;
}

static BOOL WINAPI h_AssignProcessToJobObject(HANDLE j, HANDLE p)
{
	BOOL ret;

	wms_lock();
	ret = u_AssignProcessToJobObject(j, p);
	wms_unlock();
	return ret;
}

static BOOL WINAPI h_TerminateJobObject(HANDLE j, UINT code)
{
	BOOL ret;

	wms_lock();
	ret = u_TerminateJobObject(j, code);
	wms_unlock();
	return ret;
}

static BOOL WINAPI h_CreateProcessAsUserW(HANDLE t, LPCWSTR app, LPWSTR cmd, LPSECURITY_ATTRIBUTES pa,
	LPSECURITY_ATTRIBUTES ta, BOOL inh, DWORD f, LPVOID env, LPCWSTR cwd, LPSTARTUPINFOW si,
	LPPROCESS_INFORMATION pi)
{
	BOOL ret;

	wms_lock();
	ret = u_CreateProcessAsUserW(t, app, cmd, pa, ta, inh, f, env, cwd, si, pi);
	wms_unlock();
	return ret;
}

static BOOL WINAPI h_TerminateProcess(HANDLE p, UINT code)
{
	BOOL ret;

	wms_lock();
	ret = u_TerminateProcess(p, code);
	wms_unlock();
	return ret;
}

static BOOL WINAPI h_GetExitCodeProcess(HANDLE p, LPDWORD code)
{
	BOOL ret;

	wms_lock();
	ret = u_GetExitCodeProcess(p, code);
	wms_unlock();
	return ret;
}

static DWORD WINAPI h_GetProcessId(HANDLE p)
{
	DWORD ret;

	wms_lock();
	ret = u_GetProcessId(p);
	wms_unlock();
	return ret;
}

static BOOL WINAPI h_CloseHandle(HANDLE h)
{
	BOOL ret;

	wms_lock();
	ret = u_CloseHandle(h);
	wms_unlock();
	return ret;
}

static DWORD WINAPI h_ResumeThread(HANDLE t)
{
	DWORD ret;

	wms_lock();
	ret = u_ResumeThread(t);
	wms_unlock();
	return ret;
}

/* ---- install ---- */

#define HOOK(name) wsb__os_set(#name, (wsb__os_fn)h_##name)

static int check(int rc)
{
	return rc == WM_OK ? 0 : -1;
}

int wms_install(const wms_options *opts)
{
	wm_sd root;
	wm_sid user = wm_sid_of(WMS_USER_SID), logon = wm_sid_of(WMS_LOGON_SID);
	const uint32_t on = WM_SE_GROUP_MANDATORY | WM_SE_GROUP_ENABLED_BY_DEFAULT | WM_SE_GROUP_ENABLED;
	char sddl[256];
	int rc = 0;

	if (W.installed)
		wms_uninstall();
	memset(&W, 0, sizeof(W));
	token_generation++;
	if (check(wm_sd_from_sddl(&root, opts->root_sddl ? opts->root_sddl : WMS_ROOT_SDDL)))
		return -1;
	rc |= check(wm_fs_create(&W.fs, &root, opts->gen_short_names));
	wm_sd_dispose(&root);
	if (rc)
		return -1;
	wm_fs_set_write_restricted_mask(W.fs, opts->write_restricted_mask);
	rc |= check(wm_jobsys_create(&W.js));
	rc |= check(wm_proc_start(W.js, &W.caller_pid));
	/* A standard user's token: user, Everyone, Users, INTERACTIVE,
	 * Authenticated Users, This Organization, Local, logon SID. */
	rc |= check(wm_token_init(&W.caller, &user));
	{
		static const char *const groups[] = { "S-1-1-0", "S-1-5-32-545", "S-1-5-4", "S-1-5-11",
			"S-1-5-15", "S-1-2-0" };
		size_t i;
		for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
			wm_sid g = wm_sid_of(groups[i]);
			rc |= check(wm_token_add_group(&W.caller, &g, on));
		}
		rc |= check(wm_token_add_group(&W.caller, &logon, on | WM_SE_GROUP_LOGON_ID));
	}
	{
		wm_sid sy = wm_sid_of(WM_SID_SYSTEM);
		W.caller.has_default_dacl = 1;
		W.caller.default_dacl.revision = 2;
		rc |= check(wm_acl_add(&W.caller.default_dacl, WM_ACE_ALLOWED, 0, WM_GENERIC_ALL, &user));
		rc |= check(wm_acl_add(&W.caller.default_dacl, WM_ACE_ALLOWED, 0, WM_GENERIC_ALL, &sy));
	}
	/* The NUL device: everyone reads and writes it. */
	rc |= check(wm_sd_from_sddl(&W.nul_sd, "O:SYG:SYD:(A;;0x12019f;;;WD)(A;;FA;;;SY)"));
	/* The user's profile, as Windows makes it: protected, user + SYSTEM +
	 * Administrators full control, inheritable. */
	snprintf(sddl, sizeof(sddl), "O:%sG:%sD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;%s)",
		WMS_USER_SID, WMS_USER_SID, WMS_USER_SID);
	{
		wm_sd prof;
		rc |= check(wm_fs_create_dir(W.fs, NULL, "C:\\Users", NULL));
		if (!check(wm_sd_from_sddl(&prof, sddl))) {
			rc |= check(wm_fs_create_dir(W.fs, NULL, "C:\\Users\\u", NULL));
			rc |= check(wm_fs_set_sd(W.fs, NULL, "C:\\Users\\u", WM_OWNER_SI | WM_GROUP_SI |
				WM_DACL_SI | WM_PROTECTED_DACL_SI, &prof));
			wm_sd_dispose(&prof);
		} else {
			rc = -1;
		}
	}
	{
		size_t n = 0, i;
		char buf[1024];
		while (opts->env && opts->env[n])
			n++;
		W.env = calloc(n + 2, sizeof(char *));
		if (!W.env)
			rc = -1;
		for (i = 0; W.env && i < n; i++)
			if (!(W.env[W.nenv++] = _strdup(opts->env[i])))
				rc = -1;
		if (W.env && opts->temp) {
			snprintf(buf, sizeof(buf), "TEMP=%s", opts->temp);
			if (!(W.env[W.nenv++] = _strdup(buf)))
				rc = -1;
		}
		if (W.env && opts->localappdata) {
			snprintf(buf, sizeof(buf), "LOCALAPPDATA=%s", opts->localappdata);
			if (!(W.env[W.nenv++] = _strdup(buf)))
				rc = -1;
		}
	}
	W.cwd = opts->cwd ? _strdup(opts->cwd) : NULL;
	W.windir = opts->windir ? _strdup(opts->windir) : NULL;
	W.installed = 1;
	if (rc) {
		wms_uninstall();
		return -1;
	}
	HOOK(GetNamedSecurityInfoW);
	HOOK(SetNamedSecurityInfoW);
	HOOK(GetSecurityInfo);
	HOOK(SetSecurityInfo);
	HOOK(LocalFree);
	HOOK(GetFileAttributesW);
	HOOK(CreateDirectoryW);
	HOOK(CreateFileW);
	HOOK(ReadFile);
	HOOK(WriteFile);
	HOOK(FlushFileBuffers);
	HOOK(GetFileSizeEx);
	HOOK(SetFilePointerEx);
	HOOK(SetEndOfFile);
	HOOK(DeleteFileW);
	HOOK(MoveFileExW);
	HOOK(FindFirstFileW);
	HOOK(FindNextFileW);
	HOOK(FindClose);
	HOOK(GetEnvironmentVariableW);
	HOOK(GetCurrentDirectoryW);
	HOOK(GetWindowsDirectoryW);
	HOOK(OpenProcessToken);
	HOOK(GetTokenInformation);
	HOOK(SetTokenInformation);
	HOOK(CreateRestrictedToken);
	HOOK(DuplicateTokenEx);
	HOOK(CreateJobObjectW);
	HOOK(SetInformationJobObject);
	HOOK(QueryInformationJobObject);
	HOOK(AssignProcessToJobObject);
	HOOK(TerminateJobObject);
	HOOK(CreateProcessAsUserW);
	HOOK(ResumeThread);
	HOOK(TerminateProcess);
	HOOK(GetExitCodeProcess);
	HOOK(GetProcessId);
	HOOK(WaitForSingleObject);
	HOOK(WaitForMultipleObjects);
	HOOK(CloseHandle);
	return 0;
}

void wms_uninstall(void)
{
	size_t i;

	/* Token templates the library keeps (warm.c) are model handles: closed
	 * while the model still answers for them. */
	wsb__token_cache_drop(NULL);
	wsb__os_reset();
	for (i = 0; i < H_MAX; i++)
		if (W.h[i].kind != H_FREE)
			h_free(&W.h[i]);
	for (i = 0; i < W.nsds; i++)
		LocalFree(W.sds[i]);
	free(W.sds);
	wm_fs_free(W.fs);
	wm_jobsys_free(W.js);
	wm_token_dispose(&W.caller);
	if (W.has_process_token)
		wm_token_dispose(&W.process_token);
	wm_sd_dispose(&W.nul_sd);
	for (i = 0; i < W.nenv; i++)
		free(W.env[i]);
	free(W.env);
	free(W.cwd);
	free(W.windir);
	memset(&W, 0, sizeof(W));
}

wm_fs *wms_fs(void) { return W.fs; }
wm_jobsys *wms_jobs(void) { return W.js; }
const wm_token *wms_caller(void) { return &W.caller; }

int wms_set_process_token(const wm_token *t)
{
	wm_token copy;

	if (t && wm_token_copy(&copy, t) != WM_OK)
		return -1;
	if (W.has_process_token)
		wm_token_dispose(&W.process_token);
	W.has_process_token = t != NULL;
	if (t)
		W.process_token = copy;
	token_generation++;
	return 0;
}

const wm_token *wms_token_of(HANDLE h)
{
	hslot *s = h_get(h, 0);

	return s && (s->kind == H_TOKEN || s->kind == H_PROCESS) ? &s->token : NULL;
}

int wms_job_of(HANDLE h)
{
	hslot *s = h_get(h, H_JOB);

	return s ? s->job : 0;
}

long wms_pid_of(HANDLE h)
{
	hslot *s = h_get(h, H_PROCESS);

	return s ? s->pid : 0;
}

size_t wms_outstanding_sds(void)
{
	return W.nsds;
}

size_t wms_open_handles(void)
{
	size_t i, n = 0;

	for (i = 0; i < H_MAX; i++)
		n += W.h[i].kind != H_FREE;
	return n;
}

unsigned long wms_resumed_outside_job(void)
{
	return W.resumed_outside_job;
}

const wm_token *wms_token_of_pid(long pid)
{
	size_t i;

	for (i = 0; i < H_MAX; i++)
		if (W.h[i].kind == H_PROCESS && W.h[i].pid == pid)
			return &W.h[i].token;
	return NULL;
}
