/*
 * Loopback helpers for the Winsock tests (Wine's Winsock is real): an echo
 * server, a listener on a free port, a client, exact reads and writes.
 * Failures end the test through cmocka.
 */
#ifndef WSB_TESTS_LOOPNET_H
#define WSB_TESTS_LOOPNET_H

#include <winsock2.h>

/* Echoes what each connection sends; on its EOF says "<EOF>" and shuts
 * down its side. */
typedef struct loopnet_echo {
	SOCKET listener;
	unsigned short port;
	HANDLE thread;
	volatile LONG stop;
} loopnet_echo;

void loopnet_echo_start(loopnet_echo *e);
void loopnet_echo_stop(loopnet_echo *e);

void loopnet_addr(struct sockaddr_in *a, unsigned short port);  /* 127.0.0.1:port */
SOCKET loopnet_listen(unsigned short *port);  /* on an ephemeral loopback port */
unsigned short loopnet_free_port(void);       /* bound, read, released */
/* A client of 127.0.0.1:port whose every receive gives up after 10 s. */
SOCKET loopnet_dial(unsigned short port);
int loopnet_send_all(SOCKET s, const char *b, int n);  /* 0, or -1 */
int loopnet_recv_all(SOCKET s, char *b, int n);        /* exactly n: 0, or -1 */

#endif
