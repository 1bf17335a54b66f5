#!/usr/bin/env python3
"""Installing a real corpus of wheels from a folder: venvsync against uv and pip, in one run.

    bench/bench_install.py [--venvsync build/venvsync] [--python PY] [--corpus DIR] [--runs 5]
                           [--dir DIR]

The corpus is the wheels tests/fixtures/repack.py rebuilds from PY's installed packages (every
site directory PY reads; pyenv's 3.11.7 by default, else Debian's python3 and its dist-packages),
built once into --corpus when that folder is empty. Every wheel is pinned (name==version).
Times, into a fresh environment each run, the commands interleaved round by round:
  - venvsync sync, cold: an empty wheel cache (the interpreter-facts cache is kept, as on any
    machine after its first run); the environment is created by the same command
  - uv pip install --no-deps --offline --find-links CORPUS, cold: an empty uv cache, into an
    environment `uv venv` made before the clock starts
  - venvsync sync, warm: the unpacked wheels are in the cache (a fresh lock beside the manifest)
  - uv pip install ... , warm: the wheels are in uv's cache
  - pip install --no-deps --no-compile --no-index --no-cache-dir <every wheel>
  - cp -al of the environment pip produced: the floor for materialising that tree
  - the no-op: `venvsync sync` of the installed environment (fresh lock) and `uv pip sync
    --offline` of the same pins into its installed environment
Each row's peak RSS is the child's ru_maxrss. uv comes from the bench tools (benchlib.py) and is
skipped with the reason when PyPI cannot be reached.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
sys.path.insert(0, HERE)
import benchlib as bl  # noqa: E402
import repack  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venvsync", default=os.path.join(HERE, "..", "build", "venvsync"))
    ap.add_argument("--python", default=os.path.expanduser("~/.pyenv/versions/3.11.7/bin/python3.11"))
    ap.add_argument("--corpus", default=os.path.join(tempfile.gettempdir(), "venvsync-corpus"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default=None, help="where environments are written (default $TMPDIR)")
    a = ap.parse_args()
    vs = os.path.abspath(a.venvsync)
    py = a.python if os.path.exists(a.python) else "/usr/bin/python3"
    if not os.path.isdir(a.corpus) or not os.listdir(a.corpus):
        sites = repack.interpreter_sites(py)
        print(f"building the corpus from {' '.join(sites)} ...", flush=True)
        repack.build(sites, a.corpus)
    corpus = os.path.abspath(a.corpus)
    wheels = sorted(os.path.join(corpus, w) for w in os.listdir(corpus) if w.endswith(".whl"))
    size = sum(os.path.getsize(w) for w in wheels)
    print(f"machine: {bl.machine()}")
    print(f"corpus: {len(wheels)} wheels, {size/1e6:.1f} MB; interpreter {py}")
    uv, why = bl.find_uv()
    print(f"uv: {bl.uv_version(uv)}" if uv else f"uv: skipped: {why}")

    work = tempfile.mkdtemp(prefix="vs-bench-install-", dir=a.dir)
    W = lambda *p: os.path.join(work, *p)  # noqa: E731
    try:
        pins = []
        for w in wheels:
            name, version = os.path.basename(w).split("-")[:2]
            pins.append(f"{name}=={version}")
        with open(W("requirements.txt"), "w") as f:
            f.write("\n".join(pins) + "\n")
        base = dict(os.environ, NO_COLOR="1")
        facts = W("facts-cache")
        warm_cache = W("warm-cache")

        def manifest(d):
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "venv.yaml"), "w") as f:
                f.write(f'version: 1\npython: "{py}"\nindex:\n  find-links: ["{corpus}"]\n'
                        f"environments:\n  dev:\n    path: env\n    packages:\n")
                for p in pins:
                    f.write(f"      - {p}\n")
            lock = W("first", "pylock.dev.toml")
            if os.path.exists(lock) and d != W("first"):
                shutil.copy(lock, d)      # a fresh lock: sync installs, it does not resolve
            return d

        first = manifest(W("first"))
        bl.run([vs, "-q", "sync"], env=dict(base, VENVSYNC_CACHE_DIR=warm_cache), cwd=first)
        fresh_lock = os.path.exists(W("first", "pylock.dev.toml"))
        os.makedirs(facts)
        shutil.copytree(os.path.join(warm_cache, "interpreters"), os.path.join(facts, "interpreters"))

        uv_warm = W("uv-warm-cache")
        uv_args = ["pip", "install", "-q", "--no-deps", "--offline", "--find-links", corpus, *pins]
        if uv:
            subprocess.run([uv, "venv", "-q", "-p", py, W("uvfirst")], env=bl.uv_env(uv_warm), check=True)
            bl.run([uv, *uv_args, "-p", W("uvfirst", "bin", "python")], env=bl.uv_env(uv_warm))

        def vs_cold(i):
            return [vs, "-q", "sync"], dict(base, VENVSYNC_CACHE_DIR=W(f"cold-cache-{i}")), manifest(W(f"cold{i}"))

        def vs_cold_setup(i):
            shutil.copytree(facts, W(f"cold-cache-{i}"))
            # kept until the end: deleting ~38k files just before the next run would slow its
            # file creations (an ext4 without a journal skips recently freed inodes one by one)

        def uv_target(name, cache):
            def setup(i):
                subprocess.run([uv, "venv", "-q", "-p", py, W(f"{name}{i}")], env=bl.uv_env(cache(i)),
                               check=True)
            return setup

        def pip_setup(i):
            subprocess.run([py, "-m", "venv", W(f"pip{i}")], check=True)

        cmds = [("venvsync sync, cold cache", vs_cold, vs_cold_setup)]
        if uv:
            cmds.append(("uv pip install --offline, cold cache",
                         lambda i: ([uv, *uv_args, "-p", W(f"uvc{i}", "bin", "python")],
                                    bl.uv_env(W(f"uv-cold-cache-{i}")), None),
                         uv_target("uvc", lambda i: W(f"uv-cold-cache-{i}"))))
        cmds.append(("venvsync sync, warm cache",
                     lambda i: ([vs, "-q", "sync"], dict(base, VENVSYNC_CACHE_DIR=warm_cache),
                                manifest(W(f"warm{i}"))), None))
        if uv:
            cmds.append(("uv pip install --offline, warm cache",
                         lambda i: ([uv, *uv_args, "-p", W(f"uvw{i}", "bin", "python")],
                                    bl.uv_env(uv_warm), None),
                         uv_target("uvw", lambda i: uv_warm)))
        cmds.append(("pip install --no-deps --no-compile",
                     lambda i: ([W(f"pip{i}", "bin", "python"), "-m", "pip", "install", "-q", "--no-deps",
                                 "--no-compile", "--no-index", "--no-cache-dir",
                                 "--disable-pip-version-check", *wheels], None, None), pip_setup))
        cmds.append(("cp -al of pip's environment (floor)",
                     lambda i: (["cp", "-al", W("pip0"), W(f"floor{i}")], None, None), None))
        cmds.append(("venvsync sync, no-op (fresh lock)" if fresh_lock else "venvsync sync, no-op",
                     lambda i: ([vs, "-q", "sync"], dict(base, VENVSYNC_CACHE_DIR=warm_cache), first), None))
        if uv:
            cmds.append(("uv pip sync --offline, no-op",
                         lambda i: ([uv, "pip", "sync", "-q", "--offline", "--find-links", corpus,
                                     "-p", W("uvfirst", "bin", "python"), W("requirements.txt")],
                                    bl.uv_env(uv_warm), None), None))
        cmds.append(("spawn `true`", lambda i: (["true"], None, None), None))

        res = bl.rounds(cmds, a.runs, progress=lambda i, out: print(f"round {i + 1}/{a.runs} done", flush=True))
        st = {k: bl.stats(v) for k, v in res.items()}
        print(f"\n{a.runs} rounds, commands interleaved:")
        for k, s in st.items():
            print(bl.line(k, s))
        g = lambda prefix: next(v for k, v in st.items() if k.startswith(prefix))  # noqa: E731
        print("\nratios (time, memory: first / second, > 1 = the second is better):")
        print(bl.ratio_line("warm venvsync / cp -al floor", g("venvsync sync, warm"), g("cp -al")))
        print(bl.ratio_line("pip / venvsync warm", g("pip install"), g("venvsync sync, warm")))
        print(bl.ratio_line("pip / venvsync cold", g("pip install"), g("venvsync sync, cold")))
        if uv:
            print(bl.ratio_line("uv cold / venvsync cold", g("uv pip install --offline, cold"),
                                g("venvsync sync, cold"), "(goal >= 1x)"))
            print(bl.ratio_line("uv warm / venvsync warm", g("uv pip install --offline, warm"),
                                g("venvsync sync, warm"), "(goal >= 1x)"))
            print(bl.ratio_line("uv pip sync no-op / venvsync no-op", g("uv pip sync"),
                                g("venvsync sync, no-op"), "(goal >= 1x)"))
        else:
            print(f"  uv: skipped ({why})")
        n, t = g("venvsync sync, no-op"), g("spawn `true`")
        print(f"  venvsync no-op - spawn `true`: {(n['median'] - t['median'])*1000:6.2f} ms (goal <= 2 ms)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
