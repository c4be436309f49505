/*
 * Internal helpers shared by every file of the library: allocation, errors,
 * growable buffers. Not part of the public API.
 */
#ifndef WSB_CORE_COMMON_H
#define WSB_CORE_COMMON_H

#include "wsandbox/wsandbox.h"

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#if defined(__GNUC__)
#  define WSB__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define WSB__PRINTF(f, a)
#endif

#define WSB__ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- allocation (lib/core/alloc.c): every allocation goes through these so
 * the caller's hooks and the tests' torture allocator see it. */
void *wsb__malloc(size_t size);
void *wsb__calloc(size_t count, size_t size);   /* overflow-checked */
void *wsb__realloc(void *ptr, size_t size);
void wsb__free(void *ptr);
char *wsb__strdup(const char *s);
char *wsb__strndup(const char *s, size_t n);
/* Test hook: fail the Nth allocation from now (1 = next), 0 = never. */
void wsb__alloc_fail_after(unsigned long n);
/* Number of live allocations (for leak checks in tests). */
long wsb__alloc_live(void);

/* ---- errors (lib/core/error.c). Each returns code, so callers can write
 *   return wsb__error(WSB_EINVAL, "path must be absolute: %s", p);
 * wsb__error_os takes the OS error explicitly: capture GetLastError()/errno on
 * the first line of the error path, before anything can overwrite it. */
int wsb__error(int code, const char *fmt, ...) WSB__PRINTF(2, 3);
int wsb__error_os(int code, long os_error, const char *fmt, ...) WSB__PRINTF(3, 4);
int wsb__error_v(int code, long os_error, const char *fmt, va_list ap) WSB__PRINTF(3, 0);
/* Out-of-memory: uses a static message, allocates nothing. */
int wsb__error_nomem(void);

/* Argument checks used at every public entry point. */
#define WSB__CHECK_ARG(cond, name) \
	do { if (!(cond)) return wsb__error(WSB_EINVAL, "invalid argument: %s", name); } while (0)

/* ---- growable byte buffer (lib/core/buf.c) ---- */
typedef struct wsb__buf {
	char *ptr;     /* always NUL-terminated when size > 0 */
	size_t size;   /* bytes used, not counting the NUL */
	size_t asize;  /* bytes allocated */
	int oom;       /* sticky: an append failed */
} wsb__buf;

#define WSB__BUF_INIT { NULL, 0, 0, 0 }

int wsb__buf_grow(wsb__buf *b, size_t extra);
/* Room for one more element in a growable array: *items_ptr (any T *,
 * passed as &items) holds count of *cap elements of elem bytes; when full
 * it grows to first elements, later it doubles, overflow-checked. WSB_ENOMEM
 * (recorded) leaves the array as it was. */
int wsb__array_reserve(void *items_ptr, size_t *cap, size_t count, size_t elem, size_t first);
int wsb__buf_put(wsb__buf *b, const void *data, size_t len);
int wsb__buf_puts(wsb__buf *b, const char *s);
int wsb__buf_putc(wsb__buf *b, char c);
int wsb__buf_printf(wsb__buf *b, const char *fmt, ...) WSB__PRINTF(2, 3);
int wsb__buf_vprintf(wsb__buf *b, const char *fmt, va_list ap) WSB__PRINTF(2, 0);
/* Hand the storage to the caller (NUL-terminated, never NULL on success). */
char *wsb__buf_detach(wsb__buf *b);
void wsb__buf_dispose(wsb__buf *b);

/* ---- vector of owned strings ---- */
typedef struct wsb__strvec {
	char **items;
	size_t count;
	size_t cap;
} wsb__strvec;

#define WSB__STRVEC_INIT { NULL, 0, 0 }

int wsb__strvec_push(wsb__strvec *v, const char *s);     /* copies s */
int wsb__strvec_push_owned(wsb__strvec *v, char *s);     /* takes s, frees it on failure */
void wsb__strvec_remove(wsb__strvec *v, size_t index);
void wsb__strvec_dispose(wsb__strvec *v);

/* Monotonic milliseconds (host clock); implemented per backend. */
wsb_u64 wsb__now_ms(void);

#endif
