"""The catalogue of malformed and ambiguous requests for the differential check.

Built combinatorially from request-smuggling families: framing headers (Transfer-Encoding values
and name spellings, Content-Length values, both together, duplicates), line structure (bare LF
and CR, obs-fold, whitespace before the colon, control characters and NUL in every part),
request lines (methods, targets, versions), Host, and chunked bodies (sizes, extensions, data
length, trailers). Each case is (name, raw bytes) with a unique name; every case that keeps a
parseable request line carries its number in the path ("/c/<n>").
"""

BODY = b"hello"
CHUNKED_BODY = b"5\r\nhello\r\n0\r\n\r\n"
# What a lenient parser could take as a second request hidden in the first one's body.
SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: h.test\r\n\r\n"

TE_VALUES = [
    b"chunked", b"Chunked", b"CHUNKED", b" chunked", b"chunked ", b"\tchunked", b"chunked,",
    b", chunked", b"chunked, chunked", b"gzip, chunked", b"chunked, gzip", b"identity",
    b"identity, chunked", b"xchunked", b"chunkedx", b"chunk", b"\"chunked\"", b"chunked;q=1",
    b"chunked\x0b", b"chunked\x00", b"chu\x00nked", b"\x0cchunked", b"chunked\xff", b"cHuNkEd",
    b"gzip", b"", b",", b"chunked , identity",
]
CL_VALUES = [
    b"5", b"05", b"+5", b"-5", b" 5", b"5 ", b"5,5", b"5, 5", b"5,6", b"0x5", b"5.0", b"",
    b"1e1", b"99999999999999999999", b"5\x00", b"\xef\xbc\x95", b"4 5", b"5\x0b", b"\t5",
]
NAME_SPELLINGS = [
    b"{name}", b"{lower}", b"{name} ", b"{name}\t", b" {name}", b"{under}", b"X-{name}",
    b"{name}\x00", b"{name}\x0b", b"\xff{name}",
]
CONTROL_BYTES = [b"\x00", b"\x01", b"\x08", b"\x0b", b"\x0c", b"\x1f", b"\x7f", b"\r", b"\n"]
METHODS = [
    b"GET", b"get", b"G ET", b"GE\x00T", b"GET\t", b"\tGET", b"G\x7fET", b"GET\xff", b"",
    b"PO(ST", b"POST\x0b",
]
VERSIONS = [
    b"HTTP/1.1", b"HTTP/1.0", b"HTTP/1.2", b"HTTP/2.0", b"HTTP/0.9", b"", b"HTTP/1.10",
    b"http/1.1", b"HTTP/1.1 ", b"HTTP/11", b"HTTP/1", b"HTTP/1.1\x00", b"HTTP/ 1.1", b"HTTP/1.1x",
]
TARGETS = [
    b"http://h.test/c/{n}", b"https://h.test/c/{n}", b"http://other.test/c/{n}", b"h.test:80",
    b"*", b"/c/{n}#frag", b"/c/{n}?a=#b", b"/c/{n}\xff", b"/c/{n}%00", b"/c/{n}%zz",
    b"/c/../../etc/{n}", b"//c/{n}", b"\\c\\{n}", b"c/{n}", b"/c/{n} /x", b"/c/{n}\"<>",
    b"/c/{n}|{{}}^`", b"http://u@h.test/c/{n}", b"http:///c/{n}", b"/c/{n}?\x01",
]
HOSTS = [
    None, b"", b"h test", b"u@h.test", b"h.test/x", b"h.test:abc", b"h.test:99999", b"[::1]",
    b"[::1", b"h.test:", b"h_x.test", b"h.test\x00", b"h.test, other.test", b"\xffh.test",
]
CHUNK_BODIES = [
    b"05\r\nhello\r\n0\r\n\r\n", b"0x5\r\nhello\r\n0\r\n\r\n", b"5 \r\nhello\r\n0\r\n\r\n",
    b" 5\r\nhello\r\n0\r\n\r\n", b"+5\r\nhello\r\n0\r\n\r\n", b"-5\r\nhello\r\n0\r\n\r\n",
    b"fffffffffffffffff\r\nhello\r\n0\r\n\r\n", b"ffffffffffffffff\r\nhello\r\n0\r\n\r\n",
    b"5;ext\r\nhello\r\n0\r\n\r\n", b"5;ext=val\r\nhello\r\n0\r\n\r\n",
    b"5;ext=\"quo ted\"\r\nhello\r\n0\r\n\r\n", b"5 ;ext\r\nhello\r\n0\r\n\r\n",
    b"5;\x00\r\nhello\r\n0\r\n\r\n", b"5;ext=\"open\r\nhello\r\n0\r\n\r\n",
    b"5;=v\r\nhello\r\n0\r\n\r\n", b"3\r\nhello\r\n0\r\n\r\n", b"7\r\nhello\r\n0\r\n\r\n",
    b"5\r\nhelloXX0\r\n\r\n", b"5\nhello\n0\n\n", b"5\r\nhello\n0\r\n\r\n",
    b"5\rhello\r\n0\r\n\r\n", b"0\r\nX-T: 1\r\n\r\n", b"0\r\nX-T: 1\r\n folded\r\n\r\n",
    b"0\r\nContent-Length: 5\r\n\r\nhello", b"0\r\nX-T: 1\n\r\n", b"0\r\nX T: 1\r\n\r\n",
    b"0\n\n", b"0\r\n\r", b"A\r\nhellohello\r\n0\r\n\r\n", b"a\r\nhellohello\r\n0\r\n\r\n",
    b"5\r\n\r\n", b"\r\n5\r\nhello\r\n0\r\n\r\n", b"0000000000000000005\r\nhello\r\n0\r\n\r\n",
    b"5\r\r\nhello\r\n0\r\n\r\n", b"0;ext=1\r\n\r\n", b"1\r\nh\r\n1\r\ne\r\n0\r\n\r\n",
    b"0\r\n\r\n" + SMUGGLED,
]


def request(n, method=b"POST", target=None, version=b"HTTP/1.1", host=b"h.test", headers=(),
            body=b"", line_end=b"\r\n"):
    target = b"/c/%d" % n if target is None else target
    lines = [method + b" " + target + (b" " + version if version else b"")]
    if host is not None:
        lines.append(b"Host: " + host)
    lines += list(headers)
    return line_end.join(lines) + line_end + line_end + body


def spelled(spelling, name):
    return spelling.replace(b"{name}", name).replace(b"{lower}", name.lower()).replace(
        b"{under}", name.replace(b"-", b"_"))


def cases():
    out = []

    def add(name, make):
        n = len(out)
        out.append((name, make(n)))

    # Transfer-Encoding values: alone, with a Content-Length before and after it.
    for i, value in enumerate(TE_VALUES):
        te = b"Transfer-Encoding: " + value
        add("te[%d] %r" % (i, value), lambda n: request(n, headers=[te], body=CHUNKED_BODY))
        add("cl+te[%d] %r" % (i, value), lambda n: request(
            n, headers=[b"Content-Length: %d" % (len(CHUNKED_BODY) + len(SMUGGLED)), te],
            body=CHUNKED_BODY + SMUGGLED))
        add("te[%d]+cl %r" % (i, value), lambda n: request(
            n, headers=[te, b"Content-Length: 3"], body=CHUNKED_BODY))
    # Content-Length values: alone, duplicated, next to a valid one, with chunked.
    for i, value in enumerate(CL_VALUES):
        cl = b"Content-Length: " + value
        add("cl[%d] %r" % (i, value), lambda n: request(n, headers=[cl], body=BODY))
        add("cl[%d] twice %r" % (i, value), lambda n: request(n, headers=[cl, cl], body=BODY))
        add("cl 5 then cl[%d] %r" % (i, value), lambda n: request(
            n, headers=[b"Content-Length: 5", cl], body=BODY))
        add("cl[%d] in one list with 5 %r" % (i, value), lambda n: request(
            n, headers=[b"Content-Length: 5, " + value], body=BODY))
    # Obfuscated names of the framing headers, each next to a valid other framing.
    for i, spelling in enumerate(NAME_SPELLINGS):
        te_name = spelled(spelling, b"Transfer-Encoding")
        cl_name = spelled(spelling, b"Content-Length")
        add("te name[%d] %r" % (i, te_name), lambda n: request(
            n, headers=[b"Content-Length: %d" % len(CHUNKED_BODY), te_name + b": chunked"],
            body=CHUNKED_BODY))
        add("te name[%d] alone %r" % (i, te_name), lambda n: request(
            n, headers=[te_name + b": chunked"], body=CHUNKED_BODY))
        add("cl name[%d] %r" % (i, cl_name), lambda n: request(
            n, headers=[cl_name + b": 5"], body=BODY))
        add("cl name[%d] + chunked %r" % (i, cl_name), lambda n: request(
            n, headers=[cl_name + b": 5", b"Transfer-Encoding: chunked"], body=CHUNKED_BODY))
    # Control bytes in each part of the head.
    for i, byte in enumerate(CONTROL_BYTES):
        add("ctl[%d] in value" % i, lambda n: request(n, headers=[b"X-A: a" + byte + b"b"]))
        add("ctl[%d] at value end" % i, lambda n: request(n, headers=[b"X-A: ab" + byte]))
        add("ctl[%d] in name" % i, lambda n: request(n, headers=[b"X-" + byte + b"A: b"]))
        add("ctl[%d] in target" % i, lambda n: request(n, target=b"/c/%d/" % n + byte + b"x"))
        add("ctl[%d] in Host" % i, lambda n: request(n, host=b"h" + byte + b".test"))
        add("ctl[%d] before CL value" % i, lambda n: request(
            n, headers=[b"Content-Length: " + byte + b"5"], body=BODY))
    # Line structure: bare LF / CR line ends at each place, obs-fold on each kind of header.
    for end_name, end in [("LF", b"\n"), ("CR", b"\r"), ("LFCR", b"\n\r")]:
        add("all lines end %s" % end_name, lambda n: request(n, line_end=end))
        add("request line ends %s" % end_name, lambda n: request(n).replace(
            b"HTTP/1.1\r\n", b"HTTP/1.1" + end, 1))
        add("one header ends %s" % end_name, lambda n: request(
            n, headers=[b"X-A: 1" + end + b"X-B: 2"]))
        add("head ends with %s" % end_name, lambda n: request(n, headers=[b"X-A: 1"])[:-2] + end)
        add("CL hidden after %s" % end_name, lambda n: request(
            n, headers=[b"X-A: 1" + end + b"Content-Length: 5"], body=BODY))
        add("TE hidden after %s" % end_name, lambda n: request(
            n, headers=[b"X-A: 1" + end + b"Transfer-Encoding: chunked"], body=CHUNKED_BODY))
    for header in [b"X-A: 1", b"Host: h.test", b"Transfer-Encoding: chunked",
                   b"Content-Length: 5"]:
        for fold in [b" x", b"\tx", b" ", b" chunked"]:
            add("obs-fold %r after %r" % (fold, header), lambda n: request(
                n, headers=[header, fold], body=BODY))
    for space in [b" ", b"\t", b"  "]:
        for header in [b"X-A", b"Content-Length", b"Transfer-Encoding", b"Host"]:
            value = b"chunked" if header == b"Transfer-Encoding" else b"5"
            add("%r before colon of %r" % (space, header), lambda n: request(
                n, headers=[header + space + b": " + value], body=BODY))
    add("empty header name", lambda n: request(n, headers=[b": x"]))
    add("header without colon", lambda n: request(n, headers=[b"X-A x"]))
    add("header name with space", lambda n: request(n, headers=[b"X A: x"]))
    add("header name with @", lambda n: request(n, headers=[b"X@A: x"]))
    add("header name with (", lambda n: request(n, headers=[b"X(A: x"]))
    add("high-bit bytes in value (obs-text)", lambda n: request(n, headers=[b"X-A: \xe9\xff"]))
    add("empty line before request", lambda n: b"\r\n" + request(n))
    add("LF before request", lambda n: b"\n" + request(n))
    # Request lines.
    for i, method in enumerate(METHODS):
        add("method[%d] %r" % (i, method), lambda n: request(n, method=method))
    for i, version in enumerate(VERSIONS):
        add("version[%d] %r" % (i, version), lambda n: request(n, method=b"GET", version=version))
    for i, target in enumerate(TARGETS):
        add("target[%d] %r" % (i, target), lambda n: request(
            n, method=b"GET", target=target.replace(b"{n}", b"%d" % n)))
    add("OPTIONS *", lambda n: request(n, method=b"OPTIONS", target=b"*"))
    add("two spaces after method", lambda n: request(n, method=b"GET ", version=b"HTTP/1.1"))
    add("CONNECT authority", lambda n: request(n, method=b"CONNECT", target=b"h.test:443"))
    add("extra token after version", lambda n: request(n, version=b"HTTP/1.1 x"))
    # Host.
    for i, host in enumerate(HOSTS):
        add("host[%d] %r" % (i, host), lambda n: request(n, method=b"GET", host=host))
    add("two equal Hosts", lambda n: request(n, method=b"GET", headers=[b"Host: h.test"]))
    add("two different Hosts", lambda n: request(n, method=b"GET", headers=[b"Host: o.test"]))
    add("HTTP/1.0 without Host", lambda n: request(n, method=b"GET", version=b"HTTP/1.0",
                                                   host=None))
    add("absolute-form and another Host", lambda n: request(
        n, method=b"GET", target=b"http://other.test/c/%d" % n))
    # Chunked bodies.
    for i, body in enumerate(CHUNK_BODIES):
        add("chunks[%d] %r" % (i, body[:24]), lambda n: request(
            n, headers=[b"Transfer-Encoding: chunked"], body=body))
    # Framing in HTTP/1.0 and on methods without a body; Expect and Upgrade.
    add("HTTP/1.0 with chunked", lambda n: request(
        n, version=b"HTTP/1.0", headers=[b"Transfer-Encoding: chunked"], body=CHUNKED_BODY))
    add("HTTP/1.0 with CL and chunked", lambda n: request(
        n, version=b"HTTP/1.0", headers=[b"Content-Length: 5", b"Transfer-Encoding: chunked"],
        body=CHUNKED_BODY))
    add("GET with a body", lambda n: request(n, method=b"GET", headers=[b"Content-Length: 5"],
                                             body=BODY))
    add("GET chunked", lambda n: request(n, method=b"GET",
                                         headers=[b"Transfer-Encoding: chunked"],
                                         body=CHUNKED_BODY))
    add("Expect 100-continue", lambda n: request(
        n, headers=[b"Expect: 100-continue", b"Content-Length: 5"], body=BODY))
    add("Expect unknown", lambda n: request(n, headers=[b"Expect: teapot", b"Content-Length: 5"],
                                            body=BODY))
    add("Connection names Content-Length", lambda n: request(
        n, headers=[b"Connection: content-length", b"Content-Length: 5"], body=BODY))
    add("Connection names Host", lambda n: request(n, headers=[b"Connection: host"]))
    add("Upgrade h2c", lambda n: request(
        n, method=b"GET", headers=[b"Connection: Upgrade, HTTP2-Settings", b"Upgrade: h2c",
                                   b"HTTP2-Settings: AAMAAABkAAQAAP__"]))
    add("CL shorter than body (pipelined rest)", lambda n: request(
        n, headers=[b"Content-Length: 5"], body=BODY + SMUGGLED))
    add("good request (control)", lambda n: request(n, headers=[b"Content-Length: 5"],
                                                    body=BODY))
    add("good chunked request (control)", lambda n: request(
        n, headers=[b"Transfer-Encoding: chunked"], body=CHUNKED_BODY))
    add("good GET (control)", lambda n: request(n, method=b"GET"))
    names = [name for name, _ in out]
    assert len(names) == len(set(names)), "case names must be unique"
    return out


if __name__ == "__main__":
    for number, (name, raw) in enumerate(cases()):
        print(number, name, repr(raw[:80]))
