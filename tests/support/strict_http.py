"""A strict HTTP/1.1 request parser (RFC 9112, RFC 9110): what a careful origin server accepts.

Used by the recording backend on what a proxy forwards. Anything a lenient peer might read
differently is a violation: bare LF or CR, obs-fold, a name that is not a token or whitespace
before the colon, control characters in a value, anything but one valid Content-Length or a
Transfer-Encoding ending in chunked (never both), a request target that is not origin-form (a
gateway talks to an origin server, RFC 9112 §3.2.1) or has a byte outside visible ASCII, more or
fewer than one Host, and any deviation from the chunked grammar.

RequestReader is incremental: feed() bytes as they arrive and take complete requests from
next_request(), which raises Violation on the first malformed byte.
"""
import re

MAX_HEAD = 256 * 1024
MAX_CHUNK_LINE = 4096

TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
REQUEST_LINE = re.compile(rb"(" + TOKEN + rb") ([^ ]+) HTTP/(\d)\.(\d)")
FIELD_NAME = re.compile(TOKEN)
# VCHAR, obs-text, SP and HTAB; a CTL (NUL, bare CR, ...) or DEL anywhere is a violation.
FIELD_VALUE = re.compile(rb"[\x20-\x7e\x80-\xff\t]*")
# origin-form as HTTP parsers check it: "/" then visible ASCII, no '#' (a fragment is never sent).
# RFC 3986's narrower set (no '"', '<', '>', '\\', '^', '`', '{', '|', '}', and '%' only before two
# hex digits) is not required: apigw, NGINX and HAProxy all pass those through, clients send them
# (JSON in a query string), and a backend reads them one way only.
ORIGIN_FORM = re.compile(rb"/[\x21\x22\x24-\x7e]*")
HOST = re.compile(rb"(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
                  rb"|\[[0-9A-Fa-f:.]+\]")
PORT = re.compile(rb"[0-9]*")
DIGITS = re.compile(rb"[0-9]+")
HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
# chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val = token / quoted-string
CHUNK_EXT = re.compile(
    rb"(?:[ \t]*;[ \t]*" + TOKEN +
    rb"(?:[ \t]*=[ \t]*(?:" + TOKEN + rb"|\"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*\"))?)*")


class Violation(Exception):
    """`kind` names the rule broken; `detail` shows where."""

    def __init__(self, kind, detail=b""):
        super().__init__(kind)
        self.kind = kind
        self.detail = detail if isinstance(detail, bytes) else str(detail).encode()


class Request:
    def __init__(self):
        self.method = ""
        self.target = ""
        self.version = "1.1"
        self.headers = []  # (name as sent, value with OWS trimmed), in order
        self.framing = "none"  # "none", "length" or "chunked"
        self.body = b""
        self.trailers = []
        self.raw_head = b""

    def values(self, name):
        return [value for field, value in self.headers if field.lower() == name]


def _parse_field_line(line, what):
    if line[:1] in (b" ", b"\t"):
        raise Violation("obs-fold", line[:80])
    colon = line.find(b":")
    if colon <= 0 or not FIELD_NAME.fullmatch(line, 0, colon):
        raise Violation("bad %s name" % what, line[:80])
    value = line[colon + 1:]
    if not FIELD_VALUE.fullmatch(value):
        raise Violation("bad %s value" % what, line[:80])
    return line[:colon].decode("latin-1"), value.strip(b" \t").decode("latin-1")


def _split_lines(head):
    """Lines of a head that ends with CRLF CRLF; any other CR or LF is a violation."""
    lines = head[:-4].split(b"\r\n")
    for line in lines:
        if b"\n" in line:
            raise Violation("bare LF", line[:80])
        if b"\r" in line:
            raise Violation("bare CR", line[:80])
    return lines


def _check_host(value):
    raw = value.encode("latin-1")
    if raw.startswith(b"["):
        literal, _, rest = raw.partition(b"]")
        host, port = literal + b"]", rest
        if port and not port.startswith(b":"):
            raise Violation("invalid Host", value)
        port = port[1:]
    else:
        host, _, port = raw.partition(b":")
    if not HOST.fullmatch(host) or not PORT.fullmatch(port):
        raise Violation("invalid Host", value)


def parse_head(head):
    """A Request (no body yet) from bytes ending with the first CRLF CRLF."""
    request = Request()
    request.raw_head = head
    lines = _split_lines(head)
    match = REQUEST_LINE.fullmatch(lines[0])
    if not match:
        raise Violation("bad request line", lines[0][:120])
    method, target, major, minor = match.groups()
    if (major, minor) not in ((b"1", b"1"), (b"1", b"0")):
        raise Violation("bad version", lines[0][:120])
    request.method = method.decode()
    request.target = target.decode("latin-1")
    request.version = "1." + minor.decode()
    if not (ORIGIN_FORM.fullmatch(target) or (target == b"*" and method == b"OPTIONS")):
        raise Violation("target not origin-form", target[:120])
    request.headers = [_parse_field_line(line, "field") for line in lines[1:]]

    hosts = request.values("host")
    if len(hosts) > 1 or (request.version == "1.1" and not hosts):
        raise Violation("Host count %d" % len(hosts))
    for host in hosts:
        _check_host(host)
    lengths = request.values("content-length")
    codings = request.values("transfer-encoding")
    if codings:
        if lengths:
            raise Violation("Content-Length with Transfer-Encoding")
        if request.version == "1.0":
            raise Violation("Transfer-Encoding in HTTP/1.0")
        names = [item.strip(" \t").split(";")[0].strip(" \t").lower()
                 for item in ",".join(codings).split(",")]
        if any(not FIELD_NAME.fullmatch(name.encode("latin-1")) for name in names):
            raise Violation("bad Transfer-Encoding", ",".join(codings))
        if names[-1] != "chunked" or names.count("chunked") != 1:
            raise Violation("Transfer-Encoding not ending in one chunked", ",".join(codings))
        request.framing = "chunked"
    elif lengths:
        if len(lengths) > 1:
            raise Violation("%d Content-Length fields" % len(lengths), ",".join(lengths))
        if not DIGITS.fullmatch(lengths[0].encode("latin-1")) or len(lengths[0]) > 15:
            raise Violation("bad Content-Length", lengths[0])
        request.framing = "length"
    return request


class RequestReader:
    """Splits a byte stream into strictly parsed requests."""

    def __init__(self):
        self.buffer = bytearray()
        self.request = None  # head parsed, body pending
        self.body_left = 0
        self.chunk_state = "size"
        self.body = bytearray()

    def feed(self, data):
        self.buffer += data

    def pending(self):
        """True while part of a request has arrived (for "closed mid-request")."""
        return bool(self.buffer) or self.request is not None

    def next_request(self):
        """The next complete Request, or None until more bytes arrive."""
        if self.request is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                bare = self.buffer.find(b"\n\n")
                if bare >= 0 or len(self.buffer) > MAX_HEAD:
                    raise Violation("bare LF" if bare >= 0 else "head too large",
                                    bytes(self.buffer[:120]))
                return None
            head = bytes(self.buffer[:end + 4])
            del self.buffer[:end + 4]
            if head.startswith(b"\r\n"):
                raise Violation("empty line before request line", head[:80])
            self.request = parse_head(head)
            self.body = bytearray()
            self.chunk_state = "size"
            self.body_left = int(self.request.values("content-length")[0]) \
                if self.request.framing == "length" else 0
        if self.request.framing == "chunked":
            if not self._read_chunks():
                return None
        else:
            take = min(self.body_left, len(self.buffer))
            self.body += self.buffer[:take]
            del self.buffer[:take]
            self.body_left -= take
            if self.body_left:
                return None
        request, self.request = self.request, None
        request.body = bytes(self.body)
        return request

    def _line(self, limit):
        end = self.buffer.find(b"\r\n")
        if end < 0:
            if b"\n" in self.buffer or len(self.buffer) > limit:
                raise Violation("bad chunk line", bytes(self.buffer[:80]))
            return None
        line = bytes(self.buffer[:end])
        del self.buffer[:end + 2]
        if b"\n" in line or b"\r" in line:
            raise Violation("bare CR or LF in chunk line", line[:80])
        return line

    def _read_chunks(self):
        while True:
            if self.chunk_state == "size":
                line = self._line(MAX_CHUNK_LINE)
                if line is None:
                    return False
                size = HEX.match(line)
                if not size or not CHUNK_EXT.fullmatch(line, size.end()):
                    raise Violation("bad chunk size line", line[:80])
                self.body_left = int(size.group(), 16)
                self.chunk_state = "data" if self.body_left else "trailers"
            elif self.chunk_state == "data":
                take = min(self.body_left, len(self.buffer))
                self.body += self.buffer[:take]
                del self.buffer[:take]
                self.body_left -= take
                if self.body_left:
                    return False
                self.chunk_state = "data-end"
            elif self.chunk_state == "data-end":
                if len(self.buffer) < 2:
                    return False
                if self.buffer[:2] != b"\r\n":
                    raise Violation("chunk data not followed by CRLF", bytes(self.buffer[:20]))
                del self.buffer[:2]
                self.chunk_state = "size"
            else:  # trailers
                line = self._line(MAX_HEAD)
                if line is None:
                    return False
                if line == b"":
                    return True
                self.request.trailers.append(_parse_field_line(line, "trailer"))
