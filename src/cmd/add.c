/*
 * add / rm: edit an environment's `packages:` in the manifest, as `uv add` / `uv remove` do for
 * pyproject.toml, then sync it. Only the lines of the items that change are touched: a spec
 * whose project is listed replaces that item in place (same quoting), a new one is appended in
 * the list's own style (flow or block), and a removed one goes with its own lines.
 *
 * add turns an environment whose packages were the user's (no `packages:`) into one venvsync
 * manages: exact sync would then remove what was installed by hand, so that is refused, naming
 * them, unless --force; pip seeded by default stays (`seed: true` is written).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/editing.h"
#include "fetch/seed.h"
#include "pkg/name.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Syncs env after an edit of the manifest ed wrote (unless no_sync). */
static err_t *sync_after(const cmd_ctx_t *ctx, const cmd_edit_t *ed, const char *env,
                         bool no_sync, mf_link_mode_t lm)
{
    if (no_sync)
        return NULL;
    global_opts_t g = *ctx->g;
    g.file = ed->file;
    g.global = false;
    cmd_ctx_t c = *ctx;
    c.g = &g;
    char *names[] = {(char *)env};
    return cmd_sync_names(&c, names, 1, lm);
}

static err_t *run_add(const cmd_ctx_t *ctx, int *status)
{
    bool no_sync = false, force = false;
    const char *link = NULL;
    cmd_flag_t flags[] = {{"--no-sync", &no_sync, NULL}, {"--force", &force, NULL},
                          {"--link-mode", NULL, &link}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    *status = 0;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    mf_link_mode_t lm;
    if (n < 2)
        e = err_hint(err_new(EXIT_USAGE, "add: expected an environment and at least one package"),
                     "venvsync add ENV SPEC...  (SPEC: requests==2.32.3)");
    if (!e)
        e = cmd_check_specs("add", ops + 1, n - 1);
    if (!e)
        e = cmd_link_mode(ctx, link, &lm);
    cmd_edit_t ed = {0};
    if (!e)
        e = cmd_edit_open(ctx, &ed);
    const mf_env_t *env = NULL;
    if (!e)
        e = cmd_need_env(ed.m, ops[0], &env);
    env_desc_t d = {0};
    bool seeded = false;
    bool managed = false;
    for (const mf_env_t *x = env; !e && x && !managed;
         x = x->copy_from ? manifest_env(ed.m, x->copy_from) : NULL)
        managed = x->manages_packages; /* a copy keeps its source's packages */
    if (!e && !managed) {
        /* its packages were the user's until now */
        e = cmd_describe_env(env->path, &d);
        if (!e && d.by_hand[0] && !force) {
            buf_t b = BUF_INIT;
            for (size_t i = 0; d.by_hand[i]; i++)
                buf_printf(&b, "%s%s", i ? ", " : "", d.by_hand[i]);
            e = err_hint(err_new(EXIT_USAGE, "add: '%s' holds packages installed by hand (%s); "
                                 "once it declares packages, sync removes the others",
                                 env->name, buf_cstr(&b)),
                         "add them too (pinned), or pass --force to let them go");
            buf_free(&b);
        }
        seeded = env->seed == SEED_UNSET && seed_wanted(ed.m, env);
    }
    char **replaced = NULL;
    if (!e) {
        replaced = xcalloc((size_t)n, sizeof(char *));
        e = mfedit_add_packages(ed.ed, env->name, (const char *const *)ops + 1, (size_t)n - 1,
                                replaced);
    }
    if (!e && seeded) /* pip was seeded because nothing was declared: keep it */
        e = mfedit_set_literal(ed.ed, env->name, "seed", "true");
    const char *name = e ? NULL : env->name;
    char *keep = xstrdup(name);
    if (!e)
        e = cmd_edit_commit(ctx, &ed);
    for (int i = 1; i < n && !e; i++) {
        const char *was = replaced[i - 1];
        if (!was)
            cmd_say(ctx, "%s: + %s\n", keep, ops[i]);
        else if (strcmp(was, ops[i]) != 0)
            cmd_say(ctx, "%s: ~ %s (was %s)\n", keep, ops[i], was);
        else
            cmd_say(ctx, "%s: = %s (listed already)\n", keep, ops[i]);
    }
    if (!e && seeded)
        cmd_say(ctx, "%s: seed: true (pip stays)\n", keep);
    if (!e)
        e = sync_after(ctx, &ed, keep, no_sync, lm);
    for (int i = 0; replaced && i < n - 1; i++)
        free(replaced[i]);
    free(replaced);
    free(keep);
    env_desc_free(&d);
    cmd_edit_free(&ed);
    free(ops);
    return e;
}

const cmd_t cmd_add = {
    .name = "add",
    .usage = "add [--no-sync] [--force] ENV SPEC...",
    .summary = "add packages to an environment in the manifest, then sync it",
    .help = "  --no-sync          only edit the manifest\n"
            "  --force            also when ENV's packages were installed by hand until now:\n"
            "                     sync then removes those it does not declare\n"
            "  --link-mode MODE   clone, hardlink, copy or symlink (also VENVSYNC_LINK_MODE)\n"
            "Each SPEC is a PEP 508 requirement (requests==2.32.3). A project that is listed\n"
            "already is replaced in place; others are appended in the list's style. Comments,\n"
            "key order and layout of the file are kept; the edited file is checked before it\n"
            "is written.\n",
    .run = run_add,
};

static err_t *run_rm(const cmd_ctx_t *ctx, int *status)
{
    bool no_sync = false;
    const char *link = NULL;
    cmd_flag_t flags[] = {{"--no-sync", &no_sync, NULL}, {"--link-mode", NULL, &link},
                          {NULL, NULL, NULL}};
    char **ops;
    int n;
    *status = 0;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    mf_link_mode_t lm;
    if (n < 2)
        e = err_hint(err_new(EXIT_USAGE, "rm: expected an environment and at least one package "
                             "name"), "venvsync rm ENV NAME...");
    for (int i = 1; i < n && !e; i++)
        if (!pkg_name_valid(ops[i]))
            e = err_hint(err_new(EXIT_USAGE, "rm: '%s' is not a project name", ops[i]),
                         "give the name alone (requests, not requests==2.32.3)");
    if (!e)
        e = cmd_link_mode(ctx, link, &lm);
    cmd_edit_t ed = {0};
    if (!e)
        e = cmd_edit_open(ctx, &ed);
    const mf_env_t *env = NULL;
    if (!e)
        e = cmd_need_env(ed.m, ops[0], &env);
    if (!e && !env->npackages)
        e = err_new(EXIT_USAGE, "rm: environment '%s' lists no packages in %s", env->name,
                    ed.shown);
    char *keep = e ? NULL : xstrdup(env->name);
    if (!e)
        e = mfedit_remove_packages(ed.ed, keep, (const char *const *)ops + 1, (size_t)n - 1,
                                   NULL);
    if (!e)
        e = cmd_edit_commit(ctx, &ed);
    for (int i = 1; i < n && !e; i++)
        cmd_say(ctx, "%s: - %s\n", keep, ops[i]);
    if (!e)
        e = sync_after(ctx, &ed, keep, no_sync, lm);
    free(keep);
    cmd_edit_free(&ed);
    free(ops);
    return e;
}

const cmd_t cmd_rm = {
    .name = "rm",
    .usage = "rm [--no-sync] ENV NAME...",
    .summary = "remove packages from an environment in the manifest, then sync it",
    .help = "  --no-sync          only edit the manifest\n"
            "  --link-mode MODE   clone, hardlink, copy or symlink (also VENVSYNC_LINK_MODE)\n"
            "Removes every item of ENV's `packages:` whose project is NAME (compared as PEP 503\n"
            "names: Foo_Bar is foo-bar), with its own lines; a NAME that matches nothing is an\n"
            "error and nothing changes. With exact: true (the default) sync then uninstalls it.\n",
    .run = run_rm,
};
