/*
 * Tokens and the access check.
 *
 * The DACL walk follows MS-DTYP 2.5.3.2: ACEs in order, inherit-only ACEs
 * skipped, an allow ACE grants the bits no earlier ACE denied, a deny ACE
 * denies the bits no earlier ACE granted. Computing the whole grantable set
 * (the MAXIMUM_ALLOWED mode) and then testing the request against it gives
 * the same verdict as the early-exit form, so one walk serves both.
 *
 * Added from the Win32 documentation: SID attributes (enabled, deny-only),
 * OWNER RIGHTS suppressing the owner's implicit READ_CONTROL|WRITE_DAC,
 * restricted tokens (a second walk with only the restricting SIDs, both must
 * grant), WRITE_RESTRICTED (the second walk constrains only write rights),
 * privileges (backup/restore with backup intent, take-ownership, security),
 * and mandatory integrity control (no-write-up and friends).
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

int wm_token_init(wm_token *t, const wm_sid *user)
{
	memset(t, 0, sizeof(*t));
	t->user.sid = *user;
	t->privileges = WM_PRIV_CHANGE_NOTIFY;
	t->integrity = WM_IL_MEDIUM;
	t->mandatory_policy = WM_TOKEN_MANDATORY_POLICY_NO_WRITE_UP;
	t->owner = *user;
	t->primary_group = *user;
	return WM_OK;
}

int wm_token_add_group(wm_token *t, const wm_sid *sid, uint32_t attrs)
{
	wm_sid_attr *n = realloc(t->groups, (t->group_count + 1) * sizeof(*n));

	if (!n) return WM_E_NOMEM;
	t->groups = n;
	n[t->group_count].sid = *sid;
	n[t->group_count].attrs = attrs;
	t->group_count++;
	return WM_OK;
}

int wm_token_add_restricted(wm_token *t, const wm_sid *sid)
{
	wm_sid *n = realloc(t->restricted, (t->restricted_count + 1) * sizeof(*n));

	if (!n) return WM_E_NOMEM;
	t->restricted = n;
	n[t->restricted_count++] = *sid;
	return WM_OK;
}

void wm_token_dispose(wm_token *t)
{
	free(t->groups);
	free(t->restricted);
	wm_acl_dispose(&t->default_dacl);
	memset(t, 0, sizeof(*t));
}

int wm_token_copy(wm_token *out, const wm_token *in)
{
	wm_token n = *in;

	n.groups = NULL;
	n.restricted = NULL;
	memset(&n.default_dacl, 0, sizeof(n.default_dacl));
	if (in->group_count) {
		n.groups = malloc(in->group_count * sizeof(*n.groups));
		if (!n.groups) goto oom;
		memcpy(n.groups, in->groups, in->group_count * sizeof(*n.groups));
	}
	if (in->restricted_count) {
		n.restricted = malloc(in->restricted_count * sizeof(*n.restricted));
		if (!n.restricted) goto oom;
		memcpy(n.restricted, in->restricted, in->restricted_count * sizeof(*n.restricted));
	}
	if (wm_acl_copy(&n.default_dacl, &in->default_dacl)) goto oom;
	*out = n;
	return WM_OK;
oom:
	free(n.groups);
	free(n.restricted);
	return WM_E_NOMEM;
}

/* Does a SID of this token match an ACE? for_deny: the ACE is a deny ACE,
 * which deny-only SIDs also match (docs: "SID Attributes in an Access
 * Token"). A SID neither enabled nor deny-only is ignored. */
static int normal_has(const wm_token *t, const wm_sid *s, int for_deny)
{
	size_t i;

	if (wm_sid_equal(&t->user.sid, s))
		return !(t->user.attrs & WM_SE_GROUP_USE_FOR_DENY_ONLY) || for_deny;
	for (i = 0; i < t->group_count; i++) {
		if (!wm_sid_equal(&t->groups[i].sid, s)) continue;
		if (t->groups[i].attrs & WM_SE_GROUP_USE_FOR_DENY_ONLY) return for_deny;
		if (t->groups[i].attrs & WM_SE_GROUP_ENABLED) return 1;
	}
	return 0;
}

static int restricted_has(const wm_token *t, const wm_sid *s)
{
	size_t i;

	for (i = 0; i < t->restricted_count; i++)
		if (wm_sid_equal(&t->restricted[i], s)) return 1;
	return 0;
}

static int pass_has(const wm_token *t, int restricted, const wm_sid *s, int for_deny)
{
	return restricted ? restricted_has(t, s) : normal_has(t, s, for_deny);
}

static int dacl_is_null(const wm_sd *sd)
{
	return !(sd->control & WM_SE_DACL_PRESENT) || (sd->dacl.revision == 0 && sd->dacl.count == 0);
}

/* One DACL walk: the set of rights this view of the token may get. */
static uint32_t dacl_grants(const wm_sd *sd, const wm_token *t, int restricted)
{
	static wm_sid owner_rights;
	uint32_t granted = 0, denied = 0;
	int owner, has_owner_rights = 0;
	size_t i;

	if (!owner_rights.revision) owner_rights = wm_sid_of(WM_SID_OWNER_RIGHTS);
	/* The owner is matched against enabled SIDs only. */
	owner = sd->has_owner && pass_has(t, restricted, &sd->owner, 0);
	for (i = 0; i < sd->dacl.count; i++) {
		const wm_ace *a = &sd->dacl.aces[i];
		if (!(a->flags & WM_IO) && (a->type == WM_ACE_ALLOWED || a->type == WM_ACE_DENIED)
			&& wm_sid_equal(&a->sid, &owner_rights))
			has_owner_rights = 1;
	}
	if (owner && !has_owner_rights) granted = WM_READ_CONTROL | WM_WRITE_DAC;
	for (i = 0; i < sd->dacl.count; i++) {
		const wm_ace *a = &sd->dacl.aces[i];
		int match;

		if (a->flags & WM_IO) continue;
		if (a->type != WM_ACE_ALLOWED && a->type != WM_ACE_DENIED) continue;
		if (wm_sid_equal(&a->sid, &owner_rights))
			match = owner;
		else
			match = pass_has(t, restricted, &a->sid, a->type == WM_ACE_DENIED);
		if (!match) continue;
		if (a->type == WM_ACE_ALLOWED) granted |= a->mask & ~denied;
		else denied |= a->mask & ~granted;
	}
	return granted;
}

uint32_t wm_sd_integrity(const wm_sd *sd, uint32_t *policy)
{
	size_t i;

	if (sd->control & WM_SE_SACL_PRESENT) {
		for (i = 0; i < sd->sacl.count; i++) {
			const wm_ace *a = &sd->sacl.aces[i];
			static const uint8_t mandatory[6] = { 0, 0, 0, 0, 0, 16 };
			if (a->type != WM_ACE_MANDATORY_LABEL || (a->flags & WM_IO)) continue;
			if (memcmp(a->sid.authority, mandatory, 6) || a->sid.sub_count != 1) continue;
			if (policy) *policy = a->mask;
			return a->sid.sub[0];
		}
	}
	/* No label: Medium, no-write-up (Mandatory Integrity Control docs). */
	if (policy) *policy = WM_NO_WRITE_UP;
	return WM_IL_MEDIUM;
}

int wm_access_check(uint32_t *granted, const wm_sd *sd, const wm_token *t,
	uint32_t desired, const wm_check *opts)
{
	const wm_generic_mapping *m = opts && opts->mapping ? opts->mapping : &wm_file_mapping;
	const uint32_t never_mic = WM_READ_CONTROL | WM_SYNCHRONIZE;
	uint32_t want, max, priv = 0, mic_denied = 0, g, obj_il, policy;

	*granted = 0;
	want = wm_map_generic(desired, m);
	max = want & WM_MAXIMUM_ALLOWED;
	want &= ~WM_MAXIMUM_ALLOWED;

	/* Privileges, each only when held and enabled. */
	if (want & WM_ACCESS_SYSTEM_SECURITY) {
		if (!(t->privileges & WM_PRIV_SECURITY)) return WM_E_ACCESS;
		priv |= WM_ACCESS_SYSTEM_SECURITY;
	}
	if (opts && opts->backup_intent && (t->privileges & WM_PRIV_BACKUP))
		priv |= WM_READ_CONTROL | WM_FILE_GENERIC_READ | WM_FILE_TRAVERSE;
	if (opts && opts->backup_intent && (t->privileges & WM_PRIV_RESTORE))
		priv |= WM_WRITE_DAC | WM_WRITE_OWNER | WM_FILE_GENERIC_WRITE | WM_FILE_ADD_FILE
			| WM_FILE_ADD_SUBDIRECTORY | WM_DELETE;
	if (t->privileges & WM_PRIV_TAKE_OWNERSHIP) priv |= WM_WRITE_OWNER;

	/* Mandatory integrity: a lower token loses the rights the label's
	 * policy names, whatever the DACL says. */
	obj_il = wm_sd_integrity(sd, &policy);
	if (t->integrity < obj_il) {
		if ((policy & WM_NO_WRITE_UP) && (t->mandatory_policy & WM_TOKEN_MANDATORY_POLICY_NO_WRITE_UP))
			mic_denied |= m->write | WM_DELETE | WM_WRITE_DAC | WM_WRITE_OWNER;
		if (policy & WM_NO_READ_UP) mic_denied |= m->read;
		if (policy & WM_NO_EXECUTE_UP) mic_denied |= m->execute;
		mic_denied &= ~never_mic;
	}

	if (dacl_is_null(sd)) {
		g = m->all | want;
	} else {
		g = dacl_grants(sd, t, 0);
		if (t->restricted_count) {
			uint32_t g2 = dacl_grants(sd, t, 1);
			if (t->write_restricted) {
				uint32_t w = opts && opts->write_restricted_mask ? opts->write_restricted_mask
					: m->write & ~(m->read | m->execute);
				g &= g2 | ~w;
			} else {
				g &= g2;
			}
		}
	}
	g |= priv;
	g &= ~mic_denied;

	if (want & ~g) return WM_E_ACCESS;
	if (max) {
		if (!g) return WM_E_ACCESS;
		*granted = g;
	} else {
		if (!want) return WM_E_ACCESS;
		*granted = want;
	}
	return WM_OK;
}
