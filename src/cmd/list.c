/*
 * list: each environment of the manifest with its path, interpreter, state and package count.
 * Starts no Python.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "util/json.h"

/* --names: the names alone, one per line (or a JSON array), from the manifest only: for
 * scripts and shell completion, it starts no Python and looks at no environment. */
static err_t *list_names(const cmd_ctx_t *ctx, char **ops, int n)
{
    manifest_t *m;
    err_t *e = cmd_load_manifest(ctx, &m);
    if (e)
        return e;
    buf_t out = BUF_INIT;
    json_t j;
    if (ctx->g->json) {
        json_init(&j, &out);
        json_arr(&j);
    }
    for (int i = 0; i < n && !e; i++)
        if (!manifest_env(m, ops[i]))
            e = err_new(EXIT_USAGE, "no environment named '%s' in %s", ops[i], m->file);
    for (size_t k = 0; k < m->nenvs && !e; k++) {
        bool want = n == 0;
        for (int i = 0; i < n && !want; i++)
            want = strcmp(ops[i], m->envs[k].name) == 0;
        if (!want)
            continue;
        if (ctx->g->json)
            json_str(&j, m->envs[k].name);
        else
            buf_printf(&out, "%s\n", m->envs[k].name);
    }
    if (ctx->g->json) {
        json_end(&j);
        buf_addc(&out, '\n');
    }
    if (!e)
        cmd_emit(ctx, &out);
    buf_free(&out);
    manifest_free(m);
    return e;
}

static err_t *run_list(const cmd_ctx_t *ctx, int *status)
{
    bool names = false;
    cmd_flag_t flags[] = {{"--names", &names, NULL}, {NULL, NULL, NULL}};
    *status = 0;
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    if (names) {
        e = list_names(ctx, ops, n);
        free(ops);
        return e;
    }
    manifest_t *m;
    engine_t en;
    e = cmd_open_engine(ctx, ops, n, &m, &en);
    free(ops);
    if (e)
        return e;
    engine_plan(&en, false);
    cmd_render_engine(ctx, &en, RENDER_LIST);
    e = engine_plan_errors(&en, false);
    engine_free(&en);
    manifest_free(m);
    *status = 0;
    return e;
}

const cmd_t cmd_list = {
    .name = "list",
    .usage = "list [--names] [ENV...]",
    .summary = "each environment: path, interpreter, state, package count",
    .help = "  --names   only the names, one per line, read from the manifest alone (no\n"
            "            environment is looked at): for scripts and completion\n",
    .run = run_list,
};
