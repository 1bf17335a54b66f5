"""resolve/pylock (PEP 751 lock files) against Python's tomllib and packaging.pylock, through the
test-only tool pylock_tool (built next to the venvsync binary with VENVSYNC_TESTS).

Seeded random lock models are written by our writer; tomllib must read each to exactly the data
PEP 751 says (keys, types, order of keys, sorted packages and wheels, `name` only when it is not
the default) and our reader must read it back to the model. Where an interpreter with
packaging >= 26.1 (packaging.pylock with Pylock.select) is found, packaging must accept every
written lock and select the same entries and files as we do for several targets (Linux x86_64,
macOS arm64, Windows amd64; extras and dependency groups), failing where we fail; and it must
refuse the invalid documents we refuse for PEP 751's own rules."""
import datetime
import json
import os
import random
import subprocess
import sys
import tomllib
import urllib.parse

import pytest

from conftest import BIN, interpreters

TOOL = os.path.join(os.path.dirname(BIN), "pylock_tool")
H = "c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a"


@pytest.fixture(scope="module")
def tool():
    if not os.path.exists(TOOL):
        pytest.fail(f"{TOOL} is missing: build with -DVENVSYNC_TESTS=ON")
    return TOOL


def run(tool, *args, stdin=None):
    return subprocess.run([tool, *args], input=stdin, capture_output=True, text=True, timeout=60)


def write_lock(tool, model):
    r = run(tool, "write", "-", stdin=json.dumps(model))
    assert r.returncode == 0, r.stderr
    return r.stdout


# ---- random models (PEP 751 shaped dicts, as pylock_tool takes them) ----------------------------

NAMES = ["attrs", "numpy", "tomli", "my-app", "zope-interface", "pywin32"]
MARKERS = [
    "sys_platform == 'linux'", "sys_platform == 'win32'", "sys_platform == 'darwin'",
    "python_version < '3.12'", "python_full_version >= '3.12.1'", "platform_machine == 'arm64'",
    "'cli' in extras", "'test' in dependency_groups", "'cli' not in extras and os_name == 'posix'",
    "implementation_name == 'cpython' and python_version >= '3.11'",
]
PAIRS = [
    ("python_version < '3.12'", "python_version >= '3.12'"),
    ("sys_platform == 'win32'", "sys_platform != 'win32'"),
    ("'cli' in extras", "'cli' not in extras"),
    ("'test' in dependency_groups", "'test' not in dependency_groups"),
]
TAGS = [
    "py3-none-any", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp312-cp312-manylinux_2_28_x86_64", "cp312-abi3-macosx_11_0_arm64", "cp312-cp312-win_amd64",
    "cp39-abi3-win_amd64", "cp313-cp313-musllinux_1_2_aarch64", "py2.py3-none-any",
    "cp311-abi3-macosx_10_9_universal2",
]
SPECS = [">=3.8", "==3.12.*", ">=3.9,<4", "~=3.10", "!=3.11.7", ">=3.12"]
TEXT = ["plain", "quote \" and \\ backslash", "caf\u00e9 \u2713", "tab\there", "'single'"]


def gen_file(rng, fname, named=True):
    f = {}
    how = rng.randrange(4)
    if how in (0, 3):
        f["url"] = "https://files.example/p%20q/" + urllib.parse.quote(fname)
    if how in (1, 3):
        f["path"] = rng.choice(["wheels/", "/abs/dir with space/", "..\\win\\"]) + fname
    if how == 2:
        if named:
            f["url"] = "https://dl.example/get?id=%d" % rng.randrange(1000)
            f["name"] = fname
        else:
            f["url"] = "https://dl.example/" + fname
    elif named and rng.randrange(3) == 0:
        f["name"] = fname
    if rng.randrange(3):
        f["size"] = rng.randrange(10**9)
    if rng.randrange(2):
        f["upload-time"] = "2024-%02d-%02dT%02d:30:10%sZ" % (
            rng.randint(1, 12), rng.randint(1, 28), rng.randrange(24),
            rng.choice(["", ".5", ".123456"]))
    f["hashes"] = {"sha256": "%064x" % rng.getrandbits(256)}
    if rng.randrange(3) == 0:
        f["hashes"]["sha512"] = "%0128x" % rng.getrandbits(512)
    if rng.randrange(4) == 0:
        f["hashes"]["blake2b"] = "anything"
    return f


def gen_entry(rng, name, i, marker):
    kind = rng.randrange(10)
    p = {"name": name}
    if kind < 7:
        ver = "%d.%d" % (i, rng.randrange(10))
        p["version"] = ver
        esc = name.replace("-", "_")
        if kind == 6:
            p["archive"] = gen_file(rng, f"{esc}-{ver}.tar.gz", named=False)
            if rng.randrange(2):
                p["archive"]["subdirectory"] = "sub/dir"
        else:
            tags = rng.sample(TAGS, rng.randrange(4))
            if tags:
                p["wheels"] = [gen_file(rng, f"{esc}-{ver}-{t}.whl") for t in tags]
            if not tags or rng.randrange(2):
                p["sdist"] = gen_file(rng, f"{esc}-{ver}." + rng.choice(["tar.gz", "zip"]))
    elif kind < 9:
        p["directory"] = {"path": rng.choice([".", "../sibling project", "/abs/src"])}
        if rng.randrange(2):
            p["directory"]["editable"] = True
        if rng.randrange(3) == 0:
            p["directory"]["subdirectory"] = "python"
    else:
        p["vcs"] = {"type": rng.choice(["git", "hg"]), "commit-id": "%040x" % rng.getrandbits(160)}
        if rng.randrange(2):
            p["vcs"]["url"] = "https://example.com/repo.git"
        else:
            p["vcs"]["path"] = "../repo"
        if rng.randrange(2):
            p["vcs"]["requested-revision"] = rng.choice(TEXT)
    if marker:
        p["marker"] = marker
    if rng.randrange(4) == 0:
        p["requires-python"] = rng.choice(SPECS)
    if rng.randrange(3) == 0:
        p["index"] = "https://pypi.org/simple"
    if rng.randrange(3) == 0:
        p["dependencies"] = [{"name": n} for n in rng.sample(NAMES, 2)]
        if rng.randrange(2):
            p["dependencies"][0]["version"] = "1.0"
    if rng.randrange(5) == 0:
        p["attestation-identities"] = [{"kind": "GitHub", "repository": rng.choice(TEXT)}]
    return p


def gen_model(rng):
    m = {"lock-version": "1.0", "created-by": rng.choice(["venvsync"] + TEXT)}
    if rng.randrange(3) == 0:
        m["environments"] = rng.sample(["sys_platform == 'linux'", "sys_platform == 'darwin'",
                                        "sys_platform == 'win32'", "os_name == 'posix'"],
                                       rng.randint(1, 3))
    if rng.randrange(3) == 0:
        m["requires-python"] = rng.choice(SPECS)
    m["extras"] = rng.sample(["cli", "bench", "docs-extra"], rng.randrange(4))
    m["dependency-groups"] = rng.sample(["test", "lint", "docs"], rng.randrange(4))
    if rng.randrange(3) == 0:
        m["default-groups"] = ["default"]
    pkgs = []
    for i, name in enumerate(rng.sample(NAMES, rng.randrange(len(NAMES) + 1))):
        r = rng.random()
        if r < 0.6:
            pkgs.append(gen_entry(rng, name, 2 * i, rng.choice([None, None] + MARKERS)))
        elif r < 0.9:
            a, b = rng.choice(PAIRS)
            pkgs.append(gen_entry(rng, name, 2 * i, a))
            pkgs.append(gen_entry(rng, name, 2 * i + 1, b))
        else:   # overlapping markers: ambiguous wherever both hold
            pkgs.append(gen_entry(rng, name, 2 * i, rng.choice(MARKERS)))
            pkgs.append(gen_entry(rng, name, 2 * i + 1, None))
    rng.shuffle(pkgs)
    m["packages"] = pkgs
    vs = {}
    if rng.randrange(2):
        vs["inputs"] = "sha256:%064x" % rng.getrandbits(256)
    if rng.randrange(2):
        vs["fork-markers"] = rng.sample(MARKERS, 2)
    if pkgs and rng.randrange(2):
        vs["requested"] = sorted({p["name"] for p in rng.sample(pkgs, 1 + rng.randrange(len(pkgs)))})
    if rng.randrange(2):
        vs["python-request"] = rng.choice(TEXT)
    if vs:
        m["tool"] = {"venvsync": vs}
    return m


# ---- what the writer must produce, as tomllib reads it -------------------------------------------

def default_name(f):
    if "path" in f:
        return f["path"].replace("\\", "/").rsplit("/", 1)[-1]
    return urllib.parse.unquote(urllib.parse.urlparse(f["url"]).path.rsplit("/", 1)[-1])


def file_name(f):
    return f.get("name") or default_name(f)


def as_datetime(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


FILE_KEYS = ["name", "upload-time", "url", "path", "size", "hashes", "subdirectory"]
PKG_KEYS = ["name", "version", "marker", "requires-python", "dependencies", "vcs", "directory",
            "archive", "index", "sdist", "wheels", "attestation-identities"]
TOP_KEYS = ["lock-version", "environments", "requires-python", "extras", "dependency-groups",
            "default-groups", "created-by", "packages", "tool"]


def expected_file(f, named):
    out = {}
    for k in FILE_KEYS:
        if k not in f:
            continue
        if k == "name" and (not named or f["name"] == default_name(dict(f, name=None))):
            continue
        out[k] = as_datetime(f[k]) if k == "upload-time" else f[k]
    out["hashes"] = dict(sorted(f["hashes"].items()))
    return out


def version_key(v):
    return (0,) if v is None else (1,) + tuple(int(x) for x in v.split("."))


def expected_doc(m):
    d = {"lock-version": m["lock-version"]}
    if m.get("environments"):
        d["environments"] = m["environments"]
    if "requires-python" in m:
        d["requires-python"] = m["requires-python"]
    d["extras"] = sorted(m.get("extras", []))
    d["dependency-groups"] = sorted(m.get("dependency-groups", []))
    if m.get("default-groups"):
        d["default-groups"] = sorted(m["default-groups"])
    d["created-by"] = m["created-by"]
    pkgs = []
    for p in sorted(m["packages"], key=lambda p: (p["name"], version_key(p.get("version")),
                                                  p.get("marker") is not None,
                                                  p.get("marker") or "")):
        q = {}
        for k in PKG_KEYS:
            if k not in p:
                continue
            if k == "wheels":
                q[k] = [expected_file(w, True) for w in sorted(p[k], key=file_name)]
            elif k == "sdist":
                q[k] = expected_file(p[k], True)
            elif k == "archive":
                q[k] = expected_file(p[k], False)
            elif k == "directory":
                q[k] = {x: p[k][x] for x in ("path", "editable", "subdirectory") if x in p[k]}
            elif k == "vcs":
                q[k] = {x: p[k][x] for x in ("type", "url", "path", "requested-revision",
                                             "commit-id", "subdirectory") if x in p[k]}
            else:
                q[k] = p[k]
        pkgs.append(q)
    d["packages"] = pkgs
    vs = (m.get("tool") or {}).get("venvsync")
    if vs:
        e = {}
        for k in ("inputs", "fork-markers"):
            if k in vs:
                e[k] = vs[k]
        if "requested" in vs:
            e["requested"] = sorted(vs["requested"])
        for k in sorted(x for x in vs if x not in ("inputs", "fork-markers", "requested")):
            e[k] = vs[k]
        d["tool"] = {"venvsync": e}
    return d


def models(seed, n):
    rng = random.Random(seed)
    return [gen_model(rng) for _ in range(n)]


def test_tomllib_reads_what_we_write(tool):
    for i, m in enumerate(models(751, 150)):
        text = write_lock(tool, m)
        doc = tomllib.loads(text)
        want = expected_doc(m)
        assert doc == want, f"model {i}:\n{text}"
        # key order: the specification's, at the top and in every package and file
        assert list(doc) == [k for k in TOP_KEYS if k in doc]
        for p in doc["packages"]:
            assert list(p) == [k for k in PKG_KEYS if k in p]
            for f in p.get("wheels", []) + [p[k] for k in ("sdist", "archive") if k in p]:
                assert list(f) == [k for k in FILE_KEYS if k in f]
        # layout: one [[packages]] section each, one wheel per line, extras always written
        assert text.count("\n[[packages]]\n") == len(m["packages"])
        nwheels = sum(len(p.get("wheels", [])) for p in m["packages"])
        assert text.count("\n  { ") >= nwheels
        assert "\nextras = [" in text and "\ndependency-groups = [" in text
        assert text == write_lock(tool, json.loads(run(tool, "read", "-", stdin=text).stdout)), \
            "rewriting what was read changed the text"


def normalize_read(j):
    """Our reader's JSON, shaped like expected_doc's input (defaults dropped)."""
    j = dict(j)
    assert j.pop("warnings") == []
    for p in j["packages"]:
        assert p.pop("line") > 0
    return j


def test_our_reader_reads_what_we_write(tool):
    for i, m in enumerate(models(2025, 80)):
        text = write_lock(tool, m)
        r = run(tool, "read", "-", stdin=text)
        assert r.returncode == 0, r.stderr
        got = normalize_read(json.loads(r.stdout))
        # written again from what was read: the same TOML, so the same data
        assert tomllib.loads(write_lock(tool, got)) == expected_doc(m), f"model {i}"
        # file names are always known after reading
        for p in got["packages"]:
            for f in p.get("wheels", []) + [p[k] for k in ("sdist", "archive") if k in p]:
                assert f["name"]


# ---- packaging.pylock --------------------------------------------------------------------------

HELPER = r"""
import json, sys, tomllib
from packaging.pylock import Pylock, PackageWheel, PackageSdist, PackageDirectory, PackageArchive, PackageVcs
from packaging.tags import Tag
KINDS = {PackageWheel: "wheel", PackageSdist: "sdist", PackageDirectory: "directory",
         PackageArchive: "archive", PackageVcs: "vcs"}
out = []
for job in json.load(sys.stdin):
    try:
        lock = Pylock.from_dict(tomllib.loads(job["text"]))
    except Exception as e:
        out.append({"invalid": "%s: %s" % (type(e).__name__, e)})
        continue
    if "target" not in job:
        out.append({"valid": True})
        continue
    t = job["target"]
    try:
        picks = []
        for pkg, src in lock.select(environment=t["env"],
                                    tags=[Tag(*x.split("-")) for x in t["tags"]],
                                    extras=t.get("extras"),
                                    dependency_groups=t.get("groups")):
            kind = KINDS[type(src)]
            picks.append([pkg.name, str(pkg.version) if pkg.version else None, kind,
                          src.filename if kind in ("wheel", "sdist") else None])
        out.append({"picks": picks})
    except Exception as e:
        out.append({"error": "%s: %s" % (type(e).__name__, e)})
json.dump(out, sys.stdout)
"""


def packaging_python():
    probe = ("import packaging, packaging.pylock as p, tomllib; "
             "assert hasattr(p.Pylock, 'select'); print(packaging.__version__)")
    for exe in [sys.executable] + interpreters():
        r = subprocess.run([exe, "-c", probe], capture_output=True, text=True)
        if r.returncode == 0:
            return exe
    return None


@pytest.fixture(scope="module")
def packaging_py():
    exe = packaging_python()
    if not exe:
        pytest.skip("no interpreter here has packaging >= 26.1 (packaging.pylock with "
                    "Pylock.select); install it to compare with packaging")
    return exe


def run_packaging(exe, jobs):
    r = subprocess.run([exe, "-c", HELPER], input=json.dumps(jobs), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def target(name, env, facts, extras=None, groups=None):
    return {"name": name, "env": env, "facts": facts, "extras": extras, "groups": groups}


def env_for(system, machine, py, impl="cpython"):
    return {
        "os_name": "nt" if system == "win32" else "posix", "sys_platform": system,
        "platform_machine": machine, "platform_python_implementation": "CPython",
        "platform_release": "", "platform_version": "",
        "platform_system": {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}[system],
        "python_version": ".".join(py.split(".")[:2]), "python_full_version": py,
        "implementation_name": impl, "implementation_version": py,
    }


def facts_for(system, machine, py, **kw):
    major, minor = (int(x) for x in py.split(".")[:2])
    f = {"implementation": "cpython", "major": major, "minor": minor, "abiflags": "",
         "system": system, "machine": machine, "pointer_bits": 64}
    f.update(kw)
    return f


TARGETS = [
    target("linux-311", env_for("linux", "x86_64", "3.11.7"),
           facts_for("linux", "x86_64", "3.11.7", libc="glibc", libc_version="2.36")),
    target("linux-312-cli-test", env_for("linux", "x86_64", "3.12.1"),
           facts_for("linux", "x86_64", "3.12.1", libc="glibc", libc_version="2.28"),
           extras=["cli"], groups=["test"]),
    target("mac-312", env_for("darwin", "arm64", "3.12.1"),
           facts_for("darwin", "arm64", "3.12.1", mac_version="14.2")),
    target("win-312-nogroups", env_for("win32", "AMD64", "3.12.1"),
           facts_for("win32", "AMD64", "3.12.1", platform="win-amd64"), groups=[]),
    target("musl-313", env_for("linux", "aarch64", "3.13.0"),
           facts_for("linux", "aarch64", "3.13.0", libc="musl", libc_version="1.2.4")),
]


def our_select(tool, tmp_path, text, t):
    lock = tmp_path / "pylock.dev.toml"
    lock.write_text(text)
    tj = {"env": t["env"], "facts": t["facts"], "lock_dir": str(tmp_path)}
    if t["extras"] is not None:
        tj["extras"] = t["extras"]
    if t["groups"] is not None:
        tj["groups"] = t["groups"]
    tf = tmp_path / "target.json"
    tf.write_text(json.dumps(tj))
    r = run(tool, "select", str(lock), str(tf))
    if r.returncode != 0:
        assert r.returncode == 1 and r.stderr.startswith("pylock.dev.toml"), r.stderr
        return {"error": r.stderr.strip()}
    return {"picks": [[p["name"], p.get("version"), p["kind"],
                       p["file"] if p["kind"] in ("wheel", "sdist") else None]
                      for p in json.loads(r.stdout)["picks"]]}


def test_packaging_accepts_and_selects_alike(tool, tmp_path, packaging_py):
    tags = {}
    for t in TARGETS:
        tf = tmp_path / "t.json"
        tf.write_text(json.dumps({"facts": t["facts"]}))
        r = run(tool, "tags", str(tf))
        assert r.returncode == 0, r.stderr
        tags[t["name"]] = json.loads(r.stdout)
    texts = [write_lock(tool, m) for m in models(4242, 120)]
    jobs, ours = [], []
    for text in texts:
        for t in TARGETS:
            pt = {"env": t["env"], "tags": tags[t["name"]]}
            if t["extras"] is not None:
                pt["extras"] = t["extras"]
            if t["groups"] is not None:
                pt["groups"] = t["groups"]
            jobs.append({"text": text, "target": pt})
            ours.append(our_select(tool, tmp_path, text, t))
    theirs = run_packaging(packaging_py, jobs)
    both_ok = both_err = 0
    for job, a, b in zip(jobs, ours, theirs):
        assert "invalid" not in b, f"packaging refuses our lock: {b['invalid']}\n{job['text']}"
        if "error" in a or "error" in b:
            assert "error" in a and "error" in b, (
                f"ours: {a}\npackaging: {b}\ntarget: {job['target']['env']}\n{job['text']}")
            both_err += 1
            continue
        assert a["picks"] == b["picks"], f"target: {job['target']['env']}\n{job['text']}"
        both_ok += 1
    # the comparison means something only if both outcomes happen often
    assert both_ok > 150 and both_err > 30, (both_ok, both_err)


S = "a" * 64
BASE = 'lock-version = "1.0"\ncreated-by = "x"\n'
INVALID = [
    # source exclusivity
    BASE + '[[packages]]\nname = "a"\n',
    BASE + '[[packages]]\nname = "a"\ndirectory = { path = "." }\n'
           'vcs = { type = "git", url = "u", commit-id = "c" }\n',
    BASE + '[[packages]]\nname = "a"\nversion = "1.0"\ndirectory = { path = "." }\n'
           f'wheels = [{{ url = "https://h/a-1.0-py3-none-any.whl", hashes = {{ sha256 = "{S}" }} }}]\n',
    # file names that do not match the entry
    BASE + '[[packages]]\nname = "a"\nversion = "1.0"\n'
           f'wheels = [{{ url = "https://h/b-1.0-py3-none-any.whl", hashes = {{ sha256 = "{S}" }} }}]\n',
    BASE + '[[packages]]\nname = "a"\nversion = "1.0"\n'
           f'wheels = [{{ url = "https://h/a-2.0-py3-none-any.whl", hashes = {{ sha256 = "{S}" }} }}]\n',
    BASE + '[[packages]]\nname = "a"\nversion = "1.0"\n'
           f'wheels = [{{ url = "https://h/a-1.0.whl", hashes = {{ sha256 = "{S}" }} }}]\n',
    BASE + '[[packages]]\nname = "a"\nversion = "1.0"\n'
           f'sdist = {{ url = "https://h/a-1.0.tar.bz2", hashes = {{ sha256 = "{S}" }} }}\n',
    # required keys, types, names
    BASE + '[[packages]]\nname = "A_b"\ndirectory = { path = "." }\n',
    BASE + '[[packages]]\nname = "a"\nversion = "1.0"\n'
           'wheels = [{ url = "https://h/a-1.0-py3-none-any.whl" }]\n',
    BASE + '[[packages]]\nname = "a"\nversion = "1.0"\n'
           'wheels = [{ url = "https://h/a-1.0-py3-none-any.whl", hashes = {} }]\n',
    BASE + '[[packages]]\nname = "a"\nversion = "1.0"\n'
           f'wheels = [{{ hashes = {{ sha256 = "{S}" }} }}]\n',
    BASE + '[[packages]]\nname = "a"\nversion = "x y"\ndirectory = { path = "." }\n',
    BASE + '[[packages]]\nname = "a"\nmarker = "os_name ="\ndirectory = { path = "." }\n',
    BASE + '[[packages]]\nname = "a"\nrequires-python = "3"\ndirectory = { path = "." }\n',
    BASE + '[[packages]]\nname = "a"\ndirectory = { path = "." }\n'
           'attestation-identities = [{ repository = "r" }]\n',
    'lock-version = "2.0"\ncreated-by = "x"\npackages = []\n',
    'lock-version = "1.0"\npackages = []\n',
    BASE,
    BASE + 'extras = ["Cli"]\npackages = []\n',
    BASE + 'environments = ["os_name ="]\npackages = []\n',
]


def test_invalid_documents_refused_by_both(tool, tmp_path, packaging_py):
    theirs = run_packaging(packaging_py, [{"text": t} for t in INVALID])
    for text, b in zip(INVALID, theirs):
        r = run(tool, "read", "-", stdin=text)
        assert r.returncode == 1, f"we accept:\n{text}"
        assert r.stderr.startswith("-"), r.stderr     # the display name: stdin is "-"
        assert "invalid" in b, f"packaging accepts:\n{text}"


def test_valid_documents_accepted_by_both(tool, packaging_py):
    valid = [
        BASE + "packages = []\n",
        BASE + '[[packages]]\nname = "a"\ndirectory = { path = "." }\n',
        BASE + '[[packages]]\nname = "a"\nversion = "1.0"\n'
               f'sdist = {{ name = "a-1.0.tar.gz", url = "https://h/x?id=1", hashes = {{ sha256 = "{S}" }} }}\n',
        BASE + '[[packages]]\nname = "a-b"\nversion = "1.0.0"\n'
               f'wheels = [{{ path = "w/A_B-1.0-py3-none-any.whl", hashes = {{ sha256 = "{S}" }} }}]\n',
        BASE + '[[packages]]\nname = "a"\nmarker = "\'x\' in extras"\n'
               'vcs = { type = "git", url = "https://h/r.git", commit-id = "c" }\n',
    ]
    theirs = run_packaging(packaging_py, [{"text": t} for t in valid])
    for text, b in zip(valid, theirs):
        r = run(tool, "read", "-", stdin=text)
        assert r.returncode == 0, f"{r.stderr}\n{text}"
        assert b == {"valid": True}, f"packaging: {b}\n{text}"
