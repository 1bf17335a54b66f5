/* download: pins resolved on remote sources and their wheels downloaded (see download.h). */
#include "index/download.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "index/choose_remote.h"
#include "util/url.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "wheel/cache.h"

struct download_session {
    http_t *h;
    remote_t *r;
    char *cache_dir;
    char *env_index_url, *env_user, *env_pass, *default_index_url;
    bool offline;
};

err_t *download_session_new(const download_opts_t *o, download_session_t **out)
{
    *out = NULL;
    http_config_t cfg;
    http_config_defaults(&cfg);
    err_t *e = http_config_apply(&cfg, o->cfg);
    if (e)
        return e;
    cfg.cache_dir = o->cache_dir;
    cfg.offline = cfg.offline || o->offline;
    cfg.progress = o->progress;
    cfg.progress_ctx = o->progress_ctx;
    download_session_t *s = xcalloc(1, sizeof(*s));
    s->cache_dir = xstrdup(o->cache_dir);
    s->env_index_url = xstrdup(o->cfg->index_url);
    s->default_index_url = xstrdup(o->cfg->default_index_url);
    s->env_user = xstrdup(o->cfg->index_username);
    s->env_pass = xstrdup(o->cfg->index_password);
    s->offline = cfg.offline;
    e = http_new(&cfg, &s->h);
    if (e) {
        download_session_free(s);
        return e;
    }
    s->r = remote_new(s->h);
    *out = s;
    return NULL;
}

void download_session_free(download_session_t *s)
{
    if (!s)
        return;
    remote_free(s->r);
    http_free(s->h);
    free(s->cache_dir);
    free(s->env_index_url);
    free(s->default_index_url);
    free(s->env_user);
    if (s->env_pass) {
        memset(s->env_pass, 0, strlen(s->env_pass));
        free(s->env_pass);
    }
    free(s);
}

char *const *download_session_notes(const download_session_t *s)
{
    return remote_notes(s->r);
}

bool download_session_offline(const download_session_t *s)
{
    return s->offline;
}

void download_session_stats(const download_session_t *s, http_stats_t *out)
{
    http_get_stats(s->h, out);
}

err_t *download_sources(const download_session_t *s, const char *mf_index_url,
                        char *const *mf_extra_urls, const rf_options_t *opts, const fl_set_t *fl,
                        remote_sources_t *out)
{
    return remote_sources_build(s->env_index_url, s->default_index_url, mf_index_url, mf_extra_urls, opts,
                                fl ? fl->remote : NULL, out);
}

/* The pin's only sha256 hash, or NULL. */
static const char *only_sha256(const want_pkg_t *w)
{
    const char *found = NULL;
    for (size_t i = 0; i < w->nhashes; i++) {
        if (strncmp(w->hashes[i], "sha256:", 7) != 0)
            continue;
        if (found)
            return NULL;
        found = w->hashes[i] + 7;
    }
    return found;
}

/* The complete, intact unpacked entry for sha, or NULL. */
static wheel_unpacked_t *cached_entry(const char *cache_dir, const char *sha)
{
    wheel_unpacked_t *w = NULL;
    err_t *e = wheel_cache_lookup(cache_dir, sha, &w);
    if (e) {
        err_free(e);
        wheel_unpacked_free(w);
        return NULL;
    }
    return w;
}

void download_item_clear(download_item_t *it)
{
    free(it->path);
    free(it->filename);
    it->path = it->filename = NULL;
    wheel_unpacked_free(it->entry);
    it->entry = NULL;
    it->sha256[0] = '\0';
    it->reuse_entry = it->ok = false;
}

/* What a finished http_download_t tells its download_item_t (see download_wheels). */
typedef struct done_hop {
    download_item_t *item;
    size_t index;
    download_done_fn done;
    void *ctx;
} done_hop_t;

static void item_done(void *ctx, http_download_t *d)
{
    done_hop_t *hop = ctx;
    download_item_t *it = hop->item;
    it->path = d->path;
    d->path = NULL;
    memcpy(it->sha256, d->sha256_out, 65);
    it->ok = true;
    hop->done(hop->ctx, hop->index);
}

err_t *download_wheels(download_session_t *s, const remote_sources_t *src, download_item_t *items,
                       size_t n, const char *python_version, const char *desc,
                       const tagset_t *tags, download_done_fn done, void *done_ctx)
{
    err_t *errs = NULL;
    if (!n)
        return NULL;
    /* VENVSYNC_INDEX_USERNAME / _PASSWORD for the index's host, unless its URL has its own */
    if ((s->env_user || s->env_pass) && src->nindexes) {
        url_parts_t p;
        url_split(src->indexes[0], &p);
        if (!p.has_userinfo)
            http_add_credentials(s->h, src->indexes[0], s->env_user, s->env_pass);
    }
    /* 1. choose files for the index pins */
    const want_pkg_t **pins = xcalloc(n, sizeof(*pins));
    size_t *pin_item = xcalloc(n, sizeof(size_t));
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        download_item_clear(&items[i]);
        if (!items[i].want->path_or_url) {
            pins[np] = items[i].want;
            pin_item[np++] = i;
        }
    }
    remote_choice_t *ch = xcalloc(np ? np : 1, sizeof(*ch));
    if (np) {
        if (!remote_sources_any(src)) {
            for (size_t k = 0; k < np; k++) {
                char *label = want_pkg_label(pins[k]);
                err_chain(&errs, err_new(EXIT_USAGE, "%s: no wheel for '%s': no local file fits "
                                                     "and there is no index (--no-index)",
                                         pins[k]->origin, label));
                free(label);
                ch[k].size = -1;
            }
        } else {
            err_chain(&errs, remote_choose_all(s->r, src, pins, np, python_version, desc, tags, ch));
        }
    }
    /* 2. what must be downloaded */
    http_download_t *dl = xcalloc(n, sizeof(*dl));
    done_hop_t *hops = xcalloc(n, sizeof(*hops));
    size_t *dl_item = xcalloc(n, sizeof(size_t));
    char **owned = xcalloc(2 * n + 1, sizeof(char *));
    size_t nd = 0, no = 0;
    for (size_t i = 0; i < n; i++) {
        download_item_t *it = &items[i];
        const want_pkg_t *w = it->want;
        const char *url = NULL, *sha = NULL;
        int64_t size = -1;
        if (w->path_or_url) {
            if (w->is_local)
                continue; /* not ours */
            url = w->path_or_url;
            char *bare = url_without_fragment(url);
            it->filename = url_basename(bare);
            free(bare);
            char *frag = url_fragment_param(url, "sha256");
            if (frag) {
                for (char *c = frag; *c; c++)
                    *c = (char)tolower((unsigned char)*c);
                owned[no++] = frag;
                sha = frag;
            }
        } else {
            size_t k = 0;
            while (k < np && pin_item[k] != i)
                k++;
            if (k == np || !ch[k].url)
                continue; /* its error is in errs */
            url = ch[k].url;
            it->filename = xstrdup(ch[k].filename);
            sha = ch[k].sha256[0] ? ch[k].sha256 : NULL;
            size = ch[k].size;
        }
        if (!sha)
            sha = only_sha256(w);
        if (sha && strlen(sha) == 64 && (it->entry = cached_entry(s->cache_dir, sha))) {
            it->path = http_download_path(s->cache_dir, sha);
            memcpy(it->sha256, sha, 64);
            it->sha256[64] = '\0';
            it->reuse_entry = true;
            it->ok = true;
            if (done)
                done(done_ctx, i);
            continue;
        }
        dl[nd] = (http_download_t){.url = url, .filename = it->filename, .sha256 = sha,
                                   .size = size};
        if (done) {
            hops[nd] = (done_hop_t){it, i, done, done_ctx};
            dl[nd].on_done = item_done;
            dl[nd].on_done_ctx = &hops[nd];
        }
        dl_item[nd++] = i;
    }
    err_t *offline = nd ? http_download_all(s->h, dl, nd) : NULL;
    for (size_t k = 0; k < nd; k++) {
        download_item_t *it = &items[dl_item[k]];
        if (it->ok)
            continue; /* handed over by item_done */
        if (dl[k].err) {
            if (!(offline && strncmp(dl[k].err->msg, "offline:", 8) == 0))
                err_chain(&errs, err_ctx(dl[k].err, "%s", it->want->origin));
            else
                err_free(dl[k].err);
            dl[k].err = NULL;
            continue;
        }
        it->path = dl[k].path;
        dl[k].path = NULL;
        memcpy(it->sha256, dl[k].sha256_out, 65);
        it->ok = true;
    }
    if (offline)
        err_chain(&errs, offline);
    for (size_t k = 0; k < nd; k++)
        http_download_clear(&dl[k]);
    for (size_t k = 0; k < np; k++)
        remote_choice_clear(&ch[k]);
    for (size_t k = 0; k < no; k++)
        free(owned[k]);
    free(owned);
    free(dl);
    free(hops);
    free(dl_item);
    free(ch);
    free(pins);
    free(pin_item);
    return errs;
}

bool download_index_allowed(const char *mf_index_url, char *const *mf_extra_urls,
                            char *const *mf_find_links, const rf_options_t *opts,
                            const fl_set_t *fl, const char *env_index_url)
{
    bool remote_links = fl && fl->remote && fl->remote[0];
    if (opts && opts->no_index)
        return remote_links;
    bool explicit_index = mf_index_url || (mf_extra_urls && mf_extra_urls[0]) ||
                          (opts && opts->index_url) ||
                          (opts && opts->extra_index_urls && opts->extra_index_urls[0]) ||
                          env_index_url || remote_links;
    bool local_folders = (mf_find_links && mf_find_links[0]) ||
                         (opts && opts->find_links && opts->find_links[0]);
    return explicit_index || !local_folders;
}

http_t *download_session_http(download_session_t *s)
{
    return s->h;
}

remote_t *download_session_remote(download_session_t *s)
{
    return s->r;
}
