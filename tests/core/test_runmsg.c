/* The runner protocol: what the library encodes decodes to the same thing,
 * and every malformed message either side could receive is refused with
 * WSB_EINVAL, leaving nothing allocated. Malformed messages are built by
 * hand here, independently of the encoder, following the layout in
 * lib/core/runmsg.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/common.h"
#include "core/runmsg.h"
#include "core/utf.h"

enum {
	TAG_APP = 1, TAG_CMDLINE = 2, TAG_CWD = 3, TAG_ENV = 4, TAG_SID = 5, TAG_FLAGS = 6,
	TAG_TERMINAL = 7, TAG_STATUS = 16, TAG_OS_ERROR = 17, TAG_PID = 18, TAG_MESSAGE = 19,
	TAG_COLS = 32, TAG_ROWS = 33
};

/* ---- a hand-made message ---- */

typedef struct msg {
	unsigned char b[4096];
	size_t len;
} msg;

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void msg_start(msg *m)
{
	put32(m->b, WSB__RUNMSG_MAGIC);
	put32(m->b + 4, WSB__RUNMSG_VERSION);
	put32(m->b + 8, 0);
	m->len = WSB__RUNMSG_HEADER;
}

/* Patch the header's length to what was written. */
static void msg_end(msg *m)
{
	put32(m->b + 8, (uint32_t)m->len);
}

static void msg_field(msg *m, uint32_t tag, const void *p, size_t n)
{
	assert_true(m->len + 8 + n <= sizeof(m->b));
	put32(m->b + m->len, tag);
	put32(m->b + m->len + 4, (uint32_t)n);
	if (n)
		memcpy(m->b + m->len + 8, p, n);
	m->len += 8 + n;
}

static void msg_u32(msg *m, uint32_t tag, uint32_t v)
{
	unsigned char b[4];

	put32(b, v);
	msg_field(m, tag, b, 4);
}

/* Each byte of s[0..n) becomes one UTF-16LE unit; n usually counts the
 * literal's own NUL (see LIT). */
static void msg_ascii16(msg *m, uint32_t tag, const char *s, size_t n)
{
	unsigned char b[1024];
	size_t i;

	assert_true(2 * n <= sizeof(b));
	for (i = 0; i < n; i++) {
		b[2 * i] = (unsigned char)s[i];
		b[2 * i + 1] = 0;
	}
	msg_field(m, tag, b, 2 * n);
}

static void msg_units(msg *m, uint32_t tag, const uint16_t *u, size_t n)
{
	unsigned char b[1024];
	size_t i;

	assert_true(2 * n <= sizeof(b));
	for (i = 0; i < n; i++) {
		b[2 * i] = (unsigned char)(u[i] & 0xff);
		b[2 * i + 1] = (unsigned char)(u[i] >> 8);
	}
	msg_field(m, tag, b, 2 * n);
}

#define LIT(s) s, sizeof(s)

/* A valid request with every field but skip (0 = none). */
static void req_fields(msg *m, uint32_t skip)
{
	const char *sid = "S-1-5-21-1-2-3-1001";

	msg_start(m);
	if (skip != TAG_APP)
		msg_ascii16(m, TAG_APP, LIT("C:\\bin\\git.exe"));
	if (skip != TAG_CMDLINE)
		msg_ascii16(m, TAG_CMDLINE, LIT("git status"));
	if (skip != TAG_CWD)
		msg_ascii16(m, TAG_CWD, LIT("C:\\work"));
	if (skip != TAG_ENV)
		msg_ascii16(m, TAG_ENV, LIT("A=1\0PATH=C:\\bin\0"));
	if (skip != TAG_SID)
		msg_field(m, TAG_SID, sid, strlen(sid));
	if (skip != TAG_FLAGS)
		msg_u32(m, TAG_FLAGS, WSB__RUNREQ_STDOUT_PIPE);
}

static void rep_fields(msg *m, uint32_t skip, int32_t status, uint32_t pid)
{
	msg_start(m);
	if (skip != TAG_STATUS)
		msg_u32(m, TAG_STATUS, (uint32_t)status);
	if (skip != TAG_OS_ERROR)
		msg_u32(m, TAG_OS_ERROR, 5);
	if (skip != TAG_PID)
		msg_u32(m, TAG_PID, pid);
	if (skip != TAG_MESSAGE)
		msg_field(m, TAG_MESSAGE, "ok", 2);
}

/* ---- expectations ---- */

static int all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i])
			return 0;
	return 1;
}

static void expect_req_refused(const unsigned char *b, size_t len)
{
	wsb__runreq r;
	long live = wsb__alloc_live();

	memset(&r, 0xA5, sizeof(r));
	assert_int_equal(wsb__runreq_decode(&r, b, len), WSB_EINVAL);
	assert_true(all_zero(&r, sizeof(r)));
	assert_int_equal(wsb__alloc_live(), live);
	assert_non_null(strstr(wsb_error_message(wsb_error_last()), "runner message: "));
}

static void expect_rep_refused(const unsigned char *b, size_t len)
{
	wsb__runrep r;
	long live = wsb__alloc_live();

	memset(&r, 0xA5, sizeof(r));
	assert_int_equal(wsb__runrep_decode(&r, b, len), WSB_EINVAL);
	assert_true(all_zero(&r, sizeof(r)));
	assert_int_equal(wsb__alloc_live(), live);
	assert_non_null(strstr(wsb_error_message(wsb_error_last()), "runner message: "));
}

static void expect_req_msg_refused(msg *m)
{
	msg_end(m);
	expect_req_refused(m->b, m->len);
}

static void expect_rep_msg_refused(msg *m)
{
	msg_end(m);
	expect_rep_refused(m->b, m->len);
}

/* ---- a request built from C strings ---- */

typedef struct sample {
	uint16_t app[64], cmdline[64], cwd[64];
	uint16_t *env;
	char *sids[WSB__RUNMSG_SIDS_MAX + 1];
	char sid_text[WSB__RUNMSG_SIDS_MAX + 1][32];
	wsb__runreq req;
} sample;

static void to16(uint16_t *out, const char *s)
{
	while ((*out++ = (unsigned char)*s++) != 0)
		;
}

/* A request whose cmdline carries U+00E9 and U+1F600 (a surrogate pair).
 * With the terminal flag it is made valid: a size, the stdin and stdout
 * pipes, no stderr pipe. */
static void sample_init(sample *s, size_t sids, uint32_t flags)
{
	static uint16_t env[] = { 'A', '=', 0xE9, 0, 'B', '=', 0xD83D, 0xDE00, 0, 0 };
	size_t i, n;

	memset(s, 0, sizeof(*s));
	to16(s->app, "C:\\Program Files\\Git\\cmd\\git.exe");
	to16(s->cmdline, "git commit -m \"caf\xe9 ?\"");
	n = wsb__utf16_len(s->cmdline);
	s->cmdline[n - 2] = 0xD83D;
	s->cmdline[n - 1] = 0xDE00;
	s->cmdline[n] = '"';
	s->cmdline[n + 1] = 0;
	to16(s->cwd, "\\\\?\\C:\\work\\repo");
	s->env = env;
	for (i = 0; i < sids; i++) {
		snprintf(s->sid_text[i], sizeof(s->sid_text[i]), "S-1-5-21-%u-4294967295", (unsigned)i);
		s->sids[i] = s->sid_text[i];
	}
	s->req.app = s->app;
	s->req.cmdline = s->cmdline;
	s->req.cwd = s->cwd;
	s->req.env = s->env;
	s->req.env_len = WSB__ARRAY_SIZE(env);
	s->req.sids = sids ? s->sids : NULL;
	s->req.sid_count = sids;
	if (flags & WSB__RUNREQ_TERMINAL) {
		flags = (flags | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE) & ~WSB__RUNREQ_STDERR_PIPE;
		s->req.term_cols = 132;
		s->req.term_rows = 43;
	}
	s->req.flags = flags;
}

static void assert_units_equal(const uint16_t *a, const uint16_t *b)
{
	size_t n = wsb__utf16_len(a);

	assert_int_equal(wsb__utf16_len(b), n);
	assert_memory_equal(a, b, n * sizeof(*a));
}

static void assert_req_equal(const wsb__runreq *a, const wsb__runreq *b)
{
	size_t i;

	assert_units_equal(a->app, b->app);
	assert_units_equal(a->cmdline, b->cmdline);
	assert_units_equal(a->cwd, b->cwd);
	assert_int_equal(a->env_len, b->env_len);
	assert_memory_equal(a->env, b->env, a->env_len * sizeof(*a->env));
	assert_int_equal(a->sid_count, b->sid_count);
	for (i = 0; i < a->sid_count; i++)
		assert_string_equal(a->sids[i], b->sids[i]);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->term_cols, b->term_cols);
	assert_int_equal(a->term_rows, b->term_rows);
}

static void round_trip(const wsb__runreq *req)
{
	unsigned char *buf = NULL;
	size_t len = 0, total;
	wsb__runreq back;
	long live = wsb__alloc_live();

	assert_int_equal(wsb__runreq_encode(&buf, &len, req), WSB_OK);
	assert_int_equal(wsb__runmsg_length(&total, buf, len), WSB_OK);
	assert_int_equal(total, len);
	assert_int_equal(wsb__runreq_decode(&back, buf, len), WSB_OK);
	assert_req_equal(req, &back);
	wsb__runreq_dispose(&back);
	assert_true(all_zero(&back, sizeof(back)));
	wsb__free(buf);
	assert_int_equal(wsb__alloc_live(), live);
}

/* An encoded sample, freed with wsb__free. */
static unsigned char *encoded_sample(size_t *len, size_t sids)
{
	sample s;
	unsigned char *buf = NULL;

	sample_init(&s, sids, WSB__RUNREQ_FLAGS_ALL);
	assert_int_equal(wsb__runreq_encode(&buf, len, &s.req), WSB_OK);
	return buf;
}

/* ---- round trips ---- */

static void request_round_trips_with_sids(void **state)
{
	sample s;

	(void)state;
	sample_init(&s, 3, WSB__RUNREQ_WRITE_RESTRICTED | WSB__RUNREQ_NO_WINDOW);
	round_trip(&s.req);
}

static void request_round_trips_with_the_most_sids(void **state)
{
	sample s;

	(void)state;
	sample_init(&s, WSB__RUNMSG_SIDS_MAX, 0);
	round_trip(&s.req);
}

static void request_round_trips_without_sids(void **state)
{
	sample s;

	(void)state;
	sample_init(&s, 0, 0);
	round_trip(&s.req);
}

static void request_round_trips_every_flag(void **state)
{
	sample s;
	uint32_t bit;

	(void)state;
	for (bit = 1; bit & WSB__RUNREQ_FLAGS_ALL; bit <<= 1) {
		sample_init(&s, 1, bit);
		round_trip(&s.req);
	}
	sample_init(&s, 1, WSB__RUNREQ_FLAGS_ALL);
	round_trip(&s.req);
}

static void request_round_trips_a_large_environment(void **state)
{
	sample s;
	size_t units = 600000, i;
	uint16_t *env = wsb__malloc(units * sizeof(*env));

	(void)state;
	assert_non_null(env);
	/* Entries "X=vvvv..." of 99 units plus NUL, then the final NUL. */
	for (i = 0; i + 1 < units; i++)
		env[i] = i % 100 == 99 ? 0 : i % 100 == 1 ? '=' : (uint16_t)('a' + i % 26);
	env[units - 2] = 0;
	env[units - 1] = 0;
	sample_init(&s, 2, WSB__RUNREQ_STDIN_PIPE);
	s.req.env = env;
	s.req.env_len = units;
	round_trip(&s.req);
	wsb__free(env);
}

static void request_round_trips_an_empty_environment(void **state)
{
	static uint16_t empty[] = { 0, 0 };
	sample s;

	(void)state;
	sample_init(&s, 0, 0);
	s.req.env = empty;
	s.req.env_len = 2;
	round_trip(&s.req);
}

static void request_accepts_fields_in_any_order(void **state)
{
	msg m;
	wsb__runreq r;

	(void)state;
	msg_start(&m);
	msg_u32(&m, TAG_FLAGS, 0);
	msg_ascii16(&m, TAG_ENV, LIT("A=1\0"));
	msg_ascii16(&m, TAG_CWD, LIT("C:\\w"));
	msg_ascii16(&m, TAG_CMDLINE, LIT("x"));
	msg_ascii16(&m, TAG_APP, LIT("C:\\x.exe"));
	msg_end(&m);
	assert_int_equal(wsb__runreq_decode(&r, m.b, m.len), WSB_OK);
	assert_int_equal(r.sid_count, 0);
	assert_null(r.sids);
	assert_int_equal(r.env_len, 5);
	assert_int_equal(r.cmdline[0], 'x');
	assert_int_equal(r.cmdline[1], 0);
	wsb__runreq_dispose(&r);
}

static void reply_round_trips_started_and_failed(void **state)
{
	static const wsb__runrep cases[] = {
		{ WSB_OK, 0, 4242, (char *)"" },
		{ WSB_OK, 0, 0xFFFFFFFFu, (char *)"started" },
		{ WSB_ELOGON, 1326, 0, (char *)"LogonUserW failed: caf\xc3\xa9 \xf0\x9f\x98\x80" },
		{ WSB_EWORLDWRITABLE, 0xFFFFFFFFu, 0, (char *)"lowest known code" },
		{ WSB_ERROR, 0, 0, (char *)"x" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(cases); i++) {
		unsigned char *buf = NULL;
		size_t len = 0;
		wsb__runrep back;
		long live = wsb__alloc_live();

		assert_int_equal(wsb__runrep_encode(&buf, &len, &cases[i]), WSB_OK);
		assert_int_equal(wsb__runrep_decode(&back, buf, len), WSB_OK);
		assert_int_equal(back.status, cases[i].status);
		assert_int_equal(back.os_error, cases[i].os_error);
		assert_int_equal(back.pid, cases[i].pid);
		assert_string_equal(back.message, cases[i].message);
		wsb__runrep_dispose(&back);
		wsb__free(buf);
		assert_int_equal(wsb__alloc_live(), live);
	}
}

static void reply_without_message_encodes_as_empty(void **state)
{
	wsb__runrep rep = { WSB_OK, 0, 7, NULL }, back;
	unsigned char *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(wsb__runrep_encode(&buf, &len, &rep), WSB_OK);
	assert_int_equal(wsb__runrep_decode(&back, buf, len), WSB_OK);
	assert_non_null(back.message);
	assert_string_equal(back.message, "");
	wsb__runrep_dispose(&back);
	wsb__free(buf);
}

/* Pins the byte layout: little-endian header and fields, as documented. */
static void reply_wire_bytes_are_as_documented(void **state)
{
	static const unsigned char expect[] = {
		'W', 'S', 'B', 'R', 1, 0, 0, 0, 58, 0, 0, 0,
		16, 0, 0, 0, 4, 0, 0, 0, 0xEA, 0xFF, 0xFF, 0xFF,       /* status -22 */
		17, 0, 0, 0, 4, 0, 0, 0, 0x2E, 0x05, 0, 0,             /* os_error 1326 */
		18, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,                   /* pid 0 */
		19, 0, 0, 0, 2, 0, 0, 0, 'n', 'o'                      /* message */
	};
	wsb__runrep rep = { WSB_ELOGON, 1326, 0, (char *)"no" };
	unsigned char *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(wsb__runrep_encode(&buf, &len, &rep), WSB_OK);
	assert_int_equal(len, sizeof(expect));
	assert_memory_equal(buf, expect, sizeof(expect));
	wsb__free(buf);
}

static void request_wire_strings_are_utf16le_with_nul(void **state)
{
	msg m;
	unsigned char *buf = NULL;
	size_t len = 0;
	uint16_t app[] = { 'C', ':', 0x20AC, 0 }, cmd[] = { 'x', 0 }, cwd[] = { 'C', ':', 0 };
	uint16_t env[] = { 0, 0 };
	wsb__runreq req;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.app = app;
	req.cmdline = cmd;
	req.cwd = cwd;
	req.env = env;
	req.env_len = 2;
	req.flags = WSB__RUNREQ_DESKTOP;
	msg_start(&m);
	msg_units(&m, TAG_APP, app, 4);
	msg_units(&m, TAG_CMDLINE, cmd, 2);
	msg_units(&m, TAG_CWD, cwd, 3);
	msg_units(&m, TAG_ENV, env, 2);
	msg_u32(&m, TAG_FLAGS, WSB__RUNREQ_DESKTOP);
	msg_end(&m);
	assert_int_equal(wsb__runreq_encode(&buf, &len, &req), WSB_OK);
	assert_int_equal(len, m.len);
	assert_memory_equal(buf, m.b, m.len);
	wsb__free(buf);
}

/* ---- whole-message damage ---- */

static void request_truncated_anywhere_is_refused(void **state)
{
	size_t len, cut;
	unsigned char *buf = encoded_sample(&len, 2);
	unsigned char *copy = wsb__malloc(len);

	(void)state;
	assert_non_null(copy);
	for (cut = 0; cut < len; cut++) {
		/* As received, and with the header's length made to agree. */
		expect_req_refused(buf, cut);
		memcpy(copy, buf, cut);
		if (cut >= WSB__RUNMSG_HEADER) {
			put32(copy + 8, (uint32_t)cut);
			expect_req_refused(copy, cut);
		}
	}
	wsb__free(copy);
	wsb__free(buf);
}

static void reply_truncated_anywhere_is_refused(void **state)
{
	wsb__runrep rep = { WSB_OK, 0, 99, (char *)"hello" };
	unsigned char *buf = NULL, copy[128];
	size_t len = 0, cut;

	(void)state;
	assert_int_equal(wsb__runrep_encode(&buf, &len, &rep), WSB_OK);
	assert_true(len <= sizeof(copy));
	for (cut = 0; cut < len; cut++) {
		expect_rep_refused(buf, cut);
		memcpy(copy, buf, cut);
		if (cut >= WSB__RUNMSG_HEADER) {
			put32(copy + 8, (uint32_t)cut);
			/* Cutting inside the message's text leaves a shorter,
			 * valid reply; everywhere else a field is missing or cut. */
			if (cut > len - 5 && cut < len)
				continue;
			expect_rep_refused(copy, cut);
		}
	}
	wsb__free(buf);
}

/* Flip each byte's bits in turn: decoding must succeed or refuse cleanly. */
static void flip_each_byte(unsigned char *buf, size_t len, int request)
{
	size_t i;

	for (i = 0; i < len; i++) {
		long live = wsb__alloc_live();
		int rc;

		buf[i] ^= 0xFF;
		if (request) {
			wsb__runreq r;
			rc = wsb__runreq_decode(&r, buf, len);
			wsb__runreq_dispose(&r);
		} else {
			wsb__runrep r;
			rc = wsb__runrep_decode(&r, buf, len);
			wsb__runrep_dispose(&r);
		}
		assert_true(rc == WSB_OK || rc == WSB_EINVAL);
		assert_int_equal(wsb__alloc_live(), live);
		buf[i] ^= 0xFF;
	}
}

static void request_with_any_byte_flipped_decodes_or_is_refused(void **state)
{
	size_t len;
	unsigned char *buf = encoded_sample(&len, 2);

	(void)state;
	flip_each_byte(buf, len, 1);
	wsb__free(buf);
}

static void reply_with_any_byte_flipped_decodes_or_is_refused(void **state)
{
	wsb__runrep rep = { WSB_EACCES, 5, 0, (char *)"denied" };
	unsigned char *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(wsb__runrep_encode(&buf, &len, &rep), WSB_OK);
	flip_each_byte(buf, len, 0);
	wsb__free(buf);
}

static void wrong_magic_or_version_is_refused(void **state)
{
	msg m;

	(void)state;
	req_fields(&m, 0);
	msg_end(&m);
	m.b[0] ^= 1;
	expect_req_refused(m.b, m.len);
	m.b[0] ^= 1;
	put32(m.b + 4, WSB__RUNMSG_VERSION + 1);
	expect_req_refused(m.b, m.len);
	put32(m.b + 4, 0);
	expect_req_refused(m.b, m.len);
}

static void length_field_that_lies_is_refused(void **state)
{
	msg m;

	(void)state;
	req_fields(&m, 0);
	msg_end(&m);
	put32(m.b + 8, (uint32_t)m.len + 1);
	expect_req_refused(m.b, m.len);
	put32(m.b + 8, (uint32_t)m.len - 1);
	expect_req_refused(m.b, m.len);
	put32(m.b + 8, 0xFFFFFFFFu);
	expect_req_refused(m.b, m.len);
	/* A field whose length runs past the message. */
	req_fields(&m, TAG_FLAGS);
	put32(m.b + m.len, TAG_FLAGS);
	put32(m.b + m.len + 4, 0xFFFFFFF8u);
	put32(m.b + m.len + 8, 0);
	m.len += 12;
	expect_req_msg_refused(&m);
}

static void trailing_bytes_after_the_last_field_are_refused(void **state)
{
	msg m;

	(void)state;
	req_fields(&m, 0);
	m.b[m.len++] = 0;
	m.b[m.len++] = 0;
	m.b[m.len++] = 0;
	expect_req_msg_refused(&m);
}

static void duplicate_field_is_refused(void **state)
{
	static const uint32_t tags[] = { TAG_APP, TAG_CMDLINE, TAG_CWD, TAG_ENV, TAG_FLAGS };
	msg m;
	size_t i;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(tags); i++) {
		req_fields(&m, 0);
		if (tags[i] == TAG_FLAGS)
			msg_u32(&m, TAG_FLAGS, 0);
		else
			msg_ascii16(&m, tags[i], LIT("A=b\0"));
		expect_req_msg_refused(&m);
	}
	rep_fields(&m, 0, WSB_OK, 1);
	msg_u32(&m, TAG_PID, 1);
	expect_rep_msg_refused(&m);
	rep_fields(&m, 0, WSB_OK, 1);
	msg_field(&m, TAG_MESSAGE, "", 0);
	expect_rep_msg_refused(&m);
}

static void unknown_tag_is_refused(void **state)
{
	msg m;

	(void)state;
	req_fields(&m, 0);
	msg_u32(&m, 7, 0);
	expect_req_msg_refused(&m);
	req_fields(&m, 0);
	msg_field(&m, 0, "", 0);
	expect_req_msg_refused(&m);
	rep_fields(&m, 0, WSB_OK, 1);
	msg_u32(&m, 20, 0);
	expect_rep_msg_refused(&m);
}

static void a_message_of_the_other_kind_is_refused(void **state)
{
	msg m;

	(void)state;
	req_fields(&m, 0);
	expect_rep_msg_refused(&m);
	rep_fields(&m, 0, WSB_OK, 1);
	expect_req_msg_refused(&m);
}

static void missing_field_is_refused(void **state)
{
	static const uint32_t req_tags[] = { TAG_APP, TAG_CMDLINE, TAG_CWD, TAG_ENV, TAG_FLAGS };
	static const uint32_t rep_tags[] = { TAG_STATUS, TAG_OS_ERROR, TAG_PID, TAG_MESSAGE };
	msg m;
	size_t i;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(req_tags); i++) {
		req_fields(&m, req_tags[i]);
		expect_req_msg_refused(&m);
	}
	for (i = 0; i < WSB__ARRAY_SIZE(rep_tags); i++) {
		rep_fields(&m, rep_tags[i], WSB_OK, 1);
		expect_rep_msg_refused(&m);
	}
	msg_start(&m);
	expect_req_msg_refused(&m);
	msg_start(&m);
	expect_rep_msg_refused(&m);
}

static void fixed_size_field_of_the_wrong_size_is_refused(void **state)
{
	msg m;

	(void)state;
	req_fields(&m, TAG_FLAGS);
	msg_field(&m, TAG_FLAGS, "\0\0\0", 3);
	expect_req_msg_refused(&m);
	req_fields(&m, TAG_FLAGS);
	msg_field(&m, TAG_FLAGS, "\0\0\0\0\0\0\0\0", 8);
	expect_req_msg_refused(&m);
	rep_fields(&m, TAG_OS_ERROR, WSB_OK, 1);
	msg_field(&m, TAG_OS_ERROR, "", 0);
	expect_rep_msg_refused(&m);
}

static void unknown_flag_bit_is_refused(void **state)
{
	sample s;
	unsigned char *buf = (unsigned char *)"untouched";
	size_t len = 1;
	msg m;

	(void)state;
	sample_init(&s, 0, WSB__RUNREQ_FLAGS_ALL + 1);
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_EINVAL);
	assert_null(buf);
	assert_int_equal(len, 0);
	req_fields(&m, TAG_FLAGS);
	msg_u32(&m, TAG_FLAGS, 0x80000000u);
	expect_req_msg_refused(&m);
}

/* ---- the terminal ---- */

static void request_with_a_terminal_round_trips_its_size(void **state)
{
	sample s;
	unsigned char *buf = NULL;
	size_t len = 0, plain_len = 0;

	(void)state;
	sample_init(&s, 2, WSB__RUNREQ_TERMINAL);
	assert_int_equal(s.req.flags, WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE);
	round_trip(&s.req);
	s.req.term_cols = 1;
	s.req.term_rows = WSB__RUNMSG_TERM_MAX;
	round_trip(&s.req);
	/* One field of 8 bytes more than the same request without a terminal,
	 * which stays the bytes it was before the field existed. */
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_OK);
	wsb__free(buf);
	sample_init(&s, 2, WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE);
	assert_int_equal(wsb__runreq_encode(&buf, &plain_len, &s.req), WSB_OK);
	wsb__free(buf);
	assert_int_equal(len, plain_len + 16);
}

static void terminal_fields_that_disagree_are_refused(void **state)
{
	static const struct { uint32_t flags; int size; uint32_t cols, rows; } bad[] = {
		{ WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE, 1, 80, 24 },  /* size, no flag */
		{ WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE, 0, 0, 0 }, /* flag, no size */
		{ WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDOUT_PIPE, 1, 80, 24 },    /* no stdin pipe */
		{ WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE, 1, 80, 24 },     /* no stdout pipe */
		{ WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE |
			WSB__RUNREQ_STDERR_PIPE, 1, 80, 24 },                         /* a stderr pipe too */
		{ WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE, 1, 0, 24 },
		{ WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE, 1, 80, 0 },
		{ WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE, 1, 32768, 24 },
		{ WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE, 1, 80, 0xFFFFFFFFu },
	};
	unsigned char size[8];
	size_t i;
	msg m;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(bad); i++) {
		req_fields(&m, TAG_FLAGS);
		msg_u32(&m, TAG_FLAGS, bad[i].flags);
		if (bad[i].size) {
			put32(size, bad[i].cols);
			put32(size + 4, bad[i].rows);
			msg_field(&m, TAG_TERMINAL, size, sizeof(size));
		}
		expect_req_msg_refused(&m);
	}
	/* The size field of the wrong length, and twice. */
	req_fields(&m, TAG_FLAGS);
	msg_u32(&m, TAG_FLAGS, WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE);
	put32(size, 80);
	msg_field(&m, TAG_TERMINAL, size, 4);
	expect_req_msg_refused(&m);
	req_fields(&m, TAG_FLAGS);
	msg_u32(&m, TAG_FLAGS, WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE);
	put32(size + 4, 24);
	msg_field(&m, TAG_TERMINAL, size, 8);
	msg_field(&m, TAG_TERMINAL, size, 8);
	expect_req_msg_refused(&m);
	/* The same, well formed, is accepted: the refusals above are the fields'. */
	req_fields(&m, TAG_FLAGS);
	msg_u32(&m, TAG_FLAGS, WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE);
	msg_field(&m, TAG_TERMINAL, size, 8);
	msg_end(&m);
	{
		wsb__runreq r;
		assert_int_equal(wsb__runreq_decode(&r, m.b, m.len), WSB_OK);
		assert_int_equal(r.term_cols, 80);
		assert_int_equal(r.term_rows, 24);
		wsb__runreq_dispose(&r);
	}
}

static void encode_refuses_a_terminal_that_would_not_decode(void **state)
{
	sample s;
	unsigned char *buf = (unsigned char *)"untouched";
	size_t len = 1;

	(void)state;
	sample_init(&s, 0, WSB__RUNREQ_TERMINAL);
	s.req.term_cols = 0;
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_EINVAL);
	assert_null(buf);
	assert_int_equal(len, 0);
	sample_init(&s, 0, WSB__RUNREQ_TERMINAL);
	s.req.flags |= WSB__RUNREQ_STDERR_PIPE;
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_EINVAL);
	assert_non_null(strstr(wsb_error_message(NULL), "stderr"));
}

static void expect_size_refused(const unsigned char *b, size_t len)
{
	wsb__runsize z;
	long live = wsb__alloc_live();

	memset(&z, 0xA5, sizeof(z));
	assert_int_equal(wsb__runsize_decode(&z, b, len), WSB_EINVAL);
	assert_true(all_zero(&z, sizeof(z)));
	assert_int_equal(wsb__alloc_live(), live);
	assert_non_null(strstr(wsb_error_message(wsb_error_last()), "runner message: "));
}

static void resize_round_trips_and_has_its_wire_form(void **state)
{
	static const unsigned char wire[] = {
		0x57, 0x53, 0x42, 0x52, 1, 0, 0, 0, 36, 0, 0, 0,
		32, 0, 0, 0, 4, 0, 0, 0, 0x90, 0, 0, 0,
		33, 0, 0, 0, 4, 0, 0, 0, 0x30, 0, 0, 0
	};
	wsb__runsize in, back;
	unsigned char *buf = NULL;
	size_t len = 0, i;
	long live = wsb__alloc_live();

	(void)state;
	in.cols = 144;
	in.rows = 48;
	assert_int_equal(wsb__runsize_encode(&buf, &len, &in), WSB_OK);
	assert_int_equal(len, sizeof(wire));
	assert_memory_equal(buf, wire, sizeof(wire));
	assert_int_equal(wsb__runsize_decode(&back, buf, len), WSB_OK);
	assert_int_equal(back.cols, 144);
	assert_int_equal(back.rows, 48);
	/* Every truncation is refused. */
	for (i = 0; i < len; i++)
		expect_size_refused(buf, i);
	wsb__free(buf);
	in.cols = 1;
	in.rows = WSB__RUNMSG_TERM_MAX;
	assert_int_equal(wsb__runsize_encode(&buf, &len, &in), WSB_OK);
	assert_int_equal(wsb__runsize_decode(&back, buf, len), WSB_OK);
	assert_int_equal(back.rows, WSB__RUNMSG_TERM_MAX);
	wsb__free(buf);
	assert_int_equal(wsb__alloc_live(), live);
}

static void malformed_resize_is_refused(void **state)
{
	wsb__runsize z;
	unsigned char *buf = (unsigned char *)"untouched";
	size_t len = 1;
	msg m;

	(void)state;
	/* Sizes out of range, both ways. */
	z.cols = 0;
	z.rows = 24;
	assert_int_equal(wsb__runsize_encode(&buf, &len, &z), WSB_EINVAL);
	assert_null(buf);
	assert_int_equal(len, 0);
	z.cols = 80;
	z.rows = WSB__RUNMSG_TERM_MAX + 1;
	assert_int_equal(wsb__runsize_encode(&buf, &len, &z), WSB_EINVAL);
	msg_start(&m);
	msg_u32(&m, TAG_COLS, 0);
	msg_u32(&m, TAG_ROWS, 24);
	expect_size_refused((msg_end(&m), m.b), m.len);
	msg_start(&m);
	msg_u32(&m, TAG_COLS, 80);
	msg_u32(&m, TAG_ROWS, 40000);
	expect_size_refused((msg_end(&m), m.b), m.len);
	/* A field missing, repeated, of the wrong size, unknown. */
	msg_start(&m);
	msg_u32(&m, TAG_COLS, 80);
	expect_size_refused((msg_end(&m), m.b), m.len);
	msg_start(&m);
	msg_u32(&m, TAG_COLS, 80);
	msg_u32(&m, TAG_ROWS, 24);
	msg_u32(&m, TAG_ROWS, 24);
	expect_size_refused((msg_end(&m), m.b), m.len);
	msg_start(&m);
	msg_u32(&m, TAG_COLS, 80);
	msg_field(&m, TAG_ROWS, "\x18\0", 2);
	expect_size_refused((msg_end(&m), m.b), m.len);
	msg_start(&m);
	msg_u32(&m, TAG_COLS, 80);
	msg_u32(&m, TAG_ROWS, 24);
	msg_u32(&m, TAG_FLAGS, 0);
	expect_size_refused((msg_end(&m), m.b), m.len);
	/* A request or a reply is not a resize, nor the other way round. */
	req_fields(&m, 0);
	expect_size_refused((msg_end(&m), m.b), m.len);
	rep_fields(&m, 0, WSB_OK, 7);
	expect_size_refused((msg_end(&m), m.b), m.len);
	msg_start(&m);
	msg_u32(&m, TAG_COLS, 80);
	msg_u32(&m, TAG_ROWS, 24);
	expect_req_msg_refused(&m);
	msg_start(&m);
	msg_u32(&m, TAG_COLS, 80);
	msg_u32(&m, TAG_ROWS, 24);
	expect_rep_msg_refused(&m);
	/* NULL arguments. */
	assert_int_equal(wsb__runsize_decode(NULL, m.b, m.len), WSB_EINVAL);
	assert_int_equal(wsb__runsize_decode(&z, NULL, 0), WSB_EINVAL);
	assert_int_equal(wsb__runsize_encode(NULL, &len, &z), WSB_EINVAL);
}

/* ---- strings ---- */

static void odd_string_length_is_refused(void **state)
{
	static const uint32_t tags[] = { TAG_APP, TAG_CMDLINE, TAG_CWD, TAG_ENV };
	msg m;
	size_t i;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(tags); i++) {
		req_fields(&m, tags[i]);
		msg_field(&m, tags[i], "a\0b\0\0\0\0", 7);
		expect_req_msg_refused(&m);
	}
}

static void string_without_nul_is_refused(void **state)
{
	static const uint32_t tags[] = { TAG_APP, TAG_CMDLINE, TAG_CWD };
	msg m;
	size_t i;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(tags); i++) {
		req_fields(&m, tags[i]);
		msg_ascii16(&m, tags[i], "C:\\x", 4);
		expect_req_msg_refused(&m);
		/* No units at all, and the empty string. */
		req_fields(&m, tags[i]);
		msg_field(&m, tags[i], "", 0);
		expect_req_msg_refused(&m);
		req_fields(&m, tags[i]);
		msg_ascii16(&m, tags[i], LIT(""));
		expect_req_msg_refused(&m);
	}
}

static void string_with_embedded_nul_is_refused(void **state)
{
	static const uint32_t tags[] = { TAG_APP, TAG_CMDLINE, TAG_CWD };
	msg m;
	size_t i;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(tags); i++) {
		req_fields(&m, tags[i]);
		msg_ascii16(&m, tags[i], LIT("C:\\x.exe\0evil"));
		expect_req_msg_refused(&m);
	}
}

static void unpaired_surrogate_is_refused(void **state)
{
	static const uint16_t bad[][4] = {
		{ 'a', 0xD800, 'b', 0 },    /* high then a letter */
		{ 'a', 0xDC00, 'b', 0 },    /* low alone */
		{ 'a', 'b', 0xDBFF, 0 },    /* high just before the NUL */
		{ 0xDE00, 0xD83D, 'b', 0 }, /* pair in the wrong order */
	};
	static const uint32_t tags[] = { TAG_APP, TAG_CMDLINE, TAG_CWD };
	static const uint16_t env[] = { 'A', '=', 0xD800, 0, 0 };
	msg m;
	size_t i, t;

	(void)state;
	for (t = 0; t < WSB__ARRAY_SIZE(tags); t++) {
		for (i = 0; i < WSB__ARRAY_SIZE(bad); i++) {
			req_fields(&m, tags[t]);
			msg_units(&m, tags[t], bad[i], 4);
			expect_req_msg_refused(&m);
		}
	}
	req_fields(&m, TAG_ENV);
	msg_units(&m, TAG_ENV, env, 5);
	expect_req_msg_refused(&m);
}

static void malformed_environment_block_is_refused(void **state)
{
	static const struct { const char *s; size_t n; } bad[] = {
		{ "", 0 },                 /* nothing */
		{ "\0", 1 },               /* one NUL */
		{ "A=1\0", 4 },            /* one final NUL only */
		{ "A=1", 3 },              /* none */
		{ "\0A=1\0\0", 6 },        /* empty first entry */
		{ "A=1\0\0B=2\0\0", 10 },  /* block ends early, more after */
		{ "A=1\0\0\0", 6 },         /* an empty entry just before the end */
		{ "\0\0\0", 3 },             /* empty entries only */
	};
	msg m;
	size_t i;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(bad); i++) {
		req_fields(&m, TAG_ENV);
		msg_ascii16(&m, TAG_ENV, bad[i].s, bad[i].n);
		expect_req_msg_refused(&m);
	}
}

/* ---- SIDs ---- */

static const char *const bad_sids[] = {
	"", "S", "S-1-", "S-1", "S-1-5-", "S-1-5-x", "S-1-5-99999999999", "S-1-5-4294967296",
	"S-2-5-32", "s-1-5-32", "S-1-5--32", "S-1-05-32", "S-1-5-032", "S-1-5-32 ", " S-1-5",
	"S-1-281474976710656", "S-1-+5", "S-1-5-32\n", "S-1-0x5-32",
	"S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16",
};

static const char *const good_sids[] = {
	"S-1-0", "S-1-5", "S-1-5-32-544", "S-1-281474976710655-4294967295", "S-1-5-0",
	"S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15", "S-1-15-3-1024-1065365936-1281604716",
};

static void bad_sid_text_is_refused(void **state)
{
	sample s;
	msg m;
	size_t i;
	unsigned char *buf = NULL;
	size_t len;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(bad_sids); i++) {
		req_fields(&m, TAG_SID);
		msg_field(&m, TAG_SID, bad_sids[i], strlen(bad_sids[i]));
		expect_req_msg_refused(&m);

		sample_init(&s, 2, 0);
		s.sids[1] = (char *)bad_sids[i];
		assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_EINVAL);
		assert_null(buf);
	}
	/* A NUL inside the field, and a NULL pointer on the encode side. */
	req_fields(&m, TAG_SID);
	msg_field(&m, TAG_SID, "S-1-5\0", 6);
	expect_req_msg_refused(&m);
	sample_init(&s, 1, 0);
	s.sids[0] = NULL;
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_EINVAL);
}

static void good_sid_text_is_accepted(void **state)
{
	sample s;
	size_t i;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(good_sids); i++) {
		sample_init(&s, 1, WSB__RUNREQ_WRITE_RESTRICTED);
		s.sids[0] = (char *)good_sids[i];
		round_trip(&s.req);
	}
}

static void more_than_64_sids_are_refused(void **state)
{
	sample s;
	msg m;
	unsigned char *buf = NULL;
	size_t len, i;

	(void)state;
	sample_init(&s, WSB__RUNMSG_SIDS_MAX + 1, 0);
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_EINVAL);
	assert_null(buf);
	req_fields(&m, TAG_SID);
	for (i = 0; i <= WSB__RUNMSG_SIDS_MAX; i++)
		msg_field(&m, TAG_SID, "S-1-5-32-544", 12);
	expect_req_msg_refused(&m);
}

/* ---- replies ---- */

static void reply_with_unknown_status_is_refused(void **state)
{
	static const int32_t bad[] = { 1, WSB_EWORLDWRITABLE - 1, INT32_MIN, INT32_MAX };
	wsb__runrep rep = { 0, 0, 0, (char *)"" };
	unsigned char *buf = NULL;
	size_t len, i;
	msg m;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(bad); i++) {
		rep_fields(&m, 0, bad[i], 0);
		expect_rep_msg_refused(&m);
		rep.status = bad[i];
		assert_int_equal(wsb__runrep_encode(&buf, &len, &rep), WSB_EINVAL);
		assert_null(buf);
	}
}

static void reply_pid_must_match_status(void **state)
{
	wsb__runrep ok_no_pid = { WSB_OK, 0, 0, (char *)"" };
	wsb__runrep failed_with_pid = { WSB_EOS, 2, 77, (char *)"" };
	unsigned char *buf = NULL;
	size_t len;
	msg m;

	(void)state;
	rep_fields(&m, 0, WSB_OK, 0);
	expect_rep_msg_refused(&m);
	rep_fields(&m, 0, WSB_EOS, 77);
	expect_rep_msg_refused(&m);
	assert_int_equal(wsb__runrep_encode(&buf, &len, &ok_no_pid), WSB_EINVAL);
	assert_int_equal(wsb__runrep_encode(&buf, &len, &failed_with_pid), WSB_EINVAL);
	assert_null(buf);
}

static void reply_message_must_be_utf8_without_nul(void **state)
{
	static const struct { const char *s; size_t n; } bad[] = {
		{ "\xff", 1 }, { "caf\xc3", 4 }, { "\xc0\xaf", 2 }, { "\xed\xa0\x80", 3 },
		{ "a\0b", 3 }, { "ok\0", 3 },
	};
	wsb__runrep rep = { WSB_ERROR, 0, 0, (char *)"caf\xc3" };
	unsigned char *buf = NULL;
	size_t len, i;
	msg m;

	(void)state;
	for (i = 0; i < WSB__ARRAY_SIZE(bad); i++) {
		rep_fields(&m, TAG_MESSAGE, WSB_ERROR, 0);
		msg_field(&m, TAG_MESSAGE, bad[i].s, bad[i].n);
		expect_rep_msg_refused(&m);
	}
	assert_int_equal(wsb__runrep_encode(&buf, &len, &rep), WSB_EINVAL);
	assert_null(buf);
}

/* ---- wsb__runmsg_length ---- */

static void length_of_a_good_header(void **state)
{
	unsigned char h[WSB__RUNMSG_HEADER];
	size_t n = 0;

	(void)state;
	put32(h, WSB__RUNMSG_MAGIC);
	put32(h + 4, WSB__RUNMSG_VERSION);
	put32(h + 8, 1234);
	assert_int_equal(wsb__runmsg_length(&n, h, sizeof(h)), WSB_OK);
	assert_int_equal(n, 1234);
	put32(h + 8, WSB__RUNMSG_MAX);
	assert_int_equal(wsb__runmsg_length(&n, h, sizeof(h)), WSB_OK);
	assert_int_equal(n, WSB__RUNMSG_MAX);
	put32(h + 8, WSB__RUNMSG_HEADER);
	assert_int_equal(wsb__runmsg_length(&n, h, 100), WSB_OK);
	assert_int_equal(n, WSB__RUNMSG_HEADER);
}

static void length_of_a_bad_header_is_refused(void **state)
{
	static const uint32_t bad_len[] = { 0, WSB__RUNMSG_HEADER - 1, WSB__RUNMSG_MAX + 1, 0xFFFFFFFFu };
	unsigned char h[WSB__RUNMSG_HEADER];
	size_t n = 99, i;

	(void)state;
	put32(h, WSB__RUNMSG_MAGIC);
	put32(h + 4, WSB__RUNMSG_VERSION);
	put32(h + 8, 100);
	assert_int_equal(wsb__runmsg_length(&n, h, WSB__RUNMSG_HEADER - 1), WSB_EINVAL);
	assert_int_equal(n, 0);
	for (i = 0; i < WSB__ARRAY_SIZE(bad_len); i++) {
		put32(h + 8, bad_len[i]);
		assert_int_equal(wsb__runmsg_length(&n, h, sizeof(h)), WSB_EINVAL);
	}
	put32(h + 8, 100);
	h[3] ^= 0x80;
	assert_int_equal(wsb__runmsg_length(&n, h, sizeof(h)), WSB_EINVAL);
	h[3] ^= 0x80;
	put32(h + 4, 2);
	assert_int_equal(wsb__runmsg_length(&n, h, sizeof(h)), WSB_EINVAL);
	assert_int_equal(wsb__runmsg_length(NULL, h, sizeof(h)), WSB_EINVAL);
	assert_int_equal(wsb__runmsg_length(&n, NULL, sizeof(h)), WSB_EINVAL);
}

/* ---- encoder refusals ---- */

static void encode_refuses_missing_or_empty_strings(void **state)
{
	static uint16_t empty[] = { 0 };
	sample s;
	unsigned char *buf = NULL;
	size_t len;

	(void)state;
	sample_init(&s, 0, 0);
	s.req.app = NULL;
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_EINVAL);
	sample_init(&s, 0, 0);
	s.req.cwd = empty;
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_EINVAL);
	sample_init(&s, 0, 0);
	s.req.env = NULL;
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_EINVAL);
	sample_init(&s, 0, 0);
	s.req.env_len = 3;  /* "A=\xe9" with no NUL at all */
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_EINVAL);
	sample_init(&s, 0, 0);
	s.req.sid_count = 1;
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_EINVAL);
	assert_null(buf);
	assert_int_equal(wsb__runreq_encode(NULL, &len, &s.req), WSB_EINVAL);
	assert_int_equal(wsb__runreq_encode(&buf, NULL, &s.req), WSB_EINVAL);
	assert_int_equal(wsb__runreq_encode(&buf, &len, NULL), WSB_EINVAL);
	assert_int_equal(wsb__runrep_encode(&buf, &len, NULL), WSB_EINVAL);
}

/* A command line of n units, the NUL included; freed with wsb__free. */
static uint16_t *long_string(size_t n)
{
	uint16_t *s = wsb__malloc(n * sizeof(*s));
	size_t i;

	assert_non_null(s);
	for (i = 0; i + 1 < n; i++)
		s[i] = 'a';
	s[n - 1] = 0;
	return s;
}

static void encode_takes_a_string_at_the_limit(void **state)
{
	sample s;
	uint16_t *big = long_string(32767);

	(void)state;
	sample_init(&s, 0, 0);
	s.req.cmdline = big;
	round_trip(&s.req);
	wsb__free(big);
}

static void encode_refuses_a_string_over_the_limit(void **state)
{
	sample s;
	unsigned char *buf = NULL;
	size_t len;
	uint16_t *big = long_string(32768);

	(void)state;
	sample_init(&s, 0, 0);
	s.req.app = big;
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_ETOOLONG);
	assert_null(buf);
	wsb__free(big);
}

static void encode_refuses_a_message_over_the_maximum(void **state)
{
	sample s;
	unsigned char *buf = NULL;
	size_t len, units = WSB__RUNMSG_MAX / 2, i;
	uint16_t *env = wsb__calloc(units, sizeof(*env));

	(void)state;
	assert_non_null(env);
	/* Alone it fits the limit on env; with the header it does not. */
	for (i = 0; i + 2 < units; i++)
		env[i] = 'x';
	sample_init(&s, 0, 0);
	s.req.env = env;
	s.req.env_len = units;
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_ETOOLONG);
	assert_null(buf);
	s.req.env_len = units + 1;
	assert_int_equal(wsb__runreq_encode(&buf, &len, &s.req), WSB_ETOOLONG);
	wsb__free(env);
}

static void decode_refuses_a_string_over_the_limit(void **state)
{
	size_t units = 32768, total = WSB__RUNMSG_HEADER + 8 + 2 * units, i;
	unsigned char *b = wsb__calloc(total, 1);

	(void)state;
	assert_non_null(b);
	put32(b, WSB__RUNMSG_MAGIC);
	put32(b + 4, WSB__RUNMSG_VERSION);
	put32(b + 8, (uint32_t)total);
	put32(b + 12, TAG_APP);  /* checked first, before the missing fields */
	put32(b + 16, (uint32_t)(2 * units));
	for (i = 0; i + 1 < units; i++)
		b[20 + 2 * i] = 'a';
	expect_req_refused(b, total);
	assert_non_null(strstr(wsb_error_message(wsb_error_last()), "more than 32767"));
	wsb__free(b);
}

/* ---- allocation failures ---- */

static void request_survives_every_allocation_failure(void **state)
{
	sample s;
	unsigned char *buf = NULL, *good;
	size_t len = 0, good_len;
	unsigned long n;
	wsb__runreq r;
	long live = wsb__alloc_live();
	int rc;

	(void)state;
	sample_init(&s, 3, WSB__RUNREQ_FLAGS_ALL);
	for (n = 1;; n++) {
		wsb__alloc_fail_after(n);
		rc = wsb__runreq_encode(&buf, &len, &s.req);
		wsb__alloc_fail_after(0);
		if (rc == WSB_OK)
			break;
		assert_int_equal(rc, WSB_ENOMEM);
		assert_null(buf);
		assert_int_equal(wsb__alloc_live(), live);
	}
	good = buf;
	good_len = len;
	for (n = 1;; n++) {
		memset(&r, 0xA5, sizeof(r));
		wsb__alloc_fail_after(n);
		rc = wsb__runreq_decode(&r, good, good_len);
		wsb__alloc_fail_after(0);
		if (rc == WSB_OK)
			break;
		assert_int_equal(rc, WSB_ENOMEM);
		assert_true(all_zero(&r, sizeof(r)));
		assert_int_equal(wsb__alloc_live(), live + 1);
	}
	/* app, cmdline, cwd, env, the SID array and each SID. */
	assert_int_equal(n, 4 + 1 + 3 + 1);
	assert_req_equal(&s.req, &r);
	wsb__runreq_dispose(&r);
	wsb__free(good);
	assert_int_equal(wsb__alloc_live(), live);
}

static void reply_survives_every_allocation_failure(void **state)
{
	wsb__runrep rep = { WSB_EOS, 2, 0, (char *)"CreateProcessAsUserW failed" }, r;
	unsigned char *buf = NULL;
	size_t len = 0;
	unsigned long n;
	long live = wsb__alloc_live();
	int rc;

	(void)state;
	for (n = 1;; n++) {
		wsb__alloc_fail_after(n);
		rc = wsb__runrep_encode(&buf, &len, &rep);
		wsb__alloc_fail_after(0);
		if (rc == WSB_OK)
			break;
		assert_int_equal(rc, WSB_ENOMEM);
		assert_null(buf);
		assert_int_equal(wsb__alloc_live(), live);
	}
	for (n = 1;; n++) {
		memset(&r, 0xA5, sizeof(r));
		wsb__alloc_fail_after(n);
		rc = wsb__runrep_decode(&r, buf, len);
		wsb__alloc_fail_after(0);
		if (rc == WSB_OK)
			break;
		assert_int_equal(rc, WSB_ENOMEM);
		assert_true(all_zero(&r, sizeof(r)));
		assert_int_equal(wsb__alloc_live(), live + 1);
	}
	assert_string_equal(r.message, rep.message);
	wsb__runrep_dispose(&r);
	wsb__free(buf);
	assert_int_equal(wsb__alloc_live(), live);
}

static void decode_refuses_null_arguments(void **state)
{
	size_t len;
	unsigned char *buf = encoded_sample(&len, 0);
	wsb__runreq req;
	wsb__runrep rep;

	(void)state;
	assert_int_equal(wsb__runreq_decode(NULL, buf, len), WSB_EINVAL);
	assert_int_equal(wsb__runreq_decode(&req, NULL, len), WSB_EINVAL);
	assert_true(all_zero(&req, sizeof(req)));
	assert_int_equal(wsb__runrep_decode(NULL, buf, len), WSB_EINVAL);
	assert_int_equal(wsb__runrep_decode(&rep, NULL, len), WSB_EINVAL);
	assert_true(all_zero(&rep, sizeof(rep)));
	wsb__free(buf);
}

static void dispose_accepts_null_and_zeroed(void **state)
{
	wsb__runreq req;
	wsb__runrep rep;

	(void)state;
	memset(&req, 0, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	wsb__runreq_dispose(NULL);
	wsb__runrep_dispose(NULL);
	wsb__runreq_dispose(&req);
	wsb__runrep_dispose(&rep);
	assert_true(all_zero(&req, sizeof(req)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_round_trips_with_sids),
		cmocka_unit_test(request_round_trips_with_the_most_sids),
		cmocka_unit_test(request_round_trips_without_sids),
		cmocka_unit_test(request_round_trips_every_flag),
		cmocka_unit_test(request_round_trips_a_large_environment),
		cmocka_unit_test(request_round_trips_an_empty_environment),
		cmocka_unit_test(request_accepts_fields_in_any_order),
		cmocka_unit_test(reply_round_trips_started_and_failed),
		cmocka_unit_test(reply_without_message_encodes_as_empty),
		cmocka_unit_test(reply_wire_bytes_are_as_documented),
		cmocka_unit_test(request_wire_strings_are_utf16le_with_nul),
		cmocka_unit_test(request_truncated_anywhere_is_refused),
		cmocka_unit_test(reply_truncated_anywhere_is_refused),
		cmocka_unit_test(request_with_any_byte_flipped_decodes_or_is_refused),
		cmocka_unit_test(reply_with_any_byte_flipped_decodes_or_is_refused),
		cmocka_unit_test(wrong_magic_or_version_is_refused),
		cmocka_unit_test(length_field_that_lies_is_refused),
		cmocka_unit_test(trailing_bytes_after_the_last_field_are_refused),
		cmocka_unit_test(duplicate_field_is_refused),
		cmocka_unit_test(unknown_tag_is_refused),
		cmocka_unit_test(a_message_of_the_other_kind_is_refused),
		cmocka_unit_test(missing_field_is_refused),
		cmocka_unit_test(fixed_size_field_of_the_wrong_size_is_refused),
		cmocka_unit_test(unknown_flag_bit_is_refused),
		cmocka_unit_test(request_with_a_terminal_round_trips_its_size),
		cmocka_unit_test(terminal_fields_that_disagree_are_refused),
		cmocka_unit_test(encode_refuses_a_terminal_that_would_not_decode),
		cmocka_unit_test(resize_round_trips_and_has_its_wire_form),
		cmocka_unit_test(malformed_resize_is_refused),
		cmocka_unit_test(odd_string_length_is_refused),
		cmocka_unit_test(string_without_nul_is_refused),
		cmocka_unit_test(string_with_embedded_nul_is_refused),
		cmocka_unit_test(unpaired_surrogate_is_refused),
		cmocka_unit_test(malformed_environment_block_is_refused),
		cmocka_unit_test(bad_sid_text_is_refused),
		cmocka_unit_test(good_sid_text_is_accepted),
		cmocka_unit_test(more_than_64_sids_are_refused),
		cmocka_unit_test(reply_with_unknown_status_is_refused),
		cmocka_unit_test(reply_pid_must_match_status),
		cmocka_unit_test(reply_message_must_be_utf8_without_nul),
		cmocka_unit_test(length_of_a_good_header),
		cmocka_unit_test(length_of_a_bad_header_is_refused),
		cmocka_unit_test(encode_refuses_missing_or_empty_strings),
		cmocka_unit_test(encode_takes_a_string_at_the_limit),
		cmocka_unit_test(encode_refuses_a_string_over_the_limit),
		cmocka_unit_test(encode_refuses_a_message_over_the_maximum),
		cmocka_unit_test(decode_refuses_a_string_over_the_limit),
		cmocka_unit_test(request_survives_every_allocation_failure),
		cmocka_unit_test(reply_survives_every_allocation_failure),
		cmocka_unit_test(decode_refuses_null_arguments),
		cmocka_unit_test(dispose_accepts_null_and_zeroed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
