/* http: libcurl multi transfers, the page cache and the verified download cache (see http.h). */
#include "index/http.h"

#include <curl/curl.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "index/netrc.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/xalloc.h"

#ifndef VENVSYNC_VERSION
#define VENVSYNC_VERSION "0"
#endif

#define PAGE_MAX_BYTES (512ull * 1024 * 1024)
#define BACKOFF_CAP_MS 10000
#define PROGRESS_EVERY_MS 100
#define STALE_TMP_SECONDS (24 * 3600)
#define TMP_GRACE_SECONDS 5

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

typedef struct cred {
    char *hostkey;
    char *user;
    char *pass;
} cred_t;

struct http {
    http_config_t cfg;
    CURLM *multi;
    CURLSH *share;
    CURL **idle;                  /* easy handles to reuse */
    size_t nidle, idlecap;
    cred_t *creds;
    size_t ncreds, credcap;
    netrc_t *netrc;
    bool netrc_loaded;
    char **warnings;
    size_t nwarnings;
    char *pages_dir, *dl_dir;
    char *ua;
    uint64_t rng;
    http_stats_t stats;
};

static void add_warning(http_t *h, char *msg)
{
    h->warnings = xrealloc(h->warnings, (h->nwarnings + 2) * sizeof(char *));
    h->warnings[h->nwarnings++] = msg;
    h->warnings[h->nwarnings] = NULL;
}

char *const *http_warnings(const http_t *h)
{
    return h->warnings;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Removes the partial downloads of runs that are gone: a writer holds an flock on its .tmp-*
 * file until it is renamed, so a file whose lock can be taken is nobody's. Files younger than
 * TMP_GRACE_SECONDS are left alone (a writer takes its lock just after creating the file), and
 * any older than STALE_TMP_SECONDS goes whatever its lock says (a file system without flock). */
static void clean_stale_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, ".tmp-", 5) != 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            now - st.st_mtime < TMP_GRACE_SECONDS)
            continue;
        if (now - st.st_mtime > STALE_TMP_SECONDS) {
            unlinkat(dirfd(d), de->d_name, 0);
            continue;
        }
        int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlinkat(dirfd(d), de->d_name, 0);
        close(fd);
    }
    closedir(d);
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
        clean_stale_tmp(h->dl_dir);
    *out = h;
    return NULL;
}

static void wipe_free(char *s)
{
    if (s) {
        volatile char *p = s;
        while (*p)
            *p++ = 0;
        free(s);
    }
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
    for (size_t i = 0; i < h->ncreds; i++) {
        free(h->creds[i].hostkey);
        wipe_free(h->creds[i].user);
        wipe_free(h->creds[i].pass);
    }
    free(h->creds);
    netrc_free(h->netrc);
    strv_free(h->warnings);
    free(h->pages_dir);
    free(h->dl_dir);
    free(h->ua);
    free(h);
    curl_global_cleanup();
}

/* ---- credentials ---------------------------------------------------------------------------- */

void http_add_credentials(http_t *h, const char *url, const char *user, const char *password)
{
    char *key = url_host_key(url);
    if (!key)
        return;
    for (size_t i = 0; i < h->ncreds; i++) {
        if (strcmp(h->creds[i].hostkey, key) == 0) {
            wipe_free(h->creds[i].user);
            wipe_free(h->creds[i].pass);
            h->creds[i].user = xstrdup(user ? user : "");
            h->creds[i].pass = xstrdup(password);
            free(key);
            return;
        }
    }
    XGROW(h->creds, h->credcap, h->ncreds + 1);
    h->creds[h->ncreds++] = (cred_t){key, xstrdup(user ? user : ""), xstrdup(password)};
}

static netrc_t *get_netrc(http_t *h)
{
    if (!h->netrc_loaded) {
        h->netrc_loaded = true;
        if (h->cfg.netrc_path && *h->cfg.netrc_path) {
            h->netrc = netrc_load(h->cfg.netrc_path);
            for (size_t i = 0; i < h->netrc->nwarnings; i++)
                add_warning(h, xstrdup(h->netrc->warnings[i]));
        }
    }
    return h->netrc;
}

/* The credentials for url (stripped of userinfo), or false. */
static bool find_credentials(http_t *h, const char *url, const char **user, const char **pass)
{
    char *key = url_host_key(url);
    if (!key)
        return false;
    for (size_t i = 0; i < h->ncreds; i++) {
        if (strcmp(h->creds[i].hostkey, key) == 0) {
            *user = h->creds[i].user;
            *pass = h->creds[i].pass;
            free(key);
            return true;
        }
    }
    free(key);
    netrc_t *n = get_netrc(h);
    if (!n)
        return false;
    url_parts_t p;
    url_split(url, &p);
    char *host = xstrndup(url + p.host.off, p.host.len);
    const netrc_entry_t *e = netrc_lookup(n, host);
    free(host);
    if (!e || (!e->login && !e->password))
        return false;
    *user = e->login ? e->login : "";
    *pass = e->password;
    return true;
}

bool http_has_credentials(http_t *h, const char *url)
{
    char *u = NULL, *p = NULL;
    char *s = url_strip_credentials(url, &u, &p);
    bool has = u || p;
    wipe_free(u);
    wipe_free(p);
    const char *a, *b;
    has = has || find_credentials(h, s, &a, &b);
    free(s);
    return has;
}

/* Registers the userinfo of url (if any) and returns url without it. */
static char *take_credentials(http_t *h, const char *url)
{
    char *u = NULL, *p = NULL;
    char *s = url_strip_credentials(url, &u, &p);
    if (u || p)
        http_add_credentials(h, s, u, p);
    wipe_free(u);
    wipe_free(p);
    return s;
}

static void scrub_one(buf_t *b, const char *secret)
{
    if (!secret || strlen(secret) < 3 || !b->data)
        return;
    if (!strstr(b->data, secret))
        return;
    char *copy = buf_detach(b);
    buf_add_replaced(b, copy, secret, "****");
    free(copy);
}

char *http_scrub(const http_t *h, const char *msg)
{
    buf_t b = BUF_INIT;
    buf_adds(&b, msg ? msg : "");
    for (size_t i = 0; i < h->ncreds; i++)
        scrub_one(&b, h->creds[i].pass);
    if (h->netrc)
        for (size_t i = 0; i < h->netrc->n; i++)
            scrub_one(&b, h->netrc->entries[i].password);
    return buf_detach(&b);
}

/* ---- the page cache ------------------------------------------------------------------------- */

typedef struct cpage {
    char *final_url, *content_type, *etag, *last_modified;
    int64_t fresh_until;          /* unix seconds; 0 = stale */
    buf_t raw;                    /* the whole file */
    size_t body_off, body_len;
} cpage_t;

static void cpage_free(cpage_t *c)
{
    if (!c)
        return;
    free(c->final_url);
    free(c->content_type);
    free(c->etag);
    free(c->last_modified);
    buf_free(&c->raw);
    free(c);
}

static char *page_cache_path(const http_t *h, const char *url, const char *accept)
{
    buf_t k = BUF_INIT;
    buf_printf(&k, "%s\n%s", url, accept ? accept : "");
    char hex[65];
    sha256_hex(k.data, k.len, hex);
    buf_free(&k);
    return path_join(h->pages_dir, hex);
}

#define PAGE_MAGIC "venvsync-page-v1\n"

static cpage_t *cpage_load(const char *path, const char *url)
{
    cpage_t *c = xcalloc(1, sizeof(*c));
    if (!fs_try_read(path, &c->raw) || c->raw.len < strlen(PAGE_MAGIC) ||
        memcmp(c->raw.data, PAGE_MAGIC, strlen(PAGE_MAGIC)) != 0) {
        cpage_free(c);
        return NULL;
    }
    char *s = c->raw.data + strlen(PAGE_MAGIC);
    char *end = c->raw.data + c->raw.len;
    char *stored_url = NULL;
    long long body_size = -1;
    while (s < end && *s != '\n') {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl)
            break;
        char *sp = memchr(s, ' ', (size_t)(nl - s));
        if (sp) {
            size_t kl = (size_t)(sp - s);
            char *v = xstrndup(sp + 1, (size_t)(nl - sp - 1));
            char **slot = NULL;
            if (kl == 3 && memcmp(s, "url", 3) == 0)
                slot = &stored_url;
            else if (kl == 9 && memcmp(s, "final-url", 9) == 0)
                slot = &c->final_url;
            else if (kl == 12 && memcmp(s, "content-type", 12) == 0)
                slot = &c->content_type;
            else if (kl == 4 && memcmp(s, "etag", 4) == 0)
                slot = &c->etag;
            else if (kl == 13 && memcmp(s, "last-modified", 13) == 0)
                slot = &c->last_modified;
            else if (kl == 11 && memcmp(s, "fresh-until", 11) == 0)
                c->fresh_until = strtoll(v, NULL, 10);
            else if (kl == 9 && memcmp(s, "body-size", 9) == 0)
                body_size = strtoll(v, NULL, 10);
            if (slot) {
                free(*slot);
                *slot = v;
            } else {
                free(v);
            }
        }
        s = nl + 1;
    }
    bool ok = s < end && *s == '\n' && stored_url && strcmp(stored_url, url) == 0 && c->final_url;
    free(stored_url);
    if (ok) {
        c->body_off = (size_t)(s + 1 - c->raw.data);
        c->body_len = c->raw.len - c->body_off;
        ok = body_size >= 0 && (size_t)body_size == c->body_len;
    }
    if (!ok) {
        cpage_free(c);
        return NULL;
    }
    return c;
}

/* Header values never hold newlines (libcurl unfolds), but be sure. */
static void add_field(buf_t *b, const char *k, const char *v)
{
    if (!v)
        return;
    buf_printf(b, "%s ", k);
    for (const char *p = v; *p; p++)
        buf_addc(b, *p == '\n' || *p == '\r' ? ' ' : *p);
    buf_addc(b, '\n');
}

static void cpage_store(http_t *h, const char *path, const char *url, const char *final_url,
                        const char *ct, const char *etag, const char *lm, int64_t fresh_until,
                        const char *body, size_t len)
{
    buf_t b = BUF_INIT;
    buf_adds(&b, PAGE_MAGIC);
    add_field(&b, "url", url);
    add_field(&b, "final-url", final_url);
    add_field(&b, "content-type", ct);
    add_field(&b, "etag", etag);
    add_field(&b, "last-modified", lm);
    buf_printf(&b, "fresh-until %lld\nbody-size %zu\n\n", (long long)fresh_until, len);
    buf_add(&b, body, len);
    err_t *e = fs_mkdirs(h->pages_dir, 0755);
    if (!e)
        e = fs_write_atomic(path, b.data, b.len, 0644);
    if (e) {
        /* the cache is an optimisation: note it, go on */
        char *m = http_scrub(h, e->msg);
        add_warning(h, xasprintf("cannot cache an index page: %s", m));
        free(m);
        err_free(e);
    }
    buf_free(&b);
}

/* Cache-Control / Age -> unix time until which the response is fresh (0: stale now);
 * *no_store set when it must not be stored. */
static int64_t freshness(const char *cc, const char *age, bool *no_store)
{
    *no_store = false;
    if (!cc)
        return 0;
    long long max_age = -1;
    bool no_cache = false;
    const char *p = cc;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        size_t n = strcspn(p, ",");
        if (n >= 8 && strncasecmp(p, "no-store", 8) == 0)
            *no_store = true;
        else if (n >= 8 && strncasecmp(p, "no-cache", 8) == 0)
            no_cache = true;
        else if (n > 8 && strncasecmp(p, "max-age=", 8) == 0)
            max_age = strtoll(p + 8 + (p[8] == '"'), NULL, 10);
        p += n;
    }
    if (no_cache || max_age <= 0)
        return 0;
    long long a = age ? strtoll(age, NULL, 10) : 0;
    if (a < 0)
        a = 0;
    if (a >= max_age)
        return 0;
    return (int64_t)time(NULL) + (max_age - a);
}

/* ---- download cache ------------------------------------------------------------------------- */

char *http_download_path(const char *cache_dir, const char *sha256_hex)
{
    return path_joinv(cache_dir, HTTP_DOWNLOADS_SUBDIR, sha256_hex, NULL);
}

static char *url_record_path(const http_t *h, const char *url)
{
    char hex[65];
    sha256_hex(url, strlen(url), hex);
    char *name = xasprintf("url-%s", hex);
    char *p = path_join(h->dl_dir, name);
    free(name);
    return p;
}

static bool valid_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return false;
    return true;
}

/* A cached file for d (whose url is already stripped into `url`). */
static bool download_cached(http_t *h, http_download_t *d, const char *url)
{
    char sha[65] = "";
    if (d->sha256 && *d->sha256) {
        if (!valid_hex64(d->sha256))
            return false;
        memcpy(sha, d->sha256, 65);
    } else {
        char *rp = url_record_path(h, url);
        buf_t b = BUF_INIT;
        bool ok = fs_try_read(rp, &b) && b.len >= 64;
        if (ok) {
            memcpy(sha, b.data, 64);
            sha[64] = '\0';
            ok = valid_hex64(sha);
        }
        buf_free(&b);
        free(rp);
        if (!ok)
            return false;
    }
    char *p = path_join(h->dl_dir, sha);
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) ||
        (d->size >= 0 && (uint64_t)st.st_size != (uint64_t)d->size)) {
        free(p);
        return false;
    }
    d->path = p;
    memcpy(d->sha256_out, sha, 65);
    d->size_out = (uint64_t)st.st_size;
    d->from_cache = true;
    return true;
}

/* ---- jobs ----------------------------------------------------------------------------------- */

typedef enum { JOB_IDLE, JOB_PENDING, JOB_ACTIVE, JOB_WAITING, JOB_DONE } job_state_t;

typedef struct run run_t;

typedef struct job {
    run_t *run;
    http_page_req_t *page;        /* exactly one of page / dl */
    http_download_t *dl;
    char *url;                    /* without credentials */
    char *shown;                  /* redacted, for messages */
    job_state_t state;
    int attempt;                  /* attempts made so far */
    int64_t not_before;           /* monotonic ms */
    CURL *easy;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    bool sent_credentials;
    char *cred_user;              /* the user name sent (never the password) */
    int64_t last_data;            /* monotonic ms of the last byte received (or the start) */
    bool stalled;                 /* aborted: nothing received for low_speed_time_s */
    /* the last response's headers */
    char *etag, *last_modified, *cache_control, *age, *retry_after, *reason;
    /* pages */
    char *cache_path;
    cpage_t *cached;
    bool too_big;
    /* downloads */
    int fd;
    char *tmp_path;
    sha256_t sha;
    bool sha_live;
    uint64_t got;
    bool over_size;
    bool total_counted;
    int write_errno;              /* writing the temporary file failed (ENOSPC, EIO ...) */
} job_t;

struct run {
    http_t *h;
    http_progress_t prog;
    int64_t started, last_progress;
};

static void progress(run_t *r, bool final)
{
    if (!r->h->cfg.progress)
        return;
    int64_t now = now_ms();
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
    j->etag = j->last_modified = j->cache_control = j->age = j->retry_after = j->reason = NULL;
}

static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
    job_t *j = ud;
    size_t n = sz * nm;
    j->last_data = now_ms();
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

static size_t on_write(char *p, size_t sz, size_t nm, void *ud)
{
    job_t *j = ud;
    size_t n = sz * nm;
    j->last_data = now_ms();
    if (response_code(j) != 200)
        return n; /* the body of an error or redirect response: not ours */
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
    if (now_ms() - j->last_data > j->run->h->cfg.low_speed_time_s * 1000) {
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
        flock(j->fd, LOCK_EX);   /* "still being written": see clean_stale_tmp() */
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
    if (j->page) {
        j->page->err = e;
        j->page->status = 0;
        buf_free(&j->page->body);
    } else {
        j->dl->err = e;
        download_discard(j);
    }
    j->state = JOB_DONE;
}

static void start_job(http_t *h, job_t *j)
{
    if (j->dl) {
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
    j->last_data = now_ms();
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
    j->sent_credentials = find_credentials(h, j->url, &user, &pass);
    free(j->cred_user);
    j->cred_user = j->sent_credentials ? xstrdup(user) : NULL;
    if (j->sent_credentials) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, pass ? pass : "");
    }
    curl_slist_free_all(j->headers);
    j->headers = NULL;
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
    j->not_before = now_ms() + (int64_t)delay;
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
        int64_t fresh = freshness(j->cache_control, j->age, &no_store);
        buf_reset(&r->body);
        buf_add(&r->body, j->cached->raw.data + j->cached->body_off, j->cached->body_len);
        r->content_type = xstrdup(j->cached->content_type);
        r->final_url = xstrdup(j->cached->final_url);
        r->status = 200;
        r->source = HTTP_FROM_REVALIDATED;
        if (!no_store)
            cpage_store(h, j->cache_path, j->url, j->cached->final_url, j->cached->content_type,
                        j->etag ? j->etag : j->cached->etag,
                        j->last_modified ? j->last_modified : j->cached->last_modified, fresh,
                        r->body.data ? r->body.data : "", r->body.len);
        j->state = JOB_DONE;
        return;
    }
    if (code == 200) {
        bool no_store;
        int64_t fresh = freshness(j->cache_control, j->age, &no_store);
        r->status = 200;
        r->source = HTTP_FROM_NETWORK;
        r->content_type = xstrdup(ct);
        r->final_url = eff ? take_credentials(h, eff) : xstrdup(j->url);
        if (!no_store)
            cpage_store(h, j->cache_path, j->url, r->final_url, ct, j->etag, j->last_modified,
                        fresh, r->body.data ? r->body.data : "", r->body.len);
        j->state = JOB_DONE;
        return;
    }
    if (code == 404 || code == 410) {
        buf_free(&r->body);
        r->status = (int)code;
        r->source = HTTP_FROM_NETWORK;
        r->final_url = eff ? take_credentials(h, eff) : xstrdup(j->url);
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
    if (fdatasync(j->fd) != 0 || close(j->fd) != 0) {
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
    fs_sync_dir(h->dl_dir);
    if (!d->sha256 || !*d->sha256) {
        char *rp = url_record_path(h, j->url);
        char *rec = xasprintf("%s %llu\n", hex, (unsigned long long)j->got);
        err_free(fs_write_atomic(rp, rec, strlen(rec), 0644));
        free(rec);
        free(rp);
    }
    d->path = final;
    memcpy(d->sha256_out, hex, 65);
    d->size_out = j->got;
    j->run->prog.files_done++;
    j->state = JOB_DONE;
}

static void finish_job(http_t *h, job_t *j, CURLcode rc)
{
    long code = response_code(j);
    if (rc != CURLE_OK) {
        if (j->page && j->too_big)
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
    } else if (j->page) {
        finish_page(h, j, code);
    } else {
        finish_download(h, j, code);
    }
    if (j->page && j->state == JOB_DONE)
        j->run->prog.pages_done++;
}

void http_get_stats(const http_t *h, http_stats_t *out)
{
    *out = h->stats;
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
static void run_jobs(http_t *h, run_t *r, job_t *jobs, size_t n)
{
    size_t remaining = 0;
    for (size_t i = 0; i < n; i++)
        remaining += jobs[i].state == JOB_PENDING;
    size_t active = 0;
    progress(r, false);
    while (remaining) {
        int64_t now = now_ms();
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
            int64_t w = next_wake - now_ms();
            if (w < timeout)
                timeout = w < 0 ? 0 : (long)w;
        }
        curl_multi_poll(h->multi, NULL, 0, (int)timeout, NULL);
        progress(r, false);
    }
    r->prog.current = NULL;
    progress(r, true);
}

static void job_free(job_t *j)
{
    clear_response(j);
    curl_slist_free_all(j->headers);
    free(j->cred_user);
    free(j->url);
    free(j->shown);
    free(j->cache_path);
    cpage_free(j->cached);
    if (j->dl)
        download_discard(j);
}

/* ---- public batch calls --------------------------------------------------------------------- */

static void offline_list(buf_t *b, const char *item)
{
    buf_printf(b, "\n  %s", item);
}

err_t *http_get_pages(http_t *h, http_page_req_t *reqs, size_t n)
{
    run_t run = {.h = h, .started = now_ms()};
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
        j->url = take_credentials(h, r->url);
        j->shown = url_redact(j->url);
        j->cache_path = page_cache_path(h, j->url, r->accept);
        j->cached = cpage_load(j->cache_path, j->url);
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
    run_jobs(h, &run, jobs, n);
    for (size_t i = 0; i < n; i++)
        job_free(&jobs[i]);
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

err_t *http_download_all(http_t *h, http_download_t *d, size_t n)
{
    run_t run = {.h = h, .started = now_ms()};
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
        j->url = take_credentials(h, d[i].url);
        j->shown = url_redact(j->url);
        if (d[i].sha256 && *d[i].sha256 && !valid_hex64(d[i].sha256)) {
            d[i].err = err_new(EXIT_APPLY, "%s: malformed expected sha256 '%.80s'", j->shown,
                               d[i].sha256);
            j->state = JOB_DONE;
            continue;
        }
        if (download_cached(h, &d[i], j->url)) {
            j->state = JOB_DONE;
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
    run_jobs(h, &run, jobs, n);
    for (size_t i = 0; i < n; i++)
        job_free(&jobs[i]);
    free(jobs);
    err_t *e = NULL;
    if (nmissing)
        e = err_hint(err_new(EXIT_APPLY, "offline: %zu file%s not in the cache:%s", nmissing,
                             nmissing == 1 ? " is" : "s are", buf_cstr(&missing)),
                     "run once without --offline (or VENVSYNC_OFFLINE) to fill the cache");
    buf_free(&missing);
    return e;
}

void http_download_clear(http_download_t *d)
{
    free(d->path);
    err_free(d->err);
    d->path = NULL;
    d->err = NULL;
}
