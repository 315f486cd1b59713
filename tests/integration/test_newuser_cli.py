#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shell side of the new user's defects (issue 15, part B), the real
binary headless against the loopback server in tests/server/: one test per
defect, numbered as in the issue.

  3   a headless compare is one conversation; --export of it has every reply
  4   a keyless model is skipped to its fallback; docs/config.example as the
      config answers with no key at all, nothing leaving loopback
  11  a reply cut by the token limit, on every wire: one stderr line, exit 0
  14  --help's exit codes, the cut-short wording, /co in docs/keys.md
  18  a failed request leaves no conversation; --search prefixes, exit status
  19  malformed chunks counted on stderr; no "$0.0000" in costs

Every run has its own HOME and XDG dirs in a temporary folder, a fresh
environment (none of the user's keys or settings) and a sentinel key, and
each test ends by checking that the sentinel shows nowhere: stdout, stderr,
history.db or any other file the runs wrote. The docs read are those of the
tree the binary was built in (so CIRCUIT_BIN=/tmp/old/build/circuit reads
/tmp/old/docs). Ends with "N passed, N failed"."""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import harness
from harness import BIN, ROOT, check, finish

SENTINEL = "sk-SENTINEL-newuser-cli-0123456789"
TMP = tempfile.mkdtemp(prefix="circuit-newuser-cli-")


def docs_dir():
    """docs/ of the tree holding the binary (BIN = TREE/build/circuit), else ours."""
    tree = os.path.dirname(os.path.dirname(os.path.abspath(BIN)))
    d = os.path.join(tree, "docs")
    return d if os.path.isfile(os.path.join(d, "keys.md")) else os.path.join(ROOT, "docs")


DOCS = docs_dir()

# The wires, each as a model that reaches the loopback server, its provider's
# name in circuit's messages, and the words its API uses for a reply cut by
# the token limit (circuit may also say "length").
WIRES = [
    ("openai", "gpt-4o", "openai", ("length",)),
    ("anthropic", "claude-sonnet-4-5", "anthropic", ("max_tokens",)),
    ("gemini", "gemini-2.5-flash", "google", ("MAX_TOKENS",)),
    ("ollama", "ollama:llama3.2", "ollama", ("length",)),
    ("openai-responses", "resp:m-resp", "resp", ("incomplete", "max_output_tokens")),
]


class Case:
    """One test's runs: a private HOME and XDG dirs, every provider's base
    URL at the loopback server (with one scenario), the sentinel as the
    keys asked for, and a config written for the run. Keeps every stdout and
    stderr for the secrets check."""

    def __init__(self, srv, name, keys=("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY",
                                        "TCLI_RESP_KEY")):
        self.srv = srv
        self.name = name
        self.root = os.path.join(TMP, name)
        self.dirs = {"HOME": os.path.join(self.root, "home"),
                     "XDG_CONFIG_HOME": os.path.join(self.root, "config"),
                     "XDG_DATA_HOME": os.path.join(self.root, "data"),
                     "XDG_STATE_HOME": os.path.join(self.root, "state"),
                     "XDG_CACHE_HOME": os.path.join(self.root, "cache")}
        for d in self.dirs.values():
            os.makedirs(d, exist_ok=True)
        self.config_path = os.path.join(self.dirs["XDG_CONFIG_HOME"], "circuit", "config")
        os.makedirs(os.path.dirname(self.config_path), exist_ok=True)
        self.keys = keys
        self.extra_config = "max_retries = 0\n"
        self.outputs = []
        self.rc, self.out, self.err = None, "", ""
        self.first_request = len(srv.requests())

    def env(self, scenario):
        b = self.srv.base(scenario)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "OPENAI_BASE_URL": b + "/v1", "ANTHROPIC_BASE_URL": b, "GEMINI_BASE_URL": b,
               "OLLAMA_HOST": b}
        env.update(self.dirs)
        env.update({k: SENTINEL for k in self.keys})
        return env

    def write_config(self, scenario, text=None):
        """The config: text as given, or the case's settings and a
        [provider.resp] of the openai-responses wire at the server."""
        if text is None:
            text = (self.extra_config +
                    f"\n[provider.resp]\nkind = openai-responses\n"
                    f"base_url = {self.srv.base(scenario)}/v1\nkey_env = TCLI_RESP_KEY\n"
                    f"models = m-resp\n")
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(text)

    def run(self, args, scenario="", config=None, overrides=None, timeout=30):
        """circuit ARGS with the case's environment (overrides replacing
        some of it) and config; sets rc, out, err (rc None: it did not end
        within timeout)."""
        self.write_config(scenario, config)
        env = self.env(scenario)
        env.update(overrides or {})
        try:
            p = subprocess.run([BIN, *args], capture_output=True, timeout=timeout, env=env,
                               stdin=subprocess.DEVNULL)
            self.rc = p.returncode
            self.out = p.stdout.decode("utf-8", "replace")
            self.err = p.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            self.rc = None
            self.out = (e.stdout or b"").decode("utf-8", "replace")
            self.err = (e.stderr or b"").decode("utf-8", "replace")
        self.outputs += [self.out, self.err]
        return self

    def err_lines(self):
        return [l for l in self.err.splitlines() if l.strip()]

    def history_db(self):
        return os.path.join(self.dirs["XDG_DATA_HOME"], "circuit", "history.db")

    def detail(self):
        return repr((self.rc, self.out[:300], self.err[-400:]))

    def secrets(self, sent=True):
        """The sentinel key is in no output and no file the runs wrote
        (history.db and its journal, the input history, a debug log); sent:
        the runs did send it to the server (so its absence means something)."""
        if sent:
            reqs = self.srv.requests()[self.first_request:]
            check(f"{self.name}: the sentinel key went to the server",
                  any(SENTINEL in json.dumps(r.get("headers")) for r in reqs), repr(len(reqs)))
        check(f"{self.name}: sentinel absent from stdout and stderr",
              all(SENTINEL not in o for o in self.outputs),
              next((o[:200] for o in self.outputs if SENTINEL in o), ""))
        found = []
        for top, _, files in os.walk(self.root):
            for fn in files:
                path = os.path.join(top, fn)
                with open(path, "rb") as f:
                    if SENTINEL.encode() in f.read():
                        found.append(path)
        check(f"{self.name}: sentinel absent from history.db and every file written",
              not found, repr(found))


def tagged(srv, tag):
    """The server's requests whose scenario carries tag=TAG."""
    return [r for r in srv.requests() if r.get("scenario", {}).get("tag") == tag]


# ---- 3: a headless compare, then --export of it --------------------------------

def test_compare_export(srv):
    """circuit --compare a,b,c,d -p ... keeps one conversation whose export
    holds every column's reply, labelled by its model."""
    c = Case(srv, "compare-export")
    models = {"openai": "gpt-4o", "anthropic": "claude-sonnet-4-5",
              "gemini": "gemini-2.5-flash", "ollama": "ollama:llama3.2"}
    texts = {w: f"Zebras from {w} alone" for w in models}
    # Each provider's variable gets its own scenario, so each column's text is its own.
    scen = {w: f"tag=cmp-{w},tokens=4,text=" + t.replace(" ", "%20") for w, t in texts.items()}
    c.run(["--compare", ",".join(models.values()), "-p", "quagga compare prompt"],
          overrides={"OPENAI_BASE_URL": srv.base(scen["openai"]) + "/v1",
                     "ANTHROPIC_BASE_URL": srv.base(scen["anthropic"]),
                     "GEMINI_BASE_URL": srv.base(scen["gemini"]),
                     "OLLAMA_HOST": srv.base(scen["ollama"])})
    blocks, label = {}, None
    for line in c.out.splitlines():
        m = re.fullmatch(r"── (\S+) ──", line)
        if m:
            label = m.group(1)
            blocks[label] = ""
        elif label is not None:
            blocks[label] += line
    got = {l.split(":")[-1]: t for l, t in blocks.items()}
    check("3: headless compare: each model's block holds its reply, exit 0",
          c.rc == 0 and got == {m.split(":")[-1]: texts[w] for w, m in models.items()},
          c.detail())
    c.run(["--search", "quagga"])
    ids = sorted({l.split("\t")[0] for l in c.out.splitlines() if "\t" in l})
    check("3: the compare is one conversation in the history", c.rc == 0 and len(ids) == 1,
          c.detail())
    cid = ids[0] if ids else "1"
    c.run(["--export", cid])
    md = c.out
    check("3: --export (md) has every column's reply",
          c.rc == 0 and all(t in md for t in texts.values()), c.detail())
    check("3: --export (md) labels each reply by its model",
          all(re.search(r"^#+ .*" + re.escape(m.split(":")[-1]), md, re.M)
              for m in models.values()),
          md[:600])
    c.run(["--export", cid, "--format", "json"])
    try:
        doc = json.loads(c.out)
        replies = {m.get("model"): m.get("text") for m in doc.get("messages", [])
                   if m.get("role") == "assistant"}
    except (ValueError, AttributeError):
        replies = {}
    want = {m.split(":")[-1]: texts[w] for w, m in models.items()}
    check("3: --export --format json has every reply, each with its model and text",
          c.rc == 0 and replies == want, repr((c.rc, replies, c.err[-200:])))
    c.secrets()


# ---- 4: a model without a key, and the example config with no key at all -------

def test_keyless_fallback(srv):
    """No ANTHROPIC_API_KEY: -m claude-sonnet-4-5 --fallback mock-fast is
    answered by mock-fast, with one [skip] line saying why; the example
    config with no key at all answers from mock and reaches no server."""
    c = Case(srv, "keyless", keys=("OPENAI_API_KEY", "GEMINI_API_KEY"))
    c.run(["-m", "claude-sonnet-4-5", "--fallback", "mock-fast", "-p", "hi"], "tag=keyless-1")
    check("4: no ANTHROPIC_API_KEY: --fallback mock-fast answers, exit 0",
          c.rc == 0 and "mock-fast" in c.out and "“hi”" in c.out, c.detail())
    check("4: one [skip] line on stderr says why and where to",
          "circuit: [skip] claude-sonnet-4-5: no ANTHROPIC_API_KEY set → mock-fast"
          in c.err_lines(), c.detail())
    check("4: the keyless model sent no request", tagged(srv, "keyless-1") == [],
          repr(tagged(srv, "keyless-1"))[:300])
    c.secrets(sent=False)

    # docs/config.example as the user's config; no key of any kind (the
    # sentinel only in a variable the example names for a provider outside
    # the chain). Every base URL points at the loopback server, so a member
    # that is tried there shows in its log.
    example = os.path.join(DOCS, "config.example")
    with open(example, encoding="utf-8") as f:
        text = f.read()
    c = Case(srv, "example-config", keys=("OPENROUTER_API_KEY",))
    dbg = os.path.join(c.dirs["HOME"], "debug.log")
    c.run(["-p", "hi", "--debug", dbg], "tag=example", config=text)
    try:
        with open(dbg, encoding="utf-8", errors="replace") as f:
            log = f.read()
    except OSError:
        log = ""
    reqs = [l for l in log.splitlines() if re.search(r"\brequest \S+ ", l)]
    check("4: docs/config.example, no key: -p hi answers from mock, exit 0",
          c.rc == 0 and re.search(r"\bmock\b", c.out) is not None and "“hi”" in c.out
          and reqs and re.search(r"request mock:mock\b", reqs[-1]) is not None,
          repr((c.rc, c.out[:300], c.err[-400:], reqs)))
    m = re.search(r"^fallback\s*=\s*(.*)$", text, re.M)
    chain = [s.strip() for s in m.group(1).split(",")] if m else []
    check("4: docs/config.example's fallback ends with mock, ollama:llama3.2 not in it",
          chain and re.fullmatch(r"(mock:)?mock(-\w+)?", chain[-1]) is not None
          and "ollama:llama3.2" not in chain, repr(chain))
    check("4: the example config's chain sent no request (keyless providers skipped, "
          "no ollama)", tagged(srv, "example") == [] and "ollama" not in c.err,
          repr((tagged(srv, "example")[:1], c.err[-300:])))
    away = [l for l in reqs if not re.search(
        r"request \S+ (\(offline mock\)|https?://(127\.0\.0\.1|localhost|\[::1\])[:/])", l)]
    check("4: the debug log shows the mock's request and none beyond loopback",
          len(reqs) >= 1 and not away, repr((reqs, away))[:400])
    c.secrets(sent=False)


# ---- 11: a reply cut by the token limit, every wire ----------------------------

def test_cut_by_length(srv):
    """stop=length on every wire: the text whole on stdout, exit 0, one
    stderr line saying so, and --json's stop keeps the word."""
    c = Case(srv, "cut-by-length")
    for wire, model, _, words in WIRES:
        scen = f"tag=len-{wire},stop=length,tokens=5"
        c.run(["-m", model, "-p", "hi"], scen)
        req = tagged(srv, f"len-{wire}")
        reply = req[-1]["reply"] if req else None
        lines = c.err_lines()
        word = re.fullmatch(r"circuit: the reply was cut by the token limit \(stop: (\S+)\)",
                            lines[0]) if len(lines) == 1 else None
        check(f"11: {wire}: stop=length: exit 0, the text whole on stdout",
              c.rc == 0 and reply is not None and c.out == reply + "\n", c.detail())
        check(f"11: {wire}: one stderr line \"the reply was cut by the token limit (stop: ...)\"",
              word is not None and word.group(1) in ("length",) + words, c.detail())
        c.run(["-m", model, "-p", "hi", "--json"], scen)
        try:
            m = json.loads(c.out)["models"][0]
        except (ValueError, KeyError, IndexError):
            m = {}
        check(f"11: {wire}: --json keeps the stop ({'/'.join(('length',) + words)}), exit 0",
              c.rc == 0 and m.get("stop") in ("length",) + words and m.get("error") is None,
              c.detail())
    c.secrets()


# ---- 14: --help's exit codes, cut-short wording, /co in docs/keys.md ------------

def test_wording(srv):
    """--help (and -h) list the exit codes 130 and 143; an error after some
    text says the reply was cut short and its text kept, on every wire;
    docs/keys.md says /co is ambiguous, and its own table agrees."""
    c = Case(srv, "wording")
    for flag in ("--help", "-h"):
        c.run([flag])
        sect = c.out[c.out.find("Exit status"):] if "Exit status" in c.out else ""
        check(f"14: {flag} exits 0 and its exit status section lists 130 (SIGINT) and 143 "
              "(SIGTERM)", c.rc == 0 and re.search(r"\b130\b[^;.]*(SIGINT|Ctrl-C)", sect)
              is not None and re.search(r"\b143\b[^;.]*SIGTERM", sect) is not None,
              repr((c.rc, sect)))

    # An in-stream error after some text: the reply was cut short, its text kept.
    for wire, model, prov, _ in WIRES:
        c.run(["-m", model, "-p", "hi"], f"tag=cut-{wire},error_after=3")
        req = tagged(srv, f"cut-{wire}")
        so_far = "".join(req[-1]["reply_chunks"][:3]) if req else None
        lines = [l for l in c.err_lines() if l.startswith("circuit: ")]
        check(f"14: {wire}: an error after some text: exit 1, the text so far on stdout",
              c.rc == 1 and so_far is not None and c.out == so_far + "\n", c.detail())
        check(f"14: {wire}: \"the reply from {prov} was cut short: ... The text so far is kept\"",
              len(lines) == 1 and lines[0].startswith(f"circuit: the reply from {prov} was cut "
                                                      "short: ")
              and "The text so far is kept" in lines[0], c.detail())

    # docs/keys.md: /co is ambiguous, and by its own table of commands it is:
    # exactly three commands begin with "co", /compare, /continue and /copy.
    with open(os.path.join(DOCS, "keys.md"), encoding="utf-8") as f:
        keys = f.read()
    flat = " ".join(keys.split())
    said = re.search(r"/co`? is\s+ambiguous", flat) is not None
    cmds = set(re.findall(r"^\| `/([a-z]+)", keys, re.M))
    co = sorted(x for x in cmds if x.startswith("co"))
    check("14: docs/keys.md says /co is ambiguous", said, flat[flat.find("/co"):][:120])
    check("14: docs/keys.md's commands make /co ambiguous (/compare, /continue, /copy)",
          co == ["compare", "continue", "copy"], repr(co))
    names = re.search(r"/co`? is\s+ambiguous:?\s*([^)`]*)", flat)
    check("14: docs/keys.md names the ways to say it (/comp, /cont, /cop)",
          names is not None and all(w in names.group(1) for w in ("/comp", "/cont", "/cop")),
          names.group(0) if names else "")
    c.secrets()


# ---- 18: a failed request leaves nothing; --search prefixes and exit status -----

def test_failed_request_and_search(srv):
    """A request that fails before any text (HTTP 500, a hang-up) keeps
    nothing in history.db; --search matches the start of words and exits
    like grep: 1 with no hit, 0 with hits."""
    c = Case(srv, "history")
    c.run(["-m", "gpt-4o", "-p", "Heading north today"],
          "tag=h-ok,tokens=3,text=Headings%20are%20bold")
    check("18: a reply kept", c.rc == 0 and c.out == "Headings are bold\n", c.detail())
    c.run(["-m", "gpt-4o", "-p", "failing walrus prompt"], "tag=h-500,status=500")
    check("18: status=500: exit 1, no text", c.rc == 1 and c.out == "", c.detail())
    c.run(["-m", "claude-sonnet-4-5", "-p", "failing walrus again"], "tag=h-hangup,hangup=1")
    check("18: a connection closed before any byte: exit 1", c.rc == 1, c.detail())
    try:
        db = sqlite3.connect(f"file:{c.history_db()}?mode=ro", uri=True)
        convs = db.execute("select count(*) from conversations").fetchone()[0]
        walrus = db.execute("select count(*) from messages where text like '%walrus%'")
        walrus = walrus.fetchone()[0]
        db.close()
    except sqlite3.Error as e:  # no file, or not the tables named here: a failed check
        convs, walrus = None, repr(e)
    check("18: the failed requests left no conversation in history.db (only the kept one)",
          convs == 1 and walrus == 0, repr((convs, walrus)))
    c.run(["--search", "walrus"])
    check("18: --search of the failed prompt finds nothing: exit 1, nothing on stdout",
          c.rc == 1 and c.out == "", c.detail())
    c.run(["--search", "Head"])
    check("18: --search Head finds Heading (a prefix): exit 0",
          c.rc == 0 and "Heading north today" in c.out.replace("[", "").replace("]", ""),
          c.detail())
    c.run(["--search", "eading"])
    check("18: --search matches the start of a word only (\"eading\" finds nothing): exit 1",
          c.rc == 1 and c.out == "", c.detail())
    c.run(["--search", "nothing"])
    check("18: --search nothing: exit 1 (like grep), nothing on stdout",
          c.rc == 1 and c.out == "", c.detail())
    c.run(["--search", "north"])
    check("18: --search with hits: exit 0, the hit on stdout",
          c.rc == 0 and "north" in c.out, c.detail())
    c.secrets()


# ---- 19: malformed chunks counted; costs never "$0.0000" ------------------------

def test_malformed_and_costs(srv):
    """A malformed chunk is skipped and counted on stderr, on every wire; a
    zero cost is "$0" and a tiny one "<$0.0001" in the compare table, and
    --json has no "$0.0000" either."""
    c = Case(srv, "malformed-costs")
    for wire, model, _, _ in WIRES:
        c.run(["-m", model, "-p", "hi"], f"tag=mal-{wire},malformed_at=2")
        said = [l for l in c.err_lines()
                if re.search(r"^circuit: .*\b1 malformed chunks?\b.*\bskipped", l)]
        check(f"19: {wire}: a malformed chunk: exit 0, \"1 malformed chunk ... skipped\" on stderr",
              c.rc == 0 and len(said) == 1, c.detail())

    # gpt-4o priced at 0 costs exactly $0; claude-sonnet-4-5 at a hundredth
    # of a dollar per million tokens, a few millionths of a cent.
    c.extra_config = ("max_retries = 0\n\n[price.gpt-4o]\ninput = 0\noutput = 0\n\n"
                      "[price.claude-sonnet-4-5]\ninput = 0.01\noutput = 0.01\n")
    c.run(["--compare", "gpt-4o,claude-sonnet-4-5", "-p", "hi"], "tag=cost")
    rows = {l.split()[0]: l for l in c.err_lines() if l.split() and ":" in l.split()[0]}
    gpt = next((v for k, v in rows.items() if k.endswith("gpt-4o")), "")
    claude = next((v for k, v in rows.items() if k.endswith("claude-sonnet-4-5")), "")
    check("19: the compare table never prints $0.0000", c.rc == 0 and "$0.0000" not in c.err
          and gpt and claude, c.detail())
    check("19: the compare table: zero is \"$0\", tiny is \"<$0.0001\"",
          re.search(r"(?<![<\d.])\$0(?![.\d])", gpt) is not None and "<$0.0001" in claude,
          repr((gpt, claude)))
    c.run(["--compare", "gpt-4o,claude-sonnet-4-5", "-p", "hi", "--json"], "tag=cost")
    try:
        ms = {m["model"]: m for m in json.loads(c.out)["models"]}
    except (ValueError, KeyError, TypeError):
        ms = {}
    check("19: --json never prints $0.0000; costs are numbers (0, and a tiny one)",
          c.rc == 0 and "$0.0000" not in c.out and "$0.0000" not in c.err
          and ms.get("gpt-4o", {}).get("cost_usd") == 0
          and 0 < (ms.get("claude-sonnet-4-5", {}).get("cost_usd") or 0) < 0.0001, c.detail())
    c.secrets()


def main():
    if not os.path.exists(BIN):
        print(f"no binary at {BIN}")
        check("binary exists", False, BIN)
        return finish()
    t0 = time.monotonic()
    with harness.LoopbackServer(max_seconds=240, idle_seconds=60) as srv:
        test_compare_export(srv)
        test_keyless_fallback(srv)
        test_cut_by_length(srv)
        test_wording(srv)
        test_failed_request_and_search(srv)
        test_malformed_and_costs(srv)
    print(f"newuser cli suite: {time.monotonic() - t0:.1f} s", flush=True)
    return finish()


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(rc)
