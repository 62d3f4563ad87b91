#!/usr/bin/python3
"""A real gRPC server (grpcio, Debian python3-grpcio) for the gateway's gRPC tests.

Serves the service apigw.test.TestService on 127.0.0.1:--port (0 picks a free port; --port-file
receives the port it got), over h2c, or TLS with --cert/--key (ALPN h2; --client-ca requires
client certificates signed by that CA). No .proto is compiled: the methods are registered with
grpc.method_handlers_generic_handler and take and return raw bytes, JSON where they need
structure. grpc_client.py calls every one of them.

Methods (/apigw.test.TestService/NAME):
  Echo          unary: the request bytes back. Request metadata named x-echo-* comes back in the
                initial metadata, and as x-echo-*-trailer in the trailers.
  ServerStream  server streaming: request {"count": N, "size": S, "interval_ms": I,
                "fail_after": K, "fail_code": C, "fail_details": D}; answers N messages
                {"index": i, "payload": "x" * S}, I ms apart; with fail_code, fails with that
                status after K messages (trailers after DATA).
  Sum           client streaming: each request is a decimal integer; answers {"sum", "count"}.
  BidiEcho      bidirectional: every request message back as it arrives.
  Fail          unary: request {"code": C, "details": D, "trailers": {k: v}}; answers that
                status (a name like "NOT_FOUND" or its number), details and trailing metadata,
                with no message ("Trailers-Only").
  Sleep         unary: request {"ms": N}; sleeps N ms, or less if the call is cancelled or its
                deadline passes (the client then sees DEADLINE_EXCEEDED); answers
                {"slept_ms", "cancelled"}.
  Inspect       unary: answers what the call carried: {"metadata": [[k, v], ...], "deadline":
                seconds remaining when the call arrived (from grpc-timeout; null without one),
                "peer", "method", "request_bytes"}. gRPC's core consumes grpc-timeout itself:
                its value is seen as the deadline, not among the metadata.

With --state-dir, every call appends a JSON line to calls.jsonl: method, metadata, deadline,
and how it ended. --name (default "backend") is sent as x-backend initial metadata on every
call, to tell backends apart behind a load balancer.

Usage: grpc_backend.py --port 0 --port-file F [--cert C --key K [--client-ca CA]]
                       [--state-dir D] [--name N]
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

SERVICE = "apigw.test.TestService"
MAX_MESSAGE = 64 * 1024 * 1024


def status_code(value):
    """A grpc.StatusCode from its name ("NOT_FOUND") or number (5)."""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        number = int(value)
        for code in grpc.StatusCode:
            if code.value[0] == number:
                return code
        raise ValueError(f"unknown status code {value}")
    return grpc.StatusCode[str(value).upper()]


class Backend:
    def __init__(self, name, state_dir):
        self.name = name
        self.state_dir = state_dir
        self.lock = threading.Lock()

    def record(self, method, context, deadline, outcome, **extra):
        if not self.state_dir:
            return
        line = {"method": method, "metadata": [list(m) for m in metadata_list(context)],
                "deadline": deadline, "outcome": outcome, "peer": context.peer()}
        line.update(extra)
        with self.lock:
            with open(os.path.join(self.state_dir, "calls.jsonl"), "a", encoding="utf-8") as log:
                log.write(json.dumps(line) + "\n")

    def start(self, context):
        context.send_initial_metadata((("x-backend", self.name),))

    # --- the methods ---

    def echo(self, request, context):
        echoed = [(k, v) for k, v in metadata_list(context) if k.startswith("x-echo-")]
        context.send_initial_metadata((("x-backend", self.name),) + tuple(echoed))
        context.set_trailing_metadata(tuple((k + "-trailer", v) for k, v in echoed))
        self.record("Echo", context, remaining(context), "ok", request_bytes=len(request))
        return request

    def server_stream(self, request, context):
        self.start(context)
        args = json.loads(request or b"{}")
        count, size = int(args.get("count", 1)), int(args.get("size", 0))
        interval = float(args.get("interval_ms", 0)) / 1000
        fail_code = args.get("fail_code")
        fail_after = int(args.get("fail_after", 0))
        for index in range(count):
            if fail_code is not None and index == fail_after:
                break
            if not context.is_active():
                self.record("ServerStream", context, None, "cancelled", sent=index)
                return
            yield json.dumps({"index": index, "payload": "x" * size}).encode()
            if interval:
                time.sleep(interval)
        if fail_code is not None:
            self.record("ServerStream", context, None, "failed", sent=min(count, fail_after))
            context.abort(status_code(fail_code), args.get("fail_details", ""))
        self.record("ServerStream", context, None, "ok", sent=count)

    def sum(self, request_iterator, context):
        self.start(context)
        total, count = 0, 0
        for message in request_iterator:
            total += int(message.decode() or "0")
            count += 1
        self.record("Sum", context, None, "ok", count=count)
        return json.dumps({"sum": total, "count": count}).encode()

    def bidi_echo(self, request_iterator, context):
        self.start(context)
        count = 0
        for message in request_iterator:
            count += 1
            yield message
        self.record("BidiEcho", context, None, "ok", count=count)

    def fail(self, request, context):
        args = json.loads(request or b"{}")
        trailers = tuple((k, str(v)) for k, v in args.get("trailers", {}).items())
        context.set_trailing_metadata((("x-backend", self.name),) + trailers)
        self.record("Fail", context, remaining(context), "failed", code=args.get("code"))
        context.abort(status_code(args.get("code", "UNKNOWN")), args.get("details", ""))

    def sleep(self, request, context):
        self.start(context)
        deadline = remaining(context)
        wanted = float(json.loads(request or b"{}").get("ms", 0)) / 1000
        started = time.monotonic()
        while time.monotonic() - started < wanted and context.is_active():
            time.sleep(min(0.01, wanted))
        slept = time.monotonic() - started
        cancelled = not context.is_active()
        self.record("Sleep", context, deadline, "cancelled" if cancelled else "ok",
                    slept_ms=round(slept * 1000))
        return json.dumps({"slept_ms": round(slept * 1000), "cancelled": cancelled}).encode()

    def inspect(self, request, context):
        deadline = remaining(context)
        self.start(context)
        answer = {"metadata": [list(m) for m in metadata_list(context)], "deadline": deadline,
                  "peer": context.peer(), "method": "Inspect", "request_bytes": len(request)}
        self.record("Inspect", context, deadline, "ok")
        return json.dumps(answer).encode()

    def handler(self):
        # None as (de)serializer: the methods see and return bytes.
        return grpc.method_handlers_generic_handler(SERVICE, {
            "Echo": grpc.unary_unary_rpc_method_handler(self.echo),
            "ServerStream": grpc.unary_stream_rpc_method_handler(self.server_stream),
            "Sum": grpc.stream_unary_rpc_method_handler(self.sum),
            "BidiEcho": grpc.stream_stream_rpc_method_handler(self.bidi_echo),
            "Fail": grpc.unary_unary_rpc_method_handler(self.fail),
            "Sleep": grpc.unary_unary_rpc_method_handler(self.sleep),
            "Inspect": grpc.unary_unary_rpc_method_handler(self.inspect),
        })


def remaining(context):
    """Seconds left before the call's deadline (from its grpc-timeout), None without one."""
    left = context.time_remaining()
    return None if left is None or left > 1e9 else round(left, 3)


def metadata_list(context):
    return [(m.key, m.value if isinstance(m.value, str) else m.value.hex())
            for m in context.invocation_metadata()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port-file", help="receives the port listened on")
    parser.add_argument("--cert", help="TLS certificate chain (PEM); with --key")
    parser.add_argument("--key", help="TLS private key (PEM)")
    parser.add_argument("--client-ca", help="require client certificates signed by this CA")
    parser.add_argument("--state-dir", help="calls.jsonl goes here")
    parser.add_argument("--name", default="backend")
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    if bool(args.cert) != bool(args.key):
        parser.error("--cert and --key go together")

    backend = Backend(args.name, args.state_dir)
    options = [("grpc.max_receive_message_length", MAX_MESSAGE),
               ("grpc.max_send_message_length", MAX_MESSAGE),
               ("grpc.so_reuseport", 0)]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.workers), options=options,
                         handlers=[backend.handler()])
    address = f"{args.host}:{args.port}"
    if args.cert:
        with open(args.cert, "rb") as cert, open(args.key, "rb") as key:
            pair = (key.read(), cert.read())
        root = None
        if args.client_ca:
            with open(args.client_ca, "rb") as ca:
                root = ca.read()
        credentials = grpc.ssl_server_credentials(
            [pair], root_certificates=root, require_client_auth=root is not None)
        port = server.add_secure_port(address, credentials)
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        sys.exit(f"grpc_backend: cannot listen on {address}")
    server.start()
    if args.port_file:
        temporary = args.port_file + ".tmp"
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(f"{port}\n")
        os.replace(temporary, args.port_file)  # whole or absent, for a reader that polls
    print(f"grpc_backend {args.name} listening on {args.host}:{port}"
          f"{' (TLS)' if args.cert else ''}", flush=True)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()
