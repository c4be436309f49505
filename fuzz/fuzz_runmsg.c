/* libFuzzer: the input is one runner message, decoded as a request, as a
 * reply and as a resize. A refusal must be WSB_EINVAL with the struct zeroed;
 * whatever decodes must re-encode, decode again to the same values, and
 * encode again to the same bytes (the encoding is canonical). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "core/runmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int zeroed(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return 0;
	return 1;
}

static void same_units(const uint16_t *a, const uint16_t *b, size_t n)
{
	if (memcmp(a, b, n * sizeof(*a)) != 0)
		abort();
}

static size_t units_with_nul(const uint16_t *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n + 1;
}

static void check_request(const uint8_t *data, size_t size)
{
	wsb__runreq a, b;
	unsigned char *enc = NULL, *enc2 = NULL;
	size_t len = 0, len2 = 0, i;
	int rc = wsb__runreq_decode(&a, data, size);

	if (rc != WSB_OK) {
		if (rc != WSB_EINVAL || !zeroed(&a, sizeof(a)))
			abort();
		return;
	}
	if (wsb__runmsg_length(&len, data, size) != WSB_OK || len != size)
		abort();
	if (wsb__runreq_encode(&enc, &len, &a) != WSB_OK)
		abort();
	if (wsb__runreq_decode(&b, enc, len) != WSB_OK)
		abort();
	if (units_with_nul(a.app) != units_with_nul(b.app) ||
	    units_with_nul(a.cmdline) != units_with_nul(b.cmdline) ||
	    units_with_nul(a.cwd) != units_with_nul(b.cwd) ||
	    a.env_len != b.env_len || a.sid_count != b.sid_count || a.flags != b.flags ||
	    a.term_cols != b.term_cols || a.term_rows != b.term_rows)
		abort();
	same_units(a.app, b.app, units_with_nul(a.app));
	same_units(a.cmdline, b.cmdline, units_with_nul(a.cmdline));
	same_units(a.cwd, b.cwd, units_with_nul(a.cwd));
	same_units(a.env, b.env, a.env_len);
	for (i = 0; i < a.sid_count; i++)
		if (strcmp(a.sids[i], b.sids[i]) != 0)
			abort();
	if (wsb__runreq_encode(&enc2, &len2, &b) != WSB_OK || len2 != len ||
	    memcmp(enc, enc2, len) != 0)
		abort();
	wsb__free(enc);
	wsb__free(enc2);
	wsb__runreq_dispose(&a);
	wsb__runreq_dispose(&b);
}

static void check_reply(const uint8_t *data, size_t size)
{
	wsb__runrep a, b;
	unsigned char *enc = NULL, *enc2 = NULL;
	size_t len = 0, len2 = 0;
	int rc = wsb__runrep_decode(&a, data, size);

	if (rc != WSB_OK) {
		if (rc != WSB_EINVAL || !zeroed(&a, sizeof(a)))
			abort();
		return;
	}
	if (!a.message || (a.status == WSB_OK) != (a.pid != 0))
		abort();
	if (wsb__runrep_encode(&enc, &len, &a) != WSB_OK)
		abort();
	if (wsb__runrep_decode(&b, enc, len) != WSB_OK)
		abort();
	if (a.status != b.status || a.os_error != b.os_error || a.pid != b.pid ||
	    strcmp(a.message, b.message) != 0)
		abort();
	if (wsb__runrep_encode(&enc2, &len2, &b) != WSB_OK || len2 != len ||
	    memcmp(enc, enc2, len) != 0)
		abort();
	wsb__free(enc);
	wsb__free(enc2);
	wsb__runrep_dispose(&a);
	wsb__runrep_dispose(&b);
}

static void check_resize(const uint8_t *data, size_t size)
{
	wsb__runsize a, b;
	unsigned char *enc = NULL;
	size_t len = 0;
	int rc = wsb__runsize_decode(&a, data, size);

	if (rc != WSB_OK) {
		if (rc != WSB_EINVAL || !zeroed(&a, sizeof(a)))
			abort();
		return;
	}
	if (a.cols < 1 || a.cols > WSB__RUNMSG_TERM_MAX || a.rows < 1 || a.rows > WSB__RUNMSG_TERM_MAX)
		abort();
	if (wsb__runsize_encode(&enc, &len, &a) != WSB_OK || wsb__runsize_decode(&b, enc, len) != WSB_OK ||
	    a.cols != b.cols || a.rows != b.rows)
		abort();
	wsb__free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long live = wsb__alloc_live();

	check_request(data, size);
	check_reply(data, size);
	check_resize(data, size);
	if (wsb__alloc_live() != live)
		abort();
	return 0;
}
