/* ACEs, ACLs and self-relative security descriptors: the binary formats of
 * MS-DTYP 2.4.4 - 2.4.6 (all little-endian), and generic mapping. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

const wm_generic_mapping wm_file_mapping = {
	WM_FILE_GENERIC_READ, WM_FILE_GENERIC_WRITE, WM_FILE_GENERIC_EXECUTE, WM_FILE_ALL_ACCESS
};

uint32_t wm_map_generic(uint32_t mask, const wm_generic_mapping *m)
{
	uint32_t out = mask & ~(WM_GENERIC_READ | WM_GENERIC_WRITE | WM_GENERIC_EXECUTE | WM_GENERIC_ALL);

	if (mask & WM_GENERIC_READ) out |= m->read;
	if (mask & WM_GENERIC_WRITE) out |= m->write;
	if (mask & WM_GENERIC_EXECUTE) out |= m->execute;
	if (mask & WM_GENERIC_ALL) out |= m->all;
	return out;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* Types whose layout is header, mask, SID (MS-DTYP 2.4.4.2, .4, .13). */
static int simple_type(uint8_t type)
{
	return type == WM_ACE_ALLOWED || type == WM_ACE_DENIED || type == WM_ACE_MANDATORY_LABEL;
}

static size_t ace_size(const wm_ace *a)
{
	if (!simple_type(a->type)) return 4 + (size_t)a->raw_len;
	return 8 + wm_sid_size(&a->sid) + a->raw_len;
}

static int ace_copy(wm_ace *out, const wm_ace *in)
{
	*out = *in;
	out->raw = NULL;
	if (in->raw_len) {
		out->raw = malloc(in->raw_len);
		if (!out->raw) return WM_E_NOMEM;
		memcpy(out->raw, in->raw, in->raw_len);
	}
	return WM_OK;
}

static int acl_push(wm_acl *acl, const wm_ace *ace)
{
	wm_ace *n = realloc(acl->aces, (acl->count + 1) * sizeof(*n));

	if (!n) return WM_E_NOMEM;
	acl->aces = n;
	if (ace_copy(&acl->aces[acl->count], ace)) return WM_E_NOMEM;
	acl->count++;
	return WM_OK;
}

int wm_acl_add(wm_acl *acl, uint8_t type, uint8_t flags, uint32_t mask, const wm_sid *sid)
{
	wm_ace a;

	if (!simple_type(type)) return WM_E_INVALID;
	memset(&a, 0, sizeof(a));
	a.type = type;
	a.flags = flags;
	a.mask = mask;
	a.sid = *sid;
	if (!acl->revision) acl->revision = 2;
	return acl_push(acl, &a);
}

void wm_acl_dispose(wm_acl *acl)
{
	size_t i;

	for (i = 0; i < acl->count; i++) free(acl->aces[i].raw);
	free(acl->aces);
	memset(acl, 0, sizeof(*acl));
}

int wm_acl_copy(wm_acl *out, const wm_acl *in)
{
	wm_acl n;
	size_t i;

	memset(&n, 0, sizeof(n));
	n.revision = in->revision;
	for (i = 0; i < in->count; i++) {
		if (acl_push(&n, &in->aces[i])) {
			wm_acl_dispose(&n);
			return WM_E_NOMEM;
		}
	}
	*out = n;
	return WM_OK;
}

size_t wm_acl_size(const wm_acl *acl)
{
	size_t n = 8, i;

	for (i = 0; i < acl->count; i++) n += ace_size(&acl->aces[i]);
	return n;
}

int wm_acl_from_bin(wm_acl *out, const uint8_t *p, size_t len)
{
	wm_acl acl;
	size_t size, count, off = 8, i;

	memset(&acl, 0, sizeof(acl));
	if (len < 8) return WM_E_INVALID;
	size = get16(p + 2);
	count = get16(p + 4);
	if (p[0] < 2 || p[0] > 4 || size < 8 || size > len) return WM_E_INVALID;
	acl.revision = p[0];
	for (i = 0; i < count; i++) {
		wm_ace a;
		size_t asz, used;

		memset(&a, 0, sizeof(a));
		if (off + 4 > size) goto bad;
		a.type = p[off];
		a.flags = p[off + 1];
		asz = get16(p + off + 2);
		if (asz < 4 || asz % 4 || off + asz > size) goto bad;
		if (simple_type(a.type)) {
			if (asz < 8 + 8) goto bad;
			a.mask = get32(p + off + 4);
			if (wm_sid_from_bin(&a.sid, p + off + 8, asz - 8, &used)) goto bad;
			a.raw_len = (uint16_t)(asz - 8 - used);
			a.raw = (uint8_t *)(p + off + 8 + used);
		} else {
			a.raw_len = (uint16_t)(asz - 4);
			a.raw = (uint8_t *)(p + off + 4);
		}
		if (acl_push(&acl, &a)) {
			wm_acl_dispose(&acl);
			return WM_E_NOMEM;
		}
		off += asz;
	}
	*out = acl;
	return WM_OK;
bad:
	wm_acl_dispose(&acl);
	return WM_E_INVALID;
}

void wm_acl_to_bin(const wm_acl *acl, uint8_t *p)
{
	size_t off = 8, i;

	p[0] = acl->revision ? acl->revision : 2;
	p[1] = 0;
	put16(p + 2, (uint16_t)wm_acl_size(acl));
	put16(p + 4, (uint16_t)acl->count);
	put16(p + 6, 0);
	for (i = 0; i < acl->count; i++) {
		const wm_ace *a = &acl->aces[i];
		size_t asz = ace_size(a);

		p[off] = a->type;
		p[off + 1] = a->flags;
		put16(p + off + 2, (uint16_t)asz);
		if (simple_type(a->type)) {
			put32(p + off + 4, a->mask);
			wm_sid_to_bin(&a->sid, p + off + 8);
			if (a->raw_len) memcpy(p + off + 8 + wm_sid_size(&a->sid), a->raw, a->raw_len);
		} else if (a->raw_len) {
			memcpy(p + off + 4, a->raw, a->raw_len);
		}
		off += asz;
	}
}

void wm_sd_init(wm_sd *sd)
{
	memset(sd, 0, sizeof(*sd));
}

void wm_sd_dispose(wm_sd *sd)
{
	wm_acl_dispose(&sd->dacl);
	wm_acl_dispose(&sd->sacl);
	memset(sd, 0, sizeof(*sd));
}

int wm_sd_copy(wm_sd *out, const wm_sd *in)
{
	wm_sd n = *in;

	memset(&n.dacl, 0, sizeof(n.dacl));
	memset(&n.sacl, 0, sizeof(n.sacl));
	if (wm_acl_copy(&n.dacl, &in->dacl)) return WM_E_NOMEM;
	if (wm_acl_copy(&n.sacl, &in->sacl)) {
		wm_acl_dispose(&n.dacl);
		return WM_E_NOMEM;
	}
	*out = n;
	return WM_OK;
}

int wm_sd_from_bin(wm_sd *out, const uint8_t *p, size_t len)
{
	wm_sd sd;
	uint32_t off_owner, off_group, off_sacl, off_dacl;

	wm_sd_init(&sd);
	if (len < 20 || p[0] != 1) return WM_E_INVALID;
	sd.control = get16(p + 2);
	if (!(sd.control & WM_SE_SELF_RELATIVE)) return WM_E_INVALID;
	off_owner = get32(p + 4);
	off_group = get32(p + 8);
	off_sacl = get32(p + 12);
	off_dacl = get32(p + 16);
	if (off_owner) {
		if (off_owner >= len || wm_sid_from_bin(&sd.owner, p + off_owner, len - off_owner, NULL))
			return WM_E_INVALID;
		sd.has_owner = 1;
	}
	if (off_group) {
		if (off_group >= len || wm_sid_from_bin(&sd.group, p + off_group, len - off_group, NULL))
			return WM_E_INVALID;
		sd.has_group = 1;
	}
	/* A present ACL with offset 0 is a NULL ACL (MS-DTYP 2.4.6). */
	if ((sd.control & WM_SE_SACL_PRESENT) && off_sacl) {
		if (off_sacl >= len || wm_acl_from_bin(&sd.sacl, p + off_sacl, len - off_sacl))
			return WM_E_INVALID;
	}
	if ((sd.control & WM_SE_DACL_PRESENT) && off_dacl) {
		if (off_dacl >= len || wm_acl_from_bin(&sd.dacl, p + off_dacl, len - off_dacl)) {
			wm_acl_dispose(&sd.sacl);
			return WM_E_INVALID;
		}
	}
	*out = sd;
	return WM_OK;
}

/* A present DACL is NULL when it was never given a revision: the parser and
 * SDDL leave revision 0 for "D:NO_ACCESS_CONTROL"-style NULL DACLs. */
static int acl_is_null(const wm_acl *acl)
{
	return acl->revision == 0 && acl->count == 0;
}

int wm_sd_to_bin(uint8_t **out, size_t *out_len, const wm_sd *sd)
{
	size_t n = 20, o_owner = 0, o_group = 0, o_sacl = 0, o_dacl = 0;
	int sacl = (sd->control & WM_SE_SACL_PRESENT) && !acl_is_null(&sd->sacl);
	int dacl = (sd->control & WM_SE_DACL_PRESENT) && !acl_is_null(&sd->dacl);
	uint8_t *p;

	if (sd->has_owner) { o_owner = n; n += wm_sid_size(&sd->owner); }
	if (sd->has_group) { o_group = n; n += wm_sid_size(&sd->group); }
	if (sacl) { o_sacl = n; n += wm_acl_size(&sd->sacl); }
	if (dacl) { o_dacl = n; n += wm_acl_size(&sd->dacl); }
	p = calloc(1, n);
	if (!p) return WM_E_NOMEM;
	p[0] = 1;
	put16(p + 2, (uint16_t)(sd->control | WM_SE_SELF_RELATIVE));
	put32(p + 4, (uint32_t)o_owner);
	put32(p + 8, (uint32_t)o_group);
	put32(p + 12, (uint32_t)o_sacl);
	put32(p + 16, (uint32_t)o_dacl);
	if (o_owner) wm_sid_to_bin(&sd->owner, p + o_owner);
	if (o_group) wm_sid_to_bin(&sd->group, p + o_group);
	if (o_sacl) wm_acl_to_bin(&sd->sacl, p + o_sacl);
	if (o_dacl) wm_acl_to_bin(&sd->dacl, p + o_dacl);
	*out = p;
	*out_len = n;
	return WM_OK;
}

/* ---- SDDL subset ---- */

static const struct { const char *name; uint32_t mask; } rights[] = {
	{ "GA", WM_GENERIC_ALL }, { "GR", WM_GENERIC_READ }, { "GW", WM_GENERIC_WRITE },
	{ "GX", WM_GENERIC_EXECUTE }, { "FA", WM_FILE_ALL_ACCESS }, { "FR", WM_FILE_GENERIC_READ },
	{ "FW", WM_FILE_GENERIC_WRITE }, { "FX", WM_FILE_GENERIC_EXECUTE }, { "SD", WM_DELETE },
	{ "RC", WM_READ_CONTROL }, { "WD", WM_WRITE_DAC }, { "WO", WM_WRITE_OWNER },
	{ "CC", 0x1 }, { "DC", 0x2 }, { "LC", 0x4 }, { "SW", 0x8 }, { "RP", 0x10 },
	{ "WP", 0x20 }, { "DT", 0x40 }, { "LO", 0x80 }, { "CR", 0x100 },
	{ "NW", WM_NO_WRITE_UP }, { "NR", WM_NO_READ_UP }, { "NX", WM_NO_EXECUTE_UP },
};

static const struct { const char *name; uint8_t flag; } aceflags[] = {
	{ "OI", WM_OI }, { "CI", WM_CI }, { "NP", WM_NP }, { "IO", WM_IO }, { "ID", WM_ID },
};

/* Copy the field up to the next ';' (or ')') into buf. */
static int field(const char **pp, char *buf, size_t n, char end)
{
	size_t i = 0;
	const char *p = *pp;

	while (*p && *p != end) {
		if (i + 1 >= n) return WM_E_INVALID;
		buf[i++] = *p++;
	}
	if (*p != end) return WM_E_INVALID;
	buf[i] = 0;
	*pp = p + 1;
	return WM_OK;
}

static int parse_ace(wm_acl *acl, const char **pp)
{
	char type[4], flags[32], mask[64], guid[64], iguid[64], sid[200];
	uint8_t t, f = 0;
	uint32_t m = 0;
	const char *q;
	wm_sid s;
	size_t i;

	if (field(pp, type, sizeof(type), ';') || field(pp, flags, sizeof(flags), ';')
		|| field(pp, mask, sizeof(mask), ';') || field(pp, guid, sizeof(guid), ';')
		|| field(pp, iguid, sizeof(iguid), ';') || field(pp, sid, sizeof(sid), ')'))
		return WM_E_INVALID;
	if (guid[0] || iguid[0]) return WM_E_INVALID;
	if (strcmp(type, "A") == 0) t = WM_ACE_ALLOWED;
	else if (strcmp(type, "D") == 0) t = WM_ACE_DENIED;
	else if (strcmp(type, "ML") == 0) t = WM_ACE_MANDATORY_LABEL;
	else return WM_E_INVALID;
	for (q = flags; *q; q += 2) {
		for (i = 0; i < sizeof(aceflags) / sizeof(aceflags[0]); i++)
			if (strncmp(q, aceflags[i].name, 2) == 0) break;
		if (i == sizeof(aceflags) / sizeof(aceflags[0])) return WM_E_INVALID;
		f |= aceflags[i].flag;
	}
	if (mask[0] == '0' && (mask[1] == 'x' || mask[1] == 'X')) {
		char *end;
		m = (uint32_t)strtoul(mask + 2, &end, 16);
		if (*end || !mask[2]) return WM_E_INVALID;
	} else {
		for (q = mask; *q; q += 2) {
			for (i = 0; i < sizeof(rights) / sizeof(rights[0]); i++)
				if (strncmp(q, rights[i].name, 2) == 0) break;
			if (i == sizeof(rights) / sizeof(rights[0])) return WM_E_INVALID;
			m |= rights[i].mask;
		}
	}
	if (wm_sid_parse(&s, sid)) return WM_E_INVALID;
	return wm_acl_add(acl, t, f, m, &s);
}

static int parse_acl(wm_sd *sd, wm_acl *acl, uint16_t present, uint16_t prot,
	uint16_t autoinh, const char **pp)
{
	const char *p = *pp;

	sd->control |= present;
	for (;;) {
		if (p[0] == 'P' && p[1] != ':') { sd->control |= prot; p++; }
		else if (p[0] == 'A' && p[1] == 'I') { sd->control |= autoinh; p += 2; }
		else break;
	}
	if (strncmp(p, "NO_ACCESS_CONTROL", 17) == 0) {
		*pp = p + 17;
		return WM_OK;   /* NULL ACL */
	}
	acl->revision = 2;
	while (*p == '(') {
		p++;
		if (parse_ace(acl, &p)) return WM_E_INVALID;
	}
	*pp = p;
	return WM_OK;
}

int wm_sd_from_sddl(wm_sd *out, const char *sddl)
{
	wm_sd sd;
	const char *p = sddl;
	char buf[200];

	wm_sd_init(&sd);
	while (*p) {
		char part = p[0];
		size_t i = 0;

		if (p[1] != ':') goto bad;
		p += 2;
		if (part == 'O' || part == 'G') {
			wm_sid *dst = part == 'O' ? &sd.owner : &sd.group;
			/* The SID runs to the next "X:" part. */
			while (*p && !(p[1] == ':' && (p[0] == 'G' || p[0] == 'D' || p[0] == 'S' || p[0] == 'O'))) {
				if (i + 1 >= sizeof(buf)) goto bad;
				buf[i++] = *p++;
			}
			buf[i] = 0;
			if (wm_sid_parse(dst, buf)) goto bad;
			if (part == 'O') sd.has_owner = 1; else sd.has_group = 1;
		} else if (part == 'D') {
			if (parse_acl(&sd, &sd.dacl, WM_SE_DACL_PRESENT, WM_SE_DACL_PROTECTED,
				WM_SE_DACL_AUTO_INHERITED, &p)) goto bad;
		} else if (part == 'S') {
			if (parse_acl(&sd, &sd.sacl, WM_SE_SACL_PRESENT, WM_SE_SACL_PROTECTED,
				WM_SE_SACL_AUTO_INHERITED, &p)) goto bad;
		} else {
			goto bad;
		}
	}
	*out = sd;
	return WM_OK;
bad:
	wm_sd_dispose(&sd);
	return WM_E_INVALID;
}
