/*
 * pbs: python-build-standalone (PBS) releases as pure data, for managed interpreters.
 *
 * A release is named by its tag ("20241016"). The latest tag comes from the JSON document PBS
 * publishes as latest-release.json ({"version": 1, "tag", "release_url", "asset_url_prefix"});
 * the assets of a release and their sha256 come from the release's SHA256SUMS asset
 * ("<64 hex>  <file name>" per line). Asset names:
 *
 *   cpython-{X.Y.Z[pre]}+{build}-{triple}[-freethreaded][-debug]-install_only[_stripped].tar.gz
 *   cpython-{X.Y.Z[pre]}+{build}-{triple}-{options}-full.tar.zst   (options: pgo+lto, debug, ...)
 *
 * Only install_only[_stripped] .tar.gz assets for the host's exact triple are installable;
 * debug builds never are; free-threaded ones only for a free-threaded request ("3.13t").
 * x86_64_v2/v3/v4 triples are never chosen (that would need CPU feature detection).
 *
 * URLs: the base is PBS_DEFAULT_BASE with the metadata at PBS_DEFAULT_LATEST; a mirror (the
 * VENVSYNC_PYTHON_MIRROR variable, read by the caller) replaces both: metadata
 * <mirror>/latest-release.json, assets <mirror>/<tag>/<asset>. Asset names are percent-encoded
 * in URLs ('+' becomes %2B).
 *
 * Installed directory names follow uv: cpython-{X.Y.Z[pre]}[+freethreaded]-linux-{arch}-{libc}
 * and the minor-version link cpython-{X.Y}[+freethreaded]-linux-{arch}-{libc}.
 *
 * Nothing here does I/O. Every char * returned is malloc'd and owned by the caller; a
 * pbs_assets_t owns its items (pbs_assets_free).
 */
#ifndef VENVSYNC_TOOLCHAIN_PBS_H
#define VENVSYNC_TOOLCHAIN_PBS_H
#include <stdbool.h>
#include <stddef.h>
#include "python/request.h"
#include "util/err.h"

#define PBS_DEFAULT_BASE "https://github.com/astral-sh/python-build-standalone/releases/download"
#define PBS_DEFAULT_LATEST \
    "https://raw.githubusercontent.com/astral-sh/python-build-standalone/latest-release/" \
    "latest-release.json"

typedef enum { PBS_INSTALL_ONLY, PBS_INSTALL_ONLY_STRIPPED, PBS_FULL } pbs_flavor_t;

typedef struct pbs_asset {
    char *name;              /* the file name */
    char sha256[65];         /* lowercase hex, "" when unknown */
    char *version;           /* "3.12.7", "3.14.0rc1" */
    int major, minor, micro;
    int pre;                 /* 0 final, else 1 alpha, 2 beta, 3 candidate */
    int pre_num;
    char *build;             /* "20241016" */
    char *triple;            /* "x86_64-unknown-linux-gnu" */
    bool freethreaded, debug;
    pbs_flavor_t flavor;
    bool zst;                /* .tar.zst (else .tar.gz) */
} pbs_asset_t;

typedef struct pbs_assets {
    pbs_asset_t *items;
    size_t n;
} pbs_assets_t;

/* Parses an asset file name; false (out cleared) when it is not a CPython asset name. */
bool pbs_parse_name(const char *name, pbs_asset_t *out);
void pbs_asset_clear(pbs_asset_t *a);

/* The assets listed in a SHA256SUMS text. Lines are "<hex>  <name>" (or "<hex> *<name>");
 * blank lines are skipped, names that are not CPython assets are ignored. A malformed line is
 * an EXIT_APPLY error "SHA256SUMS line N: ...". */
err_t *pbs_parse_sha256sums(const char *text, size_t len, pbs_assets_t *out);
void pbs_assets_free(pbs_assets_t *a);

/* latest-release.json: *tag (required, a safe token, see pbs_tag_valid) and *prefix (the
 * asset_url_prefix, or NULL when absent). A "version" other than 1 is an error. */
err_t *pbs_parse_latest(const char *json, size_t len, char **tag, char **prefix);
/* A tag usable in a URL and a file name: 1..64 of [A-Za-z0-9._-], not starting with '.'. */
bool pbs_tag_valid(const char *tag);

/* The host as PBS names it. */
typedef struct pbs_host {
    char arch[16];           /* "x86_64", "aarch64" */
    char libc[8];            /* "gnu", "musl" */
    char triple[48];         /* "x86_64-unknown-linux-gnu" */
} pbs_host_t;
/* From uname's machine ("x86_64", "amd64", "aarch64", "arm64") and the libc ("gnu" or "musl");
 * false for a machine PBS builds nothing for here. */
bool pbs_host_make(const char *machine, const char *libc, pbs_host_t *out);

/* Orders assets by version (<0: a is older). */
int pbs_version_cmp(const pbs_asset_t *a, const pbs_asset_t *b);
/* Whether a is installable on triple (see above) for request r (NULL = any). */
bool pbs_installable(const pbs_asset_t *a, const char *triple);
bool pbs_matches(const pbs_asset_t *a, const pyreq_t *r);
/* The best asset for r on triple: final releases before pre-releases, then the newest version,
 * then install_only_stripped before install_only, then the newest build. NULL when none fits
 * (always for a path request). Borrowed from a. */
const pbs_asset_t *pbs_choose(const pbs_assets_t *a, const pyreq_t *r, const char *triple);
/* The distinct versions installable on triple, newest first: "3.13.1, 3.13.1t, 3.12.8", or ""
 * when there are none. */
char *pbs_available(const pbs_assets_t *a, const char *triple);

/* Where a release lives. */
typedef struct pbs_source {
    char *base;              /* assets: <base>/<tag>/<asset> */
    char *latest_url;        /* the latest-release.json document */
    bool mirror;
} pbs_source_t;
/* From the mirror setting (NULL or "" for the defaults); trailing slashes are dropped. */
void pbs_source_init(pbs_source_t *s, const char *mirror);
void pbs_source_free(pbs_source_t *s);
/* The URL prefix of a release's assets: without a mirror the metadata's asset_url_prefix when
 * it is an https URL (meta_prefix may be NULL), else <base>/<tag>. */
char *pbs_release_prefix(const pbs_source_t *s, const char *tag, const char *meta_prefix);
/* prefix + "/" + the percent-encoded asset name. */
char *pbs_asset_url(const char *prefix, const char *name);

/* "cpython-3.12.7-linux-x86_64-gnu", "cpython-3.13.1+freethreaded-linux-x86_64-gnu". */
char *pbs_install_name(const pbs_asset_t *a, const pbs_host_t *h);
/* "cpython-3.12-linux-x86_64-gnu" (the minor-version link). */
char *pbs_minor_name(int major, int minor, bool freethreaded, const pbs_host_t *h);

#endif
