/*
 * Loopback sockets of the library's own servers, the loopback relay
 * (relay.c) and the allow-list's proxy (proxy.c): lib/win32/loopsock.c.
 * Every call goes through the OS-call seam.
 */
#ifndef WSB_WIN32_LOOPSOCK_H
#define WSB_WIN32_LOOPSOCK_H

#include "win32.h"

/* A socket nothing inherits: a child the host program starts would
 * otherwise keep a port bound or a connection open. INVALID_SOCKET with
 * WSAGetLastError() on failure. */
SOCKET wsb__w32_socket(int af, int type, int proto);
/* Close *s unless it is INVALID_SOCKET, and set it so. */
void wsb__w32_close_socket(SOCKET *s);
/* FIONBIO: 0, or SOCKET_ERROR. */
int wsb__w32_nonblocking(SOCKET s);
/* 127.0.0.1:port. */
void wsb__w32_loopback(struct sockaddr_in *a, unsigned short port);
/* A wake-up socket: UDP on an ephemeral loopback port, connected to itself
 * and non-blocking, so one datagram sent to it makes every select() on it
 * readable until someone reads it. what names it in errors. On failure
 * *out may hold a socket the caller closes. */
int wsb__w32_wake_socket(SOCKET *out, const char *what);

#endif
