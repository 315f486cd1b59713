#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The screen's defects of issue 15, part B (a new user's first hour), each
checked against the real binary in tmux: one test per defect, named by its
number in the issue. Each test fails on the behaviour before the fixes
(commit 83baf2e); a test's first checks may be preconditions that pass there.

  1  a line that begins with "/" is a message unless its first word is a
     command word; //text; a paste is never a command; /co, /nope
  2  an attempt's notices in one block above its reply; a reply that failed
     before its first token is one error block; "waiting … (rate limited)"
  3  --resume of a compare made on the screen
  5  config warnings and an unknown --theme on the screen
  6  the shipped themes from any directory; a failed /theme keeps the colours
  7  Tab after /model offers the config's models; Tab-Tab lists them all
  8  Enter while a reply streams queues the prompt; Ctrl-C drops the queue
  9  the status bar: the provider in use first, replies counted as /stats does
 10  /stats: a row per provider:model, a long name cut with "…"
 11  a reply cut by the token limit, on each wire: marked, /continue goes on
 12  the banner says "no API key set" only when none is
 13  LANG=C: ASCII marks, said once
 15  one failed prompt: one error block, one failure for the breaker
 16  a lone Esc then a pause is a plain Esc
 17  the compare view: top-aligned, the same header fields, the cost whole,
     Ctrl-C on a finished column, a scrolled column follows a new prompt
 18  /sessions more
 19  "(1 line", "◐ probing" only while a probe streams, /system none, /export ~/

Defects 4 and 14 (headless, documentation) and the parts of 3, 11, 18 and 19
that are not on the screen are not checked here. What test_tui, test_compare
and test_history already check is named where it would go, not checked again.

Every test has its own HOME and XDG dirs in a temporary folder, its own tmux
server (tmux -L circuit-nu-NAME-<pid>) and, when it needs one, its own
loopback server; circuit runs with that folder as its working directory. The
tests run side by side (a few at a time) to keep the suite short. Nothing
sleeps to wait for a state: the screen, the request log and the files are
polled until a condition holds or a deadline passes, and a failure shows the
last capture. Ends with "N passed, N failed".

`python3 test_newuser_screen.py 2 17` runs only those defects' tests."""
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time

import harness
import test_compare as tc
from harness import BIN, MS, POLL, ROOT, finish

KEY = "sk-test-circuit-newuser"
TURN_S = 15.0  # a reply, from Enter to its finished label (the machine is shared)
WORKERS = 4    # tests running at once

_lock = threading.Lock()


def check(name, ok, detail=""):
    """harness.check, safe from the tests' threads."""
    with _lock:
        return harness.check(name, ok, detail)


# ---- reading the screen ----------------------------------------------------------------

class Screen(harness.Screen):
    """One capture: transcript, rule, input pane, status bar (the last row).
    The transcript is read as messages: a label line, its rows, a blank."""

    def labels(self, label):
        """Indices of transcript rows that are label lines of `label`."""
        return [i for i, l in enumerate(self.transcript) if is_label(l, label)]

    def block(self, label, nth=-1):
        """(label line, text rows) of the nth message labelled `label`, or None."""
        idx = self.labels(label)
        if not idx:
            return None
        i = idx[nth]
        body = []
        for l in self.transcript[i + 1:]:
            if l == "" or l == "[interrupted]":
                break
            body.append(l)
        if body and body[-1].endswith("▌"):
            body[-1] = body[-1][:-1]
        return self.transcript[i], body

    def messages(self):
        """[(label line, text rows)] of the transcript, top to bottom."""
        out, cur = [], None
        for l in self.transcript:
            if l == "":
                if cur is not None:
                    out.append(cur)
                cur = None
            elif cur is None:
                cur = (l, [])
            elif l != "[interrupted]":
                cur[1].append(l)
        if cur is not None:
            out.append(cur)
        return out

    def heads(self):
        """The label words of the messages, in order ("you", "circuit", "gpt-4o"…)."""
        return [h.split("  ")[0] for h, _ in self.messages()]

    def text(self, label, nth=-1):
        """A message's rows joined with blanks, or None."""
        b = self.block(label, nth)
        return squash(" ".join(b[1])) if b else None

    def idle(self):
        """Drawn, the input line empty, nothing streaming."""
        return (self.rule is not None and bool(self.input) and self.input[0].rstrip() == ">"
                and not self.has("streaming…"))


def squash(s):
    """Whitespace runs to one blank: wrapped rows compare with the text."""
    return " ".join(s.split())


def is_label(line, label):
    return line == label or line.startswith(label + "  ")


def user_turns(req):
    """The user turns' texts of an OpenAI Chat request, in order."""
    out = []
    for m in ((req or {}).get("body") or {}).get("messages") or []:
        if m.get("role") == "user":
            c = m.get("content")
            if isinstance(c, list):
                c = "".join(x.get("text", "") for x in c if isinstance(x, dict))
            out.append(c)
    return out


# ---- a test's box: HOME, XDG dirs, config, tmux, loopback server ------------------------

class Box:
    """What one test runs in: a folder with HOME and the XDG dirs (circuit's
    working directory too), a private tmux server, and a loopback server when
    asked for. close() ends them."""

    def __init__(self, tmp, name):
        self.name = name
        self.dir = os.path.join(tmp, name)
        self.home = os.path.join(self.dir, "home")
        self.config = os.path.join(self.dir, "config")
        self.data = os.path.join(self.dir, "data")
        self.state = os.path.join(self.dir, "state")
        for d in (self.home, self.config, self.data, self.state):
            os.makedirs(d, exist_ok=True)
        self.config_file = os.path.join(self.config, "circuit", "config")
        self.tm = harness.Tmux(self.dir, "nu-" + name, Screen, linger=15)
        self.srv = None

    def server(self):
        """The box's loopback server, started on first use."""
        if self.srv is None:
            self.srv = harness.LoopbackServer(self.dir, max_seconds=240, idle_seconds=120)
        return self.srv

    def close(self):
        self.tm.kill()
        if self.srv is not None:
            self.srv.close()

    def env(self, **extra):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home,
               "TERM": "xterm-256color", "LANG": "C.UTF-8",
               "XDG_CONFIG_HOME": self.config, "XDG_DATA_HOME": self.data,
               "XDG_STATE_HOME": self.state}
        env.update(extra)
        return env

    def write_config(self, lines):
        os.makedirs(os.path.dirname(self.config_file), exist_ok=True)
        for ln in lines:
            assert len(ln.encode()) <= 198, f"config line over 198 bytes: {ln}"
        with open(self.config_file, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")

    def provider(self, name, scenario, kind="openai", models=None):
        """A [provider.NAME] on the loopback server with its scenario (and a
        tag of its own, so its requests are told apart in the log)."""
        srv = self.server()
        url = srv.base(f"{scenario},tag={self.name}-{name}" if scenario
                       else f"tag={self.name}-{name}")
        if kind in ("openai", "openai-responses"):
            url += "/v1"
        out = [f"[provider.{name}]", f"kind = {kind}", f"base_url = {url}"]
        if kind != "ollama":
            out.append("key_env = LOOP_KEY")
        return out + [f"models = {models or 'm-' + name}", ""]

    def requests(self, name=None):
        """The loopback server's requests (of provider NAME's tag only)."""
        reqs = self.srv.requests() if self.srv else []
        if name is None:
            return reqs
        tag = f"tag={self.name}-{name}"
        return [r for r in reqs if tag in r.get("path", "")]

    def wait_requests(self, n, name=None, timeout=TURN_S):
        deadline = time.monotonic() + timeout
        while True:
            reqs = self.requests(name)
            if len(reqs) >= n or time.monotonic() >= deadline:
                return reqs
            time.sleep(POLL)

    def pane(self, env, args=(), cols=120, rows=40):
        """circuit in a new tmux session, run from the box's folder with
        exactly env (its path absolute, as a user's installed binary is)."""
        cmd = (f"cd {shlex.quote(self.dir)} && env -i " +
               " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) + " " +
               " ".join(shlex.quote(a) for a in [os.path.abspath(BIN), *args]) +
               f"; echo EXITED rc=$?; sleep {self.tm.linger}")
        return self.tm.raw_pane(cols, rows, cmd)

    def run(self, args, env=None, timeout=30):
        """A headless run from the box's folder: (status, stdout, stderr)."""
        p = subprocess.run([os.path.abspath(BIN), *args], capture_output=True, timeout=timeout,
                           env=env if env is not None else self.env(), cwd=self.dir,
                           stdin=subprocess.DEVNULL)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))


def started(p, model, name, timeout=10):
    """Waits for the first screen, its status bar ending with model."""
    ok, s = p.wait_for(lambda s: s.rule is not None and s.input
                       and s.status.rstrip().endswith(model), timeout=timeout)
    check(f"{name}: the screen starts on {model}", ok, str(s))
    return ok, s


# A finished reply's label line has its timings; read loosely ("12ms" or the
# "12 ms" of before the fixes), so that waiting for a reply never fails for
# the way a figure is written.
ENDED = re.compile(r"  \d+(?:\.\d+)? ?m?s\b")


def reply_done(label, nth=None):
    """A predicate: the (nth, else the last) reply labelled label has ended."""
    def pred(s):
        idx = s.labels(label)
        if nth is not None and len(idx) < nth + 1:
            return False
        b = s.block(label, nth if nth is not None else -1)
        return (b is not None and "streaming…" not in b[0] and ENDED.search(b[0]) is not None
                and not s.has("streaming…"))
    return pred


def error_blocks(s):
    return [(h, b) for h, b in s.messages() if is_label(h, "error")]


# ---- 1. a "/" line is a message unless its first word is a command ---------------------

def test_1_slash_lines(box):
    srv = box.server()
    env = box.env(OPENAI_BASE_URL=srv.base("tokens=3") + "/v1", OPENAI_API_KEY=KEY)
    p = box.pane(env, ["-m", "gpt-4o"], cols=140)
    ok, s = started(p, "gpt-4o", "1")
    if not ok:
        return

    def sent(line, want, what):
        n = len(srv.requests())
        p.send(line)
        req = srv.wait_request(n, timeout=TURN_S)
        got = user_turns(req)
        check(f"1: {what}: sent to the model as {want!r}", bool(got) and got[-1] == want,
              json.dumps(got)[:300])
        ok, s = p.wait_for(lambda s: reply_done("gpt-4o", len(got) - 1)(s) if got else False,
                           timeout=TURN_S)
        b = s.block("you")
        check(f"1: {what}: shown as the user's message, a reply follows, no error",
              ok and b is not None and squash(" ".join(b[1])) == squash(want)
              and not s.labels("error") and not s.has("Commands:"), str(s))

    sent("/var/log/syslog: error at line 3", "/var/log/syslog: error at line 3",
         "a path that begins with /")
    sent("//text", "/text", "//text")
    # A paste of several lines whose first line is a command: never a command.
    box.tm.run("set-buffer", "-b", "nu1", "/help\nis not a command here")
    box.tm.run("paste-buffer", "-p", "-b", "nu1", "-t", p.name)
    ok, s = p.wait_for(lambda s: any("is not a command here" in l for l in s.input))
    check("1: a bracketed paste stays in the input pane", ok, str(s))
    n = len(srv.requests())
    p.keys("Enter")
    req = srv.wait_request(n, timeout=TURN_S)
    got = user_turns(req)
    check("1: a paste of several lines beginning with /help is sent as a message",
          bool(got) and got[-1] == "/help\nis not a command here", json.dumps(got)[:300])
    ok, s = p.wait_for(reply_done("gpt-4o", 2), timeout=TURN_S)
    check("1: the paste: /help did not run", ok and not s.has("Commands:"), str(s))

    n = len(srv.requests())
    p.send("/co")
    ok, s = p.wait_for(lambda s: len(error_blocks(s)) == 1)
    e = error_blocks(s)
    check("1: /co says it is ambiguous between /compare, /continue and /copy",
          ok and squash(" ".join(e[0][1])) == "/co is ambiguous: /compare, /continue, /copy",
          str(s))
    p.send("/nope")
    ok, s = p.wait_for(lambda s: len(error_blocks(s)) == 2)
    e = error_blocks(s)
    check("1: /nope is an unknown command, and the error says how to send it",
          ok and squash(" ".join(e[-1][1])) ==
          "unknown command '/nope': /help lists them (//nope sends it as a message)", str(s))
    p.send("//after")
    srv.wait_request(n, timeout=TURN_S)
    reqs = srv.requests()
    check("1: /co and /nope sent nothing (the next request is //after's)",
          len(reqs) == n + 1 and user_turns(reqs[n])[-1:] == ["/after"],
          json.dumps([user_turns(r)[-1:] for r in reqs[n:]]))


# ---- 2. notices above their reply; a reply that never began; the wait ------------------

def notes_of(s, prompt):
    """After the user message `prompt`: the messages that follow it, [(head, rows)]."""
    msgs = s.messages()
    at = [i for i, (h, b) in enumerate(msgs)
          if is_label(h, "you") and squash(" ".join(b)) == prompt]
    return msgs[at[-1] + 1:] if at else None


def ms_of(t):
    """A time as util/units writes it ("950ms", "2.5s", "125s"), in ms."""
    m = re.fullmatch(r"(\d+)ms|(\d+(?:\.\d)?)s", t or "")
    if m is None:
        return -1
    return int(m.group(1)) if m.group(1) else float(m.group(2)) * 1000


def test_2_notices(box):
    box.write_config(["max_retries = 2", "breaker_failures = 50", ""] +
                     box.provider("flaky", "fail_times=1,status=500,retry_after_ms=100") +
                     box.provider("down", "status=500,retry_after_ms=100") +
                     box.provider("spare", "tokens=4") +
                     box.provider("limited", "fail_times=1,status=429,retry_after=3,tokens=4"))
    p = box.pane(box.env(LOOP_KEY=KEY), ["-m", "flaky:m-flaky"], cols=200, rows=60)
    ok, s = started(p, "flaky:m-flaky", "2")
    if not ok:
        return

    # A retry, then the reply: the [retry] line stands above the reply.
    p.send("retried once")
    ok, s = p.wait_for(reply_done("flaky:m-flaky"), timeout=TURN_S)
    after = notes_of(s, "retried once") or []
    check("2: a retry: one circuit block between the prompt and its reply, the reply last",
          ok and [h.split("  ")[0] for h, _ in after] == ["circuit", "flaky:m-flaky"]
          and after[0][1][0].startswith("[retry] "), str(s))

    # Retries, then the fallback: every notice in order, in one block.
    p.send("/fallback spare:m-spare")
    p.send("/model down:m-down")
    ok, s = p.wait_for(lambda s: s.status.rstrip().endswith("down:m-down"))
    p.send("falls back")
    label = "spare:m-spare (fallback)"
    ok, s = p.wait_for(reply_done(label), timeout=TURN_S)
    after = notes_of(s, "falls back") or []
    kinds = [re.match(r"\[(\w+)\]", l).group(1) for l in (after[0][1] if after else [])
             if re.match(r"\[(\w+)\]", l)]
    check("2: retries then a fallback: one circuit block above the fallback's reply",
          ok and [h.split("  ")[0] for h, _ in after] == ["circuit", label], str(s))
    check("2: the block holds the attempts' notices in order: retry, retry, fallback",
          kinds == ["retry", "retry", "fallback"], repr(after[:1]))
    check("2: no empty reply of the failed model is left", not s.labels("down:m-down"), str(s))

    # Every attempt fails before its first token: one error block, no reply label.
    p.send("/fallback none")
    p.send("nothing answers")
    ok, s = p.wait_for(lambda s: (notes_of(s, "nothing answers") or [("", [])])[-1][0] == "error"
                       and s.idle(), timeout=TURN_S)
    after = notes_of(s, "nothing answers") or []
    check("2: a reply that never began: one error block, no reply label",
          ok and [h for h, _ in after] == ["error"] and not s.labels("down:m-down"), str(s))
    rows = after[0][1] if after else []
    retries = [l for l in rows if l.startswith("[retry] ")]
    check("2: the error block: the failure line first, then its attempts' notices",
          bool(rows) and rows[0].startswith("down had a server error") and len(retries) == 2
          and rows.index(retries[0]) > 0, repr(rows))

    # A 429 with retry-after: the reply's label counts the wait down.
    p.send("/model limited:m-limited")
    ok, s = p.wait_for(lambda s: s.status.rstrip().endswith("limited:m-limited"))
    p.send("rate limited")
    wait_re = re.compile(r"^limited:m-limited  waiting (" + MS + r") \(rate limited\)$")

    def waiting(s):
        b = s.block("limited:m-limited")
        return b is not None and wait_re.match(b[0]) is not None

    ok, s = p.wait_for(waiting, timeout=5)
    first = wait_re.match(s.block("limited:m-limited")[0]).group(1) if ok else None
    check("2: during a 429 back-off the label says 'waiting T (rate limited)', not streaming…",
          ok, str(s))
    ok2, s = p.wait_for(lambda s: waiting(s) and ms_of(wait_re.match(
        s.block("limited:m-limited")[0]).group(1)) < ms_of(first), timeout=5)
    check("2: the wait counts down", ok and ok2, repr(first) + str(s))
    ok, s = p.wait_for(reply_done("limited:m-limited"), timeout=TURN_S)
    check("2: after the wait the reply comes", ok, str(s))


# ---- 3. --resume of a compare made on the screen ----------------------------------------

def test_3_resume_compare(box):
    # Headless compares resumed: test_history.py (test_headless, "--resume of
    # a compare shows its prompt once, then each column's reply").
    box.write_config(["max_retries = 0", ""] + box.provider("a", "tokens=5") +
                     box.provider("b", "tokens=7"))
    env = box.env(LOOP_KEY=KEY)
    p = box.pane(env, ["--compare", "a:m-a,b:m-b"], cols=160)
    p.tmux.screen = tc.Screen
    ok, s = p.wait_for(lambda s: [c.label for c in s.columns] == ["a:m-a", "b:m-b"], timeout=10)
    check("3: the compare opens on the screen", ok, str(s))
    p.send("compared on the screen")
    reqs = box.wait_requests(2)
    ok, s = p.wait_for(lambda s: s.states() == ["done", "done"], timeout=TURN_S)
    p.tmux.screen = Screen
    replies = {r["body"]["model"]: r["reply"] for r in reqs}
    check("3: both columns answered", ok and set(replies) == {"m-a", "m-b"}, str(s))
    ok, s = p.quit()
    check("3: Ctrl-D quits", ok, str(s))

    p = box.pane(env, ["--resume"], cols=160)
    ok, s = p.wait_for(lambda s: s.rule is not None and s.has("conversation ")
                       and s.labels("b:m-b"), timeout=10)
    heads = [h for h in s.heads() if h in ("you", "a:m-a", "b:m-b")]
    check("3: --resume shows the prompt once, then each column's reply, labelled by model",
          ok and heads == ["you", "a:m-a", "b:m-b"], str(s))
    check("3: the prompt and each reply's text",
          ok and s.text("you") == "compared on the screen"
          and s.text("a:m-a") == squash(replies.get("m-a", "?"))
          and s.text("b:m-b") == squash(replies.get("m-b", "?")), str(s))
    check("3: the resumed conversation counts its 3 messages",
          re.search(r"conversation \d+, 3 messages", "\n".join(s.lines)) is not None, str(s))


# ---- 5. config warnings and an unknown theme on the screen ------------------------------

def test_5_warnings(box):
    box.write_config(["# line 1", "no_such_key = 1", "max_retries = 0"])
    p = box.pane(box.env(), ["-m", "mock-fast"])
    ok, s = p.wait_for(lambda s: s.rule is not None and error_blocks(s), timeout=10)
    e = "".join(l.strip() for _, b in error_blocks(s) for l in b)
    check("5: a bad config line: an error block on the screen naming FILE:LINE",
          ok and f"{box.config_file}:2" in e, str(s))
    p.send("still works")
    ok, s = p.wait_for(reply_done("mock-fast"), timeout=TURN_S)
    check("5: the screen works after the warning", ok, str(s))
    # Headless, the same warning goes to stderr and the answer comes.
    rc, out, err = box.run(["-p", "hi", "-m", "mock-fast"])
    check("5: headless: the warning names FILE:LINE on stderr, exit 0",
          rc == 0 and f"{box.config_file}:2" in err and out.strip() != "",
          f"rc={rc} err={err!r}")

    os.remove(box.config_file)
    p = box.pane(box.env(), ["-m", "mock-fast", "--theme", "nosuch"])
    ok, s = p.wait_for(lambda s: s.rule is not None and error_blocks(s), timeout=10)
    e = "".join(l.strip() for _, b in error_blocks(s) for l in b)
    user_dir = os.path.join(box.config, "circuit", "themes")
    check("5: --theme nosuch: an error naming the theme and the folders searched (the user's "
          "and the shipped ones)", ok and "nosuch" in e and user_dir in e
          and e.count("themes/nosuch.theme") >= 2, str(s))
    p.send("after a bad theme")
    ok, s = p.wait_for(reply_done("mock-fast"), timeout=TURN_S)
    check("5: --theme nosuch: the screen still works", ok and not s.has("EXITED"), str(s))


# ---- 6. themes from any directory; a failed /theme keeps the colours --------------------

SGR = re.compile(r"\x1b\[([0-9;]*)m")


def sgr_apply(state, params):
    """state (a dict) after one SGR's parameters."""
    codes = [int(x) if x else 0 for x in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            state.clear()
        elif c in (38, 48) and i + 1 < len(codes):
            n = 3 if codes[i + 1] == 5 else 5
            state["fg" if c == 38 else "bg"] = tuple(codes[i + 1:i + n])
            i += n - 1
        elif 30 <= c <= 37 or 90 <= c <= 97:
            state["fg"] = c
        elif 40 <= c <= 47 or 100 <= c <= 107:
            state["bg"] = c
        elif c == 39:
            state.pop("fg", None)
        elif c == 49:
            state.pop("bg", None)
        elif 1 <= c <= 9:
            state[c] = True
        elif 21 <= c <= 29:
            for k in ((1, 2) if c == 22 else (c - 20,)):
                state.pop(k, None)
        i += 1


def colours(p, s):
    """The colours and attributes of the first mark of the rule row and of the
    status bar (capture-pane -e carries them from row to row), or None."""
    raw = p.capture(escapes=True)
    if s.rule is None or len(raw) != len(s.lines):
        return None
    state, found = {}, {}
    for y, line in enumerate(raw):
        pos = 0
        for m in SGR.finditer(line + "\x1b[m"):
            text = line[pos:m.start()]
            if y in (s.rule, len(raw) - 1) and y not in found and text.strip():
                found[y] = dict(state)
            if m.start() < len(line):  # not the sentinel
                sgr_apply(state, m.group(1))
            pos = m.end()
    return found.get(s.rule), found.get(len(raw) - 1)


def test_6_themes(box):
    p = box.pane(box.env(), ["-m", "mock-fast", "--theme", "solarized-dark"])
    ok, s = started(p, "mock-fast", "6")
    check("6: --theme solarized-dark from an unrelated folder: no error",
          ok and not error_blocks(s), str(s))
    dark = colours(p, s)
    p.send("/theme light")
    ok, s = p.wait_for(lambda s: "theme light" in s.status)
    check("6: /theme light: no error", ok and not error_blocks(s), str(s))
    light = colours(p, s)
    check("6: /theme light changes the colours (so the next check can fail)",
          dark is not None and light is not None and dark != light, repr((dark, light)))
    p.send("/theme")
    ok, s = p.wait_for(lambda s: any(l.startswith("themes: ") for l in s.transcript))
    row = next((l for l in s.transcript if l.startswith("themes: ")), "")
    names = [x.strip() for x in row[len("themes: "):].split(" (")[0].split(",")]
    check("6: /theme lists the themes found: default, mono, light, solarized-dark",
          ok and {"default", "mono", "light", "solarized-dark"} <= set(names), repr(row))
    # Back to solarized-dark (its rule and status bar differ from the
    # default theme's, which light's do not), then a theme that is not there.
    p.send("/theme solarized-dark")
    ok, s = p.wait_for(lambda s: "theme solarized-dark" in s.status)
    check("6: /theme solarized-dark: its colours again, no error",
          ok and not error_blocks(s) and colours(p, s) == dark, repr(colours(p, s)))
    p.send("/theme nosuch")
    ok, s = p.wait_for(lambda s: error_blocks(s))
    e = squash(" ".join(" ".join(b) for _, b in error_blocks(s)))
    check("6: /theme nosuch: an error that says the theme stays",
          ok and "nosuch" in e and "stays" in e, str(s))
    after = colours(p, s)
    check("6: /theme nosuch keeps the colours of the theme in use (solarized-dark)",
          after is not None and after == dark, repr((dark, after)))


# ---- 7. Tab after /model --------------------------------------------------------------------

def test_7_tab_models(box):
    box.write_config(["max_retries = 0", ""] +
                     box.provider("loop", "tokens=3", models="m-alpha-one, m-beta-two"))
    p = box.pane(box.env(LOOP_KEY=KEY), ["-m", "mock-fast"], cols=80)
    ok, s = started(p, "mock-fast", "7")
    if not ok:
        return
    p.text("/model m-al")
    p.keys("Tab")
    ok, s = p.wait_for(lambda s: "/model m-alpha-one" in "\n".join(s.input))
    check("7: Tab after '/model m-al' completes the config's model m-alpha-one", ok, str(s))
    p.keys("Enter")
    ok, s = p.wait_for(lambda s: s.status.rstrip().endswith("m-alpha-one"))
    check("7: the completed /model switches to it", ok and not error_blocks(s), str(s))
    p.text("/model ")
    p.keys("Tab")
    p.keys("Tab")
    want = ("m-alpha-one", "m-beta-two", "mock", "mock-fast", "mock-slow", "mock-flaky",
            "gpt-4o", "claude-sonnet-4-5", "gemini-2.5-flash", "ollama:llama3.2")

    def listed(s):
        words = set(" ".join(" ".join(b) for _, b in s.messages()).split())
        return all(w in words for w in want)

    ok, s = p.wait_for(listed)
    check("7: Tab-Tab after '/model ' lists every model (the config's, the mocks, ollama) in "
          "the transcript when the status bar is too narrow", ok, str(s))


# ---- 8. the queue ------------------------------------------------------------------------------

def test_8_queue(box):
    srv = box.server()
    env = box.env(OPENAI_BASE_URL=srv.base("pace_ms=120,tokens=16") + "/v1",
                  OPENAI_API_KEY=KEY)
    p = box.pane(env, ["-m", "gpt-4o"], cols=160)
    ok, s = started(p, "gpt-4o", "8")
    if not ok:
        return
    p.send("first prompt")
    ok, s = p.wait_for(lambda s: s.labels("gpt-4o") and "streaming…" in s.block("gpt-4o")[0],
                       timeout=TURN_S)
    p.send("second prompt")
    ok, s = p.wait_for(lambda s: s.labels("you (queued)"))
    b = s.block("you (queued)")
    check("8: Enter while a reply streams: the prompt shows as 'you (queued)'",
          ok and b is not None and b[1] == ["second prompt"]
          and "streaming…" in s.block("gpt-4o")[0], str(s))
    check("8: the status bar says it is queued, and how to drop it",
          "queued (1): sent when the reply ends · Ctrl-C on an empty line drops it" in s.status,
          repr(s.status))
    check("8: nothing more is sent while the reply streams", len(srv.requests()) == 1,
          json.dumps([user_turns(r) for r in srv.requests()]))
    ok, s = p.wait_for(reply_done("gpt-4o", 1), timeout=TURN_S)
    reqs = srv.requests()
    check("8: when the reply ends the queued prompt is sent, after the first exchange",
          len(reqs) == 2 and user_turns(reqs[1]) == ["first prompt", "second prompt"],
          json.dumps([user_turns(r) for r in reqs]))
    check("8: its label is 'you' now, and a reply follows it",
          ok and not s.labels("you (queued)")
          and s.heads()[-4:] == ["you", "gpt-4o", "you", "gpt-4o"], str(s))

    # Ctrl-C on an empty line: the queue goes, and the stream is cancelled.
    p.send("third prompt")
    ok, s = p.wait_for(lambda s: len(s.labels("gpt-4o")) == 3
                       and "streaming…" in s.block("gpt-4o")[0], timeout=TURN_S)
    p.send("fourth prompt")
    ok, s = p.wait_for(lambda s: s.labels("you (queued)"))
    check("8: a prompt queued behind the third reply", ok, str(s))
    p.keys("C-c")
    ok, s = p.wait_for(lambda s: not s.labels("you (queued)") and s.has("[interrupted]")
                       and not s.has("streaming…"))
    check("8: Ctrl-C on an empty line drops the queued prompt and cancels the stream",
          ok and not s.has("fourth prompt"), str(s))
    p.send("fifth prompt")
    reqs = box.wait_requests(4)
    ok, s = p.wait_for(reply_done("gpt-4o", 3), timeout=TURN_S)
    check("8: the dropped prompt is never sent",
          len(reqs) == 4 and user_turns(reqs[3])[-1] == "fifth prompt"
          and "fourth prompt" not in json.dumps([user_turns(r) for r in reqs]),
          json.dumps([user_turns(r) for r in reqs]))


# ---- 9. the status bar: the provider in use first; replies counted as /stats does ----------

STATS_ROW = re.compile(r"^(\S+)\s+(\d+)/(\d+)\s")


def stats_rows(s):
    """{name: (streaming, replies)} of the /stats view's rows."""
    out = {}
    for l in s.transcript:
        m = STATS_ROW.match(l)
        if m:
            out[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return out


def test_9_status_bar(box):
    srv = box.server()
    env = box.env(OPENAI_BASE_URL=srv.base("fail_times=1,status=500,retry_after_ms=50,"
                                           f"tag={box.name}") + "/v1",
                  OPENAI_API_KEY=KEY, ANTHROPIC_BASE_URL=srv.base("tokens=4"),
                  ANTHROPIC_API_KEY=KEY)
    p = box.pane(env, ["-m", "mock-fast"], cols=140)
    ok, s = started(p, "mock-fast", "9")
    if not ok:
        return
    for i, model in enumerate(("mock-fast", "gpt-4o", "claude-sonnet-4-5")):
        if i:
            p.send(f"/model {model}")
            p.wait_for(lambda s: s.status.rstrip().endswith(model))
        p.send(f"prompt {i}")
        ok, s = p.wait_for(reply_done(model), timeout=TURN_S)
        check(f"9: {model} answers", ok, str(s))
    want = {"mock": "0/1", "openai": "0/1", "anthropic": "0/1"}

    def counts(s):
        return dict(re.findall(r"(?:^|│ )(mock|openai|anthropic) \S+.*?\b(\d+/\d+)\b",
                               s.status))

    ok, s = p.wait_for(lambda s: len(counts(s)) == 3
                       and all(v.startswith("0/") for v in counts(s).values()))
    check("9: the provider in use (anthropic) is first on the status bar",
          ok and s.status.startswith("anthropic "), repr(s.status))
    check("9: each provider's a/b counts its replies: openai's retry is one reply (0/1)",
          ok and counts(s) == want, repr(s.status) + " " + repr(counts(s)))
    p.send("/stats")
    ok, s = p.wait_for(lambda s: s.has("session:"))
    rows = stats_rows(s)
    check("9: /stats' replies column has the same numbers as the status bar",
          ok and all(rows.get(k) == (0, 1) for k in ("mock", "openai", "anthropic")),
          repr(rows) + str(s))
    p.keys("Escape")
    p.wait_for(lambda s: not s.has("session:"))
    p.resize(60, 40)
    ok, s = p.wait_for(lambda s: len(s.lines[-1]) <= 60 and s.status.startswith("anthropic ")
                       and s.status.rstrip().endswith("claude-sonnet-4-5"))
    check("9: 60 columns, three providers used: the one in use (anthropic, used last) first, "
          "the model at the end", ok, repr(s.status))
    p.send("/model gpt-4o")
    ok, s = p.wait_for(lambda s: s.status.startswith("openai ")
                       and s.status.rstrip().endswith("gpt-4o"))
    check("9: 60 columns: after /model gpt-4o, openai first", ok, repr(s.status))


# ---- 10. /stats: one row per provider:model ---------------------------------------------

LONG_MODEL = "a-model-name-much-too-long-for-the-column"


def test_10_stats_rows(box):
    box.write_config(["max_retries = 0", ""] +
                     box.provider("one", "tokens=3", models="shared-model") +
                     box.provider("two", "tokens=3", models="shared-model") +
                     box.provider("three", "tokens=3", models=LONG_MODEL))
    p = box.pane(box.env(LOOP_KEY=KEY), ["-m", "one:shared-model"], cols=160)
    ok, s = started(p, "one:shared-model", "10")
    if not ok:
        return
    for i, model in enumerate(("one:shared-model", "two:shared-model", "three:" + LONG_MODEL)):
        if i:
            p.send(f"/model {model}")
            p.wait_for(lambda s: s.status.rstrip().endswith(model))
        p.send(f"prompt {i}")
        ok, s = p.wait_for(reply_done(model), timeout=TURN_S)
        check(f"10: {model} answers", ok, str(s))
    p.send("/stats")
    ok, s = p.wait_for(lambda s: s.has("session:"))
    rows = stats_rows(s)
    check("10: the same model on two providers is two rows, one reply each",
          ok and rows.get("one:shared-model") == (0, 1) and rows.get("two:shared-model") == (0, 1),
          repr(rows) + str(s))
    cut = ("three:" + LONG_MODEL)[:23] + "…"
    check("10: a name too long for its column is cut and ends with '…'",
          rows.get(cut) == (0, 1) and not any(LONG_MODEL in l for l in s.transcript),
          repr(rows) + str(s))


# ---- 11. a reply cut by the token limit, on each wire -------------------------------------

WIRES = ("openai", "anthropic", "gemini", "ollama", "openai-responses")


def test_11_token_limit(box):
    lines = ["max_retries = 0", ""]
    for kind in WIRES:
        lines += box.provider("w" + kind.replace("-", ""), "stop=length,tokens=4", kind=kind)
    box.write_config(lines)
    p = box.pane(box.env(LOOP_KEY=KEY), ["-m", "mock-fast"], cols=160, rows=60)
    ok, s = started(p, "mock-fast", "11")
    if not ok:
        return
    for kind in WIRES:
        name = "w" + kind.replace("-", "")
        label = f"{name}:m-{name}"
        p.send(f"/model {label}")
        p.wait_for(lambda s: s.status.rstrip().endswith(label))
        p.send(f"cut on {kind}")
        ok, s = p.wait_for(reply_done(label), timeout=TURN_S)
        b = s.block(label)
        check(f"11: {kind}: the cut reply's label ends 'cut by the token limit: /continue goes on'",
              ok and b[0].endswith("cut by the token limit: /continue goes on"), str(s))
        n = len(box.requests(name))
        p.send("/continue")
        reqs = box.wait_requests(n + 1, name)
        ok, s = p.wait_for(reply_done(label, 1), timeout=TURN_S)
        check(f"11: {kind}: /continue sends a new request and a new reply comes",
              len(reqs) == n + 1 and ok and not error_blocks(s), str(s))
        p.send("/clear")
        p.wait_for(lambda s: not s.labels(label))


# ---- 12. the banner ------------------------------------------------------------------------------

def banner(s):
    b = s.block("circuit", 0)
    return squash(" ".join(b[1])) if b else ""


def test_12_banner(box):
    p = box.pane(box.env(OPENAI_API_KEY=KEY), ["-m", "mock"])
    ok, s = started(p, "mock", "12")
    text = banner(s)
    check("12: a key set and -m mock: the banner says 'answering offline from mock' without "
          "'no API key set'", ok and "answering offline from mock" in text
          and "no API key" not in text, repr(text))
    p = box.pane(box.env(), ["-m", "mock"])
    ok, s = started(p, "mock", "12")
    text = banner(s)
    check("12: no key at all: 'no API key set: answering offline from mock'",
          ok and "no API key set: answering offline from mock" in text, repr(text))


# ---- 13. LANG=C ----------------------------------------------------------------------------------

def test_13_ascii(box):
    # test_tui.py (test_ascii) checks the rule of dashes and the ASCII status bar.
    srv = box.server()
    env = box.env(LANG="C", OPENAI_BASE_URL=srv.base("tokens=3") + "/v1", OPENAI_API_KEY=KEY)
    p = box.pane(env, ["-m", "mock-fast"], cols=120)

    def ready(s):
        return any(l and set(l) == {"-"} for l in s.lines) and "mock-fast" in s.status

    ok, s = p.wait_for(ready, timeout=10)
    check("13: LANG=C: a rule of '-'", ok, str(s))
    p.send("hello")
    ok, s = p.wait_for(lambda s: re.search(r"^mock-fast  " + MS + r" \| ", "\n".join(s.lines),
                                           re.M) is not None, timeout=TURN_S)
    label = next((l for l in s.lines if l.startswith("mock-fast  ")), "")
    check("13: '|' between a reply's figures", ok and " | " in label and "·" not in label,
          repr(label))
    p.send("/model gpt-4o")
    p.send("again")
    ok, s = p.wait_for(lambda s: any(l.startswith("gpt-4o  ") and " | " in l for l in s.lines)
                       and re.search(r"\d/\d+ \| ", s.status), timeout=TURN_S)
    check("13: '|' between the providers on the status bar, no UTF-8 mark",
          ok and all(ord(c) < 128 for c in s.status), repr(s.status))
    text = "\n".join(s.lines)
    n = text.count("the locale is not UTF-8")
    check("13: the screen says once that the locale is not UTF-8 and marks are ASCII",
          n == 1 and "ASCII" in text, f"{n} times" + str(s))
    marks = [c for l in s.lines if l.startswith(("mock-fast  ", "gpt-4o  ", "circuit", "you"))
             or set(l) <= {"-"} for c in l if ord(c) > 127]
    check("13: labels and the rule hold no UTF-8 mark", not marks, repr(marks))


# ---- 15. one failed prompt: one error block, one failure for the breaker ------------------------

def test_15_one_failure(box):
    box.write_config(["max_retries = 2", "breaker_failures = 3", "breaker_open = 60", ""] +
                     box.provider("down", "status=500,retry_after_ms=50"))
    p = box.pane(box.env(LOOP_KEY=KEY), ["-m", "down:m-down"], cols=200)
    ok, s = started(p, "down:m-down", "15")
    if not ok:
        return
    p.send("first try")
    ok, s = p.wait_for(lambda s: error_blocks(s) and s.idle(), timeout=TURN_S)
    e = error_blocks(s)
    check("15: three attempts fail: ONE error block", ok and len(e) == 1, str(s))
    check("15: it folds its attempts in: '(3 attempts)'",
          bool(e) and "(3 attempts)" in squash(" ".join(e[0][1])), str(s))
    check("15: three requests were made", len(box.requests("down")) == 3,
          str(len(box.requests("down"))))
    p.send("second try")
    reqs = box.wait_requests(4, "down")
    ok, s = p.wait_for(lambda s: len(error_blocks(s)) == 2 and s.idle(), timeout=TURN_S)
    check("15: the failed prompt counted once toward the breaker: the next one is tried",
          len(reqs) >= 4, f"{len(reqs)} requests" + str(s))
    check("15: no 'every provider's breaker is open' for the second prompt",
          not s.has("breaker is open"), str(s))


# ---- 16. a lone Esc then a pause --------------------------------------------------------------

def rchar(p):
    """Bytes circuit has read (/proc/PID/io): idle on the mock, only keys."""
    pid = p.circuit_pid()
    try:
        with open(f"/proc/{pid}/io") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("rchar:"))
    except (OSError, StopIteration, TypeError):
        return -1


def test_16_lone_esc(box):
    p = box.pane(box.env(), ["-m", "mock-fast"])
    ok, s = started(p, "mock-fast", "16")
    if not ok:
        return
    before = rchar(p)
    p.keys("Escape")
    deadline = time.monotonic() + 5
    while rchar(p) <= before and time.monotonic() < deadline:
        time.sleep(0.01)
    check("16: circuit read the Esc", rchar(p) > before)
    # The pause is the input here, not a wait for a state: longer than the
    # Esc wait (KEYS_ESC_MS, 50 ms), as a user's hand is.
    time.sleep(0.4)
    p.send("/help")
    ok, s = p.wait_for(lambda s: s.has("Commands:") or s.labels("you"), timeout=5)
    check("16: Esc, a pause, then /help Enter runs /help", ok and s.has("Commands:"), str(s))
    check("16: nothing was sent to the model", not s.labels("you") and not s.labels("mock-fast"),
          str(s))


# ---- 17. the compare view -------------------------------------------------------------------

def header_fields(c):
    """A column header's fields after its state (the full form: " · " between them)."""
    return c.rest.split(" · ")[1:]


FIELD_KINDS = (("ttft", r"ttft (?:-|\S+)"), ("tok/s", r"≈?[\d.]+ tok/s★?"),
               ("tokens", r"≈?\d+ tokens?"), ("cost", r"≈?<?\$[\d.]+"))


def field_kind(text):
    if text == "-":
        return "-"
    return next((k for k, pat in FIELD_KINDS if re.fullmatch(pat, text)), "?")


def same_fields(cols):
    """Every header has the same fields in the same order: at each place one
    kind (ttft, tok/s, tokens, cost) or "-" where a column does not know it;
    the ttft named in each; the kinds in their order."""
    kinds = [[field_kind(x) for x in header_fields(c)] for c in cols]
    if not kinds or len({len(k) for k in kinds}) != 1 or "?" in sum(kinds, []):
        return False
    order = [k for k, _ in FIELD_KINDS]
    places = []
    for place in zip(*kinds):
        known = set(place) - {"-"}
        if len(known) != 1:
            return False
        places.append(order.index(known.pop()))
    return places == sorted(places) and all(k[0] == "ttft" for k in kinds)


def test_17_compare(box):
    # Also checked in test_compare.py (test_tui_figures): with replies of one
    # length, every thread under its header and the same fields when all are
    # done. Here the columns differ: a done and priced, b streaming, c failed.
    box.write_config(["max_retries = 0", "breaker_failures = 50", ""] +
                     box.provider("a", "pace_ms=5,tokens=80") +
                     box.provider("b", "ttft_ms=300,pace_ms=150,tokens=40") +
                     box.provider("c", "status=500") +
                     ["[price.a:m-a]", "input = 3", "output = 15", ""])
    labels = ["a:m-a", "b:m-b", "c:m-c"]
    p = box.pane(box.env(LOOP_KEY=KEY), ["--compare", ",".join(labels)], cols=240, rows=40)
    p.tmux.screen = tc.Screen

    def side(s):
        return s.mode == "side" and [c.label for c in s.columns] == labels

    ok, s = p.wait_for(side, timeout=10)
    check("17: three columns", ok, str(s))
    if not ok:
        return
    p.keys("M-1")
    p.send("compare them")
    ok, s = p.wait_for(lambda s: side(s) and s.states() == ["done", "streaming", "error"],
                       timeout=TURN_S)
    check("17: a done, b streaming, c failed", ok, str(s))
    check("17: every header has the same fields in the same order (unknown ones '-')",
          ok and same_fields(s.columns), "\n".join(c.head for c in s.columns))
    firsts = [next((i for i, r in enumerate(c.rows) if r.strip()), None) for c in s.columns]
    check("17: every column's first line on the same row, under its header (top-aligned)",
          ok and firsts == [0, 0, 0] and all(c.rows[0] == "you" for c in s.columns), str(s))
    # Ctrl-C with the focused column (a) finished: the streaming one (b) stops.
    p.keys("C-c")
    ok, s = p.wait_for(lambda s: side(s) and s.states() == ["done", "cancelled", "error"])
    check("17: Ctrl-C with the focused column finished cancels the streaming one", ok, str(s))
    check("17: the same fields in every header once all have ended",
          ok and same_fields(s.columns), "\n".join(c.head for c in s.columns))
    # Narrower columns: the cost is shown whole or not at all, never "$0…".
    # Every width from 122 to 101 in steps of 3 gives the columns one cell
    # less each: somewhere the cost is what no longer fits.
    p.wait_for(lambda s: side(s) and "streaming" not in s.states(), timeout=TURN_S)
    bad = []
    for w in (200, 160, 140, *range(122, 100, -3), 90):
        p.resize(w, 40)
        # Drawn at the new width: the status bar's right end is there (tmux
        # alone would only cut the old rows short).
        ok, s = p.wait_for(lambda s: len(s.columns) == 3 and len(s.status) < w
                           and s.status.endswith("compare: 3 models"), timeout=5)
        heads = [c.head for c in s.columns]
        if not ok or any(re.search(r"\$[\d.]*…", h) for h in heads):
            bad.append((w, heads if ok else str(s)))
    check("17: at every width from 200 to 90 columns no header shows a cut cost", not bad,
          repr(bad))
    # A column scrolled up follows the next prompt (as End would make it).
    p.resize(240, 10)
    ok, s = p.wait_for(lambda s: side(s) and len(s.lines) == 10)
    tail = list(s.columns[0].rows) if ok else []
    p.keys("PPage")
    ok, s = p.wait_for(lambda s: side(s) and s.columns[0].rows != tail)
    check("17: PgUp scrolls the focused column up (the thread overflows)", ok, str(s))
    p.send("next prompt")
    ok, s = p.wait_for(lambda s: side(s) and s.states()[0] == "done"
                       and (tc.segment(s.status, "a") or ())[3:] == (0, 2), timeout=TURN_S)
    shown = list(s.columns[0].rows) if ok else None
    p.keys("End")
    ok2, s2 = p.wait_for(lambda s: side(s) and s.columns[0].rows == shown, timeout=2)
    check("17: after a new prompt the scrolled column shows its tail (End changes nothing)",
          ok and ok2, str(s) + "\n---- after End ----" + str(s2))


# ---- 18. /sessions more ---------------------------------------------------------------------

def test_18_sessions_more(box):
    # The rest of 18 is headless: search by prefixes and --search's exit
    # status are in test_history.py (test_search).
    total = 21
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda i: box.run(["-p", f"conversation number {i}", "-m",
                                                "mock-fast"]), range(1, total + 1)))
    bad = [r for r in runs if r[0] != 0]
    if not check("18: the headless runs answer", not bad, repr(bad[:1])):
        return
    p = box.pane(box.env(), ["-m", "mock-fast"], cols=140, rows=60)
    ok, s = started(p, "mock-fast", "18")
    row = re.compile(r"^\s*(\d+)  \d{4}-\d\d-\d\d \d\d:\d\d\s+\d+ turns?\s+(.*?)  · ")
    p.send("/sessions")
    ok, s = p.wait_for(lambda s: s.has("newest first"))
    first = [int(row.match(l).group(1)) for l in s.transcript if row.match(l)]
    check(f"18: /sessions shows 20, 'conversations 1 to 20 of {total}'",
          ok and s.has(f"conversations 1 to 20 of {total}") and len(set(first)) == 20, str(s))
    p.send("/clear")
    p.send("/sessions more")
    ok, s = p.wait_for(lambda s: s.has(f"conversations 21 to {total} of {total}"))
    more = [int(row.match(l).group(1)) for l in s.transcript if row.match(l)]
    check(f"18: /sessions more shows the next ones, 'conversations 21 to {total} of {total}'",
          ok and len(more) == total - 20 and sorted(first + more) == list(range(1, total + 1)),
          repr((first, more)) + str(s))


# ---- 19. small ones ------------------------------------------------------------------------

def test_19_small(box):
    # Home on a long thread, and the "new output below" marker only when
    # output came after scrolling up: test_tui.py (test_offline: "Home: the
    # first message's label on the top row", "scrolled up, no new output: no
    # marker", "output below a scrolled view: the marker shows").
    srv = box.server()
    box.write_config(["max_retries = 0", "breaker_failures = 1", "breaker_open = 1", ""] +
                     box.provider("probe", "fail_times=1,status=500,ttft_ms=1500,tokens=3"))
    env = box.env(LOOP_KEY=KEY, OPENAI_BASE_URL=srv.base("tokens=3") + "/v1",
                  OPENAI_API_KEY=KEY, ANTHROPIC_BASE_URL=srv.base("thinking=1,tokens=3"),
                  ANTHROPIC_API_KEY=KEY)
    p = box.pane(env, ["-m", "claude-sonnet-4-5"], cols=150)
    ok, s = started(p, "claude-sonnet-4-5", "19")
    if not ok:
        return

    # Plurals: one line of thinking is "(1 line", not "(1 lines".
    p.send("think a little")
    ok, s = p.wait_for(reply_done("claude-sonnet-4-5"), timeout=TURN_S)
    b = s.block("claude-sonnet-4-5")
    check("19: one line of thinking collapsed reads '(1 line, '",
          ok and b[1] and "thinking (1 line, Ctrl-T shows)" in b[1][0]
          and not s.has("1 lines"), str(s))

    # /system: shown, set, cleared with none, and what is sent follows.
    p.send("/system")
    ok, s = p.wait_for(lambda s: s.has("no system prompt (/system TEXT sets one)"))
    check("19: /system with none set says 'no system prompt'", ok, str(s))
    p.send("/system answer in haiku")
    p.send("/system")
    ok, s = p.wait_for(lambda s: s.has("system prompt: answer in haiku (/system none clears it)"))
    check("19: /system shows the active system prompt", ok, str(s))
    p.send("/system none")
    ok, s = p.wait_for(lambda s: "system prompt cleared" in s.status)
    check("19: /system none clears it", ok, str(s))
    p.send("/system")
    ok, s = p.wait_for(lambda s: len([l for l in s.transcript if "no system prompt" in l]) == 2)
    check("19: /system after none: 'no system prompt' again", ok, str(s))
    p.send("/model gpt-4o")
    n = len(box.requests())
    p.send("no system now")
    req = srv.wait_request(n, timeout=TURN_S)
    msgs = ((req or {}).get("body") or {}).get("messages") or []
    check("19: after /system none no system prompt is sent",
          req is not None and not any(m.get("role") == "system" for m in msgs)
          and "haiku" not in json.dumps(msgs), json.dumps(msgs)[:400])
    ok, s = p.wait_for(reply_done("gpt-4o"), timeout=TURN_S)

    # /export md ~/x.md: written under HOME; refused over an existing file.
    dest = os.path.join(box.home, "x.md")
    p.send("/export md ~/x.md")
    ok, s = p.wait_for(lambda s: s.has("written to") or error_blocks(s))
    check("19: /export md ~/x.md writes $HOME/x.md", ok and os.path.isfile(dest)
          and s.has(f"written to {dest}"), str(s))
    check("19: /export wrote nothing under the working directory",
          not os.path.exists(os.path.join(box.dir, "~")), repr(os.listdir(box.dir)))
    before = open(dest, encoding="utf-8").read() if os.path.isfile(dest) else None
    with open(dest, "a", encoding="utf-8") as f:
        f.write("\nmine\n")
    p.send("/export md ~/x.md")
    ok, s = p.wait_for(lambda s: error_blocks(s))
    e = squash(" ".join(" ".join(b) for _, b in error_blocks(s)))
    check("19: /export over an existing file refuses: 'exists: /export md! … replaces it'",
          ok and f"{dest} exists: /export md! ~/x.md replaces it" in e, str(s))
    kept = open(dest, encoding="utf-8").read() if os.path.isfile(dest) else None
    check("19: the existing file is left as it was", before is not None
          and kept == before + "\nmine\n", repr(kept)[:200])
    p.send("/export md! ~/x.md")
    ok, s = p.wait_for(lambda s: len([l for l in s.transcript if "written to" in l]) == 2)
    again = open(dest, encoding="utf-8").read() if os.path.isfile(dest) else None
    check("19: /export md! replaces it", ok and again == before, str(s))

    # "◐ probing" only while the probe streams; idle half-open says so.
    p.send("/model probe:m-probe")
    p.wait_for(lambda s: s.status.rstrip().endswith("probe:m-probe"))
    p.send("open the breaker")
    ok, s = p.wait_for(lambda s: "probe ◌ open" in s.status, timeout=TURN_S)
    check("19: a failure opens the probe provider's breaker", ok, repr(s.status))
    ok, s = p.wait_for(lambda s: "probe ◐" in s.status, timeout=5)
    check("19: idle and half-open: 'half-open', not 'probing'",
          ok and "probe ◐ half-open" in s.status and "probing" not in s.status, repr(s.status))
    p.send("the probe")
    ok, s = p.wait_for(lambda s: "probe ◐ probing" in s.status, timeout=5)
    check("19: while the probe streams: '◐ probing'", ok, repr(s.status))
    ok, s = p.wait_for(lambda s: "probe ●" in s.status and reply_done("probe:m-probe")(s),
                       timeout=TURN_S)
    check("19: the probe answers and closes the breaker", ok, repr(s.status) + str(s))


# ---- start-up: key_cmd waits for its provider's first use ------------------------------------

def test_start_key_cmd(box):
    """Part A's start-up: a config provider's key_cmd (a password manager,
    maybe asking for a passphrase) runs only when a request goes to that
    provider, never before the first frame."""
    srv = box.server()
    ran = os.path.join(box.dir, "key_cmd-ran")
    url = srv.base(f"tag={box.name}-vault") + "/v1"
    box.write_config(["[provider.vault]", "kind = openai", f"base_url = {url}",
                      f"key_cmd = touch {ran}; printf 'vault-key\\n'", "models = m-vault", ""])
    p = box.pane(box.env(), ["-m", "vault:m-vault"])
    ok, s = started(p, "vault:m-vault", "start")
    check("start: the first frame is drawn and key_cmd has not run", ok and not os.path.exists(ran),
          str(s))
    p.send("hello vault")
    ok, s = p.wait_for(reply_done("vault:m-vault"), timeout=TURN_S)
    reqs = box.requests("vault")
    check("start: the first message to the provider runs key_cmd; its key is in the header",
          ok and os.path.exists(ran) and len(reqs) == 1
          and reqs[0]["headers"].get("authorization") == "Bearer vault-key", str(s))
    check("start: a request to the network loaded libcurl", "libcurl" in maps_of(p), str(s))

    # libcurl is loaded at the first network request, not linked: a chat
    # on the offline mock never pays for its dependencies at start.
    p = box.pane(box.env(), ["-m", "mock-fast"])
    ok, s = started(p, "mock-fast", "start")
    p.send("hello mock")
    ok, s = p.wait_for(reply_done("mock-fast"), timeout=TURN_S)
    maps = maps_of(p)
    check("start: a chat on the mock never loads libcurl",
          ok and maps != "" and "libcurl" not in maps, str(s))


def maps_of(p):
    """What the pane's circuit process has mapped ("" if it cannot be read)."""
    pid = p.circuit_pid()
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as f:
            return f.read()
    except (OSError, TypeError):
        return ""


# ---- the suite -------------------------------------------------------------------------------

TESTS = [("1", test_1_slash_lines), ("2", test_2_notices), ("3", test_3_resume_compare),
         ("5", test_5_warnings), ("6", test_6_themes), ("7", test_7_tab_models),
         ("8", test_8_queue), ("9", test_9_status_bar), ("10", test_10_stats_rows),
         ("11", test_11_token_limit), ("12", test_12_banner), ("13", test_13_ascii),
         ("15", test_15_one_failure), ("16", test_16_lone_esc), ("17", test_17_compare),
         ("18", test_18_sessions_more), ("19", test_19_small), ("start", test_start_key_cmd)]


def run_one(tmp, num, fn):
    box = Box(tmp, f"d{num}")
    t0 = time.monotonic()
    try:
        harness.guarded(num, fn, box)
    finally:
        box.close()
    return num, time.monotonic() - t0


def main():
    harness.require(tmux=True)
    only = set(sys.argv[1:])
    tests = [(n, f) for n, f in TESTS if not only or n in only]
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="circuit-nu-") as tmp:
        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
            futures = [pool.submit(run_one, tmp, n, f) for n, f in tests]
            times = [f.result() for f in futures]
    if os.environ.get("NU_TIMES"):
        print(" ".join(f"{n}:{t:.1f}s" for n, t in times))
    return finish(start)


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
