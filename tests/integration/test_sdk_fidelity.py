#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The test server speaks the real formats: the official SDKs (openai,
@anthropic-ai/sdk, @google/genai, pinned in tests/sdk/package.json) decode
the same text, thinking, stop reason and usage from it as circuit does, and
raise their own error classes where circuit exits 1.

For every provider and scenario: one SDK script from tests/sdk/ (run with
node from build/sdk, where the SDKs are installed once with npm ci) and the
circuit binary stream against one tests/server/server.py; the SDK's text, the
server's logged reply and circuit's stdout must agree. circuit has no
headless Responses mode, so for the Responses API the raw body of the same
request is fetched and decoded with `circuit --replay --wire openai-responses`.

Skips (prints "skip: ..." and "0 passed, 0 failed") without node/npm, with a
node older than the SDKs support, or when npm cannot install the SDKs.
Ends with "N passed, N failed"."""
import fcntl
import hashlib
import json
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import harness
from harness import BIN, ROOT, check, finish, skip

SDK_SRC = os.path.join(ROOT, "tests/sdk")
SDK_DIR = os.path.join(ROOT, "build/sdk")          # git-ignored; shared by every BUILD
MARKER = os.path.join(SDK_DIR, ".circuit-sdk-installed")
KEY = "test-key"
NODE_MIN = 20                                      # the SDKs' engines (Node 20 LTS)
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
            "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL", "OLLAMA_HOST")


# ---- the SDKs: installed once into build/sdk ---------------------------------

def pinned():
    with open(os.path.join(SDK_SRC, "package.json"), encoding="utf-8") as f:
        return json.load(f)["dependencies"]


def installed_version(pkg):
    try:
        with open(os.path.join(SDK_DIR, "node_modules", pkg, "package.json"), encoding="utf-8") as f:
            return json.load(f).get("version")
    except (OSError, ValueError):
        return None


def stamp():
    h = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        p = os.path.join(SDK_SRC, name)
        if os.path.exists(p):
            with open(p, "rb") as f:
                h.update(name.encode() + b"\0" + f.read() + b"\0")
    return h.hexdigest()


def npm_reason(p):
    lines = [l.strip() for l in (p.stderr + p.stdout).decode("utf-8", "replace").splitlines()]
    errs = [l.split(None, 2)[2] for l in lines
            if l.startswith(("npm error ", "npm ERR! ")) and len(l.split(None, 2)) == 3]
    code = next((e.split()[1] for e in errs if e.startswith("code ")), None)
    msg = next((e for e in errs if "Error:" in e or "request to" in e or "reason:" in e),
               next((e for e in errs if not e.startswith(("code ", "syscall ", "errno "))),
                    lines[-1] if lines else "no output"))
    return f"npm exited {p.returncode}" + (f" ({code})" if code else "") + ": " + msg[:300]


LOCK = None  # build/sdk/.install.lock, held shared while the suite uses the SDKs


def up_to_date():
    try:
        with open(MARKER, encoding="utf-8") as f:
            have = f.read().strip()
    except OSError:
        return False
    return have == stamp() and all(installed_version(p) == v for p, v in pinned().items())


def ensure_sdks():
    """(installed_now, error): error is a reason to skip, or None. Runs hold
    build/sdk/.install.lock shared while they use the SDKs, and take it
    exclusive to install, so no run installs under another."""
    global LOCK
    os.makedirs(SDK_DIR, exist_ok=True)
    LOCK = open(os.path.join(SDK_DIR, ".install.lock"), "a")
    fcntl.flock(LOCK, fcntl.LOCK_SH)
    if up_to_date():
        return False, None
    fcntl.flock(LOCK, fcntl.LOCK_UN)
    fcntl.flock(LOCK, fcntl.LOCK_EX)
    try:
        if up_to_date():                     # another run installed meanwhile
            return False, None
        return True, install()
    finally:
        fcntl.flock(LOCK, fcntl.LOCK_SH)


def install():
    """npm ci (npm install without a lockfile) from tests/sdk into build/sdk;
    None, or why it failed."""
    if os.path.exists(MARKER):
        os.unlink(MARKER)
    for name in ("package.json", "package-lock.json"):
        src = os.path.join(SDK_SRC, name)
        if os.path.exists(src):
            shutil.copyfile(src, os.path.join(SDK_DIR, name))
    verb = "ci" if os.path.exists(os.path.join(SDK_SRC, "package-lock.json")) else "install"
    cmd = ["npm", verb, "--prefix", SDK_DIR, "--no-audit", "--no-fund", "--ignore-scripts",
           "--loglevel", "error"]
    try:
        p = subprocess.run(cmd, cwd=SDK_DIR, capture_output=True, timeout=300,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "npm timed out after 300 s"
    if p.returncode != 0:
        return npm_reason(p)
    pins = pinned()
    bad = {pkg: installed_version(pkg) for pkg, v in pins.items() if installed_version(pkg) != v}
    if bad:
        return f"npm {verb} left other versions than pinned {pins}: {bad}"
    with open(MARKER, "w", encoding="utf-8") as f:
        f.write(stamp() + "\n")
    return None


def copy_if_changed(src, dst):
    """The scripts run from build/sdk, next to node_modules; replaced whole so a
    concurrent run never reads half a file."""
    with open(src, "rb") as f:
        data = f.read()
    try:
        with open(dst, "rb") as f:
            if f.read() == data:
                return
    except OSError:
        pass
    tmp = f"{dst}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, dst)


def node_major():
    try:
        out = subprocess.run(["node", "--version"], capture_output=True, timeout=30).stdout.decode()
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


# ---- the server ---------------------------------------------------------------

class Server(harness.LoopbackServer):
    """The loopback server for a with-block, in a temporary folder."""

    def __init__(self):
        super().__init__(max_seconds=300, idle_seconds=60)
        self.seen = 0

    def new_requests(self):
        """The log entries since the last call."""
        reqs = self.requests()
        new = reqs[self.seen:]
        self.seen = len(reqs)
        return new


# ---- runners --------------------------------------------------------------------

def node_env(home):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C.UTF-8",
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    return env


def run_sdk(script, args, home, timeout=45):
    """(rc, parsed JSON line or None, stderr)."""
    try:
        p = subprocess.run(["node", os.path.join(SDK_DIR, script), *args], capture_output=True,
                           timeout=timeout, env=node_env(home), cwd=SDK_DIR, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, None, f"timed out after {timeout} s"
    out = p.stdout.decode("utf-8", "replace")
    doc = None
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            try:
                doc = json.loads(line)
            except ValueError:
                pass
            break
    return p.returncode, doc, p.stderr.decode("utf-8", "replace")[-600:]


def circuit_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    env.update(extra)
    return env


# The SDKs here never retry (maxRetries: 0), so neither does circuit: this
# suite compares decoding, the retry rules have test_router.py.
NO_RETRY = tempfile.mkdtemp(prefix="circuit-sdk-config-")
atexit.register(shutil.rmtree, NO_RETRY, True)
os.makedirs(os.path.join(NO_RETRY, "circuit"))
with open(os.path.join(NO_RETRY, "circuit", "config"), "w") as _f:
    _f.write("max_retries = 0\n")


def run_circuit(args, env, timeout=30):
    # Its own HOME and XDG dirs too: the runs' history stays out of the user's.
    env = dict(env, HOME=NO_RETRY, XDG_CONFIG_HOME=NO_RETRY,
               XDG_DATA_HOME=os.path.join(NO_RETRY, "data"),
               XDG_STATE_HOME=os.path.join(NO_RETRY, "state"))
    try:
        p = subprocess.run([BIN, *args], capture_output=True, timeout=timeout, env=env,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {timeout} s"
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def with_newline(text):
    return text if text.endswith("\n") else text + "\n"


def parse_spec(spec):
    out = {}
    for kv in filter(None, spec.split(",")):
        k, _, v = kv.partition("=")
        k, v = urllib.parse.unquote(k), urllib.parse.unquote(v) if _ else "1"
        out[k] = int(v) if v.lstrip("-").isdigit() else v
    return out


# provider: (SDK script and extra args, circuit model, server "provider",
#            base-URL suffix for the SDK, circuit env, SDK error class on 429)
PROVIDERS = {
    "openai-chat": (["openai.mjs"], "gpt-4o", "openai", "/v1", "OPENAI", "RateLimitError"),
    "openai-responses": (["openai.mjs", "--responses"], "gpt-4o", "openai-responses", "/v1", None,
                         "RateLimitError"),
    "anthropic": (["anthropic.mjs"], "claude-sonnet-4-5", "anthropic", "", "ANTHROPIC",
                  "RateLimitError"),
    "google": (["google.mjs"], "gemini-2.5-flash", "gemini", "", "GEMINI", "ApiError"),
}
# The error each SDK raises on an in-stream error (error_after): the Responses
# API's `event: error` is delivered by the SDK as a typed "error" event, which
# openai.mjs turns into a ResponseErrorEvent failure.
STREAM_ERROR_CLASS = {"openai-chat": "APIError", "openai-responses": "ResponseErrorEvent",
                      "anthropic": "APIError", "google": "ApiError"}

# Characters each format escapes its own way (Gemini writes <>&=' as \u003c…),
# a tab, and a reply that ends in a newline (circuit then adds none).
ESCAPES = "Line <b>&amp;</b> \"quoted\" 'single' a=b \\ back\ttab\nsecond line 東京 🙂\n"
GOOD_SPECS = ["", "thinking=2", "crlf=1,keepalive=1", "tokens=40,pace_ms=2", "stop=length",
              "tokens=7,text=" + urllib.parse.quote(ESCAPES, safe="")]
PROMPT = "hi"


def sdk_args(srv, prov, spec):
    script, model, _, suffix, _, _ = PROVIDERS[prov]
    return script[0], script[1:] + [srv.base(spec) + suffix, model, PROMPT]


def one_request(name, srv, prov, spec):
    """The single log entry a run made, checked for provider and scenario."""
    reqs = srv.new_requests()
    want_prov = PROVIDERS[prov][2]
    ok = len(reqs) == 1 and reqs[0].get("provider") == want_prov and \
        reqs[0].get("scenario") == parse_spec(spec) and reqs[0].get("auth") == "ok" and \
        "scenario_error" not in reqs[0]
    check(f"{name}: exactly one request, right route and scenario", ok,
          repr([(r.get("path"), r.get("provider"), r.get("scenario"), r.get("auth"),
                 r.get("scenario_error")) for r in reqs]))
    return reqs[0] if len(reqs) == 1 else None


def circuit_live(srv, prov, spec, json_mode):
    _, model, _, _, var, _ = PROVIDERS[prov]
    b = srv.base(spec)
    env = circuit_env(**{f"{var}_API_KEY": KEY,
                         f"{var}_BASE_URL": b + ("/v1" if var == "OPENAI" else "")})
    return run_circuit(["-p", PROMPT, "-m", model] + (["--json"] if json_mode else []), env)


def fetch_raw(srv, req, tmp):
    """Repeats the SDK's logged Responses request byte for byte (same path and
    body) and saves the raw response body for circuit --replay."""
    url = f"http://127.0.0.1:{srv.port}{req['path']}"
    data = json.dumps(req["body"]).encode()
    r = urllib.request.Request(url, data=data, method="POST", headers={
        "Authorization": f"Bearer {KEY}", "Content-Type": "application/json",
        "Accept": "text/event-stream"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(r, timeout=30) as resp:
        body = resp.read()
    path = os.path.join(tmp, "responses.sse")
    with open(path, "wb") as f:
        f.write(body)
    return path


def circuit_replay_responses(path):
    """(rc, text stdout, {thinking, stop, usage}) from circuit --replay."""
    rc, out, err = run_circuit(["--replay", path, "--wire", "openai-responses"], circuit_env())
    rc2, ev_out, _ = run_circuit(["--replay", path, "--wire", "openai-responses", "--events"],
                                 circuit_env())
    info = {"thinking": "", "stop": None, "usage": None, "rc_events": rc2}
    for line in ev_out.splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("type") == "thinking":
            info["thinking"] += e.get("text", "")
        elif e.get("type") == "stop":
            info["stop"] = e.get("reason")
        elif e.get("type") == "usage":
            info["usage"] = {"input": e.get("input"), "output": e.get("output")}
    return rc, out, info


# ---- the cases --------------------------------------------------------------------

def case_good(srv, prov, spec, home, tmp):
    name = f"{prov} [{(spec[:20] + '…' if len(spec) > 24 else spec) or 'default'}]"
    script, args = sdk_args(srv, prov, spec)
    rc, sdk, err = run_sdk(script, args, home)
    req = one_request(f"{name} SDK", srv, prov, spec)
    if "text" in parse_spec(spec):
        check(f"{name}: server sent the text= reply", req is not None and req["reply"] == ESCAPES,
              repr(req and req["reply"]))
    check(f"{name}: SDK streams without error", rc == 0 and sdk is not None and "error" not in sdk,
          repr((rc, sdk, err)))
    if sdk is None or req is None or "error" in sdk:
        return
    reply, thinking = req["reply"], req["thinking"]
    want_usage = {"input": req["prompt_tokens"],
                  "output": len(req["reply_chunks"]) + len(req["thinking_chunks"])}
    check(f"{name}: SDK text == server reply", sdk["text"] == reply, repr((sdk["text"], reply)))
    check(f"{name}: SDK thinking == server thinking", sdk["thinking"] == thinking,
          repr((sdk["thinking"], thinking)))
    check(f"{name}: SDK usage == server counts", sdk["usage"] == want_usage,
          repr((sdk["usage"], want_usage)))
    if sdk.get("final") is not None:
        fin = sdk["final"]
        check(f"{name}: SDK accumulated message == streamed deltas",
              fin.get("text") == sdk["text"] and fin.get("thinking", sdk["thinking"]) == sdk["thinking"],
              repr((fin, sdk["text"])))
    if "tokens" in parse_spec(spec):
        check(f"{name}: server sent tokens= chunks", len(req["reply_chunks"]) == parse_spec(spec)["tokens"],
              repr(len(req["reply_chunks"])))

    if prov == "openai-responses":
        # No headless Responses mode in circuit: the same request's raw body, replayed.
        try:
            path = fetch_raw(srv, req, tmp)
        except OSError as e:
            check(f"{name}: raw fetch for circuit --replay", False, repr(e))
            return
        raw_req = srv.new_requests()
        check(f"{name}: raw fetch got the same reply", len(raw_req) == 1 and raw_req[0]["reply"] == reply,
              repr([r.get("reply") for r in raw_req]))
        crc, out, info = circuit_replay_responses(path)
        check(f"{name}: circuit --replay text == SDK text", crc == 0 and out == with_newline(sdk["text"]),
              repr((crc, out, sdk["text"])))
        check(f"{name}: circuit --replay thinking, stop, usage == SDK",
              info["thinking"] == sdk["thinking"] and info["usage"] == sdk["usage"] and
              info["stop"] == sdk["stop"],
              repr((info, sdk)))
        if parse_spec(spec).get("stop") == "length":
            check(f"{name}: SDK sees incomplete_details.reason max_output_tokens",
                  sdk.get("incomplete_reason") == "max_output_tokens", repr(sdk))
        return

    crc, out, cerr = circuit_live(srv, prov, spec, json_mode=False)
    creq = one_request(f"{name} circuit", srv, prov, spec)
    check(f"{name}: circuit stdout == SDK text", crc == 0 and out == with_newline(sdk["text"]),
          repr((crc, out, sdk["text"], cerr[-300:])))
    if creq is not None:
        check(f"{name}: circuit's request got the same reply", creq["reply"] == reply,
              repr((creq["reply"], reply)))
    crc, out, cerr = circuit_live(srv, prov, spec, json_mode=True)
    srv.new_requests()
    try:
        m = json.loads(out)["models"][0]
    except (ValueError, KeyError, IndexError):
        check(f"{name}: circuit --json", False, repr((crc, out[:300], cerr[-300:])))
        return
    check(f"{name}: circuit --json text, thinking, stop, usage == SDK",
          crc == 0 and m["text"] == sdk["text"] and m["thinking"] == sdk["thinking"] and
          m["stop"] == sdk["stop"] and m["usage"] == sdk["usage"],
          repr(({k: m.get(k) for k in ("text", "thinking", "stop", "usage", "error")}, sdk)))


def case_status_429(srv, prov, home):
    spec = "status=429"
    name = f"{prov} [{spec}]"
    script, args = sdk_args(srv, prov, spec)
    rc, sdk, err = run_sdk(script, args, home)
    one_request(f"{name} SDK (no retry)", srv, prov, spec)
    want = PROVIDERS[prov][5]
    e = (sdk or {}).get("error") or {}
    check(f"{name}: SDK raises {want} with status 429", rc == 1 and e.get("class") == want and
          e.get("status") == 429, repr((rc, sdk, err)))
    if prov == "openai-responses":
        return
    crc, out, cerr = circuit_live(srv, prov, spec, json_mode=False)
    one_request(f"{name} circuit", srv, prov, spec)
    check(f"{name}: circuit exits 1 with one error line", crc == 1 and out == "" and
          cerr.startswith("circuit: ") and "429" in cerr, repr((crc, out, cerr)))


def case_stream_error(srv, prov, home, tmp):
    spec = "error_after=2"
    name = f"{prov} [{spec}]"
    script, args = sdk_args(srv, prov, spec)
    rc, sdk, err = run_sdk(script, args, home)
    req = one_request(f"{name} SDK", srv, prov, spec)
    want = STREAM_ERROR_CLASS[prov]
    e = (sdk or {}).get("error") or {}
    check(f"{name}: SDK raises {want}", rc == 1 and e.get("class") == want, repr((rc, sdk, err)))
    if req is None or sdk is None:
        return
    partial = "".join(req["reply_chunks"][:2])
    check(f"{name}: SDK text before the error == the first 2 chunks", sdk.get("text") == partial,
          repr((sdk.get("text"), partial)))
    if prov == "openai-responses":
        try:
            path = fetch_raw(srv, req, tmp)
        except OSError as ex:
            check(f"{name}: raw fetch for circuit --replay", False, repr(ex))
            return
        srv.new_requests()
        crc, out, cerr = run_circuit(["--replay", path, "--wire", "openai-responses"], circuit_env())
    else:
        crc, out, cerr = circuit_live(srv, prov, spec, json_mode=False)
        one_request(f"{name} circuit", srv, prov, spec)
    check(f"{name}: circuit exits 1 keeping the same partial text",
          crc == 1 and out == with_newline(partial) and "circuit: " in cerr, repr((crc, out, cerr[-300:])))


def main():
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return skip(f"{tool} is not on PATH; the SDK fidelity suite needs Node.js and npm")
    major = node_major()
    if major is None or major < NODE_MIN:
        return skip(f"node {major} is older than the SDKs support (>= {NODE_MIN})")
    if not os.path.exists(BIN):
        check("circuit binary exists", False, BIN)
        return finish()
    t0 = time.monotonic()
    installed, why = ensure_sdks()
    t_install = time.monotonic() - t0
    if why:
        return skip(f"cannot install the SDKs from npm: {why}")
    print("sdks: " + ", ".join(f"{p} {installed_version(p)}" for p in pinned()) +
          (f" (installed in {t_install:.1f} s)" if installed else " (already installed)"), flush=True)
    for f in os.listdir(SDK_SRC):
        if f.endswith(".mjs"):
            copy_if_changed(os.path.join(SDK_SRC, f), os.path.join(SDK_DIR, f))

    t1 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, Server() as srv:
        home = os.path.join(tmp, "home")
        os.mkdir(home)
        for prov in PROVIDERS:
            tp = time.monotonic()
            for spec in GOOD_SPECS:
                case_good(srv, prov, spec, home, tmp)
            case_status_429(srv, prov, home)
            case_stream_error(srv, prov, home, tmp)
            print(f"{prov}: {time.monotonic() - tp:.1f} s", flush=True)
    print(f"timing: install {t_install:.1f} s, cases {time.monotonic() - t1:.1f} s", flush=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
