# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile servers at the HTTP level (issue 16, items 5b, 12, 13): error
bodies that trickle, never end or inflate without bound must stop at their
cap and within the timeouts; a redirect is never followed nor retried and
says where it points; a base URL with a query keeps the query at the end."""
import base64
import os
import shutil
import subprocess
import threading
import time
import zlib

import harness
from harness import BIN, check
from hostile import AttackServer, SENTINEL, env_for, http, openai_sse, private_home, sse_response

T_MS = 1000  # the first-byte and idle timeouts these cases set
ATTEMPTS = 3  # a 5xx is tried three times (two retries)
# Three attempts, each bounded by one timeout, and the backoff between them
# (at most 0.5 s and 1 s): generous, yet far below what the bugs took.
BOUND_S = ATTEMPTS * 3 * T_MS / 1000.0


def timed_run(args, env, timeout=120):
    """(status, stdout, stderr, seconds) of one run."""
    t0 = time.monotonic()
    p = subprocess.run([BIN, *args], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def rss_run(args, env, timeout=120):
    """(status, stderr, seconds, peak RSS in KiB) of one run. The peak is the
    child's own VmHWM, read from /proc while it runs: wait4's ru_maxrss
    would count this Python's own high-water mark, which a child inherits
    at fork and keeps through exec."""
    t0 = time.monotonic()
    p = subprocess.Popen([BIN, *args], env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def watch():
        while not done.is_set():
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            peak[0] = max(peak[0], int(line.split()[1]))
            except (OSError, ValueError):
                pass
            done.wait(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    done.set()
    watcher.join()
    return p.returncode, err, time.monotonic() - t0, peak[0]


def case_env(home, base, **extra):
    return env_for(home, OPENAI_API_KEY=SENTINEL, OPENAI_BASE_URL=base,
                   CIRCUIT_FIRST_BYTE_TIMEOUT_MS=str(T_MS), CIRCUIT_IDLE_TIMEOUT_MS=str(T_MS),
                   **extra)


def with_server(routes, fn, **kw):
    home = private_home()
    try:
        with AttackServer(routes, **kw) as srv:
            fn(srv, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def error_head(status, length, extra=()):
    """The head of an error response whose body follows in other steps."""
    reason = {400: "Bad Request", 500: "Internal Server Error"}[status]
    lines = [f"HTTP/1.1 {status} {reason}", "Content-Type: text/plain",
             f"Content-Length: {length}", *extra, "Connection: close"]
    return "\r\n".join(lines) + "\r\n\r\n"


def one_line(err):
    return err.count(b"\n") == 1 and err.endswith(b"\n")


def one_failure_line(err):
    """The failure is one line, after the attempts' [retry] lines."""
    lines = err.split(b"\n")
    return lines[-1] == b"" and sum(1 for l in lines[:-1] if b"[retry]" not in l) == 1


# ---- item 12: error bodies ------------------------------------------------

def test_error_body_trickle_ends_within_the_timeout():
    # 100 bytes a second, never a gap as long as the idle timeout: only a
    # bound on the whole error body ends it (the bug read it all: 60 s each).
    steps = [{"send": error_head(500, 6000)},
             {"trickle": "slow-error " * 545 + "x" * 5, "every_ms": 100, "bytes": 10}]

    def go(srv, home):
        rc, out, err, dt = timed_run(["-p", "hi", "-m", "gpt-4o"],
                                        case_env(home, srv.url("/v1")))
        n = len(srv.wait_requests(ATTEMPTS, timeout=2))
        check("net: a trickling 500 body ends within the timeouts",
              dt < BOUND_S, f"{dt:.1f} s, bound {BOUND_S:.1f} s")
        check("net: a trickling 500 is reported as HTTP 500 with what was read",
              rc == 1 and b"HTTP 500" in err and b"slow-error" in err and one_failure_line(err),
              repr((rc, err)))
        check("net: a trickling 500 is still retried (3 attempts)", n == ATTEMPTS, str(n))
    with_server({"/v1": steps}, go, max_seconds=90)


def test_error_body_that_never_ends_times_out():
    # A 400 (not retried) that promises 100000 bytes, sends 200, then holds.
    steps = [{"send": error_head(400, 100000) + "never-ending " * 15 + "xxxxx"},
             {"hold_ms": 60000}]

    def go(srv, home):
        rc, out, err, dt = timed_run(["-p", "hi", "-m", "gpt-4o"],
                                        case_env(home, srv.url("/v1")))
        check("net: an error body that never ends stops at the idle timeout",
              dt < 3 * T_MS / 1000.0, f"{dt:.1f} s")
        check("net: an error body that never ends is reported as HTTP 400 with its text",
              rc == 1 and b"HTTP 400" in err and b"never-ending" in err and one_line(err),
              repr((rc, err)))
    with_server({"/v1": steps}, go, max_seconds=90)


def test_error_head_without_a_body_times_out():
    # The head of a 500, then nothing: the first-byte timeout still ends
    # each attempt (nothing of the body ever came).
    steps = [{"send": error_head(500, 1000)}, {"hold_ms": 60000}]

    def go(srv, home):
        rc, out, err, dt = timed_run(["-p", "hi", "-m", "gpt-4o"],
                                     case_env(home, srv.url("/v1")))
        check("net: an error head whose body never comes ends within the timeouts",
              rc == 1 and dt < BOUND_S and one_failure_line(err), f"{dt:.1f} s {err!r}")
    with_server({"/v1": steps}, go, max_seconds=90)


def test_error_body_endless_at_full_speed_stops_at_the_cap():
    # A 400 sending 64 MiB as fast as it can, then nothing: reading stops
    # at 64 KiB, at once, without waiting for the idle timeout (the bug read
    # it all, then timed out, and retried the timeout twice).
    steps = [{"send": error_head(400, 128 << 20)}, {"repeat": "z" * 1024, "times": 65536},
             {"hold_ms": 60000}]

    def go(srv, home):
        rc, out, err, dt = timed_run(["-p", "hi", "-m", "gpt-4o"],
                                        case_env(home, srv.url("/v1")))
        check("net: a huge error body stops at its cap, before any timeout",
              rc == 1 and dt < T_MS / 1000.0 and b"HTTP 400" in err,
              f"{rc} {dt:.1f} s {err[:200]!r}")
        check("net: a huge error body is one line, not retried", one_line(err) and len(err) < 2000,
              repr(err[:300]))
    with_server({"/v1": steps}, go, max_seconds=90)


_BOMB = {}


def gzip_bomb():
    """1 GiB of zeros, gzip-compressed (about 1 MB); built once."""
    if "b" not in _BOMB:
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        zeros = b"\0" * (1 << 20)
        _BOMB["b"] = b"".join([c.compress(zeros) for _ in range(1024)] + [c.flush()])
    return _BOMB["b"]


def test_error_body_gzip_bomb_stops_at_the_cap():
    bomb = gzip_bomb()
    head = error_head(500, len(bomb), ("Content-Encoding: gzip",))
    steps = [{"send": head}, {"send_b64": base64.b64encode(bomb).decode()}]

    def go(srv, home):
        rc, err, dt, rss = rss_run(["-p", "hi", "-m", "gpt-4o"],
                                   case_env(home, srv.url("/v1")))
        n = len(srv.wait_requests(ATTEMPTS, timeout=2))
        check("net: a gzip-bomb error body ends fast at the cap (each of 3 attempts)",
              rc == 1 and dt < BOUND_S and n == ATTEMPTS, f"rc {rc}, {dt:.1f} s, {n} requests")
        check("net: a gzip-bomb error body keeps the memory small", rss < 64 * 1024,
              f"{rss} KiB")
        check("net: a gzip-bomb error body is one line naming HTTP 500",
              one_failure_line(err) and b"HTTP 500" in err, repr(err[:300]))
    with_server({"/v1": steps}, go, max_seconds=90)


# ---- item 13: redirects ---------------------------------------------------

def test_redirect_cases():
    home = private_home()
    try:
        redirect_case(home, 301, "https://user:hunter2@{host}/v1/chat/completions",
                      https_hint=True)
        redirect_case(home, 308, "https://{host}/v1/chat/completions", https_hint=True)
        # Relative, to a path of the same server that would answer 200.
        redirect_case(home, 302, "/elsewhere/chat/completions", https_hint=False)
        redirect_case(home, 307, None, https_hint=False)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def redirect_case(home, status, location, https_hint):
    # A plan is fixed before the server's port is known: an absolute
    # Location names port 9 (discard); circuit must not go there anyway.
    host = "127.0.0.1:9"
    headers = (("Location", location.format(host=host)),) if location else ()
    other = sse_response(openai_sse(["followed!"]))
    routes = {"/v1": [{"send": http(status, "", headers=headers)}], "/elsewhere": [{"send": other}]}

    def go(srv, home):
        rc, out, err, dt = timed_run(["-p", "hi", "-m", "gpt-4o"],
                                        case_env(home, srv.url("/v1")))
        reqs = srv.wait_requests(2, timeout=0.5)
        name = f"net: HTTP {status}"
        check(f"{name} is tried once, never followed nor retried",
              len(reqs) == 1 and reqs[0]["path"] == "/v1/chat/completions",
              repr([r["path"] for r in reqs]))
        check(f"{name} fails with one line and a non-zero status",
              rc == 1 and one_line(err) and out == b"", repr((rc, out, err)))
        check(f"{name} is not 'an empty body'", b"empty body" not in err, repr(err))
        if location:
            shown = location.format(host=host).replace("user:hunter2@", "").encode()
            check(f"{name} names where it points", shown in err, repr(err))
            check(f"{name} drops the location's userinfo", b"hunter2" not in err
                  and b"user:" not in err, repr(err))
        else:
            check(f"{name} without a Location says so", b"Location" in err, repr(err))
        hint = b"use https:// in OPENAI_BASE_URL" in err
        check(f"{name} hints http -> https exactly when that is the difference",
              hint == https_hint, repr(err))
    with_server(routes, go, max_seconds=60)


# ---- item 5b: a base URL with a query -------------------------------------

def test_base_url_query_kept_at_the_end():
    ok = sse_response(openai_sse(["azure says hi"]))

    def go(srv, home):
        base = srv.url("/openai/deployments/x?api-version=2024-10-21#frag")
        rc, out, err, dt = timed_run(["-p", "hi", "-m", "gpt-4o"], case_env(home, base))
        reqs = srv.requests()
        check("net: a base URL with a query streams the reply",
              rc == 0 and out == b"azure says hi\n", repr((rc, out, err)))
        check("net: the query goes after the path, the fragment nowhere",
              len(reqs) == 1 and reqs[0]["path"] == "/openai/deployments/x/chat/completions"
              and reqs[0]["query"] == "api-version=2024-10-21",
              repr([(r["path"], r["query"]) for r in reqs]))
    with_server({"/openai/deployments/x/chat/completions": [{"send": ok}]}, go, max_seconds=60)


def test_gemini_base_url_query_joined_with_ampersand():
    body = ('data: {"candidates":[{"content":{"parts":[{"text":"gem"}],"role":"model"},'
            '"finishReason":"STOP"}]}\r\n\r\n')
    ok = sse_response(body)

    def go(srv, home):
        env = env_for(home, GEMINI_API_KEY=SENTINEL,
                      GEMINI_BASE_URL=srv.url("/gw/?tenant=a%20b"))
        rc, out, err, dt = timed_run(["-p", "hi", "-m", "gemini-2.5-flash"], env)
        reqs = srv.requests()
        check("net: gemini with a query in its base URL streams",
              rc == 0 and out == b"gem\n", repr((rc, out, err)))
        check("net: gemini's alt=sse and the base URL's query are joined with &",
              len(reqs) == 1
              and reqs[0]["path"] == "/gw/v1beta/models/gemini-2.5-flash:streamGenerateContent"
              and reqs[0]["query"] == "alt=sse&tenant=a%20b",
              repr([(r["path"], r["query"]) for r in reqs]))
    with_server({"/gw/v1beta": [{"send": ok}]}, go, max_seconds=60)


CASES = [
    test_base_url_query_kept_at_the_end,
    test_gemini_base_url_query_joined_with_ampersand,
    test_redirect_cases,
    test_error_body_that_never_ends_times_out,
    test_error_head_without_a_body_times_out,
    test_error_body_endless_at_full_speed_stops_at_the_cap,
    test_error_body_trickle_ends_within_the_timeout,
    test_error_body_gzip_bomb_stops_at_the_cap,
]


if __name__ == "__main__":
    for c in CASES:
        c()
    raise SystemExit(harness.finish())
