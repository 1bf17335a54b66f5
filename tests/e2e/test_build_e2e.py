"""PEP 517 / PEP 660 builds with real backends, offline, through the test-only tool vsbuild (built
next to the venvsync binary with VENVSYNC_TESTS) until sync wires builds in: setuptools (with and
without pyproject.toml, legacy setup.py, dynamic metadata, a C extension), hatchling, flit_core
and poetry-core (Debian's, repacked into wheels by tests/fixtures/repack.py), src and flat
layouts, extras, dependency groups, editable installs that import from the source tree and show
in `pip list --editable`, the cached build environment, sdists built once, the failures (TOML
syntax, a crashing, a hanging and a missing backend), and the embedded front end hooks.py on
every Python 3 of the machine."""
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import BIN, SRC, interpreters
from projlib import (BACKEND_WHEELS, PROJECTS, backend_wheels, copy_project, make_sdist,
                     make_venv, metadata_fields, pip_editables, run_py)

TOOL = os.path.join(os.path.dirname(BIN), "vsbuild")
HOOKS_PY = os.path.join(SRC, "src", "build", "hooks.py")


@pytest.fixture(scope="module")
def tool():
    if not os.path.exists(TOOL):
        pytest.fail(f"{TOOL} is missing: build with -DVENVSYNC_TESTS=ON")
    return TOOL


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """{project name: wheel path}: setuptools and wheel as Debian ships them, the other backends
    repacked from Debian's dist-packages."""
    return backend_wheels(tmp_path_factory.mktemp("backend-wheels"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("build-cache"))


def wheel_args(wheels, backend):
    args = []
    for n in BACKEND_WHEELS[backend]:
        args += ["--wheel", wheels[n.replace("_", "-")]]
    return args


def vsbuild(tool, cache, *args, check=0, timeout=300):
    p = subprocess.run([tool, "--cache", cache, *args], capture_output=True, text=True,
                       timeout=timeout)
    if check is not None:
        assert p.returncode == check, (f"vsbuild {' '.join(args)} exited {p.returncode}, "
                                       f"expected {check}\n--- stdout\n{p.stdout}\n--- stderr\n"
                                       f"{p.stderr}")
    return p


def out_json(p):
    return json.loads(p.stdout)


# ---- real backends -------------------------------------------------------------------------

# (fixture, backend, name, version, module, script, static metadata, Requires-Dist, extras)
CASES = [
    ("st_src", "setuptools", "st-src", "1.2.0", "st_src", "st-src-hello", True,
     {"attrs>=20"}, {"test", "fast"}),
    ("st_legacy", "setuptools", "st-legacy", "0.3", "st_legacy", "st-legacy", False,
     {"six (>=1.10)"}, {"yaml"}),
    ("st_dynamic", "setuptools", "st-dynamic", "2.5.1", "st_dynamic", None, False,
     {"idna (>=3)"}, set()),
    ("hatch_src", "hatchling", "hatch-src", "0.4.2", "hatch_src", "hatch-src-hello", False,
     {"packaging>=20"}, {"cli"}),
    ("flit_flat", "flit_core", "flit_flat", "3.1.4", "flit_flat", "flit-flat-hello", False,
     {"requests>=2"}, {"socks"}),
    ("poetry_proj", "poetry-core", "poetry-proj", "0.9.0", "poetry_proj", "poetry-proj-hello",
     False, {"idna (>=2.10)"}, {"toml"}),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_real_backend(tool, wheels, cache, tmp_path, case):
    fixture, backend, name, version, module, script, static, deps, extras = case
    proj = copy_project(tmp_path, fixture)
    w = wheel_args(wheels, backend)

    info = out_json(vsbuild(tool, cache, "inspect", proj))
    assert info["static"] is static
    if fixture == "st_legacy":
        assert info["legacy"] and info["requires"] == ["setuptools>=40.8.0"]
        assert info["backend"] == "setuptools.build_meta:__legacy__"

    meta = out_json(vsbuild(tool, cache, *w, "metadata", proj))
    assert meta["static"] is static
    f = metadata_fields(meta["metadata"])
    assert f["Name"] == [name] and f["Version"] == [version], meta["metadata"]
    assert deps <= set(f.get("Requires-Dist", [])), meta["metadata"]
    assert set(f.get("Provides-Extra", [])) == extras, meta["metadata"]

    out = tmp_path / "dist"
    out.mkdir()
    whl = out_json(vsbuild(tool, cache, *w, "wheel", proj, str(out)))["wheel"]
    assert os.path.dirname(whl) == str(out)
    assert os.path.basename(whl).startswith(name.replace("-", "_") + "-" + version + "-")

    # Editable: installed into a fresh environment, the module comes from the source tree, the
    # console script runs, and pip lists the project as editable at its directory.
    venv = make_venv(tmp_path / "venv")
    res = out_json(vsbuild(tool, cache, *w, "install-editable", proj, venv))
    assert res["env_reused"], "the build environment of the earlier steps is reused"
    assert not os.path.exists(res["wheel"]), "the editable wheel is not kept"
    where = run_py(venv, f"import {module}; print({module}.__file__)").strip()
    assert where.startswith(os.path.realpath(proj) + os.sep), where
    if script:
        hello = subprocess.run([os.path.join(venv, "bin", script)], capture_output=True,
                               text=True, check=True).stdout
        assert hello == f"hello from {module}\n"
    listed = pip_editables(venv)
    assert listed[name]["editable_project_location"] == os.path.realpath(proj), listed
    assert listed[name]["version"] == version
    dist_info = [d for d in os.listdir(os.path.join(venv, "lib", "python3.11", "site-packages"))
                 if d.endswith(".dist-info")]
    assert len(dist_info) == 1
    with open(os.path.join(venv, "lib", "python3.11", "site-packages", dist_info[0],
                           "direct_url.json")) as fh:
        assert json.load(fh) == {"dir_info": {"editable": True},
                                 "url": "file://" + os.path.realpath(proj)}


def test_editable_source_edits_show_without_rebuild(tool, wheels, cache, tmp_path):
    proj = copy_project(tmp_path, "hatch_src")
    venv = make_venv(tmp_path / "venv")
    vsbuild(tool, cache, *wheel_args(wheels, "hatchling"), "install-editable", proj, venv)
    with open(os.path.join(proj, "src", "hatch_src", "__init__.py"), "a") as fh:
        fh.write("\ndef extra():\n    return 'new code'\n")
    assert run_py(venv, "import hatch_src; print(hatch_src.extra())") == "new code\n"


def test_c_extension_editable(tool, wheels, cache, tmp_path):
    proj = copy_project(tmp_path, "st_cext")
    venv = make_venv(tmp_path / "venv")
    vsbuild(tool, cache, *wheel_args(wheels, "setuptools"), "install-editable", proj, venv)
    assert run_py(venv, "import st_cext; print(st_cext.add(20, 22))") == "42\n"
    ext = run_py(venv, "import st_cext._speed as s; print(s.__file__)").strip()
    assert ext.startswith(os.path.realpath(proj)), ext
    assert ext.endswith(".cpython-311-x86_64-linux-gnu.so"), ext


def test_dependency_groups_expand_includes(tool, cache):
    proj = os.path.join(PROJECTS, "st_src")
    got = out_json(vsbuild(tool, cache, "group", proj, "Dev.Tools"))["requirements"]
    assert got == ["pytest", "mypy", "ruff>=0.1", "coverage[toml]"]
    got = out_json(vsbuild(tool, cache, "group", proj, "lint"))["requirements"]
    assert got == ["ruff>=0.1"]
    p = vsbuild(tool, cache, "group", proj, "nope", check=2)
    assert p.stderr == f"error: {proj}/pyproject.toml: no dependency group 'nope'\n"


def test_build_environment_is_cached(tool, wheels, cache):
    w = wheel_args(wheels, "hatchling")
    first = out_json(vsbuild(tool, cache, *w, "env"))
    again = out_json(vsbuild(tool, cache, *w, "env"))
    assert again["dir"] == first["dir"]
    assert again["reused"] and again["installed"] == 0
    # The order of the wheels does not matter; another set is another environment.
    rev = out_json(vsbuild(tool, cache, *reversed_pairs(w), "env"))
    assert rev["dir"] == first["dir"] and rev["reused"]
    other = out_json(vsbuild(tool, cache, *wheel_args(wheels, "flit_core"), "env"))
    assert other["dir"] != first["dir"]


def reversed_pairs(args):
    pairs = [args[i:i + 2] for i in range(0, len(args), 2)]
    return [a for p in reversed(pairs) for a in p]


def test_warm_editable_build_timing(tool, wheels, cache, tmp_path, capsys):
    """Measures a warm editable build and install (environment cached) for each backend; prints
    the times (pytest -s shows them)."""
    for fixture, backend in (("st_src", "setuptools"), ("hatch_src", "hatchling"),
                             ("flit_flat", "flit_core"), ("poetry_proj", "poetry-core")):
        proj = copy_project(tmp_path, fixture)
        w = wheel_args(wheels, backend)
        vsbuild(tool, cache, *w, "env")
        times = []
        for i in range(3):
            venv = make_venv(tmp_path / f"venv-{fixture}-{i}")
            t0 = time.monotonic()
            p = vsbuild(tool, cache, *w, "install-editable", proj, venv)
            times.append(time.monotonic() - t0)
            assert out_json(p)["env_reused"]
        with capsys.disabled():
            print(f"\nwarm editable build+install {fixture}: best {min(times):.2f}s, "
                  f"runs {', '.join(f'{t:.2f}' for t in times)}")
        assert min(times) < 30


# ---- sdists --------------------------------------------------------------------------------

def test_sdist_built_once_per_interpreter(tool, wheels, cache, tmp_path):
    sdist = make_sdist(tmp_path, os.path.join(PROJECTS, "st_src"), "st_src-1.2.0",
                       "Metadata-Version: 2.2\nName: st-src\nVersion: 1.2.0\n"
                       "Requires-Dist: attrs>=20\n")
    w = wheel_args(wheels, "setuptools")
    first = out_json(vsbuild(tool, cache, *w, "sdist-wheel", sdist))
    assert first["built"] and first["static"]
    assert os.path.basename(first["wheel"]) == "st_src-1.2.0-py3-none-any.whl"
    assert "/builds-v1/wheels/" in first["wheel"]
    again = out_json(vsbuild(tool, cache, *w, "sdist-wheel", sdist))
    assert not again["built"] and again["wheel"] == first["wheel"]
    # A pure-Python flit project, PKG-INFO 2.1 (so not static), for Debian's 3.11 and another
    # interpreter: one build each, two entries. (Debian's setuptools only runs on Debian's
    # Python, hence flit here.)
    flit = make_sdist(tmp_path, os.path.join(PROJECTS, "flit_flat"), "flit_flat-3.1.4",
                      "Metadata-Version: 2.1\nName: flit_flat\nVersion: 3.1.4\n")
    fw = wheel_args(wheels, "flit_core")
    deb = out_json(vsbuild(tool, cache, *fw, "sdist-wheel", flit))
    assert deb["built"] and not deb["static"]
    assert not out_json(vsbuild(tool, cache, *fw, "sdist-wheel", flit))["built"]
    for other in [p for p in interpreters() if "/3.12." in p][:1]:     # pyenv's, when present
        p = out_json(vsbuild(tool, cache, "--python", other, *fw, "sdist-wheel", flit))
        assert p["built"] and p["wheel"] != deb["wheel"], (p, deb)
        assert os.path.basename(p["wheel"]) == os.path.basename(deb["wheel"])
        p = out_json(vsbuild(tool, cache, "--python", other, *fw, "sdist-wheel", flit))
        assert not p["built"]
    bad = vsbuild(tool, cache, *w, "sdist-wheel", sdist, "0" * 64, check=3)
    assert "does not match the expected 0000" in bad.stderr


# ---- failures ------------------------------------------------------------------------------

def test_syntax_error_names_file_line_and_column(tool, cache):
    proj = os.path.join(PROJECTS, "bad_toml")
    p = vsbuild(tool, cache, "inspect", proj, check=2)
    assert p.stderr == (f"error: {proj}/pyproject.toml:9:1: unexpected end of file "
                        f"(expected ',' or ']')\n")


def test_crashing_backend_shows_last_lines_and_log(tool, cache, tmp_path):
    proj = copy_project(tmp_path, "backend_crash")
    out = tmp_path / "dist"
    out.mkdir()
    p = vsbuild(tool, cache, "wheel", proj, str(out), check=3)
    lines = p.stderr.splitlines()
    assert lines[0].endswith("prepare_metadata_for_build_wheel failed (exit status 1)"), p.stderr
    assert "    crashy: metadata step 39" in lines
    assert "    crashy: metadata step 26" not in lines
    assert lines[-1].startswith("  full log: ")
    log = lines[-1][len("  full log: "):]
    with open(log) as fh:
        text = fh.read()
    assert "crashy: metadata step 0\n" in text and "RuntimeError" in text
    assert list(out.iterdir()) == []


def test_hanging_backend_times_out(tool, cache, tmp_path):
    proj = copy_project(tmp_path, "backend_hang")
    out = tmp_path / "dist"
    out.mkdir()
    t0 = time.monotonic()
    p = vsbuild(tool, cache, "--timeout-ms", "2000", "wheel", proj, str(out), check=3)
    assert time.monotonic() - t0 < 15
    assert "did not finish within 2 s and was killed" in p.stderr
    assert "hangy: starting a helper and waiting forever" in p.stderr


def test_backend_missing_from_given_wheels(tool, wheels, cache, tmp_path):
    proj = copy_project(tmp_path, "hatch_src")
    p = vsbuild(tool, cache, *wheel_args(wheels, "flit_core"), "metadata", proj, check=3)
    assert ("cannot import the build backend 'hatchling.build' (ModuleNotFoundError: No module "
            "named 'hatchling'): is its package in build-system.requires?") in p.stderr


def test_get_requires_answer_is_kept_until_the_build_inputs_change(tool, cache, tmp_path):
    proj = copy_project(tmp_path, "inline_backend")
    calls = os.path.join(proj, ".inline-requires")

    def ask():
        return out_json(vsbuild(tool, cache, "get-requires", proj))["requires"]

    assert ask() == ["inline-extra-req>=1"]
    assert ask() == ["inline-extra-req>=1"], "the kept answer is the backend's"
    with open(calls) as f:
        assert f.read().count("\n") == 1, "the second question was answered from the cache"
    with open(os.path.join(proj, "pyproject.toml"), "a") as f:
        f.write('description = "build inputs changed"\n')
    assert ask() == ["inline-extra-req>=1"]
    with open(calls) as f:
        assert f.read().count("\n") == 2, "a change to pyproject.toml asks the backend again"
    # the same tree elsewhere is another project: asked again
    other = tmp_path / "elsewhere"
    shutil.copytree(proj, other)
    os.unlink(other / ".inline-requires")
    assert out_json(vsbuild(tool, cache, "get-requires", str(other)))["requires"] == \
        ["inline-extra-req>=1"]
    assert os.path.exists(other / ".inline-requires")


def test_verbose_streams_backend_output(tool, cache, tmp_path):
    proj = copy_project(tmp_path, "inline_backend")
    out = tmp_path / "dist"
    out.mkdir()
    quiet = vsbuild(tool, cache, "wheel", proj, str(out))
    assert "inline: built" not in quiet.stderr
    loud = vsbuild(tool, cache, "-v", "wheel", proj, str(out))
    assert "inline: built inline_pkg-0.7-py3-none-any.whl" in loud.stderr


# ---- the front end on every Python 3 -------------------------------------------------------

def call_hook(python, project, ctrl, hook, kwargs, backend="inline_backend_impl:Backend"):
    os.makedirs(ctrl, exist_ok=True)
    out = os.path.join(ctrl, "output.json")
    if os.path.exists(out):
        os.unlink(out)
    with open(os.path.join(ctrl, "input.json"), "w") as fh:
        json.dump({"backend": backend,
                   "backend_path": [os.path.join(project, "_backend")], "kwargs": kwargs}, fh)
    shutil.copy(HOOKS_PY, os.path.join(ctrl, "hooks.py"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    p = subprocess.run([python, "-s", os.path.join(ctrl, "hooks.py"), hook, ctrl], cwd=project,
                       env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    with open(out) as fh:
        return json.load(fh)


PYTHONS = [p for p in interpreters()]


@pytest.mark.parametrize("python", PYTHONS, ids=[os.path.basename(p) for p in PYTHONS])
def test_hooks_py_on_every_python(python, tmp_path):
    proj = copy_project(tmp_path, "inline_backend")
    ctrl = str(tmp_path / "ctrl")
    assert call_hook(python, proj, ctrl, "get_requires_for_build_wheel", {}) == {
        "return_val": ["inline-extra-req>=1"]}
    assert call_hook(python, proj, ctrl, "get_requires_for_build_sdist", {}) == {"return_val": []}
    meta = str(tmp_path / "meta")
    os.mkdir(meta)
    r = call_hook(python, proj, ctrl, "prepare_metadata_for_build_wheel",
                  {"metadata_directory": meta})
    assert r == {"return_val": "inline_pkg-0.7.dist-info"}
    with open(os.path.join(meta, "inline_pkg-0.7.dist-info", "METADATA")) as fh:
        assert "Name: inline-pkg\n" in fh.read()
    wheel_dir = str(tmp_path / "wheels")
    os.mkdir(wheel_dir)
    r = call_hook(python, proj, ctrl, "build_wheel",
                  {"wheel_directory": wheel_dir,
                   "metadata_directory": os.path.join(meta, "inline_pkg-0.7.dist-info"),
                   "config_settings": {"k": "v"}})
    assert r == {"return_val": "inline_pkg-0.7-py3-none-any.whl"}
    assert os.path.exists(os.path.join(wheel_dir, "inline_pkg-0.7-py3-none-any.whl"))
    with open(os.path.join(proj, ".inline-builds")) as fh:
        assert fh.read() == "build_wheel\n", "the fallback's wheel was reused"
    assert call_hook(python, proj, ctrl, "build_sdist", {"sdist_directory": wheel_dir})[
        "unsupported"] is True
    assert call_hook(python, proj, ctrl, "build_editable", {"wheel_directory": wheel_dir}) == {
        "hook_missing": True, "missing_hook_name": "build_editable"}
    assert call_hook(python, proj, ctrl, "prepare_metadata_for_build_editable",
                     {"metadata_directory": meta}) == {
        "hook_missing": True, "missing_hook_name": "build_editable"}
    r = call_hook(python, proj, ctrl, "build_wheel", {"wheel_directory": wheel_dir},
                  backend="no_such_mod.api")
    assert r["no_backend"] is True and "No module named 'no_such_mod'" in r["backend_error"]
    # Without backend-path, a module in the tree is not importable (cwd is not on sys.path).
    with open(os.path.join(ctrl, "input.json"), "w") as fh:
        json.dump({"backend": "inline_pkg", "backend_path": [], "kwargs": {}}, fh)
    p = subprocess.run([python, "-s", os.path.join(ctrl, "hooks.py"), "build_wheel", ctrl],
                       cwd=proj, capture_output=True, text=True, timeout=120)
    with open(os.path.join(ctrl, "output.json")) as fh:
        assert json.load(fh)["no_backend"] is True, p.stderr
