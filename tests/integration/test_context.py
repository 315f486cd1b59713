#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Multi-turn context on the interactive screen, the real binary in tmux
against the loopback server in tests/server/: what each request carries of
the thread, checked in the server's request log.

- every wire format circuit can be configured to speak (a [provider.NAME]
  of each kind): /system, then three prompts; the third request carries
  [user p1, assistant r1, user p2, assistant r2, user p3] in that format's
  shape, the assistant turns exactly the raw text the server sent;
- thinking is never sent back (every format, one thread over /model);
- an interrupted reply (an in-stream error after some text) goes back as
  exactly the part that arrived, and the thread is shared across /model;
- /new starts over (the system prompt stays), /system changes what follows;
- a turn that failed before any text leaves two user turns side by side:
  Anthropic joins them (strict alternation), Gemini makes them parts of one
  turn.

Each scenario has its own pane, config, HOME and XDG dirs (all in one temp
dir) in one private tmux server (tmux -L circuit-ctx-<pid>), and one server
for the file. Nothing sleeps to wait for a state: the screen and the request
log are polled every 50 ms until a condition holds or a deadline passes, and
a failure shows the last capture or the request body.
Ends with "N passed, N failed"."""
import json
import os
import sys
import tempfile
import time

import harness
from harness import ROOT, check, done_label, finish, strict_prefix, wraps_to

KEY = "sk-test-circuit-context"
SYSTEM = "be brief"
TURN_S = 10.0   # one reply, from Enter to its finished label
START_S = 10.0  # circuit drawing its first screen


# ---- the loopback provider server ------------------------------------------------

class Server(harness.LoopbackServer):
    def __init__(self, tmp):
        super().__init__(tmp, max_seconds=200, idle_seconds=100)

    def wait_request(self, index, timeout=TURN_S):
        return super().wait_request(index, timeout)


class Prov:
    """One [provider.NAME] of a kind, its model m-NAME, served with a scenario
    (a unique tag= keeps its requests apart in the log)."""

    def __init__(self, name, kind, extra=""):
        self.name = name
        self.kind = kind
        self.model = f"m-{name}"
        self.label = f"{name}:{self.model}"
        self.scenario = f"tag=ctx-{name}" + (f",{extra}" if extra else "")

    def lines(self, srv):
        url = srv.base(self.scenario) + ("/v1" if self.kind in ("openai", "openai-responses")
                                         else "")
        out = [f"[provider.{self.name}]", f"kind = {self.kind}", f"base_url = {url}"]
        if self.kind != "ollama":
            out.append("key_env = CTX_KEY")
        return out + [f"models = {self.model}", ""]


def write_config(dirs, srv, provs):
    """$XDG_CONFIG_HOME/circuit/config: no retries (failures here are the
    point, not their recovery), a breaker that stays closed."""
    os.makedirs(os.path.join(dirs["XDG_CONFIG_HOME"], "circuit"), exist_ok=True)
    lines = ["# written by tests/integration/test_context.py", "max_retries = 0",
             "breaker_failures = 50", ""]
    for p in provs:
        lines += p.lines(srv)
    for ln in lines:
        assert len(ln.encode()) <= 198, f"config line over 198 bytes: {ln}"
    path = os.path.join(dirs["XDG_CONFIG_HOME"], "circuit", "config")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return path


def private_dirs(tmp, name):
    """HOME and every XDG dir of one scenario, under the temp dir (history,
    input history and config never touch the real home)."""
    root = os.path.join(tmp, name)
    dirs = {"HOME": os.path.join(root, "home"),
            "XDG_CONFIG_HOME": os.path.join(root, "config"),
            "XDG_DATA_HOME": os.path.join(root, "data"),
            "XDG_STATE_HOME": os.path.join(root, "state"),
            "XDG_CACHE_HOME": os.path.join(root, "cache")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    return dirs


def pane_env(dirs):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm-256color",
           "LANG": "C.UTF-8", "CTX_KEY": KEY}
    env.update(dirs)
    return env


# ---- tmux --------------------------------------------------------------------------

class Screen(harness.Screen):
    """One capture, split as circuit lays it out: transcript, rule, input
    pane, status bar (the last row)."""

    @staticmethod
    def is_label(line, label):
        return line == label or line.startswith(label + "  ")

    def prompt_row(self, prompt):
        """The row of the last "you" label whose text is prompt, or None."""
        t = self.transcript
        for i in range(len(t) - 2, -1, -1):
            if t[i] == "you" and t[i + 1].rstrip() == prompt:
                return i
        return None

    def turn(self, prompt, label):
        """What follows prompt's "you" block: (label line, text rows,
        interrupted, error shown), the reply labelled `label` (None if not
        there yet; its label line None)."""
        at = self.prompt_row(prompt)
        if at is None:
            return None
        t = self.transcript
        head, body, interrupted, error = None, [], False, False
        i = at + 2
        while i < len(t):
            if t[i] == "you":
                break  # the next turn
            if self.is_label(t[i], "error"):
                error = True
            elif head is None and self.is_label(t[i], label):
                head = t[i]
                for l in t[i + 1:]:
                    if l == "":
                        break
                    if l == "[interrupted]":
                        interrupted = True
                        break
                    body.append(l)
            i += 1
        return head, body, interrupted, error


def visible_rows(body):
    """The reply's text rows, the collapsed thinking line left out."""
    return [l for l in body if not l.startswith("▸ thinking (")]


# ---- a chat in one pane -------------------------------------------------------------

class Chat:
    """circuit in a pane on a config of providers; types prompts and commands,
    and finds each request in the server log."""

    def __init__(self, tm, srv, tmp, name, provs, first, cols=110, rows=60):
        self.tm, self.srv, self.name = tm, srv, name
        self.provs = {p.name: p for p in provs}
        dirs = private_dirs(tmp, name)
        write_config(dirs, srv, provs)
        self.model = self.provs[first]
        self.pane = tm.pane(cols, rows, pane_env(dirs), ["-m", self.model.label])
        ok, s = self.pane.wait_for(lambda s: s.rule is not None and s.input
                                   and s.input[0].startswith(">")
                                   and s.status.rstrip().endswith(self.model.label),
                                   timeout=START_S)
        self.started = check(f"{name}: circuit starts on {self.model.label}", ok, str(s))
        self.screen = s

    def command(self, line, pred, what):
        """A slash command, then wait for its effect on the screen."""
        self.pane.send(line)
        ok, s = self.pane.wait_for(lambda s: s.input and s.input[0].rstrip() == ">" and pred(s))
        self.screen = s
        return check(f"{self.name}: {what}", ok, str(s))

    def system(self, text):
        return self.command(f"/system {text}", lambda s: "system prompt set" in s.status,
                            f"/system {text}: confirmed in the status bar")

    def use(self, name):
        self.model = self.provs[name]
        label = self.model.label
        return self.command(f"/model {label}", lambda s: s.status.rstrip().endswith(label),
                            f"/model {label}: the status bar shows it")

    def new(self):
        return self.command("/new", lambda s: s.has("── new thread ──"), "/new: a new thread")

    def ask(self, prompt, expect="done"):
        """Sends prompt to the current model; waits for its request in the log
        and for the turn to end on screen as expected: "done" (a whole reply),
        "interrupted" (a partial marked [interrupted] and an error) or
        "failed" (an error, no text). Returns (request, screen, ok)."""
        label = self.model.label
        n = len(self.srv.requests())
        self.pane.send(prompt)
        req = self.srv.wait_request(n)
        tag = f"tag=ctx-{self.model.name}"
        if not check(f"{self.name}: {prompt!r} reaches {label}'s server",
                     req is not None and tag in req["path"].split("/")[2].split(","),
                     json.dumps(req)[:300] if req else "no request"):
            return req, self.screen, False

        def ended(s):
            t = s.turn(prompt, label)
            if t is None:
                return False
            head, body, interrupted, error = t
            if expect == "done":
                return done_label(head) and not interrupted and not error
            if expect == "interrupted":
                return done_label(head) and interrupted and error
            return error and (head is None or "streaming…" not in head)

        ok, s = self.pane.wait_for(ended, timeout=TURN_S)
        self.screen = s
        check(f"{self.name}: {prompt!r} ends on screen ({expect})", ok, str(s))
        return req, s, ok


# ---- the shape of each format's request -----------------------------------------------

def turns_of(kind, body):
    """[(role, text)] of the body's turns as the format carries them (system
    apart), roles normalised to user/assistant; None when the shape is not
    the plain one circuit's builders make (string contents, one text part)."""
    if not isinstance(body, dict):
        return None
    out = []
    if kind == "gemini":
        for c in body.get("contents") or []:
            parts = c.get("parts")
            if set(c) != {"role", "parts"} or not isinstance(parts, list) or not parts:
                return None
            if any(set(p) != {"text"} or not isinstance(p["text"], str) for p in parts):
                return None
            role = {"user": "user", "model": "assistant"}.get(c["role"])
            if role is None:
                return None
            out.append((role, [p["text"] for p in parts]))
        return out
    items = body.get("input") if kind == "openai-responses" else body.get("messages")
    for i, m in enumerate(items or []):
        if set(m) != {"role", "content"} or not isinstance(m["content"], str):
            return None
        if kind in ("openai", "ollama") and i == 0 and m["role"] == "system":
            continue  # the system prompt: system_of() checks it
        out.append((m["role"], m["content"]))
    return out


def system_of(kind, body):
    """The system prompt where the format puts it (None: not there), and
    whether it is placed exactly as the builder's shape says."""
    if not isinstance(body, dict):
        return None, False
    if kind in ("openai", "ollama"):
        msgs = body.get("messages") or []
        sys_msgs = [m for m in msgs if m.get("role") == "system"]
        if not sys_msgs:
            return None, True
        return sys_msgs[0].get("content"), msgs[0].get("role") == "system" and len(sys_msgs) == 1
    if kind == "openai-responses":
        return body.get("instructions"), True
    if kind == "anthropic":
        return body.get("system"), "system" not in body or isinstance(body["system"], str)
    if kind == "gemini":
        si = body.get("systemInstruction")
        if si is None:
            return None, True
        return ((si.get("parts") or [{}])[0].get("text"),
                si == {"parts": [{"text": si["parts"][0].get("text")}]})
    return None, False


def expected_body_part(kind, system, turns):
    """The exact conversation part of the body circuit should build from
    system and [(role, text)] turns (already alternating)."""
    if kind in ("openai", "ollama"):
        msgs = [{"role": "system", "content": system}] if system else []
        return {"messages": msgs + [{"role": r, "content": t} for r, t in turns]}
    if kind == "openai-responses":
        out = {"input": [{"role": r, "content": t} for r, t in turns]}
        if system:
            out["instructions"] = system
        return out
    if kind == "anthropic":
        out = {"messages": [{"role": r, "content": t} for r, t in turns]}
        if system:
            out["system"] = system
        return out
    if kind == "gemini":
        out = {"contents": [{"role": "user" if r == "user" else "model", "parts": [{"text": t}]}
                            for r, t in turns]}
        if system:
            out["systemInstruction"] = {"parts": [{"text": system}]}
        return out
    raise ValueError(kind)


def body_part(kind, body):
    """The body's conversation part: the keys expected_body_part makes."""
    keys = {"openai": ("messages",), "ollama": ("messages",), "anthropic": ("messages", "system"),
            "openai-responses": ("input", "instructions"),
            "gemini": ("contents", "systemInstruction")}[kind]
    return {k: body[k] for k in keys if isinstance(body, dict) and k in body}


def show(req):
    return json.dumps((req or {}).get("body"), ensure_ascii=False)[:1500]


def flat(turns):
    return [(r, "\n\n".join(t) if isinstance(t, list) else t) for r, t in turns or []]


# ---- 1. three turns in every format ----------------------------------------------------

def test_formats(tm, srv, tmp):
    kinds = ["openai", "openai-responses", "anthropic", "gemini", "ollama"]
    for kind in kinds:
        prov = Prov(f"f{kinds.index(kind)}", kind, "tokens=6")
        name = f"format {kind}"
        c = Chat(tm, srv, tmp, f"fmt-{kind}", [prov], prov.name)
        if not c.started:
            continue
        c.system(SYSTEM)
        prompts = [f"{kind} first question", f"{kind} second, and longer, question",
                   f"{kind} third question"]
        reqs, replies = [], []
        for p in prompts:
            req, s, ok = c.ask(p)
            if req is None:
                break
            reqs.append(req)
            replies.append(req["reply"])
            head, body, _, _ = s.turn(p, prov.label)
            check(f"{name}: {p!r}: the screen shows the server's reply, whole",
                  ok and wraps_to(visible_rows(body), req["reply"]), f"reply={req['reply']!r}" + str(s))
        if len(reqs) < 3:
            check(f"{name}: three requests", False, f"{len(reqs)} requests")
            continue
        check(f"{name}: each request went to the {kind} endpoint",
              all(r["provider"] == kind for r in reqs), repr([r["path"] for r in reqs]))
        check(f"{name}: the server sent a distinct reply per turn",
              len(set(replies)) == 3 and all(replies), repr(replies))
        want = []
        for i, req in enumerate(reqs):
            want.append(("user", prompts[i]))
            got = body_part(kind, req["body"])
            exp = expected_body_part(kind, SYSTEM, want)
            if i == 2:
                check(f"{name}: the third request is [user p1, assistant r1, user p2, assistant r2, "
                      f"user p3] in {kind}'s shape, with the system prompt", got == exp,
                      f"want={json.dumps(exp, ensure_ascii=False)} got={show(req)}")
            else:
                check(f"{name}: request {i + 1} carries the thread so far", got == exp,
                      f"want={json.dumps(exp, ensure_ascii=False)} got={show(req)}")
            want.append(("assistant", req["reply"]))
        last = reqs[2]["body"]
        sysv, placed = system_of(kind, last)
        check(f"{name}: the system prompt is where {kind} wants it", sysv == SYSTEM and placed,
              show(reqs[2]))
        turns = turns_of(kind, last)
        roles = [r for r, _ in turns or []]
        check(f"{name}: turns alternate user/assistant, starting and ending with user",
              roles == ["user", "assistant"] * 2 + ["user"], show(reqs[2]))
        check(f"{name}: the assistant turns are the raw text the server sent (not the screen's rows)",
              [t for r, t in flat(turns) if r == "assistant"] == replies[:2],
              f"sent={replies[:2]!r} got={show(reqs[2])}")
        if kind == "anthropic":
            check(f"{name}: string contents, no system role in messages",
                  turns is not None and "system" not in roles, show(reqs[2]))


# ---- 2. thinking is never sent back --------------------------------------------------

def test_thinking(tm, srv, tmp):
    """One thread over five formats, every reply with thinking first."""
    order = ["anthropic", "openai", "gemini", "ollama", "openai-responses"]
    provs = [Prov(f"th{i}", k, "thinking=3,tokens=5") for i, k in enumerate(order)]
    c = Chat(tm, srv, tmp, "thinking", provs, provs[0].name)
    if not c.started:
        return
    prompts = ["think about apples", "think about pears", "think about plums", "think about figs",
               "think about limes", "think about kiwis"]
    chain = [provs[0], provs[0], provs[1], provs[2], provs[3], provs[4]]
    reqs = []
    for i, (p, prov) in enumerate(zip(prompts, chain)):
        if c.model is not prov:
            c.use(prov.name)
        req, s, ok = c.ask(p)
        if req is None:
            return
        reqs.append(req)
        head, body, _, _ = s.turn(p, prov.label)
        check(f"thinking {prov.kind}: the server sent thinking, shown collapsed above the reply",
              bool(req["thinking"]) and ok and bool(body) and body[0].startswith("▸ thinking (")
              and wraps_to(visible_rows(body), req["reply"]),
              f"thinking={req['thinking']!r}" + str(s))
    # Turn 2, same provider as turn 1: the second request.
    kind = provs[0].kind
    t2 = flat(turns_of(kind, reqs[1]["body"]))
    check("thinking anthropic: the second request is [user p1, assistant r1 (visible text only), "
          "user p2]",
          t2 == [("user", prompts[0]), ("assistant", reqs[0]["reply"]), ("user", prompts[1])],
          show(reqs[1]))
    check("thinking: without /system no system prompt goes out",
          system_of(kind, reqs[1]["body"])[0] is None, show(reqs[1]))
    # Every later request: the whole thread (shared across /model), no thinking.
    for i in range(2, len(reqs)):
        prov = chain[i]
        want = []
        for k in range(i):
            want += [("user", prompts[k]), ("assistant", reqs[k]["reply"])]
        want.append(("user", prompts[i]))
        got = flat(turns_of(prov.kind, reqs[i]["body"]))
        check(f"thinking {prov.kind}: after /model the request carries every earlier turn, each "
              "reply its visible text only", got == want,
              f"want={json.dumps(want, ensure_ascii=False)} got={show(reqs[i])}")
    texts = [t for req, prov in zip(reqs, chain)
             for _, t in flat(turns_of(prov.kind, req["body"]))]
    leaked = [t for t in texts for r in reqs if r["thinking"] and
              any(ch.strip() and ch.strip() in t for ch in r["thinking_chunks"])]
    check("thinking: no thinking text in any request", not leaked and
          not any("Considering" in t for t in texts), repr(leaked[:2]))


# ---- 3. an interrupted reply goes back as what arrived ------------------------------------

def test_interrupted(tm, srv, tmp):
    """An in-stream error after some text (OpenAI, then Gemini); the next
    prompt goes to Anthropic after /model, with the partial as the
    assistant's turn."""
    cut_oa = Prov("cutoa", "openai", "tokens=8,error_after=3")
    cut_ge = Prov("cutge", "gemini", "tokens=8,error_after=2")
    ok_an = Prov("okan", "anthropic", "tokens=5")
    c = Chat(tm, srv, tmp, "interrupted", [cut_oa, cut_ge, ok_an], cut_oa.name)
    if not c.started:
        return
    p1, p2, p3, p4 = ("tell me everything", "go on after the cut", "and now gemini",
                      "after the second cut")
    r1, s, ok = c.ask(p1, expect="interrupted")
    if r1 is None:
        return
    part1 = "".join(r1["reply_chunks"][:3])
    head, body, _, _ = s.turn(p1, cut_oa.label)
    check("interrupted openai: the screen shows a part of the reply, [interrupted], the error",
          ok and strict_prefix(body, r1["reply"]) and wraps_to(body, part1),
          f"part={part1!r}" + str(s))
    c.use(ok_an.name)
    r2, s, ok = c.ask(p2)
    if r2 is None:
        return
    want = [{"role": "user", "content": p1}, {"role": "assistant", "content": part1},
            {"role": "user", "content": p2}]
    got = r2["body"].get("messages")
    check("interrupted: after /model the Anthropic request is [user p1, assistant <exactly the "
          "part that arrived>, user p2]", got == want,
          f"want={json.dumps(want, ensure_ascii=False)} got={show(r2)}")
    check("interrupted: neither the error nor [interrupted] is sent",
          not any("interrupted" in m.get("content", "") or "cut short" in m.get("content", "")
                  for m in got or []), show(r2))
    c.use(cut_ge.name)
    r3, s, ok = c.ask(p3, expect="interrupted")
    if r3 is None:
        return
    check("interrupted gemini: the Gemini request carries the thread so far",
          flat(turns_of("gemini", r3["body"])) ==
          [("user", p1), ("assistant", part1), ("user", p2), ("assistant", r2["reply"]),
           ("user", p3)], show(r3))
    part3 = "".join(r3["reply_chunks"][:2])
    head, body, _, _ = s.turn(p3, cut_ge.label)
    check("interrupted gemini: the screen shows the part that arrived", ok and wraps_to(body, part3),
          f"part={part3!r}" + str(s))
    c.use(ok_an.name)
    r4, s, ok = c.ask(p4)
    if r4 is None:
        return
    want = [("user", p1), ("assistant", part1), ("user", p2), ("assistant", r2["reply"]),
            ("user", p3), ("assistant", part3), ("user", p4)]
    check("interrupted: the next request carries both partials exactly, in order",
          flat(turns_of("anthropic", r4["body"])) == want,
          f"want={json.dumps(want, ensure_ascii=False)} got={show(r4)}")


def test_continue(tm, srv, tmp):
    """/continue on Anthropic prefills the partial; its reply continues it.
    The two are one assistant turn in the next request, joined with nothing
    between (a blank line would split a word the model continued)."""
    cut = Prov("cutcont", "anthropic", "tokens=8,error_after=3,fail_times=1")
    c = Chat(tm, srv, tmp, "continue", [cut], cut.name)
    if not c.started:
        return
    p1, p2 = "tell me a story", "and then?"
    r1, s, ok = c.ask(p1, expect="interrupted")
    if r1 is None:
        return
    part = "".join(r1["reply_chunks"][:3])
    n = len(srv.requests())
    c.pane.send("/continue")
    rc = srv.wait_request(n)
    got = rc["body"].get("messages") if rc else None
    check("continue: the prefill request ends with the partial as the assistant's turn, "
          "trailing white space trimmed",
          got == [{"role": "user", "content": p1}, {"role": "assistant", "content": part.rstrip()}],
          show(rc) if rc else "no request")
    ok, s = c.pane.wait_for(lambda s: len([l for l in s.transcript if l.startswith(cut.label)]) >= 2
                            and done_label([l for l in s.transcript
                                            if l.startswith(cut.label)][-1]), timeout=TURN_S)
    check("continue: its reply ends on screen", ok, str(s))
    r2, s, ok = c.ask(p2)
    if r2 is None or rc is None:
        return
    want = [{"role": "user", "content": p1}, {"role": "assistant", "content": part + rc["reply"]},
            {"role": "user", "content": p2}]
    check("continue: next request has the partial and its continuation as ONE assistant turn, "
          "joined with nothing between", r2["body"].get("messages") == want,
          f"want={json.dumps(want, ensure_ascii=False)} got={show(r2)}")


# ---- 4. /new and /system ----------------------------------------------------------------

def test_new_and_system(tm, srv, tmp):
    oa = Prov("nwoa", "openai", "tokens=5")
    an = Prov("nwan", "anthropic", "tokens=5")
    c = Chat(tm, srv, tmp, "new", [oa, an], oa.name)
    if not c.started:
        return
    c.system(SYSTEM)
    p1, p2, p3, p4 = "before the new thread", "first of the new thread", "more please", "fresh again"
    r1, s, ok = c.ask(p1)
    if r1 is None:
        return
    c.new()
    r2, s, ok = c.ask(p2)
    if r2 is None:
        return
    want = {"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": p2}]}
    check("/new: the next request has only the new prompt, and the system prompt still",
          body_part("openai", r2["body"]) == want, show(r2))
    check("/new: the old thread stays on screen", s.prompt_row(p1) is not None, str(s))
    c.system("be verbose")
    r3, s, ok = c.ask(p3)
    if r3 is None:
        return
    want = {"messages": [{"role": "system", "content": "be verbose"},
                         {"role": "user", "content": p2},
                         {"role": "assistant", "content": r2["reply"]},
                         {"role": "user", "content": p3}]}
    check("/system TEXT: the following request has the new system prompt (and the thread since /new)",
          body_part("openai", r3["body"]) == want, show(r3))
    c.new()
    c.use(an.name)
    r4, s, ok = c.ask(p4)
    if r4 is None:
        return
    want = {"system": "be verbose", "messages": [{"role": "user", "content": p4}]}
    check("/new then /model: the Anthropic request has the new prompt alone and the system prompt",
          body_part("anthropic", r4["body"]) == want, show(r4))


# ---- 5. Anthropic alternation after a failed turn ----------------------------------------

def test_alternation(tm, srv, tmp):
    """A turn that fails before any text (HTTP 500, no retries) is not sent,
    so two user turns meet: Anthropic joins neighbours of one role with a
    blank line (anthropic_messages); Gemini makes them parts of one turn."""
    ok_an = Prov("altan", "anthropic", "tokens=5")
    fail_an = Prov("failan", "anthropic", "status=500")
    ok_ge = Prov("altge", "gemini", "tokens=5")
    c = Chat(tm, srv, tmp, "alternation", [ok_an, fail_an, ok_ge], ok_an.name)
    if not c.started:
        return
    p1, p2, p3 = "a working turn", "this one fails", "after the failure"
    r1, s, ok = c.ask(p1)
    if r1 is None:
        return
    c.use(fail_an.name)
    r2, s, ok = c.ask(p2, expect="failed")
    if r2 is None:
        return
    head, body, _, _ = s.turn(p2, fail_an.label)
    check("alternation: the failed turn shows no reply text", not visible_rows(body), str(s))
    c.use(ok_an.name)
    r3, s, ok = c.ask(p3)
    if r3 is None:
        return
    msgs = r3["body"].get("messages") or []
    roles = [m.get("role") for m in msgs]
    check("alternation: the Anthropic request alternates strictly, starting with user",
          bool(roles) and roles[0] == "user" and roles[-1] == "user"
          and all(a != b for a, b in zip(roles, roles[1:])), show(r3))
    want = [{"role": "user", "content": p1}, {"role": "assistant", "content": r1["reply"]},
            {"role": "user", "content": p2 + "\n\n" + p3}]
    check("alternation: the two user turns are joined with a blank line, the failed reply not sent",
          msgs == want, f"want={json.dumps(want, ensure_ascii=False)} got={show(r3)}")

    # A thread that starts with failures: three user turns in a row.
    c.new()
    p4, p5, p6, p7, p8 = "fails first", "fails second", "finally works", "fails again", "gemini now"
    c.use(fail_an.name)
    c.ask(p4, expect="failed")
    c.ask(p5, expect="failed")
    c.use(ok_an.name)
    r6, s, ok = c.ask(p6)
    if r6 is None:
        return
    want = [{"role": "user", "content": p4 + "\n\n" + p5 + "\n\n" + p6}]
    check("alternation: after /new, three user turns in a row become one user message",
          r6["body"].get("messages") == want, show(r6))
    c.use(fail_an.name)
    c.ask(p7, expect="failed")
    c.use(ok_ge.name)
    r8, s, ok = c.ask(p8)
    if r8 is None:
        return
    want = [{"role": "user", "parts": [{"text": p4}, {"text": p5}, {"text": p6}]},
            {"role": "model", "parts": [{"text": r6["reply"]}]},
            {"role": "user", "parts": [{"text": p7}, {"text": p8}]}]
    check("alternation: Gemini makes neighbouring user turns parts of one turn",
          r8["body"].get("contents") == want,
          f"want={json.dumps(want, ensure_ascii=False)} got={show(r8)}")


def main():
    harness.require(tmux=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="circuit-ctx-") as tmp:
        with harness.tmux_and_server(tmp, "ctx", Screen, Server) as (tm, srv):
            harness.run_named((("formats", test_formats), ("thinking", test_thinking),
                               ("interrupted", test_interrupted), ("continue", test_continue),
                               ("new", test_new_and_system),
                               ("alternation", test_alternation)), tm, srv, tmp)
    return finish(start)


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
