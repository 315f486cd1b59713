#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A hostile loopback server: it answers each request with exactly the bytes
a plan scripts, so a test can send what no honest provider would (escape
sequences in stop reasons, keys quoted back, a 500 that trickles, a gzip
bomb, a redirect, a body that never ends).

    python3 tests/server/attack.py --plan PLAN.json [--log FILE]
                                   [--max-seconds 120] [--idle-seconds 60]

Binds 127.0.0.1 on a free port and prints "PORT <n>" first. It exits by
itself after --max-seconds, or --idle-seconds with no request in flight;
SIGTERM ends it at once. Every loop is bounded by the deadline.

PLAN.json: {"routes": [{"prefix": "/name", "steps": [STEP, ...]}, ...]}.
A request is served by the first route whose prefix starts its path (the
query left off); none matching gets a 404. A STEP is one of:

    {"send": "text"}            the text's code points as bytes (latin-1):
                                write "\\u001b" for ESC, "\\u00ff" for 0xFF
    {"send_b64": "..."}         bytes, base64
    {"sleep_ms": N}             pause
    {"trickle": "text", "every_ms": N, "bytes": K}
                                K bytes (default 1) every N ms
    {"repeat": "text", "times": N}
                                the text N times, in 64 KiB writes
    {"hold_ms": N}              keep the connection open N ms or until the
                                client goes away, sending nothing
    {"close": "rst"}            end with a TCP reset (default: a FIN)

With --log, one JSON line per request when its head and body have been read:
{"n", "method", "path", "query", "head" (latin-1 text of the raw request
head, every header line as sent), "body" (latin-1 text)}.
"""
import argparse
import base64
import json
import os
import signal
import socket
import struct
import sys
import threading
import time

BLOCK = 65536


class Server:
    def __init__(self, plan, log, max_seconds, idle_seconds):
        self.routes = plan.get("routes", [])
        self.log = log
        self.deadline = time.monotonic() + max_seconds
        self.idle_seconds = idle_seconds
        self.last = time.monotonic()
        self.active = 0
        self.n = 0
        self.lock = threading.Lock()

    def remaining(self):
        return self.deadline - time.monotonic()

    def route(self, path):
        for r in self.routes:
            if path.startswith(r["prefix"]):
                return r["steps"]
        return None

    def record(self, entry):
        if not self.log:
            return
        with self.lock:
            with open(self.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")


def read_request(conn, srv):
    """The head (bytes) and the body (bytes) of one request, or None."""
    data = b""
    while b"\r\n\r\n" not in data:
        if srv.remaining() <= 0 or len(data) > 1 << 20:
            return None
        chunk = conn.recv(BLOCK)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
        if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while not body.endswith(b"0\r\n\r\n") and srv.remaining() > 0:
            chunk = conn.recv(BLOCK)
            if not chunk:
                break
            body += chunk
    else:
        while len(body) < length and srv.remaining() > 0:
            chunk = conn.recv(BLOCK)
            if not chunk:
                break
            body += chunk
    return head, body


def hold(conn, srv, ms):
    """Waits ms (bounded by the deadline) or until the client goes away."""
    end = time.monotonic() + ms / 1000.0
    conn.settimeout(0.05)
    try:
        while time.monotonic() < end and srv.remaining() > 0:
            try:
                if conn.recv(BLOCK) == b"":
                    return
            except socket.timeout:
                pass
    finally:
        conn.settimeout(None)


def play(conn, srv, steps):
    rst = False
    for st in steps:
        if srv.remaining() <= 0:
            break
        if "send" in st:
            conn.sendall(st["send"].encode("latin-1"))
        elif "send_b64" in st:
            conn.sendall(base64.b64decode(st["send_b64"]))
        elif "sleep_ms" in st:
            time.sleep(min(st["sleep_ms"] / 1000.0, max(srv.remaining(), 0)))
        elif "trickle" in st:
            data = st["trickle"].encode("latin-1")
            k = st.get("bytes", 1)
            for i in range(0, len(data), k):
                if srv.remaining() <= 0:
                    break
                conn.sendall(data[i:i + k])
                time.sleep(st.get("every_ms", 10) / 1000.0)
        elif "repeat" in st:
            piece = st["repeat"].encode("latin-1")
            times = st.get("times", 1)
            per = max(1, BLOCK // max(1, len(piece)))
            while times > 0 and srv.remaining() > 0:
                k = min(per, times)
                conn.sendall(piece * k)
                times -= k
        elif "hold_ms" in st:
            hold(conn, srv, st["hold_ms"])
        elif "close" in st:
            rst = st["close"] == "rst"
    if rst:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def serve(conn, srv):
    with srv.lock:
        srv.active += 1
    try:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        req = read_request(conn, srv)
        if req is None:
            return
        head, body = req
        first = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
        method, target = (first + ["", ""])[:2]
        path, _, query = target.partition("?")
        with srv.lock:
            srv.n += 1
            n = srv.n
        srv.record({"n": n, "method": method, "path": path, "query": query,
                    "head": head.decode("latin-1"), "body": body.decode("latin-1")})
        steps = srv.route(path)
        if steps is None:
            steps = [{"send": "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                              "Connection: close\r\n\r\n"}]
        play(conn, srv, steps)
    except OSError:
        pass  # the client went away: that response ends here
    finally:
        try:
            conn.close()
        except OSError:
            pass
        with srv.lock:
            srv.active -= 1
            srv.last = time.monotonic()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plan", required=True)
    ap.add_argument("--log")
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--idle-seconds", type=float, default=60)
    a = ap.parse_args()
    with open(a.plan, encoding="utf-8") as f:
        plan = json.load(f)
    srv = Server(plan, a.log, a.max_seconds, a.idle_seconds)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    ls.settimeout(0.2)
    print(f"PORT {ls.getsockname()[1]}", flush=True)
    while srv.remaining() > 0:
        with srv.lock:
            idle = srv.active == 0 and time.monotonic() - srv.last > srv.idle_seconds
        if idle:
            break
        try:
            conn, _ = ls.accept()
        except socket.timeout:
            continue
        conn.settimeout(None)
        threading.Thread(target=serve, args=(conn, srv), daemon=True).start()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
