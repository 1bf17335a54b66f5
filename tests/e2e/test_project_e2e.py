"""Issue 13 end to end, through `venvsync sync` and the manifest: the repository's own project
(`project:`), local directories and sdists in requirements, `build:` and --no-build/--no-binary,
the rebuild rules and the failures, with real build backends (Debian's setuptools, hatchling,
flit_core and poetry-core, repacked into wheels by tests/fixtures/repack.py) and small test
wheels for the projects' dependencies, in a find-links folder or on a loopback index. Results are
checked with real clients: the environment's own python, pip list / pip check (Debian's pip
against the environment), importlib.metadata, direct_url.json, tomllib on the lock."""
import json
import os
import shutil
import subprocess
import time
import tomllib

import pytest

from conftest import DEBIAN_PYTHON, interpreters
from projlib import (PROJECTS, backend_wheels, copy_project, direct_url, dists, make_sdist,
                     make_wheel, pip_check, pip_editables, run_py, sha256_of, start_index)

# The projects' dependencies, as small pure wheels (name, version, make_wheel arguments).
DEPS = [
    ("attrs", "23.1.0", {}), ("colorama", "0.4.6", {}), ("idna", "3.4", {}),
    ("six", "1.16.0", {}), ("editables", "0.5", {}), ("pytest", "7.4.0", {}),
    ("ujson", "5.8.0", {}), ("ruff", "0.1.5", {}), ("mypy", "1.5.0", {}),
    ("coverage", "7.3.0", {"extras": ["toml"], "requires": ['tomli; extra == "toml"']}),
    ("tomli", "2.0.1", {}), ("requests", "2.31.0", {}), ("PySocks", "1.7.1", {}),
    ("click", "8.1.7", {}), ("PyYAML", "6.0.1", {}),
]


@pytest.fixture(scope="module")
def links(tmp_path_factory):
    """A find-links folder: the real backends and the test wheels of the dependencies."""
    out = str(tmp_path_factory.mktemp("links"))
    backend_wheels(out)
    for name, version, kw in DEPS:
        make_wheel(out, name, version, **kw)
    return out


def write_manifest(proj, env, links, extra_links=(), top=""):
    """venv.yaml with one environment dev at .venv; env: its keys as YAML lines (indented 4)."""
    folders = ", ".join(json.dumps(f) for f in (links, *extra_links))
    proj.write(f'version: 1\npython: "{DEBIAN_PYTHON}"\nindex: {{find-links: [{folders}]}}\n'
               f"{top}environments:\n  dev:\n    path: .venv\n" +
               "".join(f"    {line}\n" for line in env))


def sync(venvsync, proj, *args, rc=0, env=None):
    return venvsync("sync", *args, cwd=proj.root, check_rc=rc, env=env)


def lock_of(proj, name="dev"):
    with open(proj.path(f"pylock.{name}.toml"), "rb") as fh:
        return tomllib.load(fh)


def locked(proj, name):
    return [p for p in lock_of(proj)["packages"] if p["name"] == name]


def dist_info(venv, name, version):
    site = os.path.join(venv, "lib", "python3.11", "site-packages")
    return os.path.join(site, f"{name}-{version}.dist-info")


def state(venv):
    """Every file of the environment with its inode and mtime: what a rebuild would change."""
    out = {}
    for dirpath, _, filenames in os.walk(venv):
        for n in filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            out[os.path.relpath(p, venv)] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


CACHE = []     # the session's cache folder (conftest's cache_dir)


@pytest.fixture(autouse=True)
def _session_cache(cache_dir):
    CACHE[:] = [cache_dir]


def hook_traces(env=None):
    """The modification times of the build stage's scratch and log folders: every backend hook
    runs in a new work directory below builds-v1/tmp and writes a new log below builds-v1/logs
    (deleted when it succeeds), so a run that started no backend leaves both as they were."""
    cache = (env or {}).get("VENVSYNC_CACHE_DIR") or os.environ.get("VENVSYNC_CACHE_DIR")
    out = []
    for sub in ("tmp", "logs"):
        p = os.path.join(cache or CACHE[0], "builds-v1", sub)
        out.append(os.stat(p).st_mtime_ns if os.path.exists(p) else None)
    return out


def assert_in_sync(venvsync, proj, env=None):
    """A second sync changes nothing and builds nothing: no backend hook runs (not even to read
    a project's name) and nothing in the environment is rewritten."""
    venv = proj.path(".venv")
    before = state(venv)
    traces = hook_traces(env)
    p = venvsync("-v", "sync", cwd=proj.root, check_rc=0, env=env)
    assert hook_traces(env) == traces, "a no-op sync ran a build backend hook"
    assert "0 changed, 1 already in sync" in p.stdout, p.stdout
    assert "+ install" not in p.stdout and "reinstall" not in p.stdout, p.stdout
    assert state(venv) == before
    p = venvsync("plan", cwd=proj.root, check_rc=0, env=env)
    assert "0 to change, 1 in sync" in p.stdout, p.stdout
    assert hook_traces(env) == traces, "a no-op plan ran a build backend hook"


# ---- 1. project: . with each real backend --------------------------------------------------

# (fixture, name, version, module, file of the module in the tree, script, dependencies)
BACKENDS = [
    ("st_src", "st-src", "1.2.0", "st_src", "src/st_src/__init__.py", "st-src-hello",
     {"attrs"}),
    ("hatch_src", "hatch-src", "0.4.2", "hatch_src", "src/hatch_src/__init__.py",
     "hatch-src-hello", {"packaging"}),
    ("flit_flat", "flit_flat", "3.1.4", "flit_flat", "flit_flat.py", "flit-flat-hello",
     {"requests"}),
    ("poetry_proj", "poetry-proj", "0.9.0", "poetry_proj", "poetry_proj/__init__.py",
     "poetry-proj-hello", {"idna"}),
]


@pytest.mark.parametrize("case", BACKENDS, ids=[c[0] for c in BACKENDS])
def test_project_editable_with_each_backend(venvsync, tmp_project, links, case):
    fixture, name, version, module, modfile, script, deps = case
    # The manifest sits in the project's own directory: project: .
    shutil.copytree(os.path.join(PROJECTS, fixture), tmp_project.root, dirs_exist_ok=True)
    write_manifest(tmp_project, ["project: ."], links)
    p = sync(venvsync, tmp_project)
    assert f"+ install {name.replace('_', '-').lower()}" in p.stdout.lower(), p.stdout
    venv = tmp_project.path(".venv")
    root = os.path.realpath(tmp_project.root)

    where = run_py(venv, f"import {module}; print({module}.__file__)").strip()
    assert where == os.path.join(root, modfile)
    out = subprocess.run([os.path.join(venv, "bin", script)], capture_output=True, text=True,
                         check=True).stdout
    assert out == f"hello from {module}\n"
    listed = pip_editables(venv)
    assert listed[name]["editable_project_location"] == root, listed
    assert listed[name]["version"] == version
    assert direct_url(venv, name) == {"dir_info": {"editable": True}, "url": "file://" + root}
    installed = dists(venv)
    assert deps <= set(installed), installed
    assert set(installed) == deps | {name.replace("_", "-")}, installed
    pip_check(venv)

    pkg = locked(tmp_project, name.replace("_", "-").lower()) or locked(tmp_project, name)
    assert len(pkg) == 1, lock_of(tmp_project)
    assert pkg[0]["directory"] == {"path": ".", "editable": True}
    assert {d["name"] for d in pkg[0]["dependencies"]} >= deps

    assert_in_sync(venvsync, tmp_project)


# ---- 2. rebuild rules ----------------------------------------------------------------------

def test_rebuild_rules(venvsync, tmp_project, links):
    proj = copy_project(tmp_project.root, "st_src", "proj")
    write_manifest(tmp_project, ["project: proj"], links)
    sync(venvsync, tmp_project)
    venv = tmp_project.path(".venv")
    meta = dist_info(venv, "st_src", "1.2.0")
    assert os.path.isfile(os.path.join(meta, "VENVSYNC_SOURCE"))

    # A source edit: nothing to rebuild, the change shows at once.
    with open(os.path.join(proj, "src", "st_src", "__init__.py"), "a") as fh:
        fh.write("EDITED = 'yes'\n")
    assert run_py(venv, "import st_src; print(st_src.EDITED)") == "yes\n"
    assert_in_sync(venvsync, tmp_project)

    # A new dependency: relocked, rebuilt, installed.
    pyproject = os.path.join(proj, "pyproject.toml")
    with open(pyproject) as fh:
        text = fh.read()
    text = text.replace('dependencies = ["attrs>=20",', 'dependencies = ["attrs>=20", "six",')
    with open(pyproject, "w") as fh:
        fh.write(text)
    p = sync(venvsync, tmp_project)
    assert "__editable__" not in p.stdout + p.stderr, "the backend is heard only with -v"
    assert "+ install six 1.16.0" in p.stdout, p.stdout
    assert "~ reinstall st-src 1.2.0" in p.stdout, p.stdout
    assert "six" in {d["name"] for d in locked(tmp_project, "st-src")[0]["dependencies"]}
    assert "six" in dists(venv)
    assert "six" in run_py(venv, "import importlib.metadata as m; "
                                 "print(m.requires('st-src'))")
    pip_check(venv)
    assert_in_sync(venvsync, tmp_project)

    # New entry points: rebuilt, the new script runs.
    text = text.replace('st-src-hello = "st_src.cli:main"',
                        'st-src-hello = "st_src.cli:main"\nst-src-again = "st_src.cli:main"')
    with open(pyproject, "w") as fh:
        fh.write(text)
    p = sync(venvsync, tmp_project, "-v")
    assert "~ reinstall st-src 1.2.0" in p.stdout, p.stdout
    assert "adding '__editable__.st_src-1.2.0.pth'" in p.stderr, p.stderr
    out = subprocess.run([os.path.join(venv, "bin", "st-src-again")], capture_output=True,
                         text=True, check=True).stdout
    assert out == "hello from st_src\n"
    assert_in_sync(venvsync, tmp_project)



# ---- 3. not editable; extras and groups ----------------------------------------------------

def test_project_not_editable_with_extras_and_groups(venvsync, tmp_project, links):
    proj = copy_project(tmp_project.root, "st_src", "proj")
    write_manifest(tmp_project, ["project: {path: proj, editable: false, extras: [test], "
                                 "groups: [Dev_Tools]}"], links)
    sync(venvsync, tmp_project)
    venv = tmp_project.path(".venv")
    site = os.path.join(venv, "lib", "python3.11", "site-packages")
    where = run_py(venv, "import st_src; print(st_src.__file__)").strip()
    assert where == os.path.join(site, "st_src", "__init__.py")
    assert pip_editables(venv) == {}
    du = direct_url(venv, "st-src")
    assert du["url"] == "file://" + os.path.realpath(proj)
    assert du["dir_info"].get("editable", False) is False, du
    installed = dists(venv)
    # extra test: pytest and st-src[fast] (ujson); group Dev_Tools: pytest, typing (mypy,
    # lint: ruff), coverage[toml] (tomli).
    assert set(installed) == {"st-src", "attrs", "pytest", "ujson", "mypy", "ruff", "coverage",
                              "tomli"}, installed
    pip_check(venv)
    lock = lock_of(tmp_project)
    pkg = locked(tmp_project, "st-src")[0]
    assert pkg["directory"]["path"] == "proj"
    assert pkg["directory"].get("editable", False) is False, pkg   # PEP 751: default false
    assert {p["name"] for p in lock["packages"]} >= {"ruff", "mypy", "coverage", "ujson"}
    # The source is copied: an edit does not show in the environment.
    with open(os.path.join(proj, "src", "st_src", "__init__.py"), "a") as fh:
        fh.write("EDITED = 'yes'\n")
    assert run_py(venv, "import st_src; print(hasattr(st_src, 'EDITED'))") == "False\n"
    assert_in_sync(venvsync, tmp_project)

    # Dropping the group and the extra removes what only they brought.
    write_manifest(tmp_project, ["project: {path: proj, editable: false}"], links)
    sync(venvsync, tmp_project)
    assert set(dists(venv)) == {"st-src", "attrs"}


# ---- 4. legacy setup.py --------------------------------------------------------------------

def test_legacy_setup_py_project(venvsync, tmp_project, links):
    legacy = copy_project(tmp_project.root, "st_legacy", "legacy")
    write_manifest(tmp_project, ["project: {path: legacy, extras: [yaml]}"], links)
    sync(venvsync, tmp_project)
    venv = tmp_project.path(".venv")
    installed = dists(venv)
    assert installed == {"st-legacy": "0.3", "six": "1.16.0", "pyyaml": "6.0.1"}, installed
    out = subprocess.run([os.path.join(venv, "bin", "st-legacy")], capture_output=True,
                         text=True, check=True).stdout
    assert out == "hello from st_legacy\n"
    assert run_py(venv, "import st_legacy; print(st_legacy.__file__)").strip() == \
        os.path.join(os.path.realpath(legacy), "st_legacy.py")
    assert list(pip_editables(venv)) == ["st-legacy"]
    pip_check(venv)
    pkg = locked(tmp_project, "st-legacy")[0]
    assert pkg["directory"] == {"path": "legacy", "editable": True}
    assert_in_sync(venvsync, tmp_project)
    # setup.py is a build input: a change there rebuilds (here, the version).
    with open(os.path.join(legacy, "setup.py")) as fh:
        text = fh.read()
    with open(os.path.join(legacy, "setup.py"), "w") as fh:
        fh.write(text.replace('version="0.3"', 'version="0.4"'))
    p = sync(venvsync, tmp_project)
    assert "st-legacy" in p.stdout and dists(venv)["st-legacy"] == "0.4", p.stdout
    assert_in_sync(venvsync, tmp_project)


# ---- 5. requirements-file forms; dynamic metadata ------------------------------------------

def test_requirements_file_forms(venvsync, tmp_project, links):
    root = tmp_project.root
    hatch = copy_project(root, "hatch_src", "projs/hatch")
    flit = copy_project(root, "flit_flat", "projs/flit")
    st = copy_project(root, "st_src", "projs/st")
    dynamic = copy_project(root, "st_dynamic", "projs/dynamic")
    tmp_project.write(f"-e ./projs/hatch\n./projs/flit\nst-src @ file://{st}\n",
                      "requirements.txt")
    write_manifest(tmp_project, ["requirements: [requirements.txt]",
                                 "packages: [./projs/dynamic]"], links)
    sync(venvsync, tmp_project)
    venv = tmp_project.path(".venv")
    installed = dists(venv)
    assert installed == {"hatch-src": "0.4.2", "flit-flat": "3.1.4", "st-src": "1.2.0",
                         "st-dynamic": "2.5.1", "packaging": "23.0", "requests": "2.31.0",
                         "attrs": "23.1.0", "idna": "3.4"}, installed
    assert list(pip_editables(venv)) == ["hatch-src"]
    assert direct_url(venv, "hatch-src") == {"dir_info": {"editable": True},
                                             "url": "file://" + os.path.realpath(hatch)}
    for name, path in (("flit_flat", flit), ("st-src", st), ("st-dynamic", dynamic)):
        assert direct_url(venv, name) == {"dir_info": {},
                                          "url": "file://" + os.path.realpath(path)}, name
    site = os.path.join(venv, "lib", "python3.11", "site-packages")
    for module, where in (("hatch_src", os.path.join(os.path.realpath(hatch), "src")),
                          ("flit_flat", site), ("st_src", site), ("st_dynamic", site)):
        got = run_py(venv, f"import {module}; print({module}.__file__)").strip()
        assert got.startswith(where + "/"), (module, got)
    pip_check(venv)
    lock = {p["name"]: p for p in lock_of(tmp_project)["packages"]}
    assert lock["hatch-src"]["directory"] == {"path": "projs/hatch", "editable": True}
    for name, path in (("flit-flat", "projs/flit"), ("st-dynamic", "projs/dynamic")):
        assert lock[name]["directory"]["path"] == path
        assert lock[name]["directory"].get("editable", False) is False
    # st_dynamic's dependencies come from its requirements.txt, read by the backend.
    assert {d["name"] for d in lock["st-dynamic"]["dependencies"]} == {"idna"}
    assert_in_sync(venvsync, tmp_project)


# ---- 6. sdist-only dependencies ------------------------------------------------------------

@pytest.fixture(scope="module")
def flit_sdist(tmp_path_factory):
    """flit_flat 3.1.4 as an sdist only (PKG-INFO 2.1, so its metadata needs the backend)."""
    d = tmp_path_factory.mktemp("sdist")
    return make_sdist(d, os.path.join(PROJECTS, "flit_flat"), "flit_flat-3.1.4",
                      "Metadata-Version: 2.1\nName: flit_flat\nVersion: 3.1.4\n"
                      "Requires-Dist: requests>=2\n", folder=d)


def links_without(links, folder, prefix):
    """A copy of find-links folder links (symbolic links) without the files starting with
    prefix: with the backend gone, a build would fail, so a sync that passes built nothing."""
    os.makedirs(folder)
    for n in os.listdir(links):
        if not n.startswith(prefix):
            os.symlink(os.path.join(links, n), os.path.join(folder, n))
    return str(folder)


def built_wheels(cache):
    d = os.path.join(cache, "builds-v1", "wheels")
    out = {}
    for dirpath, _, files in os.walk(d):
        for n in files:
            if n.endswith(".whl"):
                p = os.path.join(dirpath, n)
                out[p] = os.stat(p).st_mtime_ns
    return out


def test_sdist_from_find_links_built_once(venvsync, tmp_project, tmp_path, links, flit_sdist):
    cache = str(tmp_path / "cache")
    env = {"VENVSYNC_CACHE_DIR": cache}
    sdists = str(tmp_path / "sdists")
    os.mkdir(sdists)
    shutil.copy(flit_sdist, sdists)
    write_manifest(tmp_project, ["packages: [flit_flat]"], links, [sdists])
    sync(venvsync, tmp_project, env=env)
    venv = tmp_project.path(".venv")
    assert dists(venv) == {"flit-flat": "3.1.4", "requests": "2.31.0"}
    built = built_wheels(cache)
    assert [os.path.basename(w) for w in built] == ["flit_flat-3.1.4-py3-none-any.whl"]
    pkg = locked(tmp_project, "flit-flat")[0]
    assert "wheels" not in pkg
    assert pkg["sdist"]["hashes"] == {"sha256": sha256_of(flit_sdist)}
    assert pkg["sdist"]["size"] == os.path.getsize(flit_sdist)
    pip_check(venv)
    assert_in_sync(venvsync, tmp_project, env)

    # A new environment wanting the same sdist: the cached wheel, no build (flit_core is gone).
    shutil.rmtree(venv)
    os.unlink(tmp_project.path("pylock.dev.toml"))
    write_manifest(tmp_project, ["packages: [flit_flat]"],
                   links_without(links, tmp_path / "noflit", "flit_core-"), [sdists])
    p = sync(venvsync, tmp_project, env=env)
    assert "+ install flit-flat 3.1.4" in p.stdout, p.stdout
    assert built_wheels(cache) == built
    assert dists(venv) == {"flit-flat": "3.1.4", "requests": "2.31.0"}

    # The sdist changed under the lock: with the wheel built from the locked bytes in the
    # cache, that wheel is installed; with an empty cache the build checks the hash and fails.
    shutil.rmtree(venv)
    with open(os.path.join(sdists, os.path.basename(flit_sdist)), "ab") as fh:
        fh.write(b"\0" * 16)
    sync(venvsync, tmp_project, "--frozen", env=env)
    assert dists(venv)["flit-flat"] == "3.1.4"
    shutil.rmtree(venv)
    p = sync(venvsync, tmp_project, "--frozen", rc=3,
             env={"VENVSYNC_CACHE_DIR": str(tmp_path / "cache2")})
    assert "does not match the expected " + sha256_of(flit_sdist) in p.stderr, p.stderr
    assert not os.path.exists(venv)


def test_sdist_from_index(venvsync, tmp_project, tmp_path, links, flit_sdist):
    cache = str(tmp_path / "cache")
    env = {"VENVSYNC_CACHE_DIR": cache}
    proc, base, root, log = start_index(tmp_path / "index")
    try:
        os.makedirs(os.path.join(root, "a"))
        shutil.copy(flit_sdist, os.path.join(root, "a"))
        tmp_project.write(f'version: 1\npython: "{DEBIAN_PYTHON}"\n'
                          f'index: {{url: "{base}/a/simple", find-links: ["{links}"]}}\n'
                          "environments:\n  dev:\n    path: .venv\n"
                          "    packages: [flit_flat]\n  other:\n    path: .other\n"
                          "    packages: [flit_flat]\n")
        sync(venvsync, tmp_project, "dev", env=env)
        venv = tmp_project.path(".venv")
        assert dists(venv) == {"flit-flat": "3.1.4", "requests": "2.31.0"}
        pkg = locked(tmp_project, "flit-flat")[0]
        assert pkg["sdist"]["url"] == f"{base}/a/files/flit_flat-3.1.4.tar.gz"
        assert pkg["sdist"]["hashes"] == {"sha256": sha256_of(flit_sdist)}
        built = built_wheels(cache)
        assert len(built) == 1
        # The other environment: its own lock, the same cached wheel (flit_core is gone: a
        # build would fail).
        noflit = links_without(links, tmp_path / "noflit", "flit_core-")
        with open(tmp_project.path("venv.yaml")) as fh:
            text = fh.read()
        tmp_project.write(text.replace(links, noflit))
        sync(venvsync, tmp_project, "other", env=env)
        assert built_wheels(cache) == built
        assert dists(tmp_project.path(".other"))["flit-flat"] == "3.1.4"
        files = [json.loads(line)["path"] for line in open(log)]
        assert files.count("/a/files/flit_flat-3.1.4.tar.gz") == 1, files
    finally:
        proc.terminate()
        proc.wait()


# ---- 7. build: never / always --------------------------------------------------------------

def test_build_never_refuses(venvsync, tmp_project, tmp_path, links, flit_sdist):
    copy_project(tmp_project.root, "st_src", "proj")
    write_manifest(tmp_project, ["packages: [attrs]"], links)
    sync(venvsync, tmp_project)
    venv = tmp_project.path(".venv")
    before_lock = open(tmp_project.path("pylock.dev.toml")).read()
    before = state(venv)

    write_manifest(tmp_project, ["packages: [attrs]", "project: proj", "build: never"], links)
    p = sync(venvsync, tmp_project, rc=2)
    assert ("venv.yaml:8:14: a project is built, and building is off (build: never, or "
            "--no-build)") in p.stderr, \
        p.stderr
    assert state(venv) == before
    assert open(tmp_project.path("pylock.dev.toml")).read() == before_lock

    write_manifest(tmp_project, ["packages: [attrs]", "project: proj"], links)
    p = sync(venvsync, tmp_project, "--no-build", rc=2)
    assert "a project is built, and building is off" in p.stderr, p.stderr
    assert state(venv) == before
    assert open(tmp_project.path("pylock.dev.toml")).read() == before_lock

    # An sdist-only requirement: left out, so nothing satisfies it.
    sdists = str(tmp_path / "sdists")
    os.mkdir(sdists)
    shutil.copy(flit_sdist, sdists)
    write_manifest(tmp_project, ["packages: [attrs, flit_flat]"], links, [sdists],
                   top="build: never\n")
    p = sync(venvsync, tmp_project, rc=2)
    assert ("flit-flat 3.1.4 is unavailable (no wheel fits linux x86_64, Python 3.11 and "
            "building is off)") in p.stderr, p.stderr
    assert state(venv) == before
    assert open(tmp_project.path("pylock.dev.toml")).read() == before_lock


PLAIN_PYPROJECT = """[build-system]
requires = ["flit_core>=3.2,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "plainpkg"
version = "1.0"
description = "a flit project without dependencies"
"""


@pytest.fixture
def wheel_and_sdist(tmp_path):
    """A folder holding plainpkg 1.0 as a wheel (ORIGIN = 'wheel') and as an sdist
    (ORIGIN = 'sdist')."""
    src = tmp_path / "plainpkg-src"
    src.mkdir()
    (src / "pyproject.toml").write_text(PLAIN_PYPROJECT)
    (src / "plainpkg.py").write_text("ORIGIN = 'sdist'\n")
    folder = tmp_path / "both"
    folder.mkdir()
    make_sdist(tmp_path, str(src), "plainpkg-1.0",
               "Metadata-Version: 2.2\nName: plainpkg\nVersion: 1.0\n", folder=folder)
    make_wheel(str(folder), "plainpkg", "1.0", modules={"plainpkg.py": "ORIGIN = 'wheel'\n"})
    return str(folder)


def origin(venv):
    return run_py(venv, "import plainpkg; print(plainpkg.ORIGIN)").strip()


def test_build_always_builds_from_the_sdist(venvsync, tmp_project, links, wheel_and_sdist):
    write_manifest(tmp_project, ["packages: [plainpkg, attrs]"], links, [wheel_and_sdist])
    sync(venvsync, tmp_project)
    venv = tmp_project.path(".venv")
    assert origin(venv) == "wheel"
    assert "sdist" in locked(tmp_project, "plainpkg")[0], "the lock has both"

    # build: always with a package that has no sdist (attrs): refused, nothing changes.
    before = state(venv)
    write_manifest(tmp_project, ["packages: [plainpkg, attrs]", "build: always"], links,
                   [wheel_and_sdist])
    p = sync(venvsync, tmp_project, rc=2)
    assert "attrs" in p.stderr and "build: always" in p.stderr, p.stderr
    assert state(venv) == before

    # (A version installed already stays: the policy picks files, it does not judge installs.)
    shutil.rmtree(venv)
    write_manifest(tmp_project, ["packages: [plainpkg]", "build: always"], links,
                   [wheel_and_sdist])
    sync(venvsync, tmp_project)
    assert origin(venv) == "sdist"
    assert set(dists(venv)) == {"plainpkg"}
    pip_check(venv)
    assert_in_sync(venvsync, tmp_project)

    # --no-binary for one run, from a clean slate.
    shutil.rmtree(venv)
    os.unlink(tmp_project.path("pylock.dev.toml"))
    write_manifest(tmp_project, ["packages: [plainpkg]"], links, [wheel_and_sdist])
    sync(venvsync, tmp_project, "--no-binary")
    assert origin(venv) == "sdist"


def test_no_build_takes_the_wheel(venvsync, tmp_project, links, wheel_and_sdist):
    write_manifest(tmp_project, ["packages: [plainpkg]"], links, [wheel_and_sdist])
    sync(venvsync, tmp_project, "--no-build")
    assert origin(tmp_project.path(".venv")) == "wheel"
    pkg = locked(tmp_project, "plainpkg")[0]
    assert "wheels" in pkg


# ---- 8. failures ---------------------------------------------------------------------------

@pytest.fixture
def synced_env(venvsync, tmp_project, links):
    """An environment holding attrs, synced; returns (its state, the lock's text)."""
    write_manifest(tmp_project, ["packages: [attrs]"], links)
    sync(venvsync, tmp_project)
    return state(tmp_project.path(".venv")), open(tmp_project.path("pylock.dev.toml")).read()


def assert_untouched(tmp_project, synced_env):
    assert state(tmp_project.path(".venv")) == synced_env[0]
    assert open(tmp_project.path("pylock.dev.toml")).read() == synced_env[1]
    assert set(dists(tmp_project.path(".venv"))) == {"attrs"}


def log_of(stderr):
    lines = [ln for ln in stderr.splitlines() if ln.strip().startswith("full log: ")]
    assert lines, stderr
    path = lines[-1].split("full log: ", 1)[1]
    assert os.path.isfile(path), path
    with open(path) as fh:
        return fh.read()


def test_crashing_backend(venvsync, tmp_project, links, synced_env):
    copy_project(tmp_project.root, "backend_crash", "proj")
    write_manifest(tmp_project, ["packages: [attrs]", "project: {path: proj, editable: false}"],
                   links)
    p = sync(venvsync, tmp_project, rc=3)
    assert "prepare_metadata_for_build_wheel failed (exit status 1)" in p.stderr, p.stderr
    assert "    crashy: metadata step 39" in p.stderr.splitlines()
    assert "RuntimeError: crashy backend: metadata exploded" in p.stderr
    text = log_of(p.stderr)
    assert "crashy: metadata step 0\n" in text
    assert_untouched(tmp_project, synced_env)


def test_editable_without_build_editable_hook(venvsync, tmp_project, links, synced_env):
    copy_project(tmp_project.root, "backend_crash", "proj")
    write_manifest(tmp_project, ["packages: [attrs]", "project: proj"], links)
    p = sync(venvsync, tmp_project, rc=3)
    assert "no build_editable hook (PEP 660)" in p.stderr, p.stderr
    assert_untouched(tmp_project, synced_env)


def test_toml_syntax_error(venvsync, tmp_project, links, synced_env):
    proj = copy_project(tmp_project.root, "bad_toml", "proj")
    write_manifest(tmp_project, ["packages: [attrs]", "project: proj"], links)
    # The user's own file is invalid: an input error (exit 2), as for the manifest.
    p = sync(venvsync, tmp_project, rc=2)
    assert (f"venv.yaml:8:14: project {proj}: {proj}/pyproject.toml:9:1: unexpected end of "
            f"file (expected ',' or ']')\n") in p.stderr, p.stderr
    assert_untouched(tmp_project, synced_env)


def test_missing_backend(venvsync, tmp_project, links, synced_env):
    proj = copy_project(tmp_project.root, "backend_crash", "proj")
    # The requirement resolves (setuptools) but the backend module is not in it.
    with open(os.path.join(proj, "pyproject.toml"), "w") as fh:
        fh.write('[build-system]\nrequires = ["setuptools"]\nbuild-backend = "nosuch.api"\n\n'
                 '[project]\nname = "backend-missing"\ndynamic = ["version"]\n')
    write_manifest(tmp_project, ["packages: [attrs]", "project: {path: proj, editable: false}"],
                   links)
    p = sync(venvsync, tmp_project, rc=3)
    assert ("cannot import the build backend 'nosuch.api' (ModuleNotFoundError: No module "
            "named 'nosuch')") in p.stderr, p.stderr
    assert_untouched(tmp_project, synced_env)
    # A build requirement nothing provides.
    shutil.rmtree(proj)
    copy_project(tmp_project.root, "backend_missing", "proj")
    # (unsatisfiable requirements exit 2, as a lock's do)
    p = sync(venvsync, tmp_project, rc=2)
    assert ("Because you asked for no-such-backend (the build requirements of backend-missing "
            f"({proj})) which doesn't match any versions") in p.stderr, p.stderr
    assert_untouched(tmp_project, synced_env)


def test_hanging_backend_times_out(venvsync, tmp_project, links, synced_env):
    copy_project(tmp_project.root, "backend_hang", "proj")
    write_manifest(tmp_project, ["packages: [attrs]", "project: {path: proj, editable: false}"],
                   links)
    t0 = time.monotonic()
    p = sync(venvsync, tmp_project, rc=3, env={"VENVSYNC_BUILD_TIMEOUT": "2"})
    assert time.monotonic() - t0 < 20
    assert "did not finish within 2 s and was killed" in p.stderr, p.stderr
    assert "hangy: starting a helper and waiting forever" in p.stderr
    log_of(p.stderr)
    assert_untouched(tmp_project, synced_env)
    p = venvsync("sync", cwd=tmp_project.root, env={"VENVSYNC_BUILD_TIMEOUT": "soon"})
    assert p.returncode == 2 and "VENVSYNC_BUILD_TIMEOUT" in p.stderr, p.stderr


# ---- 9. a C extension ----------------------------------------------------------------------

def test_c_extension(venvsync, tmp_project, links):
    proj = copy_project(tmp_project.root, "st_cext", "proj")
    write_manifest(tmp_project, ["project: proj"], links)
    sync(venvsync, tmp_project)
    venv = tmp_project.path(".venv")
    assert run_py(venv, "import st_cext; print(st_cext.add(20, 22))") == "42\n"
    ext = run_py(venv, "import st_cext._speed as s; print(s.__file__)").strip()
    assert ext.startswith(os.path.realpath(proj) + "/"), ext
    assert ext.endswith(".cpython-311-x86_64-linux-gnu.so"), ext
    assert_in_sync(venvsync, tmp_project)


def pyenv_with_setuptools():
    """(python, its bundled setuptools wheel) of a pyenv CPython whose ensurepip bundles a
    setuptools >= 61 (3.10, 3.11), or None. Debian's setuptools wheels are patched for Debian's
    Python (install_layout) and fail on another, so that build environment takes this one."""
    import glob
    for exe in interpreters()[1:]:
        lib = os.path.dirname(os.path.dirname(exe))
        found = glob.glob(os.path.join(lib, "lib", "python3.*", "ensurepip", "_bundled",
                                       "setuptools-6[1-9].*-py3-none-any.whl"))
        if found:
            return exe, found[0]
    return None


def test_c_extension_on_pyenv_python(venvsync, tmp_project, tmp_path, links):
    found = pyenv_with_setuptools()
    if not found:
        pytest.skip("no pyenv CPython 3.10/3.11 with a bundled setuptools >= 61")
    python, setuptools = found
    folder = links_without(links, tmp_path / "links", "setuptools-")
    shutil.copy(setuptools, folder)
    proj = copy_project(tmp_project.root, "st_cext", "proj")
    tmp_project.write(f'version: 1\npython: "{python}"\nindex: {{find-links: ["{folder}"]}}\n'
                      "environments:\n  dev:\n    path: .venv\n    project: proj\n")
    sync(venvsync, tmp_project)
    venv = tmp_project.path(".venv")
    assert run_py(venv, "import sys; print(sys.version_info[:2] == (%s))"
                  % ", ".join(os.path.basename(python)[6:].split("."))) == "True\n"
    assert run_py(venv, "import st_cext; print(st_cext.add(20, 22))") == "42\n"
    ext = run_py(venv, "import st_cext._speed as s; print(s.__file__)").strip()
    minor = os.path.basename(python)[6:].replace(".", "")
    assert ext == os.path.join(os.path.realpath(proj), "st_cext",
                               f"_speed.cpython-{minor}-x86_64-linux-gnu.so"), ext
    assert_in_sync(venvsync, tmp_project)
