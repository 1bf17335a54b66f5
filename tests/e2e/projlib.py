"""Shared by the end-to-end tests of builds (test_build_e2e.py, test_project_e2e.py): the real
build backends as wheels, the fixture projects, sdists, and what pip says about an environment.

The backends are Debian's: setuptools and wheel from /usr/share/python-wheels, hatchling (with
packaging, pathspec, pluggy), flit_core and poetry-core repacked from /usr/lib/python3/
dist-packages by tests/fixtures/repack.py. Nothing comes from the network."""
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time

from conftest import DEBIAN_PYTHON, SRC

FIXTURES = os.path.join(SRC, "tests", "fixtures")
PROJECTS = os.path.join(FIXTURES, "projects")
SYS_WHEELS = "/usr/share/python-wheels"
DIST_PACKAGES = "/usr/lib/python3/dist-packages"

sys.path.insert(0, FIXTURES)
import repack  # noqa: E402
from wheels import make_wheel, sha256_of  # noqa: E402,F401

# What each backend's build environment holds.
BACKEND_WHEELS = {
    "setuptools": ["setuptools", "wheel"],
    "hatchling": ["hatchling", "packaging", "pathspec", "pluggy"],
    "flit_core": ["flit_core"],
    "poetry-core": ["poetry-core"],
}


def backend_wheels(out, names=None):
    """Repacks the backends (BACKEND_WHEELS, or names) into folder out: {canonical name: path}.
    Fails with the Debian packages to install when one is missing."""
    names = names or [n for ns in BACKEND_WHEELS.values() for n in ns]
    result = repack.build([SYS_WHEELS, DIST_PACKAGES], str(out), names=names)
    found = {}
    for w in result.wheels:
        found[repack.canonical(os.path.basename(w).split("-")[0])] = w
    missing = [n for n in names if repack.canonical(n) not in found]
    assert not missing, (f"no wheel for {missing}: install python3-setuptools-whl, "
                         f"python3-wheel-whl, python3-hatchling, flit, python3-poetry-core")
    return found


def copy_project(tmp_path, name, dest=None):
    """A copy of fixture project name at tmp_path/(dest or name); returns its path."""
    dst = os.path.join(str(tmp_path), dest or name)
    shutil.copytree(os.path.join(PROJECTS, name), dst)
    return dst


def make_sdist(tmp_path, project, top, pkg_info, folder=None):
    """An sdist TOP.tar.gz of directory project (under top/, with PKG-INFO), written into
    folder (default tmp_path); returns its path."""
    path = os.path.join(str(folder or tmp_path), f"{top}.tar.gz")
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as t:
        t.add(project, arcname=top)
        data = pkg_info.encode()
        info = tarfile.TarInfo(f"{top}/PKG-INFO")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return path


def make_venv(path):
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--without-pip", str(path)], check=True)
    return str(path)


def run_py(venv, code, cwd="/"):
    return subprocess.run([os.path.join(venv, "bin", "python"), "-c", code], cwd=cwd,
                          capture_output=True, text=True, check=True).stdout


def pip(venv, *args, check=True):
    """Debian's pip run against the environment's python (the environments have no pip)."""
    return subprocess.run([DEBIAN_PYTHON, "-m", "pip", "--python",
                           os.path.join(venv, "bin", "python"), *args,
                           "--disable-pip-version-check"],
                          capture_output=True, text=True, check=check)


def pip_editables(venv):
    """{name: pip's entry} of `pip list --editable`."""
    p = pip(venv, "list", "--editable", "--format=json")
    return {e["name"]: e for e in json.loads(p.stdout)}


def pip_check(venv):
    p = pip(venv, "check", check=False)
    assert p.returncode == 0, p.stdout + p.stderr


def dists(venv):
    """{canonical name: version} of what importlib.metadata finds in the environment."""
    out = run_py(venv, "import importlib.metadata as m, json; print(json.dumps("
                       "[(d.metadata['Name'], d.version) for d in m.distributions()]))")
    return {repack.canonical(n): v for n, v in json.loads(out)}


def direct_url(venv, name):
    """The direct_url.json of distribution name (PEP 610), or None."""
    out = run_py(venv, "import importlib.metadata as m, sys; "
                       f"t = m.distribution({name!r}).read_text('direct_url.json'); "
                       "sys.stdout.write(t or '')")
    return json.loads(out) if out else None


def metadata_fields(text):
    fields = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        k, _, v = line.partition(": ")
        fields.setdefault(k, []).append(v)
    return fields


def start_index(tmp, wheels=()):
    """tests/fixtures/index_server.py on 127.0.0.1 serving the sub-directories of tmp/root as
    indexes: (process, base URL, root, request log path). Stop with proc.terminate()."""
    tmp = str(tmp)
    root = os.path.join(tmp, "root")
    os.makedirs(root, exist_ok=True)
    port_file = os.path.join(tmp, "port")
    log = os.path.join(tmp, "requests.log")
    args = [sys.executable, os.path.join(FIXTURES, "index_server.py"), "--root", root,
            "--port-file", port_file, "--log", log]
    for w in wheels:
        args += ["--wheel", w]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        if os.path.exists(port_file):
            break
        if proc.poll() is not None:
            raise RuntimeError("index server died: " + proc.stderr.read().decode())
        time.sleep(0.05)
    port = int(open(port_file).read())
    return proc, f"http://127.0.0.1:{port}", root, log
