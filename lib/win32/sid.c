/*
 * Capability SIDs: random SIDs S-1-5-21-a-b-c-d that stand for "may write
 * here". Each is persisted in the state directory's capsids file under a
 * key, so the same roots get the same SID across spawns (and the ACEs
 * already granted stay valid), while a sandbox with fewer roots carries none
 * of the SIDs of the roots it lost.
 *
 * Keys: up to WSB__CAP_PER_ROOT_MAX roots, one SID per root ("root:<PATH>");
 * above that, one SID for the whole set ("set:<hash of the sorted roots>"),
 * which keeps the token bounded (docs/windows-backend.md).
 */
#include "win32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAPS_FILE "capsids"
#define CAPS_FILE_MAX (16u * 1024 * 1024)

int wsb__sid_random(char **out)
{
	ULONG r[4];
	NTSTATUS st;
	wsb__buf b = WSB__BUF_INIT;

	*out = NULL;
	st = WSB_OS(BCryptGenRandom)(NULL, (PUCHAR)r, sizeof(r), BCRYPT_USE_SYSTEM_PREFERRED_RNG);
	if (st != 0)
		return wsb__w32_fail("BCryptGenRandom", (DWORD)st, "random capability SID");
	if (wsb__buf_printf(&b, "S-1-5-21-%lu-%lu-%lu-%lu", (unsigned long)r[0], (unsigned long)r[1],
			(unsigned long)r[2], (unsigned long)r[3]) != WSB_OK)
		return wsb__error_nomem();
	*out = wsb__buf_detach(&b);
	return *out ? WSB_OK : wsb__error_nomem();
}

static void upper_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int wsb__roots_hash(unsigned long long *out, const wsb__strvec *roots, const char *salt)
{
	char **sorted = wsb__calloc(roots->count + 1, sizeof(char *));
	unsigned long long h = 1469598103934665603ull;
	size_t i, n = roots->count;
	int rc = WSB_OK;

	if (!sorted)
		return wsb__error_nomem();
	for (i = 0; i < roots->count && rc == WSB_OK; i++) {
		sorted[i] = wsb__strdup(roots->items[i]);
		if (!sorted[i])
			rc = wsb__error_nomem();
		else
			upper_ascii(sorted[i]);
	}
	if (rc == WSB_OK)
		qsort(sorted, roots->count, sizeof(char *), cmp_str);
	if (rc == WSB_OK && salt) {
		sorted[n] = wsb__strdup(salt);
		if (!sorted[n++])
			rc = wsb__error_nomem();
		else
			upper_ascii(sorted[n - 1]);
	}
	/* FNV-1a over the sorted, upper-cased roots (then the salt),
	 * '\n'-separated. */
	for (i = 0; i < n && rc == WSB_OK; i++) {
		const unsigned char *p = (const unsigned char *)sorted[i];
		for (; *p; p++)
			h = (h ^ *p) * 1099511628211ull;
		h = (h ^ '\n') * 1099511628211ull;
	}
	for (i = 0; i <= roots->count; i++)
		wsb__free(sorted[i]);
	wsb__free(sorted);
	*out = h;
	return rc;
}

/* Keys of the roots: per root below the threshold, one for the set above. */
static int make_keys(wsb__strvec *keys, const wsb__strvec *roots)
{
	unsigned long long h;
	char key[40];
	size_t i;
	int rc;

	if (roots->count <= WSB__CAP_PER_ROOT_MAX) {
		for (i = 0; i < roots->count; i++) {
			wsb__buf b = WSB__BUF_INIT;
			if (wsb__buf_printf(&b, "root:%s", roots->items[i]) != WSB_OK)
				return wsb__error_nomem();
			upper_ascii(b.ptr);
			if (wsb__strvec_push_owned(keys, wsb__buf_detach(&b)) != WSB_OK)
				return wsb__error_nomem();
		}
		return WSB_OK;
	}
	if ((rc = wsb__roots_hash(&h, roots, NULL)) != WSB_OK)
		return rc;
	snprintf(key, sizeof(key), "set:%016llx", h);
	for (i = 0; i < roots->count; i++)
		if (wsb__strvec_push(keys, key) != WSB_OK)
			return wsb__error_nomem();
	return WSB_OK;
}

static int caps_path(char **out, const char *state_dir)
{
	wsb__buf b = WSB__BUF_INIT;

	if (wsb__buf_printf(&b, "%s\\%s", state_dir, CAPS_FILE) != WSB_OK)
		return wsb__error_nomem();
	*out = wsb__buf_detach(&b);
	return WSB_OK;
}

/* Find key in the capsids text ("key\tSID\n" lines); copy its SID. */
static int lookup(char **out, const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *line = text;

	*out = NULL;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > klen + 1 && memcmp(line, key, klen) == 0 && line[klen] == '\t') {
			*out = wsb__strndup(line + klen + 1, len - klen - 1);
			return *out ? WSB_OK : wsb__error_nomem();
		}
		line = nl ? nl + 1 : NULL;
	}
	return WSB_OK;
}

int wsb__caps_decide(wsb__caps *out, const char *state_dir, const wsb__strvec *roots)
{
	wsb__strvec keys = WSB__STRVEC_INIT;
	char *path = NULL, *text = NULL;
	size_t i, j;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = make_keys(&keys, roots)) != WSB_OK)
		goto done;
	if ((rc = caps_path(&path, state_dir)) != WSB_OK)
		goto done;
	rc = wsb__w32_read_file(&text, NULL, path, CAPS_FILE_MAX);
	if (rc == WSB_ENOENT)
		rc = WSB_OK;
	if (rc != WSB_OK)
		goto done;
	out->root_count = roots->count;
	out->root_sid = wsb__calloc(roots->count ? roots->count : 1, sizeof(size_t));
	out->is_new = wsb__calloc(roots->count ? roots->count : 1, 1);
	if (!out->root_sid || !out->is_new) {
		rc = wsb__error_nomem();
		goto done;
	}
	for (i = 0; i < roots->count; i++) {
		char *sid = NULL;
		for (j = 0; j < out->keys.count; j++)
			if (strcmp(out->keys.items[j], keys.items[i]) == 0)
				break;
		if (j < out->keys.count) {
			out->root_sid[i] = j;
			continue;
		}
		if (text && (rc = lookup(&sid, text, keys.items[i])) != WSB_OK)
			goto done;
		if (!sid) {
			if ((rc = wsb__sid_random(&sid)) != WSB_OK)
				goto done;
			out->is_new[out->sids.count] = 1;
		}
		if ((rc = wsb__strvec_push_owned(&out->sids, sid)) != WSB_OK ||
				(rc = wsb__strvec_push(&out->keys, keys.items[i])) != WSB_OK) {
			rc = wsb__error_nomem();
			goto done;
		}
		out->root_sid[i] = out->sids.count - 1;
	}
done:
	if (rc != WSB_OK)
		wsb__caps_dispose(out);
	wsb__strvec_dispose(&keys);
	wsb__free(path);
	wsb__free(text);
	return rc;
}

int wsb__caps_persist(wsb__caps *caps, const char *state_dir)
{
	wsb__buf b = WSB__BUF_INIT;
	char *path = NULL;
	size_t i;
	int rc;

	for (i = 0; i < caps->sids.count; i++)
		if (caps->is_new[i])
			wsb__buf_printf(&b, "%s\t%s\n", caps->keys.items[i], caps->sids.items[i]);
	if (b.oom) {
		wsb__buf_dispose(&b);
		return wsb__error_nomem();
	}
	if (b.size == 0)
		return WSB_OK;
	if ((rc = caps_path(&path, state_dir)) == WSB_OK &&
			(rc = wsb__w32_append_file(path, b.ptr, b.size)) == WSB_OK)
		for (i = 0; i < caps->sids.count; i++)
			caps->is_new[i] = 0;
	wsb__free(path);
	wsb__buf_dispose(&b);
	return rc;
}

void wsb__caps_dispose(wsb__caps *caps)
{
	wsb__strvec_dispose(&caps->sids);
	wsb__strvec_dispose(&caps->keys);
	wsb__free(caps->is_new);
	wsb__free(caps->root_sid);
	memset(caps, 0, sizeof(*caps));
}
