/*
 * http: every network transfer venvsync makes, through one libcurl multi handle: index pages
 * into memory (with an HTTP cache on disk) and wheel files into a verified download cache.
 *
 * Transfers. A batch (http_get_pages / http_download_all / http_fetch_all) runs up to
 * `concurrency` transfers at once (default 8). The multi handle lives as long as the http_t, so
 * connections (and TLS sessions) are reused across batches; HTTP/2 is negotiated by ALPN when
 * the server offers it and streams to one host are multiplexed. Redirects are followed
 * (http/https only, at most 10). Proxies come from the usual environment variables (http_proxy,
 * https_proxy, no_proxy; libcurl reads them). TLS peers are verified against the system CAs, or
 * against cfg.ca_bundle (VENVSYNC_CA_BUNDLE, else SSL_CERT_FILE).
 *
 * Failures and retries. Connection failures (refused, reset, DNS, TLS handshake I/O), timeouts,
 * truncated bodies, HTTP 408, 429 and 5xx are retried up to `retries` times (default 3) with
 * exponential backoff (backoff_ms, 2x per attempt, +-25% jitter, at most 10 s; a Retry-After
 * of up to 10 s is honoured). Other statuses fail at once. A connection that cannot be made
 * within connect_timeout_ms fails (and is retried); so does a transfer that receives nothing
 * for low_speed_time_s (counted from the last byte, like a socket read timeout: libcurl's own
 * low-speed check averages over several seconds and would notice a stall late).
 *
 * Credentials. Basic auth is sent to a host only when credentials are known for its
 * url_host_key() ("host:port"): from a URL's userinfo (any URL given to this module: they are
 * registered, then stripped before the request), from http_add_credentials(), or from the netrc
 * file (netrc.h; cfg.netrc_path, NULL = $NETRC or ~/.netrc, "" = none), in that order of
 * precedence. libcurl never forwards them to another host on a redirect. Credentials are never
 * part of a message: every URL in an error or progress record goes through url_redact(), and
 * every message is scrubbed of every known password (http_scrub) before it leaves this module.
 *
 * Page cache: <cache>/pages-v1/<sha256(url without credentials + "\n" + accept)>, one file per
 * page: a header block (url, final URL, Content-Type, ETag, Last-Modified, the time until which
 * it is fresh) and the body, replaced atomically (fs_write_atomic). A page still fresh by
 * Cache-Control max-age (minus Age; no-cache and a missing max-age mean "stale at once") is
 * used without a request unless the caller asks to revalidate; a stale one is revalidated with
 * If-None-Match / If-Modified-Since, and a 304 refreshes its freshness without a body.
 * no-store responses are not stored. 404 and 410 are results, not errors (an index that does
 * not have the project), and are not cached.
 *
 * Download cache: <cache>/downloads-v1/<sha256 hex> holds a file whose name IS its sha256.
 * A download streams into <cache>/downloads-v1/.tmp-XXXXXX while its sha256 is computed; it is
 * renamed into place (not flushed) only when the response was 200, the byte count equals the
 * Content-Length (when sent), the expected size (when given) and the hash equals the expected
 * sha256 (when given). Anything else unlinks the temporary file: a partial or unverified file
 * never has a final name. When no hash was expected, a small record
 * <cache>/downloads-v1/url-<sha256(url without credentials)> maps the URL to the content's hash
 * so that the next run finds it (index files are immutable by convention, as pip's cache
 * assumes). A cached file is reused when it exists with the expected size and its content still
 * hashes to its name (a crash may leave a named file without all its bytes, since nothing is
 * flushed); one that does not is removed and fetched again. A download holds an flock on its temporary file until the file
 * is renamed or removed; http_new() removes every .tmp-* file nobody holds that is more than a
 * few seconds old (the partial download of a killed run), and any older than a day.
 *
 * Offline (cfg.offline): no request is made. Pages come from the cache whatever their age;
 * downloads only from the download cache. Everything that is missing is listed in ONE error:
 * "offline: not in the cache: <file> (<redacted url>), ...".
 *
 * Progress: cfg.progress (may be NULL) is called from the batch loop (same thread) at most
 * every 100 ms while transfers run and once when a batch ends; this module prints nothing.
 *
 * Ownership: an http_t owns the multi handle, the credentials and the netrc; http_free()
 * releases them. Requests are caller-owned arrays; the fields marked "out" are owned by the
 * request and released with http_page_req_clear() / http_download_clear(). One http_t is
 * used by one thread at a time.
 */
#ifndef VENVSYNC_INDEX_HTTP_H
#define VENVSYNC_INDEX_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "util/buf.h"
#include "util/cachedir.h"
#include "util/err.h"

#define HTTP_PAGES_SUBDIR CACHE_PAGES
#define HTTP_DOWNLOADS_SUBDIR CACHE_DOWNLOADS

typedef struct http_progress {
    size_t pages_done, pages_total;     /* index pages of the current batch */
    size_t files_done, files_total;     /* downloads of the current batch (cache hits excluded) */
    uint64_t bytes_done;                /* body bytes received for downloads */
    uint64_t bytes_total;               /* sum of the sizes known so far (index size or
                                         * Content-Length); <= the real total */
    double rate;                        /* bytes_done per second since the batch started */
    const char *current;                /* a file name being downloaded, or NULL */
    bool finished;                      /* the last call of the batch */
} http_progress_t;

typedef void (*http_progress_fn)(void *ctx, const http_progress_t *p);

typedef struct http_config {
    const char *cache_dir;        /* required: where pages-v1/ and downloads-v1/ live */
    int concurrency;              /* transfers at once; default 8 (1..64) */
    long connect_timeout_ms;      /* default 10000 */
    long low_speed_time_s;        /* a transfer receiving nothing this long fails; default 30 */
    int retries;                  /* extra attempts after the first; default 3 */
    long backoff_ms;              /* first retry delay; default 500 */
    bool offline;                 /* no network at all (see above) */
    const char *ca_bundle;        /* PEM file of trusted CAs; NULL = system */
    const char *netrc_path;       /* the netrc file to read, or NULL for none */
    const char *user_agent;       /* NULL = "venvsync/<version>" */
    http_progress_fn progress;
    void *progress_ctx;
} http_config_t;

/* Fills every field with its default (cache_dir NULL). */
void http_config_defaults(http_config_t *c);
/* Applies the settings a config_t carries (config/config.h): VENVSYNC_CONCURRENCY (1..64),
 * VENVSYNC_HTTP_TIMEOUT (low-speed seconds, 1..86400), VENVSYNC_CONNECT_TIMEOUT (seconds, may be
 * fractional), VENVSYNC_HTTP_RETRIES (0..100), the CA bundle, the netrc file and offline; unset
 * ones keep their defaults. A malformed number is an EXIT_USAGE error naming the variable (all
 * of them chained). The strings stay cfg's (not copied). */
err_t *http_config_apply(http_config_t *c, const config_t *cfg);

typedef struct http http_t;

/* A client for cfg (copied; the strings must outlive the client). */
err_t *http_new(const http_config_t *cfg, http_t **out);
void http_free(http_t *h);

/* Credentials for every URL on url's host:port (user may be "" for a token in the password;
 * password may be NULL). Later calls for the same host replace earlier ones. */
void http_add_credentials(http_t *h, const char *url, const char *user, const char *password);
/* Whether credentials are known for url's host (from any source, netrc included). */
bool http_has_credentials(http_t *h, const char *url);
/* msg with every known password replaced by "****"; malloc'd. */
char *http_scrub(const http_t *h, const char *msg);
/* Warnings collected so far (netrc problems); NULL-terminated, never NULL. */
char *const *http_warnings(const http_t *h);

typedef enum {
    HTTP_FROM_NETWORK,            /* a 200 (or 404/410) response */
    HTTP_FROM_REVALIDATED,        /* the cached page, confirmed by a 304 */
    HTTP_FROM_CACHE,              /* the cached page, still fresh: no request */
    HTTP_FROM_OFFLINE,            /* the cached page, offline mode, maybe stale */
} http_source_t;

typedef struct http_page_req {
    /* in */
    const char *url;              /* may carry credentials (registered, then stripped) */
    const char *accept;           /* Accept header value, or NULL */
    bool revalidate;              /* ask the server even when the cached page is fresh */
    /* out */
    int status;                   /* 200 for any page (fresh, revalidated or new), 404/410, or
                                   * 0 when err is set */
    http_source_t source;
    buf_t body;
    char *content_type;           /* NULL when the server sent none */
    char *final_url;              /* after redirects, without credentials */
    err_t *err;                   /* why there is no page (not for 404/410) */
} http_page_req_t;

/* Fetches every page. Per-page problems go to reqs[i].err; the return value is NULL, except in
 * offline mode where it lists every page missing from the cache (their err is set too). */
err_t *http_get_pages(http_t *h, http_page_req_t *reqs, size_t n);
void http_page_req_clear(http_page_req_t *r);

typedef struct http_download {
    /* in */
    const char *url;              /* may carry credentials */
    const char *filename;         /* for messages and progress */
    const char *sha256;           /* expected lowercase hex, or NULL / "" when unknown */
    int64_t size;                 /* expected size, or -1 */
    /* optional: called on the calling thread, inside http_download_all, as soon as this file is
     * verified and stored (or found in the cache), with the outputs below filled, so that the
     * caller can start on it while other files still transfer. It may take d->path (and set it
     * to NULL). It must not call back into h. */
    void (*on_done)(void *ctx, struct http_download *d);
    void *on_done_ctx;
    /* out */
    char *path;                   /* the verified file: <cache>/downloads-v1/<sha256> */
    char sha256_out[65];          /* its sha256 */
    uint64_t size_out;
    bool from_cache;              /* no transfer was needed */
    err_t *err;
} http_download_t;

/* Downloads (or finds in the cache) every file. Per-file problems go to d[i].err (a hash
 * mismatch names the file, the URL, the expected and the actual hash). Returns NULL, except in
 * offline mode where it lists every file missing from the cache (their err is set too). */
err_t *http_download_all(http_t *h, http_download_t *d, size_t n);
void http_download_clear(http_download_t *d);

/* Whether the download cache holds d (by d->sha256, else by the URL record of d->url): then its
 * outputs (path, sha256_out, size_out, from_cache) are filled and true is returned. No request
 * is made; offline mode makes no difference. */
bool http_download_lookup(http_t *h, http_download_t *d);

/*
 * Small fetches into memory: HTTP range requests and PEP 658 metadata files (index/metadata.h).
 *
 * A ranged fetch sends `Range: bytes=first-last`, or `bytes=-suffix` (the last `suffix` bytes)
 * when suffix > 0, and asks for no content coding (a range of a compressed representation is
 * useless); an unranged one without `full` accepts every coding libcurl decodes (max_bytes
 * bounds the decoded body), one with `full` none, as downloads. Answers:
 *   206  (ranged only) the body in memory; Content-Range must be "bytes A-B/T" (T may be "*")
 *        with A <= B, B < T and a body of exactly B-A+1 bytes: range_first/last/total are set
 *        (total 0 for "*"). Whether it is the range asked for is the caller's to check.
 *   200  with `full` set: the server ignored Range, or the fetch was unranged; the body is
 *        stored as the verified download `full` (exactly as http_download_all stores it: a
 *        temporary file, Content-Length, full->size and full->sha256 checked, renamed into the
 *        download cache), full_stored is set and full's outputs filled; the body is not kept
 *        in memory. Without `full`: the body in memory.
 *   404, 410, and for ranged fetches 416 and 501: status set, no error (the caller decides).
 * Everything else fails as a download does (408, 429, 5xx retried; hints for 401/403). A body
 * longer than max_bytes, a 206 to an unranged fetch, or a 206 whose Content-Range is missing,
 * malformed or disagrees with the body set bad_response along with err: the server broke the
 * protocol, which callers may treat differently from a network failure.
 *
 * With `full` set, the download cache is looked up first (as http_download_lookup, with the
 * fetch's url): a hit answers 200 with full_stored and full->from_cache, without a request.
 * Offline, that is the only answer; every other fetch fails and is listed in the one error the
 * call returns. full->url is not used (the fetch's url is); its other inputs are, and
 * full->filename is required. Errors are in the fetch's err, never in full->err.
 *
 * Fetches run concurrently like the other batches and count as pages in the progress record
 * (a 200 stored as a download counts as a file too).
 */
typedef struct http_fetch {
    /* in */
    const char *url;              /* may carry credentials */
    const char *filename;         /* for messages (may be NULL) */
    bool ranged;
    uint64_t first, last;         /* the range (inclusive), when ranged and suffix == 0 */
    uint64_t suffix;              /* > 0: the last `suffix` bytes, when ranged */
    size_t max_bytes;             /* the most body bytes kept in memory */
    http_download_t *full;        /* may be NULL (see above) */
    /* out */
    int status;                   /* 200, 206, 404, 410, 416, 501, or 0 when err is set */
    buf_t body;
    uint64_t range_first, range_last, range_total;
    bool full_stored;
    bool bad_response;
    err_t *err;
} http_fetch_t;

/* Runs every fetch. Per-fetch problems go to f[i].err; the return value is NULL, except offline
 * where it lists every fetch that could not be answered from the download cache. */
err_t *http_fetch_all(http_t *h, http_fetch_t *f, size_t n);
void http_fetch_clear(http_fetch_t *f);

/* What went over the wire so far (every batch of this client). A request is one HTTP exchange
 * that got a response (a retried transfer counts each attempt that got one); `connections` is
 * how many connections libcurl had to open for them (the rest reused one: keep-alive or HTTP/2
 * streams). */
typedef struct http_stats {
    size_t requests;
    size_t http1, http2, http3;   /* requests answered in each protocol version */
    size_t not_modified;          /* 304 answers (revalidated cached pages) */
    size_t connections;
    uint64_t bytes;               /* response bodies received */
} http_stats_t;

void http_get_stats(const http_t *h, http_stats_t *out);

/* The download cache path for sha256_hex, malloc'd (it may not exist). */
char *http_download_path(const char *cache_dir, const char *sha256_hex);

#endif
