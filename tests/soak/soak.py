#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault soak (issue 8): circuit for minutes on end against every scripted
fault of the loopback server (tests/server/server.py), looking for what a
unit test cannot see: memory, descriptors or children that grow with use,
a crash, a hang, an exit status that lies.

    python3 tests/soak/soak.py [--seconds 600] [--seed N] [--no-valgrind]

Phases, all inside --seconds (default 600, i.e. 10 minutes):

1. valgrind (about a quarter of the time, 20 to 60 s): headless runs under
   memcheck, one per fault kind and a compare across every wire format;
   each must exit with its own status (never valgrind's 99), with no
   "definitely lost" or "indirectly lost" bytes and only the standard
   descriptors open at exit. ("still reachable" is libcurl's and ncurses'
   and is ignored.)
2. the soak: one long-lived chat screen (tmux -L soak-<pid>, temporary HOME
   and XDG dirs) gets prompts in a loop against faulty providers, rotating
   with /model, /fallback, /compare … and /compare off, cancelling endless
   streams with Ctrl-C, plus /retry, /continue, /stats, /sessions, /search,
   /export, /load, /theme, /clear. Meanwhile worker threads run headless
   circuit -p, --compare and --fallback runs with random faults on every
   wire format. A sampler reads the screen process's VmRSS, descriptors,
   threads and children every 2 s, and the status bar's breaker glyphs
   (also on every screen poll of the driver).
3. the end: the screen, idle and cleared, must be back near its warm-up
   figures (RSS, descriptors, threads; and, when gdb can attach, the heap
   in use as glibc's malloc_info() counts it, which tells a leak from freed
   memory the allocator keeps); no zombie child at any sample; it must
   still answer a prompt and quit with status 0.

    python3 tests/soak/soak.py --seconds 90      # a short try
    --no-valgrind, --no-gdb: leave those parts out; --keep: keep the temp dir

Nothing reaches beyond 127.0.0.1: every child gets an environment built
from nothing (no proxy variables, NO_PROXY=*), the server binds loopback
only and exits by its own --max-seconds, every subprocess has a timeout,
the screen runs under timeout(1), and a watchdog ends the whole soak.
No sleep waits for a state: states are polled with deadlines; the only
sleeps are the load generator's pacing and the poll interval.
Ends with "N passed, N failed" (tests/integration/harness.py)."""
import argparse
import collections
import json
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness  # noqa: E402
from harness import BIN, SERVER, check, finish  # noqa: E402

KEY = "sk-soak-loopback-0123"
POLL = 0.08

# Short timeouts, so a stall or a silent server ends in about a second.
IDLE_MS = 800
FIRST_BYTE_MS = 1500
CONNECT_MS = 1000

# What "nothing grows" means for the long-lived screen, idle and cleared,
# warm-up (the end of the first round, every step done once) against the end:
# - RSS may grow by at most RSS_SLACK_MIB, or RSS_SLACK_PCT % of the warm-up
#   figure if that is more. After warm-up the screen keeps, by design, only
#   bounded things: SQLite's page cache (up to its default cache_size, 2000
#   KiB, as the history grows), readline's input history (a few dozen bytes
#   a prompt), the metrics' fixed sample rings; and glibc keeps memory it
#   was given back in its heap (fragmentation). A leak of ~25 KiB a prompt
#   (a reply's text and figures) over the ~450 prompts of a 10-minute soak
#   goes past it; smaller leaks are for the heap check below. The
#   per-prompt trend is printed too.
# - the heap in use (when gdb can read it, see heap_figures): SQLite's page
#   cache may fill up to SQLITE_CACHE_KIB; anything past that plus
#   HEAP_SLACK_KIB is memory kept for good, i.e. a leak. This one does not
#   count the allocator's fragmentation, so it can be tight.
# - descriptors: the same non-socket descriptors as at warm-up (tty, the
#   history db, its WAL and shm, the signal pipe, curl's wake-up pair) and
#   at most FD_SLACK more sockets: libcurl keeps idle keep-alive
#   connections to the loopback server in its connection cache.
RSS_SLACK_MIB = 10
RSS_SLACK_PCT = 20
FD_SLACK = 4
SQLITE_CACHE_KIB = 2000
HEAP_SLACK_KIB = 1024

LOCK = threading.Lock()

# The binary every run uses: a copy of BIN taken at the start, so that a
# rebuild during the soak cannot swap it halfway (set in main()).
EXE = BIN


def ck(name, ok, detail=""):
    with LOCK:
        return check(name, ok, detail)


def log(msg):
    with LOCK:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- the fault catalogue -------------------------------------------------------
#
# kind -> (server scenario, what it does to a reply):
#   ok    the reply completes (rc 0)
#   post  fails after the first visible token: no fallback, rc 1, text kept
#   pre   fails before the first token: retried, then the next of the chain
#   stop  fails before the first token, and no fallback (401: the key;
#         400: the request)
#   flap  fails the first time only (fail_times=1): a retry succeeds
#   any   0 or 1 both allowed
#   inf   never ends by itself: the soak interrupts it (headless: SIGINT,
#         exit 130 with "interrupted; the text so far is kept")
FAULTS = {
    "ok":            ("tokens=8,pace_ms=4", "ok"),
    "thinking":      ("thinking=3,tokens=6,pace_ms=4", "ok"),
    "usage_off":     ("usage=0,tokens=6", "ok"),
    "crlf":          ("crlf=1,tokens=6", "ok"),
    "keepalive":     ("keepalive=1,keepalive_ms=40,pace_ms=90,tokens=5", "ok"),
    "stop_length":   ("stop=length,tokens=5", "ok"),
    "stall_short":   ("stall_after=2,stall_ms=300,tokens=6", "ok"),
    "malformed":     ("malformed_at=2,tokens=6", "ok"),
    "bad_utf8":      ("bad_utf8_at=2,tokens=6", "ok"),
    "s429":          ("status=429", "pre"),
    "s429_ra":       ("status=429,retry_after=1", "pre"),
    "s429_ra_long":  ("status=429,retry_after=120", "pre"),
    "s500":          ("status=500", "pre"),
    "s500_ra":       ("status=500,retry_after=1", "pre"),
    "s503":          ("status=503", "pre"),
    "s503_ra":       ("status=503,retry_after_ms=300", "pre"),
    "s529":          ("status=529", "pre"),
    "s529_ra":       ("status=529,retry_after=1", "pre"),
    "s401":          ("status=401", "stop"),
    "s401_ra":       ("status=401,retry_after=1", "stop"),
    "s400":          ("status=400", "stop"),
    "s400_ra":       ("status=400,retry_after=1", "stop"),
    "flap":          ("status=503,fail_times=1", "flap"),
    "stall_timeout": ("stall_after=2,stall_ms=3000", "post"),
    "ttfb_timeout":  ("ttfb_ms=3000", "pre"),
    "drop":          ("drop_after=3,pace_ms=4", "post"),
    "drop_rst":      ("drop_after=3,drop_rst=1", "post"),
    "drop_first":    ("drop_after=0", "pre"),
    "hangup":        ("hangup=1", "pre"),
    "hangup_rst":    ("hangup=1,drop_rst=1", "pre"),
    "error_after":   ("error_after=3,thinking=1", "post"),
    "error_first":   ("error_after=0", "pre"),
    "huge":          ("huge_line_mb=2,huge_after=2,tokens=4", "post"),   # past the 1 MiB cap
    "huge_under_cap": ("huge_line_mb=0.5,huge_after=2,tokens=4", "ok"),
    "endless":       ("endless=1,pace_ms=3", "inf"),
    "refused":       (None, "pre"),  # a loopback port nobody listens on
}
KINDS = ("openai", "anthropic", "gemini", "ollama")


def classify(scenario):
    """The fault kind a logged request's scenario shows (server side)."""
    if not scenario:
        return "plain"
    s = scenario
    out = []
    if "status" in s:
        out.append(f"status {s['status']}" + (" +retry-after" if "retry_after" in s or
                                                "retry_after_ms" in s else ""))
    for k, name in (("stall_ms", "stall"), ("drop_after", "drop"), ("hangup", "hangup"),
                    ("error_after", "error_after"), ("malformed_at", "malformed"),
                    ("bad_utf8_at", "bad_utf8"), ("huge_line_mb", "huge_line"),
                    ("endless", "endless"), ("ttfb_ms", "ttfb (first-byte timeout)"),
                    ("keepalive", "keepalive"), ("crlf", "crlf"), ("thinking", "thinking")):
        if k in s:
            if k == "drop_after" and s.get("drop_rst"):
                name = "drop (RST)"
            if k == "hangup" and s.get("drop_rst"):
                name = "hangup (RST)"
            if k == "huge_line_mb":
                name = f"huge line {s[k]:g} MiB"
            if k == "stall_ms":
                name = "stall > idle timeout" if s[k] > IDLE_MS else "stall < idle timeout"
            out.append(name)
    if s.get("usage") == 0:
        out.append("usage off")
    if s.get("stop") == "length":
        out.append("stop=length")
    return ", ".join(out) if out else "plain"


# ---- environment -----------------------------------------------------------------

class Dirs:
    def __init__(self, root):
        self.root = root
        self.home = os.path.join(root, "home")
        self.config = os.path.join(self.home, ".config")
        self.data = os.path.join(self.home, ".local", "share")
        self.state = os.path.join(self.home, ".local", "state")
        self.cache = os.path.join(self.home, ".cache")
        self.runs = os.path.join(root, "runs")
        for d in (self.config, self.data, self.state, self.cache, self.runs,
                  os.path.join(self.config, "circuit")):
            os.makedirs(d, exist_ok=True)

    def history_db(self):
        return os.path.join(self.data, "circuit", "history.db")


def base_env(dirs, **extra):
    """An environment from nothing: no proxy, no keys, no user config."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": dirs.home,
           "XDG_CONFIG_HOME": dirs.config, "XDG_DATA_HOME": dirs.data,
           "XDG_STATE_HOME": dirs.state, "XDG_CACHE_HOME": dirs.cache,
           "LANG": "C.UTF-8", "TERM": "xterm-256color", "NO_PROXY": "*", "no_proxy": "*",
           "SOAK_KEY": KEY, "CIRCUIT_IDLE_TIMEOUT_MS": str(IDLE_MS),
           "CIRCUIT_FIRST_BYTE_TIMEOUT_MS": str(FIRST_BYTE_MS),
           "CIRCUIT_CONNECT_TIMEOUT_MS": str(CONNECT_MS)}
    env.update(extra)
    return env


class Server(harness.LoopbackServer):
    """Ends by itself after max_seconds whatever happens here."""

    def __init__(self, dirs, max_seconds):
        super().__init__(dirs.root, max_seconds, max_seconds,
                         env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})


def provider_section(srv, name, kind, fault, tag):
    """One [provider.NAME] of this wire kind whose base URL scripts the fault."""
    spec, _ = FAULTS[fault]
    if spec is None:
        base = "http://127.0.0.1:1"  # refused: nobody listens on port 1
    else:
        base = srv.base(f"{spec},tag={tag}")
    if kind == "openai":
        base += "/v1"
    lines = [f"[provider.{name}]", f"kind = {kind}", f"base_url = {base}"]
    if kind != "ollama":
        lines.append("key_env = SOAK_KEY")
    lines.append("models = m, n")
    return "\n".join(lines) + "\n"


def write_config(path, settings, sections):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# written by tests/soak/soak.py\n")
        for k, v in settings.items():
            f.write(f"{k} = {v}\n")
        for s in sections:
            f.write(s)
    return path


# ---- outcomes --------------------------------------------------------------------

def chain_outcome(faults, retries):
    """Expected exit statuses of a fallback chain (first model first)."""
    for f in faults:
        eff = FAULTS[f][1]
        if eff == "ok":
            return {0}
        if eff == "flap":
            if retries >= 1:
                return {0}
            continue
        if eff in ("post", "stop"):
            return {1}
        if eff == "any":
            return {0, 1}
        if eff == "inf":
            return {130}
    return {1}


def column_outcome(fault, retries):
    eff = FAULTS[fault][1]
    if eff == "ok" or (eff == "flap" and retries >= 1):
        return {0}
    if eff == "any":
        return {0, 1}
    if eff == "inf":
        return {130}
    return {1}


NOTICE_RE = re.compile(r"^circuit: (?:\S+: )?\[(retry|fallback|skip)\]")


def finals(err):
    """The final "circuit: …" lines (not [retry]/[fallback]/[skip] notices)."""
    return [l for l in err.splitlines() if l.startswith("circuit: ") and not NOTICE_RE.match(l)]


class Stats:
    def __init__(self):
        self.c = collections.Counter()
        self.rc = collections.Counter()
        self.faults = collections.Counter()
        self.notices = collections.Counter()
        self.trips = 0
        self.history_lines = collections.Counter()

    def add(self, kind, rc, faults, err, wall, trips=0):
        with LOCK:
            self.c[kind] += 1
            self.rc[rc] += 1
            for f in faults:
                self.faults[f] += 1
            for l in err.splitlines():
                m = NOTICE_RE.match(l)
                if m:
                    self.notices[m.group(1)] += 1
                elif "history" in l:
                    self.history_lines[re.sub(r"\d+", "N", l)[:120]] += 1
            self.trips += trips


# ---- headless runs ----------------------------------------------------------------

class Headless:
    """Builds and checks one headless run: single, compare, fallback chain,
    mock, or an offline --replay of a format that cannot be chosen live."""

    def __init__(self, srv, dirs, stats, bodies):
        self.srv = srv
        self.dirs = dirs
        self.stats = stats
        self.bodies = bodies
        self.n = 0
        self.nlock = threading.Lock()

    def next_id(self):
        with self.nlock:
            self.n += 1
            return self.n

    def settings(self, rng):
        retries = rng.choice((0, 1, 1, 2))
        return retries, {"max_retries": retries, "breaker_failures": rng.choice((2, 3)),
                         "breaker_open": rng.choice((1, 2)), "breaker_open_max": 4}

    def plan(self, rng, prefix="h", fault=None, kind=None, shape=None):
        """One run: (description, argv, expected exit statuses, the faults it
        meets, SIGINT after this many seconds or None, --json?)."""
        rid = f"{prefix}{self.next_id()}"
        shape = shape or rng.choices(("single", "compare", "fallback", "mock", "replay"),
                                     weights=(40, 25, 22, 5, 8))[0]
        retries, settings = self.settings(rng)
        cfg = os.path.join(self.dirs.runs, f"{rid}.conf")
        if shape == "mock":
            model = rng.choice(("mock", "mock-fast", "mock-flaky"))  # (mock-slow: 10 s)
            argv = ["-p", f"soak {rid} mock", "-m", model]
            exp = {0, 1} if model == "mock-flaky" else {0}
            write_config(cfg, settings, [])
            return (f"{rid} mock {model}", argv + ["--config", cfg], exp, ["mock"], None, False)
        if shape == "replay":
            if not self.bodies:
                shape = "single"
            else:
                wire, f, path = rng.choice(self.bodies)
                return (f"{rid} replay {wire} {f}", ["--replay", path, "--wire", wire],
                        {0, 1}, [f"replay {wire}"], None, False)
        if shape == "single":
            fault = fault or rng.choice(list(FAULTS))
            kind = kind or rng.choice(KINDS)
            sec = provider_section(self.srv, "p", kind, fault, rid)
            write_config(cfg, settings, [sec])
            argv = ["-p", f"soak {rid}", "-m", "p:m", "--config", cfg]
            js = rng.random() < 0.3
            if js:
                argv.append("--json")
            exp = chain_outcome([fault], retries)
            intr = 1.2 if FAULTS[fault][1] == "inf" else None
            return (f"{rid} single {kind}/{fault} retries={retries}", argv, exp,
                    [f"{kind}/{fault}"], intr, js)
        if shape == "compare":
            n = rng.choice((2, 3, 4, 5, 6, 8))
            nprov = min(n, rng.choice((2, 3, 4, 6)))
            provs = []
            for i in range(nprov):
                f = rng.choice([k for k in FAULTS if FAULTS[k][1] != "inf"] +
                               (["endless"] if rng.random() < 0.15 else []))
                provs.append((f"c{i}", rng.choice(KINDS), f))
            secs = [provider_section(self.srv, name, kind, f, f"{rid}-{name}")
                    for name, kind, f in provs]
            write_config(cfg, settings, secs)
            cols = [provs[i % nprov] for i in range(n)]
            models = [f"{name}:m{i}" for i, (name, _, _) in enumerate(cols)]
            js = rng.random() < 0.6
            argv = ["--compare", ",".join(models), "-p", f"soak {rid}", "--config", cfg]
            if js:
                argv.append("--json")
            outs = [column_outcome(f, retries) for _, _, f in cols]
            # "flap" fails its first request only: with several columns on
            # it, whichever gets the failure retries (or fails, with no
            # retries); the others answer.
            if any(130 in o for o in outs):
                exp = {130}
            elif all(o == {0} for o in outs):
                exp = {0}
            elif any(o == {1} for o in outs):
                exp = {1}
            else:
                exp = {0, 1}
            if retries == 0 and any(f == "flap" for _, _, f in cols):
                exp = exp | {1}
            intr = 1.5 if exp == {130} else None
            return (f"{rid} compare x{n} " + ",".join(f"{k}/{f}" for _, k, f in cols) +
                    f" retries={retries}", argv, exp, [f"{k}/{f}" for _, k, f in cols], intr, js)
        # fallback chain: 2-4 models; a provider may come back (its breaker
        # may be open by then: a [skip]).
        m = rng.choice((2, 3, 4))
        provs = []
        for i in range(m):
            pool = [k for k in FAULTS if FAULTS[k][1] in ("pre", "flap", "stop")] if i < m - 1 \
                else [k for k in FAULTS if FAULTS[k][1] != "inf"]
            provs.append((f"f{i}", rng.choice(KINDS), rng.choice(pool)))
        chain = list(provs)
        if m >= 3 and rng.random() < 0.5:
            chain.insert(2, provs[0])  # the first provider again, another model
        secs = [provider_section(self.srv, name, kind, f, f"{rid}-{name}")
                for name, kind, f in provs]
        write_config(cfg, settings, secs)
        models = [f"{name}:m" if i == 0 else f"{name}:n" for i, (name, _, _) in enumerate(chain)]
        argv = ["-p", f"soak {rid}", "-m", models[0], "--fallback", ",".join(models[1:]),
                "--config", cfg]
        # flap reached twice: the second time it answers.
        faults = []
        seen = set()
        for name, _, f in chain:
            faults.append("ok" if (f == "flap" and name in seen) else f)
            seen.add(name)
        exp = chain_outcome(faults, retries)
        if any(f == "flap" for _, _, f in chain):
            exp = exp | {0, 1}
        return (f"{rid} fallback " + " → ".join(f"{k}/{f}" for _, k, f in chain) +
                f" retries={retries}", argv, exp, [f"{k}/{f}" for _, k, f in chain], None, False)

    def run(self, plan, deadline_s=40, valgrind=None):
        desc, argv, exp, faults, intr, js = plan
        cmd = [EXE, *argv]
        vglog = None
        if valgrind:
            vglog = os.path.join(self.dirs.runs, desc.split()[0] + ".vg.log")
            cmd = ["valgrind", "--error-exitcode=99", "--leak-check=full",
                   "--errors-for-leak-kinds=definite,indirect", "--track-fds=yes",
                   f"--log-file={vglog}", *cmd]
            deadline_s = valgrind
        env = base_env(self.dirs)
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=self.dirs.root)
        timer = None
        if intr is not None:
            # Under valgrind the client needs longer to get going.
            timer = threading.Timer(intr * (4 if valgrind else 1),
                                    lambda: p.poll() is None and p.send_signal(signal.SIGINT))
            timer.start()
        try:
            out, err = p.communicate(timeout=deadline_s)
            hung = False
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate(timeout=10)
            hung = True
        finally:
            if timer:
                timer.cancel()
        wall = time.monotonic() - t0
        out = out.decode("utf-8", "replace")
        err = err.decode("utf-8", "replace")
        rc = p.returncode
        return self.judge(plan, rc, out, err, wall, hung, vglog)

    def judge(self, plan, rc, out, err, wall, hung, vglog):
        desc, argv, exp, faults, intr, js = plan
        detail = f"{desc}: rc={rc} wall={wall:.1f}s stderr={err[-500:]!r}"
        trips = 0
        ok = ck(f"no hang: {desc}", not hung, f"killed after {wall:.0f}s; " + detail)
        ok &= ck(f"not killed by a signal: {desc}", rc is not None and rc >= 0, detail)
        ok &= ck(f"not a usage error (2): {desc}", rc != 2, detail)
        if vglog:
            ok &= self.judge_valgrind(desc, rc, vglog)
        ok &= ck(f"exit status in {sorted(exp)}: {desc}", rc in exp, detail)
        fl = finals(err)
        # The failure's one line: on stderr, or with --json in the JSON
        # object's "error" (and then not on stderr).
        if rc == 1 and not js and "--compare" not in argv:
            ok &= ck(f"one-line error: {desc}", len(fl) == 1, detail)
        if rc == 1 and not js and "--compare" in argv:
            ok &= ck(f"compare: a line per failed model: {desc}", len(fl) >= 1, detail)
        if rc == 130:
            ok &= ck(f"interrupted keeps the text: {desc}",
                     "interrupted; the text so far is kept" in err, detail)
        if rc == 0 and "--replay" not in argv:
            ok &= ck(f"a reply on stdout: {desc}", out.strip() != "", detail)
        if js and rc in (0, 1, 130):
            try:
                doc = json.loads(out)
                trips = sum(p.get("breaker_trips", 0) for p in doc.get("providers", []))
                n = len(argv[argv.index("--compare") + 1].split(",")) if "--compare" in argv else 1
                errs = [m for m in doc["models"] if m.get("error")]
                ok &= ck(f"--json has every model: {desc}", len(doc["models"]) == n, detail)
                if rc == 1:
                    ok &= ck(f"--json: rc 1 with an error message in the JSON: {desc}",
                             errs and all((m["error"].get("message") or "").strip() and
                                          "\n" not in m["error"]["message"] for m in errs),
                             f"{[m.get('error') for m in doc['models']]}; " + detail)
                if rc == 0:
                    ok &= ck(f"--json: rc 0 means no model failed: {desc}", not errs, detail)
            except (ValueError, KeyError, TypeError) as e:
                ok &= ck(f"--json parses: {desc}", False, f"{e}; out={out[:300]!r}; " + detail)
        kind = "valgrind" if vglog else desc.split()[1]
        self.stats.add(kind, rc, faults, err, wall, trips)
        return ok

    def judge_valgrind(self, desc, rc, vglog):
        try:
            with open(vglog, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError as e:
            return ck(f"valgrind log: {desc}", False, str(e))
        ok = ck(f"valgrind: no memory errors (exit not 99): {desc}", rc != 99,
                self.vg_excerpt(text))
        for what in ("definitely lost", "indirectly lost"):
            m = re.search(what + r": ([\d,]+) bytes", text)
            lost = int(m.group(1).replace(",", "")) if m else 0
            ok &= ck(f"valgrind: nothing {what}: {desc}", lost == 0, self.vg_excerpt(text))
        m = re.search(r"FILE DESCRIPTORS: (\d+) open(?: \((\d+) std\))? at exit", text)
        if m:
            # Open at exit beyond 0-2: only what valgrind itself and our
            # parent hold (marked "<inherited from parent>").
            fds = re.findall(r"Open (?:file descriptor|AF_\w+ socket) (\d+)[^\n]*\n(==\d+==\s+)?(.*)",
                             text)
            own = [fd for fd, _, nxt in fds if int(fd) > 2 and "inherited from parent" not in nxt]
            ok &= ck(f"valgrind: no descriptor open at exit: {desc}", not own,
                     f"{own}; " + self.vg_excerpt(text))
        with LOCK:
            VG_SUMMARY.append((desc, rc, text))
        return ok

    @staticmethod
    def vg_excerpt(text):
        keep = [l for l in text.splitlines()
                if re.search(r"lost|ERROR SUMMARY|Invalid|uninitialised|FILE DESC|Open ", l)]
        return " | ".join(keep[:12])


VG_SUMMARY = []


def fetch_bodies(srv, dirs):
    """Bodies of the two wire formats circuit cannot be pointed at live
    (OpenAI Responses, Gemini without alt=sse), fetched from the loopback
    server with a few faults, for offline --replay runs."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    out = []
    for f in ("ok", "thinking", "drop", "error_after", "malformed", "bad_utf8", "usage_off",
              "keepalive", "crlf"):
        spec = FAULTS[f][0] + ",tag=replay"
        for wire, path, body, hdrs in (
                ("openai-responses", "/v1/responses",
                 {"model": "m", "input": "soak", "stream": True},
                 {"Authorization": "Bearer " + KEY}),
                ("gemini-json", "/v1beta/models/m:streamGenerateContent",
                 {"contents": [{"role": "user", "parts": [{"text": "soak"}]}]},
                 {"x-goog-api-key": KEY})):
            req = urllib.request.Request(srv.base(spec) + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json", **hdrs})
            try:
                with opener.open(req, timeout=10) as r:
                    data = r.read()
            except urllib.error.HTTPError as e:
                data = e.read()
            except Exception as e:  # noqa: BLE001 (a cut body: keep what came)
                data = getattr(e, "partial", b"") or b""
            p = os.path.join(dirs.runs, f"replay-{wire}-{f}.body")
            with open(p, "wb") as fh:
                fh.write(data)
            out.append((wire, f, p))
    return out


# ---- the valgrind phase ---------------------------------------------------------------

def valgrind_phase(hl, deadline, parallel=3):
    """Headless runs under memcheck until the deadline, most telling first."""
    rng = random.Random(7)
    plans = []
    # The compare every format: one column per wire kind, each a fault.
    rid = f"v{hl.next_id()}"
    cfg = os.path.join(hl.dirs.runs, f"{rid}.conf")
    cols = [("a", "openai", "drop"), ("b", "anthropic", "thinking"), ("c", "gemini", "s503"),
            ("d", "ollama", "error_after"), ("e", "openai", "ok")]
    write_config(cfg, {"max_retries": 1, "breaker_open": 1},
                 [provider_section(hl.srv, n, k, f, f"{rid}-{n}") for n, k, f in cols])
    plans.append((f"{rid} compare x6 every format",
                  ["--compare", ",".join(f"{n}:m" for n, _, _ in cols) + ",mock-fast",
                   "-p", f"soak {rid}", "--config", cfg, "--json"],
                  {1}, [f"{k}/{f}" for _, k, f in cols], None, True))
    forced = [("openai", "thinking"), ("anthropic", "drop_rst"), ("gemini", "error_after"),
              ("ollama", "stall_timeout"), ("openai", "malformed"), ("anthropic", "bad_utf8"),
              ("gemini", "huge"), ("ollama", "endless"), ("openai", "hangup"),
              ("anthropic", "s529_ra"), ("gemini", "s401"), ("ollama", "s400"),
              ("openai", "ttfb_timeout"), ("anthropic", "refused"), ("gemini", "keepalive"),
              ("ollama", "crlf"), ("openai", "s429_ra_long"), ("anthropic", "flap"),
              ("gemini", "drop_first"), ("ollama", "usage_off")]
    for kind, fault in forced:
        plans.append(hl.plan(rng, "v", fault=fault, kind=kind, shape="single"))
    plans.append(hl.plan(rng, "v", shape="fallback"))
    plans.append(hl.plan(rng, "v", shape="mock"))
    plans.append(hl.plan(rng, "v", shape="compare"))
    if hl.bodies:
        plans.append(hl.plan(rng, "v", shape="replay"))
    pending = list(plans)
    running = []
    done = skipped = 0
    while pending or running:
        running = [t for t in running if t.is_alive()]
        left = deadline - time.monotonic()
        if pending and left > 6 and len(running) < parallel:
            if len(pending) == 1 and left > 20:
                pending.append(hl.plan(rng, "v"))  # time left: random runs too
            t = threading.Thread(target=hl.run, args=(pending.pop(0),),
                                 kwargs={"valgrind": max(20.0, min(60.0, left + 10))}, daemon=True)
            t.start()
            running.append(t)
            done += 1
            continue
        if pending and left <= 6:
            skipped, pending = len(pending), []  # no time to start another
        time.sleep(POLL)
    return done, skipped


# ---- the screen ---------------------------------------------------------------------



class Screen(harness.Screen):
    def __str__(self):
        return "\n" + "\n".join(f"  |{l.rstrip()}" for l in self.lines if l.strip())

    def input_text(self):
        if not self.input:
            return None
        t = " ".join(l.rstrip() for l in self.input)
        return t[1:].strip() if t.startswith(">") else t.strip()

    def active(self):
        """The status bar's live request counts (active of total), per provider."""
        return [int(a) for a, _ in re.findall(r" (\d+)/(\d+)(?= │| stalled|\s*$| )", self.status)]

    def busy(self):
        if any(self.active()):
            return True
        for l in self.transcript:
            if "streaming…" in l or re.search(r" streaming( |$)", l):
                return True
        return False


SEG_RE = re.compile(r"(?:^|│ )([A-Za-z0-9._-]+) ([●✖◌◐○])")
GLYPH = {"●": "closed", "✖": "closed", "○": "closed", "◌": "open", "◐": "half-open"}


class Breakers:
    """Breaker states per provider as the status bar shows them, and every
    change seen."""

    def __init__(self):
        self.state = {}
        self.transitions = collections.Counter()
        self.lock = threading.Lock()

    def feed(self, status):
        with self.lock:
            for name, g in SEG_RE.findall(status):
                st = GLYPH[g]
                old = self.state.get(name)
                if old is not None and old != st:
                    self.transitions[(name, old, st)] += 1
                self.state[name] = st


def proc_sample(pid):
    """VmRSS and VmHWM (KiB), threads, descriptors by type, children, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            st = f.read()
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    kinds = collections.Counter()
    for fd in fds:
        try:
            t = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if t.startswith("socket:"):
            kinds["socket"] += 1
        elif t.startswith("pipe:"):
            kinds["pipe"] += 1
        elif t.startswith("/dev/"):
            kinds["dev"] += 1
        elif t.startswith("anon_inode:"):
            kinds["anon"] += 1
        else:
            kinds["file"] += 1
    g = lambda k: int(re.search(k + r":\s+(\d+)", st).group(1))  # noqa: E731
    ch = harness.pid_children(pid)
    return {"rss": g("VmRSS"), "hwm": g("VmHWM"), "threads": g("Threads"),
            "state": re.search(r"State:\s+(\S)", st).group(1), "fds": len(fds),
            "kinds": dict(kinds), "children": ch,
            "zombies": [c for c in ch if c[1] == "Z"]}


class TUI:
    """The long-lived chat screen and its driver."""

    W, H = 320, 90

    def __init__(self, srv, dirs, breakers, lifetime):
        self.srv = srv
        self.dirs = dirs
        self.breakers = breakers
        tmux_dir = os.path.join(dirs.root, "tmux")
        os.makedirs(tmux_dir, exist_ok=True)
        self.tm = harness.Tmux(tmux_dir, "soak", self.read_screen, home=dirs.home, history=100)
        self.events = collections.Counter()
        self.prompts = 0
        self.k = 0
        self.export = os.path.join(dirs.root, "export.json")
        self.cfg = self.write_config()
        t = lambda f: srv.base(f"{FAULTS[f][0]},tag=tui-{f}")  # noqa: E731
        env = base_env(dirs, OPENAI_API_KEY=KEY, ANTHROPIC_API_KEY=KEY, GEMINI_API_KEY=KEY,
                       # the built-in providers, each on its own scenario
                       OPENAI_BASE_URL=srv.base("thinking=2,keepalive=1,tokens=10,pace_ms=8,"
                                                "tag=tui-openai") + "/v1",
                       ANTHROPIC_BASE_URL=srv.base("status=500,fail_times=3,tag=tui-anthropic"),
                       GEMINI_BASE_URL=srv.base("stall_after=2,stall_ms=300,keepalive_ms=100,"
                                                "tokens=8,tag=tui-google"),
                       OLLAMA_HOST=t("usage_off"))
        cmd = ("env -i " + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) +
               f" timeout --foreground -k 5 {int(lifetime)} " + shlex.quote(EXE) +
               " --config " + shlex.quote(self.cfg) + "; echo EXITED rc=$?; sleep 60")
        self.pane = self.tm.raw_pane(self.W, self.H, cmd)
        self.pid = self.find_pid()

    def write_config(self):
        # 11 providers of our own (with the 5 built-in ones, the 16 circuit
        # takes), each a fault; key_cmd runs a child at start (popen).
        secs = []
        for name, kind, fault in (("down", "openai", "s503"), ("cut", "gemini", "drop_rst"),
                                  ("stal", "ollama", "stall_timeout"),
                                  ("err", "anthropic", "error_after"), ("hang", "openai", "hangup"),
                                  ("junk", "openai", "malformed"), ("rl", "anthropic", "s429_ra"),
                                  ("huge", "gemini", "huge"), ("inf", "ollama", "endless"),
                                  ("key", "openai", "s401"), ("bad", "gemini", "s400")):
            spec = FAULTS[fault][0]
            if fault == "malformed":
                spec = "malformed_at=2,bad_utf8_at=4,crlf=1,usage=0,tokens=8"
            base = self.srv.base(f"{spec},tag=tui-{name}") + ("/v1" if kind == "openai" else "")
            s = f"[provider.{name}]\nkind = {kind}\nbase_url = {base}\nmodels = m, n\n"
            if name == "junk":
                s += "key_cmd = printf soak-key-from-cmd\n"
            elif kind != "ollama":
                s += "key_env = SOAK_KEY\n"
            secs.append(s)
        return write_config(os.path.join(self.dirs.runs, "tui.conf"),
                            {"max_retries": 1, "breaker_failures": 3, "breaker_open": 2,
                             "breaker_open_max": 4}, secs)

    def find_pid(self, timeout=10):
        want = os.path.realpath(EXE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.pane.fmt("#{pane_pid}")
            try:
                top = int(out.strip())
            except ValueError:
                top = None
            todo = [top] if top else []
            while todo:
                p = todo.pop()
                try:
                    if os.path.realpath(f"/proc/{p}/exe") == want:
                        return p
                except OSError:
                    pass
                todo += [c for c, _, _ in harness.pid_children(p)]
            time.sleep(POLL)
        raise RuntimeError("circuit did not start in tmux")

    # -- the screen

    def read_screen(self, lines, cols):
        """Every capture, also the ones wait_for takes, feeds the breaker watch."""
        s = Screen(lines, cols)
        self.breakers.feed(s.status)
        return s

    def capture(self):
        return self.pane.screen()

    def wait_for(self, pred, timeout):
        return self.pane.wait_for(pred, timeout)

    def keys(self, *k):
        self.pane.keys(*k)

    def type_line(self, text, timeout=5):
        """Types text, sees it in the input line, presses Enter, sees the
        input line empty again (the line was taken)."""
        self.pane.text(text)
        ok, s = self.wait_for(lambda s: s.input_text() == text, timeout)
        if not ck(f"screen: typed {text!r}", ok, str(s)):
            self.keys("C-u")
            return False
        self.keys("Enter")
        ok, s = self.wait_for(lambda s: s.input_text() == "", timeout)
        return ck(f"screen: {text!r} taken", ok, str(s))

    def wait_idle(self, what, timeout=45):
        """No stream live: every provider's active count 0 and no reply or
        column still streaming, seen twice in a row."""
        seen = [0]

        def idle(s):
            if s.busy():
                seen[0] = 0
                return False
            seen[0] += 1
            return seen[0] >= 2
        ok, s = self.wait_for(idle, timeout)
        if not ck(f"screen: idle again after {what} (within {timeout}s)", ok, str(s)):
            self.events["hang"] += 1
            # Unstick it for the rest of the soak: cancel everything.
            self.keys("C-c")
            self.keys("C-c")
            self.wait_for(lambda s: not s.busy(), 10)
        return ok

    # -- steps

    def cmd(self, line, expect=None, timeout=5):
        self.events["command " + line.split()[0]] += 1
        if not self.type_line(line):
            return False
        if expect is not None:
            ok, s = self.wait_for(expect, timeout)
            return ck(f"screen: {line}", ok, str(s))
        return True

    def ask(self, label, cancel_after=None, cancel_twice=False):
        self.k += 1
        text = f"soak {self.k} {label}"
        self.prompts += 1
        self.events["prompt"] += 1
        if not self.type_line(text):
            return False
        if cancel_after is not None:
            ok, s = self.wait_for(lambda s: any(s.active()), 10)
            time.sleep(cancel_after)  # pacing: let the endless reply run a while
            self.keys("C-c")
            if cancel_twice:
                self.keys("C-c")
            self.events["ctrl-c"] += 1
        return self.wait_idle(f"prompt {text!r}", timeout=20 if cancel_after else 45)

    def model(self, m):
        return self.cmd(f"/model {m}", lambda s: s.status.rstrip().endswith(m))

    def compare(self, models):
        n = len(models)
        return self.cmd("/compare " + " ".join(models),
                        lambda s: f"compare: {n} models" in s.status)

    def compare_off(self):
        return self.cmd("/compare off", lambda s: "compare:" not in s.status)

    def clear(self):
        ok = self.cmd("/clear", lambda s: not any("soak " in l for l in s.transcript))
        return ok and self.wait_idle("/clear")

    def stats_view(self):
        """/stats, read, then Esc. Returns the capture."""
        ok = self.cmd("/stats", lambda s: any(l.startswith("stats of this session")
                                              for l in s.lines))
        _, s = self.wait_for(lambda s: True, 1)
        self.keys("Escape")
        closed, s2 = self.wait_for(lambda s: not any(l.startswith("stats of this session")
                                                     for l in s.lines), 3)
        if not closed:  # Esc may be eaten as a meta prefix: /stats toggles it too
            self.type_line("/stats")
            closed, s2 = self.wait_for(lambda s: not any(l.startswith("stats of this session")
                                                         for l in s.lines), 3)
        ck("screen: /stats closes", closed, str(s2))
        return s if ok else None

    def export_json(self):
        """/export json FILE: the file appears (polled) and parses."""
        try:
            os.unlink(self.export)
        except FileNotFoundError:
            pass
        if not self.cmd(f"/export json {self.export}"):
            return False
        deadline = time.monotonic() + 5
        doc = None
        while time.monotonic() < deadline:
            try:
                with open(self.export, encoding="utf-8") as f:
                    doc = json.load(f)
                break
            except (OSError, ValueError):
                time.sleep(POLL)
        return ck("screen: /export json writes a JSON file", doc is not None, self.export)

    def breaker_cycle(self, model, prov, label, max_prompts=9):
        """Prompts model until prov's breaker opens, waits (polling) for it
        to half-open, then prompts until the probe closes it: a full cycle
        when the provider recovers (mock-flaky's outages end, the built-in
        anthropic fails its first 3 requests only), else open again."""
        if not self.model(model):
            return False
        opened = False
        for _ in range(max_prompts):
            if not self.ask(label):
                return False
            if self.breakers.state.get(prov) in ("open", "half-open"):
                opened = True
                break
        if not opened:
            return True
        self.events["breaker opened: " + prov] += 1
        ok, s = self.wait_for(lambda s: re.search(rf"(^|│ ){re.escape(prov)} ◐", s.status), 12)
        ck(f"screen: {prov}'s breaker half-opens within breaker_open_max", ok, repr(s.status))
        for _ in range(3):
            if not self.ask(label + " probe"):
                return False
            if self.breakers.state.get(prov) == "closed":
                self.events["breaker closed: " + prov] += 1
                break
        return True

    def rotation(self, rng, first):
        """One round of every fault the screen knows, as (name, callable)."""
        R = []
        R.append(("anthropic-cycle", lambda: self.breaker_cycle("anthropic:claude-haiku-4-5",
                                                                "anthropic", "five hundred")))
        R.append(("mock-flaky", lambda: self.breaker_cycle("mock-flaky", "mock", "flaky")))
        R.append(("down", lambda: self.model("down:m") and self.ask("down") and self.ask("down")
                  and self.cmd("/retry mock-fast") and self.wait_idle("/retry")))
        R.append(("cut", lambda: self.model("cut:m") and self.ask("cut") and
                  self.cmd("/continue") and self.wait_idle("/continue")))
        R.append(("stal", lambda: self.model("stal:m") and self.ask("stall")))
        R.append(("err", lambda: self.model("err:m") and self.ask("error")))
        R.append(("hang", lambda: self.model("hang:m") and self.ask("hangup")))
        R.append(("junk", lambda: self.model("junk:m") and self.ask("junk")))
        rest = []
        rest.append(("rl", lambda: self.model("rl:m") and self.ask("rate limit")))
        rest.append(("huge", lambda: self.model("huge:m") and self.ask("huge line")))
        rest.append(("inf", lambda: self.model("inf:m") and self.ask("endless", cancel_after=0.8)))
        rest.append(("key", lambda: self.model("key:m") and self.ask("bad key")))
        rest.append(("bad", lambda: self.model("bad:m") and self.ask("bad request")))
        rest.append(("openai", lambda: self.model("openai:gpt-4o-mini") and self.ask("openai")))
        rest.append(("google", lambda: self.model("google:gemini-2.5-flash") and
                     self.ask("gemini")))
        rest.append(("ollama", lambda: self.model("ollama:llama3.2") and self.ask("ollama")))
        rest.append(("fallback", lambda: self.cmd("/fallback hang:n,cut:n,openai:gpt-4o-mini") and
                     self.model("down:n") and self.ask("fallback") and self.ask("fallback") and
                     self.cmd("/fallback none")))
        rest.append(("compare-a", lambda: self.compare(["cut:a", "stal:b", "err:c", "mock-fast",
                                                        "openai:o", "google:gemini-2.5-flash"])
                     and self.ask("compare a") and self.compare_off()))
        rest.append(("compare-b", lambda: self.compare(["inf:a", "mock-slow", "ollama:llama3.2",
                                                        "junk:b"])
                     and self.ask("compare b", cancel_after=1.0, cancel_twice=True)
                     and self.compare_off()))
        rest.append(("compare-c", lambda: self.compare(["down:a", "hang:b", "key:c", "bad:d",
                                                        "rl:e", "huge:f"])
                     and self.ask("compare c") and self.compare_off()))
        # (a thread with no prompt has nothing to export: one first)
        rest.append(("history", lambda: self.model("mock-fast") and self.ask("history") and
                     self.cmd("/sessions") and self.cmd("/search soak") and
                     self.export_json() and self.cmd("/load 1") and
                     self.cmd("/theme mono") and self.cmd("/theme default")))
        rest.append(("stats", lambda: self.stats_view() is not None))
        R = R + rest
        if first:
            # The first 8 providers used are the status bar's (it shows 8):
            # the breaker cycles and the failing ones come first, then the
            # history and /stats, so a short soak still does each once.
            order = ["history", "stats", "compare-a", "compare-b", "compare-c"]
            R = R[:8] + sorted(R[8:], key=lambda st: order.index(st[0]) if st[0] in order
                               else len(order))
        else:
            rng.shuffle(R)
        return R


def sampler(tui, samples, stop, interval=2.0):
    while not stop.wait(interval):
        s = proc_sample(tui.pid)
        if s is None:
            samples.append({"t": time.monotonic(), "dead": True})
            return
        s["t"] = time.monotonic()
        samples.append(s)
        try:
            tui.capture()  # the status bar's breakers, between the driver's polls
        except (subprocess.TimeoutExpired, OSError):
            pass


# ---- the soak ---------------------------------------------------------------------

def worker(hl, rng, stop_at, counts):
    # A run takes up to ~6 s (first-byte timeouts with retries): none starts
    # after stop_at - 6, so all have ended by stop_at.
    while time.monotonic() < stop_at - 6:
        plan = hl.plan(rng)
        try:
            hl.run(plan, deadline_s=40)
        except (OSError, subprocess.SubprocessError) as e:
            ck(f"headless run starts: {plan[0]}", False, repr(e))
        with LOCK:
            counts["headless"] += 1
        time.sleep(rng.uniform(0.05, 0.3))  # pacing: a load generator, not a wait


def idle_sample(tui, what):
    """Descriptors settle (a stream's socket goes back to curl's cache or is
    closed) within a moment of the last reply: poll until two samples agree."""
    deadline = time.monotonic() + 5
    prev = proc_sample(tui.pid)
    while prev is not None and time.monotonic() < deadline:
        time.sleep(0.3)  # the poll interval
        cur = proc_sample(tui.pid)
        if cur is None or cur["fds"] == prev["fds"]:
            prev = cur
            break
        prev = cur
    if prev is not None:
        prev["what"] = what
    return prev


def heap_figures(pid, path):
    """glibc's heap of pid, from malloc_info() called through gdb (when gdb
    is there and may attach): the heap's size, what of it is free, what is
    in use, and SQLite's own figure (sqlite3_memory_used). RSS alone cannot
    tell a leak from a heap that keeps freed memory; this can. KiB, or None."""
    if shutil.which("gdb") is None:
        return None
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    try:
        p = subprocess.run(["gdb", "-nx", "-p", str(pid), "-batch",
                            "-ex", f'set $f = (void *) fopen("{path}", "w")',
                            "-ex", "call (int) malloc_info(0, $f)", "-ex", "call (int) fclose($f)",
                            "-ex", "print (long long) sqlite3_memory_used()"],
                           capture_output=True, text=True, timeout=60,
                           env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/"})
        with open(path, encoding="utf-8") as f:
            xml = f.read()
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        # The last <total>/<system> elements are the whole process's.
        heap = int(re.findall(r'<system type="current" size="(\d+)"', xml)[-1])
        free = sum(int(v) for v in
                   re.findall(r'<total type="(?:fast|rest)" count="\d+" size="(\d+)"', xml)[-2:])
        mmap = int(re.findall(r'<total type="mmap" count="\d+" size="(\d+)"', xml)[-1])
    except (IndexError, ValueError):
        return None
    sq = re.findall(r"^\$\d+ = (-?\d+)", p.stdout, re.M)
    return {"heap": heap // 1024, "free": free // 1024, "in_use": (heap - free + mmap) // 1024,
            "sqlite": int(sq[-1]) // 1024 if sq else None}


def fmt_kib(k):
    return f"{k / 1024:.1f} MiB"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=600, help="the whole soak's bound (default 600)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--workers", type=int, default=2, help="headless runs at once (default 2)")
    ap.add_argument("--no-valgrind", action="store_true")
    ap.add_argument("--valgrind-seconds", type=float, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--no-gdb", action="store_true",
                    help="do not read the screen's heap with gdb (RSS and fds only)")
    a = ap.parse_args()

    t_start = time.monotonic()
    end = t_start + a.seconds
    seed = a.seed if a.seed is not None else int(time.time()) % 100000
    if not os.path.exists(BIN):
        ck("binary exists", False, BIN)
        return finish()
    for tool in ("tmux", "timeout"):
        if shutil.which(tool) is None:
            ck(f"{tool} installed", False)
            return finish()
    use_vg = not a.no_valgrind and shutil.which("valgrind") is not None
    if not a.no_valgrind and not use_vg:
        print("skip: valgrind phase (valgrind not installed)")
    vg_secs = a.valgrind_seconds if a.valgrind_seconds is not None else \
        max(20.0, min(60.0, a.seconds * 0.25))
    final_reserve = 15.0
    if a.seconds < 60:
        print("note: --seconds under 60 leaves little for the soak itself")
    log(f"soak: {a.seconds:.0f}s, seed {seed}, binary {BIN}")

    tmp = tempfile.mkdtemp(prefix="circuit-soak-")
    dirs = Dirs(tmp)
    global EXE
    EXE = os.path.join(tmp, "circuit")
    shutil.copy2(BIN, EXE)
    srv = Server(dirs, a.seconds + 90)
    stats = Stats()
    breakers = Breakers()
    tui = None
    stop_sampler = threading.Event()
    samples = []

    # The watchdog: whatever hangs, the soak ends by itself.
    def watchdog():
        ck(f"watchdog: the soak ends within {a.seconds + 120:.0f}s", False, "stopping it")
        try:
            if tui:
                tui.tm.kill()
        finally:
            srv.close()
            finish()
            sys.stdout.flush()
            os._exit(1)
    wd = threading.Timer(a.seconds + 120, watchdog)
    wd.daemon = True
    wd.start()

    try:
        bodies = fetch_bodies(srv, dirs)
        hl = Headless(srv, dirs, stats, bodies)

        # -- 1. valgrind
        vg_done = vg_skipped = 0
        if use_vg:
            vg_end = min(end - 30, time.monotonic() + vg_secs)
            log(f"valgrind phase: up to {vg_end - time.monotonic():.0f}s")
            vg_done, vg_skipped = valgrind_phase(hl, vg_end)
            log(f"valgrind phase: {vg_done} runs, {vg_skipped} left out for time")

        # -- 2. the soak
        soak_end = end - final_reserve
        tui = TUI(srv, dirs, breakers, lifetime=end - time.monotonic() + 60)
        ok, s = tui.wait_for(lambda s: s.rule is not None and s.input_text() == ""
                             and any(l.startswith("circuit 0.") for l in s.transcript), 10)
        ck("screen: starts", ok, str(s))
        start_sample = idle_sample(tui, "start")
        threading.Thread(target=sampler, args=(tui, samples, stop_sampler), daemon=True).start()
        counts = collections.Counter()
        workers = []
        for i in range(a.workers):
            t = threading.Thread(target=worker, args=(hl, random.Random(seed * 31 + i), soak_end,
                                                      counts), daemon=True)
            t.start()
            workers.append(t)
        log(f"soak: screen pid {tui.pid}, {a.workers} headless workers, until "
            f"{soak_end - t_start:.0f}s")
        baseline = None
        idle_points = []
        rot_rng = random.Random(seed * 7)
        rotation = 0
        while time.monotonic() < soak_end:
            steps = tui.rotation(rot_rng, rotation == 0)
            for name, step in steps:
                if time.monotonic() >= soak_end:
                    break
                try:
                    step()
                except subprocess.TimeoutExpired as e:
                    ck(f"screen: tmux answers ({name})", False, str(e))
                tui.events["step " + name] += 1
                if proc_sample(tui.pid) is None:
                    break  # it died: the end checks say so
                time.sleep(rot_rng.uniform(0.05, 0.4))  # pacing between prompts
            if proc_sample(tui.pid) is None:
                ck(f"screen: alive after round {rotation + 1}", False,
                   str(tui.capture()))
                break
            rotation += 1
            # The end of a round (or of the warm-up): cleared and idle.
            if "compare:" in tui.capture().status:
                tui.compare_off()
            tui.clear()
            smp = idle_sample(tui, f"after round {rotation}")
            if smp is None:
                break
            smp["prompts"] = tui.prompts
            idle_points.append(smp)
            log(f"round {rotation}: {tui.prompts} prompts, {counts['headless']} headless runs; "
                f"idle RSS {fmt_kib(smp['rss'])}, {smp['fds']} fds {smp['kinds']}")
            if baseline is None:  # warm-up: the first round, every step once
                baseline = smp
                if not a.no_gdb:
                    baseline["heap"] = heap_figures(tui.pid, os.path.join(tmp, "heap.xml"))
                log(f"warm-up done after {tui.prompts} prompts: RSS {fmt_kib(smp['rss'])}, "
                    f"{smp['fds']} fds {smp['kinds']}")
        log("soak: load stops; final checks")
        t_final = time.monotonic()
        for t in workers:
            t.join(timeout=max(1.0, end - time.monotonic()))
        ck("headless workers ended", not any(t.is_alive() for t in workers))

        # -- 3. the end
        alive = proc_sample(tui.pid) is not None
        ck("screen: still alive at the end", alive)
        final = None
        stats_screen = None
        final_reply = False
        if alive:
            if "compare:" in tui.capture().status:
                tui.compare_off()
            tui.clear()
            final = idle_sample(tui, "final") or {}
            final["prompts"] = tui.prompts
            if not a.no_gdb and baseline is not None and baseline.get("heap"):
                final["heap"] = heap_figures(tui.pid, os.path.join(tmp, "heap.xml"))
            stats_screen = tui.stats_view()
            if stats_screen is not None:
                sess = next((l for l in stats_screen.lines if l.startswith("session:")), None)
                ck("screen: /stats at the end: nothing streaming",
                   sess is not None and "(0 streaming)" in sess, repr(sess))
            tui.model("mock-fast")
            tui.ask("final ping")
            ok, s = tui.wait_for(lambda s: any("final ping" in l and "“" in l for l in s.transcript)
                                 and any(l.startswith("mock-fast  ") and " ms" in l
                                         for l in s.transcript), 10)
            final_reply = ck("screen: still answers a prompt at the end (mock)", ok, str(s))
        stop_sampler.set()
        end_sample = proc_sample(tui.pid) if alive else None
        if end_sample:
            ck("screen: no zombie children", not end_sample["zombies"], repr(end_sample["children"]))
            ck("screen: no children left", not end_sample["children"], repr(end_sample["children"]))
        zombies_seen = [s for s in samples if s.get("zombies")]
        ck("screen: no zombie child in any sample", not zombies_seen,
           repr(zombies_seen[:1]))
        dead = [s for s in samples if s.get("dead")]
        ck("screen: alive in every sample", not dead)
        if alive:
            tui.type_line("/quit")
            ok, s = tui.wait_for(lambda s: any("EXITED rc=" in l for l in s.lines), 10)
            rc_line = next((l for l in s.lines if "EXITED rc=" in l), "")
            ck("screen: /quit exits 0", ok and "EXITED rc=0" in rc_line, rc_line or str(s))

        log(f"final checks took {time.monotonic() - t_final:.1f}s")
        # Figures against their bounds.
        if baseline is not None and final and "rss" in final:
            grow = final["rss"] - baseline["rss"]
            bound = max(RSS_SLACK_MIB * 1024, baseline["rss"] * RSS_SLACK_PCT / 100)
            ck(f"screen: RSS growth after warm-up {grow} KiB <= {bound:.0f} KiB", grow <= bound,
               f"warm-up {baseline['rss']} KiB at {baseline['prompts']} prompts, final "
               f"{final['rss']} KiB at {final['prompts']} prompts")
            hb, hf = baseline.get("heap"), final.get("heap")
            if hb and hf:
                grow_h = hf["in_use"] - hb["in_use"]
                bound_h = SQLITE_CACHE_KIB + HEAP_SLACK_KIB
                ck(f"screen: heap in use grows {grow_h} KiB <= {bound_h} KiB (no leak)",
                   grow_h <= bound_h, f"{hb} -> {hf}")
            nonsock = lambda s: s["fds"] - s["kinds"].get("socket", 0)  # noqa: E731
            ck("screen: the same non-socket descriptors when idle as at warm-up",
               nonsock(final) == nonsock(baseline), f"{baseline['kinds']} -> {final['kinds']}")
            ck(f"screen: descriptors when idle within warm-up + {FD_SLACK}",
               final["fds"] <= baseline["fds"] + FD_SLACK,
               f"{baseline['fds']} {baseline['kinds']} -> {final['fds']} {final['kinds']}")
            ck("screen: threads back to warm-up when idle", final["threads"] <= baseline["threads"],
               f"{baseline['threads']} -> {final['threads']}")
        else:
            ck("screen: warm-up and final samples taken", False,
               f"baseline={baseline is not None} final={final is not None}")
        if use_vg:
            ck("valgrind: at least one run checked", vg_done > 0)

        # -- the summary
        reqs = srv.requests()
        by_origin = collections.defaultdict(collections.Counter)
        for r in reqs:
            sc = r.get("scenario") or {}
            tag = str(sc.get("tag", ""))
            origin = "screen" if tag.startswith("tui") else "valgrind" if tag.startswith("v") \
                else "replay-fetch" if tag == "replay" else "headless"
            by_origin[origin][classify(sc)] += 1
        db = dirs.history_db()
        dbsize = sum(os.path.getsize(db + suf) for suf in ("", "-wal", "-shm")
                     if os.path.exists(db + suf))
        live = [s for s in samples if not s.get("dead")]
        print()
        print("=" * 78)
        print(f"soak summary (seed {seed}, {time.monotonic() - t_start:.0f}s of {a.seconds:.0f}s)")
        print("-" * 78)
        print(f"{'runs':<34}{'count':>8}")
        for k, v in sorted(stats.c.items()):
            print(f"  headless {k:<25}{v:>8}")
        print(f"  headless exit statuses          {dict(sorted(stats.rc.items()))}")
        print(f"  headless notices seen           {dict(stats.notices)}")
        print(f"  headless breaker trips (--json) {stats.trips}")
        print(f"  valgrind runs                   {vg_done} ({vg_skipped} left out for time)")
        if VG_SUMMARY:
            tot = collections.Counter()
            for _, _, text in VG_SUMMARY:
                for what in ("definitely lost", "indirectly lost", "possibly lost",
                             "still reachable"):
                    m = re.search(what + r": ([\d,]+) bytes", text)
                    tot[what] += int(m.group(1).replace(",", "")) if m else 0
                m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
                tot["errors"] += int(m.group(1)) if m else 0
            print(f"  valgrind totals                 {tot['errors']} errors; lost: definitely "
                  f"{tot['definitely lost']} B, indirectly {tot['indirectly lost']} B, possibly "
                  f"{tot['possibly lost']} B; still reachable {tot['still reachable']} B")
        if stats.history_lines:
            print(f"  history lines on stderr         {dict(stats.history_lines)}")
        print(f"  screen prompts                  {tui.prompts}")
        print(f"  screen rounds                   {rotation}")
        print(f"  screen events                   " +
              ", ".join(f"{k}={v}" for k, v in sorted(tui.events.items())
                        if not k.startswith("step ")))
        print("-" * 78)
        print("faults hit (requests the server answered, by scenario)")
        kinds = sorted(set(k for c in by_origin.values() for k in c))
        origins = ["headless", "valgrind", "screen", "replay-fetch"]
        print(f"  {'fault':<40}" + "".join(f"{o:>13}" for o in origins))
        for k in kinds:
            print(f"  {k[:40]:<40}" + "".join(f"{by_origin[o][k]:>13}" for o in origins))
        refused = sum(v for f, v in stats.faults.items() if f.endswith("/refused"))
        print(f"  {'(client side) connection refused':<40}{refused:>13}")
        print(f"  {'total requests':<40}" + "".join(f"{sum(by_origin[o].values()):>13}"
                                                   for o in origins))
        print("-" * 78)
        if live:
            rss = [s["rss"] for s in live]
            print(f"screen RSS      first {fmt_kib(rss[0])}  last {fmt_kib(rss[-1])}  "
                  f"max {fmt_kib(max(rss))}  (VmHWM {fmt_kib(live[-1]['hwm'])}), {len(live)} samples")
            print(f"screen fds      first {live[0]['fds']}  last {live[-1]['fds']}  "
                  f"max {max(s['fds'] for s in live)}; threads max {max(s['threads'] for s in live)}")
        if start_sample:
            print(f"  at start        RSS {fmt_kib(start_sample['rss'])}, {start_sample['fds']} fds "
                  f"{start_sample['kinds']}")
        for p in idle_points:
            print(f"  idle, {p['what']:<16} RSS {fmt_kib(p['rss'])}, {p['fds']} fds {p['kinds']}, "
                  f"{p['threads']} thread(s), {p['prompts']} prompts"
                  + ("   <- warm-up baseline" if p is baseline else ""))
        if final and "rss" in final:
            print(f"  idle, final            RSS {fmt_kib(final['rss'])}, {final['fds']} fds "
                  f"{final['kinds']}, {final['threads']} thread(s), {final['prompts']} prompts")
        for what, smp in (("warm-up", baseline), ("final", final)):
            h = smp.get("heap") if smp else None
            if h:
                print(f"  heap, {what:<8} {h['heap']} KiB, of which free {h['free']} KiB, in use "
                      f"{h['in_use']} KiB (SQLite {h['sqlite']} KiB)  [malloc_info via gdb]")
        if not (baseline and baseline.get("heap")):
            print("  heap            not read (no gdb, --no-gdb, or it could not attach)")
        if len(idle_points) >= 3 and baseline in idle_points:
            after = [p for p in idle_points if p["prompts"] > baseline["prompts"]] + \
                ([final] if final else [])
            if after:
                d = after[-1]["prompts"] - baseline["prompts"]
                if d > 0:
                    print(f"  trend after warm-up: {(after[-1]['rss'] - baseline['rss']) / d:+.2f} "
                          f"KiB per prompt over {d} prompts")
        print("-" * 78)
        print("breaker transitions seen on the status bar")
        for (name, a_, b_), v in sorted(breakers.transitions.items()):
            print(f"  {name:<10} {a_:>9} -> {b_:<9} {v:>5}")
        if stats_screen is not None:
            for l in stats_screen.lines:
                m = re.match(r"^(\S+)\s+(\d+)/(\d+)\s+(\d+)\s+.*?\s(\d+)\s+"
                             r"(closed|open|half-open|disabled)\b", l)
                if m:
                    print(f"  /stats: {m.group(1):<10} streams {m.group(3):>4}, errors "
                          f"{m.group(4):>4}, trips {m.group(5):>3}, now {m.group(6)}")
                if l.startswith("session:"):
                    print("  /stats: " + l.strip())
        print("-" * 78)
        print(f"history db      {dbsize / 1024:.0f} KiB (with its WAL and shm), "
              f"{os.path.relpath(db, tmp)} in the temporary HOME")
        print(f"request log     {len(reqs)} requests")
        print("=" * 78)
        ck("breakers: an open and a close seen on the status bar",
           any(b == "open" for (_, _, b) in breakers.transitions) and
           any(a_ == "half-open" and b == "closed" for (_, a_, b) in breakers.transitions),
           repr(dict(breakers.transitions)))
        ck("server: still up at the end (bounded by --max-seconds)", srv.alive())
        ck("screen: final reply", final_reply)
    except Exception:  # noqa: BLE001 (counted as a failure, then the cleanup)
        import traceback
        ck("soak: runs to its end", False, traceback.format_exc())
    finally:
        stop_sampler.set()
        wd.cancel()
        if tui is not None:
            tui.tm.kill()
        srv.close()
        if a.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
