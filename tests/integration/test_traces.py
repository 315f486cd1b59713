#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 19's traces as a user sees them, the real binary: a refusal
streamed in pieces is one line on stderr (--replay, -p against the loopback
server) and one notice on the screen (tmux), never in the reply's text;
--save-images is in --help. With the decoders of issue 19 in the tree, the
documented shapes (an Anthropic web search with its citations and a
redacted thinking block, a Gemini image) replayed in text mode: stdout the
text only, each provider tool one line on stderr, the numbered sources after
the reply, the image saved 0600 in --save-images DIR with a line naming
it; until then those checks say they are skipped. Ends with "N passed, N
failed"."""
import base64
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

import harness
from harness import BIN, ROOT, check, finish

KEY = "sk-test-circuit-traces"
PRIVATE = tempfile.mkdtemp(prefix="circuit-traces-")
REFUSAL = "I'm sorry, but I can't help with that request."


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.endswith(("_API_KEY", "_BASE_URL")) and k != "OLLAMA_HOST"}
    env.update(HOME=PRIVATE, XDG_CONFIG_HOME=os.path.join(PRIVATE, "config"),
               XDG_DATA_HOME=os.path.join(PRIVATE, "data"),
               XDG_STATE_HOME=os.path.join(PRIVATE, "state"), LANG="C.UTF-8")
    env.update(extra)
    return env


def run(args, stdin=None, env=None):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, timeout=60,
                       env=env if env is not None else clean_env())
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def sse(events):
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def chat_chunk(delta, finish=None):
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
            "model": "gpt-4o", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


# ---- a refusal in pieces ---------------------------------------------------------

def test_replay_refusal():
    # OpenAI's documented refusal delta (Structured Outputs: "refusal" in
    # the delta), streamed a few words at a time as the API does.
    pieces = ["I'm sorry,", " but I can't", " help with", " that request."]
    chunks = [chat_chunk({"role": "assistant", "content": None, "refusal": ""})]
    chunks += [chat_chunk({"refusal": p}) for p in pieces]
    chunks.append(chat_chunk({}, "stop"))
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    rc, out, err = run(["--replay", "-", "--wire", "openai"], stdin=body.encode())
    lines = err.splitlines()
    check("replay: a refusal in pieces exits 0", rc == 0, f"rc={rc} {err!r}")
    check("replay: nothing on stdout", out == "", repr(out))
    check("replay: one [refusal] line, whole", [l for l in lines if "refusal" in l] ==
          ["[refusal] " + "".join(pieces)], repr(err))


def test_headless_refusal(srv):
    scen = "tokens=0,refusal_split=1,refusal=" + REFUSAL.replace(" ", "%20").replace(",", "%2C")
    env = clean_env(OPENAI_BASE_URL=srv.base(scen) + "/v1", OPENAI_API_KEY=KEY)
    rc, out, err = run(["-p", "hi", "-m", "gpt-4o", "--no-history"], env=env)
    got = [l for l in err.splitlines() if "refusal" in l]
    check("-p: the refusal is one stderr line with the whole text",
          got == ["[refusal] " + REFUSAL], repr(err))
    check("-p: stdout has no refusal", "sorry" not in out, repr(out))


def test_screen_refusal(srv):
    if shutil.which("tmux") is None:
        print("skipped: the screen's refusal (no tmux)")
        return
    scen = "tokens=0,pace_ms=20,refusal_split=1,refusal=" + REFUSAL.replace(" ", "%20").replace(",", "%2C")
    home = os.path.join(PRIVATE, "screen")
    os.makedirs(home, exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
           "XDG_DATA_HOME": os.path.join(home, "data"), "TERM": "xterm-256color",
           "LANG": "C.UTF-8", "OPENAI_BASE_URL": srv.base(scen) + "/v1", "OPENAI_API_KEY": KEY}
    tm = harness.Tmux(PRIVATE, "traces")
    try:
        p = tm.pane(100, 30, env, ["-m", "gpt-4o", "--no-history"])
        p.wait_for(lambda s: s.rule is not None)
        p.send("hello")
        ok, s = p.wait_for(lambda s: s.has("[refusal] " + REFUSAL) and not s.has("streaming"),
                           timeout=15)
        check("screen: the refusal is one notice with the whole text", ok, str(s))
        t = "\n".join(s.transcript)
        check("screen: one notice, not one per piece", t.count("[refusal]") == 1, t)
        check("screen: the pieces are not in the reply's text",
              t.count("I'm sorry") == 1, t)
        p.quit()
    finally:
        tm.kill()


# ---- the documented shapes, once the decoders emit them ------------------------------

def anthropic_web_search():
    """Anthropic's web search tool as its docs stream it: the server_tool_use
    block (its query as input_json_delta), the web_search_tool_result, text
    with citations_delta, and a redacted_thinking block first."""
    tid = "srvtoolu_014hJH82Qum7Td6UV8gDXThB"
    url = "https://tokio.rs/tokio/tutorial"
    return sse([
        {"type": "message_start", "message": {"id": "msg_01", "type": "message", "role": "assistant",
         "model": "claude-sonnet-4-5", "content": [], "stop_reason": None,
         "usage": {"input_tokens": 10, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {
            "type": "server_tool_use", "id": tid, "name": "web_search", "input": {}}},
        {"type": "content_block_delta", "index": 1, "delta": {
            "type": "input_json_delta", "partial_json": "{\"query\": \"rust async runtimes\"}"}},
        {"type": "content_block_stop", "index": 1},
        {"type": "content_block_start", "index": 2, "content_block": {
            "type": "web_search_tool_result", "tool_use_id": tid, "content": [
                {"type": "web_search_result", "title": "Tutorial | Tokio", "url": url,
                 "encrypted_content": "EqgfCioIARgBIiQ3", "page_age": None}]}},
        {"type": "content_block_stop", "index": 2},
        {"type": "content_block_start", "index": 3, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 3, "delta": {"type": "text_delta",
                                                             "text": "Tokio is the usual one."}},
        {"type": "content_block_delta", "index": 3, "delta": {"type": "citations_delta", "citation": {
            "type": "web_search_result_location", "cited_text": "Tokio is an asynchronous runtime",
            "url": url, "title": "Tutorial | Tokio", "encrypted_index": "Eo8BCioIAhgBIiQy"}}},
        {"type": "content_block_stop", "index": 3},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
         "usage": {"output_tokens": 20}},
        {"type": "message_stop"},
    ]), url


def decoded_types(body, wire):
    rc, out, err = run(["--replay", "-", "--wire", wire, "--events"], stdin=body)
    return {json.loads(l)["type"] for l in out.splitlines() if l.startswith("{")}


def test_replay_web_search():
    body, url = anthropic_web_search()
    if "server_tool" not in decoded_types(body, "anthropic"):
        print("skipped: Anthropic web search in text mode (the decoder does not emit it yet)")
        return
    rc, out, err = run(["--replay", "-", "--wire", "anthropic"], stdin=body)
    lines = err.splitlines()
    check("web search: exit 0", rc == 0, f"rc={rc} {err!r}")
    check("web search: stdout is the text only", out == "Tokio is the usual one.\n", repr(out))
    check("web search: the call is one line with its query",
          "\u2699 web_search: rust async runtimes" in lines, repr(err))
    check("web search: its result is one line", any(l.startswith("\u2699 web_search \u2192")
                                                    for l in lines), repr(err))
    check("web search: the redacted thinking is a marker line",
          any(l.startswith("[") and "redacted" in l for l in lines), repr(err))
    at = lines.index("Sources:") if "Sources:" in lines else -1
    check("web search: the sources after the reply, the URL once with its title",
          at >= 0 and lines[at + 1] == f"1. Tutorial | Tokio \u2014 {url}" and
          sum(url in l for l in lines) == 1, repr(err))
    env = clean_env(LANG="C")
    rc, out, err = run(["--replay", "-", "--wire", "anthropic"], stdin=body, env=env)
    check("web search: ASCII outside a UTF-8 locale",
          "* web_search: rust async runtimes" in err.splitlines(), repr(err))


def test_replay_image():
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                        "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
    data = base64.b64encode(png).decode()
    chunks = [
        {"candidates": [{"content": {"parts": [{"text": "Here it is:"}], "role": "model"}}]},
        {"candidates": [{"content": {"parts": [{"inlineData": {"mimeType": "image/png",
                                                               "data": data}}], "role": "model"}}]},
        {"candidates": [{"content": {"parts": [{"text": " a dot."}], "role": "model"},
                         "finishReason": "STOP"}],
         "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 9}},
    ]
    body = "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks).encode()
    if "image" not in decoded_types(body, "gemini"):
        print("skipped: a Gemini image in text mode (the decoder does not emit it yet)")
        return
    d = os.path.join(PRIVATE, "imgs")
    rc, out, err = run(["--replay", "-", "--wire", "gemini", "--save-images", d], stdin=body)
    check("image: exit 0, the text before and after kept",
          rc == 0 and out == "Here it is: a dot.\n", f"rc={rc} {out!r} {err!r}")
    files = sorted(os.listdir(d)) if os.path.isdir(d) else []
    check("image: one file, named by time, hash and type",
          len(files) == 1 and files[0].endswith("-" + hashlib.sha256(png).hexdigest()[:8] + ".png"),
          repr(files))
    if files:
        path = os.path.join(d, files[0])
        with open(path, "rb") as f:
            check("image: the bytes decoded", f.read() == png)
        check("image: the file is 0600, the folder 0700",
              stat.S_IMODE(os.stat(path).st_mode) == 0o600 and
              stat.S_IMODE(os.stat(d).st_mode) == 0o700)
        check("image: one stderr line names the file",
              any(l.startswith("[image saved: " + path) for l in err.splitlines()), repr(err))


def test_help():
    rc, out, err = run(["--help"])
    check("--help names --save-images", rc == 0 and "--save-images DIR" in out)


def main():
    if not os.path.exists(BIN):
        check("binary exists", False, BIN)
        return finish()
    start = time.monotonic()
    try:
        test_help()
        test_replay_refusal()
        test_replay_web_search()
        test_replay_image()
        with harness.LoopbackServer(PRIVATE) as srv:
            test_headless_refusal(srv)
            test_screen_refusal(srv)
    finally:
        shutil.rmtree(PRIVATE, ignore_errors=True)
    print(f"({time.monotonic() - start:.1f} s)")
    return finish()


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
