#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""$EDITOR on the chat screen (issue 18): Ctrl-X Ctrl-E and /edit, the real
binary in tmux with a scripted editor (VISUAL) against the loopback server.

The editor is a shell script that does what a file named "mode" in its
folder says: append a line, replace the text, fail, or wait while the test
resizes the window. Each run records what it saw (TERM, the terminal's
modes, O_NONBLOCK, the file's path and mode). Asserted: the input line shows
the edited text and nothing is sent until Enter; Enter sends exactly that
text; the screen is whole after (rule, status bar), also after a resize
during the edit; the temporary file is gone; a failing or missing editor
leaves the line as it was and says so. Ends with "N passed, N failed"."""
import json
import os
import stat
import tempfile
import time

import harness
from harness import check, finish, wait_until, width

KEY = "sk-test-circuit-editor"
RULE = harness.RULE

EDITOR = r"""#!/bin/sh
d=$(dirname "$0")
for f; do :; done
mode=$(cat "$d/mode")
{
  echo "TERM=$TERM"
  echo "FILE=$f"
  echo "MODE=$(stat -c %a "$f")"
  echo "TEXT=$(cat "$f")"
  echo "STTY=$(stty -a | tr '\n' ' ')"
  python3 -c 'import fcntl,os; print("NONBLOCK=%d" % bool(fcntl.fcntl(0, fcntl.F_GETFL) & os.O_NONBLOCK))'
} > "$d/seen.tmp"
mv "$d/seen.tmp" "$d/seen"
case "$mode" in
append) printf '\nsecond line\n' >> "$f" ;;
replace) printf 'from the editor\n' > "$f" ;;
fail) printf 'changed\n' > "$f"; exit 1 ;;
resize)
  : > "$d/editing"
  n=0
  while [ ! -e "$d/go" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
  rm -f "$d/editing" "$d/go"
  printf 'after the resize\n' > "$f" ;;
esac
"""


class Screen(harness.Screen):
    def labels(self, label):
        """Transcript rows that are label lines of label ("you", "gpt-4o")."""
        return [i for i, l in enumerate(self.transcript)
                if l == label or l.startswith(label + "  ")]


class Editor:
    """The scripted editor and its folder."""

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "editor")
        os.makedirs(self.dir, exist_ok=True)
        self.path = os.path.join(self.dir, "edit")
        with open(self.path, "w") as f:
            f.write(EDITOR)
        os.chmod(self.path, stat.S_IRWXU)

    def mode(self, m):
        with open(os.path.join(self.dir, "mode"), "w") as f:
            f.write(m + "\n")
        for name in ("seen", "editing", "go"):
            try:
                os.unlink(os.path.join(self.dir, name))
            except FileNotFoundError:
                pass

    def seen(self, timeout=5.0):
        """What the last run recorded, as a dict (None when it did not run)."""
        p = os.path.join(self.dir, "seen")
        if not wait_until(lambda: os.path.exists(p), timeout):
            return None
        out = {}
        with open(p) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                if k in out:
                    out[k] += "\n" + line.rstrip("\n")
                elif k.isupper():
                    out[k] = v
        return out


def env(home, srv, tmpdir, visual):
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, "config"),
            "XDG_DATA_HOME": os.path.join(home, "data"), "TERM": "xterm-256color",
            "LANG": "C.UTF-8", "OPENAI_API_KEY": KEY, "TMPDIR": tmpdir, "VISUAL": visual,
            "EDITOR": "/nonexistent/not-this-one",
            "OPENAI_BASE_URL": srv.base("tokens=3") + "/v1"}


def whole(s, cols, model="gpt-4o"):
    """The screen laid out whole: a full rule, the input pane under it, the
    status bar naming the model last, no row wider than the pane."""
    return (s.rule is not None and s.lines[s.rule] == RULE * cols and s.input
            and s.input[0].startswith(">") and model in s.status
            and all(width(l) <= cols for l in s.lines))


def input_text(s):
    """The input pane's rows joined by newlines, the prompt taken off."""
    rows = [l.rstrip() for l in s.input]
    if rows and rows[0].startswith(">"):
        rows[0] = rows[0][2:]
    while rows and rows[-1] == "":
        rows.pop()
    return "\n".join(rows)


def last_user(req):
    msgs = (req or {}).get("body", {}).get("messages", [])
    return msgs[-1].get("content") if msgs else None


def temp_left(tmpdir):
    return [n for n in os.listdir(tmpdir) if n.startswith("circuit-edit-")]


def test_ctrl_x_ctrl_e(tm, ed, home, srv, tmpdir):
    cols, rows = 90, 24
    p = tm.pane(cols, rows, env(home, srv, tmpdir, ed.path), ["-m", "gpt-4o"])
    ok, s = p.wait_for(lambda s: whole(s, cols))
    check("startup", ok, str(s))
    n = len(srv.requests())
    ed.mode("append")
    p.text("first line")
    p.keys("C-x", "C-e")
    seen = ed.seen()
    check("Ctrl-X Ctrl-E: the editor ran", seen is not None)
    seen = seen or {}
    check("the editor got the line's text", seen.get("TEXT") == "first line", repr(seen))
    check("the editor got TERM", seen.get("TERM") == "xterm-256color", repr(seen))
    stty = seen.get("STTY", "")
    check("the terminal is cooked for the editor (icanon, echo, isig)",
          " icanon" in stty and " echo " in stty and " isig" in stty
          and "-icanon" not in stty, stty)
    check("the terminal reads blocking for the editor", seen.get("NONBLOCK") == "0", repr(seen))
    check("the file is private (0600) in TMPDIR",
          seen.get("MODE") == "600" and seen.get("FILE", "").startswith(tmpdir + "/circuit-edit-"),
          repr(seen))
    ok, s = p.wait_for(lambda s: input_text(s) == "first line\nsecond line" and whole(s, cols))
    check("the edited text is in the input line, on two rows, the screen whole", ok, str(s))
    check("the temporary file is gone", wait_until(lambda: not temp_left(tmpdir), 2),
          repr(temp_left(tmpdir)))
    check("nothing was sent before Enter",
          len(srv.requests()) == n and not s.labels("you"), str(s))
    p.keys("Enter")
    req = srv.wait_request(n)
    check("Enter sends exactly the edited text", last_user(req) == "first line\nsecond line",
          json.dumps(req)[:600])
    ok, s = p.wait_for(lambda s: s.labels("gpt-4o") and not s.has("streaming") and whole(s, cols),
                       timeout=10)
    check("the reply arrives after it", ok, str(s))

    # /edit TEXT: the editor starts from TEXT.
    n = len(srv.requests())
    ed.mode("append")
    p.send("/edit seed text")
    ok, s = p.wait_for(lambda s: input_text(s) == "seed text\nsecond line" and whole(s, cols))
    check("/edit TEXT: the editor's text in the input line", ok, str(s))
    check("/edit TEXT: the editor got TEXT", (ed.seen() or {}).get("TEXT") == "seed text")
    p.keys("C-a", "C-k")  # both rows: readline's line is one buffer
    ok, s = p.wait_for(lambda s: input_text(s) == "")
    check("the line can be cleared", ok, str(s))
    # /edit alone: an empty file.
    ed.mode("replace")
    p.send("/edit")
    ok, s = p.wait_for(lambda s: input_text(s) == "from the editor" and whole(s, cols))
    check("/edit: the editor's text in the input line", ok, str(s))
    check("/edit: the editor started from nothing", (ed.seen() or {}).get("TEXT") == "")
    check("/edit: nothing sent", len(srv.requests()) == n, repr(srv.requests()[n:]))
    p.keys("Enter")
    req = srv.wait_request(n)
    check("/edit then Enter sends the editor's text", last_user(req) == "from the editor",
          json.dumps(req)[:600])
    ok, s = p.wait_for(lambda s: len(s.labels("gpt-4o")) == 2 and not s.has("streaming"),
                       timeout=10)
    check("/edit: the reply arrives", ok, str(s))

    # An editor that fails: the line as it was, a notice.
    n = len(srv.requests())
    ed.mode("fail")
    p.text("keep me")
    p.keys("C-x", "C-e")
    ok, s = p.wait_for(lambda s: "exited with status 1; the input line is as it was"
                       in " ".join(s.transcript)
                       and input_text(s) == "keep me" and whole(s, cols))
    check("a failing editor: said, the line as it was", ok, str(s))
    check("a failing editor: the file is gone", wait_until(lambda: not temp_left(tmpdir), 2),
          repr(temp_left(tmpdir)))
    check("a failing editor: nothing sent", len(srv.requests()) == n)

    # A resize while the editor runs: the layout is redone at the new size.
    ed.mode("resize")
    p.keys("C-x", "C-e")
    editing = wait_until(lambda: os.path.exists(os.path.join(ed.dir, "editing")))
    check("resize: the editor waits", editing)
    ncols, nrows = 70, 18
    p.resize(ncols, nrows)
    check("resize: the pane is smaller", p.fmt("#{pane_width}x#{pane_height}") == f"{ncols}x{nrows}",
          p.fmt("#{pane_width}x#{pane_height}"))
    open(os.path.join(ed.dir, "go"), "w").close()
    ok, s = p.wait_for(lambda s: input_text(s) == "after the resize" and whole(s, ncols)
                       and len(s.lines) == nrows and s.rule == nrows - 3)
    check("resize during the edit: the screen whole at the new size", ok, str(s))
    p.keys("C-a", "C-k")

    # Tab lists /edit.
    p.text("/ed")
    p.keys("Tab")
    ok, s = p.wait_for(lambda s: input_text(s).startswith("/edit"))
    check("Tab completes /ed to /edit", ok, str(s))
    p.keys("C-a", "C-k")
    p.text("/e")
    p.keys("Tab")
    ok, s = p.wait_for(lambda s: s.has("/edit /export"))
    check("Tab after /e lists /edit with /export", ok, str(s))
    p.keys("C-a", "C-k")
    ok, s = p.quit()
    check("quits cleanly after editing", ok, str(s))


def test_missing_editor(tm, home, srv, tmpdir):
    cols, rows = 90, 20
    p = tm.pane(cols, rows, env(home, srv, tmpdir, "/nonexistent/editor --wait"),
                ["-m", "gpt-4o"])
    ok, s = p.wait_for(lambda s: whole(s, cols))
    check("missing editor: startup", ok, str(s))
    p.text("still here")
    p.keys("C-x", "C-e")
    ok, s = p.wait_for(lambda s: "could not be started: No such file or directory (set VISUAL "
                       "or EDITOR); the input line is as it was" in " ".join(s.transcript) and input_text(s) == "still here"
                       and whole(s, cols))
    check("an editor that cannot start: said, the line as it was, the screen whole", ok, str(s))
    check("missing editor: the file is gone", not temp_left(tmpdir), repr(temp_left(tmpdir)))
    p.keys("C-a", "C-k")
    ok, s = p.quit()
    check("missing editor: quits cleanly", ok, str(s))


def main():
    harness.require(tmux=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="circuit-editor-") as tmp:
        home = os.path.join(tmp, "home")
        tmpdir = os.path.join(tmp, "tmpdir")
        os.makedirs(home)
        os.makedirs(tmpdir)
        ed = Editor(tmp)
        with harness.tmux_and_server(tmp, "editor", Screen) as (tm, srv):
            harness.guarded("ctrl-x ctrl-e", test_ctrl_x_ctrl_e, tm, ed, home, srv, tmpdir)
            harness.guarded("missing", test_missing_editor, tm, home, srv, tmpdir)
    return finish(start)


if __name__ == "__main__":
    raise SystemExit(main())
