/*
 * ACL rewriting: add or remove exactly one ACE, check before write. The new
 * DACL is the old one with the ACE inserted (deny: first; allow: after the
 * last explicit ACE, before inherited ones), so every ACE that was there
 * keeps its place; the owner is never part of what is written.
 * ACEs are handled as their SDDL text (what the journal records) and
 * compared byte for byte in binary form.
 */
#include "win32.h"

#include <stdio.h>
#include <string.h>

int wsb__ace_sddl(char **out, int deny, unsigned int mask, int inherit, const char *sid)
{
	wsb__buf b = WSB__BUF_INIT;

	if (wsb__buf_printf(&b, "(%s;%s;0x%x;;;%s)", deny ? "D" : "A", inherit ? "OICI" : "",
			mask, sid) != WSB_OK)
		return wsb__error_nomem();
	*out = wsb__buf_detach(&b);
	return WSB_OK;
}

int wsb__ace_from_sddl(void **out, const char *sddl)
{
	PSECURITY_DESCRIPTOR sd = NULL;
	BOOL present = FALSE, defaulted = FALSE;
	PACL dacl = NULL;
	void *ace = NULL;
	int rc;

	*out = NULL;
	if ((rc = wsb__w32_sd_from_sddl(&sd, "an ACE", "D:%s", sddl)) != WSB_OK)
		return rc;
	if (!GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) || !present || !dacl ||
			dacl->AceCount != 1 || !GetAce(dacl, 0, &ace)) {
		WSB_OS(LocalFree)(sd);
		return wsb__error(WSB_EINVAL, "not a single ACE: %s", sddl);
	}
	*out = wsb__malloc(((ACE_HEADER *)ace)->AceSize);
	if (*out)
		memcpy(*out, ace, ((ACE_HEADER *)ace)->AceSize);
	WSB_OS(LocalFree)(sd);
	return *out ? WSB_OK : wsb__error_nomem();
}

int wsb__acl_find(const ACL *acl, const void *ace)
{
	const ACE_HEADER *want = ace;
	DWORD i;

	if (!acl)
		return -1;
	for (i = 0; i < acl->AceCount; i++) {
		void *p;
		const ACE_HEADER *h;
		if (!GetAce((PACL)acl, i, &p))
			return -1;
		h = p;
		if (!(h->AceFlags & INHERITED_ACE) && h->AceSize == want->AceSize &&
				memcmp(h, want, want->AceSize) == 0)
			return (int)i;
	}
	return -1;
}

/* Byte offset (from the first ACE) of ACE index i; i == count gives the
 * end of the used part. */
static size_t ace_offset(const ACL *acl, DWORD i)
{
	const BYTE *base = (const BYTE *)acl + sizeof(ACL);
	const BYTE *p = base;
	DWORD k;

	for (k = 0; k < i; k++)
		p += ((const ACE_HEADER *)p)->AceSize;
	return (size_t)(p - base);
}

/* Build a new ACL from old's ACE bytes [0, cut) + mid + [skip, used). */
static int rebuild(PACL *out, const ACL *old, size_t cut, const void *mid, size_t mid_len, size_t skip)
{
	const BYTE *base = (const BYTE *)old + sizeof(ACL);
	size_t used = ace_offset(old, old->AceCount);
	size_t size = (sizeof(ACL) + (used - (skip - cut)) + mid_len + 3) & ~(size_t)3;
	DWORD rev = old->AclRevision < ACL_REVISION ? ACL_REVISION : old->AclRevision;
	PACL acl;

	*out = NULL;
	if (size > 0xFFFC)
		return wsb__error(WSB_ERANGE, "the DACL would exceed 64 KiB (%lu bytes)", (unsigned long)size);
	acl = wsb__malloc(size);
	if (!acl)
		return wsb__error_nomem();
	if (!WSB_OS(InitializeAcl)(acl, (DWORD)size, rev)) {
		DWORD err = GetLastError();
		wsb__free(acl);
		return wsb__w32_fail("InitializeAcl", err, "%lu bytes", (unsigned long)size);
	}
	if ((cut > 0 && !WSB_OS(AddAce)(acl, rev, MAXDWORD, (LPVOID)base, (DWORD)cut)) ||
			(mid_len > 0 && !WSB_OS(AddAce)(acl, rev, MAXDWORD, (LPVOID)mid, (DWORD)mid_len)) ||
			(used > skip && !WSB_OS(AddAce)(acl, rev, MAXDWORD, (LPVOID)(base + skip), (DWORD)(used - skip)))) {
		DWORD err = GetLastError();
		wsb__free(acl);
		return wsb__w32_fail("AddAce", err, "rebuilding a DACL");
	}
	*out = acl;
	return WSB_OK;
}

int wsb__acl_insert(PACL *out, const ACL *old, const void *ace)
{
	const ACE_HEADER *h = ace;
	DWORD pos = 0;

	if (h->AceType != ACCESS_DENIED_ACE_TYPE) {
		/* Allow ACEs go after the explicit ones, before inherited ones. */
		for (pos = 0; pos < old->AceCount; pos++) {
			void *p;
			if (!GetAce((PACL)old, pos, &p))
				return wsb__error(WSB_EOS, "GetAce failed on a DACL read back from Windows");
			if (((ACE_HEADER *)p)->AceFlags & INHERITED_ACE)
				break;
		}
	}
	{
		size_t off = ace_offset(old, pos);
		return rebuild(out, old, off, ace, h->AceSize, off);
	}
}

int wsb__acl_without(PACL *out, const ACL *old, const void *ace)
{
	int i = wsb__acl_find(old, ace);
	size_t off;

	*out = NULL;
	if (i < 0)
		return WSB_ENOENT;
	off = ace_offset(old, (DWORD)i);
	return rebuild(out, old, off, NULL, 0, off + ((const ACE_HEADER *)ace)->AceSize);
}

/* Read path's DACL (and its control bits). */
static int read_dacl(PACL *dacl, PSECURITY_DESCRIPTOR *sd, const wchar_t *w, const char *path)
{
	DWORD err = WSB_OS(GetNamedSecurityInfoW)(w, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION,
		NULL, NULL, dacl, NULL, sd);

	if (err != ERROR_SUCCESS) {
		*sd = NULL;
		return wsb__w32_fail("GetNamedSecurityInfoW", err, "reading the DACL of %s", path);
	}
	return WSB_OK;
}

static int write_dacl(const wchar_t *w, PSECURITY_DESCRIPTOR sd, PACL dacl, const char *path)
{
	SECURITY_DESCRIPTOR_CONTROL ctl = 0;
	DWORD rev = 0, err;
	SECURITY_INFORMATION si = DACL_SECURITY_INFORMATION;

	/* Keep the DACL's protection from inheritance as it was. */
	if (GetSecurityDescriptorControl(sd, &ctl, &rev) && (ctl & SE_DACL_PROTECTED))
		si |= PROTECTED_DACL_SECURITY_INFORMATION;
	else
		si |= UNPROTECTED_DACL_SECURITY_INFORMATION;
	err = WSB_OS(SetNamedSecurityInfoW)((LPWSTR)w, SE_FILE_OBJECT, si, NULL, NULL, dacl, NULL);
	if (err != ERROR_SUCCESS)
		return wsb__w32_fail("SetNamedSecurityInfoW", err, "writing the DACL of %s", path);
	return WSB_OK;
}

/* Shared body of has/add/remove: op 0 = check, 1 = add, 2 = remove. */
static int change(int *out_done, const char *path, const char *sddl, int op)
{
	wchar_t *w = NULL;
	void *ace = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	PACL dacl = NULL, next = NULL;
	int rc, found;

	*out_done = 0;
	if ((rc = wsb__ace_from_sddl(&ace, sddl)) != WSB_OK)
		return rc;
	if ((rc = wsb__w32_wide(&w, path)) != WSB_OK)
		goto done;
	if ((rc = read_dacl(&dacl, &sd, w, path)) != WSB_OK)
		goto done;
	found = wsb__acl_find(dacl, ace) >= 0;
	if (op == 0) {
		*out_done = found;
		goto done;
	}
	if (op == 1 && found)
		goto done;
	if (op == 2 && !found)
		goto done;
	if (!dacl) {
		/* No DACL means everyone may do everything: an allow ACE would
		 * change nothing, a deny ACE cannot be expressed without taking
		 * access away from others. */
		if (((ACE_HEADER *)ace)->AceType == ACCESS_DENIED_ACE_TYPE)
			rc = wsb__error(WSB_EUNAVAIL, "%s has no DACL (a file system without ACLs?): "
				"cannot deny writes there", path);
		goto done;
	}
	rc = op == 1 ? wsb__acl_insert(&next, dacl, ace) : wsb__acl_without(&next, dacl, ace);
	if (rc != WSB_OK)
		goto done;
	if ((rc = write_dacl(w, sd, next, path)) == WSB_OK)
		*out_done = 1;
done:
	if (sd)
		WSB_OS(LocalFree)(sd);
	wsb__free(next);
	wsb__free(ace);
	wsb__free(w);
	return rc;
}

int wsb__acl_has(int *out_has_ace, const char *path, const char *sddl)
{
	return change(out_has_ace, path, sddl, 0);
}

int wsb__acl_add(int *out_added, const char *path, const char *sddl)
{
	return change(out_added, path, sddl, 1);
}

int wsb__acl_remove(int *out_removed, const char *path, const char *sddl)
{
	return change(out_removed, path, sddl, 2);
}
