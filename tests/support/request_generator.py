"""The varied-request generator: the exact client request for a seed N.

tests/support/varied_requests.lua is the same generator for wrk; the two must draw the same
numbers in the same order, so any change here is made there too (and the other way round). A
drift shows at once: every request the recording backend checks becomes a mismatch.

The random source is MINSTD (x = x * 48271 mod 2^31-1). Every intermediate stays below 2^47,
so LuaJIT's doubles compute it exactly, and Python's integers trivially so.

One request, in drawing order:
  method    METHODS[pick(5)]
  path      "/v/<seed>" then pick(3) segments "/" + word(1 + pick(12), PATH_CHARS)
  query     if pick(3) > 0: "?" + (1 + pick(4)) params "p<i>=" + word(pick(20), QUERY_CHARS),
            joined by "&"
  host      "h<pick(1000)>.test", with ":<8000 + pick(100)>" when pick(4) == 0
  headers   pick(7) of them: name HEADER_NAMES[pick(#)], value value(); a name may repeat.
            When pick(6) == 0, "Connection: x-hop" and "X-Hop: <value()>" follow (the gateway
            must drop both: X-Hop is named by Connection)
  body      PUT and POST always declare one; DELETE when pick(4) == 0; GET and HEAD never.
            size: b = pick(10): 0-1 -> 0, 2-5 -> pick(200), 6-8 -> 200 + pick(4000),
            9 -> 4000 + pick(40000); bytes PATTERN[offset : offset + size] with
            offset = pick(len(PATTERN) - size + 1)
  framing   chunked when pick(4) == 0, else Content-Length. Chunks: 1 + pick(min(left, 8192))
            bytes each, a ";ext=<pick(100)>" extension when pick(8) == 0, then "0\r\n\r\n"

Head layout: request line, Host, X-Seed, the headers in order, then Content-Length or
Transfer-Encoding, blank line, body.
"""

MODULUS = 2147483647
MULTIPLIER = 48271

METHODS = ["GET", "HEAD", "PUT", "DELETE", "POST"]
PATH_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~!$'()*+,;=:@"
QUERY_CHARS = PATH_CHARS + "/?"
# Field-value characters without SP (a value never starts or ends with one: peers trim OWS).
VALUE_CHARS = "".join(chr(c) for c in range(0x21, 0x7F))
HEADER_NAMES = ["X-Alpha", "x-beta", "X-Gamma-Longer-Header-Name", "Accept", "User-Agent",
                "Cookie", "Cache-Control", "X-Dup", "Authorization", "X-Empty-Or-Not"]
PATTERN_SIZE = 65536


class Minstd:
    def __init__(self, seed):
        self.x = seed % (MODULUS - 1) + 1

    def pick(self, n):
        self.x = (self.x * MULTIPLIER) % MODULUS
        return self.x % n


def _pattern():
    rng = Minstd(12345)
    return bytes(rng.pick(256) for _ in range(PATTERN_SIZE))


# Every byte value, CR, LF and NUL included: bodies are binary.
PATTERN = _pattern()


def _word(rng, length, chars):
    return "".join(chars[rng.pick(len(chars))] for _ in range(length))


def _value(rng):
    bucket = rng.pick(10)
    if bucket < 7:
        length = rng.pick(40)
    elif bucket < 9:
        length = 40 + rng.pick(400)
    else:
        length = 400 + rng.pick(3000)
    chars = [VALUE_CHARS[rng.pick(len(VALUE_CHARS))] for _ in range(length)]
    # Inner spaces, never at either end.
    for i in range(1, length - 1):
        if chars[i] == "~":
            chars[i] = " "
    return "".join(chars)


def generate(seed):
    """The request for `seed`: (method, target, host, [(name, value)], body, chunked, raw)."""
    rng = Minstd(seed)
    method = METHODS[rng.pick(len(METHODS))]
    target = "/v/%d" % seed
    for _ in range(rng.pick(3)):
        target += "/" + _word(rng, 1 + rng.pick(12), PATH_CHARS)
    if rng.pick(3) > 0:
        params = ["p%d=%s" % (i, _word(rng, rng.pick(20), QUERY_CHARS))
                  for i in range(1 + rng.pick(4))]
        target += "?" + "&".join(params)
    host = "h%d.test" % rng.pick(1000)
    if rng.pick(4) == 0:
        host += ":%d" % (8000 + rng.pick(100))
    headers = []
    for _ in range(rng.pick(7)):
        name = HEADER_NAMES[rng.pick(len(HEADER_NAMES))]
        headers.append((name, _value(rng)))
    if rng.pick(6) == 0:
        headers.append(("Connection", "x-hop"))
        headers.append(("X-Hop", _value(rng)))
    has_body = method in ("PUT", "POST") or (method == "DELETE" and rng.pick(4) == 0)
    body = b""
    chunked = False
    framed = b""
    if has_body:
        bucket = rng.pick(10)
        if bucket < 2:
            size = 0
        elif bucket < 6:
            size = rng.pick(200)
        elif bucket < 9:
            size = 200 + rng.pick(4000)
        else:
            size = 4000 + rng.pick(40000)
        offset = rng.pick(PATTERN_SIZE - size + 1)
        body = PATTERN[offset:offset + size]
        chunked = rng.pick(4) == 0
        if chunked:
            pieces = []
            at = 0
            while at < size:
                length = 1 + rng.pick(min(size - at, 8192))
                extension = ";ext=%d" % rng.pick(100) if rng.pick(8) == 0 else ""
                pieces.append(b"%x%s\r\n" % (length, extension.encode()))
                pieces.append(body[at:at + length] + b"\r\n")
                at += length
            pieces.append(b"0\r\n\r\n")
            framed = b"".join(pieces)
        else:
            framed = body
    lines = ["%s %s HTTP/1.1" % (method, target), "Host: " + host, "X-Seed: %d" % seed]
    lines += ["%s: %s" % (name, value) for name, value in headers]
    if has_body:
        lines.append("Transfer-Encoding: chunked" if chunked else "Content-Length: %d" % size)
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + framed
    return method, target, host, headers, body, chunked, raw


if __name__ == "__main__":
    # `request_generator.py N` prints request N's raw bytes (to compare with the Lua side);
    # `request_generator.py describe N...` prints "N METHOD FRAMING" per seed, FRAMING being
    # chunked, length or none.
    import sys
    if sys.argv[1] == "describe":
        for arg in sys.argv[2:]:
            request = generate(int(arg))
            framing = "chunked" if request[5] else "length" if request[0] in (
                "PUT", "POST") or b"\r\nContent-Length: " in request[6] else "none"
            print(arg, request[0], framing)
    else:
        sys.stdout.buffer.write(generate(int(sys.argv[1]))[6])
