#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Markdown in a shell (issue 17): circuit -p and --replay render a reply on
a terminal (a pty, and a tmux pane read cell by cell), write the exact text
to a pipe, and --render / --raw force either. Ends with "N passed, N failed"."""
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

import harness
from harness import BIN, check, finish

KEY = "sk-test-circuit-markdown"
REPLY = ("# Title here\n\nSome **bold** and *soft* words, `inline()` code, [docs](https://example.com/d).\n\n"
         "```python\ndef f(x):\n    return x + 1\n```\n\n"
         "- one\n- two\n\n| a | b |\n|---|---|\n| 東京 | 22 |\n| 1 | 🙂 |\n\nThe end.\n")
SGR = re.compile(r"\x1b\[[0-9;]*m")
HOME = tempfile.mkdtemp(prefix="circuit-markdown-")


def env(srv, scenario, **extra):
    e = {k: v for k, v in os.environ.items()
         if k not in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
                      "OPENAI_BASE_URL", "NO_COLOR", "COLUMNS")}
    e.update(HOME=HOME, XDG_DATA_HOME=os.path.join(HOME, "data"),
             XDG_CONFIG_HOME=os.path.join(HOME, "config"), LANG="C.UTF-8", LC_ALL="C.UTF-8",
             OPENAI_API_KEY=KEY, OPENAI_BASE_URL=srv.base(scenario) + "/v1", TERM="xterm-256color")
    e.update(extra)
    return e


def scenario(pace_ms=0, tokens=40):
    return f"tokens={tokens},pace_ms={pace_ms},text=" + urllib.parse.quote(REPLY, safe="")


def on_pty(args, e, timeout=20, cols=70):
    """Runs circuit with stdout and stderr on a pty of cols columns; what it wrote."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(BIN, [BIN, *args], e)
    import fcntl
    import struct
    import termios
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


def test_pipe_is_raw(srv):
    p = subprocess.run([BIN, "--no-history", "-m", "gpt-4o", "-p", "hi"], capture_output=True,
                       env=env(srv, scenario()), timeout=30)
    check("pipe: the exact text, as before", p.returncode == 0 and
          p.stdout.decode() == REPLY, repr(p.stdout[:200]))


def test_render_to_pipe(srv):
    p = subprocess.run([BIN, "--no-history", "-m", "gpt-4o", "--render", "-p", "hi"],
                       capture_output=True, env=env(srv, scenario(), COLUMNS="60"), timeout=30)
    out = p.stdout.decode()
    plain = SGR.sub("", out)
    check("--render: no fences, no ** markers, no # before the heading",
          p.returncode == 0 and "```" not in plain and "**" not in plain
          and not re.search(r"^#", plain, re.M), repr(plain))
    check("--render: the words and the code are there", "Title here" in plain and "bold" in plain
          and "def f(x):" in plain and "return x + 1" in plain and "The end." in plain, repr(plain))
    check("--render: styled with SGR (bold)", "\x1b[0;1" in out, repr(out[:300]))
    table = [l for l in plain.split("\n") if l[:1] in ("┌", "│", "├", "└")]
    check("--render: a table's rows line up, CJK and emoji counted as two columns",
          len(table) == 6 and len({harness.width(l) for l in table}) == 1, repr(table))
    check("--render: no line wider than the terminal",
          all(harness.width(l) <= 60 for l in plain.split("\n")), repr(plain))
    check("--render: no cursor movement off a terminal", "\x1b[J" not in out and "A\r" not in out,
          repr(out[:300]))
    check("--render: no OSC 8 hyperlink off a terminal", "\x1b]8" not in out, repr(out[:300]))
    p = subprocess.run([BIN, "--no-history", "-m", "gpt-4o", "--render", "--raw", "-p", "hi"],
                       capture_output=True, env=env(srv, scenario()), timeout=30)
    check("--render with --raw: bad usage, exit 2", p.returncode == 2 and b"--raw" in p.stderr,
          repr(p.stderr))


def test_pty_renders(srv):
    rc, out = on_pty(["--no-history", "-m", "gpt-4o", "-p", "hi"], env(srv, scenario()))
    plain = SGR.sub("", out)
    # The byte stream holds the open tail's provisional drawings ("**bo"
    # before its closing stars arrive); the tmux case reads the final screen.
    check("terminal: rendered by default", rc == 0 and "\x1b[0;1" in out
          and "Title here" in plain and "def f(x):" in plain
          and "```python" not in plain.split("\x1b[J")[-1], repr(out[-600:]))
    check("terminal: a link's text is an OSC 8 hyperlink circuit writes",
          "\x1b]8;;https://example.com/d\x1b\\docs\x1b]8;;\x1b\\" in out, repr(out[-600:]))
    rc, out = on_pty(["--no-history", "-m", "gpt-4o", "-p", "hi"],
                     env(srv, scenario(), NO_COLOR="1"))
    codes = [c for m in SGR.findall(out) for c in m[2:-1].split(";") if c]
    check("NO_COLOR: structure only (bold, italic, underline, dim), no colour",
          rc == 0 and "1" in codes and not any(c.isdigit() and (30 <= int(c) <= 37 or
                                                               90 <= int(c) <= 97) for c in codes),
          repr(sorted(set(codes))))
    rc, out = on_pty(["--no-history", "-m", "gpt-4o", "--raw", "-p", "hi"], env(srv, scenario()))
    check("--raw on a terminal: the text as it came", rc == 0 and "```python" in out
          and "**bold**" in out, repr(out[-300:]))


def test_tmux_paced(srv, tmp):
    """A paced stream in a tmux pane: the tail redrawn in place leaves each
    rendered line once on the screen, in order, with its colours."""
    if shutil.which("tmux") is None:
        print("skip: tmux not found")
        return
    tm = harness.Tmux(tmp, "md", home=HOME)
    try:
        e = env(srv, scenario(pace_ms=25, tokens=60))
        keep = {k: e[k] for k in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "LANG", "LC_ALL",
                                  "OPENAI_API_KEY", "OPENAI_BASE_URL", "TERM", "PATH")
                if k in e}
        p = tm.pane(70, 40, keep, ["--no-history", "-m", "gpt-4o", "-p", "hi"])
        ok, s = p.wait_for(lambda s: s.has("EXITED rc=0"), timeout=20)
        lines = [l.rstrip() for l in p.capture()]
        text = "\n".join(lines)
        check("tmux: the run ends", ok, text)
        for word in ("Title here", "def f(x):", "The end."):
            check(f"tmux: '{word}' shown exactly once", text.count(word) == 1, text)
        check("tmux: in order", text.find("Title here") < text.find("def f(x):")
              < text.find("The end."), text)
        check("tmux: no markers left", "```" not in text and "**" not in text, text)
        coloured = "\n".join(p.capture(escapes=True))
        check("tmux: the code has colour or style", "\x1b[" in coloured, coloured[:400])
    finally:
        tm.kill()


def test_replay(tmp):
    body = os.path.join(tmp, "reply.sse")
    import json
    with open(body, "w") as f:
        for piece in (REPLY[:20], REPLY[20:77], REPLY[77:]):
            f.write("data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": piece}}]})
                    + "\n\n")
        f.write('data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n')
    p = subprocess.run([BIN, "--replay", body, "--wire", "openai"], capture_output=True, timeout=20)
    check("replay to a pipe: the exact text", p.returncode == 0 and p.stdout.decode() == REPLY,
          repr(p.stdout[:200]))
    p = subprocess.run([BIN, "--replay", body, "--wire", "openai", "--render"],
                       capture_output=True, timeout=20)
    plain = SGR.sub("", p.stdout.decode())
    check("replay --render: rendered", p.returncode == 0 and "```" not in plain
          and "def f(x):" in plain, repr(plain))


def main():
    if not os.path.exists(BIN):
        return harness.skip(f"{BIN} not built")
    tmp = tempfile.mkdtemp(prefix="circuit-md-")
    try:
        with harness.LoopbackServer() as srv:
            test_pipe_is_raw(srv)
            test_render_to_pipe(srv)
            test_pty_renders(srv)
            test_tmux_paced(srv, tmp)
        test_replay(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(HOME, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
