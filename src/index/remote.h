/*
 * remote: which files remote sources offer for a set of projects: the index URL, then the extra
 * index URLs, in order, and remote find-links pages. Pages are fetched in parallel through
 * http.h (and its page cache) and parsed with simple.h.
 *
 * Sources (remote_sources_build):
 *  - the index: VENVSYNC_INDEX_URL (passed in by the caller) wins, else the last -i/--index-url
 *    of the requirements files, else the manifest's index.url, else REMOTE_DEFAULT_INDEX;
 *  - extra indexes: the manifest's index.extra-urls, then the requirements files'
 *    --extra-index-url, without duplicates (nor the index itself);
 *  - --no-index in a requirements file drops every index (find-links only);
 *  - remote find-links: the http(s) entries of findlinks' `remote` list (manifest find-links and
 *    requirements -f); each is one HTML page of links (PEP 503 anchors; a plain web server's
 *    directory listing works).
 *  file: index URLs are refused (EXIT_USAGE): a local directory of wheels belongs in find-links.
 *
 * The first index that HAS the project wins (HTTP 200, even with no usable file), so an extra
 * index can never shadow or add files to a project the index serves (no dependency confusion).
 * 404 and 410 mean "not here": the next index is asked. Any other failure (after http.c's
 * retries) is an error for that project and later indexes are NOT asked, for the same reason.
 * Offline, a project's page is taken from the first index whose page is in the cache; a project
 * with no cached page anywhere is listed in one error. Remote find-links files are added to the
 * winning index's files (as pip and uv do); only wheels are taken from find-links pages.
 *
 * Lookups are batched: one round of parallel requests per index for the projects still
 * unresolved. Parsed pages are kept in the remote_t by URL, so later lookups (other
 * environments) cost nothing; `revalidate` bypasses pages that were served from the cache
 * without asking the server (used when a pin is missing from a possibly outdated page).
 *
 * Ownership: a remote_t borrows its http_t (which must outlive it) and owns its page memo and
 * notes. remote_project_t arrays returned by remote_lookup() are the caller's
 * (remote_projects_free). remote_sources_t owns its strings (remote_sources_clear).
 */
#ifndef VENVSYNC_INDEX_REMOTE_H
#define VENVSYNC_INDEX_REMOTE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index/http.h"
#include "pkg/reqfile.h"
#include "pkg/wheelname.h"
#include "util/err.h"

#define REMOTE_DEFAULT_INDEX "https://pypi.org/simple"

typedef struct remote_sources {
    char **indexes;       /* index URLs, the index first; NULL-terminated, never NULL */
    size_t nindexes;
    char **find_links;    /* remote find-links page URLs; NULL-terminated, never NULL */
    size_t nfind_links;
} remote_sources_t;

/* Builds the sources as described above. env_index_url: VENVSYNC_INDEX_URL or NULL;
 * mf_index_url / mf_extra_urls: the manifest's (NULL / NULL-terminated, may be NULL); opts:
 * the requirements files' options (may be NULL); fl_remote: findlinks' remote list (may be
 * NULL). */
err_t *remote_sources_build(const char *env_index_url, const char *mf_index_url,
                            char *const *mf_extra_urls, const rf_options_t *opts,
                            char *const *fl_remote, remote_sources_t *out);
void remote_sources_clear(remote_sources_t *s);
/* "https://pypi.org/simple, https://extra.example/simple (extra), https://h/links
 * (find-links)", redacted, for messages; malloc'd. */
char *remote_sources_describe(const remote_sources_t *s);
/* Whether there is any remote source at all. */
bool remote_sources_any(const remote_sources_t *s);

typedef struct remote_cand {
    char *filename;
    wheelname_t *wheel;       /* the parsed filename; NULL when it is not a wheel */
    char *url;                /* absolute (credentials as the source URL had them) */
    char sha256[65];          /* from the source, "" when unknown */
    bool hash_malformed;      /* the source gave a sha256 that is not 64 hex digits */
    int64_t size;             /* -1 when unknown */
    bool yanked;
    char *yanked_reason;      /* may be NULL */
    char *requires_python;    /* may be NULL */
    bool core_metadata;       /* PEP 658/714: <url>.metadata is served */
    char metadata_sha256[65]; /* its sha256 when the page gave one, else "" */
    bool from_find_links;
    size_t source;            /* index into the sources: indexes[] or, for find-links,
                               * find_links[] */
} remote_cand_t;

typedef struct remote_project {
    char *key;                /* normalized name */
    bool found;               /* an index has the project */
    size_t index;             /* which one (into sources->indexes) when found */
    char *page_url;           /* the redacted URL of the page the files came from, or NULL */
    bool cached_only;         /* the page was served from the cache without asking the server
                               * (fresh by max-age, or offline) */
    bool failed;              /* looking it up failed (the error is in remote_lookup's return) */
    remote_cand_t *cands;     /* the winning index's files, then find-links wheels */
    size_t n;
} remote_project_t;

typedef struct remote remote_t;

remote_t *remote_new(http_t *h);
void remote_free(remote_t *r);

/* Looks up keys[0..n) (normalized names) on src. *out receives n projects in the same order.
 * Errors of single projects (and, offline, the list of pages missing from the cache) are
 * returned chained; those projects have failed = true. The call itself never fails otherwise. */
err_t *remote_lookup(remote_t *r, const remote_sources_t *src, const char *const *keys, size_t n,
                     bool revalidate, remote_project_t **out);
void remote_projects_free(remote_project_t *p, size_t n);

/* Notes for the user (newer API versions, malformed hashes, netrc problems, yanked files
 * installed); NULL-terminated, never NULL. */
char *const *remote_notes(const remote_t *r);
/* Adds a note (takes ownership of msg). */
void remote_note(remote_t *r, char *msg);
/* The http client. */
http_t *remote_http(const remote_t *r);

#endif
