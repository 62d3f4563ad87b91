#!/usr/bin/python3
"""Slow and hostile clients against apigw: slowloris, slow body and slow read (slowhttptest).

For each mode this starts `apigw echo-server` and apigw on free loopback ports, keeps about
CONNECTIONS slow connections open for DURATION seconds (slowhttptest is started again whenever a
run has had all its connections closed, or at the latest the mode's timeout + 3 s after it
started, so the pressure lasts the whole time), and meanwhile:

  - a probe sends normal requests one after another, each on a new connection from 127.0.0.2
    (so that it is told apart from the slow clients, which come from 127.0.0.1), and records
    success and latency;
  - a sampler lists the gateway's sockets with `ss` every SAMPLE seconds and records, for each
    slow connection, when it was first seen, accepted, last written to, and last seen open on
    the gateway's side (ESTAB, CLOSE-WAIT or SYN-RECV): how long the gateway let it live.

Reports per mode: probe requests, success %, P50/P99/max latency; slow connections seen, their
longest life (from the handshake, from the accept, after the last write) and how many outlived
their limit: the mode's timeout + 1 s, counted from the accept (slowloris, slow body) or from
the gateway's last write (slow read).
With --check the exit code is 1 unless every probe request succeeded and no slow connection
outlived its limit (no latency assertion: latency is measured, not asserted, on shared machines).

Used by bench/slow_clients.sh (the figures in docs/reliability.md) and, with short settings, by
CTest (tests/CMakeLists.txt).
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

PROBE_SOURCE = "127.0.0.2"
ALIVE_STATES = {"ESTAB", "CLOSE-WAIT", "SYN-RECV"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


def gateway_config(port, admin_port, backend_port, args):
    min_rate = ("" if args.body_min_rate is None else
                f"body_min_rate = {args.body_min_rate}\n")
    return f"""
[server]
listen = ["127.0.0.1:{port}"]
workers = {args.workers}
[server.limits]
max_connections = 10000
[server.timeouts]
header_read = "{args.header_read}s"
body_read = "{args.body_read}s"
{min_rate}idle = "{args.idle}s"
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{{ address = "127.0.0.1:{backend_port}" }}]
[[routes]]
name = "all"
match = {{ path_prefix = "/" }}
upstream = "backend"
"""


# Each mode: slowhttptest's flags, the path it asks for, the gateway timeout that must end its
# connections, and what it bounds: a connection's life from its accept, or its life after the
# gateway's last write into it (Sampler). Intervals are shorter than the timeouts, so a timeout that each byte re-arms
# would never fire.
def modes(args):
    common_interval = str(max(1, min(args.header_read, args.body_read) // 2))
    return {
        # Slowloris: a request head that never ends, one more header line every interval.
        "slowloris": (["-H", "-i", common_interval, "-x", "24"], "/", args.header_read,
                      "accepted"),
        # Slow body (R-U-Dead-Yet): a POST announcing 4 KiB of body, sent a few bytes at a time.
        # Each read comes within body_read: only the body's minimum rate can end it.
        "slow_body": (["-B", "-i", common_interval, "-x", "10", "-s", "4096"], "/echo",
                      args.body_read, "accepted"),
        # Slow read: asks three times for 1 MiB and reads 5 bytes a second through a small
        # window; the gateway's write timeout (body_read) must end it once its writes stall.
        # Filling the kernel's buffers first (about 1.7 MB per connection here) takes a while
        # with hundreds of connections, so the limit applies to the time after the last write.
        "slow_read": (["-X", "-k", "3", "-n", "1", "-z", "5", "-w", "1", "-y", "512"],
                      "/bytes/1048576", args.body_read, "stalled"),
    }


class Probe(threading.Thread):
    """Sequential normal requests, each on a new connection from PROBE_SOURCE."""

    def __init__(self, port, interval, timeout):
        super().__init__(daemon=True)
        self.port, self.interval, self.timeout = port, interval, timeout
        self.stop_flag = threading.Event()
        self.latencies, self.failures = [], []

    def one(self):
        started = time.monotonic()
        with socket.socket() as s:
            s.settimeout(self.timeout)
            s.bind((PROBE_SOURCE, 0))
            s.connect(("127.0.0.1", self.port))
            s.sendall(b"GET /probe HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        if not data.startswith(b"HTTP/1.1 200 "):
            raise RuntimeError(data[:60])
        return time.monotonic() - started

    def run(self):
        while not self.stop_flag.is_set():
            began = time.monotonic()
            try:
                self.latencies.append(self.one())
            except Exception as error:  # a failed probe is a result, not a crash
                self.failures.append(repr(error))
            self.stop_flag.wait(max(0.0, self.interval - (time.monotonic() - began)))


class Sampler(threading.Thread):
    """Lifetimes of the gateway's connections from 127.0.0.1, from `ss` samples.

    Each socket is told apart by its kernel cookie (ss -e `sk:`), so that a client port reused by
    the next connection is not taken for the same one. Three durations per connection:
    `lifetimes` from the handshake; `accepted` from when apigw accepted it (its inode is no
    longer 0), which leaves out waits in the listen backlog while apigw is short of CPU; and
    `stalled` after its send queue last grew, i.e. after apigw's last write into it: for a slow
    reader that is the time the write timeout has to cut.
    """

    def __init__(self, port, period):
        super().__init__(daemon=True)
        self.port, self.period = port, period
        self.stop_flag = threading.Event()
        # cookie -> [first seen, last seen alive, send queue, when it last grew, accepted]
        self.open = {}
        self.lifetimes, self.accepted, self.stalled = [], [], []
        self.last_sample, self.max_gap = None, 0.0

    def sample(self):
        # ss's snapshot is taken somewhere between `before` and `after` (on a starved machine
        # they can be far apart): a connection is taken to be seen at `after` first and at
        # `before` last, so that the sampler's own delays never lengthen a lifetime. The
        # durations are lower bounds, exact to within the gap between samples (max_gap).
        before = time.monotonic()
        out = subprocess.run(["ss", "-Htnae", f"( sport = :{self.port} and dst 127.0.0.1 )"],
                             capture_output=True, text=True, check=True).stdout
        after = time.monotonic()
        if self.last_sample is not None:
            self.max_gap = max(self.max_gap, after - self.last_sample)
        self.last_sample = before
        alive = set()
        for line in out.splitlines():
            fields = line.split()
            cookie = next((f for f in fields if f.startswith("sk:")), None)
            if len(fields) < 5 or fields[0] not in ALIVE_STATES or cookie is None:
                continue
            alive.add(cookie)
            send_queue = int(fields[2])
            record = self.open.setdefault(cookie, [after, before, send_queue, after, None])
            record[1] = before
            if record[4] is None and "ino:0" not in fields:
                record[4] = after
            if send_queue > record[2]:
                record[3] = after
            record[2] = send_queue
        for cookie in [c for c in self.open if c not in alive]:
            self.end(self.open.pop(cookie))

    def end(self, record, until=None):
        first, last, _, grew, accepted = record
        last = until if until is not None else last
        self.lifetimes.append(max(0.0, last - first))
        self.accepted.append(max(0.0, last - (accepted if accepted is not None else last)))
        self.stalled.append(max(0.0, last - grew))

    def run(self):
        while not self.stop_flag.is_set():
            self.sample()
            self.stop_flag.wait(self.period)

    def finish(self):
        self.stop_flag.set()
        self.join()
        # Still open at the end: count them as living until now (they did not end in time).
        now = time.monotonic()
        for record in self.open.values():
            self.end(record, now)


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_mode(name, flags, path, timeout, measure, args, apigw, tmp):
    backend_port, port, admin_port = free_port(), free_port(), free_port()
    started = []
    try:
        started.append(subprocess.Popen(
            [apigw, "echo-server", "--listen", f"127.0.0.1:{backend_port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        config = os.path.join(tmp, f"{name}.toml")
        with open(config, "w") as f:
            f.write(gateway_config(port, admin_port, backend_port, args))
        log = open(os.path.join(tmp, f"{name}.log"), "w")
        gateway = subprocess.Popen([apigw, "run", "-c", config], stdout=log, stderr=log)
        started.append(gateway)
        wait_port(backend_port)
        wait_port(port)

        sampler = Sampler(port, args.sample)
        probe = Probe(port, args.probe_interval, timeout=5.0)
        sampler.start()
        probe.start()
        cpu_before = process_cpu_seconds(gateway.pid)
        counters_before = tcp_counters()
        end = time.monotonic() + args.duration
        runs, peak = 0, 0
        while time.monotonic() < end:
            # A run also ends a few seconds after its connections should have been cut: a slow
            # reader still has unread bytes after the gateway reset it, so slowhttptest goes on
            # counting it as connected and would not open new ones.
            left = max(1, min(int(end - time.monotonic()), timeout + 3))
            # Bounded twice: slowhttptest's own -l, and a hard timeout on the process.
            command = ["slowhttptest", *flags, "-c", str(args.connections), "-r",
                       str(args.rate), "-l", str(left), "-p", "3", "-u",
                       f"http://127.0.0.1:{port}{path}", "-g", "-o",
                       os.path.join(tmp, f"{name}-{runs}")]
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=left + 30, check=False)
            peak = max(peak, peak_connected(os.path.join(tmp, f"{name}-{runs}.csv")))
            runs += 1
        probe.stop_flag.set()
        probe.join()
        sampler.finish()
        cpu = process_cpu_seconds(gateway.pid) - cpu_before
        counters = {k: v - counters_before.get(k, 0) for k, v in tcp_counters().items()}
        alive = gateway.poll() is None
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    limit = timeout + 1.0
    bounded = sampler.stalled if measure == "stalled" else sampler.accepted
    total = len(probe.latencies) + len(probe.failures)
    return {
        "mode": name,
        "timeout": timeout,
        "slowhttptest_runs": runs,
        "peak_connected": peak,
        "slow_connections": len(sampler.lifetimes),
        "bounded": measure,
        "longest_lifetime_s": max(sampler.lifetimes, default=0.0),
        "longest_after_accept_s": max(sampler.accepted, default=0.0),
        "longest_after_last_write_s": max(sampler.stalled, default=0.0),
        "over_limit": sum(1 for t in bounded if t > limit),
        "sampler_max_gap_s": sampler.max_gap,
        "probe_requests": total,
        "probe_success_pct": 100.0 * len(probe.latencies) / total if total else 0.0,
        "probe_p50_ms": 1000 * percentile(probe.latencies, 0.50),
        "probe_p99_ms": 1000 * percentile(probe.latencies, 0.99),
        "probe_max_ms": 1000 * max(probe.latencies, default=float("nan")),
        "probe_failures": probe.failures[:5],
        "gateway_cpu_s": cpu,
        "gateway_alive": alive,
        # System-wide (other processes count too): signs of TCP memory pressure, listen queue
        # overflows and retransmission timeouts during the mode.
        "tcp": counters,
    }


def peak_connected(csv_path):
    """The most connections slowhttptest had open at once in one run (its CSV's 'connected')."""
    try:
        with open(csv_path) as f:
            header = f.readline().strip().split(",")
            column = [name.lower() for name in header].index("connected")
            return max((int(line.split(",")[column]) for line in f if line.strip()), default=0)
    except (OSError, ValueError):
        return 0


def tcp_counters():
    wanted = ("TcpExtTCPMemoryPressures", "TcpExtListenOverflows", "TcpExtTCPTimeouts")
    try:
        out = subprocess.run(["nstat", "-asz", *wanted], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {f[0]: int(f[1]) for f in (line.split() for line in out.splitlines())
            if len(f) >= 2 and f[0] in wanted}


def process_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--apigw", required=True, help="the apigw binary")
    parser.add_argument("--modes", default="slowloris,slow_body,slow_read")
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--rate", type=int, default=250, help="new slow connections per second")
    parser.add_argument("--duration", type=int, default=60, help="seconds per mode")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--header-read", type=int, default=5, help="seconds")
    parser.add_argument("--body-read", type=int, default=5, help="seconds")
    parser.add_argument("--body-min-rate", type=int, help="bytes per second (default: apigw's)")
    parser.add_argument("--idle", type=int, default=10, help="seconds")
    parser.add_argument("--probe-interval", type=float, default=0.02, help="seconds")
    parser.add_argument("--sample", type=float, default=0.2, help="seconds between ss samples")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless every probe succeeded and no slow connection outlived "
                             "its timeout + 1 s")
    args = parser.parse_args()
    for tool in ("slowhttptest", "ss"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found (scripts/bootstrap.sh test installs it)")

    results = []
    with tempfile.TemporaryDirectory(prefix="apigw-slow.") as tmp:
        table = modes(args)
        for name in args.modes.split(","):
            flags, path, timeout, measure = table[name]
            result = run_mode(name, flags, path, timeout, measure, args, args.apigw, tmp)
            results.append(result)
            print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in result.items()), flush=True)
    ok = all(r["probe_success_pct"] == 100.0 and r["over_limit"] == 0 and r["gateway_alive"] and
             r["slow_connections"] >= args.connections // 2 for r in results)
    if args.check and not ok:
        print("FAILED: a probe request failed, a slow connection outlived its timeout + 1 s, "
              "or too few slow connections were made",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
