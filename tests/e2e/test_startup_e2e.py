"""Start-up: libcrypto is loaded on first use, never by runs that hash nothing (a no-op sync,
creating an environment without packages, the read-only commands); a sync that installs a wheel
does load it. Checked with strace: every library the process opens shows up as an openat."""
import os
import subprocess
import sys

import pytest

from conftest import BIN, DEBIAN_PYTHON, SRC, have

sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
from wheels import make_wheel  # noqa: E402

pytestmark = pytest.mark.skipif(not have("strace"), reason="strace not installed")


def opened_libcrypto(args, cwd, cache_dir, log):
    """Runs venvsync ARGS under strace; returns (process, the openat lines naming libcrypto)."""
    env = dict(os.environ, VENVSYNC_CACHE_DIR=cache_dir, NO_COLOR="1", ASAN_OPTIONS="detect_leaks=0")
    p = subprocess.run(["strace", "-f", "-qq", "-o", log, "-e", "trace=openat", BIN, *args],
                       cwd=cwd, env=env, capture_output=True, text=True)
    calls = open(log).read().splitlines()
    assert any("openat(" in c for c in calls), "strace recorded nothing"
    return p, [c for c in calls if "libcrypto" in c]


def empty_manifest(project):
    # seed: false: an environment that declares no packages otherwise gets pip, a wheel
    project.write(f"""\
version: 1
python: "{DEBIAN_PYTHON}"
environments:
  dev:
    path: .venv
    seed: false
  other: {{seed: false}}
""")


def test_creating_empty_environments_never_loads_libcrypto(tmp_project, tmp_path):
    empty_manifest(tmp_project)
    # a fresh cache too: the interpreter is probed and its facts cached on the way
    cache = str(tmp_path / "fresh-cache")
    p, crypto = opened_libcrypto(["sync"], tmp_project.root, cache, tmp_project.path("strace.log"))
    assert p.returncode == 0 and "2 changed" in p.stdout, p.stdout + p.stderr
    assert os.path.exists(tmp_project.path(".venv", "pyvenv.cfg"))
    assert crypto == [], crypto
    # and again with the interpreter's facts now cached
    os.rename(tmp_project.path(".venv"), tmp_project.path("old-venv"))
    p, crypto = opened_libcrypto(["sync"], tmp_project.root, cache, tmp_project.path("strace.log"))
    assert p.returncode == 0 and "1 changed" in p.stdout, p.stdout + p.stderr
    assert crypto == [], crypto


@pytest.mark.parametrize("args", [["sync"], ["plan"], ["check"], ["list"], ["activate", "dev"],
                                  ["--version"]], ids=lambda a: "-".join(a))
def test_noop_and_read_only_commands_never_load_libcrypto(venvsync, tmp_project, cache_dir, args):
    empty_manifest(tmp_project)
    venvsync(cwd=tmp_project.root, check_rc=0)
    p, crypto = opened_libcrypto(args, tmp_project.root, cache_dir, tmp_project.path("strace.log"))
    assert p.returncode == 0, p.stdout + p.stderr
    if args == ["sync"]:
        assert "0 changed" in p.stdout, p.stdout
    assert crypto == [], crypto


def test_installing_a_wheel_loads_libcrypto_and_the_noop_after_does_not(tmp_project, tmp_path):
    make_wheel(tmp_project.path("wheels"), "hello", "1.0")
    tmp_project.write(f"""\
version: 1
python: "{DEBIAN_PYTHON}"
index: {{find-links: [wheels/]}}
environments:
  dev: {{path: .venv, packages: [hello==1.0]}}
""")
    cache = str(tmp_path / "fresh-cache")
    p, crypto = opened_libcrypto(["sync"], tmp_project.root, cache, tmp_project.path("strace.log"))
    assert p.returncode == 0 and "install hello" in p.stdout, p.stdout + p.stderr
    assert crypto, "installing a wheel hashes it: libcrypto must have been loaded"
    assert any("libcrypto.so" in c and "= -1" not in c for c in crypto), crypto
    # the no-op of an environment with packages hashes nothing either
    p, crypto = opened_libcrypto(["sync"], tmp_project.root, cache, tmp_project.path("strace.log"))
    assert p.returncode == 0 and "0 changed" in p.stdout, p.stdout + p.stderr
    assert crypto == [], crypto
