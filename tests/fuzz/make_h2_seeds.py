#!/usr/bin/python3
"""Writes the seed corpora of the three HTTP/2 fuzz targets (tests/fuzz/corpus/h2_*).

h2_server_session: two bytes choosing the feed size, then client frames after the preface (the
target sends the preface itself). h2_request_head: a flags byte (bit 0 END_STREAM, bit 1 tight
limits), then fields as [name length][name][value length, 2 bytes][value]. h2_client_session: two
bytes choosing the feed size, a byte of caller habits (h2_client_session_fuzz.cpp), then the
server's frames, its SETTINGS first; the target has submitted streams 1 (GET), 3 (POST with a
body and trailers) and 5 (HEAD).

Usage: make_h2_seeds.py [CORPUS_DIR]   (default: tests/fuzz/corpus next to this script)
"""
import pathlib
import struct
import sys

import hpack

GET = [(":method", "GET"), (":scheme", "https"), (":path", "/a?b=1"), (":authority", "h.test")]
POST = [(":method", "POST"), (":scheme", "http"), (":path", "/up"), (":authority", "h.test")]

END_STREAM, END_HEADERS, PADDED = 0x1, 0x4, 0x8


class Client:
    def __init__(self):
        self.encoder = hpack.Encoder()
        self.out = bytearray()

    def frame(self, kind, flags, stream, payload=b""):
        self.out += struct.pack(">I", len(payload))[1:] + bytes([kind, flags])
        self.out += struct.pack(">I", stream & 0x7FFFFFFF) + payload
        return self

    def settings(self, entries=(), ack=False):
        payload = b"".join(struct.pack(">HI", k, v) for k, v in entries)
        return self.frame(0x4, 0x1 if ack else 0, 0, payload)

    def headers(self, stream, fields, flags=END_HEADERS | END_STREAM):
        return self.frame(0x1, flags, stream, self.encoder.encode(fields))

    def data(self, stream, payload, flags=0):
        return self.frame(0x0, flags, stream, payload)

    def rst(self, stream, code=8):
        return self.frame(0x3, 0, stream, struct.pack(">I", code))


def session_seeds():
    seeds = {}

    def seed(name, client, piece=0xFFFF):
        seeds[name] = struct.pack(">H", piece) + bytes(client.out)

    seed("get", Client().settings().headers(1, GET))
    seed("get_byte_by_byte", Client().settings().headers(1, GET), piece=0)
    c = Client().settings().headers(1, POST + [("content-length", "10")], END_HEADERS)
    seed("post_content_length", c.data(1, b"01234").data(1, b"56789", END_STREAM))
    c = Client().settings().headers(1, POST, END_HEADERS)
    seed("post_stream_end_trailers",
         c.data(1, b"abc").headers(1, [("x-checksum", "1")], END_HEADERS | END_STREAM))
    seed("cookies", Client().settings().headers(1, GET + [("cookie", "a=1"), ("cookie", "b=2")]))
    c = Client().settings()
    for stream in range(1, 40, 2):
        c.headers(stream, GET, END_HEADERS).rst(stream)
    seed("rapid_reset", c)
    c = Client().settings()
    block = c.encoder.encode(GET)
    c.frame(0x1, 0, 1, block)
    for _ in range(12):
        c.frame(0x9, 0, 1, b"\xa0" * 8)
    seed("continuation_flood", c)
    c = Client().settings()
    for _ in range(120):
        c.settings([(0x2, 0)])
    seed("settings_flood", c)
    c = Client().settings()
    for _ in range(120):
        c.frame(0x6, 0, 0, b"pingping")
    seed("ping_flood", c)
    c = Client().settings().headers(1, POST, END_HEADERS)
    for _ in range(70):
        c.data(1, b"")
    seed("empty_data_flood", c)
    c = Client().settings().headers(1, POST, END_HEADERS)
    c.frame(0x0, PADDED | END_STREAM, 1, b"\x03abcXYZ")
    seed("padded_data", c)
    c = Client().settings()
    c.headers(1, GET + [("x-bomb", "b" * 1000)] * 10)
    seed("hpack_bomb", c)
    c = Client().settings()
    c.headers(1, GET + [("x-%d" % i, "v" * 100) for i in range(20)])
    seed("head_too_large", c)
    for name, extra in [("connection", [("connection", "close")]),
                        ("transfer_encoding", [("transfer-encoding", "chunked")]),
                        ("te_gzip", [("te", "gzip")]), ("uppercase", [("X-Up", "1")]),
                        ("host_differs", [("host", "evil.test")]),
                        ("crlf_value", [("x-v", "a\r\nb")])]:
        seed("malformed_" + name, Client().settings().headers(1, GET + extra))
    c = Client().settings()
    for stream in range(1, 24, 2):
        c.headers(stream, GET, END_HEADERS)
    seed("over_concurrency", c.settings(ack=True).headers(25, GET))
    c = Client().settings().headers(1, GET)
    c.frame(0x8, 0, 0, struct.pack(">I", 100000)).frame(0x8, 0, 1, struct.pack(">I", 10))
    c.frame(0x2, 0, 3, struct.pack(">IB", 0, 15)).frame(0xFA, 0, 0, b"ext")
    seed("window_update_priority_unknown", c)
    seed("client_goaway", Client().settings().headers(1, GET).frame(
        0x7, 0, 0, struct.pack(">II", 0, 0)))
    return seeds


def client_seeds():
    seeds = {}
    ok = [(":status", "200"), ("content-type", "application/grpc")]
    grpc_trailers = [("grpc-status", "0"), ("grpc-message", "OK")]

    def server():
        return Client().settings([(0x3, 100), (0x4, 65535)]).settings(ack=True)

    def seed(name, frames, piece=0xFFFF, habits=0x01):
        seeds[name] = struct.pack(">HB", piece, habits) + bytes(frames.out)

    def answers(c):
        c.headers(1, ok, END_HEADERS).data(1, b"\0\0\0\0\x02hi").headers(1, grpc_trailers)
        c.frame(0x8, 0, 3, struct.pack(">I", 100000)).frame(0x8, 0, 0, struct.pack(">I", 100000))
        c.headers(3, ok, END_HEADERS).data(3, b"x" * 100, END_STREAM)
        c.headers(5, [(":status", "200"), ("content-length", "10")])
        return c

    seed("grpc_answers", answers(server()))
    seed("grpc_answers_byte_by_byte", answers(server()), piece=0)
    seed("grpc_answers_unconsumed_more_requests", answers(server()), habits=0x02)
    seed("grpc_answers_cancelled", answers(server()), habits=0x05)
    seed("graceful_goaway_halfway", answers(server()), habits=0x09)
    seed("trailers_only", server().headers(1, ok + [("grpc-status", "5")]))
    c = server().headers(1, [(":status", "103"), ("link", "</a>; rel=preload")], END_HEADERS)
    seed("informational", c.headers(1, [(":status", "100")], END_HEADERS).headers(1, ok))
    seed("goaway_last_1", server().headers(1, ok, END_HEADERS).frame(
        0x7, 0, 0, struct.pack(">II", 1, 0)).data(1, b"body", END_STREAM))
    seed("goaway_error", server().frame(0x7, 0, 0, struct.pack(">II", 3, 11)))
    seed("rst_streams", server().rst(1, 2).rst(3, 7).headers(5, ok).rst(5, 0))
    seed("head_too_large", server().headers(1, ok + [("x-%d" % i, "v" * 200) for i in range(20)]))
    seed("too_many_fields", server().headers(1, ok + [("x-%d" % i, "v") for i in range(30)]))
    c = server().headers(1, ok, END_HEADERS).data(1, b"abc")
    seed("trailers_too_large", c.headers(1, [("x-%d" % i, "t" * 300) for i in range(10)]))
    for name, fields in [("uppercase", ok + [("X-Up", "1")]),
                         ("connection", ok + [("connection", "close")]),
                         ("no_status", [("content-type", "x")]),
                         ("status_600", [(":status", "600")]),
                         ("crlf_value", ok + [("x-v", "a\r\nb")]),
                         ("interim_end_stream", [(":status", "100")])]:
        seed("malformed_" + name, server().headers(1, fields))
    seed("content_length_mismatch", server().headers(
        1, ok + [("content-length", "5")], END_HEADERS).data(1, b"abc", END_STREAM))
    c = server()
    block = c.encoder.encode(ok)
    c.frame(0x1, 0, 1, block)
    for _ in range(12):
        c.frame(0x9, 0, 1, b"\xa0" * 8)
    seed("continuation_flood", c)
    c = server()
    c.frame(0x1, END_HEADERS | END_STREAM, 1, c.encoder.encode([(":status", "200")]) +
            b"\x40\x06x-bomb\x7f\xa1\x1e" + b"b" * 4000 + b"\xbe" * 1000)
    seed("hpack_bomb", c)
    c = server().headers(1, ok, END_HEADERS)
    for _ in range(5):
        c.data(1, b"d" * 16384)
    seed("data_past_window", c, habits=0x00)
    c = server()
    for _ in range(50):
        c.frame(0x6, 0, 0, b"pingping")
    seed("ping_flood", c)
    c = server().headers(1, ok, END_HEADERS)
    c.frame(0x5, END_HEADERS, 1, struct.pack(">I", 2) + c.encoder.encode(GET))
    seed("push_promise", c.headers(2, ok).data(1, b"x", END_STREAM))
    seed("not_settings_first", Client().frame(0x6, 0, 0, b"pingping"))
    c = server().headers(1, ok, END_HEADERS)
    c.frame(0x0, PADDED | END_STREAM, 1, b"\x03abcXYZ")
    seed("padded_data", c)
    return seeds


def fields_seed(flags, fields):
    out = bytearray([flags])
    for name, value in fields:
        name, value = name.encode("latin-1"), value.encode("latin-1")
        out += bytes([len(name)]) + name + struct.pack(">H", len(value)) + value
    return bytes(out)


def head_seeds():
    cases = {
        "get": (1, GET + [("accept", "*/*")]),
        "post_content_length": (0, POST + [("content-length", "12")]),
        "post_stream_end": (0, POST + [("content-type", "text/plain")]),
        "cookies": (1, GET + [("cookie", "a=1"), ("x", "y"), ("cookie", "b=2")]),
        "host_only": (1, [(":method", "GET"), (":scheme", "http"), (":path", "/"),
                          ("host", "h.test:8080")]),
        "host_same": (1, GET + [("host", "H.TEST")]),
        "host_differs": (1, GET + [("host", "evil.test")]),
        "te_trailers": (1, GET + [("te", "trailers")]),
        "te_gzip": (1, GET + [("te", "gzip")]),
        "connection": (1, GET + [("connection", "close")]),
        "uppercase": (1, GET + [("X-Up", "1")]),
        "crlf_value": (1, GET + [("x-v", "a\r\nHost: evil")]),
        "pseudo_after_regular": (1, [(":method", "GET"), ("a", "b"), (":scheme", "http"),
                                     (":path", "/"), (":authority", "h")]),
        "options_star": (1, [(":method", "OPTIONS"), (":scheme", "http"), (":path", "*"),
                             (":authority", "h")]),
        "connect": (0, [(":method", "CONNECT"), (":authority", "h:443")]),
        "tight_count": (3, GET + [("x-%d" % i, "v") for i in range(6)]),
        "tight_uri": (3, [(":method", "GET"), (":scheme", "http"), (":path", "/" + "p" * 40),
                          (":authority", "h")]),
        "managed_fields": (1, GET + [("x-forwarded-for", "10.0.0.1"), ("x-request-id", "r"),
                                     ("expect", "100-continue"), ("x-client-cert-subject", "CN=x"),
                                     ("proxy-authorization", "Basic x"), ("trailer", "x")]),
        "obs_text": (1, GET + [("x-v", "caf\xe9")]),
        "content_length_twice": (0, POST + [("content-length", "1"), ("content-length", "1")]),
    }
    return {name: fields_seed(flags, fields) for name, (flags, fields) in cases.items()}


def main():
    root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).parent / "corpus"
    for target, seeds in (("h2_server_session", session_seeds()), ("h2_request_head", head_seeds()),
                          ("h2_client_session", client_seeds())):
        directory = root / target
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (directory / name).write_bytes(data)
        print(f"{target}: {len(seeds)} seeds in {directory}")


if __name__ == "__main__":
    main()
