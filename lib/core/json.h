/*
 * A tiny JSON writer (lib/core/json.c) on top of wsb__buf: strings are
 * escaped per RFC 8259 (quote, backslash and control characters; the input
 * must be valid UTF-8 and is copied as is). Commas are inserted
 * automatically. Misuse (a key outside an object, a value where a key is
 * needed, unbalanced ends, nesting past WSB__JSON_MAX_DEPTH) or invalid UTF-8
 * in a string is sticky: nothing more is written and wsb__json_finish()
 * returns the error, so callers check once at the end.
 */
#ifndef WSB_CORE_JSON_H
#define WSB_CORE_JSON_H

#include "common.h"

#define WSB__JSON_MAX_DEPTH 32

typedef struct wsb__json {
	wsb__buf buf;
	int depth;                            /* open containers */
	int need_comma[WSB__JSON_MAX_DEPTH + 1];
	char kind[WSB__JSON_MAX_DEPTH + 1];   /* '{' or '[' per open container */
	int after_key;                        /* a key was written, its value is next */
	int done;                             /* a complete top-level value was written */
	int err;                              /* sticky WSB_E* code, 0 while fine */
} wsb__json;

void wsb__json_init(wsb__json *j);
void wsb__json_object_begin(wsb__json *j);
void wsb__json_object_end(wsb__json *j);
void wsb__json_array_begin(wsb__json *j);
void wsb__json_array_end(wsb__json *j);
void wsb__json_key(wsb__json *j, const char *key);
void wsb__json_string(wsb__json *j, const char *s);   /* NULL writes null */
void wsb__json_string_n(wsb__json *j, const char *s, size_t len);
/* A NUL-terminated string from the machine (a file name) that may not be
 * UTF-8: each byte that starts no valid sequence is written as U+FFFD
 * instead of failing the document. NULL writes null. */
void wsb__json_text(wsb__json *j, const char *s);
void wsb__json_u64(wsb__json *j, wsb_u64 v);
void wsb__json_i64(wsb__json *j, long long v);
void wsb__json_bool(wsb__json *j, int v);
void wsb__json_null(wsb__json *j);
/* A value that is already valid JSON text (a rendered sub-document). */
void wsb__json_raw(wsb__json *j, const char *json);
/* key + value shorthands */
void wsb__json_kv_string(wsb__json *j, const char *key, const char *s);
void wsb__json_kv_u64(wsb__json *j, const char *key, wsb_u64 v);
void wsb__json_kv_i64(wsb__json *j, const char *key, long long v);
void wsb__json_kv_bool(wsb__json *j, const char *key, int v);
/* Finish: WSB_OK and *out (free with wsb__free); WSB_ENOMEM; WSB_EUTF8 for
 * invalid UTF-8 in a string; WSB_EINVAL for misuse or an incomplete document.
 * The writer is disposed either way. */
int wsb__json_finish(char **out, wsb__json *j);
void wsb__json_dispose(wsb__json *j);

/* Decimal text of v in buf (at least WSB__U64_STR_SIZE bytes); returns a
 * pointer into buf. For messages: printf's 64-bit conversions differ
 * between C runtimes. */
#define WSB__U64_STR_SIZE 24
const char *wsb__u64_str(char *buf, wsb_u64 v);

/* The protection bits as a JSON array of names ("fs_write", ...); a bit
 * without a name is written as "bit<N>" so nothing is silently lost. */
void wsb__json_protections(wsb__json *j, unsigned int protections);
/* Stable names for enums, used in JSON and messages. Unknown values give
 * NULL for protections and flags, "unknown" for the others. */
const char *wsb__protection_name(unsigned int bit);
const char *wsb__policy_flag_name(unsigned int bit);
const char *wsb__mode_name(int mode);
const char *wsb__network_name(int network);
const char *wsb__env_mode_name(int mode);
const char *wsb__limit_name(int limit);
const char *wsb__exit_kind_name(int kind);
const char *wsb__rule_name(int rule);

#endif
