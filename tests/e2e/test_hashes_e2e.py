"""Pins with sha384 / sha512 hashes (pip's --hash accepts sha256, sha384 and sha512; a file
satisfies a requirement when any of its hashes matches)."""
import hashlib
import os
import subprocess
import sys

import pytest

from conftest import DEBIAN_PYTHON, SRC

sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
from wheels import make_wheel  # noqa: E402


def digest(path, algo):
    with open(path, "rb") as f:
        return hashlib.new(algo, f.read()).hexdigest()


def wrong(hexdigest):
    return ("1" if hexdigest[0] == "0" else "0") + hexdigest[1:]


def dists(env):
    out = subprocess.run([os.path.join(env, "bin", "python"), "-c",
                          "import importlib.metadata as m; "
                          "print(sorted((d.metadata['Name'], d.version) for d in m.distributions()))"],
                         capture_output=True, text=True, check=True).stdout
    return eval(out)


@pytest.fixture
def project(tmp_project):
    d = tmp_project.path("wheels")
    tmp_project.w1 = make_wheel(d, "hello", "1.0")
    tmp_project.w2 = make_wheel(d, "hello", "2.0")
    tmp_project.write(f"""\
version: 1
python: "{DEBIAN_PYTHON}"
index: {{find-links: [wheels/]}}
environments:
  dev: {{path: .venv, requirements: [req.txt]}}
""")
    return tmp_project


def requirements(project, text):
    with open(project.path("req.txt"), "w") as f:
        f.write(text)


def test_local_wheel_pinned_by_sha512_installs(venvsync, project):
    requirements(project, f"./wheels/hello-1.0-py3-none-any.whl \\\n"
                          f"    --hash=sha512:{digest(project.w1, 'sha512')}\n")
    r = venvsync(cwd=project.root, check_rc=0)
    assert "install hello" in r.stdout, r.stdout
    assert dists(project.path(".venv")) == [("hello", "1.0")]
    venvsync("check", cwd=project.root, check_rc=0)


@pytest.mark.parametrize("algo", ["sha384", "sha512"])
def test_pin_by_name_with_only_that_algorithm(venvsync, project, algo):
    requirements(project, f"hello==2.0 --hash={algo}:{digest(project.w2, algo).upper()}\n")
    venvsync(cwd=project.root, check_rc=0)
    assert dists(project.path(".venv")) == [("hello", "2.0")]


def test_any_matching_hash_is_enough(venvsync, project):
    requirements(project, "hello==1.0"
                          f" --hash=sha256:{wrong(digest(project.w1, 'sha256'))}"
                          f" --hash=sha384:{wrong(digest(project.w1, 'sha384'))}"
                          f" --hash=sha512:{digest(project.w1, 'sha512')}\n")
    venvsync(cwd=project.root, check_rc=0)
    assert dists(project.path(".venv")) == [("hello", "1.0")]


def test_wrong_sha512_fails_and_changes_nothing(venvsync, project):
    # a new environment is not created at all
    bad = wrong(digest(project.w1, "sha512"))
    requirements(project, f"./wheels/hello-1.0-py3-none-any.whl --hash=sha512:{bad}\n")
    r = venvsync(cwd=project.root, check_rc=3)
    assert "hash mismatch" in r.stderr, r.stderr
    assert f"expected sha512:{bad}" in r.stderr, r.stderr
    assert f"got      sha512:{digest(project.w1, 'sha512')}" in r.stderr, r.stderr
    assert not os.path.exists(project.path(".venv"))
    assert not [n for n in os.listdir(project.root) if "venvsync-stage" in n]
    # an existing one keeps exactly what it had
    requirements(project, f"hello==1.0 --hash=sha512:{digest(project.w1, 'sha512')}\n")
    venvsync(cwd=project.root, check_rc=0)
    before = project.snapshot()
    requirements(project, f"hello==2.0 --hash=sha512:{wrong(digest(project.w2, 'sha512'))}\n")
    r = venvsync(cwd=project.root, check_rc=3)
    assert "hash mismatch" in r.stderr and "hello-2.0-py3-none-any.whl" in r.stderr, r.stderr
    after = project.snapshot()
    changed = {k for k in set(before) | set(after)
               if k.startswith(".venv") and before.get(k) != after.get(k)}
    assert changed == set(), changed
    assert dists(project.path(".venv")) == [("hello", "1.0")]
