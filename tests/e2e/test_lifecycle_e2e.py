"""remove, prune, git hooks and the CI cache key."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import BIN, DEBIAN_PYTHON, have


def setup_two(project, extra=""):
    project.write(f"""\
version: 1
python: "{DEBIAN_PYTHON}"
environments:
  dev: {{path: .venv}}
  tools: {{}}
{extra}""")


def test_remove_deletes_only_environments(venvsync, tmp_project):
    setup_two(tmp_project)
    venvsync(cwd=tmp_project.root, check_rc=0)
    r = venvsync("remove", "dev", cwd=tmp_project.root, check_rc=2)
    assert "--yes" in r.stderr and os.path.isdir(tmp_project.path(".venv")), "asks first"
    venvsync("remove", "--yes", "dev", cwd=tmp_project.root, check_rc=0)
    assert not os.path.exists(tmp_project.path(".venv"))
    venvsync("remove", "-y", tmp_project.path(".venvs", "tools"), cwd=tmp_project.root, check_rc=0)
    assert not os.path.exists(tmp_project.path(".venvs", "tools"))
    # anything that is not an environment is refused and kept
    os.makedirs(tmp_project.path("data"))
    open(tmp_project.path("data", "x.txt"), "w").write("keep")
    r = venvsync("remove", "-y", "data", cwd=tmp_project.root, check_rc=2)
    assert "not a virtual environment" in r.stderr
    assert open(tmp_project.path("data", "x.txt")).read() == "keep"
    open(tmp_project.path("file"), "w").write("keep")
    venvsync("remove", "-y", "file", cwd=tmp_project.root, check_rc=2)
    os.symlink(tmp_project.path("data"), tmp_project.path("link"))
    venvsync("remove", "-y", "link", cwd=tmp_project.root, check_rc=2)
    assert os.path.islink(tmp_project.path("link"))
    assert not [n for n in os.listdir(tmp_project.root) if "venvsync-stage" in n]


def test_remove_works_outside_a_project(venvsync, tmp_path):
    env = tmp_path / "loose"
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--without-pip", str(env)], check=True)
    venvsync("remove", "--yes", str(env), cwd=str(tmp_path), check_rc=0)
    assert not env.exists()


def test_prune_removes_only_unnamed_venvsync_environments(venvsync, tmp_project):
    tmp_project.write(f"""\
version: 1
python: "{DEBIAN_PYTHON}"
environments:
  a: {{}}
  b: {{}}
  c: {{}}
""")
    venvsync(cwd=tmp_project.root, check_rc=0)
    # an environment another tool made, and a plain folder, under root: both kept
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--without-pip", tmp_project.path(".venvs", "foreign")], check=True)
    os.makedirs(tmp_project.path(".venvs", "notes"))
    setup = f'version: 1\npython: "{DEBIAN_PYTHON}"\nenvironments:\n  a: {{}}\n'
    tmp_project.write(setup)
    r = venvsync("prune", "--dry-run", cwd=tmp_project.root, check_rc=0)
    assert "would remove" in r.stdout and os.path.isdir(tmp_project.path(".venvs", "b"))
    r = venvsync("prune", "--yes", "--json", cwd=tmp_project.root, check_rc=0)
    removed = sorted(os.path.basename(p) for p in json.loads(r.stdout)["removed"])
    assert removed == ["b", "c"]
    assert sorted(os.listdir(tmp_project.path(".venvs"))) == ["a", "foreign", "notes"]
    r = venvsync("prune", "--yes", cwd=tmp_project.root, check_rc=0)
    assert "nothing to prune" in r.stdout


@pytest.mark.skipif(not have("git"), reason="git not installed")
def test_git_hooks_sync_after_checkout_and_keep_existing_hooks(venvsync, tmp_project, cache_dir):
    root = tmp_project.root
    env = dict(os.environ, VENVSYNC_CACHE_DIR=cache_dir, NO_COLOR="1",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    git = lambda *a: subprocess.run(["git", *a], cwd=root, env=env, capture_output=True, text=True, check=True)
    git("init", "-q", "-b", "main")
    hooks = os.path.join(root, ".git", "hooks")
    os.makedirs(hooks, exist_ok=True)
    with open(os.path.join(hooks, "post-merge"), "w") as f:
        f.write("#!/bin/sh\necho original-hook-ran > \"$(git rev-parse --show-toplevel)/orig.txt\"\n")
    os.chmod(os.path.join(hooks, "post-merge"), 0o755)
    setup_two(tmp_project)
    open(os.path.join(root, ".gitignore"), "w").write(".venv\n.venvs\norig.txt\n")
    git("add", "-A")
    git("commit", "-qm", "one")
    venvsync("hook", "install", cwd=root, check_rc=0)
    venvsync("hook", "install", cwd=root, check_rc=0)  # idempotent
    assert open(os.path.join(hooks, "post-merge.venvsync-orig")).read().startswith("#!/bin/sh\necho original")
    # a checkout that changes the manifest syncs, printing one line
    git("checkout", "-q", "-b", "feature")
    tmp_project.write(open(tmp_project.path("venv.yaml")).read() + "  docs: {}\n")
    git("commit", "-qam", "docs env")
    r = git("checkout", "main")
    r = git("checkout", "feature")
    assert r.stderr.count("venvsync: synced") + r.stdout.count("venvsync: synced") == 1, r
    assert os.path.exists(tmp_project.path(".venvs", "docs", "pyvenv.cfg"))
    # nothing to do: the hook says nothing
    r = git("checkout", "main")
    r = git("checkout", "feature")
    assert "venvsync" not in r.stdout + r.stderr
    # merge runs the kept hook too
    git("checkout", "-q", "main")
    git("merge", "-q", "feature")
    assert os.path.exists(os.path.join(root, "orig.txt"))
    # a broken manifest is reported but never fails git
    open(tmp_project.path("venv.yaml"), "w").write("version: 1\nenvironments: [oops]\n")
    git("commit", "-qam", "broken")
    r = subprocess.run(["git", "checkout", "-q", "feature"], cwd=root, env=env, capture_output=True, text=True)
    assert r.returncode == 0
    venvsync("hook", "uninstall", cwd=root, check_rc=0)
    assert open(os.path.join(hooks, "post-merge")).read().startswith("#!/bin/sh\necho original")
    assert not os.path.exists(os.path.join(hooks, "post-checkout"))


def test_ci_key_is_stable_and_tracks_what_matters(venvsync, tmp_project, tmp_path):
    setup_two(tmp_project)
    open(tmp_project.path("req.txt"), "w").write("")
    k1 = venvsync("ci-key", cwd=tmp_project.root, check_rc=0).stdout.strip()
    assert len(k1) == 64
    assert venvsync("ci-key", cwd=tmp_project.root, check_rc=0).stdout.strip() == k1
    # the same project elsewhere: same key
    other = tmp_path / "elsewhere"
    shutil.copytree(tmp_project.root, other)
    assert venvsync("ci-key", cwd=str(other), check_rc=0).stdout.strip() == k1
    per = json.loads(venvsync("ci-key", "--json", cwd=tmp_project.root, check_rc=0).stdout)
    assert per["key"] == k1 and [e["name"] for e in per["environments"]] == ["dev", "tools"]
    dev_key = per["environments"][0]["key"]
    # a changed entry changes the key; a requirements file's content too
    tmp_project.write(open(tmp_project.path("venv.yaml")).read().replace("tools: {}", "tools: {prompt: x}"))
    k2 = venvsync("ci-key", cwd=tmp_project.root, check_rc=0).stdout.strip()
    assert k2 != k1
    assert json.loads(venvsync("ci-key", "--json", "dev", cwd=tmp_project.root).stdout)["environments"][0]["key"] == dev_key
    tmp_project.write(f'version: 1\npython: "{DEBIAN_PYTHON}"\nenvironments:\n  dev:\n    requirements: [req.txt]\n')
    k3 = venvsync("ci-key", cwd=tmp_project.root, check_rc=0).stdout.strip()
    open(tmp_project.path("req.txt"), "w").write("# changed\n")
    assert venvsync("ci-key", cwd=tmp_project.root, check_rc=0).stdout.strip() != k3


def _text_files_naming(root, needle):
    hits = []
    for d, _, files in os.walk(root):
        for n in files:
            p = os.path.join(d, n)
            if n.endswith(".pyc") or os.path.islink(p):
                continue
            with open(p, "rb") as f:
                data = f.read()
            if b"\0" not in data[:1024] and needle.encode() in data:
                hits.append(os.path.relpath(p, root))
    return hits


def test_copy_from_starts_as_a_relocated_copy(venvsync, tmp_project):
    tmp_project.write(f"""\
version: 1
python: "{DEBIAN_PYTHON}"
environments:
  docs:
    copy-from: dev
    prompt: docs
  dev:
    path: .venv
""")
    venvsync("sync", "dev", cwd=tmp_project.root, check_rc=0)
    dev = tmp_project.path(".venv")
    sp = subprocess.run([os.path.join(dev, "bin", "python"), "-c", "import site; print(site.getsitepackages()[0])"],
                        capture_output=True, text=True, check=True).stdout.strip()
    open(os.path.join(sp, "marker.py"), "w").write("VALUE = 42\n")
    before = {n: os.stat(os.path.join(dev, "bin", n), follow_symlinks=False).st_ino for n in os.listdir(os.path.join(dev, "bin"))}
    r = venvsync("plan", cwd=tmp_project.root, check_rc=0)
    assert "copy" in r.stdout and "copy-from dev" in r.stdout, r.stdout
    venvsync(cwd=tmp_project.root, check_rc=0)
    docs = tmp_project.path(".venvs", "docs")
    out = subprocess.run([os.path.join(docs, "bin", "python"), "-c", "import sys, marker; print(sys.prefix, marker.VALUE)"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == [docs, "42"]
    assert _text_files_naming(docs, dev + "/") == [] and _text_files_naming(docs, dev + "\n") == []
    assert "'docs'" in open(os.path.join(docs, "pyvenv.cfg")).read()
    after = {n: os.stat(os.path.join(dev, "bin", n), follow_symlinks=False).st_ino for n in os.listdir(os.path.join(dev, "bin"))}
    assert before == after, "the source is untouched"
    venvsync("check", cwd=tmp_project.root, check_rc=0)


def test_moved_environment_with_console_scripts_is_relocated(venvsync, tmp_project):
    old = tmp_project.path("old place")
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", old], check=True)  # ensurepip: pip and its scripts
    minor = subprocess.run([DEBIAN_PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                           capture_output=True, text=True, check=True).stdout.strip()
    tmp_project.write(f'version: 1\npython: "{minor}"\nenvironments:\n  dev: {{path: "old place"}}\n')
    venvsync(cwd=tmp_project.root, check_rc=0)  # adopts it
    new = tmp_project.path("new place, moved")
    os.rename(old, new)
    tmp_project.write(f'version: 1\npython: "{minor}"\nenvironments:\n  dev: {{path: "new place, moved"}}\n')
    r = venvsync("check", cwd=tmp_project.root, check_rc=1)
    assert "moved" in r.stdout
    venvsync(cwd=tmp_project.root, check_rc=0)
    out = subprocess.run([os.path.join(new, "bin", "pip"), "--version"], capture_output=True, text=True, check=True).stdout
    assert new in out, out
    assert _text_files_naming(new, old) == []
    r = subprocess.run([os.path.join(new, "bin", "python"), "-m", "pip", "check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    venvsync("check", cwd=tmp_project.root, check_rc=0)
