#!/usr/bin/env python3
"""Writes the `fortunes` domain as normalized JSONL records (DATA.md) from Debian's fortune files.

Source: Debian packages `fortunes` and `fortunes-min` (fortune-mod 1.99.1 data, BSD-3-Clause):
`apt-get install fortunes` puts one file per category in /usr/share/games/fortunes/, entries
separated by lines holding a single `%`. The label is the file's name (law, science, startrek...).

Usage: python3 scripts/import_fortunes.py OUT.jsonl [FORTUNE_DIR]
Standard library only. The same installed files give the same output, byte for byte.

Rules (each stated so that the benchmark does not lie):
- Categories that carry no subject are left out: `fortunes`, `miscellaneous` and `cookie` (grab
  bags), `definitions` (dictionary-style definitions: the definitions benchmark's own task),
  `ascii-art` (pictures), `translate-me` (not English), `ethnic` (jokes about ethnic groups).
  The offensive set (fortunes-off, rot13) is not read.
- Attribution lines give the label away (`-- Kirk, "Catspaw", stardate 3018.2` says startrek,
  `-- Lao Tsu` says tao), so every trailing line that starts with `--` after optional whitespace
  is removed, as are the lines that continue it (indented at least as deep), and so is a final
  `-- Name` of up to 40 characters on the text's last line (`... free. -- Linus Torvalds`).
- Overstrike sequences (`_\\bX`, a 1980s way of underlining) are reduced to the printed letter;
  whitespace is collapsed to single spaces.
- Texts shorter than 20 or longer than 600 characters (after cleaning) are dropped: very short
  ones are too little to classify, very long ones are stories and poems that dwarf the rest.
- A text that occurs in two categories is dropped from both (its label is ambiguous); a text
  repeated within one category is kept once.
- Ids are `fortunes:<category>#<n>`, n counting the entries of the file from 1 (before any
  dropping), so an id names the same entry on every machine with the same package version.
"""
import json
import os
import re
import subprocess
import sys

DEFAULT_DIR = "/usr/share/games/fortunes"
EXCLUDED = {"fortunes", "miscellaneous", "cookie", "definitions", "ascii-art", "translate-me", "ethnic"}
MIN_CHARS = 20
MAX_CHARS = 600
ATTRIBUTION = re.compile(r"^\s*--")
OVERSTRIKE = re.compile(r".\x08")
SPACE = re.compile(r"\s+")
INLINE_ATTRIBUTION = re.compile(r"\s--\s*[A-Z][^.!?\"]{0,40}$")


def package_version():
    """The installed package's version (`1:1.99.1-7.3`), or `unknown` when dpkg cannot tell."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "fortunes"], capture_output=True, text=True, check=False)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def entries(path):
    """The raw entries of one fortune file, in file order."""
    with open(path, "rb") as f:
        raw = f.read().decode("utf-8", errors="replace")
    out, cur = [], []
    for line in raw.split("\n"):
        if line == "%":
            out.append(cur)
            cur = []
        else:
            cur.append(line)
    if any(l.strip() for l in cur):
        out.append(cur)
    return out


def clean(lines):
    """The entry's text without its attribution, overstrikes and line structure."""
    lines = [OVERSTRIKE.sub("", l) for l in lines]
    while lines and not lines[-1].strip():
        lines.pop()
    # Drop every attribution line and the lines that continue it (indented at least as deep).
    kept, depth = [], None
    for l in lines:
        indent = len(l) - len(l.lstrip())
        if ATTRIBUTION.match(l):
            depth = indent
            continue
        if depth is not None and l.strip() and indent >= depth and indent > 0:
            continue
        depth = None
        kept.append(l)
    lines = kept
    return INLINE_ATTRIBUTION.sub("", SPACE.sub(" ", " ".join(lines)).strip()).strip()


def main(argv):
    if len(argv) < 2:
        print("usage: import_fortunes.py OUT.jsonl [FORTUNE_DIR]", file=sys.stderr)
        return 2
    out_path = argv[1]
    root = argv[2] if len(argv) > 2 else DEFAULT_DIR
    if not os.path.isdir(root) or not os.path.isfile(os.path.join(root, "law")):
        print(f"fortunes source missing: {root}/law does not exist; install it with "
              "'apt-get install -y --no-install-recommends fortunes' (Debian) or pass the folder as "
              "the second argument", file=sys.stderr)
        return 3
    source = "fortune-mod fortunes " + package_version()
    categories = sorted(n for n in os.listdir(root)
                        if "." not in n and n not in EXCLUDED and os.path.isfile(os.path.join(root, n)))
    kept = []  # (category, n, text)
    labels_of = {}
    for cat in categories:
        for n, lines in enumerate(entries(os.path.join(root, cat)), start=1):
            text = clean(lines)
            if not MIN_CHARS <= len(text) <= MAX_CHARS:
                continue
            labels_of.setdefault(text, set()).add(cat)
            kept.append((cat, n, text))
    seen = set()
    written = 0
    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        for cat, n, text in kept:
            if len(labels_of[text]) > 1 or text in seen:
                continue
            seen.add(text)
            rec = {"id": f"fortunes:{cat}#{n}", "domain": "fortunes", "label": cat, "text": text,
                   "source": source, "meta": {}}
            f.write(json.dumps(rec, ensure_ascii=False, sort_keys=False) + "\n")
            written += 1
    print(f"fortunes: {written} records from {len(categories)} categories in {root}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
