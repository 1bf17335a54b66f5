/*
 * metadata: the core metadata (METADATA) of candidate wheels, for the resolver: Requires-Dist,
 * Requires-Python and Provides-Extra of one version without downloading whole wheels, and
 * without trusting the network for anything that is not checked.
 *
 * A batch of requests (metadata_req_t), each one wheel: a local file (`path`), or a remote one
 * (`url`: a file of an index page with what the page said about it, or a direct URL). Each is
 * answered by the first of these ways that works:
 *   1. local: the archive is opened with every check of wheel/zip.h and METADATA read from its
 *      single top-level `*.dist-info` directory, whose name part must be the filename's name;
 *   2. the metadata cache: <cache>/metadata-v1/<sha256 of the wheel> when its sha256 is known,
 *      else <cache>/metadata-v1/url-<sha256(URL without credentials and fragment + "\n" +
 *      filename)>. An entry is the METADATA bytes, written atomically (fs_write_atomic) and
 *      never changed; one that does not pass the checks below (or the index's metadata sha256)
 *      is ignored and replaced;
 *   3. the download cache already holds the wheel (http_download_lookup): read as in 1;
 *   4. PEP 658/714, when the index advertised it (core_metadata): GET <url without
 *      fragment>.metadata; its sha256 is checked when the index gave one, and a mismatch is an
 *      error (not a reason to try another way). A 404 or 410 goes on to 5;
 *   5. HTTP range requests (as uv's remote_metadata, without its HEAD): `Range: bytes=-16384`
 *      for the end of the wheel; the end records and the central directory are parsed from it
 *      (zip_tail_parse, zip_open_cdir). When the central directory (or a long archive comment,
 *      or a ZIP64 end record) starts before those bytes, one more range fetches the rest. Then
 *      METADATA's exact bytes (its local header up to the next member's, zip_member_range) are
 *      fetched, unless already held, and checked and inflated by zip_extract_range_buf (local
 *      header against the central directory, data descriptor, no stray bytes, CRC-32, size).
 *      A wheel of at most 16 KiB comes whole in the first answer and is read as in 1;
 *   6. the whole wheel, downloaded into the download cache (verified as http.h says: size,
 *      Content-Length and the index's sha256), then read as in 1.
 * Ranges give way to 6 when the server ignores Range (its 200 answer is stored as the download
 * itself: no request is wasted), answers 416 or 501, or breaks the protocol (a missing or wrong
 * Content-Range, a range other than the one asked for, a total size other than the index's or
 * the first answer's): the host (url_host_key) is then remembered, for the life of the
 * metadata_t, as one where later requests download at once. Anything wrong with the bytes that
 * ranges brought (a structure that does not hold, a CRC mismatch, no or several .dist-info
 * directories, a central directory above METADATA_MAX_CD, a METADATA member above
 * METADATA_MAX) also gives way to 6, without blaming the host: the download is verified
 * against the index's hash, so its verdict (success or error) is final. The reason is kept in
 * the request's `note`.
 *
 * Every METADATA, whatever its way, must be at most METADATA_MAX bytes, parse
 * (meta_parse_metadata) and name the filename's project and version (normalized names, PEP 440
 * equality), else the request fails. Answers from the network are stored in the metadata cache
 * (a failure to store is a warning).
 *
 * Parallelism: the batch proceeds in rounds; each round puts every request's next network step
 * into one concurrent batch of the http client (http_fetch_all), so N files cost the round
 * trips of the slowest, not N times as many. Connections, credentials, proxies, retries,
 * progress and statistics are the http client's.
 *
 * HTTP requests per remote file (what the tests count in the server's log):
 *   cached (metadata cache or download cache)        0
 *   .metadata                                        1
 *   ranges, central directory within the last 16 KiB 2 (1 when METADATA is in them too, as
 *                                                      in any wheel of at most 16 KiB)
 *   ranges, larger central directory                 3
 *   server ignores Range                             1 (the answer is the download)
 *   416/501 to the range, or a lie                   2 (the range, then the download)
 *   host already known not to do ranges              1
 * plus 1 for an advertised .metadata that is 404.
 *
 * Offline (opts.offline, or no http client): ways 1-3 only; a miss fails that request with a
 * message naming the file and its URL, and the call returns one error listing every miss. (An
 * offline http client with opts.offline unset gives the same answers, listed in its words.)
 *
 * Ownership: a metadata_t borrows its http_t (which must outlive it) and owns the host memo,
 * statistics and warnings. Requests are caller-owned; their inputs are borrowed for the call,
 * their outputs are theirs and released by metadata_req_clear(). One thread at a time.
 */
#ifndef VENVSYNC_INDEX_METADATA_H
#define VENVSYNC_INDEX_METADATA_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index/http.h"
#include "index/simple.h"
#include "util/buf.h"
#include "util/err.h"
#include "wheel/meta.h"

#define METADATA_MAX ((size_t)4 << 20)          /* the largest METADATA accepted */
#define METADATA_MAX_CD ((uint64_t)32 << 20)    /* the largest central directory read by ranges */
#define METADATA_TAIL 16384                     /* the first range: the last bytes of the wheel */

typedef enum {
    METADATA_NONE,          /* not answered (err is set) */
    METADATA_LOCAL,         /* read from the local wheel */
    METADATA_CACHE,         /* the metadata cache */
    METADATA_DOWNLOADS,     /* read from the wheel already in the download cache */
    METADATA_PEP658,        /* <url>.metadata */
    METADATA_RANGES,        /* HTTP range requests */
    METADATA_DOWNLOAD,      /* the whole wheel, downloaded now */
    METADATA_NSOURCES
} metadata_source_t;

/* "local", "cache", "downloads", "pep658", "ranges", "download" ("none"). */
const char *metadata_source_name(metadata_source_t s);

typedef struct metadata_req {
    /* in (borrowed for the call) */
    const char *path;             /* a local wheel; exactly one of path / url */
    const char *url;              /* a remote wheel (may carry credentials and a fragment) */
    const char *filename;         /* the wheel's file name; NULL: the last component of path, or
                                   * of url (percent-decoded) */
    const char *sha256;           /* the wheel's sha256, lowercase hex, or NULL / "" */
    int64_t size;                 /* its size, or -1 */
    bool core_metadata;           /* PEP 658/714: <url>.metadata is served */
    const char *metadata_sha256;  /* its sha256, or NULL / "" */
    /* out */
    buf_t metadata;               /* the METADATA bytes */
    core_metadata_t parsed;       /* and parsed (wheel/meta.h) */
    metadata_source_t source;
    unsigned requests;            /* HTTP requests made for it (retries not counted) */
    char *download;               /* the verified wheel in the download cache, when the way used
                                   * it (METADATA_DOWNLOADS, METADATA_DOWNLOAD), else NULL */
    char *note;                   /* why a faster way was given up (ranges), or NULL */
    err_t *err;                   /* set when source is METADATA_NONE */
} metadata_req_t;

/* Fills the inputs of a zeroed r from an index page's file (pointers into f: f must outlive
 * the call to metadata_fetch). */
void metadata_req_from_simple(metadata_req_t *r, const simple_file_t *f);
/* Releases r's outputs (its inputs are left as they are). */
void metadata_req_clear(metadata_req_t *r);

typedef struct metadata_opts {
    const char *cache_dir;        /* required: where metadata-v1/ (and downloads-v1/) live */
    bool offline;                 /* no requests (also implied by a NULL http client) */
} metadata_opts_t;

typedef struct metadata metadata_t;

/* A session on h (may be NULL: local files and caches only). o is copied (its strings must
 * outlive the session). */
metadata_t *metadata_new(http_t *h, const metadata_opts_t *o);
void metadata_free(metadata_t *m);

/* Answers reqs[0..n) (outputs are reset first). Per-request problems go to reqs[i].err; the
 * return value is NULL, except offline, where it lists every request that needed the network. */
err_t *metadata_fetch(metadata_t *m, metadata_req_t *reqs, size_t n);

/* Whether m has learnt that url's host does not serve ranges. */
bool metadata_host_without_ranges(const metadata_t *m, const char *url);

typedef struct metadata_stats {
    size_t by_source[METADATA_NSOURCES];   /* answered requests per way */
    size_t requests;                       /* HTTP requests made */
    size_t fallbacks;                      /* ranges given up for a download */
} metadata_stats_t;

void metadata_get_stats(const metadata_t *m, metadata_stats_t *out);
/* Warnings (a cache entry that could not be stored); NULL-terminated, never NULL. */
char *const *metadata_warnings(const metadata_t *m);

#endif
