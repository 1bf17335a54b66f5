/*
 * copy: copy an environment (a name from the manifest, or a path) to a new path, fully
 * relocated and independent of the source. Data is shared only where that stays true: reflinks
 * where the file system has them, else hard links to files an installed distribution owns
 * (installers replace those, never edit them); --copies copies everything.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "plan/observe.h"
#include "util/path.h"
#include "util/xalloc.h"

static err_t *run_copy(const cmd_ctx_t *ctx, int *status)
{
    bool copies = false;
    cmd_flag_t flags[] = {{"--copies", &copies, NULL}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    if (n != 2) {
        free(ops);
        return err_new(EXIT_USAGE, "copy: expected a source (name or path) and a destination path");
    }
    manifest_t *m = NULL;
    err_t *me = cmd_load_manifest(ctx, &m);
    err_free(me); /* a manifest is only needed to resolve a name */
    const mf_env_t *named = m ? manifest_env(m, ops[0]) : NULL;
    char *src = named ? xstrdup(named->path) : path_absolute(NULL, ops[0]);
    char *dst = path_absolute(NULL, ops[1]);
    free(ops);

    /* The copy keeps the source's prompt and flags; its location is dst. */
    observed_env_t o;
    e = observe_env(src, &o);
    if (!e) {
        mf_env_t target = {.name = (char *)path_basename(dst), .path = dst,
                           .prompt = o.prompt ? o.prompt : (char *)path_basename(dst),
                           .system_site_packages = o.system_site_packages};
        e = engine_copy(ctx->g->cfg, ctx->log, src, dst, &target,
                        copies ? COPY_FULL : COPY_SHARE, NULL);
        if (!e && ctx->g->verbosity >= 0)
            fprintf(ctx->out, "copied %s to %s\n", src, dst);
    }
    observed_env_free(&o);
    free(src);
    free(dst);
    manifest_free(m);
    *status = 0;
    return e;
}

const cmd_t cmd_copy = {
    .name = "copy",
    .usage = "copy [--copies] SRC DST",
    .summary = "copy an environment (name or path) to a new path, fully relocated",
    .help = "  --copies   copy every file (no hard links to the source's package files)\n"
            "The copy is independent of the source: scripts, activators, pyvenv.cfg, .pth files,\n"
            "direct_url.json and RECORD name DST. Reflinks are used where the file system has them.\n",
    .run = run_copy,
};
