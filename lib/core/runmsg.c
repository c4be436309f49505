/*
 * The runner protocol: encoding and strict decoding of the request the
 * library sends to wsb-runner.exe and the one reply it gets back. The runner
 * runs as a less trusted user and the library must not trust its answer
 * either, so both decoders check every byte and fail whole.
 *
 * Layout (runmsg.h): a 12-byte header (magic, version, total length), then
 * fields "u32 tag, u32 byte length, bytes". Every integer is little-endian
 * and is read and written a byte at a time, so alignment and host byte
 * order never matter. Fields may come in any order; each appears once,
 * except SID.
 *
 * Request tags (all mandatory except SID, which may appear 0..64 times):
 *   1 app       UTF-16LE units with the terminating NUL, not empty
 *   2 cmdline   same
 *   3 cwd       same
 *   4 env       UTF-16LE environment block: entries NUL-terminated, then one
 *               more NUL; at least 2 units; no empty entry before the end
 *   5 sid       ASCII "S-1-<authority>(-<sub-authority>)*", no terminator:
 *               decimal without leading zeros, the authority below 2^48,
 *               each sub-authority below 2^32, at most 15 of them
 *   6 flags     u32, only WSB__RUNREQ_FLAGS_ALL bits
 *   7 terminal  u32 columns, u32 rows, each 1..32767; present exactly when
 *               flags has WSB__RUNREQ_TERMINAL, which also needs the stdin
 *               and stdout pipes and not the stderr pipe (the console has
 *               one output). Optional, so a request without a terminal is
 *               the same bytes as before the field existed.
 * Reply tags (all mandatory):
 *  16 status    i32: WSB_OK or a WSB_E* code (WSB_EWORLDWRITABLE..-1)
 *  17 os_error  u32
 *  18 pid       u32: nonzero exactly when status is WSB_OK
 *  19 message   UTF-8 without a terminator, may be empty
 * Resize tags (both mandatory), sent while a command with a terminal runs:
 *  32 cols      u32, 1..32767
 *  33 rows      u32, 1..32767
 * The three tag sets are disjoint, so a message of the wrong kind fails on
 * its first field.
 *
 * UTF-16 strings are at most 32,767 units with their NUL (the Windows limit
 * for a command line and an extended path) and hold no unpaired surrogate,
 * so the runner's CreateProcessW sees exactly what the library meant.
 * Decoding failures are WSB_EINVAL; encoding refuses with WSB_EINVAL what
 * would not decode, except sizes: WSB_ETOOLONG for a string over its limit
 * or a message over WSB__RUNMSG_MAX.
 */
#include "runmsg.h"
#include "utf.h"

#include <string.h>

enum {
	TAG_APP = 1,
	TAG_CMDLINE = 2,
	TAG_CWD = 3,
	TAG_ENV = 4,
	TAG_SID = 5,
	TAG_FLAGS = 6,
	TAG_TERMINAL = 7,
	TAG_STATUS = 16,
	TAG_OS_ERROR = 17,
	TAG_PID = 18,
	TAG_MESSAGE = 19,
	TAG_COLS = 32,
	TAG_ROWS = 33
};

#define FIELD_HEADER 8u
#define STRING_MAX_UNITS 32767u
#define SID_SUBAUTH_MAX 15u
/* "S-1-" + 15 digits of a 48-bit authority + 15 x "-4294967295". */
#define SID_TEXT_MAX (4u + 15u + SID_SUBAUTH_MAX * 11u)

/* strlen that stops at max (strnlen is not C99). */
static size_t bounded_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8 & 0xff);
	p[2] = (unsigned char)(v >> 16 & 0xff);
	p[3] = (unsigned char)(v >> 24 & 0xff);
}

/* ---- validation shared by both directions: units come either from the
 * wire (bytes) or from a caller's array, so read them through one helper. */

typedef struct units {
	const unsigned char *bytes; /* little-endian pairs, or NULL */
	const uint16_t *array;
	size_t len;
} units;

static uint16_t unit_at(const units *u, size_t i)
{
	if (u->bytes)
		return (uint16_t)(u->bytes[2 * i] | u->bytes[2 * i + 1] << 8);
	return u->array[i];
}

/* Index of the first unpaired surrogate in u, or u->len. */
static size_t unpaired_surrogate(const units *u)
{
	size_t i;

	for (i = 0; i < u->len; i++) {
		uint16_t c = unit_at(u, i);
		if (c >= 0xDC00 && c <= 0xDFFF)
			return i;
		if (c >= 0xD800 && c <= 0xDBFF) {
			uint16_t t = i + 1 < u->len ? unit_at(u, i + 1) : 0;
			if (t < 0xDC00 || t > 0xDFFF)
				return i;
			i++;
		}
	}
	return u->len;
}

/* A NUL-terminated string field: what names it in the error. */
static int check_string(const units *u, const char *what)
{
	size_t i;

	if (u->len > STRING_MAX_UNITS)
		return wsb__error(WSB_EINVAL, "runner message: %s has %lu units, more than %u",
			what, (unsigned long)u->len, STRING_MAX_UNITS);
	if (u->len == 0 || unit_at(u, u->len - 1) != 0)
		return wsb__error(WSB_EINVAL, "runner message: %s lacks its terminating NUL", what);
	if (u->len == 1)
		return wsb__error(WSB_EINVAL, "runner message: %s is empty", what);
	for (i = 0; i + 1 < u->len; i++)
		if (unit_at(u, i) == 0)
			return wsb__error(WSB_EINVAL, "runner message: %s has a NUL at unit %lu", what,
				(unsigned long)i);
	i = unpaired_surrogate(u);
	if (i < u->len)
		return wsb__error(WSB_EINVAL, "runner message: %s has an unpaired surrogate at unit %lu",
			what, (unsigned long)i);
	return WSB_OK;
}

static int check_env(const units *u)
{
	size_t i;

	if (u->len < 2 || unit_at(u, u->len - 1) != 0 || unit_at(u, u->len - 2) != 0)
		return wsb__error(WSB_EINVAL,
			"runner message: environment block does not end with two NULs");
	/* An empty entry before the end ends the block early for
	 * CreateProcessW: the entries after it would pass this check yet
	 * never reach the command, so the two sides would disagree. */
	if (u->len > 2 && unit_at(u, 0) == 0)
		return wsb__error(WSB_EINVAL, "runner message: environment block starts with an empty entry");
	/* Every adjacent pair but the final one. */
	for (i = 1; i + 1 < u->len; i++)
		if (unit_at(u, i) == 0 && unit_at(u, i - 1) == 0)
			return wsb__error(WSB_EINVAL,
				"runner message: environment block has an empty entry at unit %lu", (unsigned long)i);
	i = unpaired_surrogate(u);
	if (i < u->len)
		return wsb__error(WSB_EINVAL,
			"runner message: environment block has an unpaired surrogate at unit %lu", (unsigned long)i);
	return WSB_OK;
}

/* Parse a decimal number without leading zeros from s[*i..len), at most
 * max; advances *i. 0 when there is none or it is too big. */
static int parse_number(const char *s, size_t len, size_t *i, uint64_t max)
{
	uint64_t v = 0;
	size_t start = *i;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		v = v * 10 + (uint64_t)(s[*i] - '0');
		if (v > max)
			return 0;
		(*i)++;
	}
	if (*i == start)
		return 0;
	/* Only the canonical spelling, so equal SIDs are equal text. */
	if (s[start] == '0' && *i - start > 1)
		return 0;
	return 1;
}

static int sid_text_valid(const char *s, size_t len)
{
	size_t i = 4, subs = 0;

	if (len < 5 || len > SID_TEXT_MAX || memcmp(s, "S-1-", 4) != 0)
		return 0;
	if (!parse_number(s, len, &i, 0xFFFFFFFFFFFFull))
		return 0;
	while (i < len) {
		if (s[i] != '-' || ++subs > SID_SUBAUTH_MAX)
			return 0;
		i++;
		if (!parse_number(s, len, &i, 0xFFFFFFFFull))
			return 0;
	}
	return 1;
}

/* Shows a refused SID safely: the text may be anything. */
static int bad_sid(size_t index)
{
	return wsb__error(WSB_EINVAL,
		"runner message: SID %lu is not \"S-1-<authority>-<sub-authority>...\" "
		"(decimal, authority < 2^48, up to 15 sub-authorities < 2^32)", (unsigned long)index);
}

/* Two's complement on the wire, converted without the
 * implementation-defined unsigned-to-signed cast. */
static int32_t to_i32(uint32_t v)
{
	return v <= 0x7FFFFFFFu ? (int32_t)v : -(int32_t)(0xFFFFFFFFu - v) - 1;
}

static int check_status(int32_t status, uint32_t pid)
{
	if (status > WSB_OK || status < WSB_EWORLDWRITABLE)
		return wsb__error(WSB_EINVAL, "runner message: unknown status %ld", (long)status);
	if ((status == WSB_OK) != (pid != 0))
		return wsb__error(WSB_EINVAL, status == WSB_OK
			? "runner message: status OK without a process id"
			: "runner message: a process id with a failure status");
	return WSB_OK;
}

static int check_flags(uint32_t flags)
{
	if (flags & ~WSB__RUNREQ_FLAGS_ALL)
		return wsb__error(WSB_EINVAL, "runner message: unknown flag bits 0x%lx",
			(unsigned long)(flags & ~WSB__RUNREQ_FLAGS_ALL));
	return WSB_OK;
}

static int check_term_size(uint32_t n, const char *what)
{
	if (n < 1 || n > WSB__RUNMSG_TERM_MAX)
		return wsb__error(WSB_EINVAL, "runner message: terminal %s %lu outside 1..%u", what,
			(unsigned long)n, WSB__RUNMSG_TERM_MAX);
	return WSB_OK;
}

/* The terminal flag, its size field and the stdio flags agree. */
static int check_terminal(uint32_t flags, int has_size, uint32_t cols, uint32_t rows)
{
	int rc;

	if (!(flags & WSB__RUNREQ_TERMINAL)) {
		if (has_size)
			return wsb__error(WSB_EINVAL, "runner message: a terminal size without the terminal flag");
		return WSB_OK;
	}
	if (!has_size)
		return wsb__error(WSB_EINVAL, "runner message: the terminal flag without a terminal size");
	if ((flags & (WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE | WSB__RUNREQ_STDERR_PIPE)) !=
			(WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE))
		return wsb__error(WSB_EINVAL, "runner message: a terminal needs the stdin and stdout pipes "
			"and no stderr pipe");
	if ((rc = check_term_size(cols, "columns")) != WSB_OK)
		return rc;
	return check_term_size(rows, "rows");
}

/* ---- encoding ---- */

typedef struct writer {
	unsigned char *p;
	size_t pos;
} writer;

static void write_header(writer *w, uint32_t tag, size_t len)
{
	put_u32(w->p + w->pos, tag);
	put_u32(w->p + w->pos + 4, (uint32_t)len);
	w->pos += FIELD_HEADER;
}

static void write_u32(writer *w, uint32_t tag, uint32_t v)
{
	write_header(w, tag, 4);
	put_u32(w->p + w->pos, v);
	w->pos += 4;
}

static void write_units(writer *w, uint32_t tag, const uint16_t *s, size_t n)
{
	size_t i;

	write_header(w, tag, 2 * n);
	for (i = 0; i < n; i++) {
		w->p[w->pos++] = (unsigned char)(s[i] & 0xff);
		w->p[w->pos++] = (unsigned char)(s[i] >> 8);
	}
}

static void write_bytes(writer *w, uint32_t tag, const char *s, size_t n)
{
	write_header(w, tag, n);
	if (n)
		memcpy(w->p + w->pos, s, n);
	w->pos += n;
}

/* Allocate the message of total bytes and write its header. Sizes were
 * bounded by the caller, so no addition here can overflow. */
static int start_message(writer *w, size_t total)
{
	if (total > WSB__RUNMSG_MAX)
		return wsb__error(WSB_ETOOLONG, "runner message: %lu bytes, more than %u",
			(unsigned long)total, WSB__RUNMSG_MAX);
	w->p = wsb__malloc(total);
	if (!w->p)
		return wsb__error_nomem();
	w->pos = 0;
	put_u32(w->p, WSB__RUNMSG_MAGIC);
	put_u32(w->p + 4, WSB__RUNMSG_VERSION);
	put_u32(w->p + 8, (uint32_t)total);
	w->pos = WSB__RUNMSG_HEADER;
	return WSB_OK;
}

/* Units of a mandatory NUL-terminated string, the NUL included, checked as
 * decode would check it; 0 with the error set. */
static int string_units(size_t *n, const uint16_t *s, const char *what)
{
	units u;
	size_t len;

	/* Defined on every path: callers read it only on success, but the
	 * compiler cannot see that wsb__error() never returns WSB_OK. */
	*n = 0;
	if (!s)
		return wsb__error(WSB_EINVAL, "runner message: %s is missing", what);
	/* Stop counting at the limit: the caller's string may be huge. */
	for (len = 0; len <= STRING_MAX_UNITS && s[len]; len++)
		;
	if (len >= STRING_MAX_UNITS)
		return wsb__error(WSB_ETOOLONG, "runner message: %s is longer than %u units with its NUL",
			what, STRING_MAX_UNITS);
	u.bytes = NULL;
	u.array = s;
	u.len = len + 1;
	*n = u.len;
	return check_string(&u, what);
}

int wsb__runreq_encode(unsigned char **out, size_t *out_len, const wsb__runreq *req)
{
	size_t app_n, cmd_n, cwd_n, total, i;
	size_t sid_len[WSB__RUNMSG_SIDS_MAX];
	units env;
	writer w;
	int rc;

	WSB__CHECK_ARG(out, "out");
	*out = NULL;
	WSB__CHECK_ARG(out_len, "out_len");
	*out_len = 0;
	WSB__CHECK_ARG(req, "req");

	if ((rc = string_units(&app_n, req->app, "app")) != WSB_OK ||
	    (rc = string_units(&cmd_n, req->cmdline, "cmdline")) != WSB_OK ||
	    (rc = string_units(&cwd_n, req->cwd, "cwd")) != WSB_OK)
		return rc;
	if (!req->env)
		return wsb__error(WSB_EINVAL, "runner message: environment block is missing");
	if (req->env_len > WSB__RUNMSG_MAX / 2)
		return wsb__error(WSB_ETOOLONG, "runner message: environment block of %lu units is too long",
			(unsigned long)req->env_len);
	env.bytes = NULL;
	env.array = req->env;
	env.len = req->env_len;
	if ((rc = check_env(&env)) != WSB_OK)
		return rc;
	if (req->sid_count > WSB__RUNMSG_SIDS_MAX)
		return wsb__error(WSB_EINVAL, "runner message: %lu SIDs, more than %u",
			(unsigned long)req->sid_count, WSB__RUNMSG_SIDS_MAX);
	if (req->sid_count && !req->sids)
		return wsb__error(WSB_EINVAL, "runner message: SID list is missing");
	for (i = 0; i < req->sid_count; i++) {
		if (!req->sids[i])
			return bad_sid(i);
		sid_len[i] = bounded_len(req->sids[i], SID_TEXT_MAX + 1);
		if (!sid_text_valid(req->sids[i], sid_len[i]))
			return bad_sid(i);
	}
	if ((rc = check_flags(req->flags)) != WSB_OK ||
	    (rc = check_terminal(req->flags, (req->flags & WSB__RUNREQ_TERMINAL) != 0, req->term_cols,
			req->term_rows)) != WSB_OK)
		return rc;

	/* Each part is bounded (strings by 32,767 units, env by half the
	 * maximum, SIDs by their text limit), so the sum cannot overflow. */
	total = WSB__RUNMSG_HEADER + 5 * FIELD_HEADER + 2 * (app_n + cmd_n + cwd_n + env.len) + 4;
	for (i = 0; i < req->sid_count; i++)
		total += FIELD_HEADER + sid_len[i];
	if (req->flags & WSB__RUNREQ_TERMINAL)
		total += FIELD_HEADER + 8;
	if ((rc = start_message(&w, total)) != WSB_OK)
		return rc;
	write_units(&w, TAG_APP, req->app, app_n);
	write_units(&w, TAG_CMDLINE, req->cmdline, cmd_n);
	write_units(&w, TAG_CWD, req->cwd, cwd_n);
	write_units(&w, TAG_ENV, req->env, env.len);
	for (i = 0; i < req->sid_count; i++)
		write_bytes(&w, TAG_SID, req->sids[i], sid_len[i]);
	write_u32(&w, TAG_FLAGS, req->flags);
	if (req->flags & WSB__RUNREQ_TERMINAL) {
		write_header(&w, TAG_TERMINAL, 8);
		put_u32(w.p + w.pos, req->term_cols);
		put_u32(w.p + w.pos + 4, req->term_rows);
		w.pos += 8;
	}
	*out = w.p;
	*out_len = total;
	return WSB_OK;
}

int wsb__runrep_encode(unsigned char **out, size_t *out_len, const wsb__runrep *rep)
{
	const char *msg;
	size_t msg_len, total;
	writer w;
	int rc;

	WSB__CHECK_ARG(out, "out");
	*out = NULL;
	WSB__CHECK_ARG(out_len, "out_len");
	*out_len = 0;
	WSB__CHECK_ARG(rep, "rep");

	if ((rc = check_status(rep->status, rep->pid)) != WSB_OK)
		return rc;
	/* A reply built by hand may leave the message out: send it empty. */
	msg = rep->message ? rep->message : "";
	msg_len = bounded_len(msg, WSB__RUNMSG_MAX);
	if (msg_len >= WSB__RUNMSG_MAX)
		return wsb__error(WSB_ETOOLONG, "runner message: message longer than %u bytes",
			WSB__RUNMSG_MAX);
	if (!wsb__utf8_valid(msg, msg_len))
		return wsb__error(WSB_EINVAL, "runner message: message is not valid UTF-8");

	total = WSB__RUNMSG_HEADER + 4 * FIELD_HEADER + 3 * 4 + msg_len;
	if ((rc = start_message(&w, total)) != WSB_OK)
		return rc;
	write_u32(&w, TAG_STATUS, (uint32_t)rep->status);
	write_u32(&w, TAG_OS_ERROR, rep->os_error);
	write_u32(&w, TAG_PID, rep->pid);
	write_bytes(&w, TAG_MESSAGE, msg, msg_len);
	*out = w.p;
	*out_len = total;
	return WSB_OK;
}

int wsb__runsize_encode(unsigned char **out, size_t *out_len, const wsb__runsize *size)
{
	size_t total = WSB__RUNMSG_HEADER + 2 * (FIELD_HEADER + 4);
	writer w;
	int rc;

	WSB__CHECK_ARG(out, "out");
	*out = NULL;
	WSB__CHECK_ARG(out_len, "out_len");
	*out_len = 0;
	WSB__CHECK_ARG(size, "size");
	if ((rc = check_term_size(size->cols, "columns")) != WSB_OK ||
	    (rc = check_term_size(size->rows, "rows")) != WSB_OK ||
	    (rc = start_message(&w, total)) != WSB_OK)
		return rc;
	write_u32(&w, TAG_COLS, size->cols);
	write_u32(&w, TAG_ROWS, size->rows);
	*out = w.p;
	*out_len = total;
	return WSB_OK;
}

/* ---- decoding: first the whole message is walked and checked, then the
 * fields are copied out, so only allocation can fail after the checks. */

int wsb__runmsg_length(size_t *out, const unsigned char *header, size_t len)
{
	uint32_t v, total;

	WSB__CHECK_ARG(out, "out");
	*out = 0;
	WSB__CHECK_ARG(header, "header");
	if (len < WSB__RUNMSG_HEADER)
		return wsb__error(WSB_EINVAL, "runner message: %lu bytes, shorter than its header",
			(unsigned long)len);
	if (get_u32(header) != WSB__RUNMSG_MAGIC)
		return wsb__error(WSB_EINVAL, "runner message: wrong magic 0x%08lx",
			(unsigned long)get_u32(header));
	v = get_u32(header + 4);
	if (v != WSB__RUNMSG_VERSION)
		return wsb__error(WSB_EINVAL, "runner message: version %lu, expected %u",
			(unsigned long)v, WSB__RUNMSG_VERSION);
	total = get_u32(header + 8);
	if (total < WSB__RUNMSG_HEADER || total > WSB__RUNMSG_MAX)
		return wsb__error(WSB_EINVAL, "runner message: length %lu outside %u..%u",
			(unsigned long)total, WSB__RUNMSG_HEADER, WSB__RUNMSG_MAX);
	*out = total;
	return WSB_OK;
}

typedef struct field {
	const unsigned char *p;
	size_t len;
	int seen;
} field;

/* Tag -> slot in a decoder's field table, or -1 for a tag this kind of
 * message does not have. */
typedef int (*slot_fn)(uint32_t tag);

/* Walk the fields of buf: each known tag lands in fields[slot] (a repeat is
 * refused, except SIDs which collect into sids). */
static int scan(field *fields, field *sids, size_t *sid_count, slot_fn slot,
	const unsigned char *buf, size_t len)
{
	size_t total, pos;
	int rc;

	if (!buf)
		return wsb__error(WSB_EINVAL, "invalid argument: buf");
	if ((rc = wsb__runmsg_length(&total, buf, len)) != WSB_OK)
		return rc;
	if (total != len)
		return wsb__error(WSB_EINVAL, "runner message: header says %lu bytes, got %lu",
			(unsigned long)total, (unsigned long)len);
	for (pos = WSB__RUNMSG_HEADER; pos < len; ) {
		uint32_t tag;
		size_t flen;
		int s;

		if (len - pos < FIELD_HEADER)
			return wsb__error(WSB_EINVAL, "runner message: truncated field header at byte %lu",
				(unsigned long)pos);
		tag = get_u32(buf + pos);
		flen = get_u32(buf + pos + 4);
		pos += FIELD_HEADER;
		if (flen > len - pos)
			return wsb__error(WSB_EINVAL,
				"runner message: field %lu of %lu bytes runs past the end at byte %lu",
				(unsigned long)tag, (unsigned long)flen, (unsigned long)pos);
		s = slot(tag);
		if (s < 0)
			return wsb__error(WSB_EINVAL, "runner message: unknown field %lu", (unsigned long)tag);
		if (tag == TAG_SID) {
			if (*sid_count >= WSB__RUNMSG_SIDS_MAX)
				return wsb__error(WSB_EINVAL, "runner message: more than %u SIDs",
					WSB__RUNMSG_SIDS_MAX);
			sids[*sid_count].p = buf + pos;
			sids[*sid_count].len = flen;
			(*sid_count)++;
		} else {
			if (fields[s].seen)
				return wsb__error(WSB_EINVAL, "runner message: field %lu repeated",
					(unsigned long)tag);
			fields[s].p = buf + pos;
			fields[s].len = flen;
			fields[s].seen = 1;
		}
		pos += flen;
	}
	return WSB_OK;
}

static int need(const field *f, const char *what)
{
	if (!f->seen)
		return wsb__error(WSB_EINVAL, "runner message: %s is missing", what);
	return WSB_OK;
}

static int need_u32(const field *f, const char *what, uint32_t *v)
{
	int rc = need(f, what);

	*v = 0; /* defined on the error paths too (see string_units) */
	if (rc != WSB_OK)
		return rc;
	if (f->len != 4)
		return wsb__error(WSB_EINVAL, "runner message: %s has %lu bytes, not 4", what,
			(unsigned long)f->len);
	*v = get_u32(f->p);
	return WSB_OK;
}

/* A string or env field as units; an odd byte count is refused here. */
static int need_units(const field *f, const char *what, units *u)
{
	int rc = need(f, what);

	u->bytes = NULL; /* defined on the error paths too (see string_units) */
	u->array = NULL;
	u->len = 0;
	if (rc != WSB_OK)
		return rc;
	if (f->len % 2)
		return wsb__error(WSB_EINVAL, "runner message: %s has an odd byte length %lu", what,
			(unsigned long)f->len);
	u->bytes = f->p;
	u->array = NULL;
	u->len = f->len / 2;
	return WSB_OK;
}

static uint16_t *copy_units(const units *u)
{
	uint16_t *s = wsb__calloc(u->len, sizeof(*s));
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < u->len; i++)
		s[i] = unit_at(u, i);
	return s;
}

enum { REQ_APP, REQ_CMDLINE, REQ_CWD, REQ_ENV, REQ_SID, REQ_FLAGS, REQ_TERMINAL, REQ_FIELDS };

static int req_slot(uint32_t tag)
{
	switch (tag) {
	case TAG_APP: return REQ_APP;
	case TAG_CMDLINE: return REQ_CMDLINE;
	case TAG_CWD: return REQ_CWD;
	case TAG_ENV: return REQ_ENV;
	case TAG_SID: return REQ_SID;
	case TAG_FLAGS: return REQ_FLAGS;
	case TAG_TERMINAL: return REQ_TERMINAL;
	default: return -1;
	}
}

int wsb__runreq_decode(wsb__runreq *out, const unsigned char *buf, size_t len)
{
	field f[REQ_FIELDS], sidf[WSB__RUNMSG_SIDS_MAX];
	units app, cmd, cwd, env;
	size_t sid_count = 0, i;
	uint32_t flags, cols = 0, rows = 0;
	int rc;

	WSB__CHECK_ARG(out, "out");
	memset(out, 0, sizeof(*out));
	memset(f, 0, sizeof(f));
	if ((rc = scan(f, sidf, &sid_count, req_slot, buf, len)) != WSB_OK)
		return rc;
	if ((rc = need_units(&f[REQ_APP], "app", &app)) != WSB_OK ||
	    (rc = check_string(&app, "app")) != WSB_OK ||
	    (rc = need_units(&f[REQ_CMDLINE], "cmdline", &cmd)) != WSB_OK ||
	    (rc = check_string(&cmd, "cmdline")) != WSB_OK ||
	    (rc = need_units(&f[REQ_CWD], "cwd", &cwd)) != WSB_OK ||
	    (rc = check_string(&cwd, "cwd")) != WSB_OK ||
	    (rc = need_units(&f[REQ_ENV], "environment block", &env)) != WSB_OK ||
	    (rc = check_env(&env)) != WSB_OK ||
	    (rc = need_u32(&f[REQ_FLAGS], "flags", &flags)) != WSB_OK ||
	    (rc = check_flags(flags)) != WSB_OK)
		return rc;
	if (f[REQ_TERMINAL].seen) {
		if (f[REQ_TERMINAL].len != 8)
			return wsb__error(WSB_EINVAL, "runner message: terminal size has %lu bytes, not 8",
				(unsigned long)f[REQ_TERMINAL].len);
		cols = get_u32(f[REQ_TERMINAL].p);
		rows = get_u32(f[REQ_TERMINAL].p + 4);
	}
	if ((rc = check_terminal(flags, f[REQ_TERMINAL].seen, cols, rows)) != WSB_OK)
		return rc;
	for (i = 0; i < sid_count; i++)
		if (!sid_text_valid((const char *)sidf[i].p, sidf[i].len))
			return bad_sid(i);

	out->flags = flags;
	out->term_cols = cols;
	out->term_rows = rows;
	out->env_len = env.len;
	if (!(out->app = copy_units(&app)) || !(out->cmdline = copy_units(&cmd)) ||
	    !(out->cwd = copy_units(&cwd)) || !(out->env = copy_units(&env)))
		goto nomem;
	if (sid_count) {
		if (!(out->sids = wsb__calloc(sid_count, sizeof(*out->sids))))
			goto nomem;
		for (i = 0; i < sid_count; i++) {
			if (!(out->sids[i] = wsb__strndup((const char *)sidf[i].p, sidf[i].len)))
				goto nomem;
			out->sid_count = i + 1;
		}
	}
	return WSB_OK;

nomem:
	wsb__runreq_dispose(out);
	return wsb__error_nomem();
}

enum { REP_STATUS, REP_OS_ERROR, REP_PID, REP_MESSAGE, REP_FIELDS };

static int rep_slot(uint32_t tag)
{
	switch (tag) {
	case TAG_STATUS: return REP_STATUS;
	case TAG_OS_ERROR: return REP_OS_ERROR;
	case TAG_PID: return REP_PID;
	case TAG_MESSAGE: return REP_MESSAGE;
	default: return -1;
	}
}

int wsb__runrep_decode(wsb__runrep *out, const unsigned char *buf, size_t len)
{
	field f[REP_FIELDS];
	size_t no_sids = 0;
	uint32_t status, os_error, pid;
	int rc;

	WSB__CHECK_ARG(out, "out");
	memset(out, 0, sizeof(*out));
	memset(f, 0, sizeof(f));
	if ((rc = scan(f, NULL, &no_sids, rep_slot, buf, len)) != WSB_OK)
		return rc;
	if ((rc = need_u32(&f[REP_STATUS], "status", &status)) != WSB_OK ||
	    (rc = need_u32(&f[REP_OS_ERROR], "os_error", &os_error)) != WSB_OK ||
	    (rc = need_u32(&f[REP_PID], "pid", &pid)) != WSB_OK ||
	    (rc = need(&f[REP_MESSAGE], "message")) != WSB_OK)
		return rc;
	if ((rc = check_status(to_i32(status), pid)) != WSB_OK)
		return rc;
	if (!wsb__utf8_valid((const char *)f[REP_MESSAGE].p, f[REP_MESSAGE].len))
		return wsb__error(WSB_EINVAL, "runner message: message is not valid UTF-8");

	out->message = wsb__strndup((const char *)f[REP_MESSAGE].p, f[REP_MESSAGE].len);
	if (!out->message)
		return wsb__error_nomem();
	out->status = to_i32(status);
	out->os_error = os_error;
	out->pid = pid;
	return WSB_OK;
}

enum { SIZE_COLS, SIZE_ROWS, SIZE_FIELDS };

static int size_slot(uint32_t tag)
{
	switch (tag) {
	case TAG_COLS: return SIZE_COLS;
	case TAG_ROWS: return SIZE_ROWS;
	default: return -1;
	}
}

int wsb__runsize_decode(wsb__runsize *out, const unsigned char *buf, size_t len)
{
	field f[SIZE_FIELDS];
	size_t no_sids = 0;
	uint32_t cols, rows;
	int rc;

	WSB__CHECK_ARG(out, "out");
	memset(out, 0, sizeof(*out));
	memset(f, 0, sizeof(f));
	if ((rc = scan(f, NULL, &no_sids, size_slot, buf, len)) != WSB_OK ||
	    (rc = need_u32(&f[SIZE_COLS], "columns", &cols)) != WSB_OK ||
	    (rc = need_u32(&f[SIZE_ROWS], "rows", &rows)) != WSB_OK ||
	    (rc = check_term_size(cols, "columns")) != WSB_OK ||
	    (rc = check_term_size(rows, "rows")) != WSB_OK)
		return rc;
	out->cols = cols;
	out->rows = rows;
	return WSB_OK;
}

void wsb__runreq_dispose(wsb__runreq *req)
{
	size_t i;

	if (!req)
		return;
	wsb__free(req->app);
	wsb__free(req->cmdline);
	wsb__free(req->cwd);
	wsb__free(req->env);
	if (req->sids) {
		for (i = 0; i < req->sid_count; i++)
			wsb__free(req->sids[i]);
		wsb__free(req->sids);
	}
	memset(req, 0, sizeof(*req));
}

void wsb__runrep_dispose(wsb__runrep *rep)
{
	if (!rep)
		return;
	wsb__free(rep->message);
	memset(rep, 0, sizeof(*rep));
}
