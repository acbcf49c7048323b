# SPDX-License-Identifier: GPL-2.0
"""Seeds for fuzz_py_frames: a CPython 3.11 interpreter laid out as
tests/unit/test_py.c lays it out (a thread of two frames, a location table
compiled by CPython 3.11.7), and variants. Usage: seed_py_frames.py DIR"""
import os
import struct
import sys

TABLE = bytes.fromhex(
    "8000d8080988418905804 1d80708883182758075d80c21d00c219d05986199089c08"
    "d00c21d10c21d40c218801d80f108808d80b0f8834".replace(" ", ""))


def seg(addr, fields, size=256):
    b = bytearray(size)
    for off, fmt, val in fields:
        struct.pack_into(fmt, b, off, val)
    return struct.pack("<QI", addr, size) + bytes(b)


def ascii_str(addr, text):
    b = bytearray(48) + text.encode()
    struct.pack_into("<Q", b, 16, len(text))
    struct.pack_into("<I", b, 32, 0x20 | 0x40 | 1 << 2)
    return struct.pack("<QI", addr, len(b)) + bytes(b)


def interp(tid=200, entry=1, prev=0):
    t = bytearray(32) + TABLE
    struct.pack_into("<Q", t, 16, len(TABLE))
    return (struct.pack("<QII", 0x10000, tid, 0) +
            seg(0x10000, [(40, "<Q", 0x11000)]) +
            seg(0x11000, [(16, "<Q", 0x12000)]) +
            seg(0x12000, [(8, "<Q", 0x13000), (160, "<Q", 100)]) +
            seg(0x13000, [(56, "<Q", 0x14000), (160, "<Q", 200)], 176) +
            seg(0x14000, [(8, "<Q", 0x15000)], 16) +
            seg(0x15000, [(32, "<Q", 0x17000), (48, "<Q", 0x16000),
                          (56, "<Q", 0x17000 + 184 + 26)], 72) +
            seg(0x16000, [(32, "<Q", 0x18000), (48, "<Q", prev),
                          (56, "<Q", 0x18000 + 182), (68, "<B", entry)], 72) +
            seg(0x17000, [(72, "<i", 2), (112, "<Q", 0x20000), (128, "<Q", 0x21000),
                          (136, "<Q", 0x19000)], 192) +
            seg(0x18000, [(72, "<i", 40), (112, "<Q", 0x20000), (128, "<Q", 0x22000),
                          (136, "<Q", 0x19000)], 192) +
            struct.pack("<QI", 0x19000, len(t)) + bytes(t) +
            ascii_str(0x20000, "/srv/app/jobs.py") + ascii_str(0x21000, "f") +
            ascii_str(0x22000, "worker"))


os.makedirs(sys.argv[1], exist_ok=True)
for name, data in [("thread", interp()), ("other-thread", interp(tid=100)),
                   ("frame-loop", interp(prev=0x15000)), ("no-thread", interp(tid=7))]:
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(data)
