"""The manifest format end to end: the JSON Schema and the parser agree on the shipped examples and
on bad manifests, and a bad manifest makes the binary exit 2 with FILE:LINE:COL messages for every
problem while changing nothing on disk."""
import glob
import json
import os
import re
import shutil
import textwrap

import jsonschema
import pytest
import yaml  # Debian: python3-yaml

from conftest import SRC

SCHEMA_PATH = os.path.join(SRC, "schema", "venv.schema.json")
EXAMPLES = [os.path.join(SRC, "venv.yaml.example")] + sorted(
    glob.glob(os.path.join(SRC, "examples", "*", "venv.yaml")))


def example_id(path):
    return os.path.basename(path) if path.endswith(".example") else \
        os.path.basename(os.path.dirname(path))


@pytest.fixture(scope="module")
def validator():
    with open(SCHEMA_PATH) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def load_yaml(text):
    return yaml.safe_load(textwrap.dedent(text))


def test_examples_exist():
    names = {example_id(p) for p in EXAMPLES}
    for want in ("venv.yaml.example", "team", "ci-matrix", "docs-copy", "offline", "project"):
        assert want in names


@pytest.mark.parametrize("path", EXAMPLES, ids=example_id)
def test_example_validates_against_schema(validator, path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.mark.parametrize("path", EXAMPLES, ids=example_id)
def test_example_is_accepted_by_the_parser(venvsync, tmp_path, path):
    # `check` parses the manifest first; whatever it then says about the disk, a manifest
    # error is exit 2 with a "FILE:LINE:COL:" message, which must not happen.
    dst = tmp_path / "venv.yaml"
    shutil.copy(path, dst)
    p = venvsync("check", "-f", str(dst), "--offline", cwd=str(tmp_path),
                 env={"HOME": str(tmp_path)})
    assert not re.search(r"venv\.yaml:\d+:\d+:", p.stderr), p.stderr


# What planning an example offline on a machine without its packages may say: its sources are
# out of reach, or an interpreter it names is not installed. Anything else (a requirements file
# it names that is missing or malformed, a project that cannot be read) is a broken example.
OFFLINE_ONLY = re.compile(r"offline: no cached index page for|no package source has it|"
                          r"no Python interpreter matches|python-downloads")


@pytest.mark.parametrize("path", EXAMPLES, ids=example_id)
def test_example_files_are_all_there_and_read(venvsync, tmp_path, path):
    work = tmp_path / "ex"
    if path.endswith(".example"):
        work.mkdir()
        shutil.copy(path, work / "venv.yaml")
    else:
        shutil.copytree(os.path.dirname(path), work)
    p = venvsync("plan", "--offline", cwd=str(work),
                 env={"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")})
    errors = p.stderr.split("venvsync: error:")[1:]  # each error with its explanation lines
    bad = [text for text in errors if not OFFLINE_ONLY.search(text)]
    assert not bad, p.stderr


# Manifests both the schema and the parser must reject, with the parser's message (a fragment of
# it) and its position.
BAD = [
    ("misspelt-key", """\
        version: 1
        environments:
          dev:
            pyhton: "3.12"
        """, "4:5: unknown key 'pyhton' in environment 'dev' (did you mean 'python'?)"),
    ("missing-version", """\
        environments:
          dev: {}
        """, "1:1: missing 'version: 1'"),
    ("newer-version", """\
        version: 2
        """, "1:10: unsupported manifest version 2"),
    ("quoted-version", """\
        version: "1"
        """, "1:10: 'version' must be the number 1 (unquoted)"),
    ("bad-upgrade", """\
        version: 1
        environments:
          dev:
            upgrade: major
        """, "4:14: 'upgrade' in environment 'dev' must be minor or exact, not 'major'"),
    ("bad-downloads", """\
        version: 1
        python-downloads: sometimes
        """, "2:19: 'python-downloads' must be automatic, manual or never"),
    ("packages-not-a-list", """\
        version: 1
        environments:
          dev:
            packages: requests==2.32.3
        """, "4:15: 'packages' in environment 'dev' must be a list of strings"),
    ("quoted-bool", """\
        version: 1
        environments:
          dev:
            exact: "false"
        """, "4:12: 'exact' in environment 'dev' must be true or false (unquoted)"),
    ("slash-in-name", """\
        version: 1
        environments:
          a/b: {}
        """, "3:3: environment name 'a/b' cannot contain '/'"),
    ("dot-name", """\
        version: 1
        environments:
          "..": {}
        """, "3:3: environment name '..' is not usable as a directory name"),
    ("colon-in-path", """\
        version: 1
        environments:
          dev:
            path: "env:1"
        """, "4:11: the path of environment 'dev'"),
    ("bad-python", """\
        version: 1
        python: "3.x"
        """, "2:9: 'python': '3.x': 'x' is not a number"),
    ("bad-python-impl", """\
        version: 1
        environments:
          dev:
            python: "@3"
        """, "4:13: 'python' in environment 'dev': '@3': missing an implementation name"),
    ("index-url", """\
        version: 1
        index:
          url: pypi.org/simple
        """, "3:8: 'url' in 'index' must be a URL"),
    ("index-key-in-env", """\
        version: 1
        environments:
          dev:
            find-links: [wheels]
        """, "4:5: unknown key 'find-links' in environment 'dev'"),
    ("not-a-mapping", """\
        - version: 1
        """, "1:1: the manifest must be a mapping"),
    ("env-not-a-mapping", """\
        version: 1
        environments:
          dev: [requests]
        """, "3:8: environment 'dev' must be a mapping of settings"),
    ("empty-prompt", """\
        version: 1
        environments:
          dev:
            prompt: ""
        """, "4:13: 'prompt' in environment 'dev' is empty"),
]


@pytest.mark.parametrize("name,text,message", BAD, ids=[b[0] for b in BAD])
def test_schema_rejects_what_the_parser_rejects(validator, venvsync, tmp_project, name, text,
                                                message):
    doc = load_yaml(text)
    assert list(validator.iter_errors(doc)), f"the schema accepts {name}"
    tmp_project.write(text, name="bad.yaml")
    before = tmp_project.snapshot()
    p = venvsync("plan", "-f", "bad.yaml", cwd=tmp_project.root)
    assert p.returncode == 2, p.stderr
    assert "bad.yaml:" + message in p.stderr, p.stderr
    assert tmp_project.snapshot() == before


def test_plan_reports_every_error_and_changes_nothing(venvsync, tmp_project):
    tmp_project.write("""\
        version: 1
        python: "3.x"
        roots: .venvs
        index:
          url: https://pypi.org/simple
          find-link: [wheels/]
        environments:
          dev:
            path: .venv
            pyhton: "3"
            exact: maybe
            packages: [requests==2.32.3]
          test:
            path: .venv
            copy-from: tset
          a: {copy-from: b}
          b: {copy-from: a}
          "x/y": {}
          dev: {}
        """, name="bad.yaml")
    before = tmp_project.snapshot()
    p = venvsync("plan", "-f", "bad.yaml", cwd=tmp_project.root)
    assert p.returncode == 2, p.stdout + p.stderr
    want = [
        "bad.yaml:2:9: 'python': '3.x': 'x' is not a number",
        "bad.yaml:3:1: unknown key 'roots' at the top level (did you mean 'root'?)",
        "bad.yaml:6:3: unknown key 'find-link' in 'index' (did you mean 'find-links'?)",
        "bad.yaml:10:5: unknown key 'pyhton' in environment 'dev' (did you mean 'python'?)",
        "bad.yaml:11:12: 'exact' in environment 'dev' must be true or false, not 'maybe'",
        "bad.yaml:14:11: environment 'test' has the same path as environment 'dev'",
        "bad.yaml:15:16: 'copy-from' in environment 'test' names 'tset', which is not an "
        "environment in this manifest (did you mean 'test'?)",
        "bad.yaml:16:18: 'copy-from' makes a cycle: a -> b -> a",
        "bad.yaml:18:3: environment name 'x/y' cannot contain '/'",
        "bad.yaml:19:3: duplicate environment 'dev' (first defined at line 8)",
    ]
    positions = []
    for w in want:
        assert w in p.stderr, f"missing: {w}\n--- stderr\n{p.stderr}"
        positions.append(p.stderr.index(w))
    assert positions == sorted(positions), "errors are not in file order:\n" + p.stderr
    assert len(re.findall(r"bad\.yaml:\d+:\d+: ", p.stderr)) == len(want), p.stderr
    assert tmp_project.snapshot() == before
    assert not os.path.exists(tmp_project.path(".venv"))
    assert not os.path.exists(tmp_project.path(".venvs"))


@pytest.mark.parametrize("command", [["sync"], ["check"], ["list"], ["plan", "--json"]])
def test_every_command_refuses_a_bad_manifest(venvsync, tmp_project, command):
    tmp_project.write("""\
        version: 1
        environments:
          dev:
            pyhton: "3"
        """)
    before = tmp_project.snapshot()
    p = venvsync(*command, cwd=tmp_project.root)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "venv.yaml:4:5: unknown key 'pyhton'" in p.stderr
    assert tmp_project.snapshot() == before


def test_yaml_syntax_error_position(venvsync, tmp_project):
    tmp_project.write("version: 1\nenvironments:\n  dev: {path: .venv\n", name="bad.yaml")
    p = venvsync("plan", "-f", "bad.yaml", cwd=tmp_project.root)
    assert p.returncode == 2
    assert "bad.yaml:4:1: YAML syntax error" in p.stderr, p.stderr


def test_empty_manifest(venvsync, tmp_project):
    tmp_project.write("# nothing yet\n", name="bad.yaml")
    p = venvsync("plan", "-f", "bad.yaml", cwd=tmp_project.root)
    assert p.returncode == 2
    assert "bad.yaml:1:1: the manifest is empty" in p.stderr, p.stderr


def test_manifest_found_in_a_parent_directory(venvsync, tmp_project):
    tmp_project.write("version: 1\nenvironments:\n  dev:\n    exact: nope\n")
    sub = tmp_project.path("src", "pkg")
    os.makedirs(sub)
    p = venvsync("plan", cwd=sub)
    assert p.returncode == 2
    assert re.search(r"venv\.yaml:4:12: 'exact' in environment 'dev' must be true or false",
                     p.stderr), p.stderr


def test_no_manifest_anywhere(venvsync, tmp_path):
    # /tmp and / hold no venv.yaml on a sane machine; if one does, this test proves nothing.
    if any(os.path.exists(os.path.join(d, "venv.yaml")) for d in ("/tmp", "/")):
        pytest.skip("a venv.yaml above the temporary directory")
    p = venvsync("plan", cwd=str(tmp_path))
    assert p.returncode == 2
    assert "no venv.yaml" in p.stderr, p.stderr


def test_quick_start_example_plans_offline(venvsync, tmp_project):
    # What the README's quick start does on a fresh machine: copy the example, plan with
    # whatever Python 3 there is. Planning changes nothing.
    shutil.copy(os.path.join(SRC, "venv.yaml.example"), tmp_project.path("venv.yaml"))
    before = tmp_project.snapshot()
    p = venvsync("plan", "--offline", cwd=tmp_project.root)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "dev" in p.stdout and "tools" in p.stdout, p.stdout
    assert tmp_project.snapshot() == before
