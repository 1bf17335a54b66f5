"""Installing pinned packages from local wheels: plans, exact sync, hashes, failures."""
import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import BIN, DEBIAN_PYTHON, SRC, have

sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
from wheels import make_wheel, sha256_of  # noqa: E402

SITE = None


def site(env):
    return subprocess.run([os.path.join(env, "bin", "python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def manifest(project, packages, extra_env="", top=""):
    pk = ", ".join(packages)
    project.write(f"""\
version: 1
python: "{DEBIAN_PYTHON}"
index:
  find-links: [wheels/]
{top}environments:
  dev:
    path: .venv
    packages: [{pk}]
{extra_env}""")


@pytest.fixture
def wheels(tmp_project):
    d = tmp_project.path("wheels")
    make_wheel(d, "hello", "1.0", scripts={"hello": "hello:main"},
               modules={"hello/__init__.py": "def main():\n    print('hello 1.0')\n"})
    make_wheel(d, "hello", "2.0", scripts={"hello": "hello:main"},
               modules={"hello/__init__.py": "def main():\n    print('hello 2.0')\n"})
    make_wheel(d, "extra", "0.1")
    make_wheel(d, "native", "1.0", tag="cp39-cp39-win_amd64")
    return d


def dists(env):
    out = subprocess.run([os.path.join(env, "bin", "python"), "-c",
                          "import importlib.metadata as m; print(sorted((d.metadata['Name'], d.version) for d in m.distributions()))"],
                         capture_output=True, text=True, check=True).stdout
    return eval(out)


def test_install_upgrade_downgrade_remove(venvsync, tmp_project, wheels):
    manifest(tmp_project, ["hello==1.0", "extra==0.1"])
    r = venvsync("plan", "--json", cwd=tmp_project.root, check_rc=0)
    kinds = [(a["kind"], a["package"]) for a in json.loads(r.stdout)["environments"][0]["actions"]]
    assert ("install", "hello") in kinds and ("install", "extra") in kinds and kinds[0][0] == "create"
    venvsync(cwd=tmp_project.root, check_rc=0)
    env = tmp_project.path(".venv")
    assert subprocess.run([os.path.join(env, "bin", "hello")], capture_output=True, text=True).stdout == "hello 1.0\n"
    assert dists(env) == [("extra", "0.1"), ("hello", "1.0")]
    inst = open(os.path.join(site(env), "hello-1.0.dist-info", "INSTALLER")).read()
    assert inst == "venvsync\n"
    assert os.path.exists(os.path.join(site(env), "hello-1.0.dist-info", "REQUESTED"))
    assert "0 changed" in venvsync(cwd=tmp_project.root, check_rc=0).stdout

    manifest(tmp_project, ["hello==2.0"])
    r = venvsync("check", cwd=tmp_project.root, check_rc=1)
    assert "upgrade hello 1.0 -> 2.0" in r.stdout and "remove extra 0.1" in r.stdout
    venvsync(cwd=tmp_project.root, check_rc=0)
    assert subprocess.run([os.path.join(env, "bin", "hello")], capture_output=True, text=True).stdout == "hello 2.0\n"
    assert dists(env) == [("hello", "2.0")]
    assert not glob.glob(os.path.join(site(env), "extra*")), "uninstall leaves nothing behind"

    manifest(tmp_project, ["hello==1.0"])
    r = venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert "downgrade hello 2.0 -> 1.0" in r.stdout
    assert dists(env) == [("hello", "1.0")]
    venvsync("check", cwd=tmp_project.root, check_rc=0)


def test_exact_false_keeps_other_packages(venvsync, tmp_project, wheels):
    manifest(tmp_project, ["hello==1.0", "extra==0.1"])
    venvsync(cwd=tmp_project.root, check_rc=0)
    env = tmp_project.path(".venv")
    extra_files = sorted(os.path.relpath(p, env) for p in glob.glob(os.path.join(site(env), "extra*", "*")))
    assert extra_files
    # exact: false and hello upgraded: a sync that does work, and must leave extra alone
    manifest(tmp_project, ["hello==2.0"], extra_env="    exact: false\n")
    r = venvsync("plan", cwd=tmp_project.root, check_rc=0)
    assert "upgrade hello 1.0 -> 2.0" in r.stdout and "remove extra" not in r.stdout, r.stdout
    r = venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert "upgrade hello 1.0 -> 2.0" in r.stdout and "remove extra" not in r.stdout, r.stdout
    assert dists(env) == [("extra", "0.1"), ("hello", "2.0")]
    assert sorted(os.path.relpath(p, env) for p in glob.glob(os.path.join(site(env), "extra*", "*"))) == extra_files
    assert subprocess.run([os.path.join(env, "bin", "python"), "-c", "import extra"]).returncode == 0
    # an unlisted package is no drift: check passes and a second sync changes nothing
    venvsync("check", cwd=tmp_project.root, check_rc=0)
    assert "0 changed" in venvsync("sync", cwd=tmp_project.root, check_rc=0).stdout
    # the same manifest without `exact: false` removes it: the setting is what kept it
    manifest(tmp_project, ["hello==2.0"])
    r = venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert "remove extra 0.1" in r.stdout, r.stdout
    assert dists(env) == [("hello", "2.0")]


def test_missing_wheel_fails_and_changes_nothing(venvsync, tmp_project, wheels):
    manifest(tmp_project, ["hello==1.0"])
    venvsync(cwd=tmp_project.root, check_rc=0)
    before = tmp_project.snapshot()
    manifest(tmp_project, ["hello==3.0", "extra==0.1"])
    r = venvsync(cwd=tmp_project.root, check_rc=2)
    assert ("hello ==3.0 (venv.yaml:8:16) which doesn't match any versions (the sources have "
            "2.0, 1.0)") in r.stderr, r.stderr
    after = tmp_project.snapshot()
    assert {k: v for k, v in after.items() if k.startswith(".venv")} == \
        {k: v for k, v in before.items() if k.startswith(".venv")}, "the environment is exactly as it was"
    # an incompatible wheel is named with the reason
    manifest(tmp_project, ["native==1.0"])
    r = venvsync(cwd=tmp_project.root, check_rc=2)
    assert "native 1.0 is unavailable (no wheel fits linux x86_64, Python 3.11" in r.stderr, r.stderr
    assert {k: v for k, v in tmp_project.snapshot().items() if k.startswith(".venv")} == \
        {k: v for k, v in before.items() if k.startswith(".venv")}


def test_new_environment_is_not_created_when_a_wheel_is_missing(venvsync, tmp_project, wheels):
    manifest(tmp_project, ["hello==1.0", "nosuch==1.0"])
    r = venvsync(cwd=tmp_project.root, check_rc=2)
    assert "nosuch ==1.0 (venv.yaml:8:28) which doesn't match any versions (no package source " \
           "has it)" in r.stderr, r.stderr
    assert not os.path.exists(tmp_project.path(".venv"))
    assert not [n for n in os.listdir(tmp_project.root) if "venvsync-stage" in n]


def test_hashes_from_requirements_files(venvsync, tmp_project, wheels):
    good = sha256_of(os.path.join(wheels, "hello-1.0-py3-none-any.whl"))
    open(tmp_project.path("req.txt"), "w").write(
        f"hello==1.0 \\\n    --hash=sha256:{'0' * 64} \\\n    --hash=sha256:{good}\n")
    tmp_project.write(f"""\
version: 1
python: "{DEBIAN_PYTHON}"
index: {{find-links: [wheels/]}}
environments:
  dev: {{path: .venv, requirements: [req.txt]}}
""")
    venvsync(cwd=tmp_project.root, check_rc=0)
    assert dists(tmp_project.path(".venv")) == [("hello", "1.0")]
    # a wrong hash fails, names both hashes, and installs nothing
    open(tmp_project.path("req.txt"), "w").write(f"hello==2.0 --hash=sha256:{'1' * 64}\n")
    r = venvsync(cwd=tmp_project.root, check_rc=3)
    assert "hash" in r.stderr and "1" * 64 in r.stderr, r.stderr
    assert dists(tmp_project.path(".venv")) == [("hello", "1.0")]
    # hash-checking mode: every requirement needs one (the lock's own hash does not count)
    open(tmp_project.path("req.txt"), "w").write(f"hello==1.0 --hash=sha256:{good}\nextra==0.1\n")
    r = venvsync(cwd=tmp_project.root, check_rc=3)
    assert "extra has no --hash, but hash checking is on (--hash at req.txt:1)" in r.stderr, r.stderr
    assert dists(tmp_project.path(".venv")) == [("hello", "1.0")]


def test_markers_unpinned_and_bad_requirements(venvsync, tmp_project, wheels):
    manifest(tmp_project, ['"hello==1.0"', "\"extra==0.1; python_version < '3.0'\""])
    venvsync(cwd=tmp_project.root, check_rc=0)
    assert dists(tmp_project.path(".venv")) == [("hello", "1.0")], "the marker excludes extra"
    # a range keeps what the lock has while it fits; `lock --upgrade` takes the newest
    manifest(tmp_project, ['"hello>=1.0,<3"'])
    venvsync(cwd=tmp_project.root, check_rc=0)
    assert dists(tmp_project.path(".venv")) == [("hello", "1.0")]
    r = venvsync("lock", "--upgrade", cwd=tmp_project.root, check_rc=0)
    assert "~ hello 1.0 -> 2.0" in r.stdout, r.stdout
    venvsync(cwd=tmp_project.root, check_rc=0)
    assert dists(tmp_project.path(".venv")) == [("hello", "2.0")]
    # a requirement that does not parse is an error at its position; nothing changes
    manifest(tmp_project, ['"hello>=1.0,,"'])
    r = venvsync(cwd=tmp_project.root, check_rc=2)
    assert "venv.yaml:8:16" in r.stderr, r.stderr
    assert dists(tmp_project.path(".venv")) == [("hello", "2.0")]


def test_corrupt_wheel_is_refused_and_leaves_nothing_in_the_cache(venvsync, tmp_project, cache_dir, tmp_path):
    bad = tmp_project.path("wheels")
    make_wheel(bad, "broken", "1.0", corrupt_record=True)
    manifest(tmp_project, ["broken==1.0"])
    cache = str(tmp_path / "fresh-cache")
    r = venvsync(cwd=tmp_project.root, env={"VENVSYNC_CACHE_DIR": cache}, check_rc=3)
    assert "RECORD" in r.stderr or "hash" in r.stderr, r.stderr
    assert not os.path.exists(tmp_project.path(".venv"))
    wheels_dir = os.path.join(cache, "wheels-v2")
    leftovers = [n for n in os.listdir(wheels_dir)] if os.path.isdir(wheels_dir) else []
    assert leftovers == [], leftovers


def test_real_wheels_work_with_pip_and_importlib(venvsync, tmp_project):
    found = sorted(glob.glob("/usr/share/python-wheels/*.whl"))
    if not found:
        pytest.skip("no wheels in /usr/share/python-wheels")
    d = tmp_project.path("wheels")
    os.makedirs(d)
    pins = []
    for w in found:
        shutil.copy(w, d)
        name, version = os.path.basename(w).split("-")[:2]
        pins.append(f"{name}=={version}")
    manifest(tmp_project, pins)
    venvsync(cwd=tmp_project.root, check_rc=0)
    env = tmp_project.path(".venv")
    py = os.path.join(env, "bin", "python")
    names = {p.split("==")[0] for p in pins}
    if "pip" in names:
        out = subprocess.run([py, "-m", "pip", "list", "--format=json"], capture_output=True, text=True, check=True).stdout
        listed = {x["name"].lower(): x["version"] for x in json.loads(out)}
        for p in pins:
            n, v = p.split("==")
            assert listed.get(n.lower()) == v, (p, listed)
        chk = subprocess.run([py, "-m", "pip", "check"], capture_output=True, text=True)
        assert chk.returncode == 0, chk.stdout + chk.stderr
        assert subprocess.run([os.path.join(env, "bin", "pip"), "--version"], capture_output=True, text=True,
                              check=True).stdout.startswith("pip ")
        show = subprocess.run([py, "-m", "pip", "show", "-f", "pip"], capture_output=True, text=True, check=True).stdout
        assert "Installer" not in show or True
        assert "pip/__init__.py" in show
    assert dists(env) == sorted((n, v) for n, v in (p.split("==") for p in pins))
    # pip can uninstall what venvsync installed
    if "wheel" in names and "pip" in names:
        subprocess.run([py, "-m", "pip", "uninstall", "-y", "wheel"], capture_output=True, text=True, check=True)
        assert "wheel" not in [n for n, _ in dists(env)]
        r = venvsync("sync", cwd=tmp_project.root, check_rc=0)
        assert "install wheel" in r.stdout


@pytest.mark.skipif(not have("strace"), reason="strace not installed")
def test_noop_with_packages_starts_no_python(venvsync, tmp_project, wheels, cache_dir):
    manifest(tmp_project, ["hello==1.0", "extra==0.1"])
    venvsync(cwd=tmp_project.root, check_rc=0)
    log = tmp_project.path("strace.log")
    env = dict(os.environ, VENVSYNC_CACHE_DIR=cache_dir, NO_COLOR="1", ASAN_OPTIONS="detect_leaks=0")
    p = subprocess.run(["strace", "-f", "-qq", "-o", log, "-e", "trace=execve,socket,connect", BIN, "sync"],
                       cwd=tmp_project.root, env=env, capture_output=True, text=True)
    assert p.returncode == 0 and "0 changed" in p.stdout, p.stdout + p.stderr
    calls = open(log).read().splitlines()
    assert len([c for c in calls if "execve(" in c]) == 1, calls
    assert not [c for c in calls if "socket(" in c or "connect(" in c]


def test_compile_writes_pycs_listed_in_record(venvsync, tmp_project, wheels):
    manifest(tmp_project, ["hello==1.0"], extra_env="    compile: true\n")
    venvsync(cwd=tmp_project.root, check_rc=0)
    sp = site(tmp_project.path(".venv"))
    pycs = glob.glob(os.path.join(sp, "hello", "__pycache__", "*.pyc"))
    assert len(pycs) == 1
    record = open(os.path.join(sp, "hello-1.0.dist-info", "RECORD")).read()
    assert "hello/__pycache__/" + os.path.basename(pycs[0]) + ",," in record
    # uninstalling removes the pyc too
    manifest(tmp_project, ["hello==2.0"], extra_env="    compile: true\n")
    venvsync(cwd=tmp_project.root, check_rc=0)
    assert [os.path.basename(p) for p in glob.glob(os.path.join(sp, "hello", "__pycache__", "*.pyc"))] == \
        [os.path.basename(pycs[0])]
    assert "hello 2.0" in subprocess.run([os.path.join(tmp_project.path(".venv"), "bin", "hello")],
                                         capture_output=True, text=True).stdout


def test_cache_dir_clean_prune(venvsync, tmp_project, wheels, tmp_path):
    cache = str(tmp_path / "c")
    env = {"VENVSYNC_CACHE_DIR": cache}
    manifest(tmp_project, ["hello==1.0"])
    venvsync(cwd=tmp_project.root, env=env, check_rc=0)
    assert venvsync("cache", "dir", env=env, check_rc=0).stdout.strip() == cache
    assert os.listdir(os.path.join(cache, "wheels-v2"))
    # a stale interpreter entry (its executable is gone) is pruned, the live one kept
    idir = os.path.join(cache, "interpreters")
    live = set(os.listdir(idir))
    open(os.path.join(idir, "0" * 64 + ".txt"), "w").write(
        open(os.path.join(idir, sorted(live)[0])).read().replace("realpath=", "realpath=/nonexistent"))
    r = json.loads(venvsync("cache", "prune", "--json", env=env, check_rc=0).stdout)
    assert r["removed"] == 1 and set(os.listdir(idir)) == live
    venvsync("cache", "clean", env=env, check_rc=0)
    assert [n for n in os.listdir(cache) if n != "locks"] == []
    # the environment is unaffected by cleaning the cache (files are linked or copied)
    assert subprocess.run([os.path.join(tmp_project.path(".venv"), "bin", "hello")], capture_output=True,
                          text=True).stdout == "hello 1.0\n"
    venvsync("check", cwd=tmp_project.root, env=env, check_rc=0)


def test_deep_check_and_verify_repair_modified_files(venvsync, tmp_project, wheels):
    manifest(tmp_project, ["hello==1.0", "extra==0.1"])
    venvsync(cwd=tmp_project.root, check_rc=0)
    sp = site(tmp_project.path(".venv"))
    mod = os.path.join(sp, "hello", "__init__.py")
    os.unlink(mod)  # it may be a hard link into the cache: replace it, as an editor does
    open(mod, "w").write("def main():\n    print('HELLO 1.0')\n")  # same size: only the hash tells
    os.remove(os.path.join(sp, "extra", "__init__.py"))
    venvsync("check", cwd=tmp_project.root, check_rc=0)  # the cheap check looks at versions only
    r = venvsync("check", "--deep", cwd=tmp_project.root, check_rc=1)
    assert "reinstall hello" in r.stdout and "modified" in r.stdout, r.stdout
    assert "reinstall extra" in r.stdout and "missing" in r.stdout, r.stdout
    venvsync("sync", "--verify", cwd=tmp_project.root, check_rc=0)
    assert subprocess.run([os.path.join(tmp_project.path(".venv"), "bin", "hello")], capture_output=True,
                          text=True).stdout == "hello 1.0\n"
    assert os.path.exists(os.path.join(sp, "extra", "__init__.py"))
    venvsync("check", "--deep", cwd=tmp_project.root, check_rc=0)


WHOLE = r"""
import base64, hashlib, importlib.metadata as m, json, os, sysconfig
site = sysconfig.get_paths()["purelib"]
dists, claimed, bad = {}, set(), []
for d in m.distributions(path=[site]):
    name = d.metadata["Name"]
    if not name or not d.files:
        bad.append(str(d._path))
        continue
    for f in d.files:
        p = os.path.normpath(str(f.locate()))
        claimed.add(p)
        if f.hash and (not os.path.exists(p) or base64.urlsafe_b64encode(hashlib.new(
                f.hash.mode, open(p, "rb").read()).digest()).rstrip(b"=").decode() != f.hash.value):
            bad.append(str(f))
    dists[name] = d.version
orphans = sorted(os.path.relpath(os.path.join(dp, n), site) for dp, dn, fn in os.walk(site)
                 for n in fn if "__pycache__" not in dp and os.path.normpath(os.path.join(dp, n)) not in claimed)
print(json.dumps({"dists": dists, "bad": bad, "orphans": orphans, "hidden": sorted(
    n for n in os.listdir(site) if n.startswith("."))}))
"""


def whole(env):
    """importlib.metadata's view: name -> version for readable distributions, anything unreadable
    or changed ("bad"), files no RECORD lists ("orphans"), hidden entries of site-packages."""
    out = subprocess.run([os.path.join(env, "bin", "python"), "-c", WHOLE], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)


def pip_list(env):
    out = subprocess.run([os.path.join(env, "bin", "python"), "-m", "pip", "list", "--format=json",
                          "--disable-pip-version-check"], capture_output=True, text=True, check=True)
    return {x["name"].lower(): x["version"] for x in json.loads(out.stdout)}


def test_damaged_dist_infos_are_reported_and_repaired(venvsync, tmp_project, wheels):
    """What a kill -9 in the middle of an install leaves (from an older venvsync, or another
    installer): a .dist-info without RECORD, one without METADATA, and a temporary dist-info of an
    install that never finished, with its files. check names each, sync repairs them (the cached
    wheels tell which files are whose), and pip and importlib.metadata read the result whole."""
    pips = glob.glob("/usr/share/python-wheels/pip-*.whl")
    if not pips:
        pytest.skip("no pip wheel in /usr/share/python-wheels")
    shutil.copy(pips[0], wheels)
    pip_pin = "pip==" + os.path.basename(pips[0]).split("-")[1]
    make_wheel(wheels, "gone", "2.0", modules={"gone/__init__.py": "G = 2\n", "gone/util.py": "U = 1\n"})
    manifest(tmp_project, [pip_pin, "hello==1.0", "extra==0.1", "gone==2.0"])
    venvsync(cwd=tmp_project.root, check_rc=0)   # every wheel is in the cache now
    manifest(tmp_project, [pip_pin, "hello==1.0", "extra==0.1"])
    venvsync(cwd=tmp_project.root, check_rc=0)
    env = tmp_project.path(".venv")
    sp = site(env)
    assert whole(env) == {"dists": {"pip": pip_pin[5:], "hello": "1.0", "extra": "0.1"}, "bad": [],
                          "orphans": [], "hidden": []}

    os.remove(os.path.join(sp, "hello-1.0.dist-info", "RECORD"))
    os.remove(os.path.join(sp, "extra-0.1.dist-info", "METADATA"))
    tmp = os.path.join(sp, ".gone-2.0.dist-info.venvsync-tmp-Zz9aB1")  # a killed install of gone
    os.makedirs(os.path.join(sp, "gone"))
    os.makedirs(tmp)
    open(os.path.join(tmp, "METADATA"), "w").write("Metadata-Version: 2.1\nName: gone\nVersion: 2.0\n")
    open(os.path.join(sp, "gone", "__init__.py"), "w").write("G = 2\n")
    open(os.path.join(sp, "mine.py"), "w").write("# the user's own\n")   # never deleted
    seen = whole(env)
    assert len(seen["bad"]) == 2 and "gone/__init__.py" in seen["orphans"], seen

    r = venvsync("check", cwd=tmp_project.root, check_rc=1)
    assert "drifted" in r.stdout, r.stdout
    assert "reinstall hello" in r.stdout and "hello-1.0.dist-info has no RECORD" in r.stdout, r.stdout
    assert "reinstall extra" in r.stdout and "extra-0.1.dist-info has no METADATA" in r.stdout, r.stdout
    assert "cleanup .gone-2.0.dist-info.venvsync-tmp-Zz9aB1" in r.stdout, r.stdout
    plan = json.loads(venvsync("plan", "--json", cwd=tmp_project.root, check_rc=0).stdout)
    kinds = [(a["kind"], a["package"]) for a in plan["environments"][0]["actions"]]
    assert kinds == [("cleanup", ".gone-2.0.dist-info.venvsync-tmp-Zz9aB1"), ("reinstall", "extra"),
                     ("reinstall", "hello")], kinds

    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    venvsync("check", cwd=tmp_project.root, check_rc=0)
    assert whole(env) == {"dists": {"pip": pip_pin[5:], "hello": "1.0", "extra": "0.1"}, "bad": [],
                          "orphans": ["mine.py"], "hidden": []}
    assert pip_list(env) == {"pip": pip_pin[5:], "hello": "1.0", "extra": "0.1"}
    assert not os.path.exists(os.path.join(sp, "gone"))
    py = os.path.join(env, "bin", "python")
    assert subprocess.run([py, "-m", "pip", "check"], capture_output=True, text=True).returncode == 0
    assert subprocess.run([os.path.join(env, "bin", "hello")], capture_output=True,
                          text=True).stdout == "hello 1.0\n"
    # pip can uninstall what was repaired (its RECORD is whole again)
    subprocess.run([py, "-m", "pip", "uninstall", "-y", "hello"], capture_output=True, check=True)
    assert not os.path.exists(os.path.join(env, "bin", "hello"))
    assert "hello" not in pip_list(env)


def test_damaged_dist_info_without_a_cached_wheel_is_refused(venvsync, tmp_project, wheels):
    """A .dist-info without RECORD whose wheel venvsync never had: nothing can tell which files are
    its, so removing it is refused, naming the folder and what to do, and nothing changes."""
    manifest(tmp_project, ["hello==1.0"])
    venvsync(cwd=tmp_project.root, check_rc=0)
    env = tmp_project.path(".venv")
    sp = site(env)
    info = os.path.join(sp, "ghost-1.0.dist-info")
    os.makedirs(info)
    open(os.path.join(info, "METADATA"), "w").write("Metadata-Version: 2.1\nName: ghost\nVersion: 1.0\n")
    open(os.path.join(sp, "ghost.py"), "w").write("# ghost\n")
    manifest(tmp_project, ["hello==2.0"])
    r = venvsync("check", cwd=tmp_project.root, check_rc=1)
    assert "remove ghost" in r.stdout and "ghost-1.0.dist-info has no RECORD" in r.stdout, r.stdout
    r = venvsync("sync", cwd=tmp_project.root, check_rc=2)
    assert info in r.stderr and "no RECORD" in r.stderr and "venvsync remove" in r.stderr, r.stderr
    assert os.path.exists(os.path.join(sp, "ghost.py")) and os.path.isdir(info)
    assert os.path.isdir(os.path.join(sp, "hello-1.0.dist-info")), "nothing was changed"
    # once the folder is gone (as the message says), sync goes on; the file it cannot attribute stays
    shutil.rmtree(info)
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert dists(env) == [("hello", "2.0")]
    assert os.path.exists(os.path.join(sp, "ghost.py"))
