/*
 * cache: the package and interpreter-facts cache. `cache dir` prints where it is; `cache clean`
 * empties it; `cache prune` removes what can no longer be used: facts of interpreters that are
 * gone or changed, leftovers of interrupted runs, and (with --older-than DAYS) unpacked wheels
 * no run has used for that long.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/common.h"
#include "python/probe.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "wheel/cache.h"

/* Bytes below path (not following links). */
static unsigned long long du(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    unsigned long long n = (unsigned long long)st.st_blocks * 512;
    if (!S_ISDIR(st.st_mode))
        return n;
    char **names = NULL;
    err_t *e = fs_list_dir(path, &names);
    err_free(e);
    for (size_t i = 0; names && names[i]; i++) {
        char *p = path_join(path, names[i]);
        n += du(p);
        free(p);
    }
    strv_free(names);
    return n;
}

/* Removes entry: renamed aside first so that a reader never sees half of it. */
static err_t *remove_entry(const char *dir, const char *name, unsigned long long *freed)
{
    char *p = path_join(dir, name);
    char *aside = xasprintf("%s/.trash-%s-%ld", dir, name, (long)getpid());
    *freed += du(p);
    err_t *e = NULL;
    if (rename(p, aside) != 0)
        e = errno == ENOENT ? NULL : err_sys(EXIT_APPLY, errno, "removing %s", p);
    else
        e = fs_rmtree(aside);
    free(aside);
    free(p);
    return e;
}

static err_t *clean(const char *cache, unsigned long long *freed)
{
    char **names = NULL;
    err_t *e = fs_list_dir(cache, &names);
    if (e) {
        err_free(e);
        return NULL; /* no cache: nothing to clean */
    }
    for (size_t i = 0; names[i] && !e; i++)
        if (strcmp(names[i], "locks") != 0) /* held locks must stay valid */
            e = remove_entry(cache, names[i], freed);
    strv_free(names);
    return e;
}

static err_t *prune(const char *cache, long older_than_days, size_t *removed,
                    unsigned long long *freed)
{
    err_t *e = NULL;
    char *interp = path_join(cache, "interpreters");
    char **names = NULL;
    err_t *le = fs_list_dir(interp, &names);
    err_free(le);
    buf_t text = BUF_INIT;
    for (size_t i = 0; names && names[i] && !e; i++) {
        char *p = path_join(interp, names[i]);
        buf_reset(&text);
        bool keep = fs_try_read(p, &text) && probe_cache_entry_current(buf_cstr(&text));
        free(p);
        if (!keep) {
            e = remove_entry(interp, names[i], freed);
            ++*removed;
        }
    }
    strv_free(names);
    buf_free(&text);
    free(interp);
    wheel_cache_clean_stale(cache, 3600);
    if (older_than_days >= 0 && !e) {
        char *wheels = path_join(cache, WHEEL_CACHE_SUBDIR);
        names = NULL;
        le = fs_list_dir(wheels, &names);
        err_free(le);
        time_t cutoff = time(NULL) - (time_t)older_than_days * 86400;
        for (size_t i = 0; names && names[i] && !e; i++) {
            if (names[i][0] == '.')
                continue;
            char *p = path_join(wheels, names[i]);
            struct stat st;
            bool old = stat(p, &st) == 0 && st.st_mtime < cutoff && st.st_atime < cutoff;
            free(p);
            if (old) {
                e = remove_entry(wheels, names[i], freed);
                ++*removed;
            }
        }
        strv_free(names);
        free(wheels);
    }
    return e;
}

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
        e = is_clean ? clean(cache, &freed) : prune(cache, days, &removed, &freed);
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
