"""Shared fixtures for the end-to-end tests: they drive the built binary (VENVSYNC_BIN) against
real interpreters, real shells and real file systems."""
import glob
import os
import shutil
import subprocess
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
DEBIAN_PYTHON = "/usr/bin/python3"

# Tests never reach the internet: where no index is configured, venvsync's default (PyPI) is
# replaced by a loopback port nothing listens on, so a test that would silently depend on PyPI
# fails with "connection refused" instead.
os.environ.setdefault("VENVSYNC_DEFAULT_INDEX_URL", "http://127.0.0.1:9/simple")


def _binary():
    b = os.environ.get("VENVSYNC_BIN")
    if not b:
        for cand in ("build/venvsync", "build-asan/venvsync"):
            p = os.path.join(SRC, cand)
            if os.path.exists(p):
                return p
        pytest.exit("set VENVSYNC_BIN to the built venvsync binary", returncode=2)
    return os.path.abspath(b)


BIN = _binary()


def interpreters():
    """Real CPython interpreters on this machine that can host a venv: Debian's python3 always,
    plus pyenv's 3.x builds when present."""
    found = [os.path.realpath(DEBIAN_PYTHON)]
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for d in sorted(glob.glob(os.path.join(root, "versions", "3.*"))):
        ver = os.path.basename(d)
        exe = os.path.join(d, "bin", "python" + ".".join(ver.split(".")[:2]))
        if os.path.exists(exe):
            found.append(exe)
    return found


def python_version(exe):
    out = subprocess.run([exe, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def venvsync(cache_dir):
    """Runs the binary: venvsync(*args, cwd=, env=, check_rc=, input=, timeout=)."""

    def run(*args, cwd=None, env=None, check_rc=None, input=None, timeout=120):
        e = dict(os.environ)
        e.setdefault("VENVSYNC_CACHE_DIR", cache_dir)
        e["NO_COLOR"] = "1"
        if env:
            e.update(env)
        p = subprocess.run([BIN, *args], cwd=cwd, env=e, capture_output=True, text=True,
                           input=input, timeout=timeout)
        if check_rc is not None:
            assert p.returncode == check_rc, (
                f"venvsync {' '.join(args)} exited {p.returncode}, expected {check_rc}\n"
                f"--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")
        return p

    return run


class Project:
    """A temporary project directory with a venv.yaml."""

    def __init__(self, root):
        self.root = str(root)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def write(self, text, name="venv.yaml"):
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(textwrap.dedent(text))
        return p

    def snapshot(self):
        """Every path below the project with its type, size and mtime: to prove nothing changed."""
        out = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            for n in dirnames + filenames:
                p = os.path.join(dirpath, n)
                st = os.lstat(p)
                out[os.path.relpath(p, self.root)] = (st.st_mode, st.st_size, st.st_mtime_ns)
        return out


@pytest.fixture
def tmp_project(tmp_path):
    return Project(tmp_path)


def env_python(env_dir, code):
    """Runs code with an environment's own python and returns stdout."""
    out = subprocess.run([os.path.join(env_dir, "bin", "python"), "-c", code],
                         capture_output=True, text=True, check=True)
    return out.stdout


def have(tool):
    return shutil.which(tool) is not None
