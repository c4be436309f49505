/*
 * The JSON writer behind the plan, process and policy documents. Errors are
 * sticky so a long chain of writes needs one check, in wsb__json_finish().
 */
#include "json.h"
#include "utf.h"

#include <string.h>

void wsb__json_init(wsb__json *j)
{
	memset(j, 0, sizeof(*j));
}

void wsb__json_dispose(wsb__json *j)
{
	wsb__buf_dispose(&j->buf);
	memset(j, 0, sizeof(*j));
}

static void fail(wsb__json *j, int code, const char *what)
{
	if (j->err)
		return;
	j->err = code;
	if (code == WSB_ENOMEM)
		wsb__error_nomem();
	else
		wsb__error(code, "JSON writer: %s", what);
}

static void put(wsb__json *j, const char *s, size_t len)
{
	if (!j->err && wsb__buf_put(&j->buf, s, len) < 0)
		fail(j, WSB_ENOMEM, "out of memory");
}

/* Where a value may go, write the comma it needs; 0 if it may not go here. */
static int value_start(wsb__json *j)
{
	if (j->err)
		return 0;
	if (j->depth == 0) {
		if (j->done) {
			fail(j, WSB_EINVAL, "a second top-level value");
			return 0;
		}
		j->done = 1;
		return 1;
	}
	if (j->kind[j->depth] == '{') {
		if (!j->after_key) {
			fail(j, WSB_EINVAL, "a value inside an object without a key");
			return 0;
		}
		j->after_key = 0;
		return 1;
	}
	if (j->need_comma[j->depth])
		put(j, ",", 1);
	j->need_comma[j->depth] = 1;
	return !j->err;
}

static void begin(wsb__json *j, char kind)
{
	if (!value_start(j))
		return;
	if (j->depth >= WSB__JSON_MAX_DEPTH) {
		fail(j, WSB_EINVAL, "nesting deeper than the limit");
		return;
	}
	j->depth++;
	j->kind[j->depth] = kind;
	j->need_comma[j->depth] = 0;
	put(j, &kind, 1);
}

static void end(wsb__json *j, char kind)
{
	char close = kind == '{' ? '}' : ']';

	if (j->err)
		return;
	if (j->depth == 0 || j->kind[j->depth] != kind || j->after_key) {
		fail(j, WSB_EINVAL, "a container end that matches no open container");
		return;
	}
	j->depth--;
	put(j, &close, 1);
}

void wsb__json_object_begin(wsb__json *j) { begin(j, '{'); }
void wsb__json_object_end(wsb__json *j) { end(j, '{'); }
void wsb__json_array_begin(wsb__json *j) { begin(j, '['); }
void wsb__json_array_end(wsb__json *j) { end(j, '['); }

/* Valid UTF-8, where NUL bytes (legal in JSON as \u0000) are allowed. */
static int utf8_valid_with_nuls(const char *s, size_t len)
{
	const char *nul;

	while (len > 0) {
		size_t seg;

		nul = memchr(s, '\0', len);
		seg = nul ? (size_t)(nul - s) : len;
		if (seg && !wsb__utf8_valid(s, seg))
			return 0;
		if (!nul)
			break;
		s += seg + 1;
		len -= seg + 1;
	}
	return 1;
}

/* The escaped text of s, without quotes; s is valid UTF-8. */
static void put_escaped_body(wsb__json *j, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(j, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			n = 6;
		}
		put(j, esc, n);
	}
	put(j, s + run, len - run);
}

static void put_escaped(wsb__json *j, const char *s, size_t len)
{
	if (!utf8_valid_with_nuls(s, len)) {
		fail(j, WSB_EUTF8, "a string is not valid UTF-8");
		return;
	}
	put(j, "\"", 1);
	put_escaped_body(j, s, len);
	put(j, "\"", 1);
}

/* Bytes in the UTF-8 sequence that lead byte c starts; 0 if c cannot lead. */
static size_t utf8_seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

void wsb__json_text(wsb__json *j, const char *s)
{
	size_t len, i, n;

	if (s == NULL || wsb__utf8_valid(s, len = strlen(s))) {
		wsb__json_string(j, s);
		return;
	}
	if (!value_start(j))
		return;
	put(j, "\"", 1);
	for (i = 0; i < len; i += n) {
		n = utf8_seq_len((unsigned char)s[i]);
		if (n == 0 || n > len - i || !wsb__utf8_valid(s + i, n)) {
			put(j, "\xef\xbf\xbd", 3);
			n = 1;
		} else {
			put_escaped_body(j, s + i, n);
		}
	}
	put(j, "\"", 1);
}

void wsb__json_key(wsb__json *j, const char *key)
{
	if (j->err)
		return;
	if (j->depth == 0 || j->kind[j->depth] != '{' || j->after_key || key == NULL) {
		fail(j, WSB_EINVAL, "a key outside an object or without its value");
		return;
	}
	if (j->need_comma[j->depth])
		put(j, ",", 1);
	j->need_comma[j->depth] = 1;
	put_escaped(j, key, strlen(key));
	put(j, ":", 1);
	j->after_key = 1;
}

void wsb__json_string_n(wsb__json *j, const char *s, size_t len)
{
	if (s == NULL) {
		wsb__json_null(j);
		return;
	}
	if (value_start(j))
		put_escaped(j, s, len);
}

void wsb__json_string(wsb__json *j, const char *s)
{
	wsb__json_string_n(j, s, s ? strlen(s) : 0);
}

/* Decimal digits by hand: portable across C runtimes (mingw's printf and
 * "%llu" disagree depending on the stdio it picks). */
const char *wsb__u64_str(char *buf, wsb_u64 v)
{
	size_t n = WSB__U64_STR_SIZE - 1;

	buf[n] = '\0';
	do {
		buf[--n] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	return buf + n;
}

static void put_u64(wsb__json *j, wsb_u64 v, int negative)
{
	char digits[WSB__U64_STR_SIZE];
	const char *s = wsb__u64_str(digits, v);

	if (negative)
		put(j, "-", 1);
	put(j, s, strlen(s));
}

void wsb__json_u64(wsb__json *j, wsb_u64 v)
{
	if (value_start(j))
		put_u64(j, v, 0);
}

void wsb__json_i64(wsb__json *j, long long v)
{
	if (!value_start(j))
		return;
	if (v < 0)
		put_u64(j, (wsb_u64)0 - (wsb_u64)v, 1);
	else
		put_u64(j, (wsb_u64)v, 0);
}

void wsb__json_bool(wsb__json *j, int v)
{
	if (value_start(j))
		put(j, v ? "true" : "false", v ? 4 : 5);
}

void wsb__json_null(wsb__json *j)
{
	if (value_start(j))
		put(j, "null", 4);
}

void wsb__json_raw(wsb__json *j, const char *json)
{
	if (json == NULL) {
		wsb__json_null(j);
		return;
	}
	if (value_start(j))
		put(j, json, strlen(json));
}

void wsb__json_kv_string(wsb__json *j, const char *key, const char *s)
{
	wsb__json_key(j, key);
	wsb__json_string(j, s);
}

void wsb__json_kv_u64(wsb__json *j, const char *key, wsb_u64 v)
{
	wsb__json_key(j, key);
	wsb__json_u64(j, v);
}

void wsb__json_kv_i64(wsb__json *j, const char *key, long long v)
{
	wsb__json_key(j, key);
	wsb__json_i64(j, v);
}

void wsb__json_kv_bool(wsb__json *j, const char *key, int v)
{
	wsb__json_key(j, key);
	wsb__json_bool(j, v);
}

int wsb__json_finish(char **out, wsb__json *j)
{
	int err = j->err;

	*out = NULL;
	if (!err && (j->depth != 0 || !j->done)) {
		fail(j, WSB_EINVAL, "the document is incomplete");
		err = j->err;
	}
	if (!err) {
		*out = wsb__buf_detach(&j->buf);
		if (*out == NULL)
			err = wsb__error_nomem();
	}
	wsb__json_dispose(j);
	return err;
}

void wsb__json_protections(wsb__json *j, unsigned int protections)
{
	unsigned int bit;
	int i;

	wsb__json_array_begin(j);
	for (i = 0; i < 32; i++) {
		bit = 1u << i;
		if (protections & bit) {
			const char *name = wsb__protection_name(bit);
			char other[8] = "bit";

			if (name == NULL) {
				size_t n = 3;

				if (i >= 10)
					other[n++] = (char)('0' + i / 10);
				other[n++] = (char)('0' + i % 10);
				other[n] = '\0';
				name = other;
			}
			wsb__json_string(j, name);
		}
	}
	wsb__json_array_end(j);
}

const char *wsb__protection_name(unsigned int bit)
{
	switch (bit) {
	case WSB_PROT_FS_WRITE: return "fs_write";
	case WSB_PROT_FS_PROTECTED: return "fs_protected";
	case WSB_PROT_FS_DENY_READ: return "fs_deny_read";
	case WSB_PROT_NETWORK: return "network";
	case WSB_PROT_NETWORK_ADVISORY: return "network_advisory";
	case WSB_PROT_PROCESS_TREE: return "process_tree";
	case WSB_PROT_LIMIT_MEMORY: return "limit_memory";
	case WSB_PROT_LIMIT_PROCESSES: return "limit_processes";
	case WSB_PROT_LIMIT_CPU: return "limit_cpu";
	case WSB_PROT_NO_NEW_PRIVS: return "no_new_privs";
	case WSB_PROT_SYSCALL_FILTER: return "syscall_filter";
	case WSB_PROT_PRIVATE_DESKTOP: return "private_desktop";
	}
	return NULL;
}

const char *wsb__policy_flag_name(unsigned int bit)
{
	switch (bit) {
	case WSB_POLICY_NO_DEFAULT_PROTECT: return "no_default_protect";
	case WSB_POLICY_DENY_WORLD_WRITABLE: return "deny_world_writable";
	case WSB_POLICY_REFUSE_WORLD_WRITABLE: return "refuse_world_writable";
	case WSB_POLICY_PRIVATE_DESKTOP: return "private_desktop";
	case WSB_POLICY_NO_TEMP_WRITE: return "no_temp_write";
	}
	return NULL;
}

const char *wsb__mode_name(int mode)
{
	switch (mode) {
	case WSB_MODE_READ_ONLY: return "read_only";
	case WSB_MODE_WORKSPACE_WRITE: return "workspace_write";
	case WSB_MODE_FULL_ACCESS: return "full_access";
	}
	return "unknown";
}

const char *wsb__network_name(int network)
{
	switch (network) {
	case WSB_NETWORK_OFF: return "off";
	case WSB_NETWORK_ON: return "on";
	case WSB_NETWORK_ALLOWLIST: return "allowlist";
	}
	return "unknown";
}

const char *wsb__env_mode_name(int mode)
{
	switch (mode) {
	case WSB_ENV_INHERIT: return "inherit";
	case WSB_ENV_CLEAR: return "clear";
	}
	return "unknown";
}

const char *wsb__limit_name(int limit)
{
	switch (limit) {
	case WSB_LIMIT_NONE: return "none";
	case WSB_LIMIT_MEMORY: return "memory";
	case WSB_LIMIT_PROCESSES: return "processes";
	case WSB_LIMIT_CPU_TIME: return "cpu_time";
	case WSB_LIMIT_TIMEOUT: return "timeout";
	case WSB_LIMIT_OUTPUT: return "output";
	}
	return "unknown";
}

const char *wsb__exit_kind_name(int kind)
{
	switch (kind) {
	case WSB_EXIT_RUNNING: return "running";
	case WSB_EXIT_NORMAL: return "normal";
	case WSB_EXIT_SIGNAL: return "signal";
	case WSB_EXIT_TIMEOUT: return "timeout";
	case WSB_EXIT_LIMIT: return "limit";
	case WSB_EXIT_KILLED: return "killed";
	}
	return "unknown";
}

const char *wsb__rule_name(int rule)
{
	switch (rule) {
	case WSB_RULE_FULL_ACCESS: return "full_access";
	case WSB_RULE_READ_DEFAULT: return "read_default";
	case WSB_RULE_DENY_READ: return "deny_read";
	case WSB_RULE_WRITABLE_ROOT: return "writable_root";
	case WSB_RULE_PROTECTED_NAME: return "protected_name";
	case WSB_RULE_PROTECTED_PATH: return "protected_path";
	case WSB_RULE_GITDIR: return "gitdir";
	case WSB_RULE_OUTSIDE_ROOTS: return "outside_roots";
	case WSB_RULE_READ_ONLY_MODE: return "read_only_mode";
	case WSB_RULE_TEMP: return "temp";
	}
	return "unknown";
}
