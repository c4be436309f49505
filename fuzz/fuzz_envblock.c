/* libFuzzer: lines of the input are "NAME=VALUE" entries. The block must be
 * sorted (drive entries first, then by upper-cased name, no two equal
 * names), NUL-ended per entry and double-NUL terminated; bad entries are
 * refused with the documented codes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "core/envblock.h"
#include "core/utf.h"

#define MAX_ENTRIES 128

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t name_units(const uint16_t *e)
{
	size_t k = 1;

	while (e[k] != '=')
		k++;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;
	const char *entries[MAX_ENTRIES];
	uint16_t *block = NULL;
	size_t count = 0, len = 0, i, pos, kept = 0;
	const uint16_t *prev = NULL;
	int rc;

	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	entries[count++] = copy;
	for (i = 0; i < size && count < MAX_ENTRIES; i++) {
		if (copy[i] == '\n') {
			copy[i] = '\0';
			entries[count++] = copy + i + 1;
		}
	}
	/* A NUL in the input ends that entry early; that is fine. */

	rc = wsb__env_block_utf16(&block, &len, entries, count);
	if (rc != WSB_OK) {
		if (rc != WSB_EINVAL && rc != WSB_EUTF8 && rc != WSB_ETOOLONG)
			abort();
		if (block)
			abort();
		free(copy);
		return 0;
	}
	if (len < 2 || block[len - 1] != 0 || block[len - 2] != 0)
		abort();
	for (pos = 0; pos < len - 1; ) {
		const uint16_t *e = block + pos;
		size_t elen = wsb__utf16_len(e);
		if (elen == 0) {
			/* Only the empty block holds an empty "entry". */
			if (pos != 0 || len != 2)
				abort();
			break;
		}
		if (prev) {
			int pd = prev[0] == '=', ed = e[0] == '=';
			if (pd < ed)
				abort();
			if (pd == ed && wsb__utf16_casecmp(prev, name_units(prev), e, name_units(e)) >= 0)
				abort();
		}
		prev = e;
		kept++;
		pos += elen + 1;
	}
	if (kept > count)
		abort();
	wsb__free(block);
	free(copy);
	return 0;
}
