#!/usr/bin/env python3
"""Checks that every #include in src/ points down the stage order of docs/architecture.md.

A module (a directory under src/) may include itself and the modules before it in LAYERS; main.c
may include anything. Prints each violation as FILE:LINE and exits 1 when there is one.
Usage: scripts/check-layers.py [SRC_DIR]
"""
import os
import re
import sys

# Bottom first. A module may include only modules at its own index or lower; modules that share
# an index (a tuple) may not include each other.
LAYERS = [
    "util",
    "config",
    "pkg",
    "python",
    "manifest",
    "resolve",
    "wheel",
    "index",
    "venv",
    "shell",
    "toolchain",
    "build",
    "lock",
    "plan",
    "fetch",
    "apply",
    "engine",
    "output",
    "cmd",
]
RANK = {m: i for i, m in enumerate(LAYERS)}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"')


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
    bad = 0
    for top, _dirs, files in os.walk(src):
        rel = os.path.relpath(top, src)
        module = rel.split(os.sep)[0]
        if rel == ".":
            continue  # main.c wires everything
        if module not in RANK:
            print(f"src/{rel}: module '{module}' is not in the layer order (scripts/check-layers.py)")
            bad += 1
            continue
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(top, name)
            with open(path, encoding="utf-8") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = m.group(1)
                    if target not in RANK:
                        print(f"src/{rel}/{name}:{lineno}: includes unknown module '{target}'")
                        bad += 1
                    elif RANK[target] > RANK[module]:
                        print(f"src/{rel}/{name}:{lineno}: {module} includes {target}, "
                              f"a later stage ({line.strip()})")
                        bad += 1
    if bad:
        print(f"{bad} include(s) against the stage order")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
