#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""make lint's own rules, on scratch trees (.ci/lint with LINT_ROOT).

The size and complexity gate: a function of 81 lines is reported and one of
80 is not; modified cyclomatic complexity 26 is reported and 25 is not; a
.c of 801 lines is reported at line 801 and one of 800 is not; a function
under "/* lint: table */" is exempted and counted; without pmccabe the gate
says so and fails. The layering: src/app/ may include every layer, a file
directly in src/ is app, and no lower layer may include app. Skipped, with a
visible line, when cppcheck or pmccabe is missing (make deps installs them).
Ends with "N passed, N failed"."""
import os
import shutil
import subprocess
import sys
import tempfile

from harness import ROOT, check, finish, skip

LINT = os.path.join(ROOT, ".ci", "lint")


def function(name, lines):
    """A C function of exactly `lines` lines (as pmccabe counts: the head to
    the closing brace), complexity 1."""
    assert lines >= 4
    body = [f"int {name}(int x)", "{"]
    body += ["\tx = x + 1;"] * (lines - 4)
    body += ["\treturn x;", "}"]
    return "\n".join(body) + "\n"


def branchy(name, cc):
    """A C function of modified cyclomatic complexity cc (cc - 1 ifs)."""
    body = [f"int {name}(int x)", "{"]
    for i in range(cc - 1):
        body.append(f"\tif (x == {i})\n\t\treturn {i};")
    body += ["\treturn -1;", "}"]
    return "\n".join(body) + "\n"


def padded(lines):
    """A .c of exactly `lines` lines: one small function, then comments."""
    text = function("small", 5)
    return text + "/* pad */\n" * (lines - text.count("\n"))


def tree(files):
    """A scratch repository: src/ and tests/ holding files (path -> text)."""
    top = tempfile.mkdtemp(prefix="circuit-lint-")
    os.makedirs(os.path.join(top, "tests"))
    for path, text in files.items():
        full = os.path.join(top, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    return top


def lint(top, path=None):
    """.ci/lint over top: (exit status, output lines)."""
    env = dict(os.environ, LINT_ROOT=top)
    if path is not None:
        env["PATH"] = path
    p = subprocess.run(["bash", LINT], capture_output=True, text=True, env=env, timeout=120)
    return p.returncode, (p.stdout + p.stderr).splitlines()


def path_without(tool, into):
    """A PATH (a folder of links in into) with every command of PATH but tool."""
    os.makedirs(into)
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            link = os.path.join(into, name)
            if name != tool and not os.path.lexists(link):
                os.symlink(os.path.join(d, name), link)
    return into


def flagged(out, where):
    return [line for line in out if line.startswith(where)]


def test_size_gate():
    top = tree({
        "src/util/long.c": function("long81", 81) + function("long80", 80),
        "src/util/cc.c": branchy("cc26", 26) + branchy("cc25", 25),
        "src/util/table.c": "/* lint: table */\n" + function("table", 120),
        "src/util/big.c": padded(801),
        "src/util/fits.c": padded(800),
    })
    try:
        rc, out = lint(top)
        check("size: a violation fails the lint", rc == 1 and out[-1] == "lint: FAILED",
              "\n".join(out))
        check("size: 81 lines is reported",
              flagged(out, "src/util/long.c:1: long81: 81 lines (at most 80)") != [],
              "\n".join(out))
        check("size: 80 lines is not", flagged(out, "src/util/long.c:82:") == [],
              "\n".join(out))
        check("size: modified CC 26 is reported",
              flagged(out, "src/util/cc.c:1: cc26: modified cyclomatic complexity 26 "
                      "(at most 25)") != [], "\n".join(out))
        check("size: modified CC 25 is not",
              [line for line in out if "cc25" in line] == [], "\n".join(out))
        check("size: a .c of 801 lines is reported at its line 801",
              flagged(out, "src/util/big.c:801: 801 lines, over 800") != [], "\n".join(out))
        check("size: a .c of 800 lines is not", flagged(out, "src/util/fits.c") == [],
              "\n".join(out))
        check("size: a marked table is exempted and counted",
              flagged(out, "src/util/table.c") == [] and
              "lint: 1 table function exempted (/* lint: table */)" in out, "\n".join(out))
    finally:
        shutil.rmtree(top)


def test_table_marker_only_just_above():
    top = tree({"src/util/table.c": "/* lint: table */\n\n" + function("table", 120)})
    try:
        rc, out = lint(top)
        check("size: the marker counts only on the line just above", rc == 1 and
              flagged(out, "src/util/table.c:3: table: 120 lines") != [] and
              "lint: 0 table functions exempted (/* lint: table */)" in out, "\n".join(out))
    finally:
        shutil.rmtree(top)


def test_clean_tree():
    top = tree({
        "src/util/a.h": "int a(int x);\n",
        "src/util/a.c": '#include "util/a.h"\n' + function("a", 10),
        "src/ui/b.c": '#include "util/a.h"\n#include <ncurses.h>\n' + function("b", 10),
        "src/app/run.h": "int run(int x);\n",
        "src/app/run.c": '#include "app/run.h"\n#include "ui/b.h"\n#include "route/r.h"\n'
                         '#include "top.h"\n#include <curl/curl.h>\n#include <sqlite3.h>\n'
                         + function("run", 10),
        "src/top.h": "int top(int x);\n",
        "src/main.c": '#include "top.h"\n#include "app/run.h"\n#include "net/n.h"\n'
                      + function("main2", 10),
    })
    try:
        rc, out = lint(top)
        check("layering: app includes every layer; src/*.c is app", rc == 0 and
              out[-1] == "lint: clean", "\n".join(out))
        check("size: a clean tree counts no exemption",
              "lint: 0 table functions exempted (/* lint: table */)" in out, "\n".join(out))
    finally:
        shutil.rmtree(top)


def test_app_is_above_everything():
    top = tree({
        "src/app/run.h": "int run(int x);\n",
        "src/ui/b.c": '#include "app/run.h"\n' + function("b", 10),
        "src/util/u.c": '#include "app/run.h"\n' + function("u", 10),
    })
    try:
        rc, out = lint(top)
        check("layering: ui may not include app", rc == 1 and flagged(
            out, 'src/ui/b.c:1: ui may not include app ("app/run.h"') != [], "\n".join(out))
        check("layering: util may not include app", flagged(
            out, 'src/util/u.c:1: util may not include app ("app/run.h"') != [],
            "\n".join(out))
    finally:
        shutil.rmtree(top)


def test_pmccabe_missing():
    top = tree({"src/util/a.c": function("a", 10)})
    try:
        path = path_without("pmccabe", os.path.join(top, "bin"))
        rc, out = lint(top, path)
        check("size: without pmccabe the gate says so and fails", rc == 1 and
              "lint: pmccabe not found: the size and complexity gate cannot run "
              "(make deps installs it)" in out and out[-1] == "lint: FAILED", "\n".join(out))
    finally:
        shutil.rmtree(top)


def main():
    for tool in ("cppcheck", "pmccabe", "perl"):
        if shutil.which(tool) is None:
            return skip(f"{tool} not found: make lint's rules were not checked (make deps)")
    test_size_gate()
    test_table_marker_only_just_above()
    test_clean_tree()
    test_app_is_above_everything()
    test_pmccabe_missing()
    return finish()


if __name__ == "__main__":
    sys.exit(main())
