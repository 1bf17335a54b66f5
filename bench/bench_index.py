#!/usr/bin/env python3
"""Installing a real corpus from a package index on loopback: venvsync against uv and pip, cold and warm.

    bench/bench_index.py [--venvsync build/venvsync] [--runs 5] [--dir /tmp] [--keep]
                         [--python /root/.pyenv/versions/3.11.7/bin/python3.11]
                         [--site-packages /root/.pyenv/versions/3.11.7/lib/python3.11/site-packages]

Builds (once; reused with --keep) a corpus of wheels: every distribution of --site-packages,
repacked by tests/fixtures/repack.py (without pyenv's 3.11.7, the defaults are Debian's python3
and /usr/lib/python3/dist-packages). tests/fixtures/index_server.py serves them as a PEP 691
index on 127.0.0.1 (ETag + Last-Modified, no max-age: clients revalidate; --static: the listing
is read once, and every answer goes out without Nagle's delay, so what is measured is the
clients, not the server's directory scans and delayed ACKs). Every package is
pinned in a requirements file. Then, a fresh target environment each run:

  pip cold     pip install --no-deps --no-compile --no-cache-dir --index-url URL -r reqs
               (pip of --python, targeting a fresh `python -m venv --without-pip` with --python)
  pip warm     the same with a filled --cache-dir instead of --no-cache-dir
  uv cold      uv pip install --no-deps --index-url URL -r reqs into a fresh
               `python -m venv --without-pip`, with an empty UV_CACHE_DIR (uv from the bench
               tools, benchlib.py; skipped with the reason when PyPI cannot be reached)
  uv warm      the same with uv's cache of an earlier run (pages revalidated, nothing downloaded)
  uv ..., resolving  the same two without --no-deps: uv resolves the pins' dependencies (reads
               their metadata), as venvsync's sync always does before it locks
  venvsync cold  `venvsync sync` into a fresh environment with an empty cache
  venvsync warm, lock fresh  the same with pylock.bench.toml as the previous run left it (the
                 environment is made from a second project folder, so the lock stays): what a
                 checkout with a committed lock costs; no page is fetched
  venvsync warm  `venvsync sync` into a fresh environment with the cache of a previous run:
                 the index pages are revalidated (304), nothing is downloaded

The environments are created before the clock starts (venvsync: a sync with no packages), so
the times are the installs alone. The commands run interleaved, round by round. Prints medians,
min, max, spread and each command's peak RSS (ru_maxrss), the requests the warm venvsync run
made, and the ratios.

Nothing is deleted until the last run is over: every run writes fresh directories. On an ext4
without a journal (this machine's root), the kernel will not reuse an inode freed in the last
5-35 seconds and scans past each one on every allocation (`recently_deleted` in perf): creating
files right after deleting a 38k-file tree cost 5-10x more per file, whoever created them.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
import repack  # noqa: E402
sys.path.insert(0, HERE)
import benchlib as bl  # noqa: E402
PYENV = os.path.expanduser("~/.pyenv/versions/3.11.7")
DEFAULT_PYTHON, DEFAULT_SITE = ((os.path.join(PYENV, "bin", "python3.11"),
                                 os.path.join(PYENV, "lib", "python3.11", "site-packages"))
                                if os.path.isdir(PYENV) else ("/usr/bin/python3", "/usr/lib/python3/dist-packages"))
SERVER = os.path.join(ROOT, "tests", "fixtures", "index_server.py")


def sh(*argv, **kw):
    p = subprocess.run(list(argv), capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p.stdout


def timed(argv, env=None, cwd=None):
    """(seconds, peak RSS KiB)"""
    os.sync()  # earlier runs' dirty pages must not be flushed on this run's clock (syncfs)
    return bl.run(argv, env=env, cwd=cwd)


def build_corpus(site, out, keep):
    if keep and glob.glob(os.path.join(out, "*.whl")):
        return
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    repack.build([site], out)


def pins(wheels_dir):
    """name==version for every wheel (one per project: the corpus is one site-packages)."""
    out = {}
    for w in sorted(glob.glob(os.path.join(wheels_dir, "*.whl"))):
        name, version = os.path.basename(w).split("-")[:2]
        out[re.sub(r"[-_.]+", "-", name).lower()] = f"{name}=={version}"
    return sorted(out.values())


def clear_runs(work):
    """Removes what the runs wrote (the corpus stays); True when there was something."""
    found = False
    for pat in ("project/env-*", "pipenv-*", "vcache-*", "pipcache", "uvenv-*", "uvcache-*",
                "uvrenv-*", "uvrcache-*"):
        for p in glob.glob(os.path.join(work, pat)):
            shutil.rmtree(p, ignore_errors=True)
            found = True
    return found


class Server:
    def __init__(self, root, work):
        self.log = os.path.join(work, "requests.log")
        port_file = os.path.join(work, "port")
        for p in (self.log, port_file):
            if os.path.exists(p):
                os.unlink(p)
        self.proc = subprocess.Popen([sys.executable, SERVER, "--root", root, "--port-file", port_file,
                                      "--log", self.log, "--static"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(600):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{int(open(port_file).read())}/idx/simple"

    def requests(self):
        return [json.loads(l) for l in open(self.log)] if os.path.exists(self.log) else []

    def clear(self):
        if os.path.exists(self.log):
            os.unlink(self.log)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venvsync", default=os.path.join(ROOT, "build", "venvsync"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--keep", action="store_true", help="reuse the corpus of an earlier run")
    ap.add_argument("--python", default=DEFAULT_PYTHON)
    ap.add_argument("--site-packages", default=DEFAULT_SITE)
    a = ap.parse_args()
    vs = os.path.abspath(a.venvsync)
    work = os.path.join(a.dir, "venvsync-bench-index")
    os.makedirs(work, exist_ok=True)
    wheels = os.path.join(work, "root", "idx")
    print(f"corpus: repacking {a.site_packages} ...", flush=True)
    build_corpus(a.site_packages, wheels, a.keep)
    if clear_runs(work):  # an interrupted earlier run: let the kernel forget the freed inodes
        print("removed an earlier run's directories; waiting 40 s", flush=True)
        time.sleep(40)
    reqs = pins(wheels)
    size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(wheels, "*.whl")))
    print(f"corpus: {len(reqs)} wheels, {size / 1e6:.1f} MB", flush=True)
    srv = Server(os.path.join(work, "root"), work)
    try:
        # warm the server's hash memo so that the first timed run does not pay for it
        sh("curl", "-s", "-o", "/dev/null", srv.url + "/" + reqs[0].split("==")[0].lower() + "/")
        proj = os.path.join(work, "project")
        os.makedirs(proj, exist_ok=True)
        with open(os.path.join(proj, "requirements.txt"), "w") as f:
            f.write("\n".join(reqs) + "\n")
        with open(os.path.join(proj, "empty.txt"), "w") as f:
            f.write("")

        def manifest(path, req):
            with open(os.path.join(proj, "venv.yaml"), "w") as f:
                f.write(f'version: 1\npython: "{a.python}"\nindex:\n  url: {srv.url}\n'
                        f"environments:\n  bench:\n    path: {path}\n    requirements: [{req}]\n")

        prep = os.path.join(work, "prep")
        os.makedirs(prep, exist_ok=True)
        with open(os.path.join(prep, "empty.txt"), "w") as f:
            f.write("")

        def venvsync_run(cache, path, keep_lock=False):
            env = dict(os.environ, VENVSYNC_CACHE_DIR=cache, NO_COLOR="1")
            if keep_lock:  # the environment, untimed, from another folder: the lock stays
                with open(os.path.join(prep, "venv.yaml"), "w") as f:
                    f.write(f'version: 1\npython: "{a.python}"\nenvironments:\n  bench:\n'
                            f"    path: {os.path.join(proj, path)}\n    requirements: [empty.txt]\n")
                sh(vs, "sync", "-q", cwd=prep, env=env)
            else:
                manifest(path, "empty.txt")
                sh(vs, "sync", "-q", cwd=proj, env=env)     # the environment, untimed
            manifest(path, "requirements.txt")
            return timed([vs, "sync", "-q", "--no-progress"], env=env, cwd=proj)

        def pip_run(cache, target):
            sh(a.python, "-m", "venv", "--without-pip", target)
            argv = [a.python, "-m", "pip", "--python", os.path.join(target, "bin", "python"),
                    "install", "--no-deps", "--no-compile", "--disable-pip-version-check",
                    "--index-url", srv.url, "-r", os.path.join(proj, "requirements.txt")]
            argv += ["--cache-dir", cache] if cache else ["--no-cache-dir"]
            return timed(argv)

        uv, why = bl.find_uv()
        print(f"uv: {bl.uv_version(uv)}" if uv else f"uv: skipped: {why}", flush=True)

        def uv_run(cache, target, deps=False):
            sh(a.python, "-m", "venv", "--without-pip", target)
            return timed([uv, "pip", "install", "-q", *([] if deps else ["--no-deps"]),
                          "--index-url", srv.url, "-r", os.path.join(proj, "requirements.txt"),
                          "-p", os.path.join(target, "bin", "python")], env=bl.uv_env(cache))

        results = {}
        pcache = os.path.join(work, "pipcache")
        results["venvsync cold"] = []
        results["venvsync warm"] = []
        results["venvsync warm, lock fresh"] = []
        if uv:
            results["uv cold"] = []
            results["uv warm"] = []
            results["uv cold, resolving"] = []
            results["uv warm, resolving"] = []
        results["pip cold"] = []
        results["pip warm"] = []
        warm_requests = None
        shutil.rmtree(pcache, ignore_errors=True)
        pip_run(pcache, os.path.join(work, "pipenv-fill"))  # fill pip's cache once
        for i in range(a.runs):
            vcache = os.path.join(work, f"vcache-{i}")
            shutil.rmtree(vcache, ignore_errors=True)
            results["venvsync cold"].append(venvsync_run(vcache, f"env-{i}-cold"))
            srv.clear()
            results["venvsync warm"].append(venvsync_run(vcache, f"env-{i}-warm"))
            if warm_requests is None:
                warm_requests = srv.requests()
            srv.clear()
            results["venvsync warm, lock fresh"].append(venvsync_run(vcache, f"env-{i}-lock", True))
            if i == 0:
                locked_requests = srv.requests()
            if uv:
                ucache = os.path.join(work, f"uvcache-{i}")
                results["uv cold"].append(uv_run(ucache, os.path.join(work, f"uvenv-{i}-cold")))
                results["uv warm"].append(uv_run(ucache, os.path.join(work, f"uvenv-{i}-warm")))
                rcache = os.path.join(work, f"uvrcache-{i}")
                results["uv cold, resolving"].append(
                    uv_run(rcache, os.path.join(work, f"uvrenv-{i}-cold"), deps=True))
                results["uv warm, resolving"].append(
                    uv_run(rcache, os.path.join(work, f"uvrenv-{i}-warm"), deps=True))
            results["pip cold"].append(pip_run(None, os.path.join(work, f"pipenv-{i}-cold")))
            results["pip warm"].append(pip_run(pcache, os.path.join(work, f"pipenv-{i}-warm")))
            print(f"run {i + 1}/{a.runs}: " + ", ".join(f"{k} {v[-1][0]:.2f}s" for k, v in results.items()),
                  flush=True)
        # sanity: the venvsync environment holds the corpus
        out = sh(os.path.join(proj, f"env-{a.runs - 1}-warm", "bin", "python"), "-c",
                 "import importlib.metadata as m; print(len(list(m.distributions())))")
        st = {k: bl.stats(v) for k, v in results.items()}
        med = {k: v["median"] for k, v in st.items()}
        print()
        print(f"machine: {bl.machine()}")
        print(f"runs: {a.runs}, {len(reqs)} wheels, {size / 1e6:.1f} MB, "
              f"{out.strip()} distributions installed")
        for k, v in st.items():
            print(bl.line(k, v))
        pages = [q for q in warm_requests if "/simple/" in q["path"]]
        files = [q for q in warm_requests if "/files/" in q["path"]]
        print(f"\nvenvsync warm made {len(pages)} page requests "
              f"({sum(q['status'] == 304 for q in pages)} answered 304) and {len(files)} file downloads; "
              f"with the lock fresh, {len(locked_requests)} requests")
        print("\nratios (higher = venvsync faster):")
        print(f"  cold: pip --no-cache-dir / venvsync   {med['pip cold'] / med['venvsync cold']:6.1f}x")
        print(f"  warm: pip with cache / venvsync        {med['pip warm'] / med['venvsync warm']:6.1f}x")
        print(f"  pip --no-cache-dir / venvsync warm     {med['pip cold'] / med['venvsync warm']:6.1f}x")
        if uv:
            print(bl.ratio_line("uv cold / venvsync cold", st["uv cold"], st["venvsync cold"], "(goal >= 1x)"))
            print(bl.ratio_line("uv warm / venvsync warm", st["uv warm"], st["venvsync warm"], "(goal >= 1x)"))
            print(bl.ratio_line("uv cold, resolving / venvsync cold", st["uv cold, resolving"],
                                st["venvsync cold"], "(goal >= 1x)"))
            print(bl.ratio_line("uv warm, resolving / venvsync warm", st["uv warm, resolving"],
                                st["venvsync warm"], "(goal >= 1x)"))
            print(bl.ratio_line("uv warm / venvsync warm, lock fresh", st["uv warm"],
                                st["venvsync warm, lock fresh"], "(goal >= 1x)"))
        else:
            print(f"  uv: skipped ({why})")
    finally:
        srv.stop()
        clear_runs(work)
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
