#!/usr/bin/python3
"""Run the HTTP/2 conformance suite and the attack scripts against reference servers, to
validate the tooling and record what established servers do (REFERENCE.md).

Servers (each started here on free loopback ports, in a temporary directory, and stopped by the
pid it got):
  haproxy  /usr/sbin/haproxy with haproxy_h2c.cfg: h2c, TLS (ALPN h2, a self-signed
           certificate made with `openssl req`), and an h2c listener that buffers bodies
  nginx    /usr/sbin/nginx, one process (master_process off): `listen PORT http2;` (h2c) and
           `listen PORT ssl http2;`, every request answered by `return 200`; and an h2c
           listener that proxies to a local `return 200` (so it reads bodies whole first)
  nghttpd  /usr/sbin/nghttpd (Debian nghttp2-server, the nghttp2 library apigw links) serving a
           one-file document root, h2c and TLS
  apigw    the gateway itself (--apigw BINARY), its defaults but one worker: an h2c listener
           and a TLS one (ALPN h2) before `apigw echo-server`; only with --server apigw

  run_reference.py [--server haproxy|nginx|nghttpd|apigw ...] [--apigw BINARY] [--suite]
                   [--attacks] [--slow] [--slow-seconds 40] [--out DIR] [--quick]

--suite runs h2spec_cases.py over h2c and TLS (and --rfc9113 / --strict-codes over h2c);
--attacks runs tests/support/h2_attacks.py (bounded ones; --slow adds slow-read and
slow-preface, about 40 s each). Prints one summary line per run and, with --out, writes the
full JSON of each. Neither flag: both suite and attacks. Everything is bounded in time.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SUPPORT = os.path.join(HERE, "..", "support")
PY = "/usr/bin/python3"
BODY = "hello from the reference server\n"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, seconds=5.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def make_cert(tmp):
    """A self-signed certificate for localhost / 127.0.0.1: (cert, key, combined pem)."""
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    pem = os.path.join(tmp, "site.pem")
    with open(pem, "w") as out:
        out.write(open(cert).read() + open(key).read())
    return cert, key, pem


class Server:
    """A reference server: ports {'h2c', 'tls', 'buffered'} and the pid to measure."""

    def __init__(self, kind, tmp, cert, apigw=None):
        self.kind, self.tmp, self.cert, self.apigw = kind, tmp, cert, apigw
        self.procs = []
        self.ports = {}

    def start(self):
        getattr(self, "_start_" + self.kind)()
        for name, port in self.ports.items():
            if not wait_port(port, self.procs[0]):
                self.stop()
                raise RuntimeError("%s did not listen on %s port %d (see %s)"
                                   % (self.kind, name, port, self.tmp))
        return self

    @property
    def pid(self):
        return self.procs[0].pid

    def alive(self):
        return all(p.poll() is None for p in self.procs)

    def _spawn(self, argv, env=None, log="server.log"):
        out = open(os.path.join(self.tmp, log), "ab")
        self.procs.append(subprocess.Popen(argv, env=env, stdout=out, stderr=out,
                                           cwd=self.tmp, start_new_session=True))

    def _start_haproxy(self):
        self.ports = {"h2c": free_port(), "tls": free_port(), "buffered": free_port()}
        env = dict(os.environ, H2C_PORT=str(self.ports["h2c"]),
                   H2TLS_PORT=str(self.ports["tls"]), H2C_BUF_PORT=str(self.ports["buffered"]),
                   TLS_PEM=self.cert[2])
        self._spawn(["/usr/sbin/haproxy", "-db", "-f", os.path.join(HERE, "haproxy_h2c.cfg")],
                    env=env)

    def _start_nginx(self):
        self.ports = {"h2c": free_port(), "tls": free_port(), "buffered": free_port(),
                      "upstream": free_port()}
        conf = os.path.join(self.tmp, "nginx.conf")
        t = self.tmp
        with open(conf, "w") as f:
            f.write("""daemon off;
master_process off;
worker_processes 1;
error_log %(t)s/error.log warn;
pid %(t)s/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %(t)s/body;
    proxy_temp_path %(t)s/proxy;
    fastcgi_temp_path %(t)s/fastcgi;
    uwsgi_temp_path %(t)s/uwsgi;
    scgi_temp_path %(t)s/scgi;
    default_type text/plain;
    server {
        listen 127.0.0.1:%(h2c)d http2;
        listen 127.0.0.1:%(tls)d ssl http2;
        ssl_certificate %(cert)s;
        ssl_certificate_key %(key)s;
        location / { return 200 "%(body)s"; }
    }
    # Reads each request body whole before passing it on (proxy_request_buffering): a POST's
    # stream stays open while its DATA frames come, for the empty-DATA flood.
    server {
        listen 127.0.0.1:%(buffered)d http2;
        location / { proxy_pass http://127.0.0.1:%(upstream)d; }
    }
    server {
        listen 127.0.0.1:%(upstream)d;
        location / { return 200 "%(body)s"; }
    }
}
""" % {"t": t, "h2c": self.ports["h2c"], "tls": self.ports["tls"], "cert": self.cert[0],
                "key": self.cert[1], "body": BODY.replace("\n", "\\n"),
                "buffered": self.ports["buffered"], "upstream": self.ports["upstream"]})
        self._spawn(["/usr/sbin/nginx", "-c", conf, "-p", t + "/", "-e", t + "/error.log"])

    def _start_nghttpd(self):
        self.ports = {"h2c": free_port(), "tls": free_port()}
        root = os.path.join(self.tmp, "htdocs")
        os.makedirs(root, exist_ok=True)
        with open(os.path.join(root, "index.html"), "w") as f:
            f.write(BODY)
        self._spawn(["/usr/sbin/nghttpd", "--no-tls", "-a", "127.0.0.1", "-d", root,
                     str(self.ports["h2c"])], log="nghttpd-h2c.log")
        self._spawn(["/usr/sbin/nghttpd", "-a", "127.0.0.1", "-d", root, str(self.ports["tls"]),
                     self.cert[1], self.cert[0]], log="nghttpd-tls.log")

    def _start_apigw(self):
        self.ports = {"h2c": free_port(), "tls": free_port(), "admin": free_port(),
                      "backend": free_port()}
        conf = os.path.join(self.tmp, "apigw.toml")
        with open(conf, "w") as f:
            f.write("""[server]
workers = 1
[[server.listeners]]
address = "127.0.0.1:%(h2c)d"
http2 = true
[[server.listeners]]
address = "127.0.0.1:%(tls)d"
[[server.listeners.tls.certificates]]
cert = "%(cert)s"
key = "%(key)s"
[admin]
listen = "127.0.0.1:%(admin)d"
[[upstreams]]
name = "echo"
targets = [{ address = "127.0.0.1:%(backend)d" }]
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "echo"
""" % {"h2c": self.ports["h2c"], "tls": self.ports["tls"], "admin": self.ports["admin"],
                "backend": self.ports["backend"], "cert": self.cert[0], "key": self.cert[1]})
        self._spawn([self.apigw, "run", "-c", conf])
        self._spawn([self.apigw, "echo-server", "--listen",
                     "127.0.0.1:%d" % self.ports["backend"]], log="backend.log")

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)


def run_json(argv, timeout):
    """Run a tool that prints one JSON object; (object or None, exit code, stderr tail)."""
    try:
        cp = subprocess.run(["nice", "-n", "10", PY] + argv, capture_output=True, text=True,
                            timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, -1, "timed out after %d s" % timeout
    try:
        return json.loads(cp.stdout), cp.returncode, cp.stderr[-500:]
    except ValueError:
        return None, cp.returncode, (cp.stdout + cp.stderr)[-500:]


def suite_runs(server):
    h2c = ["--port", str(server.ports["h2c"])]
    tls = ["--port", str(server.ports["tls"]), "--tls", "--cafile", server.cert[0],
           "--server-name", "localhost"]
    return [("h2c", h2c), ("tls", tls), ("h2c --rfc9113", h2c + ["--rfc9113"]),
            ("h2c --strict-codes", h2c + ["--strict-codes"])]


def run_suite(server, results):
    for label, argv in suite_runs(server):
        out, rc, err = run_json([os.path.join(HERE, "h2spec_cases.py"), "--json"] + argv, 120)
        if out is None:
            print("  suite %-20s ERROR %s" % (label, err.strip()[-200:]))
            continue
        failed = ["%s (%s)" % (r["id"], r["reason"]) for r in out["results"]
                  if r["status"] != "PASS"]
        print("  suite %-20s %d/%d passed in %.1f s%s" % (label, out["passed"], out["selected"],
                                                          out["elapsed_s"],
                                                          "; not passed: " + "; ".join(failed)
                                                          if failed else ""))
        results["suite " + label] = out


def attack_list(server, quick, slow, slow_seconds=40):
    n = 1000 if quick else 10000
    h2c = server.ports["h2c"]
    body_port = server.ports.get("buffered", h2c)
    runs = [
        ("rapid-reset", ["--requests", str(n)], h2c, 20),
        ("rapid-reset", ["--requests", str(n), "--split-ms", "5"], h2c, 30),
        ("slow-rapid-reset", ["--rate", "50", "--duration", "5"], h2c, 10),
        ("made-you-reset", ["--variant", "window-overflow"], h2c, 15),
        ("made-you-reset", ["--variant", "data-half-closed"], h2c, 15),
        ("made-you-reset", ["--variant", "zero-window-update"], h2c, 15),
        ("made-you-reset", ["--variant", "priority-self"], h2c, 15),
        ("continuation-flood", ["--variant", "big"], h2c, 20),
        ("continuation-flood", ["--variant", "tiny"], h2c, 20),
        ("hpack-bomb", [], h2c, 15),
        ("header-count-bomb", [], h2c, 15),
        ("header-count-bomb", ["--encoding", "indexed"], h2c, 15),
        ("settings-flood", [], h2c, 15),
        ("settings-flood", ["--no-read", "--count", str(10 * n * 10)], h2c, 15),
        ("ping-flood", [], h2c, 15),
        ("ping-flood", ["--no-read", "--count", str(10 * n * 10)], h2c, 15),
        ("empty-data-flood", [], body_port, 15),
        ("empty-data-flood", ["--padded", "--pad", "8"], body_port, 15),
        ("empty-data-flood", ["--padded", "--pad", "16"], body_port, 15),
    ]
    if slow:
        runs += [("slow-read", ["--mode", "window0"], h2c, slow_seconds),
                 ("slow-read", ["--mode", "no-read"], h2c, slow_seconds),
                 ("slow-preface", [], h2c, slow_seconds)]
    return runs


def summarize(out):
    g = out.get("goaway")
    parts = ["stopped_by=%s" % out["stopped_by"],
             "sent %d frames/%d req/%d rst" % (out["frames_sent"], out["requests_sent"],
                                              out["resets_sent"])]
    if g:
        parts.append("GOAWAY %s at %.3fs (last_stream_id %d, after %d frames/%d req/%d rst)"
                     % (g["error"], g["at_s"], g["last_stream_id"], g["frames_sent_before"],
                        g["requests_sent_before"], g["resets_sent_before"]))
    else:
        parts.append("no GOAWAY")
    if out["rst_received"]:
        parts.append("RST recv %s" % out["rst_codes"])
    if out["statuses"]:
        parts.append("responses %s" % out["statuses"])
    if out.get("settings_acks") or out.get("ping_acks"):
        parts.append("acks settings=%d ping=%d" % (out["settings_acks"], out["ping_acks"]))
    if "octets_sent" in out:
        parts.append("%d preface octets sent" % out["octets_sent"])
    parts.append("closed %s" % ("at %.2fs" % out["closed_at_s"] if out["connection_closed"]
                                else "no"))
    rss = out.get("rss_kb")
    if rss and rss.get("before") is not None:
        parts.append("RSS %s->%s kB (max %s)" % (rss["before"], rss["after"], rss["max"]))
    if out.get("errors"):
        parts.append("errors %s" % out["errors"])
    return "; ".join(parts)


def run_attacks(server, results, quick, slow, slow_seconds=40):
    for name, extra, port, max_s in attack_list(server, quick, slow, slow_seconds):
        if not server.alive():
            print("  %s: server died; restarting" % name)
            server.stop()
            server.procs = []
            server.start()
        argv = [os.path.join(SUPPORT, "h2_attacks.py"), name, "--port", str(port),
                "--pid", str(server.pid), "--max-seconds", str(max_s)] + extra
        out, rc, err = run_json(argv, max_s + 30)
        label = " ".join([name] + extra)
        if out is None:
            print("  attack %-40s ERROR %s" % (label, err.strip()[-200:]))
            continue
        print("  attack %-40s %s" % (label, summarize(out)), flush=True)
        results["attack " + label] = out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", action="append",
                    choices=("haproxy", "nginx", "nghttpd", "apigw"))
    ap.add_argument("--apigw", help="the apigw binary, for --server apigw")
    ap.add_argument("--slow-seconds", type=float, default=40,
                    help="bound of each slow run (apigw's defaults need 70: idle is 60 s)")
    ap.add_argument("--suite", action="store_true")
    ap.add_argument("--attacks", action="store_true")
    ap.add_argument("--slow", action="store_true", help="also slow-read and slow-preface")
    ap.add_argument("--quick", action="store_true", help="smaller attack counts")
    ap.add_argument("--out", help="directory for <server>.json")
    a = ap.parse_args(argv)
    if not (a.suite or a.attacks):
        a.suite = a.attacks = True
    servers = a.server or ["haproxy", "nginx", "nghttpd"]
    if "apigw" in servers and not a.apigw:
        ap.error("--server apigw needs --apigw BINARY")
    tmp = tempfile.mkdtemp(prefix="h2ref-")
    status = 0
    try:
        cert = make_cert(tmp)
        for kind in servers:
            sdir = os.path.join(tmp, kind)
            os.makedirs(sdir)
            server = Server(kind, sdir, cert, a.apigw and os.path.abspath(a.apigw))
            try:
                server.start()
            except (RuntimeError, OSError) as exc:
                print("%s: %s" % (kind, exc))
                status = 1
                continue
            print("%s (pid %d, ports %s)" % (kind, server.pid, server.ports), flush=True)
            results = {"server": kind, "ports": server.ports}
            try:
                if a.suite:
                    run_suite(server, results)
                if a.attacks:
                    run_attacks(server, results, a.quick, a.slow, a.slow_seconds)
            finally:
                server.stop()
            if a.out:
                os.makedirs(a.out, exist_ok=True)
                with open(os.path.join(a.out, kind + ".json"), "w") as f:
                    json.dump(results, f, indent=1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
