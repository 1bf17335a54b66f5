"""The flows of people coming from `python -m venv`, virtualenvwrapper and pyenv, through the real
binary: the global manifest (-g) under a temporary HOME / XDG_CONFIG_HOME / WORKON_HOME used from
unrelated directories; new, adopt, add, rm, copy NAME and remove editing venv.yaml with a diff of
only the intended lines; pip seeded into environments that declare no packages (pip works inside,
exact sync keeps it); python pin; link-mode; refusals and suggestions; the man page."""
import difflib
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import BIN, DEBIAN_PYTHON, SRC, have

sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
from wheels import make_wheel  # noqa: E402

PY = os.path.realpath(DEBIAN_PYTHON)
PY_MINOR = "%d.%d" % tuple(int(x) for x in subprocess.run(
    [PY, "-c", "import sys; print('%d %d' % sys.version_info[:2])"], capture_output=True,
    text=True, check=True).stdout.split())


@pytest.fixture
def home(tmp_path, venvsync):
    """A user with an empty HOME: vs(*args, cwd=, env=, check_rc=) runs venvsync as them from an
    unrelated directory (default), without WORKON_HOME or XDG_CONFIG_HOME unless given."""
    h = tmp_path / "home"
    elsewhere = tmp_path / "elsewhere"
    h.mkdir()
    elsewhere.mkdir()

    class User:
        root = str(h)
        cwd = str(elsewhere)
        env = {"HOME": str(h), "WORKON_HOME": "", "XDG_CONFIG_HOME": "", "PYENV_ROOT": str(h / "no-pyenv")}

        def vs(self, *args, cwd=None, env=None, check_rc=None, input=None):
            e = dict(self.env)
            e.update(env or {})
            return venvsync(*args, cwd=cwd or self.cwd, env=e, check_rc=check_rc, input=input)

        @property
        def manifest(self):
            return os.path.join(self.root, ".config", "venvsync", "venv.yaml")

        def workon_home(self, *parts):
            return os.path.join(self.root, ".virtualenvs", *parts)

    return User()


def site_packages(env):
    return os.path.join(env, "lib", "python" + PY_MINOR, "site-packages")


def dist_names(env):
    sp = site_packages(env)
    return sorted(n.split("-")[0].lower() for n in os.listdir(sp) if n.endswith(".dist-info"))


def changed_lines(before, after):
    """The lines a diff of before -> after removes and adds, as ('-'|'+', text) pairs."""
    out = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        out.append((line[0], line[1:]))
    return out


# ---- the global manifest ---------------------------------------------------------------------

def test_global_manifest_is_made_on_first_use_under_home(home):
    r = home.vs("-g", "new", "tools", "--python", PY, check_rc=0)
    assert "created the global manifest" in r.stderr
    text = open(home.manifest).read()
    assert "root: \"${WORKON_HOME}\"" in text and text.startswith("# venvsync's global manifest")
    m = yaml.safe_load(text)
    assert m["environments"] == {"tools": {"python": PY}}
    env = home.workon_home("tools")
    assert os.path.isfile(os.path.join(env, "pyvenv.cfg")), "root defaults to ~/.virtualenvs"
    assert "pip" in dist_names(env), "declaring no packages, it is seeded with pip"
    # usable from any directory, and a project's own manifest does not get in the way
    proj = os.path.join(home.root, "proj")
    os.makedirs(proj)
    open(os.path.join(proj, "venv.yaml"), "w").write("version: 1\nenvironments:\n  dev: {}\n")
    assert home.vs("-g", "list", "--names", cwd=proj, check_rc=0).stdout == "tools\n"
    assert home.vs("list", "--names", cwd=proj, check_rc=0).stdout == "dev\n"
    assert home.vs("-g", "check", cwd="/", check_rc=0).returncode == 0


def test_xdg_config_home_and_workon_home_are_honoured(home, tmp_path):
    cfg, wh = str(tmp_path / "cfg"), str(tmp_path / "wh")
    env = {"XDG_CONFIG_HOME": cfg, "WORKON_HOME": wh}
    home.vs("-g", "new", "a", "--python", PY, "--no-seed", env=env, check_rc=0)
    assert os.path.isfile(os.path.join(cfg, "venvsync", "venv.yaml"))
    assert os.path.isfile(os.path.join(wh, "a", "pyvenv.cfg"))
    assert dist_names(os.path.join(wh, "a")) == [], "--no-seed"
    assert "seed: false" in open(os.path.join(cfg, "venvsync", "venv.yaml")).read()
    assert not os.path.exists(home.manifest)
    # the root follows WORKON_HOME: another value, another place
    r = home.vs("-g", "list", "--json", env={"XDG_CONFIG_HOME": cfg, "WORKON_HOME": str(tmp_path / "x")},
                check_rc=0)
    assert json.loads(r.stdout)["environments"][0]["path"] == str(tmp_path / "x" / "a")


def test_global_and_file_together_are_refused(home):
    r = home.vs("-g", "-f", "venv.yaml", "list", check_rc=2)
    assert "-g/--global and -f/--file" in r.stderr


def test_no_manifest_here_points_at_the_global_one(home):
    r = home.vs("list", check_rc=2)
    assert "no venv.yaml" in r.stderr and "-g" in r.stderr


def test_copy_name_is_a_manifest_entry_that_prune_keeps(home):
    home.vs("-g", "new", "foo", "--python", PY, check_rc=0)
    r = home.vs("-g", "copy", "foo", "bar", check_rc=0)
    assert "+ copy" in r.stdout, r.stdout
    m = yaml.safe_load(open(home.manifest))
    assert m["environments"]["bar"] == {"copy-from": "foo"}
    bar = home.workon_home("bar")
    assert os.path.isfile(os.path.join(bar, "pyvenv.cfg")), "under root, not the current directory"
    assert not os.path.exists(os.path.join(home.cwd, "bar"))
    assert bar in open(os.path.join(bar, "bin", "activate")).read(), "relocated"
    assert "pip" in dist_names(bar)
    r = home.vs("-g", "prune", "--dry-run", check_rc=0)
    assert "nothing to prune" in r.stdout
    home.vs("-g", "prune", "--yes", check_rc=0)
    assert os.path.isdir(bar)
    # a destination with a '/' keeps its old meaning: a copy at that path, not in the manifest
    home.vs("-g", "copy", "foo", "./baz", check_rc=0)
    assert os.path.isfile(os.path.join(home.cwd, "baz", "pyvenv.cfg"))
    assert "baz" not in yaml.safe_load(open(home.manifest))["environments"]
    # NAME form refusals
    assert "exists in" in home.vs("-g", "copy", "foo", "bar", check_rc=2).stderr
    assert "--copies goes with a destination path" in home.vs("-g", "copy", "--copies", "foo", "qux",
                                                              check_rc=2).stderr
    r = home.vs("-g", "copy", "fooo", "qux", check_rc=2)
    assert "did you mean 'foo'" in r.stderr


def test_remove_takes_the_entry_out_and_keeps_its_refusals(home):
    home.vs("-g", "new", "foo", "--python", PY, check_rc=0)
    home.vs("-g", "copy", "foo", "bar", check_rc=0)
    before = open(home.manifest).read()
    # foo is copied from: removing it would leave bar's copy-from dangling; nothing happens
    r = home.vs("-g", "remove", "--yes", "foo", check_rc=2)
    assert "invalid" in r.stderr and "copy-from" in r.stderr, r.stderr
    assert open(home.manifest).read() == before and os.path.isdir(home.workon_home("foo"))
    # without a terminal it needs --yes
    bar = home.workon_home("bar")
    assert "--yes" in home.vs("-g", "remove", "bar", check_rc=2).stderr
    assert open(home.manifest).read() == before and os.path.isdir(bar)
    # the user's own file in bar: refused, named, nothing changed
    open(os.path.join(bar, "notes.txt"), "w").write("mine\n")
    r = home.vs("-g", "remove", "--yes", "bar", check_rc=2)
    assert "notes.txt" in r.stderr
    assert open(home.manifest).read() == before and os.path.isdir(bar)
    r = home.vs("-g", "remove", "--yes", "--force", "bar", check_rc=0)
    assert "removed" in r.stdout and "from" in r.stdout
    assert not os.path.exists(bar)
    assert "bar" not in yaml.safe_load(open(home.manifest))["environments"]
    home.vs("-g", "sync", check_rc=0)
    assert not os.path.exists(bar), "the next sync does not bring it back"
    # --keep-entry: off the disk only, and sync makes it anew
    home.vs("-g", "remove", "--yes", "--keep-entry", "foo", check_rc=0)
    assert not os.path.exists(home.workon_home("foo"))
    assert "foo" in yaml.safe_load(open(home.manifest))["environments"]
    home.vs("-g", "sync", check_rc=0)
    assert os.path.isdir(home.workon_home("foo"))
    # an entry never synced only leaves the manifest
    home.vs("-g", "new", "later", "--python", PY, "--no-sync", check_rc=0)
    home.vs("-g", "remove", "--yes", "later", check_rc=0)
    assert "later" not in yaml.safe_load(open(home.manifest))["environments"]


def test_adopt_what_virtualenvwrapper_made(home):
    wh = home.workon_home()
    os.makedirs(wh)
    made_by = []
    if have("virtualenv"):
        subprocess.run(["virtualenv", "-q", "-p", PY, "--prompt", "old1", os.path.join(wh, "old1")],
                       check=True, capture_output=True)
        made_by.append("old1")
    subprocess.run([PY, "-m", "venv", "--without-pip", os.path.join(wh, "old2")], check=True)
    made_by.append("old2")
    # a package installed by hand in old2: it must stay
    sp = site_packages(os.path.join(wh, "old2"))
    os.makedirs(os.path.join(sp, "handmade-1.0.dist-info"))
    open(os.path.join(sp, "handmade-1.0.dist-info", "METADATA"), "w").write(
        "Metadata-Version: 2.1\nName: handmade\nVersion: 1.0\n")
    os.makedirs(os.path.join(wh, "not-an-env"))
    r = home.vs("-g", "adopt", check_rc=0)
    for n in made_by:
        assert f"adopted '{n}'" in r.stdout, r.stdout
    m = yaml.safe_load(open(home.manifest))["environments"]
    assert sorted(m) == sorted(made_by)
    assert m["old2"]["seed"] is False, "no pip: it stays without"
    assert m["old2"]["python"] == PY_MINOR and "packages" not in m["old2"]
    if "old1" in m:
        assert m["old1"]["prompt"] == "old1" and "seed" not in m["old1"], "virtualenv seeds pip"
    home.vs("-g", "check", check_rc=0)
    assert dist_names(os.path.join(wh, "old2")) == ["handmade"]
    assert "no environment under" in home.vs("-g", "adopt", check_rc=0).stdout


def test_new_on_an_existing_environment_describes_it(home):
    wh = home.workon_home()
    os.makedirs(wh)
    subprocess.run([PY, "-m", "venv", "--without-pip", "--system-site-packages", "--prompt", "p q",
                    os.path.join(wh, "e")], check=True)
    r = home.vs("-g", "new", "e", check_rc=0)
    assert "as it is" in r.stdout and "adopted" in r.stdout, r.stdout
    m = yaml.safe_load(open(home.manifest))["environments"]["e"]
    assert m == {"python": PY_MINOR, "prompt": "p q", "system-site-packages": True, "seed": False}
    home.vs("-g", "check", check_rc=0)
    # declaring packages for an environment with hand-installed ones is refused
    sp = site_packages(os.path.join(wh, "f"))
    subprocess.run([PY, "-m", "venv", "--without-pip", os.path.join(wh, "f")], check=True)
    os.makedirs(os.path.join(sp, "handmade-1.0.dist-info"))
    open(os.path.join(sp, "handmade-1.0.dist-info", "METADATA"), "w").write(
        "Metadata-Version: 2.1\nName: handmade\nVersion: 1.0\n")
    r = home.vs("-g", "new", "f", "six==1.16.0", check_rc=2)
    assert "handmade 1.0" in r.stderr and "--force" in r.stderr
    assert "f" not in yaml.safe_load(open(home.manifest))["environments"]


# ---- editing a hand-written manifest: only the intended lines change --------------------------

HANDWRITTEN = """\
# The demo project's environments.
# Keep this file tidy: reviewers read its diffs.
version: 1
python: "{py}"     # Debian's
root: envs
index:
  find-links: [wheels/]   # local wheels only

environments:
  # the main environment
  dev:
    path: .venv    # next to the code
    prompt: 'demo'
    packages: &devpkgs
      - hello==1.0   # greets
      - "extra==0.1; python_version >= '3'"

  audit: {{packages: *devpkgs}}   # the same set, checked separately

  lint:
    <<: &strict
      exact: true
    packages: [hello==1.0]   # flow list

  # retired, about to go
  old:
    packages:
    - extra==0.1
    # (it never had more)

  tools:
    packages:
      - hello==1.0
"""


@pytest.fixture
def handwritten(tmp_path):
    d = tmp_path / "proj"
    d.mkdir()
    make_wheel(str(d / "wheels"), "hello", "1.0")
    make_wheel(str(d / "wheels"), "hello", "2.0")
    make_wheel(str(d / "wheels"), "extra", "0.1")
    make_wheel(str(d / "wheels"), "extra", "0.2")
    p = d / "venv.yaml"
    p.write_text(HANDWRITTEN.format(py=PY))
    return str(d), str(p)


def edit(venvsync, proj, path, *args, rc=0):
    before = open(path).read()
    r = venvsync(*args, cwd=proj, check_rc=rc)
    after = open(path).read()
    return changed_lines(before, after), r


def test_edits_change_only_the_intended_lines(venvsync, handwritten):
    proj, path = handwritten
    d, _ = edit(venvsync, proj, path, "add", "--no-sync", "lint", "extra==0.2")
    assert d == [("-", "    packages: [hello==1.0]   # flow list"),
                 ("+", "    packages: [hello==1.0, extra==0.2]   # flow list")]
    d, _ = edit(venvsync, proj, path, "add", "--no-sync", "tools", "hello==2.0", "extra==0.1")
    assert d == [("-", "      - hello==1.0"), ("+", "      - hello==2.0"), ("+", "      - extra==0.1")]
    d, _ = edit(venvsync, proj, path, "rm", "--no-sync", "tools", "Hello")
    assert d == [("-", "      - hello==2.0")]
    d, _ = edit(venvsync, proj, path, "new", "--no-sync", "extra-env", "--python", "3.11",
                "extra==0.1")
    assert [s for s, _ in d] == ["+"] * len(d), d
    assert ("+", "  extra-env:") in d and ("+", '    python: "3.11"') in d
    assert ("+", "      - extra==0.1") in d
    d, _ = edit(venvsync, proj, path, "copy", "--no-sync", "tools", "tools2")
    assert [s for s, _ in d] == ["+"] * len(d) and ("+", "    copy-from: tools") in d, d
    d, _ = edit(venvsync, proj, path, "remove", "--yes", "old")
    assert d == [("-", "  # retired, about to go"), ("-", "  old:"), ("-", "    packages:"),
                 ("-", "    - extra==0.1"), ("-", "    # (it never had more)"), ("-", "")], d
    text = open(path).read()
    for comment in ("# The demo project's environments.", "# Debian's", "# local wheels only",
                    "# the main environment", "# next to the code", "# greets",
                    "# the same set, checked separately", "# flow list"):
        assert comment in text
    assert "&devpkgs" in text and "*devpkgs" in text and "<<: &strict" in text
    m = yaml.safe_load(text)
    assert m["environments"]["lint"]["packages"] == ["hello==1.0", "extra==0.2"]
    assert m["environments"]["extra-env"] == {"python": "3.11", "packages": ["extra==0.1"]}
    venvsync("check", cwd=proj)  # the edited manifest parses (drift is fine: nothing synced)


def test_edits_that_would_break_the_manifest_write_nothing(venvsync, handwritten):
    proj, path = handwritten
    before = open(path).read()

    def refused(*args, says):
        r = venvsync(*args, cwd=proj, check_rc=2)
        assert says in r.stderr, r.stderr
        assert open(path).read() == before, args

    refused("add", "--no-sync", "dev", "hello==2.0", says="alias")  # dev's list is aliased
    refused("add", "--no-sync", "audit", "hello==2.0", says="alias")
    refused("add", "--no-sync", "lint", "hello>=", says="invalid requirement")
    refused("rm", "--no-sync", "lint", "nothere", says="nothere")
    refused("rm", "--no-sync", "lint", "hello==1.0", says="not a project name")
    refused("new", "--no-sync", "a/b", says="cannot contain '/'")
    refused("new", "--no-sync", "lint", says="already exists")
    refused("new", "--no-sync", "x", "--python", "3.1x", says="--python")
    refused("new", "--no-sync", "x", "--copy-from", "nope", says="copy-from")
    refused("add", "--no-sync", "dve", "hello==1.0", says="did you mean 'dev'")


def test_add_and_rm_sync_the_environment(venvsync, handwritten):
    proj, path = handwritten
    r = venvsync("add", "tools", "extra==0.1", cwd=proj, check_rc=0)
    assert "tools: + extra==0.1" in r.stdout and "+ install extra 0.1" in r.stdout, r.stdout
    env = os.path.join(proj, "envs", "tools")
    assert dist_names(env) == ["extra", "hello"], "packages declared: no pip seeded"
    r = venvsync("rm", "tools", "extra", cwd=proj, check_rc=0)
    assert "- remove extra 0.1" in r.stdout, r.stdout
    assert dist_names(env) == ["hello"]


def test_add_to_an_environment_of_hand_installed_packages(home, tmp_path):
    wheels = str(tmp_path / "wheels")
    make_wheel(wheels, "hello", "1.0")
    whl = [os.path.join(wheels, n) for n in os.listdir(wheels)][0]
    home.vs("-g", "new", "mine", "--python", PY, check_rc=0)
    env = home.workon_home("mine")
    subprocess.run([os.path.join(env, "bin", "pip"), "install", "-q", "--no-index", whl], check=True)
    r = home.vs("-g", "add", "mine", "six==1.16.0", "--no-sync", check_rc=2)
    assert "hello 1.0" in r.stderr and "--force" in r.stderr
    r = home.vs("-g", "add", "--force", "--no-sync", "mine", "hello==1.0", check_rc=0)
    assert "seed: true (pip stays)" in r.stdout
    assert yaml.safe_load(open(home.manifest))["environments"]["mine"]["seed"] is True


# ---- pip where users expect it ------------------------------------------------------------------

def bash(script, env_extra=None):
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.update(env_extra or {})
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True,
                       env=env, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def test_seeded_pip_installs_into_the_activated_environment(home, tmp_path):
    wheels = str(tmp_path / "wheels")
    make_wheel(wheels, "hello", "1.0", modules={"hello/__init__.py": "X = 1\n"})
    whl = [os.path.join(wheels, n) for n in os.listdir(wheels)][0]
    r = home.vs("-g", "plan", check_rc=0)
    home.vs("-g", "new", "work", "--python", PY, "--no-sync", check_rc=0)
    r = home.vs("-g", "plan", check_rc=0)
    assert "+ seed pip " in r.stdout, r.stdout
    home.vs("-g", "sync", check_rc=0)
    env = home.workon_home("work")
    cache = home.vs("cache", "dir", check_rc=0).stdout.strip()
    out = bash(f"""
        export HOME={home.root!r} VENVSYNC_CACHE_DIR={cache!r}
        source "$({BIN} -g activate --shell bash work)"
        command -v pip
        pip --version
        pip install -q --no-index {whl!r}
        python -c 'import hello, sys; print(hello.__file__); print(sys.prefix)'
    """)
    lines = out.split("\n")
    assert lines[0] == os.path.join(env, "bin", "pip")
    assert f"from {site_packages(env)}/pip " in lines[1]
    assert lines[2].startswith(site_packages(env)) and lines[3] == env, out
    # the hand-installed package and pip stay through syncs; check is clean
    home.vs("-g", "sync", check_rc=0)
    home.vs("-g", "check", check_rc=0)
    assert dist_names(env) == ["hello", "pip"]


def test_exact_sync_keeps_what_was_seeded(venvsync, tmp_project):
    make_wheel(tmp_project.path("wheels"), "hello", "1.0")
    tmp_project.write(f"""\
        version: 1
        python: "{PY}"
        index: {{find-links: [wheels/]}}
        environments:
          dev: {{path: .venv, seed: true, packages: [hello==1.0]}}
          plain: {{path: .plain, packages: [hello==1.0]}}
          none: {{path: .none, packages: []}}
        """)
    r = venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert dist_names(tmp_project.path(".venv")) == ["hello", "pip"]
    assert dist_names(tmp_project.path(".plain")) == ["hello"], "packages declared: no seed"
    assert dist_names(tmp_project.path(".none")) == [], "packages: [] is exactly nothing"
    r = venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert "3 already in sync" in r.stdout, r.stdout
    assert dist_names(tmp_project.path(".venv")) == ["hello", "pip"]
    # pip uninstalled by hand: check says so, sync seeds it again in place
    shutil.rmtree(os.path.join(site_packages(tmp_project.path(".venv")),
                               [n for n in os.listdir(site_packages(tmp_project.path(".venv")))
                                if n.startswith("pip-")][0]))
    r = venvsync("check", "dev", cwd=tmp_project.root, check_rc=1)
    assert "pip is not seeded" in r.stdout
    ino = os.stat(tmp_project.path(".venv")).st_ino
    venvsync("sync", "dev", cwd=tmp_project.root, check_rc=0)
    assert os.stat(tmp_project.path(".venv")).st_ino == ino
    assert dist_names(tmp_project.path(".venv")) == ["hello", "pip"]


def test_seed_comes_from_the_interpreters_own_bundle(venvsync, tmp_project):
    bundled = None
    for ver in sorted(os.listdir(os.path.expanduser("~/.pyenv/versions")) if os.path.isdir(
            os.path.expanduser("~/.pyenv/versions")) else []):
        parts = ver.split(".")
        if len(parts) < 2 or parts[0] != "3" or int(parts[1]) < 8:
            continue
        root = os.path.expanduser(f"~/.pyenv/versions/{ver}")
        b = os.path.join(root, "lib", f"python3.{parts[1]}", "ensurepip", "_bundled")
        exe = os.path.join(root, "bin", f"python3.{parts[1]}")
        if os.path.isdir(b) and os.path.exists(exe):
            bundled = (exe, b)
    if not bundled:
        pytest.skip("no pyenv Python with an ensurepip bundle")
    exe, b = bundled
    pip = [n for n in os.listdir(b) if n.startswith("pip-")][0]
    tmp_project.write(f"""\
        version: 1
        environments:
          dev: {{path: .venv, python: "{exe}"}}
        """)
    r = venvsync("plan", cwd=tmp_project.root, check_rc=0)
    assert f"+ seed pip {pip.split('-')[1]}" in r.stdout and "ensurepip bundle" in r.stdout, r.stdout
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    out = subprocess.run([tmp_project.path(".venv", "bin", "pip"), "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert tmp_project.path(".venv") in out


def test_without_a_bundled_pip_it_says_where_it_looked(venvsync, tmp_project, tmp_path):
    """An interpreter whose stdlib has no ensurepip bundle (a pyenv build's executable in a prefix
    that links every stdlib entry but ensurepip): a clear refusal, and `seed: false` works."""
    real = None
    for ver in ("3.12.1", "3.11.7", "3.13.0"):
        root = os.path.expanduser(f"~/.pyenv/versions/{ver}")
        minor = ".".join(ver.split(".")[:2])
        if os.path.exists(os.path.join(root, "bin", "python" + minor)):
            real = (root, minor)
            break
    if not real:
        pytest.skip("no pyenv build to borrow")
    root, minor = real
    prefix = tmp_path / "nobundle"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "lib" / ("python" + minor)).mkdir(parents=True)
    shutil.copy2(os.path.join(root, "bin", "python" + minor), prefix / "bin")
    stdlib = os.path.join(root, "lib", "python" + minor)
    for n in os.listdir(stdlib):
        if n != "ensurepip":
            os.symlink(os.path.join(stdlib, n), prefix / "lib" / ("python" + minor) / n)
    exe = str(prefix / "bin" / ("python" + minor))
    tmp_project.write(f"""\
        version: 1
        python: "{exe}"
        environments:
          asked: {{path: .asked, seed: true}}
          dev: {{path: .venv}}
          off: {{path: .off, seed: false}}
        """)
    r = venvsync("sync", cwd=tmp_project.root, check_rc=2)
    want = f"looked in {prefix}/lib/python{minor}/ensurepip/_bundled"
    assert "error: environment 'asked': seed: no pip wheel" in r.stderr and want in r.stderr, r.stderr
    assert "seed: false" in r.stderr
    assert not os.path.exists(tmp_project.path(".asked")), "seed: true without a wheel makes nothing"
    # seeded by default: made without pip, with a warning
    assert "warning: environment 'dev' gets no pip" in r.stderr, r.stderr
    assert os.path.isfile(tmp_project.path(".venv", "pyvenv.cfg"))
    assert os.path.isfile(tmp_project.path(".off", "pyvenv.cfg"))
    r = venvsync("check", "dev", "off", cwd=tmp_project.root, check_rc=0)
    assert "gets no pip" in r.stderr


def test_a_no_op_starts_no_python(venvsync, tmp_project, cache_dir):
    if not have("strace"):
        pytest.skip("strace not installed")
    tmp_project.write(f"""\
        version: 1
        python: "{PY}"
        environments:
          dev: {{path: .venv}}
        """)
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    log = tmp_project.path("strace.log")
    env = dict(os.environ, VENVSYNC_CACHE_DIR=cache_dir, ASAN_OPTIONS="detect_leaks=0")  # no LSan under ptrace
    p = subprocess.run(["strace", "-f", "-qq", "-o", log, "-e", "trace=execve,openat", BIN, "sync"],
                       cwd=tmp_project.root, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    calls = open(log).read().splitlines()
    execs = [line for line in calls if "execve(" in line]
    assert len(execs) == 1 and BIN in execs[0], execs
    assert not [c for c in calls if "libcrypto" in c or "ensurepip" in c or "python-wheels" in c], \
        "a seeded environment that has pip: no hashing, no bundle read"


# ---- pyenv habits ------------------------------------------------------------------------------

def test_python_pin_writes_python_version(home, tmp_path):
    d = str(tmp_path / "p")
    os.makedirs(d)
    r = home.vs("python", "pin", "3.12", cwd=d, check_rc=0)
    assert open(os.path.join(d, ".python-version")).read() == "3.12\n"
    assert "pinned 3.12" in r.stdout
    assert home.vs("python", "pin", cwd=d, check_rc=0).stdout == "3.12\n"
    r = home.vs("python", "pin", "three", cwd=d, check_rc=2)
    assert "'three' is not a Python request" in r.stderr
    assert open(os.path.join(d, ".python-version")).read() == "3.12\n", "a refusal changes nothing"
    home.vs("python", "pin", "pypy@3.10", cwd=d, check_rc=0)
    assert open(os.path.join(d, ".python-version")).read() == "pypy@3.10\n"
    home.vs("python", "pin", "system", cwd=d, check_rc=0)
    home.vs("-g", "python", "pin", PY, check_rc=0)
    assert open(os.path.join(home.root, ".config", "venvsync", ".python-version")).read() == PY + "\n"
    r = home.vs("python", "pni", "3.12", cwd=d, check_rc=2)
    assert "python pin" in r.stderr
    r = home.vs("python", "pin", cwd=str(tmp_path), check_rc=2)
    assert "no .python-version" in r.stderr


# ---- refusals and suggestions --------------------------------------------------------------------

@pytest.mark.parametrize("args,says", [
    (["activate", "--shell", "elvish", "dev"], "unknown shell 'elvish'; supported: bash, zsh, sh, fish"),
    (["shell-init", "elvish"], "unknown shell 'elvish'; supported: bash, zsh, fish, tcsh"),
    (["completion", "powershell"], "unknown shell 'powershell'; supported: bash, zsh, fish, tcsh"),
    (["shell-init", "bsh"], "did you mean 'bash'?"),
    (["sink"], "did you mean `venvsync sync`?"),
    (["lst"], "did you mean `venvsync list`?"),
    (["mkvirtualenv", "x"], "did you mean `venvsync new`?"),
    (["sync", "--ofline"], "did you mean '--offline'?"),
    (["new", "x", "--pyton", "3"], "did you mean '--python'?"),
    (["remove", "--yse", "x"], "did you mean '--yes'?"),
    (["sync", "--link-mode", "hardlnk"], "--link-mode must be clone, hardlink, copy or symlink"),
])
def test_refusals_name_the_way_out(venvsync, tmp_project, args, says):
    tmp_project.write("version: 1\nenvironments:\n  dev: {}\n")
    r = venvsync(*args, cwd=tmp_project.root, check_rc=2)
    assert says in r.stderr, r.stderr
    assert r.stdout == ""


def test_link_mode_key_flag_and_variable(venvsync, tmp_project):
    tmp_project.write("version: 1\nlink-mode: hardlnk\nenvironments:\n  dev: {link-mode: copy}\n")
    r = venvsync("check", cwd=tmp_project.root, check_rc=2)
    assert "'link-mode' must be clone, hardlink, copy or symlink, not 'hardlnk' (did you mean " \
           "'hardlink'?)" in r.stderr
    tmp_project.write(f"version: 1\npython: \"{PY}\"\nlink-mode: symlink\n"
                      "environments:\n  dev: {link-mode: copy, seed: false}\n")
    venvsync("sync", "--link-mode", "clone", cwd=tmp_project.root, check_rc=0)
    r = venvsync("sync", cwd=tmp_project.root, env={"VENVSYNC_LINK_MODE": "sideways"}, check_rc=2)
    assert "VENVSYNC_LINK_MODE must be" in r.stderr
    venvsync("sync", cwd=tmp_project.root, env={"VENVSYNC_LINK_MODE": "hardlink"}, check_rc=0)


def test_link_modes_decide_how_files_come_from_the_cache(venvsync, tmp_project, tmp_path):
    """symlink: links into the cache; hardlink: the cache's inode; copy: a file of its own. The
    flag beats the environment's key, which beats the top level's."""
    make_wheel(tmp_project.path("wheels"), "hello", "1.0",
               modules={"hello/__init__.py": "X = 1\n", "hello/data.txt": "data\n"})
    cache = str(tmp_path / "cache")

    def sync(top, env_mode, *flags):
        shutil.rmtree(tmp_project.path(".venv"), ignore_errors=True)
        tmp_project.write(f"version: 1\npython: \"{PY}\"\nlink-mode: {top}\n"
                          "index: {find-links: [wheels/]}\n"
                          f"environments:\n  dev: {{path: .venv, packages: [hello==1.0], seed: false"
                          f"{', link-mode: ' + env_mode if env_mode else ''}}}\n")
        venvsync("sync", *flags, cwd=tmp_project.root, env={"VENVSYNC_CACHE_DIR": cache},
                 check_rc=0)
        f = os.path.join(site_packages(tmp_project.path(".venv")), "hello", "data.txt")
        out = subprocess.run([tmp_project.path(".venv", "bin", "python"), "-c",
                              "import hello; print(hello.X)"], capture_output=True, text=True)
        assert out.stdout == "1\n", out.stderr
        return f

    f = sync("copy", "symlink")
    assert os.path.islink(f) and os.path.realpath(f).startswith(os.path.realpath(cache)), f
    f = sync("symlink", None, "--link-mode", "hardlink")
    assert not os.path.islink(f) and os.stat(f).st_nlink >= 2
    f = sync("hardlink", "copy")
    assert not os.path.islink(f) and os.stat(f).st_nlink == 1
    f = sync("hardlink", "copy", "--link-mode", "symlink")
    assert os.path.islink(f)


# ---- the man page --------------------------------------------------------------------------------

MAN = os.path.join(SRC, "docs", "venvsync.1")


def test_man_page_renders_without_warnings():
    if not have("groff"):
        pytest.skip("groff not installed (scripts/setup.sh installs groff-base)")
    p = subprocess.run(["groff", "-man", "-t", "-Tutf8", "-ww", "-z", MAN], capture_output=True, text=True)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    if have("man"):
        p = subprocess.run(["man", "-l", MAN], capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="100", LC_ALL="C.UTF-8", MANPAGER="cat",
                                    PAGER="cat"))
        assert p.returncode == 0, p.stderr
        text = p.stdout
    else:
        text = subprocess.run(["groff", "-man", "-t", "-Tutf8", MAN], capture_output=True,
                              text=True).stdout
    for section in ("NAME", "SYNOPSIS", "COMMANDS", "OPTIONS", "THE MANIFEST", "SHELL INTEGRATION",
                    "ENVIRONMENT", "EXIT STATUS", "EXAMPLES", "COMING FROM VIRTUALENVWRAPPER"):
        assert "\n" + section in text, section
    for word in ("shell-init", "workon", "seed", "link-mode", "python pin", "WORKON_HOME",
                 "VENVSYNC_LINK_MODE", "mkvirtualenv", "rmvirtualenv", "cpvirtualenv",
                 "lsvirtualenv", "pyenv local"):
        assert word in text, word


def test_every_command_is_in_the_man_page():
    text = open(MAN).read().replace("\\-", "-")
    out = subprocess.run([BIN, "--help"], capture_output=True, text=True, check=True).stdout
    cmds = [line.split()[0] for line in out.split("commands:\n")[1].split("\n\n")[0].splitlines()
            if line.startswith("  ") and line[2] != " "]
    assert len(cmds) > 15
    for c in cmds:
        assert re.search(r"^\.(B|BR|BI) .*\b" + re.escape(c) + r"\b", text, re.M), c


def test_cmake_install_installs_the_man_page(tmp_path):
    build = os.path.dirname(BIN)
    if not os.path.exists(os.path.join(build, "cmake_install.cmake")) or not have("cmake"):
        pytest.skip("no CMake build directory next to the binary")
    p = subprocess.run(["cmake", "--install", build, "--prefix", str(tmp_path)], capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    page = tmp_path / "share" / "man" / "man1" / "venvsync.1"
    assert page.read_text() == open(MAN).read()
    assert (tmp_path / "bin" / "venvsync").exists()
