/*
 * A tiny JSON writer (lib/core/json.c) on top of wsb__buf: strings are
 * escaped per RFC 8259 (control characters as \u00XX; the input must be valid
 * UTF-8 and is copied as is). Commas are inserted automatically.
 */
#ifndef WSB_CORE_JSON_H
#define WSB_CORE_JSON_H

#include "common.h"

#define WSB__JSON_MAX_DEPTH 32

typedef struct wsb__json {
	wsb__buf buf;
	int depth;
	int need_comma[WSB__JSON_MAX_DEPTH];
	int after_key;
} wsb__json;

void wsb__json_init(wsb__json *j);
void wsb__json_object_begin(wsb__json *j);
void wsb__json_object_end(wsb__json *j);
void wsb__json_array_begin(wsb__json *j);
void wsb__json_array_end(wsb__json *j);
void wsb__json_key(wsb__json *j, const char *key);
void wsb__json_string(wsb__json *j, const char *s);   /* NULL writes null */
void wsb__json_string_n(wsb__json *j, const char *s, size_t len);
void wsb__json_u64(wsb__json *j, wsb_u64 v);
void wsb__json_i64(wsb__json *j, long long v);
void wsb__json_bool(wsb__json *j, int v);
void wsb__json_null(wsb__json *j);
/* key + value shorthands */
void wsb__json_kv_string(wsb__json *j, const char *key, const char *s);
void wsb__json_kv_u64(wsb__json *j, const char *key, wsb_u64 v);
void wsb__json_kv_i64(wsb__json *j, const char *key, long long v);
void wsb__json_kv_bool(wsb__json *j, const char *key, int v);
/* Finish: WSB_OK and *out (free with wsb__free), or WSB_ENOMEM. */
int wsb__json_finish(char **out, wsb__json *j);
void wsb__json_dispose(wsb__json *j);

/* The protection bits as a JSON array of names ("fs_write", ...). */
void wsb__json_protections(wsb__json *j, unsigned int protections);
/* Stable names for enums, used in JSON and messages. */
const char *wsb__protection_name(unsigned int bit);
const char *wsb__mode_name(int mode);
const char *wsb__limit_name(int limit);
const char *wsb__exit_kind_name(int kind);

#endif
