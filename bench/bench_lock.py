#!/usr/bin/env python3
"""Resolving and locking a real dependency graph from a loopback index: venvsync against uv.

    bench/bench_lock.py [--venvsync build/venvsync] [--runs 5] [--dir /tmp] [--keep]
                        [--python /root/.pyenv/versions/3.11.7/bin/python3.11]
                        [--site-packages /root/.pyenv/versions/3.11.7/lib/python3.11/site-packages]

The graph: every distribution of --site-packages, repacked into wheels by
tests/fixtures/repack.py (built once; reused with --keep), served by
tests/fixtures/index_server.py as a PEP 691 index on 127.0.0.1 with PEP 658 metadata (as
bench_index.py starts it). The input
is the roots of that graph, unpinned: the projects no other one requires. Every tool resolves
them for --python (CPython 3.11 on Linux x86_64) and writes its lock. Times, interleaved round by
round:

  venvsync lock, cold     `venvsync lock` with an empty cache (VENVSYNC_CACHE_DIR), no lock yet
  venvsync lock, warm     the same with the cache of the earlier runs (pages revalidated: the
                          index sends no max-age), the lock file deleted first
  uv pip compile, cold    `uv pip compile --index-url URL -p PY roots.in -o out.txt`, empty cache
  uv pip compile, warm    the same with uv's cache
  uv lock, cold           `uv lock` of a pyproject.toml project depending on the roots, with
                          [tool.uv] environments = the one environment venvsync locks for
                          (python_version 3.11, linux, x86_64), empty cache, uv.lock deleted
  uv lock, warm           the same with uv's cache
  venvsync lock, lock fresh / uv lock, lock fresh
                          the lock command again with the lock file in place and the inputs
                          unchanged

Each row's peak RSS is the child's ru_maxrss. Prints medians, min, max, spread, the number of
packages each lock holds, the requests a cold venvsync lock made, and the ratios. uv comes from
the bench tools (benchlib.py); without PyPI only venvsync's rows run.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
import benchlib as bl  # noqa: E402
import bench_index  # noqa: E402  (the corpus and the server)


def canon(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def roots(wheels_dir):
    """The projects of the corpus that no other one requires (extras left out), sorted."""
    names, required = set(), set()
    for w in glob.glob(os.path.join(wheels_dir, "*.whl")):
        with zipfile.ZipFile(w) as z:
            meta = [n for n in z.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1]
            msg = Parser().parsestr(z.read(meta[0]).decode("utf-8", "replace"))
        names.add(canon(msg["Name"]))
        for r in msg.get_all("Requires-Dist") or []:
            if "extra" not in r.split(";", 1)[-1] or ";" not in r:
                m = re.match(r"\s*([A-Za-z0-9._-]+)", r)
                if m:
                    required.add(canon(m.group(1)))
    return sorted(names - required)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venvsync", default=os.path.join(ROOT, "build", "venvsync"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--keep", action="store_true", help="reuse the corpus of an earlier run")
    ap.add_argument("--python", default=bench_index.DEFAULT_PYTHON)
    ap.add_argument("--site-packages", default=bench_index.DEFAULT_SITE)
    a = ap.parse_args()
    vs = os.path.abspath(a.venvsync)
    py = a.python
    work = os.path.join(a.dir, "venvsync-bench-lock")
    os.makedirs(work, exist_ok=True)
    W = lambda *p: os.path.join(work, *p)  # noqa: E731
    wheels = W("root", "idx")
    print(f"machine: {bl.machine()}")
    print(f"corpus: repacking {a.site_packages} ...", flush=True)
    bench_index.build_corpus(a.site_packages, wheels, a.keep)
    for p in glob.glob(W("run-*")):
        shutil.rmtree(p, ignore_errors=True)
    top = roots(wheels)
    print(f"corpus: {len(glob.glob(os.path.join(wheels, '*.whl')))} wheels; {len(top)} roots: {' '.join(top)}")
    uv, why = bl.find_uv()
    print(f"uv: {bl.uv_version(uv)}" if uv else f"uv: skipped: {why}", flush=True)
    srv = bench_index.Server(W("root"), work)
    try:
        bench_index.sh("curl", "-s", "-o", "/dev/null", srv.url + "/" + top[0] + "/")  # the server's hash memo
        marker = "python_version == '3.11' and sys_platform == 'linux' and platform_machine == 'x86_64'"
        vsproj, uvproj = W("vsproj"), W("uvproj")
        for d in (vsproj, uvproj):
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(vsproj, "venv.yaml"), "w") as f:
            f.write(f'version: 1\npython: "{py}"\nindex:\n  url: {srv.url}\nenvironments:\n'
                    f"  dev:\n    path: env\n    packages:\n" + "".join(f"      - {r}\n" for r in top))
        with open(os.path.join(uvproj, "pyproject.toml"), "w") as f:
            f.write('[project]\nname = "bench"\nversion = "0"\nrequires-python = ">=3.11"\n'
                    "dependencies = [\n" + "".join(f'  "{r}",\n' for r in top) + "]\n\n"
                    f'[[tool.uv.index]]\nurl = "{srv.url}"\ndefault = true\n\n'
                    f'[tool.uv]\nenvironments = ["{marker}"]\n')
        with open(W("roots.in"), "w") as f:
            f.write("\n".join(top) + "\n")
        vslock = os.path.join(vsproj, "pylock.dev.toml")
        uvlock = os.path.join(uvproj, "uv.lock")

        def rm(p):
            def f(i):
                if os.path.exists(p):
                    os.unlink(p)
            return f

        def rm_cache_and(p, cache):
            def f(i):
                rm(p)(i)
                shutil.rmtree(cache(i), ignore_errors=True)
            return f

        vs_env = lambda c: dict(os.environ, VENVSYNC_CACHE_DIR=c, NO_COLOR="1")  # noqa: E731
        vs_warm, uv_warm = W("vs-warm-cache"), W("uv-warm-cache")
        uv_lock_env = lambda c: bl.uv_env(c, project_config=True)  # noqa: E731  (its [tool.uv])
        # fill the warm caches once
        bench_index.sh(vs, "-q", "lock", cwd=vsproj, env=vs_env(vs_warm))
        compile_argv = lambda: [uv, "pip", "compile", "-q", "--no-header", "--index-url", srv.url,  # noqa: E731
                                "-p", py, W("roots.in"), "-o", W("compiled.txt")]
        if uv:
            bench_index.sh(*compile_argv(), env=bl.uv_env(uv_warm))
            bench_index.sh(uv, "lock", "-q", "-p", py, cwd=uvproj, env=uv_lock_env(uv_warm))
            with open(uvlock) as f:
                if srv.url not in f.read():
                    sys.exit(f"uv lock did not resolve against {srv.url}: see {uvlock}")

        cmds = [("venvsync lock, cold cache",
                 lambda i: ([vs, "-q", "lock"], vs_env(W(f"run-vs-cold-{i}")), vsproj),
                 rm_cache_and(vslock, lambda i: W(f"run-vs-cold-{i}")))]
        if uv:
            cmds += [("uv pip compile, cold cache",
                      lambda i: (compile_argv(), bl.uv_env(W(f"run-uvc-cold-{i}")), None),
                      lambda i: shutil.rmtree(W(f"run-uvc-cold-{i}"), ignore_errors=True)),
                     ("uv lock, cold cache",
                      lambda i: ([uv, "lock", "-q", "-p", py], uv_lock_env(W(f"run-uvl-cold-{i}")), uvproj),
                      rm_cache_and(uvlock, lambda i: W(f"run-uvl-cold-{i}")))]
        cmds.append(("venvsync lock, warm cache",
                     lambda i: ([vs, "-q", "lock"], vs_env(vs_warm), vsproj), rm(vslock)))
        if uv:
            cmds += [("uv pip compile, warm cache", lambda i: (compile_argv(), bl.uv_env(uv_warm), None), None),
                     ("uv lock, warm cache",
                      lambda i: ([uv, "lock", "-q", "-p", py], uv_lock_env(uv_warm), uvproj), rm(uvlock))]
        cmds.append(("venvsync lock, lock fresh", lambda i: ([vs, "-q", "lock"], vs_env(vs_warm), vsproj), None))
        if uv:
            cmds.append(("uv lock, lock fresh",
                         lambda i: ([uv, "lock", "-q", "-p", py], uv_lock_env(uv_warm), uvproj), None))

        srv.clear()
        res = bl.rounds(cmds, a.runs, progress=lambda i, out: print(f"round {i + 1}/{a.runs} done", flush=True))
        st = {k: bl.stats(v) for k, v in res.items()}
        print(f"\n{a.runs} rounds, commands interleaved ({len(top)} roots):")
        for k, s in st.items():
            print(bl.line(k, s))
        with open(vslock) as f:
            nvs = len(re.findall(r"^\[\[packages\]\]", f.read(), re.M))
        print(f"\npackages locked: venvsync {nvs}", end="")
        if uv:
            with open(uvlock) as f:
                nuv = len(re.findall(r"^\[\[package\]\]", f.read(), re.M)) - 1  # the project itself
            with open(W("compiled.txt")) as f:
                ncomp = len([l for l in f if re.match(r"[A-Za-z0-9]", l)])
            print(f", uv lock {nuv}, uv pip compile {ncomp}")
        else:
            print()
        print("\nratios (time, memory: first / second, > 1 = the second is better):")
        if uv:
            for tool in ("uv pip compile", "uv lock"):
                for kind in ("cold cache", "warm cache"):
                    print(bl.ratio_line(f"{tool} / venvsync lock, {kind}", st[f"{tool}, {kind}"],
                                        st[f"venvsync lock, {kind}"], "(goal >= 1x)"))
            print(bl.ratio_line("uv lock / venvsync lock, lock fresh", st["uv lock, lock fresh"],
                                st["venvsync lock, lock fresh"], "(goal >= 1x)"))
        else:
            print(f"  uv: skipped ({why})")
    finally:
        srv.stop()
        for p in glob.glob(W("run-*")):
            shutil.rmtree(p, ignore_errors=True)
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
