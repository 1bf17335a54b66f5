"""`venvsync python list|find|install|uninstall` against the real interpreters of this machine.

Debian's /usr/bin/python3 is always there; pyenv's versions (2.7, 3.6-3.13) are used when present.
The facts venvsync reports are compared with what each interpreter says about itself and with
what `python -m venv` actually writes."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import DEBIAN_PYTHON, python_version

PYENV_ROOT = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))

# Asks an interpreter for the facts venvsync reports, the straightforward (slow) way: with site,
# platform and sysconfig's public API. Runs on Python 2.7 too.
REFERENCE = r'''
import json, os, platform, sys, sysconfig
impl = getattr(sys, "implementation", None)
def fv(info):
    v = "%d.%d.%d" % (info[0], info[1], info[2])
    if info[3] != "final":
        v += info[3][0] + str(info[4])
    return v
root = os.path.join(os.sep, "ROOT")
vars = {"base": root, "platbase": root, "installed_base": root, "installed_platbase": root}
if "venv" in sysconfig.get_scheme_names():
    paths = sysconfig.get_paths("venv", vars=vars)
    include = os.path.relpath(paths["include"], root)
else:
    paths = sysconfig.get_paths("posix_prefix", vars=vars)
    include = "include"
print(json.dumps({
    "version": platform.python_version().rstrip("+"),
    "implementation": impl.name if impl else "cpython",
    "soabi": sysconfig.get_config_var("SOABI") or "",
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX") or sysconfig.get_config_var("SO") or "",
    "cache_tag": (impl.cache_tag if impl else "") or "",
    "abiflags": getattr(sys, "abiflags", ""),
    "platform_tag": sysconfig.get_platform(),
    "platlibdir": getattr(sys, "platlibdir", "lib"),
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "freethreaded": sysconfig.get_config_var("Py_GIL_DISABLED") == 1,
    "pointer_bits": 64 if sys.maxsize > 2**32 else 32,
    "venv_paths": {
        "purelib": os.path.relpath(paths["purelib"], root),
        "platlib": os.path.relpath(paths["platlib"], root),
        "include": include,
        "scripts": os.path.relpath(paths["scripts"], root),
    },
    "markers": {
        "os_name": os.name,
        "sys_platform": sys.platform,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "python_full_version": platform.python_version(),
        "implementation_name": impl.name if impl else "",
        "implementation_version": fv(impl.version) if impl else "0",
    },
}))
'''


def pyenv_interpreters():
    """Each pyenv version's interpreter under the name discovery prefers (python3.N, else python)."""
    found = []
    for d in sorted(glob.glob(os.path.join(PYENV_ROOT, "versions", "*"))):
        if os.path.exists(os.path.join(d, "pyvenv.cfg")):
            continue  # a pyenv-virtualenv environment, not an interpreter
        ver = os.path.basename(d)
        for name in ("python" + ".".join(ver.split(".")[:2]), "python"):
            exe = os.path.join(d, "bin", name)
            if ver.startswith("3.") and os.access(exe, os.X_OK):
                found.append(exe)
                break
            if name == "python" and os.access(exe, os.X_OK):
                found.append(exe)
    return found


def reference_facts(exe):
    p = subprocess.run([exe, "-c", REFERENCE], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


@pytest.fixture
def fresh_cache(tmp_path):
    """A cache of its own, so that whether Python runs does not depend on other tests."""
    return {"VENVSYNC_CACHE_DIR": str(tmp_path / "cache")}


def list_json(venvsync, env=None):
    p = venvsync("--json", "python", "list", env=env, check_rc=0)
    data = json.loads(p.stdout)
    assert isinstance(data, list)
    return data


def entry_for(data, exe):
    real = os.path.realpath(exe)
    for e in data:
        if e["path"] == exe:
            return e
    for e in data:
        if e["realpath"] == real:
            return e
    return None


def test_list_json_includes_debian_python(venvsync, fresh_cache):
    data = list_json(venvsync, fresh_cache)
    e = entry_for(data, DEBIAN_PYTHON)
    assert e is not None, [d["path"] for d in data]
    assert e["version"] == python_version(DEBIAN_PYTHON)
    assert e["implementation"] == "cpython"
    assert e["venv_capable"] is True
    assert e["realpath"] == os.path.realpath(DEBIAN_PYTHON)
    # Every interpreter is listed once, best first, and no pyenv shim sneaks in.
    reals = [d["realpath"] for d in data]
    assert len(reals) == len(set(reals))
    assert not [d for d in data if "/shims/" in d["path"]]
    keys = [(d["major"], d["minor"], d["micro"]) for d in data]
    assert keys == sorted(keys, reverse=True)


def test_list_text(venvsync, fresh_cache):
    p = venvsync("python", "list", env=fresh_cache, check_rc=0)
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["VERSION", "IMPL", "PATH"]
    real = os.path.realpath(DEBIAN_PYTHON)
    assert any(real in l or DEBIAN_PYTHON in l for l in lines), p.stdout
    # The default (what `find` picks with no request) is marked and is what `find` prints.
    star = [l.split() for l in lines if l.startswith("* ") and "/" in l]
    assert len(star) == 1, p.stdout
    found = venvsync("python", "find", "any", env=fresh_cache, check_rc=0).stdout.strip()
    assert star[0][3] == found


def debian_minor():
    """Debian python3's X.Y (3.11 on Debian 12): a version every machine here has."""
    return ".".join(python_version(DEBIAN_PYTHON).split(".")[:2])


def test_find_version(venvsync, fresh_cache):
    want = debian_minor()
    p = venvsync("python", "find", want, env=fresh_cache, check_rc=0)
    exe = p.stdout.strip()
    assert os.path.isabs(exe) and os.access(exe, os.X_OK)
    assert python_version(exe).startswith(want + ".")
    j = json.loads(venvsync("--json", "python", "find", want, env=fresh_cache, check_rc=0).stdout)
    assert j["path"] == exe
    assert "%d.%d" % (j["major"], j["minor"]) == want
    # The newest patch release of that minor version wins.
    data = list_json(venvsync, fresh_cache)
    same = [d for d in data if "%d.%d" % (d["major"], d["minor"]) == want and d["venv_capable"]]
    assert j["micro"] == max(d["micro"] for d in same)


def test_find_by_path(venvsync, fresh_cache):
    p = venvsync("python", "find", DEBIAN_PYTHON, env=fresh_cache, check_rc=0)
    assert p.stdout.strip() == DEBIAN_PYTHON


def test_find_missing_version_lists_what_was_found(venvsync, fresh_cache):
    p = venvsync("python", "find", "9.9", env=fresh_cache, check_rc=2)
    assert p.stdout == ""
    assert "9.9" in p.stderr
    assert "found" in p.stderr
    data = list_json(venvsync, fresh_cache)
    for d in data:
        assert d["path"] in p.stderr, "the error must list every interpreter found"
        assert d["version"] in p.stderr
    assert "pyenv install 9.9" in p.stderr


def test_find_uses_python_version_file(venvsync, fresh_cache, tmp_path):
    proj = tmp_path / "proj"
    (proj / "sub").mkdir(parents=True)
    want = debian_minor()
    (proj / ".python-version").write_text("# pinned\n\n%s\n" % want)
    p = venvsync("python", "find", cwd=str(proj / "sub"), env=fresh_cache, check_rc=0)
    assert python_version(p.stdout.strip()).startswith(want + ".")
    (proj / ".python-version").write_text("9.9\n")
    p = venvsync("python", "find", cwd=str(proj / "sub"), env=fresh_cache, check_rc=2)
    assert "9.9" in p.stderr and ".python-version" not in p.stdout


def test_install_and_uninstall_explain(venvsync, fresh_cache, tmp_path):
    env = dict(fresh_cache, VENVSYNC_PYTHON_DIR=str(tmp_path / "store"),
               VENVSYNC_PYTHON_MIRROR="http://127.0.0.1:9/pbs", VENVSYNC_HTTP_RETRIES="0")
    p = venvsync("python", "install", "3.12", env=env, check_rc=3)
    assert "127.0.0.1:9" in p.stderr and "VENVSYNC_PYTHON_MIRROR" in p.stderr
    p = venvsync("python", "uninstall", "3.12", env=env, check_rc=2)
    assert "no Python installed by venvsync matches '3.12'" in p.stderr
    p = venvsync("python", "frobnicate", env=fresh_cache, check_rc=2)
    assert "frobnicate" in p.stderr


def test_help(venvsync):
    p = venvsync("python", "--help", check_rc=0)
    assert "find" in p.stdout and "list" in p.stdout


@pytest.mark.parametrize("exe", [DEBIAN_PYTHON] + pyenv_interpreters())
def test_facts_match_the_interpreter(venvsync, fresh_cache, exe):
    data = list_json(venvsync, fresh_cache)
    e = entry_for(data, exe)
    assert e is not None, "%s not discovered: %s" % (exe, [d["path"] for d in data])
    ref = reference_facts(exe)
    for key in ("version", "implementation", "soabi", "ext_suffix", "cache_tag", "abiflags",
                "platform_tag", "platlibdir", "base_prefix", "freethreaded", "pointer_bits",
                "venv_paths", "markers"):
        assert e[key] == ref[key], "%s: %s is %r, the interpreter says %r" % (
            exe, key, e[key], ref[key])
    if e["major"] == 2:
        assert e["venv_capable"] is False
        return
    assert e["venv_capable"] is True
    assert e["lib_version"] == "%d.%d%s" % (e["major"], e["minor"], "t" if e["freethreaded"] else "")


@pytest.mark.parametrize("exe", [DEBIAN_PYTHON] + [p for p in pyenv_interpreters()
                                                   if "/2." not in p])
def test_home_and_exe_name_are_what_venv_writes(venvsync, fresh_cache, tmp_path, exe):
    """`python -m venv` with the very path venvsync reports writes home = <our home> and links
    bin/<our exe_name> to <our home>/<our exe_name>."""
    data = list_json(venvsync, fresh_cache)
    e = entry_for(data, exe)
    assert e is not None
    env_dir = tmp_path / "venv"
    subprocess.run([e["path"], "-m", "venv", "--without-pip", str(env_dir)], check=True,
                   capture_output=True)
    cfg = dict(line.split(" = ", 1) for line in
               (env_dir / "pyvenv.cfg").read_text().splitlines() if " = " in line)
    assert cfg["home"] == e["home"]
    link = env_dir / "bin" / e["exe_name"]
    assert os.path.islink(link)
    assert os.readlink(link) == os.path.join(e["home"], e["exe_name"])
    # The venv layout venvsync will write matches what venv made.
    assert (env_dir / e["venv_paths"]["purelib"]).is_dir()
    assert (env_dir / e["venv_paths"]["scripts"]).is_dir()
    assert (env_dir / e["venv_paths"]["include"]).is_dir()


def _probed(stderr):
    m = re.search(r"probed (\d+) of (\d+) interpreters", stderr)
    assert m, stderr
    return int(m.group(1)), int(m.group(2))


def test_second_list_starts_no_python(venvsync, fresh_cache):
    first = venvsync("-v", "python", "list", env=fresh_cache, check_rc=0)
    probed, total = _probed(first.stderr)
    assert total >= 1 and probed == total
    second = venvsync("-v", "python", "list", env=fresh_cache, check_rc=0)
    assert _probed(second.stderr) == (0, total)
    assert second.stdout == first.stdout


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_second_list_execs_nothing_per_strace(venvsync, fresh_cache, tmp_path):
    """Independent of venvsync's own count: the kernel's record of every execve."""
    from conftest import BIN
    # LeakSanitizer cannot run under ptrace: a sanitizer build would abort at exit.
    env = dict(os.environ, NO_COLOR="1", ASAN_OPTIONS="detect_leaks=0", **fresh_cache)

    def execs():
        log = tmp_path / "strace.log"
        subprocess.run(["strace", "-f", "-qq", "-e", "trace=execve", "-o", str(log), BIN,
                        "python", "list"], env=env, check=True, capture_output=True)
        calls = [l for l in log.read_text().splitlines() if "execve(" in l]
        return calls[1:]   # the first is venvsync itself

    first = execs()
    assert len(first) >= 1, "the first run must probe (strace saw no python start)"
    assert execs() == [], "a cached `python list` must start no process"


def test_touched_interpreter_is_probed_again(venvsync, fresh_cache, tmp_path):
    """A copy of Debian's python on PATH: cached until its binary changes."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    copy = bindir / ("python" + debian_minor())
    shutil.copy2(os.path.realpath(DEBIAN_PYTHON), copy)
    env = dict(fresh_cache, PATH=str(bindir) + os.pathsep + os.environ.get("PATH", ""))
    venvsync("-v", "python", "list", env=env, check_rc=0)
    assert _probed(venvsync("-v", "python", "list", env=env, check_rc=0).stderr)[0] == 0
    os.utime(copy, (time.time() - 1000, time.time() - 1000))
    p = venvsync("-v", "--json", "python", "list", env=env, check_rc=0)
    assert _probed(p.stderr)[0] == 1
    assert entry_for(json.loads(p.stdout), str(copy))["path"] == str(copy)


def test_first_discovery_is_fast(venvsync, fresh_cache):
    """Probing runs in parallel: ~10 interpreters well under a second; cached runs are quick."""
    t0 = time.monotonic()
    venvsync("python", "list", env=fresh_cache, check_rc=0)
    first = time.monotonic() - t0
    t0 = time.monotonic()
    venvsync("python", "list", env=fresh_cache, check_rc=0)
    second = time.monotonic() - t0
    # Generous bounds: CI machines are slow and sanitizer builds slower still.
    assert first < 5.0, first
    assert second < 1.0, second
