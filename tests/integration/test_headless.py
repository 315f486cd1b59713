#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""circuit -p / stdin, the real binary: offline mock, every provider against
the loopback server in tests/server/, faults, --compare, --json, --record,
--debug, and the sentinel key. Ends with "N passed, N failed"."""
import json
import os
import pty
import re
import select
import subprocess
import tempfile
import time

import harness
from harness import BIN, ROOT, check, finish

SENTINEL = "sk-SENTINEL-circuit-0123456789"
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
            "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL", "OLLAMA_HOST")



# The runs' own HOME and XDG dirs: a user's config must not steer them, and
# their history must not land in the user's file.
PRIVATE = tempfile.mkdtemp(prefix="circuit-headless-")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env.update(HOME=PRIVATE, XDG_CONFIG_HOME=os.path.join(PRIVATE, "config"),
               XDG_DATA_HOME=os.path.join(PRIVATE, "data"),
               XDG_STATE_HOME=os.path.join(PRIVATE, "state"),
               XDG_CACHE_HOME=os.path.join(PRIVATE, "cache"))
    env.update(extra)
    return env


def run(args, env=None, stdin=None, timeout=60):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, timeout=timeout,
                       env=env if env is not None else clean_env())
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def one_line(err):
    lines = [l for l in err.splitlines() if l.strip()]
    return len(lines) == 1 and lines[0].startswith("circuit: ")


# ---- offline: mock ---------------------------------------------------------

def test_mock():
    rc, out, err = run(["-p", "hello there"])
    check("no key: mock answers", rc == 0 and "mock" in out and "hello there" in out, repr((rc, err)))
    check("mock explains the keys", "OPENAI_API_KEY" in out and "ANTHROPIC_API_KEY" in out)
    rc2, out2, _ = run(["-p", "hello there"])
    check("mock is deterministic", out2 == out)
    rc, out, err = run(["-m", "mock-fast"], stdin=b"from stdin\n")
    check("prompt from stdin", rc == 0 and "from stdin" in out, repr((rc, out[:80], err)))
    rc, out, err = run(["-m", "mock-fast", "-p", "x", "--json"])
    doc = json.loads(out)
    m = doc["models"][0]
    check("--json shape", rc == 0 and m["model"] == "mock-fast" and m["provider"] == "mock"
          and m["stop"] == "stop" and m["error"] is None and m["usage"]["output"] > 0, repr(m)[:300])
    check("--json timings ordered", 0 <= m["ttfb_ms"] <= m["ttft_ms"] <= m["total_ms"] and
          m["ttfo_ms"] == m["ttft_ms"] and m["tokens_per_second"] > 0, repr(m))


def test_mock_pacing():
    # mock: first token 150-400 ms, 30-80 tok/s (net/mock.h).
    rc, out, err = run(["-m", "mock", "-p", "pacing", "--json"])
    m = json.loads(out)["models"][0]
    check("mock first token 150-400 ms", 140 <= m["ttft_ms"] <= 500, repr(m["ttft_ms"]))
    check("mock rate 30-80 tok/s", 25 <= m["tokens_per_second"] <= 90, repr(m["tokens_per_second"]))


def test_usage_errors():
    rc, out, err = run(["-p", "x", "-m", "llama3"])
    check("unknown model exit 2", rc == 2 and one_line(err) and "ollama:llama3" in err, repr((rc, err)))
    rc, out, err = run(["-p", "x", "-m", "gpt-4o"])
    check("missing key exit 1 names the variable", rc == 1 and one_line(err) and "OPENAI_API_KEY" in err,
          repr((rc, err)))
    rc, out, err = run(["-p", ""])
    check("empty prompt exit 2", rc == 2 and one_line(err), repr((rc, err)))
    rc, out, err = run(["-p", "x", "-m", "mock", "--compare", "mock,mock-fast"])
    check("-m with --compare exit 2", rc == 2, repr((rc, err)))
    rc, out, err = run(["--compare", ",,", "-p", "x"])
    check("empty --compare exit 2", rc == 2, repr((rc, err)))


def test_flaky():
    # mock-flaky has outages: in every 9 attempts of a session, 3 in a row
    # fail. Nine columns at once, no retries: exactly 3 fail, 6 answer,
    # and each failure is one clear line.
    with tempfile.TemporaryDirectory() as home:
        os.makedirs(os.path.join(home, "circuit"))
        with open(os.path.join(home, "circuit", "config"), "w") as f:
            f.write("max_retries = 0\n")
        rc, out, err = run(["--compare", ",".join(["mock-flaky"] * 9), "-p", "outage", "--json"],
                           env=clean_env(XDG_CONFIG_HOME=home))
    ms = json.loads(out)["models"]
    errors = [m for m in ms if m["error"] is not None]
    check("mock-flaky: 3 of 9 attempts fail, 6 answer", rc == 1 and len(ms) == 9 and len(errors) == 3,
          repr([m["error"] and m["error"]["kind"] for m in ms]))
    check("mock-flaky failures are overloaded or cut mid-reply",
          all(e["error"]["kind"] in ("overloaded", "server") for e in errors), repr(errors)[:300])


def test_compare_mock_concurrent():
    # Three identical streams take about as long as one when they run at once.
    start = time.monotonic()
    rc, out, err = run(["--compare", "mock,mock,mock", "-p", "race", "--json"])
    wall = (time.monotonic() - start) * 1000
    totals = [m["total_ms"] for m in json.loads(out)["models"]]
    check("compare runs concurrently", rc == 0 and wall < 1.6 * max(totals),
          f"wall {wall:.0f} ms, totals {totals}")
    rc, out, err = run(["--compare", "mock-fast,mock-fast", "-p", "race"])
    check("compare labelled blocks", out.count("── mock:mock-fast ──") == 2, out[:200])
    check("compare metrics table", re.search(r"^model\s+ttfb\s+ttft", err, re.M) is not None, err)


def test_sanitised_and_raw():
    rc, out, err = run(["-m", "mock-fast", "-p", "esc \x1b]52;c;aGk=\x07 x"])
    check("prompt control bytes never echo raw", "\x1b" not in out and "\x07" not in out, repr(out[:200]))



# ---- against the loopback server ---------------------------------------------

class Server(harness.LoopbackServer):
    """The loopback server in a temporary folder, which also holds a config
    of no retries (XDG_CONFIG_HOME for env())."""

    def __init__(self):
        super().__init__(max_seconds=600, idle_seconds=120)
        self.config_home = os.path.join(self.dir, "config")
        os.makedirs(os.path.join(self.config_home, "circuit"))
        with open(os.path.join(self.config_home, "circuit", "config"), "w") as f:
            f.write("max_retries = 0\n")

    def env(self, scenario="", key=SENTINEL, **extra):
        # No retries here: each fault shows its one line at once (the
        # retry and fallback rules have their own suite, test_router.py).
        b = self.base(scenario)
        return clean_env(OPENAI_BASE_URL=b + "/v1", OPENAI_API_KEY=key, ANTHROPIC_BASE_URL=b,
                         ANTHROPIC_API_KEY=key, GEMINI_BASE_URL=b, GEMINI_API_KEY=key,
                         OLLAMA_HOST=b, XDG_CONFIG_HOME=self.config_home, **extra)


PROVIDERS = [("gpt-4o", "openai"), ("claude-sonnet-4-5", "anthropic"),
             ("gemini-2.5-flash", "google"), ("ollama:llama3.2", "ollama")]


def test_providers(srv):
    for model, prov in PROVIDERS:
        rc, out, err = run(["-p", "hi", "-m", model, "-s", "be brief"], env=srv.env())
        req = srv.requests()[-1]
        check(f"{prov} streams exactly the server's text", rc == 0 and out == req["reply"] + "\n",
              repr((rc, out[:100], req["reply"][:100], err)))
        hdrs = req["headers"]
        url = req["path"] + "?" + json.dumps(req.get("query"))
        check(f"{prov} key never in the URL", SENTINEL not in url and not req["key_in_query"], url)
        if prov == "openai":
            ok = hdrs.get("authorization") == "Bearer " + SENTINEL and req["body"]["messages"][0] == \
                {"role": "system", "content": "be brief"} and req["body"]["stream"] is True
        elif prov == "anthropic":
            ok = hdrs.get("x-api-key") == SENTINEL and hdrs.get("anthropic-version") == "2023-06-01" \
                and req["body"]["system"] == "be brief" and req["body"]["max_tokens"] > 0
        elif prov == "google":
            ok = hdrs.get("x-goog-api-key") == SENTINEL and req["query"].get("alt") in ("sse", ["sse"]) and \
                req["body"]["systemInstruction"]["parts"][0]["text"] == "be brief" and \
                req["body"]["contents"][0]["role"] == "user"
        else:
            ok = "authorization" not in hdrs and req["body"]["messages"][0]["role"] == "system"
        check(f"{prov} request shape", ok, json.dumps(req)[:400])
        rc, out, err = run(["-p", "hi", "-m", model, "--json"], env=srv.env())
        m = json.loads(out)["models"][0]
        check(f"{prov} --json usage and stop", m["usage"] is not None and m["stop"] and m["error"] is None
              and m["ttft_ms"] is not None, repr(m)[:300])


def test_faults(srv):
    for model, prov in PROVIDERS:
        cases = [
            ("status=429,retry_after=7", 1, "Try again in 7s"),
            ("status=500", 1, "Try again shortly"),
            ("status=503", 1, "Try again shortly"),
            ("drop_after=3", 1, "cut short"),
            ("error_after=3", 1, None),
            ("malformed_at=2", 0, None),
            ("bad_utf8_at=2", 0, None),
            ("crlf=1,keepalive=1", 0, None),
            ("thinking=3", 0, None),
        ]
        for scen, want_rc, phrase in cases:
            rc, out, err = run(["-p", "hi", "-m", model], env=srv.env(scen))
            ok = rc == want_rc
            if want_rc:
                ok = ok and one_line([l for l in err.splitlines() if l.startswith("circuit:")] and
                                     "\n".join(l for l in err.splitlines() if l.startswith("circuit:")) or err)
                ok = ok and (phrase is None or phrase in err)
            check(f"{prov} {scen}", ok, repr((rc, out[:80], err[-300:])))
            if scen.startswith(("drop_after", "error_after")):
                check(f"{prov} {scen} keeps partial text", len(out.strip()) > 0, repr(out))
            if scen.startswith("bad_utf8"):
                check(f"{prov} bad utf8 becomes U+FFFD", "\ufffd" in out, repr(out[:200]))
        rc, out, err = run(["-p", "hi", "-m", model], env=srv.env(key="bad-key"))
        var = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "google": "GEMINI_API_KEY"}.get(prov)
        if var:
            check(f"{prov} bad key names {var}", rc == 1 and var in err and "bad-key" not in err, repr(err))


def test_timeouts(srv):
    env = srv.env("stall_after=2,stall_ms=3000", CIRCUIT_IDLE_TIMEOUT_MS="500")
    t = time.monotonic()
    rc, out, err = run(["-p", "hi", "-m", "gpt-4o"], env=env)
    dt = time.monotonic() - t
    check("idle timeout ends a stalled stream", rc == 1 and "quiet" in err and out.strip() and dt < 2.5,
          repr((rc, dt, err)))
    check("idle timeout: the message says the timeout as set (0.5 s, not 0 s)",
          "quiet for 0.5 s" in err, repr(err))
    env = srv.env("ttfb_ms=3000", CIRCUIT_FIRST_BYTE_TIMEOUT_MS="500")
    rc, out, err = run(["-p", "hi", "-m", "claude-sonnet-4-5"], env=env)
    check("first-byte timeout", rc == 1 and "no response within 0.5 s" in err, repr((rc, err)))
    env = clean_env(OPENAI_BASE_URL="http://127.0.0.1:1/v1", OPENAI_API_KEY="k",
                    XDG_CONFIG_HOME=srv.config_home)
    rc, out, err = run(["-p", "hi", "-m", "gpt-4o"], env=env)
    check("connection refused is one line naming the base URL variable",
          rc == 1 and one_line(err) and "OPENAI_BASE_URL" in err, repr((rc, err)))


def max_rss_kb(args, env, stop_after=None):
    """Runs circuit, returns (rc, max RSS in KiB); stop_after s: SIGTERM then."""
    proc = subprocess.Popen([BIN, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if stop_after is not None:
        time.sleep(stop_after)
        proc.terminate()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.read()
    return proc.returncode, usage.ru_maxrss


def test_huge_and_endless(srv):
    rc, rss = max_rss_kb(["-p", "hi", "-m", "gpt-4o"], srv.env("huge_line_mb=100"))
    check("100 MB line: exit 1, RSS bounded", rc == 1 and rss < 48 * 1024, f"rc={rc} rss={rss} KiB")
    rc, rss = max_rss_kb(["-p", "hi", "-m", "claude-sonnet-4-5"], srv.env("endless=1,pace_ms=1"),
                         stop_after=3)
    check("endless stream: RSS bounded", rss < 48 * 1024, f"rc={rc} rss={rss} KiB")


def test_compare_eight(srv):
    models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-flash",
              "gemini-2.5-pro", "ollama:llama3.2", "ollama:qwen3"]
    rc, out, err = run(["--compare", ",".join(models), "-p", "race", "--json"],
                       env=srv.env("pace_ms=40,tokens=15"))
    ms = json.loads(out)["models"]
    check("compare 8: all succeed", rc == 0 and len(ms) == 8 and all(m["error"] is None for m in ms),
          repr([m["error"] for m in ms]))
    first = max(m["ttft_ms"] for m in ms)
    last = min(m["total_ms"] for m in ms)
    check("compare 8: all start before any ends", first < last, f"max ttft {first}, min total {last}")


def test_sentinel_nowhere(srv):
    with tempfile.TemporaryDirectory() as tmp:
        dbg = os.path.join(tmp, "debug.log")
        rec = os.path.join(tmp, "rec")
        outs = []
        for model, prov in PROVIDERS:
            for scen in ("", "status=401", "error_after=2"):
                rc, out, err = run(["-p", "hi", "-m", model, "--debug", dbg, "--record", rec],
                                   env=srv.env(scen))
                outs += [out, err]
        rc, out, err = run(["--compare", "gpt-4o,claude-sonnet-4-5", "-p", "hi", "--json"], env=srv.env())
        outs += [out, err]
        with open(dbg, encoding="utf-8", errors="replace") as f:
            log = f.read()
        records = ""
        for name in os.listdir(rec):
            with open(os.path.join(rec, name), encoding="utf-8", errors="replace") as f:
                records += f.read()
        check("sentinel absent from stdout and stderr", all(SENTINEL not in o for o in outs))
        check("sentinel absent from the debug log", SENTINEL not in log and "[redacted]" in log,
              log[:300])
        check("debug log has URL, status and timings", "request openai:gpt-4o http://127.0.0.1" in log
              and "status=200" in log and "ttft=" in log)
        check("records written, sentinel absent", len(os.listdir(rec)) >= 12 and SENTINEL not in records)
        mode = os.stat(dbg).st_mode & 0o777
        check("debug log is 0600", mode == 0o600, oct(mode))


def test_record_replays(srv):
    with tempfile.TemporaryDirectory() as tmp:
        rc, out, err = run(["-p", "hi", "-m", "claude-sonnet-4-5", "--record", tmp], env=srv.env())
        files = os.listdir(tmp)
        rc2, out2, err2 = run(["--replay", os.path.join(tmp, files[0]), "--wire", "anthropic"])
        check("--record replays to the same text", rc == 0 and rc2 == 0 and out2 == out, repr((out, out2)))


def run_tty_stderr(args, env, timeout=30):
    """circuit with stderr on a terminal (a pty) and stdout a pipe, as in
    `circuit -p Q > answer.txt`: (status, stdout, stderr as the terminal got it)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([BIN, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=slave, env=env)
    os.close(slave)
    err = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    out = p.stdout.read()
    p.stdout.close()
    try:
        rc = p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def test_colour(srv):
    """Thinking on a terminal's stderr is dimmed, unless --no-color or a
    non-empty NO_COLOR (no-color.org: an empty one does not count); -p and
    --replay alike."""
    dim = "\x1b[2m"
    fixture = os.path.join(ROOT, "tests", "fixtures", "streams", "anthropic_thinking.sse")
    for what, base in (("-p", ["-p", "hi", "-m", "claude-sonnet-4-5"]),
                       ("--replay", ["--replay", fixture, "--wire", "anthropic"])):
        for extra_args, extra_env, want in (([], {}, True), (["--no-color"], {}, False),
                                            ([], {"NO_COLOR": "1"}, False),
                                            ([], {"NO_COLOR": ""}, True)):
            env = srv.env("thinking=2,tokens=4")
            env.pop("NO_COLOR", None)
            env.update(extra_env)
            rc, out, err = run_tty_stderr(base + extra_args, env)
            name = f"{what} {' '.join(extra_args) or ''}{extra_env or ''}".strip()
            check(f"colour: {name}: thinking {'dimmed' if want else 'plain'} on the terminal",
                  rc == 0 and out and (dim in err) == want and
                  (want or "\x1b[" not in err), repr((rc, out[:60], err[:200])))


def main():
    if not os.path.exists(BIN):
        print(f"no binary at {BIN}")
        check("binary exists", False, BIN)
        return finish()
    test_mock()
    test_mock_pacing()
    test_usage_errors()
    test_flaky()
    test_compare_mock_concurrent()
    test_sanitised_and_raw()
    with Server() as srv:
        test_providers(srv)
        test_faults(srv)
        test_timeouts(srv)
        test_huge_and_endless(srv)
        test_compare_eight(srv)
        test_sentinel_nowhere(srv)
        test_record_replays(srv)
        test_colour(srv)
    return finish()


if __name__ == "__main__":
    harness.exit_after(main, PRIVATE)
