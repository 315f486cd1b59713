# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 16, the history file: /delete leaves no trace of the words in the
file or its WAL (item 6); --search and --export read a history they cannot
write (item 15); /export replaces a file 0600 through a temporary one and says so, a
search of 2000 repeated words is bounded, "search failed" is said once
(item 16). The real binary, each case in a private HOME; the file is read
with Python's sqlite3 and as bytes. Run by test_hostile.py. Item 14 (a
long reply's checkpoints write what is new) is in tests/unit/test_history.c
and `make bench` (j); test_history.py's kill scenario reads the parts back."""
import os
import shutil
import sqlite3
import stat
import subprocess
import tempfile
import time

import harness
from harness import BIN, check, done_label
from test_history import Home, Tmux, squash


def file_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def traces(db, word):
    """Where word is, as bytes, in the history and its WAL: [file names]."""
    w = word.encode()
    return [os.path.basename(p) for p in (db, db + "-wal") if w in file_bytes(p)]


def ask(p, text, label="mock-fast"):
    """Sends text on the screen; waits for its reply to be done."""
    p.send(text)
    return p.wait_for(lambda s: s.block("you") is not None
                      and squash(" ".join(s.block("you")[1])) == text
                      and s.labels(label) and s.labels(label)[-1] > s.labels("you")[-1]
                      and done_label(s.block(label)[0]), timeout=10)


# ---- item 6: /delete ---------------------------------------------------------------------------

def case_delete_leaves_no_trace():
    """The screen's /delete (there is no --delete), the screen still open
    (its WAL is there): the deleted conversation's word is in neither
    history.db nor history.db-wal; the other one's is still found."""
    if shutil.which("tmux") is None:
        check("history: /delete test needs tmux", False, "tmux not found")
        return
    tmp = tempfile.mkdtemp(prefix="circuit-hostile-hist-")
    h = Home(tmp, "delete")
    tm = Tmux(tmp, "hostile-delete")
    try:
        p = tm.pane(150, 40, h.env(), ["-m", "mock-fast"])
        p.wait_for(lambda s: s.rule is not None, timeout=10)
        for i in range(3):  # several turns: the words in several pages and segments
            ask(p, f"quokkasecret turn {i}")
        gone = [c["id"] for c in h.convs()]
        p.send("/new")
        ask(p, "keepsake other topic")
        before = traces(h.db, "quokkasecret")
        check("history: before /delete the word is in the files (the test can see it)",
              before != [], repr(before))
        p.send(f"/delete {gone[0]}")
        ok, s = p.wait_for(lambda s: s.has(f"conversation {gone[0]} deleted"))
        check("history: /delete says the conversation is deleted", ok and len(gone) == 1, str(s))
        after = traces(h.db, "quokkasecret")
        check("history: after /delete, no trace of its words in history.db or its WAL "
              "(screen still open)", ok and after == [], repr(after))
        rc, out, err = h.run(["--search", "keepsake"])
        check("history: after /delete the other conversation is still found by --search",
              rc == 0 and "keepsake" in out, f"rc={rc} out={out!r} err={err!r}")
        rc, out, err = h.run(["--search", "quokkasecret"])
        check("history: after /delete --search finds nothing of it", rc == 1 and out == "",
              f"rc={rc} out={out!r}")
        p.quit()
        check("history: after the screen ends, still no trace",
              traces(h.db, "quokkasecret") == [], repr(traces(h.db, "quokkasecret")))
    finally:
        tm.kill()
        shutil.rmtree(tmp, ignore_errors=True)


# ---- item 15: a read-only history ----------------------------------------------------------------

def as_other_user():
    """The argv prefix that runs a command as a user who cannot write the
    history: as root, file modes do not stop writes, so nobody (setpriv);
    as anyone else, the modes do."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        return None
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def case_readonly_history():
    """A history whose file (0444) and folder (0555) cannot be written by
    the user running circuit (as root: run as nobody, the files root's):
    --search and --export read it (SQLite read-only, no -shm to create);
    before, both failed with "cannot write the history"."""
    prefix = as_other_user()
    if prefix is None:
        check("history: read-only test needs setpriv as root", False, "setpriv not found")
        return
    tmp = tempfile.mkdtemp(prefix="circuit-hostile-ro-")
    try:
        h = Home(tmp, "ro")
        rc, _, err = h.run(["-m", "mock", "-p", "zebrafish readonly prompt"])
        check("history: read-only: a run writes the history first", rc == 0
              and os.path.exists(h.db), err)
        folder = os.path.dirname(h.db)
        for d in (tmp, h.dir, h.data):
            os.chmod(d, 0o755)
        os.chmod(h.db, 0o444)
        os.chmod(folder, 0o555)
        before = sorted(os.listdir(folder))
        env = h.env()

        def run(args):
            p = subprocess.run(prefix + [BIN, *args], capture_output=True, timeout=30, env=env,
                               cwd="/")
            return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode(
                "utf-8", "replace")
        rc, out, err = run(["--search", "zebrafish"])
        check("history: --search reads a history it cannot write",
              rc == 0 and "[zebrafish]" in out and err == "", f"rc={rc} out={out!r} err={err!r}")
        rc, out, err = run(["--export", "1", "--format", "json"])
        check("history: --export reads a history it cannot write",
              rc == 0 and "zebrafish readonly prompt" in out, f"rc={rc} err={err!r}")
        check("history: reading it left the folder as it was",
              sorted(os.listdir(folder)) == before, repr(os.listdir(folder)))
        os.chmod(folder, 0o755)
        os.remove(h.db)
        rc, out, err = run(["--search", "zebrafish"])
        check("history: --search without a history says so and creates none",
              rc == 1 and "no history yet" in err and not os.path.exists(h.db),
              f"rc={rc} err={err!r}")
    finally:
        for root, dirs, _ in os.walk(tmp):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
        shutil.rmtree(tmp, ignore_errors=True)


# ---- item 16: search bounds, one "search failed", /export replacing ----------------------------------

def case_search_bounded():
    tmp = tempfile.mkdtemp(prefix="circuit-hostile-find-")
    try:
        h = Home(tmp, "find")
        h.run(["-m", "mock", "-p", "the cat and the dog"])
        t0 = time.monotonic()
        rc, out, err = h.run(["--search", " ".join(["the"] * 2000)], timeout=60)
        took = time.monotonic() - t0
        check("history: --search with 2000 repeats of a common word answers, bounded (< 3 s; "
              "6.7 s before)", rc == 0 and "[the]" in out and took < 3.0,
              f"rc={rc} {took:.2f}s err={err!r}")
        many = " ".join(f"w{i}" for i in range(40))
        rc, out, err = h.run(["--search", many])
        check("history: --search with 40 different words is refused in one line saying the limit",
              rc == 1 and out == "" and err.count("\n") == 1 and "at most 32 different words"
              in err, f"rc={rc} err={err!r}")
        con = sqlite3.connect(h.db)
        con.execute("UPDATE messages_fts_data SET block = x'ffffffff' WHERE id > 10")
        con.commit()
        con.close()
        rc, out, err = h.run(["--search", "cat"])
        check("history: a failing search says 'search failed' once",
              rc == 1 and err.count("search failed") == 1 and err.startswith("circuit: "),
              f"rc={rc} err={err!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def case_export_replaces_private():
    """/export md! over an existing 0644 file: the new file is 0600 (it was
    written through a temporary file and renamed), the screen says it
    replaced one, no temporary file is left."""
    if shutil.which("tmux") is None:
        check("history: /export test needs tmux", False, "tmux not found")
        return
    tmp = tempfile.mkdtemp(prefix="circuit-hostile-export-")
    h = Home(tmp, "export")
    tm = Tmux(tmp, "hostile-export")
    try:
        out = os.path.join(h.dir, "out.md")
        with open(out, "w") as f:
            f.write("old contents\n")
        os.chmod(out, 0o644)
        p = tm.pane(150, 40, h.env(), ["-m", "mock-fast"])
        p.wait_for(lambda s: s.rule is not None, timeout=10)
        ask(p, "export me please")
        p.send(f"/export md {out}")
        ok, s = p.wait_for(lambda s: s.has("exists: /export md!"))
        check("history: /export over an existing file refuses without !",
              ok and file_bytes(out) == b"old contents\n", str(s))
        p.send(f"/export md! {out}")
        ok, s = p.wait_for(lambda s: s.has("written to") and s.has("replaced"))
        mode = stat.S_IMODE(os.stat(out).st_mode)
        check("history: /export md! replaces it 0600 and says it replaced a file",
              ok and mode == 0o600 and b"export me please" in file_bytes(out),
              f"mode={oct(mode)} {s}")
        new = os.path.join(h.dir, "new.json")
        p.send(f"/export json {new}")
        ok, s = p.wait_for(lambda s: s.has(new))
        check("history: /export to a new file: 0600",
              ok and os.path.exists(new) and stat.S_IMODE(os.stat(new).st_mode) == 0o600, str(s))
        left = [n for n in os.listdir(h.dir) if n.startswith(".circuit-export-")]
        check("history: /export leaves no temporary file", left == [], repr(left))
        p.quit()
    finally:
        tm.kill()
        shutil.rmtree(tmp, ignore_errors=True)


CASES = [case_delete_leaves_no_trace, case_readonly_history, case_search_bounded,
         case_export_replaces_private]
