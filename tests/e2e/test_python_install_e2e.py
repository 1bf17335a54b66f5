"""Managed interpreters: `venvsync python install|uninstall|list|find` and `python-downloads`
against a python-build-standalone-like release served on 127.0.0.1.

There is no internet here, so the release is made at test time: a real relocatable interpreter
tree (a pyenv build when there is one, else Debian's /usr/bin/python3.X with /usr/lib/python3.X)
is packed as python/... into cpython-X.Y.Z+20260101-<triple>-install_only.tar.gz with tarfile,
beside SHA256SUMS and latest-release.json, once per session. Other releases (picked with
VENVSYNC_PYTHON_RELEASE) hold a wrong hash and malicious archives. Every test gets its own
store (VENVSYNC_PYTHON_DIR), cache and an interpreter search limited to /usr/bin, so that what
venvsync installs is the only other interpreter it can find."""
import functools
import glob
import gzip
import hashlib
import io
import json
import os
import platform
import pprint
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import BIN, DEBIAN_PYTHON, python_version

TAG = "20260101"
ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}.get(
    platform.machine())
TRIPLE = "%s-unknown-linux-gnu" % ARCH
PYENV_ROOT = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
EXCLUDED = {"test", "tests", "idlelib", "tkinter", "turtledemo", "__pycache__", "lib2to3",
            "pydoc_data", "ensurepip", "idle_test", "site-packages", "dist-packages"}

pytestmark = pytest.mark.skipif(ARCH is None or sys.platform != "linux",
                                reason="python-build-standalone builds are x86_64/aarch64 Linux")


def debian_minor():
    return ".".join(python_version(os.path.realpath(DEBIAN_PYTHON)).split(".")[:2])


def pick_tree():
    """(prefix, X.Y, X.Y.Z) of a relocatable interpreter tree: pyenv's 3.12 if present, else
    another pyenv 3.8+ (preferring a minor Debian lacks), else Debian's own python3."""
    cands = []
    for d in glob.glob(os.path.join(PYENV_ROOT, "versions", "3.*")):
        m = re.fullmatch(r"3\.(\d+)\.(\d+)", os.path.basename(d))
        if not m or int(m.group(1)) < 8:
            continue
        minor = "3.%s" % m.group(1)
        if os.path.exists(os.path.join(d, "bin", "python" + minor)) and \
                os.path.exists(os.path.join(d, "lib", "python" + minor, "os.py")):
            cands.append((minor == "3.12", minor != debian_minor(), int(m.group(1)), d, minor))
    if cands:
        cands.sort()
        _, _, _, d, minor = cands[-1]
        return d, minor, python_version(os.path.join(d, "bin", "python" + minor))
    minor = debian_minor()
    return "/usr", minor, python_version(os.path.realpath(DEBIAN_PYTHON))


def _filter(ti):
    parts = ti.name.split("/")
    if any(p in EXCLUDED or p.startswith("config-") for p in parts[:-1]) or \
            parts[-1] in EXCLUDED or parts[-1].startswith("config-") or ti.name.endswith(".pyc"):
        return None
    if ti.issym() and ti.linkname.startswith("/"):
        return None     # Debian's sitecustomize.py -> /etc/...: a real PBS tree has none
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    return ti


def write_targz(path, build):
    with open(path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tf:
                build(tf)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def add_bytes(tf, name, data=b"", kind=tarfile.REGTYPE, link="", mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.linkname = link
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    tf.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


class Release:
    """The served tree: <root>/latest-release.json and <root>/<tag>/{SHA256SUMS, assets}."""

    def __init__(self, root, prefix, minor, version):
        self.root, self.prefix, self.minor, self.version = root, prefix, minor, version
        self.asset = "cpython-%s+%s-%s-install_only.tar.gz" % (version, TAG, TRIPLE)
        self.name = "cpython-%s-linux-%s-gnu" % (version, ARCH)
        self.minor_name = "cpython-%s-linux-%s-gnu" % (minor, ARCH)
        self.url = None

    def asset_for(self, tag):
        return self.asset.replace("+" + TAG + "-", "+" + tag + "-")

    def publish(self, tag, files, sums=None):
        d = os.path.join(self.root, tag)
        os.makedirs(d, exist_ok=True)
        lines = []
        for name, path in files:
            if os.path.abspath(path) != os.path.join(d, name):
                shutil.copyfile(path, os.path.join(d, name))
            lines.append("%s  %s\n" % ((sums or {}).get(name) or sha256(os.path.join(d, name)),
                                       name))
        # assets of other platforms and flavours, which must be ignored
        lines.append("%s  cpython-%s+%s-%s-debug-full.tar.zst\n" % ("0" * 64, self.version, tag,
                                                                    TRIPLE))
        lines.append("%s  cpython-3.99.0+%s-x86_64-apple-darwin-install_only.tar.gz\n" %
                     ("0" * 64, tag))
        with open(os.path.join(d, "SHA256SUMS"), "w") as f:
            f.writelines(lines)

    def good_tree(self, tf):
        p, m = self.prefix, self.minor
        tf.add(os.path.join(p, "bin", "python" + m), "python/bin/python" + m, filter=_filter)
        tf.add(os.path.join(p, "lib", "python" + m), "python/lib/python" + m,
               filter=lambda ti: None if "/_sysconfigdata_" in ti.name else _filter(ti))
        for lib in sorted(glob.glob(os.path.join(p, "lib", "libpython%s*.so*" % m))):
            tf.add(lib, "python/lib/" + os.path.basename(lib), filter=_filter)
        add_bytes(tf, "python/lib/python%s/site-packages/README.txt" % m, b"site\n")
        include = os.path.join(p, "include", "python" + m)
        if os.path.exists(os.path.join(include, "Python.h")):
            tf.add(include, "python/include/python" + m, filter=_filter)
        # the build configuration as PBS ships it: built at /install with its own toolchain
        for path in glob.glob(os.path.join(p, "lib", "python" + m, "_sysconfigdata_*.py")):
            self.sysconfig_name = os.path.basename(path)
            self.sysconfig_orig = load_sysconfigdata(path)
            text = "# system configuration generated and used by the sysconfig module\n" \
                   "build_time_vars = " + pprint.pformat(as_pbs(self.sysconfig_orig, p)) + "\n"
            add_bytes(tf, "python/lib/python%s/%s" % (m, self.sysconfig_name), text.encode())
            # PBS ships compiled modules, which would be stale once the module is patched
            add_bytes(tf, "python/lib/python%s/__pycache__/%s.stale.pyc" % (
                m, self.sysconfig_name[:-3]), b"stale")
        pc = ("prefix=/install\nexec_prefix=${prefix}\nlibdir=/install/lib\n"
              "includedir=${prefix}/include\nName: Python\nDescription: Python\n"
              "Version: %s\nCflags: -I${includedir}/python%s\n" % (m, m))
        add_bytes(tf, "python/lib/pkgconfig/python-%s.pc" % m, pc.encode())


PBS_COMPILERS = {"CC": "/tools/clang-linux64/bin/clang", "CXX": "/tools/clang-linux64/bin/clang++",
                 "LDSHARED": "/tools/clang-linux64/bin/clang", "BLDSHARED": "clang",
                 "LINKCC": "clang", "CPP": "clang"}


def load_sysconfigdata(path):
    scope = {}
    exec(open(path).read(), scope)
    return scope["build_time_vars"]


def as_pbs(data, prefix):
    """data as PBS would have it: the prefix is /install, the compilers are PBS's clang (at a
    path no machine has), AR is its llvm-ar."""
    out = {}
    for k, v in data.items():
        if isinstance(v, str):
            v = v.replace(prefix, "/install")
            if k in PBS_COMPILERS:
                v = re.sub(r"^\S*g(cc|\+\+)(?=\s|$)", lambda mo: PBS_COMPILERS[k] +
                           ("++" if mo.group(1) == "++" and not PBS_COMPILERS[k].endswith("+")
                            else ""), v)
        out[k] = v
    out["AR"] = "/tools/llvm/bin/llvm-ar"
    return out


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


@pytest.fixture(scope="session")
def release(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("pbs"))
    prefix, minor, version = pick_tree()
    rel = Release(root, prefix, minor, version)
    good = os.path.join(root, TAG, rel.asset)
    os.makedirs(os.path.dirname(good))
    write_targz(good, rel.good_tree)
    rel.publish(TAG, [(rel.asset, good)])
    with open(os.path.join(root, "latest-release.json"), "w") as f:
        json.dump({"version": 1, "tag": TAG, "release_url": "https://example.invalid/" + TAG,
                   "asset_url_prefix": "https://example.invalid/download/" + TAG}, f)
    # a wrong hash for the good archive
    rel.publish("20260105", [(rel.asset_for("20260105"), good)],
                sums={rel.asset_for("20260105"): "1" * 64})

    def evil(tag, build):
        path = os.path.join(root, tag + ".tar.gz")
        write_targz(path, build)
        rel.publish(tag, [(rel.asset_for(tag), path)])

    def traversal(tf):
        add_bytes(tf, "python/", kind=tarfile.DIRTYPE, mode=0o755)
        add_bytes(tf, "python/bin/", kind=tarfile.DIRTYPE, mode=0o755)
        add_bytes(tf, "python/../../escape.txt", b"pwned\n")

    def link_escape(tf):
        add_bytes(tf, "python/", kind=tarfile.DIRTYPE, mode=0o755)
        add_bytes(tf, "python/lib/", kind=tarfile.DIRTYPE, mode=0o755)
        add_bytes(tf, "python/lib/out", kind=tarfile.SYMTYPE, link="../../..")
        add_bytes(tf, "python/lib/out/escape.txt", b"pwned\n")

    def abs_link(tf):
        add_bytes(tf, "python/", kind=tarfile.DIRTYPE, mode=0o755)
        add_bytes(tf, "python/bin/", kind=tarfile.DIRTYPE, mode=0o755)
        add_bytes(tf, "python/bin/python" + minor, kind=tarfile.SYMTYPE, link=DEBIAN_PYTHON)

    evil("20260102", traversal)
    evil("20260103", link_escape)
    evil("20260104", abs_link)

    handler = functools.partial(QuietHandler, directory=root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    rel.url = "http://127.0.0.1:%d" % server.server_address[1]
    yield rel
    server.shutdown()
    server.server_close()


@pytest.fixture
def store_env(release, tmp_path):
    """Its own store and cache, the release as the mirror, and no interpreters but /usr/bin's."""
    for d in ("store", "cache", "nopyenv", "nouv"):
        (tmp_path / d).mkdir()
    return {
        "VENVSYNC_PYTHON_DIR": str(tmp_path / "store"),
        "VENVSYNC_CACHE_DIR": str(tmp_path / "cache"),
        "VENVSYNC_PYTHON_MIRROR": release.url,
        "PYENV_ROOT": str(tmp_path / "nopyenv"),
        "UV_PYTHON_INSTALL_DIR": str(tmp_path / "nouv"),
        "PATH": "/usr/bin:/bin",
        "VENVSYNC_HTTP_RETRIES": "0",
    }


def store_entries(env):
    d = env["VENVSYNC_PYTHON_DIR"]
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def visible(env):
    return [n for n in store_entries(env) if not n.startswith(".")]


def assert_store_clean(env):
    """Nothing installed and nothing half-done: only the hidden lock folder may exist."""
    assert visible(env) == []
    assert [n for n in store_entries(env) if n != ".venvsync"] == []


def run_py(exe, code):
    return subprocess.run([exe, "-c", code], capture_output=True, text=True, check=True).stdout


# ---- installing -------------------------------------------------------------------------------


def test_install_list_find_and_sync(venvsync, release, store_env, tmp_project):
    p = venvsync("python", "install", release.minor, env=store_env, check_rc=0)
    store = store_env["VENVSYNC_PYTHON_DIR"]
    inst = os.path.join(store, release.name)
    assert "installed Python %s" % release.version in p.stdout
    assert inst in p.stdout
    assert sorted(visible(store_env)) == sorted([release.name, release.minor_name])
    assert os.readlink(os.path.join(store, release.minor_name)) == release.name
    marker = json.load(open(os.path.join(inst, ".venvsync-python.json")))
    assert marker["installer"] == "venvsync" and marker["version"] == release.version
    assert marker["asset"] == release.asset and marker["release"] == TAG
    assert "%2B" in marker["url"] and marker["url"].startswith(release.url + "/" + TAG + "/")
    assert os.path.islink(os.path.join(inst, "bin", "python3"))
    assert os.path.islink(os.path.join(inst, "bin", "python"))
    em = os.path.join(inst, "lib", "python" + release.minor, "EXTERNALLY-MANAGED")
    assert "venvsync" in open(em).read()
    # it runs from its new place
    out = run_py(os.path.join(inst, "bin", "python3"),
                 "import sys; print('%d.%d.%d' % sys.version_info[:3]); print(sys.prefix)")
    assert out.split() == [release.version, inst]

    data = json.loads(venvsync("python", "list", "--json", env=store_env, check_rc=0).stdout)
    managed = [d for d in data if d["managed"]]
    assert len(managed) == 1 and managed[0]["version"] == release.version
    assert os.path.realpath(managed[0]["path"]).startswith(inst + "/")
    text = venvsync("python", "list", env=store_env, check_rc=0).stdout
    assert "managed" in text
    found = venvsync("python", "find", release.minor, env=store_env, check_rc=0).stdout.strip()
    assert os.path.realpath(found).startswith(inst + "/")

    tmp_project.write("""\
        version: 1
        environments:
          dev:
            path: .venv
            python: "%s"
        """ % release.minor)
    venvsync("sync", cwd=tmp_project.root, env=store_env, check_rc=0)
    out = run_py(tmp_project.path(".venv", "bin", "python"),
                 "import sys; print('%d.%d.%d' % sys.version_info[:3]); print(sys.base_prefix);"
                 "print(sys.prefix)")
    ver, base, prefix = out.split()
    assert ver == release.version
    assert os.path.realpath(base) == inst
    assert prefix == tmp_project.path(".venv")
    # a second sync is a no-op
    p = venvsync("sync", "--oneline", cwd=tmp_project.root, env=store_env, check_rc=0)
    assert p.stdout == ""


def test_build_configuration_names_the_install_and_the_hosts_compiler(
        venvsync, release, store_env, tmp_project, tmp_path):
    """PBS builds say prefix=/install and CC=clang; once installed they must say where they
    are and name this machine's compiler, or building an extension module fails."""
    venvsync("python", "install", release.minor, env=store_env, check_rc=0)
    inst = os.path.join(store_env["VENVSYNC_PYTHON_DIR"], release.name)
    py = os.path.join(inst, "bin", "python3")
    # the module's own values (get_config_vars() recomputes prefix and srcdir at run time)
    got = json.loads(run_py(py, "import importlib, json, sysconfig; print(json.dumps("
                                "importlib.import_module(sysconfig._get_sysconfigdata_name())"
                                ".build_time_vars))"))
    assert got["PYTHON_BUILD_STANDALONE"] == 1
    assert got["prefix"] == inst and got["INCLUDEPY"] == os.path.join(inst, "include",
                                                                      "python" + release.minor)
    assert got["AR"] == "ar"
    assert got["CC"].split()[0] == "cc" and got["LDSHARED"].split()[0] == "cc", got["CC"]
    assert got["CXX"].split()[0] == "c++", got["CXX"]
    # every other value is the original build's, with the install path for the original prefix
    for k, v in release.sysconfig_orig.items():
        if k in PBS_COMPILERS or k == "AR" or not isinstance(v, str) or k not in got or \
                "." + release.prefix in v:  # ./install (WASM_ASSETS_DIR) is no path to patch
            continue
        assert got[k] == v.replace(release.prefix, inst), k
    cached = glob.glob(os.path.join(inst, "lib", "python" + release.minor, "__pycache__",
                                    "_sysconfigdata_*"))
    assert not [c for c in cached if c.endswith(".stale.pyc")], cached
    # pkg-config finds the headers where they are
    if shutil.which("pkg-config"):
        out = subprocess.run(["pkg-config", "--cflags", "python-" + release.minor],
                             env=dict(os.environ, PKG_CONFIG_PATH=os.path.join(inst, "lib",
                                                                               "pkgconfig")),
                             capture_output=True, text=True, check=True).stdout
        assert os.path.realpath(out.split()[0][2:]) == os.path.join(inst, "include",
                                                                    "python" + release.minor)
    # and an extension module builds in an environment made from it, with only what
    # sysconfig says (PBS's /tools/.../clang exists on no machine)
    if not os.path.exists(os.path.join(inst, "include", "python" + release.minor, "Python.h")):
        pytest.skip("the packed interpreter has no headers")
    tmp_project.write("version: 1\nenvironments:\n  dev:\n    path: .venv\n"
                      "    python: \"%s\"\n" % release.minor)
    venvsync("sync", cwd=tmp_project.root, env=store_env, check_rc=0)
    (tmp_path / "hello.c").write_text(
        '#include <Python.h>\n'
        'static struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "hello", NULL, -1, NULL};\n'
        'PyMODINIT_FUNC PyInit_hello(void) { return PyModule_Create(&m); }\n')
    build = (
        "import os, shlex, subprocess, sysconfig\n"
        "v = sysconfig.get_config_var\n"
        "subprocess.check_call(shlex.split(v('CC')) + shlex.split(v('CCSHARED')) + "
        "['-I' + v('INCLUDEPY'), '-c', 'hello.c', '-o', 'hello.o'])\n"
        "subprocess.check_call(shlex.split(v('LDSHARED')) + ['hello.o', '-o', "
        "'hello' + v('EXT_SUFFIX')])\n"
        "import hello; print(hello.__file__)\n")
    out = subprocess.run([tmp_project.path(".venv", "bin", "python"), "-c", build],
                         cwd=str(tmp_path), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("hello" + got["EXT_SUFFIX"])


def test_install_twice_is_a_noop_and_json(venvsync, release, store_env):
    p = venvsync("--json", "python", "install", release.minor, env=store_env, check_rc=0)
    first = json.loads(p.stdout)["installed"][0]
    assert first["version"] == release.version and first["already_installed"] is False
    assert first["request"] == release.minor and first["release"] == TAG
    inst = first["path"]
    st = os.stat(inst)
    # no network needed the second time
    env = dict(store_env, VENVSYNC_PYTHON_MIRROR="http://127.0.0.1:9/nowhere")
    p = venvsync("python", "install", release.version, env=env, check_rc=0)
    assert "already installed" in p.stdout
    p = venvsync("--json", "python", "install", release.minor, env=env, check_rc=0)
    assert json.loads(p.stdout)["installed"][0]["already_installed"] is True
    assert os.stat(inst).st_mtime_ns == st.st_mtime_ns
    assert sorted(visible(store_env)) == sorted([release.name, release.minor_name])


def test_file_mirror_and_available(venvsync, release, store_env):
    env = dict(store_env, VENVSYNC_PYTHON_MIRROR="file://" + release.root)
    p = venvsync("python", "list", "--available", env=env, check_rc=0)
    assert TAG in p.stdout and release.version in p.stdout
    assert "3.99.0" not in p.stdout, "another platform's asset was offered"
    venvsync("python", "install", release.minor, env=env, check_rc=0)
    assert release.name in visible(store_env)
    p = venvsync("python", "list", "--available", env=env, check_rc=0)
    assert "%s  (installed)" % release.version in p.stdout


def test_pinned_release_and_latest_metadata(venvsync, release, store_env):
    env = dict(store_env, VENVSYNC_PYTHON_RELEASE="19990101")
    p = venvsync("python", "install", release.minor, env=env, check_rc=2)
    assert "19990101" in p.stderr and "SHA256SUMS" in p.stderr
    env = dict(store_env, VENVSYNC_PYTHON_RELEASE="../x")
    p = venvsync("python", "install", release.minor, env=env, check_rc=2)
    assert "VENVSYNC_PYTHON_RELEASE" in p.stderr
    assert_store_clean(store_env)


def test_no_matching_version_lists_available(venvsync, release, store_env):
    p = venvsync("python", "install", "3.99", env=store_env, check_rc=2)
    assert "3.99" in p.stderr
    assert "available: %s" % release.version in p.stderr
    p = venvsync("python", "install", "pypy@3.10", env=store_env, check_rc=2)
    assert "only CPython" in p.stderr
    p = venvsync("python", "install", "/usr/bin/python3", env=store_env, check_rc=2)
    assert "path" in p.stderr
    p = venvsync("python", "install", "3.x.y", env=store_env, check_rc=2)
    assert_store_clean(store_env)


def test_wrong_sha256_installs_nothing(venvsync, release, store_env):
    env = dict(store_env, VENVSYNC_PYTHON_RELEASE="20260105")
    p = venvsync("python", "install", release.minor, env=env, check_rc=3)
    assert "1" * 64 in p.stderr, p.stderr
    assert_store_clean(store_env)
    dl = os.path.join(store_env["VENVSYNC_CACHE_DIR"], "downloads-v1")
    assert not [n for n in (os.listdir(dl) if os.path.isdir(dl) else [])
                if not n.startswith("url-")], "an unverified file entered the download cache"


def test_dead_server_is_a_clear_error(venvsync, release, store_env):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = dict(store_env, VENVSYNC_PYTHON_MIRROR="http://127.0.0.1:%d/pbs" % port,
               VENVSYNC_CONNECT_TIMEOUT="2")
    p = venvsync("python", "install", release.minor, env=env, check_rc=3)
    assert "127.0.0.1:%d" % port in p.stderr
    assert "latest python-build-standalone release" in p.stderr
    assert "hint:" in p.stderr
    assert_store_clean(store_env)
    env = dict(store_env, VENVSYNC_PYTHON_MIRROR="ftp://example.invalid/pbs")
    p = venvsync("python", "install", release.minor, env=env, check_rc=2)
    assert "file://" in p.stderr


@pytest.mark.parametrize("tag,what", [("20260102", "'..'"),
                                      ("20260103", "outside the destination"),
                                      ("20260104", "absolute path")])
def test_malicious_archives_are_refused(venvsync, release, store_env, tmp_path, tag, what):
    env = dict(store_env, VENVSYNC_PYTHON_RELEASE=tag)
    p = venvsync("python", "install", release.minor, env=env, check_rc=3)
    assert what in p.stderr, p.stderr
    assert_store_clean(store_env)
    assert not list(tmp_path.rglob("escape.txt")), "a member was written outside the store"
    assert not os.path.exists(os.path.join(os.path.dirname(str(tmp_path)), "escape.txt"))


def test_offline(venvsync, release, store_env):
    p = venvsync("--offline", "python", "install", release.minor, env=store_env, check_rc=3)
    assert "offline" in p.stderr and "not in the cache" in p.stderr
    assert_store_clean(store_env)
    # once online, the metadata and the archive are cached: offline reinstalls work
    venvsync("python", "install", release.minor, env=store_env, check_rc=0)
    venvsync("python", "uninstall", release.minor, env=store_env, check_rc=0)
    assert_store_clean(store_env)
    p = venvsync("--offline", "python", "install", release.minor, env=store_env, check_rc=0)
    assert "installed Python %s" % release.version in p.stdout


def test_concurrent_installs_of_one_version(release, store_env):
    env = dict(os.environ, NO_COLOR="1", **store_env)
    procs = [subprocess.Popen([BIN, "python", "install", release.minor], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [pr.communicate(timeout=120) + (pr.returncode,) for pr in procs]
    for out, err, rc in outs:
        assert rc == 0, err
    installed = [o for o, _, _ in outs if "installed Python" in o and "already" not in o]
    assert len(installed) == 1, outs
    assert sorted(visible(store_env)) == sorted([release.name, release.minor_name])
    assert [n for n in store_entries(store_env) if n.startswith(".tmp")] == []


# ---- uninstalling -----------------------------------------------------------------------------


def test_uninstall_only_what_venvsync_installed(venvsync, release, store_env, tmp_project):
    store = store_env["VENVSYNC_PYTHON_DIR"]
    venvsync("python", "install", release.minor, env=store_env, check_rc=0)
    foreign = os.path.join(store, "cpython-3.9.9-linux-%s-gnu" % ARCH)
    os.makedirs(os.path.join(foreign, "bin"))
    os.symlink(os.path.realpath(DEBIAN_PYTHON), os.path.join(foreign, "bin", "python3"))
    p = venvsync("python", "uninstall", os.path.basename(foreign), env=store_env, check_rc=2)
    assert "not installed by venvsync" in p.stderr
    p = venvsync("python", "uninstall", foreign + "/bin/python3", env=store_env, check_rc=2)
    assert "not installed by venvsync" in p.stderr
    p = venvsync("python", "uninstall", "3.9", env=store_env, check_rc=2)
    assert "no Python installed by venvsync matches '3.9'" in p.stderr
    assert release.name in p.stderr
    p = venvsync("python", "uninstall", DEBIAN_PYTHON, env=store_env, check_rc=2)
    assert "not in venvsync's managed Python folder" in p.stderr
    assert os.path.isdir(foreign) and os.path.exists(os.path.realpath(DEBIAN_PYTHON))

    # an environment of the manifest uses it: a warning
    tmp_project.write("""\
        version: 1
        environments:
          dev:
            path: .venv
            python: "%s"
        """ % release.minor)
    venvsync("sync", cwd=tmp_project.root, env=store_env, check_rc=0)
    p = venvsync("python", "uninstall", release.minor_name, cwd=tmp_project.root, env=store_env,
                 check_rc=0)
    assert "uninstalled Python %s" % release.version in p.stdout
    assert "environment 'dev'" in p.stderr and "warning" in p.stderr
    assert visible(store_env) == [os.path.basename(foreign)], "the minor link goes too"
    assert [n for n in store_entries(store_env) if n.startswith(".tmp")] == []
    p = venvsync("python", "uninstall", release.minor, env=store_env, check_rc=2)


# ---- python-downloads -------------------------------------------------------------------------


def manifest(tmp_project, minor, downloads=None):
    tmp_project.write("version: 1\n%senvironments:\n  dev:\n    path: .venv\n    python: \"%s\"\n"
                      % ("python-downloads: %s\n" % downloads if downloads else "", minor))


def needs_distinct_minor(release):
    if release.minor == debian_minor():
        pytest.skip("the packed interpreter (%s) is Debian's own minor, which /usr/bin always "
                    "answers: no pyenv build of another minor to pack" % release.minor)


def test_downloads_manual_and_never_fail_with_hints(venvsync, release, store_env, tmp_project):
    needs_distinct_minor(release)
    manifest(tmp_project, release.minor)
    p = venvsync("sync", cwd=tmp_project.root, env=store_env, check_rc=2)
    assert "venvsync python install %s" % release.minor in p.stderr
    manifest(tmp_project, release.minor, "never")
    p = venvsync("sync", cwd=tmp_project.root, env=store_env, check_rc=2)
    assert "no Python interpreter matches" in p.stderr
    assert "venvsync python install" not in p.stderr
    assert_store_clean(store_env)
    assert not os.path.exists(tmp_project.path(".venv"))


def test_downloads_automatic_installs_during_sync(venvsync, release, store_env, tmp_project):
    needs_distinct_minor(release)
    manifest(tmp_project, release.minor, "automatic")
    # plan says what sync will do, and downloads nothing
    p = venvsync("plan", cwd=tmp_project.root, env=store_env, check_rc=0)
    assert "+ download-python %s" % release.minor in p.stdout, p.stdout
    assert "+ create" in p.stdout and "to be downloaded" in p.stdout
    p = venvsync("plan", "--json", cwd=tmp_project.root, env=store_env, check_rc=0)
    acts = json.loads(p.stdout)["environments"][0]["actions"]
    assert [a["kind"] for a in acts] == ["download-python", "create"], acts
    assert acts[0]["to"] == release.minor
    venvsync("check", cwd=tmp_project.root, env=store_env, check_rc=1)
    assert_store_clean(store_env)
    p = venvsync("sync", cwd=tmp_project.root, env=store_env, check_rc=0)
    assert "installed Python %s" % release.version in p.stderr
    assert release.name in visible(store_env)
    out = run_py(tmp_project.path(".venv", "bin", "python"),
                 "import sys; print('%d.%d.%d' % sys.version_info[:3])")
    assert out.strip() == release.version
    # the environment variable overrides the manifest
    venvsync("python", "uninstall", release.minor, env=store_env, check_rc=0)
    manifest(tmp_project, release.minor)
    shutil.rmtree(tmp_project.path(".venv"))
    env = dict(store_env, VENVSYNC_PYTHON_DOWNLOADS="automatic")
    venvsync("sync", cwd=tmp_project.root, env=env, check_rc=0)
    assert release.name in visible(store_env)
    env = dict(store_env, VENVSYNC_PYTHON_DOWNLOADS="sometimes")
    p = venvsync("sync", cwd=tmp_project.root, env=env)
    assert p.returncode == 0, "no interpreter needed: the variable is not even read"


def test_help(venvsync):
    p = venvsync("python", "--help", check_rc=0)
    assert "install" in p.stdout and "VENVSYNC_PYTHON_MIRROR" in p.stdout
