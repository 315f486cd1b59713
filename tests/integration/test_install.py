#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""make install and make uninstall, into a scratch DESTDIR.

Installs with the default PREFIX (the one the binary under test was built
with) into a temporary DESTDIR and checks: every expected file, and no
other, with its mode (0755 the binary, 0644 the rest, 0755 the folders) and
the content of its source; that the installed binary runs --version and
--help; that it was compiled to look for themes where they were installed
(CIRCUIT_SHAREDIR = PREFIX/share/circuit); that the manual page names every
option of --help and every slash command, that groff formats it without a
warning and that man renders it (each skipped, with a visible line, when the
tool is missing); then that make uninstall removes exactly what was
installed, leaving only empty folders and files that were not its own.

It never builds: make runs with -o on the binary and on the ./circuit link,
so it installs the binary under test as it is, and a parallel build or an
ASan run (BUILD=build/asan) is not disturbed. A PREFIX other than the
build's is not tried: the objects do not depend on PREFIX, so make would not
rebuild, and the binary would look for its themes in the build's PREFIX.
Ends with "N passed, N failed"."""
import filecmp
import glob
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

from harness import BIN, ROOT, check, finish

MAN_SECTIONS = ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "KEYS", "COMMANDS",
                "COMPARE MODE", "METRICS", "RESILIENCE", "FILES", "ENVIRONMENT",
                "EXIT STATUS", "EXAMPLES", "SEE ALSO", "BUGS", "AUTHORS", "COPYRIGHT")


def build_dir():
    """BUILD as make knows it, relative to ROOT, for the binary under test."""
    if os.path.basename(BIN) == "circuit":
        return os.path.relpath(os.path.dirname(BIN), ROOT)
    return os.environ.get("BUILD", "build")


def make(target, destdir, build):
    """make TARGET into destdir, quiet, without building anything."""
    cmd = ["make", "-s", "--no-print-directory", "-C", ROOT, target,
           f"BUILD={build}", f"DESTDIR={destdir}",
           "-o", f"{build}/circuit", "-o", "circuit"]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return -1, "", "timed out after 120 s"
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def tree(top):
    """(files, dirs) under top, as paths relative to it."""
    files, dirs = [], []
    for d, subdirs, names in os.walk(top):
        for s in subdirs:
            dirs.append(os.path.relpath(os.path.join(d, s), top))
        for n in names:
            files.append(os.path.relpath(os.path.join(d, n), top))
    return sorted(files), sorted(dirs)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def expected_files(prefix):
    """{installed path relative to DESTDIR: (source path, mode)}."""
    p = prefix.lstrip("/")
    exp = {f"{p}/bin/circuit": (BIN, 0o755),
           f"{p}/share/man/man1/circuit.1": (os.path.join(ROOT, "docs/circuit.1"), 0o644)}
    for src in sorted(glob.glob(os.path.join(ROOT, "themes", "*"))):
        exp[f"{p}/share/circuit/themes/{os.path.basename(src)}"] = (src, 0o644)
    docs = [os.path.join(ROOT, "README.md"), os.path.join(ROOT, "docs/config.example")]
    docs += sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    for src in docs:
        exp[f"{p}/share/doc/circuit/{os.path.basename(src)}"] = (src, 0o644)
    return exp


def test_layout(dest, prefix):
    exp = expected_files(prefix)
    files, dirs = tree(dest)
    check("install: exactly the expected files", files == sorted(exp),
          f"missing {sorted(set(exp) - set(files))}, unexpected {sorted(set(files) - set(exp))}")
    for rel, (src, want) in sorted(exp.items()):
        path = os.path.join(dest, rel)
        if not os.path.isfile(path):
            continue  # reported above
        got = mode(path)
        check(f"install: {rel} mode {want:04o}", got == want, f"{got:04o}")
        check(f"install: {rel} is a copy of {os.path.relpath(src, ROOT)}",
              filecmp.cmp(src, path, shallow=False))
    for rel in dirs:
        got = mode(os.path.join(dest, rel))
        check(f"install: folder {rel} mode 0755", got == 0o755, f"{got:04o}")


def run_installed(binary, home, *args):
    # A private HOME and XDG folders: nothing of the user's is read or written.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
           "XDG_CONFIG_HOME": os.path.join(home, "config"),
           "XDG_DATA_HOME": os.path.join(home, "data"),
           "XDG_STATE_HOME": os.path.join(home, "state"), "LANG": "C.UTF-8"}
    try:
        p = subprocess.run([binary, *args], capture_output=True, timeout=30, env=env,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return -1, "", "timed out after 30 s"
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def makefile_version():
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        m = re.search(r"^VERSION\s*:?=\s*(\S+)", f.read(), re.M)
    return m.group(1) if m else None


def test_binary(dest, prefix, home):
    binary = os.path.join(dest, prefix.lstrip("/"), "bin", "circuit")
    rc, out, err = run_installed(binary, home, "--version")
    version = makefile_version()
    check("installed --version", rc == 0 and out == f"circuit {version}\n",
          f"rc {rc}, stdout {out!r}, stderr {err[-300:]!r}")
    rc, out, err = run_installed(binary, home, "--help")
    check("installed --help", rc == 0 and out.startswith("usage: circuit") and "--version" in out,
          f"rc {rc}, stdout {out[:200]!r}, stderr {err[-300:]!r}")
    # The themes are found where they were installed: the binary carries
    # PREFIX/share/circuit (a path of its own, not the tail of a longer one).
    with open(binary, "rb") as f:
        data = f.read()
    want = (prefix.rstrip("/") + "/share/circuit").encode()
    found = re.search(rb"(?<![\x21-\x7e])" + re.escape(want) + rb"\0", data)
    if not found:
        others = sorted({m.group(1).decode("ascii", "replace") for m in
                         re.finditer(rb"(/[\x21-\x7e]*/share/circuit)\0", data)})
        check("the binary looks for themes under the install's PREFIX", False,
              f"installed to {prefix}/share/circuit/themes, binary has {others or 'none'}")
    else:
        check("the binary looks for themes under the install's PREFIX", True)
    test_not_linked(binary)
    return out


# Libraries the binary must not name as NEEDED: libcurl is loaded at the
# first request (its dependencies cost every start ~8 ms), and libm is not
# used (its IFUNC resolvers cost every start ~300 KiB of resident memory;
# util/mathlog.c). docs/benchmarks.md has both measurements.
NOT_LINKED = ("libcurl", "libsqlite3", "libm.so")


def test_not_linked(binary):
    readelf = shutil.which("readelf")
    if readelf is None:
        print("test_install.py: skip: the binary's NEEDED libraries: readelf not found")
        return
    out = subprocess.run([readelf, "-d", binary], capture_output=True, text=True,
                         timeout=30).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
    bad = [n for n in needed if n.startswith(NOT_LINKED)]
    check(f"the binary links neither libcurl nor libm ({len(needed)} NEEDED)",
          needed and not bad, f"NEEDED {needed}")


def test_manpage(dest, prefix, help_text):
    page = os.path.join(dest, prefix.lstrip("/"), "share/man/man1/circuit.1")
    if not os.path.isfile(page):
        check("man page installed", False, page)
        return
    with open(page, encoding="utf-8") as f:
        src = f.read()
    check("man page is ASCII roff (characters as escapes)", src.isascii())
    th = re.search(r'^\.TH CIRCUIT 1 \S+ "circuit ([^"]+)"', src, re.M)
    check("man page .TH names the Makefile's VERSION",
          th is not None and th.group(1) == makefile_version(),
          th.group(0) if th else "no .TH line")
    for sec in MAN_SECTIONS:
        check(f"man page: section {sec}",
              re.search(r'^\.SH "?' + re.escape(sec) + r'"?\s*$', src, re.M) is not None)
    # The tags of the .TP (and .TQ) entries: where options and commands are
    # described, not merely mentioned.
    lines = src.splitlines()
    tags = [lines[i + 1] for i in range(len(lines) - 1)
            if lines[i].split()[:1] in ([".TP"], [".TQ"])]
    # Every long option of --help has an entry (roff spells "-" as "\-").
    for opt in sorted(set(re.findall(r"(?<![\w-])--([a-z][a-z-]*)", help_text))):
        pat = re.escape("\\-\\-" + opt.replace("-", "\\-")) + r"(?![a-z]|\\-)"
        check(f"man page has an entry for --{opt}", any(re.search(pat, t) for t in tags))
    # Every slash command of the table has an entry.
    with open(os.path.join(ROOT, "src/app/commands.c"), encoding="utf-8") as f:
        names = re.findall(r'^\s*\{"([a-z]+)",', f.read(), re.M)
    check("slash commands found in src/app/commands.c", len(names) >= 10, str(names))
    for name in names:
        check(f"man page has an entry for /{name}",
              any(re.match(r"\.B[IR]? /" + re.escape(name) + r"(?![a-z])", t) for t in tags))

    if shutil.which("groff") is None:
        print("skip: groff not found: the man page was not checked for warnings", flush=True)
    else:
        try:
            p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page],
                               capture_output=True, timeout=60)
            rc, err = p.returncode, p.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            rc, err = -1, "timed out"
        check("groff -man -ww: no warnings", rc == 0 and err == "", f"rc {rc}: {err[:800]}")

    if shutil.which("man") is None:
        print("skip: man not found: the installed man page was not rendered", flush=True)
        return
    env = dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat", LANG="C.UTF-8")
    env.pop("MAN_KEEP_FORMATTING", None)
    try:
        p = subprocess.run(["man", "-l", page], capture_output=True, timeout=60, env=env,
                           stdin=subprocess.DEVNULL)
        rc, out, err = p.returncode, p.stdout.decode("utf-8", "replace"), \
            p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        rc, out, err = -1, "", "timed out"
    check("man -l renders the page", rc == 0 and err == "", f"rc {rc}: {err[:800]}")
    # Formatting overstrikes, if any, removed (what col -b does).
    text = re.sub(r".\x08", "", out)
    check("man -l: NAME line", re.search(r"^\s+circuit - ", text, re.M) is not None, text[:300])
    long_lines = [l for l in text.splitlines() if len(l.expandtabs()) > 80]
    check("man -l: no line wider than MANWIDTH=80", not long_lines, repr(long_lines[:3]))


def test_uninstall(dest, prefix, build):
    p = prefix.lstrip("/")
    # Files that are not install's must survive uninstall.
    foreign = [f"{p}/bin/other-tool", f"{p}/share/man/man1/other.1", f"{p}/share/doc/other/README"]
    for rel in foreign:
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        with open(os.path.join(dest, rel), "w") as f:
            f.write("not circuit's\n")
    rc, out, err = make("uninstall", dest, build)
    check("make uninstall succeeds", rc == 0, f"rc {rc}: {err[-800:]}")
    files, dirs = tree(dest)
    check("uninstall: leaves only other packages' files", files == sorted(foreign),
          f"left {sorted(set(files) - set(foreign))}, removed {sorted(set(foreign) - set(files))}")
    for rel in foreign:
        os.unlink(os.path.join(dest, rel))
    files, dirs = tree(dest)
    check("uninstall: no file of circuit's is left (only empty folders)", not files, str(files))
    gone = [d for d in (f"{p}/share/circuit", f"{p}/share/doc/circuit") if d in dirs]
    check("uninstall: share/circuit and share/doc/circuit are gone", not gone, str(gone))


def main():
    if not os.path.exists(BIN):
        print(f"no binary at {BIN}")
        check("binary exists", False, BIN)
        return finish()
    if shutil.which("make") is None or shutil.which("install") is None:
        check("make and install are on PATH", False)
        return finish()
    build = build_dir()
    with tempfile.TemporaryDirectory(prefix="circuit-install-") as tmp:
        dest = os.path.join(tmp, "dest")
        rc, out, err = make("install", dest, build)
        if not check("make install succeeds", rc == 0, f"rc {rc}: {err[-800:]}"):
            return finish()
        # The PREFIX make used (the default, or the caller's), from where
        # the binary landed.
        bins = [f for f in tree(dest)[0] if f.endswith("/bin/circuit")]
        if not check("one bin/circuit installed", len(bins) == 1, str(bins)):
            return finish()
        prefix = "/" + os.path.dirname(os.path.dirname(bins[0]))
        test_layout(dest, prefix)
        help_text = test_binary(dest, prefix, os.path.join(tmp, "home"))
        test_manpage(dest, prefix, help_text)
        test_uninstall(dest, prefix, build)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
