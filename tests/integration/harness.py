# SPDX-License-Identifier: GPL-3.0-or-later
"""What the integration suites share: where things are, and the count.

Each suite calls check() for every assertion and ends with finish(), which
prints the one line tests/run-suites reads: "N passed, N failed"."""
import contextlib
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata

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


def finish(start=None):
    """Prints the closing line (after the time since start, a
    time.monotonic(), when given); returns the exit status."""
    if start is not None:
        print(f"({time.monotonic() - start:.1f} s)")
    print(f"{_count['passed']} passed, {_count['failed']} failed")
    return 1 if _count["failed"] else 0


# ---- running a suite's scenarios ------------------------------------------------

def require(tmux=False):
    """Ends the suite here (sys.exit) when it cannot run: no tmux (with
    tmux), a skip that counts nothing; no binary, one failed check."""
    if tmux and shutil.which("tmux") is None:
        sys.exit(skip("tmux not found"))
    if not os.path.exists(BIN):
        check("binary exists", False, BIN)
        sys.exit(finish())


def guarded(name, fn, *args, trace=False):
    """One scenario, fn(*args): an exception in it is one failed check
    (with its traceback when trace), and the suite goes on to the next."""
    try:
        fn(*args)
    except Exception as e:  # one broken scenario must not hide the rest
        if trace:
            traceback.print_exc()
        check(f"{name}: ran without an exception", False, f"{type(e).__name__}: {e}")


def run_named(tests, *args, only=(), trace=False):
    """Each scenario of tests (a dict name: fn, or (name, fn) pairs) as
    fn(*args), guarded; only: the names to run (empty: all)."""
    for name, fn in (tests.items() if isinstance(tests, dict) else tests):
        if only and name not in only:
            continue
        guarded(name, fn, *args, trace=trace)


def run_with_server(tests, prefix, server=None, only=(), trace=True):
    """main's scenarios fn(tmp, srv) sharing one temporary folder and one
    loopback server (server(tmp); None: a LoopbackServer) in it; returns
    finish()'s status, the time taken said before it."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        with (server or LoopbackServer)(tmp) as srv:
            run_named(tests, tmp, srv, only=only, trace=trace)
    return finish(start)


def run_each_in_tmp(tests, prefix, only=None, times=False):
    """main's scenarios (name, fn) each as fn(tmp) in a temporary folder of
    its own; only: a part of the names to run (None: all); times: each
    scenario's time said after it. Returns finish()'s status."""
    start = time.monotonic()
    for name, fn in tests:
        if only and only not in name:
            continue
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            t0 = time.monotonic()
            guarded(name, fn, tmp)
            if times:
                print(f"  {name}: {time.monotonic() - t0:.1f} s")
    return finish(start)


def exit_after(main, private):
    """sys.exit with main()'s status, the folder private removed first
    whatever main does (a suite's HOME made at import)."""
    try:
        rc = main()
    finally:
        shutil.rmtree(private, ignore_errors=True)
    sys.exit(rc)


POLL = 0.05  # how often a wait looks again


def wait_until(pred, timeout=5.0):
    """Polls pred() every POLL s: its first true value, or its last value
    when the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(POLL)


def db_rows(db, sql, args=(), then=None):
    """sql's rows as dicts, read with a read-only connection of our own,
    closed at once ([] while db is not there); then(con, rows), if given,
    runs before it closes."""
    if not os.path.exists(db):
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        con.row_factory = sqlite3.Row
        rows = [dict(r) for r in con.execute(sql, args).fetchall()]
        if then is not None:
            then(con, rows)
        return rows
    finally:
        con.close()


class LoopbackServer:
    """tests/server/server.py on a free 127.0.0.1 port, with its request log
    in log_dir (None: a temporary folder of its own, self.dir, removed by
    close). It ends by itself after max_seconds, or idle_seconds without a
    request, whatever happens to the suite. A with-block closes it."""

    def __init__(self, log_dir=None, max_seconds=300, idle_seconds=120, env=None):
        self._tmp = tempfile.TemporaryDirectory() if log_dir is None else None
        self.dir = self._tmp.name if self._tmp else log_dir
        self.log = os.path.join(self.dir, "requests.jsonl")
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
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

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

    def __init__(self, lines, cols=None):
        self.lines = lines
        self.cols = cols
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


# ---- display width (tmux puts a wide character in two cells) --------------------

def char_width(ch):
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def width(s):
    return sum(char_width(c) for c in s)


# ---- comparing wrapped text ----------------------------------------------------

def follow(lines, text):
    """How far the wrapped rows `lines` follow `text`: each row must be the
    next piece of text, only the spaces (or newline) at a break left out.
    Returns the offset reached, or -1 when a row is not the next piece."""
    pos = 0
    for ln in lines:
        while pos < len(text) and text[pos] in " \n":
            pos += 1
        ln = ln.rstrip(" ")  # capture-pane drops trailing blanks anyway
        if not text.startswith(ln, pos):
            return -1
        pos += len(ln)
    return pos


def wraps_to(lines, text):
    """The rows are all of text, in order, nothing doubled or lost."""
    pos = follow(lines, text)
    return pos >= 0 and text[pos:].strip(" \n") == ""


def strict_prefix(lines, text):
    """The rows show a non-empty beginning of text, but not all of it."""
    pos = follow(lines, text)
    return pos > 0 and text[pos:].strip(" \n") != ""


# A time as util/units writes it: "412ms", "12.3s", "125s".
MS = r"(?:\d+ms|\d+\.\ds|\d+s)"


def done_label(line):
    """A finished reply's label line: no longer streaming, its timings shown
    (tok/s and the token count follow; the full form is checked on its own)."""
    return (line is not None and "streaming…" not in line
            and re.search(r"  " + MS + r"\b", line) is not None)


# ---- tmux -----------------------------------------------------------------------

class Tmux:
    """A private tmux server: its own socket and configuration, none of the
    user's, its files under tmp. Its panes read a capture as screen(lines,
    cols). A pane's shell prints "EXITED rc=N" when circuit ends and stays
    linger seconds, so the last screen can still be read."""

    def __init__(self, tmp, tag, screen=Screen, home=None, history=2000, conf_extra="",
                 linger=5):
        self.sock = f"circuit-{tag}-{os.getpid()}"
        self.conf = os.path.join(tmp, f"tmux-{tag}.conf")
        with open(self.conf, "w") as f:
            # No status line: the pane is the whole window.
            f.write("set -g status off\nset -g default-shell /bin/sh\n"
                    f"set -g history-limit {history}\n{conf_extra}")
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home or tmp,
                    "LANG": "C.UTF-8", "TERM": "xterm-256color", "TMUX_TMPDIR": tmp}
        self.screen = screen
        self.linger = linger
        self.n = 0

    def run(self, *args, check_rc=False):
        p = subprocess.run(["tmux", "-u", "-L", self.sock, "-f", self.conf, *args],
                           capture_output=True, env=self.env, timeout=15)
        if check_rc and p.returncode != 0:
            raise RuntimeError(f"tmux {args[0]}: {p.stderr.decode('utf-8', 'replace').strip()}")
        return p.returncode, p.stdout.decode("utf-8", "replace")

    def kill(self):
        try:
            subprocess.run(["tmux", "-L", self.sock, "-f", self.conf, "kill-server"],
                           capture_output=True, env=self.env, timeout=15)
        except subprocess.TimeoutExpired:
            pass

    def pane(self, cols, rows, env, args=(), exe=BIN):
        """circuit in a new session of cols x rows, with exactly env."""
        cmd = ("env -i " + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) + " " +
               " ".join(shlex.quote(a) for a in [exe, *args]) +
               f"; echo EXITED rc=$?; sleep {self.linger}")
        return self.raw_pane(cols, rows, cmd)

    def raw_pane(self, cols, rows, cmd):
        """A new session of cols x rows running the shell command cmd."""
        self.n += 1
        name = f"s{self.n}"
        self.run("new-session", "-d", "-s", name, "-x", str(cols), "-y", str(rows), cmd,
                 check_rc=True)
        return Pane(self, name, cols)

    def buffers(self):
        """Every tmux paste buffer's contents."""
        _, names = self.run("list-buffers", "-F", "#{buffer_name}")
        out = []
        for n in names.split():
            _, body = self.run("show-buffer", "-b", n)
            out.append(body)
        return out


@contextlib.contextmanager
def tmux_and_server(tmp, tag, screen=Screen, server=None, **tmux_args):
    """A private tmux server (Tmux(tmp, tag, screen, **tmux_args)) and a
    loopback server (server(tmp); None: a LoopbackServer) for a with-block,
    as (tm, srv): both ended after it, whatever happens in it."""
    tm = Tmux(tmp, tag, screen, **tmux_args)
    srv = None
    try:
        srv = (server or LoopbackServer)(tmp)
        yield tm, srv
    finally:
        tm.kill()
        if srv is not None:
            srv.close()


def pid_children(pid):
    """Direct children of pid: (pid, state, comm)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold blanks, so split after ')'.
        rp = st.rfind(")")
        fields = st[rp + 2:].split()
        try:
            if int(fields[1]) == pid:
                out.append((int(d), fields[0], st[st.find("(") + 1:rp]))
        except (IndexError, ValueError):
            continue
    return out


class Pane:
    """One tmux session running circuit: what the screen shows, keys typed."""

    def __init__(self, tmux, name, cols):
        self.tmux = tmux
        self.name = name
        self.cols = cols

    def capture(self, escapes=False):
        """The screen's rows; with escapes, the SGR sequences of colours and
        attributes kept in them (capture-pane -e)."""
        _, out = self.tmux.run("capture-pane", "-p", *(["-e"] if escapes else []),
                               "-t", self.name)
        lines = out.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return lines

    def screen(self):
        return self.tmux.screen(self.capture(), self.cols)

    def text(self, s):
        """Types s as it is (no key names)."""
        self.tmux.run("send-keys", "-t", self.name, "-l", s)

    def keys(self, *names):
        """Presses tmux key names: "Enter", "C-c", "PPage"..."""
        self.tmux.run("send-keys", "-t", self.name, *names)

    def send(self, s):
        """Types s and presses Enter."""
        self.text(s)
        self.keys("Enter")

    def resize(self, cols, rows):
        self.tmux.run("resize-window", "-t", self.name, "-x", str(cols), "-y", str(rows))
        self.cols = cols

    def fmt(self, f):
        """A tmux format of the pane ("#{pane_pid}")."""
        _, out = self.tmux.run("display-message", "-p", "-t", self.name, f)
        return out.rstrip("\n")

    def circuit_pid(self):
        """The circuit process under the pane's shell (env execs it; an
        interactive shell in the pane runs it a level deeper), or None."""
        try:
            level = [int(self.fmt("#{pane_pid}"))]
        except ValueError:
            return None
        for _ in range(3):
            kids = [k for pid in level for k in pid_children(pid)]
            for pid, _, comm in kids:
                if comm == "circuit":
                    return pid
            level = [pid for pid, _, _ in kids]
        return None

    def wait_for(self, pred, timeout=5.0):
        """Polls the screen every POLL s until pred(screen) holds: (True,
        screen), or (False, the last screen) when the deadline passes. A
        predicate that trips on a half-drawn screen counts as false."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            try:
                ok = pred(s)
            except (IndexError, ValueError, KeyError, TypeError, AttributeError):
                ok = False
            if ok:
                return True, s
            if time.monotonic() >= deadline:
                return False, s
            time.sleep(POLL)

    def quit(self):
        """Ctrl-D on an empty line; (exited with status 0, last screen)."""
        self.keys("C-d")
        ok, s = self.wait_for(lambda s: s.has("EXITED"), timeout=5)
        return ok and s.has("EXITED rc=0"), s


def skip(reason):
    """A suite that cannot run here says so visibly and counts nothing."""
    print(f"skip: {reason}")
    print("0 passed, 0 failed")
    return 0
