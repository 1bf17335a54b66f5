"""`venvsync shell-init` and `venvsync completion` in real bash, zsh, fish and tcsh: `workon NAME`
activates in the current shell (the manifest found from the directory, else the global one),
`deactivate` undoes it, `workon` lists, a wrong name activates nothing; completion offers
commands, options, environment names and shell names (bash and fish through their completion
functions, zsh and tcsh by pressing TAB in an interactive shell on a pseudo-terminal)."""
import json
import os
import pty
import select
import signal
import subprocess
import time

import pytest

from conftest import BIN, DEBIAN_PYTHON, have

PY = os.path.realpath(DEBIAN_PYTHON)
# An environment name the shells must not interpret: a space, a quote, '$' and a backquote.
ODD = "it's $HOME `x`"


@pytest.fixture(scope="module")
def world(tmp_path_factory, cache_dir):
    """A HOME with a global manifest (tools, and ODD) and a project whose venv.yaml names dev;
    everything synced."""
    root = tmp_path_factory.mktemp("shells")
    home = root / "home"
    proj = root / "proj"
    home.mkdir()
    proj.mkdir()
    env = dict(os.environ, HOME=str(home), VENVSYNC_CACHE_DIR=cache_dir, NO_COLOR="1")
    env.pop("WORKON_HOME", None)
    env.pop("XDG_CONFIG_HOME", None)
    env.pop("VIRTUAL_ENV", None)

    def vs(*args, cwd=str(root)):
        p = subprocess.run([BIN, *args], cwd=cwd, env=env, capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
        return p

    vs("-g", "new", "tools", "--python", PY, "--seed")
    vs("-g", "new", ODD, "--python", PY, "--no-seed")
    (proj / "venv.yaml").write_text(json.dumps({
        "version": 1, "python": PY,
        "environments": {"dev": {"path": ".venv", "prompt": "devp", "seed": False}}}))
    vs("sync", cwd=str(proj))
    return {"root": str(root), "home": str(home), "proj": str(proj), "env": env,
            "wh": str(home / ".virtualenvs")}


def run(argv, script, world, cwd=None, name="script"):
    path = os.path.join(world["root"], name)
    with open(path, "w") as f:
        f.write(script)
    p = subprocess.run(argv + [path], cwd=cwd or world["root"], env=world["env"],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    out = {}
    for line in p.stdout.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out.setdefault(k, v)
    return out, p


def init_line(shell):
    return {"bash": f'eval "$({BIN} shell-init bash)"',
            "zsh": f'autoload -Uz compinit && compinit -u -d "$HOME/.zcompdump"; eval "$({BIN} shell-init zsh)"',
            "fish": f"{BIN} shell-init fish | source",
            "tcsh": f"eval `{BIN} shell-init tcsh`"}[shell]


POSIX = r"""
{init}
OLD_PATH="$PATH"
PS1='orig> '
workon > list.txt
echo "list_rc=$?"
workon tools
echo "rc=$?"
echo "ve=$VIRTUAL_ENV"
echo "python=$(command -v python)"
echo "pip=$(command -v pip)"
echo "ps1=$PS1"
workon "{odd}"
echo "odd_ve=$VIRTUAL_ENV"
deactivate
echo "after_ve=${{VIRTUAL_ENV-unset}}"
if [ "$PATH" = "$OLD_PATH" ]; then echo after_path=same; else echo after_path=changed; fi
echo "after_ps1=$PS1"
workon nope
echo "nope_rc=$?"
echo "nope_ve=${{VIRTUAL_ENV-unset}}"
cd {proj}
workon dev
echo "dev_ve=$VIRTUAL_ENV"
workon tools
echo "fallback_ve=$VIRTUAL_ENV"
workon > list2.txt
deactivate
"""

FISH = r"""
{init}
set -l old_path $PATH
workon > list.txt
echo "list_rc=$status"
workon tools
echo "rc=$status"
echo "ve=$VIRTUAL_ENV"
echo "python="(command -v python)
echo "pip="(command -v pip)
workon {odd_fish}
echo "odd_ve=$VIRTUAL_ENV"
deactivate
if set -q VIRTUAL_ENV; echo "after_ve=$VIRTUAL_ENV"; else; echo after_ve=unset; end
if test (string join : $PATH) = (string join : $old_path); echo after_path=same; else; echo after_path=changed; end
workon nope
echo "nope_rc=$status"
if set -q VIRTUAL_ENV; echo "nope_ve=$VIRTUAL_ENV"; else; echo nope_ve=unset; end
cd {proj}
workon dev
echo "dev_ve=$VIRTUAL_ENV"
workon tools
echo "fallback_ve=$VIRTUAL_ENV"
workon > list2.txt
deactivate
"""

# tcsh: no $? after an alias that evals nothing useful, so the checks use the variables only.
TCSH = r"""
{init}
set old_path = "$PATH"
workon > list.txt
echo "list_rc=$status"
workon tools
echo "ve=$VIRTUAL_ENV"
echo "python=`which python`"
echo "pip=`which pip`"
workon {odd_csh}
echo "odd_ve=$VIRTUAL_ENV"
deactivate
if ($?VIRTUAL_ENV) then
  echo "after_ve=$VIRTUAL_ENV"
else
  echo after_ve=unset
endif
if ("$PATH" == "$old_path") then
  echo after_path=same
else
  echo after_path=changed
endif
workon nope
if ($?VIRTUAL_ENV) then
  echo "nope_ve=$VIRTUAL_ENV"
else
  echo nope_ve=unset
endif
cd {proj}
workon dev
echo "dev_ve=$VIRTUAL_ENV"
workon tools
echo "fallback_ve=$VIRTUAL_ENV"
workon > list2.txt
deactivate
"""


def quote_sh(s):
    return "'" + s.replace("'", "'\\''") + "'"


SHELLS = {
    "bash": (["bash", "--norc", "--noprofile"], POSIX),
    "zsh": (["zsh", "-f"], POSIX),
    "fish": (["fish", "--no-config"], FISH),
    "tcsh": (["tcsh", "-f"], TCSH),
}


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_workon_activates_in_the_current_shell(world, shell):
    argv, script = SHELLS[shell]
    if not have(argv[0]):
        pytest.skip(f"{argv[0]} not installed")
    odd_q = ODD.replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
    odd_csh = "'" + ODD.replace("'", "'\\''") + "'"
    odd_fish = "'" + ODD.replace("\\", "\\\\").replace("'", "\\'") + "'"
    text = script.format(init=init_line(shell), odd=odd_q, odd_csh=odd_csh, odd_fish=odd_fish,
                         proj=quote_sh(world["proj"]))
    out, p = run(argv, text, world, name=f"workon.{shell}")
    tools = os.path.join(world["wh"], "tools")
    assert out.get("ve") == tools, (out, p.stderr)
    assert out["python"] == os.path.join(tools, "bin", "python")
    assert out["pip"] == os.path.join(tools, "bin", "pip"), "seeded pip comes first on PATH"
    if shell in ("bash", "zsh"):
        assert out["ps1"] == "(tools) orig> "
        assert out["after_ps1"] == "orig> "
        assert out["rc"] == "0"
    assert out["odd_ve"] == os.path.join(world["wh"], ODD), "names are quoted for the shell"
    assert out["after_ve"] == "unset" and out["after_path"] == "same"
    assert out["nope_ve"] == "unset", "a wrong name activates nothing"
    if shell != "tcsh":
        assert out["nope_rc"] == "2"
    assert "no environment named 'nope'" in p.stderr
    assert out["dev_ve"] == os.path.join(world["proj"], ".venv"), "the project's manifest first"
    assert out["fallback_ve"] == tools, "then the global one"
    listed = open(os.path.join(world["root"], "list.txt")).read().splitlines()
    assert listed == ["tools", ODD], listed
    listed = open(os.path.join(world["proj"], "list2.txt")).read().splitlines()
    assert listed == ["dev"], "in the project: its environments"


def test_workon_makes_a_missing_environment(world, tmp_path):
    d = tmp_path / "p"
    d.mkdir()
    (d / "venv.yaml").write_text(json.dumps({"version": 1, "python": PY,
                                             "environments": {"fresh": {"seed": False}}}))
    out, p = run(["bash", "--norc", "--noprofile"],
                 init_line("bash") + '\nworkon fresh >out.txt\necho "ve=$VIRTUAL_ENV"\n', world,
                 cwd=str(d), name="fresh.bash")
    assert out["ve"] == str(d / ".venvs" / "fresh"), p.stderr
    assert "+ create" in p.stderr, "the sync report goes to stderr"
    assert open(d / "out.txt").read() == ""


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "tcsh"])
def test_completion_alone_defines_no_workon(world, shell):
    p = subprocess.run([BIN, "completion", shell], capture_output=True, text=True, env=world["env"])
    assert p.returncode == 0
    assert "\nworkon()" not in p.stdout and "function workon" not in p.stdout
    assert "alias workon" not in p.stdout
    assert "__complete" in p.stdout and BIN in p.stdout
    full = subprocess.run([BIN, "shell-init", shell], capture_output=True, text=True,
                          env=world["env"]).stdout
    assert "__workon" in full and "__complete" in full


# ---- completion ------------------------------------------------------------------------------

BASH_COMPLETE = r"""
{init}
complete_line() {{
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
    if [ "$1" = workon ]; then _venvsync_complete_workon; else _venvsync_complete; fi
    local IFS=,; echo "${{COMPREPLY[*]}}"
}}
echo "cmds=$(complete_line venvsync sh)"
echo "envs=$(complete_line venvsync -g activate t)"
echo "opts=$(complete_line venvsync sync --lin)"
echo "shells=$(complete_line venvsync shell-init '')"
echo "act=$(complete_line venvsync activate --shell f)"
echo "workon=$(complete_line workon t)"
echo "local=$(complete_line venvsync list d)"
echo "sub=$(complete_line venvsync python p)"
echo "files=$(complete_line venvsync -f venv.y)"
"""


def test_bash_completion(world):
    out, p = run(["bash", "--norc", "--noprofile"],
                 BASH_COMPLETE.format(init=init_line("bash")), world, cwd=world["proj"],
                 name="complete.bash")
    assert out["cmds"] == "shell,shell-init", (out, p.stderr)
    assert out["envs"] == "tools"
    assert out["opts"] == "--link-mode"
    assert out["shells"] == "bash,zsh,fish,tcsh"
    assert out["act"] == "fish"
    assert out["workon"] == "tools"
    assert out["local"] == "dev"
    assert out["sub"] == "pin"
    assert out["files"] == "venv.yaml"


def test_fish_completion(world):
    script = init_line("fish") + r"""
echo "cmds="(complete -C 'venvsync sh' | string join ,)
echo "envs="(complete -C 'venvsync -g activate t' | string join ,)
echo "opts="(complete -C 'venvsync sync --lin' | string join ,)
echo "shells="(complete -C 'venvsync completion ' | string join ,)
echo "workon="(complete -C 'workon t' | string join ,)
"""
    if not have("fish"):
        pytest.skip("fish not installed")
    out, p = run(["fish", "--no-config"], script, world, cwd=world["proj"], name="complete.fish")
    assert out["cmds"].split(",")[0].startswith("shell\t"), (out, p.stderr)
    assert [c.split("\t")[0] for c in out["cmds"].split(",")] == ["shell", "shell-init"]
    assert out["envs"] == "tools\tenvironment"
    assert out["opts"].split("\t")[0] == "--link-mode"
    assert sorted(c.split("\t")[0] for c in out["shells"].split(",")) == ["bash", "fish", "tcsh", "zsh"]
    assert out["workon"] == "tools\tenvironment"


def interact(argv, steps, world, cwd):
    """Runs argv on a pseudo-terminal and types each (text, expect) of steps, waiting until the
    terminal shows expect (at most 15 s; a short pause when expect is None). Returns what the
    terminal showed."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execvpe(argv[0], argv, world["env"])
    shown = b""

    def drain(until, timeout, since=0):
        nonlocal shown
        end = time.time() + timeout
        while time.time() < end:
            if until and until.encode() in shown[since:]:
                return
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    return
                if not data:
                    return
                shown += data
    try:
        drain(None, 1.0)
        for text, expect in steps:
            mark = len(shown)
            os.write(fd, text.encode())
            if expect:
                drain(expect, 15, mark)
                if expect.encode() not in shown[mark:]:
                    break
            else:
                drain(None, 0.3)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return shown.decode(errors="replace")


CLEAR = "\x15"  # ^U: kill the line typed so far (zsh with -f and tcsh both bind it)


@pytest.mark.parametrize("shell", ["zsh", "tcsh"])
def test_tab_completion_in_an_interactive_shell(world, shell):
    if not have(shell):
        pytest.skip(f"{shell} not installed")
    argv = ["zsh", "-f", "-i"] if shell == "zsh" else ["tcsh", "-f", "-i"]
    wants = [("venvsync -g activate t", "venvsync -g activate tools"),
             ("workon t", "workon tools"),
             ("venvsync shell-i", "venvsync shell-init"),
             ("venvsync completion fi", "venvsync completion fish"),
             ("venvsync list d", "venvsync list dev"),
             ("venvsync sync --link-m", "venvsync sync --link-mode")]
    steps = [(init_line(shell) + "\r", None), ("echo READY\r", "READY\r\n")]
    for typed, want in wants:
        steps += [(typed + "\t", want), (CLEAR, None)]
    shown = interact(argv, steps, world, world["proj"])
    for _, want in wants:
        assert want in shown, f"{want!r} not completed in:\n{shown[-2000:]!r}"


def test_complete_never_starts_python(world):
    if not have("strace"):
        pytest.skip("strace not installed")
    log = os.path.join(world["root"], "strace.log")
    env = dict(world["env"], ASAN_OPTIONS="detect_leaks=0")  # LeakSanitizer cannot run under ptrace
    p = subprocess.run(["strace", "-f", "-qq", "-o", log, "-e", "trace=execve", BIN, "__complete",
                        "--", "-g", "activate", "t"], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["tools"], p.stdout
    execs = [line for line in open(log) if "execve(" in line]
    assert len(execs) == 1, execs
