#!/usr/bin/python3
"""Summarize bench/interleave.sh: the median of each proxy's runs, and ratios to NGINX (the first
proxy named nginx*; and, for an A/B of two apigw builds or configs, of X to X-alt; and of apigw to
HAProxy when it ran).

Usage: interleave_report.py RESULTS.tsv [NOTE]
RESULTS.tsv has bench/run.sh's throughput columns (proxy workers conns rps p50_ms p99_ms
cpu_us_per_req cpu_pct errors), one line per run.
"""
import statistics
import sys
from collections import defaultdict


def main():
    runs = defaultdict(list)  # (proxy, conns) -> [(rps, p99, cpu_us, errors, p50)], in run order
    order = []
    with open(sys.argv[1]) as f:
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if len(cells) < 9:
                continue
            key = (cells[0], int(cells[2]))
            if cells[0] not in order:
                order.append(cells[0])
            runs[key].append((float(cells[3]), float(cells[5]), float(cells[6]), int(cells[8]),
                              float(cells[4])))
    if len(sys.argv) > 2:
        print(sys.argv[2])
    if not runs:
        # Every run failed (bench/run.sh writes a line only for a run that completed).
        sys.exit(f"{sys.argv[1]}: no completed runs to summarize (see the runs' own output)")
    # Ratios to NGINX (the first proxy named nginx*) two ways: of the medians, and the median of each round's own ratio (runs of
    # one round are seconds apart, so a drifting machine moves both sides of that ratio alike).
    header = ("proxy", "conns", "runs", "req/s", "P50 ms", "P99 ms", "P99 runs", "CPU us/req",
              "CPU runs", "errors", "CPU vs nginx", "paired", "P99 vs nginx", "paired")
    rows = []
    # The NGINX of the run: "nginx", or a variant such as "nginx-keepalive256".
    reference = next((p for p in order if p.startswith("nginx")), "nginx")
    for conns in sorted({c for _, c in runs}):
        base = runs.get((reference, conns))
        base_cpu = statistics.median(r[2] for r in base) if base else None
        base_p99 = statistics.median(r[1] for r in base) if base else None
        for proxy in order:
            rs = runs.get((proxy, conns))
            if not rs:
                continue
            cpu = statistics.median(r[2] for r in rs)
            p99 = statistics.median(r[1] for r in rs)
            vs = proxy != reference and base_cpu
            pairs = list(zip(rs, base)) if vs else []
            paired_cpu = statistics.median(a[2] / b[2] for a, b in pairs) if pairs else None
            paired_p99 = statistics.median(a[1] / b[1] for a, b in pairs) if pairs else None
            rows.append((proxy, str(conns), str(len(rs)),
                         f"{statistics.median(r[0] for r in rs):,.0f}",
                         f"{statistics.median(r[4] for r in rs):.3f}", f"{p99:.2f}",
                         ", ".join(f"{r[1]:.1f}" for r in rs), f"{cpu:.2f}", ", ".join(f"{r[2]:.1f}" for r in rs),
                         str(sum(r[3] for r in rs)),
                         f"{cpu / base_cpu:.2f}x" if vs else "",
                         f"{paired_cpu:.2f}x" if paired_cpu else "",
                         f"{p99 / base_p99:.2f}x" if vs and base_p99 else "",
                         f"{paired_p99:.2f}x" if paired_p99 else ""))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for row in [header] + rows:
        print("  ".join(cell.rjust(w) if i else cell.ljust(w)
                        for i, (cell, w) in enumerate(zip(row, widths))))
    # A/B: each proxy against its "-alt" (apigw / apigw-alt, apigw-defaults / apigw-defaults-alt),
    # each round's ratio (the two run seconds apart).
    for name in order:
        for conns in sorted({c for _, c in runs}):
            a, b = runs.get((name, conns)), runs.get((name + "-alt", conns))
            if not a or not b:
                continue
            pairs = list(zip(a, b))
            print(f"{name} / {name}-alt at {conns} conns, paired medians: "
                  f"CPU per request {statistics.median(x[2] / y[2] for x, y in pairs):.3f}x, "
                  f"P50 {statistics.median(x[4] / y[4] for x, y in pairs):.3f}x, "
                  f"P99 {statistics.median(x[1] / y[1] for x, y in pairs):.3f}x, "
                  f"P50 difference {statistics.median(x[4] - y[4] for x, y in pairs) * 1000:+.0f} us")
    # apigw against HAProxy, round by round (the HTTP/2 bar is set against both proxies).
    for conns in sorted({c for _, c in runs}):
        a, b = runs.get(("apigw", conns)), runs.get(("haproxy", conns))
        if not a or not b:
            continue
        pairs = list(zip(a, b))
        print(f"apigw / haproxy at {conns} conns, paired medians: "
              f"CPU per request {statistics.median(x[2] / y[2] for x, y in pairs):.3f}x, "
              f"P99 {statistics.median(x[1] / y[1] for x, y in pairs):.3f}x")


if __name__ == "__main__":
    main()
