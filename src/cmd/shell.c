/*
 * shell: start the user's $SHELL with an environment activated (synced first). bash, zsh and
 * fish source the environment's own activator after their usual start-up files, so the prompt
 * and `deactivate` work as after `source activate`; other shells get the activated variables.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "shell/start.h"
#include "util/path.h"
#include "util/proc.h"
#include "util/xalloc.h"
#include "venv/activators.h"

static err_t *run_shell(const cmd_ctx_t *ctx, int *status)
{
    bool no_sync = false;
    cmd_flag_t flags[] = {{"--no-sync", &no_sync, NULL}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    if (n != 1) {
        free(ops);
        return err_new(EXIT_USAGE, "shell: expected exactly one environment name");
    }
    manifest_t *m;
    engine_t en;
    e = cmd_open_engine(ctx, ops, 1, &m, &en);
    free(ops);
    if (e)
        return e;
    engine_plan(&en, !no_sync);
    if (!no_sync)
        e = engine_apply(&en);
    else if (en.envs[0].obs.kind != OBS_VENV)
        e = err_new(EXIT_USAGE, "environment '%s' does not exist; run `venvsync sync %s`",
                    en.envs[0].env->name, en.envs[0].env->name);
    if (e) {
        engine_free(&en);
        manifest_free(m);
        return e;
    }
    const mf_env_t *env = en.envs[0].env;
    const char *sh = ctx->g->cfg->shell && *ctx->g->cfg->shell ? ctx->g->cfg->shell : "/bin/sh";
    char *act_path = path_joinv(env->path, "bin", activator_for_shell(path_basename(sh)), NULL);
    shell_start_t st;
    e = shell_start_prepare(sh, act_path, ctx->g->cache_dir, ctx->g->cfg->zdotdir, &st);
    if (!e) {
        for (size_t i = 0; st.set_name[i]; i++)
            setenv(st.set_name[i], st.set_value[i], 1);
        if (st.activate_environ)
            cmd_activate_environ(ctx, env->path, env->prompt);
        if (ctx->g->verbosity >= 0)
            fprintf(ctx->log, "venvsync: starting %s with '%s' activated; `exit` to leave\n", sh,
                    env->name);
        fflush(NULL);
        e = err_code(proc_exec(st.argv), 127);
        shell_start_free(&st);
    }
    free(act_path);
    engine_free(&en);
    manifest_free(m);
    *status = 127;
    return e;
}

const cmd_t cmd_shell = {
    .name = "shell",
    .usage = "shell [--no-sync] ENV",
    .summary = "start $SHELL with ENV activated (synced first)",
    .help = "  --no-sync   do not sync ENV first (it must exist)\n"
            "bash, zsh and fish read their usual start-up files, then ENV's activator; `deactivate`\n"
            "works inside. Other shells start with VIRTUAL_ENV and PATH set.\n",
    .run = run_shell,
};
