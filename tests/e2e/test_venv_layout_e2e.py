"""What venvsync writes against what `python -m venv --without-pip --prompt P` writes, for every
interpreter on the machine: the tree, the links, pyvenv.cfg and what the environment's own Python
reports about itself.

Known, intended differences (venvsync's environment has them, venv's does not):
  - bin/activate.nu always (venv ships no nushell script);
  - .gitignore on Python < 3.13 (3.13's venv writes one too; venvsync always does);
  - bin/Activate.ps1 on Python < 3.8 (venv added it in 3.8);
  - pyvenv.cfg: the venvsync-* keys, and `prompt` on Python < 3.8 (venv did not record it yet).
The activators' contents are venvsync's own, so only their names are compared.
"""
import json
import os
import stat
import subprocess

import pytest

from conftest import DEBIAN_PYTHON, interpreters

PROMPT = "my proj"


def version_of(exe):
    out = subprocess.run([exe, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                         capture_output=True, text=True, check=True)
    return tuple(int(x) for x in out.stdout.split("."))


INTERPRETERS = [(exe, version_of(exe)) for exe in interpreters()]


def ids(item):
    exe, ver = item
    return "%s-%d.%d.%d" % (os.path.basename(os.path.dirname(os.path.dirname(exe))) or "sys", *ver)


def tree(root):
    """{relative path: ("d", mode) | ("f", mode) | ("l", target)} for everything below root."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("l", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("d", stat.S_IMODE(st.st_mode))
            else:
                out[rel] = ("f", stat.S_IMODE(st.st_mode))
    return out


def cfg_items(env_dir):
    items = []
    with open(os.path.join(env_dir, "pyvenv.cfg"), encoding="utf-8") as f:
        for line in f:
            if "=" in line:
                k, v = line.split("=", 1)
                items.append((k.strip().lower(), v.strip()))
    return items


def make_venv(exe, path, system_site=False):
    args = [exe, "-m", "venv", "--without-pip", "--prompt", PROMPT]
    if system_site:
        args.append("--system-site-packages")
    subprocess.run(args + [path], check=True, capture_output=True)


def make_venvsync(venvsync, tmp_path, exe, path, system_site=False):
    manifest = tmp_path / "venv.yaml"
    manifest.write_text(json.dumps({
        "version": 1,
        "environments": {
            # compared with `python -m venv --without-pip`: no pip seeded
            "b": {"path": path, "python": exe, "prompt": PROMPT,
                  "system-site-packages": system_site, "seed": False},
        },
    }))
    venvsync("sync", "-f", str(manifest), cwd=str(tmp_path), check_rc=0)


# What the environment's Python says about itself, with the environment's path as "<ENV>".
INTROSPECT = r"""
import json, os, site, sys, sysconfig
env = sys.argv[1]
def rel(x):
    if isinstance(x, str):
        return x.replace(env, "<ENV>")
    if isinstance(x, (list, tuple)):
        return [rel(i) for i in x]
    if isinstance(x, dict):
        return {k: rel(v) for k, v in sorted(x.items())}
    return x
print(json.dumps(rel({
    "prefix": sys.prefix,
    "exec_prefix": sys.exec_prefix,
    "base_prefix": sys.base_prefix,
    "base_exec_prefix": sys.base_exec_prefix,
    "executable": sys.executable,
    "sitepackages": site.getsitepackages(),
    "usersite_enabled": site.ENABLE_USER_SITE,
    "paths": sysconfig.get_paths(),
    "path": [p for p in sys.path if p],
})))
"""


def introspect(env_dir):
    out = subprocess.run([os.path.join(env_dir, "bin", "python"), "-c", INTROSPECT, env_dir],
                         capture_output=True, text=True, check=True, cwd="/")
    return json.loads(out.stdout)


def expected_extras(ver):
    extra = {"bin/activate.nu"}
    if ver < (3, 13):
        extra.add(".gitignore")
    if ver < (3, 8):
        extra.add("bin/Activate.ps1")
    return extra


@pytest.mark.parametrize("interp", INTERPRETERS, ids=ids)
def test_same_tree_cfg_and_runtime_as_python_m_venv(venvsync, tmp_path, interp):
    exe, ver = interp
    a, b = str(tmp_path / "A"), str(tmp_path / "B")
    make_venv(exe, a)
    make_venvsync(venvsync, tmp_path, exe, b)

    # The tree: the same files, directories and links (same targets), with the same modes.
    ta, tb = tree(a), tree(b)
    assert set(tb) - set(ta) == expected_extras(ver), sorted(set(tb) ^ set(ta))
    assert set(ta) <= set(tb), sorted(set(ta) - set(tb))
    for rel, what in ta.items():
        assert tb[rel] == what, (rel, what, tb[rel])
    links = {rel: t for rel, (kind, t) in tb.items() if kind == "l"}
    assert links["lib64"] == "lib"
    assert os.path.isabs(links[os.path.join("bin", os.path.basename(exe))])
    if ver >= (3, 13):
        with open(os.path.join(b, ".gitignore")) as f:
            assert f.read().strip().splitlines()[-1] == "*"

    # pyvenv.cfg: venv's keys, same order, same values (command differs only by the env path).
    ca, cb = cfg_items(a), cfg_items(b)
    keys_a = [k for k, _ in ca]
    venv_keys_b = [k for k, _ in cb if not k.startswith("venvsync")]
    if ver < (3, 8):
        assert "prompt" not in keys_a
        assert venv_keys_b == keys_a[:3] + ["prompt"] + keys_a[3:]
    else:
        assert venv_keys_b == keys_a
    da, db = dict(ca), dict(cb)
    for k in keys_a:
        va, vb = da[k], db[k]
        if k == "command":
            va = va.replace(a, "<ENV>")
            vb = vb.replace(b, "<ENV>")
        assert va == vb, (k, va, vb)
    assert db["prompt"] == repr(PROMPT)
    assert db["venvsync-path"] == b
    assert db["venvsync-python"] == os.path.realpath(exe)
    assert db["venvsync-freethreaded"] == "false"

    # The environment's own Python sees itself the same way in both.
    ia, ib = introspect(a), introspect(b)
    assert ia == ib
    assert ib["prefix"] == "<ENV>"
    assert ib["base_prefix"] != "<ENV>"
    assert any(p.startswith("<ENV>/lib/python") and p.endswith("site-packages")
               for p in ib["sitepackages"])


def base_site_dirs(exe):
    out = subprocess.run([exe, "-c", "import site, json; print(json.dumps(site.getsitepackages()))"],
                         capture_output=True, text=True, check=True)
    return [p for p in json.loads(out.stdout) if os.path.isdir(p)]


@pytest.mark.parametrize("interp", INTERPRETERS, ids=ids)
def test_system_site_packages_matches_venv(venvsync, tmp_path, interp):
    exe, ver = interp
    a, b = str(tmp_path / "A"), str(tmp_path / "B")
    make_venv(exe, a, system_site=True)
    make_venvsync(venvsync, tmp_path, exe, b, system_site=True)
    assert dict(cfg_items(b))["include-system-site-packages"] == "true"
    ia, ib = introspect(a), introspect(b)
    assert ia == ib
    base = base_site_dirs(exe)
    assert base, "the base interpreter has a site-packages directory"
    for d in base:
        assert d in ib["path"], (d, ib["path"])


def test_system_site_packages_sees_a_base_package(venvsync, tmp_path):
    """Debian's python3 ships apt_pkg in its dist-packages: visible only with the flag."""
    exe = os.path.realpath(DEBIAN_PYTHON)
    have = subprocess.run([exe, "-c", "import apt_pkg"], capture_output=True).returncode == 0
    if not have:
        pytest.skip("no apt_pkg in the base interpreter")
    on, off = str(tmp_path / "on"), str(tmp_path / "off")
    for path, flag in ((on, True), (off, False)):
        sub = tmp_path / ("project-" + os.path.basename(path))
        sub.mkdir()
        make_venvsync(venvsync, sub, exe, path, system_site=flag)
    code = "import apt_pkg; print(apt_pkg.__file__)"
    r_on = subprocess.run([os.path.join(on, "bin", "python"), "-c", code], capture_output=True,
                          text=True)
    r_off = subprocess.run([os.path.join(off, "bin", "python"), "-c", code], capture_output=True,
                           text=True)
    assert r_on.returncode == 0, r_on.stderr
    assert r_off.returncode != 0 and "apt_pkg" in r_off.stderr
