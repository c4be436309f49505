/*
 * Firewall provisioning for the offline sandbox user: outbound block rules
 * scoped to that user's SID with INetFwRule3's LocalUserAuthorizedList.
 *
 * Three rules, named after the user so every later run finds them:
 *   "<prefix> remote"        all protocols, every address but loopback
 *   "<prefix> loopback tcp"  TCP to 127.0.0.0/8 and ::1, every port but the
 *   "<prefix> loopback udp"  allowed ones (UDP likewise)
 * The allowed ports live only in the two loopback rules, so changing them
 * rewrites those two and nothing else (docs/windows-setup.md: the cheap
 * path for the common change). Rules are read back after every change and
 * compared as sets of address and port ranges, because Windows may rewrite
 * the text (e.g. a prefix as a mask); a rule that does not read back as
 * written fails setup.
 *
 * COM is reached only through the seam (CoInitializeEx, CoCreateInstance,
 * SysAllocString, SysFreeString), so tests can install a fake policy.
 */
#include "elevated.h"
#include "core/hostpat.h"

#include <initguid.h>
#include <netfw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROTO_ANY 256
#define PROTO_TCP 6
#define PROTO_UDP 17

/* Every IPv4 address outside 127.0.0.0/8 and every IPv6 address above ::1
 * (the unspecified address :: is no destination: connect() refuses it). */
static const char remote_addrs[] =
	"0.0.0.0-126.255.255.255,128.0.0.0-255.255.255.255,"
	"::2-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
static const char loopback_addrs[] = "127.0.0.0-127.255.255.255,::1";

/* ---- ports ---- */

int wsb__fw_ports_check(const unsigned short *ports, size_t count)
{
	size_t i, j;

	if (count && !ports)
		return wsb__error(WSB_EINVAL, "loopback_ports is NULL but loopback_port_count is %lu",
			(unsigned long)count);
	if (count > WSB__FW_PORTS_MAX)
		return wsb__error(WSB_ERANGE, "at most %d loopback ports may be allowed, not %lu",
			WSB__FW_PORTS_MAX, (unsigned long)count);
	for (i = 0; i < count; i++) {
		if (ports[i] == 0)
			return wsb__error(WSB_ERANGE, "loopback port 0 is out of range (1-65535)");
		for (j = 0; j < i; j++)
			if (ports[j] == ports[i])
				return wsb__error(WSB_EEXIST, "loopback port %u is listed twice", ports[i]);
	}
	return WSB_OK;
}

static int port_cmp(const void *a, const void *b)
{
	return (int)*(const unsigned short *)a - (int)*(const unsigned short *)b;
}

/* Every port 1-65535 except the allowed ones, as Windows port ranges. */
static int ports_complement(char **out, const unsigned short *ports, size_t count)
{
	unsigned short sorted[WSB__FW_PORTS_MAX];
	wsb__buf b = WSB__BUF_INIT;
	unsigned long next = 1;
	size_t i;

	*out = NULL;
	if (count == 0) {
		if (!(*out = wsb__strdup("*")))
			return wsb__error_nomem();
		return WSB_OK;
	}
	memcpy(sorted, ports, count * sizeof(*ports));
	qsort(sorted, count, sizeof(*sorted), port_cmp);
	for (i = 0; i <= count; i++) {
		unsigned long end = i < count ? (unsigned long)sorted[i] - 1 : 65535;
		if (end >= next) {
			if (b.size)
				wsb__buf_putc(&b, ',');
			if (end == next)
				wsb__buf_printf(&b, "%lu", next);
			else
				wsb__buf_printf(&b, "%lu-%lu", next, end);
		}
		if (i < count)
			next = (unsigned long)sorted[i] + 1;
	}
	if (b.oom || !b.size) {
		/* Every port allowed would leave an empty list: not possible with
		 * at most WSB__FW_PORTS_MAX ports. */
		wsb__buf_dispose(&b);
		return wsb__error_nomem();
	}
	*out = wsb__buf_detach(&b);
	return WSB_OK;
}

/* ---- rules ---- */

void wsb__fw_rule_dispose(wsb__fw_rule *r)
{
	if (!r)
		return;
	wsb__free(r->name);
	wsb__free(r->description);
	wsb__free(r->remote_addresses);
	wsb__free(r->remote_ports);
	wsb__free(r->user_list);
	memset(r, 0, sizeof(*r));
}

void wsb__fw_ruleset_dispose(wsb__fw_ruleset *set)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		wsb__fw_rule_dispose(&set->rules[i]);
	wsb__free(set->rules);
	set->rules = NULL;
	set->count = 0;
}

static int rule_fill(wsb__fw_rule *r, const char *user, const char *suffix, const char *desc,
	int protocol, const char *addrs, const char *ports, const char *sid)
{
	wsb__buf name = WSB__BUF_INIT, ul = WSB__BUF_INIT;

	wsb__buf_printf(&name, "wsandbox %s %s", user, suffix);
	wsb__buf_printf(&ul, "O:LSD:(A;;CC;;;%s)", sid);
	r->name = wsb__buf_detach(&name);
	r->user_list = wsb__buf_detach(&ul);
	r->description = wsb__strdup(desc);
	r->remote_addresses = wsb__strdup(addrs);
	r->remote_ports = wsb__strdup(ports);
	r->protocol = protocol;
	r->active = 1;
	if (!r->name || !r->user_list || !r->description || !r->remote_addresses || !r->remote_ports ||
			name.oom || ul.oom)
		return wsb__error_nomem();
	return WSB_OK;
}

int wsb__fw_rules_build(wsb__fw_ruleset *out, const char *user, const char *user_sid,
	const unsigned short *ports, size_t port_count)
{
	char *comp = NULL;
	int rc;

	out->rules = NULL;
	out->count = 0;
	if ((rc = wsb__fw_ports_check(ports, port_count)) != WSB_OK)
		return rc;
	if ((rc = ports_complement(&comp, ports, port_count)) != WSB_OK)
		return rc;
	if (!(out->rules = wsb__calloc(3, sizeof(wsb__fw_rule)))) {
		wsb__free(comp);
		return wsb__error_nomem();
	}
	out->count = 3;
	if ((rc = rule_fill(&out->rules[0], user, "remote",
			"libwsandbox: the offline sandbox user may not reach other hosts",
			PROTO_ANY, remote_addrs, "*", user_sid)) == WSB_OK &&
		(rc = rule_fill(&out->rules[1], user, "loopback tcp",
			"libwsandbox: the offline sandbox user may reach only the allowed loopback TCP ports",
			PROTO_TCP, loopback_addrs, comp, user_sid)) == WSB_OK)
		rc = rule_fill(&out->rules[2], user, "loopback udp",
			"libwsandbox: the offline sandbox user may reach only the allowed loopback UDP ports",
			PROTO_UDP, loopback_addrs, comp, user_sid);
	wsb__free(comp);
	if (rc != WSB_OK)
		wsb__fw_ruleset_dispose(out);
	return rc;
}

/* ---- comparing address and port lists as sets of ranges ---- */

typedef struct range {
	int family;             /* 0 ports, 4, 6 */
	unsigned short lo[8];   /* big-endian 16-bit groups; ports and IPv4 use the tail */
	unsigned short hi[8];
} range;

/* An address literal (lib/core/hostpat.c's strict parser) as 16-bit groups;
 * IPv4 lands in the last two. 0, or -1 if s[0..n) is not one. */
static int parse_addr(unsigned short out[8], int *family, const char *s, size_t n)
{
	unsigned char a[16];
	int k, fam = wsb__addr_parse(a, s, n);

	if (!fam)
		return -1;
	*family = fam == WSB__ADDR_V4 ? 4 : 6;
	memset(out, 0, 8 * sizeof(*out));
	if (fam == WSB__ADDR_V4) {
		out[6] = (unsigned short)(a[0] << 8 | a[1]);
		out[7] = (unsigned short)(a[2] << 8 | a[3]);
		return 0;
	}
	for (k = 0; k < 8; k++)
		out[k] = (unsigned short)(a[2 * k] << 8 | a[2 * k + 1]);
	return 0;
}

static int cmp8(const unsigned short *a, const unsigned short *b)
{
	int i;

	for (i = 0; i < 8; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* a + 1 == b (a not all ones) */
static int adjacent(const unsigned short *a, const unsigned short *b)
{
	unsigned short t[8];
	int i;

	memcpy(t, a, sizeof(t));
	for (i = 7; i >= 0; i--) {
		if (++t[i] != 0)
			break;
	}
	return i >= 0 && cmp8(t, b) == 0;
}

/* Set the low (bits - prefix) bits of addr to 0 (lo) or 1 (hi). */
static void apply_prefix(unsigned short lo[8], unsigned short hi[8], int bits, int prefix)
{
	int b;

	for (b = prefix; b < bits; b++) {
		int bit = 128 - bits + b;   /* position from the top of 128 */
		unsigned short m = (unsigned short)(0x8000u >> (bit % 16));
		lo[bit / 16] &= (unsigned short)~m;
		hi[bit / 16] |= m;
	}
}

static int mask_prefix(const unsigned short m[8])
{
	unsigned long v = (unsigned long)m[6] << 16 | m[7];
	int p = 0;

	while (p < 32 && (v & (0x80000000ul >> p)))
		p++;
	if (p < 32 && (v & ((0xfffffffful >> p))))
		return -1;
	return p;
}

static int parse_item(range *r, const char *s, size_t n, int ports)
{
	const char *dash = memchr(s, '-', n), *slash = memchr(s, '/', n);
	int fam2;

	memset(r, 0, sizeof(*r));
	if (ports) {
		unsigned long lo = 0, hi;
		size_t i = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && lo <= 65535)
			lo = lo * 10 + (unsigned long)(s[i++] - '0');
		hi = lo;
		if (i < n && s[i] == '-') {
			i++;
			hi = 0;
			while (i < n && s[i] >= '0' && s[i] <= '9' && hi <= 65535)
				hi = hi * 10 + (unsigned long)(s[i++] - '0');
		}
		if (i != n || lo > hi || hi > 65535)
			return -1;
		r->lo[7] = (unsigned short)lo;
		r->hi[7] = (unsigned short)hi;
		return 0;
	}
	if (dash) {
		if (parse_addr(r->lo, &r->family, s, (size_t)(dash - s)) ||
				parse_addr(r->hi, &fam2, dash + 1, n - (size_t)(dash - s) - 1) || fam2 != r->family)
			return -1;
		return cmp8(r->lo, r->hi) > 0 ? -1 : 0;
	}
	if (slash) {
		const char *p = slash + 1;
		size_t pn = n - (size_t)(p - s);
		int prefix = 0, bits;
		if (parse_addr(r->lo, &r->family, s, (size_t)(slash - s)))
			return -1;
		bits = r->family == 4 ? 32 : 128;
		if (r->family == 4 && memchr(p, '.', pn)) {
			unsigned short m[8];
			int mfam;
			if (parse_addr(m, &mfam, p, pn) || mfam != 4 || (prefix = mask_prefix(m)) < 0)
				return -1;
		} else {
			size_t i;
			for (i = 0; i < pn; i++) {
				if (p[i] < '0' || p[i] > '9' || prefix > bits)
					return -1;
				prefix = prefix * 10 + (p[i] - '0');
			}
			if (!pn || prefix > bits)
				return -1;
		}
		memcpy(r->hi, r->lo, sizeof(r->hi));
		apply_prefix(r->lo, r->hi, bits, prefix);
		return 0;
	}
	if (parse_addr(r->lo, &r->family, s, n))
		return -1;
	memcpy(r->hi, r->lo, sizeof(r->hi));
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const range *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return cmp8(x->lo, y->lo);
}

/* Parse a list into sorted, merged ranges. "*" is every value. -1 if the
 * text is not a list this module understands. */
static int ranges_of(range **out, size_t *count, const char *text, int ports)
{
	range *r = NULL;
	size_t n = 1, k = 0, m = 0, len;
	const char *p, *q;

	*out = NULL;
	*count = 0;
	if (!text)
		return -1;
	for (p = text; *p; p++)
		if (*p == ',')
			n++;
	if (!(r = wsb__calloc(n + 1, sizeof(*r))))
		return -2;
	if (strcmp(text, "*") == 0) {
		if (ports) {
			r[0].hi[7] = 65535;
			k = 1;
		} else {
			r[0].family = 4;
			r[0].hi[6] = r[0].hi[7] = 0xffff;
			r[1].family = 6;
			memset(r[1].hi, 0xff, sizeof(r[1].hi));
			k = 2;
		}
	} else {
		for (p = text; ; p = q + 1) {
			q = strchr(p, ',');
			len = q ? (size_t)(q - p) : strlen(p);
			while (len && *p == ' ') {
				p++;
				len--;
			}
			while (len && p[len - 1] == ' ')
				len--;
			if (parse_item(&r[k++], p, len, ports)) {
				wsb__free(r);
				return -1;
			}
			if (!q)
				break;
		}
	}
	qsort(r, k, sizeof(*r), range_cmp);
	for (n = 0; n < k; n++) {
		if (m && r[m - 1].family == r[n].family &&
				(cmp8(r[n].lo, r[m - 1].hi) <= 0 || adjacent(r[m - 1].hi, r[n].lo))) {
			if (cmp8(r[n].hi, r[m - 1].hi) > 0)
				memcpy(r[m - 1].hi, r[n].hi, sizeof(r[n].hi));
		} else {
			r[m++] = r[n];
		}
	}
	*out = r;
	*count = m;
	return 0;
}

static int lists_equal(const char *a, const char *b, int ports)
{
	range *ra = NULL, *rb = NULL;
	size_t na = 0, nb = 0, i;
	int eq = 0;

	if (a && b && strcmp(a, b) == 0)
		return 1;
	if (ranges_of(&ra, &na, a, ports) == 0 && ranges_of(&rb, &nb, b, ports) == 0 && na == nb) {
		eq = 1;
		for (i = 0; i < na && eq; i++)
			eq = ra[i].family == rb[i].family && cmp8(ra[i].lo, rb[i].lo) == 0 &&
				cmp8(ra[i].hi, rb[i].hi) == 0;
	}
	wsb__free(ra);
	wsb__free(rb);
	return eq;
}

static int str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

int wsb__fw_rule_equal(const wsb__fw_rule *a, const wsb__fw_rule *b)
{
	if (!str_eq(a->name, b->name) || a->protocol != b->protocol || a->active != b->active ||
			!str_eq(a->user_list, b->user_list))
		return 0;
	if (!lists_equal(a->remote_addresses, b->remote_addresses, 0))
		return 0;
	if (a->protocol == PROTO_TCP || a->protocol == PROTO_UDP)
		return lists_equal(a->remote_ports, b->remote_ports, 1);
	return 1;
}

/* ---- journal text ---- */

int wsb__fw_rule_serialize(char **out, const wsb__fw_rule *r)
{
	wsb__buf b = WSB__BUF_INIT;

	wsb__buf_printf(&b, "%d\t%d\t%s\t%s\t%s\t%s\t%s", r->protocol, r->active, r->name,
		r->remote_addresses ? r->remote_addresses : "*", r->remote_ports ? r->remote_ports : "*",
		r->user_list ? r->user_list : "", r->description ? r->description : "");
	if (b.oom) {
		wsb__buf_dispose(&b);
		return wsb__error_nomem();
	}
	*out = wsb__buf_detach(&b);
	return WSB_OK;
}

int wsb__fw_rule_parse(wsb__fw_rule *out, const char *text)
{
	const char *f[7];
	size_t len[7];
	char **dst[5];
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < 7; i++) {
		const char *t = strchr(text, '\t');
		f[i] = text;
		len[i] = (i < 6 && t) ? (size_t)(t - text) : strlen(text);
		if (i < 6) {
			if (!t)
				return wsb__error(WSB_EJOURNAL, "a journaled firewall rule is truncated");
			text = t + 1;
		}
	}
	out->protocol = atoi(f[0]);
	out->active = atoi(f[1]);
	dst[0] = &out->name;
	dst[1] = &out->remote_addresses;
	dst[2] = &out->remote_ports;
	dst[3] = &out->user_list;
	dst[4] = &out->description;
	for (i = 0; i < 5; i++)
		if (!(*dst[i] = wsb__strndup(f[i + 2], len[i + 2]))) {
			wsb__fw_rule_dispose(out);
			return wsb__error_nomem();
		}
	return WSB_OK;
}

/* ---- COM ---- */

struct wsb__fw {
	INetFwPolicy2 *policy;
	INetFwRules *rules;
	int co_init;
};

static int hr_fail(int code, const char *call, HRESULT hr, const char *what)
{
	return wsb__error_os(code, (long)hr, "firewall: %s failed (0x%08lx): %s", call,
		(unsigned long)hr, what);
}

static BSTR bstr(const char *s, int *rc)
{
	wchar_t *w = NULL;
	BSTR b = NULL;

	if ((*rc = wsb__el_wide(&w, s)) != WSB_OK)
		return NULL;
	if (!(b = WSB_OS(SysAllocString)(w)))
		*rc = wsb__error_nomem();
	wsb__free(w);
	return b;
}

static int from_bstr(char **out, BSTR b)
{
	int rc;

	if (!b)
		return (*out = wsb__strdup("*")) ? WSB_OK : wsb__error_nomem();
	rc = wsb__el_narrow(out, b);
	return rc;
}

int wsb__fw_open(wsb__fw **out)
{
	wsb__fw *fw;
	HRESULT hr;
	int rc = WSB_OK;

	*out = NULL;
	if (!(fw = wsb__calloc(1, sizeof(*fw))))
		return wsb__error_nomem();
	hr = WSB_OS(CoInitializeEx)(NULL, COINIT_APARTMENTTHREADED);
	if (SUCCEEDED(hr))
		fw->co_init = 1;
	else if (hr != RPC_E_CHANGED_MODE) {
		wsb__free(fw);
		return hr_fail(WSB_EOS, "CoInitializeEx", hr, "starting COM");
	}
	hr = WSB_OS(CoCreateInstance)(&CLSID_NetFwPolicy2, NULL, CLSCTX_INPROC_SERVER,
		&IID_INetFwPolicy2, (void **)&fw->policy);
	if (FAILED(hr) || !fw->policy) {
		fw->policy = NULL;
		rc = hr_fail(WSB_EUNAVAIL, "CoCreateInstance(NetFwPolicy2)", hr,
			"the Windows Firewall policy is not available");
	} else if (FAILED(hr = fw->policy->lpVtbl->get_Rules(fw->policy, &fw->rules)) || !fw->rules) {
		fw->rules = NULL;
		rc = hr_fail(WSB_EUNAVAIL, "INetFwPolicy2::get_Rules", hr, "the firewall rule collection");
	}
	if (rc != WSB_OK)
		wsb__fw_close(fw);
	else
		*out = fw;
	return rc;
}

void wsb__fw_close(wsb__fw *fw)
{
	if (!fw)
		return;
	if (fw->rules)
		fw->rules->lpVtbl->Release(fw->rules);
	if (fw->policy)
		fw->policy->lpVtbl->Release(fw->policy);
	if (fw->co_init)
		WSB_OS(CoUninitialize)();
	wsb__free(fw);
}

int wsb__fw_preflight(wsb__fw *fw)
{
	NET_FW_MODIFY_STATE state = NET_FW_MODIFY_STATE_OK;
	HRESULT hr = fw->policy->lpVtbl->get_LocalPolicyModifyState(fw->policy, &state);

	if (FAILED(hr))
		return hr_fail(WSB_EUNAVAIL, "INetFwPolicy2::get_LocalPolicyModifyState", hr,
			"cannot tell whether local firewall rules take effect");
	if (state == NET_FW_MODIFY_STATE_GP_OVERRIDE)
		return wsb__error(WSB_EGROUPPOLICY, "firewall: group policy overrides local firewall rules, "
			"so the offline user's block rules would not take effect; ask the administrator of "
			"the policy to allow local rules (LocalPolicyModifyState = GP_OVERRIDE)");
	return WSB_OK;
}

static int is_not_found(HRESULT hr)
{
	return hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) || hr == HRESULT_FROM_WIN32(ERROR_NOT_FOUND);
}

int wsb__fw_get(wsb__fw_rule *out, int *out_found, wsb__fw *fw, const char *name)
{
	INetFwRule *rule = NULL;
	INetFwRule3 *r3 = NULL;
	BSTR b = NULL, s = NULL;
	NET_FW_RULE_DIRECTION dir = NET_FW_RULE_DIR_IN;
	NET_FW_ACTION act = NET_FW_ACTION_ALLOW;
	VARIANT_BOOL en = VARIANT_FALSE;
	LONG proto = 0, prof = 0;
	HRESULT hr;
	int rc = WSB_OK;

	memset(out, 0, sizeof(*out));
	*out_found = 0;
	if (!(b = bstr(name, &rc)))
		return rc;
	hr = fw->rules->lpVtbl->Item(fw->rules, b, &rule);
	WSB_OS(SysFreeString)(b);
	if (is_not_found(hr))
		return WSB_OK;
	if (FAILED(hr) || !rule)
		return hr_fail(WSB_EOS, "INetFwRules::Item", hr, name);
	*out_found = 1;
	hr = rule->lpVtbl->QueryInterface(rule, &IID_INetFwRule3, (void **)&r3);
	if (FAILED(hr) || !r3) {
		r3 = NULL;
		rc = hr_fail(WSB_EUNAVAIL, "QueryInterface(INetFwRule3)", hr,
			"per-user firewall rules need Windows 10 1607 or later");
		goto done;
	}
#define GET_STR(method, field) \
	do { \
		s = NULL; \
		if (FAILED(hr = r3->lpVtbl->method(r3, &s))) { \
			rc = hr_fail(WSB_EOS, "INetFwRule3::" #method, hr, name); \
			goto done; \
		} \
		rc = from_bstr(&out->field, s); \
		WSB_OS(SysFreeString)(s); \
		if (rc != WSB_OK) \
			goto done; \
	} while (0)
	GET_STR(get_Name, name);
	GET_STR(get_Description, description);
	GET_STR(get_RemoteAddresses, remote_addresses);
	GET_STR(get_RemotePorts, remote_ports);
	GET_STR(get_LocalUserAuthorizedList, user_list);
#undef GET_STR
	if (FAILED(hr = r3->lpVtbl->get_Protocol(r3, &proto)) ||
			FAILED(hr = r3->lpVtbl->get_Direction(r3, &dir)) ||
			FAILED(hr = r3->lpVtbl->get_Action(r3, &act)) ||
			FAILED(hr = r3->lpVtbl->get_Enabled(r3, &en)) ||
			FAILED(hr = r3->lpVtbl->get_Profiles(r3, &prof))) {
		rc = hr_fail(WSB_EOS, "INetFwRule3::get_*", hr, name);
		goto done;
	}
	out->protocol = (int)proto;
	out->active = dir == NET_FW_RULE_DIR_OUT && act == NET_FW_ACTION_BLOCK && en != VARIANT_FALSE &&
		(prof & 7) == 7;
done:
	if (r3)
		r3->lpVtbl->Release(r3);
	rule->lpVtbl->Release(rule);
	if (rc != WSB_OK)
		wsb__fw_rule_dispose(out);
	return rc;
}

int wsb__fw_add(wsb__fw *fw, const wsb__fw_rule *r)
{
	INetFwRule3 *r3 = NULL;
	BSTR b = NULL;
	HRESULT hr;
	int rc = WSB_OK;

	hr = WSB_OS(CoCreateInstance)(&CLSID_NetFwRule, NULL, CLSCTX_INPROC_SERVER, &IID_INetFwRule3,
		(void **)&r3);
	if (FAILED(hr) || !r3)
		return hr_fail(WSB_EUNAVAIL, "CoCreateInstance(NetFwRule, INetFwRule3)", hr,
			"per-user firewall rules need Windows 10 1607 or later");
#define PUT_STR(method, value) \
	do { \
		if (!(b = bstr(value, &rc))) \
			goto done; \
		hr = r3->lpVtbl->method(r3, b); \
		WSB_OS(SysFreeString)(b); \
		if (FAILED(hr)) { \
			rc = hr_fail(WSB_EOS, "INetFwRule3::" #method, hr, r->name); \
			goto done; \
		} \
	} while (0)
	PUT_STR(put_Name, r->name);
	PUT_STR(put_Description, r->description);
	PUT_STR(put_Grouping, "libwsandbox");
	if (FAILED(hr = r3->lpVtbl->put_Protocol(r3, r->protocol)) ||
			FAILED(hr = r3->lpVtbl->put_Direction(r3, NET_FW_RULE_DIR_OUT)) ||
			FAILED(hr = r3->lpVtbl->put_Action(r3, NET_FW_ACTION_BLOCK)) ||
			FAILED(hr = r3->lpVtbl->put_Profiles(r3, NET_FW_PROFILE2_ALL))) {
		rc = hr_fail(WSB_EOS, "INetFwRule3::put_*", hr, r->name);
		goto done;
	}
	PUT_STR(put_RemoteAddresses, r->remote_addresses);
	if (r->protocol == PROTO_TCP || r->protocol == PROTO_UDP)
		PUT_STR(put_RemotePorts, r->remote_ports);
	PUT_STR(put_LocalUserAuthorizedList, r->user_list);
#undef PUT_STR
	if (FAILED(hr = r3->lpVtbl->put_Enabled(r3, VARIANT_TRUE))) {
		rc = hr_fail(WSB_EOS, "INetFwRule3::put_Enabled", hr, r->name);
		goto done;
	}
	if (FAILED(hr = fw->rules->lpVtbl->Add(fw->rules, (INetFwRule *)r3)))
		rc = hr_fail(hr == E_ACCESSDENIED ? WSB_ENOTELEVATED : WSB_EOS, "INetFwRules::Add", hr, r->name);
done:
	r3->lpVtbl->Release(r3);
	return rc;
}

int wsb__fw_remove(wsb__fw *fw, const char *name)
{
	BSTR b;
	HRESULT hr;
	int rc = WSB_OK;

	if (!(b = bstr(name, &rc)))
		return rc;
	hr = fw->rules->lpVtbl->Remove(fw->rules, b);
	WSB_OS(SysFreeString)(b);
	if (FAILED(hr) && !is_not_found(hr))
		return hr_fail(hr == E_ACCESSDENIED ? WSB_ENOTELEVATED : WSB_EOS, "INetFwRules::Remove", hr, name);
	return WSB_OK;
}

int wsb__fw_verify(wsb__fw *fw, const wsb__fw_ruleset *set)
{
	wsb__fw_rule got;
	size_t i;
	int found = 0, rc;

	for (i = 0; i < set->count; i++) {
		if ((rc = wsb__fw_get(&got, &found, fw, set->rules[i].name)) != WSB_OK)
			return rc;
		if (!found)
			return wsb__error(WSB_EUNAVAIL, "firewall: the rule \"%s\" was added but does not read "
				"back: the firewall did not store it, so the offline user would not be blocked",
				set->rules[i].name);
		rc = wsb__fw_rule_equal(&got, &set->rules[i]);
		wsb__fw_rule_dispose(&got);
		if (!rc)
			return wsb__error(WSB_EUNAVAIL, "firewall: the rule \"%s\" reads back different from "
				"what was written", set->rules[i].name);
	}
	return WSB_OK;
}
