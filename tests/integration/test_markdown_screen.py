#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Markdown on the chat screen (issue 17): a reply streamed from the loopback
server shows rendered in a tmux pane (a heading without '#', a code block
without fences, with its label and colours read by capture-pane -e, a table
with box rules); /render raw shows the source again and /render md (and
Alt-r) switch back; the same reply resumed from the history (--resume) looks
as it did when it streamed; compare columns render too. Ends with "N passed,
N failed"."""
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.parse

import harness
from harness import BIN, ROOT, check, finish, skip

KEY = "sk-test-circuit-mdscreen"
REPLY = ("# Title here\n\nSome **bold** and *soft* words, `inline()` code.\n\n"
         "```python\ndef f(x):\n    return x + 1\n```\n\n"
         "- one\n- two\n\n| a | b |\n|---|---|\n| tokyo | 22 |\n\nThe end.\n")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def env(home, srv, scen):
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
            "TERM": "xterm-256color", "LANG": "C.UTF-8",
            "OPENAI_BASE_URL": srv.base(scen) + "/v1", "OPENAI_API_KEY": KEY}


def scenario(pace_ms=5, tokens=30):
    return f"tokens={tokens},pace_ms={pace_ms},text=" + urllib.parse.quote(REPLY, safe="")


def transcript(p):
    s = p.screen()
    return s, "\n".join(s.transcript)


def rendered(s):
    t = "\n".join(s.transcript)
    return "Title here" in t and "The end." in t and "# Title" not in t


def raw(s):
    t = "\n".join(s.transcript)
    return "# Title here" in t and "```python" in t


def reply_rows(s):
    """The transcript's rows from the reply's heading to its last line."""
    t = s.transcript
    a = next(i for i, l in enumerate(t) if "Title here" in l)
    b = next(i for i, l in enumerate(t) if "The end." in l)
    return [l.rstrip() for l in t[a:b + 1]]


def test_rendered(tm, home, srv):
    p = tm.pane(80, 40, env(home, srv, scenario()), ["-m", "gpt-4o"])
    p.wait_for(lambda s: s.rule is not None)
    p.send("hello")
    ok, s = p.wait_for(lambda s: rendered(s) and "streaming" not in str(s), timeout=15)
    check("rendered: the heading shows without '#'", ok, str(s))
    t = "\n".join(s.transcript)
    check("rendered: no code fence shown", "```" not in t, t)
    check("rendered: the code block is labelled python", "python" in t, t)
    check("rendered: the code's text is there", "def f(x):" in t and "return x + 1" in t, t)
    check("rendered: bold and inline code lose their markers",
          "**bold**" not in t and "`inline()`" not in t and "inline()" in t, t)
    check("rendered: the table has box rules", "│" in t and ("─" in t or "┼" in t), t)
    check("rendered: list items have bullets, not '- '",
          "- one" not in t and "one" in t, t)
    esc = "\n".join(p.capture(escapes=True))
    row = next((l for l in esc.split("\n") if "def" in l and "f(x)" in SGR.sub("", l)), "")
    check("rendered: the code line carries colour escapes", re.search(r"\x1b\[[0-9;]*3[0-9;]*m",
          row) is not None, repr(row))
    head = next((l for l in esc.split("\n") if "Title here" in SGR.sub("", l)), "")
    check("rendered: the heading is bold", re.search(r"\x1b\[[0-9;]*\b1[;m]", head) is not None,
          repr(head))
    streamed = reply_rows(s)

    p.send("/render raw")
    ok, s = p.wait_for(raw)
    check("/render raw: '#' and the fences are back", ok, str(s))
    p.send("/render md")
    ok, s = p.wait_for(rendered)
    check("/render md: rendered again", ok, str(s))
    check("/render md: the same rows as when it streamed", ok and reply_rows(s) == streamed,
          str(s))
    p.keys("M-r")
    ok, s = p.wait_for(raw)
    check("Alt-r: raw", ok, str(s))
    p.keys("M-r")
    ok, s = p.wait_for(rendered)
    check("Alt-r again: rendered", ok, str(s))
    p.send("/render bogus")
    ok, s = p.wait_for(lambda s: s.has("circuit: /render takes md or raw"))
    check("/render bogus: one error line", ok, str(s))
    ok, s = p.quit()
    check("rendered: quits with status 0", ok, str(s))

    # The same reply from the history looks as it did when it streamed.
    p = tm.pane(80, 40, env(home, srv, scenario()), ["--resume"])
    ok, s = p.wait_for(rendered, timeout=10)
    check("resume: the reply is rendered", ok, str(s))
    check("resume: the same rows as when it streamed", ok and reply_rows(s) == streamed,
          f"{streamed}\n{s}")
    p.send("/render raw")
    ok, s = p.wait_for(raw)
    check("resume: /render raw shows the stored source", ok, str(s))
    p.quit()


def test_compare(tm, home, srv):
    p = tm.pane(160, 40, env(home, srv, scenario()), ["-m", "gpt-4o", "--no-history"])
    p.wait_for(lambda s: s.rule is not None)
    p.send("/compare gpt-4o gpt-4o-mini")
    p.send("hello")
    ok, s = p.wait_for(lambda s: sum(l.count("The end.") for l in s.transcript) == 2 and
                       not s.has("streaming"), timeout=15)
    t = "\n".join(s.transcript)
    check("compare: both columns show the reply", ok, str(s))
    check("compare: rendered: headings without '#', no fences",
          "# Title" not in t and "```" not in t and t.count("Title here") == 2, str(s))
    p.send("/render raw")
    ok, s = p.wait_for(lambda s: sum(l.count("# Title here") for l in s.transcript) == 2)
    check("compare: /render raw shows the source in both columns", ok, str(s))
    p.quit()


def test_no_color(tm, home, srv):
    e = env(home, srv, scenario())
    e["NO_COLOR"] = "1"
    p = tm.pane(80, 40, e, ["-m", "gpt-4o", "--no-history"])
    p.wait_for(lambda s: s.rule is not None)
    p.send("hello")
    ok, s = p.wait_for(lambda s: rendered(s) and "streaming" not in str(s), timeout=15)
    check("NO_COLOR: rendered", ok, str(s))
    esc = p.capture(escapes=True)
    start = next((i for i, l in enumerate(esc) if "Title here" in SGR.sub("", l)), 0)
    body = "\n".join(esc[start:])
    colours = re.findall(r"\x1b\[([0-9;]*)m", body)
    bad = [c for c in colours if any(x in ("30", "31", "32", "33", "34", "35", "36", "37", "90")
                                     or x.startswith("38") for x in c.split(";"))]
    check("NO_COLOR: no colour in the reply", not bad, repr(bad[:5]))
    head = esc[start] if esc else ""
    check("NO_COLOR: the heading keeps bold", re.search(r"\x1b\[[0-9;]*\b1[;m]", head) is not None,
          repr(head))
    p.quit()


def main():
    if shutil.which("tmux") is None:
        return skip("tmux not found")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="circuit-mdscreen-") as tmp:
        with harness.tmux_and_server(tmp, "mdscreen") as (tm, srv):
            for name, fn in (("rendered", test_rendered), ("compare", test_compare),
                             ("nocolor", test_no_color)):
                home = os.path.join(tmp, name)
                os.mkdir(home)
                harness.guarded(name, fn, tm, home, srv)
    return finish(start)


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
