/*
 * cache: the package and interpreter-facts cache. `cache dir` prints where it is; `cache clean`
 * empties it; `cache prune` removes what can no longer be used: facts of interpreters that are
 * gone or changed, leftovers of interrupted runs, and (with --older-than DAYS) unpacked wheels
 * no run has used for that long.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "python/probe.h"
#include "util/cachedir.h"
#include "util/json.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "wheel/cache.h"

static err_t *run_cache(const cmd_ctx_t *ctx, int *status)
{
    const char *older = NULL;
    cmd_flag_t flags[] = {{"--older-than", NULL, &older}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    const char *what = n == 1 ? ops[0] : "";
    free(ops);
    const char *cache = ctx->g->cache_dir;
    *status = 0;
    long days = -1;
    if (older) {
        char *end;
        days = strtol(older, &end, 10);
        if (*end || days < 0)
            return err_new(EXIT_USAGE, "--older-than takes a number of days, not '%s'", older);
    }
    buf_t out = BUF_INIT;
    unsigned long long freed = 0;
    size_t removed = 0;
    if (strcmp(what, "dir") == 0) {
        if (ctx->g->json) {
            buf_adds(&out, "{\"dir\":");
            json_quote(&out, cache);
            buf_adds(&out, "}\n");
        } else {
            buf_printf(&out, "%s\n", cache);
        }
    } else if (strcmp(what, "clean") == 0 || strcmp(what, "prune") == 0) {
        bool is_clean = what[0] == 'c';
        if (is_clean) {
            e = cachedir_clean(cache, &freed);
        } else {
            e = probe_cache_prune(cache, &removed, &freed);
            if (!e)
                e = wheel_cache_prune(cache, days, &removed, &freed);
        }
        if (!e && ctx->g->json) {
            json_t j;
            json_init(&j, &out);
            json_obj(&j);
            json_kstr(&j, "dir", cache);
            json_kint(&j, "removed", (long long)removed);
            json_kint(&j, "freed_bytes", (long long)freed);
            json_end(&j);
            buf_addc(&out, '\n');
        }
        else if (!e && ctx->g->verbosity >= 0)
            buf_printf(&out, "%s %s: %.1f MiB freed\n", is_clean ? "cleaned" : "pruned", cache,
                       (double)freed / (1024.0 * 1024.0));
    } else {
        e = err_new(EXIT_USAGE, "cache: expected `dir`, `clean` or `prune`");
    }
    cmd_emit(ctx, &out);
    buf_free(&out);
    return e;
}

const cmd_t cmd_cache = {
    .name = "cache",
    .usage = "cache dir|clean|prune [--older-than DAYS]",
    .summary = "the package and interpreter-facts cache",
    .help = "dir     print the cache directory (VENVSYNC_CACHE_DIR, default $XDG_CACHE_HOME/venvsync)\n"
            "clean   remove everything in it\n"
            "prune   remove facts of interpreters that are gone or changed and leftovers of\n"
            "        interrupted runs; with --older-than DAYS also unpacked wheels unused that long\n",
    .run = run_cache,
};
