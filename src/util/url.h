/*
 * url: the one place URLs are split, resolved, redacted and keyed (RFC 3986). Pure string work:
 * no I/O, no libcurl, no state. Every char * returned is malloc'd and owned by the caller.
 *
 * Invariants:
 *  - url_redact() is the ONLY form in which a URL that may carry credentials is ever put into a
 *    message, a log line, a progress record or an error; the password (or a lone user name,
 *    which is often a token) becomes "****", as pip's redact_auth_from_url.
 *  - url_resolve() implements RFC 3986 §5.2 (including remove_dot_segments), so a relative href
 *    on an index page resolves exactly as a browser, pip and uv resolve it.
 *  - url_host_key() is what credentials are keyed on: "host:port" with the host lowercased and
 *    the scheme's default port filled in, so https://H/ and https://h:443/ share credentials and
 *    http://h/ and https://h/ do not.
 */
#ifndef VENVSYNC_UTIL_URL_H
#define VENVSYNC_UTIL_URL_H
#include <stdbool.h>
#include <stddef.h>

/* Spans of a URL reference, as offsets into the string split (len 0 with has_* false means
 * absent; a present but empty component has has_* true). */
typedef struct url_span { size_t off, len; } url_span_t;
typedef struct url_parts {
    bool has_scheme, has_authority, has_userinfo, has_port, has_query, has_fragment;
    url_span_t scheme;     /* without ':' */
    url_span_t authority;  /* userinfo@host:port, without "//" */
    url_span_t userinfo;   /* without '@' */
    url_span_t host;       /* reg-name, IPv4 or "[v6]" */
    url_span_t port;       /* digits, without ':' */
    url_span_t path;
    url_span_t query;      /* without '?' */
    url_span_t fragment;   /* without '#' */
} url_parts_t;

/* Splits u (RFC 3986 appendix B; never fails: any string is a reference). */
void url_split(const char *u, url_parts_t *p);

/* ref resolved against the absolute URL base (RFC 3986 §5.2); ASCII whitespace around ref is
 * ignored (HTML's rule for href). The fragment of ref is kept. */
char *url_resolve(const char *base, const char *ref);

/* u with its password (or its lone user name) replaced by "****". */
char *url_redact(const char *u);

/* u without userinfo; *user and *password (either may be NULL to ignore) receive the
 * percent-decoded parts, or NULL when absent. */
char *url_strip_credentials(const char *u, char **user, char **password);

/* "host:port" for credentials and connection bookkeeping (see above); NULL when u has no
 * authority. */
char *url_host_key(const char *u);

/* Scheme tests, case-insensitive. */
bool url_is_http(const char *u);          /* http: or https: */
bool url_is_file(const char *u);          /* file: */

/* u without its fragment ("#..."). */
char *url_without_fragment(const char *u);
/* The fragment's value for key ("sha256" in "#sha256=ab&x=y" -> "ab"), or NULL. */
char *url_fragment_param(const char *u, const char *key);

/* The last path segment, percent-decoded strictly ("https://h/a/foo%2Bbar-1.0.whl?x#y" ->
 * "foo+bar-1.0.whl"); "" when the path ends with '/'; NULL when it cannot be a file name (a
 * malformed escape, or an encoded NUL or '/'). */
char *url_basename(const char *u);

/* Percent-decodes s[0..n), malloc'd. An encoded NUL ("%00") is always refused: the result is a
 * C string. Leniently (strict false) a malformed escape ("%zz", a '%' too near the end) is kept
 * as written, as urllib's unquote does; strictly it is refused, and so is an encoded '/' (for
 * one path segment: a file name). NULL when refused. */
char *url_decode(const char *s, size_t n, bool strict);

/* file: URLs and local paths: the one pair of converters.
 * url_from_path: pip's path_to_url, "file://" + the absolute path with every byte outside
 * [A-Za-z0-9_.~/-] percent-encoded ("/a b" -> "file:///a%20b").
 * url_to_path: the local path a file: URL names, absolute and normalized (a relative one,
 * "file:x", is taken relative to base_dir; NULL base_dir means the working directory):
 * "file:///a%20b" -> "/a b", "file://localhost/x" -> "/x"; the query and fragment are ignored.
 * NULL with *why (malloc'd) for another scheme, a remote host, an encoded NUL or an empty path. */
char *url_from_path(const char *abs_path);
char *url_to_path(const char *url, const char *base_dir, char **why);

/* base with exactly one '/' then key then '/': the PEP 503 project URL. base keeps its query
 * string out of the way ("https://h/simple?x" is not special-cased: indexes have none). */
char *url_project(const char *base, const char *key);

#endif
