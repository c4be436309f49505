/* Loopback helpers for the Winsock tests (loopnet.h). */
#include <winsock2.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "loopnet.h"

int loopnet_send_all(SOCKET s, const char *b, int n)
{
	while (n > 0) {
		int k = send(s, b, n, 0);
		if (k <= 0)
			return -1;
		b += k;
		n -= k;
	}
	return 0;
}

int loopnet_recv_all(SOCKET s, char *b, int n)
{
	while (n > 0) {
		int k = recv(s, b, n, 0);
		if (k <= 0)
			return -1;
		b += k;
		n -= k;
	}
	return 0;
}

static DWORD WINAPI echo_conn(LPVOID arg)
{
	SOCKET s = (SOCKET)arg;
	char buf[8192];
	int n;

	while ((n = recv(s, buf, sizeof(buf), 0)) > 0)
		if (loopnet_send_all(s, buf, n) != 0)
			break;
	if (n == 0 && loopnet_send_all(s, "<EOF>", 5) == 0)
		shutdown(s, SD_SEND);
	closesocket(s);
	return 0;
}

static DWORD WINAPI echo_main(LPVOID arg)
{
	loopnet_echo *e = arg;

	while (!e->stop) {
		struct timeval t = { 0, 50000 };
		fd_set rd;

		FD_ZERO(&rd);
		FD_SET(e->listener, &rd);
		if (select(0, &rd, NULL, NULL, &t) == 1) {
			SOCKET c = accept(e->listener, NULL, NULL);
			HANDLE th;

			if (c == INVALID_SOCKET)
				continue;
			th = CreateThread(NULL, 0, echo_conn, (LPVOID)c, 0, NULL);
			if (th)
				CloseHandle(th);
			else
				closesocket(c);
		}
	}
	return 0;
}

void loopnet_addr(struct sockaddr_in *a, unsigned short port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

SOCKET loopnet_listen(unsigned short *port)
{
	struct sockaddr_in a;
	int alen = sizeof(a);
	SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

	assert_true(s != INVALID_SOCKET);
	loopnet_addr(&a, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, SOMAXCONN), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return s;
}

unsigned short loopnet_free_port(void)
{
	unsigned short port;
	SOCKET s = loopnet_listen(&port);

	closesocket(s);
	return port;
}

void loopnet_echo_start(loopnet_echo *e)
{
	memset(e, 0, sizeof(*e));
	e->listener = loopnet_listen(&e->port);
	e->thread = CreateThread(NULL, 0, echo_main, e, 0, NULL);
	assert_non_null(e->thread);
}

void loopnet_echo_stop(loopnet_echo *e)
{
	InterlockedExchange(&e->stop, 1);
	WaitForSingleObject(e->thread, INFINITE);
	CloseHandle(e->thread);
	closesocket(e->listener);
}

SOCKET loopnet_dial(unsigned short port)
{
	struct sockaddr_in a;
	DWORD ms = 10000;
	SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

	assert_true(s != INVALID_SOCKET);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, sizeof(ms));
	loopnet_addr(&a, port);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0)
		fail_msg("connect to 127.0.0.1:%u: Winsock error %d", port, WSAGetLastError());
	return s;
}
