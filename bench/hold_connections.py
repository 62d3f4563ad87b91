#!/usr/bin/python3
"""Open N keep-alive HTTP connections to HOST:PORT and hold them idle.

Each connection sends one full `GET / HTTP/1.1` request and reads the whole
response, so that the proxy sees a real, established, idle keep-alive HTTP
connection (not a half-open TCP socket). Once all are open it prints
`held <count>` on stdout and sleeps until killed (SIGTERM/SIGINT). On SIGUSR1
it prints `open <count>`: how many are still open (not closed by the peer).

Usage: hold_connections.py HOST PORT COUNT [BATCH]
"""
import resource
import selectors
import signal
import socket
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: hold_connections\r\n\r\n"


def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))


def response_complete(buf):
    """True once headers plus Content-Length bytes of body have arrived."""
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return False
    length = 0
    for line in buf[:head_end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return len(buf) >= head_end + 4 + length


def open_batch(host, port, count, timeout=30.0):
    """Connect `count` sockets, do one request/response on each, return the live ones."""
    sel = selectors.DefaultSelector()
    pending = {}
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.connect((host, port))  # loopback: completes immediately
        s.sendall(REQUEST)
        s.setblocking(False)
        pending[s] = b""
        sel.register(s, selectors.EVENT_READ)
    done, failed = [], 0
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                failed += 1
                sel.unregister(s)
                s.close()
                del pending[s]
                continue
            pending[s] += chunk
            if response_complete(pending[s]):
                if not pending[s].startswith(b"HTTP/1.1 200"):
                    print(f"warning: unexpected response {pending[s][:40]!r}", file=sys.stderr)
                sel.unregister(s)
                del pending[s]
                done.append(s)
    for s in pending:  # timed out
        failed += 1
        sel.unregister(s)
        s.close()
    sel.close()
    return done, failed


def count_open(socks):
    """Sockets the peer has not closed: idle keep-alive sockets are not readable."""
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    closed = len(sel.select(timeout=0))
    sel.close()
    return len(socks) - closed


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 500
    raise_fd_limit(count + 64)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    held, failed = [], 0
    while len(held) + failed < count:
        ok, bad = open_batch(host, port, min(batch, count - len(held) - failed))
        held += ok
        failed += bad
    if failed:
        print(f"warning: {failed} connections failed", file=sys.stderr)
    signal.signal(signal.SIGUSR1, lambda *_: print(f"open {count_open(held)}", flush=True))
    print(f"held {len(held)}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
