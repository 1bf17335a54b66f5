"""Crashes and concurrency: kill -9 at random moments, several runs at once."""
import os
import random
import signal
import subprocess
import time

from conftest import BIN, DEBIAN_PYTHON, env_python, interpreters, python_version


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


def test_kill_at_random_moments_leaves_old_or_new(venvsync, tmp_project, cache_dir):
    pys = interpreters()
    minors = {}
    for p in pys:
        minors.setdefault(python_version(p)[:4], p)
    choices = list(minors.values())[:2] if len(minors) >= 2 else [DEBIAN_PYTHON]
    env = dict(os.environ, VENVSYNC_CACHE_DIR=cache_dir, NO_COLOR="1")
    rng = random.Random(1234)
    write_manifest(tmp_project, choices[0])
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    for round_ in range(25):
        target = choices[round_ % len(choices)]
        write_manifest(tmp_project, target)
        p = subprocess.Popen([BIN, "sync"], cwd=tmp_project.root, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, 0.03))
        p.send_signal(signal.SIGKILL)
        p.wait()
        for i in range(3):
            d = tmp_project.path(".venvs", f"e{i}")
            if os.path.exists(d):  # an environment is whole whenever it exists
                assert_valid_env(d)
    # the next run cleans up and converges
    venvsync("sync", cwd=tmp_project.root, check_rc=0)
    assert stage_leftovers(tmp_project) == []
    venvsync("check", cwd=tmp_project.root, check_rc=0)
    for i in range(3):
        assert_valid_env(tmp_project.path(".venvs", f"e{i}"))
