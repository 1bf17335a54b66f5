"""Installing pinned packages from package indexes over HTTP(S): a real index server on
127.0.0.1 (tests/fixtures/index_server.py) serving wheels built at test time.

A first sync from a one-package index runs before the module: when it fails, every test of the
module fails (errors) with its output."""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from conftest import BIN, DEBIAN_PYTHON, SRC

FIXTURES = os.path.join(SRC, "tests", "fixtures")
sys.path.insert(0, FIXTURES)
from wheels import make_wheel, sha256_of  # noqa: E402

SECRET = "s3cr3t-Pa55word"


class Index:
    """One index_server.py process; every sub-directory of root is an index."""

    def __init__(self, tmp, wheels=(), tls=None):
        self.dir = str(tmp)
        os.makedirs(self.dir, exist_ok=True)
        self.root = os.path.join(self.dir, "root")
        self.config_path = os.path.join(self.dir, "config.json")
        self.log_path = os.path.join(self.dir, "requests.log")
        port_file = os.path.join(self.dir, "port")
        args = [sys.executable, os.path.join(FIXTURES, "index_server.py"), "--root", self.root,
                "--port-file", port_file, "--log", self.log_path, "--config", self.config_path]
        for w in wheels:
            args += ["--wheel", w]
        if tls:
            args += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        self.config({})
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(200):
            if os.path.exists(port_file):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("index server died: " + self.proc.stderr.read().decode())
            time.sleep(0.05)
        self.port = int(open(port_file).read())
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"

    def url(self, index, user=None):
        auth = f"{user}@" if user else ""
        scheme, rest = self.base.split("://")
        return f"{scheme}://{auth}{rest}/{index}/simple"

    def config(self, cfg):
        tmp = self.config_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(cfg, f)
        os.replace(tmp, self.config_path)
        time.sleep(0.02)

    def requests(self):
        if not os.path.exists(self.log_path):
            return []
        return [json.loads(line) for line in open(self.log_path)]

    def count(self, path, status=None):
        return sum(1 for r in self.requests() if r["path"] == path and (status is None or r["status"] == status))

    def clear_log(self):
        if os.path.exists(self.log_path):
            os.unlink(self.log_path)

    def add_wheel(self, index, name, version, **kw):
        return make_wheel(os.path.join(self.root, index), name, version, **kw)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


@pytest.fixture
def index(tmp_path_factory):
    idx = Index(tmp_path_factory.mktemp("index"),
                ["a:alpha:1.0", "a:beta:2.0", "a:shared:1.0", "b:shared:9.0", "b:gamma:3.0"])
    yield idx
    idx.stop()


@pytest.fixture
def cache(tmp_path):
    return str(tmp_path / "cache")


def run(venvsync, project, *args, cache, env=None, check_rc=None):
    e = {"VENVSYNC_CACHE_DIR": cache, "VENVSYNC_HTTP_RETRIES": "1", "NETRC": "/nonexistent"}
    e.update(env or {})
    return venvsync(*args, cwd=project.root, env=e, check_rc=check_rc)


def manifest(project, packages, url, extra=(), find_links=(), requirements=()):
    lines = ["version: 1", f'python: "{DEBIAN_PYTHON}"', "index:"]
    if url:
        lines.append(f"  url: {url}")
    lines.append(f"  extra-urls: [{', '.join(extra)}]")
    lines.append(f"  find-links: [{', '.join(find_links)}]")
    lines += ["environments:", "  dev:", "    path: .venv",
              f"    packages: [{', '.join(json.dumps(p) for p in packages)}]"]
    if requirements:
        lines.append(f"    requirements: [{', '.join(requirements)}]")
    project.write("\n".join(lines) + "\n")


def dists(env):
    out = subprocess.run([os.path.join(env, "bin", "python"), "-c",
                          "import importlib.metadata as m; print(sorted((d.metadata['Name'], d.version) for d in m.distributions()))"],
                         capture_output=True, text=True, check=True).stdout
    return eval(out)


def site(env):
    return subprocess.run([os.path.join(env, "bin", "python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def cache_files(cache):
    d = os.path.join(cache, "downloads-v1")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def assert_cache_clean(cache):
    """No temporary file, and every downloaded file is named by its own sha256."""
    for n in cache_files(cache):
        assert not n.startswith(".tmp-"), n
        if n.startswith("url-"):
            continue
        assert sha256_of(os.path.join(cache, "downloads-v1", n)) == n


@pytest.fixture(scope="module", autouse=True)
def index_support(tmp_path_factory):
    """`venvsync sync` installs from an index URL, or every test of the module errors."""
    tmp = tmp_path_factory.mktemp("probe")
    idx = Index(tmp / "idx", ["a:probe:1.0"])
    proj = tmp / "proj"
    proj.mkdir()
    (proj / "venv.yaml").write_text(
        f'version: 1\npython: "{DEBIAN_PYTHON}"\nindex:\n  url: {idx.url("a")}\n'
        "environments:\n  dev:\n    path: .venv\n    packages: [probe==1.0]\n")
    try:
        p = subprocess.run([BIN, "sync"], cwd=str(proj), capture_output=True, text=True, timeout=120,
                           env={**os.environ, "VENVSYNC_CACHE_DIR": str(tmp / "cache"), "NO_COLOR": "1"})
    finally:
        idx.stop()
    assert p.returncode == 0, ("installing probe==1.0 from a local index failed "
                               f"(exit {p.returncode}):\n{p.stdout}\n{p.stderr}")


def test_install_from_index_json_and_html(venvsync, tmp_project, index, cache):
    manifest(tmp_project, ["alpha==1.0", "beta==2.0"], index.url("a"))
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    env = tmp_project.path(".venv")
    assert dists(env) == [("alpha", "1.0"), ("beta", "2.0")], r.stdout + r.stderr
    sp = site(env)
    assert not os.path.exists(os.path.join(sp, "alpha-1.0.dist-info", "direct_url.json")), \
        "an index install writes no direct_url.json"
    assert open(os.path.join(sp, "alpha-1.0.dist-info", "INSTALLER")).read() == "venvsync\n"
    reqs = index.requests()
    pages = [q for q in reqs if q["path"].startswith("/a/simple/")]
    assert {q["path"] for q in pages} == {"/a/simple/alpha/", "/a/simple/beta/"}
    assert all(q["accept"].startswith("application/vnd.pypi.simple.v1+json") for q in pages)
    assert_cache_clean(cache)
    # the same from an HTML-only index
    index.config({"format": "html"})
    shutil.rmtree(env)
    shutil.rmtree(cache)
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert dists(env) == [("alpha", "1.0"), ("beta", "2.0")]


def test_warm_run_only_revalidates(venvsync, tmp_project, index, cache):
    manifest(tmp_project, ["alpha==1.0", "beta==2.0"], index.url("a"))
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    # a no-op sync makes no request at all
    index.clear_log()
    assert "0 changed" in run(venvsync, tmp_project, "sync", cache=cache, check_rc=0).stdout
    assert index.requests() == []
    # a new environment from a warm cache and a fresh lock: no request either
    shutil.rmtree(tmp_project.path(".venv"))
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert index.requests() == []
    assert dists(tmp_project.path(".venv")) == [("alpha", "1.0"), ("beta", "2.0")]
    # relocking revalidates the pages (304); the metadata comes from the cache
    r = run(venvsync, tmp_project, "-v", "lock", "--upgrade", cache=cache, check_rc=0)
    reqs = index.requests()
    assert sorted((q["path"], q["status"]) for q in reqs) == [("/a/simple/alpha/", 304), ("/a/simple/beta/", 304)]
    assert all(q["if_none_match"] for q in reqs)
    assert ("venvsync: network: 2 requests (HTTP/1.1) over 1 new connection, 2 answered 304, "
            "0.0 MiB received") in r.stderr, r.stderr
    # with max-age the pages are fresh: no request at all
    index.config({"cache_control": "max-age=600"})
    shutil.rmtree(cache)
    shutil.rmtree(tmp_project.path(".venv"))
    run(venvsync, tmp_project, "lock", "--upgrade", cache=cache, check_rc=0)  # fill
    index.clear_log()
    run(venvsync, tmp_project, "lock", "--upgrade", cache=cache, check_rc=0)
    assert index.requests() == []


def test_an_extra_index_cannot_take_over_a_project(venvsync, tmp_project, index, cache):
    manifest(tmp_project, ["shared==9.0"], index.url("a"), extra=[index.url("b")])
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=2)
    assert "shared ==9.0 (venv.yaml:10:16) which doesn't match any versions (the sources have 1.0)" in r.stderr, r.stderr
    assert index.count("/b/simple/shared/") == 0
    # a project only the extra index has comes from there
    manifest(tmp_project, ["shared==1.0", "gamma==3.0"], index.url("a"), extra=[index.url("b")])
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv")) == [("gamma", "3.0"), ("shared", "1.0")]
    assert index.count("/a/simple/gamma/", 404) == 1 and index.count("/b/simple/gamma/", 200) == 1


def test_requirements_file_index_options_and_env_override(venvsync, tmp_project, index, cache):
    tmp_project.write(f"-i {index.url('b')}\nshared==9.0\n", "requirements.txt")
    manifest(tmp_project, [], index.url("a"), requirements=["requirements.txt"])
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv")) == [("shared", "9.0")]
    # VENVSYNC_INDEX_URL replaces every other index setting
    tmp_project.write("shared==1.0\n", "requirements.txt")
    manifest(tmp_project, [], index.url("b"), requirements=["requirements.txt"])
    run(venvsync, tmp_project, "sync", cache=cache, env={"VENVSYNC_INDEX_URL": index.url("a")}, check_rc=0)
    assert dists(tmp_project.path(".venv")) == [("shared", "1.0")]


def test_remote_find_links_and_direct_urls(venvsync, tmp_project, index, cache):
    links = f"{index.base}/b/links/"
    tmp_project.write(f"--no-index\n-f {links}\ngamma==3.0\n", "requirements.txt")
    manifest(tmp_project, [], None, requirements=["requirements.txt"])
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv")) == [("gamma", "3.0")]
    assert index.count("/b/links/") == 1
    # a direct wheel URL: installed with its direct_url.json
    url = f"{index.base}/a/files/alpha-1.0-py3-none-any.whl"
    manifest(tmp_project, [f"alpha @ {url}"], index.url("a"))
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    env = tmp_project.path(".venv")
    assert dists(env) == [("alpha", "1.0")]
    du = json.load(open(os.path.join(site(env), "alpha-1.0.dist-info", "direct_url.json")))
    assert du["url"] == url
    # credentials in a direct URL are used, never written to direct_url.json (PEP 610)
    index.config({"auth": {"alice": SECRET}})
    authed = url.replace("http://", f"http://alice:{SECRET}@")
    manifest(tmp_project, [f"alpha @ {authed}"], index.url("a"))
    shutil.rmtree(tmp_project.path(".venv"))
    shutil.rmtree(cache)
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert SECRET not in r.stdout + r.stderr
    du = json.load(open(os.path.join(site(env), "alpha-1.0.dist-info", "direct_url.json")))
    assert du["url"] == url


def test_direct_url_beside_find_links(venvsync, tmp_project, index, cache, tmp_path):
    """A `name @ URL` requirement while find-links is set (it used to fail with "internal: no
    fetched wheel"): the URL's wheel is installed, the folder serves the others."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    make_wheel(str(folder), "gamma", "3.0")
    url = f"{index.base}/a/files/alpha-1.0-py3-none-any.whl"
    manifest(tmp_project, [f"alpha @ {url}", "gamma==3.0"], index.url("a"),
             find_links=[str(folder)])
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    env = tmp_project.path(".venv")
    assert dists(env) == [("alpha", "1.0"), ("gamma", "3.0")], r.stdout + r.stderr
    du = json.load(open(os.path.join(site(env), "alpha-1.0.dist-info", "direct_url.json")))
    assert du["url"] == url
    run(venvsync, tmp_project, "check", cache=cache, check_rc=0)


def test_hash_mismatch_installs_nothing(venvsync, tmp_project, index, cache):
    bad = "0" * 64
    tmp_project.write(f"alpha==1.0 --hash=sha256:{bad}\n", "requirements.txt")
    manifest(tmp_project, [], index.url("a"), requirements=["requirements.txt"])
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=3)
    assert "hash mismatch" in r.stderr and bad in r.stderr, r.stderr
    assert not os.path.exists(tmp_project.path(".venv")) or dists(tmp_project.path(".venv")) == []
    assert_cache_clean(cache)
    # (the download itself matched the index's hash: it may stay in the cache)
    shutil.rmtree(cache)
    # a server that corrupts the file: the index's own hash catches it; nothing is kept
    good = sha256_of(os.path.join(index.root, "a", "alpha-1.0-py3-none-any.whl"))
    tmp_project.write(f"alpha==1.0 --hash=sha256:{good}\n", "requirements.txt")
    index.config({"faults": [{"path": "/a/files/*", "corrupt": True}]})
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=3)
    assert "hash mismatch" in r.stderr, r.stderr
    assert cache_files(cache) == []
    index.config({})
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert cache_files(cache) == [good]


def test_retries_and_failures(venvsync, tmp_project, index, cache):
    manifest(tmp_project, ["alpha==1.0"], index.url("a"))
    index.config({"faults": [{"path": "/a/simple/alpha/", "status": 503, "times": 1},
                             {"path": "/a/files/alpha-1.0-py3-none-any.whl", "reset_after": 64, "times": 1}]})
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert index.count("/a/simple/alpha/", 503) == 1 and index.count("/a/files/alpha-1.0-py3-none-any.whl") == 2
    assert_cache_clean(cache)
    # a persistent failure: exit 3, the message names the URL, nothing half-done
    shutil.rmtree(tmp_project.path(".venv"))
    shutil.rmtree(cache)
    index.config({"faults": [{"path": "/a/files/alpha-1.0-py3-none-any.whl", "stall": 30}]})
    t0 = time.time()
    r = run(venvsync, tmp_project, "sync", cache=cache, env={"VENVSYNC_HTTP_TIMEOUT": "1"}, check_rc=3)
    assert time.time() - t0 < 20
    assert "alpha-1.0-py3-none-any.whl" in r.stderr and "timed out" in r.stderr, r.stderr
    assert_cache_clean(cache)
    assert not any(n for n in cache_files(cache) if not n.startswith("url-"))


def test_credentials_never_printed(venvsync, tmp_project, index, cache, tmp_path):
    index.config({"auth": {"alice": SECRET}})
    manifest(tmp_project, ["alpha==1.0"], index.url("a"))
    r = run(venvsync, tmp_project, "sync", "-v", cache=cache, check_rc=3)
    assert "401" in r.stderr and "credentials" in r.stderr, r.stderr
    # in the URL
    manifest(tmp_project, ["alpha==1.0"], index.url("a", user=f"alice:{SECRET}"))
    r = run(venvsync, tmp_project, "sync", "-v", cache=cache, check_rc=0)
    assert SECRET not in r.stdout + r.stderr
    # wrong password in the URL: refused, and it is not shown either
    shutil.rmtree(tmp_project.path(".venv"))
    shutil.rmtree(cache)
    manifest(tmp_project, ["alpha==1.0"], index.url("a", user="alice:WrongPass123"))
    r = run(venvsync, tmp_project, "sync", "-v", cache=cache, check_rc=3)
    assert "401" in r.stderr and "WrongPass123" not in r.stdout + r.stderr, r.stderr
    assert "user 'alice'" in r.stderr and "were refused" in r.stderr, r.stderr
    r = run(venvsync, tmp_project, "plan", "--json", cache=cache)
    assert "WrongPass123" not in r.stdout + r.stderr
    # from a netrc file
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login alice password {SECRET}\n")
    manifest(tmp_project, ["alpha==1.0"], index.url("a"))
    r = run(venvsync, tmp_project, "sync", "-v", cache=cache, env={"NETRC": str(netrc)}, check_rc=0)
    assert SECRET not in r.stdout + r.stderr
    auth = [q["authorization"] for q in index.requests() if q["status"] == 200]
    assert auth and all(a == "Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode() for a in auth)
    # from the environment
    shutil.rmtree(tmp_project.path(".venv"))
    shutil.rmtree(cache)
    r = run(venvsync, tmp_project, "sync", cache=cache,
            env={"VENVSYNC_INDEX_USERNAME": "alice", "VENVSYNC_INDEX_PASSWORD": SECRET}, check_rc=0)
    assert SECRET not in r.stdout + r.stderr
    assert dists(tmp_project.path(".venv")) == [("alpha", "1.0")]


def test_offline(venvsync, tmp_project, index, cache):
    manifest(tmp_project, ["alpha==1.0", "beta==2.0"], index.url("a"))
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    shutil.rmtree(tmp_project.path(".venv"))
    index.clear_log()
    run(venvsync, tmp_project, "--offline", "sync", cache=cache, check_rc=0)
    assert index.requests() == []
    assert dists(tmp_project.path(".venv")) == [("alpha", "1.0"), ("beta", "2.0")]
    # what is missing is listed, exactly
    manifest(tmp_project, ["alpha==1.0", "beta==2.0", "gamma==3.0"], index.url("a"), extra=[index.url("b")])
    r = run(venvsync, tmp_project, "sync", cache=cache, env={"VENVSYNC_OFFLINE": "1"}, check_rc=3)
    assert "offline: no cached index page for gamma" in r.stderr, r.stderr
    assert index.requests() == []
    shutil.rmtree(os.path.join(cache, "wheels-v2"))
    shutil.rmtree(os.path.join(cache, "downloads-v1"))
    shutil.rmtree(tmp_project.path(".venv"))
    manifest(tmp_project, ["alpha==1.0", "beta==2.0"], index.url("a"))
    r = run(venvsync, tmp_project, "--offline", "sync", cache=cache, check_rc=3)
    assert "offline: 2 files are not in the cache" in r.stderr, r.stderr
    assert "alpha-1.0-py3-none-any.whl" in r.stderr and "beta-2.0-py3-none-any.whl" in r.stderr
    assert index.requests() == []


def make_ca(d):
    """A CA generated now and a certificate it signed for 127.0.0.1: (ca.pem, srv.pem, srv.key)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    subprocess.run(["openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                    "-subj", "/CN=venvsync-test-ca"], cwd=d, check=True, capture_output=True)
    subprocess.run(["openssl", "req", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1"],
                   cwd=d, check=True, capture_output=True)
    open(os.path.join(d, "ext.cnf"), "w").write("subjectAltName=IP:127.0.0.1\n")
    subprocess.run(["openssl", "x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf"],
                   cwd=d, check=True, capture_output=True)
    return tuple(os.path.join(d, n) for n in ("ca.pem", "srv.pem", "srv.key"))


def test_tls_with_a_private_ca(venvsync, tmp_project, tmp_path, cache):
    d = str(tmp_path)
    ca, cert, key = make_ca(d)
    idx = Index(tmp_path / "idx", ["a:alpha:1.0"], tls=(cert, key))
    try:
        manifest(tmp_project, ["alpha==1.0"], idx.url("a"))
        r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=3)
        assert "VENVSYNC_CA_BUNDLE" in r.stderr, r.stderr
        run(venvsync, tmp_project, "sync", cache=cache, env={"VENVSYNC_CA_BUNDLE": ca}, check_rc=0)
        assert dists(tmp_project.path(".venv")) == [("alpha", "1.0")]
    finally:
        idx.stop()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not shutil.which("nghttpd"), reason="nghttpd (apt-get install nghttp2-server) is not installed")
def test_http2_multiplexes_every_transfer_over_one_connection(venvsync, tmp_project, tmp_path, cache):
    """nghttpd (nghttp2's HTTP/2-only server) serves a static PEP 503 index over TLS: venvsync
    negotiates HTTP/2 by ALPN and runs its parallel page and file transfers as streams of one
    connection (-v reports what went over the wire)."""
    d = str(tmp_path)
    ca, cert, key = make_ca(d)
    docs = os.path.join(d, "docs")
    names = [f"h2pkg{i}" for i in range(12)]
    for n in names:
        w = make_wheel(os.path.join(docs, "files"), n, "1.0",
                       modules={f"{n}.py": "X = 1\n" + "# padding\n" * 3000})
        page = os.path.join(docs, "simple", n)
        os.makedirs(page)
        with open(os.path.join(page, "index.html"), "w") as f:
            f.write(f'<!DOCTYPE html><html><body><a href="../../files/{os.path.basename(w)}'
                    f'#sha256={sha256_of(w)}">{os.path.basename(w)}</a></body></html>\n')
    port = free_port()
    srv = subprocess.Popen(["nghttpd", "-a", "127.0.0.1", "-d", docs, str(port), key, cert],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert srv.poll() is None, srv.stderr.read().decode()
                time.sleep(0.05)
        manifest(tmp_project, [f"{n}==1.0" for n in names], f"https://127.0.0.1:{port}/simple")
        r = run(venvsync, tmp_project, "-v", "sync", cache=cache, env={"VENVSYNC_CA_BUNDLE": ca},
                check_rc=0)
        assert dists(tmp_project.path(".venv")) == sorted((n, "1.0") for n in names)
        net = [line for line in r.stderr.splitlines() if "network:" in line]
        assert net == [f"venvsync: network: 24 requests (HTTP/2) over 1 new connection, "
                       f"{net[0].split(', ')[-1]}"], r.stderr
        assert_cache_clean(cache)
    finally:
        srv.terminate()
        srv.wait()


class Proxy:
    """A forwarding HTTP proxy on 127.0.0.1 that logs the absolute URL of every request."""

    def __init__(self):
        import http.server
        import threading
        import urllib.request
        self.seen = []
        seen = self.seen

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(self.path)
                req = urllib.request.Request(self.path, headers={
                    k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "host")})
                try:
                    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req) as resp:
                        status, headers, body = resp.status, resp.headers, resp.read()
                except urllib.error.HTTPError as e:
                    status, headers, body = e.code, e.headers, e.read()
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_proxy_from_the_environment(venvsync, tmp_project, index, cache):
    """http_proxy sends every request through the proxy; no_proxy exempts the index's host."""
    proxy = Proxy()
    try:
        manifest(tmp_project, ["alpha==1.0"], index.url("a"))
        env = {"http_proxy": proxy.url, "no_proxy": ""}
        run(venvsync, tmp_project, "sync", cache=cache, env=env, check_rc=0)
        assert dists(tmp_project.path(".venv")) == [("alpha", "1.0")]
        assert any(u.startswith(index.base + "/a/simple/alpha") for u in proxy.seen), proxy.seen
        assert any(u.endswith(".whl") for u in proxy.seen), proxy.seen
        # no_proxy: the same sync of another pin goes straight to the index
        del proxy.seen[:]
        manifest(tmp_project, ["alpha==1.0", "beta==2.0"], index.url("a"))
        run(venvsync, tmp_project, "sync", cache=cache,
            env={"http_proxy": proxy.url, "no_proxy": "127.0.0.1"}, check_rc=0)
        assert proxy.seen == []
        assert dists(tmp_project.path(".venv")) == [("alpha", "1.0"), ("beta", "2.0")]
    finally:
        proxy.stop()


def test_yanked_and_requires_python(venvsync, tmp_project, index, cache):
    index.add_wheel("a", "old", "1.0")
    with open(os.path.join(index.root, "a", "old-1.0-py3-none-any.whl.meta.json"), "w") as f:
        json.dump({"yanked": "use 2.0"}, f)
    index.add_wheel("a", "future", "1.0")
    with open(os.path.join(index.root, "a", "future-1.0-py3-none-any.whl.meta.json"), "w") as f:
        json.dump({"requires_python": ">=4"}, f)
    manifest(tmp_project, ["old==1.0"], index.url("a"))
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert ("warning: dev: old 1.0 is yanked (use 2.0); it is used because it is pinned exactly"
            in r.stderr), r.stderr
    # not pinned exactly: a yanked version is never chosen
    index.add_wheel("a", "old", "0.9")
    manifest(tmp_project, ["old>=0.9"], index.url("a"))
    run(venvsync, tmp_project, "lock", "--upgrade", cache=cache, check_rc=0)
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert ("old", "0.9") in dists(tmp_project.path(".venv"))
    manifest(tmp_project, ["future==1.0"], index.url("a"))
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=2)
    assert "future 1.0 is unavailable (it requires Python >=4)" in r.stderr, r.stderr


def big_wheel(index, name, size=1_500_000):
    """A wheel of about `size` incompressible bytes (a slow server takes a while to send it)."""
    return index.add_wheel("a", name, "1.0", extra_files={f"{name}/blob.bin": os.urandom(size)})


def test_a_run_killed_mid_download_leaves_no_file_and_the_next_run_cleans_up(
        venvsync, tmp_project, index, cache):
    big_wheel(index, "bigone")
    index.config({"faults": [{"path": "/a/files/bigone-1.0-py3-none-any.whl", "rate": 150_000}]})
    manifest(tmp_project, ["bigone==1.0"], index.url("a"))
    env = {**os.environ, "VENVSYNC_CACHE_DIR": cache, "NETRC": "/nonexistent", "NO_COLOR": "1"}
    p = subprocess.Popen([BIN, "sync"], cwd=tmp_project.root, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    tmp = []
    try:
        for _ in range(400):
            tmp = [n for n in cache_files(cache) if n.startswith(".tmp-")]
            if tmp and os.path.getsize(os.path.join(cache, "downloads-v1", tmp[0])) > 100_000:
                break
            assert p.poll() is None, "the download should still be running"
            time.sleep(0.025)
        assert tmp, "the partial download is written to a .tmp- file"
    finally:
        os.killpg(p.pid, 9)
        p.wait()
    assert not os.path.exists(tmp_project.path(".venv")), "no environment from unverified files"
    assert [n for n in cache_files(cache) if not n.startswith(".tmp-")] == []
    # The next run (at full speed) removes the dead run's partial file once it is a few seconds
    # old: age it instead of waiting.
    old = time.time() - 60
    os.utime(os.path.join(cache, "downloads-v1", tmp[0]), (old, old))
    index.config({})
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    assert dists(tmp_project.path(".venv")) == [("bigone", "1.0")]
    assert_cache_clean(cache)


def test_two_runs_downloading_the_same_files_at_once(venvsync, tmp_path_factory, index, cache):
    """Two projects, one cache, the same slow downloads in flight at the same time: both
    succeed, and the cache holds each file once, verified. A live run's partial file is never
    removed by the other (it holds a lock on it)."""
    big_wheel(index, "sharedbig", 800_000)
    index.config({"faults": [{"path": "/a/files/sharedbig-1.0-py3-none-any.whl", "rate": 400_000}]})
    procs, projects = [], []
    env = {**os.environ, "VENVSYNC_CACHE_DIR": cache, "NETRC": "/nonexistent", "NO_COLOR": "1"}
    for i in range(2):
        d = tmp_path_factory.mktemp(f"proj{i}")
        with open(d / "venv.yaml", "w") as f:
            f.write(f'version: 1\npython: "{DEBIAN_PYTHON}"\nindex:\n  url: {index.url("a")}\n'
                    "environments:\n  dev:\n    path: .venv\n    packages: [sharedbig==1.0, alpha==1.0]\n")
        projects.append(d)
    procs.append(subprocess.Popen([BIN, "sync"], cwd=str(projects[0]), env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    # Once the first run's partial file exists, make it look old: the second run's clean-up
    # must still leave it alone, because its writer is alive (and holds its lock).
    tmp = []
    for _ in range(400):
        tmp = [n for n in cache_files(cache) if n.startswith(".tmp-")]
        if tmp:
            break
        time.sleep(0.025)
    assert tmp
    old = time.time() - 60
    os.utime(os.path.join(cache, "downloads-v1", tmp[0]), (old, old))
    procs.append(subprocess.Popen([BIN, "sync"], cwd=str(projects[1]), env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    for d in projects:
        assert dists(str(d / ".venv")) == [("alpha", "1.0"), ("sharedbig", "1.0")]
    assert index.count("/a/files/sharedbig-1.0-py3-none-any.whl") == 2, "both were in flight"
    assert_cache_clean(cache)


def test_a_dead_server_is_a_clear_error_and_changes_nothing(venvsync, tmp_project, index, cache):
    manifest(tmp_project, ["alpha==1.0"], index.url("a"))
    run(venvsync, tmp_project, "sync", cache=cache, check_rc=0)
    port = free_port()   # nothing listens there
    manifest(tmp_project, ["alpha==1.0", "beta==2.0"], f"http://127.0.0.1:{port}/a/simple")
    before = {k: v for k, v in tmp_project.snapshot().items() if k != "venv.yaml"}
    t0 = time.time()
    r = run(venvsync, tmp_project, "sync", cache=cache, check_rc=3)
    assert time.time() - t0 < 30
    assert f"127.0.0.1:{port}" in r.stderr and "beta" in r.stderr, r.stderr
    assert "onnect" in r.stderr, r.stderr    # "Couldn't connect" / "connection refused"
    assert {k: v for k, v in tmp_project.snapshot().items() if k != "venv.yaml"} == before
    assert dists(tmp_project.path(".venv")) == [("alpha", "1.0")]
    assert_cache_clean(cache)
