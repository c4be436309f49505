/*
 * libFuzzer harness for policy building, validation, the path check and the
 * plan JSON (lib/core/policy.c, check.c, plan.c, json.c). The input is a
 * program: byte 0 picks the path syntax and mode, then each operation is an
 * opcode byte followed by its operands (strings are a length byte and that
 * many bytes, so they can hold invalid UTF-8, NULs or anything else).
 *
 * Invariants checked, beyond "no crash":
 *  - a failed setter returns a negative code, records the same code with a
 *    non-empty message, and leaves the policy (its JSON and environment
 *    values) exactly as before, also when an allocation is made to fail;
 *  - a path check either fails cleanly or gives a verdict of 0/1, a known
 *    rule and a non-empty reason; a write it allows, it also allows to read;
 *  - the plan JSON of an empty plan is produced (or fails only for memory);
 *  - nothing leaks.
 *
 * Build and run (from the repository root) without CMake:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Ilib \
 *     fuzz/fuzz_policy.c lib/core/[a-z]*.c lib/stub/backend.c -o build/fuzz_policy
 *   build/fuzz_policy -max_total_time=60 fuzz/corpus/policy
 */
#include "core/common.h"
#include "core/policy.h"
#include "core/plan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

typedef struct input {
	const uint8_t *p;
	size_t left;
} input;

static unsigned int byte(input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static wsb_u64 u64(input *in)
{
	wsb_u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | byte(in);
	return v;
}

/* A length byte and that many bytes, as a NUL-terminated copy (libc malloc,
 * so the library's allocation count stays the library's). */
static char *str(input *in)
{
	size_t len = byte(in), i;
	char *s;

	if (len > in->left)
		len = in->left;
	s = malloc(len + 1);
	CHECK(s != NULL);
	for (i = 0; i < len; i++)
		s[i] = (char)byte(in);
	s[len] = '\0';
	return s;
}

/* The .git file contents the fake reader serves for every ".git" path. */
static char *gitfile;

static int fake_reader(char **out, size_t *out_len, const char *path, size_t max)
{
	size_t len;

	(void)max;
	*out = NULL;
	*out_len = 0;
	len = strlen(path);
	if (gitfile == NULL || len < 4 || strcmp(path + len - 4, ".git") != 0)
		return WSB_ENOENT;
	*out = wsb__strdup(gitfile);
	if (*out == NULL)
		return wsb__error_nomem();
	*out_len = strlen(gitfile);
	return WSB_OK;
}

static char *snapshot(const wsb_policy *p)
{
	wsb__buf b = WSB__BUF_INIT;
	char *json = NULL, *s;
	size_t i;

	CHECK(wsb__policy_json_string(&json, p) == WSB_OK);
	wsb__buf_puts(&b, json);
	wsb__free(json);
	for (i = 0; i < p->env_op_count; i++) {
		wsb__buf_putc(&b, '|');
		wsb__buf_puts(&b, p->env_ops[i].value ? p->env_ops[i].value : "(unset)");
	}
	s = wsb__buf_detach(&b);
	CHECK(s != NULL);
	return s;
}

static void check_failure(int rc)
{
	CHECK(rc < 0);
	CHECK(wsb_error_code(NULL) == rc);
	CHECK(wsb_error_message(NULL)[0] != '\0');
}

static void check_path(const wsb_policy *p, const char *path, int access)
{
	int allowed = -1, rule = -1, rc;
	char *why = NULL;

	rc = wsb_policy_check_path(&allowed, &rule, &why, p, path, access);
	if (rc < 0) {
		check_failure(rc);
		CHECK(why == NULL);
		return;
	}
	CHECK(allowed == 0 || allowed == 1);
	CHECK(rule >= WSB_RULE_FULL_ACCESS && rule <= WSB_RULE_TEMP);
	CHECK(why != NULL && why[0] != '\0');
	wsb__free(why);
	if (access == WSB_ACCESS_WRITE && allowed) {
		rc = wsb_policy_check_path(&allowed, &rule, NULL, p, path, WSB_ACCESS_READ);
		CHECK(rc == WSB_OK || rc == WSB_ENOMEM);
		CHECK(rc != WSB_OK || allowed == 1);
	}
}

static void render_plan(const wsb_policy *p)
{
	wsb_plan *plan = NULL;
	char *json = NULL;
	int rc;

	rc = wsb__plan_new(&plan, "stub", p);
	if (rc < 0) {
		CHECK(rc == WSB_ENOMEM);
		return;
	}
	rc = wsb_plan_to_json(&json, plan);
	CHECK(rc == WSB_OK || rc == WSB_ENOMEM);
	CHECK(rc != WSB_OK || (json && json[0] == '{'));
	wsb__free(json);
	wsb_plan_free(plan);
}

/* Run one mutating or reading operation; returns the setter's code, or 0
 * for operations that do not change the policy. */
static int run_op(wsb_policy *p, unsigned int op, input *in)
{
	char *a = NULL, *b = NULL;
	int rc = 0;

	switch (op % 17) {
	case 0: a = str(in); rc = wsb_policy_allow_write(p, a); break;
	case 1: a = str(in); rc = wsb_policy_protect_path(p, a); break;
	case 2: a = str(in); rc = wsb_policy_protect_name(p, a); break;
	case 3: a = str(in); rc = wsb_policy_deny_read(p, a); break;
	case 4: { int limit = (int)byte(in) % 7 - 1; rc = wsb_policy_set_limit(p, limit, u64(in)); break; }
	case 5: rc = wsb_policy_set_flags(p, (unsigned int)u64(in)); break;
	case 6: rc = wsb_policy_allow_missing(p, (unsigned int)u64(in)); break;
	case 7: rc = wsb_policy_set_mode(p, (int)byte(in) - 1); break;
	case 8: rc = wsb_policy_set_network(p, (int)byte(in) - 1); break;
	case 9: rc = wsb_policy_env_mode(p, (int)byte(in) - 1); break;
	case 10: a = str(in); b = str(in); rc = wsb_policy_env_set(p, a, b); break;
	case 11: a = str(in); rc = wsb_policy_env_unset(p, a); break;
	case 12: {
		int access = (int)byte(in) % 4;

		a = str(in);
		check_path(p, a, access);
		break;
	}
	case 13:
		rc = wsb_policy_validate(p);
		CHECK(rc == WSB_OK || rc == WSB_ECONFLICT);
		if (rc < 0)
			check_failure(rc);
		rc = 0;
		break;
	case 14: render_plan(p); break;
	case 15: {
		char *out = NULL;
		size_t len;

		a = str(in);
		len = strlen(a);
		rc = wsb__gitdir_from_file(&out, a, len,
			p->flavor == WSB__PATH_WIN ? "C:\\r\\sub" : "/r/sub", p->flavor);
		CHECK(rc == WSB_OK || rc == WSB_ENOMEM);
		wsb__free(out);
		rc = 0;
		break;
	}
	case 16:
		free(gitfile);
		gitfile = str(in);
		break;
	}
	free(a);
	free(b);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	input in = { data, size };
	long live = wsb__alloc_live();
	wsb_policy *p = NULL;
	unsigned int head;
	int steps = 0;

	head = byte(&in);
	CHECK(wsb_policy_create(&p, (int)(head >> 1) % 3) == WSB_OK);
	CHECK(wsb__policy_set_flavor(p, head & 1 ? WSB__PATH_WIN : WSB__PATH_POSIX) == WSB_OK);
	wsb__check_set_reader(fake_reader);
	while (in.left > 0 && steps++ < 64) {
		unsigned int op = byte(&in);
		unsigned long fail_at = 0;
		char *before, *after;
		int rc;

		/* High bit: make one of this operation's allocations fail. */
		if (op & 0x80)
			fail_at = 1 + byte(&in) % 16;
		before = snapshot(p);
		wsb__alloc_fail_after(fail_at);
		rc = run_op(p, op & 0x7f, &in);
		wsb__alloc_fail_after(0);
		after = snapshot(p);
		if (rc < 0) {
			check_failure(rc);
			CHECK(strcmp(before, after) == 0);
		}
		wsb__free(before);
		wsb__free(after);
	}
	wsb_policy_free(p);
	free(gitfile);
	gitfile = NULL;
	wsb__check_set_reader(NULL);
	CHECK(wsb__alloc_live() == live);
	return 0;
}
