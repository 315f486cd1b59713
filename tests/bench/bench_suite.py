#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""bench_suite: circuit against the floor (curl, clear(1), SQLite alone) and
the peers (the official node SDKs), in one run. Every PASS/FAIL is a ratio
to a floor or peer measured in the same run (issue 15: machines of our kind
differ by 2x, the ratios much less); absolute figures are printed beside
them for information.

    python3 tests/bench/bench_suite.py [--only a,b,...] [--skip i] [--rounds N]

One line per figure: circuit's value, the floor's and the peers', the ratio,
the target and PASS/FAIL. Figures (letters as in issue 8), verdict first:

  a  circuit's CPU ≤ 12× curl's (OpenAI shape), ≤ 10× (Anthropic) for a
     200 000-chunk stream over loopback, the least of --rounds interleaved
     runs (user+sys from wait4): circuit -p vs curl -sN vs the SDKs
  b  CPU per paced event (one event a millisecond) ≤ 1.5× curl's headless
     (to /dev/null), ≤ 2.5× curl's in a tmux pane on the screen
  c  peak RSS of the clients of (a) ≤ 1.12× curl's
  d  start to the first request, headless, ≤ 1.3× curl's; start to the first
     frame with the "> " prompt (the screen in a pty) ≤ 2× clear(1)'s start
     to its first byte in a pty; medians, the two taking turns
  f  idle: the screen open, nothing streaming, 10 s: zero wakeups (absolute)
  g  CPU per token on the screen with a 1 M-line transcript ≤ 1.2× with a
     1 k-line one (--resume of a prepared history)
  h  64 streams at 100 tokens/s, 4 headless --compare runs of 16 models:
     share of a core ≤ 0.7× that of 64 curl processes, batches taking turns
  e  byte-to-glass latency on the screen (pty): p99 ≤ 3× curl -N's in a pty
  j  history writes (issue 16 item 14): a long reply checkpointed as the
     screen does (build/bench/bench_history_write): CPU for 2× the reply ≤
     2.6× (linear is 2, quadratic 4), peak RSS growing ≤ 2 bytes a byte of
     reply + 16 MiB; and the everyday case: peak RSS of the 200 000-chunk
     reply of (a) with the history on ≤ 1.5× with --no-history
  i  history search over 100 000 messages (build/bench/bench_history): the
     median ≤ 30× SQLite's FTS5 index alone finding the same hits
  k  Markdown on the screen (issue 17): CPU per paced event of a
     Markdown-heavy reply (headings, emphasis, code blocks, tables, lists)
     with rendering on ≤ 1.5× the raw view's (/render raw) and ≤ 2.5× curl
     writing the same stream into a tmux pane

docs/benchmarks.md says where each target comes from.

Every stream comes from a loopback server inside this harness that sends
prepared bytes shaped like the real ones (the chunks of
tests/bench/bench_decode.c): what is measured is the client, not the
server (tests/server/server.py writes and flushes one HTTP chunk per event,
about 13 000 a second: a 200 000-chunk stream would take 15 s a run).

Python 3 standard library only. Optional: node 20 and the SDKs in build/sdk
(installed there by tests/integration/test_sdk_fidelity.py with npm ci;
else, or with BENCH_NO_SDK=1, a "skip: node" line), tmux (the screen in b, f, g), GNU time (true
peak RSS of a child; else VmHWM sampled), build/bench/bench_history (i).
Each screen run has its own HOME and XDG dirs in a temporary folder; every
headless run has --no-history (but the history-on runs of (j)). Loopback only; every child has a timeout.

Exit status: 0 when every figure was measured, PASS or FAIL (it is a
report); 1 when one could not be (an ERROR line: the harness broke, or a
client crashed or hung); 2 on bad usage."""
import argparse
import bisect
import fcntl
import http.server
import json
import os
import platform
import re
import shlex
import select
import shutil
import signal
import socket
import socketserver
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", "build")
BIN = os.path.join(ROOT, os.environ.get("CIRCUIT_BIN", os.path.join(BUILD, "circuit")))
HISTORY_BENCH = os.path.join(ROOT, BUILD, "bench", "bench_history")
WRITE_BENCH = os.path.join(ROOT, BUILD, "bench", "bench_history_write")
SDK_DIR = os.path.join(ROOT, "build", "sdk")
SDK_SCRIPT = os.path.join(ROOT, "tests", "bench", "bench_sdk.mjs")
CACHE_DIR = os.path.join(ROOT, BUILD, "bench")
KEY = "sk-bench"
COLS, ROWS = 100, 30

# ---- the bytes: the chunks of tests/bench/bench_decode.c ---------------------

WORDS = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".",
         " 日本", " 🦀"]
OA_HEAD = ('data: {"id":"chatcmpl-CUiJXiH9uESMqQMJr4yFknqqHqHx4","object":'
           '"chat.completion.chunk","created":1768298607,"model":"gpt-4.1-mini-'
           '2025-04-14","choices":[{"index":0,"delta":{"role":"assistant",'
           '"content":""},"finish_reason":null}]}\n\n')
OA_CHUNK = ('data: {"id":"chatcmpl-CUiJXiH9uESMqQMJr4yFknqqHqHx4","object":"chat.'
            'completion.chunk","created":1768298607,"model":"gpt-4.1-mini-2025-04-'
            '14","service_tier":"default","system_fingerprint":"fp_6f2eabb9a5",'
            '"choices":[{"index":0,"delta":{"content":"%s"},"logprobs":null,'
            '"finish_reason":null}],"obfuscation":"82KEkpGc"}\n\n')
OA_TAIL = ('data: {"id":"x","choices":[{"index":0,"delta":{},"finish_reason":'
           '"stop"}]}\n\ndata: [DONE]\n\n')
AN_HEAD = ('event: message_start\ndata: {"type":"message_start","message":{"id":'
           '"msg_01","type":"message","role":"assistant","content":[],'
           '"model":"claude-sonnet-4-5","usage":{"input_tokens":25,'
           '"output_tokens":1}}}\n\nevent: content_block_start\ndata: {"type":'
           '"content_block_start","index":0,"content_block":{"type":"text",'
           '"text":""}}\n\n')
AN_CHUNK = ('event: content_block_delta\ndata: {"type":"content_block_delta",'
            '"index":0,"delta":{"type":"text_delta","text":"%s"}}\n\n')
AN_TAIL = ('event: content_block_stop\ndata: {"type":"content_block_stop","index":'
           '0}\n\nevent: message_delta\ndata: {"type":"message_delta","delta":{'
           '"stop_reason":"end_turn"},"usage":{"output_tokens":%d}}\n\n'
           'event: message_stop\ndata: {"type":"message_stop"}\n\n')

DECODE_CHUNKS = 200000


def openai_body(n):
    return (OA_HEAD + "".join(OA_CHUNK % WORDS[i % 12] for i in range(n)) + OA_TAIL).encode()


def anthropic_body(n):
    return (AN_HEAD + "".join(AN_CHUNK % WORDS[i % 12] for i in range(n)) +
            AN_TAIL % n).encode()


def openai_events(texts):
    """(head, [event bytes], tail) of an OpenAI Chat stream of these texts."""
    return (OA_HEAD.encode(), [(OA_CHUNK % t).encode() for t in texts], OA_TAIL.encode())


def words(n):
    return [WORDS[i % 12] for i in range(n)]


# ---- the loopback server ------------------------------------------------------

WRITE = 256 * 1024  # a fixed body goes out in HTTP chunks (and writes) of this size


def http_chunk(b):
    return b"%x\r\n" % len(b) + b + b"\r\n"


class Route:
    """What one base URL answers. Either a fixed body (sent in big writes: the
    client's decoding is measured, not this server), or a plan: per request
    number (the last entry repeats) a (head, events, tail) stream whose events
    go out one HTTP chunk each, `pace` seconds apart on an absolute schedule,
    after `delay` seconds. Every send of a paced event is time-stamped."""

    def __init__(self, body=None, plan=None, pace=0.0, delay=0.0):
        self.framed = None
        if body is not None:
            self.framed = b"".join(http_chunk(body[i:i + WRITE])
                                   for i in range(0, len(body), WRITE)) + b"0\r\n\r\n"
        self.plan = [(http_chunk(h), [http_chunk(e) for e in ev], http_chunk(t) + b"0\r\n\r\n")
                     for h, ev, t in (plan or [])]
        self.pace = pace
        self.delay = delay
        self.cv = threading.Condition()
        self.n = 0                 # requests seen
        self.arrivals = []         # monotonic time each request line was read
        self.results = {}          # request number -> dict, once its response ended

    def begin(self, t):
        with self.cv:
            k = self.n
            self.n += 1
            self.arrivals.append(t)
            self.cv.notify_all()
            return k

    def end(self, k, res):
        with self.cv:
            self.results[k] = res
            self.cv.notify_all()

    def wait(self, pred, timeout):
        with self.cv:
            return self.cv.wait_for(lambda: pred(self), timeout)

    def wait_arrived(self, k, timeout):
        return self.wait(lambda r: r.n > k, timeout)

    def wait_done(self, k, timeout):
        return self.wait(lambda r: k in r.results, timeout)

    def serve(self, h, k):
        write = h.wfile.write
        if self.framed is not None:
            mv = memoryview(self.framed)
            for off in range(0, len(mv), 4 * WRITE):
                write(mv[off:off + 4 * WRITE])
            return {"complete": True}
        head, frames, tail = self.plan[min(k, len(self.plan) - 1)]
        if self.delay:
            time.sleep(self.delay)
        write(head)
        stamps = [0.0] * len(frames)
        late = 0
        worst = 0.0
        t0 = time.monotonic()
        for i, f in enumerate(frames):
            target = t0 + i * self.pace
            d = target - time.monotonic()
            if d > 0:
                time.sleep(d)
            now = time.monotonic()
            lag = now - target
            if lag > 0.001:
                late += 1
            worst = max(worst, lag)
            stamps[i] = now
            write(f)
        write(tail)
        return {"complete": True, "stamps": stamps, "late": late, "worst_lag": worst,
                "events": len(frames), "t0": t0, "t1": time.monotonic()}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bench"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def parse_request(self):
        self.t_arrive = time.monotonic()    # the request line has just been read
        return super().parse_request()

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                self.rfile.read(size + 2)
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            got = self.rfile.read(min(n, 1 << 20))
            if not got:
                return
            n -= len(got)

    def do_POST(self):
        m = re.match(r"/b/([^/]+)/", self.path)
        route = self.server.routes.get(m.group(1)) if m else None
        self.read_body()
        if route is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        k = route.begin(self.t_arrive)
        self.close_connection = True
        res = {"complete": False}
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            res = route.serve(self, k)
        except (BrokenPipeError, ConnectionResetError, OSError) as e:
            res = {"complete": False, "error": str(e)}
        finally:
            route.end(k, res)

    do_GET = do_POST


class BenchServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = {}
        self.seq = 0
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)   # no getfqdn(): it can stall on DNS
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    def handle_error(self, request, client_address):
        pass

    def add(self, route):
        self.seq += 1
        name = f"r{self.seq}"
        self.routes[name] = route
        route.name = name
        return route

    def drop(self, route):
        self.routes.pop(route.name, None)

    def base(self, route, provider="openai"):
        b = f"http://127.0.0.1:{self.server_port}/b/{route.name}"
        return b + "/v1" if provider == "openai" else b


# ---- processes ---------------------------------------------------------------

def clean_env(home, **extra):
    env = {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"), "HOME": home,
           "LANG": "C.UTF-8", "TERM": "xterm-256color",
           "XDG_CONFIG_HOME": os.path.join(home, "config"),
           "XDG_DATA_HOME": os.path.join(home, "data"),
           "XDG_STATE_HOME": os.path.join(home, "state"),
           "XDG_CACHE_HOME": os.path.join(home, "cache")}
    env.update(extra)
    return env


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


class Proc:
    """A child measured by wait4: CPU (user+sys) and peak RSS.

    A child's ru_maxrss counts the memory of the process it was forked from
    (Linux keeps the old mm's high-water mark across execve), and this
    harness is large: with rss=True the child runs under GNU time
    (/usr/bin/time -f %M, ~1 MiB), whose report of its own child is the
    child's true peak; CPU then includes time's own (~0.7 ms). Without
    /usr/bin/time, /proc/PID/status VmHWM is sampled while it runs."""

    def __init__(self, argv, env, timeout, stdout=None, cwd=None, rss=False):
        self.argv = argv
        self.err = tempfile.TemporaryFile()
        self.out = tempfile.TemporaryFile() if stdout == "capture" else None
        self.rss_file = None
        self.hwm = 0
        self.sample_hwm = rss and TIME is None
        if rss and TIME is not None:
            fd, self.rss_file = tempfile.mkstemp(prefix="rss-")
            os.close(fd)
            argv = [TIME, "-f", "%M", "-o", self.rss_file, *argv]
        self.t0 = time.monotonic()
        self.deadline = self.t0 + timeout
        self.rc = None
        self.rss_mib = None
        self.timed_out = False
        with open(os.devnull, "wb") as null:
            self.p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                      stdout=self.out if self.out else null, stderr=self.err,
                                      cwd=cwd)

    def poll(self):
        if self.rc is not None:
            return True
        if self.sample_hwm:
            try:
                with open(f"/proc/{self.p.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            self.hwm = max(self.hwm, int(line.split()[1]))
            except (OSError, ValueError):
                pass
        pid, status, ru = os.wait4(self.p.pid, os.WNOHANG)
        if pid == 0:
            if time.monotonic() < self.deadline:
                return False
            self.timed_out = True
            self.p.kill()
            pid, status, ru = os.wait4(self.p.pid, 0)
        self.t1 = time.monotonic()
        self.rc = os.waitstatus_to_exitcode(status)
        self.p.returncode = self.rc
        self.cpu = ru.ru_utime + ru.ru_stime
        if self.rss_file is not None:
            try:
                with open(self.rss_file) as f:
                    self.rss_mib = int(f.read().split()[-1]) / 1024.0
            except (OSError, ValueError, IndexError):
                pass
            os.unlink(self.rss_file)
        elif self.sample_hwm and self.hwm:
            self.rss_mib = self.hwm / 1024.0
        return True

    def wait(self):
        wait_all([self])
        return self

    @property
    def ok(self):
        return self.rc == 0 and not self.timed_out

    def stdout(self):
        self.out.seek(0)
        return self.out.read().decode("utf-8", "replace")

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")

    def why(self):
        if self.timed_out:
            return f"{os.path.basename(self.argv[0])} timed out"
        last = (self.stderr().strip().splitlines() or [""])[-1][:200]
        return f"{os.path.basename(self.argv[0])} exited {self.rc}: {last}"


def wait_all(procs):
    while True:
        done = [p.poll() for p in procs]
        if all(done):
            return procs
        time.sleep(0.005)


def spawn_stamped(argv, env, tty=None, out_fd=None):
    """fork + execve, the child stamping CLOCK_MONOTONIC just before execve:
    (pid, t_exec). tty: (master, slave) of a pty, made the child's controlling
    terminal and its stdio; else stdio is /dev/null (stdout out_fd if given)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: nothing here may return
        try:
            os.close(r)
            if tty is not None:
                os.close(tty[0])
                os.setsid()
                fcntl.ioctl(tty[1], termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(tty[1], fd)
            else:
                null = os.open(os.devnull, os.O_RDWR)
                os.dup2(null, 0)
                os.dup2(out_fd if out_fd is not None else null, 1)
                os.dup2(null, 2)
            os.write(w, struct.pack("d", time.monotonic()))
            os.execve(argv[0], argv, env)
        except BaseException:
            pass
        os._exit(127)
    os.close(w)
    data = os.read(r, 8)
    os.close(r)
    return pid, struct.unpack("d", data)[0] if len(data) == 8 else time.monotonic()


def reap(pid, timeout=5.0, term=True):
    """Waits for our child pid (SIGTERM then SIGKILL after timeout)."""
    deadline = time.monotonic() + timeout
    sent = False
    while True:
        p, status = os.waitpid(pid, os.WNOHANG)
        if p:
            return status
        now = time.monotonic()
        if now > deadline:
            os.kill(pid, signal.SIGKILL)
            return os.waitpid(pid, 0)[1]
        if term and not sent:
            os.kill(pid, signal.SIGTERM)
            sent = True
        time.sleep(0.01)


def proc_cpu(pid):
    """CPU seconds of a live process: the sum over its threads of
    /proc/PID/task/TID/schedstat's run time (ns), and utime+stime of
    /proc/PID/stat (ticks) for comparison. None when it is gone."""
    try:
        ns = 0
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                ns += int(f.read().split()[0])
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        return ns / 1e9, ticks
    except (OSError, ValueError, IndexError):
        return None


def proc_switches(pid):
    """Voluntary and involuntary context switches, summed over the threads."""
    v = nv = 0
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        v += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        nv += int(line.split()[1])
    except OSError:
        return None
    return v, nv


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def settle(pid, quiet=0.15, timeout=3.0):
    """Waits until the process has used no CPU for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last = proc_cpu(pid)
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.03)
        c = proc_cpu(pid)
        if c is None:
            return
        if last is None or c[0] != last[0]:
            last, since = c, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
    return


# ---- tmux --------------------------------------------------------------------

class Tmux:
    """A private tmux server (tmux -L bench-<pid>), no user configuration."""

    def __init__(self, tmp):
        self.sock = f"bench-{os.getpid()}"
        self.conf = os.path.join(tmp, "tmux.conf")
        with open(self.conf, "w") as f:
            f.write("set -g status off\nset -g default-shell /bin/sh\n"
                    "set -g history-limit 100\nset -g exit-empty on\n")
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp,
                    "LANG": "C.UTF-8", "TERM": "xterm-256color", "TMUX_TMPDIR": tmp}
        self.n = 0
        self.pids = []

    def run(self, *args):
        p = subprocess.run(["tmux", "-u", "-L", self.sock, "-f", self.conf, *args],
                           capture_output=True, env=self.env, timeout=15)
        if p.returncode != 0 and args[0] in ("new-session", "display-message"):
            raise RuntimeError(f"tmux {args[0]}: {p.stderr.decode(errors='replace').strip()}")
        return p.stdout.decode("utf-8", "replace")

    def start(self, argv, env):
        """argv in a new session with exactly env: (session name, pid)."""
        self.n += 1
        name = f"s{self.n}"
        cmd = ("exec env -i " + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) +
               " " + " ".join(shlex.quote(a) for a in argv))
        self.run("new-session", "-d", "-s", name, "-x", str(COLS), "-y", str(ROWS), cmd)
        pid = int(self.run("display-message", "-p", "-t", name, "#{pane_pid}").strip())
        self.pids.append((pid, argv[0]))
        return name, pid

    def capture(self, name):
        return self.run("capture-pane", "-p", "-t", name)

    def keys(self, name, *keys):
        self.run("send-keys", "-t", name, *keys)

    def type(self, name, text):
        self.run("send-keys", "-t", name, "-l", text)

    def kill(self):
        try:
            subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True,
                           env=self.env, timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
        # What was started in a pane is ours: end it by its pid if it lingers.
        for pid, exe in self.pids:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if not alive(pid) or not runs(pid, exe):
                    break
                try:
                    os.kill(pid, sig)
                except OSError:
                    break
                time.sleep(0.2)


def wait_for(pred, timeout, poll=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(poll)


def prompt_shown(screen):
    return any(l.rstrip() == ">" or l.startswith("> ") for l in screen.splitlines())


def tui_start(tm, env, args=(), timeout=10.0):
    """circuit on the screen in tmux, waiting for its prompt: (name, pid, secs)."""
    t0 = time.monotonic()
    name, pid = tm.start([BIN, *args], env)
    if not wait_for(lambda: prompt_shown(tm.capture(name)), timeout):
        raise RuntimeError("the screen did not show its prompt:\n" + tm.capture(name))
    return name, pid, time.monotonic() - t0


def runs(pid, exe):
    """pid is still the process we started from exe (not a pid reused since)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")[0] == exe.encode()
    except OSError:
        return False


def tui_quit(tm, name, pid):
    tm.keys(name, "C-d")
    if not wait_for(lambda: not alive(pid), 5.0) and runs(pid, BIN):
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
        wait_for(lambda: not alive(pid), 3.0)


def tui_prompt(tm, name, pid, route, k, text, timeout, window_after_arrival=None,
               samples=None):
    """Types text + Enter on the screen, waits for request k of route to end
    and circuit to go quiet: circuit's CPU seconds over the prompt (or from
    window_after_arrival seconds after the request arrived). samples, a
    list, gets (time, CPU seconds) about once a second while it streams."""
    c0 = proc_cpu(pid)
    tm.type(name, text)
    tm.keys(name, "Enter")
    if window_after_arrival is not None:
        if not route.wait_arrived(k, timeout):
            raise RuntimeError(f"no request reached the server:\n{tm.capture(name)}")
        d = route.arrivals[k] + window_after_arrival - time.monotonic()
        if d > 0:
            time.sleep(d)
        c0 = proc_cpu(pid)
    deadline = time.monotonic() + timeout
    while not route.wait_done(k, 1.0):
        if samples is not None and (c := proc_cpu(pid)) is not None:
            samples.append((time.monotonic(), c[0]))
        if time.monotonic() > deadline:
            raise RuntimeError(f"the stream did not end in {timeout:.0f} s:\n"
                               f"{tm.capture(name)}")
    settle(pid)
    c1 = proc_cpu(pid)
    if c0 is None or c1 is None:
        raise RuntimeError("circuit went away")
    return c1[0] - c0[0], c1[1] - c0[1]


# ---- k: Markdown on the screen -------------------------------------------------

MD_BLOCK = ("## Section {i}\n\nSome **bold** words, an *aside* and `code()` in a paragraph "
            "that goes on for a while before it ends.\n\n```python\ndef f{i}(x):\n"
            "    # a comment\n    return x * {i} + len(\"text\")\n```\n\n"
            "| name | value |\n|---|---:|\n| item {i} | {i} |\n| other | 22 |\n\n"
            "- first point\n- second point with `code`\n\n")


def md_pieces(n, size=6):
    """n pieces of a Markdown-heavy reply, size characters each."""
    text, i = "", 0
    while len(text) < n * size:
        text += MD_BLOCK.format(i=i)
        i += 1
    return [text[k * size:(k + 1) * size] for k in range(n)]


def md_events(pieces):
    return (OA_HEAD.encode(), [(OA_CHUNK % json.dumps(t)[1:-1]).encode() for t in pieces],
            OA_TAIL.encode())


def bench_paced_md(srv, tmp, tm):
    n = PACED_EVENTS
    one = openai_events(words(1))
    many = md_events(md_pieces(n))
    home = os.path.join(tmp, "paced-md")
    os.makedirs(home, exist_ok=True)
    per = {}
    for mode in ("md", "raw"):
        rt = srv.add(Route(plan=[one, many], pace=0.001))
        name, pid, _ = tui_start(tm, circuit_env(home, srv, rt), ["-m", "gpt-4o-mini"])
        settle(pid)
        if mode == "raw":
            tm.type(name, "/render raw")
            tm.keys(name, "Enter")
            settle(pid)
        c1, _ = tui_prompt(tm, name, pid, rt, 0, "hi", 10)
        cn, _ = tui_prompt(tm, name, pid, rt, 1, "go", 30)
        tui_quit(tm, name, pid)
        srv.drop(rt)
        per[mode] = (cn - c1) / (n - 1) * 1e6
    ru1 = srv.add(Route(plan=[one]))
    run_ = srv.add(Route(plan=[many], pace=0.001))

    def curl_cpu(route, tag, timeout):
        out = os.path.join(home, f"curl-{tag}.json")
        tm.start([sys.executable, os.path.abspath(__file__), "--exec-measured", out, "--",
                  shutil.which("curl"), *curl_argv(srv.base(route) + "/chat/completions")[1:]],
                 clean_env(home))
        if not wait_for(lambda: os.path.exists(out), timeout):
            raise RuntimeError("curl in tmux did not finish")
        with open(out) as f:
            return json.load(f)["cpu"]

    u1 = statistics.median(curl_cpu(ru1, f"one{i}", 15) for i in range(3))
    ue = (curl_cpu(run_, "many", 30) - u1) / (n - 1) * 1e6
    srv.drop(ru1)
    srv.drop(run_)
    md, raw = per["md"], per["raw"]
    figure("paced-md-tui", f"{md:.1f} µs/event",
           [("raw view", f"{raw:.1f}"), ("curl-in-tmux", f"{ue:.1f}")],
           f"{md / raw:.2f}× raw, {md / ue:.2f}× curl" if raw > 0 and ue > 0 else "-",
           "≤1.5× raw, ≤2.5× curl", raw > 0 and ue > 0 and md / raw <= 1.5 and md / ue <= 2.5,
           f"{n} pieces of a Markdown reply (headings, emphasis, code blocks, tables, lists), "
           f"1 ms apart; circuit's CPU over the prompt minus a 1-event prompt's, rendered and "
           f"after /render raw; curl writing the same stream to a tmux pane")


# ---- output ------------------------------------------------------------------

def si(v, digits=3):
    """267k, 12.1M, 1.20M"""
    if v is None:
        return "-"
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            x = v / div
            return (f"{x:.{max(0, digits - len(str(int(x))))}f}").rstrip(".") + suf \
                if x < 100 else f"{x:.0f}{suf}"
    return f"{v:.{max(0, digits - len(str(int(v))))}f}" if v < 100 else f"{v:.0f}"


RESULTS = {"pass": 0, "fail": 0, "skip": 0}


def figure(name, circuit, peers=(), ratio=None, target="", ok=None, note=""):
    """One line: name, circuit's value, the floor's and the peers', ratio,
    target, verdict; an indented note below when there is one."""
    parts = [f"{name:<18}", f"circuit {circuit}"]
    parts += [f"{label} {val}" for label, val in peers]
    if ratio is not None:
        parts.append(f"ratio {ratio}")
    if target:
        parts.append(f"(target {target})")
    verdict = "" if ok is None else ("PASS" if ok else "FAIL")
    if ok is not None:
        RESULTS["pass" if ok else "fail"] += 1
    print("  ".join(parts) + ("  " + verdict if verdict else ""), flush=True)
    if note:
        for line in note.splitlines():
            print(f"{'':<20}{line}", flush=True)


def skipped(name, why):
    RESULTS["skip"] += 1
    print(f"{name:<18}  skip: {why}", flush=True)


def broken(name, why):
    RESULTS.setdefault("broken", []).append(name)
    print(f"{name:<18}  ERROR: {why}", flush=True)


# ---- the machine ---------------------------------------------------------------

def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, timeout=10).stdout.decode(
                errors="replace").splitlines()[0].strip()
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"

    cc = first_line([os.environ.get("CC", "cc"), "--version"])
    try:
        with open(os.path.join(ROOT, BUILD, "flags")) as f:
            opt = " ".join(w for w in f.read().split() if re.match(r"-O|-g$|-fsan", w))
    except OSError:
        opt = "?"
    print(f"machine: {os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, {cc}")
    print(f"tools:   {first_line(['curl', '--version'])[:60]}; tmux "
          f"{first_line(['tmux', '-V']).replace('tmux ', '') if shutil.which('tmux') else 'none'}; "
          f"node {first_line(['node', '--version']) if shutil.which('node') else 'none'}; "
          f"python {platform.python_version()}")
    print(f"binary:  {os.path.relpath(BIN, ROOT)} (built with {opt or '?'})")
    print(f"load:    {load()} (1/5/15 min) at start — a busy machine inflates the "
          f"wall-clock figures (d, e), less the CPU ones", flush=True)


def load():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


# ---- a, c: decode throughput and peak RSS ------------------------------------

def sdk_ready():
    if not shutil.which("node"):
        return "node not found"
    try:
        v = subprocess.run(["node", "--version"], capture_output=True, timeout=10).stdout
        if int(v.decode().lstrip("v").split(".")[0]) < 20:
            return f"node {v.decode().strip()} is older than the SDKs need (20)"
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return "node does not run"
    for pkg in ("openai", "@anthropic-ai/sdk"):
        if not os.path.exists(os.path.join(SDK_DIR, "node_modules", pkg, "package.json")):
            return (f"{pkg} not installed in build/sdk (tests/integration/"
                    f"test_sdk_fidelity.py installs the pinned SDKs there with npm ci)")
    return None


def curl_argv(url, model="gpt-4o-mini"):
    body = json.dumps({"model": model, "stream": True, "max_tokens": 1024,
                       "messages": [{"role": "user", "content": "hi"}]})
    return ["curl", "-sN", "--max-time", "120", "-X", "POST",
            "-H", "content-type: application/json", "-H", f"authorization: Bearer {KEY}",
            "-H", f"x-api-key: {KEY}", "-H", "anthropic-version: 2023-06-01",
            "--data-binary", body, url]


def circuit_env(home, srv, route, provider="openai", **extra):
    base = srv.base(route, provider)
    if provider == "openai":
        return clean_env(home, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=base, **extra)
    return clean_env(home, ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=base, **extra)


# Targets of (a) and (c), ratios to curl on the same bytes in the same run
# (docs/benchmarks.md says where each comes from).
DECODE_TARGET = {"openai": 12.0, "anthropic": 10.0}  # circuit's CPU, at most this × curl's
RSS_TARGET = 1.12       # circuit's peak RSS, at most this × curl's


def decode_rounds(route, clients, rounds):
    """One round under GNU time (the peak RSS), then `rounds` rounds, the
    clients taking turns in each: ({label: [CPU s]}, {label: peak MiB},
    {label: [the SDK's own in-stream CPU s]}, [errors])."""
    cpu, peak, extra, errors = {}, {}, {}, []
    for r in range(rounds + 1):
        for label, (argv, env) in clients.items():
            k = route.n
            p = Proc(argv, env, timeout=120, rss=r == 0,
                     stdout="capture" if label == "sdk" else None).wait()
            route.wait_done(k, 5)
            res = route.results.get(k, {})
            if not p.ok or not res.get("complete"):
                errors.append(f"{label}: {p.why() if not p.ok else 'stream cut'}")
                continue
            if label == "sdk":
                try:
                    out = json.loads(p.stdout().strip().splitlines()[-1])
                except (ValueError, IndexError):
                    errors.append(f"sdk: no result line: {p.stderr()[-200:]}")
                    continue
                if out["chunks"] != DECODE_CHUNKS:
                    errors.append(f"sdk: {out['chunks']} of {DECODE_CHUNKS} chunks")
                    continue
                extra.setdefault(label, []).append(out["stream_cpu_us"] / 1e6)
            if r == 0:
                if p.rss_mib is not None:
                    peak[label] = p.rss_mib
                continue
            cpu.setdefault(label, []).append(p.cpu)
    return cpu, peak, extra, errors


def decode_figure(provider, rounds, cpu, extra, errors):
    """The (a) line of one stream shape: circuit's CPU against curl's."""
    name = f"decode-{provider}"
    if "circuit" not in cpu or "curl" not in cpu:
        broken(name, "; ".join(errors) or "no round completed")
        return
    least = {k: min(v) for k, v in cpu.items()}
    rate = {k: DECODE_CHUNKS / v for k, v in least.items()}
    ratio = least["circuit"] / least["curl"]
    peers = [("curl", si(rate["curl"]))]
    if "sdk" in rate:
        peers.append(("openai-sdk" if provider == "openai" else "anthropic-sdk",
                      f"{si(rate['sdk'])} ({si(DECODE_CHUNKS / min(extra['sdk']))}"
                      f" from its request on)"))
    note = (f"chunks/CPU-s; {1e6 / rate['circuit']:.2f} µs/chunk against curl's "
            f"{1e6 / rate['curl']:.2f}; the least CPU of {rounds} interleaved rounds (wait4, the "
            f"whole process: circuit {' '.join(f'{x * 1e3:.0f}' for x in cpu['circuit'])} ms, "
            f"curl {' '.join(f'{x * 1e3:.0f}' for x in cpu['curl'])} ms)")
    if "sdk" in rate:
        note += (f"\ncircuit decodes {rate['circuit'] / rate['sdk']:.1f}× as many chunks per "
                 f"CPU-second as the SDK (node's own cpuUsage from its request on beside it)")
    if errors:
        note += "\nerrors: " + "; ".join(errors)
    target = DECODE_TARGET[provider]
    figure(name, f"{si(rate['circuit'])} chunks/CPU-s", peers, f"{ratio:.1f}× curl's CPU",
           f"≤{target:g}× curl", ratio <= target, note)


def rss_figure(provider, r):
    """The (c) line of one stream shape: circuit's peak RSS against curl's."""
    name = f"rss-{provider}"
    if "circuit" not in r or "curl" not in r:
        broken(name, "no figure (GNU time's report missing)")
        return
    peers = [("curl", f"{r['curl']:.1f}")]
    if "sdk" in r:
        peers.append(("openai-sdk" if provider == "openai" else "anthropic-sdk",
                      f"{r['sdk']:.1f}"))
    ratio = r["circuit"] / r["curl"]
    how = ("ru_maxrss, reported by GNU time" if TIME else "VmHWM sampled every 5 ms")
    figure(name, f"{r['circuit']:.1f} MiB", peers, f"{ratio:.2f}× curl",
           f"≤{RSS_TARGET:g}× curl", ratio <= RSS_TARGET,
           f"peak RSS over the 200 000-chunk stream ({how}); both link libcurl")


def bench_decode(srv, tmp, rounds):
    why_sdk = os.environ.get("BENCH_NO_SDK") and "BENCH_NO_SDK is set" or sdk_ready()
    if why_sdk is not None:
        skipped("sdk-peers", f"node — {why_sdk}")
    home = os.path.join(tmp, "decode")
    os.makedirs(home, exist_ok=True)
    rss = {}
    for provider, model, build in (("openai", "gpt-4o-mini", openai_body),
                                   ("anthropic", "claude-sonnet-4-5", anthropic_body)):
        route = srv.add(Route(body=build(DECODE_CHUNKS)))
        base = srv.base(route, provider)
        url = base + ("/chat/completions" if provider == "openai" else "/v1/messages")
        clients = {"circuit": ([BIN, "-p", "hi", "--no-history", "-m", model],
                               circuit_env(home, srv, route, provider)),
                   "curl": (curl_argv(url, model), clean_env(home))}
        if why_sdk is None:
            clients["sdk"] = (["node", SDK_SCRIPT, SDK_DIR, provider, base], clean_env(home))
        cpu, rss[provider], extra, errors = decode_rounds(route, clients, rounds)
        srv.drop(route)
        del route
        decode_figure(provider, rounds, cpu, extra, errors)
    for provider, r in rss.items():
        rss_figure(provider, r)


# ---- b: CPU per paced event ----------------------------------------------------

PACED_EVENTS = 5000


def pacing_note(results):
    ev = sum(r.get("events", 0) for r in results)
    late = sum(r.get("late", 0) for r in results)
    worst = max((r.get("worst_lag", 0) for r in results), default=0)
    return f"server pacing: {100.0 * (ev - late) / ev if ev else 0:.1f}% of events within " \
           f"1 ms of schedule, worst {worst * 1e3:.1f} ms late"


def bench_paced(srv, tmp, tm):
    home = os.path.join(tmp, "paced")
    os.makedirs(home, exist_ok=True)
    n = PACED_EVENTS
    one = openai_events(words(1))
    many = openai_events(words(n))

    # Headless: a 1-event run of each (the fixed cost: start-up, request, exit),
    # then the paced runs of circuit and curl side by side.
    r_c1 = srv.add(Route(plan=[one]))
    r_u1 = srv.add(Route(plan=[one]))
    r_cn = srv.add(Route(plan=[many], pace=0.001))
    r_un = srv.add(Route(plan=[many], pace=0.001))
    circ = lambda r: Proc([BIN, "-p", "hi", "--no-history", "-m", "gpt-4o-mini"],
                          circuit_env(home, srv, r), timeout=60)
    curl = lambda r: Proc(curl_argv(srv.base(r) + "/chat/completions"), clean_env(home),
                          timeout=60)
    base_c = [circ(r_c1).wait() for _ in range(3)]
    base_u = [curl(r_u1).wait() for _ in range(3)]
    pc, pu = wait_all([circ(r_cn), curl(r_un)])
    bad = [p.why() for p in base_c + base_u + [pc, pu] if not p.ok]
    if bad:
        broken("paced-headless", "; ".join(bad))
    else:
        c1 = statistics.median(p.cpu for p in base_c)
        u1 = statistics.median(p.cpu for p in base_u)
        ce = (pc.cpu - c1) / (n - 1) * 1e6
        ue = (pu.cpu - u1) / (n - 1) * 1e6
        figure("paced-headless", f"{ce:.1f} µs/event", [("curl", f"{ue:.1f}")],
               f"{ce / ue:.2f}× curl" if ue > 0 else "-", "≤1.5× curl",
               ue > 0 and ce / ue <= 1.5,
               f"{n} events 1 ms apart, CPU (wait4) minus a 1-event run's "
               f"(circuit {c1 * 1e3:.1f} ms, curl {u1 * 1e3:.1f} ms), over {n - 1}; "
               f"whole runs {pc.cpu * 1e3:.0f} / {pu.cpu * 1e3:.0f} ms\n"
               + pacing_note([r_cn.results.get(0, {}), r_un.results.get(0, {})]))
    for r in (r_c1, r_u1, r_cn, r_un):
        srv.drop(r)

    # On the screen: circuit in tmux, a 1-event prompt then an n-event one;
    # curl in another pane (its CPU from wait4 in a small wrapper), side by side.
    if tm is None:
        skipped("paced-tui", "tmux not found")
        return
    rt = srv.add(Route(plan=[one, many], pace=0.001))
    ru1 = srv.add(Route(plan=[one]))
    run_ = srv.add(Route(plan=[many], pace=0.001))
    thome = os.path.join(tmp, "paced-tui")
    os.makedirs(thome, exist_ok=True)
    try:
        name, pid, _ = tui_start(tm, circuit_env(thome, srv, rt), ["-m", "gpt-4o-mini"])
        settle(pid)
        c1, _ = tui_prompt(tm, name, pid, rt, 0, "hi", 10)

        def curl_pane(route, tag):
            out = os.path.join(thome, f"curl-{tag}.json")
            tm.start([sys.executable, os.path.abspath(__file__), "--exec-measured", out, "--",
                      shutil.which("curl"), *curl_argv(srv.base(route) + "/chat/completions")[1:]],
                     clean_env(thome))
            return out

        def curl_result(out, timeout):
            if not wait_for(lambda: os.path.exists(out), timeout):
                raise RuntimeError("curl in tmux did not finish")
            with open(out) as f:
                return json.load(f)

        u1 = [curl_result(curl_pane(ru1, f"one{i}"), 15)["cpu"] for i in range(3)]
        out_n = curl_pane(run_, "many")
        samples = []
        cn, cn_ticks = tui_prompt(tm, name, pid, rt, 1, "go", 30, samples=samples)
        un = curl_result(out_n, 30)
        tui_quit(tm, name, pid)
        u1m = statistics.median(u1)
        ce = (cn - c1) / (n - 1) * 1e6
        ue = (un["cpu"] - u1m) / (n - 1) * 1e6
        figure("paced-tui", f"{ce:.1f} µs/event", [("curl-in-tmux", f"{ue:.1f}")],
               f"{ce / ue:.2f}× curl" if ue > 0 else "-", "≤2.5× curl",
               ue > 0 and ce / ue <= 2.5,
               f"circuit's CPU (/proc schedstat, all threads) over the {n}-event prompt "
               f"minus a 1-event prompt's ({c1 * 1e3:.1f} ms), over {n - 1}; "
               f"/proc/PID/stat: {cn_ticks} ticks for the {n}-event prompt; "
               f"curl writing the raw stream to a tmux pane\n"
               + per_second(samples)
               + pacing_note([rt.results.get(1, {}), run_.results.get(0, {})]))
    except (RuntimeError, OSError, ValueError, KeyError) as e:
        broken("paced-tui", str(e))
    for r in (rt, ru1, run_):
        srv.drop(r)


def per_second(samples):
    """'each second of the stream: a, b, c µs/event' from (time, CPU) samples
    taken about a second apart while 1 000 events a second arrive."""
    rates = [(c1 - c0) / (t1 - t0) / 1000 * 1e6
             for (t0, c0), (t1, c1) in zip(samples, samples[1:]) if t1 - t0 > 0.5]
    if not rates:
        return ""
    return ("circuit, second by second of the stream: " + ", ".join(f"{r:.0f}" for r in rates)
            + " µs/event (the reply is one paragraph: it has no newline)\n")


# ---- d: start-up -----------------------------------------------------------------

# Targets of (d), issue 15: ratios to the floor started the same way in the
# same run, medians of STARTUP_RUNS runs each, the two taking turns.
STARTUP_RUNS = 21
START_HEADLESS_TARGET = 1.3   # execve to the request: at most this × curl's
START_FRAME_TARGET = 2.0      # execve to the first frame: at most this × clear(1)'s first byte


def ms_list(v):
    return " ".join(f"{x * 1e3:.1f}" for x in v)


def bench_startup(srv, tmp, runs=STARTUP_RUNS):
    home = os.path.join(tmp, "start")
    os.makedirs(home, exist_ok=True)
    route = srv.add(Route(plan=[openai_events(words(1))]))
    circ = ([BIN, "-p", "hi", "--no-history", "-m", "gpt-4o-mini"],
            circuit_env(home, srv, route))
    curl = ([shutil.which("curl"), *curl_argv(srv.base(route) + "/chat/completions")[1:]],
            clean_env(home))
    times = {"circuit": [], "curl": []}
    for i in range(runs + 1):
        for label, (argv, env) in (("circuit", circ), ("curl", curl)):
            k = route.n
            pid, t_exec = spawn_stamped(argv, env)
            got = route.wait_arrived(k, 10)
            reap(pid, 10, term=False)
            if got and i > 0:              # the first round warms the page cache
                times[label].append(route.arrivals[k] - t_exec)
    srv.drop(route)
    if not times["circuit"] or not times["curl"]:
        broken("start-headless", "no request reached the server")
    else:
        c = statistics.median(times["circuit"])
        u = statistics.median(times["curl"])
        figure("start-headless", f"{c * 1e3:.1f} ms", [("curl", f"{u * 1e3:.1f}")],
               f"{c / u:.2f}× curl", f"≤{START_HEADLESS_TARGET:g}× curl",
               c / u <= START_HEADLESS_TARGET,
               f"execve to the request line read by the loopback server, medians of "
               f"{len(times['circuit'])} / {len(times['curl'])} runs taking turns "
               f"(min {min(times['circuit']) * 1e3:.1f} / {min(times['curl']) * 1e3:.1f})")
    startup_tui(srv, tmp, runs)


def startup_tui(srv, tmp, runs):
    """(d) on the screen: circuit in a pty to its first byte and to its first
    frame with the prompt, clear(1) to its first byte, taking turns."""
    thome = os.path.join(tmp, "start-tui")
    os.makedirs(thome, exist_ok=True)
    route = srv.add(Route(plan=[openai_events(words(1))]))
    tenv = circuit_env(thome, srv, route)
    floor = shutil.which("clear")
    first, frame, floor_first = [], [], []
    for i in range(runs + 1):
        t = pty_first_paint([BIN, "-m", "gpt-4o-mini"], tenv, marker=b"> ")
        if t is not None and i > 0:        # round 0 also creates the history file
            first.append(t[0])
            if t[1] is not None:
                frame.append(t[1])
        if floor:
            f = pty_first_paint([floor], clean_env(thome), marker=None)
            if f is not None and i > 0:
                floor_first.append(f[0])
    srv.drop(route)
    if not first or not floor_first:
        broken("start-tui", "no output from circuit in a pty" if not first else
               "no output from clear(1) in a pty (the floor)")
        return
    fl = statistics.median(floor_first)
    b = statistics.median(first)
    peers = [("clear(1)", f"{fl * 1e3:.1f}")]
    figure("start-tui-byte", f"{b * 1e3:.1f} ms", peers, f"{b / fl:.2f}× clear", "", None,
           f"execve to the first byte on the pty, median of {len(first)} (no target of its "
           f"own: the frame's bounds it); clear(1), an ncurses program's start and one "
           f"write, runs {ms_list(sorted(floor_first))} ms")
    if not frame:
        broken("start-tui-frame", "the prompt never showed")
        return
    fr = statistics.median(frame)
    figure("start-tui-frame", f"{fr * 1e3:.1f} ms", peers, f"{fr / fl:.2f}× clear",
           f"≤{START_FRAME_TARGET:g}× clear", fr / fl <= START_FRAME_TARGET,
           f"execve to the first frame with the \"> \" prompt, median of {len(frame)} "
           f"(history on, in a temporary XDG_DATA_HOME; min {min(frame) * 1e3:.1f}), "
           f"against clear(1)'s first byte in a pty the same way")


def pty_first_paint(argv, env, marker, timeout=5.0):
    """(seconds to the first byte, seconds to the output holding marker) of
    argv started in a fresh pty, from its execve. It is then ended."""
    m, s = os.openpty()
    fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    pid, t_exec = spawn_stamped(argv, env, tty=(m, s))
    os.close(s)
    first = found = None
    buf = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and (found is None and marker is not None
                                               or first is None):
            r, _, _ = select.select([m], [], [], 0.05)
            if not r:
                continue
            try:
                d = os.read(m, 65536)
            except OSError:
                break
            now = time.monotonic()
            if not d:
                break
            if first is None:
                first = now - t_exec
            buf += d
            if marker is not None and found is None and marker in buf:
                found = now - t_exec
    finally:
        drain_close(m, pid)
    return None if first is None else (first, found)


def drain_close(m, pid):
    """Ends our child pid on the pty master m (reading what it still writes)."""
    try:
        os.kill(pid, 15)
    except OSError:
        pass
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        p, _ = os.waitpid(pid, os.WNOHANG)
        if p:
            break
        r, _, _ = select.select([m], [], [], 0.02)
        if r:
            try:
                os.read(m, 65536)
            except OSError:
                pass
    else:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
        os.waitpid(pid, 0)
    os.close(m)


# ---- f: idle -----------------------------------------------------------------------

IDLE_SECONDS = 10.0


def idle_begin(srv, tmp, tm):
    home = os.path.join(tmp, "idle")
    os.makedirs(home, exist_ok=True)
    route = srv.add(Route(plan=[openai_events(words(12))]))
    name, pid, _ = tui_start(tm, circuit_env(home, srv, route), ["-m", "gpt-4o-mini"])
    # One reply first, so the idle screen is one after a conversation.
    tui_prompt(tm, name, pid, route, 0, "hi", 10)
    time.sleep(0.5)
    return {"name": name, "pid": pid, "t0": time.monotonic(), "cpu": proc_cpu(pid),
            "sw": proc_switches(pid), "route": route}


def idle_end(srv, tm, st):
    d = IDLE_SECONDS - (time.monotonic() - st["t0"])
    if d > 0:
        time.sleep(d)
    secs = time.monotonic() - st["t0"]
    cpu, sw = proc_cpu(st["pid"]), proc_switches(st["pid"])
    tui_quit(tm, st["name"], st["pid"])
    srv.drop(st["route"])
    if None in (cpu, sw, st["cpu"], st["sw"]):
        broken("idle-tui", "circuit went away")
        return
    ticks = cpu[1] - st["cpu"][1]
    ns = (cpu[0] - st["cpu"][0]) * 1e9
    vol, nvol = sw[0] - st["sw"][0], sw[1] - st["sw"][1]
    figure("idle-tui", f"{vol + nvol} wakeups ({vol} voluntary + {nvol} involuntary "
           f"context switches)", [], None, "zero wakeups", vol + nvol == 0,
           f"{secs:.1f} s with the screen open after one reply, nothing streaming: "
           f"{ticks} CPU ticks (/proc/PID/stat), {ns / 1e3:.0f} µs run time (schedstat)")


# ---- g: render cost against the transcript's length -----------------------------

TRANSCRIPT_GEN = 1  # bump when the generated history changes


def make_history(srv, tmp, lines, per_message):
    """A history.db whose one conversation has `lines` text lines (none wraps
    at COLS): created by circuit itself (schema, the first exchange), then
    filled by cloning its rows with longer texts. Cached in build/bench/."""
    seed_home = os.path.join(tmp, f"seed-{lines}")
    os.makedirs(seed_home, exist_ok=True)
    route = srv.add(Route(plan=[openai_events(words(12))]))
    p = Proc([BIN, "-p", "hello", "-m", "gpt-4o-mini"], circuit_env(seed_home, srv, route),
             timeout=20).wait()
    srv.drop(route)
    if not p.ok:
        raise RuntimeError("circuit -p (to create the history): " + p.why())
    db = os.path.join(seed_home, "data", "circuit", "history.db")
    con = sqlite3.connect(db)
    version = con.execute("PRAGMA user_version").fetchone()[0]
    con.close()
    cached = os.path.join(CACHE_DIR, f"suite-history-{lines}-v{version}-g{TRANSCRIPT_GEN}.db")
    if os.path.exists(cached):
        return cached, False
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = con.execute("SELECT * FROM messages ORDER BY id").fetchall()
    user = dict(next(r for r in rows if r["role"] == "user"))
    reply = dict(next(r for r in rows if r["role"] == "assistant"))
    conv = user["conv"]
    cols = [c for c in user.keys() if c != "id"]
    sql = f"INSERT INTO messages ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})"
    con.execute("PRAGMA synchronous = OFF")
    made = 0
    i = 0
    with con:
        while made < lines:
            i += 1
            q = dict(user, text=f"question {i}: go on", raw=f"question {i}: go on".encode())
            q["text_bytes"] = len(q["text"])
            n = min(per_message, lines - made)
            body = "\n".join(f"{i:04d}.{j:05d} the quick brown fox jumps over the lazy dog"
                             for j in range(n))
            a = dict(reply, text=body, raw=b"", text_bytes=len(body.encode()))
            con.execute(sql, [q[c] for c in cols])
            con.execute(sql, [a[c] for c in cols])
            made += n + 1
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    os.makedirs(CACHE_DIR, exist_ok=True)
    shutil.copyfile(db, cached + ".tmp")
    os.replace(cached + ".tmp", cached)
    return cached, True


def bench_transcript(srv, tmp, tm, dbs):
    n = 2000
    per = {}
    notes = []
    for label, db in dbs:
        home = os.path.join(tmp, f"long-{label}")
        os.makedirs(os.path.join(home, "data", "circuit"), exist_ok=True)
        shutil.copyfile(db, os.path.join(home, "data", "circuit", "history.db"))
        route = srv.add(Route(plan=[openai_events(words(n))], pace=0.001, delay=0.4))
        try:
            name, pid, start = tui_start(tm, circuit_env(home, srv, route),
                                         ["-m", "gpt-4o-mini", "--resume"], timeout=60)
            settle(pid, timeout=10)
            # /new: the thread stays on the screen, the request carries only
            # the new prompt (else it would carry the whole transcript).
            tm.type(name, "/new")
            tm.keys(name, "Enter")
            settle(pid)
            cpu, _ = tui_prompt(tm, name, pid, route, 0, "go", 30, window_after_arrival=0.2)
            rss = 0.0
            try:
                with open(f"/proc/{pid}/status") as f:
                    rss = next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024
            except (OSError, StopIteration):
                pass
            tui_quit(tm, name, pid)
            per[label] = cpu / n * 1e6
            notes.append(f"{label}: {per[label]:.1f} µs/token, --resume to the prompt "
                         f"{start * 1e3:.0f} ms, peak RSS {rss:.0f} MiB")
        except (RuntimeError, OSError) as e:
            broken(f"render-{label}", str(e))
        srv.drop(route)
    if len(per) == 2:
        a, b = per["1k"], per["1M"]
        figure("render-1M-vs-1k", f"{b:.1f} µs/token (1M lines)", [("1k lines", f"{a:.1f}")],
               f"{b / a:.2f}", "≤1.2×", b / a <= 1.2,
               f"{n} tokens 1 ms apart after --resume and /new; circuit's CPU from 0.2 s "
               f"after the request to the end\n" + "\n".join(notes))


# ---- h: 64 streams ---------------------------------------------------------------

MANY_ROUNDS = 2
MANY_TARGET = 0.7       # circuit's share of a core, at most this × 64 curls'


def bench_many(srv, tmp):
    """4 headless --compare runs of 16 models (--compare's most) at once, and
    64 curl processes at once, each stream n tokens 10 ms apart, the two
    batches taking turns MANY_ROUNDS times. The share of a core: CPU (wait4)
    over the wall time, summed over the rounds; also without each process's
    fixed cost (start-up, request, exit: a 1-token run's CPU), which is most
    of curl's here (64 start-ups) and little of circuit's (4)."""
    home = os.path.join(tmp, "many")
    os.makedirs(home, exist_ok=True)
    n = 500
    models = ",".join(f"openai:gpt-bench-{i}" for i in range(1, 17))
    circ = lambda r: Proc([BIN, "--compare", models, "-p", "hi", "--no-history"],
                          circuit_env(home, srv, r), timeout=60)
    curl = lambda r: Proc(curl_argv(srv.base(r) + "/chat/completions"), clean_env(home),
                          timeout=60)

    def batch(make, count):
        route = srv.add(Route(plan=[openai_events(words(n))], pace=0.010))
        t0 = time.monotonic()
        procs = wait_all([make(route) for _ in range(count)])
        wall = max(p.t1 for p in procs) - t0
        res = list(route.results.values())
        srv.drop(route)
        return procs, wall, res

    one = srv.add(Route(plan=[openai_events(words(1))]))
    base_c = statistics.median(p.cpu for p in wait_all([circ(one)]) + wait_all([circ(one)]))
    base_u = statistics.median(p.cpu for p in [curl(one).wait() for _ in range(3)])
    srv.drop(one)
    got = {"circuit": [0.0, 0.0, [], []], "curl": [0.0, 0.0, [], []]}  # CPU, wall, procs, res
    for _ in range(MANY_ROUNDS):
        for label, make, count in (("circuit", circ, 4), ("curl", curl, 64)):
            procs, wall, res = batch(make, count)
            g = got[label]
            g[0] += sum(p.cpu for p in procs)
            g[1] += wall
            g[2] += procs
            g[3] += res
    procs, curls = got["circuit"][2], got["curl"][2]
    bad = [p.why() for p in procs + curls if not p.ok]
    done = sum(1 for r in got["circuit"][3] if r.get("complete"))
    if bad or done != 64 * MANY_ROUNDS:
        broken("streams-64", "; ".join(bad[:3]) or
               f"{done} of {64 * MANY_ROUNDS} streams complete")
        return
    many_figure(n, got, base_c, base_u)


def many_figure(n, got, base_c, base_u):
    (cpu, wall, _, res), (ucpu, wall2, _, res2) = got["circuit"], got["curl"]
    k = MANY_ROUNDS
    share, ushare = cpu / wall * 100, ucpu / wall2 * 100
    mshare = (cpu - 4 * k * base_c) / wall * 100
    mushare = (ucpu - 64 * k * base_u) / wall2 * 100
    ratio = share / ushare
    figure("streams-64", f"{share:.1f}% of a core", [("64 curl", f"{ushare:.1f}%")],
           f"{ratio:.2f}× 64 curls' share", f"≤{MANY_TARGET:g}× curls", ratio <= MANY_TARGET,
           f"4 headless --compare runs of 16 models each (16 is --compare's most), {n} "
           f"tokens 10 ms apart per stream, {k} rounds taking turns with 64 curl processes: "
           f"{cpu * 1e3:.0f} ms of CPU (wait4) over {wall:.2f} s; the curls {ucpu * 1e3:.0f} ms "
           f"over {wall2:.2f} s\n"
           f"without each process's fixed cost (a 1-token run: circuit --compare "
           f"{base_c * 1e3:.1f} ms, curl {base_u * 1e3:.1f} ms): circuit {mshare:.1f}%, "
           f"curl {mushare:.1f}% ({mshare / mushare:.2f}×); per token "
           f"{(cpu - 4 * k * base_c) / (64 * k * n) * 1e6:.1f} µs vs "
           f"{(ucpu - 64 * k * base_u) / (64 * k * n) * 1e6:.1f} µs\n" + pacing_note(res + res2))


# ---- e: byte-to-glass ------------------------------------------------------------

ESC = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()*+][0-~]|[ -/]*[0-~])"
                 rb"|[\r\n\x07\x08\x0e\x0f]")


def first_seen(chunks, markers):
    """chunks: [(t, bytes)] as read from a pty. For each marker, the time of
    the read that completed its first appearance in the output with escape
    sequences and line breaks taken out (None if never)."""
    raw = b"".join(d for _, d in chunks)
    ends = []
    off = 0
    for _, d in chunks:
        off += len(d)
        ends.append(off)
    # The text between escape sequences: segments of raw, and where each
    # begins in raw and in the joined text.
    segs, raw_at, text_at = [], [], []
    pos = acc = 0
    for m in list(ESC.finditer(raw)) + [None]:
        stop = m.start() if m else len(raw)
        if stop > pos:
            segs.append(raw[pos:stop])
            raw_at.append(pos)
            text_at.append(acc)
            acc += stop - pos
        if m:
            pos = m.end()
    text = b"".join(segs)
    out = {}
    for mk in markers:
        i = text.find(mk)
        if i < 0:
            out[mk] = None
            continue
        last = i + len(mk) - 1
        seg = bisect.bisect_right(text_at, last) - 1
        raw_off = raw_at[seg] + (last - text_at[seg])
        ci = bisect.bisect_right(ends, raw_off)
        out[mk] = chunks[ci][0] if ci < len(chunks) else None
    return out


def read_pty(m, chunks, until, deadline):
    while time.monotonic() < deadline and not until():
        r, _, _ = select.select([m], [], [], 0.02)
        if not r:
            continue
        try:
            d = os.read(m, 65536)
        except OSError:
            return
        t = time.monotonic()
        if not d:
            return
        chunks.append((t, d))


LATENCY_ROUNDS = 2
LATENCY_TARGET = 3.0    # circuit's p99 byte-to-glass, at most this × curl -N's


def latency_run(srv, home, label, texts, pace):
    """One stream of texts, pace seconds apart, to circuit's screen or curl
    -N in a fresh pty: [send stamp to the pty read that completed the
    token's text, in s] of the tokens seen. RuntimeError if it did not end."""
    markers = [t.strip().encode() for t in texts]
    route = srv.add(Route(plan=[openai_events(texts)], pace=pace, delay=0.3))
    if label == "circuit":
        argv, env = [BIN, "-m", "gpt-4o-mini"], circuit_env(home, srv, route)
    else:
        argv = [shutil.which("curl"), *curl_argv(srv.base(route) + "/chat/completions")[1:]]
        env = clean_env(home)
    m, s = os.openpty()
    fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    pid, _ = spawn_stamped(argv, env, tty=(m, s))
    os.close(s)
    chunks = []
    try:
        if label == "circuit":
            read_pty(m, chunks, lambda: b"> " in b"".join(d for _, d in chunks[-4:]),
                     time.monotonic() + 10)
            time.sleep(0.3)
            os.write(m, b"go\r")
        read_pty(m, chunks, lambda: 0 in route.results, time.monotonic() + 30)
        # the last bytes: until 0.3 s of silence
        end = time.monotonic() + 0.3
        read_pty(m, chunks, lambda: False, end)
    finally:
        drain_close(m, pid)
    # The client can have read the last bytes and exited (its pty gone) before
    # the server's thread has recorded the end of the response.
    route.wait_done(0, 5)
    res = route.results.get(0)
    srv.drop(route)
    if not res or not res.get("complete"):
        raise RuntimeError(f"{label}: the stream did not complete ({res})")
    seen = first_seen(chunks, markers)
    return [seen[mk] - res["stamps"][i] for i, mk in enumerate(markers) if seen[mk] is not None]


def bench_latency(srv, tmp):
    n, pace = 600, 0.005
    texts = [f" k{i:05d}" for i in range(n)]
    home = os.path.join(tmp, "latency")
    os.makedirs(home, exist_ok=True)
    lat = {"circuit": [], "curl": []}
    runs = {"circuit": [], "curl": []}
    try:
        for _ in range(LATENCY_ROUNDS):
            for label in ("circuit", "curl"):
                got = latency_run(srv, home, label, texts, pace)
                lat[label] += got
                runs[label].append(len(got))
    except RuntimeError as e:
        broken("latency-tui", str(e))
        return
    c, u = lat["circuit"], lat["curl"]
    total = n * LATENCY_ROUNDS
    if len(c) < total * 0.5 or len(u) < total * 0.5:
        broken("latency-tui", f"tokens found on the pty: circuit {len(c)}/{total}, "
                              f"curl {len(u)}/{total}")
        return
    q = lambda v, p: sorted(v)[min(len(v) - 1, int(p * len(v)))] * 1e3
    cp50, cp99, up50, up99 = q(c, .5), q(c, .99), q(u, .5), q(u, .99)
    ratio = cp99 / up99 if up99 > 0 else float("inf")
    figure("latency-tui", f"p50 {cp50:.2f} ms p99 {cp99:.2f} ms",
           [("curl -N", f"p50 {up50:.2f} p99 {up99:.2f}")],
           f"p99 {ratio:.2f}× curl (p50 {cp50 / up50:.2f}×)" if up50 > 0 else "-",
           f"p99 ≤{LATENCY_TARGET:g}× curl", ratio <= LATENCY_TARGET,
           f"{LATENCY_ROUNDS} rounds of {n} tokens 5 ms apart each, circuit and curl taking "
           f"turns, pooled: the server's send stamp to the read of the pty that completes the "
           f"token's text (same monotonic clock); tokens seen per round: circuit "
           f"{'/'.join(map(str, runs['circuit']))}, curl {'/'.join(map(str, runs['curl']))} of "
           f"{n}; max circuit {max(c) * 1e3:.1f} ms, curl {max(u) * 1e3:.1f} ms")


# ---- i: history search -------------------------------------------------------------

def history_begin():
    if not os.path.exists(HISTORY_BENCH):
        return None
    return Proc([HISTORY_BENCH], dict(os.environ), timeout=300, stdout="capture")


HISTORY_SHAPES = 4   # rare, common, two, sparse


def history_end(p):
    """Waits for bench_history and reports its lines as figures."""
    if p is None:
        skipped("history-search", f"{os.path.relpath(HISTORY_BENCH, ROOT)} not built "
                                  f"(make {os.path.relpath(HISTORY_BENCH, ROOT)})")
        return
    p.wait()
    lines = p.stdout().splitlines()
    if p.timed_out or not lines:
        broken("history-search", p.why())
        return
    found = 0
    for line in lines:
        m = re.match(r"history search (\w+)\s+(.*?)\s+(\d+) hits\s+median\s+([\d.]+) ms\s+"
                     r"p95\s+([\d.]+) ms\s+\(CPU p95 ([\d.]+) ms\)\s+floor median ([\d.]+) ms\s+"
                     r"ratio ([\d.]+)x\s+\(target <=([\d.]+)x\)\s+(PASS|FAIL)", line)
        if m:
            shape, q, hits, med, p95, cp95, fl, ratio, target, verdict = m.groups()
            found += 1
            figure(f"search-{shape}", f"median {med} ms p95 {p95} ms (CPU p95 {cp95} ms)",
                   [("SQLite FTS5 alone", f"median {fl} ms")], f"{ratio}× the floor",
                   f"≤{target}× the floor", verdict == "PASS",
                   f"\"{q}\": {hits} hits, 100 000 messages; medians of 50 runs, each followed "
                   f"by the floor: the same words' rowids from the same index, on a second "
                   f"connection (no join, snippet or title)")
        elif line.startswith("history insert"):
            print(f"{'search-setup':<18}  {line.strip()[len('history '):]}", flush=True)
        else:
            m = re.match(r"history (sessions|load.*?)\s+(\d+ \w+)\s+median\s+([\d.]+) ms\s+p95\s+"
                         r"([\d.]+) ms", line)
            if m:
                figure(f"search-{m.group(1).split()[0]}", f"median {m.group(3)} ms p95 "
                       f"{m.group(4)} ms", [], None, "", None, f"{m.group(2)} (no target)")
    if found < HISTORY_SHAPES:
        broken("history-search", f"{found} of {HISTORY_SHAPES} search lines read; "
                                 f"{p.why() if p.rc else 'format changed?'}")


# ---- j: history writes ------------------------------------------------------------

HISTORY_RSS_TARGET = 1.5


def bench_history_write(srv, tmp):
    """bench_history_write's lines as figures, then the everyday case: the
    reply of (a) headless with the history on and off, taking turns."""
    if not os.path.exists(WRITE_BENCH):
        skipped("history-write", f"{os.path.relpath(WRITE_BENCH, ROOT)} not built")
    else:
        p = Proc([WRITE_BENCH], dict(os.environ), timeout=300, stdout="capture").wait()
        lines = [l for l in p.stdout().splitlines() if l.startswith("history write ")]
        if not p.ok or len(lines) < 3:
            broken("history-write", p.why())
        for line in lines:
            m = re.match(r"history write (\w+)\s+(.*?)\s+(PASS|FAIL)$", line)
            if m:
                figure(f"history-write-{m.group(1)}", m.group(2), ok=m.group(3) == "PASS",
                       note="a reply streamed in 4 KiB deltas, checkpointed every 2 MiB "
                            "and at its end, in a child; the floor: the same without a "
                            "history (bench_history_write.c)")
            elif line.startswith("history write file"):
                figure("history-write-file", line[len("history write file"):].strip())
    route = srv.add(Route(body=openai_body(DECODE_CHUNKS)))
    peaks = {"on": [], "off": []}
    try:
        for r in range(3):
            for label, extra in (("off", ["--no-history"]), ("on", [])):
                home = os.path.join(tmp, f"history-rss-{label}-{r}")
                os.makedirs(home, exist_ok=True)
                p = Proc([BIN, "-p", "hi", "-m", "gpt-4o-mini", *extra],
                         circuit_env(home, srv, route), timeout=120, rss=True).wait()
                if not p.ok or p.rss_mib is None:
                    broken("history-rss", p.why())
                    return
                peaks[label].append(p.rss_mib)
    finally:
        srv.drop(route)
    on, off = statistics.median(peaks["on"]), statistics.median(peaks["off"])
    figure("history-rss", f"{on:.1f} MiB", [("--no-history", f"{off:.1f}")],
           f"{on / off:.2f}× --no-history", f"≤{HISTORY_RSS_TARGET}× --no-history",
           on / off <= HISTORY_RSS_TARGET,
           f"peak RSS of circuit -p for the {DECODE_CHUNKS}-chunk reply of (a), the history "
           f"on (a fresh one) and off, medians of 3 taking turns: on "
           f"{'/'.join(f'{v:.1f}' for v in peaks['on'])}, off "
           f"{'/'.join(f'{v:.1f}' for v in peaks['off'])}")


# ---- the run ---------------------------------------------------------------------

def exec_measured(argv):
    """--exec-measured OUT -- CMD...: runs CMD on our stdio, writes its wait4
    figures to OUT (for curl in a tmux pane)."""
    out, cmd = argv[0], argv[2:]
    p = subprocess.Popen(cmd)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    with open(out + ".tmp", "w") as f:
        json.dump({"cpu": ru.ru_utime + ru.ru_stime, "rss_mib": ru.ru_maxrss / 1024,
                   "rc": p.returncode}, f)
    os.replace(out + ".tmp", out)
    return 0


ALL = "adbfghejik"


def main():
    if len(sys.argv) > 3 and sys.argv[1] == "--exec-measured":
        return exec_measured(sys.argv[2:])
    ap = argparse.ArgumentParser(description="circuit against the floor and the peers")
    ap.add_argument("--only", default=ALL, help="figures to run, e.g. a,b (default all)")
    ap.add_argument("--skip", default="", help="figures to leave out, e.g. i")
    ap.add_argument("--rounds", type=int, default=7,
                    help="rounds of (a) whose least CPU is kept (plus one for the RSS)")
    args = ap.parse_args()
    only, skip = set(args.only.replace(",", "")), set(args.skip.replace(",", ""))
    if not only <= set(ALL + "c") or not skip <= set(ALL + "c"):
        ap.error(f"figures are letters among {ALL}c")
    want = only - skip
    if "c" in want:
        want.add("a")
    if not os.access(BIN, os.X_OK):
        print(f"bench_suite: {BIN} not built (make)", file=sys.stderr)
        return 1
    if not shutil.which("curl"):
        print("bench_suite: curl not found (the floor)", file=sys.stderr)
        return 1
    sys.setswitchinterval(0.0005)
    t_start = time.monotonic()
    print("circuit bench suite (issue 8's figures, judged by ratios as issue 15 asks) — "
          + time.strftime("%Y-%m-%d %H:%M"))
    machine()
    print(flush=True)
    tmp = tempfile.mkdtemp(prefix="circuit-bench-")
    srv = BenchServer()
    tm = Tmux(tmp) if shutil.which("tmux") else None
    bin_stamp = os.stat(BIN).st_mtime

    def phase(name, fn, *a):
        """A phase that raises is reported and the run goes on (exit 1 at the end)."""
        try:
            return fn(*a)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as e:  # the harness broke: say where, go on with the rest
            import traceback
            tb = traceback.extract_tb(e.__traceback__)[-1]
            broken(name, f"{type(e).__name__}: {e} (bench_suite.py:{tb.lineno})")
            return None

    def need_tmux(name, fn, *a):
        if tm is None:
            skipped(name, "tmux not found")
            return None
        return phase(name, fn, *a)

    try:
        if "a" in want:
            phase("decode", bench_decode, srv, tmp, max(1, args.rounds))
        if "d" in want:
            phase("start", bench_startup, srv, tmp)
        if "b" in want:
            phase("paced", bench_paced, srv, tmp, tm)
        idle = need_tmux("idle-tui", idle_begin, srv, tmp, tm) if "f" in want else None
        dbs = None
        if "g" in want:                   # built while the idle screen is measured
            t = time.monotonic()
            small = phase("render-1M-vs-1k", make_history, srv, tmp, 1000, 100)
            big = small and phase("render-1M-vs-1k", make_history, srv, tmp, 1000000, 2000)
            if big:
                dbs = [("1k", small[0]), ("1M", big[0])]
                if big[1]:
                    print(f"{'':<20}(built the 1M-line history in {time.monotonic() - t:.1f} s;"
                          f" cached in {os.path.relpath(CACHE_DIR, ROOT)}/)", flush=True)
        if idle is not None:
            phase("idle-tui", idle_end, srv, tm, idle)
        if dbs:
            need_tmux("render-1M-vs-1k", bench_transcript, srv, tmp, tm, dbs)
        if "h" in want:
            phase("streams-64", bench_many, srv, tmp)
        if "e" in want:
            phase("latency-tui", bench_latency, srv, tmp)
        if "j" in want:
            phase("history-write", bench_history_write, srv, tmp)
        if "k" in want:
            need_tmux("paced-md-tui", bench_paced_md, srv, tmp, tm)
        if "i" in want:                   # last and alone: its figures are wall-clock
            phase("history-search", lambda: history_end(history_begin()))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1
    finally:
        if tm is not None:
            tm.kill()
        srv.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    if os.path.exists(BIN) and os.stat(BIN).st_mtime != bin_stamp:
        print(f"warning: {os.path.relpath(BIN, ROOT)} was rebuilt during the run: "
              f"the figures may mix two builds")
    print(f"{RESULTS['pass']} PASS, {RESULTS['fail']} FAIL, {RESULTS['skip']} skipped, "
          f"{len(RESULTS.get('broken', []))} not measured (ERROR), in "
          f"{time.monotonic() - t_start:.0f} s; load {load()} at the end")
    return 1 if RESULTS.get("broken") else 0


if __name__ == "__main__":
    sys.exit(main())
