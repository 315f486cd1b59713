#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""circuit --replay, the real binary, against every recorded stream.

Checks that --events reproduces each fixture's expected text, thinking,
stop reason, usage, error and tool calls; that text mode prints exactly the
(sanitised) text on stdout; that --wire sse --events reproduces the SSE
vectors byte for byte; and that bad input gets one clear line and an exit
status, never a crash. Ends with "N passed, N failed".
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from harness import BIN, ROOT, SERVER, check, finish

STREAMS = os.path.join(ROOT, "tests/fixtures/streams")
SSE = os.path.join(ROOT, "tests/fixtures/sse")



# A private home: --replay saves a reply's images under $XDG_DATA_HOME
# (issue 19), which must never be the user's.
HOME = tempfile.mkdtemp(prefix="circuit-replay-")
ENV = dict(os.environ, HOME=HOME, XDG_DATA_HOME=os.path.join(HOME, "data"),
           XDG_CONFIG_HOME=os.path.join(HOME, "config"), XDG_STATE_HOME=os.path.join(HOME, "state"))


def run(*args, stdin=None):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, timeout=60, env=ENV)
    return p.returncode, p.stdout, p.stderr


def test_images_stay_home():
    """The fixtures' images went to the private home's data folder."""
    d = os.path.join(HOME, "data", "circuit", "images")
    saved = os.listdir(d) if os.path.isdir(d) else []
    check("images from the fixtures saved under $XDG_DATA_HOME/circuit/images",
          any(n.endswith(".png") for n in saved) and any(n.endswith(".webp") for n in saved),
          repr(saved))


def wire_for(name):
    if name.startswith(("openai_chat_", "openai_compat_")) or name in ("openai_401.json", "openai_429.json"):
        return "openai"
    if name.startswith("openai_responses_"):
        return "openai-responses"
    if name.startswith("anthropic_"):
        return "anthropic"
    if name.startswith("gemini_"):
        return "gemini" if name.endswith(".sse") else "gemini-json"
    if name.startswith("ollama_"):
        return "ollama"
    return None


def sanitize_ref(text):
    """An independent reading of the sanitize contract (util/sanitize.h)."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        o = ord(c)
        if c == "\r":
            if i + 1 < len(text) and text[i + 1] == "\n":
                out.append("\n")
                i += 2
                continue
            out.append("\u240d")
        elif c in "\n\t":
            out.append(c)
        elif o < 0x20:
            out.append(chr(0x2400 + o))
        elif o == 0x7F:
            out.append("\u2421")
        elif 0x80 <= o <= 0x9F:
            out.append("\u2426")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def events_result(lines):
    r = {"text": "", "thinking": "", "stop": None, "usage": None, "error": None, "tool_calls": []}
    for line in lines:
        ev = json.loads(line)
        t = ev["type"]
        if t == "text":
            r["text"] += ev["text"]
        elif t == "thinking":
            r["thinking"] += ev["text"]
        elif t == "stop":
            r["stop"] = ev["reason"]
        elif t == "usage":
            r["usage"] = {"input": ev["input"], "output": ev["output"]}
        elif t == "error":
            r["error"] = {"type": ev["code"], "message": ev["message"]}
        elif t == "tool_call":
            r["tool_calls"].append({"id": ev["id"], "name": ev["name"], "arguments": ev["arguments"]})
    return r


def test_stream(name):
    path = os.path.join(STREAMS, name)
    stem = name.rsplit(".", 1)[0]
    with open(os.path.join(STREAMS, stem + ".expected.json"), encoding="utf-8") as f:
        want = json.load(f)
    wire = wire_for(name)
    status = want.get("http_status")

    # --events: every field of the expected result.
    rc, out, err = run("--replay", path, "--wire", wire, "--events")
    got = events_result(out.decode("utf-8").splitlines())
    for key in ("text", "thinking", "stop", "usage", "error"):
        check(f"{name} events {key}", got[key] == want[key], f"got {got[key]!r}, want {want[key]!r}")
    if "tool_calls" in want:
        check(f"{name} events tool_calls", got["tool_calls"] == want["tool_calls"],
              f"got {got['tool_calls']!r}")
    check(f"{name} exit status", rc == (1 if want["error"] else 0), f"rc={rc}")

    # Text mode: stdout is exactly the sanitised text, ended by one newline.
    rc, out, err = run("--replay", path, "--wire", wire)
    text = sanitize_ref(want["text"])
    if text and not text.endswith("\n"):
        text += "\n"
    check(f"{name} text stdout", out.decode("utf-8") == text, f"got {out[:200]!r}")
    errtext = err.decode("utf-8")
    if want["thinking"]:
        check(f"{name} thinking on stderr", sanitize_ref(want["thinking"]) in errtext)
    if want["error"]:
        lines = [l for l in errtext.splitlines() if l.startswith("circuit: ")]
        check(f"{name} one error line", len(lines) == 1 and want["error"]["message"][:40] in lines[0]
              if want["error"]["message"] else len(lines) == 1, f"stderr {errtext!r}")

    # An HTTP error body, told its status.
    if status:
        rc, out, err = run("--replay", path, "--wire", wire, "--events", "--status", str(status))
        ev = json.loads(out.decode("utf-8").splitlines()[0])
        check(f"{name} --status error", {"type": ev["code"], "message": ev["message"]} == want["error"], repr(ev))
        check(f"{name} --status http_status", ev["http_status"] == status and rc == 1, repr(ev))


def test_sse_vectors():
    for name in sorted(os.listdir(SSE)):
        if not name.endswith(".in"):
            continue
        with open(os.path.join(SSE, name[:-3] + ".out"), "rb") as f:
            want = f.read()
        rc, out, err = run("--replay", os.path.join(SSE, name), "--wire", "sse", "--events")
        # The same events, compared as JSON values: circuit writes C1, DEL,
        # U+2028/9 and bidi controls as \\uXXXX where the vector has them raw.
        got = [json.loads(l) for l in out.decode("utf-8").split("\n") if l.strip()]
        exp = [json.loads(l) for l in want.decode("utf-8").split("\n") if l.strip()]
        check(f"sse {name}", rc == 0 and got == exp, f"rc={rc} got {out[:120]!r} want {want[:120]!r}")


def test_stream_sse_events():
    for name in sorted(os.listdir(STREAMS)):
        if not name.endswith(".events.jsonl"):
            continue
        body = name[: -len(".events.jsonl")] + ".sse"
        if not os.path.exists(os.path.join(STREAMS, body)):
            continue
        with open(os.path.join(STREAMS, name), encoding="utf-8") as f:
            want = [json.loads(l) for l in f if l.strip()]
        rc, out, err = run("--replay", os.path.join(STREAMS, body), "--wire", "sse", "--events")
        got = [json.loads(l) for l in out.decode("utf-8").splitlines()]
        check(f"sse events {body}", got == want, f"{len(got)} events vs {len(want)}")


def one_line_error(name, rc, err, want_rc):
    lines = err.decode("utf-8", "replace").strip().splitlines()
    check(f"{name} exit {want_rc}", rc == want_rc, f"rc={rc} stderr={err[:300]!r}")
    check(f"{name} message", 1 <= len(lines) <= 2 and lines[0].startswith("circuit: "), repr(err[:300]))


def test_bad_input():
    fixture = os.path.join(STREAMS, "openai_chat_basic.sse")
    rc, out, err = run("--replay", "/nonexistent/x.sse", "--wire", "openai")
    one_line_error("missing file", rc, err, 1)
    check("missing file names the file", b"/nonexistent/x.sse" in err)
    rc, out, err = run("--replay", ROOT, "--wire", "openai")
    one_line_error("directory", rc, err, 1)
    rc, out, err = run("--replay", fixture, "--wire", "nope")
    one_line_error("unknown wire", rc, err, 2)
    rc, out, err = run("--replay", fixture, "--wire", "sse")
    one_line_error("sse without --events", rc, err, 2)
    rc, out, err = run("--replay", fixture)
    one_line_error("no --wire", rc, err, 2)
    rc, out, err = run("--bogus")
    one_line_error("unknown option", rc, err, 2)
    rc, out, err = run("--replay", fixture, "--wire", "openai", "--status", "abc")
    one_line_error("bad --status", rc, err, 2)

    rng = bytes((i * 7919 + 13) % 256 for i in range(20000))
    with tempfile.TemporaryDirectory() as tmp:
        junk = os.path.join(tmp, "junk")
        with open(junk, "wb") as f:
            f.write(rng)
        empty = os.path.join(tmp, "empty")
        open(empty, "wb").close()
        huge = os.path.join(tmp, "huge")
        with open(huge, "wb") as f:
            f.write(b"data: " + b"x" * (2 << 20) + b"\n\n")
        for wire in ("openai", "openai-responses", "anthropic", "gemini", "gemini-json", "ollama"):
            rc, out, err = run("--replay", junk, "--wire", wire)
            one_line_error(f"garbage {wire}", rc, err, 1)
            rc, out, err = run("--replay", empty, "--wire", wire)
            one_line_error(f"empty {wire}", rc, err, 1)
        rc, out, err = run("--replay", huge, "--wire", "openai")
        one_line_error("2 MiB line", rc, err, 1)
        check("2 MiB line names the limit", b"limit" in err, repr(err))

        # Invalid UTF-8 in the text becomes U+FFFD; the output stays UTF-8.
        bad = os.path.join(tmp, "bad.sse")
        with open(bad, "wb") as f:
            f.write(b'data: {"choices":[{"index":0,"delta":{"content":"ok \xff\xc0\xaf end"}}]}\n\n'
                    b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n')
        rc, out, err = run("--replay", bad, "--wire", "openai")
        check("invalid UTF-8 replaced", rc == 0 and out.decode("utf-8") == "ok \ufffd\ufffd\ufffd end\n", repr(out))

        # Malformed JSON in one event: counted, skipped, the stream goes on.
        mal = os.path.join(tmp, "mal.sse")
        with open(mal, "wb") as f:
            f.write(b'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\ndata: {not json\n\n'
                    b'data: {"choices":[{"index":0,"delta":{"content":"b"},"finish_reason":"stop"}]}\n\n')
        rc, out, err = run("--replay", mal, "--wire", "openai")
        check("malformed event skipped", rc == 0 and out == b"ab\n" and b"skipped 1 malformed" in err,
              repr((rc, out, err)))


def test_escapes_and_stdin():
    path = os.path.join(STREAMS, "openai_chat_escapes.sse")
    rc, out, err = run("--replay", path, "--wire", "openai")
    check("escapes neutralised", b"\x1b" not in out and b"\x07" not in out and "\u241b]52;".encode() in out,
          repr(out))
    rc, out, err = run("--replay", path, "--wire", "openai", "--raw")
    check("--raw passes escapes", b"\x1b]52;c;" in out)
    with open(os.path.join(STREAMS, "anthropic_basic.sse"), "rb") as f:
        body = f.read()
    rc, out, err = run("--replay", "-", "--wire", "anthropic", stdin=body)
    with open(os.path.join(STREAMS, "anthropic_basic.expected.json"), encoding="utf-8") as f:
        want = json.load(f)["text"]
    check("replay from stdin", rc == 0 and out.decode("utf-8").rstrip("\n") == want.rstrip("\n"))


def test_help_version():
    rc, out, err = run("--help")
    text = out.decode()
    check("--help exit 0", rc == 0)
    for opt in ("--replay", "--wire", "--events", "--status", "--raw", "--version"):
        check(f"--help names {opt}", opt in text)
    rc, out, err = run("--version")
    check("--version", rc == 0 and out.decode().startswith("circuit "), repr(out))


def main():
    if not os.path.exists(BIN):
        print(f"no binary at {BIN}")
        check("binary exists", False, BIN)
        return finish()
    for name in sorted(os.listdir(STREAMS)):
        if name.endswith((".sse", ".json", ".ndjson")) and ".expected." not in name and wire_for(name):
            test_stream(name)
    test_sse_vectors()
    test_stream_sse_events()
    test_bad_input()
    test_escapes_and_stdin()
    test_help_version()
    test_images_stay_home()
    shutil.rmtree(HOME, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
