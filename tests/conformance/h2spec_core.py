"""The machinery behind h2spec_cases.py: the case registry, the per-case context and the
verifiers, with h2spec 2.6.0's acceptance semantics (its spec/verifier.go), restated:

  connection error  passes on a GOAWAY whose code is one of those accepted, or when the
                    connection closes (EOF or reset) -- also after a GOAWAY with another code,
                    since h2spec keeps waiting and then sees the close.
  stream error      as a connection error, and also on RST_STREAM with an accepted code (on any
                    stream).
  stream close      DATA or HEADERS with END_STREAM, or RST_STREAM(NO_ERROR).
  connection close  the connection closes; frames before it are ignored.
  frame of a type   the first frame of that type decides (HEADERS must be on the stream named,
                    PING must be an ACK with the same payload, SETTINGS must be an ACK).

Every wait reads frames with the per-read timeout (h2spec's -o, 2 s by default): a timeout
ends the case. A case's whole run is also capped (CASE_CAP_FACTOR x timeout) so that a server
that trickles frames cannot hold the suite. With strict_codes, a GOAWAY or RST_STREAM whose
code is not among those accepted fails the case instead of being waited past.

With rfc9113, the cases where RFC 9113 relaxed a requirement h2spec still tests as RFC 7540
wrote it also accept what RFC 9113 allows (each such case says which and why).

A DATA frame received is answered as h2spec does: WINDOW_UPDATEs refill a window that reaches 0.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

import h2frames as h2  # noqa: E402

CASE_CAP_FACTOR = 4

CASES = []  # registration order is h2spec's order


class Fail(Exception):
    """The case failed: str() is the reason (expected ..., got ...)."""


class Skip(Exception):
    """h2spec would skip the case (a precondition of the server is missing)."""


def case(case_id, title, expect):
    """Register a case: id as h2spec numbers it (group/seq), its title, the outcome expected."""
    def register(fn):
        CASES.append({"id": case_id, "title": title, "expect": expect, "run": fn})
        return fn
    return register


class Config:
    """Target and options of a run."""

    def __init__(self, host="127.0.0.1", port=80, tls=False, cafile=None, insecure=False,
                 path="/", authority=None, timeout=2.0, max_header_len=4000,
                 strict_codes=False, server_name=None, verbose=False, rfc9113=False):
        self.host, self.port, self.tls = host, port, tls
        self.cafile, self.insecure, self.server_name = cafile, insecure, server_name
        self.path, self.timeout, self.max_header_len = path, timeout, max_header_len
        self.strict_codes, self.verbose, self.rfc9113 = strict_codes, verbose, rfc9113
        self.scheme = "https" if tls else "http"
        if authority is None:
            default = 443 if tls else 80
            authority = host if port == default else "%s:%d" % (host, port)
        self.authority = authority
        self._data_length = None


def codes_text(codes):
    return "/".join(h2.error_name(c) for c in codes)


class Test:
    """What a case sees: its connection (conn), the config (cfg) and the helpers below."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.timeout = cfg.timeout
        self.conn = None
        self.cap = time.monotonic() + CASE_CAP_FACTOR * cfg.timeout + 1
        self.note = None      # what made the case pass, for the report
        self.last = None      # the last event seen (for failure reasons)

    # -- connection and frames --------------------------------------------------------

    def connect(self):
        trace = None
        if self.cfg.verbose:
            def trace(direction, text):
                print("      [%s] %s" % (direction, text), file=sys.stderr)
        self.conn = h2.H2Conn.connect(self.cfg.host, self.cfg.port, tls=self.cfg.tls,
                                      cafile=self.cfg.cafile, insecure=self.cfg.insecure,
                                      server_name=self.cfg.server_name,
                                      timeout=self.cfg.timeout, trace=trace)
        return self.conn

    def handshake(self):
        """h2spec's Handshake: preface, SETTINGS(INITIAL_WINDOW_SIZE=65535), both ACKs."""
        err = self.conn.handshake()
        if err:
            raise Fail(err)

    def fields(self, method="GET", extra=()):
        """h2spec's CommonHeaders (:method, :scheme, :path, :authority) plus `extra`."""
        return h2.request_fields(method, self.cfg.scheme, self.cfg.path, self.cfg.authority,
                                 extra)

    def block(self, fields):
        """HPACK-encode with the connection's encoder (its dynamic table carries over)."""
        return self.conn.encoder.encode(fields)

    def dummy_fields(self, n):
        """h2spec's DummyHeaders: x-dummy0.. with max_header_len (4000) 'x' octets each."""
        return [("x-dummy%d" % i, "x" * self.cfg.max_header_len) for i in range(n)]

    def send(self, *chunks):
        """Write frames (bytes) in one write.

        h2spec writes each frame with its own write(2); against a server that answers at once
        (HAProxy's "http-request return"), a frame meant for an open stream then races the
        server's own close of that stream (its response, then RST_STREAM), and the case
        passes or fails by timing (seen with http2/6.9/2, 6.9.1/3, 8.1.2.6/2). Frames sent in
        one call go in one write, so the server reads them together, as a case intends.
        """
        self.conn.send(b"".join(chunks))

    def server_data_length(self, minimum=1):
        """Total DATA length of a GET on the path (h2spec's ServerDataLength, on its own
        connection); Skip when shorter than `minimum`, as h2spec skips."""
        if self.cfg._data_length is None:
            other = Test(self.cfg)
            try:
                other.connect()
                other.handshake()
                other.send(h2.headers(1, other.block(other.fields()), end_stream=True))
                total, done = 0, False
                while not done:
                    ev = other.event()
                    if ev.type == h2.DATA and ev.stream_id == 1:
                        total += ev.length
                    done = ev.type in (h2.DATA, h2.HEADERS) and ev.end_stream
                self.cfg._data_length = total
            except (Fail, _Closed) as exc:
                raise Fail("could not read the response body length: %s"
                           % (exc if isinstance(exc, Fail) else "connection closed"))
            finally:
                if other.conn:
                    other.conn.close()
        if self.cfg._data_length < minimum:
            raise Skip("the response to GET %s has %d body octets; this case needs %d or more"
                       % (self.cfg.path, self.cfg._data_length, minimum))
        return self.cfg._data_length

    # -- events -----------------------------------------------------------------------

    def event(self):
        """The next frame; Fail on timeout or close (via Closed for the verifiers)."""
        deadline = min(time.monotonic() + self.timeout, self.cap)
        ev = self.conn.read_frame(deadline=deadline)
        if ev is h2.TIMEOUT:
            raise Fail(self._got("timeout"))
        if ev is h2.CLOSED:
            raise _Closed()
        self.last = ev
        return ev

    def _got(self, what):
        if self.last is not None and what == "timeout":
            return "timeout (last frame: %s)" % self.last
        return what

    def _fail(self, expected, got=None):
        raise Fail("expected %s; got %s" % (expected, got or self._got("timeout")))

    def _wrong_code(self, expected, ev):
        # RST_STREAM NO_ERROR/CANCEL is the server ending a stream it answered early (RFC 9113
        # §8.1), not a verdict on what was sent: never a wrong code.
        if self.cfg.strict_codes and not (ev.type == h2.RST_STREAM and ev.error_code in
                                          (h2.NO_ERROR, h2.CANCEL)):
            raise _StrictFail("expected %s; got %s (--strict-codes)" % (expected, ev))
        self.note = "%s, then" % ev

    # -- verifiers (h2spec's spec/verifier.go semantics) --------------------------------

    def expect_close(self):
        """VerifyConnectionClose: the connection closes."""
        try:
            while True:
                self.event()
        except _Closed:
            self.note = "connection closed"
        except Fail:
            self._fail("connection close")

    def expect_connection_error(self, *codes, rfc9113_stream_error=None):
        """VerifyConnectionError: GOAWAY with one of codes, or the connection closes.

        rfc9113_stream_error: a stream whose RST_STREAM with one of codes also passes when the
        run is --rfc9113 (where RFC 9113 relaxed RFC 7540's MUST to a MAY)."""
        expected = "GOAWAY(%s) or connection close" % codes_text(codes)
        alt = rfc9113_stream_error if self.cfg.rfc9113 else None
        if alt is not None:
            expected += " (or, RFC 9113, RST_STREAM(%s) on stream %d)" % (codes_text(codes), alt)
        try:
            while True:
                ev = self.event()
                if (alt is not None and ev.type == h2.RST_STREAM and ev.stream_id == alt
                        and ev.error_code in codes):
                    self.note = "%s (accepted by RFC 9113)" % ev
                    return
                if ev.type == h2.GOAWAY:
                    if ev.error_code in codes:
                        self.note = str(ev)
                        return
                    self._wrong_code(expected, ev)
        except _Closed:
            self.note = (self.note + " " if self.note else "") + "connection closed"
        except _StrictFail:
            raise
        except Fail:
            self._fail(expected)

    def expect_stream_error(self, *codes):
        """VerifyStreamError: RST_STREAM or GOAWAY with one of codes, or connection close."""
        expected = "RST_STREAM(%s), GOAWAY(%s) or connection close" % (codes_text(codes),
                                                                      codes_text(codes))
        try:
            while True:
                ev = self.event()
                if ev.type in (h2.GOAWAY, h2.RST_STREAM):
                    if ev.error_code in codes:
                        self.note = str(ev)
                        return
                    self._wrong_code(expected, ev)
        except _Closed:
            self.note = (self.note + " " if self.note else "") + "connection closed"
        except _StrictFail:
            raise
        except Fail:
            self._fail(expected)

    def expect_stream_close(self):
        """VerifyStreamClose: END_STREAM on DATA/HEADERS, or RST_STREAM(NO_ERROR)."""
        try:
            while True:
                ev = self.event()
                if ev.type in (h2.DATA, h2.HEADERS) and ev.end_stream:
                    return
                if ev.type == h2.RST_STREAM and ev.error_code == h2.NO_ERROR:
                    return
        except _Closed:
            self._fail("END_STREAM (stream closed)", "connection closed")
        except Fail:
            self._fail("END_STREAM (stream closed)")

    def wait_type(self, ftype, expected):
        """WaitEventByType: the first frame of that type (Fail on timeout or close)."""
        try:
            while True:
                ev = self.event()
                if ev.type == ftype:
                    return ev
        except _Closed:
            self._fail(expected, "connection closed")
        except Fail:
            self._fail(expected)

    def expect_type(self, ftype):
        """VerifyEventType: a frame of that type arrives."""
        ev = self.wait_type(ftype, "a %s frame" % h2.FRAME_NAMES[ftype])
        self.note = str(ev)
        return ev

    def expect_headers(self, stream_id):
        """VerifyHeadersFrame: the first HEADERS frame is on that stream."""
        expected = "HEADERS on stream %d" % stream_id
        ev = self.wait_type(h2.HEADERS, expected)
        if ev.stream_id != stream_id:
            self._fail(expected, str(ev))
        status = self._status(ev)
        self.note = "HEADERS stream %d%s" % (stream_id, " :status %s" % status if status else "")

    def _status(self, ev):
        try:
            fields = self.conn.decode_headers(ev)
        except Exception:  # the server's block is not ours to judge here
            return None
        return dict(fields).get(":status") if fields else None

    def expect_settings_ack(self):
        """VerifySettingsFrameWithAck: the first SETTINGS frame is an ACK."""
        ev = self.wait_type(h2.SETTINGS, "SETTINGS with ACK")
        if not ev.ack:
            self._fail("SETTINGS with ACK", str(ev))
        self.note = str(ev)

    def expect_ping_ack(self, payload):
        """VerifyPingFrameWithAck: the first PING is an ACK carrying payload."""
        expected = "PING ACK with payload %r" % payload
        ev = self.wait_type(h2.PING, expected)
        if not (ev.ack and ev.payload == payload):
            self._fail(expected, "%s payload %r" % (ev, ev.payload))
        self.note = str(ev)

    def expect_ping_ack_or_close(self, payload):
        """VerifyPingFrameOrConnectionClose: a PING ACK with payload, or the close."""
        expected = "PING ACK with payload %r or connection close" % payload
        try:
            while True:
                ev = self.event()
                if ev.type == h2.PING and ev.ack and ev.payload == payload:
                    self.note = str(ev)
                    return
        except _Closed:
            self.note = "connection closed"
        except Fail:
            self._fail(expected)

    def expect_data_length(self, stream_id, length):
        """The first DATA frame has exactly `length` octets (flow-control cases)."""
        expected = "DATA of length %d on stream %d" % (length, stream_id)
        ev = self.wait_type(h2.DATA, expected)
        if ev.length != length:
            self._fail(expected, str(ev))
        self.note = str(ev)


class _Closed(Exception):
    """The connection closed while a verifier waited."""


class _StrictFail(Fail):
    """A GOAWAY/RST_STREAM code outside those accepted, with strict_codes."""


def run_case(c, cfg):
    """Run one case on a fresh connection: {'id','title','status','reason','elapsed_ms'}."""
    t = Test(cfg)
    start = time.monotonic()
    status, reason = "PASS", None
    try:
        t.connect()
        c["run"](t)
        reason = t.note
    except Skip as exc:
        status, reason = "SKIP", str(exc)
    except Fail as exc:
        status, reason = "FAIL", str(exc)
    except _Closed:
        status, reason = "FAIL", "connection closed unexpectedly"
    except (OSError, ConnectionError) as exc:
        status, reason = "FAIL", "connection: %s" % exc
    finally:
        if t.conn:
            t.conn.close()
    return {"id": c["id"], "title": c["title"], "expect": c["expect"], "status": status,
            "reason": reason, "elapsed_ms": int((time.monotonic() - start) * 1000)}
