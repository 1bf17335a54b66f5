"""tests/fixtures/repack.py, the corpus builder: wheels rebuilt from installed distributions
install with pip and read back with importlib.metadata, byte for byte what was installed.

Sources: a hand-made site-packages (every rule, everywhere), Debian's dist-packages (the build
backends python3-hatchling, flit, python3-poetry-core, python3-setuptools, python3-wheel, which
scripts/setup.sh installs), /usr/share/python-wheels, and pyenv's 3.11.7 when it is there."""
import base64
import csv
import glob
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import DEBIAN_PYTHON, SRC

sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
import repack  # noqa: E402

DIST_PACKAGES = "/usr/lib/python3/dist-packages"
PYTHON_WHEELS = "/usr/share/python-wheels"
BACKENDS = {  # project: (Debian package, module to import)
    "hatchling": ("python3-hatchling", "hatchling.build"),
    "flit_core": ("flit", "flit_core.buildapi"),
    "flit": ("flit", "flit"),
    "poetry-core": ("python3-poetry-core", "poetry.core.masonry.api"),
    "setuptools": ("python3-setuptools", "setuptools.build_meta"),
    "wheel": ("python3-wheel", "wheel"),
}
# what the backends import at build time (Debian's packages of them)
BACKEND_DEPS = ["packaging", "pathspec", "pluggy", "tomli", "docutils", "requests", "tomli_w",
                "urllib3", "idna", "certifi", "charset-normalizer", "chardet"]
PYENV_PY = os.path.expanduser("~/.pyenv/versions/3.11.7/bin/python3.11")
UNDER_TEST_COMMAND = os.environ.get("VENVSYNC_TEST_SETUP") == "1"


def b64sha(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def check_wheel(path):
    """A wheel's members: {name: bytes}, after checking RECORD (every member listed with its
    hash and size, RECORD last and listed without one), fixed timestamps and no bytecode."""
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        members = {i.filename: z.read(i) for i in infos}
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos), path
    assert all(i.external_attr >> 16 in (0o100644, 0o100755) for i in infos), path
    names = [i.filename for i in infos]
    infos_dir = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
    assert len(infos_dir) == 1, infos_dir
    info = infos_dir.pop()
    assert names[-1] == f"{info}/RECORD"
    assert names.index(f"{info}/METADATA") > max(i for i, n in enumerate(names) if not n.startswith(info))
    rows = list(csv.reader(io.StringIO(members[f"{info}/RECORD"].decode())))
    assert sorted(r[0] for r in rows) == sorted(names)
    for name, h, size in rows:
        if name == f"{info}/RECORD":
            assert h == "" and size == ""
        else:
            assert h == b64sha(members[name]) and int(size) == len(members[name]), name
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert not [n for n in names if n.startswith(info) and
                n.split("/")[-1] in ("INSTALLER", "REQUESTED", "direct_url.json")]
    return members


def pip_command(python, tmp_path):
    """pip for python: its own, else a venv's (ensurepip) of the same interpreter."""
    if subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode == 0:
        return [python, "-m", "pip"]
    venv = str(tmp_path / "pipvenv")
    subprocess.run([python, "-m", "venv", venv], check=True, capture_output=True)
    return [os.path.join(venv, "bin", "python"), "-m", "pip"]


def pip_install(pip, wheels, target):
    r = subprocess.run([*pip, "install", "-q", "--no-deps", "--no-index", "--no-compile",
                        "--disable-pip-version-check", "--target", target, *wheels],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


READ_BACK = r"""
import importlib.metadata as m, json, os, sys
out = {}
for d in m.distributions(path=[sys.argv[1]]):
    files = d.files or []
    out[d.metadata["Name"]] = {
        "version": d.version, "files": len(files),
        # pip --target leaves the RECORD rows of scripts and data as ../../bin/x: not checked
        "missing": [str(f) for f in files if not str(f).startswith("..") and not os.path.exists(f.locate())],
        "requires": d.requires or [], "scripts": sorted(e.name for e in d.entry_points
                                                        if e.group == "console_scripts")}
print(json.dumps(out))
"""


def read_back(python, target):
    r = subprocess.run([python, "-I", "-c", READ_BACK, target], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return {repack.canonical(k): v for k, v in json.loads(r.stdout).items()}


# ---- a hand-made site-packages: every rule ----------------------------------------------------

def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(path, mode)


def record_rows(site, paths):
    rows = []
    for rel in paths:
        p = os.path.normpath(os.path.join(site, rel))
        if os.path.isfile(p):
            data = open(p, "rb").read()
            rows.append(f"{rel},{b64sha(data)},{len(data)}")
        else:
            rows.append(f"{rel},,")
    return "\n".join(rows) + "\n"


@pytest.fixture
def fake_site(tmp_path):
    prefix = tmp_path / "prefix"
    site = str(prefix / "lib" / "python3.11" / "site-packages")
    py = str(prefix / "bin" / "python3.11")
    # demo: a RECORD with bytecode, per-environment files, a launcher, a script, a header, data,
    # a file Debian-style removed after install
    files = {
        "demo/__init__.py": "def main():\n    print('demo')\n",
        "demo/__pycache__/__init__.cpython-311.pyc": b"\x00pyc",
        "demo/data.bin": b"\x00\x01binary",
        "demo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
                                       "Requires-Dist: eggy>=2\n",
        "demo-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
                                    "Tag: py2-none-any\nTag: py3-none-any\n",
        "demo-1.0.dist-info/entry_points.txt": "[console_scripts]\ndemo = demo:main\n",
        "demo-1.0.dist-info/INSTALLER": "pip\n",
        "demo-1.0.dist-info/REQUESTED": "",
        "demo-1.0.dist-info/direct_url.json": '{"url": "file:///x.whl", "archive_info": {}}',
        "demo-1.0.dist-info/LICENSE": "MIT\n",
        "../../../bin/demo": f"#!{py}\n# -*- coding: utf-8 -*-\nimport re\nimport sys\n"
                             "from demo import main\nif __name__ == '__main__':\n"
                             "    sys.exit(main())\n",
        "../../../bin/demo-tool": f"#!{py} -E\nprint('tool')\n",
        "../../../bin/demo-sh": "#!/bin/sh\necho sh\n",
        "../../../include/site/python3.11/demo/demo.h": "#define DEMO 1\n",
        "../../../share/man/man1/demo.1": ".TH DEMO 1\n",
    }
    for rel, data in files.items():
        write(os.path.join(site, rel), data, 0o755 if rel.startswith("../../../bin/") else 0o644)
    listed = list(files) + ["demo/gone.py", "demo-1.0.dist-info/RECORD"]
    write(os.path.join(site, "demo-1.0.dist-info/RECORD"), record_rows(site, listed))
    # eggy: an egg-info (no RECORD) with requires.txt, a package and a module of its top level
    write(os.path.join(site, "eggy/__init__.py"), "X = 2\n")
    write(os.path.join(site, "eggy/sub/mod.py"), "Y = 3\n")
    write(os.path.join(site, "eggy/__pycache__/__init__.cpython-311.pyc"), b"pyc")
    write(os.path.join(site, "eggy_helpers.py"), "Z = 4\n")
    write(os.path.join(site, "Eggy-2.0.egg-info/PKG-INFO"),
          "Metadata-Version: 1.1\nName: Eggy\nVersion: 2.0\nSummary: eggs\n\nThe long description.\n")
    write(os.path.join(site, "Eggy-2.0.egg-info/requires.txt"),
          "six>=1\n\n[fast]\nujson\n\n[:sys_platform == \"win32\"]\ncolorama\n\n"
          "[tests:python_version < \"3.8\"]\nmock\n")
    write(os.path.join(site, "Eggy-2.0.egg-info/top_level.txt"), "eggy\neggy_helpers\n")
    write(os.path.join(site, "Eggy-2.0.egg-info/entry_points.txt"), "[console_scripts]\neggy = eggy:main\n")
    write(os.path.join(site, "Eggy-2.0.egg-info/SOURCES.txt"), "setup.py\n")
    # a dist-info without RECORD (as Debian sometimes ships): its top-level names' files
    write(os.path.join(site, "norec-3.0.dist-info/METADATA"), "Metadata-Version: 2.1\nName: norec\nVersion: 3.0\n")
    write(os.path.join(site, "norec-3.0.dist-info/INSTALLER"), "debian\n")
    write(os.path.join(site, "norec-3.0.dist-info/top_level.txt"), "norec\n")
    write(os.path.join(site, "norec/__init__.py"), "N = 1\n")
    write(os.path.join(site, "norec/_speed.cpython-311-x86_64-linux-gnu.so"), b"\x7fELF")
    # an editable install: skipped
    write(os.path.join(site, "edit-0.1.dist-info/METADATA"), "Metadata-Version: 2.1\nName: edit\nVersion: 0.1\n")
    write(os.path.join(site, "edit-0.1.dist-info/direct_url.json"),
          '{"url": "file:///src/edit", "dir_info": {"editable": true}}')
    write(os.path.join(site, "__editable__.edit-0.1.pth"), "/src/edit\n")
    write(os.path.join(site, "edit-0.1.dist-info/RECORD"),
          record_rows(site, ["edit-0.1.dist-info/METADATA", "__editable__.edit-0.1.pth"]))
    return site


def test_rebuilds_every_kind_of_file_from_a_site_directory(fake_site, tmp_path):
    out = str(tmp_path / "out")
    r = repack.build([fake_site], out)
    names = sorted(os.path.basename(w) for w in r.wheels)
    assert names == ["demo-1.0-py2.py3-none-any.whl", "eggy-2.0-py3-none-any.whl",
                     "norec-3.0-cp311-cp311-linux_x86_64.whl"]
    assert any("editable" in why for _, why in r.skipped), r.skipped

    demo = check_wheel(os.path.join(out, "demo-1.0-py2.py3-none-any.whl"))
    assert sorted(demo) == sorted([
        "demo/__init__.py", "demo/data.bin",
        "demo-1.0.data/scripts/demo-tool", "demo-1.0.data/scripts/demo-sh",
        "demo-1.0.data/headers/demo.h", "demo-1.0.data/data/share/man/man1/demo.1",
        "demo-1.0.dist-info/METADATA", "demo-1.0.dist-info/WHEEL", "demo-1.0.dist-info/LICENSE",
        "demo-1.0.dist-info/entry_points.txt", "demo-1.0.dist-info/RECORD"])
    assert demo["demo-1.0.data/scripts/demo-tool"] == b"#!python -E\nprint('tool')\n"
    assert demo["demo-1.0.data/scripts/demo-sh"] == b"#!/bin/sh\necho sh\n", "not a python shebang"
    assert demo["demo/data.bin"] == b"\x00\x01binary"
    assert demo["demo-1.0.dist-info/WHEEL"].decode().splitlines() == [
        "Wheel-Version: 1.0", f"Generator: {repack.GENERATOR}", "Root-Is-Purelib: true",
        "Tag: py2-none-any", "Tag: py3-none-any"]

    eggy = check_wheel(os.path.join(out, "eggy-2.0-py3-none-any.whl"))
    assert sorted(eggy) == sorted([
        "eggy/__init__.py", "eggy/sub/mod.py", "eggy_helpers.py",
        "eggy-2.0.dist-info/METADATA", "eggy-2.0.dist-info/WHEEL", "eggy-2.0.dist-info/top_level.txt",
        "eggy-2.0.dist-info/entry_points.txt", "eggy-2.0.dist-info/RECORD"])
    meta = eggy["eggy-2.0.dist-info/METADATA"].decode()
    assert meta.startswith("Metadata-Version: 2.1\nName: Eggy\nVersion: 2.0\nSummary: eggs\n")
    assert meta.endswith("\n\nThe long description.\n")
    assert [l for l in meta.splitlines() if l.startswith(("Requires-Dist", "Provides-Extra"))] == [
        "Provides-Extra: fast", "Provides-Extra: tests",
        "Requires-Dist: six>=1",
        'Requires-Dist: ujson; extra == "fast"',
        'Requires-Dist: colorama; sys_platform == "win32"',
        'Requires-Dist: mock; python_version < "3.8" and extra == "tests"']

    norec = check_wheel(os.path.join(out, "norec-3.0-cp311-cp311-linux_x86_64.whl"))
    assert sorted(norec) == sorted([
        "norec/__init__.py", "norec/_speed.cpython-311-x86_64-linux-gnu.so",
        "norec-3.0.dist-info/METADATA", "norec-3.0.dist-info/WHEEL", "norec-3.0.dist-info/top_level.txt",
        "norec-3.0.dist-info/RECORD"])
    assert "Root-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n" in norec["norec-3.0.dist-info/WHEEL"].decode()
    names.remove("norec-3.0-cp311-cp311-linux_x86_64.whl")  # x86_64 only: not installed below

    # pip installs both, importlib.metadata reads them back, pip put the files where they were
    target = str(tmp_path / "target")
    pip_install(pip_command(DEBIAN_PYTHON, tmp_path), [os.path.join(out, n) for n in names], target)
    got = read_back(DEBIAN_PYTHON, target)
    assert got["demo"]["version"] == "1.0" and got["demo"]["missing"] == []
    assert got["demo"]["scripts"] == ["demo"] and got["demo"]["requires"] == ["eggy>=2"]
    assert got["eggy"]["version"] == "2.0" and got["eggy"]["missing"] == []
    assert 'ujson; extra == "fast"' in got["eggy"]["requires"]
    for rel in ("demo/data.bin", "eggy/sub/mod.py", "eggy_helpers.py", "share/man/man1/demo.1"):
        assert os.path.exists(os.path.join(target, rel)), rel
    tool = open(os.path.join(target, "bin", "demo-tool"), "rb").read()
    assert tool.startswith(b"#!/") and tool.endswith(b"python3\nprint('tool')\n"), tool  # pip's shebang


def test_output_is_deterministic_and_kept(fake_site, tmp_path):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    ra = repack.build([fake_site], a)
    repack.build([fake_site], b)
    for w in ra.wheels:
        assert open(w, "rb").read() == open(os.path.join(b, os.path.basename(w)), "rb").read()
    mtimes = {w: os.stat(w).st_mtime_ns for w in ra.wheels}
    again = repack.build([fake_site], a)
    assert again.written == [] and sorted(again.wheels) == sorted(ra.wheels)
    assert {w: os.stat(w).st_mtime_ns for w in ra.wheels} == mtimes, "an unchanged wheel is not rewritten"
    # a changed file gives a new wheel, only for its distribution
    with open(os.path.join(fake_site, "eggy", "__init__.py"), "a") as f:
        f.write("# changed\n")
    changed = repack.build([fake_site], a)
    assert [os.path.basename(w) for w in changed.written] == ["eggy-2.0-py3-none-any.whl"]


def test_names_filter_and_command_line(fake_site, tmp_path):
    out = str(tmp_path / "out")
    r = repack.build([fake_site], out, names=["EGGY"])
    assert [os.path.basename(w) for w in r.wheels] == ["eggy-2.0-py3-none-any.whl"]
    cli = os.path.join(SRC, "scripts", "repack-wheels")
    p = subprocess.run([cli, "-o", out, "-n", "demo", fake_site], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["wrote", "demo-1.0-py2.py3-none-any.whl"]
    p = subprocess.run([cli, "-o", out, "-n", "demo,nosuch", fake_site], capture_output=True, text=True)
    assert p.returncode == 1 and "no wheel for: nosuch" in p.stderr, p.stderr
    assert p.stdout.split() == ["kept", "demo-1.0-py2.py3-none-any.whl"]
    assert sorted(os.listdir(out)) == ["demo-1.0-py2.py3-none-any.whl", "eggy-2.0-py3-none-any.whl"]


# ---- Debian: the build backends, and the wheels it ships ----------------------------------------

def missing_backends():
    have = {d.key for d in repack.distributions(DIST_PACKAGES)} if os.path.isdir(DIST_PACKAGES) else set()
    return sorted({pkg for name, (pkg, _) in BACKENDS.items() if repack.canonical(name) not in have})


def test_debian_build_backends_rebuild_install_and_build(tmp_path):
    missing = missing_backends()
    if missing:
        msg = f"Debian's build backends are not installed: apt-get install {' '.join(missing)}"
        if UNDER_TEST_COMMAND:
            pytest.fail(msg + " (scripts/setup.sh installs them)")
        pytest.skip(msg)
    out = str(tmp_path / "wheels")
    r = repack.build([DIST_PACKAGES], out, names=list(BACKENDS) + BACKEND_DEPS)
    built = {repack.wheel_project(w): w for w in r.wheels}
    assert set(map(repack.canonical, BACKENDS)) <= set(built), (sorted(built), r.skipped)
    for w in r.wheels:
        check_wheel(w)
    # Debian ships setuptools and wheel as *.egg-info, setuptools' pkg_resources in another
    # package, and RECORDs naming ../scripts launchers and files it removed
    st = check_wheel(built["setuptools"])
    assert "pkg_resources/__init__.py" in st and "distutils-precedence.pth" in st
    assert not [n for n in st if ".data/" in n]

    target = str(tmp_path / "target")
    pip_install(pip_command(DEBIAN_PYTHON, tmp_path), sorted(r.wheels), target)
    got = read_back(DEBIAN_PYTHON, target)
    for name in BACKENDS:
        d = got[repack.canonical(name)]
        assert d["files"] > 2 and d["missing"] == [], (name, d)
    assert got["wheel"]["scripts"] == ["wheel"] and os.path.exists(os.path.join(target, "bin", "wheel"))

    # each backend, from the target alone (-S: no dist-packages), builds a wheel of a small project
    projects = {
        "hatchling.build": '[project]\nname = "demo"\nversion = "1.0"\n'
                           '[tool.hatch.build.targets.wheel]\npackages = ["demo"]\n',
        "flit_core.buildapi": '[project]\nname = "demo"\nversion = "1.0"\ndescription = "d"\n',
        "poetry.core.masonry.api": '[tool.poetry]\nname = "demo"\nversion = "1.0"\ndescription = "d"\n'
                                   'authors = ["a <a@example.org>"]\n',
        "setuptools.build_meta": '[project]\nname = "demo"\nversion = "1.0"\n',
    }
    for backend, pyproject in projects.items():
        proj = tmp_path / backend
        (proj / "demo").mkdir(parents=True)
        (proj / "dist").mkdir()
        (proj / "demo" / "__init__.py").write_text('"""demo"""\n__version__ = "1.0"\n')
        (proj / "pyproject.toml").write_text(pyproject)
        code = (f"import sys; sys.path.insert(0, {target!r}); import {backend} as b\n"
                f"assert b.__file__.startswith({target!r}), b.__file__\n"
                "print(b.build_wheel('dist'))")
        p = subprocess.run([DEBIAN_PYTHON, "-S", "-c", code], cwd=str(proj), capture_output=True, text=True)
        assert p.returncode == 0, (backend, p.stderr[-2000:])
        whl = p.stdout.strip().splitlines()[-1]
        assert whl.startswith("demo-1.0-") and os.path.exists(proj / "dist" / whl), (backend, p.stdout)


def test_ready_made_wheels_are_copied_and_shadowed(tmp_path):
    wheels = sorted(glob.glob(os.path.join(PYTHON_WHEELS, "*.whl")))
    if not wheels:
        pytest.skip(f"no wheels in {PYTHON_WHEELS} (Debian: python3-pip-whl)")
    out = str(tmp_path / "out")
    r = repack.build([PYTHON_WHEELS], out)
    assert sorted(os.path.basename(w) for w in r.wheels) == sorted(map(os.path.basename, wheels))
    for w in wheels:
        assert open(w, "rb").read() == open(os.path.join(out, os.path.basename(w)), "rb").read()
    # an earlier source's project wins over a later one's (as on sys.path)
    pip_site = [w for w in wheels if os.path.basename(w).startswith("pip-")]
    if pip_site and os.path.isdir(DIST_PACKAGES) and "pip" in {d.key for d in repack.distributions(DIST_PACKAGES)}:
        both = repack.build([DIST_PACKAGES, PYTHON_WHEELS], str(tmp_path / "both"), names=["pip"])
        assert len(both.wheels) == 1 and any("earlier source" in why for _, why in both.skipped)


# ---- pyenv: the corpus the end-to-end tests and the benchmarks use --------------------------------

def pick_sample(site):
    """A few distributions of site that cover the rules: a script that is not a launcher, data
    files, an extension module, console scripts; the smallest of each."""
    kinds = {}
    for d in repack.distributions(site):
        if not d.has_record:
            continue
        rows = [r[0] for r in csv.reader(open(os.path.join(d.path, "RECORD"))) if r]
        size = sum(os.path.getsize(os.path.join(site, x)) for x in rows
                   if os.path.isfile(os.path.join(site, x)))
        eps, _ = repack.entry_point_names(d.path)
        scripts = [x for x in rows if x.startswith("../../../bin/") and "__pycache__" not in x
                   and os.path.basename(x) not in eps]
        feats = {"script": bool(scripts), "data": any(x.startswith("../../../share/") for x in rows),
                 "extension": any(x.endswith(".so") for x in rows), "console": bool(eps)}
        for k, v in feats.items():
            if v and (k not in kinds or size < kinds[k][0]):
                kinds[k] = (size, d.name)
    return sorted({name for _, name in kinds.values()}), sorted(kinds)


@pytest.mark.skipif(not os.path.exists(PYENV_PY), reason=f"no pyenv interpreter at {PYENV_PY}")
def test_pyenv_sample_installs_byte_for_byte(tmp_path):
    sites = repack.interpreter_sites(PYENV_PY)
    site = sites[0]
    names, kinds = pick_sample(site)
    assert kinds == ["console", "data", "extension", "script"], (kinds, names)
    out = str(tmp_path / "wheels")
    r = repack.build(sites, out, names=names)
    assert len(r.wheels) == len(names), (r.wheels, r.skipped)
    for w in r.wheels:
        check_wheel(w)
    target = str(tmp_path / "target")
    pip_install(pip_command(PYENV_PY, tmp_path), r.wheels, target)
    got = read_back(PYENV_PY, target)
    compared = 0
    for d in repack.distributions(site):
        if d.name not in names:
            continue
        assert got[d.key]["version"] == d.version and got[d.key]["missing"] == [], got[d.key]
        for rel in (row[0] for row in csv.reader(open(os.path.join(d.path, "RECORD"))) if row):
            src = os.path.normpath(os.path.join(site, rel))
            if rel.startswith("..") or repack.is_bytecode(rel) or not os.path.isfile(src) or \
                    os.path.basename(rel) in repack.PER_ENVIRONMENT | {"WHEEL"}:
                continue
            with open(src, "rb") as a, open(os.path.join(target, rel), "rb") as b:
                assert a.read() == b.read(), rel
            compared += 1
    assert compared > 10
    # scripts that are not launchers came back under bin/ with pip's shebang
    for n in os.listdir(os.path.join(target, "bin")):
        first = open(os.path.join(target, "bin", n), "rb").readline()
        assert not first.startswith(b"#!python"), n
