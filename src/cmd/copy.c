/*
 * copy: copy an environment, fully relocated and independent of the source.
 *
 * `copy SRC NAME` (NAME without '/'): NAME joins the manifest, under root, as `copy-from: SRC`,
 * and is synced: a relocated copy of SRC (cpvirtualenv), which prune keeps because the manifest
 * names it. `copy SRC PATH` (a path: ./x, /abs, a/b): a copy at PATH that the manifest does not
 * know; SRC is a name from the manifest or a path. Data is shared only where that stays true:
 * reflinks where the file system has them, else hard links to files an installed distribution
 * owns (installers replace those, never edit them); --copies copies everything.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/editing.h"
#include "plan/observe.h"
#include "util/path.h"
#include "util/xalloc.h"

/* `copy SRC NAME`: the manifest gains NAME as a copy of SRC, then NAME is synced. */
static err_t *copy_as_entry(const cmd_ctx_t *ctx, cmd_edit_t *ed, const char *src,
                            const char *name, bool no_sync, mf_link_mode_t lm)
{
    const mf_env_t *s = NULL;
    err_t *e = cmd_need_env(ed->m, src, &s);
    if (e && e->hint)
        return err_ctx(e, "copy");
    if (e)
        return err_hint(err_ctx(e, "copy"), "to copy an environment that is not in the "
                        "manifest, give the destination as a path (./%s)", name);
    if (manifest_env(ed->m, name))
        return err_hint(err_new(EXIT_USAGE, "copy: environment '%s' exists in %s already",
                                name, ed->shown),
                        "pick another name, or give the destination as a path");
    mfedit_kv_t keys[] = {{.key = "copy-from", .value = src}};
    mfedit_env_t env = {.name = name, .keys = keys, .nkeys = 1};
    e = mfedit_add_env(ed->ed, &env);
    if (!e)
        e = cmd_edit_commit(ctx, ed);
    if (e)
        return e;
    cmd_say(ctx, "added environment '%s' to %s as a copy of '%s'\n", name, ed->shown, src);
    if (no_sync)
        return NULL;
    global_opts_t g = *ctx->g;
    g.file = ed->file;
    g.global = false;
    cmd_ctx_t c = *ctx;
    c.g = &g;
    char *names[] = {(char *)name};
    return cmd_sync_names(&c, names, 1, lm);
}

static bool is_name(const char *s)
{
    return !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 && *s;
}

static err_t *run_copy(const cmd_ctx_t *ctx, int *status)
{
    bool copies = false, no_sync = false;
    const char *link = NULL;
    cmd_flag_t flags[] = {{"--copies", &copies, NULL}, {"--no-sync", &no_sync, NULL},
                          {"--link-mode", NULL, &link}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    *status = 0;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    if (n != 2) {
        free(ops);
        return err_new(EXIT_USAGE, "copy: expected a source (name or path) and a destination "
                       "(a new name, or a path)");
    }
    cmd_edit_t ed = {0};
    err_t *me = cmd_edit_open(ctx, &ed); /* a manifest is needed for names only */
    if (is_name(ops[1])) {
        mf_link_mode_t lm;
        if (me)
            e = err_hint(err_ctx(me, "copy %s %s", ops[0], ops[1]),
                         "a destination without '/' is a new environment of the manifest; give "
                         "a path (./%s) to copy anywhere else", ops[1]);
        else if (copies)
            e = err_new(EXIT_USAGE, "copy: --copies goes with a destination path; '%s' is a new "
                        "environment of the manifest (sync shares unchanged files)", ops[1]);
        else if (!(e = cmd_link_mode(ctx, link, &lm)))
            e = copy_as_entry(ctx, &ed, ops[0], ops[1], no_sync, lm);
        me = NULL;
        cmd_edit_free(&ed);
        free(ops);
        return e;
    }
    err_free(me);
    const mf_env_t *named = ed.m ? manifest_env(ed.m, ops[0]) : NULL;
    char *src = named ? xstrdup(named->path) : path_absolute(NULL, ops[0]);
    char *dst = path_absolute(NULL, ops[1]);
    free(ops);
    cmd_edit_free(&ed);

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
    return e;
}

const cmd_t cmd_copy = {
    .name = "copy",
    .usage = "copy [--copies] [--no-sync] SRC NAME|PATH",
    .summary = "copy an environment: as a new one of the manifest, or to a path",
    .help = "  NAME         (no '/') a new environment of the manifest, under root, made as a\n"
            "               relocated copy of SRC (`copy-from: SRC`) and synced; prune keeps it\n"
            "  PATH         (./x, a/b, /abs) a copy there that the manifest does not know; SRC\n"
            "               may then be a name or a path\n"
            "  --copies     with PATH: copy every file (no hard links to the source's files)\n"
            "  --no-sync    with NAME: only edit the manifest\n"
            "  --link-mode MODE\n"
            "               clone, hardlink, copy or symlink (also VENVSYNC_LINK_MODE)\n"
            "The copy is independent of the source: scripts, activators, pyvenv.cfg, .pth files,\n"
            "direct_url.json and RECORD name its own path. Reflinks are used where the file\n"
            "system has them.\n",
    .run = run_copy,
};
