"""venvsync's build front end: runs one PEP 517 / PEP 660 build-backend hook in this process.

Embedded into venvsync (src/build/hooks.py). build/env.c writes it into each build environment
it makes and byte-compiles it there; build/backend.c runs that hooks.pyc (or, in an environment
without it, this file written next to the control files of the call) with the build
environment's interpreter, in the source tree:

    <buildenv>/bin/python -s <buildenv>/venvsync-hooks-<hash>/hooks.pyc HOOK CTRL
    <buildenv>/bin/python -s <CTRL>/hooks.py HOOK CTRL

CTRL/input.json: {"backend": "mod:obj.attr", "backend_path": [absolute dirs], "kwargs": {...}}
CTRL/output.json, written (atomically) when the hook finished or could not be called, one of:
    {"return_val": <what the hook returned>}
    {"unsupported": true, "traceback": "..."}          build_sdist raised UnsupportedOperation
    {"hook_missing": true, "missing_hook_name": "..."} the backend lacks a mandatory hook
    {"no_backend": true, "backend_error": "...", "traceback": "..."}   importing it failed
    {"backend_invalid": true, "backend_error": "..."}  not loaded from backend-path, or no
                                                       such object
Any other exception from the backend: its traceback (less this file's frames) on stderr and exit
status 1 (no output.json).

Rules (PEP 517 "Build backend interface", PEP 660):
  - this file's directory is removed from sys.path, so nothing in CTRL, in the runner's
    directory or in the source tree (the working directory) is importable; only backend-path entries are put first on sys.path, and a
    backend given backend-path must be loaded from one of them;
  - optional hooks: get_requires_for_build_* missing -> []; prepare_metadata_for_build_wheel
    missing -> build_wheel into the metadata directory, extract the wheel's .dist-info there and
    leave a marker, so a later build_wheel given that .dist-info copies the wheel instead of
    building again; prepare_metadata_for_build_editable likewise with build_editable (missing as
    well: hook_missing build_editable);
  - build_editable missing -> hook_missing; build_sdist raising the backend module's
    UnsupportedOperation -> unsupported.
Runs on every Python 3 from 3.6 on: no f-strings, no walrus, nothing newer in the standard library.
"""
import importlib
import json
import os
import shutil
import sys
import traceback
import zipfile

MARKER = "VENVSYNC_ALREADY_BUILT_WHEEL"


class HookMissing(Exception):
    def __init__(self, name):
        Exception.__init__(self, name)
        self.name = name


class BackendUnavailable(Exception):
    def __init__(self, message, tb):
        Exception.__init__(self, message)
        self.message = message
        self.tb = tb


class BackendInvalid(Exception):
    pass


def _inside(path, directory):
    path = os.path.normcase(os.path.realpath(path))
    directory = os.path.normcase(os.path.realpath(directory))
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:
        return False


def load_backend(spec, backend_path):
    """(the imported module, the backend object) for "mod:obj.attr"."""
    if backend_path:
        sys.path[:0] = list(backend_path)
    mod_name, _, obj_path = spec.partition(":")
    try:
        module = importlib.import_module(mod_name)
    except ImportError as e:
        raise BackendUnavailable("%s: %s" % (type(e).__name__, e), traceback.format_exc())
    if backend_path:
        where = getattr(module, "__file__", None)
        if not where or not any(_inside(where, d) for d in backend_path):
            raise BackendInvalid("backend '%s' was loaded from %s, not from backend-path (%s)"
                                 % (mod_name, where, ", ".join(backend_path)))
    obj = module
    if obj_path:
        for attr in obj_path.split("."):
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                raise BackendInvalid("backend '%s' has no attribute '%s'" % (spec, obj_path))
    return module, obj


def _dist_info_from_wheel(wheel_path, metadata_directory):
    """Extracts the wheel's one top-level .dist-info directory; returns its name."""
    with zipfile.ZipFile(wheel_path) as z:
        names = z.namelist()
        tops = set()
        for n in names:
            top = n.split("/", 1)[0]
            if top.endswith(".dist-info") and "/" in n:
                tops.add(top)
        if len(tops) != 1:
            raise Exception("%s holds %d .dist-info directories, not one"
                            % (os.path.basename(wheel_path), len(tops)))
        dist_info = tops.pop()
        for n in names:
            if n.startswith(dist_info + "/") and not n.endswith("/"):
                z.extract(n, metadata_directory)
    return dist_info


def _build_for_metadata(backend, hook_name, metadata_directory, config_settings):
    hook = getattr(backend, hook_name, None)
    if hook is None:
        raise HookMissing(hook_name)
    wheel = hook(metadata_directory, config_settings)
    dist_info = _dist_info_from_wheel(os.path.join(metadata_directory, wheel),
                                      metadata_directory)
    with open(os.path.join(metadata_directory, MARKER), "w") as f:
        f.write(wheel)
    return dist_info


def _already_built(metadata_directory, wheel_directory):
    """The wheel a metadata fallback built, copied to wheel_directory; or None."""
    if not metadata_directory:
        return None
    parent = os.path.dirname(os.path.abspath(metadata_directory))
    marker = os.path.join(parent, MARKER)
    if not os.path.isfile(marker):
        return None
    with open(marker) as f:
        wheel = f.read().strip()
    source = os.path.join(parent, wheel)
    if not wheel or os.sep in wheel or not os.path.isfile(source):
        return None
    shutil.copy2(source, os.path.join(wheel_directory, wheel))
    return wheel


def call(module, backend, hook_name, kwargs):
    config_settings = kwargs.get("config_settings")
    if hook_name.startswith("get_requires_for_build_"):
        hook = getattr(backend, hook_name, None)
        if hook is None:
            return []
        return hook(config_settings)
    if hook_name == "prepare_metadata_for_build_wheel":
        hook = getattr(backend, hook_name, None)
        if hook is None:
            return _build_for_metadata(backend, "build_wheel", kwargs["metadata_directory"],
                                       config_settings)
        return hook(kwargs["metadata_directory"], config_settings)
    if hook_name == "prepare_metadata_for_build_editable":
        hook = getattr(backend, hook_name, None)
        if hook is None:
            return _build_for_metadata(backend, "build_editable", kwargs["metadata_directory"],
                                       config_settings)
        return hook(kwargs["metadata_directory"], config_settings)
    if hook_name in ("build_wheel", "build_editable"):
        hook = getattr(backend, hook_name, None)
        if hook is None:
            raise HookMissing(hook_name)
        metadata_directory = kwargs.get("metadata_directory")
        prebuilt = _already_built(metadata_directory, kwargs["wheel_directory"])
        if prebuilt:
            return prebuilt
        return hook(kwargs["wheel_directory"], config_settings, metadata_directory)
    if hook_name == "build_sdist":
        hook = getattr(backend, hook_name, None)
        if hook is None:
            raise HookMissing(hook_name)
        return hook(kwargs["sdist_directory"], config_settings)
    raise SystemExit("hooks.py: unknown hook %r" % hook_name)


def report(exc):
    """The traceback of an exception from the backend, without this file's frames."""
    tb = exc.__traceback__
    here = report.__code__.co_filename     # this file's frames, run from source or from .pyc
    while tb is not None and tb.tb_frame.f_code.co_filename == here:
        tb = tb.tb_next
    sys.stdout.flush()
    traceback.print_exception(type(exc), exc, tb)
    sys.stderr.flush()


def write_output(ctrl, obj):
    tmp = os.path.join(ctrl, "output.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f)
    os.replace(tmp, os.path.join(ctrl, "output.json"))


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: hooks.py HOOK CTRL\n")
        return 2
    hook_name, ctrl = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != here]
    with open(os.path.join(ctrl, "input.json"), encoding="utf-8") as f:
        inp = json.load(f)
    try:
        module, backend = load_backend(inp["backend"], inp.get("backend_path") or [])
    except BackendUnavailable as e:
        sys.stderr.write("cannot import the build backend %r: %s\n" % (inp["backend"], e.message))
        write_output(ctrl, {"no_backend": True, "backend_error": e.message, "traceback": e.tb})
        return 0
    except BackendInvalid as e:
        sys.stderr.write("%s\n" % e)
        write_output(ctrl, {"backend_invalid": True, "backend_error": str(e)})
        return 0
    unsupported = getattr(module, "UnsupportedOperation", None)
    if not (isinstance(unsupported, type) and issubclass(unsupported, BaseException)):
        unsupported = None
    try:
        result = call(module, backend, hook_name, inp.get("kwargs") or {})
    except HookMissing as e:
        write_output(ctrl, {"hook_missing": True, "missing_hook_name": e.name})
        return 0
    except Exception as e:
        if unsupported is not None and isinstance(e, unsupported):
            write_output(ctrl, {"unsupported": True, "traceback": traceback.format_exc()})
            return 0
        report(e)
        return 1
    sys.stdout.flush()
    sys.stderr.flush()
    write_output(ctrl, {"return_val": result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
