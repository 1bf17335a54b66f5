/* editing: opening, checking and writing the manifest for the commands that edit it, and the
 * environments they describe, adopt and sync (see editing.h). */
#include "cmd/editing.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fetch/seed.h"
#include "pkg/req.h"
#include "plan/observe.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/suggest.h"
#include "util/xalloc.h"

err_t *cmd_edit_open(const cmd_ctx_t *ctx, cmd_edit_t *out)
{
    memset(out, 0, sizeof(*out));
    err_t *e = cmd_manifest_file(ctx, &out->file);
    if (e)
        return e;
    out->shown = path_shown(out->file);
    env_lookup_t vars = cmd_manifest_vars(ctx);
    e = manifest_load(out->file, &vars, &out->m);
    buf_t text = BUF_INIT;
    if (!e)
        e = fs_read(out->file, &text);
    if (!e)
        e = mfedit_open(text.data ? text.data : "", text.len, out->shown, &out->ed);
    buf_free(&text);
    if (e)
        cmd_edit_free(out);
    return e;
}

err_t *cmd_edit_check(const cmd_ctx_t *ctx, const cmd_edit_t *e)
{
    size_t len;
    const char *text = mfedit_text(e->ed, &len);
    env_lookup_t vars = cmd_manifest_vars(ctx);
    manifest_t *m = NULL;
    err_t *err = manifest_parse(text, len, e->file, &vars, &m);
    manifest_free(m);
    if (err)
        return err_hint(err_ctx(err, "the edit would leave %s invalid (it was not written)",
                                e->shown),
                        "fix what the message names, or edit the file by hand");
    return NULL;
}

err_t *cmd_edit_commit(const cmd_ctx_t *ctx, cmd_edit_t *e)
{
    if (!mfedit_changed(e->ed))
        return NULL;
    size_t len;
    const char *text = mfedit_text(e->ed, &len);
    env_lookup_t vars = cmd_manifest_vars(ctx);
    manifest_t *m = NULL;
    err_t *err = manifest_parse(text, len, e->file, &vars, &m);
    if (err)
        return err_hint(err_ctx(err, "the edit would leave %s invalid (it was not written)",
                                e->shown),
                        "fix what the message names, or edit the file by hand");
    /* Write through a link (a manifest kept in a dotfiles repository stays a link). */
    char *real = path_real(e->file);
    const char *target = real ? real : e->file;
    struct stat st;
    mode_t mode = stat(target, &st) == 0 ? (st.st_mode & 07777) : 0644;
    err = fs_write_atomic(target, text, len, mode);
    free(real);
    if (err) {
        manifest_free(m);
        return err_ctx(err, "writing %s", e->shown);
    }
    manifest_free(e->m);
    e->m = m;
    return NULL;
}

void cmd_edit_free(cmd_edit_t *e)
{
    free(e->file);
    free(e->shown);
    manifest_free(e->m);
    mfedit_free(e->ed);
    memset(e, 0, sizeof(*e));
}

/* Each spec must be a PEP 508 requirement (checked here: the manifest only checks that it is a
 * string, and sync would fail later). */
err_t *cmd_check_specs(const char *what, char *const *specs, int n)
{
    err_t *all = NULL;
    for (int i = 0; i < n; i++) {
        req_t *r = NULL;
        err_t *e = req_parse(specs[i], &r, NULL);
        req_free(r);
        if (e)
            err_chain(&all, err_ctx(e, "%s", what));
    }
    return all;
}

void cmd_say(const cmd_ctx_t *ctx, const char *fmt, ...)
{
    if (ctx->g->verbosity < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(ctx->g->json ? ctx->log : ctx->out, fmt, ap);
    va_end(ap);
}

err_t *cmd_need_env(const manifest_t *m, const char *name, const mf_env_t **out)
{
    *out = manifest_env(m, name);
    if (*out)
        return NULL;
    err_t *e = err_new(EXIT_USAGE, "no environment named '%s' in %s", name, m->file);
    const char **cands = xcalloc(m->nenvs + 1, sizeof(char *));
    for (size_t k = 0; k < m->nenvs; k++)
        cands[k] = m->envs[k].name;
    const char *best = suggest_closest(name, cands, m->nenvs);
    if (best)
        err_hint(e, "did you mean '%s'?", best);
    else if (m->nenvs == 0)
        err_hint(e, "the manifest has no environments yet: `venvsync new %s` adds one", name);
    free(cands);
    return e;
}

/* The request that names the environment's own interpreter: "3.11", "3.13t", "pypy@3.10". */
static char *own_request(const observed_env_t *o)
{
    int major = 0, minor = 0;
    sscanf(o->version, "%d.%d", &major, &minor);
    bool cpython = !o->implementation || strcmp(o->implementation, "cpython") == 0;
    return xasprintf("%s%s%d.%d%s", cpython ? "" : o->implementation, cpython ? "" : "@", major,
                     minor, o->freethreaded ? "t" : "");
}

err_t *cmd_describe_env(const char *path, env_desc_t *out)
{
    memset(out, 0, sizeof(*out));
    observed_env_t o;
    err_t *e = observe_env(path, &o);
    if (e)
        return e;
    if (o.kind == OBS_FOREIGN || (o.kind == OBS_VENV && !o.version)) {
        e = err_hint(err_new(EXIT_USAGE, "%s exists and is %s", path,
                             o.kind == OBS_FOREIGN && o.foreign_why
                                 ? o.foreign_why
                                 : "not a virtual environment venvsync can read"),
                     "pick another name or --path, or move it away");
    } else if (o.kind == OBS_VENV) {
        out->exists = true;
        out->python = own_request(&o);
        out->version = xstrdup(o.version);
        out->prompt = xstrdup(o.prompt ? o.prompt : path_basename(path));
        out->system_site_packages = o.system_site_packages;
        size_t n = 0, cap = 0;
        for (size_t i = 0; i < o.dists.n; i++) {
            if (strcmp(o.dists.items[i].key, SEED_PACKAGE) == 0)
                out->has_pip = true;
            else
                strv_push(&out->by_hand, &n, &cap,
                          xasprintf("%s %s", o.dists.items[i].name, o.dists.items[i].version));
        }
    }
    if (!out->by_hand)
        out->by_hand = xcalloc(1, sizeof(char *));
    observed_env_free(&o);
    return e;
}

void env_desc_free(env_desc_t *d)
{
    free(d->python);
    free(d->version);
    free(d->prompt);
    strv_free(d->by_hand);
    memset(d, 0, sizeof(*d));
}

err_t *cmd_adopt_env(const cmd_ctx_t *ctx, const char *file, const char *name, bool *adopted)
{
    *adopted = false;
    global_opts_t g = *ctx->g;
    g.file = file;
    g.global = false;
    cmd_ctx_t c = *ctx;
    c.g = &g;
    char *names[] = {(char *)name};
    manifest_t *m;
    engine_t en;
    err_t *e = cmd_open_engine(&c, names, 1, &m, &en);
    if (e)
        return e;
    en.no_resolve = true; /* adoption never resolves: the first sync writes the lock */
    engine_plan(&en, true);
    const env_plan_t *p = &en.envs[0].plan;
    bool bookkeeping = !en.envs[0].error && p->nactions > 0;
    for (size_t i = 0; i < p->nactions && bookkeeping; i++)
        bookkeeping = p->actions[i].kind == ACT_WRITE_CFG ||
                      p->actions[i].kind == ACT_WRITE_ACTIVATOR;
    if (bookkeeping) {
        e = engine_apply(&en);
        *adopted = !e;
    }
    engine_free(&en);
    manifest_free(m);
    return e;
}

err_t *cmd_link_mode(const cmd_ctx_t *ctx, const char *flag, mf_link_mode_t *out)
{
    *out = LINK_MODE_DEFAULT;
    const char *v = flag ? flag : ctx->g->cfg->link_mode;
    if (!v)
        return NULL;
    if (manifest_link_mode_parse(v, out))
        return NULL;
    return err_new(EXIT_USAGE, "%s must be clone, hardlink, copy or symlink, not '%s'",
                   flag ? "--link-mode" : "VENVSYNC_LINK_MODE", v);
}

err_t *cmd_sync_names(const cmd_ctx_t *ctx, char *const *names, int n, mf_link_mode_t link)
{
    manifest_t *m;
    engine_t en;
    err_t *e = cmd_open_engine(ctx, names, n, &m, &en);
    if (e)
        return e;
    en.link_mode = link;
    engine_plan(&en, true);
    e = engine_apply(&en);
    cmd_render_engine(ctx, &en, RENDER_SYNC);
    engine_free(&en);
    manifest_free(m);
    return e;
}
