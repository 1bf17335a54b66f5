/* remote: projects looked up across indexes and remote find-links (see remote.h). */
#include "index/remote.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "index/simple.h"
#include "util/strv.h"
#include "util/url.h"
#include "pkg/name.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* ---- sources -------------------------------------------------------------------------------- */



/* Trailing slashes do not make another index. */
static char *canon_index(const char *u)
{
    size_t n = strlen(u);
    while (n > 1 && u[n - 1] == '/')
        n--;
    return xstrndup(u, n);
}

static err_t *add_index(remote_sources_t *s, const char *u, const char *what)
{
    if (!u || !*u)
        return NULL;
    if (!url_is_http(u)) {
        char *shown = url_redact(u);
        err_t *e = err_hint(err_new(EXIT_USAGE, "%s %s: only http(s) index URLs are supported",
                                    what, shown),
                            "a local directory of wheels belongs in index.find-links (or -f)");
        free(shown);
        return e;
    }
    char *c = canon_index(u);
    strv_push_unique(&s->indexes, &s->nindexes, NULL, c);
    free(c);
    return NULL;
}

err_t *remote_sources_build(const char *env_index_url, const char *mf_index_url,
                            char *const *mf_extra_urls, const rf_options_t *opts,
                            char *const *fl_remote, remote_sources_t *out)
{
    memset(out, 0, sizeof(*out));
    out->indexes = xcalloc(1, sizeof(char *));
    out->find_links = xcalloc(1, sizeof(char *));
    err_t *errs = NULL;
    bool no_index = opts && opts->no_index;
    if (!no_index) {
        const char *idx = env_index_url && *env_index_url ? env_index_url
                          : opts && opts->index_url   ? opts->index_url
                          : mf_index_url              ? mf_index_url
                                                      : REMOTE_DEFAULT_INDEX;
        const char *what = env_index_url && *env_index_url ? "VENVSYNC_INDEX_URL"
                           : opts && opts->index_url        ? "--index-url"
                                                            : "index.url";
        err_chain(&errs, add_index(out, idx, what));
        for (char *const *p = mf_extra_urls; p && *p; p++)
            err_chain(&errs, add_index(out, *p, "index.extra-urls"));
        for (char *const *p = opts ? opts->extra_index_urls : NULL; p && *p; p++)
            err_chain(&errs, add_index(out, *p, "--extra-index-url"));
    }
    for (char *const *p = fl_remote; p && *p; p++)
        if (url_is_http(*p))
            strv_push_unique(&out->find_links, &out->nfind_links, NULL, *p);
    return errs;
}

void remote_sources_clear(remote_sources_t *s)
{
    strv_free(s->indexes);
    strv_free(s->find_links);
    memset(s, 0, sizeof(*s));
}

bool remote_sources_any(const remote_sources_t *s)
{
    return s->nindexes + s->nfind_links > 0;
}

char *remote_sources_describe(const remote_sources_t *s)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < s->nindexes; i++) {
        char *r = url_redact(s->indexes[i]);
        buf_printf(&b, "%s%s%s", b.len ? ", " : "", r, i ? " (extra)" : "");
        free(r);
    }
    for (size_t i = 0; i < s->nfind_links; i++) {
        char *r = url_redact(s->find_links[i]);
        buf_printf(&b, "%s%s (find-links)", b.len ? ", " : "", r);
        free(r);
    }
    if (!b.len)
        buf_adds(&b, "no remote source (--no-index)");
    return buf_detach(&b);
}

/* ---- the session ---------------------------------------------------------------------------- */

typedef struct memo {
    char *url;                /* the requested URL (as given, credentials and all) */
    int status;               /* 200, 404/410, or 0 when failed */
    bool cached_only;
    simple_page_t *page;      /* for 200 */
    char *error;              /* for 0: the message (the error itself went to the caller) */
    bool offline_miss;        /* for 0: offline and not in the cache */
    unsigned gen;             /* the fetch_pages call that stored it */
} memo_t;

struct remote {
    http_t *h;
    memo_t *memo;
    size_t nmemo, memocap;
    char **notes;
    size_t nnotes;
    size_t http_warnings_seen;
    unsigned gen;             /* fetch_pages calls so far */
};

remote_t *remote_new(http_t *h)
{
    remote_t *r = xcalloc(1, sizeof(*r));
    r->h = h;
    r->notes = xcalloc(1, sizeof(char *));
    return r;
}

void remote_free(remote_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nmemo; i++) {
        free(r->memo[i].url);
        simple_page_free(r->memo[i].page);
        free(r->memo[i].error);
    }
    free(r->memo);
    strv_free(r->notes);
    free(r);
}

http_t *remote_http(const remote_t *r)
{
    return r->h;
}

void remote_note(remote_t *r, char *msg)
{
    for (size_t i = 0; i < r->nnotes; i++) {
        if (strcmp(r->notes[i], msg) == 0) {
            free(msg);
            return;
        }
    }
    r->notes = xrealloc(r->notes, (r->nnotes + 2) * sizeof(char *));
    r->notes[r->nnotes++] = msg;
    r->notes[r->nnotes] = NULL;
}

char *const *remote_notes(const remote_t *r)
{
    return r->notes;
}

static void take_http_warnings(remote_t *r)
{
    char *const *w = http_warnings(r->h);
    size_t n = 0;
    while (w[n])
        n++;
    for (size_t i = r->http_warnings_seen; i < n; i++)
        remote_note(r, xstrdup(w[i]));
    r->http_warnings_seen = n;
}

static memo_t *memo_find(remote_t *r, const char *url)
{
    for (size_t i = 0; i < r->nmemo; i++)
        if (strcmp(r->memo[i].url, url) == 0)
            return &r->memo[i];
    return NULL;
}

static memo_t *memo_put(remote_t *r, const char *url)
{
    memo_t *m = memo_find(r, url);
    if (m) {
        simple_page_free(m->page);
        free(m->error);
        m->page = NULL;
        m->error = NULL;
        m->status = 0;
        m->offline_miss = false;
        m->gen = r->gen;
        return m;
    }
    XGROW(r->memo, r->memocap, r->nmemo + 1);
    m = &r->memo[r->nmemo++];
    memset(m, 0, sizeof(*m));
    m->url = xstrdup(url);
    m->gen = r->gen;
    return m;
}

/* Fetches the pages urls[0..n) not already known (or known only from the cache when
 * revalidate), in one parallel batch. Per-page errors are chained into *errs, prefixed with
 * `what[i]` when given. Offline misses are not errors here: their memo has status 0 and
 * error "offline". */
static void fetch_pages(remote_t *r, char **urls, size_t n, bool revalidate, const char *accept,
                        char **what, err_t **errs, bool *offline_missing)
{
    r->gen++;
    http_page_req_t *reqs = xcalloc(n ? n : 1, sizeof(*reqs));
    size_t *idx = xcalloc(n ? n : 1, sizeof(size_t));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        memo_t *mm = memo_find(r, urls[i]);
        if (mm && !(revalidate && mm->cached_only && mm->status == 200))
            continue;
        bool dup = false;
        for (size_t k = 0; k < m && !dup; k++)
            dup = strcmp(reqs[k].url, urls[i]) == 0;
        if (dup)
            continue;
        reqs[m].url = urls[i];
        reqs[m].accept = accept;
        reqs[m].revalidate = revalidate;
        idx[m++] = i;
    }
    err_t *offline = m ? http_get_pages(r->h, reqs, m) : NULL;
    if (offline) {
        /* the per-page errors say the same; the caller builds one list */
        err_free(offline);
        if (offline_missing)
            *offline_missing = true;
    }
    for (size_t k = 0; k < m; k++) {
        http_page_req_t *q = &reqs[k];
        memo_t *mm = memo_put(r, urls[idx[k]]);
        const char *label = what ? what[idx[k]] : NULL;
        if (q->err) {
            mm->status = 0;
            mm->error = xstrdup(q->err->msg);
            if (strncmp(q->err->msg, "offline:", 8) == 0) {
                mm->offline_miss = true;
                err_free(q->err);
            } else {
                err_chain(errs, label ? err_ctx(q->err, "%s", label) : q->err);
            }
            q->err = NULL;
        } else if (q->status == 200) {
            simple_page_t *p = NULL;
            err_t *e = simple_parse(q->content_type, q->body.data ? q->body.data : "", q->body.len,
                                    q->final_url, &p);
            if (e) {
                char *shown = url_redact(q->final_url);
                e = err_ctx(e, "%s", shown);
                free(shown);
                mm->status = 0;
                mm->error = xstrdup(e->msg);
                err_chain(errs, label ? err_ctx(e, "%s", label) : e);
            } else {
                mm->status = 200;
                mm->page = p;
                mm->cached_only = q->source == HTTP_FROM_CACHE || q->source == HTTP_FROM_OFFLINE;
                for (size_t w = 0; w < p->nwarnings; w++) {
                    char *shown = url_redact(p->url);
                    remote_note(r, xasprintf("%s: %s", shown, p->warnings[w]));
                    free(shown);
                }
            }
        } else {
            mm->status = q->status;
        }
        http_page_req_clear(q);
    }
    take_http_warnings(r);
    free(reqs);
    free(idx);
}

static void cand_from_file(remote_cand_t *c, const simple_file_t *f, bool fl, size_t source)
{
    memset(c, 0, sizeof(*c));
    c->filename = xstrdup(f->filename);
    c->url = xstrdup(f->url);
    memcpy(c->sha256, f->sha256, 65);
    c->hash_malformed = f->hash_malformed;
    c->size = f->size;
    c->yanked = f->yanked;
    c->yanked_reason = xstrdup(f->yanked_reason);
    c->requires_python = xstrdup(f->requires_python);
    c->core_metadata = f->core_metadata;
    memcpy(c->metadata_sha256, f->metadata_sha256, sizeof c->metadata_sha256);
    c->from_find_links = fl;
    c->source = source;
    if (c->filename && strlen(c->filename) > 4 &&
        strcasecmp(c->filename + strlen(c->filename) - 4, ".whl") == 0) {
        err_t *e = wheelname_parse(c->filename, &c->wheel);
        err_free(e);
    }
}

static void add_cand(remote_project_t *p, size_t *cap, const simple_file_t *f, bool fl,
                     size_t source)
{
    XGROW(p->cands, *cap, p->n + 1);
    cand_from_file(&p->cands[p->n++], f, fl, source);
}

err_t *remote_lookup(remote_t *r, const remote_sources_t *src, const char *const *keys, size_t n,
                     bool revalidate, remote_project_t **out)
{
    remote_project_t *ps = xcalloc(n ? n : 1, sizeof(*ps));
    size_t *caps = xcalloc(n ? n : 1, sizeof(size_t));
    err_t *errs = NULL;
    for (size_t i = 0; i < n; i++)
        ps[i].key = xstrdup(keys[i]);

    /* index rounds: the projects still unresolved, one parallel batch per index */
    bool *open = xcalloc(n ? n : 1, sizeof(bool));
    bool *seen_offline = xcalloc(n ? n : 1, sizeof(bool));
    for (size_t i = 0; i < n; i++)
        open[i] = true;
    bool any_offline = false;
    for (size_t x = 0; x < src->nindexes; x++) {
        char **urls = xcalloc(n ? n : 1, sizeof(char *));
        char **what = xcalloc(n ? n : 1, sizeof(char *));
        size_t *who = xcalloc(n ? n : 1, sizeof(size_t));
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (!open[i])
                continue;
            urls[m] = url_project(src->indexes[x], ps[i].key);
            what[m] = xasprintf("looking up %s", ps[i].key);
            who[m++] = i;
        }
        if (m) {
            bool off = false;
            fetch_pages(r, urls, m, revalidate, SIMPLE_ACCEPT, what, &errs, &off);
            any_offline = any_offline || off;
        } else {
            r->gen++;
        }
        for (size_t k = 0; k < m; k++) {
            size_t i = who[k];
            memo_t *mm = memo_find(r, urls[k]);
            remote_project_t *p = &ps[i];
            if (mm && mm->status == 200) {
                p->found = true;
                p->index = x;
                p->page_url = url_redact(mm->page->url);
                p->cached_only = mm->cached_only;
                for (size_t f = 0; f < mm->page->n; f++)
                    add_cand(p, &caps[i], &mm->page->files[f], false, x);
                open[i] = false;
            } else if (mm && mm->status == 0) {
                if (mm->offline_miss) {
                    seen_offline[i] = true; /* maybe a later index's page is cached */
                } else {
                    p->failed = true;
                    open[i] = false;
                    if (mm->gen != r->gen) /* a failure memoized by an earlier call */
                        err_chain(&errs, err_new(EXIT_APPLY, "looking up %s: %s", p->key,
                                                 mm->error));
                }
            }
            /* 404 / 410: open for the next index */
            free(urls[k]);
            free(what[k]);
        }
        free(urls);
        free(what);
        free(who);
    }
    /* offline: projects whose page is cached nowhere, in one error */
    buf_t miss = BUF_INIT;
    size_t nmiss = 0;
    for (size_t i = 0; i < n; i++) {
        if (open[i] && seen_offline[i]) {
            ps[i].failed = true;
            buf_printf(&miss, "%s%s", nmiss ? ", " : "", ps[i].key);
            nmiss++;
        }
    }
    if (nmiss) {
        char *where = remote_sources_describe(src);
        err_chain(&errs, err_hint(err_new(EXIT_APPLY, "offline: no cached index page for %s "
                                                      "(searched: %s)", buf_cstr(&miss), where),
                                  "run once without --offline (or VENVSYNC_OFFLINE) to fill the "
                                  "cache"));
        free(where);
    }
    buf_free(&miss);
    (void)any_offline;

    /* remote find-links: every wheel on every page, matched by name */
    if (src->nfind_links) {
        char **what = xcalloc(src->nfind_links, sizeof(char *));
        for (size_t f = 0; f < src->nfind_links; f++) {
            char *shown = url_redact(src->find_links[f]);
            what[f] = xasprintf("reading find-links %s", shown);
            free(shown);
        }
        fetch_pages(r, src->find_links, src->nfind_links, revalidate, "text/html", what, &errs,
                    NULL);
        for (size_t f = 0; f < src->nfind_links; f++) {
            free(what[f]);
            memo_t *mm = memo_find(r, src->find_links[f]);
            if (!mm || mm->status != 200)
                continue;
            for (size_t k = 0; k < mm->page->n; k++) {
                const simple_file_t *sf = &mm->page->files[k];
                wheelname_t *wn = NULL;
                err_t *e = wheelname_parse(sf->filename, &wn);
                if (e) {
                    err_free(e);
                    continue;
                }
                for (size_t i = 0; i < n; i++)
                    if (!ps[i].failed && strcmp(wn->key, ps[i].key) == 0)
                        add_cand(&ps[i], &caps[i], sf, true, f);
                wheelname_free(wn);
            }
        }
        free(what);
    }
    free(open);
    free(seen_offline);
    free(caps);
    *out = ps;
    return errs;
}

void remote_projects_free(remote_project_t *p, size_t n)
{
    if (!p)
        return;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < p[i].n; k++) {
            remote_cand_t *c = &p[i].cands[k];
            free(c->filename);
            wheelname_free(c->wheel);
            free(c->url);
            free(c->yanked_reason);
            free(c->requires_python);
        }
        free(p[i].cands);
        free(p[i].key);
        free(p[i].page_url);
    }
    free(p);
}
