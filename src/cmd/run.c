/*
 * run: run a command inside an environment, syncing that environment first (unless --no-sync).
 * The command replaces venvsync, so its exit status is the exit status.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "util/proc.h"

/* Syncs (or, with no_sync, only checks the existence of) one environment. */
static err_t *prepare(const cmd_ctx_t *ctx, char *name, bool no_sync, manifest_t **m, engine_t *en)
{
    err_t *e = cmd_open_engine(ctx, &name, 1, m, en);
    if (e)
        return e;
    engine_plan(en, !no_sync);
    engine_env_t *ee = &en->envs[0];
    if (no_sync) {
        if (ee->obs.kind != OBS_VENV)
            e = err_hint(err_new(EXIT_USAGE, "environment '%s' does not exist at %s", name,
                                 ee->env->path),
                         "run `venvsync sync %s` or drop --no-sync", name);
    } else {
        e = engine_apply(en);
        if (!e && ctx->g->verbosity > 0 && ee->result == RESULT_CHANGED)
            fprintf(ctx->log, "venvsync: synced %s\n", name);
    }
    if (e) {
        engine_free(en);
        manifest_free(*m);
    }
    return e;
}

static err_t *run_run(const cmd_ctx_t *ctx, int *status)
{
    bool no_sync = false;
    cmd_flag_t flags[] = {{"--no-sync", &no_sync, NULL}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, flags, true, &ops, &n);
    if (e)
        return e;
    int first = 1;
    if (n >= 2 && strcmp(ops[1], "--") == 0)
        first = 2;
    if (n < first + 1) {
        free(ops);
        return err_hint(err_new(EXIT_USAGE, "run: expected an environment and a command"),
                        "venvsync run ENV -- COMMAND [ARGS...]");
    }
    manifest_t *m;
    engine_t en;
    e = prepare(ctx, ops[0], no_sync, &m, &en);
    if (e) {
        free(ops);
        return e;
    }
    cmd_activate_environ(ctx, en.envs[0].env->path, en.envs[0].env->prompt);
    fflush(NULL);
    e = proc_exec(ops + first);
    e = err_code(e, 127);
    free(ops);
    engine_free(&en);
    manifest_free(m);
    *status = 127;
    return e;
}

const cmd_t cmd_run = {
    .name = "run",
    .usage = "run [--no-sync] ENV -- CMD...",
    .summary = "run CMD inside ENV (synced first); exits with CMD's status",
    .help = "Options go before ENV; everything after ENV (and an optional --) is the command.\n"
            "  --no-sync   do not sync ENV first (it must exist)\n"
            "The command runs with ENV's bin/ first on PATH, VIRTUAL_ENV set and PYTHONHOME unset.\n",
    .run = run_run,
};
