#include "common.h"

#define WSB__STR2(x) #x
#define WSB__STR(x) WSB__STR2(x)

const char *wsb_version(void)
{
	return WSB__STR(WSB_VERSION_MAJOR) "." WSB__STR(WSB_VERSION_MINOR) "."
		WSB__STR(WSB_VERSION_PATCH);
}

unsigned int wsb_version_number(void)
{
	return WSB_VERSION_NUMBER;
}
