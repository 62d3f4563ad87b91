"""h2spec 2.6.0 HTTP/2 section 6, Frame Definitions (http2/6.1 .. http2/6.10): 42 cases."""
from h2spec_core import case  # first: it puts tests/support on sys.path
import h2frames as h2
from cases_http2_3_5 import get


def post(t, stream_id=1, end_headers=True, extra=()):
    return h2.headers(stream_id, t.block(t.fields("POST", extra)), end_stream=False,
                      end_headers=end_headers)


# ---- http2/6.1: DATA -------------------------------------------------------------------------

@case("http2/6.1/1", "Sends a DATA frame with 0x0 stream identifier",
      "connection error PROTOCOL_ERROR or connection close")
def c61_1(t):
    t.handshake()
    t.send(h2.data(0, b"test", end_stream=True))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.1/2", "Sends a DATA frame on the stream that is not in \"open\" or "
      "\"half-closed (local)\" state", "stream error STREAM_CLOSED or connection close")
def c61_2(t):
    t.handshake()
    t.send(h2.headers(1, t.block(t.fields("POST")), end_stream=True),
           h2.data(1, b"test", end_stream=True))
    t.expect_stream_error(h2.STREAM_CLOSED)


@case("http2/6.1/3", "Sends a DATA frame with invalid pad length",
      "connection error PROTOCOL_ERROR or connection close")
def c61_3(t):
    t.handshake()
    t.send(post(t, extra=[("content-length", "4")]))
    # Length 5: Pad Length 6 (more than the 4 octets left), then "Test".
    t.send(h2.raw_header(5, h2.DATA, h2.END_STREAM | h2.PADDED, 1) + b"\x06Test")
    t.expect_connection_error(h2.PROTOCOL_ERROR)


# ---- http2/6.2: HEADERS ----------------------------------------------------------------------

@case("http2/6.2/1", "Sends a HEADERS frame without the END_HEADERS flag, and a PRIORITY frame",
      "connection error PROTOCOL_ERROR or connection close")
def c62_1(t):
    t.handshake()
    t.send(get(t, end_stream=False, end_headers=False), h2.priority(1, 0, 255),
           h2.continuation(1, t.block(t.dummy_fields(1))))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.2/2", "Sends a HEADERS frame to another stream while sending a HEADERS frame",
      "connection error PROTOCOL_ERROR or connection close")
def c62_2(t):
    t.handshake()
    t.send(get(t, end_stream=False, end_headers=False), get(t, 3),
           h2.continuation(1, t.block(t.dummy_fields(1))))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.2/3", "Sends a HEADERS frame with 0x0 stream identifier",
      "connection error PROTOCOL_ERROR or connection close")
def c62_3(t):
    t.handshake()
    t.send(get(t, 0))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.2/4", "Sends a HEADERS frame with invalid pad length",
      "PROTOCOL_ERROR (h2spec accepts a stream error) or connection close")
def c62_4(t):
    t.handshake()
    block = t.block(t.fields())
    # Length = block + 1, Pad Length = block + 2: padding longer than what follows it.
    # RFC 9113 §6.2 makes this a connection error; h2spec verifies with its stream-error
    # verifier (which also takes GOAWAY or a close), and so does this case.
    t.send(h2.raw_header(len(block) + 1, h2.HEADERS, h2.END_STREAM | h2.END_HEADERS | h2.PADDED,
                         1) + bytes([len(block) + 2]) + block)
    t.expect_stream_error(h2.PROTOCOL_ERROR)


# ---- http2/6.3: PRIORITY ---------------------------------------------------------------------

@case("http2/6.3/1", "Sends a PRIORITY frame with 0x0 stream identifier",
      "connection error PROTOCOL_ERROR or connection close")
def c63_1(t):
    t.handshake()
    t.send(h2.priority(0, 0, 255))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.3/2", "Sends a PRIORITY frame with a length other than 5 octets",
      "stream error FRAME_SIZE_ERROR or connection close")
def c63_2(t):
    t.handshake()
    t.send(get(t), h2.frame(h2.PRIORITY, 0, 1, b"\x80\x00\x00\x01"))
    t.expect_stream_error(h2.FRAME_SIZE_ERROR)


# ---- http2/6.4: RST_STREAM -------------------------------------------------------------------

@case("http2/6.4/1", "Sends a RST_STREAM frame with 0x0 stream identifier",
      "connection error PROTOCOL_ERROR or connection close")
def c64_1(t):
    t.handshake()
    t.send(h2.rst_stream(0, h2.CANCEL))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.4/2", "Sends a RST_STREAM frame on a idle stream",
      "connection error PROTOCOL_ERROR or connection close")
def c64_2(t):
    t.handshake()
    t.send(h2.rst_stream(1, h2.CANCEL))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.4/3", "Sends a RST_STREAM frame with a length other than 4 octets",
      "FRAME_SIZE_ERROR (h2spec accepts a stream error) or connection close")
def c64_3(t):
    t.handshake()
    # RFC 9113 §6.4: a connection error; h2spec's verifier also takes RST_STREAM.
    t.send(get(t), h2.frame(h2.RST_STREAM, 0, 1, b"\0\0\0"))
    t.expect_stream_error(h2.FRAME_SIZE_ERROR)


# ---- http2/6.5: SETTINGS ---------------------------------------------------------------------

@case("http2/6.5/1", "Sends a SETTINGS frame with ACK flag and payload",
      "connection error FRAME_SIZE_ERROR or connection close")
def c65_1(t):
    t.handshake()
    t.send(h2.frame(h2.SETTINGS, h2.ACK, 0, b"\0"))
    t.expect_connection_error(h2.FRAME_SIZE_ERROR)


@case("http2/6.5/2", "Sends a SETTINGS frame with a stream identifier other than 0x0",
      "connection error PROTOCOL_ERROR or connection close")
def c65_2(t):
    t.handshake()
    t.send(h2.settings((h2.MAX_CONCURRENT_STREAMS, 100), stream_id=1))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.5/3", "Sends a SETTINGS frame with a length other than a multiple of 6 octets",
      "connection error FRAME_SIZE_ERROR (or PROTOCOL_ERROR) or connection close")
def c65_3(t):
    t.handshake()
    t.send(h2.frame(h2.SETTINGS, 0, 0, b"\x00\x03\x00"))
    t.expect_stream_error(h2.PROTOCOL_ERROR, h2.FRAME_SIZE_ERROR)


# ---- http2/6.5.2: Defined SETTINGS Parameters ------------------------------------------------

def bad_setting(t, ident, value, code):
    t.handshake()
    t.send(h2.settings((ident, value)))
    t.expect_connection_error(code)


@case("http2/6.5.2/1", "SETTINGS_ENABLE_PUSH (0x2): Sends the value other than 0 or 1",
      "connection error PROTOCOL_ERROR or connection close")
def c652_1(t):
    bad_setting(t, h2.ENABLE_PUSH, 2, h2.PROTOCOL_ERROR)


@case("http2/6.5.2/2", "SETTINGS_INITIAL_WINDOW_SIZE (0x4): Sends the value above the maximum "
      "flow control window size", "connection error FLOW_CONTROL_ERROR or connection close")
def c652_2(t):
    bad_setting(t, h2.INITIAL_WINDOW_SIZE, 2 ** 31, h2.FLOW_CONTROL_ERROR)


@case("http2/6.5.2/3", "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value below the initial value",
      "connection error PROTOCOL_ERROR or connection close")
def c652_3(t):
    bad_setting(t, h2.MAX_FRAME_SIZE, 16383, h2.PROTOCOL_ERROR)


@case("http2/6.5.2/4", "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value above the maximum "
      "allowed frame size", "connection error PROTOCOL_ERROR or connection close")
def c652_4(t):
    bad_setting(t, h2.MAX_FRAME_SIZE, 2 ** 24, h2.PROTOCOL_ERROR)


@case("http2/6.5.2/5", "Sends a SETTINGS frame with unknown identifier",
      "a PING frame (the setting ignored)")
def c652_5(t):
    t.handshake()
    t.send(h2.settings((0xFF, 1)), h2.ping())
    t.expect_type(h2.PING)


# ---- http2/6.5.3: Settings Synchronization ---------------------------------------------------

@case("http2/6.5.3/1", "Sends multiple values of SETTINGS_INITIAL_WINDOW_SIZE",
      "a DATA frame of 1 octet (the last value, 1, applies)")
def c653_1(t):
    t.server_data_length(1)
    t.handshake()
    t.send(h2.settings((h2.INITIAL_WINDOW_SIZE, 100), (h2.INITIAL_WINDOW_SIZE, 1)))
    t.expect_type(h2.SETTINGS)
    t.send(get(t))
    t.expect_data_length(1, 1)


@case("http2/6.5.3/2", "Sends a SETTINGS frame without ACK flag", "SETTINGS ACK")
def c653_2(t):
    t.handshake()
    t.send(h2.settings((h2.ENABLE_PUSH, 0)))
    t.expect_settings_ack()


# ---- http2/6.7: PING -------------------------------------------------------------------------

@case("http2/6.7/1", "Sends a PING frame", "PING ACK with the same payload")
def c67_1(t):
    t.handshake()
    payload = b"h2spec\0\0"
    t.send(h2.ping(payload))
    t.expect_ping_ack(payload)


@case("http2/6.7/2", "Sends a PING frame with ACK",
      "the ACK of the second PING, never one of the first (an ACK is not answered)")
def c67_2(t):
    t.handshake()
    unexpected, expected = b"invalid\0", b"h2spec\0\0"
    t.send(h2.ping(unexpected, ack=True), h2.ping(expected))
    ev = t.wait_type(h2.PING, "PING ACK with payload %r" % expected)
    while True:
        if ev.payload == unexpected:
            t._fail("no answer to the PING that was an ACK", str(ev))
        if ev.ack and ev.payload == expected:
            t.note = str(ev)
            return
        ev = t.wait_type(h2.PING, "PING ACK with payload %r" % expected)


@case("http2/6.7/3", "Sends a PING frame with a stream identifier field value other than 0x0",
      "connection error PROTOCOL_ERROR or connection close")
def c67_3(t):
    t.handshake()
    t.send(h2.ping(stream_id=1))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.7/4", "Sends a PING frame with a length field value other than 8",
      "connection error FRAME_SIZE_ERROR or connection close")
def c67_4(t):
    t.handshake()
    t.send(h2.ping(b"\0" * 6))
    t.expect_connection_error(h2.FRAME_SIZE_ERROR)


# ---- http2/6.8: GOAWAY -----------------------------------------------------------------------

@case("http2/6.8/1", "Sends a GOAWAY frame with a stream identifier other than 0x0",
      "connection error PROTOCOL_ERROR or connection close")
def c68_1(t):
    t.handshake()
    t.send(h2.goaway(0, h2.NO_ERROR, stream_id=1))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


# ---- http2/6.9: WINDOW_UPDATE ----------------------------------------------------------------

@case("http2/6.9/1", "Sends a WINDOW_UPDATE frame with a flow control window increment of 0",
      "connection error PROTOCOL_ERROR or connection close")
def c69_1(t):
    t.handshake()
    t.send(h2.window_update(0, 0))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.9/2", "Sends a WINDOW_UPDATE frame with a flow control window increment of 0 "
      "on a stream", "stream error PROTOCOL_ERROR or connection close")
def c69_2(t):
    t.handshake()
    t.send(get(t, end_stream=False), h2.window_update(1, 0))
    t.expect_stream_error(h2.PROTOCOL_ERROR)


@case("http2/6.9/3", "Sends a WINDOW_UPDATE frame with a length other than 4 octets",
      "connection error FRAME_SIZE_ERROR or connection close")
def c69_3(t):
    t.handshake()
    t.send(h2.frame(h2.WINDOW_UPDATE, 0, 0, b"\0\0\x01"))
    t.expect_connection_error(h2.FRAME_SIZE_ERROR)


# ---- http2/6.9.1: The Flow-Control Window ----------------------------------------------------

@case("http2/6.9.1/1", "Sends SETTINGS frame to set the initial window size to 1 and sends "
      "HEADERS frame", "a DATA frame of 1 octet")
def c691_1(t):
    t.server_data_length(1)
    t.handshake()
    t.send(h2.settings((h2.INITIAL_WINDOW_SIZE, 1)))
    t.expect_type(h2.SETTINGS)
    t.send(get(t))
    t.expect_data_length(1, 1)


@case("http2/6.9.1/2", "Sends multiple WINDOW_UPDATE frames increasing the flow control window "
      "to above 2^31-1", "GOAWAY(FLOW_CONTROL_ERROR) (a close alone does not pass)")
def c691_2(t):
    t.handshake()
    t.send(h2.window_update(0, 2 ** 31 - 1), h2.window_update(0, 2 ** 31 - 1))
    ev = t.wait_type(h2.GOAWAY, "GOAWAY(FLOW_CONTROL_ERROR)")
    if ev.error_code != h2.FLOW_CONTROL_ERROR:
        t._fail("GOAWAY(FLOW_CONTROL_ERROR)", str(ev))
    t.note = str(ev)


@case("http2/6.9.1/3", "Sends multiple WINDOW_UPDATE frames increasing the flow control window "
      "to above 2^31-1 on a stream", "RST_STREAM(FLOW_CONTROL_ERROR) on stream 1")
def c691_3(t):
    t.handshake()
    t.send(get(t, end_stream=False), h2.window_update(1, 2 ** 31 - 1),
           h2.window_update(1, 2 ** 31 - 1))
    ev = t.wait_type(h2.RST_STREAM, "RST_STREAM(FLOW_CONTROL_ERROR) on stream 1")
    if ev.stream_id != 1 or ev.error_code != h2.FLOW_CONTROL_ERROR:
        t._fail("RST_STREAM(FLOW_CONTROL_ERROR) on stream 1", str(ev))
    t.note = str(ev)


# ---- http2/6.9.2: Initial Flow-Control Window Size -------------------------------------------

@case("http2/6.9.2/1", "Changes SETTINGS_INITIAL_WINDOW_SIZE after sending HEADERS frame",
      "a DATA frame of 1 octet once the window goes from 0 to 1")
def c692_1(t):
    t.server_data_length(1)
    t.handshake()
    t.send(h2.settings((h2.INITIAL_WINDOW_SIZE, 0)))
    t.expect_type(h2.SETTINGS)
    t.send(get(t), h2.settings((h2.INITIAL_WINDOW_SIZE, 1)))
    t.expect_type(h2.SETTINGS)
    t.expect_data_length(1, 1)


@case("http2/6.9.2/2", "Sends a SETTINGS frame for window size to be negative",
      "a DATA frame of 1 octet (window 3, 3 used, set to 2: -1, +2 = 1)")
def c692_2(t):
    t.server_data_length(5)
    t.handshake()
    t.send(h2.settings((h2.INITIAL_WINDOW_SIZE, 3)))
    t.expect_type(h2.SETTINGS)
    t.send(get(t))
    t.expect_type(h2.DATA)
    t.send(h2.settings((h2.INITIAL_WINDOW_SIZE, 2)))
    t.expect_type(h2.SETTINGS)
    t.send(h2.window_update(1, 2))
    t.expect_data_length(1, 1)


@case("http2/6.9.2/3", "Sends a SETTINGS_INITIAL_WINDOW_SIZE settings with an exceeded maximum "
      "window size value", "connection error FLOW_CONTROL_ERROR or connection close")
def c692_3(t):
    t.handshake()
    t.send(h2.frame(h2.SETTINGS, 0, 0, b"\x00\x04\x80\x00\x00\x00"))
    t.expect_connection_error(h2.FLOW_CONTROL_ERROR)


# ---- http2/6.10: CONTINUATION ----------------------------------------------------------------

@case("http2/6.10/1", "Sends multiple CONTINUATION frames preceded by a HEADERS frame",
      "a HEADERS frame")
def c610_1(t):
    t.handshake()
    t.send(get(t, end_headers=False), h2.continuation(1, t.block(t.dummy_fields(1)), False),
           h2.continuation(1, t.block(t.dummy_fields(1))))
    t.expect_type(h2.HEADERS)


@case("http2/6.10/2", "Sends a CONTINUATION frame followed by any frame other than CONTINUATION",
      "connection error PROTOCOL_ERROR or connection close")
def c610_2(t):
    t.handshake()
    t.send(post(t, end_headers=False), h2.continuation(1, t.block(t.dummy_fields(1)), False),
           h2.data(1, b"test", end_stream=True))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.10/3", "Sends a CONTINUATION frame with 0x0 stream identifier",
      "connection error PROTOCOL_ERROR or connection close")
def c610_3(t):
    t.handshake()
    t.send(get(t, end_headers=False), h2.continuation(0, t.block(t.dummy_fields(1))))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.10/4", "Sends a CONTINUATION frame preceded by a HEADERS frame with END_HEADERS "
      "flag", "connection error PROTOCOL_ERROR or connection close")
def c610_4(t):
    t.handshake()
    t.send(get(t), h2.continuation(1, t.block(t.dummy_fields(1))))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.10/5", "Sends a CONTINUATION frame preceded by a CONTINUATION frame with "
      "END_HEADERS flag", "connection error PROTOCOL_ERROR or connection close")
def c610_5(t):
    t.handshake()
    t.send(get(t, end_headers=False), h2.continuation(1, t.block(t.dummy_fields(1))),
           h2.continuation(1, t.block(t.dummy_fields(1))))
    t.expect_connection_error(h2.PROTOCOL_ERROR)


@case("http2/6.10/6", "Sends a CONTINUATION frame preceded by a DATA frame",
      "connection error PROTOCOL_ERROR or connection close")
def c610_6(t):
    t.handshake()
    # A complete head (END_HEADERS), body data, then a CONTINUATION nothing opened.
    t.send(post(t), h2.data(1, b"test"), h2.continuation(1, t.block(t.dummy_fields(1))))
    t.expect_connection_error(h2.PROTOCOL_ERROR)
