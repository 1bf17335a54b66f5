"""Crashes and concurrency: kill -9 at random moments and at every file link/unlink of an
in-place package change (strace fault injection), several runs at once."""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import BIN, DEBIAN_PYTHON, SRC, env_python, interpreters, python_version

sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
from wheels import make_wheel  # noqa: E402


def write_manifest(project, python, n_envs=3):
    body = f'version: 1\npython: "{python}"\nenvironments:\n'
    for i in range(n_envs):
        body += f"  e{i}: {{prompt: p{i}}}\n"
    project.write(body)


def assert_valid_env(path):
    """A complete environment: its python runs with the environment as prefix."""
    assert os.path.exists(os.path.join(path, "pyvenv.cfg")), path
    out = env_python(path, "import sys; print(sys.prefix)").strip()
    assert out == path


def stage_leftovers(project):
    root = project.path(".venvs")
    if not os.path.isdir(root):
        return []
    return [n for n in os.listdir(root) if "venvsync-stage" in n]


def test_concurrent_syncs_wait_for_each_other(venvsync, tmp_project, cache_dir):
    write_manifest(tmp_project, DEBIAN_PYTHON, 4)
    env = dict(os.environ, VENVSYNC_CACHE_DIR=cache_dir, NO_COLOR="1")
    procs = [subprocess.Popen([BIN, "sync"], cwd=tmp_project.root, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(6)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    for out, err, rc in results:
        assert rc == 0, err
    changed = sum(int(out.split(" changed")[0].split()[-1]) for out, _, _ in results)
    assert changed == 4, "each environment was created exactly once across all runs"
    for i in range(4):
        assert_valid_env(tmp_project.path(".venvs", f"e{i}"))
    assert stage_leftovers(tmp_project) == []
    venvsync("check", cwd=tmp_project.root, check_rc=0)


WHOLE = r"""
import base64, hashlib, importlib.metadata as m, json, os, sys, sysconfig
assert sys.prefix == sys.argv[1], (sys.prefix, sys.argv[1])
site = sysconfig.get_paths()["purelib"]
dists, claimed = {}, set()
for d in m.distributions(path=[site]):
    files, bad = d.files or [], []
    for f in files:
        p = str(f.locate())
        claimed.add(os.path.normpath(p))
        if f.hash:
            try:
                data = open(p, "rb").read()
            except OSError:
                bad.append("missing " + str(f)); continue
            h = base64.urlsafe_b64encode(hashlib.new(f.hash.mode, data).digest()).rstrip(b"=").decode()
            if h != f.hash.value:
                bad.append("changed " + str(f))
    dists[d.metadata["Name"]] = [d.version, bool(files), bad]
orphans = []
for dp, dn, fn in os.walk(site):
    dn[:] = [x for x in dn if x != "__pycache__"]
    orphans += [os.path.relpath(os.path.join(dp, n), site) for n in fn
                if os.path.normpath(os.path.join(dp, n)) not in claimed]
print(json.dumps({"dists": dists, "orphans": sorted(orphans)}))
"""


def env_state(path):
    """What an environment is: interpreter, prompt, packages (each with whether its RECORD's
    files are all there with their hashes), files no RECORD lists; None when there is none.
    Fails unless it is a working environment (its python runs with it as prefix)."""
    if not os.path.exists(path):
        return None
    assert os.path.exists(os.path.join(path, "pyvenv.cfg")), path
    cfg = {}
    for line in open(os.path.join(path, "pyvenv.cfg")):
        k, _, v = line.partition("=")
        cfg[k.strip()] = v.strip()
    r = subprocess.run([os.path.join(path, "bin", "python"), "-c", WHOLE, path], capture_output=True,
                       text=True)
    assert r.returncode == 0, (path, r.stderr)
    w = json.loads(r.stdout)
    return {"ino": os.stat(path).st_ino, "python": cfg["venvsync-python"],
            "prompt": cfg.get("prompt", "").strip("'"), "dists": w["dists"], "orphans": w["orphans"]}


def kill_manifest(project, python, prompt, packages, n_envs=3):
    body = (f'version: 1\npython: "{python}"\nindex: {{find-links: [wheels/]}}\n'
            "environments:\n")
    for i in range(n_envs):
        body += f"  e{i}: {{prompt: {prompt}, packages: [{', '.join(packages)}]}}\n"
    project.write(body)


def two_interpreters(project):
    """Two interpreters that can host a venv: two Python minors when this machine has them,
    else Debian's python3 and a private copy of it (another interpreter for venvsync: switching
    between them recreates an environment)."""
    minors = {}
    for p in interpreters():
        minors.setdefault(python_version(p)[:4], p)
    if len(minors) >= 2:
        return list(minors.values())[:2]
    fake = project.path("fakepy", "bin")
    os.makedirs(fake)
    copy = os.path.join(fake, os.path.basename(os.path.realpath(DEBIAN_PYTHON)))
    shutil.copy2(os.path.realpath(DEBIAN_PYTHON), copy)
    return [os.path.realpath(DEBIAN_PYTHON), copy]


def big_wheels(project, n_modules):
    d = project.path("wheels")
    for name, version in [("big_a", "1.0"), ("big_a", "2.0"), ("big_b", "1.0"), ("big_c", "1.0")]:
        mods = {f"{name}/m{i:03d}.py": f"# {name} {version} {i}\n" + "X = 1\n" * 200
                for i in range(n_modules)}
        mods[f"{name}/__init__.py"] = f"VERSION = {version!r}\n"
        make_wheel(d, name, version, modules=mods)


def versions(state):
    return {n: v[0] for n, v in state["dists"].items()}


def pins(packages):
    return dict(p.split("==") for p in packages)


def assert_whole(state, where):
    """Every distribution has its RECORD and every file it lists, unchanged; no file in
    site-packages that no RECORD lists."""
    assert all(v[1] and not v[2] for v in state["dists"].values()), (where, state["dists"])
    assert state["orphans"] == [], (where, state["orphans"])


def test_kill_at_random_moments_leaves_old_or_new(venvsync, tmp_project, cache_dir):
    """kill -9 at random moments of syncs that do real work: every round recreates three
    environments for the other interpreter with other packages and another prompt (with one
    Python: Debian's python3 and a private copy of it), and every fifth also creates one. An
    environment is then either exactly what it was or exactly what the manifest asks for, whole;
    the next run converges."""
    pa, pb = two_interpreters(tmp_project)
    big_wheels(tmp_project, 150)
    states = [(pa, "p", ["big_a==1.0", "big_b==1.0"]),
              (pb, "q", ["big_a==2.0", "big_c==1.0"])]
    env = dict(os.environ, VENVSYNC_CACHE_DIR=cache_dir, NO_COLOR="1")
    envs = [tmp_project.path(".venvs", f"e{i}") for i in range(3)]

    def sync_to(k):
        kill_manifest(tmp_project, *states[k % 2])
        t0 = time.monotonic()
        venvsync("sync", cwd=tmp_project.root, check_rc=0)
        return time.monotonic() - t0

    # how long a round takes here with a warm cache (the quicker of two): kills land within it
    sync_to(0)
    took = min(sync_to(1), sync_to(0))
    rng = random.Random(1234)
    interrupted = rebuilt = 0
    after = [env_state(d) for d in envs]
    for round_ in range(25):
        py, prompt, packages = states[(round_ + 1) % 2]
        before = after
        if round_ % 5 == 4 and before[2]:  # a creation too
            shutil.rmtree(envs[2])
            before[2] = None
        kill_manifest(tmp_project, py, prompt, packages)
        p = subprocess.Popen([BIN, "sync"], cwd=tmp_project.root, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, took))
        p.send_signal(signal.SIGKILL)
        p.wait()
        after = [env_state(d) for d in envs]  # an environment works whenever it exists
        done = True
        for d, old, now in zip(envs, before, after):
            where = (round_, d)
            if now is None:
                assert old is None, (where, "an environment vanished")
                done = False
                continue
            if old is None or now["ino"] != old["ino"]:  # built beside and swapped in: the new one
                rebuilt += 1
                assert (now["python"], now["prompt"], versions(now)) == (py, prompt, pins(packages)), \
                    (where, now)
                assert_whole(now, where)
            else:  # untouched: exactly the old one
                assert now == old, (where, now, old)
                done = False
        interrupted += not done
    # the kills hit real work: most rounds were cut short, and environments were swapped in
    assert interrupted >= 8, f"only {interrupted} of 25 runs were interrupted (a round takes {took:.3f} s)"
    assert rebuilt >= 5, rebuilt
    # the next run cleans up and converges
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert stage_leftovers(tmp_project) == []
    venvsync("check", cwd=tmp_project.root, check_rc=0)
    py, prompt, packages = states[25 % 2]
    for d in envs:
        now = env_state(d)
        assert (now["python"], now["prompt"], versions(now)) == (py, prompt, pins(packages))
        assert_whole(now, d)


def strace_supports_injection():
    if not shutil.which("strace"):
        return False
    r = subprocess.run(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=getpid",
                        "-e", "inject=getpid:retval=42", "true"], capture_output=True)
    return r.returncode == 0


class DoesNotConverge(AssertionError):
    """Crash points after which the environment does not converge back to whole packages."""


@pytest.mark.skipif(not strace_supports_injection(),
                    reason="needs strace with syscall fault injection (apt-get install strace)")
def test_kill_during_in_place_package_changes_converges(venvsync, tmp_project, cache_dir):
    """In-place package changes (an upgrade, a removal, an install) killed at each file link and
    unlink they make (strace's fault injection sends SIGKILL at the Nth call): the environment
    keeps working, check passes on it only when it is still the old one, whole, and the next
    sync, and a sync back, converge to whole packages."""
    py = os.path.realpath(DEBIAN_PYTHON)
    big_wheels(tmp_project, 8)
    old, new = ["big_a==1.0", "big_b==1.0"], ["big_a==2.0", "big_c==1.0"]
    env = dict(os.environ, VENVSYNC_CACHE_DIR=cache_dir, NO_COLOR="1")
    d = tmp_project.path(".venvs", "e0")
    kill_manifest(tmp_project, py, "p", old, n_envs=1)
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    pristine = tmp_project.path("pristine")
    shutil.copytree(d, pristine, symlinks=True)

    def reset():
        shutil.rmtree(d)
        shutil.copytree(pristine, d, symlinks=True)
        kill_manifest(tmp_project, py, "p", new, n_envs=1)

    # LeakSanitizer cannot run under ptrace (a sanitizer build would fail every traced run)
    traced_env = dict(env, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
    problems = []
    for syscall in ("unlink", "link"):
        # strace counts calls per thread: the Nth call of whichever thread gets there first;
        # up to the N no thread reaches, where the run completes
        for when in range(1, 200):
            reset()
            k = subprocess.run(["strace", "-f", "-qq", "-o", "/dev/null", "-e", f"trace={syscall}",
                                "-e", f"inject={syscall}:signal=KILL:when={when}", BIN, "sync"],
                               cwd=tmp_project.root, env=traced_env, capture_output=True, text=True)
            if k.returncode == 0:
                assert when > 10, f"only {when - 1} {syscall} calls: the change does too little"
                break
            assert k.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), \
                (syscall, when, k.returncode, k.stderr[-2000:])
            now = env_state(d)  # still a working environment
            # check never calls a half-changed environment fine: with the old manifest it passes
            # only when the environment is still exactly the old one, whole
            kill_manifest(tmp_project, py, "p", old, n_envs=1)
            c = venvsync("check", cwd=tmp_project.root)
            if c.returncode == 0 and (versions(now) != pins(old) or now["orphans"] or
                                      not all(v[1] and not v[2] for v in now["dists"].values())):
                problems.append(f"killed at {syscall} #{when}: check passes on {now['dists']}, "
                                f"orphans {now['orphans']}")
            for target in (new, old):
                kill_manifest(tmp_project, py, "p", target, n_envs=1)
                r = venvsync("sync", cwd=tmp_project.root)
                now = env_state(d)
                if r.returncode or versions(now) != pins(target) or \
                        not all(v[1] and not v[2] for v in now["dists"].values()) or now["orphans"]:
                    problems.append(f"killed at {syscall} #{when}, then sync to {target}: exit "
                                    f"{r.returncode}, {now['dists']}, orphans {now['orphans']}\n"
                                    f"{r.stdout[-600:]}")
                    break
        else:
            pytest.fail(f"{syscall}: still killed at call #{when}")
    if problems:
        raise DoesNotConverge(f"{len(problems)} crash points do not converge:\n" + "\n".join(problems[:5]))
