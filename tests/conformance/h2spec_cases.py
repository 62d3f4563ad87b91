#!/usr/bin/python3
"""The h2spec 2.6.0 conformance cases (146: generic/1..5, http2/3.5..8.2, hpack/2.3..6.3), in
Python over raw frames (tests/support/h2frames.py), against any h2 server.

Pinned to h2spec 2.6.0 (github.com/summerwind/h2spec): the same ids (group/sequence, as
`h2spec -j` names them), titles, frames and acceptance semantics (h2spec_core.py). The strict
("-S") cases are not part of the 146 and are not included. Where this suite departs from
h2spec's bytes (a representation that matches its title rather than h2spec's mislabeled one, a
frame sequence h2spec later fixed), the case says so.

The server under test answers GET and POST on --path with 200 and a body. Six cases need the
body: generic/2/2 and 2/3 wait for a DATA frame (and fail without one), and the flow-control
cases http2/6.5.3/1, 6.9.1/1, 6.9.2/1 (1 octet or more) and 6.9.2/2 (5 or more) are skipped
when the body is shorter, as h2spec skips them. The HPACK and header cases expect nothing of a
body.

Usage:
  h2spec_cases.py --host 127.0.0.1 --port N [--tls] [--cafile F | --insecure] [--path /]
                  [--authority host] [--timeout 2] [--json] [--case ID ...] [--list]
                  [--strict-codes] [--rfc9113] [--verbose]

--case takes an id ("http2/6.5/1") or a group prefix ("http2/6.5", "hpack"); repeatable.
Prints one line per case, "PASS|FAIL|SKIP id title (reason)", then "N/M passed"; --json prints
one JSON object instead. Exit status 0 only if every selected case passed (a SKIP is not a pass).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from h2spec_core import CASES, Config, run_case  # noqa: E402
import cases_generic  # noqa: E402,F401  (registration order is h2spec's)
import cases_http2_3_5  # noqa: E402,F401
import cases_http2_6  # noqa: E402,F401
import cases_http2_7_8  # noqa: E402,F401
import cases_hpack  # noqa: E402,F401

SPEC = "h2spec 2.6.0"
TOTAL = 146


def selected(cases, wanted):
    """Cases whose id is one of `wanted` or lies under one of them (a group prefix)."""
    if not wanted:
        return list(cases)
    out = []
    for c in cases:
        for w in wanted:
            w = w.rstrip("/")
            if c["id"] == w or c["id"].startswith(w + "/") or c["id"].startswith(w + "."):
                out.append(c)
                break
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int)
    ap.add_argument("--tls", action="store_true", help="TLS with ALPN h2 (else h2c, prior "
                    "knowledge)")
    ap.add_argument("--cafile", help="CA certificate(s) to verify the server with")
    ap.add_argument("--insecure", action="store_true", help="do not verify the certificate")
    ap.add_argument("--server-name", help="SNI and name checked (default: --host)")
    ap.add_argument("--path", default="/")
    ap.add_argument("--authority", help="the :authority sent (default host:port, as h2spec)")
    ap.add_argument("--timeout", type=float, default=2.0,
                    help="seconds to wait for each frame (h2spec -o; at most 2)")
    ap.add_argument("--max-header-len", type=int, default=4000,
                    help="octets of each dummy header value (h2spec --max-header-length)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--case", action="append", default=[], metavar="ID")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--strict-codes", action="store_true",
                    help="fail on a GOAWAY/RST_STREAM with a code other than those accepted "
                    "(h2spec waits past it for the close)")
    ap.add_argument("--rfc9113", action="store_true",
                    help="also accept what RFC 9113 allows where h2spec tests RFC 7540's "
                    "stricter text (http2/5.1/11, 5.1/12)")
    ap.add_argument("--verbose", action="store_true", help="trace frames on stderr")
    args = ap.parse_args(argv)

    if len(CASES) != TOTAL:
        print("internal error: %d cases registered, %s has %d" % (len(CASES), SPEC, TOTAL),
              file=sys.stderr)
        return 2
    cases = selected(CASES, args.case)
    if args.case and not cases:
        print("no case matches %s" % " ".join(args.case), file=sys.stderr)
        return 2
    if args.list:
        if args.json:
            print(json.dumps({"spec": SPEC, "cases": [{k: c[k] for k in ("id", "title",
                                                                           "expect")}
                                                       for c in cases]}, indent=1))
        else:
            for c in cases:
                print("%-18s %s\n%18s -> %s" % (c["id"], c["title"], "", c["expect"]))
        return 0
    if args.port is None:
        ap.error("--port is required")
    if args.timeout > 2:
        ap.error("--timeout is at most 2 seconds")

    cfg = Config(args.host, args.port, tls=args.tls, cafile=args.cafile, insecure=args.insecure,
                 path=args.path, authority=args.authority, timeout=args.timeout,
                 max_header_len=args.max_header_len, strict_codes=args.strict_codes,
                 server_name=args.server_name, verbose=args.verbose, rfc9113=args.rfc9113)
    start = time.monotonic()
    results = []
    for c in cases:
        if args.verbose:
            print("--- %s %s" % (c["id"], c["title"]), file=sys.stderr)
        r = run_case(c, cfg)
        results.append(r)
        if not args.json:
            line = "%s %s %s" % (r["status"], r["id"], r["title"])
            if r["reason"]:
                line += " (%s)" % r["reason"]
            print(line, flush=True)
    counts = {s: sum(1 for r in results if r["status"] == s) for s in ("PASS", "FAIL", "SKIP")}
    elapsed = time.monotonic() - start
    if args.json:
        print(json.dumps({
            "spec": SPEC, "target": "%s://%s:%d%s" % (cfg.scheme, cfg.host, cfg.port, cfg.path),
            "authority": cfg.authority, "total": TOTAL, "selected": len(results),
            "passed": counts["PASS"], "failed": counts["FAIL"], "skipped": counts["SKIP"],
            "elapsed_s": round(elapsed, 3), "strict_codes": cfg.strict_codes,
            "rfc9113": cfg.rfc9113,
            "results": results}, indent=1))
    else:
        print("%d/%d passed (%d failed, %d skipped; %s, %.1f s)"
              % (counts["PASS"], len(results), counts["FAIL"], counts["SKIP"], SPEC, elapsed))
    return 0 if counts["PASS"] == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
