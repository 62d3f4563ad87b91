#!/usr/bin/python3
"""A recording and verifying HTTP/1.1 backend for request-integrity tests (docs/reliability.md).

Listens on 127.0.0.1:--port (keep-alive, pipelining tolerated) and parses every request with the
strict parser of strict_http.py. In --state-dir it appends:

  requests.jsonl  one JSON object per event: a complete request ("verdict": "ok" or "mismatch"),
                  a malformed one ("violation", with the rule broken), or a connection closed
                  in the middle of a request ("incomplete"). With --record-heads the raw head and
                  the first 2 KiB of the body are included.
  violations.log  one line per violation or mismatch: what a test asserts is empty.

A request with an X-Seed: N header is compared with what the client sent: request N of
request_generator.py. Compared: method, target (path and query), every header in order except
the ones a gateway documents changing (EXCLUDED below, plus those the client's Connection header
names), Host unless --host ignore, whether a body was declared, and the body bytes.

Answers: 200 "ok\\n" to a good request; 400 to a mismatch (the connection stays open: its framing
was fine) and to a violation (then the connection is closed: the framing may be lost).

Each line is written with one write(2) as it happens, so a backend killed with SIGKILL has lost
nothing it answered.
"""
import argparse
import asyncio
import json
import os
import sys

from request_generator import generate
from strict_http import RequestReader, Violation, parse_head

# What a gateway changes by design (src/proxy/head_writer.cpp): hop-by-hop fields (RFC 9110
# §7.6.1 and the Proxy-* pair), the framing it re-emits from what it parsed, the Expect it answers
# itself, and the fields it sets: X-Forwarded-*, X-Request-Id, Via. Host is compared on its own.
EXCLUDED = {
    "host", "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "trailer",
    "upgrade", "proxy-authenticate", "proxy-authorization", "content-length", "expect",
    "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id", "via",
}

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n"
# A HEAD answer whose Content-Length is 0: wrk reads HEAD responses as if they had a body.
OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


def refused(reason, close):
    body = reason.encode("latin-1", "replace")[:200] + b"\n"
    return (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n%s"
            % (len(body), b"Connection: close\r\n" if close else b"", body))


def compared_headers(request, extra_excluded=()):
    excluded = EXCLUDED | set(extra_excluded)
    return [(name.lower(), value) for name, value in request.headers
            if name.lower() not in excluded]


def connection_names(request):
    names = set()
    for value in request.values("connection"):
        names.update(item.strip(" \t").lower() for item in value.split(","))
    return names


def differences(received, seed, check_host, exact):
    """What differs between `received` and client request `seed`, as a list of strings."""
    _, _, _, _, sent_body, _, raw = generate(seed)
    sent = parse_head(raw[:raw.index(b"\r\n\r\n") + 4])
    problems = []
    if exact and received.raw_head != sent.raw_head:
        problems.append("head differs from the generator's: %r" % received.raw_head[:300])
    if received.method != sent.method:
        problems.append("method %r != %r" % (received.method, sent.method))
    if received.target != sent.target:
        problems.append("target %r != %r" % (received.target[:200], sent.target[:200]))
    if check_host and received.values("host") != sent.values("host"):
        problems.append("host %r != %r" % (received.values("host"), sent.values("host")))
    # Directly from the client (--exact), X-Hop arrives as sent; the raw compare covers it.
    got = compared_headers(received, connection_names(received) if exact else ())
    want = compared_headers(sent, connection_names(sent))
    if got != want:
        missing = [h for h in want if h not in got]
        added = [h for h in got if h not in want]
        problems.append("headers differ: missing %r, added %r%s" % (
            [(n, v[:60]) for n, v in missing], [(n, v[:60]) for n, v in added],
            "" if missing or added else " (order)"))
    if (received.framing == "none") != (sent.framing == "none"):
        problems.append("framing %s, client sent %s" % (received.framing, sent.framing))
    if received.body != sent_body:
        at = next((i for i, (a, b) in enumerate(zip(received.body, sent_body)) if a != b),
                  min(len(received.body), len(sent_body)))
        problems.append("body %d bytes != %d bytes, first difference at %d"
                        % (len(received.body), len(sent_body), at))
    return problems


class Recorder:
    def __init__(self, state_dir, name, record_heads, check_host, exact):
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        self.events = os.open(os.path.join(state_dir, "requests.jsonl"), flags, 0o644)
        self.violations = os.open(os.path.join(state_dir, "violations.log"), flags, 0o644)
        self.name = name
        self.record_heads = record_heads
        self.check_host = check_host
        self.exact = exact
        self.connections = 0

    def event(self, verdict, connection, request=None, **fields):
        record = {"backend": self.name, "verdict": verdict, "connection": connection}
        if request is not None:
            record.update(method=request.method, target=request.target[:300],
                          framing=request.framing, body_bytes=len(request.body))
            if self.record_heads:
                record.update(head=request.raw_head.decode("latin-1"),
                              body=request.body[:2048].decode("latin-1"))
        record.update(fields)
        os.write(self.events, (json.dumps(record) + "\n").encode())

    def violation(self, line):
        os.write(self.violations, (self.name + " " + line + "\n").encode("utf-8", "replace"))


class Connection(asyncio.Protocol):
    def __init__(self, recorder):
        self.recorder = recorder
        recorder.connections += 1
        self.id = recorder.connections
        self.reader = RequestReader()
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.reader.feed(data)
        out = []
        try:
            while True:
                request = self.reader.next_request()
                if request is None:
                    break
                out.append(self.handle(request))
        except Violation as violation:
            detail = violation.detail.decode("latin-1")
            self.recorder.event("violation", self.id, kind=violation.kind, detail=detail,
                                raw=bytes(self.reader.buffer[:2048]).decode("latin-1")
                                if self.recorder.record_heads else "")
            self.recorder.violation("violation %s: %r" % (violation.kind, detail[:200]))
            out.append(refused(violation.kind, close=True))
            self.transport.write(b"".join(out))
            self.transport.close()
            return
        if out:
            self.transport.write(b"".join(out))

    def handle(self, request):
        seeds = request.values("x-seed")
        problems = []
        seed = None
        if seeds:
            try:
                seed = int(seeds[0])
                problems = differences(request, seed, self.recorder.check_host,
                                       self.recorder.exact)
            except ValueError:
                problems = ["unreadable X-Seed %r" % seeds[0]]
            if len(seeds) > 1:
                problems.append("%d X-Seed fields" % len(seeds))
        if problems:
            self.recorder.event("mismatch", self.id, request, seed=seed, problems=problems)
            self.recorder.violation("mismatch seed=%s %s %s: %s" % (
                seed, request.method, request.target[:120], "; ".join(problems)))
            return refused("mismatch: " + problems[0], close=False)
        self.recorder.event("ok", self.id, request, seed=seed)
        return OK_HEAD if request.method == "HEAD" else OK

    def connection_lost(self, exc):
        if self.reader.pending():
            self.recorder.event("incomplete", self.id,
                                buffered=len(self.reader.buffer) + len(self.reader.body))


async def serve(args):
    recorder = Recorder(args.state_dir, args.name, args.record_heads, args.host == "preserve",
                        args.exact)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(recorder), "127.0.0.1", args.port,
                                      reuse_address=True, backlog=1024)
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--name", default="backend")
    parser.add_argument("--record-heads", action="store_true")
    parser.add_argument("--host", choices=["preserve", "ignore"], default="preserve",
                        help="compare Host with the client's (a gateway that keeps it), or not")
    parser.add_argument("--exact", action="store_true",
                        help="clients connect directly: the head must be the generator's, byte "
                             "for byte (a cross-check of varied_requests.lua)")
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
