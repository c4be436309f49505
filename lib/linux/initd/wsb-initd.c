/*
 * wsb-initd: the init server of a warm policy (lib/linux/initd.c). The
 * library starts it, inside the policy's warm namespaces, with its end of
 * a socket on descriptor 3; it is not a command to run by hand.
 */
#include "linux/linux.h"

int main(void)
{
	return wsb__lx_initd_serve(3);
}
