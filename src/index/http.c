/* http: the HTTP client (see http.h): its configuration, http_new/http_free, warnings and
 * statistics, and the batch calls, which answer each request from the caches when they can and
 * hand the rest to the transfer loop. Credentials are http_auth.c's, the caches http_cache.c's,
 * the transfers http_transfer.c's (http_internal.h says what they share). */
#include "index/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "index/http_internal.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/path.h"
#include "util/xalloc.h"

#ifndef VENVSYNC_VERSION
#define VENVSYNC_VERSION "0"
#endif

/* ---- configuration -------------------------------------------------------------------------- */

void http_config_defaults(http_config_t *c)
{
    memset(c, 0, sizeof(*c));
    c->concurrency = 8;
    c->connect_timeout_ms = 10000;
    c->low_speed_time_s = 30;
    c->retries = 3;
    c->backoff_ms = 500;
}

/* A number from lo to hi in the variable name's value v (NULL: unset). */
static err_t *number(const char *name, const char *v, double lo, double hi, double *out, bool *set)
{
    *set = false;
    if (!v || !*v)
        return NULL;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    while (*end == ' ')
        end++;
    if (errno || *end || d != d || d < lo || d > hi)
        return err_new(EXIT_USAGE, "%s=%s: expected a number from %g to %g", name, v, lo, hi);
    *out = d;
    *set = true;
    return NULL;
}

err_t *http_config_apply(http_config_t *c, const config_t *cfg)
{
    err_t *errs = NULL;
    double d;
    bool set;
    err_chain(&errs, number("VENVSYNC_CONCURRENCY", cfg->concurrency, 1, 64, &d, &set));
    if (set)
        c->concurrency = (int)d;
    err_chain(&errs, number("VENVSYNC_HTTP_TIMEOUT", cfg->http_timeout, 1, 86400, &d, &set));
    if (set)
        c->low_speed_time_s = (long)d;
    err_chain(&errs, number("VENVSYNC_CONNECT_TIMEOUT", cfg->connect_timeout, 0.001, 86400, &d,
                            &set));
    if (set)
        c->connect_timeout_ms = (long)(d * 1000);
    err_chain(&errs, number("VENVSYNC_HTTP_RETRIES", cfg->http_retries, 0, 100, &d, &set));
    if (set)
        c->retries = (int)d;
    if (cfg->ca_bundle)
        c->ca_bundle = cfg->ca_bundle;
    c->netrc_path = cfg->netrc;
    c->offline = c->offline || cfg->offline;
    return errs;
}

/* ---- the client ----------------------------------------------------------------------------- */

void http_add_warning(http_t *h, char *msg)
{
    h->warnings = xrealloc(h->warnings, (h->nwarnings + 2) * sizeof(char *));
    h->warnings[h->nwarnings++] = msg;
    h->warnings[h->nwarnings] = NULL;
}

char *const *http_warnings(const http_t *h)
{
    return h->warnings;
}

int64_t http_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

err_t *http_new(const http_config_t *cfg, http_t **out)
{
    *out = NULL;
    if (!cfg->cache_dir)
        return err_new(EXIT_USAGE, "http: no cache directory");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return err_new(EXIT_APPLY, "cannot initialise libcurl");
    http_t *h = xcalloc(1, sizeof(*h));
    h->cfg = *cfg;
    if (h->cfg.concurrency < 1)
        h->cfg.concurrency = 1;
    if (h->cfg.concurrency > 64)
        h->cfg.concurrency = 64;
    h->warnings = xcalloc(1, sizeof(char *));
    h->pages_dir = path_join(cfg->cache_dir, HTTP_PAGES_SUBDIR);
    h->dl_dir = path_join(cfg->cache_dir, HTTP_DOWNLOADS_SUBDIR);
    curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
    h->ua = cfg->user_agent ? xstrdup(cfg->user_agent)
                            : xasprintf("venvsync/%s (libcurl/%s)", VENVSYNC_VERSION,
                                        vi ? vi->version : "?");
    h->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)h;
    h->multi = curl_multi_init();
    h->share = curl_share_init();
    if (!h->multi || !h->share) {
        http_free(h);
        return err_new(EXIT_APPLY, "cannot initialise libcurl");
    }
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)h->cfg.concurrency);
    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)h->cfg.concurrency);
    if (!cfg->offline)
        http_clean_stale_tmp(h->dl_dir);
    *out = h;
    return NULL;
}

void http_free(http_t *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nidle; i++)
        curl_easy_cleanup(h->idle[i]);
    free(h->idle);
    if (h->multi)
        curl_multi_cleanup(h->multi);
    if (h->share)
        curl_share_cleanup(h->share);
    http_creds_free(h);
    strv_free(h->warnings);
    free(h->pages_dir);
    free(h->dl_dir);
    free(h->ua);
    free(h);
    curl_global_cleanup();
}

void http_get_stats(const http_t *h, http_stats_t *out)
{
    *out = h->stats;
}

/* ---- public batch calls --------------------------------------------------------------------- */

static void offline_list(buf_t *b, const char *item)
{
    buf_printf(b, "\n  %s", item);
}

err_t *http_get_pages(http_t *h, http_page_req_t *reqs, size_t n)
{
    run_t run = {.h = h, .started = http_now_ms()};
    job_t *jobs = xcalloc(n ? n : 1, sizeof(job_t));
    buf_t missing = BUF_INIT;
    size_t nmissing = 0;
    time_t now = time(NULL);
    for (size_t i = 0; i < n; i++) {
        http_page_req_t *r = &reqs[i];
        job_t *j = &jobs[i];
        j->run = &run;
        j->page = r;
        j->fd = -1;
        r->status = 0;
        r->err = NULL;
        j->url = http_take_credentials(h, r->url);
        j->shown = url_redact(j->url);
        j->cache_path = http_page_cache_path(h, j->url, r->accept);
        j->cached = http_cpage_load(j->cache_path, j->url);
        if (j->cached && (h->cfg.offline || (!r->revalidate && j->cached->fresh_until > now))) {
            buf_add(&r->body, j->cached->raw.data + j->cached->body_off, j->cached->body_len);
            r->content_type = xstrdup(j->cached->content_type);
            r->final_url = xstrdup(j->cached->final_url);
            r->status = 200;
            r->source = h->cfg.offline ? HTTP_FROM_OFFLINE : HTTP_FROM_CACHE;
            j->state = JOB_DONE;
            continue;
        }
        if (h->cfg.offline) {
            r->err = err_new(EXIT_APPLY, "offline: no cached copy of %s", j->shown);
            offline_list(&missing, j->shown);
            nmissing++;
            j->state = JOB_DONE;
            continue;
        }
        j->state = JOB_PENDING;
        run.prog.pages_total++;
    }
    http_run_jobs(h, &run, jobs, n);
    for (size_t i = 0; i < n; i++)
        http_job_free(&jobs[i]);
    free(jobs);
    err_t *e = NULL;
    if (nmissing)
        e = err_hint(err_new(EXIT_APPLY, "offline: %zu index page%s not in the cache:%s",
                             nmissing, nmissing == 1 ? " is" : "s are", buf_cstr(&missing)),
                     "run once without --offline (or VENVSYNC_OFFLINE) to fill the cache");
    buf_free(&missing);
    return e;
}

void http_page_req_clear(http_page_req_t *r)
{
    buf_free(&r->body);
    free(r->content_type);
    free(r->final_url);
    err_free(r->err);
    r->content_type = r->final_url = NULL;
    r->err = NULL;
    r->status = 0;
}

/* Runs a prepared batch and frees it; in offline mode, the one error listing what the cache
 * lacks (missing: one "\n  name (url)" line per file, freed here). */
static err_t *run_batch(http_t *h, run_t *run, job_t *jobs, size_t n, buf_t *missing,
                        size_t nmissing)
{
    http_run_jobs(h, run, jobs, n);
    for (size_t i = 0; i < n; i++)
        http_job_free(&jobs[i]);
    free(jobs);
    err_t *e = NULL;
    if (nmissing)
        e = err_hint(err_new(EXIT_APPLY, "offline: %zu file%s not in the cache:%s", nmissing,
                             nmissing == 1 ? " is" : "s are", buf_cstr(missing)),
                     "run once without --offline (or VENVSYNC_OFFLINE) to fill the cache");
    buf_free(missing);
    return e;
}

err_t *http_download_all(http_t *h, http_download_t *d, size_t n)
{
    run_t run = {.h = h, .started = http_now_ms()};
    job_t *jobs = xcalloc(n ? n : 1, sizeof(job_t));
    buf_t missing = BUF_INIT;
    size_t nmissing = 0;
    for (size_t i = 0; i < n; i++) {
        job_t *j = &jobs[i];
        j->run = &run;
        j->dl = &d[i];
        j->fd = -1;
        d[i].err = NULL;
        d[i].from_cache = false;
        j->url = http_take_credentials(h, d[i].url);
        j->shown = url_redact(j->url);
        if (d[i].sha256 && *d[i].sha256 && !http_valid_hex64(d[i].sha256)) {
            d[i].err = err_new(EXIT_APPLY, "%s: malformed expected sha256 '%.80s'", j->shown,
                               d[i].sha256);
            j->state = JOB_DONE;
            continue;
        }
        if (http_download_cached(h, &d[i], j->url)) {
            j->state = JOB_DONE;
            if (d[i].on_done)
                d[i].on_done(d[i].on_done_ctx, &d[i]);
            continue;
        }
        if (h->cfg.offline) {
            d[i].err = err_new(EXIT_APPLY, "offline: %s is not in the cache (%s)",
                               d[i].filename ? d[i].filename : j->shown, j->shown);
            buf_printf(&missing, "\n  %s (%s)", d[i].filename ? d[i].filename : j->shown,
                       j->shown);
            nmissing++;
            j->state = JOB_DONE;
            continue;
        }
        j->state = JOB_PENDING;
        run.prog.files_total++;
        if (d[i].size >= 0) {
            run.prog.bytes_total += (uint64_t)d[i].size;
            j->total_counted = true;
        }
    }
    return run_batch(h, &run, jobs, n, &missing, nmissing);
}

void http_download_clear(http_download_t *d)
{
    free(d->path);
    err_free(d->err);
    d->path = NULL;
    d->err = NULL;
}

bool http_download_lookup(http_t *h, http_download_t *d)
{
    char *url = http_take_credentials(h, d->url);
    d->err = NULL;
    d->from_cache = false;
    bool hit = http_download_cached(h, d, url);
    free(url);
    return hit;
}

err_t *http_fetch_all(http_t *h, http_fetch_t *f, size_t n)
{
    run_t run = {.h = h, .started = http_now_ms()};
    job_t *jobs = xcalloc(n ? n : 1, sizeof(job_t));
    buf_t missing = BUF_INIT;
    size_t nmissing = 0;
    for (size_t i = 0; i < n; i++) {
        http_fetch_t *r = &f[i];
        job_t *j = &jobs[i];
        j->run = &run;
        j->fetch = r;
        j->fd = -1;
        r->status = 0;
        r->err = NULL;
        r->full_stored = r->bad_response = false;
        r->range_first = r->range_last = r->range_total = 0;
        buf_reset(&r->body);
        j->url = http_take_credentials(h, r->url);
        j->shown = url_redact(j->url);
        const char *what = r->filename ? r->filename : j->shown;
        if (r->full) {
            http_download_t *d = r->full;
            d->err = NULL;
            d->from_cache = false;
            if (d->sha256 && *d->sha256 && !http_valid_hex64(d->sha256)) {
                r->err = err_new(EXIT_APPLY, "%s: malformed expected sha256 '%.80s'", j->shown,
                                 d->sha256);
                j->state = JOB_DONE;
                continue;
            }
            if (http_download_cached(h, d, j->url)) {
                r->status = 200;
                r->full_stored = true;
                j->state = JOB_DONE;
                continue;
            }
        }
        if (h->cfg.offline) {
            r->err = err_new(EXIT_APPLY, "offline: %s is not in the cache (%s)", what, j->shown);
            buf_printf(&missing, "\n  %s (%s)", what, j->shown);
            nmissing++;
            j->state = JOB_DONE;
            continue;
        }
        j->state = JOB_PENDING;
        run.prog.pages_total++;
    }
    return run_batch(h, &run, jobs, n, &missing, nmissing);
}

void http_fetch_clear(http_fetch_t *f)
{
    buf_free(&f->body);
    err_free(f->err);
    f->err = NULL;
    f->status = 0;
    f->full_stored = f->bad_response = false;
}
