#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The router, headless, against the loopback server in tests/server/: the
fault matrix of docs/resilience.md. Retries are counted at the server (its
request log, one line per request, each provider's requests told apart by a
`tag=` in its scenario), fallbacks by which provider answered, breakers by
the [skip] lines and the requests that did not happen. Settings come from a
--config file written here; HOME is a temporary directory. Ends with
"N passed, N failed"."""
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from harness import BIN, ROOT, SERVER, check, finish

KEY = "sk-router-test-key"
DROP = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
        "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL", "OLLAMA_HOST",
        "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME",
        "CIRCUIT_CONNECT_TIMEOUT_MS", "CIRCUIT_FIRST_BYTE_TIMEOUT_MS", "CIRCUIT_IDLE_TIMEOUT_MS")

# provider name in circuit -> (a model of it, the server's provider name, its key variable)
PROVS = {
    "openai": ("openai:gpt-4o-mini", "openai", "OPENAI_API_KEY"),
    "anthropic": ("anthropic:claude-haiku-4-5", "anthropic", "ANTHROPIC_API_KEY"),
    "google": ("google:gemini-2.5-flash", "gemini", "GEMINI_API_KEY"),
    "ollama": ("ollama:llama3.2", "ollama", None),
}

_ids = itertools.count(1)


class Server:
    """One tests/server/server.py for the suite, with a request log."""

    def __enter__(self):
        self.dir = tempfile.TemporaryDirectory()
        self.home = os.path.join(self.dir.name, "home")
        os.mkdir(self.home)
        self.log = os.path.join(self.dir.name, "requests.jsonl")
        self.proc = subprocess.Popen([sys.executable, SERVER, "--port", "0", "--log", self.log,
                                      "--max-seconds", "300", "--idle-seconds", "120"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            raise RuntimeError(f"server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.configs = {}
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.dir.cleanup()

    def config(self, **settings):
        """A config file with these top-level settings (written once)."""
        text = "".join(f"{k} = {v}\n" for k, v in sorted(settings.items()))
        if text not in self.configs:
            path = os.path.join(self.dir.name, f"config{len(self.configs)}")
            with open(path, "w", encoding="utf-8") as f:
                f.write("# written by tests/integration/test_router.py\n" + text)
            self.configs[text] = path
        return self.configs[text]

    def requests(self, tag):
        """The logged requests whose scenario carries exactly this tag."""
        with open(self.log, encoding="utf-8") as f:
            # A line without its newline is still being written: next poll.
            reqs = [json.loads(l) for l in f if l.endswith("\n") and l.strip()]
        return [r for r in reqs if (r.get("scenario") or {}).get("tag") == tag]


class Case:
    """One circuit run: each provider gets its own scenario and a unique tag,
    so the server's log tells how many requests each one received."""

    def __init__(self, srv, name, **specs):
        self.srv = srv
        self.name = name
        self.id = f"r{next(_ids)}"
        self.tags = {}
        env = {k: v for k, v in os.environ.items() if k not in DROP}
        env["HOME"] = srv.home
        base = f"http://127.0.0.1:{srv.port}/_s/"
        for prov in PROVS:
            tag = f"{self.id}-{prov}"
            self.tags[prov] = tag
            spec = specs.get(prov, "")
            spec = f"{spec},tag={tag}" if spec else f"tag={tag}"
            url = base + spec
            if prov == "openai":
                env["OPENAI_BASE_URL"] = url + "/v1"
                env["OPENAI_API_KEY"] = KEY
            elif prov == "anthropic":
                env["ANTHROPIC_BASE_URL"] = url
                env["ANTHROPIC_API_KEY"] = KEY
            elif prov == "google":
                env["GEMINI_BASE_URL"] = url
                env["GEMINI_API_KEY"] = KEY
            else:
                env["OLLAMA_HOST"] = url
        self.env = env

    def run(self, args, config=None, timeout=60):
        cmd = [BIN, *args]
        if config is not None:
            cmd += ["--config", config]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, env=self.env, cwd=ROOT)
        self.wall = time.monotonic() - t0
        self.rc = p.returncode
        self.out = p.stdout.decode("utf-8", "replace")
        self.err = p.stderr.decode("utf-8", "replace")
        return self

    def count(self, prov):
        return len(self.srv.requests(self.tags[prov]))

    def reqs(self, prov):
        return self.srv.requests(self.tags[prov])

    def counts(self):
        return {p: self.count(p) for p in PROVS}

    def notices(self, kind):
        return [l for l in self.err.splitlines() if l.startswith(f"circuit: [{kind}]")]

    def finals(self):
        """The "circuit: …" lines that are not [notices]."""
        return [l for l in self.err.splitlines()
                if l.startswith("circuit: ") and not l.startswith("circuit: [")]

    def stray(self):
        """stderr lines that are neither circuit: lines nor empty (config
        warnings, crashes)."""
        return [l for l in self.err.splitlines() if l.strip() and not l.startswith("circuit: ")]

    def detail(self):
        return (f"rc={self.rc} wall={self.wall:.2f}s counts={self.counts()} "
                f"out={self.out[:120]!r} err={self.err[-600:]!r}")


def reply_of(case, prov):
    """What the server streamed to the last request of prov."""
    r = case.reqs(prov)
    return r[-1]["reply"] if r else None


# ---- 1. 5xx before the first token: retries, then the fallback ------------------

def test_5xx_retry_then_fallback(srv):
    cfg = srv.config(max_retries=2, breaker_failures=10)
    c = Case(srv, "503", openai="status=503").run(
        ["-p", "hello", "-m", "openai:gpt-4o-mini", "--fallback", "anthropic:claude-haiku-4-5"], cfg)
    n = c.counts()
    check("503: 1 + max_retries (3) requests to openai", n["openai"] == 3, c.detail())
    check("503: one [retry] line per retry", len(c.notices("retry")) == 2, c.detail())
    check("503: [retry] lines count 1 of 2, 2 of 2",
          [re.search(r"\((\d+) of (\d+)\)", l).groups() if re.search(r"\((\d+) of (\d+)\)", l) else None
           for l in c.notices("retry")] == [("1", "2"), ("2", "2")], c.detail())
    check("503: then one request to the fallback", n["anthropic"] == 1 and n["google"] == 0, c.detail())
    fb = c.notices("fallback")
    check("503: one [fallback] line naming both", len(fb) == 1 and "openai" in fb[0] and "503" in fb[0]
          and "→ anthropic:claude-haiku-4-5" in fb[0], c.detail())
    check("503: the fallback's reply on stdout, exit 0",
          c.rc == 0 and c.out == reply_of(c, "anthropic") + "\n" and not c.finals(), c.detail())
    check("503: no stray stderr (the config file is valid)", not c.stray(), c.detail())
    # The backoff: 0.375-0.5 s, then 0.75-1 s.
    check("503: backoff waits 1.1-2.5 s in all", 1.1 <= c.wall < 2.5, c.detail())

    cfg1 = srv.config(max_retries=1)
    c = Case(srv, "503 alone", openai="status=503").run(["-p", "hello", "-m", "openai:gpt-4o-mini"], cfg1)
    check("503 no fallback (max_retries=1): exit 1 after 2 requests",
          c.rc == 1 and c.count("openai") == 2 and len(c.notices("retry")) == 1, c.detail())
    check("503 no fallback: one final circuit: line, nothing on stdout",
          len(c.finals()) == 1 and "openai" in c.finals()[0] and c.out == "" and not c.notices("fallback"),
          c.detail())
    cfg2 = srv.config(max_retries=2)
    c = Case(srv, "503 alone 2", openai="status=503").run(["-p", "hello", "-m", "openai:gpt-4o-mini"], cfg2)
    check("503 no fallback (max_retries=2): exit 1 after 3 requests",
          c.rc == 1 and c.count("openai") == 3 and len(c.notices("retry")) == 2, c.detail())
    cfg0 = srv.config(max_retries=0)
    c = Case(srv, "503 zero", openai="status=503").run(
        ["-p", "hello", "-m", "openai:gpt-4o-mini", "--fallback", "anthropic:claude-haiku-4-5"], cfg0)
    check("503 max_retries=0: one request, no [retry], straight to the fallback",
          c.rc == 0 and c.count("openai") == 1 and not c.notices("retry") and c.count("anthropic") == 1
          and len(c.notices("fallback")) == 1, c.detail())
    # max_retries accepts 0 to 10 (docs/config.example): 3 means 3 retries.
    # breaker_failures above the retries: 3 failures in a row would open
    # the breaker, and no retry goes to an open breaker (checked below).
    cfg3 = srv.config(max_retries=3, breaker_failures=10)
    c = Case(srv, "503 three", openai="status=503").run(["-p", "hello", "-m", "openai:gpt-4o-mini"], cfg3)
    check("503 max_retries=3: exit 1 after exactly 4 requests (3 retries)",
          c.rc == 1 and c.count("openai") == 4 and len(c.notices("retry")) == 3, c.detail())

    # The other providers fail over too (and a 5xx of each kind is transient).
    cfg1 = srv.config(max_retries=1, breaker_failures=10)
    for prov, spec, to in (("anthropic", "status=529", "google"), ("google", "status=503", "ollama"),
                           ("ollama", "status=500", "openai"), ("openai", "status=502", "anthropic")):
        c = Case(srv, f"{prov} {spec}", **{prov: spec}).run(
            ["-p", "hi", "-m", PROVS[prov][0], "--fallback", PROVS[to][0]], cfg1)
        n = c.counts()
        check(f"{prov} {spec}: 2 requests, then {to} answers",
              c.rc == 0 and n[prov] == 2 and n[to] == 1 and sum(n.values()) == 3
              and c.out == reply_of(c, to) + "\n", c.detail())
        fb = c.notices("fallback")
        check(f"{prov} {spec}: [fallback] names both", len(fb) == 1 and prov in fb[0] and
              f"→ {PROVS[to][0]}" in fb[0], c.detail())


def test_fallback_that_cannot_start(srv):
    """The last retry fails and the fallback's provider has no key: the
    router has no stream left to report on. It once handed the app a NULL
    stream (a segfault, exit 139); now the failure is reported and the
    figures are the failed attempt's."""
    c = Case(srv, "fallback cannot start", openai="status=503")
    del c.env["ANTHROPIC_API_KEY"]
    c.run(["-p", "hi", "-m", "gpt-4o", "--fallback", "claude-haiku-4-5", "--json"],
          srv.config(max_retries=0))
    out = {}
    try:
        out = json.loads(c.out)
    except ValueError:
        pass
    m = (out.get("models") or [{}])[0]
    check("fallback that cannot start: exit 1 with one line, no crash",
          c.rc == 1 and any("ANTHROPIC_API_KEY" in l or "key" in l for l in c.err.splitlines())
          and not c.stray(), c.detail())
    check("fallback that cannot start: --json still has the failed attempt's figures",
          m.get("outcome") == "error" and m.get("ttfb_ms") is not None and m.get("error"),
          json.dumps(m)[:400])


def test_keyless_fallback_is_skipped(srv):
    """A fallback whose provider has no key is skipped with one [skip] line
    that names the variable and the model tried next."""
    c = Case(srv, "keyless fallback", openai="status=503")
    del c.env["ANTHROPIC_API_KEY"]
    c.run(["-p", "hi", "-m", "gpt-4o", "--fallback", "claude-haiku-4-5,ollama:llama3.2"],
          srv.config(max_retries=0))
    check("keyless fallback: one [skip] line, then ollama answers",
          c.notices("skip") == ["circuit: [skip] claude-haiku-4-5: no ANTHROPIC_API_KEY set "
                                "→ ollama:llama3.2"]
          and c.rc == 0 and c.count("ollama") == 1 and c.out == reply_of(c, "ollama") + "\n",
          c.detail())


def test_cut_before_first_token(srv):
    # A stream cut before its first chunk is invisible: retried, no splice.
    cfg = srv.config(max_retries=2)
    c = Case(srv, "drop0", openai="fail_times=1,drop_after=0").run(
        ["-p", "hi", "-m", "openai:gpt-4o-mini", "--fallback", "anthropic:claude-haiku-4-5"], cfg)
    check("drop before the first token: retried once, then the whole reply",
          c.rc == 0 and c.count("openai") == 2 and c.count("anthropic") == 0
          and c.out == reply_of(c, "openai") + "\n" and len(c.notices("retry")) == 1, c.detail())
    c = Case(srv, "hangup", anthropic="fail_times=1,hangup=1").run(
        ["-p", "hi", "-m", "anthropic:claude-haiku-4-5"], cfg)
    check("hang-up before any byte: retried once, then the reply",
          c.rc == 0 and c.count("anthropic") == 2 and c.out == reply_of(c, "anthropic") + "\n",
          c.detail())


# ---- 2. 429 with a short hint: wait exactly the hint -------------------------------

def test_429_short_hint(srv):
    cfg = srv.config(max_retries=2)
    c = Case(srv, "429 1s", openai="fail_times=1,status=429,retry_after=1").run(
        ["-p", "hi", "-m", "openai:gpt-4o-mini", "--fallback", "anthropic:claude-haiku-4-5"], cfg)
    check("429 retry-after 1: succeeds on the retry (2 requests, no fallback)",
          c.rc == 0 and c.count("openai") == 2 and c.count("anthropic") == 0
          and c.out == reply_of(c, "openai") + "\n", c.detail())
    r = c.notices("retry")
    check("429 retry-after 1: the [retry] line says 1s", len(r) == 1 and "429" in r[0]
          and "in 1s " in r[0], c.detail())
    check("429 retry-after 1: the retry came >= 1 s after (not the 0.5 s backoff)",
          1.0 <= c.wall < 3.0, c.detail())

    c = Case(srv, "429 ms", anthropic="fail_times=1,status=429,retry_after_ms=1300").run(
        ["-p", "hi", "-m", "anthropic:claude-haiku-4-5"], cfg)
    check("429 retry-after-ms 1300 (anthropic): waits >= 1.3 s, then succeeds",
          c.rc == 0 and c.count("anthropic") == 2 and 1.3 <= c.wall < 3.3
          and c.out == reply_of(c, "anthropic") + "\n", c.detail())

    c = Case(srv, "429 gemini", google="fail_times=1,status=429,retry_after=1").run(
        ["-p", "hi", "-m", "google:gemini-2.5-flash"], cfg)
    check("429 gemini RetryInfo 1 s: waits >= 1 s, then succeeds",
          c.rc == 0 and c.count("google") == 2 and 1.0 <= c.wall < 3.0
          and c.out == reply_of(c, "google") + "\n", c.detail())

    # A 429 that keeps coming stays within the budget, then falls back.
    cfg1 = srv.config(max_retries=1)
    c = Case(srv, "429 always", openai="status=429,retry_after_ms=100").run(
        ["-p", "hi", "-m", "openai:gpt-4o-mini", "--fallback", "anthropic:claude-haiku-4-5"], cfg1)
    check("429 every time (max_retries=1): 2 requests, then the fallback answers",
          c.rc == 0 and c.count("openai") == 2 and c.count("anthropic") == 1
          and c.out == reply_of(c, "anthropic") + "\n", c.detail())


# ---- 3. 429 with a long hint, quota gone: fall back at once ------------------------

def test_429_long_hint(srv):
    cfg = srv.config(max_retries=2)
    c = Case(srv, "429 day", openai="status=429,retry_after=86400").run(
        ["-p", "hi", "-m", "openai:gpt-4o-mini", "--fallback", "anthropic:claude-haiku-4-5"], cfg)
    check("429 retry-after 86400: exactly 1 request to openai, no [retry]",
          c.count("openai") == 1 and not c.notices("retry"), c.detail())
    fb = c.notices("fallback")
    check("429 retry-after 86400: falls back at once and the fallback answers",
          c.rc == 0 and c.count("anthropic") == 1 and len(fb) == 1 and "openai" in fb[0]
          and "429" in fb[0] and c.out == reply_of(c, "anthropic") + "\n" and c.wall < 1.0,
          c.detail())
    # The breaker opens: another openai model later in the chain is skipped.
    c = Case(srv, "429 day skip", openai="status=429,retry_after=86400").run(
        ["-p", "hi", "-m", "openai:gpt-4o-mini", "--fallback", "openai:gpt-4o,anthropic:claude-haiku-4-5"],
        cfg)
    sk = c.notices("skip")
    check("429 retry-after 86400: openai's breaker opens, openai:gpt-4o is skipped",
          c.rc == 0 and c.count("openai") == 1 and c.count("anthropic") == 1 and len(sk) == 1
          and "openai" in sk[0] and "breaker open" in sk[0], c.detail())
    # Quota/billing (402) falls back at once as well.
    c = Case(srv, "402", anthropic="status=402").run(
        ["-p", "hi", "-m", "anthropic:claude-haiku-4-5", "--fallback", "openai:gpt-4o-mini"], cfg)
    check("402 billing: 1 request, no retry, the fallback answers",
          c.rc == 0 and c.count("anthropic") == 1 and c.count("openai") == 1 and not c.notices("retry")
          and c.out == reply_of(c, "openai") + "\n", c.detail())


# ---- 4. 401 / 403: no retry, no fallback, the variable named ------------------------

def test_auth(srv):
    cfg = srv.config(max_retries=2)
    for prov, spec, to in (("openai", "status=401", "anthropic"), ("openai", "status=403", "anthropic"),
                           ("anthropic", "status=401", "openai"), ("google", "status=403", "openai")):
        var = PROVS[prov][2]
        c = Case(srv, f"{prov} {spec}", **{prov: spec}).run(
            ["-p", "hi", "-m", PROVS[prov][0], "--fallback", PROVS[to][0]], cfg)
        n = c.counts()
        check(f"{prov} {spec}: exit 1, 1 request, no retry",
              c.rc == 1 and n[prov] == 1 and not c.notices("retry"), c.detail())
        check(f"{prov} {spec}: no fallback (0 requests to {to})",
              n[to] == 0 and sum(n.values()) == 1 and not c.notices("fallback"), c.detail())
        f = c.finals()
        check(f"{prov} {spec}: one clear line naming {var}, key not shown",
              len(f) == 1 and var in f[0] and KEY not in c.err and c.out == "", c.detail())


# ---- 5. a failure after the first token: the partial stays, nothing spliced ---------

def test_after_first_token(srv):
    cfg = srv.config(max_retries=2)
    for prov, spec in (("openai", "drop_after=3"), ("anthropic", "drop_after=3"),
                       ("google", "error_after=3"), ("openai", "drop_after=3,drop_rst=1")):
        to = "ollama"
        c = Case(srv, f"{prov} {spec}", **{prov: spec}).run(
            ["-p", "hi", "-m", PROVS[prov][0], "--fallback", PROVS[to][0]], cfg)
        reqs = c.reqs(prov)
        partial = "".join(reqs[0]["reply_chunks"][:3]) if reqs else None
        check(f"{prov} {spec}: the partial text on stdout, exit 1",
              c.rc == 1 and partial is not None and c.out == partial + "\n", c.detail())
        n = c.counts()
        check(f"{prov} {spec}: no retry and NO fallback request",
              n[prov] == 1 and n[to] == 0 and not c.notices("retry") and not c.notices("fallback"),
              c.detail())
        check(f"{prov} {spec}: one final circuit: line", len(c.finals()) == 1, c.detail())

    # A refusal is the reply: cut after it, nothing is retried or spliced
    # (the router once took only text as the first token).
    c = Case(srv, "refusal then cut", openai="fail_times=1,refusal=I%20cannot%20help,drop_after=1"
             ).run(["-p", "hi", "-m", PROVS["openai"][0], "--fallback", PROVS["ollama"][0]], cfg)
    n = c.counts()
    check("a refusal then a cut: kept, no retry and no fallback, exit 1",
          c.rc == 1 and n["openai"] == 1 and n["ollama"] == 0 and not c.notices("retry")
          and not c.notices("fallback") and "[refusal] I cannot help" in c.err.splitlines(), c.detail())


# ---- 6. request faults: no retry, no fallback -----------------------------------------

def test_request_faults(srv):
    cfg = srv.config(max_retries=2)
    for prov, spec, to in (("openai", "status=400", "anthropic"), ("anthropic", "status=400", "openai"),
                           ("anthropic", "status=404", "openai"), ("anthropic", "status=413", "openai"),
                           ("openai", "status=422", "anthropic"), ("google", "status=400", "openai")):
        c = Case(srv, f"{prov} {spec}", **{prov: spec}).run(
            ["-p", "hi", "-m", PROVS[prov][0], "--fallback", PROVS[to][0]], cfg)
        n = c.counts()
        check(f"{prov} {spec}: exit 1 after 1 request, no retry, no fallback",
              c.rc == 1 and n[prov] == 1 and sum(n.values()) == 1 and not c.notices("retry")
              and not c.notices("fallback") and len(c.finals()) == 1 and c.out == "", c.detail())


# ---- 7. breakers, within one run ----------------------------------------------------------

def test_breaker(srv):
    # One message is one verdict per provider, however many tries it made
    # there: retries and other models of the same provider included. Three
    # failed models of one message do not open a breaker of 3.
    cfg = srv.config(max_retries=0, breaker_failures=3, breaker_open=30)
    chain = "openai:b,openai:c,openai:d,anthropic:x"
    c = Case(srv, "529 storm", openai="status=529").run(["-p", "hi", "-m", "openai:a", "--fallback", chain],
                                                          cfg)
    n = c.counts()
    check("529 storm: every openai model of the message is asked (a, b, c, d), no [skip]",
          [r["body"]["model"] for r in c.reqs("openai")] == ["a", "b", "c", "d"]
          and not c.notices("skip"), c.detail())
    check("529 storm: anthropic answers, exit 0",
          c.rc == 0 and n["anthropic"] == 1 and c.out == reply_of(c, "anthropic") + "\n"
          and [r["body"]["model"] for r in c.reqs("anthropic")] == ["x"], c.detail())
    fb = c.notices("fallback")
    check("529 storm: [fallback] lines to b, c, d, then anthropic:x",
          [l.split("→ ")[-1] for l in fb] == ["openai:b", "openai:c", "openai:d", "anthropic:x"],
          c.detail())

    # The bug this replaces: a message's 3 tries counted 3 times, so with
    # breaker_failures=2 the breaker opened on the message's second try and
    # its last retry was never sent.
    cfg2 = srv.config(max_retries=2, breaker_failures=2)
    c = Case(srv, "retries count once", openai="status=503").run(
        ["-p", "hi", "-m", "openai:a", "--fallback", "anthropic:x"], cfg2)
    check("breaker_failures=2, max_retries=2: a message's retries count once, so all 3 tries "
          "go to openai, then anthropic answers",
          c.count("openai") == 3 and len(c.notices("retry")) == 2 and c.count("anthropic") == 1
          and c.rc == 0, c.detail())

    # Failures that say nothing about the provider do not count: short rate
    # limits are skipped past without a [skip].
    cfg3 = srv.config(max_retries=0, breaker_failures=2)
    c = Case(srv, "429 no breaker", openai="status=429,retry_after_ms=0").run(
        ["-p", "hi", "-m", "openai:a", "--fallback", "openai:b,openai:c,anthropic:x"], cfg3)
    check("short 429s do not count for the breaker: a, b, c all asked, no [skip]",
          c.rc == 0 and c.count("openai") == 3 and not c.notices("skip") and c.count("anthropic") == 1,
          c.detail())

    # Every provider of the chain open (a quota that is gone trips the
    # breaker at once): the one that failed longest ago is tried anyway,
    # and the [try] line says when the first breaker lets a probe through.
    c = Case(srv, "all open", openai="status=429,retry_after=86400").run(
        ["-p", "hi", "-m", "openai:a", "--fallback", "openai:b"], srv.config(max_retries=2))
    tries = c.notices("try")
    check("every breaker open: circuit still tries (a [try] line), exit 1 after 2 requests",
          c.rc == 1 and c.count("openai") == 2 and len(tries) == 1 and len(c.finals()) == 1,
          c.detail())
    check("every breaker open: the [try] line says when openai probes again",
          len(tries) == 1 and re.search(r"every provider's breaker is open; openai tries again "
                                        r"in \d+s", tries[0]) is not None, c.detail())
    sk = c.notices("skip")
    check("every breaker open: openai:b was first skipped, with its countdown",
          len(sk) == 1 and re.match(r"circuit: \[skip\] openai:b: openai breaker open, next probe "
                                    r"in \d+s$", sk[0]) is not None, c.detail())


# ---- 9. --json after a fallback ---------------------------------------------------------

def first_model(case):
    """The first model of a --json run's document, or None."""
    try:
        return json.loads(case.out)["models"][0]
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def test_json(srv):
    cfg = srv.config(max_retries=1)
    c = Case(srv, "json fallback", openai="status=503").run(
        ["-p", "hi", "-m", "openai:gpt-4o-mini", "--fallback", "anthropic:claude-haiku-4-5", "--json"], cfg)
    try:
        doc = json.loads(c.out)
        m = doc["models"]
    except (ValueError, KeyError, TypeError):
        doc, m = None, None
    check("--json after a fallback: stdout is one JSON document with one model",
          isinstance(m, list) and len(m) == 1, c.detail())
    if m:
        m = m[0]
        check("--json after a fallback: the model and provider that answered, error null",
              c.rc == 0 and m.get("provider") == "anthropic" and m.get("model") == "claude-haiku-4-5"
              and m.get("error") is None and m.get("text") == reply_of(c, "anthropic")
              and m.get("stop") == "end_turn", json.dumps(m)[:400])
    check("--json after a fallback: 2 openai requests, then 1 anthropic; notices on stderr",
          c.count("openai") == 2 and c.count("anthropic") == 1 and len(c.notices("retry")) == 1
          and len(c.notices("fallback")) == 1, c.detail())

    # Thinking, then a cut before the first text: the retry thinks again, and
    # --json carries that attempt's thinking alone (it once kept both).
    c = Case(srv, "json thinking retry", anthropic="fail_times=1,thinking=4,drop_after=2").run(
        ["-p", "hi", "-m", "anthropic:claude-haiku-4-5", "--json"], cfg)
    m = first_model(c)
    last = c.reqs("anthropic")[-1] if c.reqs("anthropic") else {}
    check("--json after a retry that had thinking: the retry's thinking, not both attempts'",
          c.rc == 0 and c.count("anthropic") == 2 and m is not None and last.get("thinking")
          and m.get("thinking") == last.get("thinking") and m.get("text") == last.get("reply"),
          c.detail() + " thinking=" + repr((m or {}).get("thinking"))[:300])

    c = Case(srv, "json failure", openai="status=503").run(
        ["-p", "hi", "-m", "openai:gpt-4o-mini", "--json"], cfg)
    m = first_model(c)
    check("--json after the retries ran out: exit 1, openai's error with its status",
          c.rc == 1 and m is not None and m.get("provider") == "openai" and m.get("error") is not None
          and m["error"].get("http_status") == 503 and c.count("openai") == 2, c.detail())


def test_config_providers(srv):
    """[provider.NAME] in the config: an OpenAI-compatible server with its
    own key (from a variable, or from key_cmd), reached by its model names."""
    tag = "cfgprov"
    base = f"http://127.0.0.1:{srv.port}/_s/tag={tag}/v1"
    path = os.path.join(srv.dir.name, "providers.conf")
    ran = os.path.join(srv.dir.name, "key_cmd-ran")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"[provider.groq]\nkind = openai\nbase_url = {base}\nkey_env = GROQ_TEST_KEY\n"
                f"models = llama-3.3-70b, mixtral\n\n"
                f"[provider.vault]\nkind = openai\nbase_url = {base}\n"
                f"key_cmd = touch {ran}; printf 'vault-key-from-cmd\\n'\nmodels = vault-model\n")
    c = Case(srv, "config provider")
    c.env["GROQ_TEST_KEY"] = "groq-key-0123"
    c.run(["-p", "hello", "-m", "llama-3.3-70b"], path)
    reqs = srv.requests(tag)
    check("config provider: a bare model name from its list reaches it",
          c.rc == 0 and len(reqs) == 1 and reqs[-1]["body"]["model"] == "llama-3.3-70b"
          and reqs[-1]["headers"].get("authorization") == "Bearer groq-key-0123"
          and "groq-key-0123" not in json.dumps(reqs[-1]["query"]), c.detail())
    check("config provider: key_cmd does not run for a run that does not use its provider",
          not os.path.exists(ran), ran)
    c.run(["-p", "hello", "-m", "vault:vault-model"], path)
    check("config provider: key_cmd runs when its provider is used", os.path.exists(ran), ran)
    reqs = srv.requests(tag)
    check("config provider: key_cmd supplies the key",
          c.rc == 0 and len(reqs) == 2
          and reqs[-1]["headers"].get("authorization") == "Bearer vault-key-from-cmd", c.detail())
    del c.env["GROQ_TEST_KEY"]
    c.run(["-p", "hello", "-m", "groq:mixtral"], path)
    check("config provider: a missing key names its variable",
          c.rc == 1 and "GROQ_TEST_KEY" in c.err and len(srv.requests(tag)) == 2, c.detail())


def main():
    if not os.path.exists(BIN):
        print(f"no binary at {BIN}")
        check("binary exists", False, BIN)
        return finish()
    t0 = time.monotonic()
    with Server() as srv:
        test_5xx_retry_then_fallback(srv)
        test_cut_before_first_token(srv)
        test_fallback_that_cannot_start(srv)
        test_keyless_fallback_is_skipped(srv)
        test_429_short_hint(srv)
        test_429_long_hint(srv)
        test_auth(srv)
        test_after_first_token(srv)
        test_request_faults(srv)
        test_breaker(srv)
        test_json(srv)
        test_config_providers(srv)
    print(f"router suite: {time.monotonic() - t0:.1f} s", flush=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
