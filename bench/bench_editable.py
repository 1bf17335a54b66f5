#!/usr/bin/env python3
"""Installing a local project in editable mode: venvsync against uv and pip, in one run.

    bench/bench_editable.py [--venvsync build/venvsync] [--python /usr/bin/python3] [--runs 5]
                            [--wheels /usr/share/python-wheels] [--dir DIR]

The project: a small setuptools project written into the work directory (pyproject.toml with
build-system requires setuptools>=64 and wheel, a src/ package of 20 modules, a console script).
The build backend comes from --wheels (Debian's setuptools and wheel), offline. Times, into a
fresh environment each run, interleaved round by round:
  - uv pip install -e PROJECT --offline --find-links WHEELS, cold (empty uv cache) and warm
  - pip install -e PROJECT --no-index --find-links WHEELS (pip of the target environment)
  - venvsync sync of a manifest with `project: {path: ..., editable: true}`: only when this
    venvsync's manifest accepts `project:` (the spec's key); until its build stage is wired,
    the row reads "n/a (not wired)"
Each row's peak RSS is the child's ru_maxrss. uv comes from the bench tools (benchlib.py).
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


def write_project(root):
    os.makedirs(os.path.join(root, "src", "benchproj"))
    with open(os.path.join(root, "pyproject.toml"), "w") as f:
        f.write('[build-system]\nrequires = ["setuptools>=64", "wheel"]\n'
                'build-backend = "setuptools.build_meta"\n\n'
                '[project]\nname = "benchproj"\nversion = "1.0"\nrequires-python = ">=3.8"\n\n'
                '[project.scripts]\nbenchproj = "benchproj:main"\n\n'
                '[tool.setuptools.packages.find]\nwhere = ["src"]\n')
    with open(os.path.join(root, "src", "benchproj", "__init__.py"), "w") as f:
        f.write("def main():\n    print('hello')\n")
    for i in range(20):
        with open(os.path.join(root, "src", "benchproj", f"m{i}.py"), "w") as f:
            f.write(f"X = {i}\n")


def venvsync_editable(vs):
    """Whether this venvsync's manifest takes `project:` (the build stage is wired)."""
    d = tempfile.mkdtemp(prefix="vs-bench-probe-")
    try:
        write_project(os.path.join(d, "p"))
        with open(os.path.join(d, "venv.yaml"), "w") as f:
            f.write('version: 1\nenvironments:\n  dev:\n    path: env\n'
                    '    project: {path: p, editable: true}\n')
        p = subprocess.run([vs, "plan"], cwd=d, capture_output=True, text=True)
        return p.returncode == 0, (p.stderr.strip().splitlines() or [""])[0]
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venvsync", default=os.path.join(HERE, "..", "build", "venvsync"))
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--wheels", default="/usr/share/python-wheels")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default=None)
    a = ap.parse_args()
    vs = os.path.abspath(a.venvsync)
    py = os.path.realpath(a.python)
    work = tempfile.mkdtemp(prefix="vs-bench-editable-", dir=a.dir)
    W = lambda *p: os.path.join(work, *p)  # noqa: E731
    print(f"machine: {bl.machine()}")
    uv, why = bl.find_uv()
    print(f"uv: {bl.uv_version(uv)}" if uv else f"uv: skipped: {why}")
    wired, msg = venvsync_editable(vs)
    print("venvsync: project/editable " + ("wired" if wired else f"not wired ({msg})"), flush=True)
    try:
        proj = W("proj")
        write_project(proj)
        uv_warm = W("uv-warm")
        uv_argv = lambda target: [uv, "pip", "install", "-q", "-e", proj, "--offline",  # noqa: E731
                                  "--find-links", a.wheels, "-p", os.path.join(target, "bin", "python")]

        def uv_target(i, name, cache):
            subprocess.run([uv, "venv", "-q", "-p", py, W(f"{name}{i}")], env=bl.uv_env(cache), check=True)

        cmds = []
        if uv:
            subprocess.run([uv, "venv", "-q", "-p", py, W("uvfirst")], env=bl.uv_env(uv_warm), check=True)
            bl.run(uv_argv(W("uvfirst")), env=bl.uv_env(uv_warm))
            cmds += [("uv pip install -e, cold cache",
                      lambda i: (uv_argv(W(f"uvc{i}")), bl.uv_env(W(f"uvcache{i}")), None),
                      lambda i: uv_target(i, "uvc", W(f"uvcache{i}"))),
                     ("uv pip install -e, warm cache",
                      lambda i: (uv_argv(W(f"uvw{i}")), bl.uv_env(uv_warm), None),
                      lambda i: uv_target(i, "uvw", uv_warm))]
        cmds.append(("pip install -e --no-index",
                     lambda i: ([W(f"pip{i}", "bin", "python"), "-m", "pip", "install", "-q", "-e", proj,
                                 "--no-index", "--find-links", a.wheels, "--disable-pip-version-check"],
                                None, None),
                     lambda i: subprocess.run([py, "-m", "venv", W(f"pip{i}")], check=True)))
        if wired:
            def vs_setup(i):
                d = W(f"vs{i}")
                os.makedirs(d)
                with open(os.path.join(d, "venv.yaml"), "w") as f:
                    f.write(f'version: 1\npython: "{py}"\nindex:\n  find-links: ["{a.wheels}"]\n'
                            f"environments:\n  dev:\n    path: env\n"
                            f"    project: {{path: {proj}, editable: true}}\n")
            cmds.append(("venvsync sync (editable project)",
                         lambda i: ([vs, "-q", "--offline", "sync"],
                                    dict(os.environ, VENVSYNC_CACHE_DIR=W("vscache")), W(f"vs{i}")),
                         vs_setup))
        res = bl.rounds(cmds, a.runs)
        st = {k: bl.stats(v) for k, v in res.items()}
        print(f"\n{a.runs} rounds, commands interleaved:")
        for k, s in st.items():
            print(bl.line(k, s))
        if not wired:
            print(f"  {'venvsync sync (editable project)':<50} n/a (not wired)")
        elif uv:
            print(bl.ratio_line("uv warm / venvsync", st["uv pip install -e, warm cache"],
                                st["venvsync sync (editable project)"], "(goal >= 1x)"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
