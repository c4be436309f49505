"""The local world the network allow-list is tested against
(tests/linux/test_netproxy.c): one HTTPS and one HTTP server on 127.0.0.1,
and one HTTP server on ::1 when the machine has it, serving static files,
a PEP 503 simple index with one wheel, git's smart HTTP protocol through
`git http-backend`, a large stream for the concurrency and bulk checks, and
a sink that counts what is posted to it. Usage: netproxy_server.py DIR; DIR
holds cert.pem and key.pem; the ports are written to DIR/ports as
"https http http6" once listening (http6 0: no ::1).
"""
import http.server
import os
import socket
import ssl
import subprocess
import sys
import threading

ROOT = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_body(self, body, ctype="text/plain"):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def git(self):
        path, _, query = self.path.partition("?")
        env = dict(os.environ, GIT_PROJECT_ROOT=os.path.join(ROOT, "git"),
                   GIT_HTTP_EXPORT_ALL="1", PATH_INFO=path[len("/git"):],
                   REQUEST_METHOD=self.command, QUERY_STRING=query,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   REMOTE_ADDR="127.0.0.1")
        length = int(self.headers.get("Content-Length", "0") or 0)
        data = self.rfile.read(length) if length else b""
        env["CONTENT_LENGTH"] = str(len(data))
        out = subprocess.run(["git", "http-backend"], input=data, env=env,
                             capture_output=True, check=False).stdout
        head, _, body = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.split(b"\r\n"):
            name, _, value = line.decode().partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if self.path.startswith("/git/"):
            return self.git()
        if self.path == "/sink":
            n = int(self.headers.get("Content-Length", "0") or 0)
            got = 0
            while got < n:
                chunk = self.rfile.read(min(n - got, 65536))
                if not chunk:
                    break
                got += len(chunk)
            return self.send_body(b"received %d\n" % got)
        self.send_error(404)

    def do_GET(self):
        if self.path.startswith("/git/"):
            return self.git()
        if self.path == "/hello":
            return self.send_body(b"hello from " + self.headers.get("Host", "").encode() + b"\n")
        if self.path.startswith("/bytes/"):
            n = int(self.path[len("/bytes/"):])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = b"x" * 65536
            while n > 0:
                self.wfile.write(chunk[:min(n, len(chunk))])
                n -= min(n, len(chunk))
            return None
        if self.path in ("/simple/", "/simple/demo/"):
            return self.send_body(b'<html><body><a href="/files/demo-1.0-py3-none-any.whl">'
                                  b"demo-1.0-py3-none-any.whl</a></body></html>", "text/html")
        if self.path == "/files/demo-1.0-py3-none-any.whl":
            with open(os.path.join(ROOT, "demo-1.0-py3-none-any.whl"), "rb") as f:
                return self.send_body(f.read(), "application/octet-stream")
        self.send_error(404)


class Server(http.server.ThreadingHTTPServer):
    # 100 clients connect at once: a backlog of 5 would make them retry.
    request_queue_size = 256
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients the test cuts off on purpose (the never-reading one)


class Server6(Server):
    address_family = socket.AF_INET6


def serve(server):
    server.serve_forever()


def main():
    https = Server(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(ROOT, "cert.pem"), os.path.join(ROOT, "key.pem"))
    https.socket = ctx.wrap_socket(https.socket, server_side=True)
    plain = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=serve, args=(plain,), daemon=True).start()
    try:
        plain6 = Server6(("::1", 0), Handler)
        threading.Thread(target=serve, args=(plain6,), daemon=True).start()
        port6 = plain6.server_address[1]
    except OSError:
        port6 = 0  # no IPv6 loopback here: the test says it skipped
    with open(os.path.join(ROOT, "ports.tmp"), "w") as f:
        f.write("%d %d %d\n" % (https.server_address[1], plain.server_address[1], port6))
    os.rename(os.path.join(ROOT, "ports.tmp"), os.path.join(ROOT, "ports"))
    serve(https)


main()
