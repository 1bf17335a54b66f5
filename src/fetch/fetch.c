#include "fetch/fetch.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index/choose.h"
#include "index/download.h"
#include "python/target.h"
#include "util/url.h"
#include "pkg/name.h"
#include "python/probe.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/hash.h"
#include "util/xalloc.h"
#include "wheel/install.h"

/* The algorithm of a pin "algo:hex" (reqfile.h stores them so), or -1. */
static int pin_algo(const char *pin)
{
    const char *colon = strchr(pin, ':');
    return colon ? hash_algo_parse(pin, (size_t)(colon - pin)) : -1;
}

err_t *fetch_check_hash(const want_set_t *ws, const want_pkg_t *w, const char *path,
                        const char *sha256)
{
    if (!ws->hash_mode && w->nhashes == 0)
        return NULL;
    if (w->nhashes == 0)
        return err_hint(err_new(EXIT_APPLY, "%s: %s has no --hash, but hash checking is on (%s)",
                                w->origin, w->name,
                                ws->hash_mode_why ? ws->hash_mode_why : "a --hash elsewhere"),
                        "nothing was installed; fix the pin or the file");
    /* sha256 first: it is known already. */
    unsigned need = 0;
    for (size_t i = 0; i < w->nhashes; i++) {
        int a = pin_algo(w->hashes[i]);
        if (a == HASH_SHA256 && strcmp(w->hashes[i] + 7, sha256) == 0)
            return NULL;
        if (a > HASH_SHA256)
            need |= HASH_MASK(a);
    }
    char got[HASH_NALGOS][HASH_HEX_MAX];
    memcpy(got[HASH_SHA256], sha256, 65);
    if (need) {
        if (access(path, F_OK) != 0) {
            err_t *e = err_sys(EXIT_APPLY, errno, "%s: cannot check the hashes of %s: %s",
                               w->origin, w->name, path);
            return err_hint(e, "the wheel's download is no longer in the cache; run `venvsync "
                               "cache clean` and sync again");
        }
        err_t *e = hash_file_hex(path, need, got);
        if (e)
            return err_ctx(e, "%s: checking the hashes of %s", w->origin, w->name);
        for (size_t i = 0; i < w->nhashes; i++) {
            int a = pin_algo(w->hashes[i]);
            const char *colon = strchr(w->hashes[i], ':');
            if (a > HASH_SHA256 && strcmp(colon + 1, got[a]) == 0)
                return NULL;
        }
    }
    buf_t msg = BUF_INIT;
    for (size_t i = 0; i < w->nhashes; i++)
        buf_printf(&msg, "\n    expected %s", w->hashes[i]);
    buf_printf(&msg, "\n    got      sha256:%s", sha256);
    for (int a = HASH_SHA256 + 1; a < HASH_NALGOS; a++)
        if (need & HASH_MASK(a))
            buf_printf(&msg, "\n    got      %s:%s", hash_algo_name(a), got[a]);
    err_t *e = err_new(EXIT_APPLY, "%s: hash mismatch for %s%s", w->origin, path, buf_cstr(&msg));
    buf_free(&msg);
    return err_hint(e, "nothing was installed; fix the pin or the file");
}

/* sha256 of the wheel at path, remembered in <cache>/wheel-ids/ by the file's identity (device,
 * inode, size, times) so that an unchanged wheel is not read again on the next install. */
static err_t *wheel_sha256(const char *cache_dir, const char *path, char out[65])
{
    file_id_t id;
    if (!file_id_of(path, &id))
        return err_sys(EXIT_APPLY, errno, "reading %s", path);
    char key[65];
    sha256_hex(path, strlen(path), key);
    char *dir = path_join(cache_dir, "wheel-ids");
    char *memo = xasprintf("%s/%.32s", dir, key);
    char *fid = file_id_format(&id);
    buf_t have = BUF_INIT;
    err_t *e = NULL;
    size_t flen = strlen(fid);
    if (fs_try_read(memo, &have) && have.len == flen + 1 + 64 + 1 &&
        strncmp(have.data, fid, flen) == 0 && have.data[flen] == '\n') {
        memcpy(out, have.data + flen + 1, 64);
        out[64] = '\0';
    } else {
        e = sha256_file_hex(path, out);
        if (!e) {
            buf_reset(&have);
            buf_printf(&have, "%s\n%s\n", fid, out);
            err_free(fs_mkdirs(dir, 0755));
            err_free(fs_write_atomic(memo, have.data, have.len, 0644)); /* only a shortcut */
        }
    }
    buf_free(&have);
    free(fid);
    free(memo);
    free(dir);
    return e;
}

/* Hash check, unpack into the cache and sanity checks of a wheel file we now have locally
 * (filename: its real name when path is a cache file, else NULL). entry (may be NULL): the
 * unpacked entry the download step already found intact for this file's sha256, taken
 * instead of looking it up again. */
static err_t *finish_one(const want_set_t *ws, const want_pkg_t *w, const char *cache_dir,
                         const char *path, const char *filename, wheel_unpacked_t **entry,
                         fetched_pkg_t *out)
{
    err_t *e = fetch_check_hash(ws, w, path, out->sha256);
    if (!e && entry && *entry && filename) {
        e = wheel_cache_check_name(*entry, filename, path);
        if (!e) {
            out->wheel = *entry;
            *entry = NULL;
        }
    } else if (!e && filename)
        e = wheel_cache_unpack_named(cache_dir, path, filename, out->sha256, &out->wheel);
    else if (!e)
        e = wheel_cache_unpack(cache_dir, path, out->sha256, &out->wheel);
    if (!e && !pkg_name_eq(out->wheel->name, w->name))
        e = err_new(EXIT_APPLY, "%s: %s holds '%s', not '%s'", w->origin, path, out->wheel->name,
                    w->name);
    if (!e && !want_pkg_matches(w, out->wheel->version))
        e = err_new(EXIT_APPLY, "%s: %s holds version %s, not %s", w->origin, path,
                    out->wheel->version, w->version);
    return e;
}

/* The local way: a direct wheel path, or the best candidate of the find-links folders. Sets
 * *remote when the pin must come from an index instead (a remote direct URL, or no local file
 * fits: then the returned error says why the local candidates did not). */
static err_t *fetch_local(const manifest_t *m, const want_set_t *ws, const want_pkg_t *w,
                          const tagset_t *tags, const char *desc, const char *cache_dir,
                          fl_set_t **fl, fetched_pkg_t *out, bool *remote)
{
    *remote = false;
    err_t *e = NULL;
    const char *path;
    if (w->path_or_url && !w->is_local) {
        *remote = true;
        return NULL;
    }
    if (w->path_or_url) {
        e = choose_check_direct(w, tags, desc);
        if (e)
            return err_code(e, EXIT_APPLY);
        path = w->path_or_url;
        out->url = xstrdup(w->url);
    } else {
        e = (*fl ? NULL : findlinks_scan_both(m->find_links, ws->rf->opts.find_links, fl));
        if (e)
            return e;
        const fl_cand_t *c = NULL;
        e = choose_findlinks(w, *fl, tags, desc, &c);
        if (e) {
            *remote = true;
            return err_code(e, EXIT_APPLY);
        }
        path = c->path;
    }
    out->wheel_path = xstrdup(path);
    e = wheel_sha256(cache_dir, path, out->sha256);
    return e ? e : finish_one(ws, w, cache_dir, path, NULL, NULL, out);
}

/* A wheel built from an sdist or a local project, unpacked into the cache like any. */
static err_t *fetch_built(const want_set_t *ws, const want_pkg_t *w, const interp_t *py,
                          const fetch_opts_t *o, fetched_pkg_t *out)
{
    if (!o->builder)
        return err_new(EXIT_APPLY, "%s: %s needs a build, and building is off", w->origin,
                       w->name);
    char sdist_sha[65] = "";
    char *wheel = NULL;
    err_t *e = o->builder->wheel(o->builder->ctx, w, py, &wheel, sdist_sha);
    if (e)
        return e;
    out->built = true;
    out->wheel_path = wheel;
    e = sha256_file_hex(wheel, out->sha256);
    if (!e)
        e = wheel_cache_unpack(o->cache_dir, wheel, out->sha256, &out->wheel);
    if (!e && !pkg_name_eq(out->wheel->name, w->name))
        e = err_new(EXIT_APPLY, "%s: the build of %s made a wheel of '%s'", w->origin, w->name,
                    out->wheel->name);
    if (!e && w->version && !want_pkg_matches(w, out->wheel->version))
        e = err_new(EXIT_APPLY, "%s: the build of %s %s made version %s", w->origin, w->name,
                    w->version, out->wheel->version);
    if (!e && w->url) {
        /* PEP 610: the URL asked for (a directory, or an sdist with its hash), no credentials */
        out->url = url_strip_credentials(w->url, NULL, NULL);
        memcpy(out->sha256_url, sdist_sha, 65);
    }
    (void)ws;
    return e;
}

/* ---- finishing downloads while others transfer ---------------------------------------- */

/* One worker thread finishes (hash check, unpack into the cache) each downloaded wheel as soon
 * as download_wheels hands it over, so that unpacking overlaps the transfers. The queue holds
 * item indexes; the mutex orders each hand-over before the worker reads the item. */
typedef struct finisher {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t *queue, head, tail;     /* room for every item */
    bool closed;
    const want_set_t *ws;
    const char *cache_dir;
    download_item_t *dl;
    fetched_pkg_t **items;
    err_t **errs;                  /* per item */
    bool *finished;                /* per item */
} finisher_t;

static void finish_item(finisher_t *fz, size_t i)
{
    fetched_pkg_t *f = fz->items[i];
    download_item_t *d = &fz->dl[i];
    memcpy(f->sha256, d->sha256, sizeof f->sha256);
    f->wheel_path = xstrdup(d->path);
    if (f->want->url) /* PEP 610: direct_url.json never holds credentials */
        f->url = url_strip_credentials(f->want->url, NULL, NULL);
    fz->errs[i] = finish_one(fz->ws, f->want, fz->cache_dir, d->path, d->filename, &d->entry, f);
    fz->finished[i] = true;
}

static void *finisher_main(void *arg)
{
    finisher_t *fz = arg;
    for (;;) {
        pthread_mutex_lock(&fz->mu);
        while (fz->head == fz->tail && !fz->closed)
            pthread_cond_wait(&fz->cv, &fz->mu);
        bool more = fz->head != fz->tail;
        size_t i = more ? fz->queue[fz->head++] : 0;
        pthread_mutex_unlock(&fz->mu);
        if (!more)
            return NULL;
        finish_item(fz, i);
    }
}

static void finisher_hand_over(void *ctx, size_t i)
{
    finisher_t *fz = ctx;
    pthread_mutex_lock(&fz->mu);
    fz->queue[fz->tail++] = i;
    pthread_cond_signal(&fz->cv);
    pthread_mutex_unlock(&fz->mu);
}

/* Downloads (or finds in the download cache) the pins of `items`, finishing each as it arrives
 * (on the calling thread when no worker can be started). */
static err_t *fetch_remote(const manifest_t *m, const want_set_t *ws, const interp_t *py,
                           const tagset_t *tags, const char *desc, const fetch_opts_t *fo,
                           const fl_set_t *fl, fetched_pkg_t **items, size_t n)
{
    const char *cache_dir = fo->cache_dir;
    if (!*fo->session) {
        download_opts_t o = {.cfg = fo->cfg, .cache_dir = cache_dir, .offline = fo->offline,
                             .progress = fo->progress, .progress_ctx = fo->progress_ctx};
        err_t *e = download_session_new(&o, fo->session);
        if (e)
            return e;
    }
    download_session_t *s = *fo->session;
    err_t *e = NULL;
    remote_sources_t src;
    e = download_sources(s, m->index_url, m->extra_urls, &ws->rf->opts, fl, &src);
    bool have_src = !e;
    download_item_t *dl = xcalloc(n, sizeof(*dl));
    for (size_t i = 0; i < n; i++)
        dl[i].want = items[i]->want;
    finisher_t fz = {.queue = xcalloc(n, sizeof(size_t)), .ws = ws, .cache_dir = cache_dir,
                     .dl = dl, .items = items, .errs = xcalloc(n, sizeof(err_t *)),
                     .finished = xcalloc(n, sizeof(bool))};
    pthread_mutex_init(&fz.mu, NULL);
    pthread_cond_init(&fz.cv, NULL);
    pthread_t worker;
    bool threaded = !e && pthread_create(&worker, NULL, finisher_main, &fz) == 0;
    if (!e)
        e = download_wheels(s, &src, dl, n, py->version, desc, tags,
                            threaded ? finisher_hand_over : NULL, &fz);
    if (threaded) {
        pthread_mutex_lock(&fz.mu);
        fz.closed = true;
        pthread_cond_signal(&fz.cv);
        pthread_mutex_unlock(&fz.mu);
        pthread_join(worker, NULL);
    }
    /* what the worker did not take (no worker): finished here once every download worked */
    for (size_t i = 0; i < n && !e; i++)
        if (!fz.finished[i] && dl[i].ok)
            finish_item(&fz, i);
    for (size_t i = 0; i < n; i++) /* in item order, after the download errors */
        err_chain(&e, fz.errs[i]);
    pthread_cond_destroy(&fz.cv);
    pthread_mutex_destroy(&fz.mu);
    free(fz.queue);
    free(fz.errs);
    free(fz.finished);
    for (size_t i = 0; i < n; i++)
        download_item_clear(&dl[i]);
    free(dl);
    if (have_src)
        remote_sources_clear(&src);
    return e;
}

err_t *fetch_wheels(const manifest_t *m, const want_set_t *ws, const env_plan_t *p,
                    const interp_t *py, const fetch_opts_t *o, fl_set_t **fl, fetch_t *out)
{
    const char *cache_dir = o->cache_dir;
    memset(out, 0, sizeof(*out));
    size_t need = 0;
    for (size_t i = 0; i < p->nactions; i++) {
        action_kind_t k = p->actions[i].kind;
        need += k == ACT_INSTALL || k == ACT_UPGRADE || k == ACT_DOWNGRADE || k == ACT_REINSTALL;
    }
    if (!need)
        return NULL;
    /* Installing hashes (util/hash.h's invariant): fail here, clearly, without libcrypto. */
    err_t *he = hash_available();
    if (he)
        return he;
    out->items = xcalloc(need, sizeof(fetched_pkg_t));
    tagset_t *tags = target_tagset(py);
    char *desc = target_desc(py);
    err_t *errs = NULL, *local_misses = NULL;
    fetched_pkg_t **remote = xcalloc(need, sizeof(*remote));
    size_t nremote = 0;
    for (size_t i = 0; i < p->nactions; i++) {
        const action_t *a = &p->actions[i];
        if (a->kind != ACT_INSTALL && a->kind != ACT_UPGRADE && a->kind != ACT_DOWNGRADE &&
            a->kind != ACT_REINSTALL)
            continue;
        char *key = pkg_name_normalize(a->package);
        const want_pkg_t *w = want_find(ws, key);
        free(key);
        if (!w)
            continue; /* cannot happen: actions come from the same set */
        fetched_pkg_t *f = &out->items[out->n++];
        f->want = w;
        if (w->kind != WANT_WHEEL) {
            err_chain(&errs, fetch_built(ws, w, py, o, f));
            continue;
        }
        bool from_index = false;
        err_t *e = fetch_local(m, ws, w, tags, desc, cache_dir, fl, f, &from_index);
        if (from_index) {
            remote[nremote++] = f;
            err_chain(&local_misses, e);
        } else {
            err_chain(&errs, e); /* report them all */
        }
    }
    if (nremote && !errs) {
        /* A direct URL (`name @ https://.../x.whl`) names its file: it is fetched whatever the
         * index settings are. Other pins need an index (remote_allowed). */
        bool allowed = download_index_allowed(m->index_url, m->extra_urls, m->find_links,
                                              &ws->rf->opts, *fl, o->cfg->index_url);
        size_t nfetch = 0;
        for (size_t i = 0; i < nremote; i++)
            if (allowed || (remote[i]->want->path_or_url && !remote[i]->want->is_local))
                remote[nfetch++] = remote[i];
        err_t *re = nfetch ? err_code(fetch_remote(m, ws, py, tags, desc, o, *fl, remote, nfetch),
                                      EXIT_APPLY)
                           : NULL;
        if (re || !allowed) {
            /* the local reasons first, when there were local folders: they are more specific */
            if (*fl && (*fl)->nsources)
                err_chain(&errs, local_misses);
            else
                err_free(local_misses);
            err_chain(&errs, re);
        } else {
            err_free(local_misses);
        }
        local_misses = NULL;
    }
    err_chain(&errs, local_misses); /* other pins failed too: say why these had no local file */
    for (size_t i = 0; i < out->n && !errs; i++)
        if (!out->items[i].wheel) /* every pin has its wheel, or the run says why not */
            errs = err_new(EXIT_APPLY, "no wheel could be found for %s",
                           out->items[i].want->name);
    free(remote);
    tagset_free(tags);
    free(desc);
    return errs;
}

const fetched_pkg_t *fetch_find(const fetch_t *f, const char *key)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->items[i].want && strcmp(f->items[i].want->key, key) == 0)
            return &f->items[i];
    return NULL;
}

void fetch_free(fetch_t *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->items[i].wheel_path);
        free(f->items[i].url);
        wheel_unpacked_free(f->items[i].wheel);
    }
    free(f->items);
    memset(f, 0, sizeof(*f));
}
