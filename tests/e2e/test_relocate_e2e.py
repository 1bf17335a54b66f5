"""Relocation and copying of REAL environments: made by `python -m venv` (pip via ensurepip) or by
venvsync itself, with real wheels installed offline by pip, then copied (`venvsync copy`) or moved
and synced (`venvsync sync`) to a path with a space. Afterwards the console scripts, pip and
importlib.metadata must work from the new place, no text file may name the old place, RECORD
hashes must hold, and a copy's source must be byte-identical to what it was."""
import base64
import glob
import hashlib
import json
import os
import shutil
import stat
import subprocess
import zipfile

import pytest

from conftest import BIN, DEBIAN_PYTHON, interpreters, python_version

WHEELS = "/usr/share/python-wheels"


def _help_mentions_copy():
    try:
        out = subprocess.run([BIN, "--help"], capture_output=True, text=True, timeout=30)
    except OSError:
        return False
    return "copy" in out.stdout + out.stderr


pytestmark = pytest.mark.skipif(not _help_mentions_copy(),
                                reason="venvsync has no `copy` command yet (relocation not wired)")


# ---- building environments ------------------------------------------------------------------

def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_hello_wheel(out_dir):
    """A wheel with a console script, a gui script, a #!python .data script and a .pth, written
    by hand (no setuptools/wheel needed)."""
    files = {
        "hello/__init__.py": b"import sys\n\ndef main():\n    print('hello from', sys.prefix)\n",
        "hello_extra.pth": b"import hello_pth_marker\n",
        "hello_pth_marker.py": b"import sys\nsys.hello_pth_loaded = True\n",
        "hello-1.0.data/scripts/hello-data": b"#!python\nimport sys\nprint('data script', sys.prefix)\n",
        "hello-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: hello\nVersion: 1.0\n",
        "hello-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
                                     b"Tag: py3-none-any\n",
        "hello-1.0.dist-info/entry_points.txt": b"[console_scripts]\nhello = hello:main\n"
                                                b"[gui_scripts]\nhello-gui = hello:main\n",
    }
    record = "".join(f"{n},{record_hash(d)},{len(d)}\n" for n, d in files.items())
    record += "hello-1.0.dist-info/RECORD,,\n"
    path = os.path.join(out_dir, "hello-1.0-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files.items():
            info = zipfile.ZipInfo(n, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | (0o755 if "/scripts/" in n else 0o644)) << 16
            z.writestr(info, d)
        z.writestr("hello-1.0.dist-info/RECORD", record)
    return path


def run(*cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 300)
    p = subprocess.run(list(cmd), **kw)
    assert p.returncode == 0, f"{cmd} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def pip_env():
    e = dict(os.environ)
    e.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1")
    for k in ("PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE", "PIP_USER"):
        e.pop(k, None)
    e.pop("VIRTUAL_ENV", None)
    return e


def install_payload(env, pip_cmd, outside):
    """Installs wheel (from Debian's wheels) and the hello wheel (from INSIDE the environment, so
    its direct_url.json names the environment), plus an in-env and an outside .pth."""
    wheels_dir = os.path.join(env, "wheels")
    os.makedirs(wheels_dir, exist_ok=True)
    hello = build_hello_wheel(wheels_dir)
    extra = glob.glob(os.path.join(WHEELS, "wheel-*.whl"))
    run(*pip_cmd, "install", "--no-index", "--no-deps", hello, *extra, env=pip_env())
    site = site_packages(env)
    os.makedirs(os.path.join(env, "extra-path"), exist_ok=True)
    with open(os.path.join(env, "extra-path", "extra_mod.py"), "w") as f:
        f.write("WHERE = __file__\n")
    with open(os.path.join(site, "in_env.pth"), "w") as f:
        f.write(os.path.join(env, "extra-path") + "\n")
    os.makedirs(outside, exist_ok=True)
    with open(os.path.join(site, "__editable__.project.pth"), "w") as f:
        f.write(outside + "\n")


def site_packages(env):
    (site,) = glob.glob(os.path.join(env, "lib", "python*", "site-packages"))
    return site


def version_tuple(python):
    return tuple(int(x) for x in python_version(python).split("."))


def make_python_venv(python, env, outside):
    run(python, "-m", "venv", env)
    if version_tuple(python)[:2] == (3, 11):
        # Debian's own wheels (pip, setuptools, wheel) where they fit the interpreter.
        run(os.path.join(env, "bin", "python"), "-m", "pip", "install", "--no-index", "--no-deps",
            "--force-reinstall", *glob.glob(os.path.join(WHEELS, "*.whl")), env=pip_env())
    install_payload(env, [os.path.join(env, "bin", "python"), "-m", "pip"], outside)


# ---- observing environments -----------------------------------------------------------------

def snapshot(root):
    """rel -> (kind, mode, sha256 or link target) for everything below root."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("l", 0, os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("d", stat.S_IMODE(st.st_mode), None)
            else:
                with open(p, "rb") as f:
                    out[rel] = ("f", stat.S_IMODE(st.st_mode), hashlib.sha256(f.read()).hexdigest())
    return out


def text_files_naming(root, needle):
    """Files below root (not .pyc, not binaries) whose content contains needle."""
    hits = []
    nb = needle.encode()
    for dirpath, _, filenames in os.walk(root):
        for n in filenames:
            p = os.path.join(dirpath, n)
            if n.endswith(".pyc") or os.path.islink(p):
                continue
            with open(p, "rb") as f:
                data = f.read()
            if b"\0" in data:
                continue
            if nb in data:
                hits.append(os.path.relpath(p, root))
    return sorted(hits)


def env_py(env, code):
    return run(os.path.join(env, "bin", "python"), "-c", code, env=pip_env()).stdout


DISTS = ("import importlib.metadata as m, json; "
         "print(json.dumps(sorted((d.metadata['Name'].lower(), d.version) for d in m.distributions())))")

BAD_RECORDS = r"""
import importlib.metadata as md, hashlib, base64, json, os, sys
bad = []
for d in md.distributions():
    for f in d.files or []:
        if f.hash is None:
            continue
        p = str(f.locate())
        try:
            data = open(p, 'rb').read()
        except FileNotFoundError:
            bad.append(('missing', os.path.relpath(p, sys.prefix)))
            continue
        h = base64.urlsafe_b64encode(hashlib.new(f.hash.mode, data).digest()).rstrip(b'=').decode()
        if h != f.hash.value or (f.size is not None and f.size != len(data)):
            bad.append(('hash', os.path.relpath(os.path.realpath(p), os.path.realpath(sys.prefix))))
print(json.dumps(sorted(bad)))
"""


def check_works_at(env, old, minor):
    """Everything that names the environment names `env`, and nothing names `old`."""
    site = site_packages(env)
    # Console scripts (distlib launchers), a #!python .data script, pip itself.
    out = run(os.path.join(env, "bin", "pip"), "--version", env=pip_env()).stdout
    assert f"from {env}/lib/python{minor}/site-packages/pip" in out, out
    assert run(os.path.join(env, "bin", "hello"), env=pip_env()).stdout == f"hello from {env}\n"
    assert run(os.path.join(env, "bin", "hello-gui"), env=pip_env()).stdout == f"hello from {env}\n"
    assert run(os.path.join(env, "bin", "hello-data"), env=pip_env()).stdout == f"data script {env}\n"
    run(os.path.join(env, "bin", "wheel"), "version", env=pip_env())
    run(os.path.join(env, "bin", "pip"), "check", env=pip_env())
    listed = json.loads(run(os.path.join(env, "bin", "pip"), "list", "--format=json",
                            env=pip_env()).stdout)
    assert {"hello", "wheel", "pip"} <= {d["name"].lower() for d in listed}
    # .pth: the in-env path moved, the outside (editable) one stayed; import lines still run.
    paths = json.loads(env_py(env, "import sys, json; print(json.dumps(sys.path))"))
    assert os.path.join(env, "extra-path") in paths
    assert not [p for p in paths if p == old or p.startswith(old + "/")], paths
    assert env_py(env, "import sys; print(getattr(sys, 'hello_pth_loaded', False))") == "True\n"
    assert env_py(env, "import extra_mod; print(extra_mod.WHERE)") == \
        os.path.join(env, "extra-path", "extra_mod.py") + "\n"
    # direct_url.json: the wheel was installed from inside the environment.
    du = json.loads(env_py(env, "import importlib.metadata as m; "
                                "print(m.distribution('hello').read_text('direct_url.json'))"))
    assert du["url"].startswith("file://")
    from urllib.request import url2pathname
    assert url2pathname(du["url"][len("file://"):]) == \
        os.path.join(env, "wheels", "hello-1.0-py3-none-any.whl")
    # No text file names the old place (activators and pyvenv.cfg included).
    assert text_files_naming(env, old) == []
    # The rewritten scripts' RECORD rows were updated: every hash that held before still holds.
    return json.loads(env_py(env, BAD_RECORDS)), site


def copy_interpreters():
    """Debian's python3 always; the newest pyenv CPython too when there is one."""
    found = [DEBIAN_PYTHON]
    others = [p for p in interpreters()[1:] if version_tuple(p) >= (3, 8)]
    others.sort(key=version_tuple)
    if others:
        found.append(others[-1])
    return found


# ---- copy ------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=copy_interpreters(), ids=lambda p: python_version(p))
def source_env(request, tmp_path_factory):
    root = str(tmp_path_factory.mktemp("copysrc"))
    env = os.path.join(root, "source env")
    make_python_venv(request.param, env, os.path.join(root, "project", "src"))
    minor = ".".join(python_version(request.param).split(".")[:2])
    bad = json.loads(env_py(env, BAD_RECORDS))
    return env, minor, bad


@pytest.mark.parametrize("copies", [False, True], ids=["share", "copies"])
def test_copy_of_a_real_environment_works_at_its_new_path(venvsync, tmp_path, source_env, copies):
    src, minor, src_bad = source_env
    before = snapshot(src)
    dists = env_py(src, DISTS)
    dst = os.path.join(str(tmp_path), "copied env", "venv")
    args = ["copy", src, dst] + (["--copies"] if copies else [])
    venvsync(*args, cwd=str(tmp_path), check_rc=0)

    bad, _ = check_works_at(dst, src, minor)
    assert bad == src_bad, "RECORD hashes in the copy hold exactly where they held in the source"
    assert env_py(dst, DISTS) == dists
    assert snapshot(src) == before, "the source is byte-identical after the copy"

    # Shared data: with --copies nothing; otherwise at most the package files, never a script,
    # a RECORD or pyvenv.cfg.
    shared = []
    for dirpath, _, filenames in os.walk(dst):
        for n in filenames:
            p = os.path.join(dirpath, n)
            q = os.path.join(src, os.path.relpath(p, dst))
            if os.path.islink(p) or not os.path.exists(q) or os.path.islink(q):
                continue
            a, b = os.stat(p), os.stat(q)
            if (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino):
                shared.append(os.path.relpath(p, dst))
    if copies:
        assert shared == []
    else:
        assert not [s for s in shared if s.startswith("bin/") or s.endswith(("RECORD", ".pth"))
                    or s == "pyvenv.cfg" or s.endswith("direct_url.json")], shared


def test_changing_the_copy_leaves_the_source_alone(venvsync, tmp_path, source_env):
    src, minor, _ = source_env
    before = snapshot(src)
    dst = os.path.join(str(tmp_path), "c o p y")
    venvsync("copy", src, dst, check_rc=0)
    # pip replaces or deletes files, it never writes into them: hard links stay safe.
    run(os.path.join(dst, "bin", "pip"), "uninstall", "-y", "wheel", "hello", env=pip_env())
    hello = os.path.join(src, "wheels", "hello-1.0-py3-none-any.whl")
    run(os.path.join(dst, "bin", "pip"), "install", "--no-index", "--no-deps", hello, env=pip_env())
    with open(os.path.join(site_packages(dst), "hello", "__init__.py"), "a") as f:
        f.write("# edited in the copy by appending: a freshly installed file, not shared\n")
    assert snapshot(src) == before
    run(os.path.join(src, "bin", "wheel"), "version", env=pip_env())
    assert run(os.path.join(src, "bin", "hello"), env=pip_env()).stdout == f"hello from {src}\n"


def test_copy_refuses_an_existing_destination(venvsync, tmp_path, source_env):
    src, _, _ = source_env
    dst = os.path.join(str(tmp_path), "taken")
    os.makedirs(dst)
    with open(os.path.join(dst, "keep"), "w") as f:
        f.write("mine")
    r = venvsync("copy", src, dst)
    assert r.returncode == 2, r.stderr
    assert os.listdir(dst) == ["keep"]


# ---- moved, then synced -----------------------------------------------------------------------

def test_a_moved_environment_is_relocated_by_sync(venvsync, tmp_path):
    minor = ".".join(python_version(DEBIAN_PYTHON).split(".")[:2])
    pip_whl = glob.glob(os.path.join(WHEELS, "pip-*.whl"))
    if not pip_whl:
        pytest.skip("no pip wheel in " + WHEELS)
    old_root = os.path.join(str(tmp_path), "proj")
    os.makedirs(old_root)
    with open(os.path.join(old_root, "venv.yaml"), "w") as f:
        f.write(f'version: 1\npython: "{DEBIAN_PYTHON}"\nenvironments:\n'
                f'  dev:\n    path: .venv\n    exact: false\n')
    venvsync("sync", cwd=old_root, check_rc=0)
    old_env = os.path.join(old_root, ".venv")
    # pip, bootstrapped from its own wheel, then the payload.
    run(os.path.join(old_env, "bin", "python"), os.path.join(pip_whl[0], "pip"), "install",
        "--no-index", "--no-deps", *glob.glob(os.path.join(WHEELS, "*.whl")), env=pip_env())
    install_payload(old_env, [os.path.join(old_env, "bin", "python"), "-m", "pip"],
                    os.path.join(str(tmp_path), "elsewhere"))
    dists = env_py(old_env, DISTS)
    bad_before = json.loads(env_py(old_env, BAD_RECORDS))
    assert text_files_naming(old_env, old_root) != [], "the scripts name the old place"

    new_root = os.path.join(str(tmp_path), "moved project dir")
    shutil.move(old_root, new_root)
    new_env = os.path.join(new_root, ".venv")
    r = venvsync("check", cwd=new_root, check_rc=1)
    assert "moved" in r.stdout, r.stdout
    venvsync("sync", cwd=new_root, check_rc=0)

    bad, _ = check_works_at(new_env, old_root, minor)
    assert bad == bad_before
    assert env_py(new_env, DISTS) == dists
    venvsync("check", cwd=new_root, check_rc=0)
    # The old place is gone for good: the scripts cannot be leaning on it.
    assert not os.path.exists(old_root)
    # And back to a short path without spaces: the trampolines become plain shebangs again.
    short = os.path.join(str(tmp_path), "p")
    shutil.move(new_root, short)
    venvsync("sync", cwd=short, check_rc=0)
    with open(os.path.join(short, ".venv", "bin", "hello"), "rb") as f:
        first = f.readline()
    assert first == f"#!{short}/.venv/bin/python\n".encode(), first
    bad, _ = check_works_at(os.path.join(short, ".venv"), new_root, minor)
    assert bad == bad_before


@pytest.mark.parametrize("python", copy_interpreters(), ids=lambda p: python_version(p))
def test_a_moved_python_venv_environment_is_relocated_and_adopted(venvsync, tmp_path, python):
    """An environment `python -m venv` wrote records no venvsync path: where it was written comes
    from its bin/activate. After a move, sync relocates it (the state says so) and adopts it."""
    minor = ".".join(python_version(python).split(".")[:2])
    old_root = os.path.join(str(tmp_path), "made by venv")
    old_env = os.path.join(old_root, "env")
    make_python_venv(python, old_env, os.path.join(str(tmp_path), "outside"))
    dists = env_py(old_env, DISTS)
    bad_before = json.loads(env_py(old_env, BAD_RECORDS))

    new_root = os.path.join(str(tmp_path), "project")
    os.makedirs(new_root)
    new_env = os.path.join(new_root, ".venv")
    shutil.move(old_env, new_env)
    with open(os.path.join(new_root, "venv.yaml"), "w") as f:
        f.write(f'version: 1\npython: "{python}"\nenvironments:\n'
                f'  dev:\n    path: .venv\n    exact: false\n')
    r = venvsync("--json", "plan", cwd=new_root, check_rc=0)
    (plan,) = json.loads(r.stdout)["environments"]
    assert plan["state"] == "moved", plan
    assert old_env in plan["reason"], plan
    venvsync("sync", cwd=new_root, check_rc=0)

    bad, _ = check_works_at(new_env, old_env, minor)
    assert bad == bad_before
    assert env_py(new_env, DISTS) == dists
    venvsync("check", cwd=new_root, check_rc=0)
    # Adopted: pyvenv.cfg now records venvsync's keys, so the next move is known from them.
    with open(os.path.join(new_env, "pyvenv.cfg")) as f:
        assert f"venvsync-path = {new_env}\n" in f.read()


def test_a_python_venv_environment_reached_through_a_symlink_is_not_moved(venvsync, tmp_path):
    real = os.path.join(str(tmp_path), "real")
    os.makedirs(real)
    run(DEBIAN_PYTHON, "-m", "venv", "--without-pip", os.path.join(real, ".venv"))
    link = os.path.join(str(tmp_path), "link")
    os.symlink(real, link)
    with open(os.path.join(real, "venv.yaml"), "w") as f:
        f.write(f'version: 1\npython: "{DEBIAN_PYTHON}"\nenvironments:\n  dev:\n    path: .venv\n')
    r = venvsync("--json", "-C", link, "plan", check_rc=0)
    (plan,) = json.loads(r.stdout)["environments"]
    assert plan["state"] == "drifted", plan   # adopted, not relocated
