/* Unit tests for the build module against real processes: build/backend (hooks in a fresh
 * process: results, fallbacks, failures, crashes, timeouts, the environment), build/env (the
 * cached build environment), build/sdist (safe unpacking, PKG-INFO) and build/build (metadata,
 * wheels, the sdist cache, the fingerprint, editable installs) with setuptools from Debian's
 * /usr/share/python-wheels and the in-tree backends of tests/fixtures/projects. Offline. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build/backend.h"
#include "build/build.h"
#include "build/env.h"
#include "build/sdist.h"
#include "python/probe.h"
#include "support.h"
#include "util/buf.h"
#include "util/cachedir.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/proc.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "wheel/cache.h"
#include "wheel/install.h"

#define PY "/usr/bin/python3"
#define SYS_WHEELS "/usr/share/python-wheels"

/* The environment hooks are given: note PYTHONPATH and the index password, which must not reach
 * the backend, and KEEP_ME, which must. */
static char *test_environ[] = {
    "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8",
    "PYTHONPATH=/leaked/pythonpath", "VENVSYNC_INDEX_PASSWORD=secret", "KEEP_ME=yes", NULL,
};

static char *tmp;

static void setup(void)
{
    tmp = support_tmpdir("venvsync-build");
}

static void teardown(void)
{
    support_tmpdir_free(tmp);
}

TestSuite(build, .init = setup, .fini = teardown, .timeout = 240);

/* ---- helpers ------------------------------------------------------------------------------ */

static void run_ok(char *const argv[], buf_t *out)
{
    buf_t o = BUF_INIT, e = BUF_INIT;
    int status = -1;
    err_t *er = proc_capture(argv, NULL, &o, &e, &status);
    cr_assert_null(er, "%s", er ? er->msg : "");
    cr_assert_eq(status, 0, "%s exited %d:\n%s%s", argv[0], status, buf_cstr(&o), buf_cstr(&e));
    if (out)
        buf_add(out, o.data ? o.data : "", o.len);
    buf_free(&o);
    buf_free(&e);
}

/* A copy of tests/fixtures/projects/<name> in tmp (builds write into their tree). */
static char *fixture(const char *name)
{
    char *src = path_joinv(TEST_SRC_DIR, "tests/fixtures/projects", name, NULL);
    char *dst = path_join(tmp, name);
    char *argv[] = {"cp", "-r", src, dst, NULL};
    run_ok(argv, NULL);
    free(src);
    return dst;
}

static char *read_file(const char *dir, const char *rel)
{
    char *p = path_join(dir, rel);
    buf_t b = BUF_INIT;
    err_t *e = fs_read(p, &b);
    cr_assert_null(e, "%s", e ? e->msg : "");
    free(p);
    return buf_detach(&b);
}

static interp_t *python(void)
{
    interp_t *py = NULL;
    err_t *e = probe_interp(PY, NULL, &py, NULL);
    cr_assert_null(e, "%s", e ? e->msg : "");
    return py;
}

/* The wheel in /usr/share/python-wheels whose name starts with prefix ("setuptools-"). */
static char *sys_wheel(const char *prefix)
{
    char **names = NULL;
    err_t *e = fs_list_dir(SYS_WHEELS, &names);
    cr_assert_null(e, "%s (python3-setuptools-whl / python3-wheel-whl)", e ? e->msg : "");
    char *found = NULL;
    for (size_t i = 0; names[i]; i++)
        if (str_starts_with(names[i], prefix))
            found = path_join(SYS_WHEELS, names[i]);
    strv_free(names);
    cr_assert_not_null(found, "no %s*.whl in " SYS_WHEELS, prefix);
    return found;
}

typedef struct env {
    char *cache;
    interp_t *py;
    wheel_unpacked_t *w[4];
    size_t n;
    buildenv_t be;
} env_t;

/* A build environment in tmp/cache with the named system wheels ("setuptools-", "wheel-"). */
static void env_make(env_t *x, const char *const *prefixes)
{
    memset(x, 0, sizeof *x);
    x->cache = path_join(tmp, "cache");
    x->py = python();
    for (size_t i = 0; prefixes && prefixes[i]; i++) {
        char *p = sys_wheel(prefixes[i]);
        err_t *e = wheel_cache_unpack(x->cache, p, NULL, &x->w[x->n++]);
        cr_assert_null(e, "%s", e ? e->msg : "");
        free(p);
    }
    err_t *e = buildenv_get(x->cache, x->py, x->w, x->n, &x->be);
    cr_assert_null(e, "%s", e ? e->msg : "");
}

static void env_free(env_t *x)
{
    for (size_t i = 0; i < x->n; i++)
        wheel_unpacked_free(x->w[i]);
    buildenv_free(&x->be);
    interp_free(x->py);
    free(x->cache);
}

static const char *const SETUPTOOLS[] = {"setuptools-", "wheel-", NULL};

static build_opts_t opts(const env_t *x)
{
    build_opts_t o = {.cache_dir = x->cache, .env_dir = x->be.dir, .environ = test_environ};
    return o;
}

static build_source_t *open_dir(const char *dir, const build_opts_t *o)
{
    build_source_t *s = NULL;
    err_t *e = build_source_dir(dir, o, &s);
    cr_assert_null(e, "%s", e ? e->msg : "");
    return s;
}

static size_t count_entries(const char *dir)
{
    char **names = NULL;
    if (fs_list_dir(dir, &names))
        return 0;
    size_t n = strv_len(names);
    strv_free(names);
    return n;
}

static char *logs_dir(const env_t *x)
{
    return path_joinv(x->cache, CACHE_BUILDS, BUILD_LOGS_SUBDIR, NULL);
}

/* Makes an environment at dir for x->py (venv_write) and returns the install target. */
static wheel_target_t target_for(const env_t *x, const char *dir, char **python, char **xy)
{
    char *argv[] = {PY, "-m", "venv", "--without-pip", (char *)dir, NULL};
    run_ok(argv, NULL);
    *python = path_join(dir, "bin/python");
    *xy = xasprintf("%d.%d", x->py->major, x->py->minor);
    wheel_target_t t = {
        .root = dir, .purelib = x->py->venv_purelib, .platlib = x->py->venv_platlib,
        .scripts = "bin", .data = "", .python = *python, .python_version = *xy,
        .requested = true, .installer = "venvsync",
    };
    return t;
}

static void py_out(const char *python, const char *code, const char *cwd, buf_t *out)
{
    (void)cwd;
    char *argv[] = {(char *)python, "-c", (char *)code, NULL};
    run_ok(argv, out);
}

/* ---- backend: the hook protocol with an in-tree backend ------------------------------------- */

Test(build, environ_for_hooks)
{
    char *base[] = {"PATH=/usr/bin:/bin", "PYTHONPATH=/x", "PYTHONHOME=/y", "VIRTUAL_ENV=/old",
                    "PYTHONIOENCODING=latin-1", "VENVSYNC_INDEX_USERNAME=u",
                    "VENVSYNC_INDEX_PASSWORD=p", "CC=clang", "PYTHONSTARTUP=/s",
                    "__PYVENV_LAUNCHER__=/z", "PYTHONNOUSERSITE=", "NOEQUALS", NULL};
    char **v = backend_environ(base, "/c/env");
    const char *want[] = {"CC=clang", "PATH=/c/env/bin:/usr/bin:/bin", "VIRTUAL_ENV=/c/env",
                          "PYTHONIOENCODING=utf-8:backslashreplace", "PYTHONNOUSERSITE=1",
                          "PYTHONUNBUFFERED=1", "PYTHONFAULTHANDLER=1", NULL};
    size_t i = 0;
    for (; want[i]; i++) {
        cr_assert_not_null(v[i], "missing %s", want[i]);
        cr_assert_str_eq(v[i], want[i]);
    }
    cr_assert_null(v[i], "extra %s", v[i]);
    strv_free(v);
    v = backend_environ(NULL, "/e");
    cr_assert_str_eq(v[0], "PATH=/e/bin");
    strv_free(v);
}

Test(build, inline_backend_hooks_and_process)
{
    env_t x;
    env_make(&x, NULL);
    char *proj = fixture("inline_backend");
    char *cs[] = {"a=1", "b=x", "a=2", "flag", NULL};
    build_opts_t o = opts(&x);
    o.config_settings = cs;
    build_source_t *s = open_dir(proj, &o);
    cr_assert(!build_metadata_is_static(s));

    char **reqs = NULL;
    err_t *e = build_get_requires(s, &o, BUILD_KIND_WHEEL, &reqs);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_not_null(reqs);
    cr_assert_str_eq(reqs[0], "inline-extra-req>=1");
    cr_assert_null(reqs[1]);
    strv_free(reqs);
    e = build_get_requires(s, &o, BUILD_KIND_EDITABLE, &reqs);
    cr_assert_null(e, "a missing get_requires_for_build_editable is []");
    cr_assert_null(reqs);

    /* No prepare_metadata hook: the front end builds the wheel to get it, once. */
    char *meta = NULL;
    e = build_metadata(s, &o, BUILD_KIND_WHEEL, &meta);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(meta, "Metadata-Version: 2.1\nName: inline-pkg\nVersion: 0.7\n"
                           "Requires-Dist: six\n");
    free(meta);
    char *out = path_join(tmp, "out");
    cr_assert_null(fs_mkdirs(out, 0755));
    char *wheel = NULL;
    e = build_wheel(s, &o, BUILD_KIND_WHEEL, out, &wheel);
    cr_assert_null(e, "%s", e ? e->msg : "");
    char *want = path_join(out, "inline_pkg-0.7-py3-none-any.whl");
    cr_assert_str_eq(wheel, want);
    cr_assert(fs_exists(wheel));
    char *builds = read_file(proj, ".inline-builds");
    cr_assert_str_eq(builds, "build_wheel\n", "the metadata fallback's wheel is reused");
    free(builds);

    char *config = read_file(proj, ".inline-config.json");
    cr_assert_str_eq(config, "{\"a\": [\"1\", \"2\"], \"b\": \"x\", \"flag\": \"\"}");
    free(config);

    /* The process: cwd = the tree, the build environment's python, PATH and VIRTUAL_ENV set,
     * PYTHONPATH and the password gone, stdin empty, the tree not on sys.path. */
    char *proc = read_file(proj, ".inline-process.json");
    char *real_proj = path_real(proj);
    char *frag = xasprintf("\"cwd\": \"%s\"", real_proj);
    cr_assert_not_null(strstr(proc, frag), "%s", proc);
    free(frag);
    frag = xasprintf("\"PATH\": \"%s/bin:/usr/local/bin:/usr/bin:/bin\"", x.be.dir);
    cr_assert_not_null(strstr(proc, frag), "%s", proc);
    free(frag);
    frag = xasprintf("\"VIRTUAL_ENV\": \"%s\"", x.be.dir);
    cr_assert_not_null(strstr(proc, frag), "%s", proc);
    free(frag);
    frag = xasprintf("\"prefix\": \"%s\"", x.be.dir);
    cr_assert_not_null(strstr(proc, frag), "the hook runs in the build environment: %s", proc);
    free(frag);
    cr_assert_not_null(strstr(proc, "\"PYTHONPATH\": null"), "%s", proc);
    cr_assert_not_null(strstr(proc, "\"VENVSYNC_INDEX_PASSWORD\": null"), "%s", proc);
    cr_assert_not_null(strstr(proc, "\"KEEP_ME\": \"yes\""), "%s", proc);
    cr_assert_not_null(strstr(proc, "\"PYTHONIOENCODING\": \"utf-8:backslashreplace\""));
    cr_assert_not_null(strstr(proc, "\"stdin\": \"\""), "stdin gives nothing: %s", proc);
    cr_assert_null(strstr(proc, "/leaked/pythonpath"), "%s", proc);
    /* sys.path: backend-path first, never the tree itself nor the control directory. */
    frag = xasprintf("\"sys_path\": [\"%s/_backend\"", real_proj);
    cr_assert_not_null(strstr(proc, frag), "%s", proc);
    free(frag);
    char *sys_path = xstrndup(strstr(proc, "\"sys_path\""),
                              (size_t)(strstr(proc, "\"env\"") - strstr(proc, "\"sys_path\"")));
    frag = xasprintf("\"%s\"", real_proj);
    cr_assert_null(strstr(sys_path, frag), "the tree is on sys.path: %s", sys_path);
    free(frag);
    cr_assert_null(strstr(sys_path, "hook-"), "the control directory is on sys.path: %s",
                   sys_path);
    cr_assert_null(strstr(sys_path, BACKEND_RUNNER_PREFIX), "the runner's directory is on "
                   "sys.path: %s", sys_path);
    free(sys_path);
    free(proc);

    /* No build_editable: an error that says so. */
    free(wheel);
    e = build_wheel(s, &o, BUILD_KIND_EDITABLE, out, &wheel);
    cr_assert_null(wheel);
    cr_assert_not_null(e);
    char *msg = xasprintf("building inline-pkg (%s): its build backend (inline_backend_impl:"
                          "Backend) cannot make editable installs: it has no build_editable hook "
                          "(PEP 660)", real_proj);
    cr_assert_str_eq(e->msg, msg);
    cr_assert_eq(e->exit_code, EXIT_APPLY);
    free(msg);
    err_free(e);

    /* Successful hooks leave no log; control directories are gone. */
    char *logs = logs_dir(&x);
    cr_assert_eq(count_entries(logs), 0);
    cr_assert_eq(count_entries(s->work_dir), 1, "only the prepared metadata (meta-wheel) remains");
    free(logs);
    free(real_proj);
    free(want);
    free(wheel);
    free(out);
    build_source_free(s);
    free(proj);
    env_free(&x);
}

Test(build, backend_call_outcomes_and_stream)
{
    env_t x;
    env_make(&x, NULL);
    char *proj = fixture("inline_backend");
    char *root = path_real(proj);
    char *bp[] = {NULL, NULL};
    bp[0] = path_join(root, "_backend");
    char *log = path_join(tmp, "hook.log");
    FILE *stream = tmpfile();
    backend_opts_t bo = {
        .env_dir = x.be.dir, .source_dir = root, .backend = "inline_backend_impl:Backend",
        .backend_path = bp, .environ = test_environ, .work_dir = tmp, .log_path = log,
        .stream = stream,
    };
    char *sd = path_join(tmp, "sdists");
    cr_assert_null(fs_mkdirs(sd, 0755));
    backend_args_t a = {.directory = sd};
    backend_result_t r;
    err_t *e = backend_call(&bo, BACKEND_BUILD_SDIST, &a, &r);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(r.outcome, BACKEND_UNSUPPORTED);
    backend_result_free(&r);

    e = backend_call(&bo, BACKEND_BUILD_EDITABLE, &a, &r);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(r.outcome, BACKEND_HOOK_MISSING);
    cr_assert_str_eq(r.missing_hook, "build_editable");
    backend_result_free(&r);

    e = backend_call(&bo, BACKEND_PREPARE_METADATA_FOR_BUILD_EDITABLE, &a, &r);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(r.outcome, BACKEND_HOOK_MISSING, "no prepare hook and no build_editable");
    cr_assert_str_eq(r.missing_hook, "build_editable");
    backend_result_free(&r);

    e = backend_call(&bo, BACKEND_BUILD_WHEEL, &a, &r);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(r.outcome, BACKEND_RETURNED);
    cr_assert_str_eq(r.str, "inline_pkg-0.7-py3-none-any.whl");
    cr_assert_gt(r.seconds, 0.0);
    backend_result_free(&r);

    /* -v: the output reached the stream as well as the log. */
    fflush(stream);
    rewind(stream);
    char line[4096];
    buf_t got = BUF_INIT;
    while (fgets(line, sizeof line, stream))
        buf_adds(&got, line);
    fclose(stream);
    bo.stream = NULL; /* closed: later calls must not write to it */
    cr_assert_str_eq(buf_cstr(&got), "inline: built inline_pkg-0.7-py3-none-any.whl\n");
    buf_free(&got);
    char *logtext = read_file(tmp, "hook.log");
    cr_assert_not_null(strstr(logtext, "inline: built inline_pkg-0.7-py3-none-any.whl\n"));
    cr_assert_not_null(strstr(logtext, "venvsync: build_sdist of inline_backend_impl:Backend"));
    free(logtext);

    /* A backend-path backend must come from backend-path: "json" is the standard library's. */
    bo.backend = "json";
    e = backend_call(&bo, BACKEND_BUILD_WHEEL, &a, &r);
    cr_assert_not_null(e);
    cr_assert_not_null(strstr(e->msg, "invalid build backend: backend 'json' was loaded from "),
                       "%s", e->msg);
    cr_assert_not_null(strstr(e->msg, "not from backend-path"), "%s", e->msg);
    err_free(e);
    bo.backend = "inline_backend_impl:Nope";
    e = backend_call(&bo, BACKEND_BUILD_WHEEL, &a, &r);
    cr_assert_not_null(e);
    cr_assert_not_null(strstr(e->msg, "invalid build backend: backend 'inline_backend_impl:Nope' "
                                      "has no attribute 'Nope'"), "%s", e->msg);
    err_free(e);

    free(bp[0]);
    free(sd);
    free(log);
    free(root);
    free(proj);
    env_free(&x);
}

Test(build, crashing_backend_gives_last_lines_and_log)
{
    env_t x;
    env_make(&x, NULL);
    char *proj = fixture("backend_crash");
    build_opts_t o = opts(&x);
    build_source_t *s = open_dir(proj, &o);
    char *meta = NULL;
    err_t *e = build_metadata(s, &o, BUILD_KIND_WHEEL, &meta);
    cr_assert_not_null(e);
    cr_assert_null(meta);
    cr_assert_eq(e->exit_code, EXIT_APPLY);
    char *head = xasprintf("building backend-crash (%s): prepare_metadata_for_build_wheel failed "
                           "(exit status 1)\n  last lines of the output "
                           "(prepare_metadata_for_build_wheel, backend crashy):\n"
                           "    crashy: metadata step 27\n", s->root);
    cr_assert(str_starts_with(e->msg, head), "%s", e->msg);
    free(head);
    /* Exactly the last 20 lines: steps 27..39, the stderr line, then the traceback (7 lines)
     * without the front end's own frames. */
    cr_assert_null(strstr(e->msg, "step 26"), "%s", e->msg);
    cr_assert_not_null(strstr(e->msg, "    crashy: metadata step 39\n    crashy: about to fail\n"
                                      "    Traceback (most recent call last):\n"), "%s", e->msg);
    cr_assert_null(strstr(e->msg, "hooks.py"), "%s", e->msg);
    cr_assert_not_null(strstr(e->msg, "    RuntimeError: crashy backend: metadata exploded\n"
                                      "  full log: "), "%s", e->msg);
    const char *lp = strstr(e->msg, "full log: ") + 10;
    cr_assert(str_starts_with(lp, x.cache), "the log is in the cache: %s", lp);
    cr_assert_not_null(strstr(lp, "/builds-v1/logs/backend-crash-prepare_metadata_for_build_"
                                  "wheel-"), "%s", lp);
    buf_t log = BUF_INIT;
    cr_assert_null(fs_read(lp, &log));
    cr_assert_not_null(strstr(buf_cstr(&log), "crashy: metadata step 0\n"), "the full output");
    cr_assert_not_null(strstr(buf_cstr(&log), "RuntimeError: crashy backend: metadata exploded"));
    buf_free(&log);
    err_free(e);

    /* Killed by a signal: said so, with Python's fault handler output in the tail. */
    char *cs[] = {"how=segfault", NULL};
    o.config_settings = cs;
    e = build_metadata(s, &o, BUILD_KIND_WHEEL, &meta);
    cr_assert_not_null(e);
    cr_assert_not_null(strstr(e->msg, "prepare_metadata_for_build_wheel crashed: killed by "
                                      "signal 11 (Segmentation fault)"), "%s", e->msg);
    cr_assert_not_null(strstr(e->msg, "Fatal Python error: Segmentation fault"), "%s", e->msg);
    err_free(e);
    char *logs = logs_dir(&x);
    cr_assert_eq(count_entries(logs), 2, "failed hooks keep their logs");
    free(logs);
    build_source_free(s);
    free(proj);
    env_free(&x);
}

/* Whether pid runs: exists and is not a zombie waiting for init to reap it. */
static bool process_alive(pid_t pid)
{
    for (int i = 0; i < 100; i++) {
        char *path = xasprintf("/proc/%d/stat", (int)pid);
        buf_t b = BUF_INIT;
        bool there = fs_try_read(path, &b);
        free(path);
        const char *close_paren = there ? strrchr(buf_cstr(&b), ')') : NULL;
        bool zombie = close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
        buf_free(&b);
        if (!there || zombie)
            return false;
        usleep(20000);
    }
    return true;
}

Test(build, hanging_backend_is_killed_with_its_children)
{
    env_t x;
    env_make(&x, NULL);
    char *proj = fixture("backend_hang");
    build_opts_t o = opts(&x);
    o.timeout_ms = 1500;
    build_source_t *s = open_dir(proj, &o);
    char *out = path_join(tmp, "out");
    cr_assert_null(fs_mkdirs(out, 0755));
    char *wheel = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    err_t *e = build_wheel(s, &o, BUILD_KIND_WHEEL, out, &wheel);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_not_null(e);
    cr_assert_null(wheel);
    char *head = xasprintf("building backend-hang (%s): build_wheel did not finish within 1.5 s "
                           "and was killed\n", s->root);
    cr_assert(str_starts_with(e->msg, head), "%s", e->msg);
    free(head);
    cr_assert_not_null(strstr(e->msg, "    hangy: starting a helper and waiting forever\n"),
                       "%s", e->msg);
    err_free(e);
    cr_assert_lt(secs, 6.0, "took %.1f s", secs);
    /* The helper the backend started went with it. */
    char *pidtext = read_file(proj, ".hang-helper-pid");
    pid_t helper = (pid_t)atoi(pidtext);
    free(pidtext);
    cr_assert_gt(helper, 0);
    cr_assert(!process_alive(helper), "helper %d still runs", (int)helper);
    free(out);
    build_source_free(s);
    free(proj);
    env_free(&x);
}

Test(build, backend_missing_from_the_environment)
{
    /* setuptools' backend, in an environment holding only `wheel`. */
    env_t x;
    env_make(&x, (const char *const[]){"wheel-", NULL});
    char *proj = fixture("st_dynamic");
    build_opts_t o = opts(&x);
    build_source_t *s = open_dir(proj, &o);
    char *meta = NULL;
    err_t *e = build_metadata(s, &o, BUILD_KIND_WHEEL, &meta);
    cr_assert_not_null(e);
    char *head = xasprintf("building st-dynamic (%s): cannot import the build backend "
                           "'setuptools.build_meta' (ModuleNotFoundError: No module named "
                           "'setuptools'): is its package in build-system.requires?\n", s->root);
    cr_assert(str_starts_with(e->msg, head), "%s", e->msg);
    cr_assert_eq(e->exit_code, EXIT_APPLY);
    free(head);
    err_free(e);
    build_source_free(s);
    free(proj);
    env_free(&x);
}

Test(build, syntax_error_in_pyproject)
{
    char *proj = fixture("bad_toml");
    char *cache = path_join(tmp, "cache");
    build_opts_t o = {.cache_dir = cache};
    build_source_t *s = (build_source_t *)1;
    err_t *e = build_source_dir(proj, &o, &s);
    cr_assert_not_null(e);
    cr_assert_null(s);
    char *want = xasprintf("%s/pyproject.toml:9:1: unexpected end of file (expected ',' or ']')",
                           proj);
    cr_assert_str_eq(e->msg, want);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    free(want);
    err_free(e);
    free(cache);
    free(proj);
}

/* ---- env: the cached build environment ------------------------------------------------------ */

Test(build, env_key_is_the_set_and_the_interpreter)
{
    env_t x;
    env_make(&x, SETUPTOOLS);
    char k1[33], k2[33], k3[33];
    buf_t text = BUF_INIT;
    cr_assert_null(buildenv_key(x.py, x.w, 2, k1, &text));
    wheel_unpacked_t *rev[] = {x.w[1], x.w[0]};
    cr_assert_null(buildenv_key(x.py, rev, 2, k2, NULL));
    cr_assert_str_eq(k1, k2, "order does not matter");
    cr_assert_str_eq(k1, x.be.key);
    cr_assert_null(buildenv_key(x.py, x.w, 1, k3, NULL));
    cr_assert_str_neq(k1, k3);
    char *line = xasprintf("setuptools==%s %s\n", x.w[0]->version, x.w[0]->sha256);
    cr_assert_not_null(strstr(buf_cstr(&text), line), "%s", buf_cstr(&text));
    free(line);
    cr_assert(str_starts_with(buf_cstr(&text), "venvsync build environment 2\npython "));
    interp_t other = *x.py;
    other.id.mtime_ns += 1;             /* the interpreter was replaced */
    cr_assert_null(buildenv_key(&other, x.w, 2, k3, NULL));
    cr_assert_str_neq(k1, k3);
    wheel_unpacked_t *dup[] = {x.w[0], x.w[0]};
    err_t *e = buildenv_key(x.py, dup, 2, k3, NULL);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->msg, "build environment: two wheels of setuptools were given");
    err_free(e);
    buf_free(&text);
    env_free(&x);
}

Test(build, env_is_isolated_and_reused)
{
    env_t x;
    env_make(&x, SETUPTOOLS);
    cr_assert(!x.be.reused);
    cr_assert_eq(x.be.n_installed, 2);
    char *want = path_joinv(x.cache, "builds-v1/envs", x.be.key, "venv", NULL);
    cr_assert_str_eq(x.be.dir, want);
    free(want);
    char *cfg = read_file(x.be.dir, "pyvenv.cfg");
    cr_assert_not_null(strstr(cfg, "include-system-site-packages = false\n"), "%s", cfg);
    free(cfg);
    /* Its python imports setuptools from the environment, and nothing from the system's
     * dist-packages (python3-yaml is installed there for the tests). */
    buf_t out = BUF_INIT;
    py_out(x.be.python, "import setuptools, wheel, sys\n"
                        "print(setuptools.__file__.startswith(sys.prefix))\n"
                        "try:\n    import yaml\n    print('yaml')\n"
                        "except ImportError:\n    print('isolated')\n", NULL, &out);
    cr_assert_str_eq(buf_cstr(&out), "True\nisolated\n");
    buf_free(&out);

    /* Reuse: nothing written, nothing installed. */
    char *marker = path_join(x.be.dir, "../COMPLETE");
    struct stat before, after, dir_before, dir_after;
    char *site = path_join(x.be.dir, x.py->venv_purelib);
    cr_assert_eq(stat(site, &dir_before), 0);
    cr_assert_eq(stat(marker, &before), 0);
    usleep(20000);
    buildenv_t again;
    err_t *e = buildenv_get(x.cache, x.py, x.w, x.n, &again);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert(again.reused);
    cr_assert_eq(again.n_installed, 0);
    cr_assert_str_eq(again.dir, x.be.dir);
    cr_assert_eq(stat(site, &dir_after), 0);
    cr_assert_eq(dir_before.st_mtim.tv_nsec, dir_after.st_mtim.tv_nsec);
    cr_assert_eq(dir_before.st_mtim.tv_sec, dir_after.st_mtim.tv_sec);
    cr_assert_eq(stat(marker, &after), 0);
    cr_assert(after.st_mtim.tv_sec > before.st_mtim.tv_sec ||
              after.st_mtim.tv_nsec != before.st_mtim.tv_nsec, "COMPLETE is touched on use");
    buildenv_free(&again);
    char *envs = path_join(x.cache, "builds-v1/envs");
    cr_assert_eq(count_entries(envs), 1, "no leftovers");
    free(envs);
    free(site);
    free(marker);
    env_free(&x);
}

Test(build, env_made_by_two_processes_at_once)
{
    env_t x;
    memset(&x, 0, sizeof x);
    x.cache = path_join(tmp, "cache");
    x.py = python();
    for (int i = 0; i < 2; i++) {
        char *p = sys_wheel(SETUPTOOLS[i]);
        cr_assert_null(wheel_cache_unpack(x.cache, p, NULL, &x.w[x.n++]));
        free(p);
    }
    pid_t kids[3];
    for (int k = 0; k < 3; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            buildenv_t b;
            err_t *e = buildenv_get(x.cache, x.py, x.w, x.n, &b);
            _exit(e ? 1 : 0);
        }
    }
    for (int k = 0; k < 3; k++) {
        int st;
        cr_assert_eq(waitpid(kids[k], &st, 0), kids[k]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    char *envs = path_join(x.cache, "builds-v1/envs");
    cr_assert_eq(count_entries(envs), 1, "one environment, no .tmp or .trash left over");
    free(envs);
    cr_assert_null(buildenv_get(x.cache, x.py, x.w, x.n, &x.be));
    cr_assert(x.be.reused);
    buf_t out = BUF_INIT;
    py_out(x.be.python, "import setuptools; print('ok')", NULL, &out);
    cr_assert_str_eq(buf_cstr(&out), "ok\n");
    buf_free(&out);
    env_free(&x);
}

/* A .pyc of the environment: timestamp-checked against its source (so imports use it) and
 * naming the source's final path (not the .tmp directory it was made in). */
static void assert_compiled(const char *python, const char *src, const char *pyc)
{
    const char *code =
        "import marshal, os, sys\n"
        "d = open(sys.argv[1], 'rb').read()\n"
        "st = os.stat(sys.argv[2])\n"
        "print(int.from_bytes(d[4:8], 'little'),\n"
        "      int.from_bytes(d[8:12], 'little') == int(st.st_mtime) & 0xFFFFFFFF,\n"
        "      int.from_bytes(d[12:16], 'little') == st.st_size,\n"
        "      marshal.loads(d[16:]).co_filename == sys.argv[2])\n";
    char *argv[] = {(char *)python, "-c", (char *)code, (char *)pyc, (char *)src, NULL};
    buf_t out = BUF_INIT;
    run_ok(argv, &out);
    cr_assert_str_eq(buf_cstr(&out), "0 True True True\n", "%s", pyc);
    buf_free(&out);
}

Test(build, env_is_compiled_and_hooks_run_its_compiled_runner)
{
    env_t x;
    env_make(&x, SETUPTOOLS);
    /* Every module in site-packages is compiled, so hooks import the backend from .pyc files
     * whatever PYTHONDONTWRITEBYTECODE says. */
    char *site = path_join(x.be.dir, x.py->venv_purelib);
    const char *mods[] = {"setuptools/__init__", "setuptools/build_meta", "wheel/__init__",
                          "pkg_resources/__init__", NULL};
    for (size_t i = 0; mods[i]; i++) {
        char *src = xasprintf("%s/%s.py", site, mods[i]);
        const char *slash = strrchr(mods[i], '/');
        char *pyc = xasprintf("%s/%.*s/__pycache__/%s.%s.pyc", site, (int)(slash - mods[i]),
                              mods[i], slash + 1, x.py->cache_tag);
        cr_assert(fs_exists(pyc), "not compiled: %s", pyc);
        assert_compiled(x.be.python, src, pyc);
        free(src);
        free(pyc);
    }
    /* The runner: hooks.py and its .pyc, in a directory named by hooks.py's content. */
    char *rd = backend_runner_dir(x.be.dir);
    char *want_prefix = path_join(x.be.dir, BACKEND_RUNNER_PREFIX "-");
    cr_assert(str_starts_with(rd, want_prefix), "%s", rd);
    cr_assert_eq(strlen(rd), strlen(want_prefix) + 32, "%s", rd);
    char *runner_py = path_join(rd, "hooks.py"), *runner_pyc = path_join(rd, "hooks.pyc");
    cr_assert(fs_exists(runner_py) && fs_exists(runner_pyc), "%s", rd);
    char *runner_dir2 = backend_runner_dir(x.be.dir);
    cr_assert_str_eq(rd, runner_dir2, "the same runner, the same directory");
    free(runner_dir2);

    /* backend_call runs that .pyc: a stand-in compiled in its place answers... */
    char *proj = fixture("inline_backend");
    char *root = path_real(proj);
    char *bp[] = {NULL, NULL};
    bp[0] = path_join(root, "_backend");
    char *log = path_join(tmp, "hook.log");
    backend_opts_t bo = {
        .env_dir = x.be.dir, .source_dir = root, .backend = "inline_backend_impl:Backend",
        .backend_path = bp, .environ = test_environ, .work_dir = tmp, .log_path = log,
    };
    backend_result_t r;
    err_t *e = backend_call(&bo, BACKEND_GET_REQUIRES_FOR_BUILD_WHEEL, NULL, &r);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(r.list[0], "inline-extra-req>=1");
    backend_result_free(&r);
    char *stand_in = path_join(tmp, "stand_in.py");
    const char *code = "import json, os, sys\n"
                       "with open(os.path.join(sys.argv[2], 'output.json'), 'w') as f:\n"
                       "    json.dump({'return_val': ['stand-in', sys.argv[0]]}, f)\n";
    cr_assert_null(fs_write_new(stand_in, code, strlen(code), 0644));
    char *argv[] = {x.be.python, "-c", "import py_compile, sys\n"
                    "py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
                    stand_in, runner_pyc, NULL};
    run_ok(argv, NULL);
    e = backend_call(&bo, BACKEND_GET_REQUIRES_FOR_BUILD_WHEEL, NULL, &r);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(r.list[0], "stand-in");
    cr_assert_str_eq(r.list[1], runner_pyc);
    backend_result_free(&r);
    /* ... and without it, hooks.py runs from the control directory. */
    cr_assert_eq(unlink(runner_pyc), 0);
    e = backend_call(&bo, BACKEND_GET_REQUIRES_FOR_BUILD_WHEEL, NULL, &r);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(r.list[0], "inline-extra-req>=1");
    cr_assert_null(r.list[1]);
    backend_result_free(&r);

    free(stand_in);
    free(bp[0]);
    free(log);
    free(root);
    free(proj);
    free(runner_py);
    free(runner_pyc);
    free(want_prefix);
    free(rd);
    free(site);
    env_free(&x);
}

/* ---- sdist -------------------------------------------------------------------------------- */

Test(build, pkg_info_static_rule)
{
#define ST(t) sdist_pkg_info_static(t, strlen(t))
    cr_assert(ST("Metadata-Version: 2.2\nName: a\nVersion: 1\n"));
    cr_assert(ST("Metadata-Version: 2.4\nName: a\nVersion: 1\nDynamic: Summary\n"
                 "Dynamic: License\n"));
    cr_assert(ST("Metadata-Version: 3.0\nName: a\nVersion: 1\n"));
    cr_assert(!ST("Metadata-Version: 2.1\nName: a\nVersion: 1\n"), "before 2.2: all dynamic");
    cr_assert(!ST("Metadata-Version: 1.2\nName: a\nVersion: 1\n"));
    cr_assert(!ST("Name: a\nVersion: 1\n"));
    cr_assert(!ST("Metadata-Version: 2.2\nName: a\nVersion: 1\nDynamic: Requires-Dist\n"));
    cr_assert(!ST("Metadata-Version: 2.2\nName: a\nVersion: 1\nDynamic: requires-python\n"));
    cr_assert(!ST("Metadata-Version: 2.3\nName: a\nVersion: 1\nDynamic: Summary\n"
                  "Dynamic: Provides-Extra\n"));
#undef ST
}

/* Makes tmp/<name> with python's tarfile from a script that adds members to `t`. */
static char *make_tar(const char *name, const char *body)
{
    char *path = path_join(tmp, name);
    char *script = xasprintf(
        "import io, sys, tarfile\n"
        "t = tarfile.open(sys.argv[1], 'w:gz', format=tarfile.PAX_FORMAT)\n"
        "def f(name, data=b'', mode=0o644):\n"
        "    i = tarfile.TarInfo(name); i.size = len(data); i.mode = mode\n"
        "    t.addfile(i, io.BytesIO(data))\n"
        "def special(name, kind, target=''):\n"
        "    i = tarfile.TarInfo(name); i.type = kind; i.linkname = target\n"
        "    t.addfile(i)\n"
        "%s\nt.close()\n", body);
    char *argv[] = {PY, "-c", script, path, NULL};
    run_ok(argv, NULL);
    free(script);
    return path;
}

static err_t *unpack(const char *archive, sdist_t *sd)
{
    char *dest = path_join(tmp, "dest");
    err_free(fs_rmtree(dest));
    cr_assert_null(fs_mkdirs(dest, 0755));
    err_t *e = sdist_unpack(archive, NULL, dest, sd);
    free(dest);
    return e;
}

Test(build, sdist_unpack_reads_the_tree_and_pkg_info)
{
    char *a = make_tar("demo-1.0.tar.gz",
                       "f('demo-1.0/PKG-INFO', b'Metadata-Version: 2.2\\nName: demo\\n"
                       "Version: 1.0\\nRequires-Dist: six\\n')\n"
                       "f('demo-1.0/pyproject.toml', b'[project]\\n')\n"
                       "f('demo-1.0/bin/tool', b'#!/bin/sh\\n', 0o4755)\n"
                       "f('demo-1.0/data.txt', b'x', 0o2644 | 0o1000)\n");
    sdist_t sd;
    err_t *e = unpack(a, &sd);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(sd.top, "demo-1.0");
    char *root = path_join(tmp, "dest/demo-1.0");
    cr_assert_str_eq(sd.root, root);
    cr_assert(sd.has_meta);
    cr_assert_str_eq(sd.meta.name, "demo");
    cr_assert_eq(sd.meta.n_requires_dist, 1);
    cr_assert(sd.static_metadata);
    cr_assert_not_null(strstr(sd.pkg_info, "Requires-Dist: six"));
    struct stat st;
    char *tool = path_join(root, "bin/tool"), *data = path_join(root, "data.txt");
    cr_assert_eq(stat(tool, &st), 0);
    cr_assert_eq(st.st_mode & 07000, 0, "setuid cleared");
    cr_assert(st.st_mode & 0100);
    cr_assert_eq(stat(data, &st), 0);
    cr_assert_eq(st.st_mode & 07000, 0, "setgid and sticky cleared");
    free(tool);
    free(data);
    free(root);
    sdist_free(&sd);
    free(a);

    /* No PKG-INFO: fine, not static. */
    a = make_tar("bare-2.tar.gz", "f('bare-2/setup.py', b'')\n");
    e = unpack(a, &sd);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert(!sd.has_meta);
    cr_assert(!sd.static_metadata);
    cr_assert_null(sd.pkg_info);
    sdist_free(&sd);
    free(a);
}

static void unpack_fails(const char *name, const char *body, const char *what)
{
    char *a = make_tar(name, body);
    sdist_t sd;
    err_t *e = unpack(a, &sd);
    cr_assert_not_null(e, "accepted %s", name);
    cr_assert_not_null(strstr(e->msg, what), "%s: %s", name, e->msg);
    cr_assert_eq(e->exit_code, EXIT_APPLY);
    cr_assert_null(sd.root);
    err_free(e);
    free(a);
}

Test(build, sdist_unsafe_or_malformed_archives)
{
    unpack_fails("abs-1.tar.gz", "f('/etc/evil', b'x')\n", "member '/etc/evil'");
    unpack_fails("dots-1.tar.gz", "f('dots-1/../../evil', b'x')\n", "'..'");
    unpack_fails("link-1.tar.gz", "special('link-1/l', tarfile.SYMTYPE, '../../etc')\n",
                 "member 'link-1/l'");
    unpack_fails("dev-1.tar.gz", "special('dev-1/d', tarfile.CHRTYPE)\n", "member 'dev-1/d'");
    unpack_fails("fifo-1.tar.gz", "special('fifo-1/p', tarfile.FIFOTYPE)\n", "member 'fifo-1/p'");
    unpack_fails("two-1.tar.gz", "f('a/x', b'')\nf('b/y', b'')\n",
                 "two-1.tar.gz: a source distribution holds exactly one top-level directory; "
                 "this one holds 2 entries at the top");
    unpack_fails("flat-1.tar.gz", "f('setup.py', b'')\n",
                 "holds 1 entry that is not a directory at the top");
    unpack_fails("badpkg-1.tar.gz", "f('badpkg-1/PKG-INFO', b'Metadata-Version: 2.2\\n')\n",
                 "badpkg-1.tar.gz: ");
    char *zip = path_join(tmp, "old-1.0.zip");
    free(support_write(tmp, "old-1.0.zip", "PK"));
    sdist_t sd;
    err_t *e = unpack(zip, &sd);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "not a zip archive"), "%s", e->msg);
    err_free(e);
    free(zip);
    char *bz = path_join(tmp, "old-1.0.tar.bz2");
    free(support_write(tmp, "old-1.0.tar.bz2", "BZh"));
    e = unpack(bz, &sd);
    cr_assert_not_null(e);
    char *want = xasprintf("%s: not a source distribution venvsync reads (.tar.gz, .tgz or .zip)",
                           bz);
    cr_assert_str_eq(e->msg, want);
    free(want);
    err_free(e);
    free(bz);
}

/* Makes tmp/<name> with python's zipfile: members (name, data, unix mode). */
static char *make_zip(const char *name, const char *body)
{
    char *path = path_join(tmp, name);
    char *script = xasprintf(
        "import sys, zipfile\n"
        "z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\n"
        "def f(name, data=b'', mode=0o644):\n"
        "    i = zipfile.ZipInfo(name); i.external_attr = (0o100000 | mode) << 16\n"
        "    z.writestr(i, data)\n"
        "%s\nz.close()\n", body);
    char *argv[] = {PY, "-c", script, path, NULL};
    run_ok(argv, NULL);
    free(script);
    return path;
}

Test(build, zip_sdists_unpack_with_the_zip_readers_checks)
{
    char *a = make_zip("legacy-2.0.zip",
                       "f('legacy-2.0/PKG-INFO', b'Metadata-Version: 2.1\\nName: legacy\\n"
                       "Version: 2.0\\n')\n"
                       "f('legacy-2.0/setup.py', b'from setuptools import setup\\nsetup()\\n')\n"
                       "f('legacy-2.0/bin/tool', b'#!/bin/sh\\n', 0o4755)\n");
    sdist_t sd;
    err_t *e = unpack(a, &sd);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(sd.top, "legacy-2.0");
    cr_assert(sd.has_meta);
    cr_assert_str_eq(sd.meta.version, "2.0");
    cr_assert_not(sd.static_metadata, "Metadata-Version 2.1 is not static");
    char *tool = path_join(sd.root, "bin/tool");
    struct stat st;
    cr_assert_eq(stat(tool, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0755, "executable, setuid dropped");
    free(tool);
    sdist_free(&sd);
    free(a);
    /* a name that climbs out is refused by the reader */
    char *bad = make_zip("evil-1.zip", "f('evil-1/../../x', b'')\n");
    e = unpack(bad, &sd);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, ".."), "%s", e->msg);
    err_free(e);
    free(bad);
}

/* ---- setuptools, for real ------------------------------------------------------------------ */

Test(build, setuptools_static_project_metadata_wheel_and_check)
{
    env_t x;
    env_make(&x, SETUPTOOLS);
    char *proj = fixture("st_src");
    build_opts_t o = opts(&x);
    build_source_t *s = open_dir(proj, &o);
    cr_assert(build_metadata_is_static(s));
    /* Static: no environment needed at all. */
    build_opts_t none = {.cache_dir = x.cache};
    char *meta = NULL;
    err_t *e = build_metadata(s, &none, BUILD_KIND_WHEEL, &meta);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(meta, "Metadata-Version: 2.2\nName: st-src\nVersion: 1.2.0\n"
                           "Requires-Python: >=3.7\nRequires-Dist: attrs>=20\n"
                           "Requires-Dist: colorama; sys_platform == \"win32\"\n"
                           "Provides-Extra: test\nRequires-Dist: pytest>=7; extra == \"test\"\n"
                           "Requires-Dist: st-src[fast]; extra == \"test\"\n"
                           "Provides-Extra: fast\n"
                           "Requires-Dist: ujson; (python_version < \"3.12\") and extra == "
                           "\"fast\"\n");
    free(meta);
    char *out = path_join(tmp, "out");
    cr_assert_null(fs_mkdirs(out, 0755));
    char *wheel = NULL;
    e = build_wheel(s, &o, BUILD_KIND_WHEEL, out, &wheel);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert(str_ends_with(wheel, strlen(wheel), "/st_src-1.2.0-py3-none-any.whl"), "%s", wheel);
    char *wm = NULL;
    cr_assert_null(build_wheel_metadata(wheel, &wm));
    cr_assert_not_null(strstr(wm, "Name: st-src\n"));
    cr_assert_not_null(strstr(wm, "Provides-Extra: fast\n"));
    free(wm);
    free(wheel);
    free(out);
    build_source_free(s);
    free(proj);
    env_free(&x);
}

Test(build, setuptools_legacy_and_dynamic_metadata_from_hooks)
{
    env_t x;
    env_make(&x, SETUPTOOLS);
    build_opts_t o = opts(&x);
    char *out = path_join(tmp, "out");
    cr_assert_null(fs_mkdirs(out, 0755));

    char *legacy = fixture("st_legacy");
    build_source_t *s = open_dir(legacy, &o);
    cr_assert(s->pyproject.legacy);
    cr_assert(!s->pyproject.has_file);
    cr_assert_str_eq(build_source_requires(s)[0], "setuptools>=40.8.0");
    char *meta = NULL;
    err_t *e = build_metadata(s, &o, BUILD_KIND_WHEEL, &meta);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_not_null(strstr(meta, "Name: st-legacy\nVersion: 0.3\n"), "%s", meta);
    cr_assert_not_null(strstr(meta, "Requires-Dist: six (>=1.10)\n"), "%s", meta);
    cr_assert_not_null(strstr(meta, "Provides-Extra: yaml\n"), "%s", meta);
    free(meta);
    char *wheel = NULL;
    e = build_wheel(s, &o, BUILD_KIND_WHEEL, out, &wheel);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert(str_ends_with(wheel, strlen(wheel), "/st_legacy-0.3-py3-none-any.whl"), "%s", wheel);
    free(wheel);
    build_source_free(s);

    char *dyn = fixture("st_dynamic");
    s = open_dir(dyn, &o);
    cr_assert(!build_metadata_is_static(s));
    e = build_metadata(s, &o, BUILD_KIND_WHEEL, &meta);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_not_null(strstr(meta, "Name: st-dynamic\nVersion: 2.5.1\n"), "%s", meta);
    cr_assert_not_null(strstr(meta, "Requires-Dist: idna (>=3)\n"), "%s", meta);
    free(meta);
    e = build_wheel(s, &o, BUILD_KIND_WHEEL, out, &wheel);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert(str_ends_with(wheel, strlen(wheel), "/st_dynamic-2.5.1-py3-none-any.whl"));
    free(wheel);
    build_source_free(s);
    free(dyn);
    free(legacy);
    free(out);
    env_free(&x);
}

Test(build, wheel_must_match_the_metadata)
{
    /* A static [project] saying six only; the backend's wheel adds attrs: refused. */
    env_t x;
    env_make(&x, NULL);
    char *proj = fixture("inline_backend");
    char *f = support_write(proj, "pyproject.toml",
                            "[build-system]\nrequires = []\nbuild-backend = "
                            "\"inline_backend_impl:Backend\"\nbackend-path = [\"_backend\"]\n"
                            "[project]\nname = \"inline-pkg\"\nversion = \"0.7\"\n"
                            "dependencies = [\"six\"]\n");
    free(f);
    build_opts_t o = opts(&x);
    char *out = path_join(tmp, "out");
    cr_assert_null(fs_mkdirs(out, 0755));
    build_source_t *s = open_dir(proj, &o);
    char *meta = NULL;
    cr_assert_null(build_metadata(s, &o, BUILD_KIND_WHEEL, &meta));
    free(meta);
    char *wheel = NULL;
    err_t *e = build_wheel(s, &o, BUILD_KIND_WHEEL, out, &wheel);
    cr_assert_null(e, "the same dependencies: %s", e ? e->msg : "");
    free(wheel);
    char *cs[] = {"requires=attrs>=1", NULL};
    o.config_settings = cs;
    e = build_wheel(s, &o, BUILD_KIND_WHEEL, out, &wheel);
    cr_assert_not_null(e);
    cr_assert_null(wheel);
    char *want = xasprintf("building inline-pkg (%s): the wheel inline_pkg-0.7-py3-none-any.whl "
                           "does not match the metadata the backend gave before the build (a "
                           "build hook changed it); Requires-Dist 'attrs>=1' was added", s->root);
    cr_assert_str_eq(e->msg, want);
    free(want);
    err_free(e);
    free(out);
    build_source_free(s);
    free(proj);
    env_free(&x);
}

Test(build, setuptools_c_extension_builds_for_the_interpreter)
{
    env_t x;
    env_make(&x, SETUPTOOLS);
    char *proj = fixture("st_cext");
    build_opts_t o = opts(&x);
    build_source_t *s = open_dir(proj, &o);
    char *out = path_join(tmp, "out");
    cr_assert_null(fs_mkdirs(out, 0755));
    char *wheel = NULL;
    err_t *e = build_wheel(s, &o, BUILD_KIND_WHEEL, out, &wheel);
    cr_assert_null(e, "%s", e ? e->msg : "");
    char *tag = xasprintf("/st_cext-0.1.0-cp%d%d-cp%d%d-linux_x86_64.whl", x.py->major,
                          x.py->minor, x.py->major, x.py->minor);
    cr_assert(str_ends_with(wheel, strlen(wheel), tag), "%s", wheel);
    free(tag);
    /* Installed into an environment of the same interpreter, the extension imports and runs. */
    wheel_unpacked_t *w = NULL;
    cr_assert_null(wheel_cache_unpack(x.cache, wheel, NULL, &w));
    char *venv = path_join(tmp, "venv"), *python, *xy;
    wheel_target_t t = target_for(&x, venv, &python, &xy);
    wheel_installed_t r = {0};
    e = wheel_install(w, &t, &r);
    cr_assert_null(e, "%s", e ? e->msg : "");
    buf_t outb = BUF_INIT;
    py_out(python, "import st_cext; print(st_cext.add(2, 40))", NULL, &outb);
    cr_assert_str_eq(buf_cstr(&outb), "42\n");
    buf_free(&outb);
    wheel_installed_free(&r);
    wheel_unpacked_free(w);
    free(python);
    free(xy);
    free(venv);
    free(wheel);
    free(out);
    build_source_free(s);
    free(proj);
    env_free(&x);
}

Test(build, editable_install_imports_from_the_tree)
{
    env_t x;
    env_make(&x, SETUPTOOLS);
    char *proj = fixture("st_src");
    build_opts_t o = opts(&x);
    build_source_t *s = open_dir(proj, &o);
    char *meta = NULL;
    err_t *e = build_metadata(s, &o, BUILD_KIND_EDITABLE, &meta);
    cr_assert_null(e, "%s", e ? e->msg : "");
    free(meta);
    char *out = path_join(tmp, "out");
    cr_assert_null(fs_mkdirs(out, 0755));
    char *wheel = NULL;
    e = build_wheel(s, &o, BUILD_KIND_EDITABLE, out, &wheel);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert(str_ends_with(wheel, strlen(wheel), ".editable-py3-none-any.whl"), "%s", wheel);

    char *venv = path_join(tmp, "venv"), *python, *xy;
    wheel_target_t t = target_for(&x, venv, &python, &xy);
    t.direct_url = "file:///must/be/ignored.whl";
    t.link = WHEEL_LINK_HARDLINK;
    wheel_installed_t r = {0};
    char *scratch = path_join(tmp, "scratch");
    cr_assert_null(fs_mkdirs(scratch, 0755));
    e = build_install_editable(wheel, s->root, scratch, &t, &r);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(count_entries(scratch), 0, "the unpacked editable wheel is not kept");
    char *shared = path_join(x.cache, CACHE_WHEELS);
    size_t cached = count_entries(shared);
    cr_assert_eq(cached, 2, "only setuptools and wheel are in the shared cache");
    free(shared);

    /* direct_url.json as pip writes it, listed in RECORD; files end with RECORD. */
    char *du = read_file(r.dist_info, "direct_url.json");
    char *want = xasprintf("{\"dir_info\": {\"editable\": true}, \"url\": \"file://%s\"}",
                           s->root);
    cr_assert_str_eq(du, want);
    free(want);
    free(du);
    char *record = read_file(r.dist_info, "RECORD");
    cr_assert_not_null(strstr(record, "st_src-1.2.0.dist-info/direct_url.json,sha256="),
                       "%s", record);
    free(record);
    cr_assert(str_ends_with(r.files[r.n_files - 1], strlen(r.files[r.n_files - 1]), "/RECORD"));
    cr_assert(str_ends_with(r.files[r.n_files - 2], strlen(r.files[r.n_files - 2]),
                            "/direct_url.json"));

    /* The project imports from its source tree, and an edit shows without a rebuild. */
    buf_t outb = BUF_INIT;
    py_out(python, "import st_src; print(st_src.__file__)", NULL, &outb);
    char *mod = xasprintf("%s/src/st_src/__init__.py\n", s->root);
    cr_assert_str_eq(buf_cstr(&outb), mod);
    free(mod);
    buf_reset(&outb);
    free(support_write(s->root, "src/st_src/__init__.py", "GREETING = 'edited'\n"));
    char *script = path_join(venv, "bin/st-src-hello");
    char *argv[] = {script, NULL};
    run_ok(argv, &outb);
    cr_assert_str_eq(buf_cstr(&outb), "edited\n");
    buf_free(&outb);
    free(script);

    /* pip sees an editable install at the project. */
    buf_t pipout = BUF_INIT, perr = BUF_INIT;
    char *pargv[] = {PY, "-m", "pip", "--python", python, "list", "--editable",
                     "--format=json", "--disable-pip-version-check", NULL};
    int status = -1;
    cr_assert_null(proc_capture(pargv, NULL, &pipout, &perr, &status));
    cr_assert_eq(status, 0, "pip list (Debian's python3-pip): %s", buf_cstr(&perr));
    char *entry = xasprintf("[{\"name\": \"st-src\", \"version\": \"1.2.0\", "
                            "\"editable_project_location\": \"%s\"}]", s->root);
    cr_assert(str_starts_with(buf_cstr(&pipout), entry), "pip list --editable: %s",
              buf_cstr(&pipout));
    free(entry);
    buf_free(&pipout);
    buf_free(&perr);

    wheel_installed_free(&r);
    free(scratch);
    free(python);
    free(xy);
    free(venv);
    free(wheel);
    free(out);
    build_source_free(s);
    free(proj);
    env_free(&x);
}

Test(build, sdist_is_built_once_and_cached)
{
    env_t x;
    env_make(&x, SETUPTOOLS);
    /* The sdist of st_src, made by setuptools' own build_sdist hook. */
    char *proj = fixture("st_src");
    char *root = path_real(proj);
    char *sd = path_join(tmp, "sdists");
    cr_assert_null(fs_mkdirs(sd, 0755));
    char *log = path_join(tmp, "sdist.log");
    backend_opts_t bo = {.env_dir = x.be.dir, .source_dir = root,
                         .backend = "setuptools.build_meta", .environ = test_environ,
                         .work_dir = tmp, .log_path = log};
    backend_args_t a = {.directory = sd};
    backend_result_t r;
    err_t *e = backend_call(&bo, BACKEND_BUILD_SDIST, &a, &r);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(r.str, "st-src-1.2.0.tar.gz");
    char *sdist = path_join(sd, r.str);
    backend_result_free(&r);

    build_opts_t o = opts(&x);
    build_source_t *s = NULL;
    e = build_source_sdist(sdist, NULL, NULL, &o, &s);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert(s->from_sdist);
    cr_assert_str_eq(s->sdist.top, "st-src-1.2.0");
    char *cached = NULL;
    cr_assert_null(build_cache_lookup(x.cache, s->sdist_sha256, x.py, &cached));
    cr_assert_null(cached);
    bool built = false;
    char *wheel = NULL;
    e = build_sdist_wheel(s, &o, x.py, &wheel, &built);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert(built);
    char *tag = build_interp_tag(x.py);
    char *want = path_joinv(x.cache, "builds-v1/wheels", s->sdist_sha256, tag,
                            "st_src-1.2.0-py3-none-any.whl", NULL);
    cr_assert_str_eq(wheel, want);
    cr_assert(fs_exists(wheel));
    char sha[65];
    memcpy(sha, s->sdist_sha256, sizeof sha);
    char *work = xstrdup(s->work_dir);
    build_source_free(s);
    cr_assert(!fs_exists(work), "the work directory is removed");
    free(work);
    free(wheel);

    /* Again: the cache answers, nothing is built. */
    e = build_source_sdist(sdist, "st-src-1.2.0.tar.gz", sha, &o, &s);
    cr_assert_null(e, "%s", e ? e->msg : "");
    e = build_sdist_wheel(s, &o, x.py, &wheel, &built);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert(!built);
    cr_assert_str_eq(wheel, want);
    cr_assert_null(build_cache_lookup(x.cache, sha, x.py, &cached));
    cr_assert_str_eq(cached, want);
    free(cached);
    free(wheel);
    build_source_free(s);
    /* Another interpreter tag misses. */
    interp_t other = *x.py;
    other.soabi = "cpython-399-x86_64-linux-gnu";
    cr_assert_null(build_cache_lookup(x.cache, sha, &other, &cached));
    cr_assert_null(cached);

    /* A wrong hash is refused before anything is unpacked. */
    const char *zeros = "0000000000000000000000000000000000000000000000000000000000000000";
    e = build_source_sdist(sdist, NULL, zeros, &o, &s);
    cr_assert_not_null(e);
    char *msg = xasprintf("st-src-1.2.0.tar.gz: sha256 %s does not match the expected %s", sha,
                          zeros);
    cr_assert_str_eq(e->msg, msg);
    free(msg);
    err_free(e);
    free(tag);
    free(want);
    free(sdist);
    free(log);
    free(sd);
    free(root);
    free(proj);
    env_free(&x);
}

/* ---- the build fingerprint ----------------------------------------------------------------- */

static void fp(const char *dir, char out[65])
{
    err_t *e = build_fingerprint(dir, out);
    cr_assert_null(e, "%s", e ? e->msg : "");
}

Test(build, fingerprint_covers_exactly_the_build_inputs)
{
    char *p = fixture("st_src");
    char a[65], b[65];
    fp(p, a);
    cr_assert_eq(strlen(a), 32);

    /* Source edits, comments, formatting, key order, test and lint settings: no change. */
    free(support_write(p, "src/st_src/__init__.py", "GREETING = 'changed'\n"));
    free(support_write(p, "src/st_src/new.py", "X = 1\n"));
    char *text = read_file(p, "pyproject.toml");
    buf_t t = BUF_INIT;
    buf_adds(&t, "# a comment\n");
    buf_add_replaced(&t, text, "version = \"1.2.0\"\n", "");
    char *step = buf_detach(&t);
    buf_add_replaced(&t, step, "requires-python = \">=3.7\"",
                     "requires-python   =   '>=3.7'  # same\nversion = \"1.2.0\"");
    free(step);
    buf_adds(&t, "\n[tool.ruff]\nline-length = 100\n[tool.mypy]\nstrict = true\n");
    char *f = support_write(p, "pyproject.toml", buf_cstr(&t));
    free(f);
    buf_free(&t);
    fp(p, b);
    cr_assert_str_eq(a, b, "nothing a build reads changed");

    /* Each of these does. */
    struct { const char *from, *to; } edits[] = {
        {"\"attrs>=20\"", "\"attrs>=21\""},                          /* dependencies */
        {"st-src-hello = ", "st-src-hi = "},                          /* scripts */
        {"builtin = \"st_src.cli:plugin\"", "other = \"x:y\""},       /* entry points */
        {"build-backend = \"setuptools.build_meta\"", "build-backend = \"setuptools.build_meta\"\n"
         "backend-path = []"},                                       /* build settings */
        {"fast = [", "faster = ["},                                   /* extras */
    };
    char *base = read_file(p, "pyproject.toml");
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        buf_t e = BUF_INIT;
        buf_add_replaced(&e, base, edits[i].from, edits[i].to);
        cr_assert_str_neq(buf_cstr(&e), base, "edit %zu applies", i);
        free(support_write(p, "pyproject.toml", buf_cstr(&e)));
        buf_free(&e);
        char c[65];
        fp(p, c);
        cr_assert_str_neq(a, c, "edit %zu must change the fingerprint", i);
    }
    free(support_write(p, "pyproject.toml", base));
    fp(p, b);
    cr_assert_str_eq(a, b);
    free(support_write(p, "pyproject.toml", base));
    char *with_tool = xasprintf("%s\n[tool.setuptools]\nzip-safe = false\n", base);
    free(support_write(p, "pyproject.toml", with_tool));
    fp(p, b);
    cr_assert_str_neq(a, b, "[tool.setuptools] is a build setting");
    free(with_tool);
    free(support_write(p, "pyproject.toml", base));
    free(support_write(p, "setup.cfg", "[metadata]\nlicense = MIT\n"));
    fp(p, b);
    cr_assert_str_neq(a, b, "setup.cfg");
    char c[65];
    free(support_write(p, "setup.cfg", "[metadata]\nlicense = BSD\n"));
    fp(p, c);
    cr_assert_str_neq(b, c, "setup.cfg content");
    free(support_write(p, "setup.py", "from setuptools import setup\nsetup()\n"));
    fp(p, b);
    cr_assert_str_neq(c, b, "setup.py");
    free(base);
    free(text);

    /* Errors. */
    free(support_write(p, "pyproject.toml", "[x\n"));
    err_t *e = build_fingerprint(p, c);
    cr_assert_not_null(e);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
    free(p);
}
