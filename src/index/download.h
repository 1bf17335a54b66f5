/*
 * download: the one call engine/fetch.c makes for wheels that are not on the local disk. For a
 * batch of pins it looks their projects up on the remote sources (remote.h, in parallel),
 * chooses a file for each (choose_remote.h), and downloads what the caches do not already hold
 * (http.h, in parallel, streamed, size- and hash-verified). Direct remote wheel URLs
 * (`name @ https://.../x.whl`, want->path_or_url with !is_local) are downloaded as they are.
 *
 * A download_session_t owns one http_t and one remote_t, so connections, parsed pages and
 * credentials are shared by every environment of a run; create it lazily (a run that installs
 * nothing from the network never initialises libcurl).
 *
 * Configuration, from config_t (config/config.h) plus download_opts_t:
 *   VENVSYNC_INDEX_URL          replaces the index (see remote.h for the precedence)
 *   VENVSYNC_INDEX_USERNAME / VENVSYNC_INDEX_PASSWORD
 *                               basic-auth credentials for the host of the (first) index, unless
 *                               its URL carries its own
 *   VENVSYNC_OFFLINE, VENVSYNC_CONCURRENCY, VENVSYNC_HTTP_TIMEOUT, VENVSYNC_CONNECT_TIMEOUT,
 *   VENVSYNC_HTTP_RETRIES, VENVSYNC_CA_BUNDLE / SSL_CERT_FILE, NETRC, proxies: see http.h.
 *
 * What a result means (download_item_t):
 *   path       the verified file (<cache>/downloads-v1/<sha256>); it may be ABSENT when
 *              reuse_entry is set: the unpacked-wheel cache already holds a complete entry for
 *              that sha256 (known from the index or from the pin's only hash), so nothing was
 *              downloaded; wheel_cache_unpack_named(cache, path, filename, sha256) then reuses
 *              the entry without reading the file;
 *   filename   the wheel's real file name (for wheel_cache_unpack_named's name checks);
 *   sha256     the file's sha256: verified against the index's hash (or the pin's only sha256
 *              hash) when one was known, else computed while downloading. Hash-checking mode
 *              against the pin's hashes stays the caller's job (fetch.c's check_hash).
 *
 * Errors: every pin's problem is reported, chained (a lookup or choice error is EXIT_USAGE as
 * choose.h's; transfer and verification errors EXIT_APPLY; offline misses are listed in one
 * error). Nothing that failed verification is left in the cache (http.h). No URL in any
 * message carries a password.
 */
#ifndef VENVSYNC_INDEX_DOWNLOAD_H
#define VENVSYNC_INDEX_DOWNLOAD_H
#include <stdbool.h>
#include <stddef.h>

#include "index/findlinks.h"
#include "index/http.h"
#include "index/remote.h"
#include "pkg/tags.h"
#include "resolve/want.h"
#include "wheel/cache.h"
#include "util/err.h"

typedef struct download_opts {
    const char *cache_dir;        /* required */
    bool offline;                 /* --offline (VENVSYNC_OFFLINE is honoured as well) */
    http_progress_fn progress;    /* may be NULL */
    void *progress_ctx;
    const config_t *cfg;          /* required: index URL override, credentials, HTTP settings */
} download_opts_t;

typedef struct download_session download_session_t;

/* Reads the environment (a malformed number is an EXIT_USAGE error naming the variable). */
err_t *download_session_new(const download_opts_t *o, download_session_t **out);
void download_session_free(download_session_t *s);
/* Notes for the user (warnings: newer index API, yanked files installed, netrc problems);
 * NULL-terminated, never NULL; valid until the next call on s. */
char *const *download_session_notes(const download_session_t *s);
bool download_session_offline(const download_session_t *s);
/* What the session's client sent and received so far (http.h). */
void download_session_stats(const download_session_t *s, http_stats_t *out);

/* The remote sources for a want set: VENVSYNC_INDEX_URL, the requirements files' options
 * (opts, may be NULL), the manifest's index (mf_index_url may be NULL; mf_extra_urls
 * NULL-terminated or NULL) and fl's remote find-links (fl may be NULL). */
err_t *download_sources(const download_session_t *s, const char *mf_index_url,
                        char *const *mf_extra_urls, const rf_options_t *opts, const fl_set_t *fl,
                        remote_sources_t *out);

/* Whether pins no local source has may be looked up on an index: one is configured (the
 * manifest's index / extra-urls, the requirements files' -i / --extra-index-url,
 * VENVSYNC_INDEX_URL, remote find-links), or, with no local find-links folder either, the default
 * index. --no-index in a requirements file turns the indexes off (remote find-links stay). */
bool download_index_allowed(const char *mf_index_url, char *const *mf_extra_urls,
                            char *const *mf_find_links, const rf_options_t *opts,
                            const fl_set_t *fl, const char *env_index_url);
/* The session's index client and page reader (for the resolver's metadata and lookups). */
http_t *download_session_http(download_session_t *s);
remote_t *download_session_remote(download_session_t *s);

typedef struct download_item {
    const want_pkg_t *want;       /* in: an index pin or a direct remote wheel */
    /* out (see above) */
    char *path;
    char *filename;
    char sha256[65];
    bool reuse_entry;
    wheel_unpacked_t *entry;      /* with reuse_entry: that entry, loaded and checked intact
                                   * (wheel_cache_lookup); the caller may take it (and set this
                                   * to NULL) instead of looking it up again */
    bool ok;                      /* the item succeeded */
} download_item_t;

/* Called (on the calling thread) as soon as items[item] succeeded: its outputs are filled. */
typedef void (*download_done_fn)(void *ctx, size_t item);

/* Chooses and downloads items[0..n) for the interpreter whose full version, description and tag
 * set are given (python/target.h). done (may be NULL) hears of each item that succeeds as soon
 * as it does, while the others still transfer (a wheel already in the wheel cache first). */
err_t *download_wheels(download_session_t *s, const remote_sources_t *src, download_item_t *items,
                       size_t n, const char *python_version, const char *desc,
                       const tagset_t *tags, download_done_fn done, void *done_ctx);
void download_item_clear(download_item_t *it);

#endif
