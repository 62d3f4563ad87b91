#!/usr/bin/python3
"""Checks grpc_backend.py and grpc_client.py against each other, directly and through a proxy.

Starts the backend twice (h2c, and TLS with a throw-away CA made by openssl), then runs every
grpc_client.py call and checks what it printed: directly, through HAProxy (h2 on both sides:
`bind ... proto h2` / `server ... proto h2`, and TLS with ALPN h2 on both sides), and through any
--via HOST:PORT (h2c) given, which is how a gateway under test is checked the same way.
Exits 1 on the first mismatch. Needs /usr/sbin/haproxy for the HAProxy legs (skipped, with a
note, when it is missing) and openssl for the TLS legs.

Usage: grpc_pair_check.py [--via HOST:PORT ...] [--no-haproxy] [--keep DIR]
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
HAPROXY = "/usr/sbin/haproxy"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_file(path, process, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                return int(f.read())
        if process.poll() is not None:
            sys.exit(f"grpc_pair_check: {process.args} exited with {process.returncode}")
        time.sleep(0.05)
    sys.exit(f"grpc_pair_check: no {path} after {seconds} s")


def wait_for_port(port, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"grpc_pair_check: nothing listens on {port}")


def make_certificates(directory):
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=grpc-pair-check CA")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=grpc.test")
    with open(os.path.join(directory, "san.ext"), "w", encoding="utf-8") as ext:
        ext.write("subjectAltName=DNS:grpc.test,DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    with open(os.path.join(directory, "combined.pem"), "wb") as combined:
        for name in ("server.pem", "server.key"):
            with open(os.path.join(directory, name), "rb") as part:
                combined.write(part.read())


# (name, client arguments, check of the printed JSON)
CASES = [
    ("unary echo with metadata both ways",
     ["--metadata", "x-echo-a=1", "echo", "--message", "hi"],
     lambda r: r["code"] == "OK" and r["messages"] == ["hi"]
     and ["x-echo-a", "1"] in r["initial_metadata"]
     and ["x-echo-a-trailer", "1"] in r["trailing_metadata"]),
    ("server streaming",
     ["server-stream", "--count", "5", "--size", "3"],
     lambda r: r["code"] == "OK" and [m["index"] for m in r["messages"]] == [0, 1, 2, 3, 4]),
    ("server streaming past the flow-control windows",
     ["--summary", "server-stream", "--count", "20", "--size", "100000"],
     lambda r: r["code"] == "OK" and len(r["messages"]) == 20),
    ("server streaming that fails after two messages",
     ["server-stream", "--count", "5", "--fail-after", "2", "--fail-code", "RESOURCE_EXHAUSTED",
      "--fail-details", "too much"],
     lambda r: r["code"] == "RESOURCE_EXHAUSTED" and r["details"] == "too much"
     and len(r["messages"]) == 2),
    ("client streaming",
     ["client-stream", "--values", "1", "2", "3", "40"],
     lambda r: r["code"] == "OK" and r["messages"] == [{"sum": 46, "count": 4}]),
    ("bidirectional ping-pong",
     ["bidi", "--messages", "a", "b", "c"],
     lambda r: r["code"] == "OK" and r["messages"] == ["a", "b", "c"]),
    ("a status with details and trailers, no message (Trailers-Only)",
     ["fail", "--code", "NOT_FOUND", "--details", "no such thing", "--trailer", "x-why=because"],
     lambda r: r["code"] == "NOT_FOUND" and r["details"] == "no such thing"
     and ["x-why", "because"] in r["trailing_metadata"] and r["messages"] == []),
    ("the deadline (grpc-timeout) ends a slow call",
     ["--timeout", "0.3", "sleep", "--ms", "3000"],
     lambda r: r["code"] == "DEADLINE_EXCEEDED" and r["elapsed_ms"] < 2500),
    ("the backend sees the metadata and the deadline",
     ["--timeout", "5", "--metadata", "x-probe=1", "inspect"],
     lambda r: r["code"] == "OK" and ["x-probe", "1"] in r["messages"][0]["metadata"]
     and 3.5 < r["messages"][0]["deadline"] <= 5),
    ("a 5 MB message both ways",
     ["--summary", "echo", "--size", "5000000"],
     lambda r: r["code"] == "OK" and r["messages"][0]["bytes"] == 5000000),
]


def run_cases(label, target, tls_args):
    failures = 0
    for name, arguments, check in CASES:
        command = [PYTHON, os.path.join(HERE, "grpc_client.py"), "--target", target, *tls_args,
                   *arguments]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        try:
            result = json.loads(done.stdout)
            ok = check(result)
        except (ValueError, KeyError, IndexError, TypeError):
            result, ok = done.stdout + done.stderr, False
        print(f"{'ok  ' if ok else 'FAIL'} {label}: {name}")
        if not ok:
            print(f"     {str(result)[:600]}")
            failures += 1
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--via", action="append", default=[], help="an h2c proxy to check")
    parser.add_argument("--no-haproxy", action="store_true")
    parser.add_argument("--keep", help="work in this directory and leave it")
    args = parser.parse_args()
    directory = args.keep or tempfile.mkdtemp(prefix="grpc-pair-")
    os.makedirs(directory, exist_ok=True)
    processes = []
    try:
        make_certificates(directory)
        backend = [PYTHON, os.path.join(HERE, "grpc_backend.py"), "--port", "0",
                   "--state-dir", directory]
        plain = subprocess.Popen(backend + ["--port-file", os.path.join(directory, "plain.port"),
                                            "--name", "plain"], stdout=subprocess.DEVNULL)
        processes.append(plain)
        tls = subprocess.Popen(backend + ["--port-file", os.path.join(directory, "tls.port"),
                                          "--name", "tls", "--cert",
                                          os.path.join(directory, "server.pem"), "--key",
                                          os.path.join(directory, "server.key")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(tls)
        plain_port = wait_for_file(os.path.join(directory, "plain.port"), plain)
        tls_port = wait_for_file(os.path.join(directory, "tls.port"), tls)
        ca = ["--cafile", os.path.join(directory, "ca.pem"), "--server-name", "grpc.test"]

        failures = run_cases("direct h2c", f"127.0.0.1:{plain_port}", [])
        failures += run_cases("direct TLS", f"127.0.0.1:{tls_port}", ca)
        if not args.no_haproxy and os.path.exists(HAPROXY):
            front_plain, front_tls = free_port(), free_port()
            config = os.path.join(directory, "haproxy.cfg")
            with open(config, "w", encoding="utf-8") as out:
                out.write(f"""defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend h2c
  bind 127.0.0.1:{front_plain} proto h2
  default_backend plain
frontend tls
  bind 127.0.0.1:{front_tls} ssl crt {directory}/combined.pem alpn h2
  default_backend tls
backend plain
  server plain 127.0.0.1:{plain_port} proto h2
backend tls
  server tls 127.0.0.1:{tls_port} ssl verify required ca-file {directory}/ca.pem sni str(grpc.test) alpn h2
""")
            haproxy = subprocess.Popen([HAPROXY, "-f", config], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            processes.append(haproxy)
            wait_for_port(front_plain)
            wait_for_port(front_tls)
            failures += run_cases("HAProxy h2c -> h2c", f"127.0.0.1:{front_plain}", [])
            failures += run_cases("HAProxy TLS -> TLS", f"127.0.0.1:{front_tls}", ca)
        elif not args.no_haproxy:
            print(f"note: {HAPROXY} not found, the HAProxy legs were skipped")
        for via in args.via:
            failures += run_cases(f"via {via}", via, [])
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    print("grpc_pair_check: " + ("all passed" if failures == 0 else f"{failures} failed"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
