# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 16, items 7, 11 and part of 16: keys that would inject header
lines, key files others may read, timeouts from the environment that
overflow or are not numbers, a theme file that is a FIFO, a config with
40k [price] sections, and the two reasons a [provider.NAME] is ignored."""
import os
import shutil
import subprocess

import harness
import hostile as h
from harness import check

OK_BODY = h.sse_response(h.openai_sse(["answer-ok"]))


def _heads(srv):
    return [r["head"] for r in srv.requests()]


def _write_config(home, text):
    path = os.path.join(home, "config", "circuit", "config")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _key_file(home, name, data, mode):
    path = os.path.join(home, name)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    return path


def _provider(srv, key_line):
    return ("[provider.work]\nkind = openai\n"
            f"base_url = {srv.url('/v1')}\n{key_line}\nmodels = work-model\n")


# ---- item 7: keys --------------------------------------------------------------------

def case_env_key_with_crlf_is_refused():
    """OPENAI_API_KEY=$'sk-x\\r\\nX-Injected: yes' never reaches a server; the
    message names the variable; mock still answers with the same variable."""
    home = h.private_home()
    try:
        with h.AttackServer({"/v1": [{"send": OK_BODY}]}) as srv:
            env = h.env_for(home, OPENAI_API_KEY="sk-x\r\nX-Injected: yes",
                            OPENAI_BASE_URL=srv.url("/v1"))
            rc, out, err = h.run(["-p", "hi", "-m", "openai:gpt-x", "--no-history"], env)
            e = err.decode("utf-8", "replace")
            check("key: a CRLF key sends no request at all", srv.requests() == [],
                  repr(_heads(srv)))
            check("key: no X-Injected line reaches the server",
                  not any("X-Injected" in hd for hd in _heads(srv)), repr(_heads(srv)))
            check("key: the message names OPENAI_API_KEY and the control character",
                  "circuit: OPENAI_API_KEY holds a control character (0x0d) at byte 4" in e, e)
            check("key: the run fails (status 1) saying what to do",
                  rc == 1 and "openai has no usable key" in e and "-m mock" in e, (rc, e))
            check("key: stderr holds no control byte", h.clean_bytes(err), repr(err))
            rc, out, err = h.run(["-p", "hi", "-m", "mock-fast", "--no-history"], env)
            check("key: mock still answers with the bad variable set",
                  rc == 0 and b"mock" in out, (rc, out[:80], err))
            # In a chain, the router skips it saying why, and the next answers.
            rc, out, err = h.run(["-p", "hi", "-m", "openai:gpt-x", "--fallback", "mock-fast",
                                  "--no-history"], env)
            e = err.decode("utf-8", "replace")
            check("key: a fallback chain skips it naming the variable",
                  rc == 0 and "OPENAI_API_KEY holds a control character" in e
                  and b"mock" in out, (rc, e))
            check("key: the chain sent nothing either", srv.requests() == [], repr(_heads(srv)))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def case_key_file_mode_and_crlf():
    """key_file 0644 is refused as ssh refuses a loose key (chmod 600 named);
    0600 is used, its CRLF trimmed: the server sees exactly the key."""
    home = h.private_home()
    try:
        with h.AttackServer({"/v1": [{"send": OK_BODY}]}) as srv:
            loose = _key_file(home, "loose.key", b"sk-loose-123\n", 0o644)
            _write_config(home, _provider(srv, f"key_file = {loose}"))
            env = h.env_for(home)
            rc, out, err = h.run(["-p", "hi", "-m", "work-model", "--no-history"], env)
            e = err.decode("utf-8", "replace")
            check("key_file 0644: refused, naming the file, its mode and the chmod",
                  f"key_file {loose} is readable by others (mode 0644); chmod 600 {loose}" in e,
                  e)
            check("key_file 0644: nothing is sent, the run fails", rc != 0 and
                  srv.requests() == [], (rc, _heads(srv)))
            check("key_file 0644: the failure line says why there is no key",
                  "work has no usable key: key_file" in e, e)

            tight = _key_file(home, "tight.key", b"sk-tight-456\r\nsecond line\r\n", 0o600)
            _write_config(home, _provider(srv, f"key_file = {tight}"))
            rc, out, err = h.run(["-p", "hi", "-m", "work-model", "--no-history"], env)
            heads = srv.wait_requests(1)
            check("key_file 0600 with CRLF: the run answers", rc == 0 and b"answer-ok" in out,
                  (rc, out, err))
            check("key_file 0600 with CRLF: the server sees exactly the key",
                  len(heads) == 1 and "Authorization: Bearer sk-tight-456\r\n" in heads[0]["head"],
                  repr([r["head"] for r in heads]))

            bad = _key_file(home, "bad.key", b"sk-bad\rX-Injected: yes\n", 0o600)
            _write_config(home, _provider(srv, f"key_file = {bad}"))
            rc, out, err = h.run(["-p", "hi", "-m", "work-model", "--no-history"], env)
            e = err.decode("utf-8", "replace")
            check("key_file with a CR inside: refused naming the file",
                  f"key_file {bad} holds a control character (0x0d) at byte 6" in e, e)
            check("key_file with a CR inside: no X-Injected line ever arrives",
                  len(srv.requests()) == 1 and
                  not any("X-Injected" in hd for hd in _heads(srv)), repr(_heads(srv)))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def case_key_cmd_output():
    """key_cmd's first line less one CRLF is the key; a CR inside refuses
    it, the message naming the provider's key_cmd."""
    home = h.private_home()
    try:
        with h.AttackServer({"/v1": [{"send": OK_BODY}]}) as srv:
            env = h.env_for(home)
            _write_config(home, _provider(srv, "key_cmd = printf 'sk-cmd-789\\r\\nmeta: x\\n'"))
            rc, out, err = h.run(["-p", "hi", "-m", "work-model", "--no-history"], env)
            heads = srv.wait_requests(1)
            check("key_cmd with CRLF: the run answers", rc == 0 and b"answer-ok" in out,
                  (rc, out, err))
            check("key_cmd with CRLF: the server sees exactly the key",
                  len(heads) == 1 and "Authorization: Bearer sk-cmd-789\r\n" in heads[0]["head"],
                  repr([r["head"] for r in heads]))

            _write_config(home, _provider(srv, "key_cmd = printf 'sk-c\\rX-Injected: yes\\n'"))
            rc, out, err = h.run(["-p", "hi", "-m", "work-model", "--no-history"], env)
            e = err.decode("utf-8", "replace")
            check("key_cmd with a CR inside: refused, naming the provider's key_cmd",
                  rc != 0 and "the key_cmd of [provider.work] printed a control character "
                  "(0x0d) at byte 4" in e, (rc, e))
            check("key_cmd with a CR inside: nothing more is sent",
                  len(srv.requests()) == 1, repr(_heads(srv)))

            _write_config(home, _provider(srv, "key_cmd = exit 3"))
            rc, out, err = h.run(["-p", "hi", "-m", "work-model", "--no-history"], env)
            e = err.decode("utf-8", "replace")
            check("key_cmd that fails: the line says so with its status",
                  rc != 0 and "the key_cmd of [provider.work] failed (status 3)" in e, (rc, e))
    finally:
        shutil.rmtree(home, ignore_errors=True)

# ---- item 11: timeouts from the environment ----------------------------------------

TIMEOUT_VARS = ("CIRCUIT_CONNECT_TIMEOUT_MS", "CIRCUIT_FIRST_BYTE_TIMEOUT_MS",
                "CIRCUIT_IDLE_TIMEOUT_MS")


def case_env_timeouts_validated():
    """abc, -1, 0, 1e309 are ignored with one warning naming the variable;
    9223372036854775807 is cut to a day (it overflowed into a deadline in
    the past and failed every request at once); the request answers."""
    home = h.private_home()
    try:
        with h.AttackServer({"/v1": [{"send": OK_BODY}]}) as srv:
            bad = {"abc": "is not a whole number of milliseconds; using",
                   "-1": "is not a positive number of milliseconds; using",
                   "0": "is not a positive number of milliseconds; using",
                   "1e309": "is not a whole number of milliseconds; using",
                   "9223372036854775807": "is more than a day; using 86400000",
                   "99999999999999999999999": "is more than a day; using 86400000"}
            for value, said in bad.items():
                for var in TIMEOUT_VARS:
                    env = h.env_for(home, OPENAI_API_KEY=h.SENTINEL,
                                    OPENAI_BASE_URL=srv.url("/v1"), **{var: value})
                    before = len(srv.requests())
                    rc, out, err = h.run(["-p", "hi", "-m", "openai:gpt-x", "--no-history"], env,
                                         timeout=30)
                    lines = [l for l in err.decode("utf-8", "replace").splitlines() if l]
                    check(f"timeout {var}={value}: the run still answers",
                          rc == 0 and b"answer-ok" in out and
                          len(srv.wait_requests(before + 1)) == before + 1, (rc, out, err))
                    check(f"timeout {var}={value}: one warning line naming the variable",
                          len(lines) == 1 and lines[0].startswith(f"circuit: {var}='{value}' ")
                          and said in lines[0], lines)
            # A good value says nothing.
            env = h.env_for(home, OPENAI_API_KEY=h.SENTINEL, OPENAI_BASE_URL=srv.url("/v1"),
                            CIRCUIT_FIRST_BYTE_TIMEOUT_MS="86400000")
            rc, out, err = h.run(["-p", "hi", "-m", "openai:gpt-x", "--no-history"], env)
            check("timeout: a day exactly is taken without a word", rc == 0 and err == b"",
                  (rc, err))
            # A value with a control byte is shown inert.
            env = h.env_for(home, CIRCUIT_IDLE_TIMEOUT_MS="5\x1b]2;t\x07")
            rc, out, err = h.run(["-p", "hi", "-m", "mock-fast", "--no-history"], env)
            check("timeout: a value with escapes is shown inert",
                  rc == 0 and h.clean_bytes(err) and b"CIRCUIT_IDLE_TIMEOUT_MS=" in err,
                  (rc, err))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def case_huge_first_byte_timeout_still_times_out_nothing_at_once():
    """With the huge value cut to a day, a server that answers after a
    pause is waited for (the overflow failed it at once)."""
    home = h.private_home()
    try:
        with h.AttackServer({"/v1": [{"sleep_ms": 300}, {"send": OK_BODY}]}) as srv:
            env = h.env_for(home, OPENAI_API_KEY=h.SENTINEL, OPENAI_BASE_URL=srv.url("/v1"),
                            CIRCUIT_FIRST_BYTE_TIMEOUT_MS="9223372036854775807",
                            CIRCUIT_IDLE_TIMEOUT_MS="9223372036854775807")
            rc, out, err = h.run(["-p", "hi", "-m", "openai:gpt-x", "--no-history"], env)
            check("timeout: huge first-byte and idle values wait for a slow answer",
                  rc == 0 and b"answer-ok" in out and len(srv.requests()) == 1,
                  (rc, out, err, len(srv.requests())))
    finally:
        shutil.rmtree(home, ignore_errors=True)


# ---- item 16 (part): a theme file that is a FIFO -------------------------------------

def case_theme_fifo_does_not_hang_the_screen():
    """theme = a FIFO (config) and --theme naming one: the screen starts at
    once, says the file is not a regular file, and uses the default theme
    (open() with no writer hung it before)."""
    home = h.private_home()
    tm = harness.Tmux(home, "cfg-fifo", home=home, linger=5)
    try:
        themes = os.path.join(home, "config", "circuit", "themes")
        os.makedirs(themes)
        os.mkfifo(os.path.join(themes, "fifo.theme"))
        _write_config(home, "theme = fifo\n")
        env = {k: v for k, v in h.env_for(home).items()
               if k in ("PATH", "HOME", "LANG", "LC_ALL") or k.startswith("XDG_")}
        env["TERM"] = "xterm-256color"
        for label, args in (("config theme =", ["-m", "mock-fast"]),
                            ("--theme", ["--theme", "fifo", "-m", "mock-fast"])):
            p = tm.pane(100, 24, env, args)
            ok, scr = p.wait_for(lambda s: s.has("not a regular file") and s.rule is not None,
                                 timeout=10)
            check(f"theme FIFO ({label}): the screen starts and says it is not a regular file",
                  ok, str(scr))
            check(f"theme FIFO ({label}): the default theme is used",
                  scr.has("using the default theme"), str(scr))
            ok, scr = p.quit()
            check(f"theme FIFO ({label}): circuit quits normally", ok, str(scr))
    finally:
        tm.kill()
        shutil.rmtree(home, ignore_errors=True)


# ---- item 16 (part): 40k [price] sections --------------------------------------------

def _cpu_of_run(args, env):
    """CPU seconds (user + system) the binary used for one run, and its status."""
    p = subprocess.Popen([harness.BIN, *args], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return ru.ru_utime + ru.ru_stime, p.returncode


def case_many_sections_load_in_linear_time():
    """A config with 40k [price] sections took 5.3 s to load (each new name
    searched all before it); [provider] sections the same. CPU time, the
    least of three runs, against a 1k-section config's: within 40 x 2 of
    it, not 40 x 40."""
    home = h.private_home()
    try:
        env = h.env_for(home)
        for kind, section in (("price", "[price.m{i}]\ninput=1\n"),
                              ("provider", "[provider.p{i}]\n")):
            times = {}
            for n in (1000, 40000):
                path = os.path.join(home, f"{kind}{n}.conf")
                with open(path, "w", encoding="utf-8") as f:
                    f.write("".join(section.format(i=i) for i in range(n)))
                runs = [_cpu_of_run(["--config", path, "-p", "hi", "-m", "nosuch:x",
                                     "--no-history"], env) for _ in range(3)]
                times[n] = min(t for t, _ in runs)
                check(f"{kind}: {n} sections: the run ends as usual (unknown provider: 2)",
                      all(rc == 2 for _, rc in runs), runs)
            # A floor for the 1k figure: process start-up alone is a few ms.
            check(f"{kind}: 40k sections load in time linear in their number",
                  times[40000] <= max(times[1000], 0.002) * 40 * 2,
                  f"1k: {times[1000]:.4f} s, 40k: {times[40000]:.4f} s")
    finally:
        shutil.rmtree(home, ignore_errors=True)


# ---- item 16 (part): why a [provider.NAME] is ignored ------------------------------------

def case_ignored_provider_says_which_reason():
    """"that name is taken (or too many providers)" said both when only one
    was true: a built-in's name and the limit are two messages, the limit
    said once for all the sections past it."""
    home = h.private_home()
    try:
        text = "[provider.openai]\nmodels = x\n" + "".join(
            f"[provider.p{i}]\nmodels = m{i}\n" for i in range(20))
        path = _write_config(home, text)
        rc, out, err = h.run(["-p", "hi", "-m", "mock-fast", "--no-history"], h.env_for(home))
        lines = err.decode("utf-8", "replace").splitlines()
        check("providers: a built-in's name is said to be taken, and nothing of a limit",
              f"{path}:1: [provider.openai]: that name is a built-in provider's; ignored "
              "(give it another name)" in lines, lines)
        check("providers: the limit is said once, naming the first left out and the rest",
              f"{path}:25: [provider.p11]: too many providers (at most 16 with the 5 built-in "
              "ones); it and the 8 after it are ignored" in lines, lines)
        check("providers: two lines in all, and the run answers",
              len(lines) == 2 and rc == 0 and b"mock" in out, (rc, lines))
        path = _write_config(home, "[provider.p1]\nmodels = a\n[provider.p2]\nmodels = b\n")
        rc, out, err = h.run(["-p", "hi", "-m", "p2:b", "--no-history"], h.env_for(home))
        check("providers: under the limit nothing is said of one",
              b"too many" not in err and b"taken" not in err, err)
    finally:
        shutil.rmtree(home, ignore_errors=True)


CASES = [case_env_key_with_crlf_is_refused, case_key_file_mode_and_crlf, case_key_cmd_output,
         case_env_timeouts_validated, case_huge_first_byte_timeout_still_times_out_nothing_at_once,
         case_theme_fifo_does_not_hang_the_screen, case_many_sections_load_in_linear_time,
         case_ignored_provider_says_which_reason]
