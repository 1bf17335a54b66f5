/*
 * sync: make every selected environment match the manifest: plan, then apply, and print what
 * changed. The default command.
 */
#include <stdlib.h>

#include "cmd/common.h"

static err_t *run_sync(const cmd_ctx_t *ctx, int *status)
{
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, NULL, false, &ops, &n);
    if (e)
        return e;
    manifest_t *m;
    engine_t en;
    e = cmd_open_engine(ctx, ops, n, &m, &en);
    free(ops);
    if (e)
        return e;
    engine_plan(&en, true);
    e = engine_apply(&en);

    cmd_render_engine(ctx, &en, RENDER_SYNC);
    engine_free(&en);
    manifest_free(m);
    *status = 0;
    return e;
}

const cmd_t cmd_sync = {
    .name = "sync",
    .usage = "sync [ENV...]",
    .summary = "make the environments match venv.yaml (the default command)",
    .help = "Observes each environment named (all when none is), plans the difference and applies it:\n"
            "creates missing environments, fixes drifted ones in place, recreates those with the wrong\n"
            "interpreter (staged beside and swapped in), repairs broken and moved ones. A path that is\n"
            "not a virtual environment is never touched (exit 2). With nothing to do, it starts no\n"
            "Python and makes no network request.\n",
    .run = run_sync,
};
