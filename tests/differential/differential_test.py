#!/usr/bin/python3
"""Differential check: the malformed requests of malformed_cases.py through apigw, NGINX and HAProxy.

Each proxy forwards to its own recording backend (tests/support/recording_backend.py, strict
RFC 9112 parser). Every case goes on its own connection (sent whole, then the write side shut);
then a sentinel request on a new connection marks the end of the case in the backend's record, so
what the backend received between two sentinels is what the proxy forwarded for that case.

A case is *forwarded* by a proxy when a complete request (well formed or not) reached the backend;
*partial* when only part of one did (a head whose body the proxy then abandoned). The check fails
when apigw forwards a case that both NGINX and HAProxy refuse, when anything apigw forwards breaks
the strict parser, or when a control case (a good request) does not pass through every proxy.

  differential_test.py --apigw build/sanitize/src/apigw [--report results.json]

docs/reliability.md, "Request integrity", has the counts of the last run.
"""
import argparse
import collections
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SUPPORT = os.path.join(HERE, "..", "support")
sys.path.insert(0, HERE)
from malformed_cases import cases  # noqa: E402

CASE_TIMEOUT = 2.0


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_port(port, process, what, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("%s exited with %s" % (what, process.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("%s did not listen on %d" % (what, port))


def exchange(port, raw, timeout=CASE_TIMEOUT):
    """Sends `raw`, shuts the write side, reads until the proxy closes or `timeout` passes."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    received = b""
    try:
        try:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # refused and closed before all was sent: read what it answered
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = sock.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not data:
                break
            received += data
    finally:
        sock.close()
    return received


def status_of(response):
    parts = response.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


class Backend:
    def __init__(self, name, state_dir, processes):
        self.name = name
        self.dir = os.path.join(state_dir, "backend-" + name)
        os.makedirs(self.dir)
        self.port = free_port()
        log = open(os.path.join(self.dir, "backend.log"), "wb")
        process = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(SUPPORT, "recording_backend.py"), "--port",
             str(self.port), "--state-dir", self.dir, "--name", name, "--record-heads",
             "--host", "ignore"], stdout=log, stderr=log)
        processes.append(process)
        wait_port(self.port, process, "backend " + name)
        self.read_lines = 0

    def events(self):
        try:
            with open(os.path.join(self.dir, "requests.jsonl"), encoding="utf-8") as f:
                return [json.loads(line) for line in f.read().splitlines()]
        except FileNotFoundError:
            return []


def start_nginx(directory, port, backend_port, processes):
    os.makedirs(directory)
    os.chmod(directory, 0o755)
    config = os.path.join(directory, "nginx.conf")
    with open(config, "w", encoding="utf-8") as f:
        f.write("""worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log info;
events { worker_connections 256; }
http {
  access_log %(d)s/access.log;
  client_body_temp_path %(d)s/body;
  proxy_temp_path %(d)s/proxy;
  upstream backend { server 127.0.0.1:%(b)d; keepalive 16; }
  server {
    listen 127.0.0.1:%(p)d;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # The client shuts its write side after the request: NGINX would take that for an abort.
      proxy_ignore_client_abort on;
    }
  }
}
""" % {"d": directory, "b": backend_port, "p": port})
    log = open(os.path.join(directory, "stderr.log"), "wb")
    process = subprocess.Popen(["nginx", "-e", os.path.join(directory, "error.log"), "-c", config,
                                "-p", directory, "-g", "daemon off;"], stdout=log, stderr=log)
    processes.append(process)
    return process


def start_haproxy(directory, port, backend_port, processes):
    os.makedirs(directory)
    config = os.path.join(directory, "haproxy.cfg")
    with open(config, "w", encoding="utf-8") as f:
        f.write("""global
  maxconn 256
defaults
  mode http
  option http-keep-alive
  timeout connect 2s
  timeout client 5s
  timeout server 5s
  timeout http-request 3s
frontend fe
  bind 127.0.0.1:%d
  default_backend be
backend be
  server s1 127.0.0.1:%d
""" % (port, backend_port))
    log = open(os.path.join(directory, "stderr.log"), "wb")
    process = subprocess.Popen(["haproxy", "-db", "-f", config], stdout=log, stderr=log)
    processes.append(process)
    return process


def start_apigw(binary, directory, port, backend_port, processes):
    os.makedirs(directory)
    admin = free_port()
    config = os.path.join(directory, "apigw.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write("""[server]
listen = ["127.0.0.1:%d"]
workers = 1
[admin]
listen = "127.0.0.1:%d"
[[upstreams]]
name = "backend"
targets = [{ address = "127.0.0.1:%d" }]
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
""" % (port, admin, backend_port))
    log = open(os.path.join(directory, "apigw.log"), "wb")
    process = subprocess.Popen([binary, "run", "-c", config], stdout=log, stderr=log)
    processes.append(process)
    wait_port(admin, process, "apigw admin")
    return process


def run_cases(proxy, port, backend, catalogue, results):
    """Sends every case through `proxy`; fills results[proxy] with one verdict per case."""
    verdicts = []
    consumed = 0
    for number, (name, raw) in enumerate(catalogue):
        response = exchange(port, raw)
        sentinel_target = "/sentinel/%d" % number
        sentinel = exchange(port, b"GET %s HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n"
                            % sentinel_target.encode())
        mine = None
        deadline = time.monotonic() + 3.0
        while mine is None and time.monotonic() < deadline:
            events = backend.events()
            for at in range(consumed, len(events)):
                if events[at].get("target") == sentinel_target:
                    mine = events[consumed:at]
                    consumed = at + 1
                    break
            else:
                time.sleep(0.01)
        if mine is None:
            raise RuntimeError("%s: sentinel %d never reached the backend (%r)"
                               % (proxy, number, sentinel[:200]))
        verdicts.append({
            "status": status_of(response),
            "forwarded": sum(e["verdict"] in ("ok", "violation") for e in mine),
            "partial": sum(e["verdict"] == "incomplete" for e in mine),
            "violations": [e.get("kind") for e in mine if e["verdict"] == "violation"],
            "heads": [e.get("head") or e.get("raw", "") for e in mine],
        })
    results[proxy] = verdicts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--apigw", required=True)
    parser.add_argument("--report", help="write every case's verdicts here (JSON)")
    args = parser.parse_args()
    for tool in ("nginx", "haproxy"):
        if shutil.which(tool) is None and not os.path.exists("/usr/sbin/" + tool):
            sys.exit("%s is not installed: scripts/bootstrap.sh test installs it" % tool)
    os.environ["PATH"] += ":/usr/sbin"
    catalogue = cases()
    state = tempfile.mkdtemp(prefix="apigw-differential.")
    processes = []
    failed = True
    try:
        ports = {}
        backends = {}
        starters = {"apigw": lambda d, p, b: start_apigw(args.apigw, d, p, b, processes),
                    "nginx": lambda d, p, b: start_nginx(d, p, b, processes),
                    "haproxy": lambda d, p, b: start_haproxy(d, p, b, processes)}
        for proxy, start in starters.items():
            backends[proxy] = Backend(proxy, state, processes)
            ports[proxy] = free_port()
            process = start(os.path.join(state, proxy), ports[proxy], backends[proxy].port)
            wait_port(ports[proxy], process, proxy)
        started = time.monotonic()
        results = {}
        threads = [threading.Thread(target=run_cases,
                                    args=(proxy, ports[proxy], backends[proxy], catalogue,
                                          results))
                   for proxy in starters]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if len(results) != len(starters):
            raise RuntimeError("a proxy's run failed (see above)")
        failed = report(catalogue, results, args.report, time.monotonic() - started)
    finally:
        for process in processes:
            # SIGTERM, not SIGKILL: NGINX's master stops its workers on TERM, while a killed
            # master leaves them running (and listening) as orphans.
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if failed:
            print("state kept in", state)
        else:
            shutil.rmtree(state, ignore_errors=True)
    sys.exit(1 if failed else 0)


def report(catalogue, results, report_path, seconds):
    proxies = ["apigw", "nginx", "haproxy"]
    totals = {p: collections.Counter() for p in proxies}
    only_apigw = []
    apigw_malformed = []
    controls_refused = []
    disagreements = collections.Counter()
    for number, (name, raw) in enumerate(catalogue):
        forwarded = {p: results[p][number]["forwarded"] > 0 for p in proxies}
        for p in proxies:
            verdict = results[p][number]
            totals[p]["forwarded" if forwarded[p] else "refused"] += 1
            totals[p]["partial"] += verdict["partial"] > 0 and not forwarded[p]
            totals[p]["malformed upstream"] += bool(verdict["violations"])
        disagreements["".join("F" if forwarded[p] else "r" for p in proxies)] += 1
        if forwarded["apigw"] and not forwarded["nginx"] and not forwarded["haproxy"]:
            only_apigw.append((number, name, results["apigw"][number]))
        if results["apigw"][number]["violations"]:
            apigw_malformed.append((number, name, results["apigw"][number]))
        if "(control)" in name and not all(forwarded.values()):
            controls_refused.append((number, name, {p: results[p][number] for p in proxies}))
    print("%d cases in %.1f s" % (len(catalogue), seconds))
    for p in proxies:
        print("  %-8s forwarded %4d  refused %4d  (of which partial %d)  malformed upstream %d"
              % (p, totals[p]["forwarded"], totals[p]["refused"], totals[p]["partial"],
                 totals[p]["malformed upstream"]))
    print("  patterns (apigw nginx haproxy; F forwarded, r refused):",
          ", ".join("%s %d" % item for item in sorted(disagreements.items())))
    if report_path:
        with open(report_path, "w", encoding="utf-8") as f:
            json.dump([{"case": number, "name": name, "raw": raw.decode("latin-1"),
                        **{p: results[p][number] for p in proxies}}
                       for number, (name, raw) in enumerate(catalogue)], f, indent=1)
    for title, items in [("apigw forwarded what NGINX and HAProxy both refused", only_apigw),
                         ("apigw forwarded a malformed request", apigw_malformed),
                         ("a good request did not pass every proxy", controls_refused)]:
        if items:
            print("FAIL: %s (%d):" % (title, len(items)))
            for number, name, detail in items[:30]:
                print("  case %d %s: %s" % (number, name, json.dumps(detail)[:600]))
    return bool(only_apigw or apigw_malformed or controls_refused)


if __name__ == "__main__":
    main()
