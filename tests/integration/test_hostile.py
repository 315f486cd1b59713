#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile servers and failing outputs (issue 16): the real binary against
tests/server/attack.py, asserting on stdout, stderr, --json, the debug log,
record files, the history file and the screen. The cases live by subject in
hostile_*.py next to this file; this runs them all and ends with
"N passed, N failed"."""
import importlib
import sys
import traceback

from harness import check, finish

SUBJECTS = ("hostile_fields", "hostile_output", "hostile_net", "hostile_history", "hostile_config")


def main():
    for name in SUBJECTS:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue
            raise
        for case in mod.CASES:
            try:
                case()
            except Exception:  # one broken case must not hide the others
                check(f"{name}.{case.__name__} ran", False, traceback.format_exc())
    return finish()


if __name__ == "__main__":
    sys.exit(main())
