/* builder: the build stage wired into a run (see builder.h). */
#include "engine/builder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build/build.h"
#include "build/env.h"
#include "build/pyproject.h"
#include "engine/engine.h"
#include "lock/lock.h"
#include "pkg/installed.h"
#include "util/buf.h"
#include "util/cachedir.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"
#include "wheel/meta.h"

#define DEFAULT_TIMEOUT_S 900
#define NAMES_SUBDIR "names"    /* <cache>/builds-v1/names/<key>: a project's name (below) */

err_t *builder_source_id(const char *dir, bool editable, char **out)
{
    *out = NULL;
    char fp[65];
    err_t *e = build_fingerprint(dir, fp);
    if (e)
        return e;
    char *url = url_from_path(dir);
    *out = xasprintf("%s %s %s", url, editable ? "editable" : "wheel", fp);
    free(url);
    return NULL;
}

static build_opts_t opts_for(const engine_builder_t *b, const char *env_dir)
{
    const engine_t *en = b->en;
    return (build_opts_t){.cache_dir = en->cache_dir, .env_dir = env_dir,
                          .environ = en->cfg->environ,
                          .stream = en->verbosity > 0 ? en->log : NULL,
                          .timeout_ms = b->timeout_ms};
}

/* An sdist named by URL, downloaded into the download cache (checked against sha256 when
 * known); *path malloc'd. */
static err_t *download_sdist(engine_builder_t *b, const char *url, const char *filename,
                             const char *sha256, char **path)
{
    engine_t *en = b->en;
    if (!en->dl) {
        download_opts_t d = {.cfg = en->cfg, .cache_dir = en->cache_dir, .offline = en->offline,
                             .progress = en->progress, .progress_ctx = en->progress_ctx};
        err_t *e = download_session_new(&d, &en->dl);
        if (e)
            return e;
    }
    http_download_t d = {.url = url, .filename = filename, .sha256 = sha256, .size = -1};
    err_t *e = http_download_all(download_session_http(en->dl), &d, 1);
    if (!e && d.err) {
        e = d.err;
        d.err = NULL;
    }
    if (!e) {
        *path = d.path;
        d.path = NULL;
    }
    http_download_clear(&d);
    return e;
}

static err_t *open_source(engine_builder_t *b, lock_build_kind_t kind, const char *path,
                          const char *filename, const char *sha256, build_source_t **src)
{
    build_opts_t o = opts_for(b, NULL);
    if (kind != LOCK_BUILD_SDIST)
        return build_source_dir(path, &o, src);
    if (path[0] == '/')
        return build_source_sdist(path, filename, sha256, &o, src);
    char *local = NULL;
    err_t *e = download_sdist(b, path, filename, sha256, &local);
    if (!e)
        e = build_source_sdist(local, filename, sha256, &o, src);
    free(local);
    return e;
}

/* ---- build environments ------------------------------------------------------------------ */

/* The wheels the want set pins, fetched and unpacked (a plan that installs every one). */
static err_t *fetch_all(engine_builder_t *b, const want_set_t *ws, fetch_t *out)
{
    engine_t *en = b->en;
    env_plan_t plan;
    memset(&plan, 0, sizeof plan);
    plan.actions = xcalloc(ws->n + 1, sizeof(action_t));
    for (size_t i = 0; i < ws->n; i++)
        plan.actions[plan.nactions++] = (action_t){.kind = ACT_INSTALL,
                                                   .package = xstrdup(ws->pkgs[i].name),
                                                   .reason = xstrdup("a build requirement")};
    plan.cap = ws->n + 1;
    fetch_opts_t fo = {.cfg = en->cfg, .cache_dir = en->cache_dir, .offline = en->offline,
                       .progress = en->progress, .progress_ctx = en->progress_ctx,
                       .session = &en->dl, .builder = &b->fetch};
    err_t *e = fetch_wheels(en->m, ws, &plan, b->py, &fo, &en->fl, out);
    env_plan_free(&plan);
    return e;
}

/* The build environment holding exactly what reqs resolve to for b->py: made (or reused from
 * the cache) once per run. *dir is borrowed from b. */
static err_t *env_with(engine_builder_t *b, const char *label, char *const *reqs,
                       const char **dir)
{
    char **sorted = strv_dup(reqs);
    strv_sort(sorted);
    buf_t k = BUF_INIT;
    buf_printf(&k, "%s\n", b->py->realpath ? b->py->realpath : b->py->path);
    for (char **r = sorted; r && *r; r++)
        buf_printf(&k, "%s\n", *r);
    strv_free(sorted);
    for (size_t i = 0; i < b->nenvs; i++)
        if (strcmp(b->envs[i].key, buf_cstr(&k)) == 0) {
            *dir = b->envs[i].dir;
            buf_free(&k);
            return NULL;
        }
    if (b->depth >= BUILDER_MAX_DEPTH) {
        buf_free(&k);
        return err_new(EXIT_APPLY, "%s: build requirements that need builds, %d levels deep",
                       label, BUILDER_MAX_DEPTH);
    }
    b->depth++;
    engine_t *en = b->en;
    lock_inputs_t in;
    pylock_t *l = NULL;
    want_set_t *ws = NULL;
    fetch_t f;
    memset(&f, 0, sizeof f);
    buildenv_t benv;
    memset(&benv, 0, sizeof benv);
    const rf_options_t *saved = b->opts;
    /* The environment's `build` policy is about its own packages: a build environment takes
     * wheels when they fit (with build: always, no backend could be installed otherwise: its
     * sdist would need itself to build). */
    bool no_build = en->lockc.no_build, no_binary = en->lockc.no_binary;
    en->lockc.no_build = en->lockc.no_binary = false;
    err_t *e = lock_inputs_build(&en->lockc, label, reqs, b->opts, &in);
    if (!e)
        e = lock_resolve(&en->lockc, label, &in, NULL, b->py, &l, NULL);
    en->lockc.no_build = no_build;
    en->lockc.no_binary = no_binary;
    if (!e)
        e = lock_wants(l, &in, b->py, &ws);
    if (!e)
        e = fetch_all(b, ws, &f);
    if (!e) {
        wheel_unpacked_t **wheels = xcalloc(f.n + 1, sizeof(*wheels));
        for (size_t i = 0; i < f.n; i++)
            wheels[i] = f.items[i].wheel;
        e = buildenv_get(en->cache_dir, b->py, wheels, f.n, &benv);
        free(wheels);
    }
    b->opts = saved;
    if (!e) {
        XGROW(b->envs, b->cap, b->nenvs + 1);
        b->envs[b->nenvs++] = (builder_env_t){buf_detach(&k), xstrdup(benv.dir)};
        *dir = b->envs[b->nenvs - 1].dir;
    }
    buf_free(&k);
    buildenv_free(&benv);
    fetch_free(&f);
    want_set_free(ws);
    pylock_free(l);
    lock_inputs_free(&in);
    b->depth--;
    return e ? err_ctx(e, "making the build environment (%s)", label) : NULL;
}

/* The environment src builds in for kind: build-system.requires, then, when the backend asks
 * for more (get_requires_for_build_*), an environment with both. */
static err_t *env_for(engine_builder_t *b, build_source_t *src, build_kind_t kind,
                      const char **dir)
{
    char *label = xasprintf("the build requirements of %s", src->label);
    char *const *reqs = build_source_requires(src);
    err_t *e = env_with(b, label, reqs, dir);
    char **more = NULL;
    if (!e) {
        build_opts_t o = opts_for(b, *dir);
        e = build_get_requires(src, &o, kind, &more);
    }
    if (!e && more && more[0]) {
        char **all = strv_dup(reqs);
        for (char **m = more; *m; m++)
            strv_push_unique(&all, NULL, NULL, *m);
        e = env_with(b, label, all, dir);
        strv_free(all);
    }
    strv_free(more);
    free(label);
    return e;
}

/* ---- the lock stage's builder ------------------------------------------------------------ */

static err_t *lock_metadata(void *ctx, lock_build_kind_t kind, const char *path,
                            const char *filename, const char *sha256, char **out)
{
    engine_builder_t *b = ctx;
    *out = NULL;
    build_kind_t bk = kind == LOCK_BUILD_EDITABLE ? BUILD_KIND_EDITABLE : BUILD_KIND_WHEEL;
    /* an sdist built before for this interpreter: its wheel's METADATA */
    if (kind == LOCK_BUILD_SDIST && sha256) {
        char *wheel = NULL;
        err_t *e = build_cache_lookup(b->en->cache_dir, sha256, b->py, &wheel);
        if (!e && wheel)
            e = build_wheel_metadata(wheel, out);
        free(wheel);
        if (e || *out)
            return e;
    }
    build_source_t *src = NULL;
    err_t *e = open_source(b, kind, path, filename, sha256, &src);
    const char *dir = NULL;
    if (!e && !build_metadata_is_static(src))
        e = env_for(b, src, bk, &dir);
    if (!e) {
        build_opts_t o = opts_for(b, dir);
        e = build_metadata(src, &o, bk, out);
    }
    build_source_free(src);
    return e;
}

static err_t *lock_project_name(void *ctx, const char *dir, char **name)
{
    *name = NULL;
    pyproject_t pp;
    err_t *e = pyproject_load(dir, &pp);
    if (e)
        return e;
    if (pp.has_project && pp.name) {
        *name = xstrdup(pp.name);
        pyproject_free(&pp);
        return NULL;
    }
    pyproject_free(&pp);
    /* A project without [project] (setup.py, setup.cfg, [tool.poetry]): its backend says, from
     * a build environment and a hook. The answer is remembered by the directory and its build
     * fingerprint (what decides the name), so that a no-op sync starts no Python. */
    engine_builder_t *b = ctx;
    char fp[65];
    e = build_fingerprint(dir, fp);
    if (e)
        return e;
    char *real = path_real(dir);
    char *key = xasprintf("%s\n%s", real ? real : dir, fp);
    char hex[33];
    hash_name_hex(key, strlen(key), hex);
    free(key);
    free(real);
    char *memo = path_joinv(b->en->cache_dir, CACHE_BUILDS, NAMES_SUBDIR, hex, NULL);
    buf_t known = BUF_INIT;
    if (fs_try_read(memo, &known) && known.len && !memchr(known.data, '\n', known.len)) {
        *name = buf_detach(&known);
        free(memo);
        return NULL;
    }
    buf_free(&known);
    char *text = NULL;
    e = lock_metadata(ctx, LOCK_BUILD_DIR, dir, NULL, NULL, &text);
    core_metadata_t cm;
    if (!e)
        e = meta_parse_metadata(text, strlen(text), dir, &cm);
    if (!e) {
        *name = xstrdup(cm.name);
        core_metadata_free(&cm);
        /* a memo that cannot be written only costs the next run a build */
        char *parent = path_dirname(memo);
        err_t *w = fs_mkdirs(parent, 0755);
        if (!w)
            w = fs_write_atomic(memo, *name, strlen(*name), 0644);
        err_free(w);
        free(parent);
    }
    free(text);
    free(memo);
    return e;
}

/* ---- the fetch stage's builder ----------------------------------------------------------- */

static const char *want_sha256(const want_pkg_t *w)
{
    for (size_t i = 0; i < w->nhashes; i++)
        if (strncmp(w->hashes[i], "sha256:", 7) == 0)
            return w->hashes[i] + 7;
    return NULL;
}

static err_t *fetch_wheel(void *ctx, const want_pkg_t *w, const interp_t *py, char **wheel_path,
                          char sdist_sha256[65])
{
    engine_builder_t *b = ctx;
    *wheel_path = NULL;
    const interp_t *saved = b->py;
    b->py = py;
    lock_build_kind_t kind = w->kind == WANT_SDIST ? LOCK_BUILD_SDIST
                             : w->editable         ? LOCK_BUILD_EDITABLE
                                                   : LOCK_BUILD_DIR;
    build_kind_t bk = kind == LOCK_BUILD_EDITABLE ? BUILD_KIND_EDITABLE : BUILD_KIND_WHEEL;
    const char *sha = kind == LOCK_BUILD_SDIST ? want_sha256(w) : NULL;
    char *filename = NULL;
    if (kind == LOCK_BUILD_SDIST) {
        char *bare = w->is_local ? NULL : url_without_fragment(w->path_or_url);
        filename = w->is_local ? xstrdup(path_basename(w->path_or_url)) : url_basename(bare);
        free(bare);
    }
    err_t *e = NULL;
    if (sha)
        e = build_cache_lookup(b->en->cache_dir, sha, py, wheel_path);
    build_source_t *src = NULL;
    if (!e && !*wheel_path)
        e = open_source(b, kind, w->path_or_url, filename, sha, &src);
    const char *dir = NULL;
    if (!e && src)
        e = env_for(b, src, bk, &dir);
    if (!e && src) {
        build_opts_t o = opts_for(b, dir);
        if (kind == LOCK_BUILD_SDIST) {
            e = build_sdist_wheel(src, &o, py, wheel_path, NULL);
        } else {
            if (!b->scratch) {
                char *base = path_joinv(b->en->cache_dir, "builds-v1", BUILD_TMP_SUBDIR, NULL);
                e = fs_mkdirs(base, 0755);
                if (!e)
                    e = fs_mkdtemp_in(base, "wheels-", &b->scratch);
                free(base);
            }
            if (!e)
                e = build_wheel(src, &o, bk, b->scratch, wheel_path);
        }
    }
    if (!e && src && src->from_sdist)
        memcpy(sdist_sha256, src->sdist_sha256, 65);
    else if (!e && sha)
        memcpy(sdist_sha256, sha, 65);
    build_source_free(src);
    free(filename);
    b->py = saved;
    return e ? err_ctx(e, "%s: building %s", w->origin, w->name) : NULL;
}

/* ---- the module ---------------------------------------------------------------------------- */

err_t *builder_init(engine_builder_t *b, struct engine *en)
{
    memset(b, 0, sizeof(*b));
    b->en = en;
    b->lock = (lock_builder_t){b, lock_metadata, lock_project_name};
    b->fetch = (fetch_builder_t){b, fetch_wheel};
    b->timeout_ms = DEFAULT_TIMEOUT_S * 1000;
    const char *t = en->cfg->build_timeout;
    if (t) {
        char *end = NULL;
        errno = 0;
        long s = strtol(t, &end, 10);
        if (!*t || *end || errno || s < 0 || s > 86400)
            return err_new(EXIT_USAGE, "VENVSYNC_BUILD_TIMEOUT must be a number of seconds "
                                       "(0 for no limit), not '%s'", t);
        b->timeout_ms = (int)s * 1000;
    }
    return NULL;
}

void builder_free(engine_builder_t *b)
{
    for (size_t i = 0; i < b->nenvs; i++) {
        free(b->envs[i].key);
        free(b->envs[i].dir);
    }
    free(b->envs);
    if (b->scratch)
        err_free(fs_rmtree(b->scratch));
    free(b->scratch);
    memset(b, 0, sizeof(*b));
}
