#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The SQLite history (src/model/history.c), through the real binary.

The screen in a private tmux server and headless runs, against the
loopback provider server (tests/server/server.py) and the offline mocks;
the file itself is read with Python's sqlite3 module. Covered: a
conversation and its figures survive a restart (--resume, --resume ID),
kill -9 mid-reply keeps the finished turn and the checkpointed part (and
Ctrl-C, /clear, /quit mid-reply write the reply's final row), --search and
/search, --export and /export, a corrupt or read-only file turns history
off for the run without stopping the chat, no key reaches the file,
--no-history and `history = off` leave no file (and --resume with either is
refused), headless runs and compares are recorded, /retry's dropped
exchange stays out of the requests (also after --resume), /sessions, /load
and /delete (also of the conversation whose reply is streaming), a compare
adopted with /adopt comes back with --resume.

`python3 test_history.py NAME...` runs only those scenarios (TESTS names).

Every scenario has its own HOME in a temporary folder, with XDG_DATA_HOME,
XDG_CONFIG_HOME and XDG_STATE_HOME inside it. Nothing sleeps to wait for a
state: the screen, the request log and the database are polled every 50 ms
until a condition holds or a deadline passes, and a failure shows the last
capture (or the rows). Ends with "N passed, N failed"."""
import json
import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.parse

import harness
from harness import BIN, POLL, ROOT, check, done_label

TIMING_TOL_MS = 60
KEY = "sk-test-circuit-history"
SENTINEL = "sk-SENTINEL-history-1234567890"
# A finished reply's label line: "LABEL  NNN ms · NN.N tok/s · NN tokens".
META_RE = re.compile(r"  (\d+)ms · ≈?([\d.]+) tok/s · ≈?(\d+) tokens$")


# ---- the loopback provider server ------------------------------------------------------------

class Server(harness.LoopbackServer):
    def __init__(self, tmp):
        super().__init__(tmp, max_seconds=300, idle_seconds=120)


def messages_of(req):
    """The request's (role, content) turns, the system prompt left out."""
    out = []
    for m in ((req or {}).get("body") or {}).get("messages") or []:
        if m.get("role") == "system":
            continue
        c = m.get("content")
        if isinstance(c, list):
            c = "".join(x.get("text", "") for x in c if isinstance(x, dict))
        out.append((m.get("role"), c))
    return out


# ---- tmux ------------------------------------------------------------------------------------

class Tmux(harness.Tmux):
    """The suite's tmux server: a pane stays 30 s after circuit ends."""

    def __init__(self, tmp, tag):
        super().__init__(tmp, "hist-" + tag, Screen, linger=30)


class Screen(harness.Screen):
    """One capture: transcript, rule, input pane, status bar (the last row)."""

    def labels(self, label):
        return [i for i, l in enumerate(self.transcript)
                if l == label or l.startswith(label + "  ")]

    def block(self, label, nth=-1):
        """(label line, text rows, interrupted) of the nth message labelled
        label, or None. Text rows end at the blank separator."""
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
        if body and body[-1].endswith("▌"):
            body[-1] = body[-1][:-1]
        return self.transcript[i], body, interrupted

    def joined(self):
        """The transcript rows joined with blanks (wrapping undone, roughly)."""
        return " ".join(l.strip() for l in self.transcript if l.strip())

    def ready(self):
        return self.rule is not None and not self.has("streaming…")


def squash(s):
    """Whitespace runs to one blank: wrapped rows compare with the text."""
    return " ".join(s.split())


# ---- a scenario's home, config, database -----------------------------------------------------

class Home:
    """A temporary HOME with XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_STATE_HOME in it."""

    def __init__(self, tmp, name):
        self.dir = os.path.join(tmp, name)
        self.data = os.path.join(self.dir, "data")
        self.config = os.path.join(self.dir, "config")
        self.state = os.path.join(self.dir, "state")
        for d in (self.dir, self.data, self.config, self.state):
            os.makedirs(d, exist_ok=True)
        self.db = os.path.join(self.data, "circuit", "history.db")

    def env(self, **extra):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.dir,
               "TERM": "xterm-256color", "LANG": "C.UTF-8",
               "XDG_DATA_HOME": self.data, "XDG_CONFIG_HOME": self.config,
               "XDG_STATE_HOME": self.state}
        env.update(extra)
        return env

    def write_config(self, text):
        os.makedirs(os.path.join(self.config, "circuit"), exist_ok=True)
        for ln in text.split("\n"):
            assert len(ln.encode()) <= 198, f"config line over 198 bytes: {ln}"
        with open(os.path.join(self.config, "circuit", "config"), "w", encoding="utf-8") as f:
            f.write(text)

    def run(self, args, env=None, timeout=30, stdin=subprocess.DEVNULL):
        """A headless run: (status, stdout, stderr)."""
        p = subprocess.run([BIN, *args], capture_output=True, timeout=timeout,
                           env=env if env is not None else self.env(), cwd=self.dir, stdin=stdin)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))

    def rows(self, sql="SELECT * FROM messages ORDER BY id", args=()):
        """Rows as dicts (read with a connection of our own, closed at once)."""
        return harness.db_rows(self.db, sql, args, with_parts if "FROM messages" in sql else None)

    def messages(self, conv=None):
        if conv is None:
            return self.rows()
        return self.rows("SELECT * FROM messages WHERE conv = ? ORDER BY id", (conv,))

    def convs(self):
        return self.rows("SELECT * FROM conversations ORDER BY id")

    def wait_rows(self, pred, timeout=5.0, sql="SELECT * FROM messages ORDER BY id"):
        """Polls the file every 50 ms until pred(rows): (True, rows) or (False, rows)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                rows = self.rows(sql)
                ok = pred(rows)
            except (sqlite3.Error, IndexError, KeyError, TypeError):
                rows, ok = [], False
            if ok:
                return True, rows
            if time.monotonic() >= deadline:
                return False, rows
            time.sleep(POLL)


def with_parts(con, rows):
    """Rows as circuit reads them. A row's raw bytes are stored empty when
    they are its text byte for byte (read back as the text). A live
    reply's row holds its text as of its first write; each checkpoint
    appends what is new as a row of message_parts (schema 3), until the
    final write puts the whole text in the row: its text is the row's
    followed by its parts."""
    for r in rows:
        if "raw" in r and "text" in r and not r["raw"] and r["text"]:
            r["raw"] = r["text"].encode("utf-8")
    if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'message_parts'").fetchone():
        return
    for r in rows:
        if "id" not in r or "text" not in r:
            continue
        for t, th, raw in con.execute("SELECT text, thinking, raw FROM message_parts"
                                      " WHERE msg = ? ORDER BY id", (r["id"],)):
            r["text"] += t
            if "thinking" in r:
                r["thinking"] += th
            if "raw" in r:
                r["raw"] = bytes(r["raw"]) + bytes(raw)


def brief(rows, keys=("id", "conv", "grp", "col", "role", "label", "text", "interrupted",
                      "dropped")):
    """Rows shortened for a failure's detail."""
    out = []
    for r in rows:
        d = {k: r.get(k) for k in keys if k in r}
        if isinstance(d.get("text"), str) and len(d["text"]) > 60:
            d["text"] = d["text"][:60] + "…"
        out.append(d)
    return json.dumps(out, ensure_ascii=False)


def provider_config(srv, providers, general=""):
    """A config with [provider.NAME] sections: providers is [(name, scenario)],
    each serving the model m-NAME with the key from LOOP_KEY."""
    lines = ["# written by tests/integration/test_history.py", "max_retries = 0"]
    if general:
        lines.append(general)
    lines.append("")
    for name, scen in providers:
        lines += [f"[provider.{name}]", "kind = openai", f"base_url = {srv.base(scen)}/v1",
                  "key_env = LOOP_KEY", f"models = m-{name}", ""]
    return "\n".join(lines)


# ---- 1. a conversation and its figures survive a restart -------------------------------------

def test_resume(tmp, srv):
    if shutil.which("tmux") is None:
        return
    h = Home(tmp, "resume")
    scen = "ttft_ms=150,pace_ms=10,tokens=20"
    h.write_config(provider_config(srv, [("loop", scen)]))
    env = h.env(LOOP_KEY=KEY)
    label = "loop:m-loop"
    tm = Tmux(tmp, "resume")
    try:
        p = tm.pane(110, 40, env, ["-m", label])
        ok, s = p.wait_for(lambda s: s.rule is not None and s.status.rstrip().endswith("m-loop"),
                           timeout=10)
        check("resume: the screen starts on loop:m-loop", ok, str(s))
        prompts = ["first question about rivers", "second question about mountains"]
        replies, reqs = [], []
        for i, prompt in enumerate(prompts):
            n = len(srv.requests())
            p.send(prompt)
            req = srv.wait_request(n)
            ok, s = p.wait_for(lambda s, i=i: len(s.labels(label)) == i + 1
                               and done_label(s.block(label)[0]), timeout=10)
            check(f"resume: reply {i + 1} done", ok and req is not None, str(s))
            if req is None:
                return
            reqs.append(req)
            replies.append(req["reply"])
        live_screen = s
        ok, s = p.quit()
        check("resume: Ctrl-D quits with status 0", ok, str(s))

        # The file.
        st = os.stat(h.db)
        check("resume: history.db is mode 0600", stat.S_IMODE(st.st_mode) == 0o600,
              oct(stat.S_IMODE(st.st_mode)))
        con = sqlite3.connect(h.db)
        jm = con.execute("PRAGMA journal_mode").fetchone()[0]
        con.close()
        check("resume: journal_mode is wal", jm == "wal", jm)
        convs = h.convs()
        rows = h.messages()
        check("resume: one conversation", len(convs) == 1, json.dumps(convs))
        check("resume: 4 rows: user, assistant, user, assistant",
              [r["role"] for r in rows] == ["user", "assistant"] * 2
              and len({r["conv"] for r in rows}) == 1, brief(rows))
        if len(rows) != 4:
            return
        want = [prompts[0], replies[0], prompts[1], replies[1]]
        check("resume: each row's text is what was sent and streamed",
              [r["text"] for r in rows] == want, brief(rows) + " want " + json.dumps(want))
        check("resume: each row's raw bytes are the same texts",
              [bytes(r["raw"]).decode("utf-8", "replace") for r in rows] == want,
              repr([bytes(r["raw"])[:40] for r in rows]))
        for k, r in enumerate(rows[1::2]):
            usage = len(reqs[k]["reply_chunks"]) + len(reqs[k]["thinking_chunks"])
            check(f"resume: reply {k + 1}: provider loop, model m-loop, label {label}",
                  r["provider"] == "loop" and r["model"] == "m-loop" and r["label"] == label,
                  brief([r], ("provider", "model", "label")))
            check(f"resume: reply {k + 1}: ttft {r['ttft']} within ±{TIMING_TOL_MS} ms of 150",
                  abs(r["ttft"] - 150) <= TIMING_TOL_MS, str(r["ttft"]))
            check(f"resume: reply {k + 1}: tokens_out = the server's usage ({usage})",
                  r["tokens_out"] == usage and r["usage_out"] == usage and r["out_est"] == 0,
                  f"tokens_out={r['tokens_out']} usage_out={r['usage_out']} est={r['out_est']}")
            check(f"resume: reply {k + 1}: not interrupted, outcome ok, has metrics",
                  r["interrupted"] == 0 and r["outcome"] == "ok" and r["has_metrics"] == 1
                  and r["dropped"] == 0, brief([r], ("interrupted", "outcome", "has_metrics")))
        metas = [r["meta"] for r in rows[1::2]]

        # --resume: the thread, its figures and its model come back.
        p = tm.pane(110, 40, env, ["--resume"])
        ok, s = p.wait_for(lambda s: s.rule is not None and len(s.labels(label)) == 2
                           and s.has("conversation "), timeout=10)
        check("resume: --resume shows both replies", ok, str(s))
        check("resume: --resume shows both prompts",
              [squash(" ".join(s.block("you", i)[1])) for i in (0, 1)] == prompts, str(s))
        check("resume: --resume shows both replies' text",
              [squash(" ".join(s.block(label, i)[1])) for i in (0, 1)]
              == [squash(x) for x in replies], str(s))
        heads = [s.block(label, i)[0] for i in (0, 1)]
        check("resume: each reply's meta line 'NNNms · NN.N tok/s · NN tokens' as it was live",
              all(META_RE.search(x) for x in heads)
              and heads == [live_screen.block(label, i)[0] for i in (0, 1)],
              f"now {heads!r}, live {[live_screen.block(label, i)[0] for i in (0, 1)]!r}, "
              f"db {metas!r}")
        figs = [META_RE.search(x) for x in heads]
        check("resume: the meta lines' figures are the stored ones (ttft ms, tokens out, "
              "the meta text)",
              all(figs) and [int(f.group(1)) for f in figs] == [r["ttft"] for r in rows[1::2]]
              and [int(f.group(3)) for f in figs] == [r["tokens_out"] for r in rows[1::2]]
              and all(x.endswith("  " + m) for x, m in zip(heads, metas)),
              f"screen {heads!r}, db meta {metas!r}, ttft {[r['ttft'] for r in rows[1::2]]}")
        check("resume: the model that answered is the model again (status bar)",
              s.status.rstrip().endswith(label), repr(s.status))
        check("resume: not marked interrupted", not s.has("[interrupted]"), str(s))
        n = len(srv.requests())
        p3 = "third question about lakes"
        p.send(p3)
        req = srv.wait_request(n)
        want_msgs = [("user", prompts[0]), ("assistant", replies[0]), ("user", prompts[1]),
                     ("assistant", replies[1]), ("user", p3)]
        check("resume: the third prompt's request carries [p1, r1, p2, r2, p3]",
              req is not None and messages_of(req) == want_msgs,
              json.dumps(messages_of(req), ensure_ascii=False)[:600])
        check("resume: the third prompt goes to the model that answered",
              req is not None and req["body"].get("model") == "m-loop",
              repr(req and req["body"].get("model")))
        ok, s = p.wait_for(lambda s: len(s.labels(label)) == 3 and done_label(s.block(label)[0]),
                           timeout=10)
        check("resume: the third reply done", ok, str(s))
        ok, rows = h.wait_rows(lambda rows: len(rows) == 6 and rows[-1]["outcome"] == "ok")
        check("resume: the same conversation goes on: 6 rows, one conversation",
              ok and len({r["conv"] for r in rows}) == 1 and len(h.convs()) == 1
              and rows[4]["text"] == p3 and req is not None and rows[5]["text"] == req["reply"],
              brief(rows))
        ok, s = p.quit()
        check("resume: Ctrl-D quits with status 0 after --resume", ok, str(s))

        # Another conversation after it; --resume ID still opens the first.
        rc, out, err = h.run(["-p", "an unrelated headless prompt", "-m", "mock-fast"])
        conv1 = rows[0]["conv"] if rows else 1
        p = tm.pane(110, 40, env, ["--resume", str(conv1)])
        ok, s = p.wait_for(lambda s: s.rule is not None and len(s.labels(label)) == 3
                           and s.status.rstrip().endswith(label), timeout=10)
        check("resume: --resume ID opens that conversation, not the newest",
              ok and s.has(f"conversation {conv1}, 6 messages") and not s.has("unrelated"), str(s))
        ok, s = p.quit()
        p = tm.pane(110, 40, env, ["--resume"])
        ok, s = p.wait_for(lambda s: s.rule is not None and s.has("unrelated headless prompt")
                           and s.status.rstrip().endswith("mock-fast"), timeout=10)
        check("resume: --resume alone opens the newest (the headless one)",
              ok and not s.labels(label), str(s))
        p.quit()
    finally:
        tm.kill()


# ---- 2. kill -9 mid-reply --------------------------------------------------------------------

def test_kill(tmp, srv):
    if shutil.which("tmux") is None:
        return
    h = Home(tmp, "kill")
    h.write_config(provider_config(srv, [("quick", "tokens=8"),
                                         ("slow", "tokens=400,pace_ms=20,tag=kill")]))
    env = h.env(LOOP_KEY=KEY)
    tm = Tmux(tmp, "kill")
    try:
        p = tm.pane(110, 40, env, ["-m", "quick:m-quick"])
        ok, s = p.wait_for(lambda s: s.rule is not None and s.status.rstrip().endswith("m-quick"),
                           timeout=10)
        n = len(srv.requests())
        p.send("a fast turn first")
        fast = srv.wait_request(n)
        ok, s = p.wait_for(lambda s: s.labels("quick:m-quick")
                           and done_label(s.block("quick:m-quick")[0]), timeout=10)
        check("kill: the fast turn finishes", ok and fast is not None, str(s))
        if fast is None:
            return
        p.send("/model slow:m-slow")
        ok, s = p.wait_for(lambda s: s.status.rstrip().endswith("m-slow"))
        n = len(srv.requests())
        p.send("now a slow one")
        t0 = time.monotonic()
        slow = srv.wait_request(n)
        check("kill: the slow request reaches the server", slow is not None)
        if slow is None:
            return
        ok, s = p.wait_for(lambda s: s.labels("slow:m-slow")
                           and "streaming…" in s.block("slow:m-slow")[0]
                           and len(squash(" ".join(s.block("slow:m-slow")[1]))) > 20, timeout=5)
        check("kill: part of the slow reply is on screen, streaming", ok, str(s))
        # The app writes a live reply every 2 s: wait for that checkpoint in
        # the file (the reply's row with text), not for a time.
        ok, rows = h.wait_rows(lambda rows: len(rows) == 4 and rows[3]["text"] != ""
                               and time.monotonic() - t0 >= 2.5, timeout=6)
        check("kill: a checkpoint of the live reply reaches the file (its row has text, "
              "stored interrupted)", ok and rows[3]["interrupted"] == 1, brief(rows))
        ok, s = p.wait_for(lambda s: "streaming…" in s.block("slow:m-slow")[0])
        check("kill: still streaming when killed", ok, str(s))
        pid = p.circuit_pid()
        check("kill: found circuit's pid under the pane", pid is not None, p.fmt("#{pane_pid}"))
        if pid is None:
            return
        os.kill(pid, signal.SIGKILL)
        ok, s = p.wait_for(lambda s: s.has("EXITED"), timeout=5)
        check("kill: circuit died of SIGKILL (rc=137)", ok and s.has("EXITED rc=137"), str(s))
        check("kill: the -wal file is left behind (the file was live)",
              os.path.exists(h.db + "-wal"), repr(os.listdir(os.path.dirname(h.db))))

        p = tm.pane(110, 40, env, ["--resume"])
        ok, s = p.wait_for(lambda s: s.rule is not None and s.labels("slow:m-slow")
                           and s.has("conversation "), timeout=10)
        check("kill: --resume opens the conversation", ok, str(s))
        b = s.block("quick:m-quick")
        check("kill: the finished turn is there, whole, with its figures",
              ok and b is not None and squash(" ".join(b[1])) == squash(fast["reply"])
              and done_label(b[0]) and not b[2] and s.has("a fast turn first"), str(s))
        b = s.block("slow:m-slow")
        shown = squash(" ".join(b[1])) if b else ""
        check("kill: the partial reply is there, with some text, marked [interrupted]",
              b is not None and b[2] and len(shown) > 0
              and squash(slow["reply"]).startswith(shown), str(s))
        rows = h.messages()
        r = rows[3] if len(rows) == 4 else None
        check("kill: 4 rows, the partial stored interrupted = 1",
              r is not None and r["interrupted"] == 1 and r["role"] == "assistant", brief(rows))
        check("kill: its stored text is a non-empty strict prefix of what the server streamed",
              r is not None and 0 < len(r["text"]) < len(slow["reply"])
              and slow["reply"].startswith(r["text"])
              and bytes(r["raw"]).decode("utf-8", "replace") == r["text"],
              f"stored {len(r['text']) if r else None} chars: {r and r['text'][:80]!r}")
        check("kill: the finished turn's row is final (not interrupted, outcome ok)",
              len(rows) == 4 and rows[1]["interrupted"] == 0 and rows[1]["outcome"] == "ok"
              and rows[1]["text"] == fast["reply"], brief(rows[:2]))

        check("kill: the partial's row says who was answering (provider, model)",
              r is not None and r["provider"] == "slow" and r["model"] == "m-slow", brief(rows))
        check("kill: --resume goes on with the model that was answering when it died",
              s.status.rstrip().endswith("m-slow"), repr(s.status))

        # A reply cut short without a crash gets its final write at once:
        # Ctrl-C, /clear and /quit mid-reply.
        p.send("/model slow:m-slow")
        ok, s = p.wait_for(lambda s: s.status.rstrip().endswith("m-slow"))

        def start(prompt, k):
            """Sends prompt; waits until reply number k of slow streams some text."""
            n = len(srv.requests())
            p.send(prompt)
            req = srv.wait_request(n)
            ok, s = p.wait_for(lambda s: len(s.labels("slow:m-slow")) == k
                               and "streaming…" in s.block("slow:m-slow")[0]
                               and len(squash(" ".join(s.block("slow:m-slow")[1]))) > 20)
            return req, ok, s
        req, ok, s = start("cut me short", 2)
        p.keys("C-c")
        ok, s = p.wait_for(lambda s: s.block("slow:m-slow") and s.block("slow:m-slow")[2])
        shown = squash(" ".join(s.block("slow:m-slow")[1]))
        ok, rows = h.wait_rows(lambda rows: len(rows) == 6 and rows[5]["outcome"] != "live")
        r = rows[5] if len(rows) == 6 else {}
        check("kill: Ctrl-C mid-reply: the row is final at once: interrupted, cancelled, "
              "the text shown, its figures",
              ok and r["interrupted"] == 1 and r["outcome"] == "cancelled" and r["has_metrics"] == 1
              and squash(r["text"]) == shown and req is not None
              and req["reply"].startswith(r["text"]) and r["provider"] == "slow",
              brief(rows[4:], ("id", "role", "text", "interrupted", "outcome", "provider"))
              + f" shown {shown[:60]!r}")

        req, ok, s = start("clear me while streaming", 3)
        p.send("/clear")
        ok, s = p.wait_for(lambda s: not s.labels("slow:m-slow"))
        ok, rows = h.wait_rows(lambda rows: len(rows) == 8 and rows[7]["outcome"] != "live",
                               timeout=3)
        r = rows[7] if len(rows) == 8 else {}
        check("kill: /clear mid-reply: the reply's row still gets its final write "
              "(cancelled, not left 'live' with the text of its last checkpoint)",
              ok and r["outcome"] == "cancelled" and r["interrupted"] == 1 and r["text"] != "",
              brief(rows[6:], ("id", "role", "text", "interrupted", "outcome", "provider")))

        req, ok, s = start("quit while streaming", 1)
        shown = squash(" ".join(s.block("slow:m-slow")[1]))
        p.send("/quit")
        ok, s = p.wait_for(lambda s: s.has("EXITED"), timeout=5)
        check("kill: /quit mid-reply exits with status 0", ok and s.has("EXITED rc=0"), str(s))
        rows = h.messages()
        r = rows[-1] if rows else {}
        check("kill: /quit mid-reply: the row is final: interrupted, cancelled, at least the "
              "text shown",
              len(rows) == 10 and r["role"] == "assistant" and r["interrupted"] == 1
              and r["outcome"] == "cancelled" and squash(r["text"]).startswith(shown[:20])
              and len(squash(r["text"])) >= len(shown) and req is not None
              and req["reply"].startswith(r["text"]),
              brief(rows[8:], ("id", "role", "text", "interrupted", "outcome")))
    finally:
        tm.kill()


# ---- 3. search -------------------------------------------------------------------------------

WORD = "zanzibarquux"


def openai_env(h, srv, scen, key=KEY):
    return h.env(OPENAI_BASE_URL=srv.base(scen) + "/v1", OPENAI_API_KEY=key)


def test_search(tmp, srv):
    h = Home(tmp, "search")
    text = f"The answer mentions {WORD} once, and nothing else of note."
    env = openai_env(h, srv, "tokens=6,text=" + urllib.parse.quote(text, safe=""))
    rc, out, err = h.run(["-p", "tell me about islands", "-m", "gpt-4o"], env=env)
    check("search: the headless run answers", rc == 0 and WORD in out, f"rc={rc} err={err!r}")
    rc2, _, err2 = h.run(["-p", "something else entirely", "-m", "mock-fast"])
    rows = h.messages()
    conv = next((r["conv"] for r in rows if r["text"] == text), None)

    rc, out, err = h.run(["--search", WORD])
    lines = out.splitlines()
    pat = re.compile(r"^(\d+)\t(\d{4}-\d\d-\d\d \d\d:\d\d)\t([^:\t]+): (.*)$")
    m = pat.match(lines[0]) if len(lines) == 1 else None
    check("search: --search WORD: one line 'ID<TAB>DATE<TAB>LABEL: …[WORD]…', exit 0",
          rc == 0 and m is not None and int(m.group(1)) == conv and m.group(3) == "gpt-4o"
          and f"[{WORD}]" in m.group(4), f"rc={rc} out={out!r} err={err!r} conv={conv}")
    rc, out, err = h.run(["--search", WORD.upper()])
    check("search: case does not matter", rc == 0 and len(out.splitlines()) == 1, repr(out))
    rc, out, err = h.run(["--search", f"answer {WORD}"])
    check("search: every word must be in the message (two words, both in the reply)",
          rc == 0 and len(out.splitlines()) == 1, repr(out))
    rc, out, err = h.run(["--search", f"islands {WORD}"])
    check("search: words split over the prompt and the reply match neither (exit 1, as grep)",
          rc == 1 and out == "" and "no message" in err, f"out={out!r} err={err!r}")
    rc, out, err = h.run(["--search", "islands"])
    check("search: a word of a prompt is found, labelled 'you'",
          rc == 0 and re.search(r"\tyou: .*\[islands\]", out) is not None, repr(out))
    rc, out, err = h.run(["--search", "qwxzynotthere"])
    check("search: a word in no message: nothing on stdout, a message on stderr, exit 1",
          rc == 1 and out == "" and err.strip() != "" and len(err.strip().splitlines()) == 1,
          f"rc={rc} out={out!r} err={err!r}")
    for q in ('"', '*', 'NEAR', '-', '"unbalanced', f'{WORD}*', f'-{WORD}', 'NEAR(a b)',
              'a AND OR NOT b', 'text:foo', '^start', '(', f'"{WORD}"', "'", "\\"):
        rc, out, err = h.run(["--search", q])
        check(f"search: FTS syntax taken literally, no error: {q!r}",
              rc in (0, 1) and (rc == 0) == (out != "") and "failed" not in err
              and "syntax" not in err.lower(),
              f"rc={rc} out={out!r} err={err!r}")
    rc, out, err = h.run(["--search", f'"{WORD}"'])
    check("search: a quoted word is still that word (found)", len(out.splitlines()) == 1,
          repr(out) + repr(err))
    rc, out, err = h.run(["--search", WORD[:6]])
    check("search: a word matches the start of a word ('zanzib' finds it, marked whole)",
          rc == 0 and len(out.splitlines()) == 1 and f"[{WORD}]" in out, repr(out) + repr(err))
    rc, out, err = h.run(["--search", f"{WORD[:6]}*"])
    check("search: '*' is text, not an operator ('zanzib*' is the word 'zanzib': found)",
          rc == 0 and len(out.splitlines()) == 1, repr(out) + repr(err))
    rc, out, err = h.run(["--search", WORD[2:]])
    check("search: the middle of a word is not its start (no hit for 'nzibarquux')",
          rc == 1 and out == "", repr(out))

    if shutil.which("tmux") is None:
        return
    tm = Tmux(tmp, "search")
    try:
        p = tm.pane(160, 40, h.env(), ["-m", "mock-fast"])
        ok, s = p.wait_for(lambda s: s.rule is not None, timeout=10)
        p.send(f"/search {WORD}")
        ok, s = p.wait_for(lambda s: s.has("1 match"))
        row = next((l for l in s.lines if f"[{WORD}]" in l), "")
        check("search: /search WORD in the screen lists the match with its conversation id",
              ok and re.match(rf"^\s*{conv}  \d{{4}}-\d\d-\d\d \d\d:\d\d  gpt-4o: ", row)
              is not None,
              str(s))
        p.send("/search qwxzynotthere")
        ok, s = p.wait_for(lambda s: s.has("no message contains every word"))
        check("search: /search with no hit says so", ok, str(s))
        p.send('/search " * NEAR -')
        ok, s = p.wait_for(lambda s: s.has("no message contains every word of “\" * NEAR -”"))
        check("search: /search with FTS syntax: no error", ok and not s.labels("error"), str(s))
        p.quit()
    finally:
        tm.kill()


# ---- 4. export -------------------------------------------------------------------------------

TRICKY_REPLY = ('He said "hi" \\ and left.\n'
                'Line two: 🙂 naïve 東京 {"json": [1, 2]} <tag> & done')
TRICKY_PROMPT = 'A prompt with "quotes", a \\ backslash\nand a second line 🚀'


def test_export(tmp, srv):
    h = Home(tmp, "export")
    scen = "tokens=7,pace_ms=10,text=" + urllib.parse.quote(TRICKY_REPLY, safe="")
    env = openai_env(h, srv, scen)
    n = len(srv.requests())
    rc, out, err = h.run(["-p", TRICKY_PROMPT, "-m", "gpt-4o"], env=env)
    req = srv.wait_request(n)
    check("export: the server sends the tricky reply", req is not None and
          req["reply"] == TRICKY_REPLY and rc == 0, f"rc={rc} err={err!r} "
          f"reply={req and req['reply']!r}")
    rows = h.messages()
    conv = rows[0]["conv"] if rows else 1
    rc, out, err = h.run(["--export", str(conv), "--format", "json"])
    doc = None
    try:
        doc = json.loads(out)
    except ValueError as e:
        err += f" (json: {e})"
    check("export: --format json parses as JSON, exit 0", rc == 0 and isinstance(doc, dict),
          f"rc={rc} err={err!r} out={out[:300]!r}")
    if not isinstance(doc, dict):
        return
    msgs = doc.get("messages") or []
    check("export: id, title (the first prompt's first line) and two messages",
          doc.get("id") == conv and doc.get("title") == TRICKY_PROMPT.split("\n")[0]
          and [m.get("role") for m in msgs] == ["user", "assistant"],
          json.dumps({k: doc.get(k) for k in ("id", "title")}, ensure_ascii=False)
          + repr([m.get("role") for m in msgs]))
    check("export: the texts are the raw texts (quotes, backslash, newline, emoji)",
          [m.get("text") for m in msgs] == [TRICKY_PROMPT, TRICKY_REPLY],
          json.dumps([m.get("text") for m in msgs], ensure_ascii=False))
    if len(msgs) == 2:
        mt = msgs[1].get("metrics") or {}
        usage = len(req["reply_chunks"]) if req else -1
        check("export: the reply's metrics are there (ttft, total, tokens, tok/s)",
              isinstance(msgs[1].get("metrics"), dict) and mt.get("outcome") == "ok"
              and isinstance(mt.get("ttft_ms"), int) and isinstance(mt.get("total_ms"), int)
              and mt.get("tokens_out") == usage and mt.get("tokens_in") == req["prompt_tokens"]
              and mt.get("tokens_per_second") is not None,
              json.dumps(mt))
        check("export: the prompt has no metrics (null); the reply names provider and model",
              msgs[0].get("metrics") is None and msgs[1].get("provider") == "openai"
              and msgs[1].get("model") == "gpt-4o" and msgs[1].get("interrupted") is False,
              json.dumps(msgs, ensure_ascii=False)[:500])
    rc, out, err = h.run(["--export", str(conv), "--format", "md"])
    check("export: --format md holds each text, exit 0",
          rc == 0 and TRICKY_PROMPT in out and TRICKY_REPLY in out, f"rc={rc} out={out[:600]!r}")
    rc, out2, err = h.run(["--export", str(conv)])
    check("export: md is the default format", rc == 0 and out2 == out, f"rc={rc}")
    rc, out, err = h.run(["--export", "4242", "--format", "json"])
    check("export: an unknown id: exit 1, a message, nothing on stdout",
          rc == 1 and out == "" and "4242" in err, f"rc={rc} out={out!r} err={err!r}")
    rc, out, err = h.run(["--export", str(conv), "--format", "xml"])
    check("export: --format xml: exit 2", rc == 2 and out == "" and "xml" in err,
          f"rc={rc} err={err!r}")
    rc, out, err = h.run(["--export", "abc"])
    check("export: a non-numeric id: exit 2", rc == 2, f"rc={rc} err={err!r}")
    rc, out, err = h.run(["--format", "json"])
    check("export: --format without --export: exit 2", rc == 2, f"rc={rc} err={err!r}")

    if shutil.which("tmux") is None:
        return
    tm = Tmux(tmp, "export")
    try:
        p = tm.pane(150, 40, env, ["-m", "gpt-4o"])
        ok, s = p.wait_for(lambda s: s.rule is not None, timeout=10)
        md = os.path.join(h.dir, "out.md")
        js = os.path.join(h.dir, "out.json")
        p.send(f"/export md {md}")
        ok, s = p.wait_for(lambda s: s.labels("error"))
        check("export: /export before any prompt says there is nothing yet",
              ok and s.has("nothing to export") and not os.path.exists(md), str(s))
        n = len(srv.requests())
        p.send("screen prompt")
        srv.wait_request(n)
        ok, s = p.wait_for(lambda s: s.labels("gpt-4o") and done_label(s.block("gpt-4o")[0]),
                           timeout=10)
        p.send(f"/export md {md}")
        ok, s = p.wait_for(lambda s: s.has("written to"))
        body = open(md, encoding="utf-8").read() if os.path.exists(md) else ""
        check("export: /export md FILE writes FILE with the prompt and the reply",
              ok and "screen prompt" in body and TRICKY_REPLY in body, str(s) + repr(body[:300]))
        p.send(f"/export json {js}")
        ok, s = p.wait_for(lambda s: s.has(js))
        try:
            d = json.load(open(js, encoding="utf-8"))
            texts = [m["text"] for m in d["messages"]]
        except (OSError, ValueError, KeyError, TypeError) as e:
            texts = repr(e)
        check("export: /export json FILE writes this conversation as JSON",
              texts == ["screen prompt", TRICKY_REPLY], repr(texts))
        p.send("/export xml x")
        ok, s = p.wait_for(lambda s: s.has("/export md FILE or /export json FILE"))
        check("export: /export xml is refused with the usage", ok, str(s))
        p.quit()
    finally:
        tm.kill()


# ---- 5. a corrupt file, a read-only one ------------------------------------------------------

def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def test_unusable(tmp, srv):
    h = Home(tmp, "corrupt")
    os.makedirs(os.path.dirname(h.db), mode=0o700)
    junk = bytes((i * 131 + 7) % 251 for i in range(8192))
    with open(h.db, "wb") as f:
        f.write(junk)
    os.chmod(h.db, 0o600)
    rc, out, err = h.run(["-p", "still there?", "-m", "mock-fast"])
    lines = err.strip().splitlines()
    check("corrupt: headless -p exits 0 with the reply", rc == 0 and "still there?" in out,
          f"rc={rc} out={out[:200]!r}")
    check("corrupt: headless prints one warning line naming the file, history off",
          len(lines) == 1 and h.db in lines[0] and "history is off for this run" in lines[0],
          repr(err))
    if shutil.which("tmux") is not None:
        tm = Tmux(tmp, "corrupt")
        try:
            p = tm.pane(220, 40, h.env(), ["-m", "mock-fast"])
            ok, s = p.wait_for(lambda s: s.rule is not None and s.labels("error"), timeout=10)
            b = s.block("error")
            msg = " ".join(b[1]) if b else ""
            check("corrupt: the screen starts and shows an error: history off for this run, "
                  "with the path", ok and "history is off for this run" in msg and h.db in msg,
                  str(s))
            p.send("hello anyway")
            ok, s = p.wait_for(lambda s: s.labels("mock-fast")
                               and done_label(s.block("mock-fast")[0]), timeout=10)
            check("corrupt: it still chats (a prompt gets a reply)", ok, str(s))
            p.send("/sessions")
            ok, s = p.wait_for(lambda s: s.has("see the error at startup"))
            check("corrupt: /sessions says history is off for this run", ok, str(s))
            ok, s = p.quit()
            check("corrupt: quits with status 0", ok, str(s))
        finally:
            tm.kill()
    check("corrupt: the junk file is untouched (same 8 KiB)", file_bytes(h.db) == junk,
          f"{len(file_bytes(h.db))} bytes")
    check("corrupt: no -wal or -shm made beside it",
          sorted(os.listdir(os.path.dirname(h.db))) == ["history.db"],
          repr(os.listdir(os.path.dirname(h.db))))

    if os.geteuid() == 0:
        print("skip: read-only history: running as root, whom chmod does not stop")
        return
    h = Home(tmp, "readonly")
    rc, out, err = h.run(["-p", "make the file", "-m", "mock-fast"])
    folder = os.path.dirname(h.db)
    before = file_bytes(h.db)
    os.chmod(h.db, 0o400)
    os.chmod(folder, 0o500)
    try:
        rc, out, err = h.run(["-p", "read-only now", "-m", "mock-fast"])
        lines = err.strip().splitlines()
        check("read-only: headless -p exits 0 with the reply", rc == 0 and "read-only now" in out,
              f"rc={rc} out={out[:200]!r}")
        check("read-only: one warning line: read-only, the path, history off",
              len(lines) == 1 and "read-only" in lines[0] and h.db in lines[0]
              and "history is off for this run" in lines[0], repr(err))
        if shutil.which("tmux") is not None:
            tm = Tmux(tmp, "readonly")
            try:
                p = tm.pane(220, 40, h.env(), ["-m", "mock-fast"])
                ok, s = p.wait_for(lambda s: s.rule is not None and s.labels("error"), timeout=10)
                b = s.block("error")
                msg = " ".join(b[1]) if b else ""
                check("read-only: the screen shows the error (read-only, the path, off)",
                      ok and "read-only" in msg and h.db in msg, str(s))
                p.send("hello read-only")
                ok, s = p.wait_for(lambda s: s.labels("mock-fast")
                                   and done_label(s.block("mock-fast")[0]), timeout=10)
                check("read-only: it still chats", ok, str(s))
                p.quit()
            finally:
                tm.kill()
        check("read-only: the file is unchanged", file_bytes(h.db) == before)
    finally:
        os.chmod(folder, 0o700)
        os.chmod(h.db, 0o600)


def test_no_sqlite(tmp, srv):
    """SQLite is loaded when the history is first opened (model/libsqlite.c):
    where it cannot be, the history is off with one line that says so and
    what to install, the chat goes on, and the file is not touched."""
    h = Home(tmp, "nosqlite")
    rc, out, err = h.run(["-p", "kept before", "-m", "mock-fast"])
    before = file_bytes(h.db)
    check("no SQLite: a history made first", rc == 0 and len(before) > 0, repr(err))
    bad = os.path.join(tmp, "badlib")
    os.makedirs(bad, exist_ok=True)
    with open(os.path.join(bad, "libsqlite3.so.0"), "w") as f:
        f.write("not a library\n")
    env = h.env(LD_LIBRARY_PATH=bad)
    rc, out, err = h.run(["-p", "answer me anyway", "-m", "mock-fast"], env=env)
    lines = err.strip().splitlines()
    check("no SQLite: headless -p exits 0 with the reply", rc == 0 and "answer me anyway" in out,
          f"rc={rc} out={out[:200]!r} err={err!r}")
    check("no SQLite: one line: SQLite cannot be loaded, what to install, history off",
          len(lines) == 1 and "cannot load SQLite" in lines[0] and "install libsqlite3" in lines[0]
          and "history is off for this run" in lines[0], repr(err))
    rc, out, err = h.run(["--sessions"], env=env)
    check("no SQLite: --sessions fails with that line, not 'no conversations'",
          rc != 0 and "cannot load SQLite" in err and "no conversations" not in err + out,
          f"rc={rc} out={out!r} err={err!r}")
    check("no SQLite: the history file is untouched", file_bytes(h.db) == before)
    rc, out, err = h.run(["--sessions"])
    check("no SQLite: with SQLite back, the conversation made before is listed",
          rc == 0 and "kept before" in out and "answer me anyway" not in out, repr(out + err))


# ---- 6. no key reaches the history -----------------------------------------------------------

def files_holding(root, needle):
    """Every file under root whose bytes hold needle."""
    hits = []
    for d, _, files in os.walk(root):
        for f in files:
            path = os.path.join(d, f)
            try:
                if needle in file_bytes(path):
                    hits.append(path)
            except OSError:
                pass
    return hits


def test_secrets(tmp, srv):
    h = Home(tmp, "secrets")
    sentinel2 = SENTINEL.replace("1234567890", "0987654321-file")
    keyfile = os.path.join(h.config, "circuit", "loop.key")
    os.makedirs(os.path.dirname(keyfile), exist_ok=True)
    with open(keyfile, "w") as f:
        f.write(sentinel2 + "\n")
    os.chmod(keyfile, 0o600)
    h.write_config("max_retries = 0\n\n[provider.loop]\nkind = openai\n"
                   f"base_url = {srv.base('tokens=6,pace_ms=5')}/v1\n"
                   f"key_file = {keyfile}\nmodels = m-loop\n")
    env = openai_env(h, srv, "tokens=6", key=SENTINEL)
    n = len(srv.requests())
    rc, out, err = h.run(["-p", "a secret-free prompt", "-m", "gpt-4o"], env=env)
    req = srv.wait_request(n)
    check("secrets: the sentinel key was used (the server saw it)",
          rc == 0 and req is not None and SENTINEL in req["headers"].get("authorization", ""),
          f"rc={rc} err={err!r}")
    needles = [SENTINEL.encode(), sentinel2.encode()]
    if shutil.which("tmux") is not None:
        tm = Tmux(tmp, "secrets")
        try:
            p = tm.pane(110, 40, env, ["-m", "loop:m-loop"])
            ok, s = p.wait_for(lambda s: s.rule is not None, timeout=10)
            for i in range(2):
                n = len(srv.requests())
                p.send(f"screen prompt {i}")
                req = srv.wait_request(n)
                ok, s = p.wait_for(lambda s, i=i: len(s.labels("loop:m-loop")) == i + 1
                                   and done_label(s.block("loop:m-loop")[0]), timeout=10)
            check("secrets: the key_file key was used",
                  ok and req is not None and sentinel2 in req["headers"].get("authorization", ""),
                  str(s))
            files = [f for f in (h.db, h.db + "-wal", h.db + "-shm") if os.path.exists(f)]
            hits = [f for f in files for nd in needles if nd in file_bytes(f)]
            check("secrets: while circuit runs: no key in history.db, -wal, -shm",
                  not hits and h.db + "-wal" in files, f"files {files}, holding a key: {hits}")
            p.quit()
        finally:
            tm.kill()
    convs = [c["id"] for c in h.convs()]
    exports = ""
    for c in convs:
        for fmt in ("md", "json"):
            exports += h.run(["--export", str(c), "--format", fmt])[1]
    check("secrets: exports of every conversation hold no key",
          len(convs) >= 1 and all(nd.decode() not in exports for nd in needles) and exports,
          f"{len(convs)} conversations")
    hits = [f for nd in needles for d in (h.data, h.state) for f in files_holding(d, nd)]
    check("secrets: no file of the data or state folders holds a key", not hits, repr(hits))


# ---- 7. --no-history and history = off -------------------------------------------------------

def test_off(tmp, srv):
    tmux = shutil.which("tmux") is not None
    for how in ("--no-history", "history = off"):
        tag = "nohist" if how.startswith("--") else "cfgoff"
        h = Home(tmp, tag)
        args = ["--no-history"] if how.startswith("--") else []
        if not args:
            h.write_config("history = off\n")
        rc, out, err = h.run(["-p", "keep nothing", "-m", "mock-fast", *args])
        check(f"{how}: headless answers, exit 0, nothing on stderr",
              rc == 0 and "keep nothing" in out and err == "", f"rc={rc} err={err!r}")
        check(f"{how}: headless leaves no history.db", not os.path.exists(h.db),
              repr(os.listdir(h.data)))
        if not tmux:
            continue
        tm = Tmux(tmp, tag)
        try:
            p = tm.pane(110, 40, h.env(), ["-m", "mock-fast", *args])
            ok, s = p.wait_for(lambda s: s.rule is not None, timeout=10)
            p.send("keep nothing here either")
            ok, s = p.wait_for(lambda s: s.labels("mock-fast")
                               and done_label(s.block("mock-fast")[0]), timeout=10)
            check(f"{how}: the screen chats", ok and not s.labels("error"), str(s))
            p.send("/sessions")
            ok, s = p.wait_for(lambda s: s.has("history is off (--no-history or history = off"))
            check(f"{how}: /sessions says history is off", ok, str(s))
            ok, s = p.quit()
            check(f"{how}: the screen leaves no history.db", ok and not os.path.exists(h.db),
                  repr(os.listdir(h.data)) + str(s))
        finally:
            tm.kill()

    # --resume with the history off is refused (main.c): exit 2 and why.
    # It checks for a terminal first, so it runs in tmux.
    h = Home(tmp, "resume-nohist")
    h.run(["-p", "an earlier conversation", "-m", "mock-fast"])
    before = h.messages()
    rc, out, err = h.run(["--search", "earlier", "--no-history"])
    check("--no-history with --search: exit 2", rc == 2, f"rc={rc} err={err!r}")
    rc, out, err = h.run(["--export", "1", "--no-history"])
    check("--no-history with --export: exit 2", rc == 2, f"rc={rc} err={err!r}")
    if tmux:
        tm = Tmux(tmp, "resume-nohist")
        try:
            p = tm.pane(160, 40, h.env(), ["--resume", "--no-history"])
            ok, s = p.wait_for(lambda s: s.has("EXITED"), timeout=10)
            check("--resume --no-history: refused, exit 2, with a reason",
                  ok and s.has("EXITED rc=2") and s.has("not with --no-history"), str(s))
            h.write_config("history = off\n")
            p = tm.pane(160, 40, h.env(), ["--resume"])
            ok, s = p.wait_for(lambda s: s.has("EXITED"), timeout=10)
            check("--resume with history = off in the config: refused, exit 2, with a reason",
                  ok and s.has("EXITED rc=2") and s.has("history = off"), str(s))
            check("--resume refused: the history is untouched", h.messages() == before,
                  brief(h.messages()))
        finally:
            tm.kill()


# ---- 8. headless runs are recorded -----------------------------------------------------------

def test_headless_interrupt(tmp, srv):
    """Ctrl-C (SIGINT) during `circuit -p` ends the stream as the screen's
    Ctrl-C does: the text so far is printed and stored (interrupted), and
    the exit status is 130. It used to kill the process and lose the reply."""
    h = Home(tmp, "hl-int")
    env = openai_env(h, srv, "tokens=300,pace_ms=20,tag=hlint")
    p = subprocess.Popen([BIN, "-p", "a long one please", "-m", "gpt-4o"], env=env, cwd=h.dir,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        # Some text first (the history is written when the run ends).
        first = p.stdout.read1(4096) if hasattr(p.stdout, "read1") else p.stdout.read(16)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
        out = (first + out).decode("utf-8", "replace")
        err = err.decode("utf-8", "replace")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    rows = h.messages()
    reply = [r for r in rows if r["role"] == "assistant"]
    check("headless Ctrl-C: exit 130, one line saying the text is kept",
          p.returncode == 130 and "interrupted" in err, f"rc={p.returncode} err={err!r}")
    check("headless Ctrl-C: the reply so far is stored, interrupted, as printed",
          len(reply) == 1 and reply[0]["interrupted"] == 1 and reply[0]["text"]
          and reply[0]["text"].strip() in out and reply[0]["outcome"] == "cancelled",
          brief(rows) + f" out={out[:80]!r}")


def test_headless(tmp, srv):
    h = Home(tmp, "headless")
    h.write_config(provider_config(srv, [("a", "tokens=5,pace_ms=5,tag=ha"),
                                         ("b", "tokens=7,pace_ms=5,tag=hb")]))
    env = h.env(LOOP_KEY=KEY)
    rc, out, err = h.run(["-p", "hi", "-m", "mock-fast"], env=env)
    rows = h.messages()
    check("headless: -p creates one conversation with a user and an assistant row",
          rc == 0 and len(h.convs()) == 1 and [r["role"] for r in rows] == ["user", "assistant"]
          and rows[0]["text"] == "hi" and rows[1]["label"] == "mock-fast"
          and rows[1]["provider"] == "mock" and rows[1]["model"] == "mock-fast"
          and rows[1]["outcome"] == "ok" and all(r["col"] == 0 and r["grp"] == 0 for r in rows),
          brief(rows, ("id", "conv", "grp", "col", "role", "label", "provider", "model", "text")))
    check("headless: the stored reply is what was printed",
          len(rows) == 2 and rows[1]["text"].strip() in out, repr(out[:100]))
    n = len(srv.requests())
    rc, out, err = h.run(["--compare", "a:m-a,b:m-b", "-p", "compare prompt"], env=env)
    reqs = srv.requests()[n:]
    replies = {r["body"]["model"]: r["reply"] for r in reqs}
    convs = h.convs()
    groups = h.rows("SELECT * FROM compare_groups")
    rows = h.messages(convs[-1]["id"]) if convs else []
    check("headless: --compare creates one more conversation with one compare group",
          rc == 0 and len(convs) == 2 and len(groups) == 1 and groups[0]["conv"] == convs[-1]["id"]
          and groups[0]["models"] == "a:m-a,b:m-b", json.dumps(groups) + f" rc={rc} err={err!r}")
    g = groups[0]["id"] if groups else None
    cols = sorted((r["col"], r["role"]) for r in rows)
    check("headless: compare rows in columns 1 and 2, a prompt and a reply each, in the group",
          cols == [(1, "assistant"), (1, "user"), (2, "assistant"), (2, "user")]
          and all(r["grp"] == g for r in rows), brief(rows))
    by_col = {r["col"]: r for r in rows if r["role"] == "assistant"}
    check("headless: each column's reply is its model's, with its figures",
          len(by_col) == 2 and by_col[1]["label"] == "a:m-a" and by_col[2]["label"] == "b:m-b"
          and by_col[1]["text"] == replies.get("m-a") and by_col[2]["text"] == replies.get("m-b")
          and by_col[1]["tokens_out"] == 5 and by_col[2]["tokens_out"] == 7,
          brief(rows, ("col", "label", "text", "tokens_out")))
    if shutil.which("tmux") is None:
        return
    tm = Tmux(tmp, "headless")
    try:
        p = tm.pane(160, 40, env, ["-m", "mock-fast"])
        ok, s = p.wait_for(lambda s: s.rule is not None, timeout=10)
        p.send("/sessions")
        ok, s = p.wait_for(lambda s: s.has("newest first"))
        pat = re.compile(r"^\s*(\d+)  \d{4}-\d\d-\d\d \d\d:\d\d\s+(\d+) turns?\s+(.*?)  · (.*?)$")
        listed = [pat.match(l).groups() for l in s.lines if pat.match(l)]
        c1, c2 = (convs[0]["id"], convs[1]["id"]) if len(convs) == 2 else (None, None)
        check("headless: /sessions lists both, newest first, with titles and models",
              ok and [(int(x[0]), x[2], x[3]) for x in listed]
              == [(c2, "compare prompt", "a:m-a, b:m-b"), (c1, "hi", "mock-fast")], str(s))
        check("headless: /sessions counts the turns (a compare's prompt once)",
              [int(x[1]) for x in listed] == [1, 1], repr(listed))
        p.quit()
        # Defect of issue 15: --resume of a compare showed 0 messages.
        p = tm.pane(160, 40, env, ["--resume", str(c2), "-m", "a:m-a"])
        ok, s = p.wait_for(lambda s: s.has(f"conversation {c2}, 3 messages")
                           and s.labels("a:m-a") and s.labels("b:m-b"), timeout=10)
        shown = [(l, squash(" ".join(s.block(l)[1]))) for l in ("you", "a:m-a", "b:m-b")
                 if s.labels(l)]
        check("headless: --resume of a compare shows its prompt once, then each column's reply",
              ok and len(s.labels("you")) == 1 and len(s.labels("a:m-a")) == 1
              and len(s.labels("b:m-b")) == 1 and s.labels("you")[0] < s.labels("a:m-a")[0]
              < s.labels("b:m-b")[0]
              and shown == [("you", "compare prompt"), ("a:m-a", squash(replies.get("m-a", ""))),
                            ("b:m-b", squash(replies.get("m-b", "")))], str(s))
        n = len(srv.requests())
        p.send("after the compare")
        req = srv.wait_request(n)
        check("headless: a compare not adopted stays out of the next request after --resume",
              req is not None and messages_of(req) == [("user", "after the compare")]
              and req["body"]["model"] == "m-a", json.dumps(messages_of(req)))
        p.wait_for(lambda s: len(s.labels("a:m-a")) == 2 and done_label(s.block("a:m-a")[0]))
        p.quit()
    finally:
        tm.kill()


# ---- 9. /retry drops the previous exchange ---------------------------------------------------

def test_retry(tmp, srv):
    h = Home(tmp, "retry")
    h.write_config(provider_config(srv, [("bad", "status=500,tag=retry"),
                                         ("good", "tokens=6,pace_ms=5,tag=retry")]))
    env = h.env(LOOP_KEY=KEY)
    if shutil.which("tmux") is None:
        return
    tm = Tmux(tmp, "retry")
    try:
        p = tm.pane(150, 40, env, ["-m", "bad:m-bad"])
        ok, s = p.wait_for(lambda s: s.rule is not None and s.status.rstrip().endswith("m-bad"),
                           timeout=10)
        prompt = "the prompt that fails first"
        n = len(srv.requests())
        p.send(prompt)
        bad = srv.wait_request(n)
        ok, s = p.wait_for(lambda s: s.labels("error"), timeout=10)
        check("retry: the first reply fails (HTTP 500, no retries)",
              ok and bad is not None and len(srv.requests()) == n + 1, str(s))
        n = len(srv.requests())
        p.send("/retry good:m-good")
        req = srv.wait_request(n)
        check("retry: /retry MODEL sends the prompt ONCE",
              req is not None and messages_of(req) == [("user", prompt)]
              and req["body"]["model"] == "m-good",
              json.dumps(messages_of(req), ensure_ascii=False))
        ok, s = p.wait_for(lambda s: s.labels("good:m-good")
                           and done_label(s.block("good:m-good")[0]), timeout=10)
        check("retry: the retried reply is done", ok, str(s))
        r_retry = req["reply"] if req else None
        p.send("/model good:m-good")
        ok, s = p.wait_for(lambda s: s.status.rstrip().endswith("m-good"))
        p2 = "a follow-up"
        n = len(srv.requests())
        p.send(p2)
        req2 = srv.wait_request(n)
        check("retry: the next request is [p, r_retry, p2]: no duplicate p, no failed turn",
              req2 is not None and messages_of(req2)
              == [("user", prompt), ("assistant", r_retry), ("user", p2)],
              json.dumps(messages_of(req2), ensure_ascii=False))
        ok, s = p.wait_for(lambda s: len(s.labels("good:m-good")) == 2
                           and done_label(s.block("good:m-good")[0]), timeout=10)
        r2 = req2["reply"] if req2 else None
        ok, rows = h.wait_rows(lambda rows: len(rows) == 6 and rows[-1]["outcome"] == "ok")
        check("retry: the db: the failed exchange kept with dropped = 1, the rest 0",
              ok and [(r["role"], r["dropped"]) for r in rows]
              == [("user", 1), ("assistant", 1), ("user", 0), ("assistant", 0), ("user", 0),
                  ("assistant", 0)]
              and [r["text"] for r in rows] == [prompt, "", prompt, r_retry, p2, r2], brief(rows))
        check("retry: the failed reply is stored as an error, the retried one ok",
              len(rows) == 6 and rows[1]["outcome"] == "error" and rows[3]["outcome"] == "ok",
              brief(rows, ("id", "role", "outcome", "label")))
        ok, s = p.quit()

        p = tm.pane(150, 40, env, ["--resume"])
        ok, s = p.wait_for(lambda s: s.rule is not None and s.has("conversation ")
                           and s.status.rstrip().endswith("good:m-good"), timeout=10)
        check("retry: --resume goes on with good:m-good", ok, str(s))
        p3 = "after the restart"
        n = len(srv.requests())
        p.send(p3)
        req3 = srv.wait_request(n)
        check("retry: after --resume the request still leaves the dropped exchange out",
              req3 is not None and messages_of(req3)
              == [("user", prompt), ("assistant", r_retry), ("user", p2), ("assistant", r2),
                  ("user", p3)], json.dumps(messages_of(req3), ensure_ascii=False))
        ok, s = p.wait_for(lambda s: len(s.labels("good:m-good")) == 3
                           and done_label(s.block("good:m-good")[0]), timeout=10)
        n = len(srv.requests())
        p.send("/retry")
        req4 = srv.wait_request(n)
        check("retry: /retry after --resume asks p3 again, once, without the reply it replaces",
              req4 is not None and messages_of(req4)
              == [("user", prompt), ("assistant", r_retry), ("user", p2), ("assistant", r2),
                  ("user", p3)], json.dumps(messages_of(req4), ensure_ascii=False))
        ok, s = p.wait_for(lambda s: len(s.labels("good:m-good")) == 4
                           and done_label(s.block("good:m-good")[0]), timeout=10)
        ok, rows = h.wait_rows(lambda rows: len(rows) == 10 and rows[-1]["outcome"] == "ok")
        check("retry: the exchange /retry replaced after --resume is dropped in the db",
              ok and [r["dropped"] for r in rows[6:]] == [1, 1, 0, 0], brief(rows[6:]))
        p.quit()
    finally:
        tm.kill()


# ---- 10. /sessions, /load, /delete -----------------------------------------------------------

SESSION_RE = re.compile(r"^\s*(\d+)  \d{4}-\d\d-\d\d \d\d:\d\d\s+(\d+) turns?\s+(.*?)  · (.*?)"
                        r"(  \(this one\))?$")


def sessions_of(s):
    """[(id, title, this one)] from the last /sessions list on the screen."""
    idx = [i for i, l in enumerate(s.lines) if l.startswith("conversations ")
           and "newest first" in l]
    if not idx:
        return None
    out = []
    for l in s.lines[idx[-1] + 1:]:
        m = SESSION_RE.match(l)
        if not m:
            break
        out.append((int(m.group(1)), m.group(3), m.group(5) is not None))
    return out


def test_load_delete(tmp, srv):
    if shutil.which("tmux") is None:
        return
    h = Home(tmp, "load")
    tm = Tmux(tmp, "load")
    try:
        p = tm.pane(160, 50, h.env(), ["-m", "mock-fast"])
        ok, s = p.wait_for(lambda s: s.rule is not None, timeout=10)

        def ask(text):
            """Sends text; waits for its reply to be done (the last prompt on
            screen is text, a finished reply below it)."""
            p.send(text)
            return p.wait_for(lambda s: squash(" ".join(s.block("you")[1])) == text
                              and s.labels("mock-fast")[-1] > s.labels("you")[-1]
                              and done_label(s.block("mock-fast")[0]), timeout=10)
        ask("alpha topic")
        p.send("/new")
        ok, s = ask("beta topic")
        convs = [c["id"] for c in h.convs()]
        check("load: /new begins a second conversation", len(convs) == 2, json.dumps(convs))
        if len(convs) != 2:
            return
        a, b = convs
        p.send("/sessions")
        ok, s = p.wait_for(lambda s: sessions_of(s))
        check("load: /sessions lists both, newest first, '(this one)' on the current",
              sessions_of(s) == [(b, "beta topic", True), (a, "alpha topic", False)], str(s))
        p.send(f"/load {a}")
        ok, s = p.wait_for(lambda s: s.has(f"── conversation {a}, 2 messages"))
        check("load: /load ID switches the screen to that thread",
              ok and s.has("alpha topic") and not s.has("beta topic"), str(s))
        p.send("/sessions")
        ok, s = p.wait_for(lambda s: dict((i, t) for i, _, t in sessions_of(s))
                           == {a: True, b: False})
        check("load: after /load, '(this one)' is on the loaded one", ok, str(s))
        ok, s = ask("alpha again")
        rows = h.messages()
        check("load: a prompt after /load goes into the loaded conversation",
              [r["conv"] for r in rows] == [a, a, b, b, a, a] and rows[4]["text"] == "alpha again",
              brief(rows))
        p.send(f"/delete {b}")
        ok, s = p.wait_for(lambda s: s.has(f"conversation {b} deleted"))
        check("load: /delete ID says so", ok, str(s))
        check("load: /delete ID removes its rows (messages and the conversation)",
              [c["id"] for c in h.convs()] == [a] and all(r["conv"] == a for r in h.messages())
              and len(h.messages()) == 4, brief(h.messages()))
        check("load: its words are gone from the search index too",
              h.run(["--search", "beta"])[1] == "", h.run(["--search", "beta"])[1])
        p.send("/sessions")
        ok, s = p.wait_for(lambda s: sessions_of(s) == [(a, "alpha topic", True)])
        check("load: /sessions no longer lists it", ok, str(s))
        p.send(f"/delete {b}")
        ok, s = p.wait_for(lambda s: s.has(f"no conversation {b} in the history"))
        check("load: /delete of an unknown id is an error", ok, str(s))
        p.send(f"/load {b}")
        ok, s = p.wait_for(lambda s: s.has(f"cannot load conversation {b}"))
        check("load: /load of an unknown id is an error, the screen stays",
              ok and s.has("alpha again"), str(s))
        p.send("/load x")
        ok, s = p.wait_for(lambda s: s.has("/load takes a conversation id"))
        check("load: /load x is refused with the usage", ok, str(s))
        p.send(f"/delete {a}")
        ok, s = p.wait_for(lambda s: s.has(f"conversation {a} deleted"))
        ok, s = ask("after deleting this one")
        convs = h.convs()
        rows = h.messages()
        check("load: /delete of the current one: the next prompt begins a new conversation",
              len(convs) == 1 and len(rows) == 2 and rows[0]["text"] == "after deleting this one"
              and all(r["conv"] == convs[0]["id"] for r in rows), brief(rows))
        p.quit()
    finally:
        tm.kill()



def test_delete_live(tmp, srv):
    """/delete of the conversation whose reply is streaming: the reply's
    writes must not find their row gone and turn the history off."""
    if shutil.which("tmux") is None:
        return
    h = Home(tmp, "delete-live")
    env = openai_env(h, srv, "tokens=60,pace_ms=20,tag=dl")
    tm = Tmux(tmp, "delete-live")
    try:
        p = tm.pane(150, 40, env, ["-m", "gpt-4o"])
        ok, s = p.wait_for(lambda s: s.rule is not None, timeout=10)
        p.send("a reply to delete while it streams")
        ok, s = p.wait_for(lambda s: s.labels("gpt-4o") and "streaming…" in s.block("gpt-4o")[0])
        conv = h.convs()[0]["id"] if h.convs() else 1
        p.send(f"/delete {conv}")
        ok, s = p.wait_for(lambda s: s.has("still streaming"))
        check("delete-live: /delete of the conversation mid-reply is refused, with why",
              ok and not s.has(f"conversation {conv} deleted"), str(s))
        ok, s = p.wait_for(lambda s: s.labels("gpt-4o") and done_label(s.block("gpt-4o")[0]),
                           timeout=10)
        p.send(f"/delete {conv}")
        ok, s = p.wait_for(lambda s: s.has(f"conversation {conv} deleted"))
        check("delete-live: once the reply ended, /delete works and the history stays on",
              ok and not s.has("history is off"), str(s))
        p.send("the next prompt")
        ok, s = p.wait_for(lambda s: len(s.labels("gpt-4o")) == 2
                           and done_label(s.block("gpt-4o")[0]), timeout=10)
        ok, rows = h.wait_rows(lambda rows: any(r["text"] == "the next prompt" for r in rows),
                               timeout=2)
        check("delete-live: the next prompt is recorded (in a new conversation)", ok,
              brief(rows))
        p.quit()
    finally:
        tm.kill()


# ---- 11. a compare, /adopt, --resume ---------------------------------------------------------

def test_adopt(tmp, srv):
    if shutil.which("tmux") is None:
        return
    h = Home(tmp, "adopt")
    h.write_config(provider_config(srv, [("a", "tokens=3,text=alpha-reply-from-a"),
                                         ("b", "tokens=3,text=bravo-reply-from-b")]))
    env = h.env(LOOP_KEY=KEY)
    tm = Tmux(tmp, "adopt")
    try:
        p = tm.pane(160, 40, env, ["-m", "a:m-a"])
        ok, s = p.wait_for(lambda s: s.rule is not None, timeout=10)
        p.send("before the compare")
        ok, s = p.wait_for(lambda s: s.labels("a:m-a") and done_label(s.block("a:m-a")[0]))
        p.send("/compare a:m-a b:m-b")
        ok, s = p.wait_for(lambda s: s.has("b:m-b idle"))
        n = len(srv.requests())
        p.send("in the compare")
        srv.wait_request(n + 1)
        ok, s = p.wait_for(lambda s: len(re.findall(r"\bdone\b", " ".join(s.lines))) >= 2,
                           timeout=10)
        check("adopt: the compare's two replies done", ok, str(s))
        ok, rows = h.wait_rows(lambda rows: len(rows) == 6
                               and all(r["outcome"] == "ok"
                                       for r in rows if r["role"] == "assistant"))
        groups = h.rows("SELECT * FROM compare_groups")
        check("adopt: the compare's rows are columns 1 and 2 of one group",
              ok and len(groups) == 1 and sorted(r["col"] for r in rows[2:]) == [1, 1, 2, 2]
              and all(r["grp"] == groups[0]["id"] for r in rows[2:]), brief(rows))
        p.send("/adopt 2")
        ok, s = p.wait_for(lambda s: s.status.rstrip().endswith("b:m-b")
                           and not s.has("b:m-b idle"))
        rows = h.messages()
        check("adopt: /adopt 2 moves column 2's rows to the thread (column 0), column 1 stays",
              sorted((r["col"], r["label"]) for r in rows[2:])
              == [(0, "b:m-b"), (0, "you"), (1, "a:m-a"), (1, "you")], brief(rows))
        p.quit()
        p = tm.pane(160, 40, env, ["--resume"])
        # The whole frame, status bar included: tmux may be captured between
        # the transcript's rows and the status bar's.
        ok, s = p.wait_for(lambda s: s.has("conversation ") and s.has("alpha-reply-from-a")
                           and s.has("bravo-reply-from-b")
                           and s.status.rstrip().endswith("b:m-b"), timeout=10)
        check("adopt: --resume shows the thread with the adopted column, model b", ok, str(s))
        n = len(srv.requests())
        p.send("after the restart")
        req = srv.wait_request(n)
        check("adopt: after --resume the request is the thread with the adopted column",
              req is not None and messages_of(req)
              == [("user", "before the compare"), ("assistant", "alpha-reply-from-a"),
                  ("user", "in the compare"), ("assistant", "bravo-reply-from-b"),
                  ("user", "after the restart")] and req["body"]["model"] == "m-b",
              json.dumps(messages_of(req)))
        ok, s = p.wait_for(lambda s: len(s.labels("b:m-b")) == 2
                           and done_label(s.block("b:m-b")[0]))
        p.quit()
    finally:
        tm.kill()


TESTS = {
    "resume": test_resume,
    "kill": test_kill,
    "search": test_search,
    "export": test_export,
    "unusable": test_unusable,
    "no-sqlite": test_no_sqlite,
    "secrets": test_secrets,
    "off": test_off,
    "headless": test_headless,
    "headless-interrupt": test_headless_interrupt,
    "retry": test_retry,
    "load": test_load_delete,
    "delete-live": test_delete_live,
    "adopt": test_adopt,
}


def main():
    harness.require()
    if shutil.which("tmux") is None:
        print("skip: tmux not found: the screen parts of the history checks do not run "
              "(only the headless ones do)")
    return harness.run_with_server(TESTS, "circuit-hist-", Server, only=sys.argv[1:])


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
