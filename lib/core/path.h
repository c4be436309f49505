/*
 * Path syntax for both systems, on any host (lib/core/path.c). Purely lexical:
 * nothing here touches the file system.
 *
 * Normalized forms (what the policy stores and every backend receives):
 *   POSIX:   "/a/b"  - starts with '/', no "//", no "." or ".." components,
 *            no trailing '/' (except the root "/").
 *   Windows: "C:\a\b" - drive letter upper-cased, '\' separators, no "." or
 *            ".." components, no trailing separator (except "C:\"),
 *            trailing dots and spaces removed from the final component
 *            when the input does not end in a separator (exactly where
 *            Win32 strips them; anywhere else such a component is
 *            rejected); "\\?\C:\x" becomes "C:\x", "\\?\UNC\srv\share\x" and
 *            "\\srv\share\x" become "\\srv\share\x" (the share is the root;
 *            ".." above it is an error). "\\?\" paths are not normalized by
 *            Windows, so ".", "..", empty components and names ending in a
 *            dot or space are rejected there. Other "\\?\" and "\\.\" paths
 *            are device paths (root "\\.\NAME"), only with ALLOW_DEVICE.
 * docs/paths.md has the full rules.
 */
#ifndef WSB_CORE_PATH_H
#define WSB_CORE_PATH_H

#include <stddef.h>

typedef enum wsb__path_flavor {
	WSB__PATH_POSIX = 1,
	WSB__PATH_WIN = 2
} wsb__path_flavor;

#ifdef _WIN32
#  define WSB__PATH_HOST WSB__PATH_WIN
#else
#  define WSB__PATH_HOST WSB__PATH_POSIX
#endif

/* Longest path accepted, in bytes of UTF-8 (Windows' limit is 32767 UTF-16
 * units; POSIX PATH_MAX is 4096). */
#define WSB__PATH_MAX_WIN 32767
#define WSB__PATH_MAX_POSIX 4095

/* Flags for wsb__path_normalize. */
#define WSB__PATH_ALLOW_STREAM 0x1 /* accept "file:stream" (Windows) and keep it */
#define WSB__PATH_ALLOW_DEVICE 0x2 /* accept device names and \\.\ paths (\\.\NUL) */

/* Normalize an absolute path. *out is freed with wsb__free and is NULL on
 * failure. Errors (with a message naming the path): WSB_EINVAL (NULL, unknown
 * flavor or flag), WSB_EUTF8, WSB_ETOOLONG (input longer than the max),
 * WSB_EPATH for relative ("a\b", "C:a", "\a" without drive), empty, embedded
 * NUL, a device name as any component (NUL, CON, PRN, AUX, COM1-9, LPT1-9,
 * also with an extension such as "nul.txt") or \\.\ device path unless
 * WSB__PATH_ALLOW_DEVICE, an alternate data stream ("file.txt:s",
 * "file.txt::$DATA") unless WSB__PATH_ALLOW_STREAM, characters Windows forbids
 * in names (< > " | ? * and control characters), or ".." above a UNC share. */
int wsb__path_normalize(char **out, const char *path, int flavor, unsigned int flags);

/* 1 if the path is absolute in that flavor's syntax (lexically), else 0. */
int wsb__path_is_absolute(const char *path, int flavor);

/* Compare two normalized paths component by component: case-insensitive for
 * Windows, exact for POSIX. A directory sorts right before its contents.
 * Returns <0, 0, >0 (NULL sorts first). */
int wsb__path_cmp(const char *a, const char *b, int flavor);

/* 1 if normalized path is root itself or lies under normalized root
 * (component-wise: "C:\ab" is not under "C:\a"); 0 for NULL or relative. */
int wsb__path_within(const char *path, const char *root, int flavor);

/* If path lies under root, find the first component below root whose name
 * equals name (case-insensitively on Windows). Returns 1 and sets *out_end to
 * the offset in path just after that component (so path[0..*out_end) is the
 * protected directory), else 0. Both normalized. */
int wsb__path_find_component(size_t *out_end, const char *path, const char *root,
	const char *name, int flavor);

/* Join a normalized base and a relative path ("a/b", "..\c"), then normalize
 * (no ALLOW_* flags). WSB_EPATH if rel is absolute, drive-relative ("D:x")
 * or rooted ("\x"). *out is NULL on failure. */
int wsb__path_join(char **out, const char *base, const char *rel, int flavor);

/* Offset of the root part's end ("/" -> 1, "C:\" -> 3, "\\srv\share" -> its
 * length). For normalized paths. */
size_t wsb__path_root_len(const char *path, int flavor);

/* 1 if name is a valid single component (valid UTF-8, not empty, ".", "..",
 * no separator; for Windows also none of < > " | ? * : or control
 * characters, no trailing dot or space, not a device name). */
int wsb__path_valid_name(const char *name, int flavor);

/* 1 if the component (length len) is a Windows reserved device name, with or
 * without extension, any case, trailing dots/spaces ignored. */
int wsb__path_is_device_name(const char *name, size_t len);

#endif
