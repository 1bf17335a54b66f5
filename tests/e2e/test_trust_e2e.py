"""Trust: venvsync never loses or corrupts what the user has, and adopts existing environments
faithfully. Each test reproduces a way this used to go wrong."""
import json
import os
import shutil
import subprocess
import sys

import yaml

from conftest import DEBIAN_PYTHON, SRC, python_version

sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
from wheels import make_wheel  # noqa: E402

DEBIAN_VERSION = python_version(DEBIAN_PYTHON)
DEBIAN_MINOR = ".".join(DEBIAN_VERSION.split(".")[:2])


def site_packages(env):
    return os.path.join(env, "lib", "python" + DEBIAN_MINOR, "site-packages")


def write_dev(tmp_project, python):
    """A manifest of one environment, dev at .venv, on the given Python."""
    tmp_project.write(f"""\
        version: 1
        python: "{python}"
        environments:
          dev: {{path: .venv}}
        """)


def fake_dist(env, name, version, requires=()):
    d = os.path.join(site_packages(env), f"{name}-{version}.dist-info")
    os.makedirs(d)
    with open(os.path.join(d, "METADATA"), "w") as f:
        f.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" +
                "".join(f"Requires-Dist: {r}\n" for r in requires))
    with open(os.path.join(d, "RECORD"), "w") as f:
        f.write(f"{name}-{version}.dist-info/METADATA,,\n{name}-{version}.dist-info/RECORD,,\n")


def tree(path):
    """Every file below path with its content hash surrogate (size, mtime) and mode."""
    out = {}
    for d, dirs, files in os.walk(path):
        for n in dirs + files:
            p = os.path.join(d, n)
            st = os.lstat(p)
            out[os.path.relpath(p, path)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def test_init_beside_an_existing_environment_changes_nothing(venvsync, tmp_project):
    """`init` used to pick the newest Python (so the first sync recreated the user's .venv) and
    wrote `packages: []` (so every sync after a `pip install` failed)."""
    env = tmp_project.path(".venv")
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--without-pip", "--system-site-packages", env],
                   check=True)
    fake_dist(env, "handmade", "1.0")
    venvsync("init", cwd=tmp_project.root, check_rc=0)
    doc = yaml.safe_load(open(tmp_project.path("venv.yaml")))
    dev = doc["environments"]["dev"]
    assert str(doc["python"]) == DEBIAN_MINOR
    assert dev["prompt"] == ".venv", "the prompt venv gave it"
    assert dev["system-site-packages"] is True
    assert "packages" not in dev, "nothing declared: what the user installs stays theirs"
    ino = os.stat(env).st_ino
    before = tree(env)
    r = venvsync("check", cwd=tmp_project.root, check_rc=0)
    assert "in sync" in r.stdout
    r = venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert "0 changed" in r.stdout, r.stdout
    assert os.stat(env).st_ino == ino
    assert tree(env) == before
    # a later hand install does not make sync fail
    fake_dist(env, "another", "2.0")
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert os.path.isdir(os.path.join(site_packages(env), "another-2.0.dist-info"))


def test_init_adopt_pins_everything_and_check_is_clean(venvsync, tmp_project):
    env = tmp_project.path(".venv")
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--without-pip", "--prompt", "proj", env],
                   check=True)
    for name, ver in (("pip", "24.0"), ("setuptools", "69.5.1"), ("wheel", "0.43.0"),
                      ("six", "1.16.0")):
        fake_dist(env, name, ver)
    venvsync("init", "--adopt", cwd=tmp_project.root, check_rc=0)
    doc = yaml.safe_load(open(tmp_project.path("venv.yaml")))
    dev = doc["environments"]["dev"]
    assert sorted(dev["packages"]) == ["pip==24.0", "setuptools==69.5.1", "six==1.16.0",
                                       "wheel==0.43.0"]
    assert dev["prompt"] == "proj"
    assert "system-site-packages" not in dev
    # adoption reaches no index: the environment matches, only the lock is not written yet
    r = venvsync("check", "--offline", cwd=tmp_project.root, check_rc=1)
    assert "dev (.venv): ok" in r.stdout and "not locked yet" in r.stdout, r.stdout
    # with the pinned versions in a source, the first sync locks and changes nothing
    for name, ver in (("pip", "24.0"), ("setuptools", "69.5.1"), ("wheel", "0.43.0"),
                      ("six", "1.16.0")):
        make_wheel(tmp_project.path("wheels"), name, ver)
    with open(tmp_project.path("venv.yaml"), "a") as f:
        f.write("index:\n  find-links: [wheels/]\n")
    before = tree(env)
    r = venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert "0 changed" in r.stdout, r.stdout
    assert tree(env) == before
    venvsync("check", cwd=tmp_project.root, check_rc=0)
    out = subprocess.run(["bash", "-c", f". {env}/bin/activate && echo \"$PS1\""],
                         capture_output=True, text=True, check=True).stdout
    assert "(proj)" in out


def test_init_without_an_environment_names_no_python(venvsync, tmp_project):
    venvsync("init", cwd=tmp_project.root, check_rc=0)
    doc = yaml.safe_load(open(tmp_project.path("venv.yaml")))
    assert "python" not in doc, "sync decides: .python-version, else the python3 on PATH"
    assert "packages" not in doc["environments"]["dev"]


def test_packages_empty_means_exactly_nothing(venvsync, tmp_project):
    """`packages: []` used to fail (exit 3, 'the environment's interpreter is not known')."""
    tmp_project.write(f"""\
        version: 1
        python: "{DEBIAN_MINOR}"
        environments:
          dev: {{path: .venv, packages: []}}
        """)
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    env = tmp_project.path(".venv")
    fake_dist(env, "stray", "1.0")
    r = venvsync("plan", cwd=tmp_project.root, check_rc=0)
    assert "- remove stray" in r.stdout, r.stdout
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert not os.path.exists(os.path.join(site_packages(env), "stray-1.0.dist-info"))
    venvsync("check", cwd=tmp_project.root, check_rc=0)


def test_deleted_bin_python_is_named(venvsync, tmp_project):
    write_dev(tmp_project, DEBIAN_MINOR)
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    os.unlink(tmp_project.path(".venv", "bin", "python"))
    r = venvsync("check", cwd=tmp_project.root, check_rc=1)
    assert "bin/python is missing" in r.stdout, r.stdout
    assert "changed" not in r.stdout
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    venvsync("check", cwd=tmp_project.root, check_rc=0)


def test_deleted_interpreter_named_by_path(venvsync, tmp_project):
    py = tmp_project.path("py", "python3")
    os.makedirs(os.path.dirname(py))
    os.symlink(os.path.realpath(DEBIAN_PYTHON), py)
    write_dev(tmp_project, py)
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    os.unlink(py)
    r = venvsync("check", "--json", cwd=tmp_project.root, check_rc=1)
    env = json.loads(r.stdout)["environments"][0]
    assert env["state"] == "broken", env
    assert "does not exist" in env["reason"] and py in env["reason"], env


def interpreter_copy(tmp_project):
    """A second interpreter on a machine that may have only one: a copy of Debian's binary
    (CPython finds its standard library from the compiled-in prefix), so a request for it is
    another interpreter and changing to it recreates."""
    d = tmp_project.path("py2")
    os.makedirs(d)
    exe = os.path.join(d, "python3")
    subprocess.run(["cp", os.path.realpath(DEBIAN_PYTHON), exe], check=True)
    assert python_version(exe) == DEBIAN_VERSION
    return exe


USER_FILES = {"app.py": "print('mine')\n", "notes/todo.txt": "buy milk\n", "src/pkg/__init__.py": "",
              "bin/deploy.sh": "#!/bin/sh\necho deploy\n"}


def put_user_files(env):
    for rel, text in USER_FILES.items():
        p = os.path.join(env, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)


def synced_with_user_files(venvsync, tmp_project):
    write_dev(tmp_project, DEBIAN_PYTHON)
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    env = tmp_project.path(".venv")
    put_user_files(env)
    return env


def user_files_present(env):
    return all(os.path.exists(os.path.join(env, rel)) and open(os.path.join(env, rel)).read() == t
               for rel, t in USER_FILES.items())


def test_recreation_carries_the_users_files(venvsync, tmp_project):
    """Changing `python:` recreates the environment; it used to delete app.py, notes/, src/."""
    other = interpreter_copy(tmp_project)
    write_dev(tmp_project, DEBIAN_PYTHON)
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    env = tmp_project.path(".venv")
    put_user_files(env)
    fake_dist(env, "handmade", "1.0")
    write_dev(tmp_project, other)
    r = venvsync("plan", cwd=tmp_project.root, check_rc=0)
    assert "~ recreate" in r.stdout, r.stdout
    assert "app.py" in r.stdout and "notes/" in r.stdout and "bin/deploy.sh" in r.stdout, r.stdout
    assert "carried into the new one" in r.stdout
    assert "handmade 1.0" in r.stdout, "hand-installed packages are named before they go"
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert user_files_present(env)
    assert os.path.realpath(os.path.join(env, "bin", "python")) == os.path.realpath(other)
    assert not os.path.exists(os.path.join(site_packages(env), "handmade-1.0.dist-info"))
    leftovers = [n for n in os.listdir(tmp_project.root) if "venvsync" in n]
    assert leftovers == [], leftovers


def test_remove_refuses_while_the_users_files_are_there(venvsync, tmp_project):
    env = synced_with_user_files(venvsync, tmp_project)
    r = venvsync("remove", "--yes", "dev", cwd=tmp_project.root, check_rc=2)
    assert "app.py" in r.stderr and "notes/" in r.stderr and "--force" in r.stderr, r.stderr
    assert user_files_present(env)
    venvsync("remove", "--yes", "--force", "dev", cwd=tmp_project.root, check_rc=0)
    assert not os.path.exists(env)


def test_kill_during_recreation_never_loses_the_users_files(venvsync, tmp_project):
    """kill -9 at random moments of a recreate: afterwards the user's files are in the
    environment or in a kept copy beside it, and the next sync finishes the job."""
    import random
    import signal
    import time

    from conftest import BIN
    other = interpreter_copy(tmp_project)
    pythons = [DEBIAN_PYTHON, other]
    env = tmp_project.path(".venv")
    rng = random.Random(7)
    cache = tmp_project.path("cache")
    # 30 rounds: a kill lands while the new tree is written, between the swap and the carry,
    # and while the old tree is deleted (each of which once left a kept copy behind).
    for round_ in range(30):
        py = pythons[round_ % 2]
        write_dev(tmp_project, py)
        if round_ == 0:
            venvsync("sync", cwd=tmp_project.root, check_rc=0)
            put_user_files(env)
            continue
        e = dict(os.environ, VENVSYNC_CACHE_DIR=cache, NO_COLOR="1")
        p = subprocess.Popen([BIN, "sync"], cwd=tmp_project.root, env=e,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, 0.06))
        p.send_signal(signal.SIGKILL)
        p.wait()
        venvsync("sync", cwd=tmp_project.root, env={"VENVSYNC_CACHE_DIR": cache}, check_rc=0)
        assert user_files_present(env), f"round {round_}: {sorted(os.listdir(env))}"
        assert os.path.realpath(os.path.join(env, "bin", "python")) == os.path.realpath(py)
    assert [n for n in os.listdir(tmp_project.root) if ".venvsync-" in n] == []


def stage_name(tmp_project, kind):
    return tmp_project.path(f"..venv.venvsync-stage-{kind}abc123")


def test_a_half_written_new_tree_is_deleted_whole(venvsync, tmp_project):
    """A kill while the new tree was written (no pyvenv.cfg yet, pip's scripts without their
    RECORD) used to be taken for the user's files and kept beside the environment with an error."""
    env = synced_with_user_files(venvsync, tmp_project)
    half = stage_name(tmp_project, "new-")
    os.makedirs(os.path.join(half, "bin"))
    for n in ("pip", "pip3", "app.py"):
        with open(os.path.join(half, "bin" if n != "app.py" else "", n), "w") as f:
            f.write("half\n")
    r = venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert not os.path.exists(half), r.stderr
    assert [n for n in os.listdir(tmp_project.root) if "venvsync" in n] == []
    assert user_files_present(env)
    assert open(os.path.join(env, "app.py")).read() == USER_FILES["app.py"]


def test_a_half_deleted_old_tree_is_finished(venvsync, tmp_project):
    """A kill while the old tree was deleted (its user's files already carried over) leaves a
    "gone-" tree: the next run deletes it and keeps nothing."""
    env = synced_with_user_files(venvsync, tmp_project)
    gone = stage_name(tmp_project, "gone-")
    shutil.copytree(env, gone, symlinks=True)
    os.unlink(os.path.join(gone, "pyvenv.cfg"))
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert [n for n in os.listdir(tmp_project.root) if "venvsync" in n] == []
    assert user_files_present(env)


def test_an_old_tree_goes_back_when_the_swap_was_cut_in_half(venvsync, tmp_project):
    """Without an atomic exchange a recreation parks the old tree, then moves the new one in; a
    kill between the two leaves no environment. The next run puts the old tree back (with the
    user's files) instead of keeping it aside, then syncs it."""
    env = synced_with_user_files(venvsync, tmp_project)
    old = stage_name(tmp_project, "old-")
    os.rename(env, old)
    r = venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert not os.path.exists(old), r.stderr
    assert user_files_present(env)
    assert [n for n in os.listdir(tmp_project.root) if "venvsync" in n] == []
    out = subprocess.run([os.path.join(env, "bin", "python"), "-c", "import sys; print(sys.prefix)"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == env


def test_an_old_tree_gives_back_the_users_files(venvsync, tmp_project):
    """A kill between the swap and the carry leaves the user's files in the old tree: the next
    run moves them into the environment and deletes the rest."""
    env = synced_with_user_files(venvsync, tmp_project)
    old = stage_name(tmp_project, "old-")
    shutil.copytree(env, old, symlinks=True)
    for rel in USER_FILES:
        os.unlink(os.path.join(env, rel))
    shutil.rmtree(os.path.join(env, "notes"))
    shutil.rmtree(os.path.join(env, "src"))
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert user_files_present(env)
    assert [n for n in os.listdir(tmp_project.root) if "venvsync" in n] == []


def installed(env):
    sp = site_packages(env)
    return sorted(n[: -len(".dist-info")] for n in os.listdir(sp) if n.endswith(".dist-info"))


def test_copy_from_keeps_the_sources_packages_and_follows_it(venvsync, tmp_project):
    """A copy-from environment used to drop its source's packages (exact: true) and not follow
    later changes to the source; plan said "built fresh" while sync copied."""
    import sys
    from conftest import SRC
    sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
    from wheels import make_wheel
    wheels = tmp_project.path("wheels")
    for name in ("alpha", "beta", "gamma"):
        make_wheel(wheels, name, "1.0")

    def manifest(dev_pkgs):
        tmp_project.write(f"""\
            version: 1
            python: "{DEBIAN_MINOR}"
            index: {{find-links: [wheels]}}
            environments:
              dev: {{path: .venv, packages: {dev_pkgs}}}
              docs: {{path: .docs, copy-from: dev, packages: [beta==1.0]}}
            """)
    manifest('["alpha==1.0"]')
    r = venvsync("plan", cwd=tmp_project.root, check_rc=0)
    docs_block = r.stdout[r.stdout.index("docs ("):]
    assert "+ copy" in docs_block and "built fresh" not in docs_block, r.stdout
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    docs = tmp_project.path(".docs")
    assert installed(docs) == ["alpha-1.0", "beta-1.0"]
    assert installed(tmp_project.path(".venv")) == ["alpha-1.0"]
    venvsync("check", cwd=tmp_project.root, check_rc=0)
    # the source gains a package: the copy follows
    manifest('["alpha==1.0", "gamma==1.0"]')
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert installed(docs) == ["alpha-1.0", "beta-1.0", "gamma-1.0"]
    venvsync("check", cwd=tmp_project.root, check_rc=0)


def test_an_edited_installed_file_never_reaches_later_environments(venvsync, tmp_project):
    """Installed files are hard links into the wheel cache: `echo x >> .../pkg/__init__.py`
    used to change the cache, every environment created later, and `sync --verify` reinstalled
    the edited file from the cache."""
    import sys
    from conftest import SRC
    sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
    from wheels import make_wheel
    make_wheel(tmp_project.path("wheels"), "werkzeug", "3.1.3",
               modules={"werkzeug/__init__.py": "VERSION = '3.1.3'\n"})

    def manifest(envs):
        tmp_project.write(f'version: 1\npython: "{DEBIAN_MINOR}"\nindex: {{find-links: [wheels]}}\n'
                          "environments:\n" +
                          "".join(f"  {n}: {{path: {n}, packages: [werkzeug==3.1.3]}}\n"
                                  for n in envs))
    manifest(["a"])
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    init_a = os.path.join(site_packages(tmp_project.path("a")), "werkzeug", "__init__.py")
    with open(init_a, "a") as f:
        f.write("print('debugging')\n")          # an edit in place, as `echo >>` or an editor
    manifest(["a", "b"])
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    init_b = os.path.join(site_packages(tmp_project.path("b")), "werkzeug", "__init__.py")
    assert open(init_b).read() == "VERSION = '3.1.3'\n", "the edit reached a new environment"
    assert os.stat(init_b).st_ino != os.stat(init_a).st_ino
    # the edited environment: check --deep says so, sync --verify restores the wheel's file
    r = venvsync("check", "--deep", "a", cwd=tmp_project.root, check_rc=1)
    assert "werkzeug" in r.stdout, r.stdout
    venvsync("sync", "--verify", "a", cwd=tmp_project.root, check_rc=0)
    assert open(init_a).read() == "VERSION = '3.1.3'\n"
    venvsync("check", "--deep", cwd=tmp_project.root, check_rc=0)
    out = subprocess.run([tmp_project.path("a", "bin", "python"), "-c", "import werkzeug"],
                         capture_output=True, text=True, check=True).stdout
    assert out == ""


def test_check_reports_unmet_dependencies_like_pip_check(venvsync, tmp_project):
    """`check` used to say an environment with flask but an old werkzeug (or none) was fine."""
    import glob
    write_dev(tmp_project, DEBIAN_MINOR)
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    env = tmp_project.path(".venv")
    fake_dist(env, "flask", "3.1.3", requires=["werkzeug>=3.1", "blinker>=1.9",
                                               "asgiref>=3.2; extra == 'async'"])
    fake_dist(env, "werkzeug", "2.0.0")
    r = venvsync("check", cwd=tmp_project.root, check_rc=1)
    assert "flask 3.1.3 has requirement werkzeug>=3.1, but you have werkzeug 2.0.0." in r.stdout, r.stdout
    assert "flask 3.1.3 requires blinker, which is not installed." in r.stdout, r.stdout
    assert "asgiref" not in r.stdout, "requirements of extras nobody asked for do not count"
    r = venvsync("check", "--json", cwd=tmp_project.root, check_rc=1)
    probs = json.loads(r.stdout)["environments"][0]["dependency_problems"]
    assert len(probs) == 2, probs
    pips = glob.glob("/usr/share/python-wheels/pip-*.whl")
    if pips:  # pip itself, run from its wheel with the environment's python, agrees
        p = subprocess.run([os.path.join(env, "bin", "python"), pips[0] + "/pip", "check"],
                           capture_output=True, text=True)
        assert p.returncode == 1, p.stdout + p.stderr
        assert sorted(p.stdout.lower().splitlines()) == sorted(x.lower() for x in probs), p.stdout
    fake_dist(env, "blinker", "1.9.0")
    import shutil
    shutil.rmtree(os.path.join(site_packages(env), "werkzeug-2.0.0.dist-info"))
    fake_dist(env, "werkzeug", "3.1.3")
    venvsync("check", cwd=tmp_project.root, check_rc=0)
