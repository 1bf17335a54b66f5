"""The native wheel installer against pip, on the real wheels of this machine.

Each wheel is installed twice at the same path: by pip (`pip install --no-index --no-deps
--no-compile`, Debian's pip driving a `--without-pip` venv through `--python`), and by venvsync's
installer (src/wheel/install.c), driven through the `wheel_driver` suite of the unit-test binary
until the installer is reachable from the `venvsync` command line. The two trees must be
byte-identical (modes included) except where venvsync knowingly differs (`__pycache__` members
of the wheel are skipped; pip's leftover RECORD rows for skipped wrapper scripts). Then the
venvsync-installed environment must work for the usual tools: pip list / check / show -f,
importlib.metadata, importing every top-level module, the console scripts, and pip uninstall.

The unit-test binary is found through VENVSYNC_UNIT_TESTS, else beside VENVSYNC_BIN.
"""
import csv
import glob
import io
import os
import shutil
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"


def _unit_tests_binary():
    cand = os.environ.get("VENVSYNC_UNIT_TESTS")
    if cand:
        return cand
    b = os.environ.get("VENVSYNC_BIN")
    if not b:
        try:
            from conftest import BIN as b  # noqa: N811
        except Exception:  # pragma: no cover
            return None
    p = os.path.join(os.path.dirname(os.path.abspath(b)), "unit_tests")
    return p if os.path.exists(p) else None


UNIT = _unit_tests_binary()


def _real_wheels():
    seen = {}
    pats = ["/usr/share/python-wheels/*.whl",
            os.path.expanduser("~/.pyenv/versions/*/lib/python*/ensurepip/_bundled/*.whl"),
            "/root/.pyenv/versions/*/lib/python*/ensurepip/_bundled/*.whl"]
    for pat in pats:
        for p in sorted(glob.glob(pat)):
            seen.setdefault(os.path.basename(p), p)
    return [seen[k] for k in sorted(seen)]


WHEELS = _real_wheels()


def _have_pip():
    return subprocess.run([PY, "-m", "pip", "--version"], capture_output=True).returncode == 0


pytestmark = [
    pytest.mark.skipif(UNIT is None, reason="unit_tests binary (the wheel driver) not found"),
    pytest.mark.skipif(not _have_pip(), reason="no pip for /usr/bin/python3"),
]


def pyver():
    out = subprocess.run([PY, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def run(*args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(list(args), **kw)


def pip(env, *args, check=True):
    p = run(PY, "-m", "pip", "--python", os.path.join(env, "bin", "python"),
            "--disable-pip-version-check", *args)
    if check:
        assert p.returncode == 0, f"pip {' '.join(args)}:\n{p.stdout}\n{p.stderr}"
    return p


def make_venv(path):
    run(PY, "-m", "venv", "--without-pip", path, check=True)


def driver(tmp_path, lines):
    """Runs the wheel_driver suite on tab-separated command lines; returns its result lines."""
    cmd = tmp_path / "driver.cmd"
    cmd.write_text("".join("\t".join(l) + "\n" for l in lines))
    env = dict(os.environ, VENVSYNC_WHEEL_DRIVER=str(cmd))
    p = run(UNIT, "--filter", "wheel_driver/run", "--jobs", "1", env=env, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    out = (tmp_path / "driver.cmd.out").read_text().splitlines()
    assert len(out) == len(lines), out
    return out


def install_line(cache, wheel, env, requested=True, url=True, installer="venvsync"):
    purelib = "lib/python%s/site-packages" % pyver()
    u = "file://" + wheel if url else "-"
    return ["install", cache, wheel, env, purelib, os.path.join(env, "bin", "python"), pyver(),
            "1" if requested else "0", u, installer]


def tree(root):
    """{relpath: (kind, mode, bytes or link target)}, without __pycache__."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if os.path.islink(p):
                out[rel] = ("link", 0, os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("dir", st.st_mode & 0o7777, b"")
            else:
                with open(p, "rb") as f:
                    out[rel] = ("file", st.st_mode & 0o7777, f.read())
    return out


def record_rows(text):
    return list(csv.reader(io.StringIO(text)))


def pip_deviations_removed(rows):
    """Rows pip writes that venvsync knowingly does not: __pycache__ members of the wheel and
    the rows left for skipped setuptools wrappers (archive paths under *.data/)."""
    keep = []
    for r in rows:
        if "__pycache__" in r[0]:
            continue
        first = r[0].split("/", 1)[0]
        if first.endswith(".data") and not r[0].startswith(".."):
            continue
        keep.append(r)
    return keep


def dist_name(wheel):
    return os.path.basename(wheel).split("-")[0]


def installed_info(env):
    site = os.path.join(env, "lib", "python%s" % pyver(), "site-packages")
    infos = [d for d in os.listdir(site) if d.endswith(".dist-info")]
    assert len(infos) == 1, infos
    return site, infos[0]


@pytest.mark.parametrize("wheel", WHEELS, ids=[os.path.basename(w) for w in WHEELS])
def test_same_as_pip_and_usable(tmp_path, wheel):
    env = str(tmp_path / "env")
    cache = str(tmp_path / "cache")
    make_venv(env)
    fresh = tree(env)
    pip(env, "install", "-q", "--no-index", "--no-deps", "--no-compile", wheel)
    os.rename(env, env + ".pip")
    make_venv(env)
    # INSTALLER says "pip" here so that it and RECORD can be compared byte for byte too
    res = driver(tmp_path, [install_line(cache, wheel, env, installer="pip")])
    assert res[0].startswith("ok "), res[0]

    a, b = tree(env + ".pip"), tree(env)
    site, info = installed_info(env)
    rec_rel = os.path.relpath(os.path.join(site, info, "RECORD"), env)
    ra = a.pop(rec_rel)
    rb = b.pop(rec_rel)
    assert sorted(a) == sorted(b), (sorted(set(a) ^ set(b)))
    for k in a:
        assert a[k] == b[k], f"{k} differs"
    assert ra[:2] == rb[:2]
    assert record_rows(rb[2].decode()) == pip_deviations_removed(record_rows(ra[2].decode()))
    assert b"\r\n" in rb[2]

    name = dist_name(wheel)
    # pip sees it, and it is consistent
    listing = pip(env, "list", "--format=freeze").stdout
    ver = info[: -len(".dist-info")].split("-")[1]
    assert f"{name}=={ver}".lower() in listing.lower(), listing
    chk = pip(env, "check", check=False)
    assert "No broken requirements found" in chk.stdout or "which is not installed" in chk.stdout, \
        chk.stdout + chk.stderr
    show = pip(env, "show", "-f", name).stdout
    assert "Files:" in show and "RECORD" in show, show

    # importlib.metadata reads the same distribution and all of its files exist
    py = os.path.join(env, "bin", "python")
    code = ("import importlib.metadata as m, os, sys\n"
            "d = [x for x in m.distributions() if x.metadata['Name'].lower() == sys.argv[1].lower()]\n"
            "assert len(d) == 1, d\n"
            "files = d[0].files\n"
            "missing = [str(f) for f in files if not os.path.exists(f.locate())]\n"
            "print(d[0].version, len(files), missing)\n")
    out = run(py, "-c", code, name)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == ver and out.stdout.strip().endswith("[]"), out.stdout

    # every top-level module imports (or fails exactly as it does in pip's install)
    tl_path = os.path.join(site, info, "top_level.txt")
    mods = []
    if os.path.exists(tl_path):
        mods = [l.strip() for l in open(tl_path) if l.strip() and "/" not in l]
    for mod in mods:
        ours = run(py, "-c", f"import {mod}")
        # pip's tree lives at env.pip; its files are byte-identical, so run the import there
        theirs = run(PY, "-c", f"import sys; sys.path.insert(0, {site.replace(env, env + '.pip')!r}); import {mod}")
        assert (ours.returncode == 0) == (theirs.returncode == 0), (mod, ours.stderr, theirs.stderr)

    # console scripts run
    eps = os.path.join(site, info, "entry_points.txt")
    if os.path.exists(eps):
        launchers = [k for k, v in b.items() if k.startswith("bin/") and v[0] == "file"
                     and b"# -*- coding: utf-8 -*-" in v[2]]
        for l in launchers:
            p = run(os.path.join(env, l), "--version", timeout=60)
            if p.returncode != 0:
                p = run(os.path.join(env, l), "--help", timeout=60)
            assert "Traceback" not in p.stderr or "ModuleNotFoundError" not in p.stderr, \
                (l, p.stderr)

    # pip uninstalls what venvsync installed: back to a fresh environment. (A sentinel keeps
    # site-packages non-empty: pip removes a directory whose every file it removes.)
    sentinel = os.path.join(site, "sentinel.txt")
    open(sentinel, "w").close()
    pip(env, "uninstall", "-y", "-q", name)
    os.unlink(sentinel)
    assert tree(env) == fresh


@pytest.mark.parametrize("wheel", WHEELS[:3], ids=[os.path.basename(w) for w in WHEELS[:3]])
def test_venvsync_uninstall_restores_fresh_env(tmp_path, wheel):
    env = str(tmp_path / "env")
    cache = str(tmp_path / "cache")
    make_venv(env)
    fresh = tree(env)
    res = driver(tmp_path, [install_line(cache, wheel, env)])
    assert res[0].startswith("ok "), res[0]
    site, info = installed_info(env)
    # byte-compile like an installer would; uninstall must remove the pycs too
    run(os.path.join(env, "bin", "python"), "-m", "compileall", "-q", site)
    res = driver(tmp_path, [["uninstall", env, site, info]])
    assert res[0].startswith("ok "), res[0]
    assert res[0].split()[2] == "0", "no RECORD row skipped"
    after = {}
    for dirpath, dirnames, filenames in os.walk(env):
        for n in dirnames + filenames:
            after[os.path.relpath(os.path.join(dirpath, n), env)] = 1
    assert sorted(after) == sorted(fresh)


def test_throughput_on_largest_wheel(tmp_path):
    """Unpack (cold cache) and install rates on the largest wheel here; printed for the log."""
    if not WHEELS:
        pytest.skip("no wheels")
    wheel = max(WHEELS, key=os.path.getsize)
    cache = str(tmp_path / "cache")
    lines = []
    for i in range(3):
        env = str(tmp_path / f"env{i}")
        make_venv(env)
        lines.append(install_line(cache, wheel, env))
    res = driver(tmp_path, lines)
    assert all(r.startswith("ok ") for r in res), res
    f = [r.split() for r in res]
    n_files, unpack_s, install_s, size = int(f[0][1]), float(f[0][2]), float(f[0][3]), int(f[0][4])
    assert f[1][5] == "1", "second install reuses the cache entry"
    best_install = min(float(x[3]) for x in f)
    msg = (f"{os.path.basename(wheel)}: {size / 1e6:.1f} MB unpacked, {n_files} files; "
           f"unpack {size / 1e6 / unpack_s:.0f} MB/s ({unpack_s * 1000:.0f} ms), "
           f"install {n_files / best_install:.0f} files/s ({best_install * 1000:.1f} ms), "
           f"cached re-use {float(f[1][2]) * 1000:.1f} ms")
    print(msg)
    sys.stderr.write(msg + "\n")
    assert unpack_s < 30 and best_install < 30
