/*
 * list: each environment of the manifest with its path, interpreter, state and package count.
 * Starts no Python.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "util/json.h"
#include "util/path.h"

static err_t *run_list(const cmd_ctx_t *ctx, int *status)
{
    manifest_t *m;
    engine_t en;
    err_t *e = cmd_engine_from_args(ctx, NULL, &m, &en);
    if (e)
        return e;
    engine_plan(&en, false);
    buf_t out = BUF_INIT;
    char *cwd = NULL;
    if (ctx->g->json) {
        json_t j;
        json_init(&j, &out);
        json_obj(&j);
        json_key(&j, "environments");
        json_arr(&j);
        for (size_t i = 0; i < en.n; i++) {
            const engine_env_t *ee = &en.envs[i];
            json_obj(&j);
            json_kstr(&j, "name", ee->env->name);
            json_kstr(&j, "path", ee->env->path);
            json_kstr(&j, "python", ee->plan.python);
            json_kstr(&j, "state", env_state_name(ee->plan.state));
            json_kint(&j, "packages", (long long)ee->obs.ndists);
            json_end(&j);
        }
        json_end(&j);
        json_end(&j);
        buf_addc(&out, '\n');
    } else {
        cwd = path_cwd();
        size_t wname = 4, wpath = 4;
        char **shown = calloc(en.n + 1, sizeof(char *));
        for (size_t i = 0; i < en.n; i++) {
            shown[i] = render_path(en.envs[i].env->path, cwd);
            if (strlen(en.envs[i].env->name) > wname)
                wname = strlen(en.envs[i].env->name);
            if (strlen(shown[i]) > wpath)
                wpath = strlen(shown[i]);
        }
        if (ctx->g->verbosity >= 0)
            buf_printf(&out, "%-*s  %-*s  %-12s  %8s  %s\n", (int)wname, "NAME", (int)wpath, "PATH",
                       "STATE", "PACKAGES", "PYTHON");
        for (size_t i = 0; i < en.n; i++) {
            const engine_env_t *ee = &en.envs[i];
            buf_printf(&out, "%-*s  %-*s  %-12s  %8zu  %s\n", (int)wname, ee->env->name, (int)wpath,
                       shown[i], env_state_name(ee->plan.state), ee->obs.ndists,
                       ee->plan.python ? ee->plan.python : "-");
            free(shown[i]);
        }
        free(shown);
    }
    cmd_emit(ctx, &out);
    buf_free(&out);
    free(cwd);
    e = engine_plan_errors(&en);
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
