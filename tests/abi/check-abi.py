#!/usr/bin/env python3
"""Compare the shared library's ABI with the committed baseline (abidiff).

Fails on anything but additions: a removed or changed function, variable or
type, or a changed SONAME. Additions pass, with the report and a reminder
that the baseline is updated deliberately (scripts/update-abi-baseline.sh,
plus a CHANGELOG entry). The library must be built with -g (debug info).

usage: check-abi.py BASELINE LIB.so HEADERS_DIR            check
       check-abi.py --update BASELINE LIB.so HEADERS_DIR   rewrite the baseline
       check-abi.py --self-check      the grown-options filter on sample reports
"""
import os
import re
import subprocess
import sys
import tempfile

# Only types reachable from the public header, no build paths: the baseline
# must not change when nothing public changed.
ABIDW = ["abidw", "--no-corpus-path", "--no-comp-dir-path", "--no-show-locs",
         "--drop-private-types"]

ABIDIFF_ERROR, ABIDIFF_USAGE, ABIDIFF_CHANGE, ABIDIFF_INCOMPATIBLE = 1, 2, 4, 8


# The only "changed" report that is an addition: a versioned options struct
# (wsb_*_options) grew at its end. A caller built against an older header
# passes the older version number and the library reads only that version's
# fields (lib/core/api.c). Any other line (a member retyped, moved or
# removed, an offset changed, a smaller size) keeps the change breaking.
GROWN_OPTIONS_LINES = [
    r"\[C\] 'function .*' has some indirect sub-type changes:",
    r"parameter \d+ of type 'const wsb_\w+_options\*' has sub-type changes:",
    r"in pointed to type 'const wsb_\w+_options':",
    r"in unqualified underlying type 'typedef wsb_\w+_options':",
    r"underlying type 'struct wsb_\w+_options' changed:",
    r"type size changed from (\d+) to (\d+) \(in bits\)",
    r"\d+ data member insertions?:",
    r"'[^']*', at offset (\d+) \(in bits\)",
]


def options_only_grew(report):
    lines = report.splitlines()
    start = next((i for i, l in enumerate(lines) if l.strip().startswith("[C]")), None)
    if start is None:
        return False
    for line in lines[start:]:
        line = line.strip()
        if not line:
            continue
        m = next((re.fullmatch(p, line) for p in GROWN_OPTIONS_LINES
                  if re.fullmatch(p, line)), None)
        if m is None:
            return False
        # An insertion that moved a member shows as a "data member change"
        # (its offset), which no pattern accepts; one in the old tail
        # padding moved nothing, and older callers do not reach it.
        if line.startswith("type size changed") and int(m.group(2)) <= int(m.group(1)):
            return False
    return True


# abidiff's report (libabigail 2.2) when wsb_spawn_options gained the
# terminal members, the first in the old tail padding; self_check() alters
# it to see each way the filter must refuse.
SAMPLE_GROWN = """Functions changes summary: 0 Removed, 1 Changed (2 filtered out), 0 Added functions
Variables changes summary: 0 Removed, 0 Changed, 0 Added variable

1 function with some indirect sub-type change:

  [C] 'function int wsb_run(wsb_process**, const wsb_policy*, const wsb_identity*, const wsb_spawn_options*, void*, size_t)' has some indirect sub-type changes:
    parameter 4 of type 'const wsb_spawn_options*' has sub-type changes:
      in pointed to type 'const wsb_spawn_options':
        in unqualified underlying type 'typedef wsb_spawn_options':
          underlying type 'struct wsb_spawn_options' changed:
            type size changed from 320 to 384 (in bits)
            3 data member insertions:
              'int terminal', at offset 288 (in bits)
              'unsigned int terminal_cols', at offset 320 (in bits)
              'unsigned int terminal_rows', at offset 352 (in bits)
"""


def self_check():
    cases = [
        ("grown at the end", SAMPLE_GROWN, True),
        ("size shrunk", SAMPLE_GROWN.replace("from 320 to 384", "from 384 to 320"), False),
        ("a member moved too", SAMPLE_GROWN + "            1 data member change:\n"
         "              'int stdin_mode' offset changed from 64 to 96 (in bits) (by +32 bits)\n",
         False),
        ("not an options struct", SAMPLE_GROWN.replace("wsb_spawn_options", "wsb_process"), False),
        ("no report", "", False),
    ]
    bad = 0
    for name, report, want in cases:
        got = options_only_grew(report)
        print("%s: %s -> %s" % ("ok" if got == want else "FAIL", name, got))
        bad += got != want
    return 1 if bad else 0


def has_debug_info(lib):
    out = subprocess.run(["readelf", "-S", "-W", lib], check=True,
                         capture_output=True, text=True).stdout
    return ".debug_info" in out


def dump(out, lib, headers):
    subprocess.run(ABIDW + ["--headers-dir", headers, "--out-file", out, lib], check=True)
    # Translation units keep their absolute source paths; make them relative
    # to the source tree so the baseline does not depend on the checkout.
    root = os.path.dirname(os.path.dirname(os.path.abspath(headers))) + os.sep
    with open(out, encoding="utf-8") as f:
        text = f.read()
    with open(out, "w", encoding="utf-8") as f:
        f.write(text.replace("path='" + root, "path='"))


def update(baseline, lib, headers):
    dump(baseline, lib, headers)
    print("wrote %s from %s" % (baseline, lib))
    return 0


def check(baseline, lib, headers):
    # Both sides come from the same abidw options: comparing the baseline with
    # the .so directly would filter type changes out (the baseline has no
    # source locations for abidiff's public-header filter to match).
    with tempfile.TemporaryDirectory() as tmp:
        current = os.path.join(tmp, "current.abi")
        dump(current, lib, headers)
        proc = subprocess.run(["abidiff", baseline, current], capture_output=True, text=True)
    report = proc.stdout + proc.stderr
    status = proc.returncode
    if status & (ABIDIFF_ERROR | ABIDIFF_USAGE):
        print(report)
        print("FAIL: abidiff could not compare %s with %s (status %d)" % (lib, baseline, status))
        return 1
    if status == 0:
        print("ok: the ABI of %s matches %s" % (lib, baseline))
        return 0
    breaking = bool(status & ABIDIFF_INCOMPATIBLE)
    grown = options_only_grew(report)
    for m in re.finditer(r"(\d+) (Removed|Changed)", report):
        if int(m.group(1)) and not (m.group(2) == "Changed" and grown):
            breaking = True
    if re.search(r"SONAME changed|architecture changed", report):
        breaking = True
    print(report)
    if breaking:
        print("FAIL: incompatible ABI change against %s (removed or changed interfaces above)." % baseline)
        print("An incompatible change needs a new major version; never update the baseline to hide one.")
        return 1
    print("NOTE: the ABI only grew (additions above); that is compatible.")
    print("NOTE: record it deliberately: scripts/update-abi-baseline.sh and an 'Added' line in CHANGELOG.md.")
    return 0


def main(argv):
    if argv[1:] == ["--self-check"]:
        return self_check()
    args = argv[2:] if len(argv) == 5 and argv[1] == "--update" else argv[1:]
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    if not has_debug_info(args[1]):
        print("FAIL: %s has no debug information; build it with -g "
              "(CMAKE_BUILD_TYPE=RelWithDebInfo)" % args[1])
        return 1
    return update(*args) if len(argv) == 5 else check(*args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
