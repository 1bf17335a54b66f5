"""Resolution and locking end to end: `venvsync lock`, `sync`, `plan`, `check` against a loopback
PEP 503/691 index (tests/fixtures/index_server.py), with a real dependency graph (the wheels
tests/fixtures/repack.py rebuilds from Debian's python3 and, when present, pyenv's 3.11.7) checked
against pip's own resolver, and small graphs made for one rule each (backtracking, conflicts,
markers, yanked versions, Requires-Python, bad metadata, dead servers). The server's request log
proves what was fetched and when."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib

import pytest

from conftest import BIN, DEBIAN_PYTHON, SRC, interpreters, python_version

FIXTURES = os.path.join(SRC, "tests", "fixtures")
sys.path.insert(0, FIXTURES)
import repack  # noqa: E402
from wheels import make_wheel, sha256_of  # noqa: E402

PIP_WHEELS = sorted(glob.glob("/usr/share/python-wheels/pip-*.whl"))
PYENV_CORPUS = os.path.expanduser("~/.pyenv/versions/3.11.7/bin/python3.11")


# ---- the index ------------------------------------------------------------------------------

class Index:
    """One index_server.py process; every sub-directory of root is an index."""

    def __init__(self, tmp, root=None):
        self.dir = str(tmp)
        os.makedirs(self.dir, exist_ok=True)
        self.root = root or os.path.join(self.dir, "root")
        os.makedirs(os.path.join(self.root, "x"), exist_ok=True)
        self.config_path = os.path.join(self.dir, "config.json")
        self.log_path = os.path.join(self.dir, "requests.log")
        self.port_file = os.path.join(self.dir, "port")
        self.config({})
        self.start()

    def start(self):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        args = [sys.executable, os.path.join(FIXTURES, "index_server.py"), "--root", self.root,
                "--port-file", self.port_file, "--log", self.log_path, "--config", self.config_path]
        if getattr(self, "port", None):
            args += ["--port", str(self.port)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(400):
            if os.path.exists(self.port_file):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("index server died: " + self.proc.stderr.read().decode())
            time.sleep(0.05)
        self.port = int(open(self.port_file).read())
        self.base = f"http://127.0.0.1:{self.port}"

    def url(self, index="x"):
        return f"{self.base}/{index}/simple"

    def config(self, cfg):
        tmp = self.config_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(cfg, f)
        os.replace(tmp, self.config_path)
        time.sleep(0.02)

    def requests(self):
        if not os.path.exists(self.log_path):
            return []
        return [json.loads(line) for line in open(self.log_path)]

    def clear_log(self):
        if os.path.exists(self.log_path):
            os.unlink(self.log_path)

    def add(self, name, version, index="x", meta=None, **kw):
        """A wheel in the index; meta: its .meta.json (requires_python, yanked)."""
        p = make_wheel(os.path.join(self.root, index), name, version, **kw)
        if meta is not None:
            with open(p + ".meta.json", "w") as f:
                json.dump(meta, f)
        return p

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


@pytest.fixture
def index(tmp_path_factory):
    idx = Index(tmp_path_factory.mktemp("index"))
    yield idx
    idx.stop()


@pytest.fixture
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


def run(venvsync, project, *args, cache, env=None, check_rc=None, timeout=120):
    e = {"VENVSYNC_CACHE_DIR": cache, "VENVSYNC_HTTP_RETRIES": "1", "NETRC": "/nonexistent"}
    e.update(env or {})
    return venvsync(*args, cwd=project.root, env=e, check_rc=check_rc, timeout=timeout)


def manifest(project, url, packages, python=DEBIAN_PYTHON, envs=None):
    """venv.yaml with one environment `dev` (path .venv) whose packages are one per line: the
    i-th package is at venv.yaml line 9 + i. envs: more environments {name: (python, packages)}."""
    lines = ["version: 1", f'python: "{python}"', "index:", f"  url: {url}", "  find-links: []",
             "environments:", "  dev:", "    path: .venv", "    packages:"]
    lines += [f"      - {json.dumps(p)}" for p in packages]
    for name, (py, pkgs) in (envs or {}).items():
        lines += [f"  {name}:", f"    path: .venv-{name}", f'    python: "{py}"', "    packages:"]
        lines += [f"      - {json.dumps(p)}" for p in pkgs]
    project.write("\n".join(lines) + "\n")


def line_of(i):
    """The venv.yaml line of the i-th package of `dev` (see manifest)."""
    return 10 + i


def dists(env):
    out = subprocess.run([os.path.join(env, "bin", "python"), "-c",
                          "import importlib.metadata as m, json; "
                          "print(json.dumps(sorted((d.metadata['Name'], d.version) for d in m.distributions())))"],
                         capture_output=True, text=True, check=True).stdout
    return [tuple(x) for x in json.loads(out)]


def names_versions(pairs):
    return sorted((repack.canonical(n), v) for n, v in pairs)


def load_lock_file(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def load_lock(project, env="dev"):
    with open(project.path(f"pylock.{env}.toml"), "rb") as f:
        return tomllib.load(f)


def locked(project, env="dev"):
    """{name: version} of the lock (the last entry wins for a name locked twice)."""
    return {p["name"]: p.get("version") for p in load_lock(project, env)["packages"]}


def paths(reqs, kind=None):
    """The request paths of a log, filtered: 'page', 'metadata', 'wheel'."""
    out = []
    for q in reqs:
        p = q["path"]
        k = ("page" if "/simple/" in p else "metadata" if p.endswith(".metadata")
             else "wheel" if p.endswith(".whl") else "other")
        if kind is None or k == kind:
            out.append(p)
    return out


class PipResolve:
    """pip's resolver (pip install --dry-run --report, run by Debian's pip wheel) on reqs from
    index_url for `python`, started now; result() waits: [(name, version)] it would install."""

    def __init__(self, python, index_url, reqs, tmp, tag="pip"):
        self.reqs = reqs
        self.report = os.path.join(str(tmp), f"{tag}-report.json")
        self.out = open(os.path.join(str(tmp), f"{tag}-output.txt"), "w+")
        self.proc = subprocess.Popen(
            [python, os.path.join(PIP_WHEELS[-1], "pip"), "install", "--dry-run",
             "--ignore-installed", "--report", self.report, "-q", "--disable-pip-version-check",
             "--no-input", "--index-url", index_url, "--cache-dir",
             os.path.join(str(tmp), f"{tag}-cache"), *reqs],
            stdout=self.out, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_COLOR": "1"})

    def result(self):
        rc = self.proc.wait(timeout=600)
        self.out.seek(0)
        assert rc == 0, f"pip could not resolve {self.reqs}:\n{self.out.read()}"
        with open(self.report) as f:
            return names_versions((i["metadata"]["name"], i["metadata"]["version"])
                                  for i in json.load(f)["install"])

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.out.close()


def pip_resolve(python, index_url, reqs, tmp):
    p = PipResolve(python, index_url, reqs, tmp)
    try:
        return p.result()
    finally:
        p.close()


needs_pip = pytest.mark.skipif(not PIP_WHEELS, reason="needs pip's wheel in /usr/share/python-wheels "
                                                      "(Debian: python3-pip-whl)")


def pyenv_python(minor):
    """pyenv's CPython 3.<minor> when present (any patch), else None."""
    for exe in interpreters():
        if exe.startswith(os.path.expanduser("~/.pyenv/")) and \
                python_version(exe).startswith(f"3.{minor}."):
            return exe
    return None


def marker_holds(marker, **env):
    """Evaluates a PEP 508 marker with packaging (Debian's python3 has it) for a Linux x86-64
    CPython of env['python_full_version'] unless told otherwise."""
    full = env.get("python_full_version", "3.11.2")
    base = {"python_full_version": full, "python_version": ".".join(full.split(".")[:2]),
            "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
            "platform_machine": "x86_64", "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "extra": ""}
    base.update(env)
    code = ("import json, sys; from packaging.markers import Marker; "
            "m, e = json.load(sys.stdin); print(Marker(m).evaluate(e))")
    r = subprocess.run([DEBIAN_PYTHON, "-c", code], input=json.dumps([marker, base]),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip() == "True"


# ---- 1. a real dependency graph, against pip ---------------------------------------------------

# Requirement sets: several levels of dependencies, extras, markers (win32, darwin, old Pythons),
# upper bounds that take the older of two versions (Debian's and pyenv's of the same project).
# `imports`: modules that must import afterwards (Debian strips the requirements of some of its
# packages, flit's and requests', so those would not import from Debian's corpus alone).
SETS = {
    "deb": {"pyenv": False,
            "reqs": ["flit", "virtualenv", "pytest", "oauthlib[signedtoken,signals]", "pyjwt[crypto]"],
            "imports": ["virtualenv", "pytest", "oauthlib", "jwt", "cryptography", "flit_core",
                        "docutils", "platformdirs", "filelock"]},
    "aws": {"pyenv": True,
            "reqs": ["moto", "flask", "urllib3<2", "openapi-spec-validator", "pytest<8",
                     "requests[use-chardet-on-py3]"],
            "imports": ["moto", "flask", "openapi_spec_validator", "boto3", "pytest", "requests",
                        "chardet", "urllib3"]},
    "ipy": {"pyenv": True,
            "reqs": ["awscli", "ipython", "jsonschema<4.20", "pygments<2.15"],
            "imports": ["awscli", "IPython", "jsonschema", "pygments", "yaml", "rsa"]},
}


class Corpus:
    pass


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Debian's python3 dist-packages (and pyenv's 3.11.7 site-packages when present) rebuilt as
    wheels, served by one index; a project with one environment per set, locked cold."""
    tmp = tmp_path_factory.mktemp("corpus")
    c = Corpus()
    c.index = Index(tmp / "index")
    folder = os.path.join(c.index.root, "x")
    deb = repack.build(repack.interpreter_sites(DEBIAN_PYTHON), str(tmp / "deb"))
    assert len(deb.wheels) >= 20, f"only {len(deb.wheels)} wheels from Debian's python3: {deb.skipped}"
    wheels = list(deb.wheels)
    c.pyenv = os.path.exists(PYENV_CORPUS)
    if c.pyenv:
        pe = repack.build(repack.interpreter_sites(PYENV_CORPUS), str(tmp / "pyenv"))
        wheels += pe.wheels
    for w in wheels:
        if not os.path.exists(os.path.join(folder, os.path.basename(w))):
            shutil.copy(w, folder)
    c.sets = {k: v for k, v in SETS.items() if c.pyenv or not v["pyenv"]}
    c.project = tmp / "proj"
    c.project.mkdir()
    lines = ["version: 1", f'python: "{DEBIAN_PYTHON}"', "index:", f"  url: {c.index.url()}",
             "environments:"]
    for name, s in c.sets.items():
        lines += [f"  {name}:", f"    path: .venv-{name}", "    packages:"]
        lines += [f"      - {json.dumps(r)}" for r in s["reqs"]]
    (c.project / "venv.yaml").write_text("\n".join(lines) + "\n")
    c.cache = str(tmp / "cache")
    c.env = {**os.environ, "VENVSYNC_CACHE_DIR": c.cache, "NO_COLOR": "1", "NETRC": "/nonexistent"}
    c.pip_tmp = tmp / "pip"
    c.pip_tmp.mkdir()
    # pip's resolutions run meanwhile, from a server of their own (its own request log)
    c.pip_index = Index(tmp / "pip-index", root=c.index.root)
    c.pip = {name: PipResolve(DEBIAN_PYTHON, c.pip_index.url(), s["reqs"], c.pip_tmp, name)
             for name, s in c.sets.items()} if PIP_WHEELS else {}
    c.run = lambda *args: subprocess.run([BIN, *args], cwd=str(c.project), env=c.env,
                                         capture_output=True, text=True, timeout=300)
    r = c.run("lock")
    assert r.returncode == 0, f"venvsync lock failed:\n{r.stdout}\n{r.stderr}"
    c.lock_output = r
    c.lock_requests = c.index.requests()
    yield c
    for p in c.pip.values():
        p.close()
    c.pip_index.stop()
    c.index.stop()


def here_environment():
    """Debian's python3's marker environment and tags (for packaging.pylock's selection)."""
    code = ("import json; from packaging.markers import default_environment; "
            "from packaging.tags import sys_tags; "
            "print(json.dumps([default_environment(), [str(t) for t in sys_tags()]]))")
    r = subprocess.run([DEBIAN_PYTHON, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def locked_here(lock):
    """The lock's entries whose marker holds for Debian's python3: [(name, version)]."""
    env, _ = here_environment()
    out = []
    for p in lock["packages"]:
        if "marker" not in p or marker_holds(p["marker"], **env):
            out.append((p["name"], p["version"]))
    return sorted(out)


@needs_pip
@pytest.mark.parametrize("name", list(SETS))
def test_real_graph_resolves_as_pip_does(corpus, name):
    if name not in corpus.sets:
        pytest.skip(f"set {name!r} needs pyenv's 3.11.7 corpus ({PYENV_CORPUS})")
    s = corpus.sets[name]
    lock = load_lock_file(corpus.project / f"pylock.{name}.toml")
    ours = names_versions(locked_here(lock))
    pips = corpus.pip[name].result()
    assert ours == pips, (f"{s['reqs']}: venvsync's lock (for this interpreter) and pip differ\n"
                          f"only venvsync: {sorted(set(ours) - set(pips))}\n"
                          f"only pip: {sorted(set(pips) - set(ours))}")
    # the sync installs exactly that, and the environment holds together
    r = corpus.run("sync", name)
    assert r.returncode == 0, r.stdout + r.stderr
    env = str(corpus.project / f".venv-{name}")
    assert names_versions(dists(env)) == pips
    r = subprocess.run([os.path.join(env, "bin", "python"), os.path.join(PIP_WHEELS[-1], "pip"),
                        "check", "--disable-pip-version-check"], capture_output=True, text=True,
                       env={**os.environ, "PIP_CONFIG_FILE": os.devnull})
    assert r.returncode == 0 and "No broken requirements found" in r.stdout, r.stdout + r.stderr
    code = "; ".join(f"import {m}" for m in s["imports"])
    r = subprocess.run([os.path.join(env, "bin", "python"), "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = corpus.run("check", name)
    assert r.returncode == 0, r.stdout + r.stderr


def test_real_graph_cold_lock_requests(corpus):
    """The cold lock of every set: each page and each .metadata once, no wheel."""
    reqs = corpus.lock_requests
    pages, metas = paths(reqs, "page"), paths(reqs, "metadata")
    assert len(pages) == len(set(pages)), f"pages read twice: {sorted(p for p in set(pages) if pages.count(p) > 1)}"
    assert len(metas) == len(set(metas)), f"metadata read twice: {sorted(p for p in set(metas) if metas.count(p) > 1)}"
    assert paths(reqs, "wheel") == [], "no wheel is downloaded to lock"
    assert paths(reqs, "other") == []
    # every locked version's metadata was read
    for name in corpus.sets:
        for p in load_lock_file(corpus.project / f"pylock.{name}.toml")["packages"]:
            urls = [w["url"] for w in p["wheels"]]
            assert any(u[len(corpus.index.base):] + ".metadata" in metas for u in urls), p["name"]


# ---- 2. the lock file: PEP 751, deterministic ------------------------------------------------

def packaging_python():
    """An interpreter whose packaging has packaging.pylock with Pylock.select (>= 26.1)."""
    probe = "import packaging.pylock as p, tomllib; assert hasattr(p.Pylock, 'select')"
    for exe in [sys.executable] + interpreters():
        if subprocess.run([exe, "-c", probe], capture_output=True).returncode == 0:
            return exe
    return None


PACKAGING_SELECT = r"""
import json, sys, tomllib
from packaging.pylock import Pylock
from packaging.tags import Tag
env, tags, files = json.load(sys.stdin)
out = {}
for f in files:
    with open(f, "rb") as fh:
        lock = Pylock.from_dict(tomllib.load(fh))
    out[f] = sorted([str(p.name), str(p.version),
                     getattr(src, "name", None) or str(src.url or src.path).rsplit("/", 1)[-1]]
                    for p, src in lock.select(environment=env,
                                              tags=[Tag(*t.split("-")) for t in tags]))
json.dump(out, sys.stdout)
"""


def check_pep751(lock, files_dir, index_url):
    """The structure PEP 751 asks for, and every file's size and sha256 against the real one."""
    assert lock["lock-version"] == "1.0"
    assert lock["created-by"] == "venvsync"
    assert re.fullmatch(r">=3\.\d+", lock["requires-python"]), lock["requires-python"]
    assert lock["packages"], "no packages"
    seen = set()
    names = {p["name"] for p in lock["packages"]}
    for p in lock["packages"]:
        where = f"{p.get('name')} {p.get('version')}"
        assert set(p) <= {"name", "version", "marker", "requires-python", "dependencies", "index",
                          "wheels", "sdist", "tool", "attestation-identities"}, (where, set(p))
        assert p["name"] == repack.canonical(p["name"]), f"{where}: the name is normalized"
        assert (p["name"], p["version"]) not in seen, f"{where} twice"
        seen.add((p["name"], p["version"]))
        assert p["index"] == index_url, where
        for d in p.get("dependencies", []):
            assert d["name"] in names, f"{where} depends on {d['name']}, which is not locked"
        assert p.get("wheels"), f"{where}: no wheel"
        for w in p["wheels"]:
            fname = w["url"].rsplit("/", 1)[-1]
            assert w["url"] == index_url.replace("/simple", "/files/") + fname, w
            real = os.path.join(files_dir, fname)
            assert w["size"] == os.path.getsize(real), f"{fname}: size"
            assert w["hashes"] == {"sha256": sha256_of(real)}, f"{fname}: hashes"
            assert fname.split("-")[1] == p["version"].replace("-", "_") or \
                repack.canonical(fname.split("-")[1]) == repack.canonical(p["version"]), (fname, where)
    assert lock["tool"]["venvsync"]["inputs"].startswith("fnv128:")


def test_real_locks_are_valid_pep751(corpus):
    files_dir = os.path.join(corpus.index.root, "x")
    locks = {}
    for name in corpus.sets:
        path = str(corpus.project / f"pylock.{name}.toml")
        locks[path] = load_lock_file(path)
        check_pep751(locks[path], files_dir, corpus.index.url())
    env, tags = here_environment()
    theirs = packaging_select(env, tags, list(locks))
    if theirs is None:
        pytest.skip("no interpreter here has packaging >= 26.1 (packaging.pylock with Pylock.select)")
    for path, lock in locks.items():
        picked = sorted((n, v) for n, v, _ in theirs[path])
        assert picked == locked_here(lock), f"{path}: packaging selects otherwise"


def test_locking_is_deterministic_and_idempotent(corpus, tmp_path):
    name = next(iter(corpus.sets))
    path = corpus.project / f"pylock.{name}.toml"
    cold = path.read_bytes()
    # again from the warm cache, with no old lock to prefer: the same bytes
    path.unlink()
    r = corpus.run("lock", name)
    assert r.returncode == 0, r.stderr
    assert path.read_bytes() == cold, "a second resolution writes the same bytes"
    # from another, empty cache: the same bytes
    env = {**corpus.env, "VENVSYNC_CACHE_DIR": str(tmp_path / "cache2")}
    path.unlink()
    r = subprocess.run([BIN, "lock", name], cwd=str(corpus.project), env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert path.read_bytes() == cold, "a cold resolution writes the same bytes"
    # nothing changed: `lock` leaves the file alone
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    r = corpus.run("lock", name)
    assert r.returncode == 0, r.stderr
    assert path.read_bytes() == cold
    assert path.stat().st_mtime_ns == 1_000_000_000, \
        f"`venvsync lock` with unchanged inputs and sources rewrote {path.name} (same bytes, new mtime)"


def packaging_select(env, tags, files):
    """packaging.pylock's selection for env/tags of every lock file: {file: [[name, version,
    file name]]}; None when no interpreter has packaging >= 26.1 (that part of a test is then
    left out)."""
    exe = packaging_python()
    if not exe:
        return None
    r = subprocess.run([exe, "-c", PACKAGING_SELECT], input=json.dumps([env, tags, files]),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"packaging.pylock refuses a lock:\n{r.stderr}"
    return json.loads(r.stdout)


def test_local_files_are_locked_by_path(venvsync, tmp_project, index, cache):
    """find-links wheels are locked by path relative to the lock, with size and sha256; the lock
    reads alike with tomllib and packaging, and installs."""
    wheels = tmp_project.path("wheels")
    make_wheel(wheels, "localpkg", "1.0", requires=["remotepkg", 'winpkg; os_name == "nt"'])
    make_wheel(wheels, "localpkg", "0.9")
    make_wheel(wheels, "winpkg", "1.0")
    index.add("remotepkg", "2.0")
    tmp_project.write(f"""\
        version: 1
        python: "{DEBIAN_PYTHON}"
        index:
          url: {index.url()}
          find-links: [wheels]
        environments:
          dev:
            path: .venv
            packages: [localpkg]
        """)
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    lock = load_lock(tmp_project)
    by = {p["name"]: p for p in lock["packages"]}
    assert sorted(by) == ["localpkg", "remotepkg", "winpkg"]
    lw = by["localpkg"]["wheels"]
    real = os.path.join(wheels, "localpkg-1.0-py3-none-any.whl")
    assert lw == [{"path": "wheels/localpkg-1.0-py3-none-any.whl", "size": os.path.getsize(real),
                   "hashes": {"sha256": sha256_of(real)}}], lw
    assert "index" not in by["localpkg"]
    assert by["remotepkg"]["wheels"][0]["url"].endswith("/x/files/remotepkg-2.0-py3-none-any.whl")
    assert dists(tmp_project.path(".venv")) == [("localpkg", "1.0"), ("remotepkg", "2.0")]
    env, tags = here_environment()
    win = dict(env, os_name="nt", sys_platform="win32", platform_system="Windows")
    theirs = packaging_select(env, tags, [tmp_project.path("pylock.dev.toml")])
    if theirs is None:
        return  # no packaging >= 26.1 here
    assert sorted(theirs.values())[0] == [["localpkg", "1.0", "localpkg-1.0-py3-none-any.whl"],
                                          ["remotepkg", "2.0", "remotepkg-2.0-py3-none-any.whl"]]
    theirs = packaging_select(win, ["py3-none-any"], [tmp_project.path("pylock.dev.toml")])
    assert [x[0] for x in sorted(theirs.values())[0]] == ["localpkg", "remotepkg", "winpkg"]


def test_direct_references_are_locked_by_url(venvsync, tmp_project, index, cache):
    w = index.add("direct", "1.0", requires=["lib"])
    index.add("lib", "1.0")
    url = f"{index.base}/x/files/direct-1.0-py3-none-any.whl"
    manifest(tmp_project, index.url(), [f"direct @ {url}"])
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    by = {p["name"]: p for p in load_lock(tmp_project)["packages"]}
    assert by["direct"]["wheels"] == [{"url": url, "size": os.path.getsize(w),
                                       "hashes": {"sha256": sha256_of(w)}}], by["direct"]
    assert "index" not in by["direct"] and by["lib"]["index"] == index.url()
    assert dists(tmp_project.path(".venv")) == [("direct", "1.0"), ("lib", "1.0")]
    env, tags = here_environment()
    theirs = packaging_select(env, tags, [tmp_project.path("pylock.dev.toml")])
    if theirs is not None:
        assert [x[:2] for x in theirs[tmp_project.path("pylock.dev.toml")]] == [["direct", "1.0"], ["lib", "1.0"]]


def test_extras_names_are_normalized(venvsync, tmp_project, index, cache):
    """PEP 685: `pkg[Fast.Mode]`, Provides-Extra `fast_mode` and `extra == "fast-mode"` are one
    extra (pip 23.0.1, which predates it, would disagree)."""
    index.add("pkg", "1.0", extras=["fast_mode", "other"],
              requires=['speedy; extra == "fast-mode"', 'slowpoke; extra == "other"'])
    index.add("speedy", "1.0")
    index.add("slowpoke", "1.0")
    manifest(tmp_project, index.url(), ["pkg[Fast.Mode]"])
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv")) == [("pkg", "1.0"), ("speedy", "1.0")]
    # an extra the project does not have: a warning, and nothing more
    manifest(tmp_project, index.url(), ["pkg[nope]"])
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert "pkg 1.0 does not provide the extra 'nope'" in r.stderr, r.stderr
    assert dists(tmp_project.path(".venv")) == [("pkg", "1.0")]


def test_lock_summary_counts_what_it_wrote(venvsync, tmp_project, index, cache):
    small_graph(index)
    manifest(tmp_project, index.url(), ["app"], envs={"other": (DEBIAN_PYTHON, ["lib"])})
    r = run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    assert "dev: wrote pylock.dev.toml" in r.stdout and "other: wrote pylock.other.toml" in r.stdout
    assert r.stdout.rstrip().endswith("2 environments locked"), \
        f"`venvsync lock` wrote two locks and its summary says otherwise:\n{r.stdout}"


# ---- 3. what goes over the network ----------------------------------------------------------

def small_graph(index):
    """app -> lib>=1, util[fast]; lib 2.0 -> util; util 2.0 [fast] -> speedy. Old versions too."""
    index.add("app", "1.0", requires=["lib>=1", "util[fast]"])
    index.add("lib", "1.0")
    index.add("lib", "2.0", requires=["util"])
    index.add("util", "1.0")
    index.add("util", "2.0", extras=["fast"], requires=['speedy; extra == "fast"'])
    index.add("speedy", "1.0")
    return {"app": "1.0", "lib": "2.0", "util": "2.0", "speedy": "1.0"}


def test_cold_resolve_reads_one_page_per_project_and_one_metadata_per_version(
        venvsync, tmp_project, index, cache):
    want = small_graph(index)
    manifest(tmp_project, index.url(), ["app"])
    r = run(venvsync, tmp_project, "-v", "lock", cache=cache, check_rc=0)
    assert locked(tmp_project) == want, r.stdout + r.stderr
    reqs = index.requests()
    pages = paths(reqs, "page")
    assert sorted(pages) == sorted(f"/x/simple/{p}/" for p in want), \
        f"one page per project of the graph, each once: {pages}"
    metas = paths(reqs, "metadata")
    assert sorted(metas) == sorted(f"/x/files/{p}-{v}-py3-none-any.whl.metadata" for p, v in want.items()), \
        f"one .metadata per version considered (the picks here): {metas}"
    assert paths(reqs, "wheel") == [], "no wheel is downloaded to lock"
    assert all(q["status"] == 200 for q in reqs), reqs
    # the install downloads the locked wheels, and nothing else
    index.clear_log()
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert sorted(paths(index.requests())) == sorted(f"/x/files/{p}-{v}-py3-none-any.whl"
                                                     for p, v in want.items()), index.requests()
    assert dists(tmp_project.path(".venv")) == sorted(want.items())


def test_no_metadata_for_versions_the_solver_cannot_take(venvsync, tmp_project, index, cache):
    """Versions ruled out before their metadata matters: outside the range asked for, every
    file yanked, or an index-declared Requires-Python no target has. Their .metadata is never
    fetched, not even ahead of time."""
    small_graph(index)
    index.add("lib", "3.0", meta={"yanked": "oops"})
    index.add("util", "3.0", meta={"requires_python": ">=3.99"})
    manifest(tmp_project, index.url(), ["app", "lib<2"])
    run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    assert locked(tmp_project) == {"app": "1.0", "lib": "1.0", "util": "2.0", "speedy": "1.0"}
    metas = sorted(paths(index.requests(), "metadata"))
    assert metas == sorted(f"/x/files/{n}-py3-none-any.whl.metadata"
                           for n in ("app-1.0", "lib-1.0", "util-2.0", "speedy-1.0")), \
        f"metadata fetched for versions no solution can hold: {metas}"
    # the locked versions are preferred: relocking from an empty cache (a fresh checkout) with
    # newer versions published reads the locked versions' metadata, not the newest's
    manifest(tmp_project, index.url(), ["app", "lib<3"])
    index.add("util", "2.5")
    index.add("speedy", "1.1")
    index.clear_log()
    shutil.rmtree(cache)
    run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    assert locked(tmp_project) == {"app": "1.0", "lib": "1.0", "util": "2.0", "speedy": "1.0"}
    metas = sorted(paths(index.requests(), "metadata"))
    assert metas == sorted(f"/x/files/{n}-py3-none-any.whl.metadata"
                           for n in ("app-1.0", "lib-1.0", "util-2.0", "speedy-1.0")), \
        f"metadata fetched for versions other than the locked ones: {metas}"


def test_without_pep658_metadata_comes_by_ranges_only(venvsync, tmp_project, index, cache):
    want = small_graph(index)
    # a wheel larger than the 16 KiB first range, METADATA before 64 KiB of other data: the
    # central directory comes with the first range, METADATA needs a second one
    index.add("big", "1.0", requires=["app"],
              extra_files={"big/blob.bin": os.urandom(64 * 1024)})
    want["big"] = "1.0"
    index.config({"metadata": False})
    manifest(tmp_project, index.url(), ["big"])
    r = run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    assert locked(tmp_project) == want, r.stdout + r.stderr
    reqs = index.requests()
    assert paths(reqs, "metadata") == [], "no .metadata is asked for when the index has none"
    files = [q for q in reqs if "/files/" in q["path"]]
    assert files and all(q["range"] and q["status"] == 206 for q in files), \
        f"only ranged requests for wheels: {[(q['path'], q['range'], q['status']) for q in files]}"
    per = {}
    for q in files:
        per[q["path"]] = per.get(q["path"], 0) + 1
    assert per == {**{f"/x/files/{p}-{v}-py3-none-any.whl": 1 for p, v in want.items() if p != "big"},
                   "/x/files/big-1.0-py3-none-any.whl": 2}, \
        f"one range for a small wheel (it comes whole), two for a larger one: {per}"


def test_warm_relock_revalidates_and_a_fresh_lock_needs_no_network(
        venvsync, tmp_project, index, cache):
    want = small_graph(index)
    manifest(tmp_project, index.url(), ["app"])
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv")) == sorted(want.items())
    # relocking with --upgrade: every page revalidated (304), metadata from the cache
    index.clear_log()
    r = run(venvsync, tmp_project, "lock", "--upgrade", cache=cache, check_rc=0)
    reqs = index.requests()
    assert sorted((q["path"], q["status"]) for q in reqs) == sorted(
        (f"/x/simple/{p}/", 304) for p in want), f"only 304 revalidations: {reqs}\n{r.stderr}"
    assert all(q["if_none_match"] for q in reqs)
    assert locked(tmp_project) == want
    # a no-op sync with a fresh lock: no request at all
    index.clear_log()
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert "0 changed" in r.stdout, r.stdout
    assert index.requests() == []
    # a new environment from the fresh lock and a filled cache, offline: no request either
    shutil.rmtree(tmp_project.path(".venv"))
    r = run(venvsync, tmp_project, "--offline", "sync", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv")) == sorted(want.items())
    assert index.requests() == []
    # and with the server gone
    index.stop()
    shutil.rmtree(tmp_project.path(".venv"))
    run(venvsync, tmp_project, "--offline", "sync", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv")) == sorted(want.items())
    run(venvsync, tmp_project, "check", cache=cache, check_rc=0)
    # offline, a stale lock that needs a page never fetched: a clear failure, nothing changed
    manifest(tmp_project, index.url(), ["app", "newcomer"])
    before = tmp_project.snapshot()
    r = run(venvsync, tmp_project, "--offline", "sync", cache=cache, check_rc=3)
    assert "offline: no cached index page for newcomer" in r.stderr, r.stderr
    assert tmp_project.snapshot() == before


# ---- 4. backtracking and explanations ------------------------------------------------------

def backtracking_graph(index):
    """The newest of everything fails deep down; the only solution takes older versions of two
    projects.
      web 3.0 -> orm>=2, cache>=2    web 2.0 -> orm>=1, cache    web 1.0 -> (nothing)
      orm 2.0 -> driver>=2           orm 1.0 -> driver
      cache 2.0 -> driver<2          cache 1.0 -> driver
      driver 1.0, 2.0                tool 1.0 -> driver<2
    With tool (driver<2) at the root: web 3.0 needs orm 2 (driver>=2): impossible; web 2.0 with
    orm 1.0, cache 2.0, driver 1.0 is the newest that works."""
    index.add("web", "3.0", requires=["orm>=2", "cache>=2"])
    index.add("web", "2.0", requires=["orm>=1", "cache"])
    index.add("web", "1.0")
    index.add("orm", "2.0", requires=["driver>=2"])
    index.add("orm", "1.0", requires=["driver"])
    index.add("cache", "2.0", requires=["driver<2"])
    index.add("cache", "1.0", requires=["driver"])
    index.add("driver", "1.0")
    index.add("driver", "2.0")
    index.add("tool", "1.0", requires=["driver<2"])


@needs_pip
def test_backtracking_finds_the_solution_pip_finds(venvsync, tmp_project, index, cache, tmp_path):
    backtracking_graph(index)
    manifest(tmp_project, index.url(), ["web", "tool"])
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    want = {"web": "2.0", "orm": "1.0", "cache": "2.0", "driver": "1.0", "tool": "1.0"}
    assert locked(tmp_project) == want, r.stdout + r.stderr
    assert dists(tmp_project.path(".venv")) == sorted(want.items())
    assert pip_resolve(DEBIAN_PYTHON, index.url(), ["web", "tool"], tmp_path) == sorted(want.items())
    # what was rejected had its metadata read, what was never reachable had not
    metas = paths(index.requests(), "metadata")
    assert "/x/files/web-3.0-py3-none-any.whl.metadata" in metas
    assert "/x/files/web-1.0-py3-none-any.whl.metadata" not in metas, metas
    assert len(metas) == len(set(metas)), f"each .metadata fetched once: {metas}"


def test_unsatisfiable_requirements_are_explained(venvsync, tmp_project, index, cache):
    backtracking_graph(index)
    # web>=3 needs driver>=2 (through orm 2.0), tool needs driver<2
    manifest(tmp_project, index.url(), ["web>=3", "tool"])
    before = tmp_project.snapshot()
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=2)
    err = r.stderr
    assert f"web >=3 (venv.yaml:{line_of(0)}:" in err, err
    assert f"tool (venv.yaml:{line_of(1)}:" in err, err
    for bit in ("orm", "driver >=2", "driver <2", "version solving failed"):
        assert bit in err, f"the explanation names {bit!r}:\n{err}"
    assert tmp_project.snapshot() == before, "a failed resolution writes nothing (no lock, no environment)"
    # plan and lock say the same and write nothing either
    r = run(venvsync, tmp_project, "plan", cache=cache, check_rc=2)
    assert f"web >=3 (venv.yaml:{line_of(0)}:" in r.stderr, r.stderr
    r = run(venvsync, tmp_project, "lock", cache=cache, check_rc=2)
    assert f"tool (venv.yaml:{line_of(1)}:" in r.stderr, r.stderr
    assert tmp_project.snapshot() == before


def test_a_project_no_source_has(venvsync, tmp_project, index, cache):
    index.add("present", "1.0", requires=["ghost>=1"])
    manifest(tmp_project, index.url(), ["present"])
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=2)
    assert "ghost" in r.stderr and "no package source has it" in r.stderr, r.stderr
    assert f"present (venv.yaml:{line_of(0)}:" in r.stderr, r.stderr
    assert not os.path.exists(tmp_project.path(".venv"))
    manifest(tmp_project, index.url(), ["phantom==1.0"])
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=2)
    assert f"phantom ==1.0 (venv.yaml:{line_of(0)}:" in r.stderr and "no package source has it" in r.stderr, r.stderr


def test_pre_releases_and_wheel_tags(venvsync, tmp_project, index, cache):
    """Pre-releases only when asked for or the only way; a version without a wheel for this
    machine is passed over here (and explained when pinned)."""
    index.add("pre", "2.0b1")
    index.add("pre", "1.0")
    index.add("onlypre", "1.0rc1")
    index.add("needspre", "1.0", requires=["onlypre"])
    index.add("plat", "2.0", tag="py3-none-win_amd64")
    index.add("plat", "1.0")
    manifest(tmp_project, index.url(), ["pre", "needspre", "plat"])
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    want = {"pre": "1.0", "needspre": "1.0", "onlypre": "1.0rc1", "plat": "1.0"}
    assert locked(tmp_project) == want
    assert dict(dists(tmp_project.path(".venv"))) == want
    manifest(tmp_project, index.url(), ["pre>=2.0b1", "needspre", "plat"])
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert dict(dists(tmp_project.path(".venv")))["pre"] == "2.0b1"
    manifest(tmp_project, index.url(), ["plat==2.0"])
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=2)
    assert re.search(r"plat 2\.0 is unavailable \(no wheel fits linux \w+, Python 3\.11\)", r.stderr), r.stderr


# ---- 5. locks as inputs -------------------------------------------------------------------

def edit_lock(project, *pairs, env="dev"):
    p = project.path(f"pylock.{env}.toml")
    text = open(p).read()
    for old, new in pairs:
        assert old in text, f"{old!r} is not in the lock:\n{text}"
        text = text.replace(old, new)
    with open(p, "w") as f:
        f.write(text)


def test_hand_edited_locks(venvsync, tmp_project, index, cache):
    small_graph(index)
    manifest(tmp_project, index.url(), ["app"])
    run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    lock = tmp_project.path("pylock.dev.toml")
    orig = open(lock).read()
    w2 = os.path.join(index.root, "x", "lib-2.0-py3-none-any.whl")
    w1 = os.path.join(index.root, "x", "lib-1.0-py3-none-any.whl")
    # the version changed by hand, the file still lib 2.0's: the lock contradicts itself
    edit_lock(tmp_project, ('name = "lib"\nversion = "2.0"', 'name = "lib"\nversion = "1.0"'))
    before = tmp_project.snapshot()
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=2)
    assert re.search(r"pylock\.dev\.toml:\d+:\d+: .*lib-2\.0-py3-none-any\.whl' is version 2\.0, "
                     r"not the entry's 1\.0", r.stderr), r.stderr
    assert tmp_project.snapshot() == before, "nothing changes"
    # the hash changed by hand: the download does not match, nothing is installed
    open(lock, "w").write(orig.replace(sha256_of(w2), "0" * 64))
    before = tmp_project.snapshot()
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=3)
    assert "hash mismatch for lib-2.0-py3-none-any.whl" in r.stderr, r.stderr
    assert "expected sha256:" + "0" * 64 in r.stderr and "got      sha256:" + sha256_of(w2) in r.stderr
    assert tmp_project.snapshot() == before, "no environment with some of the packages"
    # a consistent edit (version, file, size and hash of lib 1.0): installed as it is, since
    # it still satisfies what the manifest asks for
    open(lock, "w").write(orig.replace('name = "lib"\nversion = "2.0"', 'name = "lib"\nversion = "1.0"')
                          .replace("lib-2.0-py3", "lib-1.0-py3").replace(sha256_of(w2), sha256_of(w1))
                          .replace(f"size = {os.path.getsize(w2)},", f"size = {os.path.getsize(w1)},"))
    edited = open(lock).read()
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert ("lib", "1.0") in dists(tmp_project.path(".venv"))
    assert open(lock).read() == edited, "a fresh lock is not rewritten"


def test_a_hand_edited_lock_that_breaks_a_requirement_is_stale(venvsync, tmp_project, index, cache):
    """The manifest asks for lib>=2; the lock is edited (consistently: version, file, size, hash)
    to lib 1.0. Installing it would give an environment that contradicts venv.yaml while `check`
    calls it in sync: such a lock is out of date, as if the requirements had changed."""
    small_graph(index)
    manifest(tmp_project, index.url(), ["app", "lib>=2"])
    run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    w2 = os.path.join(index.root, "x", "lib-2.0-py3-none-any.whl")
    w1 = os.path.join(index.root, "x", "lib-1.0-py3-none-any.whl")
    edit_lock(tmp_project, ('name = "lib"\nversion = "2.0"', 'name = "lib"\nversion = "1.0"'),
              ("lib-2.0-py3", "lib-1.0-py3"), (sha256_of(w2), sha256_of(w1)),
              (f"size = {os.path.getsize(w2)},", f"size = {os.path.getsize(w1)},"))
    r = run(venvsync, tmp_project, "sync", "--locked", cache=cache)
    assert r.returncode == 2, (
        "sync --locked installed a lock whose lib 1.0 does not satisfy lib>=2 (venv.yaml:"
        f"{line_of(1)}); expected exit 2 (stale lock)\n{r.stdout}\n{r.stderr}")
    assert not os.path.exists(tmp_project.path(".venv"))
    # --frozen installs it as it is; check then calls the environment out of sync
    run(venvsync, tmp_project, "sync", "--frozen", cache=cache, check_rc=0)
    assert ("lib", "1.0") in dists(tmp_project.path(".venv"))
    r = run(venvsync, tmp_project, "check", cache=cache)
    assert r.returncode == 1, f"check calls lib 1.0 in sync with lib>=2:\n{r.stdout}\n{r.stderr}"
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert ("lib", "2.0") in dists(tmp_project.path(".venv")), r.stdout
    assert locked(tmp_project)["lib"] == "2.0", "sync relocked"
    run(venvsync, tmp_project, "sync", "--locked", cache=cache, check_rc=0)


def test_a_malformed_lock_is_an_error_that_changes_nothing(venvsync, tmp_project, index, cache):
    small_graph(index)
    manifest(tmp_project, index.url(), ["app"])
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    lock = tmp_project.path("pylock.dev.toml")
    orig = open(lock).read()
    lines = orig.splitlines(keepends=True)
    cases = [
        # a TOML syntax error on line 3
        ("".join(lines[:2]) + 'requires-python = ">=3.11\n' + "".join(lines[3:]), 3),
        # valid TOML, but a wheel without its url, path or hashes: the line of the wheel
        (re.sub(r'\{ url = "[^"]*app-1.0[^"]*", ', "{ ", orig), None),
        # a key of the wrong type
        (orig.replace('lock-version = "1.0"', "lock-version = 1"), 1),
    ]
    for text, line in cases:
        with open(lock, "w") as f:
            f.write(text)
        before = tmp_project.snapshot()
        for cmd in (["sync"], ["plan"], ["check"], ["sync", "--frozen"]):
            r = run(venvsync, tmp_project, *cmd, cache=cache)
            assert r.returncode == 2, f"{cmd}: exit {r.returncode}\n{r.stdout}\n{r.stderr}\n{text}"
            m = re.search(r"pylock\.dev\.toml:(\d+):(\d+): ", r.stderr)
            assert m, f"{cmd}: FILE:LINE:COL\n{r.stderr}"
            if line:
                assert int(m.group(1)) == line, r.stderr
            assert tmp_project.snapshot() == before, f"{cmd} changed something"


def test_locked_and_frozen(venvsync, tmp_project, index, cache):
    want = small_graph(index)
    index.add("extra", "1.0")
    manifest(tmp_project, index.url(), ["app"])
    run(venvsync, tmp_project, "sync", "--locked", cache=cache, check_rc=2)  # no lock yet
    assert not os.path.exists(tmp_project.path("pylock.dev.toml"))
    run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    run(venvsync, tmp_project, "sync", "--locked", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv")) == sorted(want.items())
    # the manifest changes: the lock is stale
    manifest(tmp_project, index.url(), ["app", "extra"])
    before = tmp_project.snapshot()
    r = run(venvsync, tmp_project, "sync", "--locked", cache=cache, check_rc=2)
    assert "pylock.dev.toml is out of date" in r.stderr, r.stderr
    assert tmp_project.snapshot() == before
    r = run(venvsync, tmp_project, "check", cache=cache, check_rc=1)
    assert tmp_project.snapshot() == before, "check writes nothing"
    r = run(venvsync, tmp_project, "plan", cache=cache, check_rc=0)
    assert "+ extra 1.0" in r.stdout, r.stdout
    assert tmp_project.snapshot() == before, "plan resolves in memory, writes nothing"
    # --frozen installs the lock as it is, without extra, and leaves the lock alone
    index.clear_log()
    shutil.rmtree(tmp_project.path(".venv"))
    before_lock = open(tmp_project.path("pylock.dev.toml")).read()
    run(venvsync, tmp_project, "sync", "--frozen", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv")) == sorted(want.items())
    assert open(tmp_project.path("pylock.dev.toml")).read() == before_lock
    assert paths(index.requests(), "page") == [] and paths(index.requests(), "metadata") == [], \
        "--frozen never resolves"
    # a plain sync relocks and installs extra
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert ("extra", "1.0") in dists(tmp_project.path(".venv"))
    run(venvsync, tmp_project, "sync", "--locked", cache=cache, check_rc=0)


def test_upgrade_package_changes_only_that_package(venvsync, tmp_project, index, cache):
    index.add("alpha", "1.0")
    index.add("beta", "1.0")
    index.add("gamma", "1.0", requires=["beta"])
    manifest(tmp_project, index.url(), ["alpha", "gamma"])
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert locked(tmp_project) == {"alpha": "1.0", "beta": "1.0", "gamma": "1.0"}
    # new versions of everything; alpha 2.0 needs a new project and a newer beta
    index.add("alpha", "2.0", requires=["delta", "beta>=2"])
    index.add("beta", "2.0")
    index.add("beta", "3.0")
    index.add("gamma", "2.0", requires=["beta"])
    index.add("delta", "1.0")
    # a plain lock keeps everything
    r = run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    assert locked(tmp_project) == {"alpha": "1.0", "beta": "1.0", "gamma": "1.0"}, r.stdout
    r = run(venvsync, tmp_project, "lock", "--upgrade-package", "Alpha", cache=cache, check_rc=0)
    # alpha moves, delta comes with it, beta moves only as far as it must (the locked 1.0 no
    # longer fits: the newest that does is taken), gamma stays
    got = locked(tmp_project)
    assert got["alpha"] == "2.0" and got["delta"] == "1.0" and got["gamma"] == "1.0", got
    assert got["beta"] in ("2.0", "3.0"), got
    assert "~ alpha 1.0 -> 2.0" in r.stdout and "+ delta 1.0" in r.stdout, r.stdout
    assert "gamma" not in r.stdout, r.stdout
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert dict(dists(tmp_project.path(".venv"))) == got
    r = run(venvsync, tmp_project, "lock", "--upgrade", cache=cache, check_rc=0)
    assert locked(tmp_project) == {"alpha": "2.0", "beta": "3.0", "gamma": "2.0", "delta": "1.0"}


# ---- 6. bad remote data ---------------------------------------------------------------------

def test_unusable_metadata_makes_a_version_unavailable(venvsync, tmp_project, index, cache):
    index.add("pkg", "1.0")
    index.add("pkg", "2.0", requires=["foo >>> 1"])  # an invalid requirement
    index.add("other", "1.0")
    index.add("other", "2.0", extra_files={  # METADATA naming another version than the file
        "other-2.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: other\nVersion: 2.5\n"})
    manifest(tmp_project, index.url(), ["pkg", "other"])
    r = run(venvsync, tmp_project, "-v", "lock", cache=cache, check_rc=0)
    assert locked(tmp_project) == {"pkg": "1.0", "other": "1.0"}, r.stdout + r.stderr
    # pinned: the explanation says why
    manifest(tmp_project, index.url(), ["pkg==2.0"])
    r = run(venvsync, tmp_project, "lock", cache=cache, check_rc=2)
    assert ("pkg 2.0 is unavailable (its metadata has an invalid requirement: invalid requirement "
            "'foo >>> 1'") in r.stderr, r.stderr
    assert f"pkg ==2.0 (venv.yaml:{line_of(0)}:" in r.stderr
    manifest(tmp_project, index.url(), ["other==2.0"])
    r = run(venvsync, tmp_project, "lock", cache=cache, check_rc=2)
    assert "other 2.0 is unavailable (its metadata could not be read: " in r.stderr, r.stderr
    assert "METADATA has version 2.5, the file name 2.0" in r.stderr, r.stderr
    # the same without PEP 658 files (ranges) and without ranges (downloads)
    for cfg in ({"metadata": False}, {"metadata": False, "ranges": False}):
        index.config(cfg)
        shutil.rmtree(cache)
        manifest(tmp_project, index.url(), ["pkg", "other"])
        r = run(venvsync, tmp_project, "lock", "--upgrade", cache=cache, check_rc=0)
        assert locked(tmp_project) == {"pkg": "1.0", "other": "1.0"}, (cfg, r.stdout + r.stderr)


def test_passed_over_versions_are_reported(venvsync, tmp_project, index, cache):
    """Without a pin nothing fails, but the user should hear that the newest pkg was left out
    and why (pip warns "Discarding ..."), in a warning or at least with -v."""
    index.add("pkg", "1.0")
    index.add("pkg", "2.0", requires=["foo >>> 1"])
    manifest(tmp_project, index.url(), ["pkg"])
    r = run(venvsync, tmp_project, "-v", "lock", cache=cache, check_rc=0)
    assert locked(tmp_project) == {"pkg": "1.0"}
    assert "pkg 2.0" in r.stderr and "invalid requirement" in r.stderr, \
        f"nothing says why pkg 2.0 was passed over:\n{r.stdout}\n{r.stderr}"


def test_a_metadata_file_whose_hash_lies_stops_everything(venvsync, tmp_project, index, cache):
    small_graph(index)
    for lie in ("hash", "body"):
        index.config({"metadata_lie": lie})
        manifest(tmp_project, index.url(), ["app"])
        before = tmp_project.snapshot()
        r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=3)
        assert "hash mismatch for app-1.0-py3-none-any.whl.metadata" in r.stderr, r.stderr
        assert tmp_project.snapshot() == before, "no lock, no environment"
        assert not os.path.isdir(os.path.join(cache, "metadata-v1")) or \
            not os.listdir(os.path.join(cache, "metadata-v1")), "the lie is not cached"
    index.config({})
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)


def test_a_server_that_dies_mid_resolution_changes_nothing(venvsync, tmp_project, index, cache):
    small_graph(index)
    index.add("newpkg", "1.0", requires=["dep"])
    index.add("dep", "1.0")
    manifest(tmp_project, index.url(), ["app"])
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    # the manifest grows: sync must relock; dep's page hangs and the server is killed meanwhile
    manifest(tmp_project, index.url(), ["app", "newpkg"])
    index.config({"faults": [{"path": "/x/simple/dep/", "delay": 10}]})
    index.clear_log()
    before = tmp_project.snapshot()
    env = {**os.environ, "VENVSYNC_CACHE_DIR": cache, "VENVSYNC_HTTP_RETRIES": "1",
           "NETRC": "/nonexistent", "NO_COLOR": "1"}
    p = subprocess.Popen([BIN, "sync"], cwd=tmp_project.root, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(400):
            if "/x/files/newpkg-1.0-py3-none-any.whl.metadata" in paths(index.requests()):
                break
            time.sleep(0.02)
        else:
            pytest.fail(f"newpkg's metadata was never asked for: {index.requests()}")
        time.sleep(0.3)  # dep's page is on its way
        index.proc.kill()
        index.proc.wait()
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 3, f"exit {p.returncode}\n{out}\n{err}"
    assert "dep" in err, err
    assert tmp_project.snapshot() == before, "the lock and the environment are as they were"


def test_a_dependency_cycle_resolves(venvsync, tmp_project, index, cache):
    index.add("chicken", "1.0", requires=["egg"])
    index.add("egg", "1.0", requires=["chicken>=1"])
    index.add("egg", "2.0", requires=["chicken>=2"])  # no chicken 2: egg 1.0 it is
    manifest(tmp_project, index.url(), ["chicken"])
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv")) == [("chicken", "1.0"), ("egg", "1.0")]
    lock = load_lock(tmp_project)
    deps = {p["name"]: [d["name"] for d in p.get("dependencies", [])] for p in lock["packages"]}
    assert deps == {"chicken": ["egg"], "egg": ["chicken"]}


def test_versions_for_a_newer_python_are_skipped(venvsync, tmp_project, index, cache):
    index.add("pkg", "1.0", requires_python=">=3.7")
    index.add("pkg", "2.0", requires_python=">=3.99")           # METADATA's Requires-Python
    index.add("pkg", "3.0", meta={"requires_python": ">=3.98"})  # the index's data-requires-python
    manifest(tmp_project, index.url(), ["pkg"])
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert locked(tmp_project) == {"pkg": "1.0"}, r.stdout + r.stderr
    assert dists(tmp_project.path(".venv")) == [("pkg", "1.0")]
    for pin, needs in (("pkg==2.0", ">=3.99"), ("pkg==3.0", ">=3.98")):
        manifest(tmp_project, index.url(), [pin])
        r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=2)
        assert f"{pin.replace('==', ' ')} is unavailable (it requires Python {needs})" in r.stderr, r.stderr
    # the index says so: the version needs no metadata to be ruled out
    assert "/x/files/pkg-3.0-py3-none-any.whl.metadata" not in paths(index.requests()), \
        "pkg 3.0's metadata was fetched although the index says it needs Python >=3.98"


def test_yanked_versions_only_when_pinned(venvsync, tmp_project, index, cache):
    index.add("pkg", "1.0")
    index.add("pkg", "2.0", meta={"yanked": "broken build"})
    index.add("pkg", "2.1", meta={"yanked": True})
    manifest(tmp_project, index.url(), ["pkg"])
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert locked(tmp_project) == {"pkg": "1.0"} and dists(tmp_project.path(".venv")) == [("pkg", "1.0")]
    assert "yanked" not in r.stderr, r.stderr
    manifest(tmp_project, index.url(), ["pkg>=2"])
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=2)
    assert "yanked" in r.stderr, r.stderr
    manifest(tmp_project, index.url(), ["pkg==2.0"])
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv")) == [("pkg", "2.0")]
    assert "pkg 2.0 is yanked (broken build); it is used because it is pinned exactly" in r.stderr, r.stderr


# ---- 7. markers and universal locks ------------------------------------------------------------

def marker_graph(index):
    index.add("app", "1.0", requires=['winonly; sys_platform == "win32"', "common",
                                       'backport; python_version < "3.12"'])
    index.add("winonly", "1.0")
    index.add("common", "1.0")
    index.add("backport", "1.0")


def test_platform_and_python_markers_in_a_universal_lock(venvsync, tmp_project, index, cache):
    marker_graph(index)
    manifest(tmp_project, index.url(), ["app"], python=">=3.11,<3.13")
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    lock = load_lock(tmp_project)
    by_name = {p["name"]: p for p in lock["packages"]}
    assert sorted(by_name) == ["app", "backport", "common", "winonly"], r.stdout + r.stderr
    assert "marker" not in by_name["app"] and "marker" not in by_name["common"]
    win = by_name["winonly"]["marker"]
    assert marker_holds(win, sys_platform="win32", platform_system="Windows", os_name="nt",
                        platform_machine="AMD64") and not marker_holds(win), win
    bp = by_name["backport"]["marker"]
    assert marker_holds(bp, python_full_version="3.11.2"), bp
    assert not marker_holds(bp, python_full_version="3.12.1"), bp
    # what this interpreter got: never winonly; backport only below 3.12
    env = tmp_project.path(".venv")
    ver = subprocess.run([os.path.join(env, "bin", "python"), "-c",
                          "import sys; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    got = dict(dists(env))
    assert "winonly" not in got, got
    assert ("backport" in got) == (ver == "3.11"), (ver, got)
    # packaging.pylock reads the lock alike for Linux 3.11 and 3.12 and for Windows
    here, _ = here_environment()
    lock_path = tmp_project.path("pylock.dev.toml")
    for env_, want in ((here, ["app", "backport", "common"]),
                       (dict(here, python_version="3.12", python_full_version="3.12.1"), ["app", "common"]),
                       (dict(here, sys_platform="win32", platform_system="Windows", os_name="nt",
                             platform_machine="AMD64"), ["app", "backport", "common", "winonly"])):
        theirs = packaging_select(env_, ["py3-none-any"], [lock_path])
        if theirs is None:
            break  # no packaging >= 26.1 here
        assert [x[0] for x in theirs[lock_path]] == want, (env_, theirs)


def test_python_markers_select_per_interpreter(venvsync, tmp_project, index, cache):
    """One universal lock installed by a 3.11 and a 3.12: backport only in the 3.11. Each
    interpreter's own lock (a path request locks for its minor alone) agrees."""
    py312 = pyenv_python(12)
    if not py312:
        pytest.skip("needs a CPython 3.12 besides Debian's python3 (pyenv's ~/.pyenv/versions/3.12.*)")
    marker_graph(index)
    manifest(tmp_project, index.url(), ["app"], python=">=3.11,<3.13",
             envs={"a311": (DEBIAN_PYTHON, ["app"]), "a312": (py312, ["app"])})
    run(venvsync, tmp_project, "lock", "dev", cache=cache, check_rc=0)
    for name in ("a311", "a312"):
        shutil.copy(tmp_project.path("pylock.dev.toml"), tmp_project.path(f"pylock.{name}.toml"))
    run(venvsync, tmp_project, "sync", "--frozen", "a311", "a312", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv-a311")) == [("app", "1.0"), ("backport", "1.0"), ("common", "1.0")]
    assert dists(tmp_project.path(".venv-a312")) == [("app", "1.0"), ("common", "1.0")]
    # their own locks
    run(venvsync, tmp_project, "lock", "a311", "a312", cache=cache, check_rc=0)
    assert sorted(locked(tmp_project, "a311")) == ["app", "backport", "common", "winonly"]
    assert sorted(locked(tmp_project, "a312")) == ["app", "common", "winonly"]
    assert load_lock(tmp_project, "a311")["requires-python"] == ">=3.11"
    assert load_lock(tmp_project, "a312")["requires-python"] == ">=3.12"
    run(venvsync, tmp_project, "sync", "a311", "a312", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv-a311")) == [("app", "1.0"), ("backport", "1.0"), ("common", "1.0")]
    assert dists(tmp_project.path(".venv-a312")) == [("app", "1.0"), ("common", "1.0")]


def test_lock_environments_narrow_the_universal_lock(venvsync, tmp_project, index, cache):
    """`lock-environments` (PEP 508 markers) limits the targets: a Linux-only team's lock leaves
    out what only Windows needs, records its environments, and a change to them relocks."""
    marker_graph(index)
    manifest(tmp_project, index.url(), ["app"])
    text = open(tmp_project.path("venv.yaml")).read()
    narrowed = text.replace("environments:\n", "lock-environments: [\"sys_platform == 'linux'\"]\n"
                            "environments:\n", 1)
    with open(tmp_project.path("venv.yaml"), "w") as f:
        f.write(narrowed)
    run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    lock = load_lock(tmp_project)
    names = sorted(p["name"] for p in lock["packages"])
    assert "winonly" not in names, names
    assert names == ["app", "backport", "common"], names
    assert lock["environments"] == ["sys_platform == 'linux'"], lock.get("environments")
    # this machine is Linux: the narrowed lock installs here and is fresh
    run(venvsync, tmp_project, "sync", "--locked", cache=cache, check_rc=0)
    assert sorted(dict(dists(tmp_project.path(".venv")))) == ["app", "backport", "common"]
    # widened again: the inputs changed, so the lock is stale and relocked with winonly
    with open(tmp_project.path("venv.yaml"), "w") as f:
        f.write(text)
    r = run(venvsync, tmp_project, "sync", "--locked", cache=cache)
    assert r.returncode == 2 and "out of date" in r.stderr, r.stderr
    run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    lock = load_lock(tmp_project)
    assert "winonly" in [p["name"] for p in lock["packages"]]
    assert "environments" not in lock
    # a lock narrowed to another platform is made (for a Windows colleague), but this machine
    # cannot install it: a clear refusal that changes nothing
    with open(tmp_project.path("venv.yaml"), "w") as f:
        f.write(text.replace("environments:\n", "lock-environments: [\"sys_platform == 'win32'\"]\n"
                             "environments:\n", 1))
    r = run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    lock = load_lock(tmp_project)
    assert lock["environments"] == ["sys_platform == 'win32'"]
    assert "winonly" in [p["name"] for p in lock["packages"]]
    before = sorted(dists(tmp_project.path(".venv")))
    r = run(venvsync, tmp_project, "sync", cache=cache)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "lock-environments" in r.stderr, r.stderr
    assert sorted(dists(tmp_project.path(".venv"))) == before


def test_a_lock_another_tool_wrote_is_installed_as_it_is(venvsync, tmp_project, index, cache):
    """`pylock: FILE` installs a PEP 751 lock written elsewhere (here: a copy of venvsync's own,
    stripped of its [tool.venvsync] table, as pip or uv would write it) without resolving: no
    request reaches the index, `lock` leaves it alone, and its hashes are still checked."""
    small_graph(index)
    manifest(tmp_project, index.url(), ["app"])
    run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    theirs = open(tmp_project.path("pylock.dev.toml")).read()
    theirs = theirs[:theirs.index("[tool.venvsync]")] if "[tool.venvsync]" in theirs else theirs
    theirs = theirs.replace('created-by = "venvsync"', 'created-by = "uv"')
    os.makedirs(tmp_project.path("locks"))
    with open(tmp_project.path("locks", "pylock.toml"), "w") as f:
        f.write(theirs)
    os.unlink(tmp_project.path("pylock.dev.toml"))
    with open(tmp_project.path("venv.yaml"), "w") as f:
        f.write(f'version: 1\npython: "{DEBIAN_PYTHON}"\nindex:\n  url: {index.url()}\n'
                "environments:\n  dev:\n    path: .venv\n    pylock: locks/pylock.toml\n")
    index.clear_log()
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    want = sorted((p["name"], p["version"]) for p in load_lock_file(tmp_project.path("locks", "pylock.toml"))["packages"])
    assert sorted(dists(tmp_project.path(".venv"))) == want, r.stdout + r.stderr
    assert not [q for q in index.requests() if "/simple/" in q["path"]], \
        "a given lock is never resolved: no index page is read"
    assert not os.path.exists(tmp_project.path("pylock.dev.toml")), "nothing of ours is written"
    r = run(venvsync, tmp_project, "lock", cache=cache, check_rc=0)
    assert "pylock.toml as it is (pylock:), nothing to lock" in r.stdout, r.stdout
    assert open(tmp_project.path("locks", "pylock.toml")).read() == theirs
    run(venvsync, tmp_project, "check", cache=cache, check_rc=0)
    # a file whose hash no longer matches the lock is refused and the environment kept
    bad = re.sub(r'sha256 = "[0-9a-f]{64}"', 'sha256 = "' + "0" * 64 + '"', theirs)
    with open(tmp_project.path("locks", "pylock.toml"), "w") as f:
        f.write(bad)
    shutil.rmtree(tmp_project.path(".venv"))
    shutil.rmtree(cache)
    r = run(venvsync, tmp_project, "sync", cache=cache)
    assert r.returncode == 3 and "hash" in (r.stdout + r.stderr).lower(), r.stdout + r.stderr
    assert not os.path.exists(tmp_project.path(".venv"))
    # and a missing one is a clear error
    os.unlink(tmp_project.path("locks", "pylock.toml"))
    r = run(venvsync, tmp_project, "sync", cache=cache)
    assert r.returncode == 2 and "pylock.toml does not exist" in r.stderr, r.stderr
