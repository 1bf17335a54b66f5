"""A full disk: the project and the cache live on a small tmpfs mounted for the test (root only;
skipped where mounting is not allowed). Every failure must be a clear error (exit 3, "No space
left on device"), must leave an existing environment exactly as it was, and must leave no
partial file in the cache; once space is back, the next run succeeds."""
import os
import subprocess
import sys

import pytest

from conftest import BIN, DEBIAN_PYTHON, SRC, Project, env_python

sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
from wheels import make_wheel  # noqa: E402

SIZE_MB = 3


@pytest.fixture
def small_fs(tmp_path):
    d = tmp_path / "small"
    d.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m", "tmpfs", str(d)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): " + r.stderr.strip())
    yield str(d)
    subprocess.run(["umount", "-l", str(d)], check=False)


def blob_wheel(folder, name, version, mb):
    """A wheel holding `mb` MB of incompressible data (so it also takes that much on disk)."""
    return make_wheel(folder, name, version, modules={f"{name}/__init__.py": f"V = {version!r}\n"},
                      extra_files={f"{name}/blob.bin": os.urandom(int(mb * 1_000_000))})


def sync(project, cache, check_rc):
    env = {**os.environ, "VENVSYNC_CACHE_DIR": cache, "NO_COLOR": "1", "NETRC": "/nonexistent"}
    p = subprocess.run([BIN, "sync"], cwd=project.root, env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == check_rc, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def write_manifest(project, pins, links):
    project.write(f'version: 1\npython: "{DEBIAN_PYTHON}"\nindex:\n  find-links: ["{links}"]\n'
                  "environments:\n  dev:\n    path: .venv\n"
                  f"    packages: [{', '.join(pins)}]\n")


def leftovers(root):
    """Names that only an interrupted write leaves: temporary files and staging folders."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            if n.startswith((".tmp", ".venvsync-")) or ".staging" in n or n.endswith(".tmp"):
                out.append(os.path.relpath(os.path.join(dirpath, n), root))
    return out


def test_an_upgrade_that_does_not_fit_leaves_the_environment_as_it_was(small_fs, tmp_path):
    links = str(tmp_path / "wheels")
    blob_wheel(links, "payload", "1.0", 0.2)
    blob_wheel(links, "payload", "2.0", SIZE_MB * 1.5)
    project = Project(os.path.join(small_fs, "proj"))
    cache = os.path.join(small_fs, "cache")
    write_manifest(project, ["payload==1.0"], links)
    sync(project, cache, 0)
    env = project.path(".venv")
    assert env_python(env, "import payload; print(payload.V)") == "1.0\n"
    before = Project(env).snapshot()

    write_manifest(project, ["payload==2.0"], links)
    r = sync(project, cache, 3)
    assert "No space left on device" in r.stderr, r.stderr
    assert "payload" in r.stderr, r.stderr
    assert Project(env).snapshot() == before, "the environment is exactly as it was"
    assert env_python(env, "import payload; print(payload.V)") == "1.0\n"
    assert leftovers(small_fs) == []

    # Space is back (the pin goes back to what fits): the next run works and is a no-op.
    write_manifest(project, ["payload==1.0"], links)
    assert "0 changed" in sync(project, cache, 0).stdout


def test_a_new_environment_that_does_not_fit_is_not_created(small_fs, tmp_path):
    links = str(tmp_path / "wheels")
    blob_wheel(links, "huge", "1.0", SIZE_MB * 1.5)
    project = Project(os.path.join(small_fs, "proj"))
    cache = os.path.join(small_fs, "cache")
    write_manifest(project, ["huge==1.0"], links)
    r = sync(project, cache, 3)
    assert "No space left on device" in r.stderr, r.stderr
    assert not os.path.exists(project.path(".venv"))
    assert leftovers(small_fs) == []


def test_a_download_that_does_not_fit_leaves_no_partial_file(small_fs, tmp_path):
    """The wheel comes from an index on loopback; the cache's disk fills up mid-download."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from test_index_e2e import Index  # noqa: E402
    idx = Index(tmp_path / "index")
    try:
        blob_wheel(os.path.join(idx.root, "a"), "remote", "1.0", SIZE_MB * 1.5)
        project = Project(os.path.join(small_fs, "proj"))
        cache = os.path.join(small_fs, "cache")
        project.write(f'version: 1\npython: "{DEBIAN_PYTHON}"\nindex:\n  url: {idx.url("a")}\n'
                      "environments:\n  dev:\n    path: .venv\n    packages: [remote==1.0]\n")
        r = sync(project, cache, 3)
        assert "No space left on device" in r.stderr, r.stderr
        assert "remote-1.0-py3-none-any.whl" in r.stderr, r.stderr
        assert not os.path.exists(project.path(".venv"))
        assert leftovers(small_fs) == []
        dl = os.path.join(cache, "downloads-v1")
        assert not os.path.isdir(dl) or os.listdir(dl) == []
    finally:
        idx.stop()
