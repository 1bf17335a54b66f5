"""A real corpus: the wheels tests/fixtures/repack.py rebuilds from an interpreter's
installed packages (pyenv's 3.11.7 when present, else Debian's python3 and its dist-packages), installed by venvsync and by pip into two fresh environments of the same
interpreter, then compared file by file and checked with pip, importlib.metadata, imports and
console scripts."""
import hashlib
import json
import os
import subprocess
import sys

import pytest

from conftest import SRC

sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
import repack  # noqa: E402
CANDIDATES = ([os.environ["VENVSYNC_TEST_CORPUS_PYTHON"]] if os.environ.get("VENVSYNC_TEST_CORPUS_PYTHON") else
              [os.path.expanduser("~/.pyenv/versions/3.11.7/bin/python3.11"), "/usr/bin/python3"])
SKIP_PARTS = ("__pycache__",)
PER_ENV = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def pick_python():
    for p in CANDIDATES:
        if os.path.exists(p):
            r = subprocess.run([p, "-c", "import ensurepip"], capture_output=True)
            if r.returncode == 0:
                return p
    return None


PY = pick_python()
pytestmark = pytest.mark.skipif(not PY, reason="needs an interpreter with ensurepip (Debian: python3-venv), "
                                                 f"none of {CANDIDATES} has one")


def purelib(py):
    return subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("corpus"))
    sites = repack.interpreter_sites(PY)  # Debian's python3: its python3-* in /usr/lib/python3/dist-packages
    result = repack.build(sites, out)
    wheels = sorted(os.path.basename(w) for w in result.wheels)
    assert len(wheels) >= 5, f"only {len(wheels)} wheels rebuilt from {sites}: {result.skipped}"
    return out, wheels


@pytest.fixture(scope="module")
def two_envs(corpus, tmp_path_factory, cache_dir):
    folder, wheels = corpus
    root = str(tmp_path_factory.mktemp("proj"))
    pins = []
    for w in wheels:
        name, version = w.split("-")[:2]
        pins.append(f"{name}=={version}")
    with open(os.path.join(root, "venv.yaml"), "w") as f:
        f.write(f'version: 1\npython: "{PY}"\nindex:\n  find-links: ["{folder}"]\n'
                "environments:\n  dev:\n    path: vs\n    packages:\n")
        for p in pins:
            f.write(f'      - "{p}"\n')
    from conftest import BIN
    r = subprocess.run([BIN, "sync"], cwd=root, capture_output=True, text=True,
                       env=dict(os.environ, VENVSYNC_CACHE_DIR=cache_dir, NO_COLOR="1"))
    assert r.returncode == 0, r.stdout + r.stderr
    pipenv = os.path.join(root, "pip")
    subprocess.run([PY, "-m", "venv", pipenv], check=True)
    r = subprocess.run([os.path.join(pipenv, "bin", "python"), "-m", "pip", "install", "-q", "--no-deps",
                        "--no-compile", "--no-index", "--no-cache-dir", "--disable-pip-version-check",
                        *[os.path.join(folder, w) for w in wheels]], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return os.path.join(root, "vs"), pipenv, pins


def tree(env):
    """{relative path: sha256} of the files packages put in the environment."""
    out = {}
    sp = purelib(os.path.join(env, "bin", "python"))
    for base in (sp, os.path.join(env, "bin"), os.path.join(env, "include"), os.path.join(env, "share")):
        for d, dirs, files in os.walk(base):
            dirs[:] = [x for x in dirs if x not in SKIP_PARTS]
            for n in files:
                p = os.path.join(d, n)
                rel = os.path.relpath(p, env)
                if os.path.islink(p):
                    continue
                with open(p, "rb") as f:
                    out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


def pip_in(pipenv, target, *args):
    return subprocess.run([os.path.join(pipenv, "bin", "python"), "-m", "pip", "--disable-pip-version-check",
                           "--python", os.path.join(target, "bin", "python"), *args],
                          capture_output=True, text=True)


def test_trees_match_pip_file_for_file(two_envs):
    vs, pipenv, _ = two_envs
    # pip's own environment also holds the pip and setuptools ensurepip put there, and venv's
    # activators: leave those out on both sides
    def ours(k):
        low = k.lower()
        return not ("/pip" in low or low.startswith("bin/pip") or "setuptools" in low
                    or "pkg_resources" in low
                    or "_distutils_hack" in low or "distutils-precedence" in low
                    or low.startswith(("bin/activate", "bin/easy_install"))
                    # pip was given wheel paths, a direct-URL install (PEP 610: direct_url.json);
                    # venvsync installed name==version pins from find-links (PEP 610: none)
                    or low.endswith("/direct_url.json"))
    a = {k: v for k, v in tree(vs).items() if ours(k)}
    b = {k: v for k, v in tree(pipenv).items() if ours(k)}
    assert sorted(set(a) - set(b)) == [] and sorted(set(b) - set(a)) == [], "the same files"
    differ = sorted(k for k in a if a[k] != b[k] and os.path.basename(k) not in PER_ENV
                    and not k.startswith("bin/"))
    assert differ == [], "identical contents except launchers and per-environment metadata"


def test_pip_list_check_show_and_metadata(two_envs):
    vs, pipenv, pins = two_envs
    listed = {repack.canonical(x["name"]): x["version"]
              for x in json.loads(pip_in(pipenv, vs, "list", "--format=json").stdout)}
    for p in pins:
        n, v = p.split("==")
        assert listed.get(repack.canonical(n)) == v, p
    chk_vs = pip_in(pipenv, vs, "check")
    chk_pip = pip_in(pipenv, pipenv, "check")
    assert chk_vs.returncode == chk_pip.returncode, chk_vs.stdout + chk_pip.stdout
    show = pip_in(pipenv, vs, "show", "-f", pins[0].split("==")[0])
    assert show.returncode == 0 and "Files:" in show.stdout
    code = "import importlib.metadata as m; print(sorted((d.metadata['Name'].lower(), d.version) for d in m.distributions()))"
    mine = subprocess.run([os.path.join(vs, "bin", "python"), "-c", code], capture_output=True, text=True, check=True).stdout
    theirs = subprocess.run([os.path.join(pipenv, "bin", "python"), "-c", code], capture_output=True, text=True, check=True).stdout
    ignore = ("pip", "setuptools")
    assert [d for d in eval(mine) if d[0] not in ignore] == [d for d in eval(theirs) if d[0] not in ignore]


def test_top_level_modules_import_alike(two_envs):
    vs, pipenv, pins = two_envs
    code = r"""
import importlib, importlib.metadata as m, json, re, sys
wanted = {re.sub(r'[-_.]+', '-', a).lower() for a in sys.argv[1:]}
ok = {}
for d in m.distributions():
    if re.sub(r'[-_.]+', '-', d.metadata['Name']).lower() not in wanted:
        continue
    tl = d.read_text('top_level.txt') or ''
    for mod in tl.split():
        if mod.startswith('_') or mod in ('pip', 'setuptools', 'pkg_resources'):
            continue
        try:
            importlib.import_module(mod); ok[mod] = True
        except BaseException:
            ok[mod] = False
print(json.dumps(ok, sort_keys=True))
"""
    names = [p.split("==")[0] for p in pins]
    run = lambda env: json.loads(subprocess.run([os.path.join(env, "bin", "python"), "-c", code, *names],
                                                capture_output=True, text=True, timeout=600).stdout)
    a, b = run(vs), run(pipenv)
    assert a == b
    assert sum(a.values()) >= len(a) * 0.8, a


def test_console_scripts_run_alike(two_envs):
    vs, pipenv, _ = two_envs
    scripts = sorted(n for n in os.listdir(os.path.join(vs, "bin"))
                     if not n.startswith(("python", "activate", "Activate"))
                     and open(os.path.join(vs, "bin", n), "rb").read(2) == b"#!")
    assert scripts, "the corpus has console scripts"
    for n in scripts[:12]:
        p = os.path.join(vs, "bin", n)
        assert os.access(p, os.X_OK), n
        first = open(p, "rb").readline()
        assert first.startswith(b"#!") and (vs.encode() in first or first.startswith(b"#!/bin/sh")), n
        r1 = subprocess.run([p, "--help"], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        r2 = subprocess.run([os.path.join(pipenv, "bin", n), "--help"], capture_output=True, timeout=60,
                            stdin=subprocess.DEVNULL)
        assert r1.returncode == r2.returncode, (n, r1.stderr[-500:], r2.stderr[-500:])
