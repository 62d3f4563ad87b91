#!/usr/bin/python3
"""Summarize bench/route_scale.sh: per route mix and route count, the median CPU per request of
apigw and NGINX, the paired ratios apigw(N)/apigw(base), apigw(N)/nginx(N) and
nginx(N)/nginx(base) (the median of each round's own ratio, with the range of those ratios), the
RSS of each proxy, and the bars of issue #13 at the largest route count. Markdown on stdout.

Usage: route_scale_report.py RESULTS.tsv MEMORY.tsv [NOTE...]
RESULTS.tsv: round mix routes proxy, then bench/lib.sh's measure_throughput columns (label workers
conns rps p50_ms p99_ms cpu_us_per_req cpu_pct errors), one line per run.
MEMORY.tsv: mix routes proxy rss_start_kb pss_start_kb rss_end_kb pss_end_kb.
"""
import statistics
import sys
from collections import defaultdict

BAR_OWN = 1.05    # apigw at the largest N / apigw at the base N
BAR_NGINX = 1.0   # apigw / nginx at the largest N


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = defaultdict(dict)  # (mix, routes, proxy) -> {round: (cpu, rps, p99, errors, other%)}
    mixes, counts = [], []
    with open(sys.argv[1]) as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) < 13:
                continue
            rnd, mix, n, proxy = int(c[0]), c[1], int(c[2]), c[3]
            other = int(c[11].split("/")[3]) if c[11].count("/") == 3 else 0
            runs[(mix, n, proxy)][rnd] = (float(c[10]), float(c[7]), float(c[9]), int(c[12]), other)
            if mix not in mixes:
                mixes.append(mix)
            if n not in counts:
                counts.append(n)
    memory = {}
    with open(sys.argv[2]) as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) >= 7:
                memory[(c[0], int(c[1]), c[2])] = [int(x) / 1024 for x in c[3:7]]
    for note in sys.argv[3:]:
        print(note + "  ")
    if not runs:
        sys.exit(f"{sys.argv[1]}: no completed runs to summarize (see the runs' own output)")
    counts.sort()
    base, top = counts[0], counts[-1]
    print()

    def med(key, i):
        values = [r[i] for r in runs.get(key, {}).values()]
        return statistics.median(values) if values else None

    def paired(a, b):
        """Median and range of the per-round ratios of CPU per request a / b."""
        ra, rb = runs.get(a, {}), runs.get(b, {})
        ratios = sorted(ra[r][0] / rb[r][0] for r in ra if r in rb and rb[r][0] > 0)
        if not ratios:
            return None, ""
        m = statistics.median(ratios)
        text = f"{m:.2f}x" if len(ratios) == 1 else f"{m:.2f}x ({ratios[0]:.2f}–{ratios[-1]:.2f})"
        return m, text

    def mem(key):
        m = memory.get(key)
        return f"{m[0]:.1f} → {m[2]:.1f} ({m[1]:.1f} → {m[3]:.1f})" if m else ""

    header = ["mix", "routes", "apigw CPU µs/req", "nginx CPU µs/req", f"apigw(N)/apigw({base})",
              "apigw(N)/nginx(N)", f"nginx(N)/nginx({base})", "req/s apigw / nginx",
              "P99 ms apigw / nginx", "apigw RSS MB start → end (PSS)",
              "nginx RSS MB start → end (PSS)", "errors", "other CPU% max"]
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 1))
    verdicts = []
    for mix in mixes:
        for n in counts:
            a, g = (mix, n, "apigw"), (mix, n, "nginx")
            if a not in runs and g not in runs:
                continue
            own, own_text = paired(a, (mix, base, "apigw"))
            vs, vs_text = paired(a, g)
            _, ng_text = paired(g, (mix, base, "nginx"))
            cpu_a, cpu_g = med(a, 0), med(g, 0)
            others = [r[4] for k in (a, g) for r in runs.get(k, {}).values()]
            errors = sum(r[3] for k in (a, g) for r in runs.get(k, {}).values())
            print("| " + " | ".join([
                mix, f"{n:,}",
                f"{cpu_a:.2f}" if cpu_a is not None else "",
                f"{cpu_g:.2f}" if cpu_g is not None else "",
                own_text if n != base else "1", vs_text, ng_text if n != base else "1",
                f"{med(a, 1) or 0:,.0f} / {med(g, 1) or 0:,.0f}",
                f"{med(a, 2) or 0:.2f} / {med(g, 2) or 0:.2f}",
                mem(a), mem(g), str(errors), str(max(others) if others else 0)]) + " |")
            if n == top and n != base:
                verdicts.append((mix, own, vs))
    print()
    rounds = max(len(r) for r in runs.values())
    print(f"Bars of #13 at {top:,} routes (paired medians over {rounds} round(s)):")
    print()
    for mix, own, vs in verdicts:
        def verdict(value, bar):
            if value is None:
                return "not measured"
            return f"{value:.3f}x, bar ≤ {bar:.2f}x: {'met' if value <= bar else 'NOT met'}"
        fair = "" if mix == "prefix" else " (NGINX matches these with regex locations, tried in order)"
        print(f"- {mix}: apigw({top:,})/apigw({base:,}) {verdict(own, BAR_OWN)}; "
              f"apigw/nginx {verdict(vs, BAR_NGINX)}{fair}")
    print()
    print("Ratios: the median of each round's own ratio of CPU per request (the two runs of a round "
          "are seconds apart), with the lowest and highest round in brackets. NGINX keeps prefix "
          "locations in a tree but tries regex locations one by one in config order, so in the "
          "template, regex and mixed rows NGINX's own cost grows with N: **the prefix mix is the "
          "fair comparison with NGINX.** RSS: the proxy's processes summed (NGINX: master + worker, "
          "so pages they share count twice); PSS in brackets splits shared pages between them. "
          "\"start\" is after start-up and one request, \"end\" after the last round. "
          "\"other CPU%\": machine CPU used by processes other than the proxy, backend and wrk "
          "during a run (a disturbed run shows here)." +
          ("" if rounds >= 5 else f" With {rounds} round(s) these ratios are a smoke check, not a verdict."))


if __name__ == "__main__":
    main()
