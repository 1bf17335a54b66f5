#!/usr/bin/env python3
"""Creating an empty environment and a no-op sync, venvsync against its peers, in one run.

    bench/bench_create.py [--venvsync build/venvsync] [--python /usr/bin/python3] [--runs 30]

Times, on the same interpreter:
  - venvsync creating an empty environment (a one-environment manifest, fresh directory each run)
  - python -m venv --without-pip
  - virtualenv --no-seed (when installed)
  - a no-op `venvsync sync` of a manifest with five environments
Each command is started with posix_spawn and timed around waitpid; the cost of spawning `true`
is measured the same way and reported, so the figures can be read against it. Prints medians,
the spread, and the ratios.
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


def spawn_time(argv, env=None, cwd=None):
    """Wall time of one run of argv, in seconds."""
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        t0 = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, env or os.environ,
                              file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                            (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status = os.waitpid(pid, 0)
        dt = time.perf_counter() - t0
        os.close(devnull)
    finally:
        os.chdir(old)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(argv)}")
    return dt


def measure(name, runs, make_argv, env=None, cwd=None, setup=None):
    times = []
    for i in range(runs):
        if setup:
            setup(i)
        times.append(spawn_time(make_argv(i), env=env, cwd=cwd))
    times.sort()
    return {"name": name, "median": statistics.median(times), "min": times[0],
            "p90": times[int(len(times) * 0.9) - 1] if len(times) > 1 else times[0]}


def fmt(r):
    return f"{r['name']:<44} median {r['median']*1000:8.2f} ms   min {r['min']*1000:8.2f}   p90 {r['p90']*1000:8.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venvsync", default=os.path.join(HERE, "..", "build", "venvsync"))
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--dir", default=None, help="where to create the environments (default: $TMPDIR); "
                    "compare a disk file system with a tmpfs such as /dev/shm")
    a = ap.parse_args()
    vs = os.path.abspath(a.venvsync)
    py = os.path.realpath(a.python)
    work = tempfile.mkdtemp(prefix="vs-bench-", dir=a.dir)
    print(f"file system: {subprocess.run(['stat', '-f', '-c', '%T', work], capture_output=True, text=True).stdout.strip()} ({work})")
    env = dict(os.environ, VENVSYNC_CACHE_DIR=os.path.join(work, "cache"), NO_COLOR="1")
    try:
        # one manifest per run so each creation starts from nothing
        def vs_setup(i):
            d = os.path.join(work, f"p{i}")
            os.makedirs(d)
            with open(os.path.join(d, "venv.yaml"), "w") as f:
                f.write(f'version: 1\npython: "{py}"\nenvironments:\n  dev: {{path: env}}\n')

        # warm the interpreter-facts cache, as every run after the first has it
        vs_setup("warm")
        subprocess.run([vs, "-q", "sync"], cwd=os.path.join(work, "pwarm"), env=env, check=True)

        results = [measure("spawn `true` (floor of this method)", a.runs, lambda i: ["true"])]
        results.append(measure("venvsync sync (create empty env)", a.runs,
                               lambda i: [vs, "-q", "-f", os.path.join(work, f"p{i}", "venv.yaml"), "sync"],
                               env=env, setup=vs_setup))
        results.append(measure("python -m venv --without-pip", max(5, a.runs // 3),
                               lambda i: [py, "-m", "venv", "--without-pip", os.path.join(work, f"v{i}")]))
        venv_r = results[-1]
        ve = shutil.which("virtualenv")
        ve_r = None
        if ve:
            ve_r = measure("virtualenv --no-seed", max(5, a.runs // 3),
                           lambda i: [ve, "--no-seed", "-q", "-p", py, os.path.join(work, f"ve{i}")])
            results.append(ve_r)

        # five environments, synced once, then timed as no-ops
        five = os.path.join(work, "five")
        os.makedirs(five)
        with open(os.path.join(five, "venv.yaml"), "w") as f:
            f.write(f'version: 1\npython: "{py}"\nenvironments:\n')
            for n in ("dev", "test", "docs", "lint", "bench"):
                f.write(f"  {n}: {{prompt: {n}}}\n")
        subprocess.run([vs, "-q", "sync"], cwd=five, env=env, check=True)
        noop = measure("venvsync sync, no-op, 5 environments", a.runs, lambda i: [vs, "-q", "sync"],
                       env=env, cwd=five)
        results.append(noop)

        for r in results:
            print(fmt(r))
        create = results[1]
        print()
        print(f"python -m venv --without-pip / venvsync create : {venv_r['median']/create['median']:6.1f}x  (target >= 20x)")
        if ve_r:
            print(f"virtualenv --no-seed / venvsync create         : {ve_r['median']/create['median']:6.1f}x")
        print(f"venvsync create, median                        : {create['median']*1000:6.2f} ms (target <= 5 ms)")
        print(f"venvsync no-op sync of 5 envs, median          : {noop['median']*1000:6.2f} ms (target <= 5 ms)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
