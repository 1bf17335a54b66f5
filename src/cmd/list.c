/*
 * list: each environment of the manifest with its path, interpreter, state and package count.
 * Starts no Python.
 */
#include "cmd/common.h"

static err_t *run_list(const cmd_ctx_t *ctx, int *status)
{
    manifest_t *m;
    engine_t en;
    err_t *e = cmd_engine_from_args(ctx, NULL, &m, &en);
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
    .usage = "list [ENV...]",
    .summary = "each environment: path, interpreter, state, package count",
    .help = "",
    .run = run_list,
};
