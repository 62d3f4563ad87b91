"""h2spec 2.6.0 "Generic tests for HTTP/2 server" (generic/1 .. generic/5): 44 cases.

Each case: what is sent, then the verifier that decides (h2spec_core.Test.expect_*). These
cases check that well-formed frames are accepted; the HPACK ones build their representations
with h2frames' raw HPACK helpers (RFC 7541 §6) after a normally encoded request head.
"""
from h2spec_core import case  # first: it puts tests/support on sys.path
import h2frames as h2

# ---- generic/1: Starting HTTP/2 -------------------------------------------------------------


@case("generic/1/1", "Sends a client connection preface",
      "a SETTINGS frame (not an ACK) as the server's first frame")
def g1_1(t):
    t.send(h2.PREFACE, h2.settings((h2.INITIAL_WINDOW_SIZE, h2.DEFAULT_WINDOW)))
    try:
        ev = t.event()
    except Exception:
        t._fail("SETTINGS frame (flags 0x00)")
    if ev.type != h2.SETTINGS or ev.ack:
        t._fail("SETTINGS frame (flags 0x00) first", str(ev))
    t.note = str(ev)


# ---- generic/2: Streams and Multiplexing ----------------------------------------------------

@case("generic/2/1", "Sends a PRIORITY frame on idle stream", "PING ACK")
def g2_1(t):
    t.handshake()
    t.send(h2.priority(1, 0, 255), h2.ping())
    t.expect_ping_ack(b"\0" * 8)


@case("generic/2/2", "Sends a WINDOW_UPDATE frame on half-closed (remote) stream",
      "a DATA frame (the 1-octet window opened)")
def g2_2(t):
    t.handshake()
    t.send(h2.settings((h2.INITIAL_WINDOW_SIZE, 0)),
           h2.headers(1, t.block(t.fields()), end_stream=True), h2.window_update(1, 1))
    t.expect_type(h2.DATA)


@case("generic/2/3", "Sends a PRIORITY frame on half-closed (remote) stream", "a DATA frame")
def g2_3(t):
    t.handshake()
    t.send(h2.settings((h2.INITIAL_WINDOW_SIZE, 0)),
           h2.headers(1, t.block(t.fields()), end_stream=True), h2.priority(1, 0, 255),
           h2.window_update(1, 1))
    t.expect_type(h2.DATA)


@case("generic/2/4", "Sends a RST_STREAM frame on half-closed (remote) stream",
      "PING ACK or connection close")
def g2_4(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields()), end_stream=True), h2.rst_stream(1, h2.CANCEL),
           h2.ping())
    t.expect_ping_ack_or_close(b"\0" * 8)


@case("generic/2/5", "Sends a PRIORITY frame on closed stream", "PING ACK")
def g2_5(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields()), end_stream=True))
    t.expect_stream_close()
    t.send(h2.priority(1, 0, 255), h2.ping())
    t.expect_ping_ack(b"\0" * 8)


# ---- generic/3: Frame Definitions ----------------------------------------------------------

def post_head(t, end_headers=True):
    return h2.headers(1, t.block(t.fields("POST")), end_stream=False, end_headers=end_headers)


@case("generic/3.1/1", "Sends a DATA frame", "HEADERS (the response) on stream 1")
def g31_1(t):
    t.handshake()
    t.send(post_head(t), h2.data(1, b"test", end_stream=True))
    t.expect_headers(1)


@case("generic/3.1/2", "Sends multiple DATA frames", "HEADERS on stream 1")
def g31_2(t):
    t.handshake()
    t.send(post_head(t), h2.data(1, b"test"), h2.data(1, b"test", end_stream=True))
    t.expect_headers(1)


@case("generic/3.1/3", "Sends a DATA frame with padding", "HEADERS on stream 1")
def g31_3(t):
    t.handshake()
    t.send(post_head(t), h2.data(1, b"test", end_stream=True, pad_length=6))
    t.expect_headers(1)


@case("generic/3.2/1", "Sends a HEADERS frame", "HEADERS on stream 1")
def g32_1(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields()), end_stream=True))
    t.expect_headers(1)


@case("generic/3.2/2", "Sends a HEADERS frame with padding", "HEADERS on stream 1")
def g32_2(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields()), end_stream=True, pad_length=8))
    t.expect_headers(1)


@case("generic/3.2/3", "Sends a HEADERS frame with priority", "HEADERS on stream 1")
def g32_3(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields()), end_stream=True, priority=(0, 255, False)))
    t.expect_headers(1)


def priority_then_get(t, prio_stream, dep, weight, exclusive):
    t.handshake()
    t.send(h2.priority(prio_stream, dep, weight, exclusive),
           h2.headers(1, t.block(t.fields()), end_stream=True))
    t.expect_headers(1)


@case("generic/3.3/1", "Sends a PRIORITY frame with priority 1", "HEADERS on stream 1")
def g33_1(t):
    priority_then_get(t, 1, 0, 0, False)


@case("generic/3.3/2", "Sends a PRIORITY frame with priority 256", "HEADERS on stream 1")
def g33_2(t):
    priority_then_get(t, 1, 0, 255, False)


@case("generic/3.3/3", "Sends a PRIORITY frame with stream dependency", "HEADERS on stream 1")
def g33_3(t):
    priority_then_get(t, 3, 1, 0, False)


@case("generic/3.3/4", "Sends a PRIORITY frame with exclusive", "HEADERS on stream 1")
def g33_4(t):
    priority_then_get(t, 1, 0, 0, True)


@case("generic/3.3/5", "Sends a PRIORITY frame for an idle stream, then send a HEADER frame "
      "for a lower stream ID", "HEADERS on stream 1")
def g33_5(t):
    priority_then_get(t, 3, 0, 255, False)


@case("generic/3.4/1", "Sends a RST_STREAM frame", "PING ACK or connection close")
def g34_1(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields()), end_stream=False), h2.rst_stream(1, h2.CANCEL),
           h2.ping())
    t.expect_ping_ack_or_close(b"\0" * 8)


@case("generic/3.5/1", "Sends a SETTINGS frame", "SETTINGS ACK")
def g35_1(t):
    t.handshake()
    t.send(h2.settings((h2.HEADER_TABLE_SIZE, 4096), (h2.ENABLE_PUSH, 1),
                       (h2.MAX_CONCURRENT_STREAMS, 100), (h2.INITIAL_WINDOW_SIZE, 65535),
                       (h2.MAX_FRAME_SIZE, 16384), (h2.MAX_HEADER_LIST_SIZE, 100)))
    t.expect_settings_ack()


@case("generic/3.7/1", "Sends a PING frame", "PING ACK with the same payload")
def g37_1(t):
    t.handshake()
    payload = b"h2spec\0\0"
    t.send(h2.ping(payload))
    t.expect_ping_ack(payload)


@case("generic/3.8/1", "Sends a GOAWAY frame", "connection close")
def g38_1(t):
    t.handshake()
    t.send(h2.goaway(0, h2.NO_ERROR, b"h2spec"))
    t.expect_close()


@case("generic/3.9/1", "Sends a WINDOW_UPDATE frame with stream ID 0", "a PING frame")
def g39_1(t):
    t.handshake()
    t.send(h2.window_update(0, 1), h2.ping())
    t.expect_type(h2.PING)


@case("generic/3.9/2", "Sends a WINDOW_UPDATE frame with stream ID 1", "a HEADERS frame")
def g39_2(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields()), end_stream=True), h2.window_update(1, 1))
    t.expect_type(h2.HEADERS)


@case("generic/3.10/1", "Sends a CONTINUATION frame", "HEADERS on stream 1")
def g310_1(t):
    t.handshake()
    block = t.block(t.fields())
    t.send(h2.headers(1, block[:5], end_stream=True, end_headers=False),
           h2.continuation(1, block[5:]))
    t.expect_headers(1)


@case("generic/3.10/2", "Sends multiple CONTINUATION frames", "HEADERS on stream 1")
def g310_2(t):
    t.handshake()
    block = t.block(t.fields())
    t.send(h2.headers(1, block[:5], end_stream=True, end_headers=False),
           h2.continuation(1, block[5:10], end_headers=False), h2.continuation(1, block[10:]))
    t.expect_headers(1)


# ---- generic/4: HTTP Message Exchanges ----------------------------------------------------

@case("generic/4/1", "Sends a GET request", "HEADERS on stream 1")
def g4_1(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields()), end_stream=True))
    t.expect_headers(1)


@case("generic/4/2", "Sends a HEAD request", "HEADERS on stream 1")
def g4_2(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields("HEAD")), end_stream=True))
    t.expect_headers(1)


@case("generic/4/3", "Sends a POST request", "HEADERS on stream 1")
def g4_3(t):
    t.handshake()
    t.send(post_head(t), h2.data(1, b"test", end_stream=True))
    t.expect_headers(1)


@case("generic/4/4", "Sends a POST request with trailers", "HEADERS on stream 1")
def g4_4(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields("POST", [("trailer", "x-test")]))),
           h2.data(1, b"test"), h2.headers(1, t.block([("x-test", "ok")]), end_stream=True))
    t.expect_headers(1)


# ---- generic/5: HPACK (RFC 7541 §6) --------------------------------------------------------
# After the request's own fields, one extra representation of user-agent (static index 58) or
# x-test, value "h2spec". h2spec's byte strings do not always match its titles (its "indexed
# name" cases carry a new name); here each representation is the one its title names.

UA = 58  # static table: user-agent


def get_with(t, rep, prefix=b""):
    t.handshake()
    t.send(h2.headers(1, prefix + t.block(t.fields()) + rep, end_stream=True))
    t.expect_headers(1)


def literal_case(case_id, title, indexing, indexed_name, huffman):
    @case(case_id, title, "HEADERS on stream 1")
    def run(t):
        rep = h2.hpack_literal("x-test", "h2spec", indexing,
                               name_index=UA if indexed_name else None, huffman=huffman)
        get_with(t, rep)
    return run


@case("generic/5/1", "Sends a indexed header field representation", "HEADERS on stream 1")
def g5_1(t):
    get_with(t, h2.hpack_indexed(UA))


literal_case("generic/5/2", "Sends a literal header field with incremental indexing - indexed "
             "name", "incremental", True, False)
literal_case("generic/5/3", "Sends a literal header field with incremental indexing - indexed "
             "name (with Huffman coding)", "incremental", True, True)
literal_case("generic/5/4", "Sends a literal header field with incremental indexing - new name",
             "incremental", False, False)
literal_case("generic/5/5", "Sends a literal header field with incremental indexing - new name "
             "(with Huffman coding)", "incremental", False, True)
literal_case("generic/5/6", "Sends a literal header field without indexing - indexed name",
             "without", True, False)
literal_case("generic/5/7", "Sends a literal header field without indexing - indexed name "
             "(with Huffman coding)", "without", True, True)
literal_case("generic/5/8", "Sends a literal header field without indexing - new name",
             "without", False, False)
literal_case("generic/5/9", "Sends a literal header field without indexing - new name "
             "(huffman encoded)", "without", False, True)
literal_case("generic/5/10", "Sends a literal header field never indexed - indexed name",
             "never", True, False)
literal_case("generic/5/11", "Sends a literal header field never indexed - indexed name "
             "(huffman encoded)", "never", True, True)
literal_case("generic/5/12", "Sends a literal header field never indexed - new name",
             "never", False, False)
literal_case("generic/5/13", "Sends a literal header field never indexed - new name "
             "(huffman encoded)", "never", False, True)


@case("generic/5/14", "Sends a dynamic table size update", "HEADERS on stream 1")
def g5_14(t):
    get_with(t, b"", prefix=h2.hpack_size_update(0))


@case("generic/5/15", "Sends multiple dynamic table size update", "HEADERS on stream 1")
def g5_15(t):
    # RFC 7541 §4.2: at most two updates, at the start of the block (0, then 4096).
    get_with(t, b"", prefix=h2.hpack_size_update(0) + h2.hpack_size_update(4096))
