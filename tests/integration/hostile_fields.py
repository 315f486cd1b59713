# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 16, the choke point: every server-controlled field (stop reasons,
error messages and codes, header values) reaches stdout, stderr, --json,
--replay, the debug log, record files and the screen redacted and inert
(items 1, 2, 5 userinfo, 9, 10 and 16's record files)."""
import glob
import json
import os
import shutil
import tempfile
import time

import harness
import hostile as H
from harness import check

ESCAPED_KEY = H.SENTINEL.replace("-", "\\u002d")  # how a JSON encoder may quote it
BIDI_CHARS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def no_secret(b):
    s = b.decode("utf-8", "replace") if isinstance(b, bytes) else b
    return H.SENTINEL not in s and ESCAPED_KEY not in s and "0123456789" not in s


def key_401():
    """A 401 whose message quotes the key (plus a bidi override) and whose
    code quotes it JSON-escaped."""
    body = ('{"error":{"message":"Incorrect API key provided: ' + H.SENTINEL + ' \u202eevil",'
            '"type":"invalid_request_error","param":null,"code":"bad_key:' + ESCAPED_KEY + '"}}')
    return [{"send": H.http(401, body, headers=(("Content-Type", "application/json"),))}]


def nasty_stop():
    return [{"send": H.sse_response(H.openai_sse(["hi ", "there"], finish_reason=H.NASTY))}]


def routes():
    body = H.openai_sse(["a"], finish_reason="a" * 46 + "\u6771\u4eac")
    raw_text = H.openai_sse(["del\x7f c1\u009b2J bidi\u202e end"])
    evil_head = H.http(500, '{"error":{"message":"boom \\u001b]2;logtitle\\u0007"}}',
                       headers=(("Content-Type", "application/json"),
                                ("X-Evil", "\x1b]2;headertitle\x07 ok"),),
                       reason="Internal \x1b[31mError")
    k = H.SENTINEL
    echo = H.openai_sse(["Your key is " + k[:5], k[5:14], k[14:] + " and ", "its JSON form ",
                         k.replace("-", "\\u002d") + "."])
    return {"/echo": [{"send": H.sse_response(echo)}], "/stop": nasty_stop(), "/k401": key_401(), "/cut": [{"send": H.sse_response(body)}],
            "/raw": [{"send": H.sse_response(raw_text)}], "/evil": [{"send": evil_head}]}


class Env:
    """One attack server and one private HOME for the cases below."""

    def __init__(self):
        self.srv = H.AttackServer(routes())
        self.home = H.private_home()

    def env(self, prefix, **extra):
        base = dict(OPENAI_API_KEY=H.SENTINEL, OPENAI_BASE_URL=self.srv.url(prefix + "/v1"))
        base.update(extra)
        return H.env_for(self.home, **base)

    def close(self):
        self.srv.close()
        shutil.rmtree(self.home, ignore_errors=True)


def case_compare_table_and_replay_stop():
    e = Env()
    try:
        env = e.env("/stop")
        rc, out, err = H.run(["--no-history", "--compare", "openai:gpt-4o,openai:gpt-4o-mini",
                              "-p", "hi"], env)
        check("1 compare: the run answers", rc == 0 and b"hi there" in out, repr((rc, err)))
        check("1 compare: the table's stop column is inert", H.clean_bytes(out + err), repr(err))
        check("1 compare: the server's word is shown, made visible",
              "\u241b]52;c;" in err.decode("utf-8", "replace"), repr(err))
        rc, out, err = H.run(["--no-history", "--compare", "openai:gpt-4o,openai:gpt-4o-mini",
                              "--json", "-p", "hi"], env)
        doc = json.loads(out)
        stops = [m["stop"] for m in doc["models"]]
        check("1 --json: stop carries no control", all(
            s and not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in BIDI_CHARS for c in s)
            for s in stops), repr(stops))
        # --replay of the same body: the [stop: ...] line.
        path = os.path.join(e.home, "body.sse")
        with open(path, "w", encoding="utf-8") as f:
            f.write(H.openai_sse(["x"], finish_reason=H.NASTY))
        rc, out, err = H.run(["--replay", path, "--wire", "openai"], env)
        check("1 --replay: [stop: ...] is inert", rc == 0 and b"[stop: " in err and
              H.clean_bytes(out + err), repr(err))
        rc, out, err = H.run(["--replay", path, "--wire", "openai", "--events"], env)
        check("1 --replay --events: the stop event is inert",
              b'"stop"' in out and H.clean_bytes(out + err) and b"\\u001b" not in out, repr(out))
    finally:
        e.close()


def case_key_quoted_back():
    e = Env()
    try:
        env = e.env("/k401")
        rec = os.path.join(e.home, "rec")
        os.mkdir(rec)
        log = os.path.join(e.home, "debug.log")
        rc, out, err = H.run(["--no-history", "-m", "gpt-4o", "--json", "--record", rec,
                              "--debug", log, "-p", "hi"], env)
        check("2 401: the run fails with status 1", rc == 1, repr((rc, err)))
        check("2 401: stderr shows no key, no bidi", no_secret(err) and H.clean_bytes(err),
              repr(err))
        check("2 --json: no key in any field, escaped or not", no_secret(out), out[:400])
        doc = json.loads(out)
        code = doc["models"][0]["error"]["code"]
        check("2 --json: the error code is redacted", code == "bad_key:[redacted]", repr(code))
        files = glob.glob(os.path.join(rec, "*"))
        body = b"".join(open(f, "rb").read() for f in files)
        check("16 --record: a file was written", len(files) >= 1 and b"Incorrect" in body,
              repr(files))
        check("16 --record: the key quoted back JSON-escaped is redacted", no_secret(body)
              and b"[redacted]" in body, body[:300])
        with open(log, "rb") as f:
            lb = f.read()
        check("9 --debug: the log holds no key", no_secret(lb) and len(lb) > 0, lb[-400:])
    finally:
        e.close()


def case_userinfo():
    e = Env()
    try:
        pw = "PASSWORD-userinfo-77"
        base = f"http://alice:{pw}@127.0.0.1:{e.srv.port}/k401/v1"
        log = os.path.join(e.home, "debug.log")
        env = e.env("/k401", OPENAI_BASE_URL=base)
        rc, out, err = H.run(["--no-history", "-m", "gpt-4o", "--json", "--debug", log,
                              "-p", "hi"], env)
        check("5 userinfo: the request is made", rc == 1 and len(e.srv.requests()) >= 1,
              repr((rc, err)))
        with open(log, "rb") as f:
            lb = f.read()
        for name, b in (("stderr", err), ("--json", out), ("--debug log", lb)):
            check(f"5 userinfo: {name} holds no password", pw.encode() not in b, b[-300:])
        # A server that cannot be reached: curl's words pass the door too.
        env = e.env("/k401", OPENAI_BASE_URL=f"http://alice:{pw}@127.0.0.1:1/v1")
        rc, out, err = H.run(["--no-history", "-m", "gpt-4o", "-p", "hi"], env)
        check("5 userinfo: an unreachable server's line holds no password",
              rc == 1 and pw.encode() not in err and err.strip(), repr(err))
    finally:
        e.close()


def case_debug_log_escaped():
    e = Env()
    try:
        log = os.path.join(e.home, "debug.log")
        rc, out, err = H.run(["--no-history", "-m", "gpt-4o", "--debug", log, "-p", "hi"],
                             e.env("/evil"))
        with open(log, "rb") as f:
            lb = f.read()
        check("9 --debug: the server's header arrived in the log",
              b"X-Evil" in lb or b"x-evil" in lb, lb[-600:])
        check("9 --debug: no ESC, BEL or other control byte but newline",
              not any(c < 0x20 and c != 0x0A for c in lb) and b"\x7f" not in lb, lb[-600:])
        check("9 --debug: escapes are written out (\\x1b)", b"\\x1b" in lb, lb[-600:])
        check("9 stderr: the reason phrase and message are inert", rc == 1 and H.clean_bytes(err),
              repr(err))
    finally:
        e.close()


def case_json_output():
    e = Env()
    try:
        rc, out, err = H.run(["--no-history", "-m", "gpt-4o", "--json", "-p", "hi"], e.env("/cut"))
        doc = json.loads(out) if rc == 0 else {}
        stop = doc.get("models", [{}])[0].get("stop")
        check("10 --json: a 48-byte stop reason cut inside a character keeps the key",
              stop is not None and stop.startswith("a" * 46) and "\ufffd" not in stop,
              repr((rc, stop, err)))
        rc, out, err = H.run(["--no-history", "-m", "gpt-4o", "--json", "--raw", "-p", "hi"],
                             e.env("/raw"))
        check("10 --json --raw: DEL, C1 and bidi are escaped in the JSON text",
              rc == 0 and b"\x7f" not in out and b"\xc2\x9b" not in out
              and b"\xe2\x80\xae" not in out and b"\\u007f" in out and b"\\u009b" in out, out[:400])
        text = json.loads(out)["models"][0]["text"] if rc == 0 else ""
        check("10 --json --raw: the value is still the raw text", "\x7f" in text and
              "\u009b" in text and "\u202e" in text, repr(text))
    finally:
        e.close()


def case_screen():
    if shutil.which("tmux") is None:
        print("skip: hostile screen case (tmux not found)")
        return
    e = Env()
    tmp = tempfile.mkdtemp(prefix="circuit-hostile-tmux-")
    tm = harness.Tmux(tmp, "hostile", home=e.home, conf_extra="set -g set-clipboard on\n")
    try:
        env = e.env("/stop", TERM="xterm-256color")
        env = {k: v for k, v in env.items() if k in ("HOME", "PATH", "LANG", "LC_ALL", "TERM")
               or k.startswith("XDG_") or k.startswith("OPENAI_")}
        p = tm.pane(100, 30, env, ["--no-history", "--compare", "openai:gpt-4o,openai:gpt-4o-mini"])
        ok, s = p.wait_for(lambda s: "gpt-4o" in str(s), timeout=10)
        check("1 screen: compare starts", ok, str(s))
        title = p.fmt("#{pane_title}")
        p.send("hi")
        ok, s = p.wait_for(lambda s: str(s).count("hi there") >= 2, timeout=10)
        check("1 screen: both replies arrive", ok, str(s))
        p.send("/stats")
        ok, s = p.wait_for(lambda s: "openai" in str(s) and "stop" in str(s).lower(), timeout=5)
        raw = "\n".join(p.capture(escapes=True))
        check("1 screen: no OSC or C1 reaches the pane", "\x1b]" not in raw and "\u009b" not in raw,
              repr(raw[-500:]))
        check("1 screen: the pane title is not the server's", "pwned" not in p.fmt("#{pane_title}")
              and p.fmt("#{pane_title}") == title, p.fmt("#{pane_title}"))
        check("1 screen: no clipboard write", not any("SEVMTE8" in b or "HELLO" in b
                                                     for b in tm.buffers()), repr(tm.buffers()))
        p.quit()
        # /stats after a 401 that quotes the key.
        env["OPENAI_BASE_URL"] = e.srv.url("/k401/v1")
        p = tm.pane(120, 40, env, ["--no-history", "-m", "gpt-4o"])
        ok, s = p.wait_for(lambda s: "gpt-4o" in str(s), timeout=10)
        p.send("hi")
        ok, s = p.wait_for(lambda s: "OPENAI_API_KEY" in str(s), timeout=10)
        check("2 screen: the 401 is reported", ok, str(s))
        p.send("/stats")
        ok, s = p.wait_for(lambda s: "last error" in str(s), timeout=5)
        check("2 /stats: shows the last error", ok, str(s))
        check("2 /stats: no key, escaped or not, and no bidi override", no_secret(str(s))
              and not any(c in str(s) for c in BIDI_CHARS) and "[redacted]" in str(s), str(s))
        p.quit()
    finally:
        tm.kill()
        shutil.rmtree(tmp, ignore_errors=True)
        e.close()


def case_key_in_reply_text():
    """A server that puts the key in the reply itself, split across deltas:
    no stdout, --json, history file or screen shows it."""
    e = Env()
    try:
        env = e.env("/echo")
        rc, out, err = H.run(["-m", "gpt-4o", "-p", "hi"], env)
        check("key in text: the reply is shown, the key redacted",
              rc == 0 and b"Your key is [redacted] and its JSON form [redacted]." in out, repr(out))
        check("key in text: stdout and stderr hold no key", no_secret(out + err), repr(out))
        rc, out, err = H.run(["--no-history", "-m", "gpt-4o", "--json", "-p", "hi"], env)
        check("key in text: --json holds no key", rc == 0 and no_secret(out), out[:300])
        rc, out, err = H.run(["--no-history", "-m", "gpt-4o", "--raw", "-p", "hi"], env)
        check("key in text: --raw holds no key either", rc == 0 and no_secret(out), repr(out))
        data = os.path.join(e.home, "data", "circuit")
        blob = b"".join(open(os.path.join(data, f), "rb").read() for f in os.listdir(data))
        check("key in text: the history file holds no key", b"Your key is" in blob
              and no_secret(blob), repr(os.listdir(data)))
    finally:
        e.close()


CASES = [case_key_in_reply_text, case_compare_table_and_replay_stop, case_key_quoted_back, case_userinfo,
         case_debug_log_escaped, case_json_output, case_screen]
