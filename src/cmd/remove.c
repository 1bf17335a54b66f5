/*
 * remove: delete one virtual environment, named by the manifest or by path. An environment of
 * the manifest also leaves the manifest (its entry, with its comments), so that the next sync
 * does not bring it back; --keep-entry deletes it from the disk only. Anything that is not a
 * virtual environment is refused (exit 2) and left as it is, and so is an environment holding
 * the user's own files unless --force. Asks on a terminal; --yes for scripts.
 *
 * Order: the edited manifest is checked first (another environment copied from this one makes
 * it invalid), then the deletion is planned (its refusals), then asked for; the environment is
 * deleted, then the manifest written. A refusal changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/editing.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"

/* Deletes path (when something is there) after asking. *done: it was deleted or absent. */
static err_t *delete_env(const cmd_ctx_t *ctx, const char *path, const char *question, bool yes,
                         bool force, bool *done)
{
    *done = false;
    bool there = fs_exists(path);
    err_t *e = there ? engine_plan_delete(path, force) : NULL;
    bool ok = false;
    if (!e)
        e = cmd_confirm(ctx, question, yes, &ok);
    if (!e && ok && there)
        e = engine_delete(ctx->g->cfg, ctx->log, path, "asked for", force, NULL);
    *done = !e && ok;
    return e;
}

static err_t *run_remove(const cmd_ctx_t *ctx, int *status)
{
    bool yes = false, force = false, keep_entry = false;
    cmd_flag_t flags[] = {{"--yes", &yes, NULL}, {"-y", &yes, NULL}, {"--force", &force, NULL},
                          {"--keep-entry", &keep_entry, NULL}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    *status = 0;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    if (n != 1) {
        free(ops);
        return err_new(EXIT_USAGE, "remove: expected one environment name or path");
    }
    /* A name from the manifest (or the path of one of its environments), else a path. */
    const char *arg = ops[0];
    bool looks_like_path = strchr(arg, '/') || strcmp(arg, ".") == 0 || fs_exists(arg);
    cmd_edit_t ed = {0};
    err_t *me = cmd_edit_open(ctx, &ed);
    const mf_env_t *env = NULL;
    if (!me) {
        env = manifest_env(ed.m, arg);
        char *abs = looks_like_path ? path_absolute(NULL, arg) : NULL;
        for (size_t i = 0; !env && abs && i < ed.m->nenvs; i++)
            if (strcmp(ed.m->envs[i].path, abs) == 0)
                env = &ed.m->envs[i];
        free(abs);
    }
    bool done = false;
    if (env) {
        char *name = xstrdup(env->name), *path = xstrdup(env->path);
        if (!keep_entry) {
            e = mfedit_remove_env(ed.ed, name);
            if (!e)
                e = cmd_edit_check(ctx, &ed);
        }
        char *q = keep_entry ? xasprintf("remove the environment at %s?", path)
                             : xasprintf("remove the environment at %s and '%s' from %s?", path,
                                         name, ed.shown);
        if (!e)
            e = delete_env(ctx, path, q, yes, force, &done);
        free(q);
        if (!e && done && !keep_entry)
            e = cmd_edit_commit(ctx, &ed);
        if (!e && done && ctx->g->verbosity >= 0) {
            fprintf(ctx->out, "removed %s", path);
            if (!keep_entry)
                fprintf(ctx->out, " and '%s' from %s", name, ed.shown);
            fprintf(ctx->out, "\n");
        }
        free(name);
        free(path);
    } else if (looks_like_path) {
        char *path = path_absolute(NULL, arg);
        char *q = xasprintf("remove the environment at %s?", path);
        e = fs_exists(path) ? delete_env(ctx, path, q, yes, force, &done)
                            : err_new(EXIT_USAGE, "%s does not exist", path);
        if (!e && done && ctx->g->verbosity >= 0)
            fprintf(ctx->out, "removed %s\n", path);
        free(q);
        free(path);
    } else if (me) {
        e = me;
        me = NULL;
    } else {
        e = cmd_need_env(ed.m, arg, &env);
    }
    err_free(me);
    cmd_edit_free(&ed);
    free(ops);
    return e;
}

const cmd_t cmd_remove = {
    .name = "remove",
    .usage = "remove [--yes] [--force] [--keep-entry] ENV|PATH",
    .summary = "delete an environment, and its entry in the manifest; refuses anything else",
    .help = "  -y, --yes      do not ask (needed when stdin is not a terminal)\n"
            "  --force        also when the environment's folder holds files of yours (an app.py,\n"
            "                 a src/ checkout): they are named and, without --force, kept\n"
            "  --keep-entry   keep ENV in the manifest (the next sync makes it anew)\n"
            "ENV leaves the manifest with its comments (the rest of the file is untouched), so\n"
            "sync does not bring it back; an ENV that was never synced only leaves the manifest.\n"
            "Only a directory holding pyvenv.cfg is deleted; anything else is refused (exit 2).\n",
    .run = run_remove,
};
