/*
 * vsbuild: a test-only front end to the build module (built with VENVSYNC_TESTS, next to the
 * venvsync binary), for tests/e2e/test_build_e2e.py until the engine wires builds into sync.
 *
 *   vsbuild [OPTIONS] COMMAND ARGS...
 *
 * OPTIONS (before COMMAND):
 *   --python PY          the interpreter (default /usr/bin/python3)
 *   --cache DIR          the cache directory (required)
 *   --wheel FILE         a wheel for the build environment (repeatable)
 *   --timeout-ms N       per-hook timeout
 *   --config KEY=VALUE   a config setting for the backend (repeatable)
 *   --editable           the editable kind (metadata, get-requires, wheel)
 *   -v                   stream the backend's output to stderr
 *
 * COMMANDS (each prints one JSON object on stdout; on error the message on stderr, exit 3 for
 * EXIT_APPLY errors and 2 for EXIT_USAGE ones, as venvsync would):
 *   inspect PROJECT              {"requires", "backend", "legacy", "static", "name"}
 *   group PROJECT NAME           {"requirements": [...]}
 *   env                          {"dir", "reused", "installed"} (the build environment)
 *   get-requires PROJECT         {"requires": [...]}
 *   metadata PROJECT             {"static": bool, "metadata": "..."}
 *   wheel PROJECT OUTDIR         {"wheel": path}: build_metadata, then build_wheel (the
 *                                engine's order), so the wheel is checked against the metadata
 *   sdist-wheel SDIST [SHA256]   {"wheel": path, "built": bool}
 *   install-editable PROJECT VENV  {"wheel", "env_reused", "files"}: builds the
 *                                editable wheel (in a scratch dir) and installs it into VENV, an
 *                                existing environment of --python
 *   fingerprint PROJECT          {"fingerprint"}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build/build.h"
#include "build/env.h"
#include "python/probe.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "wheel/cache.h"

extern char **environ;

typedef struct opts {
    const char *python;
    const char *cache;
    char **wheels;
    char **config;
    int timeout_ms;
    bool editable;
    bool verbose;
} opts_t;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(err_t *e)
{
    for (err_t *x = e; x; x = x->next)
        fprintf(stderr, "error: %s\n", x->msg);
    int code = e->exit_code;
    err_free(e);
    return code;
}

static void print_json(buf_t *b)
{
    fputs(buf_cstr(b), stdout);
    fputc('\n', stdout);
    buf_free(b);
}

static void str_array(json_t *j, const char *key, char *const *v)
{
    json_key(j, key);
    json_arr(j);
    for (size_t i = 0; v && v[i]; i++)
        json_str(j, v[i]);
    json_end(j);
}

/* The interpreter, the unpacked wheels and the build environment. */
typedef struct envctx {
    interp_t *py;
    wheel_unpacked_t **w;
    size_t n;
    buildenv_t env;
    double seconds;
} envctx_t;

static void envctx_free(envctx_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        wheel_unpacked_free(c->w[i]);
    free(c->w);
    buildenv_free(&c->env);
    interp_free(c->py);
}

static err_t *probe(const opts_t *o, envctx_t *c)
{
    return probe_interp(o->python, o->cache, &c->py, NULL);
}

static err_t *make_env(const opts_t *o, envctx_t *c)
{
    err_t *e = probe(o, c);
    double t0 = now();
    c->n = strv_len(o->wheels);
    c->w = xcalloc(c->n + 1, sizeof *c->w);
    for (size_t i = 0; i < c->n && !e; i++)
        e = wheel_cache_unpack(o->cache, o->wheels[i], NULL, &c->w[i]);
    if (!e)
        e = buildenv_get(o->cache, c->py, c->w, c->n, &c->env);
    c->seconds = now() - t0;
    return e;
}

static build_opts_t bopts(const opts_t *o, const envctx_t *c)
{
    build_opts_t b = {
        .cache_dir = o->cache,
        .env_dir = c && c->env.dir ? c->env.dir : NULL,
        .environ = environ,
        .config_settings = o->config,
        .stream = o->verbose ? stderr : NULL,
        .timeout_ms = o->timeout_ms,
    };
    return b;
}

static int cmd_inspect(const opts_t *o, const char *project)
{
    build_opts_t b = bopts(o, NULL);
    build_source_t *s = NULL;
    err_t *e = build_source_dir(project, &b, &s);
    if (e)
        return fail(e);
    buf_t out = BUF_INIT;
    json_t j;
    json_init(&j, &out);
    json_obj(&j);
    str_array(&j, "requires", build_source_requires(s));
    json_kstr(&j, "backend", s->pyproject.build_backend);
    json_kbool(&j, "legacy", s->pyproject.legacy);
    json_kbool(&j, "static", build_metadata_is_static(s));
    json_kstr(&j, "name", s->pyproject.name);
    json_end(&j);
    print_json(&out);
    build_source_free(s);
    return 0;
}

static int cmd_group(const opts_t *o, const char *project, const char *group)
{
    (void)o;
    pyproject_t p;
    err_t *e = pyproject_load(project, &p);
    char **reqs = NULL;
    if (!e)
        e = pyproject_group_expand(&p, group, &reqs);
    if (e) {
        pyproject_free(&p);
        return fail(e);
    }
    buf_t out = BUF_INIT;
    json_t j;
    json_init(&j, &out);
    json_obj(&j);
    str_array(&j, "requirements", reqs);
    json_end(&j);
    print_json(&out);
    strv_free(reqs);
    pyproject_free(&p);
    return 0;
}

static int cmd_env(const opts_t *o)
{
    envctx_t c = {0};
    err_t *e = make_env(o, &c);
    if (e) {
        envctx_free(&c);
        return fail(e);
    }
    buf_t out = BUF_INIT;
    json_t j;
    json_init(&j, &out);
    json_obj(&j);
    json_kstr(&j, "dir", c.env.dir);
    json_kbool(&j, "reused", c.env.reused);
    json_kint(&j, "installed", (long long)c.env.n_installed);
    json_end(&j);
    print_json(&out);
    fprintf(stderr, "env seconds: %.4f\n", c.seconds);
    envctx_free(&c);
    return 0;
}

static int with_source(const opts_t *o, const char *project, bool need_env, envctx_t *c,
                       build_source_t **s)
{
    err_t *e = NULL;
    if (need_env)
        e = make_env(o, c);
    build_opts_t b = bopts(o, c);
    if (!e)
        e = build_source_dir(project, &b, s);
    if (e)
        return fail(e);
    return 0;
}

static int cmd_get_requires(const opts_t *o, const char *project)
{
    envctx_t c = {0};
    build_source_t *s = NULL;
    int rc = with_source(o, project, true, &c, &s);
    char **reqs = NULL;
    if (!rc) {
        build_opts_t b = bopts(o, &c);
        err_t *e = build_get_requires(s, &b, o->editable ? BUILD_KIND_EDITABLE : BUILD_KIND_WHEEL,
                                      &reqs);
        if (e)
            rc = fail(e);
    }
    if (!rc) {
        buf_t out = BUF_INIT;
        json_t j;
        json_init(&j, &out);
        json_obj(&j);
        str_array(&j, "requires", reqs);
        json_end(&j);
        print_json(&out);
    }
    strv_free(reqs);
    build_source_free(s);
    envctx_free(&c);
    return rc;
}

static int cmd_metadata(const opts_t *o, const char *project)
{
    envctx_t c = {0};
    build_source_t *s = NULL;
    int rc = with_source(o, project, true, &c, &s);
    char *text = NULL;
    if (!rc) {
        build_opts_t b = bopts(o, &c);
        err_t *e = build_metadata(s, &b, o->editable ? BUILD_KIND_EDITABLE : BUILD_KIND_WHEEL,
                                  &text);
        if (e)
            rc = fail(e);
    }
    if (!rc) {
        buf_t out = BUF_INIT;
        json_t j;
        json_init(&j, &out);
        json_obj(&j);
        json_kbool(&j, "static", build_metadata_is_static(s));
        json_kstr(&j, "metadata", text);
        json_end(&j);
        print_json(&out);
    }
    free(text);
    build_source_free(s);
    envctx_free(&c);
    return rc;
}

static int cmd_wheel(const opts_t *o, const char *project, const char *out_dir)
{
    envctx_t c = {0};
    build_source_t *s = NULL;
    int rc = with_source(o, project, true, &c, &s);
    char *wheel = NULL;
    double t0 = now();
    if (!rc) {
        build_opts_t b = bopts(o, &c);
        build_kind_t k = o->editable ? BUILD_KIND_EDITABLE : BUILD_KIND_WHEEL;
        char *meta = NULL;
        err_t *e = build_metadata(s, &b, k, &meta);   /* as the engine will: resolve, then build */
        free(meta);
        if (!e)
            e = build_wheel(s, &b, k, out_dir, &wheel);
        if (e)
            rc = fail(e);
    }
    if (!rc) {
        buf_t out = BUF_INIT;
        json_t j;
        json_init(&j, &out);
        json_obj(&j);
        json_kstr(&j, "wheel", wheel);
        json_end(&j);
        print_json(&out);
        fprintf(stderr, "build seconds: %.3f\n", now() - t0);
    }
    free(wheel);
    build_source_free(s);
    envctx_free(&c);
    return rc;
}

static int cmd_sdist_wheel(const opts_t *o, const char *sdist, const char *sha)
{
    envctx_t c = {0};
    err_t *e = make_env(o, &c);
    build_source_t *s = NULL;
    build_opts_t b = bopts(o, &c);
    char *wheel = NULL;
    bool built = false;
    if (!e)
        e = build_source_sdist(sdist, NULL, sha, &b, &s);
    if (!e)
        e = build_sdist_wheel(s, &b, c.py, &wheel, &built);
    int rc = 0;
    if (e) {
        rc = fail(e);
    } else {
        buf_t out = BUF_INIT;
        json_t j;
        json_init(&j, &out);
        json_obj(&j);
        json_kstr(&j, "wheel", wheel);
        json_kbool(&j, "built", built);
        json_kbool(&j, "static", build_metadata_is_static(s));
        json_end(&j);
        print_json(&out);
    }
    free(wheel);
    build_source_free(s);
    envctx_free(&c);
    return rc;
}

static int cmd_install_editable(const opts_t *o, const char *project, const char *venv)
{
    double t0 = now();
    envctx_t c = {0};
    build_source_t *s = NULL;
    int rc = with_source(o, project, true, &c, &s);
    char *wheel = NULL, *scratch = NULL;
    wheel_installed_t r = {0};
    double tb = 0;
    if (!rc) {
        build_opts_t b = bopts(o, &c);
        char *meta = NULL;
        err_t *e = build_metadata(s, &b, BUILD_KIND_EDITABLE, &meta);
        free(meta);
        if (!e)
            e = fs_mkdtemp_in(s->work_dir, "out-", &scratch);
        if (!e)
            e = build_wheel(s, &b, BUILD_KIND_EDITABLE, scratch, &wheel);
        tb = now() - t0;
        char *python = path_join(venv, "bin/python");
        char *xy = xasprintf("%d.%d", c.py->major, c.py->minor);
        wheel_target_t t = {
            .root = venv,
            .purelib = c.py->venv_purelib,
            .platlib = c.py->venv_platlib,
            .scripts = c.py->venv_scripts,
            .data = "",
            .python = python,
            .python_version = xy,
            .requested = true,
            .installer = "venvsync",
        };
        if (!e)
            e = build_install_editable(wheel, s->root, s->work_dir, &t, &r);
        free(python);
        free(xy);
        if (e)
            rc = fail(e);
    }
    if (!rc) {
        buf_t out = BUF_INIT;
        json_t j;
        json_init(&j, &out);
        json_obj(&j);
        json_kstr(&j, "wheel", wheel);
        json_kbool(&j, "env_reused", c.env.reused);
        str_array(&j, "files", r.files);
        json_end(&j);
        print_json(&out);
        fprintf(stderr, "build seconds: %.3f, total seconds: %.3f\n", tb, now() - t0);
    }
    wheel_installed_free(&r);
    free(wheel);
    free(scratch);
    build_source_free(s);
    envctx_free(&c);
    return rc;
}

static int cmd_fingerprint(const char *project)
{
    char fp[65];
    err_t *e = build_fingerprint(project, fp);
    if (e)
        return fail(e);
    printf("{\"fingerprint\": \"%s\"}\n", fp);
    return 0;
}

int main(int argc, char **argv)
{
    opts_t o = {.python = "/usr/bin/python3"};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--python") == 0 && v)
            o.python = v, i++;
        else if (strcmp(a, "--cache") == 0 && v)
            o.cache = v, i++;
        else if (strcmp(a, "--wheel") == 0 && v)
            strv_push(&o.wheels, NULL, NULL, xstrdup(v)), i++;
        else if (strcmp(a, "--config") == 0 && v)
            strv_push(&o.config, NULL, NULL, xstrdup(v)), i++;
        else if (strcmp(a, "--timeout-ms") == 0 && v)
            o.timeout_ms = atoi(v), i++;
        else if (strcmp(a, "--editable") == 0)
            o.editable = true;
        else if (strcmp(a, "-v") == 0)
            o.verbose = true;
        else {
            fprintf(stderr, "vsbuild: unknown option %s\n", a);
            return 2;
        }
    }
    if (i >= argc || !o.cache) {
        fprintf(stderr, "usage: vsbuild --cache DIR [OPTIONS] COMMAND ARGS...\n");
        return 2;
    }
    const char *cmd = argv[i];
    char **rest = argv + i + 1;
    int nrest = argc - i - 1;
    int rc = 2;
    if (strcmp(cmd, "inspect") == 0 && nrest == 1)
        rc = cmd_inspect(&o, rest[0]);
    else if (strcmp(cmd, "group") == 0 && nrest == 2)
        rc = cmd_group(&o, rest[0], rest[1]);
    else if (strcmp(cmd, "env") == 0 && nrest == 0)
        rc = cmd_env(&o);
    else if (strcmp(cmd, "get-requires") == 0 && nrest == 1)
        rc = cmd_get_requires(&o, rest[0]);
    else if (strcmp(cmd, "metadata") == 0 && nrest == 1)
        rc = cmd_metadata(&o, rest[0]);
    else if (strcmp(cmd, "wheel") == 0 && nrest == 2)
        rc = cmd_wheel(&o, rest[0], rest[1]);
    else if (strcmp(cmd, "sdist-wheel") == 0 && (nrest == 1 || nrest == 2))
        rc = cmd_sdist_wheel(&o, rest[0], nrest == 2 ? rest[1] : NULL);
    else if (strcmp(cmd, "install-editable") == 0 && nrest == 2)
        rc = cmd_install_editable(&o, rest[0], rest[1]);
    else if (strcmp(cmd, "fingerprint") == 0 && nrest == 1)
        rc = cmd_fingerprint(rest[0]);
    else
        fprintf(stderr, "vsbuild: unknown command or wrong arguments: %s\n", cmd);
    strv_free(o.wheels);
    strv_free(o.config);
    return rc;
}
