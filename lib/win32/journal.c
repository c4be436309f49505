/*
 * The ACL journal: one line per lasting change, appended and flushed to disk
 * BEFORE the change is made:
 *     add<TAB>time<TAB>ACE as SDDL<TAB>path
 *     del<TAB>time<TAB>ACE as SDDL<TAB>path
 * time is the Windows FILETIME (100 ns since 1601) in decimal. A (path, ACE)
 * pair counts as added while it has more "add" than "del" lines. Because the
 * "add" line is on disk before the DACL changes, a crash at any point leaves
 * at most an "add" whose ACE never arrived; revert then finds the ACE absent
 * and records the "del" anyway. Paths contain no TAB or newline (path.c
 * rejects control characters).
 */
#include "win32.h"

#include <stdio.h>
#include <string.h>

#define JOURNAL_FILE "journal"
#define JOURNAL_MAX (64u * 1024 * 1024)

typedef struct entry {
	char *sddl;
	char *path;
	long net;
} entry;

static int journal_path(char **out, const char *state_dir)
{
	wsb__buf b = WSB__BUF_INIT;

	if (wsb__buf_printf(&b, "%s\\%s", state_dir, JOURNAL_FILE) != WSB_OK)
		return wsb__error_nomem();
	*out = wsb__buf_detach(&b);
	return WSB_OK;
}

int wsb__journal_record(const char *state_dir, const char *op, const char *path, const char *sddl)
{
	wsb__buf line = WSB__BUF_INIT;
	char *file = NULL;
	FILETIME ft;
	int rc;

	WSB_OS(GetSystemTimeAsFileTime)(&ft);
	if (wsb__buf_printf(&line, "%s\t%llu\t%s\t%s\n", op,
			((unsigned long long)ft.dwHighDateTime << 32) | ft.dwLowDateTime, sddl, path) != WSB_OK)
		return wsb__error_nomem();
	if ((rc = journal_path(&file, state_dir)) == WSB_OK)
		rc = wsb__w32_append_file(file, line.ptr, line.size);
	if (rc != WSB_OK && rc != WSB_ENOMEM) {
		char why[768];
		snprintf(why, sizeof(why), "%s", wsb_error_message(NULL));
		rc = wsb__error_os(WSB_EJOURNAL, wsb_error_os(NULL), "cannot write the journal in %s: %s",
			state_dir, why);
	}
	wsb__free(file);
	wsb__buf_dispose(&line);
	return rc;
}

static void entries_free(entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		wsb__free(e[i].sddl);
		wsb__free(e[i].path);
	}
	wsb__free(e);
}

/* Parse the journal into unique (sddl, path) entries in first-seen order
 * with their net count. A torn last line (crash mid-append) is ignored. */
static int load(entry **out, size_t *out_n, const char *state_dir)
{
	char *file = NULL, *text = NULL, *line;
	entry *e = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	*out_n = 0;
	if ((rc = journal_path(&file, state_dir)) != WSB_OK)
		return rc;
	rc = wsb__w32_read_file(&text, NULL, file, JOURNAL_MAX);
	wsb__free(file);
	if (rc == WSB_ENOENT)
		return WSB_OK;
	if (rc != WSB_OK)
		return rc;
	for (line = text; *line; ) {
		char *nl = strchr(line, '\n'), *f[4];
		size_t i, k = 0;
		int delta;
		if (!nl)
			break;
		*nl = '\0';
		f[k++] = line;
		for (i = 0; line[i] && k < 4; i++)
			if (line[i] == '\t') {
				line[i] = '\0';
				f[k++] = line + i + 1;
			}
		line = nl + 1;
		if (k != 4 || (strcmp(f[0], "add") != 0 && strcmp(f[0], "del") != 0)) {
			rc = wsb__error(WSB_EJOURNAL, "damaged journal line in %s", state_dir);
			break;
		}
		delta = f[0][0] == 'a' ? 1 : -1;
		for (i = 0; i < n; i++)
			if (strcmp(e[i].sddl, f[2]) == 0 && strcmp(e[i].path, f[3]) == 0)
				break;
		if (i == n) {
			if ((rc = wsb__array_reserve(&e, &cap, n, sizeof(*e), 16)) != WSB_OK)
				break;
			e[n].sddl = wsb__strdup(f[2]);
			e[n].path = wsb__strdup(f[3]);
			e[n].net = 0;
			n++;
			if (!e[n - 1].sddl || !e[n - 1].path) {
				rc = wsb__error_nomem();
				break;
			}
		}
		e[i].net += delta;
	}
	wsb__free(text);
	if (rc != WSB_OK) {
		entries_free(e, n);
		return rc;
	}
	*out = e;
	*out_n = n;
	return WSB_OK;
}

int wsb__journal_outstanding(size_t *out, const char *state_dir)
{
	entry *e;
	size_t n, i;
	int rc;

	*out = 0;
	if ((rc = load(&e, &n, state_dir)) != WSB_OK)
		return rc;
	for (i = 0; i < n; i++)
		if (e[i].net > 0)
			(*out)++;
	entries_free(e, n);
	return WSB_OK;
}

int wsb__journal_revert(const char *state_dir)
{
	entry *e;
	size_t n, i, left = 0;
	int rc, first = WSB_OK;

	if ((rc = load(&e, &n, state_dir)) != WSB_OK)
		return rc;
	if (n == 0)
		return WSB_OK;
	for (i = n; i-- > 0; ) {
		int removed = 0;
		if (e[i].net <= 0)
			continue;
		rc = wsb__acl_remove(&removed, e[i].path, e[i].sddl);
		if (rc == WSB_ENOENT)
			rc = WSB_OK; /* the object is gone, and its ACE with it */
		if (rc == WSB_OK)
			rc = wsb__journal_record(state_dir, "del", e[i].path, e[i].sddl);
		if (rc != WSB_OK) {
			left++;
			if (first == WSB_OK)
				first = rc;
		}
	}
	entries_free(e, n);
	if (first != WSB_OK)
		return first;
	if (left == 0) {
		char *file = NULL;
		if ((rc = journal_path(&file, state_dir)) == WSB_OK)
			rc = wsb__w32_write_file(file, "", 0);
		wsb__free(file);
	}
	return rc;
}
