/*
 * __complete: the candidates for the word under the cursor, for the completion scripts (see
 * complete.h). Hidden: `venvsync __complete [--descriptions] [--workon] [--tcsh] -- WORD...`.
 * With --tcsh the words come from $COMMAND_LINE, which tcsh sets for completion commands, and
 * the "@files"/"@dirs" answers are left out (the tcsh script completes those itself).
 */
#include "cmd/complete.h"

#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* ---- the command: names from manifests on disk ---------------------------------------- */

typedef struct names_arg {
    const cmd_ctx_t *ctx;
} names_arg_t;

/* The manifest the words select, parsed; NULL when there is none or it does not parse. */
static manifest_t *load(const cmd_ctx_t *ctx, const char *file, bool global, const char *dir)
{
    char *path = NULL;
    if (file) {
        path = path_absolute(dir, file);
    } else if (global) {
        err_free(cmd_global_manifest(ctx, false, &path));
    } else {
        char *start = dir ? path_absolute(NULL, dir) : path_cwd();
        err_free(manifest_find(start, &path));
        free(start);
    }
    manifest_t *m = NULL;
    env_lookup_t vars = cmd_manifest_vars(ctx);
    if (path && fs_exists(path))
        err_free(manifest_load(path, &vars, &m));
    free(path);
    return m;
}

static char **env_names(const manifest_t *m)
{
    char **v = xcalloc(m ? m->nenvs + 1 : 1, sizeof(char *));
    for (size_t i = 0; m && i < m->nenvs; i++)
        v[i] = xstrdup(m->envs[i].name);
    return v;
}

static char **envs_cb(void *arg, const char *file, bool global, const char *dir)
{
    names_arg_t *a = arg;
    manifest_t *m = load(a->ctx, file, global, dir);
    char **v = env_names(m);
    manifest_free(m);
    return v;
}

static char **packages_cb(void *arg, const char *file, bool global, const char *dir,
                          const char *env)
{
    names_arg_t *a = arg;
    manifest_t *m = load(a->ctx, file, global, dir);
    const mf_env_t *e = m ? manifest_env(m, env) : NULL;
    char **v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; e && i < e->npackages; i++) {
        const char *s = e->packages[i].value;
        size_t len = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
        if (len)
            strv_push_unique(&v, &n, &cap, xstrndup(s, len));
    }
    manifest_free(m);
    return v ? v : xcalloc(1, sizeof(char *));
}

static char **workon_cb(void *arg)
{
    names_arg_t *a = arg;
    char **v = NULL;
    size_t n = 0, cap = 0;
    manifest_t *local = load(a->ctx, a->ctx->g->file, false, NULL);
    manifest_t *global = load(a->ctx, NULL, true, NULL);
    for (size_t i = 0; local && i < local->nenvs; i++)
        strv_push_unique(&v, &n, &cap, local->envs[i].name);
    for (size_t i = 0; global && i < global->nenvs; i++)
        strv_push_unique(&v, &n, &cap, global->envs[i].name);
    manifest_free(local);
    manifest_free(global);
    return v ? v : xcalloc(1, sizeof(char *));
}

/* $COMMAND_LINE (tcsh) split at blanks, without the command itself; a trailing blank means a
 * new, empty word. */
static char **split_line(const char *line, int *n)
{
    char **v = NULL;
    size_t k = 0, cap = 0;
    const char *p = line ? line : "";
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        strv_push(&v, &k, &cap, xstrndup(s, (size_t)(p - s)));
    }
    size_t len = strlen(line ? line : "");
    if (!len || line[len - 1] == ' ' || line[len - 1] == '\t')
        strv_push(&v, &k, &cap, xstrdup(""));
    if (k > 0) { /* drop the command word */
        free(v[0]);
        memmove(v, v + 1, k * sizeof(char *));
        k--;
    }
    *n = (int)k;
    return v;
}

static err_t *run_complete(const cmd_ctx_t *ctx, int *status)
{
    bool descriptions = false, workon = false, tcsh = false;
    cmd_flag_t flags[] = {{"--descriptions", &descriptions, NULL}, {"--workon", &workon, NULL},
                          {"--tcsh", &tcsh, NULL}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    *status = 0;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    char **words = NULL;
    if (tcsh) {
        words = split_line(env_get(&ctx->g->cfg->env, "COMMAND_LINE"), &n);
        if (workon && n > 1) { /* `workon NAME` only */
            n = 0;
        }
    }
    names_arg_t arg = {ctx};
    complete_src_t src = {.table = cmd_table, .envs = envs_cb, .packages = packages_cb,
                          .workon_envs = workon_cb, .arg = &arg};
    buf_t out = BUF_INIT;
    if (n > 0 || !tcsh)
        complete_words(&src, words ? words : ops, n, workon, descriptions && !tcsh, &out);
    if (tcsh && out.len && out.data[0] == '@')
        buf_reset(&out);
    cmd_emit(ctx, &out);
    buf_free(&out);
    strv_free(words);
    free(ops);
    return NULL;
}

const cmd_t cmd_complete = {
    .name = "__complete",
    .usage = "__complete [--descriptions] [--workon] [--tcsh] -- WORD...",
    .summary = "completion candidates for the shell scripts (internal)",
    .help = "",
    .run = run_complete,
    .hidden = true,
};
