/* libFuzzer: split the input into arguments at 0x00 bytes, quote them as a
 * command line, parse it back: the argv must come back exactly. Inputs that
 * are not valid UTF-8, or whose program name holds a '"', must be refused
 * with the documented codes; cmd.exe escaping must never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "core/quote.h"
#include "core/utf.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *line = NULL, *cmd = NULL, **back = NULL;
	const char *argv[MAX_ARGS];
	size_t count = 0, n = 0, i;
	int rc, expect_ok = 1;

	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[count++] = copy;
	for (i = 0; i < size && count < MAX_ARGS; i++)
		if (copy[i] == '\0')
			argv[count++] = copy + i + 1;
	for (i = 0; i < count; i++)
		if (!wsb__utf8_valid(argv[i], strlen(argv[i])))
			expect_ok = 0;
	if (strchr(argv[0], '"'))
		expect_ok = 0;

	rc = wsb__quote_argv(&line, argv, count);
	if (!expect_ok) {
		if (rc != WSB_EUTF8 && rc != WSB_EINVAL)
			abort();
	} else if (rc == WSB_OK) {
		if (wsb__argv_parse(&back, &n, line) != WSB_OK || n != count)
			abort();
		for (i = 0; i < count; i++)
			if (strcmp(back[i], argv[i]) != 0)
				abort();
		if (back[count] != NULL)
			abort();
		wsb__argv_free(back);
	} else if (rc != WSB_ETOOLONG) {
		abort();
	}
	wsb__free(line);

	/* The raw input as a command line: parsing and escaping never crash. */
	if (wsb__argv_parse(&back, &n, copy) == WSB_OK)
		wsb__argv_free(back);
	rc = wsb__quote_cmd(&cmd, copy);
	if (rc == WSB_OK && strlen(cmd) < strlen(copy))
		abort();
	wsb__free(cmd);
	free(copy);
	return 0;
}
