/*
 * init: write a starter venv.yaml in the current directory. With --adopt, the manifest describes
 * an existing environment (default .venv): its Python version and its installed packages, pinned,
 * as `pip freeze` would list them (pip, setuptools, wheel and distribute left out).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/common.h"
#include "pkg/installed.h"
#include "plan/observe.h"
#include "python/discover.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"

/* A YAML double-quoted scalar. */
static void yaml_quote(buf_t *b, const char *s)
{
    buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_addc(b, '\\');
        buf_addc(b, *s);
    }
    buf_addc(b, '"');
}

static bool freeze_skips(const char *name)
{
    static const char *const skip[] = {"pip", "setuptools", "wheel", "distribute", NULL};
    for (size_t i = 0; skip[i]; i++)
        if (strcasecmp(name, skip[i]) == 0)
            return true;
    return false;
}

/* The default Python request: .python-version, else the newest interpreter's X.Y, else "3". */
static char *default_python(const cmd_ctx_t *ctx, const char *dir)
{
    char *v = python_version_file(dir);
    if (v)
        return v;
    interp_list_t l;
    discover_opts_t o = discover_opts(ctx->g->cfg);
    err_t *e = discover_all(&o, &l);
    char *r = NULL;
    if (!e) {
        const interp_t *best = discover_best(&l, NULL);
        if (best)
            r = xasprintf("%d.%d", best->major, best->minor);
        interp_list_free(&l);
    }
    err_free(e);
    return r ? r : xstrdup("3");
}

static err_t *run_init(const cmd_ctx_t *ctx, int *status)
{
    bool adopt = false;
    const char *python = NULL, *envpath = ".venv";
    cmd_flag_t flags[] = {{"--adopt", &adopt, NULL}, {"--python", NULL, &python},
                          {"--path", NULL, &envpath}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    free(ops);
    if (e)
        return e;
    if (n)
        return err_new(EXIT_USAGE, "init takes no operands");
    char *file = path_absolute(NULL, ctx->g->file ? ctx->g->file : "venv.yaml");
    if (fs_exists(file)) {
        e = err_hint(err_new(EXIT_USAGE, "%s already exists; nothing was written", file),
                     "edit it, or remove it and run `venvsync init` again");
        free(file);
        return e;
    }
    char *dir = path_dirname(file);
    char *abs_env = path_absolute(dir, envpath);
    observed_env_t o;
    dist_list_t dists = {0};
    char *py = python ? xstrdup(python) : NULL;
    e = observe_env(abs_env, &o);
    if (!e && adopt) {
        if (o.kind != OBS_VENV || !o.version) {
            e = err_new(EXIT_USAGE, "--adopt: %s is not a virtual environment", abs_env);
        } else {
            int major = 0, minor = 0;
            sscanf(o.version, "%d.%d", &major, &minor);
            if (!py)
                py = xasprintf("%d.%d%s", major, minor, o.freethreaded ? "t" : "");
            char *sp = xasprintf("%s/lib/python%d.%d%s/site-packages", abs_env, major, minor,
                                 o.freethreaded ? "t" : "");
            e = installed_list(sp, &dists);
            free(sp);
        }
    }
    if (!e && !py)
        py = default_python(ctx, dir);
    if (!e) {
        buf_t y = BUF_INIT;
        buf_adds(&y, "# venv.yaml: the Python environments this project needs.\n"
                     "# Run `venvsync` to make the disk match; see `venvsync --help`.\n"
                     "version: 1\n"
                     "python: ");
        yaml_quote(&y, py);
        buf_adds(&y, "            # default interpreter request for every environment\n"
                     "environments:\n"
                     "  dev:\n"
                     "    path: ");
        yaml_quote(&y, envpath);
        buf_addc(&y, '\n');
        size_t listed = 0;
        for (size_t i = 0; i < dists.n; i++)
            if (!freeze_skips(dists.items[i].name))
                listed++;
        if (listed == 0) {
            buf_adds(&y, "    packages: []          # exact pins, e.g. requests==2.32.3\n");
        } else {
            buf_adds(&y, "    packages:\n");
            for (size_t i = 0; i < dists.n; i++) {
                if (freeze_skips(dists.items[i].name))
                    continue;
                char *pin = xasprintf("%s==%s", dists.items[i].name, dists.items[i].version);
                buf_adds(&y, "      - ");
                yaml_quote(&y, pin);
                buf_addc(&y, '\n');
                free(pin);
            }
        }
        e = fs_write_atomic(file, y.data, y.len, 0644);
        if (!e && ctx->g->verbosity >= 0)
            fprintf(ctx->out, "wrote %s (python %s%s)\n", file, py,
                    listed ? ", with the adopted packages" : "");
        buf_free(&y);
    }
    dist_list_free(&dists);
    observed_env_free(&o);
    free(py);
    free(abs_env);
    free(dir);
    free(file);
    *status = 0;
    return e;
}

const cmd_t cmd_init = {
    .name = "init",
    .usage = "init [--python REQ] [--adopt] [--path P]",
    .summary = "write a starter venv.yaml here",
    .help = "  --python REQ   the interpreter request (default: .python-version, else the newest found)\n"
            "  --adopt        describe the existing environment at --path: its Python and packages\n"
            "  --path P       the dev environment's path (default .venv)\n"
            "Refuses to overwrite an existing venv.yaml.\n",
    .run = run_init,
};
