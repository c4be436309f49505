"""Run inside the sandbox by tests/linux/test_netproxy.c: while one client
sends half a request and stalls, one sends garbage and one never reads a
large download, 100 clients at once fetch https://HOST:PORT/hello through
the proxy (HTTPS_PROXY) with urllib. Prints "ok N" with N successes."""
import os
import socket
import ssl
import sys
import threading
import urllib.request

host, port = sys.argv[1], int(sys.argv[2])
proxy = ("127.0.0.1", 3128)

half = socket.create_connection(proxy)
half.sendall(b"CONNECT pypi.test:")
garbage = socket.create_connection(proxy)
garbage.sendall(os.urandom(4096))
lazy = socket.create_connection(proxy)
lazy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
lazy.sendall(("GET http://%s:%s/bytes/100000000 HTTP/1.1\r\nHost: %s:%s\r\n\r\n"
              % (host, sys.argv[3], host, sys.argv[3])).encode())

ok = []
ctx = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx))


def fetch():
    with opener.open("https://%s:%d/hello" % (host, port), timeout=60) as r:
        if r.read().startswith(b"hello from"):
            ok.append(1)


threads = [threading.Thread(target=fetch) for _ in range(100)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("ok", len(ok))
