#!/usr/bin/python3
"""Soak: apigw under a mixed load for a long time, with reloads, admin writes and target restarts.

What runs (docs/reliability.md, "Soak"):
  - three echo backends (`apigw echo-server`) behind one upstream; routes "api" (retries on) and
    "errors" (answers the 404s and 500s the load asks for: expected errors);
  - wrk on keep-alive connections with a mixed load (mixed.lua: GETs, POST/PUT bodies of up to
    16 KiB, expected 404s and 500s), and wrk on new connections (`Connection: close`);
  - every --reload-every seconds a config change and SIGHUP; every --admin-every seconds an admin
    write (a route created, the previous one deleted); every --restart-every seconds one backend
    killed and started again on its port.
Sampled every few seconds: RSS, open descriptors, the requests by route and status class.

Fails (exit 1) on: any request of route "api" answered other than 2xx, any refused or unrouted
request, a wrk socket error other than the dying backends' (none are expected: apigw retries),
descriptors growing under a steady load (more than --fd-slack between the end of the warm-up and
the end), RSS growing more than --max-rss-growth % after the warm-up (skipped with --no-rss-check:
sanitizer builds keep freed memory in quarantine), or apigw not exiting 0 on SIGTERM (a sanitizer
report makes it exit non-zero). Writes a markdown report with --report.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class Backend:
    def __init__(self, apigw, directory, name):
        self.apigw, self.name = apigw, name
        self.port = free_port()
        self.log = os.path.join(directory, f"{name}.log")
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            [self.apigw, "echo-server", "--listen", f"127.0.0.1:{self.port}", "--name", self.name],
            stdout=open(self.log, "a"), stderr=subprocess.STDOUT)
        if not wait_port(self.port):
            raise RuntimeError(f"backend {self.name} did not start")

    def kill(self):
        self.process.kill()
        self.process.wait()


def config_text(args, ports, backends, generation):
    targets = ", ".join(f'{{ address = "127.0.0.1:{b.port}" }}' for b in backends)
    # The reload changes a server setting each time, so every SIGHUP builds a new snapshot.
    return f"""
[server]
listen = ["127.0.0.1:{ports['gateway']}"]
workers = {args.workers}
[server.timeouts]
idle = "{60 + generation % 2}s"
[admin]
listen = "127.0.0.1:{ports['admin']}"
[store]
kind = "sqlite"
path = "{ports['dir']}/apigw.db"
[[upstreams]]
name = "pool"
targets = [{targets}]
[[routes]]
name = "api"
match = {{ path_prefix = "/api" }}
upstream = "pool"
rewrite = {{ strip_prefix = "/api" }}
retry = {{ attempts = 3, non_idempotent = true }}
[[routes]]
name = "errors"
match = {{ path_prefix = "/status" }}
upstream = "pool"
"""


def metrics(ports):
    status, text = http("GET", f"http://127.0.0.1:{ports['admin']}/metrics")
    counts = {}
    for match in re.finditer(
            r'^apigw_requests_total\{route="([^"]*)",method="[^"]*",status_class="([^"]*)"\} (\d+)',
            text, re.M):
        key = (match.group(1), match.group(2))
        counts[key] = counts.get(key, 0) + int(match.group(3))
    return counts


def sample(pid):
    with open(f"/proc/{pid}/status") as status:
        rss = int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apigw", required=True)
    parser.add_argument("--duration", type=float, default=1800)
    parser.add_argument("--warmup", type=float, default=120)
    parser.add_argument("--reload-every", type=float, default=60)
    parser.add_argument("--admin-every", type=float, default=10)
    parser.add_argument("--restart-every", type=float, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--max-rss-growth", type=float, default=5.0)
    parser.add_argument("--no-rss-check", action="store_true")
    parser.add_argument("--fd-slack", type=int, default=40)
    parser.add_argument("--report")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="apigw-soak-")
    ports = {"gateway": free_port(), "admin": free_port(), "dir": directory}
    backends = [Backend(args.apigw, directory, f"b{i}") for i in range(3)]
    config_path = os.path.join(directory, "apigw.toml")
    generation = 0
    with open(config_path, "w") as config:
        config.write(config_text(args, ports, backends, generation))
    gateway_log = os.path.join(directory, "apigw.log")
    gateway = subprocess.Popen([args.apigw, "run", "-c", config_path],
                               stdout=open(gateway_log, "a"), stderr=subprocess.STDOUT)
    if not wait_port(ports["gateway"]) or not wait_port(ports["admin"]):
        sys.exit(f"apigw did not start; see {gateway_log}")

    base = f"http://127.0.0.1:{ports['gateway']}"
    loads = [
        subprocess.Popen(["wrk", "-t1", f"-c{args.connections}", f"-d{int(args.duration)}s",
                          "--timeout", "10s", "-s", os.path.join(HERE, "mixed.lua"), base],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
        subprocess.Popen(["wrk", "-t1", "-c4", f"-d{int(args.duration)}s", "--timeout", "10s",
                          "-H", "Connection: close", base + "/api/new-connection"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
    ]
    started = time.time()
    next_reload = started + args.reload_every
    next_admin = started + args.admin_every
    next_restart = started + args.restart_every
    samples, events, failures = [], [], []
    warm = None
    admin_writes = 0
    previous_route = None
    restart_index = 0
    while time.time() - started < args.duration:
        now = time.time()
        if now >= next_reload:
            generation += 1
            with open(config_path, "w") as config:
                config.write(config_text(args, ports, backends, generation))
            gateway.send_signal(signal.SIGHUP)
            events.append((round(now - started), "reload"))
            next_reload += args.reload_every
        if now >= next_admin:
            name = f"soak-{admin_writes}"
            status, body = http("POST", f"http://127.0.0.1:{ports['admin']}/admin/routes",
                                {"name": name, "match": {"path_prefix": f"/soak/{name}"},
                                 "upstream": "pool"})
            if status != 201:
                failures.append(f"admin create answered {status}: {body}")
            if previous_route:
                status, body = http(
                    "DELETE", f"http://127.0.0.1:{ports['admin']}/admin/routes/{previous_route}")
                if status != 204:
                    failures.append(f"admin delete answered {status}: {body}")
            previous_route = name
            admin_writes += 1
            next_admin += args.admin_every
        if now >= next_restart:
            backend = backends[restart_index % len(backends)]
            backend.kill()
            time.sleep(1)
            backend.start()
            events.append((round(now - started), f"restarted {backend.name}"))
            restart_index += 1
            next_restart += args.restart_every
        rss, fds = sample(gateway.pid)
        samples.append((round(now - started, 1), rss, fds))
        if warm is None and now - started >= args.warmup:
            warm = (rss, fds)
        time.sleep(2)

    outputs = [load.communicate(timeout=60)[0] for load in loads]
    end_rss, end_fds = samples[-1][1], samples[-1][2]
    peak_rss = max(s[1] for s in samples if s[0] >= args.warmup) if warm else end_rss
    counts = metrics(ports)
    time.sleep(1)
    gateway.send_signal(signal.SIGTERM)
    try:
        exit_code = gateway.wait(timeout=60)
    except subprocess.TimeoutExpired:
        gateway.kill()
        exit_code = "killed after 60 s"
    for backend in backends:
        backend.kill()

    # Judgement.
    for (route, status_class), count in sorted(counts.items()):
        if route == "api" and status_class != "2xx":
            failures.append(f"route api: {count} answers {status_class}")
        if route not in ("api", "errors") and not route.startswith("soak-"):
            failures.append(f"route '{route}': {count} answers {status_class} (refused/unrouted)")
    for output in outputs:
        if "Socket errors" in output:
            failures.append("wrk saw socket errors:\n" + output)
    if warm is None:
        failures.append("the run ended before the warm-up did")
    else:
        if end_fds > warm[1] + args.fd_slack:
            failures.append(f"descriptors grew from {warm[1]} to {end_fds} under the same load")
        growth = 100.0 * (peak_rss - warm[0]) / warm[0]
        if not args.no_rss_check and growth > args.max_rss_growth:
            failures.append(f"RSS grew {growth:.1f}% after the warm-up ({warm[0]} -> {peak_rss} KiB)")
    if exit_code != 0:
        failures.append(f"apigw exited {exit_code} on SIGTERM; log: {gateway_log}")
    with open(gateway_log, errors="replace") as log:
        text = log.read()
        if "ERROR: AddressSanitizer" in text or "runtime error:" in text:
            failures.append(f"sanitizer report in {gateway_log}")

    requests = sum(counts.values())
    report = [
        f"# Soak: {args.duration:.0f} s, {args.workers} workers, {args.connections} keep-alive "
        f"+ 4 new-connection clients",
        "",
        f"- requests: {requests} ({requests / args.duration:.0f}/s); by route and class: "
        + ", ".join(f"{r or '(none)'} {c}: {n}" for (r, c), n in sorted(counts.items())),
        f"- reloads: {generation}, admin writes: {admin_writes}, target restarts: {restart_index}",
        f"- RSS after warm-up ({args.warmup:.0f} s): {warm[0] if warm else '-'} KiB, peak after: "
        f"{peak_rss} KiB, end: {end_rss} KiB",
        f"- descriptors after warm-up: {warm[1] if warm else '-'}, end: {end_fds}",
        f"- apigw exit code on SIGTERM: {exit_code}",
        f"- verdict: {'PASS' if not failures else 'FAIL'}",
    ]
    report += [f"  - {failure}" for failure in failures]
    report += ["", "Samples (s, RSS KiB, fds), every 30 s:", ""]
    report += [f"    {t:>7} {rss:>8} {fds:>5}" for t, rss, fds in samples[::15]]
    text = "\n".join(report) + "\n"
    print(text)
    for output in outputs:
        print(output)
    if args.report:
        with open(args.report, "w") as out:
            out.write(text)
    if failures:
        print(f"logs and the store kept in {directory}")
        sys.exit(1)
    shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
