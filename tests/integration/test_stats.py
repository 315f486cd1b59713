#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""circuit --stats and /stats history (src/app/stats.c), through the real binary.

A history built by the test: headless runs against the loopback provider
server (tests/server/server.py) with known pacing (a first token after 100
or 600 ms, an in-stream error after 3 tokens) and the offline mock-fast,
priced by a config. The report's figures (--json) are checked against the
same figures worked out here from the file's rows (nearest-rank
percentiles, counts, sums, error kinds), and against the pacing. Also:
--since (rows aged in the file), -m, --sort, the table and its ASCII chart
under LANG=C, an empty history, bad words, and the screen's /stats history
in tmux.

`python3 test_stats.py NAME...` runs only those scenarios (TESTS names).
Nothing sleeps to wait for a state: the screen is polled until a
condition holds or a deadline passes. Ends with "N passed, N failed"."""
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import harness
from harness import BIN, check

TOL_MS = 400  # a loaded machine's lateness over the server's pacing
KEY = "sk-test-circuit-stats"
PRICE_IN, PRICE_OUT = 2.5, 10.0  # USD per million tokens, for gpt-4o


class Home:
    """A temporary HOME with XDG_DATA_HOME and XDG_CONFIG_HOME in it."""

    def __init__(self, tmp, name):
        self.dir = os.path.join(tmp, name)
        self.data = os.path.join(self.dir, "data")
        self.config = os.path.join(self.dir, "config")
        for d in (self.dir, self.data, self.config):
            os.makedirs(d, exist_ok=True)
        self.db = os.path.join(self.data, "circuit", "history.db")

    def env(self, **extra):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.dir,
               "TERM": "xterm-256color", "LANG": "C.UTF-8", "XDG_DATA_HOME": self.data,
               "XDG_CONFIG_HOME": self.config, "XDG_STATE_HOME": self.dir}
        env.update(extra)
        return env

    def run(self, args, env=None, timeout=60):
        p = subprocess.run([BIN, *args], capture_output=True, timeout=timeout,
                           env=env if env is not None else self.env(), cwd=self.dir,
                           stdin=subprocess.DEVNULL)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))

    def sql(self, query, args=(), write=False):
        con = sqlite3.connect(self.db if write else f"file:{self.db}?mode=ro", uri=not write,
                              timeout=5)
        try:
            rows = con.execute(query, args).fetchall()
            con.commit()
            return rows
        finally:
            con.close()


def nearest_rank(values, p):
    """The smallest value with at least p% of them at or below it; None for none."""
    if not values:
        return None
    s = sorted(values)
    return s[max(1, math.ceil(p / 100 * len(s))) - 1]


def expected(home, since=0):
    """The report's figures, worked out here from the rows of the file."""
    rows = home.sql("SELECT m.provider, m.model, m.outcome, ifnull(e.kind, ''), m.ttft, m.ttfo,"
                    " m.tps, m.tokens_in, m.tokens_out, m.cost FROM messages m"
                    " LEFT JOIN reply_errors e ON e.msg = m.id WHERE m.role = 'assistant'"
                    " AND m.has_metrics = 1 AND m.created >= ?", (since,))
    out = {}
    for prov, model, outcome, kind, ttft, ttfo, tps, tin, tout, cost in rows:
        g = out.setdefault(f"{prov}:{model}", {"replies": 0, "ok": 0, "errors": 0, "kinds": {},
                                               "ttft": [], "ttfo": [], "tps": [], "in": 0,
                                               "out": 0, "cost": [], "outcomes": []})
        g["replies"] += 1
        g["ok"] += outcome == "ok"
        if outcome == "error":
            g["errors"] += 1
            g["kinds"][kind or "unrecorded"] = g["kinds"].get(kind or "unrecorded", 0) + 1
        if ttft >= 0:
            g["ttft"].append(ttft)
        if ttfo >= 0:
            g["ttfo"].append(ttfo)
        if outcome == "ok" and tps >= 0:
            g["tps"].append(tps)
        g["in"] += max(tin, 0)
        g["out"] += max(tout, 0)
        if cost >= 0:
            g["cost"].append(cost)
    return out


def report(home, *args, env=None):
    rc, out, err = home.run(["--stats", "--json", *args], env=env)
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, None, f"not JSON: {out!r} {err!r}"


def same_figures(name, got, want):
    """The report's row against the figures worked out from the rows."""
    checks = [
        ("replies", got["replies"], want["replies"]),
        ("ok", got["ok"], want["ok"]),
        ("errors", got["errors"], want["errors"]),
        ("error kinds", got["error_kinds"], want["kinds"]),
        ("ttft p50", got["ttft_ms"]["p50"], nearest_rank(want["ttft"], 50)),
        ("ttft p95", got["ttft_ms"]["p95"], nearest_rank(want["ttft"], 95)),
        ("ttft n", got["ttft_ms"]["n"], len(want["ttft"])),
        ("ttfo p50", got["ttfo_ms"]["p50"], nearest_rank(want["ttfo"], 50)),
        ("tok/s p50", got["tokens_per_second"]["p50"], nearest_rank(want["tps"], 50)),
        ("tokens in", got["tokens_in"], want["in"]),
        ("tokens out", got["tokens_out"], want["out"]),
        ("priced", got["priced"], len(want["cost"])),
    ]
    for what, g, w in checks:
        check(f"{name}: {what} is the one worked out from the rows", g == w, f"{g!r} != {w!r}")
    if want["cost"]:
        check(f"{name}: cost is the sum of the rows' costs",
              abs(got["cost_usd"] - sum(want["cost"])) < 1e-12,
              f"{got['cost_usd']!r} != {sum(want['cost'])!r}")


# ---- the scenarios -------------------------------------------------------------------------

def test_empty(tmp, srv):
    h = Home(tmp, "empty")
    rc, out, err = h.run(["--stats"])
    check("empty: --stats with no history says so, exit 0",
          rc == 0 and "(no replies)" in out and err == "", f"rc={rc} out={out!r} err={err!r}")
    rc, js, err = report(h)
    check("empty: --json is an empty report", rc == 0 and js is not None and js["models"] == []
          and js["replies"] == 0, f"rc={rc} {js!r} {err!r}")
    check("empty: no history file is made", not os.path.exists(h.db), h.db)


def build(h, srv):
    """The history of the report scenarios: gpt-4o on the loopback server
    (three replies after 100 ms, two after 600 ms, one cut by an error
    after 3 tokens) and mock-fast offline, twice."""
    with open(os.path.join(h.config, "circuit", "config"), "w") as f:
        f.write(f"max_retries = 0\n\n[price.gpt-4o]\ninput = {PRICE_IN}\n"
                f"output = {PRICE_OUT}\n")
    scens = ["ttft_ms=100,tokens=6"] * 3 + ["ttft_ms=600,tokens=6"] * 2 + ["error_after=3"]
    for i, scen in enumerate(scens):
        env = h.env(OPENAI_BASE_URL=srv.base(scen) + "/v1", OPENAI_API_KEY=KEY)
        rc, out, err = h.run(["-p", f"question {i}", "-m", "gpt-4o"], env=env)
        check(f"report: run {i} ({scen}) ends as paced", rc == (1 if "error" in scen else 0),
              f"rc={rc} err={err!r}")
    for i in range(2):
        rc, out, err = h.run(["-p", f"offline {i}", "-m", "mock-fast"])
        check(f"report: mock-fast run {i}", rc == 0, f"rc={rc} err={err!r}")


def test_report(tmp, srv):
    h = Home(tmp, "report")
    os.makedirs(os.path.join(h.config, "circuit"), exist_ok=True)
    build(h, srv)
    rc, js, err = report(h)
    if not check("report: --stats --json answers", rc == 0 and js is not None, err):
        return
    want = expected(h)
    names = [m["name"] for m in js["models"]]
    check("report: a row per provider:model, the most replies first",
          names == ["openai:gpt-4o", "mock:mock-fast"], repr(names))
    for m in js["models"]:
        if m["name"] in want:
            same_figures(m["name"], m, want[m["name"]])
    g = next((m for m in js["models"] if m["name"] == "openai:gpt-4o"), None)
    if g is None:
        return
    t = g["ttft_ms"]
    check("report: the pacing shows: ttft p50 of gpt-4o is a 100 ms reply's, p95 a 600 ms one's",
          100 <= t["p50"] < 100 + TOL_MS and 600 <= t["p95"] < 600 + TOL_MS, repr(t))
    check("report: the in-stream error is counted with its kind, and toward a breaker",
          g["errors"] == 1 and sum(g["error_kinds"].values()) == 1 and
          g["breaker_failures"] == 1, repr(g))
    check("report: the buckets hold every reply with a TTFT",
          sum(g["ttft_buckets"]) == g["ttft_ms"]["n"] and g["ttft_buckets"][5:] == [0, 0, 0],
          repr(g["ttft_buckets"]))
    # each priced reply costs tokens_in * in + tokens_out * out per million
    rows = h.sql("SELECT tokens_in, tokens_out, cost FROM messages WHERE model = 'gpt-4o'"
                 " AND role = 'assistant'")
    check("report: gpt-4o's costs are its tokens at the configured price",
          all(abs(c - (i * PRICE_IN + o * PRICE_OUT) / 1e6) < 1e-12 for i, o, c in rows),
          repr(rows))
    report_table(h)
    report_filters(h)


def report_table(h):
    rc, out, err = h.run(["--stats"])
    lines = out.splitlines()
    row = next((ln for ln in lines if ln.startswith("openai:gpt-4o")), "")
    check("report: the table has gpt-4o's row with its replies, errors and a chart",
          rc == 0 and row.split()[1:3] == ["6", "1"] and any(b in row for b in "▁▂▃▄▅▆▇█"),
          f"rc={rc} out={out!r}")
    check("report: the error's kind is under its row",
          any(ln.strip().startswith("errors: ") for ln in lines), repr(out))
    rc, out, err = h.run(["--stats"], env=h.env(LANG="C", LC_ALL="C"))
    check("report: under LANG=C the table is ASCII, its chart too",
          rc == 0 and out.isascii() and "openai:gpt-4o" in out and
          any(c in out for c in "_.-=+*#@"), repr(out))
    rc, out, err = h.run(["--stats", "--sort", "ttft"])
    first = [ln for ln in out.splitlines() if ":" in ln and ln[0] != " "][1:2]
    check("report: --sort ttft puts mock-fast (20-60 ms) before gpt-4o (100 ms and more)",
          rc == 0 and first and first[0].startswith("mock:mock-fast"), repr(out))


def report_filters(h):
    rc, js, err = report(h, "-m", "mock-fast")
    check("filters: -m mock-fast keeps its row only",
          rc == 0 and [m["name"] for m in js["models"]] == ["mock:mock-fast"], repr(js))
    rc, js, err = report(h, "-m", "openai")
    check("filters: -m openai (a provider) keeps its models",
          rc == 0 and [m["name"] for m in js["models"]] == ["openai:gpt-4o"], repr(js))
    # mock-fast's replies ten days back
    h.sql("UPDATE messages SET created = created - 864000 WHERE model = 'mock-fast'", write=True)
    rc, js, err = report(h, "--since", "7d")
    since = js["since"] if js else 0
    check("filters: --since 7d leaves out the replies of ten days ago",
          rc == 0 and [m["name"] for m in js["models"]] == ["openai:gpt-4o"] and
          abs(since - (time.time() - 7 * 86400)) < 60, repr(js))
    if js:
        same_figures("filters: --since 7d", js["models"][0], expected(h, since)["openai:gpt-4o"])
    rc, js, err = report(h, "--since", "2000-01-01")
    check("filters: --since a date long ago keeps them all", rc == 0 and js["replies"] == 8,
          repr(js))
    rc, out, err = h.run(["--stats", "--since", "7x"])
    check("filters: a bad --since is refused in one line, exit 2",
          rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and "--since" in err,
          f"rc={rc} err={err!r}")
    rc, out, err = h.run(["--stats", "--sort", "speed"])
    check("filters: a bad --sort is refused, exit 2", rc == 2 and "--sort" in err, repr(err))
    rc, out, err = h.run(["--since", "7d"])
    check("filters: --since without --stats is bad usage", rc == 2 and "--stats" in err,
          repr(err))


def test_screen(tmp, srv):
    if shutil.which("tmux") is None:
        print("skip: tmux not found: /stats history is not checked")
        return
    h = Home(tmp, "screen")
    rc, _, err = h.run(["-p", "before", "-m", "mock-fast"])
    check("screen: a headless reply first", rc == 0, err)
    tm = harness.Tmux(tmp, "stats", home=h.dir, linger=10)
    try:
        pane = tm.pane(160, 30, h.env(), ["-m", "mock-fast"])
        ok, s = pane.wait_for(lambda s: s.has("mock-fast"), timeout=10)
        pane.send("hello")
        ok, s = pane.wait_for(lambda s: s.has("tok/s"), timeout=15)
        check("screen: the reply ends", ok, str(s))
        pane.send("/stats history")
        ok, s = pane.wait_for(lambda s: s.has("replies in the history") and
                              s.has("mock:mock-fast") and s.has("ttft spread"), timeout=10)
        check("screen: /stats history shows the history's report", ok, str(s))
        row = next((ln for ln in pane.capture() if ln.startswith("mock:mock-fast")), "")
        check("screen: it counts the headless reply and this session's",
              row.split()[1:3] == ["2", "0"], repr(row))
        pane.keys("Escape")
        ok, s = pane.wait_for(lambda s: not s.has("replies in the history"), timeout=5)
        check("screen: Esc closes it", ok, str(s))
        pane.send("/stats history 3x")
        ok, s = pane.wait_for(lambda s: s.has("/stats history takes"), timeout=5)
        check("screen: a bad span is said in one line", ok, str(s))
        pane.send("/stats")
        ok, s = pane.wait_for(lambda s: s.has("stats of this session"), timeout=5)
        check("screen: /stats is still the session's live view", ok, str(s))
        pane.quit()
    finally:
        tm.kill()


TESTS = {"empty": test_empty, "report": test_report, "screen": test_screen}


def main():
    harness.require()
    return harness.run_with_server(TESTS, "circuit-stats-", only=sys.argv[1:])


if __name__ == "__main__":
    os.chdir(harness.ROOT)
    sys.exit(main())
