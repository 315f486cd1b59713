#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""ollama.com serves /api/chat's NDJSON stream as one body with
`Content-Type: application/json` and a `Content-Length` (issue 19): circuit
reads it as NDJSON all the same (the framing follows the provider, never the
content type). Against the loopback server's `buffered=1`. Ends with
"N passed, N failed"."""
import json
import os
import subprocess
import tempfile
import urllib.request

import harness
from harness import BIN, check, finish

PRIVATE = tempfile.mkdtemp(prefix="circuit-ollama-json-")
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
            "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL", "OLLAMA_HOST")


def env_for(base):
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env.update(HOME=PRIVATE, XDG_CONFIG_HOME=os.path.join(PRIVATE, "config"),
               XDG_DATA_HOME=os.path.join(PRIVATE, "data"),
               XDG_STATE_HOME=os.path.join(PRIVATE, "state"),
               XDG_CACHE_HOME=os.path.join(PRIVATE, "cache"), OLLAMA_HOST=base)
    return env


def run(args, env):
    p = subprocess.run([BIN, "--no-history", *args], capture_output=True, timeout=60, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def test_server_really_sends_json(srv):
    """The scenario is what the test says: one body, a length, application/json."""
    req = urllib.request.Request(srv.base("buffered=1") + "/api/chat", method="POST",
                                 data=json.dumps({"model": "llama3.2", "stream": True,
                                                  "messages": [{"role": "user", "content": "hi"}]}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        ctype = r.headers.get("Content-Type", "")
        length = r.headers.get("Content-Length")
        chunked = r.headers.get("Transfer-Encoding")
        body = r.read()
    lines = [l for l in body.split(b"\n") if l.strip()]
    check("buffered: application/json", ctype.startswith("application/json"), ctype)
    check("buffered: a Content-Length, not chunked", length == str(len(body)) and chunked is None,
          repr((length, chunked)))
    check("buffered: the body is NDJSON", len(lines) > 2 and all(json.loads(l) for l in lines)
          and json.loads(lines[-1])["done"] is True, repr(body[:200]))


def test_decoded_as_ndjson(srv):
    for scen in ("buffered=1", "buffered=1,crlf=1,thinking=2", "buffered=1,tokens=40"):
        rc, out, err = run(["-p", "hi", "-m", "ollama:llama3.2"], env_for(srv.base(scen)))
        reply = srv.requests()[-1]["reply"]
        check(f"{scen}: the reply whole on stdout", rc == 0 and out == reply + "\n",
              repr((rc, out[:120], reply[:120], err[:300])))
        rc, out, err = run(["-p", "hi", "-m", "ollama:llama3.2", "--json"], env_for(srv.base(scen)))
        m = json.loads(out)["models"][0] if rc == 0 else {}
        check(f"{scen}: stop and usage kept", m.get("stop") and m.get("usage") is not None
              and m.get("error") is None, repr((rc, out[:300], err[:300])))


def test_error_inside_buffered_body(srv):
    rc, out, err = run(["-p", "hi", "-m", "ollama:llama3.2"], env_for(srv.base("buffered=1,error_after=2")))
    lines = [l for l in err.splitlines() if l.startswith("circuit: ")]
    check("buffered error: exit 1 and one error line", rc == 1 and len(lines) == 1
          and "an error was encountered" in lines[0], repr((rc, err[:300])))


def main():
    harness.require()
    with harness.LoopbackServer() as srv:
        test_server_really_sends_json(srv)
        test_decoded_as_ndjson(srv)
        test_error_inside_buffered_body(srv)
    return finish()


if __name__ == "__main__":
    harness.exit_after(main, PRIVATE)
