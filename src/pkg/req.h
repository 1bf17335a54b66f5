/*
 * req: PEP 508 requirement strings ("requests[socks]>=2.31,<3; python_version >= '3.8'",
 * "pkg @ https://host/pkg-1.0-py3-none-any.whl ; sys_platform == 'linux'").
 *
 * Grammar, whitespace and error positions follow pypa/packaging's parser:
 *   WS? NAME WS? ('[' WS? (EXTRA (WS? ',' WS? EXTRA)*)? WS? ']')? WS?
 *     ( '@' WS? URL (WS (';' MARKER)?)?
 *     | ('(' WS? SPECS WS? ')' | SPECS)? WS? (';' MARKER)? )
 * where WS is spaces/tabs, SPECS is a comma-separated specifier list (version.h), a URL is a run
 * of non-whitespace (so a marker after a URL needs whitespace before its ';'), and MARKER is
 * marker.h's grammar. NAME and each EXTRA must be valid PEP 508 names (name.h).
 *
 * A req_t owns everything it points to; req_free() releases it. It is immutable after parsing.
 */
#ifndef VENVSYNC_PKG_REQ_H
#define VENVSYNC_PKG_REQ_H
#include <stdbool.h>
#include <stddef.h>

#include "pkg/marker.h"
#include "pkg/version.h"
#include "util/err.h"

typedef struct req {
    char *name;          /* as written ("Foo.Bar") */
    char *key;           /* PEP 503 normalized ("foo-bar"): compare requirements by this */
    char **extras;       /* normalized, duplicates removed, in written order; NULL-terminated */
    size_t nextras;
    specset_t *specs;    /* never NULL: the empty set when there is no specifier (or a URL) */
    char *url;           /* "name @ URL" form, else NULL */
    marker_t *marker;    /* NULL when there is no marker */
} req_t;

/* Parses text. On failure returns an EXIT_USAGE error "invalid requirement 'TEXT': WHAT at
 * column N" (1-based) and, if errpos is not NULL, the 0-based byte offset of the problem;
 * *out is then NULL. */
err_t *req_parse(const char *text, req_t **out, size_t *errpos);
void req_free(req_t *r);

/* Canonical text: name as written, normalized extras, specifiers joined by ',' without spaces,
 * " @ URL" (then " ; marker"), or "; marker" with marker_str(). Parses back to an equal req.
 * malloc'd. */
char *req_str(const req_t *r);

/* Whether r pins one exact version: a single "==V" (no ".*") or "===V" specifier and no URL.
 * Then *version (if not NULL) points at V as written (owned by r). */
bool req_pinned(const req_t *r, const char **version);

/* Whether the requirement applies in env: true without a marker, else marker_eval (with
 * env->extra as given; pass NULL/"" for top-level requirements). */
err_t *req_applies(const req_t *r, const marker_env_t *env, bool *result);

#endif
