/*
 * libFuzzer harness for lib/core/path.c. It checks invariants, not only the
 * absence of crashes. Input: one control byte (bit 0: Windows syntax, bit 1:
 * ALLOW_STREAM, bit 2: ALLOW_DEVICE), then path A, optionally a NUL and path B.
 *
 * Build and run (from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Ilib \
 *     fuzz/fuzz_path.c lib/core/path.c lib/core/utf.c lib/core/alloc.c \
 *     lib/core/error.c lib/core/buf.c -o build/fuzz_path
 *   build/fuzz_path -max_total_time=60 fuzz/corpus/path
 */
#include "core/common.h"
#include "core/path.h"
#include "core/utf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void swap_ascii_case(char *s)
{
	for (; *s; s++) {
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
		else if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

/* Everything that must hold for one successfully normalized path. */
static void check_normalized(const char *in, const char *n, int flavor, unsigned int flags)
{
	size_t len = strlen(n), root_len, end;
	char *again = NULL, *root, *name;
	const char *last;

	CHECK(len > 0 && len <= strlen(in));
	CHECK(wsb__utf8_valid(n, len));
	CHECK(wsb__path_is_absolute(n, flavor));

	/* Idempotent. */
	CHECK(wsb__path_normalize(&again, n, flavor, flags) == WSB_OK);
	CHECK(strcmp(again, n) == 0);
	wsb__free(again);

	/* Within and equal to itself. */
	CHECK(wsb__path_within(n, n, flavor));
	CHECK(wsb__path_cmp(n, n, flavor) == 0);

	/* Within its own root, which is itself a normalized path. */
	root_len = wsb__path_root_len(n, flavor);
	CHECK(root_len > 0 && root_len <= len);
	root = wsb__strndup(n, root_len);
	if (root != NULL) {
		CHECK(wsb__path_normalize(&again, root, flavor, flags) == WSB_OK);
		CHECK(strcmp(again, root) == 0);
		wsb__free(again);
		CHECK(wsb__path_within(n, root, flavor));
		wsb__free(root);
	}

	if (flavor == WSB__PATH_WIN) {
		/* No forward slash survives; case does not matter. */
		CHECK(strchr(n, '/') == NULL);
		again = wsb__strdup(n);
		if (again != NULL) {
			char *swapped = NULL;
			swap_ascii_case(again);
			CHECK(wsb__path_normalize(&swapped, again, flavor, flags) == WSB_OK);
			CHECK(wsb__path_cmp(swapped, n, flavor) == 0);
			CHECK(wsb__path_within(swapped, n, flavor) && wsb__path_within(n, swapped, flavor));
			wsb__free(swapped);
			wsb__free(again);
		}
	} else {
		CHECK(strstr(n, "//") == NULL);
		CHECK(len == 1 || n[len - 1] != '/');
	}

	/* The last component below the root is found where it is. */
	last = n + len;
	while (last > n + root_len && last[-1] != '/' &&
	       !(flavor == WSB__PATH_WIN && last[-1] == '\\'))
		last--;
	if (*last != '\0' && last > n + root_len) {
		name = wsb__strdup(last);
		if (name != NULL) {
			root = wsb__strndup(n, root_len);
			if (root != NULL) {
				const char *start;
				CHECK(wsb__path_find_component(&end, n, root, name, flavor));
				CHECK(end > root_len && end <= len);
				CHECK(end == len || n[end] == '/' || (flavor == WSB__PATH_WIN && n[end] == '\\'));
				/* It is the first match, so it cannot lie after the last component. */
				start = n + end;
				while (start[-1] != '/' && !(flavor == WSB__PATH_WIN && start[-1] == '\\'))
					start--;
				CHECK(start <= last);
				if (flavor == WSB__PATH_WIN)
					CHECK(wsb__utf8_ncasecmp(start, (size_t)(n + end - start), name, strlen(name)) == 0);
				else
					CHECK((size_t)(n + end - start) == strlen(name) && memcmp(start, name, strlen(name)) == 0);
				wsb__free(root);
			}
			wsb__free(name);
		}
	}
}

/* Two normalized paths: cmp, within and their mirror images agree. */
static void check_pair(const char *a, const char *b, int flavor)
{
	int ab = wsb__path_cmp(a, b, flavor);
	int ba = wsb__path_cmp(b, a, flavor);
	int a_in_b = wsb__path_within(a, b, flavor);
	int b_in_a = wsb__path_within(b, a, flavor);

	CHECK(sign(ab) == -sign(ba));
	CHECK((ab == 0) == (a_in_b && b_in_a));
	/* A path strictly inside another sorts after it. */
	if (a_in_b && !b_in_a)
		CHECK(ab > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long live = wsb__alloc_live();
	int flavor;
	unsigned int flags;
	char *buf, *a, *b, *na = NULL, *nb = NULL;
	size_t alen;

	if (size < 1)
		return 0;
	flavor = (data[0] & 1) ? WSB__PATH_WIN : WSB__PATH_POSIX;
	flags = (data[0] >> 1) & (WSB__PATH_ALLOW_STREAM | WSB__PATH_ALLOW_DEVICE);
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	buf[size] = '\0';
	a = buf;
	alen = strlen(a);
	b = alen + 1 < size ? a + alen + 1 : NULL;

	if (wsb__path_normalize(&na, a, flavor, flags) == WSB_OK)
		check_normalized(a, na, flavor, flags);
	else
		CHECK(na == NULL && wsb_error_code(NULL) < 0);
	if (b != NULL && wsb__path_normalize(&nb, b, flavor, flags) == WSB_OK) {
		check_normalized(b, nb, flavor, flags);
		if (na != NULL)
			check_pair(na, nb, flavor);
	}
	if (b != NULL && na != NULL) {
		char *joined = NULL;
		if (wsb__path_join(&joined, na, b, flavor) == WSB_OK) {
			check_normalized(joined, joined, flavor, 0);
			wsb__free(joined);
		}
	}
	wsb__free(na);
	wsb__free(nb);
	free(buf);
	CHECK(wsb__alloc_live() == live);
	return 0;
}
