/*
 * plan: print what `sync` would do, and change nothing.
 */
#include <stdlib.h>

#include "cmd/common.h"

static err_t *run_plan(const cmd_ctx_t *ctx, int *status)
{
    manifest_t *m;
    engine_t en;
    err_t *e = cmd_engine_from_args(ctx, NULL, &m, &en);
    if (e)
        return e;
    en.dry = true; /* a relock is shown, not written */
    engine_plan(&en, true);
    cmd_render_engine(ctx, &en, RENDER_PLAN);
    e = engine_plan_errors(&en, true);
    engine_free(&en);
    manifest_free(m);
    *status = 0;
    return e;
}

const cmd_t cmd_plan = {
    .name = "plan",
    .usage = "plan [ENV...]",
    .summary = "print what sync would do; change nothing",
    .help = "Each environment's state (ok, missing, drifted, wrong-python, broken, moved, foreign)\n"
            "and the actions sync would take, each with its reason. It may start Python to learn\n"
            "an interpreter's facts (cached), but writes nothing but that cache.\n",
    .run = run_plan,
};
