#!/usr/bin/python3
"""An h2c backend (prior knowledge) that can be told to refuse, for the tests of an upstream with
protocol = "h2": what the gateway does when a target refuses a stream or goes away, and when it
closes an idle connection. Built on python3-h2 (Debian), one thread per connection.

Every answer is 200 with the body "connection N" (N counts the connections that sent something, from
1: port probes and TCP health checks that connect and leave are not counted). It logs one line per
event to stdout, which the tests read:
    connection N opened | connection N closed by peer | request PATH on N stream S
    refused stream S on N | goaway on N last S

--refuse-first K   the first K streams (over all connections) get RST_STREAM(REFUSED_STREAM)
--goaway-after K   after answering K requests on a connection, GOAWAY(NO_ERROR) naming the last
                   answered stream; streams above it are not answered, and the connection is
                   closed once its answers are out
"""
import argparse
import socket
import sys
import threading

import h2.config
import h2.connection
import h2.errors
import h2.events

lock = threading.Lock()
counters = {"connections": 0, "refusals": 0}


def log(line):
    with lock:
        print(line, flush=True)


def serve(sock, args):
    config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
    conn = h2.connection.H2Connection(config=config)
    answered = 0
    last_answered = 0
    going_away = False
    number = 0
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                if number:
                    log(f"connection {number} closed by peer")
                return
            if not number:
                with lock:
                    counters["connections"] += 1
                    number = counters["connections"]
                log(f"connection {number} opened")
                conn.initiate_connection()
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    stream = event.stream_id
                    path = dict(event.headers).get(":path", "")
                    if going_away:
                        continue  # above the GOAWAY's last stream: never processed
                    with lock:
                        refuse = counters["refusals"] < args.refuse_first
                        if refuse:
                            counters["refusals"] += 1
                    if refuse:
                        log(f"refused stream {stream} on {number}")
                        conn.reset_stream(stream, error_code=h2.errors.ErrorCodes.REFUSED_STREAM)
                        continue
                    log(f"request {path} on {number} stream {stream}")
                    body = f"connection {number}".encode()
                    conn.send_headers(stream, [(":status", "200"),
                                               ("content-length", str(len(body)))])
                    conn.send_data(stream, body, end_stream=True)
                    answered += 1
                    last_answered = stream
                    if args.goaway_after and answered >= args.goaway_after:
                        conn.close_connection(error_code=h2.errors.ErrorCodes.NO_ERROR,
                                              last_stream_id=last_answered)
                        log(f"goaway on {number} last {last_answered}")
                        going_away = True
                elif isinstance(event, h2.events.ConnectionTerminated):
                    log(f"connection {number} closed by peer")
                    return
            out = conn.data_to_send()
            if out:
                sock.sendall(out)
            if going_away:
                sock.shutdown(socket.SHUT_WR)
                # Read until the gateway closes too, so our FIN is not turned into a reset.
                while sock.recv(65536):
                    pass
                log(f"connection {number} closed by peer")
                return
    except (ConnectionError, OSError):
        if number:
            log(f"connection {number} closed by peer")
    finally:
        sock.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--refuse-first", type=int, default=0)
    parser.add_argument("--goaway-after", type=int, default=0)
    args = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(64)
    while True:
        sock, _ = listener.accept()
        threading.Thread(target=serve, args=(sock, args), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
