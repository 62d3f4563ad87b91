#!/usr/bin/env python3
"""Memory per route: RSS of apigw started with N routes against 1 route, per route mix and worker
count (docs/performance.md, "Routing at scale"). Usage: bench/route_memory.py [N] (default 10000).
Needs a release build (scripts/build.sh release); uses 127.0.0.1 ports 18080 and 19901."""
import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APIGW = os.environ.get("APIGW_BIN", os.path.join(ROOT, "build/release/src/apigw"))


def config(count, mix, workers):
    lines = ["[server]", 'listen = ["127.0.0.1:18080"]', f"workers = {workers}", "[admin]",
             'listen = "127.0.0.1:19901"', "[[upstreams]]", 'name = "u"',
             'targets = [{ address = "127.0.0.1:9" }]']
    for k in range(count):
        match = {"prefix": f'path_prefix = "/r{k}/"',
                 "template": f'path_template = "/r{k}/items/{{id}}"',
                 "regex": f'path_regex = "/r{k}/v[0-9]+/items"'}[mix]
        lines += ["[[routes]]", f'name = "r{k}"', 'upstream = "u"', f"match = {{ {match} }}"]
    return "\n".join(lines) + "\n"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def measure(count, mix, workers, directory):
    path = os.path.join(directory, "apigw.toml")
    with open(path, "w") as out:
        out.write(config(count, mix, workers))
    process = subprocess.Popen([APIGW, "run", "-c", path], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", 18080)) as sock:
                    sock.sendall(b"GET /r0/items/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    sock.recv(4096)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("apigw did not start")
        time.sleep(0.5)
        return rss_kib(process.pid)
    finally:
        process.terminate()
        process.wait()


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    with tempfile.TemporaryDirectory() as directory:
        for mix in ("prefix", "template", "regex"):
            for workers in (1, 2):
                base = measure(1, mix, workers, directory)
                full = measure(count, mix, workers, directory)
                per_route = (full - base) * 1024 / (count - 1)
                print(f"{mix:8} workers={workers}  RSS 1 route {base / 1024:.1f} MiB, "
                      f"{count} routes {full / 1024:.1f} MiB: {per_route:,.0f} bytes per route")


if __name__ == "__main__":
    main()
