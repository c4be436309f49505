#!/usr/bin/env python3
"""Check docs/symbols-in-versions against the public header and the library.

The table lists every public name (function, macro, enum constant, type) with
the version that added it, as curl's symbols-in-versions does. This script
fails when the table and the header disagree in either direction, and, given a
built library, when it exports anything but exactly the listed functions.

usage: check-symbols.py --table FILE --header FILE
                        [--elf LIB.so --nm NM] [--dll LIB.dll --objdump OBJDUMP]
"""
import argparse
import re
import subprocess
import sys

KINDS = ("function", "macro", "enum", "type")
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")


def vtuple(v):
    return tuple(int(x) for x in v.split("."))


def read_table(path):
    """name -> (kind, introduced, deprecated, removed); errors as a list."""
    table, errors = {}, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#") or line.startswith(" "):
                continue
            cols = line.split()
            where = "%s:%d" % (path, n)
            if len(cols) < 3 or len(cols) > 5:
                errors.append("%s: expected NAME KIND INTRODUCED [DEPRECATED [REMOVED]]" % where)
                continue
            cols += ["-"] * (5 - len(cols))
            name, kind, intro, depr, removed = cols
            if kind not in KINDS:
                errors.append("%s: unknown kind %r (one of %s)" % (where, kind, ", ".join(KINDS)))
            for v in (intro, depr, removed):
                if v != "-" and not VERSION_RE.match(v):
                    errors.append("%s: %r is not a MAJOR.MINOR.PATCH version" % (where, v))
            if intro == "-":
                errors.append("%s: %s has no introduced version" % (where, name))
            if name in table:
                errors.append("%s: %s listed twice (names are never reused)" % (where, name))
            table[name] = (kind, intro, depr, removed)
    return table, errors


def parse_header(path):
    """name -> kind for every public name the header declares; errors as a list."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = text.replace("\\\n", " ")
    names, errors = {}, []

    guard = None
    m = re.search(r"^\s*#\s*ifndef\s+(\w+)\s*\n\s*#\s*define\s+\1\b", text, re.M)
    if m:
        guard = m.group(1)
    for name in re.findall(r"^\s*#\s*define\s+(\w+)", text, re.M):
        if name == guard:
            continue
        if not name.startswith("WSB_"):
            errors.append("header: macro %s lacks the WSB_ prefix" % name)
        names[name] = "macro"

    code = "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("#"))
    # The extern "C" block would otherwise swallow everything below.
    code = re.sub(r'\bextern\s*"C"\s*\{', "", code)
    code = re.sub(r"^\s*\}\s*$", "", code, flags=re.M)
    for body in re.findall(r"\benum\b\s*\w*\s*\{(.*?)\}", code, re.S):
        for item in body.split(","):
            m = re.match(r"\s*(\w+)", item)
            if not m:
                continue
            if not m.group(1).startswith("WSB_"):
                errors.append("header: enum constant %s lacks the WSB_ prefix" % m.group(1))
            names[m.group(1)] = "enum"
    flat = code
    while True:
        shorter = re.sub(r"\{[^{}]*\}", "", flat)
        if shorter == flat:
            break
        flat = shorter
    for stmt in re.findall(r"\btypedef\b([^;]*);", flat):
        m = re.search(r"\(\s*\*\s*(\w+)\s*\)", stmt) or re.search(r"(\w+)\s*$", stmt)
        name = m.group(1)
        if not name.startswith("wsb_"):
            errors.append("header: type %s lacks the wsb_ prefix" % name)
        names[name] = "type"
    for name in re.findall(r"\bWSB_API\b[^;{}]*?\b(\w+)\s*\(", flat):
        if not name.startswith("wsb_"):
            errors.append("header: function %s lacks the wsb_ prefix" % name)
        names[name] = "function"
    return names, errors


def header_version(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    parts = [re.search(r"#\s*define\s+WSB_VERSION_%s\s+(\d+)" % p, text).group(1)
             for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


def check_header(table, header, current):
    errors = []
    for name, kind in sorted(header.items()):
        if name not in table:
            errors.append("%s (%s) is in the header but not in the table; add the line:\n%-40s %-9s %s"
                          % (name, kind, name, kind, current))
            continue
        tkind, intro, _, removed = table[name]
        if tkind != kind:
            errors.append("%s is a %s in the header but listed as %s" % (name, kind, tkind))
        if removed != "-":
            errors.append("%s is listed as removed in %s but is still in the header" % (name, removed))
    for name, (kind, intro, _, removed) in sorted(table.items()):
        if name not in header and removed == "-":
            errors.append("%s (%s) is listed but not in the header; if it was removed on purpose, "
                          "give it a removed version" % (name, kind))
        if VERSION_RE.match(intro) and vtuple(intro) > vtuple(current):
            errors.append("%s is introduced in %s, after the header's version %s" % (name, intro, current))
    return errors


def elf_exports(lib, nm):
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        cols = line.split()
        if len(cols) < 3 or cols[1] == "A":  # "A": the version node itself
            continue
        syms.add(cols[2].split("@")[0])
    return syms


def dll_exports(lib, objdump):
    out = subprocess.run([objdump, "-p", lib], check=True,
                         capture_output=True, text=True).stdout
    syms, inside = set(), False
    for line in out.splitlines():
        if "[Ordinal/Name Pointer] Table" in line:
            inside = True
            continue
        if inside:
            m = re.match(r"\s*\[\s*\d+\]\s+(\S+)", line)
            if not m:
                break
            syms.add(m.group(1))
    if not inside:
        raise SystemExit("no export table found in %s" % lib)
    return syms


def check_exports(table, exported, lib):
    errors = []
    functions = {n for n, (k, _, _, r) in table.items() if k == "function" and r == "-"}
    for name in sorted(exported - functions):
        if not name.startswith("wsb_"):
            errors.append("%s exports %s, which is not wsb_*" % (lib, name))
        else:
            errors.append("%s exports %s, which is not a listed public function" % (lib, name))
    for name in sorted(functions - exported):
        errors.append("%s does not export the public function %s" % (lib, name))
    return errors, len(exported)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("--elf")
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--dll")
    ap.add_argument("--objdump", default="objdump")
    args = ap.parse_args()

    table, errors = read_table(args.table)
    header, herrors = parse_header(args.header)
    errors += herrors
    current = header_version(args.header)
    checked = []
    if args.elf or args.dll:
        for lib, exports in ((args.elf, lambda l: elf_exports(l, args.nm)),
                             (args.dll, lambda l: dll_exports(l, args.objdump))):
            if lib:
                errs, count = check_exports(table, exports(lib), lib)
                errors += errs
                checked.append("%s exports %d functions" % (lib, count))
    else:
        errors += check_header(table, header, current)
        kinds = {}
        for kind in header.values():
            kinds[kind] = kinds.get(kind, 0) + 1
        checked.append("header and table agree on %d names (%s)" % (
            len(header), ", ".join("%d %ss" % (kinds[k], k) for k in KINDS if k in kinds)))
    if errors:
        for e in errors:
            print("FAIL: " + e)
        print("%d problem(s); the table is %s" % (len(errors), args.table))
        return 1
    for c in checked:
        print("ok: " + c)
    return 0


if __name__ == "__main__":
    sys.exit(main())
