/*
 * prune: remove the environments under `root` that the manifest no longer names, and only those
 * venvsync wrote (their pyvenv.cfg carries venvsync's keys). Everything else under root is left
 * alone.
 */
#include <stdlib.h>

#include "cmd/common.h"
#include "util/json.h"
#include "util/strv.h"
#include "util/xalloc.h"

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
    char **list = NULL;
    e = engine_orphans(m, &list);
    if (e) {
        manifest_free(m);
        return e;
    }
    size_t count = strv_len(list);
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
        if (ok)
            e = engine_delete(ctx->g->cfg, ctx->log, list[i],
                              "under root, written by venvsync, and no longer in the manifest",
                              false, NULL);
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
