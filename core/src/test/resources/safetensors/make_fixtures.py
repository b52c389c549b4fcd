#!/usr/bin/env python3
"""Writes the safetensors fixtures used by SafeTensorsReferenceFileTest.

Only the Python standard library and numpy are used; the layout follows the Hugging Face
safetensors format by hand (8-byte little-endian header length, compact JSON header with
__metadata__ first, padded with spaces to 8 bytes, then little-endian C-order data).

Run from this folder:  python3 make_fixtures.py
"""
import json
import math
import struct

import numpy as np


def bf16(values):
    """bfloat16 bits of values that bfloat16 represents exactly (upper half of float32)."""
    f = np.asarray(values, dtype="<f4")
    return (f.view("<u4") >> 16).astype("<u2")


def write(path, tensors, metadata=None, keys=None, pad=True, separators=(",", ":")):
    """tensors: list of (name, dtype code, shape, little-endian numpy array) in data order."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    entries = {}
    data = b""
    for name, code, shape, arr in tensors:
        raw = np.ascontiguousarray(arr).tobytes()
        entries[name] = {"dtype": code, "shape": list(shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    for name in (keys or [t[0] for t in tensors]):
        header[name] = entries[name]
    text = json.dumps(header, separators=separators, ensure_ascii=False).encode("utf-8")
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data)


reference = [
    ("embed.weight", "F32", [2, 3], np.array([1.5, -2.25, 0.1, 3.4028235e38, -0.0, 1e-40], dtype="<f4")),
    ("scale", "F64", [], np.array(math.pi, dtype="<f8")),
    ("ids", "I64", [3], np.array([-2**63, 0, 2**63 - 1], dtype="<i8")),
    ("counts", "I32", [2, 2], np.array([1, -2, 2**31 - 1, -2**31], dtype="<i4")),
    ("half", "F16", [4], np.array([1.0, -0.5, 65504.0, 2.0**-24], dtype="<f2")),
    ("bhalf", "BF16", [3], bf16([1.0, -2.5, 0.15625])),
    ("short", "I16", [2], np.array([-32768, 32767], dtype="<i2")),
    ("tiny", "I8", [3], np.array([-128, 0, 127], dtype="i1")),
    ("bytes", "U8", [3], np.array([0, 128, 255], dtype="u1")),
    ("mask", "BOOL", [2, 2], np.array([True, False, False, True], dtype="?")),
    ("empty", "F32", [0, 4], np.zeros((0, 4), dtype="<f4")),
]
write("reference.safetensors", reference, metadata={"format": "pt", "note": "d\u00e9j\u00e0 vu"})

# Header keys in a different order from the data, default JSON spacing, no padding: readers must accept it.
unordered = [
    ("b", "F32", [2], np.array([0.25, -8.0], dtype="<f4")),
    ("a", "I32", [1], np.array([42], dtype="<i4")),
    ("z", "F64", [0], np.zeros(0, dtype="<f8")),
]
write("unordered.safetensors", unordered, keys=["a", "b", "z"], pad=False, separators=(", ", ": "))
