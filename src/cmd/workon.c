/*
 * __workon: what the `workon` shell function (shell/integ.h) evaluates. Hidden:
 * `venvsync __workon SHELL [--no-sync] [NAME]`.
 *
 * With NAME it finds the environment in the manifest found from the current directory, else in
 * the global manifest (-f or -g pick one), syncs it (its report goes to stderr, and only when
 * something changed), and prints the code that sources its activator in SHELL. Without NAME it
 * prints the code that lists the environments of the manifest found from here, else the
 * global one's. On error it prints nothing on stdout, so the function evaluates nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "shell/integ.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/suggest.h"
#include "util/xalloc.h"

/* The manifests workon looks in, in order: -f's or -g's alone, else the one found from the cwd
 * and the global one (when it exists). malloc'd paths, NULL-terminated. */
static char **candidates(const cmd_ctx_t *ctx)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    char *p = NULL;
    if (ctx->g->global || ctx->g->file) {
        err_free(cmd_manifest_file(ctx, &p));
        if (p)
            strv_push(&v, &n, &cap, p);
    } else {
        char *cwd = path_cwd();
        err_free(manifest_find(cwd, &p));
        free(cwd);
        if (p)
            strv_push(&v, &n, &cap, p);
        p = NULL;
        err_free(cmd_global_manifest(ctx, false, &p));
        if (p && fs_exists(p) && !strv_has(v, p))
            strv_push(&v, &n, &cap, p);
        else
            free(p);
    }
    return v ? v : xcalloc(1, sizeof(char *));
}

static err_t *run_workon(const cmd_ctx_t *ctx, int *status)
{
    bool no_sync = false;
    cmd_flag_t flags[] = {{"--no-sync", &no_sync, NULL}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    *status = 0;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    if (n < 1 || n > 2) {
        free(ops);
        return err_new(EXIT_USAGE, "__workon: expected a shell and at most one environment name");
    }
    const char *shell = ops[0], *name = n == 2 ? ops[1] : NULL;
    e = cmd_check_shell("workon", shell, true);
    if (e) {
        free(ops);
        return e;
    }
    char **files = candidates(ctx);
    env_lookup_t vars = cmd_manifest_vars(ctx);
    buf_t out = BUF_INIT, tried = BUF_INIT;
    const char **all = NULL;
    size_t nall = 0, capall = 0;
    manifest_t *found = NULL;
    manifest_t **loaded = xcalloc(strv_len(files) + 1, sizeof(*loaded));
    for (size_t i = 0; files[i] && !e && !found; i++) {
        e = manifest_load(files[i], &vars, &loaded[i]);
        if (e)
            break;
        manifest_t *m = loaded[i];
        buf_printf(&tried, "%s%s", i ? " or " : "", m->file);
        if (!name) { /* list the first manifest's */
            char **names = xcalloc(m->nenvs + 1, sizeof(char *));
            for (size_t k = 0; k < m->nenvs; k++)
                names[k] = m->envs[k].name;
            shell_workon_list(shell, names, &out);
            if (!m->nenvs && ctx->g->verbosity >= 0)
                fprintf(ctx->log, "venvsync: %s names no environments\n", m->file);
            free(names);
            found = m;
            break;
        }
        for (size_t k = 0; k < m->nenvs; k++) {
            XGROW(all, capall, nall + 1);
            all[nall++] = m->envs[k].name;
        }
        if (manifest_env(m, name))
            found = m;
    }
    if (!e && !files[0])
        e = err_hint(err_new(EXIT_USAGE, "workon: no venv.yaml here or above, and no global "
                             "manifest"),
                     "`venvsync -g new NAME` makes an environment in your global manifest");
    else if (!e && !found)
        e = err_new(EXIT_USAGE, "workon: no environment named '%s' in %s", name,
                    buf_cstr(&tried));
    if (e && name && nall) {
        const char *best = suggest_closest(name, all, nall);
        if (best)
            err_hint(e, "did you mean '%s'?", best);
    }
    if (!e && name) {
        global_opts_t g = *ctx->g;
        g.file = found->file;
        g.global = false;
        cmd_ctx_t c = *ctx;
        c.g = &g;
        char *names[] = {(char *)name};
        manifest_t *m;
        engine_t en;
        e = cmd_open_engine(&c, names, 1, &m, &en);
        if (!e) {
            engine_plan(&en, !no_sync);
            if (!no_sync)
                e = engine_apply(&en);
            else if (en.envs[0].obs.kind != OBS_VENV)
                e = err_hint(err_new(EXIT_USAGE, "environment '%s' does not exist yet", name),
                             "`venvsync sync %s` makes it", name);
            if (!no_sync && en.envs[0].result != RESULT_UNCHANGED) {
                c.out = ctx->log; /* stdout is the shell's code */
                c.emitted = NULL;
                cmd_render_engine(&c, &en, RENDER_SYNC);
            }
            if (!e)
                shell_workon_source(shell, en.envs[0].env->path, &out);
            engine_free(&en);
            manifest_free(m);
        }
    }
    if (!e)
        cmd_emit(ctx, &out);
    for (size_t i = 0; files[i]; i++)
        manifest_free(loaded[i]);
    free(loaded);
    free(all);
    strv_free(files);
    buf_free(&out);
    buf_free(&tried);
    free(ops);
    return e;
}

const cmd_t cmd_workon = {
    .name = "__workon",
    .usage = "__workon SHELL [--no-sync] [NAME]",
    .summary = "the code the workon shell function evaluates (internal)",
    .help = "",
    .run = run_workon,
    .hidden = true,
};
