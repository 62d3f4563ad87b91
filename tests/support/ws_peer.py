#!/usr/bin/python3
"""WebSocket peers for the integration tests, on Debian's python3-websockets.

serve:  a backend. Echoes every message (text as text, binary as binary) and obeys a few text
        commands: "headers" (answers the upgrade request's path and headers as JSON), "close:CODE"
        (closes with that code), "big:N" (sends N bytes of text), "fragments:K" (sends one text
        message in K frames), "greet-later" is ignored. With --greet it sends "hello" right after
        the handshake (frames behind the 101). Path /refuse answers 403 instead of 101. Logs one
        line per event to stdout.
client: runs a script of steps against a URL and prints one line per result, e.g.
        client ws://127.0.0.1:8080/chat send:hello recv close:1000
hold:   opens --count connections, prints "opened N", waits for --trigger (a file) to exist, then
        sends "alive?" on each and prints "alive A" and "closed CODE COUNT" lines.
"""
import argparse
import asyncio
import collections
import http
import json
import os
import ssl
import sys

import websockets
import websockets.exceptions


def log(*parts):
    print(*parts, flush=True)


async def serve(args):
    async def process_request(path, headers):
        if path == "/refuse":
            return http.HTTPStatus.FORBIDDEN, [("Content-Type", "text/plain")], b"refused\n"
        return None

    async def handler(ws, path=None):
        path = ws.path
        log("open", path, ws.subprotocol or "-")
        if args.greet:
            await ws.send("hello")
        try:
            async for message in ws:
                if isinstance(message, str) and message == "headers":
                    await ws.send(json.dumps({"path": path,
                                              "headers": {k.lower(): v for k, v in
                                                          ws.request_headers.raw_items()}}))
                elif isinstance(message, str) and message.startswith("close:"):
                    await ws.close(int(message[6:]), "asked")
                elif isinstance(message, str) and message.startswith("big:"):
                    await ws.send("x" * int(message[4:]))
                elif isinstance(message, str) and message.startswith("fragments:"):
                    count = int(message[10:])
                    await ws.send(iter(["part%d;" % i for i in range(count)]))
                else:
                    await ws.send(message)
        except websockets.exceptions.ConnectionClosed:
            pass
        log("closed", path, ws.close_code)

    async with websockets.serve(handler, "127.0.0.1", args.port, process_request=process_request,
                                subprotocols=["chat.v1"] if args.subprotocol else None,
                                compression="deflate" if args.deflate else None,
                                max_size=None, ping_interval=None):
        log("listening", args.port)
        await asyncio.Future()


async def client(args):
    kwargs = dict(max_size=None, ping_interval=None, open_timeout=10, close_timeout=5,
                  compression="deflate" if args.deflate else None)
    if args.subprotocol:
        kwargs["subprotocols"] = [args.subprotocol]
    if args.cafile:
        kwargs["ssl"] = ssl.create_default_context(cafile=args.cafile)
    try:
        ws = await websockets.connect(args.url, **kwargs)
    except websockets.exceptions.InvalidStatusCode as error:
        log("refused", error.status_code)
        return
    except Exception as error:  # noqa: BLE001 - reported to the test
        log("failed", type(error).__name__, error)
        return
    log("open", ws.subprotocol or "-", ws.response_headers.get("Sec-WebSocket-Extensions", "-"))
    try:
        for step in args.steps:
            kind, _, value = step.partition(":")
            if kind == "send":
                await ws.send(value)
            elif kind == "sendbin":
                await ws.send(bytes(range(256)) * (int(value) // 256) + bytes(int(value) % 256))
            elif kind == "sendbig":
                await ws.send("y" * int(value))
            elif kind == "sendfrag":
                await ws.send(iter(["frag%d;" % i for i in range(int(value))]))
            elif kind == "recv":
                message = await asyncio.wait_for(ws.recv(), 10)
                if isinstance(message, str):
                    shown = message if len(message) <= 200 or message.startswith("{") \
                        else "text(%d)" % len(message)
                    log("recv", "text", shown)
                else:
                    log("recv", "binary", len(message), message == bytes(range(256)) *
                        (len(message) // 256) + bytes(len(message) % 256))
            elif kind == "ping":
                waiter = await ws.ping(value.encode() or b"p")
                await asyncio.wait_for(waiter, 10)
                log("pong")
            elif kind == "sleep":
                await asyncio.sleep(float(value))
            elif kind == "close":
                await ws.close(int(value), "bye")
                log("closed", ws.close_code)
            elif kind == "wait-close":
                try:
                    await asyncio.wait_for(ws.wait_closed(), float(value or 10))
                except asyncio.TimeoutError:
                    log("still-open")
                    continue
                log("closed", ws.close_code)
    except websockets.exceptions.ConnectionClosed as closed:
        log("closed", closed.code)
    await ws.close()


async def hold(args):
    connections = []
    for start in range(0, args.count, 100):
        batch = [websockets.connect(args.url, ping_interval=None, open_timeout=20,
                                    close_timeout=2, compression=None)
                 for _ in range(start, min(start + 100, args.count))]
        connections += await asyncio.gather(*batch)
    log("opened", len(connections))
    while not os.path.exists(args.trigger):
        await asyncio.sleep(0.05)

    async def check(ws):
        try:
            await ws.send("alive?")
            return "alive" if await asyncio.wait_for(ws.recv(), 10) == "alive?" else "wrong"
        except websockets.exceptions.ConnectionClosed:
            return "closed %s" % ws.close_code
        except asyncio.TimeoutError:
            return "timeout"

    results = collections.Counter(await asyncio.gather(*(check(ws) for ws in connections)))
    log("alive", results.pop("alive", 0))
    for result, count in sorted(results.items()):
        log(result, count)
    await asyncio.gather(*(ws.close() for ws in connections), return_exceptions=True)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--greet", action="store_true")
    s.add_argument("--subprotocol", action="store_true")
    s.add_argument("--deflate", action="store_true")
    c = sub.add_parser("client")
    c.add_argument("url")
    c.add_argument("steps", nargs="*")
    c.add_argument("--subprotocol")
    c.add_argument("--deflate", action="store_true")
    c.add_argument("--cafile", help="wss://: trust this CA")
    h = sub.add_parser("hold")
    h.add_argument("url")
    h.add_argument("--count", type=int, required=True)
    h.add_argument("--trigger", required=True)
    args = parser.parse_args()
    asyncio.run({"serve": serve, "client": client, "hold": hold}[args.mode](args))


if __name__ == "__main__":
    sys.exit(main())
