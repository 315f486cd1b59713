#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Blind compare, votes and the leaderboard (issue 20), the real binary
against the loopback server: OpenAI-compatible providers from a config
file, with prices, whose replies never name them (the server's default
reply quotes the prompt).

- the screen (tmux): `--compare … --blind`: every frame captured while the
  replies stream, the status bar included, holds no provider, model or
  price; the columns are A, B, C; /adopt and /stats wait; `/vote b` stores
  a vote row (prompt, models in column order, reply rows, winner, blind)
  and the names come back (headers, labels, a notice, the cost);
  `--blind=strict` shows no times either, and Alt-v t votes a tie;
- headless: `--blind -p --vote 2` prints blocks and a table by letter,
  then the names; without --vote the vote waits for `circuit --vote`;
- `--leaderboard` (text and --json, --since, --grep) against votes the
  test casts, checked against the Bradley-Terry fit worked out here.

Nothing sleeps to wait for a state: screens are polled until a condition
holds or a deadline passes. Ends with "N passed, N failed"."""
import json
import math
import os
import re
import shutil
import sqlite3
import sys
import time

import harness
from harness import ROOT, check
from test_compare import KEY, Prov, Screen, Server, config_and_home, run_headless

PROMPT = "which of you writes the best haiku"


def providers():
    # Names that never occur in a reply, a prompt or circuit's own words.
    return [Prov("zulu", 150, 20, 30, price=(3, 15), text=False),
            Prov("yankee", 300, 30, 30, price=(1, 2), text=False),
            Prov("xray", 50, 40, 30, price=(5, 25), text=False)]


def secrets(provs):
    return [p.name for p in provs] + [p.model for p in provs]


def leaks(lines, provs):
    """What of the names or a price a capture shows (nothing: [])."""
    text = "\n".join(lines)
    found = [w for w in secrets(provs) if w in text]
    if "$" in text:
        found.append("$")
    return found


def env_for(home, cfg):
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
            "TERM": "xterm-256color", "LANG": "C.UTF-8", "XDG_CONFIG_HOME": cfg,
            "XDG_DATA_HOME": os.path.join(home, "data"), "CMP_KEY": KEY}


def db_path(home):
    return os.path.join(home, "data", "circuit", "history.db")


def votes(home):
    with sqlite3.connect(db_path(home)) as db:
        return db.execute("SELECT conv, prompt, models, replies, winner, blind FROM votes"
                          " ORDER BY id").fetchall()


def own_words(s, typed):
    """The capture without the input pane while it still holds what the
    test typed there: the user's own command names the models, and tmux
    may capture it before circuit has read the Enter."""
    if not typed or s.rule is None:
        return s.lines
    pane = "".join("".join(s.input).split()).lstrip(">")
    if pane and pane in "".join(typed.split()):
        return s.transcript + [s.status]
    return s.lines


def watch(p, provs, until, timeout=15, typed=None):
    """Captures every frame until until(screen) holds: (ok, last screen,
    frames seen, the first leak found or None)."""
    deadline = time.monotonic() + timeout
    frames, leak = 0, None
    while True:
        lines = p.capture()
        frames += 1
        s = Screen(lines, p.cols)
        bad = leaks(own_words(s, typed), provs)
        if bad and leak is None:
            leak = (bad, "\n".join(lines))
        try:
            ok = until(s)
        except (IndexError, ValueError, KeyError, TypeError, AttributeError):
            ok = False
        if ok or time.monotonic() >= deadline:
            return ok, s, frames, leak
        time.sleep(0.01)


def all_done(s):
    return len(s.columns) == 3 and all(c.state == "done" for c in s.columns)


def test_screen_blind(tmp):
    provs = providers()
    srv = Server(tmp)
    tm = harness.Tmux(tmp, "blind", Screen)
    try:
        cfg, home = config_and_home(tmp, "blind", srv.port, provs, "home")
        p = tm.pane(200, 40, env_for(home, cfg),
                    ["--compare", ",".join(x.label for x in provs), "--blind"])
        ok, s, _, leak = watch(p, provs, lambda s: len(s.columns) == 3, timeout=10)
        check("screen: --compare --blind opens three columns", ok, str(s))
        if not ok:
            return
        check("screen: the columns are A, B, C",
              [c.label for c in s.columns] == ["A", "B", "C"], str(s))
        p.send(PROMPT)
        ok, s, frames, leak2 = watch(p, provs, all_done)
        leak = leak or leak2
        check("screen: every column streams to its end", ok, str(s))
        check(f"screen: no name, model or price in any of {frames} frames before the vote "
              "(headers, replies, status bar)", leak is None and frames > 5,
              "" if leak is None else f"{leak[0]}\n{leak[1]}")
        check("screen: the status bar says a blind compare and names no provider",
              "blind compare: 3 models" in s.status, s.status)
        check("screen: the replies' labels are their letters",
              all(c.labels(c.label) for c in s.columns), str(s))
        check("screen: TTFT shows while blind (not strict)",
              all(re.search(r"\d+ms", c.head) for c in s.columns), str(s))
        for cmd, want in (("/adopt 1", "/vote first"), ("/stats", "waits for the vote")):
            p.send(cmd)
            ok, s = p.wait_for(lambda s: s.has(want))
            check(f"screen: {cmd} waits for the vote", ok and not leaks(s.lines, provs), str(s))
        p.send("/vote b")
        ok, s = p.wait_for(lambda s: s.has("voted B") and s.has("A was ") and
                           all(c.label not in ("A", "B", "C") and "$" in c.head
                               for c in s.columns), timeout=5)
        names = [c.label for c in s.columns]
        check("screen: /vote b: the headers get their names back, and the cost",
              ok and sorted(names) == sorted(x.label for x in provs), str(s))
        said = " ".join(" ".join(l.split()) for l in s.columns[0].rows if l.strip())
        want = " · ".join(f"{L} was {n}" for L, n in zip("ABC", names))
        check("screen: a notice says the vote and who was who", f"voted B · {want}" in said, said)
        check("screen: the replies' labels are their models again",
              all(c.labels(c.label) for c in s.columns), str(s))
        rows = votes(home)
        check("history: one vote row", len(rows) == 1, repr(rows))
        if rows:
            conv, prompt, models, replies, winner, blind = rows[0]
            check("history: the vote holds the prompt, the models in column order, winner 1, "
                  "blind 1", prompt == PROMPT and json.loads(models) == names and winner == 1
                  and blind == 1, repr(rows[0]))
            with sqlite3.connect(db_path(home)) as db:
                got = [db.execute("SELECT provider || ':' || model, role FROM messages"
                                  " WHERE id = ?", (i,)).fetchone() for i in json.loads(replies)]
                labels = [db.execute("SELECT label FROM messages WHERE id = ?", (i,)).fetchone()
                          for i in json.loads(replies)]
            check("history: each reply row is that column's model's reply",
                  got == [(n, "assistant") for n in names], repr(got))
            check("history: the revealed rows carry the model as their label",
                  [l[0] for l in labels if l] == names, repr(labels))
        p.send("/vote a")
        ok, s = p.wait_for(lambda s: s.has("has its vote"))
        check("screen: one vote per prompt", ok and len(votes(home)) == 1, str(s))
    finally:
        tm.kill()
        srv.close()


def test_screen_strict_and_key(tmp):
    provs = providers()
    srv = Server(tmp)
    tm = harness.Tmux(tmp, "strict", Screen)
    try:
        cfg, home = config_and_home(tmp, "strict", srv.port, provs, "home")
        p = tm.pane(200, 40, env_for(home, cfg), [])
        ok, s = p.wait_for(lambda s: s.rule is not None, timeout=10)
        command = "/compare --blind=strict " + " ".join(x.label for x in provs)
        p.send(command)
        ok, s, _, leak = watch(p, provs, lambda s: len(s.columns) == 3, typed=command)
        check("strict: /compare --blind=strict opens A, B, C",
              ok and [c.label for c in s.columns] == ["A", "B", "C"], str(s))
        p.send(PROMPT)
        ok, s, frames, leak2 = watch(p, provs, all_done)
        leak = leak or leak2
        check("strict: no name or price in any frame", ok and leak is None,
              "" if leak is None else f"{leak[0]}\n{leak[1]}")
        check("strict: no TTFT or tok/s in the headers",
              all(not re.search(r"\d(ms|s)\b|tok/s", c.head) for c in s.columns), str(s))
        check("strict: nor under the replies",
              not any(re.search(r"\d(ms|s) ·|tok/s", l) for l in s.transcript), str(s))
        p.keys("M-v")
        ok, s = p.wait_for(lambda s: "vote: A-C" in s.status)
        check("strict: Alt-v asks for the vote on the status bar", ok, s.status)
        p.text("t")
        ok, s = p.wait_for(lambda s: s.has("voted a tie"))
        check("strict: then t votes a tie and reveals", ok and s.has("A was "), str(s))
        rows = votes(home)
        check("strict: stored as a tie in strict mode",
              len(rows) == 1 and rows[0][4] == -1 and rows[0][5] == 2, repr(rows))
    finally:
        tm.kill()
        srv.close()


def test_headless_blind(tmp):
    provs = providers()[:2]
    srv = Server(tmp)
    try:
        cfg, home = config_and_home(tmp, "hl", srv.port, provs, "home")
        spec = ",".join(x.label for x in provs)
        rc, out, err, _ = run_headless(["--compare", spec, "--blind", "-p", PROMPT, "--vote", "2"],
                                       cfg, home)
        check("headless: --blind --vote 2 exits 0", rc == 0, err)
        check("headless: blocks A and B on stdout, no name or price",
              "── A ──" in out and "── B ──" in out and not leaks(out.split("\n"), provs), out)
        table = err.split("\n")
        body = [l for l in table if re.match(r"^[AB] ", l)]
        check("headless: the table by letter, without a cost",
              len(body) == 2 and all(re.search(r" -  stop$", l) for l in body), err)
        last = [l for l in table if l][-1]
        m = re.match(r"circuit: voted B · A was (\S+) · B was (\S+)$", last)
        check("headless: then the vote and the names, last on stderr", m is not None, err)
        check("headless: nothing on stderr names a model before that line",
              not leaks(table[:table.index(last)], provs), err)
        rows = votes(home)
        check("headless: the vote row: winner 1, blind, models as revealed",
              len(rows) == 1 and m is not None and rows[0][4] == 1 and rows[0][5] == 1
              and json.loads(rows[0][2]) == list(m.groups()) and rows[0][1] == PROMPT,
              repr(rows))
        rc, out, err, _ = run_headless(["--compare", spec, "--blind", "-p", PROMPT], cfg, home)
        check("headless: without --vote the vote waits", rc == 0 and "circuit --vote" in err
              and not leaks(err.split("\n"), provs) and len(votes(home)) == 2
              and votes(home)[1][4] is None, err)
        rc, out, err, _ = run_headless(["--vote", "tie"], cfg, home)
        check("headless: circuit --vote tie casts it and says who was who",
              rc == 0 and re.search(r"voted a tie · A was \S+ · B was \S+", err)
              and votes(home)[1][4] == -1, err)
        rc, out, err, _ = run_headless(["--vote", "tie"], cfg, home)
        check("headless: nothing left to vote on: exit 1", rc == 1 and "no blind compare" in err,
              err)
        rc, out, err, _ = run_headless(["--compare", spec, "--blind", "-p", "x", "--vote", "z"],
                                       cfg, home)
        check("headless: a vote for no column is bad usage", rc == 2 and "--vote" in err, err)
        rc, out, err, _ = run_headless(["--compare", spec, "--blind", "--json", "-p", "x"],
                                       cfg, home)
        check("headless: --blind with --json is bad usage", rc == 2, err)
    finally:
        srv.close()


def one_sided_x(wins, losses, prior=1.0):
    """Two models, wins-losses: by symmetry p_B = 1/p_A = 1/x; solve A's
    MM equation W = n x^2/(x^2+1) + prior x/(x+1) by bisection."""
    n, w = wins + losses, wins + prior / 2
    lo, hi = 1e-6, 1e6
    for _ in range(200):
        x = math.sqrt(lo * hi)
        if n * x * x / (x * x + 1) + prior * x / (x + 1) < w:
            lo = x
        else:
            hi = x
    return math.sqrt(lo * hi)


def test_leaderboard(tmp):
    provs = [Prov("zulu", 0, 0, 3, text=False), Prov("yankee", 0, 0, 3, text=False)]
    srv = Server(tmp)
    try:
        cfg, home = config_and_home(tmp, "lb", srv.port, provs, "home")
        rc, out, err, _ = run_headless(["--leaderboard"], cfg, home)
        check("leaderboard: no history yet: exit 1", rc == 1, err)
        spec = ",".join(x.label for x in provs)  # not blind: column 1 is zulu
        for prompt, vote in (("alpha one", "1"), ("alpha two", "A"), ("beta three", "1"),
                             ("beta four", "2"), ("gamma", "none")):
            rc, _, err, _ = run_headless(["--compare", spec, "-p", prompt, "--vote", vote],
                                         cfg, home)
            check(f"leaderboard: vote {vote} on '{prompt}' kept", rc == 0, err)
        os.environ["CIRCUIT_BOOTSTRAP_SEED"] = "7"  # run_headless passes it on
        try:
            rc, text, err, _ = run_headless(["--leaderboard"], cfg, home)
            rc2, text2, _, _ = run_headless(["--leaderboard"], cfg, home)
            rc3, js, err3, _ = run_headless(["--leaderboard", "--json"], cfg, home)
            rc4, js4, _, _ = run_headless(["--leaderboard", "--json", "--grep", "ALPHA"], cfg, home)
            rc5, js5, _, _ = run_headless(["--leaderboard", "--json", "--since", "2999-01-01"],
                                          cfg, home)
            rc6, _, err6, _ = run_headless(["--leaderboard", "--since", "soon"], cfg, home)
        finally:
            del os.environ["CIRCUIT_BOOTSTRAP_SEED"]
        x = one_sided_x(3, 1)
        want = {"zulu:m-zulu": 1000 + 400 * math.log10(x),
                "yankee:m-yankee": 1000 - 400 * math.log10(x)}
        check("leaderboard: text exits 0, the same twice with a fixed seed",
              rc == 0 and rc2 == 0 and text == text2, err)
        lines = text.strip().split("\n")
        row1 = re.match(r"^1\s+zulu:m-zulu\s+(\d+)\s+(\d+)-(\d+)\s+4\s+75\.0%$", lines[1])
        row2 = re.match(r"^2\s+yankee:m-yankee\s+(\d+)\s+(\d+)-(\d+)\s+4\s+25\.0%$", lines[2])
        check("leaderboard: zulu first (3 of 4), yankee second, votes and win rates",
              row1 is not None and row2 is not None, text)
        if row1 and row2:
            check("leaderboard: ratings as the fit worked out here (prior: one drawn game)",
                  int(row1.group(1)) == round(want["zulu:m-zulu"]) and
                  int(row2.group(1)) == round(want["yankee:m-yankee"]), f"{text}\n{want}")
            check("leaderboard: the interval holds the rating",
                  int(row1.group(2)) <= int(row1.group(1)) <= int(row1.group(3)), text)
        check("leaderboard: the totals line: 4 votes, the none left out",
              lines[-1].startswith("4 votes (0 ties)") and '1 "none" left out' in lines[-1], text)
        j = json.loads(js) if rc3 == 0 else {}
        got = {m["model"]: m for m in j.get("models", [])}
        check("leaderboard --json: the figures", rc3 == 0 and j.get("votes") == 4 and
              j.get("none") == 1 and j.get("resamples") == 1000 and
              all(abs(got[k]["rating"] - v) < 0.06 for k, v in want.items()) and
              got["zulu:m-zulu"]["wins"] == 3 and got["yankee:m-yankee"]["win_rate"] == 0.25 and
              all(got[k]["ci_low"] <= got[k]["rating"] <= got[k]["ci_high"] for k in got),
              js + err3)
        j4 = json.loads(js4) if rc4 == 0 else {}
        x2 = one_sided_x(2, 0)
        check("leaderboard --grep ALPHA: the two alpha votes (2-0, finite)",
              j4.get("votes") == 2 and abs(j4["models"][0]["rating"] -
                                           (1000 + 400 * math.log10(x2))) < 0.06, js4)
        j5 = json.loads(js5) if rc5 == 0 else {}
        check("leaderboard --since a future date: no votes", j5.get("models") == [], js5)
        check("leaderboard: a bad --since is bad usage", rc6 == 2 and "--since" in err6, err6)
    finally:
        srv.close()


def main():
    harness.require()
    tests = [("headless blind", test_headless_blind), ("leaderboard", test_leaderboard)]
    if shutil.which("tmux") is None:
        print("skip: tmux not found: the blind screen checks do not run")
    else:
        tests += [("screen blind", test_screen_blind), ("screen strict", test_screen_strict_and_key)]
    return harness.run_each_in_tmp(tests, "circuit-blind-", only=os.environ.get("BLIND_ONLY"))


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
