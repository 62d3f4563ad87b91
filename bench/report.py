#!/usr/bin/python3
"""Render the benchmark results collected by bench/run.sh.

Usage: report.py THROUGHPUT.tsv MEMORY.tsv MARKDOWN_OUT [NOTE...]

THROUGHPUT.tsv columns: proxy workers conns rps p50_ms p99_ms cpu_us_per_req
                        cpu_pct ("proxy/backend/wrk/other", % of one CPU) errors
MEMORY.tsv columns:     proxy workers rss_idle_kb rss_held_kb held still_open
Prints aligned plain-text tables on stdout and writes the same as markdown.
apigw rows get ratios to the NGINX row with the same workers/connections.
"""
import os
import sys


def read_tsv(path):
    try:
        with open(path) as f:
            return [line.rstrip("\n").split("\t") for line in f if line.strip()]
    except FileNotFoundError:
        return []


def ratio(a, b):
    try:
        return f"{float(a) / float(b):.2f}x"
    except (ValueError, ZeroDivisionError):
        return "-"


NOISE_PCT = float(os.environ.get("NOISE_PCT", "10"))  # "other" CPU% above this: disturbed run


def noisy(cpu_cell):
    try:
        return float(cpu_cell.split("/")[3]) > NOISE_PCT
    except (IndexError, ValueError):
        return False


def throughput_table(rows):
    header = ["proxy", "workers", "conns", "req/s", "P50 ms", "P99 ms", "CPU us/req",
              "CPU% proxy/backend/wrk/other", "errors", "req/s vs nginx", "CPU vs nginx", "P99 vs nginx"]
    nginx = {(r[1], r[2]): r for r in rows if r[0] == "nginx"}
    out = []
    for proxy, workers, conns, rps, p50, p99, cpu, pct, errors in rows:
        ratios = ["", "", ""]
        if proxy == "apigw":
            ref = nginx.get((workers, conns))
            ratios = [ratio(rps, ref[3]), ratio(cpu, ref[6]), ratio(p99, ref[5])] if ref else ["-"] * 3
        pct = pct + " !" if noisy(pct) else pct
        out.append([proxy, workers, conns, f"{float(rps):,.0f}", p50, p99, cpu, pct, errors] + ratios)
    return header, out


def memory_table(rows):
    header = ["proxy", "workers", "RSS idle MB", f"RSS {os.environ.get('HOLD_CONNS', '9000')} conns MB", "KB/conn",
              "conns held/open", "KB/conn vs nginx", "RSS idle vs nginx"]
    def kb_per_conn(r):
        held = int(r[4])
        return (int(r[3]) - int(r[2])) / held if held else float("nan")
    nginx = {r[1]: r for r in rows if r[0] == "nginx"}
    out = []
    for r in rows:
        proxy, workers, idle, with_conns, held, still_open = r
        ratios = ["", ""]
        if proxy == "apigw":
            ref = nginx.get(workers)
            ratios = [ratio(kb_per_conn(r), kb_per_conn(ref)), ratio(idle, ref[2])] if ref else ["-"] * 2
        out.append([proxy, workers, f"{int(idle) / 1024:.1f}", f"{int(with_conns) / 1024:.1f}",
                    f"{kb_per_conn(r):.2f}", f"{held}/{still_open}"] + ratios)
    return header, out


def text(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    def line(cells):
        return "  ".join(c.rjust(w) if i > 0 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def markdown(header, rows):
    align = ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    tp_path, mem_path, md_path, notes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    tp_rows = read_tsv(tp_path)
    if any(noisy(r[7]) for r in tp_rows):
        notes.append(f"rows marked ! had more than {NOISE_PCT:g}% of a CPU used by other processes "
                     "during the run: disturbed, rerun them on a quiet machine")
    tables = [("Throughput, latency, CPU", throughput_table(tp_rows)),
              ("Memory", memory_table(read_tsv(mem_path)))]
    for title, (header, rows) in tables:
        print(f"\n== {title} ==\n{text(header, rows)}")
    for note in notes:
        print(f"note: {note}")
    with open(md_path, "w") as f:
        f.write("# apigw benchmark results (bench/run.sh)\n")
        for title, (header, rows) in tables:
            f.write(f"\n## {title}\n\n{markdown(header, rows)}\n")
        if notes:
            f.write("\n" + "\n".join(f"- {n}" for n in notes) + "\n")


if __name__ == "__main__":
    main()
