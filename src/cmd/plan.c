/*
 * plan: print what `sync` would do, and change nothing.
 */
#include <stdlib.h>

#include "cmd/common.h"

static err_t *run_plan(const cmd_ctx_t *ctx, int *status)
{
    bool no_build = false, no_binary = false;
    cmd_flag_t flags[] = {{"--no-build", &no_build, NULL}, {"--no-binary", &no_binary, NULL},
                          {NULL, NULL, NULL}};
    manifest_t *m;
    engine_t en;
    err_t *e = cmd_engine_from_args(ctx, flags, &m, &en);
    if (e)
        return e;
    if ((e = cmd_build_policy(no_build, no_binary, &en))) {
        engine_free(&en);
        manifest_free(m);
        return e;
    }
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
    .usage = "plan [--no-build|--no-binary] [ENV...]",
    .summary = "print what sync would do; change nothing",
    .help = "Each environment's state (ok, missing, drifted, wrong-python, broken, moved, foreign)\n"
            "and the actions sync would take, each with its reason. It may start Python to learn\n"
            "an interpreter's facts (cached), but writes nothing but that cache.\n"
            "  --no-build  plan for wheels only (`build: never`)\n"
            "  --no-binary plan to build every package from its sdist (`build: always`)\n",
    .run = run_plan,
};
