#!/usr/bin/python3
"""One HTTP/2 request made of exactly the header fields given, over raw frames, and what the
server answered: for the h2 -> h1 smuggling tests (tests/integration/h2_smuggling_test.cpp),
which then look at what reached the backend.

Every field is sent as given (order, case, bytes: CR, LF, spaces), as an HPACK literal without
indexing and without Huffman coding, so that nothing on the client side normalizes it.

  h2_request.py --port N [--tls --cafile F --server-name S]
                --field NAME VALUE ...        (pseudo-header fields too, in the order given)
                [--data TEXT ...]             (one DATA frame each, in order)
                [--trailer NAME VALUE ...]    (a trailer block after the DATA)
                [--no-end-stream]             (never end the stream: the server must decide)
                [--pause-ms MS]               (between the HEADERS and what follows; without
                                               it, all frames go in one write)
                [--wait S]                    (how long to wait for the answer, default 3)
                [--linger S]                  (then stay, silent, until the server closes or S
                                               seconds pass: when does it close?)

Without --data and --trailer, the HEADERS frame carries END_STREAM. Prints one JSON object:
status (of the response on stream 1, or null), body, rst (stream 1's RST_STREAM code name or
null), goaway (its code name or null), closed (the connection closed), closed_after_s (with
--linger: seconds from the answer to the close, or null), frames (what came, in order, as short
texts).

Debian's /usr/bin/python3 (python3-hpack); loopback targets only.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import h2frames as h2  # noqa: E402


def block(fields):
    return b"".join(h2.hpack_literal(name, value, "without") for name, value in fields)


def to_bytes(text):
    return os.fsencode(text)  # argv bytes exactly as given (surrogateescape)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--cafile")
    ap.add_argument("--server-name")
    ap.add_argument("--field", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    ap.add_argument("--data", action="append", default=[])
    ap.add_argument("--trailer", nargs=2, action="append", default=[],
                    metavar=("NAME", "VALUE"))
    ap.add_argument("--no-end-stream", action="store_true")
    ap.add_argument("--pause-ms", type=float, default=0)
    ap.add_argument("--wait", type=float, default=3.0)
    ap.add_argument("--linger", type=float, default=0)
    a = ap.parse_args(argv)

    result = {"status": None, "body": "", "rst": None, "goaway": None, "closed": False,
              "closed_after_s": None, "frames": [], "error": None}
    try:
        conn = h2.H2Conn.connect(a.host, a.port, tls=a.tls, cafile=a.cafile,
                                 server_name=a.server_name, timeout=2.0)
        err = conn.handshake()
        if err:
            raise ConnectionError(err)
    except (OSError, ConnectionError) as exc:
        result["error"] = str(exc)
        print(json.dumps(result))
        return 2

    fields = [(to_bytes(n), to_bytes(v)) for n, v in a.field]
    trailers = [(to_bytes(n), to_bytes(v)) for n, v in a.trailer]
    has_more = bool(a.data or trailers)
    head = h2.headers(1, block(fields), end_stream=not has_more and not a.no_end_stream)
    rest = b""
    for i, text in enumerate(a.data):
        last = i == len(a.data) - 1 and not trailers and not a.no_end_stream
        rest += h2.data(1, to_bytes(text), end_stream=last)
    if trailers:
        rest += h2.headers(1, block(trailers), end_stream=not a.no_end_stream)
    if a.pause_ms:  # the head alone first, the rest after the pause
        conn.send(head)
        time.sleep(a.pause_ms / 1000.0)
        conn.send(rest)
    else:  # one write: usually one read at the server
        conn.send(head + rest)

    deadline = time.monotonic() + a.wait
    while time.monotonic() < deadline:
        ev = conn.read_frame(deadline=deadline)
        if ev is h2.TIMEOUT:
            break
        if ev is h2.CLOSED:
            result["closed"] = True
            break
        result["frames"].append(str(ev)[:200])
        if ev.type == h2.GOAWAY:
            result["goaway"] = h2.error_name(ev.error_code or 0)
        elif ev.type == h2.RST_STREAM and ev.stream_id == 1:
            result["rst"] = h2.error_name(ev.error_code or 0)
            break
        elif ev.type in (h2.HEADERS, h2.CONTINUATION) and ev.stream_id == 1:
            decoded = conn.decode_headers(ev)
            status = dict(decoded or ()).get(":status")
            if status and int(status) >= 200:
                result["status"] = int(status)
            if ev.end_stream and result["status"]:
                break
        elif ev.type == h2.DATA and ev.stream_id == 1:
            result["body"] += bytes(ev.payload).decode("latin-1")
            if ev.end_stream:
                break
    if a.linger > 0 and not result["closed"]:
        answered = time.monotonic()
        deadline = answered + a.linger
        while time.monotonic() < deadline:
            ev = conn.read_frame(deadline=deadline)
            if ev is h2.TIMEOUT:
                break
            if ev is h2.CLOSED:
                result["closed"] = True
                result["closed_after_s"] = round(time.monotonic() - answered, 3)
                break
            result["frames"].append(str(ev)[:200])
            if ev.type == h2.GOAWAY:
                result["goaway"] = h2.error_name(ev.error_code or 0)
    conn.close()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
