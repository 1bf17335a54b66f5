/*
 * check: exit 0 when every selected environment matches the manifest, 1 with the reasons when
 * not. Starts no Python.
 */
#include <stdlib.h>

#include "cmd/common.h"

static err_t *run_check(const cmd_ctx_t *ctx, int *status)
{
    bool deep = false;
    cmd_flag_t flags[] = {{"--deep", &deep, NULL}, {NULL, NULL, NULL}};
    manifest_t *m;
    engine_t en;
    err_t *e = cmd_engine_from_args(ctx, flags, &m, &en);
    if (e)
        return e;
    en.verify = deep;
    en.check_deps = true;
    en.no_resolve = true; /* a stale or missing lock is drift; no network */
    engine_plan(&en, false);
    cmd_render_engine(ctx, &en, RENDER_CHECK);
    bool drift = false;
    for (size_t i = 0; i < en.n; i++)
        drift = drift || env_plan_is_drift(&en.envs[i].plan) || en.envs[i].dep_problems ||
                en.envs[i].lock_state == LOCK_STALE || en.envs[i].lock_state == LOCK_MISSING;
    e = engine_plan_errors(&en, false);
    engine_free(&en);
    manifest_free(m);
    *status = drift ? EXIT_DRIFT : EXIT_OK;
    return e;
}

const cmd_t cmd_check = {
    .name = "check",
    .usage = "check [--deep] [ENV...]",
    .summary = "exit 0 when everything matches, 1 with the reasons when not",
    .help = "For CI and scripts: decides each environment's state without starting Python or\n"
            "changing anything, prints the differences, and exits 1 if any environment is not ok.\n"
            "It also checks what is installed the way `pip check` does: every installed\n"
            "distribution's requirements must be installed at versions they allow.\n"
            "  --deep   also check every installed file against its RECORD (hashes and sizes)\n",
    .run = run_check,
};
