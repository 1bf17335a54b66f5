/* http_transfer: the HTTP client's transfers (see http.h, "Transfers" and "Failures and
 * retries"): the libcurl multi loop that runs a batch's jobs, response headers and bodies
 * (pages into memory, downloads into a locked temporary file while hashing), retries with
 * jittered exponential backoff, the error messages, and each finished response turned into its
 * result: a page (stored in the page cache) or a verified download renamed into the download
 * cache. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index/http_internal.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"

#define PAGE_MAX_BYTES (512ull * 1024 * 1024)
#define BACKOFF_CAP_MS 10000
#define PROGRESS_EVERY_MS 100

static void progress(run_t *r, bool final)
{
    if (!r->h->cfg.progress)
        return;
    int64_t now = http_now_ms();
    if (!final && now - r->last_progress < PROGRESS_EVERY_MS)
        return;
    r->last_progress = now;
    double secs = (double)(now - r->started) / 1000.0;
    r->prog.rate = secs > 0.001 ? (double)r->prog.bytes_done / secs : 0;
    r->prog.finished = final;
    r->h->cfg.progress(r->h->cfg.progress_ctx, &r->prog);
}

static void clear_response(job_t *j)
{
    free(j->etag);
    free(j->last_modified);
    free(j->cache_control);
    free(j->age);
    free(j->retry_after);
    free(j->reason);
    free(j->content_range);
    j->etag = j->last_modified = j->cache_control = j->age = j->retry_after = j->reason = NULL;
    j->content_range = NULL;
}

static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
    job_t *j = ud;
    size_t n = sz * nm;
    j->last_data = http_now_ms();
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        clear_response(j); /* a new response (redirects, 100-continue) */
        const char *sp = memchr(p, ' ', n);
        if (sp) {
            const char *r = memchr(sp + 1, ' ', n - (size_t)(sp + 1 - p));
            if (r) {
                size_t rl = n - (size_t)(r + 1 - p);
                j->reason = xstrndup(r + 1, rl);
                size_t k = strcspn(j->reason, "\r\n");
                j->reason[k] = '\0';
            }
        }
        return n;
    }
    const char *colon = memchr(p, ':', n);
    if (!colon)
        return n;
    size_t kl = (size_t)(colon - p);
    const char *v = colon + 1;
    size_t vl = n - kl - 1;
    while (vl && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
    char **slot = NULL;
    if (kl == 4 && strncasecmp(p, "etag", 4) == 0)
        slot = &j->etag;
    else if (kl == 13 && strncasecmp(p, "last-modified", 13) == 0)
        slot = &j->last_modified;
    else if (kl == 13 && strncasecmp(p, "cache-control", 13) == 0)
        slot = &j->cache_control;
    else if (kl == 3 && strncasecmp(p, "age", 3) == 0)
        slot = &j->age;
    else if (kl == 11 && strncasecmp(p, "retry-after", 11) == 0)
        slot = &j->retry_after;
    else if (kl == 13 && strncasecmp(p, "content-range", 13) == 0)
        slot = &j->content_range;
    if (slot) {
        if (*slot && slot == &j->cache_control) {
            char *joined = xasprintf("%s, %.*s", *slot, (int)vl, v);
            free(*slot);
            *slot = joined;
        } else {
            free(*slot);
            *slot = xstrndup(v, vl);
        }
    }
    return n;
}

static long response_code(job_t *j)
{
    long code = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool fetch_start_download(job_t *j);

static size_t on_write(char *p, size_t sz, size_t nm, void *ud)
{
    job_t *j = ud;
    size_t n = sz * nm;
    j->last_data = http_now_ms();
    long code = response_code(j);
    if (j->fetch) {
        http_fetch_t *f = j->fetch;
        if (code == 200 && f->full) {
            if (!j->dl && !fetch_start_download(j))
                return 0;
            /* on below, as a download */
        } else if (code == 200 || code == 206) {
            if (n > f->max_bytes - f->body.len) {
                j->too_big = true;
                return 0;
            }
            buf_add(&f->body, p, n);
            return n;
        } else {
            return n;
        }
    } else if (code != 200) {
        return n; /* the body of an error or redirect response: not ours */
    }
    if (j->page) {
        if (j->page->body.len + n > PAGE_MAX_BYTES) {
            j->too_big = true;
            return 0;
        }
        buf_add(&j->page->body, p, n);
        return n;
    }
    run_t *r = j->run;
    if (!j->total_counted && j->dl->size < 0) {
        curl_off_t cl = -1;
        curl_easy_getinfo(j->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
        if (cl > 0)
            r->prog.bytes_total += (uint64_t)cl;
        j->total_counted = true;
    }
    if (j->dl->size >= 0 && j->got + n > (uint64_t)j->dl->size) {
        j->over_size = true;
        return 0;
    }
    if (!write_all(j->fd, p, n)) {
        j->write_errno = errno ? errno : EIO;
        return 0;
    }
    sha256_update(&j->sha, p, n);
    j->got += n;
    r->prog.bytes_done += n;
    r->prog.current = j->dl->filename;
    return n;
}

/* The stall timeout: libcurl's own low-speed check averages over several seconds, so a server
 * that sends a burst and then stops is noticed only ~5 s late; this one counts from the last
 * byte, like a socket read timeout (pip's --timeout). Called at least once a second. */
static int on_xferinfo(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    job_t *j = ud;
    if (http_now_ms() - j->last_data > j->run->h->cfg.low_speed_time_s * 1000) {
        j->stalled = true;
        return 1;
    }
    return 0;
}

static CURL *easy_get(http_t *h)
{
    if (h->nidle)
        return h->idle[--h->nidle];
    return curl_easy_init();
}

static void easy_put(http_t *h, CURL *e)
{
    curl_easy_reset(e);
    XGROW(h->idle, h->idlecap, h->nidle + 1);
    h->idle[h->nidle++] = e;
}

/* Resets a download's temporary file for a (new) attempt. */
static err_t *download_prepare(http_t *h, job_t *j)
{
    if (j->sha_live) {
        unsigned char dg[32];
        sha256_final(&j->sha, dg);
        j->sha_live = false;
    }
    j->run->prog.bytes_done -= j->got;
    j->got = 0;
    j->over_size = false;
    if (j->fd < 0) {
        err_t *e = fs_mkdirs(h->dl_dir, 0755);
        if (e)
            return e;
        j->tmp_path = path_join(h->dl_dir, ".tmp-XXXXXX");
        j->fd = mkostemp(j->tmp_path, O_CLOEXEC);
        if (j->fd < 0) {
            e = err_sys(EXIT_APPLY, errno, "creating a file in %s", h->dl_dir);
            free(j->tmp_path);
            j->tmp_path = NULL;
            return e;
        }
        fchmod(j->fd, 0644);
        flock(j->fd, LOCK_EX);   /* "still being written": see http_clean_stale_tmp() */
    } else if (ftruncate(j->fd, 0) != 0 || lseek(j->fd, 0, SEEK_SET) != 0) {
        return err_sys(EXIT_APPLY, errno, "resetting %s", j->tmp_path);
    }
    sha256_init(&j->sha);
    j->sha_live = true;
    return NULL;
}

static void download_discard(job_t *j)
{
    if (j->sha_live) {
        unsigned char dg[32];
        sha256_final(&j->sha, dg);
        j->sha_live = false;
    }
    if (j->fd >= 0) {
        close(j->fd);
        j->fd = -1;
    }
    if (j->tmp_path) {
        unlink(j->tmp_path);
        free(j->tmp_path);
        j->tmp_path = NULL;
    }
}

static void job_fail(job_t *j, err_t *e)
{
    http_t *h = j->run->h;
    /* scrub every message of the chain */
    for (err_t *x = e; x; x = x->next) {
        char *m = http_scrub(h, x->msg);
        free(x->msg);
        x->msg = m;
        if (x->hint) {
            m = http_scrub(h, x->hint);
            free(x->hint);
            x->hint = m;
        }
    }
    if (j->fetch) {
        j->fetch->err = e;
        j->fetch->status = 0;
        j->fetch->full_stored = false;
        buf_free(&j->fetch->body);
        if (j->dl)
            download_discard(j);
    } else if (j->page) {
        j->page->err = e;
        j->page->status = 0;
        buf_free(&j->page->body);
    } else {
        j->dl->err = e;
        download_discard(j);
    }
    j->state = JOB_DONE;
}

/* A fetch's 200 answer goes to its `full` download: prepares the temporary file. */
static bool fetch_start_download(job_t *j)
{
    run_t *r = j->run;
    j->dl = j->fetch->full;
    j->got = 0;
    j->total_counted = false;
    err_t *e = download_prepare(r->h, j);
    if (e) {
        err_free(j->pending_err);
        j->pending_err = err_ctx(e, "downloading %s", j->dl->filename ? j->dl->filename
                                                                      : j->shown);
        download_discard(j);
        j->dl = NULL;
        return false;
    }
    r->prog.files_total++;
    if (j->dl->size >= 0) {
        r->prog.bytes_total += (uint64_t)j->dl->size;
        j->total_counted = true;
    }
    return true;
}

static void start_job(http_t *h, job_t *j)
{
    if (j->fetch) {
        buf_reset(&j->fetch->body);
        j->too_big = false;
        if (j->dl) {   /* an earlier attempt's download: the next answer decides again */
            j->run->prog.bytes_done -= j->got;
            j->run->prog.files_total--;
            download_discard(j);
            j->got = 0;
            j->dl = NULL;
        }
        err_free(j->pending_err);
        j->pending_err = NULL;
    } else if (j->dl) {
        err_t *e = download_prepare(h, j);
        if (e) {
            job_fail(j, err_ctx(e, "downloading %s", j->dl->filename));
            return;
        }
    } else {
        buf_reset(&j->page->body);
        j->too_big = false;
    }
    clear_response(j);
    j->attempt++;
    j->errbuf[0] = '\0';
    j->stalled = false;
    j->write_errno = 0;
    j->last_data = http_now_ms();
    CURL *c = j->easy = easy_get(h);
    curl_easy_setopt(c, CURLOPT_URL, j->url);
    curl_easy_setopt(c, CURLOPT_PRIVATE, j);
    curl_easy_setopt(c, CURLOPT_SHARE, h->share);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(c, CURLOPT_USERAGENT, h->ua);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->cfg.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, j);
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, j->errbuf);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
    if (h->cfg.ca_bundle)
        curl_easy_setopt(c, CURLOPT_CAINFO, h->cfg.ca_bundle);
    const char *user, *pass;
    j->sent_credentials = http_find_credentials(h, j->url, &user, &pass);
    free(j->cred_user);
    j->cred_user = j->sent_credentials ? xstrdup(user) : NULL;
    if (j->sent_credentials) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, pass ? pass : "");
    }
    curl_slist_free_all(j->headers);
    j->headers = NULL;
    if (j->fetch && j->fetch->ranged) {
        char range[64];
        if (j->fetch->suffix)
            snprintf(range, sizeof range, "-%llu", (unsigned long long)j->fetch->suffix);
        else
            snprintf(range, sizeof range, "%llu-%llu", (unsigned long long)j->fetch->first,
                     (unsigned long long)j->fetch->last);
        curl_easy_setopt(c, CURLOPT_RANGE, range);
    } else if (j->fetch && !j->fetch->full) {
        curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    }
    if (j->page) {
        curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
        if (j->page->accept) {
            char *a = xasprintf("Accept: %s", j->page->accept);
            j->headers = curl_slist_append(j->headers, a);
            free(a);
        }
        if (j->cached && j->cached->etag) {
            char *a = xasprintf("If-None-Match: %s", j->cached->etag);
            j->headers = curl_slist_append(j->headers, a);
            free(a);
        }
        if (j->cached && j->cached->last_modified) {
            char *a = xasprintf("If-Modified-Since: %s", j->cached->last_modified);
            j->headers = curl_slist_append(j->headers, a);
            free(a);
        }
        if (j->page->revalidate)
            j->headers = curl_slist_append(j->headers, "Cache-Control: max-age=0");
    }
    if (j->headers)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, j->headers);
    CURLMcode mc = curl_multi_add_handle(h->multi, c);
    if (mc != CURLM_OK) {
        easy_put(h, c);
        j->easy = NULL;
        job_fail(j, err_new(EXIT_APPLY, "%s: %s", j->shown, curl_multi_strerror(mc)));
        return;
    }
    j->state = JOB_ACTIVE;
}

static bool retriable_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return true;
    default:
        return false;
    }
}

static bool retriable_status(long code)
{
    return code == 408 || code == 429 || (code >= 500 && code <= 599);
}

static uint64_t rng_next(http_t *h)
{
    uint64_t x = h->rng ? h->rng : 0x9E3779B97F4A7C15ull;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    h->rng = x;
    return x;
}

/* Schedules another attempt; false when none is left. */
static bool schedule_retry(http_t *h, job_t *j)
{
    if (j->attempt > h->cfg.retries)
        return false;
    double delay = (double)h->cfg.backoff_ms;
    for (int i = 1; i < j->attempt; i++)
        delay *= 2;
    if (delay > BACKOFF_CAP_MS)
        delay = BACKOFF_CAP_MS;
    double jitter = 0.75 + 0.5 * (double)(rng_next(h) % 1000) / 1000.0;
    delay *= jitter;
    if (j->retry_after) {
        char *end;
        long ra = strtol(j->retry_after, &end, 10);
        if (*end == '\0' && ra > 0 && ra <= BACKOFF_CAP_MS / 1000 && ra * 1000.0 > delay)
            delay = ra * 1000.0;
    }
    j->not_before = http_now_ms() + (int64_t)delay;
    j->state = JOB_WAITING;
    return true;
}

static const char *reason_of(job_t *j, long code)
{
    if (j->reason && *j->reason)
        return j->reason;
    switch (code) {
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

static char *attempts_note(job_t *j)
{
    return j->attempt > 1 ? xasprintf(" (after %d attempts)", j->attempt) : xstrdup("");
}

static err_t *transport_error(job_t *j, CURLcode rc)
{
    char *note = attempts_note(j);
    const char *why = j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc);
    char *stall = NULL;
    if (j->stalled)
        why = stall = xasprintf("nothing received for %ld s (timed out)",
                                j->run->h->cfg.low_speed_time_s);
    err_t *e = err_new(EXIT_APPLY, "%s: %s%s", j->shown, why, note);
    free(stall);
    free(note);
    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        err_hint(e, "the server's TLS certificate is not trusted; point VENVSYNC_CA_BUNDLE (or "
                    "SSL_CERT_FILE) at the CA bundle that signed it");
        break;
    case CURLE_OPERATION_TIMEDOUT:
        err_hint(e, "the server stopped sending; VENVSYNC_HTTP_TIMEOUT sets how long to wait "
                    "(seconds), VENVSYNC_HTTP_RETRIES how often to retry");
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        err_hint(e, "check the network (and proxy settings), or use --offline with a filled "
                    "cache");
        break;
    default:
        break;
    }
    return e;
}

static err_t *status_error(http_t *h, job_t *j, long code)
{
    char *note = attempts_note(j);
    err_t *e = err_new(EXIT_APPLY, "%s: HTTP %ld %s%s", j->shown, code, reason_of(j, code), note);
    free(note);
    if (code == 401 || code == 403) {
        char *key = url_host_key(j->url);
        if (j->sent_credentials && j->cred_user && *j->cred_user)
            err_hint(e, "the credentials for %s (user '%s') were refused", key ? key : "this host",
                     j->cred_user);
        else if (j->sent_credentials)
            err_hint(e, "the credentials for %s were refused", key ? key : "this host");
        else
            err_hint(e, "%s needs credentials: put them in the index URL "
                        "(https://USER:PASSWORD@host/...), in ~/.netrc (or $NETRC), or in "
                        "VENVSYNC_INDEX_USERNAME / VENVSYNC_INDEX_PASSWORD for the index",
                     key ? key : "the server");
        free(key);
    }
    (void)h;
    return e;
}

static void finish_page(http_t *h, job_t *j, long code)
{
    http_page_req_t *r = j->page;
    char *eff = NULL;
    curl_easy_getinfo(j->easy, CURLINFO_EFFECTIVE_URL, &eff);
    char *ct = NULL;
    curl_easy_getinfo(j->easy, CURLINFO_CONTENT_TYPE, &ct);
    if (code == 304 && j->cached) {
        bool no_store;
        int64_t fresh = http_freshness(j->cache_control, j->age, &no_store);
        buf_reset(&r->body);
        buf_add(&r->body, j->cached->raw.data + j->cached->body_off, j->cached->body_len);
        r->content_type = xstrdup(j->cached->content_type);
        r->final_url = xstrdup(j->cached->final_url);
        r->status = 200;
        r->source = HTTP_FROM_REVALIDATED;
        const char *etag = j->etag ? j->etag : j->cached->etag;
        const char *lm = j->last_modified ? j->last_modified : j->cached->last_modified;
        /* Rewritten only when it learns something: a freshness lifetime or new validators.
         * An index without max-age (every page revalidated every time) would otherwise cost a
         * new file per page per run. */
        bool same = !fresh && !j->cached->fresh_until && str_eq_null(etag, j->cached->etag) &&
                    str_eq_null(lm, j->cached->last_modified);
        if (!no_store && !same)
            http_cpage_store(h, j->cache_path, j->url, j->cached->final_url,
                             j->cached->content_type, etag, lm, fresh,
                             r->body.data ? r->body.data : "", r->body.len);
        j->state = JOB_DONE;
        return;
    }
    if (code == 200) {
        bool no_store;
        int64_t fresh = http_freshness(j->cache_control, j->age, &no_store);
        r->status = 200;
        r->source = HTTP_FROM_NETWORK;
        r->content_type = xstrdup(ct);
        r->final_url = eff ? http_take_credentials(h, eff) : xstrdup(j->url);
        if (!no_store)
            http_cpage_store(h, j->cache_path, j->url, r->final_url, ct, j->etag,
                             j->last_modified, fresh, r->body.data ? r->body.data : "",
                             r->body.len);
        j->state = JOB_DONE;
        return;
    }
    if (code == 404 || code == 410) {
        buf_free(&r->body);
        r->status = (int)code;
        r->source = HTTP_FROM_NETWORK;
        r->final_url = eff ? http_take_credentials(h, eff) : xstrdup(j->url);
        j->state = JOB_DONE;
        return;
    }
    if (retriable_status(code) && schedule_retry(h, j))
        return;
    job_fail(j, status_error(h, j, code));
}

static void finish_download(http_t *h, job_t *j, long code)
{
    http_download_t *d = j->dl;
    if (code != 200) {
        if (retriable_status(code) && schedule_retry(h, j))
            return;
        job_fail(j, status_error(h, j, code));
        return;
    }
    curl_off_t cl = -1;
    curl_easy_getinfo(j->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    unsigned char dg[32];
    sha256_final(&j->sha, dg);
    j->sha_live = false;
    char hex[65];
    hex_encode(dg, 32, hex);
    err_t *e = NULL;
    if (cl >= 0 && (uint64_t)cl != j->got)
        e = err_new(EXIT_APPLY, "%s: received %llu bytes, but Content-Length said %lld",
                    j->shown, (unsigned long long)j->got, (long long)cl);
    else if (d->size >= 0 && (uint64_t)d->size != j->got)
        e = err_new(EXIT_APPLY, "%s: received %llu bytes, but the index says the file has %lld",
                    j->shown, (unsigned long long)j->got, (long long)d->size);
    else if (d->sha256 && *d->sha256 && strcmp(d->sha256, hex) != 0)
        e = err_hint(err_new(EXIT_APPLY, "%s: hash mismatch for %s\n    expected sha256:%s\n"
                                         "    got      sha256:%s",
                             j->shown, d->filename, d->sha256, hex),
                     "the file differs from what the index promised; nothing was kept");
    if (e) {
        job_fail(j, e);
        return;
    }
    char *final = path_join(h->dl_dir, hex);
    /* no fdatasync: a flush per file costs a disk round trip each (seconds for a set of wheels
     * on a busy disk), and a file a crash tore is caught by its name, which is its sha256, when
     * the cache is next used (http_download_cached) */
    if (close(j->fd) != 0) {
        int en = errno;
        j->fd = -1;
        free(final);
        job_fail(j, err_sys(EXIT_APPLY, en, "writing %s", j->tmp_path));
        return;
    }
    j->fd = -1;
    if (rename(j->tmp_path, final) != 0) {
        int en = errno;
        free(final);
        job_fail(j, err_sys(EXIT_APPLY, en, "storing %s in %s", d->filename, h->dl_dir));
        return;
    }
    free(j->tmp_path);
    j->tmp_path = NULL;
    if (!d->sha256 || !*d->sha256)
        http_record_url(h, j->url, hex, j->got);
    d->path = final;
    memcpy(d->sha256_out, hex, 65);
    d->size_out = j->got;
    j->run->prog.files_done++;
    j->state = JOB_DONE;
    if (d->on_done)
        d->on_done(d->on_done_ctx, d);
}

/* "bytes A-B/T" (T may be "*": total 0): strictly digits, A <= B, B < T. */
static bool parse_content_range(const char *v, uint64_t *a, uint64_t *b, uint64_t *t)
{
    if (!v || strncasecmp(v, "bytes ", 6) != 0)
        return false;
    const char *p = v + 6;
    uint64_t *outs[3] = {a, b, t};
    const char seps[3] = {'-', '/', '\0'};
    for (int k = 0; k < 3; k++) {
        if (k == 2 && *p == '*' && p[1] == '\0') {
            *t = 0;
            return *a <= *b;
        }
        if (*p < '0' || *p > '9')
            return false;
        uint64_t x = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (x > (UINT64_MAX - 9) / 10)
                return false;
            x = x * 10 + (uint64_t)(*p - '0');
        }
        if (*p != seps[k])
            return false;
        if (k < 2)
            p++;
        *outs[k] = x;
    }
    return *a <= *b && *b < *t;
}

static void fetch_bad(job_t *j, err_t *e)
{
    j->fetch->bad_response = true;
    job_fail(j, e);
}

static void finish_fetch(http_t *h, job_t *j, long code)
{
    http_fetch_t *f = j->fetch;
    if (code == 200 && f->full) {
        if (!j->dl && !fetch_start_download(j)) {   /* an empty body: nothing was written */
            err_t *e = j->pending_err;
            j->pending_err = NULL;
            job_fail(j, e);
            return;
        }
        finish_download(h, j, code);
        if (!f->err) {
            f->status = 200;
            f->full_stored = true;
        }
        return;
    }
    if (code == 200) {
        f->status = 200;
        j->state = JOB_DONE;
        return;
    }
    if (code == 206) {
        uint64_t a = 0, b = 0, t = 0;
        if (!f->ranged)
            fetch_bad(j, err_new(EXIT_APPLY, "%s: HTTP 206 (a partial answer) to a request for "
                                             "the whole file", j->shown));
        else if (!parse_content_range(j->content_range, &a, &b, &t))
            fetch_bad(j, err_new(EXIT_APPLY, "%s: HTTP 206 with %s Content-Range%s%s%s",
                                 j->shown, j->content_range ? "a malformed" : "no",
                                 j->content_range ? " '" : "",
                                 j->content_range ? j->content_range : "",
                                 j->content_range ? "'" : ""));
        else if (b - a + 1 != f->body.len)
            fetch_bad(j, err_new(EXIT_APPLY, "%s: Content-Range '%s' announces %llu bytes, the "
                                             "body has %zu", j->shown, j->content_range,
                                 (unsigned long long)(b - a + 1), f->body.len));
        else {
            f->status = 206;
            f->range_first = a;
            f->range_last = b;
            f->range_total = t;
            j->state = JOB_DONE;
        }
        return;
    }
    if (code == 404 || code == 410 || (f->ranged && (code == 416 || code == 501))) {
        buf_free(&f->body);
        f->status = (int)code;
        j->state = JOB_DONE;
        return;
    }
    if (retriable_status(code) && schedule_retry(h, j))
        return;
    job_fail(j, status_error(h, j, code));
}

static void finish_job(http_t *h, job_t *j, CURLcode rc)
{
    long code = response_code(j);
    if (rc != CURLE_OK) {
        if (j->fetch && j->pending_err) {
            err_t *e = j->pending_err;
            j->pending_err = NULL;
            job_fail(j, e);
        } else if (j->fetch && j->too_big)
            fetch_bad(j, err_new(EXIT_APPLY, "%s: the server sends more than the %zu bytes asked "
                                             "for", j->shown, j->fetch->max_bytes));
        else if (j->page && j->too_big)
            job_fail(j, err_new(EXIT_APPLY, "%s: the page is larger than %llu MiB", j->shown,
                                PAGE_MAX_BYTES >> 20));
        else if (j->dl && j->write_errno)
            job_fail(j, err_sys(EXIT_APPLY, j->write_errno, "%s: writing %s into %s", j->shown,
                                j->dl->filename, h->dl_dir));
        else if (j->dl && j->over_size)
            job_fail(j, err_new(EXIT_APPLY, "%s: the server sends more than the %lld bytes the "
                                            "index gives for %s", j->shown,
                                (long long)j->dl->size, j->dl->filename));
        else if (j->stalled && schedule_retry(h, j))
            ;
        else if (j->stalled)
            job_fail(j, transport_error(j, CURLE_OPERATION_TIMEDOUT));
        else if (retriable_curl(rc) && schedule_retry(h, j))
            ;
        else
            job_fail(j, transport_error(j, rc));
    } else if (j->fetch) {
        finish_fetch(h, j, code);
    } else if (j->page) {
        finish_page(h, j, code);
    } else {
        finish_download(h, j, code);
    }
    if ((j->page || j->fetch) && j->state == JOB_DONE)
        j->run->prog.pages_done++;
}

/* Counts one finished exchange in h->stats (nothing when no response came back). */
static void count_exchange(http_t *h, CURL *easy)
{
    long code = 0, version = 0, connects = 0;
    curl_off_t bytes = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
    h->stats.connections += connects > 0 ? (size_t)connects : 0;
    if (code <= 0)
        return;
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &bytes);
    h->stats.requests++;
    if (version == CURL_HTTP_VERSION_2_0)
        h->stats.http2++;
    else if (version == CURL_HTTP_VERSION_3)
        h->stats.http3++;
    else
        h->stats.http1++;
    h->stats.not_modified += code == 304;
    h->stats.bytes += bytes > 0 ? (uint64_t)bytes : 0;
}

/* Runs every job in state PENDING to completion. */
void http_run_jobs(http_t *h, run_t *r, job_t *jobs, size_t n)
{
    size_t remaining = 0;
    for (size_t i = 0; i < n; i++)
        remaining += jobs[i].state == JOB_PENDING;
    size_t active = 0;
    progress(r, false);
    while (remaining) {
        int64_t now = http_now_ms();
        int64_t next_wake = -1;
        for (size_t i = 0; i < n && active < (size_t)h->cfg.concurrency; i++) {
            job_t *j = &jobs[i];
            if (j->state == JOB_WAITING && j->not_before <= now)
                j->state = JOB_PENDING;
            if (j->state != JOB_PENDING)
                continue;
            start_job(h, j);
            if (j->state == JOB_ACTIVE)
                active++;
            else if (j->state == JOB_DONE)
                remaining--;
        }
        for (size_t i = 0; i < n; i++)
            if (jobs[i].state == JOB_WAITING &&
                (next_wake < 0 || jobs[i].not_before < next_wake))
                next_wake = jobs[i].not_before;
        if (!remaining)
            break;
        int running = 0;
        curl_multi_perform(h->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(h->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            job_t *j = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
            CURLcode rc = m->data.result;
            count_exchange(h, m->easy_handle);
            curl_multi_remove_handle(h->multi, m->easy_handle);
            active--;
            finish_job(h, j, rc);
            easy_put(h, j->easy);
            j->easy = NULL;
            if (j->state == JOB_DONE)
                remaining--;
            else if (next_wake < 0 || j->not_before < next_wake)
                next_wake = j->not_before;
        }
        if (!remaining)
            break;
        /* Everything left is active, waiting for its retry time, or pending behind a full
         * concurrency limit (so something is active): wait for sockets or the next retry. */
        long timeout = PROGRESS_EVERY_MS;
        if (next_wake >= 0) {
            int64_t w = next_wake - http_now_ms();
            if (w < timeout)
                timeout = w < 0 ? 0 : (long)w;
        }
        curl_multi_poll(h->multi, NULL, 0, (int)timeout, NULL);
        progress(r, false);
    }
    r->prog.current = NULL;
    progress(r, true);
}

void http_job_free(job_t *j)
{
    clear_response(j);
    curl_slist_free_all(j->headers);
    free(j->cred_user);
    free(j->url);
    free(j->shown);
    free(j->cache_path);
    http_cpage_free(j->cached);
    err_free(j->pending_err);
    if (j->dl)
        download_discard(j);
}
