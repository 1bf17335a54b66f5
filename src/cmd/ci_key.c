/*
 * ci-key: a stable key for caching environments in CI. It hashes what determines an
 * environment: its manifest entry (path relative to the manifest, request, prompt, flags,
 * packages), the contents of its requirements files, the index settings, and the interpreter the
 * request picks on this machine (implementation, full version, free-threading, architecture,
 * platform and libc). Absolute paths are left out, so the key is the same wherever the checkout
 * lives; venvsync repairs a restored environment that moved.
 */
#include <stdlib.h>
#include <string.h>

#include "build/build.h"
#include "cmd/common.h"
#include "resolve/pylock.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/path.h"
#include "util/xalloc.h"

#define KEY_VERSION "venvsync-ci-key-v1"

static void field(buf_t *b, const char *k, const char *v)
{
    buf_printf(b, "%s=%zu:%s\n", k, v ? strlen(v) : 0, v ? v : ""); /* length-prefixed: no ambiguity */
}

static char *relative(const char *path, const char *dir)
{
    return path_is_within(path, dir) && strcmp(path, dir) != 0 ? xstrdup(path + strlen(dir) + 1)
                                                                : xstrdup(path);
}

/* The canonical description of one environment. */
static err_t *describe(engine_t *en, engine_env_t *ee, buf_t *b, char **python_label)
{
    const manifest_t *m = en->m;
    const mf_env_t *e = ee->env;
    char *rel = relative(e->path, m->dir);
    field(b, "env", e->name);
    field(b, "path", rel);
    free(rel);
    field(b, "request", ee->request ? ee->request->text : "");
    field(b, "prompt", e->prompt);
    field(b, "system-site-packages", e->system_site_packages ? "true" : "false");
    field(b, "exact", e->exact ? "true" : "false");
    field(b, "upgrade", e->upgrade == UPGRADE_EXACT ? "exact" : "minor");
    field(b, "copy-from", e->copy_from);
    field(b, "compile", e->compile ? "true" : "false");
    for (size_t i = 0; i < e->npackages; i++)
        field(b, "package", e->packages[i].value);
    for (size_t i = 0; i < e->nrequirements; i++) {
        char hex[65];
        err_t *err = sha256_file_hex(e->requirements[i].value, hex);
        if (err)
            return err_code(err_ctx(err, "environment '%s'", e->name), EXIT_USAGE);
        char *r = relative(e->requirements[i].value, m->dir);
        field(b, "requirements", r);
        field(b, "requirements-sha256", hex);
        free(r);
    }
    if (e->project.path) {
        char fp[65];
        err_t *err = build_fingerprint(e->project.path, fp);
        if (err)
            return err_code(err_ctx(err, "environment '%s'", e->name), EXIT_USAGE);
        char *r = relative(e->project.path, m->dir);
        field(b, "project", r);
        field(b, "project-editable", e->project.editable ? "true" : "false");
        field(b, "project-fingerprint", fp);
        free(r);
    }
    /* the lock decides every version: its bytes are part of the key */
    char *lockname = NULL;
    err_t *le = e->pylock ? NULL : pylock_filename(e->name, &lockname);
    bool named = !le;
    err_free(le);
    if (named) {
        char *lp = e->pylock ? xstrdup(e->pylock) : path_join(m->dir, lockname);
        char hex[65];
        err_t *err = fs_exists(lp) ? sha256_file_hex(lp, hex) : NULL;
        if (err) {
            free(lp);
            free(lockname);
            return err_code(err_ctx(err, "environment '%s'", e->name), EXIT_USAGE);
        }
        if (fs_exists(lp))
            field(b, "lock-sha256", hex);
        free(lp);
    }
    free(lockname);
    interp_t *py = NULL;
    err_t *err = engine_request_interp(en, ee, &py);
    if (err)
        return err;
    field(b, "implementation", py->implementation);
    field(b, "version", py->version);
    field(b, "freethreaded", py->freethreaded ? "true" : "false");
    field(b, "abiflags", py->abiflags);
    field(b, "machine", py->machine);
    field(b, "platform", py->platform_tag);
    field(b, "libc", py->libc);
    field(b, "libc-version", py->libc_version);
    *python_label = interp_label(py);
    interp_free(py);
    return NULL;
}

static err_t *run_ci_key(const cmd_ctx_t *ctx, int *status)
{
    manifest_t *m;
    engine_t en;
    err_t *e = cmd_engine_from_args(ctx, NULL, &m, &en);
    if (e)
        return e;
    buf_t all = BUF_INIT, one = BUF_INIT, out = BUF_INIT;
    field(&all, "format", KEY_VERSION);
    field(&all, "index", m->index_url);
    for (char **u = m->extra_urls; *u; u++)
        field(&all, "extra-url", *u);
    for (char **u = m->find_links; *u; u++) {
        char *r = relative(*u, m->dir);
        field(&all, "find-links", r);
        free(r);
    }
    json_t j;
    if (ctx->g->json) {
        json_init(&j, &out);
        json_obj(&j);
        json_key(&j, "environments");
        json_arr(&j);
    }
    for (size_t i = 0; i < en.n && !e; i++) {
        buf_reset(&one);
        char *label = NULL;
        e = describe(&en, &en.envs[i], &one, &label);
        if (e)
            break;
        buf_add(&all, one.data, one.len);
        char hex[65];
        sha256_hex(one.data, one.len, hex);
        if (ctx->g->json) {
            json_obj(&j);
            json_kstr(&j, "name", en.envs[i].env->name);
            json_kstr(&j, "key", hex);
            json_kstr(&j, "python", label);
            json_end(&j);
        } else if (ctx->g->verbosity > 0) {
            fprintf(ctx->log, "%s: %s (%s)\n", en.envs[i].env->name, hex, label);
        }
        free(label);
    }
    if (!e) {
        char hex[65];
        sha256_hex(all.data, all.len, hex);
        if (ctx->g->json) {
            json_end(&j);
            json_kstr(&j, "key", hex);
            json_end(&j);
            buf_addc(&out, '\n');
        } else {
            buf_printf(&out, "%s\n", hex);
        }
        cmd_emit(ctx, &out);
    }
    buf_free(&all);
    buf_free(&one);
    buf_free(&out);
    engine_free(&en);
    manifest_free(m);
    *status = 0;
    return e;
}

const cmd_t cmd_ci_key = {
    .name = "ci-key",
    .usage = "ci-key [ENV...]",
    .summary = "a stable cache key for CI: what determines the environments",
    .help = "Prints one hex key covering the environments named (all when none is); with -v, each\n"
            "environment's own key too (in --json always). The key changes when the manifest entry,\n"
            "a requirements file, the index settings or the picked interpreter (implementation,\n"
            "version, architecture, platform, libc) change, and not when the checkout moves.\n",
    .run = run_ci_key,
};
