"""Helpers shared by the bench_*.py scripts: uv for the comparison columns, timing a child with
its peak memory, interleaved rounds and the summary lines.

uv is never needed by the tests. The benchmarks install it (`pip install uv`, with virtualenv
beside it) once into a bench-only virtual environment, $XDG_CACHE_HOME/venvsync-bench/tools
(~/.cache/... by default), made with /usr/bin/python3 -m venv; where PyPI cannot be reached,
find_uv() returns None with the reason and every uv column reads "skipped".

run(argv) runs argv through a tiny C launcher (compiled once with cc into the tools directory)
that takes the monotonic clock, posix_spawns argv (output to /dev/null), waits for it with wait4
and prints the wall time and the child's ru_maxrss (peak RSS, KiB). Spawning from Python itself
would charge Python's own ~15 MiB to every child: a vfork'd or forked child's peak RSS counts the
pages it shares with its parent before exec; the launcher's are ~1 MiB (the floor every row
shares, as `true` shows). A failing command stops the benchmark with its stderr.

rounds(commands, runs) runs every command once per round, in the given order, round after round
(A, B, C, A, B, C...), so that a load change on this shared machine hits all of them alike; each
command may have a setup run, untimed, before each of its runs. stats() turns the samples into
the median, min, max and the spread ((max - min) / median), and the largest peak RSS.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

TOOLS_PYTHON = "/usr/bin/python3"


def tools_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "venvsync-bench", "tools")


def _tools(packages):
    """The bench-only environment with `packages` installed in it (pip, from PyPI), or None
    and the reason."""
    d = tools_dir()
    py = os.path.join(d, "bin", "python")
    if not os.path.exists(py):
        p = subprocess.run([TOOLS_PYTHON, "-m", "venv", d], capture_output=True, text=True)
        if p.returncode != 0:
            return None, f"{TOOLS_PYTHON} -m venv {d} failed: {p.stderr.strip()[-300:]}"
    missing = [pk for pk in packages if not os.path.exists(os.path.join(d, "bin", pk))]
    if missing:
        p = subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                            "--timeout", "20", *missing], capture_output=True, text=True)
        if p.returncode != 0:
            return None, (f"`pip install {' '.join(missing)}` failed (is PyPI reachable?): "
                          f"{p.stderr.strip().splitlines()[-1] if p.stderr.strip() else p.returncode}")
    return d, None


def find_uv():
    """(path of uv, None) or (None, why it is skipped). $VENVSYNC_BENCH_UV names one to use."""
    if os.environ.get("VENVSYNC_BENCH_UV"):
        return os.environ["VENVSYNC_BENCH_UV"], None
    d, why = _tools(["uv"])
    if not d:
        return None, why
    return os.path.join(d, "bin", "uv"), None


def uv_version(uv):
    return subprocess.run([uv, "--version"], capture_output=True, text=True).stdout.strip()


def find_virtualenv():
    """virtualenv from the bench tools (pip install virtualenv), else on PATH, else None."""
    d, _ = _tools(["virtualenv"])
    if d:
        return os.path.join(d, "bin", "virtualenv")
    return shutil.which("virtualenv")


def uv_env(cache, project_config=False, **extra):
    """The environment uv runs in: its cache, no download of Pythons, no config file. With
    project_config, the project's pyproject.toml [tool.uv] is read (UV_NO_CONFIG would skip it
    too, and `uv lock` would then resolve against pypi.org); user and system files are still
    kept out by an empty XDG_CONFIG_HOME."""
    env = dict(os.environ, UV_CACHE_DIR=cache, UV_PYTHON_DOWNLOADS="never", UV_NO_CONFIG="1",
               UV_NO_PROGRESS="1", NO_COLOR="1")
    if project_config:
        del env["UV_NO_CONFIG"]
        empty = os.path.join(os.path.dirname(cache), "uv-no-config")
        os.makedirs(empty, exist_ok=True)
        env["XDG_CONFIG_HOME"] = empty
    env.pop("VIRTUAL_ENV", None)
    env.update(extra)
    return env


LAUNCHER_C = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
/* launcher ERRFILE ARGV...: runs ARGV (stdout to /dev/null, stderr to ERRFILE) and prints
 * "<wall ns> <ru_maxrss KiB> <wait status>" */
int main(int argc, char **argv)
{
    if (argc < 3)
        return 125;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid;
    if (posix_spawnp(&pid, argv[2], &fa, NULL, argv + 2, environ) != 0)
        return 126;
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return 127;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    printf("%lld %ld %d\n", ns, ru.ru_maxrss, status);
    return 0;
}
"""
_launcher = None


def launcher():
    global _launcher
    if _launcher:
        return _launcher
    d = tools_dir()
    os.makedirs(d, exist_ok=True)
    src = os.path.join(d, "launcher.c")
    exe = os.path.join(d, "launcher")
    if not os.path.exists(src) or open(src).read() != LAUNCHER_C:
        with open(src, "w") as f:
            f.write(LAUNCHER_C)
        if os.path.exists(exe):
            os.unlink(exe)
    if not os.path.exists(exe):
        subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", exe, src], check=True)
    _launcher = exe
    return exe


def run(argv, env=None, cwd=None, check=True):
    """(seconds, peak RSS in KiB) of one run of argv."""
    with tempfile.NamedTemporaryFile(prefix="vs-bench-err-") as errf:
        p = subprocess.run([launcher(), errf.name, *argv], env=env, cwd=cwd, capture_output=True,
                           text=True)
        if p.returncode != 0:
            raise SystemExit(f"cannot start {argv[0]} (launcher status {p.returncode})")
        ns, rss, status = (int(x) for x in p.stdout.split())
        if check and os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"benchmark command failed: {' '.join(argv)}\n"
                             f"{open(errf.name, errors='replace').read()[-3000:]}")
    return ns / 1e9, rss


def rounds(commands, runs, progress=None):
    """commands: list of (name, argv_fn(i) -> (argv, env, cwd), setup_fn(i) or None).
    Returns {name: [(seconds, rss), ...]}, the commands interleaved round by round."""
    out = {c[0]: [] for c in commands}
    for i in range(runs):
        for name, make, setup in commands:
            if setup:
                setup(i)
            argv, env, cwd = make(i)
            out[name].append(run(argv, env=env, cwd=cwd))
        if progress:
            progress(i, out)
    return out


def stats(samples):
    ts = sorted(s[0] for s in samples)
    med = statistics.median(ts)
    return {"median": med, "min": ts[0], "max": ts[-1], "n": len(ts),
            "spread": (ts[-1] - ts[0]) / med if med else 0.0,
            "rss": max(s[1] for s in samples)}


def fmt_time(sec):
    return f"{sec*1000:8.2f} ms" if sec < 1 else f"{sec:8.3f} s "


def line(name, st):
    """One result line: median, min-max, spread, peak RSS."""
    return (f"  {name:<50} median {fmt_time(st['median'])}  min {fmt_time(st['min'])}  "
            f"max {fmt_time(st['max'])}  spread {st['spread']*100:4.0f}%  "
            f"peak RSS {st['rss']/1024:6.1f} MiB")


def ratio_line(label, slow, fast, note=""):
    """`label: slow/fast` as a ratio (>1: the second is faster)."""
    r = slow["median"] / fast["median"] if fast["median"] else float("inf")
    m = slow["rss"] / fast["rss"] if fast["rss"] else float("inf")
    return f"  {label:<58} time {r:6.2f}x   memory {m:5.2f}x{('   ' + note) if note else ''}"


def machine():
    """One line saying where this ran."""
    try:
        with open("/etc/os-release") as f:
            osr = dict(l.rstrip("\n").split("=", 1) for l in f if "=" in l)
        name = osr.get("PRETTY_NAME", "").strip('"')
    except OSError:
        name = sys.platform
    load = os.getloadavg()
    return f"{name}, {os.cpu_count()} cores, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
