#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Loopback provider test server: OpenAI, Anthropic, Gemini and Ollama on one port.

Speaks each provider's streaming wire format byte for byte as the recorded
fixtures in tests/fixtures/streams/ show it, with a per-request scenario
(pacing, stalls, drops, errors, malformed chunks, ...) chosen by an optional
"/_s/<spec>" path prefix. Standard library only. See tests/server/README.md.

    python3 tests/server/server.py [--port 0] [--log FILE]
                                   [--max-seconds 300] [--idle-seconds 60]

Binds 127.0.0.1 only and prints "PORT <n>" as its first stdout line.
"""
import argparse
import http.server
import json
import os
import random
import re
import signal
import socket
import socketserver
import string
import struct
import sys
import threading
import time
import traceback
import urllib.parse
from datetime import datetime, timezone

MIB = 1 << 20
WRITE_PIECE = 64 * 1024          # huge lines go out in writes of this size
MAX_BODY = 64 * MIB              # request bodies past this get 413
BAD_UTF8 = b"\xe6\x97\xff"       # a cut CJK sequence then a byte never valid in UTF-8
BAD_MARK = "@@BAD-UTF8@@"        # placeholder replaced by BAD_UTF8 after encoding
HUGE_MARK = "@@HUGE-TEXT@@"      # placeholder for the text of a huge_line_mb chunk
DEFAULT_STALL_MS = 5000


class Dropped(Exception):
    """The response was cut on purpose (drop_after, hangup)."""


class Stopping(Exception):
    """The server is shutting down."""


class BadFraming(Exception):
    """The request's HTTP framing (chunk sizes, Content-Length) is unreadable."""


# --------------------------------------------------------------------------
# Server-wide state

class State:
    def __init__(self, max_seconds, idle_seconds, log_path, verbose):
        self.start = time.monotonic()
        self.deadline = self.start + max_seconds
        self.idle_seconds = idle_seconds
        self.verbose = verbose
        self.lock = threading.Lock()
        self.inflight = 0
        self.last_activity = self.start
        self.requests = 0
        self.fail_counts = {}
        self.stop = threading.Event()
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None

    def begin(self):
        with self.lock:
            self.inflight += 1
            self.requests += 1
            self.last_activity = time.monotonic()
            return self.requests

    def end(self):
        with self.lock:
            self.inflight -= 1
            self.last_activity = time.monotonic()

    def failing(self, spec, times):
        """True while the first `times` requests carrying exactly `spec` run."""
        if times is None:
            return True
        with self.lock:
            n = self.fail_counts.get(spec, 0)
            self.fail_counts[spec] = n + 1
            return n < times

    def log(self, entry):
        if self.log_file is None:
            return
        line = json.dumps(entry, ensure_ascii=False)
        line = line.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        with self.lock:
            self.log_file.write(line + "\n")
            self.log_file.flush()

    def remaining(self):
        return self.deadline - time.monotonic()


STATE = None  # set in main()


# --------------------------------------------------------------------------
# Scenario

INT_KEYS = {
    "tokens": 12, "pace_ms": 0, "ttfb_ms": 0, "ttft_ms": 0, "thinking": 0,
    "status": None, "retry_after": None, "retry_after_ms": None,
    "stall_after": None, "stall_ms": None, "drop_after": None,
    "error_after": None, "error_status": None, "malformed_at": None,
    "bad_utf8_at": None, "crlf": None, "keepalive": 0, "keepalive_ms": 0,
    "endless": 0, "usage": 1, "huge_after": 0, "fail_times": None,
    "hangup": 0, "drop_rst": 0, "refusal_split": 0, "buffered": 0,
}
FLOAT_KEYS = {"huge_line_mb": None}
STR_KEYS = {"text": None, "stop": "end", "should_retry": None, "tag": None, "refusal": None}


class ScenarioError(ValueError):
    pass


def parse_spec(spec):
    """'k=v,k=v' (each value URL-decoded) -> dict with every key, defaults filled."""
    sc = dict(INT_KEYS)
    sc.update(FLOAT_KEYS)
    sc.update(STR_KEYS)
    given = {}
    for item in spec.split(","):
        if not item:
            continue
        key, sep, raw = item.partition("=")
        key = urllib.parse.unquote(key).strip()
        value = urllib.parse.unquote(raw) if sep else ""
        if key in INT_KEYS:
            try:
                sc[key] = int(value) if value != "" else 1
            except ValueError:
                raise ScenarioError(f"scenario key {key!r} wants an integer, got {value!r}")
        elif key in FLOAT_KEYS:
            try:
                sc[key] = float(value)
            except ValueError:
                raise ScenarioError(f"scenario key {key!r} wants a number, got {value!r}")
        elif key in STR_KEYS:
            sc[key] = value
        else:
            raise ScenarioError(f"unknown scenario key {key!r}")
        given[key] = sc[key]
    if sc["stop"] not in ("end", "length"):
        raise ScenarioError("stop must be end or length")
    if sc["tokens"] < 0 or sc["thinking"] < 0:
        raise ScenarioError("tokens and thinking must be >= 0")
    if sc["stall_after"] is not None and sc["stall_ms"] is None:
        sc["stall_ms"] = DEFAULT_STALL_MS
    if sc["stall_ms"] is not None and sc["stall_after"] is None:
        sc["stall_after"] = 1
    return sc, given


# --------------------------------------------------------------------------
# Reply text

FILLER = [" alpha", " 日本語", " beta", " 🚀", " gamma", " テスト", " delta", " ✨",
          " epsilon", " 中文", " zeta", " 🙂"]
WORD_RE = re.compile(r"\s*\S+")


def is_wide(c):
    o = ord(c)
    return 0x3000 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFFEF


def clean(s):
    """No lone surrogates (they cannot be encoded)."""
    return s.encode("utf-8", "replace").decode("utf-8")


def natural_pieces(text):
    out = []
    for m in WORD_RE.finditer(text):
        w = m.group(0)
        core = w.lstrip()
        if len(core) > 2 and all(is_wide(c) for c in core):
            lead = w[: len(w) - len(core)]
            parts = [core[i:i + 2] for i in range(0, len(core), 2)]
            parts[0] = lead + parts[0]
            out.extend(parts)
        else:
            out.append(w)
    return out


def fit(pieces, n, filler):
    """Exactly n pieces: pad with filler, or merge neighbours evenly."""
    if n <= 0:
        return []
    pieces = list(pieces)
    i = 0
    while len(pieces) < n:
        pieces.append(filler[i % len(filler)])
        i += 1
    if len(pieces) > n:
        total = len(pieces)
        bounds = [round(k * total / n) for k in range(n + 1)]
        pieces = ["".join(pieces[bounds[k]:bounds[k + 1]]) for k in range(n)]
    return pieces


def split_even(text, n):
    """text split into min(n, len) pieces of near-equal code-point length."""
    n = min(n, len(text))
    if n <= 0:
        return []
    bounds = [round(k * len(text) / n) for k in range(n + 1)]
    return [text[bounds[k]:bounds[k + 1]] for k in range(n)]


def snippet_of(user_text):
    s = " ".join(user_text.split())
    if len(s) > 40:
        s = s[:40] + "…"
    return clean(s) or "nothing"


class Script:
    """The chunks a request gets: thinking pieces, then text pieces."""

    def __init__(self, sc, user_text):
        snip = snippet_of(user_text)
        base_think = f"Considering “{snip}”: 考えています… the reply should be short 🤔"
        self.thinking = fit(natural_pieces(base_think), sc["thinking"], FILLER)
        if sc["text"] is not None:
            self.text = split_even(clean(sc["text"]), sc["tokens"])
            self.cycle = self.text or [" "]
        else:
            base = f"You said “{snip}”. 東京の天気は晴れ ☀ 你好 🙂 Here is a deterministic reply."
            self.text = fit(natural_pieces(base), sc["tokens"], FILLER)
            self.cycle = FILLER
        self.endless = bool(sc["endless"])

    def text_at(self, i):
        if i < len(self.text):
            return self.text[i]
        return self.cycle[(i - len(self.text)) % len(self.cycle)]


def prompt_tokens(texts):
    n = sum(len(t.encode("utf-8", "replace")) for t in texts)
    return max(1, (n + 3) // 4)


def rand_str(rng, n, alphabet=string.ascii_letters + string.digits):
    return "".join(rng.choice(alphabet) for _ in range(n))


# --------------------------------------------------------------------------
# JSON styles

def js_compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def js_python(obj):
    return json.dumps(obj, ensure_ascii=False)


def go_escape(s):
    """Go encoding/json: HTML-safe escapes and U+2028/U+2029."""
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def js_go(obj):
    return go_escape(js_compact(obj))


def google_escape(s):
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("=", "\\u003d").replace("'", "\\u0027"))


def js_google(obj):
    """Gemini alt=sse: one line, '"key": value' but ',' with no space."""
    return google_escape(json.dumps(obj, ensure_ascii=False, separators=(",", ": ")))


def js_google_pretty(obj):
    return google_escape(json.dumps(obj, ensure_ascii=False, indent=2))


def finish_json(text, mode):
    """Encode serialized JSON; apply a malformed/bad-UTF-8 mode."""
    if mode == "malformed":
        text = text.rstrip()
        text = text[:-1] + ", oops}"
    data = text.encode("utf-8", "replace")
    if mode == "bad_utf8":
        data = data.replace(BAD_MARK.encode(), BAD_UTF8)
    return data


def mark_bad(text, mode):
    if mode != "bad_utf8":
        return text
    half = len(text) // 2
    return text[:half] + BAD_MARK + text[half:]


# --------------------------------------------------------------------------
# Providers. Each turns the script into frames (bytes, one write each):
#   head()            frames after the headers, before content
#   content(kind, text, mode) frames for one thinking/text chunk
#   tail(stop)        frames that end the stream successfully
#   error()           the provider's in-stream error, ending the stream
#   keepalive()       a keep-alive frame, or None

class Provider:
    name = ""
    error_status = 500  # the in-stream error error_after sends by default
    content_type = "text/event-stream; charset=utf-8"

    def __init__(self, req, sc, script, rng):
        self.req = req
        self.sc = sc
        self.script = script
        self.rng = rng
        crlf = sc["crlf"]
        if crlf is None:
            crlf = self.default_crlf()
        self.eol = "\r\n" if crlf else "\n"
        self.n_text = 0
        self.n_think = 0
        self.usage_on = bool(sc["usage"])

    def default_crlf(self):
        return 0

    def event(self, data, name=None):
        e = self.eol
        head = f"event: {name}{e}" if name else ""
        return head.encode() + b"data: " + data + (e + e).encode()

    def keepalive(self):
        return f": keep-alive{self.eol}{self.eol}".encode()

    def count(self, kind):
        if kind == "thinking":
            self.n_think += 1
        else:
            self.n_text += 1

    def output_tokens(self):
        return self.n_text + self.n_think


# ---- OpenAI Chat Completions

class OpenAIChat(Provider):
    name = "openai"

    def __init__(self, req, sc, script, rng):
        super().__init__(req, sc, script, rng)
        body = req.body or {}
        self.id = "chatcmpl-" + rand_str(rng, 29)
        self.created = int(time.time())
        self.model = body.get("model") or "gpt-4o-mini-2024-07-18"
        self.fingerprint = "fp_" + rand_str(rng, 10, "0123456789abcdef")
        opts = body.get("stream_options") or {}
        self.include_usage = bool(opts.get("include_usage")) if isinstance(opts, dict) else False

    def keepalive(self):
        return f": OPENROUTER PROCESSING{self.eol}{self.eol}".encode()

    def chunk(self, delta, finish=None, choices=True, usage=None, mode=None):
        obj = {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
               "model": self.model, "service_tier": "default",
               "system_fingerprint": self.fingerprint}
        obj["choices"] = ([{"index": 0, "delta": delta, "logprobs": None,
                            "finish_reason": finish}] if choices else [])
        if self.include_usage:
            obj["usage"] = usage
        obj["obfuscation"] = rand_str(self.rng, self.rng.randint(2, 16))
        return self.event(finish_json(js_compact(obj), mode))

    def head(self):
        return [self.chunk({"role": "assistant", "content": "", "refusal": None})]

    def content(self, kind, text, mode=None):
        self.count(kind)
        text = mark_bad(text, mode)
        if kind == "thinking":
            delta = {"content": None, "reasoning_content": text}
        elif kind == "refusal":
            delta = {"content": None, "refusal": text}
        else:
            delta = {"content": text}
        return [self.chunk(delta, mode=mode)]

    def usage_obj(self):
        p = self.req.prompt_tokens
        c = self.output_tokens()
        return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": self.n_think, "audio_tokens": 0,
                                              "accepted_prediction_tokens": 0,
                                              "rejected_prediction_tokens": 0}}

    def tail(self, stop):
        frames = [self.chunk({}, finish="length" if stop == "length" else "stop")]
        if self.include_usage and self.usage_on:
            frames.append(self.chunk(None, choices=False, usage=self.usage_obj()))
        frames.append(self.event(b"[DONE]"))
        return frames

    def error(self, status):
        msg, typ, _ = openai_error_for(status, self.model)
        return [self.event(js_python({"error": {"message": msg, "type": typ}}).encode())]

    def complete(self, stop):
        msg = {"role": "assistant", "content": "".join(self.script.text), "refusal": None,
               "annotations": []}
        if self.script.thinking:
            msg["reasoning_content"] = "".join(self.script.thinking)
        self.n_text, self.n_think = len(self.script.text), len(self.script.thinking)
        obj = {"id": self.id, "object": "chat.completion", "created": self.created,
               "model": self.model,
               "choices": [{"index": 0, "message": msg, "logprobs": None,
                            "finish_reason": "length" if stop == "length" else "stop"}],
               "usage": self.usage_obj() if self.usage_on else None,
               "service_tier": "default", "system_fingerprint": self.fingerprint}
        return "application/json", (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode()


def openai_error_for(status, model="gpt-4o-mini"):
    """(message, type, code) of OpenAI's real error body for an HTTP status."""
    table = {
        400: ("Invalid request: the request body could not be processed.",
              "invalid_request_error", None),
        401: ("Incorrect API key provided: bad-key. You can find your API key at "
              "https://platform.openai.com/account/api-keys.", "invalid_request_error",
              "invalid_api_key"),
        403: ("Country, region, or territory not supported", "request_forbidden",
              "unsupported_country_region_territory"),
        404: (f"The model `{model}` does not exist or you do not have access to it.",
              "invalid_request_error", "model_not_found"),
        429: (f"Rate limit reached for {model} in organization org-circuitTestServer0000 on "
              "tokens per min (TPM): Limit 200000, Used 199436, Requested 1184. Please try again "
              "in 186ms. Visit https://platform.openai.com/account/rate-limits to learn more.",
              "tokens", "rate_limit_exceeded"),
        500: ("The server had an error while processing your request. Sorry about that!",
              "server_error", None),
        502: ("Bad gateway.", "server_error", None),
        503: ("The engine is currently overloaded, please try again later.",
              "server_error", None),
    }
    return table.get(status, (f"HTTP {status} from the test server.", "server_error", None))


# ---- OpenAI Responses

class OpenAIResponses(Provider):
    name = "openai-responses"

    def __init__(self, req, sc, script, rng):
        super().__init__(req, sc, script, rng)
        body = req.body or {}
        self.id = "resp_" + rand_str(rng, 50, "0123456789abcdef")
        self.msg_id = "msg_" + rand_str(rng, 50, "0123456789abcdef")
        self.rs_id = "rs_" + rand_str(rng, 50, "0123456789abcdef")
        self.created = int(time.time())
        self.model = body.get("model") or "gpt-4.1-mini-2025-04-14"
        self.seq = 0
        self.state = None  # None, "reasoning", "message"
        self.out_index = -1
        self.think_text = ""
        self.text = ""
        self.output = []

    def ev(self, obj, mode=None):
        obj["sequence_number"] = self.seq
        self.seq += 1
        return self.event(finish_json(js_compact(obj), mode), obj["type"])

    def ordered(self, typ, **kw):
        """The real API's key order: type, then the rest alphabetically."""
        obj = {"type": typ}
        for k in sorted(kw):
            obj[k] = kw[k]
        return obj

    def response(self, status):
        done = status != "in_progress"
        r = {"id": self.id, "object": "response", "created_at": self.created, "status": status,
             "background": False, "completed_at": int(time.time()) if done else None,
             "error": None,
             "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
             "instructions": (self.req.body or {}).get("instructions"),
             "max_output_tokens": (self.req.body or {}).get("max_output_tokens"),
             "max_tool_calls": None, "model": self.model,
             "output": self.output if done else [], "parallel_tool_calls": True,
             "previous_response_id": None, "prompt_cache_key": None,
             "prompt_cache_retention": None,
             "reasoning": {"effort": None, "summary": None}, "safety_identifier": None,
             "service_tier": "default" if done else "auto", "store": True,
             "temperature": 1.0, "text": {"format": {"type": "text"}, "verbosity": "medium"},
             "tool_choice": "auto", "tools": [], "top_logprobs": 0, "top_p": 1.0,
             "truncation": "disabled", "usage": None, "user": None, "metadata": {}}
        if done and self.usage_on:
            p = self.req.prompt_tokens
            c = self.output_tokens()
            r["usage"] = {"input_tokens": p, "input_tokens_details": {"cached_tokens": 0},
                          "output_tokens": c,
                          "output_tokens_details": {"reasoning_tokens": self.n_think},
                          "total_tokens": p + c}
        return r

    def head(self):
        return [self.ev({"type": "response.created", "response": self.response("in_progress")}),
                self.ev({"type": "response.in_progress", "response": self.response("in_progress")})]

    def msg_item(self, status):
        content = [] if status == "in_progress" else [self.text_part(self.text)]
        return {"id": self.msg_id, "type": "message", "status": status, "content": content,
                "role": "assistant"}

    def text_part(self, text):
        return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}

    def open_reasoning(self):
        self.state = "reasoning"
        self.out_index += 1
        o = self.out_index
        return [self.ev(self.ordered("response.output_item.added",
                                     item={"id": self.rs_id, "type": "reasoning", "summary": []},
                                     output_index=o)),
                self.ev(self.ordered("response.reasoning_summary_part.added", item_id=self.rs_id,
                                     output_index=o, part={"type": "summary_text", "text": ""},
                                     summary_index=0))]

    def close_reasoning(self):
        o = self.out_index
        part = {"type": "summary_text", "text": self.think_text}
        item = {"id": self.rs_id, "type": "reasoning", "summary": [part]}
        self.output.append(item)
        self.state = None
        return [self.ev(self.ordered("response.reasoning_summary_text.done", item_id=self.rs_id,
                                     output_index=o, summary_index=0, text=self.think_text)),
                self.ev(self.ordered("response.reasoning_summary_part.done", item_id=self.rs_id,
                                     output_index=o, part=part, summary_index=0)),
                self.ev(self.ordered("response.output_item.done", item=item, output_index=o))]

    def open_message(self):
        frames = self.close_reasoning() if self.state == "reasoning" else []
        self.state = "message"
        self.out_index += 1
        o = self.out_index
        frames += [self.ev(self.ordered("response.output_item.added",
                                        item=self.msg_item("in_progress"), output_index=o)),
                   self.ev(self.ordered("response.content_part.added", content_index=0,
                                        item_id=self.msg_id, output_index=o,
                                        part=self.text_part("")))]
        return frames

    def close_message(self):
        o = self.out_index
        item = self.msg_item("completed")
        self.output.append(item)
        self.state = "closed"
        return [self.ev(self.ordered("response.output_text.done", content_index=0,
                                     item_id=self.msg_id, logprobs=[], output_index=o,
                                     text=self.text)),
                self.ev(self.ordered("response.content_part.done", content_index=0,
                                     item_id=self.msg_id, output_index=o,
                                     part=self.text_part(self.text))),
                self.ev(self.ordered("response.output_item.done", item=item, output_index=o))]

    def content(self, kind, text, mode=None):
        self.count(kind)
        frames = []
        obf = rand_str(self.rng, self.rng.randint(2, 15))
        if kind == "thinking":
            if self.state is None:
                frames += self.open_reasoning()
            if mode is None:
                self.think_text += text
            frames.append(self.ev(self.ordered(
                "response.reasoning_summary_text.delta", delta=mark_bad(text, mode),
                item_id=self.rs_id, obfuscation=obf, output_index=self.out_index,
                summary_index=0), mode))
        else:
            if self.state != "message":
                frames += self.open_message()
            if mode is None:
                self.text += text
            frames.append(self.ev(self.ordered(
                "response.output_text.delta", content_index=0, delta=mark_bad(text, mode),
                item_id=self.msg_id, logprobs=[], obfuscation=obf,
                output_index=self.out_index), mode))
        return frames

    def tail(self, stop):
        frames = []
        if self.state != "message":
            frames += self.open_message()
        frames += self.close_message()
        status = "incomplete" if stop == "length" else "completed"
        frames.append(self.ev({"type": "response." + status, "response": self.response(status)}))
        return frames

    def error(self, status):
        msg, _, code = openai_error_for(status, self.model)
        return [self.ev({"type": "error", "code": code or "server_error", "message": msg,
                         "param": None})]

    def complete(self, stop):
        self.think_text = "".join(self.script.thinking)
        self.text = "".join(self.script.text)
        self.n_text, self.n_think = len(self.script.text), len(self.script.thinking)
        if self.script.thinking:
            self.output.append({"id": self.rs_id, "type": "reasoning",
                                "summary": [{"type": "summary_text", "text": self.think_text}]})
        self.output.append(self.msg_item("completed"))
        r = self.response("incomplete" if stop == "length" else "completed")
        return "application/json", (json.dumps(r, ensure_ascii=False, indent=2) + "\n").encode()


# ---- Anthropic Messages

ANTHROPIC_ERRORS = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    402: ("billing_error", "Your credit balance is too low to access the Anthropic API."),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "Not found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "This request would exceed the rate limit for your organization "
          "of 50 requests per minute. For details, refer to: "
          "https://docs.claude.com/en/api/rate-limits."),
    500: ("api_error", "Internal server error"),
    503: ("api_error", "Service unavailable"),
    504: ("timeout_error", "Request timed out"),
    529: ("overloaded_error", "Overloaded"),
}


def anthropic_error_for(status):
    if status in ANTHROPIC_ERRORS:
        return ANTHROPIC_ERRORS[status]
    return ("api_error" if status >= 500 else "invalid_request_error", f"HTTP {status}")


class Anthropic(Provider):
    name = "anthropic"
    error_status = 529

    def __init__(self, req, sc, script, rng):
        super().__init__(req, sc, script, rng)
        body = req.body or {}
        self.id = "msg_01" + rand_str(rng, 22)
        self.model = body.get("model") or "claude-sonnet-4-5-20250929"
        self.index = -1
        self.block = None  # None, "thinking", "text"
        self.signature = rand_str(rng, 120, string.ascii_letters + string.digits + "+/") + "=="

    def keepalive(self):
        return self.event(b'{"type": "ping"}', "ping")

    def ev(self, obj, mode=None):
        return self.event(finish_json(js_compact(obj), mode), obj["type"])

    def usage(self, output):
        return {"input_tokens": self.req.prompt_tokens, "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                "output_tokens": output, "service_tier": "standard"}

    def open_block(self, kind):
        frames = self.close_block()
        self.index += 1
        self.block = kind
        cb = ({"type": "thinking", "thinking": "", "signature": ""} if kind == "thinking"
              else {"type": "text", "text": ""})
        frames.append(self.ev({"type": "content_block_start", "index": self.index,
                               "content_block": cb}))
        return frames

    def close_block(self):
        frames = []
        if self.block == "thinking":
            frames.append(self.ev({"type": "content_block_delta", "index": self.index,
                                   "delta": {"type": "signature_delta",
                                             "signature": self.signature}}))
        if self.block is not None:
            frames.append(self.ev({"type": "content_block_stop", "index": self.index}))
        self.block = None
        return frames

    def head(self):
        msg = {"model": self.model, "id": self.id, "type": "message", "role": "assistant",
               "content": [], "stop_reason": None, "stop_sequence": None}
        if self.usage_on:
            msg["usage"] = self.usage(1)
        frames = [self.ev({"type": "message_start", "message": msg})]
        frames += self.open_block("thinking" if self.script.thinking else "text")
        frames.append(self.keepalive())
        return frames

    def content(self, kind, text, mode=None):
        self.count(kind)
        frames = []
        if self.block != kind:
            frames += self.open_block(kind)
        text = mark_bad(text, mode)
        delta = ({"type": "thinking_delta", "thinking": text} if kind == "thinking"
                 else {"type": "text_delta", "text": text})
        frames.append(self.ev({"type": "content_block_delta", "index": self.index,
                               "delta": delta}, mode))
        return frames

    def tail(self, stop):
        frames = self.close_block()
        md = {"type": "message_delta",
              "delta": {"stop_reason": "max_tokens" if stop == "length" else "end_turn",
                        "stop_sequence": None}}
        if self.usage_on:
            md["usage"] = {"input_tokens": self.req.prompt_tokens,
                           "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                           "output_tokens": self.output_tokens()}
        frames.append(self.ev(md))
        frames.append(self.ev({"type": "message_stop"}))
        return frames

    def error(self, status):
        typ, msg = anthropic_error_for(status)
        return [self.ev({"type": "error", "error": {"details": None, "type": typ, "message": msg},
                         "request_id": self.req.request_id})]

    def complete(self, stop):
        content = []
        if self.script.thinking:
            content.append({"type": "thinking", "thinking": "".join(self.script.thinking),
                            "signature": self.signature})
        content.append({"type": "text", "text": "".join(self.script.text)})
        self.n_text, self.n_think = len(self.script.text), len(self.script.thinking)
        obj = {"model": self.model, "id": self.id, "type": "message", "role": "assistant",
               "content": content,
               "stop_reason": "max_tokens" if stop == "length" else "end_turn",
               "stop_sequence": None}
        if self.usage_on:
            obj["usage"] = self.usage(self.output_tokens())
        return "application/json", js_compact(obj).encode()


# ---- Gemini

GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                 404: "NOT_FOUND", 409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED",
                 500: "INTERNAL", 501: "NOT_IMPLEMENTED", 503: "UNAVAILABLE",
                 504: "DEADLINE_EXCEEDED"}
GOOGLE_MESSAGES = {
    400: "Request contains an invalid argument.",
    403: "The caller does not have permission",
    404: "models/unknown is not found for API version v1beta, or is not supported for "
         "generateContent. Call ListModels to see the list of available models and their "
         "supported methods.",
    429: "You exceeded your current quota, please check your plan and billing details. For more "
         "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
    500: "An internal error has occurred. Please retry or report in "
         "https://developers.generativeai.google/guide/troubleshooting",
    503: "The model is overloaded. Please try again later.",
    504: "The request timed out. Please try again.",
}


def google_error(status, message=None, details=None):
    err = {"code": status, "message": message or GOOGLE_MESSAGES.get(status, f"HTTP {status}"),
           "status": GOOGLE_STATUS.get(status, "UNKNOWN")}
    if details:
        err["details"] = details
    return {"error": err}


class Gemini(Provider):
    name = "gemini"
    error_status = 503

    def __init__(self, req, sc, script, rng):
        self.array = not req.alt_sse
        super().__init__(req, sc, script, rng)
        if self.array:
            self.name = "gemini-json"
            self.content_type = "application/json; charset=UTF-8"
        self.model = req.model or "gemini-2.5-flash"
        self.response_id = rand_str(rng, 23, string.ascii_letters + string.digits + "-_")
        self.first = True
        self.signature = rand_str(rng, 40, string.ascii_letters + string.digits + "+/") + "="

    def default_crlf(self):
        return 1  # real alt=sse output ends events with \r\n\r\n

    def keepalive(self):
        if self.array:
            return None
        return super().keepalive()

    def usage_meta(self, final):
        p = self.req.prompt_tokens
        u = {"promptTokenCount": p}
        if self.n_text or final:
            u["candidatesTokenCount"] = self.n_text
        u["totalTokenCount"] = p + self.n_text + self.n_think
        u["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": p}]
        if self.n_think:
            u["thoughtsTokenCount"] = self.n_think
        return u

    def frame(self, obj, mode=None):
        if self.array:
            text = js_google_pretty(obj)
            lead = "[" if self.first else "\r\n,\r\n"
            self.first = False
            return lead.encode() + finish_json(text, mode)
        return self.event(finish_json(js_google(obj), mode))

    def chunk(self, parts, finish=None, mode=None, final=False):
        cand = {"content": {"parts": parts, "role": "model"}}
        if finish:
            cand["finishReason"] = finish
        cand["index"] = 0
        obj = {"candidates": [cand]}
        if self.usage_on:
            obj["usageMetadata"] = self.usage_meta(final)
        obj["modelVersion"] = self.model
        obj["responseId"] = self.response_id
        return self.frame(obj, mode)

    def head(self):
        return []

    def content(self, kind, text, mode=None):
        self.count(kind)
        part = {"text": mark_bad(text, mode)}
        if kind == "thinking":
            part["thought"] = True
        return [self.chunk([part], mode=mode)]

    def tail(self, stop):
        parts = [{"text": ""}]
        if self.n_think:
            parts = [{"text": "", "thoughtSignature": self.signature}]
        frames = [self.chunk(parts, finish="MAX_TOKENS" if stop == "length" else "STOP",
                             final=True)]
        if self.array:
            frames.append(b"\r\n]")
        return frames

    def error(self, status):
        obj = google_error(status)
        if self.array:
            frames = [self.frame(obj)]
            frames.append(b"\r\n]")
            return frames
        return [self.event(js_python(obj).encode())]

    def complete(self, stop):
        parts = []
        if self.script.thinking:
            parts.append({"text": "".join(self.script.thinking), "thought": True})
        parts.append({"text": "".join(self.script.text)})
        self.n_text, self.n_think = len(self.script.text), len(self.script.thinking)
        cand = {"content": {"parts": parts, "role": "model"},
                "finishReason": "MAX_TOKENS" if stop == "length" else "STOP", "index": 0}
        obj = {"candidates": [cand]}
        if self.usage_on:
            obj["usageMetadata"] = self.usage_meta(True)
        obj["modelVersion"] = self.model
        obj["responseId"] = self.response_id
        return "application/json; charset=UTF-8", (js_google_pretty(obj) + "\n").encode()


# ---- Ollama native /api/chat

class Ollama(Provider):
    name = "ollama"
    content_type = "application/x-ndjson"

    def __init__(self, req, sc, script, rng):
        super().__init__(req, sc, script, rng)
        body = req.body or {}
        self.model = body.get("model") or "qwen3:8b"
        self.nl = "\r\n" if sc["crlf"] else "\n"
        self.t0 = time.monotonic()

    def keepalive(self):
        return None

    def now(self):
        return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def line(self, obj, mode=None):
        return finish_json(js_go(obj), mode) + self.nl.encode()

    def head(self):
        return []

    def content(self, kind, text, mode=None):
        self.count(kind)
        msg = {"role": "assistant", "content": ""}
        if kind == "thinking":
            msg["thinking"] = mark_bad(text, mode)
        else:
            msg["content"] = mark_bad(text, mode)
        return [self.line({"model": self.model, "created_at": self.now(), "message": msg,
                           "done": False}, mode)]

    def final(self, stop, message):
        obj = {"model": self.model, "created_at": self.now(), "message": message, "done": True,
               "done_reason": "length" if stop == "length" else "stop"}
        if self.usage_on:
            load, prompt_eval = 61203458, 118733542
            gen = max(1, int((time.monotonic() - self.t0) * 1e9))
            obj.update({"total_duration": load + prompt_eval + gen, "load_duration": load,
                        "prompt_eval_count": self.req.prompt_tokens,
                        "prompt_eval_duration": prompt_eval,
                        "eval_count": self.output_tokens(), "eval_duration": gen})
        return obj

    def tail(self, stop):
        return [self.line(self.final(stop, {"role": "assistant", "content": ""}))]

    def error(self, status):
        return [self.line({"error": "an error was encountered while running the model"})]

    def complete(self, stop):
        self.n_text, self.n_think = len(self.script.text), len(self.script.thinking)
        msg = {"role": "assistant", "content": "".join(self.script.text)}
        if self.script.thinking:
            msg["thinking"] = "".join(self.script.thinking)
        return "application/json; charset=utf-8", js_go(self.final(stop, msg)).encode()


# --------------------------------------------------------------------------
# Requests

ROUTES = [
    (re.compile(r"/chat/completions$"), "openai"),
    (re.compile(r"/responses$"), "openai-responses"),
    (re.compile(r"/messages$"), "anthropic"),
    (re.compile(r"/models/([^/]+?):(streamGenerateContent|generateContent)$"), "gemini"),
    (re.compile(r"/api/chat$"), "ollama"),
]


def text_of(content):
    """Text of a message content: a string or a list of typed parts/blocks."""
    if isinstance(content, str):
        return content
    out = []
    if isinstance(content, list):
        for part in content:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                out.append(part["text"])
    return "".join(out)


def messages_of(provider, body):
    """[(role, text)] of the request's conversation, system prompts included."""
    out = []
    if not isinstance(body, dict):
        return out
    if provider in ("openai", "ollama", "anthropic"):
        if provider == "anthropic" and body.get("system") is not None:
            out.append(("system", text_of(body.get("system"))))
        for m in body.get("messages") or []:
            if isinstance(m, dict):
                out.append((m.get("role") or "user", text_of(m.get("content"))))
    elif provider == "openai-responses":
        if isinstance(body.get("instructions"), str):
            out.append(("system", body["instructions"]))
        inp = body.get("input")
        if isinstance(inp, str):
            out.append(("user", inp))
        elif isinstance(inp, list):
            for m in inp:
                if isinstance(m, dict):
                    out.append((m.get("role") or "user", text_of(m.get("content"))))
    elif provider == "gemini":
        si = body.get("systemInstruction") or body.get("system_instruction")
        if isinstance(si, dict):
            out.append(("system", text_of(si.get("parts"))))
        for c in body.get("contents") or []:
            if isinstance(c, dict):
                out.append((c.get("role") or "user", text_of(c.get("parts"))))
    return out


class Request:
    pass


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "circuit-test-server/1"
    timeout = 60  # an idle keep-alive connection is closed after this

    def version_string(self):
        return self.server_version

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if STATE is not None and STATE.verbose:
            sys.stderr.write("server: %s %s\n" % (self.address_string(), fmt % args))

    # ---- plumbing

    def read_body(self):
        try:
            return self.read_body_raw()
        except ValueError:
            raise BadFraming()

    def read_body_raw(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ConnectionResetError("request body cut")
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length > 0 else b""

    buffer = None  # buffered=1: the stream's bytes, sent whole at its end

    def write_chunk(self, data):
        if self.buffer is not None:
            self.buffer += data
        elif data:
            self.wfile.write(b"%X\r\n" % len(data) + data + b"\r\n")
            self.wfile.flush()

    def end_chunks(self):
        if self.buffer is not None:
            # As ollama.com serves it: the same bytes, one body, a length.
            body, self.buffer = bytes(self.buffer), None
            self.send_json(200, "application/json; charset=utf-8", body)
            return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def pause(self, ms, keepalive=False):
        """Sleep ms (bounded by the server's life); optionally send keep-alives."""
        if ms <= 0:
            return
        end = time.monotonic() + min(ms / 1000.0, max(0.0, STATE.remaining()))
        every = self.sc["keepalive_ms"] / 1000.0 if keepalive else 0
        frame = self.prov.keepalive() if every > 0 else None
        next_ka = time.monotonic() + every
        while True:
            now = time.monotonic()
            if now >= end:
                return
            step = end - now
            if frame is not None:
                step = min(step, max(0.0, next_ka - now))
            if STATE.stop.wait(step):
                raise Stopping()
            if frame is not None and time.monotonic() >= next_ka:
                self.write_chunk(frame)
                next_ka += every

    def drop(self):
        self.close_connection = True
        if self.sc.get("drop_rst"):
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.connection.close()
        else:
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise Dropped()

    def send_head(self, status, ctype, extra=None, length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        for k, v in self.provider_headers(status):
            self.send_header(k, v)
        for k, v in (extra or []):
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def provider_headers(self, status):
        req = self.req
        h = [("x-request-id", req.request_id)]
        p = req.provider
        if p in ("openai", "openai-responses"):
            h += [("openai-version", "2020-10-01"), ("openai-processing-ms", "42"),
                  ("x-ratelimit-limit-requests", "10000"),
                  ("x-ratelimit-remaining-requests", "9999"),
                  ("x-ratelimit-reset-requests", "6ms"),
                  ("x-ratelimit-limit-tokens", "200000"),
                  ("x-ratelimit-remaining-tokens", "199000" if status != 429 else "0"),
                  ("x-ratelimit-reset-tokens", "186ms")]
        elif p == "anthropic":
            h += [("request-id", req.request_id),
                  ("anthropic-organization-id", "00000000-0000-4000-8000-000000000000"),
                  ("anthropic-ratelimit-requests-limit", "50"),
                  ("anthropic-ratelimit-requests-remaining", "49" if status != 429 else "0"),
                  ("anthropic-ratelimit-requests-reset", "2026-01-01T00:00:01Z")]
        elif p == "gemini":
            h += [("Vary", "Origin, X-Origin, Referer"), ("X-XSS-Protection", "0"),
                  ("X-Frame-Options", "SAMEORIGIN"), ("X-Content-Type-Options", "nosniff")]
        if self.sc is not None and req.status_failing:
            if self.sc["retry_after"] is not None:
                h.append(("retry-after", str(self.sc["retry_after"])))
            if self.sc["retry_after_ms"] is not None:
                h.append(("retry-after-ms", str(self.sc["retry_after_ms"])))
        if self.sc is not None and self.sc["should_retry"] is not None:
            h.append(("x-should-retry", self.sc["should_retry"]))
        if p in ("openai", "openai-responses", "anthropic") or (p == "gemini" and req.alt_sse):
            if status == 200:
                h.append(("Cache-Control", "no-cache"))
        return h

    def send_json(self, status, ctype, body):
        self.send_head(status, ctype, length=len(body))
        self.wfile.write(body)
        self.wfile.flush()

    # ---- entry points

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def handle_any(self):
        n = STATE.begin()
        try:
            self.serve(n)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                socket.timeout, Dropped, Stopping):
            self.close_connection = True
        except OSError:
            self.close_connection = True
        except BadFraming:
            self.close_connection = True
            try:
                self.send_response(400)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()
            except OSError:
                pass
        except Exception:
            # A bug in this server: say so loudly (the selftest looks for it), drop the
            # connection so the client cannot mistake a half response for a whole one.
            self.close_connection = True
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            STATE.end()

    def serve(self, n):
        rng = random.Random(n)
        req = self.req = Request()
        self.sc = None
        self.prov = None
        req.request_id = "req_011C" + rand_str(rng, 20)
        req.status_failing = False
        raw = self.read_body()
        if raw is None:
            self.close_connection = True
            self.sc = None
            req.provider = None
            body = json.dumps({"error": {"message": "request body too large",
                                         "type": "request_too_large"}}).encode()
            self.send_json(413, "application/json", body)
            return
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        spec = ""
        rest = path
        if path.startswith("/_s/"):
            spec, _, rest = path[len("/_s/"):].partition("/")
            rest = "/" + rest
        norm = re.sub(r"/{2,}", "/", rest)
        req.provider = None
        req.model = None
        for rx, name in ROUTES:
            m = rx.search(norm)
            if m:
                req.provider = name
                if name == "gemini":
                    req.model = urllib.parse.unquote(m.group(1))
                    req.gemini_stream = m.group(2) == "streamGenerateContent"
                break
        req.alt_sse = query.get("alt") == "sse"
        try:
            body = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError):
            body = None
        req.body = body
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        entry = {"method": self.command, "path": path, "query": query, "headers": headers,
                 "body": body, "scenario": None, "provider": req.provider,
                 "request_id": req.request_id, "n": n,
                 "key_in_query": "key" in query}
        if body is None and raw:
            entry["body_raw"] = raw[:4096].decode("utf-8", "replace")
        try:
            sc, given = parse_spec(spec)
        except ScenarioError as e:
            entry["scenario_error"] = str(e)
            STATE.log(entry)
            sys.stderr.write(f"server: bad scenario {spec!r}: {e}\n")
            self.sc = None
            out = json.dumps({"error": {"message": f"test server: {e}",
                                        "type": "test_server_error"}}).encode()
            self.send_json(400, "application/json", out)
            return
        self.sc = sc
        entry["scenario"] = given
        msgs = messages_of(req.provider, body)
        req.prompt_tokens = prompt_tokens([t for _, t in msgs])
        user = [t for r, t in msgs if r == "user"]
        script = Script(sc, user[-1] if user else "")
        entry["reply"] = None if sc["endless"] else "".join(script.text)
        entry["reply_chunks"] = None if sc["endless"] else script.text
        entry["thinking"] = "".join(script.thinking)
        entry["thinking_chunks"] = script.thinking
        entry["prompt_tokens"] = req.prompt_tokens
        if sc["huge_line_mb"]:
            entry["huge_bytes"] = int(sc["huge_line_mb"] * MIB)

        if req.provider is None or self.command != "POST":
            entry["outcome"] = "not_found"
            STATE.log(entry)
            out = (json.dumps({"error": {"message": f"test server: no route for "
                                         f"{self.command} {path}",
                                         "type": "not_found_error", "param": None,
                                         "code": None}}) + "\n").encode()
            self.send_json(404, "application/json", out)
            return

        fail = STATE.failing(spec, sc["fail_times"])
        auth = self.check_auth(req, headers, query)
        entry["auth"] = auth
        STATE.log(entry)

        self.pause(sc["ttfb_ms"])
        if sc["hangup"] and fail:
            self.drop()
        if auth != "ok":
            self.send_auth_error(req, auth)
            return
        if not isinstance(body, dict):
            self.send_error_body(req, 400, "the request body is not a JSON object")
            return
        if sc["status"] is not None and sc["status"] >= 400 and fail:
            req.status_failing = True
            self.send_error_body(req, sc["status"])
            return

        cls = {"openai": OpenAIChat, "openai-responses": OpenAIResponses,
               "anthropic": Anthropic, "gemini": Gemini, "ollama": Ollama}[req.provider]
        prov = self.prov = cls(req, sc, script, rng)
        if not self.wants_stream(req, body):
            ctype, out = prov.complete(sc["stop"])
            self.send_json(200, ctype, out)
            return
        self.stream(prov, script, sc, fail)

    def wants_stream(self, req, body):
        if req.provider == "gemini":
            return req.gemini_stream
        if req.provider == "ollama":
            return body.get("stream", True) is not False
        return body.get("stream") is True

    def check_auth(self, req, headers, query):
        p = req.provider
        if p == "openai" or p == "openai-responses":
            a = headers.get("authorization", "")
            if not a.startswith("Bearer ") or not a[7:].strip():
                return "missing"
            key = a[7:].strip()
        elif p == "anthropic":
            # x-api-key is the documented header; @anthropic-ai/sdk 1.x sends the key
            # as Authorization: Bearer instead, which the API also takes.
            key = headers.get("x-api-key")
            a = headers.get("authorization", "")
            if not key and a.startswith("Bearer ") and a[7:].strip():
                key = a[7:].strip()
            if not key:
                return "missing"
            if key != "bad-key" and not headers.get("anthropic-version"):
                return "no_version"
        elif p == "gemini":
            key = headers.get("x-goog-api-key") or query.get("key")
            if not key:
                return "missing"
        else:
            return "ok"
        return "bad" if key == "bad-key" else "ok"

    def send_auth_error(self, req, auth):
        p = req.provider
        if p in ("openai", "openai-responses"):
            if auth == "missing":
                msg = ("You didn't provide an API key. You need to provide your API key in an "
                       "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                       "YOUR_KEY), or as the password field (with blank username) if you're "
                       "accessing the API from your browser and are prompted for a username. "
                       "You can obtain an API key from "
                       "https://platform.openai.com/account/api-keys.")
                err = {"message": msg, "type": "invalid_request_error", "param": None,
                       "code": None}
            else:
                msg, typ, code = openai_error_for(401)
                err = {"message": msg, "type": typ, "param": None, "code": code}
            out = (json.dumps({"error": err}, indent=4) + "\n").encode()
            self.send_json(401, "application/json; charset=utf-8", out)
        elif p == "anthropic":
            status, typ = 401, "authentication_error"
            msg = "x-api-key header is required" if auth == "missing" else "invalid x-api-key"
            if auth == "no_version":
                status, typ = 400, "invalid_request_error"
                msg = "anthropic-version: header is required"
            out = js_compact({"type": "error", "error": {"type": typ, "message": msg},
                              "request_id": req.request_id}).encode()
            self.send_json(status, "application/json", out)
        else:  # gemini
            if auth == "missing":
                status = 403
                obj = google_error(403, "Method doesn't allow unregistered callers (callers "
                                   "without established identity). Please use API Key or other "
                                   "form of API consumer identity to call this API.")
            else:
                status = 400
                msg = "API key not valid. Please pass a valid API key."
                obj = google_error(400, msg, [
                    {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                     "reason": "API_KEY_INVALID", "domain": "googleapis.com",
                     "metadata": {"service": "generativelanguage.googleapis.com"}},
                    {"@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                     "locale": "en-US", "message": msg}])
            out = (js_google_pretty(obj) + "\n").encode()
            self.send_json(status, "application/json; charset=UTF-8", out)

    def send_error_body(self, req, status, message=None):
        p = req.provider
        sc = self.sc
        if p in ("openai", "openai-responses"):
            model = "gpt-4o-mini"
            if isinstance(req.body, dict) and isinstance(req.body.get("model"), str):
                model = req.body["model"]
            msg, typ, code = openai_error_for(status, model)
            if message:
                msg, typ, code = message, "invalid_request_error", None
            out = (json.dumps({"error": {"message": msg, "type": typ, "param": None,
                                         "code": code}}, indent=4) + "\n").encode()
            self.send_json(status, "application/json; charset=utf-8", out)
        elif p == "anthropic":
            typ, msg = anthropic_error_for(status)
            if message:
                msg = message
            out = js_compact({"type": "error", "error": {"type": typ, "message": msg},
                              "request_id": req.request_id}).encode()
            self.send_json(status, "application/json", out)
        elif p == "gemini":
            details = None
            if status == 429 and sc is not None and sc["retry_after"] is not None:
                details = [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                            "retryDelay": f"{sc['retry_after']}s"}]
            obj = google_error(status, message, details)
            out = (js_google_pretty(obj) + "\n").encode()
            self.send_json(status, "application/json; charset=UTF-8", out)
        else:
            model = "llama3"
            if isinstance(req.body, dict) and isinstance(req.body.get("model"), str):
                model = req.body["model"]
            msgs = {400: "invalid request",
                    404: f"model \"{model}\" not found, try pulling it first",
                    429: "server busy, please try again.  maximum pending requests exceeded",
                    500: "an error was encountered while running the model",
                    502: "an error was encountered while running the model"}
            msg = message or msgs.get(status, f"HTTP {status}")
            self.send_json(status, "application/json; charset=utf-8",
                           js_go({"error": msg}).encode())

    # ---- streaming

    def stream(self, prov, script, sc, fail):
        if sc["buffered"]:
            self.buffer = bytearray()
        else:
            self.send_head(200, prov.content_type)
        self.pause(sc["ttft_ms"], keepalive=True)
        for frame in prov.head():
            self.write_chunk(frame)

        drop_after = sc["drop_after"] if fail else None
        error_after = sc["error_after"] if fail else None
        huge_bytes = int(sc["huge_line_mb"] * MIB) if sc["huge_line_mb"] else 0
        stop = sc["stop"]

        def checkpoint(k):
            """After k content chunks: the stall / drop / error points."""
            if sc["stall_after"] is not None and k == sc["stall_after"]:
                self.pause(sc["stall_ms"], keepalive=True)
            if drop_after is not None and k == drop_after:
                self.drop()
            if error_after is not None and k == error_after:
                status = sc["error_status"] or prov.error_status
                for frame in prov.error(status):
                    self.write_chunk(frame)
                self.end_chunks()
                return True
            return False

        def send_huge():
            # The chunk is framed around a marker, then the marker's place is
            # filled in 64 KiB writes: the text is never held whole in memory.
            pattern = b"0123456789abcdef" * (WRITE_PIECE // 16)
            for frame in prov.content("text", HUGE_MARK, mode="huge"):
                at = frame.find(HUGE_MARK.encode())
                if at < 0:
                    self.write_chunk(frame)
                    continue
                self.write_chunk(frame[:at])
                left = huge_bytes
                while left > 0:
                    n = min(WRITE_PIECE, left)
                    self.write_chunk(pattern[:n])
                    left -= n
                self.write_chunk(frame[at + len(HUGE_MARK):])

        k = 0
        if checkpoint(0):
            return
        n_text = 0
        items = [("thinking", t) for t in script.thinking]
        if sc["refusal"]:
            if sc["refusal_split"]:  # in pieces, as OpenAI streams one (issue 19)
                items.extend(("refusal", w) for w in re.findall(r"\s*\S+", sc["refusal"]))
            else:
                items.append(("refusal", sc["refusal"]))
        endless = bool(sc["endless"])
        total = len(items) + len(script.text)
        i = 0
        while True:
            if endless:
                if STATE.remaining() <= 0.5:
                    break
            elif i >= total:
                break
            if i < len(items):
                kind, text = items[i]
            else:
                kind, text = "text", script.text_at(i - len(items))
            if kind == "text" and huge_bytes and n_text == sc["huge_after"]:
                send_huge()
                huge_bytes = 0
            if k > 0:
                if sc["keepalive"] and prov.keepalive():
                    self.write_chunk(prov.keepalive())
                self.pause(sc["pace_ms"], keepalive=True)
            k += 1
            mode = None
            if sc["malformed_at"] == k:
                mode = "malformed"
            elif sc["bad_utf8_at"] == k:
                mode = "bad_utf8"
            for frame in prov.content(kind, text, mode):
                self.write_chunk(frame)
            if kind == "text":
                n_text += 1
            i += 1
            if checkpoint(k):
                return
        if huge_bytes:
            send_huge()
        for frame in prov.tail(stop):
            self.write_chunk(frame)
        self.end_chunks()


# --------------------------------------------------------------------------

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    allow_reuse_address = True

    def server_bind(self):
        # HTTPServer.server_bind calls getfqdn(), which can stall on DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    def handle_error(self, request, client_address):
        if STATE is not None and STATE.verbose:
            super().handle_error(request, client_address)


def main(argv=None):
    global STATE
    ap = argparse.ArgumentParser(description="circuit's loopback provider test server")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", default=None, help="append one JSON line per request here")
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--idle-seconds", type=float, default=60)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)

    STATE = State(args.max_seconds, args.idle_seconds, args.log, args.verbose)
    Handler.timeout = max(5.0, min(60.0, args.idle_seconds))
    server = Server(("127.0.0.1", args.port), Handler)

    def on_signal(signum, frame):
        STATE.stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sys.stdout.write(f"PORT {server.server_address[1]}\n")
    sys.stdout.flush()

    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True)
    t.start()
    reason = "stopped"
    while not STATE.stop.wait(0.1):
        now = time.monotonic()
        if now >= STATE.deadline:
            reason = "max-seconds"
            break
        with STATE.lock:
            idle = STATE.inflight == 0 and now - STATE.last_activity >= STATE.idle_seconds
        if idle:
            reason = "idle"
            break
    STATE.stop.set()
    if args.verbose:
        sys.stderr.write(f"server: exiting ({reason})\n")
    if STATE.log_file is not None:
        with STATE.lock:
            STATE.log_file.flush()
    sys.stderr.flush()
    # Handler threads may sit in a sleep or a blocked write: do not wait for them.
    os._exit(0)


if __name__ == "__main__":
    main()
