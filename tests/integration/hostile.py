# SPDX-License-Identifier: GPL-3.0-or-later
"""What the hostile suites share: the attack server (tests/server/attack.py)
with a plan, response builders for the bytes a hostile provider sends, and
runs of the real binary in a private HOME with the sentinel key."""
import json
import os
import subprocess
import sys
import tempfile
import time

from harness import BIN, ROOT

ATTACK = os.path.join(ROOT, "tests", "server", "attack.py")
SENTINEL = "sk-SENTINEL-hostile-0123456789"
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
            "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL", "OLLAMA_HOST",
            "NO_COLOR")
ESC = "\x1b"
# What a hostile field carries: an OSC 52 clipboard write, an OSC 2 title,
# a CSI, an 8-bit CSI (C1), DEL, and a right-to-left override.
OSC52 = ESC + "]52;c;SEVMTE8=\x07"
TITLE = ESC + "]2;pwned-title\x07"
BIDI = "\u202e"
NASTY = OSC52 + TITLE + ESC + "[31m" + "\u009b" + "2J" + "\x7f" + BIDI + "evil"


def private_home():
    """A fresh HOME with its own XDG folders; the caller removes it."""
    return tempfile.mkdtemp(prefix="circuit-hostile-")


def env_for(home, **extra):
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
               XDG_DATA_HOME=os.path.join(home, "data"),
               XDG_STATE_HOME=os.path.join(home, "state"),
               XDG_CACHE_HOME=os.path.join(home, "cache"), LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.update(extra)
    return env


def run(args, env, stdin=None, timeout=60):
    """The binary's (status, stdout bytes, stderr bytes)."""
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr


def clean_bytes(b):
    """True when b holds no byte a terminal acts on: nothing below 0x20 but
    newline and tab, no DEL, no C1 (8-bit or UTF-8 encoded), no bidi override."""
    if any((c < 0x20 and c not in (0x0A, 0x09)) or c == 0x7F for c in b):
        return False
    s = b.decode("utf-8", "replace")
    return not any(0x80 <= ord(ch) <= 0x9F or ch in "\u202a\u202b\u202c\u202d\u202e"
                   "\u2066\u2067\u2068\u2069" for ch in s)


def http(status, body=b"", headers=(), reason=None, chunked=False):
    """One whole HTTP/1.1 response as text for a plan step ("send")."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    reason = reason if reason is not None else {200: "OK", 301: "Moved Permanently",
                                                 302: "Found", 401: "Unauthorized",
                                                 500: "Internal Server Error"}.get(status, "X")
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        payload = (b"%x\r\n" % len(body) + body + b"\r\n" if body else b"") + b"0\r\n\r\n"
    else:
        lines.append(f"Content-Length: {len(body)}")
        payload = body
    lines.append("Connection: close")
    return "\r\n".join(lines) + "\r\n\r\n" + payload.decode("latin-1")


def openai_sse(texts, finish_reason="stop", model="gpt-x", usage=True):
    """An OpenAI Chat Completions stream body (text) whose fields a test
    chooses; json.dumps escapes controls the way a real server would."""
    ev = []
    base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": model}
    for t in texts:
        ev.append(dict(base, choices=[{"index": 0, "delta": {"content": t},
                                       "finish_reason": None}]))
    ev.append(dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": finish_reason}]))
    if usage:
        ev.append(dict(base, choices=[], usage={"prompt_tokens": 3, "completion_tokens": 2,
                                               "total_tokens": 5}))
    out = "".join("data: " + json.dumps(e) + "\n\n" for e in ev) + "data: [DONE]\n\n"
    return out


def sse_response(body_text, headers=()):
    """A 200 text/event-stream response around an SSE body (str)."""
    return http(200, body_text.encode("utf-8"),
                headers=(("Content-Type", "text/event-stream"),) + tuple(headers))


class AttackServer:
    """tests/server/attack.py serving plan (routes: prefix -> steps) on a
    free loopback port; stops by itself, and at close()."""

    def __init__(self, routes, max_seconds=120, idle_seconds=60):
        self.dir = tempfile.mkdtemp(prefix="circuit-attack-")
        self.log = os.path.join(self.dir, "requests.jsonl")
        plan = os.path.join(self.dir, "plan.json")
        with open(plan, "w", encoding="utf-8") as f:
            json.dump({"routes": [{"prefix": p, "steps": s} for p, s in routes.items()]}, f)
        self.proc = subprocess.Popen([sys.executable, ATTACK, "--plan", plan, "--log", self.log,
                                      "--max-seconds", str(max_seconds),
                                      "--idle-seconds", str(idle_seconds)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"attack server did not start: {line!r}")
        self.port = int(line.split()[1])

    def url(self, prefix):
        return f"http://127.0.0.1:{self.port}{prefix}"

    def requests(self):
        try:
            with open(self.log, encoding="utf-8") as f:
                return [json.loads(l) for l in f if l.endswith("\n")]
        except FileNotFoundError:
            return []

    def wait_requests(self, n, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            r = self.requests()
            if len(r) >= n or time.monotonic() >= deadline:
                return r
            time.sleep(0.05)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
