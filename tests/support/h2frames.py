#!/usr/bin/python3
"""Raw HTTP/2 frames over a socket, for conformance cases and attack scripts.

Nothing here enforces the protocol: every builder writes exactly what it is told (stream 0 on
DATA, lengths that lie, reserved bits, unknown types, padding longer than the frame), because the
point is to see what a server does with it. RFC 9113 (HTTP/2) and RFC 7541 (HPACK).

  frame builders   frame(), raw_header(), data(), headers(), priority(), rst_stream(),
                   settings(), settings_ack(), push_promise(), ping(), goaway(),
                   window_update(), continuation(), unknown()
  HPACK            HeaderEncoder (hpack.Encoder with a per-connection context) and the raw
                   representations for malformed blocks: hpack_int(), hpack_str(),
                   hpack_indexed(), hpack_literal(), hpack_size_update()
  reading          Frame, parse_frames(), H2Conn.read_frame() with a deadline; CLOSED and
                   TIMEOUT are the two non-frame events
  connecting       H2Conn.connect(): plain TCP (h2c with prior knowledge: send_preface()) or
                   TLS with ALPN h2 (a CA file, or verification off)

Debian's /usr/bin/python3 has the hpack module (python3-hpack); the pyenv python3 on PATH does not.
"""
import errno
import select
import socket
import ssl
import struct
import time

import hpack
from hpack.huffman import HuffmanEncoder
from hpack.huffman_constants import REQUEST_CODES, REQUEST_CODES_LENGTH

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# Frame types (RFC 9113 §6).
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE = 0x0, 0x1, 0x2, 0x3, 0x4, 0x5
PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = 0x6, 0x7, 0x8, 0x9
FRAME_NAMES = {DATA: "DATA", HEADERS: "HEADERS", PRIORITY: "PRIORITY", RST_STREAM: "RST_STREAM",
               SETTINGS: "SETTINGS", PUSH_PROMISE: "PUSH_PROMISE", PING: "PING",
               GOAWAY: "GOAWAY", WINDOW_UPDATE: "WINDOW_UPDATE",
               CONTINUATION: "CONTINUATION"}

# Flags.
END_STREAM = 0x1
ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20

# Error codes (RFC 9113 §7).
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR = 0x0, 0x1, 0x2, 0x3
SETTINGS_TIMEOUT, STREAM_CLOSED, FRAME_SIZE_ERROR, REFUSED_STREAM = 0x4, 0x5, 0x6, 0x7
CANCEL, COMPRESSION_ERROR, CONNECT_ERROR, ENHANCE_YOUR_CALM = 0x8, 0x9, 0xa, 0xb
INADEQUATE_SECURITY, HTTP_1_1_REQUIRED = 0xc, 0xd
ERROR_NAMES = {NO_ERROR: "NO_ERROR", PROTOCOL_ERROR: "PROTOCOL_ERROR",
               INTERNAL_ERROR: "INTERNAL_ERROR", FLOW_CONTROL_ERROR: "FLOW_CONTROL_ERROR",
               SETTINGS_TIMEOUT: "SETTINGS_TIMEOUT", STREAM_CLOSED: "STREAM_CLOSED",
               FRAME_SIZE_ERROR: "FRAME_SIZE_ERROR", REFUSED_STREAM: "REFUSED_STREAM",
               CANCEL: "CANCEL", COMPRESSION_ERROR: "COMPRESSION_ERROR",
               CONNECT_ERROR: "CONNECT_ERROR", ENHANCE_YOUR_CALM: "ENHANCE_YOUR_CALM",
               INADEQUATE_SECURITY: "INADEQUATE_SECURITY",
               HTTP_1_1_REQUIRED: "HTTP_1_1_REQUIRED"}

# SETTINGS parameters (RFC 9113 §6.5.2).
HEADER_TABLE_SIZE, ENABLE_PUSH, MAX_CONCURRENT_STREAMS = 0x1, 0x2, 0x3
INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE, MAX_HEADER_LIST_SIZE = 0x4, 0x5, 0x6
SETTING_NAMES = {HEADER_TABLE_SIZE: "HEADER_TABLE_SIZE", ENABLE_PUSH: "ENABLE_PUSH",
                 MAX_CONCURRENT_STREAMS: "MAX_CONCURRENT_STREAMS",
                 INITIAL_WINDOW_SIZE: "INITIAL_WINDOW_SIZE", MAX_FRAME_SIZE: "MAX_FRAME_SIZE",
                 MAX_HEADER_LIST_SIZE: "MAX_HEADER_LIST_SIZE"}

DEFAULT_WINDOW = 65535
DEFAULT_MAX_FRAME = 16384


def error_name(code):
    """'PROTOCOL_ERROR' for 1; 'UNKNOWN(0xff)' for codes RFC 9113 does not define."""
    return ERROR_NAMES.get(code, "UNKNOWN(0x%x)" % code)


# ---------------------------------------------------------------------------------------------
# Frame builders. Each returns the bytes of one frame (header and payload).

def raw_header(length, ftype, flags, stream_id, reserved=False):
    """The 9-octet frame header with any length, even one that does not match the payload."""
    sid = (stream_id & 0x7FFFFFFF) | (0x80000000 if reserved else 0)
    return struct.pack(">I", length & 0xFFFFFF)[1:] + struct.pack(">BBI", ftype, flags, sid)


def frame(ftype, flags, stream_id, payload=b"", reserved=False):
    """A frame of any type (unknown ones included) whose length field is the payload's."""
    return raw_header(len(payload), ftype, flags, stream_id, reserved) + payload


def _padded(body, pad_length, flags):
    """Padding (RFC 9113 §6.1): Pad Length octet, the body, then pad_length zero octets."""
    if pad_length is None:
        return body, flags
    return bytes([pad_length & 0xFF]) + body + b"\0" * pad_length, flags | PADDED


def _priority_fields(dep, weight, exclusive):
    """Exclusive bit + 31-bit stream dependency, then the weight octet (wire value 0..255)."""
    return struct.pack(">IB", (dep & 0x7FFFFFFF) | (0x80000000 if exclusive else 0),
                       weight & 0xFF)


def data(stream_id, payload=b"", end_stream=False, pad_length=None, flags=0):
    """DATA; pad_length adds the PADDED flag and that many zero octets of padding."""
    flags |= END_STREAM if end_stream else 0
    body, flags = _padded(payload, pad_length, flags)
    return frame(DATA, flags, stream_id, body)


def headers(stream_id, block, end_stream=False, end_headers=True, pad_length=None,
            priority=None, flags=0):
    """HEADERS carrying an encoded header block (fragment).

    priority: None, or (dependency, weight, exclusive) with weight as on the wire (0..255, the
    effective weight minus one); it sets the PRIORITY flag. pad_length sets PADDED.
    """
    flags |= (END_STREAM if end_stream else 0) | (END_HEADERS if end_headers else 0)
    body = block
    if priority is not None:
        body = _priority_fields(*priority) + body
        flags |= PRIORITY_FLAG
    body, flags = _padded(body, pad_length, flags)
    return frame(HEADERS, flags, stream_id, body)


def priority(stream_id, dep=0, weight=15, exclusive=False):
    """PRIORITY (5 octets). weight is the wire value (effective weight minus one)."""
    return frame(PRIORITY, 0, stream_id, _priority_fields(dep, weight, exclusive))


def rst_stream(stream_id, code=CANCEL):
    """RST_STREAM with a 32-bit error code."""
    return frame(RST_STREAM, 0, stream_id, struct.pack(">I", code & 0xFFFFFFFF))


def settings(*pairs, stream_id=0):
    """SETTINGS with (identifier, value) pairs, in order (repeats and unknown ids allowed)."""
    payload = b"".join(struct.pack(">HI", ident & 0xFFFF, value & 0xFFFFFFFF)
                       for ident, value in pairs)
    return frame(SETTINGS, 0, stream_id, payload)


def settings_ack():
    """An empty SETTINGS with ACK."""
    return frame(SETTINGS, ACK, 0)


def push_promise(stream_id, promised_id, block, end_headers=True, pad_length=None):
    """PUSH_PROMISE (which a client may never send: for the server-push case)."""
    flags = END_HEADERS if end_headers else 0
    body, flags = _padded(struct.pack(">I", promised_id & 0x7FFFFFFF) + block, pad_length, flags)
    return frame(PUSH_PROMISE, flags, stream_id, body)


def ping(payload=b"\0" * 8, ack=False, stream_id=0):
    """PING; the payload is sent as given (8 octets for a valid one)."""
    return frame(PING, ACK if ack else 0, stream_id, payload)


def goaway(last_stream_id=0, code=NO_ERROR, debug=b"", stream_id=0):
    """GOAWAY with last-stream-id, error code and optional debug data."""
    return frame(GOAWAY, 0, stream_id,
                 struct.pack(">II", last_stream_id & 0x7FFFFFFF, code & 0xFFFFFFFF) + debug)


def window_update(stream_id, increment):
    """WINDOW_UPDATE; increment is sent as 32 bits (so 0, or the reserved bit, can be sent)."""
    return frame(WINDOW_UPDATE, 0, stream_id, struct.pack(">I", increment & 0xFFFFFFFF))


def continuation(stream_id, block, end_headers=True):
    """CONTINUATION carrying a header block fragment."""
    return frame(CONTINUATION, END_HEADERS if end_headers else 0, stream_id, block)


def unknown(ftype=0x16, flags=0, stream_id=0, payload=b"\0" * 8):
    """An extension frame of a type RFC 9113 does not define (0x16 by default, as h2spec)."""
    return frame(ftype, flags, stream_id, payload)


# ---------------------------------------------------------------------------------------------
# HPACK.

class HeaderEncoder:
    """One connection's HPACK encoding context (hpack.Encoder).

    encode([(name, value), ...]) gives a header block; names and values are sent as given (no
    lower-casing, no validation). A third tuple item True sends the field never-indexed.
    """

    def __init__(self, huffman=True):
        self._encoder = hpack.Encoder()
        self.huffman = huffman

    def encode(self, fields, huffman=None):
        """The header block for `fields` (list of (name, value[, sensitive]) tuples)."""
        return self._encoder.encode(list(fields), huffman=self.huffman if huffman is None
                                    else huffman)

    def set_table_size(self, size):
        """Resize our dynamic table; the next block starts with a size update."""
        self._encoder.header_table_size = size


def _b(value):
    """str (latin-1) or bytes-like to bytes."""
    return value.encode("latin-1") if isinstance(value, str) else bytes(value)


def hpack_int(value, prefix_bits, first_byte=0):
    """An HPACK integer (RFC 7541 §5.1) with an N-bit prefix; first_byte holds the high bits."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte | value])
    out = bytearray([first_byte | limit])
    value -= limit
    while value >= 128:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


_huffman = HuffmanEncoder(REQUEST_CODES, REQUEST_CODES_LENGTH)


def huffman_encode(raw):
    """The Huffman code of `raw` (RFC 7541 Appendix B), padded with EOS bits to an octet."""
    return _huffman.encode(_b(raw))


EOS = 256  # the Huffman end-of-string symbol, which must never appear in a string


def huffman_bits(symbols, pad=None):
    """Hand-made Huffman octets: the codes of `symbols` (0..255 octets, EOS = 256), then
    padding. pad=None pads with 1 bits to the octet (valid); otherwise pad is a string of
    '0'/'1' appended as is and then padded with 1s (so '00000000' adds a whole zero octet)."""
    bits = "".join(format(REQUEST_CODES[s], "0%db" % REQUEST_CODES_LENGTH[s]) for s in symbols)
    if pad is not None:
        bits += pad
    bits += "1" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big") if bits else b""


def hpack_str(raw, huffman=False, length=None):
    """A string literal (RFC 7541 §5.2); length overrides the encoded length (to make it lie)."""
    body = huffman_encode(raw) if huffman else _b(raw)
    return hpack_int(len(body) if length is None else length, 7,
                     0x80 if huffman else 0) + body


def hpack_raw_str(encoded, huffman=True):
    """A string literal whose octets are given already encoded (malformed Huffman, say)."""
    return hpack_int(len(encoded), 7, 0x80 if huffman else 0) + encoded


def hpack_indexed(index):
    """Indexed header field (RFC 7541 §6.1): 1xxxxxxx, index 0 is invalid."""
    return hpack_int(index, 7, 0x80)


_LITERAL = {"incremental": (6, 0x40), "without": (4, 0x00), "never": (4, 0x10)}


def hpack_literal(name, value, indexing="incremental", name_index=None, huffman=False):
    """Literal header field (RFC 7541 §6.2).

    indexing: "incremental" (01, §6.2.1), "without" (0000, §6.2.2), "never" (0001, §6.2.3).
    name_index: use a table index for the name (name is then ignored); else a new name.
    """
    bits, pattern = _LITERAL[indexing]
    if name_index is not None:
        return hpack_int(name_index, bits, pattern) + hpack_str(value, huffman)
    return bytes([pattern]) + hpack_str(name, huffman) + hpack_str(value, huffman)


def hpack_size_update(size):
    """Dynamic table size update (RFC 7541 §6.3): 001xxxxx."""
    return hpack_int(size, 5, 0x20)


# ---------------------------------------------------------------------------------------------
# Reading frames.

CLOSED = "closed"    # the peer closed (EOF or reset); no frame will come
TIMEOUT = "timeout"  # nothing arrived before the deadline


class Frame:
    """One received frame: type, flags, stream_id, payload (length is len(payload))."""

    __slots__ = ("type", "flags", "stream_id", "payload", "reserved", "at")

    def __init__(self, ftype, flags, stream_id, payload, reserved=False, at=None):
        self.type, self.flags, self.stream_id = ftype, flags, stream_id
        self.payload, self.reserved, self.at = payload, reserved, at

    @property
    def length(self):
        """The payload length (the frame header's length field)."""
        return len(self.payload)

    @property
    def name(self):
        """'HEADERS', ..., or 'UNKNOWN(0x16)'."""
        return FRAME_NAMES.get(self.type, "UNKNOWN(0x%x)" % self.type)

    def has(self, flag):
        """Whether the flag bit is set."""
        return bool(self.flags & flag)

    @property
    def ack(self):
        """SETTINGS or PING with the ACK flag."""
        return self.type in (SETTINGS, PING) and self.has(ACK)

    @property
    def end_stream(self):
        """DATA or HEADERS with END_STREAM."""
        return self.type in (DATA, HEADERS) and self.has(END_STREAM)

    @property
    def error_code(self):
        """The error code of RST_STREAM or GOAWAY (None otherwise or when too short)."""
        if self.type == RST_STREAM and len(self.payload) >= 4:
            return struct.unpack(">I", self.payload[:4])[0]
        if self.type == GOAWAY and len(self.payload) >= 8:
            return struct.unpack(">I", self.payload[4:8])[0]
        return None

    @property
    def last_stream_id(self):
        """GOAWAY's last-stream-id."""
        if self.type == GOAWAY and len(self.payload) >= 4:
            return struct.unpack(">I", self.payload[:4])[0] & 0x7FFFFFFF
        return None

    @property
    def debug_data(self):
        """GOAWAY's additional debug data."""
        return self.payload[8:] if self.type == GOAWAY else b""

    @property
    def increment(self):
        """WINDOW_UPDATE's increment."""
        if self.type == WINDOW_UPDATE and len(self.payload) >= 4:
            return struct.unpack(">I", self.payload[:4])[0] & 0x7FFFFFFF
        return None

    def settings(self):
        """SETTINGS pairs [(id, value), ...]."""
        p = self.payload
        return [struct.unpack(">HI", p[i:i + 6]) for i in range(0, len(p) - len(p) % 6, 6)]

    def block_fragment(self):
        """The header block fragment of HEADERS/PUSH_PROMISE/CONTINUATION (padding removed)."""
        p, start, end = self.payload, 0, len(self.payload)
        if self.type in (HEADERS, PUSH_PROMISE) and self.has(PADDED) and p:
            start, end = 1, len(p) - p[0]
        if self.type == HEADERS and self.has(PRIORITY_FLAG):
            start += 5
        if self.type == PUSH_PROMISE:
            start += 4
        return p[start:max(start, end)]

    def __str__(self):
        extra = ""
        if self.type in (RST_STREAM, GOAWAY) and self.error_code is not None:
            extra = " " + error_name(self.error_code)
            if self.type == GOAWAY:
                extra += " last_stream_id=%d" % self.last_stream_id
                if self.debug_data:
                    extra += " debug=%r" % self.debug_data[:80]
        elif self.type == WINDOW_UPDATE and self.increment is not None:
            extra = " increment=%d" % self.increment
        elif self.type == SETTINGS and not self.ack:
            extra = " " + ",".join("%s=%d" % (SETTING_NAMES.get(i, hex(i)), v)
                                   for i, v in self.settings())
        return "%s(stream=%d, flags=0x%02x, length=%d%s)" % (self.name, self.stream_id,
                                                            self.flags, self.length, extra)


def parse_frames(buf):
    """Split complete frames off the front of a bytearray: (frames, bytes consumed)."""
    frames, pos = [], 0
    while len(buf) - pos >= 9:
        length = int.from_bytes(buf[pos:pos + 3], "big")
        if len(buf) - pos < 9 + length:
            break
        ftype, flags, sid = struct.unpack(">BBI", bytes(buf[pos + 3:pos + 9]))
        frames.append(Frame(ftype, flags, sid & 0x7FFFFFFF, bytes(buf[pos + 9:pos + 9 + length]),
                            bool(sid & 0x80000000)))
        pos += 9 + length
    return frames, pos


def describe(event):
    """A short text for a frame or for CLOSED/TIMEOUT."""
    if event is CLOSED:
        return "connection closed"
    if event is TIMEOUT:
        return "timeout"
    return str(event)


# ---------------------------------------------------------------------------------------------
# Connections.

class H2Conn:
    """A client connection that sends raw bytes and reads frames with deadlines.

    Fields: sock, encoder (HeaderEncoder), decoder (hpack.Decoder for the server's blocks, used
    by decode_headers()), server_settings (dict after handshake()), closed, sent_bytes,
    send_errors, and auto_window_update (answer each DATA with WINDOW_UPDATEs as h2spec does).
    """

    def __init__(self, sock, timeout=2.0, trace=None):
        self.sock = sock
        self.timeout = timeout
        self.trace = trace            # a callable(direction, text) for a frame log, or None
        self.buf = bytearray()
        self.closed = False
        self.close_reason = None
        self.sent_bytes = 0
        self.send_errors = 0
        self.encoder = HeaderEncoder()
        self.decoder = hpack.Decoder()
        self.decoder.max_header_list_size = 1 << 30
        self.server_settings = {}
        self.auto_window_update = True
        self._windows = {0: DEFAULT_WINDOW}
        self._open_block = None        # (stream, [fragments]) while a server block is open
        self.alpn = None

    @classmethod
    def connect(cls, host, port, tls=False, cafile=None, insecure=False, server_name=None,
                timeout=2.0, alpn=("h2",), rcvbuf=None, trace=None):
        """Open TCP (and TLS with ALPN h2 when tls). The timeout bounds connect and handshake.

        TLS: verify with cafile (or the system store) unless insecure; server_name is the SNI
        and the name checked (default: host). rcvbuf sets SO_RCVBUF before connecting (small
        values make a client that reads slowly). Raises OSError/ssl.SSLError on failure, and
        ConnectionError when ALPN did not select h2.
        """
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                             socket.SOCK_STREAM)
        if rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(timeout)
        try:
            sock.connect((host, port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            selected = None
            if tls:
                ctx = ssl.create_default_context(cafile=cafile)
                if insecure:
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                ctx.set_alpn_protocols(list(alpn))
                sock = ctx.wrap_socket(sock, server_hostname=server_name or host)
                selected = sock.selected_alpn_protocol()
                if "h2" in alpn and selected != "h2":
                    raise ConnectionError("ALPN selected %r, not h2" % selected)
        except BaseException:
            sock.close()
            raise
        conn = cls(sock, timeout, trace)
        conn.alpn = selected
        return conn

    # -- sending --------------------------------------------------------------------------

    def send(self, payload):
        """Write bytes (all of them). A failed write (peer gone, or blocked past the timeout)
        is counted in send_errors and returns False: the peer's reaction is read afterwards."""
        if self.trace:
            self.trace("send", describe_bytes(payload))
        try:
            self.sock.sendall(payload)
            self.sent_bytes += len(payload)
            return True
        except (socket.timeout, OSError):
            self.send_errors += 1
            return False

    def send_preface(self):
        """The client connection preface (the 24 octets, no SETTINGS)."""
        return self.send(PREFACE)

    def handshake(self, client_settings=((INITIAL_WINDOW_SIZE, DEFAULT_WINDOW),), timeout=None):
        """Preface + our SETTINGS, then read until the server's SETTINGS (ACKed) and the ACK of
        ours both came, like h2spec. Returns None, or a text saying what went wrong."""
        self.send(PREFACE + settings(*client_settings))
        got_settings = got_ack = False
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not (got_settings and got_ack):
            ev = self.read_frame(deadline=deadline)
            if ev is CLOSED or ev is TIMEOUT:
                return "handshake: %s (server SETTINGS %s, ACK %s)" % (
                    describe(ev), "seen" if got_settings else "missing",
                    "seen" if got_ack else "missing")
            if ev.type == SETTINGS:
                if ev.ack:
                    got_ack = True
                else:
                    got_settings = True
                    self.server_settings.update(dict(ev.settings()))
                    self.send(settings_ack())
            elif ev.type == GOAWAY:
                return "handshake: %s" % ev
        return None

    def max_frame_size(self):
        """The server's SETTINGS_MAX_FRAME_SIZE (16,384 until it says otherwise)."""
        return self.server_settings.get(MAX_FRAME_SIZE, DEFAULT_MAX_FRAME)

    # -- reading --------------------------------------------------------------------------

    def _fill(self, deadline):
        """Read once into the buffer; False on CLOSED or when the deadline passed."""
        if self.closed:
            return False
        pending = isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()
        remaining = deadline - time.monotonic()
        if remaining <= 0 and not pending:
            r, _, _ = select.select([self.sock], [], [], 0)
            if not r:
                return False
            remaining = 0.001
        try:
            self.sock.settimeout(max(remaining, 0.001))
            chunk = self.sock.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            return False
        except ssl.SSLError as exc:
            self._mark_closed("tls: %s" % exc.reason)
            return False
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                return False
            self._mark_closed(errno.errorcode.get(exc.errno, str(exc)))
            return False
        finally:
            try:
                self.sock.settimeout(self.timeout)
            except OSError:
                pass
        if not chunk:
            self._mark_closed("eof")
            return False
        self.buf += chunk
        return True

    def _mark_closed(self, why):
        """Record that the peer is gone (eof, a reset, a TLS error)."""
        self.closed = True
        self.close_reason = why
        if self.trace:
            self.trace("recv", "connection closed (%s)" % why)

    def read_frame(self, timeout=None, deadline=None):
        """The next frame, or CLOSED, or TIMEOUT after `timeout` seconds (default: the
        connection's) or at the monotonic `deadline`. Frames already buffered come first."""
        if deadline is None:
            deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            if len(self.buf) >= 9:
                length = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) >= 9 + length:
                    frames, used = parse_frames(self.buf[:9 + length])
                    del self.buf[:used]
                    f = frames[0]
                    f.at = time.monotonic()
                    self._on_frame(f)
                    return f
            if self.closed:
                return CLOSED
            if not self._fill(deadline):
                if self.closed:
                    return CLOSED
                return TIMEOUT

    def _on_frame(self, f):
        """Trace a received frame; keep the windows open after DATA (auto_window_update)."""
        if self.trace:
            self.trace("recv", str(f))
        if f.type == DATA and self.auto_window_update and f.length:
            self._consume_window(f.stream_id, f.length)

    def _consume_window(self, stream_id, length):
        """h2spec's window keeping: when a window reaches 0, refill it to 65,535."""
        for sid in (stream_id, 0):
            win = self._windows.get(sid, DEFAULT_WINDOW) - length
            if win <= 0:
                incr = DEFAULT_WINDOW - win
                self.send(window_update(sid, incr))
                win += incr
            self._windows[sid] = win

    def drain(self, max_frames=100000):
        """Every frame readable right now without waiting (a list; CLOSED ends it)."""
        out = []
        while len(out) < max_frames:
            ev = self.read_frame(deadline=time.monotonic())
            if ev is TIMEOUT:
                break
            out.append(ev)
            if ev is CLOSED:
                break
        return out

    def decode_headers(self, f):
        """Feed a HEADERS/PUSH_PROMISE/CONTINUATION frame from the server into our HPACK
        decoder: the decoded [(name, value)] once the block is complete, else None."""
        if f.type in (HEADERS, PUSH_PROMISE):
            self._open_block = (f.stream_id, [f.block_fragment()])
        elif f.type == CONTINUATION and self._open_block:
            self._open_block[1].append(f.block_fragment())
        else:
            return None
        if not f.has(END_HEADERS):
            return None
        block = b"".join(self._open_block[1])
        self._open_block = None
        return [(n.decode("latin-1"), v.decode("latin-1"))
                for n, v in self.decoder.decode(block, raw=True)]

    def peer_closed(self, timeout=0.0):
        """Whether the peer has closed, without reading what it sent (POLLRDHUP)."""
        if self.closed:
            return True
        p = select.poll()
        p.register(self.sock, getattr(select, "POLLRDHUP", 0x2000) | select.POLLHUP
                   | select.POLLERR)
        return bool(p.poll(int(timeout * 1000)))

    def close(self):
        """Close the socket (no GOAWAY: send one first if the case wants it)."""
        try:
            self.sock.close()
        except OSError:
            pass


def describe_bytes(payload):
    """A short text for bytes about to be sent (the frames they start with, for traces)."""
    if payload.startswith(PREFACE):
        rest = payload[len(PREFACE):]
        return "PREFACE" + (" + " + describe_bytes(rest) if rest else "")
    frames, used = parse_frames(bytearray(payload))
    parts = [str(f) for f in frames[:4]]
    if len(frames) > 4:
        parts.append("... %d frames" % len(frames))
    if used < len(payload):
        parts.append("%d raw octets" % (len(payload) - used))
    return ", ".join(parts) if parts else "%d raw octets" % len(payload)


def literal_request_block(method="GET", scheme="http", path="/", authority="localhost"):
    """The four pseudo-header fields as literals without indexing (static-table names): a
    block that leaves the server's dynamic table as it was, for hand-built HPACK sequences
    whose indices must stay predictable (the newest dynamic entry is always index 62)."""
    return (h2_literal_static(2, method) + h2_literal_static(6, scheme)
            + h2_literal_static(4, path) + h2_literal_static(1, authority))


def h2_literal_static(name_index, value):
    """Literal header field without indexing whose name is a static-table index."""
    return hpack_literal(None, value, "without", name_index=name_index)


def header_block_frames(stream_id, block, end_stream=True, max_frame=DEFAULT_MAX_FRAME):
    """One header block as HEADERS + as many CONTINUATION frames as max_frame requires."""
    pieces = [block[i:i + max_frame] for i in range(0, len(block), max_frame)] or [b""]
    out = [headers(stream_id, pieces[0], end_stream=end_stream, end_headers=len(pieces) == 1)]
    for i, piece in enumerate(pieces[1:], 2):
        out.append(continuation(stream_id, piece, end_headers=i == len(pieces)))
    return b"".join(out)


def request_fields(method="GET", scheme="http", path="/", authority="localhost", extra=()):
    """The four request pseudo-header fields (h2spec's CommonHeaders order) plus `extra`."""
    return [(":method", method), (":scheme", scheme), (":path", path),
            (":authority", authority)] + list(extra)
