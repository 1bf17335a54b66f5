/*
 * depcheck: what `pip check` checks: every installed distribution's Requires-Dist (with no
 * extras: markers evaluated with extra = "") must be installed at a version its specifiers
 * allow (pre-releases allowed, as pip). Pure over plain values; the caller reads the METADATA.
 *
 * Problems come back as lines in pip's words, sorted by distribution:
 *   "flask 3.1.3 requires werkzeug, which is not installed."
 *   "flask 3.1.3 has requirement werkzeug>=3.1, but you have werkzeug 2.0.0."
 * A Requires-Dist that does not parse, or whose marker cannot be evaluated, is reported too
 * ("flask 3.1.3 has an invalid requirement 'x!!': ...").
 */
#ifndef VENVSYNC_PKG_DEPCHECK_H
#define VENVSYNC_PKG_DEPCHECK_H
#include <stddef.h>
#include "pkg/marker.h"

typedef struct depcheck_dist {
    const char *name;               /* as METADATA says */
    const char *version;
    char *const *requires;          /* Requires-Dist lines, NULL-terminated (may be NULL) */
} depcheck_dist_t;

/* The problems of dists[0..n) on env, NULL-terminated (NULL when there are none); malloc'd
 * (strv_free). */
char **depcheck(const depcheck_dist_t *dists, size_t n, const marker_env_t *env);

#endif
