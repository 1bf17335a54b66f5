"""The activation scripts in real shells: bash, zsh, sh, fish, tcsh and nushell (PowerShell when
installed), for an ordinary environment and for one whose path and prompt are full of characters
that shells like to interpret (space, quotes, '$', backtick, '!').

A missing shell is a failure that names the package to install: scripts/setup.sh installs the
Debian ones and scripts/test.sh installs nushell from npm (it exports VENVSYNC_TEST_SETUP=1, and
VENVSYNC_TEST_NUSHELL_SKIP=<why> when npm or the registry could not provide nushell: then the
nushell tests skip with that reason). PowerShell is not installable here: its tests skip."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import DEBIAN_PYTHON, SRC, have

HOSTILE_DIR = "we ird'$x\"b`c`!d"
HOSTILE_PROMPT = "p 'q' $HOME `x` !y"
SENTINEL_HOME = "/nonexistent/python-home"

# The Debian package of each shell (scripts/setup.sh installs them all).
SHELL_PACKAGES = {"bash": "bash", "zsh": "zsh", "sh": "dash", "fish": "fish", "tcsh": "tcsh"}
UNDER_TEST_COMMAND = os.environ.get("VENVSYNC_TEST_SETUP") == "1"
NU_VERSION = "0.115.1"  # what scripts/test.sh installs
NU_LOCAL = os.path.join(SRC, "build-tools", "nushell", "bin", "nu")  # where it puts it


def need(shell):
    """shell's command, or a failure saying which package provides it."""
    if have(shell):
        return shell
    pkg = SHELL_PACKAGES[shell]
    if UNDER_TEST_COMMAND:
        pytest.fail(f"{shell} is missing although scripts/setup.sh installs it: Debian package {pkg!r}")
    pytest.fail(f"{shell} is not installed: `apt-get install {pkg}` (scripts/setup.sh installs every "
                "shell these tests use)", pytrace=False)


def need_nu():
    """nushell's command; a skip only when npm could not provide it, else a failure saying how."""
    if have("nu"):
        return "nu"
    if os.access(NU_LOCAL, os.X_OK):
        return NU_LOCAL
    why = os.environ.get("VENVSYNC_TEST_NUSHELL_SKIP")
    if why:
        pytest.skip(f"nushell: {why}")
    install = f"`npm install --prefix build-tools/nushell nushell@{NU_VERSION}` (scripts/test.sh does this)"
    if UNDER_TEST_COMMAND:
        pytest.fail(f"nu is missing although scripts/test.sh installed nushell (npm package nushell@{NU_VERSION})")
    if not have("npm"):
        pytest.skip("nushell is not installed and there is no npm to install it with "
                    f"(apt-get install npm, then {install})")
    pytest.fail(f"nushell is not installed: {install}", pytrace=False)


@pytest.fixture(scope="module")
def envs(tmp_path_factory, cache_dir):
    """Two environments written by venvsync with Debian's python3: (path, prompt) each."""
    from conftest import BIN
    root = tmp_path_factory.mktemp("act")
    plain = str(root / "plain env")
    hostile = str(root / HOSTILE_DIR)
    manifest = root / "venv.yaml"
    # The hostile path comes in through a variable: the manifest expands "$NAME" itself.
    manifest.write_text(json.dumps({
        "version": 1,
        "python": os.path.realpath(DEBIAN_PYTHON),
        "environments": {
            "plain": {"path": plain, "prompt": "plain"},
            "hostile": {"path": "${HOSTILE_ENV_PATH}", "prompt": HOSTILE_PROMPT},
        },
    }))
    env = dict(os.environ, VENVSYNC_CACHE_DIR=cache_dir, HOSTILE_ENV_PATH=hostile, NO_COLOR="1")
    p = subprocess.run([BIN, "sync", "-f", str(manifest)], cwd=str(root), env=env,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert os.path.isdir(os.path.join(hostile, "bin"))
    return {"plain": (plain, "plain"), "hostile": (hostile, HOSTILE_PROMPT)}


def run_shell(argv, script_name, script, tmp_path, extra_env=None):
    """Writes script to a file, runs argv + [file] with ENV_DIR etc. in the environment, and
    returns the "key=value" lines it printed as a dict."""
    path = tmp_path / script_name
    path.write_text(script)
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.pop("VIRTUAL_ENV_DISABLE_PROMPT", None)
    env["PYTHONHOME"] = SENTINEL_HOME
    env.update(extra_env or {})
    p = subprocess.run(argv + [str(path)], env=env, capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, f"{argv} failed ({p.returncode})\n{p.stdout}\n{p.stderr}"
    out = {}
    for line in p.stdout.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out, p


def check(out, env_dir, prompt, prompt_key, orig_prompt, disabled=False):
    assert out["python"] == os.path.join(env_dir, "bin", "python"), out
    assert out["ve"] == env_dir
    assert out["vep"] == prompt
    assert out["ph"] == "<unset>", "PYTHONHOME is unset while active"
    assert out["prefix"] == env_dir, "the environment's python runs (PYTHONHOME is gone)"
    if disabled:
        assert out[prompt_key] == orig_prompt
    else:
        assert out[prompt_key] == "(%s) %s" % (prompt, orig_prompt)
    assert out["after_path_same"] == "yes"
    assert out["after_" + prompt_key] == orig_prompt
    assert out["after_ph"] == SENTINEL_HOME, "PYTHONHOME is restored"
    assert out["after_ve"] == "<unset>"
    assert out["after_vep"] == "<unset>"
    assert out["after_func"] == "none"


POSIX_SCRIPT = r"""
PS1='orig> '
OLD_PATH="$PATH"
. "$ENV_DIR/bin/activate"
echo "python=$(command -v python)"
echo "ve=$VIRTUAL_ENV"
echo "vep=$VIRTUAL_ENV_PROMPT"
echo "ps1=$PS1"
echo "ph=${PYTHONHOME-<unset>}"
echo "prefix=$(python -c 'import sys; print(sys.prefix)')"
deactivate
if [ "$PATH" = "$OLD_PATH" ]; then echo after_path_same=yes; else echo after_path_same=no; fi
echo "after_ps1=$PS1"
echo "after_ph=${PYTHONHOME-<unset>}"
echo "after_ve=${VIRTUAL_ENV-<unset>}"
echo "after_vep=${VIRTUAL_ENV_PROMPT-<unset>}"
"""

FUNC_CHECK = r"""
if typeset -f deactivate >/dev/null 2>&1; then echo after_func=function; else echo after_func=none; fi
"""

SHELLS_POSIX = {
    "bash": (["bash", "--norc", "--noprofile"], POSIX_SCRIPT + FUNC_CHECK),
    "bash-nounset": (["bash", "--norc", "--noprofile", "-u"], POSIX_SCRIPT + FUNC_CHECK),
    "zsh": (["zsh", "-f"], POSIX_SCRIPT + FUNC_CHECK),
    # dash has no `typeset`; `command -V` names a function as such.
    "sh": (["sh"], POSIX_SCRIPT + r"""
case "$(command -V deactivate 2>&1)" in *function*) echo after_func=function;; *) echo after_func=none;; esac
"""),
}


@pytest.mark.parametrize("which", ["plain", "hostile"])
@pytest.mark.parametrize("shell", sorted(SHELLS_POSIX))
@pytest.mark.parametrize("disabled", [False, True], ids=["prompt", "noprompt"])
def test_posix_shells(envs, tmp_path, shell, which, disabled):
    argv, script = SHELLS_POSIX[shell]
    need(argv[0])
    env_dir, prompt = envs[which]
    extra = {"ENV_DIR": env_dir}
    if disabled:
        extra["VIRTUAL_ENV_DISABLE_PROMPT"] = "1"
    out, _ = run_shell(argv, "t.sh", script, tmp_path, extra)
    check(out, env_dir, prompt, "ps1", "orig> ", disabled)


def test_bash_refuses_to_run_unsourced(envs):
    need("bash")
    env_dir, _ = envs["plain"]
    p = subprocess.run(["bash", os.path.join(env_dir, "bin", "activate")], capture_output=True,
                       text=True)
    assert p.returncode == 33
    assert "sourced" in p.stderr


def test_bash_switching_environments_restores_the_original_state(envs, tmp_path):
    need("bash")
    plain, _ = envs["plain"]
    hostile, _ = envs["hostile"]
    script = r"""
PS1='orig> '
OLD_PATH="$PATH"
. "$A/bin/activate"
. "$B/bin/activate"
echo "ve=$VIRTUAL_ENV"
echo "ps1=$PS1"
case ":$PATH:" in *":$A/bin:"*) echo a_on_path=yes;; *) echo a_on_path=no;; esac
deactivate
if [ "$PATH" = "$OLD_PATH" ]; then echo after_path_same=yes; else echo after_path_same=no; fi
echo "after_ps1=$PS1"
echo "after_ph=${PYTHONHOME-<unset>}"
"""
    out, _ = run_shell(["bash", "--norc", "--noprofile"], "t.sh", script, tmp_path,
                       {"A": plain, "B": hostile})
    assert out["ve"] == hostile
    assert out["ps1"] == "(%s) orig> " % HOSTILE_PROMPT
    assert out["a_on_path"] == "no"
    assert out["after_path_same"] == "yes"
    assert out["after_ps1"] == "orig> "
    assert out["after_ph"] == SENTINEL_HOME


def test_bash_without_ps1_leaves_it_unset(envs, tmp_path):
    need("bash")
    env_dir, _ = envs["plain"]
    script = r"""
unset PS1
. "$ENV_DIR/bin/activate"
echo "ps1=$PS1"
deactivate
echo "after_ps1=${PS1-<unset>}"
"""
    out, _ = run_shell(["bash", "--norc", "--noprofile"], "t.sh", script, tmp_path,
                       {"ENV_DIR": env_dir})
    assert out["ps1"] == "(plain) "
    assert out["after_ps1"] == "<unset>"


FISH_SCRIPT = r"""
function fish_prompt
    printf 'orig[%s]> ' $status
end
set OLD_PATH (string join : $PATH)
source "$ENV_DIR/bin/activate.fish"
echo "python="(command -v python)
echo "ve=$VIRTUAL_ENV"
echo "vep=$VIRTUAL_ENV_PROMPT"
false
echo "prompt="(fish_prompt)
if set -q PYTHONHOME; echo "ph=$PYTHONHOME"; else; echo "ph=<unset>"; end
echo "prefix="(python -c 'import sys; print(sys.prefix)')
deactivate
if test (string join : $PATH) = "$OLD_PATH"; echo after_path_same=yes; else; echo after_path_same=no; end
false
echo "after_prompt="(fish_prompt)
if set -q PYTHONHOME; echo "after_ph=$PYTHONHOME"; else; echo "after_ph=<unset>"; end
if set -q VIRTUAL_ENV; echo "after_ve=$VIRTUAL_ENV"; else; echo "after_ve=<unset>"; end
if set -q VIRTUAL_ENV_PROMPT; echo "after_vep=$VIRTUAL_ENV_PROMPT"; else; echo "after_vep=<unset>"; end
if functions -q deactivate; or functions -q _old_fish_prompt; echo after_func=function; else; echo after_func=none; end
"""


@pytest.mark.parametrize("which", ["plain", "hostile"])
@pytest.mark.parametrize("disabled", [False, True], ids=["prompt", "noprompt"])
def test_fish(envs, tmp_path, which, disabled):
    need("fish")
    env_dir, prompt = envs[which]
    extra = {"ENV_DIR": env_dir, "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    if disabled:
        extra["VIRTUAL_ENV_DISABLE_PROMPT"] = "1"
    out, _ = run_shell(["fish", "--no-config"], "t.fish", FISH_SCRIPT, tmp_path, extra)
    # The wrapped prompt still sees the status of the last command.
    check(out, env_dir, prompt, "prompt", "orig[1]> ", disabled)


CSH_SCRIPT = r"""
set prompt="orig> "
set OLD_PATH="$PATH:q"
source "$ENV_DIR/bin/activate.csh"
echo -n "python="; which python
echo "ve=$VIRTUAL_ENV:q"
echo "vep=$VIRTUAL_ENV_PROMPT:q"
echo "prompt=$prompt:q"
if ($?PYTHONHOME) then
    echo "ph=$PYTHONHOME:q"
else
    echo "ph=<unset>"
endif
echo -n "prefix="; python -c 'import sys; print(sys.prefix)'
deactivate
if ("$PATH:q" == "$OLD_PATH:q") then
    echo "after_path_same=yes"
else
    echo "after_path_same=no"
endif
echo "after_prompt=$prompt:q"
if ($?PYTHONHOME) then
    echo "after_ph=$PYTHONHOME:q"
else
    echo "after_ph=<unset>"
endif
if ($?VIRTUAL_ENV) then
    echo "after_ve=$VIRTUAL_ENV:q"
else
    echo "after_ve=<unset>"
endif
if ($?VIRTUAL_ENV_PROMPT) then
    echo "after_vep=$VIRTUAL_ENV_PROMPT:q"
else
    echo "after_vep=<unset>"
endif
set a=`alias deactivate`
if ("$a" == "") then
    echo "after_func=none"
else
    echo "after_func=alias"
endif
"""


@pytest.mark.parametrize("which", ["plain", "hostile"])
@pytest.mark.parametrize("disabled", [False, True], ids=["prompt", "noprompt"])
def test_tcsh(envs, tmp_path, which, disabled):
    need("tcsh")
    env_dir, prompt = envs[which]
    extra = {"ENV_DIR": env_dir}
    if disabled:
        extra["VIRTUAL_ENV_DISABLE_PROMPT"] = "1"
    out, _ = run_shell(["tcsh", "-f"], "t.csh", CSH_SCRIPT, tmp_path, extra)
    check(out, env_dir, prompt, "prompt", "orig> ", disabled)


def test_tcsh_interactive_history_does_not_eat_the_bang(envs, tmp_path):
    """An interactive tcsh applies history substitution to sourced lines: '!' must survive."""
    need("tcsh")
    env_dir, prompt = envs["hostile"]
    env = dict(os.environ, ENV_DIR=env_dir)
    env.pop("VIRTUAL_ENV", None)
    p = subprocess.run(["tcsh", "-f", "-i"], input='source "$ENV_DIR/bin/activate.csh"\n'
                       'printenv VIRTUAL_ENV\nprintenv VIRTUAL_ENV_PROMPT\nexit\n',
                       env=env, capture_output=True, text=True, timeout=60)
    assert "Event not found" not in p.stdout + p.stderr
    assert env_dir in p.stdout
    assert prompt in p.stdout


NU_SCRIPT = r"""
$env.PYTHONHOME = "{home}"
$env.PROMPT_COMMAND = {{|| 'orig> ' }}
let old_path = $env.PATH
overlay use {activate}
print $"python=(which python | get path.0)"
print $"ve=($env.VIRTUAL_ENV)"
print $"vep=($env.VIRTUAL_ENV_PROMPT)"
print $"prompt=(do $env.PROMPT_COMMAND)"
print $"ph=(if ($env.PYTHONHOME? | default '' | is-empty) {{ '<unset>' }} else {{ $env.PYTHONHOME }})"
print $"prefix=(^python -c 'import sys; print(sys.prefix)' | str trim)"
deactivate
print $"after_path_same=(if $env.PATH == $old_path {{ 'yes' }} else {{ 'no' }})"
print $"after_prompt=(do $env.PROMPT_COMMAND)"
print $"after_ph=($env.PYTHONHOME? | default '<unset>')"
print $"after_ve=($env.VIRTUAL_ENV? | default '<unset>')"
print $"after_vep=($env.VIRTUAL_ENV_PROMPT? | default '<unset>')"
print $"after_func=(if (scope aliases | where name == deactivate | is-empty) {{ 'none' }} else {{ 'alias' }})"
"""


@pytest.mark.parametrize("which", ["plain", "hostile"])
@pytest.mark.parametrize("disabled", [False, True], ids=["prompt", "noprompt"])
def test_nushell(envs, tmp_path, which, disabled):
    env_dir, prompt = envs[which]
    # `overlay use` needs a literal path; a JSON string is a valid nushell string.
    script = NU_SCRIPT.format(home=SENTINEL_HOME,
                              activate=json.dumps(os.path.join(env_dir, "bin", "activate.nu")))
    extra = {"VIRTUAL_ENV_DISABLE_PROMPT": "1"} if disabled else {}
    out, _ = run_shell([need_nu(), "--no-config-file"], "t.nu", script, tmp_path, extra)
    # nushell cannot remove a variable inside an overlay and get it back on `overlay hide`, so
    # PYTHONHOME is emptied there (Python ignores an empty PYTHONHOME); check() sees "<unset>".
    check(out, env_dir, prompt, "prompt", "orig> ", disabled)


PWSH_SCRIPT = r"""
$env:PYTHONHOME = '{home}'
function global:prompt {{ 'orig> ' }}
$oldPath = $env:PATH
. {activate}
"python=" + (Get-Command python).Source
"ve=" + $env:VIRTUAL_ENV
"vep=" + $env:VIRTUAL_ENV_PROMPT
"prompt=" + $global:_PYTHON_VENV_PROMPT_PREFIX + (_OLD_VIRTUAL_PROMPT)
"ph=" + $(if (Test-Path Env:PYTHONHOME) {{ $env:PYTHONHOME }} else {{ '<unset>' }})
"prefix=" + (& python -c 'import sys; print(sys.prefix)')
deactivate
"after_path_same=" + $(if ($env:PATH -eq $oldPath) {{ 'yes' }} else {{ 'no' }})
"after_prompt=" + (prompt)
"after_ph=" + $(if (Test-Path Env:PYTHONHOME) {{ $env:PYTHONHOME }} else {{ '<unset>' }})
"after_ve=" + $(if (Test-Path Env:VIRTUAL_ENV) {{ $env:VIRTUAL_ENV }} else {{ '<unset>' }})
"after_vep=" + $(if (Test-Path Env:VIRTUAL_ENV_PROMPT) {{ $env:VIRTUAL_ENV_PROMPT }} else {{ '<unset>' }})
"after_func=" + $(if (Test-Path Function:deactivate) {{ 'function' }} else {{ 'none' }})
"""


@pytest.mark.skipif(not have("pwsh"), reason="PowerShell is not installed")
@pytest.mark.parametrize("which", ["plain", "hostile"])
def test_powershell(envs, tmp_path, which):
    env_dir, prompt = envs[which]
    quoted = "'" + os.path.join(env_dir, "bin", "Activate.ps1").replace("'", "''") + "'"
    script = PWSH_SCRIPT.format(home=SENTINEL_HOME, activate=quoted)
    out, _ = run_shell(["pwsh", "-NoProfile", "-NonInteractive", "-File"], "t.ps1", script,
                       tmp_path)
    check(out, env_dir, prompt, "prompt", "orig> ")
