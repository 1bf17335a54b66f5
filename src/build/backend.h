/*
 * backend: runs one PEP 517 / PEP 660 hook of a build backend in a fresh process, through the
 * embedded front end build/hooks.py (see its docstring for the protocol).
 *
 * Each call:
 *  - makes a private control directory below opts->work_dir, writes input.json there
 *    ({"backend", "backend_path", "kwargs"}), and removes it afterwards;
 *  - runs `<env_dir>/bin/python -s RUNNER HOOK <ctrl>`, where RUNNER is the build environment's
 *    compiled hooks.py, <backend_runner_dir(env_dir)>/hooks.pyc, when it is there (build/env.h
 *    puts it there: the hook's process then compiles no source of its own, ~0.5 MiB less at its
 *    peak), else hooks.py written into the control directory; in its own process group with
 *    cwd = the source tree, stdin = /dev/null (hooks must not read it), stdout and stderr into
 *    one pipe, and the environment backend_environ() builds from the caller's list (no getenv:
 *    the caller passes the variables);
 *  - appends everything the process prints to opts->log_path (created 0644), and copies it to
 *    opts->stream as it comes when that is not NULL (-v);
 *  - with opts->timeout_ms > 0, a hook still running then gets SIGTERM, and SIGKILL 2 s later,
 *    sent to its whole process group (compilers it started too). When the hook itself has exited,
 *    anything it left running in its process group is killed as well, and output still arriving
 *    from such leftovers is not waited for. If venvsync dies, the hook's process is killed
 *    (PR_SET_PDEATHSIG);
 *  - reads <ctrl>/output.json.
 *
 * Errors are EXIT_APPLY, "<label>: <what>" followed by the last BACKEND_TAIL_LINES lines of the
 * output (control characters and invalid UTF-8 shown as '?') and "full log: <log_path>": the
 * process could not start, exited non-zero or by a signal (a crash: its traceback is in the
 * tail), timed out, wrote no or a malformed output.json, the backend could not be imported
 * (no_backend: "cannot import build backend ..."), was not loaded from backend-path or lacks
 * the named object (backend_invalid), or the hook returned a value of the wrong type. A missing
 * mandatory hook and build_sdist's UnsupportedOperation are not errors: they are outcomes.
 *
 * Ownership: backend_result_t owns its strings (backend_result_free). Thread-safe: no shared
 * state; several hooks may run at once (each has its own control directory and log).
 *
 * This is the one place besides util/proc that starts processes: util/proc has no way to set a
 * working directory, an environment, a process group or a timeout. (To move into util/proc.)
 */
#ifndef VENVSYNC_BUILD_BACKEND_H
#define VENVSYNC_BUILD_BACKEND_H
#include <stdbool.h>
#include <stdio.h>
#include "util/err.h"

#define BACKEND_TAIL_LINES 20

typedef enum backend_hook {
    BACKEND_GET_REQUIRES_FOR_BUILD_WHEEL,
    BACKEND_GET_REQUIRES_FOR_BUILD_EDITABLE,
    BACKEND_GET_REQUIRES_FOR_BUILD_SDIST,
    BACKEND_PREPARE_METADATA_FOR_BUILD_WHEEL,
    BACKEND_PREPARE_METADATA_FOR_BUILD_EDITABLE,
    BACKEND_BUILD_WHEEL,
    BACKEND_BUILD_EDITABLE,
    BACKEND_BUILD_SDIST,
} backend_hook_t;

/* "build_wheel", "prepare_metadata_for_build_editable", ... */
const char *backend_hook_name(backend_hook_t h);

typedef struct backend_opts {
    const char *env_dir;          /* the build environment; <env_dir>/bin/python runs the hook */
    const char *source_dir;       /* the tree: the hook's working directory */
    const char *backend;          /* "mod:obj.attr" (pyproject_t.build_backend) */
    char *const *backend_path;    /* absolute directories, or NULL */
    char *const *config_settings; /* "key=value" strings, or NULL: passed as a dict, a key
                                   * given twice becomes a list of its values */
    char *const *environ;         /* the caller's environment, "NAME=value", NULL-terminated
                                   * (NULL: empty); see backend_environ() */
    const char *work_dir;         /* an existing directory for the control directory */
    const char *log_path;         /* where the output is appended */
    FILE *stream;                 /* a copy of the output as it comes, or NULL */
    int timeout_ms;               /* <= 0: no limit */
    const char *label;            /* starts error messages ("building foo 1.0"); NULL: the hook */
} backend_opts_t;

typedef struct backend_args {
    const char *directory;        /* wheel_directory, metadata_directory or sdist_directory
                                   * (ignored by get_requires_*) */
    const char *metadata_directory; /* build_wheel / build_editable: the .dist-info a prepare_*
                                     * call made, or NULL */
} backend_args_t;

typedef enum backend_outcome {
    BACKEND_RETURNED = 0,         /* the hook returned: see str / list */
    BACKEND_HOOK_MISSING,         /* a mandatory hook is missing: missing_hook names it */
    BACKEND_UNSUPPORTED,          /* build_sdist raised UnsupportedOperation */
} backend_outcome_t;

typedef struct backend_result {
    backend_outcome_t outcome;
    char *str;                    /* prepare_* and build_*: the basename returned */
    char **list;                  /* get_requires_*: the requirements (NULL when empty) */
    char *missing_hook;           /* BACKEND_HOOK_MISSING: its name */
    double seconds;               /* how long the process ran */
} backend_result_t;

/* Runs hook with args (may be NULL for get_requires_*). On success *out holds the outcome; on
 * error *out is zeroed. */
err_t *backend_call(const backend_opts_t *o, backend_hook_t hook, const backend_args_t *args,
                    backend_result_t *out);
void backend_result_free(backend_result_t *r);

/* The hook runner's directory in a build environment (malloc'd):
 * <env_dir>/BACKEND_RUNNER_PREFIX-<hash_name_hex of the embedded hooks.py>, so a runner compiled
 * by another version of venvsync is never used. Whoever makes the environment writes hooks.py
 * there (backend_runner_write) and byte-compiles it to hooks.pyc beside it, for the
 * environment's interpreter; backend_call runs that hooks.pyc when it exists. */
#define BACKEND_RUNNER_PREFIX "venvsync-hooks"
char *backend_runner_dir(const char *env_dir);
/* Writes the embedded hooks.py into dir (made when absent). Errors: EXIT_APPLY. */
err_t *backend_runner_write(const char *dir);

/* The environment a hook runs with, from base ("NAME=value" list, may be NULL), as a strv:
 * every variable of base except PYTHONPATH, PYTHONHOME, PYTHONSTARTUP, PYTHONIOENCODING,
 * PYTHONNOUSERSITE, PYTHONUNBUFFERED, PYTHONFAULTHANDLER, VIRTUAL_ENV, __PYVENV_LAUNCHER__ and
 * venvsync's credentials (VENVSYNC_INDEX_USERNAME, VENVSYNC_INDEX_PASSWORD); then
 * PATH=<env_dir>/bin followed by base's PATH (when it has one), VIRTUAL_ENV=<env_dir>,
 * PYTHONIOENCODING=utf-8:backslashreplace, PYTHONNOUSERSITE=1, PYTHONUNBUFFERED=1 (so -v
 * shows output as it comes), PYTHONFAULTHANDLER=1 (a crash shows the Python stack). */
char **backend_environ(char *const *base, const char *env_dir);

#endif
