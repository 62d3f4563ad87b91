"""h2spec 2.6.0 HTTP/2 sections 7 and 8 (http2/7 .. http2/8.2): 20 cases. Section numbers are
RFC 7540's; RFC 9113 moved the header rules to §8.2 (fields), §8.3 (pseudo-header fields) and
§8.1.1 (malformed messages), and kept every requirement tested here.
"""
from h2spec_core import case  # first: it puts tests/support on sys.path
import h2frames as h2

# ---- http2/7: Error Codes --------------------------------------------------------------------


@case("http2/7/1", "Sends a GOAWAY frame with unknown error code", "connection close")
def c7_1(t):
    t.handshake()
    t.send(h2.goaway(0, 0xff))
    t.expect_close()


@case("http2/7/2", "Sends a RST_STREAM frame with unknown error code",
      "a PING frame (nothing special happened)")
def c7_2(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields("POST"))), h2.rst_stream(1, 0xff), h2.ping())
    t.expect_type(h2.PING)


# ---- http2/8.1: HTTP Request/Response Exchange -----------------------------------------------

@case("http2/8.1/1", "Sends a second HEADERS frame without the END_STREAM flag",
      "stream error PROTOCOL_ERROR or connection close")
def c81_1(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields("POST"))), h2.data(1, b"test"),
           h2.headers(1, t.block([("x-test", "ok")]), end_stream=False))
    t.expect_stream_error(h2.PROTOCOL_ERROR)


def malformed(t, fields, end_stream=True):
    """A request head with `fields` as given; a stream error PROTOCOL_ERROR is expected."""
    t.handshake()
    t.send(h2.headers(1, t.block(fields), end_stream=end_stream))
    t.expect_stream_error(h2.PROTOCOL_ERROR)


STREAM_PROTO = "stream error PROTOCOL_ERROR or connection close"

# ---- http2/8.1.2: HTTP Header Fields ---------------------------------------------------------


@case("http2/8.1.2/1", "Sends a HEADERS frame that contains the header field name in uppercase "
      "letters", STREAM_PROTO)
def c812_1(t):
    malformed(t, t.fields(extra=[("X-TEST", "ok")]))


# ---- http2/8.1.2.1: Pseudo-Header Fields -----------------------------------------------------

@case("http2/8.1.2.1/1", "Sends a HEADERS frame that contains a unknown pseudo-header field",
      STREAM_PROTO)
def c8121_1(t):
    malformed(t, t.fields(extra=[(":test", "ok")]))


@case("http2/8.1.2.1/2", "Sends a HEADERS frame that contains the pseudo-header field defined "
      "for response", STREAM_PROTO)
def c8121_2(t):
    malformed(t, t.fields(extra=[(":status", "200")]))


@case("http2/8.1.2.1/3", "Sends a HEADERS frame that contains a pseudo-header field as trailers",
      STREAM_PROTO)
def c8121_3(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields("POST"))), h2.data(1, b"test"),
           h2.headers(1, t.block([(":method", "POST")]), end_stream=True))
    t.expect_stream_error(h2.PROTOCOL_ERROR)


@case("http2/8.1.2.1/4", "Sends a HEADERS frame that contains a pseudo-header field that "
      "appears in a header block after a regular header field", STREAM_PROTO)
def c8121_4(t):
    malformed(t, [("x-test", "ok")] + t.fields())


# ---- http2/8.1.2.2: Connection-Specific Header Fields ----------------------------------------

@case("http2/8.1.2.2/1", "Sends a HEADERS frame that contains the connection-specific header "
      "field", STREAM_PROTO)
def c8122_1(t):
    malformed(t, t.fields(extra=[("connection", "keep-alive")]))


@case("http2/8.1.2.2/2", "Sends a HEADERS frame that contains the TE header field with any "
      "value other than \"trailers\"", STREAM_PROTO)
def c8122_2(t):
    malformed(t, t.fields(extra=[("trailers", "test"), ("te", "trailers, deflate")]))


# ---- http2/8.1.2.3: Request Pseudo-Header Fields ---------------------------------------------

def pseudo(t, keep=(":method", ":scheme", ":path", ":authority"), dup=None, empty_path=False):
    fields = [(n, v) for n, v in t.fields() if n in keep]
    if empty_path:
        fields = [(n, "" if n == ":path" else v) for n, v in fields]
    if dup:
        fields.append((dup, dict(t.fields())[dup]))
    malformed(t, fields)


@case("http2/8.1.2.3/1", "Sends a HEADERS frame with empty \":path\" pseudo-header field",
      STREAM_PROTO)
def c8123_1(t):
    pseudo(t, empty_path=True)


@case("http2/8.1.2.3/2", "Sends a HEADERS frame that omits \":method\" pseudo-header field",
      STREAM_PROTO)
def c8123_2(t):
    pseudo(t, keep=(":scheme", ":path", ":authority"))


@case("http2/8.1.2.3/3", "Sends a HEADERS frame that omits \":scheme\" pseudo-header field",
      STREAM_PROTO)
def c8123_3(t):
    pseudo(t, keep=(":method", ":path", ":authority"))


@case("http2/8.1.2.3/4", "Sends a HEADERS frame that omits \":path\" pseudo-header field",
      STREAM_PROTO)
def c8123_4(t):
    pseudo(t, keep=(":method", ":scheme", ":authority"))


@case("http2/8.1.2.3/5", "Sends a HEADERS frame with duplicated \":method\" pseudo-header field",
      STREAM_PROTO)
def c8123_5(t):
    pseudo(t, dup=":method")


@case("http2/8.1.2.3/6", "Sends a HEADERS frame with duplicated \":scheme\" pseudo-header field",
      STREAM_PROTO)
def c8123_6(t):
    pseudo(t, dup=":scheme")


@case("http2/8.1.2.3/7", "Sends a HEADERS frame with duplicated \":path\" pseudo-header field",
      STREAM_PROTO)
def c8123_7(t):
    pseudo(t, dup=":path")


# ---- http2/8.1.2.6: Malformed Requests and Responses ----------------------------------------

@case("http2/8.1.2.6/1", "Sends a HEADERS frame with the \"content-length\" header field which "
      "does not equal the DATA frame payload length", STREAM_PROTO)
def c8126_1(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields("POST", [("content-length", "1")]))),
           h2.data(1, b"test", end_stream=True))
    t.expect_stream_error(h2.PROTOCOL_ERROR)


@case("http2/8.1.2.6/2", "Sends a HEADERS frame with the \"content-length\" header field which "
      "does not equal the sum of the multiple DATA frames payload length", STREAM_PROTO)
def c8126_2(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields("POST", [("content-length", "1")]))),
           h2.data(1, b"test"), h2.data(1, b"test", end_stream=True))
    t.expect_stream_error(h2.PROTOCOL_ERROR)


# ---- http2/8.2: Server Push ------------------------------------------------------------------

@case("http2/8.2/1", "Sends a PUSH_PROMISE frame",
      "connection error PROTOCOL_ERROR or connection close")
def c82_1(t):
    t.handshake()
    t.send(h2.push_promise(1, 3, t.block(t.fields())))
    t.expect_connection_error(h2.PROTOCOL_ERROR)

