/*
 * ACL call counts of the unelevated Windows sandbox (not a timed test).
 * Counts DACL reads (GetNamedSecurityInfoW) and writes (SetNamedSecurityInfoW)
 * through the OS-call seam for 1, 10, 100 and 1,000 writable roots, each
 * with a .git directory, over trees of 10 and 100,000 files, on a fake file
 * system behind the seam (tests/win32/fakefs.c). Processes are real (Wine).
 * Expected: the first spawn writes once per root and once per protected
 * path; an unchanged policy's spawn writes nothing and reads a constant
 * number of DACLs per root, whatever the tree size. The protected-name scan
 * lists folders (names only, within its budget, win32.h): the listings and
 * the names they returned are counted too; they read no DACL.
 *
 * Then the token (lib/win32/warm.c) for 1, 10 and 100 roots: the calls of
 * the first spawn (cold: the template made), of the second under the same
 * policy (warm: the command's copy of it) and of a second one with reuse
 * off (every spawn made its token from nothing before the cache existed):
 * restricted tokens made, SIDs converted (ConvertStringSidToSidW, one per
 * restricting SID), token copies, DACL reads and writes, and every call
 * through the seam. Expected warm: no token made, no SID converted, one
 * copy, the same DACL reads, fewer calls in all than with reuse off.
 *
 * Run by ctest in the mingw-wine stage of scripts/test.sh (test
 * win32_bench_acl_calls; the figures are in ctest's log, or run
 * build/mingw/tests/win32/win32_acl_calls.exe through scripts/wine-run).
 * Exits 1 if the promise above is broken.
 */
#include <stdio.h>
#include <string.h>

#include "win32/win32.h"
#include "fakefs.h"

struct counts {
	unsigned long reads, writes, attrs, lists, enumerated;
	unsigned long tokens, sids, copies, all;
};

static void snap(struct counts *c)
{
	size_t i;

	c->reads = wsb__os_calls("GetNamedSecurityInfoW");
	c->writes = wsb__os_calls("SetNamedSecurityInfoW");
	c->attrs = wsb__os_calls("GetFileAttributesW");
	c->lists = wsb__os_calls("FindFirstFileW");
	c->enumerated = fakefs_enumerated;
	c->tokens = wsb__os_calls("CreateRestrictedToken");
	c->sids = wsb__os_calls("ConvertStringSidToSidW");
	c->copies = wsb__os_calls("DuplicateTokenEx");
	c->all = 0;
	for (i = 0; i < wsb__os_count(); i++)
		c->all += wsb__os_calls(wsb__os_name(i));
}

static int spawn_once(struct counts *c, wsb_policy *policy, wsb_identity *identity, const char *cwd)
{
	const char *argv[] = { "cmd", "/c", "exit", "0", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;
	int rc;

	o.argv = argv;
	o.cwd = cwd;
	o.stdout_mode = o.stderr_mode = WSB_STDIO_NULL;
	wsb__os_reset_counts();
	fakefs_enumerated = 0;
	rc = wsb_spawn(&p, policy, identity, &o);
	snap(c);
	if (rc != WSB_OK) {
		fprintf(stderr, "spawn failed: %s\n", wsb_error_message(NULL));
		return rc;
	}
	wsb_process_wait(p, -1);
	wsb_process_free(p);
	return WSB_OK;
}

static int broken;

/* The token figures: cold, warm, reuse off; for 1, 10 and 100 roots. */
#define TOKEN_ROWS 3
static struct counts token_fig[TOKEN_ROWS][3];
static unsigned long token_roots[TOKEN_ROWS];
static size_t token_rows;

static int run(unsigned long roots, unsigned long files)
{
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wsb_identity *identity = NULL;
	wsb_policy *policy = NULL;
	struct counts first, again, cold_again;
	char cwd[600], path[64];
	unsigned long i;
	int rc;

	fakefs_clear();
	fakefs_install();
	fakefs_add("\\\\.\\NUL", 0, "D:(A;;FA;;;WD)", 0);
	strcpy(cwd, fakefs_temp_dir("benchcwd"));
	io.state_dir = fakefs_temp_dir("benchstate");
	if ((rc = wsb_identity_create(&identity, &io)) != WSB_OK ||
			(rc = wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE)) != WSB_OK)
		return rc;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	wsb_policy_set_flags(policy, WSB_POLICY_NO_TEMP_WRITE);
	for (i = 0; i < roots; i++) {
		snprintf(path, sizeof(path), "C:\\bench\\r%04lu", i);
		fakefs_add(path, 1, NULL, files);
		if ((rc = wsb_policy_allow_write(policy, path)) != WSB_OK)
			return rc;
		strcat(path, "\\.git");
		fakefs_add(path, 1, NULL, 0);
	}
	if ((rc = spawn_once(&first, policy, identity, cwd)) != WSB_OK ||
			(rc = spawn_once(&again, policy, identity, cwd)) != WSB_OK)
		return rc;
	printf("%6lu %8lu | %6lu %6lu %6lu %5lu %6lu | %6lu %6lu %6lu %5lu %6lu | %5.2f %5.2f\n", roots, files,
		first.writes, first.reads, first.attrs, first.lists, first.enumerated,
		again.writes, again.reads, again.attrs, again.lists, again.enumerated,
		(double)first.writes / (double)roots, (double)again.reads / (double)roots);
	if (files == 10 && roots <= 100 && token_rows < TOKEN_ROWS) {
		wsb__w32_no_reuse = 1;
		rc = spawn_once(&cold_again, policy, identity, cwd);
		wsb__w32_no_reuse = 0;
		if (rc != WSB_OK)
			return rc;
		token_roots[token_rows] = roots;
		token_fig[token_rows][0] = first;
		token_fig[token_rows][1] = again;
		token_fig[token_rows][2] = cold_again;
		token_rows++;
		if (again.tokens != 0 || again.sids != 0 || again.copies != 1 || again.reads != cold_again.reads ||
				again.all >= cold_again.all) {
			fprintf(stderr, "token reuse broken for %lu roots\n", roots);
			broken = 1;
		}
	}
	/* One write per root and per .git, one for \\.\NUL; then none, and
	 * one DACL read per ACE. */
	if (first.writes != 2 * roots + 1 || again.writes != 0 || again.reads != 2 * roots + 1) {
		fprintf(stderr, "promise broken for %lu roots, %lu files\n", roots, files);
		broken = 1;
	}
	wsb_identity_revert(identity);
	wsb_policy_free(policy);
	wsb_identity_free(identity);
	wsb__os_reset();
	return WSB_OK;
}

int main(void)
{
	static const unsigned long roots[] = { 1, 10, 100, 1000 };
	static const unsigned long files[] = { 10, 100000 };
	size_t r, f;

	printf("DACL calls per spawn through the seam (each root holds a .git directory; plus \\\\.\\NUL);\n"
		"lists/names: folders the protected-name scan listed and names they returned (no DACL read)\n");
	printf("%6s %8s | %-34s | %-34s | %s\n", "", "", "first spawn", "unchanged policy, again", "per root");
	printf("%6s %8s | %6s %6s %6s %5s %6s | %6s %6s %6s %5s %6s | %5s %5s\n", "roots", "files",
		"writes", "reads", "attrs", "lists", "names", "writes", "reads", "attrs", "lists", "names",
		"w1st", "r2nd");
	for (r = 0; r < sizeof(roots) / sizeof(roots[0]); r++)
		for (f = 0; f < sizeof(files) / sizeof(files[0]); f++)
			if (run(roots[r], files[f]) != WSB_OK)
				return 1;
	printf("\nToken calls per spawn through the seam (10 files per root): cold = first spawn, warm = "
		"second under the same policy,\nreuse off = a second spawn making its token from nothing\n");
	printf("%6s | %-9s | %6s %6s %6s %6s %6s %6s\n", "roots", "spawn", "tokens", "sids", "copies",
		"reads", "writes", "calls");
	for (r = 0; r < token_rows; r++) {
		static const char *const kind[] = { "cold", "warm", "reuse off" };
		for (f = 0; f < 3; f++) {
			const struct counts *c = &token_fig[r][f];
			printf("%6lu | %-9s | %6lu %6lu %6lu %6lu %6lu %6lu\n", token_roots[r], kind[f], c->tokens,
				c->sids, c->copies, c->reads, c->writes, c->all);
		}
	}
	if (broken)
		return 1;
	printf("ok: unchanged policy: 0 DACL writes and one DACL read per ACE (2 per root + \\\\.\\NUL) "
		"for 1-1000 roots of 10-100000 files;\nwarm: no token made, no SID converted, one copy, fewer calls "
		"than with reuse off\n");
	return 0;
}
