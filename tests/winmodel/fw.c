/*
 * Windows Firewall rule evaluation, from the INetFwRule / INetFwRule3 docs
 * (RemoteAddresses, LocalPorts, LocalUserAuthorizedList as SDDL granting the
 * right "CC") and "Windows Firewall rule precedence": a matching block rule
 * wins over matching allow rules (authenticated-bypass rules are not
 * modelled); with no match the profile default applies (outbound allow,
 * inbound block). Loopback traffic is matched like any other address.
 */
#include "model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct addr {
	int family;        /* 4 or 6 */
	uint8_t b[16];
} addr;

typedef struct arange {
	addr lo, hi;
} arange;

typedef struct prange {
	unsigned lo, hi;
} prange;

typedef struct rule {
	char *name;
	int enabled, direction, action, protocol;
	arange *laddr, *raddr;     /* NULL = any */
	size_t nladdr, nraddr;
	prange *lport, *rport;
	size_t nlport, nrport;
	int has_lual;
	wm_sd lual;
} rule;

struct wm_fw {
	rule *rules;
	size_t n;
};

static int parse_v4(const char *s, size_t len, addr *a)
{
	unsigned part = 0, n = 0, digits = 0;
	size_t i;

	memset(a, 0, sizeof(*a));
	a->family = 4;
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (!digits || part > 255 || n == 4) return WM_E_INVALID;
			a->b[n++] = (uint8_t)part;
			part = 0;
			digits = 0;
		} else if (isdigit((unsigned char)s[i]) && digits < 3) {
			part = part * 10 + (unsigned)(s[i] - '0');
			digits++;
		} else {
			return WM_E_INVALID;
		}
	}
	return n == 4 ? WM_OK : WM_E_INVALID;
}

static int parse_v6(const char *s, size_t len, addr *a)
{
	uint16_t head[8], tail[8];
	size_t nh = 0, nt = 0, i = 0;
	int gap = 0;

	memset(a, 0, sizeof(*a));
	a->family = 6;
	if (len >= 2 && s[0] == ':' && s[1] == ':') { gap = 1; i = 2; }
	while (i < len) {
		unsigned v = 0, d = 0;
		while (i < len && isxdigit((unsigned char)s[i]) && d < 4) {
			v = v * 16 + (unsigned)(isdigit((unsigned char)s[i]) ? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10);
			i++;
			d++;
		}
		if (!d) return WM_E_INVALID;
		if (gap) { if (nt == 8) return WM_E_INVALID; tail[nt++] = (uint16_t)v; }
		else { if (nh == 8) return WM_E_INVALID; head[nh++] = (uint16_t)v; }
		if (i == len) break;
		if (s[i] != ':') return WM_E_INVALID;
		i++;
		if (i < len && s[i] == ':') {
			if (gap) return WM_E_INVALID;
			gap = 1;
			i++;
		} else if (i == len) {
			return WM_E_INVALID;
		}
	}
	if (nh + nt > 8 || (!gap && nh != 8) || (gap && nh + nt == 8)) return WM_E_INVALID;
	for (i = 0; i < nh; i++) { a->b[2 * i] = (uint8_t)(head[i] >> 8); a->b[2 * i + 1] = (uint8_t)head[i]; }
	for (i = 0; i < nt; i++) {
		size_t k = 8 - nt + i;
		a->b[2 * k] = (uint8_t)(tail[i] >> 8);
		a->b[2 * k + 1] = (uint8_t)tail[i];
	}
	return WM_OK;
}

static int parse_addr(const char *s, size_t len, addr *a)
{
	return memchr(s, ':', len) ? parse_v6(s, len, a) : parse_v4(s, len, a);
}

static int addr_cmp(const addr *x, const addr *y)
{
	return memcmp(x->b, y->b, x->family == 4 ? 4 : 16);
}

static int parse_arange(const char *s, size_t len, arange *r)
{
	const char *dash = memchr(s, '-', len), *slash = memchr(s, '/', len);

	if (dash) {
		if (parse_addr(s, (size_t)(dash - s), &r->lo) || parse_addr(dash + 1, len - (size_t)(dash - s) - 1, &r->hi))
			return WM_E_INVALID;
		if (r->lo.family != r->hi.family || addr_cmp(&r->lo, &r->hi) > 0) return WM_E_INVALID;
		return WM_OK;
	}
	if (slash) {
		char *end;
		char num[8];
		size_t nl = len - (size_t)(slash - s) - 1, bits, i, max;
		if (!nl || nl >= sizeof(num)) return WM_E_INVALID;
		memcpy(num, slash + 1, nl);
		num[nl] = 0;
		bits = strtoul(num, &end, 10);
		if (*end || parse_addr(s, (size_t)(slash - s), &r->lo)) return WM_E_INVALID;
		max = r->lo.family == 4 ? 32 : 128;
		if (bits > max) return WM_E_INVALID;
		r->hi = r->lo;
		for (i = bits; i < max; i++) {
			r->lo.b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
			r->hi.b[i / 8] |= (uint8_t)(0x80u >> (i % 8));
		}
		return WM_OK;
	}
	if (parse_addr(s, len, &r->lo)) return WM_E_INVALID;
	r->hi = r->lo;
	return WM_OK;
}

/* Split a comma list; "*" (or NULL) means any and leaves *out NULL. */
static int parse_alist(const char *text, arange **out, size_t *n)
{
	const char *p = text;

	*out = NULL;
	*n = 0;
	if (!text || strcmp(text, "*") == 0) return WM_OK;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		arange *g = realloc(*out, (*n + 1) * sizeof(*g));
		if (!g) return WM_E_NOMEM;
		*out = g;
		if (!len || parse_arange(p, len, &g[*n])) return WM_E_INVALID;
		(*n)++;
		p += len + (e ? 1 : 0);
		if (e && !*p) return WM_E_INVALID;
	}
	return *n ? WM_OK : WM_E_INVALID;
}

static int parse_plist(const char *text, prange **out, size_t *n)
{
	const char *p = text;

	*out = NULL;
	*n = 0;
	if (!text || strcmp(text, "*") == 0) return WM_OK;
	while (*p) {
		char *end;
		unsigned long lo, hi;
		prange *g = realloc(*out, (*n + 1) * sizeof(*g));

		if (!g) return WM_E_NOMEM;
		*out = g;
		if (!isdigit((unsigned char)*p)) return WM_E_INVALID;
		lo = hi = strtoul(p, &end, 10);
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1])) return WM_E_INVALID;
			hi = strtoul(end + 1, &end, 10);
		}
		if (lo > 65535 || hi > 65535 || lo > hi || (*end && *end != ',')) return WM_E_INVALID;
		g[*n].lo = (unsigned)lo;
		g[*n].hi = (unsigned)hi;
		(*n)++;
		p = *end ? end + 1 : end;
		if (*end && !*p) return WM_E_INVALID;
	}
	return *n ? WM_OK : WM_E_INVALID;
}

static void rule_dispose(rule *r)
{
	free(r->name);
	free(r->laddr);
	free(r->raddr);
	free(r->lport);
	free(r->rport);
	if (r->has_lual) wm_sd_dispose(&r->lual);
	memset(r, 0, sizeof(*r));
}

int wm_fw_create(wm_fw **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? WM_OK : WM_E_NOMEM;
}

void wm_fw_free(wm_fw *fw)
{
	size_t i;

	if (!fw) return;
	for (i = 0; i < fw->n; i++) rule_dispose(&fw->rules[i]);
	free(fw->rules);
	free(fw);
}

size_t wm_fw_count(const wm_fw *fw)
{
	return fw->n;
}

int wm_fw_remove(wm_fw *fw, const char *name)
{
	size_t i;

	for (i = 0; i < fw->n; i++) {
		if (strcmp(fw->rules[i].name, name) == 0) {
			rule_dispose(&fw->rules[i]);
			fw->rules[i] = fw->rules[--fw->n];
			return WM_OK;
		}
	}
	return WM_E_NOT_FOUND;
}

int wm_fw_add(wm_fw *fw, const wm_fw_rule *in)
{
	rule r;
	rule *g;
	size_t nlen;
	int rc = WM_E_INVALID;

	memset(&r, 0, sizeof(r));
	if (!in->name || (in->direction != WM_FW_IN && in->direction != WM_FW_OUT)
		|| (in->action != WM_FW_BLOCK && in->action != WM_FW_ALLOW)
		|| in->protocol < 0 || in->protocol > WM_PROTO_ANY)
		return WM_E_INVALID;
	/* Ports only exist for TCP and UDP (INetFwRule::LocalPorts). */
	if ((in->local_ports || in->remote_ports) && in->protocol != WM_PROTO_TCP && in->protocol != WM_PROTO_UDP
		&& !((!in->local_ports || !strcmp(in->local_ports, "*")) && (!in->remote_ports || !strcmp(in->remote_ports, "*"))))
		return WM_E_INVALID;
	r.enabled = in->enabled;
	r.direction = in->direction;
	r.action = in->action;
	r.protocol = in->protocol;
	nlen = strlen(in->name) + 1;
	if (!(r.name = malloc(nlen))) return WM_E_NOMEM;
	memcpy(r.name, in->name, nlen);
	if ((rc = parse_alist(in->local_addresses, &r.laddr, &r.nladdr))
		|| (rc = parse_alist(in->remote_addresses, &r.raddr, &r.nraddr))
		|| (rc = parse_plist(in->local_ports, &r.lport, &r.nlport))
		|| (rc = parse_plist(in->remote_ports, &r.rport, &r.nrport)))
		goto fail;
	if (in->local_user_authorized_list) {
		if ((rc = wm_sd_from_sddl(&r.lual, in->local_user_authorized_list))) goto fail;
		r.has_lual = 1;
	}
	wm_fw_remove(fw, in->name);
	g = realloc(fw->rules, (fw->n + 1) * sizeof(*g));
	if (!g) { rc = WM_E_NOMEM; goto fail; }
	fw->rules = g;
	g[fw->n++] = r;
	return WM_OK;
fail:
	rule_dispose(&r);
	return rc;
}

static int addr_in(const arange *list, size_t n, const addr *a)
{
	size_t i;

	if (!list) return 1;
	for (i = 0; i < n; i++)
		if (list[i].lo.family == a->family && addr_cmp(&list[i].lo, a) <= 0 && addr_cmp(a, &list[i].hi) <= 0)
			return 1;
	return 0;
}

static int port_in(const prange *list, size_t n, unsigned port)
{
	size_t i;

	if (!list) return 1;
	for (i = 0; i < n; i++)
		if (list[i].lo <= port && port <= list[i].hi) return 1;
	return 0;
}

static int rule_matches(const rule *r, const wm_fw_conn *c, const addr *la, const addr *ra)
{
	uint32_t g;

	if (!r->enabled || r->direction != c->direction) return 0;
	if (r->protocol != WM_PROTO_ANY && r->protocol != c->protocol) return 0;
	if (!addr_in(r->laddr, r->nladdr, la) || !addr_in(r->raddr, r->nraddr, ra)) return 0;
	if (r->nlport && !port_in(r->lport, r->nlport, c->local_port)) return 0;
	if (r->nrport && !port_in(r->rport, r->nrport, c->remote_port)) return 0;
	/* The rule applies to the users its SDDL grants CC to. */
	if (r->has_lual
		&& (!c->user || wm_access_check(&g, &r->lual, c->user, WM_ADS_RIGHT_DS_CREATE_CHILD, NULL) != WM_OK))
		return 0;
	return 1;
}

int wm_fw_verdict(const wm_fw *fw, const wm_fw_conn *c)
{
	addr la, ra;
	int allowed = 0;
	size_t i;

	if (parse_addr(c->local_address, strlen(c->local_address), &la)
		|| parse_addr(c->remote_address, strlen(c->remote_address), &ra))
		return WM_E_INVALID;
	for (i = 0; i < fw->n; i++) {
		if (!rule_matches(&fw->rules[i], c, &la, &ra)) continue;
		if (fw->rules[i].action == WM_FW_BLOCK) return WM_FW_BLOCK;
		allowed = 1;
	}
	if (allowed) return WM_FW_ALLOW;
	return c->direction == WM_FW_OUT ? WM_FW_ALLOW : WM_FW_BLOCK;
}
