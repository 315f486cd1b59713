#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""/copy in tmux (issue 17): the last reply's Markdown and its code blocks
reach the clipboard by OSC 52 (tmux with set-clipboard on makes it a paste
buffer) or by a clipboard command (a fake xclip on PATH); clipboard = off
says so. Ends with "N passed, N failed"."""
import os
import stat
import sys
import tempfile
import urllib.parse

import harness
from harness import ROOT, check, finish, wait_until

KEY = "sk-test-circuit-copy"
BLOCK1 = "def f(x):\n    return x + 1\n"
BLOCK2 = "echo 'two' | tr a-z A-Z\n"
REPLY = ("# Two blocks\n\nFirst **this**:\n\n```python\n" + BLOCK1 + "```\n\nthen that:\n\n"
         "```sh\n" + BLOCK2 + "```\n\nDone. \u00e9\u6771\n")


class Server(harness.LoopbackServer):
    def __init__(self, tmp):
        super().__init__(tmp, max_seconds=300, idle_seconds=120)


def env(home, srv, **extra):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
         "XDG_CONFIG_HOME": os.path.join(home, "config"),
         "XDG_DATA_HOME": os.path.join(home, "data"), "TERM": "xterm-256color",
         "LANG": "C.UTF-8", "OPENAI_API_KEY": KEY,
         "OPENAI_BASE_URL": srv.base("tokens=12,text=" + urllib.parse.quote(REPLY, safe="")) + "/v1"}
    e.update(extra)
    return e


def write_config(home, text):
    d = os.path.join(home, "config", "circuit")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config"), "w") as f:
        f.write(text)


def start(tm, e, what):
    p = tm.pane(100, 40, e, ["-m", "gpt-4o"])
    ok, s = p.wait_for(lambda s: s.rule is not None and "gpt-4o" in s.status)
    check(f"{what}: startup", ok, str(s))
    p.send("hi")
    ok, s = p.wait_for(lambda s: s.has("Done.") and "▌" not in "".join(s.lines), timeout=10)
    check(f"{what}: the reply arrives", ok, str(s))
    return p


def copy(tm, p, command, said):
    """Sends command; the line that says it was done; the new buffers."""
    before = tm.buffers()
    p.send(command)
    ok, s = p.wait_for(lambda s: s.has(said), timeout=5)
    new = wait_until(lambda: [b for b in tm.buffers() if b not in before] or None, 3) or []
    return ok, s, new


def test_osc52(tm, home, srv):
    p = start(tm, env(home, srv), "osc52")
    ok, s, new = copy(tm, p, "/copy", "copied the last reply's Markdown")
    check("/copy: says what and how", ok and s.has("with OSC 52"), str(s))
    check("/copy: the exact Markdown in the tmux buffer", REPLY in new, repr(new))
    ok, s, new = copy(tm, p, "/copy code 1", "copied code block 1 of 2 (python, 2 lines)")
    check("/copy code 1: says which", ok, str(s))
    check("/copy code 1: the first block without its fences", new == [BLOCK1], repr(new))
    ok, s, new = copy(tm, p, "/copy code", "copied code block 2 of 2 (sh, 1 line)")
    check("/copy code: says which", ok, str(s))
    check("/copy code: the last block", new == [BLOCK2], repr(new))
    ok, s, new = copy(tm, p, "/copy code 9", "no code block 9 in the last reply: it has 2")
    check("/copy code 9: says there is none", ok and new == [], str(s) + repr(new))
    # Tab completes the word after /copy.
    p.text("/copy c")
    p.keys("Tab")
    ok, s = p.wait_for(lambda s: any("/copy code" in l for l in s.input))
    check("/copy c then Tab: completes code", ok, str(s))
    p.keys("C-u")
    ok, s = p.wait_for(lambda s: not s.has("EXITED") and s.rule is not None)
    check("osc52: circuit still runs, nothing of the escape on the screen",
          ok and not s.has("52;c;"), str(s))
    p.keys("C-d")


def test_off(tm, home, srv):
    write_config(home, "clipboard = off\n")
    p = start(tm, env(home, srv), "off")
    ok, s, new = copy(tm, p, "/copy", "/copy is off in the config")
    check("clipboard = off: /copy says it is off and copies nothing", ok and new == [],
          str(s) + repr(new))
    p.keys("C-d")


def test_command(tm, home, srv, tmp):
    write_config(home, "clipboard = command\n")
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir, exist_ok=True)
    got = os.path.join(tmp, "xclip-got")
    args = os.path.join(tmp, "xclip-args")
    fake = os.path.join(bindir, "xclip")
    with open(fake, "w") as f:
        f.write(f"#!/bin/sh\necho \"$@\" > '{args}'\ncat > '{got}.tmp'\nmv '{got}.tmp' '{got}'\n")
    os.chmod(fake, stat.S_IRWXU)
    e = env(home, srv, PATH=bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
            DISPLAY=":99")
    p = start(tm, e, "command")
    before = tm.buffers()
    ok, s, _ = copy(tm, p, "/copy code 1", "copied code block 1 of 2 (python, 2 lines) with xclip")
    check("clipboard = command: says xclip", ok, str(s))
    data = open(got).read() if os.path.exists(got) else None
    check("clipboard = command: xclip got the block on its stdin", data == BLOCK1, repr(data))
    a = open(args).read() if os.path.exists(args) else None
    check("clipboard = command: xclip -selection clipboard", a == "-selection clipboard\n", repr(a))
    check("clipboard = command: no OSC 52 as well", tm.buffers() == before, repr(tm.buffers()))
    p.keys("C-d")


def main():
    harness.require(tmux=True)
    with tempfile.TemporaryDirectory(prefix="circuit-copy-") as tmp:
        with harness.tmux_and_server(tmp, "copy", server=Server,
                                     conf_extra="set -g set-clipboard on\n") as (tm, srv):
            for i, (name, fn) in enumerate((("osc52", test_osc52), ("off", test_off),
                                            ("command", test_command))):
                home = os.path.join(tmp, f"home{i}")
                os.mkdir(home)
                harness.guarded(name, fn, tm, home, srv, *([tmp] if name == "command" else []))
    return finish()


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
