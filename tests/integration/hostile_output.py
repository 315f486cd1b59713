# SPDX-License-Identifier: GPL-3.0-or-later
"""Failing outputs, the debug file and prompts that are not UTF-8 (issue 16
items 3, 4 and 8), against the real binary in a private HOME:

- 3: `--debug FILE` changes the mode of no file it did not create (/dev/null
  as root!), makes a new one 0600, and a debug file that cannot be opened is
  one warning: the run still answers, exit 0.
- 4: stdout that cannot be written (/dev/full) is exit 1 and one line, for
  every writer of stdout; a reader that goes away (`| head -c 5`) cancels
  the stream at once (the loopback server would stream for a minute) and
  circuit exits 141 without noise.
- 8: a UTF-16 prompt with a BOM reaches the server as the right UTF-8; a NUL
  or invalid UTF-8 is refused, exit 2, with the offset and the iconv.
"""
import os
import shutil
import stat
import subprocess
import time

import harness
from harness import BIN, check
from hostile import SENTINEL, env_for, openai_sse, private_home, run


def lines(b):
    return [l for l in b.decode("utf-8", "replace").splitlines() if l.strip()]


def one_line(err, start="circuit: "):
    ls = lines(err)
    return len(ls) == 1 and ls[0].startswith(start)


# ---- item 3: --debug FILE -----------------------------------------------------

def debug_run(home, path):
    try:
        return run(["-p", "hi", "-m", "mock-fast", "--debug", path], env_for(home), timeout=10)
    except subprocess.TimeoutExpired:  # a FIFO nobody reads blocked the open
        return None, b"", b"timed out"


def test_debug_dev_null_keeps_its_mode():
    home = private_home()
    before = os.stat("/dev/null")
    try:
        rc, out, err = debug_run(home, "/dev/null")
    finally:
        after = os.stat("/dev/null")
        if stat.S_IMODE(after.st_mode) != stat.S_IMODE(before.st_mode):
            os.chmod("/dev/null", stat.S_IMODE(before.st_mode))  # put it back first
        shutil.rmtree(home)
    check("debug: --debug /dev/null leaves its mode as it was",
          stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)
          and after.st_uid == before.st_uid,
          f"{oct(before.st_mode)} -> {oct(after.st_mode)}")
    check("debug: --debug /dev/null answers, exit 0, no warning", rc == 0 and out and not err,
          repr((rc, out[:80], err)))


def test_debug_existing_file_keeps_its_mode_new_file_is_0600():
    home = private_home()
    try:
        old = os.path.join(home, "old.log")
        with open(old, "w") as f:
            f.write("before\n")
        os.chmod(old, 0o644)
        rc, _, err = debug_run(home, old)
        mode = stat.S_IMODE(os.stat(old).st_mode)
        with open(old) as f:
            text = f.read()
        check("debug: an existing 0644 file keeps 0644 and is appended to",
              rc == 0 and mode == 0o644 and text.startswith("before\n") and len(text) > 7,
              repr((rc, oct(mode), text[:80], err)))
        new = os.path.join(home, "new.log")
        old_umask = os.umask(0)  # the mode seen is the one circuit asked for
        try:
            rc, _, _ = debug_run(home, new)
        finally:
            os.umask(old_umask)
        mode = stat.S_IMODE(os.stat(new).st_mode)
        check("debug: a file circuit creates is 0600", rc == 0 and mode == 0o600, oct(mode))
    finally:
        shutil.rmtree(home)


def test_debug_that_cannot_be_opened_never_stops_the_run():
    home = private_home()
    try:
        fifo = os.path.join(home, "fifo")
        os.mkfifo(fifo)
        for name, path in (("under a regular file", "/etc/passwd/x"),
                           ("in a folder that does not exist", os.path.join(home, "no", "x")),
                           ("a FIFO nobody reads", fifo), ("another device", "/dev/zero"),
                           ("a folder", home)):
            t0 = time.monotonic()
            rc, out, err = debug_run(home, path)
            took = time.monotonic() - t0
            check(f"debug: {name}: one warning, the run answers, exit 0",
                  rc == 0 and b"mock-fast" in out and len(lines(err)) == 1
                  and err.startswith(b"circuit: cannot open the debug log")
                  and b"going on without it" in err and took < 15,
                  repr((rc, out[:60], err, took)))
        check("debug: /dev/zero was not written into a file", not os.path.exists("/etc/passwd/x"))
    finally:
        shutil.rmtree(home)


# ---- item 4: stdout that cannot be written ---------------------------------------

def run_to(args, env, stdout, stdin=None, timeout=60):
    p = subprocess.run([BIN, *args], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                       env=env, timeout=timeout)
    return p.returncode, p.stderr


def full_disk_check(name, args, env, stdin=None):
    with open("/dev/full", "wb") as full:
        rc, err = run_to(args, env, full, stdin=stdin)
    # Exactly one line of circuit's own ("[stop: …]" after a replay is output).
    own = [l for l in lines(err) if l.startswith("circuit: ")]
    check(f"/dev/full: {name}: exit 1, one line saying so",
          rc == 1 and len(own) == 1 and "cannot write to standard output" in own[0]
          and "No space left" in own[0], repr((rc, err[-400:])))


def test_full_disk_is_exit_1_and_one_line_for_every_writer():
    if not os.path.exists("/dev/full"):
        return
    home = private_home()
    try:
        env = env_for(home)
        full_disk_check("-p", ["-p", "hi", "-m", "mock-fast"], env)
        full_disk_check("--json", ["-p", "hi", "-m", "mock-fast", "--json"], env)
        with open("/dev/full", "wb") as full:
            rc, err = run_to(["-p", "hi", "--compare", "mock-fast,mock-fast"], env, full)
        # The compare table is on stderr too; the failure is its own line.
        check("/dev/full: --compare: exit 1 and the line",
              rc == 1 and sum(l.startswith("circuit: cannot write to standard output")
                              for l in lines(err)) == 1, repr((rc, err[-400:])))
        body = os.path.join(home, "body.sse")
        with open(body, "w") as f:
            f.write(openai_sse(["hello ", "world"]))
        full_disk_check("--replay", ["--replay", body, "--wire", "openai"], env)
        full_disk_check("--replay --events", ["--replay", body, "--wire", "openai", "--events"],
                        env)
        full_disk_check("--replay --wire sse", ["--replay", body, "--wire", "sse", "--events"],
                        env)
        full_disk_check("--search", ["--search", "hi"], env)  # the -p runs above are kept
        full_disk_check("--export", ["--export", "1"], env)
        full_disk_check("--export json", ["--export", "1", "--format", "json"], env)
        full_disk_check("--help", ["--help"], env)
        full_disk_check("--version", ["--version"], env)
        with open("/dev/full", "wb") as full, open(body, "rb") as prompt:
            rc, err = run_to(["-m", "mock-fast"], env, full, stdin=prompt)
        check("/dev/full: prompt on stdin: exit 1", rc == 1, repr((rc, err)))
    finally:
        shutil.rmtree(home)


def read_some_then_close(proc, n):
    """Reads n bytes of proc's stdout, then closes the pipe as head -c does."""
    got = b""
    while len(got) < n:
        chunk = os.read(proc.stdout.fileno(), n - len(got))
        if not chunk:
            break
        got += chunk
    proc.stdout.close()
    return got


def wait_exit(proc, seconds):
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(harness.POLL)
    return proc.poll()


def test_closed_pipe_cancels_the_stream_and_exits_141():
    home = private_home()
    # endless=1: the server streams until the client goes away (or a minute).
    with harness.LoopbackServer(max_seconds=120, idle_seconds=60) as srv:
        env = env_for(home, OPENAI_BASE_URL=srv.base("endless=1,pace_ms=20") + "/v1",
                      OPENAI_API_KEY=SENTINEL)
        proc = subprocess.Popen([BIN, "-p", "hi", "-m", "gpt-4o"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        try:
            got = read_some_then_close(proc, 5)
            t0 = time.monotonic()
            rc = wait_exit(proc, 5)
            took = time.monotonic() - t0
            err = proc.stderr.read() if rc is not None else b""
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        check("| head -c 5: the reply had begun", len(got) == 5, repr(got))
        check("| head -c 5: circuit ends within a couple of seconds, not a minute",
              rc is not None and took < 3, f"rc={rc} took={took:.2f}s")
        check("| head -c 5: exit status 141 (as if killed by SIGPIPE)", rc == 141, repr(rc))
        check("| head -c 5: no 'Broken pipe' noise", b"roken pipe" not in err and
              len(lines(err)) <= 1, repr(err))
        check("| head -c 5: the server is still up (it did not end the stream)", srv.alive())
        # The text that arrived is kept as an interrupted reply.
        db = os.path.join(home, "data", "circuit", "history.db")
        kept = subprocess.run(["sqlite3", db, "select count(*) from messages"],
                              capture_output=True, text=True) if shutil.which("sqlite3") else None
        if kept is not None:
            check("| head -c 5: the prompt and the reply so far are in the history",
                  kept.stdout.strip() == "2", repr((kept.stdout, kept.stderr)))
    shutil.rmtree(home)


def test_closed_pipe_stops_replay_early():
    home = private_home()
    try:
        body = os.path.join(home, "big.sse")
        with open(body, "w") as f:
            f.write(openai_sse(["word %d " % i for i in range(200000)]))
        proc = subprocess.Popen([BIN, "--replay", body, "--wire", "openai"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env_for(home))
        try:
            read_some_then_close(proc, 5)
            rc = wait_exit(proc, 20)
            err = proc.stderr.read() if rc is not None else b""
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        check("--replay | head -c 5: exit 141, no 'Broken pipe'",
              rc == 141 and b"roken pipe" not in err, repr((rc, err[-300:])))
    finally:
        shutil.rmtree(home)


# ---- item 8: prompts that are not UTF-8 -------------------------------------------

TEXT = "h\u00e9llo \u20ac \U0001F600 \u4e2d"


def test_utf16_prompts_reach_the_server_as_utf8():
    home = private_home()
    with harness.LoopbackServer(max_seconds=120, idle_seconds=60) as srv:
        env = env_for(home, OPENAI_BASE_URL=srv.base() + "/v1", OPENAI_API_KEY=SENTINEL)
        cases = (("UTF-16LE with a BOM", b"\xff\xfe" + (TEXT + "\r\n").encode("utf-16-le")),
                 ("UTF-16BE with a BOM", b"\xfe\xff" + (TEXT + "\n").encode("utf-16-be")),
                 ("UTF-8 with a BOM", b"\xef\xbb\xbf" + (TEXT + "\n").encode("utf-8")))
        for i, (name, data) in enumerate(cases):
            rc, out, err = run(["-m", "gpt-4o", "--no-history"], env, stdin=data)
            req = srv.wait_request(i)
            msgs = (req or {}).get("body", {}).get("messages", [])
            user = [m.get("content") for m in msgs if m.get("role") == "user"]
            check(f"stdin {name}: the server gets the prompt as UTF-8, exit 0",
                  rc == 0 and user == [TEXT], repr((rc, user, err)))
    shutil.rmtree(home)


def test_prompts_that_are_not_utf8_are_refused():
    home = private_home()
    with harness.LoopbackServer(max_seconds=120, idle_seconds=60) as srv:
        env = env_for(home, OPENAI_BASE_URL=srv.base() + "/v1", OPENAI_API_KEY=SENTINEL)
        cases = (("UTF-16 without a BOM (a NUL)", b"h\x00i\x00", b"offset 1", b"iconv"),
                 ("Latin-1", b"caf\xe9 au lait", b"offset 3", b"iconv"),
                 ("a NUL in UTF-8", b"hi\x00there", b"offset 2", b"iconv"),
                 ("UTF-16LE, a lone surrogate", b"\xff\xfeh\x00\x00\xdc", b"offset 4", b"iconv"),
                 ("UTF-16BE, an odd length", b"\xfe\xff\x00h\x00", b"offset 4", b"iconv"))
        for name, data, where, fix in cases:
            rc, out, err = run(["-m", "gpt-4o", "--no-history"], env, stdin=data)
            check(f"stdin {name}: refused, exit 2, one line with the offset and the fix",
                  rc == 2 and not out and one_line(err) and where in err and fix in err,
                  repr((rc, out, err)))
        p = subprocess.run([BIN, "-m", "gpt-4o", "--no-history", "-p", b"caf\xe9"],
                           capture_output=True, env=env, timeout=30)
        check("-p with invalid UTF-8: refused, exit 2, one line",
              p.returncode == 2 and one_line(p.stderr) and b"offset 3" in p.stderr,
              repr((p.returncode, p.stderr)))
        check("no refused prompt reached the server", srv.requests() == [],
              repr(len(srv.requests())))
    shutil.rmtree(home)


CASES = [
    test_debug_dev_null_keeps_its_mode,
    test_debug_existing_file_keeps_its_mode_new_file_is_0600,
    test_debug_that_cannot_be_opened_never_stops_the_run,
    test_full_disk_is_exit_1_and_one_line_for_every_writer,
    test_closed_pipe_cancels_the_stream_and_exits_141,
    test_closed_pipe_stops_replay_early,
    test_utf16_prompts_reach_the_server_as_utf8,
    test_prompts_that_are_not_utf8_are_refused,
]
