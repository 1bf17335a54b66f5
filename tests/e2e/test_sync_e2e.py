"""sync / plan / check / list / run / shell / activate / init against real interpreters."""
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import BIN, DEBIAN_PYTHON, SRC, env_python, have, interpreters, python_version

sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
from wheels import make_wheel  # noqa: E402

DEBIAN_VERSION = python_version(DEBIAN_PYTHON)
DEBIAN_MINOR = ".".join(DEBIAN_VERSION.split(".")[:2])


def manifest(project, body):
    return project.write("version: 1\n" + body)


def two_envs(project):
    manifest(project, f"""\
python: "{DEBIAN_PYTHON}"
environments:
  dev:
    path: .venv
    prompt: myproj
  tools:
    system-site-packages: true
""")


def cfg(env_dir):
    out = {}
    with open(os.path.join(env_dir, "pyvenv.cfg")) as f:
        for line in f:
            if "=" in line:
                k, v = line.split("=", 1)
                out[k.strip()] = v.strip()
    return out


def test_sync_creates_every_environment_and_then_is_a_noop(venvsync, tmp_project):
    two_envs(tmp_project)
    r = venvsync("check", cwd=tmp_project.root, check_rc=1)
    assert "missing" in r.stdout
    r = venvsync("plan", "--json", cwd=tmp_project.root, check_rc=0)
    plan = json.loads(r.stdout)
    assert [e["state"] for e in plan["environments"]] == ["missing", "missing"]
    assert plan["environments"][0]["actions"][0]["kind"] == "create"
    assert not os.path.exists(tmp_project.path(".venv")), "plan changed nothing"

    r = venvsync(cwd=tmp_project.root, check_rc=0)
    assert "2 changed" in r.stdout, r.stdout
    dev, tools = tmp_project.path(".venv"), tmp_project.path(".venvs", "tools")
    for d in (dev, tools):
        assert env_python(d, "import sys; print(sys.prefix)").strip() == d
        assert env_python(d, "import sys; print(sys.prefix != sys.base_prefix)").strip() == "True"
    assert cfg(dev)["prompt"] == "'myproj'"
    assert cfg(dev)["venvsync-path"] == dev
    assert cfg(tools)["include-system-site-packages"] == "true"
    assert not [n for n in os.listdir(tmp_project.root) if "venvsync-stage" in n]

    r = venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert "0 changed, 2 already in sync" in r.stdout, r.stdout
    venvsync("check", cwd=tmp_project.root, check_rc=0)
    r = venvsync("sync", "--json", cwd=tmp_project.root, check_rc=0)
    res = json.loads(r.stdout)
    assert [e["result"] for e in res["environments"]] == ["unchanged", "unchanged"]
    assert [e["state"] for e in res["environments"]] == ["ok", "ok"]


@pytest.mark.skipif(not have("strace"), reason="strace not installed")
def test_noop_sync_starts_no_python_and_opens_no_socket(venvsync, tmp_project, cache_dir):
    two_envs(tmp_project)
    venvsync(cwd=tmp_project.root, check_rc=0)
    log = tmp_project.path("strace.log")
    # LeakSanitizer cannot run under ptrace: the sanitizer build is traced without it
    env = dict(os.environ, VENVSYNC_CACHE_DIR=cache_dir, NO_COLOR="1",
               ASAN_OPTIONS="detect_leaks=0")
    p = subprocess.run(["strace", "-f", "-qq", "-o", log, "-e", "trace=execve,socket,connect",
                        BIN, "sync"], cwd=tmp_project.root, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    calls = open(log).read().splitlines()
    execs = [c for c in calls if "execve(" in c]
    assert len(execs) == 1 and BIN in execs[0], calls
    assert not [c for c in calls if "socket(" in c or "connect(" in c], calls


def test_selected_environments_only(venvsync, tmp_project):
    two_envs(tmp_project)
    venvsync("sync", "tools", cwd=tmp_project.root, check_rc=0)
    assert os.path.isdir(tmp_project.path(".venvs", "tools"))
    assert not os.path.exists(tmp_project.path(".venv"))
    r = venvsync("sync", "tolls", cwd=tmp_project.root, check_rc=2)
    assert "did you mean 'tools'" in r.stderr


def test_drift_is_detected_and_repaired_in_place(venvsync, tmp_project):
    two_envs(tmp_project)
    venvsync(cwd=tmp_project.root, check_rc=0)
    dev = tmp_project.path(".venv")
    marker = os.path.join(dev, "lib", "python" + DEBIAN_MINOR, "site-packages", "marker.txt")
    open(marker, "w").write("kept")
    os.remove(os.path.join(dev, "bin", "activate.fish"))
    with open(os.path.join(dev, "bin", "activate"), "a") as f:
        f.write("echo tampered\n")
    r = venvsync("check", "dev", cwd=tmp_project.root, check_rc=1)
    assert "drifted" in r.stdout and "activate.fish" in r.stdout
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert os.path.exists(os.path.join(dev, "bin", "activate.fish"))
    assert "tampered" not in open(os.path.join(dev, "bin", "activate")).read()
    assert open(marker).read() == "kept", "an in-place fix keeps site-packages"
    venvsync("check", cwd=tmp_project.root, check_rc=0)

    # a new prompt and system-site-packages flag are rewritten in place too
    text = open(tmp_project.path("venv.yaml")).read().replace("prompt: myproj", "prompt: renamed\n    system-site-packages: true")
    open(tmp_project.path("venv.yaml"), "w").write(text)
    r = venvsync("plan", "dev", cwd=tmp_project.root, check_rc=0)
    assert "drifted" in r.stdout and "renamed" in r.stdout
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    c = cfg(dev)
    assert c["prompt"] == "'renamed'" and c["include-system-site-packages"] == "true"
    assert "renamed" in open(os.path.join(dev, "bin", "activate")).read()
    assert open(marker).read() == "kept"
    venvsync("check", cwd=tmp_project.root, check_rc=0)


def test_foreign_paths_are_refused_and_untouched(venvsync, tmp_project):
    manifest(tmp_project, f"""\
python: "{DEBIAN_PYTHON}"
environments:
  a:
    path: afile
  b:
    path: adir
  c:
    path: ok
""")
    open(tmp_project.path("afile"), "w").write("precious")
    os.mkdir(tmp_project.path("adir"))
    open(tmp_project.path("adir", "notes.txt"), "w").write("mine")
    before = tmp_project.snapshot()
    r = venvsync("sync", cwd=tmp_project.root, check_rc=2)
    assert "not a virtual environment" in r.stderr
    assert "afile" in r.stderr and "adir" in r.stderr
    assert open(tmp_project.path("afile")).read() == "precious"
    assert os.listdir(tmp_project.path("adir")) == ["notes.txt"]
    after = tmp_project.snapshot()
    for k, v in before.items():
        if k != "venv.yaml":
            assert after[k] == v, k
    # the healthy one was still created
    assert os.path.exists(tmp_project.path("ok", "pyvenv.cfg"))
    r = venvsync("check", "--json", cwd=tmp_project.root, check_rc=1)
    states = {e["name"]: e["state"] for e in json.loads(r.stdout)["environments"]}
    assert states == {"a": "foreign", "b": "foreign", "c": "ok"}


def test_empty_directory_is_filled(venvsync, tmp_project):
    manifest(tmp_project, f"""\
python: "{DEBIAN_PYTHON}"
environments:
  dev: {{path: .venv}}
""")
    os.mkdir(tmp_project.path(".venv"))
    venvsync(cwd=tmp_project.root, check_rc=0)
    assert os.path.exists(tmp_project.path(".venv", "bin", "python"))


def test_wrong_python_is_recreated_by_swapping(venvsync, tmp_project):
    others = [p for p in interpreters() if python_version(p)[:4] != DEBIAN_VERSION[:4]]
    if others:
        other = others[-1]
    else:  # one Python: a private copy of Debian's is another interpreter to venvsync
        fake = tmp_project.path("fakepy", "bin")
        os.makedirs(fake)
        other = os.path.join(fake, "python" + DEBIAN_MINOR)
        shutil.copy2(os.path.realpath(DEBIAN_PYTHON), other)
    manifest(tmp_project, f"""\
python: "{DEBIAN_PYTHON}"
environments:
  dev: {{path: .venv}}
""")
    venvsync(cwd=tmp_project.root, check_rc=0)
    dev = tmp_project.path(".venv")
    ino = os.stat(dev).st_ino
    manifest(tmp_project, f"""\
python: "{other}"
environments:
  dev: {{path: .venv}}
""")
    r = venvsync("check", cwd=tmp_project.root, check_rc=1)
    assert "wrong-python" in r.stdout
    venvsync(cwd=tmp_project.root, check_rc=0)
    assert env_python(dev, "import platform; print(platform.python_version())").strip() == python_version(other)
    assert cfg(dev)["venvsync-python"] == other
    assert os.stat(dev).st_ino != ino, "a new tree was swapped in"
    assert not [n for n in os.listdir(tmp_project.root) if "venvsync-stage" in n]
    venvsync("check", cwd=tmp_project.root, check_rc=0)


def interpreter_of(venvsync, project, python_line):
    """(venvsync-python, X.Y) of an environment synced with `python_line` (None: no request)."""
    dev = project.path(".venv")
    shutil.rmtree(dev, ignore_errors=True)
    manifest(project, (f'python: "{python_line}"\n' if python_line else "") +
             "environments:\n  dev: {path: .venv}\n")
    venvsync(cwd=project.root, check_rc=0)
    minor = env_python(dev, "import sys; print('%d.%d' % sys.version_info[:2])").strip()
    return cfg(dev)["venvsync-python"], minor


def test_request_picks_a_matching_interpreter_not_the_default(venvsync, tmp_project):
    default, default_minor = interpreter_of(venvsync, tmp_project, None)
    # a version request for another minor than the default's, when this machine has one
    minors = {".".join(python_version(p).split(".")[:2]) for p in interpreters()}
    others = sorted((m for m in minors - {default_minor} if tuple(map(int, m.split("."))) >= (3, 7)),
                    key=lambda m: (m != DEBIAN_MINOR, m))
    if others:
        exe, got = interpreter_of(venvsync, tmp_project, others[0])
        assert got == others[0] != default_minor and exe != default
    # the absolute-path form, with one interpreter too: a private copy of Debian's python is
    # used, not the interpreter an environment gets without a request
    fake = tmp_project.path("fakepy", "bin")
    os.makedirs(fake)
    exe = os.path.join(fake, "python" + DEBIAN_MINOR)
    shutil.copy2(os.path.realpath(DEBIAN_PYTHON), exe)
    assert default != exe
    got, minor = interpreter_of(venvsync, tmp_project, exe)
    assert got == exe and minor == DEBIAN_MINOR
    assert cfg(tmp_project.path(".venv"))["home"] == fake


def test_unsatisfiable_request_lists_what_was_found(venvsync, tmp_project):
    manifest(tmp_project, """\
python: "3.99"
environments:
  dev: {path: .venv}
""")
    r = venvsync(cwd=tmp_project.root, check_rc=2)
    assert "3.99" in r.stderr and DEBIAN_VERSION in r.stderr, r.stderr
    assert not os.path.exists(tmp_project.path(".venv"))


def test_moved_environment_is_relocated(venvsync, tmp_project):
    manifest(tmp_project, f"""\
python: "{DEBIAN_PYTHON}"
environments:
  dev: {{path: .venv}}
""")
    venvsync(cwd=tmp_project.root, check_rc=0)
    os.rename(tmp_project.path(".venv"), tmp_project.path("moved"))
    manifest(tmp_project, f"""\
python: "{DEBIAN_PYTHON}"
environments:
  dev: {{path: moved}}
""")
    r = venvsync("plan", cwd=tmp_project.root, check_rc=0)
    assert "moved" in r.stdout and "relocate" in r.stdout
    venvsync(cwd=tmp_project.root, check_rc=0)
    new = tmp_project.path("moved")
    assert cfg(new)["venvsync-path"] == new
    for n in os.listdir(os.path.join(new, "bin")):
        p = os.path.join(new, "bin", n)
        if n.startswith("activate") or n.startswith("Activate"):
            assert tmp_project.path(".venv") not in open(p).read(), n
    out = subprocess.run(["bash", "-c", f'source "{new}/bin/activate" && echo "$VIRTUAL_ENV"'],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == new
    venvsync("check", cwd=tmp_project.root, check_rc=0)


def test_vanished_interpreter_is_relinked_to_the_same_minor(venvsync, tmp_project):
    # A private copy of Debian's interpreter stands in for a pyenv build that gets removed.
    fake = tmp_project.path("fakepy", "bin")
    os.makedirs(fake)
    exe = os.path.join(fake, "python" + DEBIAN_MINOR)
    shutil.copy2(os.path.realpath(DEBIAN_PYTHON), exe)
    env = {"PATH": fake + ":/usr/bin:/bin", "PYENV_ROOT": tmp_project.path("nopyenv"),
           "VENVSYNC_PYTHON_DIR": tmp_project.path("nomanaged"), "UV_PYTHON_INSTALL_DIR": tmp_project.path("nouv")}
    manifest(tmp_project, f"""\
python: "{DEBIAN_MINOR}"
environments:
  dev: {{path: .venv}}
""")
    venvsync(cwd=tmp_project.root, env=env, check_rc=0)
    dev = tmp_project.path(".venv")
    assert cfg(dev)["venvsync-python"] == exe
    marker = os.path.join(dev, "lib", "python" + DEBIAN_MINOR, "site-packages", "marker.txt")
    open(marker, "w").write("kept")
    os.remove(exe)
    r = venvsync("check", cwd=tmp_project.root, env=env, check_rc=1)
    assert "broken" in r.stdout
    r = venvsync("plan", cwd=tmp_project.root, env=env, check_rc=0)
    assert "relink" in r.stdout, r.stdout
    venvsync(cwd=tmp_project.root, env=env, check_rc=0)
    assert cfg(dev)["venvsync-python"] == os.path.realpath(DEBIAN_PYTHON)
    assert open(marker).read() == "kept", "relinking keeps site-packages"
    assert env_python(dev, "import sys; print(sys.prefix)").strip() == dev
    venvsync("check", cwd=tmp_project.root, env=env, check_rc=0)


def test_run_passes_status_and_activates(venvsync, tmp_project):
    two_envs(tmp_project)
    r = venvsync("run", "dev", "--", "python", "-c",
                 "import os, sys; print(sys.prefix); print(os.environ['VIRTUAL_ENV'])",
                 cwd=tmp_project.root, check_rc=0)
    lines = r.stdout.split()
    assert lines == [tmp_project.path(".venv")] * 2
    venvsync("run", "dev", "--", "python", "-c", "raise SystemExit(7)", cwd=tmp_project.root, check_rc=7)
    venvsync("run", "dev", "python", "-c", "import sys; sys.exit(3)", cwd=tmp_project.root, check_rc=3)
    r = venvsync("run", "dev", "--", "no-such-program-xyz", cwd=tmp_project.root, check_rc=127)
    assert "no-such-program-xyz" in r.stderr
    venvsync("run", "--no-sync", "tools", "--", "true", cwd=tmp_project.root, check_rc=2)
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    venvsync("run", "--no-sync", "tools", "--", "true", cwd=tmp_project.root, check_rc=0)
    # words after ENV belong to the command, even ones venvsync would take as its own
    r = venvsync("run", "dev", "python", "-c", "import sys; print(sys.argv[1:])", "-v", "--help",
                 cwd=tmp_project.root, check_rc=0)
    assert r.stdout.strip() == "['-v', '--help']"


def test_run_no_sync_requires_the_environment(venvsync, tmp_project):
    two_envs(tmp_project)
    r = venvsync("run", "--no-sync", "dev", "--", "true", cwd=tmp_project.root, check_rc=2)
    assert "does not exist" in r.stderr
    assert not os.path.exists(tmp_project.path(".venv"))


def test_activate_prints_the_script_for_the_shell(venvsync, tmp_project):
    two_envs(tmp_project)
    r = venvsync("activate", "dev", cwd=tmp_project.root, check_rc=2)
    assert "venvsync sync dev" in r.stderr
    venvsync(cwd=tmp_project.root, check_rc=0)
    dev = tmp_project.path(".venv")
    assert venvsync("activate", "dev", cwd=tmp_project.root, env={"SHELL": "/bin/bash"}).stdout.strip() == dev + "/bin/activate"
    assert venvsync("activate", "--shell", "fish", "dev", cwd=tmp_project.root).stdout.strip() == dev + "/bin/activate.fish"
    assert venvsync("activate", "dev", cwd=tmp_project.root, env={"SHELL": "/usr/bin/tcsh"}).stdout.strip() == dev + "/bin/activate.csh"
    script = f'source "$({BIN} activate dev)" && command -v python && echo "$VIRTUAL_ENV"'
    out = subprocess.run(["bash", "-c", script], cwd=tmp_project.root, capture_output=True, text=True,
                         env=dict(os.environ, SHELL="/bin/bash"), check=True).stdout.split()
    assert out == [dev + "/bin/python", dev]


def test_shell_starts_bash_with_the_environment_active(venvsync, tmp_project):
    two_envs(tmp_project)
    r = venvsync("shell", "dev", cwd=tmp_project.root,
                 env={"SHELL": shutil.which("bash"), "HOME": tmp_project.root},
                 input='echo "VE=$VIRTUAL_ENV"; echo "PY=$(command -v python)"; deactivate; echo "AFTER=$VIRTUAL_ENV"; exit 0\n',
                 check_rc=0)
    dev = tmp_project.path(".venv")
    assert f"VE={dev}" in r.stdout
    assert f"PY={dev}/bin/python" in r.stdout
    assert "AFTER=\n" in r.stdout + "\n"


def test_list_shows_state_python_and_packages(venvsync, tmp_project):
    two_envs(tmp_project)
    venvsync("sync", "dev", cwd=tmp_project.root, check_rc=0)
    sp = tmp_project.path(".venv", "lib", "python" + DEBIAN_MINOR, "site-packages", "foo-1.0.dist-info")
    os.makedirs(sp)
    open(os.path.join(sp, "METADATA"), "w").write("Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n")
    r = venvsync("list", "--json", cwd=tmp_project.root, check_rc=0)
    envs = {e["name"]: e for e in json.loads(r.stdout)["environments"]}
    # pip, seeded (dev declares no packages), and foo
    assert envs["dev"]["state"] == "ok" and envs["dev"]["packages"] == 2
    assert envs["dev"]["python"]["version"] == DEBIAN_VERSION
    assert DEBIAN_VERSION in envs["dev"]["python"]["label"]
    assert envs["tools"]["state"] == "missing"
    r = venvsync("list", cwd=tmp_project.root, check_rc=0)
    assert "dev" in r.stdout and "missing" in r.stdout


def test_init_writes_a_manifest_that_syncs(venvsync, tmp_project):
    r = venvsync("init", "--python", DEBIAN_MINOR, cwd=tmp_project.root, check_rc=0)
    assert os.path.exists(tmp_project.path("venv.yaml"))
    venvsync("init", cwd=tmp_project.root, check_rc=2)
    venvsync(cwd=tmp_project.root, check_rc=0)
    assert os.path.exists(tmp_project.path(".venv", "bin", "python"))


def test_init_adopts_an_existing_environment(venvsync, tmp_project):
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--without-pip", tmp_project.path(".venv")], check=True)
    sp = tmp_project.path(".venv", "lib", "python" + DEBIAN_MINOR, "site-packages")
    for name, ver in (("Requests", "2.31.0"), ("pip", "23.0")):
        d = os.path.join(sp, f"{name}-{ver}.dist-info")
        os.makedirs(d)
        open(os.path.join(d, "METADATA"), "w").write(f"Metadata-Version: 2.1\nName: {name}\nVersion: {ver}\n")
        # as every installer writes it (without one, the .dist-info is a damaged install)
        open(os.path.join(d, "RECORD"), "w").write(f"{name}-{ver}.dist-info/METADATA,,\n"
                                                   f"{name}-{ver}.dist-info/RECORD,,\n")
    venvsync("init", "--adopt", cwd=tmp_project.root, check_rc=0)
    doc = yaml.safe_load(open(tmp_project.path("venv.yaml")))
    # exactly what is there, pip included (the first sync must not remove it)
    assert sorted(doc["environments"]["dev"]["packages"]) == ["Requests==2.31.0", "pip==23.0"]
    assert str(doc["python"]) == DEBIAN_MINOR
    # adoption reaches no index; the environment is as the manifest says, only the lock is missing
    r = venvsync("check", "--offline", cwd=tmp_project.root, check_rc=1)
    assert "dev (.venv): ok" in r.stdout and "not locked yet: pylock.dev.toml" in r.stdout, r.stdout
    assert "install" not in r.stdout and "remove" not in r.stdout, r.stdout
    # with a source for the pinned versions the first sync writes the lock and changes nothing
    wheels = tmp_project.path("wheels")
    make_wheel(wheels, "Requests", "2.31.0")
    make_wheel(wheels, "pip", "23.0")
    with open(tmp_project.path("venv.yaml"), "a") as f:
        f.write("index:\n  find-links: [wheels/]\n")
    before = {k: v for k, v in tmp_project.snapshot().items() if k.startswith(".venv")}
    r = venvsync(cwd=tmp_project.root, check_rc=0)
    assert "0 changed, 1 already in sync" in r.stdout, r.stdout
    assert {k: v for k, v in tmp_project.snapshot().items() if k.startswith(".venv")} == before
    venvsync("check", cwd=tmp_project.root, check_rc=0)


def test_environment_from_python_venv_is_adopted_in_place(venvsync, tmp_project):
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--without-pip", "--prompt", "dev", tmp_project.path(".venv")], check=True)
    manifest(tmp_project, f"""\
python: "{DEBIAN_MINOR}"
environments:
  dev: {{path: .venv}}
""")
    r = venvsync("check", cwd=tmp_project.root, check_rc=1)
    assert "not written by venvsync" in r.stdout
    ino = os.stat(tmp_project.path(".venv")).st_ino
    venvsync(cwd=tmp_project.root, check_rc=0)
    assert os.stat(tmp_project.path(".venv")).st_ino == ino, "adopted in place, not recreated"
    assert "venvsync" in cfg(tmp_project.path(".venv"))
    venvsync("check", cwd=tmp_project.root, check_rc=0)


def test_manifest_found_in_a_parent_directory_and_with_C(venvsync, tmp_project):
    two_envs(tmp_project)
    sub = tmp_project.path("src", "pkg")
    os.makedirs(sub)
    venvsync("sync", "dev", cwd=sub, check_rc=0)
    assert os.path.exists(tmp_project.path(".venv", "pyvenv.cfg"))
    venvsync("-C", tmp_project.root, "check", "dev", cwd="/", check_rc=0)
    r = venvsync("check", cwd="/", check_rc=2, env={"HOME": tmp_project.root})
    assert "venv.yaml" in r.stderr


def test_help_version_and_usage_errors(venvsync, tmp_project):
    r = venvsync("--help", check_rc=0)
    for c in ("sync", "plan", "check", "list", "run", "shell", "activate", "init", "python"):
        assert c in r.stdout
    assert "usage: venvsync plan" in venvsync("plan", "--help", check_rc=0).stdout
    assert venvsync("--version", check_rc=0).stdout.startswith("venvsync ")
    assert "unknown command" in venvsync("frobnicate", check_rc=2).stderr
    two_envs(tmp_project)
    assert "unknown option" in venvsync("sync", "--frob", cwd=tmp_project.root, check_rc=2).stderr
