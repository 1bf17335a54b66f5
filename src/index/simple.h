/*
 * simple: the Simple Repository API (PEP 503 HTML, PEP 691 JSON, with PEP 592 yank, PEP 629
 * versioning, PEP 658/714 core metadata and PEP 700 sizes) turned into a list of files. Pure:
 * bytes in, structs out; no I/O (http.c fetches, remote.c decides what to fetch).
 *
 * Requests: GET url_project(base, key) (url.h) with the Accept header SIMPLE_ACCEPT (pip's).
 * Responses are parsed by their Content-Type (simple_format_of):
 *   application/vnd.pypi.simple.v1+json (or .latest+json)         -> JSON
 *   application/vnd.pypi.simple.v1+html (or .latest+html), text/html -> HTML
 * anything else is an error naming the type.
 *
 * HTML: every <a> is a file; attributes are HTML-unescaped (simple_html_unescape); href is
 * resolved against the first <base href> (itself resolved against the page URL), else against
 * the page URL, which must be the FINAL URL after redirects. The filename is the percent-decoded
 * last segment of the URL (pip's rule), or the anchor's text when the URL path ends in '/'. The
 * fragment gives the hash ("#sha256=<hex>"; other algorithms are ignored).
 * data-requires-python is the Requires-Python; data-yanked present means yanked (its value is
 * the reason, possibly empty: the spec's rule, where pip ignores a valueless attribute);
 * data-core-metadata, else data-dist-info-metadata, is "true" or "<algo>=<hex>". Comments,
 * <script> and <style> contents are skipped. The version is <meta name="pypi:repository-version"
 * content="X.Y">, 1.0 when missing.
 *
 * JSON: meta.api-version (required), name, files[] with filename and url (required strings; a
 * relative url is resolved against the page URL), hashes (object), requires-python (string or
 * null), yanked (false, true or a reason string), core-metadata / dist-info-metadata (bool or a
 * hash object), size (integer, PEP 700). Unknown keys are ignored; a known key with the wrong
 * type is an error naming the file's index.
 *
 * Versions: major above SIMPLE_API_MAJOR is an error; a minor above SIMPLE_API_MINOR adds a
 * warning to the page (the caller shows it). A malformed version string is an error.
 *
 * Hashes: "sha256" is kept as lowercase hex when it is 64 hex digits; anything else given as a
 * sha256 marks the file hash_malformed (and adds a warning) so that choosing can refuse it
 * instead of downloading something unverifiable.
 *
 * Ownership: a simple_page_t owns everything below it; simple_page_free() releases it. Files
 * keep document order. Errors are EXIT_APPLY (a remote index is broken, not the user's input),
 * prefixed with the (redacted) page URL by the caller.
 */
#ifndef VENVSYNC_INDEX_SIMPLE_H
#define VENVSYNC_INDEX_SIMPLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define SIMPLE_ACCEPT \
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, " \
    "text/html; q=0.01"
/* The newest API version this client knows (1.1: PEP 700; 1.2-1.4 add optional data that a
 * pinned-install client may ignore: tracks/alternate-locations, provenance, project status). */
#define SIMPLE_API_MAJOR 1
#define SIMPLE_API_MINOR 4

typedef enum { SIMPLE_FMT_UNKNOWN, SIMPLE_FMT_JSON, SIMPLE_FMT_HTML } simple_format_t;

typedef struct simple_file {
    char *filename;          /* as described above; never NULL */
    char *url;               /* absolute, without the fragment */
    char sha256[65];         /* lowercase hex, "" when unknown */
    bool hash_malformed;     /* a sha256 was given but is not 64 hex digits */
    char *requires_python;   /* as given (unescaped), NULL when absent */
    bool yanked;
    char *yanked_reason;     /* NULL when not yanked or no reason */
    bool core_metadata;      /* PEP 658/714 metadata is available at url + ".metadata" */
    char metadata_sha256[65];/* its sha256 when given, else "" */
    int64_t size;            /* PEP 700 size, -1 when unknown */
} simple_file_t;

typedef struct simple_page {
    char *url;               /* the page URL the links were resolved against */
    simple_format_t format;
    char *name;              /* JSON "name", NULL for HTML */
    int api_major, api_minor;
    simple_file_t *files;
    size_t n;
    char **warnings;         /* NULL-terminated, never NULL */
    size_t nwarnings;
} simple_page_t;

/* The format for a Content-Type header value (parameters and case ignored). */
simple_format_t simple_format_of(const char *content_type);

/* Parses body as the format content_type names; page_url is the final URL of the response. */
err_t *simple_parse(const char *content_type, const char *body, size_t len, const char *page_url,
                    simple_page_t **out);
err_t *simple_parse_html(const char *body, size_t len, const char *page_url, simple_page_t **out);
err_t *simple_parse_json(const char *body, size_t len, const char *page_url, simple_page_t **out);
void simple_page_free(simple_page_t *p);

/* HTML character references in s[0..n) decoded: &amp; &lt; &gt; &quot; &apos; &nbsp; (and the
 * first four without ';', as browsers and Python's html.unescape), &#DDD; and &#xHHH; (';'
 * optional; 0, surrogates and values above U+10FFFF become U+FFFD). Unknown names stay as
 * written. malloc'd. */
char *simple_html_unescape(const char *s, size_t n);

#endif
