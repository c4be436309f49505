/* libFuzzer: the input is the payload of an init server request
 * (lib/linux/initd.c), read as the server reads it. Whatever it accepts
 * must write back to the very same bytes (one encoding of each request),
 * and whatever it refuses must leave nothing allocated (the leak check). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "linux/linux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *again = NULL;
	size_t len = 0;

	if (wsb__lx_initd_wire_check(data, size, &again, &len) == 0) {
		if (len != size || memcmp(again, data, size) != 0)
			abort();
		wsb__free(again);
	}
	return 0;
}
