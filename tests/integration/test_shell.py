#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""circuit in a shell (issue 18), the real binary against the loopback server
(tests/server/) with a real history file in a temporary XDG_DATA_HOME.

Covered: a positional prompt (words joined by one space, options after
them); piped standard input joined after a prompt (PROMPT, a blank line,
STDIN) in the exact request body of every provider, empty stdin, UTF-16
and bad bytes in the piped part; -c and --resume ID -p (the second request
carries the first exchange, the history has both turns in one
conversation, the model that answered goes on); --sessions as aligned
columns on a terminal (a pty), tab-separated in a pipe, --json; --last
(the bytes exactly, unicode and a terminal escape included; sanitised on
a terminal); --export last; every bad usage (exit 2, one line, nothing
sent); -c on the screen (tmux).

`python3 test_shell.py NAME...` runs only those tests (TESTS names). Ends
with "N passed, N failed"."""
import datetime
import fcntl
import json
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import time
import traceback
import urllib.parse

import harness
from harness import BIN, check, finish

KEY = "sk-test-circuit-shell"
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
            "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL", "OLLAMA_HOST")
PROVIDERS = [("gpt-4o", "openai"), ("claude-sonnet-4-5", "anthropic"),
             ("gemini-2.5-flash", "google"), ("ollama:llama3.2", "ollama")]
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$")


class Home:
    """A temporary HOME with its XDG folders; env() points every provider
    at the loopback server (scenario scen)."""

    def __init__(self, tmp, name, srv):
        self.dir = os.path.join(tmp, name)
        self.srv = srv
        self.data = os.path.join(self.dir, "data")
        self.config = os.path.join(self.dir, "config")
        for d in (self.data, os.path.join(self.config, "circuit"), os.path.join(self.dir, "st")):
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(self.config, "circuit", "config"), "w") as f:
            f.write("max_retries = 0\n")
        self.db = os.path.join(self.data, "circuit", "history.db")

    def env(self, scen=""):
        b = self.srv.base(scen)
        env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
        env.update(HOME=self.dir, XDG_DATA_HOME=self.data, XDG_CONFIG_HOME=self.config,
                   XDG_STATE_HOME=os.path.join(self.dir, "st"), LANG="C.UTF-8", TZ="UTC",
                   OPENAI_BASE_URL=b + "/v1", OPENAI_API_KEY=KEY, ANTHROPIC_BASE_URL=b,
                   ANTHROPIC_API_KEY=KEY, GEMINI_BASE_URL=b, GEMINI_API_KEY=KEY, OLLAMA_HOST=b)
        return env

    def run(self, args, stdin=b"", scen="", env=None):
        """(status, stdout bytes, stderr text). stdin: bytes piped (b"": an
        empty pipe), or None for /dev/null."""
        p = subprocess.run([BIN, *args], input=stdin if stdin is not None else None,
                           stdin=subprocess.DEVNULL if stdin is None else None,
                           capture_output=True, timeout=60, cwd=self.dir,
                           env=env if env is not None else self.env(scen))
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")

    def rows(self, sql="SELECT * FROM messages ORDER BY id", args=()):
        return harness.db_rows(self.db, sql, args)

    def convs(self):
        return self.rows("SELECT * FROM conversations ORDER BY id")


def one_line(err):
    """One "circuit: …" line (bad usage adds the --help hint after it)."""
    lines = [l for l in err.splitlines() if l.strip() and l != "Try 'circuit --help'."]
    return len(lines) == 1 and lines[0].startswith("circuit: ")


def user_text(req):
    """The last user turn of a request, in whichever provider's shape."""
    return turns(req)[-1][1]


def turns(req):
    """[(role, text)] of a request body: OpenAI, Anthropic, Gemini, Ollama."""
    body = req["body"]
    out = []
    if "contents" in body:
        for c in body["contents"]:
            out.append(("assistant" if c["role"] == "model" else c["role"],
                        "".join(p.get("text", "") for p in c["parts"])))
        return out
    for m in body.get("messages", []):
        if m["role"] == "system":
            continue
        c = m["content"]
        if isinstance(c, list):
            c = "".join(x.get("text", "") for x in c if isinstance(x, dict))
        out.append((m["role"], c))
    return out


# ---- a positional prompt, stdin joined with it -----------------------------------------------

PIPED = "line one of the file\n\tindented «two»\n\n"


def test_stdin_joined(tmp, srv):
    h = Home(tmp, "join", srv)
    for model, prov in PROVIDERS:
        for form in (["review this"], ["-p", "review this"]):
            n = len(srv.requests())
            rc, out, err = h.run([*form, "-m", model], stdin=PIPED.encode())
            req = srv.wait_request(n)
            want = "review this\n\nline one of the file\n\tindented «two»"
            check(f"{prov} {form[0]}: PROMPT, a blank line, STDIN (its trailing newlines cut)",
                  rc == 0 and req is not None and turns(req) == [("user", want)],
                  repr((rc, err, req and turns(req))))
    # The exact bodies' messages, for the two most used shapes.
    n = len(srv.requests())
    h.run(["review", "this", "-m", "gpt-4o"], stdin=b"code\n")
    body = srv.wait_request(n)["body"]
    check("openai body: one user message, the joined text",
          body["messages"] == [{"role": "user", "content": "review this\n\ncode"}],
          json.dumps(body["messages"]))
    n = len(srv.requests())
    h.run(["review", "this", "-m", "claude-sonnet-4-5"], stdin=b"code\n")
    body = srv.wait_request(n)["body"]
    check("anthropic body: one user message, the joined text",
          [(m["role"], m["content"] if isinstance(m["content"], str)
            else "".join(x["text"] for x in m["content"])) for m in body["messages"]]
          == [("user", "review this\n\ncode")], json.dumps(body["messages"]))

    # Empty stdin (an empty pipe, /dev/null): just the prompt.
    for how, stdin in (("an empty pipe", b""), ("/dev/null", None)):
        n = len(srv.requests())
        rc, out, err = h.run(["just", "this", "-m", "gpt-4o"], stdin=stdin)
        req = srv.wait_request(n)
        check(f"{how} with a prompt: the prompt alone",
              rc == 0 and req is not None and turns(req) == [("user", "just this")],
              repr((rc, err, req and turns(req))))
    # No prompt: stdin alone, as before.
    n = len(srv.requests())
    rc, out, err = h.run(["-m", "gpt-4o"], stdin=b"only stdin\n")
    req = srv.wait_request(n)
    check("no prompt: stdin alone is the prompt",
          rc == 0 and req is not None and turns(req) == [("user", "only stdin")],
          repr((rc, err, req and turns(req))))
    # UTF-16 with a BOM in the piped part is converted; bad bytes refused.
    n = len(srv.requests())
    rc, out, err = h.run(["-p", "read", "-m", "gpt-4o"],
                         stdin="\ufeffgrüße 🙂\n".encode("utf-16-le"))
    req = srv.wait_request(n)
    check("UTF-16 stdin after a prompt: converted",
          rc == 0 and req is not None and turns(req) == [("user", "read\n\ngrüße 🙂")],
          repr((rc, err, req and turns(req))))
    n = len(srv.requests())
    rc, out, err = h.run(["-p", "read", "-m", "gpt-4o"], stdin=b"caf\xe9\n")
    check("Latin-1 stdin after a prompt: exit 2, one line naming standard input, nothing sent",
          rc == 2 and one_line(err) and "standard input" in err and "0xE9" in err
          and len(srv.requests()) == n, repr((rc, err)))


def test_positional(tmp, srv):
    h = Home(tmp, "words", srv)
    cases = [(["what", "is", "this"], "what is this"),
             (["what is", "this?", "-m", "gpt-4o"], "what is this?"),
             (["-m", "gpt-4o", "  spaced  "], "  spaced  "),
             (["first", "-m", "gpt-4o", "second"], "first second")]
    for args, want in cases:
        if "-m" not in args:
            args = args + ["-m", "gpt-4o"]
        n = len(srv.requests())
        rc, out, err = h.run(args, stdin=None)
        req = srv.wait_request(n)
        check(f"words {args!r}: the prompt is {want!r}",
              rc == 0 and req is not None and turns(req) == [("user", want)]
              and out.decode() == req["reply"] + "\n", repr((rc, err, req and turns(req))))
    # The same as -p: the history keeps it.
    titles = [r["text"] for r in h.rows() if r["role"] == "user"]
    check("words: each prompt is in the history", titles == [w for _, w in cases], repr(titles))


# ---- going on from the shell -----------------------------------------------------------------

def test_continue(tmp, srv):
    h = Home(tmp, "cont", srv)
    n = len(srv.requests())
    rc, out1, err = h.run(["first question", "-m", "gpt-4o"], stdin=None)
    r1 = srv.wait_request(n)
    # An unrelated conversation after it, with another provider.
    h.run(["other", "topic", "-m", "claude-sonnet-4-5"], stdin=None)
    srv.wait_request(n + 1)
    # -c goes on with the newest: the claude one.
    rc, out, err = h.run(["-c", "and in Rust?"], stdin=None)
    r3 = srv.wait_request(n + 2)
    check("-c: the request goes on with the newest conversation, to the model that answered",
          rc == 0 and r3 is not None and "/v1/messages" in r3["path"]
          and turns(r3)[:-1] == [("user", "other topic"), ("assistant", srv.requests()[n + 1]
                                                          ["reply"])]
          and turns(r3)[-1] == ("user", "and in Rust?"), repr((rc, err, r3 and turns(r3))))
    convs = h.convs()
    rows = h.rows()
    check("-c: still two conversations; the second has both turns",
          len(convs) == 2 and [(r["conv"], r["role"], r["text"]) for r in rows[2:]]
          == [(2, "user", "other topic"), (2, "assistant", srv.requests()[n + 1]["reply"]),
              (2, "user", "and in Rust?"), (2, "assistant", r3["reply"])],
          repr([(r["conv"], r["role"], r["text"][:30]) for r in rows]))
    # --last prints the -c reply.
    rc, out, err = h.run(["--last"], stdin=None)
    check("--last after -c: the -c reply, exactly", rc == 0 and out.decode() == r3["reply"] + "\n",
          repr((rc, out[:80], err)))

    # --resume 1 -p: the first conversation, with its model (gpt-4o).
    rc, out, err = h.run(["--resume", "1", "-p", "more on that"], stdin=b"piped detail\n")
    r4 = srv.wait_request(n + 3)
    want = [("user", "first question"), ("assistant", r1["reply"]),
            ("user", "more on that\n\npiped detail")]
    check("--resume 1 -p: the second request carries the first exchange (stdin joined too)",
          rc == 0 and r4 is not None and "/chat/completions" in r4["path"] and turns(r4) == want,
          repr((rc, err, r4 and turns(r4))))
    check("--resume 1 -p: the reply is streamed", out.decode() == (r4 or {}).get("reply", "") + "\n",
          repr(out[:80]))
    # Positional words after --resume ID.
    rc, out, err = h.run(["--resume", "1", "three", "words", "here"], stdin=None)
    r5 = srv.wait_request(n + 4)
    check("--resume 1 WORDS: the words are the prompt, after both exchanges",
          rc == 0 and r5 is not None and len(turns(r5)) == 5
          and turns(r5)[-1] == ("user", "three words here"), repr((rc, err, r5 and turns(r5))))
    c1 = [(r["role"], r["text"]) for r in h.rows("SELECT * FROM messages WHERE conv = 1"
                                                " ORDER BY id")]
    check("--resume 1: conversation 1 holds all three turns, in order",
          c1 == want[:2] + [("assistant", r4["reply"]), ("user", "three words here"),
                            ("assistant", r5["reply"])]
          or c1 == [want[0], want[1], ("user", want[2][1]), ("assistant", r4["reply"]),
                    ("user", "three words here"), ("assistant", r5["reply"])],
          repr(c1))
    check("--resume 1: no new conversation", len(h.convs()) == 2, repr(h.convs()))
    # The one just continued is now the newest: -c and --last follow it.
    rc, out, err = h.run(["--last"], stdin=None)
    check("--last after --resume 1: its reply", rc == 0 and out.decode() == r5["reply"] + "\n",
          repr((rc, out[:80], err)))
    # -m overrides the thread's model; -s given is kept as the system prompt.
    rc, out, err = h.run(["-c", "-m", "gemini-2.5-flash", "-s", "be terse", "switch"], stdin=None)
    r6 = srv.wait_request(n + 5)
    check("-c -m MODEL: that model, with the thread's 6 turns before the prompt",
          rc == 0 and r6 is not None and "streamGenerateContent" in r6["path"] and len(turns(r6)) == 7
          and r6["body"]["systemInstruction"]["parts"][0]["text"] == "be terse",
          repr((rc, err, r6 and r6["path"])))
    check("-c -s: the conversation keeps the new system prompt",
          h.rows("SELECT system FROM conversations WHERE id = 1") == [{"system": "be terse"}],
          repr(h.convs()))
    # --resume takes the next word as its id only when it is all digits:
    # "3 reasons" is a prompt, going on with the last conversation (1).
    rc, out, err = h.run(["--resume", "3 reasons", "-m", "gpt-4o"], stdin=None)
    r7 = srv.wait_request(n + 6)
    check("--resume '3 reasons': a prompt for the last conversation, not an id",
          rc == 0 and r7 is not None and len(turns(r7)) == 9
          and turns(r7)[-1] == ("user", "3 reasons"), repr((rc, err, r7 and turns(r7))))


def test_continue_screen(tmp, srv):
    if shutil.which("tmux") is None:
        return
    h = Home(tmp, "cscreen", srv)
    h.run(["a remembered question", "-m", "gpt-4o"], stdin=None)
    tm = harness.Tmux(tmp, "shell-c", harness.Screen, linger=30)
    try:
        p = tm.pane(110, 30, h.env(), ["-c"])
        ok, s = p.wait_for(lambda s: s.has("conversation 1") and s.has("a remembered question"),
                           timeout=10)
        check("-c on a terminal: the screen opens the last conversation", ok, str(s))
        p.quit()
    finally:
        tm.kill()


# ---- getting things out ----------------------------------------------------------------------

def pty_run(args, env, cols=100):
    """Runs circuit with stdout on a pty of cols columns: (status, output)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    p = subprocess.Popen([BIN, *args], stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.5)
        if not r:
            if p.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    rc = p.wait(timeout=10)
    p.stderr.close()
    return rc, out.decode("utf-8", "replace").replace("\r\n", "\n")


def pty_screen(args, env):
    """circuit with stdin and stdout on a pty (the screen's case), stderr
    apart: (status, stderr) once it exits (within 10 s)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    p = subprocess.Popen([BIN, *args], stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                         env=env)
    os.close(slave)
    try:
        _, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    os.close(master)
    return p.returncode, err.decode("utf-8", "replace")


def local_date(t):
    return datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


def test_sessions(tmp, srv):
    h = Home(tmp, "sessions", srv)
    # Empty history (no file at all): nothing listed, exit 0, a line on stderr.
    rc, out, err = h.run(["--sessions"], stdin=None)
    check("--sessions, no history: exit 0, nothing on stdout, 'no conversations yet'",
          rc == 0 and out == b"" and err.strip() == "circuit: no conversations yet",
          repr((rc, out, err)))
    check("--sessions, no history: no file is made", not os.path.exists(h.db))
    rc, out, err = h.run(["--sessions", "--json"], stdin=None)
    check("--sessions --json, no history: []", rc == 0 and json.loads(out) == [], repr((rc, out)))

    h.run(["-p", "how do rivers form\nsecond line of it", "-m", "gpt-4o"], stdin=None)
    h.run(["-p", "a long title " + "word " * 40, "-m", "claude-sonnet-4-5"], stdin=None)
    h.run(["--resume", "2", "-m", "gpt-4o", "follow up"], stdin=None)
    h.run(["-p", "日本語のタイトル", "-m", "gemini-2.5-flash"], stdin=None)
    convs = {c["id"]: c for c in h.convs()}
    # A pipe: tab-separated, newest first.
    rc, out, err = h.run(["--sessions"], stdin=None)
    lines = out.decode().splitlines()
    fields = [l.split("\t") for l in lines]
    check("--sessions in a pipe: 3 lines of 5 tab-separated fields, exit 0",
          rc == 0 and len(fields) == 3 and all(len(f) == 5 for f in fields), repr(out))
    if len(fields) != 3 or any(len(f) != 5 for f in fields):
        return
    check("--sessions: newest first (3, then 2 continued, then 1)",
          [f[0] for f in fields] == ["3", "2", "1"], repr(fields))
    check("--sessions: dates are local YYYY-MM-DD HH:MM of the last update",
          all(DATE_RE.match(f[1]) and f[1] == local_date(convs[int(f[0])]["updated"])
              for f in fields), repr(fields))
    check("--sessions: titles are the first prompt's first line",
          fields[2][2] == "how do rivers form" and fields[0][2] == "日本語のタイトル"
          and fields[1][2].startswith("a long title word"), repr([f[2] for f in fields]))
    check("--sessions: turns", [f[3] for f in fields] == ["1", "2", "1"], repr(fields))
    check("--sessions: models", [f[4] for f in fields] ==
          ["gemini-2.5-flash", "claude-sonnet-4-5, gpt-4o", "gpt-4o"], repr([f[4] for f in fields]))

    # --json: the same, as objects.
    rc, out, err = h.run(["--sessions", "--json"], stdin=None)
    doc = json.loads(out)
    check("--sessions --json: an array of objects with every field",
          rc == 0 and [d["id"] for d in doc] == [3, 2, 1]
          and all(set(d) == {"id", "date", "created", "updated", "title", "turns", "models"}
                  for d in doc)
          and doc[1]["models"] == ["claude-sonnet-4-5", "gpt-4o"]
          and doc[1]["turns"] == 2 and doc[2]["title"] == "how do rivers form"
          and [d["updated"] for d in doc] == [convs[i]["updated"] for i in (3, 2, 1)]
          and [d["date"] for d in doc] == [f[1] for f in fields], repr(doc))

    # A terminal: aligned columns under a header, cut to its width.
    for cols in (100, 60):
        rc, out = pty_run(["--sessions"], h.env(), cols=cols)
        rows = out.splitlines()
        check(f"--sessions on a {cols}-column terminal: a header and 3 rows",
              rc == 0 and len(rows) == 4 and rows[0].split()[:3] == ["ID", "DATE", "TITLE"],
              repr(out))
        if len(rows) != 4:
            continue
        at = {k: rows[0].index(k) for k in ("DATE", "TITLE", "TURNS", "MODELS")}
        wide = [harness.width(r) for r in rows]
        check(f"--sessions {cols} columns: no row wider than the terminal",
              max(wide) <= cols, repr(wide))

        def col_of(r, k):
            # The display column where header k's column starts in row r.
            return harness.width(rows[0][:at[k]])
        ok = True
        for r in rows[1:]:
            # Each row's date starts under DATE.
            ok &= harness.width(r[:r.index(r.split()[1])]) == col_of(r, "DATE")
        check(f"--sessions {cols} columns: dates aligned under DATE", ok, repr(rows))
        long_row = [r for r in rows if r.lstrip().startswith("2 ")][0]
        check(f"--sessions {cols} columns: a long title is cut with …",
              "…" in long_row and "a long title" in long_row, repr(long_row))
        check(f"--sessions {cols} columns: the wide-character title is whole",
              "日本語のタイトル" in rows[1], repr(rows[1]))
        turn_end = [harness.width(r[:r.index("  1  " if r.lstrip().startswith(("1", "3"))
                                             else "  2  ") + 3]) for r in rows[1:]]
        check(f"--sessions {cols} columns: turns right-aligned under TURNS",
              all(t == col_of(rows[0], "TURNS") + 5 for t in turn_end), repr((turn_end, rows)))


def test_last(tmp, srv):
    h = Home(tmp, "last", srv)
    rc, out, err = h.run(["--last"], stdin=None)
    check("--last, no history: exit 1, one line", rc == 1 and out == b"" and one_line(err),
          repr((rc, out, err)))
    reply = "# Title\n\n* ünïcödé — 東京 🙂\n* `code`\n\nend with \x1b[31mred\x1b[0m"
    scen = "tokens=9,text=" + urllib.parse.quote(reply, safe="")
    rc, out, err = h.run(["write", "markdown", "-m", "gpt-4o"], stdin=None, scen=scen)
    check("the reply as sent (sanitised on stdout)", rc == 0, repr((rc, err)))
    rc, out, err = h.run(["--last"], stdin=None)
    check("--last in a pipe: the reply's bytes exactly, and a newline",
          rc == 0 and out == (reply + "\n").encode(), repr((rc, out, err)))
    rc, tty = pty_run(["--last"], h.env())
    check("--last on a terminal: the escape shown inert (␛), the rest the same",
          rc == 0 and "\x1b" not in tty and "␛[31mred" in tty and "ünïcödé — 東京 🙂" in tty,
          repr(tty))
    # A reply that ends with a newline gets no second one.
    scen = "tokens=3,text=" + urllib.parse.quote("ends with a newline\n", safe="")
    h.run(["again", "-m", "claude-sonnet-4-5"], stdin=None, scen=scen)
    rc, out, err = h.run(["--last"], stdin=None)
    check("--last: a reply ending in a newline is printed as it is",
          rc == 0 and out == b"ends with a newline\n", repr((rc, out, err)))
    # A conversation whose only reply failed before its first token keeps
    # nothing; a history with a prompt but no reply yet: exit 1.
    rc, out, err = h.run(["--last", "--no-history"], stdin=None)
    check("--last --no-history: bad usage", rc == 2 and one_line(err), repr((rc, err)))


def test_export_last(tmp, srv):
    h = Home(tmp, "export", srv)
    rc, out, err = h.run(["--export", "last"], stdin=None)
    check("--export last, no history: exit 1, one line", rc == 1 and one_line(err),
          repr((rc, err)))
    h.run(["first", "-m", "gpt-4o"], stdin=None)
    h.run(["second", "-m", "gpt-4o"], stdin=None)
    for fmt in ("md", "json"):
        rc, last, err = h.run(["--export", "last", "--format", fmt], stdin=None)
        rc2, two, err2 = h.run(["--export", "2", "--format", fmt], stdin=None)
        check(f"--export last --format {fmt}: the same bytes as --export 2",
              rc == 0 and rc2 == 0 and last == two and b"second" in last, repr((rc, err, last[:80])))
    h.run(["--resume", "1", "-m", "gpt-4o", "more"], stdin=None)
    rc, out, err = h.run(["--export", "last", "--format", "json"], stdin=None)
    check("--export last after --resume 1: conversation 1", rc == 0 and json.loads(out)["id"] == 1,
          repr((rc, out[:80])))


# ---- bad usage -------------------------------------------------------------------------------

def test_bad_usage(tmp, srv):
    h = Home(tmp, "bad", srv)
    off = Home(tmp, "bad-off", srv)
    with open(os.path.join(off.config, "circuit", "config"), "w") as f:
        f.write("history = off\n")
    # -c with an empty history, on both kinds of home.
    cases = [
        (h, ["-p", "x", "more", "words"], "either with -p or as words"),
        (h, ["-c", "x", "--no-history"], "not with --no-history"),
        (off, ["-c", "x"], "history = off"),
        (off, ["--resume", "1", "-p", "x"], "history = off"),
        (h, ["-c", "x", "--compare", "gpt-4o,claude-sonnet-4-5"], "not with --compare"),
        (h, ["--resume", "1", "-p", "x", "--compare", "gpt-4o,gpt-4o"], "not with --compare"),
        (h, ["-c", "--resume", "1", "x"], "give one of them"),
        (h, ["-c", "x"], "no conversation yet"),
        (h, ["--resume", "1", "-p", "x"], "no conversation yet"),
        (h, ["--sessions", "--last"], "stand alone"),
        (h, ["--sessions", "-p", "x"], "stand alone"),
        (h, ["--last", "--json"], "--json"),
        (h, ["--export", "newest"], "--export takes"),
        (h, ["--sessions", "--no-history"], "stand alone"),
    ]
    for home, args, phrase in cases:
        n = len(srv.requests())
        rc, out, err = home.run(args, stdin=None)
        check(f"bad usage {args}: exit 2, one line saying '{phrase}', nothing sent",
              rc == 2 and one_line(err) and phrase in err and out == b""
              and len(srv.requests()) == n, repr((rc, err, out[:60])))
    check("bad usage: -c on no history made no file", not os.path.exists(h.db))
    # A conversation that does not exist (the file does).
    h.run(["a first one", "-m", "gpt-4o"], stdin=None)
    n = len(srv.requests())
    for args in (["--resume", "42", "-p", "x"], ["--resume", "42", "words"]):
        rc, out, err = h.run(args, stdin=None)
        check(f"{args}: no conversation 42: exit 2, one line, nothing sent",
              rc == 2 and one_line(err) and "42" in err and len(srv.requests()) == n
              and len(h.rows()) == 2, repr((rc, err)))
    # On a terminal, before the screen opens (stdin and stdout on a pty).
    rc, err = pty_screen(["--resume", "42"], h.env())
    check("--resume 42 on a terminal: exit 2 and the one line, before any screen",
          rc == 2 and one_line(err) and "no conversation 42" in err, repr((rc, err)))
    for args, phrase in ((["--sessions", "--format", "json"], "--format goes with --export"),
                         (["--replay", os.devnull, "--wire", "openai", "-f", os.devnull],
                          "not --replay")):
        rc, out, err = h.run(args, stdin=None)
        check(f"bad usage {args}: exit 2, one line saying '{phrase}'",
              rc == 2 and one_line(err) and phrase in err, repr((rc, err)))


TESTS = {
    "stdin_joined": test_stdin_joined,
    "positional": test_positional,
    "continue": test_continue,
    "continue_screen": test_continue_screen,
    "sessions": test_sessions,
    "last": test_last,
    "export_last": test_export_last,
    "bad_usage": test_bad_usage,
}


def main():
    names = sys.argv[1:] or list(TESTS)
    with tempfile.TemporaryDirectory(prefix="circuit-shell-") as tmp, \
            harness.LoopbackServer(max_seconds=600, idle_seconds=120) as srv:
        for name in names:
            try:
                TESTS[name](tmp, srv)
            except Exception:
                check(f"{name}: no exception", False, traceback.format_exc())
    return finish()


if __name__ == "__main__":
    sys.exit(main())
