#!/usr/bin/python3
"""A gRPC client (grpcio) for grpc_backend.py's methods, directly or through a proxy.

Each subcommand makes one call and prints one JSON object on stdout:
  {"code": "OK", "code_value": 0, "details": "...", "messages": [...],
   "initial_metadata": [[k, v], ...], "trailing_metadata": [[k, v], ...], "elapsed_ms": N}
Messages that are JSON are decoded; others are given as text, or as {"bytes": N, "sha256": H}
when --summary or not UTF-8. The exit status is 0 whenever the call ended with a status (any
status: read "code"), 2 for a usage error.

  grpc_client.py --target 127.0.0.1:PORT echo --message hi [--size N]
  grpc_client.py --target H:P server-stream --count 5 [--size S] [--interval-ms I]
                 [--fail-after K --fail-code C]
  grpc_client.py --target H:P client-stream --values 1 2 3
  grpc_client.py --target H:P bidi --messages a b c     (ping-pong: each waits for its echo)
  grpc_client.py --target H:P fail --code NOT_FOUND --details "no such thing" [--trailer k=v]
  grpc_client.py --target H:P --timeout 0.5 sleep --ms 2000
  grpc_client.py --target H:P --timeout 3 inspect

Common options: --metadata k=v (repeatable), --timeout SECONDS (the call's deadline, sent as
grpc-timeout), --cafile CA for TLS (--server-name overrides the name checked and sent as SNI;
--cert/--key for a client certificate), --authority to set :authority.
"""
import argparse
import hashlib
import json
import queue
import sys
import time

import grpc

SERVICE = "/apigw.test.TestService/"


def service_path(args):
    return "/" + args.service + "/"
MAX_MESSAGE = 64 * 1024 * 1024


def metadata_pairs(values):
    pairs = []
    for value in values or []:
        key, sep, val = value.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"metadata '{value}' is not key=value")
        pairs.append((key.lower(), val))
    return pairs


def show_message(message, summary):
    if not summary:
        try:
            text = message.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            try:
                return json.loads(text)
            except ValueError:
                return text
    return {"bytes": len(message), "sha256": hashlib.sha256(message).hexdigest()}


def show_metadata(metadata):
    if metadata is None:
        return []
    return [[m.key, m.value if isinstance(m.value, str) else m.value.hex()] for m in metadata]


def channel_for(args):
    options = [("grpc.max_receive_message_length", MAX_MESSAGE),
               ("grpc.max_send_message_length", MAX_MESSAGE),
               # One connection per call: a proxy test sees each call arrive anew.
               ("grpc.use_local_subchannel_pool", 1)]
    if args.authority:
        options.append(("grpc.default_authority", args.authority))
    if not args.cafile:
        return grpc.insecure_channel(args.target, options=options)
    if args.server_name:
        options.append(("grpc.ssl_target_name_override", args.server_name))
    with open(args.cafile, "rb") as ca:
        root = ca.read()
    key = chain = None
    if args.cert:
        with open(args.cert, "rb") as cert, open(args.key, "rb") as private:
            chain, key = cert.read(), private.read()
    credentials = grpc.ssl_channel_credentials(root_certificates=root, private_key=key,
                                               certificate_chain=chain)
    return grpc.secure_channel(args.target, credentials, options=options)


class Result:
    """What one call ended with: its status, messages and metadata either way."""

    def __init__(self, summary):
        self.summary = summary
        self.messages = []
        self.call = None
        self.error = None

    def add(self, message):
        self.messages.append(show_message(message, self.summary))

    def to_json(self, elapsed):
        call = self.error if self.error is not None else self.call
        code = call.code() if call is not None else grpc.StatusCode.UNKNOWN
        return {
            "code": code.name,
            "code_value": code.value[0],
            "details": call.details() if call is not None else "",
            "messages": self.messages,
            "initial_metadata": show_metadata(call.initial_metadata() if call else None),
            "trailing_metadata": show_metadata(call.trailing_metadata() if call else None),
            "elapsed_ms": round(elapsed * 1000),
        }


def run(args):
    channel = channel_for(args)
    call_options = {"timeout": args.timeout, "metadata": metadata_pairs(args.metadata)}
    result = Result(args.summary)

    def unary(method, request):
        stub = channel.unary_unary(service_path(args) + method)
        try:
            response, result.call = stub.with_call(request, **call_options)
            result.add(response)
        except grpc.RpcError as error:
            result.error = error

    def server_stream(method, request):
        stub = channel.unary_stream(service_path(args) + method)
        call = stub(request, **call_options)
        result.call = call
        try:
            for message in call:
                result.add(message)
        except grpc.RpcError as error:
            result.error = error

    def client_stream(method, requests):
        stub = channel.stream_unary(service_path(args) + method)
        try:
            response, result.call = stub.with_call(iter(requests), **call_options)
            result.add(response)
        except grpc.RpcError as error:
            result.error = error

    def ping_pong(method, requests):
        # Each message goes out only once the echo of the previous one came back: both
        # directions must stream through whatever is in between.
        outgoing = queue.Queue()

        def produce():
            while True:
                item = outgoing.get()
                if item is None:
                    return
                yield item

        stub = channel.stream_stream(service_path(args) + method)
        call = stub(produce(), **call_options)
        result.call = call
        pending = list(requests)
        if pending:
            outgoing.put(pending.pop(0))
        else:
            outgoing.put(None)
        try:
            for message in call:
                result.add(message)
                outgoing.put(pending.pop(0) if pending else None)
        except grpc.RpcError as error:
            result.error = error
        finally:
            outgoing.put(None)

    started = time.monotonic()
    if args.command == "echo":
        payload = args.message.encode() if args.size is None else b"e" * args.size
        unary("Echo", payload)
    elif args.command == "server-stream":
        request = {"count": args.count, "size": args.size, "interval_ms": args.interval_ms}
        if args.fail_code is not None:
            request.update(fail_code=args.fail_code, fail_after=args.fail_after,
                           fail_details=args.fail_details)
        server_stream("ServerStream", json.dumps(request).encode())
    elif args.command == "client-stream":
        client_stream("Sum", [str(v).encode() for v in args.values])
    elif args.command == "bidi":
        ping_pong("BidiEcho", [m.encode() for m in args.messages])
    elif args.command == "fail":
        request = {"code": args.code, "details": args.details,
                   "trailers": dict(metadata_pairs(args.trailer))}
        unary("Fail", json.dumps(request).encode())
    elif args.command == "sleep":
        unary("Sleep", json.dumps({"ms": args.ms}).encode())
    elif args.command == "inspect":
        unary("Inspect", b"")
    elapsed = time.monotonic() - started
    print(json.dumps(result.to_json(elapsed)), flush=True)
    channel.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", required=True, help="host:port")
    parser.add_argument("--timeout", type=float, help="the call's deadline in seconds")
    parser.add_argument("--metadata", action="append", help="k=v, repeatable")
    parser.add_argument("--cafile", help="TLS: trust this CA (PEM)")
    parser.add_argument("--server-name", help="TLS: the name to check and send as SNI")
    parser.add_argument("--cert", help="TLS client certificate (PEM); with --key")
    parser.add_argument("--key")
    parser.add_argument("--authority", help=":authority to send")
    parser.add_argument("--service", default="apigw.test.TestService",
                        help="the service to call (another name reaches other routes)")
    parser.add_argument("--summary", action="store_true",
                        help="messages as byte counts and hashes, not their text")
    commands = parser.add_subparsers(dest="command", required=True)
    echo = commands.add_parser("echo")
    echo.add_argument("--message", default="hello")
    echo.add_argument("--size", type=int, help="send SIZE bytes instead of --message")
    stream = commands.add_parser("server-stream")
    stream.add_argument("--count", type=int, default=3)
    stream.add_argument("--size", type=int, default=0)
    stream.add_argument("--interval-ms", type=float, default=0)
    stream.add_argument("--fail-after", type=int, default=0)
    stream.add_argument("--fail-code")
    stream.add_argument("--fail-details", default="")
    client = commands.add_parser("client-stream")
    client.add_argument("--values", type=int, nargs="*", default=[1, 2, 3])
    bidi = commands.add_parser("bidi")
    bidi.add_argument("--messages", nargs="*", default=["one", "two", "three"])
    fail = commands.add_parser("fail")
    fail.add_argument("--code", default="NOT_FOUND")
    fail.add_argument("--details", default="")
    fail.add_argument("--trailer", action="append", help="k=v trailing metadata, repeatable")
    sleep = commands.add_parser("sleep")
    sleep.add_argument("--ms", type=int, default=1000)
    commands.add_parser("inspect")
    args = parser.parse_args()
    if bool(args.cert) != bool(args.key):
        parser.error("--cert and --key go together")
    try:
        metadata_pairs(args.metadata)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    run(args)


if __name__ == "__main__":
    main()
