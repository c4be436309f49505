#!/usr/bin/env python3
"""Write the seed corpus of fuzz_runmsg (fuzz/corpus/runmsg/): a few valid
runner messages in the layout documented in lib/core/runmsg.c. Run from the
repository root; the seeds are committed, so run it only to change them."""
import os
import struct

MAGIC, VERSION = 0x52425357, 1


def field(tag, data):
    return struct.pack("<II", tag, len(data)) + data


def u16(text):
    return text.encode("utf-16-le") + b"\0\0"


def message(*fields):
    body = b"".join(fields)
    return struct.pack("<III", MAGIC, VERSION, 12 + len(body)) + body


def u32(tag, value):
    return field(tag, struct.pack("<I", value & 0xFFFFFFFF))


SEEDS = {
    "request_sids": message(
        field(1, u16("C:\\Program Files\\Git\\cmd\\git.exe")),
        field(2, u16('git commit -m "caf\u00e9 \U0001F600"')),
        field(3, u16("C:\\work\\repo")),
        field(4, "PATH=C:\\bin\0SYSTEMROOT=C:\\Windows\0".encode("utf-16-le") + b"\0\0"),
        field(5, b"S-1-5-21-1-2-3-1001"),
        field(5, b"S-1-15-3-1024-1065365936"),
        u32(6, 0x3F)),
    "request_no_sids": message(
        u32(6, 0x10),
        field(4, b"\0\0\0\0"),
        field(3, u16("\\\\?\\C:\\w")),
        field(2, u16("x")),
        field(1, u16("C:\\x.exe"))),
    "request_terminal": message(
        field(1, u16("C:\\Windows\\System32\\cmd.exe")),
        field(2, u16("cmd.exe")),
        field(3, u16("C:\\work")),
        field(4, b"\0\0\0\0"),
        u32(6, 0x40 | 0x2 | 0x4 | 0x10),
        field(7, struct.pack("<II", 120, 40))),
    "resize": message(u32(32, 132), u32(33, 43)),
    "reply_started": message(u32(16, 0), u32(17, 0), u32(18, 4242), field(19, b"")),
    "reply_failed": message(u32(16, -22), u32(17, 1326), u32(18, 0),
                            field(19, "LogonUserW: caf\u00e9".encode())),
}

out = os.path.join("fuzz", "corpus", "runmsg")
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
