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


def skip(reason):
    """A suite that cannot run here says so visibly and counts nothing."""
    print(f"skip: {reason}")
    print("0 passed, 0 failed")
    return 0
