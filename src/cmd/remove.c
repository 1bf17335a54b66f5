/*
 * remove: delete one virtual environment, named by the manifest or by path. Anything that is
 * not a virtual environment is refused (exit 2) and left as it is. Asks on a terminal; --yes
 * for scripts.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"

static err_t *run_remove(const cmd_ctx_t *ctx, int *status)
{
    bool yes = false, force = false;
    cmd_flag_t flags[] = {{"--yes", &yes, NULL}, {"-y", &yes, NULL}, {"--force", &force, NULL},
                          {NULL, NULL, NULL}};
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    if (n != 1) {
        free(ops);
        return err_new(EXIT_USAGE, "remove: expected one environment name or path");
    }
    /* A name from the manifest, else a path. */
    char *path = NULL;
    manifest_t *m = NULL;
    bool looks_like_path = strchr(ops[0], '/') || strcmp(ops[0], ".") == 0 || fs_exists(ops[0]);
    err_t *me = cmd_load_manifest(ctx, &m);
    const mf_env_t *env = m ? manifest_env(m, ops[0]) : NULL;
    if (env)
        path = xstrdup(env->path);
    else if (looks_like_path)
        path = path_absolute(NULL, ops[0]);
    else
        e = me ? me : err_new(EXIT_USAGE, "no environment named '%s' in %s", ops[0], m->file);
    if (e != me)
        err_free(me);
    free(ops);
    if (!e)
        e = engine_plan_delete(path, force);
    if (!e) {
        char *q = xasprintf("remove the environment at %s?", path);
        bool ok = false;
        e = cmd_confirm(ctx, q, yes, &ok);
        free(q);
        if (!e && ok)
            e = engine_delete(ctx->g->cfg, ctx->log, path, "asked for", force, NULL);
        if (!e && ok && ctx->g->verbosity >= 0)
            fprintf(ctx->out, "removed %s\n", path);
    }
    free(path);
    manifest_free(m);
    *status = 0;
    return e;
}

const cmd_t cmd_remove = {
    .name = "remove",
    .usage = "remove [--yes] [--force] ENV|PATH",
    .summary = "delete an environment; refuses anything that is not one",
    .help = "  -y, --yes   do not ask (needed when stdin is not a terminal)\n"
            "  --force     also when the environment's folder holds files of yours (an app.py, a\n"
            "              src/ checkout): they are named and, without --force, kept\n"
            "Only a directory holding pyvenv.cfg is removed; anything else is refused (exit 2).\n",
    .run = run_remove,
};
