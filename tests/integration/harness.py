# SPDX-License-Identifier: GPL-3.0-or-later
"""What the integration suites share: where things are, and the count.

Each suite calls check() for every assertion and ends with finish(), which
prints the one line tests/run-suites reads: "N passed, N failed"."""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, os.environ.get("CIRCUIT_BIN", "build/circuit"))
SERVER = os.path.join(ROOT, "tests", "server", "server.py")

_count = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    """One assertion: counted, and printed with its detail when it fails."""
    if ok:
        _count["passed"] += 1
    else:
        _count["failed"] += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
    return ok


def failures():
    return _count["failed"]


def finish():
    """Prints the closing line; returns the exit status."""
    print(f"{_count['passed']} passed, {_count['failed']} failed")
    return 1 if _count["failed"] else 0


POLL = 0.05  # how often a wait looks again


class LoopbackServer:
    """tests/server/server.py on a free 127.0.0.1 port, with its request log
    in log_dir. It ends by itself after max_seconds, or idle_seconds without
    a request, whatever happens to the suite."""

    def __init__(self, log_dir, max_seconds=300, idle_seconds=120, env=None):
        self.log = os.path.join(log_dir, "requests.jsonl")
        self.proc = subprocess.Popen([sys.executable, SERVER, "--port", "0", "--log", self.log,
                                      "--max-seconds", str(int(max_seconds)),
                                      "--idle-seconds", str(int(idle_seconds))],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"server did not start: {line!r}")
        self.port = int(line.split()[1])

    def alive(self):
        return self.proc.poll() is None

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def base(self, scenario=""):
        """The server's URL, scripted by scenario (tests/server/README.md)."""
        return f"http://127.0.0.1:{self.port}" + (f"/_s/{scenario}" if scenario else "")

    def requests(self):
        try:
            with open(self.log, encoding="utf-8") as f:
                # A line without its newline is still being written: next poll.
                return [json.loads(l) for l in f if l.endswith("\n") and l.strip()]
        except FileNotFoundError:
            return []

    def wait_request(self, index, timeout=5.0):
        """Request number index (0-based) once the log holds it, else None."""
        deadline = time.monotonic() + timeout
        while True:
            reqs = self.requests()
            if len(reqs) > index:
                return reqs[index]
            if time.monotonic() >= deadline:
                return None
            time.sleep(POLL)

    def wait_requests(self, n, timeout=5.0):
        """The log once it holds at least n requests (or what it holds at the deadline)."""
        deadline = time.monotonic() + timeout
        while True:
            reqs = self.requests()
            if len(reqs) >= n or time.monotonic() >= deadline:
                return reqs
            time.sleep(POLL)


RULE = "─"  # the row between the transcript (or columns) and the input


class Screen:
    """One capture of the screen, split as circuit lays it out: transcript
    (or the columns), the rule, the input pane, the status bar (last row).
    Suites subclass it with what they read from those parts."""

    def __init__(self, lines):
        self.lines = lines
        self.rule = None
        for i in range(len(lines) - 1, -1, -1):
            if lines[i] and set(lines[i]) == {RULE}:
                self.rule = i
                break
        r = self.rule if self.rule is not None else len(lines)
        self.transcript = lines[:r]
        self.input = lines[r + 1:-1] if self.rule is not None else []
        self.status = lines[-1] if lines else ""

    def __str__(self):
        return "\n" + "\n".join(f"  |{l}" for l in self.lines)

    def has(self, s):
        return any(s in l for l in self.lines)


def skip(reason):
    """A suite that cannot run here says so visibly and counts nothing."""
    print(f"skip: {reason}")
    print("0 passed, 0 failed")
    return 0
