#!/usr/bin/env python3
"""Copying and relocating a large environment: venvsync against cp and virtualenv-clone, in one run.

    bench/bench_copy.py [--venvsync build/venvsync] [--runs 5] [--dir /tmp] [--keep]
                        [--site-packages /root/.pyenv/versions/3.11.7/lib/python3.11/site-packages]

Builds (once; reused with --keep) an environment of several hundred MB: venvsync writes it for the
interpreter that owns --site-packages, then pip, bootstrapped from Debian's pip wheel, installs
offline every distribution of that site-packages, repacked into wheels by
tests/fixtures/repack.py (without pyenv's 3.11.7, the default is Debian's dist-packages). Then times, warm cache, a fresh destination each run:
  - cp -a SRC DST                        (a full copy, not relocated)
  - cp -al SRC DST                       (hard links only, not relocated: the floor)
  - virtualenv-clone SRC DST             (Debian's python3-virtualenv-clone, when installed)
  - venvsync copy SRC DST                (reflink / hard-link owned files / copy, then relocate)
  - venvsync copy --copies SRC DST       (no sharing)
  - venvsync sync after the environment was moved (relocation in place, the whole command)
Prints medians and the ratios against the targets: copy <= 1.3x `cp -al`, >= 4x faster than
virtualenv-clone, relocation <= 50 ms. uv has no command that copies or relocates an
environment (its column reads so; the other benches compare with uv).
"""
import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
import repack  # noqa: E402
PYENV_SITE = os.path.expanduser("~/.pyenv/versions/3.11.7/lib/python3.11/site-packages")
DEFAULT_SITE = PYENV_SITE if os.path.isdir(PYENV_SITE) else "/usr/lib/python3/dist-packages"
PIP_WHEELS = "/usr/share/python-wheels"


def sh(*argv, **kw):
    p = subprocess.run(list(argv), capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p.stdout


def timed(argv, env=None, cwd=None):
    devnull = os.open(os.devnull, os.O_WRONLY)
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        t0 = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, env or os.environ,
                              file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
        _, status = os.waitpid(pid, 0)
        dt = time.perf_counter() - t0
    finally:
        os.chdir(old)
        os.close(devnull)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(argv)}")
    return dt


def measure(name, runs, argv, setup=None, env=None, cwd=None):
    times = []
    for i in range(runs):
        if setup:
            setup()
        times.append(timed(argv(i) if callable(argv) else argv, env=env, cwd=cwd))
    times.sort()
    r = {"name": name, "median": statistics.median(times), "min": times[0], "max": times[-1]}
    print(f"  {name:<42} median {r['median']*1000:9.1f} ms   min {r['min']*1000:9.1f}   "
          f"max {r['max']*1000:9.1f}", flush=True)
    return r


def tree_stats(root):
    files = size = 0
    for dirpath, _, filenames in os.walk(root):
        for n in filenames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                files += 1
                size += os.lstat(p).st_size
    return files, size


def build_env(work, vs, site, env_vars):
    """The source environment at <work>/proj/.venv, written by venvsync; reused when complete."""
    proj = os.path.join(work, "proj")
    env = os.path.join(proj, ".venv")
    done = os.path.join(work, "env-complete")
    if os.path.exists(done):
        return proj, env
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(proj)
    py = os.path.realpath(os.path.join(site, "..", "..", "..", "bin", "python3"))
    with open(os.path.join(proj, "venv.yaml"), "w") as f:
        f.write(f'version: 1\npython: "{py}"\nenvironments:\n  dev:\n    path: .venv\n'
                f'    exact: false\n')
    sh(vs, "sync", "-q", cwd=proj, env=env_vars)
    wheels = os.path.join(work, "wheels")
    os.makedirs(wheels)
    print(f"repacking {site} into wheels ...", flush=True)
    repack.build([site], wheels)
    whls = sorted(glob.glob(os.path.join(wheels, "*.whl")))
    pip_whl = sorted(glob.glob(os.path.join(PIP_WHEELS, "pip-*.whl")))
    if not pip_whl:
        raise SystemExit(f"no pip wheel in {PIP_WHEELS}: cannot install offline")
    pip = [os.path.join(env, "bin", "python"), os.path.join(pip_whl[-1], "pip")]
    pipenv = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
                  PIP_NO_CACHE_DIR="1")
    print(f"installing {len(whls)} wheels with pip ...", flush=True)
    p = subprocess.run(pip + ["install", "--no-index", "--no-deps", *whls], env=pipenv,
                       capture_output=True, text=True)
    if p.returncode != 0:
        # One bad wheel must not sink the whole set: install the rest one by one.
        for w in whls:
            subprocess.run(pip + ["install", "--no-index", "--no-deps", w], env=pipenv,
                           capture_output=True)
    open(done, "w").close()
    return proj, env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venvsync", default=os.path.join(ROOT, "build", "venvsync"))
    ap.add_argument("--site-packages", default=DEFAULT_SITE)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reloc-runs", type=int, default=21)
    ap.add_argument("--dir", default="/tmp", help="parent of the work directory")
    ap.add_argument("--keep", action="store_true", help="keep the built environment for the next run")
    a = ap.parse_args()
    vs = os.path.abspath(a.venvsync)
    print("uv: no equivalent command (uv cannot copy or relocate an environment): no uv column")
    work = os.path.join(a.dir, "venvsync-bench-copy")
    env_vars = dict(os.environ, VENVSYNC_CACHE_DIR=os.path.join(a.dir, "venvsync-bench-cache"),
                    NO_COLOR="1")
    proj, src = build_env(work, vs, a.site_packages, env_vars)
    files, size = tree_stats(src)
    site = glob.glob(os.path.join(src, "lib", "python*", "site-packages"))[0]
    ndists = len(glob.glob(os.path.join(site, "*.dist-info")))
    fstype = sh("stat", "-f", "-c", "%T", work).strip()
    print(f"environment: {src}\n  {ndists} distributions, {files} files, {size / 1e6:.0f} MB, "
          f"file system {fstype}")

    # Every run copies to a destination of its own, all removed at the end: on an ext4 without a
    # journal (this machine's root) the kernel skips inodes freed in the last 5-35 s, scanning
    # past each on every allocation, so deleting the previous 38k-file copy just before a run
    # made its file creations several times slower, whichever tool ran.
    def dst(tag, i):
        return os.path.join(work, "copies", f"{tag} dst {i}")

    def settle():
        os.sync()   # no writeback of the previous run left to compete with this one

    os.makedirs(os.path.join(work, "copies"), exist_ok=True)
    results = {}
    print(f"copies ({a.runs} runs each, warm cache):", flush=True)
    results["cp -a"] = measure("cp -a", a.runs, lambda i: ["cp", "-a", src, dst("cp-a", i)],
                               setup=settle)
    results["cp -al"] = measure("cp -al", a.runs, lambda i: ["cp", "-al", src, dst("cp-al", i)],
                                setup=settle)
    clone = shutil.which("virtualenv-clone")
    if clone:
        results["virtualenv-clone"] = measure("virtualenv-clone", a.runs,
                                              lambda i: [clone, src, dst("clone", i)], setup=settle)
    else:
        print("  virtualenv-clone: not installed (apt-get install python3-virtualenv-clone)")
    results["venvsync copy"] = measure("venvsync copy", a.runs,
                                       lambda i: [vs, "-q", "copy", src, dst("vs", i)],
                                       setup=settle, env=env_vars)
    results["venvsync copy --copies"] = measure(
        "venvsync copy --copies", a.runs,
        lambda i: [vs, "-q", "copy", "--copies", src, dst("vs-copies", i)], setup=settle, env=env_vars)
    subprocess.run(["rm", "-rf", os.path.join(work, "copies")], check=True)

    # Relocation: move the project back and forth; every sync finds the environment moved.
    print(f"relocation ({a.reloc_runs} runs):", flush=True)
    places = [proj, os.path.join(work, "moved project dir")]
    state = {"at": 0}

    def move():
        frm, to = places[state["at"]], places[1 - state["at"]]
        os.rename(frm, to)
        state["at"] = 1 - state["at"]
        os.sync()

    results["relocate"] = measure("venvsync sync of a moved environment", a.reloc_runs,
                                  lambda i: [vs, "-q", "-C", places[state["at"]], "sync"],
                                  setup=move, env=env_vars)
    results["noop"] = measure("venvsync sync, nothing to do (for scale)", a.reloc_runs,
                              [vs, "-q", "-C", places[state["at"]], "sync"], env=env_vars)
    if state["at"]:
        move()
        sh(vs, "-q", "-C", proj, "sync", env=env_vars)

    m = {k: v["median"] for k, v in results.items()}
    print("\nratios (medians):")
    c = m["venvsync copy"]
    print(f"  venvsync copy / cp -al             {c / m['cp -al']:6.2f}x   (target <= 1.3x)")
    print(f"  venvsync copy / cp -a              {c / m['cp -a']:6.2f}x")
    if "virtualenv-clone" in m:
        print(f"  virtualenv-clone / venvsync copy   {m['virtualenv-clone'] / c:6.2f}x   (target >= 4x)")
    print(f"  venvsync copy --copies / cp -a     {m['venvsync copy --copies'] / m['cp -a']:6.2f}x")
    print(f"  relocation (whole sync)            {m['relocate'] * 1000:6.1f} ms  (target <= 50 ms; "
          f"a no-op sync is {m['noop'] * 1000:.1f} ms)")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
