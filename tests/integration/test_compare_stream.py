#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A headless compare that streams, and --jsonl (issue 18), the real binary
against the loopback server in tests/server/.

- `--compare SLOW,FAST,MID -p …`: each model's block reaches stdout as soon
  as that model's reply ends, in the order they end (not the order named);
  the fast model's block is read at least a second before the slow one
  ends; the metrics table follows on stderr; a failed model's block and its
  error line come out when it fails;
- `--jsonl`, with and without --compare: every line is one JSON object,
  read as it is written (a slow model's first text line long before its
  end); labels and kinds; t_ms never goes back; the text lines join into
  the reply; a "done" line per model with --json's figures; hostile bytes
  (escapes, newlines, U+2028, bidi, quotes) never break a line;
- Ctrl-C and SIGTERM: what ended is out already; the rest is printed as it
  stands, marked interrupted (a "done" line, cancelled, with --jsonl);
- `--json --jsonl` is bad usage.

stdout and stderr are read through pipes with select(), each line stamped
with time.monotonic() as it arrives. Nothing sleeps to wait for a state.
Ends with "N passed, N failed"."""
import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.parse

import harness
from harness import BIN, ROOT, check
from test_compare import DROP, KEY, Prov, Server, by_model, config_and_home

KINDS = {"text", "thinking", "refusal", "tool", "stop", "notice", "reset", "error", "done"}
# --json's per-model figure names, which the "done" line carries too.
FIGURES = ("stop", "usage", "outcome", "output_tokens", "tokens_in", "tokens_out",
           "tokens_thinking", "ttfb_ms", "ttft_ms", "ttfo_ms", "total_ms", "max_gap_ms",
           "tokens_per_second", "tokens_per_second_estimated", "cost_usd", "cost_estimated",
           "error")


def env_for(config_home, home, extra=None):
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    env.update(HOME=home, XDG_CONFIG_HOME=config_home, XDG_DATA_HOME=os.path.join(home, "data"),
               XDG_STATE_HOME=os.path.join(home, "state"), CMP_KEY=KEY, LANG="C.UTF-8")
    env.update(extra or {})
    return env


def run_stamped(args, config_home, home, timeout=40, env=None, signal_when=None):
    """Runs circuit with stdout and stderr on pipes; every line stamped as it
    arrives: ([(t, line bytes)] stdout, [(t, line bytes)] stderr, rc, t_exit),
    times in seconds since the start. signal_when: (sig, pred) sends sig
    once, as soon as pred(stdout lines) holds."""
    t0 = time.monotonic()
    p = subprocess.Popen([BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, env=env_for(config_home, home, env), cwd=ROOT)
    fo, fe = p.stdout.fileno(), p.stderr.fileno()
    got = {fo: [], fe: []}
    part = {fd: b"" for fd in got}
    open_fds = set(got)
    deadline = t0 + timeout
    while open_fds and time.monotonic() < deadline:
        ready, _, _ = select.select(list(open_fds), [], [], max(0.0, deadline - time.monotonic()))
        now = time.monotonic() - t0
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
                if part[fd]:
                    got[fd].append((now, part[fd]))
                continue
            part[fd] += chunk
            while b"\n" in part[fd]:
                line, part[fd] = part[fd].split(b"\n", 1)
                got[fd].append((now, line))
        if signal_when is not None and signal_when[1](got[fo]):
            p.send_signal(signal_when[0])
            signal_when = None
    if open_fds:
        p.kill()
    rc = p.wait(timeout=10)
    t_exit = time.monotonic() - t0
    p.stdout.close()
    p.stderr.close()
    return got[fo], got[fe], rc, t_exit


def text_of(lines):
    return "\n".join(f"{t:6.3f} {l.decode('utf-8', 'replace')}" for t, l in lines)


def heads_of(out):
    """The block heads on stdout: [(t, "provider:model")]."""
    res = []
    for t, l in out:
        s = l.decode("utf-8", "replace")
        if s.startswith("── ") and s.endswith(" ──"):
            res.append((t, s[3:-3]))
    return res


def blocks_of(out):
    """{label: the block's text} from stdout's blocks."""
    res, cur = {}, None
    for _, l in out:
        s = l.decode("utf-8", "replace")
        if s.startswith("── ") and s.endswith(" ──"):
            cur = s[3:-3]
            res[cur] = []
        elif cur is not None:
            res[cur].append(s)
    return {k: "\n".join(v) for k, v in res.items()}


# Three models that end far apart: fast ~0.15 s, mid ~0.8 s, slow ~3 s.
def three():
    return [Prov("slow", 300, 200, 14), Prov("fast", 30, 10, 10), Prov("mid", 100, 60, 12)]


def test_progressive(tmp):
    """Blocks in the order the models end, the fast one seconds early."""
    provs = three()
    slow, fast, mid = provs
    srv = Server(tmp)
    try:
        cfg, home = config_and_home(tmp, "pg", srv.port, provs)
        out, err, rc, t_exit = run_stamped(["--compare", ",".join(x.label for x in provs),
                                            "-p", "race me"], cfg, home)
        detail = f"rc={rc} exit={t_exit:.3f}\nstdout:\n{text_of(out)}\nstderr:\n{text_of(err)}"
        check("progressive: exit 0", rc == 0, detail)
        heads = heads_of(out)
        check("progressive: one block per model, in the order they ended (fast, mid, slow), "
              "not the order named (slow, fast, mid)",
              [h for _, h in heads] == [fast.label, mid.label, slow.label], detail)
        if len(heads) != 3:
            return
        t = dict((h, at) for at, h in heads)
        check("progressive: fast's block is read at least 1 s before slow's reply ends",
              t[fast.label] + 1.0 <= t[slow.label] and t[fast.label] + 1.0 <= t_exit, detail)
        check("progressive: mid's block is out before slow's ends",
              t[mid.label] < t[slow.label], detail)
        got = by_model(srv.requests(), provs)
        blocks = blocks_of(out)
        for x in provs:
            reply = got[x.name][0]["reply"] if got[x.name] else None
            check(f"progressive: {x.name}'s block holds its whole reply",
                  reply is not None and blocks.get(x.label, "").strip() == reply, detail)
        hdr = [at for at, l in err if b"ttft" in l and b"tok/s" in l]
        check("progressive: the metrics table follows on stderr, after the last block",
              len(hdr) == 1 and hdr[0] >= t[slow.label], detail)
        rows = [l.split()[0].decode() for at, l in err if l.split()[:1]
                and l.split()[0].decode("utf-8", "replace") in [x.label for x in provs]]
        check("progressive: the table has a row per model, in the order named", rows ==
              [x.label for x in provs], detail)
    finally:
        srv.close()


def test_failed_early(tmp):
    """A model that fails prints its block and error line when it fails."""
    provs = [Prov("slow", 300, 200, 14), Prov("bad", 20, 10, 10, extra="error_after=4")]
    slow, bad = provs
    srv = Server(tmp)
    try:
        cfg, home = config_and_home(tmp, "fe", srv.port, provs)
        out, err, rc, t_exit = run_stamped(["--compare", ",".join(x.label for x in provs),
                                            "-p", "fail fast"], cfg, home)
        detail = f"rc={rc} exit={t_exit:.3f}\nstdout:\n{text_of(out)}\nstderr:\n{text_of(err)}"
        check("failed: exit 1 (a request failed)", rc == 1, detail)
        heads = heads_of(out)
        check("failed: the failed model's block first", [h for _, h in heads] ==
              [bad.label, slow.label], detail)
        if len(heads) != 2:
            return
        t_slow = heads[1][0]
        line = [(at, l) for at, l in err if l.startswith(b"circuit: " + bad.label.encode() + b": ")]
        check("failed: its one error line, named, on stderr a second before slow ends",
              len(line) == 1 and line[0][0] + 1.0 <= t_slow, detail)
        check("failed: its block came out a second before slow ends",
              heads[0][0] + 1.0 <= t_slow, detail)
        blocks = blocks_of(out)
        check("failed: its block holds the text before the error",
              blocks.get(bad.label, "").strip() != "", detail)
    finally:
        srv.close()


def test_interrupted(tmp):
    """Ctrl-C once fast's block is out: slow's is printed as it stands,
    marked; the table and the closing line follow; exit 130."""
    # slow's first tokens are out long before fast (at ~0.5 s) ends.
    provs = [Prov("slow", 20, 150, 30), Prov("fast", 400, 10, 8)]
    slow, fast = provs
    srv = Server(tmp)
    try:
        cfg, home = config_and_home(tmp, "in", srv.port, provs)

        def fast_done(out):
            # fast's block, then its last line (the block ends with its reply).
            return any(h == fast.label for _, h in heads_of(out)) and len(out) >= 2
        out, err, rc, t_exit = run_stamped(
            ["--compare", ",".join(x.label for x in provs), "-p", "stop us"], cfg, home,
            signal_when=(signal.SIGINT, fast_done))
        detail = f"rc={rc} exit={t_exit:.3f}\nstdout:\n{text_of(out)}\nstderr:\n{text_of(err)}"
        check("interrupted: exit 130", rc == 130, detail)
        heads = heads_of(out)
        check("interrupted: fast's block, then slow's as it stood",
              [h for _, h in heads] == [fast.label, slow.label], detail)
        reply = (by_model(srv.requests(), provs)["slow"] or [{}])[0].get("reply")
        part = blocks_of(out).get(slow.label, "").strip()
        check("interrupted: slow's block holds a part of its reply, not all",
              reply is not None and part != "" and reply.startswith(part) and part != reply,
              repr((part, reply)) + detail)
        lines = [l.decode("utf-8", "replace") for _, l in err]
        mark = [i for i, l in enumerate(lines) if l == f"circuit: {slow.label}: interrupted; "
                "its text so far is above"]
        hdr = [i for i, l in enumerate(lines) if "ttft" in l and "tok/s" in l]
        check("interrupted: slow's block marked interrupted on stderr, then the table, then "
              "the closing line", len(mark) == 1 and len(hdr) == 1 and mark[0] < hdr[0]
              and lines[-1] == "circuit: interrupted; the text so far is kept", detail)
        check("interrupted: fast is not marked", not any(fast.label + ": interrupted" in l
                                                         for l in lines), detail)
    finally:
        srv.close()


def parse_lines(out):
    """[(t, obj or None, raw bytes)] for stdout's lines."""
    res = []
    for t, l in out:
        try:
            res.append((t, json.loads(l.decode("utf-8")), l))
        except (ValueError, UnicodeDecodeError):
            res.append((t, None, l))
    return res


def jsonl_checks(tag, out, labels, replies, detail):
    """What every --jsonl output holds, per label: lines parse, kinds known,
    t_ms never goes back, the text lines join into the reply, one "done"
    last with --json's figures. Returns {label: [(t, obj)]}."""
    lines = parse_lines(out)
    bad = [l for _, o, l in lines if not isinstance(o, dict)]
    check(f"{tag}: every stdout line is one JSON object", not bad and lines, repr(bad[:3]) + detail)
    per = {}
    for t, o, _ in lines:
        if isinstance(o, dict):
            per.setdefault(o.get("label"), []).append((t, o))
    check(f"{tag}: the labels are the models as named", sorted(per) == sorted(labels),
          repr(sorted(per, key=str)) + detail)
    kinds = {o.get("kind") for v in per.values() for _, o in v}
    check(f"{tag}: every kind is a documented one", kinds <= KINDS, repr(kinds))
    for lab in labels:
        v = per.get(lab, [])
        ts = [o.get("t_ms") for _, o in v]
        check(f"{tag} {lab}: t_ms an integer that never goes back",
              ts and all(isinstance(x, int) and x >= 0 for x in ts)
              and all(a <= b for a, b in zip(ts, ts[1:])), repr(ts))
        text = "".join(o.get("text", "") for _, o in v if o.get("kind") == "text")
        check(f"{tag} {lab}: the text lines join into the reply", text == replies.get(lab),
              repr((text, replies.get(lab))))
        check(f"{tag} {lab}: more than one text line (one per delta)",
              sum(o.get("kind") == "text" for _, o in v) > 1, repr([o for _, o in v][:3]))
        done = [o for _, o in v if o.get("kind") == "done"]
        check(f"{tag} {lab}: one done line, the last", len(done) == 1 and v[-1][1] is done[0],
              repr([o.get("kind") for _, o in v]))
        if done:
            d = done[0]
            check(f"{tag} {lab}: done carries --json's figures",
                  all(k in d for k in FIGURES) and d.get("outcome") == "ok"
                  and isinstance(d.get("ttft_ms"), int) and d.get("tokens_per_second")
                  and d.get("stop") == "stop", repr(d))
            check(f"{tag} {lab}: every line names the model and provider",
                  all(o.get("model") == d.get("model") and o.get("provider") == d.get("provider")
                      and isinstance(o.get("model"), str) and o.get("model") for _, o in v),
                  repr(v[:2]))
        stops = [o for _, o in v if o.get("kind") == "stop"]
        check(f"{tag} {lab}: a stop line before done", len(stops) == 1
              and stops[0].get("stop") == "stop", repr(stops))
    return per


def test_jsonl_compare(tmp):
    provs = three()
    slow, fast, mid = provs
    srv = Server(tmp)
    try:
        cfg, home = config_and_home(tmp, "jc", srv.port, provs)
        out, err, rc, t_exit = run_stamped(["--compare", ",".join(x.label for x in provs),
                                            "-p", "watch us", "--jsonl"], cfg, home)
        detail = f"\nrc={rc}\nstdout:\n{text_of(out)[:3000]}\nstderr:\n{text_of(err)}"
        check("jsonl compare: exit 0", rc == 0, detail)
        got = by_model(srv.requests(), provs)
        replies = {x.label: got[x.name][0]["reply"] for x in provs if got[x.name]}
        per = jsonl_checks("jsonl compare", out, [x.label for x in provs], replies, detail)
        if sorted(per, key=str) != sorted(x.label for x in provs):
            return
        done_at = {lab: [t for t, o in v if o.get("kind") == "done"] for lab, v in per.items()}
        order = sorted((ts[0], lab) for lab, ts in done_at.items() if ts)
        check("jsonl compare: the done lines come in the order the models end",
              [lab for _, lab in order] == [fast.label, mid.label, slow.label], repr(order))
        first_slow = [t for t, o in per[slow.label] if o.get("kind") == "text"]
        check("jsonl compare: lines are read as they happen: fast's done a second before "
              "slow's, slow's first text a second before its end",
              done_at[fast.label] and done_at[slow.label] and first_slow
              and done_at[fast.label][0] + 1.0 <= done_at[slow.label][0]
              and first_slow[0] + 1.0 <= done_at[slow.label][0], repr((done_at, first_slow[:1])))
        check("jsonl compare: no table on stderr (the done lines carry the figures)",
              not any(b"tok/s" in l for _, l in err), detail)
        sd = [o for _, o in per[slow.label] if o.get("kind") == "done"]
        check("jsonl compare: done's t_ms about slow's total_ms",
              sd and abs(sd[0]["t_ms"] - sd[0]["total_ms"]) <= 100, repr(sd))
    finally:
        srv.close()


def test_jsonl_terminated(tmp):
    """SIGTERM mid-stream: each model still ends with its done line,
    cancelled; exit 143."""
    provs = [Prov("slow", 100, 300, 20), Prov("fast", 20, 10, 8)]
    slow, fast = provs
    srv = Server(tmp)
    try:
        cfg, home = config_and_home(tmp, "jt", srv.port, provs)

        def slow_text(out):
            return any(b'"kind":"text"' in l and slow.label.encode() in l for _, l in out)
        out, err, rc, _ = run_stamped(
            ["--compare", ",".join(x.label for x in provs), "-p", "end us", "--jsonl"], cfg,
            home, signal_when=(signal.SIGTERM, slow_text))
        detail = f"\nrc={rc}\nstdout:\n{text_of(out)[:3000]}\nstderr:\n{text_of(err)}"
        check("jsonl terminated: exit 143", rc == 143, detail)
        lines = parse_lines(out)
        check("jsonl terminated: every line parses", lines and all(o for _, o, _ in lines), detail)
        done = {o.get("label"): o.get("outcome") for _, o, _ in lines
                if o and o.get("kind") == "done"}
        check("jsonl terminated: fast done ok, slow done cancelled",
              done == {fast.label: "ok", slow.label: "cancelled"}, repr(done))
        check("jsonl terminated: the closing line on stderr",
              err and err[-1][1] == b"circuit: terminated; the text so far is kept", detail)
    finally:
        srv.close()


def test_jsonl_single(tmp):
    """Without --compare: one model, the same lines; thinking has its kind."""
    provs = [Prov("one", 50, 20, 8, extra="thinking=4")]
    srv = Server(tmp)
    try:
        cfg, home = config_and_home(tmp, "js", srv.port, provs)
        out, err, rc, _ = run_stamped(["-m", provs[0].label, "-p", "just one", "--jsonl"], cfg,
                                      home)
        detail = f"\nrc={rc}\nstdout:\n{text_of(out)[:3000]}\nstderr:\n{text_of(err)}"
        check("jsonl single: exit 0", rc == 0, detail)
        got = by_model(srv.requests(), provs)
        replies = {provs[0].label: got["one"][0]["reply"] if got["one"] else None}
        per = jsonl_checks("jsonl single", out, [provs[0].label], replies, detail)
        v = per.get(provs[0].label, [])
        kinds = [o.get("kind") for _, o in v]
        check("jsonl single: thinking lines, before the text",
              "thinking" in kinds and kinds.index("thinking") < kinds.index("text"), repr(kinds))
        check("jsonl single: nothing on stderr", err == [], detail)
    finally:
        srv.close()


# Every byte a line must survive: escapes (CSI, OSC 52, OSC 2), BEL, a lone
# CR, CR LF, newlines, tab, quotes, backslashes, DEL, C1 (CSI 0x9b), NUL,
# U+2028/U+2029, bidi override and isolate, a JSON-looking tail.
HOSTILE = ("a\x1b[31mred\x1b[0m\x1b]52;c;cHduZWQ=\x07\x1b]2;title\x07 \"q\" \\ b\rc\r\nd\n"
           "e\tf\x7f\u009b2J\x00g\u2028h\u2029i\u202eevil\u2066j\"}\n{\"kind\":\"done\"}")


def test_jsonl_hostile(tmp):
    """The text scripted through OPENAI_BASE_URL: a config line holds 198
    bytes, too few for the text percent-encoded."""
    spec = "ttft_ms=10,pace_ms=5,tokens=12,text=" + urllib.parse.quote(HOSTILE, safe="")
    srv = Server(tmp)
    try:
        cfg = os.path.join(tmp, "config-jh")
        os.makedirs(cfg)
        home = os.path.join(tmp, "home-jh")
        os.makedirs(home)
        lab = "openai:m-evil"
        env = {"OPENAI_BASE_URL": f"{srv.base(spec)}/v1", "OPENAI_API_KEY": KEY}
        res = {}
        for mode in ("sanitised", "raw"):
            extra = ["--raw"] if mode == "raw" else []
            out, err, rc, _ = run_stamped(["-m", lab, "-p", "be bad", "--jsonl", *extra], cfg,
                                          home, env=env)
            detail = f"\nrc={rc}\nstdout:\n{text_of(out)[:3000]}\nstderr:\n{text_of(err)}"
            res[mode] = out
            lines = parse_lines(out)
            check(f"hostile {mode}: exit 0", rc == 0, detail)
            check(f"hostile {mode}: every line parses as one object",
                  lines and all(isinstance(o, dict) for _, o, _ in lines), detail)
            check(f"hostile {mode}: one done line, the last, for the one label",
                  lines and lines[-1][1] and lines[-1][1].get("kind") == "done"
                  and sum(1 for _, o, _ in lines if o and o.get("kind") == "done") == 1
                  and {o.get("label") for _, o, _ in lines if o} == {lab}, detail)
            raw_ctl = [l for _, _, l in lines
                       if any(b < 0x20 or b == 0x7f for b in l)
                       or any(c in l.decode("utf-8", "replace")
                              for c in "\u2028\u2029\u202e\u2066\u009b")]
            check(f"hostile {mode}: no line holds a raw control, DEL, C1, U+2028/9 or bidi "
                  "character (all escaped)", not raw_ctl, repr(raw_ctl[:3]))
        # Compare with the reply the server sent.
        reqs = srv.requests()
        reply = reqs[0].get("reply") if reqs else None
        joined = {m: "".join(o.get("text", "") for _, o, _ in parse_lines(res[m])
                             if o and o.get("kind") == "text") for m in res}
        check("hostile raw: the text lines join into the reply, byte for byte",
              reply is not None and joined["raw"] == reply, repr((joined["raw"], reply)))
        check("hostile sanitised: escapes made visible (␛), newlines kept, CR LF as LF",
              "\x1b" not in joined["sanitised"] and "␛[31mred" in joined["sanitised"]
              and "c\nd\n" in joined["sanitised"] and "\r" not in joined["sanitised"],
              repr(joined["sanitised"]))
        # --json's text is the same sanitised text.
        out, err, rc, _ = run_stamped(["-m", lab, "-p", "be bad", "--json"], cfg, home, env=env)
        try:
            doc = json.loads(b"\n".join(l for _, l in out))
            jtext = doc["models"][0]["text"]
        except (ValueError, KeyError, IndexError):
            jtext = None
        check("hostile sanitised: the text lines join into --json's text",
              jtext is not None and joined["sanitised"] == jtext,
              repr((joined["sanitised"], jtext)))
    finally:
        srv.close()


def test_usage(tmp):
    srv = Server(tmp)
    try:
        provs = [Prov("u", 0, 0, 4)]
        cfg, home = config_and_home(tmp, "us", srv.port, provs)
        out, err, rc, _ = run_stamped(["-m", provs[0].label, "-p", "x", "--json", "--jsonl"],
                                      cfg, home)
        check("usage: --json with --jsonl is bad usage (exit 2), stdout empty",
              rc == 2 and out == [], f"rc={rc} {text_of(out)}")
        check("usage: one line naming both, then the hint",
              len(err) == 2 and b"--json" in err[0][1] and b"--jsonl" in err[0][1]
              and err[0][1].startswith(b"circuit: ") and b"--help" in err[1][1], text_of(err))
        check("usage: nothing sent", srv.requests() == [], repr(srv.requests()))
    finally:
        srv.close()


def main():
    harness.require()
    tests = [("progressive", test_progressive), ("failed early", test_failed_early),
             ("interrupted", test_interrupted), ("jsonl compare", test_jsonl_compare),
             ("jsonl terminated", test_jsonl_terminated), ("jsonl single", test_jsonl_single),
             ("jsonl hostile", test_jsonl_hostile), ("usage", test_usage)]
    return harness.run_each_in_tmp(tests, "circuit-cs-")


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
