/*
 * env: cached isolated build environments (see env.h).
 */
#include "build/env.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/backend.h"
#include "pkg/name.h"
#include "util/cachedir.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/proc.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "venv/venv.h"
#include "wheel/install.h"

#define KEY_FORMAT "venvsync build environment 2"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

err_t *buildenv_key(const interp_t *py, wheel_unpacked_t *const *wheels, size_t n,
                    char out[33], buf_t *text)
{
    char **lines = xcalloc(n + 1, sizeof *lines);
    err_t *e = NULL;
    for (size_t i = 0; i < n; i++) {
        char *name = pkg_name_normalize(wheels[i]->name);
        lines[i] = xasprintf("%s==%s %s\n", name, wheels[i]->version, wheels[i]->sha256);
        free(name);
    }
    qsort(lines, n, sizeof *lines, cmp_str);
    for (size_t i = 1; i < n && !e; i++) {
        size_t a = strcspn(lines[i - 1], "="), b = strcspn(lines[i], "=");
        if (a == b && strncmp(lines[i - 1], lines[i], a) == 0)
            e = err_new(EXIT_APPLY, "build environment: two wheels of %.*s were given", (int)a,
                        lines[i]);
    }
    buf_t b = BUF_INIT;
    if (!e) {
        buf_printf(&b, "%s\npython %s %s %s %s %llu %lld\n", KEY_FORMAT, py->realpath,
                   py->implementation, py->version, py->abiflags ? py->abiflags : "",
                   (unsigned long long)py->id.size, (long long)py->id.mtime_ns);
        for (size_t i = 0; i < n; i++)
            buf_adds(&b, lines[i]);
        if (!(e = hash_available())) {
            char hex[65];
            sha256_hex(b.data, b.len, hex);
            memcpy(out, hex, 32);
            out[32] = '\0';
            if (text)
                buf_add(text, b.data, b.len);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    buf_free(&b);
    return e;
}

static bool complete(const char *entry)
{
    char *marker = path_join(entry, "COMPLETE");
    char *python = path_join(entry, "venv/bin/python");
    struct stat st;
    bool ok = stat(marker, &st) == 0 && S_ISREG(st.st_mode) && stat(python, &st) == 0;
    if (ok)
        utimensat(AT_FDCWD, marker, NULL, 0);
    free(python);
    free(marker);
    return ok;
}

static char *version_xy(const interp_t *py)
{
    return xasprintf("%d.%d", py->major, py->minor);
}

/* Byte-compiles, with one run of the interpreter (-I: no PYTHON* variable applies), the hook
 * runner of a CPython environment (argv[1..3]: source, .pyc, the name tracebacks show) and
 * every .py file below each site-packages directory (argv[4..]: pairs of the directory and its
 * final path), timestamp-checked .pyc files where the interpreter knows the choice. */
static const char compile_script[] =
    "import compileall, py_compile, sys\n"
    "kw = {}\n"
    "if hasattr(py_compile, 'PycInvalidationMode'):\n"
    "    kw['invalidation_mode'] = py_compile.PycInvalidationMode.TIMESTAMP\n"
    "a = sys.argv\n"
    "if a[1]:\n"
    "    py_compile.compile(a[1], cfile=a[2], dfile=a[3], **kw)\n"
    "for i in range(4, len(a) - 1, 2):\n"
    "    compileall.compile_dir(a[i], ddir=a[i + 1], quiet=2, **kw)\n";

/* Compiles the environment at venv (to live at final_venv) as pip's build environments are:
 * every hook then imports the backend from .pyc files instead of compiling it from source in
 * its own process (setuptools: ~10 MiB less at the hook's peak and ~0.4 s less per hook), and
 * nothing depends on hooks writing .pyc files (PYTHONDONTWRITEBYTECODE in the caller's
 * environment stops them). Best effort, like pip's: what does not compile stays source, and a
 * missing runner .pyc only means backend_call runs hooks.py from source. */
static void compile_env(const interp_t *py, const char *venv, const char *final_venv)
{
    char **argv = NULL;
    size_t n = 0, cap = 0;
    strv_push(&argv, &n, &cap, xstrdup(py->path));
    strv_push(&argv, &n, &cap, xstrdup("-I"));
    strv_push(&argv, &n, &cap, xstrdup("-c"));
    strv_push(&argv, &n, &cap, xstrdup(compile_script));
    char *runner = backend_runner_dir(venv), *final_runner = backend_runner_dir(final_venv);
    bool with_runner = py->implementation && strcmp(py->implementation, "cpython") == 0;
    if (with_runner) {
        err_t *e = backend_runner_write(runner);
        with_runner = !e;
        err_free(e);
    }
    strv_push(&argv, &n, &cap, with_runner ? path_join(runner, "hooks.py") : xstrdup(""));
    strv_push(&argv, &n, &cap, with_runner ? path_join(runner, "hooks.pyc") : xstrdup(""));
    strv_push(&argv, &n, &cap, with_runner ? path_join(final_runner, "hooks.py") : xstrdup(""));
    const char *sites[2] = {py->venv_purelib, py->venv_platlib};
    for (int i = 0; i < 2; i++) {
        if (!sites[i] || (i == 1 && sites[0] && strcmp(sites[0], sites[1]) == 0))
            continue;
        char *dir = path_join(venv, sites[i]);
        if (fs_is_dir(dir)) {
            strv_push(&argv, &n, &cap, dir);
            strv_push(&argv, &n, &cap, path_join(final_venv, sites[i]));
        } else {
            free(dir);
        }
    }
    buf_t out = BUF_INIT, errs = BUF_INIT;
    int status = 0;
    err_free(proc_capture(argv, NULL, &out, &errs, &status));
    buf_free(&out);
    buf_free(&errs);
    free(runner);
    free(final_runner);
    strv_free(argv);
}

/* Writes the environment into stage/venv (named final_venv) and installs the wheels. */
static err_t *make(const char *stage, const char *final_venv, const interp_t *py,
                   wheel_unpacked_t *const *wheels, size_t n, const char *key_text)
{
    char *venv = path_join(stage, "venv");
    err_t *e = fs_mkdirs(venv, 0755);
    venv_params_t vp = {.path = final_venv, .py = py, .prompt = "venvsync-build",
                        .system_site_packages = false};
    if (!e)
        e = venv_write(&vp, venv);
    char *python = path_join(final_venv, "bin/python");
    char *xy = version_xy(py);
    for (size_t i = 0; i < n && !e; i++) {
        wheel_target_t t = {
            .root = venv,
            .purelib = py->venv_purelib,
            .platlib = py->venv_platlib,
            .scripts = py->venv_scripts,
            .headers = NULL,
            .data = "",
            .python = python,
            .python_version = xy,
            .requested = false,
            .direct_url = NULL,
            .installer = "venvsync",
            .link = WHEEL_LINK_AUTO,
        };
        wheel_installed_t r = {0};
        e = wheel_install(wheels[i], &t, &r);
        wheel_installed_free(&r);
    }
    if (!e)
        compile_env(py, venv, final_venv);
    if (!e) {
        char *marker = path_join(stage, "COMPLETE");
        e = fs_write_new(marker, key_text, strlen(key_text), 0644);
        free(marker);
    }
    free(xy);
    free(python);
    free(venv);
    return e;
}

err_t *buildenv_get(const char *cache_dir, const interp_t *py, wheel_unpacked_t *const *wheels,
                    size_t n, buildenv_t *out)
{
    memset(out, 0, sizeof *out);
    if (!py->venv_capable)
        return err_new(EXIT_APPLY, "%s cannot host a virtual environment, so it cannot run "
                       "build backends", py->path);
    buf_t key_text = BUF_INIT;
    err_t *e = buildenv_key(py, wheels, n, out->key, &key_text);
    if (e) {
        buf_free(&key_text);
        return e;
    }
    char *envs = path_joinv(cache_dir, CACHE_BUILDS, BUILDENV_SUBDIR, NULL);
    char *entry = path_join(envs, out->key);
    char *final_venv = path_join(entry, "venv");
    out->dir = xstrdup(final_venv);
    out->python = path_join(final_venv, "bin/python");

    if (complete(entry)) {
        out->reused = true;
        goto done;
    }
    e = fs_mkdirs(envs, 0755);
    char *stage = NULL;
    if (!e)
        e = fs_mkdtemp_in(envs, ".tmp-", &stage);
    if (!e)
        e = make(stage, final_venv, py, wheels, n, buf_cstr(&key_text));
    bool placed = false;
    for (int attempt = 0; !e && !placed && attempt < 2; attempt++) {
        if (rename(stage, entry) == 0) {
            out->n_installed = n;
            fs_sync_dir(envs);
            placed = true;
            break;
        }
        if (errno != EEXIST && errno != ENOTEMPTY) {
            e = err_sys(EXIT_APPLY, errno, "moving the build environment into %s", entry);
            break;
        }
        if (complete(entry)) {          /* another run made it first */
            out->reused = true;
            placed = true;
            break;
        }
        /* A damaged entry (no COMPLETE): move it aside, delete it, try once more. */
        char *trash = NULL;
        e = fs_mkdtemp_in(envs, ".trash-", &trash);
        if (!e) {
            char *aside = path_join(trash, "entry");
            if (rename(entry, aside) != 0 && errno != ENOENT)
                e = err_sys(EXIT_APPLY, errno, "removing the damaged build environment %s",
                            entry);
            free(aside);
            err_free(fs_rmtree(trash));
        }
        free(trash);
    }
    if (!e && !placed)
        e = err_new(EXIT_APPLY, "%s keeps appearing without being complete", entry);
    if (stage) {
        err_free(fs_rmtree(stage));     /* gone after a successful rename: a no-op then */
        free(stage);
    }
    if (e)
        e = err_ctx(e, "making the build environment %s", entry);
done:
    buf_free(&key_text);
    free(final_venv);
    free(entry);
    free(envs);
    if (e)
        buildenv_free(out);
    return e;
}

void buildenv_free(buildenv_t *b)
{
    free(b->dir);
    free(b->python);
    memset(b, 0, sizeof *b);
}
