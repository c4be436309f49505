/*
 * Reuse across spawns (docs/windows-backend.md, "Reuse: the token
 * template"): the restricted token of a policy's commands is made once and
 * kept as a template no process ever runs with; each command gets a copy of
 * its own (DuplicateTokenEx), so nothing one command does to its token
 * (its default DACL, its enabled groups) reaches the next, whatever the
 * kernel does with the token it is given. An entry is used only while
 * everything the token was made from is unchanged: the policy's content and
 * the state directory (the key), the capability SIDs decide found, the
 * write restriction, and the caller's own token (its TokenId and
 * ModifiedId, which Windows changes with every adjustment of it).
 *
 * A template is kept only once its spawn succeeded, so a failed spawn
 * leaves no handle behind. At most WARM_MAX entries per process, the least
 * recently used one closed first; wsb_identity_revert closes those of its
 * state directory.
 */
#include "win32.h"
#include "core/plan.h"

#include <string.h>

#define WARM_MAX 8
#define CHILD_ACCESS (TOKEN_QUERY | TOKEN_DUPLICATE | TOKEN_ASSIGN_PRIMARY)

int wsb__w32_no_reuse;

static struct warm {
	char *key;         /* the policy's JSON, '\n', the state directory; NULL: free */
	char *state_dir;
	wsb__strvec sids;
	int write_restricted;
	LUID caller_id, caller_modified;
	HANDLE token;      /* the template */
	char *logon;
	unsigned long used;
} warm[WARM_MAX];
static unsigned long warm_clock;
static SRWLOCK warm_lock = SRWLOCK_INIT;

/* Which token of the caller, in which state: a template made from another
 * (groups disabled since, another process token) is not used. */
static int caller_state(LUID *id, LUID *modified)
{
	TOKEN_STATISTICS st;
	HANDLE h = NULL;
	DWORD n = 0;

	if (!WSB_OS(OpenProcessToken)(GetCurrentProcess(), TOKEN_QUERY, &h)) {
		DWORD err = GetLastError();
		return wsb__w32_fail("OpenProcessToken", err, "the caller's token");
	}
	if (!WSB_OS(GetTokenInformation)(h, TokenStatistics, &st, sizeof(st), &n)) {
		DWORD err = GetLastError();
		WSB_OS(CloseHandle)(h);
		return wsb__w32_fail("GetTokenInformation", err, "TokenStatistics of the caller's token");
	}
	WSB_OS(CloseHandle)(h);
	*id = st.TokenId;
	*modified = st.ModifiedId;
	return WSB_OK;
}

static int same_luid(LUID a, LUID b)
{
	return a.LowPart == b.LowPart && a.HighPart == b.HighPart;
}

static int same_sids(const wsb__strvec *a, const wsb__strvec *b)
{
	size_t i;

	if (a->count != b->count)
		return 0;
	for (i = 0; i < a->count; i++)
		if (strcmp(a->items[i], b->items[i]) != 0)
			return 0;
	return 1;
}

static int copy_for_command(HANDLE *out, HANDLE template_token)
{
	if (!WSB_OS(DuplicateTokenEx)(template_token, CHILD_ACCESS, NULL, SecurityImpersonation,
			TokenPrimary, out)) {
		DWORD err = GetLastError();
		*out = NULL;
		return wsb__w32_fail("DuplicateTokenEx", err, "the command's copy of the restricted token");
	}
	return WSB_OK;
}

static void entry_drop(struct warm *w)
{
	if (w->token)
		WSB_OS(CloseHandle)(w->token);
	wsb__free(w->key);
	wsb__free(w->state_dir);
	wsb__free(w->logon);
	wsb__strvec_dispose(&w->sids);
	memset(w, 0, sizeof(*w));
}

int wsb__token_acquire(wsb__w32_token *out, const struct wsb_policy *policy, const char *state_dir,
	const wsb__strvec *cap_sids, int write_restricted)
{
	wsb__buf key = WSB__BUF_INIT;
	char *json = NULL;
	size_t i;
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	if (wsb__w32_no_reuse)
		return wsb__token_create(&out->token, &out->logon, cap_sids, write_restricted);
	if ((rc = wsb__policy_json_string(&json, policy)) < 0)
		return rc;
	wsb__buf_printf(&key, "%s\n%s", json, state_dir);
	wsb__free(json);
	if (key.oom)
		return wsb__error_nomem();
	out->key = wsb__buf_detach(&key);
	out->write_restricted = write_restricted;
	for (i = 0; i < cap_sids->count; i++)
		if (wsb__strvec_push(&out->sids, cap_sids->items[i]) != WSB_OK) {
			rc = wsb__error_nomem();
			goto fail;
		}
	if ((rc = caller_state(&out->caller_id, &out->caller_modified)) != WSB_OK)
		goto fail;
	/* Copied under the lock, so no eviction closes the template meanwhile. */
	AcquireSRWLockExclusive(&warm_lock);
	for (i = 0; i < WARM_MAX && !found; i++) {
		struct warm *w = &warm[i];
		if (!w->key || strcmp(w->key, out->key) != 0 || w->write_restricted != write_restricted ||
				!same_sids(&w->sids, cap_sids) || !same_luid(w->caller_id, out->caller_id) ||
				!same_luid(w->caller_modified, out->caller_modified))
			continue;
		found = 1;
		w->used = ++warm_clock;
		rc = copy_for_command(&out->token, w->token);
		if (rc == WSB_OK && !(out->logon = wsb__strdup(w->logon)))
			rc = wsb__error_nomem();
	}
	ReleaseSRWLockExclusive(&warm_lock);
	if (found) {
		if (rc != WSB_OK)
			goto fail;
		return WSB_OK;
	}
	/* Cold: a new template, and the command's copy of it. */
	if ((rc = wsb__token_create(&out->fresh, &out->logon, cap_sids, write_restricted)) != WSB_OK ||
			(rc = copy_for_command(&out->token, out->fresh)) != WSB_OK)
		goto fail;
	return WSB_OK;
fail:
	wsb__token_release(out, 0);
	return rc;
}

void wsb__token_release(wsb__w32_token *t, int keep)
{
	struct warm *w = NULL;
	size_t i;

	if (t->token)
		WSB_OS(CloseHandle)(t->token);
	if (t->fresh && keep) {
		AcquireSRWLockExclusive(&warm_lock);
		/* The same key made afresh replaces its stale entry; else a free
		 * slot, else the least recently used one. */
		for (i = 0; i < WARM_MAX && !w; i++)
			if (warm[i].key && strcmp(warm[i].key, t->key) == 0)
				w = &warm[i];
		if (!w) {
			w = &warm[0];
			for (i = 0; i < WARM_MAX && w->key; i++)
				if (!warm[i].key || warm[i].used < w->used)
					w = &warm[i];
		}
		entry_drop(w);
		w->state_dir = wsb__strdup(t->key + strcspn(t->key, "\n") + 1);
		if (w->state_dir) {
			w->key = t->key;
			w->sids = t->sids;
			w->write_restricted = t->write_restricted;
			w->caller_id = t->caller_id;
			w->caller_modified = t->caller_modified;
			w->token = t->fresh;
			w->logon = t->logon;
			w->used = ++warm_clock;
			t->key = NULL;
			t->logon = NULL;
			t->fresh = NULL;
			memset(&t->sids, 0, sizeof(t->sids));
		}
		ReleaseSRWLockExclusive(&warm_lock);
	}
	if (t->fresh)
		WSB_OS(CloseHandle)(t->fresh);
	wsb__free(t->key);
	wsb__free(t->logon);
	wsb__strvec_dispose(&t->sids);
	memset(t, 0, sizeof(*t));
}

void wsb__token_cache_drop(const char *state_dir)
{
	size_t i;

	AcquireSRWLockExclusive(&warm_lock);
	for (i = 0; i < WARM_MAX; i++)
		if (warm[i].key && (!state_dir || strcmp(warm[i].state_dir, state_dir) == 0))
			entry_drop(&warm[i]);
	ReleaseSRWLockExclusive(&warm_lock);
}

size_t wsb__token_cache_count(void)
{
	size_t i, n = 0;

	AcquireSRWLockExclusive(&warm_lock);
	for (i = 0; i < WARM_MAX; i++)
		if (warm[i].key)
			n++;
	ReleaseSRWLockExclusive(&warm_lock);
	return n;
}
