/*
 * http_internal: what the four files of the HTTP client share. Private: only src/index/http.c,
 * http_auth.c, http_cache.c and http_transfer.c include it; everyone else uses http.h, whose
 * contract (caching, retries, credentials, offline mode) this header does not restate.
 *
 *   http.c           the client (configuration, http_new/http_free, warnings, statistics) and
 *                    the two batch calls: each request is answered from the caches or becomes
 *                    a job for the transfer loop
 *   http_auth.c      credentials: registered, looked up (netrc included), scrubbed from messages
 *   http_cache.c     the page cache files and the download cache's names, URL records and
 *                    stale temporary files
 *   http_transfer.c  the libcurl multi loop: starting jobs, response headers and bodies,
 *                    retries with backoff, turning responses into results (pages, verified
 *                    downloads renamed into the cache) or errors
 *
 * Ownership is as in http.h: the http_t owns everything hanging off it; a job_t owns its
 * strings, headers, cached page and temporary file until http_job_free().
 */
#ifndef VENVSYNC_INDEX_HTTP_INTERNAL_H
#define VENVSYNC_INDEX_HTTP_INTERNAL_H
#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index/http.h"
#include "index/netrc.h"
#include "util/buf.h"
#include "util/hash.h"

/* ---- the client (http.c) --------------------------------------------------------------------- */

typedef struct cred {
    char *hostkey;                /* url_host_key(): "host:port" */
    char *user;                   /* "" for a token in the password */
    char *pass;                   /* may be NULL */
} cred_t;

struct http {
    http_config_t cfg;
    CURLM *multi;
    CURLSH *share;
    CURL **idle;                  /* easy handles to reuse */
    size_t nidle, idlecap;
    cred_t *creds;
    size_t ncreds, credcap;
    netrc_t *netrc;               /* loaded on first use (netrc_loaded) */
    bool netrc_loaded;
    char **warnings;              /* NULL-terminated, never NULL */
    size_t nwarnings;
    char *pages_dir, *dl_dir;
    char *ua;
    uint64_t rng;                 /* xorshift state for the retry jitter */
    http_stats_t stats;
};

/* Adds msg (taken, malloc'd) to the warnings. */
void http_add_warning(http_t *h, char *msg);
/* Monotonic milliseconds. */
int64_t http_now_ms(void);

/* ---- credentials (http_auth.c) ------------------------------------------------------------- */

/* The credentials for url (stripped of userinfo): registered ones first, then the netrc file
 * (loaded on first use). The strings stay h's. */
bool http_find_credentials(http_t *h, const char *url, const char **user, const char **pass);
/* Registers the userinfo of url (if any) and returns url without it, malloc'd. */
char *http_take_credentials(http_t *h, const char *url);
/* Releases the credentials and the netrc, clearing the secrets' memory first. */
void http_creds_free(http_t *h);

/* ---- the caches (http_cache.c) ------------------------------------------------------------- */

/* A page cache file, loaded. */
typedef struct cpage {
    char *final_url, *content_type, *etag, *last_modified;
    int64_t fresh_until;          /* unix seconds; 0 = stale */
    buf_t raw;                    /* the whole file */
    size_t body_off, body_len;
} cpage_t;

void http_cpage_free(cpage_t *c);
/* The cache file for url (without credentials) and accept, malloc'd. */
char *http_page_cache_path(const http_t *h, const char *url, const char *accept);
/* The page stored at path for url; NULL when missing, malformed or stored for another URL. */
cpage_t *http_cpage_load(const char *path, const char *url);
/* Stores a page (atomically); a failure is a warning on h, not an error. */
void http_cpage_store(http_t *h, const char *path, const char *url, const char *final_url,
                      const char *ct, const char *etag, const char *lm, int64_t fresh_until,
                      const char *body, size_t len);
/* Cache-Control / Age -> unix time until which the response is fresh (0: stale now);
 * *no_store set when it must not be stored. */
int64_t http_freshness(const char *cc, const char *age, bool *no_store);

/* Whether s is 64 lowercase hex digits. */
bool http_valid_hex64(const char *s);
/* Fills d's outputs from the download cache when it holds the file (url is d->url without
 * credentials); false when it does not. */
bool http_download_cached(http_t *h, http_download_t *d, const char *url);
/* Records that url (without credentials) downloaded to the file named hex (size bytes), for a
 * download whose hash was not known beforehand. Best effort. */
void http_record_url(const http_t *h, const char *url, const char *hex, uint64_t size);
/* Removes the partial downloads of runs that are gone from dir (see http.h). */
void http_clean_stale_tmp(const char *dir);

/* ---- transfers (http_transfer.c) ------------------------------------------------------------ */

typedef enum { JOB_IDLE, JOB_PENDING, JOB_ACTIVE, JOB_WAITING, JOB_DONE } job_state_t;

/* One batch: its client and its progress record. */
typedef struct run {
    http_t *h;
    http_progress_t prog;
    int64_t started, last_progress;
} run_t;

/* One request of a batch. The batch call fills run, page, dl or fetch, fd (-1), url, shown, and
 * for a page cache_path and cached; then either answers it (state JOB_DONE) or leaves it to the
 * loop (JOB_PENDING). The rest is the loop's. A fetch whose answer is stored as a download sets
 * dl to its `full` when the body starts (and clears it before another attempt). */
typedef struct job {
    run_t *run;
    http_page_req_t *page;        /* exactly one of page / dl / fetch */
    http_download_t *dl;
    http_fetch_t *fetch;
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
    char *etag, *last_modified, *cache_control, *age, *retry_after, *reason, *content_range;
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
    err_t *pending_err;           /* why a fetch's download could not start */
} job_t;

/* Runs every job in state JOB_PENDING to completion (JOB_DONE, its request's outputs set),
 * reporting progress for r. */
void http_run_jobs(http_t *h, run_t *r, job_t *jobs, size_t n);
/* Releases what a job holds (a download's temporary file is removed). */
void http_job_free(job_t *j);

#endif
