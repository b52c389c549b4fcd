#!/usr/bin/env python3
"""Print the tensors of a safetensors file (adapter.safetensors, memory.safetensors).

Needs only the Python standard library and numpy. For each tensor prints its name, dtype,
shape and the sum of its elements, then the __metadata__ entries. Checks the same rules as
Metamorph's reader (header size, JSON object, known dtypes, offsets matching shapes, no gaps
or overlaps) and exits with status 1 and a message if the file breaks one.

    python3 scripts/read_safetensors.py outputs/.../adapter.safetensors [--values]
"""
import argparse
import json
import struct
import sys

import numpy as np

DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4",
    "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?",
}
MAX_HEADER = 100_000_000


def fail(path, message):
    sys.exit(f"{path}: invalid safetensors file: {message}")


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"duplicate keys {duplicates}")
    return dict(pairs)


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        fail(path, f"truncated: {len(blob)} bytes, fewer than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER:
        fail(path, f"header too big: {n} bytes")
    if n > len(blob) - 8:
        fail(path, f"truncated: header length {n} but only {len(blob) - 8} bytes follow")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, ValueError) as e:
        fail(path, f"header is not valid UTF-8 JSON: {e}")
    if not isinstance(header, dict):
        fail(path, "header is not a JSON object")
    data = memoryview(blob)[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        if not name:
            fail(path, "empty tensor name")
        code = info.get("dtype")
        if code not in DTYPES:
            fail(path, f"tensor {name!r}: unknown dtype {code!r}")
        shape = tuple(info["shape"])
        begin, end = info["data_offsets"]
        if not 0 <= begin <= end <= len(data):
            fail(path, f"tensor {name!r}: data_offsets {[begin, end]} out of range (buffer {len(data)} bytes)")
        dtype = np.dtype(DTYPES[code])
        count = int(np.prod(shape, dtype=np.int64))
        if end - begin != count * dtype.itemsize:
            fail(path, f"tensor {name!r}: size mismatch, {end - begin} bytes for shape {list(shape)} of {code}")
        array = np.frombuffer(data[begin:end], dtype=dtype, count=count).reshape(shape)
        if code == "BF16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = (code, shape, begin, end, array)
    position = 0
    for name, (_, _, begin, end, _) in sorted(tensors.items(), key=lambda t: (t[1][2], t[1][3])):
        if begin != position:
            fail(path, f"tensor {name!r}: {'overlap' if begin < position else 'gap'} at byte {min(begin, position)}")
        position = end
    if position != len(data):
        fail(path, f"gap: {len(data) - position} bytes after the last tensor")
    return tensors, metadata


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--values", action="store_true", help="also print every tensor's values")
    args = parser.parse_args()
    tensors, metadata = read(args.file)
    width = max([len(n) for n in tensors] + [4])
    print(f"{'name':<{width}}  dtype  shape            sum")
    for name, (code, shape, _, _, array) in tensors.items():
        total = float(array.astype(np.float64).sum()) if array.size else 0.0
        print(f"{name:<{width}}  {code:<5}  {str(list(shape)):<15}  {total!r}")
        if args.values:
            print(np.array2string(array, threshold=sys.maxsize))
    for key, value in metadata.items():
        print(f"__metadata__ {key} = {value}")


if __name__ == "__main__":
    main()
