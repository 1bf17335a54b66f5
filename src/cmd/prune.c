/*
 * prune: remove the environments under `root` that the manifest no longer names, and only those
 * venvsync wrote (their pyvenv.cfg carries venvsync's keys). Everything else under root is left
 * alone.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apply/apply.h"
#include "util/lock.h"
#include "cmd/common.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "venv/cfg.h"

/* Paths under root that hold an environment venvsync wrote and the manifest does not name. */
static char **orphans(const manifest_t *m, size_t *n)
{
    char **names = NULL;
    char **out = xcalloc(1, sizeof(char *));
    *n = 0;
    err_t *e = fs_list_dir(m->root, &names);
    if (e) {
        err_free(e); /* no root directory: nothing to prune */
        return out;
    }
    for (size_t i = 0; names[i]; i++) {
        if (names[i][0] == '.')
            continue; /* staging leftovers are sync's to clean */
        char *p = path_join(m->root, names[i]);
        bool named = false;
        for (size_t k = 0; k < m->nenvs && !named; k++)
            named = strcmp(m->envs[k].path, p) == 0;
        struct stat st;
        char *cfgpath = path_join(p, "pyvenv.cfg");
        venv_cfg_t *cfg = NULL;
        bool ours = !named && lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
        if (ours) {
            err_t *ce = venv_cfg_read(cfgpath, &cfg);
            ours = !ce && venv_cfg_get(cfg, CFG_VENVSYNC) != NULL;
            err_free(ce);
        }
        venv_cfg_free(cfg);
        free(cfgpath);
        if (ours) {
            out = xrealloc(out, (*n + 2) * sizeof(char *));
            out[(*n)++] = p;
            out[*n] = NULL;
        } else {
            free(p);
        }
    }
    strv_free(names);
    return out;
}

static err_t *run_prune(const cmd_ctx_t *ctx, int *status)
{
    bool yes = false, dry = false;
    cmd_flag_t flags[] = {{"--yes", &yes, NULL}, {"-y", &yes, NULL}, {"--dry-run", &dry, NULL},
                          {NULL, NULL, NULL}};
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    free(ops);
    if (e)
        return e;
    if (n)
        return err_new(EXIT_USAGE, "prune takes no operands");
    manifest_t *m;
    e = cmd_load_manifest(ctx, &m);
    if (e)
        return e;
    size_t count;
    char **list = orphans(m, &count);
    bool ok = count > 0 && !dry;
    if (ok && !ctx->g->json && ctx->g->verbosity >= 0 && !yes)
        for (size_t i = 0; i < count; i++)
            fprintf(ctx->log, "  - %s\n", list[i]);
    if (ok) {
        char *q = xasprintf("remove these %zu environment%s?", count, count == 1 ? "" : "s");
        e = cmd_confirm(ctx, q, yes, &ok);
        free(q);
    }
    buf_t out = BUF_INIT;
    json_t j;
    if (ctx->g->json) {
        json_init(&j, &out);
        json_obj(&j);
        json_kbool(&j, "dry_run", dry);
        json_key(&j, "removed");
        json_arr(&j);
    }
    for (size_t i = 0; i < count && !e; i++) {
        if (ok) {
            env_lock_t lock;
            e = env_lock_acquire(ctx->g->cache_dir, list[i], ctx->log, &lock);
            if (!e) {
                e = apply_remove_env(list[i]);
                env_lock_release(&lock);
            }
        }
        if (e || (!ok && !dry))
            break;
        if (ctx->g->json)
            json_str(&j, list[i]);
        else if (ctx->g->verbosity >= 0)
            buf_printf(&out, "%s %s\n", dry ? "would remove" : "removed", list[i]);
    }
    if (ctx->g->json) {
        json_end(&j);
        json_end(&j);
        buf_addc(&out, '\n');
    } else if (count == 0 && ctx->g->verbosity >= 0) {
        buf_printf(&out, "nothing to prune under %s\n", m->root);
    }
    cmd_emit(ctx, &out);
    buf_free(&out);
    strv_free(list);
    manifest_free(m);
    *status = 0;
    return e;
}

const cmd_t cmd_prune = {
    .name = "prune",
    .usage = "prune [--yes] [--dry-run]",
    .summary = "remove environments under root that the manifest no longer names",
    .help = "  -y, --yes    do not ask (needed when stdin is not a terminal)\n"
            "  --dry-run    only list what would be removed\n"
            "Only environments venvsync wrote are candidates; anything else under root is kept.\n",
    .run = run_prune,
};
