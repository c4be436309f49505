/*
 * The command's environment: the list of NAME=VALUE entries built from the
 * policy, and the sorted UTF-16 block CreateProcessW takes. The rules are
 * written out in docs/windows-command-lines.md.
 */
#include "envblock.h"
#include "policy.h"
#include "utf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest entry CreateProcessW carries, in UTF-16 units with its NUL. */
#define ENV_ENTRY_MAX 32767

/* Length of the name part of "NAME=VALUE": up to the first '=' after the
 * first character, so "=C:=C:\x" has the name "=C:". 0 if there is none. */
static size_t name_len(const char *entry)
{
	const char *eq;

	if (entry[0] == '\0')
		return 0;
	eq = strchr(entry + 1, '=');
	return eq ? (size_t)(eq - entry) : 0;
}

int wsb__env_valid_name(const char *name, int windows)
{
	size_t len;

	if (!name || !*name)
		return 0;
	len = strlen(name);
	if (!wsb__utf8_valid(name, len))
		return 0;
	if (windows)
		return strchr(name + 1, '=') == NULL;
	return strchr(name, '=') == NULL;
}

static int names_equal(const char *a, size_t alen, const char *b, size_t blen, int ci)
{
	if (ci)
		return wsb__utf8_ncasecmp(a, alen, b, blen) == 0;
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Index of the entry named name in v, or v->count. */
static size_t env_find(const wsb__strvec *v, const char *name, size_t len, int ci)
{
	size_t i;

	for (i = 0; i < v->count; i++)
		if (names_equal(v->items[i], name_len(v->items[i]), name, len, ci))
			return i;
	return v->count;
}

static void env_unset(wsb__strvec *v, const char *name, size_t len, int ci)
{
	size_t i = 0;

	while (i < v->count) {
		if (names_equal(v->items[i], name_len(v->items[i]), name, len, ci))
			wsb__strvec_remove(v, i);
		else
			i++;
	}
}

/* Set the whole entry "NAME=VALUE" (name is its first len bytes): the first
 * entry with that name is replaced in place, so the order of the starting
 * environment survives, and any later duplicates go. Takes entry. */
static int env_put_owned(wsb__strvec *v, char *entry, size_t len, int ci)
{
	size_t at;

	if (!entry)
		return wsb__error_nomem();
	at = env_find(v, entry, len, ci);
	if (at == v->count)
		return wsb__strvec_push_owned(v, entry);
	wsb__free(v->items[at]);
	v->items[at] = entry;
	at++;
	while (at < v->count) {
		if (names_equal(v->items[at], name_len(v->items[at]), entry, len, ci))
			wsb__strvec_remove(v, at);
		else
			at++;
	}
	return WSB_OK;
}

static char *join_entry(const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *e = wsb__malloc(nl + vl + 2);

	if (e) {
		memcpy(e, name, nl);
		e[nl] = '=';
		memcpy(e + nl + 1, value, vl + 1);
	}
	return e;
}

/* The last entry of base named name, or NULL. */
static const char *base_lookup(const char *const *base, const char *name, int ci)
{
	const char *found = NULL;
	size_t i, len = strlen(name);

	for (i = 0; base && base[i]; i++)
		if (names_equal(base[i], name_len(base[i]), name, len, ci))
			found = base[i];
	return found;
}

static int start_env(wsb__strvec *v, const struct wsb_policy *policy,
	const char *const *base, const char *const *keep_if_clear, int ci)
{
	size_t i;
	int rc;

	if (policy->env_mode == WSB_ENV_INHERIT) {
		/* Entries the OS could not have made (no name) are dropped. */
		for (i = 0; base && base[i]; i++) {
			size_t len = name_len(base[i]);
			if (len == 0)
				continue;
			rc = env_put_owned(v, wsb__strdup(base[i]), len, ci);
			if (rc)
				return rc;
		}
		return WSB_OK;
	}
	for (i = 0; keep_if_clear && keep_if_clear[i]; i++) {
		const char *e = base_lookup(base, keep_if_clear[i], ci);
		if (!e)
			continue;
		rc = env_put_owned(v, wsb__strdup(e), name_len(e), ci);
		if (rc)
			return rc;
	}
	return WSB_OK;
}

int wsb__env_build(wsb__strvec *out, const struct wsb_policy *policy,
	const char *const *base, const char *const *keep_if_clear,
	const char *const *extra, int case_insensitive)
{
	wsb__strvec v = WSB__STRVEC_INIT;
	int ci = case_insensitive != 0;
	size_t i;
	int rc;

	WSB__CHECK_ARG(out, "out");
	WSB__CHECK_ARG(policy, "policy");
	if (policy->env_mode != WSB_ENV_INHERIT && policy->env_mode != WSB_ENV_CLEAR)
		return wsb__error(WSB_EINVAL, "unknown environment mode %d", policy->env_mode);

	rc = start_env(&v, policy, base, keep_if_clear, ci);
	for (i = 0; rc == WSB_OK && i < policy->env_op_count; i++) {
		const wsb__env_op *op = &policy->env_ops[i];
		if (!wsb__env_valid_name(op->name, ci)) {
			rc = wsb__error(WSB_EINVAL, "invalid environment variable name in policy: %s",
				op->name ? op->name : "(null)");
		} else if (op->value) {
			rc = env_put_owned(&v, join_entry(op->name, op->value),
				strlen(op->name), ci);
		} else {
			env_unset(&v, op->name, strlen(op->name), ci);
		}
	}
	for (i = 0; rc == WSB_OK && extra && extra[i]; i++) {
		size_t len = name_len(extra[i]);
		if (len == 0)
			rc = wsb__error(WSB_EINVAL, "environment entry without NAME=: %s", extra[i]);
		else
			rc = env_put_owned(&v, wsb__strdup(extra[i]), len, ci);
	}
	if (rc) {
		wsb__strvec_dispose(&v);
		return rc;
	}
	wsb__strvec_dispose(out);
	*out = v;
	return WSB_OK;
}

/* One entry on its way into the block. */
struct block_entry {
	uint16_t *text;    /* "NAME=VALUE", NUL-terminated */
	size_t len;        /* units without the NUL */
	size_t name_len;   /* units of the name */
	size_t index;      /* position in the input: later wins, ties stay stable */
	int drive;         /* "=C:" style entry */
};

static int entry_cmp_names(const struct block_entry *a, const struct block_entry *b)
{
	if (a->drive != b->drive)
		return a->drive ? -1 : 1;
	return wsb__utf16_casecmp(a->text, a->name_len, b->text, b->name_len);
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct block_entry *a = pa, *b = pb;
	int c = entry_cmp_names(a, b);

	if (c)
		return c;
	return a->index < b->index ? -1 : a->index > b->index ? 1 : 0;
}

static void free_entries(struct block_entry *e, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		wsb__free(e[i].text);
	wsb__free(e);
}

int wsb__env_block_utf16(uint16_t **out, size_t *out_len,
	const char *const *entries, size_t count)
{
	struct block_entry *e;
	uint16_t *block, *w;
	size_t i, kept, total = 1;
	int rc = WSB_OK;

	WSB__CHECK_ARG(out, "out");
	*out = NULL;
	WSB__CHECK_ARG(entries || count == 0, "entries");

	e = wsb__calloc(count ? count : 1, sizeof(*e));
	if (!e)
		return wsb__error_nomem();
	for (i = 0; i < count; i++) {
		size_t nl, k;
		if (!entries[i] || (nl = name_len(entries[i])) == 0) {
			rc = wsb__error(WSB_EINVAL, "environment entry %lu is not NAME=VALUE: %s",
				(unsigned long)i, entries[i] ? entries[i] : "(null)");
			break;
		}
		rc = wsb__utf8_to_utf16(&e[i].text, &e[i].len, entries[i], strlen(entries[i]));
		if (rc)
			break;
		if (e[i].len + 1 > ENV_ENTRY_MAX) {
			rc = wsb__error(WSB_ETOOLONG,
				"environment entry %.*s is %lu UTF-16 units long, Windows takes at most %d",
				(int)nl, entries[i], (unsigned long)e[i].len, ENV_ENTRY_MAX - 1);
			break;
		}
		/* The name is ASCII-delimited, so its UTF-16 length is found by
		 * scanning for the same '=' (from the second unit). */
		for (k = 1; e[i].text[k] != '='; k++)
			;
		e[i].name_len = k;
		e[i].index = i;
		e[i].drive = entries[i][0] == '=';
	}
	if (rc) {
		free_entries(e, count);
		return rc;
	}

	qsort(e, count, sizeof(*e), entry_cmp);
	/* Equal names are now adjacent in input order: keep the last of each run. */
	kept = 0;
	for (i = 0; i < count; i++) {
		if (i + 1 < count && entry_cmp_names(&e[i], &e[i + 1]) == 0) {
			wsb__free(e[i].text);
			e[i].text = NULL;
			continue;
		}
		e[kept++] = e[i];
		total += e[i].len + 1;
	}
	if (kept == 0)
		total = 2;

	block = wsb__calloc(total, sizeof(*block));
	if (!block) {
		free_entries(e, kept);
		return wsb__error_nomem();
	}
	w = block;
	for (i = 0; i < kept; i++) {
		memcpy(w, e[i].text, (e[i].len + 1) * sizeof(*w));
		w += e[i].len + 1;
	}
	free_entries(e, kept);
	*out = block;
	if (out_len)
		*out_len = total;
	return WSB_OK;
}

int wsb__env_relay_proxies(wsb__strvec *out, const struct wsb_policy *policy, int lower_too)
{
	if (policy->relay_listen == 0)
		return WSB_OK;
	return wsb__env_proxy_vars(out, policy, policy->relay_listen, lower_too, 0);
}

int wsb__env_proxy_vars(wsb__strvec *out, const struct wsb_policy *policy, unsigned short port,
	int lower_too, int no_proxy)
{
	static const char *const names[] = { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY" };
	char entry[64];
	size_t i, k;
	int rc, named;

	for (i = 0; i < WSB__ARRAY_SIZE(names) - (no_proxy ? 0 : 1); i++) {
		/* The caller who sets or unsets a proxy variable in any spelling
		 * routes that traffic itself. */
		for (named = 0, k = 0; k < policy->env_op_count && !named; k++)
			named = wsb__utf8_casecmp(policy->env_ops[k].name, names[i]) == 0;
		if (named)
			continue;
		if (i == 3)
			snprintf(entry, sizeof(entry), "%s=", names[i]);
		else
			snprintf(entry, sizeof(entry), "%s=http://127.0.0.1:%u", names[i], (unsigned int)port);
		if ((rc = wsb__strvec_push(out, entry)) != WSB_OK)
			return rc;
		if (!lower_too)
			continue;
		for (k = 0; entry[k] != '='; k++)
			if (entry[k] >= 'A' && entry[k] <= 'Z')
				entry[k] = (char)(entry[k] - 'A' + 'a');
		if ((rc = wsb__strvec_push(out, entry)) != WSB_OK)
			return rc;
	}
	return WSB_OK;
}
