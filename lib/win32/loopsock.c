/*
 * Loopback sockets of the library's own servers (loopsock.h).
 */
/* Winsock 2 (WSA_FLAG_NO_HANDLE_INHERIT); before <windows.h>. */
#include <winsock2.h>
#include "loopsock.h"

#include <string.h>

SOCKET wsb__w32_socket(int af, int type, int proto)
{
	return WSB_OS(WSASocketW)(af, type, proto, NULL, 0,
		WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
}

void wsb__w32_close_socket(SOCKET *s)
{
	if (*s != INVALID_SOCKET)
		WSB_OS(closesocket)(*s);
	*s = INVALID_SOCKET;
}

int wsb__w32_nonblocking(SOCKET s)
{
	u_long on = 1;

	return WSB_OS(ioctlsocket)(s, FIONBIO, &on);
}

void wsb__w32_loopback(struct sockaddr_in *a, unsigned short port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int wsb__w32_wake_socket(SOCKET *out, const char *what)
{
	struct sockaddr_in a;
	int alen = sizeof(a);

	*out = wsb__w32_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	if (*out == INVALID_SOCKET)
		return wsb__w32_fail("WSASocketW", (DWORD)WSAGetLastError(), "%s", what);
	wsb__w32_loopback(&a, 0);
	if (WSB_OS(bind)(*out, (const struct sockaddr *)&a, sizeof(a)) != 0)
		return wsb__w32_fail("bind", (DWORD)WSAGetLastError(), "%s", what);
	if (WSB_OS(getsockname)(*out, (struct sockaddr *)&a, &alen) != 0)
		return wsb__w32_fail("getsockname", (DWORD)WSAGetLastError(), "%s", what);
	if (WSB_OS(connect)(*out, (const struct sockaddr *)&a, sizeof(a)) != 0)
		return wsb__w32_fail("connect", (DWORD)WSAGetLastError(), "%s", what);
	if (wsb__w32_nonblocking(*out) != 0)
		return wsb__w32_fail("ioctlsocket", (DWORD)WSAGetLastError(), "%s", what);
	return WSB_OK;
}
