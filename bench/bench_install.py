#!/usr/bin/env python3
"""Installing a real corpus of wheels: venvsync (cold and warm cache) against pip, in one run.

    bench/bench_install.py [--venvsync build/venvsync] [--python PY] [--corpus DIR] [--runs 5]

The corpus is the wheels tests/fixtures/repack.py rebuilds from PY's installed packages (every
site directory PY reads; pyenv's 3.11.7 by default, else Debian's python3 and its dist-packages),
built once into --corpus when that folder is empty. Times, into a fresh environment each run:
  - venvsync sync, cold: an empty wheel cache (the interpreter-facts cache is kept, as on any
    machine after its first run)
  - venvsync sync, warm: the unpacked wheels are in the cache
  - pip install --no-deps --no-compile --no-index --no-cache-dir <every wheel>
  - cp -al of the environment pip produced: the floor for materialising that tree
and a no-op `venvsync sync` of the installed environment. Prints medians, ratios and each
tool's peak RSS (the child's ru_maxrss).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
import repack  # noqa: E402


def run(argv, env=None, cwd=None):
    """(seconds, peak RSS in KiB) of one run of argv."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{err}")
    return dt, ru.ru_maxrss


def summary(name, samples):
    ts = sorted(s[0] for s in samples)
    rss = max(s[1] for s in samples)
    med = statistics.median(ts)
    print(f"{name:<46} median {med*1000:9.1f} ms   min {ts[0]*1000:9.1f}   peak RSS {rss/1024:7.1f} MiB")
    return med, rss


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
    wheels = sorted(os.path.join(a.corpus, w) for w in os.listdir(a.corpus) if w.endswith(".whl"))
    size = sum(os.path.getsize(w) for w in wheels)
    print(f"corpus: {len(wheels)} wheels, {size/1e6:.1f} MB; interpreter {py}")

    work = tempfile.mkdtemp(prefix="vs-bench-install-", dir=a.dir)
    try:
        pins = []
        for w in wheels:
            name, version = os.path.basename(w).split("-")[:2]
            pins.append(f"{name}=={version}")
        base = dict(os.environ, NO_COLOR="1")
        facts = os.path.join(work, "facts-cache")
        # warm the interpreter facts once; every cold run starts from a copy of just that
        warm_cache = os.path.join(work, "warm-cache")

        def manifest(d):
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "venv.yaml"), "w") as f:
                f.write(f'version: 1\npython: "{py}"\nindex:\n  find-links: ["{a.corpus}"]\n'
                        f"environments:\n  dev:\n    path: env\n    packages:\n")
                for p in pins:
                    f.write(f"      - {p}\n")
            return d

        first = manifest(os.path.join(work, "first"))
        run([vs, "-q", "sync"], env=dict(base, VENVSYNC_CACHE_DIR=warm_cache), cwd=first)
        os.makedirs(facts)
        shutil.copytree(os.path.join(warm_cache, "interpreters"), os.path.join(facts, "interpreters"))

        cold, warm = [], []
        for i in range(a.runs):
            cache = os.path.join(work, f"cold-cache-{i}")
            shutil.copytree(facts, cache)
            cold.append(run([vs, "-q", "sync"], env=dict(base, VENVSYNC_CACHE_DIR=cache),
                            cwd=manifest(os.path.join(work, f"cold{i}"))))
            # kept until the end: deleting ~38k files just before the next run would slow its
            # file creations (an ext4 without a journal skips recently freed inodes one by one)
        for i in range(a.runs):
            warm.append(run([vs, "-q", "sync"], env=dict(base, VENVSYNC_CACHE_DIR=warm_cache),
                            cwd=manifest(os.path.join(work, f"warm{i}"))))
        noop = [run([vs, "-q", "sync"], env=dict(base, VENVSYNC_CACHE_DIR=warm_cache), cwd=first)
                for _ in range(max(10, a.runs))]

        pip = []
        pipenvs = []
        for i in range(a.runs):
            env = os.path.join(work, f"pip{i}")
            subprocess.run([py, "-m", "venv", env], check=True)
            pip.append(run([os.path.join(env, "bin", "python"), "-m", "pip", "install", "-q", "--no-deps",
                            "--no-compile", "--no-index", "--no-cache-dir", "--disable-pip-version-check",
                            *wheels]))
            pipenvs.append(env)
        floor = [run(["cp", "-al", pipenvs[0], os.path.join(work, f"floor{i}")]) for i in range(a.runs)]

        print()
        c, crss = summary("venvsync sync, cold wheel cache", cold)
        w, wrss = summary("venvsync sync, warm wheel cache", warm)
        p, _ = summary("pip install --no-deps --no-compile", pip)
        f, _ = summary("cp -al of pip's environment (floor)", floor)
        n, _ = summary("venvsync sync, no-op on the installed env", noop)
        print()
        print(f"warm / floor            : {w/f:6.2f}x   (target <= 1.3x)")
        print(f"pip / warm              : {p/w:6.1f}x   (target >= 5x)")
        print(f"pip / cold              : {p/c:6.1f}x")
        print(f"peak RSS, venvsync      : {max(crss, wrss)/1024:6.1f} MiB (target <= 32 MiB)")
        print(f"no-op sync, median      : {n*1000:6.2f} ms (target <= 5 ms)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
