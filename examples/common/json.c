/* JSON output for the tools: string escaping, base64, errors, and a readable
 * text rendering of the library's JSON documents. */
#include "tool.h"

#include <string.h>

int tool_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i], cp, n, k;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1; cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2; cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3; cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF
			|| (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Bytes in the UTF-8 sequence that lead byte c starts; 0 if c cannot lead. */
static size_t utf8_seq_len(unsigned char c)
{
	return c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 :
		c >= 0xF0 && c <= 0xF4 ? 4 : 0;
}

/* Arguments and paths on Linux may hold any bytes: each byte that starts no
 * valid UTF-8 sequence is written as U+FFFD, so the output stays JSON. */
void tool_json_string(tool_buf *b, const char *s, size_t len)
{
	size_t i, run = 0;

	tool_buf_add(b, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char hex[8];

		if (c >= 0x80) {
			size_t n = utf8_seq_len(c);

			if (n && n <= len - i && tool_utf8_valid(s + i, n)) {
				i += n - 1;
				continue;
			}
			esc = "\\ufffd";
		} else {
			switch (c) {
			case '"': esc = "\\\""; break;
			case '\\': esc = "\\\\"; break;
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			case '\t': esc = "\\t"; break;
			case '\b': esc = "\\b"; break;
			case '\f': esc = "\\f"; break;
			default:
				if (c < 0x20) {
					snprintf(hex, sizeof(hex), "\\u%04x", c);
					esc = hex;
				}
			}
		}
		if (!esc)
			continue;
		tool_buf_add(b, s + run, i - run);
		tool_buf_puts(b, esc);
		run = i + 1;
	}
	tool_buf_add(b, s + run, len - run);
	tool_buf_add(b, "\"", 1);
}

void tool_base64(tool_buf *b, const unsigned char *d, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	char q[4];

	for (i = 0; i + 2 < len; i += 3) {
		q[0] = tab[d[i] >> 2];
		q[1] = tab[((d[i] & 3) << 4) | (d[i + 1] >> 4)];
		q[2] = tab[((d[i + 1] & 15) << 2) | (d[i + 2] >> 6)];
		q[3] = tab[d[i + 2] & 63];
		tool_buf_add(b, q, 4);
	}
	if (len - i == 1) {
		q[0] = tab[d[i] >> 2];
		q[1] = tab[(d[i] & 3) << 4];
		q[2] = q[3] = '=';
		tool_buf_add(b, q, 4);
	} else if (len - i == 2) {
		q[0] = tab[d[i] >> 2];
		q[1] = tab[((d[i] & 3) << 4) | (d[i + 1] >> 4)];
		q[2] = tab[(d[i + 1] & 15) << 2];
		q[3] = '=';
		tool_buf_add(b, q, 4);
	}
}

void tool_json_output(tool_buf *b, const char *data, size_t len, int truncated)
{
	int text;

	if (!data)
		len = 0;
	/* Text is kept readable; bytes that are not UTF-8 (or hold NUL, which
	 * many JSON consumers mishandle) go out as base64 so nothing is lost. */
	text = !data || (tool_utf8_valid(data, len) && memchr(data, '\0', len) == NULL);
	tool_buf_printf(b, "{\"encoding\":\"%s\",\"data\":", text ? "utf-8" : "base64");
	if (text) {
		tool_json_string(b, data ? data : "", len);
	} else {
		tool_buf_add(b, "\"", 1);
		tool_base64(b, (const unsigned char *)data, len);
		tool_buf_add(b, "\"", 1);
	}
	tool_buf_printf(b, ",\"bytes\":%lu,\"truncated\":%s}", (unsigned long)len,
		truncated ? "true" : "false");
}

void tool_json_error(tool_buf *b, int code)
{
	const char *msg = wsb_error_message(NULL);

	tool_buf_printf(b, "{\"code\":%d,\"name\":\"%s\",\"message\":", code, tool_code_name(code));
	tool_json_string(b, msg, strlen(msg));
	tool_buf_puts(b, "}");
}

/* ---- JSON to readable text ------------------------------------------------ */

typedef struct jtext {
	const char *s;
	tool_buf out;
} jtext;

static void skip_ws(jtext *j)
{
	while (*j->s == ' ' || *j->s == '\t' || *j->s == '\n' || *j->s == '\r')
		j->s++;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int k;

	for (k = 0; k < 4; k++) {
		char c = s[k];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
		else return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(tool_buf *b, unsigned cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = (char)cp;
		tool_buf_add(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		tool_buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		tool_buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		tool_buf_add(b, u, 4);
	}
}

/* A string literal, decoded, appended to j->out. */
static int j_string(jtext *j)
{
	if (*j->s != '"')
		return -1;
	j->s++;
	while (*j->s != '"') {
		unsigned char c = (unsigned char)*j->s;
		if (c == '\0' || c < 0x20)
			return -1;
		if (c != '\\') {
			tool_buf_add(&j->out, j->s++, 1);
			continue;
		}
		j->s++;
		switch (*j->s) {
		case '"': tool_buf_puts(&j->out, "\""); break;
		case '\\': tool_buf_puts(&j->out, "\\"); break;
		case '/': tool_buf_puts(&j->out, "/"); break;
		case 'b': tool_buf_puts(&j->out, "\\b"); break;
		case 'f': tool_buf_puts(&j->out, "\\f"); break;
		case 'n': tool_buf_puts(&j->out, "\\n"); break;
		case 'r': tool_buf_puts(&j->out, "\\r"); break;
		case 't': tool_buf_puts(&j->out, "\\t"); break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(j->s + 1, &cp) < 0)
				return -1;
			j->s += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && j->s[1] == '\\' && j->s[2] == 'u'
				&& hex4(j->s + 3, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				j->s += 6;
			}
			put_utf8(&j->out, cp);
			break;
		}
		default:
			return -1;
		}
		j->s++;
	}
	j->s++;
	return 0;
}

/* A number, true, false or null copied as written. */
static int j_atom(jtext *j)
{
	const char *start = j->s;
	static const char *const words[] = { "true", "false", "null" };
	size_t k;

	for (k = 0; k < 3; k++) {
		size_t n = strlen(words[k]);
		if (strncmp(j->s, words[k], n) == 0) {
			tool_buf_add(&j->out, j->s, n);
			j->s += n;
			return 0;
		}
	}
	if (*j->s == '-')
		j->s++;
	while ((*j->s >= '0' && *j->s <= '9') || *j->s == '.' || *j->s == 'e' || *j->s == 'E'
		|| *j->s == '+' || *j->s == '-')
		j->s++;
	if (j->s == start)
		return -1;
	tool_buf_add(&j->out, start, (size_t)(j->s - start));
	return 0;
}

static void indent_to(jtext *j, int indent)
{
	int k;
	for (k = 0; k < indent; k++)
		tool_buf_add(&j->out, " ", 1);
}

static int j_block(jtext *j, int indent, int depth, int first_inline);

/* After "key:" or "-": a scalar on the same line, or a nested block below.
 * An object in an array starts on the "-" line, YAML style. */
static int j_value(jtext *j, int indent, int depth, int in_array)
{
	skip_ws(j);
	if (*j->s == '{' || *j->s == '[') {
		const char *peek = j->s + 1;
		while (*peek == ' ' || *peek == '\n' || *peek == '\r' || *peek == '\t')
			peek++;
		if (*peek == '}' || *peek == ']') {
			tool_buf_puts(&j->out, *j->s == '{' ? " {}\n" : " []\n");
			j->s = peek + 1;
			return 0;
		}
		if (in_array && *j->s == '{') {
			tool_buf_puts(&j->out, " ");
			return j_block(j, indent, depth + 1, 1);
		}
		tool_buf_puts(&j->out, "\n");
		return j_block(j, indent, depth + 1, 0);
	}
	tool_buf_puts(&j->out, " ");
	if ((*j->s == '"' ? j_string(j) : j_atom(j)) < 0)
		return -1;
	tool_buf_puts(&j->out, "\n");
	return 0;
}

static int j_block(jtext *j, int indent, int depth, int first_inline)
{
	char close;
	int first = 1;

	if (depth > 64)
		return -1;
	skip_ws(j);
	if (*j->s != '{' && *j->s != '[')
		return -1;
	close = *j->s == '{' ? '}' : ']';
	j->s++;
	for (;;) {
		skip_ws(j);
		if (*j->s == close) {
			j->s++;
			return 0;
		}
		if (!(first && first_inline))
			indent_to(j, indent);
		first = 0;
		if (close == '}') {
			if (j_string(j) < 0)
				return -1;
			skip_ws(j);
			if (*j->s++ != ':')
				return -1;
			tool_buf_puts(&j->out, ":");
		} else {
			tool_buf_puts(&j->out, "-");
		}
		if (j_value(j, indent + 2, depth, close == ']') < 0)
			return -1;
		skip_ws(j);
		if (*j->s == ',')
			j->s++;
		else if (*j->s != close)
			return -1;
	}
}

int tool_json_print_text(FILE *f, const char *json, int indent)
{
	jtext j;
	int rc;

	j.s = json;
	memset(&j.out, 0, sizeof(j.out));
	skip_ws(&j);
	if (*j.s == '{' || *j.s == '[') {
		rc = j_block(&j, indent, 0, 0);
	} else {
		indent_to(&j, indent);
		rc = (*j.s == '"' ? j_string(&j) : j_atom(&j));
		tool_buf_puts(&j.out, "\n");
	}
	if (rc == 0) {
		skip_ws(&j);
		if (*j.s != '\0')
			rc = -1;
	}
	if (rc == 0)
		fputs(tool_buf_str(&j.out), f);
	tool_buf_free(&j.out);
	return rc;
}
