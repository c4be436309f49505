#!/usr/bin/env python3
"""Write the seed corpus of fuzz_initdwire (fuzz/corpus/initdwire/): a few
init server request payloads in the order visit() in lib/linux/initd.c
writes them, for a 64-bit little-endian Linux (the structures' padding as
gcc and clang lay them out there). Run from the repository root; the seeds
are committed, so run it only to change them."""
import os
import struct


def count(n):
    return struct.pack("<Q", n)


def string(text):
    if text is None:
        return count(0)
    data = text.encode() + b"\0"
    return count(len(data)) + data


def strings(items):
    return count(len(items)) + b"".join(string(t) for t in items)


def payload(mounts=(), rules=(), seccomp=0, argv=("/bin/true",), envp=("PATH=/usr/bin",)):
    out = struct.pack("<7i", 1, 1, 1, 1, 1, 0, 0)       # use_*ns, net_off, subreaper, relay
    out += b"1000 1000 1".ljust(48, b"\0") + b"1000 1000 1".ljust(48, b"\0")
    out += struct.pack("<Q", 0)                          # timeout_ms
    out += count(len(mounts))
    for kind, target, lost in mounts:
        out += struct.pack("<i", kind) + string(target) + struct.pack("<I", lost)
    out += struct.pack("<I", 0)                          # allow_lost
    out += count(1) + struct.pack("<i4xQQ", 7, 1024, 1024) + bytes(24 * 3)  # rlimits[4]
    out += struct.pack("<iQQQQ", 3, 0x1fff, 0, 0, 0)     # Landlock abi, handled, scopes
    out += count(len(rules))
    for path, access in rules:
        out += string(path) + struct.pack("<Q", access)
    out += count(seccomp) + bytes(8 * seccomp)
    out += string(argv[0]) + strings(argv) + strings(envp) + string("/") + struct.pack("<i", 0)
    out += struct.pack("<I4x", 0o22) + bytes(16 * 16) + bytes(128)  # umask, rlimits, mask
    return out


SEEDS = {
    "plain": payload(),
    "mounts_rules": payload(mounts=((1, "/tmp", 0), (5, "/home/u/.ssh", 2)),
                            rules=(("/", 0x1), ("/home/u/work", 0x1fff)), seccomp=3,
                            argv=("/bin/sh", "-c", "echo hi"), envp=("A=1", "B=2")),
}

here = os.path.join("fuzz", "corpus", "initdwire")
os.makedirs(here, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
