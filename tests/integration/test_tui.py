#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The interactive screen, the real binary in tmux: startup, streaming from
the loopback server, resize, CJK and emoji wrapping, Ctrl-C, escape sequences
in a reply, bracketed paste, Ctrl-D, the slash commands, thinking.

Each scenario runs circuit in its own session of a private tmux server
(tmux -L circuit-tui-<pid>) with an explicit environment, types with
send-keys and reads the screen with capture-pane. Nothing sleeps to wait for
a state: wait_for() polls the screen every 50 ms until a condition holds or
a deadline passes, and a failure shows the last capture.
Ends with "N passed, N failed"."""
import json
import os
import re
import select
import shutil
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

import harness
from harness import (BIN, POLL, ROOT, SERVER, char_width, check, done_label, finish, follow,
                     strict_prefix, width, wraps_to)

CURSOR = "▌"
KEY = "sk-test-circuit-tui"


# ---- the loopback provider server ---------------------------------------------

class Server(harness.LoopbackServer):
    def __init__(self, tmp):
        super().__init__(tmp, max_seconds=300, idle_seconds=120)


class Screen(harness.Screen):
    """One capture, split as circuit lays it out: transcript, rule, input
    pane, status bar (the last row)."""

    def labels(self, label):
        """Indices of transcript rows that are label lines of `label`."""
        return [i for i, l in enumerate(self.transcript)
                if l == label or l.startswith(label + "  ")]

    def block(self, label, nth=-1):
        """(label line, text rows, cursor shown, interrupted) of the nth message
        labelled `label`, or None. Text rows end at the blank separator."""
        idx = self.labels(label)
        if not idx:
            return None
        i = idx[nth]
        body = []
        interrupted = False
        for l in self.transcript[i + 1:]:
            if l == "":
                break
            if l == "[interrupted]":
                interrupted = True
                break
            body.append(l)
        cursor = False
        if body and body[-1].endswith(CURSOR):
            body[-1] = body[-1][:-len(CURSOR)]
            cursor = True
        return self.transcript[i], body, cursor, interrupted


# ---- comparing wrapped text ----------------------------------------------------

def tight(lines, text, cols):
    """Each break is where a greedy wrap at cols puts it: what comes next
    would not have fitted on the row. Returns the first offending row or None."""
    pos = 0
    for n, ln in enumerate(lines[:-1]):
        while pos < len(text) and text[pos] in " \n":
            pos += 1
        pos += len(ln)
        if pos < len(text) and text[pos] == "\n":
            continue
        if pos < len(text) and text[pos] == " ":
            q = pos
            while q < len(text) and text[q] == " ":
                q += 1
            word = re.match(r"[^ \n]*", text[q:]).group(0)
            if width(ln) + (q - pos) + width(word) <= cols:
                return n, ln
        elif pos < len(text):
            if width(ln) + char_width(text[pos]) <= cols:
                return n, ln
    return None


def all_within(screen, cols):
    wide = [l for l in screen.lines if width(l) > cols]
    return not wide, wide


# ---- the suites ----------------------------------------------------------------

def base_env(home, **extra):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
           "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def openai_env(home, srv, scenario):
    return base_env(home, OPENAI_BASE_URL=srv.base(scenario) + "/v1", OPENAI_API_KEY=KEY)


def test_offline(tm, home):
    """No key: startup, the commands, a bracketed paste, Ctrl-D."""
    cols, rows = 90, 40
    p = tm.pane(cols, rows, base_env(home))
    ok, s = p.wait_for(lambda s: s.rule is not None and s.input and s.input[0].startswith(">")
                       and "mock" in s.status and s.labels("circuit"))
    check("startup: screen drawn", ok, str(s))
    check("startup: status bar shows the model", re.search(r"\bmock\S*\s*$", s.status) is not None,
          repr(s.status))
    check("startup: input prompt '> '", bool(s.input) and s.input[0].startswith(">")
          and s.lines[s.rule + 1].rstrip() == ">", str(s))
    b = s.block("circuit")
    welcome = " ".join(b[1]) if b else ""
    check("startup: welcome notice mentions mock", "offline from mock" in welcome
          and "no API key" in welcome and "/help" in welcome,
          repr(welcome))
    check("startup: nothing sent", not s.labels("you") and not s.labels("error"), str(s))

    # /help
    p.send("/help")
    ok, s = p.wait_for(lambda s: s.has("/quit") and s.has("Keys:"))
    # Taller than the screen: its top is a page up, as a user would scroll.
    seen = str(s)
    p.keys("PPage")
    ok2, s2 = p.wait_for(lambda s: s.has("/model"))
    seen += "\n" + str(s2)
    check("/help shows the commands", ok and ok2 and all("/" + c in seen for c in
          ("model", "system", "clear", "new", "retry", "theme", "stats", "help", "quit")), seen)
    check("/help: no error", not s.labels("error") and not s2.labels("error"), str(s))
    p.keys("End")

    # /model mock-fast
    p.send("/model mock-fast")
    ok, s = p.wait_for(lambda s: s.status.rstrip().endswith("mock-fast"))
    check("/model mock-fast: status bar shows it", ok, repr(s.status))
    check("/model mock-fast: no error", not s.labels("error"), str(s))

    # The mouse wheel scrolls (SGR reports); no report reaches the input line.
    # First more than a screenful of transcript.
    for _ in range(2):
        p.send("/help")
    ok, s = p.wait_for(lambda s: len([l for l in s.lines if "Commands:" in l]) >= 1)
    wheel_up = "1b 5b 3c 36 34 3b 31 30 3b 35 4d".split()    # ESC [ < 6 4 ; 1 0 ; 5 M
    wheel_down = "1b 5b 3c 36 35 3b 31 30 3b 35 4d".split()  # ESC [ < 6 5 ; 1 0 ; 5 M
    tail = list(s.transcript)
    for _ in range(4):
        p.keys("-H", *wheel_up)
    ok, s = p.wait_for(lambda s: s.transcript != tail)
    check("mouse wheel up scrolls back", ok, str(s))
    check("scrolled up, no new output: no marker", ok and not s.has("new output below"), str(s))
    for _ in range(12):
        p.keys("-H", *wheel_down)
    ok, s = p.wait_for(lambda s: s.transcript == tail)
    check("mouse wheel down follows the tail again", ok, str(s))
    check("mouse reports never reach the input line", "<6" not in "\n".join(s.input), str(s))

    # Output arriving below a view scrolled up: the marker says so, over the
    # bottom row; End follows the tail and it goes.
    for _ in range(4):
        p.keys("-H", *wheel_up)
    ok, s = p.wait_for(lambda s: s.transcript != tail)
    before = list(s.transcript)
    p.send("/help")
    ok, s = p.wait_for(lambda s: s.has("new output below"))
    check("output below a scrolled view: the marker shows", ok, str(s))
    check("the marker moves no line of the view", ok and s.transcript[:-1] == before[:-1],
          str(s) + "\n---- before ----\n" + "\n".join(before))
    p.keys("End")
    ok, s = p.wait_for(lambda s: not s.has("new output below") and s.has("Ctrl-D"))
    check("End: the tail again, no marker", ok, str(s))

    # Home: the thread's first line on the top row (it once stopped a line
    # short), and it stays there when output arrives below.
    p.keys("Home")
    ok, s = p.wait_for(lambda s: s.transcript and s.transcript[0] == "circuit")
    check("Home: the first message's label on the top row",
          ok and len(s.transcript) > 1 and "/help for commands" in s.transcript[1], str(s))
    p.keys("End")
    ok, s = p.wait_for(lambda s: s.transcript == tail or s.has("Ctrl-D"))

    # A Tab-completed command: completion leaves "mock-slow " with a space,
    # which once made /model refuse the name (fixed in app.c).
    p.text("/model mock-sl")
    p.keys("Tab")
    ok, s = p.wait_for(lambda s: "/model mock-slow" in "\n".join(s.input))
    check("Tab completes a model name", ok, str(s))
    p.keys("Enter")
    ok, s = p.wait_for(lambda s: s.status.rstrip().endswith("mock-slow"))
    check("Tab-completed /model switches the model", ok and not s.labels("error"), str(s))
    p.send("/model mock-fast")
    ok, s = p.wait_for(lambda s: s.status.rstrip().endswith("mock-fast"))

    # /stats over the thread, then Esc: the thread is drawn again whole (the
    # transcript draws only changed rows, so it must know /stats was there).
    before = Screen(p.capture())
    p.send("/stats")
    ok, s = p.wait_for(lambda s: s.has("session:"))
    check("/stats: the live view replaces the thread", ok, str(s))
    p.keys("Escape")
    ok, s = p.wait_for(lambda s: not s.has("session:") and s.transcript == before.transcript)
    check("/stats then Esc: the thread is back, row for row as before", ok,
          str(s) + "\n---- before ----\n" + str(before))

    # /theme mono
    p.send("/theme mono")
    ok, s = p.wait_for(lambda s: "theme mono" in s.status)
    check("/theme mono: confirmed in the status bar", ok, repr(s.status))
    check("/theme mono: no error", not s.labels("error") and s.rule is not None, str(s))

    # an unknown command: one error line
    p.send("/bogus")
    ok, s = p.wait_for(lambda s: s.labels("error"))
    b = s.block("error") if ok else None
    check("unknown command: one error message of one line",
          ok and len(s.labels("error")) == 1 and b is not None and len(b[1]) == 1
          and "bogus" in b[1][0], str(s))

    # bracketed paste: inserted, not sent
    tm.run("set-buffer", "-b", "circuitpaste", "line one\nline two")
    tm.run("paste-buffer", "-p", "-b", "circuitpaste", "-t", p.name)
    ok, s = p.wait_for(lambda s: any("line two" in l for l in s.input))
    check("paste: both lines in the input pane",
          ok and len(s.input) >= 2 and s.input[0].rstrip() == "> line one"
          and s.input[1].rstrip() == "line two", str(s))
    check("paste: nothing sent", not s.labels("you") and not s.labels("mock-fast"), str(s))
    p.keys("Enter")
    ok, s = p.wait_for(lambda s: s.labels("mock-fast") and done_label(s.block("mock-fast")[0]))
    b = s.block("you")
    check("paste then Enter: sent as one message",
          ok and len(s.labels("you")) == 1 and b is not None and b[1] == ["line one", "line two"],
          str(s))
    check("paste then Enter: input pane empty again", ok and len(s.input) == 1
          and s.input[0].rstrip() == ">", str(s))

    # /clear
    p.send("/clear")
    ok, s = p.wait_for(lambda s: s.rule is not None and all(l.strip() == "" for l in s.transcript))
    check("/clear empties the transcript", ok, str(s))

    # Ctrl-D on an empty line quits, status 0
    p.keys("C-d")
    ok, s = p.wait_for(lambda s: s.has("EXITED"))
    check("Ctrl-D on an empty line quits with status 0", ok and s.has("EXITED rc=0"), str(s))

    # docs/keys.md: the input history is kept in ~/.local/state/circuit/input_history
    state = os.path.join(home, ".local", "state", "circuit")
    hist = os.path.join(state, "input_history")
    saved = None
    if os.path.exists(hist):
        with open(hist, encoding="utf-8", errors="replace") as f:
            saved = f.read()
    held = sorted(os.listdir(state)) if os.path.isdir(state) else None
    check("input history saved under HOME", saved is not None and "/help" in saved
          and "/model mock-fast" in saved, f"{hist}: {'missing' if saved is None else repr(saved)}"
          f" ({state} holds {held})")


# An SGR that sets a foreground or background colour (8, 16 or 256 of them).
COLOUR_SGR = re.compile(r"\x1b\[(?:[0-9]+;)*(?:3[0-7]|4[0-7]|9[0-7]|10[0-7]|[34]8;5;[0-9]+)(?:;[0-9;]*)?m")


def test_colour(tm, home):
    """The default theme colours the screen; --no-color and a non-empty
    NO_COLOR give mono (attributes only); an empty NO_COLOR does not count."""
    for args, extra, want in (([], {}, True), (["--no-color"], {}, False),
                              ([], {"NO_COLOR": "1"}, False), ([], {"NO_COLOR": ""}, True)):
        name = " ".join(args) or ", ".join(f"NO_COLOR={v!r}" for v in extra.values()) or "default"
        p = tm.pane(80, 20, base_env(home, **extra), [*args, "-m", "mock-fast"])
        ok, s = p.wait_for(lambda s: s.rule is not None and "mock" in s.status
                           and s.labels("circuit"))
        raw = "\n".join(p.capture(escapes=True)) if ok else ""
        check(f"colour: {name}: {'colours' if want else 'no colour'} on the screen",
              ok and bool(COLOUR_SGR.search(raw)) == want,
              repr(COLOUR_SGR.findall(raw)[:5]) + str(s))
        ok, s = p.quit()
        check(f"colour: {name}: Ctrl-D quits", ok, str(s))


def test_ascii(tm, home):
    """LANG=C (a container's default): circuit's own marks in ASCII, so the
    rule and the status bar never show UTF-8 bytes as "~T~@"."""
    p = tm.pane(90, 24, base_env(home, LANG="C"), ["-m", "mock-fast"])

    def parts(s):
        rule = [i for i, l in enumerate(s.lines) if l and set(l) == {"-"} and len(l) == 90]
        return (s.lines[rule[-1]] if rule else None), s.status

    ok, s = p.wait_for(lambda s: parts(s)[0] is not None and "mock-fast" in s.status)
    check("ascii: a rule of dashes across the screen", ok, str(s))
    p.send("hello")
    ok, s = p.wait_for(lambda s: re.search(r"\bmock o \d+ms [\d.]+ tok/s 0/1\b", s.status) is not None,
                       timeout=10)
    check("ascii: the status bar's segment in ASCII ('o' answering, tok/s)", ok, repr(s.status))
    rule, status = parts(s)
    check("ascii: rule and status bar are ASCII only",
          ok and rule is not None and all(ord(c) < 128 for c in rule + status),
          repr(rule) + " " + repr(status))
    ok, s = p.quit()
    check("ascii: Ctrl-D quits", ok, str(s))


def test_streaming(tm, home, srv):
    """A slow stream: part of it mid-way, then all of it, timings, status bar."""
    cols, rows = 100, 30
    p = tm.pane(cols, rows, openai_env(home, srv, "pace_ms=150,tokens=20"), ["-m", "gpt-4o"])
    ok, s = p.wait_for(lambda s: s.rule is not None and "gpt-4o" in s.status)
    check("streaming: startup, status bar shows gpt-4o", ok, str(s))
    n = len(srv.requests())
    p.send("tell me a story")
    req = srv.wait_request(n)
    check("streaming: request reached the server", req is not None)
    if req is None:
        return
    reply = req["reply"]

    def mid(s):
        b = s.block("gpt-4o")
        return b is not None and "streaming…" in b[0] and follow(b[1], reply) >= 8
    ok, s = p.wait_for(mid)
    b = s.block("gpt-4o")
    check("mid-stream: label line says streaming…", ok and "streaming…" in b[0], str(s))
    check("mid-stream: a prefix of the reply is visible, not its end",
          ok and strict_prefix(b[1], reply), f"reply={reply!r}" + str(s))
    check("mid-stream: status bar shows openai active",
          ok and re.search(r"openai \S+ .*\b1/1\b", s.status) is not None, repr(s.status))

    ok, s = p.wait_for(lambda s: s.block("gpt-4o") and done_label(s.block("gpt-4o")[0]), timeout=10)
    b = s.block("gpt-4o")
    check("stream end: label shows ms timings, tok/s and tokens",
          ok and re.search(r"^gpt-4o  " + harness.MS + r" · [\d.]+ tok/s · ≈?\d+ tokens$", b[0]) is not None, str(s))
    check("stream end: all of the reply, nothing else", ok and wraps_to(b[1], reply),
          f"reply={reply!r}" + str(s))
    check("stream end: no streaming cursor", ok and not b[2] and not s.has(CURSOR), str(s))
    ok, s = p.wait_for(lambda s: re.search(r"\bopenai \S+ \d+ms [\d.]+ tok/s 0/1\b", s.status) is not None)
    check("stream end: status bar openai TTFT ms and 0/1", ok, repr(s.status))
    check("stream end: status bar glyph ok", ok and "openai ●" in s.status, repr(s.status))


def test_resize(tm, home, srv):
    """A narrower window mid-stream: the reply is wrapped again, whole."""
    cols, rows, narrow = 100, 40, 33
    p = tm.pane(cols, rows, openai_env(home, srv, "pace_ms=60,tokens=40"), ["-m", "gpt-4o"])
    ok, s = p.wait_for(lambda s: s.rule is not None and "gpt-4o" in s.status)
    check("resize: startup", ok, str(s))
    n = len(srv.requests())
    p.send("resize me")
    req = srv.wait_request(n)
    check("resize: request reached the server", req is not None)
    if req is None:
        return
    reply = req["reply"]
    ok, s = p.wait_for(lambda s: s.block("gpt-4o") and "streaming…" in s.block("gpt-4o")[0]
                       and follow(s.block("gpt-4o")[1], reply) >= 20)
    check("resize: streaming before the resize", ok, str(s))
    tm.run("resize-window", "-t", p.name, "-x", str(narrow), "-y", str(rows))
    check("resize: pane is narrower", p.fmt("#{pane_width}") == str(narrow), p.fmt("#{pane_width}"))
    ok, s = p.wait_for(lambda s: s.rule is not None and len(s.lines[s.rule]) == narrow)
    check("resize: redrawn at the new width mid-stream", ok, str(s))
    ok, s = p.wait_for(lambda s: s.block("gpt-4o") and done_label(s.block("gpt-4o")[0]), timeout=10)
    b = s.block("gpt-4o")
    check("resize: stream ends", ok, str(s))
    check("resize: the label line stays on its row (the reply's first row intact)",
          ok and bool(b[1]) and reply.startswith(b[1][0]), f"label={b[0]!r} first row={b[1][:1]!r}")
    check("resize: joined rows equal the server's reply", ok and wraps_to(b[1], reply),
          f"reply={reply!r}" + str(s))
    check("resize: one reply, one prompt", len(s.labels("gpt-4o")) == 1 and len(s.labels("you")) == 1,
          str(s))
    within, wide = all_within(s, narrow)
    check("resize: no row wider than the pane", within, repr(wide))
    bad = tight(b[1], reply, narrow) if ok else None
    check("resize: rows wrapped at the new width", ok and bad is None, repr(bad) + str(s))


def test_cjk(tm, home, srv):
    """Wide characters wrap at the right column of an odd width."""
    cols, rows = 41, 30
    text = ("日本語" * 10 + " " + "🙂" * 25 + " wide 日本語🙂日本語 and 🙂 🙂 " + "語" * 23 + "end")
    scen = "tokens=13,text=" + urllib.parse.quote(text, safe="")
    p = tm.pane(cols, rows, openai_env(home, srv, scen), ["-m", "gpt-4o"])
    ok, s = p.wait_for(lambda s: s.rule is not None and "gpt-4o" in s.status)
    check("cjk: startup", ok, str(s))
    n = len(srv.requests())
    p.send("wide")
    req = srv.wait_request(n)
    check("cjk: the server sends the text", req is not None and req["reply"] == text,
          repr(req and req.get("reply")))
    ok, s = p.wait_for(lambda s: s.block("gpt-4o") and done_label(s.block("gpt-4o")[0]), timeout=10)
    b = s.block("gpt-4o")
    check("cjk: stream ends", ok, str(s))
    within, wide = all_within(s, cols)
    check("cjk: no row wider than the pane", within, repr(wide))
    check("cjk: joined rows equal the reply", ok and wraps_to(b[1], text), str(s))
    bad = tight(b[1], text, cols) if ok else None
    check("cjk: each row breaks at the last column that fits", ok and bad is None, repr(bad) + str(s))


def test_breaker(tm, home, srv):
    """A 529 storm opens the breaker after 3 failures (the status bar counts
    down), it half-opens when its time is up, and the probe closes it."""
    conf = os.path.join(home, "breaker-config")
    os.makedirs(os.path.join(conf, "circuit"), exist_ok=True)
    with open(os.path.join(conf, "circuit", "config"), "w") as f:
        f.write("max_retries = 0\nbreaker_open = 3\n")
    env = openai_env(home, srv, "fail_times=3,status=529,tag=tui-breaker")
    env["XDG_CONFIG_HOME"] = conf
    p = tm.pane(100, 24, env, ["-m", "gpt-4o"])
    ok, s = p.wait_for(lambda s: s.rule is not None and "gpt-4o" in s.status)
    for i in range(3):
        p.send(f"storm {i}")
        # An open breaker's segment is "openai ◌ open 27.0s 0/3", its counts last.
        ok, s = p.wait_for(lambda s, i=i: (f"0/{i + 1}" in s.status or "◌ open" in s.status)
                           and s.labels("error"), timeout=10)
    check("breaker: three failures shown", ok, str(s))
    ok, s = p.wait_for(lambda s: "openai ◌ open" in s.status, timeout=5)
    check("breaker: opens after 3 failures, with a countdown", ok, repr(s.status))
    ok, s = p.wait_for(lambda s: "openai ◐ half-open" in s.status, timeout=5)
    check("breaker: half-opens when its time is up (no probe in flight yet)", ok, repr(s.status))
    p.send("after the storm")
    ok, s = p.wait_for(lambda s: "openai ●" in s.status and s.labels("gpt-4o")
                       and done_label(s.block("gpt-4o", -1)[0]), timeout=10)
    check("breaker: the probe succeeds and closes it", ok, repr(s.status) + str(s))


def test_interrupt(tm, home, srv):
    """Ctrl-C keeps the partial, marks it, and circuit goes on."""
    cols, rows = 100, 30
    p = tm.pane(cols, rows, openai_env(home, srv, "pace_ms=150,tokens=30"), ["-m", "gpt-4o"])
    ok, s = p.wait_for(lambda s: s.rule is not None and "gpt-4o" in s.status)
    check("ctrl-c: startup", ok, str(s))
    n = len(srv.requests())
    p.send("go slowly")
    req = srv.wait_request(n)
    check("ctrl-c: request reached the server", req is not None)
    if req is None:
        return
    reply = req["reply"]
    ok, s = p.wait_for(lambda s: s.block("gpt-4o") and "streaming…" in s.block("gpt-4o")[0]
                       and follow(s.block("gpt-4o")[1], reply) >= 10)
    check("ctrl-c: streaming", ok, str(s))
    p.keys("C-c")
    ok, s = p.wait_for(lambda s: s.block("gpt-4o") and s.block("gpt-4o")[3])
    b = s.block("gpt-4o")
    check("ctrl-c: [interrupted] appears", ok, str(s))
    check("ctrl-c: the partial text stays", ok and strict_prefix(b[1], reply),
          f"reply={reply!r}" + str(s))
    check("ctrl-c: no longer streaming", ok and "streaming…" not in b[0] and not b[2], str(s))
    check("ctrl-c: circuit still runs", not s.has("EXITED") and s.rule is not None
          and s.input and s.input[0].startswith(">"), str(s))
    check("ctrl-c: status bar 0/1", re.search(r"\bopenai \S+.*\b0/1\b", s.status) is not None,
          repr(s.status))
    n = len(srv.requests())
    p.send("once more")
    req = srv.wait_request(n)
    check("ctrl-c: the next prompt is sent", req is not None, str(p.capture()))
    if req is None:
        return
    reply2 = req["reply"]
    ok, s = p.wait_for(lambda s: len(s.labels("gpt-4o")) == 2 and "streaming…" in s.block("gpt-4o")[0])
    check("ctrl-c: the next reply streams", ok, str(s))
    ok, s = p.wait_for(lambda s: len(s.labels("gpt-4o")) == 2 and done_label(s.block("gpt-4o")[0]),
                       timeout=10)
    b = s.block("gpt-4o")
    check("ctrl-c: the next reply completes", ok and wraps_to(b[1], reply2) and not b[3],
          f"reply={reply2!r}" + str(s))
    check("ctrl-c: first reply still marked", s.has("[interrupted]"), str(s))


def test_continue(tm, home, srv):
    """/continue after Ctrl-C: the partial goes back as the assistant's turn,
    then a plain request to go on (OpenAI format); a new reply streams."""
    p = tm.pane(100, 30, openai_env(home, srv, "pace_ms=120,tokens=30"), ["-m", "gpt-4o"])
    ok, s = p.wait_for(lambda s: s.rule is not None and "gpt-4o" in s.status)
    n = len(srv.requests())
    p.send("tell me slowly")
    req = srv.wait_request(n)
    ok, s = p.wait_for(lambda s: s.block("gpt-4o") and req is not None
                       and follow(s.block("gpt-4o")[1], req["reply"]) >= 8)
    p.keys("C-c")
    ok, s = p.wait_for(lambda s: s.has("[interrupted]"))
    check("/continue: an interrupted reply to continue", ok, str(s))
    n = len(srv.requests())
    p.send("/continue")
    req2 = srv.wait_request(n)
    msgs = req2["body"]["messages"] if req2 else []
    check("/continue: the partial is sent back as the assistant's turn, then a continue request",
          len(msgs) == 3 and msgs[0]["content"] == "tell me slowly" and msgs[1]["role"] == "assistant"
          and req["reply"].startswith(msgs[1]["content"]) and len(msgs[1]["content"]) > 0
          and msgs[2]["role"] == "user" and "Continue" in msgs[2]["content"], json.dumps(msgs)[:400])
    ok, s = p.wait_for(lambda s: len(s.labels("gpt-4o")) == 2, timeout=10)
    check("/continue: a new reply, not spliced onto the old one", ok and s.has("[interrupted]"), str(s))


def test_clear_while_streaming(tm, home, srv):
    """/clear mid-reply cancels it and empties the screen; circuit goes on
    (it once crashed: the reply's message was freed under the stream)."""
    p = tm.pane(90, 24, base_env(home), ["-m", "mock-slow"])
    ok, s = p.wait_for(lambda s: s.rule is not None and "mock-slow" in s.status)
    p.send("a long answer please")
    ok, s = p.wait_for(lambda s: s.labels("mock-slow") and "streaming…" in s.block("mock-slow")[0],
                       timeout=10)
    check("clear mid-stream: the reply is streaming", ok, str(s))
    p.send("/clear")
    ok, s = p.wait_for(lambda s: not s.labels("mock-slow") and not s.labels("you"))
    check("clear mid-stream: the transcript is empty", ok, str(s))
    p.keys("C-u")
    p.send("/model mock-fast")
    p.send("again")
    ok, s = p.wait_for(lambda s: s.labels("mock-fast") and done_label(s.block("mock-fast")[0]),
                       timeout=10)
    check("clear mid-stream: circuit still runs and the next reply completes",
          ok and not s.has("EXITED"), str(s))


def test_escapes(tm, home, srv):
    """OSC 2, OSC 52 and CSI in a reply arrive as inert visible text."""
    cols, rows = 100, 30
    # The control: the same kind of bytes printed raw do reach tmux.
    ctl = tm.raw_pane(cols, 5, "printf '\\033]2;CONTROLTITLE\\007\\033]52;c;Q09OVFJPTEJVRg==\\007ok\\n'; sleep 5")
    _, cs = ctl.wait_for(lambda s: s.has("ok"))
    deadline = time.monotonic() + 3
    while ctl.fmt("#{pane_title}") != "CONTROLTITLE" and time.monotonic() < deadline:
        time.sleep(POLL)
    check("control: a raw OSC 2 sets the pane title here", ctl.fmt("#{pane_title}") == "CONTROLTITLE",
          ctl.fmt("#{pane_title}"))
    check("control: a raw OSC 52 sets a tmux buffer here",
          any("CONTROLBUF" in b for b in tm.buffers()), repr(tm.buffers()))

    text = ("title \x1b]2;PWNED\x07 clip \x1b]52;c;UFdORUQ=\x07 csi \x1b[31mred\x1b[0m "
            "st \x1b]2;PWNED\x1b\\ end")
    scen = "tokens=9,text=" + urllib.parse.quote(text, safe="")
    p = tm.pane(cols, rows, openai_env(home, srv, scen), ["-m", "gpt-4o"])
    ok, s = p.wait_for(lambda s: s.rule is not None and "gpt-4o" in s.status)
    check("escapes: startup", ok, str(s))
    title_before = p.fmt("#{pane_title}")
    n = len(srv.requests())
    p.send("escape")
    req = srv.wait_request(n)
    check("escapes: the server sends the sequences", req is not None and req["reply"] == text,
          repr(req and req.get("reply")))
    ok, s = p.wait_for(lambda s: s.block("gpt-4o") and done_label(s.block("gpt-4o")[0]), timeout=10)
    b = s.block("gpt-4o")
    check("escapes: stream ends", ok, str(s))
    title = p.fmt("#{pane_title}")
    check("escapes: pane title not set by the reply", "PWNED" not in title and title == title_before,
          repr((title_before, title)))
    bufs = tm.buffers()
    check("escapes: no tmux buffer from OSC 52", not any("PWNED" in x for x in bufs), repr(bufs))
    check("escapes: placeholder ␛ shown", s.has("␛"), str(s))
    shown = text.replace("\x1b", "␛").replace("\x07", "␇")
    check("escapes: reply shown as inert text", ok and wraps_to(b[1], shown),
          f"want={shown!r}" + str(s))
    check("escapes: circuit still runs", not s.has("EXITED") and s.rule is not None, str(s))


def test_thinking(tm, home, srv):
    """Thinking collapsed to one line; Ctrl-T shows it."""
    cols, rows = 100, 30
    env = base_env(home, ANTHROPIC_BASE_URL=srv.base("thinking=3,tokens=6"), ANTHROPIC_API_KEY=KEY)
    p = tm.pane(cols, rows, env, ["-m", "claude-sonnet-4-5"])
    ok, s = p.wait_for(lambda s: s.rule is not None and "claude" in s.status)
    check("thinking: startup", ok, str(s))
    n = len(srv.requests())
    p.send("think first")
    req = srv.wait_request(n)
    check("thinking: the server sends thinking", req is not None and req["thinking"], repr(req)[:300])
    if req is None or not req["thinking"]:
        return
    label = "claude-sonnet-4-5"
    ok, s = p.wait_for(lambda s: s.block(label) and done_label(s.block(label)[0]), timeout=10)
    b = s.block(label)
    check("thinking: stream ends", ok, str(s))
    check("thinking: collapsed to one 'thinking (' line",
          ok and len(b[1]) >= 1 and "thinking (" in b[1][0] and "Ctrl-T" in b[1][0], str(s))
    check("thinking: hidden text not shown", ok and not s.has(req["thinking"][:12]), str(s))
    check("thinking: reply text below it", ok and wraps_to(b[1][1:], req["reply"]), str(s))
    p.keys("C-t")
    ok, s = p.wait_for(lambda s: s.has(req["thinking"][:12]))
    b = s.block(label)
    check("thinking: Ctrl-T shows the thinking text", ok, str(s))
    check("thinking: thinking then reply, whole",
          ok and wraps_to(b[1], req["thinking"] + "\n" + req["reply"]), str(s))
    p.keys("C-t")
    ok, s = p.wait_for(lambda s: not s.has(req["thinking"][:12]) and s.has("thinking ("))
    check("thinking: Ctrl-T again collapses it", ok, str(s))


def test_hangup_mid_reply(tm, home, srv):
    """The terminal closes while a reply streams (a closed ssh session): the
    reply is stored, and circuit ends at once, quietly, without spinning.
    A build with LeakSanitizer once stayed behind forever, at 30 % CPU, in
    its exit-time check on the vanished terminal."""
    import pty
    env = openai_env(home, srv, "pace_ms=50,tokens=200")
    env["XDG_DATA_HOME"] = os.path.join(home, "hangup-data")
    pid, fd = pty.fork()
    if pid == 0:  # the child: circuit on the pty
        os.execve(BIN, [BIN, "-m", "gpt-4o"], env)
    out = b""
    deadline = time.monotonic() + 10
    sent = False
    mark = None
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
        if not sent and b">" in out and b"gpt-4o" in out:
            os.write(fd, b"tell me a long story\r")
            sent = True
        if sent and mark is None and b"streaming" in out:
            mark = len(out)
        if mark is not None and len(out) > mark + 400:
            break  # some of the reply's text has been drawn
    check("hangup: the reply is streaming, some text on screen",
          mark is not None and len(out) > mark + 400, repr(out[-300:]))
    os.close(fd)  # the terminal goes away
    t0 = time.monotonic()
    status = None
    while time.monotonic() - t0 < 10:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
        time.sleep(POLL)
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    check("hangup: circuit ends within 10 s of its terminal closing, exit 0",
          status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
          f"status={status} after {time.monotonic() - t0:.1f} s")
    db = os.path.join(home, "hangup-data", "circuit", "history.db")
    rows = []
    if os.path.exists(db):
        import sqlite3
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        # A live reply's checkpoints append to message_parts (the row's text
        # is whole only after its final write).
        rows = con.execute("SELECT role, interrupted, length(text) + coalesce((SELECT"
                           " sum(length(p.text)) FROM message_parts p WHERE p.msg ="
                           " messages.id), 0) FROM messages ORDER BY id").fetchall()
        con.close()
    check("hangup: the prompt and the partial reply are stored, the reply interrupted",
          len(rows) == 2 and rows[0][0] == "user" and rows[1][0] == "assistant" and rows[1][1] == 1
          and rows[1][2] > 0, repr(rows))


class RawPty:
    """circuit on a pty of our own (no tmux): what the test writes arrives
    as written, and /proc/PID/io's rchar tells when circuit has read it (it
    reads nothing else while idle on the mock)."""

    def __init__(self, env, cols=100, rows=30):
        import fcntl
        import pty
        import struct
        import termios
        self.fcntl, self.termios, self.struct = fcntl, termios, struct
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        def child_setup():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen([BIN, "-m", "mock-fast", "--no-history"], stdin=self.slave,
                                     stdout=self.slave, stderr=self.slave, env=env,
                                     preexec_fn=child_setup, close_fds=True)
        self.out = b""

    def pump(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if r:
            try:
                self.out += os.read(self.master, 65536)
            except OSError:
                pass

    def wait_out(self, needle, after=0, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.out[after:]:
                return True
            self.pump(0.05)
        return needle in self.out[after:]

    def rchar(self):
        with open(f"/proc/{self.proc.pid}/io") as f:
            for line in f:
                if line.startswith("rchar:"):
                    return int(line.split()[1])
        return 0

    def write_read(self, data, timeout=5.0):
        """Writes data and waits until circuit has read all of it."""
        want = self.rchar() + len(data)
        os.write(self.master, data)
        deadline = time.monotonic() + timeout
        while self.rchar() < want and time.monotonic() < deadline:
            self.pump(0.002)
        return self.rchar() >= want

    def close(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        os.close(self.master)
        os.close(self.slave)


def test_split_sequences(home):
    """A mouse report or a paste's end marker cut in two reads (tmux and
    slow links write them in pieces) is joined, not typed into the input
    line: it once lost the wheel and kept a paste open for good."""
    p = RawPty(base_env(home))
    try:
        ok = p.wait_out(b"offline")
        check("split: the screen is up on a raw pty", ok, repr(p.out[-300:]))
        for _ in range(2):
            p.write_read(b"/help\r")
        ok = p.wait_out(b"Ctrl-D on an empty line quits")
        mark = len(p.out)
        # ESC [ < 6 4 ; 1 0 ; 5 | M: the first half read alone, then the rest.
        first = p.write_read(b"\x1b[<64;10;5")
        p.write_read(b"M")
        # Scrolled back, more output shows the marker; had the report been
        # typed, "/help" would have gone out as a prompt, following the tail.
        p.write_read(b"/help\r")
        ok = p.wait_out("new output below".encode(), after=mark, timeout=5)
        check("split: a wheel report in two reads scrolls back (marker shown on new output)",
              first and ok, repr(p.out[mark:][-400:]))
        # A paste whose end marker comes in two reads, then Enter sends it.
        p.write_read(b"\x1b[200~pasted words\x1b[20")
        p.write_read(b"1~")
        p.write_read(b"\r")
        ok = p.wait_out(b"pasted words", after=mark, timeout=5) and \
            p.wait_out(b"you", after=mark, timeout=5)
        check("split: a paste whose end marker came in two reads ends, and Enter sends it",
              ok, repr(p.out[mark:][-400:]))
    finally:
        p.close()


# Its output, NONBLOCK=0 or 1, is not in the command's own echo.
NONBLOCK_PROBE = ("python3 -c 'import fcntl,os; "
                  "print(\"NON\" \"BLOCK=%d\" % bool(fcntl.fcntl(0, fcntl.F_GETFL) & os.O_NONBLOCK))'")


def test_suspend(tm, home):
    """Ctrl-Z and SIGTSTP hand the terminal back to the shell as it was
    (cooked, blocking reads, no mouse or paste modes); fg brings the screen
    back whole, and it still answers."""
    if shutil.which("bash") is None:
        print("skip: suspend (bash not found)")
        return
    cols, rows = 80, 24
    p = tm.raw_pane(cols, rows, "env -i PATH=/usr/bin:/bin HOME=%s TERM=xterm-256color "
                    "LANG=C.UTF-8 PS1='$ ' bash --norc --noprofile -i" % shlex.quote(home))
    ok, _ = p.wait_for(lambda s: s.has("$"))
    check("suspend: the shell is up", ok, "\n".join(p.capture()))
    p.send(f"{shlex.quote(BIN)} --no-history")
    ready = (lambda s: s.rule is not None and s.input and s.input[0].startswith(">")
             and s.labels("circuit"))
    ok, s = p.wait_for(ready)
    check("suspend: circuit started from the shell", ok, str(s))
    for how in ("Ctrl-Z", "SIGTSTP"):
        if how == "Ctrl-Z":
            p.keys("C-z")
        else:
            pid = p.circuit_pid()
            check("suspend: circuit's pid found", pid is not None)
            if pid is None:
                break
            os.kill(pid, signal.SIGTSTP)
        ok, s = p.wait_for(lambda s: s.has("Stopped"))
        check(f"suspend: {how} stops circuit and shows the shell", ok, str(s))
        p.send(NONBLOCK_PROBE)
        ok, s = p.wait_for(lambda s: s.has("NONBLOCK="))
        check(f"suspend: {how} leaves the terminal blocking for the shell",
              ok and s.has("NONBLOCK=0"), str(s))
        p.send("clear; fg")
        ok, s = p.wait_for(lambda s: ready(s) and not s.has("NONBLOCK="))
        check(f"suspend: fg after {how} draws the screen whole again", ok, str(s))
    p.send("hello after fg")
    ok, s = p.wait_for(lambda s: s.labels("mock") and not s.has("streaming"), timeout=10)
    check("suspend: the screen answers after fg", ok and s.labels("you"), str(s))
    p.keys("C-d")
    ok, s = p.wait_for(lambda s: not s.labels("circuit") and s.has("$"))
    check("suspend: Ctrl-D after fg quits to the shell", ok, str(s))
    p.send("exit")


def main():
    harness.require(tmux=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="circuit-tui-") as tmp:
        home = os.path.join(tmp, "home")
        os.mkdir(home)
        # set-clipboard on makes an OSC 52 from the pane set a tmux buffer,
        # so the escape test would see the attack if circuit let it through.
        with harness.tmux_and_server(tmp, "tui", Screen, Server,
                                     conf_extra="set -g set-clipboard on\n") as (tm, srv):
            for name, fn, args in (("offline", test_offline, (tm, home)),
                                   ("colour", test_colour, (tm, home)),
                                   ("ascii", test_ascii, (tm, home)),
                                   ("streaming", test_streaming, (tm, home, srv)),
                                   ("resize", test_resize, (tm, home, srv)),
                                   ("cjk", test_cjk, (tm, home, srv)),
                                   ("interrupt", test_interrupt, (tm, home, srv)),
                                   ("escapes", test_escapes, (tm, home, srv)),
                                   ("thinking", test_thinking, (tm, home, srv)),
                                   ("breaker", test_breaker, (tm, home, srv)),
                                   ("continue", test_continue, (tm, home, srv)),
                                   ("clear", test_clear_while_streaming, (tm, home, srv)),
                                   ("hangup", test_hangup_mid_reply, (tm, home, srv)),
                                   ("suspend", test_suspend, (tm, home)),
                                   ("split", test_split_sequences, (home,))):
                harness.guarded(name, fn, *args)
    return finish(start)


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
