#!/usr/bin/env python3
"""Print the tensors of a safetensors file (adapter.safetensors, memory.safetensors).

Needs only the Python standard library (numpy, when installed, for read() as a module). For each tensor prints its name, dtype, shape and the sum
of its elements, then the __metadata__ entries. Checks the same rules as Metamorph's reader
(core/io/SafeTensors*): an 8-byte length, a header of at most 100,000,000 bytes of UTF-8 JSON
holding one object (no key twice, no NaN or Infinity, nothing after it but spaces), every tensor
an object with a known dtype, a shape of non-negative integers and two non-negative integer
data_offsets in order and in range, sizes matching shapes, the tensors tiling the data buffer
with no gap or overlap, and __metadata__ an object of strings. A file that breaks one exits with
status 1 and one line naming the file, the tensor and the rule; never a traceback.

    python3 scripts/read_safetensors.py outputs/.../adapter.safetensors [--values]
"""
import argparse
import json
import mmap
import struct
import sys

# code -> (struct format of one element, bytes per element)
DTYPES = {
    "F64": ("d", 8), "F32": ("f", 4), "F16": ("e", 2), "BF16": ("H", 2), "I64": ("q", 8), "I32": ("i", 4),
    "I16": ("h", 2), "I8": ("b", 1), "U8": ("B", 1), "BOOL": ("?", 1),
}
MAX_HEADER = 100_000_000
MAX_LONG = 2**63 - 1
METADATA = "__metadata__"


class FormatError(Exception):
    """A rule of the format that the file breaks."""

    def __init__(self, message, tensor=None):
        super().__init__(message)
        self.tensor = tensor


def no_duplicates(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise FormatError(f"the header has a duplicate key {key!r} (tensor names must be unique)")
        seen.add(key)
    return dict(pairs)


def no_constants(name):
    raise FormatError(f"the header is not valid JSON: {name} is not a JSON number")


def integers(tensor, info, field, length=None):
    value = info.get(field)
    if not isinstance(value, list):
        raise FormatError(f'"{field}" is missing or not an array', tensor)
    if length is not None and len(value) != length:
        raise FormatError(f'"{field}" must have {length} numbers, found {json.dumps(value)}', tensor)
    for v in value:
        # bool is an int in Python but not a number in JSON; floats such as 1.0 are not integers either
        if isinstance(v, bool) or not isinstance(v, int) or v < 0 or v > MAX_LONG:
            raise FormatError(f'"{field}" must hold non-negative integers, found {json.dumps(value)}', tensor)
    return value


def parse_header(raw, buffer_length):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(f"the {len(raw)}-byte header is not valid UTF-8 ({e.reason} at byte {e.start})")
    try:
        header = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except json.JSONDecodeError as e:
        raise FormatError(f"the header is not valid JSON at header line {e.lineno} column {e.colno}: {e.msg}")
    except RecursionError:
        raise FormatError("the header is not valid JSON: it nests too deeply")
    if not isinstance(header, dict):
        found = "nothing" if header is None else type(header).__name__.replace("str", "string").replace("list", "array")
        raise FormatError(f"the header must be a JSON object, found {found}")
    metadata = {}
    tensors = []
    for name, info in header.items():
        if name == METADATA:
            if not isinstance(info, dict):
                raise FormatError(f'"{METADATA}" must be an object of strings')
            for key, value in info.items():
                if not isinstance(value, str):
                    raise FormatError(f'"{METADATA}" value for key {key!r} must be a string, found {json.dumps(value)}')
            metadata = info
            continue
        if not name:
            raise FormatError("tensor names must be non-empty", name)
        if not isinstance(info, dict):
            raise FormatError(f"the entry must be an object with dtype, shape and data_offsets, found {json.dumps(info)[:80]}", name)
        code = info.get("dtype")
        if not isinstance(code, str):
            raise FormatError('"dtype" is missing or not a string', name)
        if code not in DTYPES:
            raise FormatError(f'unknown dtype "{code}" (known: {", ".join(DTYPES)})', name)
        shape = integers(name, info, "shape")
        begin, end = integers(name, info, "data_offsets", 2)
        if begin > end:
            raise FormatError(f"data_offsets {[begin, end]} begin after they end", name)
        if end > buffer_length:
            raise FormatError(f"data_offsets {[begin, end]} are out of range: the data buffer after the header holds only "
                              f"{buffer_length} bytes (file truncated?)", name)
        count = 1
        for d in shape:
            count *= d
        expected = count * DTYPES[code][1]
        if expected > MAX_LONG:
            raise FormatError(f"shape {shape} has more elements than a file can hold", name)
        if expected != end - begin:
            raise FormatError(f"size mismatch: data_offsets {[begin, end]} span {end - begin} bytes but shape {shape} of {code} "
                              f"needs {count} x {DTYPES[code][1]} = {expected} bytes", name)
        tensors.append((name, code, shape, begin, end, count))
    position, previous = 0, None
    for t in sorted(tensors, key=lambda t: (t[3], t[4])):
        name, _, _, begin, end, _ = t
        if begin < position:
            raise FormatError(f"overlap: its data_offsets [{begin}, {end}] overlap tensor {previous[0]!r} at "
                              f"[{previous[3]}, {previous[4]}]", name)
        if begin > position:
            raise FormatError(f"gap: {begin - position} bytes at [{position}, {begin}) of the data buffer belong to no tensor", name)
        position, previous = end, t
    if position != buffer_length:
        raise FormatError(f"gap: the tensors cover {position} bytes of the data buffer but it holds {buffer_length} bytes; "
                          f"the last {buffer_length - position} bytes belong to no tensor")
    return tensors, metadata


def values(data, code, begin, count):
    fmt, _ = DTYPES[code]
    if count == 0:
        return []
    raw = struct.unpack_from(f"<{count}{fmt}", data, begin)
    if code == "BF16":
        return [struct.unpack("<f", struct.pack("<I", v << 16))[0] for v in raw]
    return [float(v) for v in raw]


def read_header(f):
    """Checks an open file; returns (tensors, metadata, data start). Raises FormatError for a broken file."""
    f.seek(0, 2)
    size = f.tell()
    f.seek(0)
    if size < 8:
        raise FormatError(f"truncated: the file has {size} bytes, fewer than the 8-byte header length")
    (n,) = struct.unpack("<Q", f.read(8))
    if n > MAX_HEADER:
        raise FormatError(f"header too big: its length field says {n} bytes, more than the {MAX_HEADER} allowed")
    if n > size - 8:
        raise FormatError(f"truncated: the header length field says {n} bytes but only {size - 8} bytes follow")
    tensors, metadata = parse_header(f.read(n), size - 8 - n)
    return tensors, metadata, 8 + n


def read(path):
    """For use as a module: {name: (dtype, shape, begin, end, values)}, metadata. values is a numpy
    array of the tensor's shape when numpy is installed (BF16 widened to float32), else a flat list of
    floats. Raises FormatError for a broken file and OSError for an unreadable one."""
    try:
        import numpy as np
    except ImportError:
        np = None
    with open(path, "rb") as f:
        tensors, metadata, start = read_header(f)
        f.seek(start)
        data = f.read()
    out = {}
    for name, code, shape, begin, end, count in tensors:
        if np is None:
            out[name] = (code, tuple(shape), begin, end, values(data, code, begin, count))
            continue
        numpy_type = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
                      "I8": "i1", "U8": "u1", "BOOL": "?"}[code]
        array = np.frombuffer(data[begin:end], dtype=np.dtype(numpy_type), count=count).reshape(shape)
        if code == "BF16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        out[name] = (code, tuple(shape), begin, end, array)
    return out, metadata


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--values", action="store_true", help="also print every tensor's values")
    args = parser.parse_args()
    try:
        with open(args.file, "rb") as f:
            tensors, metadata, start = read_header(f)
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if start < f.seek(0, 2) else b""
            width = max([len(t[0]) for t in tensors] + [4])
            print(f"{'name':<{width}}  dtype  shape            sum")
            for name, code, shape, begin, _, count in tensors:
                elements = values(data, code, start + begin, count)
                print(f"{name:<{width}}  {code:<5}  {str(shape):<15}  {sum(elements)!r}")
                if args.values:
                    print(elements)
            for key, value in metadata.items():
                print(f"{METADATA} {key} = {value}")
    except FormatError as e:
        where = f" tensor {e.tensor!r}:" if e.tensor is not None else ""
        sys.exit(f"{args.file}: invalid safetensors file:{where} {e}")
    except OSError as e:
        sys.exit(f"{args.file}: cannot read: {e.strerror or e}")
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(1)


if __name__ == "__main__":
    main()
