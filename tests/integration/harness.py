# SPDX-License-Identifier: GPL-3.0-or-later
"""What the integration suites share: where things are, and the count.

Each suite calls check() for every assertion and ends with finish(), which
prints the one line tests/run-suites reads: "N passed, N failed"."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, os.environ.get("CIRCUIT_BIN", "build/circuit"))
SERVER = os.path.join(ROOT, "tests", "server", "server.py")

_count = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    """One assertion: counted, and printed with its detail when it fails."""
    if ok:
        _count["passed"] += 1
    else:
        _count["failed"] += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
    return ok


def failures():
    return _count["failed"]


def finish():
    """Prints the closing line; returns the exit status."""
    print(f"{_count['passed']} passed, {_count['failed']} failed")
    return 1 if _count["failed"] else 0


RULE = "─"  # the row between the transcript (or columns) and the input


class Screen:
    """One capture of the screen, split as circuit lays it out: transcript
    (or the columns), the rule, the input pane, the status bar (last row).
    Suites subclass it with what they read from those parts."""

    def __init__(self, lines):
        self.lines = lines
        self.rule = None
        for i in range(len(lines) - 1, -1, -1):
            if lines[i] and set(lines[i]) == {RULE}:
                self.rule = i
                break
        r = self.rule if self.rule is not None else len(lines)
        self.transcript = lines[:r]
        self.input = lines[r + 1:-1] if self.rule is not None else []
        self.status = lines[-1] if lines else ""

    def __str__(self):
        return "\n" + "\n".join(f"  |{l}" for l in self.lines)

    def has(self, s):
        return any(s in l for l in self.lines)


def skip(reason):
    """A suite that cannot run here says so visibly and counts nothing."""
    print(f"skip: {reason}")
    print("0 passed, 0 failed")
    return 0
