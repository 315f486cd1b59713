#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The loopback provider test server (tests/server/server.py) against its contract.

Starts the server, then over raw sockets and http.client checks: every
provider's stream (framing bytes, one event per HTTP chunk, terminal marker,
text, thinking, stop and usage read by an independent WHATWG SSE parser and a
small reference client per provider, and the same body decoded by
`circuit --replay --events` when the binary is built), keep-alive, auth and
status errors with the providers' bodies, the scenario knobs (drop_after,
error_after, malformed_at, bad_utf8_at, crlf, keepalive, pacing, stalls,
huge lines, fail_times), the request log, and SIGTERM.
Standard library only. Ends with "N passed, N failed".
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

from harness import BIN, ROOT, SERVER, check, finish




# --------------------------------------------------------------------------
# The server process

class Server:
    def __init__(self, *args):
        self.log = tempfile.NamedTemporaryFile(prefix="circuit-server-", suffix=".jsonl",
                                               delete=False).name
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, "--port", "0", "--log", self.log, "--max-seconds", "60",
             "--idle-seconds", "30", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.first_line = self.proc.stdout.readline().decode()
        self.port = int(self.first_line.split()[1]) if self.first_line.startswith("PORT ") else 0

    def entries(self):
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.unlink(self.log)


SRV = None


class Resp:
    pass


def raw(path, body=None, headers=None, method="POST", timeout=10):
    """One request over a fresh socket (Connection: close); the response with
    its HTTP chunks kept apart, arrival times, and whether it ended cleanly."""
    if body is None:
        data = b""
    elif isinstance(body, bytes):
        data = body
    else:
        data = json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{SRV.port}",
             "Content-Type: application/json", f"Content-Length: {len(data)}",
             "Connection: close"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    s = socket.create_connection(("127.0.0.1", SRV.port), timeout=timeout)
    t0 = time.monotonic()
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
    buf = b""
    arrivals = []  # (time, total bytes so far)
    reset = False
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
            arrivals.append((time.monotonic() - t0, len(buf)))
    except ConnectionResetError:
        reset = True
    s.close()
    r = Resp()
    r.elapsed = time.monotonic() - t0
    r.arrivals = arrivals
    r.reset = reset
    head, _, rest = buf.partition(b"\r\n\r\n")
    hl = head.decode("latin-1").split("\r\n")
    r.status = int(hl[0].split()[1]) if hl and len(hl[0].split()) > 1 else 0
    r.headers = {}
    for line in hl[1:]:
        k, _, v = line.partition(":")
        r.headers[k.strip().lower()] = v.strip()
    r.chunks = []
    r.complete = False
    r.head_len = len(head) + 4
    if r.headers.get("transfer-encoding") == "chunked":
        pos = 0
        while True:
            eol = rest.find(b"\r\n", pos)
            if eol < 0:
                break
            size = int(rest[pos:eol] or b"0", 16)
            if size == 0:
                r.complete = rest[eol:eol + 4] == b"\r\n\r\n"
                break
            if eol + 2 + size + 2 > len(rest):
                r.chunks.append(rest[eol + 2:])
                break
            r.chunks.append(rest[eol + 2:eol + 2 + size])
            pos = eol + 2 + size + 2
        r.body = b"".join(r.chunks)
    else:
        r.body = rest
        r.complete = len(rest) == int(r.headers.get("content-length", "-1"))
    return r


# --------------------------------------------------------------------------
# Independent readers: WHATWG SSE, then one small client per provider

def sse_events(data):
    """(event type, data) per dispatched event, by the WHATWG rules."""
    text = data.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines, cur, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\r":
            lines.append("".join(cur))
            cur = []
            if i + 1 < len(text) and text[i + 1] == "\n":
                i += 1
        elif c == "\n":
            lines.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    out, ev, dat = [], "", []
    for line in lines:  # a trailing partial line is discarded, as at EOF
        if line == "":
            if dat:
                out.append((ev or "message", "\n".join(dat)))
            ev, dat = "", []
        elif line.startswith(":"):
            continue
        else:
            name, sep, value = line.partition(":")
            if sep and value.startswith(" "):
                value = value[1:]
            if name == "event":
                ev = value
            elif name == "data":
                dat.append(value)
    return out


def result():
    return {"text": "", "thinking": "", "stop": None, "usage": None, "error": None,
            "done": False, "bad": 0}


def read_openai(body):
    r = result()
    for _, d in sse_events(body):
        if d.startswith("[DONE]"):
            r["done"] = True
            continue
        try:
            o = json.loads(d)
        except ValueError:
            r["bad"] += 1
            continue
        if o.get("error"):
            r["error"] = o["error"].get("type")
            continue
        if o.get("usage"):
            r["usage"] = (o["usage"]["prompt_tokens"], o["usage"]["completion_tokens"])
        for ch in o.get("choices") or []:
            delta = ch.get("delta") or {}
            r["text"] += delta.get("content") or ""
            r["thinking"] += delta.get("reasoning_content") or ""
            if ch.get("finish_reason"):
                r["stop"] = ch["finish_reason"]
    return r


def read_responses(body):
    r = result()
    for ev, d in sse_events(body):
        try:
            o = json.loads(d)
        except ValueError:
            r["bad"] += 1
            continue
        t = o.get("type")
        if t != ev:
            r["bad"] += 1
        if t == "response.output_text.delta":
            r["text"] += o["delta"]
        elif t == "response.reasoning_summary_text.delta":
            r["thinking"] += o["delta"]
        elif t in ("response.completed", "response.incomplete", "response.failed"):
            r["stop"] = o["response"]["status"]
            u = o["response"].get("usage")
            if u:
                r["usage"] = (u["input_tokens"], u["output_tokens"])
            r["done"] = True
        elif t == "error":
            r["error"] = o.get("code")
    return r


def read_anthropic(body):
    r = result()
    for ev, d in sse_events(body):
        try:
            o = json.loads(d)
        except ValueError:
            r["bad"] += 1
            continue
        if ev == "content_block_delta":
            delta = o["delta"]
            r["text"] += delta.get("text", "") if delta["type"] == "text_delta" else ""
            r["thinking"] += delta.get("thinking", "") if delta["type"] == "thinking_delta" else ""
        elif ev == "message_delta":
            r["stop"] = o["delta"]["stop_reason"]
            if "usage" in o:
                r["usage"] = (o["usage"]["input_tokens"], o["usage"]["output_tokens"])
        elif ev == "message_stop":
            r["done"] = True
        elif ev == "error":
            r["error"] = o["error"]["type"]
    return r


def gemini_obj(r, o):
    if "error" in o:
        r["error"] = o["error"]["status"]
        return
    for cand in o.get("candidates") or []:
        for part in (cand.get("content") or {}).get("parts") or []:
            if part.get("thought"):
                r["thinking"] += part.get("text", "")
            else:
                r["text"] += part.get("text", "")
        if cand.get("finishReason"):
            r["stop"] = cand["finishReason"]
            r["done"] = True
    u = o.get("usageMetadata")
    if u:
        r["usage"] = (u.get("promptTokenCount", 0),
                      u.get("candidatesTokenCount", 0) + u.get("thoughtsTokenCount", 0))


def read_gemini(body):
    r = result()
    for _, d in sse_events(body):
        try:
            gemini_obj(r, json.loads(d))
        except ValueError:
            r["bad"] += 1
    return r


def read_gemini_json(body):
    r = result()
    try:
        arr = json.loads(body.decode("utf-8"))
    except ValueError:
        r["bad"] += 1
        return r
    for o in arr:
        gemini_obj(r, o)
    return r


def read_ollama(body):
    r = result()
    for line in body.split(b"\n"):
        if not line.strip():
            continue
        try:
            o = json.loads(line)
        except ValueError:
            r["bad"] += 1
            continue
        if "error" in o:
            r["error"] = o["error"]
            continue
        msg = o.get("message") or {}
        r["text"] += msg.get("content", "")
        r["thinking"] += msg.get("thinking", "")
        if o.get("done"):
            r["done"] = True
            r["stop"] = o.get("done_reason")
            if "eval_count" in o:
                r["usage"] = (o["prompt_eval_count"], o["eval_count"])
    return r


# --------------------------------------------------------------------------
# The providers, as a client calls them

MSG = "Hello <there> & 世界"
AUTH = {
    "openai": {"Authorization": "Bearer sk-test"},
    "openai-responses": {"Authorization": "Bearer sk-test"},
    "anthropic": {"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"},
    "gemini": {"x-goog-api-key": "g-test"},
    "gemini-json": {"x-goog-api-key": "g-test"},
    "ollama": {},
}


def call(wire, spec="", stream=True, headers=None, query=""):
    """(path, body, headers) of a streaming request for a wire format."""
    prefix = f"/_s/{spec}" if spec else ""
    if wire == "openai":
        return (prefix + "/v1/chat/completions",
                {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "Be brief."},
                                                      {"role": "user", "content": MSG}],
                 "stream": stream, "stream_options": {"include_usage": True}})
    if wire == "openai-responses":
        return (prefix + "/v1/responses",
                {"model": "gpt-4.1-mini", "input": [{"role": "user", "content": MSG}],
                 "stream": stream})
    if wire == "anthropic":
        return (prefix + "/v1/messages",
                {"model": "claude-sonnet-4-5", "max_tokens": 1024, "system": "Be brief.",
                 "messages": [{"role": "user", "content": MSG}], "stream": stream})
    if wire in ("gemini", "gemini-json"):
        alt = "?alt=sse" if wire == "gemini" else ""
        if query:
            alt = (alt + "&" if alt else "?") + query
        return (prefix + "/v1beta/models/gemini-2.5-flash:streamGenerateContent" + alt,
                {"contents": [{"role": "user", "parts": [{"text": MSG}]}]})
    if wire == "ollama":
        return (prefix + "/api/chat",
                {"model": "qwen3:8b", "messages": [{"role": "user", "content": MSG}]})
    raise ValueError(wire)


READERS = {"openai": read_openai, "openai-responses": read_responses,
           "anthropic": read_anthropic, "gemini": read_gemini, "gemini-json": read_gemini_json,
           "ollama": read_ollama}
STOPS = {"openai": "stop", "openai-responses": "completed", "anthropic": "end_turn",
         "gemini": "STOP", "gemini-json": "STOP", "ollama": "stop"}
CTYPES = {"openai": "text/event-stream; charset=utf-8",
          "openai-responses": "text/event-stream; charset=utf-8",
          "anthropic": "text/event-stream; charset=utf-8",
          "gemini": "text/event-stream; charset=utf-8",
          "gemini-json": "application/json; charset=UTF-8", "ollama": "application/x-ndjson"}


def request(wire, spec="", headers=None, query=""):
    path, body = call(wire, spec, query=query)
    h = dict(AUTH[wire])
    h.update(headers or {})
    return raw(path, body, h)


def last_entry():
    return SRV.entries()[-1]


def run_circuit(body, *args):
    """circuit --replay on a body: (stdout lines as JSON, exit status), or None."""
    if not os.access(BIN, os.X_OK):
        return None
    with tempfile.NamedTemporaryFile(suffix=".body", delete=False) as f:
        f.write(body)
        name = f.name
    try:
        p = subprocess.run([BIN, "--replay", name, *args, "--events"],
                           capture_output=True, timeout=30)
    finally:
        os.unlink(name)
    return [json.loads(line) for line in p.stdout.decode("utf-8").splitlines()], p.returncode


def replay(wire, body, status=None):
    """circuit --replay --wire WIRE --events on a body: (result dict, exit status), or None."""
    args = ["--wire", wire] + (["--status", str(status)] if status else [])
    out = run_circuit(body, *args)
    if out is None:
        return None
    r = {"text": "", "thinking": "", "stop": None, "usage": None, "error": None, "code": None}
    for ev in out[0]:
        if ev["type"] in ("text", "thinking"):
            r[ev["type"]] += ev["text"]
        elif ev["type"] == "stop":
            r["stop"] = ev["reason"]
            r["stop_kind"] = ev.get("stop")
        elif ev["type"] == "usage":
            r["usage"] = (ev["input"], ev["output"])
        elif ev["type"] == "error":
            r["error"] = ev["kind"]
            r["code"] = ev["code"]
    return r, out[1]


# --------------------------------------------------------------------------
# Tests

def test_startup():
    check("first stdout line is PORT <n>", SRV.first_line.rstrip("\n") == f"PORT {SRV.port}"
          and SRV.port > 0, repr(SRV.first_line))
    try:
        with open("/proc/net/tcp") as f:
            rows = [ln.split() for ln in f.read().splitlines()[1:]]
        listen = [r[1] for r in rows if r[3] == "0A" and int(r[1].split(":")[1], 16) == SRV.port]
        check("listens on 127.0.0.1 only", listen == ["0100007F:%04X" % SRV.port], repr(listen))
    except OSError:
        print("skip listen-address check: no /proc/net/tcp")


def test_basic_streams():
    for wire in READERS:
        r = request(wire, "thinking=3,tokens=9")
        e = last_entry()
        name = f"{wire} basic"
        check(f"{name} status 200", r.status == 200, f"{r.status} {r.body[:300]!r}")
        check(f"{name} content-type", r.headers.get("content-type") == CTYPES[wire],
              r.headers.get("content-type"))
        check(f"{name} chunked and complete", r.complete and
              r.headers.get("transfer-encoding") == "chunked")
        check(f"{name} x-request-id", r.headers.get("x-request-id", "").startswith("req_"))
        got = READERS[wire](r.body)
        check(f"{name} text", got["text"] == e["reply"] and len(e["reply_chunks"]) == 9,
              f"{got['text']!r} vs {e['reply']!r}")
        check(f"{name} text has CJK and emoji",
              any(0x4E00 <= ord(c) <= 0x9FFF for c in got["text"]) and
              any(ord(c) >= 0x1F300 for c in got["text"]))
        check(f"{name} thinking", got["thinking"] == e["thinking"] != "", repr(got["thinking"]))
        check(f"{name} stop", got["stop"] == STOPS[wire] and got["done"], repr(got["stop"]))
        check(f"{name} usage", got["usage"] == (e["prompt_tokens"], 12), repr(got["usage"]))
        check(f"{name} nothing malformed", got["bad"] == 0 and got["error"] is None)
        rep = replay(wire, r.body)
        if rep is None:
            print(f"skip circuit replay: {BIN} is not built")
        else:
            dec, rc = rep
            check(f"{name} circuit --replay", rc == 0 and dec["text"] == e["reply"] and
                  dec["thinking"] == e["thinking"] and dec["stop"] == STOPS[wire] and
                  dec["usage"] == (e["prompt_tokens"], 12) and dec["error"] is None,
                  f"rc={rc} {dec!r}")
        if wire not in ("gemini-json", "ollama"):
            out = run_circuit(r.body, "--wire", "sse")
            if out is not None:
                evs = [(ev["event"], ev["data"]) for ev in out[0]]
                check(f"{name} circuit --wire sse parses the same events",
                      out[1] == 0 and evs == sse_events(r.body) and len(evs) > 9,
                      f"rc={out[1]} {evs[:2]!r}")
        if wire == "anthropic":
            check("anthropic request-id header", r.headers.get("request-id", "").startswith("req_"))
            names = [ev for ev, _ in sse_events(r.body)]
            check("anthropic event order", names[:3] == ["message_start", "content_block_start",
                                                          "ping"] and
                  names[-2:] == ["message_delta", "message_stop"] and
                  "signature_delta" in r.body.decode(), repr(names[:4]))
        if wire != "gemini-json":
            # one event (or NDJSON line) per HTTP chunk: what "flushed per event" means
            sep = b"\n" if wire == "ollama" else (b"\r\n\r\n" if wire == "gemini" else b"\n\n")
            check(f"{name} one event per HTTP chunk",
                  all(c.endswith(sep) and c.count(sep) == 1 for c in r.chunks),
                  repr([c[:60] for c in r.chunks if c.count(sep) != 1][:2]))


def test_shapes():
    r = request("openai", "tokens=3")
    evs = [d for _, d in sse_events(r.body)]
    first = json.loads(evs[0])
    check("openai chunk key order", list(first)[:4] == ["id", "object", "created", "model"] and
          first["object"] == "chat.completion.chunk", repr(list(first)))
    check("openai first delta has the role",
          first["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
          and first["choices"][0]["logprobs"] is None and
          first["choices"][0]["finish_reason"] is None)
    check("openai same id on every chunk",
          len({json.loads(d)["id"] for d in evs[:-1]}) == 1)
    usage_chunk = json.loads(evs[-2])
    check("openai usage chunk has choices []", usage_chunk["choices"] == [] and
          usage_chunk["usage"]["total_tokens"] > 0 and evs[-1] == "[DONE]")
    check("openai framing is data: ...\\n\\n", r.body.startswith(b"data: {\"id\":\"chatcmpl-")
          and r.body.endswith(b"data: [DONE]\n\n"))
    path, body = call("openai")
    body.pop("stream_options")
    r = raw(path, body, AUTH["openai"])
    check("openai without include_usage: no usage key, no usage chunk",
          b'"usage"' not in r.body and read_openai(r.body)["done"])
    r = request("gemini", "tokens=2")
    check("gemini sse events end with \\r\\n\\r\\n",
          r.body.startswith(b'data: {"candidates": [{"content": {"parts": [{"text": ') and
          r.body.endswith(b"\r\n\r\n") and b"\n\n" not in r.body.replace(b"\r\n\r\n", b""))
    check("gemini escapes < > & as Google does", b"\\u003cthere\\u003e \\u0026" in r.body)
    r = request("gemini-json", "tokens=2")
    check("gemini array framing",
          r.body.startswith(b'[{\n  "candidates": [\n') and r.body.count(b"\n}\r\n,\r\n{\n") == 2
          and r.body.endswith(b"\n}\r\n]"), repr(r.body[-20:]))
    r = request("ollama", "tokens=2")
    lines = r.body.split(b"\n")
    last = json.loads(lines[-2])
    check("ollama NDJSON final line", lines[-1] == b"" and last["done"] is True and
          last["done_reason"] == "stop" and last["eval_count"] == 2 and
          "total_duration" in last and b"\\u003cthere\\u003e" in r.body)
    r = request("openai-responses", "tokens=2")
    names = [ev for ev, _ in sse_events(r.body)]
    check("responses event order", names[:2] == ["response.created", "response.in_progress"] and
          names[-1] == "response.completed" and "response.output_text.done" in names,
          repr(names))
    seqs = [json.loads(d)["sequence_number"] for _, d in sse_events(r.body)]
    check("responses sequence numbers", seqs == list(range(len(seqs))))


def test_keepalive_connection():
    conn = http.client.HTTPConnection("127.0.0.1", SRV.port, timeout=10)
    socks = []
    ok = True
    for wire in ("openai", "anthropic", "ollama"):
        path, body = call(wire, "tokens=4")
        conn.request("POST", path, json.dumps(body), {**AUTH[wire],
                                                      "Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        ok = ok and resp.status == 200 and READERS[wire](data)["done"]
        socks.append(conn.sock)
    check("sequential requests on one keep-alive connection",
          ok and socks[0] is not None and socks[0] is socks[1] is socks[2])
    conn.close()


def test_errors():
    r = request("openai", "status=429,retry_after=2,retry_after_ms=1500")
    body = json.loads(r.body)
    check("openai 429 body and headers", r.status == 429 and
          body["error"]["code"] == "rate_limit_exceeded" and body["error"]["type"] == "tokens" and
          r.headers.get("retry-after") == "2" and r.headers.get("retry-after-ms") == "1500" and
          r.body.startswith(b'{\n    "error": {\n') and r.complete)
    r = request("anthropic", "status=529")
    check("anthropic 529 overloaded_error", r.status == 529 and
          json.loads(r.body)["error"] == {"type": "overloaded_error", "message": "Overloaded"} and
          r.body.startswith(b'{"type":"error","error":'))
    r = request("gemini", "status=503")
    check("gemini 503 UNAVAILABLE", r.status == 503 and
          json.loads(r.body)["error"]["status"] == "UNAVAILABLE" and
          r.headers.get("content-type") == "application/json; charset=UTF-8")
    r = request("ollama", "status=500")
    check("ollama 500 string error", r.status == 500 and
          isinstance(json.loads(r.body)["error"], str))
    r = request("openai-responses", "status=500")
    check("responses 500 server_error", r.status == 500 and
          json.loads(r.body)["error"]["type"] == "server_error")
    # auth
    r = request("openai", headers={"Authorization": "Bearer bad-key"})
    check("openai bad key 401 invalid_api_key", r.status == 401 and
          json.loads(r.body)["error"]["code"] == "invalid_api_key")
    path, body = call("openai")
    r = raw(path, body, {})
    check("openai missing key 401", r.status == 401)
    r = request("anthropic", headers={"x-api-key": "bad-key"})
    check("anthropic bad key 401 authentication_error", r.status == 401 and
          json.loads(r.body)["error"]["type"] == "authentication_error")
    path, body = call("anthropic")
    r = raw(path, body, {"Authorization": "Bearer sk-ant", "anthropic-version": "2023-06-01"})
    check("anthropic takes the key as Authorization: Bearer too (@anthropic-ai/sdk 1.x)",
          r.status == 200 and last_entry()["auth"] == "ok")
    path, body = call("anthropic")
    r = raw(path, body, {"x-api-key": "k"})
    check("anthropic without anthropic-version 400", r.status == 400 and
          json.loads(r.body)["error"]["type"] == "invalid_request_error")
    r = request("gemini", headers={"x-goog-api-key": "bad-key"})
    check("gemini bad key 400 API_KEY_INVALID", r.status == 400 and
          json.loads(r.body)["error"]["details"][0]["reason"] == "API_KEY_INVALID")
    path, body = call("gemini")
    r = raw(path, body, {})
    check("gemini missing key 403", r.status == 403)
    kinds = [("openai", "status=429", 429, "rate_limit"), ("openai", "status=500", 500, "server"),
             ("openai-responses", "status=401", 401, "auth"),
             ("anthropic", "status=529", 529, "overloaded"),
             ("anthropic", "status=429", 429, "rate_limit"),
             ("gemini", "status=429", 429, "rate_limit"), ("gemini", "status=503", 503, None),
             ("ollama", "status=500", 500, "server")]
    for wire, spec, status, kind in kinds:
        r = request(wire, spec)
        rep = replay(wire, r.body, status)
        if rep is not None:
            dec, rc = rep
            check(f"{wire} {status} body: circuit reads the provider's error",
                  r.status == status and rc == 1 and dec["error"] is not None and
                  (kind is None or dec["error"] == kind), repr(dec))
    r = request("openai", "nosuchkey=1")
    check("unknown scenario key 400", r.status == 400 and b"nosuchkey" in r.body)
    r = raw("/v1/nothing", {}, {})
    check("unknown path 404", r.status == 404 and r.complete)


def test_drop_and_errors_midstream():
    for wire in READERS:
        r = request(wire, "drop_after=3,tokens=8")
        e = last_entry()
        got = READERS[wire](r.body) if wire != "gemini-json" else None
        check(f"{wire} drop_after: no terminating chunk", not r.complete and r.status == 200)
        if got is not None:
            check(f"{wire} drop_after: 3 chunks, no end marker",
                  got["text"] == "".join(e["reply_chunks"][:3]) and not got["done"],
                  repr(got["text"]))
        rep = replay(wire, r.body)
        if rep is not None:
            dec, rc = rep
            check(f"{wire} drop_after: circuit reports truncated",
                  rc == 1 and dec["error"] == "truncated" and
                  dec["text"] == "".join(e["reply_chunks"][:3]), repr(dec))
        r = request(wire, "error_after=2,tokens=8")
        e = last_entry()
        check(f"{wire} error_after: response ends cleanly", r.complete)
        if wire != "gemini-json":
            got = READERS[wire](r.body)
            check(f"{wire} error_after: error event after 2 chunks",
                  got["error"] is not None and not got["done"] and
                  got["text"] == "".join(e["reply_chunks"][:2]), repr(got))
        rep = replay(wire, r.body)
        if rep is not None:
            dec, rc = rep
            check(f"{wire} error_after: circuit reports the error",
                  rc == 1 and dec["error"] not in (None, "truncated") and
                  dec["text"] == "".join(e["reply_chunks"][:2]), repr(dec))
    r = request("anthropic", "error_after=1")
    check("anthropic error_after is overloaded_error", read_anthropic(r.body)["error"] ==
          "overloaded_error")
    r = request("openai", "drop_after=2,drop_rst=1")
    check("drop_rst resets the connection", not r.complete)


def test_bad_chunks():
    for wire in ("openai", "anthropic", "gemini", "ollama", "openai-responses"):
        r = request(wire, "malformed_at=2,tokens=5")
        e = last_entry()
        got = READERS[wire](r.body)
        want = "".join(c for i, c in enumerate(e["reply_chunks"]) if i != 1)
        check(f"{wire} malformed_at: one bad event, the rest intact",
              got["bad"] == 1 and got["text"] == want and got["done"], repr(got))
        r = request(wire, "bad_utf8_at=3,tokens=5")
        check(f"{wire} bad_utf8_at: invalid UTF-8 inside a JSON string",
              r.body.count(b"\xff") == 1 and r.complete)
        bad = [c for c in r.chunks if b"\xff" in c][0]
        try:
            bad.decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        check(f"{wire} bad_utf8_at: that chunk does not decode", not valid)
    r = request("gemini-json", "malformed_at=2,tokens=5")
    check("gemini-json malformed_at keeps braces balanced",
          r.body.count(b"{") == r.body.count(b"}") and b"oops" in r.body)


def test_framing_knobs():
    r = request("anthropic", "crlf=1,keepalive=1,tokens=4")
    check("crlf=1: every line ends CRLF",
          r.body.count(b"\n") == r.body.count(b"\r\n") and read_anthropic(r.body)["done"])
    rep = replay("anthropic", r.body)
    if rep is not None:
        check("crlf=1 with pings: circuit --replay reads it", rep[1] == 0 and
              rep[0]["text"] == last_entry()["reply"] and rep[0]["stop"] == "end_turn")
    pings = [ev for ev, _ in sse_events(r.body)].count("ping")
    check("anthropic keepalive=1: ping between chunks", pings == 1 + 3, f"pings={pings}")
    r = request("openai", "keepalive=1,tokens=4")
    check("openai keepalive=1: comment lines", r.body.count(b"\n: ") == 3 and
          read_openai(r.body)["done"])
    r = request("gemini", "crlf=0,tokens=2")
    check("gemini crlf=0: LF events", b"\r" not in r.body and read_gemini(r.body)["done"])
    r = request("openai", "tokens=3,stop=length,usage=0")
    got = read_openai(r.body)
    check("stop=length, usage=0", got["stop"] == "length" and got["usage"] is None)
    r = request("openai", "text=Caf%C3%A9%2C%20%E4%BD%A0%E5%A5%BD%20%F0%9F%99%82,tokens=3")
    got = read_openai(r.body)
    check("text= literal reply split in chunks", got["text"] == "Café, 你好 🙂" and
          len(last_entry()["reply_chunks"]) == 3, repr(got["text"]))
    r = request("ollama", "huge_line_mb=1,tokens=2")
    big = [c for c in r.chunks if len(c) == 64 * 1024]
    lines = r.body.split(b"\n")
    check("huge_line_mb=1: a 1 MiB line in 64 KiB writes, then the stream goes on",
          len(big) >= 15 and max(len(x) for x in lines) > 1 << 20 and
          read_ollama(r.body)["done"], f"{len(big)} {[len(x) for x in lines]}")


# Each provider's word for a reply cut by the token limit (stop=length).
LENGTHS = {"openai": "length", "openai-responses": "incomplete", "anthropic": "max_tokens",
           "gemini": "MAX_TOKENS", "gemini-json": "MAX_TOKENS", "ollama": "length"}


def test_stop_length():
    """stop=length: every provider says its own word for the token limit,
    and circuit reads each one as the stop kind "length"."""
    for wire in READERS:
        r = request(wire, "tokens=3,stop=length")
        got = READERS[wire](r.body)
        check(f"{wire} stop=length: the provider's word", got["done"] and
              got["stop"] == LENGTHS[wire] and got["text"] == last_entry()["reply"],
              repr(got))
        if wire == "openai-responses":
            check("openai-responses stop=length: incomplete for max_output_tokens",
                  b'"incomplete_details":{"reason":"max_output_tokens"}' in r.body.replace(b" ", b""))
        rep = replay(wire, r.body)
        if rep is not None:
            dec, rc = rep
            check(f"{wire} stop=length: circuit --replay reads the stop kind length",
                  rc == 0 and dec["stop"] == LENGTHS[wire] and dec.get("stop_kind") == "length",
                  f"rc={rc} {dec!r}")


def test_timing():
    r = request("openai", "ttfb_ms=200,tokens=4,pace_ms=60")
    first_body = next((t for t, n in r.arrivals if n > r.head_len), None)
    check("ttfb_ms delays the status line", r.arrivals and r.arrivals[0][0] >= 0.19,
          repr(r.arrivals[:1]))
    check("pace_ms spaces chunks and each is flushed", r.elapsed >= 0.2 + 3 * 0.06 - 0.01 and
          first_body is not None and r.arrivals[-1][0] - first_body >= 0.15,
          f"{r.elapsed:.3f} {r.arrivals[:3]}")
    r = request("anthropic", "tokens=3,stall_after=1,stall_ms=400")
    check("stall_after/stall_ms", 0.39 <= r.elapsed < 2 and read_anthropic(r.body)["done"],
          f"{r.elapsed:.3f}")
    r = request("ollama", "ttft_ms=300,tokens=2")
    heads = [t for t, n in r.arrivals if n <= r.head_len]
    check("ttft_ms: headers first, body later", r.elapsed >= 0.29 and
          bool(heads) and heads[0] < r.elapsed - 0.2, f"{r.arrivals}")
    r = request("openai", "tokens=2,stall_after=1,stall_ms=500,keepalive_ms=100")
    n = r.body.count(b": OPENROUTER PROCESSING")
    check("keepalive_ms sends comments during a stall", 2 <= n <= 6, f"n={n}")
    # concurrency: three slow requests overlap
    out = []

    def one():
        out.append(request("ollama", "ttft_ms=600,tokens=1"))

    t0 = time.monotonic()
    ts = [threading.Thread(target=one) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.monotonic() - t0
    check("concurrent requests are served in parallel", dt < 1.5 and len(out) == 3 and
          all(r.status == 200 for r in out), f"{dt:.2f}s")
    r = request("openai", "endless=1,pace_ms=1,drop_after=50")
    check("endless=1 streams past the default length", read_openai(r.body)["text"] != "" and
          len(sse_events(r.body)) == 51)


def test_fail_times():
    spec = f"status=503,fail_times=1,tag=ft{os.getpid()}"
    a = request("openai", spec)
    b = request("openai", spec)
    check("fail_times=1: fails once, then streams", a.status == 503 and b.status == 200 and
          read_openai(b.body)["done"])
    spec = f"hangup=1,fail_times=1,tag=hu{os.getpid()}"
    a = request("ollama", spec)
    b = request("ollama", spec)
    check("hangup=1: no response at all, then normal", a.status == 0 and a.body == b"" and
          b.status == 200)


def test_request_log():
    before = len(SRV.entries())
    request("gemini", "tokens=2", query="key=leaked")
    request("openai", "tokens=2,pace_ms=1")
    entries = SRV.entries()
    check("one log line per request", len(entries) == before + 2)
    g, o = entries[-2], entries[-1]
    check("log: method, path, query, scenario",
          g["method"] == "POST" and g["path"].endswith(":streamGenerateContent") and
          g["query"] == {"alt": "sse", "key": "leaked"} and g["key_in_query"] is True and
          o["scenario"] == {"tokens": 2, "pace_ms": 1} and o["key_in_query"] is False, repr(g))
    check("log: headers lowercased, body parsed",
          o["headers"].get("authorization") == "Bearer sk-test" and
          o["body"]["messages"][1]["content"] == MSG and
          g["headers"].get("x-goog-api-key") == "g-test", repr(o["headers"]))
    check("log: the key is in no URL but the one that asked for it",
          all("sk-test" not in e["path"] and "sk-test" not in json.dumps(e["query"])
              for e in entries))
    r = raw("/v1/chat/completions", b"{not json", AUTH["openai"])
    e = SRV.entries()[-1]
    check("log: body null when not JSON", e["body"] is None and r.status == 400)


def test_sigterm():
    t0 = time.monotonic()
    path, body = call("ollama", "stall_after=1,stall_ms=20000")
    s = socket.create_connection(("127.0.0.1", SRV.port), timeout=10)
    data = json.dumps(body).encode()
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n\r\n".encode()
              + data)
    s.recv(4096)
    SRV.proc.terminate()
    try:
        rc = SRV.proc.wait(3)
    except subprocess.TimeoutExpired:
        rc = None
    check("SIGTERM exits promptly mid-stream", rc == 0 and time.monotonic() - t0 < 3, f"rc={rc}")
    s.close()


def test_idle_exit():
    t0 = time.monotonic()
    p = subprocess.Popen([sys.executable, SERVER, "--idle-seconds", "0.5"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = p.stdout.readline()
    try:
        rc = p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = None
    check("exits by itself after --idle-seconds", rc == 0 and line.startswith(b"PORT ") and
          time.monotonic() - t0 < 4, f"rc={rc}")


def main():
    global SRV
    SRV = Server()
    if not SRV.port:
        check("server starts", False, SRV.proc.stderr.read().decode())
        return finish()
    try:
        for t in (test_startup, test_basic_streams, test_shapes, test_keepalive_connection,
                  test_errors, test_drop_and_errors_midstream, test_bad_chunks,
                  test_framing_knobs, test_stop_length, test_timing, test_fail_times, test_request_log,
                  test_sigterm):
            try:
                t()
            except Exception as e:  # one broken test must not hide the others
                check(t.__name__, False, f"{type(e).__name__}: {e}")
        test_idle_exit()
    finally:
        SRV.stop()
        err = SRV.proc.stderr.read().decode(errors="replace")
        if "Traceback" in err:
            check("server stderr has no traceback", False, err[-2000:])
    return finish()


if __name__ == "__main__":
    sys.exit(main())
