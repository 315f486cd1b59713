#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files and images (issue 18): -f/--file headless and on the screen, /file
in tmux, the exact parts every provider receives (a text file folded into
the prompt in a fence, a png as each provider's image part), the refusals
(one line, exit 2, no request), the 1 MiB rule and --force, the history
(exports list the files; a resumed conversation sends them again). Ends
with "N passed, N failed"."""
import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import harness
from harness import BIN, ROOT, check, finish

KEY = "sk-test-circuit-files"
PROMPT = "what is this?"
NOTES = b"hello\nworld\n"


def tiny_png():
    """A valid 1x1 red PNG: signature, IHDR, IDAT, IEND."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


PNG = tiny_png()
B64 = base64.b64encode(PNG).decode()
URL = "data:image/png;base64," + B64
FOLDED = PROMPT + "\n\n```notes.txt\n" + NOTES.decode() + "```"


class Case:
    """A private HOME and XDG dirs, the server, and the config that adds a
    provider of the openai-responses wire (resp:m-resp)."""

    def __init__(self, tmp, srv, name):
        self.home = os.path.join(tmp, name)
        self.srv = srv
        conf = os.path.join(self.home, "config", "circuit")
        os.makedirs(conf)
        os.makedirs(os.path.join(self.home, "data"))
        with open(os.path.join(conf, "config"), "w") as f:
            f.write(f"max_retries = 0\n\n[provider.resp]\nkind = openai-responses\n"
                    f"base_url = {srv.base()}/v1\nkey_env = OPENAI_API_KEY\nmodels = m-resp\n")

    def env(self, **extra):
        b = self.srv.base()
        e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home,
             "XDG_CONFIG_HOME": os.path.join(self.home, "config"),
             "XDG_DATA_HOME": os.path.join(self.home, "data"),
             "XDG_STATE_HOME": os.path.join(self.home, "state"), "LANG": "C.UTF-8",
             "TERM": "xterm-256color", "OPENAI_BASE_URL": b + "/v1", "OPENAI_API_KEY": KEY,
             "ANTHROPIC_BASE_URL": b, "ANTHROPIC_API_KEY": KEY, "GEMINI_BASE_URL": b,
             "GEMINI_API_KEY": KEY, "OLLAMA_HOST": b}
        e.update(extra)
        return e

    def run(self, args, timeout=60):
        p = subprocess.run([BIN, *args], capture_output=True, timeout=timeout, env=self.env(),
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def one_line(err):
    lines = [l for l in err.splitlines() if l.strip()]
    return len(lines) == 1 and lines[0].startswith("circuit: ")


# What each provider must receive for PROMPT with notes.txt and the png.
WANT = [
    ("gpt-4o", "openai", lambda b: b["messages"][0],
     {"role": "user", "content": [{"type": "text", "text": FOLDED},
                                  {"type": "image_url", "image_url": {"url": URL}}]}),
    ("resp:m-resp", "openai-responses", lambda b: b["input"][0],
     {"role": "user", "content": [{"type": "input_text", "text": FOLDED},
                                  {"type": "input_image", "image_url": URL}]}),
    ("claude-sonnet-4-5", "anthropic", lambda b: b["messages"][0],
     {"role": "user", "content": [
         {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": B64}},
         {"type": "text", "text": FOLDED}]}),
    ("gemini-2.5-flash", "gemini", lambda b: b["contents"][0],
     {"role": "user", "parts": [{"inlineData": {"mimeType": "image/png", "data": B64}},
                                {"text": FOLDED}]}),
    ("ollama:llama3.2", "ollama", lambda b: b["messages"][0],
     {"role": "user", "content": FOLDED, "images": [B64]}),
]


def test_parts_per_provider(c, files):
    for model, name, pick, want in WANT:
        n = len(c.srv.requests())
        rc, out, err = c.run(["--no-history", "-m", model, "-f", files["notes"], "-f",
                              files["png"], "-p", PROMPT])
        reqs = c.srv.wait_requests(n + 1)
        got = pick(reqs[-1]["body"]) if len(reqs) > n else None
        check(f"{name}: a text file and a png, exactly its own parts", rc == 0 and got == want,
              repr((rc, err, json.dumps(got)[:600])))
        # A text file alone: the content stays a string, the file folded in.
        n = len(c.srv.requests())
        rc, out, err = c.run(["--no-history", "-m", model, "-f", files["notes"], "-p", PROMPT])
        reqs = c.srv.wait_requests(n + 1)
        body = reqs[-1]["body"] if len(reqs) > n else {}
        got = pick(body)
        text = got.get("content") if name != "gemini" else got["parts"]
        check(f"{name}: a text file alone is text", rc == 0 and
              (text == FOLDED or text == [{"text": FOLDED}]), repr((rc, err, got)))


def test_refusals(c, files, tmp):
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    cases = [(files["missing"], "no such file; check the path"),
             (tmp, "a directory; attach the files in it one by one"),
             (fifo, "not a regular file"),
             ("/dev/null", "not a regular file"),
             (files["binary"], "binary (a NUL byte at offset 4)"),
             (files["latin1"], "not UTF-8 text (byte 0xE9 at offset 3)")]
    if os.geteuid() != 0:
        cases.append((files["secret"], "cannot read it (permission denied)"))
    for path, says in cases:
        n = len(c.srv.requests())
        rc, out, err = c.run(["--no-history", "-m", "gpt-4o", "-f", files["notes"], "-f", path,
                              "-p", PROMPT], timeout=10)
        check(f"{os.path.basename(path)}: exit 2, one line naming the file, nothing sent",
              rc == 2 and one_line(err) and err.startswith(f"circuit: {path}: ") and says in err
              and out == "" and len(c.srv.requests()) == n, repr((rc, err, out)))
    rc, out, err = c.run(["--no-history", "-m", "gpt-4o", "--force", "-p", PROMPT])
    check("--force without -f is bad usage", rc == 2 and "--force goes with -f" in err, repr(err))
    rc, out, err = c.run(["--search", "x", "-f", files["notes"]])
    check("-f with --search is bad usage", rc == 2 and "-f and --force go with" in err, repr(err))


def test_size_rules(c, files):
    n = len(c.srv.requests())
    rc, out, err = c.run(["--no-history", "-m", "gpt-4o", "-f", files["big"], "-p", PROMPT])
    check("text over 1 MiB: exit 2, says --force attaches it anyway, nothing sent",
          rc == 2 and one_line(err) and "over the 1 MiB limit" in err and
          err.rstrip().endswith("; --force attaches it anyway") and len(c.srv.requests()) == n,
          repr((rc, err)))
    rc, out, err = c.run(["--no-history", "-m", "gpt-4o", "-f", files["big"], "--force", "-p",
                          PROMPT])
    reqs = c.srv.wait_requests(n + 1)
    text = reqs[-1]["body"]["messages"][0]["content"] if len(reqs) > n else ""
    check("--force: the big text is sent whole", rc == 0 and len(text) > (1 << 20) and
          text.startswith(PROMPT + "\n\n```big.txt\n"), repr((rc, err, len(text))))
    rc, out, err = c.run(["--no-history", "-m", "gpt-4o", "-f", files["huge"], "--force", "-p",
                          PROMPT])
    check("an image over 20 MiB: refused even with --force", rc == 2 and one_line(err) and
          "over 20 MiB" in err, repr((rc, err)))


def test_compare(c, files):
    n = len(c.srv.requests())
    rc, out, err = c.run(["--no-history", "--compare", "gpt-4o,ollama:llama3.2", "-f",
                          files["notes"], "-f", files["png"], "-p", PROMPT])
    reqs = c.srv.wait_requests(n + 2)[n:]
    got = sorted(json.dumps(r["body"]["messages"][0], sort_keys=True) for r in reqs)
    want = sorted(json.dumps(w[3], sort_keys=True) for w in (WANT[0], WANT[4]))
    check("--compare: every model gets the files in its own format", rc == 0 and got == want,
          repr((rc, err, got))[:600])


def test_history(c, files):
    rc, out, err = c.run(["-m", "gpt-4o", "-f", files["notes"], "-f", files["png"], "-p", PROMPT])
    check("kept in the history", rc == 0, repr((rc, err)))
    rc, out, err = c.run(["--export", "1", "--format", "json"])
    try:
        msg = json.loads(out)["messages"][0]
    except (ValueError, KeyError, IndexError):
        msg = {}
    want = [{"name": "notes.txt", "type": "text/plain", "size": len(NOTES),
             "sha256": hashlib.sha256(NOTES).hexdigest()},
            {"name": "dot.png", "type": "image/png", "size": len(PNG),
             "sha256": hashlib.sha256(PNG).hexdigest()}]
    check("--export json: each file's name, type, size and hash", rc == 0 and
          msg.get("attachments") == want and msg.get("text") == PROMPT, repr((rc, err, msg)))
    check("--export json: no content of the files", B64 not in out and "hello\\nworld" not in out,
          out[:600])
    rc, out, err = c.run(["--export", "1"])
    check("--export md: a line per file under its message", rc == 0 and
          f"- attached: notes.txt (text/plain, {len(NOTES)} bytes)\n" in out and
          f"- attached: dot.png (image/png, {len(PNG)} bytes)\n" in out and B64 not in out,
          repr(out[:600]))


def test_continue_sends_them_again(c):
    """The conversation test_history kept, gone on with from the shell (-c,
    --resume 1 -p): the first prompt goes again with its files."""
    for args in (["-c", "and then?"], ["--resume", "1", "-p", "and then?"]):
        n = len(c.srv.requests())
        rc, out, err = c.run(["-m", "gpt-4o", *args])
        reqs = c.srv.requests()
        msgs = reqs[-1]["body"]["messages"] if len(reqs) > n else []
        check(f"{' '.join(args[:-1])}: the first prompt goes again with its text file and "
              f"its image", rc == 0 and len(msgs) >= 3 and msgs[0] == WANT[0][3] and
              msgs[-1] == {"role": "user", "content": "and then?"},
              repr((rc, err, json.dumps(msgs)[:600])))


# ---- on the screen (tmux) -----------------------------------------------------------

def test_resume_sends_them_again(c, tm):
    """The conversation test_history kept, resumed: its files go again."""
    p = tm.pane(100, 30, c.env(), ["--resume", "-m", "gpt-4o"])
    ok, s = p.wait_for(lambda s: s.rule is not None and s.has("📎 dot.png (image/png, "), 8)
    check("--resume: the prompt's files shown under it", ok and
          s.has(f"📎 notes.txt (text/plain, {len(NOTES)} bytes)"), str(s))
    n = len(c.srv.requests())
    p.send("and now?")
    reqs = c.srv.wait_requests(n + 1, timeout=8)
    msgs = reqs[-1]["body"]["messages"] if len(reqs) > n else []
    check("--resume: the first prompt goes again with its text file and its image",
          len(msgs) == 3 and msgs[0] == WANT[0][3] and msgs[2] == {"role": "user",
                                                                   "content": "and now?"},
          json.dumps(msgs)[:600])
    ok, s = p.wait_for(lambda s: harness.done_label(s.transcript[-2] if len(s.transcript) > 1
                                                    else None) or s.has("tok/s"), 10)
    p.quit()


def test_file_command(c, tm, files):
    p = tm.pane(100, 40, c.env(), ["--no-history", "-m", "gpt-4o", "-f", files["notes"]])
    ok, s = p.wait_for(lambda s: s.rule is not None and s.has(
        f"attached notes.txt (text/plain, {len(NOTES)} bytes) to your next message"), 8)
    check("-f on the screen: attached to the first message, said", ok, str(s))
    p.send("/file " + files["png"])
    ok, s = p.wait_for(lambda s: s.has(f"attached dot.png (image/png, {len(PNG)} bytes) to your "
                                       "next message"))
    check("/file PATH: attached, said", ok, str(s))
    p.send("/file")
    ok, s = p.wait_for(lambda s: s.has("2 files for your next message"))
    check("/file alone lists what waits", ok and s.has(f"  dot.png (image/png, {len(PNG)} bytes)"),
          str(s))
    p.send("/file " + files["missing"])
    ok, s = p.wait_for(lambda s: s.has("missing.txt: no such file; check the path"))
    check("/file of a missing file: the one line, nothing attached", ok, str(s))
    p.send("/file " + os.path.dirname(files["missing"]))
    ok, s = p.wait_for(lambda s: s.has(": a directory; attach the files in it one by one"))
    check("/file of a directory: the one line", ok, str(s))
    # Tab completes a path after /file.
    p.text("/file " + os.path.dirname(files["notes"]) + "/no")
    p.keys("Tab")
    ok, s = p.wait_for(lambda s: any(("/file " + files["notes"]) in l for l in s.input))
    check("/file then Tab: completes the path", ok, str(s))
    p.keys("C-u")
    n = len(c.srv.requests())
    p.send(PROMPT)
    reqs = c.srv.wait_requests(n + 1, timeout=8)
    got = reqs[-1]["body"]["messages"][0] if len(reqs) > n else None
    check("the message sent with both files, as -f sends them", got == WANT[0][3],
          json.dumps(got)[:600])
    ok, s = p.wait_for(lambda s: s.has(f"📎 notes.txt (text/plain, {len(NOTES)} bytes)") and
                       s.has(f"📎 dot.png (image/png, {len(PNG)} bytes)"))
    check("the transcript shows a line per file under the prompt", ok, str(s))
    ok, s = p.wait_for(lambda s: s.has("tok/s"), 10)
    # /retry sends the prompt again with its own files; one attached
    # meanwhile waits on for the next message.
    p.send("/file " + files["png"])
    ok, s = p.wait_for(lambda s: s.has("1 file for your next message") or
                       s.has(f"attached dot.png (image/png, {len(PNG)} bytes) to your next"))
    n = len(c.srv.requests())
    p.send("/retry")
    reqs = c.srv.wait_requests(n + 1, timeout=8)
    msgs = reqs[-1]["body"]["messages"] if len(reqs) > n else []
    check("/retry: the prompt goes again with its own files, once", msgs == [WANT[0][3]],
          json.dumps(msgs)[:400])
    ok, s = p.wait_for(lambda s: s.has("tok/s"), 10)
    p.send("/file")
    ok, s = p.wait_for(lambda s: s.has("1 file for your next message"))
    check("/retry: a file attached meanwhile still waits", ok, str(s))
    p.send("/file clear")
    ok, s = p.wait_for(lambda s: s.has("1 file dropped: your next message goes without"))
    check("/file clear drops what waits", ok, str(s))
    n = len(c.srv.requests())
    p.send("plain")
    reqs = c.srv.wait_requests(n + 1, timeout=8)
    msgs = reqs[-1]["body"]["messages"] if len(reqs) > n else []
    check("after /file clear: the next message has no files; the first keeps its own",
          len(msgs) == 3 and msgs[2] == {"role": "user", "content": "plain"} and
          msgs[0] == WANT[0][3], json.dumps(msgs)[:400])
    ok, s = p.wait_for(lambda s: s.has("tok/s"), 10)
    p.quit()


def make_files(tmp):
    d = os.path.join(tmp, "files")
    os.makedirs(d)
    files = {}

    def put(key, name, data):
        files[key] = os.path.join(d, name)
        with open(files[key], "wb") as f:
            f.write(data)
    put("notes", "notes.txt", NOTES)
    put("png", "dot.png", PNG)
    put("binary", "blob.bin", b"abcd\x00efg")
    put("latin1", "latin1.txt", b"caf\xe9\n")
    put("big", "big.txt", b"a" * ((1 << 20) + 1))
    put("secret", "secret.txt", b"x")
    os.chmod(files["secret"], 0)
    files["huge"] = os.path.join(d, "huge.png")
    with open(files["huge"], "wb") as f:
        f.write(PNG[:8])
        f.truncate((20 << 20) + 1)  # sparse
    files["missing"] = os.path.join(d, "missing.txt")
    return files


def main():
    if not os.path.exists(BIN):
        check("binary exists", False, BIN)
        return finish()
    with tempfile.TemporaryDirectory(prefix="circuit-files-") as tmp:
        files = make_files(tmp)
        tm = None
        with harness.LoopbackServer(max_seconds=600, idle_seconds=120) as srv:
            try:
                c = Case(tmp, srv, "headless")
                test_parts_per_provider(c, files)
                test_refusals(c, files, tmp)
                test_size_rules(c, files)
                test_compare(c, files)
                test_history(c, files)
                if shutil.which("tmux") is not None:
                    tm = harness.Tmux(tmp, "files")
                    test_resume_sends_them_again(c, tm)
                    test_file_command(Case(tmp, srv, "screen"), tm, files)
                else:
                    print("skip: tmux not found (the screen's part)")
                test_continue_sends_them_again(c)  # after the screen's resume: it adds turns
            finally:
                if tm is not None:
                    tm.kill()
                os.chmod(files["secret"], 0o600)
    return finish()


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
