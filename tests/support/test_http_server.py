#!/usr/bin/python3
"""A small HTTP/1.1 (or HTTPS) server for the outbound HTTP client's tests.

Listens on 127.0.0.1, port 0, and writes the port it got to --port-file. Keep-alive (HTTP/1.1,
a thread per connection). In --state-dir it appends one line per accepted TCP connection to
connections.log, one per request to requests.log ("METHOD PATH") and, with TLS, one line per
ClientHello to sni.log (the SNI name, "-" for none), one per completed handshake to
handshakes.log ("new" or "resumed", then the version and the client certificate's CN or "-")
and one per failed handshake to handshake_failures.log. --client-ca requires client
certificates signed by that CA (mTLS).

Endpoints (any method):
  /echo            200, JSON {method, path, headers (lower-case names), body, connection,
                   request_on_connection}
  /status/N        status N, body "status N" (none for 204 and 304)
  /slow?ms=N       sleeps N ms, then 200 "slow"
  /chunked?n=K     200, chunked, K chunks "chunk0;chunk1;..."
  /big?bytes=N     200, N bytes of "x" with Content-Length
  /until-close     200 without Content-Length: the body ends when the connection closes
  /close-after     200 "bye" that looks keep-alive, then the server closes the connection
  /respond?status=N&type=T&bytes=N&header=Name:Value (repeatable)
                   a response with those: a JSON-ish body of N bytes, for tests of what the
                   gateway does with chosen response headers (compression, say)
  /auth            an auth service for forward_auth tests: "Authorization: Bearer good" -> 200
                   with X-User-Id: alice; "Bearer slow" -> the same after 2 s; anything else ->
                   401 with WWW-Authenticate and a JSON body. Each call appends a JSON line of
                   its headers to auth.log in --state-dir.
  /drop-next       200 "ok"; the next request on this connection is read and not answered:
                   the connection is closed (a server that timed out an idle connection just as
                   the client reused it)
"""
import argparse
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state_dir, tls_context):
        self.state_dir = state_dir
        self.tls_context = tls_context
        self.lock = threading.Lock()
        self.connection_count = 0
        self.local = threading.local()
        super().__init__(("127.0.0.1", 0), Handler)

    def record(self, name, line):
        with self.lock:
            with open(os.path.join(self.state_dir, name), "a", encoding="utf-8") as log:
                log.write(line + "\n")

    def finish_request(self, request, client_address):
        # Runs in the connection's own thread, so a slow or failing handshake holds up no one.
        with self.lock:
            self.connection_count += 1
            self.local.connection_id = self.connection_count
        self.record("connections.log", str(self.local.connection_id))
        if self.tls_context is None:
            self.RequestHandlerClass(request, client_address, self)
            return
        request.settimeout(10)
        try:
            tls = self.tls_context.wrap_socket(request, server_side=True,
                                               do_handshake_on_connect=False)
            tls.do_handshake()
        except (ssl.SSLError, OSError) as error:
            sys.stderr.write(f"handshake failed: {error}\n")
            self.record("handshake_failures.log", str(error).replace("\n", " "))
            return
        peer = tls.getpeercert() or {}
        common_name = "-"
        for entry in peer.get("subject", ()):
            for key, value in entry:
                if key == "commonName":
                    common_name = value
        self.record("handshakes.log", " ".join(
            ["resumed" if tls.session_reused else "new", tls.version() or "-", common_name]))
        tls.settimeout(None)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            self.shutdown_request(tls)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.drop_next = False
        self.requests_on_connection = 0

    def log_message(self, format, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

    def send(self, status, body, content_type="text/plain", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)

    def dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.drop_next:
            self.close_connection = True
            return
        self.requests_on_connection += 1
        self.server.record("requests.log", f"{self.command} {self.path}")
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        route = url.path
        if route == "/echo":
            answer = {
                "method": self.command,
                "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": body.decode("latin-1"),
                "connection": self.server.local.connection_id,
                "request_on_connection": self.requests_on_connection,
            }
            self.send(200, json.dumps(answer).encode(), "application/json")
        elif route.startswith("/status/"):
            status = int(route.rsplit("/", 1)[1])
            self.send(status, f"status {status}".encode())
        elif route == "/slow":
            time.sleep(int(query.get("ms", ["1000"])[0]) / 1000)
            self.send(200, b"slow")
        elif route == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(int(query.get("n", ["3"])[0])):
                piece = f"chunk{i};".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        elif route == "/big":
            self.send(200, b"x" * int(query.get("bytes", ["1048576"])[0]))
        elif route == "/until-close":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"all of it, until the close")
            self.close_connection = True
        elif route == "/close-after":
            self.send(200, b"bye")
            self.close_connection = True
        elif route == "/respond":
            size = int(query.get("bytes", ["4096"])[0])
            body = (b'{"items":[' + b'{"id":1,"name":"item"},' * (size // 23 + 1))[:size]
            self.send_response(int(query.get("status", ["200"])[0]))
            self.send_header("Content-Type", query.get("type", ["application/json"])[0])
            for header in query.get("header", []):
                name, _, value = header.partition(":")
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif route == "/auth":
            headers = {name.lower(): value for name, value in self.headers.items()}
            self.server.record("auth.log", json.dumps(headers))
            token = headers.get("authorization", "")
            if token == "Bearer slow":
                time.sleep(2)
            if token in ("Bearer good", "Bearer slow"):
                self.send_response(200)
                self.send_header("X-User-Id", "alice")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                body = b'{"error":"who are you?"}'
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Bearer realm="test"')
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        elif route == "/drop-next":
            self.send(200, b"ok")
            self.drop_next = True
        else:
            self.send(404, b"no such endpoint")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = dispatch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--client-ca")
    args = parser.parse_args()

    tls_context = None
    server = None
    if args.cert:
        tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_context.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            tls_context.verify_mode = ssl.CERT_REQUIRED
            tls_context.load_verify_locations(args.client_ca)
        tls_context.sni_callback = lambda _socket, name, _context: server.record(
            "sni.log", name or "-")
    server = Server(args.state_dir, tls_context)
    partial = args.port_file + ".partial"
    with open(partial, "w", encoding="utf-8") as port_file:
        port_file.write(str(server.server_address[1]))
    os.rename(partial, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
