#!/usr/bin/env python3
"""Creating an empty environment and a no-op sync, venvsync against uv and its peers, in one run.

    bench/bench_create.py [--venvsync build/venvsync] [--python /usr/bin/python3] [--request 3.11]
                          [--runs 30] [--dir DIR]

Times, on the same interpreter, interleaved round by round (A, B, C, A, B, C...):
  - spawning `true`: the floor of this method (posix_spawn + wait4)
  - venvsync creating an empty environment (`seed: false`: no pip, like the peers' rows below),
    the interpreter named by its path (a one-environment manifest, fresh directory each run)
  - the same with a version request (`python: "3.11"`): interpreters are discovered
  - uv venv --python PATH, and uv venv --python 3.11 (uv from the bench tools, warm cache;
    skipped with the reason when PyPI cannot be reached)
  - python -m venv --without-pip
  - virtualenv --no-seed (pip-installed into the bench tools, else from PATH)
  - with pip: venvsync's default for an environment without packages (pip seeded from the
    interpreter's bundled wheel, offline), `python -m venv` (ensurepip) and `uv venv --seed`
    (skipped when uv cannot fetch pip)
  - a no-op `venvsync sync` of a manifest with five environments
Each run's peak RSS is the child's ru_maxrss. Prints medians, min, max, the spread, peak RSS and
the ratios against the goals: create >= 20x faster than `python -m venv --without-pip`, a no-op
within 2 ms of spawning a process, venvsync's time and memory <= uv's.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchlib as bl  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venvsync", default=os.path.join(HERE, "..", "build", "venvsync"))
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--request", default="3.11", help="the version request of the discovery rows")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--dir", default=None, help="where to create the environments (default: $TMPDIR); "
                    "compare a disk file system with a tmpfs such as /dev/shm")
    a = ap.parse_args()
    vs = os.path.abspath(a.venvsync)
    py = os.path.realpath(a.python)
    work = tempfile.mkdtemp(prefix="vs-bench-", dir=a.dir)
    print(f"machine: {bl.machine()}")
    print(f"file system: {subprocess.run(['stat', '-f', '-c', '%T', work], capture_output=True, text=True).stdout.strip()} ({work})")
    env = dict(os.environ, VENVSYNC_CACHE_DIR=os.path.join(work, "cache"), NO_COLOR="1")
    uv, why = bl.find_uv()
    print(f"uv: {bl.uv_version(uv)}" if uv else f"uv: skipped: {why}")
    uvenv = bl.uv_env(os.path.join(work, "uv-cache"))
    try:
        def manifest(d, python, seed=False):
            os.makedirs(d)
            with open(os.path.join(d, "venv.yaml"), "w") as f:
                f.write(f'version: 1\npython: "{python}"\nenvironments:\n'
                        f'  dev: {{path: env, seed: {"true" if seed else "false"}}}\n')

        # warm the interpreter-facts caches, as every run after the first has them
        for tag, python in (("path", py), ("req", a.request)):
            manifest(os.path.join(work, f"warm-{tag}"), python)
            subprocess.run([vs, "-q", "sync"], cwd=os.path.join(work, f"warm-{tag}"), env=env, check=True)
        uv_seed = False
        if uv:
            for tag, python in (("path", py), ("req", a.request)):
                subprocess.run([uv, "venv", "-q", "-p", python, os.path.join(work, f"uvwarm-{tag}")],
                               env=uvenv, check=True)
            uv_seed = subprocess.run([uv, "venv", "-q", "--seed", "-p", py,
                                      os.path.join(work, "uvwarm-seed")], env=uvenv,
                                     capture_output=True).returncode == 0
            if not uv_seed:
                print("uv venv --seed: skipped (uv could not fetch pip)")

        # five environments, synced once, then timed as no-ops
        five = os.path.join(work, "five")
        os.makedirs(five)
        with open(os.path.join(five, "venv.yaml"), "w") as f:
            f.write(f'version: 1\npython: "{py}"\nenvironments:\n')
            for n in ("dev", "test", "docs", "lint", "bench"):
                f.write(f"  {n}: {{prompt: {n}, seed: false}}\n")
        subprocess.run([vs, "-q", "sync"], cwd=five, env=env, check=True)

        W = lambda *p: os.path.join(work, *p)  # noqa: E731
        cmds = [("spawn `true` (floor of this method)", lambda i: (["true"], None, None), None),
                ("venvsync sync (create, python: PATH)",
                 lambda i: ([vs, "-q", "-f", W(f"p{i}", "venv.yaml"), "sync"], env, None),
                 lambda i: manifest(W(f"p{i}"), py)),
                (f"venvsync sync (create, python: \"{a.request}\")",
                 lambda i: ([vs, "-q", "-f", W(f"r{i}", "venv.yaml"), "sync"], env, None),
                 lambda i: manifest(W(f"r{i}"), a.request))]
        if uv:
            cmds += [("uv venv -p PATH", lambda i: ([uv, "venv", "-q", "-p", py, W(f"u{i}")], uvenv, None), None),
                     (f"uv venv -p {a.request}",
                      lambda i: ([uv, "venv", "-q", "-p", a.request, W(f"ur{i}")], uvenv, None), None)]
        cmds.append(("python -m venv --without-pip",
                     lambda i: ([py, "-m", "venv", "--without-pip", W(f"v{i}")], None, None), None))
        ve = bl.find_virtualenv()
        if ve:
            cmds.append(("virtualenv --no-seed",
                         lambda i: ([ve, "--no-seed", "-q", "-p", py, W(f"ve{i}")], None, None), None))
        cmds.append(("venvsync sync (create + pip)",
                     lambda i: ([vs, "-q", "-f", W(f"s{i}", "venv.yaml"), "sync"], env, None),
                     lambda i: manifest(W(f"s{i}"), py, seed=True)))
        cmds.append(("python -m venv (with pip)",
                     lambda i: ([py, "-m", "venv", W(f"vp{i}")], None, None), None))
        if uv_seed:
            cmds.append(("uv venv --seed -p PATH",
                         lambda i: ([uv, "venv", "-q", "--seed", "-p", py, W(f"us{i}")], uvenv, None),
                         None))
        cmds.append(("venvsync sync, no-op, 5 environments", lambda i: ([vs, "-q", "sync"], env, five), None))

        res = bl.rounds(cmds, a.runs)
        st = {k: bl.stats(v) for k, v in res.items()}
        print(f"\n{a.runs} rounds, commands interleaved:")
        for k, s in st.items():
            print(bl.line(k, s))
        true_ = st["spawn `true` (floor of this method)"]
        create = st["venvsync sync (create, python: PATH)"]
        createq = st[f"venvsync sync (create, python: \"{a.request}\")"]
        noop = st["venvsync sync, no-op, 5 environments"]
        print("\nratios (time: first / second, > 1 = the second is faster):")
        print(bl.ratio_line("python -m venv --without-pip / venvsync create", st["python -m venv --without-pip"],
                            create, "(goal >= 20x)"))
        if ve:
            print(bl.ratio_line("virtualenv --no-seed / venvsync create", st["virtualenv --no-seed"], create))
        if uv:
            print(bl.ratio_line("uv venv -p PATH / venvsync create (PATH)", st["uv venv -p PATH"], create,
                                "(goal >= 1x)"))
            print(bl.ratio_line(f"uv venv -p {a.request} / venvsync create (\"{a.request}\")",
                                st[f"uv venv -p {a.request}"], createq, "(goal >= 1x)"))
        else:
            print(f"  uv: skipped ({why})")
        seeded = st["venvsync sync (create + pip)"]
        print(bl.ratio_line("python -m venv / venvsync create + pip", st["python -m venv (with pip)"],
                            seeded))
        if uv_seed:
            print(bl.ratio_line("uv venv --seed / venvsync create + pip", st["uv venv --seed -p PATH"],
                                seeded, "(goal >= 1x)"))
        print(f"  venvsync create - spawn `true`          : {(create['median'] - true_['median'])*1000:6.2f} ms")
        print(f"  venvsync no-op (5 envs) - spawn `true`  : {(noop['median'] - true_['median'])*1000:6.2f} ms"
              f" (goal <= 2 ms)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
